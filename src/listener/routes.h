/*
 * listener/routes.h: a small HTTP server for routes other than Daraja's
 * callbacks: `serve`'s local API and /metrics, on a port of their own.
 *
 * The owner gives a table of routes (method, path, exact or prefix) and one
 * handler per route. A handler runs on a CivetWeb worker thread, may block
 * (the API hands each request to the app's loop thread and waits for its
 * answer), and fills the reply; the answer is written in one piece after it
 * returns. A request no route takes is answered 404, a route with another
 * method 405, both as JSON naming the path. Bodies are capped at max_body
 * (the handler sees body_too_large and a truncated body).
 *
 * Plain HTTP only (see style.md: CivetWeb's TLS is broken on Debian 12).
 *
 * Ownership: routes_start() copies the table; strings in a request are
 * borrowed for the handler call. A reply's body is malloc'd by the handler
 * and freed here.
 * Thread-safety: routes_start/stop from one thread; handlers run
 * concurrently on up to num_threads workers.
 */
#ifndef POS_LISTENER_ROUTES_H
#define POS_LISTENER_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum { ROUTES_MAX = 16, ROUTES_AUTH_MAX = 512, ROUTES_SOURCE_MAX = 48, ROUTES_IDEM_MAX = 72 };

struct routes_request {
	const char *method;         /* "GET", "POST", ... */
	const char *path;           /* "/api/v1/charges/T000001Y", not decoded */
	const char *tail;           /* after a prefix route's path ("T000001Y"); "" */
	const char *query;          /* after '?', not decoded; "" when none */
	const char *body;           /* NUL-terminated ("" when none) */
	size_t body_len;
	bool body_too_large;        /* more than max_body was sent */
	bool body_json;             /* Content-Type: application/json */
	char authorization[ROUTES_AUTH_MAX]; /* the header, "" when absent or too long */
	bool authorization_long;    /* longer than ROUTES_AUTH_MAX - 1: left out */
	char idempotency_key[ROUTES_IDEM_MAX]; /* the Idempotency-Key header */
	bool has_idempotency_key;   /* it was sent (perhaps empty) */
	bool idempotency_key_long;  /* longer than ROUTES_IDEM_MAX - 1 (cut short) */
	char source[ROUTES_SOURCE_MAX];      /* the peer's address */
	bool source_loopback;       /* 127.0.0.0/8 or ::1 */
};

struct routes_reply {
	int status;                 /* default 200 */
	const char *content_type;   /* static string; default application/json */
	char *body;                 /* malloc'd by the handler (or NULL) */
	size_t body_len;            /* 0: strlen(body) */
};

typedef void (*routes_fn)(void *user, const struct routes_request *rq,
                          struct routes_reply *reply);

struct routes_route {
	const char *method;         /* "GET"; NULL: any */
	const char *path;           /* "/metrics" or, with prefix, "/api/v1/charges/" */
	bool prefix;                /* match paths that start with path (and are longer) */
	routes_fn fn;
};

struct routes_opts {
	const char *bind;           /* "127.0.0.1:8091"; port 0 picks one */
	size_t max_body;            /* bytes; default 16384 */
	unsigned num_threads;       /* default 16 */
	const struct routes_route *routes;
	size_t n_routes;            /* at most ROUTES_MAX */
	void *user;                 /* passed to every handler */
};

struct routes;

/* Start listening. POS_E_IO naming field "bind" when the address is taken
 * or not this machine's. */
enum pos_status routes_start(const struct routes_opts *opts, struct routes **out,
                             struct pos_err *err);
/* Stop accepting; handlers in flight finish and their answers are written
 * (it waits for them at most 2 s, so the owner must let blocked handlers
 * return first). NULL is fine. */
void routes_stop(struct routes *r);
int routes_port(const struct routes *r);
/* "http://HOST:PORT" of the bound socket. */
const char *routes_local_url(const struct routes *r);

/* The match rule, for tests: does route rt take (method, path)? *tail gets
 * the rest of a prefix match. 1 match, 0 no, -1 path matches but not the
 * method. */
int routes_match(const struct routes_route *rt, const char *method, const char *path,
                 const char **tail);

#endif
