/* ui/flows.c: the flows this console started, owned here so that leaving a
 * screen never abandons a transaction. */
#include <string.h>

#include "base/str.h"
#include "ui/ui_int.h"

void ui_flows_init(struct ui_flows *fl, struct ui *ui)
{
	memset(fl, 0, sizeof *fl);
	for (size_t i = 0; i < UI_FLOWS_MAX; i++)
		fl->slot[i].ui = ui;
}

static void release_slot(struct ui_flow *s)
{
	app_flow_free(s->flow);
	s->flow = NULL;
	s->fn = NULL;
	s->owner = NULL;
}

void ui_flows_release(struct ui_flows *fl)
{
	for (size_t i = 0; i < UI_FLOWS_MAX; i++)
		if (fl->slot[i].flow)
			release_slot(&fl->slot[i]);
}

void ui_flows_reap(struct ui_flows *fl)
{
	for (size_t i = 0; i < UI_FLOWS_MAX; i++) {
		struct ui_flow *s = &fl->slot[i];
		if (s->flow && !s->owner && app_flow_done(s->flow))
			release_slot(s);
	}
}

bool ui_flows_busy(const struct ui_flows *fl)
{
	for (size_t i = 0; i < UI_FLOWS_MAX; i++) {
		const struct ui_flow *s = &fl->slot[i];
		if (s->flow && app_flow_kind(s->flow) == APP_FLOW_CHARGE &&
		    !app_flow_done(s->flow))
			return true;
	}
	return false;
}

void ui_app_operator(const struct ui *ui, struct app_operator *out)
{
	const struct ui_operator *op = ui_operator(ui);
	memset(out, 0, sizeof *out);
	out->id = op->id;
	str_copy(out->name, sizeof out->name, op->name);
	out->role = op->role;
}

/* Every change of a flow passes here (inside the loop's turn). */
static void trampoline(void *user, struct app_flow *f)
{
	struct ui_flow *s = user;
	if (!s->flow)
		s->flow = f; /* a change told before the start call returned */
	if (s->owner && s->fn)
		s->fn(s->ui, s->owner, s);
	ui_dirty(s->ui);
}

/* A free slot for a flow about to start, or NULL (err says why). */
static struct ui_flow *claim(struct ui *ui, ui_flow_fn fn, void *owner,
                             struct pos_err *err)
{
	struct ui_flows *fl = ui_flows_of(ui);
	ui_flows_reap(fl);
	for (size_t i = 0; i < UI_FLOWS_MAX; i++)
		if (!fl->slot[i].flow) {
			fl->slot[i].fn = fn;
			fl->slot[i].owner = owner;
			return &fl->slot[i];
		}
	pos_err_set(err, POS_E_BUSY, NULL,
	            "%d requests are already in progress on this till",
	            (int)UI_FLOWS_MAX);
	pos_err_hint(err, "wait for one of them to finish (see History)");
	return NULL;
}

/* Keep the started flow, or give the slot back when it did not start. */
static struct ui_flow *keep(struct ui_flow *s, enum pos_status st,
                            struct app_flow *f)
{
	if (st != POS_OK) {
		s->flow = NULL;
		s->fn = NULL;
		s->owner = NULL;
		return NULL;
	}
	s->flow = f;
	return s;
}

struct ui_flow *ui_flow_charge(struct ui *ui, const struct app_charge_req *rq,
                               ui_flow_fn fn, void *owner, struct pos_err *err)
{
	struct app_operator op;
	ui_app_operator(ui, &op);
	struct ui_flow *s = claim(ui, fn, owner, err);
	if (!s)
		return NULL;
	struct app_flow *f = NULL;
	enum pos_status st = app_charge_start(ui_loop(ui), &op, rq, trampoline, s, &f, err);
	return keep(s, st, f);
}

struct ui_flow *ui_flow_status(struct ui *ui, const char *public_id,
                               ui_flow_fn fn, void *owner, struct pos_err *err)
{
	struct app_operator op;
	ui_app_operator(ui, &op);
	struct ui_flow *s = claim(ui, fn, owner, err);
	if (!s)
		return NULL;
	struct app_flow *f = NULL;
	enum pos_status st =
		app_status_start(ui_loop(ui), &op, public_id, trampoline, s, &f, err);
	return keep(s, st, f);
}

struct ui_flow *ui_flow_resolve(struct ui *ui, const struct app_resolve_req *rq,
                                ui_flow_fn fn, void *owner, struct pos_err *err)
{
	struct app_operator op;
	ui_app_operator(ui, &op);
	struct ui_flow *s = claim(ui, fn, owner, err);
	if (!s)
		return NULL;
	struct app_flow *f = NULL;
	enum pos_status st = app_resolve_start(ui_loop(ui), &op, rq, trampoline, s, &f, err);
	return keep(s, st, f);
}

struct ui_flow *ui_flow_track(struct ui *ui, int64_t txn_id, ui_flow_fn fn,
                              void *owner, struct pos_err *err)
{
	struct ui_flow *s = claim(ui, fn, owner, err);
	if (!s)
		return NULL;
	struct app_flow *f = NULL;
	enum pos_status st = app_track_start(ui_loop(ui), txn_id, trampoline, s, &f, err);
	return keep(s, st, f);
}

void ui_flow_detach(struct ui_flow *fl)
{
	if (!fl)
		return;
	fl->owner = NULL;
	fl->fn = NULL;
}
