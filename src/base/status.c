/* base/status.c: status names, sentences and error filling. */
#include "base/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
#define POS_STATUS_NAME(name, sentence) #name,
	POS_STATUS(POS_STATUS_NAME)
#undef POS_STATUS_NAME
};

static const char *const status_sentences[] = {
#define POS_STATUS_SENTENCE(name, sentence) sentence,
	POS_STATUS(POS_STATUS_SENTENCE)
#undef POS_STATUS_SENTENCE
};

const char *pos_status_name(enum pos_status s)
{
	if ((unsigned)s >= POS_STATUS_COUNT)
		return "POS_E_?";
	return status_names[s];
}

const char *pos_status_sentence(enum pos_status s)
{
	if ((unsigned)s >= POS_STATUS_COUNT)
		return "unknown error";
	return status_sentences[s];
}

void pos_err_clear(struct pos_err *err)
{
	if (!err)
		return;
	err->code = POS_OK;
	err->field[0] = err->msg[0] = err->hint[0] = '\0';
}

enum pos_status pos_err_set(struct pos_err *err, enum pos_status code,
                            const char *field, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	err->hint[0] = '\0';
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	} else {
		snprintf(err->msg, sizeof err->msg, "%s", pos_status_sentence(code));
	}
	return code;
}

void pos_err_hint(struct pos_err *err, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof err->hint, fmt, ap);
	va_end(ap);
}

const char *pos_err_format(const struct pos_err *err, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return out;
	if (!err) {
		out[0] = '\0';
		return out;
	}
	const char *msg = err->msg[0] ? err->msg : pos_status_sentence(err->code);
	snprintf(out, outsz, "%s%s%s%s%s", err->field, err->field[0] ? ": " : "", msg,
	         err->hint[0] ? "; " : "", err->hint);
	return out;
}
