/*
 * sim/cred.h: the two secrets Daraja checks inside a request body.
 *
 * STK Password: base64(BusinessShortCode + Passkey + Timestamp), recomputed
 * for the Timestamp the client sent and compared exactly.
 *
 * SecurityCredential: base64 of the initiator password RSA-encrypted (PKCS#1
 * v1.5) with the certificate the simulator hands out; the simulator decrypts
 * it with its private key and compares. White space inside the base64 is
 * ignored (some tools wrap lines).
 *
 * Ownership: struct sim_key is opaque (sim_key_load / sim_key_free).
 * Thread-safety: a loaded key may be used from any thread at once.
 */
#ifndef SIM_CRED_H
#define SIM_CRED_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

struct sim_key;

/* Load a PEM private key (RSA). */
enum pos_status sim_key_load(const char *path, struct sim_key **out,
                             struct pos_err *err);
void sim_key_free(struct sim_key *key);

/* Decrypt a SecurityCredential into out (NUL-terminated). False when it is
 * not base64, not the right size, or does not decrypt. */
bool sim_key_decrypt(const struct sim_key *key, const char *credential,
                     char *out, size_t outsz);

/* True when credential decrypts to exactly password. */
bool sim_cred_check(const struct sim_key *key, const char *credential,
                    const char *password);

/* The expected STK Password into out; false if it does not fit. */
bool sim_stk_password(const char *shortcode, const char *passkey,
                      const char *timestamp, char *out, size_t outsz);
/* True when password is exactly the expected one. */
bool sim_stk_password_ok(const char *shortcode, const char *passkey,
                         const char *timestamp, const char *password);

#endif
