/* config/value.c: the key table as data, and the parser of one value by type. */
#include "config/config_int.h"

#include <arpa/inet.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "base/clock.h"
#include "base/str.h"

static const struct config_key_info table[CONFIG_KEY_COUNT] = {
#define CONFIG_SECTION(sec, help)
#define CONFIG_KEY(sec, key_, type, def, min, max, allowed, env, flags, unit, help) \
	{#sec, #key_, #sec "." #key_, CONFIG_T_##type, def, min, max, allowed, env,    \
	 flags, unit, help, offsetof(struct config, sec.key_)},
#define CONFIG_SECTION_END(sec)
#include "config/keys.def"
};

static const struct {
	const char *name;
	const char *help;
} sections[] = {
#define CONFIG_SECTION(sec, help) {#sec, help},
#define CONFIG_KEY(sec, key_, type, def, min, max, allowed, env, flags, unit, help)
#define CONFIG_SECTION_END(sec)
#include "config/keys.def"
};

const struct config_key_info *config_key_at(size_t i)
{
	return i < CONFIG_KEY_COUNT ? &table[i] : NULL;
}

const char *config_section_at(size_t i, const char **help)
{
	if (i >= sizeof sections / sizeof sections[0])
		return NULL;
	if (help)
		*help = sections[i].help;
	return sections[i].name;
}

int value_key_index(const char *section, const char *key)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++)
		if (str_eq_nocase(table[i].section, section) && str_eq_nocase(table[i].key, key))
			return (int)i;
	return -1;
}

bool value_section_known(const char *section)
{
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if (str_eq_nocase(sections[i].name, section))
			return true;
	return false;
}

const struct config_key_info *config_key_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

size_t value_distance(const char *a, const char *b, size_t cap)
{
	enum { MAXLEN = 40 };
	size_t la = strlen(a), lb = strlen(b);
	if (la > MAXLEN || lb > MAXLEN)
		return cap + 1;
	size_t row[MAXLEN + 1];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = (a[i - 1] | 0x20) == (b[j - 1] | 0x20) ? 0 : 1;
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

/* ---- quoting values in messages ------------------------------------------ */

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t len;
	unsigned min, cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		len = 2, min = 0x80, cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, min = 0x800, cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, min = 0x10000, cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void value_quote_bytes(const char *s, size_t n, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;
	if (outsz < 8) {
		if (outsz)
			out[0] = '\0';
		return;
	}
	/* Room for the closing quote, "..." and the NUL. */
	size_t limit = outsz - 5 < CONFIG_QUOTE_MAX + 1 ? outsz - 5 : CONFIG_QUOTE_MAX + 1;
	out[o++] = '"';
	while (i < n) {
		char piece[8];
		size_t plen;
		size_t seq = utf8_seq(p + i, n - i);
		if (seq == 1 && (p[i] < 0x20 || p[i] == 0x7f)) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
		} else if (seq == 1 && (p[i] == '"' || p[i] == '\\')) {
			piece[0] = '\\', piece[1] = (char)p[i], plen = 2;
		} else if (seq == 0) {
			plen = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
			seq = 1;
		} else {
			memcpy(piece, p + i, seq);
			plen = seq;
		}
		if (o + plen > limit) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += seq;
	}
	out[o++] = '"';
	out[o] = '\0';
}

void value_quote(const struct config_key_info *k, const char *s, char *out,
                 size_t outsz)
{
	if (k && (k->flags & (CONFIG_SECRET | CONFIG_SENSITIVE))) {
		str_copy(out, outsz, "the value");
		return;
	}
	value_quote_bytes(s, strlen(s), out, outsz);
}

/* ---- what is allowed --------------------------------------------------- */

/* "a, b or c" from "a|b|c". */
static void words_text(const char *allowed, char *out, size_t outsz)
{
	size_t count = 1, o = 0;
	for (const char *p = allowed; *p; p++)
		count += *p == '|';
	out[0] = '\0';
	size_t idx = 0;
	const char *w = allowed;
	while (*w && o < outsz) {
		const char *bar = strchr(w, '|');
		size_t wl = bar ? (size_t)(bar - w) : strlen(w);
		const char *sep = idx == 0 ? "" : idx + 1 == count ? " or " : ", ";
		int n = snprintf(out + o, outsz - o, "%s%.*s", sep, (int)wl, w);
		if (n < 0)
			break;
		o += (size_t)n;
		idx++;
		w = bar ? bar + 1 : w + wl;
	}
}

void value_allowed(const struct config_key_info *k, char *out, size_t outsz)
{
	char words[256];
	long long lo = (long long)k->min, hi = (long long)k->max;
	bool may_be_empty = k->def[0] == '\0';
	switch (k->type) {
	case CONFIG_T_STRING:
		if (lo >= 1)
			str_fmt(out, outsz, "%lld..%lld characters", lo, hi);
		else
			str_fmt(out, outsz, "up to %lld characters", hi);
		may_be_empty = false;
		break;
	case CONFIG_T_IDENT:
		str_fmt(out, outsz, "%lld..%lld characters: letters, digits, '-', '_' and '.'", lo, hi);
		break;
	case CONFIG_T_DIGITS:
		str_fmt(out, outsz, "%lld..%lld digits", lo, hi);
		break;
	case CONFIG_T_INT:
		str_fmt(out, outsz, "%lld..%lld%s%s", lo, hi, k->unit[0] ? " " : "", k->unit);
		break;
	case CONFIG_T_DURATION:
		str_fmt(out, outsz, "%lld..%lld seconds", lo, hi);
		break;
	case CONFIG_T_MONEY:
		str_fmt(out, outsz, "%lld..%lld KES in whole shillings", lo, hi);
		break;
	case CONFIG_T_BOOL:
		str_copy(out, outsz, "true or false");
		break;
	case CONFIG_T_ENUM:
		words_text(k->allowed, out, outsz);
		break;
	case CONFIG_T_LIST:
		words_text(k->allowed, words, sizeof words);
		str_fmt(out, outsz, "a comma-separated list of %s", words);
		break;
	case CONFIG_T_URL:
		str_copy(out, outsz, "an http:// or https:// URL");
		break;
	case CONFIG_T_ORIGIN:
		str_copy(out, outsz, "scheme://host[:port] with no path, e.g. https://pos.example.co.ke");
		break;
	case CONFIG_T_PATH:
		str_copy(out, outsz, k->flags & CONFIG_EXISTS ? "the path of a readable file" : "a file path");
		break;
	case CONFIG_T_HOSTPORT:
		str_fmt(out, outsz, "host:port with a port of %lld..%lld", lo, hi);
		break;
	case CONFIG_T_CIDRS:
		str_copy(out, outsz, "IP addresses or CIDR blocks separated by commas, e.g. 196.201.214.0/24, 10.0.0.5");
		break;
	case CONFIG_T_DATE:
		str_copy(out, outsz, "a date written YYYY-MM-DD");
		break;
	case CONFIG_T_REGEX:
		str_copy(out, outsz, "a POSIX extended regular expression");
		break;
	case CONFIG_TYPE_COUNT:
		str_copy(out, outsz, "?");
		break;
	}
	if (may_be_empty) {
		size_t n = strlen(out);
		if (n < outsz)
			str_copy(out + n, outsz - n, ", or empty");
	}
}

/* ---- parsers by type ------------------------------------------------------- */

struct parse {
	const struct config_key_info *k;
	const char *raw;
	unsigned mode;
	struct value_out *out;
	char q[CONFIG_QUOTE_MAX + 16]; /* the raw value, quoted */
};

__attribute__((format(printf, 2, 3)))
static enum pos_status fail(struct parse *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ps->out->problem, sizeof ps->out->problem, fmt, ap);
	va_end(ap);
	free(ps->out->norm);
	ps->out->norm = NULL;
	return POS_E_INVALID;
}

static enum pos_status take(struct parse *ps, const char *s, size_t n)
{
	char *c = malloc(n + 1);
	if (!c)
		return fail(ps, "out of memory");
	memcpy(c, s, n);
	c[n] = '\0';
	free(ps->out->norm);
	ps->out->norm = c;
	return POS_OK;
}

static enum pos_status take_num(struct parse *ps, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", (long long)v);
	ps->out->num = v;
	return take(ps, buf, strlen(buf));
}

static enum pos_status in_bounds(struct parse *ps, int64_t v)
{
	if (v < ps->k->min || v > ps->k->max)
		return fail(ps, "%s is out of range", ps->q);
	return take_num(ps, v);
}

static enum pos_status parse_string(struct parse *ps)
{
	long chars = str_utf8_len(ps->raw);
	if (chars < ps->k->min)
		return fail(ps, "%s is too short (%ld characters)", ps->q, chars);
	if (chars > ps->k->max)
		return fail(ps, "%s is too long (%ld characters)", ps->q, chars);
	return take(ps, ps->raw, strlen(ps->raw));
}

static enum pos_status parse_ident(struct parse *ps)
{
	for (const char *p = ps->raw; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		if (!ok)
			return fail(ps, "%s may hold only letters, digits, '-', '_' and '.'", ps->q);
	}
	return parse_string(ps);
}

static enum pos_status parse_digits(struct parse *ps)
{
	if (!str_is_digits(ps->raw))
		return fail(ps, "%s is not all digits", ps->q);
	size_t n = strlen(ps->raw);
	if ((int64_t)n < ps->k->min || (int64_t)n > ps->k->max)
		return fail(ps, "%s has %zu digits", ps->q, n);
	return take(ps, ps->raw, n);
}

static enum pos_status parse_int(struct parse *ps)
{
	int64_t v;
	enum pos_status st = parse_i64_str(ps->raw, INT64_MIN, INT64_MAX, &v);
	if (st == POS_E_RANGE)
		return fail(ps, "%s is out of range", ps->q);
	if (st != POS_OK)
		return fail(ps, "%s is not a whole number", ps->q);
	return in_bounds(ps, v);
}

/* Whole seconds, or a whole number of minutes or hours with m or h. */
static enum pos_status parse_duration(struct parse *ps)
{
	const char *p = ps->raw, *end = p + strlen(p);
	uint64_t v;
	enum pos_status st = parse_u64(&p, end, (uint64_t)INT64_MAX / 3600, &v);
	if (st == POS_E_RANGE)
		return fail(ps, "%s is out of range", ps->q);
	if (st != POS_OK)
		return fail(ps, "%s is not a whole number", ps->q);
	uint64_t mult = 1;
	if (end - p == 1 && (*p == 's' || *p == 'S'))
		mult = 1;
	else if (end - p == 1 && (*p == 'm' || *p == 'M'))
		mult = 60;
	else if (end - p == 1 && (*p == 'h' || *p == 'H'))
		mult = 3600;
	else if (p != end)
		return fail(ps, "%s is not a whole number", ps->q);
	return in_bounds(ps, (int64_t)(v * mult));
}

static enum pos_status parse_money(struct parse *ps)
{
	const char *dot = strchr(ps->raw, '.');
	if (dot && dot != ps->raw && str_is_digits(dot + 1)) {
		char whole[32];
		if (str_copyn(whole, sizeof whole, ps->raw, (size_t)(dot - ps->raw)) &&
		    str_is_digits(whole))
			return fail(ps, "%s has a fraction: amounts are whole shillings", ps->q);
	}
	uint64_t v;
	enum pos_status st = parse_u64_str(ps->raw, (uint64_t)INT64_MAX, &v);
	if (st == POS_E_RANGE)
		return fail(ps, "%s is out of range", ps->q);
	if (st != POS_OK)
		return fail(ps, "%s is not a whole number of shillings", ps->q);
	return in_bounds(ps, (int64_t)v);
}

static enum pos_status parse_bool(struct parse *ps)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (str_eq_nocase(ps->raw, yes[i])) {
			ps->out->num = 1;
			return take(ps, "true", 4);
		}
		if (str_eq_nocase(ps->raw, no[i])) {
			ps->out->num = 0;
			return take(ps, "false", 5);
		}
	}
	return fail(ps, "%s is not true or false", ps->q);
}

/* The canonical spelling of word (n bytes) among "a|b|c", or NULL. */
static const char *word_find(const char *allowed, const char *word, size_t n,
                             size_t *wlen)
{
	const char *w = allowed;
	while (*w) {
		const char *bar = strchr(w, '|');
		size_t wl = bar ? (size_t)(bar - w) : strlen(w);
		if (wl == n) {
			size_t i = 0;
			while (i < n && ((w[i] | 0x20) == (word[i] | 0x20)))
				i++;
			if (i == n) {
				*wlen = wl;
				return w;
			}
		}
		if (!bar)
			break;
		w = bar + 1;
	}
	return NULL;
}

static enum pos_status parse_enum(struct parse *ps)
{
	size_t wl;
	const char *w = word_find(ps->k->allowed, ps->raw, strlen(ps->raw), &wl);
	if (!w)
		return fail(ps, "%s is not one of the choices", ps->q);
	return take(ps, w, wl);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static enum pos_status parse_list(struct parse *ps)
{
	char norm[512];
	size_t o = 0, count = 0;
	bool none = false;
	const char *p = ps->raw;
	norm[0] = '\0';
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *s = p;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		if (s == e)
			return fail(ps, "%s has an empty item", ps->q);
		size_t wl;
		const char *w = word_find(ps->k->allowed, s, (size_t)(e - s), &wl);
		char item[CONFIG_QUOTE_MAX + 16];
		value_quote_bytes(s, (size_t)(e - s), item, sizeof item);
		if (!w)
			return fail(ps, "%s is not one of the choices", item);
		/* Listed twice? */
		for (const char *q = norm; *q;) {
			const char *c2 = strchr(q, ',');
			size_t ql = c2 ? (size_t)(c2 - q) : strlen(q);
			if (ql == wl && memcmp(q, w, wl) == 0)
				return fail(ps, "%s lists %s twice", ps->q, item);
			q += ql + (c2 != NULL);
		}
		if (wl == 4 && memcmp(w, "none", 4) == 0)
			none = true;
		if (o + wl + 2 >= sizeof norm)
			return fail(ps, "%s is too long", ps->q);
		if (o)
			norm[o++] = ',';
		memcpy(norm + o, w, wl);
		o += wl;
		norm[o] = '\0';
		count++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (none && count > 1)
		return fail(ps, "%s combines none with other choices", ps->q);
	return take(ps, norm, o);
}

static enum pos_status parse_url(struct parse *ps)
{
	struct url_parts u;
	const char *problem;
	if (!net_url_parse(ps->raw, &u, &problem))
		return fail(ps, "%s %s", ps->q, problem);
	return take(ps, ps->raw, strlen(ps->raw));
}

static enum pos_status parse_origin(struct parse *ps)
{
	struct url_parts u;
	const char *problem;
	if (!net_url_parse(ps->raw, &u, &problem))
		return fail(ps, "%s %s", ps->q, problem);
	char norm[CONFIG_VALUE_MAX + 16];
	str_fmt(norm, sizeof norm, "%s://%.*s", u.https ? "https" : "http",
	        (int)u.authority_len, u.authority);
	bool has_path = u.rest[0] != '\0' && strcmp(u.rest, "/") != 0;
	if (has_path) {
		char path[CONFIG_QUOTE_MAX + 16];
		value_quote_bytes(u.rest, strlen(u.rest), path, sizeof path);
		if (!(ps->mode & VALUE_FROM_ENV))
			return fail(ps, "%s has a path; write only scheme://host[:port]: "
			                "mpesa-pos adds its own callback paths", ps->q);
		str_fmt(ps->out->note, sizeof ps->out->note,
		        "the path %s is ignored because mpesa-pos adds its own callback paths; "
		        "using %s", path, norm);
	}
	return take(ps, norm, strlen(norm));
}

static enum pos_status parse_hostport(struct parse *ps)
{
	const char *host, *problem;
	size_t hl;
	unsigned port;
	if (!net_hostport_parse(ps->raw, &host, &hl, &port, &problem))
		return fail(ps, "%s %s", ps->q, problem);
	if ((int64_t)port < ps->k->min || (int64_t)port > ps->k->max)
		return fail(ps, "%s has port %u", ps->q, port);
	return take(ps, ps->raw, strlen(ps->raw));
}

static enum pos_status parse_cidrs(struct parse *ps)
{
	char norm[CONFIG_VALUE_MAX + 1];
	size_t o = 0, count = 0;
	const char *p = ps->raw;
	for (;;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		const char *s = p;
		while (s < e && is_space(*s))
			s++;
		while (e > s && is_space(e[-1]))
			e--;
		char item[CONFIG_QUOTE_MAX + 16];
		value_quote_bytes(s, (size_t)(e - s), item, sizeof item);
		if (s == e)
			return fail(ps, "%s has an empty item", ps->q);
		if ((size_t)(e - s) == 9 && strncasecmp(s, "safaricom", 9) == 0) {
			/* The word stands for Safaricom's published callback sources. */
			size_t sl = strlen(CONFIG_SAFARICOM_SOURCES);
			count += CONFIG_SAFARICOM_COUNT;
			if (count > CONFIG_CIDR_MAX)
				return fail(ps, "%s has more than %d items", ps->q, CONFIG_CIDR_MAX);
			if (o + sl + 3 >= sizeof norm)
				return fail(ps, "%s is too long", ps->q);
			if (o) {
				norm[o++] = ',';
				norm[o++] = ' ';
			}
			memcpy(norm + o, CONFIG_SAFARICOM_SOURCES, sl + 1);
			o += sl;
			if (!comma)
				break;
			p = comma + 1;
			continue;
		}
		if (++count > CONFIG_CIDR_MAX)
			return fail(ps, "%s has more than %d items", ps->q, CONFIG_CIDR_MAX);
		char addr[64];
		const char *slash = memchr(s, '/', (size_t)(e - s));
		size_t alen = slash ? (size_t)(slash - s) : (size_t)(e - s);
		if (alen >= sizeof addr)
			return fail(ps, "%s is not an IP address", item);
		memcpy(addr, s, alen);
		addr[alen] = '\0';
		unsigned char bin[16];
		unsigned maxbits;
		if (inet_pton(AF_INET, addr, bin) == 1)
			maxbits = 32;
		else if (inet_pton(AF_INET6, addr, bin) == 1)
			maxbits = 128;
		else
			return fail(ps, "%s is not an IP address", item);
		if (slash) {
			char bits[8];
			uint64_t b;
			if (!str_copyn(bits, sizeof bits, slash + 1, (size_t)(e - slash - 1)) ||
			    parse_u64_str(bits, 999, &b) != POS_OK)
				return fail(ps, "%s has a bad prefix length", item);
			if (b > maxbits)
				return fail(ps, "%s has a prefix length above %u", item, maxbits);
		}
		size_t il = (size_t)(e - s);
		if (o + il + 3 >= sizeof norm)
			return fail(ps, "%s is too long", ps->q);
		if (o) {
			norm[o++] = ',';
			norm[o++] = ' ';
		}
		memcpy(norm + o, s, il);
		o += il;
		norm[o] = '\0';
		if (!comma)
			break;
		p = comma + 1;
	}
	return take(ps, norm, o);
}

static enum pos_status parse_date(struct parse *ps)
{
	time_t t;
	if (!clock_parse_date_eat(ps->raw, &t))
		return fail(ps, "%s is not a date", ps->q);
	ps->out->num = (int64_t)t;
	return take(ps, ps->raw, strlen(ps->raw));
}

/* glibc compiles a{n} by copying a n times, so nested counted repeats
 * multiply: cap the product of every bound and the length. */
enum { REGEX_LEN_MAX = 256, REGEX_REPEAT_PRODUCT_MAX = 10000 };

static enum pos_status parse_regex(struct parse *ps)
{
	size_t n = strlen(ps->raw);
	if (n > REGEX_LEN_MAX)
		return fail(ps, "%s is too long (%zu bytes; at most %d)", ps->q, n, REGEX_LEN_MAX);
	uint64_t product = 1;
	for (const char *p = ps->raw; *p; p++) {
		if (*p != '{')
			continue;
		uint64_t biggest = 0;
		const char *q = p + 1;
		while (*q && *q != '}') {
			if (*q >= '0' && *q <= '9') {
				uint64_t v = 0;
				while (*q >= '0' && *q <= '9' && v <= REGEX_REPEAT_PRODUCT_MAX)
					v = v * 10 + (uint64_t)(*q++ - '0');
				if (v > biggest)
					biggest = v;
			} else {
				q++;
			}
		}
		if (biggest > 1)
			product *= biggest;
		if (product > REGEX_REPEAT_PRODUCT_MAX)
			return fail(ps, "%s repeats too much (the {n} counts multiply to more than %d)",
			            ps->q, REGEX_REPEAT_PRODUCT_MAX);
	}
	regex_t re;
	int rc = regcomp(&re, ps->raw, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &re, why, sizeof why);
		return fail(ps, "%s is not a valid regular expression (%s)", ps->q, why);
	}
	regfree(&re);
	return take(ps, ps->raw, n);
}

static enum pos_status parse_path(struct parse *ps)
{
	return take(ps, ps->raw, strlen(ps->raw));
}

enum pos_status value_parse(const struct config_key_info *k, const char *raw,
                            unsigned mode, struct value_out *out)
{
	struct parse ps = {.k = k, .raw = raw, .mode = mode, .out = out};
	out->norm = NULL;
	out->num = 0;
	out->problem[0] = '\0';
	out->note[0] = '\0';
	value_quote(k, raw, ps.q, sizeof ps.q);
	size_t n = strlen(raw);
	if (n > CONFIG_VALUE_MAX)
		return fail(&ps, "the value is longer than %d bytes", CONFIG_VALUE_MAX);
	if (str_utf8_len(raw) < 0)
		return fail(&ps, "%s is not valid UTF-8 text", ps.q);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)raw[i] < 0x20 || raw[i] == 0x7f)
			return fail(&ps, "%s contains a control character", ps.q);
	if (n == 0) {
		if (k->def[0] != '\0')
			return fail(&ps, "the value is empty (leave the key out to use the default, %s)",
			            k->def);
		return take(&ps, "", 0);
	}
	switch (k->type) {
	case CONFIG_T_STRING: return parse_string(&ps);
	case CONFIG_T_IDENT: return parse_ident(&ps);
	case CONFIG_T_DIGITS: return parse_digits(&ps);
	case CONFIG_T_INT: return parse_int(&ps);
	case CONFIG_T_BOOL: return parse_bool(&ps);
	case CONFIG_T_ENUM: return parse_enum(&ps);
	case CONFIG_T_LIST: return parse_list(&ps);
	case CONFIG_T_URL: return parse_url(&ps);
	case CONFIG_T_ORIGIN: return parse_origin(&ps);
	case CONFIG_T_PATH: return parse_path(&ps);
	case CONFIG_T_HOSTPORT: return parse_hostport(&ps);
	case CONFIG_T_DURATION: return parse_duration(&ps);
	case CONFIG_T_CIDRS: return parse_cidrs(&ps);
	case CONFIG_T_MONEY: return parse_money(&ps);
	case CONFIG_T_DATE: return parse_date(&ps);
	case CONFIG_T_REGEX: return parse_regex(&ps);
	case CONFIG_TYPE_COUNT: break;
	}
	return fail(&ps, "internal error: unknown type");
}
