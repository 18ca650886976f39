/*
 * app/app_int.h: what the files of app/ share and nobody else may use.
 *
 * The flows are small state machines (struct app_flow) advanced by Daraja
 * completions, timers and ledger notifications; every decision re-reads the
 * transaction from the store first, so two processes on one database (a
 * till and `serve`) never act on a stale picture. The per-kind resolvers
 * (stk.c, initiator.c, query.c) are shared by the flows a person starts and
 * by reconciliation.
 */
#ifndef POS_APP_APP_INT_H
#define POS_APP_APP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/flow.h"
#include "app/loop.h"
#include "app/signin.h"
#include "core/event.h"
#include "core/money.h"
#include "daraja/callback.h"
#include "daraja/client.h"

/* ---- app.c / backend.c ------------------------------------------------------ */

void app_backend_opts(const struct config *cfg, struct daraja_opts *o,
                      char *cert, size_t certsz);
bool app_backend_is_sim(const struct config *cfg);
/* The URL Daraja is given for a result: [listener] public_url when set, else
 * the local listener address (http://<[listener] bind>), which reaches a
 * listener on this machine (the simulator's case) and nothing else. */
enum pos_status app_reply_url(struct app *a, enum listener_route route,
                              const char *ref, char *out, size_t outsz,
                              struct pos_err *err);
/* True when results posted to app_reply_url() can reach a listener: a
 * public_url is set, or the backend is the local simulator. */
bool app_results_reachable(const struct app *a);
/* store_initiator_password_seen() for the password in use, asked of the
 * ledger once per process and password (an Argon2id hash each time). */
enum pos_status app_initiator_password_seen(struct app *a, const char *password,
                                            int64_t *set_at, struct pos_err *err);
/* What a finished request says about reaching Daraja (app_daraja_reachable). */
void app_note_result(struct app *a, const struct daraja_result *res);

/* Requests in flight, owned by the app so that app_close() frees those whose
 * completion never comes (daraja_free() drops them). */
struct app_req {
	struct app_req *prev, *next;
	struct app *app;
	struct app_flow *flow;  /* NULL once the flow is freed */
	int64_t txn_id;         /* the transaction the request is for */
	int64_t parent_id;      /* STATUS query: the transaction it checks */
	enum daraja_api api;
};
struct app_req *app_req_new(struct app *a, struct app_flow *f, int64_t txn_id,
                            enum daraja_api api);
void app_req_free(struct app_req *r);

/* ---- the clock and the timings (timing.c) ------------------------------------ */

/* Monotonic milliseconds: intervals this process measures itself. */
int64_t app_mono_ms(void);
/* Unix milliseconds for comparing with the ledger's times: the base clock,
 * carried forward by the monotonic clock while it stands still (pinned in
 * tests) or after it stepped back (timing.c says why). */
int64_t app_now_ms(struct app *a);
struct app_clock {
	int64_t last;             /* the last time given */
	int64_t last_mono;        /* the monotonic clock then (0: never asked) */
};
int64_t app_clock_now(struct app_clock *c);

/* The least spacing of STK queries about one transaction in this process,
 * whoever asks: when the last was sent (monotonic ms, 0 if none known), and
 * record one sent now. */
int64_t app_stk_last_query(struct app *a, int64_t txn_id);
void app_stk_queried(struct app *a, int64_t txn_id);

enum { FLOW_STATUS_QUERIES_MAX = 8 };

/* Every wait of the flows, set in one place (timing.c, with the reasons). */
struct flow_timing {
	int64_t prompt_ms;        /* [daraja] stk_prompt_seconds */
	int64_t margin_ms;        /* after the prompt: certainly expired */
	int64_t query_first_ms;   /* first STK query after the push */
	int64_t query_min_gap_ms; /* least spacing of STK queries about one charge */
	int64_t query_cap_ms;     /* longest wait between STK queries */
	int64_t receipt_grace_ms; /* query said paid: wait for the callback's receipt */
	int64_t created_stale_ms; /* `created` this old: its process is gone */
	int64_t sent_stale_ms;    /* `sent` this old: its answer never came */
	/* B2C/reversal without a result: Transaction Status at these times
	 * after the send ([daraja] status_give_up_after is the last), then
	 * unresolved once the last query's answer has had child_wait_ms. */
	int64_t status_at_ms[FLOW_STATUS_QUERIES_MAX];
	int status_queries;
	int64_t child_wait_ms;    /* how long a status query's result is awaited */
	int64_t query_expire_ms;  /* status/balance query without result: failed */
	int64_t pass_horizon_ms;  /* reconciliation: a step due later waits for the next pass */
	int64_t query_slack_ms;   /* added to a recorded next query time */
	int64_t parked_ms;        /* unresolved: off reconciliation's due list this long */
};
void flow_timing_of(const struct config *cfg, struct flow_timing *t);

/* ---- the flow object (flow.c) ---------------------------------------------- */

enum flow_mode {
	FLOW_FOLLOW,  /* until final (or unresolved) */
	FLOW_PASS,    /* reconciliation: one resolution step, then done */
};

struct app_flow {
	struct app_loop *loop;
	struct app *app;
	enum app_flow_kind fk;
	enum flow_mode mode;
	bool force;               /* pass: query now, whatever the schedule */
	bool patient;             /* pass: wait for a status query's result
	                             (on demand), rather than leave it to the
	                             listener's process to settle */
	struct app_operator op;   /* who started it (id 0: the system) */
	int64_t txn_id;
	struct store_txn txn;     /* as last read from the store */
	bool have_txn;
	bool done;
	bool stepped;             /* pass: a step has been taken */
	struct app_req *req;      /* the Daraja request in flight, if any */
	uint64_t timer;
	uint64_t watch;
	int64_t child_id;         /* a status query sent for this transaction */
	int64_t success_seen_ms;  /* STK query said paid; waiting for the receipt */
	int64_t last_query_ms;    /* app_now_ms() of this flow's last STK query */
	int64_t next_query_mono;  /* when it means to ask again (monotonic) */
	uint64_t notify_timer;    /* the owner is told on the next turn */
	int64_t started_ms;       /* monotonic */
	char note[200];           /* what is happening now, for a screen */
	struct pos_err err;       /* the last problem, or POS_OK */
	/* resolve (supervisor closing) */
	bool resolve_paid;
	char resolve_receipt[STORE_RECEIPT_MAX];
	struct flow_timing tm;
	app_flow_fn fn;
	void *user;
};

enum pos_status flow_new(struct app_loop *l, enum app_flow_kind fk,
                         const struct app_operator *op, app_flow_fn fn,
                         void *user, struct app_flow **out, struct pos_err *err);
/* Re-read the transaction; tell the owner when anything visible changed.
 * Returns false when it could not be read (f->err says why). */
bool flow_reload(struct app_flow *f);
/* Run the resolver after delay_ms (replacing any earlier timer). */
void flow_schedule(struct app_flow *f, int64_t delay_ms);
/* Nothing more will happen: stop timers and watching, tell the owner. */
void flow_finish(struct app_flow *f);
void flow_set_note(struct app_flow *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void flow_changed(struct app_flow *f);
/* The resolver: decide the next action for f's transaction. */
void flow_step(struct app_flow *f);
/* Start following f->txn_id (watch + first step after delay_ms). */
void flow_follow(struct app_flow *f, int64_t delay_ms);

/* Move a transaction (re-read into *t on success). POS_E_DUPLICATE (already
 * there) counts as success. Logs and returns other refusals. */
enum pos_status flow_move(struct app *a, struct store_txn *t, enum txn_state to,
                          enum txn_actor by, int64_t operator_id,
                          const struct store_txn_fields *set, const char *what,
                          const char *detail, struct pos_err *err);

/* Record what a money-moving request's answer means (sent -> awaiting,
 * failed or unknown). Safe when the flow is gone. */
void flow_apply_send(struct app *a, int64_t txn_id, const struct daraja_result *r);
/* Fail a transaction in `created` or `sent` that was never sent, with a
 * local marker code ("local:throttled", ...) and the sentence. */
void flow_fail_unsent(struct app *a, struct store_txn *t, const char *code,
                      const struct pos_err *why);
void flow_audit(struct app *a, int64_t operator_id, const char *action,
                const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The operator may do act (role_check); a refusal is audited. POS_E_DENIED
 * without a signed-in operator. */
enum pos_status flow_check_role(struct app *a, const struct app_operator *op,
                                enum role_action act, struct pos_err *err);
/* Add an outbox event no change of state writes (sign-in, the breaker):
 * values[] indexed by enum event_field (NULL = not known). */
void app_emit(struct app *a, enum event_type ev,
              const char *const values[EVENT_FIELD_COUNT]);
/* Resolver completions run for whoever owns the request (and tell
 * app_note_result what Daraja's answer says about reaching it). */
void flow_req_done_common(struct app_req *r, const struct daraja_result *res,
                          struct app_flow **f);
/* The answer to a request that sent money or a query as a transaction of
 * its own: flow_req_done_common, flow_apply_send, frees r; returns the flow
 * (NULL when it is gone), its err set from an answer that was not OK (an
 * unknown fate too when unknown_is_error). */
struct app_flow *flow_send_done(struct app_req *r, const struct daraja_result *res,
                                bool unknown_is_error);
/* Record a new flow's transaction (the intent, before any request): f
 * holds it and *out = f; on an error f is freed. */
enum pos_status flow_record(struct app_flow *f, const struct store_txn_new *in,
                            struct app_flow **out, struct pos_err *err);

/* ---- per-kind resolvers ------------------------------------------------------ */

/* stk.c */
void stk_step(struct app_flow *f);
void stk_send_push(struct app_flow *f, const char *account_ref);

/* initiator.c: B2C, reversal, and the status queries that resolve them. */
void initiator_step(struct app_flow *f);
void b2c_send(struct app_flow *f, enum fields_b2c_command cmd,
              const char *remarks, const char *occasion);
void reversal_send(struct app_flow *f, const struct store_txn *original);
/* Send a Transaction Status query about parent (by its originator id, or
 * by receipt when given) as a new STATUS transaction. */
enum pos_status status_child_send(struct app_flow *f, const struct store_txn *parent,
                                  const char *receipt, struct pos_err *err);
/* What a finished STATUS transaction learned. */
struct status_finding {
	bool answered;            /* the result came and was read */
	bool found;               /* ResultCode 0 */
	struct daraja_status_result r;
};
enum pos_status status_finding_of(struct app *a, const struct store_txn *status,
                                  struct status_finding *out, struct pos_err *err);
/* The newest STATUS transaction sent about parent, if any (POS_E_NOT_FOUND). */
enum pos_status status_child_latest(struct app *a, const struct store_txn *parent,
                                    struct store_txn *out, struct pos_err *err);

/* query.c: status-by-receipt and balance: wait for the result. */
void query_step(struct app_flow *f);
enum pos_status query_send(struct app_flow *f, const char *receipt,
                           struct pos_err *err);

/* resolve.c */
void resolve_step(struct app_flow *f);

/* ---- limits.c ------------------------------------------------------------------- */

/* A charge or payout to msisdn that is not final yet, if any. */
enum pos_status limit_open_for_phone(struct app *a, enum txn_kind k,
                                     const char *msisdn, struct store_txn *open,
                                     bool *found, struct pos_err *err);
/* The till's per-minute limit for kind k, judged for transaction t (already
 * recorded): POS_OK, or POS_E_THROTTLED with the wait in err. */
enum pos_status limit_rate(struct app *a, const struct store_txn *t,
                           struct pos_err *err);
/* limit_rate, and on POS_E_THROTTLED the wait in *wait_ms (0 otherwise). */
enum pos_status limit_rate_wait(struct app *a, const struct store_txn *t,
                                int64_t *wait_ms, struct pos_err *err);
/* [limits] payout_max, payout_daily_max (Nairobi day), approval_above and
 * the approver rule, for a payout of minor by op approved by approver. */
enum pos_status limit_payout(struct app *a, const struct app_operator *op,
                             const struct app_operator *approver, int64_t minor,
                             struct pos_err *err);
void limit_money(const struct config *cfg, struct money_limits *l);

#endif
