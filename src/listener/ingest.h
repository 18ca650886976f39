/*
 * listener/ingest.h: what the listener does with a callback once HTTP has
 * let it through: parse it strictly (daraja/callback.h), turn it into the
 * store's neutral terms, hand it to the group-commit writer, wait until it is
 * on disk, and only then fill the answer. A rejected request is archived with
 * its reason and changes nothing. C2B validation requests are judged by the
 * rules below and answered with Daraja's accept or rejection codes.
 *
 * Exactly-once: the writer archives and applies each callback in one
 * database transaction; a duplicate is archived, answered as a success and
 * has no second effect; a callback for a transaction we do not know yet is
 * kept as an orphan and applied when the transaction appears.
 *
 * If the database cannot take the callback, the answer is HTTP 503 (a C2B
 * validation is rejected with C2B00016, so no payment is accepted that we
 * could not record): nothing is acknowledged that is not stored.
 *
 * Thread-safety: ingest_handle() is called from the listener's worker
 * threads concurrently; everything else from the owner's thread.
 */
#ifndef POS_LISTENER_INGEST_H
#define POS_LISTENER_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "listener/listener.h"
#include "store/store.h"

struct ingest_opts {
	struct store_writer *writer; /* required; not owned */
	size_t max_body;             /* as the listener's; 0 = 64 KiB */
	const char *shortcode;       /* our paybill or store number ... */
	const char *till_number;     /* ... or till: C2B for another is refused */
	const char *till_id;         /* recorded on C2B payments */
	const char *balance_shortcode; /* whose Account Balance results come
	                                  here (the initiator's); NULL or "" =
	                                  shortcode */
	/* C2B validation rules. */
	const char *c2b_account_pattern; /* POSIX extended regex the whole
	                                    BillRefNumber must match; "" = any */
	int64_t c2b_min_minor;       /* 0 = no minimum */
	int64_t c2b_max_minor;       /* 0 = no maximum */
	bool c2b_accept_all;         /* skip the rules (accept every payment) */
};

struct ingest;

enum pos_status ingest_new(const struct ingest_opts *opts, struct ingest **out,
                           struct pos_err *err);
void ingest_free(struct ingest *in);

/* A listener_ingest_fn: pass it with the struct ingest as its user. */
void ingest_handle(void *user, const struct listener_request *rq,
                   struct listener_reply *reply);

/* Counts since start, by the store's outcome. */
struct ingest_stats {
	uint64_t outcome[STORE_CB_OUTCOME_COUNT];
	uint64_t store_failures;
	uint64_t c2b_rejected;
};
void ingest_get_stats(struct ingest *in, struct ingest_stats *out);

#endif
