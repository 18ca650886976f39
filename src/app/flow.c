/* app/flow.c: the flow object: reading the ledger, timers, notifications,
 * and what a money-moving request's answer means. */
#include "app/app_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/str.h"
#include "bus/bus.h"

/* ---- lifecycle ----------------------------------------------------------------- */

static void on_watch(void *user, int64_t txn_id);

enum pos_status flow_new(struct app_loop *l, enum app_flow_kind fk,
                         const struct app_operator *op, app_flow_fn fn,
                         void *user, struct app_flow **out, struct pos_err *err)
{
	struct app_flow *f = calloc(1, sizeof *f);
	if (!f)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	f->loop = l;
	f->app = app_loop_app(l);
	f->fk = fk;
	f->mode = FLOW_FOLLOW;
	if (op)
		f->op = *op;
	f->fn = fn;
	f->user = user;
	f->started_ms = app_mono_ms();
	flow_timing_of(app_config(f->app), &f->tm);
	pos_err_clear(&f->err);
	*out = f;
	return POS_OK;
}

void app_flow_free(struct app_flow *f)
{
	if (!f)
		return;
	app_loop_cancel(f->loop, f->timer);
	app_loop_cancel(f->loop, f->notify_timer);
	app_loop_unwatch(f->loop, f->watch);
	if (f->req)
		f->req->flow = NULL; /* its completion is still recorded */
	free(f);
}

static void deliver(void *user)
{
	struct app_flow *f = user;
	f->notify_timer = 0;
	if (f->fn)
		f->fn(f->user, f);
}

/* The owner hears of changes from the loop, once per turn at most: never
 * from inside a start function or another app call. */
void flow_changed(struct app_flow *f)
{
	if (f->fn && !f->notify_timer)
		f->notify_timer = app_loop_timer(f->loop, 0, deliver, f);
}

void flow_set_note(struct app_flow *f, const char *fmt, ...)
{
	char note[sizeof f->note];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(note, sizeof note, fmt, ap);
	va_end(ap);
	if (strcmp(note, f->note) != 0) {
		str_copy(f->note, sizeof f->note, note);
		flow_changed(f);
	}
}

void flow_finish(struct app_flow *f)
{
	if (f->done)
		return;
	f->done = true;
	app_loop_cancel(f->loop, f->timer);
	f->timer = 0;
	app_loop_unwatch(f->loop, f->watch);
	f->watch = 0;
	flow_changed(f);
}

bool flow_reload(struct app_flow *f)
{
	struct store_txn t;
	struct pos_err e;
	if (store_txn_get(app_store(f->app), f->txn_id, &t, &e) != POS_OK) {
		f->err = e;
		return false;
	}
	bool changed = !f->have_txn || t.state != f->txn.state ||
	               t.updated_at != f->txn.updated_at;
	f->txn = t;
	f->have_txn = true;
	if (changed)
		flow_changed(f);
	return true;
}

static void on_timer(void *user)
{
	struct app_flow *f = user;
	f->timer = 0;
	flow_step(f);
}

void flow_schedule(struct app_flow *f, int64_t delay_ms)
{
	app_loop_cancel(f->loop, f->timer);
	f->timer = app_loop_timer(f->loop, delay_ms, on_timer, f);
}

static void on_watch(void *user, int64_t txn_id)
{
	struct app_flow *f = user;
	if (f->done || (txn_id != 0 && txn_id != f->txn_id && txn_id != f->child_id))
		return;
	enum txn_state before = f->txn.state;
	int64_t child = f->child_id;
	if (!flow_reload(f))
		return;
	/* A change of ours, or the status query we wait for has landed: look
	 * again now (the resolver is cheap when there is nothing to do). */
	if (f->txn.state != before || (child && txn_id == child) ||
	    txn_state_is_terminal(f->txn.state) || f->txn.state == TXN_UNRESOLVED ||
	    f->txn.state == TXN_REVIEW || (txn_id == 0 && child))
		flow_step(f);
}

void flow_follow(struct app_flow *f, int64_t delay_ms)
{
	if (!f->watch)
		f->watch = app_loop_watch(f->loop, on_watch, f);
	flow_schedule(f, delay_ms);
}

void flow_step(struct app_flow *f)
{
	if (f->done)
		return;
	if (f->req)
		return; /* its completion steps again */
	if (!flow_reload(f)) {
		flow_finish(f);
		return;
	}
	if (f->fk == APP_FLOW_RESOLVE) {
		resolve_step(f);
		return;
	}
	if (txn_state_is_terminal(f->txn.state) || f->txn.state == TXN_UNRESOLVED ||
	    f->txn.state == TXN_REVIEW) {
		flow_finish(f);
		return;
	}
	switch (f->txn.kind) {
	case TXN_KIND_STK:
		stk_step(f);
		break;
	case TXN_KIND_B2C:
	case TXN_KIND_REVERSAL:
		initiator_step(f);
		break;
	case TXN_KIND_STATUS:
	case TXN_KIND_BALANCE:
		query_step(f);
		break;
	default:
		/* C2B and cash are settled by their callbacks or at once. */
		flow_finish(f);
		break;
	}
}

/* ---- requests in flight --------------------------------------------------------- */

void flow_req_done_common(struct app_req *r, const struct daraja_result *res,
                          struct app_flow **f)
{
	app_note_result(r->app, res);
	*f = r->flow;
	if (*f)
		(*f)->req = NULL;
}

enum pos_status flow_record(struct app_flow *f, const struct store_txn_new *in,
                            struct app_flow **out, struct pos_err *err)
{
	enum pos_status rc = store_txn_create(app_store(f->app), in, &f->txn, err);
	if (rc != POS_OK) {
		app_flow_free(f);
		return rc;
	}
	f->txn_id = f->txn.id;
	f->have_txn = true;
	*out = f;
	return POS_OK;
}

struct app_flow *flow_send_done(struct app_req *r, const struct daraja_result *res,
                                bool unknown_is_error)
{
	struct app_flow *f;
	flow_req_done_common(r, res, &f);
	flow_apply_send(r->app, r->txn_id, res);
	app_req_free(r);
	if (f && res->cls != DARAJA_OK && (unknown_is_error || res->cls != DARAJA_UNKNOWN))
		f->err = res->err;
	return f;
}

/* ---- the ledger ------------------------------------------------------------------- */

enum pos_status flow_move(struct app *a, struct store_txn *t, enum txn_state to,
                          enum txn_actor by, int64_t operator_id,
                          const struct store_txn_fields *set, const char *what,
                          const char *detail, struct pos_err *err)
{
	struct store_txn_change ch = {
		.check_from = true,
		.from = t->state,
		.to = to,
		.actor = by,
		.operator_id = operator_id,
		.what = what,
		.detail = detail,
	};
	struct pos_err e;
	struct store_txn out;
	if (set)
		ch.set = *set;
	enum pos_status rc = store_txn_transition(app_store(a), t->id, &ch, &out, &e);
	if (rc == POS_E_DUPLICATE)
		rc = store_txn_get(app_store(a), t->id, &out, &e);
	if (rc == POS_OK) {
		*t = out;
		return POS_OK;
	}
	char msg[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + 8];
	log_warn("flow", "%s: %s -> %s not recorded: %s", t->public_id,
	         txn_state_name(t->state), txn_state_name(to),
	         pos_err_format(&e, msg, sizeof msg));
	if (err)
		*err = e;
	/* Someone else moved it meanwhile: the caller re-reads. */
	(void)store_txn_get(app_store(a), t->id, t, NULL);
	return rc;
}

void flow_audit(struct app *a, int64_t operator_id, const char *action,
                const char *subject, const char *fmt, ...)
{
	char detail[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	struct pos_err e;
	if (store_audit_append(app_store(a), operator_id, action, subject, detail, &e) != POS_OK) {
		char msg[POS_ERR_MSG_MAX + 64];
		log_error("audit", "%s %s by %lld NOT written: %s", action, subject,
		          (long long)operator_id, pos_err_format(&e, msg, sizeof msg));
	}
}

enum pos_status flow_check_role(struct app *a, const struct app_operator *op,
                                enum role_action act, struct pos_err *err)
{
	if (!op || op->id <= 0)
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "this needs a signed-in operator");
	enum pos_status rc = role_check(op->role, act, err);
	if (rc != POS_OK)
		flow_audit(a, op->id, "denied", role_action_name(act), "%s (%s) tried to %s",
		           op->name, role_name(op->role), role_action_label(act));
	return rc;
}

void app_emit(struct app *a, enum event_type ev,
              const char *const values[EVENT_FIELD_COUNT])
{
	struct bus_opts o;
	struct pos_err e;
	bus_opts_from_config(app_config(a), &o);
	if (bus_event_add(app_store(a), &o, ev, values, 0, NULL, &e) != POS_OK) {
		char msg[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + 8];
		log_warn("flow", "event %s not recorded: %s", event_name(ev),
		         pos_err_format(&e, msg, sizeof msg));
	}
}

void flow_fail_unsent(struct app *a, struct store_txn *t, const char *code,
                      const struct pos_err *why)
{
	char desc[STORE_RESULT_DESC_MAX];
	char msg[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + POS_ERR_FIELD_MAX + 8];
	pos_err_format(why, msg, sizeof msg);
	str_fmt(desc, sizeof desc, "Not sent: %s", msg);
	struct store_txn_fields set = {.result_code = code, .result_desc = desc};
	flow_move(a, t, TXN_FAILED, TXN_BY_SYSTEM, 0, &set, "not sent", desc, NULL);
}

static const char *local_code(enum daraja_class c)
{
	switch (c) {
	case DARAJA_UNREACHABLE: return "local:unreachable";
	case DARAJA_BREAKER_OPEN: return "local:breaker";
	case DARAJA_THROTTLED_LOCAL: return "local:throttled";
	default: return "local:not-sent";
	}
}

void flow_apply_send(struct app *a, int64_t txn_id, const struct daraja_result *r)
{
	struct store_txn t;
	struct pos_err e;
	char msg[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + POS_ERR_FIELD_MAX + 8];
	char detail[STORE_RESULT_DESC_MAX + 64];
	if (store_txn_get(app_store(a), txn_id, &t, &e) != POS_OK) {
		log_error("flow", "transaction %lld: the answer to its %s could not be "
		          "recorded: %s", (long long)txn_id, daraja_api_name(r->api),
		          pos_err_format(&e, msg, sizeof msg));
		return;
	}
	pos_err_format(&r->err, msg, sizeof msg);
	if (t.state != TXN_SENT) {
		/* The result (a callback) overtook the answer: keep the ids only. */
		if (r->cls == DARAJA_OK && r->api != DARAJA_API_STK_PUSH) {
			struct store_txn_fields ids = {
				.conversation_id = r->as.ack.conversation_id,
				.originator_conversation_id = r->as.ack.originator_conversation_id,
			};
			(void)store_txn_update(app_store(a), t.id, &ids, "answer",
			                       "accepted (the result came first)", NULL, NULL);
		} else if (r->cls == DARAJA_OK) {
			struct store_txn_fields ids = {
				.merchant_request_id = r->as.stk_push.merchant_request_id,
				.checkout_request_id = r->as.stk_push.checkout_request_id,
			};
			(void)store_txn_update(app_store(a), t.id, &ids, "answer",
			                       "accepted (the result came first)", NULL, NULL);
		}
		log_info("flow", "%s %s: %s, already %s", t.public_id, daraja_api_name(r->api),
		         daraja_class_name(r->cls), txn_state_name(t.state));
		return;
	}
	switch (r->cls) {
	case DARAJA_OK: {
		struct store_txn_fields set = {0};
		if (r->api == DARAJA_API_STK_PUSH) {
			set.merchant_request_id = r->as.stk_push.merchant_request_id;
			set.checkout_request_id = r->as.stk_push.checkout_request_id;
			str_fmt(detail, sizeof detail, "accepted: %s",
			        r->as.stk_push.customer_message);
		} else {
			set.conversation_id = r->as.ack.conversation_id;
			set.originator_conversation_id = r->as.ack.originator_conversation_id;
			str_fmt(detail, sizeof detail, "accepted: %s",
			        r->as.ack.response_description);
		}
		flow_move(a, &t, TXN_AWAITING, TXN_BY_SYSTEM, 0, &set, "answer", detail, NULL);
		break;
	}
	case DARAJA_REFUSED: {
		char desc[STORE_RESULT_DESC_MAX];
		str_copy(desc, sizeof desc, msg);
		struct store_txn_fields set = {
			.result_code = r->code[0] ? r->code : "local:refused",
			.result_desc = desc,
		};
		flow_move(a, &t, TXN_FAILED, TXN_BY_SYSTEM, 0, &set, "answer", desc, NULL);
		break;
	}
	case DARAJA_UNREACHABLE:
	case DARAJA_BREAKER_OPEN:
	case DARAJA_THROTTLED_LOCAL: {
		char desc[STORE_RESULT_DESC_MAX];
		str_fmt(desc, sizeof desc, "Not sent: %s", msg);
		struct store_txn_fields set = {.result_code = local_code(r->cls),
		                               .result_desc = desc};
		flow_move(a, &t, TXN_FAILED, TXN_BY_SYSTEM, 0, &set, "not sent", desc, NULL);
		break;
	}
	default: /* UNKNOWN (and anything unexpected): never resent */
		str_fmt(detail, sizeof detail, "outcome unknown (%s): %s",
		        r->code[0] ? r->code : "no answer", msg);
		flow_move(a, &t, TXN_UNKNOWN, TXN_BY_SYSTEM, 0, NULL, "answer", detail, NULL);
		break;
	}
	log_info("flow", "%s %s: %s -> %s", t.public_id, daraja_api_name(r->api),
	         daraja_class_name(r->cls), txn_state_name(t.state));
}

/* ---- accessors ------------------------------------------------------------------- */

bool app_flow_done(const struct app_flow *f)
{
	return f->done;
}

enum app_flow_kind app_flow_kind(const struct app_flow *f)
{
	return f->fk;
}

const struct store_txn *app_flow_txn(const struct app_flow *f)
{
	return f->have_txn ? &f->txn : NULL;
}

const char *app_flow_note(const struct app_flow *f)
{
	return f->note;
}

const struct pos_err *app_flow_error(const struct app_flow *f)
{
	return &f->err;
}

int64_t app_flow_prompt_left_s(const struct app_flow *f)
{
	if (!f->have_txn || f->txn.kind != TXN_KIND_STK || !f->txn.deadline_at ||
	    txn_state_is_terminal(f->txn.state))
		return -1;
	int64_t left = f->txn.deadline_at - app_now_ms(f->app);
	return left > 0 ? (left + 999) / 1000 : 0;
}

enum pos_status app_track_start(struct app_loop *l, int64_t txn_id,
                                app_flow_fn fn, void *user,
                                struct app_flow **out, struct pos_err *err)
{
	struct app_flow *f;
	enum pos_status rc = flow_new(l, APP_FLOW_TRACK, NULL, fn, user, &f, err);
	if (rc != POS_OK)
		return rc;
	f->txn_id = txn_id;
	if (!flow_reload(f)) {
		if (err)
			*err = f->err;
		rc = f->err.code;
		app_flow_free(f);
		return rc;
	}
	flow_follow(f, 0);
	*out = f;
	return POS_OK;
}
