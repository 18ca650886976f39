/* cli/cmd_console.c: `mpesa-pos` / `mpesa-pos console`: open the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/signin.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "cli/cli.h"
#include "ui/ui.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos [--config FILE] [console] [--demo]\n"
	      "\n"
	      "Open the till console. Keys are shown at the bottom of every screen;\n"
	      "F1 shows them all, F10 quits.\n"
	      "\n"
	      "  --demo   against the simulator only: create the demo operator 1001\n"
	      "           on first use and show its PIN before the console opens\n",
	      out);
}

/* The demo operator: its PIN is shown once, when it is made. */
static int demo_operator(struct app *a)
{
	char pin[APP_PIN_MAX + 1];
	bool created = false;
	struct pos_err err;
	pos_err_clear(&err);
	if (app_ensure_demo_operator(a, pin, &created, &err) != POS_OK) {
		cli_print_err("console", &err);
		return CLI_CONFIG;
	}
	if (created) {
		printf("Demo operator: %d  PIN: %s\n", APP_DEMO_OPERATOR_ID, pin);
		printf("(shown this once; it works only against the simulator)\n");
		printf("Press Enter to open the console.");
		fflush(stdout);
		int c;
		while ((c = getchar()) != EOF && c != '\n')
			;
	} else {
		printf("Demo operator: %d  (its PIN was shown when it was made; delete "
		       ".demo/ to start afresh)\n",
		       APP_DEMO_OPERATOR_ID);
	}
	crypto_wipe(pin, sizeof pin);
	return CLI_OK;
}

int cli_cmd_console(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path;
	bool demo = false;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--demo") == 0) {
			demo = true;
		} else {
			fprintf(stderr, "mpesa-pos console: unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	clock_init_from_env(); /* tests only: MPESA_POS_TESTING=1 */
	struct config *cfg = NULL;
	int rc = cli_load_config(path, &cfg);
	if (rc != CLI_OK)
		return rc;
	if ((rc = cli_open_log(cfg, false)) != CLI_OK) {
		config_free(cfg);
		return rc;
	}
	struct pos_err err;
	pos_err_clear(&err);
	struct app *a = NULL;
	struct app_opts ao = {.listen = true};
	if (app_open(cfg, &ao, &a, &err) != POS_OK) {
		/* Without the listener the till still works: results are found by
		 * querying Daraja (poll mode, shown on the status line). */
		log_warn("console", "the callback listener did not start (%s): poll mode",
		         err.msg);
		ao.listen = false;
		pos_err_clear(&err);
		if (app_open(cfg, &ao, &a, &err) != POS_OK) {
			cli_print_err("console", &err);
			config_free(cfg);
			log_close();
			return CLI_CONFIG;
		}
	}
	if (demo && (rc = demo_operator(a)) != CLI_OK)
		goto out;
	const char *no_color = getenv("NO_COLOR");
	struct ui_opts o = {
		.till_name = cfg->till.name,
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.business_shortcode,
		.backend = config_backend_label(cfg),
		.ascii = cfg->ui.ascii,
		.color = strcmp(cfg->ui.color, "never") != 0 &&
		         (strcmp(cfg->ui.color, "always") == 0 || !no_color || !*no_color),
		.bell = cfg->ui.bell,
	};
	if (ui_run(a, &o, &err) != POS_OK) {
		cli_print_err("console", &err);
		rc = CLI_INTERNAL;
	}
out:
	app_close(a);
	config_free(cfg);
	log_close();
	return rc;
}
