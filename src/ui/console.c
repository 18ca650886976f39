/* ui/console.c: the console's frame and its loop (placeholder screens until
 * the Charge, History and back-office screens land). */
#include "ui/ui.h"

#include <locale.h>
#include <ncurses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/str.h"

enum { UI_MIN_COLS = 80, UI_MIN_ROWS = 24 };

enum ui_pair { PAIR_HEADER = 1, PAIR_MARKER_SIM, PAIR_MARKER_SANDBOX,
               PAIR_MARKER_PROD, PAIR_FOOTER };

static void draw_too_small(int rows, int cols)
{
	erase();
	const char *msg = "The terminal is too small for mpesa-pos.";
	char need[64];
	snprintf(need, sizeof need, "It needs 80x24; this one is %dx%d.", cols, rows);
	int y = rows / 2 - 1;
	mvaddnstr(y < 0 ? 0 : y, 0, msg, cols);
	if (y + 1 < rows)
		mvaddnstr(y + 1, 0, need, cols);
	if (y + 2 < rows)
		mvaddnstr(y + 2, 0, "Make the window bigger, or press q to quit.", cols);
}

static int marker_pair(const char *backend)
{
	if (str_eq(backend, "PRODUCTION"))
		return PAIR_MARKER_PROD;
	if (str_eq(backend, "SANDBOX"))
		return PAIR_MARKER_SANDBOX;
	return PAIR_MARKER_SIM;
}

static void draw_frame(const struct ui_opts *o, int rows, int cols)
{
	char clock_text[16], left[128], marker[32];
	struct tm tm;
	clock_eat_tm(clock_now(), &tm);
	snprintf(clock_text, sizeof clock_text, "%02d:%02d", tm.tm_hour % 100, tm.tm_min % 100);
	snprintf(left, sizeof left, " %s  %s  shortcode %s", o->till_name, o->till_id,
	         o->shortcode);
	snprintf(marker, sizeof marker, " %s ", o->backend);

	erase();
	/* Header */
	attron(COLOR_PAIR(PAIR_HEADER) | A_BOLD);
	mvhline(0, 0, ' ', cols);
	mvaddnstr(0, 0, left, cols);
	attroff(COLOR_PAIR(PAIR_HEADER) | A_BOLD);
	int mx = cols - (int)strlen(clock_text) - 2 - (int)strlen(marker);
	attron(COLOR_PAIR(marker_pair(o->backend)) | A_BOLD | A_REVERSE);
	mvaddstr(0, mx, marker);
	attroff(COLOR_PAIR(marker_pair(o->backend)) | A_BOLD | A_REVERSE);
	attron(COLOR_PAIR(PAIR_HEADER) | A_BOLD);
	mvaddstr(0, cols - (int)strlen(clock_text) - 1, clock_text);
	attroff(COLOR_PAIR(PAIR_HEADER) | A_BOLD);

	/* Body */
	mvaddstr(3, 2, "mpesa-pos");
	mvaddstr(5, 2, "The console's screens (Charge, History, Payout, Balance, C2B)");
	mvaddstr(6, 2, "are not built yet. This frame shows the till, the backend and");
	mvaddstr(7, 2, "the clock, and quits cleanly.");

	/* Footer */
	attron(COLOR_PAIR(PAIR_FOOTER));
	mvhline(rows - 1, 0, ' ', cols);
	mvaddnstr(rows - 1, 0, " q Quit", cols);
	attroff(COLOR_PAIR(PAIR_FOOTER));
}

enum pos_status ui_run(const struct ui_opts *o, struct pos_err *err)
{
	setlocale(LC_ALL, "");
	if (!initscr())
		return pos_err_set(err, POS_E_IO, "terminal",
		                   "the terminal could not be opened (TERM=%s)",
		                   "unset or unknown");
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(1000); /* the clock ticks once a second */
	if (o->color && has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_HEADER, COLOR_WHITE, COLOR_BLUE);
		init_pair(PAIR_MARKER_SIM, COLOR_CYAN, COLOR_BLACK);
		init_pair(PAIR_MARKER_SANDBOX, COLOR_YELLOW, COLOR_BLACK);
		init_pair(PAIR_MARKER_PROD, COLOR_RED, COLOR_WHITE);
		init_pair(PAIR_FOOTER, COLOR_BLACK, COLOR_WHITE);
	}
	for (;;) {
		int rows, cols;
		getmaxyx(stdscr, rows, cols);
		if (rows < UI_MIN_ROWS || cols < UI_MIN_COLS)
			draw_too_small(rows, cols);
		else
			draw_frame(o, rows, cols);
		refresh();
		int ch = getch();
		if (ch == 'q' || ch == 'Q')
			break;
	}
	endwin();
	return POS_OK;
}
