/* tests/unit/test_store_idem.c: the local API's idempotency keys
 * (store/store.h, schema step 2): reserved per operator, bound once to a
 * transaction, released only while unbound, refused when malformed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/txn.h"
#include "store/store.h"

#define HASH "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
#define REQ_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define REQ_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
	int64_t txn_id;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	struct store_txn t;
	if (!f)
		return -1;
	str_copy(f->dir, sizeof f->dir, "/tmp/store-idem-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->path, sizeof f->path, "%s/ledger.db", f->dir);
	if (store_open(f->path, NULL, &f->st, &err) != POS_OK)
		return -1;
	for (int64_t id = 1; id <= 2; id++) {
		struct store_operator op = {.id = id};
		str_copy(op.name, sizeof op.name, "Op");
		str_copy(op.role, sizeof op.role, "supervisor");
		str_copy(op.pin_hash, sizeof op.pin_hash, HASH);
		if (store_operator_add(f->st, &op, NULL, &err) != POS_OK)
			return -1;
	}
	struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = 1000,
	                           .msisdn = "254708374149", .operator_id = 1};
	if (store_txn_create(f->st, &in, &t, &err) != POS_OK)
		return -1;
	f->txn_id = t.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm",
	                                    "ledger.db-journal"};
	char p[160];
	store_close(f->st);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		str_fmt(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

static void test_reserve_bind_repeat(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store_idem row;
	assert_int_equal(store_idem_reserve(f->st, 1, "order-1", REQ_A, &row, &err), POS_OK);
	/* reserved, unbound: a repeat sees txn_id 0 */
	assert_int_equal(store_idem_reserve(f->st, 1, "order-1", REQ_A, &row, &err),
	                 POS_E_DUPLICATE);
	assert_string_equal(err.field, "Idempotency-Key");
	assert_int_equal(row.txn_id, 0);
	assert_int_equal(store_idem_bind(f->st, 1, "order-1", f->txn_id, &err), POS_OK);
	memset(&row, 0, sizeof row);
	assert_int_equal(store_idem_reserve(f->st, 1, "order-1", REQ_B, &row, &err),
	                 POS_E_DUPLICATE);
	assert_int_equal(row.txn_id, f->txn_id);
	assert_string_equal(row.request_sha256, REQ_A);   /* the first request's */
	assert_string_equal(row.key, "order-1");
	/* bound once: never again, never released */
	assert_int_equal(store_idem_bind(f->st, 1, "order-1", f->txn_id, &err), POS_E_NOT_FOUND);
	assert_int_equal(store_idem_release(f->st, 1, "order-1", &err), POS_OK);
	assert_int_equal(store_idem_reserve(f->st, 1, "order-1", REQ_A, &row, &err),
	                 POS_E_DUPLICATE);
	assert_int_equal(row.txn_id, f->txn_id);
	/* another operator has keys of their own */
	assert_int_equal(store_idem_reserve(f->st, 2, "order-1", REQ_B, &row, &err), POS_OK);
}

static void test_release(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	assert_int_equal(store_idem_reserve(f->st, 1, "k", REQ_A, NULL, &err), POS_OK);
	assert_int_equal(store_idem_release(f->st, 1, "k", &err), POS_OK);
	assert_int_equal(store_idem_reserve(f->st, 1, "k", REQ_B, NULL, &err), POS_OK);
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	char long_key[80];
	memset(long_key, 'k', 65);
	long_key[65] = '\0';
	assert_int_equal(store_idem_reserve(f->st, 1, "", REQ_A, NULL, &err), POS_E_INVALID);
	assert_int_equal(store_idem_reserve(f->st, 1, NULL, REQ_A, NULL, &err), POS_E_INVALID);
	assert_int_equal(store_idem_reserve(f->st, 1, long_key, REQ_A, NULL, &err), POS_E_INVALID);
	long_key[64] = '\0';
	assert_int_equal(store_idem_reserve(f->st, 1, long_key, REQ_A, NULL, &err), POS_OK);
	assert_int_equal(store_idem_reserve(f->st, 1, "x", "not-hex", NULL, &err), POS_E_INVALID);
	/* the schema itself keeps a bound key: no UPDATE, no DELETE */
	assert_int_equal(store_idem_reserve(f->st, 1, "bound", REQ_A, NULL, &err), POS_OK);
	assert_int_equal(store_idem_bind(f->st, 1, "bound", f->txn_id, &err), POS_OK);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE api_idempotency SET request_sha256 = "
	                                      "'" REQ_B "' WHERE key = 'bound'", NULL, NULL, NULL),
	                     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM api_idempotency WHERE key = 'bound'",
	                                  NULL, NULL, NULL),
	                     SQLITE_OK);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reserve_bind_repeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
