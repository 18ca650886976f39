/*
 * sim/server.h: the HTTP front of daraja-sim (CivetWeb, plain HTTP).
 *
 * Every request goes through one pipeline: route by exact path (unknown:
 * 404.001.01), method (405.001), faults that refuse before processing
 * (latency, 429, 503, spike arrest), the bearer token (404.001.03 on
 * Express, C2B, Pull and QR; 401.002.01 on the initiator products), the body
 * (capped at 64 KiB and 32 levels of nesting before cJSON sees it;
 * 400.002.05 when it is not a JSON object), the product's handler, faults
 * that strike after processing (500, reset, timeout), the request log, and
 * one write of the answer. /__sim/ goes to the admin API when --admin is on.
 *
 * Ownership: opaque; sim_server_stop() frees it.
 * Thread-safety: start and stop from main() only.
 */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include "base/status.h"

struct sim;
struct sim_server;

enum { SIM_BODY_MAX = 64 * 1024 };

/* Listen on s->cfg.listen; sets *port to the port bound. */
enum pos_status sim_server_start(struct sim *s, struct sim_server **out,
                                 unsigned *port, struct pos_err *err);
void sim_server_stop(struct sim_server *srv);

#endif
