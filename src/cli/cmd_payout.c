/* cli/cmd_payout.c: `mpesa-pos payout`: pay a customer (B2C), as a
 * supervisor; above [limits] approval_above with a second approver. */
#include <stdio.h>

#include "app/flow.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos payout --operator ID --phone PHONE --amount N\n"
	      "                        --command SalaryPayment|BusinessPayment|PromotionPayment\n"
	      "                        [--remarks TEXT] [--occasion TEXT]\n"
	      "                        [--approver ID [--approver-pin-fd N]]\n"
	      "                        [--wait] [--timeout S] [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Pay N shillings to PHONE from the B2C shortcode. Needs a supervisor; above\n"
	      "[limits] approval_above a second supervisor approves with their own PIN.\n"
	      "The result comes by callback: without a listener (serve, or this command\n"
	      "with --wait when [listener] public_url points at this machine) it stays\n"
	      "pending until one runs. Exit codes in docs/cli.md.\n",
	      out);
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

int cli_cmd_payout(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	struct app_payout_req rq = {0};
	cli_act_init(&c, g, "payout");
	const struct cli_opt opts[] = {
		{"--phone", &rq.phone, NULL},
		{"--amount", &rq.amount, NULL},
		{"--command", &rq.command, NULL},
		{"--remarks", &rq.remarks, NULL},
		{"--occasion", &rq.occasion, NULL},
		{NULL, NULL, NULL},
	};
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, opts, NULL, usage, &rc))
		return rc;
	if ((rc = cli_act_ready(&c, c.wait, true)) != CLI_OK)
		return rc;
	rq.approver = cli_act_approver(&c);
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_payout_start(c.loop, &c.op, &rq, on_change, NULL, &f, &err) != POS_OK)
		return cli_act_fail(&c, &err);
	long long limit_s = c.timeout_s ? c.timeout_s
	                    : c.wait ? 120 : c.cfg->daraja.timeout + 15;
	return cli_act_finish(&c, f, limit_s, true);
}
