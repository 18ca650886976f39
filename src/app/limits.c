/* app/limits.c: [limits]: amounts, one open charge per phone, the requests
 * per minute of each shortcode, the daily payout total and the second
 * approver.
 *
 * The per-minute limits hold across every process on the database (the
 * console, each CLI run, `serve`), in two parts:
 *   - a token bucket per kind and shortcode kept in the database
 *     (store_bucket_take): it holds `per_minute` tokens and refills
 *     continuously at `per_minute` a minute, so tills sharing a shortcode
 *     share its rate;
 *   - this till's own requests in the last 60 s, counted in the ledger: a
 *     bucket refills while a burst goes out (20 a minute is a token every
 *     3 s), so on its own it lets through more than `per_minute` in the
 *     first minute; the window refuses the 21st within any minute.
 * A request is judged after its intent is recorded; a refused one takes no
 * token and says when to try again. */
#include "app/app_int.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"

enum { WINDOW_MS = 60000, PAGE = 16 };

/* [limits] narrows core's limits, never widens them: the Daraja client
 * refuses anything beyond core's maximum (KES 250,000) anyway, and the
 * refusal should come before an intent is recorded. */
static void narrow(struct money_limits *l, enum money_op op, int64_t min, int64_t max)
{
	struct money_limit d = l->lim[CURRENCY_KES][op];
	if (min < d.min)
		min = d.min;
	if (max > d.max)
		max = d.max;
	if (min > max)
		min = max;
	(void)money_limits_set(l, CURRENCY_KES, op, min, max, NULL);
}

void limit_money(const struct config *cfg, struct money_limits *l)
{
	const struct config_limits *c = &cfg->limits;
	money_limits_default(l);
	narrow(l, MONEY_OP_CHARGE, c->stk_min_amount * MONEY_SCALE,
	       c->stk_max_amount * MONEY_SCALE);
	narrow(l, MONEY_OP_PAYOUT, 0, c->payout_max * MONEY_SCALE);
}

enum pos_status limit_open_for_phone(struct app *a, enum txn_kind k,
                                     const char *msisdn, struct store_txn *open,
                                     bool *found, struct pos_err *err)
{
	static const enum txn_state states[] = {TXN_CREATED, TXN_SENT, TXN_AWAITING,
	                                        TXN_UNKNOWN, TXN_UNRESOLVED, TXN_REVIEW};
	*found = false;
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		struct store_filter f = {.has_kind = true, .kind = k, .has_state = true,
		                         .state = states[i], .msisdn = msisdn};
		struct store_cursor next;
		size_t n = 0;
		bool more;
		enum pos_status rc = store_txn_history(app_store(a), &f, NULL, open, 1, &n,
		                                       &next, &more, err);
		if (rc != POS_OK)
			return rc;
		if (n) {
			*found = true;
			return POS_OK;
		}
	}
	return POS_OK;
}

/* The till's own requests of kind k in the 60 s before t (ranked by row id,
 * which the database hands out in order; refused ones do not count): when
 * there are per_minute of them, *wait_ms is when the oldest leaves the
 * window, else 0. */
static enum pos_status window_wait(struct app *a, const struct store_txn *t,
                                   int64_t per_minute, int64_t *wait_ms,
                                   struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	struct store_filter f = {.from_ms = t->created_at - WINDOW_MS, .has_kind = true,
	                         .kind = t->kind, .till_id = cfg->till.id};
	struct store_txn rows[PAGE];
	struct store_cursor cur, next;
	bool more = true, first = true;
	int64_t counted = 0, oldest = t->created_at;
	*wait_ms = 0;
	while (more && counted < per_minute) {
		size_t n = 0;
		enum pos_status rc = store_txn_history(app_store(a), &f, first ? NULL : &cur,
		                                       rows, PAGE, &n, &next, &more, err);
		if (rc != POS_OK)
			return rc;
		for (size_t i = 0; i < n && counted < per_minute; i++) {
			if (rows[i].id >= t->id || str_eq(rows[i].result_code, "local:throttled"))
				continue;
			counted++;
			oldest = rows[i].created_at;
		}
		cur = next;
		first = false;
	}
	if (counted >= per_minute)
		*wait_ms = oldest + WINDOW_MS - clock_now_ms();
	if (counted >= per_minute && *wait_ms < 1)
		*wait_ms = 1;
	return POS_OK;
}

enum pos_status limit_rate(struct app *a, const struct store_txn *t,
                           struct pos_err *err)
{
	int64_t wait_ms;
	return limit_rate_wait(a, t, &wait_ms, err);
}

enum pos_status limit_rate_wait(struct app *a, const struct store_txn *t,
                                int64_t *wait_out, struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	int64_t per_minute;
	const char *key, *what, *kind, *shortcode;
	if (t->kind == TXN_KIND_STK) {
		per_minute = cfg->limits.stk_per_minute;
		key = "[limits] stk_per_minute";
		what = "M-Pesa prompts";
		kind = "stk";
		shortcode = cfg->daraja.business_shortcode;
	} else if (t->kind == TXN_KIND_B2C) {
		per_minute = cfg->limits.b2c_per_minute;
		key = "[limits] b2c_per_minute";
		what = "payouts";
		kind = "b2c";
		shortcode = cfg->daraja.b2c_shortcode;
	} else {
		return POS_OK;
	}
	if (t->shortcode[0])
		shortcode = t->shortcode;
	if (per_minute < 1)
		per_minute = 1;
	if (per_minute > UINT32_MAX)
		per_minute = UINT32_MAX;

	int64_t wait_ms = 0;
	*wait_out = 0;
	enum pos_status rc = window_wait(a, t, per_minute, &wait_ms, err);
	if (rc != POS_OK)
		return rc;
	if (!wait_ms) {
		char bucket[STORE_KEY_MAX];
		struct pos_err e;
		str_fmt(bucket, sizeof bucket, "rate:%s:%s", kind, shortcode);
		rc = store_bucket_take(app_store(a), bucket, (uint32_t)per_minute,
		                       (uint32_t)per_minute, &wait_ms, &e);
		if (rc != POS_OK && rc != POS_E_THROTTLED) {
			if (err)
				*err = e;
			return rc;
		}
	}
	if (!wait_ms)
		return POS_OK;
	*wait_out = wait_ms;
	int64_t wait_s = (wait_ms + 999) / 1000;
	pos_err_set(err, POS_E_THROTTLED, key,
	            "shortcode %s may send %lld %s a minute and has used them: nothing was sent",
	            shortcode[0] ? shortcode : "(none)", (long long)per_minute, what);
	pos_err_hint(err, "try again in %lld s", (long long)wait_s);
	return POS_E_THROTTLED;
}

enum pos_status limit_payout(struct app *a, const struct app_operator *op,
                             const struct app_operator *approver, int64_t minor,
                             struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	char amt[MONEY_FMT_MAX], lim[MONEY_FMT_MAX], sum[MONEY_FMT_MAX];
	money_format(minor, CURRENCY_KES, amt, sizeof amt);

	/* Today's payouts (Nairobi), every till, not counting failed ones. */
	char date[11];
	struct tm tm;
	clock_eat_tm(clock_now(), &tm);
	str_fmt(date, sizeof date, "%04d-%02d-%02d", (tm.tm_year + 1900) % 10000,
	        (tm.tm_mon + 1) % 100, tm.tm_mday % 100);
	struct store_day_report rep;
	enum pos_status rc = store_report_day(app_store(a), date, NULL, &rep, err);
	if (rc != POS_OK)
		return rc;
	int64_t today = 0;
	for (size_t i = 0; i < rep.n_rows; i++)
		if (rep.rows[i].kind == TXN_KIND_B2C && rep.rows[i].state != TXN_FAILED)
			today += rep.rows[i].total.sum_minor;
	store_day_report_release(&rep);
	int64_t daily = cfg->limits.payout_daily_max * MONEY_SCALE;
	if (today + minor > daily) {
		money_format(daily, CURRENCY_KES, lim, sizeof lim);
		money_format(today, CURRENCY_KES, sum, sizeof sum);
		pos_err_set(err, POS_E_RANGE, "amount",
		            "%s would take today's payouts past the daily limit of %s (%s paid "
		            "out or under way today)", amt, lim, sum);
		pos_err_hint(err, "pay less, or wait until tomorrow; [limits] payout_daily_max "
		                  "sets the limit");
		return POS_E_RANGE;
	}

	int64_t above = cfg->limits.approval_above * MONEY_SCALE;
	if (minor <= above)
		return POS_OK;
	money_format(above, CURRENCY_KES, lim, sizeof lim);
	if (!approver || approver->id <= 0) {
		pos_err_set(err, POS_E_DENIED, "approver",
		            "%s is above the approval limit of %s: a second supervisor must "
		            "approve it", amt, lim);
		pos_err_hint(err, "have another supervisor sign in as approver (--approver ID)");
		return POS_E_DENIED;
	}
	if (approver->id == op->id)
		return pos_err_set(err, POS_E_DENIED, "approver",
		                   "operator %lld cannot approve their own payout of %s: it needs "
		                   "a second person", (long long)op->id, amt);
	if (!role_allows(approver->role, ROLE_ACT_PAYOUT))
		return pos_err_set(err, POS_E_DENIED, "approver",
		                   "%s is a %s and cannot approve payouts: the approver must be a "
		                   "supervisor or an admin", approver->name,
		                   role_label(approver->role));
	return POS_OK;
}
