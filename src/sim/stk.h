/*
 * sim/stk.h: M-Pesa Express: STK push and STK query.
 *
 * A push is checked (fields, merchant, Password for its Timestamp, one open
 * prompt per PhoneNumber), answered with MerchantRequestID and
 * CheckoutRequestID, and its outcome is decided by the customer's number
 * (docs/daraja-sim.md): it falls due after --callback-delay-ms (an
 * unanswered prompt after --prompt-ttl-ms), moves the ledger when paid, and
 * goes to CallBackURL in Daraja's stkCallback shape. Until then a query
 * answers HTTP 500 500.001.1001 "The transaction is being processed".
 *
 * Ownership: opaque (sim_stk_new / sim_stk_free).
 * Thread-safety: handlers run on any worker thread; one mutex, no I/O under it.
 */
#ifndef SIM_STK_H
#define SIM_STK_H

#include <stddef.h>

struct sim;
struct sim_req;
struct sim_stk;

struct sim_stk *sim_stk_new(struct sim *s, size_t max_sessions);
void sim_stk_free(struct sim_stk *k);
void sim_stk_reset(struct sim_stk *k);

void sim_stk_push(struct sim_req *r);
void sim_stk_query(struct sim_req *r);

/* The scenario for a subscriber: the ResultCode text the prompt ends with
 * ("0", "1", "1032", "1037", "2001", "1019", "SFC_IC0003") and its
 * ResultDesc. Pure (unit-tested). */
void sim_stk_scenario(const char *msisdn, const char **code, const char **desc);

#endif
