/* ui/export.c: the History filter written to a CSV file, a page per loop
 * turn so that the screen never waits on a million rows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/csv.h"
#include "core/money.h"
#include "ui/ui_int.h"

struct ui_export {
	FILE *out;
	char path[UI_PATH_MAX];
	struct store_filter f;
	char msisdn[STORE_MSISDN_MAX], receipt[STORE_RECEIPT_MAX];
	char reference[STORE_REFERENCE_MAX], public_id[STORE_PUBLIC_ID_MAX];
	char till_id[STORE_TILL_MAX];
	struct store_cursor next;
	int64_t rows;
	bool done;
};

enum pos_status ui_output_dir(struct ui *ui, char *out, size_t outsz,
                              struct pos_err *err)
{
	const struct config *cfg = ui_config(ui);
	if (cfg->ui.receipt_dir[0]) {
		if (!str_copy(out, outsz, cfg->ui.receipt_dir))
			return pos_err_set(err, POS_E_TOO_LONG, "[ui] receipt_dir",
			                   "the folder name is too long");
	} else {
		/* Beside the database, where the till keeps its data. */
		if (!str_copy(out, outsz, cfg->store.path))
			return pos_err_set(err, POS_E_TOO_LONG, "[store] path",
			                   "the path is too long");
		char *slash = strrchr(out, '/');
		if (slash)
			*slash = '\0';
		else
			str_copy(out, outsz, ".");
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return pos_err_set(err, POS_E_IO, "[ui] receipt_dir",
		                   "the folder %s could not be made: %s", out,
		                   strerror(errno));
	return POS_OK;
}

/* The CSV columns (as the header in ui_export_start): what the program made
 * is data, what came from outside is text (a formula in it is defused,
 * core/csv.h). */
static const enum csv_cell cells[] = {
	CSV_CELL_DATA, CSV_CELL_DATA, CSV_CELL_DATA, CSV_CELL_DATA, /* id .. state */
	CSV_CELL_DATA, CSV_CELL_DATA, CSV_CELL_TEXT, CSV_CELL_TEXT, /* amount .. reference */
	CSV_CELL_TEXT, CSV_CELL_TEXT, CSV_CELL_TEXT, CSV_CELL_TEXT, /* description .. code */
	CSV_CELL_TEXT, CSV_CELL_DATA, CSV_CELL_TEXT, CSV_CELL_TEXT, /* desc, operator .. */
	CSV_CELL_TEXT, CSV_CELL_TEXT,                               /* checkout, conversation */
};

static void copy_filter(struct ui_export *x, const struct store_filter *f)
{
	x->f = *f;
#define KEEP(name)                                                             \
	if (f->name) {                                                             \
		str_copy(x->name, sizeof x->name, f->name);                            \
		x->f.name = x->name;                                                   \
	}
	KEEP(msisdn)
	KEEP(receipt)
	KEEP(reference)
	KEEP(public_id)
	KEEP(till_id)
#undef KEEP
}

enum pos_status ui_export_open(struct ui *ui, const struct store_filter *f,
                               struct ui_export **out, struct pos_err *err)
{
	char dir[UI_PATH_MAX - 40];
	enum pos_status st = ui_output_dir(ui, dir, sizeof dir, err);
	if (st != POS_OK)
		return st;
	struct ui_export *x = calloc(1, sizeof *x);
	if (!x)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	copy_filter(x, f);
	char stamp[15];
	clock_daraja_timestamp(clock_now(), stamp);
	snprintf(x->path, sizeof x->path, "%s/history-%.8s-%s.csv", dir, stamp, stamp + 8);
	x->out = fopen(x->path, "wx");
	if (!x->out) {
		st = pos_err_set(err, POS_E_IO, "export", "%s could not be written: %s",
		                 x->path, strerror(errno));
		pos_err_hint(err, "try again in a second, or check [ui] receipt_dir");
		free(x);
		return st;
	}
	fputs("id,created_at,kind,state,amount,currency,phone,account_reference,"
	      "description,receipt,payer_name,result_code,result_desc,operator_id,"
	      "till_id,other_means,checkout_request_id,conversation_id\n",
	      x->out);
	*out = x;
	return POS_OK;
}

enum pos_status ui_export_step(struct ui *ui, struct ui_export *x, size_t n,
                               bool *done, struct pos_err *err)
{
	enum { CHUNK = 200 };
	struct store_txn *rows = malloc(CHUNK * sizeof *rows);
	if (!rows)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	struct buf line;
	buf_init(&line, 2 * sizeof(struct store_txn) + 256); /* never reached: every field doubled */
	enum pos_status st = POS_OK;
	size_t left = n;
	while (!x->done && left > 0) {
		size_t got = 0;
		bool more = false;
		size_t want = left < CHUNK ? left : CHUNK;
		struct store_cursor after = x->next;
		st = store_txn_history(ui_store(ui), &x->f, &after, rows, want, &got,
		                       &x->next, &more, err);
		if (st != POS_OK)
			break;
		for (size_t i = 0; i < got; i++) {
			const struct store_txn *t = &rows[i];
			char when[26], amount[MONEY_FMT_MAX], opid[24];
			clock_iso8601_eat((time_t)(t->created_at / 1000), when);
			money_format_plain(t->amount_minor, amount, sizeof amount);
			snprintf(opid, sizeof opid, "%lld", (long long)t->operator_id);
			const char *f[] = {t->public_id, when, txn_kind_name(t->kind),
			                   txn_state_name(t->state), amount, t->currency,
			                   t->msisdn, t->account_reference, t->description,
			                   t->receipt, t->payer_name, t->result_code,
			                   t->result_desc, opid, t->till_id, t->other_means,
			                   t->checkout_request_id, t->conversation_id};
			_Static_assert(sizeof f / sizeof f[0] == sizeof cells / sizeof cells[0],
			               "a cell kind for every CSV column");
			buf_reset(&line);
			if (csv_put_row(&line, f, cells, sizeof f / sizeof f[0]) == POS_OK)
				fwrite(line.data, 1, line.len, x->out);
		}
		x->rows += (int64_t)got;
		left -= got;
		if (!more || got == 0)
			x->done = true;
	}
	buf_release(&line);
	free(rows);
	if (st == POS_OK && x->done) {
		if (fflush(x->out) != 0 || ferror(x->out))
			st = pos_err_set(err, POS_E_IO, "export", "%s could not be written: %s",
			                 x->path, strerror(errno));
	}
	*done = x->done;
	return st;
}

const char *ui_export_path(const struct ui_export *x)
{
	return x->path;
}

int64_t ui_export_rows(const struct ui_export *x)
{
	return x->rows;
}

void ui_export_close(struct ui_export *x)
{
	if (!x)
		return;
	if (x->out)
		fclose(x->out);
	if (!x->done)
		remove(x->path); /* a half-written file would mislead */
	free(x);
}
