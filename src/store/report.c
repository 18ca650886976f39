/*
 * store/report.c: the day-end report. A day is a Nairobi calendar day
 * (UTC+3, whatever the machine's zone); a transaction counts on the day it
 * was created.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"

enum { DAY_MS = 86400 * 1000 };

static bool paid_in(enum txn_kind k)
{
	return k == TXN_KIND_STK || k == TXN_KIND_C2B || k == TXN_KIND_CASH;
}

static bool paid_out(enum txn_kind k)
{
	return k == TXN_KIND_B2C || k == TXN_KIND_REVERSAL;
}

static void add(struct store_sum *s, int64_t count, int64_t sum)
{
	s->count += count;
	s->sum_minor += sum;
}

static enum pos_status push_row(struct store_day_report *rep, size_t *cap,
                                const struct store_day_row *row, struct pos_err *err)
{
	if (rep->n_rows == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct store_day_row *p = realloc(rep->rows, ncap * sizeof *p);
		if (!p)
			return pos_err_set(err, POS_E_NOMEM, "", NULL);
		rep->rows = p;
		*cap = ncap;
	}
	rep->rows[rep->n_rows++] = *row;
	return POS_OK;
}

static void tally(struct store_day_report *rep, const struct store_day_row *r)
{
	add(&rep->by_kind[r->kind], r->total.count, r->total.sum_minor);
	add(&rep->by_state[r->state], r->total.count, r->total.sum_minor);
	if (r->state == TXN_COMPLETED && paid_in(r->kind))
		rep->paid_in_minor += r->total.sum_minor;
	if (r->state == TXN_COMPLETED && paid_out(r->kind))
		rep->paid_out_minor += r->total.sum_minor;
	if (!txn_state_is_terminal(r->state))
		rep->open_count += r->total.count;
	if (r->state == TXN_UNKNOWN || r->state == TXN_UNRESOLVED || r->state == TXN_REVIEW)
		rep->doubtful_count += r->total.count;
}

static enum pos_status read_rows(struct store *st, struct store_day_report *rep,
                                 struct pos_err *err)
{
	size_t cap = 0;
	enum pos_status prc = POS_OK;
	int rc = SQLITE_DONE;
	sqlite3_stmt *s = store_stmt(st, SQL_REPORT_ROWS, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, rep->from_ms);
	sqlite3_bind_int64(s, 2, rep->to_ms);
	store_bind_text(s, 3, rep->till_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct store_day_row r = {
			.operator_id = store_col_i64(s, 2),
			.total = {store_col_i64(s, 3), store_col_i64(s, 4)},
		};
		if (!txn_kind_parse(store_col_str(s, 0), &r.kind) ||
		    !txn_state_parse(store_col_str(s, 1), &r.state)) {
			prc = pos_err_set(err, POS_E_STORE, "report",
			                  "the database holds a kind or state this program does not know ('%s', '%s')",
			                  store_col_str(s, 0), store_col_str(s, 1));
			break;
		}
		if ((prc = push_row(rep, &cap, &r, err)) != POS_OK)
			break;
		tally(rep, &r);
	}
	store_done(s);
	if (prc == POS_OK && rc != SQLITE_DONE)
		prc = store_db_error(st, rc, "adding up the day", err);
	return prc;
}

static enum pos_status read_callbacks(struct store *st, struct store_day_report *rep,
                                      struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_REPORT_CALLBACKS, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, rep->from_ms);
	sqlite3_bind_int64(s, 2, rep->to_ms);
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rep->orphan_callbacks = store_col_i64(s, 0);
		rep->conflict_callbacks = store_col_i64(s, 1);
	}
	store_done(s);
	if (rc != SQLITE_ROW)
		return store_db_error(st, rc, "counting the day's callbacks", err);
	return POS_OK;
}

enum pos_status store_report_day(struct store *st, const char *date_eat,
                                 const char *till_id,
                                 struct store_day_report *rep,
                                 struct pos_err *err)
{
	time_t start;
	enum pos_status rc;

	memset(rep, 0, sizeof *rep);
	if (!date_eat || strlen(date_eat) != 10 || !clock_parse_date_eat(date_eat, &start))
		return pos_err_set(err, POS_E_INVALID, "date",
		                   "'%.32s' is not a date like 2025-03-14",
		                   date_eat ? date_eat : "");
	if ((rc = store_check_text("till", till_id, STORE_TILL_MAX, err)) != POS_OK)
		return rc;
	str_copy(rep->date, sizeof rep->date, date_eat);
	if (till_id)
		str_copy(rep->till_id, sizeof rep->till_id, till_id);
	rep->from_ms = (int64_t)start * 1000;
	rep->to_ms = rep->from_ms + DAY_MS;

	/* One read transaction, so the totals and the counts agree. */
	if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_db_error(st, sqlite3_errcode(st->db), "adding up the day", err);
	if ((rc = read_rows(st, rep, err)) == POS_OK)
		rc = read_callbacks(st, rep, err);
	sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	if (rc != POS_OK)
		store_day_report_release(rep);
	return rc;
}

void store_day_report_release(struct store_day_report *rep)
{
	if (rep) {
		free(rep->rows);
		rep->rows = NULL;
		rep->n_rows = 0;
	}
}
