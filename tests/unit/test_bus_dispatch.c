/* tests/unit/test_bus_dispatch.c: bus/ delivery against a real ledger in a
 * temporary folder, with events written by store_txn_create/transition:
 * the jsonl backend end to end (every fsync policy, a cut line, a folder
 * that appears later), the sample plugin (the same bytes as jsonl), order and
 * the first failure, at-least-once redelivery with identical ids, backoff,
 * independent cursors, the dispatcher thread (kick, stop, restart, the
 * delivery lock), status from another connection, and no secret in any
 * event. A recording backend plugged in through bus_opts.custom plays a
 * backend that fails on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "bus/bus_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
enum { REC_MAX = 512, WAIT_MS = 10000 };

/* ---- a backend that records, and fails on demand -------------------------- */
struct rec {
	pthread_mutex_t mu;
	const char *name;
	int opens, closes, flushes;
	size_t n;
	char *json[REC_MAX];
	int64_t seq[REC_MAX];
	char id[REC_MAX][BUS_ID_MAX];
	bool down;           /* every open and emit fails */
	int64_t fail_at;     /* emit of this outbox id fails (0: none) */
	int fail_flush;      /* the next N flushes fail */
	int slow_first_ms;   /* the first emit takes this long */
	size_t flushed_at[8]; /* events recorded at each of the first flushes */
};

struct recs {
	struct rec a, b;
};

static void rec_init(struct rec *r, const char *name)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->mu, NULL);
	r->name = name;
}

static void rec_release(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->json[i]);
	pthread_mutex_destroy(&r->mu);
}

static size_t rec_count(struct rec *r)
{
	pthread_mutex_lock(&r->mu);
	size_t n = r->n;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static int rec_opens(struct rec *r)
{
	pthread_mutex_lock(&r->mu);
	int n = r->opens;
	pthread_mutex_unlock(&r->mu);
	return n;
}

static void rec_set_down(struct rec *r, bool down)
{
	pthread_mutex_lock(&r->mu);
	r->down = down;
	pthread_mutex_unlock(&r->mu);
}

static enum pos_status rec_open_any(struct rec *r, void **state, struct pos_err *err)
{
	pthread_mutex_lock(&r->mu);
	bool down = r->down;
	r->opens++;
	pthread_mutex_unlock(&r->mu);
	if (down)
		return pos_err_set(err, POS_E_NET, "rec", "%s is down", r->name);
	*state = r;
	return POS_OK;
}

static enum pos_status rec_open_a(const struct bus_opts *o, void *ctx, void **state,
                                  struct pos_err *err)
{
	(void)o;
	return rec_open_any(&((struct recs *)ctx)->a, state, err);
}

static enum pos_status rec_open_b(const struct bus_opts *o, void *ctx, void **state,
                                  struct pos_err *err)
{
	(void)o;
	return rec_open_any(&((struct recs *)ctx)->b, state, err);
}

static enum pos_status rec_emit(void *state, const char *json, size_t len,
                                const struct bus_event_meta *m, struct pos_err *err)
{
	struct rec *r = state;
	enum pos_status rc = POS_OK;
	if (r->slow_first_ms && r->n == 0) {
		struct timespec ts = {0, (long)r->slow_first_ms * 1000000L};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(strlen(json), len);
	assert_true(m->timeout_ms > 0);
	pthread_mutex_lock(&r->mu);
	if (r->down || m->outbox_id == r->fail_at || r->n >= REC_MAX) {
		rc = pos_err_set(err, POS_E_NET, "rec", "%s refused event %lld", r->name,
		                 (long long)m->outbox_id);
	} else {
		r->json[r->n] = strdup(json);
		r->seq[r->n] = m->outbox_id;
		str_copy(r->id[r->n], BUS_ID_MAX, m->id);
		r->n++;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static enum pos_status rec_flush(void *state, struct pos_err *err)
{
	struct rec *r = state;
	enum pos_status rc = POS_OK;
	pthread_mutex_lock(&r->mu);
	if ((size_t)r->flushes < N_ELEMS(r->flushed_at))
		r->flushed_at[r->flushes] = r->n;
	r->flushes++;
	if (r->fail_flush > 0) {
		r->fail_flush--;
		rc = pos_err_set(err, POS_E_IO, "rec", "%s could not flush", r->name);
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static void rec_close(void *state)
{
	struct rec *r = state;
	pthread_mutex_lock(&r->mu);
	r->closes++;
	pthread_mutex_unlock(&r->mu);
}

static const struct bus_backend_ops rec_a_ops = {"rec", rec_open_a, rec_emit, rec_flush,
                                                 rec_close};
static const struct bus_backend_ops rec_b_ops = {"rec2", rec_open_b, rec_emit, rec_flush,
                                                 rec_close};
static const struct bus_backend_ops *const only_a[] = {&rec_a_ops};
static const struct bus_backend_ops *const a_and_b[] = {&rec_a_ops, &rec_b_ops};

/* ---- fixture: a ledger in a temporary folder -------------------------------- */
struct fx {
	char dir[64];
	char db[128];
	char jsonl[128];
	struct store *st;
	struct recs recs;
	struct bus_opts o;
	int charges;      /* made so far (each has its own Daraja ids) */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	if (!f)
		return -1;
	str_copy(f->dir, sizeof f->dir, "/tmp/bus-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->db, sizeof f->db, "%s/ledger.db", f->dir);
	str_fmt(f->jsonl, sizeof f->jsonl, "%s/events.jsonl", f->dir);
	if (store_open(f->db, NULL, &f->st, &err) != POS_OK) {
		fprintf(stderr, "# open: %s\n", err.msg);
		return -1;
	}
	rec_init(&f->recs.a, "rec");
	rec_init(&f->recs.b, "rec2");
	f->o = (struct bus_opts){
		.db_path = f->db, .backends = "jsonl", .till_id = "till-1", .shortcode = "174379",
		.environment = "sandbox", .jsonl_path = f->jsonl, .jsonl_fsync = BUS_FSYNC_BATCH,
		.backoff_min_ms = 10, .backoff_max_ms = 80, .poll_ms = 50, .custom_ctx = &f->recs,
	};
	*state = f;
	return 0;
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		str_fmt(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat sb;
		if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
			rm_tree(p);
		else
			unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	store_close(f->st);
	rec_release(&f->recs.a);
	rec_release(&f->recs.b);
	rm_tree(f->dir);
	free(f);
	return 0;
}

/* An STK charge from created to completed: two events (initiated, success). */
static int64_t charge(struct fx *f, int i, const char *reference)
{
	char msisdn[16], checkout[40], receipt[16];
	struct store_txn t;
	struct pos_err err;
	str_fmt(msisdn, sizeof msisdn, "2547%08d", i);
	str_fmt(checkout, sizeof checkout, "ws_CO_%d", i);
	str_fmt(receipt, sizeof receipt, "TCE%07d", i);
	struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = 150000, .msisdn = msisdn,
	                           .account_reference = reference ? reference : "SHOP",
	                           .description = "sale", .till_id = "till-1",
	                           .shortcode = "174379", .operator_id = 0};
	if (store_txn_create(f->st, &in, &t, &err) != POS_OK)
		fail_msg("create: %s", err.msg);
	struct store_txn_change ch = {.to = TXN_SENT};
	assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
	ch = (struct store_txn_change){.to = TXN_AWAITING,
	                               .set = {.checkout_request_id = checkout,
	                                       .merchant_request_id = "1-2-3"}};
	assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
	ch = (struct store_txn_change){.to = TXN_COMPLETED,
	                               .set = {.receipt = receipt, .result_code = "0",
	                                       .result_desc = "The service request is processed "
	                                                      "successfully."}};
	assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
	return t.id;
}

static void charges(struct fx *f, int n)
{
	for (int i = 0; i < n; i++)
		charge(f, ++f->charges, NULL);
}

static int64_t pending(struct fx *f, const char *backend)
{
	int64_t n = -1;
	struct pos_err err;
	assert_int_equal(store_outbox_pending(f->st, backend, &n, &err), POS_OK);
	return n;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = malloc(1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Check the jsonl file: n lines, each an event, names alternating
 * initiated/success, ids unique and sequences increasing. */
static void check_lines(const char *text, size_t n)
{
	size_t lines = 0;
	int64_t last_seq = 0;
	char ids[64][BUS_ID_MAX];
	for (const char *p = text; *p; lines++) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		char *line = strndup(p, (size_t)(nl - p));
		cJSON *o = cJSON_Parse(line);
		if (!o)
			fail_msg("line %zu is not JSON: %s", lines + 1, line);
		const char *name = cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring;
		assert_string_equal(name, lines % 2 == 0 ? "mpesa.stk_push.initiated"
		                                         : "mpesa.stk_push.success");
		const char *id = cJSON_GetObjectItemCaseSensitive(o, "id")->valuestring;
		const char *colon = strchr(id, ':');
		assert_non_null(colon);
		int64_t seq = strtoll(colon + 1, NULL, 10);
		assert_true(seq > last_seq);
		last_seq = seq;
		assert_true(lines < N_ELEMS(ids));
		str_copy(ids[lines], BUS_ID_MAX, id);
		for (size_t j = 0; j < lines; j++)
			assert_string_not_equal(ids[j], id);
		assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "till_id")->valuestring,
		                    "till-1");
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "amount")->valueint, 1500);
		cJSON_Delete(o);
		free(line);
		p = nl + 1;
	}
	assert_int_equal(lines, n);
}

/* ---- jsonl ------------------------------------------------------------------- */

static void test_jsonl_end_to_end(void **state)
{
	struct fx *f = *state;
	static const enum bus_fsync modes[] = {BUS_FSYNC_BATCH, BUS_FSYNC_ALWAYS, BUS_FSYNC_NEVER};
	for (size_t m = 0; m < N_ELEMS(modes); m++) {
		char path[160];
		struct bus_deliver_result res;
		struct pos_err err;
		if (m > 0) { /* a ledger of its own for each policy */
			store_close(f->st);
			str_fmt(f->db, sizeof f->db, "%s/ledger-%zu.db", f->dir, m);
			assert_int_equal(store_open(f->db, NULL, &f->st, &err), POS_OK);
			f->o.db_path = f->db;
			f->charges = 0;
		}
		str_fmt(path, sizeof path, "%s/events-%zu.jsonl", f->dir, m);
		f->o.jsonl_path = path;
		f->o.jsonl_fsync = modes[m];
		charges(f, 3);
		assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
		assert_int_equal(res.delivered, 6);
		assert_int_equal(res.pending, 0);
		assert_false(res.delegated);
		assert_int_equal(pending(f, "jsonl"), 0);
		size_t len1, len2;
		char *text = slurp(path, &len1);
		assert_non_null(text);
		check_lines(text, 6);
		struct stat sb;
		assert_int_equal(stat(path, &sb), 0);
		assert_int_equal(sb.st_mode & 0777, 0600);
		/* Again: nothing left, nothing appended. */
		assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
		assert_int_equal(res.delivered, 0);
		char *again = slurp(path, &len2);
		assert_int_equal(len1, len2);
		free(again);
		free(text);
	}
}

static void test_jsonl_finishes_a_cut_line(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	FILE *fp = fopen(f->jsonl, "w");
	fputs("{\"id\":\"till-1:000001", fp); /* a crash cut this line short */
	fclose(fp);
	charges(f, 1);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, NULL, &err), POS_OK);
	char *text = slurp(f->jsonl, NULL);
	assert_true(str_starts_with(text, "{\"id\":\"till-1:000001\n{\"id\":"));
	check_lines(strchr(text, '\n') + 1, 2);
	free(text);
}

static void test_jsonl_folder_missing_then_created(void **state)
{
	struct fx *f = *state;
	char sub[128], path[160];
	struct pos_err err;
	struct bus_deliver_result res;
	str_fmt(sub, sizeof sub, "%s/later", f->dir);
	str_fmt(path, sizeof path, "%s/events.jsonl", sub);
	f->o.jsonl_path = path;
	charges(f, 2);
	pos_err_clear(&err);
	assert_int_equal(bus_deliver_pending(&f->o, 200, &res, &err), POS_E_TIMEOUT);
	assert_int_equal(res.pending, 4);
	assert_int_equal(res.delivered, 0);
	assert_non_null(strstr(err.msg, "4 event(s)"));
	assert_non_null(strstr(err.msg, path)); /* names the file that could not be opened */
	assert_true(err.hint[0] != '\0');

	/* Any process sees why, from the ledger. */
	struct bus_status s;
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.pending, 4);
	assert_true(s.oldest_at > 0);
	assert_true(s.backend[0].failing);
	assert_true(s.backend[0].failures >= 1);
	assert_non_null(strstr(s.backend[0].last_error, "[bus] jsonl_path"));
	assert_false(s.dispatcher_running);

	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
	assert_int_equal(res.delivered, 4);
	char *text = slurp(path, NULL);
	check_lines(text, 4);
	free(text);
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_false(s.backend[0].failing); /* the recovery is recorded too */
	assert_int_equal(s.pending, 0);
	assert_int_equal(s.oldest_at, 0);
}

/* ---- the engine ------------------------------------------------------------- */

static void engine_open(struct fx *f, struct bus_engine *e,
                        const struct bus_backend_ops *const *ops, size_t n)
{
	struct pos_err err;
	f->o.custom = ops;
	f->o.n_custom = n;
	assert_int_equal(bus_engine_init(e, &f->o, &err), POS_OK);
	assert_true(bus_engine_lock(e, &err));
}

static void test_order_and_the_first_failure(void **state)
{
	struct fx *f = *state;
	struct bus_engine e;
	charges(f, 3); /* outbox ids 1..6 */
	f->recs.a.fail_at = 3;
	f->o.backoff_min_ms = 60000; /* "not due yet" below, however slow the machine */
	engine_open(f, &e, only_a, 1);
	int64_t wait = bus_engine_round(&e, 0);
	assert_true(wait > 0); /* backing off */
	assert_int_equal(rec_count(&f->recs.a), 2);
	assert_int_equal(pending(f, "rec"), 4);
	assert_true(e.slot[0].st.failing);
	assert_int_equal(e.slot[0].st.pending, 4);
	assert_int_equal(f->recs.a.closes, 1); /* closed after the failure */

	/* Not due yet: nothing is tried. */
	assert_true(bus_engine_round(&e, 0) > 0);
	assert_int_equal(f->recs.a.opens, 1);

	f->recs.a.fail_at = 0;
	bus_engine_retry_now(&e);
	assert_int_equal(bus_engine_round(&e, 0), -1);
	assert_int_equal(rec_count(&f->recs.a), 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(f->recs.a.seq[i], (int64_t)i + 1); /* in order, once each */
	assert_false(e.slot[0].st.failing);
	assert_int_equal(e.slot[0].st.delivered, 6);
	assert_int_equal(pending(f, "rec"), 0);
	bus_engine_release(&e);
}

static void test_flush_failure_redelivers_the_same_bytes(void **state)
{
	struct fx *f = *state;
	struct bus_engine e;
	charges(f, 2);
	f->recs.a.fail_flush = 1;
	engine_open(f, &e, only_a, 1);
	assert_true(bus_engine_round(&e, 0) > 0);
	assert_int_equal(rec_count(&f->recs.a), 4);
	assert_int_equal(pending(f, "rec"), 4); /* not durable, so not acknowledged */
	bus_engine_retry_now(&e);
	assert_int_equal(bus_engine_round(&e, 0), -1);
	assert_int_equal(rec_count(&f->recs.a), 8);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(f->recs.a.json[i], f->recs.a.json[i + 4]);
		assert_string_equal(f->recs.a.id[i], f->recs.a.id[i + 4]);
	}
	assert_int_equal(pending(f, "rec"), 0);
	bus_engine_release(&e);
}

static void test_backoff_doubles_to_the_ceiling(void **state)
{
	struct fx *f = *state;
	struct bus_engine e;
	static const int64_t want[] = {10, 20, 40, 80, 80, 80};
	charges(f, 1);
	f->recs.a.down = true;
	engine_open(f, &e, only_a, 1);
	for (size_t i = 0; i < N_ELEMS(want); i++) {
		bus_engine_retry_now(&e);
		int64_t wait = bus_engine_round(&e, 0);
		assert_int_equal(e.slot[0].backoff_ms, want[i]);
		assert_true(wait > 0 && wait <= want[i]);
		assert_int_equal(e.slot[0].st.failures, (int64_t)i + 1);
	}
	f->recs.a.down = false;
	bus_engine_retry_now(&e);
	assert_int_equal(bus_engine_round(&e, 0), -1);
	assert_int_equal(e.slot[0].backoff_ms, 0);
	assert_int_equal(e.slot[0].st.failures, 0);
	assert_int_equal(rec_count(&f->recs.a), 2);
	bus_engine_release(&e);
}

static void test_backends_have_their_own_cursors(void **state)
{
	struct fx *f = *state;
	struct bus_engine e;
	charges(f, 2);
	f->recs.a.down = true;
	engine_open(f, &e, a_and_b, 2);
	bus_engine_round(&e, 0);
	assert_int_equal(rec_count(&f->recs.a), 0);
	assert_int_equal(rec_count(&f->recs.b), 4);
	assert_int_equal(pending(f, "rec"), 4);
	assert_int_equal(pending(f, "rec2"), 0);
	assert_int_equal(bus_engine_pending(&e), 4);
	struct bus_status s;
	bus_engine_status(&e, &s);
	assert_int_equal(s.n, 2);
	assert_true(s.backend[0].failing);
	assert_false(s.backend[1].failing);
	f->recs.a.down = false;
	bus_engine_retry_now(&e);
	bus_engine_round(&e, 0);
	assert_int_equal(rec_count(&f->recs.a), 4);
	assert_int_equal(rec_count(&f->recs.b), 4); /* not again */
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(f->recs.a.json[i], f->recs.b.json[i]); /* identical bytes */
	bus_engine_release(&e);
}

static void test_batches_are_bounded(void **state)
{
	struct fx *f = *state;
	struct bus_engine e;
	charges(f, 5); /* 10 events */
	f->o.batch = 4;
	engine_open(f, &e, only_a, 1);
	assert_int_equal(bus_engine_round(&e, 0), 0); /* a full batch: more now */
	assert_int_equal(rec_count(&f->recs.a), 4);
	assert_true(f->recs.a.flushes >= 1); /* made durable before acknowledged */
	assert_int_equal(pending(f, "rec"), 6);
	assert_int_equal(bus_engine_round(&e, 0), 0);
	assert_int_equal(bus_engine_round(&e, 0), -1);
	assert_int_equal(rec_count(&f->recs.a), 10);
	assert_true(f->recs.a.flushes >= 3); /* one per batch at least */
	bus_engine_release(&e);
}

static void test_a_slow_batch_is_acknowledged_as_it_goes(void **state)
{
	struct fx *f = *state;
	struct bus_engine e;
	charges(f, 2);
	f->recs.a.slow_first_ms = 300; /* longer than the engine waits between acks */
	f->recs.a.fail_at = 4;
	engine_open(f, &e, only_a, 1);
	assert_true(bus_engine_round(&e, 0) > 0);
	assert_int_equal(rec_count(&f->recs.a), 3);
	assert_int_equal(f->recs.a.flushed_at[0], 1); /* the first event, on its own */
	assert_int_equal(f->recs.a.flushed_at[1], 3); /* the rest, before the failure */
	assert_int_equal(pending(f, "rec"), 1);
	bus_engine_release(&e);
}

/* ---- the dispatcher thread --------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void wait_count(struct rec *r, size_t n)
{
	for (int i = 0; i < WAIT_MS / 5 && rec_count(r) < n; i++)
		sleep_ms(5);
	if (rec_count(r) != n)
		fail_msg("%s has %zu events, expected %zu", r->name, rec_count(r), n);
}

static void test_dispatcher_delivers_and_holds_the_lock(void **state)
{
	struct fx *f = *state;
	struct bus_dispatcher *d = NULL;
	struct pos_err err;
	struct bus_status s;
	struct bus_deliver_result res;
	f->o.custom = only_a;
	f->o.n_custom = 1;
	f->o.poll_ms = 60000; /* only kicks wake it in this test */
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	charges(f, 2);
	bus_dispatcher_kick(d);
	wait_count(&f->recs.a, 4);

	/* Another deliverer sees the lock and leaves the work to it. */
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_true(s.dispatcher_running);
	charges(f, 1);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
	assert_true(res.delegated);
	assert_int_equal(res.pending, 2);
	assert_int_equal(rec_count(&f->recs.a), 4);
	bus_dispatcher_kick(d);
	wait_count(&f->recs.a, 6);
	for (int i = 0; i < WAIT_MS / 5; i++) {
		bus_dispatcher_stats(d, &s);
		if (s.backend[0].delivered == 6 && s.pending == 0)
			break;
		sleep_ms(5);
	}
	assert_int_equal(s.backend[0].delivered, 6);
	assert_int_equal(s.pending, 0);
	assert_true(s.dispatcher_running);
	bus_dispatcher_stop(d, 1000);
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_false(s.dispatcher_running); /* the lock went with it */
	assert_int_equal(pending(f, "rec"), 0);
}

static void test_dispatcher_polls_for_other_writers(void **state)
{
	struct fx *f = *state;
	struct bus_dispatcher *d = NULL;
	struct pos_err err;
	f->o.custom = only_a;
	f->o.n_custom = 1;
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	charges(f, 2); /* no kick: another process wrote them */
	wait_count(&f->recs.a, 4);
	bus_dispatcher_stop(d, 1000);
}

static void test_dispatcher_down_stop_restart_loses_nothing(void **state)
{
	struct fx *f = *state;
	struct bus_dispatcher *d = NULL;
	struct pos_err err;
	struct bus_status s;
	f->o.custom = only_a;
	f->o.n_custom = 1;
	f->recs.a.down = true;
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	charges(f, 3);
	bus_dispatcher_kick(d);
	for (int i = 0; i < WAIT_MS / 5; i++) {
		bus_dispatcher_stats(d, &s);
		if (s.backend[0].failures >= 3)
			break;
		sleep_ms(5);
	}
	assert_true(s.backend[0].failures >= 3); /* retried, backing off */
	assert_true(s.backend[0].failing);
	assert_non_null(strstr(s.backend[0].last_error, "rec is down"));
	bus_dispatcher_stop(d, 50); /* one last try, still down */
	assert_int_equal(pending(f, "rec"), 6);

	/* A backend that takes the events but "crashes" before they are
	 * acknowledged (its flush fails): at-least-once, same ids. */
	rec_set_down(&f->recs.a, false);
	f->recs.a.fail_flush = 1;
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	wait_count(&f->recs.a, 12);
	bus_dispatcher_stop(d, 1000);
	assert_int_equal(pending(f, "rec"), 0);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(f->recs.a.id[i], f->recs.a.id[i + 6]);
		assert_string_equal(f->recs.a.json[i], f->recs.a.json[i + 6]);
	}

	/* Restarted once more: nothing is sent again. */
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	bus_dispatcher_kick(d);
	sleep_ms(100);
	bus_dispatcher_stop(d, 1000);
	assert_int_equal(rec_count(&f->recs.a), 12);
}

static void test_dispatcher_stop_delivers_what_it_can(void **state)
{
	struct fx *f = *state;
	struct bus_dispatcher *d = NULL;
	struct pos_err err;
	f->o.custom = only_a;
	f->o.n_custom = 1;
	f->o.poll_ms = 60000;
	f->o.backoff_min_ms = 60000; /* a failure would wait a minute... */
	f->recs.a.down = true;
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	charges(f, 1);
	bus_dispatcher_kick(d);
	for (int i = 0; i < WAIT_MS / 5 && rec_opens(&f->recs.a) < 1; i++)
		sleep_ms(5);
	sleep_ms(20); /* let the failed attempt finish */
	rec_set_down(&f->recs.a, false);
	bus_dispatcher_stop(d, 2000); /* ...but stopping tries once more */
	assert_int_equal(rec_count(&f->recs.a), 2);
	assert_int_equal(pending(f, "rec"), 0);
}

static void test_none_delivers_nothing(void **state)
{
	struct fx *f = *state;
	struct bus_dispatcher *d = NULL;
	struct bus_deliver_result res;
	struct pos_err err;
	f->o.backends = "none";
	charges(f, 1);
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_OK);
	bus_dispatcher_kick(d);
	bus_dispatcher_stop(d, 100);
	assert_int_equal(bus_deliver_pending(&f->o, 100, &res, &err), POS_OK);
	assert_int_equal(res.delivered, 0);
	struct bus_status s;
	assert_int_equal(bus_status(f->st, &f->o, &s, &err), POS_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(pending(f, "jsonl"), 2); /* nobody moved a cursor */
	f->o.backends = "kafka";
	assert_int_equal(bus_dispatcher_start(&f->o, &d, &err), POS_E_CONFIG);
	assert_null(d);
	assert_string_equal(err.field, "[bus] backends");
}

/* ---- the sample plugin ----------------------------------------------------- */

static bool sample_path(char *out, size_t outsz)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	static const char *const rel[] = {"../plugins/sample.so", "../../plugins/sample.so"};
	for (size_t i = 0; i < N_ELEMS(rel); i++) {
		str_fmt(out, outsz, "%s/%s", exe, rel[i]);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

static void test_plugin_gets_the_same_bytes_as_jsonl(void **state)
{
	struct fx *f = *state;
	char so[600], out[160];
	struct pos_err err;
	struct bus_deliver_result res;
	if (!sample_path(so, sizeof so))
		fail_msg("plugins/sample.so is not built beside the tests: run make all");
	str_fmt(out, sizeof out, "%s/plugin.out", f->dir);
	f->o.backends = "jsonl,plugin";
	f->o.plugin_path = so;
	f->o.plugin_config = out;
	charges(f, 3);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, &res, &err), POS_OK);
	assert_int_equal(res.delivered, 12); /* 6 events x 2 backends */
	char *a = slurp(f->jsonl, NULL), *b = slurp(out, NULL);
	assert_non_null(b);
	assert_string_equal(a, b);
	check_lines(b, 6);
	free(a);
	free(b);
	assert_int_equal(pending(f, "plugin"), 0);
}

static void test_plugin_refusals(void **state)
{
	struct fx *f = *state;
	char so[600];
	static const struct {
		const char *path, *config, *says;
	} cases[] = {
		{"/nonexistent/plugin.so", "x", "cannot load /nonexistent/plugin.so"},
		{"libm.so.6", "x", "is not an IF.bus plugin"},
		{NULL, "", "did not start: set [bus] plugin_config"},
		{NULL, "/nonexistent/dir/out", "did not start: cannot open /nonexistent/dir/out"},
	};
	if (!sample_path(so, sizeof so))
		fail_msg("plugins/sample.so is not built beside the tests: run make all");
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct bus_opts o = f->o;
		void *st = NULL;
		struct pos_err err;
		o.plugin_path = cases[i].path ? cases[i].path : so;
		o.plugin_config = cases[i].config;
		pos_err_clear(&err);
		assert_int_not_equal(bus_plugin_ops.open(&o, NULL, &st, &err), POS_OK);
		assert_null(st);
		if (!strstr(err.msg, cases[i].says))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err.msg, cases[i].says);
	}
}

/* ---- events added directly; secrets ---------------------------------------- */

static void test_event_add(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	const char *values[EVENT_FIELD_COUNT] = {0};
	values[EVF_OPERATOR] = "5";
	values[EVF_PHONE_NUMBER] = "254700000000"; /* not a field of signed_in: dropped */
	int64_t id = 0;
	assert_int_equal(bus_event_add(f->st, &f->o, EV_OPERATOR_SIGNED_IN, values, 0, &id, &err),
	                 POS_OK);
	assert_true(id > 0);
	assert_int_equal(bus_event_add(f->st, &f->o, EV_AUTH_TOKEN_ACQUIRED, NULL, 0, NULL, &err),
	                 POS_OK);
	assert_int_equal(bus_event_add(f->st, &f->o, EVENT_TYPE_COUNT, values, 0, NULL, &err),
	                 POS_E_INVALID);
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, NULL, &err), POS_OK);
	char *text = slurp(f->jsonl, NULL);
	char *nl = strchr(text, '\n');
	*nl = '\0';
	cJSON *o = cJSON_Parse(text);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "name")->valuestring,
	                    "mpesa.operator.signed_in");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "operator")->valuestring, "5");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "till_id")->valuestring, "till-1");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "shortcode")->valuestring, "174379");
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "phone_number"));
	assert_true(str_ends_with(cJSON_GetObjectItemCaseSensitive(o, "occurred_at")->valuestring,
	                          "+03:00"));
	cJSON_Delete(o);
	o = cJSON_Parse(nl + 1);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "environment")->valuestring,
	                    "sandbox");
	cJSON_Delete(o);
	free(text);
}

/* The test configuration's secrets, registered as config_load() does. */
static const char *const secrets[] = {
	"TestConsumerKey0123456789", "TestConsumerSecretAbcdef", "bfb279f9aa9bdbcf158e97dd71a467cd",
	"Safaricom999!", "tok_9f8e7d6c5b4a", "hook-key-123456",
};

static void test_no_secret_in_any_event(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	char so[600], out[160];
	for (size_t i = 0; i < N_ELEMS(secrets); i++)
		log_secret_add(secrets[i]);
	/* Ordinary traffic, and the worst case: a secret that reached a field. */
	charges(f, 2);
	charge(f, 100, "tok_9f8e7d6c5b4a");
	const char *values[EVENT_FIELD_COUNT] = {0};
	values[EVF_MESSAGE] = "Daraja said: invalid credentials for TestConsumerKey0123456789";
	values[EVF_ERROR_TYPE] = "auth";
	assert_int_equal(bus_event_add(f->st, &f->o, EV_ERROR_OCCURRED, values, 0, NULL, &err),
	                 POS_OK);
	assert_int_equal(bus_event_add(f->st, &f->o, EV_AUTH_TOKEN_ACQUIRED, NULL, 0, NULL, &err),
	                 POS_OK);
	bool have_plugin = sample_path(so, sizeof so);
	str_fmt(out, sizeof out, "%s/plugin.out", f->dir);
	f->o.backends = have_plugin ? "jsonl,plugin" : "jsonl";
	f->o.plugin_path = so;
	f->o.plugin_config = out;
	assert_int_equal(bus_deliver_pending(&f->o, WAIT_MS, NULL, &err), POS_OK);
	const char *files[] = {f->jsonl, out};
	for (size_t k = 0; k < (have_plugin ? 2u : 1u); k++) {
		char *text = slurp(files[k], NULL);
		assert_non_null(text);
		assert_non_null(strstr(text, "mpesa.error.occurred"));
		for (size_t i = 0; i < N_ELEMS(secrets); i++)
			if (strstr(text, secrets[i]))
				fail_msg("%s leaked into %s", secrets[i], files[k]);
		assert_non_null(strstr(text, "[secret]"));
		free(text);
	}
	log_secrets_clear();
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_jsonl_end_to_end),
		T(test_jsonl_finishes_a_cut_line),
		T(test_jsonl_folder_missing_then_created),
		T(test_order_and_the_first_failure),
		T(test_flush_failure_redelivers_the_same_bytes),
		T(test_backoff_doubles_to_the_ceiling),
		T(test_backends_have_their_own_cursors),
		T(test_batches_are_bounded),
		T(test_a_slow_batch_is_acknowledged_as_it_goes),
		T(test_dispatcher_delivers_and_holds_the_lock),
		T(test_dispatcher_polls_for_other_writers),
		T(test_dispatcher_down_stop_restart_loses_nothing),
		T(test_dispatcher_stop_delivers_what_it_can),
		T(test_none_delivers_nothing),
		T(test_plugin_gets_the_same_bytes_as_jsonl),
		T(test_plugin_refusals),
		T(test_event_add),
		T(test_no_secret_in_any_event),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
