/* app/report.c: the day-end (Z) report and the cashier's shift summary:
 * the arithmetic, and its text, CSV and JSON renderings (see report.h). */
#include "app/report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/csv.h"
#include "core/money.h"

enum { REPORT_TEXT_MAX = 4 * 1024 * 1024 };

const char *app_report_today(int64_t now_ms, char out[APP_REPORT_DATE_MAX])
{
	struct tm tm;
	char d[32];
	clock_eat_tm((time_t)((now_ms ? now_ms : clock_now_ms()) / 1000), &tm);
	snprintf(d, sizeof d, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
	         (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	str_copy(out, APP_REPORT_DATE_MAX, d);
	return out;
}

bool app_report_is_fees(const char *account)
{
	return str_starts_with(account, "Charges Paid");
}

static bool paid_in(enum txn_kind k)
{
	return k == TXN_KIND_STK || k == TXN_KIND_C2B;
}

static bool paid_out(enum txn_kind k)
{
	return k == TXN_KIND_B2C || k == TXN_KIND_REVERSAL;
}

static void add(struct store_sum *s, const struct store_sum *v)
{
	s->count += v->count;
	s->sum_minor += v->sum_minor;
}

/* Totals again from the rows kept (all of them, or one operator's). */
static void retally(struct app_report *r)
{
	struct store_day_report *d = &r->day;
	memset(d->by_kind, 0, sizeof d->by_kind);
	memset(d->by_state, 0, sizeof d->by_state);
	d->paid_in_minor = d->paid_out_minor = 0;
	d->open_count = d->doubtful_count = 0;
	memset(&r->cash, 0, sizeof r->cash);
	memset(&r->mpesa_in, 0, sizeof r->mpesa_in);
	memset(&r->mpesa_out, 0, sizeof r->mpesa_out);
	for (size_t i = 0; i < d->n_rows; i++) {
		const struct store_day_row *row = &d->rows[i];
		add(&d->by_kind[row->kind], &row->total);
		add(&d->by_state[row->state], &row->total);
		if (row->state == TXN_COMPLETED) {
			if (row->kind == TXN_KIND_CASH)
				add(&r->cash, &row->total);
			if (paid_in(row->kind))
				add(&r->mpesa_in, &row->total);
			if (paid_out(row->kind))
				add(&r->mpesa_out, &row->total);
			if (paid_in(row->kind) || row->kind == TXN_KIND_CASH)
				d->paid_in_minor += row->total.sum_minor;
			if (paid_out(row->kind))
				d->paid_out_minor += row->total.sum_minor;
		}
		if (!txn_state_is_terminal(row->state))
			d->open_count += row->total.count;
		if (row->state == TXN_UNKNOWN || row->state == TXN_UNRESOLVED ||
		    row->state == TXN_REVIEW)
			d->doubtful_count += row->total.count;
	}
}

/* Keep only one operator's rows. */
static void only_operator(struct store_day_report *d, int64_t op)
{
	size_t k = 0;
	for (size_t i = 0; i < d->n_rows; i++)
		if (d->rows[i].operator_id == op)
			d->rows[k++] = d->rows[i];
	d->n_rows = k;
	d->orphan_callbacks = d->conflict_callbacks = 0;
}

static enum pos_status balances(struct store *st, const struct app_report_req *rq,
                                struct app_report *r, struct pos_err *err)
{
	enum pos_status rc;
	rc = store_balance_span(st, rq->shortcode, r->day.from_ms, r->day.to_ms, r->accounts,
	                        APP_REPORT_ACCOUNTS_MAX, &r->n_accounts, err);
	if (rc != POS_OK || !r->n_accounts)
		return rc;
	r->open_at = r->accounts[0].first.at;
	r->close_at = r->accounts[0].last.at;
	for (size_t i = 0; i < r->n_accounts; i++) {
		const struct store_balance_span *a = &r->accounts[i];
		if (a->first.at < r->open_at)
			r->open_at = a->first.at;
		if (a->last.at > r->close_at)
			r->close_at = a->last.at;
		if (app_report_is_fees(a->first.account)) {
			r->fees_minor += a->last.available_minor - a->first.available_minor;
			continue;
		}
		r->open_minor += a->first.available_minor;
		r->close_minor += a->last.available_minor;
	}
	r->movement_minor = r->close_minor - r->open_minor;
	r->has_movement = r->close_at > r->open_at;
	if (!r->has_movement)
		return POS_OK;
	rc = store_money_between(st, r->open_at, r->close_at, &r->between_in, &r->between_out, err);
	if (rc != POS_OK)
		return rc;
	r->expected_minor = r->between_in.sum_minor - r->between_out.sum_minor;
	r->variance_minor = r->movement_minor - r->expected_minor;
	return POS_OK;
}

enum pos_status app_report_build(struct store *st, const struct app_report_req *rq,
                                 struct app_report *out, struct pos_err *err)
{
	enum pos_status rc;
	char today[APP_REPORT_DATE_MAX];
	memset(out, 0, sizeof *out);
	if (!role_allows(rq->role, ROLE_ACT_OWN_HISTORY))
		return role_check(rq->role, ROLE_ACT_OWN_HISTORY, err);
	out->full = role_allows(rq->role, ROLE_ACT_DAY_END_REPORT);
	out->operator_id = rq->operator_id;
	if (rq->operator_name)
		str_copy(out->operator_name, sizeof out->operator_name, rq->operator_name);
	if (rq->till_name)
		str_copy(out->till_name, sizeof out->till_name, rq->till_name);
	out->generated_at = rq->now_ms ? rq->now_ms : clock_now_ms();
	const char *date = rq->date && rq->date[0] ? rq->date
	                                            : app_report_today(out->generated_at, today);
	if ((rc = store_report_day(st, date, rq->till_id, &out->day, err)) != POS_OK)
		return rc;
	if (!out->full)
		only_operator(&out->day, rq->operator_id);
	retally(out);
	if (out->full) {
		rc = balances(st, rq, out, err);
		if (rc == POS_OK)
			rc = store_pull_check(st, out->day.from_ms, out->day.to_ms, rq->till_id,
			                      &out->pull, err);
		out->pull_ran = out->pull.last_pull_at >= out->day.from_ms;
		if (rc != POS_OK) {
			app_report_release(out);
			return rc;
		}
	}
	return POS_OK;
}

void app_report_release(struct app_report *r)
{
	if (r)
		store_day_report_release(&r->day);
}

/* ---- renderings ----------------------------------------------------------------- */

static const char *kes(int64_t minor, char *out, size_t outsz)
{
	return money_format(minor, CURRENCY_KES, out, outsz);
}

static const char *plain(int64_t minor, char *out, size_t outsz)
{
	return money_format_plain(minor, out, outsz);
}

static const char *hm(int64_t ms, char out[8])
{
	struct tm tm;
	clock_eat_tm((time_t)(ms / 1000), &tm);
	char t[32];
	snprintf(t, sizeof t, "%02d:%02d", tm.tm_hour % 100, tm.tm_min % 100);
	str_copy(out, 8, t);
	return out;
}

static void line_sum(struct buf *b, const char *label, const struct store_sum *s)
{
	char a[MONEY_FMT_MAX];
	buf_printf(b, "  %-34.34s %8lld %20s\n", label, (long long)s->count,
	           kes(s->sum_minor, a, sizeof a));
}

static void text_totals(struct buf *b, const struct app_report *r)
{
	const struct store_day_report *d = &r->day;
	buf_printf(b, "\n%-36s %8s %20s\n", "By kind", "count", "amount");
	for (int k = 0; k < TXN_KIND_COUNT; k++)
		if (d->by_kind[k].count)
			line_sum(b, txn_kind_label((enum txn_kind)k), &d->by_kind[k]);
	buf_printf(b, "\n%-36s %8s %20s\n", "By state", "count", "amount");
	for (int s = 0; s < TXN_STATE_COUNT; s++)
		if (d->by_state[s].count)
			line_sum(b, txn_state_name((enum txn_state)s), &d->by_state[s]);
	if (!d->n_rows)
		buf_puts(b, "  No transactions that day.\n");
}

static void text_operators(struct buf *b, const struct app_report *r)
{
	const struct store_day_report *d = &r->day;
	char a[MONEY_FMT_MAX], who[24];
	if (!d->n_rows)
		return;
	buf_printf(b, "\n%-10s %-21s %-13s %8s %20s\n", "Operator", "Kind", "State", "count",
	           "amount");
	for (size_t i = 0; i < d->n_rows; i++) {
		const struct store_day_row *row = &d->rows[i];
		if (row->operator_id)
			snprintf(who, sizeof who, "%lld", (long long)row->operator_id);
		else
			str_copy(who, sizeof who, "system");
		buf_printf(b, "  %-8.8s %-21.21s %-13.13s %8lld %20s\n", who,
		           txn_kind_label(row->kind), txn_state_name(row->state),
		           (long long)row->total.count, kes(row->total.sum_minor, a, sizeof a));
	}
}

static void text_balances(struct buf *b, const struct app_report *r)
{
	char a[MONEY_FMT_MAX], c[MONEY_FMT_MAX], t1[8], t2[8];
	buf_puts(b, "\nM-Pesa balance (available), readings of the day\n");
	if (!r->n_accounts) {
		buf_puts(b, "  No balance reading that day: check the balance (Balance screen or\n"
		            "  mpesa-pos balance) at opening and at closing to see the variance.\n");
		return;
	}
	buf_printf(b, "  %-34s %20s %20s\n", "Account", "opening", "closing");
	for (size_t i = 0; i < r->n_accounts; i++) {
		const struct store_balance_span *s = &r->accounts[i];
		buf_printf(b, "  %-34.34s %20s %20s\n", s->first.account,
		           kes(s->first.available_minor, a, sizeof a),
		           kes(s->last.available_minor, c, sizeof c));
	}
	buf_printf(b, "  %-34s %20s %20s\n", "Readings at", hm(r->open_at, t1), hm(r->close_at, t2));
	if (!r->has_movement) {
		buf_puts(b, "  One reading only: no movement to compare with the ledger.\n");
		return;
	}
	buf_printf(b, "  %-34s %41s\n", "Movement (Charges Paid apart)",
	           kes(r->movement_minor, a, sizeof a));
	buf_printf(b, "  %-34s %41s\n", "Ledger: M-Pesa in between readings",
	           kes(r->between_in.sum_minor, a, sizeof a));
	buf_printf(b, "  %-34s %41s\n", "Ledger: M-Pesa out between readings",
	           kes(r->between_out.sum_minor, a, sizeof a));
	buf_printf(b, "  %-34s %41s\n", "Expected movement", kes(r->expected_minor, a, sizeof a));
	buf_printf(b, "  %-34s %41s\n", "VARIANCE", kes(r->variance_minor, a, sizeof a));
	buf_printf(b, "  %-34s %41s\n", "Fees (Charges Paid moved)", kes(r->fees_minor, a, sizeof a));
}

static void text_pull(struct buf *b, const struct app_report *r)
{
	char a[MONEY_FMT_MAX], when[26];
	buf_puts(b, "\nPayments M-Pesa had that the ledger never received (Pull Transactions)\n");
	if (!r->pull_ran) {
		buf_puts(b, "  Not checked: Pull Transactions has recorded nothing since this day\n"
		            "  began. Run mpesa-pos reconcile --c2b to look for missed payments.\n");
		return;
	}
	clock_iso8601_eat((time_t)(r->pull.last_pull_at / 1000), when);
	buf_printf(b, "  Found by Pull %-20s %8lld %20s\n", "(recorded since)",
	           (long long)r->pull.found.count, kes(r->pull.found.sum_minor, a, sizeof a));
	buf_printf(b, "  Pull last recorded a payment at %.16s.\n", when);
}

char *app_report_text(const struct app_report *r)
{
	struct buf b;
	char a[MONEY_FMT_MAX], made[26];
	const struct store_day_report *d = &r->day;
	buf_init(&b, REPORT_TEXT_MAX);
	clock_iso8601_eat((time_t)(r->generated_at / 1000), made);
	buf_printf(&b, "%s %s (Nairobi)%s%s\n",
	           r->full ? "DAY-END REPORT" : "SHIFT SUMMARY", d->date,
	           r->till_name[0] ? ", " : "", r->till_name);
	buf_printf(&b, "%s %s\n", d->till_id[0] ? "Till" : "Tills:",
	           d->till_id[0] ? d->till_id : "every till");
	if (r->full)
		buf_puts(&b, "Every operator's transactions created that day.\n");
	else
		buf_printf(&b, "Only the transactions of operator %lld (%s) created that day.\n",
		           (long long)r->operator_id, r->operator_name);
	buf_printf(&b, "Made %.16s by %s (%lld).\n", made, r->operator_name,
	           (long long)r->operator_id);
	text_totals(&b, r);
	buf_printf(&b, "\n%-36s %8s %20s\n", "Money", "count", "amount");
	line_sum(&b, "M-Pesa in (completed)", &r->mpesa_in);
	line_sum(&b, "M-Pesa out (completed)", &r->mpesa_out);
	buf_printf(&b, "  %-34s %8s %20s\n", "M-Pesa net", "",
	           kes(r->mpesa_in.sum_minor - r->mpesa_out.sum_minor, a, sizeof a));
	line_sum(&b, "Cash and other means (not M-Pesa)", &r->cash);
	buf_printf(&b, "\nOpen (not final): %lld, of which in doubt (checking, unresolved,\n"
	               "held): %lld.\n",
	           (long long)d->open_count, (long long)d->doubtful_count);
	if (r->full) {
		buf_printf(&b, "Callbacks received that day still unmatched: %lld; held as "
		               "conflicts: %lld.\n",
		           (long long)d->orphan_callbacks, (long long)d->conflict_callbacks);
		text_operators(&b, r);
		text_balances(&b, r);
		text_pull(&b, r);
	}
	if (!b.data) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

static void csv_row(struct buf *b, const char *section, const char *key, const char *key2,
                    int64_t count, int64_t minor)
{
	/* key and detail may hold what came from outside (an account's name, a
	 * currency): text, a formula in it defused; amounts may be negative. */
	static const enum csv_cell cells[] = {CSV_CELL_DATA, CSV_CELL_TEXT, CSV_CELL_TEXT,
	                                      CSV_CELL_DATA, CSV_CELL_DATA};
	char n[24], a[MONEY_FMT_MAX];
	snprintf(n, sizeof n, "%lld", (long long)count);
	const char *f[] = {section, key, key2, n, plain(minor, a, sizeof a)};
	csv_put_row(b, f, cells, sizeof f / sizeof f[0]);
}

char *app_report_csv(const struct app_report *r)
{
	struct buf b;
	const struct store_day_report *d = &r->day;
	char who[24];
	buf_init(&b, REPORT_TEXT_MAX);
	buf_puts(&b, "section,key,detail,count,amount\n");
	csv_row(&b, "report", r->full ? "day-end" : "shift", d->date, 0, 0);
	for (int k = 0; k < TXN_KIND_COUNT; k++)
		if (d->by_kind[k].count)
			csv_row(&b, "kind", txn_kind_name((enum txn_kind)k), "", d->by_kind[k].count,
			        d->by_kind[k].sum_minor);
	for (int s = 0; s < TXN_STATE_COUNT; s++)
		if (d->by_state[s].count)
			csv_row(&b, "state", txn_state_name((enum txn_state)s), "",
			        d->by_state[s].count, d->by_state[s].sum_minor);
	for (size_t i = 0; i < d->n_rows; i++) {
		const struct store_day_row *row = &d->rows[i];
		char kk[64];
		snprintf(who, sizeof who, "%lld", (long long)row->operator_id);
		snprintf(kk, sizeof kk, "%s/%s", txn_kind_name(row->kind), txn_state_name(row->state));
		csv_row(&b, "operator", who, kk, row->total.count, row->total.sum_minor);
	}
	csv_row(&b, "money", "mpesa_in", "", r->mpesa_in.count, r->mpesa_in.sum_minor);
	csv_row(&b, "money", "mpesa_out", "", r->mpesa_out.count, r->mpesa_out.sum_minor);
	csv_row(&b, "money", "cash", "", r->cash.count, r->cash.sum_minor);
	csv_row(&b, "open", "open", "", d->open_count, 0);
	csv_row(&b, "open", "doubtful", "", d->doubtful_count, 0);
	if (r->full) {
		csv_row(&b, "callbacks", "orphan", "", d->orphan_callbacks, 0);
		csv_row(&b, "callbacks", "conflict", "", d->conflict_callbacks, 0);
		for (size_t i = 0; i < r->n_accounts; i++) {
			const struct store_balance_span *s = &r->accounts[i];
			csv_row(&b, "balance_open", s->first.account, s->first.currency, 0,
			        s->first.available_minor);
			csv_row(&b, "balance_close", s->last.account, s->last.currency, 0,
			        s->last.available_minor);
		}
		if (r->has_movement) {
			csv_row(&b, "variance", "movement", "", 0, r->movement_minor);
			csv_row(&b, "variance", "expected", "", 0, r->expected_minor);
			csv_row(&b, "variance", "variance", "", 0, r->variance_minor);
			csv_row(&b, "variance", "fees", "", 0, r->fees_minor);
		}
		csv_row(&b, "pull", r->pull_ran ? "found" : "not_run", "", r->pull.found.count,
		        r->pull.found.sum_minor);
	}
	if (!b.data) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

static void json_sum(cJSON *o, const char *k, const struct store_sum *s)
{
	char a[MONEY_FMT_MAX];
	cJSON *x = cJSON_AddObjectToObject(o, k);
	if (!x)
		return;
	cJSON_AddNumberToObject(x, "count", (double)s->count);
	cJSON_AddStringToObject(x, "amount", plain(s->sum_minor, a, sizeof a));
}

static void json_amount(cJSON *o, const char *k, int64_t minor)
{
	char a[MONEY_FMT_MAX];
	cJSON_AddStringToObject(o, k, plain(minor, a, sizeof a));
}

static void json_balances(cJSON *o, const struct app_report *r)
{
	cJSON *bal = cJSON_AddObjectToObject(o, "balance");
	cJSON *arr = bal ? cJSON_AddArrayToObject(bal, "accounts") : NULL;
	char t[26];
	for (size_t i = 0; arr && i < r->n_accounts; i++) {
		const struct store_balance_span *s = &r->accounts[i];
		cJSON *x = cJSON_CreateObject();
		if (!x)
			break;
		cJSON_AddStringToObject(x, "account", s->first.account);
		cJSON_AddStringToObject(x, "currency", s->first.currency);
		json_amount(x, "opening", s->first.available_minor);
		json_amount(x, "closing", s->last.available_minor);
		cJSON_AddNumberToObject(x, "readings", (double)s->readings);
		cJSON_AddItemToArray(arr, x);
	}
	if (!bal || !r->n_accounts)
		return;
	clock_iso8601_eat((time_t)(r->open_at / 1000), t);
	cJSON_AddStringToObject(bal, "opening_at", t);
	clock_iso8601_eat((time_t)(r->close_at / 1000), t);
	cJSON_AddStringToObject(bal, "closing_at", t);
	if (!r->has_movement)
		return;
	json_amount(bal, "movement", r->movement_minor);
	json_sum(bal, "ledger_in", &r->between_in);
	json_sum(bal, "ledger_out", &r->between_out);
	json_amount(bal, "expected", r->expected_minor);
	json_amount(bal, "variance", r->variance_minor);
	json_amount(bal, "fees", r->fees_minor);
}

char *app_report_json(const struct app_report *r)
{
	const struct store_day_report *d = &r->day;
	cJSON *o = cJSON_CreateObject();
	char t[26];
	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON_AddStringToObject(o, "report", r->full ? "day-end" : "shift");
	cJSON_AddStringToObject(o, "date", d->date);
	if (d->till_id[0])
		cJSON_AddStringToObject(o, "till", d->till_id);
	cJSON_AddNumberToObject(o, "operator", (double)r->operator_id);
	clock_iso8601_eat((time_t)(d->from_ms / 1000), t);
	cJSON_AddStringToObject(o, "from", t);
	clock_iso8601_eat((time_t)(d->to_ms / 1000), t);
	cJSON_AddStringToObject(o, "to", t);
	clock_iso8601_eat((time_t)(r->generated_at / 1000), t);
	cJSON_AddStringToObject(o, "generated_at", t);
	cJSON *kinds = cJSON_AddObjectToObject(o, "by_kind");
	for (int k = 0; kinds && k < TXN_KIND_COUNT; k++)
		if (d->by_kind[k].count)
			json_sum(kinds, txn_kind_name((enum txn_kind)k), &d->by_kind[k]);
	cJSON *states = cJSON_AddObjectToObject(o, "by_state");
	for (int s = 0; states && s < TXN_STATE_COUNT; s++)
		if (d->by_state[s].count)
			json_sum(states, txn_state_name((enum txn_state)s), &d->by_state[s]);
	cJSON *rows = cJSON_AddArrayToObject(o, "rows");
	for (size_t i = 0; rows && i < d->n_rows; i++) {
		const struct store_day_row *row = &d->rows[i];
		cJSON *x = cJSON_CreateObject();
		char a[MONEY_FMT_MAX];
		if (!x)
			break;
		cJSON_AddNumberToObject(x, "operator", (double)row->operator_id);
		cJSON_AddStringToObject(x, "kind", txn_kind_name(row->kind));
		cJSON_AddStringToObject(x, "state", txn_state_name(row->state));
		cJSON_AddNumberToObject(x, "count", (double)row->total.count);
		cJSON_AddStringToObject(x, "amount", plain(row->total.sum_minor, a, sizeof a));
		cJSON_AddItemToArray(rows, x);
	}
	json_sum(o, "mpesa_in", &r->mpesa_in);
	json_sum(o, "mpesa_out", &r->mpesa_out);
	json_sum(o, "cash", &r->cash);
	cJSON_AddNumberToObject(o, "open", (double)d->open_count);
	cJSON_AddNumberToObject(o, "doubtful", (double)d->doubtful_count);
	if (r->full) {
		cJSON_AddNumberToObject(o, "orphan_callbacks", (double)d->orphan_callbacks);
		cJSON_AddNumberToObject(o, "conflict_callbacks", (double)d->conflict_callbacks);
		json_balances(o, r);
		cJSON *p = cJSON_AddObjectToObject(o, "pull");
		if (p) {
			cJSON_AddBoolToObject(p, "checked", r->pull_ran);
			if (r->pull_ran)
				json_sum(p, "found", &r->pull.found);
		}
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static enum pos_status write_file(const char *path, const char *text, struct pos_err *err)
{
	FILE *f = fopen(path, "wx");
	if (!f)
		return pos_err_set(err, POS_E_IO, "report", "%s could not be written: %s", path,
		                   strerror(errno));
	size_t n = strlen(text);
	bool ok = fwrite(text, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		remove(path);
		return pos_err_set(err, POS_E_IO, "report", "%s could not be written: %s", path,
		                   strerror(errno));
	}
	return POS_OK;
}

enum pos_status app_report_save(const struct app_report *r, const char *dir,
                                char *txt, size_t txtsz, char *csv, size_t csvsz,
                                struct pos_err *err)
{
	char base[1024], p1[1100], p2[1100], who[32] = "", stamp[15];
	enum pos_status rc;
	clock_daraja_timestamp((time_t)(clock_now_ms() / 1000), stamp);
	if (!r->full)
		snprintf(who, sizeof who, "-op%lld", (long long)r->operator_id);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return pos_err_set(err, POS_E_IO, "report", "the folder %s could not be made: %s", dir,
		                   strerror(errno));
	if (!str_fmt(base, sizeof base, "%s/%s-%s%s-%s", dir, r->full ? "day-end" : "shift",
	             r->day.date, who, stamp + 8))
		return pos_err_set(err, POS_E_TOO_LONG, "report", "the folder name is too long");
	snprintf(p1, sizeof p1, "%s.txt", base);
	snprintf(p2, sizeof p2, "%s.csv", base);
	char *t = app_report_text(r), *c = app_report_csv(r);
	if (!t || !c)
		rc = pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	else if ((rc = write_file(p1, t, err)) == POS_OK &&
	         (rc = write_file(p2, c, err)) != POS_OK)
		remove(p1);
	free(t);
	free(c);
	if (rc == POS_OK) {
		if (txt)
			str_copy(txt, txtsz, p1);
		if (csv)
			str_copy(csv, csvsz, p2);
	}
	return rc;
}
