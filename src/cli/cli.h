/*
 * cli/cli.h: the command-line face. main() dispatches argv[1] to one of the
 * subcommands in the table in cli/main.c; each lives in cli/cmd_<name>.c and
 * returns an exit code from the table below (stable: scripts depend on it;
 * docs/cli.md lists it).
 *
 * Output contract: data for scripts on stdout (JSON or CSV), one human
 * sentence on stderr.
 */
#ifndef POS_CLI_CLI_H
#define POS_CLI_CLI_H

#include <stdbool.h>

#include "base/status.h"
#include "config/config.h"

enum cli_exit {
	CLI_OK = 0,
	CLI_CANCELLED = 10,
	CLI_INSUFFICIENT = 11,
	CLI_NO_ANSWER = 12,
	CLI_WRONG_PIN = 13,
	CLI_DECLINED = 14,
	CLI_PENDING = 20,
	CLI_UNRESOLVED = 21,
	CLI_REFUSED = 30,
	CLI_UNREACHABLE = 31,
	CLI_USAGE = 64,
	CLI_DENIED = 77,
	CLI_CONFIG = 78,
	CLI_INTERNAL = 70,
};

/* Options given before the subcommand; a subcommand may accept them after
 * its name too (its own value wins). */
struct cli_globals {
	const char *config_path; /* --config FILE, or NULL for the search path */
};

struct cli_command {
	const char *name;      /* "config" */
	const char *summary;   /* one line for --help */
	/* argv[0] is the subcommand name. Returns an exit code. */
	int (*run)(const struct cli_globals *g, int argc, char **argv);
};

/* Load the configuration; on error print every problem and return
 * CLI_CONFIG (then *out is NULL). Warnings go to the log. */
int cli_load_config(const char *path, struct config **out);
/* Open [log] path at [log] level (or standard error for headless
 * commands). CLI_OK or CLI_CONFIG. */
int cli_open_log(const struct config *cfg, bool to_stderr);
bool cli_is_help(const char *arg);
/* "mpesa-pos CMD: field: what happened; what to do" on stderr. */
void cli_print_err(const char *cmd, const struct pos_err *err);

/* Subcommands. */
int cli_cmd_console(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_config(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_serve(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_listener(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_db(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_bus(const struct cli_globals *g, int argc, char **argv);

#endif
