/* tests/integration/test_client_sim.c: the real Daraja client (daraja/
 * client.h) against daraja-sim on loopback.
 *
 * Token caching (one OAuth call for many API calls), an expired token
 * refreshed once, STK push + query to the end for every scenario number,
 * B2C v3 with a SecurityCredential the simulator decrypts (and a wrong
 * password ending 2001), balance, status, reversal, C2B register and
 * simulate, QR, the Pull walk, and the faults: a push answered 500 AFTER it
 * was processed is UNKNOWN and never resent; throttling before processing is
 * retried and succeeds; the breaker opens after N unreachable calls, lets one
 * probe through, and closes when Daraja is back.
 *
 * Every simulator this starts listens on 127.0.0.1 (port 0 unless the test
 * needs a given one) and is stopped at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "daraja/client.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char PASSKEY[] =
	"bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919";

/* ---- processes ------------------------------------------------------------------------ */

struct sim {
	pid_t pid;
	char url[64];
	char log[96];
};

static char g_dir[64];
static int g_other_tokens; /* OAuth calls by clients other than the fixture's */
static char g_log[160];
static char g_cert[128];

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Start BUILD/daraja-sim --listen ADDR --admin ... and wait for its
 * "listening on http://..." line. */
static void sim_start(struct sim *s, const char *listen, const char *const extra[])
{
	const char *build = getenv("BUILD");
	char prog[256];
	str_fmt(prog, sizeof prog, "%s/daraja-sim", build && *build ? build : "build");
	static unsigned n;
	str_fmt(s->log, sizeof s->log, "%s/sim%u.log", g_dir, n++);
	const char *argv[32] = {prog, "--listen", listen, "--admin", "--seed", "7",
	                        "--callback-delay-ms", "100", "--prompt-ttl-ms", "1500",
	                        "--log-level", "warn"};
	size_t argc = 12;
	for (size_t i = 0; extra && extra[i] && argc + 1 < N_ELEMS(argv); i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;

	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	s->url[0] = '\0';
	for (int i = 0; i < 400 && !s->url[0]; i++) {
		char buf[4096] = "";
		FILE *f = fopen(s->log, "r");
		if (f) {
			size_t len = fread(buf, 1, sizeof buf - 1, f);
			buf[len] = '\0';
			fclose(f);
		}
		const char *p = strstr(buf, "listening on http://");
		if (p) {
			p += strlen("listening on ");
			size_t k = strcspn(p, " \n\r(");
			if (p[k] != '\0' && k < sizeof s->url) {
				memcpy(s->url, p, k);
				s->url[k] = '\0';
			}
		}
		if (!s->url[0]) {
			int status;
			if (waitpid(s->pid, &status, WNOHANG) == s->pid)
				fail_msg("daraja-sim exited at start; log:\n%s", buf);
			sleep_ms(25);
		}
	}
	if (!s->url[0])
		fail_msg("daraja-sim printed no 'listening on' line in 10 s (%s)", s->log);
}

static void sim_stop(struct sim *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			s->pid = 0;
			return;
		}
		sleep_ms(20);
	}
	fprintf(stderr, "# daraja-sim did not stop within 1 s of SIGTERM: killed\n");
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* ---- plain HTTP to the admin API ----------------------------------------------------------- */

static size_t collect(char *p, size_t size, size_t n, void *user)
{
	return buf_append(user, p, size * n) == POS_OK ? size * n : 0;
}

static long http(const char *method, const char *url, const char *body, struct buf *out)
{
	CURL *c = curl_easy_init();
	assert_non_null(c);
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	long status = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static cJSON *admin_get(const struct sim *s, const char *path_and_query)
{
	char url[512];
	struct buf b;
	buf_init(&b, 8 * 1024 * 1024);
	str_fmt(url, sizeof url, "%s%s", s->url, path_and_query);
	long st = http("GET", url, NULL, &b);
	if (st != 200)
		fail_msg("GET %s: HTTP %ld %s", path_and_query, st, b.data ? b.data : "");
	cJSON *j = cJSON_Parse(b.data);
	buf_release(&b);
	assert_non_null(j);
	return j;
}

static void admin_post(const struct sim *s, const char *path, const char *body)
{
	char url[512];
	struct buf b;
	buf_init(&b, 1024 * 1024);
	str_fmt(url, sizeof url, "%s%s", s->url, path);
	long st = http("POST", url, body, &b);
	if (st != 200)
		fail_msg("POST %s %s: HTTP %ld %s", path, body, st, b.data ? b.data : "");
	buf_release(&b);
}

/* Requests the simulator logged for a path (newest first or not: we count). */
static cJSON *requests_for(const struct sim *s, const char *path)
{
	char q[256];
	str_fmt(q, sizeof q, "/__sim/requests?path=%s&limit=10000", path);
	return admin_get(s, q);
}

static int count_requests(const struct sim *s, const char *path)
{
	cJSON *j = requests_for(s, path);
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(j, "requests"));
	cJSON_Delete(j);
	return n;
}

/* How many logged requests to path carry this error code. */
static int count_with_code(const struct sim *s, const char *path, const char *code)
{
	cJSON *j = requests_for(s, path);
	int n = 0;
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(j, "requests"))
	{
		const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(r, "error_code"));
		if (c && strcmp(c, code) == 0)
			n++;
	}
	cJSON_Delete(j);
	return n;
}

/* ---- the client ------------------------------------------------------------------------------- */

/* A clock the test can move (backoff timers still run in real time), and
 * hooks that record what happened. */
struct ctl {
	int64_t offset;
	unsigned sends[DARAJA_API_COUNT];
	void (*on_send)(struct ctl *, enum daraja_api);
	const struct sim *sim;
	enum daraja_breaker_state from[16], to[16];
	size_t transitions;
};

static int64_t ctl_now(void *user)
{
	struct ctl *c = user;
	return clock_mono_ms() + c->offset;
}

static enum pos_status ctl_before_send(void *user, enum daraja_api api, struct pos_err *err)
{
	struct ctl *c = user;
	(void)err;
	c->sends[api]++;
	if (c->on_send)
		c->on_send(c, api);
	return POS_OK;
}

static void ctl_breaker(void *user, enum daraja_breaker_state from,
                        enum daraja_breaker_state to)
{
	struct ctl *c = user;
	if (c->transitions < N_ELEMS(c->from)) {
		c->from[c->transitions] = from;
		c->to[c->transitions] = to;
	}
	c->transitions++;
}

static struct daraja *client_new(const char *url, struct ctl *ctl, const char *initiator_pw,
                                 unsigned breaker_failures)
{
	struct daraja_opts o = {
		.base_url = url,
		.consumer_key = "sim-consumer-key",
		.consumer_secret = "sim-consumer-secret",
		.business_shortcode = "174379",
		.passkey = PASSKEY,
		.b2c_shortcode = "600000",
		.initiator_name = "testapi",
		.initiator_password = initiator_pw ? initiator_pw : "Safaricom999!*!",
		.cert_path = g_cert,
		.timeout_s = 5,
		.connect_timeout_s = 2,
		.max_retries = 3,
		.backoff_base_ms = 40,
		.backoff_cap_ms = 200,
		.breaker_failures = breaker_failures,
		.breaker_open_s = 1,
		.before_send = ctl_before_send,
		.on_breaker = ctl_breaker,
		.hook_user = ctl,
		.now_ms = ctl_now,
		.seam_user = ctl,
	};
	struct pos_err e;
	struct daraja *d = daraja_new(&o, &e);
	if (!d)
		fail_msg("daraja_new: %s: %s", e.field, e.msg);
	return d;
}

static void expect(const struct daraja_result *r, enum daraja_class want, const char *what)
{
	if (r->cls != want)
		fail_msg("%s: %s (code %s, HTTP %ld, %u attempts): %s: %s; want %s", what,
		         daraja_class_name(r->cls), r->code, r->http_status, r->attempts,
		         r->err.field, r->err.msg, daraja_class_name(want));
}

/* ---- the shared fixture -------------------------------------------------------------------------- */

struct fx {
	struct sim sim;
	struct ctl ctl;
	struct daraja *d;
	char receipt[32];            /* a paid STK receipt, for status/reversal */
	char originator[64];         /* a B2C OriginatorConversationID */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	str_fmt(g_dir, sizeof g_dir, "/tmp/client-sim.XXXXXX");
	assert_non_null(mkdtemp(g_dir));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* The client logs at debug into the scratch folder (CLIENT_SIM_LOG=FILE
	 * keeps it elsewhere); the last test searches it for secrets. */
	const char *logf = getenv("CLIENT_SIM_LOG");
	if (logf && *logf)
		str_copy(g_log, sizeof g_log, logf);
	else
		str_fmt(g_log, sizeof g_log, "%s/client.log", g_dir);
	assert_int_equal(log_open(g_log, LOG_DEBUG, NULL), POS_OK);
	static const char *const extra[] = {"--pull-page-size", "2", NULL};
	sim_start(&f->sim, "127.0.0.1:0", extra);

	/* The certificate the simulator decrypts with, as a file. */
	char url[256];
	struct buf b;
	buf_init(&b, 1024 * 1024);
	str_fmt(url, sizeof url, "%s/__sim/cert", f->sim.url);
	assert_int_equal(http("GET", url, NULL, &b), 200);
	str_fmt(g_cert, sizeof g_cert, "%s/sim-cert.pem", g_dir);
	FILE *fp = fopen(g_cert, "w");
	assert_non_null(fp);
	fwrite(b.data, 1, b.len, fp);
	fclose(fp);
	buf_release(&b);

	f->ctl.sim = &f->sim;
	f->d = client_new(f->sim.url, &f->ctl, NULL, 20);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	daraja_free(f->d);
	sim_stop(&f->sim);
	log_close();
	char cmd[128];
	str_fmt(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", g_dir);
	curl_global_cleanup();
	free(f);
	return 0;
}

/* ---- STK ------------------------------------------------------------------------------------------ */

static void push(struct fx *f, const char *phone, int64_t amount, struct daraja_result *r)
{
	struct daraja_stk_push_req req = {
		.phone = phone, .amount = amount, .account_ref = "INV-1",
		.description = "Test sale", .callback_url = "http://127.0.0.1:9/cb/stk/1",
	};
	daraja_stk_push_wait(f->d, &req, r);
}

/* Query until the customer is done (the simulator answers PENDING first). */
static void query_until_final(struct fx *f, const char *checkout, struct daraja_result *r)
{
	struct daraja_stk_query_req q = {.checkout_request_id = checkout};
	for (int i = 0; i < 60; i++) {
		daraja_stk_query_wait(f->d, &q, r);
		if (r->cls != DARAJA_PENDING)
			return;
		assert_true(r->as.stk_query.pending);
		daraja_result_release(r);
		sleep_ms(100);
	}
	fail_msg("STK query still pending after 6 s");
}

static void test_stk_push_and_query_paid(void **state)
{
	struct fx *f = *state;
	struct daraja_result r;
	push(f, "0708374149", 10, &r);
	expect(&r, DARAJA_OK, "push 254708374149");
	assert_string_equal(r.code, "0");
	assert_int_equal(r.attempts, 1);
	assert_true(str_starts_with(r.as.stk_push.checkout_request_id, "ws_CO_"));
	char checkout[80];
	str_copy(checkout, sizeof checkout, r.as.stk_push.checkout_request_id);
	daraja_result_release(&r);

	query_until_final(f, checkout, &r);
	expect(&r, DARAJA_OK, "query");
	assert_string_equal(r.as.stk_query.result_code.text, "0");
	assert_string_equal(r.as.stk_query.checkout_request_id, checkout);
	daraja_result_release(&r);

	/* The receipt, for the status and reversal tests. */
	cJSON *l = admin_get(&f->sim, "/__sim/ledger");
	const cJSON *t;
	cJSON_ArrayForEach(t, cJSON_GetObjectItem(l, "transactions"))
	{
		const char *rc = cJSON_GetStringValue(cJSON_GetObjectItem(t, "receipt"));
		if (rc && !f->receipt[0])
			str_copy(f->receipt, sizeof f->receipt, rc);
	}
	cJSON_Delete(l);
	if (!f->receipt[0])
		fail_msg("no receipt in the simulator's ledger after a paid push");
}

static void test_stk_scenarios(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *phone, *code;
	} rows[] = {
		{"254700000001", "1"},    {"254700001032", "1032"}, {"254700002001", "2001"},
		{"254700001019", "1019"}, {"254700000003", "SFC_IC0003"},
		{"254700001037", "1037"}, {"254111111111", "1"},    {"254712345678", "0"},
	};
	for (size_t i = 0; i < N_ELEMS(rows); i++) {
		struct daraja_result r;
		push(f, rows[i].phone, 20, &r);
		expect(&r, DARAJA_OK, rows[i].phone);
		char checkout[80];
		str_copy(checkout, sizeof checkout, r.as.stk_push.checkout_request_id);
		daraja_result_release(&r);
		query_until_final(f, checkout, &r);
		expect(&r, DARAJA_OK, rows[i].phone);
		if (strcmp(r.as.stk_query.result_code.text, rows[i].code) != 0)
			fail_msg("%s ended %s, want %s", rows[i].phone,
			         r.as.stk_query.result_code.text, rows[i].code);
		daraja_result_release(&r);
	}
}

/* One subscriber, one prompt at a time: the second push is refused (500.001.1001
 * "Unable to lock subscriber") and never retried. */
static void test_stk_lock_refused(void **state)
{
	struct fx *f = *state;
	struct daraja_result a, b;
	push(f, "254700001037", 5, &a); /* never answers: the prompt stays open */
	expect(&a, DARAJA_OK, "first push");
	int before = count_requests(&f->sim, "/mpesa/stkpush/v1/processrequest");
	push(f, "254700001037", 5, &b);
	expect(&b, DARAJA_REFUSED, "second push while the first prompt is open");
	assert_string_equal(b.code, "500.001.1001");
	assert_int_equal(b.attempts, 1);
	assert_non_null(strstr(b.err.msg, "busy with another M-Pesa prompt"));
	assert_int_equal(count_requests(&f->sim, "/mpesa/stkpush/v1/processrequest"), before + 1);
	daraja_result_release(&a);
	daraja_result_release(&b);
	sleep_ms(1600); /* let the prompt expire for later tests */
}

/* ---- initiator APIs ----------------------------------------------------------------------------------- */

static void b2c_req(struct daraja_b2c_req *r, const char *id)
{
	*r = (struct daraja_b2c_req){
		.originator_conversation_id = id,
		.command = FIELDS_B2C_BUSINESS,
		.phone = "0712345678",
		.amount = 150,
		.remarks = "Refund",
		.result_url = "http://127.0.0.1:9/cb/b2c/result/1",
		.timeout_url = "http://127.0.0.1:9/cb/b2c/timeout/1",
	};
}

/* Wait for the simulator to deliver (or try to deliver) a callback that
 * mentions needle; returns its logged entry as text (caller frees). */
static char *callback_with(const struct sim *s, const char *needle)
{
	char q[256];
	str_fmt(q, sizeof q, "/__sim/callbacks?contains=%s&limit=10", needle);
	for (int i = 0; i < 100; i++) {
		cJSON *j = admin_get(s, q);
		const cJSON *list = cJSON_GetObjectItem(j, "callbacks");
		if (cJSON_GetArraySize(list) > 0) {
			char *text = cJSON_PrintUnformatted(cJSON_GetArrayItem(list, 0));
			cJSON_Delete(j);
			return text;
		}
		cJSON_Delete(j);
		sleep_ms(50);
	}
	fail_msg("no callback mentioning %s within 5 s", needle);
	return NULL;
}

static void test_b2c_v3_credential(void **state)
{
	struct fx *f = *state;
	struct daraja_b2c_req req;
	struct daraja_result r;
	str_fmt(f->originator, sizeof f->originator, "pos-b2c-%ld", (long)getpid());
	b2c_req(&req, f->originator);
	daraja_b2c_wait(f->d, &req, &r);
	expect(&r, DARAJA_OK, "B2C");
	assert_string_equal(r.as.ack.originator_conversation_id, f->originator);
	assert_true(str_starts_with(r.as.ack.conversation_id, "AG_"));
	daraja_result_release(&r);
	char *cb = callback_with(&f->sim, f->originator);
	if (!strstr(cb, "\\\"ResultCode\\\":0") && !strstr(cb, "\"ResultCode\":0"))
		fail_msg("B2C result is not 0: %s", cb);
	free(cb);

	/* The same OriginatorConversationID again: refused, not resent. */
	daraja_b2c_wait(f->d, &req, &r);
	expect(&r, DARAJA_REFUSED, "B2C duplicate id");
	assert_string_equal(r.code, "500.002.1001");
	assert_int_equal(r.err.code, POS_E_DUPLICATE);
	daraja_result_release(&r);

	/* A wrong initiator password is accepted synchronously and fails 2001. */
	struct ctl ctl2 = {0};
	struct daraja *d2 = client_new(f->sim.url, &ctl2, "not-the-password", 20);
	g_other_tokens++; /* this client signs in on its own */
	char id2[64];
	str_fmt(id2, sizeof id2, "pos-b2c-bad-%ld", (long)getpid());
	b2c_req(&req, id2);
	daraja_b2c_wait(d2, &req, &r);
	expect(&r, DARAJA_OK, "B2C with a wrong password (accepted first)");
	daraja_result_release(&r);
	daraja_free(d2);
	cb = callback_with(&f->sim, id2);
	if (!strstr(cb, "2001"))
		fail_msg("B2C with a wrong password did not end 2001: %s", cb);
	free(cb);
}

static void test_balance_status_reversal(void **state)
{
	struct fx *f = *state;
	struct daraja_result r;
	struct daraja_balance_req bal = {
		.result_url = "http://127.0.0.1:9/cb/balance/result/1",
		.timeout_url = "http://127.0.0.1:9/cb/balance/timeout/1",
	};
	daraja_balance_wait(f->d, &bal, &r);
	expect(&r, DARAJA_OK, "balance");
	assert_string_equal(r.as.ack.response_code.text, "0");
	daraja_result_release(&r);

	assert_true(f->receipt[0] != '\0');
	struct daraja_status_req st = {
		.transaction_id = f->receipt,
		.result_url = "http://127.0.0.1:9/cb/status/result/1",
		.timeout_url = "http://127.0.0.1:9/cb/status/timeout/1",
	};
	daraja_txn_status_wait(f->d, &st, &r);
	expect(&r, DARAJA_OK, "status by receipt");
	daraja_result_release(&r);
	if (f->originator[0]) {
		st.transaction_id = NULL;
		st.original_conversation_id = f->originator;
		daraja_txn_status_wait(f->d, &st, &r);
		expect(&r, DARAJA_OK, "status by OriginatorConversationID");
		daraja_result_release(&r);
	}

	struct daraja_reversal_req rev = {
		.transaction_id = f->receipt, .amount = 10, .remarks = "Wrong amount",
		.result_url = "http://127.0.0.1:9/cb/reversal/result/1",
		.timeout_url = "http://127.0.0.1:9/cb/reversal/timeout/1",
	};
	daraja_reversal_wait(f->d, &rev, &r);
	expect(&r, DARAJA_OK, "reversal");
	assert_int_equal(r.attempts, 1);
	daraja_result_release(&r);
}

/* ---- C2B, Pull, QR ---------------------------------------------------------------------------------------- */

static void test_c2b_pull_qr(void **state)
{
	struct fx *f = *state;
	struct daraja_result r;
	struct daraja_c2b_register_req reg = {
		.shortcode = "600000",
		.confirmation_url = "http://127.0.0.1:9/cb/c2b/confirmation",
		.validation_url = "http://127.0.0.1:9/cb/c2b/validation",
	};
	daraja_c2b_register_wait(f->d, &reg, &r);
	expect(&r, DARAJA_OK, "C2B register");
	daraja_result_release(&r);
	daraja_c2b_register_wait(f->d, &reg, &r);
	expect(&r, DARAJA_REFUSED, "C2B register again");
	assert_int_equal(r.err.code, POS_E_DUPLICATE);
	assert_int_equal(r.attempts, 1);
	daraja_result_release(&r);

	struct daraja_pull_register_req preg = {
		.shortcode = "600000", .nominated_number = "0708374149",
		.callback_url = "http://127.0.0.1:9/cb/pull",
	};
	daraja_pull_register_wait(f->d, &preg, &r);
	expect(&r, DARAJA_OK, "Pull register");
	daraja_result_release(&r);

	/* Five payments, so the Pull walk (2 rows a page) takes several pages. */
	time_t start = clock_now() - 60;
	for (int i = 0; i < 5; i++) {
		char ref[16];
		str_fmt(ref, sizeof ref, "PULL-%d", i);
		struct daraja_c2b_simulate_req sim = {
			.shortcode = "600000", .amount = 100 + i, .phone = "0708374149",
			.bill_ref = ref,
		};
		daraja_c2b_simulate_wait(f->d, &sim, &r);
		expect(&r, DARAJA_OK, "C2B simulate");
		daraja_result_release(&r);
	}
	/* The payments complete after the callback delay. */
	struct daraja_pull_query_req q = {.shortcode = "600000", .start = start,
	                                  .end = clock_now() + 60};
	for (int i = 0; i < 50; i++) {
		sleep_ms(100);
		daraja_pull_query_wait(f->d, &q, &r);
		expect(&r, DARAJA_OK, "Pull query");
		if (r.as.pull.n_records >= 5)
			break;
		daraja_result_release(&r);
	}
	assert_false(r.as.pull.none);
	assert_false(r.as.pull.truncated);
	if (r.as.pull.n_records != 5)
		fail_msg("Pull walk found %zu records in %u pages, want 5",
		         r.as.pull.n_records, r.as.pull.pages);
	assert_true(r.as.pull.pages >= 3);
	for (size_t i = 0; i < r.as.pull.n_records; i++)
		for (size_t k = i + 1; k < r.as.pull.n_records; k++)
			assert_string_not_equal(r.as.pull.records[i].transaction_id,
			                        r.as.pull.records[k].transaction_id);
	daraja_result_release(&r);

	/* An empty window: 1001, reported as "none", not as zero imported. */
	q.start = 1000000000;
	q.end = 1000003600;
	daraja_pull_query_wait(f->d, &q, &r);
	expect(&r, DARAJA_OK, "Pull query of an empty window");
	assert_true(r.as.pull.none);
	assert_int_equal(r.as.pull.n_records, 0);
	daraja_result_release(&r);

	struct daraja_qr_req qr = {.merchant_name = "Acme Ltd", .ref_no = "INV-2041",
	                           .amount = 500, .trx_code = "BG", .cpi = "373132"};
	daraja_qr_wait(f->d, &qr, &r);
	expect(&r, DARAJA_OK, "QR");
	assert_non_null(r.as.qr.qr_code);
	assert_true(str_starts_with(r.as.qr.qr_code, "iVBOR")); /* a PNG */
	daraja_result_release(&r);
}

/* Every call above shared one token. */
static void test_token_fetched_once(void **state)
{
	struct fx *f = *state;
	assert_int_equal(count_requests(&f->sim, "/oauth/v1/generate"), 1 + g_other_tokens);
	assert_int_equal(f->ctl.sends[DARAJA_API_OAUTH], 1);
	assert_true(f->ctl.sends[DARAJA_API_STK_PUSH] > 5);
}

/* ---- faults ---------------------------------------------------------------------------------------------------- */

/* Daraja processes the push, then answers 500: UNKNOWN, and exactly one push. */
static void test_error_after_processing_not_resent(void **state)
{
	struct fx *f = *state;
	const char *path = "/mpesa/stkpush/v1/processrequest";
	int before = count_requests(&f->sim, path);
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"error_500\":1}}");
	struct daraja_result r;
	push(f, "254712000001", 30, &r);
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"error_500\":0}}");
	expect(&r, DARAJA_UNKNOWN, "push answered 500 after processing");
	assert_int_equal(r.attempts, 1);
	assert_string_equal(r.code, "500.003.1001");
	assert_non_null(strstr(r.err.msg, "may or may not"));
	daraja_result_release(&r);
	/* Give any (wrong) resend time to happen: still exactly one. */
	for (int i = 0; i < 10; i++) {
		daraja_poll(f->d, NULL, 0, 50);
		daraja_perform(f->d);
	}
	assert_int_equal(count_requests(&f->sim, path), before + 1);

	/* The same for a connection reset after processing, and for B2C. */
	before = count_requests(&f->sim, path);
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"reset\":1}}");
	push(f, "254712000002", 30, &r);
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"reset\":0}}");
	expect(&r, DARAJA_UNKNOWN, "push reset after processing");
	assert_int_equal(r.attempts, 1);
	daraja_result_release(&r);
	assert_int_equal(count_requests(&f->sim, path), before + 1);

	const char *b2c_path = "/mpesa/b2c/v3/paymentrequest";
	before = count_requests(&f->sim, b2c_path);
	admin_post(&f->sim, "/__sim/faults", "{\"b2c\":{\"error_500\":1}}");
	struct daraja_b2c_req req;
	char id[64];
	str_fmt(id, sizeof id, "pos-b2c-500-%ld", (long)getpid());
	b2c_req(&req, id);
	daraja_b2c_wait(f->d, &req, &r);
	admin_post(&f->sim, "/__sim/faults", "{\"b2c\":{\"error_500\":0}}");
	expect(&r, DARAJA_UNKNOWN, "B2C answered 500 after processing");
	assert_int_equal(r.attempts, 1);
	daraja_result_release(&r);
	assert_int_equal(count_requests(&f->sim, b2c_path), before + 1);

	/* A query in the same situation is safe to repeat: it is resent. */
	admin_post(&f->sim, "/__sim/faults", "{\"balance\":{\"error_500\":1}}");
	struct daraja_balance_req bal = {
		.result_url = "http://127.0.0.1:9/cb/balance/result/2",
		.timeout_url = "http://127.0.0.1:9/cb/balance/timeout/2",
	};
	daraja_balance_wait(f->d, &bal, &r);
	admin_post(&f->sim, "/__sim/faults", "{\"balance\":{\"error_500\":0}}");
	expect(&r, DARAJA_UNKNOWN, "balance failing every time");
	assert_int_equal(r.attempts, 4); /* 1 + max_retries */
	daraja_result_release(&r);
}

static void clear_spike_on_second_push(struct ctl *c, enum daraja_api api)
{
	if (api == DARAJA_API_STK_PUSH && c->sends[api] == 2)
		admin_post(c->sim, "/__sim/faults", "{\"stk\":{\"spike_arrest\":0}}");
}

/* Spike arrest is refused before processing: resent with backoff, succeeds. */
static void test_throttled_retried(void **state)
{
	struct fx *f = *state;
	const char *path = "/mpesa/stkpush/v1/processrequest";
	int before = count_requests(&f->sim, path);
	int arrested = count_with_code(&f->sim, path, "500.003.02");
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"spike_arrest\":1}}");
	memset(f->ctl.sends, 0, sizeof f->ctl.sends);
	f->ctl.on_send = clear_spike_on_second_push;
	struct daraja_result r;
	push(f, "254712000003", 40, &r);
	f->ctl.on_send = NULL;
	expect(&r, DARAJA_OK, "push after a spike arrest");
	assert_int_equal(r.attempts, 2);
	daraja_result_release(&r);
	assert_int_equal(count_requests(&f->sim, path), before + 2);
	assert_int_equal(count_with_code(&f->sim, path, "500.003.02"), arrested + 1);

	/* Throttled every time: refused after 1 + max_retries sends, nothing done. */
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"spike_arrest\":1}}");
	push(f, "254712000004", 40, &r);
	admin_post(&f->sim, "/__sim/faults", "{\"stk\":{\"spike_arrest\":0}}");
	expect(&r, DARAJA_REFUSED, "push throttled every time");
	assert_int_equal(r.attempts, 4);
	assert_int_equal(r.err.code, POS_E_THROTTLED);
	daraja_result_release(&r);
}

/* An expired token is refused (404.001.03); the client fetches a new one
 * once and resends. The client's clock is held back by the time the test
 * sleeps, so it still believes its token fresh when the simulator has
 * expired it. */
static void test_expired_token_refreshed_once(void **state)
{
	(void)state;
	struct sim s2 = {0};
	static const char *const extra[] = {"--token-ttl", "2", NULL};
	sim_start(&s2, "127.0.0.1:0", extra);
	struct ctl ctl = {0};
	struct daraja *d = client_new(s2.url, &ctl, NULL, 3);
	struct daraja_result r;
	daraja_oauth_wait(d, &r);
	expect(&r, DARAJA_OK, "first token");
	daraja_result_release(&r);
	sleep_ms(2200); /* the simulator's token is now expired ... */
	ctl.offset -= 2200; /* ... the client's clock says it is not */

	struct daraja_stk_push_req req = {
		.phone = "0708374149", .amount = 10, .account_ref = "INV-9",
		.description = "Token test", .callback_url = "http://127.0.0.1:9/cb/stk/9",
	};
	daraja_stk_push_wait(d, &req, &r);
	expect(&r, DARAJA_OK, "push with an expired token");
	assert_int_equal(r.attempts, 2);
	daraja_result_release(&r);
	assert_int_equal(count_requests(&s2, "/oauth/v1/generate"), 2);
	assert_int_equal(count_requests(&s2, "/mpesa/stkpush/v1/processrequest"), 2);
	assert_int_equal(count_with_code(&s2, "/mpesa/stkpush/v1/processrequest", "404.001.03"), 1);

	/* Several requests waiting for one refresh: one OAuth call serves all. */
	admin_post(&s2, "/__sim/tokens/expire", "{}");
	ctl.offset -= 10000; /* the client still trusts its token */
	struct daraja_balance_req bal = {
		.result_url = "http://127.0.0.1:9/cb/balance/result/3",
		.timeout_url = "http://127.0.0.1:9/cb/balance/timeout/3",
	};
	struct daraja_result rs[4];
	unsigned done = 0;
	for (size_t i = 0; i < N_ELEMS(rs); i++) {
		struct pos_err e;
		assert_int_equal(daraja_balance(d, &bal, NULL, NULL, NULL, &e), POS_OK);
	}
	(void)rs;
	while (daraja_outstanding(d) > 0 && done++ < 200) {
		daraja_poll(d, NULL, 0, 50);
		daraja_perform(d);
	}
	assert_int_equal(daraja_outstanding(d), 0);
	/* Four requests refused with the expired token, one refresh, four resent. */
	assert_int_equal(count_requests(&s2, "/oauth/v1/generate"), 3);
	assert_int_equal(count_requests(&s2, "/mpesa/accountbalance/v1/query"), 8);
	daraja_free(d);
	sim_stop(&s2);
}

/* A port nothing listens on (bound, then closed). */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_breaker_unreachable(void **state)
{
	(void)state;
	int port = closed_port();
	char url[64], listen[32];
	str_fmt(url, sizeof url, "http://127.0.0.1:%d", port);
	str_fmt(listen, sizeof listen, "127.0.0.1:%d", port);
	struct ctl ctl = {0};
	struct daraja *d = client_new(url, &ctl, NULL, 3);
	struct daraja_stk_query_req q = {.checkout_request_id = "ws_CO_1"};
	struct daraja_result r;

	/* Each call: the token fetch fails 1 + 3 times (connection refused).
	 * The third consecutive failure opens the breaker. */
	daraja_stk_query_wait(d, &q, &r);
	expect(&r, DARAJA_BREAKER_OPEN, "first call: refused, retried into the open breaker");
	daraja_result_release(&r);
	assert_int_equal(ctl.sends[DARAJA_API_OAUTH], 3);
	assert_int_equal(daraja_breaker_state(d), DARAJA_CIRCUIT_OPEN);
	assert_int_equal(ctl.transitions, 1);
	assert_int_equal(ctl.to[0], DARAJA_CIRCUIT_OPEN);

	/* While open: refused at once, nothing sent. */
	daraja_stk_query_wait(d, &q, &r);
	expect(&r, DARAJA_BREAKER_OPEN, "call while open");
	assert_int_equal(r.attempts, 0);
	assert_int_equal(r.err.code, POS_E_BREAKER);
	daraja_result_release(&r);
	assert_int_equal(ctl.sends[DARAJA_API_OAUTH], 3);

	/* After the pause: one probe; it fails, so open again. */
	ctl.offset += 1000;
	assert_int_equal(daraja_breaker_state(d), DARAJA_CIRCUIT_HALF_OPEN);
	daraja_stk_query_wait(d, &q, &r);
	assert_true(r.cls == DARAJA_BREAKER_OPEN || r.cls == DARAJA_UNREACHABLE);
	daraja_result_release(&r);
	assert_int_equal(ctl.sends[DARAJA_API_OAUTH], 4);
	assert_int_equal(daraja_breaker_state(d), DARAJA_CIRCUIT_OPEN);

	/* Daraja comes back on that port; after the pause the probe succeeds. */
	struct sim s3 = {0};
	sim_start(&s3, listen, NULL);
	ctl.offset += 1000;
	struct daraja_result ok;
	daraja_oauth_wait(d, &ok);
	expect(&ok, DARAJA_OK, "probe once Daraja is back");
	daraja_result_release(&ok);
	assert_int_equal(daraja_breaker_state(d), DARAJA_CIRCUIT_CLOSED);
	static const enum daraja_breaker_state want_to[] = {
		DARAJA_CIRCUIT_OPEN, DARAJA_CIRCUIT_HALF_OPEN, DARAJA_CIRCUIT_OPEN,
		DARAJA_CIRCUIT_HALF_OPEN, DARAJA_CIRCUIT_CLOSED};
	assert_int_equal(ctl.transitions, N_ELEMS(want_to));
	for (size_t i = 0; i < N_ELEMS(want_to); i++)
		assert_int_equal(ctl.to[i], want_to[i]);
	daraja_free(d);
	sim_stop(&s3);
}

/* Nothing secret reached the log: not the consumer secret, the passkey, an
 * initiator password, an Authorization header, a Password or a
 * SecurityCredential (no long base64 run at all), while the requests were
 * logged. */
static void test_no_secret_in_log(void **state)
{
	(void)state;
	FILE *fp = fopen(g_log, "r");
	assert_non_null(fp);
	static char text[4 * 1024 * 1024];
	size_t n = fread(text, 1, sizeof text - 1, fp);
	fclose(fp);
	text[n] = '\0';
	assert_non_null(strstr(text, "POST /mpesa/b2c/v3/paymentrequest -> HTTP 200"));
	assert_non_null(strstr(text, "\"SecurityCredential\":\"[secret]\""));
	assert_non_null(strstr(text, "\"Password\":\"[secret]\""));
	static const char *const secrets[] = {"sim-consumer-secret", PASSKEY,
	                                      "Safaricom999!*!", "not-the-password",
	                                      "Bearer ", "Basic ", "access_token"};
	for (size_t i = 0; i < N_ELEMS(secrets); i++)
		if (strstr(text, secrets[i]))
			fail_msg("the client log holds \"%s\"", secrets[i]);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		           (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
		run = b64 ? run + 1 : 0;
		if (run >= 40)
			fail_msg("a long base64 run in the client log near byte %zu", i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stk_push_and_query_paid),
		cmocka_unit_test(test_stk_scenarios),
		cmocka_unit_test(test_stk_lock_refused),
		cmocka_unit_test(test_b2c_v3_credential),
		cmocka_unit_test(test_balance_status_reversal),
		cmocka_unit_test(test_c2b_pull_qr),
		cmocka_unit_test(test_token_fetched_once),
		cmocka_unit_test(test_error_after_processing_not_resent),
		cmocka_unit_test(test_throttled_retried),
		cmocka_unit_test(test_expired_token_refreshed_once),
		cmocka_unit_test(test_breaker_unreachable),
		cmocka_unit_test(test_no_secret_in_log),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
