/* tests/unit/test_base_wake.c: the wake-up queue between threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

#include "base/wake.h"

static bool readable(struct wake *w, int timeout_ms)
{
	struct pollfd p = {.fd = wake_fd(w), .events = POLLIN};
	return poll(&p, 1, timeout_ms) == 1;
}

static void test_push_drain(void **state)
{
	(void)state;
	struct wake *w;
	assert_int_equal(wake_new(4, &w, NULL), POS_OK);
	assert_false(readable(w, 0));
	wake_push(w, 7);
	wake_push(w, 8);
	assert_true(readable(w, 0));
	int64_t ids[8];
	bool ovf = true;
	assert_int_equal(wake_drain(w, ids, 8, &ovf), 2);
	assert_false(ovf);
	assert_true(ids[0] == 7 && ids[1] == 8);
	assert_false(readable(w, 0));

	/* Overflow keeps the first ids and says so. */
	for (int i = 0; i < 6; i++)
		wake_push(w, i);
	assert_int_equal(wake_drain(w, ids, 8, &ovf), 4);
	assert_true(ovf);
	assert_true(ids[3] == 3);
	assert_int_equal(wake_drain(w, ids, 8, &ovf), 0);
	assert_false(ovf);

	/* A drain that leaves ids behind keeps the pipe readable. */
	wake_push(w, 1);
	wake_push(w, 2);
	assert_int_equal(wake_drain(w, ids, 1, NULL), 1);
	assert_true(readable(w, 0));
	assert_int_equal(wake_drain(w, ids, 1, NULL), 1);
	assert_false(readable(w, 0));

	wake_poke(w);
	assert_true(readable(w, 0));
	assert_int_equal(wake_drain(w, ids, 8, NULL), 0);
	assert_false(readable(w, 0));
	wake_free(w);
	assert_int_equal(wake_new(0, &w, NULL), POS_E_NOMEM);
}

struct producer {
	struct wake *w;
	int base;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < 5000; i++)
		wake_push(p->w, p->base + i);
	return NULL;
}

static void test_many_producers(void **state)
{
	(void)state;
	struct wake *w;
	assert_int_equal(wake_new(100000, &w, NULL), POS_OK);
	pthread_t t[4];
	struct producer p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = (struct producer){w, i * 100000};
		pthread_create(&t[i], NULL, produce, &p[i]);
	}
	static int64_t ids[20000];
	size_t got = 0;
	static char seen[400000];
	while (got < 20000) {
		assert_true(readable(w, 5000));
		size_t n = wake_drain(w, ids, 20000, NULL);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(seen[ids[i]], 0);
			seen[ids[i]] = 1;
		}
		got += n;
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(got, 20000);
	wake_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_drain),
		cmocka_unit_test(test_many_producers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
