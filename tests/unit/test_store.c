/* tests/unit/test_store.c: store/ — opening and migrating, public ids,
 * transactions and their atomic state changes, every unique constraint, the
 * rules the schema enforces by itself, operators, the audit chain, settings,
 * shared rate limits, outbox cursors, batches, claims, balances, backup, and
 * clear errors on a full disk and a read-only database.
 *
 * The tests open the database file with SQLite directly where they must
 * count rows or play the part of someone editing the file by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/txn.h"
#include "store/store.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1741935600 /* 2025-03-14 10:00:00 EAT */
#define HASH "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

struct fx {
	char dir[64];
	char path[128];
	struct store *st;
};

static void fx_path(const struct fx *f, const char *name, char *out, size_t outsz)
{
	str_fmt(out, outsz, "%s/%s", f->dir, name);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct pos_err err;
	if (!f)
		return -1;
	str_copy(f->dir, sizeof f->dir, "/tmp/store-test-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	fx_path(f, "ledger.db", f->path, sizeof f->path);
	clock_set_fixed(T0);
	if (store_open(f->path, NULL, &f->st, &err) != POS_OK) {
		fprintf(stderr, "# open: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	static const char *const files[] = {
		"ledger.db", "ledger.db-wal", "ledger.db-shm", "ledger.db-journal",
		"copy.db", "copy.db.tmp", "copy.db-wal", "copy.db-shm", "copy.db-journal",
	};
	char p[160];
	store_close(f->st);
	for (size_t i = 0; i < N_ELEMS(files); i++) {
		fx_path(f, files[i], p, sizeof p);
		unlink(p);
	}
	assert_int_equal(rmdir(f->dir), 0); /* nothing else was left behind */
	clock_set_fixed(-1);
	free(f);
	return 0;
}

/* Run one query on the file with a separate connection; its integer. */
static long long q1(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	long long v = -1;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Run a statement by hand; SQLite's result code, message into msg. */
static int hand(const char *path, const char *sql, char *msg, size_t msgsz)
{
	sqlite3 *db = NULL;
	char *e = NULL;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	int rc = sqlite3_exec(db, sql, NULL, NULL, &e);
	if (msg)
		str_copy(msg, msgsz, e ? e : "");
	sqlite3_free(e);
	sqlite3_close(db);
	return rc;
}

static int64_t make_txn(struct store *st, enum txn_kind kind, int64_t amount,
                        struct store_txn *out)
{
	struct store_txn t;
	struct pos_err err;
	const struct store_txn_new in = {
		.kind = kind, .amount_minor = amount, .msisdn = "254712345678",
		.till_id = "till-1", .shortcode = "174379",
	};
	assert_int_equal(store_txn_create(st, &in, &t, &err), POS_OK);
	if (out)
		*out = t;
	return t.id;
}

static enum pos_status move(struct store *st, int64_t id, enum txn_state to,
                            const struct store_txn_fields *set, struct pos_err *err)
{
	struct store_txn_change ch = {.to = to, .actor = TXN_BY_SYSTEM};
	if (set)
		ch.set = *set;
	return store_txn_transition(st, id, &ch, NULL, err);
}

/* ---- opening and migrating --------------------------------------------------- */

static void test_migrate_from_empty_and_reopen(void **state)
{
	struct fx *f = *state;
	struct store_migration_report rep;
	struct pos_err err;

	assert_true(store_schema_version() >= 1);
	assert_int_equal(q1(f->path, "PRAGMA user_version"), store_schema_version());
	assert_true(q1(f->path, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='txn'") == 1);
	/* Idempotent: nothing left to do. */
	assert_int_equal(store_migrate(f->st, &rep, &err), POS_OK);
	assert_int_equal(rep.from_version, store_schema_version());
	assert_int_equal(rep.to_version, store_schema_version());
	assert_int_equal(rep.steps, 0);
	/* Re-open, twice, with another connection open: still fine. */
	struct store *b = NULL, *c = NULL;
	assert_int_equal(store_open(f->path, NULL, &b, &err), POS_OK);
	assert_int_equal(store_open(f->path, NULL, &c, &err), POS_OK);
	store_close(c);
	store_close(b);
	/* WAL, full sync and foreign keys are on for our connections. */
	char mode[16] = "";
	sqlite3 *db;
	sqlite3_stmt *s;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	str_copy(mode, sizeof mode, (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	assert_string_equal(mode, "wal");
}

static void test_newer_schema_refused(void **state)
{
	struct fx *f = *state;
	struct store *b = NULL;
	struct pos_err err;
	char sql[64];
	store_close(f->st);
	f->st = NULL;
	str_fmt(sql, sizeof sql, "PRAGMA user_version = %d", store_schema_version() + 1);
	assert_int_equal(hand(f->path, sql, NULL, 0), SQLITE_OK);
	assert_int_equal(store_open(f->path, NULL, &b, &err), POS_E_STORE);
	assert_null(b);
	assert_non_null(strstr(err.msg, "newer"));
	assert_non_null(strstr(err.hint, "upgrade"));
}

static void test_open_hostile_paths(void **state)
{
	struct fx *f = *state;
	struct store *b = NULL;
	struct pos_err err;
	char p[160];
	assert_int_equal(store_open("", NULL, &b, &err), POS_E_EMPTY);
	assert_int_equal(store_open(NULL, NULL, &b, &err), POS_E_EMPTY);
	assert_int_equal(store_open("/nonexistent-dir/x/ledger.db", NULL, &b, &err), POS_E_STORE);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x/ledger.db"));
	/* Not a database at all. */
	fx_path(f, "copy.db", p, sizeof p);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("this is not a database, it is a shopping list: 2 kg sugar, bread\n", fp);
	fclose(fp);
	assert_int_equal(store_open(p, NULL, &b, &err), POS_E_STORE);
	assert_non_null(strstr(err.msg, "not an mpesa-pos database"));
	assert_null(b);
}

static void test_file_is_private(void **state)
{
	struct fx *f = *state;
	char cmd[200];
	str_fmt(cmd, sizeof cmd, "test \"$(stat -c %%a %s)\" = 600", f->path);
	assert_int_equal(system(cmd), 0);
}

/* ---- public ids ------------------------------------------------------------------- */

static void test_public_id_round_trip(void **state)
{
	(void)state;
	static const int64_t ids[] = {1, 2, 31, 32, 33, 1023, 1024, 123456, 1073741823,
	                              1073741824, INT64_C(1125899906842623)};
	char s[STORE_PUBLIC_ID_MAX];
	int64_t back;
	for (size_t i = 0; i < N_ELEMS(ids); i++) {
		assert_true(store_public_id_format(ids[i], s));
		assert_true(strlen(s) >= 8 && strlen(s) <= 12);
		assert_int_equal(s[0], 'T');
		assert_int_equal(store_public_id_parse(s, &back, NULL), POS_OK);
		assert_true(back == ids[i]);
	}
	assert_true(store_public_id_format(1, s));
	assert_int_equal(strlen(s), 8);
	assert_false(store_public_id_format(0, s));
	assert_false(store_public_id_format(-5, s));
	assert_false(store_public_id_format(INT64_C(1125899906842624), s)); /* 32^10 */
	assert_false(store_public_id_format(INT64_MAX, s));
}

static void test_public_id_parse_hostile(void **state)
{
	(void)state;
	char good[STORE_PUBLIC_ID_MAX], lower[STORE_PUBLIC_ID_MAX], dashed[32], oh[16];
	assert_true(store_public_id_format(1024, good)); /* T0000100 + check */
	for (size_t i = 0; i <= strlen(good); i++)
		lower[i] = (char)(good[i] >= 'A' && good[i] <= 'Z' ? good[i] - 'A' + 'a' : good[i]);
	str_fmt(dashed, sizeof dashed, "%.4s-%s", good, good + 4);
	str_copy(oh, sizeof oh, good);
	for (char *p = oh + 1; *p; p++)
		if (*p == '0') {
			*p = 'O';
			break;
		}
	const struct {
		const char *in;
		enum pos_status want;
	} cases[] = {
		{good, POS_OK}, {lower, POS_OK}, {dashed, POS_OK}, {oh, POS_OK},
		{"", POS_E_PARSE}, {NULL, POS_E_PARSE}, {"T", POS_E_PARSE},
		{"T123", POS_E_PARSE}, {"X0000100", POS_E_PARSE},
		{"T00001U0", POS_E_PARSE},              /* U is never a digit */
		{"T0000000000000", POS_E_PARSE},        /* too long */
		{"T000010\xef\xbc\x91", POS_E_PARSE},   /* full-width digit one */
		{"T0000100 ; DROP TABLE txn", POS_E_PARSE},
		{"T000000000000000000000000000000000000000000000000000000000000000000000", POS_E_PARSE},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		int64_t id = -1;
		struct pos_err err;
		assert_int_equal(store_public_id_parse(cases[i].in, &id, &err), cases[i].want);
		if (cases[i].want == POS_OK)
			assert_true(id == 1024);
		else
			assert_string_equal(err.field, "reference");
	}
}

static void test_public_id_catches_one_typo(void **state)
{
	(void)state;
	static const char sym[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	for (int64_t id = 1; id < 3000; id += 7) {
		char s[STORE_PUBLIC_ID_MAX], t[STORE_PUBLIC_ID_MAX];
		int64_t back;
		assert_true(store_public_id_format(id, s));
		for (size_t i = 1; s[i]; i++)
			for (size_t k = 0; k < 32; k++) {
				if (sym[k] == s[i])
					continue;
				str_copy(t, sizeof t, s);
				t[i] = sym[k];
				assert_int_equal(store_public_id_parse(t, &back, NULL), POS_E_PARSE);
			}
	}
}

/* ---- transactions ------------------------------------------------------------------- */

static void test_txn_create_fields(void **state)
{
	struct fx *f = *state;
	struct store_txn t, g;
	struct pos_err err;
	const struct store_txn_new in = {
		.kind = TXN_KIND_STK, .amount_minor = 15000, .msisdn = "254712345678",
		.account_reference = "Ünïcødé-12", .description = "Groceries",
		.command_id = "CustomerBuyGoodsOnline", .till_id = "till-1",
		.shortcode = "174379", .deadline_at = (int64_t)(T0 + 60) * 1000,
		.detail = "{\"note\":\"intent\"}",
	};
	assert_int_equal(store_txn_create(f->st, &in, &t, &err), POS_OK);
	assert_int_equal(t.state, TXN_CREATED);
	assert_string_equal(t.currency, "KES");
	assert_true(t.created_at == (int64_t)T0 * 1000);
	assert_int_equal(store_txn_get_public(f->st, t.public_id, &g, &err), POS_OK);
	assert_true(g.id == t.id);
	assert_string_equal(g.account_reference, "Ünïcødé-12");
	assert_true(g.deadline_at == in.deadline_at);
	assert_int_equal(store_txn_get(f->st, 999, &g, &err), POS_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "999"));
	/* Creation writes its timeline row; created publishes no event. */
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == 1);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == 0);
}

/* A charge left without a reference carries its public id on the prompt:
 * the ledger records that reference, History finds it, events show it. */
static void test_txn_reference_sent(void **state)
{
	struct fx *f = *state;
	struct store_txn t, g;
	struct pos_err err;
	char sql[256];
	make_txn(f->st, TXN_KIND_STK, 10000, &t);
	assert_string_equal(t.account_reference, t.public_id);
	assert_int_equal(store_txn_get(f->st, t.id, &g, &err), POS_OK);
	assert_string_equal(g.account_reference, t.public_id);
	struct store_filter flt = {.reference = t.public_id};
	struct store_txn rows[2];
	struct store_cursor next;
	size_t n = 0;
	bool more;
	assert_int_equal(store_txn_history(f->st, &flt, NULL, rows, 2, &n, &next, &more, &err),
	                 POS_OK);
	assert_int_equal((int)n, 1);
	assert_true(rows[0].id == t.id);
	/* The reference sent may be recorded again, never changed. */
	struct store_txn_fields same = {.account_reference = t.public_id};
	assert_int_equal(move(f->st, t.id, TXN_SENT, &same, &err), POS_OK);
	struct store_txn_fields other = {.account_reference = "INV-7"};
	assert_int_equal(store_txn_update(f->st, t.id, &other, NULL, NULL, NULL, &err),
	                 POS_E_CONFLICT);
	assert_string_equal(err.field, "account_reference");
	assert_int_equal(move(f->st, t.id, TXN_AWAITING, NULL, &err), POS_OK);
	struct store_txn_fields paid = {.receipt = "TCE4XQ7B2M", .result_code = "0"};
	assert_int_equal(move(f->st, t.id, TXN_COMPLETED, &paid, &err), POS_OK);
	str_fmt(sql, sizeof sql,
	        "SELECT count(*) FROM outbox WHERE txn_id = %lld AND "
	        "instr(payload, '\"account_reference\"') > 0 AND instr(payload, '\"%s\"') > 0",
	        (long long)t.id, t.public_id);
	assert_true(q1(f->path, sql) >= 1);
	/* A reference the cashier typed is kept; other kinds get none. */
	const struct store_txn_new typed = {.kind = TXN_KIND_STK, .amount_minor = 100,
	                                    .msisdn = "254712345678", .account_reference = "INV-7"};
	assert_int_equal(store_txn_create(f->st, &typed, &g, &err), POS_OK);
	assert_string_equal(g.account_reference, "INV-7");
	make_txn(f->st, TXN_KIND_B2C, 10000, &g);
	assert_string_equal(g.account_reference, "");
	/* A flow may record the reference it sent on a row that had none. */
	struct store_txn_fields sent = {.account_reference = "PAYOUT-1"};
	assert_int_equal(store_txn_update(f->st, g.id, &sent, NULL, NULL, &g, &err), POS_OK);
	assert_string_equal(g.account_reference, "PAYOUT-1");
}

static void test_txn_create_hostile(void **state)
{
	struct fx *f = *state;
	char s101[102], s16[17];
	memset(s101, 'd', 101);
	s101[101] = '\0';
	memset(s16, '7', 16);
	s16[16] = '\0';
	const struct {
		struct store_txn_new in;
		enum pos_status want;
		const char *field;
	} cases[] = {
		{{.kind = TXN_KIND_STK, .amount_minor = 100}, POS_OK, ""},
		{{.kind = TXN_KIND_STK, .amount_minor = -1}, POS_E_AMOUNT, "amount"},
		{{.kind = (enum txn_kind)99, .amount_minor = 1}, POS_E_INVALID, "kind"},
		{{.kind = TXN_KIND_STK, .description = s101}, POS_E_TOO_LONG, "description"},
		{{.kind = TXN_KIND_STK, .description = s101 + 1}, POS_OK, ""},
		{{.kind = TXN_KIND_STK, .msisdn = s16}, POS_E_TOO_LONG, "msisdn"},
		{{.kind = TXN_KIND_STK, .payer_name = "Jane \xff\xfe"}, POS_E_INVALID, "payer_name"},
		{{.kind = TXN_KIND_STK, .currency = "kes"}, POS_E_INVALID, "currency"},
		{{.kind = TXN_KIND_STK, .currency = "Ksh"}, POS_E_INVALID, "currency"},
		{{.kind = TXN_KIND_STK, .currency = "USD"}, POS_E_INVALID, "currency"},
		{{.kind = TXN_KIND_STK, .currency = "TZS"}, POS_OK, ""},
		{{.kind = TXN_KIND_B2C, .batch_id = 1}, POS_E_INVALID, "batch_row"},
		{{.kind = TXN_KIND_STK, .operator_id = 4242}, POS_E_NOT_FOUND, ""},
		{{.kind = TXN_KIND_STK, .account_reference = "ab\0cd"}, POS_OK, ""},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct pos_err err;
		struct store_txn t;
		enum pos_status rc = store_txn_create(f->st, &cases[i].in, &t, &err);
		assert_int_equal(rc, cases[i].want);
		if (rc != POS_OK && cases[i].field[0])
			assert_string_equal(err.field, cases[i].field);
	}
	/* Refused rows left nothing behind. */
	assert_true(q1(f->path, "SELECT count(*) FROM txn") == 4);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == 4);
	assert_true(q1(f->path, "SELECT count(*) FROM txn WHERE account_reference = 'ab'") == 1);
}

static void test_transition_atomic(void **state)
{
	struct fx *f = *state;
	struct store_txn t;
	struct pos_err err;
	int64_t id = make_txn(f->st, TXN_KIND_STK, 10000, &t);
	const long long tl0 = q1(f->path, "SELECT count(*) FROM timeline");

	/* Illegal for core: nothing at all is written. */
	assert_int_equal(move(f->st, id, TXN_COMPLETED, NULL, &err), POS_E_STATE);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == tl0);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == 0);
	assert_true(q1(f->path, "SELECT count(*) FROM txn WHERE state='created'") == 1);

	/* created -> sent: timeline row, no event in the catalogue. */
	assert_int_equal(move(f->st, id, TXN_SENT, NULL, &err), POS_OK);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == tl0 + 1);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == 0);

	/* sent -> awaiting with Daraja's ids: stk_push.initiated. */
	const struct store_txn_fields ids = {.merchant_request_id = "7311-4022163-1",
	                                     .checkout_request_id = "ws_CO_1"};
	assert_int_equal(move(f->st, id, TXN_AWAITING, &ids, &err), POS_OK);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.stk_push.initiated'"
	               " AND json_extract(payload,'$.checkout_request_id')='ws_CO_1'") == 1);

	/* A contradicting id is refused, nothing written. */
	const struct store_txn_fields other = {.checkout_request_id = "ws_CO_2"};
	assert_int_equal(move(f->st, id, TXN_COMPLETED, &other, &err), POS_E_CONFLICT);
	assert_string_equal(err.field, "checkout_request_id");
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == 1);

	/* check_from mismatch. */
	struct store_txn_change ch = {.check_from = true, .from = TXN_SENT,
	                              .to = TXN_COMPLETED, .actor = TXN_BY_SYSTEM};
	assert_int_equal(store_txn_transition(f->st, id, &ch, NULL, &err), POS_E_CONFLICT);

	/* awaiting -> completed with the receipt. */
	const struct store_txn_fields paid = {.receipt = "TCE4XQ7B2M", .result_code = "0",
	                                      .result_desc = "Processed", .payer_name = "Jane"};
	ch = (struct store_txn_change){.check_from = true, .from = TXN_AWAITING,
	                               .to = TXN_COMPLETED, .set = paid, .what = "callback",
	                               .detail = "paid"};
	assert_int_equal(store_txn_transition(f->st, id, &ch, &t, &err), POS_OK);
	assert_int_equal(t.state, TXN_COMPLETED);
	assert_string_equal(t.receipt, "TCE4XQ7B2M");
	assert_string_equal(t.checkout_request_id, "ws_CO_1");
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.stk_push.success'"
	               " AND json_extract(payload,'$.receipt')='TCE4XQ7B2M'"
	               " AND json_extract(payload,'$.amount')='100'"
	               " AND json_extract(payload,'$.txn_id')=(SELECT public_id FROM txn)") == 1);
	long long tl = q1(f->path, "SELECT count(*) FROM timeline");
	/* Same again: duplicate, no second effect. */
	assert_int_equal(store_txn_transition(f->st, id, &ch, &t, &err), POS_E_DUPLICATE);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == tl);
	assert_true(q1(f->path, "SELECT count(*) FROM outbox") == 2);
	/* Finished is finished. */
	assert_int_equal(move(f->st, id, TXN_REVIEW, NULL, &err), POS_E_STATE);
	assert_int_equal(move(f->st, 12345, TXN_SENT, NULL, &err), POS_E_NOT_FOUND);
	ch = (struct store_txn_change){.to = (enum txn_state)77};
	assert_int_equal(store_txn_transition(f->st, id, &ch, NULL, &err), POS_E_INVALID);
}

struct tl_ctx {
	int n;
	char what[8][STORE_WHAT_MAX];
};

static bool tl_visit(const struct store_timeline_row *row, void *ctx)
{
	struct tl_ctx *c = ctx;
	if (c->n < 8)
		str_copy(c->what[c->n], sizeof c->what[0], row->what);
	c->n++;
	return true;
}

static void test_timeline_notes_and_supervisor(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct tl_ctx tl = {0};
	char huge[20000];
	int64_t id = make_txn(f->st, TXN_KIND_STK, 100, NULL);
	memset(huge, 'x', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	assert_int_equal(store_txn_note(f->st, id, "request", "{\"Amount\":1}", &err), POS_OK);
	assert_int_equal(store_txn_note(f->st, id, "answer", huge, &err), POS_OK); /* cut */
	assert_int_equal(store_txn_note(f->st, id, "", "x", &err), POS_E_EMPTY);
	assert_int_equal(store_txn_note(f->st, 999, "note", "x", &err), POS_E_NOT_FOUND);
	assert_true(q1(f->path, "SELECT max(length(detail)) FROM timeline") == (long long)STORE_DETAIL_MAX);
	assert_int_equal(move(f->st, id, TXN_SENT, NULL, &err), POS_OK);
	assert_int_equal(move(f->st, id, TXN_UNKNOWN, NULL, &err), POS_OK);
	assert_int_equal(move(f->st, id, TXN_UNRESOLVED, NULL, &err), POS_OK);
	/* Only a supervisor closes an unresolved transaction. */
	assert_int_equal(move(f->st, id, TXN_FAILED, NULL, &err), POS_E_STATE);
	struct store_txn_change ch = {.to = TXN_FAILED, .actor = TXN_BY_SUPERVISOR,
	                              .what = "close", .detail = "customer says not paid"};
	assert_int_equal(store_txn_transition(f->st, id, &ch, NULL, &err), POS_OK);
	assert_int_equal(store_txn_timeline(f->st, id, tl_visit, &tl, &err), POS_OK);
	assert_int_equal(tl.n, 7);
	assert_string_equal(tl.what[0], "created");
	assert_string_equal(tl.what[1], "request");
	assert_string_equal(tl.what[6], "close");
	assert_true(q1(f->path, "SELECT count(*) FROM outbox WHERE event='mpesa.reconcile.resolved'") == 1);
	/* Reconciliation bookkeeping. */
	assert_int_equal(store_txn_schedule(f->st, id, 3, 5000, &err), POS_OK);
	assert_int_equal(store_txn_schedule(f->st, 999, 3, 5000, &err), POS_E_NOT_FOUND);
	assert_int_equal(store_txn_schedule(f->st, id, -1, 5000, &err), POS_E_RANGE);
}

/* ---- unique constraints ------------------------------------------------------------- */

static void test_unique_daraja_ids(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	int64_t a = make_txn(f->st, TXN_KIND_STK, 100, NULL);
	int64_t b = make_txn(f->st, TXN_KIND_STK, 100, NULL);
	const struct {
		struct store_txn_fields set;
		const char *field;
	} cases[] = {
		{{.checkout_request_id = "ws_CO_X"}, "checkout_request_id"},
		{{.conversation_id = "AG_20250314_X"}, "conversation_id"},
		{{.originator_conversation_id = "10571-7910404-1"}, "originator_conversation_id"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		assert_int_equal(store_txn_update(f->st, a, &cases[i].set, NULL, NULL, NULL, &err), POS_OK);
		assert_int_equal(store_txn_update(f->st, b, &cases[i].set, NULL, NULL, NULL, &err),
		                 POS_E_DUPLICATE);
		assert_string_equal(err.field, cases[i].field);
	}
	/* Empty ids are "not set", never a duplicate of each other. */
	const struct store_txn_fields empty = {.checkout_request_id = "", .receipt = ""};
	assert_int_equal(store_txn_update(f->st, b, &empty, NULL, NULL, NULL, &err), POS_OK);
	/* The originator id we choose at creation (B2C v3) is unique too. */
	const struct store_txn_new b2c = {.kind = TXN_KIND_B2C, .amount_minor = 100,
	                                  .originator_conversation_id = "10571-7910404-1"};
	assert_int_equal(store_txn_create(f->st, &b2c, NULL, &err), POS_E_DUPLICATE);
	struct store_txn found;
	assert_int_equal(store_txn_find(f->st, STORE_KEY_CHECKOUT, "ws_CO_X", &found, &err), POS_OK);
	assert_true(found.id == a);
	assert_int_equal(store_txn_find(f->st, STORE_KEY_CONVERSATION, "nope", &found, &err),
	                 POS_E_NOT_FOUND);
	assert_int_equal(store_txn_find(f->st, STORE_KEY_RECEIPT, "", &found, &err), POS_E_EMPTY);
}

static void test_unique_receipts_money_only(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	const struct store_txn_fields r = {.receipt = "TCE4XQ7B2M"};
	const struct store_txn_fields placeholder = {.receipt = "OA90000000"};
	int64_t a = make_txn(f->st, TXN_KIND_STK, 100, NULL);
	int64_t b = make_txn(f->st, TXN_KIND_C2B, 100, NULL);
	assert_int_equal(store_txn_update(f->st, a, &r, NULL, NULL, NULL, &err), POS_OK);
	assert_int_equal(store_txn_update(f->st, b, &r, NULL, NULL, NULL, &err), POS_E_DUPLICATE);
	assert_string_equal(err.field, "receipt");
	/* Balance and status results carry placeholder ids: never unique. */
	for (int i = 0; i < 3; i++) {
		int64_t s = make_txn(f->st, i == 1 ? TXN_KIND_BALANCE : TXN_KIND_STATUS, 0, NULL);
		assert_int_equal(store_txn_update(f->st, s, &placeholder, NULL, NULL, NULL, &err), POS_OK);
	}
	assert_true(q1(f->path, "SELECT count(*) FROM txn WHERE receipt='OA90000000'") == 3);
	/* A receipt, once recorded, does not change. */
	const struct store_txn_fields r2 = {.receipt = "TCE4XQ7B2N"};
	assert_int_equal(store_txn_update(f->st, a, &r2, NULL, NULL, NULL, &err), POS_E_CONFLICT);
}

static void test_unique_batch_row_and_claim(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store_operator op = {.name = "Asha", .role = "supervisor"};
	int64_t maker, checker, batch;
	str_copy(op.pin_hash, sizeof op.pin_hash, HASH);
	assert_int_equal(store_operator_add(f->st, &op, &maker, &err), POS_OK);
	assert_int_equal(store_operator_add(f->st, &op, &checker, &err), POS_OK);
	assert_int_equal(store_batch_create(f->st, "payroll-march.csv", NULL, 2, 300000, maker,
	                                    &batch, &err), POS_OK);
	const struct store_txn_new row1 = {.kind = TXN_KIND_B2C, .amount_minor = 150000,
	                                   .batch_id = batch, .batch_row = 1};
	assert_int_equal(store_txn_create(f->st, &row1, NULL, &err), POS_OK);
	assert_int_equal(store_txn_create(f->st, &row1, NULL, &err), POS_E_DUPLICATE);
	/* Four eyes: the maker cannot approve. */
	assert_int_equal(store_batch_approve(f->st, batch, maker, &err), POS_E_DENIED);
	assert_int_equal(store_batch_set_status(f->st, batch, STORE_BATCH_RUNNING, &err), POS_E_STATE);
	assert_int_equal(store_batch_approve(f->st, batch, checker, &err), POS_OK);
	assert_int_equal(store_batch_approve(f->st, batch, checker, &err), POS_E_STATE);
	assert_int_equal(store_batch_set_status(f->st, batch, STORE_BATCH_RUNNING, &err), POS_OK);
	assert_int_equal(store_batch_set_status(f->st, batch, STORE_BATCH_DONE, &err), POS_OK);
	struct store_batch b;
	assert_int_equal(store_batch_get(f->st, batch, &b, &err), POS_OK);
	assert_int_equal(b.status, STORE_BATCH_DONE);
	assert_true(b.approved_by == checker);
	assert_string_equal(store_batch_status_name(b.status), "done");
	/* The schema itself refuses a self-approved batch. */
	char msg[200];
	assert_int_equal(hand(f->path, "UPDATE batch SET approved_by = created_by", msg, sizeof msg),
	                 SQLITE_CONSTRAINT);

	/* A C2B payment is claimed once, and only a completed one. */
	struct store_txn c;
	int64_t pay = make_txn(f->st, TXN_KIND_C2B, 50000, &c);
	assert_int_equal(store_c2b_claim(f->st, pay, maker, "sale 17", &err), POS_E_INVALID);
	const struct store_txn_fields r = {.receipt = "TCE5KD81PA"};
	assert_int_equal(move(f->st, pay, TXN_COMPLETED, &r, &err), POS_OK);
	struct store_txn rows[4];
	size_t n;
	assert_int_equal(store_c2b_unclaimed(f->st, 0, rows, 4, &n, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_c2b_claim(f->st, pay, maker, "sale 17", &err), POS_OK);
	assert_int_equal(store_c2b_claim(f->st, pay, checker, "sale 18", &err), POS_E_DUPLICATE);
	assert_non_null(strstr(err.msg, "TCE5KD81PA"));
	assert_int_equal(store_c2b_unclaimed(f->st, 0, rows, 4, &n, &err), POS_OK);
	assert_int_equal(n, 0);

	/* A payment being reversed, or reversed, is neither listed nor claimed;
	 * once its reversal failed, it is again. */
	struct store_txn c2;
	int64_t pay2 = make_txn(f->st, TXN_KIND_C2B, 70000, &c2);
	const struct store_txn_fields r2 = {.receipt = "TCE5KD81PB"};
	assert_int_equal(move(f->st, pay2, TXN_COMPLETED, &r2, &err), POS_OK);
	const struct store_txn_new rev = {.kind = TXN_KIND_REVERSAL, .amount_minor = 70000,
	                                  .account_reference = c2.public_id,
	                                  .original_txn_id = pay2};
	struct store_txn rv;
	assert_int_equal(store_txn_create(f->st, &rev, &rv, &err), POS_OK);
	assert_int_equal(store_c2b_unclaimed(f->st, 0, rows, 4, &n, &err), POS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_c2b_claim(f->st, pay2, maker, "sale 19", &err), POS_E_STATE);
	assert_non_null(strstr(err.msg, rv.public_id));
	assert_non_null(strstr(err.msg, "cannot be claimed"));
	assert_int_equal(move(f->st, rv.id, TXN_FAILED, NULL, &err), POS_OK);
	assert_int_equal(store_c2b_unclaimed(f->st, 0, rows, 4, &n, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_c2b_claim(f->st, pay2, maker, "sale 19", &err), POS_OK);
}

/* ---- what the schema enforces by itself ------------------------------------------------ */

static void test_schema_rules_by_hand(void **state)
{
	struct fx *f = *state;
	int64_t id = make_txn(f->st, TXN_KIND_STK, 100, NULL);
	char msg[200];
	(void)id;
	const struct {
		const char *sql;
		int want;
		const char *says;
	} cases[] = {
		{"UPDATE txn SET amount_minor = 1", SQLITE_CONSTRAINT, "never change"},
		{"UPDATE txn SET kind = 'b2c'", SQLITE_CONSTRAINT, "never change"},
		{"UPDATE txn SET public_id = 'T0000027'", SQLITE_CONSTRAINT, "never change"},
		{"DELETE FROM txn", SQLITE_CONSTRAINT, "never deleted"},
		{"UPDATE timeline SET what = 'x'", SQLITE_CONSTRAINT, "append-only"},
		{"DELETE FROM timeline", SQLITE_CONSTRAINT, "append-only"},
		{"UPDATE txn SET state = 'nonsense'", SQLITE_CONSTRAINT, "CHECK"},
		{"INSERT INTO operator (id, name, role, pin_hash, created_at, updated_at)"
		 " VALUES (9, 'Eve', 'admin', '1234', 0, 0)", SQLITE_CONSTRAINT, "CHECK"},
		{"UPDATE txn SET state = 'completed'", SQLITE_OK, ""},
		{"UPDATE txn SET state = 'review'", SQLITE_CONSTRAINT, "finished"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		assert_int_equal(hand(f->path, cases[i].sql, msg, sizeof msg), cases[i].want);
		assert_non_null(strstr(msg, cases[i].says));
	}
}

/* The schema's lists of kinds, states, open states and finished states must
 * say what core says. */
static void test_schema_agrees_with_core(void **state)
{
	struct fx *f = *state;
	char sql[512], msg[200];
	for (int k = 0; k < TXN_KIND_COUNT; k++) {
		str_fmt(sql, sizeof sql,
		        "INSERT INTO txn (kind, state, amount_minor, currency, created_at, updated_at)"
		        " VALUES ('%s', 'created', 0, 'KES', 0, 0)", txn_kind_name((enum txn_kind)k));
		assert_int_equal(hand(f->path, sql, msg, sizeof msg), SQLITE_OK);
	}
	for (int s = 0; s < TXN_STATE_COUNT; s++) {
		str_fmt(sql, sizeof sql,
		        "INSERT INTO txn (kind, state, amount_minor, currency, created_at, updated_at)"
		        " VALUES ('stk', '%s', 0, 'KES', 1, 1)", txn_state_name((enum txn_state)s));
		assert_int_equal(hand(f->path, sql, msg, sizeof msg), SQLITE_OK);
	}
	struct store_txn rows[64];
	size_t n;
	struct pos_err err;
	assert_int_equal(store_txn_list_open(f->st, 0, rows, N_ELEMS(rows), &n, &err), POS_OK);
	int open_states = 0;
	for (int s = 0; s < TXN_STATE_COUNT; s++)
		open_states += !txn_state_is_terminal((enum txn_state)s);
	/* every kind was inserted as created (open), plus one per open state */
	assert_int_equal((int)n, TXN_KIND_COUNT + open_states);
	for (size_t i = 0; i < n; i++)
		assert_false(txn_state_is_terminal(rows[i].state));
	/* Core never moves a finished transaction: the txn_final trigger agrees. */
	for (int k = 0; k < TXN_KIND_COUNT; k++)
		for (int from = 0; from < TXN_STATE_COUNT; from++)
			for (int to = 0; to < TXN_STATE_COUNT; to++)
				if (txn_state_is_terminal((enum txn_state)from)) {
					assert_false(txn_transition_allowed((enum txn_kind)k, (enum txn_state)from,
					                                    (enum txn_state)to, TXN_BY_SYSTEM));
					assert_false(txn_transition_allowed((enum txn_kind)k, (enum txn_state)from,
					                                    (enum txn_state)to, TXN_BY_SUPERVISOR));
				}
}

/* ---- operators and audit ---------------------------------------------------------------- */

static void test_operators(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store_operator op = {.id = 1001, .name = "Wanjiru Kamau", .role = "cashier"}, got;
	int64_t id;
	str_copy(op.pin_hash, sizeof op.pin_hash, HASH);
	assert_int_equal(store_operator_add(f->st, &op, &id, &err), POS_OK);
	assert_true(id == 1001);
	assert_int_equal(store_operator_add(f->st, &op, &id, &err), POS_E_DUPLICATE);
	assert_string_equal(err.field, "id");
	op.id = 0;
	assert_int_equal(store_operator_add(f->st, &op, &id, &err), POS_OK);
	assert_true(id == 1002);
	/* A PIN as typed is refused: only hashes are stored. */
	struct store_operator plain = {.name = "Eve", .role = "admin", .pin_hash = "1234"};
	assert_int_equal(store_operator_add(f->st, &plain, &id, &err), POS_E_INVALID);
	assert_string_equal(err.field, "pin_hash");
	assert_null(strstr(err.msg, "1234"));
	struct store_operator noname = {.role = "admin"};
	str_copy(noname.pin_hash, sizeof noname.pin_hash, HASH);
	assert_int_equal(store_operator_add(f->st, &noname, &id, &err), POS_E_EMPTY);

	/* Failed attempts lock at the third; success clears. */
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(store_operator_failed(f->st, 1001, 3, 300000, &got, &err), POS_OK);
		assert_int_equal(got.failed_attempts, i);
		assert_true(got.locked_until == 0);
	}
	assert_int_equal(store_operator_failed(f->st, 1001, 3, 300000, &got, &err), POS_OK);
	assert_true(got.locked_until == (int64_t)T0 * 1000 + 300000);
	assert_int_equal(got.failed_attempts, 0);
	assert_int_equal(store_operator_get(f->st, 1001, &got, &err), POS_OK);
	assert_true(got.locked_until > 0);
	assert_int_equal(store_operator_succeeded(f->st, 1001, &err), POS_OK);
	assert_int_equal(store_operator_get(f->st, 1001, &got, &err), POS_OK);
	assert_true(got.locked_until == 0);
	assert_int_equal(store_operator_failed(f->st, 77, 3, 1000, &got, &err), POS_E_NOT_FOUND);
	assert_int_equal(store_operator_failed(f->st, 1001, 0, 1000, &got, &err), POS_E_RANGE);

	got.disabled = true;
	str_copy(got.role, sizeof got.role, "supervisor");
	assert_int_equal(store_operator_update(f->st, &got, &err), POS_OK);
	struct store_operator list[4];
	size_t n;
	assert_int_equal(store_operator_list(f->st, list, 4, &n, &err), POS_OK);
	assert_int_equal(n, 2);
	assert_true(list[0].disabled);
	assert_string_equal(list[0].role, "supervisor");
	got.id = 5555;
	assert_int_equal(store_operator_update(f->st, &got, &err), POS_E_NOT_FOUND);
	char msg[200];
	assert_int_equal(hand(f->path, "DELETE FROM operator", msg, sizeof msg), SQLITE_CONSTRAINT);
	assert_non_null(strstr(msg, "disable"));
}

static bool audit_count(const struct store_audit_row *row, void *ctx)
{
	(void)row;
	(*(int *)ctx)++;
	return true;
}

static void test_audit_append_only(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	char msg[200];
	int n = 0;
	assert_int_equal(store_audit_append(f->st, 0, "config.change", "daraja.timeout", "30 -> 20", &err), POS_OK);
	assert_int_equal(store_audit_append(f->st, 0, "operator.add", "1001", NULL, &err), POS_OK);
	assert_int_equal(store_audit_append(f->st, 0, "payout", "T0000017", "Ünïcødé", &err), POS_OK);
	assert_int_equal(store_audit_append(f->st, 0, "", "x", NULL, &err), POS_E_EMPTY);
	assert_int_equal(store_audit_verify(f->st, &err), POS_OK);
	assert_int_equal(store_audit_list(f->st, 10, audit_count, &n, &err), POS_OK);
	assert_int_equal(n, 3);
	/* UPDATE and DELETE are refused by the database itself. */
	assert_int_equal(hand(f->path, "UPDATE audit SET detail = 'nothing'", msg, sizeof msg),
	                 SQLITE_CONSTRAINT);
	assert_non_null(strstr(msg, "append-only"));
	assert_int_equal(hand(f->path, "DELETE FROM audit WHERE id = 2", msg, sizeof msg),
	                 SQLITE_CONSTRAINT);
	assert_true(q1(f->path, "SELECT count(*) FROM audit") == 3);
	/* Someone who drops the trigger is still caught by the chain. */
	assert_int_equal(hand(f->path, "DROP TRIGGER audit_no_update;"
	                               " UPDATE audit SET detail = '30 -> 60' WHERE id = 1", msg,
	                      sizeof msg), SQLITE_OK);
	assert_int_equal(store_audit_verify(f->st, &err), POS_E_CONFLICT);
	assert_non_null(strstr(err.msg, "entry 1"));
}

/* ---- settings, secret, rate limits ------------------------------------------------------ */

static void test_settings_and_secret(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	char v[64], s1[STORE_SECRET_HEX_LEN + 1], s2[STORE_SECRET_HEX_LEN + 1];
	struct store *b = NULL;
	assert_int_equal(store_setting_get(f->st, "ui.theme", v, sizeof v, &err), POS_E_NOT_FOUND);
	assert_int_equal(store_setting_set(f->st, "ui.theme", "dark", &err), POS_OK);
	assert_int_equal(store_setting_set(f->st, "ui.theme", "light", &err), POS_OK);
	assert_int_equal(store_setting_get(f->st, "ui.theme", v, sizeof v, &err), POS_OK);
	assert_string_equal(v, "light");
	assert_int_equal(store_setting_get(f->st, "ui.theme", v, 3, &err), POS_E_TOO_LONG);
	assert_int_equal(store_setting_set(f->st, "", "x", &err), POS_E_EMPTY);
	assert_int_equal(store_setting_set(f->st, "k", "\xc3", &err), POS_E_INVALID);

	assert_int_equal(store_listener_secret(f->st, s1, &err), POS_OK);
	assert_int_equal(strlen(s1), STORE_SECRET_HEX_LEN);
	for (const char *p = s1; *p; p++)
		assert_true((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
	assert_int_equal(store_open(f->path, NULL, &b, &err), POS_OK);
	assert_int_equal(store_listener_secret(b, s2, &err), POS_OK);
	store_close(b);
	assert_string_equal(s1, s2);
}

static void test_bucket_shared_by_two_connections(void **state)
{
	struct fx *f = *state;
	struct store *b = NULL;
	struct pos_err err;
	int64_t wait;
	assert_int_equal(store_open(f->path, NULL, &b, &err), POS_OK);
	/* 20 a minute, holding 20, shared by both handles on the file. */
	for (int i = 0; i < 20; i++)
		if (store_bucket_take(i % 2 ? b : f->st, "rate:stk:174379", 20, 20, &wait, &err) != POS_OK)
			fail_msg("take %d of 20 refused: %s", i + 1, err.msg);
	assert_int_equal(store_bucket_take(f->st, "rate:stk:174379", 20, 20, &wait, &err),
	                 POS_E_THROTTLED);
	assert_true(wait == 3000); /* one token every 3 s */
	assert_int_equal(store_bucket_take(b, "rate:stk:174379", 20, 20, &wait, &err),
	                 POS_E_THROTTLED);
	assert_true(wait == 3000);
	/* Another shortcode has its own bucket. */
	assert_int_equal(store_bucket_take(b, "rate:stk:600984", 20, 20, &wait, &err), POS_OK);
	/* Refill is continuous: 2 s is two thirds of a token. */
	clock_set_fixed(T0 + 2);
	assert_int_equal(store_bucket_take(b, "rate:stk:174379", 20, 20, &wait, &err),
	                 POS_E_THROTTLED);
	assert_true(wait == 1000);
	clock_set_fixed(T0 + 3);
	assert_int_equal(store_bucket_take(f->st, "rate:stk:174379", 20, 20, &wait, &err), POS_OK);
	assert_true(wait == 0);
	assert_int_equal(store_bucket_take(b, "rate:stk:174379", 20, 20, &wait, &err),
	                 POS_E_THROTTLED);
	assert_true(wait == 3000);
	store_close(b);
}

static void test_bucket_capacity_and_clock(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	int64_t wait;
	/* A long pause refills to the capacity, never beyond. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_OK);
	assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_E_THROTTLED);
	assert_true(wait == 1000);
	clock_set_fixed(T0 + 100000);
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_OK);
	assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_E_THROTTLED);
	/* A clock that went back refills nothing, and the bucket does not stay
	 * stuck until the clock catches up: it refills from the new now. */
	clock_set_fixed(T0);
	assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_E_THROTTLED);
	assert_true(wait == 1000);
	clock_set_fixed(T0 + 1);
	assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_OK);
	assert_int_equal(store_bucket_take(f->st, "k", 60, 5, &wait, &err), POS_E_THROTTLED);
	/* The largest figures do not overflow. */
	clock_set_fixed(T0 + 200000);
	assert_int_equal(store_bucket_take(f->st, "big", 4000000000u, 4000000000u, &wait, &err),
	                 POS_OK);
	clock_set_fixed((time_t)T0 + 2000000000);
	assert_int_equal(store_bucket_take(f->st, "big", 1, 4000000000u, &wait, &err), POS_OK);
	assert_int_equal(store_bucket_take(f->st, "x", 0, 2, &wait, &err), POS_E_RANGE);
	assert_int_equal(store_bucket_take(f->st, "x", 2, 0, &wait, &err), POS_E_RANGE);
}

static void test_bucket_fractional_rate(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	int64_t wait;
	/* 7 a minute: one token every 8571.4 ms. */
	assert_int_equal(store_bucket_take(f->st, "r7", 7, 1, &wait, &err), POS_OK);
	assert_int_equal(store_bucket_take(f->st, "r7", 7, 1, &wait, &err), POS_E_THROTTLED);
	assert_true(wait == 8572);
	/* Read every second: the fractions are carried, not dropped. */
	for (int s = 1; s <= 8; s++) {
		clock_set_fixed(T0 + s);
		assert_int_equal(store_bucket_take(f->st, "r7", 7, 1, &wait, &err), POS_E_THROTTLED);
		int64_t left = 8572 - (int64_t)s * 1000;
		if (wait < left - 1 || wait > left + (int64_t)s)
			fail_msg("after %d s: wait %lld ms, expected about %lld", s, (long long)wait,
			         (long long)left);
	}
	clock_set_fixed(T0 + 9);
	assert_int_equal(store_bucket_take(f->st, "r7", 7, 1, &wait, &err), POS_OK);
}

/* ---- outbox ---------------------------------------------------------------------------- */

struct ob_ctx {
	int n;
	int64_t last;
};

static bool ob_visit(const struct store_outbox_row *row, void *ctx)
{
	struct ob_ctx *c = ctx;
	assert_true(row->id > c->last);
	c->last = row->id;
	c->n++;
	return true;
}

static void test_outbox_cursors(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct ob_ctx c = {0, 0};
	int64_t id, pending;
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_outbox_add(f->st, "mpesa.balance.result", 0, "{\"n\":1}", &id, &err), POS_OK);
	assert_int_equal(store_outbox_add(f->st, "", 0, "{}", &id, &err), POS_E_EMPTY);
	assert_int_equal(store_outbox_add(f->st, "x", 0, "", &id, &err), POS_E_EMPTY);
	assert_int_equal(store_outbox_read(f->st, "redis", 3, ob_visit, &c, &err), POS_OK);
	assert_int_equal(c.n, 3);
	assert_int_equal(store_outbox_ack(f->st, "redis", c.last, &err), POS_OK);
	assert_int_equal(store_outbox_pending(f->st, "redis", &pending, &err), POS_OK);
	assert_true(pending == 2);
	/* Another backend has its own cursor. */
	assert_int_equal(store_outbox_pending(f->st, "webhook", &pending, &err), POS_OK);
	assert_true(pending == 5);
	/* The cursor never moves back. */
	assert_int_equal(store_outbox_ack(f->st, "redis", 1, &err), POS_OK);
	assert_int_equal(store_outbox_pending(f->st, "redis", &pending, &err), POS_OK);
	assert_true(pending == 2);
	c.n = 0;
	assert_int_equal(store_outbox_read(f->st, "redis", 100, ob_visit, &c, &err), POS_OK);
	assert_int_equal(c.n, 2);
	assert_int_equal(store_outbox_read(f->st, "", 100, ob_visit, &c, &err), POS_E_EMPTY);
}

/* ---- balances ------------------------------------------------------------------------------ */

static void test_balances_latest_two(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store_balance out[2];
	size_t n;
	for (int i = 0; i < 3; i++) {
		struct store_balance b[2] = {
			{.at = 1000 + i, .shortcode = "600984", .account = "Utility Account",
			 .currency = "KES", .current_minor = 100 * i, .available_minor = 100 * i},
			{.at = 1000 + i, .shortcode = "600984", .account = "Working Account",
			 .currency = "KES", .current_minor = -1540, .available_minor = -1540},
		};
		assert_int_equal(store_balance_add(f->st, b, 2, &err), POS_OK);
	}
	assert_int_equal(store_balance_latest(f->st, "600984", "Utility Account", out, &n, &err), POS_OK);
	assert_int_equal(n, 2);
	assert_true(out[0].at == 1002 && out[0].current_minor == 200);
	assert_true(out[1].at == 1001);
	assert_int_equal(store_balance_latest(f->st, "600984", "Float Account", out, &n, &err), POS_OK);
	assert_int_equal(n, 0);
	struct store_balance bad = {.shortcode = "600984", .currency = "KES"};
	assert_int_equal(store_balance_add(f->st, &bad, 1, &err), POS_E_EMPTY);
}

/* ---- backup ---------------------------------------------------------------------------------- */

static void test_backup_readable(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store *b = NULL;
	struct store_txn t, g;
	char dest[160];
	make_txn(f->st, TXN_KIND_STK, 4200, &t);
	fx_path(f, "copy.db", dest, sizeof dest);
	assert_int_equal(store_backup(f->st, dest, &err), POS_OK);
	/* Again, over the old copy. */
	make_txn(f->st, TXN_KIND_STK, 4300, NULL);
	assert_int_equal(store_backup(f->st, dest, &err), POS_OK);
	assert_int_equal(access("/tmp/nothing", F_OK), -1);
	const struct store_opts ro = {.read_only = true};
	assert_int_equal(store_open(dest, &ro, &b, &err), POS_OK);
	assert_int_equal(store_txn_get_public(b, t.public_id, &g, &err), POS_OK);
	assert_true(g.amount_minor == 4200);
	store_close(b);
	assert_true(q1(dest, "SELECT count(*) FROM txn") == 2);
	assert_int_equal(store_backup(f->st, f->path, &err), POS_E_INVALID);
	assert_int_equal(store_backup(f->st, "/nonexistent-dir/copy.db", &err), POS_E_IO);
}

/* ---- failure: full disk and read-only ----------------------------------------------------- */

static void test_full_disk(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store *small = NULL;
	long long pages = q1(f->path, "PRAGMA page_count");
	const struct store_opts opts = {.test_max_pages = (uint32_t)pages + 8};
	enum pos_status rc = POS_OK;
	int ok = 0;

	assert_int_equal(store_open(f->path, &opts, &small, &err), POS_OK);
	for (int i = 0; i < 100000 && rc == POS_OK; i++) {
		const struct store_txn_new in = {
			.kind = TXN_KIND_STK, .amount_minor = 100, .msisdn = "254712345678",
			.description = "a reasonably long description to fill pages faster....",
			.detail = "{\"padding\":\"....................................................\"}",
		};
		rc = store_txn_create(small, &in, NULL, &err);
		ok += rc == POS_OK;
	}
	assert_int_equal(rc, POS_E_STORE);
	assert_non_null(strstr(err.msg, "the database is full"));
	assert_non_null(strstr(err.hint, "free space"));
	assert_true(ok > 10);
	store_close(small);
	/* Exactly what was reported saved is there, and consistent. */
	assert_true(q1(f->path, "SELECT count(*) FROM txn") == ok);
	assert_true(q1(f->path, "SELECT count(*) FROM timeline") == ok);
	assert_true(q1(f->path, "SELECT count(*) FROM txn WHERE public_id IS NULL") == 0);
	/* The normal connection still works once there is room. */
	assert_int_equal(store_txn_create(f->st, &(struct store_txn_new){.kind = TXN_KIND_CASH},
	                                  NULL, &err), POS_OK);
}

static void test_read_only(void **state)
{
	struct fx *f = *state;
	struct pos_err err;
	struct store *ro = NULL;
	struct store_txn t, rows[4];
	size_t n;
	bool more;
	struct store_cursor next;
	const struct store_opts opts = {.read_only = true};

	make_txn(f->st, TXN_KIND_STK, 100, &t);
	assert_int_equal(store_open(f->path, &opts, &ro, &err), POS_OK);
	assert_int_equal(store_txn_history(ro, NULL, NULL, rows, 4, &n, &next, &more, &err), POS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_txn_create(ro, &(struct store_txn_new){.kind = TXN_KIND_CASH}, NULL,
	                                  &err), POS_E_STORE);
	assert_non_null(strstr(err.msg, "read-only"));
	assert_int_equal(move(ro, t.id, TXN_SENT, NULL, &err), POS_E_STORE);
	assert_non_null(strstr(err.msg, "read-only"));
	assert_int_equal(store_setting_set(ro, "k", "v", &err), POS_E_STORE);
	store_close(ro);
	/* Nothing the read-only connection tried was kept. */
	assert_true(q1(f->path, "SELECT count(*) FROM txn") == 1);
	assert_true(q1(f->path, "SELECT count(*) FROM txn WHERE state = 'created'") == 1);
	/* A missing file cannot be opened read-only. */
	char p[160];
	fx_path(f, "copy.db", p, sizeof p);
	assert_int_equal(store_open(p, &opts, &ro, &err), POS_E_STORE);
	assert_null(ro);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_migrate_from_empty_and_reopen),
		T(test_newer_schema_refused),
		T(test_open_hostile_paths),
		T(test_file_is_private),
		cmocka_unit_test(test_public_id_round_trip),
		cmocka_unit_test(test_public_id_parse_hostile),
		cmocka_unit_test(test_public_id_catches_one_typo),
		T(test_txn_create_fields),
		T(test_txn_reference_sent),
		T(test_txn_create_hostile),
		T(test_transition_atomic),
		T(test_timeline_notes_and_supervisor),
		T(test_unique_daraja_ids),
		T(test_unique_receipts_money_only),
		T(test_unique_batch_row_and_claim),
		T(test_schema_rules_by_hand),
		T(test_schema_agrees_with_core),
		T(test_operators),
		T(test_audit_append_only),
		T(test_settings_and_secret),
		T(test_bucket_shared_by_two_connections),
		T(test_bucket_capacity_and_clock),
		T(test_bucket_fractional_rate),
		T(test_outbox_cursors),
		T(test_balances_latest_two),
		T(test_backup_readable),
		T(test_full_disk),
		T(test_read_only),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
