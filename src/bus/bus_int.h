/*
 * bus/bus_int.h: inside bus/. The backend interface (one file per backend:
 * jsonl.c, webhook.c, redis.c, plugin.c, none.c) and the delivery engine
 * that the dispatcher thread (dispatch.c) and bus_deliver_pending() share.
 *
 * Tests include it to drive a backend or the engine directly, and to plug a
 * backend of their own in through bus_opts.custom.
 *
 * Thread-safety: a backend's state and an engine belong to one thread.
 */
#ifndef POS_BUS_BUS_INT_H
#define POS_BUS_BUS_INT_H

#include "bus/bus.h"

/* What a backend learns about the event it is given, besides the bytes. */
struct bus_event_meta {
	int64_t outbox_id;   /* the ledger's row, increasing */
	const char *id;      /* the envelope's id */
	const char *name;    /* "mpesa.stk_push.success" */
	int64_t txn_id;      /* 0 when not about a transaction */
	int timeout_ms;      /* finish (or fail) within this */
};

/*
 * A backend. open() makes state from the options (the backend's own keys)
 * and ctx (bus_opts.custom_ctx); it may connect, or leave that to the first
 * emit(). emit() delivers one event (json is NUL-terminated, len bytes) or
 * fails; flush() makes every event emitted so far durable (fsync, a batch
 * sent); close() frees state (NULL is fine). Failures fill err with what
 * happened, quoting the address, and are retried by the engine, which
 * closes and opens the backend again before the next attempt. No call may
 * block longer than the timeout it is given (open: bus_opts.call_timeout_ms).
 */
struct bus_backend_ops {
	const char *name;
	enum pos_status (*open)(const struct bus_opts *o, void *ctx, void **state,
	                        struct pos_err *err);
	enum pos_status (*emit)(void *state, const char *json, size_t len,
	                        const struct bus_event_meta *meta,
	                        struct pos_err *err);
	enum pos_status (*flush)(void *state, struct pos_err *err);
	void (*close)(void *state);
};

extern const struct bus_backend_ops bus_jsonl_ops;
extern const struct bus_backend_ops bus_webhook_ops;
extern const struct bus_backend_ops bus_redis_ops;
extern const struct bus_backend_ops bus_plugin_ops;
extern const struct bus_backend_ops bus_none_ops;

/* The built-in backend called name, or NULL. */
const struct bus_backend_ops *bus_backend_find(const char *name);

/* The effective values of o's tunables (defaults for 0). */
int bus_call_timeout(const struct bus_opts *o);

/* Split a backends list into names: at most max, each < BUS_NAME_MAX.
 * "none" and empty items are dropped. POS_E_CONFIG on a name too long or
 * too many names. */
enum pos_status bus_backend_names(const char *list,
                                  char names[][BUS_NAME_MAX], size_t max,
                                  size_t *n, struct pos_err *err);

/* <db_path>.bus.lock, or o->lock_path. False when it does not fit. */
bool bus_lock_path(const struct bus_opts *o, char *out, size_t outsz);
/* Whether someone holds the lock at path now (a probe; false when the
 * file does not exist). */
bool bus_lock_held(const char *path);

/* The ledger setting where a deliverer records a backend's last outcome
 * ("bus.state.webhook"). */
bool bus_state_key(const char *backend, char *out, size_t outsz);

/* ---- the engine ---------------------------------------------------------- */
struct bus_slot {
	const struct bus_backend_ops *ops;
	void *state;
	bool open;
	int64_t backoff_ms;
	int64_t next_try_mono;   /* 0 = due now */
	bool saved_failure;      /* the ledger may show a failure of this slot */
	struct bus_backend_status st;
};

struct bus_engine {
	struct bus_opts o;       /* borrowed strings */
	struct store *st;
	int lock_fd;             /* -1 when not holding the lock */
	char lock_path[BUS_PATH_MAX];
	size_t n;
	struct bus_slot slot[BUS_BACKENDS_MAX];
};

/* Resolve the backends and open a ledger connection (on the thread that
 * will use the engine, or hand it over before any other call). */
enum pos_status bus_engine_init(struct bus_engine *e, const struct bus_opts *o,
                                struct pos_err *err);
/* Take the delivery lock if free. True when held (now or already). */
bool bus_engine_lock(struct bus_engine *e, struct pos_err *err);
/*
 * One round: every backend that is due delivers at most one batch (opening
 * itself first if needed) and its lag is refreshed. deadline_mono (0 = none)
 * caps each call's timeout. Returns the ms until a backend is due again: 0
 * when more is waiting now, -1 when every backend is idle and up to date.
 */
int64_t bus_engine_round(struct bus_engine *e, int64_t deadline_mono);
/* Make every backend due now (one last try when stopping). */
void bus_engine_retry_now(struct bus_engine *e);
/* Refresh every backend's lag from the ledger. */
void bus_engine_refresh(struct bus_engine *e);
/* Most events any backend has waiting. */
int64_t bus_engine_pending(const struct bus_engine *e);
/* Its status (wall clock times). */
void bus_engine_status(const struct bus_engine *e, struct bus_status *out);
/* Close the backends, release the lock, close the ledger. */
void bus_engine_release(struct bus_engine *e);

#endif
