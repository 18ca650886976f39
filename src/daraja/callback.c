/* daraja/callback.c: the callback body parsers. Contract in callback.h. */
#include "daraja/callback.h"

#include <stddef.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "daraja/json_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define TRY(expr)                                                              \
	do {                                                                       \
		if ((st = (expr)) != POS_OK)                                           \
			goto out;                                                          \
	} while (0)

static const char CB_HINT[] =
	"The body was refused and not recorded as an outcome: confirm the "
	"transaction with a status query, and keep the raw body for Safaricom "
	"support if it came from them.";

/* ---- names -------------------------------------------------------------------- */

const char *daraja_outcome_name(enum daraja_outcome o)
{
	static const char *const names[] = {
#define DARAJA_OUTCOME_NAME(e, name) name,
		DARAJA_OUTCOMES(DARAJA_OUTCOME_NAME)
#undef DARAJA_OUTCOME_NAME
	};
	return (size_t)o < N_ELEMS(names) ? names[o] : "?";
}

const char *daraja_msisdn_kind_name(enum daraja_msisdn_kind k)
{
	static const char *const names[] = {
#define DARAJA_MSISDN_NAME(e, name) name,
		DARAJA_MSISDN_KINDS(DARAJA_MSISDN_NAME)
#undef DARAJA_MSISDN_NAME
	};
	return (size_t)k < N_ELEMS(names) ? names[k] : "?";
}

static const struct {
	const char *name, *what;
} routes[DARAJA_CB_ROUTE_COUNT] = {
#define DARAJA_CB_ROUTE_ROW(e, name, what) {name, what},
	DARAJA_CB_ROUTES(DARAJA_CB_ROUTE_ROW)
#undef DARAJA_CB_ROUTE_ROW
};

const char *daraja_cb_route_name(enum daraja_cb_route r)
{
	return (size_t)r < N_ELEMS(routes) ? routes[r].name : "?";
}

const char *daraja_cb_route_what(enum daraja_cb_route r)
{
	return (size_t)r < N_ELEMS(routes) ? routes[r].what : "callback";
}

bool daraja_cb_route_from_name(const char *name, enum daraja_cb_route *out)
{
	for (size_t i = 0; i < N_ELEMS(routes); i++) {
		if (str_eq(name, routes[i].name)) {
			*out = (enum daraja_cb_route)i;
			return true;
		}
	}
	return false;
}

/* ---- field helpers --------------------------------------------------------------- */

static bool is_alnum_ascii(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

/* An M-Pesa receipt or transaction id: letters and digits only. */
static enum pos_status get_receipt(const struct dj_doc *doc, const cJSON *node,
                                   const char *path, unsigned flags, char *dst,
                                   size_t cap, struct pos_err *err)
{
	enum pos_status st = dj_text(doc, node, path, flags, dst, cap, NULL, err);
	if (st == POS_OK && !is_alnum_ascii(dst)) {
		char q[48];
		dj_quote(q, sizeof q, dst, strlen(dst));
		return pos_err_set(err, POS_E_INVALID, path,
		                   "\"%s\" is not an M-Pesa receipt (letters and digits only)", q);
	}
	return st;
}

/* A 12-14 digit date (number or text), read as YYYYMMDDHHmmss when 14. */
static enum pos_status get_time14(const struct dj_doc *doc, const cJSON *node,
                                  const char *path, unsigned flags, size_t min,
                                  struct daraja_time *out, struct pos_err *err)
{
	bool present;
	enum pos_status st = dj_digits(doc, node, path, flags, min, 14, out->text,
	                               sizeof out->text, &present, err);
	if (st != POS_OK || !present || strlen(out->text) != 14)
		return st;
	if ((st = dj_timestamp(out->text, path, &out->t, err)) == POS_OK)
		out->known = true;
	return st;
}

/* "DD.MM.YYYY HH:mm:ss" (B2C TransactionCompletedDateTime). */
static enum pos_status get_time_dotted(const struct dj_doc *doc, const cJSON *node,
                                       const char *path, struct daraja_time *out,
                                       struct pos_err *err)
{
	static const char shape[] = "DD.MM.YYYY HH:mm:ss";
	bool present;
	enum pos_status st = dj_text(doc, node, path, 0, out->text, sizeof out->text,
	                             &present, err);
	if (st != POS_OK || !present)
		return st;
	const char *s = out->text;
	bool ok = strlen(s) == sizeof shape - 1;
	for (size_t i = 0; ok && i < sizeof shape - 1; i++) {
		bool digit = s[i] >= '0' && s[i] <= '9';
		ok = strchr(".: ", shape[i]) ? s[i] == shape[i] : digit;
	}
	if (ok) {
		char ts[15] = {s[6], s[7], s[8], s[9], s[3], s[4], s[0], s[1],
		               s[11], s[12], s[14], s[15], s[17], s[18], '\0'};
		ok = clock_parse_daraja_timestamp(ts, &out->t);
	}
	if (!ok) {
		char q[48];
		dj_quote(q, sizeof q, s, strlen(s));
		return pos_err_set(err, POS_E_INVALID, path,
		                   "\"%s\" is not a real date and time like 14.03.2025 10:22:41", q);
	}
	out->known = true;
	return POS_OK;
}

/* Look a member up and read it as text in one go. */
static enum pos_status member_text(const struct dj_doc *doc, const cJSON *obj,
                                   const char *parent, const char *key,
                                   unsigned flags, char *dst, size_t cap,
                                   struct pos_err *err)
{
	char path[DJ_PATH_MAX];
	const cJSON *v;
	enum pos_status st = dj_member(obj, key, false, parent, &v, err);
	if (st != POS_OK)
		return st;
	dj_path(path, sizeof path, parent, key);
	return dj_text(doc, v, path, flags, dst, cap, NULL, err);
}

/* ---- running a parser on a body ------------------------------------------------- */

typedef enum pos_status (*doc_fn)(const struct dj_doc *doc, void *out, bool flag,
                                  struct pos_err *err);

static enum pos_status run(const char *what, const char *body, size_t len,
                           size_t max_body, doc_fn fn, void *out, bool flag,
                           struct pos_err *err)
{
	struct dj_doc doc;
	pos_err_clear(err);
	enum pos_status st = dj_parse(&doc, what, body, len,
	                              max_body ? max_body : DARAJA_CB_BODY_MAX_DEFAULT, err);
	if (st == POS_OK) {
		if (!cJSON_IsObject(doc.root))
			st = pos_err_set(err, POS_E_INVALID, "body",
			                 "the %s body is %s; a JSON object is expected", what,
			                 dj_type_name(doc.root));
		else
			st = fn(&doc, out, flag, err);
		dj_release(&doc);
	}
	if (st != POS_OK && err && !err->hint[0])
		pos_err_hint(err, "%s", CB_HINT);
	return st;
}

/* Say what a body of the wrong kind looks like, if we can tell. */
static const char *looks_like(const cJSON *root)
{
	if (cJSON_GetObjectItemCaseSensitive(root, "Body"))
		return "an STK callback (it has \"Body\")";
	if (cJSON_GetObjectItemCaseSensitive(root, "Result"))
		return "an asynchronous Result (B2C, status, balance or reversal)";
	if (cJSON_GetObjectItemCaseSensitive(root, "TransID"))
		return "a C2B validation or confirmation (it has \"TransID\")";
	return NULL;
}

static enum pos_status wrong_kind(const cJSON *root, const char *what,
                                  const char *expected_key, struct pos_err *err)
{
	const char *like = looks_like(root);
	if (!like)
		return pos_err_set(err, POS_E_EMPTY, expected_key, "is missing from the %s",
		                   what);
	pos_err_set(err, POS_E_INVALID, "body",
	            "this %s body looks like %s, not like a %s", what, like, what);
	pos_err_hint(err, "A callback URL was given to the wrong kind of request: check "
	                  "the CallBackURL/ResultURL/QueueTimeOutURL of each request type. "
	                  "The body was not recorded.");
	return POS_E_INVALID;
}

/* ---- STK ---------------------------------------------------------------------- */

static enum pos_status stk_from_doc(const struct dj_doc *doc, void *vout, bool flag,
                                    struct pos_err *err)
{
	static const char P[] = "Body.stkCallback";
	struct daraja_stk_callback *out = vout;
	enum pos_status st;
	const cJSON *body, *cb, *meta, *v;
	char path[DJ_PATH_MAX];
	bool present;
	(void)flag;

	TRY(dj_object(doc->root, "Body", false, "", &body, err));
	if (!body)
		return wrong_kind(doc->root, doc->what, "Body", err);
	TRY(dj_object(body, "stkCallback", true, "Body", &cb, err));
	TRY(member_text(doc, cb, P, "MerchantRequestID", DJ_REQUIRED,
	                out->merchant_request_id, sizeof out->merchant_request_id, err));
	TRY(member_text(doc, cb, P, "CheckoutRequestID", DJ_REQUIRED,
	                out->checkout_request_id, sizeof out->checkout_request_id, err));
	TRY(dj_member(cb, "ResultCode", false, P, &v, err));
	dj_path(path, sizeof path, P, "ResultCode");
	TRY(dj_code(doc, v, path, DJ_REQUIRED, out->result_code.text,
	            sizeof out->result_code.text, &out->result_code.numeric,
	            &out->result_code.value, NULL, err));
	TRY(member_text(doc, cb, P, "ResultDesc", 0, out->result_desc,
	                sizeof out->result_desc, err));
	out->outcome = out->result_code.numeric && out->result_code.value == 0
	                       ? DARAJA_OUTCOME_SUCCESS
	                       : DARAJA_OUTCOME_FAILED;

	TRY(dj_object(cb, "CallbackMetadata", false, P, &meta, err));
	if (meta) {
		static const char MP[] = "Body.stkCallback.CallbackMetadata";
		struct dj_list items;
		bool found;
		out->has_metadata = true;
		TRY(dj_member(meta, "Item", false, MP, &v, err));
		dj_path(path, sizeof path, MP, "Item");
		TRY(dj_list_open(v, "Name", path, DARAJA_ITEMS_MAX, &items, err));

		dj_list_find(&items, "Amount", &found, &v, path);
		TRY(dj_amount(doc, v, path, 0, &out->amount.minor, &out->amount.present, err));
		dj_list_find(&items, "MpesaReceiptNumber", &found, &v, path);
		TRY(get_receipt(doc, v, path, 0, out->receipt, sizeof out->receipt, err));
		dj_list_find(&items, "Balance", &out->has_balance, &v, path);
		TRY(dj_text(doc, v, path, DJ_NUMBER_OK, out->balance, sizeof out->balance,
		            &present, err));
		dj_list_find(&items, "TransactionDate", &found, &v, path);
		TRY(get_time14(doc, v, path, 0, 12, &out->transaction_date, err));
		dj_list_find(&items, "PhoneNumber", &found, &v, path);
		TRY(dj_msisdn(doc, v, path, &out->phone, err));
	}
	if (out->outcome == DARAJA_OUTCOME_SUCCESS) {
		if (!out->amount.present)
			return pos_err_set(err, POS_E_EMPTY, "Body.stkCallback.CallbackMetadata",
			                   "ResultCode is 0 (paid) but the Amount item is missing");
		if (!out->receipt[0])
			return pos_err_set(err, POS_E_EMPTY, "Body.stkCallback.CallbackMetadata",
			                   "ResultCode is 0 (paid) but the MpesaReceiptNumber item "
			                   "is missing");
	}
out:
	return st;
}

enum pos_status daraja_stk_callback_parse(const char *body, size_t len,
                                          size_t max_body,
                                          struct daraja_stk_callback *out,
                                          struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return run("STK callback", body, len, max_body, stk_from_doc, out, false, err);
}

/* ---- the asynchronous Result envelope ------------------------------------------ */

enum result_kind { RK_B2C, RK_STATUS, RK_BALANCE, RK_REVERSAL, RK_COUNT };

static const struct {
	const char *what, *timeout_what;
	const char *markers[4]; /* ResultParameter keys only this kind sends */
} kinds[RK_COUNT] = {
	[RK_B2C] = {"B2C result", "B2C queue timeout",
	            {"TransactionAmount", "TransactionReceipt",
	             "B2CRecipientIsRegisteredCustomer", "B2CUtilityAccountAvailableFunds"}},
	[RK_STATUS] = {"transaction status result", "transaction status queue timeout",
	               {"ReceiptNo", "TransactionStatus", "FinalisedTime", "FinalizedTime"}},
	[RK_BALANCE] = {"account balance result", "account balance queue timeout",
	                {"AccountBalance"}},
	[RK_REVERSAL] = {"reversal result", "reversal queue timeout",
	                 {"OriginalTransactionID", "CreditPartyPublicName",
	                  "DebitPartyPublicName"}},
};

static const char *kind_marker(const struct dj_list *params, enum result_kind k)
{
	char path[DJ_PATH_MAX];
	for (size_t i = 0; i < N_ELEMS(kinds[k].markers) && kinds[k].markers[i]; i++) {
		bool found;
		const cJSON *v;
		dj_list_find(params, kinds[k].markers[i], &found, &v, path);
		if (found)
			return kinds[k].markers[i];
	}
	return NULL;
}

/* Result.ResultParameters.ResultParameter, or the inverted doc shape
 * Result.ResultParameter.ResultParameters. Either level may be absent.
 * Messages name the list by its own key only ("ResultParameter[Amount]"),
 * which keeps the longest names within pos_err.field. */
static enum pos_status open_params(const cJSON *res, struct dj_list *params,
                                   bool *has, struct pos_err *err)
{
	enum pos_status st;
	const cJSON *outer, *inverted, *inner;
	*has = false;
	TRY(dj_object(res, "ResultParameters", false, "Result", &outer, err));
	TRY(dj_object(res, "ResultParameter", false, "Result", &inverted, err));
	if (outer && inverted)
		return pos_err_set(err, POS_E_DUPLICATE, "Result.ResultParameters",
		                   "both ResultParameters and ResultParameter are present; "
		                   "a body that says two things at once is refused");
	if (outer) {
		TRY(dj_member(outer, "ResultParameter", false, "Result.ResultParameters",
		              &inner, err));
		TRY(dj_list_open(inner, "Key", "ResultParameter", DARAJA_ITEMS_MAX, params, err));
	} else if (inverted) {
		TRY(dj_member(inverted, "ResultParameters", false, "Result.ResultParameter",
		              &inner, err));
		TRY(dj_list_open(inner, "Key", "ResultParameters", DARAJA_ITEMS_MAX, params, err));
	} else {
		TRY(dj_list_open(NULL, "Key", "ResultParameter", DARAJA_ITEMS_MAX, params, err));
	}
	*has = params->count > 0;
out:
	return st;
}

static enum pos_status open_refs(const struct dj_doc *doc, const cJSON *res,
                                 struct daraja_result_common *c,
                                 struct pos_err *err)
{
	static const char P[] = "Result.ReferenceData.ReferenceItem";
	enum pos_status st;
	const cJSON *rd, *items;
	struct dj_list refs;
	TRY(dj_object(res, "ReferenceData", false, "Result", &rd, err));
	if (!rd)
		return POS_OK;
	TRY(dj_member(rd, "ReferenceItem", false, "Result.ReferenceData", &items, err));
	TRY(dj_list_open(items, "Key", P, DARAJA_REF_ITEMS_MAX, &refs, err));
	for (size_t i = 0; i < refs.count; i++) {
		const cJSON *item = dj_list_at(&refs, i);
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(item, "Key");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(item, "Value");
		struct daraja_ref_item *r = &c->ref[c->n_ref];
		char path[DJ_PATH_MAX];
		(void)str_fmt(path, sizeof path, "%s[%zu]", P, i);
		TRY(dj_text(doc, key, path, DJ_REQUIRED, r->key, sizeof r->key, NULL, err));
		TRY(dj_text(doc, val, path, DJ_NUMBER_OK, r->value, sizeof r->value,
		            &r->has_value, err));
		c->n_ref++;
	}
out:
	return st;
}

static enum pos_status result_common(const struct dj_doc *doc, enum result_kind kind,
                                     bool timeout, struct daraja_result_common *c,
                                     struct dj_list *params, struct pos_err *err)
{
	enum pos_status st;
	const cJSON *res, *v;
	char path[DJ_PATH_MAX];
	bool has_oc, has_c;

	c->timeout = timeout;
	TRY(dj_object(doc->root, "Result", false, "", &res, err));
	if (!res)
		return wrong_kind(doc->root, doc->what, "Result", err);
	TRY(dj_member(res, "ResultType", false, "Result", &v, err));
	TRY(dj_int(doc, v, "Result.ResultType", 0, 0, 1000000, &c->result_type, NULL, err));
	TRY(dj_member(res, "ResultCode", false, "Result", &v, err));
	TRY(dj_code(doc, v, "Result.ResultCode", timeout ? 0 : DJ_REQUIRED,
	            c->result_code.text, sizeof c->result_code.text,
	            &c->result_code.numeric, &c->result_code.value, &c->has_result_code,
	            err));
	TRY(member_text(doc, res, "Result", "ResultDesc", 0, c->result_desc,
	                sizeof c->result_desc, err));

	TRY(dj_member(res, "OriginatorConversationID", false, "Result", &v, err));
	TRY(dj_text(doc, v, "Result.OriginatorConversationID", timeout ? 0 : DJ_REQUIRED,
	            c->originator_conversation_id, sizeof c->originator_conversation_id,
	            &has_oc, err));
	TRY(dj_member(res, "ConversationID", false, "Result", &v, err));
	TRY(dj_text(doc, v, "Result.ConversationID", timeout ? 0 : DJ_REQUIRED,
	            c->conversation_id, sizeof c->conversation_id, &has_c, err));
	if (!has_oc && !has_c)
		return pos_err_set(err, POS_E_EMPTY, "Result.ConversationID",
		                   "the %s has neither ConversationID nor "
		                   "OriginatorConversationID, so it matches no request",
		                   doc->what);
	TRY(dj_member(res, "TransactionID", false, "Result", &v, err));
	dj_path(path, sizeof path, "Result", "TransactionID");
	TRY(get_receipt(doc, v, path, 0, c->transaction_id, sizeof c->transaction_id, err));

	TRY(open_params(res, params, &c->has_params, err));
	TRY(open_refs(doc, res, c, err));

	/* Parameters of another product mean the URL belongs to another request. */
	if (!kind_marker(params, kind)) {
		for (int k = 0; k < RK_COUNT; k++) {
			const char *m = k == (int)kind ? NULL : kind_marker(params, (enum result_kind)k);
			if (!m)
				continue;
			pos_err_set(err, POS_E_INVALID, params->path,
			            "holds \"%s\", a key of the %s, but the body came as a %s",
			            m, kinds[k].what, doc->what);
			pos_err_hint(err, "A ResultURL or QueueTimeOutURL was given to the wrong "
			                  "kind of request: check each request type's URLs. The "
			                  "body was not recorded.");
			return POS_E_INVALID;
		}
	}

	if (timeout)
		c->outcome = DARAJA_OUTCOME_UNKNOWN;
	else if (c->result_code.numeric && c->result_code.value == 0)
		c->outcome = DARAJA_OUTCOME_SUCCESS;
	else
		c->outcome = DARAJA_OUTCOME_FAILED;
out:
	return st;
}

/* The Value of parameter `name` (or of its alias); refuses both at once. */
static enum pos_status param(const struct dj_list *params, const char *name,
                             const char *alias, const cJSON **value, bool *found,
                             char *path, struct pos_err *err)
{
	bool found2 = false;
	const cJSON *v2;
	char path2[DJ_PATH_MAX];
	dj_list_find(params, name, found, value, path);
	if (!alias)
		return POS_OK;
	dj_list_find(params, alias, &found2, &v2, path2);
	if (*found && found2)
		return pos_err_set(err, POS_E_DUPLICATE, params->path,
		                   "both \"%s\" and \"%s\" are present; a body that says two "
		                   "things at once is refused", name, alias);
	if (found2) {
		*found = true;
		*value = v2;
		memcpy(path, path2, DJ_PATH_MAX);
	}
	return POS_OK;
}

/* ---- B2C --------------------------------------------------------------------------- */

static enum pos_status b2c_from_doc(const struct dj_doc *doc, void *vout, bool timeout,
                                    struct pos_err *err)
{
	struct daraja_b2c_result *out = vout;
	struct dj_list ps;
	enum pos_status st;
	const cJSON *v;
	char path[DJ_PATH_MAX], flag[4];
	bool found;

	TRY(result_common(doc, RK_B2C, timeout, &out->common, &ps, err));
	TRY(param(&ps, "TransactionAmount", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, 0, &out->amount.minor, &out->amount.present, err));
	TRY(param(&ps, "TransactionReceipt", NULL, &v, &found, path, err));
	TRY(get_receipt(doc, v, path, 0, out->receipt, sizeof out->receipt, err));
	TRY(param(&ps, "B2CRecipientIsRegisteredCustomer", NULL, &v, &found, path, err));
	TRY(dj_text(doc, v, path, 0, flag, sizeof flag, &found, err));
	if (found) {
		if (strcmp(flag, "Y") != 0 && strcmp(flag, "N") != 0)
			return pos_err_set(err, POS_E_INVALID, path, "\"%s\" is not Y or N", flag);
		out->recipient_registered = flag[0];
	}
	TRY(param(&ps, "B2CChargesPaidAccountAvailableFunds", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, DJ_NEGATIVE_OK, &out->charges_paid_funds.minor,
	              &out->charges_paid_funds.present, err));
	TRY(param(&ps, "ReceiverPartyPublicName", NULL, &v, &found, path, err));
	TRY(dj_text(doc, v, path, DJ_NUMBER_OK, out->receiver_public_name,
	            sizeof out->receiver_public_name, NULL, err));
	TRY(param(&ps, "TransactionCompletedDateTime", NULL, &v, &found, path, err));
	TRY(get_time_dotted(doc, v, path, &out->completed, err));
	TRY(param(&ps, "B2CUtilityAccountAvailableFunds", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, DJ_NEGATIVE_OK, &out->utility_funds.minor,
	              &out->utility_funds.present, err));
	TRY(param(&ps, "B2CWorkingAccountAvailableFunds", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, DJ_NEGATIVE_OK, &out->working_funds.minor,
	              &out->working_funds.present, err));

	if (!out->receipt[0])
		(void)str_copy(out->receipt, sizeof out->receipt, out->common.transaction_id);
	if (out->common.outcome == DARAJA_OUTCOME_SUCCESS && !out->amount.present)
		return pos_err_set(err, POS_E_EMPTY, "Result.ResultParameters",
		                   "ResultCode is 0 (paid out) but TransactionAmount is missing");
out:
	return st;
}

enum pos_status daraja_b2c_result_parse(const char *body, size_t len,
                                        size_t max_body, bool timeout,
                                        struct daraja_b2c_result *out,
                                        struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return run(timeout ? kinds[RK_B2C].timeout_what : kinds[RK_B2C].what, body, len,
	           max_body, b2c_from_doc, out, timeout, err);
}

/* ---- Transaction Status ----------------------------------------------------------- */

static enum pos_status status_from_doc(const struct dj_doc *doc, void *vout,
                                       bool timeout, struct pos_err *err)
{
	struct daraja_status_result *out = vout;
	struct dj_list ps;
	enum pos_status st;
	const cJSON *v;
	char path[DJ_PATH_MAX];
	bool found;
	static const struct {
		const char *name, *alias;
		size_t off, cap;
	} texts[] = {
#define TXT(name, alias, field)                                                \
	{name, alias, offsetof(struct daraja_status_result, field),                \
	 sizeof(((struct daraja_status_result *)0)->field)}
		TXT("TransactionStatus", NULL, transaction_status),
		TXT("DebitPartyName", NULL, debit_party_name),
		TXT("CreditPartyName", NULL, credit_party_name),
		TXT("DebitAccountType", NULL, debit_account_type),
		TXT("DebitPartyCharges", NULL, debit_party_charges),
		TXT("ReasonType", NULL, reason_type),
		TXT("TransactionReason", NULL, transaction_reason),
		TXT("ConversationID", "Conversation ID", conversation_id),
		TXT("OriginatorConversationID", "Originator Conversation ID",
		    originator_conversation_id),
#undef TXT
	};

	TRY(result_common(doc, RK_STATUS, timeout, &out->common, &ps, err));
	TRY(param(&ps, "ReceiptNo", NULL, &v, &found, path, err));
	TRY(get_receipt(doc, v, path, 0, out->receipt_no, sizeof out->receipt_no, err));
	TRY(param(&ps, "Amount", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, 0, &out->amount.minor, &out->amount.present, err));
	for (size_t i = 0; i < N_ELEMS(texts); i++) {
		TRY(param(&ps, texts[i].name, texts[i].alias, &v, &found, path, err));
		TRY(dj_text(doc, v, path, DJ_NUMBER_OK, (char *)out + texts[i].off,
		            texts[i].cap, NULL, err));
	}
	TRY(param(&ps, "InitiatedTime", NULL, &v, &found, path, err));
	TRY(get_time14(doc, v, path, 0, 14, &out->initiated, err));
	TRY(param(&ps, "FinalisedTime", "FinalizedTime", &v, &found, path, err));
	TRY(get_time14(doc, v, path, 0, 14, &out->finalised, err));
out:
	return st;
}

enum pos_status daraja_status_result_parse(const char *body, size_t len,
                                           size_t max_body, bool timeout,
                                           struct daraja_status_result *out,
                                           struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return run(timeout ? kinds[RK_STATUS].timeout_what : kinds[RK_STATUS].what, body,
	           len, max_body, status_from_doc, out, timeout, err);
}

/* ---- Account Balance --------------------------------------------------------------- */

static enum pos_status account_fail(struct pos_err *err, const char *path, size_t k,
                                    const char *why)
{
	return pos_err_set(err, POS_E_INVALID, path, "account %zu: %s", k + 1, why);
}

enum pos_status daraja_account_balance_parse(const char *s, size_t n,
                                             const char *path,
                                             struct daraja_account *accounts,
                                             size_t max_accounts, size_t *count,
                                             struct pos_err *err)
{
	static const char *const amount_names[] = {"Current", "Available", "Reserved",
	                                           "Uncleared"};
	const char *p = s, *end = s + n;
	size_t k = 0;
	*count = 0;
	if (n == 0)
		return pos_err_set(err, POS_E_EMPTY, path, "is empty; at least one account "
		                                           "(Name|KES|0.00|0.00|0.00|0.00) expected");
	for (;;) {
		const char *acc_end = memchr(p, '&', (size_t)(end - p));
		const char *f[6], *fe[6];
		size_t nf = 0;
		if (!acc_end)
			acc_end = end;
		if (k == max_accounts)
			return pos_err_set(err, POS_E_RANGE, path,
			                   "holds more than %zu accounts; the body is refused",
			                   max_accounts);
		for (const char *q = p;;) {
			const char *bar = memchr(q, '|', (size_t)(acc_end - q));
			if (nf == 6)
				return account_fail(err, path, k, "has more than 6 '|'-separated fields "
				                                  "(Name|Currency|Current|Available|"
				                                  "Reserved|Uncleared)");
			f[nf] = q;
			fe[nf] = bar ? bar : acc_end;
			nf++;
			if (!bar)
				break;
			q = bar + 1;
		}
		if (nf != 6)
			return account_fail(err, path, k, "has fewer than 6 '|'-separated fields "
			                                  "(Name|Currency|Current|Available|"
			                                  "Reserved|Uncleared)");
		struct daraja_account *a = &accounts[k];
		memset(a, 0, sizeof *a);
		size_t nl = (size_t)(fe[0] - f[0]);
		if (nl == 0 || nl > DARAJA_ACCOUNT_NAME_LEN)
			return account_fail(err, path, k, "the account name must be 1 to 64 bytes");
		for (size_t i = 0; i < nl; i++)
			if ((unsigned char)f[0][i] < 0x20 || f[0][i] == 0x7f)
				return account_fail(err, path, k, "the account name holds a control "
				                                  "character");
		memcpy(a->name, f[0], nl);
		if (fe[1] - f[1] != 3 || f[1][0] < 'A' || f[1][0] > 'Z' || f[1][1] < 'A' ||
		    f[1][1] > 'Z' || f[1][2] < 'A' || f[1][2] > 'Z')
			return account_fail(err, path, k, "the currency must be three capital "
			                                  "letters, like KES");
		memcpy(a->currency, f[1], 3);
		int64_t *amounts[4] = {&a->current, &a->available, &a->reserved, &a->uncleared};
		for (size_t i = 0; i < 4; i++) {
			char apath[DJ_PATH_MAX];
			(void)str_fmt(apath, sizeof apath, "%s[%zu].%s", path, k + 1, amount_names[i]);
			if ((size_t)(fe[i + 2] - f[i + 2]) > DJ_NUMBER_TEXT_MAX)
				return pos_err_set(err, POS_E_RANGE, apath, "is too long for an amount");
			enum pos_status st = dj_decimal_minor(f[i + 2], (size_t)(fe[i + 2] - f[i + 2]),
			                                      true, apath, amounts[i], err);
			if (st != POS_OK)
				return st;
		}
		k++;
		if (acc_end == end)
			break;
		p = acc_end + 1;
		if (p == end)
			return account_fail(err, path, k, "the text ends with '&'");
	}
	*count = k;
	return POS_OK;
}

static enum pos_status balance_from_doc(const struct dj_doc *doc, void *vout,
                                        bool timeout, struct pos_err *err)
{
	enum { BALANCE_TEXT_MAX = 4096 };
	struct daraja_balance_result *out = vout;
	struct dj_list ps;
	enum pos_status st;
	const cJSON *v;
	char path[DJ_PATH_MAX], text[BALANCE_TEXT_MAX];
	bool found;

	TRY(result_common(doc, RK_BALANCE, timeout, &out->common, &ps, err));
	TRY(param(&ps, "AccountBalance", NULL, &v, &found, path, err));
	TRY(dj_text(doc, v, path, 0, text, sizeof text, &found, err));
	if (found)
		TRY(daraja_account_balance_parse(text, strlen(text), "AccountBalance",
		                                 out->accounts, DARAJA_ACCOUNTS_MAX,
		                                 &out->n_accounts, err));
	TRY(param(&ps, "BOCompletedTime", NULL, &v, &found, path, err));
	TRY(get_time14(doc, v, path, 0, 14, &out->completed, err));
	if (out->common.outcome == DARAJA_OUTCOME_SUCCESS && out->n_accounts == 0)
		return pos_err_set(err, POS_E_EMPTY, "Result.ResultParameters",
		                   "ResultCode is 0 but AccountBalance is missing");
out:
	return st;
}

enum pos_status daraja_balance_result_parse(const char *body, size_t len,
                                            size_t max_body, bool timeout,
                                            struct daraja_balance_result *out,
                                            struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return run(timeout ? kinds[RK_BALANCE].timeout_what : kinds[RK_BALANCE].what, body,
	           len, max_body, balance_from_doc, out, timeout, err);
}

/* ---- Reversal ------------------------------------------------------------------------ */

static enum pos_status reversal_from_doc(const struct dj_doc *doc, void *vout,
                                         bool timeout, struct pos_err *err)
{
	struct daraja_reversal_result *out = vout;
	struct dj_list ps;
	enum pos_status st;
	const cJSON *v;
	char path[DJ_PATH_MAX];
	bool found;
	size_t n;

	TRY(result_common(doc, RK_REVERSAL, timeout, &out->common, &ps, err));
	TRY(param(&ps, "DebitAccountBalance", NULL, &v, &found, path, err));
	TRY(dj_text(doc, v, path, 0, out->debit_account_balance,
	            sizeof out->debit_account_balance, &found, err));
	/* Pipe format when it parses; otherwise (brace text) kept raw only. */
	if (found && daraja_account_balance_parse(out->debit_account_balance,
	                                          strlen(out->debit_account_balance), path,
	                                          &out->debit_account, 1, &n,
	                                          NULL) == POS_OK)
		out->has_debit_account = true;
	TRY(param(&ps, "Amount", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, 0, &out->amount.minor, &out->amount.present, err));
	TRY(param(&ps, "TransCompletedTime", NULL, &v, &found, path, err));
	TRY(get_time14(doc, v, path, 0, 14, &out->completed, err));
	TRY(param(&ps, "OriginalTransactionID", NULL, &v, &found, path, err));
	TRY(get_receipt(doc, v, path, 0, out->original_transaction_id,
	                sizeof out->original_transaction_id, err));
	TRY(param(&ps, "Charge", NULL, &v, &found, path, err));
	TRY(dj_amount(doc, v, path, 0, &out->charge.minor, &out->charge.present, err));
	TRY(param(&ps, "CreditPartyPublicName", NULL, &v, &found, path, err));
	TRY(dj_text(doc, v, path, DJ_NUMBER_OK, out->credit_party_public_name,
	            sizeof out->credit_party_public_name, NULL, err));
	TRY(param(&ps, "DebitPartyPublicName", NULL, &v, &found, path, err));
	TRY(dj_text(doc, v, path, DJ_NUMBER_OK, out->debit_party_public_name,
	            sizeof out->debit_party_public_name, NULL, err));
out:
	return st;
}

enum pos_status daraja_reversal_result_parse(const char *body, size_t len,
                                             size_t max_body, bool timeout,
                                             struct daraja_reversal_result *out,
                                             struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return run(timeout ? kinds[RK_REVERSAL].timeout_what : kinds[RK_REVERSAL].what,
	           body, len, max_body, reversal_from_doc, out, timeout, err);
}

/* ---- C2B ------------------------------------------------------------------------------ */

static enum pos_status c2b_from_doc(const struct dj_doc *doc, void *vout,
                                    bool confirmation, struct pos_err *err)
{
	struct daraja_c2b *out = vout;
	const cJSON *root = doc->root, *v;
	enum pos_status st;
	static const struct {
		const char *name;
		size_t off, cap;
	} texts[] = {
#define TXT(name, field)                                                       \
	{name, offsetof(struct daraja_c2b, field), sizeof(((struct daraja_c2b *)0)->field)}
		TXT("TransactionType", transaction_type),
		TXT("BillRefNumber", bill_ref_number),
		TXT("InvoiceNumber", invoice_number),
		TXT("ThirdPartyTransID", third_party_trans_id),
		TXT("FirstName", first_name),
		TXT("MiddleName", middle_name),
		TXT("LastName", last_name),
#undef TXT
	};

	out->confirmation = confirmation;
	if (cJSON_GetObjectItemCaseSensitive(root, "Body") ||
	    cJSON_GetObjectItemCaseSensitive(root, "Result"))
		return wrong_kind(root, doc->what, "TransID", err);
	TRY(dj_member(root, "TransID", false, "", &v, err));
	TRY(get_receipt(doc, v, "TransID", DJ_REQUIRED, out->trans_id, sizeof out->trans_id,
	                err));
	TRY(dj_member(root, "TransTime", false, "", &v, err));
	TRY(get_time14(doc, v, "TransTime", DJ_REQUIRED, 14, &out->trans_time, err));
	TRY(dj_member(root, "TransAmount", false, "", &v, err));
	TRY(dj_amount(doc, v, "TransAmount", DJ_REQUIRED, &out->amount.minor,
	              &out->amount.present, err));
	TRY(dj_member(root, "BusinessShortCode", false, "", &v, err));
	TRY(dj_digits(doc, v, "BusinessShortCode", DJ_REQUIRED, 4, DARAJA_SHORTCODE_LEN,
	              out->business_short_code, sizeof out->business_short_code, NULL, err));
	TRY(dj_member(root, "OrgAccountBalance", false, "", &v, err));
	TRY(dj_amount(doc, v, "OrgAccountBalance", DJ_NEGATIVE_OK,
	              &out->org_account_balance.minor, &out->org_account_balance.present,
	              err));
	TRY(dj_member(root, "MSISDN", false, "", &v, err));
	TRY(dj_msisdn(doc, v, "MSISDN", &out->msisdn, err));
	for (size_t i = 0; i < N_ELEMS(texts); i++) {
		TRY(dj_member(root, texts[i].name, false, "", &v, err));
		TRY(dj_text(doc, v, texts[i].name, DJ_NUMBER_OK, (char *)out + texts[i].off,
		            texts[i].cap, NULL, err));
	}
out:
	return st;
}

enum pos_status daraja_c2b_parse(const char *body, size_t len, size_t max_body,
                                 bool confirmation, struct daraja_c2b *out,
                                 struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return run(confirmation ? "C2B confirmation" : "C2B validation request", body, len,
	           max_body, c2b_from_doc, out, confirmation, err);
}

/* ---- by route ---------------------------------------------------------------------------- */

enum pos_status daraja_callback_parse(enum daraja_cb_route route,
                                      const char *body, size_t len,
                                      size_t max_body,
                                      struct daraja_callback *out,
                                      struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	out->route = route;
	switch (route) {
	case DARAJA_CB_STK:
		return daraja_stk_callback_parse(body, len, max_body, &out->u.stk, err);
	case DARAJA_CB_B2C_RESULT:
	case DARAJA_CB_B2C_TIMEOUT:
		return daraja_b2c_result_parse(body, len, max_body,
		                               route == DARAJA_CB_B2C_TIMEOUT, &out->u.b2c, err);
	case DARAJA_CB_STATUS_RESULT:
	case DARAJA_CB_STATUS_TIMEOUT:
		return daraja_status_result_parse(body, len, max_body,
		                                  route == DARAJA_CB_STATUS_TIMEOUT,
		                                  &out->u.status, err);
	case DARAJA_CB_BALANCE_RESULT:
	case DARAJA_CB_BALANCE_TIMEOUT:
		return daraja_balance_result_parse(body, len, max_body,
		                                   route == DARAJA_CB_BALANCE_TIMEOUT,
		                                   &out->u.balance, err);
	case DARAJA_CB_REVERSAL_RESULT:
	case DARAJA_CB_REVERSAL_TIMEOUT:
		return daraja_reversal_result_parse(body, len, max_body,
		                                    route == DARAJA_CB_REVERSAL_TIMEOUT,
		                                    &out->u.reversal, err);
	case DARAJA_CB_C2B_VALIDATION:
	case DARAJA_CB_C2B_CONFIRMATION:
		return daraja_c2b_parse(body, len, max_body,
		                        route == DARAJA_CB_C2B_CONFIRMATION, &out->u.c2b, err);
	case DARAJA_CB_ROUTE_COUNT:
		break;
	}
	pos_err_clear(err);
	return pos_err_set(err, POS_E_INVALID, "route", "unknown callback route %d",
	                   (int)route);
}
