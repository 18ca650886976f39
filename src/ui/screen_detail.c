/* ui/screen_detail.c: one transaction: what it is, Daraja's ids, the whole
 * timeline of requests, answers and callbacks, the raw callbacks on
 * request, and for a supervisor the way to close one nobody could settle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/c2b.h"
#include "app/flow.h"
#include "base/str.h"
#include "core/phone.h"
#include "core/result.h"
#include "ui/ui_int.h"

enum { TL_MAX = 400, CB_MAX = 32 };
enum mode { M_INFO, M_RAW, M_RESOLVE };

struct tl_row {
	int64_t at;
	char what[24];
	char change[40];
	char detail[160];
	int64_t operator_id;
	int64_t callback_id;
};

struct detail {
	int64_t id;
	struct store_txn t;
	bool have;
	char problem[POS_ERR_MSG_MAX];
	const char *arrow;
	struct tl_row *tl;
	size_t n_tl;
	bool tl_more;
	int scroll;
	enum mode mode;
	/* raw callbacks */
	int64_t cb_ids[CB_MAX];
	size_t n_cb, cb_at;
	struct store_callback_row cb;
	bool have_cb;
	struct ui_lines cb_lines;
	int cb_scroll;
	/* resolve */
	struct ui_field receipt;
	struct ui_flow *flow; /* check now, or resolve */
	bool resolving;
	/* reversal: the payment this one reverses, or its reversal */
	char link[80];
};

/* ---- loading -------------------------------------------------------------- */
static bool on_tl(const struct store_timeline_row *r, void *ctx)
{
	struct detail *d = ctx;
	if (d->n_tl == TL_MAX) {
		d->tl_more = true;
		return false;
	}
	struct tl_row *o = &d->tl[d->n_tl++];
	memset(o, 0, sizeof *o);
	o->at = r->at;
	str_copy(o->what, sizeof o->what, r->what);
	if (r->from_state[0])
		snprintf(o->change, sizeof o->change, "%s %s %s", r->from_state,
		         d->arrow, r->to_state);
	/* One line of the detail, control characters made spaces. */
	str_copy(o->detail, sizeof o->detail, r->detail);
	for (char *p = o->detail; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	o->operator_id = r->operator_id;
	o->callback_id = r->callback_id;
	return true;
}

/* "Reverses T000001Y" / "Reversed by T000003Q (REVERSED)". */
static void load_link(struct ui *ui, struct detail *d)
{
	struct store_txn o;
	bool found = false;
	d->link[0] = '\0';
	if (d->t.kind == TXN_KIND_REVERSAL && d->t.original_txn_id &&
	    store_txn_get(ui_store(ui), d->t.original_txn_id, &o, NULL) == POS_OK)
		snprintf(d->link, sizeof d->link, "Reverses %s (%s)", o.public_id, o.receipt);
	else if ((d->t.kind == TXN_KIND_STK || d->t.kind == TXN_KIND_C2B) &&
	         app_reversal_of(ui_app(ui), d->t.id, &o, &found, NULL) == POS_OK && found)
		snprintf(d->link, sizeof d->link, "Reversed by %s (%s)", o.public_id,
		         ui_state_short(&o));
}

/* A completed customer payment can be reversed (Daraja reverses no B2C). */
static bool reversible(const struct detail *d)
{
	return d->have && !d->link[0] && d->t.state == TXN_COMPLETED && d->t.receipt[0] &&
	       (d->t.kind == TXN_KIND_STK || d->t.kind == TXN_KIND_C2B);
}

static void load(struct ui *ui, struct detail *d)
{
	struct pos_err err;
	pos_err_clear(&err);
	if (store_txn_get(ui_store(ui), d->id, &d->t, &err) != POS_OK) {
		str_copy(d->problem, sizeof d->problem, err.msg);
		d->have = false;
		return;
	}
	d->have = true;
	d->problem[0] = '\0';
	load_link(ui, d);
	d->n_tl = 0;
	d->tl_more = false;
	if (store_txn_timeline(ui_store(ui), d->id, on_tl, d, &err) != POS_OK)
		str_copy(d->problem, sizeof d->problem, err.msg);
}

static void load_callback(struct ui *ui, struct detail *d)
{
	if (d->have_cb)
		store_callback_row_release(&d->cb);
	d->have_cb = false;
	ui_lines_release(&d->cb_lines);
	d->cb_scroll = 0;
	if (d->cb_at >= d->n_cb)
		return;
	struct pos_err err;
	pos_err_clear(&err);
	if (store_callback_get(ui_store(ui), d->cb_ids[d->cb_at], &d->cb, &err) != POS_OK) {
		str_copy(d->problem, sizeof d->problem, err.msg);
		return;
	}
	d->have_cb = true;
	ui_lines_json(d->cb.body ? d->cb.body : "", d->cb.body_len, &d->cb_lines);
}

static void open_raw(struct ui *ui, struct detail *d)
{
	struct pos_err err;
	pos_err_clear(&err);
	d->n_cb = 0;
	if (store_callback_ids_for(ui_store(ui), d->id, d->cb_ids, CB_MAX, &d->n_cb,
	                           &err) != POS_OK) {
		ui_message_err(ui, &err);
		return;
	}
	if (!d->n_cb) {
		ui_message(ui, UI_MSG_INFO,
		           "No callback has come for %s yet: its timeline shows what is known.",
		           d->t.public_id);
		return;
	}
	d->cb_at = 0;
	d->mode = M_RAW;
	load_callback(ui, d);
}

/* ---- flows: check now, resolve ------------------------------------------ */
static void on_flow(struct ui *ui, void *owner, struct ui_flow *fl)
{
	struct detail *d = owner;
	if (!fl->flow || !app_flow_done(fl->flow))
		return;
	const struct pos_err *e = app_flow_error(fl->flow);
	if (e->code != POS_OK)
		ui_message_err(ui, e);
	else if (d->resolving)
		ui_message(ui, UI_MSG_GOOD, "%s is closed.", d->t.public_id);
	else
		ui_message(ui, UI_MSG_INFO, "%s", app_flow_note(fl->flow));
	ui_flow_detach(fl);
	d->flow = NULL;
	d->resolving = false;
	load(ui, d);
}

/* A flow just started: keep it while it runs. One that finished inside
 * its start call has already been told (on_flow) and let go. */
static void started(struct ui *ui, struct detail *d, struct ui_flow *fl,
                    const struct pos_err *err)
{
	if (!fl) {
		d->resolving = false;
		ui_message_err(ui, err);
		return;
	}
	if (fl->owner)
		d->flow = fl;
}

static bool open_state(enum txn_state s)
{
	return s == TXN_SENT || s == TXN_AWAITING || s == TXN_UNKNOWN ||
	       s == TXN_UNRESOLVED || s == TXN_REVIEW || s == TXN_CREATED;
}

static void check_now(struct ui *ui, struct detail *d)
{
	if (!open_state(d->t.state)) {
		ui_message(ui, UI_MSG_INFO, "%s is final (%s): there is nothing to check.",
		           d->t.public_id, ui_state_short(&d->t));
		return;
	}
	if (d->flow)
		return;
	struct pos_err err;
	pos_err_clear(&err);
	ui_message(ui, UI_MSG_INFO, "Asking M-Pesa about %s ...", d->t.public_id);
	started(ui, d, ui_flow_status(ui, d->t.public_id, on_flow, d, &err), &err);
}

static void resolve(struct ui *ui, struct detail *d, bool paid)
{
	struct pos_err err;
	pos_err_clear(&err);
	str_trim(d->receipt.text);
	if (paid && !d->receipt.text[0]) {
		str_copy(d->receipt.err, sizeof d->receipt.err,
		         "Type the receipt number from the customer's M-Pesa SMS (like TCE7Q2M4XA).");
		return;
	}
	struct app_resolve_req rq = {
		.txn = d->t.public_id,
		.paid = paid,
		.receipt = paid ? d->receipt.text : NULL,
	};
	d->resolving = true;
	d->mode = M_INFO;
	ui_message(ui, UI_MSG_INFO, paid ? "Checking receipt %s with M-Pesa ..."
	                                 : "Closing %s as not paid ...",
	           paid ? d->receipt.text : d->t.public_id);
	started(ui, d, ui_flow_resolve(ui, &rq, on_flow, d, &err), &err);
}

/* ---- screen operations -------------------------------------------------- */
static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	if (!arg)
		return pos_err_set(err, POS_E_INTERNAL, "detail", "no transaction was chosen");
	struct detail *d = calloc(1, sizeof *d);
	if (!d)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	d->tl = calloc(TL_MAX, sizeof *d->tl);
	if (!d->tl) {
		free(d);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	d->id = *(const int64_t *)arg;
	d->arrow = ui_glyphs(ui)->arrow;
	d->receipt = (struct ui_field){.label = "Receipt", .max_chars = 20};
	load(ui, d);
	*self = d;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct detail *d = self;
	ui_flow_detach(d->flow);
	if (d->have_cb)
		store_callback_row_release(&d->cb);
	ui_lines_release(&d->cb_lines);
	free(d->tl);
	free(d);
}

static unsigned context(const void *self)
{
	const struct detail *d = self;
	return d->mode == M_RAW ? UI_CX_RAW : d->mode == M_RESOLVE ? UI_CX_RESOLVE
	       : reversible(d) ? UI_CX_DETAIL | UI_CX_REVERSIBLE
	                       : UI_CX_DETAIL;
}

static bool typing(const void *self)
{
	const struct detail *d = self;
	return d->mode == M_RESOLVE;
}

static unsigned key_raw(struct ui *ui, struct detail *d, const struct ui_key *k)
{
	switch (k->act) {
	case UI_ACT_UP:
		if (d->cb_scroll > 0)
			d->cb_scroll--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if ((size_t)d->cb_scroll + 1 < d->cb_lines.n)
			d->cb_scroll++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PAGE_DOWN:
		if (d->cb_at + 1 < d->n_cb) {
			d->cb_at++;
			load_callback(ui, d);
		}
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PAGE_UP:
		if (d->cb_at > 0) {
			d->cb_at--;
			load_callback(ui, d);
		}
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		d->mode = M_INFO;
		return UI_HANDLED | UI_REDRAW;
	default:
		return UI_UNHANDLED;
	}
}

static unsigned key_resolve(struct ui *ui, struct detail *d, const struct ui_key *k)
{
	switch (k->act) {
	case UI_ACT_RESOLVE_PAID:
		resolve(ui, d, true);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_RESOLVE_FAILED:
		resolve(ui, d, false);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		d->mode = M_INFO;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_NEXT:
	case UI_ACT_PREV:
		return UI_HANDLED;
	default:
		break;
	}
	d->receipt.err[0] = '\0';
	if (ui_field_key(&d->receipt, k) || d->receipt.err[0])
		return UI_HANDLED | UI_REDRAW;
	return UI_UNHANDLED;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct detail *d = self;
	if (d->mode == M_RAW)
		return key_raw(ui, d, k);
	if (d->mode == M_RESOLVE)
		return key_resolve(ui, d, k);
	if (!d->have && k->act != UI_ACT_BACK)
		return UI_UNHANDLED;
	switch (k->act) {
	case UI_ACT_UP:
		if (d->scroll > 0)
			d->scroll--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if ((size_t)d->scroll + 1 < d->n_tl)
			d->scroll++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_RAW:
		open_raw(ui, d);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_CHECK_NOW:
		check_now(ui, d);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_RESOLVE:
		if (d->t.state != TXN_UNRESOLVED && d->t.state != TXN_REVIEW) {
			ui_message(ui, UI_MSG_INFO,
			           "Only an unresolved or held transaction is closed by hand; %s is %s.",
			           d->t.public_id, ui_state_short(&d->t));
			return UI_HANDLED | UI_REDRAW;
		}
		ui_field_clear(&d->receipt);
		d->mode = M_RESOLVE;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PRINT: {
		struct pos_err err;
		pos_err_clear(&err);
		char saved[UI_PATH_MAX];
		if (ui_receipt_print(ui, &d->t, saved, sizeof saved, &err) != POS_OK)
			ui_message_err(ui, &err);
		else
			ui_message(ui, UI_MSG_GOOD, "Receipt saved to %s", saved);
		return UI_HANDLED | UI_REDRAW;
	}
	case UI_ACT_REVERSE:
		if (reversible(d))
			ui_push(ui, &ui_screen_reverse, &d->id);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

static unsigned notify(struct ui *ui, void *self, const int64_t *ids, size_t n,
                       bool all)
{
	struct detail *d = self;
	bool mine = all;
	for (size_t i = 0; i < n && !mine; i++)
		mine = ids[i] == d->id;
	if (!mine || d->mode != M_INFO)
		return 0;
	load(ui, d);
	return UI_REDRAW;
}

/* ---- drawing -------------------------------------------------------------- */
static void pair(const struct ui *ui, int y, int x, int w, const char *label,
                 const char *value)
{
	int lw = ui_put(y, x, w, ui_attr(ui, UI_A_DIM), label);
	ui_put(y, x + lw + 1, w - lw - 1, A_NORMAL, value[0] ? value : "-");
}

static const char *what_next(const struct store_txn *t)
{
	switch (t->state) {
	case TXN_UNRESOLVED:
		return "Nobody could confirm whether the customer paid. Ask for the "
		       "customer's M-Pesa SMS; a supervisor closes it with F6 Resolve.";
	case TXN_REVIEW:
		return "A callback contradicted the record (amount, phone or receipt). "
		       "Held: a supervisor checks it and closes it with F6 Resolve.";
	case TXN_UNKNOWN:
		return "The outcome is not known yet: it is being checked with M-Pesa. "
		       "Do not hand over goods until it says PAID.";
	default:
		return NULL;
	}
}

static void draw_info(struct ui *ui, struct detail *d, const struct ui_rect *b)
{
	const struct store_txn *t = &d->t;
	int x = b->x + 1, w = b->w - 2, half = w / 2, y = b->y;
	char v[STORE_RESULT_DESC_MAX + 64], a[64];
	snprintf(v, sizeof v, "%s  %s  %s", t->public_id, txn_kind_label(t->kind),
	         ui_state_short(t));
	ui_put(y++, x, w, ui_attr(ui, UI_A_TITLE), v);
	pair(ui, y, x, half, "Amount", ui_amount(t, a, sizeof a));
	phone_pretty(t->msisdn, a, sizeof a);
	pair(ui, y++, x + half, w - half, "Phone", a);
	pair(ui, y, x, half, "Receipt", t->kind == TXN_KIND_CASH ? t->other_means : t->receipt);
	pair(ui, y++, x + half, w - half, "Payer", t->payer_name);
	pair(ui, y, x, half, "Reference", t->account_reference);
	pair(ui, y++, x + half, w - half, "Description", t->description);
	char c[24], u[24];
	snprintf(v, sizeof v, "%s, updated %s", ui_time_short(t->created_at, c, sizeof c),
	         ui_time_hms(t->updated_at, u, sizeof u));
	pair(ui, y, x, half, "Created", v);
	snprintf(v, sizeof v, "%lld at %s", (long long)t->operator_id, t->till_id);
	pair(ui, y++, x + half, w - half, "Operator", v);
	if (t->merchant_request_id[0] || t->checkout_request_id[0]) {
		pair(ui, y++, x, w, "MerchantRequestID", t->merchant_request_id);
		pair(ui, y++, x, w, "CheckoutRequestID", t->checkout_request_id);
	}
	if (t->conversation_id[0] || t->originator_conversation_id[0]) {
		pair(ui, y++, x, w, "ConversationID", t->conversation_id);
		pair(ui, y++, x, w, "OriginatorConversationID", t->originator_conversation_id);
	}
	if (t->result_code[0]) {
		snprintf(v, sizeof v, "%s %s", t->result_code, t->result_desc);
		pair(ui, y++, x, w, "Result", v);
	}
	if (d->link[0])
		pair(ui, y++, x, w, "Reversal", d->link);
	const char *next = what_next(t);
	if (next)
		y += ui_wrap(y, x, w, 2, ui_attr(ui, UI_A_WARN), next);

	int tl_y = y;
	snprintf(v, sizeof v, "Timeline (%zu%s) ", d->n_tl, d->tl_more ? "+" : "");
	int tw = ui_put(tl_y, x, w, ui_attr(ui, UI_A_TITLE), v);
	ui_hline(ui, tl_y, x + tw, w - tw, ui_attr(ui, UI_A_DIM));
	y++;
	for (size_t i = (size_t)d->scroll; i < d->n_tl && y < b->y + b->h; i++, y++) {
		const struct tl_row *r = &d->tl[i];
		char at[16], who[24] = "";
		if (r->operator_id)
			snprintf(who, sizeof who, " by %lld", (long long)r->operator_id);
		snprintf(v, sizeof v, "%s  %-9s %-21s %s%s", ui_time_hms(r->at, at, sizeof at),
		         r->what, r->change, r->detail, who);
		ui_put(y, x, w, A_NORMAL, v);
	}
	if (d->problem[0])
		ui_put(b->y + b->h - 1, x, w, ui_attr(ui, UI_A_ERROR), d->problem);
}

static void draw_raw(struct ui *ui, struct detail *d, const struct ui_rect *b)
{
	int x = b->x + 1, w = b->w - 2, y = b->y;
	char v[640], at[16];
	if (!d->have_cb) {
		ui_put(y, x, w, ui_attr(ui, UI_A_ERROR), d->problem);
		return;
	}
	snprintf(v, sizeof v, "Callback %zu of %zu for %s: %s, received %s from %s, %s%s%s",
	         d->cb_at + 1, d->n_cb, d->t.public_id, d->cb.route,
	         ui_time_hms(d->cb.received_at, at, sizeof at), d->cb.source,
	         store_cb_outcome_name(d->cb.outcome), d->cb.reason[0] ? ": " : "",
	         d->cb.reason);
	y += ui_wrap(y, x, w, 2, ui_attr(ui, UI_A_TITLE), v);
	ui_hline(ui, y++, x, w, ui_attr(ui, UI_A_DIM));
	for (size_t i = (size_t)d->cb_scroll; i < d->cb_lines.n && y < b->y + b->h; i++)
		ui_put(y++, x, w, A_NORMAL, d->cb_lines.line[i]);
	if (d->cb_lines.truncated && y < b->y + b->h)
		ui_put(y, x, w, ui_attr(ui, UI_A_DIM), "(the rest is not shown)");
}

static void draw_resolve(struct ui *ui, struct detail *d, const struct ui_rect *b)
{
	int x = b->x + 2, w = b->w - 4, y = b->y + 1;
	char v[200], a[48];
	snprintf(v, sizeof v, "Close %s (%s to %s) by hand", d->t.public_id,
	         ui_amount(&d->t, a, sizeof a), d->t.msisdn);
	ui_put(y, x, w, ui_attr(ui, UI_A_TITLE), v);
	y += 2;
	y += ui_wrap(y, x, w, 3, A_NORMAL,
	             "PAID: type the receipt number from the customer's M-Pesa SMS; it is "
	             "checked with M-Pesa before the sale is closed as paid. FAILED: no "
	             "money moved; the sale is closed as not paid.");
	ui_field_draw(ui, &d->receipt, y + 1, x, 10, 22, true);
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct detail *d = self;
	if (!d->have) {
		ui_wrap(b->y + 1, b->x + 2, b->w - 4, 3, ui_attr(ui, UI_A_ERROR), d->problem);
		return;
	}
	if (d->mode == M_RAW)
		draw_raw(ui, d, b);
	else if (d->mode == M_RESOLVE)
		draw_resolve(ui, d, b);
	else
		draw_info(ui, d, b);
}

const struct screen_ops ui_screen_detail = {
	.name = "detail",
	.title = "Transaction",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
	.notify = notify,
};
