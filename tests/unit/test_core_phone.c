/* tests/unit/test_core_phone.c: core/phone — normalization for KE/TZ/UG,
 * network hints, error sentences, pretty form, matching what callbacks show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "core/phone.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- accepted input ------------------------------------------------------ */

static const struct ok_case {
	const char *typed;
	enum phone_country c;
	const char *msisdn;
	const char *pretty;
	bool other;
	const char *network;
} ok_cases[] = {
	/* What cashiers type (Kenya). */
	{"0712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"0112345678", PHONE_KE, "254112345678", "0112 345 678", false, "Safaricom"},
	{"712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"+254 712 345 678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"254-712-345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"(0712) 345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"254712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"+254712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"00254712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"+254 0712 345 678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"2540712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"  0712345678\t", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"0712.345.678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"0712 - 345 - 678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	{"(+254) 712345678", PHONE_KE, "254712345678", "0712 345 678", false, "Safaricom"},
	/* The simulator's scenario numbers are valid Safaricom numbers. */
	{"254700000001", PHONE_KE, "254700000001", "0700 000 001", false, "Safaricom"},
	{"254700001032", PHONE_KE, "254700001032", "0700 001 032", false, "Safaricom"},
	{"254700001037", PHONE_KE, "254700001037", "0700 001 037", false, "Safaricom"},
	{"254700002001", PHONE_KE, "254700002001", "0700 002 001", false, "Safaricom"},
	{"254708374149", PHONE_KE, "254708374149", "0708 374 149", false, "Safaricom"},
	/* Safaricom range edges (daraja-api.md 18). */
	{"0700123456", PHONE_KE, "254700123456", "0700 123 456", false, "Safaricom"},
	{"0729123456", PHONE_KE, "254729123456", "0729 123 456", false, "Safaricom"},
	{"0740123456", PHONE_KE, "254740123456", "0740 123 456", false, "Safaricom"},
	{"0749123456", PHONE_KE, "254749123456", "0749 123 456", false, "Safaricom"},
	{"0757123456", PHONE_KE, "254757123456", "0757 123 456", false, "Safaricom"},
	{"0759123456", PHONE_KE, "254759123456", "0759 123 456", false, "Safaricom"},
	{"0768123456", PHONE_KE, "254768123456", "0768 123 456", false, "Safaricom"},
	{"0769123456", PHONE_KE, "254769123456", "0769 123 456", false, "Safaricom"},
	{"0790123456", PHONE_KE, "254790123456", "0790 123 456", false, "Safaricom"},
	{"0799123456", PHONE_KE, "254799123456", "0799 123 456", false, "Safaricom"},
	{"0110123456", PHONE_KE, "254110123456", "0110 123 456", false, "Safaricom"},
	{"0115123456", PHONE_KE, "254115123456", "0115 123 456", false, "Safaricom"},
	/* Other Kenyan mobile prefixes: accepted, with a warning flag. */
	{"0733123456", PHONE_KE, "254733123456", "0733 123 456", true, "Airtel"},
	{"0730123456", PHONE_KE, "254730123456", "0730 123 456", true, "Airtel"},
	{"0739123456", PHONE_KE, "254739123456", "0739 123 456", true, "Airtel"},
	{"0750123456", PHONE_KE, "254750123456", "0750 123 456", true, "Airtel"},
	{"0756123456", PHONE_KE, "254756123456", "0756 123 456", true, "Airtel"},
	{"0780123456", PHONE_KE, "254780123456", "0780 123 456", true, "Airtel"},
	{"0789123456", PHONE_KE, "254789123456", "0789 123 456", true, "Airtel"},
	{"0100123456", PHONE_KE, "254100123456", "0100 123 456", true, "Airtel"},
	{"0109123456", PHONE_KE, "254109123456", "0109 123 456", true, "Airtel"},
	{"0770123456", PHONE_KE, "254770123456", "0770 123 456", true, "Telkom"},
	{"0779123456", PHONE_KE, "254779123456", "0779 123 456", true, "Telkom"},
	{"0763123456", PHONE_KE, "254763123456", "0763 123 456", true, "Equitel"},
	{"0760123456", PHONE_KE, "254760123456", "0760 123 456", true, "another network"},
	{"0767123456", PHONE_KE, "254767123456", "0767 123 456", true, "another network"},
	{"0730000000", PHONE_KE, "254730000000", "0730 000 000", true, "Airtel"},
	{"0116123456", PHONE_KE, "254116123456", "0116 123 456", true, "another network"},
	{"0119123456", PHONE_KE, "254119123456", "0119 123 456", true, "another network"},
	/* Tanzania and Uganda: no network hint. */
	{"0754123456", PHONE_TZ, "255754123456", "0754 123 456", false, ""},
	{"0652345678", PHONE_TZ, "255652345678", "0652 345 678", false, ""},
	{"+255 754 123 456", PHONE_TZ, "255754123456", "0754 123 456", false, ""},
	{"754123456", PHONE_TZ, "255754123456", "0754 123 456", false, ""},
	{"0772123456", PHONE_UG, "256772123456", "0772 123 456", false, ""},
	{"+256 701 234567", PHONE_UG, "256701234567", "0701 234 567", false, ""},
	{"256-772-123456", PHONE_UG, "256772123456", "0772 123 456", false, ""},
};

static void test_phone_accepts(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct phone p;
		struct pos_err err;
		memset(&p, 0x5a, sizeof p);
		enum pos_status st = phone_normalize(c->typed, c->c, &p, &err);
		if (st != POS_OK)
			fail_msg("case %zu '%s': %s: %s", i, c->typed, pos_status_name(st), err.msg);
		assert_string_equal(p.msisdn, c->msisdn);
		assert_string_equal(p.pretty, c->pretty);
		assert_int_equal(p.country, c->c);
		if (p.other_network != c->other)
			fail_msg("case %zu '%s': other_network %d", i, c->typed, p.other_network);
		assert_string_equal(p.network, c->network);
		assert_int_equal(err.code, POS_OK);
		/* Normalizing the result again gives the same number. */
		struct phone again;
		assert_int_equal(phone_normalize(p.msisdn, c->c, &again, NULL), POS_OK);
		assert_string_equal(again.msisdn, p.msisdn);
		assert_int_equal(phone_normalize(p.pretty, c->c, &again, NULL), POS_OK);
		assert_string_equal(again.msisdn, p.msisdn);
	}
}

/* ---- refused input ------------------------------------------------------- */

static const struct bad_case {
	const char *typed;
	enum phone_country c;
	enum pos_status want;
	const char *says; /* part of the sentence */
} bad_cases[] = {
	{"", PHONE_KE, POS_E_EMPTY, "no phone number"},
	{"   ", PHONE_KE, POS_E_EMPTY, "no phone number"},
	{"\t\r\n", PHONE_KE, POS_E_EMPTY, "no phone number"},
	/* too short */
	{"071234567", PHONE_KE, POS_E_PHONE, "071234567 is too short: a Kenyan mobile number has 10 digits"},
	{"0712 345 67", PHONE_KE, POS_E_PHONE, "0712 345 67 is too short"},
	{"12345", PHONE_KE, POS_E_PHONE, "is too short"},
	{"0", PHONE_KE, POS_E_PHONE, "is too short"},
	{"2547123456", PHONE_KE, POS_E_PHONE, "2547123456 is too short"},
	{"25471234567", PHONE_KE, POS_E_PHONE, "is too short"},
	{"254712345", PHONE_KE, POS_E_PHONE, "is too short"},
	{"+25471234567", PHONE_KE, POS_E_PHONE, "is too short"},
	{"+25", PHONE_KE, POS_E_PHONE, "is too short"},
	{"+254", PHONE_KE, POS_E_PHONE, "is too short"},
	/* too long */
	{"07123456789", PHONE_KE, POS_E_PHONE, "07123456789 is too long"},
	{"2547123456789", PHONE_KE, POS_E_PHONE, "is too long"},
	{"+2547123456789", PHONE_KE, POS_E_PHONE, "is too long"},
	{"7123456789", PHONE_KE, POS_E_PHONE, "is too long"},
	{"123456789012345678901234", PHONE_KE, POS_E_PHONE, "is too long"},
	{"0712345678 0712345678", PHONE_KE, POS_E_PHONE, "is too long"},
	/* not a mobile prefix */
	{"0201234567", PHONE_KE, POS_E_PHONE, "0201234567 is not a Kenyan mobile number: Kenyan mobile numbers start with 07 or 01"},
	{"+254 20 1234567", PHONE_KE, POS_E_PHONE, "is not a Kenyan mobile number"},
	{"0612345678", PHONE_KE, POS_E_PHONE, "is not a Kenyan mobile number"},
	{"0812345678", PHONE_KE, POS_E_PHONE, "is not a Kenyan mobile number"},
	{"0123456789", PHONE_KE, POS_E_PHONE, "is not a Kenyan mobile number"},
	{"0912345678", PHONE_KE, POS_E_PHONE, "is not a Kenyan mobile number"},
	{"212345678", PHONE_KE, POS_E_PHONE, "is not a Kenyan mobile number"},
	{"0812345678", PHONE_TZ, POS_E_PHONE, "is not a Tanzanian mobile number: Tanzanian mobile numbers start with 06 or 07"},
	{"0222123456", PHONE_TZ, POS_E_PHONE, "is not a Tanzanian mobile number"},
	{"0612345678", PHONE_UG, POS_E_PHONE, "is not a Ugandan mobile number"},
	{"0414123456", PHONE_UG, POS_E_PHONE, "is not a Ugandan mobile number"},
	/* wrong country */
	{"+255712345678", PHONE_KE, POS_E_PHONE, "+255712345678 is a Tanzanian number: this till takes Kenyan numbers (+254)"},
	{"255712345678", PHONE_KE, POS_E_PHONE, "is a Tanzanian number"},
	{"+256 712 345 678", PHONE_KE, POS_E_PHONE, "is a Ugandan number"},
	{"00256712345678", PHONE_KE, POS_E_PHONE, "is a Ugandan number"},
	{"+254712345678", PHONE_TZ, POS_E_PHONE, "is a Kenyan number: this till takes Tanzanian numbers (+255)"},
	{"+254712345678", PHONE_UG, POS_E_PHONE, "is a Kenyan number"},
	{"+1 415 555 0100", PHONE_KE, POS_E_PHONE, "is not a Kenyan number: Kenyan numbers start with +254"},
	{"+44 7700 900123", PHONE_KE, POS_E_PHONE, "is not a Kenyan number"},
	{"+0712345678", PHONE_KE, POS_E_PHONE, "is not a Kenyan number"},
	/* letters and other characters */
	{"07I2345678", PHONE_KE, POS_E_PHONE, "07I2345678 has a letter (I) in it"},
	{"O712345678", PHONE_KE, POS_E_PHONE, "has a letter (O) in it"},
	{"0712345678abc", PHONE_KE, POS_E_PHONE, "has a letter (a) in it"},
	{"tel:0712345678", PHONE_KE, POS_E_PHONE, "has a letter (t) in it"},
	{"07#2345678", PHONE_KE, POS_E_PHONE, "has '#' in it"},
	{"0712/345/678", PHONE_KE, POS_E_PHONE, "has '/' in it"},
	{"0712+345678", PHONE_KE, POS_E_PHONE, "has '+' in it"},
	{"++254712345678", PHONE_KE, POS_E_PHONE, "has '+' in it"},
	{"0712345678\x01", PHONE_KE, POS_E_PHONE, "is not one of the digits 0-9"},
	{"\xd9\xa0\xd9\xa7\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6\xd9\xa7\xd9\xa8",
	 PHONE_KE, POS_E_PHONE, "is not one of the digits 0-9"}, /* Arabic-Indic */
	{"\xef\xbc\x90\xef\xbc\x97\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95"
	 "\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98",
	 PHONE_KE, POS_E_PHONE, "is not one of the digits 0-9"}, /* full-width */
	{"0712\xc2\xa0" "345678", PHONE_KE, POS_E_PHONE, "is not one of the digits 0-9"}, /* NBSP */
	{"\xff\xfe", PHONE_KE, POS_E_PHONE, "is not one of the digits 0-9"},
	{"+", PHONE_KE, POS_E_PHONE, "it has no digits"},
	{"()", PHONE_KE, POS_E_PHONE, "it has no digits"},
	{"- - -", PHONE_KE, POS_E_PHONE, "it has no digits"},
};

static void test_phone_refuses(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct phone p, before;
		struct pos_err err;
		memset(&p, 0x5a, sizeof p);
		before = p;
		enum pos_status st = phone_normalize(c->typed, c->c, &p, &err);
		if (st != c->want)
			fail_msg("case %zu '%s': got %s (%s), want %s", i, c->typed,
			         pos_status_name(st), err.msg, pos_status_name(c->want));
		assert_int_equal(err.code, c->want);
		assert_string_equal(err.field, "phone");
		if (!strstr(err.msg, c->says))
			fail_msg("case %zu '%s': '%s' does not say '%s'", i, c->typed, err.msg, c->says);
		assert_true(err.hint[0] != '\0');
		assert_memory_equal(&p, &before, sizeof p); /* untouched */
	}
}

static void test_phone_null_and_counted(void **state)
{
	(void)state;
	struct phone p;
	struct pos_err err;
	assert_int_equal(phone_normalize(NULL, PHONE_KE, &p, &err), POS_E_EMPTY);
	assert_string_equal(err.field, "phone");
	/* out may be NULL: a pure check. err may be NULL. */
	assert_int_equal(phone_normalize("0712345678", PHONE_KE, NULL, NULL), POS_OK);
	assert_int_equal(phone_normalize("07", PHONE_KE, NULL, NULL), POS_E_PHONE);
	/* A bad country is refused, not indexed. */
	assert_int_equal(phone_normalize("0712345678", (enum phone_country)7, &p, &err),
	                 POS_E_INVALID);
	assert_int_equal(phone_normalize("0712345678", (enum phone_country)-1, &p, &err),
	                 POS_E_INVALID);

	/* Counted: a NUL inside the value is refused, never a silent cut. */
	static const char with_nul[] = "0712\0" "345678";
	assert_int_equal(phone_normalize_n(with_nul, sizeof with_nul - 1, PHONE_KE, &p, &err),
	                 POS_E_PHONE);
	assert_non_null(strstr(err.msg, "0712?345678"));
	/* Counted: only n bytes are read (no NUL terminator after them). */
	char raw[10];
	memcpy(raw, "0712345678", 10);
	assert_int_equal(phone_normalize_n(raw, 10, PHONE_KE, &p, &err), POS_OK);
	assert_string_equal(p.msisdn, "254712345678");
	assert_int_equal(phone_normalize_n(raw, 9, PHONE_KE, &p, &err), POS_E_PHONE);
	assert_int_equal(phone_normalize_n(raw, 0, PHONE_KE, &p, &err), POS_E_EMPTY);
}

static void test_phone_huge_input(void **state)
{
	(void)state;
	size_t n = 10 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '7', n);
	big[n] = '\0';
	struct phone p;
	struct pos_err err;
	assert_int_equal(phone_normalize(big, PHONE_KE, &p, &err), POS_E_PHONE);
	assert_non_null(strstr(err.msg, "is too long"));
	/* The value is quoted, but cut short. */
	assert_non_null(strstr(err.msg, "..."));
	assert_true(strlen(err.msg) < 200);
	/* Spaces around a real number do not count against the cap. */
	memset(big, ' ', n);
	memcpy(big + n / 2, "0712345678", 10);
	assert_int_equal(phone_normalize(big, PHONE_KE, &p, &err), POS_OK);
	assert_string_equal(p.msisdn, "254712345678");
	/* Many separators inside do. */
	memset(big, '-', n);
	memcpy(big, "0712345678", 10);
	assert_int_equal(phone_normalize(big, PHONE_KE, &p, &err), POS_E_PHONE);
	free(big);
}

static void test_phone_sentence_whole(void **state)
{
	(void)state;
	struct pos_err err;
	char line[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + POS_ERR_FIELD_MAX];
	phone_normalize("0812 345 67", PHONE_KE, NULL, &err);
	/* The sentence of the style guide, field first. */
	assert_string_equal(pos_err_format(&err, line, sizeof line),
	                    "phone: 0812 345 67 is too short: a Kenyan mobile number has 10 "
	                    "digits (07XX XXX XXX or 01XX XXX XXX); check the number with "
	                    "the customer");
}

static void test_phone_warning(void **state)
{
	(void)state;
	struct phone p;
	char w[PHONE_WARNING_MAX];
	assert_int_equal(phone_normalize("0733123456", PHONE_KE, &p, NULL), POS_OK);
	phone_warning(&p, w, sizeof w);
	assert_non_null(strstr(w, "0733 123 456 looks like an Airtel number"));
	assert_int_equal(phone_normalize("0771234567", PHONE_KE, &p, NULL), POS_OK);
	phone_warning(&p, w, sizeof w);
	assert_non_null(strstr(w, "0771 234 567 looks like a Telkom number"));
	assert_int_equal(phone_normalize("0760123456", PHONE_KE, &p, NULL), POS_OK);
	phone_warning(&p, w, sizeof w);
	assert_non_null(strstr(w, "0760 123 456 is not on a known Safaricom prefix"));
	assert_int_equal(phone_normalize("0712345678", PHONE_KE, &p, NULL), POS_OK);
	phone_warning(&p, w, sizeof w);
	assert_string_equal(w, "");
	phone_warning(NULL, w, sizeof w);
	assert_string_equal(w, "");
	/* Truncated, never overflowed. */
	char tiny[8];
	assert_int_equal(phone_normalize("0771234567", PHONE_KE, &p, NULL), POS_OK);
	phone_warning(&p, tiny, sizeof tiny);
	assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

static void test_phone_pretty_and_countries(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"254712345678", "0712 345 678"},
		{"255754123456", "0754 123 456"},
		{"256772123456", "0772 123 456"},
		{"2547 ***** 126", "2547 ***** 126"},
		{"257712345678", "257712345678"}, /* unknown country: as is */
		{"25471234567", "25471234567"},
		{"", ""},
	};
	char out[PHONE_PRETTY_MAX];
	for (size_t i = 0; i < N_ELEMS(cases); i++)
		assert_string_equal(phone_pretty(cases[i].in, out, sizeof out), cases[i].out);
	assert_string_equal(phone_pretty(NULL, out, sizeof out), "");

	enum phone_country c;
	assert_true(phone_country_parse("KE", &c) && c == PHONE_KE);
	assert_true(phone_country_parse("tz", &c) && c == PHONE_TZ);
	assert_true(phone_country_parse("256", &c) && c == PHONE_UG);
	assert_true(phone_country_parse("+255", &c) && c == PHONE_TZ);
	assert_true(phone_country_parse("kenya", &c) && c == PHONE_KE);
	assert_false(phone_country_parse("RW", &c));
	assert_false(phone_country_parse("", &c));
	assert_false(phone_country_parse(NULL, &c));
	assert_string_equal(phone_country_prefix(PHONE_UG), "256");
	assert_string_equal(phone_country_iso(PHONE_TZ), "TZ");
	assert_string_equal(phone_country_name(PHONE_KE), "Kenya");
	assert_string_equal(phone_country_iso((enum phone_country)99), "?");
	assert_int_equal(PHONE_DEFAULT_COUNTRY, PHONE_KE);
}

/* ---- what callbacks show -------------------------------------------------- */

static const struct shown_case {
	const char *msisdn, *shown;
	enum phone_shown want;
} shown_cases[] = {
	/* masked (v2 confirmations): aligned digit by digit */
	{"254712345126", "2547 ***** 126", PHONE_SHOWN_MATCH},
	{"254712345126", "2547 ***** 127", PHONE_SHOWN_MISMATCH},
	{"254712345126", "2541 ***** 126", PHONE_SHOWN_MISMATCH},
	{"254712345126", "254712***126", PHONE_SHOWN_MATCH},
	{"254712345126", "254713***126", PHONE_SHOWN_MISMATCH},
	{"254712345678", "254712***678", PHONE_SHOWN_MATCH},
	{"254712345126", "2547**34**26", PHONE_SHOWN_MATCH},
	{"254712345126", "2547**35**26", PHONE_SHOWN_MISMATCH},
	{"254712345126", "2547XXXXX126", PHONE_SHOWN_MATCH},
	{"254712345126", "0712***126", PHONE_SHOWN_MATCH},
	{"254712345126", "0712 *** 127", PHONE_SHOWN_MISMATCH},
	{"254712345126", "+2547 ***** 126", PHONE_SHOWN_MATCH},
	/* masked with another number of stars: leading and trailing digits */
	{"254712345126", "2547***126", PHONE_SHOWN_MATCH},
	{"254712345126", "2547*126", PHONE_SHOWN_MATCH},
	{"254712345126", "2547***127", PHONE_SHOWN_MISMATCH},
	{"254712345126", "2548***126", PHONE_SHOWN_MISMATCH},
	/* masked but revealing too little, or unaligned: nothing to compare */
	{"254712345126", "254 ***** ***", PHONE_SHOWN_NONE},
	{"254712345126", "*****", PHONE_SHOWN_NONE},
	{"254712345126", "254*******12", PHONE_SHOWN_NONE}, /* 2 visible beyond 254 */
	{"254712345126", "12*4", PHONE_SHOWN_NONE},
	{"254712345126", "25*47*12*6", PHONE_SHOWN_NONE},
	{"254712345126", "2547123451261*****", PHONE_SHOWN_NONE},
	/* hashed (v1 confirmations): SHA-256 of "2547XXXXXXXX", any case */
	{"254712345126", "68ef1a0b1369ee8fbf3245670a585b5fbfabd3bccc588ffd5ff8ce759675158d",
	 PHONE_SHOWN_MATCH},
	{"254712345126", "68EF1A0B1369EE8FBF3245670A585B5FBFABD3BCCC588FFD5FF8CE759675158D",
	 PHONE_SHOWN_MATCH},
	{"254712345126", "  68ef1a0b1369ee8fbf3245670a585b5fbfabd3bccc588ffd5ff8ce759675158d ",
	 PHONE_SHOWN_MATCH},
	{"254712345127", "28c2eeb501f7e85960bf0c51df81c40bb02391a8bb51bd74e37f2d8931cbb593",
	 PHONE_SHOWN_MATCH},
	{"254708374149", "bbff37cea44ac0b2d964ee0dfb8d2df8513dc7ba1b36129a929fc3fbd6dd4af4",
	 PHONE_SHOWN_MATCH},
	{"254712345126", "28c2eeb501f7e85960bf0c51df81c40bb02391a8bb51bd74e37f2d8931cbb593",
	 PHONE_SHOWN_MISMATCH},
	/* 63 hex digits is not a hash, and not a number: nothing to compare */
	{"254712345126", "68ef1a0b1369ee8fbf3245670a585b5fbfabd3bccc588ffd5ff8ce759675158",
	 PHONE_SHOWN_NONE},
	/* full numbers, in any accepted form, also "MSISDN - Name" */
	{"254712345126", "254712345126", PHONE_SHOWN_MATCH},
	{"254712345126", "0712 345 126", PHONE_SHOWN_MATCH},
	{"254712345126", "+254712345126", PHONE_SHOWN_MATCH},
	{"254712345126", "254712345126 - Jane Doe", PHONE_SHOWN_MATCH},
	{"254712345126", "254712345127 - Jane Doe", PHONE_SHOWN_MISMATCH},
	{"254712345126", "254712345126 - Wanjir\xc5\xa9", PHONE_SHOWN_MATCH},
	/* found by fuzz_phone: " - " between digits is a separator, not a name */
	{"254712345678", "2547123 - 45678", PHONE_SHOWN_MATCH},
	{"254712345678", "0712 - 345 - 678", PHONE_SHOWN_MATCH},
	{"255632710787", ". - ....( )63271078\t7", PHONE_SHOWN_MATCH},
	{"254712345678", "2547\t*****\t678", PHONE_SHOWN_MATCH},
	{"254712345126", "254712345127", PHONE_SHOWN_MISMATCH},
	{"254712345126", "255712345126", PHONE_SHOWN_MISMATCH},
	{"254712345126", "25471234512", PHONE_SHOWN_MISMATCH},
	{"254712345126", "0712", PHONE_SHOWN_NONE},
	/* nothing comparable */
	{"254712345126", "", PHONE_SHOWN_NONE},
	{"254712345126", "   ", PHONE_SHOWN_NONE},
	{"254712345126", NULL, PHONE_SHOWN_NONE},
	{"254712345126", "Jane Doe", PHONE_SHOWN_NONE},
	{"254712345126", "\xef\xbc\x90\xef\xbc\x97", PHONE_SHOWN_NONE},
	/* our side not an MSISDN */
	{"0712345126", "2547 ***** 126", PHONE_SHOWN_NONE},
	{NULL, "2547 ***** 126", PHONE_SHOWN_NONE},
	{"", "", PHONE_SHOWN_NONE},
	{"25471234512a", "25471234512a", PHONE_SHOWN_NONE},
	{"999712345126", "999712345126", PHONE_SHOWN_NONE},
	/* Tanzanian number masked */
	{"255754123456", "2557 ***** 456", PHONE_SHOWN_MATCH},
	{"255754123456", "0754 123 456", PHONE_SHOWN_MATCH},
};

static void test_phone_matches_shown(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(shown_cases); i++) {
		const struct shown_case *c = &shown_cases[i];
		enum phone_shown got = phone_matches_shown(c->msisdn, c->shown);
		if (got != c->want)
			fail_msg("case %zu '%s' vs '%s': got %d want %d", i,
			         c->msisdn ? c->msisdn : "(null)", c->shown ? c->shown : "(null)",
			         got, c->want);
	}
	/* A huge shown value is not compared (and not read past its cap). */
	size_t n = 10 * 1024;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '*', n);
	big[n] = '\0';
	assert_int_equal(phone_matches_shown("254712345126", big), PHONE_SHOWN_NONE);
	/* found by fuzz_phone: white space around a number does not count
	 * against the cap (phone_normalize accepts it too) */
	memset(big, '\n', n);
	memcpy(big + n / 2, "254712345126", 12);
	assert_int_equal(phone_matches_shown("254712345126", big), PHONE_SHOWN_MATCH);
	memcpy(big + n / 2, "2547 *** 126", 12);
	assert_int_equal(phone_matches_shown("254712345126", big), PHONE_SHOWN_MATCH);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_accepts),
		cmocka_unit_test(test_phone_refuses),
		cmocka_unit_test(test_phone_null_and_counted),
		cmocka_unit_test(test_phone_huge_input),
		cmocka_unit_test(test_phone_sentence_whole),
		cmocka_unit_test(test_phone_warning),
		cmocka_unit_test(test_phone_pretty_and_countries),
		cmocka_unit_test(test_phone_matches_shown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
