/* bus/opts.c: bus options from the configuration, backend names, the lock. */
#include "bus/bus_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/str.h"

static const struct bus_backend_ops *const builtin[] = {
	&bus_jsonl_ops, &bus_webhook_ops, &bus_redis_ops, &bus_plugin_ops, &bus_none_ops,
};

const struct bus_backend_ops *bus_backend_find(const char *name)
{
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
		if (str_eq(name, builtin[i]->name))
			return builtin[i];
	return NULL;
}

void bus_opts_from_config(const struct config *cfg, struct bus_opts *o)
{
	memset(o, 0, sizeof *o);
	o->db_path = cfg->store.path;
	o->busy_timeout_ms = cfg->store.busy_timeout_ms > 0 &&
	                             cfg->store.busy_timeout_ms < 600001
	                         ? (int)cfg->store.busy_timeout_ms
	                         : 0;
	o->backends = cfg->bus.backends;
	o->till_id = cfg->till.id;
	o->shortcode = cfg->daraja.business_shortcode;
	o->environment = cfg->daraja.environment;
	o->jsonl_path = cfg->bus.jsonl_path;
	o->jsonl_fsync = str_eq(cfg->bus.jsonl_fsync, "always") ? BUS_FSYNC_ALWAYS
	                 : str_eq(cfg->bus.jsonl_fsync, "never") ? BUS_FSYNC_NEVER
	                                                         : BUS_FSYNC_BATCH;
	o->webhook_url = cfg->bus.webhook_url;
	o->webhook_secret = cfg->bus.webhook_secret;
	o->redis_address = cfg->bus.redis_address;
	o->redis_stream = cfg->bus.redis_stream;
	o->plugin_path = cfg->bus.plugin_path;
	/* [bus] plugin_config is read by name so that this compiles before and
	 * after the key joins keys.def; "" until then. */
	const char *pc = config_get_string(cfg, "bus.plugin_config");
	o->plugin_config = pc ? pc : "";
}

int bus_call_timeout(const struct bus_opts *o)
{
	return o->call_timeout_ms > 0 ? o->call_timeout_ms : BUS_CALL_TIMEOUT_MS;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

enum pos_status bus_backend_names(const char *list, char names[][BUS_NAME_MAX],
                                  size_t max, size_t *n, struct pos_err *err)
{
	*n = 0;
	for (const char *p = list ? list : ""; *p;) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		const char *a = p, *b = q;
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		size_t len = (size_t)(b - a);
		p = *q ? q + 1 : q;
		if (len == 0 || (len == 4 && memcmp(a, "none", 4) == 0))
			continue;
		if (len >= BUS_NAME_MAX)
			return pos_err_set(err, POS_E_CONFIG, "[bus] backends",
			                   "\"%.*s\" is longer than %d characters", 40, a,
			                   BUS_NAME_MAX - 1);
		bool dup = false;
		for (size_t i = 0; i < *n; i++)
			dup = dup || (strlen(names[i]) == len && memcmp(names[i], a, len) == 0);
		if (dup)
			continue;
		if (*n >= max)
			return pos_err_set(err, POS_E_CONFIG, "[bus] backends",
			                   "more than %zu backends are named", max);
		memcpy(names[*n], a, len);
		names[*n][len] = '\0';
		(*n)++;
	}
	return POS_OK;
}

static enum pos_status need(const char *value, const char *key, const char *backend,
                            const char *example, struct pos_err *err)
{
	if (value && *value)
		return POS_OK;
	pos_err_set(err, POS_E_CONFIG, key, "is empty, and the %s backend needs it", backend);
	pos_err_hint(err, "set it (e.g. %s) or remove %s from [bus] backends", example,
	             backend);
	return POS_E_CONFIG;
}

enum pos_status bus_opts_check(const struct bus_opts *o, struct pos_err *err)
{
	char names[BUS_BACKENDS_MAX][BUS_NAME_MAX];
	size_t n;
	enum pos_status rc;

	if (o->custom)
		return o->n_custom <= BUS_BACKENDS_MAX
		           ? POS_OK
		           : pos_err_set(err, POS_E_CONFIG, "backends", "more than %d backends",
		                         BUS_BACKENDS_MAX);
	if ((rc = bus_backend_names(o->backends, names, BUS_BACKENDS_MAX, &n, err)) != POS_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const char *b = names[i];
		if (!bus_backend_find(b)) {
			pos_err_set(err, POS_E_CONFIG, "[bus] backends",
			            "\"%s\" is not a backend", b);
			pos_err_hint(err, "use jsonl, webhook, redis, plugin or none");
			return POS_E_CONFIG;
		}
		if (str_eq(b, "jsonl")) {
			rc = need(o->jsonl_path, "[bus] jsonl_path", b, "events.jsonl", err);
		} else if (str_eq(b, "webhook")) {
			rc = need(o->webhook_url, "[bus] webhook_url", b,
			          "https://hooks.example.co.ke/ifbus", err);
			if (rc == POS_OK)
				rc = need(o->webhook_secret, "[bus] webhook_secret", b,
				          "the output of openssl rand -hex 32, shared with the receiver",
				          err);
		} else if (str_eq(b, "redis")) {
			rc = need(o->redis_address, "[bus] redis_address", b, "127.0.0.1:6379", err);
			if (rc == POS_OK)
				rc = need(o->redis_stream, "[bus] redis_stream", b, "mpesa-pos:events",
				          err);
		} else if (str_eq(b, "plugin")) {
			rc = need(o->plugin_path, "[bus] plugin_path", b,
			          "/usr/local/lib/mpesa-pos/myplugin.so", err);
		}
		if (rc != POS_OK)
			return rc;
	}
	return POS_OK;
}

bool bus_lock_path(const struct bus_opts *o, char *out, size_t outsz)
{
	if (o->lock_path && *o->lock_path)
		return str_copy(out, outsz, o->lock_path);
	return str_fmt(out, outsz, "%s.bus.lock", o->db_path ? o->db_path : "");
}

bool bus_lock_held(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	bool held = false;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0)
		held = errno == EWOULDBLOCK;
	else
		flock(fd, LOCK_UN);
	close(fd);
	return held;
}

bool bus_state_key(const char *backend, char *out, size_t outsz)
{
	size_t max = outsz < STORE_KEY_MAX ? outsz : STORE_KEY_MAX;
	return str_fmt(out, max, "bus.state.%s", backend);
}
