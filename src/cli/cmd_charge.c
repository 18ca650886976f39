/* cli/cmd_charge.c: `mpesa-pos charge`: an M-Pesa prompt on the customer's
 * phone (STK push), as an operator. */
#include <stdio.h>

#include "app/flow.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos charge --operator ID --phone PHONE --amount N\n"
	      "                        [--ref REF] [--desc TEXT] [--wait] [--timeout S]\n"
	      "                        [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Send an M-Pesa prompt for N shillings to PHONE. The operator's PIN is read\n"
	      "from the terminal (no echo) or from file descriptor N (--pin-fd).\n"
	      "Without --wait it returns once M-Pesa accepted the prompt (exit 20: the\n"
	      "customer has not answered yet); with --wait it waits for the outcome.\n"
	      "REF (at most 12 characters) is shown on the prompt; empty: the\n"
	      "transaction's own id (T000001Y). One JSON object on stdout, one sentence\n"
	      "on stderr; exit codes in docs/cli.md.\n",
	      out);
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

int cli_cmd_charge(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	struct app_charge_req rq = {0};
	cli_act_init(&c, g, "charge");
	const struct cli_opt opts[] = {
		{"--phone", &rq.phone, NULL},
		{"--amount", &rq.amount, NULL},
		{"--ref", &rq.account_ref, NULL},
		{"--desc", &rq.description, NULL},
		{NULL, NULL, NULL},
	};
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, opts, NULL, usage, &rc))
		return rc;
	if ((rc = cli_act_ready(&c, c.wait, true)) != CLI_OK)
		return rc;
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_charge_start(c.loop, &c.op, &rq, on_change, NULL, &f, &err) != POS_OK)
		return cli_act_fail(&c, &err);
	const struct config *cfg = c.cfg;
	long long limit_s = c.timeout_s ? c.timeout_s
	                    : c.wait ? cfg->daraja.stk_prompt_seconds * 2 + 60
	                             : cfg->daraja.timeout + 15;
	return cli_act_finish(&c, f, limit_s, false);
}
