/* cli/cmd_reverse.c: `mpesa-pos reverse ID`: reverse a completed customer
 * payment (STK or C2B), as a supervisor. */
#include <stdio.h>

#include "app/flow.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos reverse ID --operator ID [--wait] [--timeout S]\n"
	      "                         [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Reverse the completed customer payment ID (an M-Pesa charge or a paybill/till\n"
	      "payment; Daraja offers no reversal of payouts). Needs a supervisor. A\n"
	      "payment is reversed once. Exit codes in docs/cli.md.\n",
	      out);
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

int cli_cmd_reverse(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	const char *id = NULL;
	cli_act_init(&c, g, "reverse");
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, NULL, &id, usage, &rc))
		return rc;
	if (!id) {
		fprintf(stderr, "mpesa-pos reverse: which payment? give its id (T000001Y)\n");
		return CLI_USAGE;
	}
	rc = cli_act_open(&c, c.wait);
	if (rc == CLI_OK)
		rc = cli_act_signin(&c);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_reversal_start(c.loop, &c.op, id, on_change, NULL, &f, &err) != POS_OK) {
		rc = cli_report_error("reverse", &err);
		cli_act_close(&c);
		return rc;
	}
	long long limit_s = c.timeout_s ? c.timeout_s
	                    : c.wait ? 120 : c.cfg->daraja.timeout + 15;
	cli_act_run(&c, f, c.wait, limit_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	const struct pos_err *fe = app_flow_error(f);
	char note[400] = "";
	if (fe->code != POS_OK && t && t->state != TXN_FAILED)
		snprintf(note, sizeof note, "%s", fe->msg);
	else if (c.wait && !app_flow_done(f))
		snprintf(note, sizeof note, "stopped waiting after %lld s", limit_s);
	rc = t ? cli_report_txn("reverse", t, note, NULL) : cli_report_error("reverse", fe);
	app_flow_free(f);
	cli_act_close(&c);
	return rc;
}
