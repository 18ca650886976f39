/*
 * listener/listener.h: the embedded HTTP server that receives Daraja's
 * callbacks (CivetWeb, plain HTTP; TLS is terminated in front of it, see
 * docs/going-live.md).
 *
 * Routes live under a secret path segment (lower-case hex, at least 128
 * bits, kept in the database) and carry our own transaction reference, so a
 * callback finds its transaction even when the synchronous answer that held
 * Daraja's ids was lost:
 *
 *   POST /<secret>/stk/<ref>                 STK push result
 *   POST /<secret>/b2c/result/<ref>          B2C result
 *   POST /<secret>/b2c/timeout/<ref>         B2C queue timeout
 *   POST /<secret>/status/result/<ref>       Transaction Status result
 *   POST /<secret>/status/timeout/<ref>
 *   POST /<secret>/balance/result/<ref>      Account Balance result
 *   POST /<secret>/balance/timeout/<ref>
 *   POST /<secret>/reversal/result/<ref>     Reversal result
 *   POST /<secret>/reversal/timeout/<ref>
 *   POST /<secret>/c2b/validation            C2B validation (answered
 *   POST /<secret>/c2b/confirmation          C2B confirmation  by rules)
 *   GET  /healthz
 *
 * The listener checks what HTTP can check (source allow-list, per-source
 * rate, method, Content-Type, body size) and hands every
 * request that passes, and every one it rejects, to the ingest function the
 * owner gave it. That function runs on a CivetWeb worker thread, may block
 * until the callback is durably committed, and fills the reply: the answer
 * is written only after it returns. The body's shape (JSON nesting depth
 * included) is judged by daraja/'s callback parsers inside that function.
 *
 * Thread-safety: listener_start/stop from one thread; the ingest function is
 * called concurrently from up to num_threads workers.
 */
#ifndef POS_LISTENER_LISTENER_H
#define POS_LISTENER_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* X(enum, path below the secret, has a <ref> segment) */
#define LISTENER_ROUTES(X)                                                     \
	X(LISTENER_STK, "stk", true)                                               \
	X(LISTENER_B2C_RESULT, "b2c/result", true)                                 \
	X(LISTENER_B2C_TIMEOUT, "b2c/timeout", true)                               \
	X(LISTENER_STATUS_RESULT, "status/result", true)                           \
	X(LISTENER_STATUS_TIMEOUT, "status/timeout", true)                         \
	X(LISTENER_BALANCE_RESULT, "balance/result", true)                         \
	X(LISTENER_BALANCE_TIMEOUT, "balance/timeout", true)                       \
	X(LISTENER_REVERSAL_RESULT, "reversal/result", true)                       \
	X(LISTENER_REVERSAL_TIMEOUT, "reversal/timeout", true)                     \
	X(LISTENER_C2B_VALIDATION, "c2b/validation", false)                        \
	X(LISTENER_C2B_CONFIRMATION, "c2b/confirmation", false)

enum listener_route {
#define LISTENER_ROUTE_ENUM(e, path, ref) e,
	LISTENER_ROUTES(LISTENER_ROUTE_ENUM)
#undef LISTENER_ROUTE_ENUM
	LISTENER_ROUTE_COUNT,
	LISTENER_ROUTE_NONE = LISTENER_ROUTE_COUNT, /* no route matched */
};

enum { LISTENER_REF_MAX = 40, LISTENER_SECRET_MIN_HEX = 32,
       LISTENER_SECRET_MAX_HEX = 128, LISTENER_REPLY_MAX = 256,
       LISTENER_REASON_MAX = 160 };

/* "stk", "b2c/result", ... */
const char *listener_route_path(enum listener_route r);
bool listener_route_has_ref(enum listener_route r);

/* One request as the ingest function sees it. Borrowed for the call. */
struct listener_request {
	enum listener_route route;      /* LISTENER_ROUTE_NONE when rejected early */
	char ref[LISTENER_REF_MAX];     /* our transaction reference, or "" */
	char source[48];                /* client address after proxy rules */
	const char *body;               /* NUL-terminated; may be truncated when rejected */
	size_t body_len;
	int64_t received_ms;            /* wall clock */
	/* Set when the listener itself refused the request; the ingest function
	 * archives it with this reason and must not apply anything. */
	bool rejected;
	int reject_status;              /* the HTTP status that will be sent */
	char reject_reason[LISTENER_REASON_MAX];
};

struct listener_reply {
	int status;                     /* HTTP status, 200 by default */
	char body[LISTENER_REPLY_MAX];  /* JSON; a default is used when empty */
};

typedef void (*listener_ingest_fn)(void *user, const struct listener_request *rq,
                                   struct listener_reply *reply);

struct listener_opts {
	const char *bind;            /* "127.0.0.1:8090"; port 0 picks one */
	const char *secret;          /* lower-case hex path segment */
	const char *allow;           /* CIDR list; empty or NULL: everyone */
	const char *trusted_proxy;   /* CIDR list whose X-Forwarded-For we honour */
	size_t max_body;             /* bytes; default 65536 */
	unsigned rate_per_minute;    /* per source; 0: no limit */
	unsigned num_threads;        /* workers = keep-alive connections; default 128 */
	listener_ingest_fn ingest;
	void *ingest_user;
};

struct listener;

/* Start listening. *out gets the listener; listener_port() the bound port. */
enum pos_status listener_start(const struct listener_opts *opts,
                               struct listener **out, struct pos_err *err);
/* Stop accepting, let in-flight requests finish (their ingest calls return
 * and their answers are written), then free everything. NULL is fine.
 * Returns within tens of milliseconds when nothing is in flight (CivetWeb's
 * accept loop is woken rather than left to its 2 s poll). */
void listener_stop(struct listener *l);
int listener_port(const struct listener *l);
/* "http://127.0.0.1:PORT" of the bound socket (for tests and logs). */
const char *listener_local_url(const struct listener *l);

/* Counters since start (approximate under concurrency). */
struct listener_stats {
	uint64_t requests, accepted, rejected, rate_limited;
};
void listener_get_stats(const struct listener *l, struct listener_stats *out);

/*
 * The full callback URL for a route: public_url (scheme://host[:port], no
 * trailing slash needed) + "/" + secret + "/" + path [+ "/" + ref].
 * mask_secret replaces the secret with "<secret>" (for logs and screens).
 * Returns false when out is too small.
 */
bool listener_url(char *out, size_t outsz, const char *public_url,
                  const char *secret, enum listener_route r, const char *ref,
                  bool mask_secret);

/* True when a reference is safe in a path: 1..LISTENER_REF_MAX-1 of
 * [A-Za-z0-9-]. */
bool listener_ref_valid(const char *ref);

#endif
