/* sim/stk.c: M-Pesa Express (STK push and query). */
#include "sim/stk.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "sim/cred.h"
#include "sim/http.h"
#include "sim/json.h"
#include "sim/map.h"
#include "sim/result.h"
#include "sim/sim.h"

struct session {
	char checkout[SIM_ID_MAX];
	char merchant[SIM_ID_MAX];
	char shortcode[16], party_a[16], party_b[16], phone[16];
	char command[32];
	char account_ref[64];
	char *callback_url;
	int64_t amount;
	int64_t created_ms;
	const char *code, *desc; /* the customer's answer (static strings) */
	bool done;
	char receipt[SIM_ID_MAX];
};

struct sim_stk {
	struct sim *s;
	pthread_mutex_t mu;
	struct sim_map sessions; /* CheckoutRequestID -> session */
	struct sim_map locks;    /* PhoneNumber -> session with an open prompt */
	struct session **ring;   /* creation order, for forgetting the oldest */
	size_t cap, head, count;
};

struct outcome_job {
	struct sim_stk *k;
	char checkout[SIM_ID_MAX];
};

static const char MSG_OK[] = "Success. Request accepted for processing";

void sim_stk_scenario(const char *msisdn, const char **code, const char **desc)
{
	static const struct {
		const char *msisdn, *code, *desc;
	} table[] = {
		{"254700000001", "1", "The balance is insufficient for the transaction."},
		{"254111111111", "1", "The balance is insufficient for the transaction."},
		{"254700001032", "1032", "Request cancelled by user"},
		{"254333333333", "1032", "Request cancelled by user"},
		{"254700001037", "1037", "DS timeout user cannot be reached"},
		{"254222222222", "1037", "DS timeout user cannot be reached"},
		{"254700002001", "2001", "The initiator information is invalid."},
		{"254700001019", "1019", "Transaction has expired"},
		{"254700000003", "SFC_IC0003", "The operator does not exist."},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (strcmp(msisdn, table[i].msisdn) == 0) {
			*code = table[i].code;
			*desc = table[i].desc;
			return;
		}
	}
	*code = "0";
	*desc = "The service request is processed successfully.";
}

static void session_free(struct session *x)
{
	if (!x)
		return;
	free(x->callback_url);
	free(x);
}

struct sim_stk *sim_stk_new(struct sim *s, size_t max_sessions)
{
	struct sim_stk *k = calloc(1, sizeof *k);
	if (!k)
		return NULL;
	k->s = s;
	k->cap = max_sessions ? max_sessions : 1;
	k->ring = calloc(k->cap, sizeof *k->ring);
	if (!k->ring) {
		free(k);
		return NULL;
	}
	pthread_mutex_init(&k->mu, NULL);
	sim_map_init(&k->sessions);
	sim_map_init(&k->locks);
	return k;
}

static void clear_locked(struct sim_stk *k)
{
	for (size_t i = 0; i < k->count; i++)
		session_free(k->ring[(k->head + i) % k->cap]);
	k->head = k->count = 0;
	sim_map_clear(&k->sessions, NULL);
	sim_map_clear(&k->locks, NULL);
}

void sim_stk_free(struct sim_stk *k)
{
	if (!k)
		return;
	clear_locked(k);
	sim_map_release(&k->sessions, NULL);
	sim_map_release(&k->locks, NULL);
	pthread_mutex_destroy(&k->mu);
	free(k->ring);
	free(k);
}

void sim_stk_reset(struct sim_stk *k)
{
	pthread_mutex_lock(&k->mu);
	clear_locked(k);
	pthread_mutex_unlock(&k->mu);
}

static void unlock_subscriber_locked(struct sim_stk *k, struct session *x)
{
	if (sim_map_get(&k->locks, x->phone) == x)
		sim_map_remove(&k->locks, x->phone);
}

/* Remember x, forgetting the oldest session when full. */
static void keep_locked(struct sim_stk *k, struct session *x)
{
	if (k->count == k->cap) {
		struct session *old = k->ring[k->head];
		sim_map_remove(&k->sessions, old->checkout);
		unlock_subscriber_locked(k, old);
		session_free(old);
		k->head = (k->head + 1) % k->cap;
		k->count--;
	}
	k->ring[(k->head + k->count) % k->cap] = x;
	k->count++;
}

/* ---- the callback ----------------------------------------------------------------- */

static cJSON *callback_body(const struct session *x, int64_t done_ms)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *body = root ? cJSON_AddObjectToObject(root, "Body") : NULL;
	cJSON *cb = body ? cJSON_AddObjectToObject(body, "stkCallback") : NULL;
	if (!cb) {
		cJSON_Delete(root);
		return NULL;
	}
	cJSON_AddStringToObject(cb, "MerchantRequestID", x->merchant);
	cJSON_AddStringToObject(cb, "CheckoutRequestID", x->checkout);
	if (str_is_digits(x->code))
		sim_json_add_raw(cb, "ResultCode", x->code);
	else
		cJSON_AddStringToObject(cb, "ResultCode", x->code); /* SFC_IC0003 */
	cJSON_AddStringToObject(cb, "ResultDesc", x->desc);
	if (strcmp(x->code, "0") == 0) {
		char amount[32], when[16];
		snprintf(amount, sizeof amount, "%" PRId64 ".00", x->amount);
		sim_daraja_time(done_ms, when);
		cJSON *meta = cJSON_AddObjectToObject(cb, "CallbackMetadata");
		cJSON *items = meta ? cJSON_AddArrayToObject(meta, "Item") : NULL;
		if (items) {
			cJSON *i;
			i = cJSON_CreateObject();
			cJSON_AddStringToObject(i, "Name", "Amount");
			sim_json_add_raw(i, "Value", amount);
			cJSON_AddItemToArray(items, i);
			i = cJSON_CreateObject();
			cJSON_AddStringToObject(i, "Name", "MpesaReceiptNumber");
			cJSON_AddStringToObject(i, "Value", x->receipt);
			cJSON_AddItemToArray(items, i);
			i = cJSON_CreateObject();
			cJSON_AddStringToObject(i, "Name", "Balance");
			cJSON_AddItemToArray(items, i);
			i = cJSON_CreateObject();
			cJSON_AddStringToObject(i, "Name", "TransactionDate");
			sim_json_add_raw(i, "Value", when);
			cJSON_AddItemToArray(items, i);
			i = cJSON_CreateObject();
			cJSON_AddStringToObject(i, "Name", "PhoneNumber");
			sim_json_add_raw(i, "Value", x->phone);
			cJSON_AddItemToArray(items, i);
		}
	}
	return root;
}

static void outcome_due(void *p)
{
	struct outcome_job *job = p;
	struct sim_stk *k = job->k;
	struct sim *s = k->s;
	int64_t now = clock_now_ms();
	cJSON *body = NULL;
	char *url = NULL;

	pthread_mutex_lock(&k->mu);
	struct session *x = sim_map_get(&k->sessions, job->checkout);
	if (x && !x->done) {
		x->done = true;
		unlock_subscriber_locked(k, x);
		if (strcmp(x->code, "0") == 0) {
			struct sim_txn t;
			memset(&t, 0, sizeof t);
			t.kind = SIM_TXN_STK;
			sim_ids_receipt(&s->ids, (time_t)(now / 1000), x->receipt);
			str_copy(t.receipt, sizeof t.receipt, x->receipt);
			str_copy(t.shortcode, sizeof t.shortcode, x->shortcode);
			str_copy(t.party_b, sizeof t.party_b, x->party_b);
			str_copy(t.msisdn, sizeof t.msisdn, x->phone);
			str_copy(t.command, sizeof t.command, x->command);
			str_copy(t.bill_ref, sizeof t.bill_ref, x->account_ref);
			str_copy(t.originator_id, sizeof t.originator_id, x->merchant);
			t.amount = x->amount;
			t.initiated_ms = x->created_ms;
			t.completed_ms = now;
			if (sim_ledger_pay_in(s->ledger, &t, NULL) != SIM_MOVE_OK)
				log_warn("sim", "ledger full: STK %s paid but not booked", x->checkout);
		}
		body = callback_body(x, now);
		url = x->callback_url ? strdup(x->callback_url) : NULL;
	}
	char ref[SIM_ID_MAX];
	str_copy(ref, sizeof ref, job->checkout);
	pthread_mutex_unlock(&k->mu);
	free(job);

	if (body && url)
		sim_callback(s, SIM_API_STK, "stk", ref, url, body, 0);
	else
		cJSON_Delete(body);
	free(url);
}

/* ---- push ---------------------------------------------------------------------- */

void sim_stk_push(struct sim_req *r)
{
	struct sim *s = r->sim;
	struct sim_stk *k = s->stk;
	char shortcode[16], password[520], timestamp[16], type[32], party_a[16],
	     party_b[16], phone[16], url[2100], account[64];

	if (!sim_req_check(r, SIM_OP_STK_PUSH))
		return;
	sim_req_field(r, "BusinessShortCode", shortcode, sizeof shortcode);
	sim_req_field(r, "Password", password, sizeof password);
	sim_req_field(r, "Timestamp", timestamp, sizeof timestamp);
	sim_req_enum(r, "TransactionType", "CustomerPayBillOnline|CustomerBuyGoodsOnline",
	             type, sizeof type);
	sim_req_field(r, "PartyA", party_a, sizeof party_a);
	sim_req_field(r, "PartyB", party_b, sizeof party_b);
	sim_req_field(r, "PhoneNumber", phone, sizeof phone);
	sim_req_field(r, "CallBackURL", url, sizeof url);
	sim_req_field(r, "AccountReference", account, sizeof account);
	int64_t amount = sim_req_amount(r, "Amount");

	if (strcmp(shortcode, s->cfg.shortcode) != 0) {
		sim_reply_error(r, 500, "500.001.1001", "Merchant does not exist");
		sim_req_outcome(r, "rejected: unknown merchant");
		return;
	}
	if (!sim_stk_password_ok(shortcode, s->cfg.passkey, timestamp, password)) {
		sim_reply_error(r, 500, "500.001.1001", "Wrong credentials");
		sim_req_outcome(r, "rejected: wrong password");
		return;
	}

	struct session *x = calloc(1, sizeof *x);
	if (!x || !(x->callback_url = strdup(url))) {
		session_free(x);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	str_copy(x->shortcode, sizeof x->shortcode, shortcode);
	str_copy(x->party_a, sizeof x->party_a, party_a);
	str_copy(x->party_b, sizeof x->party_b, party_b);
	str_copy(x->phone, sizeof x->phone, phone);
	str_copy(x->command, sizeof x->command, type);
	str_copy(x->account_ref, sizeof x->account_ref, account);
	x->amount = amount;
	x->created_ms = r->t0_ms;
	sim_stk_scenario(phone, &x->code, &x->desc);

	/* The customer answers after the callback delay, unless the prompt has
	 * died first. */
	int64_t delay = (int64_t)s->cfg.callback_delay_ms;
	int64_t ttl = (int64_t)s->cfg.prompt_ttl_ms;
	if (strcmp(x->code, "1037") == 0 || delay > ttl) {
		x->code = "1037";
		x->desc = "DS timeout user cannot be reached";
		delay = ttl;
	}

	pthread_mutex_lock(&k->mu);
	if (sim_map_get(&k->locks, phone)) {
		pthread_mutex_unlock(&k->mu);
		session_free(x);
		sim_reply_error(r, 500, "500.001.1001",
		                "Unable to lock subscriber, a transaction is already in process "
		                "for the current subscriber");
		sim_req_outcome(r, "rejected: subscriber locked");
		return;
	}
	sim_ids_request(&s->ids, x->merchant);
	do
		sim_ids_checkout(&s->ids, (time_t)(r->t0_ms / 1000), phone, x->checkout);
	while (sim_map_get(&k->sessions, x->checkout));
	if (!sim_map_put(&k->sessions, x->checkout, x) ||
	    !sim_map_put(&k->locks, phone, x)) {
		sim_map_remove(&k->sessions, x->checkout);
		pthread_mutex_unlock(&k->mu);
		session_free(x);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	keep_locked(k, x);
	char merchant[SIM_ID_MAX], checkout[SIM_ID_MAX];
	str_copy(merchant, sizeof merchant, x->merchant);
	str_copy(checkout, sizeof checkout, x->checkout);
	pthread_mutex_unlock(&k->mu);

	struct outcome_job *job = malloc(sizeof *job);
	if (job) {
		job->k = k;
		str_copy(job->checkout, sizeof job->checkout, checkout);
		sim_sched_after(s->sched, delay, outcome_due, free, job);
	}

	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "MerchantRequestID", merchant);
		cJSON_AddStringToObject(o, "CheckoutRequestID", checkout);
		cJSON_AddStringToObject(o, "ResponseCode", "0");
		cJSON_AddStringToObject(o, "ResponseDescription", MSG_OK);
		cJSON_AddStringToObject(o, "CustomerMessage", MSG_OK);
	}
	sim_req_note(r, "MerchantRequestID", merchant);
	sim_req_note(r, "CheckoutRequestID", checkout);
	r->accepted = true;
	sim_req_outcome(r, "accepted");
	sim_reply_json(r, 200, o);
}

/* ---- query ---------------------------------------------------------------------- */

void sim_stk_query(struct sim_req *r)
{
	struct sim *s = r->sim;
	struct sim_stk *k = s->stk;
	char shortcode[16], password[520], timestamp[16], checkout[72];

	if (!sim_req_check(r, SIM_OP_STK_QUERY))
		return;
	sim_req_field(r, "BusinessShortCode", shortcode, sizeof shortcode);
	sim_req_field(r, "Password", password, sizeof password);
	sim_req_field(r, "Timestamp", timestamp, sizeof timestamp);
	sim_req_field(r, "CheckoutRequestID", checkout, sizeof checkout);

	if (strcmp(shortcode, s->cfg.shortcode) != 0) {
		sim_reply_error(r, 500, "500.001.1001", "Merchant does not exist");
		sim_req_outcome(r, "rejected: unknown merchant");
		return;
	}
	if (!sim_stk_password_ok(shortcode, s->cfg.passkey, timestamp, password)) {
		sim_reply_error(r, 500, "500.001.1001", "Wrong credentials");
		sim_req_outcome(r, "rejected: wrong password");
		return;
	}

	bool found = false, done = false;
	char merchant[SIM_ID_MAX] = "", code[16] = "", desc[96] = "";
	pthread_mutex_lock(&k->mu);
	struct session *x = sim_map_get(&k->sessions, checkout);
	if (x && strcmp(x->shortcode, shortcode) == 0) {
		found = true;
		done = x->done;
		str_copy(merchant, sizeof merchant, x->merchant);
		str_copy(code, sizeof code, x->code);
		str_copy(desc, sizeof desc, x->desc);
	}
	pthread_mutex_unlock(&k->mu);

	sim_req_note(r, "CheckoutRequestID", checkout);
	if (!found) {
		sim_reply_invalid(r, "CheckoutRequestID");
		return;
	}
	if (!done) {
		sim_reply_error_id(r, 500, checkout, "500.001.1001",
		                   "The transaction is being processed");
		sim_req_outcome(r, "pending");
		return;
	}
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "ResponseCode", "0");
		cJSON_AddStringToObject(o, "ResponseDescription",
		                        "The service request has been accepted successfully");
		cJSON_AddStringToObject(o, "MerchantRequestID", merchant);
		cJSON_AddStringToObject(o, "CheckoutRequestID", checkout);
		cJSON_AddStringToObject(o, "ResultCode", code);
		cJSON_AddStringToObject(o, "ResultDesc", desc);
	}
	sim_req_note(r, "ResultCode", code);
	sim_req_outcome(r, "final");
	sim_reply_json(r, 200, o);
}
