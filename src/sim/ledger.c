/* sim/ledger.c: accounts and completed transactions. */
#include "sim/ledger.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "sim/json.h"
#include "sim/map.h"

struct account_row {
	char shortcode[16];
	struct sim_accounts a;
};

struct sim_ledger {
	pthread_mutex_t mu;
	struct sim_ledger_opts opts;
	struct account_row *accounts;
	size_t naccounts;
	struct sim_map account_index; /* shortcode -> account_row index + 1 */
	struct sim_txn **ring;        /* oldest at head */
	size_t head, count;
	uint64_t seq;
	struct sim_map by_receipt;    /* receipt -> txn */
	struct sim_map by_origin;     /* originator id -> txn */
};

struct sim_ledger *sim_ledger_new(const struct sim_ledger_opts *opts)
{
	struct sim_ledger *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->opts = *opts;
	if (l->opts.max_transactions == 0)
		l->opts.max_transactions = 1;
	if (l->opts.max_shortcodes == 0)
		l->opts.max_shortcodes = 1;
	l->accounts = calloc(l->opts.max_shortcodes, sizeof *l->accounts);
	l->ring = calloc(l->opts.max_transactions, sizeof *l->ring);
	if (!l->accounts || !l->ring) {
		free(l->accounts);
		free(l->ring);
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	sim_map_init(&l->account_index);
	sim_map_init(&l->by_receipt);
	sim_map_init(&l->by_origin);
	return l;
}

static void clear_locked(struct sim_ledger *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->ring[(l->head + i) % l->opts.max_transactions]);
	l->head = l->count = 0;
	l->naccounts = 0;
	sim_map_clear(&l->account_index, NULL);
	sim_map_clear(&l->by_receipt, NULL);
	sim_map_clear(&l->by_origin, NULL);
}

void sim_ledger_free(struct sim_ledger *l)
{
	if (!l)
		return;
	clear_locked(l);
	sim_map_release(&l->account_index, NULL);
	sim_map_release(&l->by_receipt, NULL);
	sim_map_release(&l->by_origin, NULL);
	pthread_mutex_destroy(&l->mu);
	free(l->accounts);
	free(l->ring);
	free(l);
}

void sim_ledger_reset(struct sim_ledger *l)
{
	pthread_mutex_lock(&l->mu);
	clear_locked(l);
	pthread_mutex_unlock(&l->mu);
}

static struct sim_accounts *account_locked(struct sim_ledger *l, const char *sc)
{
	uintptr_t idx = (uintptr_t)sim_map_get(&l->account_index, sc);
	if (idx)
		return &l->accounts[idx - 1].a;
	if (l->naccounts == l->opts.max_shortcodes)
		return NULL;
	struct account_row *row = &l->accounts[l->naccounts];
	str_copy(row->shortcode, sizeof row->shortcode, sc);
	row->a.working = l->opts.working_opening;
	row->a.utility = l->opts.utility_opening;
	row->a.charges = 0;
	row->a.settlement = 0;
	if (!sim_map_put(&l->account_index, sc, (void *)(uintptr_t)(l->naccounts + 1)))
		return NULL;
	l->naccounts++;
	return &row->a;
}

bool sim_ledger_accounts(struct sim_ledger *l, const char *shortcode,
                         struct sim_accounts *out)
{
	pthread_mutex_lock(&l->mu);
	struct sim_accounts *a = account_locked(l, shortcode);
	if (a && out)
		*out = *a;
	pthread_mutex_unlock(&l->mu);
	return a != NULL;
}

static void unindex(struct sim_map *m, const char *key, const struct sim_txn *t)
{
	if (key[0] && sim_map_get(m, key) == t)
		sim_map_remove(m, key);
}

/* Store a copy of *t, forgetting the oldest when full. */
static void record_locked(struct sim_ledger *l, struct sim_txn *t)
{
	struct sim_txn *copy = malloc(sizeof *copy);
	t->seq = ++l->seq;
	if (!copy)
		return; /* the money moved; only the memory of it is lost */
	*copy = *t;
	size_t cap = l->opts.max_transactions;
	if (l->count == cap) {
		struct sim_txn *old = l->ring[l->head];
		unindex(&l->by_receipt, old->receipt, old);
		unindex(&l->by_origin, old->originator_id, old);
		free(old);
		l->head = (l->head + 1) % cap;
		l->count--;
	}
	l->ring[(l->head + l->count) % cap] = copy;
	l->count++;
	if (copy->receipt[0])
		sim_map_put(&l->by_receipt, copy->receipt, copy);
	if (copy->originator_id[0]) {
		/* the newest transaction answers for a shared originator id */
		sim_map_remove(&l->by_origin, copy->originator_id);
		sim_map_put(&l->by_origin, copy->originator_id, copy);
	}
}

enum sim_move sim_ledger_pay_in(struct sim_ledger *l, struct sim_txn *t,
                                struct sim_accounts *after)
{
	enum sim_move rc = SIM_MOVE_OK;
	pthread_mutex_lock(&l->mu);
	struct sim_accounts *a = account_locked(l, t->shortcode);
	if (!a) {
		rc = SIM_MOVE_FULL;
	} else {
		t->fee_cents = sim_fee_pay_in(t->amount);
		a->working += t->amount * 100;
		a->charges -= t->fee_cents;
		record_locked(l, t);
		if (after)
			*after = *a;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

enum sim_move sim_ledger_pay_out(struct sim_ledger *l, struct sim_txn *t,
                                 struct sim_accounts *after)
{
	enum sim_move rc = SIM_MOVE_OK;
	pthread_mutex_lock(&l->mu);
	struct sim_accounts *a = account_locked(l, t->shortcode);
	if (!a) {
		rc = SIM_MOVE_FULL;
	} else if (a->utility < t->amount * 100) {
		rc = SIM_MOVE_INSUFFICIENT;
		if (after)
			*after = *a;
	} else {
		t->fee_cents = sim_fee_pay_out(t->amount);
		a->utility -= t->amount * 100;
		a->charges -= t->fee_cents;
		record_locked(l, t);
		if (after)
			*after = *a;
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

enum sim_move sim_ledger_reverse(struct sim_ledger *l, struct sim_txn *t,
                                 struct sim_txn *orig, struct sim_accounts *after)
{
	enum sim_move rc = SIM_MOVE_OK;
	pthread_mutex_lock(&l->mu);
	struct sim_txn *o = sim_map_get(&l->by_receipt, t->original_receipt);
	struct sim_accounts *a = NULL;
	if (!o) {
		rc = SIM_MOVE_NOT_FOUND;
	} else if ((o->kind != SIM_TXN_STK && o->kind != SIM_TXN_C2B) ||
	           strcmp(o->shortcode, t->shortcode) != 0) {
		rc = SIM_MOVE_NOT_REVERSIBLE;
	} else if (o->reversed) {
		rc = SIM_MOVE_ALREADY;
	} else if (!(a = account_locked(l, o->shortcode))) {
		rc = SIM_MOVE_FULL;
	} else if (a->working < o->amount * 100) {
		rc = SIM_MOVE_INSUFFICIENT;
	} else {
		a->working -= o->amount * 100;
		t->amount = o->amount;
		t->fee_cents = 0;
		str_copy(t->msisdn, sizeof t->msisdn, o->msisdn);
		str_copy(t->party_b, sizeof t->party_b, o->party_b);
		str_copy(t->bill_ref, sizeof t->bill_ref, o->bill_ref);
		o->reversed = true;
		str_copy(o->reversed_by, sizeof o->reversed_by, t->receipt);
		record_locked(l, t);
	}
	if (o && orig)
		*orig = *o;
	if (a && after)
		*after = *a;
	pthread_mutex_unlock(&l->mu);
	return rc;
}

bool sim_ledger_find(struct sim_ledger *l, const char *id, struct sim_txn *out)
{
	pthread_mutex_lock(&l->mu);
	struct sim_txn *t = sim_map_get(&l->by_receipt, id);
	if (!t)
		t = sim_map_get(&l->by_origin, id);
	if (t && out)
		*out = *t;
	pthread_mutex_unlock(&l->mu);
	return t != NULL;
}

void sim_ledger_each(struct sim_ledger *l,
                     bool (*fn)(const struct sim_txn *t, void *arg), void *arg)
{
	pthread_mutex_lock(&l->mu);
	for (size_t i = 0; i < l->count; i++)
		if (!fn(l->ring[(l->head + i) % l->opts.max_transactions], arg))
			break;
	pthread_mutex_unlock(&l->mu);
}

void sim_ledger_each_account(struct sim_ledger *l,
                             void (*fn)(const char *shortcode,
                                        const struct sim_accounts *a, void *arg),
                             void *arg)
{
	pthread_mutex_lock(&l->mu);
	for (size_t i = 0; i < l->naccounts; i++)
		fn(l->accounts[i].shortcode, &l->accounts[i].a, arg);
	pthread_mutex_unlock(&l->mu);
}

/* ---- pure helpers ------------------------------------------------------------ */

int64_t sim_fee_pay_in(int64_t amount)
{
	if (amount <= 0)
		return 0;
	int64_t fee = (amount * 55 + 50) / 100; /* 0.55% in cents */
	return fee > 20000 ? 20000 : fee;
}

int64_t sim_fee_pay_out(int64_t amount)
{
	if (amount <= 100)
		return 0;
	if (amount <= 1000)
		return 1500;
	if (amount <= 10000)
		return 2200;
	return 3300;
}

bool sim_account_string(const char *name, int64_t cents, char *out, size_t outsz)
{
	char v[32];
	sim_fmt_cents(cents, v);
	return str_fmt(out, outsz, "%s|KES|%s|%s|0.00|0.00", name, v, v);
}

bool sim_balance_string(const struct sim_accounts *a, char *out, size_t outsz)
{
	char w[96], u[96], c[96], s[96];
	return sim_account_string("Working Account", a->working, w, sizeof w) &&
	       sim_account_string("Utility Account", a->utility, u, sizeof u) &&
	       sim_account_string("Charges Paid Account", a->charges, c, sizeof c) &&
	       sim_account_string("Organization Settlement Account", a->settlement, s,
	                          sizeof s) &&
	       str_fmt(out, outsz, "%s&%s&%s&%s", w, u, c, s);
}

void sim_customer_name(const char *msisdn, char *first, size_t firstsz,
                       char *last, size_t lastsz)
{
	static const char *const firsts[] = {"Jane", "Peter", "Mary", "James",
	                                     "Grace", "David", "Faith", "Brian"};
	static const char *const lasts[] = {"Wanjiru", "Otieno", "Achieng", "Kamau",
	                                    "Njeri", "Mwangi", "Chebet", "Kiprono"};
	if (strcmp(msisdn, "254708374149") == 0) {
		str_copy(first, firstsz, "John");
		str_copy(last, lastsz, "Doe");
		return;
	}
	unsigned h = 0;
	for (const char *p = msisdn; *p; p++)
		h = h * 31 + (unsigned char)*p;
	str_copy(first, firstsz, firsts[h % 8]);
	str_copy(last, lastsz, lasts[(h / 8) % 8]);
}

const char *sim_txn_kind_name(enum sim_txn_kind k)
{
	switch (k) {
	case SIM_TXN_STK: return "stk";
	case SIM_TXN_C2B: return "c2b";
	case SIM_TXN_B2C: return "b2c";
	case SIM_TXN_REVERSAL: return "reversal";
	}
	return "?";
}
