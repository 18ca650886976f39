/* tests/unit/test_listener_ratelimit.c: the per-source rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "listener/ratelimit.h"

static void test_ratelimit(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(60, 2);
	assert_non_null(rl);
	int64_t t = 1000000;
	for (int i = 0; i < 60; i++)
		assert_true(ratelimit_allow(rl, "1.2.3.4", t));
	assert_false(ratelimit_allow(rl, "1.2.3.4", t));
	/* Another source has its own budget. */
	assert_true(ratelimit_allow(rl, "5.6.7.8", t));
	/* One token a second comes back. */
	assert_false(ratelimit_allow(rl, "1.2.3.4", t + 500));
	assert_true(ratelimit_allow(rl, "1.2.3.4", t + 1500));
	assert_false(ratelimit_allow(rl, "1.2.3.4", t + 1600));
	/* The clock going backwards never grants tokens, nor does returning to
	 * where it was. */
	assert_false(ratelimit_allow(rl, "1.2.3.4", t));
	assert_false(ratelimit_allow(rl, "1.2.3.4", t + 1600));
	/* A third source evicts the least recently seen (5.6.7.8), which then
	 * starts afresh. */
	assert_true(ratelimit_allow(rl, "9.9.9.9", t + 2000));
	assert_true(ratelimit_allow(rl, "5.6.7.8", t + 2000));
	ratelimit_free(rl);

	struct ratelimit *off = ratelimit_new(0, 4);
	for (int i = 0; i < 1000; i++)
		assert_true(ratelimit_allow(off, "1.2.3.4", t));
	ratelimit_free(off);
	ratelimit_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
