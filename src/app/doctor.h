/*
 * app/doctor.h: checks a configuration against the configured Daraja
 * without moving money, one verdict per item with the fix (`mpesa-pos
 * doctor`; the console may show the same list).
 *
 * The checks, in order (a later one is left out when an earlier one makes it
 * meaningless, e.g. nothing is asked of Daraja without a token):
 *   daraja          which Daraja the configuration points at
 *   token           the consumer key and secret give a token; when refused,
 *                   the other environment is asked too, so sandbox keys
 *                   against production (and the reverse) are named as such
 *   stk             M-Pesa Express: an STK query for a CheckoutRequestID
 *                   that does not exist; Daraja checks the app's product, the
 *                   shortcode and the passkey before it finds nothing, and
 *                   nothing moves
 *   shortcode_type  the TransactionType fits the shortcode (paybill:
 *                   CustomerPayBillOnline, till: CustomerBuyGoodsOnline): from
 *                   the configuration and from Daraja's past answers
 *   credential      the SecurityCredential (initiator name, password and
 *                   certificate) with an Account Balance query, which moves
 *                   nothing; needs a signed-in supervisor (else a warning)
 *   pull            the Pull Transactions product (C2B backfill), with a
 *                   query of the last hour (a read)
 *   callback_url    [listener] public_url against Daraja's rules (https,
 *                   a public host, none of the words Daraja refuses), and
 *                   reachable when it is on this machine (GET /healthz)
 *   password_age    the initiator password's age against
 *                   [daraja] initiator_password_days
 * B2C and Reversal cannot be probed without moving money; the report says so.
 *
 * Ownership: reports are caller-owned plain structs.
 * Thread-safety: app_doctor_run() blocks on the network: the command line
 * only, on the thread that owns the app (never a screen's thread).
 */
#ifndef POS_APP_DOCTOR_H
#define POS_APP_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/loop.h"
#include "app/signin.h"

enum app_verdict {
	APP_VERDICT_OK,
	APP_VERDICT_WARNING,
	APP_VERDICT_FAILED,
};
const char *app_verdict_name(enum app_verdict v); /* "ok", "warning", "failed" */

enum { APP_CHECK_NAME_MAX = 24, APP_CHECK_TEXT_MAX = 512, APP_DOCTOR_MAX = 16 };

struct app_check {
	char name[APP_CHECK_NAME_MAX];   /* "token" */
	enum app_verdict verdict;
	char what[APP_CHECK_TEXT_MAX];   /* what was found, one sentence */
	char fix[APP_CHECK_TEXT_MAX];    /* what to do; "" when nothing */
};

struct app_doctor_report {
	struct app_check checks[APP_DOCTOR_MAX];
	size_t n;
	enum app_verdict worst;
};

struct app_doctor_opts {
	/* A signed-in supervisor or admin: the SecurityCredential is tested with
	 * an Account Balance query in their name (recorded and audited like
	 * `mpesa-pos balance`). NULL: not tested, a warning. */
	const struct app_operator *op;
	/* Where the other environment is asked for a token when the configured
	 * one refuses the keys. NULL: the standard URL of the other environment,
	 * and only when [daraja] base_url is empty (real Daraja). */
	const char *other_env_url;
	/* How long to wait for the balance result; 0: 30 s. */
	unsigned result_wait_s;
};

/* Run every check and fill out. Never fails: a problem is a verdict. */
void app_doctor_run(struct app_loop *l, const struct app_doctor_opts *o,
                    struct app_doctor_report *out);

/* ---- parts without I/O (unit-tested) ----------------------------------------- */

/* Judge a callback URL by Daraja's rules. environment "production" or
 * "sandbox"; sim: Daraja is the local simulator (then a loopback http URL is
 * right). Fills c (name "callback_url") and returns its verdict. */
enum app_verdict app_doctor_judge_url(const char *url, const char *environment,
                                      bool sim, struct app_check *c);

/* The initiator password's age. set_at_ms 0: unknown. days: its life. */
struct app_password_age {
	bool known;
	int64_t set_at_ms;
	int64_t expires_at_ms;
	int64_t days_left;        /* whole days left (rounded down); <= 0 once expired */
	enum app_verdict verdict; /* warning from 14 days before, failed after */
	bool from_config;         /* the date came from initiator_password_set_on */
};
void app_password_age_judge(int64_t set_at_ms, int64_t days, int64_t now_ms,
                            struct app_password_age *out);
/* One sentence: "the initiator password expires on 2025-03-14 (in 9 days)". */
const char *app_password_age_sentence(const struct app_password_age *p, char *out,
                                      size_t outsz);

/* The initiator password's age for this configuration: the date given in
 * [daraja] initiator_password_set_on, else the one the ledger recorded when
 * it first saw this password (store_initiator_password_seen; a new password
 * is dated now). out->known is false without an initiator password. */
enum pos_status app_password_age(struct app *a, struct app_password_age *out,
                                 struct pos_err *err);

#endif
