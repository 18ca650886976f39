/*
 * bus/status.c: the outbox lag as any process sees it: events waiting per
 * backend and the age of the oldest (from the ledger), the last outcome a
 * deliverer recorded (setting bus.state.<backend>), and whether a
 * dispatcher holds the delivery lock. `mpesa-pos bus status`, the serve log
 * and the console's status bar show it.
 */
#include "bus/bus_int.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"

static bool first_cb(const struct store_outbox_row *row, void *ctx)
{
	*(int64_t *)ctx = row->created_at;
	return false;
}

static int64_t num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? (int64_t)v->valuedouble : 0;
}

/* The last outcome a deliverer recorded for b. */
static void read_state(struct store *st, struct bus_backend_status *b)
{
	char key[STORE_KEY_MAX], text[STORE_SETTING_MAX];
	if (!bus_state_key(b->name, key, sizeof key) ||
	    store_setting_get(st, key, text, sizeof text, NULL) != POS_OK)
		return;
	cJSON *o = cJSON_Parse(text);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return;
	}
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (cJSON_IsFalse(ok)) {
		b->failing = true;
		b->failures = num(o, "failures");
		b->last_error_at = num(o, "at");
		b->next_try_at = num(o, "next_try_at");
		if (cJSON_IsString(msg))
			str_copy(b->last_error, sizeof b->last_error, msg->valuestring);
	}
	cJSON_Delete(o);
}

enum pos_status bus_status(struct store *st, const struct bus_opts *o,
                           struct bus_status *out, struct pos_err *err)
{
	char names[BUS_BACKENDS_MAX][BUS_NAME_MAX], lock[BUS_PATH_MAX];
	size_t n = 0;
	enum pos_status rc;

	memset(out, 0, sizeof *out);
	out->at = clock_now_ms();
	if (o->custom) {
		for (size_t i = 0; i < o->n_custom && n < BUS_BACKENDS_MAX; i++)
			str_copy(names[n++], BUS_NAME_MAX, o->custom[i]->name);
	} else if ((rc = bus_backend_names(o->backends, names, BUS_BACKENDS_MAX, &n, err)) !=
	           POS_OK) {
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		struct bus_backend_status *b = &out->backend[out->n++];
		str_copy(b->name, sizeof b->name, names[i]);
		if ((rc = store_outbox_pending(st, b->name, &b->pending, err)) != POS_OK)
			return rc;
		if (b->pending > 0 &&
		    (rc = store_outbox_read(st, b->name, 1, first_cb, &b->oldest_at, err)) != POS_OK)
			return rc;
		read_state(st, b);
		if (b->pending > out->pending)
			out->pending = b->pending;
		if (b->oldest_at && (!out->oldest_at || b->oldest_at < out->oldest_at))
			out->oldest_at = b->oldest_at;
	}
	out->dispatcher_running = bus_lock_path(o, lock, sizeof lock) && bus_lock_held(lock);
	return POS_OK;
}

static int64_t age_s(const struct bus_status *s, int64_t at)
{
	return at && s->at > at ? (s->at - at) / 1000 : 0;
}

static bool add_time(cJSON *o, const char *key, int64_t ms)
{
	char iso[26];
	if (!ms)
		return cJSON_AddNullToObject(o, key) != NULL;
	clock_iso8601_eat((time_t)(ms / 1000), iso);
	return cJSON_AddStringToObject(o, key, iso) != NULL;
}

char *bus_status_json(const struct bus_status *s)
{
	cJSON *o = cJSON_CreateObject(), *arr = NULL;
	bool ok = o && add_time(o, "at", s->at) &&
	          cJSON_AddBoolToObject(o, "dispatcher_running", s->dispatcher_running) &&
	          cJSON_AddNumberToObject(o, "pending", (double)s->pending) &&
	          add_time(o, "oldest_pending_at", s->oldest_at) &&
	          cJSON_AddNumberToObject(o, "oldest_age_s", (double)age_s(s, s->oldest_at)) &&
	          (arr = cJSON_AddArrayToObject(o, "backends")) != NULL;
	for (size_t i = 0; ok && i < s->n && i < BUS_BACKENDS_MAX; i++) {
		const struct bus_backend_status *b = &s->backend[i];
		cJSON *e = cJSON_CreateObject();
		ok = e != NULL;
		if (ok)
			cJSON_AddItemToArray(arr, e);
		ok = ok && cJSON_AddStringToObject(e, "name", b->name) &&
		     cJSON_AddNumberToObject(e, "pending", (double)b->pending) &&
		     add_time(e, "oldest_pending_at", b->oldest_at) &&
		     cJSON_AddNumberToObject(e, "oldest_age_s", (double)age_s(s, b->oldest_at)) &&
		     cJSON_AddBoolToObject(e, "failing", b->failing) &&
		     cJSON_AddNumberToObject(e, "failures", (double)b->failures) &&
		     (b->last_error[0] ? cJSON_AddStringToObject(e, "last_error", b->last_error)
		                       : cJSON_AddNullToObject(e, "last_error")) &&
		     add_time(e, "last_error_at", b->last_error_at) &&
		     add_time(e, "next_try_at", b->failing ? b->next_try_at : 0) &&
		     cJSON_AddNumberToObject(e, "delivered", (double)b->delivered);
	}
	char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	return text;
}

/* "45 s", "5 min", "3 h", "2 days" */
static void age_text(int64_t s, char *out, size_t outsz)
{
	if (s < 120)
		str_fmt(out, outsz, "%lld s", (long long)s);
	else if (s < 2 * 3600)
		str_fmt(out, outsz, "%lld min", (long long)(s / 60));
	else if (s < 2 * 86400)
		str_fmt(out, outsz, "%lld h", (long long)(s / 3600));
	else
		str_fmt(out, outsz, "%lld days", (long long)(s / 86400));
}

const char *bus_status_sentence(const struct bus_status *s, char *out, size_t outsz)
{
	char age[32], part[POS_ERR_MSG_MAX + 128];
	size_t len = 0;
	if (!out || outsz == 0)
		return out;
	out[0] = '\0';
	if (s->n == 0) {
		str_copy(out, outsz, "no backend: [bus] backends is none, so events stay in the "
		         "ledger undelivered");
		return out;
	}
	if (s->pending == 0) {
		str_fmt(out, outsz, "every event is delivered (");
		for (size_t i = 0; i < s->n; i++) {
			len = strlen(out);
			str_fmt(out + len, outsz - len, "%s%s", i ? ", " : "", s->backend[i].name);
		}
		len = strlen(out);
		str_fmt(out + len, outsz - len, ")");
		return out;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct bus_backend_status *b = &s->backend[i];
		if (b->pending == 0)
			continue;
		age_text(age_s(s, b->oldest_at), age, sizeof age);
		str_fmt(part, sizeof part, "%s%s: %lld event%s wait%s, the oldest for %s%s%s",
		        out[0] ? "; " : "", b->name, (long long)b->pending,
		        b->pending == 1 ? "" : "s", b->pending == 1 ? "s" : "", age,
		        b->failing && b->last_error[0] ? "; last error: " : "",
		        b->failing ? b->last_error : "");
		len = strlen(out);
		str_copy(out + len, outsz - len, part);
	}
	len = strlen(out);
	str_copy(out + len, outsz - len,
	         s->dispatcher_running
	             ? "; serve (or a console) is delivering them"
	             : "; nothing is delivering them now: start serve, or run mpesa-pos bus deliver");
	return out;
}
