/* core/digits.c: ASCII digit helpers. */
#include "core/digits.h"

bool digits_is(char c)
{
	return c >= '0' && c <= '9';
}

bool digits_all(const char *s, size_t n)
{
	if (!s || n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!digits_is(s[i]))
			return false;
	return true;
}

size_t digits_count(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; s && i < n; i++)
		k += digits_is(s[i]);
	return k;
}

size_t digits_format_u64(uint64_t v, char sep, char *out, size_t outsz)
{
	char tmp[DIGITS_U64_MAX];
	size_t n = 0, group = 0;
	do {
		if (sep && group == 3) {
			tmp[n++] = sep;
			group = 0;
		}
		tmp[n++] = (char)('0' + v % 10);
		group++;
		v /= 10;
	} while (v > 0);
	if (!out || outsz == 0)
		return 0;
	if (n + 1 > outsz) {
		out[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}
