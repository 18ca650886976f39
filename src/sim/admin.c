/* sim/admin.c: the /__sim/ test API. */
#include "sim/admin.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "sim/c2b.h"
#include "sim/http.h"
#include "sim/json.h"
#include "sim/oauth.h"
#include "sim/sched.h"
#include "sim/sim.h"
#include "sim/valid.h"

enum { LIST_MAX = 64 * 1024 * 1024, CERT_MAX = 64 * 1024 };

static void ok_json(struct sim_req *r, cJSON *o)
{
	sim_reply_json(r, 200, o);
}

static void admin_error(struct sim_req *r, int status, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddBoolToObject(o, "ok", false);
		cJSON_AddStringToObject(o, "error", msg);
	}
	sim_reply_json(r, status, o);
}

static void health(struct sim_req *r)
{
	struct sim *s = r->sim;
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddStringToObject(o, "url", s->url);
		cJSON_AddNumberToObject(o, "uptime_ms", (double)(clock_mono_ms() - s->started_ms));
		cJSON_AddNumberToObject(o, "scheduled", (double)sim_sched_pending(s->sched));
		cJSON_AddStringToObject(o, "shortcode", s->cfg.shortcode);
		cJSON_AddStringToObject(o, "b2c_shortcode", s->cfg.b2c_shortcode);
	}
	ok_json(r, o);
}

/* ---- ledger ------------------------------------------------------------------------ */

struct ledger_walk {
	const char *shortcode;
	cJSON *arr;
};

static void add_account(const char *shortcode, const struct sim_accounts *a, void *arg)
{
	struct ledger_walk *w = arg;
	char balance[512];
	if (w->shortcode && strcmp(w->shortcode, shortcode) != 0)
		return;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "shortcode", shortcode);
	sim_json_add_cents(o, "working", a->working);
	sim_json_add_cents(o, "utility", a->utility);
	sim_json_add_cents(o, "charges", a->charges);
	sim_json_add_cents(o, "settlement", a->settlement);
	if (sim_balance_string(a, balance, sizeof balance))
		cJSON_AddStringToObject(o, "AccountBalance", balance);
	cJSON_AddItemToArray(w->arr, o);
}

static bool add_txn(const struct sim_txn *t, void *arg)
{
	struct ledger_walk *w = arg;
	char initiated[26], completed[26];
	if (w->shortcode && strcmp(w->shortcode, t->shortcode) != 0)
		return true;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return false;
	clock_iso8601_eat((time_t)(t->initiated_ms / 1000), initiated);
	clock_iso8601_eat((time_t)(t->completed_ms / 1000), completed);
	cJSON_AddNumberToObject(o, "seq", (double)t->seq);
	cJSON_AddStringToObject(o, "kind", sim_txn_kind_name(t->kind));
	cJSON_AddStringToObject(o, "receipt", t->receipt);
	cJSON_AddStringToObject(o, "shortcode", t->shortcode);
	cJSON_AddStringToObject(o, "party_b", t->party_b);
	cJSON_AddStringToObject(o, "msisdn", t->msisdn);
	cJSON_AddStringToObject(o, "command", t->command);
	cJSON_AddStringToObject(o, "bill_ref", t->bill_ref);
	cJSON_AddNumberToObject(o, "amount", (double)t->amount);
	sim_json_add_cents(o, "fee", t->fee_cents);
	cJSON_AddStringToObject(o, "initiated", initiated);
	cJSON_AddStringToObject(o, "completed", completed);
	cJSON_AddStringToObject(o, "conversation_id", t->conversation_id);
	cJSON_AddStringToObject(o, "originator_id", t->originator_id);
	cJSON_AddStringToObject(o, "original_receipt", t->original_receipt);
	cJSON_AddBoolToObject(o, "reversed", t->reversed);
	cJSON_AddStringToObject(o, "reversed_by", t->reversed_by);
	cJSON_AddItemToArray(w->arr, o);
	return true;
}

static void ledger(struct sim_req *r)
{
	char shortcode[16];
	bool filter = sim_req_query(r, "shortcode", shortcode, sizeof shortcode);
	cJSON *o = cJSON_CreateObject();
	cJSON *accounts = o ? cJSON_AddArrayToObject(o, "accounts") : NULL;
	cJSON *txns = o ? cJSON_AddArrayToObject(o, "transactions") : NULL;
	if (accounts && txns) {
		struct ledger_walk w = {filter ? shortcode : NULL, accounts};
		sim_ledger_each_account(r->sim->ledger, add_account, &w);
		w.arr = txns;
		sim_ledger_each(r->sim->ledger, add_txn, &w);
	}
	ok_json(r, o);
}

/* ---- logs ---------------------------------------------------------------------------- */

static void journal(struct sim_req *r, struct sim_journal *j, const char *key_var,
                    const char *member)
{
	char key[2100], contains[256], since[24], limit[24];
	uint64_t v;
	struct sim_journal_filter f = {0};
	if (sim_req_query(r, key_var, key, sizeof key))
		f.key = key;
	if (sim_req_query(r, "contains", contains, sizeof contains))
		f.contains = contains;
	if (sim_req_query(r, "since", since, sizeof since) &&
	    parse_u64_str(since, UINT64_MAX, &v) == POS_OK)
		f.since = v;
	if (sim_req_query(r, "limit", limit, sizeof limit) &&
	    parse_u64_str(limit, 10000000, &v) == POS_OK)
		f.limit = (size_t)v;

	struct buf b;
	buf_init(&b, LIST_MAX);
	enum pos_status st = buf_printf(&b, "{\"count\":%zu,\"%s\":",
	                                sim_journal_count(j, &f), member);
	if (st == POS_OK)
		st = sim_journal_list(j, &f, &b);
	if (st == POS_OK)
		st = buf_puts(&b, "}");
	if (st != POS_OK) {
		buf_release(&b);
		admin_error(r, 500, "the log is too large to list: use since= or limit=");
		return;
	}
	sim_reply_text(r, 200, "application/json", b.data);
}

/* ---- faults, reset, tokens --------------------------------------------------------------- */

static void faults(struct sim_req *r)
{
	if (strcmp(r->method, "POST") == 0) {
		struct pos_err err;
		if (sim_faults_apply_json(&r->sim->faults, r->body, &err) != POS_OK) {
			admin_error(r, 400, err.msg);
			return;
		}
	}
	ok_json(r, sim_faults_to_json(&r->sim->faults));
}

static void reset(struct sim_req *r)
{
	sim_reset(r->sim);
	cJSON *o = cJSON_CreateObject();
	if (o)
		cJSON_AddBoolToObject(o, "ok", true);
	ok_json(r, o);
}

static void expire_tokens(struct sim_req *r)
{
	sim_tokens_expire_all(r->sim->tokens);
	cJSON *o = cJSON_CreateObject();
	if (o)
		cJSON_AddBoolToObject(o, "ok", true);
	ok_json(r, o);
}

/* ---- a customer pays ----------------------------------------------------------------------- */

static void c2b_pay(struct sim_req *r)
{
	char msisdn[32], shortcode[32], bill_ref[128], type[16] = "paybill";
	char trans_id[SIM_ID_MAX];
	int64_t amount = 0;
	struct pos_err err;
	sim_json_text(r->body, "msisdn", msisdn, sizeof msisdn);
	sim_json_text(r->body, "shortcode", shortcode, sizeof shortcode);
	sim_json_text(r->body, "bill_ref", bill_ref, sizeof bill_ref);
	if (sim_json_text(r->body, "type", type, sizeof type) == SIM_J_MISSING)
		str_copy(type, sizeof type, "paybill");
	if (!shortcode[0])
		str_copy(shortcode, sizeof shortcode, r->sim->cfg.shortcode);
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r->body, "amount");
	if (!sim_valid_amount_item(a, &amount)) {
		admin_error(r, 400, "amount must be a whole number of shillings >= 1");
		return;
	}
	if (strcmp(type, "paybill") != 0 && strcmp(type, "till") != 0) {
		admin_error(r, 400, "type must be \"paybill\" or \"till\"");
		return;
	}
	if (sim_c2b_pay(r->sim, shortcode, msisdn, amount, bill_ref,
	                strcmp(type, "till") == 0, trans_id, &err) != POS_OK) {
		admin_error(r, 400, err.msg);
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddStringToObject(o, "TransID", trans_id);
		cJSON_AddStringToObject(o, "shortcode", shortcode);
	}
	ok_json(r, o);
}

static void cert(struct sim_req *r)
{
	FILE *f = fopen(r->sim->cfg.cert, "r");
	if (!f) {
		char msg[1200];
		str_fmt(msg, sizeof msg, "cannot read the certificate %s: %s", r->sim->cfg.cert,
		        strerror(errno));
		admin_error(r, 404, msg);
		return;
	}
	char *pem = malloc(CERT_MAX + 1);
	size_t n = pem ? fread(pem, 1, CERT_MAX, f) : 0;
	fclose(f);
	if (!pem) {
		admin_error(r, 500, "out of memory");
		return;
	}
	pem[n] = '\0';
	sim_reply_text(r, 200, "application/x-pem-file", pem);
}

struct admin_route {
	const char *method, *path;
	void (*fn)(struct sim_req *r);
};

static void requests(struct sim_req *r)
{
	journal(r, r->sim->requests, "path", "requests");
}

static void callbacks(struct sim_req *r)
{
	journal(r, r->sim->callbacks, "url", "callbacks");
}

static const struct admin_route admin_routes[] = {
	{"GET", "/__sim/health", health},
	{"GET", "/__sim/ledger", ledger},
	{"GET", "/__sim/requests", requests},
	{"GET", "/__sim/callbacks", callbacks},
	{"GET", "/__sim/faults", faults},
	{"POST", "/__sim/faults", faults},
	{"POST", "/__sim/reset", reset},
	{"POST", "/__sim/c2b/pay", c2b_pay},
	{"POST", "/__sim/tokens/expire", expire_tokens},
	{"GET", "/__sim/cert", cert},
};

void sim_admin_handle(struct sim_req *r)
{
	bool path_known = false;
	for (size_t i = 0; i < sizeof admin_routes / sizeof admin_routes[0]; i++) {
		if (strcmp(admin_routes[i].path, r->path) != 0)
			continue;
		path_known = true;
		if (strcmp(admin_routes[i].method, r->method) == 0) {
			if (!r->body)
				r->body = cJSON_CreateObject();
			admin_routes[i].fn(r);
			return;
		}
	}
	if (path_known)
		admin_error(r, 405, "method not allowed on this path");
	else
		admin_error(r, 404, "no such admin endpoint; see docs/daraja-sim.md");
}
