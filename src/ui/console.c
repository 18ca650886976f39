/* ui/console.c: the console: the terminal, the stack of screens, and the
 * loop that waits once on everything (app/loop.h) and then dispatches
 * notifications, keys and timers, and draws what is dirty. */
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/flow.h"
#include "app/loop.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "ui/ui_int.h"

enum { STACK_MAX = 8 };

struct slot {
	const struct screen_ops *ops;
	void *self;
};

struct ui {
	struct app *app;
	struct app_loop *loop;
	const struct ui_opts *opts;
	struct ui_glyphs g;
	bool ascii;
	attr_t attrs[UI_A_COUNT];

	struct ui_operator op;
	struct slot stack[STACK_MAX];
	size_t depth;

	char msg[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
	enum ui_msg_kind msg_kind;

	struct ui_status status;
	struct ui_flows flows;
	struct app_reconcile *reconcile;
	uint64_t watch;

	bool dirty;
	bool asking_quit;
	bool quit;
	/* Notifications gathered during a loop turn, dispatched after it. */
	int64_t changed[64];
	size_t n_changed;
	bool changed_all;
};

/* ---- accessors ------------------------------------------------------------ */
struct app *ui_app(struct ui *ui) { return ui->app; }
struct app_loop *ui_loop(struct ui *ui) { return ui->loop; }
struct store *ui_store(struct ui *ui) { return app_store(ui->app); }
const struct config *ui_config(const struct ui *ui) { return app_config(ui->app); }
const struct ui_opts *ui_opts_of(const struct ui *ui) { return ui->opts; }
const struct ui_glyphs *ui_glyphs(const struct ui *ui) { return &ui->g; }
const struct ui_operator *ui_operator(const struct ui *ui) { return &ui->op; }
const struct ui_status *ui_status_of(const struct ui *ui) { return &ui->status; }
struct ui_status *ui_status_mut(struct ui *ui) { return &ui->status; }
struct ui_flows *ui_flows_of(struct ui *ui) { return &ui->flows; }
bool ui_ascii(const struct ui *ui) { return ui->ascii; }

attr_t ui_attr(const struct ui *ui, enum ui_attr a)
{
	return a < UI_A_COUNT ? ui->attrs[a] : A_NORMAL;
}

void ui_dirty(struct ui *ui)
{
	ui->dirty = true;
}

/* ---- messages ----------------------------------------------------------- */
void ui_message(struct ui *ui, enum ui_msg_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->msg, sizeof ui->msg, fmt, ap);
	va_end(ap);
	ui->msg_kind = kind;
	ui->dirty = true;
}

void ui_message_err(struct ui *ui, const struct pos_err *err)
{
	char text[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + 8];
	ui_sentence(text, sizeof text, err);
	ui_message(ui, UI_MSG_ERROR, "%s", text);
}

void ui_message_clear(struct ui *ui)
{
	if (ui->msg[0])
		ui->dirty = true;
	ui->msg[0] = '\0';
}

void ui_bell(struct ui *ui)
{
	if (ui->opts->bell)
		beep();
}

/* ---- the stack of screens ---------------------------------------------- */
static void pop(struct ui *ui)
{
	if (!ui->depth)
		return;
	struct slot *s = &ui->stack[--ui->depth];
	if (s->ops->leave)
		s->ops->leave(ui, s->self);
	s->ops = NULL;
	s->self = NULL;
	ui->msg[0] = '\0'; /* a message is about the screen it was said on */
	ui->dirty = true;
}

static void pop_to(struct ui *ui, size_t depth)
{
	while (ui->depth > depth)
		pop(ui);
}

bool ui_push(struct ui *ui, const struct screen_ops *ops, const void *arg)
{
	struct pos_err err;
	pos_err_clear(&err);
	if (ui->depth == STACK_MAX) {
		ui_message(ui, UI_MSG_ERROR, "Too many screens are open: press Esc first.");
		return false;
	}
	void *self = NULL;
	if (ops->enter(ui, &self, arg, &err) != POS_OK) {
		ui_message_err(ui, &err);
		return false;
	}
	ui->stack[ui->depth++] = (struct slot){ops, self};
	ui->msg[0] = '\0';
	ui->dirty = true;
	return true;
}

void ui_goto(struct ui *ui, const struct screen_ops *ops)
{
	/* Charge is the home screen at the bottom of the stack: it keeps its
	 * sale while History is looked at. */
	pop_to(ui, 1);
	if (ui->depth && ui->stack[0].ops == ops)
		return;
	ui_push(ui, ops, NULL);
}

void ui_signed_in(struct ui *ui, const struct ui_operator *op)
{
	pop_to(ui, 0);
	ui->op = *op;
	ui->op.in = true;
	ui_message_clear(ui);
	if (!ui_push(ui, &ui_screen_charge, NULL)) {
		ui->op.in = false;
		ui_push(ui, &ui_screen_signin, NULL);
	}
}

void ui_sign_out(struct ui *ui)
{
	pop_to(ui, 0);
	memset(&ui->op, 0, sizeof ui->op);
	ui_push(ui, &ui_screen_signin, NULL);
}

static struct slot *top(struct ui *ui)
{
	return ui->depth ? &ui->stack[ui->depth - 1] : NULL;
}

static unsigned context_of(struct ui *ui)
{
	if (ui->asking_quit)
		return UI_CX_ASK;
	struct slot *s = top(ui);
	return s && s->ops->context ? s->ops->context(s->self) : UI_CX_SIGNIN;
}

/* ---- keys ------------------------------------------------------------------ */
static void quit_or_ask(struct ui *ui)
{
	if (ui_flows_busy(&ui->flows)) {
		ui->asking_quit = true;
		ui->dirty = true;
	} else {
		ui->quit = true;
	}
}

static void global_action(struct ui *ui, enum ui_action act)
{
	switch (act) {
	case UI_ACT_HELP: {
		struct ui_help_arg arg = {context_of(ui), top(ui)->ops->title};
		ui_push(ui, &ui_screen_help, &arg);
		break;
	}
	case UI_ACT_CHARGE:
		ui_goto(ui, &ui_screen_charge);
		break;
	case UI_ACT_HISTORY:
		ui_goto(ui, &ui_screen_history);
		break;
	case UI_ACT_MENU:
		ui_goto(ui, &ui_screen_menu);
		break;
	case UI_ACT_SIGN_OUT:
		log_info("console", "operator %lld signed out", (long long)ui->op.id);
		ui_sign_out(ui);
		break;
	case UI_ACT_QUIT:
		quit_or_ask(ui);
		break;
	case UI_ACT_BACK:
		if (ui->depth > 1)
			pop(ui);
		break;
	default:
		break;
	}
}

static void on_key(struct ui *ui, struct ui_key *k)
{
	if (ui->asking_quit) {
		const struct ui_keyrow *row = ui_keys_match(UI_CX_ASK, k, false);
		if (row && row->action == UI_ACT_YES)
			ui->quit = true;
		else if (row && row->action == UI_ACT_NO)
			ui->asking_quit = false;
		ui->dirty = true;
		return;
	}
	struct slot *s = top(ui);
	if (!s)
		return;
	unsigned cx = context_of(ui);
	bool typing = s->ops->typing && s->ops->typing(s->self);
	const struct ui_keyrow *row = ui_keys_match(cx, k, typing);
	k->act = row ? row->action : UI_ACT_NONE;
	if (row && !ui_keys_allowed(row, ui->op.in, ui->op.role)) {
		struct pos_err err;
		pos_err_clear(&err);
		role_check(ui->op.role, row->role_action, &err);
		ui_message_err(ui, &err);
		return;
	}
	unsigned flags = s->ops->key(ui, s->self, k);
	if (flags & UI_REDRAW)
		ui->dirty = true;
	if (flags & UI_LEAVE) {
		pop(ui);
		return;
	}
	if (!(flags & UI_HANDLED) && k->act != UI_ACT_NONE)
		global_action(ui, k->act);
}

/* Read one key; false when none is waiting. */
static bool read_key(struct ui_key *k)
{
	wint_t wc;
	int r = get_wch(&wc);
	if (r == ERR)
		return false;
	k->act = UI_ACT_NONE;
	if (r == KEY_CODE_YES) {
		k->fn = true;
		k->code = (int)wc;
		if (k->code == KEY_ENTER) {
			k->fn = false;
			k->code = '\n';
		}
		return true;
	}
	k->fn = false;
	k->code = (int)wc;
	if (k->code == '\r')
		k->code = '\n';
	if (k->code == 0x7f || k->code == 0x08) {
		k->fn = true;
		k->code = KEY_BACKSPACE;
	}
	return true;
}

static bool too_small(void)
{
	return LINES < UI_MIN_ROWS || COLS < UI_MIN_COLS;
}

static void drain_keys(struct ui *ui)
{
	struct ui_key k;
	while (!ui->quit && read_key(&k)) {
		if (k.fn && k.code == KEY_RESIZE) {
			ui->dirty = true;
			continue;
		}
		if (too_small()) {
			if (k.fn && k.code == KEY_F(10))
				quit_or_ask(ui);
			continue;
		}
		on_key(ui, &k);
	}
}

/* ---- drawing ----------------------------------------------------------------- */
static void draw(struct ui *ui)
{
	erase();
	curs_set(0);
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows < UI_MIN_ROWS || cols < UI_MIN_COLS) {
		ui_frame_too_small(ui, rows, cols);
	} else {
		struct slot *s = top(ui);
		unsigned cx = context_of(ui);
		struct ui_rect body;
		const char *msg = ui->msg;
		enum ui_msg_kind mk = ui->msg_kind;
		if (ui->asking_quit) {
			msg = "A charge is still in progress. Quit anyway? It is checked "
			      "again when the console starts.";
			mk = UI_MSG_WARN;
		}
		ui_frame_draw(ui, s ? s->ops->title : "", cx, msg, mk, &body);
		if (s) {
			bool typing = !ui->asking_quit && s->ops->typing &&
			              s->ops->typing(s->self);
			s->ops->draw(ui, s->self, &body);
			if (typing)
				curs_set(1);
		}
	}
	wnoutrefresh(stdscr);
	doupdate();
	ui->dirty = false;
}

/* ---- the loop ----------------------------------------------------------------- */
/* The terminal is readable: waking the loop is all this is for (keys are
 * read after every turn). */
static void on_terminal(void *user, short revents)
{
	(void)user;
	(void)revents;
}

static void on_change(void *user, int64_t txn_id)
{
	struct ui *ui = user;
	if (txn_id == 0) {
		ui->changed_all = true; /* the tick: the ledger may have changed */
		return;
	}
	ui->status.last_callback_ms = clock_now_ms();
	if (ui->n_changed < sizeof ui->changed / sizeof ui->changed[0])
		ui->changed[ui->n_changed++] = txn_id;
	else
		ui->changed_all = true;
}

static void dispatch_changes(struct ui *ui)
{
	if (!ui->n_changed && !ui->changed_all)
		return;
	for (size_t i = 0; i < ui->depth; i++) {
		struct slot *s = &ui->stack[i];
		if (s->ops->notify &&
		    (s->ops->notify(ui, s->self, ui->changed, ui->n_changed,
		                    ui->changed_all) & UI_REDRAW))
			ui->dirty = true;
	}
	ui->n_changed = 0;
	ui->changed_all = false;
}

static int64_t run_ticks(struct ui *ui)
{
	int64_t now = clock_mono_ms();
	int64_t next = now + 1000 - (clock_now_ms() % 1000);
	for (size_t i = 0; i < ui->depth; i++) {
		struct slot *s = &ui->stack[i];
		if (s->ops->tick && (s->ops->tick(ui, s->self, now, &next) & UI_REDRAW))
			ui->dirty = true;
	}
	return next;
}

static void setup_terminal(struct ui *ui)
{
	raw(); /* Ctrl-C is a key (it quits, asking first while a charge is in
	        * flight), never a signal that kills a till mid-sale */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	const char *cs = nl_langinfo(CODESET);
	ui->ascii = ui->opts->ascii || !cs || !str_eq_nocase(cs, "UTF-8");
	if (ui->ascii)
		ui->g = (struct ui_glyphs){"-", "-", "+", "x", "...", "->", "#", "*", ">"};
	else
		ui->g = (struct ui_glyphs){"─", "·", "✓", "✗", "…", "→", "█", "•", "▶"};

	for (int i = 0; i < UI_A_COUNT; i++)
		ui->attrs[i] = A_NORMAL;
	ui->attrs[UI_A_HEADER] = A_REVERSE;
	ui->attrs[UI_A_MARKER] = A_BOLD;
	ui->attrs[UI_A_TITLE] = A_BOLD;
	ui->attrs[UI_A_BAR] = A_REVERSE;
	ui->attrs[UI_A_BAR_KEY] = A_REVERSE | A_BOLD;
	ui->attrs[UI_A_FIELD] = A_UNDERLINE;
	ui->attrs[UI_A_FOCUS] = A_BOLD;
	ui->attrs[UI_A_ERROR] = A_BOLD;
	ui->attrs[UI_A_WARN] = A_BOLD;
	ui->attrs[UI_A_GOOD] = A_NORMAL;
	ui->attrs[UI_A_DIM] = A_DIM;
	ui->attrs[UI_A_SELECTED] = A_REVERSE;
	ui->attrs[UI_A_BIG] = A_BOLD;
	if (!ui->opts->color || !has_colors())
		return;
	start_color();
	use_default_colors();
	enum { P_HEADER = 1, P_SIM, P_SANDBOX, P_PROD, P_BAR, P_ERROR, P_WARN, P_GOOD };
	init_pair(P_HEADER, COLOR_WHITE, COLOR_BLUE);
	init_pair(P_SIM, COLOR_BLACK, COLOR_CYAN);
	init_pair(P_SANDBOX, COLOR_BLACK, COLOR_YELLOW);
	init_pair(P_PROD, COLOR_WHITE, COLOR_RED);
	init_pair(P_BAR, COLOR_BLACK, COLOR_WHITE);
	init_pair(P_ERROR, COLOR_RED, -1);
	init_pair(P_WARN, COLOR_YELLOW, -1);
	init_pair(P_GOOD, COLOR_GREEN, -1);
	const char *b = ui->opts->backend;
	int marker = str_eq(b, "PRODUCTION") ? P_PROD : str_eq(b, "SANDBOX") ? P_SANDBOX : P_SIM;
	ui->attrs[UI_A_HEADER] = COLOR_PAIR(P_HEADER);
	ui->attrs[UI_A_MARKER] = COLOR_PAIR(marker) | A_BOLD;
	ui->attrs[UI_A_BAR] = COLOR_PAIR(P_BAR);
	ui->attrs[UI_A_BAR_KEY] = COLOR_PAIR(P_BAR) | A_BOLD;
	ui->attrs[UI_A_ERROR] = COLOR_PAIR(P_ERROR) | A_BOLD;
	ui->attrs[UI_A_WARN] = COLOR_PAIR(P_WARN) | A_BOLD;
	ui->attrs[UI_A_GOOD] = COLOR_PAIR(P_GOOD) | A_BOLD;
}

static bool status_same(const struct ui_status *a, const struct ui_status *b)
{
	return a->daraja_known == b->daraja_known && a->daraja_ok == b->daraja_ok &&
	       str_eq(a->breaker, b->breaker) && a->listening == b->listening &&
	       str_eq(a->listener, b->listener) && a->outbox_known == b->outbox_known &&
	       a->outbox_lag == b->outbox_lag && a->last_callback_ms == b->last_callback_ms &&
	       str_eq(a->notice, b->notice);
}

static void run(struct ui *ui)
{
	int64_t status_due = 0;
	unsigned reach_seen = 0;
	ui->dirty = true;
	while (!ui->quit) {
		int64_t now = clock_mono_ms();
		struct app_reach_info reach;
		app_daraja_reachable(ui->app, &reach);
		if (now >= status_due || reach.serial != reach_seen) {
			reach_seen = reach.serial;
			struct ui_status before = ui->status;
			ui_status_refresh(ui, &ui->status);
			if (!status_same(&before, &ui->status))
				ui->dirty = true;
			status_due = now + 1000;
		}
		if (ui->dirty)
			draw(ui);
		/* Ticks after drawing, so that a screen can show "Checking..."
		 * before a slow step (a PIN hash) that its tick performs. */
		int64_t next = run_ticks(ui);
		int64_t wait = ui->dirty ? 0 : next - clock_mono_ms();
		if (wait < 0)
			wait = 0;
		if (wait > status_due - clock_mono_ms())
			wait = status_due - clock_mono_ms();
		app_loop_turn(ui->loop, wait > 0 ? (int)wait : 0);
		ui_flows_reap(&ui->flows);
		if (ui->reconcile && app_reconcile_done(ui->reconcile)) {
			app_reconcile_free(ui->reconcile);
			ui->reconcile = NULL;
		}
		dispatch_changes(ui);
		/* Keys are read every turn: a resize arrives as KEY_RESIZE even
		 * when poll() was interrupted rather than woken. */
		drain_keys(ui);
	}
}

enum pos_status ui_run(struct app *app, const struct ui_opts *opts,
                       struct pos_err *err)
{
	enum pos_status st = POS_OK;
	struct ui *ui = calloc(1, sizeof *ui);
	if (!ui)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	ui->app = app;
	ui->opts = opts;
	if ((st = app_loop_new(app, &ui->loop, err)) != POS_OK)
		goto out;
	ui_flows_init(&ui->flows, ui);
	ui->watch = app_loop_watch(ui->loop, on_change, ui);
	/* Charges left open by an earlier run are resolved in the background. */
	struct pos_err rerr;
	if (app_reconcile_start(ui->loop, false, &ui->reconcile, &rerr) != POS_OK)
		log_warn("console", "reconciliation at start-up: %s", rerr.msg);
	/* Whether Daraja can be reached, before anyone types a sale. */
	app_daraja_probe_start(ui->loop);

	setlocale(LC_ALL, "");
	/* newterm, unlike initscr, returns NULL instead of exiting. */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		st = pos_err_set(err, POS_E_IO, "terminal",
		                 "the terminal could not be opened (TERM=%s)",
		                 getenv("TERM") ? getenv("TERM") : "unset");
		pos_err_hint(err, "run the console in a terminal, or set TERM (e.g. xterm-256color)");
		goto out;
	}
	setup_terminal(ui);
	app_loop_set_fd(ui->loop, STDIN_FILENO, POLLIN, on_terminal, ui);
	if (ui_push(ui, &ui_screen_signin, NULL))
		run(ui);
	else
		st = pos_err_set(err, POS_E_INTERNAL, "console", "%s", ui->msg);
	pop_to(ui, 0);
	endwin();
	delscreen(scr);
out:
	app_loop_set_fd(ui->loop, -1, 0, NULL, NULL);
	app_loop_unwatch(ui->loop, ui->watch);
	ui_flows_release(&ui->flows);
	app_reconcile_free(ui->reconcile);
	app_loop_free(ui->loop);
	free(ui);
	return st;
}
