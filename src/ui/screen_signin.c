/* ui/screen_signin.c: operator id and PIN. The check itself (slow hash,
 * lock-out, audit) is app_signin()'s; this screen only asks and tells. */
#include <stdlib.h>
#include <string.h>

#include "app/signin.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "ui/ui_int.h"

enum { F_ID, F_PIN, F_COUNT };

struct signin {
	struct ui_field f[F_COUNT];
	int focus;
	bool checking;          /* drawn "Checking...", the tick signs in */
	char problem[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
};

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)ui;
	(void)arg;
	struct signin *s = calloc(1, sizeof *s);
	if (!s)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	s->f[F_ID] = (struct ui_field){.label = "Operator id", .max_chars = 9, .digits = true};
	s->f[F_PIN] = (struct ui_field){.label = "PIN", .max_chars = APP_PIN_MAX,
	                                .digits = true, .secret = true};
	*self = s;
	return POS_OK;
}

static void wipe_pin(struct signin *s)
{
	crypto_wipe(s->f[F_PIN].text, sizeof s->f[F_PIN].text);
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct signin *s = self;
	wipe_pin(s);
	free(s);
}

static unsigned context(const void *self)
{
	(void)self;
	return UI_CX_SIGNIN;
}

static bool typing(const void *self)
{
	const struct signin *s = self;
	return !s->checking;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct signin *s = self;
	if (s->checking)
		return UI_HANDLED;
	switch (k->act) {
	case UI_ACT_NEXT:
		s->focus = (s->focus + 1) % F_COUNT;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PREV:
		s->focus = (s->focus + F_COUNT - 1) % F_COUNT;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_CLEAR:
		ui_field_clear(&s->f[F_ID]);
		wipe_pin(s);
		ui_field_clear(&s->f[F_PIN]);
		s->problem[0] = '\0';
		s->focus = F_ID;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		if (s->focus == F_ID) {
			s->focus = F_PIN;
			return UI_HANDLED | UI_REDRAW;
		}
		if (!s->f[F_ID].text[0]) {
			str_copy(s->f[F_ID].err, sizeof s->f[F_ID].err,
			         "Type your operator id (the number on your badge).");
			s->focus = F_ID;
			return UI_HANDLED | UI_REDRAW;
		}
		s->problem[0] = '\0';
		s->checking = true;
		return UI_HANDLED | UI_REDRAW;
	default:
		break;
	}
	struct ui_field *f = &s->f[s->focus];
	f->err[0] = '\0';
	if (ui_field_key(f, k) || f->err[0]) {
		ui_message_clear(ui);
		return UI_HANDLED | UI_REDRAW;
	}
	return UI_UNHANDLED;
}

static void sign_in(struct ui *ui, struct signin *s)
{
	uint64_t id = 0;
	struct pos_err err;
	pos_err_clear(&err);
	struct app_operator op;
	if (parse_u64_str(s->f[F_ID].text, INT64_MAX, &id) != POS_OK) {
		str_copy(s->f[F_ID].err, sizeof s->f[F_ID].err,
		         "An operator id is a number, like 1001.");
		s->focus = F_ID;
		return;
	}
	enum pos_status st = app_signin(ui_app(ui), (int64_t)id, s->f[F_PIN].text, &op, &err);
	wipe_pin(s);
	ui_field_clear(&s->f[F_PIN]);
	if (st != POS_OK) {
		if (!err.msg[0])
			err.code = st;
		ui_sentence(s->problem, sizeof s->problem, &err);
		s->focus = F_PIN;
		return;
	}
	struct ui_operator uop = {.in = true, .id = op.id, .role = op.role};
	str_copy(uop.name, sizeof uop.name, op.name);
	log_info("console", "operator %lld signed in", (long long)op.id);
	ui_signed_in(ui, &uop); /* frees this screen: nothing after this */
}

static unsigned tick(struct ui *ui, void *self, int64_t now, int64_t *next)
{
	(void)now;
	(void)next;
	struct signin *s = self;
	if (!s->checking)
		return 0;
	s->checking = false;
	sign_in(ui, s);
	return UI_REDRAW;
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct signin *s = self;
	int x = b->x + (b->w - 60) / 2;
	int y = b->y + 2;
	ui_put(y, x, 60, ui_attr(ui, UI_A_TITLE), "Sign in to take payments.");
	ui_put(y + 1, x, 60, ui_attr(ui, UI_A_DIM),
	       "Type your operator id and PIN, then press Enter.");
	const char *note = s->checking ? "Checking..." : "";
	ui_put(y + 9, x + 14, 40, ui_attr(ui, UI_A_DIM), note);
	if (s->problem[0])
		ui_wrap(y + 9, x, 60, 3, ui_attr(ui, UI_A_ERROR), s->problem);
	/* Fields last: the one with focus leaves the cursor at its end. */
	for (int i = 0; i < F_COUNT; i++)
		if (i != s->focus)
			ui_field_draw(ui, &s->f[i], y + 4 + 3 * i, x, 14, 14, false);
	ui_field_draw(ui, &s->f[s->focus], y + 4 + 3 * s->focus, x, 14, 14, true);
}

const struct screen_ops ui_screen_signin = {
	.name = "signin",
	.title = "Sign in",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
	.tick = tick,
};
