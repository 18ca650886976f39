/* core/phone.c: MSISDN normalization, network hints and callback matching. */
#include "core/phone.h"

#include <string.h>

#include "base/crypto.h"
#include "base/str.h"
#include "core/digits.h"
#include "core/text_int.h"

enum {
	NSN_LEN = 9,
	CC_LEN = 3,
	MSISDN_LEN = CC_LEN + NSN_LEN,
	DIGITS_MAX = 20,
	SHOWN_MAX = 256, /* longest shown value compared, after trimming */
};

struct country_info {
	const char *iso, *cc, *name, *adj;
	const char *shape;  /* how a valid number looks, for messages */
	const char *starts; /* national mobile prefixes, for messages */
};

static const struct country_info countries[PHONE_COUNTRY_COUNT] = {
	[PHONE_KE] = {"KE", "254", "Kenya", "Kenyan",
	              "10 digits (07XX XXX XXX or 01XX XXX XXX)", "07 or 01"},
	[PHONE_TZ] = {"TZ", "255", "Tanzania", "Tanzanian",
	              "10 digits (06XX XXX XXX or 07XX XXX XXX)", "06 or 07"},
	[PHONE_UG] = {"UG", "256", "Uganda", "Ugandan", "10 digits (07XX XXX XXX)",
	              "07"},
};

/* Kenyan mobile ranges by the first three digits of the national number
 * (0712... -> 712). Safaricom from daraja-api.md section 18; the others are
 * hints only (numbers are ported). Unlisted 7xx/10x/11x: "another network". */
static const struct {
	unsigned lo, hi;
	const char *network;
} ke_ranges[] = {
	{700, 729, "Safaricom"}, {740, 749, "Safaricom"}, {757, 759, "Safaricom"},
	{768, 769, "Safaricom"}, {790, 799, "Safaricom"}, {110, 115, "Safaricom"},
	{730, 739, "Airtel"},    {750, 756, "Airtel"},    {780, 789, "Airtel"},
	{100, 109, "Airtel"},    {770, 779, "Telkom"},    {763, 766, "Equitel"},
};

static const char home_network[] = "Safaricom";
static const char other_network[] = "another network";

/* What a cashier may type between digits. */
static bool is_separator(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '-' || ch == '.' || ch == '(' || ch == ')';
}

static bool valid_country(enum phone_country c)
{
	return (unsigned)c < PHONE_COUNTRY_COUNT;
}

const char *phone_country_iso(enum phone_country c)
{
	return valid_country(c) ? countries[c].iso : "?";
}

const char *phone_country_prefix(enum phone_country c)
{
	return valid_country(c) ? countries[c].cc : "";
}

const char *phone_country_name(enum phone_country c)
{
	return valid_country(c) ? countries[c].name : "?";
}

bool phone_country_parse(const char *s, enum phone_country *out)
{
	if (!s)
		return false;
	const char *cc = s[0] == '+' ? s + 1 : s;
	for (int i = 0; i < PHONE_COUNTRY_COUNT; i++) {
		if (str_eq_nocase(s, countries[i].iso) || str_eq(cc, countries[i].cc) ||
		    str_eq_nocase(s, countries[i].name)) {
			*out = (enum phone_country)i;
			return true;
		}
	}
	return false;
}

/* The country whose dialling code starts [d, d+n), or -1. */
static int country_of_cc(const char *d, size_t n)
{
	if (n < CC_LEN)
		return -1;
	for (int i = 0; i < PHONE_COUNTRY_COUNT; i++)
		if (memcmp(d, countries[i].cc, CC_LEN) == 0)
			return i;
	return -1;
}

static bool is_mobile(enum phone_country c, const char *nsn)
{
	switch (c) {
	case PHONE_KE:
		return nsn[0] == '7' || (nsn[0] == '1' && (nsn[1] == '0' || nsn[1] == '1'));
	case PHONE_TZ:
		return nsn[0] == '6' || nsn[0] == '7';
	case PHONE_UG:
		return nsn[0] == '7';
	case PHONE_COUNTRY_COUNT:
		break;
	}
	return false;
}

static const char *ke_network(const char *nsn)
{
	unsigned v = (unsigned)(nsn[0] - '0') * 100 + (unsigned)(nsn[1] - '0') * 10 +
	             (unsigned)(nsn[2] - '0');
	for (size_t i = 0; i < sizeof ke_ranges / sizeof ke_ranges[0]; i++)
		if (v >= ke_ranges[i].lo && v <= ke_ranges[i].hi)
			return ke_ranges[i].network;
	return other_network;
}

static void format_pretty(const char *nsn, char *out, size_t outsz)
{
	/* "0" + 3 + " " + 3 + " " + 3: "0712 345 678" */
	str_fmt(out, outsz, "0%.3s %.3s %.3s", nsn, nsn + 3, nsn + 6);
}

static const char *char_problem(unsigned char ch, char *buf, size_t bufsz)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
		str_fmt(buf, bufsz, "has a letter (%c) in it", ch);
	} else if (ch >= 0x21 && ch <= 0x7e) {
		str_fmt(buf, bufsz, "has '%c' in it", ch);
	} else {
		str_copy(buf, bufsz, "has a character that is not one of the digits 0-9");
	}
	return buf;
}

static enum pos_status too_short(struct pos_err *err, const char *q,
                                 enum phone_country c)
{
	pos_err_set(err, POS_E_PHONE, "phone", "%s is too short: a %s mobile number has %s",
	            q, countries[c].adj, countries[c].shape);
	pos_err_hint(err, "check the number with the customer");
	return POS_E_PHONE;
}

static enum pos_status too_long(struct pos_err *err, const char *q,
                                enum phone_country c)
{
	pos_err_set(err, POS_E_PHONE, "phone", "%s is too long: a %s mobile number has %s",
	            q, countries[c].adj, countries[c].shape);
	pos_err_hint(err, "check the number with the customer");
	return POS_E_PHONE;
}

static enum pos_status wrong_country(struct pos_err *err, const char *q,
                                     enum phone_country c, int other)
{
	if (other >= 0)
		pos_err_set(err, POS_E_PHONE, "phone",
		            "%s is a %s number: this till takes %s numbers (+%s)", q,
		            countries[other].adj, countries[c].adj, countries[c].cc);
	else
		pos_err_set(err, POS_E_PHONE, "phone",
		            "%s is not a %s number: %s numbers start with +%s or %s", q,
		            countries[c].adj, countries[c].adj, countries[c].cc,
		            countries[c].starts);
	pos_err_hint(err, "ask the customer for a %s M-Pesa number", countries[c].adj);
	return POS_E_PHONE;
}

enum pos_status phone_normalize_n(const char *typed, size_t n,
                                  enum phone_country c, struct phone *out,
                                  struct pos_err *err)
{
	char q[64], why[80];
	char d[DIGITS_MAX + 1];
	size_t nd = 0;
	bool plus = false;

	if (!valid_country(c))
		return pos_err_set(err, POS_E_INVALID, "phone", "the till's country is not set");
	const char *s = typed ? typed : "";
	if (!typed)
		n = 0;
	core_trim(&s, &n);
	if (n == 0) {
		pos_err_set(err, POS_E_EMPTY, "phone", "no phone number was entered");
		pos_err_hint(err, "enter the customer's M-Pesa number, like 0712 345 678");
		return POS_E_EMPTY;
	}
	core_quote(s, n, q, sizeof q);
	if (n > PHONE_TYPED_MAX)
		return too_long(err, q, c);

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (digits_is((char)ch)) {
			if (nd == DIGITS_MAX)
				return too_long(err, q, c);
			d[nd++] = (char)ch;
		} else if (ch == '+' && nd == 0 && !plus) {
			plus = true;
		} else if (!is_separator((char)ch)) {
			pos_err_set(err, POS_E_PHONE, "phone", "%s %s: a phone number has digits only",
			            q, char_problem(ch, why, sizeof why));
			pos_err_hint(err, "type it with the digits 0-9, like 0712 345 678");
			return POS_E_PHONE;
		}
	}
	if (nd == 0) {
		pos_err_set(err, POS_E_PHONE, "phone", "%s is not a phone number: it has no digits", q);
		pos_err_hint(err, "enter the customer's M-Pesa number, like 0712 345 678");
		return POS_E_PHONE;
	}

	const char *p = d;
	size_t pn = nd;
	if (!plus && pn >= 2 && p[0] == '0' && p[1] == '0') { /* 00254... */
		plus = true;
		p += 2;
		pn -= 2;
	}
	int cc = country_of_cc(p, pn);
	if (plus || (cc >= 0 && pn >= MSISDN_LEN)) {
		if (cc < 0 && pn < CC_LEN)
			return too_short(err, q, c);
		if (cc != (int)c)
			return wrong_country(err, q, c, cc);
		p += CC_LEN;
		pn -= CC_LEN;
		if (pn == NSN_LEN + 1 && p[0] == '0') { /* +254 0712... */
			p++;
			pn--;
		}
	} else if (cc == (int)c) {
		return too_short(err, q, c); /* 2547123456: country code, too few digits */
	} else if (p[0] == '0') {
		if (pn < NSN_LEN + 1)
			return too_short(err, q, c);
		if (pn > NSN_LEN + 1)
			return too_long(err, q, c);
		p++;
		pn--;
	}
	if (pn < NSN_LEN)
		return too_short(err, q, c);
	if (pn > NSN_LEN)
		return too_long(err, q, c);

	if (!is_mobile(c, p)) {
		pos_err_set(err, POS_E_PHONE, "phone",
		            "%s is not a %s mobile number: %s mobile numbers start with %s", q,
		            countries[c].adj, countries[c].adj, countries[c].starts);
		pos_err_hint(err, "ask the customer for their M-Pesa number");
		return POS_E_PHONE;
	}

	struct phone ph;
	memset(&ph, 0, sizeof ph);
	memcpy(ph.msisdn, countries[c].cc, CC_LEN);
	memcpy(ph.msisdn + CC_LEN, p, NSN_LEN);
	ph.msisdn[MSISDN_LEN] = '\0';
	format_pretty(p, ph.pretty, sizeof ph.pretty);
	ph.country = c;
	ph.network = "";
	if (c == PHONE_KE) {
		ph.network = ke_network(p);
		ph.other_network = strcmp(ph.network, home_network) != 0;
	}
	if (out)
		*out = ph;
	pos_err_clear(err);
	return POS_OK;
}

enum pos_status phone_normalize(const char *typed, enum phone_country c,
                                struct phone *out, struct pos_err *err)
{
	return phone_normalize_n(typed, typed ? strlen(typed) : 0, c, out, err);
}

const char *phone_warning(const struct phone *p, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return out;
	out[0] = '\0';
	if (!p || !p->other_network)
		return out;
	const char *net = p->network ? p->network : "";
	if (net[0] && strcmp(net, other_network) != 0)
		str_fmt(out, outsz,
		        "%s looks like %s %s number: the M-Pesa prompt reaches it only if "
		        "it was moved to Safaricom",
		        p->pretty, strchr("AEIOU", net[0]) ? "an" : "a", net);
	else
		str_fmt(out, outsz,
		        "%s is not on a known Safaricom prefix: the M-Pesa prompt reaches "
		        "it only if it is a Safaricom line",
		        p->pretty);
	return out;
}

/* True when s is a 12-digit MSISDN of a known country; sets *c. */
static bool is_msisdn(const char *s, enum phone_country *c)
{
	if (!s || strlen(s) != MSISDN_LEN || !digits_all(s, MSISDN_LEN))
		return false;
	int k = country_of_cc(s, MSISDN_LEN);
	if (k < 0)
		return false;
	*c = (enum phone_country)k;
	return true;
}

const char *phone_pretty(const char *msisdn, char *out, size_t outsz)
{
	enum phone_country c;
	if (!out || outsz == 0)
		return out;
	if (is_msisdn(msisdn, &c))
		format_pretty(msisdn + CC_LEN, out, outsz);
	else
		str_copy(out, outsz, msisdn ? msisdn : "");
	return out;
}

static bool is_hex(char ch)
{
	return digits_is(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static bool is_mask(char ch)
{
	return ch == '*' || ch == 'x' || ch == 'X';
}

static enum phone_shown match_hash(const char *msisdn, const char *s)
{
	uint8_t md[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1];
	char lower[2 * CRYPTO_SHA256_LEN + 1];
	crypto_sha256(msisdn, MSISDN_LEN, md);
	crypto_hex(md, sizeof md, hex);
	for (size_t i = 0; i < 2 * CRYPTO_SHA256_LEN; i++)
		lower[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
	lower[2 * CRYPTO_SHA256_LEN] = '\0';
	return memcmp(hex, lower, 2 * CRYPTO_SHA256_LEN) == 0 ? PHONE_SHOWN_MATCH
	                                                     : PHONE_SHOWN_MISMATCH;
}

/* Masked pattern (digits and mask characters only) against ref. skip = the
 * leading places that only repeat the country or trunk prefix. */
static enum phone_shown match_mask(const char *pat, size_t m, const char *ref,
                                   size_t rn, size_t skip)
{
	size_t visible = 0;
	bool differ = false;
	if (m == rn) {
		for (size_t i = 0; i < m; i++) {
			if (is_mask(pat[i]))
				continue;
			differ |= pat[i] != ref[i];
			visible += i >= skip;
		}
	} else {
		size_t lead = 0, trail = 0;
		while (lead < m && !is_mask(pat[lead]))
			lead++;
		while (trail < m && !is_mask(pat[m - 1 - trail]))
			trail++;
		for (size_t i = lead; i < m - trail; i++)
			if (!is_mask(pat[i]))
				return PHONE_SHOWN_NONE; /* digits between masks: no alignment */
		if (lead + trail >= rn)
			return PHONE_SHOWN_NONE;
		differ = memcmp(pat, ref, lead) != 0 ||
		         memcmp(pat + m - trail, ref + rn - trail, trail) != 0;
		visible = (lead > skip ? lead - skip : 0) + trail;
	}
	if (visible < 3)
		return PHONE_SHOWN_NONE;
	return differ ? PHONE_SHOWN_MISMATCH : PHONE_SHOWN_MATCH;
}

/* The first " - " in [s, s+n), or NULL. */
static const char *find_dash(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++)
		if (s[i] == ' ' && s[i + 1] == '-' && s[i + 2] == ' ')
			return s + i;
	return NULL;
}

/* True when s holds a letter or a non-ASCII byte: a name, not digits. */
static bool names_follow(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

enum phone_shown phone_matches_shown(const char *msisdn, const char *shown)
{
	enum phone_country c;
	if (!is_msisdn(msisdn, &c) || !shown)
		return PHONE_SHOWN_NONE;
	const char *s = shown;
	size_t n = strlen(shown);
	core_trim(&s, &n);
	if (n > SHOWN_MAX)
		return PHONE_SHOWN_NONE;
	const char *dash = find_dash(s, n); /* "254712345678 - Jane Doe" */
	if (dash && names_follow(dash + 3, n - (size_t)(dash + 3 - s))) {
		n = (size_t)(dash - s);
		core_trim(&s, &n);
	}
	if (n == 0)
		return PHONE_SHOWN_NONE;

	if (n == 2 * CRYPTO_SHA256_LEN) {
		bool hex = true;
		for (size_t i = 0; i < n && hex; i++)
			hex = is_hex(s[i]);
		if (hex)
			return match_hash(msisdn, s);
	}

	char pat[32];
	size_t m = 0, ndig = 0;
	bool masked = false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (is_separator(ch) || ch == '+')
			continue;
		if (!digits_is(ch) && !is_mask(ch))
			return PHONE_SHOWN_NONE; /* a name, or something else */
		if (m == sizeof pat)
			return PHONE_SHOWN_NONE;
		masked |= is_mask(ch);
		ndig += digits_is(ch);
		pat[m++] = ch;
	}
	if (!masked) {
		struct phone ph;
		if (phone_normalize_n(s, n, c, &ph, NULL) == POS_OK)
			return strcmp(ph.msisdn, msisdn) == 0 ? PHONE_SHOWN_MATCH
			                                      : PHONE_SHOWN_MISMATCH;
		return ndig >= NSN_LEN ? PHONE_SHOWN_MISMATCH : PHONE_SHOWN_NONE;
	}
	if (pat[0] == '0') { /* national masked form: 0712***678 */
		char national[NSN_LEN + 2];
		national[0] = '0';
		memcpy(national + 1, msisdn + CC_LEN, NSN_LEN);
		return match_mask(pat, m, national, NSN_LEN + 1, 1);
	}
	return match_mask(pat, m, msisdn, MSISDN_LEN, CC_LEN);
}
