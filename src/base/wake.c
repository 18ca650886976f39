/* base/wake.c: a self-pipe with a bounded id queue. */
#include "base/wake.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct wake {
	pthread_mutex_t mu;
	int fds[2];
	int64_t *ids;
	size_t cap, head, len;
	bool overflow;
	bool poked; /* a byte is in the pipe and not yet drained */
};

static int set_flags(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

enum pos_status wake_new(size_t capacity, struct wake **out, struct pos_err *err)
{
	struct wake *w = calloc(1, sizeof *w);
	if (!w || capacity == 0)
		goto nomem;
	w->ids = calloc(capacity, sizeof *w->ids);
	if (!w->ids)
		goto nomem;
	w->cap = capacity;
	if (pipe(w->fds) != 0 || set_flags(w->fds[0]) != 0 || set_flags(w->fds[1]) != 0) {
		int e = errno;
		free(w->ids);
		free(w);
		return pos_err_set(err, POS_E_IO, NULL, "cannot create a wake-up pipe: %s",
		                   strerror(e));
	}
	pthread_mutex_init(&w->mu, NULL);
	*out = w;
	return POS_OK;
nomem:
	if (w)
		free(w->ids);
	free(w);
	return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
}

void wake_free(struct wake *w)
{
	if (!w)
		return;
	close(w->fds[0]);
	close(w->fds[1]);
	pthread_mutex_destroy(&w->mu);
	free(w->ids);
	free(w);
}

int wake_fd(const struct wake *w)
{
	return w->fds[0];
}

/* Caller holds mu. */
static void poke_locked(struct wake *w)
{
	if (w->poked)
		return;
	char b = 1;
	ssize_t n = write(w->fds[1], &b, 1);
	/* A full pipe already wakes the owner; nothing else can fail here. */
	(void)n;
	w->poked = true;
}

void wake_push(struct wake *w, int64_t id)
{
	pthread_mutex_lock(&w->mu);
	if (w->len == w->cap) {
		w->overflow = true;
	} else {
		w->ids[(w->head + w->len) % w->cap] = id;
		w->len++;
	}
	poke_locked(w);
	pthread_mutex_unlock(&w->mu);
}

void wake_poke(struct wake *w)
{
	pthread_mutex_lock(&w->mu);
	poke_locked(w);
	pthread_mutex_unlock(&w->mu);
}

size_t wake_drain(struct wake *w, int64_t *ids, size_t max, bool *overflow)
{
	char sink[64];
	size_t n = 0;
	pthread_mutex_lock(&w->mu);
	while (read(w->fds[0], sink, sizeof sink) > 0)
		;
	while (n < max && w->len > 0) {
		ids[n++] = w->ids[w->head];
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
	if (overflow)
		*overflow = w->overflow;
	w->overflow = false;
	/* Ids left behind (max too small) keep the pipe readable. */
	w->poked = false;
	if (w->len > 0)
		poke_locked(w);
	pthread_mutex_unlock(&w->mu);
	return n;
}
