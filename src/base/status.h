/*
 * base/status.h: status codes and error values shared by every layer.
 *
 * A fallible function returns an enum pos_status and, when the caller passes
 * a struct pos_err, fills it with the field concerned, a sentence saying what
 * happened (quoting the value) and a hint saying what to do next. The sentence
 * is written for the person at the till, not for a programmer.
 *
 * Thread-safety: everything here is reentrant; struct pos_err is caller-owned.
 */
#ifndef POS_BASE_STATUS_H
#define POS_BASE_STATUS_H

#include <stddef.h>

/* X(name, default sentence) */
#define POS_STATUS(X)                                                          \
	X(POS_OK, "done")                                                          \
	X(POS_E_INVALID, "the value is not valid")                                 \
	X(POS_E_RANGE, "the value is out of range")                                \
	X(POS_E_TOO_LONG, "the value is too long")                                 \
	X(POS_E_EMPTY, "a value is required")                                      \
	X(POS_E_PHONE, "the phone number is not valid")                            \
	X(POS_E_AMOUNT, "the amount is not valid")                                 \
	X(POS_E_NOMEM, "out of memory")                                            \
	X(POS_E_IO, "a file could not be read or written")                         \
	X(POS_E_CONFIG, "the configuration is not valid")                          \
	X(POS_E_PARSE, "the input could not be parsed")                            \
	X(POS_E_STATE, "that change of state is not allowed")                      \
	X(POS_E_NOT_FOUND, "not found")                                            \
	X(POS_E_DUPLICATE, "already recorded")                                     \
	X(POS_E_CONFLICT, "it contradicts what is already recorded")               \
	X(POS_E_DENIED, "not allowed for this operator")                           \
	X(POS_E_AUTH, "the operator id or PIN is wrong")                           \
	X(POS_E_LOCKED, "locked after too many failed attempts")                   \
	X(POS_E_STORE, "the local database failed")                                \
	X(POS_E_NET, "Daraja could not be reached")                                \
	X(POS_E_TIMEOUT, "no answer in time")                                      \
	X(POS_E_DARAJA, "Daraja refused the request")                              \
	X(POS_E_THROTTLED, "too many requests: wait and try again")                \
	X(POS_E_BREAKER, "Daraja is failing: requests are paused for a while")     \
	X(POS_E_UNKNOWN, "the outcome is not known yet")                           \
	X(POS_E_CRYPTO, "a cryptographic operation failed")                        \
	X(POS_E_BUSY, "busy: try again")                                           \
	X(POS_E_INTERNAL, "internal error")

enum pos_status {
#define POS_STATUS_ENUM(name, sentence) name,
	POS_STATUS(POS_STATUS_ENUM)
#undef POS_STATUS_ENUM
	POS_STATUS_COUNT
};

enum { POS_ERR_FIELD_MAX = 64, POS_ERR_MSG_MAX = 320, POS_ERR_HINT_MAX = 240 };

struct pos_err {
	enum pos_status code;
	char field[POS_ERR_FIELD_MAX]; /* "phone", "[daraja] timeout", "" */
	char msg[POS_ERR_MSG_MAX];     /* what happened, quoting the value */
	char hint[POS_ERR_HINT_MAX];   /* what to do next; may be empty */
};

/* "POS_E_PHONE" */
const char *pos_status_name(enum pos_status s);
/* "the phone number is not valid" */
const char *pos_status_sentence(enum pos_status s);

/* Reset to POS_OK with empty strings. err may be NULL. */
void pos_err_clear(struct pos_err *err);

/*
 * Fill err (which may be NULL) and return code, so callers can write
 * `return pos_err_set(err, POS_E_PHONE, "phone", "...", ...);`.
 * fmt may be NULL: the code's default sentence is used. Text is truncated to
 * the buffers, never overflowed.
 */
enum pos_status pos_err_set(struct pos_err *err, enum pos_status code,
                            const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Set the hint of an error already filled. err may be NULL. */
void pos_err_hint(struct pos_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "field: msg; hint" (or the parts that are set) into out. Returns out. */
const char *pos_err_format(const struct pos_err *err, char *out, size_t outsz);

#endif
