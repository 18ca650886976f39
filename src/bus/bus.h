/*
 * bus/bus.h: IF.bus, the till's events delivered to the outside world.
 *
 * Every change of state already wrote its event into the ledger's outbox in
 * the same SQL transaction (store/). This module delivers those rows,
 * afterwards, to the backends named in [bus] backends (several at once):
 *
 *   jsonl    one JSON object per line appended to [bus] jsonl_path
 *   webhook  an HTTP POST to [bus] webhook_url, signed with HMAC-SHA256
 *   redis    XADD to the stream [bus] redis_stream at [bus] redis_address
 *   plugin   a shared object with the C ABI of bus/ifbus_plugin.h
 *   none     nothing
 *
 * Delivery is at least once and in outbox order per backend: each backend
 * has its own cursor in the ledger (store_outbox_ack), takes the events
 * after it in id order, stops at the first failure and tries again later
 * with exponential backoff. Restarting loses nothing; a crash between a
 * delivery and its acknowledgement repeats events, with the same `id`, so
 * consumers de-duplicate on it.
 *
 * The final JSON is built here from the outbox row (bus_event_json), so every
 * backend gets the same bytes: the envelope (id, name, occurred_at, till_id,
 * shortcode, schema_version) then the fields of the event's kind from
 * core/event.h. docs/events.md is generated from the same code
 * (bus_write_events_doc).
 *
 * One deliverer per ledger: whoever delivers holds an exclusive lock
 * (flock) on the file `<database>.bus.lock`. `serve` and the console run a
 * dispatcher (bus_dispatcher_start) that holds it; a command-line tool that
 * wrote events calls bus_deliver_pending() before it exits, which delivers
 * them itself when nobody holds the lock and leaves them to the dispatcher
 * otherwise. The lock disappears with its process, so a crash never leaves
 * a stale "running" mark.
 *
 * Ownership: struct bus_opts only borrows its strings; they must outlive
 * every call and every dispatcher that uses them (bus_opts_from_config
 * points them into the struct config). Returned JSON text is the caller's,
 * freed with free().
 *
 * Thread-safety: a dispatcher runs on its own thread with its own ledger
 * connection and calls each backend there, with a timeout on every call;
 * bus_dispatcher_kick() and bus_dispatcher_stats() may be called from any
 * thread. bus_deliver_pending() blocks its caller (never call it on the
 * thread that owns the terminal). Everything else is reentrant.
 */
#ifndef POS_BUS_BUS_H
#define POS_BUS_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"
#include "config/config.h"
#include "core/event.h"
#include "store/store.h"

enum {
	BUS_BACKENDS_MAX = 8,   /* backends delivering at once */
	BUS_NAME_MAX = 33,      /* backend name, also its cursor in the ledger */
	BUS_ID_MAX = 96,        /* "till-1:000123:1710400502123" + NUL */
	BUS_PATH_MAX = 4096,
};

/* Defaults of struct bus_opts (a 0 there means the default). */
enum {
	BUS_CALL_TIMEOUT_MS = 5000,   /* each backend call (connect, post, XADD) */
	BUS_BACKOFF_MIN_MS = 500,     /* first retry after a failure */
	BUS_BACKOFF_MAX_MS = 30000,   /* retries double up to this */
	BUS_POLL_MS = 1000,           /* look at the outbox at least this often */
	BUS_BATCH = 64,               /* events read and delivered per round */
};

/* [bus] jsonl_fsync */
enum bus_fsync { BUS_FSYNC_BATCH, BUS_FSYNC_ALWAYS, BUS_FSYNC_NEVER };

struct bus_backend_ops;

struct bus_opts {
	const char *db_path;         /* the ledger ([store] path) */
	int busy_timeout_ms;         /* [store] busy_timeout_ms; 0 = store's */
	/* Comma-separated backend names ([bus] backends); NULL, "" or "none":
	 * no delivery at all. */
	const char *backends;
	/* The envelope of events whose payload does not carry them. */
	const char *till_id;         /* [till] id */
	const char *shortcode;       /* [daraja] business_shortcode */
	const char *environment;     /* [daraja] environment */
	const char *jsonl_path;
	enum bus_fsync jsonl_fsync;
	const char *webhook_url;
	const char *webhook_secret;  /* never logged, never in an event */
	const char *redis_address;   /* "host:port" */
	const char *redis_stream;
	const char *plugin_path;     /* the .so */
	const char *plugin_config;   /* the string its open() receives */
	int call_timeout_ms;         /* 0 = BUS_CALL_TIMEOUT_MS */
	int backoff_min_ms;          /* 0 = BUS_BACKOFF_MIN_MS */
	int backoff_max_ms;          /* 0 = BUS_BACKOFF_MAX_MS */
	int poll_ms;                 /* 0 = BUS_POLL_MS */
	size_t batch;                /* 0 = BUS_BATCH */
	const char *lock_path;       /* NULL: db_path + ".bus.lock" */
	/* Tests and embedders: deliver to these backends instead of the ones
	 * `backends` names; each open() receives custom_ctx. */
	const struct bus_backend_ops *const *custom;
	size_t n_custom;
	void *custom_ctx;
};

/* Fill o from the configuration ([store], [till], [daraja], [bus]); the
 * strings point into cfg. Timeouts, backoff and batch take the defaults. */
void bus_opts_from_config(const struct config *cfg, struct bus_opts *o);

/* Check o: every backend name is known and has what it needs (a URL, a
 * secret, a plugin path...). POS_E_CONFIG naming the [bus] key at fault. */
enum pos_status bus_opts_check(const struct bus_opts *o, struct pos_err *err);

/* ---- events --------------------------------------------------------------- */
/*
 * The JSON text every backend receives for one outbox row: the envelope, then
 * the fields of the event's kind in catalogue order (null when not known),
 * then any other field the payload carried. Values are strings (result_code
 * "1032"), except schema_version and amount: a whole number of units (1500),
 * or a decimal number for an amount with cents (a cash sale). `id` is
 * "<till_id>:<outbox id, 6+ digits>:<when the row was written, Unix ms>":
 * the same on every delivery of the row, and unique even if the ledger is
 * recreated. Every string is passed through log_mask(), so a registered
 * secret can never leave in an event. *json (and *len, its length) is the
 * caller's to free(); id (may be NULL) receives the id.
 */
enum pos_status bus_event_json(const struct store_outbox_row *row,
                               const struct bus_opts *o, char **json,
                               size_t *len, char id[BUS_ID_MAX],
                               struct pos_err *err);

/*
 * Write a catalogue event that no change of state writes (token acquired,
 * breaker opened, operator signed in, ...) into the outbox, with the fields
 * of its kind from values[] (indexed by enum event_field; NULL or "" = not
 * known) and the envelope from o and the clock. txn_id may be 0. The
 * dispatcher delivers it later; kick it.
 */
enum pos_status bus_event_add(struct store *st, const struct bus_opts *o,
                              enum event_type ev,
                              const char *const values[EVENT_FIELD_COUNT],
                              int64_t txn_id, int64_t *id,
                              struct pos_err *err);

/* docs/events.md, byte for byte (a test compares). */
void bus_write_events_doc(FILE *out);

/* ---- delivery status ------------------------------------------------------ */
struct bus_backend_status {
	char name[BUS_NAME_MAX];
	int64_t pending;             /* events not yet delivered */
	int64_t oldest_at;           /* when the oldest of them was written
	                                (Unix ms); 0 = none pending */
	bool failing;                /* the last attempt failed */
	int64_t failures;            /* attempts failed in a row */
	int64_t last_error_at;       /* Unix ms; 0 = none known */
	char last_error[POS_ERR_MSG_MAX];
	int64_t next_try_at;         /* Unix ms of the next attempt; 0 = now */
	int64_t delivered;           /* by this dispatcher, since it started */
};

struct bus_status {
	int64_t at;                  /* when this was taken (Unix ms) */
	size_t n;
	struct bus_backend_status backend[BUS_BACKENDS_MAX];
	int64_t pending;             /* the most any backend has waiting */
	int64_t oldest_at;           /* the oldest of them; 0 = none */
	/* A dispatcher (serve, the console) delivers for this ledger now. */
	bool dispatcher_running;
};

/*
 * The lag, read from the ledger st (any process may ask; read-only is
 * enough): per backend of o, the events waiting and the age of the oldest,
 * the last error a deliverer recorded, and whether a dispatcher is running.
 */
enum pos_status bus_status(struct store *st, const struct bus_opts *o,
                           struct bus_status *out, struct pos_err *err);
/* The status as one JSON object (caller frees with free()); NULL when out
 * of memory. */
char *bus_status_json(const struct bus_status *s);
/* One sentence for people: "all 3 backends are up to date" or
 * "webhook: 12 events wait, the oldest for 5 min; last error: ...". */
const char *bus_status_sentence(const struct bus_status *s, char *out,
                                size_t outsz);

/* ---- the dispatcher --------------------------------------------------------- */
struct bus_dispatcher;

/*
 * Start delivering on a new thread with its own ledger connection. It looks
 * at the outbox whenever kicked and at least every poll_ms (other processes
 * write events too). When another process already holds the lock it waits
 * and takes over when that one stops. Borrows o's strings (see above).
 * POS_E_CONFIG when o names an unknown backend; a backend that is down is
 * not an error here: it is retried with backoff.
 */
enum pos_status bus_dispatcher_start(const struct bus_opts *o,
                                     struct bus_dispatcher **out,
                                     struct pos_err *err);
/* New events are in the outbox: deliver them now. Any thread; cheap. */
void bus_dispatcher_kick(struct bus_dispatcher *d);
/* The dispatcher's view (fresher than bus_status: it includes its own
 * counters). Any thread. */
void bus_dispatcher_stats(struct bus_dispatcher *d, struct bus_status *out);
/* Deliver what can be delivered within deadline_ms (each backend that is
 * down gets one last try), then stop the thread and free d. NULL is fine. */
void bus_dispatcher_stop(struct bus_dispatcher *d, int deadline_ms);

/* What bus_deliver_pending() did. */
struct bus_deliver_result {
	int64_t delivered;  /* events delivered (summed over backends) */
	int64_t pending;    /* events still waiting (the most of any backend) */
	bool delegated;     /* a running dispatcher delivers them instead */
};

/*
 * For command-line tools that wrote events: deliver everything pending, on
 * the calling thread, within timeout_ms, retrying failed backends with
 * backoff meanwhile. When a dispatcher (serve, console) already holds the
 * lock it returns at once (res->delegated) and POS_OK: that one delivers.
 * POS_OK when nothing is left; POS_E_TIMEOUT when events remain (they stay
 * in the outbox for the next deliverer) with the backend's last error as
 * the sentence. res may be NULL.
 */
enum pos_status bus_deliver_pending(const struct bus_opts *o, int timeout_ms,
                                    struct bus_deliver_result *res,
                                    struct pos_err *err);

#endif
