/*
 * bus/dispatch.c: the dispatcher thread, and bus_deliver_pending() for
 * command-line tools. Both drive the engine (engine.c) while holding the
 * ledger's delivery lock; neither ever runs on the thread that owns the
 * terminal.
 */
#include "bus/bus_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"

struct bus_dispatcher {
	pthread_t thread;
	bool has_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;         /* CLOCK_MONOTONIC */
	bool kicked, stopping, exited;
	int64_t stop_deadline;     /* mono ms */
	struct bus_status snap;    /* under mu */
	struct bus_engine e;       /* the thread's own */
	bool standby;              /* another process holds the lock */
	char lock_error[POS_ERR_MSG_MAX];
};

static int poll_ms(const struct bus_opts *o)
{
	return o->poll_ms > 0 ? o->poll_ms : BUS_POLL_MS;
}

/* Wait on cv until woken or ms have passed (mu held). */
static void wait_ms(struct bus_dispatcher *d, int64_t ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&d->cv, &d->mu, &ts);
}

static void publish(struct bus_dispatcher *d)
{
	struct bus_status s;
	bus_engine_status(&d->e, &s);
	s.dispatcher_running = d->e.lock_fd >= 0 || d->standby;
	pthread_mutex_lock(&d->mu);
	d->snap = s;
	pthread_mutex_unlock(&d->mu);
}

/* Try to hold the lock; note who holds it otherwise. */
static bool take_lock(struct bus_dispatcher *d)
{
	struct pos_err err;
	pos_err_clear(&err);
	if (bus_engine_lock(&d->e, &err)) {
		if (d->standby)
			log_info("bus", "the other deliverer stopped: this process delivers events now");
		d->standby = false;
		d->lock_error[0] = '\0';
		return true;
	}
	if (err.code == POS_E_BUSY) {
		if (!d->standby)
			log_info("bus", "another process (serve or a console) delivers this ledger's "
			         "events; standing by");
		d->standby = true;
	} else if (!str_eq(err.msg, d->lock_error)) {
		log_error("bus", "%s; events are not delivered until this is fixed", err.msg);
		str_copy(d->lock_error, sizeof d->lock_error, err.msg);
		d->standby = false;
	}
	return false;
}

static void *run(void *arg)
{
	struct bus_dispatcher *d = arg;
	int64_t poll = poll_ms(&d->e.o);

	pthread_mutex_lock(&d->mu);
	while (!d->stopping) {
		pthread_mutex_unlock(&d->mu);
		int64_t wait = poll;
		if (take_lock(d)) {
			int64_t next = bus_engine_round(&d->e, 0);
			if (next >= 0 && next < wait)
				wait = next;
		} else {
			bus_engine_refresh(&d->e);
		}
		publish(d);
		pthread_mutex_lock(&d->mu);
		if (wait > 0 && !d->kicked && !d->stopping)
			wait_ms(d, wait);
		d->kicked = false;
	}
	int64_t deadline = d->stop_deadline;
	pthread_mutex_unlock(&d->mu);

	/* Stopping: what can be delivered before the deadline, each failing
	 * backend getting one last try. */
	if (take_lock(d)) {
		bus_engine_retry_now(&d->e);
		while (clock_mono_ms() < deadline && bus_engine_round(&d->e, deadline) == 0)
			;
	}
	publish(d);
	bus_engine_release(&d->e);

	pthread_mutex_lock(&d->mu);
	d->exited = true;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static void dispatcher_free(struct bus_dispatcher *d)
{
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

enum pos_status bus_dispatcher_start(const struct bus_opts *o, struct bus_dispatcher **out,
                                     struct pos_err *err)
{
	pthread_condattr_t ca;
	*out = NULL;
	struct bus_dispatcher *d = calloc(1, sizeof *d);
	if (!d)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	enum pos_status rc = bus_engine_init(&d->e, o, err);
	if (rc != POS_OK) {
		bus_engine_release(&d->e);
		free(d);
		return rc;
	}
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (d->e.n == 0) { /* [bus] backends = none */
		d->exited = true;
		*out = d;
		return POS_OK;
	}
	bus_engine_refresh(&d->e); /* a first view before the thread owns the engine */
	publish(d);
	if (pthread_create(&d->thread, NULL, run, d) != 0) {
		bus_engine_release(&d->e);
		dispatcher_free(d);
		return pos_err_set(err, POS_E_INTERNAL, "", "cannot start the event dispatcher's thread");
	}
	d->has_thread = true;
	log_info("bus", "event dispatcher started (%zu backend%s)", d->e.n,
	         d->e.n == 1 ? "" : "s");
	*out = d;
	return POS_OK;
}

void bus_dispatcher_kick(struct bus_dispatcher *d)
{
	if (!d || !d->has_thread)
		return;
	pthread_mutex_lock(&d->mu);
	d->kicked = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

void bus_dispatcher_stats(struct bus_dispatcher *d, struct bus_status *out)
{
	if (!d) {
		memset(out, 0, sizeof *out);
		return;
	}
	pthread_mutex_lock(&d->mu);
	*out = d->snap;
	pthread_mutex_unlock(&d->mu);
	out->at = clock_now_ms();
}

void bus_dispatcher_stop(struct bus_dispatcher *d, int deadline_ms)
{
	if (!d)
		return;
	if (!d->has_thread) {
		dispatcher_free(d);
		return;
	}
	int64_t now = clock_mono_ms();
	pthread_mutex_lock(&d->mu);
	d->stopping = true;
	d->stop_deadline = now + (deadline_ms > 0 ? deadline_ms : 0);
	pthread_cond_broadcast(&d->cv);
	/* A backend call in progress ends within its own timeout. */
	int64_t limit = d->stop_deadline + bus_call_timeout(&d->e.o) + 1000;
	while (!d->exited && (now = clock_mono_ms()) < limit)
		wait_ms(d, limit - now);
	bool exited = d->exited;
	int64_t pending = d->snap.pending;
	pthread_mutex_unlock(&d->mu);
	if (!exited) {
		/* A plugin that ignores its timeout: leave the thread (and d) to
		 * the process's exit rather than hang the shutdown. */
		log_error("bus", "the event dispatcher did not stop in time (a backend call "
		          "hangs); leaving it behind");
		pthread_detach(d->thread);
		return;
	}
	pthread_join(d->thread, NULL);
	if (pending > 0)
		log_warn("bus", "stopped with %lld event(s) not yet delivered; they wait in the "
		         "ledger for the next start", (long long)pending);
	else
		log_info("bus", "event dispatcher stopped; every event delivered");
	dispatcher_free(d);
}

/* ---- command-line tools ---------------------------------------------------- */

static void sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

enum pos_status bus_deliver_pending(const struct bus_opts *o, int timeout_ms,
                                    struct bus_deliver_result *res, struct pos_err *err)
{
	struct bus_deliver_result none;
	struct pos_err lerr;
	enum pos_status rc;
	if (!res)
		res = &none;
	memset(res, 0, sizeof *res);
	struct bus_engine *e = calloc(1, sizeof *e);
	if (!e)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	if ((rc = bus_engine_init(e, o, err)) != POS_OK || e->n == 0)
		goto out;
	pos_err_clear(&lerr);
	if (!bus_engine_lock(e, &lerr)) {
		bus_engine_refresh(e);
		res->pending = bus_engine_pending(e);
		if (lerr.code == POS_E_BUSY) {
			res->delegated = true; /* the dispatcher that holds it delivers */
		} else {
			rc = lerr.code;
			if (err)
				*err = lerr;
		}
		goto out;
	}
	int64_t deadline = clock_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for (;;) {
		int64_t next = bus_engine_round(e, deadline);
		int64_t now = clock_mono_ms();
		if (next != 0 && bus_engine_pending(e) == 0)
			break;
		if (now >= deadline)
			break;
		if (next != 0) /* all failing (or new events racing in): wait a little */
			sleep_ms(next > 0 && next < deadline - now ? next
			         : next > 0                         ? deadline - now
			                                            : 10);
	}
	res->pending = bus_engine_pending(e);
	for (size_t i = 0; i < e->n; i++)
		res->delivered += e->slot[i].st.delivered;
	if (res->pending > 0) {
		const struct bus_backend_status *why = NULL;
		for (size_t i = 0; i < e->n && !why; i++)
			if (e->slot[i].st.pending > 0 && e->slot[i].st.failing)
				why = &e->slot[i].st;
		rc = pos_err_set(err, POS_E_TIMEOUT, "[bus] backends",
		                 "%lld event(s) could not be delivered in %d ms%s%s%s",
		                 (long long)res->pending, timeout_ms, why ? " (" : "",
		                 why ? why->last_error : "", why ? ")" : "");
		pos_err_hint(err, "they wait in the ledger: serve or the next command sends them; "
		             "mpesa-pos bus status shows the lag");
	}
out:
	bus_engine_release(e);
	free(e);
	return rc;
}
