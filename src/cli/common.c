/* cli/common.c: what every subcommand does first. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"

int cli_load_config(const char *path, struct config **out)
{
	struct config_diag diag = {0};
	if (config_load(path, out, &diag) != POS_OK) {
		config_diag_print(&diag, stderr);
		fprintf(stderr, "mpesa-pos: the configuration has %zu problem%s; fix %s, "
		        "then check with mpesa-pos config check\n", diag.errors,
		        diag.errors == 1 ? "" : "s", diag.errors == 1 ? "it" : "them");
		config_diag_release(&diag);
		return CLI_CONFIG;
	}
	/* Warnings go to the log, not the terminal: the console owns it. */
	for (size_t i = 0; i < diag.count; i++)
		log_warn("config", "%s", diag.items[i].text);
	config_diag_release(&diag);
	return CLI_OK;
}

int cli_open_log(const struct config *cfg, bool to_stderr)
{
	enum log_level level = LOG_INFO;
	struct pos_err err;
	log_level_parse(cfg->log.level, &level);
	if (level == LOG_OFF)
		return CLI_OK;
	if (log_open(to_stderr ? "-" : cfg->log.path, level, &err) != POS_OK) {
		char msg[POS_ERR_MSG_MAX + 128];
		fprintf(stderr, "mpesa-pos: %s; set [log] path to a file you can write\n",
		        pos_err_format(&err, msg, sizeof msg));
		return CLI_CONFIG;
	}
	return CLI_OK;
}

bool cli_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_bad_arg(const char *cmd, const char *what, const char *arg)
{
	/* "c2b register" is explained by `mpesa-pos c2b --help` */
	int help = (int)strcspn(cmd, " ");
	fprintf(stderr, "mpesa-pos %s: %s \"%s\"; run mpesa-pos %.*s --help\n", cmd, what,
	        arg ? arg : "", help, cmd);
	return CLI_USAGE;
}

bool cli_money_only_option(const char *arg)
{
	return strcmp(arg, "--wait") == 0 || strcmp(arg, "--approver") == 0 ||
	       strcmp(arg, "--approver-pin-fd") == 0 || strcmp(arg, "--timeout") == 0;
}

void cli_print_err(const char *cmd, const struct pos_err *err)
{
	char msg[POS_ERR_FIELD_MAX + POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + 8];
	fprintf(stderr, "mpesa-pos %s: %s\n", cmd, pos_err_format(err, msg, sizeof msg));
}
