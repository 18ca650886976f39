/*
 * store/credential.c: when the initiator password was set, known from a
 * fingerprint (HMAC-SHA256 under a random salt kept in this database), never
 * from the password itself.
 */
#include "store/store_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/crypto.h"
#include "base/str.h"

static const char KEY_SALT[] = "initiator.salt";
static const char KEY_PRINT[] = "initiator.fingerprint";
static const char KEY_SET_AT[] = "initiator.set_at";

enum { SALT_BYTES = 32 };

static enum pos_status fingerprint(struct store *st, const char *password, bool create,
                                   char out[2 * CRYPTO_SHA256_LEN + 1], struct pos_err *err)
{
	char salt[2 * SALT_BYTES + 1];
	uint8_t mac[CRYPTO_SHA256_LEN];
	enum pos_status rc = store_setting_get(st, KEY_SALT, salt, sizeof salt, err);
	if (rc == POS_E_NOT_FOUND && create) {
		if (crypto_random_hex(salt, SALT_BYTES) != POS_OK)
			return pos_err_set(err, POS_E_CRYPTO, "",
			                   "no random numbers for the password fingerprint's salt");
		rc = store_setting_set(st, KEY_SALT, salt, err);
	}
	if (rc != POS_OK)
		return rc;
	crypto_hmac_sha256(salt, strlen(salt), password, strlen(password), mac);
	crypto_hex(mac, sizeof mac, out);
	crypto_wipe(mac, sizeof mac);
	crypto_wipe(salt, sizeof salt);
	return POS_OK;
}

enum pos_status store_initiator_password_seen(struct store *st, const char *password,
                                              int64_t now_ms, int64_t *set_at,
                                              bool *changed, struct pos_err *err)
{
	char print[2 * CRYPTO_SHA256_LEN + 1], old[2 * CRYPTO_SHA256_LEN + 1], at[32];
	enum pos_status rc;
	bool fresh = false;
	int64_t when = 0;
	if (!password || !password[0])
		return pos_err_set(err, POS_E_EMPTY, "[daraja] initiator_password",
		                   "no initiator password is configured");
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = fingerprint(st, password, true, print, err)) != POS_OK)
		goto fail;
	rc = store_setting_get(st, KEY_PRINT, old, sizeof old, err);
	if (rc == POS_E_NOT_FOUND || (rc == POS_OK && strcmp(old, print) != 0)) {
		/* A password never seen here: it was set now (as far as we know). */
		fresh = true;
		when = now_ms;
		snprintf(at, sizeof at, "%lld", (long long)now_ms);
		if ((rc = store_setting_set(st, KEY_PRINT, print, err)) != POS_OK ||
		    (rc = store_setting_set(st, KEY_SET_AT, at, err)) != POS_OK)
			goto fail;
	} else if (rc != POS_OK) {
		goto fail;
	} else {
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
		*changed = fresh;
	crypto_wipe(print, sizeof print);
	return POS_OK;
fail:
	store_rollback(st);
	crypto_wipe(print, sizeof print);
	return rc;
}
