/* sim/qr.c: Dynamic QR with libqrencode and libpng. */
#include "sim/qr.h"

#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "base/crypto.h"
#include "base/str.h"
#include "sim/http.h"

enum { QR_SIZE_DEFAULT = 300, QR_SIZE_MAX = 2000, QR_QUIET = 4 };

struct membuf {
	unsigned char *data;
	size_t len, cap;
	bool failed;
};

static void png_to_mem(png_structp png, png_bytep data, png_size_t n)
{
	struct membuf *m = png_get_io_ptr(png);
	if (m->failed)
		return;
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->len + n)
			cap *= 2;
		unsigned char *d = realloc(m->data, cap);
		if (!d) {
			m->failed = true;
			return;
		}
		m->data = d;
		m->cap = cap;
	}
	memcpy(m->data + m->len, data, n);
	m->len += n;
}

static void png_flush_noop(png_structp png)
{
	(void)png;
}

/* Write the grey image (size x size, 1 byte per pixel) as a 1-bit PNG. */
static bool write_png(const QRcode *qr, unsigned size, struct membuf *m)
{
	unsigned modules = (unsigned)qr->width + 2 * QR_QUIET;
	unsigned scale = size / modules ? size / modules : 1;
	if (modules * scale > size)
		size = modules * scale;
	unsigned pad = (size - modules * scale) / 2;
	size_t rowbytes = (size + 7) / 8;
	unsigned char *row = NULL;
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	if (!info) {
		png_destroy_write_struct(&png, NULL);
		return false;
	}
	row = malloc(rowbytes);
	if (!row || setjmp(png_jmpbuf(png))) {
		free(row);
		png_destroy_write_struct(&png, &info);
		return false;
	}
	png_set_write_fn(png, m, png_to_mem, png_flush_noop);
	png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (unsigned y = 0; y < size; y++) {
		memset(row, 0xff, rowbytes); /* white */
		int my = y < pad ? -1 : (int)((y - pad) / scale) - QR_QUIET;
		for (unsigned x = 0; x < size; x++) {
			int mx = x < pad ? -1 : (int)((x - pad) / scale) - QR_QUIET;
			bool dark = my >= 0 && mx >= 0 && my < qr->width && mx < qr->width &&
			            (qr->data[my * qr->width + mx] & 1);
			if (dark)
				row[x / 8] &= (unsigned char)~(0x80u >> (x % 8));
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return !m->failed;
}

enum pos_status sim_qr_png(const char *text, unsigned size, unsigned char **png,
                           size_t *len)
{
	*png = NULL;
	*len = 0;
	if (size > QR_SIZE_MAX)
		size = QR_SIZE_MAX;
	QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
	if (!qr)
		return POS_E_INVALID;
	struct membuf m = {0};
	bool ok = write_png(qr, size, &m);
	QRcode_free(qr);
	if (!ok) {
		free(m.data);
		return POS_E_NOMEM;
	}
	*png = m.data;
	*len = m.len;
	return POS_OK;
}

void sim_qr_generate(struct sim_req *r)
{
	char name[104], ref[104], trx[16], cpi[40], size_text[8], payload[512];
	const struct sim_rules *rules = sim_rules_for(SIM_OP_QR);
	const char *bad = NULL;
	enum sim_verdict v = sim_validate(rules, r->body, &bad);
	if (v == SIM_V_PAYLOAD) {
		sim_reply_payload(r);
		return;
	}
	if (v == SIM_V_FIELD && strcmp(bad, "TrxCode") == 0) {
		/* The QR product reports this one in its own way. */
		sim_reply_error(r, 400, "400", "Bad Request - Invalid TrxCode");
		sim_req_outcome(r, "rejected");
		return;
	}
	if (v == SIM_V_FIELD) {
		sim_reply_invalid(r, bad);
		return;
	}
	sim_req_field(r, "MerchantName", name, sizeof name);
	sim_req_field(r, "RefNo", ref, sizeof ref);
	sim_req_enum(r, "TrxCode", "BG|WA|PB|SM|SB", trx, sizeof trx);
	sim_req_field(r, "CPI", cpi, sizeof cpi);
	sim_req_field(r, "Size", size_text, sizeof size_text);
	int64_t amount = sim_req_amount(r, "Amount");
	uint64_t size = QR_SIZE_DEFAULT;
	if (size_text[0] && (parse_u64_str(size_text, 9999, &size) != POS_OK || size == 0))
		size = QR_SIZE_DEFAULT;

	str_fmt(payload, sizeof payload,
	        "DARAJA-SIM-QR|TrxCode=%s|CPI=%s|Amount=%lld|RefNo=%s|MerchantName=%s", trx,
	        cpi, (long long)amount, ref, name);
	unsigned char *png = NULL;
	size_t len = 0;
	if (sim_qr_png(payload, (unsigned)size, &png, &len) != POS_OK) {
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	size_t b64sz = 4 * ((len + 2) / 3) + 1;
	char *b64 = malloc(b64sz);
	if (!b64 || !crypto_base64_encode(png, len, b64, b64sz)) {
		free(png);
		free(b64);
		sim_reply_error(r, 500, "500.003.1001", "Internal Server Error");
		return;
	}
	free(png);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "ResponseCode", "00");
		cJSON_AddStringToObject(o, "ResponseDescription",
		                        "The service request is processed successfully.");
		cJSON_AddStringToObject(o, "QRCode", b64);
	}
	free(b64);
	r->accepted = true;
	sim_req_outcome(r, "generated");
	sim_reply_json(r, 200, o);
}
