/* ui/screen_report.c: the day-end (Z) report of a date (default today in
 * Nairobi), scrollable, saved as text and CSV with F7. A supervisor sees
 * the full report; a cashier their own shift summary (app/report.h decides
 * from the role). The text is app_report_text(): the same as the CLI's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/report.h"
#include "base/clock.h"
#include "base/str.h"
#include "config/config.h"
#include "ui/ui_int.h"

enum mode { M_VIEW, M_DATE };

struct report {
	enum mode mode;
	char date[APP_REPORT_DATE_MAX];
	struct app_report r;
	bool built;
	char *text;          /* app_report_text(), split in place */
	char **line;
	size_t n, top;
	int h;               /* lines shown at the last draw */
	char problem[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + 8];
	struct ui_field field;
};

static void report_clear(struct report *s)
{
	if (s->built)
		app_report_release(&s->r);
	s->built = false;
	free(s->text);
	free(s->line);
	s->text = NULL;
	s->line = NULL;
	s->n = 0;
}

/* Split the text into lines (in place). */
static bool split(struct report *s)
{
	size_t cap = 1;
	for (const char *p = s->text; *p; p++)
		cap += *p == '\n';
	s->line = calloc(cap, sizeof *s->line);
	if (!s->line)
		return false;
	char *p = s->text;
	while (*p && s->n < cap) {
		s->line[s->n++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return true;
}

static void build(struct ui *ui, struct report *s)
{
	const struct ui_operator *op = ui_operator(ui);
	const struct config *cfg = ui_config(ui);
	struct pos_err err;
	pos_err_clear(&err);
	report_clear(s);
	s->problem[0] = '\0';
	struct app_report_req rq = {
		.date = s->date,
		.till_name = cfg->till.name,
		.operator_id = op->id,
		.operator_name = op->name,
		.role = op->role,
	};
	if (app_report_build(ui_store(ui), &rq, &s->r, &err) != POS_OK) {
		ui_sentence(s->problem, sizeof s->problem, &err);
		return;
	}
	s->built = true;
	s->text = app_report_text(&s->r);
	if (!s->text || !split(s)) {
		report_clear(s);
		str_copy(s->problem, sizeof s->problem, "Out of memory: the report cannot be shown.");
		return;
	}
	if (s->top >= s->n)
		s->top = 0;
}

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	if (role_check(ui_operator(ui)->role, ROLE_ACT_OWN_HISTORY, err) != POS_OK)
		return err->code;
	struct report *s = calloc(1, sizeof *s);
	if (!s)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	app_report_today(clock_now_ms(), s->date);
	s->field = (struct ui_field){.label = "Date", .max_chars = 10};
	build(ui, s);
	*self = s;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct report *s = self;
	report_clear(s);
	free(s);
}

static unsigned context(const void *self)
{
	const struct report *s = self;
	return s->mode == M_DATE ? UI_CX_HFORM : UI_CX_REPORT;
}

static bool typing(const void *self)
{
	const struct report *s = self;
	return s->mode == M_DATE;
}

static int page(const struct report *s)
{
	return s->h > 0 ? s->h : 1;
}

static void save(struct ui *ui, struct report *s)
{
	char dir[UI_PATH_MAX - 64], txt[UI_PATH_MAX + 64], csv[UI_PATH_MAX + 64];
	struct pos_err err;
	pos_err_clear(&err);
	if (!s->built) {
		ui_message(ui, UI_MSG_ERROR, "There is no report to save.");
		return;
	}
	if (ui_output_dir(ui, dir, sizeof dir, &err) != POS_OK ||
	    app_report_save(&s->r, dir, txt, sizeof txt, csv, sizeof csv, &err) != POS_OK) {
		ui_message_err(ui, &err);
		return;
	}
	const char *base = strrchr(txt, '/');
	ui_message(ui, UI_MSG_GOOD, "Saved %s and .csv in %s", base ? base + 1 : txt, dir);
}

static unsigned key_date(struct ui *ui, struct report *s, const struct ui_key *k)
{
	time_t t;
	switch (k->act) {
	case UI_ACT_BACK:
		s->mode = M_VIEW;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		str_trim(s->field.text);
		if (!s->field.text[0])
			app_report_today(clock_now_ms(), s->field.text);
		if (strlen(s->field.text) != 10 || !clock_parse_date_eat(s->field.text, &t)) {
			snprintf(s->field.err, sizeof s->field.err,
			         "\"%s\" is not a date: type it as 2025-03-14", s->field.text);
			return UI_HANDLED | UI_REDRAW;
		}
		str_copy(s->date, sizeof s->date, s->field.text);
		s->mode = M_VIEW;
		s->top = 0;
		build(ui, s);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_NEXT:
	case UI_ACT_PREV:
		return UI_HANDLED;
	default:
		break;
	}
	s->field.err[0] = '\0';
	if (ui_field_key(&s->field, k) || s->field.err[0])
		return UI_HANDLED | UI_REDRAW;
	return UI_UNHANDLED;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct report *s = self;
	size_t pg = (size_t)page(s);
	if (s->mode == M_DATE)
		return key_date(ui, s, k);
	switch (k->act) {
	case UI_ACT_UP:
		if (s->top > 0)
			s->top--;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if (s->top + pg < s->n)
			s->top++;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PAGE_UP:
		s->top = s->top > pg ? s->top - pg : 0;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PAGE_DOWN:
		if (s->top + pg < s->n)
			s->top += pg;
		if (s->top + pg > s->n)
			s->top = s->n > pg ? s->n - pg : 0;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_TOP:
		s->top = 0;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_FILTER:
		s->mode = M_DATE;
		ui_field_set(&s->field, s->date);
		s->field.err[0] = '\0';
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_EXPORT:
		save(ui, s);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_CHECK_NOW:
		build(ui, s);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

static unsigned notify(struct ui *ui, void *self, const int64_t *ids, size_t n, bool all)
{
	(void)ids;
	(void)n;
	(void)all;
	struct report *s = self;
	if (s->mode != M_VIEW)
		return 0;
	build(ui, s); /* the day's totals moved: read them again */
	return UI_REDRAW;
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct report *s = self;
	int x = b->x + 1, w = b->w - 2;
	if (s->mode == M_DATE) {
		int y = b->y + 2;
		ui_put(y, x + 3, w - 6, ui_attr(ui, UI_A_TITLE), "The report of which day?");
		ui_put(y + 1, x + 3, w - 6, ui_attr(ui, UI_A_DIM),
		       "A Nairobi day, as 2025-03-14; empty for today.");
		ui_field_draw(ui, &s->field, y + 3, x + 3, 8, 12, true);
		return;
	}
	if (s->problem[0]) {
		ui_wrap(b->y + 1, x + 1, w - 2, 4, ui_attr(ui, UI_A_ERROR), s->problem);
		return;
	}
	int h = b->h - 1;
	s->h = h;
	for (int i = 0; i < h && s->top + (size_t)i < s->n; i++)
		ui_put(b->y + i, x, w, i == 0 && s->top == 0 ? ui_attr(ui, UI_A_TITLE) : A_NORMAL,
		       s->line[s->top + (size_t)i]);
	char foot[160];
	size_t last = s->top + (size_t)h < s->n ? s->top + (size_t)h : s->n;
	snprintf(foot, sizeof foot, "Lines %zu-%zu of %zu %s %s %s F4 another day",
	         s->n ? s->top + 1 : 0, last, s->n, ui_glyphs(ui)->dot,
	         last < s->n ? "more below (PgDn)" : "end of the report", ui_glyphs(ui)->dot);
	ui_put(b->y + b->h - 1, x, w, ui_attr(ui, UI_A_DIM), foot);
}

const struct screen_ops ui_screen_report = {
	.name = "report",
	.title = "Day-end report",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
	.notify = notify,
};
