/* cli/cmd_doctor.c: `mpesa-pos doctor`: the configuration checked against
 * the configured Daraja, without moving money (the checks: app/doctor.h). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/doctor.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos doctor [--json] [--operator ID [--pin-fd N]] [--timeout S]\n"
	      "                        [--config FILE]\n"
	      "\n"
	      "Check the configuration against the Daraja it points at, moving no money:\n"
	      "the consumer key and secret give a token (sandbox keys against production,\n"
	      "and the reverse, are named as such); the app has M-Pesa Express (an STK\n"
	      "query for a CheckoutRequestID that does not exist also checks the shortcode\n"
	      "and the passkey) and Pull Transactions; the shortcode type fits the\n"
	      "TransactionType; the SecurityCredential is accepted (an Account Balance\n"
	      "query, in the name of the supervisor given with --operator); the callback\n"
	      "URL follows Daraja's rules and the listener answers when it is on this\n"
	      "machine; the initiator password is not about to expire. B2C and Reversal\n"
	      "cannot be probed without moving money.\n"
	      "\n"
	      "Prints one verdict per item (ok, warning, failed) with the fix; --json prints\n"
	      "them as one JSON object. Exit 0 when nothing failed (warnings allowed), 78\n"
	      "when a check failed.\n",
	      out);
}

static void print_text(const struct app_doctor_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct app_check *c = &r->checks[i];
		printf("%-7s %-14s %s\n", app_verdict_name(c->verdict), c->name, c->what);
		if (c->fix[0])
			printf("%-7s %-14s fix: %s\n", "", "", c->fix);
	}
}

static void print_json(const struct app_doctor_report *r, int rc)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = o ? cJSON_AddArrayToObject(o, "checks") : NULL;
	if (!arr) {
		cJSON_Delete(o);
		return;
	}
	cJSON_AddBoolToObject(o, "ok", r->worst != APP_VERDICT_FAILED);
	cJSON_AddNumberToObject(o, "exit", rc);
	cJSON_AddStringToObject(o, "verdict", app_verdict_name(r->worst));
	for (size_t i = 0; i < r->n; i++) {
		const struct app_check *c = &r->checks[i];
		cJSON *x = cJSON_CreateObject();
		if (!x)
			break;
		cJSON_AddStringToObject(x, "name", c->name);
		cJSON_AddStringToObject(x, "verdict", app_verdict_name(c->verdict));
		cJSON_AddStringToObject(x, "what", c->what);
		if (c->fix[0])
			cJSON_AddStringToObject(x, "fix", c->fix);
		cJSON_AddItemToArray(arr, x);
	}
	char *text = cJSON_PrintUnformatted(o);
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
}

int cli_cmd_doctor(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	bool json = false;
	cli_act_init(&c, g, "doctor");
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
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		fprintf(stderr, "mpesa-pos doctor: unknown argument \"%s\"; run "
		        "mpesa-pos doctor --help\n", argv[i]);
		return CLI_USAGE;
	}
	int rc = cli_act_open(&c, true);
	if (rc == CLI_OK && c.operator_id)
		rc = cli_act_signin(&c);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	struct app_doctor_opts o = {
		.op = c.operator_id ? &c.op : NULL,
		.result_wait_s = c.timeout_s > 0 ? (unsigned)c.timeout_s : 0,
	};
	/* Tests: where "the other environment" is (two simulators). */
	const char *testing = getenv("MPESA_POS_TESTING");
	if (testing && strcmp(testing, "1") == 0)
		o.other_env_url = getenv("MPESA_POS_TEST_OTHER_ENV_URL");
	struct app_doctor_report *r = calloc(1, sizeof *r);
	if (!r) {
		cli_act_close(&c);
		return CLI_INTERNAL;
	}
	app_doctor_run(c.loop, &o, r);
	rc = r->worst == APP_VERDICT_FAILED ? CLI_CONFIG : CLI_OK;
	if (json)
		print_json(r, rc);
	else
		print_text(r);
	size_t failed = 0, warned = 0;
	for (size_t i = 0; i < r->n; i++) {
		failed += r->checks[i].verdict == APP_VERDICT_FAILED;
		warned += r->checks[i].verdict == APP_VERDICT_WARNING;
	}
	if (failed)
		fprintf(stderr, "mpesa-pos doctor: %zu check%s failed, %zu warning%s: apply the "
		        "fixes above and run doctor again\n", failed, failed == 1 ? "" : "s",
		        warned, warned == 1 ? "" : "s");
	else
		fprintf(stderr, "mpesa-pos doctor: %s (%zu checks%s)\n",
		        warned ? "nothing failed" : "all ok", r->n,
		        warned ? ", some with warnings" : "");
	free(r);
	cli_act_close(&c);
	return rc;
}
