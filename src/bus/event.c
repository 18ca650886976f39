/*
 * bus/event.c: the JSON every backend receives, built from an outbox row.
 *
 * store/ writes the payload (the event's fields as strings, plus occurred_at,
 * till_id and shortcode); here it becomes the envelope every consumer reads:
 * id, name, occurred_at, till_id, shortcode, schema_version, then the kind's
 * fields in catalogue order. Built with cJSON once per delivery, so every
 * backend gets identical bytes; identical on every redelivery too, since it
 * depends only on the row and the options.
 */
#include "bus/bus_int.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "core/money.h"

/* Deeper payloads are not ours: cJSON recurses once per level. */
enum { PAYLOAD_DEPTH_MAX = 16 };

static bool depth_ok(const char *s, int max)
{
	int depth = 0;
	bool in_str = false;
	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
		} else if (*s == '"') {
			in_str = true;
		} else if (*s == '{' || *s == '[') {
			if (++depth > max)
				return false;
		} else if (*s == '}' || *s == ']') {
			depth--;
		}
	}
	return true;
}

/* A string value as it may leave the till: registered secrets masked. */
static cJSON *masked_string(const char *s)
{
	size_t n = strlen(s), cap = 2 * n + 16;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	log_mask(s, buf, cap);
	cJSON *v = cJSON_CreateString(buf);
	free(buf);
	return v;
}

/* A payload value as the string the catalogue promises ("1032"). */
static cJSON *as_string(const cJSON *v)
{
	char num[48];
	if (!v || cJSON_IsNull(v))
		return cJSON_CreateNull();
	if (cJSON_IsString(v))
		return masked_string(v->valuestring);
	if (cJSON_IsBool(v))
		return cJSON_CreateString(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			str_fmt(num, sizeof num, "%lld", (long long)d);
		else
			str_fmt(num, sizeof num, "%.17g", d);
		return cJSON_CreateString(num);
	}
	char *text = cJSON_PrintUnformatted(v);
	if (!text)
		return NULL;
	cJSON *out = masked_string(text);
	cJSON_free(text);
	return out;
}

/* amount: a JSON number, exact: whole units ("1500") or, for an amount with
 * cents, the decimal ("1500.50"). Anything unreadable stays a string. */
static cJSON *as_amount(const cJSON *v)
{
	char text[64], out[MONEY_FMT_MAX];
	int64_t minor;
	if (!v || cJSON_IsNull(v))
		return cJSON_CreateNull();
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (!(d == floor(d) && fabs(d) <= (double)MONEY_WHOLE_MAX))
			return as_string(v);
		str_fmt(text, sizeof text, "%lld", (long long)d);
	} else if (!cJSON_IsString(v) || !str_copy(text, sizeof text, v->valuestring)) {
		return as_string(v);
	}
	if (money_parse_daraja(text, &minor, NULL) != POS_OK)
		return as_string(v);
	if (money_is_whole(minor))
		str_fmt(out, sizeof out, "%lld", (long long)(minor / MONEY_SCALE));
	else
		money_format_plain(minor, out, sizeof out);
	return cJSON_CreateRaw(out);
}

/* A field the catalogue does not know: its JSON type kept, strings masked. */
static cJSON *copy_masked(const cJSON *v)
{
	if (cJSON_IsString(v))
		return masked_string(v->valuestring);
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
		return cJSON_Duplicate(v, false);
	cJSON *out = cJSON_IsArray(v) ? cJSON_CreateArray() : cJSON_CreateObject();
	for (const cJSON *c = v->child; out && c; c = c->next) {
		cJSON *dup = copy_masked(c);
		if (!dup) {
			cJSON_Delete(out);
			return NULL;
		}
		if (cJSON_IsArray(v))
			cJSON_AddItemToArray(out, dup);
		else
			cJSON_AddItemToObject(out, c->string, dup);
	}
	return out;
}

static bool add(cJSON *o, const char *key, cJSON *v)
{
	if (!v)
		return false;
	cJSON_AddItemToObject(o, key, v);
	return true;
}

static const char *payload_str(const cJSON *pl, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, key);
	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static bool is_envelope(const char *key)
{
	for (int e = 0; e < EVENT_ENVELOPE_COUNT; e++)
		if (str_eq(key, event_envelope_name((enum event_envelope)e)))
			return true;
	return false;
}

static cJSON *field_value(enum event_field f, const cJSON *pl, const struct bus_opts *o)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(pl, event_field_name(f));
	if (f == EVF_AMOUNT)
		return as_amount(v);
	if ((!v || cJSON_IsNull(v)) && f == EVF_ENVIRONMENT && o->environment &&
	    o->environment[0])
		return cJSON_CreateString(o->environment);
	if ((!v || cJSON_IsNull(v)) && f == EVF_CURRENCY &&
	    cJSON_GetObjectItemCaseSensitive(pl, event_field_name(EVF_AMOUNT)))
		return cJSON_CreateString("KES");
	return as_string(v);
}

static cJSON *build(const struct store_outbox_row *row, const cJSON *pl,
                    const struct bus_opts *o, char id[BUS_ID_MAX])
{
	char at[26], when[40];
	enum event_type ev;
	bool known = event_parse(row->event, &ev);
	const char *till = payload_str(pl, "till_id");
	const char *shortcode = payload_str(pl, "shortcode");
	const char *occurred = payload_str(pl, "occurred_at");

	if (!till)
		till = o->till_id && o->till_id[0] ? o->till_id : "till";
	if (!shortcode && o->shortcode && o->shortcode[0])
		shortcode = o->shortcode;
	if (!occurred || strlen(occurred) >= sizeof when) {
		clock_iso8601_eat((time_t)(row->created_at / 1000), at);
		occurred = at;
	}
	str_fmt(id, BUS_ID_MAX, "%.40s:%06lld:%lld", till, (long long)row->id,
	        (long long)row->created_at);

	cJSON *out = cJSON_CreateObject();
	bool ok = out && add(out, "id", masked_string(id)) &&
	          add(out, "name", masked_string(row->event ? row->event : "")) &&
	          add(out, "occurred_at", masked_string(occurred)) &&
	          add(out, "till_id", masked_string(till)) &&
	          add(out, "shortcode",
	              shortcode ? masked_string(shortcode) : cJSON_CreateNull()) &&
	          add(out, "schema_version", cJSON_CreateNumber(EVENT_SCHEMA_VERSION));
	for (int f = 0; ok && known && f < EVENT_FIELD_COUNT; f++)
		if (event_has_field(ev, (enum event_field)f))
			ok = add(out, event_field_name((enum event_field)f),
			         field_value((enum event_field)f, pl, o));
	for (const cJSON *c = pl ? pl->child : NULL; ok && c; c = c->next) {
		if (!c->string || is_envelope(c->string) ||
		    cJSON_GetObjectItemCaseSensitive(out, c->string))
			continue;
		enum event_field f;
		bool catalogued = event_field_parse(c->string, &f);
		ok = add(out, c->string,
		         catalogued ? (f == EVF_AMOUNT ? as_amount(c) : as_string(c))
		                    : copy_masked(c));
	}
	if (!ok) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

enum pos_status bus_event_json(const struct store_outbox_row *row,
                               const struct bus_opts *o, char **json, size_t *len,
                               char id[BUS_ID_MAX], struct pos_err *err)
{
	char idbuf[BUS_ID_MAX];
	cJSON *pl = NULL;
	*json = NULL;
	if (len)
		*len = 0;
	if (!id)
		id = idbuf;
	if (row->payload && depth_ok(row->payload, PAYLOAD_DEPTH_MAX))
		pl = cJSON_Parse(row->payload);
	if (pl && !cJSON_IsObject(pl)) {
		cJSON_Delete(pl);
		pl = NULL;
	}
	if (!pl && row->payload && row->payload[0])
		log_warn("bus", "event %lld (%s): the recorded payload is not a JSON object; "
		         "it is delivered with its fields empty", (long long)row->id,
		         row->event ? row->event : "?");
	cJSON *out = build(row, pl, o, id);
	cJSON_Delete(pl);
	char *text = out ? cJSON_PrintUnformatted(out) : NULL;
	cJSON_Delete(out);
	if (!text)
		return pos_err_set(err, POS_E_NOMEM, "", "building event %lld",
		                   (long long)row->id);
	*json = text;
	if (len)
		*len = strlen(text);
	return POS_OK;
}

enum pos_status bus_event_add(struct store *st, const struct bus_opts *o,
                              enum event_type ev,
                              const char *const values[EVENT_FIELD_COUNT],
                              int64_t txn_id, int64_t *id, struct pos_err *err)
{
	char at[26];
	if ((unsigned)ev >= EVENT_TYPE_COUNT)
		return pos_err_set(err, POS_E_INVALID, "event", "%d is not in the catalogue",
		                   (int)ev);
	cJSON *pl = cJSON_CreateObject();
	bool ok = pl != NULL;
	for (int f = 0; ok && f < EVENT_FIELD_COUNT; f++) {
		const char *v = values ? values[f] : NULL;
		if (f == EVF_ENVIRONMENT && (!v || !*v))
			v = o->environment;
		if (event_has_field(ev, (enum event_field)f) && v && *v)
			ok = cJSON_AddStringToObject(pl, event_field_name((enum event_field)f), v) !=
			     NULL;
	}
	clock_iso8601_eat(clock_now(), at);
	ok = ok && cJSON_AddStringToObject(pl, "occurred_at", at) &&
	     (!o->till_id || !*o->till_id ||
	      cJSON_AddStringToObject(pl, "till_id", o->till_id)) &&
	     (!o->shortcode || !*o->shortcode ||
	      cJSON_AddStringToObject(pl, "shortcode", o->shortcode));
	char *payload = ok ? cJSON_PrintUnformatted(pl) : NULL;
	cJSON_Delete(pl);
	if (!payload)
		return pos_err_set(err, POS_E_NOMEM, "", "building event %s", event_name(ev));
	enum pos_status rc = store_outbox_add(st, event_name(ev), txn_id, payload, id, err);
	cJSON_free(payload);
	return rc;
}
