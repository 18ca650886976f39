/*
 * tests/tools/ledgergen.c: realistic ledgers for bench/, written through the
 * store API (every row passes core's state machine, with its timeline rows
 * and outbox events), and the timings of the queries a back office runs on
 * them.
 *
 *   ledgergen gen DB N [--days D] [--end UNIX] [--seed S]
 *       N transactions over the D days (default 90) before END (default
 *       now), oldest first: a shop with 3 tills, 8 cashiers and 2
 *       supervisors; M-Pesa charges (most paid, some cancelled, declined,
 *       unanswered, a few held for review), paybill/till payments, cash and
 *       card sales, payouts, reversals and queries; busier at lunch and in
 *       the evening, on Saturdays and at month end; regular customers come
 *       back. Prints {"generated":N,"seconds":S,"per_second":R,...}.
 *   ledgergen awaiting DB N
 *       append N M-Pesa charges awaiting their customer, for callback load:
 *       transaction id I has CheckoutRequestID ws_CO_BENCH_<I>, phone
 *       2547<I mod 10^8, 8 digits>, amount KES 100. Prints
 *       {"first":I0,"last":I1,"seconds":S}.
 *   ledgergen query DB [--repeat R] [--page P]
 *       time the first History page, the next page, search by receipt and
 *       by phone, a filtered page and the day-end report of the last whole
 *       day: the median of the first call on 5 fresh connections ("cold")
 *       and the median of R more on one (default 15). Prints one line per
 *       query:
 *       NAME COLD_MS MEDIAN_MS ROWS, then "rows N", the samples searched for
 *       ("sample_receipt R", "sample_phone P", "report_date D") and "db_bytes B".
 *
 * Generation and seeding commit without waiting for the disk
 * (store_opts.unsafe_no_sync): they are for benchmarks only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"
#include "store/store.h"

/* Bump when what gen or awaiting writes changes: bench/ keys its cached
 * databases on it (and on the schema). */
#define LEDGERGEN_FORMAT 1

enum { OPERATORS = 10, CASHIERS = 8, TILLS = 3, RECENT = 64, PAGE_DEFAULT = 50,
       REPEAT_DEFAULT = 15, REPEAT_MAX = 1000, COLD_RUNS = 5 };

static int usage(void)
{
	fprintf(stderr,
	        "usage: ledgergen gen DB N [--days D] [--end UNIX] [--seed S]\n"
	        "       ledgergen awaiting DB N\n"
	        "       ledgergen query DB [--repeat R] [--page P]\n");
	return 64;
}

static int64_t num(const char *s, int64_t max)
{
	uint64_t v;
	if (parse_u64_str(s, (uint64_t)max, &v) != POS_OK) {
		fprintf(stderr, "ledgergen: \"%s\" is not a number from 0 to %lld\n", s,
		        (long long)max);
		exit(64);
	}
	return (int64_t)v;
}

static void die(const char *what, const struct pos_err *e)
{
	char m[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + POS_ERR_HINT_MAX + 8];
	fprintf(stderr, "ledgergen: %s: %s\n", what, pos_err_format(e, m, sizeof m));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a small deterministic generator (xorshift64*) ------------------------ */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Pick an index by weight. */
static size_t rng_pick(struct rng *r, const double *w, size_t n)
{
	double total = 0, x;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	x = rng_unit(r) * total;
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* ---- realistic values ----------------------------------------------------- */
/* Customer k's phone: a stable scramble of k into 2547XXXXXXXX or
 * 2541XXXXXXXX (distinct for distinct k below 10^8). */
static void customer_phone(uint64_t k, char out[STORE_MSISDN_MAX])
{
	uint64_t x = (k * 48271u + 12345u) % 100000000u;
	snprintf(out, STORE_MSISDN_MAX, "254%c%08llu", k % 7 == 3 ? '1' : '7',
	         (unsigned long long)x);
}

/* Regulars come back: customer index skewed towards small numbers. */
static uint64_t pick_customer(struct rng *r, uint64_t pool)
{
	double u = rng_unit(r);
	return (uint64_t)((double)pool * u * u * u);
}

static const char RECEIPT_DIGITS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* Daraja's receipt shape: year letter (L = 2017), month letter, day
 * (1-9, A = 10 ...), then 7 characters unique per serial. */
static void receipt_for(time_t t, uint64_t serial, char out[STORE_RECEIPT_MAX])
{
	struct tm tm;
	clock_eat_tm(t, &tm);
	int year = tm.tm_year + 1900;
	char y = (char)('L' + (year - 2017 < 0 ? 0 : year - 2017 > 14 ? 14 : year - 2017));
	char m = (char)('A' + tm.tm_mon);
	char d = RECEIPT_DIGITS[tm.tm_mday];
	/* 36^7 is about 7.8e10; an odd multiplier prime to 36 keeps serials
	 * distinct while making them look random. */
	uint64_t v = (serial * 2654435761u + 977u) % 78364164096ULL;
	char tail[8];
	for (int i = 6; i >= 0; i--) {
		tail[i] = RECEIPT_DIGITS[v % 36];
		v /= 36;
	}
	tail[7] = '\0';
	snprintf(out, STORE_RECEIPT_MAX, "%c%c%c%s", y, m, d, tail);
}

static const char *const FIRST_NAMES[] = {
	"JANE", "JOHN", "MARY", "PETER", "GRACE", "JAMES", "FAITH", "DAVID",
	"MERCY", "JOSEPH", "ANN", "SAMUEL", "WANJIRU", "OTIENO", "AKINYI", "KIPROTICH",
	"ACHIENG", "MWANGI", "NJERI", "KAMAU", "WAFULA", "CHEBET", "ODHIAMBO", "ZAWADI",
};

/* ---- the generator ---------------------------------------------------------- */
struct gen {
	struct store *st;
	struct rng r;
	uint64_t customers;
	uint64_t receipts;          /* serial of the next receipt */
	int64_t recent_paid[RECENT]; /* recent completed charges, for reversals */
	int64_t recent_amount[RECENT];
	size_t n_recent;
	int64_t ops[OPERATORS];
	uint64_t count[TXN_KIND_COUNT];
};

static void at(time_t t)
{
	clock_set_fixed(t);
}

static int64_t create(struct gen *g, const struct store_txn_new *in)
{
	struct store_txn t;
	struct pos_err e;
	if (store_txn_create(g->st, in, &t, &e) != POS_OK)
		die("create", &e);
	g->count[in->kind]++;
	return t.id;
}

static void move(struct gen *g, int64_t id, enum txn_state to,
                 const struct store_txn_fields *set, const char *detail)
{
	struct pos_err e;
	struct store_txn_change ch = {.to = to, .detail = detail};
	if (set)
		ch.set = *set;
	if (store_txn_transition(g->st, id, &ch, NULL, &e) != POS_OK)
		die("transition", &e);
}

/* A supervisor closes a transaction by hand. */
static void close_by_hand(struct gen *g, int64_t id, enum txn_state to,
                          const char *detail)
{
	struct pos_err e;
	struct store_txn_change ch = {.to = to, .actor = TXN_BY_SUPERVISOR,
	                              .operator_id = g->ops[CASHIERS], .detail = detail};
	if (store_txn_transition(g->st, id, &ch, NULL, &e) != POS_OK)
		die("close", &e);
}

static void checkout_id(time_t t, const char *msisdn, struct rng *r, char out[64])
{
	char ts[15];
	clock_daraja_timestamp(t, ts);
	/* ws_CO_ + DDMMYYYYHHmmss + 3 digits + the subscriber's last 9 digits */
	snprintf(out, 64, "ws_CO_%.2s%.2s%.4s%.6s%03d%s", ts + 6, ts + 4, ts, ts + 8,
	         (int)(rng_next(r) % 1000), msisdn + 3);
}

static void merchant_id(struct rng *r, char out[32])
{
	snprintf(out, 32, "%d-%d-%d", (int)rng_range(r, 1000, 99999),
	         (int)rng_range(r, 10000000, 99999999), (int)rng_range(r, 1, 3));
}

static void conversation_id(time_t t, struct rng *r, char out[64])
{
	struct tm tm;
	clock_eat_tm(t, &tm);
	snprintf(out, 64, "AG_%04d%02d%02d_%010llx%010llx", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, (unsigned long long)(rng_next(r) & 0xffffffffffULL),
	         (unsigned long long)(rng_next(r) & 0xffffffffffULL));
}

/* Amounts in whole shillings, shaped like a shop's: many small, few large. */
static int64_t shop_amount(struct rng *r)
{
	static const double w[] = {30, 35, 22, 10, 3};
	static const int64_t lo[] = {10, 100, 500, 2000, 10000};
	static const int64_t hi[] = {99, 499, 1999, 9999, 70000};
	size_t b = rng_pick(r, w, 5);
	int64_t a = rng_range(r, lo[b], hi[b]);
	return a >= 100 ? a / 10 * 10 : a; /* prices end in 0 above 100 */
}

static void remember_paid(struct gen *g, int64_t id, int64_t amount)
{
	size_t k = g->n_recent++ % RECENT;
	g->recent_paid[k] = id;
	g->recent_amount[k] = amount;
}

static void gen_stk(struct gen *g, time_t t, const char *till, int64_t op)
{
	char phone[STORE_MSISDN_MAX], ref[STORE_REFERENCE_MAX], co[64], mr[32],
	    rc[STORE_RECEIPT_MAX];
	customer_phone(pick_customer(&g->r, g->customers), phone);
	int64_t amount = shop_amount(&g->r);
	snprintf(ref, sizeof ref, "S%07llu", (unsigned long long)(g->count[TXN_KIND_STK] + 1));
	struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = amount * 100,
	                           .msisdn = phone, .account_reference = ref,
	                           .description = "Payment", .till_id = till,
	                           .shortcode = "174379", .operator_id = op,
	                           .deadline_at = ((int64_t)t + 60) * 1000};
	at(t);
	int64_t id = create(g, &in);
	double u = rng_unit(&g->r);
	if (u < 0.01) { /* never left the till: Daraja unreachable */
		move(g, id, TXN_FAILED,
		     &(struct store_txn_fields){.result_code = "curl:7",
		                                .result_desc = "Daraja could not be reached"},
		     NULL);
		return;
	}
	move(g, id, TXN_SENT, NULL, NULL);
	checkout_id(t, phone, &g->r, co);
	merchant_id(&g->r, mr);
	if (u < 0.015) { /* refused at once */
		move(g, id, TXN_FAILED,
		     &(struct store_txn_fields){.result_code = "500.001.1001",
		                                .result_desc = "Unable to lock subscriber, a "
		                                "transaction is already in process for the "
		                                "current subscriber"}, NULL);
		return;
	}
	at(t + 1);
	move(g, id, TXN_AWAITING,
	     &(struct store_txn_fields){.merchant_request_id = mr, .checkout_request_id = co,
	                                .result_code = "0",
	                                .result_desc = "Success. Request accepted for processing"},
	     NULL);
	time_t done = t + 1 + (time_t)rng_range(&g->r, 6, 45);
	at(done);
	u = rng_unit(&g->r);
	if (u < 0.80) {
		receipt_for(done, g->receipts++, rc);
		move(g, id, TXN_COMPLETED,
		     &(struct store_txn_fields){.receipt = rc, .result_code = "0",
		                                .result_desc = "The service request is processed "
		                                "successfully.",
		                                .payer_name = FIRST_NAMES[rng_next(&g->r) % 24]},
		     NULL);
		remember_paid(g, id, amount);
	} else if (u < 0.88) {
		move(g, id, TXN_CANCELLED,
		     &(struct store_txn_fields){.result_code = "1032",
		                                .result_desc = "Request cancelled by user"}, NULL);
	} else if (u < 0.94) {
		move(g, id, TXN_FAILED,
		     &(struct store_txn_fields){.result_code = "1",
		                                .result_desc = "The balance is insufficient for the "
		                                "transaction."}, NULL);
	} else if (u < 0.99) {
		at(t + 61);
		move(g, id, TXN_TIMED_OUT,
		     &(struct store_txn_fields){.result_code = "1037",
		                                .result_desc = "DS timeout user cannot be reached"},
		     NULL);
	} else if (u < 0.995) { /* lost answer: queried, then closed by hand */
		move(g, id, TXN_UNKNOWN, NULL, "no callback; querying");
		at(done + 600);
		move(g, id, TXN_UNRESOLVED, NULL, "queries did not establish the outcome");
		at(done + 3600);
		receipt_for(done, g->receipts++, rc);
		close_by_hand(g, id, TXN_COMPLETED, "customer showed the M-Pesa message");
	} else { /* the callback contradicted the record: held, then closed */
		move(g, id, TXN_REVIEW, NULL, "amount differs from the charge");
		at(done + 1800);
		close_by_hand(g, id, TXN_FAILED, "refunded in cash");
	}
}

static void gen_c2b(struct gen *g, time_t t, const char *till)
{
	char phone[STORE_MSISDN_MAX], ref[STORE_REFERENCE_MAX], rc[STORE_RECEIPT_MAX];
	customer_phone(pick_customer(&g->r, g->customers), phone);
	int64_t amount = shop_amount(&g->r);
	snprintf(ref, sizeof ref, "INV-%05llu", (unsigned long long)(rng_next(&g->r) % 100000));
	const char *name = FIRST_NAMES[rng_next(&g->r) % 24];
	struct store_txn_new in = {.kind = TXN_KIND_C2B, .amount_minor = amount * 100,
	                           .msisdn = phone, .account_reference = ref,
	                           .till_id = till, .shortcode = "600984", .payer_name = name};
	at(t);
	int64_t id = create(g, &in);
	if (rng_unit(&g->r) < 0.03) {
		move(g, id, TXN_FAILED,
		     &(struct store_txn_fields){.result_code = "C2B00012",
		                                .result_desc = "Invalid Account Number"}, NULL);
		return;
	}
	receipt_for(t, g->receipts++, rc);
	move(g, id, TXN_COMPLETED,
	     &(struct store_txn_fields){.receipt = rc, .result_code = "0",
	                                .result_desc = "Success"}, NULL);
}

static void gen_cash(struct gen *g, time_t t, const char *till, int64_t op)
{
	struct store_txn_new in = {.kind = TXN_KIND_CASH,
	                           .amount_minor = shop_amount(&g->r) * 100,
	                           .till_id = till, .operator_id = op,
	                           .other_means = rng_unit(&g->r) < 0.7 ? "cash" : "card",
	                           .description = "Sale"};
	at(t);
	int64_t id = create(g, &in);
	move(g, id, TXN_COMPLETED, NULL, NULL);
}

/* Payouts, reversals and queries: created -> sent -> awaiting -> result. */
static void gen_initiator(struct gen *g, enum txn_kind kind, time_t t, const char *till)
{
	char phone[STORE_MSISDN_MAX], occ[40], conv[64], rc[STORE_RECEIPT_MAX];
	struct store_txn_new in = {.kind = kind, .till_id = till, .shortcode = "600000",
	                           .operator_id = g->ops[CASHIERS + rng_next(&g->r) % 2]};
	snprintf(occ, sizeof occ, "%08llx-%04llx-4%03llx-a%03llx-%012llx",
	         (unsigned long long)(rng_next(&g->r) & 0xffffffff),
	         (unsigned long long)(rng_next(&g->r) & 0xffff),
	         (unsigned long long)(rng_next(&g->r) & 0xfff),
	         (unsigned long long)(rng_next(&g->r) & 0xfff),
	         (unsigned long long)(rng_next(&g->r) & 0xffffffffffffULL));
	in.originator_conversation_id = occ;
	if (kind == TXN_KIND_B2C) {
		customer_phone(rng_next(&g->r) % 40 + 1000000, phone); /* staff, suppliers */
		in.msisdn = phone;
		in.amount_minor = rng_range(&g->r, 5, 300) * 100 * 10;
		in.command_id = "BusinessPayment";
		in.description = "Supplier payment";
		in.approver_id = g->ops[CASHIERS + 1];
	} else if (kind == TXN_KIND_REVERSAL) {
		if (g->n_recent == 0)
			return;
		size_t k = (size_t)(rng_next(&g->r) % (g->n_recent < RECENT ? g->n_recent : RECENT));
		in.original_txn_id = g->recent_paid[k];
		in.amount_minor = g->recent_amount[k] * 100;
		in.command_id = "TransactionReversal";
		in.description = "Wrong amount charged";
		in.approver_id = g->ops[CASHIERS + 1];
	} else {
		in.command_id = kind == TXN_KIND_STATUS ? "TransactionStatusQuery" : "AccountBalance";
	}
	at(t);
	int64_t id = create(g, &in);
	move(g, id, TXN_SENT, NULL, NULL);
	conversation_id(t, &g->r, conv);
	at(t + 1);
	move(g, id, TXN_AWAITING,
	     &(struct store_txn_fields){.conversation_id = conv, .result_code = "0",
	                                .result_desc = "Accept the service request successfully."},
	     NULL);
	at(t + 1 + (time_t)rng_range(&g->r, 2, 20));
	if (kind == TXN_KIND_B2C && rng_unit(&g->r) < 0.04) {
		move(g, id, TXN_FAILED,
		     &(struct store_txn_fields){.result_code = "2001",
		                                .result_desc = "The initiator information is "
		                                "invalid."}, NULL);
		return;
	}
	struct store_txn_fields done = {.result_code = "0",
	                                .result_desc = "The service request is processed "
	                                "successfully."};
	if (kind == TXN_KIND_B2C || kind == TXN_KIND_REVERSAL) {
		receipt_for(t, g->receipts++, rc);
		done.receipt = rc;
	}
	move(g, id, TXN_COMPLETED, &done, NULL);
}

/* Relative traffic by hour of the Nairobi day: shut at night, lunch and
 * evening peaks. */
static const double HOUR_WEIGHT[24] = {
	0, 0, 0, 0, 0, 0, 0.2, 1.0, 2.0, 2.5, 2.6, 3.0,
	4.0, 4.2, 3.0, 2.6, 2.8, 3.6, 4.4, 4.6, 3.2, 1.4, 0.3, 0,
};

static double day_weight(time_t day_start)
{
	struct tm tm;
	clock_eat_tm(day_start + 12 * 3600, &tm);
	double w = tm.tm_wday == 6 ? 1.35 : tm.tm_wday == 0 ? 0.7 : 1.0;
	if (tm.tm_mday >= 28 || tm.tm_mday <= 2)
		w *= 1.25; /* pay day */
	return w;
}

static int cmp_time(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;
	return x < y ? -1 : x > y;
}

static void add_operators(struct gen *g)
{
	char hash[CRYPTO_PIN_HASH_MAX];
	struct pos_err e;
	if (crypto_pin_hash("4821", hash, sizeof hash) != POS_OK) {
		fprintf(stderr, "ledgergen: could not hash a PIN\n");
		exit(1);
	}
	static const char *const names[OPERATORS] = {
		"Achieng Otieno", "Brian Kiptoo", "Carol Wambui", "Dennis Mutua", "Esther Njeri",
		"Felix Omondi", "Gladys Chebet", "Hassan Abdi", "Irene Kamau", "Joseph Maina",
	};
	for (int i = 0; i < OPERATORS; i++) {
		struct store_operator op = {.id = 0};
		str_copy(op.name, sizeof op.name, names[i]);
		str_copy(op.role, sizeof op.role, i < CASHIERS ? "cashier" : "supervisor");
		str_copy(op.pin_hash, sizeof op.pin_hash, hash);
		if (store_operator_add(g->st, &op, &g->ops[i], &e) != POS_OK)
			die("operator", &e);
	}
}

static int gen(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	const char *db = argv[2];
	int64_t n = num(argv[3], 100000000), days = 90, seed = 20250314;
	int64_t end = (int64_t)time(NULL);
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			days = num(argv[++i], 3650);
		else if (strcmp(argv[i], "--end") == 0 && i + 1 < argc)
			end = num(argv[++i], INT32_MAX);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = num(argv[++i], INT64_MAX);
		else
			return usage();
	}
	if (days < 1)
		days = 1;

	struct gen g = {.r = {.s = (uint64_t)seed * 0x9E3779B97F4A7C15ULL | 1},
	                .customers = (uint64_t)(n / 20 > 500 ? n / 20 : 500),
	                .receipts = 1};
	struct pos_err e;
	struct store_opts o = {.unsafe_no_sync = true};
	if (store_open(db, &o, &g.st, &e) != POS_OK)
		die("open", &e);
	add_operators(&g);

	/* Day boundaries in Nairobi time; the last day ends at `end`. */
	time_t first_day = (time_t)(end - days * 86400);
	first_day -= (first_day + CLOCK_EAT_OFFSET_S) % 86400;
	double *w = calloc((size_t)days, sizeof *w), total = 0;
	time_t *times = malloc(sizeof *times * (size_t)(n / days * 3 + 64));
	if (!w || !times) {
		fprintf(stderr, "ledgergen: out of memory\n");
		return 1;
	}
	for (int64_t d = 0; d < days; d++)
		total += w[d] = day_weight(first_day + (time_t)d * 86400);

	static const double KIND_W[] = {72, 14, 9, 2.5, 0.5, 1.2, 0.8};
	static const enum txn_kind KINDS[] = {TXN_KIND_STK, TXN_KIND_C2B, TXN_KIND_CASH,
	                                      TXN_KIND_B2C, TXN_KIND_REVERSAL,
	                                      TXN_KIND_STATUS, TXN_KIND_BALANCE};
	static const double TILL_W[TILLS] = {50, 32, 18};
	static const char *const TILL_IDS[TILLS] = {"till-1", "till-2", "till-3"};
	double t0 = now_s();
	int64_t made = 0;
	for (int64_t d = 0; d < days && made < n; d++) {
		int64_t want = d == days - 1 ? n - made : (int64_t)((double)n * w[d] / total + 0.5);
		if (want > n - made)
			want = n - made;
		if (want > n / days * 3 + 64)
			want = n / days * 3 + 64;
		time_t day = first_day + (time_t)d * 86400;
		for (int64_t i = 0; i < want; i++) {
			size_t h = rng_pick(&g.r, HOUR_WEIGHT, 24);
			times[i] = day + (time_t)h * 3600 + (time_t)(rng_next(&g.r) % 3600);
		}
		qsort(times, (size_t)want, sizeof *times, cmp_time);
		for (int64_t i = 0; i < want; i++) {
			size_t till = rng_pick(&g.r, TILL_W, TILLS);
			int64_t cashier = g.ops[(till * 3 + rng_next(&g.r) % 3) % CASHIERS];
			switch (KINDS[rng_pick(&g.r, KIND_W, 7)]) {
			case TXN_KIND_STK: gen_stk(&g, times[i], TILL_IDS[till], cashier); break;
			case TXN_KIND_C2B: gen_c2b(&g, times[i], TILL_IDS[till]); break;
			case TXN_KIND_CASH: gen_cash(&g, times[i], TILL_IDS[till], cashier); break;
			case TXN_KIND_B2C: gen_initiator(&g, TXN_KIND_B2C, times[i], TILL_IDS[0]); break;
			case TXN_KIND_REVERSAL:
				gen_initiator(&g, TXN_KIND_REVERSAL, times[i], TILL_IDS[till]);
				break;
			case TXN_KIND_STATUS:
				gen_initiator(&g, TXN_KIND_STATUS, times[i], TILL_IDS[0]);
				break;
			default: gen_initiator(&g, TXN_KIND_BALANCE, times[i], TILL_IDS[0]); break;
			}
			made++;
		}
		if (isatty(2))
			fprintf(stderr, "\rledgergen: %lld/%lld", (long long)made, (long long)n);
	}
	if (isatty(2))
		fputc('\n', stderr);
	double secs = now_s() - t0;
	clock_set_fixed(-1);
	free(w);
	free(times);
	store_close(g.st);
	printf("{\"generated\":%lld,\"seconds\":%.1f,\"per_second\":%.0f,\"days\":%lld,"
	       "\"stk\":%llu,\"c2b\":%llu,\"cash\":%llu,\"b2c\":%llu,\"reversal\":%llu,"
	       "\"status\":%llu,\"balance\":%llu}\n",
	       (long long)made, secs, secs > 0 ? (double)made / secs : 0.0, (long long)days,
	       (unsigned long long)g.count[TXN_KIND_STK], (unsigned long long)g.count[TXN_KIND_C2B],
	       (unsigned long long)g.count[TXN_KIND_CASH], (unsigned long long)g.count[TXN_KIND_B2C],
	       (unsigned long long)g.count[TXN_KIND_REVERSAL],
	       (unsigned long long)g.count[TXN_KIND_STATUS],
	       (unsigned long long)g.count[TXN_KIND_BALANCE]);
	return 0;
}

/* ---- awaiting charges for callback load --------------------------------------- */
/* Row k (0-based) of a seeding gets id first + k: one connection, nobody else
 * writing. Its phone is 2547 + the last 8 digits of k, its checkout id
 * ws_CO_BENCH_<id>. */
static int awaiting(int argc, char **argv)
{
	if (argc < 4)
		return usage();
	int64_t n = num(argv[3], 100000000), first = 0;
	struct store *st;
	struct pos_err e;
	struct store_opts o = {.unsafe_no_sync = true};
	if (store_open(argv[2], &o, &st, &e) != POS_OK)
		die("open", &e);
	double t0 = now_s();
	for (int64_t k = 0; k < n; k++) {
		char phone[STORE_MSISDN_MAX], co[STORE_DARAJA_ID_MAX], mr[32];
		snprintf(phone, sizeof phone, "2547%08lld", (long long)(k % 100000000));
		struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = 10000,
		                           .msisdn = phone, .account_reference = "BENCH",
		                           .description = "Payment", .till_id = "till-1",
		                           .shortcode = "174379"};
		struct store_txn t;
		if (store_txn_create(st, &in, &t, &e) != POS_OK)
			die("create", &e);
		if (k == 0)
			first = t.id;
		if (t.id != first + k) {
			fprintf(stderr, "ledgergen: transaction %lld was expected to get id %lld: "
			        "is another program writing to %s?\n", (long long)t.id,
			        (long long)(first + k), argv[2]);
			return 1;
		}
		snprintf(co, sizeof co, "ws_CO_BENCH_%lld", (long long)t.id);
		snprintf(mr, sizeof mr, "29115-%lld-1", (long long)t.id);
		struct store_txn_change ch = {.to = TXN_SENT};
		if (store_txn_transition(st, t.id, &ch, NULL, &e) != POS_OK)
			die("sent", &e);
		ch = (struct store_txn_change){.to = TXN_AWAITING,
		                               .set = {.checkout_request_id = co,
		                                       .merchant_request_id = mr}};
		if (store_txn_transition(st, t.id, &ch, NULL, &e) != POS_OK)
			die("awaiting", &e);
	}
	double secs = now_s() - t0;
	store_close(st);
	printf("{\"first\":%lld,\"last\":%lld,\"seconds\":%.1f,\"per_second\":%.0f}\n",
	       (long long)first, (long long)(first + n - 1), secs,
	       secs > 0 ? (double)n / secs : 0.0);
	return 0;
}

/* ---- query timings ------------------------------------------------------------ */
struct timing {
	double cold_ms, median_ms;
	size_t rows;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct page_query {
	const struct store_filter *f;
	const struct store_cursor *after;
	struct store_txn *rows;
	size_t cap;
	struct store_cursor next;
};

static size_t run_page(struct store *st, struct page_query *q)
{
	size_t n = 0;
	bool more = false;
	struct pos_err e;
	if (store_txn_history(st, q->f, q->after, q->rows, q->cap, &n, &q->next, &more,
	                      &e) != POS_OK)
		die("history", &e);
	return n;
}

static size_t run_report(struct store *st, const char *date)
{
	struct store_day_report rep;
	struct pos_err e;
	if (store_report_day(st, date, NULL, &rep, &e) != POS_OK)
		die("day-end report", &e);
	size_t n = (size_t)(rep.by_kind[TXN_KIND_STK].count + rep.by_kind[TXN_KIND_C2B].count +
	                    rep.by_kind[TXN_KIND_CASH].count + rep.by_kind[TXN_KIND_B2C].count +
	                    rep.by_kind[TXN_KIND_REVERSAL].count +
	                    rep.by_kind[TXN_KIND_STATUS].count +
	                    rep.by_kind[TXN_KIND_BALANCE].count);
	store_day_report_release(&rep);
	return n;
}

/* Time one query: the first call on each of COLD_RUNS fresh connections
 * (their median is "cold"), then `repeat` more on the last one (their median
 * is "median"). A query is a page (q) or the report (date). */
static struct timing time_query(const char *db, struct page_query *q, const char *date,
                                int repeat)
{
	struct store *st = NULL;
	struct pos_err e;
	struct store_opts o = {.read_only = true};
	struct timing t = {0};
	double cold[COLD_RUNS];
	double *ms = calloc((size_t)repeat + 1, sizeof *ms);
	if (!ms) {
		fprintf(stderr, "ledgergen: out of memory\n");
		exit(1);
	}
	for (int c = 0; c < COLD_RUNS; c++) {
		store_close(st);
		if (store_open(db, &o, &st, &e) != POS_OK)
			die("open", &e);
		double t0 = now_s();
		t.rows = q ? run_page(st, q) : run_report(st, date);
		cold[c] = (now_s() - t0) * 1000.0;
	}
	for (int i = 0; i < repeat; i++) {
		double t0 = now_s();
		t.rows = q ? run_page(st, q) : run_report(st, date);
		ms[i] = (now_s() - t0) * 1000.0;
	}
	store_close(st);
	qsort(cold, COLD_RUNS, sizeof *cold, cmp_double);
	t.cold_ms = cold[COLD_RUNS / 2];
	qsort(ms, (size_t)repeat, sizeof *ms, cmp_double);
	t.median_ms = repeat > 0 ? ms[repeat / 2] : t.cold_ms;
	free(ms);
	return t;
}

static void print_timing(const char *name, struct timing t)
{
	printf("%s %.3f %.3f %zu\n", name, t.cold_ms, t.median_ms, t.rows);
	fflush(stdout);
}

static int query(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	const char *db = argv[2];
	int repeat = REPEAT_DEFAULT;
	size_t page = PAGE_DEFAULT;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = (int)num(argv[++i], REPEAT_MAX);
		else if (strcmp(argv[i], "--page") == 0 && i + 1 < argc)
			page = (size_t)num(argv[++i], 1000);
		else
			return usage();
	}
	if (page < 1)
		page = 1;
	struct store_txn *rows = calloc(page, sizeof *rows);
	struct store *st;
	struct pos_err e;
	struct store_opts ro = {.read_only = true};
	if (!rows) {
		fprintf(stderr, "ledgergen: out of memory\n");
		return 1;
	}
	/* Pick what to look for, on a connection of its own (not timed): the
	 * newest row's day minus one (a whole day), a paid receipt a third of
	 * the way in, and the most frequent customer's phone. */
	if (store_open(db, &ro, &st, &e) != POS_OK)
		die("open", &e);
	struct store_filter none = {0};
	struct page_query probe = {.f = &none, .rows = rows, .cap = 1};
	if (run_page(st, &probe) == 0) {
		fprintf(stderr, "ledgergen: %s holds no transactions: run ledgergen gen first\n", db);
		return 1;
	}
	int64_t newest_id = rows[0].id, newest_at = rows[0].created_at;
	char receipt[STORE_RECEIPT_MAX] = "", phone[STORE_MSISDN_MAX], date[32];
	for (int64_t id = newest_id / 3; id < newest_id && !receipt[0]; id++) {
		struct store_txn t;
		if (store_txn_get(st, id, &t, &e) == POS_OK && t.receipt[0] &&
		    t.kind == TXN_KIND_STK)
			str_copy(receipt, sizeof receipt, t.receipt);
	}
	store_close(st);
	customer_phone(0, phone);
	struct tm tm;
	clock_eat_tm((time_t)(newest_at / 1000) - 86400, &tm);
	snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday);

	struct page_query q = {.f = &none, .rows = rows, .cap = page};
	print_timing("first_page", time_query(db, &q, NULL, repeat));
	struct store_cursor after = q.next;
	struct page_query q2 = {.f = &none, .after = &after, .rows = rows, .cap = page};
	print_timing("next_page", time_query(db, &q2, NULL, repeat));
	struct store_filter by_receipt = {.receipt = receipt};
	struct page_query q3 = {.f = &by_receipt, .rows = rows, .cap = page};
	print_timing("receipt", time_query(db, &q3, NULL, repeat));
	struct store_filter by_phone = {.msisdn = phone};
	struct page_query q4 = {.f = &by_phone, .rows = rows, .cap = page};
	print_timing("phone", time_query(db, &q4, NULL, repeat));
	struct store_filter filtered = {.has_kind = true, .kind = TXN_KIND_STK,
	                                .has_state = true, .state = TXN_CANCELLED,
	                                .till_id = "till-2"};
	struct page_query q5 = {.f = &filtered, .rows = rows, .cap = page};
	print_timing("filtered", time_query(db, &q5, NULL, repeat));
	print_timing("day_report", time_query(db, NULL, date, repeat));
	free(rows);

	printf("rows %lld\n", (long long)newest_id);
	printf("sample_receipt %s\nsample_phone %s\nreport_date %s\n", receipt, phone, date);
	long long bytes = 0;
	static const char *const suffix[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p[4096];
		struct stat sb;
		snprintf(p, sizeof p, "%s%s", db, suffix[i]);
		if (stat(p, &sb) == 0)
			bytes += (long long)sb.st_size;
	}
	printf("db_bytes %lld\n", bytes);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "gen") == 0)
		return gen(argc, argv);
	if (strcmp(argv[1], "awaiting") == 0)
		return awaiting(argc, argv);
	if (strcmp(argv[1], "query") == 0)
		return query(argc, argv);
	return usage();
}
