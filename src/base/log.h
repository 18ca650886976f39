/*
 * base/log.h: leveled logging to a file, with secrets masked at the sink.
 *
 * One line per event: "2025-03-14T07:15:02.123Z INFO  module: message".
 * Logs never go to the terminal while the console owns it: log_open() takes a
 * file path; "-" means standard error and is only for headless programs
 * (serve, daraja-sim). Before log_open() every message is dropped.
 *
 * Masking: every string registered with log_secret_add() is replaced by
 * "[secret]" wherever it appears, and the values of Authorization headers and
 * of JSON keys that carry secrets (Password, SecurityCredential, access_token,
 * ...) are masked even when they were never registered. The same masking is
 * available to other sinks (events, screens) through log_mask().
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef POS_BASE_LOG_H
#define POS_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/status.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Open (append, create 0600) the log file; "-" is stderr. Replaces any
 * previous sink. */
enum pos_status log_open(const char *path, enum log_level level,
                         struct pos_err *err);
void log_close(void);
void log_set_level(enum log_level level);
bool log_level_enabled(enum log_level level);
/* "debug", "info", "warn", "error", "off" -> level; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

/* Register a secret to be masked wherever it appears in any later line.
 * Strings shorter than 4 bytes are ignored (they would mask ordinary text).
 * The logger keeps its own copy, for the life of the process; it is wiped
 * at log_secrets_clear(). */
void log_secret_add(const char *secret);
/* The same for a secret that expires (an access token): only the newest 16
 * of these are kept, the oldest forgotten first; permanent ones never are. */
void log_secret_add_temporary(const char *secret);
void log_secrets_clear(void);

/* Mask secrets in `in` into `out` (always NUL-terminated). Returns out. */
char *log_mask(const char *in, char *out, size_t outsz);

void log_write(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The level is checked before anything is formatted. */
#define log_debug(module, ...) do { if (log_level_enabled(LOG_DEBUG)) log_write(LOG_DEBUG, module, __VA_ARGS__); } while (0)
#define log_info(module, ...)  do { if (log_level_enabled(LOG_INFO))  log_write(LOG_INFO,  module, __VA_ARGS__); } while (0)
#define log_warn(module, ...)  do { if (log_level_enabled(LOG_WARN))  log_write(LOG_WARN,  module, __VA_ARGS__); } while (0)
#define log_error(module, ...) do { if (log_level_enabled(LOG_ERROR)) log_write(LOG_ERROR, module, __VA_ARGS__); } while (0)

#endif
