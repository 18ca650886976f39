/* cli/cmd_db.c: `mpesa-pos db backup FILE` and `mpesa-pos db migrate`. */
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos db backup FILE [--config FILE]\n"
	      "       mpesa-pos db migrate [--config FILE]\n"
	      "\n"
	      "  backup FILE  copy the database, consistently, while tills and serve use it\n"
	      "  migrate      bring the database's schema up to this version\n",
	      out);
}

int cli_cmd_db(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path, *dest = NULL;
	if (argc < 2 || cli_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	bool backup = strcmp(sub, "backup") == 0;
	if (!backup && strcmp(sub, "migrate") != 0) {
		fprintf(stderr, "mpesa-pos db: unknown subcommand \"%s\"; use backup or migrate\n", sub);
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (backup && !dest && argv[i][0] != '-') {
			dest = argv[i];
		} else {
			fprintf(stderr, "mpesa-pos db %s: unexpected argument \"%s\"\n", sub, argv[i]);
			return CLI_USAGE;
		}
	}
	if (backup && !dest) {
		fprintf(stderr, "mpesa-pos db backup: name the file to write, e.g. "
		        "mpesa-pos db backup /var/backups/mpesa-pos.db\n");
		return CLI_USAGE;
	}
	struct config *cfg = NULL;
	int rc = cli_load_config(path, &cfg);
	if (rc != CLI_OK)
		return rc;
	struct store *st = NULL;
	struct pos_err err;
	rc = CLI_OK;
	if (app_store_open(cfg, false, &st, &err) != POS_OK) {
		cli_print_err(sub, &err);
		rc = CLI_INTERNAL;
	} else if (backup) {
		if (store_backup(st, dest, &err) != POS_OK) {
			cli_print_err("db backup", &err);
			rc = CLI_INTERNAL;
		} else {
			printf("{\"backup\":\"%s\",\"schema_version\":%d}\n", dest, store_schema_version());
			fprintf(stderr, "mpesa-pos db backup: %s written\n", dest);
		}
	} else {
		struct store_migration_report rep;
		if (store_migrate(st, &rep, &err) != POS_OK) {
			cli_print_err("db migrate", &err);
			rc = CLI_INTERNAL;
		} else {
			printf("{\"from_version\":%d,\"to_version\":%d,\"steps\":%d}\n",
			       rep.from_version, rep.to_version, rep.steps);
			fprintf(stderr, "mpesa-pos db migrate: schema version %d%s\n", rep.to_version,
			        rep.steps ? "" : " (already up to date)");
		}
	}
	store_close(st);
	config_free(cfg);
	return rc;
}
