/* app/timing.c: the flows' one clock, and every wait they make, with why.
 *
 * Two clocks, one source each:
 *   app_mono_ms()   intervals this process measures itself (the spacing of
 *                   STK queries, a grace period): the monotonic clock;
 *   app_now_ms(a)   times compared with the ledger's (a transaction's age,
 *                   a prompt's deadline, a recorded schedule): the base
 *                   clock (base/clock.h), which other processes on the same
 *                   ledger also use; when it stands still (pinned by
 *                   MPESA_POS_TEST_CLOCK in tests) or steps back (a clock
 *                   set by hand), it is carried forward by the monotonic
 *                   clock, so a flow's waits always end.
 * Screens and the ledger keep showing and storing the base clock. */
#include "app/app_int.h"

#include <string.h>

#include "base/clock.h"

int64_t app_mono_ms(void)
{
	return clock_mono_ms();
}

int64_t app_clock_now(struct app_clock *c)
{
	int64_t wall = clock_now_ms(), mono = clock_mono_ms();
	int64_t now = wall;
	if (c->last_mono && wall <= c->last) {
		int64_t step = mono - c->last_mono;
		now = c->last + (step > 0 ? step : 0);
		if (now < wall)
			now = wall;
	}
	c->last = now;
	c->last_mono = mono;
	return now;
}

/* ---- the flows' timings ---------------------------------------------------------- */

/* Transaction Status of a payout or a reversal whose result has not come:
 * results normally arrive within seconds, so a first look after 30 s finds
 * most lost ones; later looks space out (M-Pesa's own queue can lag in an
 * outage) until [daraja] status_give_up_after, after which a supervisor
 * decides. Seconds after the request was sent. */
static const int64_t STATUS_AT_S[] = {30, 120, 600};

void flow_timing_of(const struct config *cfg, struct flow_timing *t)
{
	memset(t, 0, sizeof *t);

	/* ---- charges (STK push) ---- */
	/* The customer's phone shows the PIN prompt this long. */
	t->prompt_ms = cfg->daraja.stk_prompt_seconds * 1000;
	/* After it, the result can still be on its way (M-Pesa's own timeout
	 * and the callback's delivery): half the prompt, at least 5 s. Only
	 * after this is "no final answer" a fact, and the charge unresolved. */
	t->margin_ms = t->prompt_ms / 2 > 5000 ? t->prompt_ms / 2 : 5000;
	/* STK queries: the first 3 s after the push (Daraja answers "still
	 * processing" before that), then 1.5 times longer each time up to 15 s.
	 * 3 s is also the least spacing between two queries about one charge,
	 * whoever asks (the flow, "Check now", a reconciliation pass): Daraja
	 * throttles (spike arrest) a shortcode that queries in a loop. */
	t->query_first_ms = 3000;
	t->query_min_gap_ms = 3000;
	t->query_cap_ms = 15000;
	/* A query said paid: the receipt number comes only in the callback;
	 * wait this long for it before settling as paid without it. */
	t->receipt_grace_ms = 3000;

	/* ---- every money-moving request ---- */
	/* `created` this old: the process that recorded it stopped before
	 * sending (a live one sends within milliseconds). */
	t->created_stale_ms = 60000;
	/* `sent` this old: its answer can no longer come (the client's own
	 * timeout, plus time for the process to record it). */
	t->sent_stale_ms = cfg->daraja.timeout * 1000 + 30000;

	/* ---- payouts and reversals (result by callback) ---- */
	size_t n = 0;
	int64_t give_up = cfg->daraja.status_give_up_after * 1000;
	for (size_t i = 0; i < sizeof STATUS_AT_S / sizeof STATUS_AT_S[0]; i++)
		if (STATUS_AT_S[i] * 1000 < give_up && n < FLOW_STATUS_QUERIES_MAX - 1)
			t->status_at_ms[n++] = STATUS_AT_S[i] * 1000;
	t->status_at_ms[n++] = give_up;
	t->status_queries = (int)n;
	/* A Transaction Status result comes by callback too; after this long
	 * without it, the query is taken as lost. */
	t->child_wait_ms = 60000;
	/* A status or balance query a person asked for: after this long without
	 * its result it is failed (nothing moved; ask again). */
	t->query_expire_ms = 300000;

	/* ---- reconciliation ---- */
	/* A pass takes one step per open transaction: a step due within this
	 * is waited for, a later one is left to the next pass (serve runs one
	 * every 30 s). */
	t->pass_horizon_ms = 2000;
	/* The next query time recorded for other processes is this much later
	 * than this process plans, so that a pass never asks just before the
	 * flow that follows the charge does. */
	t->query_slack_ms = 2000;
	/* Unresolved and held transactions are a supervisor's: passes leave
	 * them alone for a day. */
	t->parked_ms = (int64_t)24 * 3600 * 1000;
}
