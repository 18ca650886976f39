/* sim/config.c: flags, config file and --help from one table. */
#include "sim/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

enum opt_type { OPT_STR, OPT_U64, OPT_BOOL, OPT_MONEY, OPT_SEED, OPT_FAULT,
                OPT_CONFIG, OPT_HELP };

struct opt {
	const char *name;
	enum opt_type type;
	size_t off, size;
	uint64_t min, max;
	const char *arg;
	const char *help;
};

#define F(field) offsetof(struct sim_config, field), sizeof(((struct sim_config *)0)->field)
#define NOFIELD 0, 0

static const struct opt opts[] = {
	{"listen", OPT_STR, F(listen), 0, 0, "HOST:PORT",
	 "address to listen on (port 0 picks a free port; the program prints\n"
	 "\"listening on http://HOST:PORT\" once it accepts connections)"},
	{"admin", OPT_BOOL, F(admin), 0, 0, NULL,
	 "enable the test API under /__sim/ (ledger, request log, callbacks,\n"
	 "faults, reset, C2B payments); without it /__sim/ does not exist"},
	{"seed", OPT_SEED, F(seed), 0, UINT64_MAX, "N",
	 "make every random choice repeatable (ids, receipts, tokens, faults)"},
	{"config", OPT_CONFIG, NOFIELD, 0, 0, "FILE",
	 "read KEY=VALUE settings (keys are these flags' names); flags win"},
	{"consumer-key", OPT_STR, F(consumer_key), 0, 0, "KEY",
	 "the consumer key OAuth accepts"},
	{"consumer-secret", OPT_STR, F(consumer_secret), 0, 0, "SECRET",
	 "the consumer secret OAuth accepts"},
	{"shortcode", OPT_STR, F(shortcode), 0, 0, "N",
	 "Lipa Na M-Pesa (STK push) business shortcode"},
	{"passkey", OPT_STR, F(passkey), 0, 0, "KEY",
	 "the STK passkey: Password = base64(shortcode + passkey + Timestamp)"},
	{"b2c-shortcode", OPT_STR, F(b2c_shortcode), 0, 0, "N",
	 "the B2C (bulk disbursement) shortcode; 600000-601999 are known too"},
	{"initiator-name", OPT_STR, F(initiator_name), 0, 0, "NAME",
	 "the API operator (InitiatorName / Initiator)"},
	{"initiator-password", OPT_STR, F(initiator_password), 0, 0, "PASSWORD",
	 "what SecurityCredential must decrypt to"},
	{"private-key", OPT_STR, F(private_key), 0, 0, "FILE",
	 "PEM RSA private key that decrypts SecurityCredential (clients\n"
	 "encrypt with the matching certificate, assets/sim-cert.pem)"},
	{"cert", OPT_STR, F(cert), 0, 0, "FILE",
	 "the matching certificate, served at GET /__sim/cert"},
	{"org-name", OPT_STR, F(org_name), 0, 0, "NAME",
	 "organisation name in result callbacks (\"600000 - NAME\")"},
	{"token-ttl", OPT_U64, F(token_ttl_s), 1, 86400, "SECONDS",
	 "access-token lifetime; expires_in reports it"},
	{"callback-delay-ms", OPT_U64, F(callback_delay_ms), 0, 3600000, "MS",
	 "time from an accepted request to its outcome and callback"},
	{"prompt-ttl-ms", OPT_U64, F(prompt_ttl_ms), 0, 3600000, "MS",
	 "how long an unanswered STK prompt lives before it ends 1037"},
	{"callback-retries", OPT_U64, F(callback_retries), 0, 10, "N",
	 "redeliver a failed callback N times (Daraja documents none)"},
	{"callback-timeout-ms", OPT_U64, F(callback_timeout_ms), 100, 120000, "MS",
	 "connect/send/receive limit for each callback delivery"},
	{"working-balance", OPT_MONEY, F(working_balance), 0, 0, "KES",
	 "opening Working Account balance of every shortcode"},
	{"utility-balance", OPT_MONEY, F(utility_balance), 0, 0, "KES",
	 "opening Utility Account balance of every shortcode (B2C float)"},
	{"allow-reregister", OPT_BOOL, F(allow_reregister), 0, 0, NULL,
	 "let C2B register URL replace a registration (Daraja refuses)"},
	{"threads", OPT_U64, F(num_threads), 4, 1024, "N",
	 "HTTP worker threads; each keep-alive client holds one"},
	{"delivery-threads", OPT_U64, F(delivery_threads), 1, 64, "N",
	 "threads that deliver callbacks"},
	{"pull-page-size", OPT_U64, F(pull_page_size), 1, 10000, "N",
	 "rows per Pull Transactions page"},
	{"max-sessions", OPT_U64, F(max_sessions), 16, 10000000, "N",
	 "STK sessions remembered (the oldest are forgotten first)"},
	{"max-transactions", OPT_U64, F(max_transactions), 16, 10000000, "N",
	 "completed transactions remembered for status, reversal and Pull"},
	{"max-requests", OPT_U64, F(max_requests), 16, 10000000, "N",
	 "entries kept in the request log"},
	{"max-callbacks", OPT_U64, F(max_callbacks), 16, 10000000, "N",
	 "entries kept in the callback log"},
	{"fault", OPT_FAULT, NOFIELD, 0, 0, "API.KEY=VALUE",
	 "set a fault at start (repeatable), e.g. stk.spike_arrest=0.2,\n"
	 "all.latency_ms=50; see docs/daraja-sim.md for every key"},
	{"log-level", OPT_STR, F(log_level), 0, 0, "LEVEL",
	 "debug, info, warn, error or off"},
	{"log-file", OPT_STR, F(log_file), 0, 0, "FILE",
	 "where the log goes (\"-\" is standard error)"},
	{"help", OPT_HELP, NOFIELD, 0, 0, NULL, "show this help"},
};

enum { NOPTS = sizeof opts / sizeof opts[0] };

void sim_config_defaults(struct sim_config *c)
{
	memset(c, 0, sizeof *c);
	str_copy(c->listen, sizeof c->listen, "127.0.0.1:8089");
	str_copy(c->consumer_key, sizeof c->consumer_key, "sim-consumer-key");
	str_copy(c->consumer_secret, sizeof c->consumer_secret, "sim-consumer-secret");
	str_copy(c->shortcode, sizeof c->shortcode, "174379");
	str_copy(c->passkey, sizeof c->passkey,
	         "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919");
	str_copy(c->b2c_shortcode, sizeof c->b2c_shortcode, "600000");
	str_copy(c->initiator_name, sizeof c->initiator_name, "testapi");
	str_copy(c->initiator_password, sizeof c->initiator_password, "Safaricom999!*!");
	str_copy(c->private_key, sizeof c->private_key, "assets/sim-key.pem");
	str_copy(c->cert, sizeof c->cert, "assets/sim-cert.pem");
	str_copy(c->org_name, sizeof c->org_name, "Daraja Sim Ltd");
	c->token_ttl_s = 3599;
	c->callback_delay_ms = 3000;
	c->prompt_ttl_ms = 60000;
	c->callback_retries = 0;
	c->callback_timeout_ms = 5000;
	c->working_balance = 50000000;  /* KES 500,000.00 */
	c->utility_balance = 25000000;  /* KES 250,000.00 */
	c->num_threads = 128;
	c->delivery_threads = 4;
	c->pull_page_size = 100;
	c->max_sessions = 100000;
	c->max_transactions = 100000;
	c->max_requests = 50000;
	c->max_callbacks = 20000;
	str_copy(c->log_level, sizeof c->log_level, "info");
	str_copy(c->log_file, sizeof c->log_file, "-");
}

bool sim_parse_money(const char *s, int64_t *cents)
{
	const char *p = s, *end = s + strlen(s);
	uint64_t whole, frac = 0;
	if (p == end || *p < '0' || *p > '9')
		return false;
	if (parse_u64(&p, end, 100000000000u, &whole) != POS_OK)
		return false;
	if (p < end) {
		if (*p != '.')
			return false;
		p++;
		size_t nd = (size_t)(end - p);
		if (nd == 0 || nd > 2 || !str_is_digits(p))
			return false;
		frac = (uint64_t)(p[0] - '0') * 10 + (nd == 2 ? (uint64_t)(p[1] - '0') : 0);
	}
	*cents = (int64_t)(whole * 100 + frac);
	return true;
}

bool sim_config_split_listen(const char *listen, char *host, size_t hostsz,
                             unsigned *port)
{
	const char *colon = strrchr(listen, ':');
	uint64_t p;
	if (!colon || colon == listen)
		return false;
	if (parse_u64_str(colon + 1, 65535, &p) != POS_OK)
		return false;
	if (!str_copyn(host, hostsz, listen, (size_t)(colon - listen)))
		return false;
	*port = (unsigned)p;
	return true;
}

/* "CALLBACK_DELAY_MS" / "callback-delay-ms" -> the table row. */
static const struct opt *find_opt(const char *name)
{
	char norm[64];
	size_t i;
	for (i = 0; name[i] && i + 1 < sizeof norm; i++) {
		char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		norm[i] = c == '_' ? '-' : c;
	}
	norm[i] = '\0';
	for (size_t k = 0; k < NOPTS; k++)
		if (strcmp(opts[k].name, norm) == 0)
			return &opts[k];
	return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"1", "yes", "true", "on"};
	static const char *const no[] = {"0", "no", "false", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (str_eq_nocase(v, yes[i])) {
			*out = true;
			return true;
		}
		if (str_eq_nocase(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static enum pos_status apply(struct sim_config *cfg, const struct opt *o,
                             const char *value, struct pos_err *err)
{
	char *base = (char *)cfg;
	switch (o->type) {
	case OPT_STR:
		if (!str_copy(base + o->off, o->size, value))
			return pos_err_set(err, POS_E_TOO_LONG, o->name,
			                   "the value for --%s is longer than %zu characters",
			                   o->name, o->size - 1);
		return POS_OK;
	case OPT_U64:
	case OPT_SEED: {
		uint64_t v;
		if (parse_u64_str(value, o->max, &v) != POS_OK || v < o->min)
			return pos_err_set(err, POS_E_RANGE, o->name,
			                   "--%s needs a whole number from %llu to %llu, not \"%s\"",
			                   o->name, (unsigned long long)o->min,
			                   (unsigned long long)o->max, value);
		memcpy(base + o->off, &v, sizeof v);
		if (o->type == OPT_SEED)
			cfg->has_seed = true;
		return POS_OK;
	}
	case OPT_BOOL: {
		bool v;
		if (!parse_bool(value, &v))
			return pos_err_set(err, POS_E_INVALID, o->name,
			                   "--%s takes yes or no, not \"%s\"", o->name, value);
		memcpy(base + o->off, &v, sizeof v);
		return POS_OK;
	}
	case OPT_MONEY: {
		int64_t cents;
		if (!sim_parse_money(value, &cents))
			return pos_err_set(err, POS_E_AMOUNT, o->name,
			                   "--%s needs an amount in KES such as 250000 or 1500.50, not \"%s\"",
			                   o->name, value);
		memcpy(base + o->off, &cents, sizeof cents);
		return POS_OK;
	}
	case OPT_FAULT:
		if (cfg->nfaults >= SIM_CONFIG_FAULTS_MAX)
			return pos_err_set(err, POS_E_RANGE, o->name,
			                   "at most %d --fault settings", SIM_CONFIG_FAULTS_MAX);
		if (!str_copy(cfg->faults[cfg->nfaults], SIM_CONFIG_FAULT_LEN, value))
			return pos_err_set(err, POS_E_TOO_LONG, o->name,
			                   "--fault \"%s\" is too long", value);
		cfg->nfaults++;
		return POS_OK;
	case OPT_CONFIG:
		return sim_config_load_file(cfg, value, err);
	case OPT_HELP:
		return POS_OK;
	}
	return POS_E_INTERNAL;
}

enum pos_status sim_config_set(struct sim_config *cfg, const char *name,
                               const char *value, struct pos_err *err)
{
	const struct opt *o = find_opt(name);
	if (!o || o->type == OPT_HELP || o->type == OPT_CONFIG)
		return pos_err_set(err, POS_E_CONFIG, name,
		                   "unknown setting \"%s\"; daraja-sim --help lists them", name);
	return apply(cfg, o, value, err);
}

enum pos_status sim_config_load_file(struct sim_config *cfg, const char *path,
                                     struct pos_err *err)
{
	char line[4096];
	unsigned lineno = 0;
	enum pos_status st = POS_OK;
	FILE *f = fopen(path, "r");
	if (!f)
		return pos_err_set(err, POS_E_IO, "config", "cannot read %s: %s", path,
		                   strerror(errno));
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			st = pos_err_set(err, POS_E_TOO_LONG, "config",
			                 "%s:%u: line longer than %zu characters", path,
			                 lineno, sizeof line - 2);
			break;
		}
		char *s = str_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			st = pos_err_set(err, POS_E_CONFIG, "config",
			                 "%s:%u: expected KEY=VALUE, found \"%s\"", path, lineno, s);
			break;
		}
		*eq = '\0';
		char *key = str_trim(s), *value = str_trim(eq + 1);
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
			value[vl - 1] = '\0';
			value++;
		}
		const struct opt *o = find_opt(key);
		if (!o || o->type == OPT_HELP || o->type == OPT_CONFIG) {
			st = pos_err_set(err, POS_E_CONFIG, "config",
			                 "%s:%u: unknown key \"%s\"; daraja-sim --help lists them",
			                 path, lineno, key);
			break;
		}
		struct pos_err e2;
		st = apply(cfg, o, value, &e2);
		if (st != POS_OK) {
			pos_err_set(err, st, "config", "%s:%u: %s", path, lineno, e2.msg);
			break;
		}
	}
	fclose(f);
	return st;
}

/* Split "--name=value" / "--name value"; returns the row or NULL. */
static const struct opt *flag_row(const char *arg, char *name, size_t namesz,
                                  const char **inline_value)
{
	if (strncmp(arg, "--", 2) != 0)
		return NULL;
	const char *eq = strchr(arg + 2, '=');
	size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
	if (!str_copyn(name, namesz, arg + 2, n))
		return NULL;
	*inline_value = eq ? eq + 1 : NULL;
	for (size_t k = 0; k < NOPTS; k++)
		if (strcmp(opts[k].name, name) == 0)
			return &opts[k];
	return NULL;
}

static enum pos_status walk(struct sim_config *cfg, int argc, char *const argv[],
                            bool config_pass, bool *help, struct pos_err *err)
{
	for (int i = 1; i < argc; i++) {
		char name[64];
		const char *value = NULL;
		const struct opt *o = flag_row(argv[i], name, sizeof name, &value);
		if (!o)
			return pos_err_set(err, POS_E_INVALID, "arguments",
			                   "unknown argument \"%s\"; daraja-sim --help lists the flags",
			                   argv[i]);
		if (o->type == OPT_HELP) {
			*help = true;
			continue;
		}
		if (!value && o->type == OPT_BOOL) {
			value = "yes";
		} else if (!value) {
			if (i + 1 >= argc)
				return pos_err_set(err, POS_E_EMPTY, o->name,
				                   "--%s needs a value (%s)", o->name, o->arg);
			value = argv[++i];
		}
		if ((o->type == OPT_CONFIG) != config_pass)
			continue;
		enum pos_status st = apply(cfg, o, value, err);
		if (st != POS_OK)
			return st;
	}
	return POS_OK;
}

enum pos_status sim_config_parse(struct sim_config *cfg, int argc,
                                 char *const argv[], bool *help,
                                 struct pos_err *err)
{
	*help = false;
	enum pos_status st = walk(cfg, argc, argv, true, help, err);
	if (st != POS_OK || *help)
		return st;
	return walk(cfg, argc, argv, false, help, err);
}

void sim_config_print_help(FILE *out)
{
	struct sim_config d;
	sim_config_defaults(&d);
	fprintf(out,
	        "Usage: daraja-sim [FLAGS]\n"
	        "\n"
	        "A local simulator of Safaricom's M-Pesa Daraja API for integration tests:\n"
	        "same paths, fields, answers and callbacks as Daraja, on plain HTTP.\n"
	        "Full guide: docs/daraja-sim.md.\n"
	        "\n"
	        "Flags:\n");
	for (size_t k = 0; k < NOPTS; k++) {
		const struct opt *o = &opts[k];
		char left[64], def[160] = "";
		const char *base = (const char *)&d;
		snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "",
		         o->arg ? o->arg : "");
		switch (o->type) {
		case OPT_STR:
			if (base[o->off])
				snprintf(def, sizeof def, " (default: %s)", base + o->off);
			break;
		case OPT_U64: {
			uint64_t v;
			memcpy(&v, base + o->off, sizeof v);
			snprintf(def, sizeof def, " (default: %llu)", (unsigned long long)v);
			break;
		}
		case OPT_MONEY: {
			int64_t v;
			memcpy(&v, base + o->off, sizeof v);
			snprintf(def, sizeof def, " (default: %lld.%02lld)",
			         (long long)(v / 100), (long long)(v % 100));
			break;
		}
		default:
			break;
		}
		fprintf(out, "  %-34s ", left);
		for (const char *p = o->help; *p; p++) {
			fputc(*p, out);
			if (*p == '\n')
				fprintf(out, "  %-34s ", "");
		}
		fprintf(out, "%s\n", def);
	}
	fprintf(out,
	        "\n"
	        "Customers (STK push, by PhoneNumber):\n"
	        "  254708374149 pays; 254700000001 / 254111111111 insufficient funds (1);\n"
	        "  254700001032 / 254333333333 cancel (1032); 254700001037 / 254222222222\n"
	        "  never answer (1037 after --prompt-ttl-ms); 254700002001 wrong PIN (2001);\n"
	        "  254700001019 expired (1019); 254700000003 SFC_IC0003; any other pays.\n");
}
