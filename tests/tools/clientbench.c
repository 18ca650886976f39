/*
 * tests/tools/clientbench.c: STK pushes through the Daraja client
 * (daraja/client.h) against daraja-sim, for bench/.
 *
 *   clientbench URL SECONDS INFLIGHT [FIRST_PHONE]
 *
 * Gets a token first (so every push uses the cached one), then for SECONDS
 * keeps INFLIGHT pushes outstanding on one event loop (daraja_poll +
 * daraja_perform, as app/loop.c drives it), each to a new phone number (the
 * simulator refuses a second push to a phone whose prompt is open:
 * 2547 + 8 digits counting up from FIRST_PHONE, default 10000000). With
 * INFLIGHT 1 this is the blocking wrapper's path, one push after another.
 *
 * Prints one line of JSON: pushes completed, how many were accepted (class
 * ok), pushes per second, p50/p99/max latency in ms, and this process's own
 * CPU time (user + system) per push in microseconds: the client's cost,
 * with the simulator's in another process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "base/str.h"
#include "daraja/client.h"

enum { INFLIGHT_MAX = 256, SAMPLES_MAX = 2000000 };

#define PASSKEY "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

struct bench {
	struct daraja *d;
	unsigned long long next_phone;
	double started[INFLIGHT_MAX];
	double *lat;
	size_t n_lat, ok, failed;
	unsigned outstanding;
	char first_error[POS_ERR_MSG_MAX + 2 * DARAJA_CODE_MAX];
};

struct slot {
	struct bench *b;
	unsigned i;
};

static void done(void *user, struct daraja_result *res);

static int start(struct bench *b, struct slot *s)
{
	char phone[16];
	/* 2547 + 8 digits: a new subscriber each time. */
	snprintf(phone, sizeof phone, "2547%08llu", b->next_phone++ % 100000000ULL);
	struct daraja_stk_push_req rq = {.phone = phone, .amount = 100, .account_ref = "BENCH",
	                                 .description = "Payment",
	                                 .callback_url = "http://127.0.0.1:9/stk"};
	struct pos_err e;
	b->started[s->i] = now_ms();
	if (daraja_stk_push(b->d, &rq, done, s, NULL, &e) != POS_OK) {
		fprintf(stderr, "clientbench: the push was refused before sending: %s: %s\n",
		        e.field, e.msg);
		return -1;
	}
	b->outstanding++;
	return 0;
}

static bool g_stop;

static void done(void *user, struct daraja_result *res)
{
	struct slot *s = user;
	struct bench *b = s->b;
	b->outstanding--;
	if (b->n_lat < SAMPLES_MAX)
		b->lat[b->n_lat++] = now_ms() - b->started[s->i];
	if (res->cls == DARAJA_OK) {
		b->ok++;
	} else {
		if (!b->failed)
			str_fmt(b->first_error, sizeof b->first_error, "%s %s: %s",
			         daraja_class_name(res->cls), res->code, res->err.msg);
		b->failed++;
	}
	if (!g_stop)
		start(b, s);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t k = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
	return v[k < n ? k : n - 1];
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: clientbench URL SECONDS INFLIGHT [FIRST_PHONE]\n");
		return 64;
	}
	uint64_t secs, inflight, first_phone = 10000000;
	if (parse_u64_str(argv[2], 3600, &secs) != POS_OK ||
	    parse_u64_str(argv[3], INFLIGHT_MAX, &inflight) != POS_OK || inflight < 1 ||
	    (argc == 5 && parse_u64_str(argv[4], 99999999, &first_phone) != POS_OK)) {
		fprintf(stderr, "clientbench: SECONDS is 0..3600, INFLIGHT 1..%d and FIRST_PHONE "
		        "0..99999999\n", INFLIGHT_MAX);
		return 64;
	}
	struct daraja_opts o = {.base_url = argv[1],
	                        .consumer_key = "sim-consumer-key",
	                        .consumer_secret = "sim-consumer-secret",
	                        .business_shortcode = "174379",
	                        .passkey = PASSKEY,
	                        .timeout_s = 10,
	                        .max_retries = 0,
	                        .breaker_failures = 1000000};
	struct pos_err e;
	struct bench b = {.next_phone = first_phone};
	b.d = daraja_new(&o, &e);
	b.lat = malloc(sizeof *b.lat * SAMPLES_MAX);
	if (!b.d || !b.lat) {
		fprintf(stderr, "clientbench: the client could not be made: %s: %s\n", e.field,
		        e.msg);
		return 1;
	}
	struct daraja_result tok;
	if (daraja_oauth_wait(b.d, &tok) != DARAJA_OK) {
		fprintf(stderr, "clientbench: no token from %s: %s\n", argv[1], tok.err.msg);
		return 1;
	}
	daraja_result_release(&tok);

	struct slot slots[INFLIGHT_MAX];
	double t0 = now_ms(), c0 = cpu_us(), end = t0 + (double)secs * 1000.0;
	for (unsigned i = 0; i < inflight; i++) {
		slots[i] = (struct slot){.b = &b, .i = i};
		if (start(&b, &slots[i]) != 0)
			return 1;
	}
	while (b.outstanding > 0) {
		if (!g_stop && now_ms() >= end)
			g_stop = true;
		daraja_poll(b.d, NULL, 0, 50);
		daraja_perform(b.d);
	}
	double elapsed = now_ms() - t0, cpu = cpu_us() - c0;
	qsort(b.lat, b.n_lat, sizeof *b.lat, cmp_double);
	size_t n = b.ok + b.failed;
	printf("{\"inflight\":%u,\"pushes\":%zu,\"accepted\":%zu,\"failed\":%zu,"
	       "\"per_second\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
	       "\"cpu_us_per_push\":%.1f,\"first_error\":\"%s\"}\n",
	       (unsigned)inflight, n, b.ok, b.failed, n ? (double)n / (elapsed / 1000.0) : 0.0,
	       pct(b.lat, b.n_lat, 50), pct(b.lat, b.n_lat, 99),
	       b.n_lat ? b.lat[b.n_lat - 1] : 0.0, n ? cpu / (double)n : 0.0, b.first_error);
	free(b.lat);
	daraja_free(b.d);
	return b.failed ? 1 : 0;
}
