/*
 * config/config_int.h: what the files of config/ share; nobody else may
 * include it.
 *
 *   value.c   the table as data, and the parser of one value by type
 *   ini.c     the line readers for the configuration file and .env
 *   load.c    sources, precedence, cross-key rules, getters
 *   print.c   config check's listing, the example file, the reference
 *   net.c     host:port, CIDR and URL helpers
 */
#ifndef POS_CONFIG_CONFIG_INT_H
#define POS_CONFIG_CONFIG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

enum {
	CONFIG_LINE_MAX = 4096,         /* bytes per line, without the newline */
	CONFIG_FILE_MAX = 1024 * 1024,  /* bytes per file */
	CONFIG_VALUE_MAX = 4096,        /* bytes per value, from any source */
	CONFIG_PROBLEM_MAX = 384,
	CONFIG_ORIGIN_MAX = 160,
	CONFIG_QUOTE_MAX = 48,          /* bytes of a value quoted in a message */
};

/* ---- value.c ------------------------------------------------------------- */
enum {
	VALUE_FROM_ENV = 1u << 0, /* environment or .env: an ORIGIN's path is
	                             dropped with a note instead of refused */
};

struct value_out {
	char *norm;                        /* heap; normalised text */
	int64_t num;                       /* INT DURATION MONEY DATE BOOL */
	char problem[CONFIG_PROBLEM_MAX];  /* on error: "\"abc\" is not ..." */
	char note[CONFIG_PROBLEM_MAX];     /* on success: something to warn of */
};

/* Parse raw (NUL-terminated) for key k. POS_OK fills norm/num (and maybe
 * note); otherwise problem says what is wrong, never quoting a SECRET value.
 * The caller frees out->norm. */
enum pos_status value_parse(const struct config_key_info *k, const char *raw,
                            unsigned mode, struct value_out *out);
/* "1..300 seconds", "sandbox or production", ... */
void value_allowed(const struct config_key_info *k, char *out, size_t outsz);
/* "\"abc\"" with control and invalid bytes escaped, cut to CONFIG_QUOTE_MAX
 * bytes; "the value" for a SECRET or SENSITIVE key. */
void value_quote(const struct config_key_info *k, const char *s, char *out,
                 size_t outsz);
/* Same, for any bytes. */
void value_quote_bytes(const char *s, size_t n, char *out, size_t outsz);
/* Index of a key in the table, or -1. Section and key compared exactly
 * (ASCII case-insensitive). */
int value_key_index(const char *section, const char *key);
bool value_section_known(const char *section);
/* Levenshtein distance, capped: returns cap + 1 when above cap. */
size_t value_distance(const char *a, const char *b, size_t cap);

/* ---- net.c --------------------------------------------------------------- */
struct url_parts {
	bool https;
	const char *host;  size_t host_len;  /* without brackets */
	const char *authority; size_t authority_len; /* host[:port], brackets kept */
	unsigned port;     /* 0 when absent */
	bool has_port;
	const char *rest;  /* path, query, fragment: from the first / ? or # */
};
/* Parse an http:// or https:// URL. On failure problem says what is wrong
 * (a phrase following the quoted value: "has no host"). */
bool net_url_parse(const char *s, struct url_parts *u, const char **problem);
/* Parse host:port into its parts (host without brackets). */
bool net_hostport_parse(const char *s, const char **host, size_t *host_len,
                        unsigned *port, const char **problem);

/* ---- ini.c --------------------------------------------------------------- */
/* Callbacks get lines of at most CONFIG_LINE_MAX bytes, without the line
 * end, NUL-terminated, with no NUL inside. Lines that break those rules are
 * reported through `bad` instead. */
struct ini_sink {
	void *ctx;
	void (*section)(void *ctx, unsigned line, const char *name);
	/* problem is NULL, or says what is wrong with the value's form (an
	 * unclosed quote); the caller names the key. */
	void (*pair)(void *ctx, unsigned line, const char *key, const char *value,
	             const char *problem);
	/* problem: a sentence ("the line has no \"=\"; ..."). */
	void (*bad)(void *ctx, unsigned line, const char *problem);
};
/* Read an INI buffer (a UTF-8 BOM at the start is skipped; CRLF or LF). */
void ini_parse(const char *data, size_t len, const struct ini_sink *sink);

struct dotenv_sink {
	void *ctx;
	void (*pair)(void *ctx, unsigned line, const char *name, const char *value);
	void (*bad)(void *ctx, unsigned line, const char *problem);
};
/* Read a .env buffer the way python-dotenv does: NAME=value, optional
 * "export ", single or double quotes, # comments. */
void dotenv_parse(const char *data, size_t len, const struct dotenv_sink *sink);

#endif
