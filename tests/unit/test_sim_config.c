/* tests/unit/test_sim_config.c: daraja-sim's flags and config file, its fault
 * settings, and the small pure pieces of its products (customer scenarios,
 * C2B MSISDN masking and validation replies, callback URLs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/c2b.h"
#include "sim/config.h"
#include "sim/faults.h"
#include "sim/httpc.h"
#include "sim/stk.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a NULL-terminated list of flags (argv needs writable strings). */
static enum pos_status parse(struct sim_config *c, bool *help, struct pos_err *err,
                             const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = strdup("daraja-sim");
	for (size_t i = 0; args[i] && argc < 31; i++)
		argv[argc++] = strdup(args[i]);
	argv[argc] = NULL;
	enum pos_status st = sim_config_parse(c, argc, argv, help, err);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return st;
}

static void test_defaults_and_flags(void **state)
{
	(void)state;
	struct sim_config c;
	struct pos_err err;
	bool help;
	sim_config_defaults(&c);
	assert_string_equal(c.listen, "127.0.0.1:8089");
	assert_string_equal(c.shortcode, "174379");
	assert_string_equal(c.initiator_password, "Safaricom999!*!");
	assert_int_equal(c.token_ttl_s, 3599);
	assert_int_equal(c.callback_delay_ms, 3000);
	assert_int_equal(c.prompt_ttl_ms, 60000);

	static const char *const argv[] = {
		"--listen", "127.0.0.1:0", "--admin", "--callback-delay-ms=200", "--seed", "7",
		"--utility-balance", "1500.50", "--fault", "stk.spike_arrest=0.5",
		"--allow-reregister=no", NULL};
	assert_int_equal(parse(&c, &help, &err, argv), POS_OK);
	assert_false(help);
	assert_string_equal(c.listen, "127.0.0.1:0");
	assert_true(c.admin);
	assert_int_equal(c.callback_delay_ms, 200);
	assert_true(c.has_seed);
	assert_int_equal(c.seed, 7);
	assert_int_equal(c.utility_balance, 150050);
	assert_int_equal(c.nfaults, 1);
	assert_string_equal(c.faults[0], "stk.spike_arrest=0.5");
	assert_false(c.allow_reregister);

	static const char *const h[] = {"--help", NULL};
	assert_int_equal(parse(&c, &help, &err, h), POS_OK);
	assert_true(help);
}

static void test_bad_flags(void **state)
{
	(void)state;
	static const char *const bad[][3] = {
		{"--nope", NULL, NULL},
		{"--callback-delay-ms", "-1", NULL},
		{"--callback-delay-ms", "abc", NULL},
		{"--token-ttl", "0", NULL},          /* below the minimum */
		{"--threads", "999999", NULL},
		{"--utility-balance", "10.555", NULL},
		{"--admin=maybe", NULL, NULL},
		{"--listen", NULL, NULL},            /* value missing */
		{"listen", NULL, NULL},
		{"--config", "/no/such/file", NULL},
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		struct sim_config c;
		struct pos_err err;
		bool help;
		sim_config_defaults(&c);
		assert_int_not_equal(parse(&c, &help, &err, bad[i]), POS_OK);
		assert_true(err.msg[0] != '\0');
	}
	/* an over-long string value is refused, not truncated */
	struct sim_config c;
	struct pos_err err;
	char longv[300];
	memset(longv, 'k', sizeof longv - 1);
	longv[sizeof longv - 1] = '\0';
	sim_config_defaults(&c);
	assert_int_equal(sim_config_set(&c, "consumer-key", longv, &err), POS_E_TOO_LONG);
}

static void test_config_file(void **state)
{
	(void)state;
	char path[] = "/tmp/test_sim_config.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("# daraja-sim settings\n"
	      "CONSUMER_KEY=my-key\n"
	      "consumer-secret = \"my secret\"\n"
	      "\n"
	      "callback_delay_ms=50\n"
	      "admin=yes\n", f);
	fclose(f);
	struct sim_config c;
	struct pos_err err;
	bool help;
	sim_config_defaults(&c);
	/* flags win over the file, wherever --config appears */
	const char *const argv[] = {"--callback-delay-ms", "75", "--config", path, NULL};
	assert_int_equal(parse(&c, &help, &err, argv), POS_OK);
	assert_string_equal(c.consumer_key, "my-key");
	assert_string_equal(c.consumer_secret, "my secret");
	assert_int_equal(c.callback_delay_ms, 75);
	assert_true(c.admin);

	f = fopen(path, "w");
	fputs("admin=yes\nno equals sign here\n", f);
	fclose(f);
	assert_int_not_equal(sim_config_load_file(&c, path, &err), POS_OK);
	assert_non_null(strstr(err.msg, ":2:"));
	f = fopen(path, "w");
	fputs("colour=blue\n", f);
	fclose(f);
	assert_int_not_equal(sim_config_load_file(&c, path, &err), POS_OK);
	assert_non_null(strstr(err.msg, "colour"));
	unlink(path);
}

static void test_money_and_listen(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool ok;
		int64_t cents;
	} cases[] = {
		{"0", true, 0}, {"250000", true, 25000000}, {"1.5", true, 150},
		{"1.05", true, 105}, {"1.", false, 0}, {"1.555", false, 0}, {"-1", false, 0},
		{"", false, 0}, {"1e3", false, 0}, {"100000000001", false, 0},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int64_t c = -1;
		assert_int_equal(sim_parse_money(cases[i].in, &c), cases[i].ok);
		if (cases[i].ok)
			assert_int_equal(c, cases[i].cents);
	}
	char host[64];
	unsigned port;
	assert_true(sim_config_split_listen("127.0.0.1:0", host, sizeof host, &port));
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 0);
	assert_false(sim_config_split_listen("127.0.0.1", host, sizeof host, &port));
	assert_false(sim_config_split_listen(":80", host, sizeof host, &port));
	assert_false(sim_config_split_listen("h:65536", host, sizeof host, &port));
}

static void test_faults(void **state)
{
	(void)state;
	struct sim_faults fs;
	struct sim_fault f;
	struct pos_err err;
	sim_faults_init(&fs);
	assert_int_equal(sim_faults_apply_spec(&fs, "stk.spike_arrest=0.25", &err), POS_OK);
	assert_int_equal(sim_faults_apply_spec(&fs, "all.latency_ms=40", &err), POS_OK);
	sim_faults_get(&fs, SIM_API_STK, &f);
	assert_true(f.spike_arrest == 0.25);
	assert_int_equal(f.latency_ms, 40);
	assert_int_equal(f.timeout_ms, 30000); /* default kept */
	sim_faults_get(&fs, SIM_API_B2C, &f);
	assert_true(f.spike_arrest == 0);
	assert_int_equal(f.latency_ms, 40);

	static const char *const bad[] = {
		"stk.spike_arrest=1.5", "stk.spike_arrest=-0.1", "stk.spike_arrest=",
		"stk.nope=1", "nope.reset=1", "stk", "stk.reset", "stk.latency_ms=0.5",
		"stk.latency_ms=9999999", "=1",
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_int_not_equal(sim_faults_apply_spec(&fs, bad[i], &err), POS_OK);

	/* JSON: all-or-nothing */
	cJSON *good = cJSON_Parse("{\"b2c\":{\"callback_drop\":1,\"timeout_ms\":\"500\"},"
	                          "\"all\":{\"http_429\":0.1}}");
	assert_int_equal(sim_faults_apply_json(&fs, good, &err), POS_OK);
	sim_faults_get(&fs, SIM_API_B2C, &f);
	assert_true(f.callback_drop == 1);
	assert_int_equal(f.timeout_ms, 500);
	assert_true(f.http_429 == 0.1);
	cJSON *partial = cJSON_Parse("{\"qr\":{\"reset\":0.5},\"stk\":{\"reset\":7}}");
	assert_int_not_equal(sim_faults_apply_json(&fs, partial, &err), POS_OK);
	sim_faults_get(&fs, SIM_API_QR, &f);
	assert_true(f.reset == 0); /* nothing applied */
	cJSON *notobj = cJSON_Parse("[1]");
	assert_int_not_equal(sim_faults_apply_json(&fs, notobj, &err), POS_OK);
	cJSON *dump = sim_faults_to_json(&fs);
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(dump, "stk"), "spike_arrest"));
	sim_faults_reset(&fs);
	sim_faults_get(&fs, SIM_API_STK, &f);
	assert_true(f.spike_arrest == 0 && f.latency_ms == 0);
	cJSON_Delete(good);
	cJSON_Delete(partial);
	cJSON_Delete(notobj);
	cJSON_Delete(dump);
	sim_faults_release(&fs);
}

static void test_scenarios(void **state)
{
	(void)state;
	static const struct {
		const char *msisdn, *code;
	} cases[] = {
		{"254708374149", "0"},    {"254712345678", "0"},     {"254700000001", "1"},
		{"254111111111", "1"},    {"254700001032", "1032"},  {"254333333333", "1032"},
		{"254700001037", "1037"}, {"254222222222", "1037"},  {"254700002001", "2001"},
		{"254700001019", "1019"}, {"254700000003", "SFC_IC0003"}, {"", "0"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		const char *code, *desc;
		sim_stk_scenario(cases[i].msisdn, &code, &desc);
		assert_string_equal(code, cases[i].code);
		assert_true(desc[0] != '\0');
	}
}

static void test_c2b_helpers(void **state)
{
	(void)state;
	char m[32];
	sim_c2b_mask_msisdn("254712345678", m);
	assert_string_equal(m, "2547 ***** 678");
	sim_c2b_mask_msisdn("", m);
	assert_string_equal(m, "***");

	static const struct {
		const char *body;
		bool accepts;
		const char *code, *tp;
	} cases[] = {
		{"{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}", true, "0", ""},
		{"{\"ResultCode\":\"0\",\"ThirdPartyTransID\":\"abc\"}", true, "0", "abc"},
		{"{\"ResultCode\":\"C2B00012\",\"ResultDesc\":\"Rejected\"}", false, "C2B00012", ""},
		{"{\"ResultCode\":1}", false, "1", ""},
		{"{\"ResultDesc\":\"no code\"}", false, "", ""},
		{"not json", false, "", ""},
		{"", false, "", ""},
		{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", false, "", ""},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char code[32], tp[32];
		assert_int_equal(sim_c2b_reply_accepts(cases[i].body, code, sizeof code, tp,
		                                       sizeof tp), cases[i].accepts);
		assert_string_equal(code, cases[i].code);
		assert_string_equal(tp, cases[i].tp);
	}
	assert_false(sim_c2b_reply_accepts(NULL, NULL, 0, NULL, 0));
}

static void test_url_parse(void **state)
{
	(void)state;
	struct sim_url u;
	assert_true(sim_url_parse("http://127.0.0.1:8080/cb/stk?x=1", &u));
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8080");
	assert_string_equal(u.path, "/cb/stk?x=1");
	assert_false(u.https);
	assert_true(sim_url_parse("HTTPS://example.com", &u));
	assert_true(u.https);
	assert_string_equal(u.port, "443");
	assert_string_equal(u.path, "/");
	assert_true(sim_url_parse("http://[::1]:9/x", &u));
	assert_string_equal(u.host, "::1");
	assert_true(sim_url_parse("http://h?q", &u));
	assert_string_equal(u.path, "/?q");
	assert_true(sim_url_parse("http://h/cb#frag", &u));
	assert_string_equal(u.path, "/cb");
	static const char *const bad[] = {
		"ftp://h/", "http://", "http://:80/", "http://h:0/", "http://h:65536/",
		"http://h:x/", "http://[::1/", "http://h#frag", "",
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_false(sim_url_parse(bad[i], &u));
	/* an https callback is refused with a message, never sent in clear */
	struct sim_http_result res;
	assert_false(sim_http_post_json("https://example.com/cb", "{}", 2, 100, NULL, &res));
	assert_non_null(strstr(res.error, "https"));
	sim_http_result_release(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_flags),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_money_and_listen),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_c2b_helpers),
		cmocka_unit_test(test_url_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
