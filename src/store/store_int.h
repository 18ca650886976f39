/*
 * store/store_int.h: what the files of store/ share and nobody else sees.
 *
 * A struct store is one SQLite connection plus a cache of prepared
 * statements. Every static statement of the ledger is one row of
 * STORE_SQL below; store_stmt() prepares it once per connection and hands
 * it back reset, and store_done() resets it and clears its bindings (a
 * statement left un-reset would hold a read transaction open).
 *
 * Functions named store_*_in() run inside a database transaction the caller
 * has begun; they never begin or commit.
 */
#ifndef POS_STORE_STORE_INT_H
#define POS_STORE_STORE_INT_H

#include <sqlite3.h>

#include "core/event.h"
#include "core/money.h"
#include "store/store.h"

/* The column list every txn read uses, in the order store_txn_from_row()
 * expects. */
#define STORE_TXN_COLS                                                        \
	"id, public_id, kind, state, amount_minor, currency, msisdn, "           \
	"account_reference, description, command_id, merchant_request_id, "      \
	"checkout_request_id, conversation_id, originator_conversation_id, "     \
	"receipt, result_code, result_desc, payer_name, operator_id, "           \
	"approver_id, till_id, shortcode, original_txn_id, batch_id, batch_row, " \
	"other_means, created_at, updated_at, deadline_at, attempts, "           \
	"next_query_at"

/* Kinds whose receipts are unique (the partial unique index repeats it). */
#define STORE_MONEY_KINDS "('stk','b2c','c2b','reversal')"
/* Non-terminal states (the partial index txn_open repeats it). */
#define STORE_OPEN_STATES                                                     \
	"('created','sent','awaiting','unknown','unresolved','review')"

#define STORE_CB_COLS                                                         \
	"id, received_at, route, source, outcome, reason, txn_id, resolved_at, " \
	"body"
#define STORE_CB_TYPED_COLS                                                   \
	"txn_public_id, checkout_request_id, conversation_id, "                  \
	"originator_conversation_id, receipt, merchant_request_id, to_state, "   \
	"result_code, result_desc, amount_minor, msisdn_shown, payer_name, "     \
	"creates_kind, shortcode, account_reference, till_id, received_at, "     \
	"route, source"

/* X(id, sql) */
#define STORE_SQL(X)                                                          \
	X(SQL_BEGIN, "BEGIN IMMEDIATE")                                          \
	X(SQL_COMMIT, "COMMIT")                                                  \
	X(SQL_ROLLBACK, "ROLLBACK")                                              \
	X(SQL_SAVEPOINT, "SAVEPOINT job")                                        \
	X(SQL_RELEASE, "RELEASE job")                                            \
	X(SQL_ROLLBACK_TO, "ROLLBACK TO job")                                    \
	X(SQL_SP_CB, "SAVEPOINT cb")                                             \
	X(SQL_SP_CB_RELEASE, "RELEASE cb")                                       \
	X(SQL_SP_CB_ROLLBACK, "ROLLBACK TO cb")                                  \
	X(SQL_TXN_INSERT,                                                        \
	  "INSERT INTO txn (kind, state, amount_minor, currency, msisdn, "        \
	  "account_reference, description, command_id, "                         \
	  "originator_conversation_id, till_id, shortcode, other_means, "        \
	  "payer_name, operator_id, approver_id, original_txn_id, batch_id, "    \
	  "batch_row, deadline_at, merchant_request_id, checkout_request_id, "   \
	  "conversation_id, receipt, result_code, result_desc, created_at, "     \
	  "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "   \
	  "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, "     \
	  "?25, ?26, ?26)")                                                      \
	X(SQL_TXN_SET_PUBLIC,                                                    \
	  "UPDATE txn SET public_id = ?2, account_reference = "                  \
	  "coalesce(account_reference, ?3) WHERE id = ?1")                       \
	X(SQL_TXN_GET, "SELECT " STORE_TXN_COLS " FROM txn WHERE id = ?1")       \
	X(SQL_TXN_BY_PUBLIC,                                                     \
	  "SELECT " STORE_TXN_COLS " FROM txn WHERE public_id = ?1")             \
	X(SQL_TXN_BY_CHECKOUT,                                                   \
	  "SELECT " STORE_TXN_COLS " FROM txn WHERE checkout_request_id = ?1")   \
	X(SQL_TXN_BY_CONVERSATION,                                               \
	  "SELECT " STORE_TXN_COLS " FROM txn WHERE conversation_id = ?1")       \
	X(SQL_TXN_BY_ORIGINATOR,                                                 \
	  "SELECT " STORE_TXN_COLS                                               \
	  " FROM txn WHERE originator_conversation_id = ?1")                     \
	X(SQL_TXN_BY_RECEIPT,                                                    \
	  "SELECT " STORE_TXN_COLS " FROM txn WHERE receipt = ?1 AND kind IN "   \
	  STORE_MONEY_KINDS)                                                     \
	X(SQL_TXN_SCHEDULE,                                                      \
	  "UPDATE txn SET attempts = ?2, next_query_at = ?3, updated_at = ?4 "   \
	  "WHERE id = ?1")                                                       \
	X(SQL_TXN_OPEN,                                                          \
	  "SELECT " STORE_TXN_COLS " FROM txn WHERE state IN "                   \
	  STORE_OPEN_STATES " AND (?1 = 0 OR next_query_at IS NULL OR "          \
	  "next_query_at <= ?1) ORDER BY next_query_at, id LIMIT ?2")            \
	X(SQL_TIMELINE_INSERT,                                                   \
	  "INSERT INTO timeline (txn_id, at, what, from_state, to_state, "       \
	  "operator_id, callback_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "   \
	  "?7, ?8)")                                                             \
	X(SQL_TIMELINE_LIST,                                                     \
	  "SELECT id, at, what, from_state, to_state, operator_id, callback_id, " \
	  "detail FROM timeline WHERE txn_id = ?1 ORDER BY id")                  \
	X(SQL_OUTBOX_INSERT,                                                     \
	  "INSERT INTO outbox (event, txn_id, payload, created_at) "             \
	  "VALUES (?1, ?2, ?3, ?4)")                                             \
	X(SQL_OUTBOX_READ,                                                       \
	  "SELECT id, event, txn_id, payload, created_at FROM outbox WHERE id > " \
	  "coalesce((SELECT last_id FROM outbox_cursor WHERE backend = ?1), 0) " \
	  "ORDER BY id LIMIT ?2")                                                \
	X(SQL_OUTBOX_ACK,                                                        \
	  "INSERT INTO outbox_cursor (backend, last_id, updated_at) "            \
	  "VALUES (?1, ?2, ?3) ON CONFLICT (backend) DO UPDATE SET "             \
	  "last_id = max(last_id, excluded.last_id), "                           \
	  "updated_at = excluded.updated_at")                                    \
	X(SQL_OUTBOX_PENDING,                                                    \
	  "SELECT count(*) FROM outbox WHERE id > coalesce((SELECT last_id "     \
	  "FROM outbox_cursor WHERE backend = ?1), 0)")                          \
	X(SQL_CB_INSERT,                                                         \
	  "INSERT INTO callback (received_at, route, source, body, "             \
	  "txn_public_id, checkout_request_id, conversation_id, "                \
	  "originator_conversation_id, receipt, merchant_request_id, to_state, " \
	  "result_code, result_desc, amount_minor, msisdn_shown, payer_name, "   \
	  "creates_kind, shortcode, account_reference, till_id, outcome, reason) " \
	  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, " \
	  "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)")                             \
	X(SQL_CB_SET_OUTCOME,                                                    \
	  "UPDATE callback SET outcome = ?2, reason = ?3, txn_id = ?4, "         \
	  "resolved_at = ?5 WHERE id = ?1")                                      \
	X(SQL_CB_GET, "SELECT " STORE_CB_COLS " FROM callback WHERE id = ?1")    \
	X(SQL_CB_TYPED,                                                          \
	  "SELECT " STORE_CB_TYPED_COLS " FROM callback WHERE id = ?1")          \
	X(SQL_CB_ORPHANS,                                                        \
	  "SELECT id, txn_id, txn_public_id, checkout_request_id, "              \
	  "conversation_id, originator_conversation_id, receipt FROM callback "  \
	  "WHERE outcome = 'orphan' ORDER BY id")                                \
	X(SQL_CB_FOR_TXN,                                                        \
	  "SELECT id FROM callback WHERE txn_id = ?1 ORDER BY id")               \
	X(SQL_CB_SAME,                                                           \
	  "SELECT id FROM callback WHERE txn_id = ?1 AND id <> ?6 AND outcome "  \
	  "IN ('applied','conflict') AND to_state IS ?2 AND result_code IS ?3 "  \
	  "AND receipt IS ?4 AND amount_minor IS ?5 LIMIT 1")                    \
	X(SQL_OP_INSERT,                                                         \
	  "INSERT INTO operator (id, name, role, pin_hash, disabled, "           \
	  "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")         \
	X(SQL_OP_NEXT_ID, "SELECT coalesce(max(id), 0) + 1 FROM operator")       \
	X(SQL_OP_GET,                                                            \
	  "SELECT id, name, role, pin_hash, failed_attempts, locked_until, "     \
	  "disabled, created_at, updated_at FROM operator WHERE id = ?1")        \
	X(SQL_OP_LIST,                                                           \
	  "SELECT id, name, role, pin_hash, failed_attempts, locked_until, "     \
	  "disabled, created_at, updated_at FROM operator ORDER BY id LIMIT ?1") \
	X(SQL_OP_UPDATE,                                                         \
	  "UPDATE operator SET name = ?2, role = ?3, pin_hash = ?4, "            \
	  "disabled = ?5, updated_at = ?6 WHERE id = ?1")                        \
	X(SQL_OP_FAILED,                                                         \
	  "UPDATE operator SET failed_attempts = ?2, locked_until = ?3, "        \
	  "updated_at = ?4 WHERE id = ?1")                                       \
	X(SQL_OP_SUCCEEDED,                                                      \
	  "UPDATE operator SET failed_attempts = 0, locked_until = NULL, "       \
	  "updated_at = ?2 WHERE id = ?1")                                       \
	X(SQL_AUDIT_LAST, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1")     \
	X(SQL_AUDIT_INSERT,                                                      \
	  "INSERT INTO audit (at, operator_id, action, subject, detail, hash) "  \
	  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                     \
	X(SQL_AUDIT_LIST,                                                        \
	  "SELECT id, at, operator_id, action, subject, detail FROM audit "      \
	  "ORDER BY id DESC LIMIT ?1")                                           \
	X(SQL_AUDIT_ALL,                                                         \
	  "SELECT id, at, operator_id, action, subject, detail, hash FROM audit " \
	  "ORDER BY id")                                                         \
	X(SQL_BALANCE_INSERT,                                                    \
	  "INSERT INTO balance (at, shortcode, account, currency, "              \
	  "current_minor, available_minor, reserved_minor, uncleared_minor, "    \
	  "txn_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")                 \
	X(SQL_BALANCE_LATEST,                                                    \
	  "SELECT at, shortcode, account, currency, current_minor, "             \
	  "available_minor, reserved_minor, uncleared_minor, txn_id FROM "       \
	  "balance WHERE shortcode = ?1 AND account = ?2 "                       \
	  "ORDER BY at DESC, id DESC LIMIT 2")                                   \
	X(SQL_SETTING_GET, "SELECT value FROM setting WHERE key = ?1")           \
	X(SQL_SETTING_SET,                                                       \
	  "INSERT INTO setting (key, value, updated_at) VALUES (?1, ?2, ?3) "    \
	  "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "             \
	  "updated_at = excluded.updated_at")                                    \
	X(SQL_SETTING_ADD,                                                       \
	  "INSERT INTO setting (key, value, updated_at) VALUES (?1, ?2, ?3) "    \
	  "ON CONFLICT (key) DO NOTHING")                                        \
	X(SQL_BUCKET_GET,                                                        \
	  "SELECT tokens_milli, updated_at FROM bucket WHERE key = ?1")          \
	X(SQL_BUCKET_PUT,                                                        \
	  "INSERT INTO bucket (key, tokens_milli, updated_at) VALUES (?1, ?2, "  \
	  "?3) ON CONFLICT (key) DO UPDATE SET tokens_milli = excluded."         \
	  "tokens_milli, updated_at = excluded.updated_at")                      \
	X(SQL_BATCH_INSERT,                                                      \
	  "INSERT INTO batch (file_name, file_sha256, status, row_count, "       \
	  "total_minor, created_by, created_at, updated_at) VALUES (?1, ?2, "    \
	  "'draft', ?3, ?4, ?5, ?6, ?6)")                                        \
	X(SQL_BATCH_GET,                                                         \
	  "SELECT id, file_name, file_sha256, status, row_count, total_minor, "  \
	  "created_by, approved_by, created_at, updated_at, paused_at, "         \
	  "paused_by FROM batch WHERE id = ?1")                                  \
	X(SQL_BATCH_SET,                                                         \
	  "UPDATE batch SET status = ?2, approved_by = coalesce(?3, "            \
	  "approved_by), updated_at = ?4 WHERE id = ?1")                         \
	X(SQL_CLAIM_INSERT,                                                      \
	  "INSERT INTO c2b_claim (txn_id, operator_id, claimed_at, note) "       \
	  "VALUES (?1, ?2, ?3, ?4)")                                             \
	X(SQL_CLAIM_UNCLAIMED,                                                   \
	  "SELECT " STORE_TXN_COLS " FROM txn WHERE kind = 'c2b' AND state = "   \
	  "'completed' AND created_at >= ?1 AND NOT EXISTS (SELECT 1 FROM "      \
	  "c2b_claim c WHERE c.txn_id = txn.id) AND NOT EXISTS (SELECT 1 FROM "  \
	  "txn r WHERE r.kind = 'reversal' AND r.original_txn_id = txn.id AND "  \
	  "r.state <> 'failed') ORDER BY created_at DESC, id DESC LIMIT ?2")     \
	X(SQL_CLAIM_REVERSAL,                                                    \
	  "SELECT public_id, state FROM txn WHERE kind = 'reversal' AND "        \
	  "original_txn_id = ?1 AND state <> 'failed' ORDER BY id DESC LIMIT 1") \
	X(SQL_REPORT_ROWS,                                                       \
	  "SELECT kind, state, coalesce(operator_id, 0), count(*), "             \
	  "coalesce(sum(amount_minor), 0) FROM txn WHERE created_at >= ?1 AND "  \
	  "created_at < ?2 AND (?3 IS NULL OR till_id = ?3) GROUP BY 1, 2, 3 "   \
	  "ORDER BY 1, 2, 3")                                                    \
	X(SQL_REPORT_CALLBACKS,                                                  \
	  "SELECT coalesce(sum(outcome = 'orphan'), 0), "                        \
	  "coalesce(sum(outcome = 'conflict'), 0) FROM callback WHERE "          \
	  "received_at >= ?1 AND received_at < ?2")

enum store_sql {
#define STORE_SQL_ENUM(id, sql) id,
	STORE_SQL(STORE_SQL_ENUM)
#undef STORE_SQL_ENUM
	SQL_COUNT
};

struct store {
	sqlite3 *db;
	char *path;
	struct store_opts opts;
	sqlite3_stmt *stmt[SQL_COUNT];
	/* UPDATE txn statements by the columns they write (txn.c): a change
	 * writes only what it changes, so SQLite maintains only the indexes of
	 * those columns. */
	struct {
		uint32_t mask;
		sqlite3_stmt *s;
	} upd[8];
	unsigned upd_next;
	/* Transactions changed in the current database transaction (for the
	 * writer's notify hook). */
	int64_t *changed;
	size_t n_changed, cap_changed;
};

/* ---- db.c: statements, errors, transactions ---------------------------- */
/* The cached statement, reset and unbound; NULL with err set on failure. */
sqlite3_stmt *store_stmt(struct store *st, enum store_sql id,
                         struct pos_err *err);
/* Reset and unbind a statement (NULL is fine). */
void store_done(sqlite3_stmt *s);
/* Run a statement that returns no row; store_done() it. */
enum pos_status store_step_done(struct store *st, sqlite3_stmt *s,
                                const char *doing, struct pos_err *err);

/* Turn an SQLite result into a sentence: see store.h for the codes. `doing`
 * completes "... while <doing>" / "<doing> was not saved". */
enum pos_status store_db_error(struct store *st, int rc, const char *doing,
                               struct pos_err *err);

enum pos_status store_begin(struct store *st, struct pos_err *err);
/* COMMIT; on failure roll back, so the caller knows nothing was kept. */
enum pos_status store_commit(struct store *st, const char *doing,
                             struct pos_err *err);
/* ROLLBACK if a transaction is open. */
void store_rollback(struct store *st);
/* Run one of the transaction statements (SAVEPOINT, RELEASE, ...). */
enum pos_status store_exec_id(struct store *st, enum store_sql id,
                              struct pos_err *err);

/* Bind text: NULL and "" become NULL. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Bind an id or time: 0 becomes NULL. */
int store_bind_id(sqlite3_stmt *s, int idx, int64_t v);
/* Copy a text column (NULL -> ""), truncating to outsz. */
void store_col_text(sqlite3_stmt *s, int col, char *out, size_t outsz);
/* Borrow a text column (NULL -> ""). */
const char *store_col_str(sqlite3_stmt *s, int col);
/* An integer column, NULL -> 0. */
int64_t store_col_i64(sqlite3_stmt *s, int col);

/* Check a caller's text: at most max-1 bytes and valid UTF-8. NULL is
 * fine. POS_E_TOO_LONG / POS_E_INVALID naming field. */
enum pos_status store_check_text(const char *field, const char *v, size_t max,
                                 struct pos_err *err);
bool store_is_set(const char *s); /* non-NULL and non-empty */

/* Remember that a transaction changed (for the writer's notify hook). */
enum pos_status store_note_changed(struct store *st, int64_t txn_id);

/* ---- migrate.c -------------------------------------------------------------- */
struct store_migration {
	int version;
	const char *what;
	const char *const *sql; /* statements run in order; NULL-terminated */
};
/* The ordered steps (schema.c). */
extern const struct store_migration store_migrations[];
extern const size_t store_migrations_count;

/* ---- txn.c ---------------------------------------------------------------- */
/* Read a transaction with one of the SQL_TXN_BY_* / SQL_TXN_GET statements:
 * bound to key (text) or id. POS_E_NOT_FOUND when none. */
enum pos_status store_txn_load(struct store *st, enum store_sql q,
                               const char *key, int64_t id,
                               struct store_txn *out, struct pos_err *err);
void store_txn_from_row(sqlite3_stmt *s, struct store_txn *t);

/* Check set-fields against the record: too long, not UTF-8, or an id or
 * receipt that contradicts what is recorded (POS_E_CONFLICT). */
enum pos_status store_fields_check(const struct store_txn *t,
                                   const struct store_txn_fields *f,
                                   struct pos_err *err);

/* A change of state as store_txn_move() performs it. */
struct store_move {
	enum txn_state to;
	enum txn_actor actor;
	int64_t operator_id;
	const struct store_txn_fields *set; /* may be NULL */
	const char *what, *detail, *event, *payload;
	int64_t callback_id;
};
/* Inside a transaction: ask core, update the row, timeline, outbox. t is
 * the row as read before and is updated in place. POS_E_STATE /
 * POS_E_DUPLICATE from core write nothing. */
enum pos_status store_txn_move_in(struct store *st, struct store_txn *t,
                                  const struct store_move *mv,
                                  struct pos_err *err);
/* Inside a transaction: set fields without a change of state (t is updated
 * in place), with a timeline row `what` and no outbox event. */
enum pos_status store_txn_fill_in(struct store *st, struct store_txn *t,
                                  const struct store_txn_fields *set,
                                  const char *what, const char *detail,
                                  int64_t callback_id, struct pos_err *err);
/* Inside a transaction: insert a new row in `state` (created, or the
 * callback's state for an unsolicited payment) with its public id, timeline
 * row and outbox event. */
enum pos_status store_txn_insert_in(struct store *st,
                                    const struct store_txn_new *in,
                                    enum txn_state state,
                                    const struct store_txn_fields *set,
                                    int64_t callback_id, struct store_txn *out,
                                    struct pos_err *err);
enum pos_status store_timeline_add_in(struct store *st, int64_t txn_id,
                                      const char *what, const char *from,
                                      const char *to, int64_t operator_id,
                                      int64_t callback_id, const char *detail,
                                      struct pos_err *err);
/* ---- outbox.c -------------------------------------------------------------- */
enum pos_status store_outbox_add_in(struct store *st, const char *event,
                                    int64_t txn_id, const char *payload,
                                    int64_t *id, struct pos_err *err);
/* Values of an event's fields (by enum event_field; NULL = absent), and the
 * envelope values the store knows. Strings are borrowed. */
struct store_ev_values {
	const char *v[EVENT_FIELD_COUNT];
	const char *till_id, *shortcode;
	int64_t at;                  /* occurred_at, ms; 0 = now */
	char amount[MONEY_FMT_MAX];  /* storage for v[EVF_AMOUNT] */
	char operator_id[24];        /* storage for v[EVF_OPERATOR] */
};
/* Fill ev from a transaction (it borrows t's strings). */
void store_txn_values(const struct store_txn *t, struct store_ev_values *ev);
/* The JSON payload of the fields in the mask (malloc'd; NULL: no memory). */
char *store_event_json(const struct store_ev_values *ev, uint32_t fields);
/* Queue event `name` with that payload. */
enum pos_status store_emit_in(struct store *st, const char *name, int64_t txn_id,
                              const struct store_ev_values *ev, uint32_t fields,
                              struct pos_err *err);

/* ---- callback.c ------------------------------------------------------------ */
/* Inside a transaction: archive and apply (store_callback_apply's body). */
enum pos_status store_callback_apply_in(struct store *st,
                                        const struct store_callback *cb,
                                        struct store_cb_result *res,
                                        struct pos_err *err);
/* Inside a transaction: apply orphans waiting for t. */
enum pos_status store_adopt_in(struct store *st, const struct store_txn *t,
                               size_t *n, struct pos_err *err);

/* ---- misc.c ---------------------------------------------------------------- */
enum pos_status store_balance_add_in(struct store *st,
                                     const struct store_balance *rows, size_t n,
                                     int64_t txn_id, struct pos_err *err);

#endif
