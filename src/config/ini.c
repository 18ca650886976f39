/* config/ini.c: the line readers for mpesa-pos.conf (INI) and .env. */
#include "config/config_int.h"

#include <stdio.h>
#include <string.h>

#include "base/str.h"

/* Walks a buffer line by line and hands each acceptable line, copied and
 * NUL-terminated, to `fn`; reports overlong, NUL-holding and non-UTF-8 lines
 * through `bad`. */
typedef void line_fn(const void *ctx, unsigned line, char *text);

static void each_line(const char *data, size_t len, const void *ctx, line_fn *fn,
                      void (*bad)(const void *ctx, unsigned line, const char *problem))
{
	static const char bom[] = "\xef\xbb\xbf";
	char buf[CONFIG_LINE_MAX + 1];
	size_t pos = 0;
	unsigned line = 0;
	if (len >= 3 && memcmp(data, bom, 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *start = data + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		line++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX) {
			char msg[160];
			snprintf(msg, sizeof msg,
			         "the line is longer than %d bytes; shorten it (is this the right file?)",
			         CONFIG_LINE_MAX);
			bad(ctx, line, msg);
			continue;
		}
		if (memchr(start, '\0', n)) {
			bad(ctx, line, "the line holds a NUL byte; save the file as plain text");
			continue;
		}
		memcpy(buf, start, n);
		buf[n] = '\0';
		if (str_utf8_len(buf) < 0) {
			bad(ctx, line, "the line is not valid UTF-8; save the file as UTF-8 text");
			continue;
		}
		fn(ctx, line, buf);
	}
}

/* ---- INI --------------------------------------------------------------- */

static void ini_line(const void *ctx, unsigned line, char *text)
{
	const struct ini_sink *sink = ctx;
	char *s = str_trim(text);
	if (*s == '\0' || *s == '#' || *s == ';')
		return;
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1] != '\0') {
			sink->bad(sink->ctx, line,
			          "a section header must look like [name], alone on its line");
			return;
		}
		*close = '\0';
		char *name = str_trim(s + 1);
		if (*name == '\0') {
			sink->bad(sink->ctx, line, "the section header [] has no name");
			return;
		}
		sink->section(sink->ctx, line, name);
		return;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		sink->bad(sink->ctx, line,
		          "the line has no \"=\"; write key = value, a [section] header, "
		          "or a comment starting with # or ;");
		return;
	}
	*eq = '\0';
	char *key = str_trim(s);
	char *value = str_trim(eq + 1);
	if (*key == '\0') {
		sink->bad(sink->ctx, line, "the line has no key before \"=\"");
		return;
	}
	size_t vl = strlen(value);
	if (vl > 0 && (value[0] == '"' || value[0] == '\'')) {
		if (vl < 2 || value[vl - 1] != value[0]) {
			sink->pair(sink->ctx, line, key, value,
			           value[0] == '"'
			               ? "the quote is not closed; end the value with \""
			               : "the quote is not closed; end the value with '");
			return;
		}
		value[vl - 1] = '\0';
		value++;
	}
	sink->pair(sink->ctx, line, key, value, NULL);
}

static void ini_bad(const void *ctx, unsigned line, const char *problem)
{
	const struct ini_sink *sink = ctx;
	sink->bad(sink->ctx, line, problem);
}

void ini_parse(const char *data, size_t len, const struct ini_sink *sink)
{
	each_line(data, len, sink, ini_line, ini_bad);
}

/* ---- .env -------------------------------------------------------------- */

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static void dotenv_line(const void *ctx, unsigned line, char *text)
{
	const struct dotenv_sink *sink = ctx;
	char *s = str_trim(text);
	if (*s == '\0' || *s == '#')
		return;
	if (strncmp(s, "export", 6) == 0 && (s[6] == ' ' || s[6] == '\t')) {
		s += 6;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	char *name = s;
	if (!name_start(*s)) {
		sink->bad(sink->ctx, line, "cannot read this line; write NAME=value");
		return;
	}
	while (name_char(*s))
		s++;
	char *name_end = s;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '=') {
		sink->bad(sink->ctx, line, "cannot read this line; write NAME=value");
		return;
	}
	*name_end = '\0';
	s++;
	while (*s == ' ' || *s == '\t')
		s++;
	char *value = s;
	if (*s == '\'' || *s == '"') {
		char q = *s++;
		char *o = s;
		value = s;
		while (*s && *s != q) {
			if (q == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
				s++;
			*o++ = *s++;
		}
		if (*s != q) {
			sink->bad(sink->ctx, line,
			          "the quote is not closed (a value on several lines is not supported)");
			return;
		}
		s++;
		*o = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '\0' && *s != '#') {
			sink->bad(sink->ctx, line, "text after the closing quote; remove it");
			return;
		}
	} else {
		for (char *p = s; *p; p++) {
			if (*p == '#' && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		}
		str_trim(value);
	}
	sink->pair(sink->ctx, line, name, value);
}

static void dotenv_bad(const void *ctx, unsigned line, const char *problem)
{
	const struct dotenv_sink *sink = ctx;
	sink->bad(sink->ctx, line, problem);
}

void dotenv_parse(const char *data, size_t len, const struct dotenv_sink *sink)
{
	each_line(data, len, sink, dotenv_line, dotenv_bad);
}
