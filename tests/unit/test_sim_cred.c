/* tests/unit/test_sim_cred.c: the STK Password check (the documented test
 * vector) and SecurityCredential decryption with the simulator's key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "base/crypto.h"
#include "sim/cred.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char PASSKEY[] =
	"bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
#define VECTOR_TEXT                                                              \
	"MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJh" \
	"ZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3"
static const char VECTOR[] = VECTOR_TEXT;

static void test_stk_password(void **state)
{
	(void)state;
	char out[256];
	assert_true(sim_stk_password("174379", PASSKEY, "20160216165627", out, sizeof out));
	assert_string_equal(out, VECTOR);
	static const struct {
		const char *sc, *ts, *pw;
		bool ok;
	} cases[] = {
		{"174379", "20160216165627", VECTOR_TEXT, true},
		{"174379", "20160216165628", VECTOR_TEXT, false}, /* another Timestamp */
		{"174378", "20160216165627", VECTOR_TEXT, false},
		{"174379", "20160216165627", "", false},
		{"174379", "20160216165627", "MTc0Mzc5", false},       /* a prefix */
		{"174379", "20160216165627", VECTOR_TEXT "=", false},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(sim_stk_password_ok(cases[i].sc, PASSKEY, cases[i].ts,
		                                     cases[i].pw), cases[i].ok);
	/* too small a buffer is an error, not a truncated password */
	assert_false(sim_stk_password("174379", PASSKEY, "20160216165627", out, 16));
}

/* base64(RSA-PKCS#1 v1.5(password)) with assets/sim-cert.pem, as a client does. */
static char *encrypt_with_cert(const char *password, size_t len)
{
	FILE *f = fopen("assets/sim-cert.pem", "r");
	assert_non_null(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	EVP_PKEY *pub = X509_get_pubkey(x);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
	unsigned char ct[512];
	size_t ctlen = sizeof ct;
	assert_true(EVP_PKEY_encrypt_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	assert_true(EVP_PKEY_encrypt(ctx, ct, &ctlen, (const unsigned char *)password, len) > 0);
	char *b64 = malloc(1024);
	assert_true(crypto_base64_encode(ct, ctlen, b64, 1024) > 0);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pub);
	X509_free(x);
	return b64;
}

static void test_credential(void **state)
{
	(void)state;
	struct sim_key *key = NULL;
	struct pos_err err;
	assert_int_equal(sim_key_load("assets/sim-key.pem", &key, &err), POS_OK);

	char *good = encrypt_with_cert("Safaricom999!*!", 15);
	char plain[256];
	assert_true(sim_key_decrypt(key, good, plain, sizeof plain));
	assert_string_equal(plain, "Safaricom999!*!");
	assert_true(sim_cred_check(key, good, "Safaricom999!*!"));
	assert_false(sim_cred_check(key, good, "Safaricom123!!"));
	assert_false(sim_cred_check(key, good, "Safaricom999!*"));
	assert_false(sim_key_decrypt(key, good, plain, 8)); /* does not fit */

	/* base64 wrapped at 64 columns, as openssl base64 writes it */
	size_t n = strlen(good);
	char *wrapped = malloc(n + n / 64 + 2);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		wrapped[o++] = good[i];
		if (i % 64 == 63)
			wrapped[o++] = '\n';
	}
	wrapped[o] = '\0';
	assert_true(sim_cred_check(key, wrapped, "Safaricom999!*!"));

	/* hostile credentials */
	char *huge = malloc(20001);
	memset(huge, 'A', 20000);
	huge[20000] = '\0';
	const char *bad[] = {
		"", "not base64!", "QUJD", huge,
		"U2FmYXJpY29tOTk5ISoh",  /* base64 of the password itself, unencrypted */
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_false(sim_cred_check(key, bad[i], "Safaricom999!*!"));
	/* one flipped character */
	good[10] = good[10] == 'A' ? 'B' : 'A';
	assert_false(sim_cred_check(key, good, "Safaricom999!*!"));
	/* a password with an embedded NUL never matches */
	char *nul = encrypt_with_cert("Safari\0com", 10);
	assert_false(sim_key_decrypt(key, nul, plain, sizeof plain));
	assert_false(sim_cred_check(NULL, nul, "Safari"));

	free(nul);
	free(huge);
	free(wrapped);
	free(good);
	sim_key_free(key);
}

static void test_key_load_errors(void **state)
{
	(void)state;
	struct sim_key *key = (struct sim_key *)1;
	struct pos_err err;
	assert_int_equal(sim_key_load("no/such/key.pem", &key, &err), POS_E_IO);
	assert_null(key);
	assert_non_null(strstr(err.msg, "no/such/key.pem"));
	/* a certificate is not a private key */
	assert_int_equal(sim_key_load("assets/sim-cert.pem", &key, &err), POS_E_CRYPTO);
	assert_null(key);
	sim_key_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stk_password),
		cmocka_unit_test(test_credential),
		cmocka_unit_test(test_key_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
