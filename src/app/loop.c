/* app/loop.c: timers, the wake queue, one caller fd and the Daraja client,
 * waited on together. */
#include "app/loop.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "daraja/client.h"

struct timer {
	uint64_t id;      /* 0: free slot */
	int64_t due;      /* monotonic ms */
	app_timer_fn fn;
	void *user;
};

struct watch {
	uint64_t id;      /* 0: free slot */
	app_watch_fn fn;
	void *user;
};

struct app_loop {
	struct app *app;
	struct timer *timers;
	size_t n_timers, cap_timers;
	struct watch *watches;
	size_t n_watches, cap_watches;
	uint64_t next_id;
	int64_t tick_ms, next_tick;
	int fd;
	short fd_events;
	app_fd_fn fd_fn;
	void *fd_user;
	bool stop;
};

enum { WAKE_BATCH = 256, POLL_CAP_MS = 1000 };

enum pos_status app_loop_new(struct app *a, struct app_loop **out,
                             struct pos_err *err)
{
	struct app_loop *l = calloc(1, sizeof *l);
	if (!l)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	l->app = a;
	l->next_id = 1;
	l->tick_ms = APP_LOOP_TICK_MS;
	l->next_tick = clock_mono_ms() + l->tick_ms;
	l->fd = -1;
	*out = l;
	return POS_OK;
}

void app_loop_free(struct app_loop *l)
{
	if (!l)
		return;
	app_daraja_probe_stop(l);
	free(l->timers);
	free(l->watches);
	free(l);
}

struct app *app_loop_app(struct app_loop *l)
{
	return l->app;
}

/* A free slot in an array of n used of cap, growing it; NULL when out of
 * memory. Slots are never moved while in use (callbacks may be running). */
static void *slot(void **arr, size_t *n, size_t *cap, size_t size)
{
	char *a = *arr;
	for (size_t i = 0; i < *n; i++)
		if (*(uint64_t *)(void *)(a + i * size) == 0)
			return a + i * size;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char *grown = realloc(a, ncap * size);
		if (!grown)
			return NULL;
		*arr = grown;
		*cap = ncap;
		a = grown;
	}
	char *s = a + (*n)++ * size;
	memset(s, 0, size);
	return s;
}

uint64_t app_loop_timer(struct app_loop *l, int64_t delay_ms, app_timer_fn fn,
                        void *user)
{
	struct timer *t = slot((void **)&l->timers, &l->n_timers, &l->cap_timers,
	                       sizeof *t);
	if (!t)
		return 0;
	t->id = l->next_id++;
	t->due = clock_mono_ms() + (delay_ms > 0 ? delay_ms : 0);
	t->fn = fn;
	t->user = user;
	return t->id;
}

void app_loop_cancel(struct app_loop *l, uint64_t id)
{
	for (size_t i = 0; id && i < l->n_timers; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

uint64_t app_loop_watch(struct app_loop *l, app_watch_fn fn, void *user)
{
	struct watch *w = slot((void **)&l->watches, &l->n_watches, &l->cap_watches,
	                       sizeof *w);
	if (!w)
		return 0;
	w->id = l->next_id++;
	w->fn = fn;
	w->user = user;
	return w->id;
}

void app_loop_unwatch(struct app_loop *l, uint64_t id)
{
	for (size_t i = 0; id && i < l->n_watches; i++)
		if (l->watches[i].id == id)
			l->watches[i].id = 0;
}

void app_loop_set_tick(struct app_loop *l, int64_t ms)
{
	l->tick_ms = ms > 10 ? ms : 10;
	l->next_tick = clock_mono_ms() + l->tick_ms;
}

void app_loop_set_fd(struct app_loop *l, int fd, short events, app_fd_fn fn,
                     void *user)
{
	l->fd = fd;
	l->fd_events = events;
	l->fd_fn = fn;
	l->fd_user = user;
}

void app_loop_stop(struct app_loop *l)
{
	l->stop = true;
}

/* Tell every watcher; a watcher added during the visit waits for the next. */
static void notify(struct app_loop *l, int64_t txn_id)
{
	size_t n = l->n_watches;
	for (size_t i = 0; i < n && i < l->n_watches; i++) {
		struct watch w = l->watches[i];
		if (w.id)
			w.fn(w.user, txn_id);
	}
}

static void fire_timers(struct app_loop *l)
{
	int64_t now = clock_mono_ms();
	size_t n = l->n_timers;
	for (size_t i = 0; i < n && i < l->n_timers; i++) {
		struct timer *t = &l->timers[i];
		if (!t->id || t->due > now)
			continue;
		app_timer_fn fn = t->fn;
		void *user = t->user;
		t->id = 0; /* free before the call: it may add timers */
		fn(user);
	}
	while (l->n_timers && l->timers[l->n_timers - 1].id == 0)
		l->n_timers--;
}

static int64_t nearest(struct app_loop *l)
{
	int64_t due = l->next_tick;
	for (size_t i = 0; i < l->n_timers; i++)
		if (l->timers[i].id && l->timers[i].due < due)
			due = l->timers[i].due;
	return due;
}

void app_loop_turn(struct app_loop *l, int max_wait_ms)
{
	struct daraja *d = app_daraja_if_open(l->app);
	struct wake *wk = app_wake(l->app);
	int64_t now = clock_mono_ms();
	int64_t wait = nearest(l) - now;
	if (wait < 0)
		wait = 0;
	if (max_wait_ms >= 0 && wait > max_wait_ms)
		wait = max_wait_ms;
	if (wait > POLL_CAP_MS)
		wait = POLL_CAP_MS;

	struct daraja_extra_fd ex[2];
	unsigned n = 0;
	ex[n++] = (struct daraja_extra_fd){.fd = wake_fd(wk), .events = POLLIN};
	if (l->fd >= 0)
		ex[n++] = (struct daraja_extra_fd){.fd = l->fd, .events = l->fd_events};
	if (d) {
		daraja_poll(d, ex, n, (int)wait);
	} else {
		struct pollfd p[2];
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){.fd = ex[i].fd, .events = ex[i].events};
		if (poll(p, n, (int)wait) > 0)
			for (unsigned i = 0; i < n; i++)
				ex[i].revents = p[i].revents;
	}

	/* What the listener committed: each id once per turn is enough. */
	int64_t ids[WAKE_BATCH];
	bool overflow = false;
	size_t got = wake_drain(wk, ids, WAKE_BATCH, &overflow);
	if (got == WAKE_BATCH)
		overflow = true; /* more may wait: treat as "anything changed" */
	if (d)
		daraja_perform(d);
	fire_timers(l);
	for (size_t i = 0; i < got && !overflow; i++)
		notify(l, ids[i]);
	now = clock_mono_ms();
	if (overflow || now >= l->next_tick) {
		l->next_tick = now + l->tick_ms;
		notify(l, 0);
	}
	if (l->fd >= 0 && n == 2 && ex[1].revents && l->fd_fn)
		l->fd_fn(l->fd_user, ex[1].revents);
}

bool app_loop_run(struct app_loop *l, bool (*done)(void *user), void *user,
                  int64_t deadline_ms)
{
	l->stop = false;
	while (!done(user) && !l->stop) {
		int64_t left = -1;
		if (deadline_ms > 0) {
			left = deadline_ms - clock_mono_ms();
			if (left <= 0)
				break;
		}
		app_loop_turn(l, left > INT32_MAX ? INT32_MAX : (int)left);
	}
	return done(user);
}
