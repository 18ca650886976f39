/* cli/cmd_report.c: `mpesa-pos report day-end`: the day-end (Z) report of
 * the local ledger, the same one the console's Report screen shows (a
 * cashier gets their own shift summary). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/report.h"
#include "base/clock.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos report day-end --operator ID [--date YYYY-MM-DD]\n"
	      "                        [--till ID] [--json|--csv] [--out DIR]\n"
	      "                        [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "The day-end (Z) report of the local ledger for one Nairobi day (default\n"
	      "today): totals by kind, state and operator; open and doubtful\n"
	      "transactions; orphan callbacks; cash apart; the opening and closing\n"
	      "M-Pesa balance from the day's balance readings and the variance against\n"
	      "the ledger; payments found by Pull Transactions. A supervisor or admin\n"
	      "gets the full report; a cashier gets their own shift summary. The\n"
	      "operator signs in with their PIN (from the terminal, or --pin-fd N).\n"
	      "\n"
	      "  --date D     the day, YYYY-MM-DD in Nairobi time (default today)\n"
	      "  --till ID    only this till's transactions (default every till)\n"
	      "  --json       one JSON object; --csv: section,key,detail,count,amount\n"
	      "  --out DIR    also save the report as text and CSV files in DIR\n"
	      "\n"
	      "Reads the ledger only: nothing is sent to M-Pesa. Exit codes in docs/cli.md.\n",
	      out);
}

enum format { F_TEXT, F_JSON, F_CSV };

int cli_cmd_report(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	const char *date = NULL, *till = NULL, *outdir = NULL;
	enum format fmt = F_TEXT;
	bool day_end = false;
	cli_act_init(&c, g, "report");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(a)) {
			usage(stdout);
			return CLI_OK;
		}
		if (cli_money_only_option(a))
			return cli_bad_arg("report", "does not take", a);
		int taken = cli_act_option(&c, argc, argv, &i);
		if (taken < 0)
			return CLI_USAGE;
		if (taken)
			continue;
		if (strcmp(a, "day-end") == 0 && !day_end) {
			day_end = true;
		} else if (strcmp(a, "--date") == 0) {
			time_t t;
			if (!v || strlen(v) != 10 || !clock_parse_date_eat(v, &t))
				return cli_bad_arg("report", "--date needs a day like 2025-03-14, not", v);
			date = v;
			i++;
		} else if (strcmp(a, "--till") == 0) {
			if (!v || !v[0] || strlen(v) >= STORE_TILL_MAX)
				return cli_bad_arg("report", "--till needs a till id, not", v);
			till = v;
			i++;
		} else if (strcmp(a, "--out") == 0) {
			if (!v || !v[0])
				return cli_bad_arg("report", "--out needs a folder, not", v);
			outdir = v;
			i++;
		} else if (strcmp(a, "--json") == 0) {
			fmt = F_JSON;
		} else if (strcmp(a, "--csv") == 0) {
			fmt = F_CSV;
		} else {
			return cli_bad_arg("report", "unknown argument", a);
		}
	}
	if (!day_end) {
		fprintf(stderr, "mpesa-pos report: say which report: mpesa-pos report day-end\n");
		return CLI_USAGE;
	}
	int rc = cli_act_open(&c, false);
	if (rc == CLI_OK)
		rc = cli_act_signin(&c);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	const struct config *cfg = c.cfg;
	struct app_report_req rq = {
		.date = date,
		.till_id = till,
		.till_name = cfg->till.name,
		.operator_id = c.op.id,
		.operator_name = c.op.name,
		.role = c.op.role,
	};
	struct app_report r;
	struct pos_err err;
	if (app_report_build(app_store(c.app), &rq, &r, &err) != POS_OK) {
		rc = cli_report_error("report", &err);
		cli_act_close(&c);
		return rc;
	}
	char *s = fmt == F_JSON ? app_report_json(&r)
	          : fmt == F_CSV ? app_report_csv(&r) : app_report_text(&r);
	if (!s) {
		pos_err_set(&err, POS_E_NOMEM, NULL, NULL);
		rc = cli_report_error("report", &err);
	} else {
		fputs(s, stdout);
		if (fmt == F_JSON)
			fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	if (rc == CLI_OK && outdir) {
		char txt[1100], csv[1100];
		if (app_report_save(&r, outdir, txt, sizeof txt, csv, sizeof csv, &err) != POS_OK) {
			cli_print_err("report", &err);
			rc = cli_exit_for(&err);
		} else {
			fprintf(stderr, "mpesa-pos report: saved %s and %s\n", txt, csv);
		}
	}
	if (rc == CLI_OK && !r.full)
		fprintf(stderr, "mpesa-pos report: a %s sees their own shift summary; the full "
		        "report needs a supervisor\n", role_name(c.op.role));
	app_report_release(&r);
	cli_act_close(&c);
	return rc;
}
