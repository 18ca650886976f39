/* ui/field.c: a one-line text field with its error under it. */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "ui/ui_int.h"

enum { CTRL_U = 0x15, CTRL_W = 0x17, CTRL_H = 0x08, DEL = 0x7f };

void ui_field_clear(struct ui_field *f)
{
	f->text[0] = '\0';
	f->err[0] = '\0';
	f->warning = false;
	f->note[0] = '\0';
}

void ui_field_set(struct ui_field *f, const char *text)
{
	str_copy(f->text, sizeof f->text, text);
}

static size_t cap_of(const struct ui_field *f)
{
	size_t cap = f->max_chars ? f->max_chars : UI_FIELD_MAX;
	return cap > UI_FIELD_MAX ? UI_FIELD_MAX : cap;
}

bool ui_field_key(struct ui_field *f, const struct ui_key *k)
{
	size_t len = strlen(f->text);
	if ((k->fn && k->code == KEY_BACKSPACE) ||
	    (!k->fn && (k->code == DEL || k->code == CTRL_H))) {
		if (!len)
			return false;
		f->text[len - 1] = '\0';
		return true;
	}
	if (k->fn)
		return false;
	if (k->code == CTRL_U) {
		if (!len)
			return false;
		f->text[0] = '\0';
		return true;
	}
	if (k->code == CTRL_W) {
		if (!len)
			return false;
		while (len && f->text[len - 1] == ' ')
			len--;
		while (len && f->text[len - 1] != ' ')
			len--;
		f->text[len] = '\0';
		return true;
	}
	if (k->code < 0x20 || k->code == DEL)
		return false;
	if (k->code >= 0x80) {
		snprintf(f->err, sizeof f->err,
		         "%s: only plain letters, digits and punctuation can be typed "
		         "here (Daraja refuses accented letters and symbols)",
		         f->label);
		return false;
	}
	if (f->digits && (k->code < '0' || k->code > '9')) {
		snprintf(f->err, sizeof f->err, "%s: type digits only (\"%c\" is not a digit)",
		         f->label, k->code);
		return false;
	}
	if (len >= cap_of(f)) {
		snprintf(f->err, sizeof f->err, "%s: at most %zu characters fit here",
		         f->label, cap_of(f));
		return false;
	}
	f->text[len] = (char)k->code;
	f->text[len + 1] = '\0';
	return true;
}

void ui_field_draw(const struct ui *ui, const struct ui_field *f, int y, int x,
                   int label_w, int value_w, bool focus)
{
	ui_put(y, x, label_w, ui_attr(ui, focus ? UI_A_FOCUS : UI_A_NORMAL), f->label);
	int vx = x + label_w;
	attr_t fa = ui_attr(ui, UI_A_FIELD);
	/* The field's box: blanks with the field attribute (underline in mono). */
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(fa);
	mvhline(y, vx, ' ', value_w);
	attr_set(old, pair, NULL);

	char shown[UI_FIELD_MAX * 4 + 1];
	if (f->secret) {
		const char *pin = ui_glyphs(ui)->pin;
		size_t at = 0, plen = strlen(pin);
		for (size_t i = 0; f->text[i] && at + plen < sizeof shown; i++) {
			memcpy(shown + at, pin, plen);
			at += plen;
		}
		shown[at] = '\0';
	} else {
		str_copy(shown, sizeof shown, f->text);
	}
	/* Keep the end of a long value in view. */
	const char *from = shown;
	while (*from && ui_text_width(from) > value_w - 1) {
		from++;
		while ((*from & 0xc0) == 0x80)
			from++;
	}
	int used = ui_put(y, vx, value_w, fa, from);
	if (f->note[0] && !f->err[0])
		ui_put(y, vx + value_w + 2, COLS - (vx + value_w + 2) - 1,
		       ui_attr(ui, UI_A_GOOD), f->note);
	if (f->err[0])
		ui_wrap(y + 1, vx, COLS - vx - 1, 2,
		        ui_attr(ui, f->warning ? UI_A_WARN : UI_A_ERROR), f->err);
	if (focus)
		move(y, vx + used);
}
