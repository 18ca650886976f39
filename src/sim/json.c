/* sim/json.c: cJSON helpers. */
#include "sim/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"

bool sim_json_depth_ok(const char *s, size_t n, unsigned max_depth)
{
	unsigned depth = 0;
	bool in_string = false, escaped = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return false;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return true;
}

bool sim_json_text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p;
		if (c == 0)
			return false;
		if (c < 0x80) {
			p++;
			continue;
		}
		size_t len;
		unsigned cp, min;
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; cp = c & 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; cp = c & 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; cp = c & 0x07; min = 0x10000;
		} else {
			return false; /* continuation byte, 0xc0/0xc1 overlong, or > 0xf4 */
		}
		if ((size_t)(end - p) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += len;
	}
	return true;
}

static void number_text(double v, char *out, size_t outsz)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		snprintf(out, outsz, "%.0f", v);
	else
		snprintf(out, outsz, "%.17g", v);
}

enum sim_jkind sim_json_item_text(const cJSON *item, char *out, size_t outsz)
{
	if (out && outsz)
		out[0] = '\0';
	if (!item || cJSON_IsNull(item) || cJSON_IsInvalid(item))
		return SIM_J_MISSING;
	if (cJSON_IsString(item)) {
		if (out && outsz)
			str_copy(out, outsz, item->valuestring ? item->valuestring : "");
		return SIM_J_STRING;
	}
	if (cJSON_IsNumber(item)) {
		if (out && outsz)
			number_text(item->valuedouble, out, outsz);
		return SIM_J_NUMBER;
	}
	if (cJSON_IsBool(item)) {
		if (out && outsz)
			str_copy(out, outsz, cJSON_IsTrue(item) ? "true" : "false");
		return SIM_J_BOOL;
	}
	return SIM_J_COMPOSITE;
}

enum sim_jkind sim_json_text(const cJSON *obj, const char *key, char *out,
                             size_t outsz)
{
	const cJSON *item = cJSON_IsObject(obj)
	                        ? cJSON_GetObjectItemCaseSensitive(obj, key)
	                        : NULL;
	return sim_json_item_text(item, out, outsz);
}

char *sim_json_print(const cJSON *item)
{
	return cJSON_PrintUnformatted(item);
}

void sim_fmt_cents(int64_t cents, char out[32])
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	snprintf(out, 32, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "",
	         mag / 100, mag % 100);
}

cJSON *sim_json_add_raw(cJSON *obj, const char *key, const char *text)
{
	return cJSON_AddRawToObject(obj, key, text);
}

cJSON *sim_json_add_cents(cJSON *obj, const char *key, int64_t cents)
{
	char text[32];
	sim_fmt_cents(cents, text);
	return cJSON_AddRawToObject(obj, key, text);
}

cJSON *sim_json_add_int(cJSON *obj, const char *key, int64_t v)
{
	char text[32];
	snprintf(text, sizeof text, "%" PRId64, v);
	return cJSON_AddRawToObject(obj, key, text);
}
