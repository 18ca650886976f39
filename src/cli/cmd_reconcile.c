/* cli/cmd_reconcile.c: `mpesa-pos reconcile`: every transaction that is not
 * final gets one resolution step, now. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/flow.h"
#include "base/clock.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos reconcile [--timeout S] [--config FILE]\n"
	      "\n"
	      "Look at every transaction that is not final and settle what can be settled\n"
	      "now: STK queries for charges, Transaction Status for payouts and reversals\n"
	      "(its answer comes by callback: this command listens for it when\n"
	      "[listener] public_url points at this machine, otherwise a running serve\n"
	      "records it), and what time alone decides (a prompt that has certainly\n"
	      "expired without an answer becomes unresolved, for a supervisor). Prints\n"
	      "what it found; exit 0 when it ran.\n",
	      out);
}

static bool done(void *user)
{
	return app_reconcile_done(user);
}

int cli_cmd_reconcile(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	cli_act_init(&c, g, "reconcile");
	for (int i = 1; i < argc; i++) {
		int taken = cli_act_option(&c, argc, argv, &i);
		if (taken < 0)
			return CLI_USAGE;
		if (taken)
			continue;
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		}
		fprintf(stderr, "mpesa-pos reconcile: unknown argument \"%s\"; run "
		        "mpesa-pos reconcile --help\n", argv[i]);
		return CLI_USAGE;
	}
	int rc = cli_act_open(&c, true);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	struct app_reconcile *r = NULL;
	struct pos_err err;
	if (app_reconcile_start(c.loop, true, &r, &err) != POS_OK) {
		rc = cli_report_error("reconcile", &err);
		cli_act_close(&c);
		return rc;
	}
	long long limit_s = c.timeout_s ? c.timeout_s : 90;
	app_loop_run(c.loop, done, r, clock_mono_ms() + limit_s * 1000);

	struct app_reconcile_stats s;
	app_reconcile_stats(r, &s);
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = o ? cJSON_CreateArray() : NULL;
	for (size_t i = 0; arr && i < app_reconcile_count(r); i++) {
		const struct store_txn *t = app_reconcile_txn(r, i);
		char sentence[640];
		cJSON *x = cJSON_CreateObject();
		if (!x)
			break;
		cJSON_AddStringToObject(x, "txn", t->public_id);
		cJSON_AddStringToObject(x, "kind", txn_kind_name(t->kind));
		cJSON_AddStringToObject(x, "state", txn_state_name(t->state));
		if (t->receipt[0])
			cJSON_AddStringToObject(x, "receipt", t->receipt);
		cJSON_AddStringToObject(x, "message", app_txn_sentence(t, sentence, sizeof sentence));
		cJSON_AddItemToArray(arr, x);
	}
	if (o) {
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddNumberToObject(o, "exit", 0);
		cJSON_AddNumberToObject(o, "checked", (double)s.checked);
		cJSON_AddNumberToObject(o, "finished", (double)s.finished);
		cJSON_AddNumberToObject(o, "unresolved", (double)s.unresolved);
		cJSON_AddNumberToObject(o, "still_open", (double)s.still_open);
		cJSON_AddBoolToObject(o, "complete", app_reconcile_done(r));
		cJSON_AddItemToObject(o, "transactions", arr);
		arr = NULL;
	}
	cJSON_Delete(arr);
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
	fprintf(stderr, "mpesa-pos reconcile: %zu open transaction%s looked at: %zu settled, "
	        "%zu for a supervisor (unresolved or held), %zu still open%s\n", s.checked,
	        s.checked == 1 ? "" : "s", s.finished, s.unresolved, s.still_open,
	        app_reconcile_done(r) ? "" : " (stopped at the time limit)");
	app_reconcile_free(r);
	cli_act_close(&c);
	return CLI_OK;
}
