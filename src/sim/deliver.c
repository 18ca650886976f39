/* sim/deliver.c: queue, delivery threads, callback log. */
#include "sim/deliver.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"

enum { RESPONSE_LOG_MAX = 2048, THREADS_MAX = 64 };

struct job {
	struct job *next;
	struct sim_deliver *d;
	struct sim_callback cb;
	unsigned attempt;
	unsigned generation;
	const char *fault; /* "", "duplicate", "late" */
};

struct sim_deliver {
	struct sim_deliver_opts opts;
	struct sim_sched *sched;
	struct sim_journal *log;
	struct sim_faults *faults;
	struct sim_rng *rng;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *head, *tail;
	size_t queued;
	bool stopping;
	atomic_bool cancel;  /* tells a delivery in flight to give up */
	pthread_t threads[THREADS_MAX];
	unsigned nthreads;
	atomic_uint generation;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->cb.url);
	free(j->cb.body);
	if (j->cb.free_arg)
		j->cb.free_arg(j->cb.arg);
	free(j);
}

static void job_free_void(void *p)
{
	job_free(p);
}

struct sim_deliver *sim_deliver_new(const struct sim_deliver_opts *opts,
                                    struct sim_sched *sched,
                                    struct sim_journal *log,
                                    struct sim_faults *faults,
                                    struct sim_rng *rng)
{
	struct sim_deliver *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->opts = *opts;
	if (d->opts.threads == 0)
		d->opts.threads = 1;
	if (d->opts.threads > THREADS_MAX)
		d->opts.threads = THREADS_MAX;
	if (d->opts.max_queue == 0)
		d->opts.max_queue = 100000;
	d->sched = sched;
	d->log = log;
	d->faults = faults;
	d->rng = rng;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	atomic_init(&d->generation, 1);
	atomic_init(&d->cancel, false);
	return d;
}

/* Record one delivery (or a dropped callback) in the callback log. */
static void log_delivery(struct sim_deliver *d, const struct job *j,
                         const struct sim_http_result *res, const char *fault)
{
	char ts[26];
	int64_t now = clock_now_ms();
	clock_iso8601_eat((time_t)(now / 1000), ts);
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddNumberToObject(o, "ms", (double)now);
	cJSON_AddStringToObject(o, "api", sim_api_name(j->cb.api));
	cJSON_AddStringToObject(o, "kind", j->cb.kind);
	cJSON_AddStringToObject(o, "ref", j->cb.ref);
	cJSON_AddStringToObject(o, "url", j->cb.url);
	cJSON_AddNumberToObject(o, "attempt", j->attempt);
	cJSON_AddNumberToObject(o, "status", res ? res->status : 0);
	cJSON_AddStringToObject(o, "error", res ? res->error : "");
	cJSON_AddStringToObject(o, "fault", fault);
	cJSON_AddRawToObject(o, "body", j->cb.body);
	if (res && res->body) {
		char resp[RESPONSE_LOG_MAX + 1];
		str_copyn(resp, sizeof resp, res->body, res->body_len);
		cJSON_AddStringToObject(o, "response", resp);
	} else {
		cJSON_AddStringToObject(o, "response", "");
	}
	sim_journal_add(d->log, j->cb.url, cJSON_PrintUnformatted(o));
	cJSON_Delete(o);
}

static void enqueue(struct sim_deliver *d, struct job *j)
{
	pthread_mutex_lock(&d->mu);
	if (d->stopping || d->queued >= d->opts.max_queue ||
	    j->generation != atomic_load(&d->generation)) {
		pthread_mutex_unlock(&d->mu);
		if (!d->stopping && j->generation == atomic_load(&d->generation))
			log_warn("sim", "callback queue full: dropped %s callback to %s",
			         j->cb.kind, j->cb.url);
		job_free(j);
		return;
	}
	j->next = NULL;
	if (d->tail)
		d->tail->next = j;
	else
		d->head = j;
	d->tail = j;
	d->queued++;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

static void enqueue_job(void *p)
{
	struct job *j = p;
	enqueue(j->d, j);
}

static void schedule(struct sim_deliver *d, struct job *j, int64_t delay_ms)
{
	if (delay_ms <= 0)
		enqueue(d, j);
	else
		sim_sched_after(d->sched, delay_ms, enqueue_job, job_free_void, j);
}

static struct job *job_clone(const struct job *src)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	*j = *src;
	j->next = NULL;
	j->cb.on_done = NULL; /* the continuation runs once, on the original */
	j->cb.arg = NULL;
	j->cb.free_arg = NULL;
	j->cb.url = strdup(src->cb.url);
	j->cb.body = strdup(src->cb.body);
	if (!j->cb.url || !j->cb.body) {
		job_free(j);
		return NULL;
	}
	return j;
}

void sim_deliver_send(struct sim_deliver *d, const struct sim_callback *cb)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		free(cb->url);
		free(cb->body);
		if (cb->free_arg)
			cb->free_arg(cb->arg);
		return;
	}
	j->d = d;
	j->cb = *cb;
	j->attempt = 1;
	j->fault = "";
	j->generation = atomic_load(&d->generation);
	if (!j->cb.url || !j->cb.body) {
		job_free(j);
		return;
	}
	int64_t delay = cb->delay_ms;
	if (cb->faults) {
		struct sim_fault f;
		sim_faults_get(d->faults, cb->api, &f);
		if (sim_rng_chance(d->rng, f.callback_drop)) {
			log_delivery(d, j, NULL, "dropped");
			job_free(j);
			return;
		}
		if (sim_rng_chance(d->rng, f.callback_dup)) {
			struct job *twin = job_clone(j);
			if (twin) {
				twin->fault = "duplicate";
				schedule(d, twin, delay + 50);
			}
		}
		if (sim_rng_chance(d->rng, f.callback_late)) {
			delay += f.callback_late_ms;
			j->fault = "late";
		}
	}
	schedule(d, j, delay);
}

static void deliver_one(struct sim_deliver *d, struct job *j)
{
	struct sim_http_result res;
	sim_http_post_json(j->cb.url, j->cb.body, strlen(j->cb.body),
	                   d->opts.timeout_ms, &d->cancel, &res);
	if (atomic_load(&d->cancel)) {
		sim_http_result_release(&res);
		job_free(j);
		return;
	}
	if (j->generation != atomic_load(&d->generation)) {
		sim_http_result_release(&res);
		job_free(j);
		return;
	}
	log_delivery(d, j, &res, j->fault);
	bool ok = res.status >= 200 && res.status < 300;
	if (!ok)
		log_info("sim", "%s callback %s to %s: %s", j->cb.kind, j->cb.ref, j->cb.url,
		         res.status ? "non-2xx answer" : res.error);
	if (!ok && j->attempt <= d->opts.retries) {
		sim_http_result_release(&res);
		j->attempt++;
		schedule(d, j, 1000 * (int64_t)(j->attempt - 1));
		return;
	}
	if (j->cb.on_done)
		j->cb.on_done(j->cb.arg, &res);
	sim_http_result_release(&res);
	job_free(j);
}

static void *worker(void *p)
{
	struct sim_deliver *d = p;
	for (;;) {
		pthread_mutex_lock(&d->mu);
		while (!d->stopping && !d->head)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stopping) {
			pthread_mutex_unlock(&d->mu);
			return NULL;
		}
		struct job *j = d->head;
		d->head = j->next;
		if (!d->head)
			d->tail = NULL;
		d->queued--;
		pthread_mutex_unlock(&d->mu);
		if (j->generation != atomic_load(&d->generation))
			job_free(j);
		else
			deliver_one(d, j);
	}
}

bool sim_deliver_start(struct sim_deliver *d)
{
	for (unsigned i = 0; i < d->opts.threads; i++) {
		if (pthread_create(&d->threads[i], NULL, worker, d) != 0)
			return false;
		d->nthreads++;
	}
	return true;
}

static void drop_queue_locked(struct sim_deliver *d)
{
	struct job *j = d->head;
	while (j) {
		struct job *next = j->next;
		job_free(j);
		j = next;
	}
	d->head = d->tail = NULL;
	d->queued = 0;
}

void sim_deliver_stop(struct sim_deliver *d)
{
	pthread_mutex_lock(&d->mu);
	d->stopping = true;
	atomic_store(&d->cancel, true);
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	for (unsigned i = 0; i < d->nthreads; i++)
		pthread_join(d->threads[i], NULL);
	d->nthreads = 0;
	pthread_mutex_lock(&d->mu);
	drop_queue_locked(d);
	pthread_mutex_unlock(&d->mu);
}

void sim_deliver_free(struct sim_deliver *d)
{
	if (!d)
		return;
	sim_deliver_stop(d);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void sim_deliver_reset(struct sim_deliver *d)
{
	atomic_fetch_add(&d->generation, 1);
	pthread_mutex_lock(&d->mu);
	drop_queue_locked(d);
	pthread_mutex_unlock(&d->mu);
}
