/* core/fields.c: Daraja request field rules for our client. */
#include "core/fields.h"

#include <string.h>

#include "base/str.h"
#include "core/digits.h"
#include "core/text_int.h"

static const struct {
	const char *wire, *alias, *label;
} b2c_commands[] = {
#define FIELDS_B2C_ROW(e, wire, alias, label) {wire, alias, label},
	FIELDS_B2C_COMMANDS(FIELDS_B2C_ROW)
#undef FIELDS_B2C_ROW
};

static const struct {
	const char *wire, *alias, *label;
} stk_types[] = {
#define FIELDS_STK_ROW(e, wire, alias, label) {wire, alias, label},
	FIELDS_STK_TYPES(FIELDS_STK_ROW)
#undef FIELDS_STK_ROW
};

/* Words Daraja refuses anywhere in a callback URL (daraja-api.md 6.1). */
static const char *const forbidden_words[] = {
	"m-pesa", "mpesa", "safaricom", "exec", "exe", "cmd", "sql", "query",
};

const char *fields_b2c_command_name(enum fields_b2c_command c)
{
	return (unsigned)c < FIELDS_B2C_COUNT ? b2c_commands[c].wire : "?";
}

const char *fields_b2c_command_label(enum fields_b2c_command c)
{
	return (unsigned)c < FIELDS_B2C_COUNT ? b2c_commands[c].label : "?";
}

enum pos_status fields_b2c_command_parse(const char *s, enum fields_b2c_command *out,
                                         struct pos_err *err)
{
	char q[64];
	for (int i = 0; s && i < FIELDS_B2C_COUNT; i++) {
		if (str_eq_nocase(s, b2c_commands[i].wire) ||
		    str_eq_nocase(s, b2c_commands[i].alias)) {
			*out = (enum fields_b2c_command)i;
			pos_err_clear(err);
			return POS_OK;
		}
	}
	core_quote(s, s ? strlen(s) : 0, q, sizeof q);
	pos_err_set(err, POS_E_INVALID, "command_id", "'%s' is not a payout type", q);
	pos_err_hint(err, "use BusinessPayment, SalaryPayment or PromotionPayment");
	return POS_E_INVALID;
}

const char *fields_stk_type_name(enum fields_stk_type t)
{
	return (unsigned)t < FIELDS_STK_COUNT ? stk_types[t].wire : "?";
}

const char *fields_stk_type_label(enum fields_stk_type t)
{
	return (unsigned)t < FIELDS_STK_COUNT ? stk_types[t].label : "?";
}

enum pos_status fields_stk_type_parse(const char *s, enum fields_stk_type *out,
                                      struct pos_err *err)
{
	char q[64];
	for (int i = 0; s && i < FIELDS_STK_COUNT; i++) {
		if (str_eq_nocase(s, stk_types[i].wire) || str_eq_nocase(s, stk_types[i].alias)) {
			*out = (enum fields_stk_type)i;
			pos_err_clear(err);
			return POS_OK;
		}
	}
	core_quote(s, s ? strlen(s) : 0, q, sizeof q);
	pos_err_set(err, POS_E_INVALID, "transaction_type", "'%s' is not a transaction type", q);
	pos_err_hint(err, "use CustomerPayBillOnline (paybill) or CustomerBuyGoodsOnline (till)");
	return POS_E_INVALID;
}

/* ---- free text ---------------------------------------------------------- */

static bool refused_ascii(unsigned char ch)
{
	return ch == '"' || ch == '\\' || ch == '<' || ch == '>';
}

static const char *control_name(unsigned char ch, char *buf, size_t bufsz)
{
	switch (ch) {
	case '\t':
		return "a tab";
	case '\n':
		return "a line break";
	case '\r':
		return "a carriage return";
	case 0x7f:
		return "a delete character";
	default:
		str_fmt(buf, bufsz, "a control character (0x%02x)", ch);
		return buf;
	}
}

static enum pos_status check_text(const char *field, const char *label,
                                  const char *s, size_t min, size_t max,
                                  struct pos_err *err)
{
	char q[64], what[48];
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)u);
	core_quote((const char *)u, n, q, sizeof q);

	size_t pos = 0; /* 1-based character position */
	bool blank = true;
	for (size_t i = 0; i < n; pos++) {
		unsigned char ch = u[i];
		if (ch >= 0x80) {
			size_t len = core_utf8_seq(u + i, n - i);
			char shown[8] = "?";
			if (len)
				str_copyn(shown, sizeof shown, (const char *)u + i, len);
			pos_err_set(err, POS_E_INVALID, field,
			            "'%s' has a character M-Pesa cannot carry (%s) at position %zu",
			            q, shown, pos + 1);
			pos_err_hint(err, "use the letters A-Z without accents, digits and common "
			                  "punctuation");
			return POS_E_INVALID;
		}
		if (ch < 0x20 || ch == 0x7f) {
			pos_err_set(err, POS_E_INVALID, field, "'%s' has %s at position %zu", q,
			            control_name(ch, what, sizeof what), pos + 1);
			pos_err_hint(err, "type the %s on one line, without special keys", label);
			return POS_E_INVALID;
		}
		if (refused_ascii(ch)) {
			pos_err_set(err, POS_E_INVALID, field,
			            "'%s' has the character %c at position %zu, which M-Pesa "
			            "requests do not carry",
			            q, ch, pos + 1);
			pos_err_hint(err, "leave out the characters \" \\ < >");
			return POS_E_INVALID;
		}
		blank &= ch == ' ';
		i++;
	}
	if (min > 0 && (n == 0 || blank)) {
		pos_err_set(err, POS_E_EMPTY, field, "the %s is required", label);
		pos_err_hint(err, "enter a short %s (at most %zu characters)", label, max);
		return POS_E_EMPTY;
	}
	if (n > max) {
		char shorter[128];
		str_copyn(shorter, sizeof shorter, (const char *)u, max);
		pos_err_set(err, POS_E_TOO_LONG, field,
		            "'%s' is %zu characters: M-Pesa allows at most %zu for the %s", q, n,
		            max, label);
		pos_err_hint(err, "shorten it, for example to '%s'", shorter);
		return POS_E_TOO_LONG;
	}
	pos_err_clear(err);
	return POS_OK;
}

enum pos_status fields_check_account_ref(const char *s, struct pos_err *err)
{
	return check_text("account_reference", "account reference", s, 1,
	                  FIELDS_ACCOUNT_REF_MAX, err);
}

enum pos_status fields_check_txn_desc(const char *s, struct pos_err *err)
{
	return check_text("transaction_desc", "description", s, 1, FIELDS_TXN_DESC_MAX, err);
}

enum pos_status fields_check_remarks(const char *s, bool required, struct pos_err *err)
{
	return check_text("remarks", "remarks", s, required ? 1 : 0, FIELDS_REMARKS_MAX, err);
}

enum pos_status fields_check_occasion(const char *s, struct pos_err *err)
{
	return check_text("occasion", "occasion", s, 0, FIELDS_OCCASION_MAX, err);
}

/* ---- shortcode ---------------------------------------------------------- */

enum pos_status fields_check_shortcode(const char *s, struct pos_err *err)
{
	char q[64];
	size_t n = s ? strlen(s) : 0;
	if (n == 0) {
		pos_err_set(err, POS_E_EMPTY, "shortcode", "no shortcode was given");
		pos_err_hint(err, "enter the paybill, till or B2C shortcode (5 to 7 digits)");
		return POS_E_EMPTY;
	}
	core_quote(s, n, q, sizeof q);
	if (!digits_all(s, n) || n < FIELDS_SHORTCODE_MIN || n > FIELDS_SHORTCODE_MAX) {
		pos_err_set(err, POS_E_INVALID, "shortcode",
		            "%s is not a shortcode: a shortcode has 5 to 7 digits", q);
		pos_err_hint(err, "copy it from the M-Pesa portal, like 174379");
		return POS_E_INVALID;
	}
	if (s[0] == '0') {
		pos_err_set(err, POS_E_INVALID, "shortcode",
		            "%s is not a shortcode: a shortcode never starts with 0", q);
		pos_err_hint(err, "copy it from the M-Pesa portal, like 174379");
		return POS_E_INVALID;
	}
	pos_err_clear(err);
	return POS_OK;
}

/* ---- callback URLs ------------------------------------------------------ */

static bool starts_nocase(const char *s, const char *prefix)
{
	size_t k = strlen(prefix);
	for (size_t i = 0; i < k; i++) {
		char a = s[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != prefix[i])
			return false;
	}
	return true;
}

/* The host of an http(s) URL into host (lower case). False when there is
 * no scheme or no host. */
static bool url_host(const char *url, char *host, size_t hostsz, bool *https)
{
	const char *p;
	if (starts_nocase(url, "https://")) {
		*https = true;
		p = url + 8;
	} else if (starts_nocase(url, "http://")) {
		*https = false;
		p = url + 7;
	} else {
		return false;
	}
	size_t n;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close)
			return false;
		n = (size_t)(close - p) + 1;
	} else {
		n = strcspn(p, ":/?#");
	}
	if (n == 0 || n >= hostsz)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		host[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	host[n] = '\0';
	const char *rest = p + n;
	if (*rest == ':') { /* port: 1-65535 */
		uint64_t port;
		const char *q = rest + 1, *end = q + strcspn(q, "/?#");
		if (parse_u64(&q, end, 65535, &port) != POS_OK || q != end || port == 0)
			return false;
	}
	return true;
}

static bool host_is_loopback(const char *host)
{
	if (str_eq(host, "localhost") || str_eq(host, "[::1]"))
		return true;
	if (strncmp(host, "127.", 4) != 0)
		return false;
	const char *p = host + 4, *end = host + strlen(host);
	for (int part = 0; part < 3; part++) {
		uint64_t v;
		const char *start = p;
		if (parse_u64(&p, end, 255, &v) != POS_OK)
			return false;
		if (p - start > 1 && *start == '0')
			return false; /* 127.01.0.1: octal to some resolvers */
		if (part < 2) {
			if (p >= end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

bool fields_url_is_loopback(const char *url)
{
	char host[256];
	bool https;
	return url && url_host(url, host, sizeof host, &https) && host_is_loopback(host);
}

enum pos_status fields_check_callback_url(const char *url, struct pos_err *err)
{
	char q[64], host[256], lower[FIELDS_URL_MAX + 1];
	size_t n = url ? strlen(url) : 0;
	bool https = false;
	if (n == 0) {
		pos_err_set(err, POS_E_EMPTY, "callback_url", "no callback URL was given");
		pos_err_hint(err, "set the public https address Daraja should call back");
		return POS_E_EMPTY;
	}
	core_quote(url, n, q, sizeof q);
	if (n > FIELDS_URL_MAX) {
		pos_err_set(err, POS_E_TOO_LONG, "callback_url",
		            "%s is %zu characters: the most allowed is %d", q, n, FIELDS_URL_MAX);
		pos_err_hint(err, "use a shorter address");
		return POS_E_TOO_LONG;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)url[i];
		if (ch <= 0x20 || ch >= 0x7f) {
			pos_err_set(err, POS_E_INVALID, "callback_url",
			            "%s has a space or a character that is not plain ASCII at "
			            "position %zu",
			            q, i + 1);
			pos_err_hint(err, "percent-encode it or choose a plain address");
			return POS_E_INVALID;
		}
		lower[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : (char)ch;
	}
	lower[n] = '\0';
	if (strchr(lower, '@')) {
		pos_err_set(err, POS_E_INVALID, "callback_url",
		            "%s has a user name or an '@' in it", q);
		pos_err_hint(err, "leave out user names; put a secret token in the path instead");
		return POS_E_INVALID;
	}
	if (!url_host(url, host, sizeof host, &https)) {
		pos_err_set(err, POS_E_INVALID, "callback_url",
		            "%s is not a web address: it must look like https://host/path", q);
		pos_err_hint(err, "write the full address, starting with https://");
		return POS_E_INVALID;
	}
	if (!https && !host_is_loopback(host)) {
		pos_err_set(err, POS_E_INVALID, "callback_url",
		            "%s uses http: Daraja calls back over https only", q);
		pos_err_hint(err, "use https:// (plain http is only for a local address such "
		                  "as 127.0.0.1)");
		return POS_E_INVALID;
	}
	for (size_t i = 0; i < sizeof forbidden_words / sizeof forbidden_words[0]; i++) {
		if (strstr(lower, forbidden_words[i])) {
			pos_err_set(err, POS_E_INVALID, "callback_url",
			            "%s contains '%s', which Daraja refuses in callback URLs", q,
			            forbidden_words[i]);
			pos_err_hint(err, "choose a host and path without the words mpesa, m-pesa, "
			                  "safaricom, exe, exec, cmd, sql or query");
			return POS_E_INVALID;
		}
	}
	pos_err_clear(err);
	return POS_OK;
}
