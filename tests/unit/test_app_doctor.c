/* tests/unit/test_app_doctor.c: the parts of `doctor` without the network:
 * callback URLs judged by Daraja's rules, the initiator password's age, and
 * its date kept by fingerprint in the ledger (never the password). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/doctor.h"
#include "base/clock.h"
#include "base/str.h"
#include "test_app_fixture.h"

static const struct url_case {
	const char *url, *env;
	bool sim;
	enum app_verdict want;
	const char *says;
} url_cases[] = {
	{"", "sandbox", false, APP_VERDICT_WARNING, "no public callback URL"},
	{"https://pay.example.co.ke", "production", false, APP_VERDICT_OK, "follows Daraja's rules"},
	{"https://pay.example.co.ke:8443", "sandbox", false, APP_VERDICT_OK, "follows"},
	{"https://MPESA.example.com", "sandbox", false, APP_VERDICT_FAILED, "\"mpesa\""},
	{"https://shop.example.com/m-pesa", "sandbox", false, APP_VERDICT_FAILED, "\"m-pesa\""},
	{"https://safaricom-cb.example.com", "production", false, APP_VERDICT_FAILED, "\"safaricom\""},
	{"https://sql.example.com", "sandbox", false, APP_VERDICT_FAILED, "\"sql\""},
	{"https://queryhost.example.com", "sandbox", false, APP_VERDICT_FAILED, "\"query\""},
	{"https://files.example.com/app.exe", "sandbox", false, APP_VERDICT_FAILED, "\"exe\""},
	{"https://cmdcentre.example.com", "sandbox", false, APP_VERDICT_FAILED, "\"cmd\""},
	{"http://pay.example.com", "production", false, APP_VERDICT_FAILED, "only to https"},
	{"http://pay.example.com", "sandbox", false, APP_VERDICT_WARNING, "tolerates it"},
	{"https://127.0.0.1:8090", "sandbox", false, APP_VERDICT_FAILED, "private or local"},
	{"https://localhost", "sandbox", false, APP_VERDICT_FAILED, "private or local"},
	{"https://192.168.1.20", "production", false, APP_VERDICT_FAILED, "private or local"},
	{"https://10.0.0.5", "production", false, APP_VERDICT_FAILED, "private or local"},
	{"https://172.20.1.1", "production", false, APP_VERDICT_FAILED, "private or local"},
	{"https://172.40.1.1", "production", false, APP_VERDICT_OK, "follows"},
	{"https://till.local", "production", false, APP_VERDICT_FAILED, "private or local"},
	{"https://tillbox", "production", false, APP_VERDICT_FAILED, "private or local"},
	{"https://[::1]:8090", "sandbox", false, APP_VERDICT_FAILED, "private or local"},
	{"https://abcd.ngrok-free.app", "production", false, APP_VERDICT_WARNING, "tunnel"},
	{"https://abcd.ngrok-free.app", "sandbox", false, APP_VERDICT_OK, "follows"},
	{"http://127.0.0.1:8090", "sandbox", true, APP_VERDICT_OK, "simulator"},
	{"http://127.0.0.1:8090", "production", true, APP_VERDICT_OK, "simulator"},
	{"https://pay.example.com", "sandbox", true, APP_VERDICT_OK, "follows"},
	{"pay.example.com", "sandbox", false, APP_VERDICT_FAILED, "not a URL"},
	{"https://", "sandbox", false, APP_VERDICT_FAILED, "not a URL"},
	{"https://host:99999", "sandbox", false, APP_VERDICT_FAILED, "not a URL"},
};

static void test_judge_url(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof url_cases / sizeof url_cases[0]; i++) {
		const struct url_case *k = &url_cases[i];
		struct app_check c;
		enum app_verdict v = app_doctor_judge_url(k->url, k->env, k->sim, &c);
		if (v != k->want || c.verdict != v || !strstr(c.what, k->says)) {
			fprintf(stderr, "# %s (%s%s): got %s \"%s\"\n", k->url, k->env,
			        k->sim ? ", sim" : "", app_verdict_name(v), c.what);
			fail();
		}
		assert_string_equal(c.name, "callback_url");
		if (v != APP_VERDICT_OK)
			assert_true(c.fix[0] != '\0');
	}
}

enum { DAY = 86400000 };

static void test_password_age(void **state)
{
	(void)state;
	static const int64_t set = 1767225600000; /* 2026-01-01 00:00 UTC */
	static const struct {
		int64_t now_offset;
		enum app_verdict want;
		int64_t days_left;
		const char *says;
	} cases[] = {
		{0, APP_VERDICT_OK, 90, "expires on 2026-04-01 (in 90 days)"},
		{75 * (int64_t)DAY, APP_VERDICT_OK, 15, "in 15 days"},
		{76 * (int64_t)DAY + 1, APP_VERDICT_WARNING, 13, "in 13 days"},
		{89 * (int64_t)DAY, APP_VERDICT_WARNING, 1, "in 1 day)"},
		{90 * (int64_t)DAY - 1000, APP_VERDICT_WARNING, 0, "(today)"},
		{90 * (int64_t)DAY, APP_VERDICT_FAILED, 0, "expired on 2026-04-01"},
		{200 * (int64_t)DAY, APP_VERDICT_FAILED, -110, "expired on"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct app_password_age p;
		char s[160];
		app_password_age_judge(set, 90, set + cases[i].now_offset, &p);
		assert_true(p.known);
		assert_int_equal(p.verdict, cases[i].want);
		assert_int_equal(p.days_left, cases[i].days_left);
		app_password_age_sentence(&p, s, sizeof s);
		if (!strstr(s, cases[i].says)) {
			fprintf(stderr, "# case %zu: \"%s\"\n", i, s);
			fail();
		}
	}
	struct app_password_age p;
	char s[160];
	app_password_age_judge(0, 90, set, &p);
	assert_false(p.known);
	assert_non_null(strstr(app_password_age_sentence(&p, s, sizeof s), "not known"));
}

static void test_fingerprint(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct store *st = app_store(f->app);
	int64_t at = 0;
	bool changed = false;
	char v[256];
	assert_int_equal(store_initiator_password_seen(st, "Safaricom999!*!", 1000, &at, &changed,
	                                               NULL), POS_OK);
	assert_true(changed);
	assert_int_equal(at, 1000);
	assert_int_equal(store_initiator_password_seen(st, "Safaricom999!*!", 5000, &at, &changed,
	                                               NULL), POS_OK);
	assert_false(changed);
	assert_int_equal(at, 1000); /* the same password keeps its date */
	assert_int_equal(store_initiator_password_seen(st, "NewPassword1!", 9000, &at, &changed,
	                                               NULL), POS_OK);
	assert_true(changed);
	assert_int_equal(at, 9000); /* a new fingerprint: a new password, dated now */
	/* Only a slow salted hash is kept: not the password, not a plain or
	 * fast keyed hash that a copy of the database could be searched with. */
	assert_int_equal(store_setting_get(st, "initiator.fingerprint", v, sizeof v, NULL), POS_OK);
	assert_true(strncmp(v, "$argon2id$", 10) == 0);
	assert_true(crypto_pin_verify("NewPassword1!", v));
	assert_null(strstr(v, "NewPassword"));
	uint8_t plain[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1];
	crypto_sha256("NewPassword1!", 13, plain);
	assert_string_not_equal(v, crypto_hex(plain, sizeof plain, hex));
	assert_int_equal(store_initiator_password_seen(st, "", 9000, &at, NULL, NULL), POS_E_EMPTY);
	app_fx_close(f);
}

/* A database from before keeps an HMAC-SHA256 fingerprint under a salt: the
 * same password still matches it (its date kept) and it becomes Argon2id. */
static void test_fingerprint_upgrade(void **state)
{
	(void)state;
	struct app_fx *f = app_fx_open(NULL, true);
	assert_non_null(f);
	struct store *st = app_store(f->app);
	static const char salt[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	uint8_t mac[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1], v[256];
	crypto_hmac_sha256(salt, strlen(salt), "Safaricom999!*!", 15, mac);
	crypto_hex(mac, sizeof mac, hex);
	assert_int_equal(store_setting_set(st, "initiator.salt", salt, NULL), POS_OK);
	assert_int_equal(store_setting_set(st, "initiator.fingerprint", hex, NULL), POS_OK);
	assert_int_equal(store_setting_set(st, "initiator.set_at", "1234", NULL), POS_OK);
	int64_t at = 0;
	bool changed = true;
	assert_int_equal(store_initiator_password_seen(st, "Safaricom999!*!", 5000, &at, &changed,
	                                               NULL), POS_OK);
	assert_false(changed);
	assert_int_equal(at, 1234);
	assert_int_equal(store_setting_get(st, "initiator.fingerprint", v, sizeof v, NULL), POS_OK);
	assert_true(strncmp(v, "$argon2id$", 10) == 0);
	assert_int_equal(store_initiator_password_seen(st, "Safaricom999!*!", 6000, &at, &changed,
	                                               NULL), POS_OK);
	assert_false(changed);
	assert_int_equal(at, 1234);
	assert_int_equal(store_initiator_password_seen(st, "Other", 7000, &at, &changed, NULL),
	                 POS_OK);
	assert_true(changed);
	assert_int_equal(at, 7000);
	app_fx_close(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge_url),
		cmocka_unit_test(test_password_age),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_fingerprint_upgrade),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
