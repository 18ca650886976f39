/* cli/cmd_reconcile.c: `mpesa-pos reconcile`: every transaction that is not
 * final gets one resolution step, now; `--c2b` backfills missed C2B payments
 * through Pull Transactions; `--receipt R` looks one payment up by the
 * receipt the customer shows and records it. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/backfill.h"
#include "app/flow.h"
#include "base/clock.h"
#include "cli/cli.h"

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos reconcile [--timeout S] [--config FILE]\n"
	      "       mpesa-pos reconcile --c2b [--since DATE] [--until DATE]\n"
	      "       mpesa-pos reconcile --receipt RECEIPT [--ref CHARGE] --operator ID [--pin-fd N]\n"
	      "\n"
	      "Look at every transaction that is not final and settle what can be settled\n"
	      "now: STK queries for charges, Transaction Status for payouts and reversals\n"
	      "(its answer comes by callback: this command listens for it when\n"
	      "[listener] public_url points at this machine, otherwise a running serve\n"
	      "records it), and what time alone decides (a prompt that has certainly\n"
	      "expired without an answer becomes unresolved, for a supervisor). Prints\n"
	      "what it found; exit 0 when it ran.\n"
	      "\n"
	      "--c2b: ask Pull Transactions for the C2B payments to [daraja]\n"
	      "business_shortcode since DATE (YYYY-MM-DD, Nairobi; default: the last 48\n"
	      "hours, what Daraja keeps), every page, and record each one the ledger does\n"
	      "not hold (matched by receipt) as its confirmation would have been. Running\n"
	      "it twice records nothing new. Daraja's \"no records\" is told apart from\n"
	      "\"not provisioned or not registered for Pull\". Exit 0 when Daraja answered,\n"
	      "78 when the app lacks the product or the shortcode is not provisioned, 31\n"
	      "when Daraja could not be reached.\n"
	      "\n"
	      "--receipt RECEIPT: look up the payment a customer shows the receipt of\n"
	      "(Transaction Status, a supervisor's query) and record it when it completed\n"
	      "to this shortcode. When it is one of our own M-Pesa charges paid without a\n"
	      "receipt (its callback lost), that charge gets the receipt instead; when\n"
	      "more than one charge could be it, nothing is recorded (exit 30, naming\n"
	      "them): --ref CHARGE (its id or account reference) says which one. Exit 0\n"
	      "when recorded or given (or already held), 64 when M-Pesa does not know it\n"
	      "or it is not a payment to us, 20 when no answer came.\n",
	      out);
}

static bool done(void *user)
{
	return app_reconcile_done(user);
}

/* "YYYY-MM-DD" (Nairobi midnight) into Unix ms; false when it is not one. */
static bool parse_day(const char *s, int64_t *ms)
{
	time_t t;
	if (!clock_parse_date_eat(s, &t))
		return false;
	*ms = (int64_t)t * 1000;
	return true;
}

static bool backfill_done(void *user)
{
	return app_backfill_done(user);
}

static const char *answer_name(enum app_backfill_answer a)
{
	switch (a) {
	case APP_BACKFILL_RECORDS:
		return "records";
	case APP_BACKFILL_NO_RECORDS:
		return "no_records";
	case APP_BACKFILL_NOT_PROVISIONED:
		return "not_provisioned";
	case APP_BACKFILL_NOT_SUBSCRIBED:
		return "not_subscribed";
	default:
		return "failed";
	}
}

static int reconcile_c2b(struct cli_act *c, const char *since, const char *until)
{
	int64_t from = 0, to = 0;
	if ((since && !parse_day(since, &from)) || (until && !parse_day(until, &to))) {
		fprintf(stderr, "mpesa-pos reconcile: --%s: \"%s\" is not a date; write "
		        "YYYY-MM-DD\n", since && !parse_day(since, &from) ? "since" : "until",
		        since && !parse_day(since, &from) ? since : until);
		return CLI_USAGE;
	}
	int rc = cli_act_open(c, false);
	if (rc != CLI_OK) {
		cli_act_close(c);
		return rc;
	}
	if (!since)
		from = clock_now_ms() - 48LL * 3600 * 1000;
	struct app_backfill *b = NULL;
	struct pos_err err;
	if (app_backfill_start(c->loop, from, to, &b, &err) != POS_OK) {
		rc = cli_report_error("reconcile", &err);
		cli_act_close(c);
		return rc;
	}
	long long limit_s = c->timeout_s ? c->timeout_s : 120;
	app_loop_run(c->loop, backfill_done, b, clock_mono_ms() + limit_s * 1000);
	const struct app_backfill_stats *s = app_backfill_stats(b);
	bool answered = app_backfill_done(b);
	enum app_backfill_answer ans = answered ? s->answer : APP_BACKFILL_FAILED;
	rc = !answered                                   ? CLI_PENDING
	     : ans == APP_BACKFILL_NOT_SUBSCRIBED ||
	               ans == APP_BACKFILL_NOT_PROVISIONED ? CLI_CONFIG
	     : ans == APP_BACKFILL_FAILED                ? cli_exit_for(app_backfill_error(b))
	                                                 : CLI_OK;
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddBoolToObject(o, "ok", rc == CLI_OK);
		cJSON_AddNumberToObject(o, "exit", rc);
		cJSON_AddStringToObject(o, "answer", answered ? answer_name(ans) : "no_answer");
		cJSON_AddNumberToObject(o, "pages", s->pages);
		cJSON_AddNumberToObject(o, "listed", (double)s->listed);
		cJSON_AddNumberToObject(o, "recorded", (double)s->recorded);
		cJSON_AddNumberToObject(o, "known", (double)s->known);
		cJSON_AddNumberToObject(o, "matched", (double)s->matched);
		cJSON_AddNumberToObject(o, "skipped", (double)s->skipped);
		cJSON_AddBoolToObject(o, "truncated", s->truncated);
		cJSON_AddStringToObject(o, "message", answered ? s->message
		                                               : "Daraja did not answer in time");
		char *text = cJSON_PrintUnformatted(o);
		if (text)
			printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
	}
	fprintf(stderr, "mpesa-pos reconcile: %s\n",
	        answered ? s->message : "Daraja did not answer in time; nothing was recorded");
	app_backfill_free(b);
	cli_act_close(c);
	return rc;
}

static void on_change(void *user, struct app_flow *f)
{
	(void)user;
	(void)f;
}

static bool flow_done(void *user)
{
	return app_flow_done(user);
}

static int reconcile_receipt(struct cli_act *c, const char *receipt, const char *charge_ref)
{
	int rc = cli_act_open(c, true);
	if (rc == CLI_OK)
		rc = cli_act_signin(c);
	if (rc != CLI_OK) {
		cli_act_close(c);
		return rc;
	}
	struct app_flow *f = NULL;
	struct pos_err err;
	if (app_status_start(c->loop, &c->op, receipt, on_change, NULL, &f, &err) != POS_OK) {
		rc = cli_report_error("reconcile", &err);
		cli_act_close(c);
		return rc;
	}
	long long limit_s = c->timeout_s ? c->timeout_s : 60;
	app_loop_run(c->loop, flow_done, f, clock_mono_ms() + limit_s * 1000);
	const struct store_txn *t = app_flow_txn(f);
	struct store_txn pay;
	enum app_receipt_outcome how = APP_RECEIPT_KNOWN;
	char note[700];
	if (t && t->kind != TXN_KIND_STATUS) {
		/* Already ours: status showed it from the ledger. */
		snprintf(note, sizeof note, "receipt %s is already in the ledger as %s",
		         receipt, t->public_id);
		rc = cli_report_txn("reconcile", t, note, NULL);
	} else if (!t || !app_flow_done(f)) {
		snprintf(note, sizeof note, "no answer about receipt %s came within %lld s%s",
		         receipt, limit_s, c->listening ? "" : " (a running serve records it)");
		pos_err_set(&err, POS_E_TIMEOUT, "receipt", "%s", note);
		rc = cli_report_error("reconcile", &err);
	} else if (app_receipt_record(c->app, t->id, receipt, charge_ref, &pay, &how, &err) ==
	           POS_OK) {
		if (how == APP_RECEIPT_GIVEN)
			snprintf(note, sizeof note, "receipt %s was given to charge %s (paid without a "
			         "receipt: its callback was lost); no paybill payment recorded", receipt,
			         pay.public_id);
		else
			snprintf(note, sizeof note, "receipt %s %s", receipt,
			         how == APP_RECEIPT_RECORDED ? "was found by Transaction Status and recorded"
			                                     : "is already in the ledger");
		rc = cli_report_txn("reconcile", &pay, note, NULL);
	} else {
		rc = cli_report_error("reconcile", &err);
	}
	app_flow_free(f);
	cli_act_close(c);
	return rc;
}

int cli_cmd_reconcile(const struct cli_globals *g, int argc, char **argv)
{
	struct cli_act c;
	bool c2b = false;
	const char *since = NULL, *until = NULL, *receipt = NULL, *charge_ref = NULL;
	cli_act_init(&c, g, "reconcile");
	for (int i = 1; i < argc; i++) {
		int taken = cli_act_option(&c, argc, argv, &i);
		if (taken < 0)
			return CLI_USAGE;
		if (taken)
			continue;
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--c2b") == 0) {
			c2b = true;
			continue;
		}
		const char **val = strcmp(argv[i], "--since") == 0     ? &since
		                   : strcmp(argv[i], "--until") == 0   ? &until
		                   : strcmp(argv[i], "--receipt") == 0 ? &receipt
		                   : strcmp(argv[i], "--ref") == 0     ? &charge_ref
		                                                       : NULL;
		if (val && i + 1 < argc) {
			*val = argv[++i];
			continue;
		}
		fprintf(stderr, "mpesa-pos reconcile: %s \"%s\"; run mpesa-pos reconcile --help\n",
		        val ? "a value is needed after" : "unknown argument", argv[i]);
		return CLI_USAGE;
	}
	if ((since || until) && !c2b) {
		fputs("mpesa-pos reconcile: --since and --until go with --c2b\n", stderr);
		return CLI_USAGE;
	}
	if (charge_ref && !receipt) {
		fputs("mpesa-pos reconcile: --ref goes with --receipt\n", stderr);
		return CLI_USAGE;
	}
	if (c2b && receipt) {
		fputs("mpesa-pos reconcile: --c2b and --receipt are separate runs\n", stderr);
		return CLI_USAGE;
	}
	if (c2b)
		return reconcile_c2b(&c, since, until);
	if (receipt)
		return reconcile_receipt(&c, receipt, charge_ref);
	int rc = cli_act_open(&c, true);
	if (rc != CLI_OK) {
		cli_act_close(&c);
		return rc;
	}
	struct app_reconcile *r = NULL;
	struct pos_err err;
	if (app_reconcile_start(c.loop, true, &r, &err) != POS_OK) {
		rc = cli_report_error("reconcile", &err);
		cli_act_close(&c);
		return rc;
	}
	long long limit_s = c.timeout_s ? c.timeout_s : 90;
	app_loop_run(c.loop, done, r, clock_mono_ms() + limit_s * 1000);

	struct app_reconcile_stats s;
	app_reconcile_stats(r, &s);
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = o ? cJSON_CreateArray() : NULL;
	for (size_t i = 0; arr && i < app_reconcile_count(r); i++) {
		const struct store_txn *t = app_reconcile_txn(r, i);
		char sentence[640];
		cJSON *x = cJSON_CreateObject();
		if (!x)
			break;
		cJSON_AddStringToObject(x, "txn", t->public_id);
		cJSON_AddStringToObject(x, "kind", txn_kind_name(t->kind));
		cJSON_AddStringToObject(x, "state", txn_state_name(t->state));
		if (t->receipt[0])
			cJSON_AddStringToObject(x, "receipt", t->receipt);
		cJSON_AddStringToObject(x, "message", app_txn_sentence(t, sentence, sizeof sentence));
		cJSON_AddItemToArray(arr, x);
	}
	if (o) {
		cJSON_AddBoolToObject(o, "ok", true);
		cJSON_AddNumberToObject(o, "exit", 0);
		cJSON_AddNumberToObject(o, "checked", (double)s.checked);
		cJSON_AddNumberToObject(o, "finished", (double)s.finished);
		cJSON_AddNumberToObject(o, "unresolved", (double)s.unresolved);
		cJSON_AddNumberToObject(o, "still_open", (double)s.still_open);
		cJSON_AddBoolToObject(o, "complete", app_reconcile_done(r));
		cJSON_AddItemToObject(o, "transactions", arr);
		arr = NULL;
	}
	cJSON_Delete(arr);
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	if (text)
		printf("%s\n", text);
	free(text);
	cJSON_Delete(o);
	fprintf(stderr, "mpesa-pos reconcile: %zu open transaction%s looked at: %zu settled, "
	        "%zu for a supervisor (unresolved or held), %zu still open%s\n", s.checked,
	        s.checked == 1 ? "" : "s", s.finished, s.unresolved, s.still_open,
	        app_reconcile_done(r) ? "" : " (stopped at the time limit)");
	app_reconcile_free(r);
	cli_act_close(&c);
	return CLI_OK;
}
