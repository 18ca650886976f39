/* app/reconcile.c: one resolution step for every transaction that is not
 * final, a few at a time (Daraja throttles bursts of queries). */
#include "app/app_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

enum { RECONCILE_MAX = 500, RECONCILE_PARALLEL = 4 };

struct app_reconcile {
	struct app_loop *loop;
	bool force;
	struct store_txn *rows;   /* as listed; updated when each flow ends */
	struct app_flow **flows;
	bool *ended;
	size_t n, next, running;
	struct app_reconcile_stats stats;
	struct flow_timing tm;
};

static void start_next(struct app_reconcile *r);

static void on_flow(void *user, struct app_flow *f)
{
	struct app_reconcile *r = user;
	if (!app_flow_done(f))
		return;
	for (size_t i = 0; i < r->next; i++) {
		if (r->flows[i] != f || r->ended[i])
			continue;
		r->ended[i] = true;
		if (app_flow_txn(f))
			r->rows[i] = *app_flow_txn(f);
		/* Freed with the pass (not inside its own callback). */
		r->running--;
		start_next(r);
		return;
	}
}

static void start_next(struct app_reconcile *r)
{
	struct app *a = app_loop_app(r->loop);
	while (r->running < RECONCILE_PARALLEL && r->next < r->n) {
		size_t i = r->next++;
		struct store_txn *t = &r->rows[i];
		struct pos_err e;
		if (t->state == TXN_UNRESOLVED || t->state == TXN_REVIEW) {
			/* A supervisor's turn: keep it off the due list for a day. */
			(void)store_txn_schedule(app_store(a), t->id, t->attempts,
			                         app_now_ms(a) + r->tm.parked_ms, NULL);
			continue;
		}
		struct app_flow *f;
		if (flow_new(r->loop, APP_FLOW_TRACK, NULL, on_flow, r, &f, &e) != POS_OK)
			continue;
		f->txn_id = t->id;
		f->txn = *t;
		f->have_txn = true;
		f->mode = FLOW_PASS;
		f->force = r->force;
		f->patient = r->force;
		r->flows[i] = f;
		r->running++;
		flow_follow(f, 0);
	}
}

enum pos_status app_reconcile_start(struct app_loop *l, bool force,
                                    struct app_reconcile **out,
                                    struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	struct app_reconcile *r = calloc(1, sizeof *r);
	if (!r)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	r->loop = l;
	r->force = force;
	flow_timing_of(app_config(a), &r->tm);
	r->rows = calloc(RECONCILE_MAX, sizeof *r->rows);
	r->flows = calloc(RECONCILE_MAX, sizeof *r->flows);
	r->ended = calloc(RECONCILE_MAX, sizeof *r->ended);
	if (!r->rows || !r->flows || !r->ended) {
		app_reconcile_free(r);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	enum pos_status rc = store_txn_list_open(app_store(a), force ? 0 : app_now_ms(a),
	                                         r->rows, RECONCILE_MAX, &r->n, err);
	if (rc != POS_OK) {
		app_reconcile_free(r);
		return rc;
	}
	if (r->n && !app_daraja(a, err)) {
		rc = err ? err->code : POS_E_CONFIG;
		app_reconcile_free(r);
		return rc;
	}
	if (r->n)
		log_info("reconcile", "%zu open transaction%s to look at", r->n,
		         r->n == 1 ? "" : "s");
	*out = r;
	start_next(r);
	return POS_OK;
}

bool app_reconcile_done(const struct app_reconcile *r)
{
	return r->next >= r->n && r->running == 0;
}

void app_reconcile_stats(const struct app_reconcile *r,
                         struct app_reconcile_stats *out)
{
	memset(out, 0, sizeof *out);
	out->checked = r->n;
	for (size_t i = 0; i < r->n; i++) {
		const struct store_txn *t = r->flows[i] && app_flow_txn(r->flows[i])
		                                    ? app_flow_txn(r->flows[i])
		                                    : &r->rows[i];
		if (txn_state_is_terminal(t->state))
			out->finished++;
		else if (t->state == TXN_UNRESOLVED || t->state == TXN_REVIEW)
			out->unresolved++;
		else
			out->still_open++;
	}
}

size_t app_reconcile_count(const struct app_reconcile *r)
{
	return r->n;
}

const struct store_txn *app_reconcile_txn(const struct app_reconcile *r, size_t i)
{
	if (i >= r->n)
		return NULL;
	if (r->flows[i] && app_flow_txn(r->flows[i]))
		return app_flow_txn(r->flows[i]);
	return &r->rows[i];
}

void app_reconcile_free(struct app_reconcile *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->flows && i < r->n; i++)
		app_flow_free(r->flows[i]);
	free(r->flows);
	free(r->ended);
	free(r->rows);
	free(r);
}
