/* ui/qrpng.c: a QR code's PNG read back into modules (ui/qrpng.h). */
#include "ui/qrpng.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

struct mem {
	const uint8_t *p;
	size_t len, at;
};

static void mem_read(png_structp png, png_bytep out, png_size_t n)
{
	struct mem *m = png_get_io_ptr(png);
	if (n > m->len - m->at)
		png_error(png, "the image ends early");
	memcpy(out, m->p + m->at, n);
	m->at += n;
}

/* libpng reports through longjmp; keep its messages out of stderr. */
static void png_quiet_error(png_structp png, png_const_charp msg)
{
	(void)msg;
	png_longjmp(png, 1);
}

static void png_quiet_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

struct grey {
	uint8_t *px; /* w * h, 8-bit grey */
	uint32_t w, h;
};

/* The PNG as 8-bit grey, alpha composed over white. */
static enum pos_status read_grey(const void *data, size_t len, struct grey *g,
                                 struct pos_err *err)
{
	struct mem m = {data, len, 0};
	png_structp png = NULL;
	png_infop info = NULL;
	uint8_t *volatile px = NULL;
	png_bytep *volatile rows = NULL;
	volatile enum pos_status rc = POS_OK;

	memset(g, 0, sizeof *g);
	if (len < 8 || png_sig_cmp(data, 0, 8) != 0)
		return pos_err_set(err, POS_E_PARSE, "QRCode", "the QR code is not a PNG image");
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_quiet_error,
	                             png_quiet_warning);
	info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_read_struct(&png, NULL, NULL);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	if (setjmp(png_jmpbuf(png))) {
		if (rc == POS_OK)
			rc = pos_err_set(err, POS_E_PARSE, "QRCode",
			                 "the QR code's PNG image is damaged");
		goto out;
	}
	png_set_read_fn(png, &m, mem_read);
	png_set_user_limits(png, UI_QR_PNG_MAX_PX, UI_QR_PNG_MAX_PX);
	png_read_info(png, info);
	uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
	int type = png_get_color_type(png, info);
	png_set_expand(png);
	png_set_strip_16(png);
	if (type == PNG_COLOR_TYPE_RGB || type == PNG_COLOR_TYPE_RGB_ALPHA ||
	    type == PNG_COLOR_TYPE_PALETTE)
		png_set_rgb_to_gray_fixed(png, 1, -1, -1);
	png_color_16 white = {.red = 255, .green = 255, .blue = 255, .gray = 255};
	png_set_background(png, &white, PNG_BACKGROUND_GAMMA_SCREEN, 0, 1.0);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != w || png_get_channels(png, info) != 1) {
		rc = pos_err_set(err, POS_E_PARSE, "QRCode",
		                 "the QR code's PNG image has a layout this till cannot read");
		goto out;
	}
	px = malloc((size_t)w * h);
	rows = malloc(h * sizeof *rows);
	if (!px || !rows) {
		rc = pos_err_set(err, POS_E_NOMEM, NULL, NULL);
		goto out;
	}
	for (uint32_t y = 0; y < h; y++)
		rows[y] = px + (size_t)y * w;
	png_read_image(png, rows);
	g->px = px;
	g->w = w;
	g->h = h;
	px = NULL;
out:
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	free(px);
	return rc;
}

static bool ink(const struct grey *g, long x, long y)
{
	if (x < 0 || y < 0 || x >= (long)g->w || y >= (long)g->h)
		return false;
	return g->px[(size_t)y * g->w + (size_t)x] < 128;
}

/* A 7x7 finder pattern with its top-left module at (r, c). */
static bool finder_at(const struct ui_qr *q, int r, int c)
{
	for (int i = 0; i < 7; i++)
		for (int j = 0; j < 7; j++) {
			bool ring = i == 0 || i == 6 || j == 0 || j == 6;
			bool core = i >= 2 && i <= 4 && j >= 2 && j <= 4;
			if (ui_qr_dark(q, r + i, c + j) != (ring || core))
				return false;
		}
	return true;
}

enum pos_status ui_qr_decode(const void *png, size_t len, struct ui_qr *out,
                             struct pos_err *err)
{
	struct grey g;
	memset(out, 0, sizeof *out);
	enum pos_status rc = read_grey(png, len, &g, err);
	if (rc != POS_OK)
		return rc;
	long x0 = (long)g.w, y0 = (long)g.h, x1 = -1, y1 = -1;
	for (long y = 0; y < (long)g.h; y++)
		for (long x = 0; x < (long)g.w; x++)
			if (ink(&g, x, y)) {
				if (x < x0) x0 = x;
				if (x > x1) x1 = x;
				if (y < y0) y0 = y;
				if (y > y1) y1 = y;
			}
	if (x1 < 0) {
		free(g.px);
		return pos_err_set(err, POS_E_PARSE, "QRCode", "the QR code's image is blank");
	}
	/* The top-left finder's top edge is a run of 7 dark modules. */
	long run = 0;
	while (ink(&g, x0 + run, y0))
		run++;
	double side = (double)(x1 - x0 + 1), mod = (double)run / 7.0;
	int n = mod > 0 ? (int)(side / mod + 0.5) : 0;
	if (run < 7 || n < UI_QR_MIN_MODULES || n > UI_QR_MAX_MODULES ||
	    (n - UI_QR_MIN_MODULES) % 4 != 0 || (y1 - y0 + 1) < (long)(side * 0.9) ||
	    (y1 - y0 + 1) > (long)(side * 1.1) + 1) {
		free(g.px);
		return pos_err_set(err, POS_E_PARSE, "QRCode",
		                   "no QR code was found in the image");
	}
	out->n = n;
	out->dark = calloc((size_t)n * (size_t)n, 1);
	if (!out->dark) {
		free(g.px);
		return pos_err_set(err, POS_E_NOMEM, NULL, NULL);
	}
	double step_x = side / n, step_y = (double)(y1 - y0 + 1) / n;
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++)
			out->dark[(size_t)r * (size_t)n + (size_t)c] =
				ink(&g, x0 + (long)((c + 0.5) * step_x), y0 + (long)((r + 0.5) * step_y));
	free(g.px);
	if (!finder_at(out, 0, 0) || !finder_at(out, 0, n - 7) || !finder_at(out, n - 7, 0)) {
		ui_qr_release(out);
		return pos_err_set(err, POS_E_PARSE, "QRCode",
		                   "the image does not hold a readable QR code (its corner "
		                   "patterns are not where they should be)");
	}
	return POS_OK;
}

void ui_qr_release(struct ui_qr *q)
{
	if (!q)
		return;
	free(q->dark);
	q->dark = NULL;
	q->n = 0;
}

bool ui_qr_dark(const struct ui_qr *q, int row, int col)
{
	if (!q->dark || row < 0 || col < 0 || row >= q->n || col >= q->n)
		return false;
	return q->dark[(size_t)row * (size_t)q->n + (size_t)col] != 0;
}

void ui_qr_size(const struct ui_qr *q, enum ui_qr_style st, int *rows, int *cols)
{
	int side = q->n + 2 * UI_QR_QUIET;
	*rows = st == UI_QR_ASCII ? side : (side + 1) / 2;
	*cols = st == UI_QR_ASCII ? 2 * side : side;
}

bool ui_qr_text(const struct ui_qr *q, enum ui_qr_style st, int row, char *out,
                size_t outsz)
{
	int rows, cols;
	ui_qr_size(q, st, &rows, &cols);
	size_t need = st == UI_QR_ASCII ? (size_t)cols + 1 : (size_t)cols * 3 + 1;
	if (row < 0 || row >= rows || outsz < need)
		return false;
	int side = q->n + 2 * UI_QR_QUIET;
	size_t at = 0;
	for (int c = 0; c < side; c++) {
		int mc = c - UI_QR_QUIET;
		if (st == UI_QR_ASCII) {
			bool d = ui_qr_dark(q, row - UI_QR_QUIET, mc);
			out[at++] = d ? '#' : ' ';
			out[at++] = d ? '#' : ' ';
			continue;
		}
		bool top = ui_qr_dark(q, 2 * row - UI_QR_QUIET, mc);
		bool bot = ui_qr_dark(q, 2 * row + 1 - UI_QR_QUIET, mc);
		const char *g = top && bot ? "\xe2\x96\x88"   /* █ */
		                : top      ? "\xe2\x96\x80"   /* ▀ */
		                : bot      ? "\xe2\x96\x84"   /* ▄ */
		                           : " ";
		size_t gl = strlen(g);
		memcpy(out + at, g, gl);
		at += gl;
	}
	out[at] = '\0';
	return true;
}
