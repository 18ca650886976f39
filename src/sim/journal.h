/*
 * sim/journal.h: a bounded, append-only log of JSON objects.
 *
 * The request log and the callback log are journals: each entry is one JSON
 * object (the caller's text), a sequence number the journal assigns, and a
 * key to filter on (the request path, the callback URL). The newest `cap`
 * entries are kept. Listing writes a JSON array, oldest first, with
 * "seq" spliced in as each object's first member.
 *
 * Ownership: opaque (sim_journal_new / sim_journal_free).
 * Thread-safety: every function may be called from any thread (one mutex).
 */
#ifndef SIM_JOURNAL_H
#define SIM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

struct sim_journal;

struct sim_journal *sim_journal_new(size_t cap);
void sim_journal_free(struct sim_journal *j);
void sim_journal_reset(struct sim_journal *j);

/* Append; json is a JSON object's text and becomes the journal's (it is
 * freed with the entry). key may be NULL. Returns the entry's seq (>= 1), or
 * 0 when memory ran out (json is freed then too). */
uint64_t sim_journal_add(struct sim_journal *j, const char *key, char *json);

struct sim_journal_filter {
	const char *key;     /* exact key, or NULL for any */
	const char *contains;/* substring of the entry's text, or NULL */
	uint64_t since;      /* only entries with seq > since */
	size_t limit;        /* at most this many (the newest); 0 = all */
};

/* Append "[{...},{...}]" to out. */
enum pos_status sim_journal_list(struct sim_journal *j,
                                 const struct sim_journal_filter *f,
                                 struct buf *out);
/* Number of entries matching f (limit ignored). */
size_t sim_journal_count(struct sim_journal *j, const struct sim_journal_filter *f);

#endif
