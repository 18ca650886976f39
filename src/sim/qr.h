/*
 * sim/qr.h: Dynamic QR: POST /mpesa/qrcode/v1/generate.
 *
 * The answer's "QRCode" is a real PNG (base64), Size pixels square, of a QR
 * code holding the simulator's own payload (documented in docs/daraja-sim.md):
 *   DARAJA-SIM-QR|TrxCode=BG|CPI=373132|Amount=500|RefNo=INV-2041|MerchantName=Acme Ltd
 *
 * Thread-safety: reentrant.
 */
#ifndef SIM_QR_H
#define SIM_QR_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

struct sim_req;

void sim_qr_generate(struct sim_req *r);

/* A PNG of text encoded as a QR code, size x size pixels (clamped to what
 * the code needs and to 2000). *png is malloc'd. */
enum pos_status sim_qr_png(const char *text, unsigned size, unsigned char **png,
                           size_t *len);

#endif
