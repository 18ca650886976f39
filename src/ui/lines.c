/* ui/lines.c: text from outside (a raw callback body) made safe to show:
 * JSON laid out one member per line, control characters and bytes that are
 * not UTF-8 shown as '?', and a ceiling on how much is kept. */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/str.h"
#include "ui/ui_int.h"

void ui_lines_release(struct ui_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
	free(l->line);
	memset(l, 0, sizeof *l);
}

static bool push(struct ui_lines *l, struct buf *b)
{
	if (l->n == UI_LINES_MAX) {
		l->truncated = true;
		return false;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		char **grown = realloc(l->line, cap * sizeof *grown);
		if (!grown)
			return false;
		l->line = grown;
		l->cap = cap;
	}
	char *s = malloc(b->len + 1);
	if (!s)
		return false;
	memcpy(s, b->data ? b->data : "", b->len);
	s[b->len] = '\0';
	l->line[l->n++] = s;
	buf_reset(b);
	return true;
}

static void indent(struct buf *b, int depth)
{
	for (int i = 0; i < depth && i < 16; i++)
		buf_puts(b, "  ");
}

/* Append one character of the body, sanitised; returns bytes consumed. */
static size_t put_char(struct buf *b, const char *p, size_t left)
{
	unsigned char c = (unsigned char)*p;
	if (c < 0x20 || c == 0x7f) {
		buf_puts(b, "?");
		return 1;
	}
	if (c < 0x80) {
		buf_append(b, p, 1);
		return 1;
	}
	mbstate_t ps;
	memset(&ps, 0, sizeof ps);
	wchar_t wc;
	size_t len = mbrtowc(&wc, p, left, &ps);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		buf_puts(b, "?");
		return 1;
	}
	buf_append(b, p, len);
	return len;
}

enum pos_status ui_lines_json(const char *body, size_t len, struct ui_lines *out)
{
	memset(out, 0, sizeof *out);
	if (len > UI_LINES_BYTES_MAX) {
		len = UI_LINES_BYTES_MAX;
		out->truncated = true;
	}
	struct buf b;
	buf_init(&b, 4096);
	int depth = 0;
	bool in_str = false, esc = false;
	size_t i = 0;
	while (i < len) {
		char c = body[i];
		if (b.len > 200) /* a very long line: break it */
			push(out, &b);
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			i += put_char(&b, body + i, len - i);
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			buf_append(&b, &c, 1);
			i++;
			break;
		case '{':
		case '[':
			buf_append(&b, &c, 1);
			if (!push(out, &b))
				goto done;
			depth++;
			indent(&b, depth);
			i++;
			break;
		case '}':
		case ']':
			if (b.len && !push(out, &b))
				goto done;
			depth = depth > 0 ? depth - 1 : 0;
			indent(&b, depth);
			buf_append(&b, &c, 1);
			i++;
			break;
		case ',':
			buf_append(&b, &c, 1);
			if (!push(out, &b))
				goto done;
			indent(&b, depth);
			i++;
			break;
		case ':':
			buf_puts(&b, ": ");
			i++;
			break;
		case ' ':
		case '\t':
		case '\r':
		case '\n':
			i++; /* the layout is ours */
			break;
		default:
			i += put_char(&b, body + i, len - i);
			break;
		}
	}
	if (b.len)
		push(out, &b);
done:
	buf_release(&b);
	/* Drop lines holding only the indentation. */
	size_t w = 0;
	for (size_t r = 0; r < out->n; r++) {
		const char *s = out->line[r];
		while (*s == ' ')
			s++;
		if (*s)
			out->line[w++] = out->line[r];
		else
			free(out->line[r]);
	}
	out->n = w;
	return POS_OK;
}
