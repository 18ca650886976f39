/* app/batch.c: bulk payouts: the file checked, the batch recorded whole,
 * its rows sent once each at the shared rate, resumed after a crash, and
 * the report. app/batch.h says what each step promises. */
#include "app/batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_int.h"
#include "base/crypto.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "core/phone.h"

enum {
	PAGE = 256,
	IN_FLIGHT_MAX = 8,         /* requests sent, their answer not in yet */
	TRACK_MAX = 8,             /* rows of an earlier run followed at once */
	THROTTLED_RETRY_MS = 500,  /* the rate limit said wait: look again */
	IDLE_MS = 1000,            /* nothing to send: look again */
};
/* After the last row is sent, a parked row's own flow may still settle it
 * (a Transaction Status answer comes in seconds): the batch waits for it
 * this long at most, then finishes and lists it as unresolved. */
#define PARK_GRACE_MS ((int64_t)60000)

/* ---- checking the file --------------------------------------------------------- */

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

static enum pos_status read_file(const char *path, char **out, size_t *len,
                                 struct pos_err *err)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return pos_err_set(err, POS_E_IO, "file", "cannot open %s: %s", path,
		                   strerror(errno));
	char *buf = malloc(APP_BATCH_FILE_MAX + 1);
	if (!buf) {
		fclose(fp);
		return pos_err_set(err, POS_E_NOMEM, "file", NULL);
	}
	size_t n = fread(buf, 1, APP_BATCH_FILE_MAX + 1, fp);
	bool bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return pos_err_set(err, POS_E_IO, "file", "cannot read %s", path);
	}
	if (n > APP_BATCH_FILE_MAX) {
		free(buf);
		pos_err_set(err, POS_E_TOO_LONG, "file", "%s is over %d MiB: not a payout file",
		            path, APP_BATCH_FILE_MAX / (1024 * 1024));
		pos_err_hint(err, "split it: a batch holds at most %d rows", CSV_PAYOUT_ROWS_MAX);
		return POS_E_TOO_LONG;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return POS_OK;
}

static bool add_problem(struct app_batch_file *f, size_t *cap, size_t line,
                        const struct pos_err *e)
{
	if (!grow((void **)&f->bad, cap, f->n_bad + 1, sizeof *f->bad))
		return false;
	struct app_batch_problem *p = &f->bad[f->n_bad++];
	p->line = line;
	if (e->field[0])
		str_fmt(p->reason, sizeof p->reason, "%s: %s", e->field, e->msg);
	else
		str_fmt(p->reason, sizeof p->reason, "line %zu: %s", line, e->msg);
	return true;
}

enum pos_status app_batch_check(struct app *a, const char *path,
                                struct app_batch_file **out, struct pos_err *err)
{
	struct money_limits lim;
	char *data = NULL;
	size_t len = 0, pos = 0, rcap = 0, bcap = 0;
	enum pos_status rc;
	if (!path || !path[0])
		return pos_err_set(err, POS_E_EMPTY, "file", "give the CSV file of the payouts");
	if ((rc = read_file(path, &data, &len, err)) != POS_OK)
		return rc;
	struct app_batch_file *f = calloc(1, sizeof *f);
	limit_money(app_config(a), &lim);
	struct csv_payout *p = csv_payout_new(PHONE_DEFAULT_COUNTRY, CURRENCY_KES, &lim);
	if (!f || !p) {
		free(f);
		csv_payout_free(p);
		free(data);
		return pos_err_set(err, POS_E_NOMEM, "file", NULL);
	}
	str_copy(f->path, sizeof f->path, path);
	const char *slash = strrchr(path, '/');
	str_copy(f->name, sizeof f->name, slash ? slash + 1 : path);
	uint8_t sum[CRYPTO_SHA256_LEN];
	crypto_sha256(data, len, sum);
	crypto_hex(sum, sizeof sum, f->sha256);

	const char *line;
	size_t n;
	rc = POS_OK;
	while (rc == POS_OK && csv_next_line(data, len, &pos, &line, &n)) {
		enum csv_line_kind kind;
		struct csv_payout_row row;
		struct pos_err e;
		pos_err_clear(&e);
		enum pos_status lrc = csv_payout_line(p, line, n, &kind, &row, &e);
		f->lines++;
		if (kind != CSV_LINE_ROW)
			continue;
		if (lrc == POS_E_DUPLICATE && !e.msg[0])
			str_fmt(e.msg, sizeof e.msg, "the same phone and amount as line %zu: a "
			        "duplicate row", row.duplicate_of);
		if (lrc != POS_OK) {
			if (!add_problem(f, &bcap, row.line ? row.line : f->lines, &e))
				rc = pos_err_set(err, POS_E_NOMEM, "file", NULL);
			continue;
		}
		if (f->n_rows >= CSV_PAYOUT_ROWS_MAX) {
			rc = pos_err_set(err, POS_E_TOO_LONG, "file",
			                 "%s has more than %d rows: a batch holds at most that many",
			                 f->name, CSV_PAYOUT_ROWS_MAX);
			break;
		}
		if (!grow((void **)&f->rows, &rcap, f->n_rows + 1, sizeof *f->rows)) {
			rc = pos_err_set(err, POS_E_NOMEM, "file", NULL);
			break;
		}
		f->rows[f->n_rows++] = row;
		f->total_minor += row.amount;
	}
	csv_payout_free(p);
	free(data);
	if (rc == POS_OK && f->n_rows == 0 && f->n_bad == 0)
		rc = pos_err_set(err, POS_E_EMPTY, "file", "%s holds no payout row", f->name);
	if (rc != POS_OK) {
		app_batch_file_free(f);
		return rc;
	}
	*out = f;
	return POS_OK;
}

void app_batch_file_free(struct app_batch_file *f)
{
	if (!f)
		return;
	free(f->rows);
	free(f->bad);
	free(f);
}

bool app_batch_needs_approver(struct app *a, int64_t total_minor)
{
	return total_minor > app_config(a)->limits.approval_above * MONEY_SCALE;
}

/* ---- recording it ----------------------------------------------------------------- */

/* A random (version 4) UUID: each row's OriginatorConversationID. */
static enum pos_status row_uuid(char out[STORE_DARAJA_ID_MAX])
{
	uint8_t b[16];
	char hex[33];
	enum pos_status rc = crypto_random(b, sizeof b);
	if (rc != POS_OK)
		return rc;
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	crypto_hex(b, sizeof b, hex);
	str_fmt(out, STORE_DARAJA_ID_MAX, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
	        hex + 12, hex + 16, hex + 20);
	return POS_OK;
}

static enum pos_status may_pay(struct app *a, const struct app_operator *op,
                               struct pos_err *err)
{
	if (!op || op->id <= 0)
		return pos_err_set(err, POS_E_DENIED, "operator",
		                   "this needs a signed-in operator");
	enum pos_status rc = role_check(op->role, ROLE_ACT_PAYOUT, err);
	if (rc != POS_OK)
		flow_audit(a, op->id, "denied", "payout.batch", "%s (%s) tried to run a bulk payout",
		           op->name, role_name(op->role));
	return rc;
}

/* Fail every row of a batch not sent yet (nothing moved) with result code
 * `code`, because of why (a batch not approved, or cancelled). *failed
 * counts the rows failed so, *open those sent and not settled yet. */
static enum pos_status fail_rows(struct app *a, int64_t batch_id, const char *code,
                                 const struct pos_err *why, int64_t *failed, int64_t *open,
                                 struct pos_err *err)
{
	struct store_txn *rows = malloc(PAGE * sizeof *rows);
	enum pos_status rc = POS_OK;
	size_t n = 0;
	int64_t after = 0;
	*failed = *open = 0;
	if (!rows)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	do {
		if ((rc = store_batch_txns(app_store(a), batch_id, after, rows, PAGE, &n,
		                           err)) != POS_OK)
			break;
		for (size_t i = 0; i < n; i++) {
			after = rows[i].batch_row;
			if (rows[i].state == TXN_CREATED)
				flow_fail_unsent(a, &rows[i], code, why);
			if (rows[i].state == TXN_FAILED && str_eq(rows[i].result_code, code))
				(*failed)++;
			else if (!txn_state_is_terminal(rows[i].state))
				(*open)++;
		}
	} while (n == PAGE);
	free(rows);
	return rc;
}

/* The same file recorded before: refused, naming the batch (its date in
 * Nairobi, its rows and total), so that nobody is paid twice by mistake. */
enum pos_status app_batch_seen(struct app *a, const struct app_batch_file *f,
                               struct pos_err *err)
{
	struct store_batch b;
	const struct store_batch *before = &b;
	enum pos_status rc = store_batch_find_file(app_store(a), f->sha256, &b, err);
	if (rc == POS_E_NOT_FOUND) {
		pos_err_clear(err);
		return POS_OK;
	}
	if (rc != POS_OK)
		return rc;
	struct tm tm, now_tm;
	char when[32], pretty[MONEY_FMT_MAX];
	clock_eat_tm((time_t)(before->created_at / 1000), &tm);
	clock_eat_tm((time_t)(app_now_ms(a) / 1000), &now_tm);
	strftime(when, sizeof when, tm.tm_year == now_tm.tm_year ? "%b" : "%b %Y", &tm);
	money_format(before->total_minor, CURRENCY_KES, pretty, sizeof pretty);
	pos_err_set(err, POS_E_DUPLICATE, "file", "%s was already recorded as batch %lld on "
	            "%d %s (%lld row%s, %s)", f->name, (long long)before->id, tm.tm_mday, when,
	            (long long)before->row_count, before->row_count == 1 ? "" : "s", pretty);
	if (before->status == STORE_BATCH_DONE)
		pos_err_hint(err, "it is done (its report lists every row); use --again to pay the "
		             "same file a second time");
	else if (before->status == STORE_BATCH_CANCELLED)
		pos_err_hint(err, "it was cancelled after some of its rows were sent (its report "
		             "lists them); use --again to pay the same file a second time");
	else
		pos_err_hint(err, "use --resume %lld to go on with it, or --again to pay the same "
		             "file a second time", (long long)before->id);
	log_warn("batch", "%s (sha256 %.12s) refused: already batch %lld", f->name, f->sha256,
	         (long long)before->id);
	return POS_E_DUPLICATE;
}

enum pos_status app_batch_record(struct app *a, const struct app_operator *op,
                                 const struct app_batch_file *f,
                                 const struct app_batch_req *rq,
                                 int64_t *batch_id, struct pos_err *err)
{
	const struct config *cfg = app_config(a);
	enum fields_b2c_command cmd;
	enum pos_status rc;
	char pretty[MONEY_FMT_MAX];
	const char *remarks = rq->remarks && rq->remarks[0] ? rq->remarks : "Payout";

	if ((rc = may_pay(a, op, err)) != POS_OK)
		return rc;
	if (f->n_bad) {
		pos_err_set(err, POS_E_INVALID, "file",
		            "%s has %zu bad row%s (the first on line %zu): nothing was recorded",
		            f->name, f->n_bad, f->n_bad == 1 ? "" : "s", f->bad[0].line);
		pos_err_hint(err, "correct the rows the report lists, then load the file again");
		return POS_E_INVALID;
	}
	if (!f->n_rows)
		return pos_err_set(err, POS_E_EMPTY, "file", "%s holds no payout row", f->name);
	struct store_batch before;
	bool repeat = store_batch_find_file(app_store(a), f->sha256, &before, NULL) == POS_OK;
	if (repeat && !rq->again)
		return app_batch_seen(a, f, err);
	if ((rc = fields_b2c_command_parse(rq->command && rq->command[0]
	                                           ? rq->command
	                                           : cfg->daraja.b2c_command_id,
	                                   &cmd, err)) != POS_OK ||
	    (rc = fields_check_remarks(remarks, true, err)) != POS_OK)
		return rc;
	/* The daily limit and the second approver, on the batch's total. */
	if ((rc = limit_payout(a, op, rq->approver, f->total_minor, err)) != POS_OK) {
		if (rc == POS_E_DENIED)
			flow_audit(a, op->id, "denied", "payout.batch", "%s", err ? err->msg : "");
		return rc;
	}
	if (!app_daraja(a, err))
		return err ? err->code : POS_E_CONFIG;

	struct store_txn_new *in = calloc(f->n_rows, sizeof *in);
	char (*ids)[STORE_DARAJA_ID_MAX] = calloc(f->n_rows, sizeof *ids);
	char (*details)[160] = calloc(f->n_rows, sizeof *details);
	if (!in || !ids || !details) {
		free(in);
		free(ids);
		free(details);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	rc = POS_OK;
	for (size_t i = 0; i < f->n_rows && rc == POS_OK; i++) {
		const struct csv_payout_row *r = &f->rows[i];
		if ((rc = row_uuid(ids[i])) != POS_OK) {
			pos_err_set(err, rc, NULL, "no random numbers for the payouts' ids");
			break;
		}
		str_fmt(details[i], sizeof details[i], "bulk payout: line %zu of %s%s%s",
		        r->line, f->name, r->name[0] ? ", to " : "", r->name);
		in[i] = (struct store_txn_new){
			.kind = TXN_KIND_B2C,
			.amount_minor = r->amount,
			.msisdn = r->msisdn,
			.description = r->remarks[0] ? r->remarks : remarks,
			.command_id = fields_b2c_command_name(cmd),
			.originator_conversation_id = ids[i],
			.till_id = cfg->till.id,
			.shortcode = cfg->daraja.b2c_shortcode,
			.operator_id = op->id,
			.approver_id = rq->approver ? rq->approver->id : 0,
			.detail = details[i],
		};
	}
	int64_t id = 0;
	if (rc == POS_OK)
		rc = store_batch_create_rows(app_store(a), f->name, f->sha256, op->id, in,
		                             f->n_rows, &id, err);
	free(in);
	free(ids);
	free(details);
	if (rc != POS_OK)
		return rc;
	rc = rq->approver ? store_batch_approve(app_store(a), id, rq->approver->id, err)
	                  : store_batch_confirm(app_store(a), id, err);
	if (rc != POS_OK) {
		int64_t failed, open;
		(void)store_batch_set_status(app_store(a), id, STORE_BATCH_CANCELLED, NULL);
		(void)fail_rows(a, id, "local:not-approved", err, &failed, &open, NULL);
		return rc;
	}
	money_format(f->total_minor, CURRENCY_KES, pretty, sizeof pretty);
	char subject[32];
	str_fmt(subject, sizeof subject, "batch %lld", (long long)id);
	flow_audit(a, op->id, "payout.batch", subject, "%zu payouts, %s in all (%s), from %s "
	           "(sha256 %.12s)%s", f->n_rows, pretty, fields_b2c_command_name(cmd), f->name,
	           f->sha256, rq->approver ? ", approved by a second operator" : "");
	if (repeat)
		flow_audit(a, op->id, "payout.batch.again", subject, "the same file (sha256 %.12s) "
		           "as batch %lld, paid again on purpose by %s", f->sha256,
		           (long long)before.id, op->name);
	if (rq->approver)
		flow_audit(a, rq->approver->id, "payout.batch.approve", subject,
		           "%zu payouts, %s in all, approved by %s", f->n_rows, pretty,
		           rq->approver->name);
	log_info("batch", "batch %lld: %zu rows, %s, recorded by operator %lld", (long long)id,
	         f->n_rows, pretty, (long long)op->id);
	*batch_id = id;
	return POS_OK;
}

enum pos_status app_batch_open(struct app *a, struct store_batch *out, size_t cap,
                               size_t *n, struct pos_err *err)
{
	return store_batch_list(app_store(a), STORE_BATCH_RUNNING, out, cap, n, err);
}

/* Pause a running batch in the ledger, or let it go on; audited. */
static enum pos_status set_paused(struct app *a, const struct app_operator *op,
                                  int64_t batch_id, bool paused, const char *seen,
                                  struct pos_err *err)
{
	enum pos_status rc = store_batch_pause(app_store(a), batch_id, paused ? op->id : 0, err);
	if (rc != POS_OK)
		return rc;
	char subject[32];
	str_fmt(subject, sizeof subject, "batch %lld", (long long)batch_id);
	flow_audit(a, op->id, paused ? "payout.batch.pause" : "payout.batch.continue", subject,
	           "%s by %s%s%s", paused ? "paused" : "goes on", op->name, seen[0] ? ": " : "",
	           seen);
	return POS_OK;
}

/* ---- running it ------------------------------------------------------------------- */

struct app_batch {
	struct app_loop *loop;
	struct app *app;
	struct app_operator op;
	int64_t id;
	struct store_batch rec;
	char report_dir[1024];
	char csv[1100], txt[1100];
	size_t n;
	int64_t *txn_id;           /* by row index (batch_row - 1) */
	enum txn_state *state;
	int64_t *amount;
	struct app_flow **flow;    /* the row's flow, if one runs */
	/* The rows with a flow (live[0..n_live)), so that a step looks at those
	 * only, not at every row; how many of them follow a row of an earlier
	 * run (tracked[i]), at most TRACK_MAX, the others waiting their turn
	 * in pending[pend_head..pend_tail). */
	size_t *live, n_live, *pending, pend_head, pend_tail, n_tracking;
	bool *tracked;
	size_t next;               /* the next row to look at for sending */
	uint64_t timer, watch, notify_timer;
	bool paused, cancelled, finished, stepping;
	int64_t sent, first_send_mono, last_send_mono, dispatched_mono;
	/* This run's own minute: the monotonic times of its last sends (a
	 * ring of per_minute), so that no 60 s hold more than per_minute of
	 * them whatever the rows' creation times (see minute_wait). */
	int64_t *sent_at;
	size_t per_minute, ring_next;
	char note[256];
	app_batch_fn fn;
	void *user;
};

static void batch_step(void *user);

static void batch_notify_cb(void *user)
{
	struct app_batch *b = user;
	b->notify_timer = 0;
	if (b->fn)
		b->fn(b->user, b);
}

static void batch_changed(struct app_batch *b)
{
	if (!b->notify_timer)
		b->notify_timer = app_loop_timer(b->loop, 0, batch_notify_cb, b);
}

static void batch_schedule(struct app_batch *b, int64_t ms)
{
	app_loop_cancel(b->loop, b->timer);
	b->timer = app_loop_timer(b->loop, ms, batch_step, b);
}

static ssize_t row_of(const struct app_batch *b, int64_t txn_id)
{
	size_t lo = 0, hi = b->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (b->txn_id[mid] == txn_id)
			return (ssize_t)mid;
		if (b->txn_id[mid] < txn_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool is_parked(enum txn_state s)
{
	return s == TXN_UNKNOWN || s == TXN_UNRESOLVED || s == TXN_REVIEW;
}

/* A row's flow changed: note its state; the step frees finished flows. */
static void on_row_flow(void *user, struct app_flow *f)
{
	struct app_batch *b = user;
	const struct store_txn *t = app_flow_txn(f);
	if (t) {
		ssize_t i = row_of(b, t->id);
		if (i >= 0)
			b->state[i] = t->state;
	}
	batch_changed(b);
	if (app_flow_done(f) || (t && t->state != TXN_SENT && t->state != TXN_CREATED))
		batch_schedule(b, 0);
}

static void on_watch(void *user, int64_t txn_id)
{
	struct app_batch *b = user;
	struct store_txn t;
	if (txn_id) {
		ssize_t i = row_of(b, txn_id);
		if (i >= 0 && !b->flow[i] &&
		    store_txn_get(app_store(b->app), txn_id, &t, NULL) == POS_OK &&
		    t.state != b->state[i]) {
			b->state[i] = t.state;
			batch_changed(b);
		}
		return;
	}
	/* The tick: rows settled elsewhere (serve, reconcile) while parked. */
	for (size_t i = 0; i < b->next && i < b->n; i++) {
		if (b->flow[i] || txn_state_is_terminal(b->state[i]))
			continue;
		if (store_txn_get(app_store(b->app), b->txn_id[i], &t, NULL) == POS_OK &&
		    t.state != b->state[i]) {
			b->state[i] = t.state;
			batch_changed(b);
		}
	}
}

/* Follow a row that left `created` in an earlier run (or elsewhere): its
 * outcome comes from its result or Transaction Status, never a resend. */
static void add_flow(struct app_batch *b, size_t i, struct app_flow *f, bool tracking)
{
	b->flow[i] = f;
	b->live[b->n_live++] = i;
	b->tracked[i] = tracking;
	if (tracking)
		b->n_tracking++;
}

static void track_row(struct app_batch *b, size_t i)
{
	struct pos_err e;
	struct app_flow *f;
	if (b->n_tracking >= TRACK_MAX) {
		/* A resumed batch of many open rows: each waits its turn, so that
		 * they do not all ask Transaction Status at once. */
		b->pending[b->pend_tail++] = i;
		return;
	}
	(void)store_txn_schedule(app_store(b->app), b->txn_id[i], 0, 0, NULL);
	if (app_track_start(b->loop, b->txn_id[i], on_row_flow, b, &f, &e) == POS_OK)
		add_flow(b, i, f, true);
	else
		log_warn("batch", "batch %lld row %zu: cannot follow it: %s", (long long)b->id,
		         i + 1, e.msg);
}

/* How long until this run may send again within [limits] b2c_per_minute:
 * 0 when fewer than per_minute of its sends are in the last 60 s. The
 * shared limit (limit_rate: the bucket every process takes from, and the
 * ledger's window) is judged too; its window counts requests by their
 * record's creation, which for a batch row is the batch's, so the run
 * keeps its own minute as well. */
static int64_t minute_wait(const struct app_batch *b)
{
	if (!b->per_minute || !b->sent_at)
		return 0;
	int64_t oldest = b->sent_at[b->ring_next]; /* the per_minute-th last send */
	if (!oldest)
		return 0;
	int64_t wait = oldest + 60000 - app_mono_ms();
	return wait > 0 ? wait : 0;
}

/* Send row i (in `created`): claim it (created -> sent, refused if another
 * process claimed it first), then the one request. */
static void send_row(struct app_batch *b, size_t i, struct store_txn *t)
{
	struct app *a = b->app;
	struct pos_err e;
	char detail[96];
	enum fields_b2c_command cmd;
	str_fmt(detail, sizeof detail, "batch %lld row %zu: sending", (long long)b->id, i + 1);
	const struct store_txn_change ch = {
		.check_from = true, .from = TXN_CREATED, .to = TXN_SENT,
		.actor = TXN_BY_SYSTEM, .operator_id = b->op.id,
		.what = "request", .detail = detail,
	};
	if (store_txn_transition(app_store(a), t->id, &ch, t, &e) != POS_OK) {
		/* Another run took it (or it moved on): follow it instead. */
		if (store_txn_get(app_store(a), t->id, t, NULL) == POS_OK)
			b->state[i] = t->state;
		if (!txn_state_is_terminal(b->state[i]))
			track_row(b, i);
		return;
	}
	b->state[i] = TXN_SENT;
	if (fields_b2c_command_parse(t->command_id, &cmd, &e) != POS_OK)
		cmd = FIELDS_B2C_BUSINESS;
	struct app_flow *f;
	if (flow_new(b->loop, APP_FLOW_PAYOUT, &b->op, on_row_flow, b, &f, &e) != POS_OK) {
		flow_fail_unsent(a, t, "local:nomem", &e);
		b->state[i] = t->state;
		return;
	}
	/* Off the due list until its answer could be overdue or its first
	 * Transaction Status due, whichever comes first (measured from now,
	 * not from the batch's recording): a reconcile elsewhere leaves it to
	 * this flow until then. */
	int64_t due = f->tm.sent_stale_ms < f->tm.status_at_ms[0] ? f->tm.sent_stale_ms
	                                                           : f->tm.status_at_ms[0];
	(void)store_txn_schedule(app_store(a), t->id, 0,
	                         app_now_ms(a) + due + f->tm.query_slack_ms, NULL);
	f->txn = *t;
	f->txn_id = t->id;
	f->have_txn = true;
	add_flow(b, i, f, false);
	b->sent++;
	b->last_send_mono = app_mono_ms();
	if (b->sent_at) {
		b->sent_at[b->ring_next] = b->last_send_mono;
		b->ring_next = (b->ring_next + 1) % b->per_minute;
	}
	if (!b->first_send_mono)
		b->first_send_mono = b->last_send_mono;
	b2c_send(f, cmd, t->description, NULL);
	b->state[i] = f->txn.state;
}

/* Requests of this run whose answer is not in yet (a scan of the live
 * flows only). */
static size_t in_flight(const struct app_batch *b)
{
	size_t k = 0;
	for (size_t j = 0; j < b->n_live; j++)
		if (b->state[b->live[j]] == TXN_SENT && !b->tracked[b->live[j]])
			k++;
	return k;
}

static void batch_finish(struct app_batch *b)
{
	struct pos_err e;
	b->finished = true;
	app_loop_cancel(b->loop, b->timer);
	b->timer = 0;
	if (store_batch_get(app_store(b->app), b->id, &b->rec, NULL) == POS_OK &&
	    b->rec.status == STORE_BATCH_RUNNING &&
	    store_batch_set_status(app_store(b->app), b->id, STORE_BATCH_DONE, &e) != POS_OK)
		log_warn("batch", "batch %lld: %s", (long long)b->id, e.msg);
	if (b->report_dir[0] &&
	    app_batch_report(b->app, b->id, b->report_dir, b->csv, sizeof b->csv, b->txt,
	                     sizeof b->txt, &e) != POS_OK)
		str_fmt(b->note, sizeof b->note, "the report could not be written: %s", e.msg);
	char subject[32];
	str_fmt(subject, sizeof subject, "batch %lld", (long long)b->id);
	flow_audit(b->app, b->op.id, "payout.batch.done", subject, "%lld requests sent in this run",
	           (long long)b->sent);
	batch_changed(b);
}

static void batch_step(void *user)
{
	struct app_batch *b = user;
	struct app *a = b->app;
	b->timer = 0;
	if (b->finished || b->stepping)
		return;
	b->stepping = true;
	/* Free the flows that are done (never inside their own callback). */
	for (size_t j = b->n_live; j-- > 0;) {
		size_t i = b->live[j];
		const struct store_txn *t = app_flow_txn(b->flow[i]);
		if (t)
			b->state[i] = t->state;
		if (app_flow_done(b->flow[i])) {
			app_flow_free(b->flow[i]);
			b->flow[i] = NULL;
			if (b->tracked[i])
				b->n_tracking--;
			b->live[j] = b->live[--b->n_live];
		}
	}
	/* Rows waiting to be followed, as the followed ones settle. */
	while (b->pend_head < b->pend_tail && b->n_tracking < TRACK_MAX) {
		size_t i = b->pending[b->pend_head++];
		struct store_txn t;
		if (store_txn_get(app_store(a), b->txn_id[i], &t, NULL) == POS_OK)
			b->state[i] = t.state;
		if (!txn_state_is_terminal(b->state[i]) && !b->flow[i])
			track_row(b, i);
	}
	/* The pause and a cancel live in the ledger: another process (the
	 * console, payout-batch --pause or --cancel) may have set them. */
	struct store_batch rec;
	if (store_batch_get(app_store(a), b->id, &rec, NULL) == POS_OK) {
		bool paused = rec.status == STORE_BATCH_RUNNING && rec.paused_at != 0;
		if (paused != b->paused)
			batch_changed(b);
		b->paused = paused;
		b->cancelled = rec.status == STORE_BATCH_CANCELLED;
	}
	int64_t wait = IDLE_MS;
	while (!b->paused && b->next < b->n && in_flight(b) < IN_FLIGHT_MAX) {
		size_t i = b->next;
		struct store_txn t;
		struct pos_err e;
		if (store_txn_get(app_store(a), b->txn_id[i], &t, &e) != POS_OK) {
			str_fmt(b->note, sizeof b->note, "%s", e.msg);
			break;
		}
		b->state[i] = t.state;
		if (t.state != TXN_CREATED) {
			if (!txn_state_is_terminal(t.state) && !b->flow[i])
				track_row(b, i);
			b->next++;
			continue;
		}
		if (b->cancelled) {
			/* Its canceller is failing the rows not sent: wait for it. */
			str_copy(b->note, sizeof b->note, "the batch was cancelled: no row is sent "
			         "any more; those sent go on resolving");
			break;
		}
		int64_t mw = minute_wait(b);
		if (mw > 0) {
			str_fmt(b->note, sizeof b->note, "[limits] b2c_per_minute: %zu a minute sent; "
			        "the next in %lld s", b->per_minute, (long long)((mw + 999) / 1000));
			wait = mw < IDLE_MS ? mw : IDLE_MS;
			break;
		}
		/* The shared limit judges the request now, not the batch's record. */
		struct store_txn now_view = t;
		now_view.created_at = app_now_ms(a);
		int64_t lw = 0;
		enum pos_status lrc = limit_rate_wait(a, &now_view, &lw, &e);
		if (lrc == POS_E_THROTTLED) {
			/* Not a refusal: the batch sends the row once the limit allows. */
			str_fmt(b->note, sizeof b->note, "waiting for %s: the next payout in %lld s "
			        "(the batch goes on by itself)", e.field, (long long)((lw + 999) / 1000));
			wait = THROTTLED_RETRY_MS;
			break;
		}
		if (lrc != POS_OK) {
			str_fmt(b->note, sizeof b->note, "%s", e.msg);
			wait = THROTTLED_RETRY_MS;
			break;
		}
		b->note[0] = '\0';
		send_row(b, i, &t);
		b->next++;
		batch_changed(b);
	}
	if (b->next >= b->n && !b->dispatched_mono)
		b->dispatched_mono = app_mono_ms();
	if (b->next >= b->n) {
		bool open = false, parked_live = false;
		for (size_t i = 0; i < b->n; i++) {
			enum txn_state s = b->state[i];
			if (s == TXN_CREATED || s == TXN_SENT || s == TXN_AWAITING)
				open = true;
			else if (is_parked(s) && b->flow[i])
				parked_live = true;
		}
		if (b->pend_head < b->pend_tail)
			parked_live = true;
		if (!open && (!parked_live ||
		              app_mono_ms() - b->dispatched_mono >= PARK_GRACE_MS)) {
			b->stepping = false;
			batch_finish(b);
			return;
		}
	}
	b->stepping = false;
	batch_schedule(b, b->paused ? IDLE_MS : wait);
}

static enum pos_status load_rows(struct app_batch *b, struct pos_err *err)
{
	struct store_txn *rows = malloc(PAGE * sizeof *rows);
	size_t n = 0, k = 0;
	int64_t after = 0;
	enum pos_status rc = POS_OK;
	if (!rows)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	do {
		if ((rc = store_batch_txns(app_store(b->app), b->id, after, rows, PAGE, &n,
		                           err)) != POS_OK)
			break;
		for (size_t i = 0; i < n && k < b->n; i++, k++) {
			b->txn_id[k] = rows[i].id;
			b->state[k] = rows[i].state;
			b->amount[k] = rows[i].amount_minor;
			after = rows[i].batch_row;
		}
	} while (n == PAGE && k < b->n);
	free(rows);
	if (rc == POS_OK && k != b->n)
		rc = pos_err_set(err, POS_E_STORE, "batch", "batch %lld should have %zu rows and "
		                 "has %zu", (long long)b->id, b->n, k);
	return rc;
}

enum pos_status app_batch_run(struct app_loop *l, const struct app_operator *op,
                              int64_t batch_id, const char *report_dir,
                              app_batch_fn fn, void *user, struct app_batch **out,
                              struct pos_err *err)
{
	struct app *a = app_loop_app(l);
	struct store_batch rec;
	enum pos_status rc;
	if ((rc = may_pay(a, op, err)) != POS_OK ||
	    (rc = store_batch_get(app_store(a), batch_id, &rec, err)) != POS_OK)
		return rc;
	if (rec.status != STORE_BATCH_APPROVED && rec.status != STORE_BATCH_RUNNING)
		return pos_err_set(err, POS_E_STATE, "batch", "batch %lld is %s: only an approved "
		                   "or running batch can be run", (long long)batch_id,
		                   store_batch_status_name(rec.status));
	if (!app_daraja(a, err))
		return err ? err->code : POS_E_CONFIG;
	struct app_batch *b = calloc(1, sizeof *b);
	if (!b)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	b->loop = l;
	b->app = a;
	b->op = *op;
	b->id = batch_id;
	b->rec = rec;
	b->fn = fn;
	b->user = user;
	b->n = (size_t)rec.row_count;
	if (report_dir)
		str_copy(b->report_dir, sizeof b->report_dir, report_dir);
	b->txn_id = calloc(b->n + 1, sizeof *b->txn_id);
	b->state = calloc(b->n + 1, sizeof *b->state);
	b->amount = calloc(b->n + 1, sizeof *b->amount);
	b->flow = calloc(b->n + 1, sizeof *b->flow);
	b->live = calloc(b->n + 1, sizeof *b->live);
	b->pending = calloc(b->n + 1, sizeof *b->pending);
	b->tracked = calloc(b->n + 1, sizeof *b->tracked);
	if (!b->txn_id || !b->state || !b->amount || !b->flow || !b->live || !b->pending ||
	    !b->tracked) {
		app_batch_free(b);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	if ((rc = load_rows(b, err)) != POS_OK) {
		app_batch_free(b);
		return rc;
	}
	int64_t pm = app_config(a)->limits.b2c_per_minute;
	b->per_minute = pm < 1 ? 1 : (size_t)pm < b->n ? (size_t)pm : b->n;
	b->sent_at = calloc(b->per_minute, sizeof *b->sent_at);
	if (!b->sent_at) {
		app_batch_free(b);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	char subject[32];
	str_fmt(subject, sizeof subject, "batch %lld", (long long)batch_id);
	if (rec.status == STORE_BATCH_APPROVED) {
		if ((rc = store_batch_set_status(app_store(a), batch_id, STORE_BATCH_RUNNING,
		                                 err)) != POS_OK) {
			app_batch_free(b);
			return rc;
		}
		flow_audit(a, op->id, "payout.batch.run", subject, "%zu rows", b->n);
	} else {
		flow_audit(a, op->id, "payout.batch.resume", subject, "resumed by %s", op->name);
		log_info("batch", "batch %lld: resuming", (long long)batch_id);
		/* Named to run: a pause kept in the ledger ends here. */
		if (rec.paused_at && set_paused(a, op, batch_id, false, "", err) != POS_OK) {
			app_batch_free(b);
			return err ? err->code : POS_E_STORE;
		}
	}
	b->watch = app_loop_watch(l, on_watch, b);
	batch_schedule(b, 0);
	*out = b;
	return POS_OK;
}

void app_batch_pause(struct app_batch *b, bool paused)
{
	struct pos_err e;
	char seen[64];
	if (b->paused == paused || b->finished)
		return;
	str_fmt(seen, sizeof seen, "%zu of %zu rows looked at", b->next, b->n);
	if (set_paused(b->app, &b->op, b->id, paused, seen, &e) != POS_OK)
		str_copy(b->note, sizeof b->note, e.msg);
	else
		b->paused = paused;
	batch_schedule(b, 0);
	batch_changed(b);
}

enum pos_status app_batch_set_paused(struct app *a, const struct app_operator *op,
                                     int64_t batch_id, bool paused, struct pos_err *err)
{
	enum pos_status rc = may_pay(a, op, err);
	return rc != POS_OK ? rc : set_paused(a, op, batch_id, paused, "", err);
}

enum pos_status app_batch_cancel(struct app *a, const struct app_operator *op,
                                 int64_t batch_id, int64_t *not_sent, int64_t *open,
                                 struct pos_err *err)
{
	struct store_batch rec;
	enum pos_status rc;
	*not_sent = *open = 0;
	if ((rc = may_pay(a, op, err)) != POS_OK ||
	    (rc = store_batch_get(app_store(a), batch_id, &rec, err)) != POS_OK)
		return rc;
	/* First the batch (no run starts or sends any more), then its rows:
	 * each row is claimed created -> failed, so a run sending at the same
	 * moment either sent it first (it resolves) or finds it failed. */
	if ((rc = store_batch_set_status(app_store(a), batch_id, STORE_BATCH_CANCELLED,
	                                 err)) != POS_OK)
		return rc;
	struct pos_err why;
	pos_err_set(&why, POS_E_STATE, "batch", "batch %lld was cancelled by %s; nothing moved",
	            (long long)batch_id, op->name);
	rc = fail_rows(a, batch_id, "local:cancelled", &why, not_sent, open, err);
	char subject[32];
	str_fmt(subject, sizeof subject, "batch %lld", (long long)batch_id);
	flow_audit(a, op->id, "payout.batch.cancel", subject, "cancelled by %s (it was %s): %lld "
	           "rows not sent failed as local:cancelled (nothing moved), %lld sent go on "
	           "resolving", op->name, store_batch_status_name(rec.status),
	           (long long)*not_sent, (long long)*open);
	log_info("batch", "batch %lld cancelled by operator %lld", (long long)batch_id,
	         (long long)op->id);
	return rc;
}

bool app_batch_done(const struct app_batch *b)
{
	return b->finished;
}

void app_batch_progress(const struct app_batch *b, struct app_batch_progress *o)
{
	memset(o, 0, sizeof *o);
	o->batch_id = b->id;
	o->rows = (int64_t)b->n;
	for (size_t i = 0; i < b->n; i++) {
		o->total_minor += b->amount[i];
		switch (b->state[i]) {
		case TXN_CREATED: o->waiting++; break;
		case TXN_SENT: o->in_flight++; break;
		case TXN_AWAITING: o->awaiting++; break;
		case TXN_COMPLETED:
			o->paid++;
			o->paid_minor += b->amount[i];
			break;
		case TXN_UNKNOWN:
		case TXN_UNRESOLVED:
		case TXN_REVIEW: o->parked++; break;
		default: o->failed++; break;
		}
	}
	o->sent_this_run = b->sent;
	int64_t span = b->last_send_mono - b->first_send_mono;
	if (b->sent >= 2 && span > 0)
		o->per_minute = (double)(b->sent - 1) * 60000.0 / (double)span;
	double limit = (double)app_config(b->app)->limits.b2c_per_minute;
	double rate = o->per_minute > 0 && o->per_minute < limit ? o->per_minute : limit;
	o->eta_s = rate > 0 ? (int64_t)((double)o->waiting * 60.0 / rate + 0.5) : -1;
	o->paused = b->paused;
	o->finished = b->finished;
	str_copy(o->note, sizeof o->note, b->note);
}

const char *app_batch_report_csv(const struct app_batch *b)
{
	return b->csv;
}

const char *app_batch_report_txt(const struct app_batch *b)
{
	return b->txt;
}

void app_batch_free(struct app_batch *b)
{
	if (!b)
		return;
	if (b->loop) {
		app_loop_cancel(b->loop, b->timer);
		app_loop_cancel(b->loop, b->notify_timer);
		app_loop_unwatch(b->loop, b->watch);
	}
	for (size_t i = 0; b->flow && i < b->n; i++)
		app_flow_free(b->flow[i]);
	free(b->flow);
	free(b->live);
	free(b->pending);
	free(b->tracked);
	free(b->sent_at);
	free(b->txn_id);
	free(b->state);
	free(b->amount);
	free(b);
}

/* ---- the report ----------------------------------------------------------------- */

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_put(FILE *fp, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', fp);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', fp);
			fputc(*s == '\r' || *s == '\n' ? ' ' : *s, fp);
		}
		fputc('"', fp);
	} else {
		fputs(s, fp);
	}
	fputc(last ? '\n' : ',', fp);
}

static const char *outcome_word(enum txn_state s)
{
	switch (s) {
	case TXN_COMPLETED: return "paid";
	case TXN_FAILED:
	case TXN_CANCELLED:
	case TXN_TIMED_OUT: return "failed";
	case TXN_CREATED: return "not sent";
	default: return "unresolved";
	}
}

static FILE *open_tmp(const char *path, char *tmp, size_t tmpsz, struct pos_err *err)
{
	str_fmt(tmp, tmpsz, "%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	if (!fp)
		pos_err_set(err, POS_E_IO, "report", "cannot write %s: %s", tmp, strerror(errno));
	return fp;
}

static enum pos_status close_tmp(FILE *fp, const char *tmp, const char *path,
                                 struct pos_err *err)
{
	bool bad = ferror(fp) != 0;
	if (fclose(fp) != 0 || bad || rename(tmp, path) != 0) {
		remove(tmp);
		return pos_err_set(err, POS_E_IO, "report", "cannot write %s", path);
	}
	return POS_OK;
}

enum pos_status app_batch_report(struct app *a, int64_t batch_id, const char *dir,
                                 char *csv, size_t csvsz, char *txt, size_t txtsz,
                                 struct pos_err *err)
{
	struct store_batch rec;
	enum pos_status rc;
	char tcsv[1200], ttxt[1200];
	if ((rc = store_batch_get(app_store(a), batch_id, &rec, err)) != POS_OK)
		return rc;
	str_fmt(csv, csvsz, "%s/batch-%lld-report.csv", dir, (long long)batch_id);
	str_fmt(txt, txtsz, "%s/batch-%lld-report.txt", dir, (long long)batch_id);
	FILE *fc = open_tmp(csv, tcsv, sizeof tcsv, err);
	if (!fc)
		return POS_E_IO;
	FILE *ft = open_tmp(txt, ttxt, sizeof ttxt, err);
	if (!ft) {
		fclose(fc);
		remove(tcsv);
		return POS_E_IO;
	}
	fputs("row,txn,phone,amount,outcome,state,receipt,recipient,result_code,result\n", fc);
	struct store_txn *rows = malloc(PAGE * sizeof *rows);
	int64_t count[3] = {0, 0, 0}, sum[3] = {0, 0, 0};
	size_t n = 0, n_open = 0;
	int64_t after = 0;
	char amt[MONEY_FMT_MAX], pretty[PHONE_PRETTY_MAX], num[32];
	struct {
		int64_t row;
		char id[STORE_PUBLIC_ID_MAX];
		enum txn_state st;
	} open_rows[64];
	rc = rows ? POS_OK : pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	while (rc == POS_OK) {
		if ((rc = store_batch_txns(app_store(a), batch_id, after, rows, PAGE, &n, err)) != POS_OK)
			break;
		for (size_t i = 0; i < n; i++) {
			const struct store_txn *t = &rows[i];
			after = t->batch_row;
			const char *w = outcome_word(t->state);
			int k = t->state == TXN_COMPLETED ? 0 : txn_state_is_terminal(t->state) ? 1 : 2;
			count[k]++;
			sum[k] += t->amount_minor;
			if (k == 2 && n_open < 64) {
				open_rows[n_open].row = t->batch_row;
				str_copy(open_rows[n_open].id, sizeof open_rows[n_open].id, t->public_id);
				open_rows[n_open].st = t->state;
			}
			if (k == 2)
				n_open++;
			str_fmt(num, sizeof num, "%lld", (long long)t->batch_row);
			csv_put(fc, num, false);
			csv_put(fc, t->public_id, false);
			csv_put(fc, t->msisdn, false);
			str_fmt(num, sizeof num, "%lld", (long long)(t->amount_minor / MONEY_SCALE));
			csv_put(fc, num, false);
			csv_put(fc, w, false);
			csv_put(fc, txn_state_name(t->state), false);
			csv_put(fc, t->receipt, false);
			csv_put(fc, t->payer_name, false);
			csv_put(fc, t->result_code, false);
			csv_put(fc, t->result_desc, true);
		}
		if (n < PAGE)
			break;
	}
	free(rows);
	if (rc != POS_OK) {
		fclose(fc);
		fclose(ft);
		remove(tcsv);
		remove(ttxt);
		return rc;
	}
	money_format(rec.total_minor, CURRENCY_KES, amt, sizeof amt);
	fprintf(ft, "Bulk payout batch %lld: %s\n", (long long)batch_id, rec.file_name);
	fprintf(ft, "File SHA-256: %s\n", rec.file_sha256);
	fprintf(ft, "Status: %s\n", store_batch_status_name(rec.status));
	fprintf(ft, "Rows: %lld, total %s\n", (long long)rec.row_count, amt);
	if (rec.approved_by)
		fprintf(ft, "Recorded by operator %lld, approved by operator %lld\n",
		        (long long)rec.created_by, (long long)rec.approved_by);
	else
		fprintf(ft, "Recorded and approved by operator %lld\n", (long long)rec.created_by);
	static const char *const label[3] = {"Paid", "Failed (nothing moved)", "Unresolved"};
	for (int k = 0; k < 3; k++) {
		money_format(sum[k], CURRENCY_KES, amt, sizeof amt);
		fprintf(ft, "%-24s %6lld  %s\n", label[k], (long long)count[k], amt);
	}
	if (n_open) {
		fprintf(ft, "\nUnresolved rows (their outcome is not known yet: they are resolved by "
		            "Transaction Status or their result; never send them again):\n");
		for (size_t i = 0; i < n_open && i < 64; i++)
			fprintf(ft, "  row %lld  %s  %s\n", (long long)open_rows[i].row, open_rows[i].id,
			        txn_state_name(open_rows[i].st));
		if (n_open > 64)
			fprintf(ft, "  ... and %zu more (see the CSV report)\n", n_open - 64);
	} else {
		fprintf(ft, "\nNo row is unresolved.\n");
	}
	fprintf(ft, "\nEvery row with its outcome: %s\n", csv);
	(void)pretty;
	rc = close_tmp(fc, tcsv, csv, err);
	enum pos_status rc2 = close_tmp(ft, ttxt, txt, err);
	return rc != POS_OK ? rc : rc2;
}
