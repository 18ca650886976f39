/*
 * bus/doc.c: docs/events.md, generated from core/event.h's catalogue and
 * from the very code that builds events (bus_event_json), so the examples
 * are what a consumer receives. `mpesa-pos bus doc` prints it; a test fails
 * when the committed file differs.
 */
#include "bus/bus_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

/* What each field means (the Python adapter's names first). */
static const char *const field_help[EVENT_FIELD_COUNT] = {
	[EVF_PHONE_NUMBER] = "the customer's number, 2547XXXXXXXX (as Daraja shows it: C2B may "
	                     "mask or hash it)",
	[EVF_AMOUNT] = "a JSON number of whole units (1500); a cash sale with cents is a "
	               "decimal (1500.50)",
	[EVF_CURRENCY] = "KES, TZS or UGX",
	[EVF_ACCOUNT_REFERENCE] = "AccountReference sent with the charge, or the BillRefNumber a "
	                          "C2B payer typed",
	[EVF_MERCHANT_REQUEST_ID] = "Daraja's MerchantRequestID of an STK push",
	[EVF_CHECKOUT_REQUEST_ID] = "Daraja's CheckoutRequestID of an STK push",
	[EVF_RESULT_CODE] = "Daraja's ResultCode, always a string (\"0\", \"1032\")",
	[EVF_RESULT_DESCRIPTION] = "Daraja's ResultDesc",
	[EVF_COMMAND_ID] = "Daraja's CommandID (BusinessPayment, TransactionReversal, ...)",
	[EVF_CONVERSATION_ID] = "Daraja's ConversationID",
	[EVF_ORIGINATOR_CONVERSATION_ID] = "Daraja's OriginatorConversationID",
	[EVF_TRANSACTION_ID] = "the M-Pesa transaction id (receipt number)",
	[EVF_ENVIRONMENT] = "sandbox or production ([daraja] environment)",
	[EVF_ERROR_TYPE] = "a short class of error",
	[EVF_MESSAGE] = "a sentence for people",
	[EVF_TXN_ID] = "our public transaction id (T...), as on receipts and screens",
	[EVF_RECEIPT] = "the M-Pesa receipt number (the same as transaction_id)",
	[EVF_OPERATOR] = "the operator id who did it; null for the system",
	[EVF_STATE] = "the transaction's state after the change (completed, failed, ...)",
};

/* Per event: what it means, and the values of its example that depend on it. */
struct example {
	const char *what;
	const char *state;
	const char *result_code;
	const char *result_desc;
	const char *command_id;
	const char *error_type;
	const char *message;
	const char *amount;
};

static const struct example examples[EVENT_TYPE_COUNT] = {
	[EV_AUTH_TOKEN_ACQUIRED] = {"The till obtained a Daraja access token (the token itself "
	                            "is never in an event)."},
	[EV_STK_PUSH_INITIATED] = {"Daraja accepted an STK push: the customer's phone shows the "
	                           "PIN prompt.",
	                           "awaiting"},
	[EV_STK_PUSH_SUCCESS] = {"The customer paid the STK push.", "completed", "0",
	                         "The service request is processed successfully."},
	[EV_STK_PUSH_FAILED] = {"The STK push ended without payment: refused, cancelled by the "
	                        "customer (1032), no answer (1037), insufficient funds (1), ...",
	                        "cancelled", "1032", "Request cancelled by user"},
	[EV_B2C_INITIATED] = {"Daraja accepted a payout (B2C) request.", "awaiting", NULL, NULL,
	                      "BusinessPayment"},
	[EV_B2C_SUCCESS] = {"The payout reached the customer.", "completed", "0",
	                    "The service request is processed successfully.",
	                    "BusinessPayment"},
	[EV_B2C_FAILED] = {"The payout failed.", "failed", "2001", "The initiator information is "
	                   "invalid.", "BusinessPayment"},
	[EV_TRANSACTION_STATUS_QUERY] = {"Daraja accepted a transaction status query (the "
	                                 "looked-up transaction publishes its own outcome).",
	                                 "awaiting"},
	[EV_BALANCE_QUERY] = {"Daraja accepted an account balance query.", "awaiting"},
	[EV_ERROR_OCCURRED] = {"Something failed outside a payment's own events: a C2B payment "
	                       "or a query that failed, a request Daraja refused.",
	                       NULL, NULL, NULL, NULL, "query_failed",
	                       "The balance query failed: Daraja answered 500.003.02"},
	[EV_C2B_VALIDATION] = {"A paybill/till payment asked for validation and the till "
	                       "accepted it (result_code \"0\") or refused it "
	                       "(\"C2B00012\", ...).",
	                       "awaiting", "0"},
	[EV_C2B_CONFIRMED] = {"A paybill/till payment (C2B) was confirmed: the money is in.",
	                      "completed"},
	[EV_REVERSAL_INITIATED] = {"Daraja accepted a reversal request.", "awaiting", NULL, NULL,
	                           "TransactionReversal"},
	[EV_REVERSAL_SUCCESS] = {"The reversal went through.", "completed", "0",
	                         "The service request is processed successfully.",
	                         "TransactionReversal"},
	[EV_REVERSAL_FAILED] = {"The reversal failed.", "failed", "R000002",
	                        "The OriginalTransactionID is invalid.", "TransactionReversal"},
	[EV_BALANCE_RESULT] = {"The balance query's result arrived (the balances are in the "
	                       "ledger; message summarises them).",
	                       "completed", "0", "The service request is processed successfully.",
	                       NULL, NULL, "Working Account: KES 48,000.00 available"},
	[EV_BREAKER_OPENED] = {"Daraja kept failing: the till pauses requests for a while.",
	                       NULL, NULL, NULL, NULL, "breaker_open",
	                       "5 requests failed in a row; pausing for 30 s"},
	[EV_BREAKER_CLOSED] = {"Daraja answers again: requests resume.", NULL, NULL, NULL, NULL,
	                       NULL, "Daraja answered; requests resume"},
	[EV_CALLBACK_ORPHAN] = {"A callback arrived for a transaction this till does not know "
	                        "(yet); it is kept and applied if the transaction appears.",
	                        NULL, "0", NULL, NULL, NULL, "no transaction matches this callback"},
	[EV_CALLBACK_CONFLICT] = {"A callback contradicts what the ledger holds (another amount, "
	                          "another outcome): the transaction is held for review.",
	                          "review", "0", NULL, NULL, NULL,
	                          "the callback's amount 1400 differs from the charge's 1500"},
	[EV_RECONCILE_RESOLVED] = {"A supervisor closed a transaction that was held for review "
	                           "or unresolved.",
	                           "completed", "0", "The service request is processed "
	                           "successfully.", NULL, NULL, "confirmed on the M-Pesa statement"},
	[EV_RECONCILE_UNRESOLVED] = {"Reconciliation gave up finding the outcome by queries: "
	                             "someone must check the statement.",
	                             "unresolved", NULL, NULL, NULL, NULL,
	                             "no answer to 6 status queries over 30 min"},
	[EV_OPERATOR_SIGNED_IN] = {"An operator signed in at the till."},
	[EV_SALE_CASH_RECORDED] = {"A sale paid by other means (cash, card) was recorded.",
	                           "completed", NULL, NULL, NULL, NULL, NULL, "1500.50"},
	[EV_ALERT_FAILURES] = {"serve's failed-transaction alert: at least [api] alert_failed "
	                       "charges, payouts or reversals failed within [api] "
	                       "alert_window; then quiet for one window.",
	                       NULL, NULL, NULL, NULL, "failed_transactions",
	                       "5 charges, payouts or reversals failed in the last 10 min "
	                       "(alert at 5)"},
};

/* The example's value of field f for event ev. */
static const char *example_value(enum event_type ev, enum event_field f, const char *txn)
{
	const struct example *x = &examples[ev];
	switch (f) {
	case EVF_PHONE_NUMBER: return "254708374149";
	case EVF_AMOUNT: return x->amount ? x->amount : "1500";
	case EVF_CURRENCY: return "KES";
	case EVF_ACCOUNT_REFERENCE: return ev == EV_C2B_VALIDATION || ev == EV_C2B_CONFIRMED
	                                       ? "INV-2041"
	                                       : txn;
	case EVF_MERCHANT_REQUEST_ID: return "29115-34620561-1";
	case EVF_CHECKOUT_REQUEST_ID: return "ws_CO_191220191020363925";
	case EVF_RESULT_CODE: return x->result_code;
	case EVF_RESULT_DESCRIPTION: return x->result_desc;
	case EVF_COMMAND_ID: return x->command_id;
	case EVF_CONVERSATION_ID: return "AG_20191219_00005797af5d7d75f652";
	case EVF_ORIGINATOR_CONVERSATION_ID: return "16740-34861180-1";
	case EVF_TRANSACTION_ID: return "TCE4XQ7B2M";
	case EVF_ENVIRONMENT: return "sandbox";
	case EVF_ERROR_TYPE: return x->error_type;
	case EVF_MESSAGE: return x->message;
	case EVF_TXN_ID: return txn;
	case EVF_RECEIPT: return "TCE4XQ7B2M";
	case EVF_OPERATOR: return ev == EV_C2B_VALIDATION || ev == EV_C2B_CONFIRMED ? NULL : "7";
	case EVF_STATE: return x->state;
	case EVENT_FIELD_COUNT: break;
	}
	return NULL;
}

/* Print one flat JSON object a member per line. */
static void print_pretty(FILE *out, const char *json)
{
	cJSON *o = cJSON_Parse(json);
	fputs("{\n", out);
	for (const cJSON *c = o ? o->child : NULL; c; c = c->next) {
		char *v = cJSON_PrintUnformatted(c);
		fprintf(out, "  \"%s\": %s%s\n", c->string, v ? v : "null", c->next ? "," : "");
		cJSON_free(v);
	}
	fputs("}\n", out);
	cJSON_Delete(o);
}

static void write_example(FILE *out, enum event_type ev)
{
	char txn[STORE_PUBLIC_ID_MAX], *json = NULL;
	store_public_id_format(42, txn);
	cJSON *pl = cJSON_CreateObject();
	for (int f = 0; pl && f < EVENT_FIELD_COUNT; f++) {
		const char *v = example_value(ev, (enum event_field)f, txn);
		if (event_has_field(ev, (enum event_field)f) && v)
			cJSON_AddStringToObject(pl, event_field_name((enum event_field)f), v);
	}
	cJSON_AddStringToObject(pl, "occurred_at", "2025-03-14T10:15:02+03:00");
	cJSON_AddStringToObject(pl, "till_id", "till-1");
	cJSON_AddStringToObject(pl, "shortcode", "174379");
	char *payload = pl ? cJSON_PrintUnformatted(pl) : NULL;
	cJSON_Delete(pl);
	struct store_outbox_row row = {.id = 123,
	                               .event = event_name(ev),
	                               .txn_id = 42,
	                               .payload = payload,
	                               .created_at = INT64_C(1741936502123)};
	struct bus_opts o = {.till_id = "till-1", .shortcode = "174379",
	                     .environment = "sandbox"};
	if (payload && bus_event_json(&row, &o, &json, NULL, NULL, NULL) == POS_OK) {
		fputs("```json\n", out);
		print_pretty(out, json);
		fputs("```\n", out);
	}
	free(json);
	cJSON_free(payload);
}

static const char intro[] =
	"# IF.bus events\n"
	"\n"
	"<!-- Generated by `mpesa-pos bus doc` from src/core/event.h and src/bus/doc.c.\n"
	"     Do not edit: change those, then run `build/mpesa-pos bus doc > docs/events.md`.\n"
	"     tests/integration/test_bus_doc.sh fails when this file drifts. -->\n"
	"\n"
	"Every change the till records (a charge accepted, paid, cancelled; a payout; a C2B\n"
	"payment; a reversal; a reconciliation; a sign-in) publishes an event on IF.bus, the\n"
	"till's event bus. Integrations (accounting, loyalty, dashboards, a shop's own systems)\n"
	"consume them from a file, a webhook, a Redis stream or a plugin.\n"
	"\n"
	"## How events travel\n"
	"\n"
	"1. The event is written into the ledger's outbox **in the same SQLite transaction** as\n"
	"   the change it reports: there is never a change without its event, nor an event\n"
	"   without its change.\n"
	"2. A dispatcher delivers the outbox afterwards, on its own thread (a slow webhook or\n"
	"   Redis never freezes the screen), to every backend in `[bus] backends`, each with its\n"
	"   own cursor in the ledger. `serve` and the console run one; a command-line tool that\n"
	"   wrote events delivers them itself before it exits when neither runs.\n"
	"3. Delivery is **at least once** and **in order** per backend: events go out in outbox\n"
	"   order, delivery stops at the first failure and is retried with exponential backoff\n"
	"   (0.5 s doubling up to 30 s), and a backend's cursor moves only once the backend has\n"
	"   the events durably. After a crash or a failure an event may come again: **de-duplicate\n"
	"   on `id`**, which is the same on every delivery of an event.\n"
	"4. One process delivers per ledger at a time: it holds an exclusive lock on the file\n"
	"   `<[store] path>.bus.lock`. The lock vanishes with its process, so a crash never\n"
	"   leaves a stale mark.\n"
	"5. `mpesa-pos bus status` prints the lag (events waiting per backend, the age of the\n"
	"   oldest, the last error) as JSON on stdout and a sentence on stderr;\n"
	"   `mpesa-pos bus deliver` sends what waits now.\n"
	"\n"
	"A backend added later receives the whole history kept in the ledger first. Events never\n"
	"carry a secret: no consumer key or secret, passkey, initiator password, token, PIN or\n"
	"webhook key; every string passes through the same masking as the log.\n"
	"\n"
	"## The envelope\n"
	"\n"
	"Every event is one JSON object, on one line, with these members first:\n"
	"\n"
	"| member | value |\n"
	"|---|---|\n"
	"| `id` | `<till_id>:<outbox sequence, 6+ digits>:<Unix ms the event was written>`, e.g. "
	"`till-1:000123:1741936502123`. Unique per event (even if a ledger is recreated), the same "
	"on every redelivery. Treat it as opaque. |\n"
	"| `name` | the event, e.g. `mpesa.stk_push.success` (the list below) |\n"
	"| `occurred_at` | when the change happened, ISO 8601 in Nairobi time (`+03:00`) |\n"
	"| `till_id` | `[till] id` of the till that recorded it |\n"
	"| `shortcode` | the business shortcode (`[daraja] business_shortcode`) |\n"
	"| `schema_version` | `1`, a number; raised only when a member changes meaning |\n"
	"\n"
	"Then the fields of the event's kind, in the order below; a field the till does not know\n"
	"(yet) is `null`. Values are strings except `amount` and `schema_version`. Consumers of\n"
	"the Python IF.bus adapter keep working: its fields keep their names and meaning\n"
	"(`result_code` stays a string), and the till's own fields sit beside them.\n"
	"\n"
	"| field | meaning |\n"
	"|---|---|\n";

static const char backends_text[] =
	"\n"
	"## Backends\n"
	"\n"
	"`[bus] backends` lists one or more of `jsonl`, `webhook`, `redis`, `plugin` (or `none`).\n"
	"Every backend receives the same bytes.\n"
	"\n"
	"### jsonl\n"
	"\n"
	"One event per line (the JSON, then `\\n`) appended to `[bus] jsonl_path` (created with\n"
	"mode 0600: events carry phone numbers). `[bus] jsonl_fsync`: `batch` (default) syncs the\n"
	"file to disk after each batch and before the batch counts as delivered; `always` after\n"
	"each line; `never` leaves it to the kernel (a power cut may lose lines). A line cut short\n"
	"by a crash is ended with `\\n` before the next one is written, so a reader skips one\n"
	"unparsable line and then sees the event again in full. A file renamed away (log\n"
	"rotation) is noticed and the path opened anew.\n"
	"\n"
	"### webhook\n"
	"\n"
	"Each event is one `POST` to `[bus] webhook_url` with the event as the body and:\n"
	"\n"
	"```\n"
	"Content-Type: application/json\n"
	"X-IFBus-Id: till-1:000123:1741936502123\n"
	"X-IFBus-Event: mpesa.stk_push.success\n"
	"X-IFBus-Timestamp: 1741936502\n"
	"X-IFBus-Signature: sha256=<hex of HMAC-SHA256(key, timestamp + \".\" + body)>\n"
	"```\n"
	"\n"
	"The key is `[bus] webhook_secret` (required). The receiver recomputes the HMAC over the\n"
	"timestamp header, a dot, and the raw body bytes, compares in constant time, and refuses\n"
	"timestamps more than a few minutes old (replays). Any `2xx` answer is a delivery;\n"
	"anything else, or no answer within 5 s, is a failure retried with backoff. Redirects are\n"
	"not followed. In Python:\n"
	"\n"
	"```python\n"
	"import hashlib, hmac, time\n"
	"\n"
	"def verify(secret: bytes, headers, body: bytes) -> bool:\n"
	"    ts = headers[\"X-IFBus-Timestamp\"]\n"
	"    if abs(time.time() - int(ts)) > 300:\n"
	"        return False\n"
	"    mac = hmac.new(secret, ts.encode() + b\".\" + body, hashlib.sha256).hexdigest()\n"
	"    return hmac.compare_digest(\"sha256=\" + mac, headers[\"X-IFBus-Signature\"])\n"
	"```\n"
	"\n"
	"### redis\n"
	"\n"
	"Each event is one entry of the stream `[bus] redis_stream` at `[bus] redis_address`:\n"
	"\n"
	"```\n"
	"XADD <stream> * event <name> id <id> data <the JSON>\n"
	"```\n"
	"\n"
	"Redis assigns the entry ids, so several tills may share a stream; de-duplicate on the\n"
	"`id` field. Read with `XREAD`/`XREADGROUP`, e.g.\n"
	"`redis-cli XRANGE mpesa-pos:events - +`. Every connection and command has a 5 s timeout.\n"
	"\n"
	"### plugin\n"
	"\n"
	"A shared object (`[bus] plugin_path`) with a small versioned C ABI receives each event;\n"
	"see [ifbus-plugin.md](ifbus-plugin.md).\n"
	"\n"
	"## Events\n"
	"\n"
	"Examples are printed one member per line for reading; on the wire each event is one\n"
	"line.\n";

void bus_write_events_doc(FILE *out)
{
	fputs(intro, out);
	for (int f = 0; f < EVENT_FIELD_COUNT; f++)
		fprintf(out, "| `%s` | %s |\n", event_field_name((enum event_field)f),
		        field_help[f] ? field_help[f] : "");
	fputs(backends_text, out);
	for (int e = 0; e < EVENT_TYPE_COUNT; e++) {
		enum event_type ev = (enum event_type)e;
		fprintf(out, "\n### %s\n\n%s\n\nFields:", event_name(ev),
		        examples[ev].what ? examples[ev].what : "");
		for (size_t i = 0; i < event_field_count(ev); i++) {
			enum event_field f;
			if (event_field_at(ev, i, &f))
				fprintf(out, "%s `%s`", i ? "," : "", event_field_name(f));
		}
		fputs(".\n\n", out);
		write_example(out, ev);
	}
}
