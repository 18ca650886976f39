/* ui/screen_charge.c: take an M-Pesa payment. The form checks each field as
 * it is typed; Enter shows the amount and the number in large type for a
 * last look; then a live panel follows the charge (app/flow.h) to its
 * outcome, in large plain words. Nothing here decides an outcome: a charge
 * whose outcome is not known says so until the flow knows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/flow.h"
#include "base/str.h"
#include "core/fields.h"
#include "core/money.h"
#include "core/phone.h"
#include "core/result.h"
#include "ui/ui_int.h"

enum { F_PHONE, F_AMOUNT, F_REF, F_DESC, F_COUNT };
enum mode { M_FORM, M_CONFIRM, M_CASH, M_LIVE, M_DONE };

struct sale {
	char phone[UI_FIELD_MAX + 1], amount[UI_FIELD_MAX + 1];
	char ref[UI_FIELD_MAX + 1], desc[UI_FIELD_MAX + 1];
	struct phone ph;          /* the number, normalised */
	int64_t minor;            /* the amount */
};

struct charge {
	enum mode mode;
	struct ui_field f[F_COUNT];
	int focus;
	struct sale sale;          /* what was confirmed (for Try again) */
	struct ui_flow *flow;      /* the charge in flight or just done */
	struct store_txn txn;      /* as last read from the flow */
	bool have_txn;
	char note[200];
	struct pos_err flow_err;
	int64_t prompt_left;
	bool cash;                 /* DONE shows a cash sale */
	char background[STORE_PUBLIC_ID_MAX]; /* a charge left to finish alone */
	int64_t redraw_at;         /* monotonic: next countdown redraw */
};

/* ---- checking as typed ------------------------------------------------- */
static void limits_of(struct ui *ui, struct money_limits *l)
{
	const struct config *cfg = ui_config(ui);
	money_limits_default(l);
	money_limits_set(l, CURRENCY_KES, MONEY_OP_CHARGE, cfg->limits.stk_min_amount * MONEY_SCALE,
	                 cfg->limits.stk_max_amount * MONEY_SCALE, NULL);
}

/* Could more digits still make this a good value? */
static bool completes(const char *text, enum pos_status (*check)(const char *, void *),
                      void *ctx)
{
	char probe[UI_FIELD_MAX + 16];
	for (int extra = 1; extra <= 10; extra++) {
		int n = snprintf(probe, sizeof probe, "%s%.*s", text, extra, "0000000000");
		if (n < 0 || (size_t)n >= sizeof probe)
			return false;
		if (check(probe, ctx) == POS_OK)
			return true;
	}
	return false;
}

static enum pos_status phone_ok(const char *s, void *ctx)
{
	(void)ctx;
	struct phone ph;
	return phone_normalize(s, PHONE_DEFAULT_COUNTRY, &ph, NULL);
}

static enum pos_status amount_ok(const char *s, void *ctx)
{
	int64_t minor;
	enum pos_status st = money_parse(s, CURRENCY_KES, &minor, NULL);
	if (st != POS_OK)
		return st;
	return money_check_limit(ctx, CURRENCY_KES, MONEY_OP_CHARGE, minor, NULL);
}

/* Typed text no digits can complete into a number: say what is wrong with
 * it whole (its prefix), not that it is short. */
static void why_never(const char *typed, struct pos_err *err)
{
	char probe[UI_FIELD_MAX + 16];
	size_t digits = 0;
	for (const char *p = typed; *p; p++)
		digits += *p >= '0' && *p <= '9';
	if (digits >= 10)
		return; /* long enough: the error is about the number as typed */
	snprintf(probe, sizeof probe, "%s%.*s", typed, (int)(10 - digits), "0000000000");
	struct phone ph;
	struct pos_err whole;
	pos_err_clear(&whole);
	if (phone_normalize(probe, PHONE_DEFAULT_COUNTRY, &ph, &whole) == POS_OK ||
	    !str_starts_with(whole.msg, probe) || strstr(whole.msg, "too "))
		return;
	char msg[POS_ERR_MSG_MAX];
	snprintf(msg, sizeof msg, "%s cannot be a Kenyan mobile number:%s", typed,
	         strchr(whole.msg + strlen(probe), ':') ? strchr(whole.msg + strlen(probe), ':') + 1
	                                                : " check it with the customer");
	str_copy(err->msg, sizeof err->msg, msg);
	err->hint[0] = '\0';
}

/* Check field i. final: the cashier is done with it (too short counts). */
static bool check_field(struct ui *ui, struct charge *c, int i, bool final)
{
	struct ui_field *f = &c->f[i];
	struct pos_err err;
	pos_err_clear(&err);
	f->err[0] = '\0';
	f->warning = false;
	f->note[0] = '\0';
	enum pos_status st = POS_OK;
	struct money_limits lim;
	limits_of(ui, &lim);
	switch (i) {
	case F_PHONE: {
		struct phone ph;
		st = phone_normalize(f->text, PHONE_DEFAULT_COUNTRY, &ph, &err);
		if (st == POS_OK) {
			char warn[PHONE_WARNING_MAX];
			phone_warning(&ph, warn, sizeof warn);
			if (warn[0]) {
				str_copy(f->err, sizeof f->err, warn); /* shown, not blocking */
				f->warning = true;
			}
			else if (str_eq(f->text, ph.pretty))
				snprintf(f->note, sizeof f->note, "%s %s", ui_glyphs(ui)->ok, ph.network);
			else
				snprintf(f->note, sizeof f->note, "%s %s %s", ui_glyphs(ui)->arrow,
				         ph.pretty, ph.network);
			c->sale.ph = ph;
			return true;
		}
		if (!final && (st == POS_E_EMPTY || completes(f->text, phone_ok, NULL)))
			return false;
		if (!completes(f->text, phone_ok, NULL))
			why_never(f->text, &err);
		break;
	}
	case F_AMOUNT: {
		int64_t minor = 0;
		st = money_parse(f->text, CURRENCY_KES, &minor, &err);
		if (st == POS_OK)
			st = money_check_limit(&lim, CURRENCY_KES, MONEY_OP_CHARGE, minor, &err);
		if (st == POS_OK) {
			money_format(minor, CURRENCY_KES, f->note, sizeof f->note);
			c->sale.minor = minor;
			return true;
		}
		if (!final && (st == POS_E_EMPTY || completes(f->text, amount_ok, &lim)))
			return false;
		break;
	}
	case F_REF:
		if (!f->text[0]) {
			str_copy(f->note, sizeof f->note, "empty: the sale's own id");
			return true;
		}
		st = fields_check_account_ref(f->text, &err);
		break;
	case F_DESC:
		if (!f->text[0]) {
			str_copy(f->note, sizeof f->note, "empty: Payment");
			return true;
		}
		st = fields_check_txn_desc(f->text, &err);
		break;
	default:
		return true;
	}
	if (st == POS_OK)
		return true;
	/* Two lines under the field: the hint only when it fits. */
	ui_sentence(f->err, sizeof f->err, &err);
	if (ui_text_width(f->err) > 2 * (COLS - 4 - 15 - 1) - 8) {
		err.hint[0] = '\0';
		ui_sentence(f->err, sizeof f->err, &err);
	}
	return false;
}

static bool form_ok(struct ui *ui, struct charge *c, bool need_phone)
{
	bool ok = true;
	for (int i = 0; i < F_COUNT; i++) {
		if (i == F_PHONE && !need_phone && !c->f[i].text[0])
			continue;
		bool good = check_field(ui, c, i, true);
		if (!good && ok) {
			c->focus = i;
			ok = false;
		}
	}
	return ok;
}

/* Show the number as Kenyans write it once the cashier moves on. */
static void tidy_phone(struct ui *ui, struct charge *c)
{
	if (check_field(ui, c, F_PHONE, false))
		ui_field_set(&c->f[F_PHONE], c->sale.ph.pretty);
}

static void form_reset(struct charge *c)
{
	static const char *const labels[F_COUNT] = {
		"Phone", "Amount (KES)", "Reference", "Description",
	};
	static const size_t caps[F_COUNT] = {20, 16, FIELDS_ACCOUNT_REF_MAX,
	                                     FIELDS_TXN_DESC_MAX};
	for (int i = 0; i < F_COUNT; i++)
		c->f[i] = (struct ui_field){.label = labels[i], .max_chars = caps[i]};
	c->focus = F_PHONE;
	c->mode = M_FORM;
}

/* ---- the flow ---------------------------------------------------------------- */
static void read_flow(struct ui *ui, struct charge *c)
{
	struct app_flow *f = c->flow ? c->flow->flow : NULL;
	if (!f)
		return;
	const struct store_txn *t = app_flow_txn(f);
	if (t) {
		c->txn = *t;
		c->have_txn = true;
		ui_status_daraja_seen(ui, t);
	}
	str_copy(c->note, sizeof c->note, app_flow_note(f));
	c->flow_err = *app_flow_error(f);
	c->prompt_left = app_flow_prompt_left_s(f);
	if (app_flow_done(f) && c->mode == M_LIVE) {
		c->mode = M_DONE;
		ui_message_clear(ui); /* "Asking M-Pesa..." is answered below */
		if (c->have_txn && (txn_state_is_terminal(c->txn.state) ||
		                    c->txn.state == TXN_UNRESOLVED))
			ui_bell(ui);
	}
}

static void on_flow(struct ui *ui, void *owner, struct ui_flow *fl)
{
	(void)fl;
	read_flow(ui, owner);
}

static void let_go(struct charge *c)
{
	if (!c->flow)
		return;
	if (c->flow->flow && !app_flow_done(c->flow->flow) && c->have_txn)
		str_copy(c->background, sizeof c->background, c->txn.public_id);
	ui_flow_detach(c->flow);
	c->flow = NULL;
}

static void send(struct ui *ui, struct charge *c)
{
	struct app_charge_req rq = {
		.phone = c->sale.phone,
		.amount = c->sale.amount,
		.account_ref = c->sale.ref,
		.description = c->sale.desc,
	};
	struct pos_err err;
	pos_err_clear(&err);
	let_go(c);
	c->have_txn = false;
	c->note[0] = '\0';
	pos_err_clear(&c->flow_err);
	c->cash = false;
	c->mode = M_LIVE;
	c->flow = ui_flow_charge(ui, &rq, on_flow, c, &err);
	if (!c->flow) {
		c->mode = M_FORM;
		if (err.field[0] && str_eq(err.field, "phone"))
			c->focus = F_PHONE;
		else if (str_eq(err.field, "amount"))
			c->focus = F_AMOUNT;
		ui_message_err(ui, &err);
		return;
	}
	c->background[0] = '\0';
	read_flow(ui, c);
}

static void keep_sale(struct charge *c)
{
	str_copy(c->sale.phone, sizeof c->sale.phone, c->f[F_PHONE].text);
	str_copy(c->sale.amount, sizeof c->sale.amount, c->f[F_AMOUNT].text);
	str_copy(c->sale.ref, sizeof c->sale.ref, c->f[F_REF].text);
	str_copy(c->sale.desc, sizeof c->sale.desc, c->f[F_DESC].text);
}

static void record_cash(struct ui *ui, struct charge *c)
{
	struct pos_err err;
	pos_err_clear(&err);
	struct app_cash_req rq = {
		.amount = c->sale.amount,
		.phone = c->f[F_PHONE].text[0] ? c->sale.phone : NULL,
		.account_ref = c->sale.ref,
		.description = c->sale.desc,
		.means = "cash",
	};
	struct app_operator op;
	ui_app_operator(ui, &op);
	let_go(c);
	if (app_cash_record(ui_app(ui), &op, &rq, &c->txn, &err) != POS_OK) {
		c->mode = M_FORM;
		ui_message_err(ui, &err);
		return;
	}
	c->have_txn = true;
	c->cash = true;
	c->note[0] = '\0';
	pos_err_clear(&c->flow_err);
	c->mode = M_DONE;
}

static void retry(struct ui *ui, struct charge *c)
{
	if (c->cash || !c->have_txn) {
		ui_message(ui, UI_MSG_INFO, "Nothing to try again: press Enter for a new sale.");
		return;
	}
	if (c->txn.state == TXN_COMPLETED) {
		ui_message(ui, UI_MSG_WARN, "%s is PAID: it must not be charged again.",
		           c->txn.public_id);
		return;
	}
	if (!txn_state_is_terminal(c->txn.state)) {
		ui_message(ui, UI_MSG_WARN,
		           "%s is not final yet, so no new prompt is sent: ask for the "
		           "customer's M-Pesa SMS, or call a supervisor.",
		           c->txn.public_id);
		return;
	}
	send(ui, c);
}

/* ---- screen operations -------------------------------------------------- */
static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)ui;
	(void)arg;
	struct charge *c = calloc(1, sizeof *c);
	if (!c)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	form_reset(c);
	*self = c;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct charge *c = self;
	let_go(c);
	free(c);
}

static unsigned context(const void *self)
{
	const struct charge *c = self;
	static const unsigned cx[] = {
		[M_FORM] = UI_CX_FORM, [M_CONFIRM] = UI_CX_CONFIRM, [M_CASH] = UI_CX_CASH,
		[M_LIVE] = UI_CX_LIVE, [M_DONE] = UI_CX_DONE,
	};
	/* Try again only after an unpaid end (a paid or open charge must not
	 * be sent again; retry() refuses them too). */
	if (c->mode == M_DONE && !c->cash && c->have_txn && c->txn.state != TXN_COMPLETED &&
	    txn_state_is_terminal(c->txn.state))
		return UI_CX_DONE | UI_CX_RETRYABLE;
	return cx[c->mode];
}

static bool typing(const void *self)
{
	const struct charge *c = self;
	return c->mode == M_FORM;
}

/* Enter on the form: stay on a wrong field, else go to the next one that
 * needs the cashier, else review. */
static void form_enter(struct ui *ui, struct charge *c)
{
	if (c->focus == F_PHONE)
		tidy_phone(ui, c);
	if (!check_field(ui, c, c->focus, true))
		return;
	for (int i = F_PHONE; i <= F_AMOUNT; i++)
		if (!check_field(ui, c, i, false)) {
			c->focus = i;
			return;
		}
	if (!form_ok(ui, c, true))
		return;
	keep_sale(c);
	c->mode = M_CONFIRM;
	ui_message_clear(ui);
}

static unsigned key_form(struct ui *ui, struct charge *c, const struct ui_key *k)
{
	switch (k->act) {
	case UI_ACT_ENTER:
		form_enter(ui, c);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_NEXT:
	case UI_ACT_PREV:
		if (c->focus == F_PHONE)
			tidy_phone(ui, c);
		if (c->f[c->focus].text[0])
			check_field(ui, c, c->focus, true);
		c->focus = (c->focus + (k->act == UI_ACT_NEXT ? 1 : F_COUNT - 1)) % F_COUNT;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_CLEAR:
		form_reset(c);
		c->background[0] = '\0';
		ui_message_clear(ui);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_CLAIM: /* the customer paid the paybill: ui/screen_claim.c */
		ui_push(ui, &ui_screen_claim, c->f[F_AMOUNT].text);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_CASH:
		if (!check_field(ui, c, F_AMOUNT, true)) {
			c->focus = F_AMOUNT;
			return UI_HANDLED | UI_REDRAW;
		}
		if (!form_ok(ui, c, false))
			return UI_HANDLED | UI_REDRAW;
		keep_sale(c);
		c->mode = M_CASH;
		return UI_HANDLED | UI_REDRAW;
	default:
		break;
	}
	struct ui_field *f = &c->f[c->focus];
	char was[sizeof f->err];
	bool was_warning = f->warning;
	str_copy(was, sizeof was, f->err);
	f->err[0] = '\0';
	if (ui_field_key(f, k)) {
		check_field(ui, c, c->focus, false);
		ui_message_clear(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	if (f->err[0]) { /* a character the field refused */
		f->warning = false;
		return UI_HANDLED | UI_REDRAW;
	}
	str_copy(f->err, sizeof f->err, was); /* not a key for the field */
	f->warning = was_warning;
	return UI_UNHANDLED;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct charge *c = self;
	switch (c->mode) {
	case M_FORM:
		return key_form(ui, c, k);
	case M_CONFIRM:
	case M_CASH:
		if (k->act == UI_ACT_YES) {
			if (c->mode == M_CASH)
				record_cash(ui, c);
			else
				send(ui, c);
			return UI_HANDLED | UI_REDRAW;
		}
		if (k->act == UI_ACT_NO) {
			c->mode = M_FORM;
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	case M_LIVE:
		if (k->act == UI_ACT_CHECK_NOW) {
			if (c->have_txn) {
				struct pos_err err;
				pos_err_clear(&err);
				struct ui_flow *q = ui_flow_status(ui, c->txn.public_id, NULL, NULL, &err);
				if (!q)
					ui_message_err(ui, &err);
				else
					ui_message(ui, UI_MSG_INFO, "Asking M-Pesa about %s ...",
					           c->txn.public_id);
			}
			return UI_HANDLED | UI_REDRAW;
		}
		if (k->act == UI_ACT_NEW_SALE) {
			let_go(c);
			form_reset(c);
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	case M_DONE:
		switch (k->act) {
		case UI_ACT_NEW_SALE:
			let_go(c);
			c->background[0] = '\0';
			form_reset(c);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_RETRY:
			retry(ui, c);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_PRINT: {
			struct pos_err err;
			pos_err_clear(&err);
			char saved[UI_PATH_MAX];
			if (!c->have_txn || ui_receipt_print(ui, &c->txn, saved, sizeof saved,
			                                     &err) != POS_OK)
				ui_message_err(ui, &err);
			else
				ui_message(ui, UI_MSG_GOOD, "Receipt saved to %s", saved);
			return UI_HANDLED | UI_REDRAW;
		}
		default:
			return UI_UNHANDLED;
		}
	}
	return UI_UNHANDLED;
}

static unsigned tick(struct ui *ui, void *self, int64_t now, int64_t *next)
{
	struct charge *c = self;
	if (c->mode != M_LIVE)
		return 0;
	/* The countdown moves once a second. */
	if (now < c->redraw_at) {
		if (c->redraw_at < *next)
			*next = c->redraw_at;
		return 0;
	}
	c->redraw_at = now + 1000;
	if (c->redraw_at < *next)
		*next = c->redraw_at;
	read_flow(ui, c);
	return UI_REDRAW;
}

/* ---- drawing -------------------------------------------------------------- */
/* Before anything is typed: M-Pesa cannot be reached, and what the till can
 * still do. */
static void offline_banner(struct ui *ui, const struct ui_rect *b, int y)
{
	const struct ui_status *s = ui_status_of(ui);
	bool open = str_eq(s->breaker, "OPEN");
	if (!open && !(s->daraja_known && !s->daraja_ok))
		return;
	const struct config *cfg = ui_config(ui);
	bool till = str_eq(cfg->daraja.transaction_type, "CustomerBuyGoodsOnline") &&
	            cfg->daraja.till_number[0];
	const char *breaker = open ? "breaker open: requests paused"
	                      : str_eq(s->breaker, "half-open") ? "breaker half-open: trying again"
	                                                        : "breaker closed";
	char text[400];
	snprintf(text, sizeof text,
	         "M-Pesa cannot be reached (%s), so no prompt can be sent. Ask the "
	         "customer to pay %s %s from their phone, or press F6 to record the "
	         "sale as paid in cash.",
	         breaker, till ? "till" : "paybill",
	         till ? cfg->daraja.till_number : ui_opts_of(ui)->shortcode);
	ui_wrap(y, b->x + 2, b->w - 4, 3, ui_attr(ui, UI_A_WARN), text);
}

static void draw_form(struct ui *ui, struct charge *c, const struct ui_rect *b)
{
	int x = b->x + 4, y = b->y + 1;
	ui_put(y, x, b->w - 8, ui_attr(ui, UI_A_TITLE), "New sale: the customer's M-Pesa number and the amount");
	if (c->background[0])
		ui_putf(y + 1, x, b->w - 8, ui_attr(ui, UI_A_DIM),
		        "%s is still being settled in the background: see History (F3).",
		        c->background);
	offline_banner(ui, b, b->y + b->h - 3);
	for (int i = 0; i < F_COUNT; i++)
		if (i != c->focus)
			ui_field_draw(ui, &c->f[i], y + 3 + 3 * i, x, 15, 22, false);
	ui_field_draw(ui, &c->f[c->focus], y + 3 + 3 * c->focus, x, 15, 22, true);
}

static void draw_confirm(struct ui *ui, struct charge *c, const struct ui_rect *b)
{
	int x = b->x + 2, w = b->w - 4, y = b->y;
	char amount[MONEY_FMT_MAX];
	money_format(c->sale.minor, CURRENCY_KES, amount, sizeof amount);
	attr_t big = ui_attr(ui, UI_A_BIG);
	if (c->mode == M_CASH) {
		ui_put(y + 1, x, w, ui_attr(ui, UI_A_TITLE),
		       "Record this sale as PAID IN CASH? No M-Pesa prompt is sent.");
		ui_big_draw(ui, y + 3, x + 2, w - 2, big, amount);
		ui_wrap(y + 10, x, w, 2, A_NORMAL,
		        "Only when the money is in the till. It shows as Cash in History and "
		        "in the day-end report.");
		return;
	}
	ui_put(y, x, w, ui_attr(ui, UI_A_TITLE), "Send an M-Pesa prompt for");
	ui_big_draw(ui, y + 1, x + 2, w - 2, big, amount);
	ui_put(y + 7, x, w, ui_attr(ui, UI_A_TITLE), "to the phone");
	ui_big_draw(ui, y + 8, x + 2, w - 2, big, c->sale.ph.pretty);
	char more[160];
	snprintf(more, sizeof more, "Reference %s %s Description %s",
	         c->sale.ref[0] ? c->sale.ref : "(the sale's id)", ui_glyphs(ui)->dot,
	         c->sale.desc[0] ? c->sale.desc : "Payment");
	ui_put(y + 14, x, w, A_NORMAL, more);
	ui_put(y + 15, x, w, ui_attr(ui, UI_A_DIM),
	       "Check both with the customer. Enter sends; Esc goes back to change them.");
}

/* The step lines of a charge in flight. */
static void draw_steps(struct ui *ui, struct charge *c, int y, int x, int w)
{
	const struct ui_glyphs *g = ui_glyphs(ui);
	const struct store_txn *t = &c->txn;
	bool sent = t->state != TXN_CREATED && t->state != TXN_SENT;
	if (t->state == TXN_FAILED && !t->checkout_request_id[0])
		ui_putf(y, x, w, ui_attr(ui, UI_A_ERROR), "%s The prompt was not sent", g->bad);
	else if (sent && t->checkout_request_id[0])
		ui_putf(y, x, w, A_NORMAL, "%s Prompt sent to %s", g->ok, c->sale.ph.pretty);
	else if (t->state == TXN_UNKNOWN && !t->checkout_request_id[0])
		ui_putf(y, x, w, ui_attr(ui, UI_A_WARN),
		        "? Daraja's answer was lost: checking whether the prompt went out");
	else
		ui_putf(y, x, w, A_NORMAL, "%s Sending the prompt to %s", g->wait,
		        c->sale.ph.pretty);
	if (t->state == TXN_AWAITING) {
		char left[32] = "";
		if (c->prompt_left >= 0)
			snprintf(left, sizeof left, "  %lld:%02lld left",
			         (long long)(c->prompt_left / 60), (long long)(c->prompt_left % 60));
		ui_putf(y + 1, x, w, A_NORMAL,
		        "%s Waiting for the customer to enter their M-Pesa PIN%s", g->wait, left);
	}
}

/* What the outcome means for the cashier, in one or two sentences. */
static void outcome_words(const struct charge *c, const char **big, char *why,
                          size_t whysz)
{
	const struct store_txn *t = &c->txn;
	struct result_info ri;
	why[0] = '\0';
	*big = ui_state_short(t);
	switch (t->state) {
	case TXN_COMPLETED:
		if (c->cash) {
			*big = "CASH";
			str_fmt(why, whysz, "Recorded as paid by other means (%s): %s.",
			        t->other_means[0] ? t->other_means : "cash", t->public_id);
		}
		break;
	case TXN_FAILED:
	case TXN_CANCELLED:
	case TXN_TIMED_OUT:
		if (str_starts_with(t->result_code, "local:") || !t->result_code[0]) {
			str_fmt(why, whysz, "NOT PAID. %s", t->result_desc[0] ? t->result_desc
			                                                      : "The prompt was not sent.");
		} else {
			result_lookup(t->result_code, t->kind, &ri);
			str_fmt(why, whysz, "NOT PAID. %s", ri.known ? ri.sentence : t->result_desc);
		}
		break;
	case TXN_UNRESOLVED:
		str_fmt(why, whysz, "NOT CONFIRMED: nobody could establish whether %s was paid. "
		        "Do not hand over the goods: ask for the customer's M-Pesa SMS, "
		        "or call a supervisor to settle it from History.", t->public_id);
		break;
	case TXN_REVIEW:
		str_fmt(why, whysz, "NOT CONFIRMED: M-Pesa's answer contradicts the sale. Call "
		        "a supervisor; do not hand over the goods yet.");
		break;
	case TXN_UNKNOWN:
		str_fmt(why, whysz, "NOT CONFIRMED YET: the outcome is being checked with "
		        "M-Pesa (the customer is never charged twice). Wait.");
		break;
	default:
		break;
	}
}

static void draw_live(struct ui *ui, struct charge *c, const struct ui_rect *b)
{
	int x = b->x + 2, w = b->w - 4, y = b->y;
	char amount[MONEY_FMT_MAX], head[200];
	money_format(c->sale.minor, CURRENCY_KES, amount, sizeof amount);
	if (c->cash)
		snprintf(head, sizeof head, "Cash sale %s: %s", c->txn.public_id, amount);
	else
		snprintf(head, sizeof head, "Charge %s: %s from %s",
		         c->have_txn ? c->txn.public_id : "", amount, c->sale.ph.pretty);
	ui_put(y, x, w, ui_attr(ui, UI_A_TITLE), head);
	if (!c->have_txn) {
		if (c->flow_err.code != POS_OK)
			ui_wrap(y + 2, x, w, 3, ui_attr(ui, UI_A_ERROR), c->flow_err.msg);
		return;
	}
	if (!c->cash)
		draw_steps(ui, c, y + 2, x, w);
	const char *big;
	char why[400];
	outcome_words(c, &big, why, sizeof why);
	bool shown = c->mode == M_DONE || c->txn.state == TXN_UNKNOWN ||
	             c->txn.state == TXN_UNRESOLVED;
	int by = y + 5;
	if (shown) {
		enum ui_attr a = c->txn.state == TXN_COMPLETED ? UI_A_GOOD
		                 : txn_state_is_terminal(c->txn.state) ? UI_A_ERROR
		                                                       : UI_A_WARN;
		ui_big_draw(ui, by, x + 2, w - 2, ui_attr(ui, a) | A_BOLD, big);
		by += UI_BIG_ROWS + 1;
	}
	if (c->txn.state == TXN_COMPLETED && !c->cash) {
		char r[200];
		if (c->txn.receipt[0]) {
			snprintf(r, sizeof r, "M-Pesa receipt %s%s%s", c->txn.receipt,
			         c->txn.payer_name[0] ? "   Paid by " : "", c->txn.payer_name);
			ui_put(by++, x, w, ui_attr(ui, UI_A_TITLE), r);
		} else {
			by += ui_wrap(by, x, w, 2, ui_attr(ui, UI_A_TITLE),
			              "M-Pesa confirmed the payment when asked; its receipt "
			              "number comes only with the callback, which has not arrived.");
		}
	}
	if (why[0])
		by += ui_wrap(by, x, w, 3, A_NORMAL, why);
	if (c->mode == M_LIVE && c->note[0] && c->txn.state != TXN_AWAITING)
		ui_wrap(by + 1, x, w, 2, ui_attr(ui, UI_A_DIM), c->note);
	else if (c->flow_err.code != POS_OK && c->mode == M_DONE && !why[0])
		ui_wrap(by + 1, x, w, 2, ui_attr(ui, UI_A_ERROR), c->flow_err.msg);
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct charge *c = self;
	switch (c->mode) {
	case M_FORM:
		draw_form(ui, c, b);
		break;
	case M_CONFIRM:
	case M_CASH:
		draw_confirm(ui, c, b);
		break;
	case M_LIVE:
	case M_DONE:
		draw_live(ui, c, b);
		break;
	}
}

const struct screen_ops ui_screen_charge = {
	.name = "charge",
	.title = "Charge",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
	.tick = tick,
};
