/* ui/screen_bulk.c: bulk payouts from a CSV file (app/batch.h), supervisors
 * and above. Pick the file (typed, or one of the *.csv files found in the
 * current folder and the receipts folder), see its check: totals and every
 * bad row by line, before anything is recorded; approve it as a single
 * payout (PIN again; a second supervisor above the approval limit); then a
 * progress bar with the rate and the time left, pause and go on, and the
 * report at the end. A batch left running (a crash, a quit) is resumed
 * with F5. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/batch.h"
#include "base/crypto.h"
#include "base/str.h"
#include "core/money.h"
#include "ui/ui_int.h"

enum mode { M_PICK, M_PREVIEW, M_APPROVE, M_RUN };
enum { FILES_MAX = 8 };

struct bulk {
	struct ui *ui;
	enum mode mode;
	struct ui_field path;
	char files[FILES_MAX][UI_FIELD_MAX + 1];
	int n_files, pick;
	struct app_batch_file *file;
	int scroll;
	struct ui_field c[UI_SIGN_FIELDS];
	int cfocus;
	bool need_approver;
	struct store_batch running[4]; /* batches left running or paused */
	size_t n_running;
	struct app_batch *batch;
	char problem[POS_ERR_MSG_MAX + POS_ERR_HINT_MAX];
};

static void find_files(struct ui *ui, struct bulk *b)
{
	char dirs[2][UI_PATH_MAX];
	struct pos_err e;
	str_copy(dirs[0], sizeof dirs[0], ".");
	int nd = ui_output_dir(ui, dirs[1], sizeof dirs[1], &e) == POS_OK ? 2 : 1;
	b->n_files = 0;
	for (int d = 0; d < nd; d++) {
		DIR *dp = opendir(dirs[d]);
		struct dirent *de;
		while (dp && (de = readdir(dp)) != NULL && b->n_files < FILES_MAX) {
			size_t n = strlen(de->d_name);
			if (n < 5 || strcmp(de->d_name + n - 4, ".csv") != 0 ||
			    strncmp(de->d_name, "batch-", 6) == 0 || strncmp(de->d_name, "history-", 8) == 0)
				continue;
			char full[UI_PATH_MAX + 256];
			str_fmt(full, sizeof full, "%s/%s", dirs[d], de->d_name);
			if (d == 0)
				str_fmt(full, sizeof full, "%s", de->d_name);
			if (strlen(full) <= UI_FIELD_MAX)
				str_copy(b->files[b->n_files++], sizeof b->files[0], full);
		}
		if (dp)
			closedir(dp);
		if (d == 0 && nd == 2 && strcmp(dirs[1], ".") == 0)
			break;
	}
	/* A stable order for the eye (and the tests). */
	qsort(b->files, (size_t)b->n_files, sizeof b->files[0],
	      (int (*)(const void *, const void *))strcmp);
}

static void reset(struct ui *ui, struct bulk *b)
{
	app_batch_file_free(b->file);
	b->file = NULL;
	b->mode = M_PICK;
	b->scroll = 0;
	b->pick = -1;
	b->problem[0] = '\0';
	b->path = (struct ui_field){.label = "CSV file", .max_chars = UI_FIELD_MAX};
	find_files(ui, b);
	struct pos_err e;
	if (app_batch_open(ui_app(ui), b->running, 4, &b->n_running, &e) != POS_OK)
		b->n_running = 0;
}

static void on_batch(void *user, struct app_batch *batch)
{
	(void)batch;
	struct bulk *b = user;
	ui_dirty(b->ui);
}

static void start(struct ui *ui, struct bulk *b, int64_t id)
{
	struct app_operator op;
	struct pos_err e;
	char dir[UI_PATH_MAX];
	ui_app_operator(ui, &op);
	if (ui_output_dir(ui, dir, sizeof dir, &e) != POS_OK)
		str_copy(dir, sizeof dir, ".");
	app_batch_free(b->batch);
	b->batch = NULL;
	if (app_batch_run(ui_loop(ui), &op, id, dir, on_batch, b, &b->batch, &e) != POS_OK) {
		ui_message_err(ui, &e);
		return;
	}
	b->mode = M_RUN;
	ui_message(ui, UI_MSG_INFO, "Batch %lld is being paid.", (long long)id);
}

static void load(struct ui *ui, struct bulk *b)
{
	struct pos_err e;
	pos_err_clear(&e);
	app_batch_file_free(b->file);
	b->file = NULL;
	b->path.err[0] = '\0';
	if (app_batch_check(ui_app(ui), b->path.text, &b->file, &e) != POS_OK) {
		ui_sentence(b->path.err, sizeof b->path.err, &e);
		return;
	}
	b->scroll = 0;
	b->mode = M_PREVIEW;
	b->need_approver = app_batch_needs_approver(ui_app(ui), b->file->total_minor);
	b->problem[0] = '\0';
	if (b->file->n_bad) {
		ui_message(ui, UI_MSG_ERROR, "%zu bad row%s: correct the file; nothing was recorded.",
		           b->file->n_bad, b->file->n_bad == 1 ? "" : "s");
	} else if (app_batch_seen(ui_app(ui), b->file, &e) != POS_OK) {
		/* The same file paid again only on purpose, from the command line. */
		str_copy(b->problem, sizeof b->problem, e.msg);
		ui_message(ui, UI_MSG_ERROR, "This file was already recorded as a batch: nothing "
		           "was recorded again.");
	} else {
		ui_message_clear(ui);
	}
}

static void approve(struct ui *ui, struct bulk *b)
{
	struct app_operator op, approver;
	struct pos_err e;
	pos_err_clear(&e);
	if (!ui_payout_sign(ui, b->c, b->need_approver, &b->cfocus, &op, &approver))
		return;
	struct app_batch_req rq = {.approver = b->need_approver ? &approver : NULL};
	int64_t id;
	ui_payout_sign_reset(b->c);
	b->cfocus = 0;
	if (app_batch_record(ui_app(ui), &op, b->file, &rq, &id, &e) != POS_OK) {
		ui_message_err(ui, &e);
		b->mode = M_PREVIEW;
		return;
	}
	start(ui, b, id);
}

/* ---- screen operations -------------------------------------------------- */

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	if (role_check(ui_operator(ui)->role, ROLE_ACT_PAYOUT, err) != POS_OK)
		return err ? err->code : POS_E_DENIED;
	struct bulk *b = calloc(1, sizeof *b);
	if (!b)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	b->ui = ui;
	ui_payout_sign_reset(b->c);
	reset(ui, b);
	*self = b;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct bulk *b = self;
	app_batch_free(b->batch);
	app_batch_file_free(b->file);
	crypto_wipe(b->c, sizeof b->c);
	free(b);
}

static unsigned context(const void *self)
{
	const struct bulk *b = self;
	switch (b->mode) {
	case M_APPROVE: return UI_CX_PAYOUT_CONFIRM;
	case M_RUN: return UI_CX_BULK_RUN;
	default: return UI_CX_BULK;
	}
}

static bool typing(const void *self)
{
	const struct bulk *b = self;
	return b->mode == M_PICK || b->mode == M_APPROVE;
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct bulk *b = self;
	switch (b->mode) {
	case M_PICK:
		switch (k->act) {
		case UI_ACT_ENTER:
			load(ui, b);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_DOWN:
		case UI_ACT_UP:
			if (b->n_files) {
				b->pick = k->act == UI_ACT_DOWN ? (b->pick + 1) % b->n_files
				                                : (b->pick + b->n_files - 1) % b->n_files;
				ui_field_set(&b->path, b->files[b->pick]);
			}
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_PAUSE:
			if (b->n_running)
				start(ui, b, b->running[0].id);
			return UI_HANDLED | UI_REDRAW;
		default:
			b->path.err[0] = '\0';
			return ui_field_key(&b->path, k) ? UI_HANDLED | UI_REDRAW
			                                 : b->path.err[0] ? UI_HANDLED | UI_REDRAW
			                                                  : UI_UNHANDLED;
		}
	case M_PREVIEW:
		switch (k->act) {
		case UI_ACT_ENTER:
			if (b->file->n_bad) {
				ui_message(ui, UI_MSG_ERROR, "Correct the bad rows in the file, then open "
				           "it again: nothing is recorded while a row is bad.");
				return UI_HANDLED | UI_REDRAW;
			}
			if (b->problem[0]) {
				ui_message(ui, UI_MSG_ERROR, "Refused: %s.", b->problem);
				return UI_HANDLED | UI_REDRAW;
			}
			ui_payout_sign_reset(b->c);
			b->cfocus = 0;
			b->mode = M_APPROVE;
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_DOWN:
			if ((size_t)b->scroll + 1 < b->file->n_bad)
				b->scroll++;
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_UP:
			if (b->scroll > 0)
				b->scroll--;
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_BACK:
			reset(ui, b);
			ui_message_clear(ui);
			return UI_HANDLED | UI_REDRAW;
		default:
			return UI_UNHANDLED;
		}
	case M_APPROVE:
		switch (k->act) {
		case UI_ACT_YES:
			if (ui_payout_sign_enter(b->c, b->need_approver, &b->cfocus))
				approve(ui, b);
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_NEXT:
		case UI_ACT_PREV:
			if (b->need_approver)
				b->cfocus = (b->cfocus + (k->act == UI_ACT_NEXT ? 1 : 2)) % UI_SIGN_FIELDS;
			return UI_HANDLED | UI_REDRAW;
		case UI_ACT_NO:
			ui_payout_sign_reset(b->c);
			b->mode = M_PREVIEW;
			return UI_HANDLED | UI_REDRAW;
		default:
			b->c[b->cfocus].err[0] = '\0';
			return ui_field_key(&b->c[b->cfocus], k) || b->c[b->cfocus].err[0]
			               ? UI_HANDLED | UI_REDRAW : UI_UNHANDLED;
		}
	case M_RUN:
		if (k->act == UI_ACT_PAUSE && b->batch && !app_batch_done(b->batch)) {
			struct app_batch_progress p;
			app_batch_progress(b->batch, &p);
			app_batch_pause(b->batch, !p.paused);
			return UI_HANDLED | UI_REDRAW;
		}
		if (k->act == UI_ACT_ENTER && b->batch && app_batch_done(b->batch)) {
			app_batch_free(b->batch);
			b->batch = NULL;
			reset(ui, b);
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	}
	return UI_UNHANDLED;
}

/* ---- drawing -------------------------------------------------------------- */

static void draw_pick(struct ui *ui, struct bulk *b, const struct ui_rect *r)
{
	int x = r->x + 4, w = r->w - 8, y = r->y + 1;
	ui_put(y, x, w, ui_attr(ui, UI_A_TITLE),
	       "Bulk payout: a CSV of phone, amount, optional name, remarks");
	ui_field_draw(ui, &b->path, y + 2, x, 10, w - 10, true);
	ui_put(y + 5, x, w, A_NORMAL, b->n_files ? "Files found (Up/Down to choose):"
	                                         : "No CSV file found here: type its path.");
	for (int i = 0; i < b->n_files && y + 6 + i < r->y + r->h - 3; i++)
		ui_putf(y + 6 + i, x + 2, w - 2, i == b->pick ? ui_attr(ui, UI_A_SELECTED) : A_NORMAL,
		        "%s %s", i == b->pick ? ui_glyphs(ui)->sel : " ", b->files[i]);
	if (b->n_running && b->running[0].paused_at)
		ui_putf(r->y + r->h - 2, x, w, ui_attr(ui, UI_A_WARN),
		        "Batch %lld is paused: F5 goes on with it.", (long long)b->running[0].id);
	else if (b->n_running)
		ui_putf(r->y + r->h - 2, x, w, ui_attr(ui, UI_A_WARN),
		        "Batch %lld was left running (a crash or a quit): F5 goes on with it.",
		        (long long)b->running[0].id);
}

static void draw_preview(struct ui *ui, struct bulk *b, const struct ui_rect *r)
{
	const struct app_batch_file *f = b->file;
	int x = r->x + 2, w = r->w - 4, y = r->y;
	char total[MONEY_FMT_MAX];
	money_format(f->total_minor, CURRENCY_KES, total, sizeof total);
	ui_putf(y, x, w, ui_attr(ui, UI_A_TITLE), "%s: %zu lines checked", f->name, f->lines);
	ui_putf(y + 1, x, w, A_BOLD, "%zu good rows, %s in all; %zu bad", f->n_rows, total,
	        f->n_bad);
	if (!f->n_bad && b->problem[0]) {
		ui_put(y + 3, x, w, ui_attr(ui, UI_A_GOOD), "Every row is good, but:");
		ui_wrap(y + 4, x, w, 2, ui_attr(ui, UI_A_ERROR), b->problem);
		ui_wrap(y + 7, x, w, 4, A_NORMAL, "To go on with that batch, F5 on the first page "
		        "when it was left running. To pay the same file a second time on purpose "
		        "(a salary file repeated), a supervisor runs: mpesa-pos payout-batch FILE.csv "
		        "--again");
		return;
	}
	if (!f->n_bad) {
		ui_put(y + 3, x, w, ui_attr(ui, UI_A_GOOD), "Every row is good.");
		ui_wrap(y + 5, x, w, 3, A_NORMAL, b->need_approver
		        ? "Above the approval limit: Enter asks your PIN and a second supervisor's."
		        : "Enter asks your PIN; then every row is recorded, and paid at the "
		          "per-minute limit.");
		return;
	}
	ui_put(y + 3, x, w, ui_attr(ui, UI_A_ERROR), "Bad rows (nothing is recorded while any is bad):");
	int line = y + 4, end = r->y + r->h - 1;
	for (size_t i = (size_t)b->scroll; i < f->n_bad && line < end; i++)
		line += ui_wrap(line, x + 2, w - 2, end - line < 2 ? end - line : 2, A_NORMAL,
		                f->bad[i].reason);
}

static void draw_run(struct ui *ui, struct bulk *b, const struct ui_rect *r)
{
	int x = r->x + 2, w = r->w - 4, y = r->y + 1;
	struct app_batch_progress p;
	char paid[MONEY_FMT_MAX], total[MONEY_FMT_MAX];
	if (!b->batch)
		return;
	app_batch_progress(b->batch, &p);
	money_format(p.paid_minor, CURRENCY_KES, paid, sizeof paid);
	money_format(p.total_minor, CURRENCY_KES, total, sizeof total);
	ui_putf(y, x, w, ui_attr(ui, UI_A_TITLE), "Batch %lld: %lld rows, %s%s",
	        (long long)p.batch_id, (long long)p.rows, total,
	        p.finished ? " - done" : p.paused ? " - PAUSED" : "");
	int bar = w - 8;
	int64_t doneish = p.rows - p.waiting;
	int fill = p.rows ? (int)(doneish * bar / p.rows) : 0;
	char line[256] = "";
	size_t len = 0;
	for (int i = 0; i < bar && len + 4 < sizeof line; i++) {
		const char *g = i < fill ? ui_glyphs(ui)->block : ui_glyphs(ui)->dot;
		size_t gl = strlen(g);
		if (len + gl >= sizeof line)
			break;
		memcpy(line + len, g, gl);
		len += gl;
	}
	line[len] = '\0';
	ui_put(y + 2, x, w, A_NORMAL, line);
	ui_putf(y + 2, x + bar + 1, 7, A_BOLD, "%3lld%%",
	        (long long)(p.rows ? doneish * 100 / p.rows : 0));
	ui_putf(y + 4, x, w, A_NORMAL, "Paid %lld (%s)   failed %lld   unresolved %lld",
	        (long long)p.paid, paid, (long long)p.failed, (long long)p.parked);
	ui_putf(y + 5, x, w, A_NORMAL, "Sent, waiting for the answer %lld   for the result %lld   "
	        "not sent yet %lld", (long long)p.in_flight, (long long)p.awaiting,
	        (long long)p.waiting);
	if (!p.finished) {
		if (p.eta_s >= 0)
			ui_putf(y + 7, x, w, A_NORMAL, "%.1f a minute (limit %lld); about %lld min %lld s left",
			        p.per_minute, (long long)ui_config(ui)->limits.b2c_per_minute,
			        (long long)(p.eta_s / 60), (long long)(p.eta_s % 60));
		if (p.note[0])
			ui_wrap(y + 8, x, w, 2, ui_attr(ui, UI_A_DIM), p.note);
		return;
	}
	ui_put(y + 7, x, w, p.parked ? ui_attr(ui, UI_A_WARN) : ui_attr(ui, UI_A_GOOD),
	       p.parked ? "Done: the unresolved rows are settled by Transaction Status; "
	                  "never pay them again." : "Done: every row has its outcome.");
	ui_putf(y + 9, x, w, A_NORMAL, "Report: %s", app_batch_report_txt(b->batch));
	ui_putf(y + 10, x, w, A_NORMAL, "        %s", app_batch_report_csv(b->batch));
}

static void draw(struct ui *ui, void *self, const struct ui_rect *r)
{
	struct bulk *b = self;
	switch (b->mode) {
	case M_PICK: draw_pick(ui, b, r); break;
	case M_PREVIEW: draw_preview(ui, b, r); break;
	case M_APPROVE: {
		char total[MONEY_FMT_MAX];
		money_format(b->file->total_minor, CURRENCY_KES, total, sizeof total);
		ui_putf(r->y + 1, r->x + 4, r->w - 8, ui_attr(ui, UI_A_TITLE),
		        "Pay %zu rows of %s, %s in all?", b->file->n_rows, b->file->name, total);
		ui_payout_sign_draw(ui, b->c, b->need_approver, b->cfocus, r->y + 3, r->x + 4,
		                    r->w - 8);
		break;
	}
	case M_RUN: draw_run(ui, b, r); break;
	}
}

static unsigned tick(struct ui *ui, void *self, int64_t now, int64_t *next)
{
	(void)ui;
	(void)now;
	struct bulk *b = self;
	if (b->mode != M_RUN || !b->batch || app_batch_done(b->batch))
		return 0;
	if (*next > now + 1000)
		*next = now + 1000;
	return UI_REDRAW;
}

const struct screen_ops ui_screen_bulk = {
	.name = "bulk",
	.title = "Bulk payout",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
	.tick = tick,
};
