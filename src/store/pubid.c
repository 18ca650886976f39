/* store/pubid.c: short public transaction ids ("T0000017" + check). */
#include "store/store.h"

#include <string.h>

#include "base/str.h"

enum { DIGITS_MIN = 6, DIGITS_MAX = 10, RADIX = 32, INPUT_MAX = 64 };

static const char alphabet[RADIX + 1] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Crockford's reading: case-insensitive, O = 0, I and L = 1, no U. */
static int symbol_value(char c)
{
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if (c == 'O')
		return 0;
	if (c == 'I' || c == 'L')
		return 1;
	const char *p = c ? strchr(alphabet, c) : NULL;
	return p ? (int)(p - alphabet) : -1;
}

/* Luhn mod N over values v[0..n), rightmost doubled when `generate`. */
static int luhn_sum(const int *v, size_t n, bool generate)
{
	int factor = generate ? 2 : 1, sum = 0;
	for (size_t i = n; i-- > 0;) {
		int addend = factor * v[i];
		factor = factor == 2 ? 1 : 2;
		sum += addend / RADIX + addend % RADIX;
	}
	return sum % RADIX;
}

bool store_public_id_format(int64_t id, char out[STORE_PUBLIC_ID_MAX])
{
	int v[DIGITS_MAX];
	size_t n = 0;
	uint64_t x = (uint64_t)id;

	out[0] = '\0';
	if (id <= 0)
		return false;
	while (x && n < DIGITS_MAX) {
		v[n++] = (int)(x % RADIX);
		x /= RADIX;
	}
	if (x)
		return false; /* beyond 32^10: never reached in practice */
	while (n < DIGITS_MIN)
		v[n++] = 0;
	/* v holds the digits least significant first; reverse them. */
	for (size_t i = 0; i < n / 2; i++) {
		int t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
	size_t w = 0;
	out[w++] = 'T';
	for (size_t i = 0; i < n; i++)
		out[w++] = alphabet[v[i]];
	int r = luhn_sum(v, n, true);
	out[w++] = alphabet[(RADIX - r) % RADIX];
	out[w] = '\0';
	return true;
}

enum pos_status store_public_id_parse(const char *s, int64_t *id,
                                      struct pos_err *err)
{
	int v[DIGITS_MAX + 1];
	size_t n = 0;
	bool seen_t = false;

	if (!s || !*s)
		return pos_err_set(err, POS_E_PARSE, "reference",
		                   "no transaction id given");
	if (strlen(s) > INPUT_MAX)
		return pos_err_set(err, POS_E_PARSE, "reference",
		                   "%zu characters is too long for a transaction id",
		                   strlen(s));
	for (const char *p = s; *p; p++) {
		if (*p == '-' || *p == ' ')
			continue;
		if (!seen_t) {
			if (*p != 'T' && *p != 't')
				return pos_err_set(err, POS_E_PARSE, "reference",
				                   "'%s' is not a transaction id: it must start with T", s);
			seen_t = true;
			continue;
		}
		int d = symbol_value(*p);
		if (d < 0)
			return pos_err_set(err, POS_E_PARSE, "reference",
			                   "'%s' has a character a transaction id never has ('%c')",
			                   s, (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?');
		if (n == DIGITS_MAX + 1)
			return pos_err_set(err, POS_E_PARSE, "reference",
			                   "'%s' is too long for a transaction id", s);
		v[n++] = d;
	}
	if (n < DIGITS_MIN + 1)
		return pos_err_set(err, POS_E_PARSE, "reference",
		                   "'%s' is too short for a transaction id (T and at least 7 characters)",
		                   s);
	if (luhn_sum(v, n, false) != 0)
		return pos_err_set(err, POS_E_PARSE, "reference",
		                   "'%s' is not a valid transaction id (its check character does not match: mistyped?)",
		                   s);
	uint64_t x = 0;
	for (size_t i = 0; i + 1 < n; i++)
		x = x * RADIX + (uint64_t)v[i];
	if (x == 0)
		return pos_err_set(err, POS_E_PARSE, "reference",
		                   "'%s' is not a valid transaction id", s);
	*id = (int64_t)x;
	return POS_OK;
}
