/*
 * sim/sim.h: one running simulator: its settings and its parts.
 *
 * main() fills a struct sim_config, then sim_open() builds every part,
 * sim_start() starts the threads and the HTTP server, sim_stop() stops them
 * (joining every thread) and sim_close() frees everything. Handlers reach the
 * parts through the struct sim they are given; each part guards itself.
 *
 * Ownership: opaque to main(); the parts are owned by struct sim.
 * Thread-safety: sim_reset() and sim_sleep() from any thread; open, start,
 * stop and close from main() only.
 */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/status.h"
#include "sim/api.h"
#include "sim/config.h"
#include "sim/cred.h"
#include "sim/deliver.h"
#include "sim/faults.h"
#include "sim/ids.h"
#include "sim/journal.h"
#include "sim/ledger.h"
#include "sim/rng.h"
#include "sim/sched.h"

struct sim_tokens;
struct sim_stk;
struct sim_b2c;
struct sim_c2b;
struct sim_server;

struct sim {
	struct sim_config cfg;
	struct sim_rng rng;
	struct sim_ids ids;
	struct sim_faults faults;
	struct sim_key *key;
	struct sim_tokens *tokens;
	struct sim_ledger *ledger;
	struct sim_journal *requests;
	struct sim_journal *callbacks;
	struct sim_sched *sched;
	struct sim_deliver *deliver;
	struct sim_stk *stk;
	struct sim_b2c *b2c;
	struct sim_c2b *c2b;
	struct sim_server *server;
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cv;
	bool stopping;
	int64_t started_ms;
	char url[160];   /* http://HOST:PORT once started */
};

enum pos_status sim_open(const struct sim_config *cfg, struct sim **out,
                         struct pos_err *err);
enum pos_status sim_start(struct sim *s, struct pos_err *err);
void sim_stop(struct sim *s);
void sim_close(struct sim *s);

/* Forget every session, transaction, registration, log entry, fault and
 * queued callback (tokens stay valid). */
void sim_reset(struct sim *s);

/* Sleep ms, waking early when the simulator stops. False when stopping. */
bool sim_sleep(struct sim *s, int64_t ms);

/* True for the organisation shortcodes the simulator knows: the STK and B2C
 * shortcodes, 600000-601999, and any with registered C2B URLs. */
bool sim_known_org(struct sim *s, const char *shortcode);

/* Queue body (consumed) for POSTing to url after delay_ms, with the
 * product's callback faults applied. ref names it in the callback log. */
void sim_callback(struct sim *s, enum sim_api api, const char *kind,
                  const char *ref, const char *url, cJSON *body, int64_t delay_ms);

#endif
