/* cli/cmd_config.c: `mpesa-pos config check|example|reference`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos [--config FILE] config check [--config FILE]\n"
	      "       mpesa-pos config example\n"
	      "       mpesa-pos config reference\n"
	      "\n"
	      "  check      validate the configuration and print every effective setting\n"
	      "             as \"[section] key = value  (where it came from)\", secrets\n"
	      "             masked; exit 0 when valid, 78 when not (problems on stderr)\n"
	      "  example    print mpesa-pos.conf.example (every key, commented out)\n"
	      "  reference  print docs/configuration.md (every key explained)\n"
	      "\n"
	      "The file is --config FILE, else ./mpesa-pos.conf, else\n"
	      "$XDG_CONFIG_HOME/mpesa-pos/mpesa-pos.conf. The environment and ./.env\n"
	      "override it; see docs/configuration.md.\n",
	      out);
}

static bool is_help(const char *a)
{
	return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

static int check(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path;
	for (int i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			path = argv[i] + 9;
		} else {
			fprintf(stderr, "mpesa-pos config check: unknown argument \"%s\"; "
			        "run mpesa-pos config --help\n", argv[i]);
			return CLI_USAGE;
		}
	}
	struct config_diag diag = {0};
	struct config *cfg = NULL;
	if (config_load(path, &cfg, &diag) != POS_OK) {
		config_diag_print(&diag, stderr);
		fprintf(stderr, "mpesa-pos: the configuration has %zu problem%s; fix %s and run "
		        "mpesa-pos config check again\n", diag.errors, diag.errors == 1 ? "" : "s",
		        diag.errors == 1 ? "it" : "them");
		config_diag_release(&diag);
		return CLI_CONFIG;
	}
	const char *file = config_file_path(cfg);
	if (file)
		printf("# file: %s\n", file);
	else
		printf("# file: none (defaults and environment)\n");
	printf("# Daraja: %s at %s\n", config_backend_label(cfg), config_daraja_base_url(cfg));
	config_print(cfg, stdout, true);
	config_diag_print(&diag, stderr);
	if (diag.warnings)
		fprintf(stderr, "mpesa-pos: the configuration is valid, with %zu warning%s\n",
		        diag.warnings, diag.warnings == 1 ? "" : "s");
	else
		fprintf(stderr, "mpesa-pos: the configuration is valid\n");
	config_diag_release(&diag);
	config_free(cfg);
	return CLI_OK;
}

static int print_static(int argc, char **argv, void (*write)(FILE *))
{
	if (argc > 1 && is_help(argv[1])) {
		usage(stdout);
		return CLI_OK;
	}
	if (argc > 1) {
		fprintf(stderr, "mpesa-pos config %s: unexpected argument \"%s\"; "
		        "run mpesa-pos config --help\n", argv[0], argv[1]);
		return CLI_USAGE;
	}
	write(stdout);
	return fflush(stdout) == 0 && !ferror(stdout) ? CLI_OK : CLI_INTERNAL;
}

int cli_cmd_config(const struct cli_globals *g, int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (is_help(argv[1])) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "check") == 0)
		return check(g, argc - 1, argv + 1);
	if (strcmp(argv[1], "example") == 0)
		return print_static(argc - 1, argv + 1, config_write_example);
	if (strcmp(argv[1], "reference") == 0)
		return print_static(argc - 1, argv + 1, config_write_reference);
	fprintf(stderr, "mpesa-pos config: unknown subcommand \"%s\"; "
	        "use check, example or reference\n", argv[1]);
	return CLI_USAGE;
}
