/* ui/keys.c: the key table (keys.def), its matching, the function-key bar. */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "ui/ui_int.h"

static const struct ui_keyrow rows[] = {
#define UI_KEY(cx, key, alt, action, role, label, help) \
	{(cx), (key), (alt), (action), (role), (label), (help)},
#include "ui/keys.def"
};

const struct ui_keyrow *ui_keys_table(size_t *n)
{
	*n = sizeof rows / sizeof rows[0];
	return rows;
}

static bool printable(int key)
{
	return key >= 0x20 && key < 0x7f;
}

/* Does table key `key` match the press k? */
static bool same(int key, const struct ui_key *k, bool typing)
{
	if (key == 0)
		return false;
	if (key >= KEY_MIN)
		return k->fn && k->code == key;
	if (k->fn || k->code != key)
		return false;
	return !(typing && printable(key));
}

const struct ui_keyrow *ui_keys_match(unsigned cx, const struct ui_key *k,
                                      bool typing)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (!(rows[i].contexts & cx))
			continue;
		if (same(rows[i].key, k, typing) || same(rows[i].alt, k, typing))
			return &rows[i];
	}
	return NULL;
}

bool ui_keys_allowed(const struct ui_keyrow *row, bool signed_in, enum role r)
{
	/* The menu and signing out are for someone signed in (the help screen
	 * opened from Sign in would otherwise offer them). */
	if (!signed_in && (row->action == UI_ACT_MENU || row->action == UI_ACT_SIGN_OUT))
		return false;
	if (row->role_action == UI_ANYONE)
		return true;
	return signed_in && role_allows(r, row->role_action);
}

const char *ui_keys_name(int key, char *out, size_t outsz)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{'\n', "Enter"}, {27, "Esc"}, {'\t', "Tab"}, {' ', "Space"},
		{KEY_BTAB, "Shift-Tab"}, {KEY_UP, "Up"}, {KEY_DOWN, "Down"},
		{KEY_LEFT, "Left"}, {KEY_RIGHT, "Right"}, {KEY_PPAGE, "PgUp"},
		{KEY_NPAGE, "PgDn"}, {KEY_HOME, "Home"}, {KEY_END, "End"},
		{KEY_BACKSPACE, "Backspace"}, {3, "Ctrl-C"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].key == key) {
			str_copy(out, outsz, names[i].name);
			return out;
		}
	if (key >= KEY_F(1) && key <= KEY_F(24))
		snprintf(out, outsz, "F%d", key - KEY_F(0));
	else if (printable(key))
		snprintf(out, outsz, "%c", key);
	else
		str_copy(out, outsz, "?");
	return out;
}

enum { BAR_MAX = 16 };

struct bar_item {
	char text[48];
	size_t len;
	bool keep; /* Help, Menu and Quit stay whatever the width */
};

void ui_keys_bar(unsigned cx, bool signed_in, enum role r, size_t width,
                 char *out, size_t outsz)
{
	struct bar_item items[BAR_MAX];
	size_t n = 0;
	bool seen[UI_ACT_COUNT] = {false};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && n < BAR_MAX; i++) {
		const struct ui_keyrow *row = &rows[i];
		if (!(row->contexts & cx) || !row->label[0] || seen[row->action] ||
		    !ui_keys_allowed(row, signed_in, r))
			continue;
		seen[row->action] = true;
		char name[16];
		ui_keys_name(row->key, name, sizeof name);
		struct bar_item *it = &items[n++];
		snprintf(it->text, sizeof it->text, "%s %s", name, row->label);
		it->len = strlen(it->text);
		/* The menu is the way to every other screen: never dropped. */
		it->keep = row->action == UI_ACT_HELP || row->action == UI_ACT_MENU ||
		           row->action == UI_ACT_QUIT;
	}
	/* Two spaces between entries; drop the latest optional ones until the
	 * bar fits (the help screen lists them all). */
	for (;;) {
		size_t total = 0, used = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].len) {
				total += items[i].len + (used ? 2 : 0);
				used++;
			}
		if (total + 1 <= width)
			break;
		size_t drop = n;
		for (size_t i = n; i-- > 0;)
			if (items[i].len && !items[i].keep) {
				drop = i;
				break;
			}
		if (drop == n)
			break;
		items[drop].len = 0;
	}
	out[0] = '\0';
	size_t at = 0;
	for (size_t i = 0; i < n && at + 1 < outsz; i++) {
		if (!items[i].len)
			continue;
		int w = snprintf(out + at, outsz - at, "%s%s", at ? "  " : " ",
		                 items[i].text);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	if (at >= outsz)
		out[outsz - 1] = '\0';
}
