/* sim/sched.c: min-heap of timed jobs and one thread. */
#include "sim/sched.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/clock.h"

struct job {
	int64_t due;   /* monotonic ms */
	uint64_t seq;  /* FIFO among equal due times */
	sim_job_fn fn;
	void (*free_arg)(void *);
	void *arg;
};

struct sim_sched {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stopping;
	struct job *heap;
	size_t n, cap, max;
	uint64_t seq;
};

struct sim_sched *sim_sched_new(size_t max_jobs)
{
	struct sim_sched *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&s->mu, NULL);
	s->max = max_jobs ? max_jobs : 1;
	return s;
}

static bool before(const struct job *a, const struct job *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void sift_up(struct job *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!before(&h[i], &h[p]))
			break;
		struct job t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

static void sift_down(struct job *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && before(&h[l], &h[m]))
			m = l;
		if (r < n && before(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		struct job t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void *run(void *p)
{
	struct sim_sched *s = p;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		if (s->n == 0) {
			pthread_cond_wait(&s->cv, &s->mu);
			continue;
		}
		int64_t now = clock_mono_ms();
		if (s->heap[0].due > now) {
			struct timespec ts;
			int64_t due = s->heap[0].due;
			ts.tv_sec = (time_t)(due / 1000);
			ts.tv_nsec = (long)(due % 1000) * 1000000L;
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			continue;
		}
		struct job j = s->heap[0];
		s->heap[0] = s->heap[--s->n];
		sift_down(s->heap, s->n, 0);
		pthread_mutex_unlock(&s->mu);
		j.fn(j.arg);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

bool sim_sched_start(struct sim_sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->stopping = false;
	pthread_mutex_unlock(&s->mu);
	if (pthread_create(&s->thread, NULL, run, s) != 0)
		return false;
	s->running = true;
	return true;
}

void sim_sched_stop(struct sim_sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->stopping = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->running) {
		pthread_join(s->thread, NULL);
		s->running = false;
	}
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n; i++)
		if (s->heap[i].free_arg)
			s->heap[i].free_arg(s->heap[i].arg);
	s->n = 0;
	pthread_mutex_unlock(&s->mu);
}

void sim_sched_free(struct sim_sched *s)
{
	if (!s)
		return;
	sim_sched_stop(s);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s->heap);
	free(s);
}

bool sim_sched_after(struct sim_sched *s, int64_t delay_ms, sim_job_fn fn,
                     void (*free_arg)(void *), void *arg)
{
	pthread_mutex_lock(&s->mu);
	if (s->stopping || s->n == s->max) {
		pthread_mutex_unlock(&s->mu);
		if (free_arg)
			free_arg(arg);
		return false;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct job *h = realloc(s->heap, cap * sizeof *h);
		if (!h) {
			pthread_mutex_unlock(&s->mu);
			if (free_arg)
				free_arg(arg);
			return false;
		}
		s->heap = h;
		s->cap = cap;
	}
	struct job j = {clock_mono_ms() + (delay_ms > 0 ? delay_ms : 0), ++s->seq,
	                fn, free_arg, arg};
	s->heap[s->n] = j;
	sift_up(s->heap, s->n++);
	if (s->heap[0].seq == j.seq)
		pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return true;
}

size_t sim_sched_pending(struct sim_sched *s)
{
	pthread_mutex_lock(&s->mu);
	size_t n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}
