/* tests/fuzz/fuzz_csv.c: csv_parse_line() and the bulk-payout reader on
 * arbitrary bytes. Invariants: fields fit the line and hold no NUL; every
 * accepted payout row has a 12-digit MSISDN and a whole amount within the
 * payout limits; a duplicate names an earlier line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

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

	struct csv_row row;
	struct pos_err err;
	if (csv_parse_line(s, size, &row, &err) == POS_OK) {
		size_t total = 0;
		CHECK(row.count >= 1 && row.count <= CSV_FIELDS_MAX);
		for (size_t i = 0; i < row.count; i++) {
			CHECK(strlen(row.field[i]) == row.len[i]);
			total += row.len[i];
		}
		CHECK(total <= size);
	} else {
		CHECK(strcmp(err.field, "csv") == 0 && err.msg[0] != '\0');
	}

	struct money_limits lim;
	money_limits_default(&lim);
	struct csv_payout *p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	if (p) {
		size_t pos = 0, n, lines = 0;
		const char *line;
		while (csv_next_line(s, size, &pos, &line, &n)) {
			enum csv_line_kind kind;
			struct csv_payout_row r;
			enum pos_status st = csv_payout_line(p, line, n, &kind, &r, &err);
			lines++;
			CHECK(r.line == lines);
			if (st == POS_OK && kind == CSV_LINE_ROW) {
				CHECK(strlen(r.msisdn) == 12 && strncmp(r.msisdn, "254", 3) == 0);
				CHECK(money_is_whole(r.amount));
				CHECK(r.amount >= lim.lim[CURRENCY_KES][MONEY_OP_PAYOUT].min);
				CHECK(r.amount <= lim.lim[CURRENCY_KES][MONEY_OP_PAYOUT].max);
				CHECK(r.duplicate_of == 0);
			} else if (st == POS_E_DUPLICATE) {
				CHECK(r.duplicate_of > 0 && r.duplicate_of < r.line);
			} else if (st != POS_OK) {
				CHECK(strncmp(err.field, "line ", 5) == 0 && err.msg[0] != '\0');
			}
		}
		CHECK(csv_payout_lines(p) == lines);
		CHECK(csv_payout_rows(p) <= lines);
		csv_payout_free(p);
	}
	free(s);
	return 0;
}
