/*
 * app/app.h: where the layers meet. An app is one process's set of open
 * things: the configuration, the log, the ledger, and, when asked for, the
 * callback listener with its group-commit writer. The console, `serve` and
 * the command-line tools open one and run their flows on it.
 *
 * Ownership: app_open() borrows cfg for the app's life (the caller frees it
 * after app_close()). Everything else the app opened it closes.
 *
 * Thread-safety: an app belongs to the thread that opened it. The listener's
 * worker threads and the writer's thread are internal; they reach the owner
 * only through the wake-up queue (app_wake()).
 */
#ifndef POS_APP_APP_H
#define POS_APP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "base/wake.h"
#include "config/config.h"
#include "daraja/client.h"
#include "listener/listener.h"
#include "store/store.h"

struct app_opts {
	bool listen;          /* start the callback listener (serve, console) */
	const char *bind;     /* override [listener] bind (tests: port 0) */
};

struct app;

enum pos_status app_open(const struct config *cfg, const struct app_opts *opts,
                         struct app **out, struct pos_err *err);
/* Stop the listener (in-flight callbacks finish and are answered), drain the
 * writer, close the ledger. NULL is fine. */
void app_close(struct app *a);

const struct config *app_config(const struct app *a);
/* The ledger connection of the owning thread. */
struct store *app_store(struct app *a);
/* Transaction ids changed by callbacks arrive here (see base/wake.h). */
struct wake *app_wake(struct app *a);
/* "http://127.0.0.1:PORT" when listening, else NULL. */
const char *app_listener_url(const struct app *a);
/* True when callbacks can reach us: listening and [listener] public_url set.
 * Otherwise transactions are resolved by querying Daraja (poll mode). */
bool app_callbacks_on(const struct app *a);

/*
 * The callback URL for a route and transaction reference, from
 * [listener] public_url and the secret path segment kept in the ledger.
 * mask hides the secret (for logs and screens). POS_E_CONFIG in poll mode.
 */
enum pos_status app_callback_url(struct app *a, enum listener_route route,
                                 const char *ref,
                                 bool mask, char *out, size_t outsz,
                                 struct pos_err *err);

/*
 * The Daraja client of this process, made on first use from [daraja] (and,
 * when [daraja] base_url is the local simulator, its public test
 * credentials for any key left empty). NULL with err naming the key when the
 * configuration cannot reach Daraja. Owned by the app; one thread (the
 * app's) drives it, through app/loop.h.
 */
struct daraja *app_daraja(struct app *a, struct pos_err *err);
/* The client if it was already made, else NULL (never makes one). */
struct daraja *app_daraja_if_open(struct app *a);

/*
 * Use cfg from now on (serve's SIGHUP): limits, timings and, once
 * app_daraja_renew() has dropped the old client, credentials and the
 * certificate. cfg is checked first (a Daraja client is made from it, which
 * sends nothing, and the SecurityCredential is computed when an initiator
 * password is set); when it fails nothing changes and err names the key.
 * The app borrows cfg; the previous one must stay alive until app_close()
 * (the listener and the bus dispatcher keep strings of the one they started
 * with: their settings change only with a restart).
 */
enum pos_status app_set_config(struct app *a, const struct config *cfg,
                               struct pos_err *err);
/* Drop the Daraja client if nothing is in flight, so the next request makes
 * one from the current configuration. False when busy: try again later. */
bool app_daraja_renew(struct app *a);

/*
 * Can requests reach Daraja now? Judged from the client's breaker and the
 * last results of this process's requests (any API; a token fetch counts):
 * an answer from Daraja (even a refusal of the request) says reachable; a
 * connection that failed, or a sign-in (token) that failed or was refused,
 * says not. Nothing is sent by asking; app_daraja_probe_start()
 * (app/loop.h) finds out before anyone charges.
 */
enum app_reach {
	APP_REACH_UNTRIED,    /* nothing has been asked of Daraja yet */
	APP_REACH_UP,         /* Daraja answered the last request */
	APP_REACH_DOWN,       /* the last request could not get through */
	APP_REACH_BREAKER,    /* the breaker is open: requests are paused */
};
struct app_reach_info {
	enum app_reach state;
	enum daraja_breaker_state breaker;
	int64_t since_ms;             /* wall clock of the last result; 0: none */
	unsigned serial;              /* changes whenever state or breaker does */
	char why[POS_ERR_MSG_MAX];    /* the last failure, for a person ("" if up) */
};
/* False when Daraja cannot be reached now (DOWN or BREAKER); out (may be
 * NULL) gets the details. */
bool app_daraja_reachable(struct app *a, struct app_reach_info *out);

/* True when [listener] public_url names this machine (a loopback host), so
 * a listener started here receives what Daraja posts to it. */
bool app_public_url_is_local(const struct app *a);
/* True when a listener started in this process could receive results: the
 * public URL is local, or there is none (results are then addressed to
 * [listener] bind, which only a simulator on this machine reaches). */
bool app_listen_here(const struct config *cfg);

/* The ledger's phone comparison (core's rules), for store_opts. */
bool app_phone_match(const char *recorded, const char *shown, void *ctx);

/* Open the ledger named by the configuration. */
enum pos_status app_store_open(const struct config *cfg, bool read_only,
                               struct store **out, struct pos_err *err);

#endif
