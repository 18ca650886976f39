/*
 * ui/ui.h: the ncurses console. The only folder that includes <ncurses.h>.
 *
 * ui_run() owns the terminal from initscr() to endwin() and returns only
 * after the terminal is restored, whatever happened. The screens are faces
 * over the flows in app/: they never talk to Daraja themselves, and they
 * change the ledger only through app/ (they read it through store/).
 *
 * Ownership: ui_run() borrows the app and the options for its duration.
 * Thread-safety: call from the thread that opened the app.
 */
#ifndef POS_UI_UI_H
#define POS_UI_UI_H

#include <stdbool.h>

#include "base/status.h"

struct app;

struct ui_opts {
	const char *till_name;   /* "Main till" */
	const char *till_id;     /* "till-1" */
	const char *shortcode;   /* "174379" */
	const char *backend;     /* "SIMULATOR", "SANDBOX", "PRODUCTION" */
	bool ascii;              /* ASCII-only drawing (also when the locale is
	                          * not UTF-8) */
	bool color;              /* false under NO_COLOR or [ui] color = never */
	bool bell;               /* ring when a payment completes or fails */
};

/* Run the console on app until the operator quits. Returns POS_OK on a
 * clean quit; on error the terminal is restored and err says why. */
enum pos_status ui_run(struct app *app, const struct ui_opts *opts,
                       struct pos_err *err);

#endif
