/* tests/support/http.c: blocking HTTP for tests, on libcurl easy. */
#include "support/http.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static size_t on_data(char *p, size_t size, size_t n, void *user)
{
	struct http_resp *r = user;
	size_t add = size * n;
	char *nb = realloc(r->body, r->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, p, add);
	r->body = nb;
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

long http_do(const char *method, const char *url, const char *content_type,
             const char *body, size_t len, const char *extra_header,
             struct http_resp *out)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char ct[128];
	memset(out, 0, sizeof *out);
	out->body = calloc(1, 1);
	if (!c)
		return 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	h = curl_slist_append(h, "Expect:");
	if (content_type) {
		strncpy(ct, "Content-Type: ", sizeof ct - 1);
		ct[sizeof ct - 1] = '\0';
		strncat(ct, content_type, sizeof ct - strlen(ct) - 1);
		h = curl_slist_append(h, ct);
	}
	if (extra_header)
		h = curl_slist_append(h, extra_header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return out->status;
}

long http_post_json(const char *url, const char *json, struct http_resp *out)
{
	return http_do("POST", url, "application/json", json, strlen(json), NULL, out);
}

void http_resp_free(struct http_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}
