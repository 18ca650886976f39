/* cli/cmd_c2b.c: `mpesa-pos c2b register`: register the paybill/till payment
 * (C2B) URLs with M-Pesa, as a supervisor (the console's C2B screen does the
 * same through app/c2b.h). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "app/c2b.h"
#include "app/loop.h"
#include "base/clock.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos c2b register --operator ID [--response-type Completed|Cancelled]\n"
	      "                              [--timeout S] [--pin-fd N] [--config FILE]\n"
	      "\n"
	      "Register this till's C2B confirmation and validation URLs (from [listener]\n"
	      "public_url) for [daraja] business_shortcode, so that payments customers make\n"
	      "to the paybill or till arrive in the C2B feed. --response-type says what\n"
	      "M-Pesa does when our validation does not answer: Completed (the default\n"
	      "of [listener] c2b_response_type) or Cancelled. Needs a supervisor. Daraja\n"
	      "registers a shortcode once (docs/going-live.md). Exit codes in docs/cli.md.\n",
	      out);
}

static bool req_done(void *user)
{
	return app_c2b_req_done(user);
}

static int do_register(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	const char *response_type = NULL;
	cli_act_init(&c, g, "c2b register");
	const struct cli_opt opts[] = {
		{"--response-type", &response_type, NULL},
		{NULL, NULL, NULL},
	};
	int rc;
	if (!cli_act_args(&c, argc, argv, 2, opts, NULL, usage, &rc))
		return rc;
	if ((rc = cli_act_ready(&c, false, true)) != CLI_OK)
		return rc;
	struct app_c2b_req *r = NULL;
	struct pos_err err;
	if (app_c2b_register_start(c.loop, &c.op, response_type, NULL, NULL, &r, &err) != POS_OK)
		return cli_act_fail(&c, &err);
	long long limit_s = c.timeout_s ? c.timeout_s : c.cfg->daraja.timeout + 15;
	app_loop_run(c.loop, req_done, r, clock_mono_ms() + limit_s * 1000);
	if (!app_c2b_req_done(r)) {
		pos_err_set(&err, POS_E_TIMEOUT, NULL,
		            "M-Pesa did not answer in %lld s; run the command again (a "
		            "registration that went through is answered as already registered)",
		            limit_s);
		rc = cli_report_error("c2b register", &err);
	} else if (app_c2b_req_error(r)->code != POS_OK) {
		rc = cli_report_error("c2b register", app_c2b_req_error(r));
	} else {
		cJSON *o = cJSON_CreateObject();
		if (o) {
			cJSON_AddBoolToObject(o, "ok", 1);
			cJSON_AddStringToObject(o, "shortcode", c.cfg->daraja.business_shortcode);
			cJSON_AddStringToObject(o, "confirmation_url", app_c2b_req_url(r));
			cJSON_AddStringToObject(o, "response_type",
			                        response_type ? response_type
			                                      : c.cfg->listener.c2b_response_type);
			cJSON_AddStringToObject(o, "message", app_c2b_req_message(r));
			char *s = cJSON_PrintUnformatted(o);
			if (s)
				puts(s);
			cJSON_free(s);
			cJSON_Delete(o);
		}
		fprintf(stderr, "The C2B URLs of shortcode %s are registered: %s\n",
		        c.cfg->daraja.business_shortcode, app_c2b_req_message(r));
		rc = CLI_OK;
	}
	app_c2b_req_free(r);
	cli_act_close(&c);
	return rc;
}

int cli_cmd_c2b(const struct cli_globals *g, int argc, char **argv)
{
	if (argc < 2 || cli_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "register") == 0)
		return do_register(g, argc, argv);
	fprintf(stderr, "mpesa-pos c2b: unknown subcommand \"%s\"; run mpesa-pos c2b --help\n",
	        argv[1]);
	return CLI_USAGE;
}
