/* config/net.c: URL, host:port and CIDR helpers for validated values. */
#include "config/config_int.h"

#include <arpa/inet.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/str.h"

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static bool parse_port(const char *s, size_t n, unsigned *port)
{
	char buf[8];
	uint64_t v;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_u64_str(buf, 65535, &v) != POS_OK)
		return false;
	*port = (unsigned)v;
	return true;
}

/* Split authority [s, s+n) into host and optional port. */
static bool split_authority(const char *s, size_t n, const char **host,
                            size_t *hl, bool *has_port, unsigned *port,
                            const char **problem)
{
	const char *end = s + n;
	const char *after;
	*has_port = false;
	*port = 0;
	if (n == 0) {
		*problem = "has no host";
		return false;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		char v6[64];
		unsigned char bin[16];
		if (!close || (size_t)(close - s - 1) >= sizeof v6) {
			*problem = "has a bad IPv6 address";
			return false;
		}
		memcpy(v6, s + 1, (size_t)(close - s - 1));
		v6[close - s - 1] = '\0';
		if (inet_pton(AF_INET6, v6, bin) != 1) {
			*problem = "has a bad IPv6 address";
			return false;
		}
		*host = s + 1;
		*hl = (size_t)(close - s - 1);
		after = close + 1;
	} else {
		const char *colon = memchr(s, ':', n);
		const char *hend = colon ? colon : end;
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
			*problem = "needs brackets around an IPv6 address, e.g. [::1]:8090";
			return false;
		}
		if (hend == s) {
			*problem = "has no host";
			return false;
		}
		for (const char *p = s; p < hend; p++) {
			if (!host_char(*p)) {
				*problem = *p == ' ' ? "contains a space" : "has a bad host name";
				return false;
			}
		}
		*host = s;
		*hl = (size_t)(hend - s);
		after = hend;
	}
	if (after == end)
		return true;
	if (*after != ':' || !parse_port(after + 1, (size_t)(end - after - 1), port)) {
		*problem = "has a bad port (allowed 0..65535)";
		return false;
	}
	*has_port = true;
	return true;
}

bool net_url_parse(const char *s, struct url_parts *u, const char **problem)
{
	const char *p;
	memset(u, 0, sizeof *u);
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = true;
		p = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		p = s + 7;
	} else {
		*problem = "does not start with http:// or https://";
		return false;
	}
	size_t n = strcspn(p, "/?#");
	if (memchr(p, '@', n)) {
		*problem = "holds a user name or password; remove it";
		return false;
	}
	u->authority = p;
	u->authority_len = n;
	if (!split_authority(p, n, &u->host, &u->host_len, &u->has_port, &u->port, problem))
		return false;
	u->rest = p + n;
	if (strchr(u->rest, ' ')) {
		*problem = "contains a space";
		return false;
	}
	return true;
}

bool net_hostport_parse(const char *s, const char **host, size_t *host_len,
                        unsigned *port, const char **problem)
{
	bool has_port;
	if (!split_authority(s, strlen(s), host, host_len, &has_port, port, problem))
		return false;
	if (!has_port) {
		*problem = "has no :port";
		return false;
	}
	return true;
}

bool config_hostport_split(const char *hostport, char *host, size_t hostsz,
                           unsigned *port)
{
	const char *h, *problem;
	size_t hl;
	if (!hostport || !net_hostport_parse(hostport, &h, &hl, port, &problem))
		return false;
	return str_copyn(host, hostsz, h, hl);
}

bool config_host_is_loopback(const char *host)
{
	char h[64];
	unsigned char bin[16];
	if (!host)
		return false;
	size_t n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (!str_copyn(h, sizeof h, host, n))
		return false;
	if (str_eq_nocase(h, "localhost"))
		return true;
	if (inet_pton(AF_INET, h, bin) == 1)
		return bin[0] == 127;
	if (inet_pton(AF_INET6, h, bin) == 1) {
		static const unsigned char one[16] = {[15] = 1};
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
		if (memcmp(bin, one, 16) == 0)
			return true;
		return memcmp(bin, mapped, 12) == 0 && bin[12] == 127;
	}
	return false;
}

bool config_list_has(const char *list, const char *word)
{
	if (!list || !word)
		return false;
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == wl && strncmp(p, word, wl) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

/* Parse one address into 16 bytes; IPv4-mapped IPv6 becomes IPv4. */
static int addr_parse(const char *s, uint8_t out[16])
{
	unsigned char bin[16];
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, bin) == 1) {
		memcpy(out, bin, 4);
		return 4;
	}
	if (inet_pton(AF_INET6, s, bin) == 1) {
		static const unsigned char mapped[12] = {[10] = 0xff, [11] = 0xff};
		if (memcmp(bin, mapped, 12) == 0) {
			memcpy(out, bin + 12, 4);
			return 4;
		}
		memcpy(out, bin, 16);
		return 6;
	}
	return 0;
}

int config_cidr_parse(const char *list, struct config_cidr *out, size_t max)
{
	size_t count = 0;
	if (!list)
		return -1;
	for (const char *p = list; *p;) {
		const char *comma = strchr(p, ',');
		const char *e = comma ? comma : p + strlen(p);
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		char item[80];
		if (!str_copyn(item, sizeof item, p, (size_t)(e - p)) || count >= max)
			return -1;
		char *slash = strchr(item, '/');
		if (slash)
			*slash = '\0';
		struct config_cidr c = {0};
		c.family = addr_parse(item, c.addr);
		if (c.family == 0)
			return -1;
		unsigned maxbits = c.family == 4 ? 32 : 128;
		c.prefix = maxbits;
		if (slash) {
			uint64_t b;
			if (parse_u64_str(slash + 1, maxbits, &b) != POS_OK)
				return -1;
			c.prefix = (unsigned)b;
		}
		out[count++] = c;
		if (!comma)
			break;
		p = comma + 1;
	}
	return (int)count;
}

bool config_cidr_match(const struct config_cidr *set, size_t n, const char *ip)
{
	uint8_t a[16];
	int family = ip ? addr_parse(ip, a) : 0;
	if (family == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (set[i].family != family)
			continue;
		unsigned bits = set[i].prefix, full = bits / 8, rem = bits % 8;
		if (memcmp(a, set[i].addr, full) != 0)
			continue;
		if (rem) {
			uint8_t mask = (uint8_t)(0xff << (8 - rem));
			if ((a[full] & mask) != (set[i].addr[full] & mask))
				continue;
		}
		return true;
	}
	return false;
}
