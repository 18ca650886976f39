/*
 * base/str.h: bounded strings, growable buffers with a ceiling, and bounded
 * number parsers.
 *
 * Parsers take [p, end) and advance *p past what they consumed; they check
 * every end and never read past `end`, so they work on data that is not
 * NUL-terminated (a callback body, a CSV line). Never use atoi/strtol on
 * outside input: use these.
 *
 * Thread-safety: reentrant. struct buf is caller-owned (buf_init/buf_release).
 */
#ifndef POS_BASE_STR_H
#define POS_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* Copy src into dst (size dstsz > 0), always NUL-terminated.
 * Returns false when src did not fit (dst holds the truncated prefix). */
bool str_copy(char *dst, size_t dstsz, const char *src);
/* Same for a counted source that may hold NULs: stops at the first NUL. */
bool str_copyn(char *dst, size_t dstsz, const char *src, size_t n);
/* snprintf that reports truncation: false when the result did not fit. */
bool str_fmt(char *dst, size_t dstsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

bool str_eq(const char *a, const char *b);          /* NULL-safe */
bool str_eq_nocase(const char *a, const char *b);   /* ASCII only */
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* Trim ASCII white space in place at both ends; returns s. */
char *str_trim(char *s);
/* True when every byte of s is printable ASCII (0x20..0x7e). */
bool str_is_printable_ascii(const char *s);
/* Number of UTF-8 code points in s, or -1 when s is not valid UTF-8. */
long str_utf8_len(const char *s);
/* Constant-time comparison of two byte strings (for secrets). */
bool str_eq_ct(const void *a, size_t alen, const void *b, size_t blen);

/* Parse an unsigned decimal from [*p, end): at least one digit, value <= max.
 * Leading '+' or '-' are not accepted. Advances *p past the digits.
 * POS_E_PARSE when no digit, POS_E_RANGE when above max. */
enum pos_status parse_u64(const char **p, const char *end, uint64_t max,
                          uint64_t *out);
/* A whole NUL-terminated string that is exactly an unsigned decimal <= max. */
enum pos_status parse_u64_str(const char *s, uint64_t max, uint64_t *out);
/* Signed: optional leading '-'. */
enum pos_status parse_i64_str(const char *s, int64_t min, int64_t max,
                              int64_t *out);
/* True when s is non-empty and all ASCII digits. */
bool str_is_digits(const char *s);

/* A growable byte buffer that refuses to grow past `max`. Always kept
 * NUL-terminated (the terminator is not counted in len). */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* POS_E_TOO_LONG when the result would exceed max; POS_E_NOMEM. */
enum pos_status buf_append(struct buf *b, const void *data, size_t n);
enum pos_status buf_puts(struct buf *b, const char *s);
enum pos_status buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
