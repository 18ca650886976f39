/* sim/faults.c: per-product fault settings from one key table. */
#include "sim/faults.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

enum key_type { KEY_RATE, KEY_MS };

struct key {
	const char *name;
	enum key_type type;
	size_t off;
};

#define K(name, type) {#name, type, offsetof(struct sim_fault, name)}
static const struct key keys[] = {
	K(latency_ms, KEY_MS),
	K(http_429, KEY_RATE),
	K(http_503, KEY_RATE),
	K(spike_arrest, KEY_RATE),
	K(error_500, KEY_RATE),
	K(reset, KEY_RATE),
	K(timeout, KEY_RATE),
	K(timeout_ms, KEY_MS),
	K(callback_drop, KEY_RATE),
	K(callback_dup, KEY_RATE),
	K(callback_late, KEY_RATE),
	K(callback_late_ms, KEY_MS),
	K(queue_timeout, KEY_RATE),
	K(no_product, KEY_RATE),
};
enum { NKEYS = sizeof keys / sizeof keys[0], FAULT_MS_MAX = 600000 };

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void defaults(struct sim_fault *f)
{
	memset(f, 0, sizeof *f);
	f->timeout_ms = 30000;
	f->callback_late_ms = 5000;
}

void sim_faults_init(struct sim_faults *fs)
{
	pthread_mutex_init(&fs->mu, NULL);
	for (int i = 0; i < SIM_API_COUNT; i++)
		defaults(&fs->f[i]);
}

void sim_faults_release(struct sim_faults *fs)
{
	pthread_mutex_destroy(&fs->mu);
}

void sim_faults_reset(struct sim_faults *fs)
{
	pthread_mutex_lock(&fs->mu);
	for (int i = 0; i < SIM_API_COUNT; i++)
		defaults(&fs->f[i]);
	pthread_mutex_unlock(&fs->mu);
}

void sim_faults_get(struct sim_faults *fs, enum sim_api api, struct sim_fault *out)
{
	if ((unsigned)api >= SIM_API_COUNT) {
		defaults(out);
		return;
	}
	pthread_mutex_lock(&fs->mu);
	*out = fs->f[api];
	pthread_mutex_unlock(&fs->mu);
}

/* Parse value for key k into *rate / *ms. */
static enum pos_status parse_value(const struct key *k, const char *value,
                                   double *rate, int64_t *ms, struct pos_err *err)
{
	if (k->type == KEY_MS) {
		uint64_t v;
		if (parse_u64_str(value, FAULT_MS_MAX, &v) != POS_OK)
			return pos_err_set(err, POS_E_RANGE, k->name,
			                   "%s needs milliseconds from 0 to %d, not \"%s\"",
			                   k->name, FAULT_MS_MAX, value);
		*ms = (int64_t)v;
		return POS_OK;
	}
	char *end = NULL;
	double v = strtod(value, &end);
	if (!*value || !end || *end || !isfinite(v) || v < 0 || v > 1)
		return pos_err_set(err, POS_E_RANGE, k->name,
		                   "%s needs a rate from 0 to 1, not \"%s\"", k->name, value);
	*rate = v;
	return POS_OK;
}

static void store(struct sim_fault *f, const struct key *k, double rate, int64_t ms)
{
	char *base = (char *)f;
	if (k->type == KEY_MS)
		memcpy(base + k->off, &ms, sizeof ms);
	else
		memcpy(base + k->off, &rate, sizeof rate);
}

static enum pos_status target(const char *api, int *lo, int *hi, struct pos_err *err)
{
	enum sim_api a;
	if (strcmp(api, "all") == 0) {
		*lo = 0;
		*hi = SIM_API_COUNT;
		return POS_OK;
	}
	if (!sim_api_parse(api, &a))
		return pos_err_set(err, POS_E_INVALID, "api",
		                   "unknown product \"%s\"; use oauth, stk, stkquery, b2c, "
		                   "status, balance, reversal, c2b, qr or all", api);
	*lo = (int)a;
	*hi = (int)a + 1;
	return POS_OK;
}

enum pos_status sim_faults_set(struct sim_faults *fs, const char *api,
                               const char *key, const char *value,
                               struct pos_err *err)
{
	int lo, hi;
	double rate = 0;
	int64_t ms = 0;
	const struct key *k = find_key(key);
	enum pos_status st = target(api, &lo, &hi, err);
	if (st != POS_OK)
		return st;
	if (!k)
		return pos_err_set(err, POS_E_INVALID, "fault",
		                   "unknown fault \"%s\"; docs/daraja-sim.md lists them", key);
	st = parse_value(k, value, &rate, &ms, err);
	if (st != POS_OK)
		return st;
	pthread_mutex_lock(&fs->mu);
	for (int i = lo; i < hi; i++)
		store(&fs->f[i], k, rate, ms);
	pthread_mutex_unlock(&fs->mu);
	return POS_OK;
}

enum pos_status sim_faults_apply_spec(struct sim_faults *fs, const char *spec,
                                      struct pos_err *err)
{
	char api[32], key[64];
	const char *dot = strchr(spec, '.');
	const char *eq = strchr(spec, '=');
	if (!dot || !eq || eq < dot ||
	    !str_copyn(api, sizeof api, spec, (size_t)(dot - spec)) ||
	    !str_copyn(key, sizeof key, dot + 1, (size_t)(eq - dot - 1)))
		return pos_err_set(err, POS_E_INVALID, "fault",
		                   "--fault needs API.KEY=VALUE (e.g. stk.spike_arrest=0.2), not \"%s\"",
		                   spec);
	return sim_faults_set(fs, api, key, eq + 1, err);
}

/* Check (apply=false) or apply one product's object. */
static enum pos_status apply_obj(struct sim_fault *tmp, int lo, int hi,
                                 const cJSON *obj, const char *api,
                                 struct pos_err *err)
{
	if (!cJSON_IsObject(obj))
		return pos_err_set(err, POS_E_INVALID, api,
		                   "faults for \"%s\" must be an object of key: value", api);
	const cJSON *item;
	cJSON_ArrayForEach(item, obj) {
		const struct key *k = find_key(item->string);
		char text[64];
		double rate = 0;
		int64_t ms = 0;
		if (!k)
			return pos_err_set(err, POS_E_INVALID, "fault",
			                   "unknown fault \"%s\" for \"%s\"", item->string, api);
		if (cJSON_IsNumber(item))
			snprintf(text, sizeof text, "%.17g", item->valuedouble);
		else if (cJSON_IsString(item))
			str_copy(text, sizeof text, item->valuestring);
		else
			return pos_err_set(err, POS_E_INVALID, k->name,
			                   "%s.%s must be a number", api, k->name);
		if (k->type == KEY_MS && cJSON_IsNumber(item))
			snprintf(text, sizeof text, "%.0f", item->valuedouble < 0 ? -1.0 : item->valuedouble);
		enum pos_status st = parse_value(k, text, &rate, &ms, err);
		if (st != POS_OK)
			return st;
		for (int i = lo; i < hi; i++)
			store(&tmp[i], k, rate, ms);
	}
	return POS_OK;
}

enum pos_status sim_faults_apply_json(struct sim_faults *fs, const cJSON *obj,
                                      struct pos_err *err)
{
	struct sim_fault tmp[SIM_API_COUNT];
	enum pos_status st = POS_OK;
	if (!cJSON_IsObject(obj))
		return pos_err_set(err, POS_E_INVALID, "faults",
		                   "expected an object such as {\"stk\":{\"spike_arrest\":0.2}}");
	pthread_mutex_lock(&fs->mu);
	memcpy(tmp, fs->f, sizeof tmp);
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(obj, "all");
	if (all)
		st = apply_obj(tmp, 0, SIM_API_COUNT, all, "all", err);
	const cJSON *item;
	cJSON_ArrayForEach(item, obj) {
		int lo, hi;
		if (st != POS_OK)
			break;
		if (strcmp(item->string, "all") == 0)
			continue;
		st = target(item->string, &lo, &hi, err);
		if (st == POS_OK)
			st = apply_obj(tmp, lo, hi, item, item->string, err);
	}
	if (st == POS_OK)
		memcpy(fs->f, tmp, sizeof tmp);
	pthread_mutex_unlock(&fs->mu);
	return st;
}

cJSON *sim_faults_to_json(struct sim_faults *fs)
{
	struct sim_fault copy[SIM_API_COUNT];
	pthread_mutex_lock(&fs->mu);
	memcpy(copy, fs->f, sizeof copy);
	pthread_mutex_unlock(&fs->mu);
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return NULL;
	for (int i = 0; i < SIM_API_COUNT; i++) {
		cJSON *o = cJSON_AddObjectToObject(root, sim_api_name((enum sim_api)i));
		if (!o)
			continue;
		const char *base = (const char *)&copy[i];
		for (size_t k = 0; k < NKEYS; k++) {
			if (keys[k].type == KEY_MS) {
				int64_t v;
				memcpy(&v, base + keys[k].off, sizeof v);
				cJSON_AddNumberToObject(o, keys[k].name, (double)v);
			} else {
				double v;
				memcpy(&v, base + keys[k].off, sizeof v);
				cJSON_AddNumberToObject(o, keys[k].name, v);
			}
		}
	}
	return root;
}
