/*
 * daraja/json_int.h: private JSON helpers shared by the Daraja body parsers
 * (callback.c, response.c). Not for use outside src/daraja/.
 *
 * dj_parse() refuses a body BEFORE cJSON sees it when it is too big, holds a
 * NUL byte, nests deeper than DJ_DEPTH_MAX, is not strict JSON (RFC 8259:
 * no NaN/Infinity, no leading zeros, no trailing data, no raw control
 * characters), holds invalid UTF-8 or an escaped NUL (\u0000), or a lone
 * surrogate. The scan is a loop with an explicit stack, so a 40 KB body of
 * "[[[[" costs no recursion. Only then is cJSON run; cJSON recurses once per
 * level, which the depth cap keeps small enough for a listener thread.
 *
 * cJSON keeps numbers only as doubles. We keep the exact text of every number
 * as it appeared in the body (its "lexeme") and point each cJSON number node
 * at it, so amounts like 10.50 become 1050 minor units exactly and 14-digit
 * dates are never squeezed through a double.
 *
 * Lookups: dj_member() refuses a key that appears twice in the same object
 * (cJSON would silently keep the first, and another parser the last; a body
 * that says two things is refused). Keys that we never read are not checked.
 * Case-insensitive lookups treat case variants ("errorCode", "ErrorCode") as
 * the same key, so both at once is a duplicate too.
 *
 * Text getters refuse control characters (C0, DEL and C1): every text field
 * may end up on a terminal screen, where ESC would be an escape sequence.
 *
 * Thread-safety: reentrant; a struct dj_doc belongs to one thread.
 */
#ifndef POS_DARAJA_JSON_INT_H
#define POS_DARAJA_JSON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "base/status.h"
#include "daraja/callback.h"

enum {
	DJ_DEPTH_MAX = 32,         /* [ and { levels */
	DJ_NUMBER_TEXT_MAX = 40,   /* bytes of one number lexeme */
	DJ_PATH_MAX = 96,          /* "Result.ResultParameters.ResultParameter[Amount]" */
	DJ_LIST_MAX_DEFAULT = 64,  /* items in an Item/ResultParameter list */
};

struct dj_lexeme {
	uint32_t off;
	uint32_t len;
};

struct dj_doc {
	const char *what;          /* "STK callback", for messages */
	char *text;                /* owned NUL-terminated copy of the body */
	size_t len;
	struct dj_lexeme *nums;    /* owned; number lexemes in document order */
	size_t n_nums;
	cJSON *root;               /* owned */
};

/* Check, copy and parse body[0..len), refusing more than max_body bytes
 * (callers pass their default; 0 means no cap below 2 GiB). On success the
 * caller owns doc and must dj_release() it; on failure doc is released. */
enum pos_status dj_parse(struct dj_doc *doc, const char *what, const char *body,
                         size_t len, size_t max_body, struct pos_err *err);
void dj_release(struct dj_doc *doc);

/* Exact text of a number node (not NUL-terminated), or NULL. */
const char *dj_number_text(const struct dj_doc *doc, const cJSON *node,
                           size_t *len);

/* "a.b" into out (truncated, never overflowed). parent may be "" or NULL. */
void dj_path(char *out, size_t outsz, const char *parent, const char *key);

/* The JSON type of a node in words: "an object", "a number", "null"... */
const char *dj_type_name(const cJSON *node);

/* Find key in obj (which must be an object). *out is NULL when absent.
 * POS_E_DUPLICATE when the key (or, with nocase, a case variant) appears
 * more than once. */
enum pos_status dj_member(const cJSON *obj, const char *key, bool nocase,
                          const char *parent, const cJSON **out,
                          struct pos_err *err);

/* Require obj[key] to be an object. POS_E_EMPTY when absent (if required;
 * otherwise *out is NULL and POS_OK), POS_E_INVALID when another type. */
enum pos_status dj_object(const cJSON *obj, const char *key, bool required,
                          const char *parent, const cJSON **out,
                          struct pos_err *err);

/* Flags for the value getters. */
enum {
	DJ_REQUIRED = 1 << 0,     /* absent, null or "" is POS_E_EMPTY */
	DJ_NUMBER_OK = 1 << 1,    /* a JSON number is accepted as its text */
	DJ_SECRET = 1 << 2,       /* never quote the value in a message */
	DJ_NEGATIVE_OK = 1 << 3,  /* amounts: a leading '-' is allowed */
};

/*
 * Value getters. `node` is the value (may be NULL = absent); `path` names the
 * field in messages. Absent, null and (for text) "" leave *present false and
 * return POS_OK unless DJ_REQUIRED.
 */

/* Text of at most cap-1 bytes into dst[cap]: valid UTF-8 (checked by
 * dj_parse), no control characters. */
enum pos_status dj_text(const struct dj_doc *doc, const cJSON *node,
                        const char *path, unsigned flags, char *dst,
                        size_t cap, bool *present, struct pos_err *err);

/* A result/response code: a non-negative integer number, or a string of
 * [A-Za-z0-9_.-]. Normalised to text; *numeric and *value are set when the
 * text is all digits ("0", "1032", "00"); above INT64_MAX is refused. */
enum pos_status dj_code(const struct dj_doc *doc, const cJSON *node,
                        const char *path, unsigned flags, char *dst,
                        size_t cap, bool *numeric, int64_t *value,
                        bool *present, struct pos_err *err);

/* An exact decimal amount (number, or string like "190.00") into minor units
 * (x100) with dj_decimal_minor(); never rounded. */
enum pos_status dj_amount(const struct dj_doc *doc, const cJSON *node,
                          const char *path, unsigned flags, int64_t *minor,
                          bool *present, struct pos_err *err);

/* A whole number (integer number, or digit string) in [min, max]. */
enum pos_status dj_int(const struct dj_doc *doc, const cJSON *node,
                       const char *path, unsigned flags, int64_t min,
                       int64_t max, int64_t *out, bool *present,
                       struct pos_err *err);

/* A run of min_digits..max_digits ASCII digits (integer number or digit
 * string), kept as text in dst[cap] (cap > max_digits). */
enum pos_status dj_digits(const struct dj_doc *doc, const cJSON *node,
                          const char *path, unsigned flags, size_t min_digits,
                          size_t max_digits, char *dst, size_t cap,
                          bool *present, struct pos_err *err);

/*
 * Exact decimal text → minor units, by core/money.h's money_parse_daraja_n
 * (digits after the second decimal must be zeros; no exponent, no grouping;
 * at most MONEY_WHOLE_MAX units). POS_E_AMOUNT, with err->field = path,
 * otherwise; a '-' is refused unless negative_ok.
 */
enum pos_status dj_decimal_minor(const char *s, size_t n, bool negative_ok,
                                 const char *path, int64_t *out,
                                 struct pos_err *err);

/*
 * Name/Value item lists (CallbackMetadata.Item, ResultParameters.
 * ResultParameter, ReferenceData.ReferenceItem): an array of objects, or a
 * single bare object. Every item must be an object with a string name key
 * (namekey: "Name" or "Key") of at most 64 bytes; a name may appear once.
 * Unknown names are allowed (ignored by callers).
 */
struct dj_list {
	const cJSON *node;     /* the array, or the single object; NULL = empty */
	const char *namekey;
	size_t count;
	char path[DJ_PATH_MAX];
};

enum pos_status dj_list_open(const cJSON *node, const char *namekey,
                             const char *path, size_t max_items,
                             struct dj_list *out, struct pos_err *err);
/* Find the item called name (exact case). *found false when absent; *value
 * is the item's Value node or NULL when the item has no Value. item_path
 * (DJ_PATH_MAX) receives "path[name]" for messages. */
void dj_list_find(const struct dj_list *list, const char *name, bool *found,
                  const cJSON **value, char *item_path);
/* The i-th item object (0 <= i < count). */
const cJSON *dj_list_at(const struct dj_list *list, size_t i);

/* Text quoting for messages: copies at most 40 bytes of s, replacing control
 * bytes by '?', and appends "..." when cut. out must hold 48 bytes. */
void dj_quote(char *out, size_t outsz, const char *s, size_t n);

/* "YYYYMMDDHHmmss" already checked as 14 digits: to Unix time (EAT).
 * POS_E_INVALID naming path when the date is impossible. */
enum pos_status dj_timestamp(const char *text, const char *path, time_t *out,
                             struct pos_err *err);

/* A phone number as Daraja shows it: digits as a number (9-15 of them), or
 * text of at most DARAJA_MSISDN_LEN bytes, classified: all digits, masked
 * ('*', digits and spaces), 64 hex chars (SHA-256), or other. */
enum daraja_msisdn_kind dj_msisdn_classify(const char *s);
enum pos_status dj_msisdn(const struct dj_doc *doc, const cJSON *node,
                          const char *path, struct daraja_msisdn *out,
                          struct pos_err *err);

#endif
