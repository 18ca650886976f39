/*
 * sim/admin.h: the test API under /__sim/ (only with --admin).
 *
 *   GET  /__sim/health            {"ok":true,...}
 *   GET  /__sim/ledger            balances per shortcode and transactions
 *   GET  /__sim/requests          request log (?path= &since= &limit= &contains=)
 *   GET  /__sim/callbacks         callback log (?url= &since= &limit= &contains=)
 *   GET  /__sim/faults            current faults
 *   POST /__sim/faults            {"stk":{"spike_arrest":0.5},"all":{...}}
 *   POST /__sim/reset             forget everything but tokens
 *   POST /__sim/c2b/pay           {"msisdn","amount","bill_ref","shortcode","type"}
 *   POST /__sim/tokens/expire     expire every access token now
 *   GET  /__sim/cert              the certificate clients encrypt with
 *
 * Thread-safety: handlers run on any worker thread.
 */
#ifndef SIM_ADMIN_H
#define SIM_ADMIN_H

struct sim_req;

void sim_admin_handle(struct sim_req *r);

#endif
