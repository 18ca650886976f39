/*
 * config/config.h: every setting of mpesa-pos, from one table.
 *
 * config/keys.def declares each key once (section, key, type, default,
 * bounds, environment variables, flags, help). From it come the typed fields
 * of struct config below, the loader and validator, `mpesa-pos config check`,
 * mpesa-pos.conf.example and docs/configuration.md.
 *
 * Where a value comes from, highest first:
 *   command-line flag (config_set_override) > environment > .env
 *   > configuration file > default.
 * The file is the --config FILE, else ./mpesa-pos.conf, else
 * $XDG_CONFIG_HOME/mpesa-pos/mpesa-pos.conf (~/.config/... by default). No
 * file at all is fine; a --config FILE that does not exist is an error.
 *
 * Ownership: config_load*() returns a struct config the caller frees with
 * config_free(); every string it holds (fields, getters, sources) is borrowed
 * from it and lives until config_free(). A struct config_diag is caller-owned
 * (zero it, pass it, config_diag_release() it).
 *
 * Thread-safety: loading and config_set_override() happen on one thread
 * before the config is shared; afterwards it is read-only and any thread may
 * read it. config_load*() registers every secret it reads with
 * log_secret_add(), so the logger masks it.
 */
#ifndef POS_CONFIG_CONFIG_H
#define POS_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

/* X(NAME, C type of the field, what it is called in messages and docs) */
#define CONFIG_TYPES(X)                                                        \
	X(STRING, const char *, "text")                                            \
	X(IDENT, const char *, "name")                                             \
	X(DIGITS, const char *, "digits")                                          \
	X(INT, int64_t, "whole number")                                            \
	X(BOOL, bool, "true/false")                                                \
	X(ENUM, const char *, "one word of a list")                                \
	X(LIST, const char *, "list of words")                                     \
	X(URL, const char *, "URL")                                                \
	X(ORIGIN, const char *, "URL without a path")                              \
	X(PATH, const char *, "file path")                                         \
	X(HOSTPORT, const char *, "host:port")                                     \
	X(DURATION, int64_t, "duration")                                           \
	X(CIDRS, const char *, "address list")                                     \
	X(MONEY, int64_t, "amount (KES)")                                          \
	X(DATE, int64_t, "date")                                                   \
	X(REGEX, const char *, "regular expression")

enum config_type {
#define CONFIG_TYPE_ENUM(name, ctype, label) CONFIG_T_##name,
	CONFIG_TYPES(CONFIG_TYPE_ENUM)
#undef CONFIG_TYPE_ENUM
	CONFIG_TYPE_COUNT
};

/* The C type of each field of struct config, by key type. A DATE field holds
 * the start of that day in Nairobi time (Unix seconds), 0 when not set. */
#define CONFIG_CTYPE_STRING const char *
#define CONFIG_CTYPE_IDENT const char *
#define CONFIG_CTYPE_DIGITS const char *
#define CONFIG_CTYPE_INT int64_t
#define CONFIG_CTYPE_BOOL bool
#define CONFIG_CTYPE_ENUM const char *
#define CONFIG_CTYPE_LIST const char *
#define CONFIG_CTYPE_URL const char *
#define CONFIG_CTYPE_ORIGIN const char *
#define CONFIG_CTYPE_PATH const char *
#define CONFIG_CTYPE_HOSTPORT const char *
#define CONFIG_CTYPE_DURATION int64_t
#define CONFIG_CTYPE_CIDRS const char *
#define CONFIG_CTYPE_MONEY int64_t
#define CONFIG_CTYPE_DATE int64_t
#define CONFIG_CTYPE_REGEX const char *

enum config_flag {
	/* Masked in every output; registered with the logger; a file that
	 * holds one must be chmod 600. */
	CONFIG_SECRET = 1u << 0,
	/* Not secret, but shown only in part (first characters). Registered
	 * with the logger too. */
	CONFIG_SENSITIVE = 1u << 1,
	/* Needed to reach real Daraja: refused when empty in production, a
	 * warning in sandbox, ignored against the simulator. */
	CONFIG_REQUIRED = 1u << 2,
	/* A PATH that must name a readable file when it is set. */
	CONFIG_EXISTS = 1u << 3,
};

/* The configuration: one struct per section, one typed field per key, e.g.
 * cfg->daraja.timeout (seconds), cfg->listener.bind ("127.0.0.1:8090").
 * Strings are never NULL ("" when not set); ENUM fields hold the canonical
 * word ("production"); PATH fields are already resolved (see
 * docs/configuration.md). Read-only for everyone but config/. */
struct config_priv;
struct config {
#define CONFIG_SECTION(sec, help) struct config_##sec {
#define CONFIG_KEY(sec, key, type, def, min, max, allowed, env, flags, unit, help) \
	CONFIG_CTYPE_##type key;
#define CONFIG_SECTION_END(sec) } sec;
#include "config/keys.def"
	struct config_priv *priv;
};

enum config_key_id {
#define CONFIG_SECTION(sec, help)
#define CONFIG_KEY(sec, key, type, def, min, max, allowed, env, flags, unit, help) \
	CONFIG_K_##sec##_##key,
#define CONFIG_SECTION_END(sec)
#include "config/keys.def"
	CONFIG_KEY_COUNT
};

/* One row of keys.def, for anyone who lists keys (docs, a settings screen). */
struct config_key_info {
	const char *section;  /* "daraja" */
	const char *key;      /* "timeout" */
	const char *name;     /* "daraja.timeout" */
	enum config_type type;
	const char *def;      /* default as written in the file; "" = not set */
	int64_t min, max;     /* bounds: value, length, or port, by type */
	const char *allowed;  /* ENUM/LIST words, "a|b|c"; else "" */
	const char *env;      /* environment variables, space-separated */
	unsigned flags;       /* enum config_flag */
	const char *unit;     /* INT unit, "bytes"; else "" */
	const char *help;     /* one line */
	size_t offset;        /* of the field in struct config */
};

/* The table, in keys.def order (CONFIG_KEY_COUNT rows). */
const struct config_key_info *config_key_at(size_t i);
/* The row for "section.key", or NULL. */
const struct config_key_info *config_key_find(const char *name);
/* Section names in order and their one-line help. NULL past the end. */
const char *config_section_at(size_t i, const char **help);

/* ---- Diagnostics: every error and warning of a load, in order ----------- */
enum { CONFIG_DIAG_MAX = 100, CONFIG_DIAG_TEXT_MAX = 640 };

enum config_diag_level { CONFIG_WARNING, CONFIG_ERROR };

struct config_diag_item {
	enum config_diag_level level;
	/* "mpesa-pos.conf:12: [daraja] timeout: \"abc\" is not a whole number;
	 *  allowed 1..300 seconds". Values of SECRET keys are never quoted. */
	char text[CONFIG_DIAG_TEXT_MAX];
};

struct config_diag {
	struct config_diag_item *items;
	size_t count, cap;
	size_t errors, warnings;
	size_t dropped; /* past CONFIG_DIAG_MAX or out of memory */
};

void config_diag_release(struct config_diag *diag);
/* Print every item ("warning: " before warnings) and, if any were dropped,
 * how many. */
void config_diag_print(const struct config_diag *diag, FILE *out);

/* ---- Loading -------------------------------------------------------------- */
struct config_load_opts {
	const char *explicit_path; /* --config FILE, or NULL to search */
	/* "NAME=value" strings, NULL-terminated; NULL: the process environment. */
	const char *const *envp;
	const char *dotenv_path;   /* NULL: ".env"; "": read none */
	bool no_search;            /* only explicit_path: not ./ nor XDG */
	/* Tests and fuzzing: the text of .env (named dotenv_path, or ".env")
	 * instead of reading a file; its mode is not checked. */
	const char *dotenv_text;
	size_t dotenv_len;
};

/*
 * Load from the --config FILE (or the search path), .env and the process
 * environment. On success *out is the config (warnings may be in diag) and
 * POS_OK is returned. On any error *out is NULL, diag holds every error
 * (FILE:LINE: [section] key: what is wrong; what is allowed) and POS_E_CONFIG
 * is returned. diag may be NULL.
 */
enum pos_status config_load(const char *explicit_path, struct config **out,
                            struct config_diag *diag);
/* opts NULL: as config_load(NULL, ...). */
enum pos_status config_load_with(const struct config_load_opts *opts,
                                 struct config **out, struct config_diag *diag);
/* Parse `len` bytes as the configuration file called `name` (the fuzz
 * target and tests; its mode is not checked). opts NULL: no environment and
 * no .env; otherwise envp, dotenv_path and dotenv_text apply as above. */
enum pos_status config_load_buffer(const char *name, const void *data, size_t len,
                                   const struct config_load_opts *opts,
                                   struct config **out, struct config_diag *diag);
void config_free(struct config *cfg);

/*
 * A command-line override: name is "section.key", origin says where it came
 * from ("flag --bind"). The value is validated like any other; then the rules
 * that tie keys together are checked again. On error the config must not be
 * used (free it). Before the config is shared only.
 */
enum pos_status config_set_override(struct config *cfg, const char *name,
                                    const char *value, const char *origin,
                                    struct pos_err *err);

/* Validate one value for "section.key" as if it came from the file; on
 * success copy its normalised form to norm (if norm is not NULL). */
enum pos_status config_check_value(const char *name, const char *value,
                                   char *norm, size_t normsz, struct pos_err *err);

/* ---- Reading -------------------------------------------------------------- */
/* Normalised text of any key ("30", "true", "2025-03-14"); NULL if the name
 * is unknown. */
const char *config_get_string(const struct config *cfg, const char *name);
/* INT, DURATION, MONEY, DATE, BOOL keys; false if unknown or another type. */
bool config_get_int(const struct config *cfg, const char *name, int64_t *out);
bool config_get_bool(const struct config *cfg, const char *name, bool *out);
/* "default", "mpesa-pos.conf:12", "environment MPESA_TIMEOUT", ".env:3",
 * or the origin given to config_set_override. NULL if the name is unknown. */
const char *config_source(const struct config *cfg, const char *name);
/* The file that was read, as found ("./mpesa-pos.conf"), or NULL. */
const char *config_file_path(const struct config *cfg);

/* Daraja's base URL with no trailing '/': [daraja] base_url, or when it is
 * empty the one of [daraja] environment. */
const char *config_daraja_base_url(const struct config *cfg);
/* "SIMULATOR" when the base URL's host is a loopback address (127.x,
 * localhost, ::1); else "PRODUCTION" or "SANDBOX" by [daraja] environment. */
const char *config_backend_label(const struct config *cfg);

/* ---- Writing -------------------------------------------------------------- */
/* "[section] key = value  (source)", one line per key, in table order;
 * masked: SECRET values as ******** and SENSITIVE ones in part. Empty values
 * print as (not set). */
void config_print(const struct config *cfg, FILE *out, bool masked);
/* mpesa-pos.conf.example, byte for byte. */
void config_write_example(FILE *out);
/* docs/configuration.md, byte for byte. */
void config_write_reference(FILE *out);

/* ---- Helpers for values the table has validated --------------------------- */
/* True when `word` is one of the comma-separated words of a LIST value. */
bool config_list_has(const char *list, const char *word);
/* Split a HOSTPORT value ("127.0.0.1:8090", "[::1]:8090", "redis:6379");
 * host comes without brackets. False if it does not parse or fit. */
bool config_hostport_split(const char *hostport, char *host, size_t hostsz,
                           unsigned *port);
/* True for localhost, 127.0.0.0/8, ::1 and ::ffff:127.x (with or without
 * brackets). */
bool config_host_is_loopback(const char *host);

enum { CONFIG_CIDR_MAX = 64, CONFIG_SAFARICOM_COUNT = 14 };
/* The callback source addresses integrators have published for Safaricom
 * (daraja-api.md section 16). In a CIDRS value the word "safaricom" stands
 * for them; the loaded value holds the addresses. */
#define CONFIG_SAFARICOM_SOURCES                                               \
	"196.201.214.200, 196.201.214.206, 196.201.213.114, 196.201.214.207, "    \
	"196.201.214.208, 196.201.213.44, 196.201.212.127, 196.201.212.138, "     \
	"196.201.212.129, 196.201.212.136, 196.201.212.74, 196.201.212.69, "      \
	"196.201.212.128, 196.201.212.132"

struct config_cidr {
	int family;         /* 4 or 6 */
	uint8_t addr[16];   /* network order; IPv4 in the first 4 bytes */
	unsigned prefix;    /* 0..32 or 0..128 */
};
/* Parse a CIDRS value into at most `max` entries; returns how many, or -1 if
 * it does not parse (never for a value the table accepted). */
int config_cidr_parse(const char *list, struct config_cidr *out, size_t max);
/* True when the textual address ip (IPv4, IPv6, or IPv4-mapped IPv6) falls
 * in one of the n blocks. */
bool config_cidr_match(const struct config_cidr *set, size_t n, const char *ip);

#endif
