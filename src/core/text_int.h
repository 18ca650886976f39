/*
 * core/text_int.h: private helpers shared by the core modules (not part of
 * core's public API; only the .c files of core/ may include it).
 *
 * core_quote() makes untrusted text safe to quote in an error sentence: it
 * keeps printable ASCII and valid UTF-8, shows control bytes, NUL and invalid
 * UTF-8 as '?', and cuts long values at a character boundary with "...".
 *
 * Thread-safety: reentrant; buffers are caller-owned.
 */
#ifndef POS_CORE_TEXT_INT_H
#define POS_CORE_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest quoted value in a message, in bytes (before "..."). */
enum { CORE_QUOTE_MAX = 40 };

/* Quote [s, s+n) into out (outsz >= 8). Returns out. */
const char *core_quote(const char *s, size_t n, char *out, size_t outsz);

/* ASCII white space (space, tab, CR, LF, VT, FF). */
bool core_is_space(char c);

/* Trim ASCII white space from both ends of [*s, *s + *n). */
void core_trim(const char **s, size_t *n);

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
size_t core_utf8_seq(const unsigned char *s, size_t n);

#endif
