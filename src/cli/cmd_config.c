/* cli/cmd_config.c: `mpesa-pos config check`. */
#include <stdio.h>

#include "cli/cli.h"

int cli_cmd_config(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	fprintf(stderr, "mpesa-pos: config check is not built yet\n");
	return CLI_INTERNAL;
}
