/* tests/unit/test_app_clock.c: the flows' one clock (it moves on under the
 * pinned test clock), their timings in one place ([daraja]
 * status_give_up_after), "Check now" re-querying at once under the pinned
 * clock but never sooner than the least spacing of STK queries, the
 * reachability probe, a cash sale through its flow, and a listener that
 * stops at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "app/app_int.h"
#include "base/clock.h"
#include "test_app_fixture.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void test_clock_moves_when_pinned(void **state)
{
	(void)state;
	struct app_clock c = {0};
	clock_set_fixed(1741936500);
	int64_t t0 = app_clock_now(&c);
	assert_int_equal(t0, 1741936500000LL);
	sleep_ms(40);
	int64_t t1 = app_clock_now(&c);
	assert_true(t1 >= t0 + 35);
	assert_int_equal(clock_now_ms(), 1741936500000LL); /* screens keep the pin */
	clock_set_fixed(-1);
	int64_t wall = clock_now_ms();
	int64_t t2 = app_clock_now(&c);
	assert_true(t2 >= wall && t2 - wall < 1000); /* unpinned: the wall clock */
	/* The wall clock stepping back does not take the flows' clock back. */
	clock_set_fixed((time_t)(wall / 1000) - 3600);
	assert_true(app_clock_now(&c) >= t2);
	clock_set_fixed(-1);
}

static void timing_of(const char *extra, struct flow_timing *t)
{
	struct config *cfg;
	char text[256];
	str_fmt(text, sizeof text, "[daraja]\nbase_url = http://127.0.0.1:9\n%s\n", extra);
	assert_int_equal(config_load_buffer("t.conf", text, strlen(text), NULL, &cfg, NULL),
	                 POS_OK);
	flow_timing_of(cfg, t);
	config_free(cfg);
}

static void test_status_schedule(void **state)
{
	(void)state;
	struct flow_timing t;
	timing_of("", &t);
	assert_int_equal(t.status_queries, 4);
	assert_int_equal(t.status_at_ms[0], 30000);
	assert_int_equal(t.status_at_ms[1], 120000);
	assert_int_equal(t.status_at_ms[2], 600000);
	assert_int_equal(t.status_at_ms[3], 1800000);
	assert_int_equal(t.query_min_gap_ms, 3000);
	assert_int_equal(t.prompt_ms, 60000);
	timing_of("status_give_up_after = 300", &t);
	assert_int_equal(t.status_queries, 3);
	assert_int_equal(t.status_at_ms[2], 300000);
	timing_of("status_give_up_after = 60", &t);
	assert_int_equal(t.status_queries, 2);
	assert_int_equal(t.status_at_ms[0], 30000);
	assert_int_equal(t.status_at_ms[1], 60000);
	struct config *cfg;
	const char *bad = "[daraja]\nstatus_give_up_after = 10\n";
	assert_int_not_equal(config_load_buffer("t.conf", bad, strlen(bad), NULL, &cfg, NULL),
	                     POS_OK);
}

/* A charge waiting for the customer, its push accepted. */
static void awaiting_charge(struct app *a, struct store_txn *t)
{
	struct store *st = app_store(a);
	const struct store_txn_new in = {
		.kind = TXN_KIND_STK,
		.amount_minor = 1000,
		.msisdn = "254708374149",
		.till_id = "till-1",
		.shortcode = "174379",
		.deadline_at = clock_now_ms() + 60000,
	};
	assert_int_equal(store_txn_create(st, &in, t, NULL), POS_OK);
	struct store_txn_change ch = {.check_from = true, .from = TXN_CREATED, .to = TXN_SENT};
	assert_int_equal(store_txn_transition(st, t->id, &ch, t, NULL), POS_OK);
	ch = (struct store_txn_change){
		.check_from = true,
		.from = TXN_SENT,
		.to = TXN_AWAITING,
		.set = {.merchant_request_id = "29115-34620561-1",
		        .checkout_request_id = "ws_CO_191220191020363925"},
	};
	assert_int_equal(store_txn_transition(st, t->id, &ch, t, NULL), POS_OK);
}

static bool flow_done(void *u)
{
	return app_flow_done(u);
}

/* "Check now" twice under the pinned clock: the first asks at once, the
 * second waits for the least spacing, then asks. */
static void test_check_now_pinned(void **state)
{
	(void)state;
	clock_set_fixed(1741936500);
	struct app_fx *fx = app_fx_open("[daraja]\nmax_retries = 0\nbreaker_failures = 100", true);
	assert_non_null(fx);
	struct app_loop *l;
	assert_int_equal(app_loop_new(fx->app, &l, NULL), POS_OK);
	struct store_txn t;
	awaiting_charge(fx->app, &t);

	struct app_flow *f;
	int64_t asked = app_mono_ms();
	assert_int_equal(app_status_start(l, NULL, t.public_id, NULL, NULL, &f, NULL), POS_OK);
	assert_true(app_loop_run(l, flow_done, f, app_mono_ms() + 5000));
	int64_t q1 = app_stk_last_query(fx->app, t.id);
	assert_true(q1 >= asked && q1 - asked < 1000); /* at once */
	app_flow_free(f);

	assert_int_equal(app_status_start(l, NULL, t.public_id, NULL, NULL, &f, NULL), POS_OK);
	assert_true(app_loop_run(l, flow_done, f, app_mono_ms() + 8000));
	int64_t q2 = app_stk_last_query(fx->app, t.id);
	assert_true(q2 - q1 >= 3000);  /* never sooner than the spacing */
	assert_true(q2 - q1 < 4500);   /* but as soon as it allows */
	app_flow_free(f);

	struct store_txn now;
	assert_int_equal(store_txn_get(app_store(fx->app), t.id, &now, NULL), POS_OK);
	assert_int_equal(now.attempts, 2);
	assert_int_equal(now.state, TXN_AWAITING); /* nothing guessed */
	app_loop_free(l);
	app_fx_close(fx);
	clock_set_fixed(-1);
}

static bool reach_known(void *u)
{
	struct app_reach_info r;
	app_daraja_reachable(u, &r);
	return r.state != APP_REACH_UNTRIED;
}

static void test_probe_unreachable(void **state)
{
	(void)state;
	struct app_fx *fx = app_fx_open("[daraja]\nmax_retries = 0", true);
	assert_non_null(fx);
	struct app_loop *l;
	assert_int_equal(app_loop_new(fx->app, &l, NULL), POS_OK);
	struct app_reach_info r;
	assert_true(app_daraja_reachable(fx->app, &r)); /* nothing known against it */
	assert_int_equal(r.state, APP_REACH_UNTRIED);
	unsigned serial = r.serial;
	app_daraja_probe_start(l);
	assert_true(app_loop_run(l, reach_known, fx->app, app_mono_ms() + 5000));
	assert_false(app_daraja_reachable(fx->app, &r));
	assert_int_equal(r.state, APP_REACH_DOWN);
	assert_true(r.serial != serial);
	assert_true(r.why[0] != '\0');
	assert_int_equal(r.breaker, DARAJA_CIRCUIT_CLOSED);
	app_loop_free(l);
	app_fx_close(fx);
}

static bool audit_cash(const struct store_audit_row *row, void *ctx)
{
	if (str_eq(row->action, "sale.cash"))
		(*(int *)ctx)++;
	return true;
}

static void test_cash_sale(void **state)
{
	(void)state;
	struct app_fx *fx = app_fx_open(NULL, true);
	assert_non_null(fx);
	struct app_operator op = {.id = 2001, .role = ROLE_CASHIER};
	str_copy(op.name, sizeof op.name, "Ann");
	struct store_txn t;
	struct pos_err err;
	int64_t id;
	assert_int_equal(app_operator_add(fx->app, NULL, 2001, "Ann", "cashier", "4321", &id, &err),
	                 POS_OK);
	struct app_cash_req rq = {.amount = "1,500", .phone = "0708 374 149",
	                          .account_ref = "INV-7"};
	if (app_cash_record(fx->app, &op, &rq, &t, &err) != POS_OK)
		fail_msg("%s: %s", err.field, err.msg);
	assert_int_equal(t.kind, TXN_KIND_CASH);
	assert_int_equal(t.state, TXN_COMPLETED);
	assert_int_equal(t.amount_minor, 150000);
	assert_string_equal(t.other_means, "cash");
	assert_string_equal(t.msisdn, "254708374149");
	assert_int_equal(t.operator_id, 2001);
	int n = 0;
	assert_int_equal(store_audit_list(app_store(fx->app), 10, audit_cash, &n, NULL), POS_OK);
	assert_int_equal(n, 1);

	rq = (struct app_cash_req){.amount = "10.50"};
	assert_int_not_equal(app_cash_record(fx->app, &op, &rq, NULL, &err), POS_OK);
	assert_string_equal(err.field, "amount");
	rq = (struct app_cash_req){.amount = "0"};
	assert_int_not_equal(app_cash_record(fx->app, &op, &rq, NULL, &err), POS_OK);
	assert_string_equal(err.field, "amount");
	rq = (struct app_cash_req){.amount = "100", .phone = "0812"};
	assert_int_not_equal(app_cash_record(fx->app, &op, &rq, NULL, &err), POS_OK);
	assert_string_equal(err.field, "phone");
	rq = (struct app_cash_req){.amount = "100"};
	assert_int_equal(app_cash_record(fx->app, NULL, &rq, NULL, &err), POS_E_DENIED);
	struct app_operator nobody = {.id = 0, .role = ROLE_CASHIER};
	assert_int_equal(app_cash_record(fx->app, &nobody, &rq, NULL, &err), POS_E_DENIED);
	app_fx_close(fx);
}

static void test_listener_stops_at_once(void **state)
{
	(void)state;
	struct config *cfg;
	char dir[] = "/tmp/test-app-stop.XXXXXX", text[256], db[64];
	assert_non_null(mkdtemp(dir));
	str_fmt(text, sizeof text,
	        "[daraja]\nbase_url = http://127.0.0.1:9\n[listener]\nbind = 127.0.0.1:0\n"
	        "[store]\npath = %s/pos.db\n", dir);
	assert_int_equal(config_load_buffer("t.conf", text, strlen(text), NULL, &cfg, NULL),
	                 POS_OK);
	struct app_opts o = {.listen = true};
	struct app *a;
	assert_int_equal(app_open(cfg, &o, &a, NULL), POS_OK);
	assert_non_null(app_listener_url(a));
	sleep_ms(100); /* the accept loop is in its poll */
	int64_t t0 = clock_mono_ms();
	app_close(a);
	int64_t took = clock_mono_ms() - t0;
	assert_true(took < 1000); /* CivetWeb alone waits up to 2 s */
	config_free(cfg);
	const char *files[] = {"pos.db", "pos.db-wal", "pos.db-shm"};
	for (size_t i = 0; i < 3; i++)
		if (str_fmt(db, sizeof db, "%s/%s", dir, files[i]))
			unlink(db);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock_moves_when_pinned),
		cmocka_unit_test(test_status_schedule),
		cmocka_unit_test(test_check_now_pinned),
		cmocka_unit_test(test_probe_unreachable),
		cmocka_unit_test(test_cash_sale),
		cmocka_unit_test(test_listener_stops_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
