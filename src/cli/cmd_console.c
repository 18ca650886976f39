/* cli/cmd_console.c: `mpesa-pos` / `mpesa-pos console`: open the console. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "ui/ui.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos [--config FILE] [console]\n"
	      "\n"
	      "Open the till console. Keys are shown at the bottom of every screen;\n"
	      "q quits.\n",
	      out);
}

int cli_cmd_console(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else {
			fprintf(stderr, "mpesa-pos console: unknown argument \"%s\"\n", argv[i]);
			return CLI_USAGE;
		}
	}
	struct config *cfg = NULL;
	int rc = cli_load_config(path, &cfg);
	if (rc != CLI_OK)
		return rc;
	if ((rc = cli_open_log(cfg, false)) != CLI_OK) {
		config_free(cfg);
		return rc;
	}
	const char *no_color = getenv("NO_COLOR");
	struct ui_opts o = {
		.till_name = cfg->till.name,
		.till_id = cfg->till.id,
		.shortcode = cfg->daraja.business_shortcode,
		.backend = config_backend_label(cfg),
		.ascii = cfg->ui.ascii,
		.color = strcmp(cfg->ui.color, "never") != 0 &&
		         (strcmp(cfg->ui.color, "always") == 0 || !no_color || !*no_color),
	};
	struct pos_err err;
	rc = CLI_OK;
	if (ui_run(&o, &err) != POS_OK) {
		cli_print_err("console", &err);
		rc = CLI_INTERNAL;
	}
	config_free(cfg);
	log_close();
	return rc;
}
