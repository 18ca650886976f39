/*
 * sim/c2b.h: C2B (register URL v1/v2, simulate v1/v2, a customer paying from
 * the admin API) and Pull Transactions (register, query).
 *
 * Registration is once per shortcode (500.003.1001 "Urls are already
 * registered" unless --allow-reregister). A payment goes: ValidationURL (when
 * registered) whose reply may reject it (C2B00011-C2B00016) or, when it fails
 * or does not come, is replaced by the registered ResponseType (Completed
 * goes on, Cancelled stops); then the ledger moves and ConfirmationURL gets
 * the confirmation. v1 registrations receive the SHA-256 hex of the MSISDN,
 * v2 registrations a masked "2547 ***** 678".
 *
 * Ownership: opaque (sim_c2b_new / sim_c2b_free).
 * Thread-safety: every function may be called from any thread.
 */
#ifndef SIM_C2B_H
#define SIM_C2B_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "sim/ids.h"

struct sim;
struct sim_req;
struct sim_c2b;

struct sim_c2b *sim_c2b_new(size_t max_shortcodes);
void sim_c2b_free(struct sim_c2b *c);
void sim_c2b_reset(struct sim_c2b *c);
bool sim_c2b_registered(struct sim_c2b *c, const char *shortcode);

void sim_c2b_register_v1(struct sim_req *r);
void sim_c2b_register_v2(struct sim_req *r);
void sim_c2b_simulate(struct sim_req *r);
void sim_pull_register(struct sim_req *r);
void sim_pull_query(struct sim_req *r);

/* A customer pays shortcode (C2B) now; trans_id receives the receipt. */
enum pos_status sim_c2b_pay(struct sim *s, const char *shortcode,
                            const char *msisdn, int64_t amount,
                            const char *bill_ref, bool buy_goods,
                            char trans_id[SIM_ID_MAX], struct pos_err *err);

/* Pure helpers (unit-tested). */
/* "2547 ***** 678" from "254712345678". */
void sim_c2b_mask_msisdn(const char *msisdn, char out[32]);
/* True when the validation reply accepts: ResultCode 0 / "0". *code gets
 * the reply's code text ("C2B00012") when it rejects. */
bool sim_c2b_reply_accepts(const char *body, char *code, size_t codesz,
                           char *third_party, size_t tpsz);

#endif
