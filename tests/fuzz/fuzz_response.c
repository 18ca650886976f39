/* tests/fuzz/fuzz_response.c: every synchronous answer parser
 * (daraja/response.h). The first byte picks the HTTP status; the rest is the
 * body. Checks: a refusal carries a class; heap answers are released; a
 * pending STK query only comes from HTTP 500. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "daraja/response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void refusal(enum pos_status st, const struct daraja_api_error *e)
{
	if (st == POS_E_DARAJA || st == POS_E_THROTTLED)
		check(e->cls != DARAJA_APIERR_NONE && (st == POS_E_THROTTLED) ==
		                                           (e->cls == DARAJA_APIERR_THROTTLED));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = {200, 200, 200, 201, 400, 401, 404, 405, 429, 500, 502, 503, 0};
	if (size == 0)
		return 0;
	long http = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	struct pos_err err;
	enum pos_status st;

	struct daraja_token_answer t;
	st = daraja_token_answer_parse(http, body, len, &t, &err);
	refusal(st, &t.error);
	if (st == POS_OK)
		check(t.access_token[0] != '\0' && t.expires_in_s > 0);
	else
		check(t.access_token[0] == '\0');

	struct daraja_stk_push_answer p;
	refusal(daraja_stk_push_answer_parse(http, body, len, &p, &err), &p.error);

	struct daraja_stk_query_answer q;
	st = daraja_stk_query_answer_parse(http, body, len, &q, &err);
	refusal(st, &q.error);
	if (q.pending)
		check(st == POS_OK && http == 500 && q.error.cls == DARAJA_APIERR_PENDING);

	struct daraja_async_answer a;
	refusal(daraja_async_answer_parse(http, body, len, &a, &err), &a.error);

	struct daraja_c2b_register_answer c;
	refusal(daraja_c2b_register_answer_parse(http, body, len, &c, &err), &c.error);

	struct daraja_qr_answer qr;
	st = daraja_qr_answer_parse(http, body, len, &qr, &err);
	refusal(st, &qr.error);
	check(st == POS_OK ? qr.qr_code != NULL && strlen(qr.qr_code) == qr.qr_code_len
	                   : qr.qr_code == NULL);
	daraja_qr_answer_release(&qr);

	struct daraja_pull_answer pl;
	st = daraja_pull_answer_parse(http, body, len, &pl, &err);
	refusal(st, &pl.error);
	check(pl.n_records <= DARAJA_PULL_RECORDS_MAX);
	if (st != POS_OK)
		check(pl.records == NULL);
	daraja_pull_answer_release(&pl);

	struct daraja_api_error e;
	(void)daraja_api_error_parse(http, body, len, &e, &err);
	return 0;
}
