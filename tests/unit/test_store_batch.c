/* tests/unit/test_store_batch.c: store/batch.c — a batch and its rows
 * recorded in one database transaction (all or nothing), read back in row
 * order, kept off reconciliation's due list, confirmed by its creator or
 * approved by another, listed by status, found again by the file's SHA-256,
 * paused in the ledger and cancelled while running. */
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

#define T0 1741935600
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
	str_copy(f->dir, sizeof f->dir, "/tmp/store-b-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->path, sizeof f->path, "%s/ledger.db", f->dir);
	clock_set_fixed(T0);
	if (store_open(f->path, NULL, &f->st, &err) != POS_OK)
		return -1;
	for (int64_t id = 1; id <= 2; id++) {
		struct store_operator op = {.id = id, .name = "Op", .role = "supervisor"};
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
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		str_fmt(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static void rows_of(struct store_txn_new *in, char ids[][40], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		str_fmt(ids[i], 40, "00000000-0000-4000-8000-%012zu", i + 1);
		in[i] = (struct store_txn_new){.kind = TXN_KIND_B2C,
		                               .amount_minor = (int64_t)(i + 1) * 10000,
		                               .msisdn = "254708374149",
		                               .originator_conversation_id = ids[i],
		                               .operator_id = 1};
	}
}

static void test_recorded_whole(void **state)
{
	struct fx *f = *state;
	struct store_txn_new in[5];
	char ids[5][40];
	struct store_txn rows[8];
	struct store_batch b;
	struct pos_err err;
	int64_t id = 0;
	size_t n = 0;
	rows_of(in, ids, 5);
	assert_int_equal(store_batch_create_rows(f->st, "june.csv", "ab", 1, in, 5, &id, &err), POS_OK);
	assert_int_equal(store_batch_get(f->st, id, &b, &err), POS_OK);
	assert_int_equal(b.status, STORE_BATCH_DRAFT);
	assert_int_equal(b.row_count, 5);
	assert_int_equal(b.total_minor, 150000);
	/* Row order, paged. */
	assert_int_equal(store_batch_txns(f->st, id, 0, rows, 3, &n, &err), POS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(rows[0].batch_row, 1);
	assert_int_equal(rows[2].batch_row, 3);
	assert_int_equal(rows[0].state, TXN_CREATED);
	assert_int_equal(store_batch_txns(f->st, id, 3, rows, 8, &n, &err), POS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(rows[1].batch_row, 5);
	assert_int_equal(rows[1].amount_minor, 50000);
	/* Off reconciliation's due list, yet open. */
	assert_int_equal(store_txn_list_open(f->st, (int64_t)T0 * 1000 + 1000, rows, 8, &n, &err),
	                 POS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_txn_list_open(f->st, 0, rows, 8, &n, &err), POS_OK);
	assert_int_equal(n, 5);
}

static void test_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct store_txn_new in[3];
	char ids[3][40];
	struct store_txn rows[4];
	struct pos_err err;
	int64_t id = 0;
	size_t n = 9;
	rows_of(in, ids, 3);
	str_copy(ids[2], sizeof ids[2], ids[0]); /* a duplicate id: the third row fails */
	assert_int_not_equal(store_batch_create_rows(f->st, "bad.csv", NULL, 1, in, 3, &id, &err),
	                     POS_OK);
	assert_int_equal(store_txn_list_open(f->st, 0, rows, 4, &n, &err), POS_OK);
	assert_int_equal(n, 0);
	struct store_batch list[4];
	assert_int_equal(store_batch_list(f->st, STORE_BATCH_DRAFT, list, 4, &n, &err), POS_OK);
	assert_int_equal(n, 0);
	in[0].kind = TXN_KIND_STK;
	assert_int_equal(store_batch_create_rows(f->st, "x.csv", NULL, 1, in, 1, &id, &err),
	                 POS_E_INVALID);
	assert_int_equal(store_batch_create_rows(f->st, "x.csv", NULL, 1, in, 0, &id, &err),
	                 POS_E_EMPTY);
}

static void test_confirm_approve_list(void **state)
{
	struct fx *f = *state;
	struct store_txn_new in[2];
	char ids[2][40];
	struct store_batch b, list[4];
	struct pos_err err;
	int64_t a = 0, c = 0;
	size_t n = 0;
	rows_of(in, ids, 2);
	assert_int_equal(store_batch_create_rows(f->st, "a.csv", NULL, 1, in, 1, &a, &err), POS_OK);
	assert_int_equal(store_batch_create_rows(f->st, "c.csv", NULL, 1, in + 1, 1, &c, &err), POS_OK);
	assert_int_equal(store_batch_confirm(f->st, a, &err), POS_OK);
	assert_int_equal(store_batch_get(f->st, a, &b, &err), POS_OK);
	assert_int_equal(b.status, STORE_BATCH_APPROVED);
	assert_int_equal(b.approved_by, 0);
	assert_int_equal(store_batch_confirm(f->st, a, &err), POS_E_STATE);
	assert_int_equal(store_batch_approve(f->st, c, 1, &err), POS_E_DENIED);
	assert_int_equal(store_batch_approve(f->st, c, 2, &err), POS_OK);
	assert_int_equal(store_batch_set_status(f->st, c, STORE_BATCH_RUNNING, &err), POS_OK);
	assert_int_equal(store_batch_list(f->st, STORE_BATCH_RUNNING, list, 4, &n, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, c);
	assert_int_equal(list[0].approved_by, 2);
	assert_int_equal(store_batch_list(f->st, STORE_BATCH_APPROVED, list, 4, &n, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, a);
}

/* The same file found again unless its batch was cancelled; a running
 * batch paused and let go on in the ledger, then cancelled. */
static void test_find_pause_cancel(void **state)
{
	struct fx *f = *state;
	struct store_txn_new in[2];
	char ids[2][40];
	struct store_batch b;
	struct pos_err err;
	int64_t a = 0, c = 0;
	rows_of(in, ids, 2);
	assert_int_equal(store_batch_find_file(f->st, "abc", &b, &err), POS_E_NOT_FOUND);
	assert_int_equal(store_batch_create_rows(f->st, "a.csv", "abc", 1, in, 1, &a, &err), POS_OK);
	assert_int_equal(store_batch_create_rows(f->st, "a.csv", "abc", 1, in + 1, 1, &c, &err),
	                 POS_OK);
	assert_int_equal(store_batch_find_file(f->st, "abc", &b, &err), POS_OK);
	assert_int_equal(b.id, c);
	assert_int_equal(store_batch_set_status(f->st, c, STORE_BATCH_CANCELLED, &err), POS_OK);
	assert_int_equal(store_batch_find_file(f->st, "abc", &b, &err), POS_OK);
	assert_int_equal(b.id, a);
	/* Only a running batch pauses. */
	assert_int_equal(store_batch_pause(f->st, a, 2, &err), POS_E_STATE);
	assert_int_equal(store_batch_confirm(f->st, a, &err), POS_OK);
	assert_int_equal(store_batch_set_status(f->st, a, STORE_BATCH_RUNNING, &err), POS_OK);
	assert_int_equal(store_batch_pause(f->st, a, 2, &err), POS_OK);
	assert_int_equal(store_batch_get(f->st, a, &b, &err), POS_OK);
	assert_int_equal(b.status, STORE_BATCH_RUNNING);
	assert_int_equal(b.paused_by, 2);
	assert_int_equal(b.paused_at, (int64_t)T0 * 1000);
	assert_int_equal(store_batch_pause(f->st, a, 0, &err), POS_OK);
	assert_int_equal(store_batch_get(f->st, a, &b, &err), POS_OK);
	assert_int_equal(b.paused_at, 0);
	assert_int_equal(b.paused_by, 0);
	assert_int_equal(store_batch_pause(f->st, 99, 2, &err), POS_E_NOT_FOUND);
	assert_int_equal(store_batch_set_status(f->st, a, STORE_BATCH_CANCELLED, &err), POS_OK);
	assert_int_equal(store_batch_find_file(f->st, "abc", &b, &err), POS_E_NOT_FOUND);
	/* Cancelled after a row was sent: still the same file. */
	struct store_txn_new in2[2];
	char ids2[2][40];
	struct store_txn t, rows[2];
	size_t n = 0;
	int64_t d = 0;
	rows_of(in2, ids2, 2);
	str_copy(ids2[0], sizeof ids2[0], "00000000-0000-4000-8000-0000000000a1");
	str_copy(ids2[1], sizeof ids2[1], "00000000-0000-4000-8000-0000000000a2");
	assert_int_equal(store_batch_create_rows(f->st, "d.csv", "def", 1, in2, 2, &d, &err), POS_OK);
	assert_int_equal(store_batch_confirm(f->st, d, &err), POS_OK);
	assert_int_equal(store_batch_set_status(f->st, d, STORE_BATCH_RUNNING, &err), POS_OK);
	assert_int_equal(store_batch_txns(f->st, d, 0, rows, 2, &n, &err), POS_OK);
	const struct store_txn_change ch = {.check_from = true, .from = TXN_CREATED,
	                                    .to = TXN_SENT, .what = "request"};
	assert_int_equal(store_txn_transition(f->st, rows[0].id, &ch, &t, &err), POS_OK);
	assert_int_equal(store_batch_set_status(f->st, d, STORE_BATCH_CANCELLED, &err), POS_OK);
	assert_int_equal(store_batch_find_file(f->st, "def", &b, &err), POS_OK);
	assert_int_equal(b.id, d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_recorded_whole),
		T(test_all_or_nothing),
		T(test_confirm_approve_list),
		T(test_find_pause_cancel),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
