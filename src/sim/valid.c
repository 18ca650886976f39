/* sim/valid.c: Daraja's field rules, as the simulator applies them. */
#include "sim/valid.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/str.h"
#include "sim/json.h"

enum {
	TEXT_CAP = 4096,        /* longest field text looked at */
	URL_MAX = 2048,
	AMOUNT_MAX = 999999999  /* beyond any M-Pesa limit; only a sanity cap */
};

/* ---- predicates ----------------------------------------------------------- */

bool sim_valid_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	return n >= min && n <= max && (n == 0 || str_is_digits(s));
}

bool sim_valid_msisdn(const char *s)
{
	return strlen(s) == 12 && str_is_digits(s) && strncmp(s, "254", 3) == 0;
}

bool sim_valid_shortcode(const char *s)
{
	return sim_valid_digits(s, 5, 7);
}

bool sim_valid_amount_text(const char *s, int64_t *out)
{
	const char *p = s, *end = s + strlen(s);
	uint64_t v;
	if (p == end || *p < '0' || *p > '9')
		return false;
	if (parse_u64(&p, end, AMOUNT_MAX, &v) != POS_OK)
		return false;
	if (p < end) {
		if (*p != '.' || p + 1 == end)
			return false;
		for (p++; p < end; p++)
			if (*p != '0')
				return false; /* a fraction: Daraja takes whole shillings */
	}
	if (v < 1)
		return false;
	if (out)
		*out = (int64_t)v;
	return true;
}

bool sim_valid_amount_number(double v, int64_t *out)
{
	if (!isfinite(v) || v != floor(v) || v < 1 || v > AMOUNT_MAX)
		return false;
	if (out)
		*out = (int64_t)v;
	return true;
}

bool sim_valid_amount_item(const cJSON *item, int64_t *out)
{
	if (cJSON_IsNumber(item))
		return sim_valid_amount_number(item->valuedouble, out);
	if (cJSON_IsString(item) && item->valuestring)
		return sim_valid_amount_text(item->valuestring, out);
	return false;
}

bool sim_valid_url(const char *s)
{
	size_t n = strlen(s);
	const char *host;
	if (n > URL_MAX)
		return false;
	if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return false;
	if (*host == '\0' || *host == '/' || *host == ':')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

bool sim_valid_c2b_url(const char *s)
{
	static const char *const forbidden[] = {
		"mpesa", "m-pesa", "safaricom", "exe", "exec", "cmd", "sql", "query",
	};
	if (!sim_valid_url(s))
		return false;
	for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
		if (contains_nocase(s, forbidden[i]))
			return false;
	return true;
}

bool sim_valid_enum(const char *s, const char *choices, char *canon,
                    size_t canonsz)
{
	size_t n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0)
		return false;
	const char *c = choices;
	while (*c) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);
		if (len == n && strncmp(c, s, n) == 0) {
			if (canon)
				str_copyn(canon, canonsz, c, len);
			return true;
		}
		if (!bar)
			break;
		c = bar + 1;
	}
	return false;
}

static bool two_digits(const char *p, unsigned lo, unsigned hi)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return false;
	unsigned v = (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0');
	return v >= lo && v <= hi;
}

bool sim_valid_datetime(const char *s)
{
	/* YYYY-MM-DD HH:mm:ss */
	if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':')
		return false;
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return two_digits(s + 5, 1, 12) && two_digits(s + 8, 1, 31) &&
	       two_digits(s + 11, 0, 23) && two_digits(s + 14, 0, 59) &&
	       two_digits(s + 17, 0, 59);
}

/* ---- the table ------------------------------------------------------------ */

#define REQ true
#define OPT false
#define ROW(f, k, r) {f, k, r, 0, 0, NULL}
#define TXT(f, r, lo, hi) {f, SIM_R_TEXT, r, lo, hi, NULL}
#define DIG(f, r, lo, hi) {f, SIM_R_DIGITS, r, lo, hi, NULL}
#define ENUM(f, r, ch) {f, SIM_R_ENUM, r, 0, 0, ch}

static const struct sim_rule stk_push[] = {
	ROW("BusinessShortCode", SIM_R_SHORTCODE, REQ),
	TXT("Password", REQ, 1, 512),
	ROW("Timestamp", SIM_R_TIMESTAMP, REQ),
	ENUM("TransactionType", REQ, "CustomerPayBillOnline|CustomerBuyGoodsOnline"),
	ROW("Amount", SIM_R_AMOUNT, REQ),
	ROW("PartyA", SIM_R_MSISDN, REQ),
	ROW("PartyB", SIM_R_SHORTCODE, REQ),
	ROW("PhoneNumber", SIM_R_MSISDN, REQ),
	ROW("CallBackURL", SIM_R_URL, REQ),
	TXT("AccountReference", REQ, 0, 12),
	TXT("TransactionDesc", OPT, 0, 182),
};

static const struct sim_rule stk_query[] = {
	ROW("BusinessShortCode", SIM_R_SHORTCODE, REQ),
	TXT("Password", REQ, 1, 512),
	ROW("Timestamp", SIM_R_TIMESTAMP, REQ),
	TXT("CheckoutRequestID", REQ, 1, 64),
};

#define B2C_ROWS                                                               \
	TXT("InitiatorName", REQ, 1, 64),                                      \
	TXT("SecurityCredential", REQ, 1, 4096),                               \
	ENUM("CommandID", REQ, "SalaryPayment|BusinessPayment|PromotionPayment"), \
	ROW("Amount", SIM_R_AMOUNT, REQ),                                      \
	ROW("PartyA", SIM_R_SHORTCODE, REQ),                                   \
	ROW("PartyB", SIM_R_MSISDN, REQ),                                      \
	TXT("Remarks", REQ, 1, 100),                                           \
	ROW("QueueTimeOutURL", SIM_R_URL, REQ),                                \
	ROW("ResultURL", SIM_R_URL, REQ),                                      \
	TXT("Occasion", OPT, 0, 100)

static const struct sim_rule b2c_v1[] = {B2C_ROWS};
static const struct sim_rule b2c_v3[] = {
	TXT("OriginatorConversationID", REQ, 1, 128),
	B2C_ROWS,
};

static const struct sim_rule status[] = {
	TXT("Initiator", REQ, 1, 64),
	TXT("SecurityCredential", REQ, 1, 4096),
	ENUM("CommandID", REQ, "TransactionStatusQuery"),
	TXT("TransactionID", OPT, 0, 64),
	TXT("OriginalConversationID", OPT, 0, 128),
	TXT("OriginalConcersationID", OPT, 0, 128),
	DIG("PartyA", REQ, 1, 12),
	ENUM("IdentifierType", REQ, "1|2|4"),
	ROW("ResultURL", SIM_R_URL, REQ),
	ROW("QueueTimeOutURL", SIM_R_URL, REQ),
	TXT("Remarks", REQ, 1, 100),
	TXT("Occasion", OPT, 0, 100),
};

static const struct sim_rule balance[] = {
	TXT("Initiator", REQ, 1, 64),
	TXT("SecurityCredential", REQ, 1, 4096),
	ENUM("CommandID", REQ, "AccountBalance"),
	DIG("PartyA", REQ, 1, 12),
	ENUM("IdentifierType", REQ, "1|2|4"),
	TXT("Remarks", REQ, 1, 100),
	ROW("QueueTimeOutURL", SIM_R_URL, REQ),
	ROW("ResultURL", SIM_R_URL, REQ),
};

static const struct sim_rule reversal[] = {
	TXT("Initiator", REQ, 1, 64),
	TXT("SecurityCredential", REQ, 1, 4096),
	ENUM("CommandID", REQ, "TransactionReversal"),
	TXT("TransactionID", REQ, 1, 64),
	ROW("Amount", SIM_R_AMOUNT, REQ),
	DIG("ReceiverParty", REQ, 1, 12),
	ENUM("RecieverIdentifierType", REQ, "1|2|4|11"),
	ROW("ResultURL", SIM_R_URL, REQ),
	ROW("QueueTimeOutURL", SIM_R_URL, REQ),
	TXT("Remarks", REQ, 1, 100),
	TXT("Occasion", OPT, 0, 100),
};

static const struct sim_rule c2b_register[] = {
	ROW("ShortCode", SIM_R_SHORTCODE, REQ),
	ENUM("ResponseType", REQ, "Completed|Cancelled"),
	ROW("ConfirmationURL", SIM_R_C2B_URL, REQ),
	ROW("ValidationURL", SIM_R_C2B_URL, OPT),
};

static const struct sim_rule c2b_simulate[] = {
	ROW("ShortCode", SIM_R_SHORTCODE, REQ),
	ENUM("CommandID", REQ, "CustomerPayBillOnline|CustomerBuyGoodsOnline"),
	ROW("Amount", SIM_R_AMOUNT, REQ),
	ROW("Msisdn", SIM_R_MSISDN, REQ),
	TXT("BillRefNumber", OPT, 0, 100),
};

static const struct sim_rule pull_register[] = {
	ROW("ShortCode", SIM_R_SHORTCODE, REQ),
	TXT("RequestType", REQ, 1, 32),
	DIG("NominatedNumber", OPT, 0, 12),
	ROW("CallBackURL", SIM_R_URL, REQ),
};

static const struct sim_rule pull_query[] = {
	ROW("ShortCode", SIM_R_SHORTCODE, REQ),
	ROW("StartDate", SIM_R_DATETIME, REQ),
	ROW("EndDate", SIM_R_DATETIME, REQ),
	DIG("OffSetValue", OPT, 0, 9),
};

static const struct sim_rule qr[] = {
	TXT("MerchantName", REQ, 1, 100),
	TXT("RefNo", REQ, 1, 100),
	ROW("Amount", SIM_R_AMOUNT, REQ),
	ENUM("TrxCode", REQ, "BG|WA|PB|SM|SB"),
	TXT("CPI", REQ, 1, 32),
	DIG("Size", OPT, 0, 4),
};

#define RULES(a) {a, sizeof a / sizeof a[0]}
static const struct sim_rules tables[SIM_OP_COUNT] = {
	[SIM_OP_STK_PUSH] = RULES(stk_push),
	[SIM_OP_STK_QUERY] = RULES(stk_query),
	[SIM_OP_B2C_V1] = RULES(b2c_v1),
	[SIM_OP_B2C_V3] = RULES(b2c_v3),
	[SIM_OP_STATUS] = RULES(status),
	[SIM_OP_BALANCE] = RULES(balance),
	[SIM_OP_REVERSAL] = RULES(reversal),
	[SIM_OP_C2B_REGISTER] = RULES(c2b_register),
	[SIM_OP_C2B_SIMULATE] = RULES(c2b_simulate),
	[SIM_OP_PULL_REGISTER] = RULES(pull_register),
	[SIM_OP_PULL_QUERY] = RULES(pull_query),
	[SIM_OP_QR] = RULES(qr),
};

const struct sim_rules *sim_rules_for(enum sim_op op)
{
	return (unsigned)op < SIM_OP_COUNT ? &tables[op] : NULL;
}

/* ---- checking --------------------------------------------------------------- */

static size_t text_len(const char *s)
{
	long n = str_utf8_len(s);
	return n >= 0 ? (size_t)n : strlen(s);
}

enum sim_verdict sim_rule_check(const struct sim_rule *rule, const cJSON *item)
{
	char text[TEXT_CAP + 1];
	enum sim_jkind kind = sim_json_item_text(item, text, sizeof text);

	if (kind == SIM_J_COMPOSITE)
		return SIM_V_PAYLOAD;
	if (kind == SIM_J_MISSING)
		return rule->required ? SIM_V_FIELD : SIM_V_OK;
	/* An optional field sent empty is a field not sent. */
	if (!rule->required && kind == SIM_J_STRING && text[0] == '\0')
		return SIM_V_OK;
	if (kind == SIM_J_BOOL)
		return SIM_V_FIELD;
	if (kind == SIM_J_STRING && item->valuestring &&
	    strlen(item->valuestring) > TEXT_CAP)
		return SIM_V_FIELD;

	bool ok = false;
	switch (rule->kind) {
	case SIM_R_TEXT: {
		size_t n = text_len(text);
		ok = n >= rule->min && n <= rule->max;
		break;
	}
	case SIM_R_DIGITS:
		ok = sim_valid_digits(text, rule->min, rule->max);
		break;
	case SIM_R_SHORTCODE:
		ok = sim_valid_shortcode(text);
		break;
	case SIM_R_MSISDN:
		ok = sim_valid_msisdn(text);
		break;
	case SIM_R_AMOUNT:
		ok = sim_valid_amount_item(item, NULL);
		break;
	case SIM_R_TIMESTAMP: {
		time_t t;
		ok = strlen(text) == 14 && clock_parse_daraja_timestamp(text, &t);
		break;
	}
	case SIM_R_URL:
		ok = sim_valid_url(text);
		break;
	case SIM_R_C2B_URL:
		ok = sim_valid_c2b_url(text);
		break;
	case SIM_R_ENUM:
		ok = sim_valid_enum(text, rule->choices, NULL, 0);
		break;
	case SIM_R_DATETIME:
		ok = sim_valid_datetime(text);
		break;
	}
	return ok ? SIM_V_OK : SIM_V_FIELD;
}

enum sim_verdict sim_validate(const struct sim_rules *rules, const cJSON *body,
                              const char **bad)
{
	for (size_t i = 0; i < rules->n; i++) {
		const struct sim_rule *rule = &rules->rows[i];
		const cJSON *item = cJSON_IsObject(body)
		                        ? cJSON_GetObjectItemCaseSensitive(body, rule->field)
		                        : NULL;
		enum sim_verdict v = sim_rule_check(rule, item);
		if (v != SIM_V_OK) {
			if (bad)
				*bad = rule->field;
			return v;
		}
	}
	return SIM_V_OK;
}
