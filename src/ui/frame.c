/* ui/frame.c: what surrounds every screen. Header (till, shortcode, the
 * backend marker, operator, clock), status line (Daraja, breaker, listener,
 * outbox, last callback), title, message line and function-key bar; and the
 * notice shown instead of all that when the terminal is too small. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/str.h"
#include "ui/ui_int.h"

static void draw_header(struct ui *ui, int cols)
{
	const struct ui_opts *o = ui_opts_of(ui);
	const struct ui_glyphs *g = ui_glyphs(ui);
	const struct ui_operator *op = ui_operator(ui);
	attr_t ha = ui_attr(ui, UI_A_HEADER);

	char left[160], right[160], marker[40], clock_text[8];
	struct tm tm;
	clock_eat_tm(clock_now(), &tm);
	snprintf(clock_text, sizeof clock_text, "%02d:%02d", tm.tm_hour % 100,
	         tm.tm_min % 100);
	if (op->in)
		snprintf(right, sizeof right, "%lld %s %s %s ", (long long)op->id,
		         op->name, g->dot, clock_text);
	else
		snprintf(right, sizeof right, "not signed in %s %s ", g->dot, clock_text);
	snprintf(marker, sizeof marker, "[ %s ]", o->backend);

	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(ha);
	mvhline(0, 0, ' ', cols);
	attr_set(old, pair, NULL);

	int rw = ui_text_width(right), mw = ui_text_width(marker);
	int lw = cols - rw - mw - 2;
	/* The longest form of the till's name that fits. */
	for (int form = 0; form < 3; form++) {
		if (form == 0)
			snprintf(left, sizeof left, " %s %s %s %s shortcode %s", o->till_name,
			         g->dot, o->till_id, g->dot, o->shortcode);
		else if (form == 1)
			snprintf(left, sizeof left, " %s %s shortcode %s", o->till_name, g->dot,
			         o->shortcode);
		else
			snprintf(left, sizeof left, " %s %s %s", o->till_name, g->dot, o->shortcode);
		if (ui_text_width(left) <= lw)
			break;
	}
	int used = ui_put(0, 0, lw, ha, left);
	/* The marker sits in the middle of what is left, never off screen. */
	int mx = used + 1 + (cols - rw - used - mw - 1) / 2;
	if (mx < used + 1)
		mx = used + 1;
	ui_put(0, mx, mw, ui_attr(ui, UI_A_MARKER), marker);
	ui_put(0, cols - rw, rw, ha, right);
}

static void draw_status(struct ui *ui, int y, int cols)
{
	const struct ui_status *s = ui_status_of(ui);
	const char *dot = ui_glyphs(ui)->dot;
	char line[320], ago[32];
	const char *daraja = !s->daraja_known ? "Daraja checking"
	                     : s->daraja_ok   ? "Daraja up"
	                                      : "Daraja DOWN";
	char outbox[40];
	if (s->outbox_known)
		snprintf(outbox, sizeof outbox, "outbox %lld", (long long)s->outbox_lag);
	else
		str_copy(outbox, sizeof outbox, "events off");
	const char *last = "no callback yet";
	char last_text[48];
	if (s->notice[0]) /* the initiator password's expiry outranks it */
		last = s->notice;
	else if (s->last_callback_ms) {
		snprintf(last_text, sizeof last_text, "callback %s",
		         ui_ago(s->last_callback_ms, clock_now_ms(), ago, sizeof ago));
		last = last_text;
	}
	snprintf(line, sizeof line, " %s %s breaker %s %s %s %s %s %s %s", daraja, dot,
	         s->breaker[0] ? s->breaker : "closed", dot,
	         s->listening ? "listener on" : "poll mode", dot, outbox, dot, last);
	bool alarm = (s->daraja_known && !s->daraja_ok) || str_eq(s->breaker, "OPEN") ||
	             s->notice_alarm;
	if (!alarm && s->notice[0]) {
		ui_put(y, 0, cols, ui_attr(ui, UI_A_WARN), line);
		return;
	}
	ui_put(y, 0, cols, ui_attr(ui, alarm ? UI_A_ERROR : UI_A_DIM), line);
}

void ui_frame_draw(struct ui *ui, const char *title, unsigned cx,
                   const char *msg, enum ui_msg_kind msg_kind,
                   struct ui_rect *body)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	draw_header(ui, cols);
	draw_status(ui, 1, cols);

	/* Title: " Charge ───────" */
	attr_t ta = ui_attr(ui, UI_A_TITLE);
	int tw = ui_putf(2, 0, cols, ta, " %s ", title);
	ui_hline(ui, 2, tw, cols - tw, ui_attr(ui, UI_A_DIM));

	static const enum ui_attr msg_attr[] = {
		[UI_MSG_INFO] = UI_A_NORMAL,
		[UI_MSG_GOOD] = UI_A_GOOD,
		[UI_MSG_WARN] = UI_A_WARN,
		[UI_MSG_ERROR] = UI_A_ERROR,
	};
	if (msg && msg[0])
		ui_putf(rows - 2, 0, cols, ui_attr(ui, msg_attr[msg_kind]), " %s", msg);

	const struct ui_operator *op = ui_operator(ui);
	char bar[512];
	ui_keys_bar(cx, op->in, op->role, (size_t)cols, bar, sizeof bar);
	attr_t ba = ui_attr(ui, UI_A_BAR);
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(ba);
	mvhline(rows - 1, 0, ' ', cols);
	attr_set(old, pair, NULL);
	ui_put(rows - 1, 0, cols, ba, bar);

	body->y = 3;
	body->x = 0;
	body->h = rows - 5;
	body->w = cols;
}

void ui_frame_too_small(struct ui *ui, int rows, int cols)
{
	(void)ui;
	const char *lines[3];
	char need[96];
	snprintf(need, sizeof need, "It needs at least %dx%d; this one is %dx%d.",
	         UI_MIN_COLS, UI_MIN_ROWS, cols, rows);
	lines[0] = "The terminal is too small for mpesa-pos.";
	lines[1] = need;
	lines[2] = "Make the window bigger, or press F10 to quit.";
	int y = rows / 2 - 2;
	if (y < 0)
		y = 0;
	for (int i = 0; i < 3 && y + i < rows; i++)
		ui_wrap(y + i, 1, cols - 2, 1, A_BOLD, lines[i]);
}
