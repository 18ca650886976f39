/*
 * cli/cmd_bus.c: `mpesa-pos bus status | deliver | doc`, IF.bus from the
 * command line. Data on stdout (JSON, or the Markdown of `doc`), one
 * sentence on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base/str.h"
#include "bus/bus.h"
#include "cli/cli.h"

enum { DELIVER_TIMEOUT_S = 10, DELIVER_TIMEOUT_MAX_S = 3600, CLI_BACKOFF_MAX_MS = 2000 };

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos bus status [--config FILE]\n"
	      "       mpesa-pos bus deliver [--timeout SECONDS] [--config FILE]\n"
	      "       mpesa-pos bus doc\n"
	      "\n"
	      "  status   events waiting per backend, the age of the oldest, the last error,\n"
	      "           and whether serve (or a console) is delivering them: JSON on stdout\n"
	      "  deliver  send the waiting events now, retrying a failing backend until the\n"
	      "           timeout (default 10 s); exit 0 when none is left, 20 when some wait\n"
	      "  doc      print docs/events.md (every event, with an example)\n",
	      out);
}

static int status(const struct config *cfg)
{
	struct bus_opts o;
	struct bus_status s;
	struct store *st = NULL;
	struct pos_err err;
	char sentence[2048];
	bus_opts_from_config(cfg, &o);
	if (app_store_open(cfg, true, &st, &err) != POS_OK) {
		cli_print_err("bus status", &err);
		return CLI_INTERNAL;
	}
	enum pos_status rc = bus_status(st, &o, &s, &err);
	store_close(st);
	if (rc != POS_OK) {
		cli_print_err("bus status", &err);
		return rc == POS_E_CONFIG ? CLI_CONFIG : CLI_INTERNAL;
	}
	char *json = bus_status_json(&s);
	if (!json) {
		fputs("mpesa-pos bus status: out of memory\n", stderr);
		return CLI_INTERNAL;
	}
	printf("%s\n", json);
	free(json);
	fprintf(stderr, "mpesa-pos bus status: %s\n",
	        bus_status_sentence(&s, sentence, sizeof sentence));
	return CLI_OK;
}

static int deliver(const struct config *cfg, int timeout_s)
{
	struct bus_opts o;
	struct bus_deliver_result res;
	struct pos_err err;
	bus_opts_from_config(cfg, &o);
	/* A person waits: retry often rather than back off for long. */
	o.backoff_max_ms = CLI_BACKOFF_MAX_MS;
	pos_err_clear(&err);
	enum pos_status rc = bus_deliver_pending(&o, timeout_s * 1000, &res, &err);
	printf("{\"delivered\":%lld,\"pending\":%lld,\"delegated\":%s}\n",
	       (long long)res.delivered, (long long)res.pending, res.delegated ? "true" : "false");
	if (rc == POS_OK && res.delegated)
		fprintf(stderr, "mpesa-pos bus deliver: serve (or a console) is delivering; "
		        "%lld event(s) wait for it\n", (long long)res.pending);
	else if (rc == POS_OK)
		fprintf(stderr, "mpesa-pos bus deliver: %lld event(s) delivered; none waits\n",
		        (long long)res.delivered);
	else
		cli_print_err("bus deliver", &err);
	if (rc == POS_OK)
		return CLI_OK;
	return rc == POS_E_TIMEOUT ? CLI_PENDING : rc == POS_E_CONFIG ? CLI_CONFIG : CLI_INTERNAL;
}

int cli_cmd_bus(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path;
	uint64_t timeout_s = DELIVER_TIMEOUT_S;
	if (argc < 2 || cli_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	bool is_status = strcmp(sub, "status") == 0, is_deliver = strcmp(sub, "deliver") == 0,
	     is_doc = strcmp(sub, "doc") == 0;
	if (!is_status && !is_deliver && !is_doc) {
		fprintf(stderr, "mpesa-pos bus: unknown subcommand \"%s\"; use status, deliver or "
		        "doc\n", sub);
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (!is_doc && strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (is_deliver && strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
			if (parse_u64_str(argv[++i], DELIVER_TIMEOUT_MAX_S, &timeout_s) != POS_OK ||
			    timeout_s == 0) {
				fprintf(stderr, "mpesa-pos bus deliver: --timeout \"%s\" is not a number "
				        "of seconds from 1 to %d\n", argv[i], DELIVER_TIMEOUT_MAX_S);
				return CLI_USAGE;
			}
		} else {
			fprintf(stderr, "mpesa-pos bus %s: unexpected argument \"%s\"; see mpesa-pos "
			        "bus --help\n", sub, argv[i]);
			return CLI_USAGE;
		}
	}
	if (is_doc) {
		bus_write_events_doc(stdout);
		return CLI_OK;
	}
	struct config *cfg = NULL;
	int rc = cli_load_config(path, &cfg);
	if (rc != CLI_OK)
		return rc;
	if ((rc = cli_open_log(cfg, false)) == CLI_OK)
		rc = is_status ? status(cfg) : deliver(cfg, (int)timeout_s);
	config_free(cfg);
	return rc;
}
