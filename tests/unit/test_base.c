/* tests/unit/test_base.c: base/ — strings, parsers, buffers, errors, clocks,
 * logging with secret masking, and crypto helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/status.h"
#include "base/str.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static void test_parse_u64(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		uint64_t max;
		enum pos_status want;
		uint64_t value;
	} cases[] = {
		{"0", 10, POS_OK, 0},
		{"10", 10, POS_OK, 10},
		{"11", 10, POS_E_RANGE, 0},
		{"18446744073709551615", UINT64_MAX, POS_OK, UINT64_MAX},
		{"18446744073709551616", UINT64_MAX, POS_E_RANGE, 0},
		{"99999999999999999999999", UINT64_MAX, POS_E_RANGE, 0},
		{"", 10, POS_E_PARSE, 0},
		{"-1", 10, POS_E_PARSE, 0},
		{"+1", 10, POS_E_PARSE, 0},
		{" 1", 10, POS_E_PARSE, 0},
		{"1 ", 10, POS_E_PARSE, 0},
		{"1a", 10, POS_E_PARSE, 0},
		{"\xd9\xa3", 10, POS_E_PARSE, 0}, /* Arabic-Indic digit three */
		{"007", 10, POS_OK, 7},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		uint64_t v = 12345;
		enum pos_status st = parse_u64_str(cases[i].in, cases[i].max, &v);
		assert_int_equal(st, cases[i].want);
		if (st == POS_OK)
			assert_true(v == cases[i].value);
	}
	/* A counted parse never reads past end, even without a NUL. */
	const char digits[3] = {'1', '2', '3'};
	const char *p = digits;
	uint64_t v;
	assert_int_equal(parse_u64(&p, digits + 2, 1000, &v), POS_OK);
	assert_true(v == 12);
	assert_ptr_equal(p, digits + 2);
	assert_int_equal(parse_u64_str(NULL, 1, &v), POS_E_PARSE);
}

static void test_parse_i64(void **state)
{
	(void)state;
	int64_t v;
	assert_int_equal(parse_i64_str("-5", -10, 10, &v), POS_OK);
	assert_true(v == -5);
	assert_int_equal(parse_i64_str("-11", -10, 10, &v), POS_E_RANGE);
	assert_int_equal(parse_i64_str("11", -10, 10, &v), POS_E_RANGE);
	assert_int_equal(parse_i64_str("-9223372036854775808", INT64_MIN, INT64_MAX, &v), POS_OK);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_i64_str("9223372036854775808", INT64_MIN, INT64_MAX, &v), POS_E_RANGE);
	assert_int_equal(parse_i64_str("--1", -10, 10, &v), POS_E_PARSE);
	assert_int_equal(parse_i64_str("-", -10, 10, &v), POS_E_PARSE);
	assert_int_equal(parse_i64_str("-1", 0, 10, &v), POS_E_RANGE);
}

static void test_str_copy_and_fmt(void **state)
{
	(void)state;
	char small[4];
	assert_true(str_copy(small, sizeof small, "abc"));
	assert_string_equal(small, "abc");
	assert_false(str_copy(small, sizeof small, "abcd"));
	assert_string_equal(small, "abc");
	assert_true(str_copy(small, sizeof small, NULL));
	assert_string_equal(small, "");
	/* An embedded NUL ends a counted copy. */
	assert_true(str_copyn(small, sizeof small, "a\0bc", 4));
	assert_string_equal(small, "a");
	assert_false(str_fmt(small, sizeof small, "%d", 12345));
	assert_string_equal(small, "123");
	assert_true(str_fmt(small, sizeof small, "%d", 7));
}

static void test_str_predicates(void **state)
{
	(void)state;
	char t[] = " \t hello \r\n";
	assert_string_equal(str_trim(t), "hello");
	char e[] = "   ";
	assert_string_equal(str_trim(e), "");
	assert_true(str_eq_nocase("Completed", "cOMPLETED"));
	assert_false(str_eq_nocase("Completed", "Complete"));
	assert_true(str_eq(NULL, NULL));
	assert_false(str_eq("a", NULL));
	assert_true(str_starts_with("ws_CO_123", "ws_CO_"));
	assert_true(str_ends_with("file.csv", ".csv"));
	assert_false(str_ends_with("csv", "file.csv"));
	assert_true(str_is_digits("0123"));
	assert_false(str_is_digits(""));
	assert_false(str_is_digits("12a"));
	assert_true(str_is_printable_ascii("Pay Bill 123"));
	assert_false(str_is_printable_ascii("caf\xc3\xa9"));
	assert_int_equal(str_utf8_len("caf\xc3\xa9"), 4);
	assert_int_equal(str_utf8_len("\xc3"), -1);          /* truncated */
	assert_int_equal(str_utf8_len("\xc0\xaf"), -1);      /* overlong */
	assert_int_equal(str_utf8_len("\xed\xa0\x80"), -1);  /* surrogate */
	assert_true(str_eq_ct("abc", 3, "abc", 3));
	assert_false(str_eq_ct("abc", 3, "abd", 3));
	assert_false(str_eq_ct("abc", 3, "abcd", 4));
}

static void test_buf_ceiling(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 10);
	assert_int_equal(buf_puts(&b, "12345"), POS_OK);
	assert_int_equal(buf_printf(&b, "%d", 67890), POS_OK);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "1234567890");
	assert_int_equal(buf_puts(&b, "x"), POS_E_TOO_LONG);
	assert_int_equal(b.len, 10);
	assert_int_equal(buf_printf(&b, "%s", "y"), POS_E_TOO_LONG);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append(&b, "a\0b", 3), POS_OK);
	assert_int_equal(b.len, 3);
	/* A huge append is refused without wrapping around. */
	assert_int_equal(buf_append(&b, "", SIZE_MAX), POS_E_TOO_LONG);
	buf_release(&b);
}

static void test_status_and_err(void **state)
{
	(void)state;
	struct pos_err err;
	char out[512];
	for (int s = 0; s < POS_STATUS_COUNT; s++) {
		assert_non_null(pos_status_name((enum pos_status)s));
		assert_true(strlen(pos_status_sentence((enum pos_status)s)) > 0);
	}
	assert_string_equal(pos_status_name(POS_E_PHONE), "POS_E_PHONE");
	assert_string_equal(pos_status_name((enum pos_status)9999), "POS_E_?");
	assert_int_equal(pos_err_set(&err, POS_E_PHONE, "phone", "\"%s\" is too short", "0712"),
	                 POS_E_PHONE);
	pos_err_hint(&err, "a Kenyan mobile number has %d digits", 10);
	assert_string_equal(pos_err_format(&err, out, sizeof out),
	                    "phone: \"0712\" is too short; a Kenyan mobile number has 10 digits");
	pos_err_set(&err, POS_E_NOT_FOUND, NULL, NULL);
	assert_string_equal(pos_err_format(&err, out, sizeof out), "not found");
	/* NULL err is allowed everywhere. */
	assert_int_equal(pos_err_set(NULL, POS_E_RANGE, "x", "y"), POS_E_RANGE);
	pos_err_hint(NULL, "z");
	pos_err_clear(NULL);
	/* Overlong text is truncated, never overflowed. */
	char huge[4096];
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	pos_err_set(&err, POS_E_INVALID, huge, "%s", huge);
	assert_int_equal(strlen(err.field), POS_ERR_FIELD_MAX - 1);
	assert_int_equal(strlen(err.msg), POS_ERR_MSG_MAX - 1);
}

static void test_clock_nairobi(void **state)
{
	(void)state;
	char ts[15], iso[26], utc[25];
	/* 2016-02-16 13:56:27 UTC is 16:56:27 in Nairobi (the STK test vector). */
	time_t t = 1455630987;
	clock_daraja_timestamp(t, ts);
	assert_string_equal(ts, "20160216165627");
	clock_iso8601_eat(t, iso);
	assert_string_equal(iso, "2016-02-16T16:56:27+03:00");
	clock_iso8601_utc_ms((int64_t)t * 1000 + 42, utc);
	assert_string_equal(utc, "2016-02-16T13:56:27.042Z");
	/* Past midnight UTC+3 the date turns before UTC's. */
	clock_daraja_timestamp(1735678800, ts); /* 2024-12-31 21:00:00 UTC */
	assert_string_equal(ts, "20250101000000");

	time_t back;
	assert_true(clock_parse_daraja_timestamp("20160216165627", &back));
	assert_true(back == t);
	static const char *const bad[] = {"", "2016021616562", "201602161656270",
	                                  "20161316165627", "20160230165627",
	                                  "20160216245627", "2016021616562a",
	                                  "20150229000000", "19691231235959"};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_false(clock_parse_daraja_timestamp(bad[i], &back));
	assert_true(clock_parse_daraja_timestamp("20240229000000", &back));
	assert_true(clock_parse_date_eat("2025-03-14", &back));
	assert_true(back == 1741899600); /* 2025-03-13T21:00:00Z */
	assert_false(clock_parse_date_eat("2025-3-14", &back));
	assert_false(clock_parse_date_eat("2025/03/14", &back));

	clock_set_fixed(1000);
	assert_true(clock_now() == 1000);
	clock_set_fixed(-1);
	assert_true(clock_now() > 1700000000);
	assert_true(clock_mono_ms() > 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char data[65536];
	size_t n = fread(data, 1, sizeof data - 1, f);
	data[n] = '\0';
	fclose(f);
	return data;
}

/* A long-running serve registers a new access token about every hour: the
 * permanent secrets (consumer secret, the callback path's) stay masked
 * however many come after them; the newest tokens are masked too. */
static void test_log_keeps_permanent_secrets(void **state)
{
	(void)state;
	char masked[256], tok[32];
	log_secret_add("consumer-secret-XYZ");
	log_secret_add("d8d753323f8770784502b30cd437c156");
	for (int i = 0; i < 500; i++) {
		snprintf(tok, sizeof tok, "token-%04d", i);
		log_secret_add_temporary(tok);
	}
	log_mask("/d8d753323f8770784502b30cd437c156/b2c consumer-secret-XYZ token-0499 token-0484",
	         masked, sizeof masked);
	assert_string_equal(masked, "/[secret]/b2c [secret] [secret] [secret]");
	log_mask("token-0000 token-0483", masked, sizeof masked); /* long forgotten */
	assert_string_equal(masked, "token-0000 token-0483");
	/* A token registered again as permanent is never forgotten, and the
	 * newest 16 tokens are still kept beside it. */
	log_secret_add("token-0499");
	for (int i = 500; i < 516; i++) {
		snprintf(tok, sizeof tok, "token-%04d", i);
		log_secret_add_temporary(tok);
	}
	log_mask("token-0499 token-0500 token-0515 token-0498", masked, sizeof masked);
	assert_string_equal(masked, "[secret] [secret] [secret] token-0498");
	log_secrets_clear();
	log_mask("consumer-secret-XYZ", masked, sizeof masked);
	assert_string_equal(masked, "consumer-secret-XYZ");
}

static void test_log_masks_secrets(void **state)
{
	(void)state;
	char path[] = "/tmp/mpesa-pos-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct pos_err err;
	assert_int_equal(log_open(path, LOG_INFO, &err), POS_OK);

	log_secret_add("consumer-secret-XYZ");
	log_secret_add("bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919");
	log_secret_add("abc"); /* too short to register */
	log_debug("test", "not at this level %s", "consumer-secret-XYZ");
	log_info("test", "secret in text: consumer-secret-XYZ!");
	log_info("test", "passkey %s in the middle",
	         "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919");
	log_info("http", "Authorization: Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF");
	log_info("http", "Authorization: Basic a2V5OnNlY3JldA==");
	log_info("http", "body {\"Password\":\"MTc0Mzc5YmZi\",\"SecurityCredential\": \"ZZZZ\",\"Amount\":10}");
	log_info("http", "token {\"access_token\":\"tok123456\",\"expires_in\":\"3599\"}");
	log_warn("cfg", "initiator_password=Safaricom999!*! pin=1234");
	log_info("test", "multi\nline");
	log_close();

	const char *out = slurp(path);
	assert_non_null(out);
	assert_null(strstr(out, "consumer-secret-XYZ"));
	assert_null(strstr(out, "bfb279f9"));
	assert_null(strstr(out, "c9SQxWWhmdVRlyh0zh8gZDTkubVF"));
	assert_null(strstr(out, "a2V5OnNlY3JldA=="));
	assert_null(strstr(out, "MTc0Mzc5YmZi"));
	assert_null(strstr(out, "ZZZZ"));
	assert_null(strstr(out, "tok123456"));
	assert_null(strstr(out, "Safaricom999"));
	assert_null(strstr(out, "1234"));
	assert_null(strstr(out, "not at this level"));
	assert_non_null(strstr(out, "secret in text: [secret]!"));
	assert_non_null(strstr(out, "Authorization: Bearer [secret]"));
	assert_non_null(strstr(out, "\"Amount\":10"));
	assert_non_null(strstr(out, "\"expires_in\":\"3599\""));
	assert_non_null(strstr(out, "multi line"));
	assert_non_null(strstr(out, " INFO  test: "));
	/* Every line is one event. */
	int lines = 0;
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 8);

	char masked[128];
	log_mask("key consumer-secret-XYZ end", masked, sizeof masked);
	assert_string_equal(masked, "key [secret] end");
	/* Masking output is bounded. */
	char tiny[8];
	log_mask("consumer-secret-XYZ consumer-secret-XYZ", tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), 7);
	log_secrets_clear();
	log_mask("consumer-secret-XYZ", masked, sizeof masked);
	assert_string_equal(masked, "consumer-secret-XYZ");
	unlink(path);

	enum log_level lv;
	assert_true(log_level_parse("WARN", &lv));
	assert_int_equal(lv, LOG_WARN);
	assert_false(log_level_parse("verbose", &lv));
	assert_int_equal(log_open("/nonexistent-dir/x.log", LOG_INFO, &err), POS_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x.log"));
}

static void test_crypto(void **state)
{
	(void)state;
	/* The STK password test vector from the API facts, section 4.1. */
	const char *in = "174379bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c91920160216165627";
	char b64[256];
	size_t n = crypto_base64_encode(in, strlen(in), b64, sizeof b64);
	assert_int_equal(n, strlen(b64));
	assert_string_equal(b64, "MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3");
	uint8_t dec[256];
	size_t dn;
	assert_int_equal(crypto_base64_decode(b64, n, dec, sizeof dec, &dn), POS_OK);
	assert_int_equal(dn, strlen(in));
	assert_memory_equal(dec, in, dn);
	static const char *const bad[] = {"abc", "ab=c", "a===", "ab!d", "=abc", "ab==ab=="};
	for (size_t i = 0; i < N_ELEMS(bad); i++)
		assert_int_equal(crypto_base64_decode(bad[i], strlen(bad[i]), dec, sizeof dec, &dn),
		                 POS_E_PARSE);
	assert_int_equal(crypto_base64_decode("YWJj", 4, dec, 2, &dn), POS_E_TOO_LONG);
	assert_int_equal(crypto_base64_encode("abc", 3, b64, 4), 0);

	uint8_t h[CRYPTO_SHA256_LEN];
	char hex[65];
	crypto_sha256("abc", 3, h);
	assert_string_equal(crypto_hex(h, sizeof h, hex),
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2. */
	crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, h);
	assert_string_equal(crypto_hex(h, sizeof h, hex),
	                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	char r1[33], r2[33];
	assert_int_equal(crypto_random_hex(r1, 16), POS_OK);
	assert_int_equal(crypto_random_hex(r2, 16), POS_OK);
	assert_int_equal(strlen(r1), 32);
	assert_string_not_equal(r1, r2);

	char stored[CRYPTO_PIN_HASH_MAX];
	assert_int_equal(crypto_pin_hash("4821", stored, sizeof stored), POS_OK);
	assert_true(str_starts_with(stored, "$argon2id$"));
	assert_null(strstr(stored, "4821"));
	assert_true(crypto_pin_verify("4821", stored));
	assert_false(crypto_pin_verify("4822", stored));
	assert_false(crypto_pin_verify("", stored));
	assert_false(crypto_pin_verify("4821", "$plain$4821"));
	char stored2[CRYPTO_PIN_HASH_MAX];
	crypto_pin_hash("4821", stored2, sizeof stored2);
	assert_string_not_equal(stored, stored2); /* salted */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_i64),
		cmocka_unit_test(test_str_copy_and_fmt),
		cmocka_unit_test(test_str_predicates),
		cmocka_unit_test(test_buf_ceiling),
		cmocka_unit_test(test_status_and_err),
		cmocka_unit_test(test_clock_nairobi),
		cmocka_unit_test(test_log_masks_secrets),
		cmocka_unit_test(test_log_keeps_permanent_secrets),
		cmocka_unit_test(test_crypto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
