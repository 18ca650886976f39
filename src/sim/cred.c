/* sim/cred.c: STK password and SecurityCredential checks. */
#include "sim/cred.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/crypto.h"
#include "base/str.h"

enum { CRED_B64_MAX = 4096, CRED_RAW_MAX = 1024 };

struct sim_key {
	EVP_PKEY *pkey;
};

enum pos_status sim_key_load(const char *path, struct sim_key **out,
                             struct pos_err *err)
{
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return pos_err_set(err, POS_E_IO, "private-key", "cannot read %s: %s",
		                   path, strerror(errno));
	EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!pkey) {
		ERR_clear_error();
		return pos_err_set(err, POS_E_CRYPTO, "private-key",
		                   "%s is not a PEM private key", path);
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return pos_err_set(err, POS_E_CRYPTO, "private-key",
		                   "%s is not an RSA key", path);
	}
	struct sim_key *k = malloc(sizeof *k);
	if (!k) {
		EVP_PKEY_free(pkey);
		return pos_err_set(err, POS_E_NOMEM, "private-key", NULL);
	}
	k->pkey = pkey;
	*out = k;
	return POS_OK;
}

void sim_key_free(struct sim_key *key)
{
	if (!key)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

bool sim_key_decrypt(const struct sim_key *key, const char *credential,
                     char *out, size_t outsz)
{
	char b64[CRED_B64_MAX + 1];
	uint8_t raw[CRED_RAW_MAX], plain[CRED_RAW_MAX];
	size_t n = 0, rawlen = 0, plainlen = sizeof plain;
	bool ok = false;

	if (!key || !credential || outsz == 0)
		return false;
	for (const char *p = credential; *p; p++) {
		if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
			continue;
		if (n == CRED_B64_MAX)
			return false;
		b64[n++] = *p;
	}
	b64[n] = '\0';
	if (n == 0 || crypto_base64_decode(b64, n, raw, sizeof raw, &rawlen) != POS_OK)
		return false;
	if ((int)rawlen != EVP_PKEY_get_size(key->pkey))
		return false;

	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key->pkey, NULL);
	if (ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_decrypt(ctx, plain, &plainlen, raw, rawlen) > 0 &&
	    plainlen < outsz && !memchr(plain, '\0', plainlen)) {
		memcpy(out, plain, plainlen);
		out[plainlen] = '\0';
		ok = true;
	}
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	crypto_wipe(plain, sizeof plain);
	return ok;
}

bool sim_cred_check(const struct sim_key *key, const char *credential,
                    const char *password)
{
	char plain[CRED_RAW_MAX];
	if (!sim_key_decrypt(key, credential, plain, sizeof plain))
		return false;
	bool ok = str_eq_ct(plain, strlen(plain), password, strlen(password));
	crypto_wipe(plain, sizeof plain);
	return ok;
}

bool sim_stk_password(const char *shortcode, const char *passkey,
                      const char *timestamp, char *out, size_t outsz)
{
	char joined[512];
	if (!str_fmt(joined, sizeof joined, "%s%s%s", shortcode, passkey, timestamp))
		return false;
	size_t n = crypto_base64_encode(joined, strlen(joined), out, outsz);
	crypto_wipe(joined, sizeof joined);
	return n > 0;
}

bool sim_stk_password_ok(const char *shortcode, const char *passkey,
                         const char *timestamp, const char *password)
{
	char expect[1024];
	if (!sim_stk_password(shortcode, passkey, timestamp, expect, sizeof expect))
		return false;
	bool ok = str_eq_ct(expect, strlen(expect), password, strlen(password));
	crypto_wipe(expect, sizeof expect);
	return ok;
}
