/*
 * daraja/requests.c: validate each typed request, then build the exact JSON
 * body Daraja expects.
 *
 * Validation happens here, before anything is sent, with core/'s rules
 * (phone_normalize, money limits) plus Daraja's field rules (lengths, URL
 * words, shortcodes). Every refusal names the field and quotes the value.
 *
 * Wire types follow Safaricom's own sample requests and the SDKs: the
 * numeric identifiers (BusinessShortCode, PartyA, PartyB, PhoneNumber,
 * Amount, ShortCode of C2B, Msisdn, ReceiverParty) are JSON numbers (all fit
 * a double exactly: at most 12 digits); IdentifierType, RecieverIdentifierType
 * (sic), the Pull fields, CPI and Size are strings. Misspelled names are part
 * of the contract and sent as Daraja spells them. Optional fields are left out
 * when empty. docs/daraja-client.md has the table.
 */
#include "daraja/client_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "core/fields.h"
#include "core/money.h"
#include "core/phone.h"

enum {
	QUOTE_MAX = 48,
	ORIGINATOR_ID_MAX = 64,
	CHECKOUT_ID_MAX = 64,
	BILL_REF_MAX = 20,
	QR_NAME_MAX = 100,
	QR_REF_MAX = 40,
	QR_SIZE_MAX = 1000,
	QR_SIZE_DEFAULT = 300,
	PASSWORD_INPUT_MAX = 160,
};

/* ---- quoting and small checks --------------------------------------------------- */

/* Printable ASCII kept, anything else '?', cut at 40 bytes with "...". */
static const char *quote(const char *s, char out[QUOTE_MAX])
{
	size_t o = 0;
	if (!s)
		s = "";
	for (size_t i = 0; s[i] && o < 40; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		if (i == 39 && s[i + 1]) {
			memcpy(out + o, "...", 3);
			o += 3;
		}
	}
	out[o] = '\0';
	return out;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* Free text shown to people (references, descriptions, remarks): valid
 * UTF-8, no control characters, min..max characters. */
static enum pos_status check_text(const char *field, const char *v, size_t min,
                                  size_t max, struct pos_err *err)
{
	char q[QUOTE_MAX];
	if (empty(v)) {
		if (min == 0)
			return POS_OK;
		return pos_err_set(err, POS_E_EMPTY, field, "%s is required", field);
	}
	long n = str_utf8_len(v);
	if (n < 0 || has_control(v))
		return pos_err_set(err, POS_E_INVALID, field,
		                   "%s \"%s\" holds characters that cannot be sent",
		                   field, quote(v, q));
	if ((size_t)n < min)
		return pos_err_set(err, POS_E_INVALID, field,
		                   "%s \"%s\" is too short: at least %zu characters",
		                   field, quote(v, q), min);
	if ((size_t)n > max) {
		pos_err_set(err, POS_E_TOO_LONG, field,
		            "%s \"%s\" has %ld characters; Daraja takes at most %zu",
		            field, quote(v, q), n, max);
		pos_err_hint(err, "shorten it to %zu characters", max);
		return POS_E_TOO_LONG;
	}
	return POS_OK;
}

/* Identifiers (ids, receipts): 1..max printable ASCII without spaces. */
static enum pos_status check_id(const char *field, const char *v, size_t max,
                                struct pos_err *err)
{
	char q[QUOTE_MAX];
	if (empty(v))
		return pos_err_set(err, POS_E_EMPTY, field, "%s is required", field);
	size_t n = strlen(v);
	if (!str_is_printable_ascii(v) || strchr(v, ' ') || strchr(v, '"') ||
	    strchr(v, '\\'))
		return pos_err_set(err, POS_E_INVALID, field,
		                   "%s \"%s\" may hold only letters, digits and - _ . :",
		                   field, quote(v, q));
	if (n > max)
		return pos_err_set(err, POS_E_TOO_LONG, field,
		                   "%s \"%s\" is %zu characters long; at most %zu",
		                   field, quote(v, q), n, max);
	return POS_OK;
}

/* An M-Pesa receipt: 10 upper-case letters and digits (e.g. NLJ7RT61SV). */
static enum pos_status check_receipt(const char *field, const char *v,
                                     struct pos_err *err)
{
	char q[QUOTE_MAX];
	if (empty(v))
		return pos_err_set(err, POS_E_EMPTY, field, "%s is required", field);
	size_t n = strlen(v);
	bool ok = n == 10;
	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9');
	if (!ok) {
		pos_err_set(err, POS_E_INVALID, field,
		            "%s \"%s\" is not an M-Pesa receipt: 10 capital letters "
		            "and digits, like NLJ7RT61SV", field, quote(v, q));
		return POS_E_INVALID;
	}
	return POS_OK;
}

/* Rename the field of an error core/ filled ("shortcode") to ours (a
 * config key like "[daraja] business_shortcode", or "result_url"). */
static enum pos_status renamed(enum pos_status st, const char *field,
                               struct pos_err *err)
{
	if (st != POS_OK && err)
		str_copy(err->field, sizeof err->field, field);
	return st;
}

/* A shortcode, till or store number (core/fields.h: 5-7 digits, no
 * leading 0). A missing one is a configuration problem. */
static enum pos_status check_shortcode(const char *field, const char *v,
                                       struct pos_err *err)
{
	if (empty(v)) {
		pos_err_set(err, POS_E_CONFIG, field, "%s is not set", field);
		pos_err_hint(err, "set it to the paybill, till or B2C shortcode "
		                  "Safaricom gave you");
		return POS_E_CONFIG;
	}
	return renamed(fields_check_shortcode(v, err), field, err);
}

static enum pos_status need_conf(const char *field, const char *v,
                                 struct pos_err *err)
{
	if (!empty(v))
		return POS_OK;
	pos_err_set(err, POS_E_CONFIG, field, "%s is not set", field);
	pos_err_hint(err, "set it in the configuration file");
	return POS_E_CONFIG;
}

/* A callback URL Daraja will POST to (core/fields.h: https, or http to a
 * loopback host; none of the words Daraja refuses). */
static enum pos_status check_url(const char *field, const char *v,
                                 struct pos_err *err)
{
	return renamed(fields_check_callback_url(v, err), field, err);
}

static enum pos_status check_phone(const char *field, const char *typed,
                                   struct phone *p, struct pos_err *err)
{
	enum pos_status st = phone_normalize(typed, PHONE_KE, p, err);
	if (st != POS_OK && err && strcmp(field, "phone") != 0)
		str_copy(err->field, sizeof err->field, field);
	return st;
}

static enum pos_status check_amount(int64_t amount, enum money_op op,
                                    struct pos_err *err)
{
	if (amount <= 0 || amount > MONEY_WHOLE_MAX) {
		return pos_err_set(err, POS_E_AMOUNT, "amount",
		                   "the amount %lld is not valid: Daraja takes whole "
		                   "shillings from 1", (long long)amount);
	}
	return money_check_limit(NULL, CURRENCY_KES, op, amount * MONEY_SCALE, err);
}

/* ---- JSON building -------------------------------------------------------------- */

struct jb {
	cJSON *root;
	bool failed;
};

static void jb_init(struct jb *b)
{
	b->root = cJSON_CreateObject();
	b->failed = b->root == NULL;
}

static void put_str(struct jb *b, const char *key, const char *v)
{
	if (!b->failed && !cJSON_AddStringToObject(b->root, key, v ? v : ""))
		b->failed = true;
}

static void put_opt_str(struct jb *b, const char *key, const char *v)
{
	if (!empty(v))
		put_str(b, key, v);
}

/* Integers up to 2^53 are exact in a double and printed without exponent
 * by cJSON (at most 15 significant digits). */
static void put_num(struct jb *b, const char *key, int64_t v)
{
	if (v < 0 || v > (INT64_C(1) << 53))
		b->failed = true;
	if (!b->failed && !cJSON_AddNumberToObject(b->root, key, (double)v))
		b->failed = true;
}

/* A digit string (shortcode, MSISDN) as a JSON number. */
static void put_digits(struct jb *b, const char *key, const char *digits)
{
	uint64_t v;
	if (parse_u64_str(digits, UINT64_C(999999999999999), &v) != POS_OK)
		b->failed = true;
	else
		put_num(b, key, (int64_t)v);
}

static enum pos_status jb_finish(struct jb *b, char **json, struct pos_err *err)
{
	*json = NULL;
	if (!b->failed)
		*json = cJSON_PrintUnformatted(b->root);
	cJSON_Delete(b->root);
	b->root = NULL;
	if (!*json)
		return pos_err_set(err, POS_E_NOMEM, "daraja",
		                   "the request body could not be built");
	return POS_OK;
}

/* ---- STK ------------------------------------------------------------------------ */

enum pos_status daraja_stk_password(const char *shortcode, const char *passkey,
                                    const char *timestamp, char *out,
                                    size_t outsz, struct pos_err *err)
{
	char in[PASSWORD_INPUT_MAX];
	if (empty(shortcode) || empty(passkey) || empty(timestamp))
		return pos_err_set(err, POS_E_CONFIG, "[daraja] passkey",
		                   "the STK password needs the shortcode, the passkey "
		                   "and a timestamp");
	if (!str_fmt(in, sizeof in, "%s%s%s", shortcode, passkey, timestamp))
		return pos_err_set(err, POS_E_TOO_LONG, "[daraja] passkey",
		                   "the passkey is too long (%zu characters)",
		                   strlen(passkey));
	size_t n = crypto_base64_encode(in, strlen(in), out, outsz);
	crypto_wipe(in, sizeof in);
	if (n == 0)
		return pos_err_set(err, POS_E_TOO_LONG, "[daraja] passkey",
		                   "the STK password does not fit in %zu bytes", outsz);
	return POS_OK;
}

static enum pos_status check_stk_conf(const struct daraja_conf *c,
                                      struct pos_err *err)
{
	enum pos_status st = check_shortcode("[daraja] business_shortcode",
	                                     c->business_shortcode, err);
	if (st == POS_OK)
		st = need_conf("[daraja] passkey", c->passkey, err);
	return st;
}

/* Password and Timestamp of an STK request, added to b. */
static enum pos_status put_stk_auth(const struct daraja_conf *c, struct jb *b,
                                    time_t now, struct pos_err *err)
{
	char ts[15], pw[256];
	clock_daraja_timestamp(now, ts);
	enum pos_status st = daraja_stk_password(c->business_shortcode, c->passkey,
	                                         ts, pw, sizeof pw, err);
	if (st != POS_OK)
		return st;
	put_digits(b, "BusinessShortCode", c->business_shortcode);
	put_str(b, "Password", pw);
	put_str(b, "Timestamp", ts);
	crypto_wipe(pw, sizeof pw);
	return POS_OK;
}

enum pos_status daraja_build_stk_push(const struct daraja_conf *c,
                                      const struct daraja_stk_push_req *r,
                                      time_t now, char **json,
                                      struct pos_err *err)
{
	struct phone p;
	struct jb b;
	bool buy_goods = str_eq(c->transaction_type, "CustomerBuyGoodsOnline");
	const char *party_b = buy_goods ? c->till_number : c->business_shortcode;
	enum pos_status st;

	*json = NULL;
	if ((st = check_stk_conf(c, err)) != POS_OK ||
	    (buy_goods && (st = check_shortcode("[daraja] till_number",
	                                        c->till_number, err)) != POS_OK) ||
	    (st = check_phone("phone", r->phone, &p, err)) != POS_OK ||
	    (st = check_amount(r->amount, MONEY_OP_CHARGE, err)) != POS_OK ||
	    (st = fields_check_account_ref(r->account_ref, err)) != POS_OK ||
	    (st = fields_check_txn_desc(r->description, err)) != POS_OK ||
	    (st = check_url("callback_url", r->callback_url, err)) != POS_OK)
		return st;

	jb_init(&b);
	if ((st = put_stk_auth(c, &b, now, err)) != POS_OK) {
		cJSON_Delete(b.root);
		return st;
	}
	put_str(&b, "TransactionType",
	        buy_goods ? "CustomerBuyGoodsOnline" : "CustomerPayBillOnline");
	put_num(&b, "Amount", r->amount);
	put_digits(&b, "PartyA", p.msisdn);
	put_digits(&b, "PartyB", party_b);
	put_digits(&b, "PhoneNumber", p.msisdn);
	put_str(&b, "CallBackURL", r->callback_url);
	put_str(&b, "AccountReference", r->account_ref);
	put_str(&b, "TransactionDesc", r->description);
	return jb_finish(&b, json, err);
}

enum pos_status daraja_build_stk_query(const struct daraja_conf *c,
                                       const struct daraja_stk_query_req *r,
                                       time_t now, char **json,
                                       struct pos_err *err)
{
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = check_stk_conf(c, err)) != POS_OK ||
	    (st = check_id("checkout_request_id", r->checkout_request_id,
	                   CHECKOUT_ID_MAX, err)) != POS_OK)
		return st;
	jb_init(&b);
	if ((st = put_stk_auth(c, &b, now, err)) != POS_OK) {
		cJSON_Delete(b.root);
		return st;
	}
	put_str(&b, "CheckoutRequestID", r->checkout_request_id);
	return jb_finish(&b, json, err);
}

/* ---- initiator APIs --------------------------------------------------------------- */

static const char *b2c_party_a(const struct daraja_conf *c)
{
	return !empty(c->b2c_shortcode) ? c->b2c_shortcode : c->business_shortcode;
}

static enum pos_status check_initiator(const struct daraja_conf *c,
                                       struct pos_err *err)
{
	enum pos_status st = need_conf("[daraja] initiator_name", c->initiator_name, err);
	if (st == POS_OK)
		st = need_conf("[daraja] initiator_password", c->initiator_password, err);
	if (st == POS_OK)
		st = need_conf("[daraja] cert_path", c->cert_path, err);
	return st;
}

static enum pos_status check_result_urls(const char *result_url,
                                         const char *timeout_url,
                                         struct pos_err *err)
{
	enum pos_status st = check_url("result_url", result_url, err);
	if (st == POS_OK)
		st = check_url("timeout_url", timeout_url, err);
	return st;
}

static const char *or_default(const char *v, const char *dflt)
{
	return empty(v) ? dflt : v;
}

enum pos_status daraja_check_b2c(const struct daraja_conf *c,
                                 const struct daraja_b2c_req *r,
                                 struct pos_err *err)
{
	struct phone p;
	enum pos_status st;
	if ((st = check_initiator(c, err)) != POS_OK ||
	    (st = check_shortcode(empty(c->b2c_shortcode) ? "[daraja] business_shortcode"
	                                                  : "[daraja] b2c_shortcode",
	                          b2c_party_a(c), err)) != POS_OK ||
	    (st = check_id("originator_conversation_id", r->originator_conversation_id,
	                   ORIGINATOR_ID_MAX, err)) != POS_OK)
		return st;
	if ((unsigned)r->command >= FIELDS_B2C_COUNT)
		return pos_err_set(err, POS_E_INVALID, "command_id",
		                   "payout type %d is not one of BusinessPayment, "
		                   "SalaryPayment, PromotionPayment", (int)r->command);
	if ((st = check_phone("phone", r->phone, &p, err)) != POS_OK ||
	    (st = check_amount(r->amount, MONEY_OP_PAYOUT, err)) != POS_OK ||
	    (st = fields_check_remarks(or_default(r->remarks, "Payout"), true, err)) != POS_OK ||
	    (st = fields_check_occasion(r->occasion, err)) != POS_OK)
		return st;
	return check_result_urls(r->result_url, r->timeout_url, err);
}

enum pos_status daraja_build_b2c(const struct daraja_conf *c,
                                 const struct daraja_b2c_req *r,
                                 const char *credential, char **json,
                                 struct pos_err *err)
{
	struct phone p;
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = daraja_check_b2c(c, r, err)) != POS_OK ||
	    (st = check_phone("phone", r->phone, &p, err)) != POS_OK ||
	    (st = need_conf("[daraja] cert", credential, err)) != POS_OK)
		return st;
	jb_init(&b);
	put_str(&b, "OriginatorConversationID", r->originator_conversation_id);
	put_str(&b, "InitiatorName", c->initiator_name);
	put_str(&b, "SecurityCredential", credential);
	put_str(&b, "CommandID", fields_b2c_command_name(r->command));
	put_num(&b, "Amount", r->amount);
	put_digits(&b, "PartyA", b2c_party_a(c));
	put_digits(&b, "PartyB", p.msisdn);
	put_str(&b, "Remarks", or_default(r->remarks, "Payout"));
	put_str(&b, "QueueTimeOutURL", r->timeout_url);
	put_str(&b, "ResultURL", r->result_url);
	put_opt_str(&b, "Occasion", r->occasion);
	return jb_finish(&b, json, err);
}

/* PartyA of a status or balance query, checked for its IdentifierType. */
static enum pos_status check_party(const struct daraja_conf *c,
                                   const char *given, unsigned type,
                                   char out[PHONE_MSISDN_MAX],
                                   struct pos_err *err)
{
	enum pos_status st;
	if (type == 1) {
		struct phone p;
		if ((st = check_phone("party_a", given, &p, err)) != POS_OK)
			return st;
		str_copy(out, PHONE_MSISDN_MAX, p.msisdn);
		return POS_OK;
	}
	if (type != 2 && type != 4)
		return pos_err_set(err, POS_E_INVALID, "identifier_type",
		                   "identifier type %u is not 1 (phone), 2 (till) or "
		                   "4 (shortcode)", type);
	const char *v = empty(given) ? b2c_party_a(c) : given;
	const char *field = !empty(given) ? "party_a"
	                    : !empty(c->b2c_shortcode) ? "[daraja] b2c_shortcode"
	                                               : "[daraja] business_shortcode";
	if ((st = check_shortcode(field, v, err)) != POS_OK)
		return st;
	str_copy(out, PHONE_MSISDN_MAX, v);
	return POS_OK;
}

enum pos_status daraja_check_txn_status(const struct daraja_conf *c,
                                        const struct daraja_status_req *r,
                                        struct pos_err *err)
{
	char party[PHONE_MSISDN_MAX];
	enum pos_status st;
	if ((st = check_initiator(c, err)) != POS_OK)
		return st;
	if (empty(r->transaction_id) && empty(r->original_conversation_id))
		return pos_err_set(err, POS_E_EMPTY, "transaction_id",
		                   "a status query needs the M-Pesa receipt or the "
		                   "OriginatorConversationID");
	if (!empty(r->transaction_id) &&
	    (st = check_receipt("transaction_id", r->transaction_id, err)) != POS_OK)
		return st;
	if (!empty(r->original_conversation_id) &&
	    (st = check_id("original_conversation_id", r->original_conversation_id,
	                   ORIGINATOR_ID_MAX, err)) != POS_OK)
		return st;
	if ((st = check_party(c, r->party_a, r->identifier_type ? r->identifier_type : 4,
	                      party, err)) != POS_OK ||
	    (st = fields_check_remarks(or_default(r->remarks, "Status query"), true, err)) != POS_OK ||
	    (st = fields_check_occasion(r->occasion, err)) != POS_OK)
		return st;
	return check_result_urls(r->result_url, r->timeout_url, err);
}

enum pos_status daraja_build_txn_status(const struct daraja_conf *c,
                                        const struct daraja_status_req *r,
                                        const char *credential, char **json,
                                        struct pos_err *err)
{
	char party[PHONE_MSISDN_MAX], type[4];
	unsigned t = r->identifier_type ? r->identifier_type : 4;
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = daraja_check_txn_status(c, r, err)) != POS_OK ||
	    (st = check_party(c, r->party_a, t, party, err)) != POS_OK ||
	    (st = need_conf("[daraja] cert", credential, err)) != POS_OK)
		return st;
	str_fmt(type, sizeof type, "%u", t);
	jb_init(&b);
	put_str(&b, "Initiator", c->initiator_name);
	put_str(&b, "SecurityCredential", credential);
	put_str(&b, "CommandID", "TransactionStatusQuery");
	put_opt_str(&b, "TransactionID", r->transaction_id);
	/* Both spellings: the portal documents the typo, SDKs send the other. */
	put_opt_str(&b, "OriginalConversationID", r->original_conversation_id);
	put_opt_str(&b, "OriginalConcersationID", r->original_conversation_id);
	put_digits(&b, "PartyA", party);
	put_str(&b, "IdentifierType", type);
	put_str(&b, "ResultURL", r->result_url);
	put_str(&b, "QueueTimeOutURL", r->timeout_url);
	put_str(&b, "Remarks", or_default(r->remarks, "Status query"));
	put_opt_str(&b, "Occasion", r->occasion);
	return jb_finish(&b, json, err);
}

enum pos_status daraja_check_balance(const struct daraja_conf *c,
                                     const struct daraja_balance_req *r,
                                     struct pos_err *err)
{
	char party[PHONE_MSISDN_MAX];
	enum pos_status st;
	if ((st = check_initiator(c, err)) != POS_OK ||
	    (st = check_party(c, r->party_a, r->identifier_type ? r->identifier_type : 4,
	                      party, err)) != POS_OK ||
	    (st = fields_check_remarks(or_default(r->remarks, "Balance query"), true, err)) != POS_OK)
		return st;
	return check_result_urls(r->result_url, r->timeout_url, err);
}

enum pos_status daraja_build_balance(const struct daraja_conf *c,
                                     const struct daraja_balance_req *r,
                                     const char *credential, char **json,
                                     struct pos_err *err)
{
	char party[PHONE_MSISDN_MAX], type[4];
	unsigned t = r->identifier_type ? r->identifier_type : 4;
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = daraja_check_balance(c, r, err)) != POS_OK ||
	    (st = check_party(c, r->party_a, t, party, err)) != POS_OK ||
	    (st = need_conf("[daraja] cert", credential, err)) != POS_OK)
		return st;
	str_fmt(type, sizeof type, "%u", t);
	jb_init(&b);
	put_str(&b, "Initiator", c->initiator_name);
	put_str(&b, "SecurityCredential", credential);
	put_str(&b, "CommandID", "AccountBalance");
	put_digits(&b, "PartyA", party);
	put_str(&b, "IdentifierType", type);
	put_str(&b, "Remarks", or_default(r->remarks, "Balance query"));
	put_str(&b, "QueueTimeOutURL", r->timeout_url);
	put_str(&b, "ResultURL", r->result_url);
	return jb_finish(&b, json, err);
}

static const char *reversal_party(const struct daraja_conf *c,
                                  const struct daraja_reversal_req *r)
{
	return empty(r->receiver_party) ? c->business_shortcode : r->receiver_party;
}

enum pos_status daraja_check_reversal(const struct daraja_conf *c,
                                      const struct daraja_reversal_req *r,
                                      struct pos_err *err)
{
	enum pos_status st;
	if ((st = check_initiator(c, err)) != POS_OK ||
	    (st = check_receipt("transaction_id", r->transaction_id, err)) != POS_OK ||
	    (st = check_amount(r->amount, MONEY_OP_CHARGE, err)) != POS_OK ||
	    (st = check_shortcode(empty(r->receiver_party) ? "[daraja] business_shortcode"
	                                                   : "receiver_party",
	                          reversal_party(c, r), err)) != POS_OK ||
	    (st = fields_check_remarks(or_default(r->remarks, "Reversal"), true, err)) != POS_OK ||
	    (st = fields_check_occasion(r->occasion, err)) != POS_OK)
		return st;
	return check_result_urls(r->result_url, r->timeout_url, err);
}

enum pos_status daraja_build_reversal(const struct daraja_conf *c,
                                      const struct daraja_reversal_req *r,
                                      const char *credential, char **json,
                                      struct pos_err *err)
{
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = daraja_check_reversal(c, r, err)) != POS_OK ||
	    (st = need_conf("[daraja] cert", credential, err)) != POS_OK)
		return st;
	jb_init(&b);
	put_str(&b, "Initiator", c->initiator_name);
	put_str(&b, "SecurityCredential", credential);
	put_str(&b, "CommandID", "TransactionReversal");
	put_str(&b, "TransactionID", r->transaction_id);
	put_num(&b, "Amount", r->amount);
	put_digits(&b, "ReceiverParty", reversal_party(c, r));
	put_str(&b, "RecieverIdentifierType", "11"); /* sic */
	put_str(&b, "ResultURL", r->result_url);
	put_str(&b, "QueueTimeOutURL", r->timeout_url);
	put_str(&b, "Remarks", or_default(r->remarks, "Reversal"));
	put_opt_str(&b, "Occasion", r->occasion);
	return jb_finish(&b, json, err);
}

/* ---- C2B ---------------------------------------------------------------------------- */

static enum pos_status c2b_shortcode(const struct daraja_conf *c, const char *given,
                                     const char **out, struct pos_err *err)
{
	*out = empty(given) ? c->business_shortcode : given;
	return check_shortcode(empty(given) ? "[daraja] business_shortcode" : "shortcode",
	                       *out, err);
}

enum pos_status daraja_build_c2b_register(const struct daraja_conf *c,
                                          const struct daraja_c2b_register_req *r,
                                          char **json, struct pos_err *err)
{
	const char *sc, *type = or_default(r->response_type, "Completed");
	const char *validation = or_default(r->validation_url, r->confirmation_url);
	char q[QUOTE_MAX];
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = c2b_shortcode(c, r->shortcode, &sc, err)) != POS_OK)
		return st;
	if (!str_eq(type, "Completed") && !str_eq(type, "Cancelled"))
		return pos_err_set(err, POS_E_INVALID, "response_type",
		                   "response type \"%s\" is not Completed or Cancelled "
		                   "(exactly so spelt)", quote(type, q));
	if ((st = check_url("confirmation_url", r->confirmation_url, err)) != POS_OK ||
	    (st = check_url("validation_url", validation, err)) != POS_OK)
		return st;
	jb_init(&b);
	put_digits(&b, "ShortCode", sc);
	put_str(&b, "ResponseType", type);
	put_str(&b, "ConfirmationURL", r->confirmation_url);
	put_str(&b, "ValidationURL", validation);
	return jb_finish(&b, json, err);
}

enum pos_status daraja_build_c2b_simulate(const struct daraja_conf *c,
                                          const struct daraja_c2b_simulate_req *r,
                                          char **json, struct pos_err *err)
{
	const char *sc;
	struct phone p;
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if (c->production)
		return pos_err_set(err, POS_E_INVALID, "c2b_simulate",
		                   "C2B simulate exists only in the sandbox");
	if ((st = c2b_shortcode(c, r->shortcode, &sc, err)) != POS_OK ||
	    (st = check_amount(r->amount, MONEY_OP_C2B, err)) != POS_OK ||
	    (st = check_phone("phone", r->phone, &p, err)) != POS_OK ||
	    (st = check_text("bill_ref", r->bill_ref, 0, BILL_REF_MAX, err)) != POS_OK)
		return st;
	jb_init(&b);
	put_digits(&b, "ShortCode", sc);
	put_str(&b, "CommandID", r->buy_goods ? "CustomerBuyGoodsOnline"
	                                      : "CustomerPayBillOnline");
	put_num(&b, "Amount", r->amount);
	put_digits(&b, "Msisdn", p.msisdn);
	put_str(&b, "BillRefNumber", r->buy_goods ? "" : r->bill_ref);
	return jb_finish(&b, json, err);
}

/* ---- Pull Transactions ------------------------------------------------------------- */

enum pos_status daraja_build_pull_register(const struct daraja_conf *c,
                                           const struct daraja_pull_register_req *r,
                                           char **json, struct pos_err *err)
{
	const char *sc;
	struct phone p;
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = c2b_shortcode(c, r->shortcode, &sc, err)) != POS_OK ||
	    (st = check_phone("nominated_number", r->nominated_number, &p, err)) != POS_OK ||
	    (st = check_url("callback_url", r->callback_url, err)) != POS_OK)
		return st;
	jb_init(&b);
	put_str(&b, "ShortCode", sc);
	put_str(&b, "RequestType", "Pull");
	put_str(&b, "NominatedNumber", p.msisdn);
	put_str(&b, "CallBackURL", r->callback_url);
	return jb_finish(&b, json, err);
}

/* "YYYY-MM-DD HH:mm:ss" in Nairobi time. */
static void pull_date(time_t t, char out[20])
{
	struct tm tm;
	clock_eat_tm(t, &tm);
	unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u;
	str_fmt(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", y,
	        (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
	        (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
	        (unsigned)tm.tm_sec % 100u);
}

enum pos_status daraja_build_pull_query(const struct daraja_conf *c,
                                        const struct daraja_pull_query_req *r,
                                        unsigned offset, char **json,
                                        struct pos_err *err)
{
	const char *sc;
	char start[20], end[20], off[12];
	struct jb b;
	enum pos_status st;
	*json = NULL;
	if ((st = c2b_shortcode(c, r->shortcode, &sc, err)) != POS_OK)
		return st;
	if (r->start <= 0 || r->end <= 0 || r->end < r->start) {
		pull_date(r->start > 0 ? r->start : 0, start);
		pull_date(r->end > 0 ? r->end : 0, end);
		return pos_err_set(err, POS_E_RANGE, "start",
		                   "the window %s to %s is empty or reversed", start, end);
	}
	pull_date(r->start, start);
	pull_date(r->end, end);
	str_fmt(off, sizeof off, "%u", offset);
	jb_init(&b);
	put_str(&b, "ShortCode", sc);
	put_str(&b, "StartDate", start);
	put_str(&b, "EndDate", end);
	put_str(&b, "OffSetValue", off);
	return jb_finish(&b, json, err);
}

/* ---- Dynamic QR ---------------------------------------------------------------------- */

enum pos_status daraja_build_qr(const struct daraja_conf *c,
                                const struct daraja_qr_req *r, char **json,
                                struct pos_err *err)
{
	static const char *const codes[] = {"BG", "WA", "PB", "SM", "SB"};
	char q[QUOTE_MAX], size[8];
	unsigned px = r->size_px ? r->size_px : QR_SIZE_DEFAULT;
	struct jb b;
	enum pos_status st;
	bool known = false;
	(void)c;
	*json = NULL;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		known = known || str_eq(r->trx_code, codes[i]);
	if (!known)
		return pos_err_set(err, POS_E_INVALID, "trx_code",
		                   "QR type \"%s\" is not one of BG (buy goods), WA "
		                   "(agent), PB (paybill), SM (send money), SB (send to "
		                   "business)", quote(r->trx_code, q));
	if ((st = check_text("merchant_name", r->merchant_name, 1, QR_NAME_MAX, err)) != POS_OK ||
	    (st = check_text("ref_no", r->ref_no, 1, QR_REF_MAX, err)) != POS_OK ||
	    (st = check_amount(r->amount, MONEY_OP_CHARGE, err)) != POS_OK)
		return st;
	if (empty(r->cpi) || !str_is_digits(r->cpi) || strlen(r->cpi) > 12)
		return pos_err_set(err, POS_E_INVALID, "cpi",
		                   "CPI \"%s\" must be the till, paybill, agent or phone "
		                   "number (digits only)", quote(r->cpi, q));
	if (px < 1 || px > QR_SIZE_MAX)
		return pos_err_set(err, POS_E_RANGE, "size_px",
		                   "QR size %u px is outside 1..%d", px, QR_SIZE_MAX);
	str_fmt(size, sizeof size, "%u", px);
	jb_init(&b);
	put_str(&b, "MerchantName", r->merchant_name);
	put_str(&b, "RefNo", r->ref_no);
	put_num(&b, "Amount", r->amount);
	put_str(&b, "TrxCode", r->trx_code);
	put_str(&b, "CPI", r->cpi);
	put_str(&b, "Size", size);
	return jb_finish(&b, json, err);
}
