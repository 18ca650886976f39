/* tests/unit/test_app_c2b.c: app/c2b.h on a fresh ledger: the Nairobi day,
 * the feed with its totals and claims, unclaimed payments with the exact
 * amount first, claiming once (a second claim names who and when), roles,
 * the audit log, and a reversal refused without a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/c2b.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "test_app_fixture.h"

enum { NOW_S = 1741936500 }; /* 2025-03-14 10:15:00 in Nairobi */

static int64_t pay(struct app *a, const char *receipt, int64_t shillings, const char *ref)
{
	char body[128];
	str_fmt(body, sizeof body, "{\"TransID\":\"%s\"}", receipt);
	struct store_callback cb = {
		.route = "c2b/confirmation", .source = "127.0.0.1", .body = body,
		.body_len = strlen(body), .receipt = receipt, .to = TXN_COMPLETED,
		.result_code = "0", .result_desc = "Confirmed", .has_amount = true,
		.amount_minor = shillings * 100, .payer_name = "Mary", .creates_txn = true,
		.kind = TXN_KIND_C2B, .shortcode = "174379", .account_reference = ref,
		.till_id = "till-1",
	};
	struct store_cb_result res;
	struct pos_err err;
	assert_int_equal(store_callback_apply(app_store(a), &cb, &res, &err), POS_OK);
	assert_int_equal(res.outcome, STORE_CB_APPLIED);
	return res.txn_id;
}

static void add_op(struct app *a, int64_t id, const char *name, const char *role,
                   struct app_operator *out)
{
	struct store_operator o = {.id = id};
	str_copy(o.name, sizeof o.name, name);
	str_copy(o.role, sizeof o.role, role);
	assert_int_equal(crypto_pin_hash("2468", o.pin_hash, sizeof o.pin_hash), POS_OK);
	assert_int_equal(store_operator_add(app_store(a), &o, NULL, NULL), POS_OK);
	out->id = id;
	str_copy(out->name, sizeof out->name, name);
	assert_true(role_parse(role, &out->role));
}

static bool count_audit(const struct store_audit_row *row, void *ctx)
{
	int *n = ctx;
	if (str_eq(row->action, "c2b.claim") || str_eq(row->action, "c2b.claim.refused"))
		(*n)++;
	return true;
}

static void test_day_start(void **state)
{
	(void)state;
	static const struct {
		int64_t now_ms, want;
	} rows[] = {
		{1741936500000, 1741899600000}, /* 10:15 EAT -> 00:00 EAT (21:00Z before) */
		{1741899600000, 1741899600000}, /* midnight itself */
		{1741899599999, 1741813200000}, /* a millisecond before: the day before */
		{0, -10800000},                 /* 1970-01-01 03:00 EAT */
		{-1, -10800000},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_int_equal(app_c2b_day_start(rows[i].now_ms), rows[i].want);
}

static void test_feed_claim(void **state)
{
	(void)state;
	clock_set_fixed(NOW_S);
	struct app_fx *f = app_fx_open("[till]\nid = till-1\n", true);
	assert_non_null(f);
	struct app *a = f->app;
	struct app_operator ann, sam, nobody = {0};
	struct pos_err err;
	add_op(a, 2001, "Ann Cashier", "cashier", &ann);
	add_op(a, 2002, "Sam Supervisor", "supervisor", &sam);
	int64_t p700 = pay(a, "TCE0000001", 700, "OTHER");
	int64_t p500 = pay(a, "TCE0000002", 500, "INV-1");
	int64_t p500b = pay(a, "TCE0000003", 500, "INV-2");
	(void)p700;
	int64_t day = app_c2b_day_start(clock_now_ms());

	struct store_txn rows[8];
	size_t n, exact;
	assert_int_equal(app_c2b_unclaimed(a, &nobody, day, 0, rows, 8, &n, &exact, &err),
	                 POS_E_DENIED);
	assert_int_equal(app_c2b_unclaimed(a, &ann, day, 50000, rows, 8, &n, &exact, &err), POS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(exact, 2);
	assert_int_equal(rows[0].id, p500b); /* exact first, newest first */
	assert_int_equal(rows[1].id, p500);
	assert_int_equal(rows[2].amount_minor, 70000);
	assert_int_equal(app_c2b_unclaimed(a, &ann, day, 0, rows, 8, &n, &exact, &err), POS_OK);
	assert_int_equal(exact, 0);
	assert_int_equal(rows[0].id, p500b);

	struct store_txn got;
	char pid[STORE_PUBLIC_ID_MAX];
	assert_true(store_public_id_format(p500, pid));
	assert_int_equal(app_c2b_claim(a, &nobody, pid, NULL, &got, &err), POS_E_DENIED);
	assert_int_equal(app_c2b_claim(a, &ann, pid, "sale 12", &got, &err), POS_OK);
	assert_int_equal(got.id, p500);
	assert_int_equal(app_c2b_claim(a, &sam, pid, NULL, &got, &err), POS_E_DUPLICATE);
	assert_non_null(strstr(err.msg, "already claimed by Ann Cashier (2001) at 10:15:00 on 14 Mar"));
	assert_int_equal(app_c2b_claim(a, &ann, "", NULL, &got, &err), POS_E_EMPTY);
	assert_int_equal(app_c2b_claim(a, &ann, "T9999990", NULL, &got, &err) == POS_OK, 0);
	int audits = 0;
	assert_int_equal(store_audit_list(app_store(a), 100, count_audit, &audits, NULL), POS_OK);
	assert_int_equal(audits, 2); /* the claim and the refused one */

	assert_int_equal(app_c2b_unclaimed(a, &ann, day, 50000, rows, 8, &n, &exact, &err), POS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(exact, 1);

	struct app_c2b_row feed[8];
	struct app_c2b_day tot;
	assert_int_equal(app_c2b_feed(a, &nobody, day, feed, 8, &n, &tot, &err), POS_E_DENIED);
	assert_int_equal(app_c2b_feed(a, &ann, day, feed, 8, &n, &tot, &err), POS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(tot.count, 3);
	assert_int_equal(tot.sum_minor, 170000);
	for (size_t i = 0; i < n; i++) {
		bool want = feed[i].t.id == p500;
		assert_int_equal(feed[i].claimed, want);
		if (want) {
			assert_int_equal(feed[i].claimed_by, 2001);
			assert_string_equal(feed[i].claimed_by_name, "Ann Cashier");
		}
	}
	/* Tomorrow's feed starts empty. */
	assert_int_equal(app_c2b_feed(a, &ann, day + 24 * 3600 * 1000, feed, 8, &n, &tot, &err),
	                 POS_OK);
	assert_int_equal(n, 0);
	app_fx_close(f);
}

static void test_reversal_needs_reason(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct app_loop *l = NULL;
	struct app_flow *fl = NULL;
	struct app_operator sam;
	struct pos_err err;
	add_op(f->app, 2002, "Sam Supervisor", "supervisor", &sam);
	assert_int_equal(app_loop_new(f->app, &l, NULL), POS_OK);
	assert_int_equal(app_reversal_start_reason(l, &sam, "T000001Y", "  ", false, NULL, NULL, &fl, &err),
	                 POS_E_EMPTY);
	assert_string_equal(err.field, "reason");
	char long_reason[200];
	memset(long_reason, 'x', sizeof long_reason - 1);
	long_reason[sizeof long_reason - 1] = '\0';
	assert_int_equal(app_reversal_start_reason(l, &sam, "T000001Y", long_reason, false, NULL, NULL,
	                                           &fl, &err), POS_E_INVALID);
	assert_null(fl);
	app_loop_free(l);
	app_fx_close(f);
}

/* A claimed payment: the reversal names who claimed it and needs a
 * confirmation; a payment being reversed is no longer claimable. */
static void test_reversal_of_claimed(void **state)
{
	(void)state;
	clock_set_fixed(NOW_S);
	struct app_fx *f = app_fx_open("[till]\nid = till-1\n", true);
	assert_non_null(f);
	struct app *a = f->app;
	struct app_loop *l = NULL;
	struct app_flow *fl = NULL;
	struct app_operator ann, sam;
	struct pos_err err;
	struct store_txn got;
	add_op(a, 2001, "Ann Cashier", "cashier", &ann);
	add_op(a, 2002, "Sam Supervisor", "supervisor", &sam);
	int64_t claimed = pay(a, "TCE0000011", 100, "INV-1");
	int64_t other = pay(a, "TCE0000012", 300, "INV-2");
	char pid[STORE_PUBLIC_ID_MAX], opid[STORE_PUBLIC_ID_MAX], said[400];
	assert_true(store_public_id_format(claimed, pid));
	assert_true(store_public_id_format(other, opid));
	assert_int_equal(app_c2b_claim(a, &ann, pid, "a KES 1,000 sale", &got, &err), POS_OK);
	assert_true(app_c2b_claim_of(a, claimed, said, sizeof said));
	assert_non_null(strstr(said, "claimed by Ann Cashier (2001) at 10:15:00 on 14 Mar"));
	assert_non_null(strstr(said, "a KES 1,000 sale"));
	assert_false(app_c2b_claim_of(a, other, said, sizeof said));
	assert_int_equal(app_loop_new(a, &l, NULL), POS_OK);
	assert_int_equal(app_reversal_start_reason(l, &sam, pid, "paid twice", false, NULL, NULL,
	                                           &fl, &err), POS_E_CONFLICT);
	assert_string_equal(err.field, "id");
	assert_non_null(strstr(err.msg, "claimed by Ann Cashier (2001)"));
	assert_null(fl);
	/* Confirmed: the claim is no longer what stops it. */
	enum pos_status rc = app_reversal_start_reason(l, &sam, pid, "paid twice", true, NULL, NULL,
	                                               &fl, &err);
	assert_true(rc == POS_OK || err.code != POS_E_CONFLICT);
	app_flow_free(fl);
	fl = NULL;
	/* The unclaimed one, once a reversal of it is under way, cannot be claimed. */
	const struct store_txn_new rev = {.kind = TXN_KIND_REVERSAL, .amount_minor = 30000,
	                                  .account_reference = opid, .original_txn_id = other};
	assert_int_equal(store_txn_create(app_store(a), &rev, NULL, &err), POS_OK);
	assert_int_equal(app_c2b_claim(a, &ann, opid, NULL, &got, &err), POS_E_STATE);
	assert_non_null(strstr(err.msg, "cannot be claimed"));
	struct store_txn rows[8];
	size_t n, exact;
	assert_int_equal(app_c2b_unclaimed(a, &ann, app_c2b_day_start(clock_now_ms()), 0, rows, 8,
	                                   &n, &exact, &err), POS_OK);
	for (size_t i = 0; i < n; i++)
		assert_true(rows[i].id != other);
	app_flow_free(fl);
	app_loop_free(l);
	app_fx_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_day_start),
		cmocka_unit_test(test_feed_claim),
		cmocka_unit_test(test_reversal_needs_reason),
		cmocka_unit_test(test_reversal_of_claimed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
