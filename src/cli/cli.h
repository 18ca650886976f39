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
#include <stdio.h>

#include "app/signin.h"
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
/* "mpesa-pos CMD: WHAT "ARG"; run mpesa-pos CMD --help" on stderr (for
 * "c2b register", the help of c2b); returns CLI_USAGE. arg may be NULL. */
int cli_bad_arg(const char *cmd, const char *what, const char *arg);
/* Is arg one of the shared options only a money command takes (--wait,
 * --approver, --approver-pin-fd, --timeout)? The read-only commands refuse
 * them. */
bool cli_money_only_option(const char *arg);
/* "mpesa-pos CMD: field: what happened; what to do" on stderr. */
void cli_print_err(const char *cmd, const struct pos_err *err);

/* ---- acting as an operator, waiting for outcomes (cli/act.c) ---------------- */

struct app_loop;
struct app_flow;

/* What the money commands share: --config, --operator ID, --pin-fd N,
 * --approver ID, --approver-pin-fd N, --wait, --timeout SECONDS. */
struct cli_act {
	const char *cmd;          /* "charge": names the command in messages */
	const char *config_path;
	long long operator_id;    /* 0: none given */
	int pin_fd;               /* -1: read the PIN from the terminal */
	long long approver_id;
	int approver_pin_fd;
	bool wait;
	long long timeout_s;      /* 0: the command's default */
	struct config *cfg;
	struct app *app;
	struct app_loop *loop;
	bool listening;           /* an in-process listener receives results */
	bool signed_in, approved;
	struct app_operator op, approver;
};

void cli_act_init(struct cli_act *c, const struct cli_globals *g, const char *cmd);
/* Take a shared option at argv[*i] (advancing *i past its value): 1 taken,
 * 0 not a shared option, -1 bad value (printed; exit CLI_USAGE). */
int cli_act_option(struct cli_act *c, int argc, char **argv, int *i);
/* One option of a command's own: name followed by a value (stored in
 * *value), or, with flag set, a switch (sets *flag). */
struct cli_opt {
	const char *name;   /* "--phone"; NULL ends a table */
	const char **value;
	bool *flag;
};
/* Read a command's arguments argv[first..argc): the shared options above,
 * --help (usage(stdout), then *rc CLI_OK), the command's own opts (a table
 * ending in {NULL}; may be NULL: none; a value option without a value is
 * unknown), and, when positional is not NULL, one argument that does not
 * start with '-' (into *positional, which starts NULL). Anything else is
 * "mpesa-pos CMD: unknown argument "X"; run mpesa-pos CMD --help" on
 * stderr, *rc CLI_USAGE. True when the command goes on (*rc CLI_OK). */
bool cli_act_args(struct cli_act *c, int argc, char **argv, int first,
                  const struct cli_opt *opts, const char **positional,
                  void (*usage)(FILE *out), int *rc);
/* Load the configuration, open the log and the app, and (listen) start a
 * listener here when results can reach it and no `serve` holds the port. */
int cli_act_open(struct cli_act *c, bool listen);
/* Sign the operator (and, if given, the approver) in: PINs from the
 * terminal without echo, or from --pin-fd / --approver-pin-fd. */
int cli_act_signin(struct cli_act *c);
/* The approver, or NULL when none was given. */
const struct app_operator *cli_act_approver(const struct cli_act *c);
/* Turn the loop until the flow is done, or (when !until_done) until its
 * request has been answered, or timeout_ms passes, or SIGINT/SIGTERM. */
void cli_act_run(struct cli_act *c, struct app_flow *f, bool until_done,
                 long long timeout_ms);
/* Free everything; the events this command wrote are delivered first when
 * no serve or console holds the delivery lock (bus_deliver_pending). */
void cli_act_close(struct cli_act *c);
/* cli_act_open(c, listen), then (signin) cli_act_signin(c): CLI_OK, or
 * the exit code after cli_act_close(c). */
int cli_act_ready(struct cli_act *c, bool listen, bool signin);
/* A flow that did not start: cli_report_error(c->cmd, err), cli_act_close(c);
 * returns the exit code. */
int cli_act_fail(struct cli_act *c, const struct pos_err *err);
/* The end of a money command: cli_act_run(c, f, c->wait, limit_s), then
 * report the transaction (its flow's error as the note when it did not
 * fail outright; "stopped waiting after N s" when --wait ran out, naming
 * the missing listener when by_callback and none runs here) or, without a
 * transaction, the flow's error; frees f, cli_act_close(c); returns the
 * exit code. */
int cli_act_finish(struct cli_act *c, struct app_flow *f, long long limit_s,
                   bool by_callback);
/* Deliver the outbox now (at most 3 s) unless a dispatcher runs. */
void cli_deliver_events(const struct config *cfg);
/* Read a PIN (no echo on a terminal; a line from fd otherwise) into out. */
int cli_read_pin(int fd, const char *prompt, char *out, size_t outsz);

/* ---- output (cli/json_out.c) ------------------------------------------------------ */

/* The exit code for an error that stopped a command before any transaction
 * outcome (64 bad input, 77 not allowed, 78 configuration, 30, 31, 70). */
int cli_exit_for(const struct pos_err *err);
/* Print {"ok":false,"exit":N,"error":{...}} on stdout and the sentence on
 * stderr; returns the exit code. */
int cli_report_error(const char *cmd, const struct pos_err *err);
/* Print the transaction as JSON on stdout (extra: a cJSON object whose
 * members are added, consumed; may be NULL) and its sentence on stderr
 * (note, if given, first). Returns the exit code for its state. */
int cli_report_txn(const char *cmd, const struct store_txn *t, const char *note,
                   void *extra);

/* Subcommands. */
int cli_cmd_console(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_config(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_serve(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_listener(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_db(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_charge(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_payout(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_payout_batch(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_status(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_balance(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_reverse(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_c2b(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_reconcile(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_resolve(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_operator(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_bus(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_token(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_history(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_report(const struct cli_globals *g, int argc, char **argv);
int cli_cmd_doctor(const struct cli_globals *g, int argc, char **argv);

#endif
