/*
 * ui/qrpng.h: a QR code's PNG image (as Daraja's Dynamic QR returns it) read
 * back into its module matrix, and that matrix drawn as text.
 *
 * The decoder does not read the code's data: it finds the code in the image
 * (the dark pixels' bounding box, the module size from the top-left finder
 * pattern's 1:1:3:1:1 run), checks the three finder patterns and samples
 * the centre of every module. It accepts any PNG colour type and depth
 * (libpng's transforms make it 8-bit grey); images larger than
 * UI_QR_PNG_MAX_PX on a side are refused.
 *
 * Ownership: ui_qr_decode fills a caller-owned struct ui_qr whose modules it
 * allocates; release with ui_qr_release (safe on a zeroed or released one).
 * Thread-safety: reentrant. Pure: no curses here (the screen draws the rows
 * ui_qr_text makes).
 */
#ifndef POS_UI_QRPNG_H
#define POS_UI_QRPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

enum {
	UI_QR_PNG_MAX_PX = 4096,
	UI_QR_MIN_MODULES = 21,   /* version 1 */
	UI_QR_MAX_MODULES = 177,  /* version 40 */
	UI_QR_QUIET = 2,          /* modules of light border drawn around */
};

struct ui_qr {
	int n;             /* modules per side (21 + 4 * (version - 1)) */
	uint8_t *dark;     /* n * n, row by row: 1 dark, 0 light */
};

/* POS_E_PARSE when the bytes are not a PNG or hold no QR code (the sentence
 * says which); POS_E_RANGE for an image too large; POS_E_NOMEM. */
enum pos_status ui_qr_decode(const void *png, size_t len, struct ui_qr *out,
                             struct pos_err *err);
void ui_qr_release(struct ui_qr *q);
bool ui_qr_dark(const struct ui_qr *q, int row, int col); /* false outside */

/* How a drawn code is laid out: UTF-8 half blocks (two module rows per text
 * row, one column per module) or ASCII ("##" per dark module, one text row
 * per module row), each with a UI_QR_QUIET-module light border. */
enum ui_qr_style { UI_QR_HALF_BLOCKS, UI_QR_ASCII };
/* Text rows and columns the code needs in that style. */
void ui_qr_size(const struct ui_qr *q, enum ui_qr_style st, int *rows, int *cols);
/* Text row `row` (0-based, < rows of ui_qr_size) into out, NUL-terminated:
 * at most cols characters (3 bytes each for the half blocks). False when
 * out is too small or row is out of range. */
bool ui_qr_text(const struct ui_qr *q, enum ui_qr_style st, int row, char *out,
                size_t outsz);

#endif
