/* ui/screen_balance.c: the M-Pesa account balance (supervisors). Opening
 * the screen asks M-Pesa (app_balance_start); the answer comes by callback,
 * and each account is shown once it has arrived, with its time and the
 * reading before it. While waiting the screen says what is happening, never
 * a figure; without a listener (poll mode) it says that the balance needs
 * the callback URL, and how to get one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "config/config.h"
#include "core/money.h"
#include "ui/ui_int.h"

enum { ACCOUNTS_MAX = 16, RELOAD_MS = 1000 };

struct line {
	struct store_balance cur, prev;
	bool has_prev;
};

struct balance {
	struct ui *ui;
	struct app_flow *flow;        /* the request in flight (ours) */
	int64_t txn_id;               /* the query; 0 = none started */
	struct store_txn txn;         /* as last read */
	bool have_txn;
	struct line lines[ACCOUNTS_MAX];
	size_t n;
	char problem[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + 8];
	int64_t next_reload;          /* monotonic ms */
};

/* Read the query and, once it completed, its lines and the ones before. */
static void reload(struct ui *ui, struct balance *s)
{
	struct pos_err err;
	pos_err_clear(&err);
	if (!s->txn_id)
		return;
	if (store_txn_get(ui_store(ui), s->txn_id, &s->txn, &err) != POS_OK) {
		ui_sentence(s->problem, sizeof s->problem, &err);
		return;
	}
	s->have_txn = true;
	if (s->txn.state != TXN_COMPLETED || s->n)
		return;
	struct store_balance cur[ACCOUNTS_MAX];
	size_t n = 0;
	if (store_balance_of_txn(ui_store(ui), s->txn_id, cur, ACCOUNTS_MAX, &n, &err) != POS_OK) {
		ui_sentence(s->problem, sizeof s->problem, &err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct line *l = &s->lines[i];
		l->cur = cur[i];
		if (store_balance_previous(ui_store(ui), &l->cur, &l->prev, &l->has_prev, &err) != POS_OK)
			l->has_prev = false;
	}
	s->n = n;
}

/* The flow changed (called from the loop, never from a start call). */
static void on_flow(void *user, struct app_flow *f)
{
	struct balance *s = user;
	(void)f;
	reload(s->ui, s);
	ui_dirty(s->ui);
}

static void ask(struct ui *ui, struct balance *s)
{
	struct app_operator op;
	struct pos_err err;
	pos_err_clear(&err);
	if (s->flow) {
		if (!app_flow_done(s->flow)) {
			ui_message(ui, UI_MSG_INFO, "The last request is still waiting for M-Pesa's answer.");
			return;
		}
		app_flow_free(s->flow);
		s->flow = NULL;
	}
	ui_app_operator(ui, &op);
	s->problem[0] = '\0';
	s->n = 0;
	s->have_txn = false;
	s->txn_id = 0;
	if (app_balance_start(ui_loop(ui), &op, on_flow, s, &s->flow, &err) != POS_OK) {
		s->flow = NULL;
		ui_sentence(s->problem, sizeof s->problem, &err);
		return;
	}
	const struct store_txn *t = app_flow_txn(s->flow);
	if (t)
		s->txn_id = t->id;
	const struct pos_err *fe = app_flow_error(s->flow);
	if (fe->code != POS_OK)
		ui_sentence(s->problem, sizeof s->problem, fe);
	reload(ui, s);
}

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	if (role_check(ui_operator(ui)->role, ROLE_ACT_BALANCE, err) != POS_OK)
		return err->code;
	struct balance *s = calloc(1, sizeof *s);
	if (!s)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	s->ui = ui;
	*self = s;
	ask(ui, s);
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct balance *s = self;
	app_flow_free(s->flow); /* the query goes on in the ledger */
	free(s);
}

static unsigned context(const void *self)
{
	(void)self;
	return UI_CX_BALANCE;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct balance *s = self;
	switch (k->act) {
	case UI_ACT_CHECK_NOW:
		ask(ui, s);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

static unsigned notify(struct ui *ui, void *self, const int64_t *ids, size_t n, bool all)
{
	struct balance *s = self;
	bool mine = all;
	for (size_t i = 0; i < n && !mine; i++)
		mine = ids[i] == s->txn_id;
	if (!mine || !s->txn_id)
		return 0;
	reload(ui, s);
	return UI_REDRAW;
}

static unsigned tick(struct ui *ui, void *self, int64_t now, int64_t *next)
{
	struct balance *s = self;
	if (!s->txn_id || (s->have_txn && txn_state_is_terminal(s->txn.state) &&
	                   (s->txn.state != TXN_COMPLETED || s->n)))
		return 0;
	/* Waiting: a serve on this database may record the result. */
	if (now >= s->next_reload) {
		s->next_reload = now + RELOAD_MS;
		reload(ui, s);
	}
	if (*next > s->next_reload)
		*next = s->next_reload;
	return UI_REDRAW;
}

/* ---- drawing -------------------------------------------------------------- */

/* Shillings without "KES" (the heading says it), so that the account's
 * full name fits: "Organization Settlement Account" is 31 characters. */
static const char *amount(int64_t minor, char *out, size_t outsz)
{
	char k[MONEY_FMT_MAX];
	money_format(minor, CURRENCY_KES, k, sizeof k);
	str_copy(out, outsz, str_starts_with(k, "KES ") ? k + 4 : k);
	return out;
}

static const char *change(int64_t d, char *out, size_t outsz)
{
	char a[MONEY_FMT_MAX];
	if (!d) {
		str_copy(out, outsz, "no change");
		return out;
	}
	amount(d < 0 ? -d : d, a, sizeof a);
	str_fmt(out, outsz, "%s%s", d < 0 ? "-" : "+", a);
	return out;
}

static int draw_waiting(struct ui *ui, const struct balance *s, const struct ui_rect *b, int y)
{
	const struct ui_status *st = ui_status_of(ui);
	char line[400], when[20];
	int w = b->w - 4, x = b->x + 2;
	if (s->have_txn && !txn_state_is_terminal(s->txn.state)) {
		char note[200];
		ui_time_hms(s->txn.created_at, when, sizeof when);
		str_copy(note, sizeof note, s->flow && app_flow_note(s->flow)[0]
		                                ? app_flow_note(s->flow) : "waiting for M-Pesa's result");
		if (note[0] >= 'a' && note[0] <= 'z')
			note[0] = (char)(note[0] - 'a' + 'A');
		snprintf(line, sizeof line, "Asked M-Pesa for the balance at %s (%s). %s.", when,
		         s->txn.public_id, note);
		y += ui_wrap(y, x, w, 3, A_NORMAL, line) + 1;
		y += ui_wrap(y, x, w, 3, ui_attr(ui, UI_A_DIM),
		             "M-Pesa sends the balance to the callback URL, usually within "
		             "seconds. No figure is shown until it arrives.") + 1;
	}
	if (st->listening && !ui_config(ui)->listener.public_url[0] &&
	    !(s->have_txn && txn_state_is_terminal(s->txn.state))) {
		y += ui_wrap(y, x, w, 3, ui_attr(ui, UI_A_WARN),
		             "No public callback URL is set ([listener] public_url): only a "
		             "simulator on this machine can deliver the balance here.") + 1;
	}
	if (!st->listening) {
		y += ui_wrap(y, x, w, 5, ui_attr(ui, UI_A_WARN),
		             "This till has no callback listener (poll mode): M-Pesa sends the "
		             "balance only to a callback URL, so it cannot arrive here. Set "
		             "[listener] public_url to a public HTTPS address that reaches this "
		             "till (see docs/going-live.md) and restart, or run mpesa-pos serve on "
		             "this database: a result it records shows here.") + 1;
	}
	return y;
}

static void draw_lines(struct ui *ui, const struct balance *s, const struct ui_rect *b, int y)
{
	char line[256], a[MONEY_FMT_MAX], p[MONEY_FMT_MAX], c[MONEY_FMT_MAX], when[20], pw[20];
	int x = b->x + 2, w = b->w - 4;
	ui_time_short(s->lines[0].cur.at, when, sizeof when);
	ui_putf(y++, x, w, A_NORMAL, "Balance of shortcode %s at %s (%s):",
	        s->lines[0].cur.shortcode, when, s->txn.public_id);
	y++;
	snprintf(line, sizeof line, "%-31s %14s %14s %14s", "Account", "Available KES",
	         "Previous KES", "Change");
	ui_put(y++, x, w, ui_attr(ui, UI_A_TITLE), line);
	for (size_t i = 0; i < s->n && y < b->y + b->h - 3; i++) {
		const struct line *l = &s->lines[i];
		if (l->has_prev)
			amount(l->prev.available_minor, p, sizeof p);
		else
			str_copy(p, sizeof p, "none");
		snprintf(line, sizeof line, "%-31.31s %14s %14s %14s", l->cur.account,
		         amount(l->cur.available_minor, a, sizeof a), p,
		         l->has_prev ? change(l->cur.available_minor - l->prev.available_minor, c,
		                              sizeof c)
		                     : "");
		ui_put(y++, x, w, A_NORMAL, line);
	}
	y++;
	if (s->lines[0].has_prev) {
		ui_time_short(s->lines[0].prev.at, pw, sizeof pw);
		ui_putf(y++, x, w, ui_attr(ui, UI_A_DIM), "Previous reading: %s. F5 asks again.", pw);
	} else {
		ui_put(y++, x, w, ui_attr(ui, UI_A_DIM),
		       "This is the first reading recorded. F5 asks again.");
	}
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct balance *s = self;
	int y = b->y + 1, x = b->x + 2, w = b->w - 4;
	char line[512];
	if (s->problem[0]) {
		y += ui_wrap(y, x, w, 4, ui_attr(ui, UI_A_ERROR), s->problem) + 1;
	}
	if (s->have_txn && s->txn.state == TXN_COMPLETED && s->n) {
		draw_lines(ui, s, b, y);
		return;
	}
	if (s->have_txn && s->txn.state == TXN_COMPLETED) {
		ui_wrap(y, x, w, 3, A_NORMAL,
		        "M-Pesa answered, but its result listed no account. F5 asks again.");
		return;
	}
	if (s->have_txn && txn_state_is_terminal(s->txn.state)) {
		snprintf(line, sizeof line, "No balance: %s",
		         s->txn.result_desc[0] ? s->txn.result_desc : txn_state_label(s->txn.state));
		y += ui_wrap(y, x, w, 4, ui_attr(ui, UI_A_ERROR), line) + 1;
	}
	y = draw_waiting(ui, s, b, y);
	if (s->have_txn && txn_state_is_terminal(s->txn.state))
		ui_put(y, x, w, ui_attr(ui, UI_A_DIM), "F5 asks again.");
}

const struct screen_ops ui_screen_balance = {
	.name = "balance",
	.title = "Balance",
	.enter = enter,
	.leave = leave,
	.context = context,
	.key = key,
	.draw = draw,
	.notify = notify,
	.tick = tick,
};
