/* tests/unit/test_store_callback.c: store/ — archiving and applying
 * callbacks (applied, duplicate, orphan then adopted, conflict, rejected),
 * unsolicited C2B payments, and the group-commit writer under many threads
 * and on a full disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "core/txn.h"
#include "store/store.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1741935600 /* 2025-03-14 10:00:00 EAT */
#define MSISDN "254712345678"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	if (!f)
		return -1;
	str_copy(f->dir, sizeof f->dir, "/tmp/store-cb-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	str_fmt(f->path, sizeof f->path, "%s/ledger.db", f->dir);
	clock_set_fixed(T0);
	if (store_open(f->path, NULL, &f->st, &err) != POS_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {"ledger.db", "ledger.db-wal", "ledger.db-shm"};
	char p[160];
	store_close(f->st);
	for (size_t i = 0; i < N_ELEMS(files); i++) {
		str_fmt(p, sizeof p, "%s/%s", f->dir, files[i]);
		unlink(p);
	}
	assert_int_equal(rmdir(f->dir), 0);
	clock_set_fixed(-1);
	free(f);
	return 0;
}

static long long q1(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static void step(struct store *st, int64_t id, enum txn_state to,
                 const struct store_txn_fields *set)
{
	struct pos_err err;
	struct store_txn_change ch = {.to = to, .actor = TXN_BY_SYSTEM};
	if (set)
		ch.set = *set;
	assert_int_equal(store_txn_transition(st, id, &ch, NULL, &err), POS_OK);
}

/* An STK charge of amount_minor, moved to `upto` (created, sent or
 * awaiting with CheckoutRequestID checkout). */
static struct store_txn charge(struct store *st, int64_t amount_minor,
                               enum txn_state upto, const char *checkout)
{
	struct store_txn t;
	struct pos_err err;
	const struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = amount_minor,
	                                 .msisdn = MSISDN, .till_id = "till-1",
	                                 .shortcode = "174379"};
	assert_int_equal(store_txn_create(st, &in, &t, &err), POS_OK);
	if (upto >= TXN_SENT)
		step(st, t.id, TXN_SENT, NULL);
	if (upto >= TXN_AWAITING) {
		const struct store_txn_fields ids = {.merchant_request_id = "7311-4022163-1",
		                                     .checkout_request_id = checkout};
		step(st, t.id, TXN_AWAITING, &ids);
	}
	assert_int_equal(store_txn_get(st, t.id, &t, &err), POS_OK);
	return t;
}

static const char paid_body[] =
	"{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"7311-4022163-1\","
	"\"CheckoutRequestID\":\"ws_CO_1\",\"ResultCode\":0,\"ResultDesc\":\"The service "
	"request is processed successfully.\"}}}";

/* A successful STK callback for checkout, 10000 minor units unless told. */
static struct store_callback paid(const char *checkout, const char *receipt)
{
	return (struct store_callback){
		.route = "stk", .source = "196.201.214.200",
		.body = paid_body, .body_len = sizeof paid_body - 1,
		.checkout_request_id = checkout, .merchant_request_id = "7311-4022163-1",
		.to = TXN_COMPLETED, .result_code = "0",
		.result_desc = "The service request is processed successfully.",
		.receipt = receipt, .has_amount = true, .amount_minor = 10000,
		.msisdn_shown = MSISDN, .payer_name = "Jane",
	};
}

static enum store_cb_outcome apply(struct store *st, const struct store_callback *cb,
                                   struct store_cb_result *res)
{
	struct pos_err err;
	assert_int_equal(store_callback_apply(st, cb, res, &err), POS_OK);
	return res->outcome;
}

/* ---- applied and duplicate --------------------------------------------------------------- */

static void test_applied_then_duplicate(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct store_callback_row row;
	struct pos_err err;
	struct store_txn t = charge(f->st, 10000, TXN_AWAITING, "ws_CO_1");
	struct store_callback cb = paid("ws_CO_1", "TCE4XQ7B2M");

	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	assert_true(res.txn_id == t.id);
	assert_string_equal(res.txn_public_id, t.public_id);
	assert_int_equal(res.state, TXN_COMPLETED);
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_string_equal(t.receipt, "TCE4XQ7B2M");
	assert_string_equal(t.result_code, "0");
	assert_string_equal(t.payer_name, "Jane");
	assert_true(q1(f->path, "SELECT count(*) FROM timeline WHERE what='callback' AND callback_id=1") == 1);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.stk_push.success'") == 1);
	assert_int_equal(store_callback_get(f->st, res.callback_id, &row, &err), POS_OK);
	assert_int_equal(row.outcome, STORE_CB_APPLIED);
	assert_true(row.txn_id == t.id);
	assert_int_equal(row.body_len, sizeof paid_body - 1);
	assert_memory_equal(row.body, paid_body, row.body_len);
	assert_string_equal(row.route, "stk");
	store_callback_row_release(&row);

	/* The very same callback again: archived, no second effect. */
	long long tl = q1(f->path, "SELECT count(*) FROM timeline");
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_DUPLICATE);
	assert_non_null(strstr(res.reason, "received before"));
	/* A later copy without receipt or amount: the transaction is already there. */
	struct store_callback bare = {.route = "stk", .checkout_request_id = "ws_CO_1",
	                              .to = TXN_COMPLETED, .result_code = "0"};
	assert_int_equal(apply(f->st, &bare, &res), STORE_CB_DUPLICATE);
	assert_non_null(strstr(res.reason, "already completed"));
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == tl);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == 2);
	assert_true(q1(f->path, "SELECT count(*) FROM callback") == 3);
	int64_t ids[8];
	size_t n;
	assert_int_equal(store_callback_ids_for(f->st, t.id, ids, 8, &n, &err), POS_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_callback_get(f->st, 99, &row, &err), POS_E_NOT_FOUND);
}

/* An STK query completed the charge before its callback came: the callback
 * brings the receipt and the payer, which the record lacks. */
static void test_same_state_fills_blanks(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_txn t = charge(f->st, 10000, TXN_AWAITING, "ws_CO_1");
	const struct store_txn_fields queried = {
		.result_code = "0", .result_desc = "The service request is processed successfully."};
	step(f->st, t.id, TXN_COMPLETED, &queried);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.stk_push.success'") == 1);
	long long events = q1(f->path, "SELECT count(*) FROM outbox");

	struct store_callback cb = paid("ws_CO_1", "TCE4XQ7B2M");
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	assert_non_null(strstr(res.reason, "filled in receipt, payer"));
	assert_true(res.txn_id == t.id);
	assert_int_equal(res.state, TXN_COMPLETED);
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_int_equal(t.state, TXN_COMPLETED);
	assert_string_equal(t.receipt, "TCE4XQ7B2M");
	assert_string_equal(t.payer_name, "Jane");
	assert_string_equal(t.result_code, "0");
	/* A timeline row that names the callback, no change of state, no
	 * second completion event. */
	assert_true(q1(f->path, "SELECT count(*) FROM timeline WHERE what='callback' AND "
	                        "callback_id=1 AND from_state IS NULL AND to_state IS NULL AND "
	                        "instr(detail, 'filled in receipt') > 0") == 1);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == events);
	assert_true(q1(f->path, "SELECT count(*) FROM callback WHERE id=1 AND outcome='applied'") == 1);
	/* Found by its receipt from now on. */
	struct store_txn g;
	assert_int_equal(store_txn_find(f->st, STORE_KEY_RECEIPT, "TCE4XQ7B2M", &g, &err), POS_OK);
	assert_true(g.id == t.id);

	/* The same callback again: a duplicate, nothing written but the archive. */
	long long tl = q1(f->path, "SELECT count(*) FROM timeline");
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_DUPLICATE);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == tl);

	/* A differing payer name is not filled over: a conflict, held on the
	 * timeline (a finished charge cannot go to review), its own event. */
	struct store_callback other = paid("ws_CO_1", NULL);
	other.payer_name = "John";
	assert_int_equal(apply(f->st, &other, &res), STORE_CB_CONFLICT);
	assert_non_null(strstr(res.reason, "John"));
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_string_equal(t.payer_name, "Jane");
	assert_int_equal(t.state, TXN_COMPLETED);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline WHERE what='conflict'") == 1);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.callback.conflict'") == 1);
	/* A differing receipt likewise. */
	struct store_callback wrong = paid("ws_CO_1", "TCE4XQ7B9Z");
	assert_int_equal(apply(f->st, &wrong, &res), STORE_CB_CONFLICT);
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_string_equal(t.receipt, "TCE4XQ7B2M");
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.stk_push.success'") == 1);
}

/* A failed charge told again that it failed, now with the ids the query
 * did not bring, and a differing result code. */
static void test_same_state_failed(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_txn t = charge(f->st, 10000, TXN_SENT, NULL);
	const struct store_txn_fields lost = {.result_code = "1032",
	                                      .result_desc = "Request cancelled by user"};
	step(f->st, t.id, TXN_UNKNOWN, NULL);
	step(f->st, t.id, TXN_CANCELLED, &lost);
	long long events = q1(f->path, "SELECT count(*) FROM outbox");
	struct store_callback cb = {.route = "stk", .txn_public_id = t.public_id,
	                            .checkout_request_id = "ws_CO_9",
	                            .merchant_request_id = "7311-1", .to = TXN_CANCELLED,
	                            .result_code = "1032", .result_desc = "Request cancelled by user"};
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_string_equal(t.checkout_request_id, "ws_CO_9");
	assert_string_equal(t.merchant_request_id, "7311-1");
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == events);
	cb.result_code = "1037";
	cb.checkout_request_id = NULL;
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_CONFLICT);
	assert_non_null(strstr(res.reason, "result code"));
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_string_equal(t.result_code, "1032");
}

/* ---- orphans ------------------------------------------------------------------------------ */

static void test_orphan_adopted_when_ids_arrive(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct store_callback_row row;
	struct pos_err err;
	struct store_callback cb = paid("ws_CO_9", "TCE4XQ7B2M");

	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_ORPHAN);
	assert_true(res.txn_id == 0);
	assert_non_null(strstr(res.reason, "ws_CO_9"));
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.callback.orphan'"
	               " AND json_extract(payload,'$.checkout_request_id')='ws_CO_9'") == 1);

	/* The transaction learns its CheckoutRequestID: the orphan is applied
	 * in the same database transaction. */
	struct store_txn t = charge(f->st, 10000, TXN_SENT, NULL), after;
	struct store_txn_change ch = {.to = TXN_AWAITING,
	                              .set = {.checkout_request_id = "ws_CO_9"}};
	assert_int_equal(store_txn_transition(f->st, t.id, &ch, &after, &err), POS_OK);
	assert_int_equal(after.state, TXN_COMPLETED);
	assert_string_equal(after.receipt, "TCE4XQ7B2M");
	assert_int_equal(store_callback_get(f->st, res.callback_id, &row, &err), POS_OK);
	assert_int_equal(row.outcome, STORE_CB_APPLIED);
	assert_true(row.txn_id == t.id);
	assert_true(row.resolved_at > 0);
	store_callback_row_release(&row);
	assert_true(q1(f->path, "SELECT count(*) FROM callback WHERE outcome='orphan'") == 0);
}

/* The callback names our transaction (URL), but overtook our own
 * bookkeeping: the transaction is still `sent`. */
static void test_early_callback_waits_for_its_transaction(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_txn t = charge(f->st, 10000, TXN_SENT, NULL), after;
	struct store_callback cb = paid("ws_CO_5", "TCE4XQ7B2M");
	cb.txn_public_id = t.public_id;

	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_ORPHAN);
	assert_true(res.txn_id == t.id);
	assert_non_null(strstr(res.reason, "kept until it moves on"));
	assert_int_equal(store_txn_get(f->st, t.id, &after, &err), POS_OK);
	assert_int_equal(after.state, TXN_SENT);
	/* Our answer is recorded: sent -> awaiting, then the callback applies. */
	const struct store_txn_fields ids = {.checkout_request_id = "ws_CO_5"};
	struct store_txn_change ch = {.to = TXN_AWAITING, .set = ids};
	assert_int_equal(store_txn_transition(f->st, t.id, &ch, &after, &err), POS_OK);
	assert_int_equal(after.state, TXN_COMPLETED);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.stk_push.success'") == 1);
	/* Nothing left to adopt. */
	size_t n = 9;
	assert_int_equal(store_callback_adopt(f->st, t.id, &n, &err), POS_OK);
	assert_int_equal(n, 0);
}

static void test_orphan_adopt_explicit(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_callback cb = paid(NULL, NULL);
	char pub[STORE_PUBLIC_ID_MAX];
	size_t n;
	cb.has_amount = false;
	cb.msisdn_shown = NULL;
	assert_true(store_public_id_format(1, pub));
	cb.txn_public_id = pub; /* names a transaction that does not exist yet */
	cb.to = TXN_FAILED;
	cb.result_code = "1032";
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_ORPHAN);
	struct store_txn t = charge(f->st, 500, TXN_CREATED, NULL);
	assert_string_equal(t.public_id, pub);
	/* created -> failed is legal for an STK charge: adopt applies it. */
	assert_int_equal(store_callback_adopt(f->st, t.id, &n, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_int_equal(t.state, TXN_FAILED);
	assert_string_equal(t.result_code, "1032");
	assert_int_equal(store_callback_adopt(f->st, 999, &n, &err), POS_E_NOT_FOUND);
}

/* ---- conflicts ---------------------------------------------------------------------------- */

static void test_conflict_amount_goes_to_review(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_txn t = charge(f->st, 10000, TXN_AWAITING, "ws_CO_1");
	struct store_callback cb = paid("ws_CO_1", "TCE4XQ7B2M");
	cb.amount_minor = 15000;

	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_CONFLICT);
	assert_int_equal(res.state, TXN_REVIEW);
	assert_non_null(strstr(res.reason, "KES 150"));
	assert_non_null(strstr(res.reason, "KES 100"));
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_int_equal(t.state, TXN_REVIEW);
	assert_string_equal(t.receipt, ""); /* nothing of the callback applied */
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.callback.conflict'"
	               " AND json_extract(payload,'$.message') LIKE 'amount:%'") == 1);
	long long tl = q1(f->path, "SELECT count(*) FROM timeline");
	/* The same contradicting callback again: duplicate. */
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_DUPLICATE);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == tl);
	/* A supervisor settles it. */
	struct store_txn_change ch = {.to = TXN_COMPLETED, .actor = TXN_BY_SUPERVISOR,
	                              .set = {.receipt = "TCE4XQ7B2M"}, .what = "close"};
	assert_int_equal(store_txn_transition(f->st, t.id, &ch, NULL, &err), POS_OK);
}

static bool never_matches(const char *recorded, const char *shown, void *ctx)
{
	(*(int *)ctx)++;
	(void)recorded;
	(void)shown;
	return false;
}

static void test_conflict_phone(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	uint8_t h[CRYPTO_SHA256_LEN];
	char hex[2 * CRYPTO_SHA256_LEN + 1];
	const struct {
		const char *shown;
		enum store_cb_outcome want;
	} cases[] = {
		{"2547 ***** 678", STORE_CB_APPLIED},
		{"2547 ***** 999", STORE_CB_CONFLICT},
		{"254799999999", STORE_CB_CONFLICT},
		{"", STORE_CB_APPLIED},
		{"***", STORE_CB_APPLIED},
		{hex, STORE_CB_APPLIED},
	};
	crypto_sha256(MSISDN, strlen(MSISDN), h);
	crypto_hex(h, sizeof h, hex);
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		char checkout[32], receipt[16];
		str_fmt(checkout, sizeof checkout, "ws_CO_p%zu", i);
		str_fmt(receipt, sizeof receipt, "TCE4XQ7B%02zu", i);
		charge(f->st, 10000, TXN_AWAITING, checkout);
		struct store_callback cb = paid(checkout, receipt);
		cb.msisdn_shown = cases[i].shown;
		assert_int_equal(apply(f->st, &cb, &res), cases[i].want);
		if (cases[i].want == STORE_CB_CONFLICT)
			assert_non_null(strstr(res.reason, "phone"));
	}
	/* The caller's comparison, when given, decides. */
	struct store *b = NULL;
	struct pos_err err;
	int calls = 0;
	const struct store_opts o = {.phone_match = never_matches, .phone_match_ctx = &calls};
	assert_int_equal(store_open(f->path, &o, &b, &err), POS_OK);
	charge(b, 10000, TXN_AWAITING, "ws_CO_custom");
	struct store_callback cb = paid("ws_CO_custom", "TCE4XQ7BZZ");
	assert_int_equal(apply(b, &cb, &res), STORE_CB_CONFLICT);
	assert_int_equal(calls, 1);
	store_close(b);
}

static void test_conflict_with_finished_transaction(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_txn t = charge(f->st, 10000, TXN_AWAITING, "ws_CO_1");
	struct store_callback cb = paid("ws_CO_1", "TCE4XQ7B2M");
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	/* Now a "cancelled" for the same charge. */
	struct store_callback late = {.route = "stk", .checkout_request_id = "ws_CO_1",
	                              .to = TXN_CANCELLED, .result_code = "1032",
	                              .result_desc = "Request cancelled by user"};
	assert_int_equal(apply(f->st, &late, &res), STORE_CB_CONFLICT);
	assert_non_null(strstr(res.reason, "already completed"));
	assert_int_equal(res.state, TXN_COMPLETED);
	assert_int_equal(store_txn_get(f->st, t.id, &t, &err), POS_OK);
	assert_int_equal(t.state, TXN_COMPLETED);
	assert_string_equal(t.result_code, "0");
	assert_true(q1(f->path, "SELECT count(*) FROM timeline WHERE what='conflict'") == 1);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.callback.conflict'"
	               " AND json_extract(payload,'$.state')='completed'") == 1);
}

static void test_conflict_receipt_elsewhere_and_ids_disagree(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct pos_err err;
	struct store_txn a = charge(f->st, 10000, TXN_AWAITING, "ws_CO_A");
	struct store_txn b = charge(f->st, 10000, TXN_AWAITING, "ws_CO_B");
	struct store_txn c = charge(f->st, 10000, TXN_SENT, NULL);
	struct store_callback cb = paid("ws_CO_A", "TCE4XQ7B2M");
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	/* b is told it was paid with a's receipt. */
	cb = paid("ws_CO_B", "TCE4XQ7B2M");
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_CONFLICT);
	assert_non_null(strstr(res.reason, "TCE4XQ7B2M"));
	assert_int_equal(store_txn_get(f->st, b.id, &b, &err), POS_OK);
	assert_int_equal(b.state, TXN_REVIEW);
	assert_string_equal(b.receipt, "");
	/* The URL names c, but the CheckoutRequestID is b's. */
	cb = paid("ws_CO_B", "TCE4XQ7B3M");
	cb.txn_public_id = c.public_id;
	cb.to = TXN_AWAITING;
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_CONFLICT);
	assert_true(res.txn_id == c.id);
	assert_non_null(strstr(res.reason, "ws_CO_B"));
	assert_int_equal(store_txn_get(f->st, c.id, &c, &err), POS_OK);
	assert_string_equal(c.checkout_request_id, "");
	assert_int_equal(store_txn_get(f->st, a.id, &a, &err), POS_OK);
	assert_int_equal(a.state, TXN_COMPLETED);
}

/* ---- unsolicited payments, rejected callbacks, balances -------------------------------------- */

static void test_c2b_creates_once(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res, again;
	struct store_txn t;
	struct pos_err err;
	static const char body[] = "{\"TransactionType\":\"Pay Bill\",\"TransID\":\"TCE5KD81PA\"}";
	const struct store_callback cb = {
		.route = "c2b/confirmation", .source = "196.201.214.206",
		.body = body, .body_len = sizeof body - 1,
		.receipt = "TCE5KD81PA", .to = TXN_COMPLETED, .result_code = "0",
		.has_amount = true, .amount_minor = 50000, .msisdn_shown = "2547 ***** 126",
		.payer_name = "Jane", .creates_txn = true, .kind = TXN_KIND_C2B,
		.shortcode = "600984", .account_reference = "INV-2041", .till_id = "till-1",
	};
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	assert_true(res.txn_id > 0);
	assert_int_equal(store_txn_get(f->st, res.txn_id, &t, &err), POS_OK);
	assert_int_equal(t.kind, TXN_KIND_C2B);
	assert_int_equal(t.state, TXN_COMPLETED);
	assert_true(t.amount_minor == 50000);
	assert_string_equal(t.account_reference, "INV-2041");
	assert_string_equal(t.receipt, "TCE5KD81PA");
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.c2b.confirmed'"
	               " AND json_extract(payload,'$.amount')='500'") == 1);
	assert_int_equal(apply(f->st, &cb, &again), STORE_CB_DUPLICATE);
	assert_true(again.txn_id == res.txn_id);
	assert_true(q1(f->path, "SELECT count(*) FROM txn") == 1);
}

static void test_rejected_and_hostile(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct store_callback_row row;
	struct pos_err err;
	char long_id[101];
	static const char nul_body[] = {'{', '"', 'a', '"', ':', 0, 1, 2, '}'};
	memset(long_id, 'A', 100);
	long_id[100] = '\0';

	struct store_callback cb = {.route = "stk", .source = "10.0.0.7",
	                            .body = nul_body, .body_len = sizeof nul_body,
	                            .reject_reason = "source 10.0.0.7 is not on the allow-list"};
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_REJECTED);
	assert_int_equal(store_callback_get(f->st, res.callback_id, &row, &err), POS_OK);
	assert_int_equal(row.outcome, STORE_CB_REJECTED);
	assert_int_equal(row.body_len, sizeof nul_body);      /* embedded NUL kept */
	assert_memory_equal(row.body, nul_body, sizeof nul_body);
	assert_non_null(strstr(row.reason, "allow-list"));
	store_callback_row_release(&row);

	/* An identifying field too long: archived, refused, body kept. */
	struct store_callback huge = paid(long_id, NULL);
	assert_int_equal(apply(f->st, &huge, &res), STORE_CB_REJECTED);
	assert_non_null(strstr(res.reason, "CheckoutRequestID"));
	/* Descriptive text that is not UTF-8 or too long is tidied, not refused. */
	charge(f->st, 10000, TXN_AWAITING, "ws_CO_1");
	char desc[400];
	memset(desc, 'd', sizeof desc - 1);
	desc[sizeof desc - 1] = '\0';
	desc[0] = '\xff';
	struct store_callback messy = paid("ws_CO_1", "TCE4XQ7B2M");
	messy.result_desc = desc;
	messy.payer_name = "J\xc3\xa4ne \xe2\x82";
	assert_int_equal(apply(f->st, &messy, &res), STORE_CB_APPLIED);
	struct store_txn t;
	assert_int_equal(store_txn_get(f->st, res.txn_id, &t, &err), POS_OK);
	assert_int_equal(t.result_desc[0], '?');
	assert_int_equal(strlen(t.result_desc), STORE_RESULT_DESC_MAX - 1);
	assert_string_equal(t.payer_name, "J\xc3\xa4ne ??");

	/* Caller mistakes are errors, and nothing is archived. */
	long long n = q1(f->path, "SELECT count(*) FROM callback");
	struct store_callback noroute = paid("x", NULL);
	noroute.route = NULL;
	assert_int_equal(store_callback_apply(f->st, &noroute, &res, &err), POS_E_INVALID);
	struct store_callback nostate = paid("x", NULL);
	nostate.to = (enum txn_state)50;
	assert_int_equal(store_callback_apply(f->st, &nostate, &res, &err), POS_E_INVALID);
	struct store_callback big = paid("x", NULL);
	big.body_len = STORE_BODY_MAX + 1;
	assert_int_equal(store_callback_apply(f->st, &big, &res, &err), POS_E_TOO_LONG);
	assert_int_equal(store_callback_apply(f->st, NULL, &res, &err), POS_E_INVALID);
	assert_true(q1(f->path, "SELECT count(*) FROM callback") == n);
}

static void test_balance_lines_stored_with_result(void **state)
{
	struct fx *f = *state;
	struct store_cb_result res;
	struct store_txn t;
	struct pos_err err;
	struct store_balance out[2];
	size_t n;
	const struct store_txn_new in = {.kind = TXN_KIND_BALANCE, .shortcode = "600984"};
	assert_int_equal(store_txn_create(f->st, &in, &t, &err), POS_OK);
	step(f->st, t.id, TXN_SENT, NULL);
	const struct store_txn_fields ids = {.conversation_id = "AG_20250314_1",
	                                     .originator_conversation_id = "5118-111210482-1"};
	step(f->st, t.id, TXN_AWAITING, &ids);
	const struct store_balance lines[] = {
		{.shortcode = "600984", .account = "Utility Account", .currency = "KES",
		 .current_minor = 22803700, .available_minor = 22803700},
		{.shortcode = "600984", .account = "Charges Paid Account", .currency = "KES",
		 .current_minor = -154000, .available_minor = -154000},
	};
	const struct store_callback cb = {
		.route = "balance/result", .txn_public_id = t.public_id,
		.conversation_id = "AG_20250314_1", .to = TXN_COMPLETED, .result_code = "0",
		.receipt = "OA90000000", .balances = lines, .n_balances = 2,
	};
	assert_int_equal(apply(f->st, &cb, &res), STORE_CB_APPLIED);
	assert_int_equal(store_balance_latest(f->st, "600984", "Charges Paid Account", out, &n, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_true(out[0].current_minor == -154000);
	assert_true(out[0].txn_id == t.id);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.balance.result'") == 1);
}

/* ---- the group-commit writer -------------------------------------------------------------- */

enum { THREADS = 64, JOBS = 64, BAD_EVERY = 50, DUP_EVERY = 10 };

struct seen {
	pthread_mutex_t mu;
	unsigned char *hit; /* per txn id */
	size_t cap;
	long notified;
	long calls;
	long out_of_range;
};

static void on_commit(void *ctx, const int64_t *ids, size_t n)
{
	struct seen *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->calls++;
	for (size_t i = 0; i < n; i++) {
		if (ids[i] <= 0 || (size_t)ids[i] >= s->cap)
			s->out_of_range++;
		else if (!s->hit[ids[i]]++)
			s->notified++;
	}
	pthread_mutex_unlock(&s->mu);
}

struct worker {
	struct store_writer *w;
	int thread;
	int applied, duplicates, bad;
	int64_t first_txn;
	int failures;
};

static void *submitter(void *arg)
{
	struct worker *k = arg;
	for (int i = 0; i < JOBS; i++) {
		char receipt[24], body[96];
		struct store_cb_result res;
		struct pos_err err;
		bool dup = i > 0 && i % DUP_EVERY == 0;
		bool bad = i % BAD_EVERY == 7;
		/* A duplicate repeats this thread's first payment. */
		str_fmt(receipt, sizeof receipt, "R%02d%05d", k->thread, dup ? 0 : i);
		str_fmt(body, sizeof body, "{\"TransID\":\"%s\",\"thread\":%d,\"i\":%d}", receipt,
		        k->thread, i);
		const struct store_callback cb = {
			.route = bad ? NULL : "c2b/confirmation", .body = body, .body_len = strlen(body),
			.receipt = receipt, .to = TXN_COMPLETED, .result_code = "0",
			.has_amount = true, .amount_minor = dup ? 100 : 100 * (i + 1), .creates_txn = true,
			.kind = TXN_KIND_C2B, .shortcode = "600984",
		};
		enum pos_status rc = store_writer_submit(k->w, &cb, &res, &err);
		if (bad) {
			k->bad += rc == POS_E_INVALID;
			k->failures += rc != POS_E_INVALID;
			continue;
		}
		if (rc != POS_OK) {
			k->failures++;
			continue;
		}
		if (i == 0)
			k->first_txn = res.txn_id;
		if (dup) {
			k->duplicates += res.outcome == STORE_CB_DUPLICATE && res.txn_id == k->first_txn;
		} else {
			k->applied += res.outcome == STORE_CB_APPLIED;
		}
	}
	return NULL;
}

static void test_writer_many_threads(void **state)
{
	struct fx *f = *state;
	struct seen seen = {.cap = THREADS * JOBS + 16};
	struct store_writer *w = NULL;
	struct pos_err err;
	struct worker k[THREADS];
	pthread_t th[THREADS];
	int dups_per = 0, bad_per = 0;

	for (int i = 0; i < JOBS; i++) {
		dups_per += i > 0 && i % DUP_EVERY == 0 && i % BAD_EVERY != 7;
		bad_per += i % BAD_EVERY == 7;
	}
	pthread_mutex_init(&seen.mu, NULL);
	seen.hit = calloc(seen.cap, 1);
	assert_non_null(seen.hit);
	const struct store_writer_opts o = {.notify = on_commit, .notify_ctx = &seen};
	assert_int_equal(store_writer_open(f->path, &o, &w, &err), POS_OK);
	for (int t = 0; t < THREADS; t++) {
		k[t] = (struct worker){.w = w, .thread = t};
		assert_int_equal(pthread_create(&th[t], NULL, submitter, &k[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	struct store_writer_stats stats;
	store_writer_get_stats(w, &stats);
	store_writer_close(w);

	int applied = 0;
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(k[t].failures, 0);
		assert_int_equal(k[t].bad, bad_per);
		assert_int_equal(k[t].duplicates, dups_per);
		applied += k[t].applied;
	}
	int want = THREADS * (JOBS - dups_per - bad_per);
	assert_int_equal(applied, want);
	/* Every job committed exactly once: one payment per receipt, one
	 * archive row per good submission, each change notified. */
	assert_true(q1(f->path, "SELECT count(*) FROM txn") == want);
	assert_true(q1(f->path, "SELECT count(DISTINCT receipt) FROM txn") == want);
	assert_true(q1(f->path, "SELECT count(*) FROM callback") == want + THREADS * dups_per);
	assert_true(q1(f->path, "SELECT count(*) FROM callback WHERE outcome='duplicate'") ==
	            THREADS * dups_per);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.c2b.confirmed'") == want);
	assert_int_equal(seen.notified, want);
	assert_int_equal(seen.out_of_range, 0);
	assert_true(stats.jobs == (uint64_t)(THREADS * JOBS));
	assert_true(stats.groups >= 1 && stats.groups <= stats.jobs);
	assert_true(stats.max_group >= 1 && stats.max_group <= 256);
	print_message("# writer: %llu jobs in %llu groups (largest %llu), %ld notifications\n",
	              (unsigned long long)stats.jobs, (unsigned long long)stats.groups,
	              (unsigned long long)stats.max_group, seen.calls);
	free(seen.hit);
	pthread_mutex_destroy(&seen.mu);
}

static void test_writer_full_disk(void **state)
{
	struct fx *f = *state;
	struct store_writer *w = NULL;
	struct pos_err err;
	long long pages = q1(f->path, "PRAGMA page_count");
	const struct store_writer_opts o = {.store = {.test_max_pages = (uint32_t)pages + 6}};
	enum pos_status rc = POS_OK;
	int ok = 0;
	assert_int_equal(store_writer_open(f->path, &o, &w, &err), POS_OK);
	for (int i = 0; i < 100000 && rc == POS_OK; i++) {
		char receipt[24];
		struct store_cb_result res;
		str_fmt(receipt, sizeof receipt, "RF%07d", i);
		const struct store_callback cb = {
			.route = "c2b/confirmation", .body = receipt, .body_len = strlen(receipt),
			.receipt = receipt, .to = TXN_COMPLETED, .creates_txn = true,
			.kind = TXN_KIND_C2B, .has_amount = true, .amount_minor = 100,
			.result_desc = "a description long enough to fill the pages a little faster",
		};
		rc = store_writer_submit(w, &cb, &res, &err);
		ok += rc == POS_OK;
	}
	store_writer_close(w);
	assert_int_equal(rc, POS_E_STORE);
	assert_non_null(strstr(err.msg, "full"));
	assert_true(ok > 5);
	/* Exactly the callbacks reported saved are on disk. */
	assert_true(q1(f->path, "SELECT count(*) FROM callback") == ok);
	assert_true(q1(f->path, "SELECT count(*) FROM txn") == ok);
	const struct store_writer_opts ro = {.store = {.read_only = true}};
	assert_int_equal(store_writer_open(f->path, &ro, &w, &err), POS_E_INVALID);
	assert_null(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_applied_then_duplicate),
		T(test_same_state_fills_blanks),
		T(test_same_state_failed),
		T(test_orphan_adopted_when_ids_arrive),
		T(test_early_callback_waits_for_its_transaction),
		T(test_orphan_adopt_explicit),
		T(test_conflict_amount_goes_to_review),
		T(test_conflict_phone),
		T(test_conflict_with_finished_transaction),
		T(test_conflict_receipt_elsewhere_and_ids_disagree),
		T(test_c2b_creates_once),
		T(test_rejected_and_hostile),
		T(test_balance_lines_stored_with_result),
		T(test_writer_many_threads),
		T(test_writer_full_disk),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
