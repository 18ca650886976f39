/* ui/receipt.c: a paid sale's receipt, as a text file and, when [ui]
 * printer_command is set, on that command's standard input. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/phone.h"
#include "ui/ui_int.h"

enum { RECEIPT_W = 32 };

static void line(struct buf *b, const char *label, const char *value)
{
	if (value && value[0])
		buf_printf(b, "%-16s %s\n", label, value);
}

static void centred(struct buf *b, const char *s)
{
	int pad = (RECEIPT_W - ui_text_width(s)) / 2;
	buf_printf(b, "%*s%s\n", pad > 0 ? pad : 0, "", s);
}

enum pos_status ui_receipt_text(struct ui *ui, const struct store_txn *t,
                                char *out, size_t outsz)
{
	const struct ui_opts *o = ui_opts_of(ui);
	struct buf b;
	buf_init(&b, 4096);
	char v[96], amount[48], phone[32], when[26];
	centred(&b, o->till_name);
	snprintf(v, sizeof v, "shortcode %s, %s", o->shortcode, o->till_id);
	centred(&b, v);
	if (!str_eq(o->backend, "PRODUCTION")) {
		snprintf(v, sizeof v, "*** %s: NOT A REAL PAYMENT ***", o->backend);
		centred(&b, v);
	}
	buf_printf(&b, "%.*s\n", RECEIPT_W, "--------------------------------");
	buf_printf(&b, "%s\n", txn_kind_label(t->kind));
	clock_iso8601_eat((time_t)(t->updated_at / 1000), when);
	snprintf(v, sizeof v, "%.10s %.5s", when, when + 11);
	line(&b, "Date", v);
	line(&b, "Transaction", t->public_id);
	if (t->kind == TXN_KIND_CASH)
		line(&b, "Paid by", t->other_means[0] ? t->other_means : "other means");
	else
		line(&b, "M-Pesa receipt", t->receipt);
	if (t->msisdn[0])
		line(&b, "Phone", phone_pretty(t->msisdn, phone, sizeof phone));
	line(&b, "Payer", t->payer_name);
	line(&b, "Reference", t->account_reference);
	line(&b, "Amount", ui_amount(t, amount, sizeof amount));
	snprintf(v, sizeof v, "%lld", (long long)t->operator_id);
	line(&b, "Served by", v);
	buf_printf(&b, "%.*s\n", RECEIPT_W, "--------------------------------");
	centred(&b, "PAID - thank you");
	bool ok = b.data && str_copy(out, outsz, b.data);
	buf_release(&b);
	return ok ? POS_OK : POS_E_TOO_LONG;
}

/* Start `sh -c cmd` with the file on its standard input, without waiting
 * for it (a slow printer never freezes the till): the command runs in a
 * grandchild that nobody needs to reap. */
static enum pos_status run_printer(const char *cmd, const char *path,
                                   struct pos_err *err)
{
	pid_t pid = fork();
	if (pid < 0)
		return pos_err_set(err, POS_E_IO, "[ui] printer_command",
		                   "the printer command could not be started: %s",
		                   strerror(errno));
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			int in = open(path, O_RDONLY);
			int null = open("/dev/null", O_WRONLY);
			if (in < 0 || null < 0)
				_exit(127);
			dup2(in, 0);
			dup2(null, 1);
			dup2(null, 2);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		_exit(g < 0 ? 1 : 0);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return pos_err_set(err, POS_E_IO, "[ui] printer_command",
		                   "the printer command could not be started");
	return POS_OK;
}

enum pos_status ui_receipt_print(struct ui *ui, const struct store_txn *t,
                                 char *saved, size_t savedsz, struct pos_err *err)
{
	if (t->state != TXN_COMPLETED ||
	    (t->kind != TXN_KIND_STK && t->kind != TXN_KIND_C2B && t->kind != TXN_KIND_CASH))
		return pos_err_set(err, POS_E_STATE, "receipt",
		                   "%s is not a paid sale: there is no receipt to print",
		                   t->public_id);
	char text[2048];
	if (ui_receipt_text(ui, t, text, sizeof text) != POS_OK)
		return pos_err_set(err, POS_E_TOO_LONG, "receipt", "the receipt is too long");
	char dir[UI_PATH_MAX - 64], path[UI_PATH_MAX];
	enum pos_status st = ui_output_dir(ui, dir, sizeof dir, err);
	if (st != POS_OK)
		return st;
	snprintf(path, sizeof path, "%s/receipt-%s.txt", dir, t->public_id);
	FILE *f = fopen(path, "w");
	if (!f)
		return pos_err_set(err, POS_E_IO, "[ui] receipt_dir",
		                   "%s could not be written: %s", path, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0)
		return pos_err_set(err, POS_E_IO, "[ui] receipt_dir",
		                   "%s could not be written: %s", path, strerror(errno));
	if (saved)
		str_copy(saved, savedsz, path);
	const char *cmd = ui_config(ui)->ui.printer_command;
	if (cmd[0])
		return run_printer(cmd, path, err);
	return POS_OK;
}
