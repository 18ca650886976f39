/*
 * sim/sched.h: a timer thread that runs small jobs when they fall due.
 *
 * Outcomes that Daraja delivers "later" (an STK prompt answered, a B2C
 * result, a late callback) are jobs here. A job must be quick and must not
 * block: it changes state under its module's lock and hands any network work
 * to the delivery queue.
 *
 * Ownership: opaque (sim_sched_new / sim_sched_free). A job's arg belongs to
 * the scheduler once sim_sched_at() accepted it: it is passed to fn when the
 * job runs, or to free_arg if the scheduler stops first.
 * Thread-safety: sim_sched_at() may be called from any thread, including a job.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_sched;

typedef void (*sim_job_fn)(void *arg);

struct sim_sched *sim_sched_new(size_t max_jobs);
bool sim_sched_start(struct sim_sched *s);
/* Stop the thread and discard what is pending (free_arg on each). */
void sim_sched_stop(struct sim_sched *s);
void sim_sched_free(struct sim_sched *s);

/* Run fn(arg) after delay_ms. False (and free_arg(arg)) when the scheduler
 * is stopped or full. fn is run with arg and must free it. */
bool sim_sched_after(struct sim_sched *s, int64_t delay_ms, sim_job_fn fn,
                     void (*free_arg)(void *), void *arg);
size_t sim_sched_pending(struct sim_sched *s);

#endif
