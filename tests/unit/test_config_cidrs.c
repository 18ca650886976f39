/* tests/unit/test_config_cidrs.c: address allow-lists as the listener uses
 * them: config's CIDRS values, the "safaricom" word, and matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "config/config.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_values(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"196.201.214", "196.201.214.300", "10.0.0.0/33", "10.0.0.0/", "/24",
		"::1/129", "example.com", "10.0.0.0/-1", "10.0.0.0/2x", "fe80::1%eth0",
		"1.2.3.4,,5.6.7.8", "safaricomm", "safaricom/24",
	};
	char norm[4200];
	struct pos_err err;
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		if (config_check_value("listener.allow", bad[i], norm, sizeof norm, &err) == POS_OK)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(err.field, "allow"));
	}
	assert_int_equal(config_check_value("listener.allow", "127.0.0.1, Safaricom", norm,
	                                    sizeof norm, &err), POS_OK);
	assert_true(strncmp(norm, "127.0.0.1, 196.201.214.200, ", 28) == 0);
	struct config_cidr set[CONFIG_CIDR_MAX];
	assert_int_equal(config_cidr_parse(norm, set, CONFIG_CIDR_MAX), 1 + CONFIG_SAFARICOM_COUNT);
	assert_true(config_cidr_match(set, 15, "196.201.212.132"));
	assert_false(config_cidr_match(set, 15, "196.201.212.133"));

	/* More than CONFIG_CIDR_MAX entries are refused. */
	char many[4096] = "";
	size_t o = 0;
	for (int i = 0; i <= CONFIG_CIDR_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "%s10.0.%d.%d", i ? "," : "", i / 256, i % 256);
	assert_int_not_equal(config_check_value("listener.allow", many, norm, sizeof norm, &err), POS_OK);
}

static void test_match(void **state)
{
	(void)state;
	struct config_cidr set[CONFIG_CIDR_MAX];
	int n = config_cidr_parse("196.201.212.0/24, 127.0.0.1, ::1, 2001:db8::/32, 10.0.0.0/9",
	                          set, CONFIG_CIDR_MAX);
	assert_int_equal(n, 5);
	static const struct {
		const char *addr;
		bool in;
	} cases[] = {
		{"196.201.212.127", true}, {"196.201.212.0", true}, {"196.201.212.255", true},
		{"196.201.213.1", false},  {"127.0.0.1", true},     {"127.0.0.2", false},
		{"::1", true},             {"::2", false},          {"2001:db8::1", true},
		{"2001:db9::1", false},    {"::ffff:127.0.0.1", true}, {"", false},
		{"not-an-address", false}, {"10.127.255.255", true}, {"10.128.0.0", false},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		if (config_cidr_match(set, (size_t)n, cases[i].addr) != cases[i].in)
			fail_msg("%s should %sbe in the set", cases[i].addr, cases[i].in ? "" : "not ");
	n = config_cidr_parse("0.0.0.0/0", set, CONFIG_CIDR_MAX);
	assert_true(config_cidr_match(set, (size_t)n, "8.8.8.8"));
	assert_false(config_cidr_match(set, (size_t)n, "2001:db8::1"));
	assert_int_equal(config_cidr_parse("nonsense", set, CONFIG_CIDR_MAX), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
