/*
 * tests/tools/cbload.c: seed STK charges awaiting their customer, fire their
 * callbacks at a listener over many keep-alive connections, and verify that
 * every callback that was answered is in the ledger exactly once. Used by
 * the concurrency and crash tests and by bench/.
 *
 *   cbload seed DB N [AMOUNT]        N charges in state awaiting (ids 1..N)
 *   cbload fire URL SECRET FIRST N CONNS [--dup] [--log FILE]
 *                                    callbacks for ids FIRST..FIRST+N-1; with
 *                                    --dup each is sent twice; every id whose
 *                                    first callback was answered 200 is
 *                                    written to FILE (one per line, as soon
 *                                    as it is answered)
 *   cbload verify DB FILE N          every id in FILE is completed, with
 *                                    exactly one applied callback, and ids
 *                                    1..N not in FILE are either untouched
 *                                    or completed once
 *
 * Output: one JSON object on stdout; exit 0 when all is well.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"
#include "store/store.h"

static int usage(void)
{
	fprintf(stderr, "usage: cbload seed DB N [AMOUNT] | fire URL SECRET FIRST N CONNS "
	        "[--dup] [--log FILE] | verify DB FILE N\n");
	return 64;
}

static int64_t num(const char *s)
{
	uint64_t v;
	if (parse_u64_str(s, INT64_MAX, &v) != POS_OK) {
		fprintf(stderr, "cbload: \"%s\" is not a number\n", s);
		exit(64);
	}
	return (int64_t)v;
}

static void die(const char *what, const struct pos_err *e)
{
	char m[640];
	fprintf(stderr, "cbload: %s: %s\n", what, pos_err_format(e, m, sizeof m));
	exit(1);
}

static int seed(const char *db, int64_t n, int64_t amount)
{
	struct store *st;
	struct pos_err e;
	struct store_opts o = {.unsafe_no_sync = true}; /* seeding only */
	if (store_open(db, &o, &st, &e) != POS_OK)
		die("open", &e);
	for (int64_t i = 1; i <= n; i++) {
		char msisdn[16], checkout[40];
		snprintf(msisdn, sizeof msisdn, "2547%08lld", (long long)(i % 100000000));
		snprintf(checkout, sizeof checkout, "ws_CO_LOAD_%lld", (long long)i);
		struct store_txn_new in = {.kind = TXN_KIND_STK, .amount_minor = amount * 100,
		                           .msisdn = msisdn, .account_reference = "LOAD",
		                           .description = "load", .till_id = "till-1",
		                           .shortcode = "174379"};
		struct store_txn t;
		if (store_txn_create(st, &in, &t, &e) != POS_OK)
			die("create", &e);
		struct store_txn_change ch = {.to = TXN_SENT};
		if (store_txn_transition(st, t.id, &ch, NULL, &e) != POS_OK)
			die("sent", &e);
		ch = (struct store_txn_change){.to = TXN_AWAITING,
		                               .set = {.checkout_request_id = checkout,
		                                       .merchant_request_id = "1-2-3"}};
		if (store_txn_transition(st, t.id, &ch, NULL, &e) != POS_OK)
			die("awaiting", &e);
	}
	store_close(st);
	printf("{\"seeded\":%lld}\n", (long long)n);
	return 0;
}

struct fire {
	const char *url, *secret;
	int64_t first, n;
	int conns;
	bool dup;
	int log_fd;
	_Atomic int64_t ok, failed, next;
};

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static void *fire_thread(void *arg)
{
	struct fire *f = arg;
	CURL *c = curl_easy_init();
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	for (;;) {
		int64_t k = atomic_fetch_add(&f->next, 1);
		if (k >= f->n * (f->dup ? 2 : 1))
			break;
		int64_t i = f->first + (f->dup ? k / 2 : k);
		char pub[STORE_PUBLIC_ID_MAX], url[512], body[1024];
		store_public_id_format(i, pub);
		snprintf(url, sizeof url, "%s/%s/stk/%s", f->url, f->secret, pub);
		snprintf(body, sizeof body,
		         "{\"Body\":{\"stkCallback\":{\"MerchantRequestID\":\"1-2-3\","
		         "\"CheckoutRequestID\":\"ws_CO_LOAD_%lld\",\"ResultCode\":0,"
		         "\"ResultDesc\":\"The service request is processed successfully.\","
		         "\"CallbackMetadata\":{\"Item\":[{\"Name\":\"Amount\",\"Value\":10.00},"
		         "{\"Name\":\"MpesaReceiptNumber\",\"Value\":\"LD%08lld\"},"
		         "{\"Name\":\"TransactionDate\",\"Value\":20251126101544},"
		         "{\"Name\":\"PhoneNumber\",\"Value\":2547%08lld}]}}}}",
		         (long long)i, (long long)i, (long long)(i % 100000000));
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		long status = 0;
		if (curl_easy_perform(c) == CURLE_OK)
			curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status == 200) {
			atomic_fetch_add(&f->ok, 1);
			if (f->log_fd >= 0 && (!f->dup || k % 2 == 0)) {
				char line[32];
				int len = snprintf(line, sizeof line, "%lld\n", (long long)i);
				if (write(f->log_fd, line, (size_t)len) != len)
					perror("cbload: log");
			}
		} else {
			atomic_fetch_add(&f->failed, 1);
		}
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return NULL;
}

static int fire(int argc, char **argv)
{
	if (argc < 7)
		return usage();
	struct fire f = {.url = argv[2], .secret = argv[3], .first = num(argv[4]),
	                 .n = num(argv[5]), .conns = (int)num(argv[6]), .log_fd = -1};
	for (int i = 7; i < argc; i++) {
		if (strcmp(argv[i], "--dup") == 0)
			f.dup = true;
		else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			f.log_fd = open(argv[++i], O_WRONLY | O_CREAT | O_APPEND, 0600);
		else
			return usage();
	}
	if (f.conns < 1 || f.conns > 512)
		return usage();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	pthread_t *t = calloc((size_t)f.conns, sizeof *t);
	for (int i = 0; i < f.conns; i++)
		pthread_create(&t[i], NULL, fire_thread, &f);
	for (int i = 0; i < f.conns; i++)
		pthread_join(t[i], NULL);
	free(t);
	curl_global_cleanup();
	printf("{\"sent\":%lld,\"answered\":%lld,\"failed\":%lld}\n",
	       (long long)(f.n * (f.dup ? 2 : 1)), (long long)f.ok, (long long)f.failed);
	return 0;
}

static int verify(int argc, char **argv)
{
	if (argc < 5)
		return usage();
	struct store *st;
	struct pos_err e;
	if (store_open(argv[2], NULL, &st, &e) != POS_OK)
		die("open", &e);
	FILE *in = fopen(argv[3], "r");
	if (!in) {
		perror("cbload: answered list");
		return 1;
	}
	int64_t limit = num(argv[4]);
	char *answered = calloc((size_t)limit + 1, 1);
	long checked = 0, missing = 0, twice = 0, lost_extra = 0;
	char line[64];
	while (fgets(line, sizeof line, in)) {
		line[strcspn(line, "\n")] = '\0';
		int64_t id = num(line);
		if (id <= limit)
			answered[id] = 1;
	}
	fclose(in);
	for (int64_t id = 1; id <= limit; id++) {
		struct store_txn t;
		if (store_txn_get(st, id, &t, &e) != POS_OK)
			die("get", &e);
		int64_t cbs[16];
		size_t n = 0, applied = 0;
		if (store_callback_ids_for(st, id, cbs, 16, &n, &e) != POS_OK)
			die("callbacks", &e);
		for (size_t k = 0; k < n; k++) {
			struct store_callback_row row;
			if (store_callback_get(st, cbs[k], &row, &e) != POS_OK)
				die("callback", &e);
			applied += row.outcome == STORE_CB_APPLIED;
			store_callback_row_release(&row);
		}
		if (answered[id]) {
			checked++;
			if (t.state != TXN_COMPLETED || applied == 0)
				missing++;
		} else if (applied > 0 && t.state != TXN_COMPLETED) {
			lost_extra++;
		}
		if (applied > 1)
			twice++;
	}
	free(answered);
	store_close(st);
	printf("{\"answered_checked\":%ld,\"missing\":%ld,\"applied_twice\":%ld,"
	       "\"inconsistent\":%ld}\n", checked, missing, twice, lost_extra);
	return missing || twice || lost_extra ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "seed") == 0 && argc >= 4)
		return seed(argv[2], num(argv[3]), argc > 4 ? num(argv[4]) : 10);
	if (strcmp(argv[1], "fire") == 0)
		return fire(argc, argv);
	if (strcmp(argv[1], "verify") == 0)
		return verify(argc, argv);
	return usage();
}
