/* app/backfill.c: missed C2B payments found through Pull Transactions, and
 * one payment looked up by its receipt (app/backfill.h). */
#include "app/backfill.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "core/phone.h"

/* The request's user: outlives a backfill freed before Daraja answered. */
struct bf_ticket {
	struct app_backfill *b;
};

struct app_backfill {
	struct bf_ticket *ticket; /* NULL once answered */
	struct app_loop *loop;
	struct app *app;
	int64_t since_ms, until_ms;
	bool done;
	struct app_backfill_stats st;
	struct pos_err err;
};

/* ---- recording one payment ------------------------------------------------------------ */

struct found_payment {
	const char *source;      /* "pull", "status" */
	const char *receipt;
	int64_t amount_minor;
	const char *msisdn;      /* as Daraja showed it; may be "" */
	const char *name;
	const char *reference;   /* BillRefNumber; or the charge a supervisor names */
	const char *when;        /* as Daraja wrote it */
	const char *type;        /* "c2b-pay-bill-debit", "Pay Bill" ... */
	const char *shown;       /* the phone as shown: full, masked or hashed; may be "" */
	int64_t when_ms;         /* when M-Pesa finished it; 0 = not known */
	bool ref_named;          /* reference is a charge a supervisor named: it must match */
	int64_t operator_id;     /* who asked (audit); 0 = the system */
};

/* Our own STK charges a payment M-Pesa reports may be. A charge whose
 * callback was lost is settled paid by the STK query, which carries no
 * receipt: the payment Pull or Transaction Status then finds is that charge,
 * and recording it as a paybill payment would count the money twice. */
enum {
	MATCH_WINDOW_MS = 15 * 60 * 1000, /* created this close to M-Pesa's time */
	MATCH_PAGE = 32,
	MATCH_PAGES = 64,                 /* looked at most: beyond it, held */
	MATCH_IDS = 4,                    /* named in a message */
};

struct charge_match {
	size_t paid;    /* completed without a receipt, the phone agrees */
	size_t unsure;  /* the same, but the phone cannot be compared */
	size_t open;    /* not final yet */
	bool capped;    /* more than MATCH_PAGES pages: not all looked at */
	struct store_txn first; /* the first paid or unsure one */
	int64_t seen[MATCH_IDS];
	char ids[MATCH_IDS * (STORE_PUBLIC_ID_MAX + 2)];
};

static bool ref_matches(const struct store_txn *t, const char *ref)
{
	return !ref[0] || str_eq_nocase(t->account_reference, ref) ||
	       str_eq_nocase(t->public_id, ref);
}

static void consider(struct charge_match *m, const struct found_payment *p,
                     const struct store_txn *t)
{
	if (t->kind != TXN_KIND_STK || t->amount_minor != p->amount_minor || t->receipt[0] ||
	    !ref_matches(t, p->reference))
		return;
	if (p->when_ms && (t->created_at < p->when_ms - MATCH_WINDOW_MS ||
	                   t->created_at > p->when_ms + MATCH_WINDOW_MS))
		return;
	enum phone_shown ph = phone_matches_shown(t->msisdn, p->shown);
	if (ph == PHONE_SHOWN_MISMATCH)
		return;
	size_t counted = m->paid + m->unsure + m->open;
	for (size_t i = 0; i < counted && i < MATCH_IDS; i++)
		if (m->seen[i] == t->id)
			return;
	if (t->state == TXN_COMPLETED) {
		if (!m->paid && !m->unsure)
			m->first = *t;
		if (ph == PHONE_SHOWN_MATCH)
			m->paid++;
		else
			m->unsure++;
	} else if (!txn_state_is_terminal(t->state)) {
		m->open++;
	} else {
		return;
	}
	if (counted < MATCH_IDS) {
		m->seen[counted] = t->id;
		size_t len = strlen(m->ids);
		snprintf(m->ids + len, sizeof m->ids - len, "%s%s", len ? ", " : "", t->public_id);
	}
}

static void own_charges(struct app *a, const struct found_payment *p, struct charge_match *m)
{
	memset(m, 0, sizeof *m);
	struct store_filter f = {.has_kind = true, .kind = TXN_KIND_STK};
	char digits[16];
	if (p->when_ms) {
		f.from_ms = p->when_ms - MATCH_WINDOW_MS;
		f.to_ms = p->when_ms + MATCH_WINDOW_MS + 1;
	}
	if (p->reference[0])
		f.reference = p->reference;
	else if (p->shown[0] && strlen(p->shown) == 12 && str_is_digits(p->shown) &&
	         str_copy(digits, sizeof digits, p->shown))
		f.msisdn = digits;
	struct store_txn rows[MATCH_PAGE];
	struct store_cursor at = {0, 0}, next;
	bool more = true;
	for (int page = 0; more; page++) {
		size_t n = 0;
		if (page == MATCH_PAGES) {
			m->capped = true;
			break;
		}
		if (store_txn_history(app_store(a), &f, page ? &at : NULL, rows, MATCH_PAGE, &n,
		                      &next, &more, NULL) != POS_OK) {
			m->capped = true;
			break;
		}
		for (size_t i = 0; i < n; i++)
			consider(m, p, &rows[i]);
		at = next;
	}
	/* A reference may be the charge's own id while its account reference
	 * is the customer's (charge --ref INV-1). */
	struct store_txn t;
	if (p->reference[0] && store_txn_get_public(app_store(a), p->reference, &t, NULL) == POS_OK)
		consider(m, p, &t);
}

/* Give charge t the receipt p found (a timeline row; audited). */
static bool give_receipt(struct app *a, const struct found_payment *p, const struct store_txn *t,
                         const char *by, char *why, size_t whysz)
{
	struct store_txn_fields set = {.receipt = p->receipt};
	struct pos_err e;
	char detail[200], amount[MONEY_FMT_MAX];
	money_format(p->amount_minor, CURRENCY_KES, amount, sizeof amount);
	snprintf(detail, sizeof detail, "receipt %s found by %s", p->receipt, by);
	if (store_txn_update(app_store(a), t->id, &set, "receipt", detail, NULL, &e) != POS_OK) {
		snprintf(why, whysz, "%s: %s", p->receipt, e.msg);
		return false;
	}
	flow_audit(a, p->operator_id, "reconcile.receipt", t->public_id,
	           "receipt %s (%s) found by %s given to charge %s, paid without a receipt%s",
	           p->receipt, amount, by, t->public_id,
	           p->ref_named ? " (the charge named by the supervisor)" : "");
	return true;
}

/* 0 recorded, 1 known, 2 matched to a charge (*charge filled), 3 skipped
 * or held (why says why and what to do). */
static int record_payment(struct app *a, const struct found_payment *p, struct store_txn *charge,
                          char *why, size_t whysz)
{
	const struct config *cfg = app_config(a);
	struct store_txn t;
	struct pos_err e;
	why[0] = '\0';
	if (store_txn_find(app_store(a), STORE_KEY_RECEIPT, p->receipt, &t, NULL) == POS_OK)
		return 1;
	const char *by = str_eq(p->source, "pull") ? "Pull Transactions" : "Transaction Status";
	char amount[MONEY_FMT_MAX];
	money_format(p->amount_minor, CURRENCY_KES, amount, sizeof amount);
	struct charge_match m;
	own_charges(a, p, &m);
	size_t paid = m.paid + m.unsure, any = paid + m.open;
	if (m.capped) {
		snprintf(why, whysz, "%s (%s): too many charges of that amount to compare; nothing "
		         "recorded: if it paid one of ours, a supervisor names it with mpesa-pos "
		         "reconcile --receipt %s --ref CHARGE", p->receipt, amount, p->receipt);
		return 3;
	}
	if (any == 1 && (m.paid == 1 || (m.unsure == 1 && p->ref_named))) {
		if (!give_receipt(a, p, &m.first, by, why, whysz))
			return 3;
		*charge = m.first;
		return 2;
	}
	if (any > 1) {
		snprintf(why, whysz, "receipt %s (%s) matches %zu charges without a receipt (%s%s): "
		         "nothing recorded; a supervisor picks the charge it paid with mpesa-pos "
		         "reconcile --receipt %s --ref CHARGE", p->receipt, amount, any, m.ids,
		         any > MATCH_IDS ? ", ..." : "", p->receipt);
		return 3;
	}
	if (m.unsure) {
		snprintf(why, whysz, "receipt %s (%s) may be charge %s, paid without a receipt (M-Pesa "
		         "does not show the phone in full): nothing recorded; if it is, a supervisor "
		         "gives it the receipt with mpesa-pos reconcile --receipt %s --ref %s",
		         p->receipt, amount, m.ids, p->receipt, m.ids);
		return 3;
	}
	if (m.open) {
		snprintf(why, whysz, "%s is a charge still open (%s): reconcile settles it", p->receipt,
		         m.ids);
		return 3;
	}
	if (p->ref_named) {
		snprintf(why, whysz, "receipt %s (%s from %s) is not charge %s: not the same amount or "
		         "phone, already given a receipt, or not paid; nothing recorded", p->receipt,
		         amount, p->shown[0] ? p->shown : "a phone not shown", p->reference);
		return 3;
	}
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		snprintf(why, whysz, "%s: out of memory", p->receipt);
		return 3;
	}
	char wire[32];
	snprintf(wire, sizeof wire, "%lld.%02lld", (long long)(p->amount_minor / 100),
	         (long long)(p->amount_minor % 100));
	cJSON_AddStringToObject(o, "source", p->source);
	cJSON_AddStringToObject(o, "TransID", p->receipt);
	cJSON_AddStringToObject(o, "TransTime", p->when);
	cJSON_AddStringToObject(o, "TransactionType", p->type);
	cJSON_AddStringToObject(o, "TransAmount", wire);
	cJSON_AddStringToObject(o, "BusinessShortCode", cfg->daraja.business_shortcode);
	cJSON_AddStringToObject(o, "BillRefNumber", p->reference);
	cJSON_AddStringToObject(o, "MSISDN", p->msisdn);
	cJSON_AddStringToObject(o, "Name", p->name);
	char *body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!body) {
		snprintf(why, whysz, "%s: out of memory", p->receipt);
		return 3;
	}
	char desc[64];
	snprintf(desc, sizeof desc, "Confirmed (found by %s)",
	         str_eq(p->source, "pull") ? "Pull Transactions" : "Transaction Status");
	struct store_callback sc = {
		.route = "c2b/confirmation",
		.source = p->source,
		.body = body,
		.body_len = strlen(body),
		.receipt = p->receipt,
		.to = TXN_COMPLETED,
		.result_code = "0",
		.result_desc = desc,
		.has_amount = true,
		.amount_minor = p->amount_minor,
		.msisdn_shown = p->msisdn[0] ? p->msisdn : NULL,
		.payer_name = p->name[0] ? p->name : NULL,
		.creates_txn = true,
		.kind = TXN_KIND_C2B,
		.shortcode = cfg->daraja.business_shortcode,
		.account_reference = p->reference,
		.till_id = cfg->till.id,
	};
	struct store_cb_result res;
	enum pos_status rc = store_callback_apply(app_store(a), &sc, &res, &e);
	free(body);
	if (rc != POS_OK) {
		snprintf(why, whysz, "%s: %s", p->receipt, e.msg);
		return 3;
	}
	if (res.outcome == STORE_CB_APPLIED)
		return 0;
	if (res.outcome == STORE_CB_DUPLICATE)
		return 1;
	snprintf(why, whysz, "%s: %s%s%s", p->receipt, store_cb_outcome_name(res.outcome),
	         res.reason[0] ? ": " : "", res.reason);
	return 3;
}

/* ---- Pull Transactions -------------------------------------------------------------- */

/* Pull's trxDate: "20261127084500" or ISO 8601 ("2026-11-27T08:45:00+03:00",
 * "...Z" for UTC), Nairobi time unless it ends in Z. 0 when it is neither. */
static int64_t pull_time_ms(const char *text)
{
	char digits[15];
	size_t n = 0;
	for (const char *c = text; *c && n < 14; c++)
		if (isdigit((unsigned char)*c))
			digits[n++] = *c;
	digits[n] = '\0';
	time_t t;
	if (n != 14 || !clock_parse_daraja_timestamp(digits, &t))
		return 0;
	if (str_ends_with(text, "Z") || str_ends_with(text, "+00:00"))
		t += 3 * 3600;
	return (int64_t)t * 1000;
}

/* Completed STK and C2B payments the ledger holds in the window. */
static size_t ledger_in_window(struct app *a, int64_t from, int64_t to)
{
	static const enum txn_kind kinds[] = {TXN_KIND_C2B, TXN_KIND_STK};
	size_t total = 0;
	for (size_t k = 0; k < 2; k++) {
		struct store_filter f = {.from_ms = from, .to_ms = to, .has_kind = true,
		                         .kind = kinds[k], .has_state = true,
		                         .state = TXN_COMPLETED};
		struct store_txn rows[4];
		size_t n = 0;
		bool more = false;
		struct store_cursor next;
		if (store_txn_history(app_store(a), &f, NULL, rows, 4, &n, &next, &more, NULL) ==
		    POS_OK)
			total += n;
	}
	return total;
}

static void summarise(struct app_backfill *b)
{
	struct app_backfill_stats *s = &b->st;
	char extra[160] = "";
	if (s->skipped)
		snprintf(extra, sizeof extra, "; %zu not recorded (see the log)", s->skipped);
	switch (s->answer) {
	case APP_BACKFILL_RECORDS:
		snprintf(s->message, sizeof s->message,
		         "Pull Transactions listed %zu payment%s on %u page%s: %zu recorded now, "
		         "%zu already in the ledger%s%s%s", s->listed, s->listed == 1 ? "" : "s",
		         s->pages, s->pages == 1 ? "" : "s", s->recorded, s->known,
		         s->matched ? ", receipts given to our charges: " : "",
		         s->matched ? "yes" : "", extra);
		if (s->truncated)
			snprintf(s->message + strlen(s->message), sizeof s->message - strlen(s->message),
			         "; stopped at the page limit: run it again");
		break;
	case APP_BACKFILL_NO_RECORDS:
		snprintf(s->message, sizeof s->message,
		         "Daraja has no C2B payments in this window (1001 \"no records\"); nothing "
		         "was missed. If payments were expected, check that the shortcode is "
		         "registered for Pull Transactions");
		break;
	case APP_BACKFILL_NOT_PROVISIONED:
		snprintf(s->message, sizeof s->message,
		         "Daraja answered 1001 (\"no records\") although the ledger holds %zu "
		         "completed payment%s in this window: the shortcode is not provisioned or "
		         "not registered for Pull Transactions; ask Safaricom API support",
		         s->ledger_in_window, s->ledger_in_window == 1 ? "" : "s");
		break;
	case APP_BACKFILL_NOT_SUBSCRIBED:
		snprintf(s->message, sizeof s->message,
		         "the Daraja app is not subscribed to Pull Transactions (401.003.01): add "
		         "the product on the developer portal");
		break;
	case APP_BACKFILL_FAILED:
		snprintf(s->message, sizeof s->message, "Pull Transactions could not be asked: %s",
		         b->err.msg);
		break;
	}
}

static void on_pull(void *user, struct daraja_result *res)
{
	struct bf_ticket *t = user;
	struct app_backfill *b = t->b;
	free(t);
	if (!b)
		return; /* freed before the answer: nothing is recorded */
	b->ticket = NULL;
	struct app_backfill_stats *s = &b->st;
	b->done = true;
	if (res->cls != DARAJA_OK) {
		b->err = res->err;
		s->answer = str_eq(res->code, "401.003.01") ? APP_BACKFILL_NOT_SUBSCRIBED
		                                           : APP_BACKFILL_FAILED;
		summarise(b);
		return;
	}
	const struct daraja_pull *p = &res->as.pull;
	s->pages = p->pages;
	s->truncated = p->truncated;
	s->listed = p->n_records;
	if (p->none || p->n_records == 0) {
		s->ledger_in_window = ledger_in_window(b->app, b->since_ms, b->until_ms);
		s->answer = s->ledger_in_window ? APP_BACKFILL_NOT_PROVISIONED
		                                : APP_BACKFILL_NO_RECORDS;
		summarise(b);
		return;
	}
	s->answer = APP_BACKFILL_RECORDS;
	for (size_t i = 0; i < p->n_records; i++) {
		const struct daraja_pull_record *r = &p->records[i];
		char why[600];
		struct store_txn charge;
		const char *shown = r->msisdn.kind == DARAJA_MSISDN_ABSENT ? "" : r->msisdn.text;
		struct found_payment fp = {
			.source = "pull",
			.receipt = r->transaction_id,
			.amount_minor = r->amount.minor,
			.msisdn = r->msisdn.kind == DARAJA_MSISDN_ABSENT ? "" : r->msisdn.text,
			.name = r->sender,
			.reference = r->bill_reference,
			.when = r->trx_date,
			.type = r->transaction_type,
			.shown = shown,
			/* With a reference the match needs no time (whose format Pull
			 * leaves unsaid); without one, a charge near it in time only. */
			.when_ms = r->bill_reference[0] ? 0 : pull_time_ms(r->trx_date),
		};
		if (!r->transaction_id[0] || !r->amount.present || r->amount.minor <= 0) {
			s->skipped++;
			log_warn("backfill", "a Pull row without a receipt or amount (%s) was not recorded",
			         r->transaction_id[0] ? r->transaction_id : "no receipt");
			continue;
		}
		switch (record_payment(b->app, &fp, &charge, why, sizeof why)) {
		case 0:
			s->recorded++;
			break;
		case 1:
			s->known++;
			break;
		case 2:
			s->matched++;
			break;
		default:
			s->skipped++;
			log_warn("backfill", "not recorded: %s", why);
			break;
		}
	}
	summarise(b);
	log_info("backfill", "%s", s->message);
}

enum pos_status app_backfill_start(struct app_loop *l, int64_t since_ms, int64_t until_ms,
                                   struct app_backfill **out, struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	if (!until_ms)
		until_ms = clock_now_ms();
	if (since_ms >= until_ms)
		return pos_err_set(err, POS_E_RANGE, "since",
		                   "the window must start before it ends (now, unless --until)");
	struct daraja *d = app_daraja(a, err);
	if (!d)
		return err ? err->code : POS_E_CONFIG;
	struct app_backfill *b = calloc(1, sizeof *b);
	if (!b)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	b->loop = l;
	b->app = a;
	b->since_ms = since_ms;
	b->until_ms = until_ms;
	struct daraja_pull_query_req q = {.start = (time_t)(since_ms / 1000),
	                                  .end = (time_t)(until_ms / 1000)};
	b->ticket = malloc(sizeof *b->ticket);
	if (!b->ticket) {
		free(b);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	b->ticket->b = b;
	enum pos_status rc = daraja_pull_query(d, &q, on_pull, b->ticket, NULL, err);
	if (rc != POS_OK) {
		free(b->ticket);
		free(b);
		return rc;
	}
	*out = b;
	return POS_OK;
}

bool app_backfill_done(const struct app_backfill *b)
{
	return b->done;
}

const struct app_backfill_stats *app_backfill_stats(const struct app_backfill *b)
{
	return &b->st;
}

const struct pos_err *app_backfill_error(const struct app_backfill *b)
{
	return &b->err;
}

void app_backfill_free(struct app_backfill *b)
{
	if (!b)
		return;
	if (b->ticket) {
		b->ticket->b = NULL;
		log_warn("backfill", "stopped before Daraja answered; nothing was recorded");
	}
	free(b);
}

/* ---- periodically, in serve ------------------------------------------------------------ */

enum { BACKFILL_EVERY_MS = 15 * 60 * 1000, BACKFILL_WINDOW_MS = 2 * 3600 * 1000 };

static struct {
	struct app_backfill *b;
	int64_t every_ms, next_ms;
	enum app_backfill_answer last;
	bool ran;
} periodic;

static int64_t backfill_every_ms(void)
{
	const char *testing = getenv("MPESA_POS_TESTING");
	const char *v = getenv("MPESA_POS_TEST_BACKFILL_MS");
	int64_t ms = 0;
	if (testing && str_eq(testing, "1") && v && parse_i64_str(v, 100, INT64_MAX, &ms) == POS_OK)
		return ms;
	return BACKFILL_EVERY_MS;
}

void app_backfill_tick(struct app_loop *l)
{
	int64_t now = clock_mono_ms();
	if (periodic.b && app_backfill_done(periodic.b)) {
		const struct app_backfill_stats *s = app_backfill_stats(periodic.b);
		if (s->answer == APP_BACKFILL_RECORDS && (s->recorded || s->matched))
			log_info("backfill", "periodic: %s", s->message);
		else if (s->answer != APP_BACKFILL_RECORDS && s->answer != APP_BACKFILL_NO_RECORDS &&
		         (!periodic.ran || s->answer != periodic.last))
			log_warn("backfill", "periodic: %s", s->message);
		periodic.last = s->answer;
		periodic.ran = true;
		app_backfill_free(periodic.b);
		periodic.b = NULL;
	}
	if (periodic.b)
		return;
	if (!periodic.every_ms) {
		periodic.every_ms = backfill_every_ms();
		periodic.next_ms = now + periodic.every_ms;
		return;
	}
	if (now < periodic.next_ms)
		return;
	periodic.next_ms = now + periodic.every_ms;
	struct pos_err err;
	if (app_backfill_start(l, clock_now_ms() - BACKFILL_WINDOW_MS, 0, &periodic.b, &err) !=
	    POS_OK) {
		periodic.b = NULL;
		if (!periodic.ran || periodic.last != APP_BACKFILL_FAILED)
			log_warn("backfill", "periodic: cannot ask Pull Transactions: %s", err.msg);
		periodic.last = APP_BACKFILL_FAILED;
		periodic.ran = true;
	}
}

/* ---- one receipt, through Transaction Status ------------------------------------------ */

/* "254712345678 - Jane Doe" -> shown (as it is: full, masked or hashed),
 * msisdn (only when all digits), name. */
static void split_party(const char *party, char *shown, size_t ssz, char *msisdn, size_t msz,
                        char *name, size_t nsz)
{
	const char *dash = strstr(party, " - ");
	size_t n = dash ? (size_t)(dash - party) : strlen(party);
	shown[0] = msisdn[0] = name[0] = '\0';
	if (n < ssz) {
		memcpy(shown, party, n);
		shown[n] = '\0';
	}
	if (str_is_digits(shown))
		str_copy(msisdn, msz, shown);
	if (dash)
		str_copy(name, nsz, dash + 3);
}

static bool party_is(const char *party, const char *shortcode)
{
	size_t n = strlen(shortcode);
	return n && strncmp(party, shortcode, n) == 0 && (party[n] == '\0' || party[n] == ' ');
}

enum pos_status app_receipt_record(struct app *a, int64_t status_txn_id, const char *receipt,
                                   const char *charge_ref, struct store_txn *out,
                                   enum app_receipt_outcome *how, struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	struct daraja_status_result r;
	struct store_txn status;
	enum pos_status rc = app_status_result(a, status_txn_id, &r, err);
	if (how)
		*how = APP_RECEIPT_KNOWN;
	if (rc != POS_OK || (rc = store_txn_get(app_store(a), status_txn_id, &status, err)) != POS_OK)
		return rc;
	if (!str_eq(r.common.result_code.text, "0"))
		return pos_err_set(err, POS_E_NOT_FOUND, "receipt",
		                   "M-Pesa does not know receipt %s (%s: %s)", receipt,
		                   r.common.result_code.text, r.common.result_desc);
	bool to_us = party_is(r.credit_party_name, cfg->daraja.business_shortcode) ||
	             (cfg->daraja.till_number[0] &&
	              party_is(r.credit_party_name, cfg->daraja.till_number));
	if (!to_us)
		return pos_err_set(err, POS_E_INVALID, "receipt",
		                   "receipt %s is not a payment to shortcode %s (it credited \"%s\")",
		                   receipt, cfg->daraja.business_shortcode, r.credit_party_name);
	if (!str_eq_nocase(r.transaction_status, "Completed"))
		return pos_err_set(err, POS_E_INVALID, "receipt",
		                   "receipt %s is %s, not a completed payment", receipt,
		                   r.transaction_status[0] ? r.transaction_status : "of unknown status");
	if (!r.amount.present || r.amount.minor <= 0)
		return pos_err_set(err, POS_E_INVALID, "receipt",
		                   "M-Pesa's answer about %s carries no amount", receipt);
	char shown[DARAJA_NAME_LEN + 1], msisdn[32], name[128], why[600];
	split_party(r.debit_party_name, shown, sizeof shown, msisdn, sizeof msisdn, name,
	            sizeof name);
	const struct daraja_time *at = r.finalised.known ? &r.finalised : &r.initiated;
	struct found_payment fp = {
		.source = "status",
		.receipt = receipt,
		.amount_minor = r.amount.minor,
		.msisdn = msisdn,
		.name = name,
		.reference = charge_ref ? charge_ref : "",
		.when = r.finalised.text,
		.type = r.reason_type,
		.shown = shown,
		.when_ms = at->known ? (int64_t)at->t * 1000 : 0,
		.ref_named = charge_ref && charge_ref[0],
		.operator_id = status.operator_id,
	};
	struct store_txn charge;
	int got = record_payment(a, &fp, &charge, why, sizeof why);
	if (got == 3) {
		flow_audit(a, status.operator_id, "reconcile.receipt.held", receipt, "%s", why);
		return pos_err_set(err, POS_E_CONFLICT, "receipt", "%s", why);
	}
	if (how)
		*how = got == 0 ? APP_RECEIPT_RECORDED : got == 2 ? APP_RECEIPT_GIVEN
		                                                   : APP_RECEIPT_KNOWN;
	return store_txn_find(app_store(a), STORE_KEY_RECEIPT, receipt, out, err);
}
