/* base/str.c: bounded strings, buffers and number parsers. */
#include "base/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool str_copy(char *dst, size_t dstsz, const char *src)
{
	if (!dst || dstsz == 0)
		return false;
	if (!src) {
		dst[0] = '\0';
		return true;
	}
	size_t n = strlen(src);
	if (n >= dstsz) {
		memcpy(dst, src, dstsz - 1);
		dst[dstsz - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

bool str_copyn(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (!dst || dstsz == 0)
		return false;
	const char *nul = src ? memchr(src, '\0', n) : NULL;
	if (!src)
		n = 0;
	else if (nul)
		n = (size_t)(nul - src);
	bool fits = n < dstsz;
	if (!fits)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return fits;
}

bool str_fmt(char *dst, size_t dstsz, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, dstsz, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < dstsz;
}

bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool str_eq_nocase(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (lower((unsigned char)*a) != lower((unsigned char)*b))
			return false;
	return *a == *b;
}

bool str_starts_with(const char *s, const char *prefix)
{
	return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	if (!s || !suffix)
		return false;
	size_t n = strlen(s), m = strlen(suffix);
	return m <= n && memcmp(s + n - m, suffix, m) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char *str_trim(char *s)
{
	if (!s)
		return s;
	size_t n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	size_t i = 0;
	while (is_space(s[i]))
		i++;
	if (i > 0)
		memmove(s, s + i, n - i + 1);
	return s;
}

bool str_is_printable_ascii(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

long str_utf8_len(const char *s)
{
	long count = 0;
	const unsigned char *u = (const unsigned char *)s;
	if (!s)
		return -1;
	while (*u) {
		unsigned c = *u;
		int extra;
		unsigned min;
		if (c < 0x80) {
			extra = 0;
			min = 0;
		} else if ((c & 0xe0) == 0xc0) {
			extra = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			extra = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			extra = 3;
			min = 0x10000;
			c &= 0x07;
		} else {
			return -1;
		}
		u++;
		for (int i = 0; i < extra; i++, u++) {
			if ((*u & 0xc0) != 0x80)
				return -1;
			c = (c << 6) | (*u & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return -1;
		count++;
	}
	return count;
}

bool str_eq_ct(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char *x = a, *y = b;
	unsigned char diff = (unsigned char)(alen != blen);
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(x[i] ^ y[i]);
	return diff == 0;
}

enum pos_status parse_u64(const char **p, const char *end, uint64_t max,
                          uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (s >= end || *s < '0' || *s > '9')
		return POS_E_PARSE;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (max - d) / 10)
			return POS_E_RANGE;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return POS_OK;
}

enum pos_status parse_u64_str(const char *s, uint64_t max, uint64_t *out)
{
	if (!s)
		return POS_E_PARSE;
	const char *p = s, *end = s + strlen(s);
	uint64_t v;
	enum pos_status st = parse_u64(&p, end, max, &v);
	if (st != POS_OK)
		return st;
	if (p != end)
		return POS_E_PARSE;
	*out = v;
	return POS_OK;
}

enum pos_status parse_i64_str(const char *s, int64_t min, int64_t max,
                              int64_t *out)
{
	if (!s)
		return POS_E_PARSE;
	bool neg = s[0] == '-';
	uint64_t mag;
	uint64_t limit = neg ? (uint64_t)(-(min + 1)) + 1 : (uint64_t)(max < 0 ? 0 : max);
	enum pos_status st = parse_u64_str(s + (neg ? 1 : 0), limit, &mag);
	if (st != POS_OK)
		return st;
	int64_t v = neg ? (mag == 0 ? 0 : -(int64_t)(mag - 1) - 1) : (int64_t)mag;
	if (v < min || v > max)
		return POS_E_RANGE;
	*out = v;
	return POS_OK;
}

bool str_is_digits(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static enum pos_status buf_reserve(struct buf *b, size_t extra)
{
	if (extra > b->max || b->len > b->max - extra)
		return POS_E_TOO_LONG;
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return POS_OK;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *d = realloc(b->data, cap);
	if (!d)
		return POS_E_NOMEM;
	b->data = d;
	b->cap = cap;
	return POS_OK;
}

enum pos_status buf_append(struct buf *b, const void *data, size_t n)
{
	enum pos_status st = buf_reserve(b, n);
	if (st != POS_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return POS_OK;
}

enum pos_status buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum pos_status buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return POS_E_INVALID;
	enum pos_status st = buf_reserve(b, (size_t)n);
	if (st != POS_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return POS_OK;
}
