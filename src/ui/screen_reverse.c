/* ui/screen_reverse.c: reversing a completed customer payment (STK or C2B)
 * from its detail view, by a supervisor: the reason, the PIN typed again, a
 * last look, then the reversal, which is its own transaction resolved like
 * any other (app_reversal_start_reason: the role, the reason in both
 * timelines and in the audit log). Daraja has no reversal of B2C payments:
 * the detail does not offer the key for them and the flow refuses them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/c2b.h"
#include "base/crypto.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"
#include "ui/ui_int.h"

enum mode { M_FORM, M_SURE, M_SENT };
enum { F_REASON, F_PIN, F_COUNT };

struct reverse {
	enum mode mode;
	int64_t id;
	struct store_txn orig;
	bool have;
	struct ui_field f[F_COUNT];
	int focus;
	struct app_flow *flow;      /* the reversal, while this screen follows it */
	struct store_txn rev;
	bool have_rev;
	char note[200];
	char claimed[STORE_NAME_MAX + STORE_REASON_MAX + 96]; /* who claimed it, or "" */
	struct ui *ui;
};

static void load(struct ui *ui, struct reverse *r)
{
	r->have = store_txn_get(ui_store(ui), r->id, &r->orig, NULL) == POS_OK;
	if (!r->have || r->orig.kind != TXN_KIND_C2B ||
	    !app_c2b_claim_of(ui_app(ui), r->orig.id, r->claimed, sizeof r->claimed))
		r->claimed[0] = '\0';
}

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	if (!arg)
		return pos_err_set(err, POS_E_INTERNAL, "reverse", "no payment was chosen");
	struct reverse *r = calloc(1, sizeof *r);
	if (!r)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	r->ui = ui;
	r->id = *(const int64_t *)arg;
	r->f[F_REASON] = (struct ui_field){.label = "Reason", .max_chars = 60};
	r->f[F_PIN] = (struct ui_field){.label = "Your PIN", .max_chars = 12, .secret = true,
	                                .digits = true};
	load(ui, r);
	*self = r;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	struct reverse *r = self;
	if (r->flow) {
		/* Let the console follow it to its end (History shows it). */
		int64_t id = r->have_rev ? r->rev.id : 0;
		bool done = app_flow_done(r->flow);
		app_flow_free(r->flow);
		if (id && !done) {
			struct pos_err err;
			ui_flow_detach(ui_flow_track(ui, id, NULL, NULL, &err));
		}
	}
	crypto_wipe(r->f[F_PIN].text, sizeof r->f[F_PIN].text);
	free(r);
}

static unsigned context(const void *self)
{
	const struct reverse *r = self;
	return r->mode == M_SURE ? UI_CX_SURE : UI_CX_REVERSE;
}

static bool typing(const void *self)
{
	const struct reverse *r = self;
	return r->mode == M_FORM;
}

static void on_flow(void *user, struct app_flow *f)
{
	struct reverse *r = user;
	const struct store_txn *t = app_flow_txn(f);
	if (t) {
		r->rev = *t;
		r->have_rev = true;
	}
	str_copy(r->note, sizeof r->note, app_flow_note(f));
	if (app_flow_done(f) && t)
		app_txn_sentence(t, r->note, sizeof r->note);
	if (app_flow_done(f)) {
		const struct pos_err *e = app_flow_error(f);
		if (e->code != POS_OK && (!t || t->state != TXN_COMPLETED))
			ui_message_err(r->ui, e);
		else if (t && t->state == TXN_COMPLETED)
			ui_message(r->ui, UI_MSG_GOOD, "%s is reversed (%s).", r->orig.public_id,
			           t->public_id);
		load(r->ui, r);
	}
	ui_dirty(r->ui);
}

/* Enter on the PIN: check it (a wrong one counts towards the lock-out). */
static void to_sure(struct ui *ui, struct reverse *r)
{
	struct app_operator me, again;
	struct pos_err err;
	pos_err_clear(&err);
	ui_app_operator(ui, &me);
	str_trim(r->f[F_REASON].text);
	if (!r->f[F_REASON].text[0]) {
		str_copy(r->f[F_REASON].err, sizeof r->f[F_REASON].err,
		         "Say why the payment is reversed (it goes into the audit log).");
		r->focus = F_REASON;
		return;
	}
	if (app_signin(ui_app(ui), me.id, r->f[F_PIN].text, &again, &err) != POS_OK) {
		ui_field_clear(&r->f[F_PIN]);
		ui_sentence(r->f[F_PIN].err, sizeof r->f[F_PIN].err, &err);
		r->focus = F_PIN;
		return;
	}
	crypto_wipe(r->f[F_PIN].text, sizeof r->f[F_PIN].text);
	ui_field_clear(&r->f[F_PIN]);
	r->mode = M_SURE;
	ui_message_clear(ui);
}

static void send(struct ui *ui, struct reverse *r)
{
	struct app_operator me;
	struct pos_err err;
	pos_err_clear(&err);
	ui_app_operator(ui, &me);
	/* The last look showed the claim, if any: its y confirms it too. */
	if (app_reversal_start_reason(ui_loop(ui), &me, r->orig.public_id, r->f[F_REASON].text,
	                              r->claimed[0] != '\0', on_flow, r, &r->flow,
	                              &err) != POS_OK) {
		r->flow = NULL;
		r->mode = M_FORM;
		ui_message_err(ui, &err);
		return;
	}
	const struct store_txn *t = app_flow_txn(r->flow);
	if (t) {
		r->rev = *t;
		r->have_rev = true;
	}
	r->mode = M_SENT;
	ui_message(ui, UI_MSG_INFO, "Reversal %s sent to M-Pesa ...", r->have_rev ? r->rev.public_id : "");
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct reverse *r = self;
	if (k->act == UI_ACT_BACK)
		return UI_HANDLED | UI_LEAVE;
	if (!r->have)
		return UI_UNHANDLED;
	if (r->mode == M_SURE) {
		if (k->act == UI_ACT_YES) {
			send(ui, r);
			return UI_HANDLED | UI_REDRAW;
		}
		if (k->act == UI_ACT_NO) {
			r->mode = M_FORM;
			r->focus = F_PIN;
			ui_message(ui, UI_MSG_INFO, "Nothing was sent.");
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	}
	if (r->mode == M_SENT)
		return k->act == UI_ACT_ENTER ? (UI_HANDLED | UI_LEAVE) : UI_UNHANDLED;
	switch (k->act) {
	case UI_ACT_ENTER:
		if (r->focus == F_REASON)
			r->focus = F_PIN;
		else
			to_sure(ui, r);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_NEXT:
	case UI_ACT_PREV:
		r->focus = (r->focus + 1) % F_COUNT;
		return UI_HANDLED | UI_REDRAW;
	default:
		break;
	}
	struct ui_field *f = &r->f[r->focus];
	f->err[0] = '\0';
	if (ui_field_key(f, k) || f->err[0])
		return UI_HANDLED | UI_REDRAW;
	return UI_UNHANDLED;
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct reverse *r = self;
	int x = b->x + 2, w = b->w - 4, y = b->y + 1;
	char v[400], a[MONEY_FMT_MAX], ph[40];
	if (!r->have) {
		ui_put(y, x, w, ui_attr(ui, UI_A_ERROR), "The payment could not be read.");
		return;
	}
	const struct store_txn *o = &r->orig;
	money_format(o->amount_minor, CURRENCY_KES, a, sizeof a);
	phone_pretty(o->msisdn, ph, sizeof ph);
	snprintf(v, sizeof v, "Reverse %s: %s %s, receipt %s", o->public_id,
	         txn_kind_label(o->kind), a, o->receipt);
	ui_put(y++, x, w, ui_attr(ui, UI_A_TITLE), v);
	snprintf(v, sizeof v, "paid by %s%s%s", o->payer_name[0] ? o->payer_name : "the customer",
	         o->msisdn[0] ? ", " : "", o->msisdn[0] ? ph : "");
	ui_put(y++, x, w, A_NORMAL, v);
	y++;
	if (r->mode == M_FORM) {
		y += ui_wrap(y, x, w, 2, A_NORMAL,
		             "M-Pesa sends the whole amount back to the customer. Say why, and "
		             "type your PIN again.");
		y++;
		ui_field_draw(ui, &r->f[F_REASON], y, x, 10, 62, r->focus == F_REASON);
		y += 3;
		ui_field_draw(ui, &r->f[F_PIN], y, x, 10, 14, r->focus == F_PIN);
		/* The focused field's cursor last. */
		if (r->focus == F_REASON)
			ui_field_draw(ui, &r->f[F_REASON], y - 3, x, 10, 62, true);
		return;
	}
	if (r->mode == M_SURE) {
		snprintf(v, sizeof v, "Reason: %s", r->f[F_REASON].text);
		ui_put(y++, x, w, A_NORMAL, v);
		y++;
		if (r->claimed[0]) {
			str_fmt(v, sizeof v, "This payment was %s: reversing it takes back the money "
			        "that paid that sale.", r->claimed);
			y += ui_wrap(y, x, w, 3, ui_attr(ui, UI_A_WARN), v);
			y++;
		}
		snprintf(v, sizeof v, "Send %s back to %s? This cannot be undone.", a,
		         o->payer_name[0] ? o->payer_name : "the customer");
		ui_put(y, x, w, ui_attr(ui, UI_A_WARN), v);
		return;
	}
	if (r->have_rev) {
		snprintf(v, sizeof v, "Reversal %s: %s", r->rev.public_id, ui_state_short(&r->rev));
		ui_put(y++, x, w, ui_attr(ui, UI_A_TITLE), v);
		if (r->note[0])
			y += ui_wrap(y, x, w, 2, A_NORMAL, r->note);
		y++;
	}
	ui_wrap(y, x, w, 3, ui_attr(ui, UI_A_DIM),
	        "The reversal is its own transaction: it is settled like any other, and "
	        "both payments' timelines name each other. Esc or Enter: back (it goes on "
	        "in the background).");
}

const struct screen_ops ui_screen_reverse = {
	.name = "reverse",
	.title = "Reverse a payment",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
};
