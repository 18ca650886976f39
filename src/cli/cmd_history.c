/* cli/cmd_history.c: `mpesa-pos history`: transactions of the local ledger,
 * newest first, streamed a keyset page at a time (a million rows never sit
 * in memory). A cashier sees their own; a supervisor everyone's. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/cli.h"
#include "core/csv.h"
#include "core/money.h"
#include "core/phone.h"

enum { PAGE = 500 };
enum format { F_TEXT, F_JSON, F_CSV };

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos history --operator ID [--since DATE] [--until DATE]\n"
	      "                         [--kind K] [--state S] [--phone P] [--by ID]\n"
	      "                         [--json|--csv] [--limit N] [--pin-fd N]\n"
	      "                         [--config FILE]\n"
	      "\n"
	      "Transactions of the local ledger, newest first. A cashier sees their own;\n"
	      "a supervisor or admin everyone's (--by ID: one operator's). Dates are\n"
	      "Nairobi days, YYYY-MM-DD, both included.\n"
	      "\n"
	      "  --kind K    stk, b2c, c2b, reversal, cash, status, balance\n"
	      "  --state S   created, sent, awaiting, completed, failed, cancelled,\n"
	      "              timed_out, unknown, unresolved, review\n"
	      "  --phone P   the customer's number, as typed (0712 345 678, 2547...)\n"
	      "  --json      one JSON object a line (JSON Lines); --csv: a header, then\n"
	      "              one row a transaction; default: a table\n"
	      "  --limit N   at most N transactions\n"
	      "\n"
	      "Reads the ledger only: nothing is sent to M-Pesa. Exit codes in docs/cli.md.\n",
	      out);
}

struct hopts {
	struct store_filter f;
	char msisdn[STORE_MSISDN_MAX];
	int64_t by;
	long long limit;          /* 0 = all */
	enum format fmt;
};

static bool day(const char *v, bool end, int64_t *ms)
{
	time_t t;
	if (!v || strlen(v) != 10 || !clock_parse_date_eat(v, &t))
		return false;
	*ms = ((int64_t)t + (end ? 86400 : 0)) * 1000;
	return true;
}

/* 1 taken (with its value), 0 not ours, CLI_USAGE (negated) bad. */
static int take(struct hopts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
		o->fmt = a[2] == 'j' ? F_JSON : F_CSV;
		return 1;
	}
	if (strcmp(a, "--since") == 0) {
		if (!day(v, false, &o->f.from_ms))
			return -cli_bad_arg("history", "--since needs a day like 2025-03-14, not", v);
	} else if (strcmp(a, "--until") == 0) {
		if (!day(v, true, &o->f.to_ms))
			return -cli_bad_arg("history", "--until needs a day like 2025-03-14, not", v);
	} else if (strcmp(a, "--kind") == 0) {
		if (!v || !txn_kind_parse(v, &o->f.kind))
			return -cli_bad_arg("history", "--kind is one of stk, b2c, c2b, reversal, cash, "
			                    "status, balance, not", v);
		o->f.has_kind = true;
	} else if (strcmp(a, "--state") == 0) {
		if (!v || !txn_state_parse(v, &o->f.state))
			return -cli_bad_arg("history", "--state is a state such as completed or failed, not", v);
		o->f.has_state = true;
	} else if (strcmp(a, "--phone") == 0) {
		struct phone ph;
		struct pos_err err;
		if (!v || phone_normalize(v, PHONE_DEFAULT_COUNTRY, &ph, &err) != POS_OK)
			return -cli_bad_arg("history", "--phone needs a mobile number, not", v);
		str_copy(o->msisdn, sizeof o->msisdn, ph.msisdn);
		o->f.msisdn = o->msisdn;
	} else if (strcmp(a, "--by") == 0) {
		if (!v || parse_i64_str(v, 1, INT64_MAX, &o->by) != POS_OK)
			return -cli_bad_arg("history", "--by needs an operator id, not", v);
	} else if (strcmp(a, "--limit") == 0) {
		int64_t n;
		if (!v || parse_i64_str(v, 1, INT64_MAX, &n) != POS_OK)
			return -cli_bad_arg("history", "--limit needs a number of transactions, not", v);
		o->limit = (long long)n;
	} else {
		return 0;
	}
	(*i)++;
	return 1;
}

static void put_json(FILE *out, const struct store_txn *t, const char *when,
                     const char *amount)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "txn", t->public_id);
	cJSON_AddStringToObject(o, "created_at", when);
	cJSON_AddStringToObject(o, "kind", txn_kind_name(t->kind));
	cJSON_AddStringToObject(o, "state", txn_state_name(t->state));
	cJSON_AddStringToObject(o, "amount", amount);
	cJSON_AddStringToObject(o, "currency", t->currency);
#define OPT(k, v)                                                              \
	if ((v)[0])                                                                \
		cJSON_AddStringToObject(o, k, v);
	OPT("phone", t->msisdn)
	OPT("account_reference", t->account_reference)
	OPT("description", t->description)
	OPT("receipt", t->receipt)
	OPT("payer_name", t->payer_name)
	OPT("result_code", t->result_code)
	OPT("result_desc", t->result_desc)
	OPT("till", t->till_id)
	OPT("other_means", t->other_means)
#undef OPT
	cJSON_AddNumberToObject(o, "operator", (double)t->operator_id);
	char *s = cJSON_PrintUnformatted(o);
	if (s) {
		char masked[16384];
		fputs(strlen(s) < sizeof masked ? log_mask(s, masked, sizeof masked) : s, out);
		fputc('\n', out);
	}
	free(s);
	cJSON_Delete(o);
}

/* The CSV columns: what the program made is data, what came from outside
 * is text (a formula in it is defused, core/csv.h). */
static const enum csv_cell csv_cells[] = {
	CSV_CELL_DATA, CSV_CELL_DATA, CSV_CELL_DATA, CSV_CELL_DATA, /* id .. state */
	CSV_CELL_DATA, CSV_CELL_DATA, CSV_CELL_TEXT, CSV_CELL_TEXT, /* amount .. reference */
	CSV_CELL_TEXT, CSV_CELL_TEXT, CSV_CELL_TEXT, CSV_CELL_TEXT, /* description .. code */
	CSV_CELL_TEXT, CSV_CELL_DATA, CSV_CELL_TEXT, CSV_CELL_TEXT, /* desc, operator .. */
};

/* line: the caller's scratch for a CSV row. */
static void put_row(FILE *out, enum format fmt, const struct store_txn *t, struct buf *line)
{
	char when[26], amount[MONEY_FMT_MAX], op[24];
	clock_iso8601_eat((time_t)(t->created_at / 1000), when);
	money_format_plain(t->amount_minor, amount, sizeof amount);
	if (fmt == F_JSON) {
		put_json(out, t, when, amount);
		return;
	}
	snprintf(op, sizeof op, "%lld", (long long)t->operator_id);
	if (fmt == F_CSV) {
		const char *f[] = {t->public_id, when, txn_kind_name(t->kind),
		                   txn_state_name(t->state), amount, t->currency, t->msisdn,
		                   t->account_reference, t->description, t->receipt,
		                   t->payer_name, t->result_code, t->result_desc, op,
		                   t->till_id, t->other_means};
		_Static_assert(sizeof f / sizeof f[0] == sizeof csv_cells / sizeof csv_cells[0],
		               "a cell kind for every CSV column");
		buf_reset(line);
		if (csv_put_row(line, f, csv_cells, sizeof f / sizeof f[0]) == POS_OK)
			fwrite(line->data, 1, line->len, out);
		return;
	}
	fprintf(out, "%-9s %.16s %-8s %-10s %12s %-12s %-10s %s\n", t->public_id, when,
	        txn_kind_name(t->kind), txn_state_name(t->state), amount, t->msisdn,
	        t->receipt[0] ? t->receipt : t->other_means, op);
}

/* Every matching row, a page at a time. */
static int stream(struct store *st, const struct hopts *o, struct pos_err *err)
{
	struct store_txn *rows = malloc(PAGE * sizeof *rows);
	if (!rows) {
		pos_err_set(err, POS_E_NOMEM, NULL, NULL);
		return cli_report_error("history", err);
	}
	if (o->fmt == F_CSV)
		fputs("id,created_at,kind,state,amount,currency,phone,account_reference,"
		      "description,receipt,payer_name,result_code,result_desc,operator_id,"
		      "till_id,other_means\n", stdout);
	else if (o->fmt == F_TEXT)
		printf("%-9s %-16s %-8s %-10s %12s %-12s %-10s %s\n", "id", "created (Nairobi)",
		       "kind", "state", "amount", "phone", "receipt", "operator");
	struct buf line;
	buf_init(&line, 2 * sizeof(struct store_txn) + 256); /* never reached: every field doubled */
	struct store_cursor after = {0, 0}, next;
	long long shown = 0;
	bool more = true;
	int rc = CLI_OK;
	while (more && (!o->limit || shown < o->limit)) {
		size_t want = PAGE, n = 0;
		if (o->limit && (long long)want > o->limit - shown)
			want = (size_t)(o->limit - shown);
		if (store_txn_history(st, &o->f, &after, rows, want, &n, &next, &more, err) != POS_OK) {
			rc = cli_report_error("history", err);
			break;
		}
		for (size_t i = 0; i < n; i++)
			put_row(stdout, o->fmt, &rows[i], &line);
		shown += (long long)n;
		after = next;
		if (!n)
			break;
		if (ferror(stdout))
			break; /* the reader went away (a pipe into head) */
	}
	fflush(stdout);
	buf_release(&line);
	free(rows);
	if (rc == CLI_OK && o->fmt == F_TEXT)
		fprintf(stderr, "mpesa-pos history: %lld transaction%s\n", shown, shown == 1 ? "" : "s");
	return rc;
}

int cli_cmd_history(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	struct hopts o;
	memset(&o, 0, sizeof o);
	cli_act_init(&c, g, "history");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (cli_is_help(a)) {
			usage(stdout);
			return CLI_OK;
		}
		if (cli_money_only_option(a))
			return cli_bad_arg("history", "does not take", a);
		int taken = take(&o, argc, argv, &i);
		if (taken < 0)
			return -taken;
		if (!taken)
			taken = cli_act_option(&c, argc, argv, &i);
		if (taken < 0)
			return CLI_USAGE;
		if (!taken)
			return cli_bad_arg("history", "unknown argument", a);
	}
	if (o.f.from_ms && o.f.to_ms && o.f.to_ms <= o.f.from_ms)
		return cli_bad_arg("history", "--until is before --since", argv[0]);
	int rc = cli_act_open(&c, false);
	if (rc == CLI_OK)
		rc = cli_act_signin(&c);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	struct pos_err err;
	if (!role_allows(c.op.role, ROLE_ACT_ALL_HISTORY)) {
		if (o.by && o.by != c.op.id) {
			role_check(c.op.role, ROLE_ACT_ALL_HISTORY, &err);
			rc = cli_report_error("history", &err);
			cli_act_close(&c);
			return rc;
		}
		o.f.operator_id = c.op.id; /* a cashier: their own */
	} else {
		o.f.operator_id = o.by;
	}
	rc = stream(app_store(c.app), &o, &err);
	cli_act_close(&c);
	return rc;
}
