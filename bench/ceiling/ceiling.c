/*
 * bench/ceiling/ceiling.c: the ceiling for callback ingest. The same
 * CivetWeb, with the same options as src/listener/ (keep-alive, tcp_nodelay,
 * the same number of workers), reading each callback body in full and
 * answering it as mpesa-pos does, in one write, but storing nothing. No
 * program that stores a callback can be faster on this machine.
 *
 *   ceiling [THREADS]      listen on 127.0.0.1 (a free port), print
 *                          "listening on http://127.0.0.1:PORT", serve until
 *                          SIGTERM or SIGINT; then print the request count.
 *
 * Built by bench/run.sh with cc and -lcivetweb (not by the Makefile: it is
 * not part of the product).
 */
#include <civetweb.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

enum { BODY_MAX = 65536 };

static _Atomic unsigned long long answered;

static int handle(struct mg_connection *c, void *cbdata)
{
	(void)cbdata;
	char body[8192];
	size_t total = 0;
	int n;
	/* Read the whole body, as a real handler must (capped like ours). */
	while ((n = mg_read(c, body, sizeof body)) > 0) {
		total += (size_t)n;
		if (total > BODY_MAX)
			break;
	}
	static const char reply[] =
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 40\r\nCache-Control: no-store\r\n\r\n"
	    "{\"ResultCode\":0,\"ResultDesc\":\"Accepted\"}";
	mg_write(c, reply, sizeof reply - 1);
	atomic_fetch_add(&answered, 1);
	return 200;
}

int main(int argc, char **argv)
{
	const char *threads = argc > 1 ? argv[1] : "96";
	const char *options[] = {
		"listening_ports", "127.0.0.1:0",
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "30000",
		"request_timeout_ms", "10000",
		"tcp_nodelay", "1",
		"max_request_size", "16384",
		"decode_url", "no",
		NULL, NULL,
	};
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL); /* workers inherit the mask */

	struct mg_callbacks cb;
	memset(&cb, 0, sizeof cb);
	mg_init_library(0);
	struct mg_context *ctx = mg_start(&cb, NULL, options);
	if (!ctx) {
		fprintf(stderr, "ceiling: CivetWeb could not start on 127.0.0.1\n");
		return 70;
	}
	mg_set_request_handler(ctx, "/", handle, NULL);
	struct mg_server_port ports[4];
	int np = mg_get_server_ports(ctx, 4, ports);
	if (np < 1) {
		fprintf(stderr, "ceiling: no listening port\n");
		mg_stop(ctx);
		return 70;
	}
	printf("listening on http://127.0.0.1:%d\n", ports[0].port);
	fflush(stdout);
	int sig = 0;
	sigwait(&stop, &sig);
	mg_stop(ctx);
	mg_exit_library();
	printf("answered %llu\n", (unsigned long long)atomic_load(&answered));
	return 0;
}
