/* cli/cmd_serve.c: `mpesa-pos serve`: the callback listener, headless. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/app.h"
#include "base/log.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos serve [--config FILE] [--bind HOST:PORT]\n"
	      "\n"
	      "Receive Daraja's callbacks on [listener] bind, headless, for a back-office\n"
	      "machine. Prints \"listening on http://HOST:PORT\" once it accepts callbacks.\n"
	      "Stops cleanly on SIGTERM or SIGINT: callbacks in flight are stored and\n"
	      "answered first.\n"
	      "\n"
	      "  --bind HOST:PORT  listen here instead of [listener] bind (port 0: any)\n",
	      out);
}

int cli_cmd_serve(const struct cli_globals *g, int argc, char **argv)
{
	const char *path = g->config_path, *bind = NULL;
	for (int i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc) {
			bind = argv[++i];
		} else {
			fprintf(stderr, "mpesa-pos serve: unknown argument \"%s\"; run "
			        "mpesa-pos serve --help\n", argv[i]);
			return CLI_USAGE;
		}
	}

	/* Every thread started from here on inherits these signals blocked; the
	 * main thread takes them with sigtimedwait, so no handler ever runs
	 * inside a worker. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct config *cfg = NULL;
	int rc = cli_load_config(path, &cfg);
	if (rc != CLI_OK)
		return rc;
	struct pos_err err;
	if (bind && config_set_override(cfg, "listener.bind", bind, "flag --bind", &err) != POS_OK) {
		cli_print_err("serve", &err);
		config_free(cfg);
		return CLI_USAGE;
	}
	if ((rc = cli_open_log(cfg, false)) != CLI_OK) {
		config_free(cfg);
		return rc;
	}

	struct app *a = NULL;
	struct app_opts o = {.listen = true};
	if (app_open(cfg, &o, &a, &err) != POS_OK) {
		cli_print_err("serve", &err);
		config_free(cfg);
		log_close();
		return err.code == POS_E_CONFIG ? CLI_CONFIG : CLI_INTERNAL;
	}
	printf("listening on %s\n", app_listener_url(a));
	fflush(stdout);
	if (!app_callbacks_on(a))
		fprintf(stderr, "mpesa-pos serve: [listener] public_url is not set: Daraja cannot "
		        "reach this listener, so callbacks and the C2B feed are off (poll mode); "
		        "see docs/going-live.md\n");
	log_info("serve", "serving callbacks on %s (%s)", app_listener_url(a),
	         app_callbacks_on(a) ? "callbacks on" : "poll mode");

	for (;;) {
		struct timespec tick = {.tv_sec = 1};
		int sig = sigtimedwait(&stop, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("serve", "signal %d: stopping", sig);
			break;
		}
		if (sig == SIGHUP)
			log_info("serve", "SIGHUP: configuration reload is not supported yet");
		/* Drain change notifications: nothing in serve consumes them yet. */
		int64_t ids[256];
		while (wake_drain(app_wake(a), ids, 256, NULL) == 256)
			;
	}
	app_close(a);
	config_free(cfg);
	log_info("serve", "stopped");
	log_close();
	fprintf(stderr, "mpesa-pos serve: stopped\n");
	return CLI_OK;
}
