/*
 * sim/ids.h: identifiers shaped like the ones Daraja hands out.
 *
 *   request id / MerchantRequestID / v1 OriginatorConversationID
 *                                  29115-34620561-1
 *   CheckoutRequestID              ws_CO_ + DDMMYYYYHHmmss (EAT) + 3 digits
 *                                  + the subscriber's 9-digit national number
 *   ConversationID                 AG_ + YYYYMMDD + _ + 20 hex
 *   M-Pesa receipt                 10 upper-case alphanumerics: year letter
 *                                  (L=2017 ... T=2025), month letter (A=Jan),
 *                                  day (1-9, A=10 ... V=31), then 7 characters
 *                                  that never repeat within a run
 *   placeholder TransactionID      date prefix + 0000000 (balance, status)
 *   access token                   28 characters [A-Za-z0-9]
 *
 * Every random part comes from the simulator's seeded generator; the counters
 * guarantee uniqueness within a run.
 *
 * Ownership: struct sim_ids is caller-owned; it borrows the generator.
 * Thread-safety: every function may be called from any thread.
 */
#ifndef SIM_IDS_H
#define SIM_IDS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sim/rng.h"

enum {
	SIM_ID_MAX = 40,      /* every id below fits, NUL included */
	SIM_RECEIPT_LEN = 10, /* characters, NUL not counted */
	SIM_TOKEN_LEN = 28,
	SIM_UUID_LEN = 36
};

struct sim_ids {
	struct sim_rng *rng;
	atomic_uint_fast64_t request_seq;
	atomic_uint_fast64_t receipt_seq;
	atomic_uint_fast64_t checkout_seq;
	uint64_t receipt_offset;
};

void sim_ids_init(struct sim_ids *ids, struct sim_rng *rng);

/* "29115-34620561-1": error envelopes, MerchantRequestID, v1 originator ids. */
void sim_ids_request(struct sim_ids *ids, char out[SIM_ID_MAX]);
/* msisdn: the 12-digit subscriber number (its last 9 digits are used). */
void sim_ids_checkout(struct sim_ids *ids, time_t t, const char *msisdn,
                      char out[SIM_ID_MAX]);
void sim_ids_conversation(struct sim_ids *ids, time_t t, char out[SIM_ID_MAX]);
void sim_ids_receipt(struct sim_ids *ids, time_t t, char out[SIM_ID_MAX]);
void sim_ids_token(struct sim_ids *ids, char out[SIM_ID_MAX]);
/* 8-4-4-4-12 lower-case hex. */
void sim_ids_uuid(struct sim_ids *ids, char out[SIM_ID_MAX]);

/* Pure helpers (unit-tested). */
/* The receipt's 3-character date prefix for t (EAT) into out[4]. */
void sim_receipt_prefix(time_t t, char out[4]);
/* The 7-character body for sequence number n: a bijection of n (mod 36^7)
 * written in base 36, so distinct n below 36^7 give distinct bodies. */
void sim_receipt_body(uint64_t n, char out[8]);
/* "TCE0000000": placeholder TransactionID of non-financial results. */
void sim_ids_placeholder(time_t t, char out[SIM_ID_MAX]);

#endif
