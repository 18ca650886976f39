/*
 * bus/plugin.c: the plugin backend. Loads [bus] plugin_path with dlopen and
 * speaks the versioned C ABI of bus/ifbus_plugin.h. dlsym() returns void *;
 * ISO C has no conversion from it to a function pointer, so each symbol is
 * copied into its pointer with memcpy (clean under -Wpedantic).
 *
 * The plugin runs inside the till's process: a plugin that crashes takes
 * the till with it. Timeouts are the plugin's to honour (ev->timeout_ms).
 */
#include "bus/bus_int.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "bus/ifbus_plugin.h"

enum { PLUGIN_ERR_MAX = 256 };

struct plugin {
	void *dl;
	void *state;
	bool opened;
	ifbus_plugin_open_fn open;
	ifbus_plugin_emit_fn emit;
	ifbus_plugin_flush_fn flush;
	ifbus_plugin_close_fn close;
	char path[BUS_PATH_MAX];
};

/* What the plugin wrote into err, as one line of printable text. */
static const char *clean(char *msg)
{
	msg[PLUGIN_ERR_MAX - 1] = '\0';
	for (char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return msg[0] ? msg : "it gave no reason";
}

static bool sym(void *dl, const char *name, void *fnptr, size_t size)
{
	void *p = dlsym(dl, name);
	if (!p)
		return false;
	memcpy(fnptr, &p, size);
	return true;
}

static void plugin_close(void *state)
{
	struct plugin *pl = state;
	if (!pl)
		return;
	if (pl->opened && pl->close)
		pl->close(pl->state);
	if (pl->dl)
		dlclose(pl->dl);
	free(pl);
}

static enum pos_status plugin_open(const struct bus_opts *o, void *ctx, void **state,
                                   struct pos_err *err)
{
	(void)ctx;
	char msg[PLUGIN_ERR_MAX] = "";
	ifbus_plugin_abi_version_fn version = NULL;
	*state = NULL;
	if (!o->plugin_path || !o->plugin_path[0])
		return pos_err_set(err, POS_E_CONFIG, "[bus] plugin_path",
		                   "is empty; name the plugin's .so file");
	struct plugin *pl = calloc(1, sizeof *pl);
	if (!pl)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	if (!str_copy(pl->path, sizeof pl->path, o->plugin_path)) {
		free(pl);
		return pos_err_set(err, POS_E_TOO_LONG, "[bus] plugin_path", "is too long");
	}
	pl->dl = dlopen(pl->path, RTLD_NOW | RTLD_LOCAL);
	if (!pl->dl) {
		const char *why = dlerror();
		pos_err_set(err, POS_E_CONFIG, "[bus] plugin_path", "cannot load %s: %s", pl->path,
		            why ? why : "unknown reason");
		pos_err_hint(err, "build the plugin with cc -fPIC -shared and check the path");
		free(pl);
		return POS_E_CONFIG;
	}
	if (!sym(pl->dl, "ifbus_plugin_abi_version", &version, sizeof version) ||
	    !sym(pl->dl, "ifbus_plugin_open", &pl->open, sizeof pl->open) ||
	    !sym(pl->dl, "ifbus_plugin_emit", &pl->emit, sizeof pl->emit) ||
	    !sym(pl->dl, "ifbus_plugin_flush", &pl->flush, sizeof pl->flush) ||
	    !sym(pl->dl, "ifbus_plugin_close", &pl->close, sizeof pl->close)) {
		pos_err_set(err, POS_E_CONFIG, "[bus] plugin_path",
		            "%s is not an IF.bus plugin: it lacks one of the ifbus_plugin_* "
		            "functions", pl->path);
		pos_err_hint(err, "see docs/ifbus-plugin.md");
		plugin_close(pl);
		return POS_E_CONFIG;
	}
	int v = version();
	if (v != IFBUS_PLUGIN_ABI_VERSION) {
		pos_err_set(err, POS_E_CONFIG, "[bus] plugin_path",
		            "%s speaks IF.bus plugin ABI version %d; this till speaks version %d",
		            pl->path, v, IFBUS_PLUGIN_ABI_VERSION);
		pos_err_hint(err, "rebuild the plugin against this version's bus/ifbus_plugin.h");
		plugin_close(pl);
		return POS_E_CONFIG;
	}
	if (pl->open(o->plugin_config ? o->plugin_config : "", &pl->state, msg, sizeof msg) !=
	    0) {
		pos_err_set(err, POS_E_IO, "[bus] plugin_config", "the plugin %s did not start: %s",
		            pl->path, clean(msg));
		plugin_close(pl);
		return POS_E_IO;
	}
	pl->opened = true;
	*state = pl;
	return POS_OK;
}

static enum pos_status plugin_emit(void *state, const char *json, size_t len,
                                   const struct bus_event_meta *meta, struct pos_err *err)
{
	struct plugin *pl = state;
	char msg[PLUGIN_ERR_MAX] = "";
	struct ifbus_event ev = {
		.size = sizeof ev,
		.id = meta->id ? meta->id : "",
		.name = meta->name ? meta->name : "",
		.sequence = (long long)meta->outbox_id,
		.timeout_ms = meta->timeout_ms,
	};
	if (pl->emit(pl->state, json, len, &ev, msg, sizeof msg) != 0)
		return pos_err_set(err, POS_E_IO, "[bus] plugin_path",
		                   "the plugin did not take event %s: %s", ev.id, clean(msg));
	return POS_OK;
}

static enum pos_status plugin_flush(void *state, struct pos_err *err)
{
	struct plugin *pl = state;
	char msg[PLUGIN_ERR_MAX] = "";
	if (pl->flush(pl->state, msg, sizeof msg) != 0)
		return pos_err_set(err, POS_E_IO, "[bus] plugin_path", "the plugin did not flush: %s",
		                   clean(msg));
	return POS_OK;
}

const struct bus_backend_ops bus_plugin_ops = {
	.name = "plugin",
	.open = plugin_open,
	.emit = plugin_emit,
	.flush = plugin_flush,
	.close = plugin_close,
};
