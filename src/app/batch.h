/*
 * app/batch.h: bulk payouts from a CSV file, shared by the console's Bulk
 * screen and `mpesa-pos payout-batch`.
 *
 * Three steps, each its own call:
 *   check    read and validate the file (core/csv.h: phone, amount, optional
 *            name, remarks): every bad row is listed with its line number
 *            and reason (bad phone, fraction, over the limit, duplicate row)
 *            and the totals are counted. Nothing is recorded.
 *   record   a supervisor (ROLE_ACT_PAYOUT) records the batch: refused while
 *            any row is bad; the per-payout limit is checked per row, the
 *            daily limit and the approval limit ([limits] approval_above)
 *            on the batch's total, as for a single payout (above it a second
 *            supervisor, signed in, approves). The batch and every row, as a
 *            B2C transaction in state `created`, are written in one database
 *            transaction before anything is sent; audited.
 *   run      send the rows in order, each once, at most [limits]
 *            b2c_per_minute (the shared limit of app/limits.c), a few
 *            requests in flight at a time. A row whose outcome is unknown is
 *            parked: its own flow resolves it (result callback or
 *            Transaction Status) while the batch goes on. Pause and resume.
 *            The batch is `running` in the ledger until every row is sent
 *            and settled or parked; then `done`, and the report is written.
 *
 * Never paying twice, never skipping: a row in `created` was certainly not
 * sent (a row becomes `sent` in the ledger before its request leaves), so
 * a batch found `running` after a crash or kill (app_batch_open) is run
 * again with app_batch_run: rows still `created` are sent, rows in `sent`,
 * `awaiting` or `unknown` are resolved by query, never sent again; final
 * rows are left alone.
 *
 * Ownership: app_batch_file and app_batch are the caller's (free them with
 * their free functions, outside of fn). fn is called from the loop after
 * visible progress, never from inside app_batch_run, at most once a turn.
 * Thread-safety: the thread that owns the app and the loop.
 */
#ifndef POS_APP_BATCH_H
#define POS_APP_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/loop.h"
#include "app/signin.h"
#include "core/csv.h"

struct store_batch;

enum { APP_BATCH_FILE_MAX = 4 * 1024 * 1024 };

/* One bad line of a file. */
struct app_batch_problem {
	size_t line;                      /* 1-based */
	char reason[POS_ERR_MSG_MAX + POS_ERR_FIELD_MAX + 8]; /* "line 7: amount: ..." */
};

struct app_batch_file {
	char path[1024];
	char name[256];                   /* the file's name without folders */
	char sha256[65];                  /* of its bytes, lower-case hex */
	size_t lines;                     /* physical lines read */
	struct csv_payout_row *rows;      /* the valid rows, in file order */
	size_t n_rows;
	struct app_batch_problem *bad;    /* every bad row, in file order */
	size_t n_bad;
	int64_t total_minor;              /* of the valid rows */
};

/* Read and validate path. POS_OK with *out even when rows are bad (see
 * n_bad); an error only when the file cannot be read at all (missing, too
 * big, not text) or holds no row. Free with app_batch_file_free(). */
enum pos_status app_batch_check(struct app *a, const char *path,
                                struct app_batch_file **out, struct pos_err *err);
void app_batch_file_free(struct app_batch_file *f);

/* POS_OK when no batch (not cancelled) was recorded from a file of f's
 * SHA-256; POS_E_DUPLICATE (field "file") naming that batch, its date, rows
 * and total, with the hint (--resume ID, --again) otherwise. */
enum pos_status app_batch_seen(struct app *a, const struct app_batch_file *f,
                               struct pos_err *err);

/* True when a batch of this total needs a second supervisor. */
bool app_batch_needs_approver(struct app *a, int64_t total_minor);

struct app_batch_req {
	const char *command;      /* as app_payout_req: NULL = [daraja] b2c_command_id */
	const char *remarks;      /* for rows without their own; NULL: "Payout" */
	const struct app_operator *approver; /* above the approval limit */
	bool again;               /* pay a file already recorded as a batch again */
};

/* Record f as a batch (see above). *batch_id on success. Errors name the
 * field: "file" (bad rows: nothing recorded; or POS_E_DUPLICATE: a file of
 * the same SHA-256 was recorded as a batch not cancelled, named in the
 * message, unless rq->again, which still needs the role and the approval),
 * "amount" (the daily limit), "approver", "operator". */
enum pos_status app_batch_record(struct app *a, const struct app_operator *op,
                                 const struct app_batch_file *f,
                                 const struct app_batch_req *rq,
                                 int64_t *batch_id, struct pos_err *err);

/* Batches found `running` (a run stopped by a crash, a kill or a quit, or
 * paused: see paused_at), oldest first, at most cap (64). */
enum pos_status app_batch_open(struct app *a, struct store_batch *out, size_t cap,
                               size_t *n, struct pos_err *err);

struct app_batch;
typedef void (*app_batch_fn)(void *user, struct app_batch *b);

struct app_batch_progress {
	int64_t batch_id;
	int64_t rows, total_minor;
	int64_t waiting;          /* created: not sent yet */
	int64_t in_flight;        /* sent: the answer not in yet */
	int64_t awaiting;         /* accepted: the result not in yet */
	int64_t paid;             /* completed */
	int64_t paid_minor;
	int64_t failed;           /* failed, cancelled, timed out */
	int64_t parked;           /* unknown, unresolved or held */
	int64_t sent_this_run;    /* requests this process sent */
	double per_minute;        /* this run's send rate (0 until measured) */
	int64_t eta_s;            /* time left at the limit and rate; -1 unknown */
	bool paused;
	bool finished;            /* every row sent and settled or parked */
	char note[256];           /* "waiting 3 s: b2c_per_minute", a problem */
};

/* Run (or resume) batch batch_id as op (a supervisor): approved -> running,
 * or a batch already running picked up where it stopped; a batch paused in
 * the ledger goes on (being named here is the operator's word; audited).
 * The report is written to report_dir (NULL: no report) when the batch
 * finishes. While it runs, a pause or a cancel recorded by another process
 * is followed: no row is sent while paused or once cancelled. */
enum pos_status app_batch_run(struct app_loop *l, const struct app_operator *op,
                              int64_t batch_id, const char *report_dir,
                              app_batch_fn fn, void *user, struct app_batch **out,
                              struct pos_err *err);
/* Pause (no new request goes out; those in flight finish) or resume. The
 * pause is kept in the ledger (store_batch_pause) and audited: a batch
 * paused stays paused after a quit or a crash until a run names it. */
void app_batch_pause(struct app_batch *b, bool paused);
/* The same for a batch by id, run here or elsewhere, as op (a supervisor).
 * POS_E_STATE when the batch is not running. */
enum pos_status app_batch_set_paused(struct app *a, const struct app_operator *op,
                                     int64_t batch_id, bool paused, struct pos_err *err);
/* Cancel batch batch_id as op (a supervisor): a draft, approved or running
 * batch becomes cancelled; each row not sent yet fails as local:cancelled
 * (nothing moved); rows already sent go on resolving (their flow, a run of
 * the batch, serve or reconcile). *not_sent and *open count them. Audited
 * (payout.batch.cancel). POS_E_STATE for a batch done or cancelled. */
enum pos_status app_batch_cancel(struct app *a, const struct app_operator *op,
                                 int64_t batch_id, int64_t *not_sent, int64_t *open,
                                 struct pos_err *err);
bool app_batch_done(const struct app_batch *b);
void app_batch_progress(const struct app_batch *b, struct app_batch_progress *out);
/* The report files once written ("" before). */
const char *app_batch_report_csv(const struct app_batch *b);
const char *app_batch_report_txt(const struct app_batch *b);
/* Stop; rows go on in the ledger (a later run resumes). NULL is fine. */
void app_batch_free(struct app_batch *b);

/* Write batch-<id>-report.csv and .txt into dir (every row with its
 * outcome; rows not final listed as unresolved). Paths into csv/txt. */
enum pos_status app_batch_report(struct app *a, int64_t batch_id, const char *dir,
                                 char *csv, size_t csvsz, char *txt, size_t txtsz,
                                 struct pos_err *err);

#endif
