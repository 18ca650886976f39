/*
 * app/loop.h: the one event loop of a process (console, serve, a CLI command
 * waiting for an outcome).
 *
 * Each turn: take the timeout from the nearest timer (a query's backoff, a
 * prompt's deadline, the ledger tick); wait once on everything (the Daraja
 * client's sockets through daraja_poll, the wake pipe of the callback
 * listener, and one caller fd such as the terminal); drain the wake queue;
 * drive the Daraja client (daraja_perform, which runs its completion
 * callbacks); fire due timers; tell the watchers which transactions changed.
 *
 * Watchers learn of a change in two ways: the id of a transaction this
 * process's listener just committed (from the wake queue), and a periodic
 * "tick" (txn id 0) meaning "the ledger may have changed elsewhere" (a
 * `serve` on the same database, another till). A watcher re-reads the truth
 * from the store either way: a notification is a hint, never the data.
 *
 * Ownership: app_loop_new() borrows the app for the loop's life; free the
 * loop before closing the app. Timer, watch and fd callbacks are borrowed.
 * Thread-safety: the loop and every function here belong to the thread that
 * owns the app; other threads reach it only through app_wake() (base/wake.h).
 * Callbacks may add and cancel timers and watches, and start Daraja requests;
 * they must not free the loop.
 */
#ifndef POS_APP_LOOP_H
#define POS_APP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

struct app_loop;

typedef void (*app_timer_fn)(void *user);
/* txn_id 0: "anything may have changed" (the tick, or the wake queue overflowed). */
typedef void (*app_watch_fn)(void *user, int64_t txn_id);
typedef void (*app_fd_fn)(void *user, short revents);

enum { APP_LOOP_TICK_MS = 1000 };

enum pos_status app_loop_new(struct app *a, struct app_loop **out,
                             struct pos_err *err);
/* NULL is fine. Pending timers are dropped without firing. */
void app_loop_free(struct app_loop *l);
struct app *app_loop_app(struct app_loop *l);

/* Call fn once, delay_ms from now (monotonic). Returns an id > 0 for
 * app_loop_cancel, or 0 when out of memory. */
uint64_t app_loop_timer(struct app_loop *l, int64_t delay_ms, app_timer_fn fn,
                        void *user);
/* Cancel a pending timer; unknown or fired ids are ignored. */
void app_loop_cancel(struct app_loop *l, uint64_t id);

/* Be told of transaction changes (see above). Returns an id > 0, 0 when out
 * of memory. */
uint64_t app_loop_watch(struct app_loop *l, app_watch_fn fn, void *user);
void app_loop_unwatch(struct app_loop *l, uint64_t id);
/* How often watchers get the tick (txn id 0); default APP_LOOP_TICK_MS. */
void app_loop_set_tick(struct app_loop *l, int64_t ms);

/* Watch one caller fd (the terminal) for poll(2) events; fd < 0 stops. */
void app_loop_set_fd(struct app_loop *l, int fd, short events, app_fd_fn fn,
                     void *user);

/* One turn, waiting at most max_wait_ms (< 0: until the next timer or tick). */
void app_loop_turn(struct app_loop *l, int max_wait_ms);

/* Turn until done(user) is true or the monotonic clock reaches deadline_ms
 * (clock_mono_ms; 0 = no deadline) or app_loop_stop() is called. Returns
 * done(user). */
bool app_loop_run(struct app_loop *l, bool (*done)(void *user), void *user,
                  int64_t deadline_ms);
/* Make app_loop_run return after the current turn (from a callback). */
void app_loop_stop(struct app_loop *l);

/* Find out whether Daraja can be reached before anyone needs it (the
 * console): fetch a token now through the non-blocking client (never a
 * money request), and again every few seconds while app_daraja_reachable()
 * (app/app.h) says it cannot be. app_loop_free() stops it; a token fetch
 * still in flight is freed by app_close(). */
void app_daraja_probe_start(struct app_loop *l);
void app_daraja_probe_stop(struct app_loop *l);

#endif
