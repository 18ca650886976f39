/* tests/unit/test_listener_acl.c: allow-lists and the per-source rate limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "listener/acl.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_acl_parse_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"196.201.214", "196.201.214.300", "10.0.0.0/33", "10.0.0.0/", "/24",
		"::1/129", "example.com", "10.0.0.0/-1", "10.0.0.0/2x", "1.2.3.4/8/8",
		"fe80::1%eth0",
		"1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111",
	};
	struct acl acl;
	struct pos_err err;
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		assert_int_equal(acl_parse(&acl, bad[i], "[listener] allow", &err), POS_E_CONFIG);
		assert_string_equal(err.field, "[listener] allow");
	}
	assert_int_equal(acl_parse(&acl, "", "f", &err), POS_OK);
	assert_int_equal(acl.n, 0);
	assert_int_equal(acl_parse(&acl, NULL, "f", &err), POS_OK);
	assert_int_equal(acl_parse(&acl, " , ,", "f", &err), POS_OK);
	assert_int_equal(acl.n, 0);
	assert_int_equal(acl_parse(&acl, ACL_SAFARICOM_SOURCES, "f", &err), POS_OK);
	assert_int_equal(acl.n, 14);
	assert_int_equal(acl_parse(&acl, "127.0.0.1, safaricom", "f", &err), POS_OK);
	assert_int_equal(acl.n, 15);
	assert_true(acl_contains(&acl, "196.201.212.132"));
	assert_false(acl_contains(&acl, "196.201.212.133"));
	assert_int_equal(acl_parse(&acl, "Safaricom", "f", &err), POS_E_CONFIG);
}

static void test_acl_contains(void **state)
{
	(void)state;
	struct acl acl;
	struct pos_err err;
	assert_int_equal(acl_parse(&acl, "196.201.212.0/24, 127.0.0.1 ::1,2001:db8::/32",
	                           "f", &err), POS_OK);
	static const struct {
		const char *addr;
		bool in;
	} cases[] = {
		{"196.201.212.127", true}, {"196.201.212.0", true}, {"196.201.212.255", true},
		{"196.201.213.1", false},  {"127.0.0.1", true},     {"127.0.0.2", false},
		{"::1", true},             {"::2", false},          {"2001:db8::1", true},
		{"2001:db9::1", false},    {"::ffff:127.0.0.1", true}, {"", false},
		{"not-an-address", false}, {"10.0.0.1", false},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_int_equal(acl_contains(&acl, cases[i].addr), cases[i].in);

	/* Non-byte-aligned prefixes. */
	assert_int_equal(acl_parse(&acl, "10.0.0.0/9", "f", &err), POS_OK);
	assert_true(acl_contains(&acl, "10.127.255.255"));
	assert_false(acl_contains(&acl, "10.128.0.0"));
	/* 0.0.0.0/0 is every IPv4 address and no IPv6 one. */
	assert_int_equal(acl_parse(&acl, "0.0.0.0/0", "f", &err), POS_OK);
	assert_true(acl_contains(&acl, "8.8.8.8"));
	assert_false(acl_contains(&acl, "2001:db8::1"));
	/* ::/0 is everything. */
	assert_int_equal(acl_parse(&acl, "::/0", "f", &err), POS_OK);
	assert_true(acl_contains(&acl, "2001:db8::1"));
}

static void test_acl_too_many(void **state)
{
	(void)state;
	char text[8192] = "";
	size_t o = 0;
	for (int i = 0; i <= ACL_MAX_RULES; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "10.0.%d.%d,", i / 256, i % 256);
	struct acl acl;
	struct pos_err err;
	assert_int_equal(acl_parse(&acl, text, "f", &err), POS_E_CONFIG);
	assert_non_null(strstr(err.msg, "more than"));
}

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
		cmocka_unit_test(test_acl_parse_errors),
		cmocka_unit_test(test_acl_contains),
		cmocka_unit_test(test_acl_too_many),
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
