/* daraja/response.c: the synchronous answer parsers. Contract in response.h. */
#include "daraja/response.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "daraja/json_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define TRY(expr)                                                              \
	do {                                                                       \
		if ((st = (expr)) != POS_OK)                                           \
			goto out;                                                          \
	} while (0)

static const char RESP_HINT[] =
	"Daraja's answer was not understood, so the request may or may not have "
	"been taken: check its status before sending it again.";

/* ---- classes ------------------------------------------------------------------------ */

static const struct {
	const char *name, *hint;
} classes[DARAJA_APIERR_COUNT] = {
#define DARAJA_APIERR_ROW(e, name, hint) {name, hint},
	DARAJA_API_ERRORS(DARAJA_APIERR_ROW)
#undef DARAJA_APIERR_ROW
};

const char *daraja_api_error_class_name(enum daraja_api_error_class c)
{
	return (size_t)c < N_ELEMS(classes) ? classes[c].name : "?";
}

const char *daraja_api_error_class_hint(enum daraja_api_error_class c)
{
	return (size_t)c < N_ELEMS(classes) ? classes[c].hint : "";
}

/* ASCII case-insensitive substring test. */
static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++) {
		size_t i = 0;
		while (i < n && hay[i] && lower(hay[i]) == lower(needle[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

/* First matching row wins. code: exact errorCode, or NULL for any; msg: a
 * substring (ignoring case) or NULL; http: required status or 0. */
static const struct {
	const char *code, *msg;
	long http;
	enum daraja_api_error_class cls;
} code_table[] = {
	{"400.002.02", NULL, 0, DARAJA_APIERR_INVALID_FIELD},
	{"400.002.05", NULL, 0, DARAJA_APIERR_BAD_PAYLOAD},
	{"400.003.01", NULL, 0, DARAJA_APIERR_AUTH},
	{"400.003.02", NULL, 0, DARAJA_APIERR_INVALID_FIELD},
	{"400.008.01", NULL, 0, DARAJA_APIERR_AUTH},
	{"400.008.02", NULL, 0, DARAJA_APIERR_AUTH},
	{"401.002.01", NULL, 0, DARAJA_APIERR_AUTH},
	{"401.003.01", NULL, 0, DARAJA_APIERR_NOT_SUBSCRIBED},
	{"404.001.01", NULL, 0, DARAJA_APIERR_NOT_FOUND},
	{"404.001.03", NULL, 0, DARAJA_APIERR_AUTH},
	{"404.001.04", NULL, 0, DARAJA_APIERR_AUTH},
	{"404.002.01", NULL, 0, DARAJA_APIERR_NOT_FOUND},
	{"404.003.01", NULL, 0, DARAJA_APIERR_NOT_FOUND},
	{"500.001.1001", "is being processed", 500, DARAJA_APIERR_PENDING},
	{"500.001.1001", "lock subscriber", 0, DARAJA_APIERR_SUBSCRIBER_BUSY},
	{"500.001.1001", "wrong credentials", 0, DARAJA_APIERR_CREDENTIALS},
	{"500.001.1001", "merchant does not exist", 0, DARAJA_APIERR_CREDENTIALS},
	{"500.001.1001", NULL, 0, DARAJA_APIERR_REJECTED},
	{"500.002.1001", NULL, 0, DARAJA_APIERR_DUPLICATE},
	{"500.003.02", NULL, 0, DARAJA_APIERR_THROTTLED},
	{"500.003.03", NULL, 0, DARAJA_APIERR_THROTTLED},
	{"500.003.1001", "already registered", 0, DARAJA_APIERR_ALREADY_REGISTERED},
};

static enum daraja_api_error_class class_of_status(long http)
{
	if (http == 400)
		return DARAJA_APIERR_INVALID_FIELD;
	if (http == 401 || http == 403)
		return DARAJA_APIERR_AUTH;
	if (http == 404)
		return DARAJA_APIERR_NOT_FOUND;
	if (http == 405)
		return DARAJA_APIERR_METHOD;
	if (http == 429)
		return DARAJA_APIERR_THROTTLED;
	if (http >= 500 && http <= 599)
		return DARAJA_APIERR_SERVER;
	return DARAJA_APIERR_OTHER;
}

enum daraja_api_error_class daraja_api_error_classify(long http_status,
                                                      const char *code,
                                                      const char *message)
{
	const char *c = code ? code : "", *m = message ? message : "";
	for (size_t i = 0; i < N_ELEMS(code_table); i++) {
		if (strcmp(code_table[i].code, c) != 0)
			continue;
		if (code_table[i].http && code_table[i].http != http_status)
			continue;
		if (code_table[i].msg && !contains_nocase(m, code_table[i].msg))
			continue;
		return code_table[i].cls;
	}
	/* Unknown code: its first segment is normally the HTTP status. */
	char seg[4] = {0};
	if (strlen(c) >= 3 && c[0] >= '1' && c[0] <= '5' && (c[3] == '.' || c[3] == '\0')) {
		memcpy(seg, c, 3);
		uint64_t v;
		if (parse_u64_str(seg, 599, &v) == POS_OK) {
			enum daraja_api_error_class k = class_of_status((long)v);
			if (k != DARAJA_APIERR_OTHER)
				return k;
		}
	}
	return class_of_status(http_status);
}

/* ---- the error envelope ---------------------------------------------------------------- */

/* "Error Occurred - Invalid Access Token - <token>": hide the token. */
static void hide_token(char *msg)
{
	static const char marker[] = "Invalid Access Token - ";
	char *p = strstr(msg, marker);
	if (!p)
		return;
	p += sizeof marker - 1;
	if (*p == '\0' || strchr(p, ' '))
		return;
	size_t room = DARAJA_DESC_LEN + 1 - (size_t)(p - msg);
	(void)str_copy(p, room, "[token hidden]");
}

/* Read any text member into dst, cut to fit (an error message is worth
 * keeping even when it is long). */
static enum pos_status text_cut(const struct dj_doc *doc, const cJSON *v,
                                const char *path, char *dst, size_t cap,
                                struct pos_err *err)
{
	char big[2048];
	enum pos_status st = dj_text(doc, v, path, DJ_NUMBER_OK, big, sizeof big, NULL, err);
	if (st == POS_OK)
		(void)str_copy(dst, cap, big);
	return st;
}

static bool has_error_code(const cJSON *root)
{
	for (const cJSON *c = root->child; c; c = c->next)
		if (c->string && str_eq_nocase(c->string, "errorCode"))
			return true;
	return false;
}

static enum pos_status envelope_from_doc(const struct dj_doc *doc, long http,
                                         struct daraja_api_error *e,
                                         struct pos_err *err)
{
	enum pos_status st;
	const cJSON *v;
	bool numeric;
	int64_t value;
	memset(e, 0, sizeof *e);
	e->http_status = http;
	TRY(dj_member(doc->root, "requestId", true, "", &v, err));
	TRY(dj_text(doc, v, "requestId", DJ_NUMBER_OK, e->request_id, sizeof e->request_id,
	            NULL, err));
	TRY(dj_member(doc->root, "errorCode", true, "", &v, err));
	TRY(dj_code(doc, v, "errorCode", DJ_REQUIRED, e->code, sizeof e->code, &numeric,
	            &value, NULL, err));
	TRY(dj_member(doc->root, "errorMessage", true, "", &v, err));
	TRY(text_cut(doc, v, "errorMessage", e->message, sizeof e->message, err));
	hide_token(e->message);
	e->cls = daraja_api_error_classify(http, e->code, e->message);
out:
	return st;
}

/* Fill err for a refusal and return POS_E_DARAJA or POS_E_THROTTLED. */
static enum pos_status refusal(const char *what, const struct daraja_api_error *e,
                               struct pos_err *err)
{
	enum pos_status code =
		e->cls == DARAJA_APIERR_THROTTLED ? POS_E_THROTTLED : POS_E_DARAJA;
	if (str_starts_with(e->code, "HTTP "))
		pos_err_set(err, code, "daraja", "Daraja refused the %s: %s %s", what, e->code,
		            e->message);
	else
		pos_err_set(err, code, "daraja", "Daraja refused the %s: %s%s%s (HTTP %ld)", what,
		            e->code[0] ? e->code : "no code", e->message[0] ? " " : "", e->message,
		            e->http_status);
	pos_err_hint(err, "%s", daraja_api_error_class_hint(e->cls));
	return code;
}

/* A non-2xx status whose body is not JSON (empty, HTML from a proxy...). */
static enum pos_status http_refusal(const char *what, long http, const char *body,
                                    size_t len, struct daraja_api_error *e,
                                    struct pos_err *err)
{
	char q[48];
	memset(e, 0, sizeof *e);
	e->http_status = http;
	e->cls = class_of_status(http);
	(void)str_fmt(e->code, sizeof e->code, "HTTP %ld", http);
	if (!body || len == 0) {
		(void)str_copy(e->message, sizeof e->message, "with an empty body");
	} else {
		dj_quote(q, sizeof q, body, len);
		(void)str_fmt(e->message, sizeof e->message, "with a body that is not Daraja's "
		                                             "JSON: \"%s\"", q);
	}
	return refusal(what, e, err);
}

typedef enum pos_status (*answer_fn)(const struct dj_doc *doc, void *out,
                                     struct daraja_api_error *e, struct pos_err *err);

/* The common path of every answer parser. */
static enum pos_status answer(const char *what, long http, const char *body,
                              size_t len, struct daraja_api_error *e, answer_fn fn,
                              void *out, struct pos_err *err)
{
	struct dj_doc doc;
	struct pos_err perr;
	enum pos_status st;
	bool ok_http = http >= 200 && http <= 299;

	pos_err_clear(err);
	e->http_status = http;
	if (http < 100 || http > 599) {
		pos_err_set(err, POS_E_INVALID, "http_status", "%ld is not an HTTP status", http);
		pos_err_hint(err, "No HTTP answer was received, so the request may or may not "
		                  "have reached Daraja: check its status before sending it again.");
		return POS_E_INVALID;
	}
	pos_err_clear(&perr);
	st = dj_parse(&doc, what, body, len, DARAJA_RESPONSE_MAX, &perr);
	if (st != POS_OK) {
		if (!ok_http)
			return http_refusal(what, http, body, len, e, err);
		if (err)
			*err = perr;
		pos_err_hint(err, "%s", RESP_HINT);
		return st;
	}
	if (!cJSON_IsObject(doc.root)) {
		if (!ok_http) {
			dj_release(&doc);
			return http_refusal(what, http, body, len, e, err);
		}
		st = pos_err_set(err, POS_E_INVALID, "body",
		                 "the %s is %s; a JSON object is expected", what,
		                 dj_type_name(doc.root));
	} else if (has_error_code(doc.root)) {
		st = envelope_from_doc(&doc, http, e, &perr);
		if (st == POS_OK) {
			st = refusal(what, e, err);
		} else if (!ok_http) {
			/* A refusal all the same; the status says what kind. */
			dj_release(&doc);
			return http_refusal(what, http, body, len, e, err);
		} else if (err) {
			*err = perr;
		}
	} else if (!ok_http) {
		dj_release(&doc);
		return http_refusal(what, http, body, len, e, err);
	} else {
		st = fn(&doc, out, e, err);
	}
	dj_release(&doc);
	if (st != POS_OK && err && !err->hint[0])
		pos_err_hint(err, "%s", RESP_HINT);
	return st;
}

enum pos_status daraja_api_error_parse(long http_status, const char *body,
                                       size_t len, struct daraja_api_error *out,
                                       struct pos_err *err)
{
	struct dj_doc doc;
	enum pos_status st;
	memset(out, 0, sizeof *out);
	out->http_status = http_status;
	pos_err_clear(err);
	if ((st = dj_parse(&doc, "Daraja error", body, len, DARAJA_RESPONSE_MAX, err)) !=
	    POS_OK)
		return st;
	if (!cJSON_IsObject(doc.root) || !has_error_code(doc.root))
		st = pos_err_set(err, POS_E_NOT_FOUND, "errorCode",
		                 "the body is not a Daraja error envelope (no errorCode)");
	else
		st = envelope_from_doc(&doc, http_status, out, err);
	dj_release(&doc);
	return st;
}

/* ResponseCode: required; anything but 0 ("0", "00", 0) is a refusal. */
static enum pos_status response_code(const struct dj_doc *doc, const char *what,
                                     struct daraja_code *rc, const char *desc_key,
                                     char *desc, size_t desc_cap,
                                     struct daraja_api_error *e, struct pos_err *err)
{
	enum pos_status st;
	const cJSON *v;
	TRY(dj_member(doc->root, "ResponseCode", false, "", &v, err));
	TRY(dj_code(doc, v, "ResponseCode", DJ_REQUIRED, rc->text, sizeof rc->text,
	            &rc->numeric, &rc->value, NULL, err));
	TRY(dj_member(doc->root, desc_key, false, "", &v, err));
	TRY(text_cut(doc, v, desc_key, desc, desc_cap, err));
	if (!(rc->numeric && rc->value == 0)) {
		e->cls = DARAJA_APIERR_REJECTED;
		(void)str_copy(e->code, sizeof e->code, rc->text);
		(void)str_copy(e->message, sizeof e->message, desc);
		return refusal(what, e, err);
	}
out:
	return st;
}

static enum pos_status member_text(const struct dj_doc *doc, const char *key,
                                   unsigned flags, char *dst, size_t cap,
                                   struct pos_err *err)
{
	const cJSON *v;
	enum pos_status st = dj_member(doc->root, key, false, "", &v, err);
	if (st == POS_OK)
		st = dj_text(doc, v, key, flags, dst, cap, NULL, err);
	return st;
}

/* ---- OAuth token ----------------------------------------------------------------------- */

static enum pos_status token_fn(const struct dj_doc *doc, void *vout,
                                struct daraja_api_error *e, struct pos_err *err)
{
	struct daraja_token_answer *out = vout;
	enum pos_status st;
	const cJSON *v;
	(void)e;
	TRY(member_text(doc, "access_token", DJ_REQUIRED | DJ_SECRET, out->access_token,
	                sizeof out->access_token, err));
	for (const char *p = out->access_token; *p; p++) {
		if (*p <= ' ' || *p > '~') {
			st = pos_err_set(err, POS_E_INVALID, "access_token",
			                 "holds a space or a character that is not printable "
			                 "ASCII; the token is not usable");
			goto out;
		}
	}
	TRY(dj_member(doc->root, "expires_in", false, "", &v, err));
	TRY(dj_int(doc, v, "expires_in", DJ_REQUIRED, 1, 31536000, &out->expires_in_s, NULL,
	           err));
out:
	if (st != POS_OK)
		memset(out->access_token, 0, sizeof out->access_token);
	return st;
}

enum pos_status daraja_token_answer_parse(long http_status, const char *body,
                                          size_t len,
                                          struct daraja_token_answer *out,
                                          struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	enum pos_status st = answer("access token request", http_status, body, len,
	                            &out->error, token_fn, out, err);
	if (st == POS_E_DARAJA && http_status == 400 && len == 0) {
		/* Wrong consumer key or secret: Daraja answers 400 with no body. */
		out->error.cls = DARAJA_APIERR_AUTH;
		pos_err_hint(err, "Daraja gave no reason: the consumer key or secret is "
		                  "probably wrong; check them in the [daraja] configuration.");
	}
	return st;
}

/* ---- STK push and query ------------------------------------------------------------------- */

static enum pos_status stk_push_fn(const struct dj_doc *doc, void *vout,
                                   struct daraja_api_error *e, struct pos_err *err)
{
	struct daraja_stk_push_answer *out = vout;
	enum pos_status st;
	TRY(member_text(doc, "MerchantRequestID", 0, out->merchant_request_id,
	                sizeof out->merchant_request_id, err));
	TRY(member_text(doc, "CheckoutRequestID", 0, out->checkout_request_id,
	                sizeof out->checkout_request_id, err));
	TRY(member_text(doc, "CustomerMessage", 0, out->customer_message,
	                sizeof out->customer_message, err));
	TRY(response_code(doc, "STK push", &out->response_code, "ResponseDescription",
	                  out->response_description, sizeof out->response_description, e,
	                  err));
	if (!out->checkout_request_id[0])
		return pos_err_set(err, POS_E_EMPTY, "CheckoutRequestID",
		                   "is missing from an accepted STK push answer; the payment "
		                   "cannot be followed");
	if (!out->merchant_request_id[0])
		return pos_err_set(err, POS_E_EMPTY, "MerchantRequestID",
		                   "is missing from an accepted STK push answer");
out:
	return st;
}

enum pos_status daraja_stk_push_answer_parse(long http_status, const char *body,
                                             size_t len,
                                             struct daraja_stk_push_answer *out,
                                             struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return answer("STK push", http_status, body, len, &out->error, stk_push_fn, out, err);
}

static enum pos_status stk_query_fn(const struct dj_doc *doc, void *vout,
                                    struct daraja_api_error *e, struct pos_err *err)
{
	struct daraja_stk_query_answer *out = vout;
	enum pos_status st;
	const cJSON *v;
	TRY(member_text(doc, "MerchantRequestID", 0, out->merchant_request_id,
	                sizeof out->merchant_request_id, err));
	TRY(member_text(doc, "CheckoutRequestID", 0, out->checkout_request_id,
	                sizeof out->checkout_request_id, err));
	TRY(response_code(doc, "STK query", &out->response_code, "ResponseDescription",
	                  out->response_description, sizeof out->response_description, e,
	                  err));
	if (!out->checkout_request_id[0])
		return pos_err_set(err, POS_E_EMPTY, "CheckoutRequestID",
		                   "is missing from the STK query answer");
	TRY(dj_member(doc->root, "ResultCode", false, "", &v, err));
	TRY(dj_code(doc, v, "ResultCode", DJ_REQUIRED, out->result_code.text,
	            sizeof out->result_code.text, &out->result_code.numeric,
	            &out->result_code.value, NULL, err));
	TRY(member_text(doc, "ResultDesc", 0, out->result_desc, sizeof out->result_desc, err));
	out->outcome = out->result_code.numeric && out->result_code.value == 0
	                       ? DARAJA_OUTCOME_SUCCESS
	                       : DARAJA_OUTCOME_FAILED;
out:
	return st;
}

enum pos_status daraja_stk_query_answer_parse(long http_status, const char *body,
                                              size_t len,
                                              struct daraja_stk_query_answer *out,
                                              struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	enum pos_status st = answer("STK query", http_status, body, len, &out->error,
	                            stk_query_fn, out, err);
	if (st == POS_E_DARAJA && out->error.cls == DARAJA_APIERR_PENDING) {
		out->pending = true;
		out->outcome = DARAJA_OUTCOME_UNKNOWN;
		(void)str_copy(out->checkout_request_id, sizeof out->checkout_request_id,
		               out->error.request_id);
		pos_err_clear(err);
		return POS_OK;
	}
	return st;
}

/* ---- async acceptance and C2B register ---------------------------------------------------- */

static enum pos_status async_fn(const struct dj_doc *doc, void *vout,
                                struct daraja_api_error *e, struct pos_err *err)
{
	struct daraja_async_answer *out = vout;
	enum pos_status st;
	TRY(member_text(doc, "OriginatorConversationID", 0, out->originator_conversation_id,
	                sizeof out->originator_conversation_id, err));
	TRY(member_text(doc, "ConversationID", 0, out->conversation_id,
	                sizeof out->conversation_id, err));
	TRY(response_code(doc, "request", &out->response_code, "ResponseDescription",
	                  out->response_description, sizeof out->response_description, e,
	                  err));
	if (!out->conversation_id[0])
		return pos_err_set(err, POS_E_EMPTY, "ConversationID",
		                   "is missing from an accepted answer; the result cannot be "
		                   "matched to the request");
	if (!out->originator_conversation_id[0])
		return pos_err_set(err, POS_E_EMPTY, "OriginatorConversationID",
		                   "is missing from an accepted answer; the result cannot be "
		                   "matched to the request");
out:
	return st;
}

enum pos_status daraja_async_answer_parse(long http_status, const char *body,
                                          size_t len,
                                          struct daraja_async_answer *out,
                                          struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return answer("request", http_status, body, len, &out->error, async_fn, out, err);
}

static enum pos_status c2b_register_fn(const struct dj_doc *doc, void *vout,
                                       struct daraja_api_error *e,
                                       struct pos_err *err)
{
	struct daraja_c2b_register_answer *out = vout;
	enum pos_status st;
	const cJSON *sic, *right;
	TRY(dj_member(doc->root, "OriginatorCoversationID", false, "", &sic, err));
	TRY(dj_member(doc->root, "OriginatorConversationID", false, "", &right, err));
	if (sic && right)
		return pos_err_set(err, POS_E_DUPLICATE, "OriginatorCoversationID",
		                   "both OriginatorCoversationID and OriginatorConversationID "
		                   "are present; a body that says two things at once is refused");
	TRY(dj_text(doc, sic ? sic : right,
	            sic ? "OriginatorCoversationID" : "OriginatorConversationID", 0,
	            out->originator_conversation_id, sizeof out->originator_conversation_id,
	            NULL, err));
	TRY(response_code(doc, "C2B URL registration", &out->response_code,
	                  "ResponseDescription", out->response_description,
	                  sizeof out->response_description, e, err));
out:
	return st;
}

enum pos_status daraja_c2b_register_answer_parse(long http_status,
                                                 const char *body, size_t len,
                                                 struct daraja_c2b_register_answer *out,
                                                 struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	return answer("C2B URL registration", http_status, body, len, &out->error,
	              c2b_register_fn, out, err);
}

/* ---- Dynamic QR ------------------------------------------------------------------------- */

static enum pos_status qr_fn(const struct dj_doc *doc, void *vout,
                             struct daraja_api_error *e, struct pos_err *err)
{
	struct daraja_qr_answer *out = vout;
	enum pos_status st;
	const cJSON *v;
	TRY(member_text(doc, "RequestID", DJ_NUMBER_OK, out->request_id,
	                sizeof out->request_id, err));
	TRY(response_code(doc, "QR code request", &out->response_code,
	                  "ResponseDescription", out->response_description,
	                  sizeof out->response_description, e, err));
	TRY(dj_member(doc->root, "QRCode", false, "", &v, err));
	if (!v || !cJSON_IsString(v) || v->valuestring[0] == '\0') {
		if (v && !cJSON_IsString(v) && !cJSON_IsNull(v))
			return pos_err_set(err, POS_E_INVALID, "QRCode", "is %s; base64 text expected",
			                   dj_type_name(v));
		return pos_err_set(err, POS_E_EMPTY, "QRCode",
		                   "is missing from an accepted QR code answer");
	}
	const char *s = v->valuestring;
	size_t n = strlen(s), pad = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		           (c >= '0' && c <= '9') || c == '+' || c == '/';
		if (c == '=' && i + 2 >= n)
			pad++;
		else if (!b64 || pad)
			return pos_err_set(err, POS_E_INVALID, "QRCode",
			                   "is not base64: byte %zu is not in the base64 alphabet", i);
	}
	if (n % 4 != 0)
		return pos_err_set(err, POS_E_INVALID, "QRCode",
		                   "is not base64: its length %zu is not a multiple of 4", n);
	out->qr_code = malloc(n + 1);
	if (!out->qr_code)
		return pos_err_set(err, POS_E_NOMEM, "QRCode", NULL);
	memcpy(out->qr_code, s, n + 1);
	out->qr_code_len = n;
out:
	return st;
}

enum pos_status daraja_qr_answer_parse(long http_status, const char *body,
                                       size_t len, struct daraja_qr_answer *out,
                                       struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	enum pos_status st = answer("QR code request", http_status, body, len, &out->error,
	                            qr_fn, out, err);
	if (st != POS_OK)
		daraja_qr_answer_release(out);
	return st;
}

void daraja_qr_answer_release(struct daraja_qr_answer *a)
{
	if (!a)
		return;
	free(a->qr_code);
	a->qr_code = NULL;
	a->qr_code_len = 0;
}

/* ---- Pull Transactions ------------------------------------------------------------------- */

static enum pos_status pull_record(const struct dj_doc *doc, const cJSON *obj,
                                   size_t index, struct daraja_pull_record *r,
                                   struct pos_err *err)
{
	static const struct {
		const char *key;
		size_t off, cap;
		unsigned flags;
	} texts[] = {
#define TXT(key, field, flags)                                                 \
	{key, offsetof(struct daraja_pull_record, field),                          \
	 sizeof(((struct daraja_pull_record *)0)->field), flags}
		TXT("transactionId", transaction_id, DJ_REQUIRED),
		TXT("trxDate", trx_date, DJ_NUMBER_OK),
		TXT("sender", sender, DJ_NUMBER_OK),
		TXT("transactiontype", transaction_type, 0),
		TXT("billreference", bill_reference, DJ_NUMBER_OK),
		TXT("organizationname", organization_name, DJ_NUMBER_OK),
#undef TXT
	};
	enum pos_status st;
	const cJSON *v;
	char parent[DJ_PATH_MAX], path[DJ_PATH_MAX];
	(void)str_fmt(parent, sizeof parent, "Response[%zu]", index);
	for (size_t i = 0; i < N_ELEMS(texts); i++) {
		TRY(dj_member(obj, texts[i].key, true, parent, &v, err));
		dj_path(path, sizeof path, parent, texts[i].key);
		TRY(dj_text(doc, v, path, texts[i].flags, (char *)r + texts[i].off, texts[i].cap,
		            NULL, err));
	}
	TRY(dj_member(obj, "amount", true, parent, &v, err));
	dj_path(path, sizeof path, parent, "amount");
	TRY(dj_amount(doc, v, path, 0, &r->amount.minor, &r->amount.present, err));
	TRY(dj_member(obj, "msisdn", true, parent, &v, err));
	dj_path(path, sizeof path, parent, "msisdn");
	TRY(dj_msisdn(doc, v, path, &r->msisdn, err));
out:
	return st;
}

/* Count (records NULL) or read the records of Response: a list of objects
 * or of lists of objects. */
static enum pos_status pull_walk(const struct dj_doc *doc, const cJSON *list,
                                 struct daraja_pull_record *records, size_t *n,
                                 struct pos_err *err)
{
	enum pos_status st = POS_OK;
	*n = 0;
	for (const cJSON *a = list->child; a; a = a->next) {
		const cJSON *inner = cJSON_IsArray(a) ? a->child : a;
		for (const cJSON *o = inner; o; o = cJSON_IsArray(a) ? o->next : NULL) {
			char path[DJ_PATH_MAX];
			(void)str_fmt(path, sizeof path, "Response[%zu]", *n);
			if (!cJSON_IsObject(o))
				return pos_err_set(err, POS_E_INVALID, path, "is %s; a record expected",
				                   dj_type_name(o));
			if (*n == DARAJA_PULL_RECORDS_MAX)
				return pos_err_set(err, POS_E_RANGE, "Response",
				                   "holds more than %d records; the page is refused",
				                   DARAJA_PULL_RECORDS_MAX);
			if (records && (st = pull_record(doc, o, *n, &records[*n], err)) != POS_OK)
				return st;
			(*n)++;
		}
	}
	return st;
}

static enum pos_status pull_fn(const struct dj_doc *doc, void *vout,
                               struct daraja_api_error *e, struct pos_err *err)
{
	struct daraja_pull_answer *out = vout;
	struct daraja_code *rc = &out->response_code;
	enum pos_status st;
	const cJSON *v;
	size_t n;
	TRY(dj_member(doc->root, "ResponseCode", false, "", &v, err));
	TRY(dj_code(doc, v, "ResponseCode", DJ_REQUIRED, rc->text, sizeof rc->text,
	            &rc->numeric, &rc->value, NULL, err));
	TRY(dj_member(doc->root, "ResponseMessage", false, "", &v, err));
	TRY(text_cut(doc, v, "ResponseMessage", out->response_message,
	             sizeof out->response_message, err));
	if (rc->numeric && rc->value == 1001) {
		out->no_records = true;
		return POS_OK;
	}
	if (!(rc->numeric && rc->value == 1000)) {
		e->cls = DARAJA_APIERR_REJECTED;
		(void)str_copy(e->code, sizeof e->code, rc->text);
		(void)str_copy(e->message, sizeof e->message, out->response_message);
		return refusal("Pull Transactions query", e, err);
	}
	TRY(dj_member(doc->root, "Response", false, "", &v, err));
	if (!v || cJSON_IsNull(v))
		return POS_OK;
	if (!cJSON_IsArray(v))
		return pos_err_set(err, POS_E_INVALID, "Response", "is %s; a list expected",
		                   dj_type_name(v));
	TRY(pull_walk(doc, v, NULL, &n, err));
	if (n == 0)
		return POS_OK;
	out->records = calloc(n, sizeof *out->records);
	if (!out->records)
		return pos_err_set(err, POS_E_NOMEM, "Response", NULL);
	TRY(pull_walk(doc, v, out->records, &out->n_records, err));
out:
	return st;
}

enum pos_status daraja_pull_answer_parse(long http_status, const char *body,
                                         size_t len, struct daraja_pull_answer *out,
                                         struct pos_err *err)
{
	memset(out, 0, sizeof *out);
	enum pos_status st = answer("Pull Transactions query", http_status, body, len,
	                            &out->error, pull_fn, out, err);
	if (st != POS_OK)
		daraja_pull_answer_release(out);
	return st;
}

void daraja_pull_answer_release(struct daraja_pull_answer *a)
{
	if (!a)
		return;
	free(a->records);
	a->records = NULL;
	a->n_records = 0;
}
