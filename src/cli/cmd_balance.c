/* cli/cmd_balance.c: `mpesa-pos balance`: the M-Pesa account balance. */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "app/flow.h"
#include "cli/cli.h"
#include "core/money.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos balance --operator ID [--wait] [--timeout S]\n"
	      "                         [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Ask M-Pesa for the balance of the B2C shortcode's accounts. Needs a\n"
	      "supervisor. The answer comes by callback: with --wait this command\n"
	      "receives it itself when [listener] public_url points at this machine (or\n"
	      "a running serve does), and prints the accounts. Exit codes in docs/cli.md.\n",
	      out);
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

static cJSON *accounts_json(const struct daraja_balance_result *b)
{
	cJSON *x = cJSON_CreateObject();
	cJSON *arr = x ? cJSON_AddArrayToObject(x, "accounts") : NULL;
	for (size_t i = 0; arr && i < b->n_accounts; i++) {
		const struct daraja_account *a = &b->accounts[i];
		cJSON *o = cJSON_CreateObject();
		char v[MONEY_FMT_MAX];
		if (!o)
			break;
		cJSON_AddStringToObject(o, "name", a->name);
		cJSON_AddStringToObject(o, "currency", a->currency);
		cJSON_AddStringToObject(o, "current", money_format_plain(a->current, v, sizeof v));
		cJSON_AddStringToObject(o, "available", money_format_plain(a->available, v, sizeof v));
		cJSON_AddStringToObject(o, "reserved", money_format_plain(a->reserved, v, sizeof v));
		cJSON_AddStringToObject(o, "uncleared", money_format_plain(a->uncleared, v, sizeof v));
		cJSON_AddItemToArray(arr, o);
	}
	return x;
}

int cli_cmd_balance(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	cli_act_init(&c, g, "balance");
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, NULL, NULL, usage, &rc))
		return rc;
	if ((rc = cli_act_ready(&c, c.wait, true)) != CLI_OK)
		return rc;
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_balance_start(c.loop, &c.op, on_change, NULL, &f, &err) != POS_OK)
		return cli_act_fail(&c, &err);
	long long limit_s = c.timeout_s ? c.timeout_s
	                    : c.wait ? 60 : c.cfg->daraja.timeout + 15;
	cli_act_run(&c, f, c.wait, limit_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	const struct pos_err *fe = app_flow_error(f);
	char note[400] = "";
	cJSON *extra = NULL;
	struct daraja_balance_result b;
	if (t && t->state == TXN_COMPLETED &&
	    app_balance_result(c.app, t->id, &b, NULL) == POS_OK)
		extra = accounts_json(&b);
	if (fe->code != POS_OK && t && t->state != TXN_FAILED)
		snprintf(note, sizeof note, "%s", fe->msg);
	else if (!c.wait && t && t->state == TXN_AWAITING)
		snprintf(note, sizeof note, "M-Pesa accepted the query; the balance comes by "
		         "callback (use --wait to receive it here)");
	else if (c.wait && !app_flow_done(f))
		snprintf(note, sizeof note, "stopped waiting after %lld s%s", limit_s,
		         c.listening ? "" : " (no listener here: a running serve records the result)");
	rc = t ? cli_report_txn("balance", t, note, extra) : cli_report_error("balance", fe);
	app_flow_free(f);
	cli_act_close(&c);
	return rc;
}
