/* base/log.c: file logger with secret masking at the sink. */
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/str.h"

enum { LOG_LINE_MAX = 4096, LOG_TEMP_SECRETS_MAX = 16 };

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static bool log_fd_owned;
static _Atomic int log_min = LOG_OFF;
/* Registered secrets, oldest first; temporary ones (access tokens) are
 * flagged and only they are ever forgotten. */
static char **secrets;
static bool *secret_temp;
static size_t nsecrets, secrets_cap, ntemp;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};
static const char *const level_tags[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF"};

const char *log_level_name(enum log_level level)
{
	return (unsigned)level <= LOG_OFF ? level_names[level] : "?";
}

bool log_level_parse(const char *s, enum log_level *out)
{
	for (int i = LOG_DEBUG; i <= LOG_OFF; i++) {
		if (str_eq_nocase(s, level_names[i])) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

enum pos_status log_open(const char *path, enum log_level level,
                         struct pos_err *err)
{
	int fd;
	bool owned = true;
	if (str_eq(path, "-")) {
		fd = STDERR_FILENO;
		owned = false;
	} else {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return pos_err_set(err, POS_E_IO, "[log] file",
			                   "cannot open the log file \"%s\": %s", path,
			                   strerror(errno));
	}
	pthread_mutex_lock(&log_mu);
	if (log_fd >= 0 && log_fd_owned)
		close(log_fd);
	log_fd = fd;
	log_fd_owned = owned;
	atomic_store(&log_min, (int)level);
	pthread_mutex_unlock(&log_mu);
	return POS_OK;
}

void log_close(void)
{
	pthread_mutex_lock(&log_mu);
	if (log_fd >= 0 && log_fd_owned)
		close(log_fd);
	log_fd = -1;
	atomic_store(&log_min, LOG_OFF);
	pthread_mutex_unlock(&log_mu);
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_min, (int)level);
}

bool log_level_enabled(enum log_level level)
{
	return level != LOG_OFF && (int)level >= atomic_load(&log_min);
}

static void forget(size_t i)
{
	volatile char *p = secrets[i];
	while (*p)
		*p++ = '\0';
	free(secrets[i]);
	if (secret_temp[i])
		ntemp--;
	memmove(secrets + i, secrets + i + 1, (nsecrets - i - 1) * sizeof secrets[0]);
	memmove(secret_temp + i, secret_temp + i + 1, (nsecrets - i - 1) * sizeof secret_temp[0]);
	nsecrets--;
}

static void add(const char *secret, bool temporary)
{
	if (!secret || strlen(secret) < 4)
		return;
	pthread_mutex_lock(&log_mu);
	for (size_t i = 0; i < nsecrets; i++) {
		if (strcmp(secrets[i], secret) == 0) {
			if (secret_temp[i] && !temporary) { /* now permanent */
				secret_temp[i] = false;
				ntemp--;
			}
			pthread_mutex_unlock(&log_mu);
			return;
		}
	}
	if (temporary && ntemp == LOG_TEMP_SECRETS_MAX) {
		/* Forget the oldest token (long expired), never a permanent one. */
		for (size_t i = 0; i < nsecrets; i++)
			if (secret_temp[i]) {
				forget(i);
				break;
			}
	}
	if (nsecrets == secrets_cap) {
		size_t cap = secrets_cap ? secrets_cap * 2 : 16;
		char **ns = realloc(secrets, cap * sizeof *ns);
		if (ns)
			secrets = ns;
		bool *nt = ns ? realloc(secret_temp, cap * sizeof *nt) : NULL;
		if (nt)
			secret_temp = nt;
		if (!ns || !nt) {
			pthread_mutex_unlock(&log_mu);
			return;
		}
		secrets_cap = cap;
	}
	if ((secrets[nsecrets] = strdup(secret))) {
		secret_temp[nsecrets] = temporary;
		ntemp += temporary;
		nsecrets++;
	}
	pthread_mutex_unlock(&log_mu);
}

void log_secret_add(const char *secret)
{
	add(secret, false);
}

void log_secret_add_temporary(const char *secret)
{
	add(secret, true);
}

void log_secrets_clear(void)
{
	pthread_mutex_lock(&log_mu);
	while (nsecrets)
		forget(nsecrets - 1);
	free(secrets);
	free(secret_temp);
	secrets = NULL;
	secret_temp = NULL;
	secrets_cap = 0;
	pthread_mutex_unlock(&log_mu);
}

static const char MASK[] = "[secret]";

/* Keys whose value is always secret, whether registered or not. Matched
 * case-insensitively as a JSON key ("Key":"value") or key=value. */
static const char *const secret_keys[] = {
	"Password", "SecurityCredential", "access_token", "passkey",
	"consumer_secret", "initiator_password", "pin", "token", "secret",
};

static bool key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* If `in` at i starts a secret-bearing key followed by its value, return the
 * length of the key-and-separator prefix and set *vlen to the value length. */
static size_t match_secret_key(const char *in, size_t i, size_t *vlen)
{
	if (i > 0 && key_char(in[i - 1]))
		return 0;
	for (size_t k = 0; k < sizeof secret_keys / sizeof secret_keys[0]; k++) {
		size_t kl = strlen(secret_keys[k]);
		if (strncasecmp(in + i, secret_keys[k], kl) != 0)
			continue;
		size_t j = i + kl;
		if (key_char(in[j]))
			continue;
		if (in[j] == '"')
			j++;
		while (in[j] == ' ')
			j++;
		if (in[j] != ':' && in[j] != '=')
			continue;
		j++;
		while (in[j] == ' ')
			j++;
		bool quoted = in[j] == '"';
		if (quoted)
			j++;
		size_t v = j;
		while (in[v] && (quoted ? in[v] != '"' : (in[v] != ' ' && in[v] != ',' &&
		                                          in[v] != '&' && in[v] != '}')))
			v++;
		if (v == j)
			continue;
		*vlen = v - j;
		return j - i;
	}
	return 0;
}

/* "Authorization: Bearer X" / "Basic X": returns prefix length, sets *vlen. */
static size_t match_auth_header(const char *in, size_t i, size_t *vlen)
{
	static const char *const schemes[] = {"Bearer ", "Basic "};
	for (size_t s = 0; s < 2; s++) {
		size_t sl = strlen(schemes[s]);
		if (strncasecmp(in + i, schemes[s], sl) != 0)
			continue;
		size_t v = i + sl;
		while (in[v] && in[v] != ' ' && in[v] != '"' && in[v] != '\r' &&
		       in[v] != '\n' && in[v] != ',')
			v++;
		if (v == i + sl)
			continue;
		*vlen = v - (i + sl);
		return sl;
	}
	return 0;
}

static void out_append(char *out, size_t outsz, size_t *o, const char *s, size_t n)
{
	if (*o + 1 >= outsz)
		return;
	size_t room = outsz - 1 - *o;
	if (n > room)
		n = room;
	memcpy(out + *o, s, n);
	*o += n;
}

/* Caller holds log_mu (or accepts racing with secret registration). */
static char *mask_locked(const char *in, char *out, size_t outsz)
{
	size_t o = 0, i = 0;
	if (!out || outsz == 0)
		return out;
	if (!in)
		in = "";
	while (in[i] && o + 1 < outsz) {
		size_t best = 0;
		for (size_t s = 0; s < nsecrets; s++) {
			size_t n = strlen(secrets[s]);
			if (n > best && strncmp(in + i, secrets[s], n) == 0)
				best = n;
		}
		if (best) {
			out_append(out, outsz, &o, MASK, sizeof MASK - 1);
			i += best;
			continue;
		}
		size_t vlen = 0, pre = match_secret_key(in, i, &vlen);
		if (!pre)
			pre = match_auth_header(in, i, &vlen);
		if (pre) {
			out_append(out, outsz, &o, in + i, pre);
			out_append(out, outsz, &o, MASK, sizeof MASK - 1);
			i += pre + vlen;
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
	return out;
}

char *log_mask(const char *in, char *out, size_t outsz)
{
	pthread_mutex_lock(&log_mu);
	mask_locked(in, out, outsz);
	pthread_mutex_unlock(&log_mu);
	return out;
}

void log_write(enum log_level level, const char *module, const char *fmt, ...)
{
	char raw[LOG_LINE_MAX], line[LOG_LINE_MAX + 64], masked[LOG_LINE_MAX];
	char ts[25];
	va_list ap;

	if (!log_level_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	/* One event, one line: fold control characters. */
	for (char *p = raw; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	clock_iso8601_utc_ms(clock_now_ms(), ts);

	pthread_mutex_lock(&log_mu);
	if (log_fd >= 0) {
		mask_locked(raw, masked, sizeof masked);
		int n = snprintf(line, sizeof line, "%s %-5s %s: %s\n", ts,
		                 level_tags[level], module ? module : "-", masked);
		if (n > 0) {
			size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
			ssize_t w = write(log_fd, line, len);
			(void)w; /* a log that cannot be written must not stop a sale */
		}
	}
	pthread_mutex_unlock(&log_mu);
}
