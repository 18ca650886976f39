/*
 * core/result.h: the catalogue of Daraja outcome codes, as one table.
 *
 * One X-macro row per code: the asynchronous ResultCodes (numeric 0, 1,
 * 1032, ... and string ones SFC_IC0003, R000001, C2B00011 ...) and the
 * synchronous errorCodes (400.002.02, 500.003.02 ...). Each row gives the
 * kinds of transaction it is for (0 = any), a category, the CLI exit code,
 * the technical meaning, and the sentence a cashier sees. Where a code means
 * different things per product (2001 is a wrong PIN on an STK charge and a
 * bad initiator elsewhere) a kind-specific row comes before the general one.
 *
 * Codes arrive as JSON numbers or strings; result_lookup() normalises them to
 * text first (spaces and quotes stripped, leading zeros and a zero fraction
 * of numbers dropped, letters upper-cased): 1032, "1032", " 01032 " and
 * 1032.0 are one code. An unknown code gets RESULT_UNKNOWN and a sentence
 * that quotes it.
 *
 * CLI exit codes (stable, docs/cli.md): 0 completed; 10 the customer
 * cancelled (1032); 11 not enough money (1, 5); 12 no answer (1037, 1019);
 * 13 wrong PIN (2001 on STK); 14 any other decline; 30 refused before
 * processing (synchronous errors, our C2B rejections); 31 the prompt could
 * not be delivered to the phone (1025, 9999).
 *
 * Ownership: struct result_info is caller-owned; the meaning and catalogue
 * strings are static. Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_RESULT_H
#define POS_CORE_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/txn.h"

/* X(enum, name, label) */
#define RESULT_CATEGORIES(X)                                                   \
	X(RESULT_SUCCESS, "success", "Completed")                                  \
	X(RESULT_CUSTOMER_DECLINED, "customer_declined", "Declined by customer")   \
	X(RESULT_CUSTOMER_UNREACHABLE, "customer_unreachable", "No answer")        \
	X(RESULT_INSUFFICIENT_FUNDS, "insufficient_funds", "Not enough money")     \
	X(RESULT_WRONG_PIN, "wrong_pin", "Wrong PIN")                              \
	X(RESULT_RETRY_LATER, "retry_later", "Try again later")                    \
	X(RESULT_REFUSED, "refused_before_processing", "Refused")                  \
	X(RESULT_PERMANENT_FAILURE, "permanent_failure", "Failed")                 \
	X(RESULT_UNKNOWN, "unknown", "Unknown code")

enum result_category {
#define RESULT_CATEGORY_ENUM(e, name, label) e,
	RESULT_CATEGORIES(RESULT_CATEGORY_ENUM)
#undef RESULT_CATEGORY_ENUM
	RESULT_CATEGORY_COUNT
};

enum result_exit {
	RESULT_EXIT_COMPLETED = 0,
	RESULT_EXIT_CANCELLED = 10,
	RESULT_EXIT_INSUFFICIENT = 11,
	RESULT_EXIT_NO_ANSWER = 12,
	RESULT_EXIT_WRONG_PIN = 13,
	RESULT_EXIT_DECLINED = 14,
	RESULT_EXIT_REFUSED = 30,
	RESULT_EXIT_UNREACHABLE = 31,
};

/* Kind masks for the table. */
#define RESULT_FOR(k) (1u << (k))
#define RESULT_ANY 0u
#define RESULT_STK RESULT_FOR(TXN_KIND_STK)
#define RESULT_C2B RESULT_FOR(TXN_KIND_C2B)
#define RESULT_B2C RESULT_FOR(TXN_KIND_B2C)
#define RESULT_REV RESULT_FOR(TXN_KIND_REVERSAL)
#define RESULT_QRY (RESULT_FOR(TXN_KIND_STATUS) | RESULT_FOR(TXN_KIND_BALANCE))

enum {
	RESULT_CODE_MAX = 40,      /* a normalised code + NUL (longer: cut) */
	RESULT_SENTENCE_MAX = 240, /* a cashier sentence + NUL */
};

/* One row of the catalogue. */
struct result_entry {
	const char *code;   /* normalised text: "1032", "SFC_IC0003", "400.002.02" */
	unsigned kinds;     /* RESULT_FOR() mask; 0 = any kind */
	enum result_category category;
	enum result_exit exit_code;
	bool sync;          /* a synchronous errorCode (HTTP error envelope) */
	const char *meaning;  /* technical, from daraja-api.md */
	const char *sentence; /* for the cashier */
};

/* What a lookup found. */
struct result_info {
	char code[RESULT_CODE_MAX]; /* normalised */
	bool known;
	enum result_category category;
	enum result_exit exit_code;
	const char *meaning;                  /* static */
	char sentence[RESULT_SENTENCE_MAX];   /* for the cashier */
};

/*
 * Look up a code (number or string, as text) for a transaction of kind k.
 * Always fills *out: an unknown, empty or NULL code gives known = false,
 * RESULT_UNKNOWN, exit 14 and a sentence quoting the code.
 */
void result_lookup(const char *code, enum txn_kind k, struct result_info *out);

/* The CLI exit code for a code on kind k (see the table in the comment). */
int result_exit_code(const char *code, enum txn_kind k);

/* Normalise a code to its catalogue text into out (RESULT_CODE_MAX is
 * enough). False when nothing is left (empty) or it did not fit. */
bool result_normalize(const char *code, char *out, size_t outsz);

const char *result_category_name(enum result_category c);  /* "wrong_pin" */
const char *result_category_label(enum result_category c); /* "Wrong PIN" */
bool result_category_parse(const char *name, enum result_category *out);

/*
 * The state a FINAL outcome code puts a transaction of kind k in: success is
 * completed; the customer cancelling (1032) is cancelled; no answer (1037,
 * 1019) is timed_out; every other code, known or not, is failed. Only for
 * codes that end a transaction (a callback's or a final STK query's
 * ResultCode), never for synchronous errorCodes.
 */
enum txn_state result_final_state(const char *code, enum txn_kind k);

/* The whole catalogue, for documentation and tests. */
const struct result_entry *result_catalogue(size_t *count);

#endif
