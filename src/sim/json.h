/*
 * sim/json.h: small helpers around cJSON for reading Daraja requests and
 * writing Daraja-shaped answers.
 *
 * Daraja is liberal: a numeric field may arrive as a JSON number or as a
 * string. sim_json_text() reads either into text, the form every rule in
 * sim/valid.h works on.
 *
 * Ownership: strings returned by sim_json_print() are the caller's (free()).
 * Thread-safety: reentrant.
 */
#ifndef SIM_JSON_H
#define SIM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

enum { SIM_JSON_MAX_DEPTH = 32 };

/* True when the nesting of arrays and objects in [s, s+n) never exceeds
 * max_depth (brackets inside strings do not count). Run it before
 * cJSON_Parse: cJSON recurses once per level on a small handler stack. */
bool sim_json_depth_ok(const char *s, size_t n, unsigned max_depth);

/* True when [s, s+n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF) and holds no NUL byte: JSON text must be
 * UTF-8, and a NUL would cut the text short inside the parser. */
bool sim_json_text_ok(const char *s, size_t n);

enum sim_jkind {
	SIM_J_MISSING,   /* key absent, or null */
	SIM_J_STRING,
	SIM_J_NUMBER,
	SIM_J_BOOL,
	SIM_J_COMPOSITE  /* object or array */
};

/* The kind of obj[key]; for strings and numbers also its text into out
 * (numbers: whole values without a fraction, "254708374149"; others with
 * the shortest exact form, "10.5"). out may be NULL. Text that does not fit
 * is truncated (callers size out from the field's maximum). */
enum sim_jkind sim_json_text(const cJSON *obj, const char *key, char *out,
                             size_t outsz);
/* Same for an item already looked up (NULL = missing). */
enum sim_jkind sim_json_item_text(const cJSON *item, char *out, size_t outsz);

/* cJSON_PrintUnformatted; NULL when out of memory. Caller frees. */
char *sim_json_print(const cJSON *item);

/* "1540.00", "-4510.00": cents as a decimal with two places into out. */
void sim_fmt_cents(int64_t cents, char out[32]);

/* Add a number written exactly as `text` (e.g. "150.00", 20250314101544),
 * which cJSON's own printer would not preserve. */
cJSON *sim_json_add_raw(cJSON *obj, const char *key, const char *text);
cJSON *sim_json_add_cents(cJSON *obj, const char *key, int64_t cents);
cJSON *sim_json_add_int(cJSON *obj, const char *key, int64_t v);

#endif
