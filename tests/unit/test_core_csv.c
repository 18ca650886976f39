/* tests/unit/test_core_csv.c: core/csv — RFC 4180 lines and bulk-payout rows:
 * header detection, per-field errors with line numbers, duplicates, caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "core/csv.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Fields joined with '|' (lines in these cases contain no '|'). */
static void joined(const struct csv_row *r, char *out, size_t outsz)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < r->count; i++) {
		int n = snprintf(out + o, outsz - o, "%s%s", i ? "|" : "", r->field[i]);
		assert_true(n >= 0 && (size_t)n < outsz - o);
		assert_int_equal(strlen(r->field[i]), r->len[i]);
		o += (size_t)n;
	}
}

static const struct line_case {
	const char *line;
	size_t n; /* 0: strlen */
	enum pos_status want;
	const char *fields; /* joined, when POS_OK */
	const char *says;   /* part of the sentence otherwise */
} line_cases[] = {
	{"a,b,c", 0, POS_OK, "a|b|c", NULL},
	{"", 0, POS_OK, "", NULL},
	{",", 0, POS_OK, "|", NULL},
	{"a,", 0, POS_OK, "a|", NULL},
	{",,a", 0, POS_OK, "||a", NULL},
	{"\"a,b\",c", 0, POS_OK, "a,b|c", NULL},
	{"\"a\"\"b\",c", 0, POS_OK, "a\"b|c", NULL},
	{"\"\"", 0, POS_OK, "", NULL},
	{"\"\"\"\"", 0, POS_OK, "\"", NULL},
	{"\"\",\"\"", 0, POS_OK, "|", NULL},
	{" a , b ", 0, POS_OK, " a | b ", NULL},
	{"a\r", 0, POS_OK, "a", NULL},
	{"a\rb", 0, POS_OK, "a\rb", NULL},
	{"\"x\ry\"", 0, POS_OK, "x\ry", NULL},
	{"0712345678,1000,\"Doe, Jane\",Salary", 0, POS_OK, "0712345678|1000|Doe, Jane|Salary", NULL},
	{"Wanjir\xc5\xa9,\xd9\xa1", 0, POS_OK, "Wanjir\xc5\xa9|\xd9\xa1", NULL},
	{"\"abc", 0, POS_E_PARSE, NULL, "the quote at character 1 is never closed"},
	{"a,\"b", 0, POS_E_PARSE, NULL, "the quote at character 3 is never closed"},
	{"\"a\"\"", 0, POS_E_PARSE, NULL, "never closed"},
	{"a\"b", 0, POS_E_PARSE, NULL, "a quote inside an unquoted field at character 2"},
	{"ab\"", 0, POS_E_PARSE, NULL, "a quote inside an unquoted field at character 3"},
	{"\"a\"b", 0, POS_E_PARSE, NULL, "text after the closing quote at character 3"},
	{"\"a\" ,b", 0, POS_E_PARSE, NULL, "text after the closing quote"},
	{"a\0b", 3, POS_E_PARSE, NULL, "a NUL byte at character 2"},
	{"\0", 1, POS_E_PARSE, NULL, "a NUL byte at character 1"},
};

static void test_csv_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(line_cases); i++) {
		const struct line_case *c = &line_cases[i];
		struct csv_row row;
		struct pos_err err;
		size_t n = c->n ? c->n : strlen(c->line);
		enum pos_status st = csv_parse_line(c->line, n, &row, &err);
		if (st != c->want)
			fail_msg("case %zu: got %s (%s)", i, pos_status_name(st), err.msg);
		if (st == POS_OK) {
			char got[256];
			joined(&row, got, sizeof got);
			if (strcmp(got, c->fields) != 0)
				fail_msg("case %zu: fields '%s' want '%s'", i, got, c->fields);
		} else {
			assert_string_equal(err.field, "csv");
			if (!strstr(err.msg, c->says))
				fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, c->says);
			assert_true(err.hint[0] != '\0');
		}
	}
}

static void test_csv_caps(void **state)
{
	(void)state;
	struct csv_row row;
	struct pos_err err;
	char line[64 * 3 + 1];
	/* 32 fields fit, 33 do not. */
	size_t o = 0;
	for (int i = 0; i < 32; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s%d", i ? "," : "", i % 10);
	assert_int_equal(csv_parse_line(line, o, &row, &err), POS_OK);
	assert_int_equal(row.count, CSV_FIELDS_MAX);
	o += (size_t)snprintf(line + o, sizeof line - o, ",x");
	assert_int_equal(csv_parse_line(line, o, &row, &err), POS_E_PARSE);
	assert_non_null(strstr(err.msg, "more than 32 columns"));

	/* The longest line, quoted throughout with doubled quotes. */
	char *big = malloc(10 * 1024 + 2);
	assert_non_null(big);
	memset(big, 'x', CSV_LINE_MAX);
	assert_int_equal(csv_parse_line(big, CSV_LINE_MAX, &row, &err), POS_OK);
	assert_int_equal(row.len[0], CSV_LINE_MAX);
	big[CSV_LINE_MAX] = '\r'; /* the CR does not count */
	assert_int_equal(csv_parse_line(big, CSV_LINE_MAX + 1, &row, &err), POS_OK);
	big[CSV_LINE_MAX] = 'x';
	assert_int_equal(csv_parse_line(big, CSV_LINE_MAX + 1, &row, &err), POS_E_TOO_LONG);
	assert_non_null(strstr(err.msg, "1025 bytes long: the most is 1024"));
	memset(big, '"', CSV_LINE_MAX);
	assert_int_equal(csv_parse_line(big, CSV_LINE_MAX, &row, &err), POS_OK);
	assert_int_equal(row.len[0], (CSV_LINE_MAX - 2) / 2);
	memset(big, ',', CSV_LINE_MAX);
	assert_int_equal(csv_parse_line(big, CSV_LINE_MAX, &row, &err), POS_E_PARSE);
	memset(big, 'x', 10 * 1024);
	assert_int_equal(csv_parse_line(big, 10 * 1024, &row, &err), POS_E_TOO_LONG);
	free(big);

	assert_int_equal(csv_parse_line(NULL, 5, &row, &err), POS_OK);
	assert_int_equal(row.count, 1);
	assert_int_equal(csv_parse_line("a", 1, NULL, &err), POS_E_INVALID);
}

static void test_csv_next_line(void **state)
{
	(void)state;
	static const struct {
		const char *data;
		const char *lines; /* joined with '|' */
	} cases[] = {
		{"a\nb\r\nc", "a|b|c"},
		{"a\n", "a"},
		{"", ""},
		{"\n\n", "|"},
		{"a\r\n\r\n", "a|"},
		{"\"x,\ny\"", "\"x,|y\""},
		{"one", "one"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char got[64] = "";
		size_t pos = 0, n, len = strlen(cases[i].data), count = 0;
		const char *line;
		while (csv_next_line(cases[i].data, len, &pos, &line, &n)) {
			strncat(got, count++ ? "|" : "", sizeof got - strlen(got) - 1);
			strncat(got, line, n < sizeof got - strlen(got) - 1 ? n : 0);
		}
		assert_int_equal(pos, len);
		if (strcmp(got, cases[i].lines) != 0)
			fail_msg("case %zu: '%s'", i, got);
	}
	size_t pos = 0, n;
	const char *line;
	assert_false(csv_next_line(NULL, 3, &pos, &line, &n));
}

/* ---- payouts ----------------------------------------------------------- */

struct feed_case {
	const char *line;
	enum csv_line_kind kind;
	enum pos_status want;
	const char *field; /* err.field, when not POS_OK */
	const char *says;  /* part of the formatted error */
};

static void feed(struct csv_payout *p, const struct feed_case *cases, size_t count,
                 struct csv_payout_row *rows)
{
	for (size_t i = 0; i < count; i++) {
		const struct feed_case *c = &cases[i];
		enum csv_line_kind kind = (enum csv_line_kind)-1;
		struct csv_payout_row row;
		struct pos_err err;
		char text[POS_ERR_FIELD_MAX + POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
		enum pos_status st = csv_payout_line(p, c->line, strlen(c->line), &kind, &row, &err);
		pos_err_format(&err, text, sizeof text);
		if (st != c->want || kind != c->kind)
			fail_msg("line %zu '%s': got %s kind %d (%s)", i + 1, c->line, pos_status_name(st),
			         kind, text);
		assert_int_equal(row.line, i + 1);
		if (st != POS_OK) {
			assert_string_equal(err.field, c->field);
			if (!strstr(text, c->says))
				fail_msg("line %zu: '%s' lacks '%s'", i + 1, text, c->says);
		}
		if (rows)
			rows[i] = row;
	}
}

static const struct feed_case payout_file[] = {
	/* 1 */ {"Amount,Phone,Name,Remarks", CSV_LINE_HEADER, POS_OK, NULL, NULL},
	/* 2 */ {"1000,0712345678,Jane Doe,Salary March", CSV_LINE_ROW, POS_OK, NULL, NULL},
	/* 3 */ {"\"1,500\",+254 733 123 456,\"Doe, John\",", CSV_LINE_ROW, POS_OK, NULL, NULL},
	/* 4 */ {"", CSV_LINE_BLANK, POS_OK, NULL, NULL},
	/* 5 */ {"10.50,0712345679,,", CSV_LINE_ROW, POS_E_AMOUNT, "line 5: amount",
	         "line 5: amount: 10.50 has cents: Daraja takes whole shillings; enter 10 or 11"},
	/* 6 */ {"1000,0812345678,,", CSV_LINE_ROW, POS_E_PHONE, "line 6: phone",
	         "line 6: phone: 0812345678 is not a Kenyan mobile number"},
	/* 7 */ {"1000,0712345678,Jane again,", CSV_LINE_ROW, POS_E_DUPLICATE, "line 7: phone",
	         "0712 345 678 and KES 1,000 are the same as on line 2"},
	/* 8 */ {"5,0712345670,,", CSV_LINE_ROW, POS_E_RANGE, "line 8: amount",
	         "KES 5 is below the minimum of KES 10 for a payout"},
	/* 9 */ {",0712345671,,", CSV_LINE_ROW, POS_E_EMPTY, "line 9: amount", "no amount was entered"},
	/* 10 */ {"1000,0712345672,Name\x01,", CSV_LINE_ROW, POS_E_INVALID, "line 10: name",
	          "not text at byte 5"},
	/* 11 */ {"2000,0712345673,N,<b>", CSV_LINE_ROW, POS_E_INVALID, "line 11: remarks",
	          "the character <"},
	/* 12 */ {"1000,0712345674,a,b,c", CSV_LINE_ROW, POS_E_PARSE, "line 12",
	          "the line has 5 columns but the file has 4"},
	/* 13 */ {"\"abc", CSV_LINE_ROW, POS_E_PARSE, "line 13", "line 13: the quote at character 1"},
	/* 14 */ {" , , , ", CSV_LINE_BLANK, POS_OK, NULL, NULL},
	/* 15 */ {"1,000.00,0712345678,,", CSV_LINE_ROW, POS_E_PARSE, "line 15", "5 columns"},
	/* 16 */ {"\"1,000.00\",0712345678,,", CSV_LINE_ROW, POS_E_DUPLICATE, "line 16: phone",
	          "same as on line 2"},
	/* 17 */ {"1001,254712345678,,", CSV_LINE_ROW, POS_OK, NULL, NULL},
	/* 18 */ {"300000,0712345675,,", CSV_LINE_ROW, POS_E_RANGE, "line 18: amount",
	          "KES 300,000 is above the limit of KES 250,000 for a payout"},
	/* 19 */ {"\xd9\xa1\xd9\xa0,0712345676,,", CSV_LINE_ROW, POS_E_AMOUNT, "line 19: amount",
	          "not one of the digits 0-9"},
	/* 20 */ {"1000,\xef\xbc\x90\xef\xbc\x97,,", CSV_LINE_ROW, POS_E_PHONE, "line 20: phone",
	          "not one of the digits 0-9"},
	/* 21 */ {"1000,0712345677,\xff,", CSV_LINE_ROW, POS_E_INVALID, "line 21: name", "not text"},
	/* 22 */ {"1000,0712345677,Wanjir\xc5\xa9 Kamau,Bonus", CSV_LINE_ROW, POS_OK, NULL, NULL},
	/* 23 */ {"phone,amount", CSV_LINE_ROW, POS_E_PHONE, "line 23: phone", "has a letter"},
};

static void test_payout_file(void **state)
{
	(void)state;
	struct csv_payout *p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	struct csv_payout_row rows[N_ELEMS(payout_file)];
	feed(p, payout_file, N_ELEMS(payout_file), rows);
	assert_int_equal(csv_payout_lines(p), N_ELEMS(payout_file));
	assert_int_equal(csv_payout_rows(p), 6); /* 2, 3, 7, 16, 17, 22 */

	assert_string_equal(rows[1].msisdn, "254712345678");
	assert_string_equal(rows[1].pretty, "0712 345 678");
	assert_true(rows[1].amount == 100000);
	assert_string_equal(rows[1].name, "Jane Doe");
	assert_string_equal(rows[1].remarks, "Salary March");
	assert_false(rows[1].other_network);
	assert_int_equal(rows[1].duplicate_of, 0);

	assert_string_equal(rows[2].msisdn, "254733123456");
	assert_true(rows[2].other_network);
	assert_true(rows[2].amount == 150000);
	assert_string_equal(rows[2].name, "Doe, John");
	assert_string_equal(rows[2].remarks, "");

	assert_int_equal(rows[6].duplicate_of, 2); /* filled, for the caller to decide */
	assert_string_equal(rows[6].name, "Jane again");
	assert_int_equal(rows[15].duplicate_of, 2);
	assert_true(rows[16].amount == 100100);
	assert_int_equal(rows[16].duplicate_of, 0);
	assert_string_equal(rows[21].name, "Wanjir\xc5\xa9 Kamau");
	csv_payout_free(p);
}

static void test_payout_headers(void **state)
{
	(void)state;
	/* No header: phone, amount, name, remarks. */
	static const struct feed_case plain[] = {
		{"0712345678,1000", CSV_LINE_ROW, POS_OK, NULL, NULL},
		{"0712345679,1000,Jane,Salary", CSV_LINE_ROW, POS_OK, NULL, NULL},
		{"0712345670,1000,Jane,Salary,x", CSV_LINE_ROW, POS_E_PARSE, "line 3",
		 "5 columns but the file has 4 (phone, amount, name, remarks)"},
		{"0712345671", CSV_LINE_ROW, POS_E_EMPTY, "line 4: amount", "no amount"},
		{"0712345672;1000", CSV_LINE_ROW, POS_E_PARSE, "line 5", "separated by ';'"},
		{"Phone,Amount", CSV_LINE_ROW, POS_E_PHONE, "line 6: phone", "letter"},
	};
	struct csv_payout *p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	feed(p, plain, N_ELEMS(plain), NULL);
	csv_payout_free(p);

	/* A byte-order mark, blank lines first, aliases, extra columns ignored. */
	static const struct feed_case bom[] = {
		{"\xef\xbb\xbf", CSV_LINE_BLANK, POS_OK, NULL, NULL},
		{"", CSV_LINE_BLANK, POS_OK, NULL, NULL},
		{" Employee No , MSISDN ,Full Name, AMOUNT ", CSV_LINE_HEADER, POS_OK, NULL, NULL},
		{"E1,0712345678,Jane,500", CSV_LINE_ROW, POS_OK, NULL, NULL},
		{"E2,0712345678,Jane,500,x", CSV_LINE_ROW, POS_E_PARSE, "line 5", "see the header"},
		{"E3,0712345679", CSV_LINE_ROW, POS_E_EMPTY, "line 6: amount", "no amount"},
	};
	p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	feed(p, bom, N_ELEMS(bom), NULL);
	csv_payout_free(p);

	static const struct feed_case bom_header[] = {
		{"\xef\xbb\xbfphone,amount", CSV_LINE_HEADER, POS_OK, NULL, NULL},
		{"0712345678,500", CSV_LINE_ROW, POS_OK, NULL, NULL},
	};
	p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	feed(p, bom_header, N_ELEMS(bom_header), NULL);
	csv_payout_free(p);

	/* A header without an amount column makes the file unusable. */
	static const struct feed_case no_amount[] = {
		{"phone,name", CSV_LINE_HEADER, POS_E_PARSE, "line 1",
		 "line 1: the header has no amount column; name the columns phone, amount"},
		{"0712345678,Jane", CSV_LINE_ROW, POS_E_PARSE, "line 2", "skipped"},
		{"", CSV_LINE_BLANK, POS_OK, NULL, NULL},
	};
	p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	feed(p, no_amount, N_ELEMS(no_amount), NULL);
	csv_payout_free(p);

	static const struct feed_case twice[] = {
		{"phone,amount,Amount", CSV_LINE_HEADER, POS_E_PARSE, "line 1",
		 "the column amount appears twice"},
		{"0712345678,500,600", CSV_LINE_ROW, POS_E_PARSE, "line 2", "skipped"},
	};
	p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	feed(p, twice, N_ELEMS(twice), NULL);
	csv_payout_free(p);
}

static void test_payout_country_and_limits(void **state)
{
	(void)state;
	static const struct feed_case tz[] = {
		{"0754123456,5000", CSV_LINE_ROW, POS_OK, NULL, NULL},
		{"0712345678,TZS 99", CSV_LINE_ROW, POS_E_RANGE, "line 2: amount", "below the minimum of TZS 100"},
		{"+254712345678,5000", CSV_LINE_ROW, POS_E_PHONE, "line 3: phone", "is a Kenyan number"},
		{"0754123456,KES 5000", CSV_LINE_ROW, POS_E_AMOUNT, "line 4: amount", "Kenyan shillings"},
	};
	struct csv_payout *p = csv_payout_new(PHONE_TZ, CURRENCY_TZS, NULL);
	assert_non_null(p);
	feed(p, tz, N_ELEMS(tz), NULL);
	csv_payout_free(p);

	struct money_limits l;
	money_limits_default(&l);
	assert_int_equal(money_limits_set(&l, CURRENCY_KES, MONEY_OP_PAYOUT, 10000, 50000, NULL),
	                 POS_OK);
	static const struct feed_case lim[] = {
		{"0712345678,500", CSV_LINE_ROW, POS_OK, NULL, NULL},
		{"0712345678,501", CSV_LINE_ROW, POS_E_RANGE, "line 2: amount", "above the limit of KES 500"},
		{"0712345678,99", CSV_LINE_ROW, POS_E_RANGE, "line 3: amount", "below the minimum of KES 100"},
	};
	p = csv_payout_new(PHONE_KE, CURRENCY_KES, &l);
	assert_non_null(p);
	memset(&l, 0, sizeof l); /* the reader kept its own copy */
	feed(p, lim, N_ELEMS(lim), NULL);
	csv_payout_free(p);
}

static void test_payout_hostile(void **state)
{
	(void)state;
	struct csv_payout *p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	enum csv_line_kind kind;
	struct csv_payout_row row;
	struct pos_err err;
	/* NULL line: blank. kind, row and err may be NULL. */
	assert_int_equal(csv_payout_line(p, NULL, 0, &kind, &row, &err), POS_OK);
	assert_int_equal(kind, CSV_LINE_BLANK);
	assert_int_equal(csv_payout_line(p, "0712345678,100", 14, NULL, NULL, NULL), POS_OK);
	/* NUL inside a line. */
	static const char nul[] = "0712345678,1\0" "00";
	assert_int_equal(csv_payout_line(p, nul, sizeof nul - 1, &kind, &row, &err), POS_E_PARSE);
	assert_string_equal(err.field, "line 3");
	assert_non_null(strstr(err.msg, "NUL byte at character 13"));
	/* 10 KB line. */
	size_t n = 10 * 1024;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, '7', n);
	assert_int_equal(csv_payout_line(p, big, n, &kind, &row, &err), POS_E_TOO_LONG);
	assert_string_equal(err.field, "line 4");
	/* A name at the cap, and one byte over. */
	char line[256];
	memset(big, 'n', CSV_NAME_MAX + 1);
	snprintf(line, sizeof line, "0712345670,100,%.*s", CSV_NAME_MAX, big);
	assert_int_equal(csv_payout_line(p, line, strlen(line), &kind, &row, &err), POS_OK);
	assert_int_equal(strlen(row.name), CSV_NAME_MAX);
	snprintf(line, sizeof line, "0712345671,100,%.*s", CSV_NAME_MAX + 1, big);
	assert_int_equal(csv_payout_line(p, line, strlen(line), &kind, &row, &err), POS_E_TOO_LONG);
	assert_string_equal(err.field, "line 6: name");
	/* Remarks at 100 and 101. */
	memset(big, 'r', 101);
	snprintf(line, sizeof line, "0712345672,100,,%.*s", 100, big);
	assert_int_equal(csv_payout_line(p, line, strlen(line), &kind, &row, &err), POS_OK);
	assert_int_equal(strlen(row.remarks), 100);
	snprintf(line, sizeof line, "0712345673,100,,%.*s", 101, big);
	assert_int_equal(csv_payout_line(p, line, strlen(line), &kind, &row, &err), POS_E_TOO_LONG);
	assert_string_equal(err.field, "line 8: remarks");
	free(big);
	assert_int_equal(csv_payout_lines(p), 8);
	csv_payout_free(p);
	csv_payout_free(NULL);
	assert_int_equal(csv_payout_line(NULL, "a", 1, &kind, &row, &err), POS_E_INVALID);
	assert_int_equal(csv_payout_lines(NULL), 0);
	assert_int_equal(csv_payout_rows(NULL), 0);
}

static void test_payout_many_rows(void **state)
{
	(void)state;
	struct csv_payout *p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	char line[64];
	struct pos_err err;
	struct csv_payout_row row;
	/* Distinct rows up to the cap: the duplicate table grows and stays right. */
	for (int i = 0; i < CSV_PAYOUT_ROWS_MAX; i++) {
		int len = snprintf(line, sizeof line, "07%08d,%d", i, 10 + i % 7);
		enum pos_status st = csv_payout_line(p, line, (size_t)len, NULL, &row, &err);
		if (st != POS_OK)
			fail_msg("row %d: %s: %s", i, err.field, err.msg);
	}
	assert_int_equal(csv_payout_rows(p), CSV_PAYOUT_ROWS_MAX);
	int len = snprintf(line, sizeof line, "0799999999,10");
	assert_int_equal(csv_payout_line(p, line, (size_t)len, NULL, &row, &err), POS_E_TOO_LONG);
	assert_non_null(strstr(err.msg, "more than 10000 payouts"));
	csv_payout_free(p);

	/* Repeats after the table has grown name the right earlier line. */
	p = csv_payout_new(PHONE_KE, CURRENCY_KES, NULL);
	assert_non_null(p);
	for (int i = 0; i < 3000; i++) {
		len = snprintf(line, sizeof line, "07%08d,%d", i * 7, 10 + i % 5);
		assert_int_equal(csv_payout_line(p, line, (size_t)len, NULL, &row, &err), POS_OK);
	}
	for (int i = 0; i < 3000; i += 97) {
		len = snprintf(line, sizeof line, "07%08d,%d", i * 7, 10 + i % 5);
		assert_int_equal(csv_payout_line(p, line, (size_t)len, NULL, &row, &err),
		                 POS_E_DUPLICATE);
		assert_int_equal(row.duplicate_of, (size_t)i + 1);
		/* Same phone, other amount: not a duplicate. */
		len = snprintf(line, sizeof line, "07%08d,%d", i * 7, 1000 + i);
		assert_int_equal(csv_payout_line(p, line, (size_t)len, NULL, &row, &err), POS_OK);
	}
	csv_payout_free(p);
}

/* ---- writing ------------------------------------------------------------- */

static const struct put_case {
	const char *in;
	enum csv_cell cell;
	const char *out; /* as written, without the comma */
} put_cases[] = {
	{"", CSV_CELL_DATA, ""},
	{"", CSV_CELL_TEXT, ""},
	{"plain", CSV_CELL_TEXT, "plain"},
	{"TX000001", CSV_CELL_DATA, "TX000001"},
	{"a,b", CSV_CELL_DATA, "\"a,b\""},
	{"say \"hi\"", CSV_CELL_TEXT, "\"say \"\"hi\"\"\""},
	{"\"", CSV_CELL_DATA, "\"\"\"\""},
	{"two\r\nlines", CSV_CELL_TEXT, "\"two  lines\""},
	{"\n", CSV_CELL_DATA, "\" \""},
	/* Formulas: defused in text, left alone in data (a negative amount). */
	{"=1+1", CSV_CELL_TEXT, "\"'=1+1\""},
	{"+254712345678", CSV_CELL_TEXT, "\"'+254712345678\""},
	{"-2+3+cmd|' /C calc'!A0", CSV_CELL_TEXT, "\"'-2+3+cmd|' /C calc'!A0\""},
	{"-10", CSV_CELL_TEXT, "\"'-10\""},
	{"@SUM(A1)", CSV_CELL_TEXT, "\"'@SUM(A1)\""},
	{"=\"x\",y", CSV_CELL_TEXT, "\"'=\"\"x\"\",y\""},
	{"-10", CSV_CELL_DATA, "-10"},
	{"=1+1", CSV_CELL_DATA, "=1+1"},
	{"a=1", CSV_CELL_TEXT, "a=1"},
	{" =1", CSV_CELL_TEXT, " =1"},
	{"Jos\xc3\xa9", CSV_CELL_TEXT, "Jos\xc3\xa9"},
};

static void test_csv_put_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(put_cases); i++) {
		const struct put_case *c = &put_cases[i];
		struct buf b;
		char want[256];
		buf_init(&b, 4096);
		assert_int_equal(csv_put_field(&b, c->in, c->cell, false), POS_OK);
		assert_int_equal(csv_put_field(&b, c->in, c->cell, true), POS_OK);
		snprintf(want, sizeof want, "%s,%s\n", c->out, c->out);
		assert_string_equal(b.data, want);
		/* The reader takes the row back: the same field twice, CR/LF made
		 * spaces, a defused formula with its apostrophe. */
		struct csv_row row;
		assert_int_equal(csv_parse_line(b.data, b.len - 1, &row, NULL), POS_OK);
		assert_int_equal(row.count, 2);
		assert_string_equal(row.field[0], row.field[1]);
		bool defused = c->out[0] == '"' && c->out[1] == '\'';
		const char *back = row.field[0] + (defused ? 1 : 0);
		assert_int_equal(strlen(back), strlen(c->in));
		for (size_t k = 0; c->in[k]; k++)
			assert_int_equal(back[k], c->in[k] == '\r' || c->in[k] == '\n' ? ' ' : c->in[k]);
		buf_release(&b);
	}
}

static void test_csv_put_row(void **state)
{
	(void)state;
	static const enum csv_cell cells[] = {CSV_CELL_DATA, CSV_CELL_TEXT, CSV_CELL_DATA};
	const char *f[] = {"-5", "-5", "x,y"};
	struct buf b;
	buf_init(&b, 64);
	assert_int_equal(csv_put_row(&b, f, cells, 3), POS_OK);
	assert_string_equal(b.data, "-5,\"'-5\",\"x,y\"\n");
	const char *one[] = {"only"};
	buf_reset(&b);
	assert_int_equal(csv_put_row(&b, one, cells, 1), POS_OK);
	assert_string_equal(b.data, "only\n");
	buf_release(&b);

	/* The buffer's ceiling is an error, never a silent cut. */
	char big[200];
	memset(big, '"', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	buf_init(&b, 100);
	assert_int_equal(csv_put_field(&b, big, CSV_CELL_TEXT, true), POS_E_TOO_LONG);
	assert_true(b.len <= 100);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_lines),
		cmocka_unit_test(test_csv_caps),
		cmocka_unit_test(test_csv_next_line),
		cmocka_unit_test(test_csv_put_field),
		cmocka_unit_test(test_csv_put_row),
		cmocka_unit_test(test_payout_file),
		cmocka_unit_test(test_payout_headers),
		cmocka_unit_test(test_payout_country_and_limits),
		cmocka_unit_test(test_payout_hostile),
		cmocka_unit_test(test_payout_many_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
