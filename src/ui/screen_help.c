/* ui/screen_help.c: the keys of the screen below, for the operator's role,
 * straight from keys.def: a key the operator may not use is not listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "ui/ui_int.h"

enum { LINES_MAX = 64 };

struct help {
	char title[64];
	char line[LINES_MAX][160];
	int n;
	int scroll;
};

static void add(struct help *h, const char *keys, const char *text)
{
	if (h->n == LINES_MAX)
		return;
	snprintf(h->line[h->n++], sizeof h->line[0], "%-12s %s", keys, text);
}

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	const struct ui_help_arg *ha = arg;
	struct help *h = calloc(1, sizeof *h);
	if (!h)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	snprintf(h->title, sizeof h->title, "Help: %s", ha && ha->title ? ha->title : "");
	unsigned cx = ha ? ha->cx : UI_CX_SIGNIN;
	const struct ui_operator *op = ui_operator(ui);
	size_t n;
	const struct ui_keyrow *rows = ui_keys_table(&n);
	bool seen[UI_ACT_COUNT] = {false};
	for (size_t i = 0; i < n; i++) {
		const struct ui_keyrow *r = &rows[i];
		if (!(r->contexts & cx) || seen[r->action] ||
		    !ui_keys_allowed(r, op->in, op->role))
			continue;
		seen[r->action] = true;
		char k1[16], k2[16], keys[40];
		ui_keys_name(r->key, k1, sizeof k1);
		if (r->alt)
			snprintf(keys, sizeof keys, "%s, %s", k1,
			         ui_keys_name(r->alt, k2, sizeof k2));
		else
			str_copy(keys, sizeof keys, k1);
		/* The help text starts with the keys when it names them. */
		const char *text = r->help;
		const char *colon = strstr(text, ": ");
		if (colon && str_starts_with(text, k1))
			text = colon + 2;
		char line[160];
		str_copy(line, sizeof line, text);
		if (line[0] >= 'a' && line[0] <= 'z')
			line[0] = (char)(line[0] - 'a' + 'A');
		add(h, keys, line);
	}
	add(h, "", "");
	add(h, "", "Esc backs out one step, the same way on every screen.");
	if (op->in) {
		char you[96];
		snprintf(you, sizeof you, "You are signed in as a %s; keys for other roles are not listed.",
		         role_name(op->role));
		add(h, "", you);
	}
	*self = h;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	free(self);
}

static unsigned context(const void *self)
{
	(void)self;
	return UI_CX_HELP;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	(void)ui;
	struct help *h = self;
	switch (k->act) {
	case UI_ACT_UP:
		if (h->scroll > 0)
			h->scroll--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if (h->scroll + 1 < h->n)
			h->scroll++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct help *h = self;
	ui_put(b->y + 1, b->x + 2, b->w - 4, ui_attr(ui, UI_A_TITLE), h->title);
	int y = b->y + 3;
	for (int i = h->scroll; i < h->n && y < b->y + b->h; i++, y++)
		ui_put(y, b->x + 2, b->w - 4, A_NORMAL, h->line[i]);
}

const struct screen_ops ui_screen_help = {
	.name = "help",
	.title = "Help",
	.enter = enter,
	.leave = leave,
	.context = context,
	.key = key,
	.draw = draw,
};
