/*
 * core/digits.h: tiny pure helpers over ASCII decimal digits, shared by
 * core/ and the simulator (which may include base/, core/money.h and this).
 *
 * Only the ASCII digits '0'..'9' count as digits: Arabic-Indic, full-width
 * and other Unicode digits are not digits here, on purpose (Daraja takes
 * ASCII only).
 *
 * Thread-safety: pure functions; buffers are caller-owned.
 */
#ifndef POS_CORE_DIGITS_H
#define POS_CORE_DIGITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text digits_format_u64 can produce with a separator, plus NUL. */
enum { DIGITS_U64_MAX = 28 };

/* True for '0'..'9' only. */
bool digits_is(char c);

/* True when n > 0 and every byte of [s, s+n) is an ASCII digit. */
bool digits_all(const char *s, size_t n);

/* Number of ASCII digits in [s, s+n). */
size_t digits_count(const char *s, size_t n);

/*
 * Decimal text of v into out, with `sep` between groups of three digits
 * (sep 0: none): 1234567 -> "1,234,567". Returns the length written, or 0
 * (and out = "" when outsz > 0) when it did not fit.
 */
size_t digits_format_u64(uint64_t v, char sep, char *out, size_t outsz);

#endif
