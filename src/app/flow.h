/*
 * app/flow.h: the money flows, shared by the console and the command line.
 *
 * A flow is a small state machine over one transaction of the ledger:
 *   charge    validate, check the role and the limits, record the intent,
 *             send the STK push, then resolve from whichever comes first:
 *             the callback (through the listener) or STK queries that respect
 *             Daraja's "still processing" and back off, until the prompt has
 *             certainly expired ([daraja] stk_prompt_seconds plus a margin);
 *   payout    the same for B2C v3 (our own OriginatorConversationID), resolved
 *             by the result callback or Transaction Status;
 *   reversal  of a completed customer payment (STK or C2B), by a supervisor;
 *   balance   Account Balance, resolved by its result callback;
 *   status    a transaction of ours (re-checked with Daraja when it is still
 *             open), or an M-Pesa receipt looked up with Transaction Status;
 *   track     follow an existing open transaction to its end;
 *   resolve   a supervisor closes an unresolved (or held) transaction as paid
 *             (the receipt the customer shows, checked by Transaction Status)
 *             or not paid.
 * Roles, limits, the second-approver rule and the audit log are enforced
 * here, so every face obeys them.
 *
 * Never moving money twice: a money-moving request is sent once. Its answer
 * decides: accepted -> awaiting; refused -> failed (nothing happened); not
 * sent (unreachable, breaker open, rate limit) -> failed, nothing sent; fate
 * unknown -> `unknown`, resolved by query or by the callback (which finds
 * its transaction through the id in its URL). A charge still unknown once
 * its prompt has certainly expired becomes `unresolved`: a supervisor closes
 * it. Nothing is ever guessed.
 *
 * Using a flow: start it (the start function validates and returns an error
 * naming the field when nothing was recorded), then turn the loop
 * (app/loop.h). fn is called from the loop after visible changes (state,
 * note), at most once a turn, and never from inside a start function (check
 * app_flow_done() after starting: a refused charge is done at once); read
 * the flow with the accessors. Call app_flow_free() outside of fn, at any
 * time: the transaction goes on in the ledger, and reconciliation or another
 * flow finishes it.
 *
 * Ownership: the caller frees flows with app_flow_free(), before freeing
 * their loop; app_flow_txn() and app_flow_note() are borrowed until the next
 * loop turn. fn must not free the flow it is called for.
 * Thread-safety: the thread that owns the app and the loop.
 */
#ifndef POS_APP_FLOW_H
#define POS_APP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/loop.h"
#include "app/signin.h"
#include "daraja/callback.h"
#include "store/store.h"

enum app_flow_kind {
	APP_FLOW_CHARGE,
	APP_FLOW_PAYOUT,
	APP_FLOW_REVERSAL,
	APP_FLOW_BALANCE,
	APP_FLOW_STATUS,
	APP_FLOW_TRACK,
	APP_FLOW_RESOLVE,
};

struct app_flow;
typedef void (*app_flow_fn)(void *user, struct app_flow *f);

/* Text exactly as typed; the flow validates and names the field. */
struct app_charge_req {
	const char *phone;        /* 0712 345 678, +254..., 2547... */
	const char *amount;       /* whole shillings: "1,000", "KES 150" */
	const char *account_ref;  /* NULL/"": the transaction's own id */
	const char *description;  /* NULL/"": "Payment" */
};

struct app_payout_req {
	const char *phone;
	const char *amount;
	const char *command;      /* SalaryPayment|BusinessPayment|PromotionPayment
	                             (or salary|business|promotion); NULL: [daraja]
	                             b2c_command_id */
	const char *remarks;      /* NULL/"": "Payout" */
	const char *occasion;     /* optional */
	/* Above [limits] approval_above: a second operator (supervisor or
	 * admin, not the one paying) signed in with their PIN. */
	const struct app_operator *approver;
};

struct app_resolve_req {
	const char *txn;          /* public id, e.g. T000001Y */
	bool paid;                /* closed as paid (needs receipt) or not paid */
	const char *receipt;      /* the M-Pesa receipt the customer shows */
};

enum pos_status app_charge_start(struct app_loop *l, const struct app_operator *op,
                                 const struct app_charge_req *rq, app_flow_fn fn,
                                 void *user, struct app_flow **out,
                                 struct pos_err *err);
enum pos_status app_payout_start(struct app_loop *l, const struct app_operator *op,
                                 const struct app_payout_req *rq, app_flow_fn fn,
                                 void *user, struct app_flow **out,
                                 struct pos_err *err);
/* txn: the public id of the completed STK or C2B payment to reverse. A C2B
 * payment already claimed for a sale is reversed only with claimed_ok (the
 * operator saw who claimed it, app_c2b_claim_of, and confirmed); without it
 * POS_E_CONFLICT (field "id") names who claimed it for which sale. */
enum pos_status app_reversal_start(struct app_loop *l, const struct app_operator *op,
                                   const char *txn, bool claimed_ok, app_flow_fn fn,
                                   void *user, struct app_flow **out, struct pos_err *err);
enum pos_status app_balance_start(struct app_loop *l, const struct app_operator *op,
                                  app_flow_fn fn, void *user,
                                  struct app_flow **out, struct pos_err *err);
/* id: one of our public ids (an open one is checked with Daraja once, now),
 * a receipt we hold, or an M-Pesa receipt we do not hold (looked up with
 * Transaction Status; op may be NULL for a public id). */
enum pos_status app_status_start(struct app_loop *l, const struct app_operator *op,
                                 const char *id, app_flow_fn fn, void *user,
                                 struct app_flow **out, struct pos_err *err);
/* Follow transaction txn_id (e.g. an open charge found at start-up). */
enum pos_status app_track_start(struct app_loop *l, int64_t txn_id,
                                app_flow_fn fn, void *user,
                                struct app_flow **out, struct pos_err *err);
enum pos_status app_resolve_start(struct app_loop *l, const struct app_operator *op,
                                  const struct app_resolve_req *rq, app_flow_fn fn,
                                  void *user, struct app_flow **out,
                                  struct pos_err *err);

/* Nothing more will happen by itself: the transaction is final, unresolved
 * or held for review, or the flow stopped on a problem (app_flow_error). */
bool app_flow_done(const struct app_flow *f);
enum app_flow_kind app_flow_kind(const struct app_flow *f);
/* The transaction as last read from the ledger (NULL before it exists). */
const struct store_txn *app_flow_txn(const struct app_flow *f);
/* What is happening now ("waiting for the customer: 43 s left"). */
const char *app_flow_note(const struct app_flow *f);
/* A problem that stopped the flow or the last query (code POS_OK if none). */
const struct pos_err *app_flow_error(const struct app_flow *f);
/* Seconds until the customer's prompt expires (charges), or -1. */
int64_t app_flow_prompt_left_s(const struct app_flow *f);
void app_flow_free(struct app_flow *f);

/* ---- a sale paid by other means ---------------------------------------------- */

/*
 * A sale the customer paid in cash (or by card...) while M-Pesa could not be
 * used: no request to Daraja, no loop. Checks the role (ROLE_ACT_CHARGE) and
 * the fields, records it completed at once (kind cash, which History and
 * the day-end report show as such; its outbox event is
 * mpesa.sale.cash_recorded) and writes the audit log. Text exactly as typed.
 * out (may be NULL) receives the transaction. Errors name the field.
 */
struct app_cash_req {
	const char *amount;       /* whole shillings: "1,000", "KES 150" */
	const char *phone;        /* NULL/"": none; else checked like a charge's */
	const char *account_ref;  /* NULL/"": none */
	const char *description;  /* NULL/"": none */
	const char *means;        /* NULL/"": "cash"; a short word ("card") */
};
enum pos_status app_cash_record(struct app *a, const struct app_operator *op,
                                const struct app_cash_req *rq, struct store_txn *out,
                                struct pos_err *err);

/* ---- outcomes --------------------------------------------------------------- */

/* The command line's exit code for a transaction's state (docs/cli.md):
 * 0 completed, 10 cancelled, 11 insufficient funds, 12 no answer, 13 wrong
 * PIN, 14 declined otherwise, 20 pending or unknown, 21 unresolved or held,
 * 30 refused before processing, 31 unreachable. */
int app_txn_exit(const struct store_txn *t);
/* One sentence for a person: what happened and what to do next. */
const char *app_txn_sentence(const struct store_txn *t, char *out, size_t outsz);
/* The command line's exit code for an error (docs/cli.md): 0 POS_OK, 77
 * denied (DENIED, AUTH, LOCKED), 78 configuration, 30 refused (THROTTLED,
 * CONFLICT, DARAJA), 31 unreachable (NET, BREAKER), 20 pending (TIMEOUT,
 * UNKNOWN), 70 internal (STORE, BUSY, NOMEM, IO, CRYPTO, INTERNAL), 64 for
 * every other code (a value given is wrong: err->field names it). The HTTP
 * API answers the same numbers. */
int app_err_exit(const struct pos_err *err);

/*
 * The JSON objects the command line prints and the HTTP API answers
 * (docs/cli.md, docs/api.md); cJSON objects the caller frees with
 * cJSON_Delete() (or adds to another object); NULL when out of memory.
 * app_txn_json(): ok, exit (app_txn_exit), txn, kind, state, label, amount
 * and currency (for a charge or payout, or any non-zero amount), the
 * transaction's non-empty texts and ids, operator, created_at and
 * updated_at (ISO 8601, Nairobi), message (app_txn_sentence). every_id: also
 * merchant_request_id, conversation_id and approver (the command line shows
 * them; the HTTP API leaves them out).
 * app_err_json(): {"ok":false,"exit":exit_code,"error":{code, field,
 * message (err->msg, or the status's sentence), hint}}.
 */
struct cJSON;
struct cJSON *app_txn_json(const struct store_txn *t, bool every_id);
struct cJSON *app_err_json(const struct pos_err *err, int exit_code);

/* What a completed status or balance query learned (read from the archived
 * result). POS_E_NOT_FOUND when no result has come. */
enum pos_status app_status_result(struct app *a, int64_t status_txn_id,
                                  struct daraja_status_result *out,
                                  struct pos_err *err);
enum pos_status app_balance_result(struct app *a, int64_t balance_txn_id,
                                   struct daraja_balance_result *out,
                                   struct pos_err *err);

/* ---- reconciliation ---------------------------------------------------------- */

/*
 * Every transaction that is not final gets one resolution step: STK query
 * (charges with a CheckoutRequestID), Transaction Status (payouts and
 * reversals; its result comes back by callback), or the move that time
 * alone decides (a push never sent; a prompt certainly expired). Runs at
 * start-up and periodically in `serve`, and on demand (`mpesa-pos
 * reconcile`, force = true: every open transaction, now).
 */
struct app_reconcile;
struct app_reconcile_stats {
	size_t checked;       /* open transactions looked at */
	size_t finished;      /* reached a final state in this pass */
	size_t unresolved;    /* now unresolved or held: a supervisor's turn */
	size_t still_open;    /* will be looked at again */
};
enum pos_status app_reconcile_start(struct app_loop *l, bool force,
                                    struct app_reconcile **out,
                                    struct pos_err *err);
bool app_reconcile_done(const struct app_reconcile *r);
void app_reconcile_stats(const struct app_reconcile *r,
                         struct app_reconcile_stats *out);
/* Transactions it looked at, in order (borrowed). */
size_t app_reconcile_count(const struct app_reconcile *r);
const struct store_txn *app_reconcile_txn(const struct app_reconcile *r, size_t i);
/* The flows still running stop; their transactions stay as they are. */
void app_reconcile_free(struct app_reconcile *r);

/* For a process with a listener (serve, the console): when a status query's
 * result lands, settle the transaction it was about. Watch with this. */
void app_settle_on_change(struct app_loop *l, int64_t txn_id);

#endif
