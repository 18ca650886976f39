/*
 * bus/ifbus_plugin.h: the C ABI of an IF.bus plugin (version 1).
 *
 * A plugin is a shared object named by [bus] plugin_path and loaded with
 * dlopen() when [bus] backends lists `plugin`. It receives every event of
 * the till as the same JSON bytes the other backends get, in outbox order,
 * at least once (an event may come again after a crash or a failure: use
 * `id` to de-duplicate). docs/ifbus-plugin.md explains it with an example;
 * src/bus/plugins/sample.c is a complete one.
 *
 * This header is all a plugin includes from mpesa-pos: plain C, no other
 * project header, no library. Build a plugin with
 *     cc -std=c11 -fPIC -shared -o myplugin.so myplugin.c
 *
 * The plugin exports these five functions (extern "C" from C++):
 *
 *   int ifbus_plugin_abi_version(void);
 *       Return IFBUS_PLUGIN_ABI_VERSION as the plugin was built with. The
 *       till refuses a plugin whose version it does not speak, before
 *       calling anything else.
 *
 *   int ifbus_plugin_open(const char *config, void **state,
 *                         char *err, size_t errsz);
 *       Start: config is [bus] plugin_config ("" when unset), yours to
 *       interpret. Put whatever you need in *state. Return 0 on success;
 *       otherwise write a one-line reason into err (errsz bytes, NUL-
 *       terminated) and return non-zero: open is tried again later.
 *
 *   int ifbus_plugin_emit(void *state, const char *json, size_t len,
 *                         const struct ifbus_event *ev,
 *                         char *err, size_t errsz);
 *       Deliver one event. json is len bytes, NUL-terminated, one JSON
 *       object with no newline. Return 0 when the event is yours; non-zero
 *       (with a reason in err) to have it, and every later one, sent again
 *       after a backoff. Finish within ev->timeout_ms.
 *
 *   int ifbus_plugin_flush(void *state, char *err, size_t errsz);
 *       Make every event accepted since the last flush durable (the till
 *       acknowledges them only after this returns 0). Called after each
 *       batch.
 *
 *   void ifbus_plugin_close(void *state);
 *       Free state. Called at shutdown and after any failure (open is then
 *       called again before the next attempt).
 *
 * Threads: all five are called from one thread (the till's dispatcher), one
 * call at a time; never from the thread that draws the screen. A plugin may
 * block up to the timeout; it must not call exit(), install signal
 * handlers, or keep pointers to json or ev after a call returns.
 *
 * Versioning: a change that breaks plugins bumps IFBUS_PLUGIN_ABI_VERSION.
 * struct ifbus_event only grows at its end; `size` tells a plugin which
 * fields exist (check it before reading a field added later).
 */
#ifndef IFBUS_PLUGIN_H
#define IFBUS_PLUGIN_H

#include <stddef.h>

#define IFBUS_PLUGIN_ABI_VERSION 1

struct ifbus_event {
	size_t size;            /* sizeof(struct ifbus_event) as the till knows it */
	const char *id;         /* "till-1:000123:1710400502123": de-duplicate on it */
	const char *name;       /* "mpesa.stk_push.success" */
	long long sequence;     /* the outbox row: increases with every event */
	int timeout_ms;         /* finish (or fail) within this */
};

int ifbus_plugin_abi_version(void);
int ifbus_plugin_open(const char *config, void **state, char *err, size_t errsz);
int ifbus_plugin_emit(void *state, const char *json, size_t len,
                      const struct ifbus_event *ev, char *err, size_t errsz);
int ifbus_plugin_flush(void *state, char *err, size_t errsz);
void ifbus_plugin_close(void *state);

/* The same, as the types the till resolves them to. */
typedef int (*ifbus_plugin_abi_version_fn)(void);
typedef int (*ifbus_plugin_open_fn)(const char *, void **, char *, size_t);
typedef int (*ifbus_plugin_emit_fn)(void *, const char *, size_t,
                                    const struct ifbus_event *, char *, size_t);
typedef int (*ifbus_plugin_flush_fn)(void *, char *, size_t);
typedef void (*ifbus_plugin_close_fn)(void *);

#endif
