/*
 * sim/faults.h: failures on demand, per product.
 *
 * Each product (sim/api.h) has its own set; "all" sets every product at once.
 * Rates are probabilities from 0 to 1 drawn from the seeded generator.
 *
 *   latency_ms        added before the request is looked at
 *   http_429          refuse with HTTP 429 before processing
 *   http_503          refuse with HTTP 503 before processing
 *   spike_arrest      refuse with HTTP 500 500.003.02 (Daraja's throttling)
 *                     before processing: nothing reaches the ledger
 *   error_500         process (the ledger moves), then answer HTTP 500
 *                     500.003.1001 instead of the real answer
 *   reset             process, then close the connection without answering
 *   timeout           process, then hold the answer for timeout_ms and close
 *                     without answering (the callback still comes)
 *   timeout_ms        how long "timeout" holds (default 30000)
 *   callback_drop     the callback is never sent
 *   callback_dup      the callback is sent twice
 *   callback_late     the callback comes callback_late_ms later than it
 *                     would (so callbacks arrive out of order)
 *   callback_late_ms  (default 5000)
 *   queue_timeout     initiator products only: nothing is processed and the
 *                     QueueTimeOutURL receives a timeout result instead
 *   no_product        the app is not subscribed to the product: after the
 *                     token check, HTTP 401 401.003.01 "... no apiproduct
 *                     match found"; nothing is processed
 *
 * Ownership: struct sim_faults is caller-owned (init / release).
 * Thread-safety: every function may be called from any thread.
 */
#ifndef SIM_FAULTS_H
#define SIM_FAULTS_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/status.h"
#include "sim/api.h"

struct sim_fault {
	int64_t latency_ms;
	double http_429, http_503, spike_arrest;
	double error_500, reset, timeout;
	int64_t timeout_ms;
	double callback_drop, callback_dup, callback_late;
	int64_t callback_late_ms;
	double queue_timeout;
	double no_product;
};

struct sim_faults {
	pthread_mutex_t mu;
	struct sim_fault f[SIM_API_COUNT];
};

void sim_faults_init(struct sim_faults *fs);
void sim_faults_release(struct sim_faults *fs);
/* Back to no faults at all. */
void sim_faults_reset(struct sim_faults *fs);
/* A copy of one product's settings. */
void sim_faults_get(struct sim_faults *fs, enum sim_api api, struct sim_fault *out);

/* Set one key for "stk" (a product name) or "all". */
enum pos_status sim_faults_set(struct sim_faults *fs, const char *api,
                               const char *key, const char *value,
                               struct pos_err *err);
/* "stk.spike_arrest=0.2" (the --fault flag). */
enum pos_status sim_faults_apply_spec(struct sim_faults *fs, const char *spec,
                                      struct pos_err *err);
/* {"stk":{"spike_arrest":0.2},"all":{"latency_ms":50}}: every key checked
 * before anything changes. "all" is applied first. */
enum pos_status sim_faults_apply_json(struct sim_faults *fs, const cJSON *obj,
                                      struct pos_err *err);
/* {"stk":{...every key...},...}; caller frees with cJSON_Delete. */
cJSON *sim_faults_to_json(struct sim_faults *fs);

#endif
