/*
 * app/c2b.h: payments customers start themselves (paybill and till, C2B),
 * shared by the console and the command line:
 *   - the feed: today's C2B payments as the listener records them, with the
 *     day's running total and who claimed each one;
 *   - claiming: a cashier attaches an incoming payment to the sale at hand
 *     (exact-amount matches listed first); a payment is claimed once, and
 *     every claim (and every refused one) is in the audit log;
 *   - registering the C2B URLs (confirmation and validation) with Daraja,
 *     by a supervisor;
 *   - Dynamic QR: a code the customer scans to pay the till, as a PNG;
 *   - a reversal with its reason (the reversal flow of app/flow.h, with the
 *     reason written into both timelines and the audit log).
 * Roles are checked here (core/role.h), so every face obeys them.
 *
 * The requests to Daraja (register, QR) are asynchronous: start one, turn
 * the loop (app/loop.h) until app_c2b_req_done(), read the outcome, free it.
 * Freeing a request still in flight is fine: its answer is dropped.
 *
 * Ownership: caller-owned arrays and structs; an app_c2b_req is the
 * caller's, freed with app_c2b_req_free().
 * Thread-safety: the thread that owns the app and the loop.
 */
#ifndef POS_APP_C2B_H
#define POS_APP_C2B_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/flow.h"
#include "app/loop.h"
#include "app/signin.h"
#include "store/store.h"

/* Start of the Nairobi day (EAT, UTC+3) that holds now_ms, in Unix ms. */
int64_t app_c2b_day_start(int64_t now_ms);

/* ---- the feed ------------------------------------------------------------------- */
struct app_c2b_row {
	struct store_txn t;
	bool claimed;
	int64_t claimed_by;        /* operator id; 0 when not known */
	char claimed_by_name[STORE_NAME_MAX];
	int64_t claimed_at;
};
struct app_c2b_day {
	int64_t count;             /* completed C2B payments today */
	int64_t sum_minor;         /* their total */
};
/* The newest C2B payments created since since_ms (at most cap, newest
 * first) with their claims, and the totals of the Nairobi day of since_ms.
 * POS_E_DENIED unless op may see the feed (ROLE_ACT_C2B_FEED). day may be
 * NULL. */
enum pos_status app_c2b_feed(struct app *a, const struct app_operator *op,
                             int64_t since_ms, struct app_c2b_row *rows, size_t cap,
                             size_t *n, struct app_c2b_day *day, struct pos_err *err);

/* ---- claiming ------------------------------------------------------------------ */
/* Unclaimed completed C2B payments created since since_ms, at most cap:
 * those of exactly amount_minor first (amount_minor 0: no amount typed),
 * newest first within each group; *exact counts the first group. Needs
 * ROLE_ACT_CLAIM_C2B. */
enum pos_status app_c2b_unclaimed(struct app *a, const struct app_operator *op,
                                  int64_t since_ms, int64_t amount_minor,
                                  struct store_txn *rows, size_t cap, size_t *n,
                                  size_t *exact, struct pos_err *err);
/* Claim payment public_id for op's sale (note may be NULL: the sale's
 * words). Needs ROLE_ACT_CLAIM_C2B. POS_E_DUPLICATE, naming who claimed it
 * and when (Nairobi time), when it is already claimed; POS_E_INVALID when
 * it is not a completed C2B payment. Audited either way; the claim is also
 * a note in the payment's timeline. out (may be NULL) gets the payment. */
enum pos_status app_c2b_claim(struct app *a, const struct app_operator *op,
                              const char *public_id, const char *note,
                              struct store_txn *out, struct pos_err *err);

/* ---- requests to Daraja: C2B URL registration, Dynamic QR ------------------------ */
struct app_c2b_req;
typedef void (*app_c2b_req_fn)(void *user, struct app_c2b_req *r);

/* Register [listener] public_url's c2b/confirmation and c2b/validation URLs
 * for [daraja] business_shortcode. response_type: "Completed" or
 * "Cancelled" (NULL: [listener] c2b_response_type), what Daraja does when
 * our validation does not answer. Needs ROLE_ACT_C2B_REGISTER; POS_E_CONFIG
 * in poll mode (no public URL: Daraja could not reach us). Audited. fn (may
 * be NULL) is called from the loop once it is done. */
enum pos_status app_c2b_register_start(struct app_loop *l, const struct app_operator *op,
                                       const char *response_type, app_c2b_req_fn fn,
                                       void *user, struct app_c2b_req **out,
                                       struct pos_err *err);

/* A Dynamic QR code for amount (whole shillings, as typed) and reference
 * (the account number the payment carries, 1..12 characters): the till's
 * paybill (PB, business_shortcode) or, for CustomerBuyGoodsOnline, its till
 * (BG, till_number); the merchant name is [till] name. Needs
 * ROLE_ACT_C2B_FEED. */
enum pos_status app_qr_start(struct app_loop *l, const struct app_operator *op,
                             const char *amount, const char *reference,
                             unsigned size_px, app_c2b_req_fn fn, void *user,
                             struct app_c2b_req **out, struct pos_err *err);

bool app_c2b_req_done(const struct app_c2b_req *r);
/* POS_OK when Daraja accepted; otherwise what went wrong (a sentence). */
const struct pos_err *app_c2b_req_error(const struct app_c2b_req *r);
/* Daraja's ResponseDescription (register) or "" (borrowed). */
const char *app_c2b_req_message(const struct app_c2b_req *r);
/* The confirmation URL registered, its secret masked (register). */
const char *app_c2b_req_url(const struct app_c2b_req *r);
/* The QR code's PNG bytes (borrowed until free; NULL when none). */
const unsigned char *app_c2b_req_png(const struct app_c2b_req *r, size_t *len);
/* NULL is fine; a request in flight is let go (its answer is dropped). */
void app_c2b_req_free(struct app_c2b_req *r);

/* Whether C2B payment txn_id was claimed for a sale: out gets "claimed by
 * Ann Cashier (2001) at 10:15:00 on 14 Mar for a sale (NOTE)" (the claim's
 * note says which sale: its amount), "" when it was not. */
bool app_c2b_claim_of(struct app *a, int64_t txn_id, char *out, size_t outsz);

/* ---- reversal with a reason ------------------------------------------------------- */
/* app_reversal_start() (app/flow.h) for public id txn, with reason (1..100
 * characters, required): written to the reversal's timeline, to the original
 * payment's timeline (naming the reversal) and to the audit log. */
enum pos_status app_reversal_start_reason(struct app_loop *l,
                                          const struct app_operator *op,
                                          const char *txn, const char *reason,
                                          bool claimed_ok, app_flow_fn fn,
                                          void *user, struct app_flow **out,
                                          struct pos_err *err);
/* The latest reversal of payment original_id that did not fail (*found
 * false when none): the detail view links it, and app_reversal_start()
 * refuses a second one while it stands. */
enum pos_status app_reversal_of(struct app *a, int64_t original_id,
                                struct store_txn *out, bool *found,
                                struct pos_err *err);

#endif
