/* tests/unit/test_bus_webhook.c: the webhook backend against a small HTTP
 * receiver on a thread of this test (127.0.0.1, an ephemeral port) that
 * checks every signature the way docs/events.md tells receivers to:
 * delivery and headers, non-2xx answers, a receiver that is down and then
 * up (nothing lost, in order, ids unique), no answer in time, redirects not
 * followed, and messages that never show a URL's credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "bus/bus_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define SECRET "whsec-test-5f0c1e2d3c4b5a69"
enum { POSTS_MAX = 64, WAIT_MS = 10000 };

struct post {
	char *body;
	char id[BUS_ID_MAX];
	char event[80];
	char content_type[64];
	bool signature_ok;
};

struct receiver {
	int fd;
	unsigned port;
	pthread_t thread;
	pthread_mutex_t mu;
	bool stop;
	int status;          /* what to answer */
	const char *extra;   /* an extra answer header line, or NULL */
	bool stall;          /* read the request, never answer */
	size_t n;
	struct post posts[POSTS_MAX];
};

static bool header(const char *head, const char *name, char *out, size_t outsz)
{
	char key[80];
	str_fmt(key, sizeof key, "\r\n%s: ", name);
	const char *p = strstr(head, key); /* curl writes them in this case */
	if (!p)
		return false;
	p += strlen(key);
	const char *end = strstr(p, "\r\n");
	return end && str_copyn(out, outsz, p, (size_t)(end - p));
}

static bool verify(const char *ts, const char *sig, const char *body, size_t len)
{
	char msg[70000], hex[65], want[80];
	uint8_t mac[CRYPTO_SHA256_LEN];
	int n = snprintf(msg, sizeof msg, "%s.", ts);
	if (n < 0 || (size_t)n + len >= sizeof msg)
		return false;
	memcpy(msg + n, body, len);
	crypto_hmac_sha256(SECRET, strlen(SECRET), msg, (size_t)n + len, mac);
	crypto_hex(mac, sizeof mac, hex);
	str_fmt(want, sizeof want, "sha256=%s", hex);
	long long t = strtoll(ts, NULL, 10);
	return strcmp(want, sig) == 0 && llabs(t - (long long)clock_now()) < 300;
}

static void serve_one(struct receiver *r, int c)
{
	char buf[70000], cl[32] = "0", ts[32] = "", sig[96] = "";
	size_t got = 0;
	char *end = NULL;
	while (!end && got < sizeof buf - 1) {
		ssize_t k = read(c, buf + got, sizeof buf - 1 - got);
		if (k <= 0)
			return;
		got += (size_t)k;
		buf[got] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (!end)
		return;
	end[2] = '\0'; /* keep the last header's \r\n */
	char *body = end + 4;
	header(buf, "Content-Length", cl, sizeof cl);
	size_t len = (size_t)strtoul(cl, NULL, 10);
	size_t have = got - (size_t)(body - buf);
	while (have < len && (size_t)(body - buf) + len < sizeof buf) {
		ssize_t k = read(c, body + have, len - have);
		if (k <= 0)
			return;
		have += (size_t)k;
	}
	body[len] = '\0';
	pthread_mutex_lock(&r->mu);
	bool stall = r->stall;
	int status = r->status;
	const char *extra = r->extra;
	if (r->n < POSTS_MAX && !stall) {
		struct post *p = &r->posts[r->n++];
		p->body = strdup(body);
		header(buf, "X-IFBus-Id", p->id, sizeof p->id);
		header(buf, "X-IFBus-Event", p->event, sizeof p->event);
		header(buf, "Content-Type", p->content_type, sizeof p->content_type);
		header(buf, "X-IFBus-Timestamp", ts, sizeof ts);
		header(buf, "X-IFBus-Signature", sig, sizeof sig);
		p->signature_ok = strncmp(buf, "POST /hook", 10) == 0 && verify(ts, sig, body, len);
	}
	pthread_mutex_unlock(&r->mu);
	if (stall) {
		struct pollfd pfd = {.fd = c, .events = POLLIN};
		poll(&pfd, 1, 3000); /* until the client gives up */
		return;
	}
	char answer[512];
	str_fmt(answer, sizeof answer,
	        "HTTP/1.1 %d Whatever\r\nContent-Length: 14\r\nConnection: close\r\n%s%s"
	        "\r\nreceiver says\n",
	        status, extra ? extra : "", extra ? "\r\n" : "");
	if (write(c, answer, strlen(answer)) < 0)
		return;
}

static void *run(void *arg)
{
	struct receiver *r = arg;
	for (;;) {
		struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
		pthread_mutex_lock(&r->mu);
		bool stop = r->stop;
		pthread_mutex_unlock(&r->mu);
		if (stop)
			break;
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		int c = accept(r->fd, NULL, NULL);
		if (c < 0)
			continue;
		serve_one(r, c);
		close(c);
	}
	return NULL;
}

/* Listen on port (0: any free one). */
static void receiver_start(struct receiver *r, unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t alen = sizeof a;
	int one = 1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(r->fd >= 0);
	setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(r->fd, 16), 0);
	assert_int_equal(getsockname(r->fd, (struct sockaddr *)&a, &alen), 0);
	r->port = ntohs(a.sin_port);
	r->stop = false;
	assert_int_equal(pthread_create(&r->thread, NULL, run, r), 0);
}

static void receiver_stop(struct receiver *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	close(r->fd);
}

static size_t receiver_count(struct receiver *r)
{
	pthread_mutex_lock(&r->mu);
	size_t n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* ---- fixture ----------------------------------------------------------------- */
struct fx {
	char dir[64], db[128], url[160];
	struct store *st;
	struct receiver r;
	struct bus_opts o;
	int charges;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	str_copy(f->dir, sizeof f->dir, "/tmp/bus-webhook-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->db, sizeof f->db, "%s/ledger.db", f->dir);
	if (store_open(f->db, NULL, &f->st, &err) != POS_OK)
		return -1;
	pthread_mutex_init(&f->r.mu, NULL);
	f->r.status = 200;
	receiver_start(&f->r, 0);
	str_fmt(f->url, sizeof f->url, "http://127.0.0.1:%u/hook", f->r.port);
	f->o = (struct bus_opts){.db_path = f->db, .backends = "webhook", .till_id = "till-1",
	                         .webhook_url = f->url, .webhook_secret = SECRET,
	                         .call_timeout_ms = 2000, .backoff_min_ms = 10,
	                         .backoff_max_ms = 50};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char p[200];
	receiver_stop(&f->r);
	for (size_t i = 0; i < f->r.n; i++)
		free(f->r.posts[i].body);
	pthread_mutex_destroy(&f->r.mu);
	store_close(f->st);
	static const char *const files[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm",
	                                    "ledger.db.bus.lock"};
	for (size_t i = 0; i < N_ELEMS(files); i++) {
		str_fmt(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

static void charges(struct fx *f, int n)
{
	struct pos_err err;
	for (int k = 0; k < n; k++) {
		int i = ++f->charges;
		char checkout[40], receipt[16];
		struct store_txn t;
		str_fmt(checkout, sizeof checkout, "ws_CO_%d", i);
		str_fmt(receipt, sizeof receipt, "TCE%07d", i);
		struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = 100 * (100 + i),
		                           .msisdn = "254712345678", .till_id = "till-1",
		                           .shortcode = "174379"};
		assert_int_equal(store_txn_create(f->st, &in, &t, &err), POS_OK);
		struct store_txn_change ch = {.to = TXN_SENT};
		assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
		ch = (struct store_txn_change){.to = TXN_AWAITING, .set = {.checkout_request_id = checkout}};
		assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
		ch = (struct store_txn_change){.to = TXN_COMPLETED,
		                               .set = {.receipt = receipt, .result_code = "0"}};
		assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
	}
}

/* Every post: signed right, headers match the body, in order, ids unique. */
static void check_posts(struct receiver *r, size_t from, size_t n)
{
	assert_int_equal(receiver_count(r), from + n);
	int64_t last = 0;
	for (size_t i = from; i < from + n; i++) {
		const struct post *p = &r->posts[i];
		if (!p->signature_ok)
			fail_msg("post %zu: the signature does not verify", i);
		assert_string_equal(p->content_type, "application/json");
		cJSON *o = cJSON_Parse(p->body);
		assert_non_null(o);
		const char *id = cJSON_GetObjectItemCaseSensitive(o, "id")->valuestring;
		assert_string_equal(p->id, id);
		assert_string_equal(p->event, cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring);
		int64_t seq = strtoll(strchr(id, ':') + 1, NULL, 10);
		assert_true(seq > last);
		last = seq;
		cJSON_Delete(o);
	}
}

static void test_delivers_signed_events(void **state)
{
	struct fx *f = *state;
	struct bus_deliver_result res;
	struct pos_err err;
	charges(f, 3);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
	assert_int_equal(res.delivered, 6);
	check_posts(&f->r, 0, 6);
	assert_string_equal(f->r.posts[0].event, "mpesa.stk_push.initiated");
	assert_string_equal(f->r.posts[1].event, "mpesa.stk_push.success");
	assert_null(strstr(f->r.posts[0].body, SECRET)); /* the key never travels */
	/* Nothing twice. */
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
	assert_int_equal(res.delivered, 0);
	assert_int_equal(receiver_count(&f->r), 6);
}

static void test_non_2xx_is_a_failure(void **state)
{
	struct fx *f = *state;
	static const struct {
		int status;
		const char *extra, *says, *hint;
	} cases[] = {
		{500, NULL, "answered HTTP 500: receiver says", "must answer 2xx"},
		{401, NULL, "answered HTTP 401", "webhook_secret"},
		{302, "Location: http://127.0.0.1:9/elsewhere", "answered HTTP 302", "2xx"},
		{404, NULL, "answered HTTP 404", "2xx"},
	};
	struct pos_err err;
	struct bus_deliver_result res;
	charges(f, 1);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		pthread_mutex_lock(&f->r.mu);
		f->r.status = cases[i].status;
		f->r.extra = cases[i].extra;
		pthread_mutex_unlock(&f->r.mu);
		pos_err_clear(&err);
		assert_int_equal(bus_deliver_pending(&f->o, 300, &res, &err), POS_E_TIMEOUT);
		assert_int_equal(res.pending, 2);
		assert_int_equal(res.delivered, 0);
		if (!strstr(err.msg, cases[i].says))
			fail_msg("HTTP %d: \"%s\" lacks \"%s\"", cases[i].status, err.msg, cases[i].says);
		struct bus_status s;
		assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
		assert_non_null(strstr(s.backend[0].last_error, cases[i].says));
	}
	size_t tried = receiver_count(&f->r);
	assert_true(tried >= N_ELEMS(cases)); /* each answered, none counted */
	pthread_mutex_lock(&f->r.mu);
	f->r.status = 204;
	f->r.extra = NULL;
	pthread_mutex_unlock(&f->r.mu);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
	assert_int_equal(res.delivered, 2);
	check_posts(&f->r, tried, 2);
}

static void test_receiver_down_then_up_loses_nothing(void **state)
{
	struct fx *f = *state;
	struct bus_deliver_result res;
	struct pos_err err;
	struct bus_dispatcher *d = NULL;
	unsigned port = f->r.port;
	receiver_stop(&f->r); /* nobody listens on the URL's port now */
	charges(f, 2);
	pos_err_clear(&err);
	assert_int_equal(bus_deliver_pending(&f->o, 100, &res, &err), POS_E_TIMEOUT);
	assert_int_equal(res.pending, 4);
	char origin[64];
	str_fmt(origin, sizeof origin, "posting to http://127.0.0.1:%u", port);
	if (!strstr(err.msg, origin))
		fail_msg("\"%s\" does not say \"%s\"", err.msg, origin);

	/* A dispatcher retries with backoff while more events arrive... */
	f->o.poll_ms = 20;
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	charges(f, 2);
	bus_dispatcher_kick(d);
	struct bus_status s;
	for (int i = 0; i < WAIT_MS / 5; i++) {
		bus_dispatcher_stats(d, &s);
		if (s.backend[0].failures >= 2)
			break;
		struct timespec ts = {0, 5000000L};
		nanosleep(&ts, NULL);
	}
	assert_true(s.backend[0].failing);
	/* ...and once the receiver is back, every event arrives, in order. */
	receiver_start(&f->r, port);
	for (int i = 0; i < WAIT_MS / 5 && receiver_count(&f->r) < 8; i++) {
		struct timespec ts = {0, 5000000L};
		nanosleep(&ts, NULL);
	}
	bus_dispatcher_stop(d, 1000);
	check_posts(&f->r, 0, 8);
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_int_equal(s.pending, 0);
	assert_false(s.backend[0].failing);
}

static void test_no_answer_in_time(void **state)
{
	struct fx *f = *state;
	struct bus_deliver_result res;
	struct pos_err err;
	f->o.call_timeout_ms = 200;
	pthread_mutex_lock(&f->r.mu);
	f->r.stall = true;
	pthread_mutex_unlock(&f->r.mu);
	charges(f, 1);
	pos_err_clear(&err);
	assert_int_equal(bus_deliver_pending(&f->o, 300, &res, &err), POS_E_TIMEOUT);
	assert_int_equal(res.pending, 2);
	struct bus_status s;
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_non_null(strstr(s.backend[0].last_error, "posting to http://127.0.0.1:"));
}

static void test_messages_hide_url_credentials(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct bus_deliver_result res;
	char url[200];
	str_fmt(url, sizeof url, "http://alice:pw-Zq81x@127.0.0.1:%u/hook?token=tk-77aa", f->r.port);
	f->o.webhook_url = url;
	pthread_mutex_lock(&f->r.mu);
	f->r.status = 500;
	pthread_mutex_unlock(&f->r.mu);
	charges(f, 1);
	assert_int_equal(bus_deliver_pending(&f->o, 300, &res, &err), POS_E_TIMEOUT);
	assert_null(strstr(err.msg, "pw-Zq81x"));
	assert_null(strstr(err.msg, "tk-77aa"));
	assert_null(strstr(err.msg, "alice"));
	char want[64];
	str_fmt(want, sizeof want, "http://127.0.0.1:%u answered HTTP 500", f->r.port);
	assert_non_null(strstr(err.msg, want));
}

static void test_open_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *url, *secret, *field;
	} cases[] = {
		{"", SECRET, "[bus] webhook_url"},
		{NULL, SECRET, "[bus] webhook_url"},
		{"http://127.0.0.1:9/x", "", "[bus] webhook_secret"},
		{"http://127.0.0.1:9/x", NULL, "[bus] webhook_secret"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct bus_opts o = {.webhook_url = cases[i].url, .webhook_secret = cases[i].secret};
		void *st = NULL;
		struct pos_err err;
		assert_int_equal(bus_webhook_ops.open(&o, NULL, &st, &err), POS_E_CONFIG);
		assert_null(st);
		assert_string_equal(err.field, cases[i].field);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_delivers_signed_events),
		T(test_non_2xx_is_a_failure),
		T(test_receiver_down_then_up_loses_nothing),
		T(test_no_answer_in_time),
		T(test_messages_hide_url_credentials),
		cmocka_unit_test(test_open_refusals),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
