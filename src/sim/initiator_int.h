/*
 * sim/initiator_int.h: what B2C shares with the other initiator products
 * (private to sim/initiator.c and sim/b2c.c).
 */
#ifndef SIM_INITIATOR_INT_H
#define SIM_INITIATOR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/ids.h"

struct sim;
struct sim_req;

enum ijob_kind { IJOB_B2C, IJOB_STATUS, IJOB_BALANCE, IJOB_REVERSAL };

/* One accepted request, waiting for its result to fall due. */
struct ijob {
	struct sim *s;
	enum ijob_kind kind;
	const char *preset_code;   /* an initiator failure decided on the way in */
	const char *preset_desc;
	bool queue_timeout;
	char originator[132];
	char conversation[SIM_ID_MAX];
	char *result_url;
	char *queue_url;
	char party_a[16];          /* B2C, status, balance: the organisation */
	char party_b[16];          /* B2C: the customer; reversal: receiver */
	char command[32];
	char transaction_id[72];   /* status, reversal */
	char occasion[104];
	int64_t amount;
	int64_t t0_ms;
};

/* Check the initiator (name in name_field, SecurityCredential) and the
 * organisation, fill j's preset failure, ids and URLs, schedule it, and
 * answer the synchronous acceptance. originator: the caller's id (B2C v3)
 * or NULL to make one. Takes j. */
void sim_initiator_accept(struct sim_req *r, struct ijob *j,
                          const char *name_field, const char *org,
                          bool check_org, const char *originator);

#endif
