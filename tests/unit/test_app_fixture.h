/* tests/unit/test_app_fixture.h: an app on a fresh database in a scratch
 * folder, for the test_app_*.c suites (header-only: each suite is one
 * program). */
#ifndef TEST_APP_FIXTURE_H
#define TEST_APP_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "base/str.h"
#include "config/config.h"

struct app_fx {
	char dir[64];
	struct config *cfg;
	struct app *app;
};

/* extra: more configuration lines (may be NULL). sim: base_url is a loopback
 * address (the simulator backend) rather than the sandbox. */
static inline struct app_fx *app_fx_open(const char *extra, bool sim)
{
	struct app_fx *f = calloc(1, sizeof *f);
	char text[2048];
	struct pos_err err;
	if (!f)
		return NULL;
	str_copy(f->dir, sizeof f->dir, "/tmp/test-app.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return NULL;
	}
	str_fmt(text, sizeof text,
	        "[daraja]\n%s\n[listener]\nbind = 127.0.0.1:0\n[store]\npath = %s/pos.db\n%s\n",
	        sim ? "base_url = http://127.0.0.1:9" : "environment = sandbox", f->dir,
	        extra ? extra : "");
	if (config_load_buffer("t.conf", text, strlen(text), NULL, &f->cfg, NULL) != POS_OK ||
	    app_open(f->cfg, NULL, &f->app, &err) != POS_OK) {
		fprintf(stderr, "# app fixture: %s: %s\n", err.field, err.msg);
		config_free(f->cfg);
		rmdir(f->dir);
		free(f);
		return NULL;
	}
	return f;
}

static inline void app_fx_close(struct app_fx *f)
{
	if (!f)
		return;
	app_close(f->app);
	config_free(f->cfg);
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char path[128];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (str_fmt(path, sizeof path, "%s/%s", f->dir, e->d_name))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
}

#endif
