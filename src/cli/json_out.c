/* cli/json_out.c: one JSON object on stdout, one sentence on stderr. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/flow.h"
#include "base/log.h"
#include "cli/cli.h"

int cli_exit_for(const struct pos_err *err)
{
	return app_err_exit(err); /* the same numbers as enum cli_exit */
}

static void print_json(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	if (s) {
		char masked[16384];
		/* Nothing secret is ever put in; mask anyway, as every sink does. */
		fputs(strlen(s) < sizeof masked ? log_mask(s, masked, sizeof masked) : s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	cJSON_Delete(o);
}

int cli_report_error(const char *cmd, const struct pos_err *err)
{
	int code = cli_exit_for(err);
	cJSON *o = app_err_json(err, code);
	print_json(o);
	cli_print_err(cmd, err);
	return code;
}

int cli_report_txn(const char *cmd, const struct store_txn *t, const char *note,
                   void *extra)
{
	int code = app_txn_exit(t);
	char sentence[640];
	cJSON *o = app_txn_json(t, true);
	if (o) {
		if (note && note[0])
			cJSON_AddStringToObject(o, "note", note);
		cJSON *x = extra;
		if (x) {
			cJSON *it = x->child;
			while (it) {
				cJSON *next = it->next;
				cJSON_DetachItemViaPointer(x, it);
				cJSON_AddItemToObject(o, it->string, it);
				it = next;
			}
		}
	}
	cJSON_Delete(extra);
	print_json(o);
	if (note && note[0])
		fprintf(stderr, "mpesa-pos %s: %s\n", cmd, note);
	fprintf(stderr, "mpesa-pos %s: %s\n", cmd, app_txn_sentence(t, sentence, sizeof sentence));
	return code;
}
