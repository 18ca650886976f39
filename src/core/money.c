/* core/money.c: parsing, formatting and limits for amounts of money. */
#include "core/money.h"

#include <string.h>

#include "base/str.h"
#include "core/digits.h"
#include "core/text_int.h"

#define UNIT(x) ((int64_t)(x) * MONEY_SCALE)

static const char *const currency_codes[] = {
#define MONEY_CURRENCY_CODE(e, code, name) code,
	MONEY_CURRENCIES(MONEY_CURRENCY_CODE)
#undef MONEY_CURRENCY_CODE
};

static const char *const currency_names[] = {
#define MONEY_CURRENCY_NAME(e, code, name) name,
	MONEY_CURRENCIES(MONEY_CURRENCY_NAME)
#undef MONEY_CURRENCY_NAME
};

static const char *const op_names[] = {
#define MONEY_OP_NAME(e, name, label) name,
	MONEY_OPS(MONEY_OP_NAME)
#undef MONEY_OP_NAME
};

static const char *const op_labels[] = {
#define MONEY_OP_LABEL(e, name, label) label,
	MONEY_OPS(MONEY_OP_LABEL)
#undef MONEY_OP_LABEL
};

/* Words a cashier may type for a currency; ANY is "shillings" of the till. */
enum { ANY_SHILLING = -1, NOT_A_CURRENCY = -2 };
static const struct {
	const char *word;
	int cur;
} currency_words[] = {
	{"KES", CURRENCY_KES},  {"KSH", CURRENCY_KES},  {"KSHS", CURRENCY_KES},
	{"TZS", CURRENCY_TZS},  {"TSH", CURRENCY_TZS},  {"TSHS", CURRENCY_TZS},
	{"UGX", CURRENCY_UGX},  {"USH", CURRENCY_UGX},  {"USHS", CURRENCY_UGX},
	{"SH", ANY_SHILLING},   {"SHS", ANY_SHILLING},
};

/* Default limits, whole units. */
static const struct {
	int64_t min, max;
} default_limits[CURRENCY_COUNT][MONEY_OP_COUNT] = {
	[CURRENCY_KES] = {[MONEY_OP_CHARGE] = {1, 250000},
	                  [MONEY_OP_C2B] = {1, 250000},
	                  [MONEY_OP_PAYOUT] = {10, 250000}},
	[CURRENCY_TZS] = {[MONEY_OP_CHARGE] = {100, 10000000},
	                  [MONEY_OP_C2B] = {100, 10000000},
	                  [MONEY_OP_PAYOUT] = {100, 10000000}},
	[CURRENCY_UGX] = {[MONEY_OP_CHARGE] = {500, 4000000},
	                  [MONEY_OP_C2B] = {500, 4000000},
	                  [MONEY_OP_PAYOUT] = {500, 4000000}},
};

static bool valid_currency(enum currency c)
{
	return (unsigned)c < CURRENCY_COUNT;
}

static bool valid_op(enum money_op op)
{
	return (unsigned)op < MONEY_OP_COUNT;
}

const char *currency_code(enum currency c)
{
	return valid_currency(c) ? currency_codes[c] : "???";
}

const char *currency_name(enum currency c)
{
	return valid_currency(c) ? currency_names[c] : "unknown currency";
}

static int currency_word(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof currency_words / sizeof currency_words[0]; i++) {
		const char *w = currency_words[i].word;
		size_t k = strlen(w), j = 0;
		if (k != n)
			continue;
		while (j < n && (s[j] & ~0x20) == w[j])
			j++;
		if (j == n)
			return currency_words[i].cur;
	}
	return NOT_A_CURRENCY;
}

bool currency_parse(const char *s, enum currency *out)
{
	if (!s)
		return false;
	int c = currency_word(s, strlen(s));
	if (c < 0)
		return false;
	*out = (enum currency)c;
	return true;
}

const char *money_op_name(enum money_op op)
{
	return valid_op(op) ? op_names[op] : "?";
}

const char *money_op_label(enum money_op op)
{
	return valid_op(op) ? op_labels[op] : "this operation";
}

bool money_op_parse(const char *name, enum money_op *out)
{
	for (int i = 0; i < MONEY_OP_COUNT; i++) {
		if (str_eq_nocase(name, op_names[i])) {
			*out = (enum money_op)i;
			return true;
		}
	}
	return false;
}

bool money_is_whole(int64_t minor)
{
	return minor % MONEY_SCALE == 0;
}

/* ---- formatting --------------------------------------------------------- */

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* [-]whole[.cc] with an optional thousands separator. */
static const char *format_amount(int64_t minor, const char *prefix, char sep,
                                 char *out, size_t outsz)
{
	char whole[DIGITS_U64_MAX];
	uint64_t mag = magnitude(minor);
	unsigned cents = (unsigned)(mag % MONEY_SCALE);
	digits_format_u64(mag / MONEY_SCALE, sep, whole, sizeof whole);
	bool ok;
	if (cents)
		ok = str_fmt(out, outsz, "%s%s%s.%02u", prefix, minor < 0 ? "-" : "", whole, cents);
	else
		ok = str_fmt(out, outsz, "%s%s%s", prefix, minor < 0 ? "-" : "", whole);
	if (!ok && outsz > 0)
		out[0] = '\0';
	return out;
}

const char *money_format(int64_t minor, enum currency cur, char *out, size_t outsz)
{
	char prefix[8];
	if (!out || outsz == 0)
		return out;
	str_fmt(prefix, sizeof prefix, "%s ", currency_code(cur));
	return format_amount(minor, prefix, ',', out, outsz);
}

const char *money_format_plain(int64_t minor, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return out;
	return format_amount(minor, "", 0, out, outsz);
}

bool money_format_wire(int64_t minor, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return false;
	out[0] = '\0';
	if (minor < 0 || !money_is_whole(minor))
		return false;
	return digits_format_u64((uint64_t)(minor / MONEY_SCALE), 0, out, outsz) > 0;
}

/* ---- parsing what a cashier typed -------------------------------------- */

static bool is_alpha(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static enum pos_status bad_char(struct pos_err *err, const char *q, unsigned char ch)
{
	if (is_alpha(ch))
		pos_err_set(err, POS_E_AMOUNT, "amount",
		            "%s has a letter (%c) in it: an amount has digits only", q, ch);
	else if (ch >= 0x21 && ch <= 0x7e)
		pos_err_set(err, POS_E_AMOUNT, "amount",
		            "%s has '%c' in it: an amount has digits only", q, ch);
	else
		pos_err_set(err, POS_E_AMOUNT, "amount",
		            "%s has a character that is not one of the digits 0-9", q);
	pos_err_hint(err, "type it with the digits 0-9, like 1,000 or 1000");
	return POS_E_AMOUNT;
}

static enum pos_status amount_error(struct pos_err *err, const char *q,
                                    const char *what, const char *hint)
{
	pos_err_set(err, POS_E_AMOUNT, "amount", "%s %s", q, what);
	pos_err_hint(err, "%s", hint);
	return POS_E_AMOUNT;
}

static const char hint_shape[] = "type it like 1,000 or 1000";

/* Read a run of letters at s[*i] as a currency word. */
static enum pos_status read_currency(const char *s, size_t n, size_t *i, int *cur,
                                     const char *q, struct pos_err *err)
{
	size_t k = *i;
	while (k < n && is_alpha((unsigned char)s[k]))
		k++;
	int c = currency_word(s + *i, k - *i);
	if (c == NOT_A_CURRENCY)
		return bad_char(err, q, (unsigned char)s[*i]);
	*cur = c;
	*i = k;
	return POS_OK;
}

static void skip_spaces(const char *s, size_t n, size_t *i)
{
	while (*i < n && core_is_space(s[*i]))
		(*i)++;
}

enum pos_status money_parse_n(const char *typed, size_t n, enum currency cur,
                              int64_t *minor, struct pos_err *err)
{
	char q[64];
	enum pos_status st;

	if (!valid_currency(cur))
		return pos_err_set(err, POS_E_INVALID, "amount", "the till's currency is not set");
	const char *s = typed ? typed : "";
	if (!typed)
		n = 0;
	core_trim(&s, &n);
	if (n == 0) {
		pos_err_set(err, POS_E_EMPTY, "amount", "no amount was entered");
		pos_err_hint(err, "enter the amount in shillings, like 1,000");
		return POS_E_EMPTY;
	}
	core_quote(s, n, q, sizeof q);
	if (n > MONEY_TYPED_MAX)
		return amount_error(err, q, "is too long to be an amount", hint_shape);

	size_t i = 0;
	int said = NOT_A_CURRENCY; /* currency written by the cashier */
	if (s[0] == '-')
		return amount_error(err, q, "is negative: an amount cannot be below zero",
		                    "enter the amount without a minus sign");
	if (is_alpha((unsigned char)s[0])) {
		if ((st = read_currency(s, n, &i, &said, q, err)) != POS_OK)
			return st;
		if (i < n && s[i] == '.') /* "Ksh." */
			i++;
		skip_spaces(s, n, &i);
	}
	if (i < n && s[i] == '-')
		return amount_error(err, q, "is negative: an amount cannot be below zero",
		                    "enter the amount without a minus sign");

	/* Whole part, optionally grouped in threes with commas. */
	uint64_t whole = 0;
	size_t digits = 0, group = 0, groups = 0;
	bool too_large = false;
	for (; i < n; i++) {
		char ch = s[i];
		if (digits_is(ch)) {
			unsigned d = (unsigned)(ch - '0');
			if (whole > ((uint64_t)MONEY_WHOLE_MAX - d) / 10)
				too_large = true;
			else
				whole = whole * 10 + d;
			digits++;
			group++;
		} else if (ch == ',') {
			if (group == 0 || (groups == 0 && group > 3) || (groups > 0 && group != 3))
				break; /* reported below as bad grouping */
			groups++;
			group = 0;
		} else {
			break;
		}
	}
	if (i < n && s[i] == ',')
		return amount_error(err, q, "has a comma in the wrong place",
		                    "group thousands in threes, like 1,000 or 10,000, or "
		                    "leave the commas out");
	if (groups > 0 && group != 3)
		return amount_error(err, q, "has a comma in the wrong place",
		                    "group thousands in threes, like 1,000 or 10,000, or "
		                    "leave the commas out");
	if (too_large) {
		pos_err_set(err, POS_E_AMOUNT, "amount",
		            "%s is too large: no amount can be over 1,000,000,000,000", q);
		pos_err_hint(err, "check the amount");
		return POS_E_AMOUNT;
	}

	/* Fraction: only zeros are accepted; cents are refused, never rounded. */
	unsigned frac = 0;
	size_t fdigits = 0;
	bool point = false, beyond_cents = false;
	if (i < n && s[i] == '.') {
		point = true;
		for (i++; i < n && digits_is(s[i]); i++) {
			if (fdigits < 2)
				frac = frac * 10 + (unsigned)(s[i] - '0');
			else if (s[i] != '0')
				beyond_cents = true;
			fdigits++;
		}
		if (i < n && s[i] == '.')
			return amount_error(err, q, "has more than one decimal point", hint_shape);
		if (fdigits == 0 && digits == 0)
			return amount_error(err, q, "is not an amount", hint_shape);
		if (fdigits == 0)
			return amount_error(err, q, "ends with a point", hint_shape);
		if (beyond_cents)
			return amount_error(err, q, "has more than two digits after the point",
			                    "Daraja takes whole shillings: type it like 1000");
	}
	if (digits == 0 && !point) {
		if (i < n)
			return bad_char(err, q, (unsigned char)s[i]);
		return amount_error(err, q, "is not an amount: it has no digits", hint_shape);
	}

	/* Suffix: "/=", "/-" or a currency word. */
	skip_spaces(s, n, &i);
	if (i + 1 < n && s[i] == '/' && (s[i + 1] == '=' || s[i + 1] == '-')) {
		i += 2;
		skip_spaces(s, n, &i);
	} else if (i < n && is_alpha((unsigned char)s[i])) {
		if (said != NOT_A_CURRENCY)
			return bad_char(err, q, (unsigned char)s[i]);
		if ((st = read_currency(s, n, &i, &said, q, err)) != POS_OK)
			return st;
		skip_spaces(s, n, &i);
	}
	if (i < n) {
		if (digits_is(s[i]))
			return amount_error(err, q, "has a space inside the number", hint_shape);
		if (s[i] == '-')
			return amount_error(err, q, "is not an amount: it has a minus sign in it",
			                    hint_shape);
		return bad_char(err, q, (unsigned char)s[i]);
	}

	if (said >= 0 && said != (int)cur) {
		pos_err_set(err, POS_E_AMOUNT, "amount", "%s is in %s: this till takes %s", q,
		            currency_names[said], currency_code(cur));
		pos_err_hint(err, "enter the amount in %s", currency_code(cur));
		return POS_E_AMOUNT;
	}
	if (frac != 0) {
		char lo[DIGITS_U64_MAX], hi[DIGITS_U64_MAX];
		char sep = groups > 0 ? ',' : 0;
		digits_format_u64(whole, sep, lo, sizeof lo);
		digits_format_u64(whole + 1, sep, hi, sizeof hi);
		pos_err_set(err, POS_E_AMOUNT, "amount",
		            "%s has cents: Daraja takes whole shillings", q);
		if (whole == 0)
			pos_err_hint(err, "enter 1");
		else
			pos_err_hint(err, "enter %s or %s", lo, hi);
		return POS_E_AMOUNT;
	}
	if (minor)
		*minor = (int64_t)whole * MONEY_SCALE;
	pos_err_clear(err);
	return POS_OK;
}

enum pos_status money_parse(const char *typed, enum currency cur, int64_t *minor,
                            struct pos_err *err)
{
	return money_parse_n(typed, typed ? strlen(typed) : 0, cur, minor, err);
}

/* ---- parsing what Daraja sends ------------------------------------------ */

enum pos_status money_parse_daraja_n(const char *text, size_t n, int64_t *minor,
                                     struct pos_err *err)
{
	char q[64];
	const char *s = text ? text : "";
	if (!text)
		n = 0;
	core_trim(&s, &n);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
		core_trim(&s, &n);
	}
	core_quote(s, n, q, sizeof q);
	if (n == 0)
		return pos_err_set(err, POS_E_PARSE, "amount", "Daraja sent an empty amount");

	size_t i = 0;
	bool neg = s[0] == '-';
	if (neg)
		i++;
	uint64_t whole = 0;
	size_t digits = 0;
	for (; i < n && digits_is(s[i]); i++, digits++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (whole > ((uint64_t)MONEY_WHOLE_MAX - d) / 10)
			return pos_err_set(err, POS_E_PARSE, "amount",
			                   "Daraja sent an amount too large to record: %s", q);
		whole = whole * 10 + d;
	}
	unsigned cents = 0;
	if (i < n && s[i] == '.') {
		size_t f = 0;
		for (i++; i < n && digits_is(s[i]); i++, f++) {
			if (f < 2)
				cents += (unsigned)(s[i] - '0') * (f == 0 ? 10u : 1u);
			else if (s[i] != '0')
				return pos_err_set(err, POS_E_PARSE, "amount",
				                   "Daraja sent an amount with a fraction of a cent: %s",
				                   q);
		}
		if (f == 0)
			digits = 0;
	}
	if (digits == 0 || i != n)
		return pos_err_set(err, POS_E_PARSE, "amount",
		                   "Daraja sent an amount that is not a number: %s", q);
	int64_t v = (int64_t)whole * MONEY_SCALE + (int64_t)cents;
	if (minor)
		*minor = neg ? -v : v;
	pos_err_clear(err);
	return POS_OK;
}

enum pos_status money_parse_daraja(const char *text, int64_t *minor,
                                   struct pos_err *err)
{
	return money_parse_daraja_n(text, text ? strlen(text) : 0, minor, err);
}

/* ---- limits ------------------------------------------------------------- */

void money_limits_default(struct money_limits *l)
{
	if (!l)
		return;
	for (int c = 0; c < CURRENCY_COUNT; c++) {
		for (int op = 0; op < MONEY_OP_COUNT; op++) {
			l->lim[c][op].min = UNIT(default_limits[c][op].min);
			l->lim[c][op].max = UNIT(default_limits[c][op].max);
		}
	}
}

enum pos_status money_limits_set(struct money_limits *l, enum currency cur,
                                 enum money_op op, int64_t min, int64_t max,
                                 struct pos_err *err)
{
	char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];
	if (!l || !valid_currency(cur) || !valid_op(op))
		return pos_err_set(err, POS_E_INVALID, "limits", "unknown currency or operation");
	money_format(min, cur, a, sizeof a);
	money_format(max, cur, b, sizeof b);
	if (min < UNIT(1))
		return pos_err_set(err, POS_E_RANGE, "limits",
		                   "the minimum for %s, %s, is below %s 1", money_op_label(op), a,
		                   currency_code(cur));
	if (max > MONEY_MINOR_MAX)
		return pos_err_set(err, POS_E_RANGE, "limits", "the maximum for %s, %s, is too large",
		                   money_op_label(op), b);
	if (!money_is_whole(min) || !money_is_whole(max))
		return pos_err_set(err, POS_E_RANGE, "limits",
		                   "limits for %s must be whole shillings (%s to %s)",
		                   money_op_label(op), a, b);
	if (max < min)
		return pos_err_set(err, POS_E_RANGE, "limits",
		                   "the maximum for %s, %s, is below its minimum, %s",
		                   money_op_label(op), b, a);
	l->lim[cur][op].min = min;
	l->lim[cur][op].max = max;
	pos_err_clear(err);
	return POS_OK;
}

enum pos_status money_check_limit(const struct money_limits *l, enum currency cur,
                                  enum money_op op, int64_t minor, struct pos_err *err)
{
	char have[MONEY_FMT_MAX], edge[MONEY_FMT_MAX];
	struct money_limits defaults;
	if (!valid_currency(cur) || !valid_op(op))
		return pos_err_set(err, POS_E_INVALID, "amount", "unknown currency or operation");
	if (!l) {
		money_limits_default(&defaults);
		l = &defaults;
	}
	const struct money_limit *lim = &l->lim[cur][op];
	money_format(minor, cur, have, sizeof have);
	if (!money_is_whole(minor)) {
		pos_err_set(err, POS_E_AMOUNT, "amount",
		            "%s has cents: Daraja takes whole shillings", have);
		pos_err_hint(err, "enter a whole amount");
		return POS_E_AMOUNT;
	}
	if (minor < lim->min) {
		money_format(lim->min, cur, edge, sizeof edge);
		pos_err_set(err, POS_E_RANGE, "amount", "%s is below the minimum of %s for %s",
		            have, edge, money_op_label(op));
		pos_err_hint(err, "enter at least %s", edge);
		return POS_E_RANGE;
	}
	if (minor > lim->max) {
		money_format(lim->max, cur, edge, sizeof edge);
		pos_err_set(err, POS_E_RANGE, "amount", "%s is above the limit of %s for %s",
		            have, edge, money_op_label(op));
		pos_err_hint(err, "enter at most %s", edge);
		return POS_E_RANGE;
	}
	pos_err_clear(err);
	return POS_OK;
}
