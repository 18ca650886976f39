/*
 * store/misc.c: settings, the listener's secret, shared rate-limit buckets,
 * balance snapshots, bulk-payout batches and C2B claims.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"

/* ---- settings -------------------------------------------------------------- */

static enum pos_status check_key(const char *key, struct pos_err *err)
{
	if (!store_is_set(key))
		return pos_err_set(err, POS_E_EMPTY, "key", "a name is required");
	return store_check_text("key", key, STORE_KEY_MAX, err);
}

enum pos_status store_setting_get(struct store *st, const char *key, char *out,
                                  size_t outsz, struct pos_err *err)
{
	enum pos_status prc = check_key(key, err);
	if (prc != POS_OK)
		return prc;
	sqlite3_stmt *s = store_stmt(st, SQL_SETTING_GET, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && !str_copy(out, outsz, store_col_str(s, 0)))
		prc = pos_err_set(err, POS_E_TOO_LONG, key,
		                  "the stored value does not fit in %zu bytes", outsz);
	else if (rc == SQLITE_DONE)
		prc = pos_err_set(err, POS_E_NOT_FOUND, key, "not set");
	else if (rc != SQLITE_ROW)
		prc = store_db_error(st, rc, "reading a setting", err);
	store_done(s);
	return prc;
}

static enum pos_status put(struct store *st, enum store_sql q, const char *key,
                           const char *value, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, q, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	return store_step_done(st, s, "saving a setting", err);
}

enum pos_status store_setting_set(struct store *st, const char *key,
                                  const char *value, struct pos_err *err)
{
	enum pos_status rc = check_key(key, err);
	if (rc != POS_OK)
		return rc;
	if (!value)
		return pos_err_set(err, POS_E_EMPTY, key, "no value given");
	if ((rc = store_check_text(key, value, STORE_SETTING_MAX, err)) != POS_OK)
		return rc;
	return put(st, SQL_SETTING_SET, key, value, err);
}

enum pos_status store_listener_secret(struct store *st,
                                      char out[STORE_SECRET_HEX_LEN + 1],
                                      struct pos_err *err)
{
	static const char key[] = "listener.secret";
	char fresh[STORE_SECRET_HEX_LEN + 1];
	enum pos_status rc;

	if (crypto_random_hex(fresh, STORE_SECRET_HEX_LEN / 2) != POS_OK)
		return pos_err_set(err, POS_E_CRYPTO, "", "no random numbers for the listener's secret");
	if ((rc = store_begin(st, err)) != POS_OK)
		goto out;
	/* Whoever comes first writes; everyone reads the same value. */
	if ((rc = put(st, SQL_SETTING_ADD, key, fresh, err)) != POS_OK ||
	    (rc = store_setting_get(st, key, out, STORE_SECRET_HEX_LEN + 1, err)) != POS_OK ||
	    (rc = store_commit(st, "the listener's secret", err)) != POS_OK)
		store_rollback(st);
out:
	crypto_wipe(fresh, sizeof fresh);
	return rc;
}

/* ---- rate-limit buckets ------------------------------------------------------ */

/* The bucket's arithmetic, in thousandths of a token ("milli") and
 * milliseconds. per_minute tokens a minute is per_minute milli-tokens every
 * 60 ms, so elapsed ms give elapsed * per_minute / 60 milli-tokens; the
 * remainder of that division is kept by stamping the bucket a little before
 * now (the milliseconds not yet turned into a milli-token), so refill does
 * not drift however often the bucket is read. */
struct bucket_step {
	int64_t tokens; /* milli-tokens after the take (or the refusal) */
	int64_t at;     /* stamp to store */
	int64_t wait;   /* ms until a whole token; 0 = taken */
};

static struct bucket_step bucket_refill_take(int64_t tokens, int64_t at, int64_t now,
                                             uint32_t per_minute, uint32_t capacity)
{
	const int64_t full = (int64_t)capacity * 1000;
	struct bucket_step r = {.tokens = tokens, .at = now, .wait = 0};
	if (r.tokens < 0)
		r.tokens = 0;
	if (r.tokens > full)
		r.tokens = full;
	/* A clock that went back refills nothing: the bucket restarts from
	 * now. Elapsed is clamped to what fills the bucket, so the product
	 * cannot overflow (capacity and per_minute are 32-bit). */
	if (now > at) {
		int64_t elapsed = now - at;
		int64_t fill_ms = full * 60 / per_minute + 1;
		if (elapsed > fill_ms)
			elapsed = fill_ms;
		int64_t units = elapsed * (int64_t)per_minute; /* milli-token x 60 */
		r.tokens += units / 60;
		/* The remainder (< 60 units) is carried as whole ms before now;
		 * less than 1 ms of refill can be lost per take. */
		if (r.tokens >= full)
			r.tokens = full;
		else
			r.at = now - (units % 60) / per_minute;
	}
	if (r.tokens >= 1000) {
		r.tokens -= 1000;
		return r;
	}
	/* Milli-tokens missing, x 60, less what the stamp already carries. */
	int64_t need = (1000 - r.tokens) * 60 - (now - r.at) * (int64_t)per_minute;
	r.wait = need <= 0 ? 1 : (need + per_minute - 1) / per_minute;
	return r;
}

enum pos_status store_bucket_take(struct store *st, const char *key,
                                  uint32_t per_minute, uint32_t capacity,
                                  int64_t *wait_ms, struct pos_err *err)
{
	enum pos_status rc = check_key(key, err);
	int64_t tokens, at, now;
	*wait_ms = 0;
	if (rc != POS_OK)
		return rc;
	if (per_minute == 0 || capacity == 0)
		return pos_err_set(err, POS_E_RANGE, "rate",
		                   "a bucket needs a rate and a capacity of at least 1");
	/* BEGIN IMMEDIATE: read, refill and take under the write lock, so two
	 * processes never take the same token. */
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	now = clock_now_ms();
	sqlite3_stmt *s = store_stmt(st, SQL_BUCKET_GET, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int src = sqlite3_step(s);
	/* A new bucket starts full. */
	tokens = src == SQLITE_ROW ? store_col_i64(s, 0) : (int64_t)capacity * 1000;
	at = src == SQLITE_ROW ? store_col_i64(s, 1) : now;
	store_done(s);
	if (src != SQLITE_ROW && src != SQLITE_DONE) {
		rc = store_db_error(st, src, "reading the rate limit", err);
		goto fail;
	}
	struct bucket_step r = bucket_refill_take(tokens, at, now, per_minute, capacity);
	if (!(s = store_stmt(st, SQL_BUCKET_PUT, err))) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, r.tokens);
	sqlite3_bind_int64(s, 3, r.at);
	if ((rc = store_step_done(st, s, "updating the rate limit", err)) != POS_OK ||
	    (rc = store_commit(st, "the rate limit", err)) != POS_OK)
		goto fail;
	if (r.wait) {
		*wait_ms = r.wait;
		return pos_err_set(err, POS_E_THROTTLED, key,
		                   "the rate limit is reached; a request may go in %lld ms",
		                   (long long)r.wait);
	}
	return POS_OK;
fail:
	store_rollback(st);
	*wait_ms = 0;
	return rc;
}

/* ---- balances ------------------------------------------------------------------ */

static enum pos_status check_balance(const struct store_balance *b, struct pos_err *err)
{
	enum pos_status rc;
	if (!b->shortcode[0] || !b->account[0] || !b->currency[0])
		return pos_err_set(err, POS_E_EMPTY, "account",
		                   "a balance line needs its shortcode, account name and currency");
	if ((rc = store_check_text("shortcode", b->shortcode, STORE_SHORTCODE_MAX, err)) ||
	    (rc = store_check_text("account", b->account, STORE_ACCOUNT_MAX, err)) ||
	    (rc = store_check_text("currency", b->currency, STORE_CURRENCY_MAX, err)))
		return rc;
	return POS_OK;
}

enum pos_status store_balance_add_in(struct store *st, const struct store_balance *rows,
                                     size_t n, int64_t txn_id, struct pos_err *err)
{
	enum pos_status rc;
	int64_t now = clock_now_ms();
	for (size_t i = 0; i < n; i++) {
		const struct store_balance *b = &rows[i];
		if ((rc = check_balance(b, err)) != POS_OK)
			return rc;
		sqlite3_stmt *s = store_stmt(st, SQL_BALANCE_INSERT, err);
		if (!s)
			return err ? err->code : POS_E_STORE;
		sqlite3_bind_int64(s, 1, b->at ? b->at : now);
		sqlite3_bind_text(s, 2, b->shortcode, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, b->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, b->currency, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 5, b->current_minor);
		sqlite3_bind_int64(s, 6, b->available_minor);
		sqlite3_bind_int64(s, 7, b->reserved_minor);
		sqlite3_bind_int64(s, 8, b->uncleared_minor);
		store_bind_id(s, 9, txn_id ? txn_id : b->txn_id);
		if ((rc = store_step_done(st, s, "saving the balance", err)) != POS_OK)
			return rc;
	}
	return POS_OK;
}

enum pos_status store_balance_add(struct store *st, const struct store_balance *rows,
                                  size_t n, struct pos_err *err)
{
	enum pos_status rc;
	if (n && !rows)
		return pos_err_set(err, POS_E_INVALID, "balances", "missing");
	for (size_t i = 0; i < n; i++)
		if ((rc = check_balance(&rows[i], err)) != POS_OK)
			return rc;
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_balance_add_in(st, rows, n, 0, err)) != POS_OK ||
	    (rc = store_commit(st, "the balance", err)) != POS_OK)
		store_rollback(st);
	return rc;
}

enum pos_status store_balance_latest(struct store *st, const char *shortcode,
                                     const char *account, struct store_balance out[2],
                                     size_t *n, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_BALANCE_LATEST, err);
	int rc = SQLITE_DONE;
	*n = 0;
	if (!s)
		return err ? err->code : POS_E_STORE;
	store_bind_text(s, 1, shortcode);
	store_bind_text(s, 2, account);
	while (*n < 2 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_balance *b = &out[(*n)++];
		memset(b, 0, sizeof *b);
		b->at = store_col_i64(s, 0);
		store_col_text(s, 1, b->shortcode, sizeof b->shortcode);
		store_col_text(s, 2, b->account, sizeof b->account);
		store_col_text(s, 3, b->currency, sizeof b->currency);
		b->current_minor = store_col_i64(s, 4);
		b->available_minor = store_col_i64(s, 5);
		b->reserved_minor = store_col_i64(s, 6);
		b->uncleared_minor = store_col_i64(s, 7);
		b->txn_id = store_col_i64(s, 8);
	}
	if (*n == 2)
		rc = SQLITE_DONE;
	store_done(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "reading balances", err);
}

/* ---- batches ------------------------------------------------------------------ */

const char *store_batch_status_name(enum store_batch_status s)
{
	static const char *const names[] = {
#define STORE_BATCH_NAME(e, name) [e] = name,
		STORE_BATCH_STATUSES(STORE_BATCH_NAME)
#undef STORE_BATCH_NAME
	};
	return (unsigned)s < STORE_BATCH_STATUS_COUNT ? names[s] : "?";
}

static bool batch_status_parse(const char *s, enum store_batch_status *out)
{
	for (int i = 0; i < STORE_BATCH_STATUS_COUNT; i++)
		if (str_eq(s, store_batch_status_name((enum store_batch_status)i))) {
			*out = (enum store_batch_status)i;
			return true;
		}
	return false;
}

enum pos_status store_batch_create(struct store *st, const char *file_name,
                                   const char *file_sha256, int64_t row_count,
                                   int64_t total_minor, int64_t created_by,
                                   int64_t *id, struct pos_err *err)
{
	enum pos_status rc;
	if (!store_is_set(file_name))
		return pos_err_set(err, POS_E_EMPTY, "file", "a batch needs its file name");
	if ((rc = store_check_text("file", file_name, STORE_FILE_NAME_MAX, err)) ||
	    (rc = store_check_text("sha256", file_sha256, STORE_SHA256_HEX_MAX, err)))
		return rc;
	if (row_count < 0 || total_minor < 0)
		return pos_err_set(err, POS_E_RANGE, "rows", "a batch's row count and total are >= 0");
	sqlite3_stmt *s = store_stmt(st, SQL_BATCH_INSERT, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_text(s, 1, file_name, -1, SQLITE_STATIC);
	store_bind_text(s, 2, file_sha256);
	sqlite3_bind_int64(s, 3, row_count);
	sqlite3_bind_int64(s, 4, total_minor);
	sqlite3_bind_int64(s, 5, created_by);
	sqlite3_bind_int64(s, 6, clock_now_ms());
	if ((rc = store_step_done(st, s, "recording the batch", err)) != POS_OK)
		return rc;
	if (id)
		*id = sqlite3_last_insert_rowid(st->db);
	return POS_OK;
}

enum pos_status store_batch_get(struct store *st, int64_t id, struct store_batch *out,
                                struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_BATCH_GET, err);
	enum pos_status prc = POS_OK;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->id = store_col_i64(s, 0);
		store_col_text(s, 1, out->file_name, sizeof out->file_name);
		store_col_text(s, 2, out->file_sha256, sizeof out->file_sha256);
		if (!batch_status_parse(store_col_str(s, 3), &out->status))
			prc = pos_err_set(err, POS_E_STORE, "batch", "batch %lld has an unknown status",
			                  (long long)id);
		out->row_count = store_col_i64(s, 4);
		out->total_minor = store_col_i64(s, 5);
		out->created_by = store_col_i64(s, 6);
		out->approved_by = store_col_i64(s, 7);
		out->created_at = store_col_i64(s, 8);
		out->updated_at = store_col_i64(s, 9);
		out->paused_at = store_col_i64(s, 10);
		out->paused_by = store_col_i64(s, 11);
	} else if (rc == SQLITE_DONE) {
		prc = pos_err_set(err, POS_E_NOT_FOUND, "batch", "batch %lld does not exist",
		                  (long long)id);
	} else {
		prc = store_db_error(st, rc, "reading the batch", err);
	}
	store_done(s);
	return prc;
}

static bool batch_move_allowed(enum store_batch_status from, enum store_batch_status to)
{
	switch (to) {
	case STORE_BATCH_APPROVED: return from == STORE_BATCH_DRAFT;
	case STORE_BATCH_RUNNING: return from == STORE_BATCH_APPROVED;
	case STORE_BATCH_DONE: return from == STORE_BATCH_RUNNING;
	case STORE_BATCH_CANCELLED:
		return from == STORE_BATCH_DRAFT || from == STORE_BATCH_APPROVED ||
		       from == STORE_BATCH_RUNNING;
	default: return false;
	}
}

static enum pos_status batch_move(struct store *st, int64_t id,
                                  enum store_batch_status to, int64_t approver,
                                  struct pos_err *err)
{
	struct store_batch b;
	enum pos_status rc;
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_batch_get(st, id, &b, err)) != POS_OK)
		goto fail;
	if (!batch_move_allowed(b.status, to)) {
		rc = pos_err_set(err, POS_E_STATE, "status", "batch %lld is %s: it cannot become %s",
		                 (long long)id, store_batch_status_name(b.status),
		                 store_batch_status_name(to));
		goto fail;
	}
	if (approver && approver == b.created_by) {
		rc = pos_err_set(err, POS_E_DENIED, "approver",
		                 "operator %lld created batch %lld and cannot also approve it",
		                 (long long)approver, (long long)id);
		pos_err_hint(err, "ask another supervisor to approve it");
		goto fail;
	}
	sqlite3_stmt *s = store_stmt(st, SQL_BATCH_SET, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, store_batch_status_name(to), -1, SQLITE_STATIC);
	store_bind_id(s, 3, approver);
	sqlite3_bind_int64(s, 4, clock_now_ms());
	if ((rc = store_step_done(st, s, "updating the batch", err)) != POS_OK ||
	    (rc = store_commit(st, "the batch", err)) != POS_OK)
		goto fail;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_batch_approve(struct store *st, int64_t id, int64_t approver,
                                    struct pos_err *err)
{
	if (approver <= 0)
		return pos_err_set(err, POS_E_INVALID, "approver", "an operator is required");
	return batch_move(st, id, STORE_BATCH_APPROVED, approver, err);
}

enum pos_status store_batch_set_status(struct store *st, int64_t id,
                                       enum store_batch_status to, struct pos_err *err)
{
	if ((unsigned)to >= STORE_BATCH_STATUS_COUNT || to == STORE_BATCH_APPROVED)
		return pos_err_set(err, POS_E_INVALID, "status",
		                   "use store_batch_approve to approve a batch");
	return batch_move(st, id, to, 0, err);
}

/* store/batch.c's contract (store.h): below the approval limit the creator's
 * PIN is the approval, so no second approver is recorded. */
enum pos_status store_batch_confirm(struct store *st, int64_t id, struct pos_err *err)
{
	return batch_move(st, id, STORE_BATCH_APPROVED, 0, err);
}

/* ---- C2B claims ------------------------------------------------------------------- */

enum pos_status store_c2b_claim(struct store *st, int64_t txn_id, int64_t operator_id,
                                const char *note, struct pos_err *err)
{
	struct store_txn t;
	enum pos_status rc = store_check_text("note", note, STORE_REASON_MAX, err);
	if (rc != POS_OK || (rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_txn_load(st, SQL_TXN_GET, NULL, txn_id, &t, err)) != POS_OK)
		goto fail;
	if (t.kind != TXN_KIND_C2B || t.state != TXN_COMPLETED) {
		rc = pos_err_set(err, POS_E_INVALID, "transaction",
		                 "%s is a %s that is %s: only a completed C2B payment can be claimed",
		                 t.public_id, txn_kind_name(t.kind), txn_state_name(t.state));
		goto fail;
	}
	/* A payment being reversed, or reversed, paid no sale: its money goes
	 * back to the customer. */
	sqlite3_stmt *r = store_stmt(st, SQL_CLAIM_REVERSAL, err);
	if (!r) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_int64(r, 1, txn_id);
	int step = sqlite3_step(r);
	if (step == SQLITE_ROW) {
		char rev[STORE_PUBLIC_ID_MAX], state[32];
		enum txn_state rs;
		str_copy(rev, sizeof rev, (const char *)sqlite3_column_text(r, 0));
		str_copy(state, sizeof state, (const char *)sqlite3_column_text(r, 1));
		if (txn_state_parse(state, &rs))
			str_copy(state, sizeof state, rs == TXN_COMPLETED ? "done" : "under way");
		store_done(r);
		rc = pos_err_set(err, POS_E_STATE, "transaction",
		                 "%s (receipt %s) has reversal %s (%s): its money goes back to the "
		                 "customer, so it cannot be claimed for a sale", t.public_id,
		                 t.receipt, rev, state);
		goto fail;
	}
	store_done(r);
	if (step != SQLITE_DONE) {
		rc = store_db_error(st, step, "looking for a reversal of the payment", err);
		goto fail;
	}
	sqlite3_stmt *s = store_stmt(st, SQL_CLAIM_INSERT, err);
	if (!s) {
		rc = err ? err->code : POS_E_STORE;
		goto fail;
	}
	sqlite3_bind_int64(s, 1, txn_id);
	store_bind_id(s, 2, operator_id);
	sqlite3_bind_int64(s, 3, clock_now_ms());
	store_bind_text(s, 4, note);
	if ((rc = store_step_done(st, s, "claiming the payment", err)) != POS_OK) {
		if (rc == POS_E_DUPLICATE)
			pos_err_set(err, POS_E_DUPLICATE, "transaction",
			            "%s (receipt %s) is already claimed", t.public_id, t.receipt);
		goto fail;
	}
	if ((rc = store_commit(st, "the claim", err)) != POS_OK)
		goto fail;
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_c2b_unclaimed(struct store *st, int64_t since_ms,
                                    struct store_txn *rows, size_t cap, size_t *n,
                                    struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CLAIM_UNCLAIMED, err);
	int rc = SQLITE_DONE;
	*n = 0;
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, since_ms);
	sqlite3_bind_int64(s, 2, cap > INT32_MAX ? INT32_MAX : (int64_t)cap);
	while (*n < cap && (rc = sqlite3_step(s)) == SQLITE_ROW)
		store_txn_from_row(s, &rows[(*n)++]);
	if (*n == cap)
		rc = SQLITE_DONE;
	store_done(s);
	return rc == SQLITE_DONE ? POS_OK : store_db_error(st, rc, "listing unclaimed payments", err);
}
