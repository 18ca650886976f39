/*
 * tests/support/http.h: a small blocking HTTP client for tests (libcurl easy),
 * independent of the product's own Daraja client.
 */
#ifndef POS_TESTS_HTTP_H
#define POS_TESTS_HTTP_H

#include <stddef.h>

struct http_resp {
	long status;      /* 0 when the request failed at the transport */
	char *body;       /* NUL-terminated; free with http_resp_free */
	size_t len;
};

/* method "GET"/"POST"/...; content_type may be NULL (no header); body may be
 * NULL. extra_header is one "Name: value" line or NULL. Returns status. */
long http_do(const char *method, const char *url, const char *content_type,
             const char *body, size_t len, const char *extra_header,
             struct http_resp *out);
/* POST application/json. */
long http_post_json(const char *url, const char *json, struct http_resp *out);
void http_resp_free(struct http_resp *r);

#endif
