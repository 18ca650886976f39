/* sim/ids.c: Daraja-shaped identifiers. */
#include "sim/ids.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"

static const char ALNUM36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char HEX[] = "0123456789abcdef";
static const char TOKEN_ALPHABET[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* 36^7: the receipt body's space. RECEIPT_MUL is prime (so coprime with
 * 2 and 3) and small enough that x * RECEIPT_MUL fits in 64 bits. */
#define RECEIPT_SPACE 78364164096u
#define RECEIPT_MUL 100000007u

void sim_ids_init(struct sim_ids *ids, struct sim_rng *rng)
{
	ids->rng = rng;
	atomic_init(&ids->request_seq, 10000000u + sim_rng_below(rng, 80000000u));
	atomic_init(&ids->receipt_seq, 0);
	atomic_init(&ids->checkout_seq, sim_rng_below(rng, 1000u));
	ids->receipt_offset = sim_rng_below(rng, RECEIPT_SPACE);
}

void sim_ids_request(struct sim_ids *ids, char out[SIM_ID_MAX])
{
	uint64_t seq = atomic_fetch_add(&ids->request_seq, 1);
	unsigned node = (unsigned)(1000 + sim_rng_below(ids->rng, 99000));
	snprintf(out, SIM_ID_MAX, "%u-%llu-1", node, (unsigned long long)seq);
}

void sim_ids_checkout(struct sim_ids *ids, time_t t, const char *msisdn,
                      char out[SIM_ID_MAX])
{
	struct tm tm;
	char national[10] = "000000000";
	size_t n = msisdn ? strlen(msisdn) : 0;
	if (n >= 9)
		memcpy(national, msisdn + n - 9, 9);
	clock_eat_tm(t, &tm);
	unsigned seq = (unsigned)(atomic_fetch_add(&ids->checkout_seq, 1) % 1000u);
	snprintf(out, SIM_ID_MAX, "ws_CO_%02d%02d%04d%02d%02d%02d%03u%.9s",
	         tm.tm_mday % 100, (tm.tm_mon + 1) % 100, (tm.tm_year + 1900) % 10000,
	         tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, seq, national);
}

void sim_ids_conversation(struct sim_ids *ids, time_t t, char out[SIM_ID_MAX])
{
	struct tm tm;
	char hex[21];
	clock_eat_tm(t, &tm);
	sim_rng_fill(ids->rng, hex, 20, HEX);
	snprintf(out, SIM_ID_MAX, "AG_%04d%02d%02d_%s", (tm.tm_year + 1900) % 10000,
	         (tm.tm_mon + 1) % 100, tm.tm_mday % 100, hex);
}

void sim_receipt_prefix(time_t t, char out[4])
{
	struct tm tm;
	clock_eat_tm(t, &tm);
	int year = tm.tm_year + 1900;
	/* L = 2017: 'A' + (year - 2006), wrapping after Z. */
	int y = ((year - 2006) % 26 + 26) % 26;
	out[0] = (char)('A' + y);
	out[1] = (char)('A' + tm.tm_mon);
	out[2] = tm.tm_mday <= 9 ? (char)('0' + tm.tm_mday)
	                         : (char)('A' + tm.tm_mday - 10);
	out[3] = '\0';
}

void sim_receipt_body(uint64_t n, char out[8])
{
	uint64_t x = n % RECEIPT_SPACE;
	uint64_t y = (x * RECEIPT_MUL + 12345678901u) % RECEIPT_SPACE;
	for (int i = 6; i >= 0; i--) {
		out[i] = ALNUM36[y % 36];
		y /= 36;
	}
	out[7] = '\0';
}

void sim_ids_receipt(struct sim_ids *ids, time_t t, char out[SIM_ID_MAX])
{
	char prefix[4], body[8];
	uint64_t seq = atomic_fetch_add(&ids->receipt_seq, 1);
	sim_receipt_prefix(t, prefix);
	sim_receipt_body(seq + ids->receipt_offset, body);
	snprintf(out, SIM_ID_MAX, "%s%s", prefix, body);
}

void sim_ids_placeholder(time_t t, char out[SIM_ID_MAX])
{
	char prefix[4];
	sim_receipt_prefix(t, prefix);
	snprintf(out, SIM_ID_MAX, "%s0000000", prefix);
}

void sim_ids_token(struct sim_ids *ids, char out[SIM_ID_MAX])
{
	sim_rng_fill(ids->rng, out, SIM_TOKEN_LEN, TOKEN_ALPHABET);
}

void sim_ids_uuid(struct sim_ids *ids, char out[SIM_ID_MAX])
{
	char hex[33];
	sim_rng_fill(ids->rng, hex, 32, HEX);
	snprintf(out, SIM_ID_MAX, "%.8s-%.4s-4%.3s-a%.3s-%.12s", hex, hex + 8,
	         hex + 12, hex + 15, hex + 18);
}
