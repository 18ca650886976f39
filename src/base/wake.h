/*
 * base/wake.h: a wake-up queue from worker threads to the thread that owns
 * the event loop.
 *
 * Producers (the listener's store writer, the bus dispatcher) push small
 * integer ids (transaction row ids) from any thread; the owner waits on
 * wake_fd() together with its other descriptors (the terminal, curl's
 * sockets) and drains the ids when it becomes readable. The pipe is poked
 * only on an empty -> non-empty change, so a burst of ten thousand callbacks
 * costs one write. The queue has a ceiling; when it overflows the ids are
 * dropped and an overflow flag is raised, so the owner knows to refresh
 * everything instead of a list.
 *
 * Thread-safety: wake_push from any thread; wake_fd and wake_drain from the
 * owner only.
 */
#ifndef POS_BASE_WAKE_H
#define POS_BASE_WAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

struct wake;

/* capacity: ids kept before overflow (>= 1). */
enum pos_status wake_new(size_t capacity, struct wake **out, struct pos_err *err);
void wake_free(struct wake *w);
/* The read end to poll for POLLIN. */
int wake_fd(const struct wake *w);
/* Queue an id and poke the owner. Never blocks. */
void wake_push(struct wake *w, int64_t id);
/* Poke without an id (e.g. "stop", "config reloaded"). */
void wake_poke(struct wake *w);
/*
 * Move up to max queued ids into ids[], clear the pipe, and return how many.
 * *overflow (may be NULL) is set when ids were dropped since the last drain.
 */
size_t wake_drain(struct wake *w, int64_t *ids, size_t max, bool *overflow);

#endif
