/* ui/screen_history.c: transactions, newest first, one keyset page at a
 * time (no count, no offset: smooth at a million rows); search, filters,
 * export. A cashier sees their own; a supervisor everyone's. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/phone.h"
#include "ui/ui_int.h"

enum { PAGE_MAX = 200, EXPORT_ROWS_PER_TURN = 2000 };
enum mode { M_LIST, M_SEARCH, M_FILTER };
enum { FF_FROM, FF_TO, FF_KIND, FF_STATE, FF_OPERATOR, FF_COUNT };
enum search_by { S_NONE, S_PHONE, S_ID, S_RECEIPT, S_REF };

static const char *const search_names[] = {
	[S_NONE] = "", [S_PHONE] = "phone", [S_ID] = "transaction id",
	[S_RECEIPT] = "receipt", [S_REF] = "reference",
};

/* What the list asks the ledger for. */
struct query {
	bool all_ops;            /* everyone's (supervisors) */
	int64_t operator_id;     /* with all_ops: one operator; 0 = any */
	int64_t from_ms, to_ms;  /* 0 = open */
	bool has_kind, has_state;
	enum txn_kind kind;
	enum txn_state state;
	enum search_by by;
	char typed[UI_FIELD_MAX + 1]; /* the search as typed */
	char value[64];               /* as the ledger keeps it */
};

struct history {
	enum mode mode;
	struct query q;
	/* The page: rows after cursor `start`; `back` holds the starts of the
	 * pages before it (newest first), so PgUp needs no offset. */
	struct store_cursor start;
	size_t first;            /* position of the page's first row, from 0 */
	struct page_start {
		struct store_cursor at;
		size_t first;
	} *back;
	size_t n_back, cap_back;
	struct store_txn rows[PAGE_MAX];
	size_t n, sel;
	int loaded_rows;
	bool more;
	struct store_cursor next;
	char problem[POS_ERR_MSG_MAX];
	/* Forms */
	struct ui_field search;
	struct ui_field ff[FF_COUNT];
	int ffocus;
	/* Export in progress */
	struct ui_export *export;
};

/* ---- the query ---------------------------------------------------------- */
static bool may_see_all(struct ui *ui)
{
	return role_allows(ui_operator(ui)->role, ROLE_ACT_ALL_HISTORY);
}

static void filter_of(struct ui *ui, const struct query *q, struct store_filter *f)
{
	memset(f, 0, sizeof *f);
	f->from_ms = q->from_ms;
	f->to_ms = q->to_ms;
	f->has_kind = q->has_kind;
	f->kind = q->kind;
	f->has_state = q->has_state;
	f->state = q->state;
	if (q->all_ops && may_see_all(ui))
		f->operator_id = q->operator_id;
	else
		f->operator_id = ui_operator(ui)->id;
	switch (q->by) {
	case S_PHONE: f->msisdn = q->value; break;
	case S_ID: f->public_id = q->value; break;
	case S_RECEIPT: f->receipt = q->value; break;
	case S_REF: f->reference = q->value; break;
	default: break;
	}
}

/* Rows that fit between the summary, the column titles and the footer. */
static int visible_rows(void)
{
	int n = LINES - 5 - 3;
	if (n < 1)
		n = 1;
	return n > PAGE_MAX ? PAGE_MAX : n;
}

static void load(struct ui *ui, struct history *h)
{
	struct store_filter f;
	filter_of(ui, &h->q, &f);
	struct pos_err err;
	pos_err_clear(&err);
	h->loaded_rows = visible_rows();
	size_t n = 0;
	bool more = false;
	struct store_cursor next = {0, 0};
	if (store_txn_history(ui_store(ui), &f, &h->start, h->rows,
	                      (size_t)h->loaded_rows, &n, &next, &more, &err) != POS_OK) {
		str_copy(h->problem, sizeof h->problem, err.msg);
		h->n = 0;
		h->more = false;
		return;
	}
	h->problem[0] = '\0';
	h->n = n;
	h->more = more;
	h->next = next;
	if (h->sel >= h->n)
		h->sel = h->n ? h->n - 1 : 0;
}

static void go_top(struct ui *ui, struct history *h)
{
	h->n_back = 0;
	h->first = 0;
	h->start = (struct store_cursor){0, 0};
	h->sel = 0;
	load(ui, h);
}

static bool page_down(struct ui *ui, struct history *h)
{
	if (!h->more)
		return false;
	if (h->n_back == h->cap_back) {
		size_t cap = h->cap_back ? h->cap_back * 2 : 64;
		struct page_start *grown = realloc(h->back, cap * sizeof *grown);
		if (!grown) {
			ui_message(ui, UI_MSG_ERROR, "Out of memory: press Home to go back to the newest.");
			return false;
		}
		h->back = grown;
		h->cap_back = cap;
	}
	h->back[h->n_back++] = (struct page_start){h->start, h->first};
	h->first += h->n;
	h->start = h->next;
	h->sel = 0;
	load(ui, h);
	return true;
}

static bool page_up(struct ui *ui, struct history *h)
{
	if (!h->n_back)
		return false;
	h->n_back--;
	h->start = h->back[h->n_back].at;
	h->first = h->back[h->n_back].first;
	load(ui, h);
	return true;
}

/* The search as typed, read as the first thing that finds something:
 * a phone number, one of our transaction ids, an M-Pesa receipt, an
 * account reference. */
static void apply_search(struct ui *ui, struct history *h, const char *typed)
{
	struct query q = h->q;
	struct {
		enum search_by by;
		char value[64];
	} cand[4];
	size_t nc = 0;
	char text[UI_FIELD_MAX + 1];
	str_copy(text, sizeof text, typed);
	str_trim(text);
	str_copy(q.typed, sizeof q.typed, text);
	if (!text[0]) {
		q.by = S_NONE;
		h->q = q;
		go_top(ui, h);
		return;
	}
	struct phone ph;
	if (phone_normalize(text, PHONE_DEFAULT_COUNTRY, &ph, NULL) == POS_OK) {
		cand[nc].by = S_PHONE;
		str_copy(cand[nc++].value, sizeof cand[0].value, ph.msisdn);
	}
	int64_t id;
	if (store_public_id_parse(text, &id, NULL) == POS_OK &&
	    store_public_id_format(id, cand[nc].value)) {
		cand[nc++].by = S_ID;
	}
	size_t len = strlen(text);
	bool alnum = len >= 8 && len < STORE_RECEIPT_MAX;
	for (size_t i = 0; alnum && i < len; i++)
		alnum = isalnum((unsigned char)text[i]) != 0;
	if (alnum) {
		cand[nc].by = S_RECEIPT;
		for (size_t i = 0; i <= len; i++)
			cand[nc].value[i] = (char)toupper((unsigned char)text[i]);
		nc++;
	}
	cand[nc].by = S_REF;
	str_copy(cand[nc++].value, sizeof cand[0].value, text);

	for (size_t i = 0; i < nc; i++) {
		q.by = cand[i].by;
		str_copy(q.value, sizeof q.value, cand[i].value);
		struct store_filter f;
		filter_of(ui, &q, &f);
		struct store_txn one;
		size_t n = 0;
		bool more;
		struct store_cursor next;
		if (store_txn_history(ui_store(ui), &f, NULL, &one, 1, &n, &next, &more,
		                      NULL) == POS_OK && n > 0)
			break;
		if (i + 1 < nc)
			continue;
		/* Nothing anywhere: show the first reading, empty. */
		q.by = cand[0].by;
		str_copy(q.value, sizeof q.value, cand[0].value);
	}
	h->q = q;
	go_top(ui, h);
}

/* ---- the filter form --------------------------------------------------- */
static bool parse_kind(const char *s, enum txn_kind *out)
{
	if (txn_kind_parse(s, out))
		return true;
	for (int k = 0; k < TXN_KIND_COUNT; k++)
		if (str_eq_nocase(s, ui_kind_short((enum txn_kind)k)) ||
		    str_eq_nocase(s, txn_kind_label((enum txn_kind)k))) {
			*out = (enum txn_kind)k;
			return true;
		}
	return false;
}

static bool parse_state(const char *s, enum txn_state *out)
{
	if (txn_state_parse(s, out))
		return true;
	static const struct {
		const char *word;
		enum txn_state state;
	} words[] = {
		{"paid", TXN_COMPLETED}, {"no answer", TXN_TIMED_OUT},
		{"waiting", TXN_AWAITING}, {"checking", TXN_UNKNOWN},
		{"held", TXN_REVIEW}, {"not sent", TXN_CREATED}, {"sending", TXN_SENT},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (str_eq_nocase(s, words[i].word)) {
			*out = words[i].state;
			return true;
		}
	return false;
}

static void form_fill(struct ui *ui, struct history *h)
{
	static const char *const labels[FF_COUNT] = {
		"From date", "To date", "Kind", "State", "Operator id",
	};
	for (int i = 0; i < FF_COUNT; i++) {
		h->ff[i] = (struct ui_field){.label = labels[i], .max_chars = 20};
	}
	h->ff[FF_OPERATOR].digits = true;
	h->ff[FF_OPERATOR].max_chars = 9;
	char d[16];
	struct tm tm;
	if (h->q.from_ms) {
		clock_eat_tm((time_t)(h->q.from_ms / 1000), &tm);
		snprintf(d, sizeof d, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
		         (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
		ui_field_set(&h->ff[FF_FROM], d);
	}
	if (h->q.to_ms) {
		clock_eat_tm((time_t)(h->q.to_ms / 1000 - 86400), &tm);
		snprintf(d, sizeof d, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
		         (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
		ui_field_set(&h->ff[FF_TO], d);
	}
	if (h->q.has_kind)
		ui_field_set(&h->ff[FF_KIND], txn_kind_name(h->q.kind));
	if (h->q.has_state)
		ui_field_set(&h->ff[FF_STATE], txn_state_name(h->q.state));
	if (h->q.operator_id) {
		snprintf(d, sizeof d, "%lld", (long long)h->q.operator_id);
		ui_field_set(&h->ff[FF_OPERATOR], d);
	}
	(void)ui;
	h->ffocus = 0;
}

/* Read the form into q; false (errors under the fields) when wrong. */
static bool form_read(struct ui *ui, struct history *h, struct query *q)
{
	bool ok = true;
	*q = h->q;
	time_t t;
	struct ui_field *f = h->ff;
	for (int i = 0; i < FF_COUNT; i++) {
		f[i].err[0] = '\0';
		str_trim(f[i].text);
	}
	q->from_ms = q->to_ms = 0;
	if (f[FF_FROM].text[0]) {
		if (clock_parse_date_eat(f[FF_FROM].text, &t))
			q->from_ms = (int64_t)t * 1000;
		else
			ok = false, snprintf(f[FF_FROM].err, sizeof f[FF_FROM].err,
			                     "\"%s\" is not a date: type it as 2025-03-14",
			                     f[FF_FROM].text);
	}
	if (f[FF_TO].text[0]) {
		if (clock_parse_date_eat(f[FF_TO].text, &t))
			q->to_ms = ((int64_t)t + 86400) * 1000; /* the whole day */
		else
			ok = false, snprintf(f[FF_TO].err, sizeof f[FF_TO].err,
			                     "\"%s\" is not a date: type it as 2025-03-14",
			                     f[FF_TO].text);
	}
	if (q->from_ms && q->to_ms && q->to_ms <= q->from_ms) {
		ok = false;
		str_copy(f[FF_TO].err, sizeof f[FF_TO].err,
		         "The last day is before the first: swap the dates.");
	}
	q->has_kind = f[FF_KIND].text[0] != '\0';
	if (q->has_kind && !parse_kind(f[FF_KIND].text, &q->kind)) {
		ok = false;
		snprintf(f[FF_KIND].err, sizeof f[FF_KIND].err,
		         "\"%s\" is not a kind: charge, cash, paybill, payout, reversal",
		         f[FF_KIND].text);
	}
	q->has_state = f[FF_STATE].text[0] != '\0';
	if (q->has_state && !parse_state(f[FF_STATE].text, &q->state)) {
		ok = false;
		snprintf(f[FF_STATE].err, sizeof f[FF_STATE].err,
		         "\"%s\" is not a state: paid, failed, cancelled, no answer, "
		         "checking, unresolved, held, waiting",
		         f[FF_STATE].text);
	}
	q->operator_id = 0;
	if (may_see_all(ui) && f[FF_OPERATOR].text[0]) {
		uint64_t id;
		if (parse_u64_str(f[FF_OPERATOR].text, INT64_MAX, &id) == POS_OK) {
			q->operator_id = (int64_t)id;
			q->all_ops = true;
		} else {
			ok = false;
			str_copy(f[FF_OPERATOR].err, sizeof f[FF_OPERATOR].err,
			         "An operator id is a number, like 1001.");
		}
	}
	return ok;
}

static int form_fields(struct ui *ui)
{
	return may_see_all(ui) ? FF_COUNT : FF_OPERATOR;
}

/* ---- screen operations -------------------------------------------------- */
static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	struct history *h = calloc(1, sizeof *h);
	if (!h)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	h->q.all_ops = may_see_all(ui);
	h->search = (struct ui_field){.label = "Find", .max_chars = 40};
	go_top(ui, h);
	*self = h;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct history *h = self;
	ui_export_close(h->export);
	free(h->back);
	free(h);
}

static unsigned context(const void *self)
{
	const struct history *h = self;
	return h->mode == M_LIST ? UI_CX_HISTORY : UI_CX_HFORM;
}

static bool typing(const void *self)
{
	const struct history *h = self;
	return h->mode != M_LIST;
}

static bool filtered(const struct query *q)
{
	return q->by != S_NONE || q->from_ms || q->to_ms || q->has_kind ||
	       q->has_state || q->operator_id;
}

static unsigned key_form(struct ui *ui, struct history *h, const struct ui_key *k)
{
	int nf = form_fields(ui);
	struct ui_field *f = h->mode == M_SEARCH ? &h->search : &h->ff[h->ffocus];
	switch (k->act) {
	case UI_ACT_BACK:
		h->mode = M_LIST;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_NEXT:
		if (h->mode == M_FILTER)
			h->ffocus = (h->ffocus + 1) % nf;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PREV:
		if (h->mode == M_FILTER)
			h->ffocus = (h->ffocus + nf - 1) % nf;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		if (h->mode == M_SEARCH) {
			apply_search(ui, h, h->search.text);
			h->mode = M_LIST;
		} else {
			struct query q;
			if (form_read(ui, h, &q)) {
				h->q = q;
				h->mode = M_LIST;
				go_top(ui, h);
			}
		}
		return UI_HANDLED | UI_REDRAW;
	default:
		break;
	}
	f->err[0] = '\0';
	if (ui_field_key(f, k) || f->err[0])
		return UI_HANDLED | UI_REDRAW;
	return UI_UNHANDLED;
}

static void start_export(struct ui *ui, struct history *h)
{
	if (h->export) {
		ui_message(ui, UI_MSG_INFO, "The export is still being written (%lld rows so far).",
		           (long long)ui_export_rows(h->export));
		return;
	}
	struct store_filter f;
	filter_of(ui, &h->q, &f);
	struct pos_err err;
	pos_err_clear(&err);
	if (ui_export_open(ui, &f, &h->export, &err) != POS_OK)
		ui_message_err(ui, &err);
	else
		ui_message(ui, UI_MSG_INFO, "Writing %s ...", ui_export_path(h->export));
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct history *h = self;
	if (h->mode != M_LIST)
		return key_form(ui, h, k);
	switch (k->act) {
	case UI_ACT_UP:
		if (h->sel > 0)
			h->sel--;
		else if (page_up(ui, h))
			h->sel = h->n ? h->n - 1 : 0;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_DOWN:
		if (h->sel + 1 < h->n)
			h->sel++;
		else
			page_down(ui, h);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PAGE_DOWN:
		if (!page_down(ui, h))
			h->sel = h->n ? h->n - 1 : 0;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_PAGE_UP:
		if (!page_up(ui, h))
			h->sel = 0;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_TOP:
		go_top(ui, h);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ENTER:
		if (h->n)
			ui_push(ui, &ui_screen_detail, &h->rows[h->sel].id);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_SEARCH:
		h->mode = M_SEARCH;
		ui_field_set(&h->search, h->q.typed);
		h->search.err[0] = '\0';
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_FILTER:
		h->mode = M_FILTER;
		form_fill(ui, h);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_ALL_OPERATORS:
		h->q.all_ops = !h->q.all_ops;
		h->q.operator_id = 0;
		go_top(ui, h);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_EXPORT:
		start_export(ui, h);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		if (filtered(&h->q)) {
			bool all = h->q.all_ops;
			memset(&h->q, 0, sizeof h->q);
			h->q.all_ops = all;
			go_top(ui, h);
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_HANDLED | UI_LEAVE;
	default:
		return UI_UNHANDLED;
	}
}

static unsigned notify(struct ui *ui, void *self, const int64_t *ids, size_t n,
                       bool all)
{
	(void)ids;
	(void)n;
	(void)all;
	struct history *h = self;
	if (h->mode != M_LIST)
		return 0;
	/* Re-read the page from its own start: rows that changed show their
	 * new state, and on the first page new ones appear at the top. */
	int64_t keep = h->n ? h->rows[h->sel].id : 0;
	load(ui, h);
	for (size_t i = 0; keep && i < h->n; i++)
		if (h->rows[i].id == keep)
			h->sel = i;
	return UI_REDRAW;
}

static unsigned tick(struct ui *ui, void *self, int64_t now, int64_t *next)
{
	struct history *h = self;
	unsigned flags = 0;
	if (h->loaded_rows != visible_rows()) {
		load(ui, h);
		flags |= UI_REDRAW;
	}
	if (h->export) {
		struct pos_err err;
		pos_err_clear(&err);
		bool done = false;
		if (ui_export_step(ui, h->export, EXPORT_ROWS_PER_TURN, &done, &err) != POS_OK) {
			ui_message_err(ui, &err);
			ui_export_close(h->export);
			h->export = NULL;
		} else if (done) {
			int64_t n = ui_export_rows(h->export);
			ui_message(ui, UI_MSG_GOOD, "Saved %lld transaction%s to %s", (long long)n,
			           n == 1 ? "" : "s", ui_export_path(h->export));
			ui_export_close(h->export);
			h->export = NULL;
		} else {
			*next = now; /* more to write: come back at once */
		}
		flags |= UI_REDRAW;
	}
	return flags;
}

/* ---- drawing -------------------------------------------------------------- */
static void summary(struct ui *ui, const struct history *h, char *out, size_t outsz)
{
	const char *dot = ui_glyphs(ui)->dot;
	char who[40], dates[48] = "all dates", what[48] = "", state[40] = "";
	if (h->q.all_ops && may_see_all(ui)) {
		if (h->q.operator_id)
			snprintf(who, sizeof who, "operator %lld", (long long)h->q.operator_id);
		else
			str_copy(who, sizeof who, "everyone's");
	} else {
		str_copy(who, sizeof who, "yours");
	}
	if (h->q.from_ms || h->q.to_ms) {
		char a[20] = "...", b[20] = "...";
		if (h->q.from_ms)
			ui_time_short(h->q.from_ms, a, sizeof a);
		if (h->q.to_ms)
			ui_time_short(h->q.to_ms, b, sizeof b);
		snprintf(dates, sizeof dates, "%.6s to %.6s", a, b);
	}
	if (h->q.has_kind)
		snprintf(what, sizeof what, " %s %s", dot, ui_kind_short(h->q.kind));
	if (h->q.has_state)
		snprintf(state, sizeof state, " %s %s", dot, txn_state_label(h->q.state));
	snprintf(out, outsz, "Showing %s %s %s%s%s", who, dot, dates, what, state);
	if (h->q.by != S_NONE) {
		size_t len = strlen(out);
		snprintf(out + len, outsz - len, " %s %s \"%s\"", dot, search_names[h->q.by],
		         h->q.typed);
	}
}

static void row_text(const struct store_txn *t, bool wide, char *out, size_t outsz)
{
	char when[20], phone[PHONE_PRETTY_MAX + 8], amount[48];
	ui_time_short(t->created_at, when, sizeof when);
	if (t->msisdn[0])
		phone_pretty(t->msisdn, phone, sizeof phone);
	else
		phone[0] = '\0';
	ui_amount(t, amount, sizeof amount);
	const char *last = t->receipt[0] ? t->receipt : t->other_means;
	/* A charge typed without a reference was sent with its own id as one
	 * (Daraja requires it): the column leaves that stand-in out. */
	const char *ref = strcmp(t->account_reference, t->public_id) != 0
	                          ? t->account_reference
	                          : "";
	if (wide)
		snprintf(out, outsz, "%-12s %-9s %-8s %-12.12s %11s %-10s %-10s %-12.12s %lld",
		         when, t->public_id, ui_kind_short(t->kind), phone, amount,
		         ui_state_short(t), last, ref, (long long)t->operator_id);
	else
		snprintf(out, outsz, "%-12s %-9s %-8s %-12.12s %11s %-10s %s", when,
		         t->public_id, ui_kind_short(t->kind), phone, amount,
		         ui_state_short(t), last);
}

static void draw_filter_form(struct ui *ui, struct history *h, const struct ui_rect *b)
{
	int x = b->x + 4, y = b->y + 2;
	ui_put(y, x, b->w - 8, ui_attr(ui, UI_A_TITLE), "Filter the list (leave a field empty for any)");
	ui_put(y + 1, x, b->w - 8, ui_attr(ui, UI_A_DIM),
	       "Dates as 2025-03-14; kind: charge, cash, paybill...; state: paid, failed...");
	int nf = form_fields(ui);
	for (int i = 0; i < nf; i++)
		if (i != h->ffocus)
			ui_field_draw(ui, &h->ff[i], y + 3 + 3 * i, x, 14, 22, false);
	ui_field_draw(ui, &h->ff[h->ffocus], y + 3 + 3 * h->ffocus, x, 14, 22, true);
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct history *h = self;
	if (h->mode == M_FILTER) {
		draw_filter_form(ui, h, b);
		return;
	}
	char line[512];
	bool wide = b->w >= 100;
	if (h->mode != M_SEARCH) {
		summary(ui, h, line, sizeof line);
		ui_put(b->y, b->x + 1, b->w - 2, ui_attr(ui, UI_A_DIM), line);
	}
	if (wide)
		snprintf(line, sizeof line, "%-12s %-9s %-8s %-12s %11s %-10s %-10s %-12s %s",
		         "When", "Id", "What", "Phone", "Amount", "State", "Receipt",
		         "Reference", "By");
	else
		snprintf(line, sizeof line, "%-12s %-9s %-8s %-12s %11s %-10s %s", "When",
		         "Id", "What", "Phone", "Amount", "State", "Receipt");
	ui_put(b->y + 1, b->x + 2, b->w - 2, ui_attr(ui, UI_A_TITLE), line);

	int list_y = b->y + 2, list_h = b->h - 3;
	if (h->problem[0]) {
		ui_wrap(list_y + 1, b->x + 2, b->w - 4, 3, ui_attr(ui, UI_A_ERROR), h->problem);
	} else if (!h->n) {
		ui_put(list_y + 1, b->x + 2, b->w - 4, A_NORMAL,
		       filtered(&h->q) ? "Nothing matches. Esc clears the search and filter."
		                       : "No transactions yet.");
	}
	for (size_t i = 0; i < h->n && (int)i < list_h; i++) {
		bool sel = i == h->sel;
		row_text(&h->rows[i], wide, line, sizeof line);
		attr_t a = sel ? ui_attr(ui, UI_A_SELECTED) : A_NORMAL;
		if (sel) {
			attr_t old;
			short pair;
			attr_get(&old, &pair, NULL);
			attrset(a);
			mvhline(list_y + (int)i, b->x, ' ', b->w);
			attr_set(old, pair, NULL);
			ui_put(list_y + (int)i, b->x, 2, a, ui_glyphs(ui)->sel);
		}
		ui_put(list_y + (int)i, b->x + 2, b->w - 2, a, line);
	}
	/* Footer: where we are, without ever counting the whole table. */
	char foot[160];
	size_t first = h->first;
	if (h->n)
		snprintf(foot, sizeof foot, "Newest first %s %zu-%zu %s %s",
		         ui_glyphs(ui)->dot, first + 1, first + h->n, ui_glyphs(ui)->dot,
		         h->more ? "more below (PgDn)" : "end of the list");
	else
		foot[0] = '\0';
	ui_put(b->y + b->h - 1, b->x + 1, b->w - 2, ui_attr(ui, UI_A_DIM), foot);
	if (h->mode == M_SEARCH) {
		ui_put(b->y, b->x + 1, b->w - 2, A_NORMAL, "");
		ui_field_draw(ui, &h->search, b->y, b->x + 1, 6, 30, true);
		ui_put(b->y, b->x + 40, b->w - 41, ui_attr(ui, UI_A_DIM),
		       "phone, receipt, reference or id");
	}
}

const struct screen_ops ui_screen_history = {
	.name = "history",
	.title = "History",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
	.notify = notify,
	.tick = tick,
};
