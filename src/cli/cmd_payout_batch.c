/* cli/cmd_payout_batch.c: `mpesa-pos payout-batch FILE.csv`: a bulk payout
 * from the shell: the file checked (every bad row by line), the batch
 * recorded and approved as a single payout would be, its rows sent at
 * [limits] b2c_per_minute, the report written; --resume picks up a batch a
 * crash, a kill or a signal stopped. app/batch.h has the rules. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/batch.h"
#include "app/loop.h"
#include "base/clock.h"
#include "base/str.h"
#include "cli/cli.h"
#include "core/money.h"
#include "store/store.h"

static volatile sig_atomic_t g_batch_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_batch_stop = 1;
}

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos payout-batch FILE.csv --operator ID [--pin-fd N]\n"
	      "                              [--approver ID [--approver-pin-fd N]]\n"
	      "                              [--command SalaryPayment|BusinessPayment|PromotionPayment]\n"
	      "                              [--remarks TEXT] [--report-dir DIR] [--timeout S]\n"
	      "                              [--again]\n"
	      "       mpesa-pos payout-batch FILE.csv --dry-run\n"
	      "       mpesa-pos payout-batch --resume [BATCH_ID] --operator ID [--pin-fd N]\n"
	      "       mpesa-pos payout-batch --pause|--cancel BATCH_ID --operator ID [--pin-fd N]\n"
	      "\n"
	      "Pay every row of FILE.csv (phone, amount, optional name, remarks). The file is\n"
	      "checked first: any bad row (bad phone, cents, over [limits] payout_max, a\n"
	      "duplicate) is listed by line and nothing is recorded. Otherwise every row is\n"
	      "recorded as a payout before any is sent, then sent once, at most [limits]\n"
	      "b2c_per_minute. Above [limits] approval_above (the batch's total) a second\n"
	      "supervisor approves. --dry-run only checks. A file already recorded as a\n"
	      "batch (the same SHA-256, not cancelled, or cancelled with a row sent) is\n"
	      "refused, naming that batch;\n"
	      "--again pays it a second time (a salary file repeated month to month).\n"
	      "A run stopped by a signal, a crash\n"
	      "or a kill is picked up with --resume BATCH_ID (--resume alone lists the\n"
	      "running and paused batches): rows that may have reached M-Pesa are resolved\n"
	      "by Transaction Status, never sent again. --pause keeps a running batch from\n"
	      "sending (in the ledger: it stays paused until --resume names it); --cancel\n"
	      "fails the rows not sent yet (nothing moved) and lets those sent resolve.\n"
	      "The report (batch-ID-report.csv and .txt) goes to --report-dir (the\n"
	      "file's folder, or the current one on --resume). Exit codes in docs/cli.md.\n",
	      out);
}

struct run {
	struct app_batch *b;
	int64_t last_print;
};

static void print_progress(const struct app_batch_progress *p, bool force, struct run *r)
{
	int64_t now = clock_mono_ms();
	if (!force && now - r->last_print < 5000)
		return;
	r->last_print = now;
	fprintf(stderr, "mpesa-pos payout-batch: batch %lld: %lld of %lld sent or settled, "
	        "%lld paid, %lld failed, %lld unresolved; %.1f a minute%s%s\n",
	        (long long)p->batch_id, (long long)(p->rows - p->waiting), (long long)p->rows,
	        (long long)p->paid, (long long)p->failed, (long long)p->parked, p->per_minute,
	        p->note[0] ? "; " : "", p->note);
}

static void on_progress(void *user, struct app_batch *b)
{
	struct run *r = user;
	struct app_batch_progress p;
	app_batch_progress(b, &p);
	print_progress(&p, false, r);
}

static bool stop_now(void *user)
{
	struct run *r = user;
	return g_batch_stop || app_batch_done(r->b);
}

static cJSON *problems_json(const struct app_batch_file *f)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < f->n_bad; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddNumberToObject(o, "line", (double)f->bad[i].line);
		cJSON_AddStringToObject(o, "reason", f->bad[i].reason);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void print_json(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	if (s) {
		puts(s);
		free(s);
	}
	cJSON_Delete(o);
}

/* The check's result: JSON on stdout, each bad row on stderr. Returns the
 * exit code: 0 when every row is good, 64 otherwise. */
static int report_check(const struct app_batch_file *f, bool dry)
{
	char total[MONEY_FMT_MAX];
	money_format(f->total_minor, CURRENCY_KES, total, sizeof total);
	for (size_t i = 0; i < f->n_bad; i++)
		fprintf(stderr, "mpesa-pos payout-batch: %s\n", f->bad[i].reason);
	if (f->n_bad)
		fprintf(stderr, "mpesa-pos payout-batch: %s: %zu bad row%s of %zu: nothing was "
		        "recorded or sent; correct them and run it again\n", f->name, f->n_bad,
		        f->n_bad == 1 ? "" : "s", f->n_bad + f->n_rows);
	else if (dry)
		fprintf(stderr, "mpesa-pos payout-batch: %s: %zu rows, %s in all, every row good "
		        "(dry run: nothing recorded)\n", f->name, f->n_rows, total);
	if (f->n_bad || dry) {
		cJSON *o = cJSON_CreateObject();
		if (o) {
			cJSON_AddBoolToObject(o, "ok", f->n_bad == 0);
			cJSON_AddStringToObject(o, "file", f->name);
			cJSON_AddStringToObject(o, "sha256", f->sha256);
			cJSON_AddNumberToObject(o, "rows", (double)f->n_rows);
			cJSON_AddNumberToObject(o, "bad_rows", (double)f->n_bad);
			cJSON_AddNumberToObject(o, "total", (double)(f->total_minor / MONEY_SCALE));
			cJSON_AddItemToObject(o, "problems", problems_json(f));
		}
		print_json(o);
	}
	return f->n_bad ? CLI_USAGE : CLI_OK;
}

/* Run one batch to its end (or a signal, or the timeout). */
static int run_batch(struct cli_act *c, int64_t id, const char *report_dir,
                     long long timeout_s)
{
	struct pos_err err;
	struct run r = {0};
	if (app_batch_run(c->loop, &c->op, id, report_dir, on_progress, &r, &r.b, &err) != POS_OK)
		return cli_report_error("payout-batch", &err);
	int64_t deadline = timeout_s ? clock_mono_ms() + timeout_s * 1000 : 0;
	app_loop_run(c->loop, stop_now, &r, deadline);
	struct app_batch_progress p;
	app_batch_progress(r.b, &p);
	print_progress(&p, true, &r);
	int rc = p.finished ? (p.parked ? CLI_UNRESOLVED : p.failed ? CLI_DECLINED : CLI_OK)
	                    : CLI_PENDING;
	cJSON *o = cJSON_CreateObject();
	if (o) {
		char total[MONEY_FMT_MAX];
		money_format(p.total_minor, CURRENCY_KES, total, sizeof total);
		cJSON_AddBoolToObject(o, "ok", rc == CLI_OK);
		cJSON_AddNumberToObject(o, "exit", rc);
		cJSON_AddNumberToObject(o, "batch", (double)id);
		cJSON_AddStringToObject(o, "status", p.finished ? "done" : "running");
		cJSON_AddNumberToObject(o, "rows", (double)p.rows);
		cJSON_AddNumberToObject(o, "total", (double)(p.total_minor / MONEY_SCALE));
		cJSON_AddNumberToObject(o, "paid", (double)p.paid);
		cJSON_AddNumberToObject(o, "failed", (double)p.failed);
		cJSON_AddNumberToObject(o, "unresolved", (double)p.parked);
		cJSON_AddNumberToObject(o, "not_sent", (double)p.waiting);
		cJSON_AddNumberToObject(o, "open", (double)(p.in_flight + p.awaiting));
		cJSON_AddNumberToObject(o, "sent_this_run", (double)p.sent_this_run);
		if (app_batch_report_csv(r.b)[0]) {
			cJSON_AddStringToObject(o, "report_csv", app_batch_report_csv(r.b));
			cJSON_AddStringToObject(o, "report_txt", app_batch_report_txt(r.b));
		}
	}
	print_json(o);
	if (!p.finished)
		fprintf(stderr, "mpesa-pos payout-batch: batch %lld stopped before its end (%s): "
		        "run mpesa-pos payout-batch --resume %lld to go on; nothing will be paid "
		        "twice\n", (long long)id, g_batch_stop ? "a signal" : "the timeout",
		        (long long)id);
	else if (app_batch_report_txt(r.b)[0])
		fprintf(stderr, "mpesa-pos payout-batch: batch %lld done: report in %s\n",
		        (long long)id, app_batch_report_txt(r.b));
	app_batch_free(r.b);
	return rc;
}

/* --resume without a batch: the batches left running or paused, listed;
 * none is resumed (a batch goes on only when named). */
static int list_open(struct cli_act *c)
{
	struct store_batch b[64];
	struct pos_err err;
	size_t n = 0;
	if (app_batch_open(c->app, b, 64, &n, &err) != POS_OK)
		return cli_report_error("payout-batch", &err);
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		char total[MONEY_FMT_MAX];
		const char *st = b[i].paused_at ? "paused" : "running";
		money_format(b[i].total_minor, CURRENCY_KES, total, sizeof total);
		fprintf(stderr, "mpesa-pos payout-batch: batch %lld: %s, %lld rows, %s, %s\n",
		        (long long)b[i].id, b[i].file_name, (long long)b[i].row_count, total, st);
		cJSON *e = cJSON_CreateObject();
		if (!e)
			continue;
		cJSON_AddNumberToObject(e, "batch", (double)b[i].id);
		cJSON_AddStringToObject(e, "file", b[i].file_name);
		cJSON_AddNumberToObject(e, "rows", (double)b[i].row_count);
		cJSON_AddNumberToObject(e, "total", (double)(b[i].total_minor / MONEY_SCALE));
		cJSON_AddStringToObject(e, "status", st);
		cJSON_AddItemToArray(arr, e);
	}
	if (n)
		fprintf(stderr, "mpesa-pos payout-batch: name the one to go on with: mpesa-pos "
		        "payout-batch --resume BATCH_ID\n");
	else
		fprintf(stderr, "mpesa-pos payout-batch: no batch is running or paused: nothing "
		        "to resume\n");
	if (o) {
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddItemToObject(o, "batches", arr);
	} else {
		cJSON_Delete(arr);
	}
	print_json(o);
	return CLI_OK;
}

int cli_cmd_payout_batch(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	struct app_batch_req rq = {0};
	const char *file = NULL, *report_dir = NULL;
	bool dry = false, resume = false;
	long long resume_id = 0, pause_id = 0, cancel_id = 0;
	cli_act_init(&c, g, "payout-batch");
	for (int i = 1; i < argc; i++) {
		int taken = cli_act_option(&c, argc, argv, &i);
		if (taken < 0)
			return CLI_USAGE;
		if (taken)
			continue;
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			dry = true;
		} else if (strcmp(argv[i], "--again") == 0) {
			rq.again = true;
		} else if (strcmp(argv[i], "--resume") == 0) {
			resume = true;
			int64_t id;
			if (v && v[0] != '-') {
				if (parse_i64_str(v, 1, INT64_MAX, &id) != POS_OK) {
					fprintf(stderr, "mpesa-pos payout-batch: --resume \"%s\" is not a "
					        "batch number\n", v);
					return CLI_USAGE;
				}
				resume_id = (long long)id;
				i++;
			}
		} else if ((strcmp(argv[i], "--pause") == 0 || strcmp(argv[i], "--cancel") == 0) &&
		           v) {
			int64_t id;
			if (parse_i64_str(v, 1, INT64_MAX, &id) != POS_OK) {
				fprintf(stderr, "mpesa-pos payout-batch: %s \"%s\" is not a batch "
				        "number\n", argv[i], v);
				return CLI_USAGE;
			}
			*(argv[i][2] == 'p' ? &pause_id : &cancel_id) = (long long)id;
			i++;
		} else if (strcmp(argv[i], "--command") == 0 && v) {
			rq.command = argv[++i];
		} else if (strcmp(argv[i], "--remarks") == 0 && v) {
			rq.remarks = argv[++i];
		} else if (strcmp(argv[i], "--report-dir") == 0 && v) {
			report_dir = argv[++i];
		} else if (argv[i][0] != '-' && !file) {
			file = argv[i];
		} else {
			fprintf(stderr, "mpesa-pos payout-batch: unknown argument \"%s\"; run "
			        "mpesa-pos payout-batch --help\n", argv[i]);
			return CLI_USAGE;
		}
	}
	if ((file != NULL) + resume + (pause_id != 0) + (cancel_id != 0) != 1) {
		fprintf(stderr, "mpesa-pos payout-batch: give one of FILE.csv, --resume, --pause "
		        "or --cancel; run mpesa-pos payout-batch --help\n");
		return CLI_USAGE;
	}
	int rc = cli_act_open(&c, !dry);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct pos_err err;
	struct app_batch_file *f = NULL;
	char dir[1024] = ".";
	if (file) {
		if (app_batch_check(c.app, file, &f, &err) != POS_OK) {
			rc = cli_report_error("payout-batch", &err);
			cli_act_close(&c);
			return rc;
		}
		const char *slash = strrchr(file, '/');
		if (slash)
			str_fmt(dir, sizeof dir, "%.*s", (int)(slash - file), file);
		rc = report_check(f, dry);
		if (rc != CLI_OK || dry) {
			app_batch_file_free(f);
			cli_act_close(&c);
			return rc;
		}
	}
	if (report_dir)
		str_copy(dir, sizeof dir, report_dir);
	if ((rc = cli_act_signin(&c)) != CLI_OK) {
		app_batch_file_free(f);
		cli_act_close(&c);
		return rc;
	}
	if (f) {
		int64_t id;
		rq.approver = cli_act_approver(&c);
		enum pos_status st = app_batch_record(c.app, &c.op, f, &rq, &id, &err);
		app_batch_file_free(f);
		if (st != POS_OK) {
			rc = cli_report_error("payout-batch", &err);
			cli_act_close(&c);
			return rc;
		}
		fprintf(stderr, "mpesa-pos payout-batch: batch %lld recorded: sending\n",
		        (long long)id);
		rc = run_batch(&c, id, dir, c.timeout_s);
	} else if (resume_id) {
		rc = run_batch(&c, resume_id, dir, c.timeout_s);
	} else if (pause_id) {
		rc = app_batch_set_paused(c.app, &c.op, pause_id, true, &err) != POS_OK
		             ? cli_report_error("payout-batch", &err) : CLI_OK;
		if (rc == CLI_OK) {
			fprintf(stderr, "mpesa-pos payout-batch: batch %lld paused: no row is sent "
			        "until mpesa-pos payout-batch --resume %lld\n", pause_id, pause_id);
			printf("{\"ok\":true,\"batch\":%lld,\"status\":\"paused\"}\n", pause_id);
		}
	} else if (cancel_id) {
		int64_t not_sent, open;
		rc = app_batch_cancel(c.app, &c.op, cancel_id, &not_sent, &open, &err) != POS_OK
		             ? cli_report_error("payout-batch", &err) : CLI_OK;
		if (rc == CLI_OK) {
			fprintf(stderr, "mpesa-pos payout-batch: batch %lld cancelled: %lld rows not "
			        "sent failed (nothing moved); %lld sent go on resolving\n", cancel_id,
			        (long long)not_sent, (long long)open);
			printf("{\"ok\":true,\"batch\":%lld,\"status\":\"cancelled\",\"not_sent\":"
			       "%lld,\"open\":%lld}\n", cancel_id, (long long)not_sent, (long long)open);
		}
	} else {
		rc = list_open(&c);
	}
	cli_act_close(&c);
	return rc;
}
