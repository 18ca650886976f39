/* cli/cmd_console.c: `mpesa-pos` / `mpesa-pos console`: open the console. */
#include <stdio.h>

#include "cli/cli.h"

int cli_cmd_console(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	fprintf(stderr, "mpesa-pos: the console is not built yet\n");
	return CLI_INTERNAL;
}
