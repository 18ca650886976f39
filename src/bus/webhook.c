/*
 * bus/webhook.c: the webhook backend. Each event is one HTTP POST of the
 * event's JSON to [bus] webhook_url, on the dispatcher's thread with curl's
 * easy interface (keep-alive between events), with:
 *
 *   Content-Type: application/json
 *   X-IFBus-Id: <the event's id>            (de-duplicate on it)
 *   X-IFBus-Event: <the event's name>
 *   X-IFBus-Timestamp: <Unix seconds>
 *   X-IFBus-Signature: sha256=<hex HMAC-SHA256(key = [bus] webhook_secret,
 *                                message = timestamp + "." + body)>
 *
 * Any 2xx answer is a delivery; anything else (another status, no answer
 * within the timeout, a refused connection) is a failure the dispatcher
 * retries with backoff. Redirects are not followed. Messages name the URL's
 * origin only: a path or query may carry a receiver's token.
 */
#include "bus/bus_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/str.h"

enum { SNIPPET_MAX = 160 };

struct webhook {
	CURL *curl;
	char *url;
	char *secret;
	size_t secret_len;
	char origin[256];         /* "https://hooks.example.co.ke" for messages */
	char snippet[SNIPPET_MAX]; /* start of the last answer's body */
	size_t snippet_len;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* scheme://host[:port] without any user:password@, path or query. */
static void url_origin(const char *url, char *out, size_t outsz)
{
	const char *p = strstr(url, "://");
	const char *host = p ? p + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	str_fmt(out, outsz, "%.*s%.*s", p ? (int)(p + 3 - url) : 0, url,
	        (int)(end - host > 200 ? 200 : end - host), host);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct webhook *w = ctx;
	size_t len = size * n;
	size_t room = sizeof w->snippet - 1 - w->snippet_len;
	size_t take = len < room ? len : room;
	memcpy(w->snippet + w->snippet_len, data, take);
	w->snippet_len += take;
	w->snippet[w->snippet_len] = '\0';
	return len; /* the rest is read and dropped */
}

static void webhook_close(void *state)
{
	struct webhook *w = state;
	if (!w)
		return;
	if (w->curl)
		curl_easy_cleanup(w->curl);
	if (w->secret) {
		crypto_wipe(w->secret, w->secret_len);
		free(w->secret);
	}
	free(w->url);
	free(w);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static enum pos_status webhook_open(const struct bus_opts *o, void *ctx, void **state,
                                    struct pos_err *err)
{
	(void)ctx;
	*state = NULL;
	if (!o->webhook_url || !o->webhook_url[0])
		return pos_err_set(err, POS_E_CONFIG, "[bus] webhook_url",
		                   "is empty; set the URL events are posted to");
	if (!o->webhook_secret || !o->webhook_secret[0])
		return pos_err_set(err, POS_E_CONFIG, "[bus] webhook_secret",
		                   "is empty; set a long random key (openssl rand -hex 32) and "
		                   "give the receiver the same, to check the signatures");
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return pos_err_set(err, POS_E_INTERNAL, "", "curl could not start: %s",
		                   curl_easy_strerror(curl_init_rc));
	struct webhook *w = calloc(1, sizeof *w);
	if (!w)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	w->url = dup_str(o->webhook_url);
	w->secret_len = strlen(o->webhook_secret);
	w->secret = dup_str(o->webhook_secret);
	w->curl = curl_easy_init();
	if (!w->url || !w->secret || !w->curl) {
		webhook_close(w);
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	}
	url_origin(w->url, w->origin, sizeof w->origin);
	CURL *c = w->curl;
	curl_easy_setopt(c, CURLOPT_URL, w->url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mpesa-pos/" POS_VERSION " IF.bus");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, w);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, w->errbuf);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	*state = w;
	return POS_OK;
}

static enum pos_status webhook_emit(void *state, const char *json, size_t len,
                                    const struct bus_event_meta *meta, struct pos_err *err)
{
	struct webhook *w = state;
	char ts[24], hex[2 * CRYPTO_SHA256_LEN + 1], h_ts[64], h_sig[96], h_id[BUS_ID_MAX + 16],
	    h_ev[STORE_EVENT_MAX + 20];
	uint8_t mac[CRYPTO_SHA256_LEN];
	enum pos_status rc = POS_OK;

	str_fmt(ts, sizeof ts, "%lld", (long long)clock_now());
	size_t tlen = strlen(ts);
	char *msg = malloc(tlen + 1 + len);
	if (!msg)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	memcpy(msg, ts, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, json, len);
	crypto_hmac_sha256(w->secret, w->secret_len, msg, tlen + 1 + len, mac);
	free(msg);
	crypto_hex(mac, sizeof mac, hex);

	struct curl_slist *h = NULL, *t;
	str_fmt(h_ts, sizeof h_ts, "X-IFBus-Timestamp: %s", ts);
	str_fmt(h_sig, sizeof h_sig, "X-IFBus-Signature: sha256=%s", hex);
	str_fmt(h_id, sizeof h_id, "X-IFBus-Id: %s", meta->id ? meta->id : "");
	str_fmt(h_ev, sizeof h_ev, "X-IFBus-Event: %s", meta->name ? meta->name : "");
	const char *lines[] = {"Content-Type: application/json", "Expect:", h_ts, h_sig, h_id,
	                       h_ev};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		if (!(t = curl_slist_append(h, lines[i]))) {
			curl_slist_free_all(h);
			return pos_err_set(err, POS_E_NOMEM, "", NULL);
		}
		h = t;
	}
	long ms = meta->timeout_ms > 0 ? meta->timeout_ms : BUS_CALL_TIMEOUT_MS;
	CURL *c = w->curl;
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
	w->snippet_len = 0;
	w->snippet[0] = '\0';
	w->errbuf[0] = '\0';
	CURLcode cc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	crypto_wipe(hex, sizeof hex);
	crypto_wipe(h_sig, sizeof h_sig);

	if (cc != CURLE_OK) {
		rc = pos_err_set(err, cc == CURLE_OPERATION_TIMEDOUT ? POS_E_TIMEOUT : POS_E_NET,
		                 "[bus] webhook_url", "posting to %s: %s", w->origin,
		                 w->errbuf[0] ? w->errbuf : curl_easy_strerror(cc));
		pos_err_hint(err, "check that the receiver is running and reachable; events "
		             "wait in the ledger and are sent when it answers");
	} else if (status < 200 || status > 299) {
		/* Keep the message one line of printable text. */
		for (char *p = w->snippet; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
		rc = pos_err_set(err, POS_E_NET, "[bus] webhook_url",
		                 "%s answered HTTP %ld%s%.80s", w->origin, status,
		                 w->snippet[0] ? ": " : "", w->snippet);
		pos_err_hint(err, status == 401 || status == 403
		                      ? "check that the receiver has the same [bus] webhook_secret"
		                      : "the receiver must answer 2xx once it has the event");
	}
	return rc;
}

static enum pos_status webhook_flush(void *state, struct pos_err *err)
{
	(void)state;
	(void)err;
	return POS_OK; /* each POST is complete when it is answered */
}

const struct bus_backend_ops bus_webhook_ops = {
	.name = "webhook",
	.open = webhook_open,
	.emit = webhook_emit,
	.flush = webhook_flush,
	.close = webhook_close,
};
