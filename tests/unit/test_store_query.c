/* tests/unit/test_store_query.c: store/ — keyset history across pages with
 * ties, filters and search, the query plan of every filter shape, the
 * reconciliation list, and the day-end report against hand-computed sums. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/txn.h"
#include "store/store.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1741935600             /* 2025-03-14 10:00:00 EAT */
#define MIDNIGHT (T0 - 10 * 3600) /* 2025-03-14 00:00:00 EAT */
#define HASH "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	if (!f)
		return -1;
	str_copy(f->dir, sizeof f->dir, "/tmp/store-q-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->path, sizeof f->path, "%s/ledger.db", f->dir);
	clock_set_fixed(T0);
	if (store_open(f->path, NULL, &f->st, &err) != POS_OK)
		return -1;
	for (int64_t id = 1; id <= 2; id++) {
		struct store_operator op = {.id = id, .name = "Op", .role = "cashier"};
		str_copy(op.pin_hash, sizeof op.pin_hash, HASH);
		if (store_operator_add(f->st, &op, NULL, &err) != POS_OK)
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm"};
	char p[160];
	store_close(f->st);
	for (size_t i = 0; i < N_ELEMS(files); i++) {
		str_fmt(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(f->dir), 0);
	clock_set_fixed(-1);
	free(f);
	return 0;
}

struct spec {
	time_t at;
	enum txn_kind kind;
	enum txn_state state; /* reached through legal moves */
	int64_t amount;
	int64_t op;
	const char *till;
	const char *msisdn;
	const char *receipt;
	const char *ref;
};

/* The moves from created to s for kind k (system moves only, and the
 * supervisor's close for unresolved ones). */
static void reach(struct store *st, const struct store_txn *t, enum txn_state s,
                  const char *receipt)
{
	static const enum txn_state via_awaiting[] = {TXN_SENT, TXN_AWAITING};
	struct pos_err err;
	struct store_txn_change ch = {.actor = TXN_BY_SYSTEM};
	if (s == TXN_CREATED)
		return;
	if (t->kind == TXN_KIND_CASH || t->kind == TXN_KIND_C2B) {
		ch.to = s;
		ch.set.receipt = receipt;
		assert_int_equal(store_txn_transition(st, t->id, &ch, NULL, &err), POS_OK);
		return;
	}
	for (size_t i = 0; i < N_ELEMS(via_awaiting); i++) {
		ch.to = via_awaiting[i];
		assert_int_equal(store_txn_transition(st, t->id, &ch, NULL, &err), POS_OK);
		if (s == via_awaiting[i])
			return;
	}
	ch.to = s;
	ch.set.receipt = receipt;
	assert_int_equal(store_txn_transition(st, t->id, &ch, NULL, &err), POS_OK);
}

static struct store_txn make(struct store *st, const struct spec *s)
{
	struct store_txn t;
	struct pos_err err;
	clock_set_fixed(s->at);
	const struct store_txn_new in = {
		.kind = s->kind, .amount_minor = s->amount, .operator_id = s->op,
		.till_id = s->till, .msisdn = s->msisdn, .account_reference = s->ref,
	};
	assert_int_equal(store_txn_create(st, &in, &t, &err), POS_OK);
	reach(st, &t, s->state, s->receipt);
	assert_int_equal(store_txn_get(st, t.id, &t, &err), POS_OK);
	clock_set_fixed(T0);
	return t;
}

/* ---- keyset pages ---------------------------------------------------------------- */

static void test_pages_with_ties(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	enum { N = 45, PAGE = 7 };
	int64_t seen[N + 8];
	size_t total = 0, n;
	struct store_txn rows[PAGE];
	struct store_cursor cur = {0, 0}, next;
	bool more = true;
	/* 25 share one second, 10 a second later, 10 a second earlier,
	 * created in a mixed order. */
	for (int i = 0; i < N; i++) {
		time_t at = T0 + (i % 9 == 0 ? 1 : i % 9 == 1 ? -1 : 0);
		const struct spec s = {.at = at, .kind = TXN_KIND_STK, .amount = 100 + i};
		(void)make(f->st, &s);
	}
	int pages = 0;
	while (more) {
		assert_int_equal(store_txn_history(f->st, NULL, total ? &cur : NULL, rows, PAGE, &n,
		                                   &next, &more, &err), POS_OK);
		pages++;
		for (size_t i = 0; i < n; i++) {
			if (total > 0) {
				int64_t pa = total ? seen[total - 1] : 0;
				struct store_txn prev;
				assert_int_equal(store_txn_get(f->st, pa, &prev, &err), POS_OK);
				/* strictly older than the row before */
				assert_true(rows[i].created_at < prev.created_at ||
				            (rows[i].created_at == prev.created_at && rows[i].id < prev.id));
			}
			seen[total++] = rows[i].id;
			assert_true(total <= N);
		}
		cur = next;
		/* A new sale arriving between pages never disturbs the pages. */
		if (pages == 2) {
			const struct spec s = {.at = T0 + 5, .kind = TXN_KIND_CASH, .amount = 1};
			(void)make(f->st, &s);
		}
	}
	assert_int_equal(total, N);
	assert_int_equal(pages, (N + PAGE - 1) / PAGE);
	for (size_t i = 0; i < total; i++)
		for (size_t j = i + 1; j < total; j++)
			assert_true(seen[i] != seen[j]);
	/* An exact page boundary: more is false on the last full page. */
	assert_int_equal(store_txn_history(f->st, NULL, NULL, rows, 1, &n, &next, &more, &err), POS_OK);
	assert_true(more);
	assert_int_equal(store_txn_history(f->st, NULL, NULL, rows, 0, &n, &next, &more, &err),
	                 POS_E_RANGE);
}

/* ---- filters and search ------------------------------------------------------------ */

static size_t count(struct store *st, const struct store_filter *flt)
{
	struct store_txn rows[64];
	size_t n;
	bool more;
	struct store_cursor next;
	struct pos_err err;
	assert_int_equal(store_txn_history(st, flt, NULL, rows, N_ELEMS(rows), &n, &next, &more,
	                                   &err), POS_OK);
	assert_false(more);
	for (size_t i = 1; i < n; i++)
		assert_true(rows[i].created_at < rows[i - 1].created_at ||
		            (rows[i].created_at == rows[i - 1].created_at && rows[i].id < rows[i - 1].id));
	return n;
}

static void test_filters_and_search(void **state)
{
	struct fx *f = *state;
	const struct spec specs[] = {
		{T0 - 7200, TXN_KIND_STK, TXN_COMPLETED, 10000, 1, "till-1", "254712345678", "TCE4XQ7B2M", "T1"},
		{T0 - 3600, TXN_KIND_STK, TXN_FAILED, 5000, 1, "till-1", "254712345678", NULL, "T2"},
		{T0 - 3600, TXN_KIND_STK, TXN_AWAITING, 7000, 2, "till-2", "254799999999", NULL, "T3"},
		{T0, TXN_KIND_B2C, TXN_COMPLETED, 100000, 2, "till-2", "254712345678", "TCE81HAY6Q", NULL},
		{T0, TXN_KIND_C2B, TXN_COMPLETED, 50000, 0, "till-1", NULL, "TCE5KD81PA", "INV-2041"},
		{T0 + 60, TXN_KIND_CASH, TXN_COMPLETED, 3000, 1, "till-1", NULL, NULL, "T1"},
	};
	struct store_txn made[N_ELEMS(specs)];
	for (size_t i = 0; i < N_ELEMS(specs); i++)
		made[i] = make(f->st, &specs[i]);
	const struct {
		struct store_filter flt;
		size_t want;
	} cases[] = {
		{{0}, 6},
		{{.has_kind = true, .kind = TXN_KIND_STK}, 3},
		{{.has_state = true, .state = TXN_COMPLETED}, 4},
		{{.has_kind = true, .kind = TXN_KIND_STK, .has_state = true, .state = TXN_COMPLETED}, 1},
		{{.operator_id = 1}, 3},
		{{.operator_id = 2, .has_kind = true, .kind = TXN_KIND_B2C}, 1},
		{{.till_id = "till-2"}, 2},
		{{.from_ms = (int64_t)(T0 - 3600) * 1000}, 5},
		{{.from_ms = (int64_t)(T0 - 3600) * 1000, .to_ms = (int64_t)T0 * 1000}, 2},
		{{.to_ms = (int64_t)T0 * 1000}, 3},
		{{.msisdn = "254712345678"}, 3},
		{{.msisdn = "254712345678", .has_kind = true, .kind = TXN_KIND_STK}, 2},
		{{.receipt = "TCE5KD81PA"}, 1},
		{{.receipt = "tce5kd81pa"}, 0}, /* exact: the caller upper-cases */
		{{.reference = "T1"}, 2},
		{{.reference = "T1", .till_id = "till-1", .operator_id = 1}, 2},
		{{.public_id = made[3].public_id}, 1},
		{{.msisdn = "0712345678"}, 0},
		{{.msisdn = "Ünïcødé"}, 0},
		{{.reference = "'; DROP TABLE txn; --"}, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		print_message("# filter case %zu\n", i);
		assert_int_equal(count(f->st, &cases[i].flt), cases[i].want);
	}
	/* Refused filters. */
	struct store_txn rows[2];
	size_t n;
	bool more;
	struct store_cursor next;
	struct pos_err err;
	char long_phone[40];
	memset(long_phone, '7', sizeof long_phone - 1);
	long_phone[sizeof long_phone - 1] = '\0';
	const struct store_filter bad[] = {
		{.has_kind = true, .kind = (enum txn_kind)42},
		{.has_state = true, .state = (enum txn_state)42},
		{.from_ms = 10, .to_ms = 5},
		{.msisdn = long_phone},
		{.receipt = "\xff\xfe"},
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_int_not_equal(store_txn_history(f->st, &bad[i], NULL, rows, 2, &n, &next, &more,
		                                       &err), POS_OK);
}

/* ---- query plans ------------------------------------------------------------------------ */

static void test_every_shape_uses_an_index(void **state)
{
	struct fx *f = *state;
	const struct {
		struct store_filter flt;
		const char *index;
	} shapes[] = {
		{{0}, "txn_created"},
		{{.from_ms = 1, .to_ms = 2}, "txn_created"},
		{{.has_kind = true, .kind = TXN_KIND_STK}, "txn_kind"},
		{{.has_state = true, .state = TXN_AWAITING}, "txn_state"},
		{{.operator_id = 1}, "txn_operator"},
		{{.till_id = "till-1"}, "txn_till"},
		{{.msisdn = "254712345678"}, "txn_msisdn"},
		{{.receipt = "TCE4XQ7B2M"}, "txn_receipt"},
		{{.reference = "INV-2041"}, "txn_reference"},
		{{.public_id = "T000001Y"}, "public_id"},
		{{.has_kind = true, .kind = TXN_KIND_STK, .has_state = true, .state = TXN_FAILED}, "txn_state"},
		{{.has_kind = true, .kind = TXN_KIND_STK, .operator_id = 1, .from_ms = 1, .to_ms = 2},
		 "txn_operator"},
		{{.msisdn = "254712345678", .has_kind = true, .kind = TXN_KIND_STK, .till_id = "t"},
		 "txn_msisdn"},
	};
	char plan[1024];
	struct pos_err err;
	for (size_t i = 0; i < N_ELEMS(shapes); i++) {
		assert_int_equal(store_debug_explain_history(f->st, &shapes[i].flt, plan, sizeof plan,
		                                             &err), POS_OK);
		print_message("# shape %zu: %s", i, plan);
		assert_non_null(strstr(plan, "INDEX"));
		assert_non_null(strstr(plan, shapes[i].index));
		/* Never a sort of the whole result: pages stop early. */
		assert_null(strstr(plan, "TEMP B-TREE"));
	}
	assert_int_equal(store_debug_explain_history(f->st, NULL, plan, 1, &err), POS_E_RANGE);
}

/* ---- reconciliation list --------------------------------------------------------------- */

static void test_list_open(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store_txn rows[16];
	size_t n;
	const struct spec specs[] = {
		{T0, TXN_KIND_STK, TXN_COMPLETED, 100, 0, NULL, NULL, "TCE4XQ7B2M", NULL},
		{T0, TXN_KIND_STK, TXN_AWAITING, 100, 0, NULL, NULL, NULL, NULL},
		{T0, TXN_KIND_STK, TXN_SENT, 100, 0, NULL, NULL, NULL, NULL},
		{T0, TXN_KIND_B2C, TXN_UNKNOWN, 100, 0, NULL, NULL, NULL, NULL},
		{T0, TXN_KIND_STK, TXN_FAILED, 100, 0, NULL, NULL, NULL, NULL},
	};
	struct store_txn t[N_ELEMS(specs)];
	for (size_t i = 0; i < N_ELEMS(specs); i++)
		t[i] = make(f->st, &specs[i]);
	/* awaiting: due later; sent: due now; unknown: never scheduled. */
	assert_int_equal(store_txn_schedule(f->st, t[1].id, 1, 9000, &err), POS_OK);
	assert_int_equal(store_txn_schedule(f->st, t[2].id, 2, 5000, &err), POS_OK);
	assert_int_equal(store_txn_list_open(f->st, 0, rows, 16, &n, &err), POS_OK);
	assert_int_equal(n, 3);
	assert_true(rows[0].id == t[3].id); /* unscheduled first */
	assert_true(rows[1].id == t[2].id);
	assert_true(rows[2].id == t[1].id);
	assert_int_equal(rows[2].attempts, 1);
	assert_int_equal(store_txn_list_open(f->st, 6000, rows, 16, &n, &err), POS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_txn_list_open(f->st, 0, rows, 1, &n, &err), POS_OK);
	assert_int_equal(n, 1);
}

/* ---- day-end report ---------------------------------------------------------------------- */

static void test_day_report(void **state)
{
	struct fx *f = *state;
	struct store_day_report rep;
	struct pos_err err;
	const struct spec specs[] = {
		/* the day before and the day after, in Nairobi: not counted */
		{MIDNIGHT - 1, TXN_KIND_STK, TXN_COMPLETED, 99900, 1, "till-1", NULL, "R0", NULL},
		{MIDNIGHT + 86400, TXN_KIND_STK, TXN_COMPLETED, 99900, 1, "till-1", NULL, "R9", NULL},
		/* 2025-03-14 */
		{MIDNIGHT, TXN_KIND_STK, TXN_COMPLETED, 10000, 1, "till-1", NULL, "R1", NULL},
		{T0, TXN_KIND_STK, TXN_COMPLETED, 25000, 2, "till-2", NULL, "R2", NULL},
		{T0, TXN_KIND_STK, TXN_FAILED, 5000, 1, "till-1", NULL, NULL, NULL},
		{T0, TXN_KIND_STK, TXN_AWAITING, 7000, 1, "till-1", NULL, NULL, NULL},
		{T0, TXN_KIND_STK, TXN_UNKNOWN, 2000, 2, "till-2", NULL, NULL, NULL},
		{T0, TXN_KIND_B2C, TXN_COMPLETED, 100000, 2, "till-2", NULL, "R3", NULL},
		{T0, TXN_KIND_C2B, TXN_COMPLETED, 50000, 0, "till-1", NULL, "R4", NULL},
		{T0, TXN_KIND_CASH, TXN_COMPLETED, 3000, 1, "till-1", NULL, NULL, NULL},
		{T0, TXN_KIND_REVERSAL, TXN_COMPLETED, 10000, 2, "till-2", NULL, "R5", NULL},
		{MIDNIGHT + 86399, TXN_KIND_STK, TXN_COMPLETED, 1000, 1, "till-1", NULL, "R6", NULL},
	};
	for (size_t i = 0; i < N_ELEMS(specs); i++)
		(void)make(f->st, &specs[i]);
	/* Two orphan callbacks that day, one the day before. */
	for (int i = 0; i < 3; i++) {
		struct store_cb_result res;
		char co[16];
		str_fmt(co, sizeof co, "ws_CO_o%d", i);
		const struct store_callback cb = {
			.route = "stk", .checkout_request_id = co, .to = TXN_COMPLETED,
			.received_at = (int64_t)(i == 2 ? MIDNIGHT - 5 : T0) * 1000,
		};
		assert_int_equal(store_callback_apply(f->st, &cb, &res, &err), POS_OK);
		assert_int_equal(res.outcome, STORE_CB_ORPHAN);
	}

	assert_int_equal(store_report_day(f->st, "2025-03-14", NULL, &rep, &err), POS_OK);
	assert_string_equal(rep.date, "2025-03-14");
	assert_true(rep.from_ms == (int64_t)MIDNIGHT * 1000);
	assert_true(rep.by_kind[TXN_KIND_STK].count == 6);
	assert_true(rep.by_kind[TXN_KIND_STK].sum_minor == 10000 + 25000 + 5000 + 7000 + 2000 + 1000);
	assert_true(rep.by_kind[TXN_KIND_B2C].count == 1);
	assert_true(rep.by_state[TXN_COMPLETED].count == 7);
	assert_true(rep.by_state[TXN_COMPLETED].sum_minor ==
	            10000 + 25000 + 100000 + 50000 + 3000 + 10000 + 1000);
	assert_true(rep.by_state[TXN_FAILED].count == 1);
	assert_true(rep.paid_in_minor == 10000 + 25000 + 1000 + 50000 + 3000);
	assert_true(rep.paid_out_minor == 100000 + 10000);
	assert_true(rep.open_count == 2);
	assert_true(rep.doubtful_count == 1);
	assert_true(rep.orphan_callbacks == 2);
	assert_true(rep.conflict_callbacks == 0);
	/* Per operator: operator 1's completed STK sales. */
	int64_t op1_stk = 0, system_rows = 0;
	for (size_t i = 0; i < rep.n_rows; i++) {
		const struct store_day_row *r = &rep.rows[i];
		if (r->operator_id == 1 && r->kind == TXN_KIND_STK && r->state == TXN_COMPLETED)
			op1_stk += r->total.sum_minor;
		system_rows += r->operator_id == 0;
	}
	assert_true(op1_stk == 11000);
	assert_true(system_rows == 1); /* the C2B payment */
	store_day_report_release(&rep);

	/* One till only. */
	assert_int_equal(store_report_day(f->st, "2025-03-14", "till-2", &rep, &err), POS_OK);
	assert_true(rep.by_state[TXN_COMPLETED].count == 3);
	assert_true(rep.paid_in_minor == 25000);
	assert_true(rep.paid_out_minor == 110000);
	assert_true(rep.open_count == 1);
	store_day_report_release(&rep);

	/* A quiet day, and hostile dates. */
	assert_int_equal(store_report_day(f->st, "2024-01-01", NULL, &rep, &err), POS_OK);
	assert_int_equal(rep.n_rows, 0);
	store_day_report_release(&rep);
	static const char *const bad[] = {"", "2025-3-14", "2025-02-30", "14/03/2025",
	                                  "2025-03-14T00:00", "yesterday", "2025-13-01"};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		assert_int_equal(store_report_day(f->st, bad[i], NULL, &rep, &err), POS_E_INVALID);
		assert_string_equal(err.field, "date");
	}
	assert_int_equal(store_report_day(f->st, NULL, NULL, &rep, &err), POS_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_pages_with_ties),
		T(test_filters_and_search),
		T(test_every_shape_uses_an_index),
		T(test_list_open),
		T(test_day_report),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
