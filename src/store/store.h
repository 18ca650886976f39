/*
 * store/store.h: the durable ledger.
 *
 * Everything the till must not forget lives here: transactions and their
 * timelines, the raw callback archive, operators, the append-only audit log,
 * the event outbox, balance snapshots, settings, shared rate-limit buckets,
 * bulk-payout batches and C2B claims. Nothing in this header names the
 * database engine: a chain of shops will later run one central server on
 * another engine, and only the files in store/ change for it.
 *
 * Model:
 *   - Intent before send. store_txn_create() records a transaction in state
 *     `created` before anything goes on the wire; every later change goes
 *     through store_txn_transition(), which asks core's txn_transition() (the
 *     only decider) and writes the new state, a timeline row and an outbox
 *     event in ONE database transaction.
 *   - Callbacks are archived and applied in one database transaction
 *     (store_callback_apply(), or the group-commit writer below), so a
 *     callback is either on disk with its effect or not at all.
 *   - Duplicates are impossible at the database level: Daraja's request ids
 *     are unique, receipts are unique among money-moving kinds, a bulk row
 *     is paid once, a C2B payment is claimed once.
 *
 * Times are Unix milliseconds (int64_t); 0 means "not set". Money is integer
 * minor units (cents). Text fields are UTF-8, bounded by the STORE_*_MAX
 * sizes below (which include the terminating NUL); an empty string and NULL
 * both mean "not set". Ids of rows are int64_t; 0 means "none".
 *
 * Errors: every fallible function returns a pos_status and fills an optional
 * struct pos_err. Database failures are POS_E_STORE with a sentence that says
 * what happened ("the database is full: ...", "... is read-only ...");
 * POS_E_BUSY when another process held the database too long; constraint
 * failures are POS_E_DUPLICATE (naming the field) or POS_E_CONFLICT. When a
 * write function returns anything but POS_OK, nothing it was asked to do was
 * committed.
 *
 * Secrets: the store keeps what it is given. Operators' PINs must arrive as
 * Argon2id hashes (base/crypto.h crypto_pin_hash); the schema refuses
 * anything else. The listener's secret path segment is kept in plain text
 * (it must be, to rebuild the callback URL): the database file is created
 * with mode 0600.
 *
 * Thread-safety: a struct store is one connection and must be used by one
 * thread at a time; open one per thread (they may share a file, across
 * threads and processes). The group-commit writer (struct store_writer) owns
 * its own connection and thread; store_writer_submit() may be called from
 * any number of threads at once.
 */
#ifndef POS_STORE_STORE_H
#define POS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"
#include "base/status.h"
#include "core/txn.h"

/* ---- sizes (bytes, including the NUL) ------------------------------------- */
enum {
	STORE_PUBLIC_ID_MAX = 13,   /* "T0000017" ... at most 12 characters */
	STORE_CURRENCY_MAX = 4,     /* "KES" */
	STORE_MSISDN_MAX = 16,      /* "254712345678" */
	STORE_REFERENCE_MAX = 33,   /* AccountReference (12) / BillRefNumber (20) */
	STORE_DESC_MAX = 101,       /* TransactionDesc (13) / Remarks (100) */
	STORE_COMMAND_MAX = 41,     /* "CustomerPayBillOnline", "SalaryPayment" */
	STORE_DARAJA_ID_MAX = 65,   /* MerchantRequestID, CheckoutRequestID, ... */
	STORE_RECEIPT_MAX = 21,     /* "TCE4XQ7B2M" */
	STORE_RESULT_CODE_MAX = 33, /* "0", "1032", "SFC_IC0003" */
	STORE_RESULT_DESC_MAX = 257,
	STORE_NAME_MAX = 129,       /* payer and operator names */
	STORE_TILL_MAX = 33,
	STORE_SHORTCODE_MAX = 17,
	STORE_MEANS_MAX = 33,       /* "cash", "card", ... for kind cash */
	STORE_ROUTE_MAX = 33,       /* "stk", "b2c/result", ... */
	STORE_SOURCE_MAX = 65,      /* "196.201.214.200" */
	STORE_REASON_MAX = 257,
	STORE_WHAT_MAX = 33,        /* timeline "what": "answer", "callback" */
	STORE_EVENT_MAX = 65,       /* outbox event name: "txn.completed" */
	STORE_ROLE_MAX = 17,
	STORE_KEY_MAX = 65,         /* settings and bucket keys */
	STORE_SETTING_MAX = 1025,
	STORE_ACCOUNT_MAX = 65,     /* balance account name */
	STORE_FILE_NAME_MAX = 256,
	STORE_SHA256_HEX_MAX = 65,
	STORE_SECRET_HEX_LEN = 32,  /* listener secret: 128 bits, lower-case hex */
};

/* Longest detail (timeline, audit) and payload (outbox) accepted: 16 KiB.
 * Longest raw callback body archived: 1 MiB (the listener caps far lower). */
#define STORE_DETAIL_MAX ((size_t)16 * 1024)
#define STORE_BODY_MAX ((size_t)1024 * 1024)

/* ---- opening, schema, backup ---------------------------------------------- */
struct store;

/* Whether two phone numbers denote the same subscriber, when the one a
 * callback shows may be masked ("2547 ***** 678") or hashed (SHA-256 hex).
 * `recorded` is the full number we sent. Return true when they match or when
 * `shown` cannot be compared. Optional: see store_opts.phone_match. */
typedef bool (*store_phone_match_fn)(const char *recorded, const char *shown,
                                     void *ctx);

struct store_opts {
	bool read_only;          /* open for reading only; never migrates */
	int busy_timeout_ms;     /* wait this long for another writer; 0 = 5000 */
	/* How callbacks' phone numbers are compared with ours. NULL: core's
	 * phone_matches_shown() (full, masked or hashed; only a definite
	 * mismatch counts). */
	store_phone_match_fn phone_match;
	void *phone_match_ctx;
	/* Tests only: cap the database at this many pages to simulate a full
	 * disk. 0 = no cap. */
	uint32_t test_max_pages;
	/* Seeding tools and benchmarks only: commit without waiting for the
	 * disk (synchronous = OFF). A crash may lose what this connection
	 * wrote; never set it on a till. */
	bool unsafe_no_sync;
};

/* Open (creating it, mode 0600, when missing) and migrate the database at
 * path. opts may be NULL. On success *out is the caller's; close it with
 * store_close(). A database from a newer program is refused. */
enum pos_status store_open(const char *path, const struct store_opts *opts,
                           struct store **out, struct pos_err *err);
/* Close; NULL is fine. */
void store_close(struct store *st);
/* The path it was opened with (borrowed). */
const char *store_path(const struct store *st);

/* The schema version this program writes. */
int store_schema_version(void);

struct store_migration_report {
	int from_version; /* 0 for a new database */
	int to_version;
	int steps;        /* migrations applied now */
};
/* Bring the schema up to date: each step runs in its own database
 * transaction and bumps the version with it. store_open() already calls
 * this; the explicit entry point reports what happened. rep may be NULL. */
enum pos_status store_migrate(struct store *st,
                              struct store_migration_report *rep,
                              struct pos_err *err);

/* Copy the whole database, consistently and while it is in use, to
 * dest_path (written beside it as dest_path + ".tmp", checked, then renamed
 * over dest_path). */
enum pos_status store_backup(struct store *st, const char *dest_path,
                             struct pos_err *err);

/* ---- public transaction ids ----------------------------------------------- */
/*
 * Each transaction has a short public id for callback URLs, receipts and
 * account references: "T", then the row id in Crockford base32 (at least six
 * digits: 0-9 and A-Z without I, L, O, U), then a Luhn mod 32 check
 * character that catches any single mistyped character and most swaps.
 * "T000001" + check for the first transaction; 8 characters for the first
 * billion, never more than 12.
 */
bool store_public_id_format(int64_t id, char out[STORE_PUBLIC_ID_MAX]);
/* Parse a public id: case-insensitive, O read as 0 and I/L as 1, hyphens and
 * spaces ignored. POS_E_PARSE naming what is wrong (bad character, check
 * character wrong, too long). */
enum pos_status store_public_id_parse(const char *s, int64_t *id,
                                      struct pos_err *err);

/* ---- transactions --------------------------------------------------------- */
struct store_txn {
	int64_t id;
	char public_id[STORE_PUBLIC_ID_MAX];
	enum txn_kind kind;
	enum txn_state state;
	int64_t amount_minor;
	char currency[STORE_CURRENCY_MAX];
	char msisdn[STORE_MSISDN_MAX];
	char account_reference[STORE_REFERENCE_MAX];
	char description[STORE_DESC_MAX];
	char command_id[STORE_COMMAND_MAX];
	char merchant_request_id[STORE_DARAJA_ID_MAX];
	char checkout_request_id[STORE_DARAJA_ID_MAX];
	char conversation_id[STORE_DARAJA_ID_MAX];
	char originator_conversation_id[STORE_DARAJA_ID_MAX];
	char receipt[STORE_RECEIPT_MAX];
	char result_code[STORE_RESULT_CODE_MAX];
	char result_desc[STORE_RESULT_DESC_MAX];
	char payer_name[STORE_NAME_MAX];
	int64_t operator_id;     /* who started it; 0 = the system (C2B) */
	int64_t approver_id;     /* who approved it (payouts); 0 = none */
	char till_id[STORE_TILL_MAX];
	char shortcode[STORE_SHORTCODE_MAX];
	int64_t original_txn_id; /* reversal: the payment it reverses */
	int64_t batch_id;        /* bulk payout batch and row (1-based) */
	int64_t batch_row;
	char other_means[STORE_MEANS_MAX]; /* kind cash: how it was paid */
	int64_t created_at, updated_at;
	int64_t deadline_at;     /* when the customer's prompt expires */
	int attempts;            /* status queries made */
	int64_t next_query_at;   /* when reconciliation should query next */
};

/* What is known before anything is sent. Strings may be NULL. */
struct store_txn_new {
	enum txn_kind kind;
	int64_t amount_minor;      /* >= 0 */
	const char *currency;      /* NULL = "KES" */
	const char *msisdn;
	const char *account_reference;
	const char *description;
	const char *command_id;
	const char *originator_conversation_id; /* B2C v3: our own id */
	const char *till_id;
	const char *shortcode;
	const char *other_means;
	const char *payer_name;
	int64_t operator_id, approver_id;
	int64_t original_txn_id;
	int64_t batch_id, batch_row;
	int64_t deadline_at;
	const char *detail;        /* timeline detail for "created"; may be NULL */
};

/* Record the intent: a new transaction in state `created` and its timeline
 * row, in one database transaction. out (may be NULL) receives the stored
 * row, public id included. Currency NULL means KES; else KES, TZS or UGX.
 * An STK charge created without an account reference gets its public id as
 * its reference: that is what the charge flow puts on the prompt
 * (AccountReference), so the ledger, History and events show what the
 * customer's statement shows. */
enum pos_status store_txn_create(struct store *st, const struct store_txn_new *in,
                                 struct store_txn *out, struct pos_err *err);

/* Fields a change may set; NULL (or "") leaves a field as it is. A Daraja id
 * or receipt that is already recorded cannot be changed to another value
 * (POS_E_CONFLICT); one that belongs to another transaction is
 * POS_E_DUPLICATE. */
struct store_txn_fields {
	const char *merchant_request_id;
	const char *checkout_request_id;
	const char *conversation_id;
	const char *originator_conversation_id;
	const char *receipt;
	const char *result_code;
	const char *result_desc;
	const char *payer_name;
	/* The AccountReference actually sent (a charge left blank by the
	 * cashier carries a short code of the transaction). */
	const char *account_reference;
};

struct store_txn_change {
	bool check_from;          /* refuse unless the state is `from` now */
	enum txn_state from;
	enum txn_state to;
	enum txn_actor actor;
	int64_t operator_id;      /* who did it (timeline); 0 = the system */
	struct store_txn_fields set;
	const char *what;         /* timeline "what"; NULL = "state" */
	const char *detail;       /* timeline detail (text or JSON); may be NULL */
	/* The outbox event. NULL: the one core's catalogue names for this move
	 * (event_for_transition(); none when it names none). */
	const char *event;
	/* Its JSON payload. NULL: the event's catalogue fields taken from the
	 * transaction (detail as "message"), plus occurred_at, till_id and
	 * shortcode. */
	const char *payload;
};

/*
 * Move transaction txn_id to ch->to. In one database transaction: read the
 * current state, let core's txn_transition() decide, update the row with
 * ch->set, append the timeline row and the outbox event (if any), then apply any
 * archived callback that was waiting for this transaction (see orphans
 * below). Returns:
 *   POS_OK            moved; out (may be NULL) holds the row after the move
 *   POS_E_DUPLICATE   it is already in state `to`: nothing was written
 *   POS_E_STATE       core refused the move (the sentence names both states)
 *   POS_E_CONFLICT    check_from and the state is not `from`, or a field
 *                     contradicts what is recorded
 *   POS_E_NOT_FOUND   no such transaction
 */
enum pos_status store_txn_transition(struct store *st, int64_t txn_id,
                                     const struct store_txn_change *ch,
                                     struct store_txn *out, struct pos_err *err);

/* Set fields without changing state (e.g. ids learned from an answer), with
 * a timeline row, then apply any waiting callback. what may be NULL
 * ("ids"). */
enum pos_status store_txn_update(struct store *st, int64_t txn_id,
                                 const struct store_txn_fields *set,
                                 const char *what, const char *detail,
                                 struct store_txn *out, struct pos_err *err);

/* Append a timeline row only ("request", "answer", "query", "note"). */
enum pos_status store_txn_note(struct store *st, int64_t txn_id,
                               const char *what, const char *detail,
                               struct pos_err *err);

/* Reconciliation bookkeeping: record the query count and the next query
 * time (0 = none). */
enum pos_status store_txn_schedule(struct store *st, int64_t txn_id,
                                   int attempts, int64_t next_query_at,
                                   struct pos_err *err);

enum pos_status store_txn_get(struct store *st, int64_t txn_id,
                              struct store_txn *out, struct pos_err *err);
/* By public id as a person may type it (see store_public_id_parse). */
enum pos_status store_txn_get_public(struct store *st, const char *public_id,
                                     struct store_txn *out, struct pos_err *err);

/* Find one transaction by one of Daraja's ids. */
enum store_key {
	STORE_KEY_CHECKOUT,      /* CheckoutRequestID */
	STORE_KEY_CONVERSATION,  /* ConversationID */
	STORE_KEY_ORIGINATOR,    /* OriginatorConversationID */
	STORE_KEY_RECEIPT,       /* receipt of a money-moving transaction */
};
enum pos_status store_txn_find(struct store *st, enum store_key key,
                               const char *value, struct store_txn *out,
                               struct pos_err *err);

/* One timeline row, borrowed for the duration of the visit. */
struct store_timeline_row {
	int64_t id;
	int64_t at;
	const char *what;       /* "created", "state", "callback", "conflict" ... */
	const char *from_state; /* "" when the row is not a change of state */
	const char *to_state;
	int64_t operator_id;    /* 0 = the system */
	int64_t callback_id;    /* the archived callback that caused it, or 0 */
	const char *detail;     /* "" when none */
};
/* Return false to stop the visit early. */
typedef bool (*store_timeline_fn)(const struct store_timeline_row *row,
                                  void *ctx);
/* Oldest first. */
enum pos_status store_txn_timeline(struct store *st, int64_t txn_id,
                                   store_timeline_fn fn, void *ctx,
                                   struct pos_err *err);

/* ---- history, search, reconciliation --------------------------------------- */
/* Every field narrows the result; zero/NULL fields do not. Text matches are
 * exact (phone normalised 2547..., receipt upper-case). */
struct store_filter {
	int64_t from_ms, to_ms;  /* created_at in [from_ms, to_ms); 0 = open */
	bool has_kind;
	enum txn_kind kind;
	bool has_state;
	enum txn_state state;
	int64_t operator_id;
	const char *till_id;
	const char *msisdn;
	const char *receipt;
	const char *reference;   /* account reference */
	const char *public_id;
};

/* Keyset cursor: the (created_at, id) of the last row shown. {0, 0} starts
 * at the newest. Stable under inserts: no row is skipped or shown twice. */
struct store_cursor {
	int64_t created_at;
	int64_t id;
};

/* Newest first, at most cap rows older than *after (NULL = from the newest).
 * *next is the cursor for the following page; *more says whether there is
 * one. Every filter shape is served by an index: cost grows with the page,
 * not with the table. */
enum pos_status store_txn_history(struct store *st, const struct store_filter *f,
                                  const struct store_cursor *after,
                                  struct store_txn *rows, size_t cap, size_t *n,
                                  struct store_cursor *next, bool *more,
                                  struct pos_err *err);

/* Debugging and tests: the engine's query plan for the history query of this
 * filter shape, one step per line, into out. */
enum pos_status store_debug_explain_history(struct store *st,
                                            const struct store_filter *f,
                                            char *out, size_t outsz,
                                            struct pos_err *err);

/* Transactions not in a terminal state (created, sent, awaiting, unknown,
 * unresolved, review), for reconciliation at start-up and on its timer:
 * those due (next_query_at unset or <= due_ms; due_ms 0 = all), soonest
 * first, at most cap. */
enum pos_status store_txn_list_open(struct store *st, int64_t due_ms,
                                    struct store_txn *rows, size_t cap,
                                    size_t *n, struct pos_err *err);

/* ---- callbacks -------------------------------------------------------------- */
#define STORE_CB_OUTCOMES(X)                                                  \
	X(STORE_CB_APPLIED, "applied")     /* changed (or created) a transaction */ \
	X(STORE_CB_DUPLICATE, "duplicate") /* already applied: no effect */    \
	X(STORE_CB_ORPHAN, "orphan")       /* kept; applied when it can be */  \
	X(STORE_CB_CONFLICT, "conflict")   /* contradicts the record: held */  \
	X(STORE_CB_REJECTED, "rejected")   /* archived only */

enum store_cb_outcome {
#define STORE_CB_ENUM(e, name) e,
	STORE_CB_OUTCOMES(STORE_CB_ENUM)
#undef STORE_CB_ENUM
	STORE_CB_OUTCOME_COUNT
};
const char *store_cb_outcome_name(enum store_cb_outcome o);

/* One balance line (also stored on its own, see store_balance_add). */
struct store_balance {
	int64_t at;
	char shortcode[STORE_SHORTCODE_MAX];
	char account[STORE_ACCOUNT_MAX];     /* "Utility Account" */
	char currency[STORE_CURRENCY_MAX];
	int64_t current_minor, available_minor, reserved_minor, uncleared_minor;
	int64_t txn_id;                      /* the query that fetched it, or 0 */
};

/*
 * A callback as the listener understood it, in neutral terms (the listener
 * converts daraja/'s parsed bodies into this). Every pointer is borrowed for
 * the call; strings may be NULL. The caller decides, from the result-code
 * catalogue, which state the callback asks for (`to`); the store checks it
 * with core's txn_transition().
 */
struct store_callback {
	const char *route;        /* "stk", "b2c/result", "c2b/confirmation" */
	const char *source;       /* client address */
	const void *body;         /* the raw body, archived as received */
	size_t body_len;
	int64_t received_at;      /* ms; 0 = now */
	/* Non-NULL: the listener refused it; archive as rejected, apply nothing. */
	const char *reject_reason;

	/* How to find the transaction, tried in this order. */
	const char *txn_public_id;              /* our id from the URL */
	const char *checkout_request_id;
	const char *conversation_id;
	const char *originator_conversation_id;
	const char *receipt;                    /* money-moving kinds only */
	const char *merchant_request_id;        /* recorded, not used to match */

	/* What it says. */
	enum txn_state to;
	const char *result_code;
	const char *result_desc;
	bool has_amount;
	int64_t amount_minor;
	const char *msisdn_shown; /* as shown: may be masked or hashed */
	const char *payer_name;

	/* Unsolicited payments (C2B confirmation): when no transaction
	 * matches, create one of this kind in state `to`. */
	bool creates_txn;
	enum txn_kind kind;
	const char *shortcode;
	const char *account_reference;
	const char *till_id;

	/* Balance lines a balance result carries, stored with it. */
	const struct store_balance *balances;
	size_t n_balances;
};

struct store_cb_result {
	enum store_cb_outcome outcome;
	int64_t callback_id;                 /* the archive row */
	int64_t txn_id;                      /* 0 when none matched */
	char txn_public_id[STORE_PUBLIC_ID_MAX];
	enum txn_state state;                /* the transaction's state after */
	char reason[STORE_REASON_MAX];       /* why duplicate/orphan/conflict */
};

/*
 * Archive the callback and apply its effect in one database transaction:
 *   applied    the transaction moved to `to` (ids, receipt, result and payer
 *              name recorded; timeline row; outbox event), or a C2B payment
 *              was created;
 *   duplicate  it is already in `to` with the same receipt, or the same
 *              callback was applied before: nothing changes;
 *   orphan     no transaction matches yet (or the one found cannot take
 *              this state yet): kept, and applied automatically when the
 *              transaction appears or moves (store_txn_transition,
 *              store_txn_update, store_callback_adopt);
 *   conflict   the amount, phone, receipt or an id contradicts the record,
 *              or a terminal transaction is told another outcome: the
 *              transaction is moved to `review` when core allows it;
 *   rejected   cb->reject_reason was set, or a field is too long or not
 *              UTF-8 text: archived, nothing applied.
 * A field problem is an outcome, not an error: the raw body is never lost.
 * Errors (POS_E_STORE, POS_E_BUSY, POS_E_INVALID for a missing route or an
 * oversized body) mean nothing was archived.
 */
enum pos_status store_callback_apply(struct store *st,
                                     const struct store_callback *cb,
                                     struct store_cb_result *res,
                                     struct pos_err *err);

/* Apply archived orphan callbacks that now match transaction txn_id; *n
 * (may be NULL) gets how many were resolved. */
enum pos_status store_callback_adopt(struct store *st, int64_t txn_id,
                                     size_t *n, struct pos_err *err);

/* An archived callback. Caller releases with store_callback_row_release(). */
struct store_callback_row {
	int64_t id;
	int64_t received_at;
	char route[STORE_ROUTE_MAX];
	char source[STORE_SOURCE_MAX];
	enum store_cb_outcome outcome;
	char reason[STORE_REASON_MAX];
	int64_t txn_id;
	int64_t resolved_at;      /* when an orphan was applied */
	char *body;               /* malloc'd, NUL-terminated after body_len */
	size_t body_len;
};
enum pos_status store_callback_get(struct store *st, int64_t id,
                                   struct store_callback_row *out,
                                   struct pos_err *err);
void store_callback_row_release(struct store_callback_row *row);
/* Ids of the callbacks archived for a transaction, oldest first. */
enum pos_status store_callback_ids_for(struct store *st, int64_t txn_id,
                                       int64_t *ids, size_t cap, size_t *n,
                                       struct pos_err *err);

/* ---- the group-commit writer ---------------------------------------------- */
/*
 * A thread with its own connection that applies callbacks for many callers
 * at once: it takes every job queued (up to max_group) into one database
 * transaction, each job inside its own savepoint (one failing job does not
 * fail the others), commits (the data is on disk when COMMIT returns), and
 * only then wakes each caller with its outcome. One fsync serves the group.
 */
struct store_writer;

/* Called on the writer's thread after each commit with the transactions the
 * group changed (each id once). Must be quick and must not call the writer. */
typedef void (*store_notify_fn)(void *ctx, const int64_t *txn_ids, size_t n);

struct store_writer_opts {
	struct store_opts store;  /* for the writer's connection */
	size_t max_group;         /* jobs per transaction; 0 = 256 */
	store_notify_fn notify;   /* may be NULL */
	void *notify_ctx;
};

enum pos_status store_writer_open(const char *path,
                                  const struct store_writer_opts *opts,
                                  struct store_writer **out,
                                  struct pos_err *err);
/* Queue cb and block until its group is committed (or failed). The result
 * is that of store_callback_apply(): POS_OK means archived and applied on
 * disk. POS_E_BUSY after store_writer_close() has begun. */
enum pos_status store_writer_submit(struct store_writer *w,
                                    const struct store_callback *cb,
                                    struct store_cb_result *res,
                                    struct pos_err *err);
/* Stop taking jobs, finish every job already queued, stop the thread, close
 * the connection. NULL is fine. Callers must not submit concurrently with
 * or after close returns. */
void store_writer_close(struct store_writer *w);

struct store_writer_stats {
	uint64_t jobs;       /* jobs finished */
	uint64_t groups;     /* database transactions committed or failed */
	uint64_t max_group;  /* largest group seen */
};
void store_writer_get_stats(struct store_writer *w,
                            struct store_writer_stats *out);

/* ---- day-end report --------------------------------------------------------- */
struct store_sum {
	int64_t count;
	int64_t sum_minor;
};
struct store_day_row {
	enum txn_kind kind;
	enum txn_state state;
	int64_t operator_id;     /* 0 = the system */
	struct store_sum total;
};
struct store_day_report {
	char date[11];           /* "2025-03-14", Nairobi */
	char till_id[STORE_TILL_MAX]; /* "" = every till */
	int64_t from_ms, to_ms;  /* the day in Nairobi: [from, to) */
	struct store_sum by_kind[TXN_KIND_COUNT];
	struct store_sum by_state[TXN_STATE_COUNT];
	struct store_day_row *rows; /* by (kind, state, operator); malloc'd */
	size_t n_rows;
	int64_t paid_in_minor;   /* completed stk + c2b + cash */
	int64_t paid_out_minor;  /* completed b2c + reversal */
	int64_t open_count;      /* created that day, not yet terminal */
	int64_t doubtful_count;  /* of those: unknown, unresolved or review */
	int64_t orphan_callbacks;   /* received that day, still unmatched */
	int64_t conflict_callbacks; /* received that day, held as conflicts */
};
/* Totals of the transactions created on date_eat ("YYYY-MM-DD", Nairobi
 * time) at till_id (NULL or "" = all tills). Release with
 * store_day_report_release(). */
enum pos_status store_report_day(struct store *st, const char *date_eat,
                                 const char *till_id,
                                 struct store_day_report *rep,
                                 struct pos_err *err);
void store_day_report_release(struct store_day_report *rep);

/* ---- day-end: balances and checks (store/dayend.c) ------------------------- */
/* The balance lines one Account Balance query (txn_id) brought, in the order
 * received, at most cap. *n 0 when none came. */
enum pos_status store_balance_of_txn(struct store *st, int64_t txn_id,
                                     struct store_balance *out, size_t cap,
                                     size_t *n, struct pos_err *err);
/* The reading of cur's (shortcode, account) taken before cur (at or before
 * cur->at, by another query): *found false when cur is the first. */
enum pos_status store_balance_previous(struct store *st, const struct store_balance *cur,
                                       struct store_balance *prev, bool *found,
                                       struct pos_err *err);
/* One account's readings in a window. */
struct store_balance_span {
	int64_t readings;            /* how many in the window (>= 1) */
	struct store_balance first;  /* the earliest (opening) */
	struct store_balance last;   /* the latest (closing); == first when 1 */
};
/* Per account of shortcode (NULL/"" = of every shortcode), by shortcode and
 * name, the first and last reading taken in [from_ms, to_ms); at most cap
 * accounts. */
enum pos_status store_balance_span(struct store *st, const char *shortcode,
                                   int64_t from_ms, int64_t to_ms,
                                   struct store_balance_span *out, size_t cap,
                                   size_t *n, struct pos_err *err);
/* Completed M-Pesa money created in (after_ms, upto_ms], every till: in =
 * stk + c2b, out = b2c + reversal (cash never touches M-Pesa). */
enum pos_status store_money_between(struct store *st, int64_t after_ms, int64_t upto_ms,
                                    struct store_sum *in, struct store_sum *out,
                                    struct pos_err *err);
/* C2B payments created in [from_ms, to_ms) at till_id (NULL/"" = all) that
 * were recorded from Pull Transactions (an archived callback of source
 * "pull": payments M-Pesa had and the ledger never received), and when
 * Pull last recorded anything (0 = never). */
struct store_pull_result {
	int64_t last_pull_at;
	struct store_sum found;
};
enum pos_status store_pull_check(struct store *st, int64_t from_ms, int64_t to_ms,
                                 const char *till_id, struct store_pull_result *out,
                                 struct pos_err *err);

/* ---- outbox ------------------------------------------------------------------ */
/* One event, borrowed for the duration of the visit. */
struct store_outbox_row {
	int64_t id;              /* increasing, never reused */
	const char *event;
	int64_t txn_id;          /* 0 when not about a transaction */
	const char *payload;     /* JSON text */
	int64_t created_at;
};
typedef bool (*store_outbox_fn)(const struct store_outbox_row *row, void *ctx);

/* Add an event not tied to a change recorded here (balance fetched, ...). */
enum pos_status store_outbox_add(struct store *st, const char *event,
                                 int64_t txn_id, const char *payload,
                                 int64_t *id, struct pos_err *err);
/* Visit up to limit events after backend's cursor, oldest first. */
enum pos_status store_outbox_read(struct store *st, const char *backend,
                                  size_t limit, store_outbox_fn fn, void *ctx,
                                  struct pos_err *err);
/* Mark everything up to and including upto_id delivered to backend. The
 * cursor never moves backwards. */
enum pos_status store_outbox_ack(struct store *st, const char *backend,
                                 int64_t upto_id, struct pos_err *err);
/* Events not yet delivered to backend. */
enum pos_status store_outbox_pending(struct store *st, const char *backend,
                                     int64_t *count, struct pos_err *err);

/* ---- operators and the audit log ----------------------------------------- */
struct store_operator {
	int64_t id;              /* what the operator types at sign-in */
	char name[STORE_NAME_MAX];
	char role[STORE_ROLE_MAX];   /* "cashier", "supervisor", "admin" */
	char pin_hash[CRYPTO_PIN_HASH_MAX]; /* Argon2id PHC string, never a PIN */
	int failed_attempts;
	int64_t locked_until;    /* 0 = not locked */
	bool disabled;
	int64_t created_at, updated_at;
};
/* Add an operator; op->id 0 picks the next free id. POS_E_DUPLICATE when the
 * id is taken; POS_E_INVALID when pin_hash is not an Argon2id hash. */
enum pos_status store_operator_add(struct store *st,
                                   const struct store_operator *op,
                                   int64_t *id, struct pos_err *err);
enum pos_status store_operator_get(struct store *st, int64_t id,
                                   struct store_operator *out,
                                   struct pos_err *err);
/* In id order, at most cap. */
enum pos_status store_operator_list(struct store *st,
                                    struct store_operator *out, size_t cap,
                                    size_t *n, struct pos_err *err);
/* Replace name, role, pin_hash and disabled of operator op->id. Operators are
 * never deleted: disable them. */
enum pos_status store_operator_update(struct store *st,
                                      const struct store_operator *op,
                                      struct pos_err *err);
/* A failed sign-in: count it; at max_attempts lock the operator for lock_ms
 * (and restart the count). out (may be NULL) gets the row after. */
enum pos_status store_operator_failed(struct store *st, int64_t id,
                                      int max_attempts, int64_t lock_ms,
                                      struct store_operator *out,
                                      struct pos_err *err);
/* A successful sign-in: clear the count and any lock. */
enum pos_status store_operator_succeeded(struct store *st, int64_t id,
                                         struct pos_err *err);

/* Append to the audit log, which refuses every UPDATE and DELETE. Each row
 * carries a SHA-256 chained over the previous one, so editing the file by
 * hand is detectable (store_audit_verify). */
enum pos_status store_audit_append(struct store *st, int64_t operator_id,
                                   const char *action, const char *subject,
                                   const char *detail, struct pos_err *err);
struct store_audit_row {
	int64_t id, at, operator_id;
	const char *action, *subject, *detail;
};
typedef bool (*store_audit_fn)(const struct store_audit_row *row, void *ctx);
/* Newest first, at most limit rows. */
enum pos_status store_audit_list(struct store *st, size_t limit,
                                 store_audit_fn fn, void *ctx,
                                 struct pos_err *err);
/* Walk the chain; POS_E_CONFLICT naming the first row that does not match. */
enum pos_status store_audit_verify(struct store *st, struct pos_err *err);

/* ---- balances, settings, rate limits --------------------------------------- */
/* Store n balance lines of one query. */
enum pos_status store_balance_add(struct store *st,
                                  const struct store_balance *rows, size_t n,
                                  struct pos_err *err);
/* The two latest lines for (shortcode, account), newest first (out[0]). */
enum pos_status store_balance_latest(struct store *st, const char *shortcode,
                                     const char *account,
                                     struct store_balance out[2], size_t *n,
                                     struct pos_err *err);

/* POS_E_NOT_FOUND when unset. */
enum pos_status store_setting_get(struct store *st, const char *key,
                                  char *out, size_t outsz, struct pos_err *err);
enum pos_status store_setting_set(struct store *st, const char *key,
                                  const char *value, struct pos_err *err);
/* The listener's secret path segment: generated on first call (128 random
 * bits, lower-case hex), the same ever after, for every process. */
enum pos_status store_listener_secret(struct store *st,
                                      char out[STORE_SECRET_HEX_LEN + 1],
                                      struct pos_err *err);

/* Take one token from the bucket `key` (e.g. one per kind and shortcode;
 * shared by every process on this database: read, refilled and taken under
 * the write lock). The bucket holds at most `capacity` tokens and refills
 * continuously at per_minute tokens a minute, counted in thousandths of a
 * token (20 a minute is one token every 3 s); a new bucket starts full; a
 * clock that went backwards refills nothing. POS_OK with *wait_ms 0 when
 * taken; POS_E_THROTTLED, nothing taken, with *wait_ms the time until a
 * whole token will be there; POS_E_RANGE when per_minute or capacity is 0. */
enum pos_status store_bucket_take(struct store *st, const char *key,
                                  uint32_t per_minute, uint32_t capacity,
                                  int64_t *wait_ms, struct pos_err *err);

/* ---- the initiator password's age (store/credential.c) ------------------- */
/* Note that `password` is the initiator password in use now, and say since
 * when: the database keeps only a fingerprint (an Argon2id hash, slow to
 * guess against; an older database's HMAC one is replaced by it, its date
 * kept), never the password. Takes tens of milliseconds. A
 * fingerprint not seen before means a new password, dated now_ms (*changed
 * true); the same one keeps its date. *set_at (Unix ms) and *changed may be
 * NULL. POS_E_EMPTY when password is empty. */
enum pos_status store_initiator_password_seen(struct store *st, const char *password,
                                              int64_t now_ms, int64_t *set_at,
                                              bool *changed, struct pos_err *err);

/* ---- bulk payout batches ------------------------------------------------- */
#define STORE_BATCH_STATUSES(X)                                               \
	X(STORE_BATCH_DRAFT, "draft")                                             \
	X(STORE_BATCH_APPROVED, "approved")                                       \
	X(STORE_BATCH_RUNNING, "running")                                         \
	X(STORE_BATCH_DONE, "done")                                               \
	X(STORE_BATCH_CANCELLED, "cancelled")

enum store_batch_status {
#define STORE_BATCH_ENUM(e, name) e,
	STORE_BATCH_STATUSES(STORE_BATCH_ENUM)
#undef STORE_BATCH_ENUM
	STORE_BATCH_STATUS_COUNT
};
const char *store_batch_status_name(enum store_batch_status s);

struct store_batch {
	int64_t id;
	char file_name[STORE_FILE_NAME_MAX];
	char file_sha256[STORE_SHA256_HEX_MAX];
	enum store_batch_status status;
	int64_t row_count, total_minor;
	int64_t created_by, approved_by;
	int64_t created_at, updated_at;
	int64_t paused_at, paused_by; /* a running batch paused: when, by whom (0: not) */
};
/* A new batch in status draft. */
enum pos_status store_batch_create(struct store *st, const char *file_name,
                                   const char *file_sha256, int64_t row_count,
                                   int64_t total_minor, int64_t created_by,
                                   int64_t *id, struct pos_err *err);
enum pos_status store_batch_get(struct store *st, int64_t id,
                                struct store_batch *out, struct pos_err *err);
/* draft -> approved by another operator than its creator (POS_E_DENIED). */
enum pos_status store_batch_approve(struct store *st, int64_t id,
                                    int64_t approver, struct pos_err *err);
/* approved -> running -> done; draft/approved/running -> cancelled. */
enum pos_status store_batch_set_status(struct store *st, int64_t id,
                                       enum store_batch_status to,
                                       struct pos_err *err);

/* ---- batches recorded whole, read back, found again (store/batch.c) ------ */
/* Record a batch (draft, created_by) and its n rows as transactions in
 * state `created`, in ONE database transaction: the whole batch is on disk
 * or none of it. Every row must be a B2C payout of a positive amount; its
 * batch_id and batch_row (i + 1) are filled in here. The rows are kept off
 * reconciliation's due list (their batch sends them). */
enum pos_status store_batch_create_rows(struct store *st, const char *file_name,
                                        const char *file_sha256, int64_t created_by,
                                        struct store_txn_new *rows, size_t n,
                                        int64_t *id, struct pos_err *err);
/* draft -> approved with no second approver (a batch within the approval
 * limit: its creator's PIN is the approval). POS_E_STATE otherwise. */
enum pos_status store_batch_confirm(struct store *st, int64_t id,
                                    struct pos_err *err);
/* The transactions of batch batch_id with batch_row > after_row, in row
 * order, at most cap. */
enum pos_status store_batch_txns(struct store *st, int64_t batch_id, int64_t after_row,
                                 struct store_txn *rows, size_t cap, size_t *n,
                                 struct pos_err *err);
/* The latest batch recorded from a file of this SHA-256 (lower-case hex)
 * that was not cancelled, or was cancelled after a row was sent and did not
 * fail: a second batch of the same file pays those people twice.
 * POS_E_NOT_FOUND when there is none. */
enum pos_status store_batch_find_file(struct store *st, const char *file_sha256,
                                      struct store_batch *out, struct pos_err *err);
/* Pause a running batch (operator_id > 0: paused by them, now) or let it
 * go on (operator_id 0): kept in the ledger, so that a batch paused stays
 * paused across processes and restarts. POS_E_STATE when the batch is not
 * running, POS_E_NOT_FOUND when there is no such batch. */
enum pos_status store_batch_pause(struct store *st, int64_t id, int64_t operator_id,
                                  struct pos_err *err);
/* Batches in status `status`, oldest first, at most cap (at most 64). */
enum pos_status store_batch_list(struct store *st, enum store_batch_status status,
                                 struct store_batch *out, size_t cap, size_t *n,
                                 struct pos_err *err);

/* ---- C2B claims ------------------------------------------------------------ */
/* Operator claims a completed C2B payment for a sale; a payment is claimed
 * once (POS_E_DUPLICATE). POS_E_INVALID when txn_id is not a completed C2B
 * payment; POS_E_STATE when it has a reversal that has not failed (its
 * money goes back to the customer). */
enum pos_status store_c2b_claim(struct store *st, int64_t txn_id,
                                int64_t operator_id, const char *note,
                                struct pos_err *err);
/* Completed C2B payments nobody has claimed and none is reversing (no
 * reversal of them that has not failed), newest first, at most cap,
 * created at or after since_ms. */
enum pos_status store_c2b_unclaimed(struct store *st, int64_t since_ms,
                                    struct store_txn *rows, size_t cap,
                                    size_t *n, struct pos_err *err);
/* Who claimed C2B payment txn_id, and when (store/claim.c). POS_E_NOT_FOUND
 * when nobody has. */
struct store_c2b_claim_row {
	int64_t txn_id;
	int64_t operator_id;     /* 0 = not recorded */
	int64_t claimed_at;
	char note[STORE_REASON_MAX];
};
enum pos_status store_c2b_claim_get(struct store *st, int64_t txn_id,
                                    struct store_c2b_claim_row *out,
                                    struct pos_err *err);

/* ---- API tokens (store/api.c) --------------------------------------------- */
/*
 * A token of `serve`'s local API is bound to one operator. Only its SHA-256
 * (lower-case hex) is stored; the token itself is shown once when made and
 * never kept. Tokens are revoked, never deleted.
 */
struct store_api_token {
	int64_t id;
	int64_t operator_id;
	char name[STORE_NAME_MAX];        /* a label, e.g. "web shop" */
	char hash[STORE_SHA256_HEX_MAX];  /* SHA-256 hex of the token */
	int64_t created_at;
	int64_t revoked_at;               /* 0 = active */
};
/* Add a token for operator_id (the caller checks that the operator exists).
 * POS_E_INVALID when hash_hex is not 64 lower-case hex digits;
 * POS_E_DUPLICATE when that hash is already stored. */
enum pos_status store_token_add(struct store *st, int64_t operator_id,
                                const char *name, const char *hash_hex,
                                int64_t *id, struct pos_err *err);
/* The active token with this hash; POS_E_NOT_FOUND (field "token") when
 * none or revoked. */
enum pos_status store_token_find(struct store *st, const char *hash_hex,
                                 struct store_api_token *out, struct pos_err *err);
/* Every token, revoked ones too, in id order, at most cap. */
enum pos_status store_token_list(struct store *st, struct store_api_token *out,
                                 size_t cap, size_t *n, struct pos_err *err);
/* Revoke token id; out (may be NULL) gets the row. POS_E_NOT_FOUND when
 * there is no such token, POS_E_DUPLICATE when it was already revoked. */
enum pos_status store_token_revoke(struct store *st, int64_t id,
                                   struct store_api_token *out, struct pos_err *err);

/* ---- idempotency keys of the local API (store/api.c) ---------------------- */
/*
 * A POST's Idempotency-Key is kept per operator (the API token's) with the
 * SHA-256 (lower-case hex) of its request and, once recorded, the
 * transaction it made: a repeat finds the first transaction instead of
 * making a second. Reserve before the request is acted on, then bind (or,
 * when the request recorded nothing, release).
 */
enum { STORE_IDEM_KEY_MAX = 65 };         /* 1 to 64 characters, and the NUL */
struct store_idem {
	int64_t operator_id;
	char key[STORE_IDEM_KEY_MAX];
	char request_sha256[STORE_SHA256_HEX_MAX];
	int64_t txn_id;                       /* 0: reserved, no transaction yet */
	int64_t created_at;
};
/* Reserve key for operator_id. POS_OK: new, reserved. POS_E_DUPLICATE
 * (field "Idempotency-Key"): used before; *out (may be NULL) gets its row.
 * POS_E_INVALID for an empty or too long key or a hash that is not hex. */
enum pos_status store_idem_reserve(struct store *st, int64_t operator_id, const char *key,
                                   const char *request_sha256, struct store_idem *out,
                                   struct pos_err *err);
/* Bind a reserved key to the transaction its request made (once: a bound
 * key never changes). POS_E_NOT_FOUND when it is not reserved. */
enum pos_status store_idem_bind(struct store *st, int64_t operator_id, const char *key,
                                int64_t txn_id, struct pos_err *err);
/* Release a reservation whose request recorded nothing (a bound key stays). */
enum pos_status store_idem_release(struct store *st, int64_t operator_id, const char *key,
                                   struct pos_err *err);

/* Archived callbacks by outcome, over the whole ledger (for /metrics). */
enum pos_status store_callback_counts(struct store *st,
                                      int64_t counts[STORE_CB_OUTCOME_COUNT],
                                      struct pos_err *err);
/* Transactions by kind and state, over the whole ledger (for /metrics). */
enum pos_status store_txn_counts(struct store *st,
                                 int64_t counts[TXN_KIND_COUNT][TXN_STATE_COUNT],
                                 struct pos_err *err);

#endif
