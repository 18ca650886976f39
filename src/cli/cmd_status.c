/* cli/cmd_status.c: `mpesa-pos status ID`: where a transaction stands. */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "app/flow.h"
#include "cli/cli.h"
#include "core/money.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos status ID [--timeout S] [--config FILE]\n"
	      "                        [--operator ID [--pin-fd N]]\n"
	      "\n"
	      "ID is a transaction of this till (T000001Y) or an M-Pesa receipt. A\n"
	      "transaction that is not final is checked with M-Pesa once, now (STK query,\n"
	      "or Transaction Status whose answer comes by callback). A receipt this till\n"
	      "does not hold is looked up with Transaction Status, as a supervisor\n"
	      "(--operator). The exit code is that of the transaction's state\n"
	      "(docs/cli.md).\n",
	      out);
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

static cJSON *status_json(const struct daraja_status_result *r)
{
	cJSON *x = cJSON_CreateObject(), *o = cJSON_CreateObject();
	char v[MONEY_FMT_MAX];
	if (!x || !o) {
		cJSON_Delete(x);
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "result_code", r->common.result_code.text);
	cJSON_AddStringToObject(o, "result_desc", r->common.result_desc);
	cJSON_AddStringToObject(o, "transaction_status", r->transaction_status);
	cJSON_AddStringToObject(o, "receipt", r->receipt_no);
	if (r->amount.present)
		cJSON_AddStringToObject(o, "amount", money_format_plain(r->amount.minor, v, sizeof v));
	cJSON_AddStringToObject(o, "debit_party", r->debit_party_name);
	cJSON_AddStringToObject(o, "credit_party", r->credit_party_name);
	cJSON_AddStringToObject(o, "reason_type", r->reason_type);
	cJSON_AddStringToObject(o, "finalised_time", r->finalised.text);
	cJSON_AddItemToObject(x, "mpesa", o);
	return x;
}

int cli_cmd_status(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	const char *id = NULL;
	cli_act_init(&c, g, "status");
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, NULL, &id, usage, &rc))
		return rc;
	if (!id) {
		fprintf(stderr, "mpesa-pos status: which transaction? give its id (T000001Y) "
		        "or an M-Pesa receipt\n");
		return CLI_USAGE;
	}
	if ((rc = cli_act_ready(&c, true, c.operator_id > 0)) != CLI_OK)
		return rc;
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_status_start(c.loop, c.signed_in ? &c.op : NULL, id, on_change, NULL, &f,
	                     &err) != POS_OK)
		return cli_act_fail(&c, &err);
	long long limit_s = c.timeout_s ? c.timeout_s : 30;
	cli_act_run(&c, f, true, limit_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	const struct pos_err *fe = app_flow_error(f);
	char note[400] = "";
	cJSON *extra = NULL;
	struct daraja_status_result r;
	if (t && t->kind == TXN_KIND_STATUS && t->state == TXN_COMPLETED &&
	    app_status_result(c.app, t->id, &r, NULL) == POS_OK)
		extra = status_json(&r);
	if (fe->code != POS_OK)
		snprintf(note, sizeof note, "%s", fe->msg);
	else if (!app_flow_done(f))
		snprintf(note, sizeof note, "no final answer within %lld s", limit_s);
	rc = t ? cli_report_txn("status", t, note, extra) : cli_report_error("status", fe);
	app_flow_free(f);
	cli_act_close(&c);
	return rc;
}
