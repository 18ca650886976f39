/*
 * sim/deliver.h: callback delivery, off the request path.
 *
 * sim_deliver_send() only queues (after an optional delay, through the
 * scheduler); a pool of delivery threads POSTs each callback with the
 * configured timeout, records it in the callback log (URL, body, HTTP status
 * or error, fault applied) and, when asked, hands the answer to a
 * continuation (C2B validation decides whether the payment goes on). A slow
 * or dead receiver therefore never holds up request handling, and only ties
 * up one delivery thread for at most the timeout.
 *
 * Callback faults (drop, duplicate, late) are applied here when the callback
 * asks for them. Failed deliveries are retried only with --callback-retries
 * (Daraja documents no retries).
 *
 * Ownership: opaque (sim_deliver_new / sim_deliver_free). sim_deliver_send()
 * takes url, body and arg whatever happens.
 * Thread-safety: sim_deliver_send() and sim_deliver_reset() from any thread.
 */
#ifndef SIM_DELIVER_H
#define SIM_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/api.h"
#include "sim/faults.h"
#include "sim/httpc.h"
#include "sim/journal.h"
#include "sim/rng.h"
#include "sim/sched.h"

struct sim_deliver;

struct sim_deliver_opts {
	unsigned threads;
	int timeout_ms;
	unsigned retries;
	size_t max_queue;
};

struct sim_callback {
	enum sim_api api;
	const char *kind;   /* "stk", "result", "validation", "confirmation",
	                       "queue_timeout" (static strings) */
	char ref[72];       /* the id a test looks for (CheckoutRequestID, ...) */
	char *url;          /* malloc'd; taken */
	char *body;         /* malloc'd JSON; taken */
	int64_t delay_ms;
	bool faults;        /* apply the product's callback faults */
	/* Called once on a delivery thread with the outcome (never for a
	 * dropped callback, whose arg is just freed). May be NULL. */
	void (*on_done)(void *arg, const struct sim_http_result *res);
	void *arg;
	void (*free_arg)(void *arg); /* frees arg after on_done, or unused */
};

struct sim_deliver *sim_deliver_new(const struct sim_deliver_opts *opts,
                                    struct sim_sched *sched,
                                    struct sim_journal *log,
                                    struct sim_faults *faults,
                                    struct sim_rng *rng);
bool sim_deliver_start(struct sim_deliver *d);
/* Stop the threads (each finishes the delivery in hand) and drop the queue. */
void sim_deliver_stop(struct sim_deliver *d);
void sim_deliver_free(struct sim_deliver *d);

/* Queue *cb (the struct is copied). */
void sim_deliver_send(struct sim_deliver *d, const struct sim_callback *cb);
/* Forget everything queued or scheduled (POST /__sim/reset). */
void sim_deliver_reset(struct sim_deliver *d);

#endif
