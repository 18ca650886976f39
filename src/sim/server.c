/* sim/server.c: CivetWeb setup and the request pipeline. */
#include "sim/server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <civetweb.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "sim/admin.h"
#include "sim/c2b.h"
#include "sim/http.h"
#include "sim/initiator.h"
#include "sim/json.h"
#include "sim/oauth.h"
#include "sim/qr.h"
#include "sim/sim.h"
#include "sim/stk.h"

struct sim_server {
	struct mg_context *ctx;
};

/* Which token error a product answers with. */
enum auth {
	AUTH_NONE,
	AUTH_EXPRESS,   /* 404.001.03 Invalid Access Token */
	AUTH_INITIATOR  /* 401.002.01 Error Occurred - Invalid Access Token - <token> */
};

struct route {
	const char *path;
	const char *method;
	enum sim_api api;
	enum auth auth;
	void (*fn)(struct sim_req *r);
};

static const struct route routes[] = {
	{"/oauth/v1/generate", "GET", SIM_API_OAUTH, AUTH_NONE, sim_oauth_generate},
	{"/mpesa/stkpush/v1/processrequest", "POST", SIM_API_STK, AUTH_EXPRESS, sim_stk_push},
	{"/mpesa/stkpushquery/v1/query", "POST", SIM_API_STKQUERY, AUTH_EXPRESS, sim_stk_query},
	{"/mpesa/b2c/v1/paymentrequest", "POST", SIM_API_B2C, AUTH_INITIATOR, sim_b2c_v1},
	{"/mpesa/b2c/v3/paymentrequest", "POST", SIM_API_B2C, AUTH_INITIATOR, sim_b2c_v3},
	{"/mpesa/transactionstatus/v1/query", "POST", SIM_API_STATUS, AUTH_INITIATOR, sim_status_query},
	{"/mpesa/accountbalance/v1/query", "POST", SIM_API_BALANCE, AUTH_INITIATOR, sim_balance_query},
	{"/mpesa/reversal/v1/request", "POST", SIM_API_REVERSAL, AUTH_INITIATOR, sim_reversal_request},
	{"/mpesa/c2b/v1/registerurl", "POST", SIM_API_C2B, AUTH_EXPRESS, sim_c2b_register_v1},
	{"/mpesa/c2b/v2/registerurl", "POST", SIM_API_C2B, AUTH_EXPRESS, sim_c2b_register_v2},
	{"/mpesa/c2b/v1/simulate", "POST", SIM_API_C2B, AUTH_EXPRESS, sim_c2b_simulate},
	{"/mpesa/c2b/v2/simulate", "POST", SIM_API_C2B, AUTH_EXPRESS, sim_c2b_simulate},
	{"/pulltransactions/v1/register", "POST", SIM_API_C2B, AUTH_EXPRESS, sim_pull_register},
	{"/pulltransactions/v1/query", "POST", SIM_API_C2B, AUTH_EXPRESS, sim_pull_query},
	{"/mpesa/qrcode/v1/generate", "POST", SIM_API_QR, AUTH_EXPRESS, sim_qr_generate},
};

/* Request fields copied into the request log (never Password or
 * SecurityCredential). */
static const char *const logged_fields[] = {
	"BusinessShortCode", "TransactionType", "Amount", "PartyA", "PartyB",
	"PhoneNumber", "AccountReference", "CheckoutRequestID",
	"OriginatorConversationID", "InitiatorName", "Initiator", "CommandID",
	"TransactionID", "OriginalConversationID", "OriginalConcersationID",
	"ReceiverParty", "IdentifierType", "ShortCode", "ResponseType", "Msisdn",
	"BillRefNumber", "RefNo", "TrxCode", "CPI", "StartDate", "EndDate",
	"OffSetValue", "Timestamp",
};

static const struct route *find_route(const char *path)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(routes[i].path, path) == 0)
			return &routes[i];
	return NULL;
}

/* ---- the answer -------------------------------------------------------------- */

static void send_answer(struct mg_connection *conn, const struct mg_request_info *ri,
                        const struct sim_req *r, bool close)
{
	const char *body = r->resp ? r->resp : "";
	size_t blen = strlen(body);
	const char *conn_hdr = "";
	const char *client = mg_get_header(conn, "Connection");
	bool http10 = ri->http_version && strcmp(ri->http_version, "1.0") == 0;
	if (close || (client && str_eq_nocase(client, "close")))
		conn_hdr = "Connection: close\r\n";
	else if (http10)
		conn_hdr = (client && str_eq_nocase(client, "keep-alive"))
		               ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
	if (close)
		mg_disable_connection_keep_alive(conn);

	char head[512];
	int hn = snprintf(head, sizeof head,
	                  "HTTP/1.1 %d %s\r\n"
	                  "Content-Type: %s\r\n"
	                  "Content-Length: %zu\r\n"
	                  "Cache-Control: no-store\r\n"
	                  "%s\r\n",
	                  r->status, mg_get_response_code_text(conn, r->status),
	                  r->content_type ? r->content_type : "application/json", blen,
	                  conn_hdr);
	if (hn < 0 || (size_t)hn >= sizeof head)
		return;
	/* One write: two small writes crawl under keep-alive. */
	char *msg = malloc((size_t)hn + blen);
	if (!msg) {
		mg_write(conn, head, (size_t)hn);
		mg_write(conn, body, blen);
		return;
	}
	memcpy(msg, head, (size_t)hn);
	memcpy(msg + hn, body, blen);
	mg_write(conn, msg, (size_t)hn + blen);
	free(msg);
}

/* ---- the request log ------------------------------------------------------------ */

static void log_request(struct sim *s, const struct sim_req *r, const char *fault)
{
	char ts[26];
	int64_t now = clock_now_ms();
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	clock_iso8601_eat((time_t)(r->t0_ms / 1000), ts);
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddNumberToObject(o, "ms", (double)r->t0_ms);
	cJSON_AddNumberToObject(o, "duration_ms", (double)(now - r->t0_ms));
	cJSON_AddStringToObject(o, "method", r->method);
	cJSON_AddStringToObject(o, "path", r->path);
	cJSON_AddStringToObject(o, "api", r->api == SIM_API_NONE ? "" : sim_api_name(r->api));
	cJSON_AddNumberToObject(o, "status", r->status);
	cJSON_AddStringToObject(o, "error_code", r->error_code);
	cJSON_AddStringToObject(o, "outcome", r->outcome[0] ? r->outcome
	                                                   : (r->status < 300 ? "ok" : "rejected"));
	cJSON_AddBoolToObject(o, "accepted", r->accepted);
	cJSON_AddStringToObject(o, "fault", fault);
	cJSON *fields = cJSON_AddObjectToObject(o, "fields");
	if (fields && cJSON_IsObject(r->body)) {
		for (size_t i = 0; i < sizeof logged_fields / sizeof logged_fields[0]; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->body, logged_fields[i]);
			if (v && (cJSON_IsString(v) || cJSON_IsNumber(v)))
				cJSON_AddItemToObject(fields, logged_fields[i], cJSON_Duplicate(v, false));
		}
	}
	if (r->notes)
		cJSON_AddItemToObject(o, "ids", cJSON_Duplicate(r->notes, true));
	else
		cJSON_AddObjectToObject(o, "ids");
	sim_journal_add(s->requests, r->path, cJSON_PrintUnformatted(o));
	cJSON_Delete(o);
}

/* ---- the body ------------------------------------------------------------------- */

enum body_rc { BODY_OK, BODY_TOO_LARGE, BODY_ERROR };

static enum body_rc read_body(struct mg_connection *conn,
                              const struct mg_request_info *ri, char **out,
                              size_t *len)
{
	*out = NULL;
	*len = 0;
	if (ri->content_length > (long long)SIM_BODY_MAX)
		return BODY_TOO_LARGE;
	size_t cap = ri->content_length >= 0 ? (size_t)ri->content_length + 1 : 4096;
	char *b = malloc(cap + 1);
	if (!b)
		return BODY_ERROR;
	size_t n = 0;
	for (;;) {
		if (n == cap) {
			if (cap > SIM_BODY_MAX) {
				free(b);
				return BODY_TOO_LARGE;
			}
			size_t bigger = cap * 2 > SIM_BODY_MAX + 1 ? SIM_BODY_MAX + 1 : cap * 2;
			char *nb = realloc(b, bigger + 1);
			if (!nb) {
				free(b);
				return BODY_ERROR;
			}
			b = nb;
			cap = bigger;
		}
		int r = mg_read(conn, b + n, cap - n);
		if (r < 0) {
			free(b);
			return BODY_ERROR;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > SIM_BODY_MAX) {
			free(b);
			return BODY_TOO_LARGE;
		}
	}
	b[n] = '\0';
	*out = b;
	*len = n;
	return BODY_OK;
}

/* Read and drop what is left of a body too large to keep, up to a bound:
 * closing a socket with unread data resets the connection, and the client
 * loses the answer with it. */
static void drain_body(struct mg_connection *conn)
{
	enum { DRAIN_MAX = 8 * 1024 * 1024 };
	char buf[16384];
	size_t total = 0;
	int r;
	while (total < DRAIN_MAX && (r = mg_read(conn, buf, sizeof buf)) > 0)
		total += (size_t)r;
}

static bool is_json_type(const char *ct)
{
	if (!ct)
		return false;
	for (const char *p = ct; *p; p++)
		if (strncasecmp(p, "json", 4) == 0)
			return true;
	return false;
}

/* Parse the body into r->body; answer and return false when it is not a
 * JSON object. */
/* admin: the test API reads JSON whatever the Content-Type says, and an
 * empty body is an empty object. */
static bool take_body(struct sim_req *r, struct mg_connection *conn,
                      const struct mg_request_info *ri, bool admin, bool *close)
{
	char *text = NULL;
	size_t len = 0;
	enum body_rc rc = read_body(conn, ri, &text, &len);
	if (rc == BODY_TOO_LARGE) {
		drain_body(conn);
		*close = true; /* beyond the bound, the rest is not read */
		sim_reply_payload(r);
		sim_req_outcome(r, "rejected: body larger than 64 KiB");
		return false;
	}
	if (rc == BODY_ERROR) {
		*close = true;
		sim_reply_payload(r);
		return false;
	}
	if ((!admin && !is_json_type(mg_get_header(conn, "Content-Type"))) ||
	    (admin && len == 0)) {
		/* Daraja reads no fields at all: every rule then names the first
		 * field it misses. */
		free(text);
		r->body = cJSON_CreateObject();
		return r->body != NULL;
	}
	if (!sim_json_depth_ok(text, len, SIM_JSON_MAX_DEPTH)) {
		free(text);
		sim_reply_payload(r);
		sim_req_outcome(r, "rejected: JSON nested too deeply");
		return false;
	}
	if (!sim_json_text_ok(text, len)) {
		free(text);
		sim_reply_payload(r);
		sim_req_outcome(r, "rejected: body is not UTF-8 text");
		return false;
	}
	r->body = cJSON_ParseWithLength(text, len);
	free(text);
	if (!cJSON_IsObject(r->body)) {
		cJSON_Delete(r->body);
		r->body = NULL;
		sim_reply_payload(r);
		return false;
	}
	return true;
}

/* ---- auth ------------------------------------------------------------------------ */

static bool check_bearer(struct sim_req *r, enum auth auth,
                         struct mg_connection *conn)
{
	char token[256];
	sim_bearer_token(mg_get_header(conn, "Authorization"), token, sizeof token);
	if (token[0] && sim_tokens_valid(r->sim->tokens, token))
		return true;
	if (auth == AUTH_INITIATOR) {
		char msg[320];
		str_fmt(msg, sizeof msg, "Error Occurred - Invalid Access Token - %s", token);
		sim_reply_error(r, 401, "401.002.01", msg);
	} else {
		sim_reply_error(r, 404, "404.001.03", "Invalid Access Token");
	}
	sim_req_outcome(r, "rejected: invalid access token");
	return false;
}

/* ---- the pipeline ------------------------------------------------------------------- */

static void finish(struct sim_req *r)
{
	cJSON_Delete(r->body);
	cJSON_Delete(r->notes);
	free(r->resp);
}

static int on_admin(struct mg_connection *conn, const struct mg_request_info *ri,
                    struct sim_req *r)
{
	bool close = false;
	if (strcmp(r->method, "POST") == 0) {
		if (take_body(r, conn, ri, true, &close)) {
			sim_admin_handle(r);
		}
	} else {
		sim_admin_handle(r);
	}
	send_answer(conn, ri, r, close);
	int status = r->status;
	finish(r);
	return status;
}

static int on_request(struct mg_connection *conn, void *cbdata)
{
	struct sim *s = cbdata;
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct sim_req r = {0};
	const char *fault = "";
	bool close = false;

	r.sim = s;
	r.conn = conn;
	r.method = ri->request_method ? ri->request_method : "";
	r.path = ri->local_uri ? ri->local_uri : "/";
	r.query = ri->query_string;
	r.t0_ms = clock_now_ms();
	r.api = SIM_API_NONE;

	if (strncmp(r.path, "/__sim/", 7) == 0 && s->cfg.admin)
		return on_admin(conn, ri, &r);

	const struct route *rt = find_route(r.path);
	if (!rt) {
		sim_reply_error(&r, 404, "404.001.01", "Resource not found");
		goto answer;
	}
	r.api = rt->api;
	if (strcmp(r.method, rt->method) != 0) {
		char msg[96];
		str_fmt(msg, sizeof msg, "%.32s Method Not Allowed", r.method);
		sim_reply_error(&r, 405, "405.001", msg);
		goto answer;
	}

	struct sim_fault f;
	sim_faults_get(&s->faults, rt->api, &f);
	if (f.latency_ms > 0 && !sim_sleep(s, f.latency_ms)) {
		close = true;
		sim_reply_error(&r, 503, "503", "Service Unavailable");
		goto answer;
	}
	if (sim_rng_chance(&s->rng, f.spike_arrest)) {
		fault = "spike_arrest";
		sim_reply_error(&r, 500, "500.003.02", "Error Occurred: Spike Arrest Violation");
		sim_req_outcome(&r, "refused: spike arrest (fault)");
		goto answer;
	}
	if (sim_rng_chance(&s->rng, f.http_429)) {
		fault = "http_429";
		sim_reply_error(&r, 429, "429", "Too Many Requests");
		sim_req_outcome(&r, "refused: 429 (fault)");
		goto answer;
	}
	if (sim_rng_chance(&s->rng, f.http_503)) {
		fault = "http_503";
		sim_reply_error(&r, 503, "503", "Service Unavailable");
		sim_req_outcome(&r, "refused: 503 (fault)");
		goto answer;
	}

	if (rt->auth != AUTH_NONE && !check_bearer(&r, rt->auth, conn))
		goto answer;
	if (rt->auth != AUTH_NONE && sim_rng_chance(&s->rng, f.no_product)) {
		fault = "no_product";
		sim_reply_error(&r, 401, "401.003.01", "Error Occurred - Invalid Access Token - "
		                "Invalid API call as no apiproduct match found");
		sim_req_outcome(&r, "refused: the app has no such API product (fault)");
		goto answer;
	}
	if (strcmp(rt->method, "POST") == 0 && !take_body(&r, conn, ri, false, &close))
		goto answer;

	rt->fn(&r);
	if (!r.resp) /* a handler that forgot to answer is a bug, not a hang */
		sim_reply_error(&r, 500, "500.003.1001", "Internal Server Error");

	if (r.status >= 200 && r.status < 300) {
		if (sim_rng_chance(&s->rng, f.error_500)) {
			fault = "error_500";
			sim_reply_error(&r, 500, "500.003.1001", "Internal Server Error");
		} else if (sim_rng_chance(&s->rng, f.reset)) {
			fault = "reset";
		} else if (sim_rng_chance(&s->rng, f.timeout)) {
			fault = "timeout";
		}
	}

answer:
	log_request(s, &r, fault);
	log_debug("sim", "%s %s -> %d %s %s", r.method, r.path, r.status, r.error_code,
	          r.outcome);
	if (strcmp(fault, "reset") == 0 || strcmp(fault, "timeout") == 0) {
		if (fault[0] == 't')
			sim_sleep(s, f.timeout_ms);
		/* No answer at all: the client sees the connection close. */
		mg_disable_connection_keep_alive(conn);
		finish(&r);
		return 444;
	}
	send_answer(conn, ri, &r, close);
	int status = r.status;
	finish(&r);
	return status;
}

enum pos_status sim_server_start(struct sim *s, struct sim_server **out,
                                 unsigned *port, struct pos_err *err)
{
	char threads[16];
	snprintf(threads, sizeof threads, "%llu", (unsigned long long)s->cfg.num_threads);
	const char *options[] = {
		"listening_ports", s->cfg.listen,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"keep_alive_timeout_ms", "15000",
		"tcp_nodelay", "1",
		"request_timeout_ms", "30000",
		"connection_queue", "1024",
		"listen_backlog", "1024",
		"enable_directory_listing", "no",
		NULL,
	};
	struct mg_callbacks cb;
	memset(&cb, 0, sizeof cb);
	*out = NULL;
	struct sim_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return pos_err_set(err, POS_E_NOMEM, "listen", NULL);
	srv->ctx = mg_start(&cb, s, options);
	if (!srv->ctx) {
		free(srv);
		return pos_err_set(err, POS_E_IO, "listen",
		                   "cannot listen on %s (address in use, or not an address of this machine?)",
		                   s->cfg.listen);
	}
	mg_set_request_handler(srv->ctx, "/", on_request, s);
	struct mg_server_port ports[4];
	memset(ports, 0, sizeof ports);
	int n = mg_get_server_ports(srv->ctx, 4, ports);
	if (n < 1) {
		mg_stop(srv->ctx);
		free(srv);
		return pos_err_set(err, POS_E_IO, "listen", "no listening port on %s",
		                   s->cfg.listen);
	}
	*port = (unsigned)ports[0].port;
	*out = srv;
	return POS_OK;
}

void sim_server_stop(struct sim_server *srv)
{
	if (!srv)
		return;
	mg_stop(srv->ctx);
	free(srv);
}
