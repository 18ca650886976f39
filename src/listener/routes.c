/* listener/routes.c: the extra-routes HTTP server (CivetWeb, plain HTTP). */
#include "listener/routes.h"

#include <civetweb.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/str.h"
#include "config/config.h"
#include "listener/listener_int.h"

struct routes {
	struct mg_context *ctx;
	struct routes_route table[ROUTES_MAX];
	size_t n;
	size_t max_body;
	void *user;
	int port;
	char host[64];
	char url[96];
	atomic_int busy;          /* handlers between a request and its written answer */
};

int routes_match(const struct routes_route *rt, const char *method, const char *path,
                 const char **tail)
{
	size_t n = strlen(rt->path);
	*tail = "";
	if (rt->prefix) {
		if (strncmp(path, rt->path, n) != 0 || path[n] == '\0')
			return 0;
		*tail = path + n;
	} else if (strcmp(path, rt->path) != 0) {
		return 0;
	}
	return !rt->method || strcmp(rt->method, method) == 0 ? 1 : -1;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* Headers and body in one write (two-piece writes crawl under keep-alive). */
static void write_reply(struct mg_connection *c, const struct routes_reply *rp)
{
	const char *body = rp->body ? rp->body : "";
	size_t blen = rp->body_len ? rp->body_len : strlen(body);
	char head[384];
	int hn = snprintf(head, sizeof head,
	                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	                  "Cache-Control: no-store\r\n%s\r\n",
	                  rp->status, status_text(rp->status),
	                  rp->content_type ? rp->content_type : "application/json", blen,
	                  rp->status == 401 ? "WWW-Authenticate: Bearer realm=\"mpesa-pos\"\r\n" : "");
	if (hn <= 0 || (size_t)hn >= sizeof head)
		return;
	char *all = malloc((size_t)hn + blen);
	if (!all)
		return;
	memcpy(all, head, (size_t)hn);
	memcpy(all + hn, body, blen);
	mg_write(c, all, (size_t)hn + blen);
	free(all);
}

/* Read up to max bytes (one more tells "too large"; the rest is drained). */
static bool read_capped(struct mg_connection *c, struct buf *b, size_t max, bool *too_large)
{
	char chunk[4096];
	int n;
	*too_large = false;
	while ((n = mg_read(c, chunk, sizeof chunk)) > 0) {
		if (*too_large)
			continue;
		if (b->len + (size_t)n > max) {
			*too_large = true;
			continue;
		}
		if (buf_append(b, chunk, (size_t)n) != POS_OK)
			return false;
	}
	return n == 0;
}

static bool is_loopback(const char *addr)
{
	return str_starts_with(addr, "127.") || strcmp(addr, "::1") == 0 ||
	       str_starts_with(addr, "::ffff:127.");
}

static void json_error(struct routes_reply *rp, int status, const char *field,
                       const char *msg)
{
	char buf[512];
	rp->status = status;
	str_fmt(buf, sizeof buf, "{\"ok\":false,\"exit\":64,\"error\":{\"code\":\"%s\","
	        "\"field\":\"%s\",\"message\":\"%s\",\"hint\":\"\"}}",
	        status == 405 ? "POS_E_DENIED" : "POS_E_NOT_FOUND", field, msg);
	rp->body = strdup(buf);
}

static int handle(struct mg_connection *c, void *cbdata)
{
	struct routes *r = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(c);
	struct routes_request rq;
	struct routes_reply rp = {.status = 200};
	struct buf body;
	const char *path = ri->local_uri ? ri->local_uri : "/";
	const struct routes_route *found = NULL;
	bool wrong_method = false;

	atomic_fetch_add(&r->busy, 1);
	memset(&rq, 0, sizeof rq);
	rq.method = ri->request_method ? ri->request_method : "";
	rq.path = path;
	rq.query = ri->query_string ? ri->query_string : "";
	for (size_t i = 0; i < r->n && !found; i++) {
		const char *tail;
		int m = routes_match(&r->table[i], rq.method, path, &tail);
		if (m == 1) {
			found = &r->table[i];
			rq.tail = tail;
		} else if (m < 0) {
			wrong_method = true;
		}
	}
	buf_init(&body, r->max_body + 1);
	bool read_ok = read_capped(c, &body, r->max_body, &rq.body_too_large);
	rq.body = body.data ? body.data : "";
	rq.body_len = body.len;
	const char *auth = mg_get_header(c, "Authorization");
	if (auth && !str_copy(rq.authorization, sizeof rq.authorization, auth)) {
		rq.authorization[0] = '\0';
		rq.authorization_long = true;
	}
	const char *idem = mg_get_header(c, "Idempotency-Key");
	if (idem) {
		rq.has_idempotency_key = true;
		rq.idempotency_key_long = !str_copy(rq.idempotency_key, sizeof rq.idempotency_key, idem);
	}
	const char *ct = mg_get_header(c, "Content-Type");
	rq.body_json = ct && strncasecmp(ct, "application/json", 16) == 0 &&
	               (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
	str_copy(rq.source, sizeof rq.source, ri->remote_addr);
	rq.source_loopback = is_loopback(rq.source);

	if (!read_ok) {
		json_error(&rp, 400, "body", "the body could not be read");
	} else if (found) {
		found->fn(r->user, &rq, &rp);
	} else if (wrong_method) {
		char msg[160];
		str_fmt(msg, sizeof msg, "%s is not accepted on this path", rq.method);
		json_error(&rp, 405, "method", msg);
	} else {
		json_error(&rp, 404, "path", "no such path: see docs/api.md");
	}
	write_reply(c, &rp);
	free(rp.body);
	buf_release(&body);
	atomic_fetch_sub(&r->busy, 1);
	return rp.status;
}

enum pos_status routes_start(const struct routes_opts *opts, struct routes **out,
                             struct pos_err *err)
{
	if (opts->n_routes > ROUTES_MAX)
		return pos_err_set(err, POS_E_RANGE, "routes", "at most %d routes", ROUTES_MAX);
	struct routes *r = calloc(1, sizeof *r);
	if (!r)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	memcpy(r->table, opts->routes, opts->n_routes * sizeof *r->table);
	r->n = opts->n_routes;
	r->max_body = opts->max_body ? opts->max_body : 16384;
	r->user = opts->user;
	atomic_init(&r->busy, 0);
	char threads[16];
	snprintf(threads, sizeof threads, "%u", opts->num_threads ? opts->num_threads : 16);
	const char *bind = opts->bind && *opts->bind ? opts->bind : "127.0.0.1:8091";
	const char *options[] = {
		"listening_ports", bind,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "30000",
		"request_timeout_ms", "10000",
		"tcp_nodelay", "1",
		"max_request_size", "16384",
		"decode_url", "no",
		NULL, NULL,
	};
	r->ctx = listener_civet_start(options, handle, r, &r->port);
	if (!r->ctx) {
		free(r);
		return pos_err_set(err, POS_E_IO, "bind",
		                   "cannot listen on %s (in use, or not an address of this machine)",
		                   bind);
	}
	char host[128];
	unsigned port = 0;
	if (!config_hostport_split(bind, host, sizeof host, &port) || !host[0] ||
	    strcmp(host, "0.0.0.0") == 0)
		str_copy(host, sizeof host, "127.0.0.1");
	str_copy(r->host, sizeof r->host, host);
	str_fmt(r->url, sizeof r->url, strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d",
	        host, r->port);
	*out = r;
	return POS_OK;
}

void routes_stop(struct routes *r)
{
	if (!r)
		return;
	/* CivetWeb drops what a worker writes once mg_stop() has raised its stop
	 * flag: let the answers in flight (the owner has unblocked them) go out
	 * first, for at most 2 s. */
	for (int i = 0; i < 200 && atomic_load(&r->busy) > 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	/* returns at once, not after CivetWeb's 2 s poll (listener_int.h) */
	listener_civet_stop(r->ctx, strchr(r->host, ':') ? "127.0.0.1" : r->host, r->port);
	free(r);
}

int routes_port(const struct routes *r)
{
	return r->port;
}

const char *routes_local_url(const struct routes *r)
{
	return r->url;
}
