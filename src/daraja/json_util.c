/* daraja/json_util.c: strict pre-scan, cJSON parse and checked getters.
 * The contract is in json_int.h. */
#include "daraja/json_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/money.h"

/* ---- messages ----------------------------------------------------------- */

void dj_path(char *out, size_t outsz, const char *parent, const char *key)
{
	if (parent && *parent)
		(void)str_fmt(out, outsz, "%s.%s", parent, key);
	else
		(void)str_copy(out, outsz, key);
}

void dj_quote(char *out, size_t outsz, const char *s, size_t n)
{
	enum { QUOTE_MAX = 40 };
	size_t o = 0, i;
	if (outsz == 0)
		return;
	for (i = 0; i < n && i < QUOTE_MAX && o + 1 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	/* Do not end on half a UTF-8 sequence. */
	if (i < n) {
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0xc0)
			o--;
		for (int k = 0; k < 3 && o + 1 < outsz; k++)
			out[o++] = '.';
	}
	out[o] = '\0';
}

const char *dj_type_name(const cJSON *node)
{
	if (!node)
		return "missing";
	if (cJSON_IsObject(node))
		return "an object";
	if (cJSON_IsArray(node))
		return "a list";
	if (cJSON_IsString(node))
		return "text";
	if (cJSON_IsNumber(node))
		return "a number";
	if (cJSON_IsBool(node))
		return cJSON_IsTrue(node) ? "true" : "false";
	if (cJSON_IsNull(node))
		return "null";
	return "of an unknown type";
}

/* ---- the strict pre-scan -------------------------------------------------- */

struct scan {
	const char *s;
	size_t n;
	size_t i;
	const char *what;
	struct pos_err *err;
	struct dj_lexeme *nums;
	size_t n_nums, cap_nums;
};

static enum pos_status scan_fail(struct scan *sc, enum pos_status code,
                                 const char *why)
{
	return pos_err_set(sc->err, code, "body",
	                   "the %s body was refused at byte %zu: %s", sc->what,
	                   sc->i, why);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->n && is_ws(sc->s[sc->i]))
		sc->i++;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s[i..i+4) into *cp. */
static bool hex4(const struct scan *sc, size_t i, unsigned *cp)
{
	unsigned v = 0;
	if (i > sc->n || sc->n - i < 4)
		return false;
	for (size_t k = 0; k < 4; k++) {
		int h = hex_val(sc->s[i + k]);
		if (h < 0)
			return false;
		v = (v << 4) | (unsigned)h;
	}
	*cp = v;
	return true;
}

/* One UTF-8 sequence starting at sc->i (first byte >= 0x80). */
static enum pos_status scan_utf8(struct scan *sc)
{
	const unsigned char *u = (const unsigned char *)sc->s;
	unsigned c = u[sc->i], min;
	size_t extra;
	if (c >= 0xc2 && c <= 0xdf) {
		extra = 1, min = 0x80, c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		extra = 2, min = 0x800, c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		extra = 3, min = 0x10000, c &= 0x07;
	} else {
		return scan_fail(sc, POS_E_INVALID, "a string holds a byte that is not UTF-8");
	}
	if (sc->n - sc->i <= extra)
		return scan_fail(sc, POS_E_INVALID, "a string ends inside a UTF-8 character");
	for (size_t k = 1; k <= extra; k++) {
		unsigned b = u[sc->i + k];
		if ((b & 0xc0) != 0x80)
			return scan_fail(sc, POS_E_INVALID, "a string holds a byte that is not UTF-8");
		c = (c << 6) | (b & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return scan_fail(sc, POS_E_INVALID,
		                 "a string holds an over-long or impossible UTF-8 character");
	sc->i += extra + 1;
	return POS_OK;
}

/* A string; sc->i is on the opening quote. Leaves sc->i after the closing one. */
static enum pos_status scan_string(struct scan *sc)
{
	sc->i++;
	while (sc->i < sc->n) {
		unsigned char c = (unsigned char)sc->s[sc->i];
		if (c == '"') {
			sc->i++;
			return POS_OK;
		}
		if (c < 0x20)
			return scan_fail(sc, POS_E_INVALID,
			                 "a string holds a raw control character");
		if (c >= 0x80) {
			enum pos_status st = scan_utf8(sc);
			if (st != POS_OK)
				return st;
			continue;
		}
		if (c != '\\') {
			sc->i++;
			continue;
		}
		if (sc->i + 1 >= sc->n)
			break;
		char e = sc->s[sc->i + 1];
		if (strchr("\"\\/bfnrt", e) && e != '\0') {
			sc->i += 2;
			continue;
		}
		if (e != 'u')
			return scan_fail(sc, POS_E_INVALID, "a string holds an unknown escape");
		unsigned cp;
		if (!hex4(sc, sc->i + 2, &cp))
			return scan_fail(sc, POS_E_INVALID, "a \\u escape needs four hex digits");
		if (cp == 0)
			return scan_fail(sc, POS_E_INVALID,
			                 "a string holds an escaped NUL (\\u0000)");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return scan_fail(sc, POS_E_INVALID,
			                 "a string holds a lone UTF-16 low surrogate");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			unsigned lo;
			if (sc->i + 7 >= sc->n || sc->s[sc->i + 6] != '\\' ||
			    sc->s[sc->i + 7] != 'u' || !hex4(sc, sc->i + 8, &lo) ||
			    lo < 0xdc00 || lo > 0xdfff)
				return scan_fail(sc, POS_E_INVALID,
				                 "a string holds a lone UTF-16 high surrogate");
			sc->i += 12;
		} else {
			sc->i += 6;
		}
	}
	return scan_fail(sc, POS_E_PARSE, "a string is not closed (the body is cut short)");
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static enum pos_status scan_number(struct scan *sc)
{
	size_t start = sc->i;
	if (sc->s[sc->i] == '-')
		sc->i++;
	if (sc->i >= sc->n || !is_digit(sc->s[sc->i]))
		return scan_fail(sc, POS_E_INVALID,
		                 "'-' is not followed by a digit (NaN and Infinity are not JSON)");
	if (sc->s[sc->i] == '0') {
		sc->i++;
		if (sc->i < sc->n && is_digit(sc->s[sc->i]))
			return scan_fail(sc, POS_E_INVALID, "a number has a leading zero");
	} else {
		while (sc->i < sc->n && is_digit(sc->s[sc->i]))
			sc->i++;
	}
	if (sc->i < sc->n && sc->s[sc->i] == '.') {
		sc->i++;
		if (sc->i >= sc->n || !is_digit(sc->s[sc->i]))
			return scan_fail(sc, POS_E_INVALID, "a number has no digit after its '.'");
		while (sc->i < sc->n && is_digit(sc->s[sc->i]))
			sc->i++;
	}
	if (sc->i < sc->n && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->n && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		if (sc->i >= sc->n || !is_digit(sc->s[sc->i]))
			return scan_fail(sc, POS_E_INVALID, "a number has no digit in its exponent");
		while (sc->i < sc->n && is_digit(sc->s[sc->i]))
			sc->i++;
	}
	size_t len = sc->i - start;
	if (len > DJ_NUMBER_TEXT_MAX) {
		sc->i = start;
		return scan_fail(sc, POS_E_RANGE, "a number is longer than 40 characters");
	}
	if (sc->n_nums == sc->cap_nums) {
		size_t cap = sc->cap_nums ? sc->cap_nums * 2 : 32;
		struct dj_lexeme *p = realloc(sc->nums, cap * sizeof *p);
		if (!p)
			return pos_err_set(sc->err, POS_E_NOMEM, "body", NULL);
		sc->nums = p;
		sc->cap_nums = cap;
	}
	sc->nums[sc->n_nums].off = (uint32_t)start;
	sc->nums[sc->n_nums].len = (uint32_t)len;
	sc->n_nums++;
	return POS_OK;
}

static enum pos_status scan_literal(struct scan *sc)
{
	static const char *const words[] = {"true", "false", "null"};
	for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
		size_t wl = strlen(words[k]);
		if (sc->n - sc->i >= wl && memcmp(sc->s + sc->i, words[k], wl) == 0) {
			sc->i += wl;
			return POS_OK;
		}
	}
	char c = sc->s[sc->i];
	if (c == 'N' || c == 'I' || c == 'n' || c == 'i')
		return scan_fail(sc, POS_E_INVALID,
		                 "NaN, Infinity and other bare words are not JSON");
	return scan_fail(sc, POS_E_INVALID, "unexpected character");
}

enum scan_state { S_VALUE, S_ARR_FIRST, S_OBJ_FIRST, S_OBJ_KEY, S_COLON, S_AFTER };

static enum pos_status scan_json(struct scan *sc)
{
	char stack[DJ_DEPTH_MAX];
	size_t depth = 0;
	enum scan_state state = S_VALUE;
	enum pos_status st;

	for (;;) {
		skip_ws(sc);
		if (sc->i >= sc->n) {
			if (state == S_AFTER && depth == 0)
				return POS_OK;
			return scan_fail(sc, POS_E_PARSE, "the body ends too early (it is cut short)");
		}
		char c = sc->s[sc->i];
		switch (state) {
		case S_ARR_FIRST:
			if (c == ']') {
				sc->i++;
				depth--;
				state = S_AFTER;
				continue;
			}
			state = S_VALUE;
			continue;
		case S_OBJ_FIRST:
			if (c == '}') {
				sc->i++;
				depth--;
				state = S_AFTER;
				continue;
			}
			state = S_OBJ_KEY;
			continue;
		case S_OBJ_KEY:
			if (c != '"')
				return scan_fail(sc, POS_E_INVALID, "a key must be a quoted string");
			if ((st = scan_string(sc)) != POS_OK)
				return st;
			state = S_COLON;
			continue;
		case S_COLON:
			if (c != ':')
				return scan_fail(sc, POS_E_INVALID, "':' expected after a key");
			sc->i++;
			state = S_VALUE;
			continue;
		case S_VALUE:
			if (c == '{' || c == '[') {
				if (depth == DJ_DEPTH_MAX)
					return scan_fail(sc, POS_E_RANGE,
					                 "it nests deeper than 32 levels");
				stack[depth++] = c;
				sc->i++;
				state = c == '{' ? S_OBJ_FIRST : S_ARR_FIRST;
				continue;
			}
			if (c == '"')
				st = scan_string(sc);
			else if (c == '-' || is_digit(c))
				st = scan_number(sc);
			else
				st = scan_literal(sc);
			if (st != POS_OK)
				return st;
			state = S_AFTER;
			continue;
		case S_AFTER:
			if (depth == 0)
				return scan_fail(sc, POS_E_INVALID,
				                 "there is more data after the JSON value");
			if (c == ',') {
				sc->i++;
				state = stack[depth - 1] == '{' ? S_OBJ_KEY : S_VALUE;
				continue;
			}
			if ((c == '}' && stack[depth - 1] == '{') ||
			    (c == ']' && stack[depth - 1] == '[')) {
				sc->i++;
				depth--;
				continue;
			}
			return scan_fail(sc, POS_E_INVALID, "',' or a closing bracket expected");
		}
	}
}

/* Give each cJSON number node the index of its lexeme (document order). */
static bool number_walk(cJSON *node, size_t *k, size_t n)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node)) {
			if (*k >= n || *k > (size_t)INT_MAX)
				return false;
			node->valueint = (int)*k;
			(*k)++;
		}
		if (node->child && !number_walk(node->child, k, n))
			return false;
	}
	return true;
}

void dj_release(struct dj_doc *doc)
{
	if (!doc)
		return;
	cJSON_Delete(doc->root);
	free(doc->nums);
	free(doc->text);
	doc->root = NULL;
	doc->nums = NULL;
	doc->text = NULL;
	doc->n_nums = 0;
	doc->len = 0;
}

enum pos_status dj_parse(struct dj_doc *doc, const char *what, const char *body,
                         size_t len, size_t max_body, struct pos_err *err)
{
	enum pos_status st;
	memset(doc, 0, sizeof *doc);
	doc->what = what;
	if (max_body == 0 || max_body > UINT32_MAX / 2)
		max_body = UINT32_MAX / 2;
	if (!body || len == 0)
		return pos_err_set(err, POS_E_EMPTY, "body", "the %s has an empty body", what);
	if (len > max_body)
		return pos_err_set(err, POS_E_TOO_LONG, "body",
		                   "the %s body is %zu bytes; at most %zu are accepted",
		                   what, len, max_body);
	const char *nul = memchr(body, '\0', len);
	if (nul)
		return pos_err_set(err, POS_E_INVALID, "body",
		                   "the %s body holds a NUL byte at byte %zu", what,
		                   (size_t)(nul - body));

	struct scan sc = {.s = body, .n = len, .what = what, .err = err};
	skip_ws(&sc);
	if (sc.i == len)
		return pos_err_set(err, POS_E_EMPTY, "body",
		                   "the %s body holds only white space", what);
	if ((st = scan_json(&sc)) != POS_OK) {
		free(sc.nums);
		return st;
	}

	doc->nums = sc.nums;
	doc->n_nums = sc.n_nums;
	doc->text = malloc(len + 1);
	if (!doc->text) {
		dj_release(doc);
		return pos_err_set(err, POS_E_NOMEM, "body", NULL);
	}
	memcpy(doc->text, body, len);
	doc->text[len] = '\0';
	doc->len = len;

	const char *end = NULL;
	doc->root = cJSON_ParseWithLengthOpts(doc->text, len, &end, 0);
	if (!doc->root) {
		dj_release(doc);
		return pos_err_set(err, POS_E_NOMEM, "body",
		                   "the %s body could not be loaded (out of memory?)", what);
	}
	size_t k = 0;
	if (!number_walk(doc->root, &k, doc->n_nums) || k != doc->n_nums) {
		dj_release(doc);
		return pos_err_set(err, POS_E_INTERNAL, "body",
		                   "the %s body's numbers could not be matched to their text",
		                   what);
	}
	return POS_OK;
}

const char *dj_number_text(const struct dj_doc *doc, const cJSON *node,
                           size_t *len)
{
	if (!node || !cJSON_IsNumber(node) || node->valueint < 0 ||
	    (size_t)node->valueint >= doc->n_nums)
		return NULL;
	const struct dj_lexeme *lx = &doc->nums[node->valueint];
	*len = lx->len;
	return doc->text + lx->off;
}

/* ---- members and lists ------------------------------------------------------ */

enum pos_status dj_member(const cJSON *obj, const char *key, bool nocase,
                          const char *parent, const cJSON **out,
                          struct pos_err *err)
{
	const cJSON *found = NULL;
	*out = NULL;
	if (!obj || !cJSON_IsObject(obj))
		return POS_OK;
	for (const cJSON *c = obj->child; c; c = c->next) {
		if (!c->string)
			continue;
		bool same = nocase ? str_eq_nocase(c->string, key) : strcmp(c->string, key) == 0;
		if (!same)
			continue;
		if (found) {
			char path[DJ_PATH_MAX];
			dj_path(path, sizeof path, parent, key);
			return pos_err_set(err, POS_E_DUPLICATE, path,
			                   "the key appears twice%s; a body that says two "
			                   "things at once is refused",
			                   nocase ? " (letter case ignored)" : "");
		}
		found = c;
	}
	*out = found;
	return POS_OK;
}

/* Message for a required value that is absent, null or empty. */
static enum pos_status required_fail(const char *what, const cJSON *node,
                                     const char *path, struct pos_err *err)
{
	if (!node)
		return pos_err_set(err, POS_E_EMPTY, path, "is missing from the %s", what);
	if (cJSON_IsNull(node))
		return pos_err_set(err, POS_E_EMPTY, path, "is null in the %s; a value is required",
		                   what);
	return pos_err_set(err, POS_E_EMPTY, path, "is empty in the %s; a value is required",
	                   what);
}

static enum pos_status wrong_type(const cJSON *node, const char *path,
                                  const char *expected, struct pos_err *err)
{
	return pos_err_set(err, POS_E_INVALID, path, "is %s; %s expected",
	                   dj_type_name(node), expected);
}

enum pos_status dj_object(const cJSON *obj, const char *key, bool required,
                          const char *parent, const cJSON **out,
                          struct pos_err *err)
{
	char path[DJ_PATH_MAX];
	const cJSON *v;
	enum pos_status st = dj_member(obj, key, false, parent, &v, err);
	*out = NULL;
	if (st != POS_OK)
		return st;
	dj_path(path, sizeof path, parent, key);
	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return POS_OK;
		return pos_err_set(err, POS_E_EMPTY, path, "%s; an object is required",
		                   v ? "is null" : "is missing");
	}
	if (!cJSON_IsObject(v))
		return wrong_type(v, path, "an object", err);
	*out = v;
	return POS_OK;
}

enum pos_status dj_list_open(const cJSON *node, const char *namekey,
                             const char *path, size_t max_items,
                             struct dj_list *out, struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	out->namekey = namekey;
	(void)str_copy(out->path, sizeof out->path, path);
	if (!node || cJSON_IsNull(node))
		return POS_OK;
	if (!cJSON_IsArray(node) && !cJSON_IsObject(node))
		return wrong_type(node, path, "a list or a single item", err);
	out->node = node;
	size_t count = 0;
	const cJSON *first = cJSON_IsArray(node) ? node->child : node;
	for (const cJSON *it = first; it; it = cJSON_IsArray(node) ? it->next : NULL) {
		char ipath[DJ_PATH_MAX];
		(void)str_fmt(ipath, sizeof ipath, "%s[%zu]", path, count);
		if (++count > max_items)
			return pos_err_set(err, POS_E_RANGE, path,
			                   "has more than %zu items; the body is refused",
			                   max_items);
		if (!cJSON_IsObject(it))
			return wrong_type(it, ipath, "an object with a name and a value", err);
		const cJSON *name, *value;
		enum pos_status st = dj_member(it, namekey, false, ipath, &name, err);
		if (st == POS_OK)
			st = dj_member(it, "Value", false, ipath, &value, err);
		if (st != POS_OK)
			return st;
		if (!name)
			return pos_err_set(err, POS_E_EMPTY, ipath, "the item has no %s", namekey);
		if (!cJSON_IsString(name))
			return pos_err_set(err, POS_E_INVALID, ipath, "the item's %s is %s; text expected",
			                   namekey, dj_type_name(name));
		size_t nl = strlen(name->valuestring);
		if (nl == 0 || nl > 64)
			return pos_err_set(err, POS_E_INVALID, ipath,
			                   "the item's %s is %zu bytes long; 1 to 64 are accepted",
			                   namekey, nl);
		/* A name given twice is ambiguous. */
		for (const cJSON *prev = first; prev != it; prev = prev->next) {
			const cJSON *pn = cJSON_GetObjectItemCaseSensitive(prev, namekey);
			if (strcmp(pn->valuestring, name->valuestring) == 0) {
				char q[48];
				dj_quote(q, sizeof q, name->valuestring, nl);
				return pos_err_set(err, POS_E_DUPLICATE, path,
				                   "the item \"%s\" appears twice; a body that says "
				                   "two things at once is refused", q);
			}
		}
	}
	out->count = count;
	return POS_OK;
}

const cJSON *dj_list_at(const struct dj_list *list, size_t i)
{
	if (!list->node || i >= list->count)
		return NULL;
	if (cJSON_IsObject(list->node))
		return list->node;
	const cJSON *it = list->node->child;
	while (it && i--)
		it = it->next;
	return it;
}

void dj_list_find(const struct dj_list *list, const char *name, bool *found,
                  const cJSON **value, char *item_path)
{
	*found = false;
	*value = NULL;
	(void)str_fmt(item_path, DJ_PATH_MAX, "%s[%s]", list->path, name);
	if (!list->node)
		return;
	const cJSON *first = cJSON_IsArray(list->node) ? list->node->child : list->node;
	for (const cJSON *it = first; it; it = cJSON_IsArray(list->node) ? it->next : NULL) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, list->namekey);
		if (n && cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) {
			*found = true;
			*value = cJSON_GetObjectItemCaseSensitive(it, "Value");
			return;
		}
	}
}

/* ---- value getters ------------------------------------------------------------ */

/* Fetch the text of a string or (when allowed) a number node. */
static enum pos_status raw_text(const struct dj_doc *doc, const cJSON *node,
                                const char *path, bool number_ok,
                                const char *expected, const char **s, size_t *n,
                                bool *is_number, struct pos_err *err)
{
	*is_number = false;
	if (cJSON_IsString(node)) {
		*s = node->valuestring;
		*n = strlen(*s);
		return POS_OK;
	}
	if (cJSON_IsNumber(node) && number_ok) {
		*s = dj_number_text(doc, node, n);
		if (!*s)
			return pos_err_set(err, POS_E_INTERNAL, path, "a number lost its text");
		*is_number = true;
		return POS_OK;
	}
	return wrong_type(node, path, expected, err);
}

/* Absent/null/empty handling shared by the getters: returns true when the
 * getter should stop (with *st set). */
static bool absent(const struct dj_doc *doc, const cJSON *node, const char *path,
                   unsigned flags, bool *present, enum pos_status *st,
                   struct pos_err *err)
{
	bool empty = !node || cJSON_IsNull(node) ||
	             (cJSON_IsString(node) && node->valuestring[0] == '\0');
	if (present)
		*present = false;
	if (!empty)
		return false;
	*st = (flags & DJ_REQUIRED) ? required_fail(doc->what, node, path, err) : POS_OK;
	return true;
}

/* Offset of the first control character (C0, DEL, C1) in valid UTF-8, or -1. */
static long control_at(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		if (u[i] < 0x20 || u[i] == 0x7f)
			return (long)i;
		if (u[i] == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
			return (long)i;
	}
	return -1;
}

enum pos_status dj_text(const struct dj_doc *doc, const cJSON *node,
                        const char *path, unsigned flags, char *dst,
                        size_t cap, bool *present, struct pos_err *err)
{
	enum pos_status st;
	const char *s;
	size_t n;
	bool num;
	dst[0] = '\0';
	if (absent(doc, node, path, flags, present, &st, err))
		return st;
	if ((st = raw_text(doc, node, path, flags & DJ_NUMBER_OK, "text", &s, &n, &num,
	                   err)) != POS_OK)
		return st;
	if (n >= cap) {
		if (flags & DJ_SECRET)
			return pos_err_set(err, POS_E_TOO_LONG, path,
			                   "is %zu bytes long; at most %zu are accepted", n, cap - 1);
		char q[48];
		dj_quote(q, sizeof q, s, n);
		return pos_err_set(err, POS_E_TOO_LONG, path,
		                   "\"%s\" is %zu bytes long; at most %zu are accepted", q, n,
		                   cap - 1);
	}
	long bad = control_at(s, n);
	if (bad >= 0)
		return pos_err_set(err, POS_E_INVALID, path,
		                   "holds a control character at byte %ld; text must be printable",
		                   bad);
	memcpy(dst, s, n);
	dst[n] = '\0';
	if (present)
		*present = true;
	return POS_OK;
}

static bool is_code_char(char c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '_' || c == '.' || c == '-';
}

enum pos_status dj_code(const struct dj_doc *doc, const cJSON *node,
                        const char *path, unsigned flags, char *dst,
                        size_t cap, bool *numeric, int64_t *value,
                        bool *present, struct pos_err *err)
{
	enum pos_status st;
	const char *s;
	size_t n;
	bool num;
	char q[48];
	dst[0] = '\0';
	*numeric = false;
	*value = 0;
	if (absent(doc, node, path, flags, present, &st, err))
		return st;
	if ((st = raw_text(doc, node, path, true, "a number or a text code", &s, &n, &num,
	                   err)) != POS_OK)
		return st;
	dj_quote(q, sizeof q, s, n);
	if (num) {
		if (s[0] == '-')
			return pos_err_set(err, POS_E_INVALID, path,
			                   "%s is negative; result codes are 0 or more", q);
		for (size_t i = 0; i < n; i++)
			if (!is_digit(s[i]))
				return pos_err_set(err, POS_E_INVALID, path,
				                   "%s is not a whole number; a result code is expected", q);
	}
	if (n >= cap)
		return pos_err_set(err, POS_E_TOO_LONG, path,
		                   "\"%s\" is %zu characters long; a code has at most %zu", q, n,
		                   cap - 1);
	bool digits = true;
	for (size_t i = 0; i < n; i++) {
		if (!is_code_char(s[i]))
			return pos_err_set(err, POS_E_INVALID, path,
			                   "\"%s\" is not a result code (letters, digits, '_', '.', "
			                   "'-' only)", q);
		digits = digits && is_digit(s[i]);
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	if (digits) {
		uint64_t v;
		if (parse_u64_str(dst, INT64_MAX, &v) != POS_OK)
			return pos_err_set(err, POS_E_RANGE, path, "%s is too large for a result code", q);
		*numeric = true;
		*value = (int64_t)v;
	}
	if (present)
		*present = true;
	return POS_OK;
}

enum pos_status dj_decimal_minor(const char *s, size_t n, bool negative_ok,
                                 const char *path, int64_t *out,
                                 struct pos_err *err)
{
	char q[48];
	int64_t v;
	dj_quote(q, sizeof q, s, n);
	for (size_t i = 0; i < n; i++)
		if (s[i] == 'e' || s[i] == 'E')
			return pos_err_set(err, POS_E_AMOUNT, path,
			                   "%s is written with an exponent; a plain decimal amount "
			                   "is expected", q);
	if (money_parse_daraja_n(s, n, &v, err) != POS_OK) {
		if (err) {
			(void)str_copy(err->field, sizeof err->field, path);
			err->code = POS_E_AMOUNT;
		}
		return POS_E_AMOUNT;
	}
	if (!negative_ok && memchr(s, '-', n))
		return pos_err_set(err, POS_E_AMOUNT, path,
		                   "%s is negative; this amount must be 0 or more", q);
	*out = v;
	return POS_OK;
}

enum pos_status dj_amount(const struct dj_doc *doc, const cJSON *node,
                          const char *path, unsigned flags, int64_t *minor,
                          bool *present, struct pos_err *err)
{
	enum pos_status st;
	const char *s;
	size_t n;
	bool num;
	*minor = 0;
	if (absent(doc, node, path, flags, present, &st, err))
		return st;
	if ((st = raw_text(doc, node, path, true, "an amount (a number or text like \"190.00\")",
	                   &s, &n, &num, err)) != POS_OK)
		return st;
	if (n > DJ_NUMBER_TEXT_MAX)
		return pos_err_set(err, POS_E_RANGE, path,
		                   "is %zu characters long; an amount has at most %d", n,
		                   DJ_NUMBER_TEXT_MAX);
	if ((st = dj_decimal_minor(s, n, flags & DJ_NEGATIVE_OK, path, minor, err)) != POS_OK)
		return st;
	if (present)
		*present = true;
	return POS_OK;
}

enum pos_status dj_int(const struct dj_doc *doc, const cJSON *node,
                       const char *path, unsigned flags, int64_t min,
                       int64_t max, int64_t *out, bool *present,
                       struct pos_err *err)
{
	enum pos_status st;
	const char *s;
	size_t n;
	bool num;
	char q[48], copy[DJ_NUMBER_TEXT_MAX + 1];
	*out = 0;
	if (absent(doc, node, path, flags, present, &st, err))
		return st;
	if ((st = raw_text(doc, node, path, true, "a whole number", &s, &n, &num, err)) !=
	    POS_OK)
		return st;
	dj_quote(q, sizeof q, s, n);
	if (n > DJ_NUMBER_TEXT_MAX)
		return pos_err_set(err, POS_E_RANGE, path, "\"%s\" is too long for a number", q);
	memcpy(copy, s, n);
	copy[n] = '\0';
	int64_t v;
	st = parse_i64_str(copy, INT64_MIN, INT64_MAX, &v);
	if (st == POS_E_RANGE)
		return pos_err_set(err, POS_E_RANGE, path, "%s is too large", q);
	if (st != POS_OK || (copy[0] == '-' && v == 0))
		return pos_err_set(err, POS_E_INVALID, path, "\"%s\" is not a whole number", q);
	if (v < min || v > max)
		return pos_err_set(err, POS_E_RANGE, path,
		                   "%s is out of range; %lld to %lld are accepted", q,
		                   (long long)min, (long long)max);
	*out = v;
	if (present)
		*present = true;
	return POS_OK;
}

enum pos_status dj_digits(const struct dj_doc *doc, const cJSON *node,
                          const char *path, unsigned flags, size_t min_digits,
                          size_t max_digits, char *dst, size_t cap,
                          bool *present, struct pos_err *err)
{
	enum pos_status st;
	const char *s;
	size_t n;
	bool num;
	char q[48];
	dst[0] = '\0';
	if (absent(doc, node, path, flags, present, &st, err))
		return st;
	if ((st = raw_text(doc, node, path, true, "digits", &s, &n, &num, err)) != POS_OK)
		return st;
	dj_quote(q, sizeof q, s, n);
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return pos_err_set(err, POS_E_INVALID, path,
			                   "\"%s\" is not made of digits only", q);
	if (n < min_digits || n > max_digits || n >= cap)
		return pos_err_set(err, POS_E_INVALID, path,
		                   "\"%s\" has %zu digits; %zu to %zu are expected", q, n,
		                   min_digits, max_digits);
	memcpy(dst, s, n);
	dst[n] = '\0';
	if (present)
		*present = true;
	return POS_OK;
}

enum pos_status dj_timestamp(const char *text, const char *path, time_t *out,
                             struct pos_err *err)
{
	if (clock_parse_daraja_timestamp(text, out))
		return POS_OK;
	char q[48];
	dj_quote(q, sizeof q, text, strlen(text));
	return pos_err_set(err, POS_E_INVALID, path,
	                   "\"%s\" is not a real date and time (YYYYMMDDHHmmss, Nairobi time)",
	                   q);
}

enum daraja_msisdn_kind dj_msisdn_classify(const char *s)
{
	size_t n = strlen(s), digits = 0, hex = 0, stars = 0, other = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (is_digit(c))
			digits++, hex++;
		else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			hex++;
		else if (c == '*')
			stars++;
		else if (c != ' ')
			other++;
	}
	if (n == 0)
		return DARAJA_MSISDN_ABSENT;
	if (n == 64 && hex == 64)
		return DARAJA_MSISDN_HASHED;
	if (digits == n && n >= 9 && n <= 15)
		return DARAJA_MSISDN_DIGITS;
	if (stars > 0 && digits > 0 && other == 0 && hex == digits)
		return DARAJA_MSISDN_MASKED;
	return DARAJA_MSISDN_OTHER;
}

enum pos_status dj_msisdn(const struct dj_doc *doc, const cJSON *node,
                          const char *path, struct daraja_msisdn *out,
                          struct pos_err *err)
{
	enum pos_status st;
	bool present = false;
	out->kind = DARAJA_MSISDN_ABSENT;
	out->text[0] = '\0';
	if (node && cJSON_IsNumber(node))
		st = dj_digits(doc, node, path, 0, 9, 15, out->text, sizeof out->text,
		               &present, err);
	else
		st = dj_text(doc, node, path, 0, out->text, sizeof out->text, &present, err);
	if (st == POS_OK && present)
		out->kind = dj_msisdn_classify(out->text);
	return st;
}
