/* app/outcome.c: what a transaction's state means to a person and to a
 * script (the command line's exit codes, docs/cli.md). */
#include "app/app_int.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/money.h"
#include "core/phone.h"
#include "core/result.h"

enum {
	EXIT_COMPLETED = 0,
	EXIT_DECLINED = 14,
	EXIT_PENDING = 20,
	EXIT_UNRESOLVED = 21,
	EXIT_REFUSED = 30,
	EXIT_UNREACHABLE = 31,
	EXIT_USAGE = 64,
	EXIT_INTERNAL = 70,
	EXIT_DENIED = 77,
	EXIT_CONFIG = 78,
};

int app_err_exit(const struct pos_err *err)
{
	switch (err->code) {
	case POS_OK:
		return EXIT_COMPLETED;
	case POS_E_DENIED:
	case POS_E_AUTH:
	case POS_E_LOCKED:
		return EXIT_DENIED;
	case POS_E_CONFIG:
		return EXIT_CONFIG;
	case POS_E_THROTTLED:
	case POS_E_CONFLICT:
	case POS_E_DARAJA:
		return EXIT_REFUSED;
	case POS_E_NET:
	case POS_E_BREAKER:
		return EXIT_UNREACHABLE;
	case POS_E_TIMEOUT:
	case POS_E_UNKNOWN:
		return EXIT_PENDING;
	case POS_E_STORE:
	case POS_E_BUSY:
	case POS_E_NOMEM:
	case POS_E_IO:
	case POS_E_CRYPTO:
	case POS_E_INTERNAL:
		return EXIT_INTERNAL;
	default:
		return EXIT_USAGE; /* the value given is wrong: the field is named */
	}
}

cJSON *app_err_json(const struct pos_err *err, int exit_code)
{
	cJSON *o = cJSON_CreateObject(), *e = cJSON_CreateObject();
	if (!o || !e) {
		cJSON_Delete(o);
		cJSON_Delete(e);
		return NULL;
	}
	cJSON_AddBoolToObject(o, "ok", false);
	cJSON_AddNumberToObject(o, "exit", exit_code);
	cJSON_AddStringToObject(e, "code", pos_status_name(err->code));
	cJSON_AddStringToObject(e, "field", err->field);
	cJSON_AddStringToObject(e, "message", err->msg[0] ? err->msg : pos_status_sentence(err->code));
	cJSON_AddStringToObject(e, "hint", err->hint);
	cJSON_AddItemToObject(o, "error", e);
	return o;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v && v[0])
		cJSON_AddStringToObject(o, k, v);
}

static void add_time(cJSON *o, const char *k, int64_t ms)
{
	char t[26];
	if (!ms)
		return;
	clock_iso8601_eat((time_t)(ms / 1000), t);
	cJSON_AddStringToObject(o, k, t);
}

cJSON *app_txn_json(const struct store_txn *t, bool every_id)
{
	char amt[MONEY_FMT_MAX], sentence[640];
	int code = app_txn_exit(t);
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "ok", code == EXIT_COMPLETED);
	cJSON_AddNumberToObject(o, "exit", code);
	add_str(o, "txn", t->public_id);
	add_str(o, "kind", txn_kind_name(t->kind));
	add_str(o, "state", txn_state_name(t->state));
	add_str(o, "label", txn_state_label(t->state));
	if (t->amount_minor || t->kind == TXN_KIND_STK || t->kind == TXN_KIND_B2C) {
		money_format_plain(t->amount_minor, amt, sizeof amt);
		add_str(o, "amount", amt);
		add_str(o, "currency", t->currency);
	}
	add_str(o, "phone", t->msisdn);
	add_str(o, "account_reference", t->account_reference);
	add_str(o, "description", t->description);
	add_str(o, "command_id", t->command_id);
	add_str(o, "receipt", t->receipt);
	add_str(o, "result_code", t->result_code);
	add_str(o, "result_desc", t->result_desc);
	if (every_id)
		add_str(o, "merchant_request_id", t->merchant_request_id);
	add_str(o, "checkout_request_id", t->checkout_request_id);
	if (every_id)
		add_str(o, "conversation_id", t->conversation_id);
	add_str(o, "originator_conversation_id", t->originator_conversation_id);
	add_str(o, "payer_name", t->payer_name);
	if (t->operator_id)
		cJSON_AddNumberToObject(o, "operator", (double)t->operator_id);
	if (every_id && t->approver_id)
		cJSON_AddNumberToObject(o, "approver", (double)t->approver_id);
	add_time(o, "created_at", t->created_at);
	add_time(o, "updated_at", t->updated_at);
	cJSON_AddStringToObject(o, "message", app_txn_sentence(t, sentence, sizeof sentence));
	return o;
}

/* Our markers for requests that never reached Daraja (flow.c). */
static int local_exit(const char *code)
{
	if (str_eq(code, "local:unreachable") || str_eq(code, "local:breaker"))
		return EXIT_UNREACHABLE;
	if (str_eq(code, "local:config"))
		return EXIT_CONFIG;
	if (str_eq(code, "local:invalid"))
		return EXIT_USAGE;
	return EXIT_REFUSED;
}

int app_txn_exit(const struct store_txn *t)
{
	switch (t->state) {
	case TXN_COMPLETED:
		return EXIT_COMPLETED;
	case TXN_CANCELLED:
	case TXN_TIMED_OUT:
		return result_exit_code(t->result_code[0] ? t->result_code
		                        : t->state == TXN_CANCELLED ? "1032" : "1037", t->kind);
	case TXN_FAILED: {
		if (str_starts_with(t->result_code, "local:"))
			return local_exit(t->result_code);
		if (!t->result_code[0])
			return EXIT_DECLINED;
		struct result_info ri;
		result_lookup(t->result_code, t->kind, &ri);
		if (ri.known)
			return (int)ri.exit_code;
		/* An errorCode Daraja answered with: refused before processing. */
		if (strchr(t->result_code, '.') || str_starts_with(t->result_code, "http:") ||
		    str_starts_with(t->result_code, "curl:"))
			return EXIT_REFUSED;
		return EXIT_DECLINED;
	}
	case TXN_UNRESOLVED:
	case TXN_REVIEW:
		return EXIT_UNRESOLVED;
	default:
		return EXIT_PENDING;
	}
}

static const char *verb(enum txn_kind k)
{
	switch (k) {
	case TXN_KIND_B2C: return "PAID OUT";
	case TXN_KIND_REVERSAL: return "REVERSED";
	case TXN_KIND_STATUS:
	case TXN_KIND_BALANCE: return "ANSWERED";
	default: return "PAID";
	}
}

const char *app_txn_sentence(const struct store_txn *t, char *out, size_t outsz)
{
	char amt[MONEY_FMT_MAX] = "", ph[PHONE_PRETTY_MAX] = "";
	struct result_info ri;
	if (t->amount_minor)
		money_format(t->amount_minor, CURRENCY_KES, amt, sizeof amt);
	if (t->msisdn[0])
		phone_pretty(t->msisdn, ph, sizeof ph);
	const char *dir = t->kind == TXN_KIND_B2C ? " to " : " from ";

	switch (t->state) {
	case TXN_COMPLETED:
		if (t->kind == TXN_KIND_STATUS || t->kind == TXN_KIND_BALANCE)
			str_fmt(out, outsz, "%s: M-Pesa answered the %s.", t->public_id,
			        txn_kind_label(t->kind));
		else if (t->receipt[0])
			str_fmt(out, outsz, "%s: %s%s%s, M-Pesa receipt %s (%s).", verb(t->kind), amt,
			        ph[0] ? dir : "", ph, t->receipt, t->public_id);
		else
			str_fmt(out, outsz, "%s: %s%s%s (%s); M-Pesa's receipt number was not "
			        "received (it comes only with the callback).", verb(t->kind), amt,
			        ph[0] ? dir : "", ph, t->public_id);
		break;
	case TXN_FAILED:
		if (str_starts_with(t->result_code, "local:") || !t->result_code[0] ||
		    strchr(t->result_code, '.')) {
			str_fmt(out, outsz, "%s FAILED: %s", t->public_id,
			        t->result_desc[0] ? t->result_desc : "no reason was recorded.");
			break;
		}
		/* fall through */
	case TXN_CANCELLED:
	case TXN_TIMED_OUT:
		result_lookup(t->result_code, t->kind, &ri);
		str_fmt(out, outsz, "%s %s (result %s): %s", t->public_id,
		        txn_state_label(t->state), t->result_code[0] ? t->result_code : "-",
		        ri.known ? ri.sentence : t->result_desc);
		break;
	case TXN_CREATED:
		str_fmt(out, outsz, "%s has not been sent.", t->public_id);
		break;
	case TXN_SENT:
		str_fmt(out, outsz, "%s is being sent to M-Pesa.", t->public_id);
		break;
	case TXN_AWAITING:
		str_fmt(out, outsz, "%s is still waiting for %s; check again with "
		        "mpesa-pos status %s.", t->public_id,
		        t->kind == TXN_KIND_STK ? "the customer" : "M-Pesa's result", t->public_id);
		break;
	case TXN_UNKNOWN:
		str_fmt(out, outsz, "The outcome of %s is not known yet: it is being checked "
		        "with M-Pesa (never sent again); see mpesa-pos status %s.", t->public_id,
		        t->public_id);
		break;
	case TXN_UNRESOLVED:
		str_fmt(out, outsz, "%s is UNRESOLVED: %s A supervisor must close it as paid or "
		        "not paid (mpesa-pos resolve %s).", t->public_id,
		        t->result_desc[0] ? t->result_desc : "its outcome could not be established.",
		        t->public_id);
		break;
	case TXN_REVIEW:
		str_fmt(out, outsz, "%s is HELD FOR REVIEW: %s A supervisor must close it.",
		        t->public_id, t->result_desc[0] ? t->result_desc : "");
		break;
	default:
		str_fmt(out, outsz, "%s is %s.", t->public_id, txn_state_name(t->state));
		break;
	}
	return out;
}
