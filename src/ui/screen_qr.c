/* ui/screen_qr.c: pay by QR. For an amount and a reference, Daraja's
 * Dynamic QR returns the code as a base64 PNG (app_qr_start); the PNG is
 * read back into its modules (ui/qrpng.h) and drawn with Unicode half
 * blocks, two module rows per text row, or in ASCII ("##" per dark module,
 * F4, and always when the terminal has no UTF-8), each with a quiet zone.
 * A code too big for the terminal is not drawn: the screen says so. The
 * customer's payment then arrives in the C2B feed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/c2b.h"
#include "base/str.h"
#include "core/money.h"
#include "ui/qrpng.h"
#include "ui/ui_int.h"

enum mode { M_FORM, M_WAIT, M_CODE };
enum { F_AMOUNT, F_REF, F_COUNT };

struct qr {
	enum mode mode;
	struct ui_field f[F_COUNT];
	int focus;
	struct app_c2b_req *req;
	struct ui_qr code;
	bool ascii;                 /* F4: ASCII even on a UTF-8 terminal */
	char amount[MONEY_FMT_MAX];
	char ref[16];
	struct ui *ui;
};

static enum pos_status enter(struct ui *ui, void **self, const void *arg,
                             struct pos_err *err)
{
	(void)arg;
	struct qr *q = calloc(1, sizeof *q);
	if (!q)
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	q->ui = ui;
	q->f[F_AMOUNT] = (struct ui_field){.label = "Amount", .max_chars = 12};
	q->f[F_REF] = (struct ui_field){.label = "Reference", .max_chars = 12};
	*self = q;
	return POS_OK;
}

static void leave(struct ui *ui, void *self)
{
	(void)ui;
	struct qr *q = self;
	app_c2b_req_free(q->req);
	ui_qr_release(&q->code);
	free(q);
}

static unsigned context(const void *self)
{
	(void)self;
	return UI_CX_QR;
}

static bool typing(const void *self)
{
	const struct qr *q = self;
	return q->mode == M_FORM;
}

static void on_code(void *user, struct app_c2b_req *r)
{
	struct qr *q = user;
	struct pos_err err;
	pos_err_clear(&err);
	const struct pos_err *e = app_c2b_req_error(r);
	size_t len = 0;
	const unsigned char *png = app_c2b_req_png(r, &len);
	if (e->code != POS_OK) {
		ui_message_err(q->ui, e);
		q->mode = M_FORM;
	} else if (ui_qr_decode(png, len, &q->code, &err) != POS_OK) {
		ui_message_err(q->ui, &err);
		q->mode = M_FORM;
	} else {
		q->mode = M_CODE;
		ui_message_clear(q->ui);
	}
	app_c2b_req_free(q->req);
	q->req = NULL;
	ui_dirty(q->ui);
}

static void ask(struct ui *ui, struct qr *q)
{
	struct app_operator op;
	struct pos_err err;
	int64_t minor;
	pos_err_clear(&err);
	ui_app_operator(ui, &op);
	if (app_qr_start(ui_loop(ui), &op, q->f[F_AMOUNT].text, q->f[F_REF].text, 0, on_code,
	                 q, &q->req, &err) != POS_OK) {
		q->req = NULL;
		int fi = str_eq(err.field, "reference") || str_eq(err.field, "AccountReference")
		             ? F_REF : F_AMOUNT;
		ui_sentence(q->f[fi].err, sizeof q->f[fi].err, &err);
		q->focus = fi;
		return;
	}
	if (money_parse(q->f[F_AMOUNT].text, CURRENCY_KES, &minor, NULL) == POS_OK)
		money_format(minor, CURRENCY_KES, q->amount, sizeof q->amount);
	str_copy(q->ref, sizeof q->ref, q->f[F_REF].text);
	q->mode = M_WAIT;
	ui_message(ui, UI_MSG_INFO, "Asking M-Pesa for the QR code ...");
}

static unsigned key(struct ui *ui, void *self, const struct ui_key *k)
{
	struct qr *q = self;
	if (k->act == UI_ACT_QR_ASCII) {
		q->ascii = !q->ascii;
		return UI_HANDLED | UI_REDRAW;
	}
	if (q->mode != M_FORM) {
		if (k->act == UI_ACT_BACK || (q->mode == M_CODE && k->act == UI_ACT_ENTER)) {
			app_c2b_req_free(q->req);
			q->req = NULL;
			ui_qr_release(&q->code);
			q->mode = M_FORM;
			ui_message_clear(ui);
			return UI_HANDLED | UI_REDRAW;
		}
		return UI_UNHANDLED;
	}
	switch (k->act) {
	case UI_ACT_ENTER:
		if (q->focus == F_AMOUNT)
			q->focus = F_REF;
		else
			ask(ui, q);
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_NEXT:
	case UI_ACT_PREV:
		q->focus = (q->focus + 1) % F_COUNT;
		return UI_HANDLED | UI_REDRAW;
	case UI_ACT_BACK:
		return UI_HANDLED | UI_LEAVE;
	default:
		break;
	}
	struct ui_field *f = &q->f[q->focus];
	f->err[0] = '\0';
	if (ui_field_key(f, k) || f->err[0])
		return UI_HANDLED | UI_REDRAW;
	return UI_UNHANDLED;
}

static void draw_code(struct ui *ui, struct qr *q, const struct ui_rect *b)
{
	const struct config *cfg = ui_config(ui);
	enum ui_qr_style st = q->ascii || ui_ascii(ui) ? UI_QR_ASCII : UI_QR_HALF_BLOCKS;
	int rows, cols, x = b->x + 1, w = b->w - 2;
	char v[256];
	ui_qr_size(&q->code, st, &rows, &cols);
	snprintf(v, sizeof v, "Scan to pay %s to %s, reference %s", q->amount, cfg->till.name,
	         q->ref);
	ui_put(b->y, x, w, ui_attr(ui, UI_A_TITLE), v);
	if (rows > b->h - 1 || cols > b->w) {
		snprintf(v, sizeof v,
		         "The QR code does not fit: it needs %d rows and %d columns and this "
		         "terminal has room for %d rows and %d columns. Make the window bigger%s.",
		         rows, cols, b->h - 1, b->w,
		         st == UI_QR_ASCII ? "" : " (or a smaller font)");
		ui_wrap(b->y + 2, x, w, 4, ui_attr(ui, UI_A_WARN), v);
		return;
	}
	size_t cap = (size_t)cols * 3 + 1;
	char *line = malloc(cap);
	if (!line)
		return;
	int left = b->x + (b->w - cols) / 2;
	for (int r = 0; r < rows; r++)
		if (ui_qr_text(&q->code, st, r, line, cap))
			ui_put(b->y + 1 + r, left, cols, A_NORMAL, line);
	free(line);
}

static void draw(struct ui *ui, void *self, const struct ui_rect *b)
{
	struct qr *q = self;
	int x = b->x + 2, w = b->w - 4, y = b->y + 1;
	if (q->mode == M_CODE) {
		draw_code(ui, q, b);
		return;
	}
	y += ui_wrap(y, x, w, 3, A_NORMAL,
	             "A QR code the customer scans with the M-Pesa app to pay this till. "
	             "The payment then arrives in the C2B feed (F8 Menu).");
	y++;
	ui_field_draw(ui, &q->f[F_AMOUNT], y, x, 12, 14, q->mode == M_FORM && q->focus == F_AMOUNT);
	ui_field_draw(ui, &q->f[F_REF], y + 3, x, 12, 14, q->mode == M_FORM && q->focus == F_REF);
	if (q->mode == M_FORM && q->focus == F_AMOUNT)
		ui_field_draw(ui, &q->f[F_AMOUNT], y, x, 12, 14, true);
}

const struct screen_ops ui_screen_qr = {
	.name = "qr",
	.title = "Pay by QR",
	.enter = enter,
	.leave = leave,
	.context = context,
	.typing = typing,
	.key = key,
	.draw = draw,
};
