/* tests/unit/test_sim_ids.c: daraja-sim's identifiers and its seeded
 * generator: shapes as observed on Daraja, uniqueness, repeatability. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "sim/ids.h"
#include "sim/map.h"
#include "sim/rng.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Unix seconds of an EAT wall-clock time. */
static time_t eat(int y, unsigned m, unsigned d, int hh, int mm, int ss)
{
	return (time_t)(clock_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss -
	                CLOCK_EAT_OFFSET_S);
}

static void test_receipt_prefix(void **state)
{
	(void)state;
	static const struct {
		int y;
		unsigned m, d;
		int hh;
		const char *want;
	} cases[] = {
		{2019, 12, 19, 10, "NLJ"}, /* NLJ7RT61SV, paid 2019-12-19 */
		{2017, 1, 1, 0, "LA1"},
		{2025, 3, 14, 10, "TCE"},
		{2025, 3, 9, 10, "TC9"},
		{2025, 3, 10, 10, "TCA"},
		{2024, 12, 31, 23, "SLV"},
		{2025, 1, 1, 0, "TA1"},     /* 00:xx EAT is still the previous day in UTC */
		{2026, 11, 26, 18, "UKQ"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char p[4];
		sim_receipt_prefix(eat(cases[i].y, cases[i].m, cases[i].d, cases[i].hh, 0, 0), p);
		assert_string_equal(p, cases[i].want);
	}
}

static void test_receipt_body_unique(void **state)
{
	(void)state;
	struct sim_map seen;
	sim_map_init(&seen);
	/* consecutive and far-apart sequence numbers never collide */
	for (uint64_t n = 0; n < 20000; n++) {
		char body[8];
		sim_receipt_body(n * 7919 + (n & 1 ? 78364164000u : 0), body);
		assert_int_equal(strlen(body), 7);
		for (int i = 0; i < 7; i++)
			assert_true(isdigit((unsigned char)body[i]) || isupper((unsigned char)body[i]));
		assert_true(sim_map_put(&seen, body, &seen));
	}
	assert_int_equal(sim_map_count(&seen), 20000);
	sim_map_release(&seen, NULL);
}

static void test_shapes(void **state)
{
	(void)state;
	struct sim_rng rng;
	struct sim_ids ids;
	char id[SIM_ID_MAX];
	time_t t = eat(2025, 3, 14, 10, 15, 2);
	sim_rng_init(&rng, 42);
	sim_ids_init(&ids, &rng);

	sim_ids_request(&ids, id); /* 29115-34620561-1 */
	char *dash1 = strchr(id, '-'), *dash2 = dash1 ? strchr(dash1 + 1, '-') : NULL;
	assert_non_null(dash2);
	assert_string_equal(dash2, "-1");
	assert_in_range(dash1 - id, 4, 5);

	sim_ids_checkout(&ids, t, "254712345678", id);
	assert_int_equal(strncmp(id, "ws_CO_14032025101502", 20), 0);
	assert_int_equal(strlen(id), 6 + 14 + 3 + 9);
	assert_string_equal(id + strlen(id) - 9, "712345678");

	sim_ids_conversation(&ids, t, id);
	assert_int_equal(strncmp(id, "AG_20250314_", 12), 0);
	assert_int_equal(strlen(id), 12 + 20);

	sim_ids_receipt(&ids, t, id);
	assert_int_equal(strlen(id), SIM_RECEIPT_LEN);
	assert_int_equal(strncmp(id, "TCE", 3), 0);

	sim_ids_placeholder(t, id);
	assert_string_equal(id, "TCE0000000");

	sim_ids_token(&ids, id);
	assert_int_equal(strlen(id), SIM_TOKEN_LEN);
	for (size_t i = 0; id[i]; i++)
		assert_true(isalnum((unsigned char)id[i]));

	sim_ids_uuid(&ids, id);
	assert_int_equal(strlen(id), SIM_UUID_LEN);
	assert_int_equal(id[8], '-');
	assert_int_equal(id[14], '4');

	/* a short or missing number still gives a well-formed id */
	sim_ids_checkout(&ids, t, "", id);
	assert_string_equal(id + strlen(id) - 9, "000000000");
	sim_ids_checkout(&ids, t, NULL, id);
	assert_int_equal(strlen(id), 32);
	sim_rng_release(&rng);
}

static void test_receipts_unique_in_run(void **state)
{
	(void)state;
	struct sim_rng rng;
	struct sim_ids ids;
	struct sim_map seen;
	time_t t = eat(2025, 3, 14, 10, 0, 0);
	sim_rng_init(&rng, 7);
	sim_ids_init(&ids, &rng);
	sim_map_init(&seen);
	for (int i = 0; i < 50000; i++) {
		char r[SIM_ID_MAX];
		sim_ids_receipt(&ids, t, r);
		assert_true(sim_map_put(&seen, r, &seen));
	}
	sim_map_release(&seen, NULL);
	sim_rng_release(&rng);
}

static void test_seed_repeats(void **state)
{
	(void)state;
	struct sim_rng a, b, c;
	struct sim_ids ia, ib, ic;
	time_t t = eat(2025, 3, 14, 10, 0, 0);
	sim_rng_init(&a, 1234);
	sim_rng_init(&b, 1234);
	sim_rng_init(&c, 1235);
	sim_ids_init(&ia, &a);
	sim_ids_init(&ib, &b);
	sim_ids_init(&ic, &c);
	bool differ = false;
	for (int i = 0; i < 20; i++) {
		char x[SIM_ID_MAX], y[SIM_ID_MAX], z[SIM_ID_MAX];
		sim_ids_receipt(&ia, t, x);
		sim_ids_receipt(&ib, t, y);
		sim_ids_receipt(&ic, t, z);
		assert_string_equal(x, y);
		differ |= strcmp(x, z) != 0;
		sim_ids_token(&ia, x);
		sim_ids_token(&ib, y);
		assert_string_equal(x, y);
	}
	assert_true(differ);
	sim_rng_release(&a);
	sim_rng_release(&b);
	sim_rng_release(&c);
}

static void test_rng_bounds(void **state)
{
	(void)state;
	struct sim_rng r;
	sim_rng_init(&r, 99);
	assert_int_equal(sim_rng_below(&r, 0), 0);
	assert_int_equal(sim_rng_below(&r, 1), 0);
	int hits = 0;
	for (int i = 0; i < 10000; i++) {
		assert_true(sim_rng_below(&r, 10) < 10);
		assert_false(sim_rng_chance(&r, 0.0));
		assert_false(sim_rng_chance(&r, -1.0));
		assert_true(sim_rng_chance(&r, 1.0));
		hits += sim_rng_chance(&r, 0.25);
	}
	assert_in_range(hits, 2000, 3000);
	char s[9];
	sim_rng_fill(&r, s, 8, "AB");
	assert_int_equal(strspn(s, "AB"), 8);
	sim_rng_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_receipt_prefix),
		cmocka_unit_test(test_receipt_body_unique),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_receipts_unique_in_run),
		cmocka_unit_test(test_seed_repeats),
		cmocka_unit_test(test_rng_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
