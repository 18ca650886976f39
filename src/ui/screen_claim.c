/* ui/screen_claim.c: claiming a paybill/till payment for the sale at hand
 * (pushed from the Charge form, F5). Today's unclaimed C2B payments, those
 * of exactly the amount typed on the form first, each with its age; Enter
 * claims the selected one through app_c2b_claim (role, once only, audit,
 * the sale's amount in the claim's note). A payment of another amount than
 * the sale's is claimed only after a y. The cursor stays on the payment
 * chosen (by its id) when the list is read again under it. A payment
 * another till claimed meanwhile is refused with who and when. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/c2b.h"
#include "base/clock.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"
#include "ui/ui_int.h"

enum { CLAIM_MAX = 100 };

struct claim {
	struct store_txn *rows;
	size_t n, exact;
	int sel, top;
	bool sure;                  /* asking: claim one of another amount? */
	int64_t amount_minor;       /* typed on the form; 0 = none */
	char problem[POS_ERR_MSG_MAX];
	struct store_txn got;
	char said[POS_ERR_MSG_MAX + 64]; /* the last claim's outcome, in full */
	bool refused;
};

static void load(struct ui *ui, struct claim *c)
{
	struct app_operator op;
	struct pos_err err;
	pos_err_clear(&err);
	ui_app_operator(ui, &op);
	c->problem[0] = '\0';
	int64_t chosen = c->sel < (int)c->n ? c->rows[c->sel].id : 0;
	if (app_c2b_unclaimed(ui_app(ui), &op, app_c2b_day_start(clock_now_ms()),
	                      c->amount_minor, c->rows, CLAIM_MAX, &c->n, &c->exact,
	                      &err) != POS_OK) {
		ui_sentence(c->problem, sizeof c->problem, &err);
		c->n = c->exact = 0;
	}
	/* The same payment under the cursor; if it is gone, the same row. */
	for (size_t i = 0; chosen && i < c->n; i++)
		if (c->rows[i].id == chosen) {
			c->sel = (int)i;
			break;
		}
	if (c->sel >= (int)c->n)
		c->sel = c->n ? (int)c->n - 1 : 0;
}

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	struct claim *c = calloc(1, sizeof *c);
	if (!c)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	c->rows = calloc(CLAIM_MAX, sizeof *c->rows);
	if (!c->rows) {
		free(c);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	const char *amount = arg;
	int64_t minor;
	if (amount && amount[0] && money_parse(amount, CURRENCY_KES, &minor, NULL) == POS_OK)
		c->amount_minor = minor;
	load(ui, c);
	*self = c;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct claim *c = self;
	free(c->rows);
	free(c);
}

static unsigned context(const void *self)
{
	const struct claim *c = self;
	return c->sure ? UI_CX_SURE : UI_CX_CLAIM;
}

static void do_claim(struct ui *ui, struct claim *c)
{
	if (!c->n) {
		ui_message(ui, UI_MSG_INFO, "There is no unclaimed payment to claim.");
		return;
	}
	struct app_operator op;
	struct pos_err err;
	pos_err_clear(&err);
	ui_app_operator(ui, &op);
	const struct store_txn *t = &c->rows[c->sel];
	char note[2 * MONEY_FMT_MAX + 32] = "", paid[MONEY_FMT_MAX], sale[MONEY_FMT_MAX];
	if (c->amount_minor) {
		money_format(t->amount_minor, CURRENCY_KES, paid, sizeof paid);
		money_format(c->amount_minor, CURRENCY_KES, sale, sizeof sale);
		snprintf(note, sizeof note, "%s for a %s sale", paid, sale);
	}
	if (app_c2b_claim(ui_app(ui), &op, t->public_id, note[0] ? note : NULL, &c->got,
	                  &err) != POS_OK) {
		ui_sentence(c->said, sizeof c->said, &err);
		ui_message(ui, UI_MSG_ERROR, "Not claimed: the reason is above.");
		c->refused = true;
		load(ui, c);
		return;
	}
	char a[MONEY_FMT_MAX];
	money_format(c->got.amount_minor, CURRENCY_KES, a, sizeof a);
	snprintf(c->said, sizeof c->said, "Claimed %s: %s from %s, receipt %s. The sale is paid.",
	         c->got.public_id, a, c->got.payer_name[0] ? c->got.payer_name : "the customer",
	         c->got.receipt);
	c->refused = false;
	ui_message(ui, UI_MSG_GOOD, "%s", c->said);
	load(ui, c);
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct claim *c = self;
	if (c->sure) {
		if (k->act != UI_ACT_YES && k->act != UI_ACT_NO)
			return UI_UNHANDLED;
		c->sure = false;
		if (k->act == UI_ACT_YES)
			do_claim(ui, c);
		else
			ui_message(ui, UI_MSG_INFO, "Not claimed.");
		return UI_HANDLED | UI_REDRAW;
	}
	switch (k->act) {
	case UI_ACT_UP:
		if (c->sel > 0)
			c->sel--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if (c->sel + 1 < (int)c->n)
			c->sel++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		if (c->n && c->amount_minor && c->rows[c->sel].amount_minor != c->amount_minor) {
			c->sure = true; /* another amount than the sale's: ask first */
			ui_message_clear(ui);
		} else {
			do_claim(ui, c);
		}
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

/* A new payment of this process's listener: list it. (The tick does not
 * reload, so the list stays put under the cashier's cursor.) */
static unsigned notify(struct ui *ui, void *self, const int64_t *ids, size_t n,
                       bool all)
{
	struct claim *c = self;
	(void)all;
	for (size_t i = 0; i < n; i++) {
		struct store_txn t;
		if (store_txn_get(ui_store(ui), ids[i], &t, NULL) == POS_OK &&
		    t.kind == TXN_KIND_C2B) {
			load(ui, c);
			return UI_REDRAW;
		}
	}
	return 0;
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct claim *c = self;
	const struct ui_glyphs *g = ui_glyphs(ui);
	int x = b->x + 1, w = b->w - 2, y = b->y;
	char v[256], a[MONEY_FMT_MAX];
	int64_t now = clock_now_ms();

	if (c->amount_minor) {
		money_format(c->amount_minor, CURRENCY_KES, a, sizeof a);
		snprintf(v, sizeof v, "The sale: %s. Today's unclaimed paybill/till payments, "
		         "that amount first:", a);
	} else {
		snprintf(v, sizeof v, "Today's unclaimed paybill/till payments, newest first:");
	}
	ui_put(y++, x, w, ui_attr(ui, UI_A_TITLE), v);
	if (c->problem[0]) {
		ui_wrap(y + 1, x, w, 3, ui_attr(ui, UI_A_ERROR), c->problem);
		return;
	}
	snprintf(v, sizeof v, "  %-10s %9s %-13s %-11s %-10s %s", "Age", "KES", "Payer",
	         "Reference", "Receipt", "Phone");
	ui_put(y++, x, w, ui_attr(ui, UI_A_DIM), v);
	int bottom = b->y + b->h;
	if (c->sure && c->n) {
		/* The question, where the outcome goes: the list stays in view. */
		char paid[MONEY_FMT_MAX], sale[MONEY_FMT_MAX];
		const struct store_txn *t = &c->rows[c->sel];
		money_format(t->amount_minor, CURRENCY_KES, paid, sizeof paid);
		money_format(c->amount_minor, CURRENCY_KES, sale, sizeof sale);
		snprintf(v, sizeof v, "%s (%s) is %s for a %s sale: claim anyway? y/n",
		         t->public_id, t->receipt, paid, sale);
		bottom -= 3;
		ui_wrap(bottom + 1, x, w, 2, ui_attr(ui, UI_A_WARN), v);
	} else if (c->said[0]) {
		/* The last claim's outcome in full, at the bottom of the body. */
		bottom -= 3;
		ui_wrap(bottom + 1, x, w, 2, ui_attr(ui, c->refused ? UI_A_WARN : UI_A_GOOD), c->said);
	}
	if (!c->n) {
		ui_wrap(y, x + 2, w - 2, 3, ui_attr(ui, UI_A_DIM),
		        "None yet. Ask the customer to pay the paybill or till from the phone; "
		        "the payment shows here as soon as M-Pesa confirms it.");
		return;
	}
	int room = bottom - y - (c->exact && c->exact < c->n ? 1 : 0);
	if (room < 1)
		return;
	if (c->sel < c->top)
		c->top = c->sel;
	if (c->sel >= c->top + room)
		c->top = c->sel - room + 1;
	for (int i = c->top; i < (int)c->n && y < bottom; i++, y++) {
		const struct store_txn *t = &c->rows[i];
		if (c->amount_minor && (size_t)i == c->exact && i > c->top) {
			ui_put(y++, x + 2, w - 2, ui_attr(ui, UI_A_DIM), "Other amounts:");
			if (y >= bottom)
				break;
		}
		char age[32], ph[40];
		ui_ago(t->created_at, now, age, sizeof age);
		ui_c2b_shillings(t->amount_minor, a, sizeof a);
		ui_c2b_phone(t->msisdn, ph, sizeof ph);
		snprintf(v, sizeof v, "%s %-10s %9s %-13.13s %-11.11s %-10s %s",
		         i == c->sel ? g->sel : " ", age, a, t->payer_name[0] ? t->payer_name : "-",
		         t->account_reference[0] ? t->account_reference : "-", t->receipt, ph);
		ui_put(y, x, w, i == c->sel ? ui_attr(ui, UI_A_SELECTED) : A_NORMAL, v);
	}
}

const struct screen_ops ui_screen_claim = {
	.name = "claim",
	.title = "Claim a paybill payment",
	.enter = enter,
	.leave = leave,
	.context = context,
	.key = key,
	.draw = draw,
	.notify = notify,
};
