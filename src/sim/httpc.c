/* sim/httpc.c: HTTP/1.1 POST over a plain socket with a deadline. */
#include "sim/httpc.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"

bool sim_url_parse(const char *url, struct sim_url *out)
{
	const char *p;
	memset(out, 0, sizeof *out);
	if (strncasecmp(url, "http://", 7) == 0) {
		p = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		p = url + 8;
		out->https = true;
	} else {
		return false;
	}
	const char *hs = p, *he;
	if (*p == '[') {
		const char *close = strchr(p, ']');
		if (!close)
			return false;
		hs = p + 1;
		he = close;
		p = close + 1;
	} else {
		while (*p && *p != ':' && *p != '/' && *p != '?') {
			char c = *p;
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
				return false;
			p++;
		}
		he = p;
	}
	if (he == hs || !str_copyn(out->host, sizeof out->host, hs, (size_t)(he - hs)))
		return false;
	if (*p == ':') {
		const char *ps = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		uint64_t port;
		char tmp[8];
		if (p == ps || !str_copyn(tmp, sizeof tmp, ps, (size_t)(p - ps)) ||
		    parse_u64_str(tmp, 65535, &port) != POS_OK || port == 0)
			return false;
		snprintf(out->port, sizeof out->port, "%u", (unsigned)port);
	} else {
		str_copy(out->port, sizeof out->port, out->https ? "443" : "80");
	}
	if (*p != '\0' && *p != '/' && *p != '?')
		return false;
	size_t n = strcspn(p, "#"); /* a fragment is never sent */
	if (n == 0)
		return str_copy(out->path, sizeof out->path, "/");
	if (*p == '?')
		return str_fmt(out->path, sizeof out->path, "/%.*s", (int)n, p);
	return str_copyn(out->path, sizeof out->path, p, n);
}

static int remaining(int64_t deadline)
{
	int64_t left = deadline - clock_mono_ms();
	return left > 0 ? (int)left : 0;
}

enum { POLL_SLICE_MS = 100, HEAD_MAX = 16 * 1024 };

/* Wait for events on fd until the deadline, in slices so that a cancel is
 * noticed: 1 ready, 0 timed out, -1 cancelled or failed. */
static int wait_fd(int fd, short events, int64_t deadline, const atomic_bool *cancel)
{
	for (;;) {
		if (cancel && atomic_load(cancel))
			return -1;
		int left = remaining(deadline);
		if (left == 0)
			return 0;
		struct pollfd pfd = {fd, events, 0};
		int pr = poll(&pfd, 1, left < POLL_SLICE_MS ? left : POLL_SLICE_MS);
		if (pr > 0)
			return 1;
		if (pr < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_deadline(const struct sim_url *u, int64_t deadline,
                            const atomic_bool *cancel, char *err, size_t errsz)
{
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0) {
		snprintf(err, errsz, "cannot resolve %.64s: %s", u->host, gai_strerror(rc));
		return -1;
	}
	int fd = -1;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			int pr = wait_fd(fd, POLLOUT, deadline, cancel);
			int soerr = 0;
			socklen_t sl = sizeof soerr;
			if (pr == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
			    soerr == 0)
				break;
			snprintf(err, errsz, "cannot connect to %.64s:%s: %s", u->host, u->port,
			         pr == 0 ? "timed out" : strerror(soerr ? soerr : errno));
		} else {
			snprintf(err, errsz, "cannot connect to %.64s:%s: %s", u->host, u->port,
			         strerror(errno));
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static bool send_all(int fd, const char *p, size_t n, int64_t deadline,
                     const atomic_bool *cancel, char *err, size_t errsz)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(err, errsz, "send failed: %s", strerror(errno));
			return false;
		}
		if (wait_fd(fd, POLLOUT, deadline, cancel) <= 0) {
			snprintf(err, errsz, "send timed out or cancelled");
			return false;
		}
	}
	return true;
}

/* Decode a chunked body in place; false if malformed. */
static bool dechunk(char *body, size_t *len)
{
	size_t in = 0, out = 0, n = *len;
	for (;;) {
		size_t size = 0;
		bool any = false;
		while (in < n) {
			char c = body[in];
			int v = (c >= '0' && c <= '9') ? c - '0'
			      : (c >= 'a' && c <= 'f') ? c - 'a' + 10
			      : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
			if (v < 0)
				break;
			if (size > SIM_HTTPC_RESPONSE_MAX)
				return false;
			size = size * 16 + (size_t)v;
			any = true;
			in++;
		}
		if (!any)
			return false;
		while (in < n && body[in] != '\n') /* chunk extensions, CR */
			in++;
		if (in >= n)
			return false;
		in++;
		if (size == 0)
			break;
		if (size > n - in)
			return false;
		memmove(body + out, body + in, size);
		out += size;
		in += size;
		if (in < n && body[in] == '\r')
			in++;
		if (in < n && body[in] == '\n')
			in++;
	}
	body[out] = '\0';
	*len = out;
	return true;
}

static const char *find_header(const char *head, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
			line += n + 1;
			while (*line == ' ' || *line == '\t')
				line++;
			return line;
		}
	}
	return NULL;
}

bool sim_http_post_json(const char *url, const char *body, size_t len,
                        int timeout_ms, const atomic_bool *cancel,
                        struct sim_http_result *res)
{
	struct sim_url u;
	char head[4096];
	char *resp = NULL;
	size_t rlen = 0;
	int fd = -1;
	bool complete = false;
	int64_t deadline = clock_mono_ms() + timeout_ms;

	memset(res, 0, sizeof *res);
	if (!sim_url_parse(url, &u)) {
		snprintf(res->error, sizeof res->error, "not an http:// URL");
		return false;
	}
	if (u.https) {
		snprintf(res->error, sizeof res->error,
		         "https:// is not supported by daraja-sim; give it a plain http:// URL");
		return false;
	}
	bool v6 = strchr(u.host, ':') != NULL;
	bool default_port = strcmp(u.port, "80") == 0;
	int hn = snprintf(head, sizeof head,
	                  "POST %s HTTP/1.1\r\n"
	                  "Host: %s%s%s%s%s\r\n"
	                  "User-Agent: daraja-sim\r\n"
	                  "Content-Type: application/json\r\n"
	                  "Accept: */*\r\n"
	                  "Content-Length: %zu\r\n"
	                  "Connection: close\r\n\r\n",
	                  u.path, v6 ? "[" : "", u.host, v6 ? "]" : "",
	                  default_port ? "" : ":", default_port ? "" : u.port, len);
	if (hn < 0 || (size_t)hn >= sizeof head) {
		snprintf(res->error, sizeof res->error, "URL too long");
		return false;
	}

	fd = connect_deadline(&u, deadline, cancel, res->error, sizeof res->error);
	if (fd < 0)
		return false;
	if (!send_all(fd, head, (size_t)hn, deadline, cancel, res->error, sizeof res->error) ||
	    !send_all(fd, body, len, deadline, cancel, res->error, sizeof res->error))
		goto out;

	size_t cap = 8192;
	resp = malloc(cap + 1);
	if (!resp) {
		snprintf(res->error, sizeof res->error, "out of memory");
		goto out;
	}
	size_t header_end = 0, content_length = SIZE_MAX;
	bool chunked = false;
	for (;;) {
		if (header_end && content_length != SIZE_MAX &&
		    rlen - header_end >= content_length)
			break;
		if (header_end && chunked && rlen >= header_end + 5 &&
		    memcmp(resp + rlen - 5, "0\r\n\r\n", 5) == 0)
			break;
		if (rlen >= HEAD_MAX + SIM_HTTPC_RESPONSE_MAX ||
		    (header_end && rlen - header_end > SIM_HTTPC_RESPONSE_MAX)) {
			snprintf(res->error, sizeof res->error, "response larger than %d bytes",
			         SIM_HTTPC_RESPONSE_MAX);
			res->status = 0;
			goto out;
		}
		if (rlen == cap) {
			char *bigger = realloc(resp, cap * 2 + 1);
			if (!bigger) {
				snprintf(res->error, sizeof res->error, "out of memory");
				res->status = 0;
				goto out;
			}
			resp = bigger;
			cap *= 2;
		}
		int pr = wait_fd(fd, POLLIN, deadline, cancel);
		if (pr <= 0) {
			snprintf(res->error, sizeof res->error,
			         pr == 0 ? "no answer within %d ms" : "cancelled after %d ms or less",
			         timeout_ms);
			goto out;
		}
		ssize_t r = recv(fd, resp + rlen, cap - rlen, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			snprintf(res->error, sizeof res->error, "receive failed: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break; /* closed: the body ends here */
		rlen += (size_t)r;
		resp[rlen] = '\0';
		if (!header_end) {
			char *eoh = strstr(resp, "\r\n\r\n");
			if (eoh) {
				header_end = (size_t)(eoh - resp) + 4;
				*eoh = '\0';
				const char *cl = find_header(resp, "Content-Length");
				const char *te = find_header(resp, "Transfer-Encoding");
				uint64_t v;
				if (cl) {
					const char *p = cl, *e = cl + strcspn(cl, "\r\n");
					enum pos_status st = parse_u64(&p, e, SIM_HTTPC_RESPONSE_MAX, &v);
					if (st == POS_E_RANGE) {
						snprintf(res->error, sizeof res->error,
						         "response larger than %d bytes", SIM_HTTPC_RESPONSE_MAX);
						goto out;
					}
					if (st == POS_OK)
						content_length = (size_t)v;
				}
				chunked = te && strncasecmp(te, "chunked", 7) == 0;
				int status = 0;
				if (sscanf(resp, "HTTP/%*d.%*d %d", &status) != 1 || status < 100 ||
				    status > 999) {
					snprintf(res->error, sizeof res->error, "not an HTTP response");
					goto out;
				}
				res->status = status;
				*eoh = '\r';
			}
		}
	}
	if (!header_end) {
		snprintf(res->error, sizeof res->error, "connection closed before an answer");
		res->status = 0;
		goto out;
	}
	size_t blen = rlen - header_end;
	if (content_length != SIZE_MAX && blen < content_length) {
		snprintf(res->error, sizeof res->error, "answer cut short after %zu of %zu bytes",
		         blen, content_length);
		goto out;
	}
	if (content_length != SIZE_MAX && blen > content_length)
		blen = content_length;
	res->body = malloc(blen + 1);
	if (res->body) {
		memcpy(res->body, resp + header_end, blen);
		res->body[blen] = '\0';
		res->body_len = blen;
		if (chunked && !dechunk(res->body, &res->body_len))
			res->body_len = 0, res->body[0] = '\0';
	}
	complete = true;
out:
	if (!complete)
		res->status = 0; /* half an answer is no answer */
	free(resp);
	if (fd >= 0)
		close(fd);
	return res->status != 0;
}

void sim_http_result_release(struct sim_http_result *res)
{
	free(res->body);
	res->body = NULL;
	res->body_len = 0;
}
