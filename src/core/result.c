/* core/result.c: the Daraja outcome-code catalogue. */
#include "core/result.h"

#include <string.h>

#include "base/str.h"
#include "core/digits.h"
#include "core/text_int.h"

#define S_ RESULT_SUCCESS
#define DECL RESULT_CUSTOMER_DECLINED
#define UNRE RESULT_CUSTOMER_UNREACHABLE
#define FUND RESULT_INSUFFICIENT_FUNDS
#define PIN RESULT_WRONG_PIN
#define RETRY RESULT_RETRY_LATER
#define REFU RESULT_REFUSED
#define PERM RESULT_PERMANENT_FAILURE

#define E_OK RESULT_EXIT_COMPLETED
#define E_CANC RESULT_EXIT_CANCELLED
#define E_FUND RESULT_EXIT_INSUFFICIENT
#define E_NOANS RESULT_EXIT_NO_ANSWER
#define E_PIN RESULT_EXIT_WRONG_PIN
#define E_DECL RESULT_EXIT_DECLINED
#define E_REFU RESULT_EXIT_REFUSED
#define E_UNRE RESULT_EXIT_UNREACHABLE

#define ASYNC false
#define SYNC true

/* X(code, kinds, category, exit, sync?, meaning, cashier sentence)
 * A kind-specific row must come before the general row of the same code. */
#define RESULT_CODES(X)                                                        \
	/* ---- asynchronous ResultCodes: core M-Pesa codes ---- */                \
	X("0", RESULT_STK | RESULT_C2B, S_, E_OK, ASYNC,                           \
	  "The service request is processed successfully.", "The customer paid.")  \
	X("0", RESULT_B2C, S_, E_OK, ASYNC,                                        \
	  "The service request is processed successfully.",                        \
	  "The payout was sent to the customer.")                                  \
	X("0", RESULT_REV, S_, E_OK, ASYNC,                                        \
	  "The service request is processed successfully.",                        \
	  "The payment was reversed.")                                             \
	X("0", RESULT_ANY, S_, E_OK, ASYNC,                                        \
	  "The service request is processed successfully.",                        \
	  "M-Pesa completed the request.")                                         \
	X("1", RESULT_B2C | RESULT_REV | RESULT_QRY, FUND, E_FUND, ASYNC,          \
	  "The balance is insufficient for the transaction (business account).",   \
	  "The business account does not have enough money for this: top up the " \
	  "B2C utility account from the working account.")                         \
	X("1", RESULT_ANY, FUND, E_FUND, ASYNC,                                    \
	  "The balance is insufficient for the transaction.",                      \
	  "The customer does not have enough money in M-Pesa.")                    \
	X("2", RESULT_ANY, PERM, E_DECL, ASYNC,                                    \
	  "Less than the minimum transaction value.",                              \
	  "The amount is below the M-Pesa minimum for this transaction.")          \
	X("3", RESULT_ANY, PERM, E_DECL, ASYNC,                                    \
	  "More than the maximum transaction value.",                              \
	  "The amount is above the M-Pesa maximum for one transaction.")           \
	X("4", RESULT_ANY, PERM, E_DECL, ASYNC,                                    \
	  "Would exceed the daily transfer limit.",                                \
	  "This would take the account over its daily M-Pesa limit: try a "        \
	  "smaller amount, or tomorrow.")                                          \
	X("5", RESULT_ANY, FUND, E_FUND, ASYNC,                                    \
	  "Would exceed the minimum balance.",                                     \
	  "The payment would take the account below its minimum M-Pesa balance.") \
	X("6", RESULT_ANY, PERM, E_DECL, ASYNC, "Unresolved primary party.",       \
	  "M-Pesa could not find the paying account.")                             \
	X("7", RESULT_ANY, PERM, E_DECL, ASYNC, "Unresolved receiver party.",      \
	  "M-Pesa could not find the receiving account: check that the number is " \
	  "registered for M-Pesa.")                                                \
	X("8", RESULT_ANY, PERM, E_DECL, ASYNC,                                    \
	  "Would exceed the maximum balance.",                                     \
	  "The receiving M-Pesa account would go over its maximum balance.")       \
	X("9", RESULT_ANY, PERM, E_DECL, ASYNC,                                    \
	  "Core M-Pesa failure code 9 (meaning not published).",                   \
	  "M-Pesa declined the transaction (code 9).")                             \
	X("10", RESULT_ANY, PERM, E_DECL, ASYNC,                                   \
	  "Core M-Pesa failure code 10 (meaning not published).",                  \
	  "M-Pesa declined the transaction (code 10).")                            \
	X("11", RESULT_ANY, PERM, E_DECL, ASYNC, "Debit account invalid.",         \
	  "The account to be charged cannot be used for this transaction.")        \
	X("12", RESULT_ANY, PERM, E_DECL, ASYNC, "Credit account invalid.",        \
	  "The account to be paid cannot be used for this transaction.")           \
	X("13", RESULT_ANY, PERM, E_DECL, ASYNC, "Unresolved debit account.",      \
	  "M-Pesa could not find the account to be charged.")                      \
	X("14", RESULT_ANY, PERM, E_DECL, ASYNC, "Unresolved credit account.",     \
	  "M-Pesa could not find the account to be paid.")                         \
	X("15", RESULT_ANY, PERM, E_DECL, ASYNC, "Duplicate detected.",            \
	  "M-Pesa refused this as a duplicate of a recent transaction: check "     \
	  "whether the earlier one went through before trying again.")            \
	X("17", RESULT_ANY, RETRY, E_DECL, ASYNC,                                  \
	  "Internal failure (also reported for rapid repeats).",                   \
	  "M-Pesa had an internal failure: wait a minute and try again.")          \
	X("18", RESULT_ANY, PERM, E_DECL, ASYNC,                                   \
	  "Initiator credential check failure.",                                   \
	  "M-Pesa refused the initiator credentials: an admin must check the "     \
	  "initiator name and password.")                                          \
	X("20", RESULT_ANY, PERM, E_DECL, ASYNC, "Unresolved initiator.",          \
	  "M-Pesa does not know the initiator name: an admin must check it in "    \
	  "the settings.")                                                         \
	X("21", RESULT_ANY, PERM, E_DECL, ASYNC,                                   \
	  "Initiator to primary party permission failure.",                        \
	  "The initiator may not do this for our shortcode: ask Safaricom to add " \
	  "the API role.")                                                         \
	X("22", RESULT_ANY, PERM, E_DECL, ASYNC,                                   \
	  "Initiator to receiver party permission failure.",                       \
	  "The initiator may not pay this receiver: ask Safaricom to check the "   \
	  "roles.")                                                                \
	X("24", RESULT_ANY, PERM, E_DECL, ASYNC, "Missing mandatory fields.",      \
	  "M-Pesa said the request was missing a field: report this to support.")  \
	X("25", RESULT_ANY, PERM, E_DECL, ASYNC, "Invalid parameters.",            \
	  "M-Pesa said a value in the request was not valid: report this to "      \
	  "support.")                                                              \
	X("26", RESULT_ANY, RETRY, E_DECL, ASYNC,                                  \
	  "Traffic blocking condition in place (system busy).",                    \
	  "M-Pesa is too busy right now: try again in a few minutes.")             \
	X("29", RESULT_ANY, PERM, E_DECL, ASYNC, "Invalid command.",               \
	  "M-Pesa did not accept the kind of request: report this to support.")    \
	/* ---- asynchronous ResultCodes: M-Pesa Express (STK) and others ---- */  \
	X("1001", RESULT_ANY, RETRY, E_DECL, ASYNC,                                \
	  "Unable to lock subscriber: another session is in progress.",            \
	  "The customer already has another M-Pesa request open on their phone: "  \
	  "wait a minute and try again.")                                          \
	X("1019", RESULT_ANY, UNRE, E_NOANS, ASYNC, "Transaction has expired.",    \
	  "The M-Pesa prompt expired before the customer answered it.")            \
	X("1025", RESULT_ANY, UNRE, E_UNRE, ASYNC,                                 \
	  "Error sending the push request (also when the prompt text is too "      \
	  "long).",                                                                \
	  "M-Pesa could not send the prompt to the customer's phone: check that "  \
	  "the phone is on, then try again.")                                      \
	X("1032", RESULT_ANY, DECL, E_CANC, ASYNC, "Request cancelled by user.",   \
	  "The customer cancelled the payment on their phone.")                    \
	X("1037", RESULT_ANY, UNRE, E_NOANS, ASYNC,                                \
	  "DS timeout: the user cannot be reached or did not respond.",            \
	  "The customer's phone could not be reached or they did not answer in "   \
	  "time.")                                                                 \
	X("2001", RESULT_STK, PIN, E_PIN, ASYNC,                                   \
	  "The initiator information is invalid (the customer's PIN, on STK).",    \
	  "The customer entered the wrong M-Pesa PIN.")                            \
	X("2001", RESULT_ANY, PERM, E_DECL, ASYNC,                                 \
	  "The initiator information is invalid.",                                 \
	  "M-Pesa refused the initiator name or security credential: an admin "    \
	  "must check the initiator settings.")                                    \
	X("2028", RESULT_ANY, PERM, E_DECL, ASYNC,                                 \
	  "The request is not permitted according to product assignment.",         \
	  "This shortcode may not use this M-Pesa service: ask Safaricom to "      \
	  "enable it.")                                                            \
	X("8006", RESULT_ANY, PERM, E_DECL, ASYNC,                                 \
	  "The security credential is locked.",                                    \
	  "The initiator's security credential is locked: an admin must reset "    \
	  "the password on the M-Pesa portal.")                                    \
	X("9999", RESULT_ANY, UNRE, E_UNRE, ASYNC, "Error sending the push request.", \
	  "M-Pesa could not send the prompt to the customer's phone: check that "  \
	  "the phone is on, then try again.")                                      \
	X("SFC_IC0003", RESULT_ANY, PERM, E_DECL, ASYNC,                           \
	  "The operator does not exist (till and store numbers do not match).",    \
	  "M-Pesa does not recognise this till or paybill: an admin must check "   \
	  "the shortcode and till number.")                                        \
	X("R000001", RESULT_ANY, PERM, E_DECL, ASYNC,                              \
	  "The transaction has already been reversed.",                            \
	  "This payment was already reversed.")                                    \
	X("R000002", RESULT_ANY, PERM, E_DECL, ASYNC,                              \
	  "Invalid receipt number for a reversal.",                                \
	  "M-Pesa does not know this receipt number: check it against the "        \
	  "customer's message.")                                                   \
	/* ---- C2B validation rejections (we send these) ---- */                  \
	X("C2B00011", RESULT_ANY, REFU, E_REFU, ASYNC, "Invalid MSISDN.",          \
	  "The payment was refused: the phone number was not accepted.")           \
	X("C2B00012", RESULT_ANY, REFU, E_REFU, ASYNC, "Invalid account number.",  \
	  "The payment was refused: the account number was not recognised.")      \
	X("C2B00013", RESULT_ANY, REFU, E_REFU, ASYNC, "Invalid amount.",          \
	  "The payment was refused: the amount was not accepted.")                 \
	X("C2B00014", RESULT_ANY, REFU, E_REFU, ASYNC, "Invalid KYC details.",     \
	  "The payment was refused: the customer's details did not check out.")   \
	X("C2B00015", RESULT_ANY, REFU, E_REFU, ASYNC, "Invalid shortcode.",       \
	  "The payment was refused: it was sent to the wrong shortcode.")          \
	X("C2B00016", RESULT_ANY, REFU, E_REFU, ASYNC, "Other error.",             \
	  "The payment was refused.")                                              \
	/* ---- synchronous errorCodes (HTTP error envelope) ---- */               \
	X("400.002.02", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Bad Request - Invalid <field> (field validation).",                     \
	  "Daraja refused a value in the request; nothing was charged.")           \
	X("400.002.05", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Invalid request payload (malformed JSON or wrong types).",              \
	  "Daraja could not read the request; nothing was charged. Report this "   \
	  "to support.")                                                           \
	X("400.003.01", RESULT_ANY, RETRY, E_REFU, SYNC, "Invalid access token.",  \
	  "Daraja refused the access token; nothing was charged. Try again.")      \
	X("400.003.02", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Bad Request (also forbidden words in C2B URLs).",                       \
	  "Daraja refused the request; nothing was charged.")                      \
	X("401.002.01", RESULT_ANY, RETRY, E_REFU, SYNC,                           \
	  "Invalid access token (initiator APIs).",                                \
	  "Daraja refused the access token; nothing was charged. Try again.")      \
	X("401.003.01", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Invalid API call: no API product match (app not subscribed).",          \
	  "The Daraja app is not subscribed to this service: an admin must add "   \
	  "the product on the Daraja portal.")                                     \
	X("404.001.01", RESULT_ANY, REFU, E_REFU, SYNC, "Resource not found.",     \
	  "Daraja does not know the address that was called: an admin must check " \
	  "the Daraja address in the settings.")                                   \
	X("404.001.03", RESULT_ANY, RETRY, E_REFU, SYNC,                           \
	  "Invalid access token (STK push and query, reversal).",                  \
	  "Daraja refused the access token; nothing was charged. Try again.")      \
	X("404.001.04", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Invalid authentication header.",                                        \
	  "Daraja refused how the request was signed; nothing was charged. "       \
	  "Report this to support.")                                               \
	X("405.001", RESULT_ANY, REFU, E_REFU, SYNC, "Method not allowed.",        \
	  "Daraja refused the request; nothing was charged. Report this to "       \
	  "support.")                                                              \
	X("500.001.1001", RESULT_ANY, RETRY, E_REFU, SYNC,                         \
	  "Being processed / merchant does not exist / wrong credentials / "       \
	  "unable to lock subscriber (read the errorMessage).",                    \
	  "M-Pesa could not start this now (the customer may have another "        \
	  "request open): wait a minute and try again.")                           \
	X("500.002.1001", RESULT_ANY, REFU, E_REFU, SYNC,                          \
	  "Duplicate OriginatorConversationID.",                                   \
	  "Daraja already has a request with this reference: the earlier request " \
	  "is being checked.")                                                     \
	X("500.003.02", RESULT_ANY, RETRY, E_REFU, SYNC,                           \
	  "Spike arrest violation (too many requests per second).",                \
	  "Daraja is receiving too many requests: wait a few seconds and try "     \
	  "again.")                                                                \
	X("500.003.03", RESULT_ANY, RETRY, E_REFU, SYNC, "Quota violation.",       \
	  "The Daraja request quota is used up: try again later.")                 \
	X("500.003.1001", RESULT_ANY, RETRY, E_REFU, SYNC,                         \
	  "Internal server error (also: URLs are already registered).",            \
	  "Daraja had an internal error: the request is checked before anything "  \
	  "is tried again.")                                                       \
	X("400.008.01", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Invalid authentication passed (OAuth).",                                \
	  "Daraja refused the app's keys: an admin must check the consumer key "   \
	  "and secret.")                                                           \
	X("400.008.02", RESULT_ANY, REFU, E_REFU, SYNC,                            \
	  "Invalid grant type passed (OAuth).",                                    \
	  "Daraja refused the sign-in request of the app: report this to "         \
	  "support.")

static const struct result_entry catalogue[] = {
#define RESULT_ROW(code, kinds, cat, exit, sync, meaning, sentence)            \
	{code, kinds, cat, exit, sync, meaning, sentence},
	RESULT_CODES(RESULT_ROW)
#undef RESULT_ROW
};

enum { CATALOGUE_SIZE = sizeof catalogue / sizeof catalogue[0] };

static const char *const category_names[] = {
#define RESULT_CATEGORY_NAME(e, name, label) name,
	RESULT_CATEGORIES(RESULT_CATEGORY_NAME)
#undef RESULT_CATEGORY_NAME
};

static const char *const category_labels[] = {
#define RESULT_CATEGORY_LABEL(e, name, label) label,
	RESULT_CATEGORIES(RESULT_CATEGORY_LABEL)
#undef RESULT_CATEGORY_LABEL
};

const struct result_entry *result_catalogue(size_t *count)
{
	if (count)
		*count = CATALOGUE_SIZE;
	return catalogue;
}

const char *result_category_name(enum result_category c)
{
	return (unsigned)c < RESULT_CATEGORY_COUNT ? category_names[c] : "unknown";
}

const char *result_category_label(enum result_category c)
{
	return (unsigned)c < RESULT_CATEGORY_COUNT ? category_labels[c] : "Unknown code";
}

bool result_category_parse(const char *name, enum result_category *out)
{
	for (int i = 0; i < RESULT_CATEGORY_COUNT; i++) {
		if (str_eq_nocase(name, category_names[i])) {
			*out = (enum result_category)i;
			return true;
		}
	}
	return false;
}

/* A number: [-]digits[.zeros]. Writes its canonical form. */
static bool normalize_number(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i = 0;
	bool neg = n > 0 && s[0] == '-';
	if (neg)
		i++;
	size_t start = i;
	while (i < n && digits_is(s[i]))
		i++;
	size_t end = i;
	if (end == start)
		return false;
	if (i < n && s[i] == '.') {
		size_t f = ++i;
		while (i < n && s[i] == '0')
			i++;
		if (i == f)
			return false;
	}
	if (i != n)
		return false;
	while (start + 1 < end && s[start] == '0')
		start++;
	bool zero = end - start == 1 && s[start] == '0';
	return str_fmt(out, outsz, "%s%.*s", neg && !zero ? "-" : "", (int)(end - start),
	               s + start);
}

bool result_normalize(const char *code, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return false;
	out[0] = '\0';
	if (!code)
		return false;
	const char *s = code;
	size_t n = strlen(code);
	core_trim(&s, &n);
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		s++;
		n -= 2;
		core_trim(&s, &n);
	}
	if (n == 0)
		return false;
	if (normalize_number(s, n, out, outsz))
		return true;
	if (n >= outsz)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (unsigned char)(ch - 'a' + 'A');
		else if (ch < 0x20 || ch >= 0x7f)
			ch = '?';
		out[i] = (char)ch;
	}
	out[n] = '\0';
	return true;
}

static const struct result_entry *find(const char *norm, enum txn_kind k)
{
	unsigned bit = (unsigned)k < TXN_KIND_COUNT ? RESULT_FOR(k) : 0;
	for (size_t i = 0; i < CATALOGUE_SIZE; i++) {
		const struct result_entry *e = &catalogue[i];
		if ((e->kinds == RESULT_ANY || (e->kinds & bit)) && strcmp(e->code, norm) == 0)
			return e;
	}
	return NULL;
}

void result_lookup(const char *code, enum txn_kind k, struct result_info *out)
{
	char q[64];
	if (!out)
		return;
	memset(out, 0, sizeof *out);
	bool ok = result_normalize(code, out->code, sizeof out->code);
	const struct result_entry *e = ok ? find(out->code, k) : NULL;
	if (e) {
		out->known = true;
		out->category = e->category;
		out->exit_code = e->exit_code;
		out->meaning = e->meaning;
		str_copy(out->sentence, sizeof out->sentence, e->sentence);
		return;
	}
	out->known = false;
	out->category = RESULT_UNKNOWN;
	out->exit_code = RESULT_EXIT_DECLINED;
	out->meaning = "A code that is not in the catalogue.";
	if (!ok) {
		core_quote(code ? code : "", code ? strlen(code) : 0, q, sizeof q);
		str_copy(out->code, sizeof out->code, "");
	} else {
		core_quote(out->code, strlen(out->code), q, sizeof q);
	}
	if (q[0])
		str_fmt(out->sentence, sizeof out->sentence,
		        "M-Pesa answered with code %s, which this till does not know: check "
		        "the transaction on the M-Pesa portal.",
		        q);
	else
		str_copy(out->sentence, sizeof out->sentence,
		         "M-Pesa answered without a result code: check the transaction on "
		         "the M-Pesa portal.");
}

int result_exit_code(const char *code, enum txn_kind k)
{
	struct result_info info;
	result_lookup(code, k, &info);
	return (int)info.exit_code;
}

enum txn_state result_final_state(const char *code, enum txn_kind k)
{
	struct result_info info;
	result_lookup(code, k, &info);
	if (info.known && info.category == RESULT_SUCCESS)
		return TXN_COMPLETED;
	switch (info.exit_code) {
	case RESULT_EXIT_CANCELLED:
		return TXN_CANCELLED;
	case RESULT_EXIT_NO_ANSWER:
		return TXN_TIMED_OUT;
	default:
		return TXN_FAILED;
	}
}
