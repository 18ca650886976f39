/* tests/unit/test_daraja_credential.c: daraja/credential.c — the
 * SecurityCredential. A key pair and a self-signed certificate are made at
 * test time; the private key must decrypt the credential back to the
 * password, for PEM and DER certificates (and a bare public key); bad files
 * fail with a sentence naming "[daraja] cert". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/status.h"
#include "daraja/client.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char dir[64];
	char pem[128], der[128], pubkey[128], garbage[128], empty[128], huge[128],
	     ec[128], truncated[128];
	EVP_PKEY *key;
};

static void path_in(struct fixture *f, char *out, const char *name)
{
	snprintf(out, 128, "%s/%s", f->dir, name);
}

static X509 *self_signed(EVP_PKEY *key)
{
	X509 *x = X509_new();
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	/* Already expired, like Safaricom's: validity must not be checked. */
	X509_gmtime_adj(X509_getm_notBefore(x), -3 * 365 * 24 * 3600L);
	X509_gmtime_adj(X509_getm_notAfter(x), -2 * 365 * 24 * 3600L);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                           (const unsigned char *)"apicrypt.test", -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_true(fwrite(data, 1, n, fp) == n);
	fclose(fp);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/daraja-cred.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	path_in(f, f->pem, "cert.pem");
	path_in(f, f->der, "cert.cer");
	path_in(f, f->pubkey, "pub.pem");
	path_in(f, f->garbage, "garbage.cer");
	path_in(f, f->empty, "empty.cer");
	path_in(f, f->huge, "huge.cer");
	path_in(f, f->ec, "ec.pem");
	path_in(f, f->truncated, "truncated.pem");

	f->key = EVP_RSA_gen(2048);
	assert_non_null(f->key);
	X509 *x = self_signed(f->key);

	FILE *fp = fopen(f->pem, "w");
	assert_non_null(fp);
	assert_true(PEM_write_X509(fp, x) == 1);
	fclose(fp);

	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	assert_true(n > 0);
	write_bytes(f->der, der, (size_t)n);
	OPENSSL_free(der);

	fp = fopen(f->pubkey, "w");
	assert_non_null(fp);
	assert_true(PEM_write_PUBKEY(fp, f->key) == 1);
	fclose(fp);

	/* A PEM cut in half. */
	fp = fopen(f->pem, "r");
	char buf[4096];
	size_t len = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	write_bytes(f->truncated, buf, len / 2);
	X509_free(x);

	static const char junk[] = "this is not a certificate\n\x00\x01\x02";
	write_bytes(f->garbage, junk, sizeof junk);
	write_bytes(f->empty, "", 0);
	char *big = malloc(100 * 1024);
	assert_non_null(big);
	memset(big, 'A', 100 * 1024);
	write_bytes(f->huge, big, 100 * 1024);
	free(big);

	EVP_PKEY *ec = EVP_EC_gen("P-256");
	assert_non_null(ec);
	X509 *xe = self_signed(ec);
	fp = fopen(f->ec, "w");
	assert_non_null(fp);
	assert_true(PEM_write_X509(fp, xe) == 1);
	fclose(fp);
	X509_free(xe);
	EVP_PKEY_free(ec);

	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	const char *files[] = {f->pem, f->der, f->pubkey, f->garbage, f->empty,
	                       f->huge, f->ec, f->truncated};
	for (size_t i = 0; i < N_ELEMS(files); i++)
		unlink(files[i]);
	rmdir(f->dir);
	EVP_PKEY_free(f->key);
	free(f);
	return 0;
}

/* Decrypt a base64 credential with the private key. */
static void decrypt(EVP_PKEY *key, const char *cred, char *out, size_t outsz)
{
	uint8_t cipher[1024];
	size_t clen = 0;
	assert_int_equal(crypto_base64_decode(cred, strlen(cred), cipher, sizeof cipher,
	                                      &clen), POS_OK);
	assert_int_equal((int)clen, 256);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	assert_non_null(ctx);
	assert_true(EVP_PKEY_decrypt_init(ctx) > 0);
	assert_true(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0);
	size_t n = outsz - 1;
	assert_true(EVP_PKEY_decrypt(ctx, (unsigned char *)out, &n, cipher, clen) > 0);
	out[n] = '\0';
	EVP_PKEY_CTX_free(ctx);
}

static void test_round_trip_pem_der_pubkey(void **state)
{
	struct fixture *f = *state;
	static const char *const passwords[] = {
		"Safaricom999!*!", "Safaricom123!!", "x",
		"p\xc3\xa4ssw\xc3\xb6rd with spaces and \"quotes\"",
	};
	const char *certs[] = {f->pem, f->der, f->pubkey};
	for (size_t c = 0; c < N_ELEMS(certs); c++) {
		for (size_t p = 0; p < N_ELEMS(passwords); p++) {
			char cred[DARAJA_CREDENTIAL_MAX], plain[512];
			struct pos_err e;
			assert_int_equal(daraja_security_credential(certs[c], passwords[p], cred,
			                                            sizeof cred, &e), POS_OK);
			assert_int_equal(strlen(cred), 344); /* RSA-2048 */
			/* The raw password, not base64'd first, no timestamp appended. */
			decrypt(f->key, cred, plain, sizeof plain);
			assert_string_equal(plain, passwords[p]);
		}
	}
	/* PKCS#1 v1.5 is randomised: two credentials differ, both decrypt. */
	char a[DARAJA_CREDENTIAL_MAX], b[DARAJA_CREDENTIAL_MAX];
	assert_int_equal(daraja_security_credential(f->pem, "same", a, sizeof a, NULL), POS_OK);
	assert_int_equal(daraja_security_credential(f->pem, "same", b, sizeof b, NULL), POS_OK);
	assert_string_not_equal(a, b);
}

static void test_bad_certificates(void **state)
{
	struct fixture *f = *state;
	const struct {
		const char *path;
		enum pos_status st;
		const char *needle; /* in the sentence */
	} cases[] = {
		{"/nonexistent/dir/cert.cer", POS_E_IO, "could not be opened"},
		{f->dir, POS_E_IO, ""}, /* a directory */
		{f->garbage, POS_E_CRYPTO, "is not a certificate"},
		{f->empty, POS_E_CRYPTO, "is not a certificate"},
		{f->truncated, POS_E_CRYPTO, "is not a certificate"},
		{f->huge, POS_E_TOO_LONG, "KiB"},
		{f->ec, POS_E_CRYPTO, "RSA"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char cred[DARAJA_CREDENTIAL_MAX] = "junk";
		struct pos_err e;
		enum pos_status st = daraja_security_credential(cases[i].path, "pw", cred,
		                                                sizeof cred, &e);
		if (st != cases[i].st)
			fail_msg("row %zu (%s): status %s, want %s: %s", i, cases[i].path,
			         pos_status_name(st), pos_status_name(cases[i].st), e.msg);
		assert_string_equal(e.field, "[daraja] cert");
		assert_non_null(strstr(e.msg, cases[i].needle));
		/* The sentence quotes the path, and says what to do. */
		assert_non_null(strstr(e.msg, cases[i].path));
		assert_true(e.hint[0] != '\0');
		assert_string_equal(cred, "");
	}
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	char cred[DARAJA_CREDENTIAL_MAX];
	struct pos_err e;
	assert_int_equal(daraja_security_credential(NULL, "pw", cred, sizeof cred, &e),
	                 POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] cert_path");
	assert_int_equal(daraja_security_credential("", "pw", cred, sizeof cred, &e),
	                 POS_E_CONFIG);
	assert_int_equal(daraja_security_credential(f->pem, "", cred, sizeof cred, &e),
	                 POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] initiator_password");
	assert_int_equal(daraja_security_credential(f->pem, NULL, cred, sizeof cred, &e),
	                 POS_E_CONFIG);
	/* RSA-2048 with PKCS#1 v1.5 encrypts at most 245 bytes. */
	char long_pw[300];
	memset(long_pw, 'p', sizeof long_pw - 1);
	long_pw[sizeof long_pw - 1] = '\0';
	assert_int_equal(daraja_security_credential(f->pem, long_pw, cred, sizeof cred, &e),
	                 POS_E_TOO_LONG);
	long_pw[245] = '\0';
	assert_int_equal(daraja_security_credential(f->pem, long_pw, cred, sizeof cred, &e),
	                 POS_OK);
	/* An output buffer too small for 344 characters is refused. */
	char small[344];
	assert_int_equal(daraja_security_credential(f->pem, "pw", small, sizeof small, &e),
	                 POS_E_TOO_LONG);
	/* The password never appears in an error sentence. */
	assert_int_not_equal(daraja_security_credential("/nonexistent", "S3cretPw!", cred,
	                                                sizeof cred, &e), POS_OK);
	assert_null(strstr(e.msg, "S3cretPw!"));
	assert_null(strstr(e.hint, "S3cretPw!"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_pem_der_pubkey),
		cmocka_unit_test(test_bad_certificates),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
