/*
 * store/credential.c: when the initiator password was set, known from a
 * fingerprint kept in this database, never from the password itself.
 *
 * The fingerprint is an Argon2id hash (the PINs' own, base/crypto.h): who
 * holds a copy of the database (a backup, a stolen laptop) must not be able
 * to try candidate passwords against it at the speed of a plain hash. Only
 * `mpesa-pos doctor` computes it, so its cost (tens of ms) is paid rarely.
 * Databases from before keep an HMAC-SHA256 under a salt in settings; such a
 * fingerprint still matches the same password, and is then replaced by an
 * Argon2id one with its date kept.
 */
#include "store/store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/str.h"

static const char KEY_SALT[] = "initiator.salt"; /* legacy fingerprints only */
static const char KEY_PRINT[] = "initiator.fingerprint";
static const char KEY_SET_AT[] = "initiator.set_at";

/* Does the stored fingerprint `old` belong to `password`? */
static bool same_password(struct store *st, const char *old, const char *password)
{
	if (str_starts_with(old, "$argon2"))
		return crypto_pin_verify(password, old);
	char salt[128], hex[2 * CRYPTO_SHA256_LEN + 1];
	uint8_t mac[CRYPTO_SHA256_LEN];
	if (store_setting_get(st, KEY_SALT, salt, sizeof salt, NULL) != POS_OK)
		return false;
	crypto_hmac_sha256(salt, strlen(salt), password, strlen(password), mac);
	crypto_hex(mac, sizeof mac, hex);
	bool same = strcmp(old, hex) == 0;
	crypto_wipe(mac, sizeof mac);
	crypto_wipe(hex, sizeof hex);
	crypto_wipe(salt, sizeof salt);
	return same;
}

enum pos_status store_initiator_password_seen(struct store *st, const char *password,
                                              int64_t now_ms, int64_t *set_at,
                                              bool *changed, struct pos_err *err)
{
	char old[CRYPTO_PIN_HASH_MAX], print[CRYPTO_PIN_HASH_MAX], at[32];
	enum pos_status rc;
	int64_t when = 0;
	if (!password || !password[0])
		return pos_err_set(err, POS_E_EMPTY, "[daraja] initiator_password",
		                   "no initiator password is configured");
	rc = store_setting_get(st, KEY_PRINT, old, sizeof old, err);
	if (rc != POS_OK && rc != POS_E_NOT_FOUND)
		return rc;
	bool known = rc == POS_OK && same_password(st, old, password);
	bool upgrade = known && !str_starts_with(old, "$argon2");
	/* Hashed before the write transaction: the other processes' writes do
	 * not wait for Argon2id. */
	if ((!known || upgrade) && crypto_pin_hash(password, print, sizeof print) != POS_OK)
		return pos_err_set(err, POS_E_CRYPTO, "[daraja] initiator_password",
		                   "its fingerprint could not be made (Argon2id failed)");
	if ((rc = store_begin(st, err)) != POS_OK)
		goto out;
	if (!known) {
		/* A password never seen here: it was set now (as far as we know). */
		when = now_ms;
		snprintf(at, sizeof at, "%lld", (long long)now_ms);
		if ((rc = store_setting_set(st, KEY_PRINT, print, err)) != POS_OK ||
		    (rc = store_setting_set(st, KEY_SET_AT, at, err)) != POS_OK)
			goto fail;
	} else {
		if (upgrade && (rc = store_setting_set(st, KEY_PRINT, print, err)) != POS_OK)
			goto fail;
		rc = store_setting_get(st, KEY_SET_AT, at, sizeof at, err);
		if (rc == POS_OK && parse_i64_str(at, 0, INT64_MAX, &when) != POS_OK)
			rc = pos_err_set(err, POS_E_PARSE, KEY_SET_AT, "\"%s\" is not a time", at);
		if (rc != POS_OK)
			goto fail;
	}
	if ((rc = store_commit(st, "the initiator password's date", err)) != POS_OK)
		goto fail;
	if (set_at)
		*set_at = when;
	if (changed)
		*changed = !known;
	goto out;
fail:
	store_rollback(st);
out:
	crypto_wipe(print, sizeof print);
	crypto_wipe(old, sizeof old);
	return rc;
}
