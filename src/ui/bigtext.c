/* ui/bigtext.c: large type, five rows high, for amounts, phone numbers and
 * outcomes that must be impossible to misread across a counter. Letter O is
 * wider than digit 0, and S has an open top unlike 5. */
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "ui/ui_int.h"

struct glyph {
	char c;
	const char *row[UI_BIG_ROWS];
};

static const struct glyph font[] = {
	{'0', {" ## ", "#  #", "# ##", "## #", " ## "}},
	{'1', {" # ", "## ", " # ", " # ", "###"}},
	{'2', {"### ", "   #", " ## ", "#   ", "####"}},
	{'3', {"### ", "   #", " ## ", "   #", "### "}},
	{'4', {"#  #", "#  #", "####", "   #", "   #"}},
	{'5', {"####", "#   ", "### ", "   #", "### "}},
	{'6', {" ## ", "#   ", "### ", "#  #", " ## "}},
	{'7', {"####", "   #", "  # ", " #  ", " #  "}},
	{'8', {" ## ", "#  #", " ## ", "#  #", " ## "}},
	{'9', {" ## ", "#  #", " ###", "   #", " ## "}},
	{' ', {"  ", "  ", "  ", "  ", "  "}},
	{',', {"  ", "  ", "  ", " #", "# "}},
	{'.', {" ", " ", " ", " ", "#"}},
	{':', {" ", "#", " ", "#", " "}},
	{'-', {"   ", "   ", "###", "   ", "   "}},
	{'+', {"   ", " # ", "###", " # ", "   "}},
	{'A', {" ## ", "#  #", "####", "#  #", "#  #"}},
	{'B', {"### ", "#  #", "### ", "#  #", "### "}},
	{'C', {" ###", "#   ", "#   ", "#   ", " ###"}},
	{'D', {"### ", "#  #", "#  #", "#  #", "### "}},
	{'E', {"####", "#   ", "### ", "#   ", "####"}},
	{'F', {"####", "#   ", "### ", "#   ", "#   "}},
	{'G', {" ###", "#   ", "# ##", "#  #", " ###"}},
	{'H', {"#  #", "#  #", "####", "#  #", "#  #"}},
	{'I', {"###", " # ", " # ", " # ", "###"}},
	{'J', {"   #", "   #", "   #", "#  #", " ## "}},
	{'K', {"#  #", "# # ", "##  ", "# # ", "#  #"}},
	{'L', {"#   ", "#   ", "#   ", "#   ", "####"}},
	{'M', {"#   #", "## ##", "# # #", "#   #", "#   #"}},
	{'N', {"#  #", "## #", "# ##", "#  #", "#  #"}},
	{'O', {" ### ", "#   #", "#   #", "#   #", " ### "}},
	{'P', {"### ", "#  #", "### ", "#   ", "#   "}},
	{'Q', {" ## ", "#  #", "#  #", "# ##", " ###"}},
	{'R', {"### ", "#  #", "### ", "# # ", "#  #"}},
	{'S', {" ###", "#   ", " ## ", "   #", "### "}},
	{'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  "}},
	{'U', {"#  #", "#  #", "#  #", "#  #", " ## "}},
	{'V', {"#   #", "#   #", "#   #", " # # ", "  #  "}},
	{'W', {"#   #", "#   #", "# # #", "## ##", "#   #"}},
	{'X', {"#   #", " # # ", "  #  ", " # # ", "#   #"}},
	{'Y', {"#   #", " # # ", "  #  ", "  #  ", "  #  "}},
	{'Z', {"####", "   #", "  # ", " #  ", "####"}},
};

static const struct glyph *glyph_of(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
		if (font[i].c == c)
			return &font[i];
	return NULL;
}

int ui_big_width(const char *text)
{
	int w = 0;
	for (const char *p = text; *p; p++) {
		const struct glyph *g = glyph_of(*p);
		if (!g)
			return -1;
		w += (int)strlen(g->row[0]) + (p[1] ? 1 : 0);
	}
	return w;
}

bool ui_big_row(const char *text, int row, char *out, size_t outsz)
{
	if (row < 0 || row >= UI_BIG_ROWS || outsz == 0)
		return false;
	size_t at = 0;
	out[0] = '\0';
	for (const char *p = text; *p; p++) {
		const struct glyph *g = glyph_of(*p);
		if (!g)
			return false;
		const char *r = g->row[row];
		size_t len = strlen(r) + (p[1] ? 1 : 0);
		if (at + len >= outsz)
			return false;
		memcpy(out + at, r, strlen(r));
		if (p[1])
			out[at + strlen(r)] = ' ';
		at += len;
		out[at] = '\0';
	}
	return true;
}

int ui_big_draw(const struct ui *ui, int y, int x, int w, attr_t a,
                const char *text)
{
	int need = ui_big_width(text);
	if (need < 0 || need > w) {
		ui_put(y + UI_BIG_ROWS / 2, x, w, a | A_BOLD, text);
		return UI_BIG_ROWS;
	}
	const char *block = ui_glyphs(ui)->block;
	char row[256];
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset(a);
	for (int r = 0; r < UI_BIG_ROWS; r++) {
		if (!ui_big_row(text, r, row, sizeof row))
			break;
		for (int i = 0; row[i]; i++)
			if (row[i] == '#')
				mvaddstr(y + r, x + i, block);
	}
	attr_set(old, pair, NULL);
	return UI_BIG_ROWS;
}
