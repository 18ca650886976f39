/* tests/fuzz/fuzz_amount.c: money_parse(), money_parse_daraja() and the
 * result-code lookup on arbitrary bytes. Invariants: a parsed amount is
 * whole, non-negative and bounded, and formats and re-parses to the same
 * value; a Daraja amount round-trips through its plain form. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "core/result.h"

#define CHECK(x)                                                               \
	do {                                                                       \
		if (!(x))                                                              \
			abort();                                                           \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	bool has_nul = memchr(data, '\0', size) != NULL;
	char out[MONEY_FMT_MAX];

	for (int c = 0; c < CURRENCY_COUNT; c++) {
		int64_t v = -1, back = -2;
		struct pos_err err;
		enum pos_status st = money_parse(s, (enum currency)c, &v, &err);
		CHECK(st == err.code);
		enum pos_status stn =
			money_parse_n((const char *)data, size, (enum currency)c, NULL, NULL);
		if (!has_nul)
			CHECK(stn == st);
		if (st != POS_OK) {
			CHECK(strcmp(err.field, "amount") == 0 && err.msg[0] != '\0');
			CHECK(v == -1);
			continue;
		}
		CHECK(v >= 0 && v <= MONEY_MINOR_MAX && money_is_whole(v));
		money_format(v, (enum currency)c, out, sizeof out);
		CHECK(out[0] != '\0');
		CHECK(money_parse(out, (enum currency)c, &back, NULL) == POS_OK && back == v);
		CHECK(money_format_wire(v, out, sizeof out));
		CHECK(money_parse(out, (enum currency)c, &back, NULL) == POS_OK && back == v);
		CHECK(money_parse_daraja(out, &back, NULL) == POS_OK && back == v);
		for (int op = 0; op < MONEY_OP_COUNT; op++) {
			enum pos_status lim =
				money_check_limit(NULL, (enum currency)c, (enum money_op)op, v, &err);
			CHECK(lim == POS_OK || lim == POS_E_RANGE);
		}
	}

	int64_t d = 0, back = 1;
	struct pos_err err;
	enum pos_status st = money_parse_daraja(s, &d, &err);
	if (st == POS_OK) {
		CHECK(d >= -(MONEY_MINOR_MAX + 99) && d <= MONEY_MINOR_MAX + 99);
		money_format_plain(d, out, sizeof out);
		CHECK(money_parse_daraja(out, &back, NULL) == POS_OK && back == d);
		money_format(d, CURRENCY_KES, out, sizeof out);
		CHECK(out[0] != '\0');
	} else {
		CHECK(st == POS_E_PARSE && strcmp(err.field, "amount") == 0);
	}

	struct result_info r;
	result_lookup(s, TXN_KIND_STK, &r);
	CHECK(r.sentence[0] != '\0' && strlen(r.sentence) < RESULT_SENTENCE_MAX);
	CHECK(r.known == (r.category != RESULT_UNKNOWN));
	free(s);
	return 0;
}
