/* core/text.c: quoting untrusted values for messages; trimming. */
#include "core/text_int.h"

#include <string.h>

bool core_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

void core_trim(const char **s, size_t *n)
{
	while (*n > 0 && core_is_space((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && core_is_space((*s)[*n - 1]))
		(*n)--;
}

size_t core_utf8_seq(const unsigned char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return c == 0 ? 0 : 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2;
		min = 0x80;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		min = 0x800;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		min = 0x10000;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return len;
}

const char *core_quote(const char *s, size_t n, char *out, size_t outsz)
{
	static const char dots[] = "...";
	if (!out || outsz == 0)
		return out;
	size_t cap = outsz - 1; /* room for NUL */
	if (cap > sizeof dots - 1)
		cap -= sizeof dots - 1; /* always keep room for "..." */
	else
		cap = 0;
	if (cap > CORE_QUOTE_MAX)
		cap = CORE_QUOTE_MAX;
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (s && i < n) {
		size_t len = core_utf8_seq(u + i, n - i);
		if (len == 1 && (u[i] < 0x20 || u[i] == 0x7f))
			len = 0; /* control byte */
		size_t outlen = len ? len : 1;
		if (o + outlen > cap)
			break;
		if (len) {
			memcpy(out + o, u + i, len);
			i += len;
		} else {
			out[o] = '?';
			i++;
		}
		o += outlen;
	}
	if (s && i < n && o + sizeof dots - 1 < outsz) {
		memcpy(out + o, dots, sizeof dots - 1);
		o += sizeof dots - 1;
	}
	out[o] = '\0';
	return out;
}
