/*
 * sim/valid.h: the simulator's own table of Daraja's field rules.
 *
 * These are the rules Daraja itself applies at its gateway, as far as the
 * public record shows (docs/daraja-sim.md lists them). They are deliberately
 * NOT the console's stricter rules: a simulator that refused what Daraja
 * accepts would hide bugs instead of finding them. So numbers are accepted as
 * strings and strings as numbers, enumerated values may carry trailing
 * spaces, whole-valued numbers such as 1.0 are whole amounts, and
 * TransactionDesc may be longer than the documented 13 characters.
 *
 * sim_validate() walks one operation's rows in order and names the first
 * field that breaks its rule; the caller answers HTTP 400
 * {"errorCode":"400.002.02","errorMessage":"Bad Request - Invalid <field>"},
 * or 400.002.05 "Invalid Request Payload" when a field holds an object or an
 * array where a value belongs.
 *
 * Thread-safety: constant tables and pure functions.
 */
#ifndef SIM_VALID_H
#define SIM_VALID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum sim_rule_kind {
	SIM_R_TEXT,      /* any string or number; min..max characters */
	SIM_R_DIGITS,    /* ASCII digits only; min..max of them */
	SIM_R_SHORTCODE, /* 5 to 7 digits */
	SIM_R_MSISDN,    /* 12 digits starting 254 */
	SIM_R_AMOUNT,    /* a whole number >= 1 (1.0 and "10.00" are whole) */
	SIM_R_TIMESTAMP, /* YYYYMMDDHHmmss, a real date and time */
	SIM_R_URL,       /* http:// or https:// and a host */
	SIM_R_C2B_URL,   /* a URL without the words C2B refuses */
	SIM_R_ENUM,      /* one of choices, exact case, trailing spaces ok */
	SIM_R_DATETIME   /* YYYY-MM-DD HH:mm:ss */
};

struct sim_rule {
	const char *field;
	enum sim_rule_kind kind;
	bool required;
	unsigned short min, max; /* lengths for TEXT and DIGITS */
	const char *choices;     /* ENUM: "A|B|C" */
};

/* One operation's rows, in the order Daraja reports them. */
struct sim_rules {
	const struct sim_rule *rows;
	size_t n;
};

enum sim_op {
	SIM_OP_STK_PUSH,
	SIM_OP_STK_QUERY,
	SIM_OP_B2C_V1,
	SIM_OP_B2C_V3,
	SIM_OP_STATUS,
	SIM_OP_BALANCE,
	SIM_OP_REVERSAL,
	SIM_OP_C2B_REGISTER,
	SIM_OP_C2B_SIMULATE,
	SIM_OP_PULL_REGISTER,
	SIM_OP_PULL_QUERY,
	SIM_OP_QR,
	SIM_OP_COUNT
};

enum sim_verdict {
	SIM_V_OK,
	SIM_V_FIELD,   /* 400.002.02 Bad Request - Invalid <field> */
	SIM_V_PAYLOAD  /* 400.002.05 Invalid Request Payload */
};

const struct sim_rules *sim_rules_for(enum sim_op op);

/* Check body (a JSON object; NULL counts as empty) against rules. On a
 * failure *bad names the field (a pointer into the table). */
enum sim_verdict sim_validate(const struct sim_rules *rules, const cJSON *body,
                              const char **bad);
/* Check one value against one row (item NULL = missing). */
enum sim_verdict sim_rule_check(const struct sim_rule *rule, const cJSON *item);

/* Field predicates, on text. */
bool sim_valid_msisdn(const char *s);
bool sim_valid_shortcode(const char *s);
bool sim_valid_digits(const char *s, size_t min, size_t max);
/* A whole amount >= 1 written as digits, optionally followed by a point and
 * zeros ("10", "10.00"). Sets *out (whole units). */
bool sim_valid_amount_text(const char *s, int64_t *out);
/* A JSON number that is whole and >= 1. */
bool sim_valid_amount_number(double v, int64_t *out);
/* Amount from a request item, number or string. */
bool sim_valid_amount_item(const cJSON *item, int64_t *out);
bool sim_valid_url(const char *s);
/* The C2B register rule: a URL that contains none of mpesa, m-pesa,
 * safaricom, exe, exec, cmd, sql, query (any case). */
bool sim_valid_c2b_url(const char *s);
/* s is one of "A|B|C" (exact case) once trailing spaces are removed. When
 * canon is given it receives the matched choice. */
bool sim_valid_enum(const char *s, const char *choices, char *canon,
                    size_t canonsz);
bool sim_valid_datetime(const char *s);

#endif
