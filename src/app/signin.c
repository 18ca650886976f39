/* app/signin.c: sign-in with lock-out, operators, the demo supervisor. */
#include "app/app_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"

enum { OPERATORS_MAX = 1000 };

enum pos_status app_pin_check(const char *pin, struct pos_err *err)
{
	size_t n = pin ? strlen(pin) : 0;
	if (n == 0)
		return pos_err_set(err, POS_E_EMPTY, "pin", "a PIN is required");
	for (size_t i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return pos_err_set(err, POS_E_INVALID, "pin",
			                   "a PIN is digits only (%d to %d of them)", APP_PIN_MIN,
			                   APP_PIN_MAX);
	if (n < APP_PIN_MIN || n > APP_PIN_MAX)
		return pos_err_set(err, POS_E_INVALID, "pin", "a PIN has %d to %d digits, not %zu",
		                   APP_PIN_MIN, APP_PIN_MAX, n);
	return POS_OK;
}

static void audit(struct app *a, int64_t who, const char *action, int64_t subject,
                  const char *detail)
{
	char subj[32];
	str_fmt(subj, sizeof subj, "operator %lld", (long long)subject);
	flow_audit(a, who, action, subj, "%s", detail);
}

static enum pos_status wrong(struct pos_err *err)
{
	pos_err_set(err, POS_E_AUTH, "pin", "the operator id or the PIN is wrong");
	pos_err_hint(err, "after %d wrong PINs in a row the operator is locked for %lld "
	             "minutes", APP_SIGNIN_MAX_FAILURES,
	             (long long)(APP_SIGNIN_LOCK_MS / 60000));
	return POS_E_AUTH;
}

static void nairobi_hhmm(int64_t ms, char out[8])
{
	struct tm tm;
	clock_eat_tm((time_t)(ms / 1000), &tm);
	str_fmt(out, 8, "%02d:%02d", tm.tm_hour % 24, tm.tm_min % 60);
}

enum pos_status app_signin(struct app *a, int64_t id, const char *pin,
                           struct app_operator *out, struct pos_err *err)
{
	struct store_operator op;
	struct pos_err e;
	/* Enter pressed before typing the PIN is not a wrong PIN: it neither
	 * counts towards the lock-out nor goes into the audit log. */
	if (!pin || !pin[0])
		return pos_err_set(err, POS_E_EMPTY, "pin", "type the PIN first, then press Enter");
	enum pos_status rc = store_operator_get(app_store(a), id, &op, &e);
	if (rc == POS_E_NOT_FOUND) {
		audit(a, 0, "signin.failed", id, "no such operator");
		return wrong(err);
	}
	if (rc != POS_OK) {
		if (err)
			*err = e;
		return rc;
	}
	if (op.disabled) {
		audit(a, id, "signin.failed", id, "operator is disabled");
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "operator %lld is disabled: an admin can enable it again",
		                   (long long)id);
	}
	int64_t now = clock_now_ms();
	if (op.locked_until > now) {
		char until[8];
		nairobi_hhmm(op.locked_until, until);
		audit(a, id, "signin.failed", id, "operator is locked");
		pos_err_set(err, POS_E_LOCKED, "operator",
		            "operator %lld is locked after %d wrong PINs, until %s (Nairobi time)",
		            (long long)id, APP_SIGNIN_MAX_FAILURES, until);
		pos_err_hint(err, "wait, or ask an admin to set a new PIN");
		return POS_E_LOCKED;
	}
	enum role role;
	if (!pin || !crypto_pin_verify(pin, op.pin_hash)) {
		struct store_operator after;
		if (store_operator_failed(app_store(a), id, APP_SIGNIN_MAX_FAILURES,
		                          APP_SIGNIN_LOCK_MS, &after, &e) == POS_OK &&
		    after.locked_until > now) {
			audit(a, id, "signin.locked", id, "locked after repeated wrong PINs");
			log_warn("signin", "operator %lld locked after %d wrong PINs", (long long)id,
			         APP_SIGNIN_MAX_FAILURES);
		} else {
			audit(a, id, "signin.failed", id, "wrong PIN");
		}
		return wrong(err);
	}
	if (!role_parse(op.role, &role)) {
		audit(a, id, "signin.failed", id, "unknown role");
		return pos_err_set(err, POS_E_DENIED, "role",
		                   "operator %lld has the role \"%s\", which this program does not "
		                   "know", (long long)id, op.role);
	}
	if ((rc = store_operator_succeeded(app_store(a), id, err)) != POS_OK)
		return rc;
	audit(a, id, "signin", id, role_name(role));
	char who[24];
	str_fmt(who, sizeof who, "%lld", (long long)id);
	const char *values[EVENT_FIELD_COUNT] = {[EVF_OPERATOR] = who};
	app_emit(a, EV_OPERATOR_SIGNED_IN, values);
	out->id = id;
	str_copy(out->name, sizeof out->name, op.name);
	out->role = role;
	return POS_OK;
}

enum pos_status app_operator_admin_exists(struct app *a, bool *exists,
                                          struct pos_err *err)
{
	struct store_operator *ops = calloc(OPERATORS_MAX, sizeof *ops);
	size_t n = 0;
	*exists = false;
	if (!ops)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	enum pos_status rc = store_operator_list(app_store(a), ops, OPERATORS_MAX, &n, err);
	for (size_t i = 0; rc == POS_OK && i < n; i++)
		if (!ops[i].disabled && str_eq(ops[i].role, "admin"))
			*exists = true;
	crypto_wipe(ops, OPERATORS_MAX * sizeof *ops);
	free(ops);
	return rc;
}

/* An admin, or (bootstrap) nobody while no admin exists. */
static enum pos_status may_manage(struct app *a, const struct app_operator *by,
                                  struct pos_err *err)
{
	if (by)
		return role_check(by->role, ROLE_ACT_OPERATORS, err);
	bool admin;
	enum pos_status rc = app_operator_admin_exists(a, &admin, err);
	if (rc != POS_OK)
		return rc;
	if (admin) {
		pos_err_set(err, POS_E_DENIED, "operator",
		            "managing operators needs an admin to sign in");
		pos_err_hint(err, "sign in as an admin (on the command line: --admin ID)");
		return POS_E_DENIED;
	}
	return POS_OK;
}

static enum pos_status hash_pin(const char *pin, char out[CRYPTO_PIN_HASH_MAX],
                                struct pos_err *err)
{
	enum pos_status rc = app_pin_check(pin, err);
	if (rc != POS_OK)
		return rc;
	if (crypto_pin_hash(pin, out, CRYPTO_PIN_HASH_MAX) != POS_OK)
		return pos_err_set(err, POS_E_CRYPTO, "pin", "the PIN could not be hashed");
	return POS_OK;
}

enum pos_status app_operator_add(struct app *a, const struct app_operator *by,
                                 int64_t id, const char *name, const char *role,
                                 const char *pin, int64_t *out_id,
                                 struct pos_err *err)
{
	struct store_operator op;
	enum role r;
	enum pos_status rc;
	char detail[STORE_NAME_MAX + 64];
	memset(&op, 0, sizeof op);
	if ((rc = may_manage(a, by, err)) != POS_OK) {
		if (by)
			flow_audit(a, by->id, "denied", "operators", "tried to add operator %lld",
			           (long long)id);
		return rc;
	}
	if (id < 0)
		return pos_err_set(err, POS_E_RANGE, "id", "%lld is not an operator id", (long long)id);
	if (!name || !name[0])
		return pos_err_set(err, POS_E_EMPTY, "name", "an operator needs a name");
	if (str_utf8_len(name) < 0 || strlen(name) >= sizeof op.name)
		return pos_err_set(err, POS_E_INVALID, "name",
		                   "a name is UTF-8 text of at most %zu bytes", sizeof op.name - 1);
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return pos_err_set(err, POS_E_INVALID, "name",
			                   "a name may not hold control characters");
	if (!role_parse(role, &r))
		return pos_err_set(err, POS_E_INVALID, "role",
		                   "\"%s\" is not a role: cashier, supervisor or admin",
		                   role ? role : "");
	if ((rc = hash_pin(pin, op.pin_hash, err)) != POS_OK)
		return rc;
	op.id = id;
	str_copy(op.name, sizeof op.name, name);
	str_copy(op.role, sizeof op.role, role_name(r));
	int64_t got = 0;
	rc = store_operator_add(app_store(a), &op, &got, err);
	crypto_wipe(op.pin_hash, sizeof op.pin_hash);
	if (rc != POS_OK)
		return rc;
	str_fmt(detail, sizeof detail, "added \"%s\" as %s", name, role_name(r));
	audit(a, by ? by->id : 0, "operator.add", got, detail);
	if (out_id)
		*out_id = got;
	return POS_OK;
}

enum pos_status app_operator_passwd(struct app *a, const struct app_operator *by,
                                    int64_t id, const char *pin, struct pos_err *err)
{
	struct store_operator op;
	enum pos_status rc;
	if (!(by && by->id == id) && (rc = may_manage(a, by, err)) != POS_OK)
		return rc;
	if ((rc = store_operator_get(app_store(a), id, &op, err)) != POS_OK)
		return rc;
	if ((rc = hash_pin(pin, op.pin_hash, err)) != POS_OK ||
	    (rc = store_operator_update(app_store(a), &op, err)) != POS_OK ||
	    (rc = store_operator_succeeded(app_store(a), id, err)) != POS_OK) {
		crypto_wipe(op.pin_hash, sizeof op.pin_hash);
		return rc;
	}
	crypto_wipe(op.pin_hash, sizeof op.pin_hash);
	audit(a, by ? by->id : 0, "operator.passwd", id, "new PIN set; any lock cleared");
	return POS_OK;
}

enum pos_status app_operator_disable(struct app *a, const struct app_operator *by,
                                     int64_t id, struct pos_err *err)
{
	struct store_operator op;
	enum pos_status rc;
	if ((rc = may_manage(a, by, err)) != POS_OK)
		return rc;
	if (by && by->id == id)
		return pos_err_set(err, POS_E_DENIED, "id",
		                   "operator %lld cannot disable themselves", (long long)id);
	if ((rc = store_operator_get(app_store(a), id, &op, err)) != POS_OK)
		return rc;
	op.disabled = true;
	rc = store_operator_update(app_store(a), &op, err);
	crypto_wipe(op.pin_hash, sizeof op.pin_hash);
	if (rc != POS_OK)
		return rc;
	audit(a, by ? by->id : 0, "operator.disable", id, "disabled");
	return POS_OK;
}

enum pos_status app_ensure_demo_operator(struct app *a, char pin[APP_PIN_MAX + 1],
                                         bool *created, struct pos_err *err)
{
	struct store_operator op;
	*created = false;
	pin[0] = '\0';
	if (!app_backend_is_sim(app_config(a)))
		return POS_OK;
	enum pos_status rc = store_operator_get(app_store(a), APP_DEMO_OPERATOR_ID, &op, NULL);
	if (rc == POS_OK)
		return POS_OK;
	uint8_t r[4];
	if (crypto_random(r, sizeof r) != POS_OK)
		return pos_err_set(err, POS_E_CRYPTO, "pin", "no random numbers for the demo PIN");
	uint32_t v = ((uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3]) % 10000u;
	str_fmt(pin, APP_PIN_MAX + 1, "%04u", (unsigned)v);
	memset(&op, 0, sizeof op);
	op.id = APP_DEMO_OPERATOR_ID;
	str_copy(op.name, sizeof op.name, "Demo Supervisor");
	str_copy(op.role, sizeof op.role, "supervisor");
	if (crypto_pin_hash(pin, op.pin_hash, sizeof op.pin_hash) != POS_OK) {
		pin[0] = '\0';
		return pos_err_set(err, POS_E_CRYPTO, "pin", "the demo PIN could not be hashed");
	}
	rc = store_operator_add(app_store(a), &op, NULL, err);
	crypto_wipe(op.pin_hash, sizeof op.pin_hash);
	if (rc != POS_OK) {
		pin[0] = '\0';
		return rc;
	}
	audit(a, 0, "operator.add", APP_DEMO_OPERATOR_ID,
	      "added \"Demo Supervisor\" as supervisor (demo, simulator only)");
	*created = true;
	return POS_OK;
}
