/* tests/unit/test_app_report.c: app/report — the day-end report's
 * arithmetic on a seeded ledger: totals equal the ledger's own sums (read
 * back through the history query), Nairobi midnight boundaries, cash apart,
 * the cashier's shift summary, the balance variance, the Pull check, and
 * the text, CSV and JSON renderings; store/dayend's balance readings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/report.h"
#include "base/clock.h"
#include "base/str.h"
#include "core/txn.h"
#include "store/store.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1741935600             /* 2025-03-14 10:00:00 EAT */
#define MIDNIGHT (T0 - 10 * 3600) /* 2025-03-14 00:00:00 EAT */
#define SC "600000"
#define HASH "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	if (!f)
		return -1;
	str_copy(f->dir, sizeof f->dir, "/tmp/app-report-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->path, sizeof f->path, "%s/ledger.db", f->dir);
	clock_set_fixed(T0);
	if (store_open(f->path, NULL, &f->st, &err) != POS_OK)
		return -1;
	for (int64_t id = 1; id <= 2; id++) {
		struct store_operator op = {.id = id, .name = "Op", .role = "cashier"};
		str_copy(op.pin_hash, sizeof op.pin_hash, HASH);
		if (store_operator_add(f->st, &op, NULL, &err) != POS_OK)
			return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[200];
	store_close(f->st);
	str_fmt(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	clock_set_fixed(-1);
	free(f);
	return 0;
}

struct spec {
	time_t at;
	enum txn_kind kind;
	enum txn_state state;
	int64_t amount;
	int64_t op;
	const char *receipt;
};

static void seed(struct store *st, const struct spec *s)
{
	struct store_txn t;
	struct pos_err err;
	clock_set_fixed(s->at);
	const struct store_txn_new in = {
		.kind = s->kind, .amount_minor = s->amount, .operator_id = s->op,
		.till_id = "till-1",
	};
	assert_int_equal(store_txn_create(st, &in, &t, &err), POS_OK);
	struct store_txn_change ch = {.actor = TXN_BY_SYSTEM};
	if (s->state != TXN_CREATED && t.kind != TXN_KIND_CASH && t.kind != TXN_KIND_C2B) {
		ch.to = TXN_SENT;
		assert_int_equal(store_txn_transition(st, t.id, &ch, NULL, &err), POS_OK);
		if (s->state != TXN_SENT) {
			ch.to = TXN_AWAITING;
			assert_int_equal(store_txn_transition(st, t.id, &ch, NULL, &err), POS_OK);
		}
	}
	if (s->state != TXN_CREATED && s->state != TXN_SENT && s->state != TXN_AWAITING) {
		ch.to = s->state;
		ch.set.receipt = s->receipt;
		assert_int_equal(store_txn_transition(st, t.id, &ch, NULL, &err), POS_OK);
	}
	clock_set_fixed(T0);
}

static const struct spec day[] = {
	/* the day before and the day after, in Nairobi: never counted */
	{MIDNIGHT - 1, TXN_KIND_STK, TXN_COMPLETED, 99900, 1, "RB0"},
	{MIDNIGHT + 86400, TXN_KIND_STK, TXN_COMPLETED, 99900, 1, "RA0"},
	/* 2025-03-14, first and last millisecond included */
	{MIDNIGHT, TXN_KIND_STK, TXN_COMPLETED, 10000, 1, "R01"},
	{T0, TXN_KIND_STK, TXN_COMPLETED, 25000, 2, "R02"},
	{T0, TXN_KIND_STK, TXN_FAILED, 5000, 1, NULL},
	{T0, TXN_KIND_STK, TXN_AWAITING, 7000, 1, NULL},
	{T0, TXN_KIND_STK, TXN_UNKNOWN, 2000, 2, NULL},
	{T0 + 60, TXN_KIND_B2C, TXN_COMPLETED, 100000, 2, "R03"},
	{T0 + 120, TXN_KIND_C2B, TXN_COMPLETED, 50000, 0, "R04"},
	{T0, TXN_KIND_CASH, TXN_COMPLETED, 3000, 1, NULL},
	{T0, TXN_KIND_CASH, TXN_COMPLETED, 4500, 2, NULL},
	{T0 + 180, TXN_KIND_REVERSAL, TXN_COMPLETED, 10000, 2, "R05"},
	{MIDNIGHT + 86399, TXN_KIND_STK, TXN_COMPLETED, 1000, 1, "R06"},
};

static void seed_day(struct store *st)
{
	for (size_t i = 0; i < N_ELEMS(day); i++)
		seed(st, &day[i]);
}

/* The ledger's own sums of the day, read back a row at a time through the
 * history query (a different path from the report's GROUP BY). */
struct sums {
	struct store_sum kind[TXN_KIND_COUNT], state[TXN_STATE_COUNT];
	struct store_sum cash;
};
static void ledger_sums(struct store *st, int64_t op, struct sums *s)
{
	struct store_filter flt = {.from_ms = (int64_t)MIDNIGHT * 1000,
	                           .to_ms = (int64_t)(MIDNIGHT + 86400) * 1000,
	                           .operator_id = op};
	struct store_cursor after = {0, 0}, next;
	struct store_txn rows[4];
	bool more = true;
	struct pos_err err;
	memset(s, 0, sizeof *s);
	while (more) {
		size_t n = 0;
		assert_int_equal(store_txn_history(st, &flt, &after, rows, 4, &n, &next, &more, &err),
		                 POS_OK);
		for (size_t i = 0; i < n; i++) {
			s->kind[rows[i].kind].count++;
			s->kind[rows[i].kind].sum_minor += rows[i].amount_minor;
			s->state[rows[i].state].count++;
			s->state[rows[i].state].sum_minor += rows[i].amount_minor;
			if (rows[i].kind == TXN_KIND_CASH && rows[i].state == TXN_COMPLETED) {
				s->cash.count++;
				s->cash.sum_minor += rows[i].amount_minor;
			}
		}
		after = next;
	}
}

static void same_as_ledger(const struct app_report *r, const struct sums *s)
{
	for (int k = 0; k < TXN_KIND_COUNT; k++) {
		assert_true(r->day.by_kind[k].count == s->kind[k].count);
		assert_true(r->day.by_kind[k].sum_minor == s->kind[k].sum_minor);
	}
	for (int k = 0; k < TXN_STATE_COUNT; k++) {
		assert_true(r->day.by_state[k].count == s->state[k].count);
		assert_true(r->day.by_state[k].sum_minor == s->state[k].sum_minor);
	}
	assert_true(r->cash.count == s->cash.count);
	assert_true(r->cash.sum_minor == s->cash.sum_minor);
}

static void build(struct store *st, enum role role, int64_t op, const char *date,
                  struct app_report *r)
{
	struct pos_err err;
	const struct app_report_req rq = {
		.date = date, .shortcode = SC, .operator_id = op, .operator_name = "Op",
		.role = role, .till_name = "Test till",
	};
	enum pos_status rc = app_report_build(st, &rq, r, &err);
	if (rc != POS_OK)
		fprintf(stderr, "# %s: %s\n", err.field, err.msg);
	assert_int_equal(rc, POS_OK);
}

static void test_full_report_equals_the_ledger(void **state)
{
	struct fx *f = *state;
	struct app_report r;
	struct sums s;
	seed_day(f->st);
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	ledger_sums(f->st, 0, &s);
	assert_true(r.full);
	same_as_ledger(&r, &s);
	/* Hand-computed, with the midnight boundaries. */
	assert_true(r.day.by_kind[TXN_KIND_STK].count == 6);
	assert_true(r.day.by_kind[TXN_KIND_STK].sum_minor == 10000 + 25000 + 5000 + 7000 + 2000 + 1000);
	assert_true(r.mpesa_in.count == 4);
	assert_true(r.mpesa_in.sum_minor == 10000 + 25000 + 50000 + 1000);
	assert_true(r.mpesa_out.count == 2);
	assert_true(r.mpesa_out.sum_minor == 100000 + 10000);
	assert_true(r.cash.count == 2);
	assert_true(r.cash.sum_minor == 7500);
	assert_true(r.day.open_count == 2);
	assert_true(r.day.doubtful_count == 1);
	app_report_release(&r);

	/* The day before holds only the one at 23:59:59 the evening before. */
	build(f->st, ROLE_ADMIN, 9, "2025-03-13", &r);
	assert_true(r.day.by_kind[TXN_KIND_STK].count == 1);
	assert_true(r.day.by_kind[TXN_KIND_STK].sum_minor == 99900);
	app_report_release(&r);
}

static void test_shift_summary_is_own_only(void **state)
{
	struct fx *f = *state;
	struct app_report r;
	struct sums s;
	seed_day(f->st);
	build(f->st, ROLE_CASHIER, 1, "2025-03-14", &r);
	ledger_sums(f->st, 1, &s);
	assert_false(r.full);
	same_as_ledger(&r, &s);
	for (size_t i = 0; i < r.day.n_rows; i++)
		assert_true(r.day.rows[i].operator_id == 1);
	assert_true(r.cash.sum_minor == 3000);
	assert_true(r.mpesa_in.sum_minor == 11000);
	assert_true(r.mpesa_out.count == 0);
	assert_true(r.n_accounts == 0 && !r.pull_ran);
	char *text = app_report_text(&r);
	assert_non_null(text);
	assert_non_null(strstr(text, "SHIFT SUMMARY 2025-03-14"));
	assert_null(strstr(text, "M-Pesa balance")); /* a cashier sees no balance */
	free(text);
	app_report_release(&r);
}

static void reading(struct store *st, time_t at, int64_t working, int64_t utility,
                    int64_t charges)
{
	struct pos_err err;
	struct store_balance b[3] = {
		{.at = (int64_t)at * 1000, .shortcode = SC, .account = "Working Account",
		 .currency = "KES", .available_minor = working, .current_minor = working},
		{.at = (int64_t)at * 1000, .shortcode = SC, .account = "Utility Account",
		 .currency = "KES", .available_minor = utility, .current_minor = utility},
		{.at = (int64_t)at * 1000, .shortcode = SC, .account = "Charges Paid Account",
		 .currency = "KES", .available_minor = charges, .current_minor = charges},
	};
	assert_int_equal(store_balance_add(st, b, 3, &err), POS_OK);
}

static void test_variance(void **state)
{
	struct fx *f = *state;
	struct app_report r;
	seed_day(f->st);
	/* No reading that day: nothing to compare. */
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	assert_true(r.n_accounts == 0 && !r.has_movement);
	app_report_release(&r);
	/* One reading: known, but no movement. */
	reading(f->st, T0 - 1, 1000000, 5000000, -10000);
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	assert_true(r.n_accounts == 3 && !r.has_movement);
	assert_true(r.open_minor == 6000000);
	app_report_release(&r);
	/* An earlier reading (03:00) becomes the opening one, a later (10:10)
	 * the closing one: what the ledger expects is the completed money
	 * created between them (not the 00:00 charge). */
	reading(f->st, MIDNIGHT + 3 * 3600, 1, 1, 1);
	reading(f->st, T0 + 600, 1000000 + 72000, 5000000 - 110000, -10500);
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	assert_true(r.has_movement);
	assert_true(r.open_at == (int64_t)(MIDNIGHT + 3 * 3600) * 1000);
	assert_true(r.close_at == (int64_t)(T0 + 600) * 1000);
	assert_true(r.open_minor == 2);
	assert_true(r.between_in.sum_minor == 25000 + 50000);
	assert_true(r.between_out.sum_minor == 110000);
	assert_true(r.expected_minor == 25000 + 50000 - 110000);
	assert_true(r.movement_minor == (1072000 + 4890000) - 2);
	assert_true(r.variance_minor == r.movement_minor - r.expected_minor);
	assert_true(r.fees_minor == -10500 - 1);
	for (size_t i = 0; i < r.n_accounts; i++)
		assert_true(r.accounts[i].readings == 3);
	app_report_release(&r);
}

static void test_variance_exact(void **state)
{
	struct fx *f = *state;
	struct app_report r;
	seed_day(f->st);
	reading(f->st, T0 - 1, 1000000, 5000000, -10000);
	reading(f->st, T0 + 600, 1000000 + 75000, 5000000 - 110000, -10600);
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	assert_true(r.has_movement);
	assert_true(r.movement_minor == 75000 - 110000);
	assert_true(r.expected_minor == 75000 - 110000);
	assert_true(r.variance_minor == 0);
	assert_true(r.fees_minor == -600);
	char *text = app_report_text(&r), *csv = app_report_csv(&r), *json = app_report_json(&r);
	assert_non_null(strstr(text, "VARIANCE"));
	assert_non_null(strstr(csv, "\nvariance,variance,,0,0\n"));
	assert_non_null(strstr(csv, "\nvariance,expected,,0,-350\n"));
	cJSON *o = cJSON_Parse(json);
	assert_non_null(o);
	cJSON *bal = cJSON_GetObjectItem(o, "balance");
	assert_non_null(bal);
	assert_string_equal(cJSON_GetObjectItem(bal, "variance")->valuestring, "0");
	assert_string_equal(cJSON_GetObjectItem(bal, "movement")->valuestring, "-350");
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(bal, "accounts")) == 3);
	cJSON_Delete(o);
	free(text);
	free(csv);
	free(json);
	app_report_release(&r);
}

static void pulled(struct store *st, const char *receipt, int64_t amount, time_t at)
{
	struct store_cb_result res;
	struct pos_err err;
	char body[64];
	clock_set_fixed(at);
	str_fmt(body, sizeof body, "{\"TransID\":\"%s\"}", receipt);
	const struct store_callback cb = {
		.route = "c2b/confirmation", .source = "pull", .body = body,
		.body_len = strlen(body), .receipt = receipt, .to = TXN_COMPLETED,
		.has_amount = true, .amount_minor = amount, .creates_txn = true,
		.kind = TXN_KIND_C2B, .shortcode = SC, .till_id = "till-1",
	};
	assert_int_equal(store_callback_apply(st, &cb, &res, &err), POS_OK);
	assert_int_equal(res.outcome, STORE_CB_APPLIED);
	clock_set_fixed(T0);
}

static void test_pull_check(void **state)
{
	struct fx *f = *state;
	struct app_report r;
	seed_day(f->st);
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	assert_false(r.pull_ran);
	char *text = app_report_text(&r);
	assert_non_null(strstr(text, "Not checked"));
	free(text);
	app_report_release(&r);

	pulled(f->st, "RPULL00001", 12300, T0 + 900);
	pulled(f->st, "RPULL00002", 700, T0 + 901);
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-14", &r);
	assert_true(r.pull_ran);
	assert_true(r.pull.found.count == 2);
	assert_true(r.pull.found.sum_minor == 13000);
	/* They are in the day's totals as C2B payments too. */
	assert_true(r.day.by_kind[TXN_KIND_C2B].count == 3);
	app_report_release(&r);
	/* A later day: Pull has recorded nothing since it began. */
	build(f->st, ROLE_SUPERVISOR, 9, "2025-03-15", &r);
	assert_false(r.pull_ran);
	app_report_release(&r);
}

static void test_renderings_and_errors(void **state)
{
	struct fx *f = *state;
	struct app_report r;
	struct pos_err err;
	seed_day(f->st);
	build(f->st, ROLE_SUPERVISOR, 9, NULL, &r); /* today: the pinned clock's day */
	assert_string_equal(r.day.date, "2025-03-14");
	char *text = app_report_text(&r), *csv = app_report_csv(&r), *json = app_report_json(&r);
	assert_non_null(strstr(text, "DAY-END REPORT 2025-03-14 (Nairobi), Test till"));
	/* No line wider than 78 columns. */
	for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		assert_true(nl - p <= 78);
	assert_true(str_starts_with(csv, "section,key,detail,count,amount\n"));
	assert_non_null(strstr(csv, "\nkind,stk,,6,"));
	assert_non_null(strstr(csv, "\nmoney,cash,,2,75\n"));
	cJSON *o = cJSON_Parse(json);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "report")->valuestring, "day-end");
	cJSON *stk = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "by_kind"), "stk");
	assert_int_equal(cJSON_GetObjectItem(stk, "count")->valueint, 6);
	assert_string_equal(cJSON_GetObjectItem(stk, "amount")->valuestring, "500");
	cJSON_Delete(o);

	/* Saved side by side, never over an existing file. */
	char txt[1100], csvp[1100];
	assert_int_equal(app_report_save(&r, f->dir, txt, sizeof txt, csvp, sizeof csvp, &err), POS_OK);
	struct stat sb;
	assert_int_equal(stat(txt, &sb), 0);
	assert_true((size_t)sb.st_size == strlen(text));
	assert_int_equal(stat(csvp, &sb), 0);
	assert_int_equal(app_report_save(&r, f->dir, NULL, 0, NULL, 0, &err), POS_E_IO);
	free(text);
	free(csv);
	free(json);
	app_report_release(&r);

	const struct app_report_req bad = {.date = "2025-02-30", .role = ROLE_ADMIN};
	assert_int_equal(app_report_build(f->st, &bad, &r, &err), POS_E_INVALID);
	assert_string_equal(err.field, "date");
	const struct app_report_req nobody = {.date = "2025-03-14", .role = ROLE_COUNT};
	assert_int_equal(app_report_build(f->st, &nobody, &r, &err), POS_E_DENIED);
}

static void test_balance_readings(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store_balance one[4], prev;
	size_t n = 0;
	bool found = true;
	reading(f->st, T0 - 100, 1, 2, 3);
	assert_int_equal(store_balance_of_txn(f->st, 0, one, 4, &n, &err), POS_OK);
	assert_int_equal(n, 0); /* added by hand: no query */
	struct store_balance cur = {.at = (int64_t)T0 * 1000, .shortcode = SC,
	                            .account = "Working Account", .txn_id = 77};
	assert_int_equal(store_balance_previous(f->st, &cur, &prev, &found, &err), POS_OK);
	assert_true(found);
	assert_true(prev.available_minor == 1 && prev.at == (int64_t)(T0 - 100) * 1000);
	cur.at = (int64_t)(T0 - 200) * 1000;
	assert_int_equal(store_balance_previous(f->st, &cur, &prev, &found, &err), POS_OK);
	assert_false(found);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_full_report_equals_the_ledger),
		T(test_shift_summary_is_own_only),
		T(test_variance),
		T(test_variance_exact),
		T(test_pull_check),
		T(test_renderings_and_errors),
		T(test_balance_readings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
