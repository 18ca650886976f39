/*
 * core/csv.h: CSV lines (RFC 4180) and the rows of a bulk-payout file.
 *
 * csv_parse_line() splits one line into fields: fields are separated by
 * commas; a field may be quoted with double quotes, inside which a comma is
 * data and "" is one quote. It refuses a quote that is never closed, a quote
 * inside an unquoted field, anything but a comma after a closing quote, a NUL
 * byte, more than CSV_FIELDS_MAX fields and lines over CSV_LINE_MAX bytes.
 * A line is one physical line: a quoted field cannot span lines (a payout
 * file never needs that, and it keeps line numbers honest); csv_next_line()
 * splits a buffer at LF or CRLF.
 *
 * struct csv_payout reads a bulk-payout file line by line. Columns: phone,
 * amount, optional name, optional remarks. If the first non-blank line names
 * any of them (any case; also msisdn, mobile, phone_number, full name,
 * remark) it is the header and sets the column order; unknown columns are
 * ignored. Without a header the order is phone, amount, name, remarks. Each
 * row is checked with phone_normalize(), money_parse() and the payout limits,
 * the name (at most CSV_NAME_MAX bytes of UTF-8 text) and the remarks (as
 * fields_check_remarks(), optional per row: the caller may supply a batch
 * default). Errors name the line and the field: "line 7: amount: 10.50 has
 * cents: Daraja takes whole shillings; enter 10 or 11". A row with the same
 * phone and amount as an earlier row is reported as POS_E_DUPLICATE naming
 * the earlier line (the row is still filled in: the caller decides).
 *
 * csv_put_field() and csv_put_row() write the other way: one field or row
 * appended to a struct buf, quoted as RFC 4180 wants, with text that a
 * spreadsheet would run as a formula defused (see enum csv_cell).
 *
 * Ownership: struct csv_row and struct csv_payout_row are caller-owned;
 * csv_row fields point into the row itself. struct csv_payout is heap-owned:
 * csv_payout_new() / csv_payout_free().
 * Thread-safety: a struct csv_payout belongs to one thread at a time.
 */
#ifndef POS_CORE_CSV_H
#define POS_CORE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/fields.h"
#include "core/money.h"
#include "core/phone.h"

enum {
	CSV_LINE_MAX = 1024,         /* bytes in one line, without the break */
	CSV_FIELDS_MAX = 32,         /* fields in one line */
	CSV_NAME_MAX = 80,           /* bytes of a recipient name */
	CSV_PAYOUT_ROWS_MAX = 10000, /* payout rows in one file */
};

struct csv_row {
	size_t count;                    /* number of fields, >= 1 */
	const char *field[CSV_FIELDS_MAX]; /* NUL-terminated, unquoted */
	size_t len[CSV_FIELDS_MAX];
	char buf[CSV_LINE_MAX + CSV_FIELDS_MAX];
};

/*
 * Parse [line, line+n) (no line break; one trailing CR is dropped) into row.
 * POS_OK, or POS_E_PARSE / POS_E_TOO_LONG with field "csv" and the character
 * position in the sentence.
 */
enum pos_status csv_parse_line(const char *line, size_t n, struct csv_row *row,
                               struct pos_err *err);

/*
 * The next line of [data, data+len) from *pos: sets *line and *n (without
 * the LF or CRLF) and advances *pos. False when *pos is at the end. A last
 * line without a break is returned too.
 */
bool csv_next_line(const char *data, size_t len, size_t *pos, const char **line,
                   size_t *n);

/* ---- writing -------------------------------------------------------------- */

/*
 * What a field written with csv_put_field() holds. A spreadsheet runs a cell
 * that starts with = + - or @ as a formula (CSV injection), so free text
 * that came from outside (a phone number, a reference, a description, a
 * name, a result from Daraja) is written as CSV_CELL_TEXT: such a cell is
 * quoted and starts with an apostrophe, which the spreadsheet shows as text.
 * What the program made itself (ids, dates, kinds, states, amounts, counts;
 * an amount may be negative) is CSV_CELL_DATA and is never changed.
 */
enum csv_cell {
	CSV_CELL_DATA,
	CSV_CELL_TEXT,
};

struct buf;

/*
 * Append s (NUL-terminated, not NULL) to b as one CSV field, then a comma,
 * or a line feed when last. The field is quoted when it holds a comma, a
 * quote, CR or LF, or when it gets the apostrophe (see enum csv_cell); a
 * quote inside is doubled; CR and LF become spaces, so a row is always one
 * physical line (csv_parse_line() reads it back). Returns POS_OK, or
 * buf_append()'s POS_E_TOO_LONG / POS_E_NOMEM (b then holds a part).
 */
enum pos_status csv_put_field(struct buf *b, const char *s, enum csv_cell cell, bool last);

/* Append one row of n fields (n >= 1), field[i] written as cell[i], ending
 * in a line feed. Errors as csv_put_field(). */
enum pos_status csv_put_row(struct buf *b, const char *const *field,
                            const enum csv_cell *cell, size_t n);

/* ---- bulk payouts -------------------------------------------------------- */

enum csv_line_kind {
	CSV_LINE_ROW,    /* a payout row (valid when POS_OK) */
	CSV_LINE_HEADER, /* the header row */
	CSV_LINE_BLANK,  /* empty, or only spaces and commas */
};

struct csv_payout_row {
	size_t line;                      /* 1-based line number */
	char msisdn[PHONE_MSISDN_MAX];    /* "254712345678" */
	char pretty[PHONE_PRETTY_MAX];    /* "0712 345 678" */
	bool other_network;               /* see struct phone */
	int64_t amount;                   /* minor units */
	char name[CSV_NAME_MAX + 1];      /* may be "" */
	char remarks[FIELDS_REMARKS_MAX + 1]; /* may be "": use the batch's */
	size_t duplicate_of;              /* earlier line, or 0 */
};

struct csv_payout;

/* A reader for one file. limits may be NULL (defaults); it is copied.
 * NULL when out of memory. */
struct csv_payout *csv_payout_new(enum phone_country country, enum currency cur,
                                  const struct money_limits *limits);
void csv_payout_free(struct csv_payout *p);

/*
 * Feed the next physical line of the file (call it for every line, blank
 * ones included, so line numbers are right). Sets *kind. For a row, fills
 * *row (row->line always). Returns POS_OK; POS_E_DUPLICATE for a repeated
 * phone+amount (row filled, duplicate_of set); or the error of the first bad
 * field, with err->field "line N: phone" etc.
 */
enum pos_status csv_payout_line(struct csv_payout *p, const char *line, size_t n,
                                enum csv_line_kind *kind, struct csv_payout_row *row,
                                struct pos_err *err);

/* Lines fed so far; valid rows recorded so far. */
size_t csv_payout_lines(const struct csv_payout *p);
size_t csv_payout_rows(const struct csv_payout *p);

#endif
