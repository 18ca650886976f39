/*
 * app/signin.h: operators: sign-in with lock-out, and looking after them.
 *
 * Every face (the console, the command line) signs people in through
 * app_signin() and hands the resulting struct app_operator to the flows,
 * which check its role (core/role.h) themselves. A PIN is 4 to 12 digits and
 * is stored only as an Argon2id hash. APP_SIGNIN_MAX_FAILURES wrong PINs in a
 * row lock the operator for APP_SIGNIN_LOCK_MS; a disabled operator cannot
 * sign in. Every sign-in, failed or not, and every change to an operator is
 * written to the audit log.
 *
 * Who may manage operators: an admin. Until the database has an active
 * admin, the shell may add operators without signing in (`by` NULL), so the
 * first admin can be created.
 *
 * Ownership: caller-owned structs; PINs are read, never kept.
 * Thread-safety: the app's thread.
 */
#ifndef POS_APP_SIGNIN_H
#define POS_APP_SIGNIN_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "core/role.h"

enum {
	APP_SIGNIN_MAX_FAILURES = 5,
	APP_PIN_MIN = 4,
	APP_PIN_MAX = 12,
	APP_DEMO_OPERATOR_ID = 1001,
};
#define APP_SIGNIN_LOCK_MS ((int64_t)15 * 60 * 1000)

/* A signed-in operator (id 0: the system, e.g. reconciliation). */
struct app_operator {
	int64_t id;
	char name[STORE_NAME_MAX];
	enum role role;
};

/* POS_OK and *out; POS_E_AUTH (the id or the PIN is wrong: the same sentence
 * for both), POS_E_LOCKED (until when, Nairobi time), POS_E_DENIED
 * (disabled), POS_E_EMPTY (no PIN given: not counted as a wrong one). */
enum pos_status app_signin(struct app *a, int64_t id, const char *pin,
                           struct app_operator *out, struct pos_err *err);

/* 4..12 ASCII digits, else POS_E_INVALID naming field "pin". */
enum pos_status app_pin_check(const char *pin, struct pos_err *err);

/* id 0 picks the next free one (*out_id). role: cashier|supervisor|admin. */
enum pos_status app_operator_add(struct app *a, const struct app_operator *by,
                                 int64_t id, const char *name, const char *role,
                                 const char *pin, int64_t *out_id,
                                 struct pos_err *err);
/* An admin, or the operator themselves, sets a new PIN (and clears a lock). */
enum pos_status app_operator_passwd(struct app *a, const struct app_operator *by,
                                    int64_t id, const char *pin,
                                    struct pos_err *err);
enum pos_status app_operator_disable(struct app *a, const struct app_operator *by,
                                     int64_t id, struct pos_err *err);
/* True when some enabled admin exists (then `by` is required). */
enum pos_status app_operator_admin_exists(struct app *a, bool *exists,
                                          struct pos_err *err);

/*
 * For `make run` against the simulator: create operator 1001 "Demo
 * Supervisor" (supervisor) with a random 4-digit PIN if it does not exist.
 * *created says whether it was made now; then pin holds the PIN (shown once,
 * never stored). Does nothing unless the backend is SIMULATOR.
 */
enum pos_status app_ensure_demo_operator(struct app *a, char pin[APP_PIN_MAX + 1],
                                         bool *created, struct pos_err *err);

#endif
