/* ui/screen_payout.c: pay money out (B2C), supervisors and above. The form
 * checks each field as typed; the confirmation shows everything and asks
 * the signed-in supervisor's PIN again, and above [limits] approval_above a
 * second supervisor signs in on the same screen; then the outcome, live:
 * the recipient's registered name and the receipt, or the reason. The role,
 * the limits, the approver rule and the audit log are the flow's
 * (app/payout.c): this screen only shows what it says. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/flow.h"
#include "app/signin.h"
#include "base/crypto.h"
#include "base/str.h"
#include "core/fields.h"
#include "core/money.h"
#include "core/phone.h"
#include "ui/ui_int.h"

enum { F_COMMAND, F_PHONE, F_AMOUNT, F_REMARKS, F_OCCASION, F_COUNT };
enum { C_PIN, C_APPROVER, C_APPROVER_PIN, C_COUNT = UI_SIGN_FIELDS };
enum mode { M_FORM, M_CONFIRM, M_DONE };

struct payout {
	struct ui *ui;
	enum mode mode;
	struct ui_field f[F_COUNT];
	int focus;
	struct ui_field c[UI_SIGN_FIELDS];
	int cfocus;
	bool need_approver;
	struct phone ph;
	int64_t minor;
	enum fields_b2c_command cmd;
	struct app_flow *flow;
	struct store_txn txn;
	bool have_txn;
	char approver_name[STORE_NAME_MAX];
};

/* ---- checking as typed ------------------------------------------------- */

/* Could more digits still make this a mobile number? */
static bool could_be_phone(const char *text)
{
	char probe[UI_FIELD_MAX + 16];
	struct phone ph;
	for (int extra = 1; extra <= 10; extra++) {
		int n = snprintf(probe, sizeof probe, "%s%.*s", text, extra, "0000000000");
		if (n < 0 || (size_t)n >= sizeof probe)
			return false;
		if (phone_normalize(probe, PHONE_DEFAULT_COUNTRY, &ph, NULL) == POS_OK)
			return true;
	}
	return false;
}

static bool check_field(struct ui *ui, struct payout *p, int i, bool final)
{
	struct ui_field *f = &p->f[i];
	struct pos_err e;
	struct money_limits lim;
	const struct config *cfg = ui_config(ui);
	pos_err_clear(&e);
	f->err[0] = '\0';
	f->note[0] = '\0';
	f->warning = false;
	enum pos_status rc = POS_OK;
	switch (i) {
	case F_COMMAND:
		rc = fields_b2c_command_parse(f->text, &p->cmd, &e);
		if (rc == POS_OK)
			str_copy(f->note, sizeof f->note, fields_b2c_command_label(p->cmd));
		break;
	case F_PHONE:
		if (!f->text[0] && !final)
			return false;
		rc = phone_normalize(f->text, PHONE_DEFAULT_COUNTRY, &p->ph, &e);
		if (rc == POS_OK) {
			str_fmt(f->note, sizeof f->note, "%s%s%s", p->ph.pretty,
			        p->ph.network && p->ph.network[0] ? " " : "",
			        p->ph.network ? p->ph.network : "");
			if (p->ph.other_network) {
				str_fmt(f->err, sizeof f->err, "Not a Safaricom prefix: M-Pesa may "
				        "refuse it unless the number was ported.");
				f->warning = true;
			}
		} else if (!final && could_be_phone(f->text)) {
			return false; /* still being typed */
		}
		break;
	case F_AMOUNT:
		if (!f->text[0] && !final)
			return false;
		money_limits_default(&lim);
		money_limits_set(&lim, CURRENCY_KES, MONEY_OP_PAYOUT, 0,
		                 cfg->limits.payout_max * MONEY_SCALE, NULL);
		rc = money_parse(f->text, CURRENCY_KES, &p->minor, &e);
		if (rc == POS_OK)
			rc = money_check_limit(&lim, CURRENCY_KES, MONEY_OP_PAYOUT, p->minor, &e);
		if (rc == POS_OK && p->minor > cfg->limits.approval_above * MONEY_SCALE)
			str_fmt(f->note, sizeof f->note, "a second supervisor approves");
		break;
	case F_REMARKS:
		rc = fields_check_remarks(f->text, false, &e);
		break;
	case F_OCCASION:
		rc = fields_check_occasion(f->text, &e);
		break;
	}
	if (rc != POS_OK) {
		ui_sentence(f->err, sizeof f->err, &e);
		return false;
	}
	return !f->err[0] || f->warning;
}

static void form_reset(struct payout *p, const struct config *cfg)
{
	static const char *const labels[F_COUNT] = {"Type", "Phone", "Amount (KES)",
	                                            "Remarks", "Occasion"};
	for (int i = 0; i < F_COUNT; i++)
		p->f[i] = (struct ui_field){.label = labels[i], .max_chars = 40};
	p->f[F_PHONE].max_chars = 16;
	p->f[F_AMOUNT].max_chars = 12;
	ui_field_set(&p->f[F_COMMAND], cfg->daraja.b2c_command_id[0]
	                                      ? cfg->daraja.b2c_command_id : "BusinessPayment");
	p->focus = F_PHONE;
	p->mode = M_FORM;
}

static void confirm_reset(struct payout *p)
{
	ui_payout_sign_reset(p->c);
	p->cfocus = C_PIN;
}

static void let_go(struct payout *p)
{
	app_flow_free(p->flow);
	p->flow = NULL;
	p->have_txn = false;
}

/* A change of the flow (from the loop, never inside the start call). */
static void on_flow(void *user, struct app_flow *f)
{
	struct payout *p = user;
	const struct store_txn *t = app_flow_txn(f);
	if (t) {
		p->txn = *t;
		p->have_txn = true;
	}
	ui_dirty(p->ui);
}

/* The field an error of the flow belongs to, or -1. */
static int field_of(const char *name)
{
	static const char *const names[F_COUNT] = {"command_id", "phone", "amount", "remarks",
	                                           "occasion"};
	for (int i = 0; i < F_COUNT; i++)
		if (str_eq(name, names[i]))
			return i;
	if (str_eq(name, "command") || str_eq(name, "msisdn"))
		return str_eq(name, "command") ? F_COMMAND : F_PHONE;
	return -1;
}

/* The PIN again (the one at the till is the one signed in) and, when
 * need_approver, the second supervisor's id and PIN: true with op (and
 * approver) filled, else the error under the field and *focus on it. */
bool ui_payout_sign(struct ui *ui, struct ui_field c[UI_SIGN_FIELDS], bool need_approver,
                    int *focus, struct app_operator *op, struct app_operator *approver)
{
	struct pos_err e;
	pos_err_clear(&e);
	ui_app_operator(ui, op);
	if (app_signin(ui_app(ui), op->id, c[C_PIN].text, op, &e) != POS_OK) {
		ui_field_clear(&c[C_PIN]);
		ui_sentence(c[C_PIN].err, sizeof c[C_PIN].err, &e);
		*focus = C_PIN;
		return false;
	}
	if (!need_approver)
		return true;
	int64_t id = 0;
	if (parse_i64_str(c[C_APPROVER].text, 1, INT64_MAX, &id) != POS_OK) {
		str_copy(c[C_APPROVER].err, sizeof c[C_APPROVER].err,
		         "The second supervisor types their operator id.");
		*focus = C_APPROVER;
		return false;
	}
	if (app_signin(ui_app(ui), id, c[C_APPROVER_PIN].text, approver, &e) != POS_OK) {
		ui_field_clear(&c[C_APPROVER_PIN]);
		ui_sentence(c[C_APPROVER_PIN].err, sizeof c[C_APPROVER_PIN].err, &e);
		*focus = C_APPROVER_PIN;
		return false;
	}
	return true;
}

void ui_payout_sign_reset(struct ui_field c[UI_SIGN_FIELDS])
{
	crypto_wipe(c, UI_SIGN_FIELDS * sizeof c[0]);
	c[C_PIN] = (struct ui_field){.label = "Your PIN", .max_chars = APP_PIN_MAX,
	                             .secret = true, .digits = true};
	c[C_APPROVER] = (struct ui_field){.label = "Approver id", .max_chars = 9,
	                                  .digits = true};
	c[C_APPROVER_PIN] = (struct ui_field){.label = "Approver PIN",
	                                      .max_chars = APP_PIN_MAX, .secret = true,
	                                      .digits = true};
}

/* Enter on the confirmation: the next field, or (on the last) true. */
bool ui_payout_sign_enter(struct ui_field c[UI_SIGN_FIELDS], bool need_approver, int *focus)
{
	if (need_approver && *focus == C_PIN && c[C_PIN].text[0]) {
		*focus = C_APPROVER;
		return false;
	}
	if (need_approver && *focus == C_APPROVER) {
		*focus = C_APPROVER_PIN;
		return false;
	}
	return true;
}

void ui_payout_sign_draw(struct ui *ui, const struct ui_field c[UI_SIGN_FIELDS],
                         bool need_approver, int focus, int y, int x, int w)
{
	int last = need_approver ? C_APPROVER_PIN : C_PIN;
	if (need_approver)
		ui_wrap(y++, x, w, 1, ui_attr(ui, UI_A_WARN),
		        "Above the approval limit: a second supervisor signs in here to approve.");
	for (int i = 0; i <= last; i++)
		if (i != focus)
			ui_field_draw(ui, &c[i], y + 3 * i, x, 15, 14, false);
	ui_field_draw(ui, &c[focus], y + 3 * focus, x, 15, 14, true);
}

static void send(struct ui *ui, struct payout *p)
{
	struct app_operator op, approver;
	struct pos_err e;
	pos_err_clear(&e);
	if (!ui_payout_sign(ui, p->c, p->need_approver, &p->cfocus, &op, &approver))
		return;
	const struct app_operator *ap = p->need_approver ? &approver : NULL;
	if (ap)
		str_copy(p->approver_name, sizeof p->approver_name, approver.name);
	crypto_wipe(p->c[C_PIN].text, sizeof p->c[C_PIN].text);
	crypto_wipe(p->c[C_APPROVER_PIN].text, sizeof p->c[C_APPROVER_PIN].text);
	struct app_payout_req rq = {
		.phone = p->f[F_PHONE].text,
		.amount = p->f[F_AMOUNT].text,
		.command = p->f[F_COMMAND].text,
		.remarks = p->f[F_REMARKS].text,
		.occasion = p->f[F_OCCASION].text,
		.approver = ap,
	};
	let_go(p);
	if (app_payout_start(ui_loop(ui), &op, &rq, on_flow, p, &p->flow, &e) != POS_OK) {
		p->flow = NULL;
		int i = field_of(e.field);
		if (i >= 0) {
			ui_sentence(p->f[i].err, sizeof p->f[i].err, &e);
			p->f[i].warning = false;
			p->focus = i;
			p->mode = M_FORM;
		} else {
			confirm_reset(p);
		}
		ui_message_err(ui, &e);
		return;
	}
	const struct store_txn *t = app_flow_txn(p->flow);
	if (t) {
		p->txn = *t;
		p->have_txn = true;
	}
	p->mode = M_DONE;
	ui_message_clear(ui);
}

/* ---- screen operations -------------------------------------------------- */

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	const struct ui_operator *op = ui_operator(ui);
	if (role_check(op->role, ROLE_ACT_PAYOUT, err) != POS_OK)
		return err ? err->code : POS_E_DENIED;
	struct payout *p = calloc(1, sizeof *p);
	if (!p)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	p->ui = ui;
	form_reset(p, ui_config(ui));
	confirm_reset(p);
	*self = p;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct payout *p = self;
	let_go(p);
	crypto_wipe(p->c, sizeof p->c);
	free(p);
}

static unsigned context(const void *self)
{
	const struct payout *p = self;
	static const unsigned cx[] = {[M_FORM] = UI_CX_PAYOUT,
	                              [M_CONFIRM] = UI_CX_PAYOUT_CONFIRM,
	                              [M_DONE] = UI_CX_PAYOUT_DONE};
	return cx[p->mode];
}

static bool typing(const void *self)
{
	const struct payout *p = self;
	return p->mode != M_DONE;
}

static void form_enter(struct ui *ui, struct payout *p)
{
	if (!check_field(ui, p, p->focus, true) && !p->f[p->focus].warning) {
		return;
	}
	if (p->focus < F_AMOUNT) {
		p->focus++;
		return;
	}
	for (int i = 0; i < F_COUNT; i++)
		if (!check_field(ui, p, i, true) && !p->f[i].warning) {
			p->focus = i;
			return;
		}
	p->need_approver = p->minor > ui_config(ui)->limits.approval_above * MONEY_SCALE;
	confirm_reset(p);
	p->mode = M_CONFIRM;
	ui_message_clear(ui);
}

static unsigned edit(struct ui *ui, struct ui_field *f, const struct ui_key *k,
                     bool *changed)
{
	char was[sizeof f->err];
	str_copy(was, sizeof was, f->err);
	f->err[0] = '\0';
	*changed = false;
	if (ui_field_key(f, k)) {
		*changed = true;
		ui_message_clear(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	if (f->err[0])
		return UI_HANDLED | UI_REDRAW;
	str_copy(f->err, sizeof f->err, was);
	return UI_UNHANDLED;
}

static void next_command(struct payout *p)
{
	enum fields_b2c_command c;
	struct pos_err e;
	if (fields_b2c_command_parse(p->f[F_COMMAND].text, &c, &e) != POS_OK)
		c = FIELDS_B2C_COUNT - 1;
	c = (enum fields_b2c_command)((c + 1) % FIELDS_B2C_COUNT);
	ui_field_set(&p->f[F_COMMAND], fields_b2c_command_name(c));
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct payout *p = self;
	bool changed;
	unsigned r;
	switch (p->mode) {
	case M_FORM:
		switch (k->act) {
		case UI_ACT_ENTER:
			form_enter(ui, p);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_NEXT:
		case UI_ACT_PREV:
			if (p->f[p->focus].text[0])
				check_field(ui, p, p->focus, true);
			p->focus = (p->focus + (k->act == UI_ACT_NEXT ? 1 : F_COUNT - 1)) % F_COUNT;
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_NEXT_TYPE:
			next_command(p);
			check_field(ui, p, F_COMMAND, true);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_CLEAR:
			form_reset(p, ui_config(ui));
			ui_message_clear(ui);
			return UI_HANDLED | UI_REDRAW;
		default:
			break;
		}
		r = edit(ui, &p->f[p->focus], k, &changed);
		if (changed)
			check_field(ui, p, p->focus, false);
		return r;
	case M_CONFIRM:
		switch (k->act) {
		case UI_ACT_YES:
			if (ui_payout_sign_enter(p->c, p->need_approver, &p->cfocus))
				send(ui, p);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_NEXT:
		case UI_ACT_PREV:
			if (p->need_approver)
				p->cfocus = (p->cfocus + (k->act == UI_ACT_NEXT ? 1 : C_COUNT - 1)) % C_COUNT;
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_NO:
			confirm_reset(p);
			p->mode = M_FORM;
			return UI_HANDLED | UI_REDRAW;
		default:
			return edit(ui, &p->c[p->cfocus], k, &changed);
		}
	case M_DONE:
		if (k->act == UI_ACT_ENTER) {
			if (p->flow && !app_flow_done(p->flow))
				ui_message(ui, UI_MSG_INFO, "%s goes on in the background: see History (F3).",
				           p->txn.public_id);
			let_go(p);
			form_reset(p, ui_config(ui));
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	}
	return UI_UNHANDLED;
}

/* ---- drawing -------------------------------------------------------------- */

static void draw_form(struct ui *ui, struct payout *p, const struct ui_rect *b)
{
	int x = b->x + 4, y = b->y + 1;
	ui_put(y, x, b->w - 8, ui_attr(ui, UI_A_TITLE),
	       "Pay money out: the recipient's M-Pesa number and the amount");
	for (int i = 0; i < F_COUNT; i++)
		if (i != p->focus)
			ui_field_draw(ui, &p->f[i], y + 2 + 3 * i, x, 15, 24, false);
	ui_field_draw(ui, &p->f[p->focus], y + 2 + 3 * p->focus, x, 15, 24, true);
}

static void draw_confirm(struct ui *ui, struct payout *p, const struct ui_rect *b)
{
	int x = b->x + 4, w = b->w - 8, y = b->y + 1;
	char amount[MONEY_FMT_MAX];
	money_format(p->minor, CURRENCY_KES, amount, sizeof amount);
	ui_put(y, x, w, ui_attr(ui, UI_A_TITLE), "Pay out? Check everything with the recipient.");
	ui_putf(y + 2, x, w, A_BOLD, "%-10s %s", "Amount", amount);
	ui_putf(y + 3, x, w, A_BOLD, "%-10s %s", "To", p->ph.pretty);
	ui_putf(y + 4, x, w, A_NORMAL, "%-10s %s", "Type", fields_b2c_command_label(p->cmd));
	ui_putf(y + 5, x, w, A_NORMAL, "%-10s %s", "Remarks",
	        p->f[F_REMARKS].text[0] ? p->f[F_REMARKS].text : "Payout");
	ui_putf(y + 6, x, w, A_NORMAL, "%-10s %s", "Occasion",
	        p->f[F_OCCASION].text[0] ? p->f[F_OCCASION].text : "(none)");
	ui_payout_sign_draw(ui, p->c, p->need_approver, p->cfocus, y + 8, x, w);
}

static void draw_done(struct ui *ui, struct payout *p, const struct ui_rect *b)
{
	int x = b->x + 4, w = b->w - 8, y = b->y + 1;
	char amount[MONEY_FMT_MAX], pretty[PHONE_PRETTY_MAX], why[400];
	if (!p->have_txn) {
		ui_put(y, x, w, A_NORMAL, "Starting the payout...");
		return;
	}
	const struct store_txn *t = &p->txn;
	money_format(t->amount_minor, CURRENCY_KES, amount, sizeof amount);
	phone_pretty(t->msisdn, pretty, sizeof pretty);
	const char *big;
	attr_t a = ui_attr(ui, UI_A_BIG);
	if (t->state == TXN_COMPLETED) {
		big = "PAID OUT";
		a = ui_attr(ui, UI_A_GOOD);
	} else if (txn_state_is_terminal(t->state)) {
		big = "NOT PAID";
		a = ui_attr(ui, UI_A_ERROR);
	} else if (t->state == TXN_UNKNOWN || t->state == TXN_UNRESOLVED ||
	           t->state == TXN_REVIEW) {
		big = "NOT KNOWN YET";
		a = ui_attr(ui, UI_A_WARN);
	} else {
		big = "SENDING";
	}
	ui_big_draw(ui, y, x, w, a | A_BOLD, big);
	ui_putf(y + 6, x, w, A_BOLD, "%s to %s", amount, pretty);
	ui_putf(y + 7, x, w, A_NORMAL, "%s %s %s", t->public_id, ui_glyphs(ui)->dot,
	        t->command_id);
	if (t->state == TXN_COMPLETED) {
		ui_putf(y + 9, x, w, A_BOLD, "Recipient   %s",
		        t->payer_name[0] ? t->payer_name : "(name not given by M-Pesa)");
		ui_putf(y + 10, x, w, A_BOLD, "Receipt     %s", t->receipt);
	} else if (txn_state_is_terminal(t->state) || t->state == TXN_UNKNOWN ||
	           t->state == TXN_UNRESOLVED || t->state == TXN_REVIEW) {
		app_txn_sentence(t, why, sizeof why);
		ui_wrap(y + 9, x, w, 3, A_NORMAL, why);
	} else {
		ui_wrap(y + 9, x, w, 2, A_NORMAL,
		        p->flow ? app_flow_note(p->flow) : "waiting for M-Pesa's result");
	}
	if (p->approver_name[0])
		ui_putf(y + 13, x, w, ui_attr(ui, UI_A_DIM), "Approved by %s", p->approver_name);
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct payout *p = self;
	switch (p->mode) {
	case M_FORM: draw_form(ui, p, b); break;
	case M_CONFIRM: draw_confirm(ui, p, b); break;
	case M_DONE: draw_done(ui, p, b); break;
	}
}

const struct screen_ops ui_screen_payout = {
	.name = "payout",
	.title = "Payout",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
};
