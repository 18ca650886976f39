/*
 * store/operator.c: operators (with sign-in failure counting and lock-out)
 * and the append-only, hash-chained audit log.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"

/* ---- operators ------------------------------------------------------------ */

static enum pos_status check_operator(const struct store_operator *op,
                                      struct pos_err *err)
{
	enum pos_status rc;
	if (op->id < 0)
		return pos_err_set(err, POS_E_RANGE, "id", "%lld is not an operator id",
		                   (long long)op->id);
	if (!op->name[0])
		return pos_err_set(err, POS_E_EMPTY, "name", "an operator needs a name");
	if (!op->role[0])
		return pos_err_set(err, POS_E_EMPTY, "role", "an operator needs a role");
	if ((rc = store_check_text("name", op->name, STORE_NAME_MAX, err)) ||
	    (rc = store_check_text("role", op->role, STORE_ROLE_MAX, err)) ||
	    (rc = store_check_text("pin_hash", op->pin_hash, CRYPTO_PIN_HASH_MAX, err)))
		return rc;
	if (!str_starts_with(op->pin_hash, "$argon2id$"))
		return pos_err_set(err, POS_E_INVALID, "pin_hash",
		                   "that is not an Argon2id hash; PINs are never stored as typed");
	return POS_OK;
}

static void operator_from_row(sqlite3_stmt *s, struct store_operator *op)
{
	memset(op, 0, sizeof *op);
	op->id = store_col_i64(s, 0);
	store_col_text(s, 1, op->name, sizeof op->name);
	store_col_text(s, 2, op->role, sizeof op->role);
	store_col_text(s, 3, op->pin_hash, sizeof op->pin_hash);
	op->failed_attempts = (int)store_col_i64(s, 4);
	op->locked_until = store_col_i64(s, 5);
	op->disabled = store_col_i64(s, 6) != 0;
	op->created_at = store_col_i64(s, 7);
	op->updated_at = store_col_i64(s, 8);
}

static enum pos_status get_in(struct store *st, int64_t id, struct store_operator *out,
                              struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_OP_GET, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		operator_from_row(s, out);
	store_done(s);
	if (rc == SQLITE_DONE)
		return pos_err_set(err, POS_E_NOT_FOUND, "operator",
		                   "operator %lld does not exist", (long long)id);
	if (rc != SQLITE_ROW)
		return store_db_error(st, rc, "reading an operator", err);
	return POS_OK;
}

enum pos_status store_operator_get(struct store *st, int64_t id,
                                   struct store_operator *out, struct pos_err *err)
{
	return get_in(st, id, out, err);
}

static enum pos_status next_id(struct store *st, int64_t *id, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_OP_NEXT_ID, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = store_col_i64(s, 0);
	store_done(s);
	return rc == SQLITE_ROW ? POS_OK : store_db_error(st, rc, "choosing an operator id", err);
}

enum pos_status store_operator_add(struct store *st, const struct store_operator *op,
                                   int64_t *id, struct pos_err *err)
{
	enum pos_status rc = check_operator(op, err);
	int64_t use = op->id;
	if (rc != POS_OK || (rc = store_begin(st, err)) != POS_OK)
		return rc;
	if (use == 0 && (rc = next_id(st, &use, err)) != POS_OK)
		goto fail;
	sqlite3_stmt *s = store_stmt(st, SQL_OP_INSERT, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, use);
	sqlite3_bind_text(s, 2, op->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, op->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, op->pin_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, op->disabled);
	sqlite3_bind_int64(s, 6, clock_now_ms());
	if ((rc = store_step_done(st, s, "adding the operator", err)) != POS_OK) {
		if (rc == POS_E_DUPLICATE)
			pos_err_set(err, POS_E_DUPLICATE, "id",
			            "operator %lld already exists", (long long)use);
		goto fail;
	}
	if ((rc = store_commit(st, "the new operator", err)) != POS_OK)
		return rc;
	if (id)
		*id = use;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_operator_list(struct store *st, struct store_operator *out,
                                    size_t cap, size_t *n, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_OP_LIST, err);
	int rc = SQLITE_DONE;
	*n = 0;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, cap > INT32_MAX ? INT32_MAX : (int64_t)cap);
	while (*n < cap && (rc = sqlite3_step(s)) == SQLITE_ROW)
		operator_from_row(s, &out[(*n)++]);
	if (*n == cap)
		rc = SQLITE_DONE;
	store_done(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "listing operators", err);
}

enum pos_status store_operator_update(struct store *st, const struct store_operator *op,
                                      struct pos_err *err)
{
	enum pos_status rc = check_operator(op, err);
	if (rc != POS_OK)
		return rc;
	sqlite3_stmt *s = store_stmt(st, SQL_OP_UPDATE, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, op->id);
	sqlite3_bind_text(s, 2, op->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, op->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, op->pin_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, op->disabled);
	sqlite3_bind_int64(s, 6, clock_now_ms());
	if ((rc = store_step_done(st, s, "updating the operator", err)) != POS_OK)
		return rc;
	if (sqlite3_changes(st->db) == 0)
		return pos_err_set(err, POS_E_NOT_FOUND, "operator",
		                   "operator %lld does not exist", (long long)op->id);
	return POS_OK;
}

enum pos_status store_operator_failed(struct store *st, int64_t id, int max_attempts,
                                      int64_t lock_ms, struct store_operator *out,
                                      struct pos_err *err)
{
	struct store_operator op;
	enum pos_status rc;
	if (max_attempts < 1 || lock_ms < 0)
		return pos_err_set(err, POS_E_RANGE, "max_attempts",
		                   "the lock-out policy needs at least 1 attempt and a lock time >= 0");
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = get_in(st, id, &op, err)) != POS_OK)
		goto fail;
	int64_t now = clock_now_ms();
	op.failed_attempts++;
	if (op.failed_attempts >= max_attempts) {
		op.locked_until = now + lock_ms;
		op.failed_attempts = 0;
	}
	sqlite3_stmt *s = store_stmt(st, SQL_OP_FAILED, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, op.failed_attempts);
	store_bind_id(s, 3, op.locked_until);
	sqlite3_bind_int64(s, 4, now);
	op.updated_at = now;
	if ((rc = store_step_done(st, s, "counting the failed sign-in", err)) != POS_OK ||
	    (rc = store_commit(st, "the failed sign-in", err)) != POS_OK)
		goto fail;
	if (out)
		*out = op;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_operator_succeeded(struct store *st, int64_t id,
                                         struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_OP_SUCCEEDED, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, clock_now_ms());
	enum pos_status rc = store_step_done(st, s, "recording the sign-in", err);
	if (rc == POS_OK && sqlite3_changes(st->db) == 0)
		return pos_err_set(err, POS_E_NOT_FOUND, "operator",
		                   "operator %lld does not exist", (long long)id);
	return rc;
}

/* ---- the audit log ---------------------------------------------------------- */

enum { HASH_HEX = 2 * CRYPTO_SHA256_LEN + 1 };

static const char genesis[HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/* SHA-256 over the previous hash and each field as "<length>:<bytes>", so
 * no two different rows hash alike by shifting text between fields. */
static enum pos_status chain_hash(const char *prev, int64_t at, int64_t op,
                                  const char *action, const char *subject,
                                  const char *detail, char out[HASH_HEX])
{
	struct buf b;
	char num[48];
	uint8_t h[CRYPTO_SHA256_LEN];
	const char *fields[5] = {num, NULL, action, subject, detail};
	char opnum[24];
	enum pos_status rc = POS_OK;

	buf_init(&b, 3 * STORE_DETAIL_MAX);
	str_fmt(num, sizeof num, "%lld", (long long)at);
	str_fmt(opnum, sizeof opnum, "%lld", (long long)op);
	fields[1] = opnum;
	rc = buf_puts(&b, prev);
	for (size_t i = 0; rc == POS_OK && i < 5; i++) {
		const char *f = fields[i] ? fields[i] : "";
		rc = buf_printf(&b, "|%zu:", strlen(f));
		if (rc == POS_OK)
			rc = buf_puts(&b, f);
	}
	if (rc == POS_OK) {
		crypto_sha256(b.data, b.len, h);
		crypto_hex(h, sizeof h, out);
	}
	buf_release(&b);
	return rc;
}

static enum pos_status last_hash(struct store *st, char out[HASH_HEX],
                                 struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_LAST, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	int rc = sqlite3_step(s);
	str_copy(out, HASH_HEX, rc == SQLITE_ROW ? store_col_str(s, 0) : genesis);
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(st, rc, "reading the audit log", err);
	return POS_OK;
}

enum pos_status store_audit_append(struct store *st, int64_t operator_id,
                                   const char *action, const char *subject,
                                   const char *detail, struct pos_err *err)
{
	char prev[HASH_HEX], hash[HASH_HEX];
	enum pos_status rc;
	if (!store_is_set(action))
		return pos_err_set(err, POS_E_EMPTY, "action", "an audit entry needs an action");
	if ((rc = store_check_text("action", action, STORE_EVENT_MAX, err)) ||
	    (rc = store_check_text("subject", subject, STORE_REASON_MAX, err)) ||
	    (rc = store_check_text("detail", detail, STORE_DETAIL_MAX, err)))
		return rc;
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	int64_t at = clock_now_ms();
	if ((rc = last_hash(st, prev, err)) != POS_OK)
		goto fail;
	if (chain_hash(prev, at, operator_id, action, subject, detail, hash) != POS_OK) {
		rc = pos_err_set(err, POS_E_NOMEM, "", NULL);
		goto fail;
	}
	sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_INSERT, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, at);
	store_bind_id(s, 2, operator_id);
	sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
	store_bind_text(s, 4, subject);
	store_bind_text(s, 5, detail);
	sqlite3_bind_text(s, 6, hash, -1, SQLITE_STATIC);
	if ((rc = store_step_done(st, s, "writing the audit log", err)) != POS_OK ||
	    (rc = store_commit(st, "the audit entry", err)) != POS_OK)
		goto fail;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_audit_list(struct store *st, size_t limit, store_audit_fn fn,
                                 void *ctx, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_LIST, err);
	int rc = SQLITE_DONE;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, limit > INT32_MAX ? INT32_MAX : (int64_t)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_audit_row row = {
			.id = store_col_i64(s, 0),
			.at = store_col_i64(s, 1),
			.operator_id = store_col_i64(s, 2),
			.action = store_col_str(s, 3),
			.subject = store_col_str(s, 4),
			.detail = store_col_str(s, 5),
		};
		if (!fn(&row, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_done(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "reading the audit log", err);
}

enum pos_status store_audit_verify(struct store *st, struct pos_err *err)
{
	char prev[HASH_HEX], want[HASH_HEX];
	enum pos_status prc = POS_OK;
	int rc = SQLITE_DONE;
	sqlite3_stmt *s = store_stmt(st, SQL_AUDIT_ALL, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	str_copy(prev, sizeof prev, genesis);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = store_col_i64(s, 0);
		if (chain_hash(prev, store_col_i64(s, 1), store_col_i64(s, 2),
		               store_col_str(s, 3), store_col_str(s, 4), store_col_str(s, 5),
		               want) != POS_OK) {
			prc = pos_err_set(err, POS_E_NOMEM, "", NULL);
			break;
		}
		if (!str_eq(want, store_col_str(s, 6))) {
			prc = pos_err_set(err, POS_E_CONFLICT, "audit",
			                  "entry %lld does not match its hash: the log was changed outside mpesa-pos",
			                  (long long)id);
			pos_err_hint(err, "keep this database as evidence and restore the latest backup");
			break;
		}
		str_copy(prev, sizeof prev, want);
	}
	store_done(s);
	if (prc == POS_OK && rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "checking the audit log", err);
	return prc;
}
