/*
 * bus/plugins/sample.c: a complete IF.bus plugin, the one docs/ifbus-plugin.md
 * walks through. It appends each event, as one line, to the file named by its
 * configuration string ([bus] plugin_config), and makes the lines durable at
 * each flush. `make` builds it into $(BUILD)/plugins/sample.so.
 *
 * It includes nothing from mpesa-pos but bus/ifbus_plugin.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus/ifbus_plugin.h"

struct sample {
	int fd;
	unsigned long events;
};

int ifbus_plugin_abi_version(void)
{
	return IFBUS_PLUGIN_ABI_VERSION;
}

int ifbus_plugin_open(const char *config, void **state, char *err, size_t errsz)
{
	if (!config || !config[0]) {
		snprintf(err, errsz, "set [bus] plugin_config to the file to write events to");
		return 1;
	}
	struct sample *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errsz, "out of memory");
		return 1;
	}
	s->fd = open(config, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		snprintf(err, errsz, "cannot open %s: %s", config, strerror(errno));
		free(s);
		return 1;
	}
	*state = s;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int ifbus_plugin_emit(void *state, const char *json, size_t len,
                      const struct ifbus_event *ev, char *err, size_t errsz)
{
	struct sample *s = state;
	(void)ev; /* ev->id, ev->name, ev->sequence are there if a plugin needs them */
	if (write_all(s->fd, json, len) != 0 || write_all(s->fd, "\n", 1) != 0) {
		snprintf(err, errsz, "cannot write: %s", strerror(errno));
		return 1;
	}
	s->events++;
	return 0;
}

int ifbus_plugin_flush(void *state, char *err, size_t errsz)
{
	struct sample *s = state;
	if (fsync(s->fd) != 0) {
		snprintf(err, errsz, "cannot flush: %s", strerror(errno));
		return 1;
	}
	return 0;
}

void ifbus_plugin_close(void *state)
{
	struct sample *s = state;
	if (!s)
		return;
	close(s->fd);
	free(s);
}
