/*
 * sim/initiator.h: the initiator products: B2C (v1, v3), Transaction Status,
 * Account Balance and Reversal.
 *
 * They share one shape: the gateway accepts the request synchronously
 * (OriginatorConversationID, ConversationID, ResponseCode "0") and the
 * outcome comes later as a Result on ResultURL. Initiator checks happen on
 * the way in but show only in that Result: an unknown InitiatorName ends
 * with ResultCode 20, a SecurityCredential that does not decrypt to the
 * initiator password with 2001 "The initiator information is invalid.", an
 * organisation the initiator has no role on with 21.
 *
 * Ownership: struct sim_b2c is opaque (the v3 OriginatorConversationIDs seen).
 * Thread-safety: handlers run on any worker thread.
 */
#ifndef SIM_INITIATOR_H
#define SIM_INITIATOR_H

#include <stddef.h>

struct sim;
struct sim_req;
struct sim_b2c;

struct sim_b2c *sim_b2c_new(size_t max_ids);
void sim_b2c_free(struct sim_b2c *b);
void sim_b2c_reset(struct sim_b2c *b);

void sim_b2c_v1(struct sim_req *r);
void sim_b2c_v3(struct sim_req *r);
void sim_status_query(struct sim_req *r);
void sim_balance_query(struct sim_req *r);
void sim_reversal_request(struct sim_req *r);

#endif
