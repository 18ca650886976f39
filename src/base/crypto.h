/*
 * base/crypto.h: hashing, HMAC, randomness, base64/hex and PIN hashing.
 *
 * The only place (with daraja/ for RSA) where OpenSSL is included, and the
 * only place libargon2 is. PINs are stored as Argon2id hashes in the PHC
 * string format ("$argon2id$v=19$m=...,t=...,p=...$salt$hash").
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef POS_BASE_CRYPTO_H
#define POS_BASE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum { CRYPTO_SHA256_LEN = 32, CRYPTO_PIN_HASH_MAX = 128 };

/* Fill buf with n cryptographically secure random bytes. */
enum pos_status crypto_random(void *buf, size_t n);
/* n random bytes as 2n lower-case hex characters into out (2n+1 bytes). */
enum pos_status crypto_random_hex(char *out, size_t nbytes);

void crypto_sha256(const void *data, size_t n, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data,
                        size_t n, uint8_t out[CRYPTO_SHA256_LEN]);

/* Lower-case hex of n bytes into out (2n+1 bytes). Returns out. */
char *crypto_hex(const uint8_t *in, size_t n, char *out);

/* Standard base64 with padding. Returns the length written (excluding NUL),
 * or 0 when out is too small. outsz >= 4*ceil(n/3)+1 always suffices. */
size_t crypto_base64_encode(const void *in, size_t n, char *out, size_t outsz);
/* Decode standard base64 (padding required, no white space). Returns
 * POS_E_PARSE for anything else; *outlen gets the byte count. */
enum pos_status crypto_base64_decode(const char *in, size_t n, uint8_t *out,
                                     size_t outsz, size_t *outlen);

/* Hash a PIN with Argon2id and a fresh salt into out (CRYPTO_PIN_HASH_MAX). */
enum pos_status crypto_pin_hash(const char *pin, char *out, size_t outsz);
/* True when pin matches the stored hash. */
bool crypto_pin_verify(const char *pin, const char *stored);

/* Overwrite n bytes so the compiler cannot elide it. */
void crypto_wipe(void *p, size_t n);

#endif
