/*
 * sim/httpc.h: the small HTTP/1.1 client that delivers callbacks.
 *
 * One POST per connection ("Connection: close"), Content-Type
 * application/json and Content-Length, with a deadline covering connect,
 * send and receive. Plain http:// only (https:// URLs are refused with a
 * message saying so: put a plain-HTTP receiver or a TLS-terminating proxy in
 * front). Responses may use Content-Length, chunked encoding or close-
 * delimited bodies; they are capped.
 *
 * Ownership: struct sim_http_result is caller-owned (sim_http_result_release).
 * Thread-safety: reentrant; blocking (call it from a delivery thread).
 */
#ifndef SIM_HTTPC_H
#define SIM_HTTPC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

enum { SIM_HTTPC_RESPONSE_MAX = 64 * 1024 };

struct sim_url {
	bool https;
	char host[256];
	char port[8];
	char path[2048]; /* with the query string; "/" when empty */
};

struct sim_http_result {
	int status;       /* HTTP status, 0 when no answer was read */
	char error[256];  /* why there was no answer */
	char *body;       /* response body (NUL-terminated), may be NULL */
	size_t body_len;
};

/* Parse "http://host[:port][/path]" (also https://, [v6] hosts). */
bool sim_url_parse(const char *url, struct sim_url *out);

/* POST body to url within timeout_ms. Returns true when an HTTP answer
 * (any status) was read. When *cancel (may be NULL) becomes true the call
 * gives up within about 100 ms (the simulator is stopping). */
bool sim_http_post_json(const char *url, const char *body, size_t len,
                        int timeout_ms, const atomic_bool *cancel,
                        struct sim_http_result *res);
void sim_http_result_release(struct sim_http_result *res);

#endif
