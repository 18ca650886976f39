/* tests/fuzz/fuzz_phone.c: phone_normalize() and phone_matches_shown() on
 * arbitrary bytes. Invariants: a normalized number is 12 digits starting with
 * the country code, and it, its pretty form and the counted call all agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"

#define CHECK(x)                                                               \
	do {                                                                       \
		if (!(x))                                                              \
			abort();                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	bool has_nul = memchr(data, '\0', size) != NULL;

	for (int c = 0; c < PHONE_COUNTRY_COUNT; c++) {
		struct phone p, again;
		struct pos_err err;
		enum pos_status st = phone_normalize(s, (enum phone_country)c, &p, &err);
		CHECK(st == err.code);
		/* The counted form agrees unless a NUL cut the string short. */
		enum pos_status stn =
			phone_normalize_n((const char *)data, size, (enum phone_country)c, NULL, NULL);
		if (!has_nul)
			CHECK(stn == st);
		else
			CHECK(stn != POS_OK || st == POS_OK);
		if (st != POS_OK) {
			CHECK(strcmp(err.field, "phone") == 0);
			CHECK(err.msg[0] != '\0');
			CHECK(st == POS_E_PHONE || st == POS_E_EMPTY);
			continue;
		}
		CHECK(strlen(p.msisdn) == 12 && all_digits(p.msisdn));
		CHECK(strncmp(p.msisdn, phone_country_prefix((enum phone_country)c), 3) == 0);
		CHECK(p.country == (enum phone_country)c);
		CHECK(strlen(p.pretty) == 12 && p.pretty[0] == '0');
		CHECK(p.network != NULL);
		CHECK(!p.other_network || c == PHONE_KE);
		CHECK(phone_normalize(p.msisdn, (enum phone_country)c, &again, NULL) == POS_OK);
		CHECK(strcmp(again.msisdn, p.msisdn) == 0);
		CHECK(phone_normalize(p.pretty, (enum phone_country)c, &again, NULL) == POS_OK);
		CHECK(strcmp(again.msisdn, p.msisdn) == 0);
		CHECK(again.other_network == p.other_network);
		CHECK(phone_matches_shown(p.msisdn, s) == PHONE_SHOWN_MATCH);
		CHECK(phone_matches_shown(p.msisdn, p.pretty) == PHONE_SHOWN_MATCH);
		char pretty[PHONE_PRETTY_MAX];
		CHECK(strcmp(phone_pretty(p.msisdn, pretty, sizeof pretty), p.pretty) == 0);
	}
	/* Whatever a callback shows: no crash, a defined answer. */
	enum phone_shown m = phone_matches_shown("254712345678", s);
	CHECK(m == PHONE_SHOWN_NONE || m == PHONE_SHOWN_MATCH || m == PHONE_SHOWN_MISMATCH);
	m = phone_matches_shown(s, "2547 ***** 678");
	CHECK(m == PHONE_SHOWN_NONE || m == PHONE_SHOWN_MATCH || m == PHONE_SHOWN_MISMATCH);
	free(s);
	return 0;
}
