/* core/csv.c: CSV lines and bulk-payout rows. */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "core/text_int.h"

/* ---- one CSV line ------------------------------------------------------- */

/* Fill err with field "csv"; what names the place with %zu. */
#define csv_error(err, code, hint, what, at)                                  \
	(pos_err_set((err), (code), "csv", what, (size_t)(at)),                    \
	 pos_err_hint((err), "%s", (hint)), (code))

enum pos_status csv_parse_line(const char *line, size_t n, struct csv_row *row,
                               struct pos_err *err)
{
	static const char quote_hint[] =
		"put the whole field in double quotes and write a quote inside it "
		"twice, like \"5\"\" pipe\"";
	if (!row)
		return pos_err_set(err, POS_E_INVALID, "csv", "no row to fill");
	row->count = 0;
	if (!line)
		n = 0;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n > CSV_LINE_MAX) {
		pos_err_set(err, POS_E_TOO_LONG, "csv", "the line is %zu bytes long: the most is %d",
		            n, CSV_LINE_MAX);
		pos_err_hint(err, "shorten the line");
		return POS_E_TOO_LONG;
	}
	const char *nul = n ? memchr(line, '\0', n) : NULL;
	if (nul)
		return csv_error(err, POS_E_PARSE,
		                 "save the sheet as CSV text (this looks like a spreadsheet "
		                 "or another binary file)",
		                 "the line has a NUL byte at character %zu",
		                 (size_t)(nul - line) + 1);

	char *buf = row->buf;
	size_t i = 0, o = 0;
	for (;;) {
		if (row->count == CSV_FIELDS_MAX)
			return csv_error(err, POS_E_PARSE, "remove the extra columns",
			                 "the line has more than %zu columns", CSV_FIELDS_MAX);
		size_t start = o;
		if (i < n && line[i] == '"') {
			size_t open = i + 1;
			i++;
			for (;;) {
				if (i >= n)
					return csv_error(err, POS_E_PARSE, quote_hint,
					                 "the quote at character %zu is never closed", open);
				if (line[i] == '"') {
					if (i + 1 < n && line[i + 1] == '"') {
						buf[o++] = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				buf[o++] = line[i++];
			}
			if (i < n && line[i] != ',')
				return csv_error(err, POS_E_PARSE, quote_hint,
				                 "there is text after the closing quote at character %zu",
				                 i);
		} else {
			while (i < n && line[i] != ',') {
				if (line[i] == '"')
					return csv_error(err, POS_E_PARSE, quote_hint,
					                 "there is a quote inside an unquoted field at "
					                 "character %zu",
					                 i + 1);
				buf[o++] = line[i++];
			}
		}
		row->field[row->count] = buf + start;
		row->len[row->count] = o - start;
		buf[o++] = '\0';
		row->count++;
		if (i >= n)
			break;
		i++; /* the comma; a comma at the very end makes one more empty field */
	}
	pos_err_clear(err);
	return POS_OK;
}

bool csv_next_line(const char *data, size_t len, size_t *pos, const char **line,
                   size_t *n)
{
	if (!data || !pos || *pos >= len)
		return false;
	const char *s = data + *pos;
	size_t rest = len - *pos;
	const char *nl = memchr(s, '\n', rest);
	size_t k = nl ? (size_t)(nl - s) : rest;
	*line = s;
	*n = (k > 0 && s[k - 1] == '\r') ? k - 1 : k;
	*pos += nl ? k + 1 : k;
	return true;
}

/* ---- writing ------------------------------------------------------------- */

static bool csv_formula(const char *s)
{
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
}

enum pos_status csv_put_field(struct buf *b, const char *s, enum csv_cell cell, bool last)
{
	bool formula = cell == CSV_CELL_TEXT && csv_formula(s);
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	enum pos_status st = POS_OK;
	if (quote)
		st = buf_append(b, "\"", 1);
	if (st == POS_OK && formula)
		st = buf_append(b, "'", 1);
	for (const char *p = s; st == POS_OK && *p; p++) {
		if (*p == '"')
			st = buf_append(b, "\"", 1);
		char ch = *p == '\r' || *p == '\n' ? ' ' : *p;
		if (st == POS_OK)
			st = buf_append(b, &ch, 1);
	}
	if (st == POS_OK && quote)
		st = buf_append(b, "\"", 1);
	if (st == POS_OK)
		st = buf_append(b, last ? "\n" : ",", 1);
	return st;
}

enum pos_status csv_put_row(struct buf *b, const char *const *field,
                            const enum csv_cell *cell, size_t n)
{
	enum pos_status st = POS_OK;
	for (size_t i = 0; st == POS_OK && i < n; i++)
		st = csv_put_field(b, field[i], cell[i], i + 1 == n);
	return st;
}

/* ---- bulk payouts -------------------------------------------------------- */

enum { COL_PHONE, COL_AMOUNT, COL_NAME, COL_REMARKS, COL_COUNT };

static const char *const col_names[COL_COUNT] = {"phone", "amount", "name", "remarks"};

static const struct {
	const char *alias;
	int col;
} col_aliases[] = {
	{"phone", COL_PHONE},     {"msisdn", COL_PHONE},     {"mobile", COL_PHONE},
	{"phone_number", COL_PHONE}, {"phone number", COL_PHONE},
	{"amount", COL_AMOUNT},   {"name", COL_NAME},        {"full name", COL_NAME},
	{"full_name", COL_NAME},  {"remarks", COL_REMARKS},  {"remark", COL_REMARKS},
};

struct dup_entry {
	size_t line; /* 0: empty slot */
	int64_t amount;
	char msisdn[PHONE_MSISDN_MAX];
};

struct csv_payout {
	enum phone_country country;
	enum currency cur;
	struct money_limits limits;
	size_t lines, rows;
	bool seen_content; /* a non-blank line was seen */
	bool broken;       /* the header was unusable */
	int col[COL_COUNT];
	size_t ncols;
	struct dup_entry *table;
	size_t cap, used;
};

struct csv_payout *csv_payout_new(enum phone_country country, enum currency cur,
                                  const struct money_limits *limits)
{
	struct csv_payout *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->country = country;
	p->cur = cur;
	if (limits)
		p->limits = *limits;
	else
		money_limits_default(&p->limits);
	for (int c = 0; c < COL_COUNT; c++)
		p->col[c] = c;
	p->ncols = COL_COUNT;
	return p;
}

void csv_payout_free(struct csv_payout *p)
{
	if (!p)
		return;
	free(p->table);
	free(p);
}

size_t csv_payout_lines(const struct csv_payout *p)
{
	return p ? p->lines : 0;
}

size_t csv_payout_rows(const struct csv_payout *p)
{
	return p ? p->rows : 0;
}

/* Copy an inner error under the field "line N: <field>". */
static enum pos_status wrap(struct pos_err *err, size_t line, const struct pos_err *in)
{
	if (!err)
		return in->code;
	pos_err_set(err, in->code, NULL, "%s", in->msg);
	if (in->field[0] && strcmp(in->field, "csv") != 0)
		str_fmt(err->field, sizeof err->field, "line %zu: %s", line, in->field);
	else
		str_fmt(err->field, sizeof err->field, "line %zu", line);
	str_copy(err->hint, sizeof err->hint, in->hint);
	return in->code;
}

static void field_of(const struct csv_row *r, int col, const char **s, size_t *n)
{
	if (col < 0 || (size_t)col >= r->count) {
		*s = "";
		*n = 0;
		return;
	}
	*s = r->field[col];
	*n = r->len[col];
	core_trim(s, n);
}

static bool is_blank(const struct csv_row *r)
{
	for (size_t i = 0; i < r->count; i++) {
		const char *s = r->field[i];
		size_t n = r->len[i];
		core_trim(&s, &n);
		if (n)
			return false;
	}
	return true;
}

static int column_of(const char *s, size_t n)
{
	char name[32];
	core_trim(&s, &n);
	if (n == 0 || n >= sizeof name)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	for (size_t i = 0; i < sizeof col_aliases / sizeof col_aliases[0]; i++)
		if (str_eq_nocase(name, col_aliases[i].alias))
			return col_aliases[i].col;
	return -1;
}

static bool looks_like_header(const struct csv_row *r)
{
	for (size_t i = 0; i < r->count; i++)
		if (column_of(r->field[i], r->len[i]) >= 0)
			return true;
	return false;
}

static enum pos_status read_header(struct csv_payout *p, const struct csv_row *r,
                                   struct pos_err *err)
{
	int col[COL_COUNT] = {-1, -1, -1, -1};
	for (size_t i = 0; i < r->count; i++) {
		int c = column_of(r->field[i], r->len[i]);
		if (c < 0)
			continue;
		if (col[c] >= 0) {
			p->broken = true;
			pos_err_set(err, POS_E_PARSE, NULL, "the column %s appears twice in the header",
			            col_names[c]);
			if (err)
				str_fmt(err->field, sizeof err->field, "line %zu", p->lines);
			pos_err_hint(err, "keep one column of each: phone, amount, name, remarks");
			return POS_E_PARSE;
		}
		col[c] = (int)i;
	}
	for (int c = COL_PHONE; c <= COL_AMOUNT; c++) {
		if (col[c] < 0) {
			p->broken = true;
			pos_err_set(err, POS_E_PARSE, NULL, "the header has no %s column",
			            col_names[c]);
			if (err)
				str_fmt(err->field, sizeof err->field, "line %zu", p->lines);
			pos_err_hint(err, "name the columns phone, amount, name, remarks");
			return POS_E_PARSE;
		}
	}
	memcpy(p->col, col, sizeof col);
	p->ncols = r->count;
	pos_err_clear(err);
	return POS_OK;
}

static enum pos_status check_name(const char *s, size_t n, char *out, size_t outsz,
                                  struct pos_err *err)
{
	char q[64];
	core_quote(s, n, q, sizeof q);
	if (n > CSV_NAME_MAX) {
		pos_err_set(err, POS_E_TOO_LONG, "name",
		            "'%s' is %zu bytes long: the most is %d", q, n, CSV_NAME_MAX);
		pos_err_hint(err, "shorten the name");
		return POS_E_TOO_LONG;
	}
	for (size_t i = 0; i < n;) {
		size_t len = core_utf8_seq((const unsigned char *)s + i, n - i);
		if (len == 0 || (len == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f))) {
			pos_err_set(err, POS_E_INVALID, "name",
			            "'%s' has a character that is not text at byte %zu", q, i + 1);
			pos_err_hint(err, "save the sheet as CSV UTF-8 and check the name");
			return POS_E_INVALID;
		}
		i += len;
	}
	str_copyn(out, outsz, s, n);
	return POS_OK;
}

static uint64_t dup_hash(const char *msisdn, int64_t amount)
{
	uint64_t h = UINT64_C(1469598103934665603);
	for (const char *c = msisdn; *c; c++)
		h = (h ^ (unsigned char)*c) * UINT64_C(1099511628211);
	uint64_t a = (uint64_t)amount;
	for (int i = 0; i < 8; i++, a >>= 8)
		h = (h ^ (a & 0xff)) * UINT64_C(1099511628211);
	return h;
}

static struct dup_entry *dup_slot(struct dup_entry *t, size_t cap, const char *msisdn,
                                  int64_t amount)
{
	size_t i = (size_t)dup_hash(msisdn, amount) & (cap - 1);
	while (t[i].line && !(t[i].amount == amount && strcmp(t[i].msisdn, msisdn) == 0))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static enum pos_status dup_grow(struct csv_payout *p)
{
	size_t cap = p->cap ? p->cap * 2 : 64;
	struct dup_entry *t = calloc(cap, sizeof *t);
	if (!t)
		return POS_E_NOMEM;
	for (size_t i = 0; i < p->cap; i++)
		if (p->table[i].line)
			*dup_slot(t, cap, p->table[i].msisdn, p->table[i].amount) = p->table[i];
	free(p->table);
	p->table = t;
	p->cap = cap;
	return POS_OK;
}

enum pos_status csv_payout_line(struct csv_payout *p, const char *line, size_t n,
                                enum csv_line_kind *kind, struct csv_payout_row *row,
                                struct pos_err *err)
{
	struct pos_err in;
	struct csv_row r;
	struct csv_payout_row out;
	enum csv_line_kind k = CSV_LINE_ROW;
	enum pos_status st;
	char text[CSV_LINE_MAX + 1];

	if (!p)
		return pos_err_set(err, POS_E_INVALID, "csv", "no payout file is open");
	memset(&out, 0, sizeof out);
	out.line = ++p->lines;
	if (!line)
		n = 0;
	if (out.line == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3; /* the byte-order mark spreadsheets write */
		n -= 3;
	}
	pos_err_clear(&in);
	st = csv_parse_line(line, n, &r, &in);
	if (st != POS_OK) {
		wrap(err, out.line, &in);
		goto out;
	}
	if (is_blank(&r)) {
		k = CSV_LINE_BLANK;
		pos_err_clear(err);
		goto out;
	}
	if (!p->seen_content) {
		p->seen_content = true;
		if (looks_like_header(&r)) {
			k = CSV_LINE_HEADER;
			st = read_header(p, &r, err);
			goto out;
		}
	}
	if (p->broken) {
		st = pos_err_set(err, POS_E_PARSE, NULL,
		                 "skipped: the header of the file is not usable");
		if (err)
			str_fmt(err->field, sizeof err->field, "line %zu", out.line);
		pos_err_hint(err, "fix the header first");
		goto out;
	}
	if (r.count == 1 && n > 0 && memchr(line, ';', n)) {
		st = pos_err_set(err, POS_E_PARSE, NULL,
		                 "the columns are separated by ';', not by commas");
		if (err)
			str_fmt(err->field, sizeof err->field, "line %zu", out.line);
		pos_err_hint(err, "save the sheet as \"CSV (comma delimited)\"");
		goto out;
	}
	if (r.count > p->ncols) {
		st = pos_err_set(err, POS_E_PARSE, NULL,
		                 "the line has %zu columns but the file has %zu (%s)", r.count,
		                 p->ncols,
		                 p->ncols == COL_COUNT && p->col[COL_REMARKS] == COL_REMARKS
		                     ? "phone, amount, name, remarks"
		                     : "see the header");
		if (err)
			str_fmt(err->field, sizeof err->field, "line %zu", out.line);
		pos_err_hint(err, "put a field with a comma in double quotes");
		goto out;
	}

	const char *s;
	size_t sn;
	struct phone ph;
	field_of(&r, p->col[COL_PHONE], &s, &sn);
	if ((st = phone_normalize_n(s, sn, p->country, &ph, &in)) != POS_OK) {
		wrap(err, out.line, &in);
		goto out;
	}
	str_copy(out.msisdn, sizeof out.msisdn, ph.msisdn);
	str_copy(out.pretty, sizeof out.pretty, ph.pretty);
	out.other_network = ph.other_network;

	field_of(&r, p->col[COL_AMOUNT], &s, &sn);
	if ((st = money_parse_n(s, sn, p->cur, &out.amount, &in)) != POS_OK ||
	    (st = money_check_limit(&p->limits, p->cur, MONEY_OP_PAYOUT, out.amount, &in)) !=
	        POS_OK) {
		wrap(err, out.line, &in);
		goto out;
	}

	field_of(&r, p->col[COL_NAME], &s, &sn);
	if ((st = check_name(s, sn, out.name, sizeof out.name, &in)) != POS_OK) {
		wrap(err, out.line, &in);
		goto out;
	}

	field_of(&r, p->col[COL_REMARKS], &s, &sn);
	str_copyn(text, sizeof text, s, sn);
	if ((st = fields_check_remarks(text, false, &in)) != POS_OK) {
		wrap(err, out.line, &in);
		goto out;
	}
	str_copy(out.remarks, sizeof out.remarks, text);

	if (p->rows >= CSV_PAYOUT_ROWS_MAX) {
		st = pos_err_set(err, POS_E_TOO_LONG, NULL,
		                 "the file has more than %d payouts", CSV_PAYOUT_ROWS_MAX);
		if (err)
			str_fmt(err->field, sizeof err->field, "line %zu", out.line);
		pos_err_hint(err, "split it into smaller files");
		goto out;
	}
	if ((p->used + 1) * 2 > p->cap && (st = dup_grow(p)) != POS_OK) {
		pos_err_set(err, st, NULL, "out of memory while checking for duplicates");
		goto out;
	}
	p->rows++;
	struct dup_entry *e = dup_slot(p->table, p->cap, out.msisdn, out.amount);
	if (e->line) {
		char amount[MONEY_FMT_MAX];
		out.duplicate_of = e->line;
		st = pos_err_set(err, POS_E_DUPLICATE, NULL,
		                 "%s and %s are the same as on line %zu", out.pretty,
		                 money_format(out.amount, p->cur, amount, sizeof amount), e->line);
		if (err)
			str_fmt(err->field, sizeof err->field, "line %zu: phone", out.line);
		pos_err_hint(err, "remove one of them, or keep both if two payments are meant");
		goto out;
	}
	e->line = out.line;
	e->amount = out.amount;
	str_copy(e->msisdn, sizeof e->msisdn, out.msisdn);
	p->used++;
	pos_err_clear(err);
	st = POS_OK;
out:
	if (kind)
		*kind = k;
	if (row)
		*row = out;
	return st;
}
