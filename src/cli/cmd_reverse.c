/* cli/cmd_reverse.c: `mpesa-pos reverse ID`: reverse a completed customer
 * payment (STK or C2B), as a supervisor. */
#include <stdio.h>
#include <string.h>

#include "app/flow.h"
#include "base/str.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos reverse ID --operator ID [--wait] [--timeout S]\n"
	      "                         [--yes-claimed] [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Reverse the completed customer payment ID (an M-Pesa charge or a paybill/till\n"
	      "payment; Daraja offers no reversal of payouts). Needs a supervisor. A\n"
	      "payment is reversed once. A paybill/till payment already claimed for a sale\n"
	      "is refused (exit 30, naming who claimed it for which sale) unless\n"
	      "--yes-claimed confirms it. Exit codes in docs/cli.md.\n",
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
	bool claimed_ok = false;
	const struct cli_opt opts[] = {{"--yes-claimed", NULL, &claimed_ok}, {NULL, NULL, NULL}};
	cli_act_init(&c, g, "reverse");
	int rc;
	if (!cli_act_args(&c, argc, argv, 1, opts, &id, usage, &rc))
		return rc;
	if (!id) {
		fprintf(stderr, "mpesa-pos reverse: which payment? give its id (T000001Y)\n");
		return CLI_USAGE;
	}
	if ((rc = cli_act_ready(&c, c.wait, true)) != CLI_OK)
		return rc;
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_reversal_start(c.loop, &c.op, id, claimed_ok, on_change, NULL, &f, &err) != POS_OK) {
		if (err.code == POS_E_CONFLICT && strstr(err.msg, " was claimed by "))
			str_fmt(err.hint, sizeof err.hint,
			        "if the sale is settled another way, run it again with --yes-claimed");
		return cli_act_fail(&c, &err);
	}
	long long limit_s = c.timeout_s ? c.timeout_s
	                    : c.wait ? 120 : c.cfg->daraja.timeout + 15;
	return cli_act_finish(&c, f, limit_s, false);
}
