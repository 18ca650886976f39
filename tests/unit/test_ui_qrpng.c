/* tests/unit/test_ui_qrpng.c: a QR code's PNG read back into its modules
 * (ui/qrpng.h), against the modules libqrencode made, at several sizes and
 * for hostile input; and the text it is drawn as. */
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/qr.h"
#include "ui/qrpng.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *text;
	unsigned size_px;
} cases[] = {
	{"DARAJA-SIM-QR|TrxCode=PB|CPI=174379|Amount=500|RefNo=A1|MerchantName=Test till", 300},
	{"DARAJA-SIM-QR|TrxCode=PB|CPI=174379|Amount=500|RefNo=A1|MerchantName=Test till", 1},
	{"x", 300},    /* version 1, scaled by 12 */
	{"x", 21},     /* one pixel per module, no quiet zone room */
	{"0123456789012345678901234567890123456789012345678901234567890123456789"
	 "0123456789012345678901234567890123456789", 777},
	{"Ünïcödé ✓ payload", 500},
};

/* The modules of text as the simulator encodes it. */
static void expect_same(const char *text, const struct ui_qr *q)
{
	QRcode *ref = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	assert_non_null(ref);
	assert_int_equal(q->n, ref->width);
	for (int r = 0; r < ref->width; r++)
		for (int c = 0; c < ref->width; c++)
			if (ui_qr_dark(q, r, c) != ((ref->data[r * ref->width + c] & 1) != 0))
				fail_msg("\"%s\": module (%d, %d) differs", text, r, c);
	QRcode_free(ref);
}

static void test_decode_matches_encoder(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		unsigned char *png = NULL;
		size_t len = 0;
		assert_int_equal(sim_qr_png(cases[i].text, cases[i].size_px, &png, &len), POS_OK);
		struct ui_qr q;
		struct pos_err err;
		assert_int_equal(ui_qr_decode(png, len, &q, &err), POS_OK);
		expect_same(cases[i].text, &q);
		ui_qr_release(&q);
		ui_qr_release(&q); /* twice is fine */
		free(png);
	}
}

static void test_hostile_input(void **state)
{
	(void)state;
	struct ui_qr q;
	struct pos_err err;
	static const unsigned char not_png[] = "GIF89a not a png at all";
	assert_int_equal(ui_qr_decode(not_png, sizeof not_png, &q, &err), POS_E_PARSE);
	assert_null(q.dark);
	assert_int_equal(ui_qr_decode("", 0, &q, &err), POS_E_PARSE);

	unsigned char *png = NULL;
	size_t len = 0;
	assert_int_equal(sim_qr_png("truncate me", 200, &png, &len), POS_OK);
	/* Cut anywhere before the image data ends (the last 16 bytes are the
	 * IDAT's CRC and IEND, which a reader may not need): refused, never a
	 * crash or a half matrix. */
	for (size_t cut = 0; cut + 16 < len; cut += len / 17 + 1) {
		enum pos_status rc = ui_qr_decode(png, cut, &q, &err);
		assert_int_not_equal(rc, POS_OK);
		assert_null(q.dark);
	}
	/* One flipped byte in the image data: refused (CRC) or a matrix that
	 * still has its finders; never out of bounds. */
	unsigned char *bad = malloc(len);
	assert_non_null(bad);
	for (size_t at = 40; at < len; at += 13) {
		memcpy(bad, png, len);
		bad[at] ^= 0x5a;
		if (ui_qr_decode(bad, len, &q, &err) == POS_OK)
			assert_true(q.n >= UI_QR_MIN_MODULES);
		ui_qr_release(&q);
	}
	free(bad);
	free(png);
}

/* A white PNG (no code) and a black one (no finder) are not QR codes. */
static void write_mem(png_structp png, png_bytep data, png_size_t n)
{
	struct {
		unsigned char *p;
		size_t len;
	} *m = png_get_io_ptr(png);
	unsigned char *np = realloc(m->p, m->len + n);
	assert_non_null(np);
	memcpy(np + m->len, data, n);
	m->p = np;
	m->len += n;
}

static void flush_mem(png_structp png)
{
	(void)png;
}

static unsigned char *plain_png(unsigned char grey, unsigned w, size_t *len)
{
	struct {
		unsigned char *p;
		size_t len;
	} m = {NULL, 0};
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	unsigned char *row = malloc(w);
	assert_non_null(row);
	memset(row, grey, w);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng failed");
	png_set_write_fn(png, &m, write_mem, flush_mem);
	png_set_IHDR(png, info, w, w, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < w; y++)
		png_write_row(png, row);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	*len = m.len;
	return m.p;
}

static void test_not_a_code(void **state)
{
	(void)state;
	struct ui_qr q;
	struct pos_err err;
	size_t len;
	unsigned char *white = plain_png(255, 64, &len);
	assert_int_equal(ui_qr_decode(white, len, &q, &err), POS_E_PARSE);
	free(white);
	unsigned char *black = plain_png(0, 64, &len);
	assert_int_equal(ui_qr_decode(black, len, &q, &err), POS_E_PARSE);
	free(black);
	/* Too large a side is refused before it is read into memory. */
	unsigned char *big = plain_png(255, UI_QR_PNG_MAX_PX + 1, &len);
	assert_int_not_equal(ui_qr_decode(big, len, &q, &err), POS_OK);
	assert_null(q.dark);
	free(big);
}

static void test_text(void **state)
{
	(void)state;
	/* A 21x21 matrix by hand: only the top-left module dark. */
	uint8_t m[21 * 21] = {0};
	m[0] = 1;
	struct ui_qr q = {.n = 21, .dark = m};
	int rows, cols;
	char line[512];

	ui_qr_size(&q, UI_QR_ASCII, &rows, &cols);
	assert_int_equal(rows, 21 + 2 * UI_QR_QUIET);
	assert_int_equal(cols, 2 * (21 + 2 * UI_QR_QUIET));
	assert_true(ui_qr_text(&q, UI_QR_ASCII, 0, line, sizeof line));
	assert_int_equal(strspn(line, " "), (size_t)cols); /* quiet zone */
	assert_true(ui_qr_text(&q, UI_QR_ASCII, UI_QR_QUIET, line, sizeof line));
	assert_int_equal(line[2 * UI_QR_QUIET], '#');
	assert_int_equal(line[2 * UI_QR_QUIET + 1], '#');
	assert_int_equal(line[2 * UI_QR_QUIET + 2], ' ');
	assert_false(ui_qr_text(&q, UI_QR_ASCII, rows, line, sizeof line));
	assert_false(ui_qr_text(&q, UI_QR_ASCII, 0, line, (size_t)cols)); /* no room for NUL */

	ui_qr_size(&q, UI_QR_HALF_BLOCKS, &rows, &cols);
	assert_int_equal(rows, (21 + 2 * UI_QR_QUIET + 1) / 2);
	assert_int_equal(cols, 21 + 2 * UI_QR_QUIET);
	/* Module row 0 is text row 1's top half (quiet zone 2 = one text row). */
	assert_true(ui_qr_text(&q, UI_QR_HALF_BLOCKS, UI_QR_QUIET / 2, line, sizeof line));
	assert_memory_equal(line + UI_QR_QUIET, "\xe2\x96\x80", 3);
	assert_int_equal(line[UI_QR_QUIET + 3], ' ');
	m[21] = 1; /* (1, 0): both halves */
	assert_true(ui_qr_text(&q, UI_QR_HALF_BLOCKS, UI_QR_QUIET / 2, line, sizeof line));
	assert_memory_equal(line + UI_QR_QUIET, "\xe2\x96\x88", 3);
	m[0] = 0;
	assert_true(ui_qr_text(&q, UI_QR_HALF_BLOCKS, UI_QR_QUIET / 2, line, sizeof line));
	assert_memory_equal(line + UI_QR_QUIET, "\xe2\x96\x84", 3);
	assert_false(ui_qr_dark(&q, -1, 0));
	assert_false(ui_qr_dark(&q, 0, 21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_matches_encoder),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_not_a_code),
		cmocka_unit_test(test_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
