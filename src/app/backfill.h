/*
 * app/backfill.h: C2B payments Daraja never confirmed to us, found again.
 *
 *   backfill  Pull Transactions over a window, every page: each payment not
 *             in the ledger (matched by receipt) is recorded as a C2B
 *             confirmation would be (state completed, outbox event), with
 *             its callback archived from source "pull". A row that is one of
 *             our own STK charges (same phone, account reference and amount)
 *             gives that charge its receipt when it lacks one, and is never
 *             recorded twice. Daraja's "no records" (1001) is told apart
 *             from "not provisioned or not registered for Pull" with the
 *             ledger: completed payments recorded in the window that Daraja
 *             did not list mean the latter.
 *   receipt   one payment, by the receipt number a customer shows: looked up
 *             with Transaction Status (a supervisor's query, app_status_start)
 *             and, when M-Pesa says it completed to our shortcode, recorded
 *             the same way with source "status".
 *
 * Ownership: the caller frees a backfill with app_backfill_free() before
 * freeing its loop. Thread-safety: the thread that owns the app and loop.
 */
#ifndef POS_APP_BACKFILL_H
#define POS_APP_BACKFILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/loop.h"
#include "store/store.h"

enum app_backfill_answer {
	APP_BACKFILL_RECORDS,        /* Daraja listed payments (1000) */
	APP_BACKFILL_NO_RECORDS,     /* 1001, and nothing we hold says otherwise */
	APP_BACKFILL_NOT_PROVISIONED,/* 1001 although the ledger holds payments in
	                                the window: Pull is not provisioned or the
	                                shortcode is not registered for it */
	APP_BACKFILL_NOT_SUBSCRIBED, /* 401.003.01: the app lacks the product */
	APP_BACKFILL_FAILED,         /* not asked or not answered (see error) */
};

struct app_backfill_stats {
	enum app_backfill_answer answer;
	unsigned pages;       /* pages Daraja was asked for */
	bool truncated;       /* stopped at the page cap: run again */
	size_t listed;        /* rows Daraja listed */
	size_t recorded;      /* new C2B payments recorded now */
	size_t known;         /* already in the ledger */
	size_t matched;       /* our STK charges that got their receipt now */
	size_t skipped;       /* not recorded (unreadable, or a charge still open) */
	size_t ledger_in_window; /* completed payments the ledger holds there */
	char message[512];    /* one sentence for a person */
};

struct app_backfill;

/* Ask Daraja for the C2B payments to [daraja] business_shortcode completed
 * in [since_ms, until_ms) (Unix ms; until_ms 0 = now). Errors (nothing
 * asked): POS_E_CONFIG without Daraja credentials, POS_E_RANGE for a window
 * that ends before it starts. */
enum pos_status app_backfill_start(struct app_loop *l, int64_t since_ms, int64_t until_ms,
                                   struct app_backfill **out, struct pos_err *err);
bool app_backfill_done(const struct app_backfill *b);
const struct app_backfill_stats *app_backfill_stats(const struct app_backfill *b);
/* Why it failed (code POS_OK otherwise). */
const struct pos_err *app_backfill_error(const struct app_backfill *b);
/* NULL is fine; a request in flight is dropped (nothing is recorded). */
void app_backfill_free(struct app_backfill *b);

/* For `serve`, called on every turn of its loop: every 15 minutes (the first
 * time 15 minutes after start), a backfill of the last 2 hours; at most one
 * at a time; what it recorded is logged, and a failing answer once until it
 * changes. Tests (MPESA_POS_TESTING=1) may set the period in ms with
 * MPESA_POS_TEST_BACKFILL_MS. One per process; what is in flight at exit is
 * dropped (Pull is a read: nothing is lost). */
void app_backfill_tick(struct app_loop *l);

/* What app_receipt_record did. */
enum app_receipt_outcome {
	APP_RECEIPT_KNOWN,    /* the ledger already held the receipt */
	APP_RECEIPT_RECORDED, /* recorded now as a paybill/till payment */
	APP_RECEIPT_GIVEN,    /* given to our own charge, paid without a receipt */
};

/* After a status flow about `receipt` finished (status_txn_id: its
 * transaction): record the payment it found, when M-Pesa says it completed to
 * our shortcode. A payment that is one of our own STK charges settled paid
 * without a receipt (its callback lost: the STK query carries none) gives
 * that charge the receipt instead (a timeline row; audited as
 * reconcile.receipt): the charge must have the same amount, no receipt, a
 * phone that agrees with the one M-Pesa shows (full, masked or hashed) and
 * have been made within 15 minutes of M-Pesa's time. While such a charge
 * exists no paybill payment is ever recorded: when more than one charge
 * matches, or the phone cannot be compared, or the charge is still open,
 * nothing is recorded (POS_E_CONFLICT, the sentence naming the charges and
 * how a supervisor picks one; audited as reconcile.receipt.held).
 * charge_ref (NULL or "": none) is a charge a supervisor names, by its id or
 * account reference: the receipt is given to it when it matches (the phone
 * may then be one M-Pesa does not show in full), else POS_E_CONFLICT.
 * *out gets the row that holds the receipt (new, the charge, or already
 * held); *how (may be NULL) what was done.
 * POS_E_NOT_FOUND: M-Pesa does not know the receipt, or no result came;
 * POS_E_INVALID: it is not a completed payment to this shortcode. */
enum pos_status app_receipt_record(struct app *a, int64_t status_txn_id, const char *receipt,
                                   const char *charge_ref, struct store_txn *out,
                                   enum app_receipt_outcome *how, struct pos_err *err);

#endif
