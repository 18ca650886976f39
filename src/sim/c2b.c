/* sim/c2b.c: C2B register URL, simulate, the payment flow, Pull Transactions. */
#include "sim/c2b.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "sim/http.h"
#include "sim/json.h"
#include "sim/ledger.h"
#include "sim/map.h"
#include "sim/result.h"
#include "sim/sim.h"
#include "sim/valid.h"

struct reg {
	int version;               /* 1 or 2 */
	char response_type[16];    /* Completed | Cancelled */
	char *confirmation_url;
	char *validation_url;      /* NULL when none */
};

struct pull_reg {
	char *callback_url;
	char nominated[16];
};

struct sim_c2b {
	pthread_mutex_t mu;
	struct sim_map regs;  /* shortcode -> struct reg */
	struct sim_map pulls; /* shortcode -> struct pull_reg */
	size_t max;
};

/* A payment on its way through validation and confirmation. */
struct payment {
	struct sim *s;
	char shortcode[16], msisdn[16], command[32];
	char bill_ref[104];
	char trans_id[SIM_ID_MAX];
	char originator[SIM_ID_MAX];
	char third_party[72];
	int64_t amount, t0_ms;
	int version;
	char response_type[16];
	char *validation_url, *confirmation_url;
};

static void reg_free(void *p)
{
	struct reg *g = p;
	if (!g)
		return;
	free(g->confirmation_url);
	free(g->validation_url);
	free(g);
}

static void pull_free(void *p)
{
	struct pull_reg *g = p;
	if (!g)
		return;
	free(g->callback_url);
	free(g);
}

static void payment_free(void *p)
{
	struct payment *x = p;
	if (!x)
		return;
	free(x->validation_url);
	free(x->confirmation_url);
	free(x);
}

struct sim_c2b *sim_c2b_new(size_t max_shortcodes)
{
	struct sim_c2b *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	sim_map_init(&c->regs);
	sim_map_init(&c->pulls);
	c->max = max_shortcodes ? max_shortcodes : 1;
	return c;
}

void sim_c2b_free(struct sim_c2b *c)
{
	if (!c)
		return;
	sim_map_release(&c->regs, reg_free);
	sim_map_release(&c->pulls, pull_free);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void sim_c2b_reset(struct sim_c2b *c)
{
	pthread_mutex_lock(&c->mu);
	sim_map_clear(&c->regs, reg_free);
	sim_map_clear(&c->pulls, pull_free);
	pthread_mutex_unlock(&c->mu);
}

bool sim_c2b_registered(struct sim_c2b *c, const char *shortcode)
{
	pthread_mutex_lock(&c->mu);
	bool yes = sim_map_get(&c->regs, shortcode) != NULL;
	pthread_mutex_unlock(&c->mu);
	return yes;
}

/* ---- pure helpers --------------------------------------------------------------- */

void sim_c2b_mask_msisdn(const char *msisdn, char out[32])
{
	size_t n = strlen(msisdn);
	if (n < 7) {
		str_copy(out, 32, "***");
		return;
	}
	snprintf(out, 32, "%.4s ***** %s", msisdn, msisdn + n - 3);
}

bool sim_c2b_reply_accepts(const char *body, char *code, size_t codesz,
                           char *third_party, size_t tpsz)
{
	if (code && codesz)
		code[0] = '\0';
	if (third_party && tpsz)
		third_party[0] = '\0';
	if (!body || !sim_json_depth_ok(body, strlen(body), SIM_JSON_MAX_DEPTH))
		return false;
	cJSON *o = cJSON_Parse(body);
	char text[64];
	bool ok = false;
	enum sim_jkind k = sim_json_text(o, "ResultCode", text, sizeof text);
	if (k == SIM_J_STRING || k == SIM_J_NUMBER) {
		ok = strcmp(text, "0") == 0;
		if (code && codesz)
			str_copy(code, codesz, text);
	}
	if (third_party && tpsz)
		sim_json_text(o, "ThirdPartyTransID", third_party, tpsz);
	cJSON_Delete(o);
	return ok;
}

/* ---- the payment flow --------------------------------------------------------------- */

static cJSON *notification(const struct payment *x, const char *org_balance)
{
	char amount[32], when[16], msisdn[72], first[32], last[32];
	snprintf(amount, sizeof amount, "%" PRId64 ".00", x->amount);
	sim_daraja_time(x->t0_ms, when);
	if (x->version == 1) {
		uint8_t h[CRYPTO_SHA256_LEN];
		crypto_sha256(x->msisdn, strlen(x->msisdn), h);
		crypto_hex(h, sizeof h, msisdn);
	} else {
		sim_c2b_mask_msisdn(x->msisdn, msisdn);
	}
	sim_customer_name(x->msisdn, first, sizeof first, last, sizeof last);
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "TransactionType",
	                        strcmp(x->command, "CustomerBuyGoodsOnline") == 0 ? "Buy Goods"
	                                                                          : "Pay Bill");
	cJSON_AddStringToObject(o, "TransID", x->trans_id);
	cJSON_AddStringToObject(o, "TransTime", when);
	cJSON_AddStringToObject(o, "TransAmount", amount);
	cJSON_AddStringToObject(o, "BusinessShortCode", x->shortcode);
	cJSON_AddStringToObject(o, "BillRefNumber", x->bill_ref);
	cJSON_AddStringToObject(o, "InvoiceNumber", "");
	cJSON_AddStringToObject(o, "OrgAccountBalance", org_balance);
	cJSON_AddStringToObject(o, "ThirdPartyTransID", x->third_party);
	cJSON_AddStringToObject(o, "MSISDN", msisdn);
	cJSON_AddStringToObject(o, "FirstName", first);
	cJSON_AddStringToObject(o, "MiddleName", "");
	cJSON_AddStringToObject(o, "LastName", "");
	return o;
}

/* The money moves and the confirmation goes out. */
static void confirm(struct payment *x)
{
	struct sim *s = x->s;
	struct sim_txn t;
	struct sim_accounts after;
	memset(&t, 0, sizeof t);
	t.kind = SIM_TXN_C2B;
	str_copy(t.receipt, sizeof t.receipt, x->trans_id);
	str_copy(t.shortcode, sizeof t.shortcode, x->shortcode);
	str_copy(t.party_b, sizeof t.party_b, x->shortcode);
	str_copy(t.msisdn, sizeof t.msisdn, x->msisdn);
	str_copy(t.command, sizeof t.command, x->command);
	str_copy(t.bill_ref, sizeof t.bill_ref, x->bill_ref);
	str_copy(t.originator_id, sizeof t.originator_id, x->originator);
	t.amount = x->amount;
	t.initiated_ms = x->t0_ms;
	t.completed_ms = clock_now_ms();
	if (sim_ledger_pay_in(s->ledger, &t, &after) != SIM_MOVE_OK) {
		log_warn("sim", "ledger full: C2B %s not booked", x->trans_id);
		return;
	}
	if (!x->confirmation_url)
		return;
	char balance[32];
	sim_fmt_cents(after.working, balance);
	char *url = strdup(x->confirmation_url);
	cJSON *body = notification(x, balance);
	if (url && body)
		sim_callback(s, SIM_API_C2B, "confirmation", x->trans_id, url, body, 0);
	else
		cJSON_Delete(body);
	free(url);
}

static void validated(void *arg, const struct sim_http_result *res)
{
	struct payment *x = arg;
	char code[64];
	bool answered = res->status >= 200 && res->status < 300 && res->body;
	if (answered && sim_c2b_reply_accepts(res->body, code, sizeof code,
	                                      x->third_party, sizeof x->third_party)) {
		confirm(x);
		return;
	}
	if (answered && code[0]) {
		log_info("sim", "C2B %s rejected by validation (%s)", x->trans_id, code);
		return; /* a rejection stops the payment */
	}
	/* No usable answer: the registered ResponseType decides. */
	if (strcmp(x->response_type, "Completed") == 0)
		confirm(x);
	else
		log_info("sim", "C2B %s cancelled: validation failed and ResponseType is Cancelled",
		         x->trans_id);
}

static void payment_start(void *p)
{
	struct payment *x = p;
	struct sim *s = x->s;
	struct sim_c2b *c = s->c2b;

	pthread_mutex_lock(&c->mu);
	struct reg *g = sim_map_get(&c->regs, x->shortcode);
	if (g) {
		x->version = g->version;
		str_copy(x->response_type, sizeof x->response_type, g->response_type);
		x->confirmation_url = strdup(g->confirmation_url);
		x->validation_url = g->validation_url ? strdup(g->validation_url) : NULL;
	}
	pthread_mutex_unlock(&c->mu);

	if (!x->validation_url) {
		confirm(x);
		payment_free(x);
		return;
	}
	cJSON *body = notification(x, "");
	char *url = strdup(x->validation_url);
	struct sim_callback cb;
	memset(&cb, 0, sizeof cb);
	cb.api = SIM_API_C2B;
	cb.kind = "validation";
	str_copy(cb.ref, sizeof cb.ref, x->trans_id);
	cb.url = url;
	cb.body = body ? cJSON_PrintUnformatted(body) : NULL;
	cb.on_done = validated;
	cb.arg = x;
	cb.free_arg = payment_free;
	cJSON_Delete(body);
	sim_deliver_send(s->deliver, &cb);
}

/* Start a payment; trans_id receives its receipt. */
static bool pay(struct sim *s, const char *shortcode, const char *msisdn,
                int64_t amount, const char *bill_ref, const char *command,
                int64_t delay_ms, char trans_id[SIM_ID_MAX], char originator[SIM_ID_MAX])
{
	struct payment *x = calloc(1, sizeof *x);
	if (!x)
		return false;
	x->s = s;
	x->t0_ms = clock_now_ms();
	x->amount = amount;
	x->version = 2;
	str_copy(x->response_type, sizeof x->response_type, "Completed");
	str_copy(x->shortcode, sizeof x->shortcode, shortcode);
	str_copy(x->msisdn, sizeof x->msisdn, msisdn);
	str_copy(x->command, sizeof x->command, command);
	str_copy(x->bill_ref, sizeof x->bill_ref, bill_ref);
	sim_ids_receipt(&s->ids, (time_t)(x->t0_ms / 1000), x->trans_id);
	sim_ids_request(&s->ids, x->originator);
	str_copy(trans_id, SIM_ID_MAX, x->trans_id);
	if (originator)
		str_copy(originator, SIM_ID_MAX, x->originator);
	return sim_sched_after(s->sched, delay_ms, payment_start, payment_free, x);
}

enum pos_status sim_c2b_pay(struct sim *s, const char *shortcode,
                            const char *msisdn, int64_t amount,
                            const char *bill_ref, bool buy_goods,
                            char trans_id[SIM_ID_MAX], struct pos_err *err)
{
	if (!sim_valid_shortcode(shortcode))
		return pos_err_set(err, POS_E_INVALID, "shortcode",
		                   "shortcode \"%s\" is not 5 to 7 digits", shortcode);
	if (!sim_valid_msisdn(msisdn))
		return pos_err_set(err, POS_E_PHONE, "msisdn",
		                   "msisdn \"%s\" is not 12 digits starting 254", msisdn);
	if (amount < 1)
		return pos_err_set(err, POS_E_AMOUNT, "amount", "amount must be a whole number >= 1");
	if (strlen(bill_ref) > 100)
		return pos_err_set(err, POS_E_TOO_LONG, "bill_ref", "bill_ref is longer than 100 characters");
	if (!pay(s, shortcode, msisdn, amount, bill_ref,
	         buy_goods ? "CustomerBuyGoodsOnline" : "CustomerPayBillOnline", 0, trans_id,
	         NULL))
		return pos_err_set(err, POS_E_BUSY, "c2b", "the simulator is stopping or full");
	return POS_OK;
}

/* ---- handlers --------------------------------------------------------------------- */

static void register_urls(struct sim_req *r, int version)
{
	struct sim *s = r->sim;
	struct sim_c2b *c = s->c2b;
	char shortcode[16], type[16], confirmation[2100], validation[2100];
	if (!sim_req_check(r, SIM_OP_C2B_REGISTER))
		return;
	sim_req_field(r, "ShortCode", shortcode, sizeof shortcode);
	sim_req_enum(r, "ResponseType", "Completed|Cancelled", type, sizeof type);
	sim_req_field(r, "ConfirmationURL", confirmation, sizeof confirmation);
	sim_req_field(r, "ValidationURL", validation, sizeof validation);

	struct reg *g = calloc(1, sizeof *g);
	if (!g || !(g->confirmation_url = strdup(confirmation)) ||
	    (validation[0] && !(g->validation_url = strdup(validation)))) {
		reg_free(g);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	g->version = version;
	str_copy(g->response_type, sizeof g->response_type, type);

	pthread_mutex_lock(&c->mu);
	struct reg *old = sim_map_get(&c->regs, shortcode);
	if (old && !s->cfg.allow_reregister) {
		pthread_mutex_unlock(&c->mu);
		reg_free(g);
		sim_reply_error(r, 500, "500.003.1001", "Urls are already registered");
		sim_req_outcome(r, "rejected: already registered");
		return;
	}
	if (!old && sim_map_count(&c->regs) >= c->max) {
		pthread_mutex_unlock(&c->mu);
		reg_free(g);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	reg_free(sim_map_remove(&c->regs, shortcode));
	sim_map_put(&c->regs, shortcode, g);
	pthread_mutex_unlock(&c->mu);

	char id[SIM_ID_MAX];
	sim_ids_request(&s->ids, id);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "OriginatorCoversationID", id);
		cJSON_AddStringToObject(o, "ResponseCode", "0");
		cJSON_AddStringToObject(o, "ResponseDescription", "Success");
	}
	sim_req_note(r, "OriginatorCoversationID", id);
	r->accepted = true;
	sim_req_outcome(r, old ? "registered again" : "registered");
	sim_reply_json(r, 200, o);
}

void sim_c2b_register_v1(struct sim_req *r)
{
	register_urls(r, 1);
}

void sim_c2b_register_v2(struct sim_req *r)
{
	register_urls(r, 2);
}

void sim_c2b_simulate(struct sim_req *r)
{
	struct sim *s = r->sim;
	char shortcode[16], command[32], msisdn[16], bill_ref[104];
	char trans_id[SIM_ID_MAX], originator[SIM_ID_MAX];
	if (!sim_req_check(r, SIM_OP_C2B_SIMULATE))
		return;
	sim_req_field(r, "ShortCode", shortcode, sizeof shortcode);
	sim_req_enum(r, "CommandID", "CustomerPayBillOnline|CustomerBuyGoodsOnline", command,
	             sizeof command);
	sim_req_field(r, "Msisdn", msisdn, sizeof msisdn);
	sim_req_field(r, "BillRefNumber", bill_ref, sizeof bill_ref);
	int64_t amount = sim_req_amount(r, "Amount");
	if (!pay(s, shortcode, msisdn, amount, bill_ref, command,
	         (int64_t)s->cfg.callback_delay_ms, trans_id, originator)) {
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "OriginatorCoversationID", originator);
		cJSON_AddStringToObject(o, "ResponseCode", "0");
		cJSON_AddStringToObject(o, "ResponseDescription",
		                        "Accept the service request successfully.");
	}
	sim_req_note(r, "OriginatorCoversationID", originator);
	sim_req_note(r, "TransID", trans_id);
	r->accepted = true;
	sim_req_outcome(r, "accepted");
	sim_reply_json(r, 200, o);
}

void sim_pull_register(struct sim_req *r)
{
	struct sim *s = r->sim;
	struct sim_c2b *c = s->c2b;
	char shortcode[16], url[2100], nominated[16], ref[SIM_ID_MAX];
	if (!sim_req_check(r, SIM_OP_PULL_REGISTER))
		return;
	sim_req_field(r, "ShortCode", shortcode, sizeof shortcode);
	sim_req_field(r, "CallBackURL", url, sizeof url);
	sim_req_field(r, "NominatedNumber", nominated, sizeof nominated);

	struct pull_reg *g = calloc(1, sizeof *g);
	if (!g || !(g->callback_url = strdup(url))) {
		pull_free(g);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	str_copy(g->nominated, sizeof g->nominated, nominated);
	const char *status = "1000", *desc = "Shortcode Registered Successfully";
	pthread_mutex_lock(&c->mu);
	bool exists = sim_map_get(&c->pulls, shortcode) != NULL;
	if (exists && !s->cfg.allow_reregister) {
		status = "1001";
		desc = "Shortcode already registered";
		pull_free(g);
	} else if (!exists && sim_map_count(&c->pulls) >= c->max) {
		status = "1001";
		desc = "Registration failed";
		pull_free(g);
	} else {
		pull_free(sim_map_remove(&c->pulls, shortcode));
		sim_map_put(&c->pulls, shortcode, g);
	}
	pthread_mutex_unlock(&c->mu);

	sim_ids_uuid(&s->ids, ref);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "ResponseRefID", ref);
		cJSON_AddStringToObject(o, "ResponseStatus", status);
		cJSON_AddStringToObject(o, "ShortCode", shortcode);
		cJSON_AddStringToObject(o, "ResponseDescription", desc);
	}
	r->accepted = strcmp(status, "1000") == 0;
	sim_req_outcome(r, r->accepted ? "registered" : "not registered");
	sim_reply_json(r, 200, o);
}

/* "YYYY-MM-DD HH:mm:ss" (EAT, already validated) -> Unix ms. */
static int64_t eat_ms(const char *s)
{
	unsigned v[6];
	const int at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};
	for (int i = 0; i < 6; i++) {
		v[i] = 0;
		for (int k = 0; k < len[i]; k++)
			v[i] = v[i] * 10 + (unsigned)(s[at[i] + k] - '0');
	}
	int64_t days = clock_days_from_civil(v[0], v[1], v[2]);
	return ((days * 86400 + v[3] * 3600 + v[4] * 60 + v[5]) - CLOCK_EAT_OFFSET_S) * 1000;
}

struct pull_walk {
	struct sim *s;
	const char *shortcode;
	int64_t from, to;
	uint64_t offset, page, seen;
	cJSON *rows;
};

static bool pull_row(const struct sim_txn *t, void *arg)
{
	struct pull_walk *w = arg;
	if ((t->kind != SIM_TXN_C2B && t->kind != SIM_TXN_STK) ||
	    strcmp(t->shortcode, w->shortcode) != 0 || t->completed_ms < w->from ||
	    t->completed_ms > w->to)
		return true;
	if (w->seen++ < w->offset)
		return true;
	char when[26], amount[32], first[32], last[32], name[72];
	clock_iso8601_eat((time_t)(t->completed_ms / 1000), when);
	snprintf(amount, sizeof amount, "%" PRId64 ".00", t->amount);
	sim_customer_name(t->msisdn, first, sizeof first, last, sizeof last);
	snprintf(name, sizeof name, "%s %s", first, last);
	cJSON *row = cJSON_CreateObject();
	if (!row)
		return false;
	cJSON_AddStringToObject(row, "transactionId", t->receipt);
	cJSON_AddStringToObject(row, "trxDate", when);
	sim_json_add_raw(row, "msisdn", t->msisdn);
	cJSON_AddStringToObject(row, "sender", name);
	cJSON_AddStringToObject(row, "transactiontype",
	                        strcmp(t->command, "CustomerBuyGoodsOnline") == 0
	                            ? "c2b-buy-goods-debit" : "c2b-pay-bill-debit");
	cJSON_AddStringToObject(row, "billreference", t->bill_ref);
	cJSON_AddStringToObject(row, "amount", amount);
	cJSON_AddStringToObject(row, "organizationname", w->s->cfg.org_name);
	cJSON_AddItemToArray(w->rows, row);
	return (uint64_t)cJSON_GetArraySize(w->rows) < w->page;
}

void sim_pull_query(struct sim_req *r)
{
	struct sim *s = r->sim;
	char shortcode[16], start[24], end[24], offset[16], ref[SIM_ID_MAX];
	uint64_t off = 0;
	if (!sim_req_check(r, SIM_OP_PULL_QUERY))
		return;
	sim_req_field(r, "ShortCode", shortcode, sizeof shortcode);
	sim_req_field(r, "StartDate", start, sizeof start);
	sim_req_field(r, "EndDate", end, sizeof end);
	sim_req_field(r, "OffSetValue", offset, sizeof offset);
	if (offset[0])
		parse_u64_str(offset, 999999999, &off);

	pthread_mutex_lock(&s->c2b->mu);
	bool registered = sim_map_get(&s->c2b->pulls, shortcode) != NULL;
	pthread_mutex_unlock(&s->c2b->mu);

	cJSON *rows = cJSON_CreateArray();
	struct pull_walk w = {s, shortcode, eat_ms(start), eat_ms(end) + 999, off,
	                      s->cfg.pull_page_size, 0, rows};
	if (registered && rows)
		sim_ledger_each(s->ledger, pull_row, &w);

	sim_ids_uuid(&s->ids, ref);
	cJSON *o = cJSON_CreateObject();
	bool any = rows && cJSON_GetArraySize(rows) > 0;
	if (o) {
		cJSON_AddStringToObject(o, "ResponseRefID", ref);
		cJSON_AddStringToObject(o, "ResponseCode", any ? "1000" : "1001");
		cJSON_AddStringToObject(o, "ResponseMessage",
		                        any ? "Success"
		                            : "No records found or Organization Name not available");
		cJSON *outer = cJSON_AddArrayToObject(o, "Response");
		if (outer && rows) {
			cJSON_AddItemToArray(outer, rows);
			rows = NULL;
		}
	}
	cJSON_Delete(rows);
	sim_req_outcome(r, any ? "records" : "no records");
	sim_reply_json(r, 200, o);
}
