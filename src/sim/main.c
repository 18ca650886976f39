/*
 * sim/main.c: daraja-sim, a local simulator of Safaricom's M-Pesa Daraja API.
 *
 * Parses the flags, starts the simulator, prints "listening on
 * http://HOST:PORT" once it accepts connections, and waits for SIGINT or
 * SIGTERM to stop it cleanly (every thread joined, everything freed).
 * Exit status: 0 after a clean stop, 64 for bad flags, 70 when it cannot
 * start. See docs/daraja-sim.md.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/status.h"
#include "sim/config.h"
#include "sim/sim.h"

enum { EXIT_USAGE = 64, EXIT_SOFTWARE = 70 };

static int fail(const struct pos_err *err, int code)
{
	char text[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX + POS_ERR_FIELD_MAX + 8];
	fprintf(stderr, "daraja-sim: %s\n", pos_err_format(err, text, sizeof text));
	return code;
}

int main(int argc, char **argv)
{
	struct sim_config cfg;
	struct pos_err err;
	struct sim *s = NULL;
	bool help = false;
	enum log_level level;
	sigset_t stop_signals;

	pos_err_clear(&err);
	sim_config_defaults(&cfg);
	if (sim_config_parse(&cfg, argc, argv, &help, &err) != POS_OK)
		return fail(&err, EXIT_USAGE);
	if (help) {
		sim_config_print_help(stdout);
		return 0;
	}
	if (!log_level_parse(cfg.log_level, &level)) {
		pos_err_set(&err, POS_E_CONFIG, "log-level",
		            "unknown log level \"%s\"; use debug, info, warn, error or off",
		            cfg.log_level);
		return fail(&err, EXIT_USAGE);
	}
	if (log_open(cfg.log_file, level, &err) != POS_OK)
		return fail(&err, EXIT_USAGE);
	clock_init_from_env();
	/* Secrets the log must never show, whatever a line quotes. */
	log_secret_add(cfg.consumer_secret);
	log_secret_add(cfg.passkey);
	log_secret_add(cfg.initiator_password);

	/* Every thread started from here on inherits the blocked set, so the
	 * signals reach only sigwait() below. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sim_open(&cfg, &s, &err) != POS_OK) {
		log_close();
		return fail(&err, EXIT_SOFTWARE);
	}
	if (sim_start(s, &err) != POS_OK) {
		sim_close(s);
		log_close();
		return fail(&err, EXIT_SOFTWARE);
	}
	log_info("sim", "listening on %s (admin API %s)", s->url, cfg.admin ? "on" : "off");
	printf("listening on %s\n", s->url);
	fflush(stdout);

	int sig = 0;
	sigwait(&stop_signals, &sig);
	log_info("sim", "stopping on signal %d", sig);
	sim_close(s);
	log_info("sim", "stopped");
	log_close();
	return 0;
}
