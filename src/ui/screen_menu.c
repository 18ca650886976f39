/* ui/screen_menu.c: every screen of the console in one list (F8), from
 * ui/menu.def, showing only what the operator's role may use. A digit
 * opens its row at once; Up/Down and Enter work too. */
#include <stdio.h>
#include <stdlib.h>

#include "ui/ui_int.h"

struct menu_row {
	const struct screen_ops *ops;
	enum role_action action;
	const char *label, *what;
};

static const struct menu_row all_rows[] = {
#define UI_MENU(ops, role_action, label, what) {&(ops), (role_action), (label), (what)},
#include "ui/menu.def"
};
enum { ALL_N = sizeof all_rows / sizeof all_rows[0] };

struct menu {
	const struct menu_row *row[ALL_N]; /* the rows this operator may use */
	int n, sel;
};

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	struct menu *m = calloc(1, sizeof *m);
	if (!m)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	const struct ui_operator *op = ui_operator(ui);
	for (size_t i = 0; i < ALL_N; i++)
		if (op->in && role_allows(op->role, all_rows[i].action))
			m->row[m->n++] = &all_rows[i];
	*self = m;
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
	return UI_CX_MENU;
}

static unsigned open_row(struct ui *ui, const struct menu *m, int i)
{
	if (i < 0 || i >= m->n)
		return UI_HANDLED;
	ui_goto(ui, m->row[i]->ops); /* frees this screen: return at once */
	return UI_HANDLED | UI_REDRAW;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct menu *m = self;
	switch (k->act) {
	case UI_ACT_UP:
		if (m->sel > 0)
			m->sel--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if (m->sel + 1 < m->n)
			m->sel++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		return open_row(ui, m, m->sel);
	case UI_ACT_NONE:
		if (!k->fn && k->code >= '1' && k->code <= '9')
			return open_row(ui, m, k->code - '1');
		return UI_UNHANDLED;
	default:
		return UI_UNHANDLED;
	}
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct menu *m = self;
	const struct ui_glyphs *g = ui_glyphs(ui);
	int y = b->y + 1;
	for (int i = 0; i < m->n && y < b->y + b->h; i++, y++) {
		bool sel = i == m->sel;
		attr_t a = sel ? ui_attr(ui, UI_A_SELECTED) : A_NORMAL;
		ui_putf(y, b->x + 2, b->w - 4, a, "%s %d  %-16s %s", sel ? g->sel : " ", i + 1,
		        m->row[i]->label, m->row[i]->what);
	}
	if (y + 1 < b->y + b->h)
		ui_put(y + 1, b->x + 4, b->w - 6, ui_attr(ui, UI_A_DIM),
		       "Press a number, or Up/Down and Enter. F8 brings you back here.");
}

const struct screen_ops ui_screen_menu = {
	.name = "menu",
	.title = "Menu",
	.enter = enter,
	.leave = leave,
	.context = context,
	.key = key,
	.draw = draw,
};
