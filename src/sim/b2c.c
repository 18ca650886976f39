/* sim/b2c.c: B2C payment request, v1 and v3. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "sim/http.h"
#include "sim/initiator.h"
#include "sim/initiator_int.h"
#include "sim/map.h"
#include "sim/sim.h"

/* The v3 OriginatorConversationIDs seen, newest `cap` remembered. */
struct sim_b2c {
	pthread_mutex_t mu;
	struct sim_map seen;
	char **ring;
	size_t cap, head, count;
};

struct sim_b2c *sim_b2c_new(size_t max_ids)
{
	struct sim_b2c *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->cap = max_ids ? max_ids : 1;
	b->ring = calloc(b->cap, sizeof *b->ring);
	if (!b->ring) {
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->mu, NULL);
	sim_map_init(&b->seen);
	return b;
}

static void clear_locked(struct sim_b2c *b)
{
	for (size_t i = 0; i < b->count; i++)
		free(b->ring[(b->head + i) % b->cap]);
	b->head = b->count = 0;
	sim_map_clear(&b->seen, NULL);
}

void sim_b2c_free(struct sim_b2c *b)
{
	if (!b)
		return;
	clear_locked(b);
	sim_map_release(&b->seen, NULL);
	pthread_mutex_destroy(&b->mu);
	free(b->ring);
	free(b);
}

void sim_b2c_reset(struct sim_b2c *b)
{
	pthread_mutex_lock(&b->mu);
	clear_locked(b);
	pthread_mutex_unlock(&b->mu);
}

/* Claim id; false when it was seen before. */
static bool claim(struct sim_b2c *b, const char *id)
{
	bool fresh = false;
	pthread_mutex_lock(&b->mu);
	if (!sim_map_get(&b->seen, id)) {
		char *copy = strdup(id);
		if (copy) {
			if (b->count == b->cap) {
				char *old = b->ring[b->head];
				sim_map_remove(&b->seen, old);
				free(old);
				b->head = (b->head + 1) % b->cap;
				b->count--;
			}
			b->ring[(b->head + b->count) % b->cap] = copy;
			b->count++;
			sim_map_put(&b->seen, copy, copy);
		}
		fresh = true;
	}
	pthread_mutex_unlock(&b->mu);
	return fresh;
}

static void b2c(struct sim_req *r, bool v3)
{
	char originator[132] = "", party_a[16], party_b[16], occasion[104];
	if (!sim_req_check(r, v3 ? SIM_OP_B2C_V3 : SIM_OP_B2C_V1))
		return;
	if (v3) {
		sim_req_field(r, "OriginatorConversationID", originator, sizeof originator);
		sim_req_note(r, "OriginatorConversationID", originator);
		if (!claim(r->sim->b2c, originator)) {
			sim_reply_error(r, 500, "500.002.1001", "Duplicate OriginatorConversationID");
			sim_req_outcome(r, "rejected: duplicate OriginatorConversationID");
			return;
		}
	}
	struct ijob *j = calloc(1, sizeof *j);
	if (!j) {
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	j->kind = IJOB_B2C;
	sim_req_field(r, "PartyA", party_a, sizeof party_a);
	sim_req_field(r, "PartyB", party_b, sizeof party_b);
	sim_req_field(r, "Occasion", occasion, sizeof occasion);
	str_copy(j->party_a, sizeof j->party_a, party_a);
	str_copy(j->party_b, sizeof j->party_b, party_b);
	str_copy(j->occasion, sizeof j->occasion, occasion);
	sim_req_enum(r, "CommandID", "SalaryPayment|BusinessPayment|PromotionPayment",
	             j->command, sizeof j->command);
	j->amount = sim_req_amount(r, "Amount");
	sim_initiator_accept(r, j, "InitiatorName", party_a, true, v3 ? originator : NULL);
}

void sim_b2c_v1(struct sim_req *r)
{
	b2c(r, false);
}

void sim_b2c_v3(struct sim_req *r)
{
	b2c(r, true);
}
