/*
 * ui/ui.h: the ncurses console. The only folder that includes <ncurses.h>.
 *
 * ui_run() owns the terminal from initscr() to endwin() and returns only
 * after the terminal is restored, whatever happened. The screens are faces
 * over the flows in app/; they never talk to Daraja or SQLite themselves.
 *
 * Thread-safety: call from the main thread only.
 */
#ifndef POS_UI_UI_H
#define POS_UI_UI_H

#include <stdbool.h>

#include "base/status.h"

struct ui_opts {
	const char *till_name;   /* "Main till" */
	const char *till_id;     /* "till-1" */
	const char *shortcode;   /* "174379" */
	const char *backend;     /* "SIMULATOR", "SANDBOX", "PRODUCTION" */
	bool ascii;              /* ASCII-only drawing */
	bool color;              /* false under NO_COLOR or [ui] color = never */
};

/* Run the console until the operator quits. Returns POS_OK on a clean quit;
 * on error the terminal is restored and err says why. */
enum pos_status ui_run(const struct ui_opts *opts, struct pos_err *err);

#endif
