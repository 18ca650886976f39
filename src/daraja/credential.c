/*
 * daraja/credential.c: the SecurityCredential of the initiator APIs (B2C,
 * Transaction Status, Account Balance, Reversal).
 *
 * The initiator password, as its raw bytes, is encrypted with RSA PKCS#1 v1.5
 * (not OAEP) under the public key of Safaricom's certificate, then base64'd.
 * The certificate may be PEM or DER (detected), and may even be a bare public
 * key. Validity dates are deliberately not checked: Safaricom's certificates
 * expired years ago and are still the ones in use.
 *
 * OpenSSL 3's EVP interface only (the RSA_* functions are deprecated).
 */
#include "daraja/client.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/str.h"

/* A certificate is a few KiB; anything past this is not one. */
enum { CERT_FILE_MAX = 64 * 1024 };

static const char CERT_FIELD[] = "[daraja] cert";
static const char CERT_HINT[] =
	"set [daraja] cert_path to Safaricom's certificate for this environment "
	"(PEM or DER, from the Daraja portal)";

static enum pos_status read_file(const char *path, unsigned char *buf,
                                 size_t bufsz, size_t *len, struct pos_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		pos_err_set(err, POS_E_IO, CERT_FIELD, "%s could not be opened: %s",
		            path, strerror(errno));
		pos_err_hint(err, "%s", CERT_HINT);
		return POS_E_IO;
	}
	size_t n = fread(buf, 1, bufsz, f);
	bool too_big = n == bufsz && fgetc(f) != EOF;
	bool failed = ferror(f) != 0;
	fclose(f);
	if (failed) {
		pos_err_set(err, POS_E_IO, CERT_FIELD, "%s could not be read", path);
		pos_err_hint(err, "%s", CERT_HINT);
		return POS_E_IO;
	}
	if (too_big) {
		pos_err_set(err, POS_E_TOO_LONG, CERT_FIELD,
		            "%s is larger than %d KiB: it is not a certificate", path,
		            CERT_FILE_MAX / 1024);
		pos_err_hint(err, "%s", CERT_HINT);
		return POS_E_TOO_LONG;
	}
	*len = n;
	return POS_OK;
}

static bool looks_like_pem(const unsigned char *data, size_t len)
{
	static const char marker[] = "-----BEGIN ";
	size_t m = sizeof marker - 1;
	for (size_t i = 0; i + m <= len; i++)
		if (memcmp(data + i, marker, m) == 0)
			return true;
	return false;
}

/* The public key of a PEM or DER certificate (or bare public key), or NULL. */
static EVP_PKEY *load_public_key(const unsigned char *data, size_t len)
{
	EVP_PKEY *pkey = NULL;
	if (len > (size_t)INT32_MAX)
		return NULL;
	if (looks_like_pem(data, len)) {
		BIO *bio = BIO_new_mem_buf(data, (int)len);
		if (!bio)
			return NULL;
		X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
		if (x) {
			pkey = X509_get_pubkey(x);
			X509_free(x);
		} else {
			(void)BIO_reset(bio);
			pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		}
		BIO_free(bio);
		return pkey;
	}
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x) {
		pkey = X509_get_pubkey(x);
		X509_free(x);
		return pkey;
	}
	p = data;
	return d2i_PUBKEY(NULL, &p, (long)len);
}

enum pos_status daraja_security_credential(const char *cert_path,
                                           const char *password, char *out,
                                           size_t outsz, struct pos_err *err)
{
	enum pos_status st = POS_OK;
	unsigned char *file = NULL, *cipher = NULL;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t file_len = 0, cipher_len = 0;

	if (out && outsz)
		out[0] = '\0';
	if (!cert_path || !*cert_path) {
		st = pos_err_set(err, POS_E_CONFIG, "[daraja] cert_path",
		                 "no certificate is configured for the initiator APIs");
		pos_err_hint(err, "%s", CERT_HINT);
		goto out;
	}
	if (!password || !*password) {
		st = pos_err_set(err, POS_E_CONFIG, "[daraja] initiator_password",
		                 "the initiator password is empty");
		pos_err_hint(err, "set [daraja] initiator_password to the API "
		                  "operator's password from the M-Pesa org portal");
		goto out;
	}
	file = OPENSSL_malloc(CERT_FILE_MAX);
	if (!file) {
		st = pos_err_set(err, POS_E_NOMEM, CERT_FIELD, NULL);
		goto out;
	}
	st = read_file(cert_path, file, CERT_FILE_MAX, &file_len, err);
	if (st != POS_OK)
		goto out;
	pkey = load_public_key(file, file_len);
	if (!pkey) {
		st = pos_err_set(err, POS_E_CRYPTO, CERT_FIELD,
		                 "%s is not a certificate (neither PEM nor DER X.509)",
		                 cert_path);
		pos_err_hint(err, "%s", CERT_HINT);
		goto out;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		st = pos_err_set(err, POS_E_CRYPTO, CERT_FIELD,
		                 "%s holds a %s key; Safaricom's certificate holds an "
		                 "RSA key", cert_path, OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)));
		pos_err_hint(err, "%s", CERT_HINT);
		goto out;
	}
	size_t pwlen = strlen(password);
	int keybytes = EVP_PKEY_get_size(pkey);
	if (keybytes <= 11 || pwlen > (size_t)keybytes - 11) {
		st = pos_err_set(err, POS_E_TOO_LONG, "[daraja] initiator_password",
		                 "the initiator password is %zu bytes; this certificate's "
		                 "key can encrypt at most %d", pwlen,
		                 keybytes > 11 ? keybytes - 11 : 0);
		goto out;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (!ctx || EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_encrypt(ctx, NULL, &cipher_len, (const unsigned char *)password,
	                     pwlen) <= 0) {
		st = pos_err_set(err, POS_E_CRYPTO, CERT_FIELD,
		                 "the key in %s could not be used for RSA encryption",
		                 cert_path);
		goto out;
	}
	cipher = OPENSSL_malloc(cipher_len);
	if (!cipher) {
		st = pos_err_set(err, POS_E_NOMEM, CERT_FIELD, NULL);
		goto out;
	}
	if (EVP_PKEY_encrypt(ctx, cipher, &cipher_len,
	                     (const unsigned char *)password, pwlen) <= 0) {
		st = pos_err_set(err, POS_E_CRYPTO, CERT_FIELD,
		                 "RSA encryption with the key in %s failed", cert_path);
		goto out;
	}
	if (!out || crypto_base64_encode(cipher, cipher_len, out, outsz) == 0) {
		st = pos_err_set(err, POS_E_TOO_LONG, CERT_FIELD,
		                 "the credential (%zu bytes before base64) does not fit "
		                 "in %zu bytes", cipher_len, outsz);
		goto out;
	}
out:
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (cipher)
		OPENSSL_clear_free(cipher, cipher_len);
	OPENSSL_free(file);
	return st;
}
