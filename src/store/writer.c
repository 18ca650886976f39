/*
 * store/writer.c: the group-commit writer.
 *
 * Callers (the listener's worker threads) put a job on the queue and sleep
 * on their own condition variable. The writer thread takes every queued job
 * (up to max_group), runs them in one BEGIN IMMEDIATE ... COMMIT, each in
 * its own savepoint, and wakes each caller only after COMMIT returned (with
 * synchronous=FULL the group is on disk by then). One fsync serves the whole
 * group: that is what lets durable ingest keep up with a burst.
 *
 * A job that fails on its own (a bad field, a constraint) is rolled back to
 * its savepoint and reports its error; the others commit. A failure that
 * ends the whole transaction (disk full, I/O error: SQLite rolls back by
 * itself) or a failed COMMIT fails every job of the group, so no caller is
 * ever told "saved" for something that is not on disk.
 *
 * Jobs live on their callers' stacks: nothing is allocated per job.
 */
#include "store/store_int.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "base/log.h"

enum { DEFAULT_MAX_GROUP = 256 };

struct job {
	const struct store_callback *cb;
	struct store_cb_result res;
	struct pos_err err;
	enum pos_status status;
	sem_t done;                  /* posted once the job's outcome is final */
	struct job *next;
};

struct store_writer {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;
	struct job *head, *tail;
	bool stopping;
	size_t max_group;
	store_notify_fn notify;
	void *notify_ctx;
	struct store_writer_stats stats;
	struct job **group;          /* max_group slots */
};

static void fail_group(struct job **g, size_t n, enum pos_status status,
                       const struct pos_err *e)
{
	for (size_t i = 0; i < n; i++) {
		g[i]->status = status;
		g[i]->err = *e;
	}
}

/* Run n jobs in one transaction. */
static void run_group(struct store_writer *w, struct job **g, size_t n)
{
	struct store *st = w->st;
	struct pos_err e;
	enum pos_status rc;

	pos_err_clear(&e);
	if ((rc = store_begin(st, &e)) != POS_OK) {
		fail_group(g, n, rc, &e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct job *j = g[i];
		size_t mark = st->n_changed;
		pos_err_clear(&j->err);
		if ((rc = store_exec_id(st, SQL_SAVEPOINT, &j->err)) == POS_OK)
			rc = store_callback_apply_in(st, j->cb, &j->res, &j->err);
		if (rc == POS_OK)
			rc = store_exec_id(st, SQL_RELEASE, &j->err);
		j->status = rc;
		if (rc == POS_OK)
			continue;
		if (sqlite3_get_autocommit(st->db)) {
			/* SQLite ended the transaction itself: nothing of this
			 * group is kept. */
			fail_group(g, n, rc, &j->err);
			return;
		}
		st->n_changed = mark;
		struct pos_err ignore;
		if (store_exec_id(st, SQL_ROLLBACK_TO, &ignore) != POS_OK ||
		    store_exec_id(st, SQL_RELEASE, &ignore) != POS_OK) {
			store_rollback(st);
			fail_group(g, n, POS_E_STORE, &ignore);
			return;
		}
	}
	if ((rc = store_commit(st, "the callbacks", &e)) != POS_OK) {
		log_error("store", "group of %zu callbacks not committed: %s", n, e.msg);
		fail_group(g, n, rc, &e);
		return;
	}
	if (w->notify && st->n_changed)
		w->notify(w->notify_ctx, st->changed, st->n_changed);
}

static void *writer_main(void *arg)
{
	struct store_writer *w = arg;
	(void)prctl(PR_SET_NAME, "ledger-writer"); /* its name in top and perf */
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->head && !w->stopping)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head)
			break; /* stopping, and the queue is drained */
		size_t n = 0;
		while (w->head && n < w->max_group) {
			w->group[n++] = w->head;
			w->head = w->head->next;
		}
		if (!w->head)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);

		run_group(w, w->group, n);

		pthread_mutex_lock(&w->mu);
		w->stats.jobs += n;
		w->stats.groups++;
		if (n > w->stats.max_group)
			w->stats.max_group = n;
		pthread_mutex_unlock(&w->mu);
		/* Wake the callers without holding mu (a caller woken while the
		 * writer held it went straight back to sleep on it), once the
		 * stats count their jobs. */
		for (size_t i = 0; i < n; i++)
			sem_post(&w->group[i]->done);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

enum pos_status store_writer_open(const char *path, const struct store_writer_opts *opts,
                                  struct store_writer **out, struct pos_err *err)
{
	static const struct store_writer_opts none;
	struct store_writer *w;
	enum pos_status rc;

	*out = NULL;
	if (!opts)
		opts = &none;
	if (opts->store.read_only)
		return pos_err_set(err, POS_E_INVALID, "database",
		                   "the writer needs the database open for writing");
	if (!(w = calloc(1, sizeof *w)))
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	w->max_group = opts->max_group ? opts->max_group : DEFAULT_MAX_GROUP;
	w->notify = opts->notify;
	w->notify_ctx = opts->notify_ctx;
	if (!(w->group = calloc(w->max_group, sizeof *w->group))) {
		free(w);
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	}
	if ((rc = store_open(path, &opts->store, &w->st, err)) != POS_OK) {
		free(w->group);
		free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->mu);
		store_close(w->st);
		free(w->group);
		free(w);
		return pos_err_set(err, POS_E_INTERNAL, "", "the database writer thread could not start");
	}
	*out = w;
	return POS_OK;
}

enum pos_status store_writer_submit(struct store_writer *w, const struct store_callback *cb,
                                    struct store_cb_result *res, struct pos_err *err)
{
	struct job j;
	memset(&j, 0, sizeof j);
	j.cb = cb;
	if (sem_init(&j.done, 0, 0) != 0)
		return pos_err_set(err, POS_E_INTERNAL, "database",
		                   "the callback could not be queued for the ledger: not saved");

	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		sem_destroy(&j.done);
		return pos_err_set(err, POS_E_BUSY, "database",
		                   "the ledger is shutting down: the callback was not saved");
	}
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	pthread_mutex_unlock(&w->mu);
	pthread_cond_signal(&w->work); /* after unlocking: the writer wakes to a free mu */
	/* sem_post() is the writer's last touch of j (glibc >= 2.21 lets the
	 * waiter destroy a semaphore as soon as sem_wait() returns). */
	while (sem_wait(&j.done) != 0)
		; /* EINTR */
	sem_destroy(&j.done);

	if (res)
		*res = j.res;
	if (err && j.status != POS_OK)
		*err = j.err;
	return j.status;
}

void store_writer_close(struct store_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->stats.groups)
		log_info("store", "writer: %llu callbacks committed in %llu groups (%.1f a group, "
		         "the largest %llu)", (unsigned long long)w->stats.jobs,
		         (unsigned long long)w->stats.groups,
		         (double)w->stats.jobs / (double)w->stats.groups,
		         (unsigned long long)w->stats.max_group);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	store_close(w->st);
	free(w->group);
	free(w);
}

void store_writer_get_stats(struct store_writer *w, struct store_writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	pthread_mutex_unlock(&w->mu);
}
