/*
 * daraja/breaker.c: the circuit breaker in front of Daraja.
 *
 *   CLOSED --(threshold consecutive failures)--> OPEN
 *   OPEN   --(open_ms elapsed, next request)--> HALF_OPEN (one probe)
 *   HALF_OPEN --(probe succeeds)--> CLOSED
 *   HALF_OPEN --(probe fails)--> OPEN (for another open_ms)
 *
 * Failures are what says "Daraja is not working": unreachable, timeouts,
 * 5xx that are not business answers. A customer's decline or a validation
 * refusal is an answer, and counts as a success. The clock is passed in, so
 * tests drive it by hand.
 */
#include "daraja/client_int.h"

static void set_state(struct daraja_breaker *b, enum daraja_breaker_state to)
{
	enum daraja_breaker_state from = b->state;
	if (from == to)
		return;
	b->state = to;
	if (b->hook)
		b->hook(b->hook_user, from, to);
}

void daraja_breaker_init(struct daraja_breaker *b, unsigned threshold,
                         int64_t open_ms,
                         void (*hook)(void *, enum daraja_breaker_state,
                                      enum daraja_breaker_state),
                         void *hook_user)
{
	*b = (struct daraja_breaker){
		.state = DARAJA_CIRCUIT_CLOSED,
		.threshold = threshold ? threshold : 1,
		.open_ms = open_ms > 0 ? open_ms : 0,
		.hook = hook,
		.hook_user = hook_user,
	};
}

static void open_now(struct daraja_breaker *b, int64_t now)
{
	b->opened_at = now;
	b->probe_out = false;
	set_state(b, DARAJA_CIRCUIT_OPEN);
}

enum daraja_breaker_state daraja_breaker_peek(struct daraja_breaker *b,
                                              int64_t now)
{
	if (b->state == DARAJA_CIRCUIT_OPEN && now - b->opened_at >= b->open_ms)
		set_state(b, DARAJA_CIRCUIT_HALF_OPEN);
	return b->state;
}

bool daraja_breaker_allow(struct daraja_breaker *b, int64_t now, bool *probe)
{
	*probe = false;
	switch (daraja_breaker_peek(b, now)) {
	case DARAJA_CIRCUIT_CLOSED:
		return true;
	case DARAJA_CIRCUIT_OPEN:
		return false;
	case DARAJA_CIRCUIT_HALF_OPEN:
		if (b->probe_out)
			return false;
		b->probe_out = true;
		*probe = true;
		return true;
	}
	return false;
}

void daraja_breaker_cancel_probe(struct daraja_breaker *b)
{
	b->probe_out = false;
}

void daraja_breaker_record(struct daraja_breaker *b, int64_t now, bool failure,
                           bool probe)
{
	if (probe)
		b->probe_out = false;
	if (!failure) {
		b->failures = 0;
		/* Any answer proves Daraja is back, the probe's or a straggler's. */
		if (b->state != DARAJA_CIRCUIT_CLOSED)
			set_state(b, DARAJA_CIRCUIT_CLOSED);
		return;
	}
	if (b->failures < UINT32_MAX)
		b->failures++;
	switch (b->state) {
	case DARAJA_CIRCUIT_CLOSED:
		if (b->failures >= b->threshold)
			open_now(b, now);
		break;
	case DARAJA_CIRCUIT_HALF_OPEN:
		if (probe)
			open_now(b, now);
		break;
	case DARAJA_CIRCUIT_OPEN:
		/* A request sent before the breaker opened failed too: the pause
		 * already covers it. */
		break;
	}
}

int64_t daraja_breaker_wait_ms(const struct daraja_breaker *b, int64_t now)
{
	if (b->state != DARAJA_CIRCUIT_OPEN)
		return 0;
	int64_t left = b->opened_at + b->open_ms - now;
	return left > 0 ? left : 0;
}
