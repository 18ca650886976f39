/* app/outcome.c: what a transaction's state means to a person and to a
 * script (the command line's exit codes, docs/cli.md). */
#include "app/app_int.h"

#include <string.h>

#include "base/str.h"
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
	EXIT_CONFIG = 78,
};

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
