/* ui/screen_c2b.c: the C2B feed: paybill and till payments as their
 * confirmations arrive (the listener's commits reach notify), with the
 * day's running total, who claimed each one, an optional bell, and for a
 * supervisor the registration of the C2B URLs. In poll mode it says that
 * the feed needs a public callback URL and where to read how to get one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/c2b.h"
#include "base/clock.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"
#include "ui/ui_int.h"

enum { FEED_MAX = 200 };

struct feed {
	struct app_c2b_row *rows;
	size_t n;
	struct app_c2b_day day;
	int sel, top;
	int64_t newest_id;          /* the newest payment seen (bell) */
	bool bell;
	bool asking;                /* register the URLs? y/n */
	struct app_c2b_req *reg;    /* a registration in flight */
	char problem[POS_ERR_MSG_MAX];
	int64_t reload_at;          /* monotonic: the tick reloads at most this often */
	struct ui *ui;              /* for the registration's answer */
};

static void load(struct ui *ui, struct feed *f)
{
	struct app_operator op;
	struct pos_err err;
	pos_err_clear(&err);
	ui_app_operator(ui, &op);
	f->problem[0] = '\0';
	if (app_c2b_feed(ui_app(ui), &op, app_c2b_day_start(clock_now_ms()), f->rows,
	                 FEED_MAX, &f->n, &f->day, &err) != POS_OK) {
		ui_sentence(f->problem, sizeof f->problem, &err);
		f->n = 0;
	}
	if (f->sel >= (int)f->n)
		f->sel = f->n ? (int)f->n - 1 : 0;
}

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	struct feed *f = calloc(1, sizeof *f);
	if (!f)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	f->rows = calloc(FEED_MAX, sizeof *f->rows);
	if (!f->rows) {
		free(f);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	f->ui = ui;
	load(ui, f);
	f->newest_id = f->n ? f->rows[0].t.id : 0;
	*self = f;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct feed *f = self;
	app_c2b_req_free(f->reg);
	free(f->rows);
	free(f);
}

static unsigned context(const void *self)
{
	const struct feed *f = self;
	return f->asking ? UI_CX_SURE : UI_CX_C2B;
}

static void registered(void *user, struct app_c2b_req *r)
{
	struct feed *f = user;
	const struct pos_err *e = app_c2b_req_error(r);
	if (e->code != POS_OK)
		ui_message_err(f->ui, e);
	else
		ui_message(f->ui, UI_MSG_GOOD, "M-Pesa registered the C2B URLs: %s",
		           app_c2b_req_message(r));
	app_c2b_req_free(f->reg);
	f->reg = NULL;
	ui_dirty(f->ui);
}

static void start_register(struct ui *ui, struct feed *f)
{
	struct app_operator op;
	struct pos_err err;
	pos_err_clear(&err);
	ui_app_operator(ui, &op);
	if (app_c2b_register_start(ui_loop(ui), &op, NULL, registered, f, &f->reg,
	                           &err) != POS_OK) {
		f->reg = NULL;
		ui_message_err(ui, &err);
		return;
	}
	ui_message(ui, UI_MSG_INFO, "Registering the C2B URLs with M-Pesa ...");
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct feed *f = self;
	if (f->asking) {
		if (k->act == UI_ACT_YES) {
			f->asking = false;
			start_register(ui, f);
			return UI_HANDLED | UI_REDRAW;
		}
		if (k->act == UI_ACT_NO) {
			f->asking = false;
			ui_message(ui, UI_MSG_INFO, "Nothing was sent.");
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	}
	switch (k->act) {
	case UI_ACT_UP:
		if (f->sel > 0)
			f->sel--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if (f->sel + 1 < (int)f->n)
			f->sel++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		if (f->n)
			ui_push(ui, &ui_screen_detail, &f->rows[f->sel].t.id);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BELL:
		f->bell = !f->bell;
		ui_message(ui, UI_MSG_INFO, f->bell ? "The bell rings when a payment arrives."
		                                    : "The bell is off.");
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_QR:
		ui_push(ui, &ui_screen_qr, NULL);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_C2B_REGISTER:
		if (f->reg) {
			ui_message(ui, UI_MSG_INFO, "A registration is already on its way.");
			return UI_HANDLED | UI_REDRAW;
		}
		f->asking = true;
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
	struct feed *f = self;
	(void)ids;
	if (!n && !all)
		return 0;
	if (all && !n) {
		/* The tick: another process may have written; look every 2 s. */
		int64_t now = clock_mono_ms();
		if (now < f->reload_at)
			return 0;
		f->reload_at = now + 2000;
	}
	int64_t was = f->newest_id;
	load(ui, f);
	if (f->n && f->rows[0].t.id > was) {
		if (was || f->newest_id == 0)
			f->sel = 0;
		f->newest_id = f->rows[0].t.id;
		if (f->bell)
			ui_bell(ui);
	}
	return UI_REDRAW;
}

/* ---- drawing -------------------------------------------------------------- */

void ui_c2b_phone(const char *m, char *out, size_t outsz)
{
	size_t len = strlen(m);
	if (!len)
		str_copy(out, outsz, "-");
	else if (len == 64)
		snprintf(out, outsz, "#%.10s..", m);
	else if (len == 12 && str_is_digits(m))
		phone_pretty(m, out, outsz);
	else
		str_copy(out, outsz, m);
}

void ui_c2b_shillings(int64_t minor, char *out, size_t outsz)
{
	char m[MONEY_FMT_MAX];
	money_format(minor, CURRENCY_KES, m, sizeof m);
	str_copy(out, outsz, str_starts_with(m, "KES ") ? m + 4 : m);
}

static void draw_poll_mode(struct ui *ui, int *y, int x, int w)
{
	*y += ui_wrap(*y, x, w, 4, ui_attr(ui, UI_A_WARN),
	              "Poll mode: the live feed needs a public callback URL. M-Pesa "
	              "sends paybill and till payments to [listener] public_url, which is "
	              "not set. docs/going-live.md shows how to get one (a reverse proxy "
	              "or a tunnel with an https name); then a supervisor registers the "
	              "URLs here (F6) or with `mpesa-pos c2b register`.");
	(*y)++;
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct feed *f = self;
	const struct config *cfg = ui_config(ui);
	const struct ui_glyphs *g = ui_glyphs(ui);
	int x = b->x + 1, w = b->w - 2, y = b->y;
	char v[256], amt[MONEY_FMT_MAX];

	money_format(f->day.sum_minor, CURRENCY_KES, amt, sizeof amt);
	snprintf(v, sizeof v, "Paybill %s %s today: %lld payment%s, %s %s bell %s",
	         cfg->daraja.business_shortcode, g->dot, (long long)f->day.count,
	         f->day.count == 1 ? "" : "s", amt, g->dot, f->bell ? "on" : "off");
	ui_put(y++, x, w, ui_attr(ui, UI_A_TITLE), v);
	if (!app_callbacks_on(ui_app(ui)))
		draw_poll_mode(ui, &y, x, w);
	if (f->asking) {
		y++;
		y += ui_wrap(y, x, w, 3, ui_attr(ui, UI_A_WARN),
		             "Register this till's C2B confirmation and validation URLs with "
		             "M-Pesa? Payments to the paybill will then be sent here. Daraja "
		             "registers a shortcode's URLs once.");
		return;
	}
	if (f->problem[0]) {
		ui_wrap(y, x, w, 3, ui_attr(ui, UI_A_ERROR), f->problem);
		return;
	}
	snprintf(v, sizeof v, "  %-8s %-13s %-14s %9s %-11s %-10s %s", "Time", "Payer",
	         "Phone", "KES", "Reference", "Receipt", "Claim");
	ui_put(y++, x, w, ui_attr(ui, UI_A_DIM), v);
	if (!f->n) {
		ui_put(y, x + 2, w - 2, ui_attr(ui, UI_A_DIM),
		       "No paybill or till payment has arrived today.");
		return;
	}
	int room = b->y + b->h - y;
	if (room < 1)
		return;
	if (f->sel < f->top)
		f->top = f->sel;
	if (f->sel >= f->top + room)
		f->top = f->sel - room + 1;
	for (int i = f->top; i < (int)f->n && y < b->y + b->h; i++, y++) {
		const struct app_c2b_row *r = &f->rows[i];
		char at[16], ph[40], a[32], claimed[STORE_NAME_MAX + 8] = "";
		ui_time_hms(r->t.created_at, at, sizeof at);
		ui_c2b_phone(r->t.msisdn, ph, sizeof ph);
		ui_c2b_shillings(r->t.amount_minor, a, sizeof a);
		if (r->claimed)
			snprintf(claimed, sizeof claimed, "%s %s", g->ok,
			         r->claimed_by_name[0] ? r->claimed_by_name : "yes");
		snprintf(v, sizeof v, "%s %-8s %-13.13s %-14.14s %9s %-11.11s %-10s %s",
		         i == f->sel ? g->sel : " ", at, r->t.payer_name[0] ? r->t.payer_name : "-",
		         ph, a, r->t.account_reference[0] ? r->t.account_reference : "-",
		         r->t.receipt, claimed);
		ui_put(y, x, w, i == f->sel ? ui_attr(ui, UI_A_SELECTED) : A_NORMAL, v);
	}
}

const struct screen_ops ui_screen_c2b = {
	.name = "c2b",
	.title = "C2B payments",
	.enter = enter,
	.leave = leave,
	.context = context,
	.key = key,
	.draw = draw,
	.notify = notify,
};
