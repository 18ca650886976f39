/*
 * core/money.h: amounts of money as int64 minor units with a currency.
 *
 * Minor units are always hundredths of the currency unit (MONEY_SCALE = 100)
 * for KES, TZS and UGX alike, so the ledger has one scale; Daraja itself
 * takes whole units only. Amounts are integers everywhere: nothing here uses
 * floating point, and nothing is ever rounded.
 *
 *  - money_parse(): what a cashier types ("1,000", "KES 1,000", "Ksh. 1000",
 *    "1000.00", "1,000/="). A fraction with cents is refused, never rounded.
 *  - money_parse_daraja(): amounts as Daraja sends them in callbacks ("1",
 *    "1.0", "10.00", "\"190.00\"", "-4510.00") into minor units, exactly.
 *  - money_format(): "KES 1,000" for screens; money_format_wire(): "1000".
 *  - struct money_limits: per-currency, per-operation minimum and maximum,
 *    defaults from money_limits_default(), overridable by config.
 *
 * This header is shared with the simulator: it depends on base/ only.
 * Ownership: every buffer and struct is caller-owned.
 * Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_MONEY_H
#define POS_CORE_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

/* X(enum, ISO 4217 code, name) */
#define MONEY_CURRENCIES(X)                                                    \
	X(CURRENCY_KES, "KES", "Kenyan shillings")                                 \
	X(CURRENCY_TZS, "TZS", "Tanzanian shillings")                              \
	X(CURRENCY_UGX, "UGX", "Ugandan shillings")

enum currency {
#define MONEY_CURRENCY_ENUM(e, code, name) e,
	MONEY_CURRENCIES(MONEY_CURRENCY_ENUM)
#undef MONEY_CURRENCY_ENUM
	CURRENCY_COUNT
};

/* X(enum, config name, label for sentences) */
#define MONEY_OPS(X)                                                           \
	X(MONEY_OP_CHARGE, "stk", "an M-Pesa charge")                              \
	X(MONEY_OP_C2B, "c2b", "a till or paybill payment")                        \
	X(MONEY_OP_PAYOUT, "b2c", "a payout")

enum money_op {
#define MONEY_OP_ENUM(e, name, label) e,
	MONEY_OPS(MONEY_OP_ENUM)
#undef MONEY_OP_ENUM
	MONEY_OP_COUNT
};

enum {
	MONEY_SCALE = 100,    /* minor units per unit, for every currency */
	MONEY_FMT_MAX = 48,   /* enough for any formatted amount + NUL */
	MONEY_TYPED_MAX = 64, /* longer typed input is refused */
};

/* Largest amount either parser accepts: one trillion units. Sums of many
 * such amounts still fit in int64. */
#define MONEY_WHOLE_MAX INT64_C(1000000000000)
#define MONEY_MINOR_MAX (MONEY_WHOLE_MAX * MONEY_SCALE)

const char *currency_code(enum currency c); /* "KES" */
const char *currency_name(enum currency c); /* "Kenyan shillings" */
/* "KES", "kes", "Ksh", "KShs" -> CURRENCY_KES (likewise TZS/Tsh, UGX/USh). */
bool currency_parse(const char *s, enum currency *out);

const char *money_op_name(enum money_op op);  /* "stk" */
const char *money_op_label(enum money_op op); /* "an M-Pesa charge" */
bool money_op_parse(const char *name, enum money_op *out);

/*
 * What a cashier typed, in currency cur. Accepts surrounding spaces, a
 * currency prefix or suffix (KES, Ksh, Ksh., KShs, Sh, also "/=" or "/-" at
 * the end), thousands grouped with commas (1,000,000), and a fraction of
 * zeros (1000.00). Refuses, with field "amount": empty (POS_E_EMPTY); cents
 * ("10.50 has cents: Daraja takes whole shillings; enter 10 or 11"); bad
 * grouping (1,00); negative; letters and other characters; more than one
 * point; another currency; above MONEY_WHOLE_MAX (all POS_E_AMOUNT).
 * On success *minor = whole units * MONEY_SCALE. Zero parses (the limits
 * refuse it).
 */
enum pos_status money_parse(const char *typed, enum currency cur,
                            int64_t *minor, struct pos_err *err);
enum pos_status money_parse_n(const char *typed, size_t n, enum currency cur,
                              int64_t *minor, struct pos_err *err);

/*
 * An amount as Daraja sends it: optional surrounding double quotes and
 * spaces, optional '-', digits, optional '.' and digits. Digits after the
 * second decimal place must be zeros (exact, never rounded). No grouping,
 * no exponent, no '+'. POS_E_PARSE (field "amount") otherwise.
 */
enum pos_status money_parse_daraja(const char *text, int64_t *minor,
                                   struct pos_err *err);
enum pos_status money_parse_daraja_n(const char *text, size_t n,
                                     int64_t *minor, struct pos_err *err);

/* "KES 1,000", "KES 1,000.50", "KES -4,510". Returns out ("" when it did not
 * fit). */
const char *money_format(int64_t minor, enum currency cur, char *out,
                         size_t outsz);
/* "1000", "1000.50", "-4510" (no grouping, no currency; CSV and logs). */
const char *money_format_plain(int64_t minor, char *out, size_t outsz);
/* Whole units for a Daraja request ("1000"). False, out = "", when minor is
 * negative, has cents, or out is too small. */
bool money_format_wire(int64_t minor, char *out, size_t outsz);

/* True when minor is a whole number of units. */
bool money_is_whole(int64_t minor);

/* Limits, in minor units, inclusive. */
struct money_limit {
	int64_t min;
	int64_t max;
};

struct money_limits {
	struct money_limit lim[CURRENCY_COUNT][MONEY_OP_COUNT];
};

/*
 * Defaults: KES charge and C2B 1-250,000, payout 10-250,000; TZS (every
 * operation) 100-10,000,000; UGX 500-4,000,000.
 */
void money_limits_default(struct money_limits *l);

/* Override one limit (the config layer). Refuses, with POS_E_RANGE and field
 * "limits", a minimum below one unit, a maximum below the minimum, cents, or
 * a maximum above MONEY_MINOR_MAX. */
enum pos_status money_limits_set(struct money_limits *l, enum currency cur,
                                 enum money_op op, int64_t min, int64_t max,
                                 struct pos_err *err);

/*
 * POS_OK when min <= minor <= max for (cur, op). Otherwise POS_E_RANGE with
 * field "amount": "KES 300,000 is above the limit of KES 250,000 for an
 * M-Pesa charge". l may be NULL: the defaults apply.
 */
enum pos_status money_check_limit(const struct money_limits *l,
                                  enum currency cur, enum money_op op,
                                  int64_t minor, struct pos_err *err);

#endif
