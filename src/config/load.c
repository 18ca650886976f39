/* config/load.c: sources, precedence, the rules that tie keys together, and
 * the getters. */
#include "config/config_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"

enum origin_kind { FROM_DEFAULT, FROM_FILE, FROM_DOTENV, FROM_ENV, FROM_FLAG };

struct slot {
	char *value;                    /* normalised; PATH already resolved */
	int64_t num;
	enum origin_kind kind;
	char origin[CONFIG_ORIGIN_MAX]; /* "mpesa-pos.conf:12", "default" */
	unsigned file_line;             /* line that set it in the file, or 0 */
};

struct config_priv {
	struct slot slots[CONFIG_KEY_COUNT];
	char *file_path;                /* as shown in messages, or NULL */
	char *file_dir;                 /* directory of file_path, or NULL */
	char *home;                     /* $HOME, for ~/ in paths, or NULL */
	char *base_url;                 /* effective Daraja base URL */
};

static const char SANDBOX_URL[] = "https://sandbox.safaricom.co.ke";
static const char PRODUCTION_URL[] = "https://api.safaricom.co.ke";

/* ---- diagnostics ----------------------------------------------------------- */

void config_diag_release(struct config_diag *diag)
{
	if (!diag)
		return;
	free(diag->items);
	memset(diag, 0, sizeof *diag);
}

void config_diag_print(const struct config_diag *diag, FILE *out)
{
	/* Errors first: they are what stops mpesa-pos. */
	for (size_t i = 0; i < diag->count; i++)
		if (diag->items[i].level == CONFIG_ERROR)
			fprintf(out, "%s\n", diag->items[i].text);
	for (size_t i = 0; i < diag->count; i++)
		if (diag->items[i].level == CONFIG_WARNING)
			fprintf(out, "warning: %s\n", diag->items[i].text);
	if (diag->dropped)
		fprintf(out, "... and %zu more not shown\n", diag->dropped);
}

__attribute__((format(printf, 3, 0)))
static void diag_vadd(struct config_diag *diag, enum config_diag_level level,
                      const char *fmt, va_list ap)
{
	if (!diag)
		return;
	if (level == CONFIG_ERROR)
		diag->errors++;
	else
		diag->warnings++;
	if (diag->count == CONFIG_DIAG_MAX) {
		diag->dropped++;
		return;
	}
	if (diag->count == diag->cap) {
		size_t cap = diag->cap ? diag->cap * 2 : 8;
		if (cap > CONFIG_DIAG_MAX)
			cap = CONFIG_DIAG_MAX;
		struct config_diag_item *items = realloc(diag->items, cap * sizeof *items);
		if (!items) {
			diag->dropped++;
			return;
		}
		diag->items = items;
		diag->cap = cap;
	}
	struct config_diag_item *it = &diag->items[diag->count++];
	it->level = level;
	vsnprintf(it->text, sizeof it->text, fmt, ap);
}

__attribute__((format(printf, 3, 4)))
static void diag_add(struct config_diag *diag, enum config_diag_level level,
                     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(diag, level, fmt, ap);
	va_end(ap);
}

/* ---- the loader ---------------------------------------------------------- */

struct dotenv_entry {
	char *name;
	char *value;
	unsigned line;
};

struct loader {
	struct config *cfg;
	struct config_diag *diag;
	unsigned errors;
	const char *const *envp;       /* NULL: getenv() */
	/* The file being read. */
	const char *fname;
	char section[64];
	bool in_section;               /* a header was seen */
	bool section_known;
	char file_secrets[160];        /* names of SECRET keys set in the file */
	/* .env */
	const char *dotenv_name;
	struct dotenv_entry *dotenv;
	size_t dotenv_n, dotenv_cap;
	char dotenv_secrets[160];
};

__attribute__((format(printf, 3, 4)))
static void report(struct loader *L, enum config_diag_level level, const char *fmt, ...)
{
	va_list ap;
	if (level == CONFIG_ERROR)
		L->errors++;
	va_start(ap, fmt);
	diag_vadd(L->diag, level, fmt, ap);
	va_end(ap);
}

static const char *env_get(const struct loader *L, const char *name)
{
	const char *v = NULL;
	if (L->envp) {
		size_t n = strlen(name);
		for (const char *const *e = L->envp; *e; e++)
			if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
				v = *e + n + 1;
	} else {
		v = getenv(name);
	}
	return v && *v ? v : NULL;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *c = malloc(n + 1);
	if (c)
		memcpy(c, s, n + 1);
	return c;
}

/* dir + "/" + rel, or NULL. */
static char *path_join(const char *dir, const char *rel)
{
	size_t dl = strlen(dir), rl = strlen(rel);
	bool slash = dl > 0 && dir[dl - 1] == '/';
	char *p = malloc(dl + rl + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (!slash)
		p[dl++] = '/';
	memcpy(p + dl, rel, rl + 1);
	return p;
}

/* Relative paths from the file and defaults are relative to the file's
 * directory; from the environment, .env and flags to the working directory.
 * "~/" is $HOME. "-" stays "-". */
static char *resolve_path(const struct config_priv *p, enum origin_kind kind,
                          const char *v)
{
	if (v[0] == '\0' || strcmp(v, "-") == 0 || v[0] == '/')
		return dup_str(v);
	if (v[0] == '~' && (v[1] == '/' || v[1] == '\0') && p->home)
		return path_join(p->home, v[1] ? v + 2 : "");
	if ((kind == FROM_FILE || kind == FROM_DEFAULT) && p->file_dir &&
	    strcmp(p->file_dir, ".") != 0)
		return path_join(p->file_dir, v);
	return dup_str(v);
}

static void register_secret(const struct config_key_info *k, const char *v)
{
	if ((k->flags & (CONFIG_SECRET | CONFIG_SENSITIVE)) && v && *v)
		log_secret_add(v);
}

static void append_name(char *list, size_t sz, const char *name)
{
	if (strstr(list, name))
		return;
	size_t n = strlen(list);
	str_fmt(list + n, sz - n, "%s%s", n ? ", " : "", name);
}

/* Store a parsed value into slot i. Takes ownership of norm. */
static bool slot_set(struct config *cfg, size_t i, char *norm, int64_t num,
                     enum origin_kind kind, const char *origin)
{
	const struct config_key_info *k = config_key_at(i);
	struct slot *s = &cfg->priv->slots[i];
	char *v = norm;
	if (k->type == CONFIG_T_PATH) {
		v = resolve_path(cfg->priv, kind, norm);
		free(norm);
		if (!v)
			return false;
	}
	free(s->value);
	s->value = v;
	s->num = num;
	s->kind = kind;
	str_copy(s->origin, sizeof s->origin, origin);
	return true;
}

/*
 * Validate raw for key i and store it. where: how messages name the place
 * ("mpesa-pos.conf:12", "environment MPESA_TIMEOUT"); origin: how config
 * check names it. hint: added to an error, or NULL.
 */
static bool apply(struct loader *L, size_t i, const char *raw, enum origin_kind kind,
                  const char *where, const char *origin, const char *hint)
{
	const struct config_key_info *k = config_key_at(i);
	struct value_out vo;
	unsigned mode = (kind == FROM_ENV || kind == FROM_DOTENV) ? VALUE_FROM_ENV : 0;
	register_secret(k, raw);
	if (value_parse(k, raw, mode, &vo) != POS_OK) {
		char allowed[256];
		value_allowed(k, allowed, sizeof allowed);
		report(L, CONFIG_ERROR, "%s: [%s] %s: %s; allowed %s%s%s", where, k->section,
		       k->key, vo.problem, allowed, hint ? " " : "", hint ? hint : "");
		return false;
	}
	if (vo.note[0])
		report(L, CONFIG_WARNING, "%s: [%s] %s: %s", where, k->section, k->key, vo.note);
	register_secret(k, vo.norm);
	if (!slot_set(L->cfg, i, vo.norm, vo.num, kind, origin)) {
		report(L, CONFIG_ERROR, "%s: [%s] %s: out of memory", where, k->section, k->key);
		return false;
	}
	return true;
}

/* ---- the file ---------------------------------------------------------- */

static void file_section(void *ctx, unsigned line, const char *name)
{
	struct loader *L = ctx;
	L->in_section = true;
	str_copy(L->section, sizeof L->section, name);
	L->section_known = value_section_known(name);
	if (L->section_known) {
		/* Keep the canonical spelling. */
		const char *s;
		for (size_t i = 0; (s = config_section_at(i, NULL)); i++)
			if (str_eq_nocase(s, name))
				str_copy(L->section, sizeof L->section, s);
		return;
	}
	char q[CONFIG_QUOTE_MAX + 16], best[64] = "", list[256] = "";
	const char *s;
	size_t bestd = 3;
	value_quote_bytes(name, strlen(name), q, sizeof q);
	for (size_t i = 0; (s = config_section_at(i, NULL)); i++) {
		size_t d = value_distance(name, s, 2);
		if (d < bestd) {
			bestd = d;
			str_copy(best, sizeof best, s);
		}
		size_t n = strlen(list);
		str_fmt(list + n, sizeof list - n, "%s[%s]", n ? ", " : "", s);
	}
	if (best[0])
		report(L, CONFIG_ERROR, "%s:%u: [%s]: unknown section; did you mean [%s]?",
		       L->fname, line, q, best);
	else
		report(L, CONFIG_ERROR, "%s:%u: [%s]: unknown section; allowed %s",
		       L->fname, line, q, list);
}

/* "unknown key" with the most useful suggestion. */
static void unknown_key(struct loader *L, unsigned line, const char *key)
{
	char q[CONFIG_QUOTE_MAX + 16];
	value_quote_bytes(key, strlen(key), q, sizeof q);
	const char *elsewhere = NULL, *close = NULL;
	size_t bestd = 3;
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		if (str_eq_nocase(k->key, key) && !elsewhere)
			elsewhere = k->section;
		if (strcmp(k->section, L->section) == 0) {
			size_t d = value_distance(key, k->key, 2);
			if (d < bestd) {
				bestd = d;
				close = k->key;
			}
		}
	}
	if (elsewhere)
		report(L, CONFIG_ERROR, "%s:%u: [%s] %s: unknown key here; it belongs under [%s]",
		       L->fname, line, L->section, q, elsewhere);
	else if (close)
		report(L, CONFIG_ERROR, "%s:%u: [%s] %s: unknown key; did you mean %s?",
		       L->fname, line, L->section, q, close);
	else
		report(L, CONFIG_ERROR,
		       "%s:%u: [%s] %s: unknown key; the keys are listed in mpesa-pos.conf.example",
		       L->fname, line, L->section, q);
}

static void file_pair(void *ctx, unsigned line, const char *key, const char *value,
                      const char *problem)
{
	struct loader *L = ctx;
	if (!L->in_section) {
		char q[CONFIG_QUOTE_MAX + 16];
		const char *home = NULL;
		value_quote_bytes(key, strlen(key), q, sizeof q);
		for (size_t i = 0; i < CONFIG_KEY_COUNT && !home; i++)
			if (str_eq_nocase(config_key_at(i)->key, key))
				home = config_key_at(i)->section;
		if (home)
			report(L, CONFIG_ERROR, "%s:%u: %s: the key comes before any [section]; "
			       "put it under [%s]", L->fname, line, q, home);
		else
			report(L, CONFIG_ERROR, "%s:%u: %s: the key comes before any [section]; "
			       "put it under one, e.g. [daraja]", L->fname, line, q);
		return;
	}
	if (!L->section_known)
		return; /* reported once, at the header */
	int i = value_key_index(L->section, key);
	if (i < 0) {
		unknown_key(L, line, key);
		return;
	}
	const struct config_key_info *k = config_key_at((size_t)i);
	struct slot *s = &L->cfg->priv->slots[i];
	char where[CONFIG_ORIGIN_MAX];
	str_fmt(where, sizeof where, "%s:%u", L->fname, line);
	register_secret(k, value);
	if (s->file_line) {
		report(L, CONFIG_ERROR, "%s: [%s] %s: set twice (first on line %u); keep one",
		       where, k->section, k->key, s->file_line);
		return;
	}
	s->file_line = line;
	if ((k->flags & CONFIG_SECRET) && *value)
		append_name(L->file_secrets, sizeof L->file_secrets, k->key);
	if (problem) {
		report(L, CONFIG_ERROR, "%s: [%s] %s: %s", where, k->section, k->key, problem);
		return;
	}
	apply(L, (size_t)i, value, FROM_FILE, where, where, NULL);
}

static void file_bad(void *ctx, unsigned line, const char *problem)
{
	struct loader *L = ctx;
	report(L, CONFIG_ERROR, "%s:%u: %s", L->fname, line, problem);
}

/* A file that holds secrets must be closed to other users. */
static void check_mode(struct loader *L, const char *name, mode_t mode,
                       const char *secrets)
{
	if (!secrets[0] || (mode & 077) == 0)
		return;
	const char *what = (mode & 044) ? "other users can read it"
	                   : (mode & 022) ? "other users can change it"
	                                  : "it is open to other users";
	report(L, CONFIG_ERROR,
	       "%s: holds secrets (%s) but %s (mode %04o); run: chmod 600 %s",
	       name, secrets, what, (unsigned)(mode & 07777), name);
}

/* ---- reading files --------------------------------------------------------- */

enum read_result { READ_OK, READ_MISSING, READ_FAILED };

/* Read a whole regular file of at most CONFIG_FILE_MAX bytes. On
 * READ_FAILED, why says what went wrong. */
static enum read_result read_file(const char *path, char **data, size_t *len,
                                  mode_t *mode, char *why, size_t whysz)
{
	*data = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return READ_MISSING;
		str_fmt(why, whysz, "cannot be opened (%s)", strerror(errno));
		return READ_FAILED;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		str_fmt(why, whysz, "cannot be read (%s)", strerror(errno));
		close(fd);
		return READ_FAILED;
	}
	if (!S_ISREG(st.st_mode)) {
		str_copy(why, whysz, S_ISDIR(st.st_mode) ? "is a folder, not a file"
		                                         : "is not a regular file");
		close(fd);
		return READ_FAILED;
	}
	*mode = st.st_mode;
	char *buf = malloc(CONFIG_FILE_MAX + 1);
	if (!buf) {
		str_copy(why, whysz, "cannot be read (out of memory)");
		close(fd);
		return READ_FAILED;
	}
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, CONFIG_FILE_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			str_fmt(why, whysz, "cannot be read (%s)", strerror(errno));
			free(buf);
			close(fd);
			return READ_FAILED;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > CONFIG_FILE_MAX) {
			str_fmt(why, whysz, "is larger than %d bytes; is it the right file?",
			        CONFIG_FILE_MAX);
			free(buf);
			close(fd);
			return READ_FAILED;
		}
	}
	close(fd);
	*data = buf;
	*len = got;
	return READ_OK;
}

/* ---- .env and the environment ------------------------------------------------ */

static void dotenv_pair(void *ctx, unsigned line, const char *name, const char *value)
{
	struct loader *L = ctx;
	if (L->dotenv_n == L->dotenv_cap) {
		size_t cap = L->dotenv_cap ? L->dotenv_cap * 2 : 16;
		struct dotenv_entry *e = realloc(L->dotenv, cap * sizeof *e);
		if (!e) {
			report(L, CONFIG_ERROR, "%s:%u: out of memory", L->dotenv_name, line);
			return;
		}
		L->dotenv = e;
		L->dotenv_cap = cap;
	}
	struct dotenv_entry *e = &L->dotenv[L->dotenv_n];
	e->name = dup_str(name);
	e->value = dup_str(value);
	e->line = line;
	if (!e->name || !e->value) {
		free(e->name);
		free(e->value);
		report(L, CONFIG_ERROR, "%s:%u: out of memory", L->dotenv_name, line);
		return;
	}
	L->dotenv_n++;
}

static void dotenv_bad(void *ctx, unsigned line, const char *problem)
{
	struct loader *L = ctx;
	/* .env is shared with other programs: a line we cannot read is theirs
	 * to worry about, unless it was meant for us. */
	report(L, CONFIG_WARNING, "%s:%u: %s (line ignored)", L->dotenv_name, line, problem);
}

/* The last .env entry called name with a non-empty value, or NULL. */
static const struct dotenv_entry *dotenv_find(const struct loader *L, const char *name)
{
	const struct dotenv_entry *found = NULL;
	for (size_t i = 0; i < L->dotenv_n; i++)
		if (strcmp(L->dotenv[i].name, name) == 0)
			found = L->dotenv[i].value[0] ? &L->dotenv[i] : NULL;
	return found;
}

static void dotenv_free(struct loader *L)
{
	for (size_t i = 0; i < L->dotenv_n; i++) {
		crypto_wipe(L->dotenv[i].value, strlen(L->dotenv[i].value));
		free(L->dotenv[i].name);
		free(L->dotenv[i].value);
	}
	free(L->dotenv);
	L->dotenv = NULL;
	L->dotenv_n = L->dotenv_cap = 0;
}

/* Next space-separated name of an env list into out; false at the end. */
static bool next_env_name(const char **p, char *out, size_t outsz)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return false;
	size_t n = strcspn(*p, " ");
	str_copyn(out, outsz, *p, n);
	*p += n;
	return true;
}

/* Apply the environment (from_dotenv false) or .env (true) to every key that
 * has variables: the first variable of the list that is set wins. */
static void apply_env_layer(struct loader *L, bool from_dotenv)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		const char *p = k->env;
		char name[64], chosen[64] = "";
		const char *value = NULL;
		unsigned line = 0;
		while (next_env_name(&p, name, sizeof name)) {
			const char *v;
			unsigned l = 0;
			if (from_dotenv) {
				const struct dotenv_entry *e = dotenv_find(L, name);
				v = e ? e->value : NULL;
				l = e ? e->line : 0;
			} else {
				v = env_get(L, name);
			}
			if (!v)
				continue;
			if (!value) {
				value = v;
				line = l;
				str_copy(chosen, sizeof chosen, name);
			} else if (strcmp(v, value) != 0) {
				report(L, CONFIG_WARNING,
				       "%s: both %s and %s are set and differ; using %s for [%s] %s",
				       from_dotenv ? L->dotenv_name : "environment", chosen, name, chosen,
				       k->section, k->key);
			}
		}
		if (!value)
			continue;
		char where[CONFIG_ORIGIN_MAX], origin[CONFIG_ORIGIN_MAX], hint[160] = "";
		if (from_dotenv) {
			str_fmt(where, sizeof where, "%s:%u (%s)", L->dotenv_name, line, chosen);
			str_fmt(origin, sizeof origin, "%s:%u", L->dotenv_name, line);
			if ((k->flags & CONFIG_SECRET))
				append_name(L->dotenv_secrets, sizeof L->dotenv_secrets, chosen);
		} else {
			str_fmt(where, sizeof where, "environment %s", chosen);
			str_copy(origin, sizeof origin, where);
		}
		if (!strstr(chosen, "MPESA")) {
			char first[64];
			const char *q = k->env;
			next_env_name(&q, first, sizeof first);
			str_fmt(hint, sizeof hint, "(if %s belongs to another program, set %s, "
			        "which comes first)", chosen, first);
		}
		char trimmed[CONFIG_VALUE_MAX + 2];
		if (!str_copy(trimmed, sizeof trimmed, value)) {
			report(L, CONFIG_ERROR, "%s: [%s] %s: the value is longer than %d bytes",
			       where, k->section, k->key, CONFIG_VALUE_MAX);
			continue;
		}
		apply(L, i, str_trim(trimmed), from_dotenv ? FROM_DOTENV : FROM_ENV, where,
		      origin, hint[0] ? hint : NULL);
	}
}

/* ---- rules across keys ------------------------------------------------------ */

static const struct slot *slot_of(const struct config *cfg, enum config_key_id id)
{
	return &cfg->priv->slots[id];
}

static void fields_from_slots(struct config *cfg)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		const struct slot *s = &cfg->priv->slots[i];
		char *field = (char *)cfg + k->offset;
		switch (k->type) {
		case CONFIG_T_INT:
		case CONFIG_T_DURATION:
		case CONFIG_T_MONEY:
		case CONFIG_T_DATE:
			memcpy(field, &s->num, sizeof s->num);
			break;
		case CONFIG_T_BOOL: {
			bool b = s->num != 0;
			memcpy(field, &b, sizeof b);
			break;
		}
		default: {
			const char *v = s->value;
			memcpy(field, &v, sizeof v);
			break;
		}
		}
	}
}

const char *config_backend_label(const struct config *cfg)
{
	struct url_parts u;
	const char *problem;
	char host[64];
	const char *base = config_daraja_base_url(cfg);
	if (net_url_parse(base, &u, &problem) && str_copyn(host, sizeof host, u.host, u.host_len) &&
	    config_host_is_loopback(host))
		return "SIMULATOR";
	return strcmp(cfg->daraja.environment, "production") == 0 ? "PRODUCTION" : "SANDBOX";
}

const char *config_daraja_base_url(const struct config *cfg)
{
	return cfg->priv->base_url;
}

static bool compute_base_url(struct config *cfg)
{
	const char *v = cfg->daraja.base_url;
	if (!v[0])
		v = strcmp(cfg->daraja.environment, "production") == 0 ? PRODUCTION_URL : SANDBOX_URL;
	char *copy = dup_str(v);
	if (!copy)
		return false;
	size_t n = strlen(copy);
	/* Keep "https://" whole: strip only slashes after the host. */
	while (n > 0 && copy[n - 1] == '/' && n > strlen("https://"))
		copy[--n] = '\0';
	free(cfg->priv->base_url);
	cfg->priv->base_url = copy;
	return true;
}

struct rules {
	struct config *cfg;
	struct config_diag *diag;
	bool warnings;
	unsigned errors;
	struct pos_err *first;
};

__attribute__((format(printf, 4, 5)))
static void rule(struct rules *R, enum config_diag_level level, enum config_key_id id,
                 const char *fmt, ...)
{
	if (level == CONFIG_WARNING && !R->warnings)
		return;
	const struct config_key_info *k = config_key_at(id);
	const struct slot *s = slot_of(R->cfg, id);
	char msg[CONFIG_DIAG_TEXT_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *where = s->kind != FROM_DEFAULT ? s->origin
	                    : R->cfg->priv->file_path ? R->cfg->priv->file_path
	                                              : "configuration";
	if (level == CONFIG_ERROR) {
		R->errors++;
		if (R->first && R->errors == 1) {
			char field[POS_ERR_FIELD_MAX];
			str_fmt(field, sizeof field, "[%s] %s", k->section, k->key);
			pos_err_set(R->first, POS_E_CONFIG, field, "%s: [%s] %s: %s", where,
			            k->section, k->key, msg);
		}
	}
	diag_add(R->diag, level, "%s: [%s] %s: %s", where, k->section, k->key, msg);
}

static void rule_order(struct rules *R, enum config_key_id lo, enum config_key_id hi)
{
	const struct slot *a = slot_of(R->cfg, lo), *b = slot_of(R->cfg, hi);
	if (a->num > b->num)
		rule(R, CONFIG_ERROR, lo, "%lld is above [%s] %s (%lld); lower it or raise that",
		     (long long)a->num, config_key_at(hi)->section, config_key_at(hi)->key,
		     (long long)b->num);
}

static void rule_password_expiry(struct rules *R)
{
	const struct config *cfg = R->cfg;
	if (cfg->daraja.initiator_password_set_on == 0)
		return;
	int64_t expires = cfg->daraja.initiator_password_set_on +
	                  cfg->daraja.initiator_password_days * 86400;
	int64_t now = (int64_t)clock_now();
	char day[32];
	struct tm tm;
	clock_eat_tm((time_t)expires, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	if (now >= expires)
		rule(R, CONFIG_WARNING, CONFIG_K_daraja_initiator_password_set_on,
		     "the initiator password expired on %s; change it on the M-Pesa portal, "
		     "then update initiator_password and initiator_password_set_on", day);
	else if (expires - now < 14 * 86400)
		rule(R, CONFIG_WARNING, CONFIG_K_daraja_initiator_password_set_on,
		     "the initiator password expires on %s (in %lld days); change it on the "
		     "M-Pesa portal before then", day, (long long)((expires - now + 86399) / 86400));
}

/* Typed fields, the base URL, and every rule that ties keys together.
 * Returns the number of errors. */
static unsigned finalize(struct config *cfg, struct config_diag *diag, bool warnings,
                         struct pos_err *first)
{
	struct rules R = {.cfg = cfg, .diag = diag, .warnings = warnings, .first = first};
	fields_from_slots(cfg);
	if (!compute_base_url(cfg)) {
		rule(&R, CONFIG_ERROR, CONFIG_K_daraja_base_url, "out of memory");
		return R.errors;
	}
	const char *label = config_backend_label(cfg);
	bool production = strcmp(label, "PRODUCTION") == 0;

	if (cfg->listener.tls)
		rule(&R, CONFIG_ERROR, CONFIG_K_listener_tls,
		     "true is refused: Debian's CivetWeb crashes on TLS. Set tls = false and "
		     "terminate TLS in front of mpesa-pos (a reverse proxy or tunnel); "
		     "see docs/going-live.md");
	if (strcmp(cfg->daraja.transaction_type, "CustomerBuyGoodsOnline") == 0 &&
	    !cfg->daraja.till_number[0])
		rule(&R, CONFIG_ERROR, CONFIG_K_daraja_transaction_type,
		     "CustomerBuyGoodsOnline needs [daraja] till_number, the till that is paid; set it");
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		if (!(k->flags & CONFIG_REQUIRED) || cfg->priv->slots[i].value[0])
			continue;
		char first_env[64] = "";
		const char *p = k->env;
		next_env_name(&p, first_env, sizeof first_env);
		if (production)
			rule(&R, CONFIG_ERROR, (enum config_key_id)i,
			     "not set, and production needs it; set it in the file or in %s", first_env);
		else if (strcmp(label, "SANDBOX") == 0)
			rule(&R, CONFIG_WARNING, (enum config_key_id)i,
			     "not set: calls to the Daraja sandbox will fail until it is set "
			     "(in the file or in %s)", first_env);
	}
	rule_order(&R, CONFIG_K_limits_stk_min_amount, CONFIG_K_limits_stk_max_amount);
	rule_order(&R, CONFIG_K_listener_c2b_min_amount, CONFIG_K_listener_c2b_max_amount);
	rule_order(&R, CONFIG_K_limits_payout_max, CONFIG_K_limits_payout_daily_max);
	if (config_list_has(cfg->bus.backends, "webhook") && !cfg->bus.webhook_url[0])
		rule(&R, CONFIG_ERROR, CONFIG_K_bus_backends,
		     "webhook is listed but [bus] webhook_url is not set; set it");
	if (config_list_has(cfg->bus.backends, "plugin") && !cfg->bus.plugin_path[0])
		rule(&R, CONFIG_ERROR, CONFIG_K_bus_backends,
		     "plugin is listed but [bus] plugin_path is not set; set it");
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		const char *v = cfg->priv->slots[i].value;
		struct stat st;
		if (!(k->flags & CONFIG_EXISTS) || !v[0])
			continue;
		char q[CONFIG_QUOTE_MAX + 16];
		value_quote(k, v, q, sizeof q);
		if (stat(v, &st) != 0 || access(v, R_OK) != 0)
			rule(&R, CONFIG_ERROR, (enum config_key_id)i, "%s cannot be read (%s); "
			     "allowed the path of a readable file", q, strerror(errno));
		else if (!S_ISREG(st.st_mode))
			rule(&R, CONFIG_ERROR, (enum config_key_id)i, "%s is not a file; "
			     "allowed the path of a readable file", q);
	}
	if (production) {
		if (strcmp(cfg->daraja.business_shortcode, "174379") == 0)
			rule(&R, CONFIG_WARNING, CONFIG_K_daraja_business_shortcode,
			     "174379 is the sandbox test shortcode, but environment is production; "
			     "set your own paybill or head-office number");
		if (strncmp(cfg->listener.public_url, "http://", 7) == 0)
			rule(&R, CONFIG_WARNING, CONFIG_K_listener_public_url,
			     "Safaricom expects https:// callback URLs in production");
		if (strstr(cfg->priv->base_url, "sandbox.safaricom"))
			rule(&R, CONFIG_WARNING, CONFIG_K_daraja_base_url,
			     "points at the sandbox, but environment is production");
	}
	rule_password_expiry(&R);
	return R.errors;
}

/* ---- loading ---------------------------------------------------------- */

static struct config *config_new(const struct loader *L)
{
	struct config *cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return NULL;
	cfg->priv = calloc(1, sizeof *cfg->priv);
	if (!cfg->priv) {
		free(cfg);
		return NULL;
	}
	const char *home = env_get(L, "HOME");
	if (home && !(cfg->priv->home = dup_str(home))) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return dup_str(".");
	if (slash == path)
		return dup_str("/");
	char *d = malloc((size_t)(slash - path) + 1);
	if (d) {
		memcpy(d, path, (size_t)(slash - path));
		d[slash - path] = '\0';
	}
	return d;
}

static bool set_defaults(struct loader *L)
{
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		if (!apply(L, i, k->def, FROM_DEFAULT, "default", "default", NULL))
			return false;
	}
	return true;
}

/* The file to read: explicit, ./mpesa-pos.conf, or the XDG one. Fills
 * data/len/mode and L->fname; returns false after reporting an error. */
static bool find_file(struct loader *L, const struct config_load_opts *opts, char **data,
                      size_t *len, mode_t *mode, char **shown)
{
	char why[160];
	*shown = NULL;
	if (opts->explicit_path) {
		if (!opts->explicit_path[0]) {
			report(L, CONFIG_ERROR, "--config: the file name is empty; give the path "
			       "of a configuration file");
			return false;
		}
		switch (read_file(opts->explicit_path, data, len, mode, why, sizeof why)) {
		case READ_OK:
			*shown = dup_str(opts->explicit_path);
			return *shown != NULL;
		case READ_MISSING:
			report(L, CONFIG_ERROR, "%s: no such file (named by --config); check the path, "
			       "or leave --config out to use ./mpesa-pos.conf", opts->explicit_path);
			return false;
		case READ_FAILED:
			report(L, CONFIG_ERROR, "%s: %s", opts->explicit_path, why);
			return false;
		}
	}
	if (opts->no_search)
		return true;
	char *candidates[2] = {dup_str("mpesa-pos.conf"), NULL};
	const char *xdg = env_get(L, "XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		candidates[1] = path_join(xdg, "mpesa-pos/mpesa-pos.conf");
	else if (L->cfg->priv->home)
		candidates[1] = path_join(L->cfg->priv->home, ".config/mpesa-pos/mpesa-pos.conf");
	bool ok = true;
	for (size_t i = 0; i < 2 && ok && !*shown; i++) {
		if (!candidates[i])
			continue;
		switch (read_file(candidates[i], data, len, mode, why, sizeof why)) {
		case READ_OK:
			*shown = candidates[i];
			candidates[i] = NULL;
			break;
		case READ_MISSING:
			break;
		case READ_FAILED:
			report(L, CONFIG_ERROR, "%s: %s", candidates[i], why);
			ok = false;
			break;
		}
	}
	free(candidates[0]);
	free(candidates[1]);
	return ok;
}

/* Everything after the file is found. data may be NULL (no file). */
static enum pos_status build(struct loader *L, const struct config_load_opts *opts,
                             const char *shown, const char *data, size_t len,
                             bool check_perm, mode_t mode)
{
	struct config *cfg = L->cfg;
	if (shown) {
		cfg->priv->file_path = dup_str(shown);
		cfg->priv->file_dir = dir_of(shown);
		if (!cfg->priv->file_path || !cfg->priv->file_dir)
			return POS_E_NOMEM;
	}
	if (!set_defaults(L))
		return POS_E_NOMEM;
	if (data) {
		struct ini_sink sink = {L, file_section, file_pair, file_bad};
		L->fname = shown;
		ini_parse(data, len, &sink);
		if (check_perm)
			check_mode(L, shown, mode, L->file_secrets);
	}
	const char *dotenv = opts->dotenv_path ? opts->dotenv_path : ".env";
	if (opts->dotenv_text) {
		struct dotenv_sink sink = {L, dotenv_pair, dotenv_bad};
		L->dotenv_name = dotenv[0] ? dotenv : ".env";
		dotenv_parse(opts->dotenv_text, opts->dotenv_len, &sink);
		apply_env_layer(L, true);
	} else if (dotenv[0]) {
		char *buf = NULL, why[160];
		size_t n = 0;
		mode_t dmode = 0;
		L->dotenv_name = dotenv;
		switch (read_file(dotenv, &buf, &n, &dmode, why, sizeof why)) {
		case READ_OK: {
			struct dotenv_sink sink = {L, dotenv_pair, dotenv_bad};
			dotenv_parse(buf, n, &sink);
			crypto_wipe(buf, n);
			free(buf);
			break;
		}
		case READ_MISSING:
			break;
		case READ_FAILED:
			report(L, CONFIG_ERROR, "%s: %s", dotenv, why);
			break;
		}
		apply_env_layer(L, true);
		check_mode(L, dotenv, dmode, L->dotenv_secrets);
	}
	apply_env_layer(L, false);
	L->errors += finalize(cfg, L->diag, true, NULL);
	return L->errors ? POS_E_CONFIG : POS_OK;
}

static enum pos_status finish(struct loader *L, enum pos_status st, struct config **out)
{
	dotenv_free(L);
	if (st == POS_E_NOMEM)
		report(L, CONFIG_ERROR, "configuration: out of memory");
	if (st != POS_OK || L->errors) {
		config_free(L->cfg);
		*out = NULL;
		return POS_E_CONFIG;
	}
	*out = L->cfg;
	return POS_OK;
}

enum pos_status config_load_with(const struct config_load_opts *opts,
                                 struct config **out, struct config_diag *diag)
{
	static const struct config_load_opts none;
	if (!opts)
		opts = &none;
	struct loader L = {.diag = diag, .envp = opts->envp};
	char *data = NULL, *shown = NULL;
	size_t len = 0;
	mode_t mode = 0;
	*out = NULL;
	L.cfg = config_new(&L);
	if (!L.cfg)
		return finish(&L, POS_E_NOMEM, out);
	enum pos_status st = POS_E_CONFIG;
	if (find_file(&L, opts, &data, &len, &mode, &shown))
		st = build(&L, opts, shown, data, len, true, mode);
	if (data) {
		crypto_wipe(data, len);
		free(data);
	}
	free(shown);
	return finish(&L, st, out);
}

enum pos_status config_load(const char *explicit_path, struct config **out,
                            struct config_diag *diag)
{
	struct config_load_opts opts = {.explicit_path = explicit_path};
	return config_load_with(&opts, out, diag);
}

enum pos_status config_load_buffer(const char *name, const void *data, size_t len,
                                   const struct config_load_opts *given,
                                   struct config **out, struct config_diag *diag)
{
	static const char *const no_env[] = {NULL};
	struct config_load_opts opts = {.envp = no_env, .dotenv_path = ""};
	if (given)
		opts = *given;
	struct loader L = {.diag = diag, .envp = opts.envp};
	*out = NULL;
	L.cfg = config_new(&L);
	if (!L.cfg)
		return finish(&L, POS_E_NOMEM, out);
	enum pos_status st;
	if (len > CONFIG_FILE_MAX) {
		report(&L, CONFIG_ERROR, "%s: is larger than %d bytes; is it the right file?",
		       name, CONFIG_FILE_MAX);
		st = POS_E_CONFIG;
	} else {
		st = build(&L, &opts, name, data ? data : "", data ? len : 0, false, 0);
	}
	return finish(&L, st, out);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	if (cfg->priv) {
		for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
			char *v = cfg->priv->slots[i].value;
			if (v && (config_key_at(i)->flags & CONFIG_SECRET))
				crypto_wipe(v, strlen(v));
			free(v);
		}
		free(cfg->priv->file_path);
		free(cfg->priv->file_dir);
		free(cfg->priv->home);
		free(cfg->priv->base_url);
		free(cfg->priv);
	}
	free(cfg);
}

/* ---- overrides and checks ------------------------------------------------ */

enum pos_status config_set_override(struct config *cfg, const char *name,
                                    const char *value, const char *origin,
                                    struct pos_err *err)
{
	const struct config_key_info *k = config_key_find(name);
	if (!cfg || !k || !value)
		return pos_err_set(err, POS_E_NOT_FOUND, name ? name : "",
		                   "%s: no such setting; see docs/configuration.md", name ? name : "");
	if (!origin)
		origin = "flag";
	size_t i = (size_t)(k - config_key_at(0));
	struct value_out vo;
	char field[POS_ERR_FIELD_MAX];
	str_fmt(field, sizeof field, "[%s] %s", k->section, k->key);
	register_secret(k, value);
	if (value_parse(k, value, 0, &vo) != POS_OK) {
		char allowed[256];
		value_allowed(k, allowed, sizeof allowed);
		pos_err_set(err, POS_E_CONFIG, field, "%s: [%s] %s: %s", origin, k->section,
		            k->key, vo.problem);
		pos_err_hint(err, "allowed %s", allowed);
		return POS_E_CONFIG;
	}
	register_secret(k, vo.norm);
	if (!slot_set(cfg, i, vo.norm, vo.num, FROM_FLAG, origin))
		return pos_err_set(err, POS_E_NOMEM, field, NULL);
	if (finalize(cfg, NULL, false, err) != 0)
		return POS_E_CONFIG;
	return POS_OK;
}

enum pos_status config_check_value(const char *name, const char *value,
                                   char *norm, size_t normsz, struct pos_err *err)
{
	const struct config_key_info *k = config_key_find(name);
	if (!k || !value)
		return pos_err_set(err, POS_E_NOT_FOUND, name ? name : "",
		                   "%s: no such setting", name ? name : "");
	struct value_out vo;
	char field[POS_ERR_FIELD_MAX];
	str_fmt(field, sizeof field, "[%s] %s", k->section, k->key);
	if (value_parse(k, value, 0, &vo) != POS_OK) {
		char allowed[256];
		value_allowed(k, allowed, sizeof allowed);
		pos_err_set(err, POS_E_CONFIG, field, "%s", vo.problem);
		pos_err_hint(err, "allowed %s", allowed);
		return POS_E_CONFIG;
	}
	bool fits = true;
	if (norm)
		fits = str_copy(norm, normsz, vo.norm);
	free(vo.norm);
	if (!fits)
		return pos_err_set(err, POS_E_TOO_LONG, field, "the value does not fit");
	return POS_OK;
}

/* ---- getters ----------------------------------------------------------------- */

static const struct slot *find_slot(const struct config *cfg, const char *name,
                                    const struct config_key_info **kp)
{
	const struct config_key_info *k = config_key_find(name);
	if (!cfg || !k)
		return NULL;
	if (kp)
		*kp = k;
	return &cfg->priv->slots[k - config_key_at(0)];
}

const char *config_get_string(const struct config *cfg, const char *name)
{
	const struct slot *s = find_slot(cfg, name, NULL);
	return s ? s->value : NULL;
}

bool config_get_int(const struct config *cfg, const char *name, int64_t *out)
{
	const struct config_key_info *k;
	const struct slot *s = find_slot(cfg, name, &k);
	if (!s)
		return false;
	switch (k->type) {
	case CONFIG_T_INT:
	case CONFIG_T_DURATION:
	case CONFIG_T_MONEY:
	case CONFIG_T_DATE:
	case CONFIG_T_BOOL:
		*out = s->num;
		return true;
	default:
		return false;
	}
}

bool config_get_bool(const struct config *cfg, const char *name, bool *out)
{
	const struct config_key_info *k;
	const struct slot *s = find_slot(cfg, name, &k);
	if (!s || k->type != CONFIG_T_BOOL)
		return false;
	*out = s->num != 0;
	return true;
}

const char *config_source(const struct config *cfg, const char *name)
{
	const struct slot *s = find_slot(cfg, name, NULL);
	return s ? s->origin : NULL;
}

const char *config_file_path(const struct config *cfg)
{
	return cfg ? cfg->priv->file_path : NULL;
}
