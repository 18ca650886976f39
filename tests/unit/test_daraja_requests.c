/* tests/unit/test_daraja_requests.c: daraja/requests.c — every request body
 * exactly as Daraja expects it (names, typos, types, order), the STK password
 * and timestamp whatever the machine's zone, and validation before sending
 * with hostile rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/status.h"
#include "daraja/client_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static char s_shortcode[] = "174379";
static char s_passkey[] = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";
static char s_paybill[] = "CustomerPayBillOnline";
static char s_buygoods[] = "CustomerBuyGoodsOnline";
static char s_till[] = "5123456";
static char s_b2c[] = "600996";
static char s_initiator[] = "testapi";
static char s_initpw[] = "Safaricom999!*!";
static char s_cert[] = "/nonexistent/cert.pem";
static char s_v1[] = "v1";

static struct daraja_conf conf(void)
{
	return (struct daraja_conf){
		.business_shortcode = s_shortcode,
		.passkey = s_passkey,
		.transaction_type = s_paybill,
		.b2c_shortcode = s_b2c,
		.initiator_name = s_initiator,
		.initiator_password = s_initpw,
		.cert_path = s_cert,
		.c2b_version = s_v1,
	};
}

/* 2016-02-16 16:56:27 in Nairobi: the documented password test vector. */
static time_t vector_time(void)
{
	time_t t;
	assert_true(clock_parse_daraja_timestamp("20160216165627", &t));
	return t;
}

static const char VECTOR_PASSWORD[] =
	"MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkzMDU5YjEw"
	"Zjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3";

static const struct daraja_stk_push_req good_push = {
	.phone = "0708374149",
	.amount = 1,
	.account_ref = "INV-2041",
	.description = "Payment",
	.callback_url = "https://pos.example.org/cb/stk/1",
};

/* ---- STK password and timestamp -------------------------------------------------- */

static void test_stk_password_vector(void **state)
{
	(void)state;
	char out[256];
	struct pos_err e;
	assert_int_equal(daraja_stk_password("174379", s_passkey, "20160216165627", out,
	                                     sizeof out, &e), POS_OK);
	assert_string_equal(out, VECTOR_PASSWORD);
	/* Too small an output buffer is an error, not a truncated password. */
	char small[16];
	assert_int_not_equal(daraja_stk_password("174379", s_passkey, "20160216165627",
	                                         small, sizeof small, &e), POS_OK);
	assert_int_equal(daraja_stk_password("", s_passkey, "20160216165627", out,
	                                     sizeof out, &e), POS_E_CONFIG);
	assert_int_equal(daraja_stk_password("174379", NULL, "20160216165627", out,
	                                     sizeof out, &e), POS_E_CONFIG);
}

static void build_push_in_zone(const char *tz, char **json)
{
	struct daraja_conf c = conf();
	struct pos_err e;
	if (tz)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
	assert_int_equal(daraja_build_stk_push(&c, &good_push, vector_time(), json, &e),
	                 POS_OK);
}

static void test_stk_push_exact_json_any_zone(void **state)
{
	(void)state;
	static const char want[] =
		"{\"BusinessShortCode\":174379,"
		"\"Password\":\"MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFhNDY3Y2QyZTBjODkz"
		"MDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3\","
		"\"Timestamp\":\"20160216165627\","
		"\"TransactionType\":\"CustomerPayBillOnline\","
		"\"Amount\":1,\"PartyA\":254708374149,\"PartyB\":174379,"
		"\"PhoneNumber\":254708374149,"
		"\"CallBackURL\":\"https://pos.example.org/cb/stk/1\","
		"\"AccountReference\":\"INV-2041\",\"TransactionDesc\":\"Payment\"}";
	static const char *const zones[] = {"UTC", "America/New_York", "Asia/Tokyo",
	                                    "Pacific/Kiritimati", NULL};
	/* The zones must really apply, or this proves nothing (tzdata). */
	time_t t = vector_time();
	struct tm utc, ny;
	setenv("TZ", "America/New_York", 1);
	tzset();
	gmtime_r(&t, &utc);
	localtime_r(&t, &ny);
	if (utc.tm_hour == ny.tm_hour)
		fail_msg("TZ=America/New_York has no effect: install tzdata");
	for (size_t i = 0; i < N_ELEMS(zones); i++) {
		char *json = NULL;
		build_push_in_zone(zones[i], &json);
		assert_string_equal(json, want);
		free(json);
	}
	unsetenv("TZ");
	tzset();
}

static void test_stk_push_buy_goods(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	c.transaction_type = s_buygoods;
	c.till_number = s_till;
	assert_int_equal(daraja_build_stk_push(&c, &good_push, vector_time(), &json, &e),
	                 POS_OK);
	/* PartyB is the till; BusinessShortCode stays the store number. */
	assert_non_null(strstr(json, "\"TransactionType\":\"CustomerBuyGoodsOnline\""));
	assert_non_null(strstr(json, "\"PartyB\":5123456"));
	assert_non_null(strstr(json, "\"BusinessShortCode\":174379"));
	free(json);
	/* Buy goods without a till number: a configuration error naming it. */
	c.till_number = NULL;
	assert_int_equal(daraja_build_stk_push(&c, &good_push, vector_time(), &json, &e),
	                 POS_E_CONFIG);
	assert_null(json);
	assert_string_equal(e.field, "[daraja] till_number");
}

static void test_stk_query_exact_json(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct daraja_stk_query_req q = {.checkout_request_id = "ws_CO_14032025101502123712345678"};
	struct pos_err e;
	char *json = NULL;
	assert_int_equal(daraja_build_stk_query(&c, &q, vector_time(), &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"BusinessShortCode\":174379,\"Password\":\"MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2Rk"
		"NzFhNDY3Y2QyZTBjODkzMDU5YjEwZjc4ZTZiNzJhZGExZWQyYzkxOTIwMTYwMjE2MTY1NjI3\","
		"\"Timestamp\":\"20160216165627\","
		"\"CheckoutRequestID\":\"ws_CO_14032025101502123712345678\"}");
	free(json);

	static const char *const bad_ids[] = {"", "ws CO", "ws_\"CO", "a\\b", "ws_\x01",
	                                      "\xc3\xa9t\xc3\xa9",
	                                      "ws_CO_0123456789012345678901234567890123456789"
	                                      "0123456789012345678901234567890123456789"};
	for (size_t i = 0; i < N_ELEMS(bad_ids); i++) {
		q.checkout_request_id = bad_ids[i];
		assert_int_not_equal(daraja_build_stk_query(&c, &q, vector_time(), &json, &e),
		                     POS_OK);
		assert_null(json);
		assert_string_equal(e.field, "checkout_request_id");
	}
}

/* Hostile STK push rows: each must be refused before a body exists, with
 * the field named. */
static void test_stk_push_validation(void **state)
{
	(void)state;
	char huge[4096];
	memset(huge, '7', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	static const char nul_phone[] = "0712\0" "345678";
	const struct {
		struct daraja_stk_push_req r;
		const char *field;
	} cases[] = {
		{{NULL, 1, "A", "B", "https://pos.example.org/cb"}, "phone"},
		{{"", 1, "A", "B", "https://pos.example.org/cb"}, "phone"},
		{{"0712", 1, "A", "B", "https://pos.example.org/cb"}, "phone"},
		{{huge, 1, "A", "B", "https://pos.example.org/cb"}, "phone"},
		{{nul_phone, 1, "A", "B", "https://pos.example.org/cb"}, "phone"},
		{{"\xef\xbc\x90\xef\xbc\x97\xef\xbc\x91\xef\xbc\x92" "345678", 1, "A", "B",
		  "https://pos.example.org/cb"}, "phone"},
		{{"0712345678", 0, "A", "B", "https://pos.example.org/cb"}, "amount"},
		{{"0712345678", -5, "A", "B", "https://pos.example.org/cb"}, "amount"},
		{{"0712345678", 250001, "A", "B", "https://pos.example.org/cb"}, "amount"},
		{{"0712345678", INT64_MAX, "A", "B", "https://pos.example.org/cb"}, "amount"},
		{{"0712345678", 10, "", "B", "https://pos.example.org/cb"}, "account_reference"},
		{{"0712345678", 10, "1234567890123", "B", "https://pos.example.org/cb"},
		 "account_reference"},
		{{"0712345678", 10, "caf\xc3\xa9", "B", "https://pos.example.org/cb"},
		 "account_reference"},
		{{"0712345678", 10, "a\"b", "B", "https://pos.example.org/cb"}, "account_reference"},
		{{"0712345678", 10, "A", "12345678901234", "https://pos.example.org/cb"},
		 "transaction_desc"},
		{{"0712345678", 10, "A", "", "https://pos.example.org/cb"}, "transaction_desc"},
		{{"0712345678", 10, "A", "tab\there", "https://pos.example.org/cb"},
		 "transaction_desc"},
		{{"0712345678", 10, "A", "B", ""}, "callback_url"},
		{{"0712345678", 10, "A", "B", "http://pos.example.org/cb"}, "callback_url"},
		{{"0712345678", 10, "A", "B", "https://pos.example.org/mpesa/cb"}, "callback_url"},
		{{"0712345678", 10, "A", "B", "ftp://pos.example.org/cb"}, "callback_url"},
		{{"0712345678", 10, "A", "B", huge}, "callback_url"},
	};
	struct daraja_conf c = conf();
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct pos_err e;
		char *json = (char *)"sentinel";
		enum pos_status st = daraja_build_stk_push(&c, &cases[i].r, vector_time(),
		                                           &json, &e);
		if (st == POS_OK)
			fail_msg("row %zu was accepted: %s", i, json);
		assert_null(json);
		if (strcmp(e.field, cases[i].field) != 0)
			fail_msg("row %zu: field \"%s\", want \"%s\" (%s)", i, e.field,
			         cases[i].field, e.msg);
		assert_true(e.msg[0] != '\0');
	}
	/* Loopback http is fine (the simulator, a local tunnel). */
	struct daraja_stk_push_req ok = good_push;
	ok.callback_url = "http://127.0.0.1:8080/cb/stk/1";
	char *json = NULL;
	struct pos_err e;
	assert_int_equal(daraja_build_stk_push(&c, &ok, vector_time(), &json, &e), POS_OK);
	free(json);
	/* Phone forms a cashier types all become 2547... */
	static const char *const forms[] = {"0708374149", "708374149", "+254708374149",
	                                    "254 708 374 149", "254708374149"};
	for (size_t i = 0; i < N_ELEMS(forms); i++) {
		ok.phone = forms[i];
		assert_int_equal(daraja_build_stk_push(&c, &ok, vector_time(), &json, &e), POS_OK);
		assert_non_null(strstr(json, "\"PartyA\":254708374149,"));
		assert_non_null(strstr(json, "\"PhoneNumber\":254708374149,"));
		free(json);
	}
}

static void test_stk_config_errors(void **state)
{
	(void)state;
	struct pos_err e;
	char *json = NULL;
	struct daraja_conf c = conf();
	c.business_shortcode = NULL;
	assert_int_equal(daraja_build_stk_push(&c, &good_push, vector_time(), &json, &e),
	                 POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] business_shortcode");
	static char bad_sc[] = "12ab5";
	c.business_shortcode = bad_sc;
	assert_int_not_equal(daraja_build_stk_push(&c, &good_push, vector_time(), &json, &e),
	                     POS_OK);
	assert_string_equal(e.field, "[daraja] business_shortcode");
	c = conf();
	c.passkey = NULL;
	assert_int_equal(daraja_build_stk_push(&c, &good_push, vector_time(), &json, &e),
	                 POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] passkey");
	assert_null(json);
}

/* ---- initiator APIs ---------------------------------------------------------------------- */

static const struct daraja_b2c_req good_b2c = {
	.originator_conversation_id = "7f3c2a9e-1b4d-4e8a-9c6b-2d5e8f1a0b37",
	.command = FIELDS_B2C_SALARY,
	.phone = "0712345678",
	.amount = 1500,
	.remarks = "March wages",
	.result_url = "https://pos.example.org/cb/b2c/result/7",
	.timeout_url = "https://pos.example.org/cb/b2c/timeout/7",
};

static void test_b2c_exact_json(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	assert_int_equal(daraja_build_b2c(&c, &good_b2c, "CRED==", &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"OriginatorConversationID\":\"7f3c2a9e-1b4d-4e8a-9c6b-2d5e8f1a0b37\","
		"\"InitiatorName\":\"testapi\",\"SecurityCredential\":\"CRED==\","
		"\"CommandID\":\"SalaryPayment\",\"Amount\":1500,\"PartyA\":600996,"
		"\"PartyB\":254712345678,\"Remarks\":\"March wages\","
		"\"QueueTimeOutURL\":\"https://pos.example.org/cb/b2c/timeout/7\","
		"\"ResultURL\":\"https://pos.example.org/cb/b2c/result/7\"}");
	free(json);

	struct daraja_b2c_req r = good_b2c;
	r.command = FIELDS_B2C_BUSINESS;
	r.occasion = "Bonus";
	r.remarks = NULL; /* default remarks */
	assert_int_equal(daraja_build_b2c(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_non_null(strstr(json, "\"CommandID\":\"BusinessPayment\""));
	assert_non_null(strstr(json, "\"Remarks\":\"Payout\""));
	assert_non_null(strstr(json, ",\"Occasion\":\"Bonus\"}"));
	assert_null(strstr(json, "\"Initiator\":"));
	free(json);
	r.command = FIELDS_B2C_PROMOTION;
	assert_int_equal(daraja_build_b2c(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_non_null(strstr(json, "\"CommandID\":\"PromotionPayment\""));
	free(json);
}

static void test_b2c_validation(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	char long_text[200];
	memset(long_text, 'x', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	struct {
		struct daraja_b2c_req r;
		const char *field;
	} cases[8];
	size_t n = 0;
	cases[n].r = good_b2c, cases[n].r.originator_conversation_id = "", cases[n++].field = "originator_conversation_id";
	cases[n].r = good_b2c, cases[n].r.originator_conversation_id = "has space", cases[n++].field = "originator_conversation_id";
	cases[n].r = good_b2c, cases[n].r.command = (enum fields_b2c_command)7, cases[n++].field = "command_id";
	cases[n].r = good_b2c, cases[n].r.phone = "0712", cases[n++].field = "phone";
	cases[n].r = good_b2c, cases[n].r.amount = 9, cases[n++].field = "amount";
	cases[n].r = good_b2c, cases[n].r.remarks = long_text, cases[n++].field = "remarks";
	cases[n].r = good_b2c, cases[n].r.occasion = long_text, cases[n++].field = "occasion";
	cases[n].r = good_b2c, cases[n].r.timeout_url = "http://pos.example.org/t", cases[n++].field = "timeout_url";
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(daraja_build_b2c(&c, &cases[i].r, "CRED==", &json, &e), POS_OK);
		assert_null(json);
		if (strcmp(e.field, cases[i].field) != 0)
			fail_msg("row %zu: field \"%s\", want \"%s\" (%s)", i, e.field,
			         cases[i].field, e.msg);
	}
	/* Configuration the initiator APIs need. */
	c.initiator_name = NULL;
	assert_int_equal(daraja_check_b2c(&c, &good_b2c, &e), POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] initiator_name");
	c = conf();
	c.cert_path = NULL;
	assert_int_equal(daraja_check_b2c(&c, &good_b2c, &e), POS_E_CONFIG);
	assert_string_equal(e.field, "[daraja] cert_path");
	/* Without a B2C shortcode the business shortcode is PartyA. */
	c = conf();
	c.b2c_shortcode = NULL;
	assert_int_equal(daraja_build_b2c(&c, &good_b2c, "CRED==", &json, &e), POS_OK);
	assert_non_null(strstr(json, "\"PartyA\":174379"));
	free(json);
}

static void test_txn_status_exact_json(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	struct daraja_status_req r = {
		.transaction_id = "NLJ7RT61SV",
		.result_url = "https://pos.example.org/cb/status/result/9",
		.timeout_url = "https://pos.example.org/cb/status/timeout/9",
	};
	assert_int_equal(daraja_build_txn_status(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"Initiator\":\"testapi\",\"SecurityCredential\":\"CRED==\","
		"\"CommandID\":\"TransactionStatusQuery\",\"TransactionID\":\"NLJ7RT61SV\","
		"\"PartyA\":600996,\"IdentifierType\":\"4\","
		"\"ResultURL\":\"https://pos.example.org/cb/status/result/9\","
		"\"QueueTimeOutURL\":\"https://pos.example.org/cb/status/timeout/9\","
		"\"Remarks\":\"Status query\"}");
	free(json);

	/* By our OriginatorConversationID: both spellings, no TransactionID. */
	r.transaction_id = NULL;
	r.original_conversation_id = "7f3c2a9e-1b4d";
	assert_int_equal(daraja_build_txn_status(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_non_null(strstr(json, "\"OriginalConversationID\":\"7f3c2a9e-1b4d\""));
	assert_non_null(strstr(json, "\"OriginalConcersationID\":\"7f3c2a9e-1b4d\""));
	assert_null(strstr(json, "TransactionID"));
	free(json);

	/* IdentifierType 1: PartyA is a phone number, normalised. */
	r.identifier_type = 1;
	r.party_a = "0712345678";
	assert_int_equal(daraja_build_txn_status(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_non_null(strstr(json, "\"PartyA\":254712345678,\"IdentifierType\":\"1\""));
	free(json);

	struct daraja_status_req bad = r;
	bad.original_conversation_id = NULL;
	assert_int_equal(daraja_build_txn_status(&c, &bad, "CRED==", &json, &e), POS_E_EMPTY);
	bad.transaction_id = "nlj7rt61sv";
	assert_int_not_equal(daraja_build_txn_status(&c, &bad, "CRED==", &json, &e), POS_OK);
	assert_string_equal(e.field, "transaction_id");
	bad.transaction_id = "NLJ7RT61SVX";
	assert_int_not_equal(daraja_build_txn_status(&c, &bad, "CRED==", &json, &e), POS_OK);
	bad = r;
	bad.identifier_type = 3;
	assert_int_not_equal(daraja_build_txn_status(&c, &bad, "CRED==", &json, &e), POS_OK);
	assert_string_equal(e.field, "identifier_type");
	assert_null(json);
}

static void test_balance_and_reversal_exact_json(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	struct daraja_balance_req b = {
		.result_url = "https://pos.example.org/cb/balance/result/3",
		.timeout_url = "https://pos.example.org/cb/balance/timeout/3",
	};
	assert_int_equal(daraja_build_balance(&c, &b, "CRED==", &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"Initiator\":\"testapi\",\"SecurityCredential\":\"CRED==\","
		"\"CommandID\":\"AccountBalance\",\"PartyA\":600996,\"IdentifierType\":\"4\","
		"\"Remarks\":\"Balance query\","
		"\"QueueTimeOutURL\":\"https://pos.example.org/cb/balance/timeout/3\","
		"\"ResultURL\":\"https://pos.example.org/cb/balance/result/3\"}");
	free(json);

	struct daraja_reversal_req r = {
		.transaction_id = "NLJ7RT61SV",
		.amount = 150,
		.remarks = "Wrong amount",
		.result_url = "https://pos.example.org/cb/reversal/result/4",
		.timeout_url = "https://pos.example.org/cb/reversal/timeout/4",
	};
	assert_int_equal(daraja_build_reversal(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"Initiator\":\"testapi\",\"SecurityCredential\":\"CRED==\","
		"\"CommandID\":\"TransactionReversal\",\"TransactionID\":\"NLJ7RT61SV\","
		"\"Amount\":150,\"ReceiverParty\":174379,\"RecieverIdentifierType\":\"11\","
		"\"ResultURL\":\"https://pos.example.org/cb/reversal/result/4\","
		"\"QueueTimeOutURL\":\"https://pos.example.org/cb/reversal/timeout/4\","
		"\"Remarks\":\"Wrong amount\"}");
	free(json);
	r.amount = 0;
	assert_int_not_equal(daraja_build_reversal(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_string_equal(e.field, "amount");
	r.amount = 150;
	r.receiver_party = "0123";
	assert_int_not_equal(daraja_build_reversal(&c, &r, "CRED==", &json, &e), POS_OK);
	assert_string_equal(e.field, "receiver_party");
	/* Without a credential nothing is built. */
	r.receiver_party = NULL;
	assert_int_not_equal(daraja_build_reversal(&c, &r, "", &json, &e), POS_OK);
	assert_null(json);
}

/* ---- C2B, Pull, QR ------------------------------------------------------------------------ */

static void test_c2b_exact_json(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	struct daraja_c2b_register_req reg = {
		.shortcode = "600984",
		.confirmation_url = "https://pos.example.org/cb/c2b/confirmation",
	};
	assert_int_equal(daraja_build_c2b_register(&c, &reg, &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"ShortCode\":600984,\"ResponseType\":\"Completed\","
		"\"ConfirmationURL\":\"https://pos.example.org/cb/c2b/confirmation\","
		"\"ValidationURL\":\"https://pos.example.org/cb/c2b/confirmation\"}");
	free(json);
	static const char *const bad_types[] = {"completed", "CANCELLED", "Complete", " Completed"};
	for (size_t i = 0; i < N_ELEMS(bad_types); i++) {
		reg.response_type = bad_types[i];
		assert_int_not_equal(daraja_build_c2b_register(&c, &reg, &json, &e), POS_OK);
		assert_string_equal(e.field, "response_type");
	}
	reg.response_type = "Cancelled";
	static const char *const bad_urls[] = {"https://x.example.org/MPesa/c",
	                                       "https://x.example.org/c?query=1",
	                                       "https://safaricom.example.org/c",
	                                       "https://x.example.org/run.exe"};
	for (size_t i = 0; i < N_ELEMS(bad_urls); i++) {
		reg.confirmation_url = bad_urls[i];
		assert_int_not_equal(daraja_build_c2b_register(&c, &reg, &json, &e), POS_OK);
		assert_string_equal(e.field, "confirmation_url");
	}

	struct daraja_c2b_simulate_req sim = {
		.shortcode = "600984", .amount = 100, .phone = "254708374149",
		.bill_ref = "INV-2041",
	};
	assert_int_equal(daraja_build_c2b_simulate(&c, &sim, &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"ShortCode\":600984,\"CommandID\":\"CustomerPayBillOnline\","
		"\"Amount\":100,\"Msisdn\":254708374149,\"BillRefNumber\":\"INV-2041\"}");
	free(json);
	sim.buy_goods = true;
	assert_int_equal(daraja_build_c2b_simulate(&c, &sim, &json, &e), POS_OK);
	assert_non_null(strstr(json, "\"CommandID\":\"CustomerBuyGoodsOnline\""));
	assert_non_null(strstr(json, "\"BillRefNumber\":\"\""));
	free(json);
	c.production = true;
	assert_int_not_equal(daraja_build_c2b_simulate(&c, &sim, &json, &e), POS_OK);
	assert_null(json);
}

static void test_pull_and_qr_exact_json(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	struct pos_err e;
	char *json = NULL;
	struct daraja_pull_register_req reg = {
		.shortcode = "600000", .nominated_number = "0708374149",
		.callback_url = "https://pos.example.org/cb/pull",
	};
	assert_int_equal(daraja_build_pull_register(&c, &reg, &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"ShortCode\":\"600000\",\"RequestType\":\"Pull\","
		"\"NominatedNumber\":\"254708374149\","
		"\"CallBackURL\":\"https://pos.example.org/cb/pull\"}");
	free(json);

	time_t start, end;
	assert_true(clock_parse_daraja_timestamp("20250314000000", &start));
	assert_true(clock_parse_daraja_timestamp("20250314235959", &end));
	struct daraja_pull_query_req q = {.shortcode = "600000", .start = start, .end = end};
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_int_equal(daraja_build_pull_query(&c, &q, 2, &json, &e), POS_OK);
	unsetenv("TZ");
	tzset();
	assert_string_equal(json,
		"{\"ShortCode\":\"600000\",\"StartDate\":\"2025-03-14 00:00:00\","
		"\"EndDate\":\"2025-03-14 23:59:59\",\"OffSetValue\":\"2\"}");
	free(json);
	q.end = start - 1;
	assert_int_not_equal(daraja_build_pull_query(&c, &q, 0, &json, &e), POS_OK);
	assert_null(json);

	struct daraja_qr_req qr = {
		.merchant_name = "Acme Ltd", .ref_no = "INV-2041", .amount = 500,
		.trx_code = "BG", .cpi = "373132",
	};
	assert_int_equal(daraja_build_qr(&c, &qr, &json, &e), POS_OK);
	assert_string_equal(json,
		"{\"MerchantName\":\"Acme Ltd\",\"RefNo\":\"INV-2041\",\"Amount\":500,"
		"\"TrxCode\":\"BG\",\"CPI\":\"373132\",\"Size\":\"300\"}");
	free(json);
	static const char *const bad_codes[] = {"bg", "XX", "", NULL, "BGX"};
	for (size_t i = 0; i < N_ELEMS(bad_codes); i++) {
		qr.trx_code = bad_codes[i];
		assert_int_not_equal(daraja_build_qr(&c, &qr, &json, &e), POS_OK);
		assert_string_equal(e.field, "trx_code");
	}
	qr.trx_code = "SM";
	qr.cpi = "07-12";
	assert_int_not_equal(daraja_build_qr(&c, &qr, &json, &e), POS_OK);
	assert_string_equal(e.field, "cpi");
	qr.cpi = "254712345678";
	qr.size_px = 5000;
	assert_int_not_equal(daraja_build_qr(&c, &qr, &json, &e), POS_OK);
	assert_string_equal(e.field, "size_px");
	assert_null(json);
}

static void test_api_paths(void **state)
{
	(void)state;
	struct daraja_conf c = conf();
	char path[DARAJA_PATH_MAX];
	daraja_api_path(&c, DARAJA_API_C2B_REGISTER, path, sizeof path);
	assert_string_equal(path, "/mpesa/c2b/v1/registerurl");
	static char v2[] = "v2";
	c.c2b_version = v2;
	daraja_api_path(&c, DARAJA_API_C2B_REGISTER, path, sizeof path);
	assert_string_equal(path, "/mpesa/c2b/v2/registerurl");
	daraja_api_path(&c, DARAJA_API_C2B_SIMULATE, path, sizeof path);
	assert_string_equal(path, "/mpesa/c2b/v2/simulate");
	daraja_api_path(&c, DARAJA_API_B2C, path, sizeof path);
	assert_string_equal(path, "/mpesa/b2c/v3/paymentrequest");
	daraja_api_path(&c, DARAJA_API_OAUTH, path, sizeof path);
	assert_string_equal(path, "/oauth/v1/generate?grant_type=client_credentials");
	/* Which requests may never be resent blindly. */
	assert_true(daraja_api_moves_money(DARAJA_API_STK_PUSH));
	assert_true(daraja_api_moves_money(DARAJA_API_B2C));
	assert_true(daraja_api_moves_money(DARAJA_API_REVERSAL));
	assert_true(daraja_api_moves_money(DARAJA_API_C2B_SIMULATE));
	assert_false(daraja_api_moves_money(DARAJA_API_STK_QUERY));
	assert_false(daraja_api_moves_money(DARAJA_API_OAUTH));
	assert_false(daraja_api_moves_money(DARAJA_API_TXN_STATUS));
	assert_true(daraja_api_moves_money((enum daraja_api)99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stk_password_vector),
		cmocka_unit_test(test_stk_push_exact_json_any_zone),
		cmocka_unit_test(test_stk_push_buy_goods),
		cmocka_unit_test(test_stk_query_exact_json),
		cmocka_unit_test(test_stk_push_validation),
		cmocka_unit_test(test_stk_config_errors),
		cmocka_unit_test(test_b2c_exact_json),
		cmocka_unit_test(test_b2c_validation),
		cmocka_unit_test(test_txn_status_exact_json),
		cmocka_unit_test(test_balance_and_reversal_exact_json),
		cmocka_unit_test(test_c2b_exact_json),
		cmocka_unit_test(test_pull_and_qr_exact_json),
		cmocka_unit_test(test_api_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
