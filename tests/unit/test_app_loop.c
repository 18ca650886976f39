/* tests/unit/test_app_loop.c: the event loop: timers in order, cancelled
 * timers never fire, timers added from timers, transaction ids from the wake
 * queue, the ledger tick, the caller's fd, run-until with a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <unistd.h>

#include "app/loop.h"
#include "base/clock.h"
#include "test_app_fixture.h"

struct rec {
	int order[16];
	int n;
	int64_t ids[16];
	int n_ids;
	int fd_calls;
	struct app_loop *l;
};

struct tmr {
	struct rec *r;
	int tag;
};

static void on_timer(void *u)
{
	struct tmr *t = u;
	if (t->r->n < 16)
		t->r->order[t->r->n++] = t->tag;
}

static bool fired(void *u)
{
	struct rec *r = u;
	return r->n >= 4;
}

static struct tmr later = {NULL, 99};

static void chain(void *u)
{
	on_timer(u);
	app_loop_timer(((struct tmr *)u)->r->l, 5, on_timer, &later);
}

static void test_timers(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct app_loop *l;
	assert_int_equal(app_loop_new(f->app, &l, NULL), POS_OK);
	struct rec r = {.l = l};
	later.r = &r;
	/* 100 ms apart: adding five timers can take tens of ms under load. */
	static const int64_t delays[] = {300, 100, 200, 0, 150};
	struct tmr t[5];
	uint64_t ids[5];
	for (int i = 0; i < 5; i++) {
		t[i] = (struct tmr){&r, (int)delays[i]};
		ids[i] = app_loop_timer(l, delays[i], i == 0 ? chain : on_timer, &t[i]);
		assert_true(ids[i] > 0);
	}
	app_loop_cancel(l, ids[4]);      /* the 150 ms one never fires */
	app_loop_cancel(l, 123456789);   /* unknown: ignored */
	assert_true(app_loop_run(l, fired, &r, clock_mono_ms() + 5000));
	assert_int_equal(r.n, 4);
	assert_int_equal(r.order[0], 0);
	assert_int_equal(r.order[1], 100);
	assert_int_equal(r.order[2], 200);
	assert_int_equal(r.order[3], 300);
	/* The timer added by the 300 ms one fires after it. */
	r.n = 0;
	int64_t end = clock_mono_ms() + 2000;
	while (r.n == 0 && clock_mono_ms() < end)
		app_loop_turn(l, 50);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.order[0], 99);
	app_loop_free(l);
	app_fx_close(f);
}

static void on_txn(void *u, int64_t id)
{
	struct rec *r = u;
	if (r->n_ids < 16)
		r->ids[r->n_ids++] = id;
}

static bool saw_42(void *u)
{
	struct rec *r = u;
	for (int i = 0; i < r->n_ids; i++)
		if (r->ids[i] == 42)
			return true;
	return false;
}

static bool saw_tick(void *u)
{
	struct rec *r = u;
	for (int i = 0; i < r->n_ids; i++)
		if (r->ids[i] == 0)
			return true;
	return false;
}

static void test_watch(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct app_loop *l;
	assert_int_equal(app_loop_new(f->app, &l, NULL), POS_OK);
	struct rec a = {0}, b = {0};
	uint64_t wa = app_loop_watch(l, on_txn, &a);
	uint64_t wb = app_loop_watch(l, on_txn, &b);
	app_loop_unwatch(l, wb);
	wake_push(app_wake(f->app), 42);
	assert_true(app_loop_run(l, saw_42, &a, clock_mono_ms() + 2000));
	assert_int_equal(b.n_ids, 0);
	/* The tick tells watchers "anything may have changed" (id 0). */
	app_loop_set_tick(l, 20);
	a.n_ids = 0;
	assert_true(app_loop_run(l, saw_tick, &a, clock_mono_ms() + 2000));
	app_loop_unwatch(l, wa);
	/* Nothing is ever done: the deadline ends the run. */
	int64_t t0 = clock_mono_ms();
	a.n_ids = 0;
	assert_false(app_loop_run(l, saw_42, &a, t0 + 60));
	app_loop_free(l);
	app_fx_close(f);
}

static void on_fd(void *u, short revents)
{
	struct rec *r = u;
	if (revents & POLLIN)
		r->fd_calls++;
}

static bool got_fd(void *u)
{
	return ((struct rec *)u)->fd_calls > 0;
}

static void test_fd(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct app_loop *l;
	assert_int_equal(app_loop_new(f->app, &l, NULL), POS_OK);
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct rec r = {0};
	app_loop_set_fd(l, p[0], POLLIN, on_fd, &r);
	app_loop_turn(l, 10);
	assert_int_equal(r.fd_calls, 0);
	assert_int_equal(write(p[1], "k", 1), 1);
	assert_true(app_loop_run(l, got_fd, &r, clock_mono_ms() + 2000));
	app_loop_set_fd(l, -1, 0, NULL, NULL);
	close(p[0]);
	close(p[1]);
	app_loop_free(l);
	app_loop_free(NULL);
	app_fx_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
