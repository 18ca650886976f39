/* ui/screen_help.c: the keys of the screen below, for the operator's role,
 * straight from keys.def: a key the operator may not use is not listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "ui/ui_int.h"

enum { LINES_MAX = 64, KEYS_W_MAX = 18 };

struct help {
	char title[64];
	char keys[LINES_MAX][40];
	char text[LINES_MAX][160];
	int n;
	int scroll; /* in screen lines, after wrapping */
	int rows;   /* screen lines at the last draw */
};

static void add(struct help *h, const char *keys, const char *text)
{
	if (h->n == LINES_MAX)
		return;
	str_copy(h->keys[h->n], sizeof h->keys[0], keys);
	str_copy(h->text[h->n], sizeof h->text[0], text);
	h->n++;
}

static bool listed(const struct help *h, const char *keys)
{
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->keys[i], keys) == 0)
			return true;
	return false;
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
		/* The first row of a key is the one it does here (Esc clears a
		 * form before it goes back). */
		if (listed(h, keys))
			continue;
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
		if (h->scroll + 1 < h->rows)
			h->scroll++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

/* The length of the next line of `text` that fits in `w` columns, broken at
 * a space where there is one; *next is where the line after it starts. */
static size_t fit(const char *text, int w, const char **next)
{
	size_t n = strlen(text);
	if (w < 1)
		w = 1;
	if (n <= (size_t)w) {
		*next = text + n;
		return n;
	}
	size_t cut = (size_t)w;
	while (cut > 0 && text[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = (size_t)w; /* one word longer than the line */
	*next = text + cut;
	while (**next == ' ')
		(*next)++;
	return cut;
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct help *h = self;
	ui_put(b->y + 1, b->x + 2, b->w - 4, ui_attr(ui, UI_A_TITLE), h->title);
	int kw = 0;
	for (int i = 0; i < h->n; i++) {
		int len = (int)strlen(h->keys[i]);
		if (len > kw)
			kw = len;
	}
	if (kw > KEYS_W_MAX)
		kw = KEYS_W_MAX;
	int x = b->x + 2, tx = x + kw + 2, tw = b->w - 4 - kw - 2;
	int y = b->y + 3, row = 0;
	for (int i = 0; i < h->n; i++) {
		const char *t = h->text[i];
		bool first = true;
		do {
			const char *next;
			size_t len = fit(t, tw, &next);
			if (row >= h->scroll && y < b->y + b->h) {
				char part[160];
				str_copyn(part, sizeof part, t, len);
				if (first)
					ui_put(y, x, kw, A_NORMAL, h->keys[i]);
				ui_put(y, tx, tw, A_NORMAL, part);
				y++;
			}
			row++;
			first = false;
			t = next;
		} while (*t);
	}
	h->rows = row;
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
