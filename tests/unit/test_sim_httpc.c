/* tests/unit/test_sim_httpc.c: the callback client against a canned local
 * server: what it sends, and how it reads Content-Length, chunked and
 * close-delimited answers, garbage, silence, oversized answers and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/httpc.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct canned {
	const char *response; /* written after the request was read; NULL: none */
	size_t len;           /* 0: strlen(response) */
	int hold;             /* 1: keep the connection open until the client leaves */
};

static struct {
	int listener;
	unsigned short port;
	pthread_t thread;
	const struct canned *cases;
	size_t ncases;
	char request[4096]; /* what the last client sent */
} srv;

static void *serve(void *arg)
{
	(void)arg;
	for (size_t i = 0; i < srv.ncases; i++) {
		int c = accept(srv.listener, NULL, NULL);
		if (c < 0)
			return NULL;
		size_t n = 0;
		memset(srv.request, 0, sizeof srv.request);
		/* read until the headers and the declared body are in */
		for (;;) {
			ssize_t r = read(c, srv.request + n, sizeof srv.request - 1 - n);
			if (r <= 0)
				break;
			n += (size_t)r;
			char *eoh = strstr(srv.request, "\r\n\r\n");
			char *cl = strstr(srv.request, "Content-Length: ");
			if (eoh && cl) {
				size_t want = (size_t)strtoul(cl + 16, NULL, 10);
				if (n >= (size_t)(eoh + 4 - srv.request) + want)
					break;
			}
		}
		const struct canned *k = &srv.cases[i];
		if (k->response) {
			size_t len = k->len ? k->len : strlen(k->response);
			ssize_t w = write(c, k->response, len);
			(void)w;
		}
		if (k->hold) {
			char b[64];
			while (read(c, b, sizeof b) > 0)
				;
		}
		close(c);
	}
	return NULL;
}

static void start(const struct canned *cases, size_t n)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv.listener = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(srv.listener >= 0);
	assert_int_equal(bind(srv.listener, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(srv.listener, 8), 0);
	assert_int_equal(getsockname(srv.listener, (struct sockaddr *)&a, &al), 0);
	srv.port = ntohs(a.sin_port);
	srv.cases = cases;
	srv.ncases = n;
	assert_int_equal(pthread_create(&srv.thread, NULL, serve, NULL), 0);
}

static void stop(void)
{
	pthread_join(srv.thread, NULL);
	close(srv.listener);
}

static bool post(const char *path, const char *body, int timeout_ms,
                 struct sim_http_result *res)
{
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", srv.port, path);
	return sim_http_post_json(url, body, strlen(body), timeout_ms, NULL, res);
}

static char big_response[80 * 1024];

static void test_answers(void **state)
{
	(void)state;
	size_t hl = (size_t)snprintf(big_response, sizeof big_response,
	                             "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", 70 * 1024);
	memset(big_response + hl, 'x', sizeof big_response - hl);
	static const struct canned cases[] = {
		{"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n"
		 "{\"ResultCode\":\"C2B00012\"}\n", 0, 0},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n", 0, 0},
		{"HTTP/1.0 201 Created\r\n\r\nclose-delimited", 0, 0},
		{"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", 0, 0},
		{"nonsense\r\n\r\n", 0, 0},
		{NULL, 0, 0},                                   /* closes without a word */
		{"HTTP/1.1 200 OK\r\nContent-Length: 2", 0, 0}, /* headers never end */
		{NULL, 0, 1},                                   /* silence */
		{big_response, sizeof big_response, 0},
		{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef", 0, 0}, /* extra bytes */
		{"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nabc", 0, 0},   /* cut short */
	};
	start(cases, N_ELEMS(cases));
	struct sim_http_result r;

	assert_true(post("/c2b/validate?x=1", "{\"TransID\":\"TCE5KD81PA\"}", 3000, &r));
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"ResultCode\":\"C2B00012\"}\n");
	assert_int_equal(strncmp(srv.request, "POST /c2b/validate?x=1 HTTP/1.1\r\n", 33), 0);
	assert_non_null(strstr(srv.request, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(srv.request, "\r\nContent-Length: 24\r\n"));
	assert_non_null(strstr(srv.request, "\r\nHost: 127.0.0.1:"));
	assert_non_null(strstr(srv.request, "\r\n\r\n{\"TransID\":\"TCE5KD81PA\"}"));
	sim_http_result_release(&r);

	assert_true(post("/", "{}", 3000, &r));
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "hello world");
	sim_http_result_release(&r);

	assert_true(post("/", "{}", 3000, &r));
	assert_int_equal(r.status, 201);
	assert_string_equal(r.body, "close-delimited");
	sim_http_result_release(&r);

	assert_true(post("/", "{}", 3000, &r)); /* an answer, though not a 2xx */
	assert_int_equal(r.status, 500);
	sim_http_result_release(&r);

	assert_false(post("/", "{}", 3000, &r));
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.error, "not an HTTP response"));
	sim_http_result_release(&r);

	assert_false(post("/", "{}", 3000, &r));
	assert_non_null(strstr(r.error, "closed before an answer"));
	sim_http_result_release(&r);

	assert_false(post("/", "{}", 3000, &r));
	assert_non_null(strstr(r.error, "closed before an answer"));
	sim_http_result_release(&r);

	assert_false(post("/", "{}", 300, &r));
	assert_non_null(strstr(r.error, "no answer within 300 ms"));
	sim_http_result_release(&r);

	assert_false(post("/", "{}", 3000, &r));
	assert_non_null(strstr(r.error, "larger than"));
	sim_http_result_release(&r);

	assert_true(post("/", "{}", 3000, &r));
	assert_string_equal(r.body, "abc");
	assert_int_equal(r.body_len, 3);
	sim_http_result_release(&r);

	assert_false(post("/", "{}", 3000, &r));
	assert_non_null(strstr(r.error, "cut short"));
	sim_http_result_release(&r);
	stop();

	/* nobody listens there any more */
	assert_false(post("/", "{}", 1000, &r));
	assert_non_null(strstr(r.error, "cannot connect"));
	sim_http_result_release(&r);
}

static void test_cancel(void **state)
{
	(void)state;
	static const struct canned cases[] = {{NULL, 0, 1}};
	start(cases, 1);
	atomic_bool cancel;
	atomic_init(&cancel, true);
	char url[128];
	struct sim_http_result r;
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", srv.port);
	/* already cancelled: gives up at once instead of waiting 60 s */
	assert_false(sim_http_post_json(url, "{}", 2, 60000, &cancel, &r));
	assert_int_equal(r.status, 0);
	sim_http_result_release(&r);
	/* the server thread is still waiting for a connection: satisfy it */
	assert_false(sim_http_post_json(url, "{}", 2, 200, NULL, &r));
	sim_http_result_release(&r);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
