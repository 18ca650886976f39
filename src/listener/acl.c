/* listener/acl.c: CIDR allow-lists and the per-source rate limit. */
#include "listener/acl.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

const char ACL_SAFARICOM_SOURCES[] =
	"196.201.214.200, 196.201.214.206, 196.201.213.114, 196.201.214.207, "
	"196.201.214.208, 196.201.213.44, 196.201.212.127, 196.201.212.138, "
	"196.201.212.129, 196.201.212.136, 196.201.212.74, 196.201.212.69, "
	"196.201.212.128, 196.201.212.132";

bool acl_addr_parse(const char *text, uint8_t out[16])
{
	struct in_addr v4;
	struct in6_addr v6;
	if (!text)
		return false;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return true;
	}
	if (inet_pton(AF_INET6, text, &v6) == 1) {
		memcpy(out, &v6, 16);
		return true;
	}
	return false;
}

static bool is_v4_mapped(const uint8_t a[16])
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, prefix, 12) == 0;
}

static enum pos_status parse_rule(const char *tok, struct acl_rule *r,
                                  const char *field, struct pos_err *err)
{
	char addr[64];
	const char *slash = strchr(tok, '/');
	size_t alen = slash ? (size_t)(slash - tok) : strlen(tok);
	if (alen == 0 || alen >= sizeof addr)
		goto bad;
	memcpy(addr, tok, alen);
	addr[alen] = '\0';
	if (!acl_addr_parse(addr, r->addr))
		goto bad;
	bool v4 = strchr(addr, ':') == NULL;
	unsigned max = v4 ? 32 : 128;
	uint64_t prefix = max;
	if (slash && parse_u64_str(slash + 1, max, &prefix) != POS_OK)
		goto bad;
	r->prefix = (unsigned)prefix + (v4 ? 96 : 0);
	return POS_OK;
bad:
	pos_err_set(err, POS_E_CONFIG, field,
	            "\"%s\" is not an address or CIDR block", tok);
	pos_err_hint(err, "write addresses like 196.201.214.200, blocks like "
	                  "196.201.212.0/24 or ::1, separated by commas");
	return POS_E_CONFIG;
}

enum pos_status acl_parse(struct acl *acl, const char *text, const char *field,
                          struct pos_err *err)
{
	acl->n = 0;
	if (!text)
		return POS_OK;
	const char *p = text;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		char tok[96];
		size_t n = (size_t)(p - start);
		if (n >= sizeof tok) {
			return pos_err_set(err, POS_E_CONFIG, field,
			                   "an entry of %zu characters is too long", n);
		}
		memcpy(tok, start, n);
		tok[n] = '\0';
		if (strcmp(tok, "safaricom") == 0) {
			struct acl extra;
			if (acl_parse(&extra, ACL_SAFARICOM_SOURCES, field, err) != POS_OK)
				return POS_E_CONFIG;
			if (acl->n + extra.n > ACL_MAX_RULES)
				return pos_err_set(err, POS_E_CONFIG, field,
				                   "more than %d entries", ACL_MAX_RULES);
			memcpy(acl->rules + acl->n, extra.rules, extra.n * sizeof extra.rules[0]);
			acl->n += extra.n;
			continue;
		}
		if (acl->n == ACL_MAX_RULES)
			return pos_err_set(err, POS_E_CONFIG, field,
			                   "more than %d entries", ACL_MAX_RULES);
		enum pos_status st = parse_rule(tok, &acl->rules[acl->n], field, err);
		if (st != POS_OK)
			return st;
		acl->n++;
	}
	return POS_OK;
}

static bool in_rule(const struct acl_rule *r, const uint8_t a[16])
{
	unsigned full = r->prefix / 8, rest = r->prefix % 8;
	if (memcmp(r->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (r->addr[full] & mask) == (a[full] & mask);
}

bool acl_contains(const struct acl *acl, const char *addr)
{
	uint8_t a[16];
	if (!acl_addr_parse(addr, a))
		return false;
	for (size_t i = 0; i < acl->n; i++) {
		/* An IPv4 rule never matches a pure IPv6 address and vice versa,
		 * which the mapped prefix already guarantees, except for ::/0. */
		if (acl->rules[i].prefix < 96 && is_v4_mapped(acl->rules[i].addr) != is_v4_mapped(a))
			continue;
		if (in_rule(&acl->rules[i], a))
			return true;
	}
	return false;
}

struct rl_entry {
	uint8_t addr[16];
	double tokens;
	int64_t last_ms;
	bool used;
};

struct ratelimit {
	pthread_mutex_t mu;
	unsigned per_minute;
	size_t n;
	struct rl_entry *e;
};

struct ratelimit *ratelimit_new(unsigned per_minute, size_t max_sources)
{
	struct ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return NULL;
	if (max_sources == 0)
		max_sources = 1;
	rl->e = calloc(max_sources, sizeof *rl->e);
	if (!rl->e) {
		free(rl);
		return NULL;
	}
	rl->n = max_sources;
	rl->per_minute = per_minute;
	pthread_mutex_init(&rl->mu, NULL);
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	free(rl->e);
	free(rl);
}

bool ratelimit_allow(struct ratelimit *rl, const char *addr, int64_t now_ms)
{
	uint8_t a[16];
	if (!rl || rl->per_minute == 0)
		return true;
	if (!acl_addr_parse(addr, a))
		memset(a, 0, sizeof a); /* unparseable sources share one bucket */
	pthread_mutex_lock(&rl->mu);
	struct rl_entry *hit = NULL, *oldest = &rl->e[0];
	for (size_t i = 0; i < rl->n; i++) {
		struct rl_entry *x = &rl->e[i];
		if (x->used && memcmp(x->addr, a, 16) == 0) {
			hit = x;
			break;
		}
		if (!x->used || (oldest->used && x->last_ms < oldest->last_ms))
			oldest = x;
	}
	if (!hit) {
		hit = oldest;
		memcpy(hit->addr, a, 16);
		hit->tokens = rl->per_minute;
		hit->last_ms = now_ms;
		hit->used = true;
	}
	if (now_ms > hit->last_ms) { /* a clock going backwards grants nothing */
		double elapsed = (double)(now_ms - hit->last_ms) / 1000.0;
		hit->tokens += elapsed * rl->per_minute / 60.0;
		if (hit->tokens > rl->per_minute)
			hit->tokens = rl->per_minute;
		hit->last_ms = now_ms;
	}
	bool ok = hit->tokens >= 1.0;
	if (ok)
		hit->tokens -= 1.0;
	pthread_mutex_unlock(&rl->mu);
	return ok;
}
