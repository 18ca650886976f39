/* cli/cmd_listener.c: `mpesa-pos listener urls`. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos listener urls [--config FILE] [--masked]\n"
	      "\n"
	      "Print the full callback URLs to register with Daraja (C2B confirmation and\n"
	      "validation) and the pattern of the per-transaction ones, built from\n"
	      "[listener] public_url and the secret path segment in the database.\n"
	      "Keep them private: anyone with them can post to the listener.\n"
	      "  --masked   show <secret> instead of the secret\n",
	      out);
}

int cli_cmd_listener(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path;
	bool masked = false;
	if (argc < 2 || cli_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "urls") != 0) {
		fprintf(stderr, "mpesa-pos listener: unknown subcommand \"%s\"; use urls\n", argv[1]);
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--masked") == 0) {
			masked = true;
		} else {
			fprintf(stderr, "mpesa-pos listener urls: unknown argument \"%s\"\n", argv[i]);
			return CLI_USAGE;
		}
	}
	struct config *cfg = NULL;
	int rc = cli_load_config(path, &cfg);
	if (rc != CLI_OK)
		return rc;
	struct app *a = NULL;
	struct pos_err err;
	if (app_open(cfg, NULL, &a, &err) != POS_OK) {
		cli_print_err("listener urls", &err);
		config_free(cfg);
		return CLI_INTERNAL;
	}
	rc = CLI_OK;
	for (unsigned r = 0; r < LISTENER_ROUTE_COUNT; r++) {
		char url[512];
		bool ref = listener_route_has_ref((enum listener_route)r);
		if (app_callback_url(a, (enum listener_route)r, ref ? "<ref>" : NULL, masked,
		                     url, sizeof url, &err) != POS_OK) {
			cli_print_err("listener urls", &err);
			fprintf(stderr, "set [listener] public_url to the public HTTPS address of "
			        "this listener (see docs/going-live.md)\n");
			rc = CLI_CONFIG;
			break;
		}
		printf("%-20s %s\n", listener_route_path((enum listener_route)r), url);
	}
	app_close(a);
	config_free(cfg);
	return rc;
}
