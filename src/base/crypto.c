/* base/crypto.c: OpenSSL and libargon2 behind a small interface. */
#include "base/crypto.h"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "base/str.h"

/* Argon2id cost: about 20 ms on the target machine; memory in KiB. */
enum { PIN_T_COST = 2, PIN_M_COST = 19 * 1024, PIN_PARALLELISM = 1,
       PIN_SALT_LEN = 16, PIN_HASH_LEN = 32 };

enum pos_status crypto_random(void *buf, size_t n)
{
	if (n > (size_t)INT32_MAX)
		return POS_E_RANGE;
	return RAND_bytes(buf, (int)n) == 1 ? POS_OK : POS_E_CRYPTO;
}

char *crypto_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}

enum pos_status crypto_random_hex(char *out, size_t nbytes)
{
	uint8_t tmp[64];
	if (nbytes > sizeof tmp)
		return POS_E_RANGE;
	enum pos_status st = crypto_random(tmp, nbytes);
	if (st != POS_OK)
		return st;
	crypto_hex(tmp, nbytes, out);
	crypto_wipe(tmp, sizeof tmp);
	return POS_OK;
}

void crypto_sha256(const void *data, size_t n, uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned len = 0;
	EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *data,
                        size_t n, uint8_t out[CRYPTO_SHA256_LEN])
{
	unsigned len = 0;
	HMAC(EVP_sha256(), key, (int)keylen, data, n, out, &len);
}

size_t crypto_base64_encode(const void *in, size_t n, char *out, size_t outsz)
{
	size_t need = 4 * ((n + 2) / 3) + 1;
	if (outsz < need || n > (size_t)INT32_MAX / 2)
		return 0;
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return len < 0 ? 0 : (size_t)len;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

enum pos_status crypto_base64_decode(const char *in, size_t n, uint8_t *out,
                                     size_t outsz, size_t *outlen)
{
	size_t o = 0;
	if (n % 4 != 0)
		return POS_E_PARSE;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			char c = in[i + k];
			if (c == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad) /* data after padding */
				return POS_E_PARSE;
			v[k] = b64_value(c);
			if (v[k] < 0)
				return POS_E_PARSE;
		}
		uint32_t triple = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		                  (uint32_t)v[2] << 6 | (uint32_t)v[3];
		size_t take = 3 - (size_t)pad;
		if (o + take > outsz)
			return POS_E_TOO_LONG;
		out[o++] = (uint8_t)(triple >> 16);
		if (take > 1)
			out[o++] = (uint8_t)(triple >> 8);
		if (take > 2)
			out[o++] = (uint8_t)triple;
	}
	*outlen = o;
	return POS_OK;
}

enum pos_status crypto_pin_hash(const char *pin, char *out, size_t outsz)
{
	uint8_t salt[PIN_SALT_LEN];
	enum pos_status st = crypto_random(salt, sizeof salt);
	if (st != POS_OK)
		return st;
	size_t need = argon2_encodedlen(PIN_T_COST, PIN_M_COST, PIN_PARALLELISM,
	                                PIN_SALT_LEN, PIN_HASH_LEN, Argon2_id);
	if (outsz < need)
		return POS_E_TOO_LONG;
	int rc = argon2id_hash_encoded(PIN_T_COST, PIN_M_COST, PIN_PARALLELISM, pin,
	                               strlen(pin), salt, sizeof salt, PIN_HASH_LEN,
	                               out, outsz);
	crypto_wipe(salt, sizeof salt);
	return rc == ARGON2_OK ? POS_OK : POS_E_CRYPTO;
}

bool crypto_pin_verify(const char *pin, const char *stored)
{
	if (!pin || !stored || !str_starts_with(stored, "$argon2id$"))
		return false;
	return argon2id_verify(stored, pin, strlen(pin)) == ARGON2_OK;
}

void crypto_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}
