/* cli/cmd_serve.c: `mpesa-pos serve`: the callback listener, headless. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/api.h"
#include "app/app.h"
#include "app/backfill.h"
#include "app/flow.h"
#include "app/loop.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "bus/bus.h"
#include "cli/cli.h"

enum { RECONCILE_EVERY_MS = 30000, TURN_MS = 250, ALERT_EVERY_MS = 10000 };

/* Reconciliation: at start-up, then every RECONCILE_EVERY_MS, one pass at a
 * time. A problem (no Daraja credentials) is logged once per kind. */
struct serve_rec {
	struct app_loop *loop;
	struct app_reconcile *pass;
	int64_t next_ms;
	enum pos_status last_problem;
};

static void reconcile_tick(struct serve_rec *r)
{
	if (r->pass && app_reconcile_done(r->pass)) {
		struct app_reconcile_stats s;
		app_reconcile_stats(r->pass, &s);
		if (s.checked)
			log_info("serve", "reconciliation: %zu looked at, %zu settled, %zu for a "
			         "supervisor, %zu still open", s.checked, s.finished, s.unresolved,
			         s.still_open);
		app_reconcile_free(r->pass);
		r->pass = NULL;
	}
	if (r->pass || clock_mono_ms() < r->next_ms)
		return;
	r->next_ms = clock_mono_ms() + RECONCILE_EVERY_MS;
	struct pos_err err;
	if (app_reconcile_start(r->loop, false, &r->pass, &err) != POS_OK) {
		r->pass = NULL;
		if (err.code != r->last_problem) {
			char msg[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + POS_ERR_HINT_MAX + 8];
			log_warn("serve", "reconciliation cannot run: %s",
			         pos_err_format(&err, msg, sizeof msg));
		}
		r->last_problem = err.code;
		return;
	}
	r->last_problem = POS_OK;
}

/* The event dispatcher is kicked at most this often: under a stream of
 * callbacks each of its rounds (read the outbox, write, flush, mark them
 * delivered: two fsyncs) carries the events of many commits instead of
 * one, and leaves the processor to the ledger writer. */
enum { KICK_EVERY_MS = 50 };

struct serve_watch {
	struct app_loop *loop;
	struct bus_dispatcher *bus;
	bool kick_pending;
	int64_t last_kick_ms;
};

/* Kick the dispatcher if a change is waiting and the last kick is old
 * enough; returns how long the main loop may wait before calling again. */
static int kick_bus(struct serve_watch *w, int wait_ms)
{
	if (!w->kick_pending)
		return wait_ms;
	int64_t now = clock_mono_ms(), due = w->last_kick_ms + KICK_EVERY_MS;
	if (now < due)
		return (int)(due - now) < wait_ms ? (int)(due - now) : wait_ms;
	w->kick_pending = false;
	w->last_kick_ms = now;
	bus_dispatcher_kick(w->bus);
	return wait_ms;
}

/* A change: settle what a status result was about, and deliver its event. */
static void on_change(void *user, int64_t txn_id)
{
	struct serve_watch *w = user;
	app_settle_on_change(w->loop, txn_id);
	if (w->bus && txn_id) {
		w->kick_pending = true;
		(void)kick_bus(w, 0);
	}
}

/* SIGHUP: the configurations read so far (the first is the one serve
 * started with). They are all kept until serve stops: the listener and the
 * bus dispatcher hold strings of the first. */
struct serve_cfgs {
	struct config **v;
	size_t n;
	const char *path, *bind;
	bool renew_pending;       /* drop the Daraja client once it is idle */
};

static bool cfgs_keep(struct serve_cfgs *cs, struct config *c)
{
	struct config **v = realloc(cs->v, (cs->n + 1) * sizeof *v);
	if (!v)
		return false;
	cs->v = v;
	cs->v[cs->n++] = c;
	return true;
}

static void refuse_reload(const char *why)
{
	log_warn("serve", "SIGHUP: the new configuration is refused, the running one is kept: %s",
	         why);
	fprintf(stderr, "mpesa-pos serve: SIGHUP: the new configuration is refused, the running "
	        "one is kept: %s\n", why);
	app_metrics_reload(false);
}

/* What a reload cannot change without a restart, when it changed. */
static void note_restart_keys(const struct config *was, const struct config *now)
{
	const char *what = NULL;
	if (strcmp(was->listener.bind, now->listener.bind) != 0)
		what = "[listener] bind";
	else if (strcmp(was->store.path, now->store.path) != 0)
		what = "[store] path";
	else if (strcmp(was->bus.backends, now->bus.backends) != 0)
		what = "[bus] backends";
	else if (was->api.enabled != now->api.enabled || was->api.port != now->api.port ||
	         strcmp(was->api.address, now->api.address) != 0)
		what = "[api]";
	if (what)
		log_warn("serve", "SIGHUP: %s changed: that takes effect when serve restarts", what);
}

static void reload(struct serve_cfgs *cs, struct app *a)
{
	struct config_diag diag = {0};
	struct config *next = NULL;
	struct pos_err err;
	char msg[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + POS_ERR_HINT_MAX + 8];
	if (config_load(cs->path, &next, &diag) != POS_OK) {
		for (size_t i = 0; i < diag.count; i++)
			if (diag.items[i].level == CONFIG_ERROR)
				log_warn("serve", "SIGHUP: %s", diag.items[i].text);
		str_fmt(msg, sizeof msg, "%zu problem%s (%s)", diag.errors, diag.errors == 1 ? "" : "s",
		        diag.count ? diag.items[0].text : "see the log");
		config_diag_release(&diag);
		refuse_reload(msg);
		return;
	}
	config_diag_release(&diag);
	if ((cs->bind && config_set_override(next, "listener.bind", cs->bind, "flag --bind",
	                                     &err) != POS_OK) ||
	    app_set_config(a, next, &err) != POS_OK) {
		refuse_reload(pos_err_format(&err, msg, sizeof msg));
		config_free(next);
		return;
	}
	if (!cfgs_keep(cs, next)) {
		/* Out of memory: go back to the one we hold. */
		(void)app_set_config(a, cs->v[cs->n - 1], NULL);
		config_free(next);
		refuse_reload("out of memory");
		return;
	}
	note_restart_keys(cs->v[0], next);
	enum log_level level;
	if (log_level_parse(next->log.level, &level) && level != LOG_OFF)
		log_set_level(level);
	cs->renew_pending = true;
	app_metrics_reload(true);
	log_info("serve", "SIGHUP: configuration reloaded: limits apply now, Daraja credentials "
	         "and the certificate from the next request");
	fprintf(stderr, "mpesa-pos serve: SIGHUP: configuration reloaded\n");
}

/* [api]: the local API and /metrics, when enabled. */
static struct app_api *start_api(struct app_loop *loop, const struct config *cfg)
{
	struct app_api *api = NULL;
	struct pos_err err;
	char bind[96];
	if (!cfg->api.enabled)
		return NULL;
	if (!config_host_is_loopback(cfg->api.address)) {
		log_warn("serve", "[api] address %s is not a loopback address: the API is open to "
		         "the network (tokens still required)", cfg->api.address);
		fprintf(stderr, "mpesa-pos serve: warning: [api] address %s is not a loopback "
		        "address: the API is reachable from the network; put it behind TLS and a "
		        "firewall (docs/api.md)\n", cfg->api.address);
	}
	str_fmt(bind, sizeof bind, strchr(cfg->api.address, ':') ? "[%s]:%lld" : "%s:%lld",
	        cfg->api.address, (long long)cfg->api.port);
	struct app_api_opts o = {
		.bind = bind,
		.max_body = (size_t)cfg->api.max_body,
		.threads = (unsigned)cfg->api.threads,
	};
	if (app_api_start(loop, &o, &api, &err) != POS_OK) {
		cli_print_err("serve", &err);
		return NULL;
	}
	printf("api on %s\n", app_api_url(api));
	fflush(stdout);
	return api;
}

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos serve [--config FILE] [--bind HOST:PORT]\n"
	      "\n"
	      "Receive Daraja's callbacks on [listener] bind, headless, for a back-office\n"
	      "machine. Prints \"listening on http://HOST:PORT\" once it accepts callbacks.\n"
	      "Transactions that are not final are reconciled at start-up and every 30 s\n"
	      "(STK queries, Transaction Status), when [daraja] can reach Daraja.\n"
	      "Stops cleanly on SIGTERM or SIGINT: callbacks in flight are stored and\n"
	      "answered first.\n"
	      "\n"
	      "With [api] enabled, the local API and /metrics listen on [api] address:port\n"
	      "(prints \"api on http://HOST:PORT\"; docs/api.md). SIGHUP reloads the\n"
	      "configuration: a bad one is refused and logged, the running one kept.\n"
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
	clock_init_from_env(); /* tests only: MPESA_POS_TESTING=1 */

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

	struct app_loop *loop = NULL;
	if (app_loop_new(a, &loop, &err) != POS_OK) {
		cli_print_err("serve", &err);
		app_close(a);
		config_free(cfg);
		log_close();
		return CLI_INTERNAL;
	}
	/* Events go out from here while serve runs (one deliverer per ledger). */
	struct bus_opts bo;
	struct serve_watch watch = {.loop = loop};
	bus_opts_from_config(cfg, &bo);
	if (bus_dispatcher_start(&bo, &watch.bus, &err) != POS_OK) {
		char msg[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + POS_ERR_HINT_MAX + 8];
		watch.bus = NULL;
		log_warn("serve", "events are not delivered: %s", pos_err_format(&err, msg, sizeof msg));
		fprintf(stderr, "mpesa-pos serve: events are not delivered: %s\n", msg);
	}
	/* Results of status queries settle the payouts they were about. */
	app_loop_watch(loop, on_change, &watch);
	struct app_api *api = start_api(loop, cfg);
	struct serve_cfgs cfgs = {.path = path, .bind = bind};
	struct app_alert alert = {0};
	int64_t next_alert_ms = clock_mono_ms() + ALERT_EVERY_MS;
	if (!cfgs_keep(&cfgs, cfg))
		log_warn("serve", "out of memory: SIGHUP cannot reload");
	struct serve_rec rec = {.loop = loop, .next_ms = clock_mono_ms()};
	for (;;) {
		struct timespec now = {0, 0};
		int sig = sigtimedwait(&stop, NULL, &now);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("serve", "signal %d: stopping", sig);
			break;
		}
		if (sig == SIGHUP && cfgs.n > 0)
			reload(&cfgs, a);
		if (cfgs.renew_pending && app_daraja_renew(a))
			cfgs.renew_pending = false;
		if (clock_mono_ms() >= next_alert_ms) {
			const struct config *c = app_config(a);
			next_alert_ms = clock_mono_ms() + ALERT_EVERY_MS;
			if (app_alert_check(a, &alert, (int)c->api.alert_failed, c->api.alert_window * 1000,
			                    NULL, &err) != POS_OK)
				log_warn("serve", "the failed-transaction alert could not look: %s", err.msg);
		}
		reconcile_tick(&rec);
		app_backfill_tick(loop); /* missed C2B payments, every 15 min */
		app_loop_turn(loop, kick_bus(&watch, TURN_MS));
	}
	app_api_stop(api);
	app_reconcile_free(rec.pass);
	app_loop_free(loop);
	bus_dispatcher_stop(watch.bus, 2000);
	app_close(a);
	for (size_t i = 1; i < cfgs.n; i++)
		config_free(cfgs.v[i]);
	free(cfgs.v);
	config_free(cfg);
	log_info("serve", "stopped");
	log_close();
	fprintf(stderr, "mpesa-pos serve: stopped\n");
	return CLI_OK;
}
