/*
 * app/report.h: the day-end (Z) report, computed once for the console and
 * the CLI.
 *
 * A day is a Nairobi calendar day; a transaction counts on the day it was
 * created. The report holds:
 *   - totals by kind, by state and by (kind, state, operator): count and
 *     value, straight from the ledger (store_report_day);
 *   - open transactions (not final) and, among them, the doubtful ones
 *     (unknown, unresolved, held for review); callbacks received that day
 *     and still orphan, or held as conflicts;
 *   - cash sales apart: kind cash never touches M-Pesa;
 *   - M-Pesa money in (completed charges and paybill/till payments) and out
 *     (completed payouts and reversals);
 *   - the opening and closing balance where known: the first and the last
 *     Account Balance reading of that day, per account, and the variance: how the balance moved between the two
 *     readings (every account but Charges Paid, available balances) against
 *     what the ledger expects (completed money in minus out created
 *     between the two readings, every till). Charges Paid moves by the
 *     fees, shown apart;
 *   - the Pull Transactions check: C2B payments M-Pesa had that the ledger
 *     never received (recorded later from Pull, archived callback source
 *     "pull"); when Pull has never recorded anything the check is reported
 *     as not run.
 *
 * Who sees what: an operator allowed ROLE_ACT_DAY_END_REPORT (supervisor
 * and above) gets the full report; anyone else gets their own shift
 * summary: only their own transactions of the day (totals by kind and
 * state, cash apart), no balances, callbacks or Pull check.
 *
 * Ownership: app_report_build() fills a caller-owned struct app_report;
 * release it with app_report_release(). The text, CSV and JSON renderings
 * are malloc'd; the caller frees them.
 * Thread-safety: one store connection, one thread at a time.
 */
#ifndef POS_APP_REPORT_H
#define POS_APP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/role.h"
#include "store/store.h"

enum { APP_REPORT_ACCOUNTS_MAX = 16, APP_REPORT_DATE_MAX = 11 };

struct app_report_req {
	const char *date;        /* "YYYY-MM-DD", Nairobi; NULL/"" = today */
	const char *till_id;     /* NULL/"" = every till */
	const char *till_name;   /* for the heading; may be NULL */
	const char *shortcode;   /* whose balance readings; NULL/"" = every
	                          * shortcode the ledger has readings of */
	int64_t operator_id;     /* who asks (signed in) */
	const char *operator_name;
	enum role role;
	int64_t now_ms;          /* 0 = clock_now_ms() */
};

struct app_report {
	bool full;                     /* the supervisor's report; false: own shift */
	int64_t operator_id;
	char operator_name[STORE_NAME_MAX];
	char till_name[STORE_NAME_MAX];
	int64_t generated_at;
	/* Totals (own transactions only when !full). */
	struct store_day_report day;
	struct store_sum cash;         /* completed cash sales */
	struct store_sum mpesa_in;     /* completed stk + c2b */
	struct store_sum mpesa_out;    /* completed b2c + reversal */
	/* Balances (full only). */
	size_t n_accounts;
	struct store_balance_span accounts[APP_REPORT_ACCOUNTS_MAX];
	bool has_movement;             /* two readings at different times */
	int64_t open_at, close_at;     /* the first and last reading's times */
	int64_t open_minor, close_minor; /* sum of available, Charges Paid apart */
	int64_t movement_minor;        /* close - open */
	int64_t fees_minor;            /* Charges Paid moved by this (<= 0) */
	struct store_sum between_in, between_out; /* completed, created in (open, close] */
	int64_t expected_minor;        /* between_in - between_out */
	int64_t variance_minor;        /* movement - expected */
	/* The Pull Transactions check (full only). */
	bool pull_ran;                 /* Pull has recorded something since the day began */
	struct store_pull_result pull;
};

/* Today's date in Nairobi as "YYYY-MM-DD" (of now_ms; 0 = now). */
const char *app_report_today(int64_t now_ms, char out[APP_REPORT_DATE_MAX]);

/* Compute the report. POS_E_INVALID (field "date") for a date that is not
 * YYYY-MM-DD; POS_E_DENIED when role may not even see its own history;
 * store errors as store.h says. On error nothing needs releasing. */
enum pos_status app_report_build(struct store *st, const struct app_report_req *rq,
                                 struct app_report *out, struct pos_err *err);
void app_report_release(struct app_report *r);

/* Whether an account line is the fees account (Charges Paid). */
bool app_report_is_fees(const char *account);

/* Renderings (malloc'd, NUL-terminated; NULL when out of memory):
 * text for a person (lines of at most 78 columns), CSV (section, key,
 * count, amount... one fact a line, with a header), JSON (one object). */
char *app_report_text(const struct app_report *r);
char *app_report_csv(const struct app_report *r);
char *app_report_json(const struct app_report *r);

/* Write the text and CSV beside each other in dir as
 * day-end-DATE[-opID]-HHMMSS.txt / .csv; the paths into txt/csv (may be
 * NULL). POS_E_IO naming the file. */
enum pos_status app_report_save(const struct app_report *r, const char *dir,
                                char *txt, size_t txtsz, char *csv, size_t csvsz,
                                struct pos_err *err);

#endif
