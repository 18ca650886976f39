/* listener/http.c: CivetWeb server, routing and HTTP-level defences. */
#include "listener/listener.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "config/config.h"
#include "listener/listener_int.h"
#include "listener/ratelimit.h"

static const struct {
	const char *path;
	bool has_ref;
} routes[] = {
#define LISTENER_ROUTE_ROW(e, path, ref) {path, ref},
	LISTENER_ROUTES(LISTENER_ROUTE_ROW)
#undef LISTENER_ROUTE_ROW
};

struct listener {
	struct mg_context *ctx;
	struct listener_opts opts;
	char secret[LISTENER_SECRET_MAX_HEX + 1];
	struct config_cidr allow[CONFIG_CIDR_MAX];
	struct config_cidr proxies[CONFIG_CIDR_MAX];
	size_t n_allow, n_proxies;
	struct ratelimit *rl;
	int port;
	char url[64];
	_Atomic uint64_t requests, accepted, rejected, rate_limited;
};

const char *listener_route_path(enum listener_route r)
{
	return (unsigned)r < LISTENER_ROUTE_COUNT ? routes[r].path : "";
}

bool listener_route_has_ref(enum listener_route r)
{
	return (unsigned)r < LISTENER_ROUTE_COUNT && routes[r].has_ref;
}

bool listener_ref_valid(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	if (n == 0 || n >= LISTENER_REF_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = ref[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

bool listener_url(char *out, size_t outsz, const char *public_url,
                  const char *secret, enum listener_route r, const char *ref,
                  bool mask_secret)
{
	size_t n = strlen(public_url);
	while (n > 0 && public_url[n - 1] == '/')
		n--;
	const char *s = mask_secret ? "<secret>" : secret;
	if (listener_route_has_ref(r))
		return str_fmt(out, outsz, "%.*s/%s/%s/%s", (int)n, public_url, s,
		               listener_route_path(r), ref ? ref : "");
	return str_fmt(out, outsz, "%.*s/%s/%s", (int)n, public_url, s,
	               listener_route_path(r));
}

static bool secret_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < LISTENER_SECRET_MIN_HEX || n > LISTENER_SECRET_MAX_HEX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Match "/<secret>/<route>[/<ref>]" exactly (case-sensitive). */
static enum listener_route match_route(const struct listener *l, const char *uri,
                                       char ref[LISTENER_REF_MAX])
{
	size_t sn = strlen(l->secret);
	ref[0] = '\0';
	if (uri[0] != '/' || strncmp(uri + 1, l->secret, sn) != 0 || uri[1 + sn] != '/')
		return LISTENER_ROUTE_NONE;
	const char *rest = uri + 2 + sn;
	for (unsigned r = 0; r < LISTENER_ROUTE_COUNT; r++) {
		size_t pn = strlen(routes[r].path);
		if (strncmp(rest, routes[r].path, pn) != 0)
			continue;
		const char *tail = rest + pn;
		if (!routes[r].has_ref) {
			if (*tail == '\0')
				return (enum listener_route)r;
			continue;
		}
		if (*tail != '/' || !listener_ref_valid(tail + 1))
			continue;
		str_copy(ref, LISTENER_REF_MAX, tail + 1);
		return (enum listener_route)r;
	}
	return LISTENER_ROUTE_NONE;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

/* Write the whole answer in one piece (two-piece writes crawl under
 * keep-alive, see style.md). */
static void reply_write(struct mg_connection *c, int status, const char *body)
{
	char buf[LISTENER_REPLY_MAX + 256];
	size_t blen = strlen(body);
	int n = snprintf(buf, sizeof buf,
	                 "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	                 "Content-Length: %zu\r\nCache-Control: no-store\r\n\r\n%s",
	                 status, status_text(status), blen, body);
	if (n > 0 && (size_t)n < sizeof buf)
		mg_write(c, buf, (size_t)n);
}

/* The client's address: the socket peer, or, when the peer is a trusted
 * proxy, the right-most X-Forwarded-For entry that is not itself a proxy. */
static void client_source(const struct listener *l, struct mg_connection *c,
                          const struct mg_request_info *ri, char out[48])
{
	str_copy(out, 48, ri->remote_addr);
	if (l->n_proxies == 0 || !config_cidr_match(l->proxies, l->n_proxies, ri->remote_addr))
		return;
	const char *xff = mg_get_header(c, "X-Forwarded-For");
	if (!xff)
		return;
	char list[512];
	str_copy(list, sizeof list, xff);
	for (;;) {
		char *comma = strrchr(list, ',');
		char *item = comma ? comma + 1 : list;
		str_trim(item);
		if (!config_cidr_match(l->proxies, l->n_proxies, item)) {
			struct config_cidr one;
			if (config_cidr_parse(item, &one, 1) == 1)
				str_copy(out, 48, item);
			return;
		}
		if (!comma)
			return;
		*comma = '\0';
	}
}

static bool content_type_json(struct mg_connection *c)
{
	const char *ct = mg_get_header(c, "Content-Type");
	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", 16) == 0 &&
	       (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

/* Read the body up to max+1 bytes into b. Returns false on a read error. */
static bool read_body(struct mg_connection *c, struct buf *b, size_t max)
{
	char chunk[8192];
	for (;;) {
		int n = mg_read(c, chunk, sizeof chunk);
		if (n < 0)
			return false;
		if (n == 0)
			return true;
		if (b->len + (size_t)n > max) {
			/* Keep what fits plus one byte, so the caller sees "too big",
			 * and drain the rest so keep-alive stays in sync. */
			size_t keep = max + 1 - b->len;
			if (keep > (size_t)n)
				keep = (size_t)n;
			buf_append(b, chunk, keep);
			while (mg_read(c, chunk, sizeof chunk) > 0)
				;
			return true;
		}
		if (buf_append(b, chunk, (size_t)n) != POS_OK)
			return false;
	}
}

static void reject(struct listener *l, struct listener_request *rq, int status,
                   const char *reason, struct listener_reply *reply)
{
	rq->rejected = true;
	rq->reject_status = status;
	str_copy(rq->reject_reason, sizeof rq->reject_reason, reason);
	reply->status = status;
	str_fmt(reply->body, sizeof reply->body,
	        "{\"ResultCode\":1,\"ResultDesc\":\"Rejected: %s\"}", reason);
	atomic_fetch_add(&l->rejected, 1);
	log_warn("listener", "rejected %s from %s: %s",
	         rq->route == LISTENER_ROUTE_NONE ? "request" : listener_route_path(rq->route),
	         rq->source, reason);
	if (l->opts.ingest)
		l->opts.ingest(l->opts.ingest_user, rq, reply);
	/* The status of a rejection is ours, whatever the archive said. */
	reply->status = status;
}

static int handle(struct mg_connection *c, void *cbdata)
{
	struct listener *l = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(c);
	struct listener_request rq = {.route = LISTENER_ROUTE_NONE};
	struct listener_reply reply = {.status = 200};
	struct buf body;
	const char *uri = ri->local_uri ? ri->local_uri : "";

	atomic_fetch_add(&l->requests, 1);
	rq.received_ms = clock_now_ms();
	client_source(l, c, ri, rq.source);

	if (strcmp(uri, "/healthz") == 0) {
		reply_write(c, 200, "{\"status\":\"ok\"}");
		return 200;
	}
	if (!ratelimit_allow(l->rl, rq.source, clock_mono_ms())) {
		/* Not archived: a flood must not become disk writes. Counted. */
		atomic_fetch_add(&l->rate_limited, 1);
		reply_write(c, 429, "{\"ResultCode\":1,\"ResultDesc\":\"Rejected: too many requests\"}");
		return 429;
	}

	buf_init(&body, l->opts.max_body + 1);
	rq.route = match_route(l, uri, rq.ref);
	bool read_ok = read_body(c, &body, l->opts.max_body);
	rq.body = body.data ? body.data : "";
	rq.body_len = body.len;

	if (l->n_allow > 0 && !config_cidr_match(l->allow, l->n_allow, rq.source))
		reject(l, &rq, 403, "source address not allowed", &reply);
	else if (rq.route == LISTENER_ROUTE_NONE)
		reject(l, &rq, 404, "no such callback path", &reply);
	else if (strcmp(ri->request_method, "POST") != 0)
		reject(l, &rq, 405, "only POST is accepted", &reply);
	else if (!read_ok)
		reject(l, &rq, 400, "the body could not be read", &reply);
	else if (body.len > l->opts.max_body)
		reject(l, &rq, 413, "the body is larger than [listener] max_body", &reply);
	else if (!content_type_json(c))
		reject(l, &rq, 415, "Content-Type must be application/json", &reply);
	else if (body.len == 0)
		reject(l, &rq, 400, "the body is empty", &reply);
	else if (memchr(rq.body, '\0', body.len))
		reject(l, &rq, 400, "the body contains a NUL byte", &reply);
	else {
		atomic_fetch_add(&l->accepted, 1);
		if (l->opts.ingest)
			l->opts.ingest(l->opts.ingest_user, &rq, &reply);
	}
	if (!reply.body[0])
		str_copy(reply.body, sizeof reply.body,
		         reply.status == 200 ? "{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}"
		                             : "{\"ResultCode\":1,\"ResultDesc\":\"Rejected\"}");
	reply_write(c, reply.status, reply.body);
	buf_release(&body);
	return reply.status;
}

/* A CIDRS value as config validated it (the word "safaricom" already
 * expanded); NULL or empty is an empty set. */
static enum pos_status parse_cidrs(const char *text, const char *field,
                                   struct config_cidr *out, size_t *n,
                                   struct pos_err *err)
{
	*n = 0;
	if (!text || !*text)
		return POS_OK;
	int got = config_cidr_parse(text, out, CONFIG_CIDR_MAX);
	if (got < 0) {
		pos_err_set(err, POS_E_CONFIG, field, "\"%s\" is not a list of addresses or "
		            "CIDR blocks", text);
		pos_err_hint(err, "write addresses like 196.201.214.200, blocks like "
		                  "196.201.212.0/24 or ::1, separated by commas");
		return POS_E_CONFIG;
	}
	*n = (size_t)got;
	return POS_OK;
}

static int log_message(const struct mg_connection *c, const char *message)
{
	(void)c;
	log_warn("civetweb", "%s", message);
	return 1;
}

struct mg_context *listener_civet_start(const char **options,
                                        int (*handler)(struct mg_connection *, void *),
                                        void *user, int *port)
{
	struct mg_callbacks cb = {.log_message = log_message};
	mg_init_library(0);
	struct mg_context *ctx = mg_start(&cb, user, options);
	if (!ctx) {
		mg_exit_library();
		return NULL;
	}
	mg_set_request_handler(ctx, "/", handler, user);
	struct mg_server_port ports[4];
	int np = mg_get_server_ports(ctx, 4, ports);
	*port = np > 0 ? ports[0].port : 0;
	return ctx;
}

enum pos_status listener_start(const struct listener_opts *opts,
                               struct listener **out, struct pos_err *err)
{
	struct listener *l = calloc(1, sizeof *l);
	if (!l)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	l->opts = *opts;
	if (!l->opts.max_body)
		l->opts.max_body = 65536;
	if (!l->opts.num_threads)
		l->opts.num_threads = 128;
	if (!secret_valid(opts->secret)) {
		free(l);
		return pos_err_set(err, POS_E_CONFIG, "listener secret",
		                   "the callback path secret must be %d to %d lower-case hex characters",
		                   LISTENER_SECRET_MIN_HEX, LISTENER_SECRET_MAX_HEX);
	}
	str_copy(l->secret, sizeof l->secret, opts->secret);
	if (parse_cidrs(opts->allow, "[listener] allow", l->allow, &l->n_allow, err) != POS_OK ||
	    parse_cidrs(opts->trusted_proxy, "[listener] trusted_proxy", l->proxies,
	                &l->n_proxies, err) != POS_OK) {
		free(l);
		return POS_E_CONFIG;
	}
	l->rl = ratelimit_new(opts->rate_per_minute, 1024);
	if (!l->rl) {
		free(l);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}

	char threads[16], max_req[16];
	snprintf(threads, sizeof threads, "%u", l->opts.num_threads);
	snprintf(max_req, sizeof max_req, "%d", 16384); /* headers only */
	const char *bind = opts->bind && *opts->bind ? opts->bind : "127.0.0.1:8090";
	const char *options[] = {
		"listening_ports", bind,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "30000",
		"request_timeout_ms", "10000",
		"tcp_nodelay", "1",
		"max_request_size", max_req,
		"decode_url", "no",
		NULL, NULL,
	};
	/* glibc gives each worker thread its own malloc arena (up to 8 per
	 * core), each keeping what its thread freed: two arenas shared by every
	 * thread kept serve's resident memory under 20 MB under callback load. */
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 2);
#endif
	l->ctx = listener_civet_start(options, handle, l, &l->port);
	if (!l->ctx) {
		ratelimit_free(l->rl);
		free(l);
		return pos_err_set(err, POS_E_IO, "[listener] bind",
		                   "cannot listen on %s (in use, or not an address of this machine)",
		                   bind);
	}
	char host[64];
	const char *colon = strrchr(bind, ':');
	size_t hn = colon ? (size_t)(colon - bind) : 0;
	if (hn == 0 || hn >= sizeof host)
		str_copy(host, sizeof host, "127.0.0.1");
	else
		str_copyn(host, sizeof host, bind, hn);
	str_fmt(l->url, sizeof l->url, "http://%s:%d", host, l->port);
	log_info("listener", "listening on %s", l->url);
	*out = l;
	return POS_OK;
}

struct poker {
	struct sockaddr_in addr;
	atomic_bool done;
};

static void *poke(void *arg)
{
	struct poker *p = arg;
	for (int i = 0; i < 150 && !atomic_load(&p->done); i++) {
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			continue;
		(void)connect(fd, (const struct sockaddr *)&p->addr, sizeof p->addr);
		close(fd);
	}
	return NULL;
}

void listener_civet_stop(struct mg_context *ctx, const char *host, int port)
{
	struct poker p;
	pthread_t th;
	memset(&p, 0, sizeof p);
	atomic_init(&p.done, false);
	p.addr.sin_family = AF_INET;
	p.addr.sin_port = htons((uint16_t)(port > 0 ? port : 0));
	bool helper = port > 0 && inet_pton(AF_INET, host, &p.addr.sin_addr) == 1 &&
	              pthread_create(&th, NULL, poke, &p) == 0;
	mg_stop(ctx); /* joins the workers: in-flight requests finish */
	if (helper) {
		atomic_store(&p.done, true);
		pthread_join(th, NULL);
	}
	mg_exit_library();
}

void listener_stop(struct listener *l)
{
	if (!l)
		return;
	char host[64] = "";
	if (str_starts_with(l->url, "http://"))
		str_copyn(host, sizeof host, l->url + 7, strcspn(l->url + 7, ":"));
	if (!host[0] || strcmp(host, "0.0.0.0") == 0)
		str_copy(host, sizeof host, "127.0.0.1");
	listener_civet_stop(l->ctx, host, l->port);
	ratelimit_free(l->rl);
	free(l);
}

int listener_port(const struct listener *l)
{
	return l->port;
}

const char *listener_local_url(const struct listener *l)
{
	return l->url;
}

void listener_get_stats(const struct listener *l, struct listener_stats *out)
{
	out->requests = atomic_load(&l->requests);
	out->accepted = atomic_load(&l->accepted);
	out->rejected = atomic_load(&l->rejected);
	out->rate_limited = atomic_load(&l->rate_limited);
}
