/* cli/cmd_resolve.c: `mpesa-pos resolve ID`: a supervisor closes an
 * unresolved (or held) transaction as paid or not paid. */
#include <stdio.h>

#include "app/flow.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos resolve ID --operator ID (--paid RECEIPT | --not-paid)\n"
	      "                         [--timeout S] [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Close the unresolved or held transaction ID. --paid takes the M-Pesa\n"
	      "receipt the customer shows; it is checked with Transaction Status (amount\n"
	      "and phone) before anything changes. Needs a supervisor; audited.\n",
	      out);
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

int cli_cmd_resolve(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	struct app_resolve_req rq = {0};
	bool paid = false, not_paid = false;
	cli_act_init(&c, g, "resolve");
	const struct cli_opt opts[] = {
		{"--paid", &rq.receipt, NULL},
		{"--not-paid", NULL, &not_paid},
		{NULL, NULL, NULL},
	};
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, opts, &rq.txn, usage, &rc))
		return rc;
	paid = rq.receipt != NULL;
	if (!rq.txn || paid == not_paid) {
		fprintf(stderr, "mpesa-pos resolve: give the transaction id and exactly one of "
		        "--paid RECEIPT or --not-paid\n");
		return CLI_USAGE;
	}
	rq.paid = paid;
	if ((rc = cli_act_ready(&c, paid, true)) != CLI_OK)
		return rc;
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_resolve_start(c.loop, &c.op, &rq, on_change, NULL, &f, &err) != POS_OK)
		return cli_act_fail(&c, &err);
	long long limit_s = c.timeout_s ? c.timeout_s : 90;
	cli_act_run(&c, f, true, limit_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	const struct pos_err *fe = app_flow_error(f);
	if (fe->code != POS_OK)
		rc = cli_report_error("resolve", fe);
	else if (!app_flow_done(f))
		rc = cli_report_txn("resolve", t, "the receipt check did not finish in time: "
		                    "nothing was changed", NULL);
	else
		rc = cli_report_txn("resolve", t, NULL, NULL);
	app_flow_free(f);
	cli_act_close(&c);
	return rc;
}
