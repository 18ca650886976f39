/* cli/main.c: mpesa-pos entry point and subcommand dispatch. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct cli_command commands[] = {
	{"console", "open the till console (the default)", cli_cmd_console},
	{"config", "check the configuration; print the example or the reference", cli_cmd_config},
	{"serve", "receive Daraja's callbacks headless (a back-office machine)", cli_cmd_serve},
	{"listener", "listener urls: print the callback URLs to register", cli_cmd_listener},
	{"db", "db backup FILE | db migrate: look after the local database", cli_cmd_db},
	{"charge", "send an M-Pesa prompt to a customer's phone (STK push)", cli_cmd_charge},
	{"payout", "pay money to a customer (B2C)", cli_cmd_payout},
	{"payout-batch", "FILE.csv: pay every row of a CSV (bulk payout; --resume after a stop)", cli_cmd_payout_batch},
	{"status", "status ID: where a transaction stands (checked with M-Pesa)", cli_cmd_status},
	{"balance", "the M-Pesa account balance", cli_cmd_balance},
	{"reverse", "reverse ID: reverse a completed customer payment", cli_cmd_reverse},
	{"c2b", "c2b register: register the paybill/till payment URLs with M-Pesa", cli_cmd_c2b},
	{"reconcile", "settle every transaction that is not final, now", cli_cmd_reconcile},
	{"resolve", "resolve ID: close an unresolved transaction as paid or not paid", cli_cmd_resolve},
	{"operator", "operator add|list|passwd|disable: the people who use the till", cli_cmd_operator},
	{"bus", "bus status | deliver | doc: the IF.bus event outbox and its lag", cli_cmd_bus},
	{"token", "token add|list|revoke: tokens of serve's local API (docs/api.md)", cli_cmd_token},
	{"history", "transactions of the local ledger (text, JSON lines or CSV)", cli_cmd_history},
	{"report", "report day-end: the day-end (Z) report, or a cashier's shift summary", cli_cmd_report},
	{"doctor", "check the configuration against Daraja, moving no money", cli_cmd_doctor},
};

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: mpesa-pos [--config FILE] [COMMAND [ARGS...]]\n"
	        "\n"
	        "A point-of-sale and merchant console for M-Pesa (Safaricom Daraja).\n"
	        "With no command, opens the console.\n"
	        "\n"
	        "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
	        "\n"
	        "options:\n"
	        "  --config FILE  configuration file (default ./mpesa-pos.conf, then\n"
	        "                 $XDG_CONFIG_HOME/mpesa-pos/mpesa-pos.conf)\n"
	        "  --help         this help; COMMAND --help for a command's own\n"
	        "  --version      print the version\n"
	        "\n"
	        "Exit codes are listed in docs/cli.md.\n");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return CLI_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("mpesa-pos %s (%s)\n", POS_VERSION, POS_GIT_REV);
		return CLI_OK;
	}
#ifdef M_MMAP_THRESHOLD
	/* Large blocks (a PIN check's 19 MiB for Argon2id) always mapped and
	 * given back when freed: glibc's moving threshold would put the second
	 * one on the heap, where the console kept it resident for good. */
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
#endif
	struct cli_globals g = {0};
	int cmd = 1;
	while (cmd < argc && argv[cmd][0] == '-') {
		if (strcmp(argv[cmd], "--config") == 0 && cmd + 1 < argc) {
			g.config_path = argv[cmd + 1];
			cmd += 2;
		} else if (strncmp(argv[cmd], "--config=", 9) == 0) {
			g.config_path = argv[cmd] + 9;
			cmd++;
		} else {
			fprintf(stderr, "mpesa-pos: unknown option \"%s\"; run mpesa-pos --help\n",
			        argv[cmd]);
			return CLI_USAGE;
		}
	}
	if (cmd >= argc) {
		char *none[] = {(char *)"console", NULL};
		return cli_cmd_console(&g, 1, none);
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[cmd], commands[i].name) == 0)
			return commands[i].run(&g, argc - cmd, argv + cmd);
	}
	fprintf(stderr, "mpesa-pos: unknown command \"%s\"; run mpesa-pos --help for the list\n",
	        argv[cmd]);
	return CLI_USAGE;
}
