/* tests/unit/test_config.c: config/ — every type's parser, the INI and .env
 * readers, precedence, secrets, permissions, the rules across keys, and the
 * generated example and reference (drift tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"
#include "config/config.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers -------------------------------------------------------------- */

static char tmpdir[128];

static void tpath(char *out, size_t outsz, const char *name)
{
	assert_true(str_fmt(out, outsz, "%s/%s", tmpdir, name));
}

static void write_bytes(const char *name, const void *data, size_t len, mode_t mode)
{
	char path[256];
	tpath(path, sizeof path, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void write_text(const char *name, const char *text, mode_t mode)
{
	write_bytes(name, text, strlen(text), mode);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, 4 * 1024 * 1024);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), POS_OK);
	fclose(f);
	if (len)
		*len = b.len;
	return b.data ? b.data : calloc(1, 1);
}

/* All diagnostics, one per line, errors and warnings marked. Caller frees. */
static char *diag_text(const struct config_diag *d)
{
	struct buf b;
	buf_init(&b, 1024 * 1024);
	for (size_t i = 0; i < d->count; i++)
		assert_int_equal(buf_printf(&b, "%s%s\n",
		                            d->items[i].level == CONFIG_ERROR ? "E " : "W ",
		                            d->items[i].text),
		                 POS_OK);
	return b.data ? b.data : calloc(1, 1);
}

static bool diag_has(const struct config_diag *d, enum config_diag_level level,
                     const char *text)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->items[i].level == level && strcmp(d->items[i].text, text) == 0)
			return true;
	return false;
}

static bool diag_contains(const struct config_diag *d, const char *part)
{
	for (size_t i = 0; i < d->count; i++)
		if (strstr(d->items[i].text, part))
			return true;
	return false;
}

static void show_diag(const struct config_diag *d)
{
	char *t = diag_text(d);
	print_message("%s", t);
	free(t);
}

/* Load a buffer that must be valid. */
static struct config *load_ok(const char *text)
{
	struct config_diag d = {0};
	struct config *cfg = NULL;
	enum pos_status st = config_load_buffer("t.conf", text, strlen(text), NULL, &cfg, &d);
	if (st != POS_OK)
		show_diag(&d);
	assert_int_equal(st, POS_OK);
	assert_int_equal(d.errors, 0);
	config_diag_release(&d);
	return cfg;
}

static const char *const no_env[] = {NULL};

static int group_setup(void **state)
{
	(void)state;
	str_copy(tmpdir, sizeof tmpdir, "/tmp/test_config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	clock_set_fixed(1741936502); /* 2025-03-14 10:15:02 EAT */
	return 0;
}

static int rm_tree(const char *dir)
{
	char cmd[300];
	if (!str_fmt(cmd, sizeof cmd, "rm -rf '%s'", dir) || strstr(dir, "/tmp/test_config.") != dir)
		return -1;
	return system(cmd) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	clock_set_fixed(-1);
	log_secrets_clear();
	return rm_tree(tmpdir);
}

/* ---- the table itself ---------------------------------------------------- */

static void test_table_defaults_are_valid(void **state)
{
	(void)state;
	struct config *cfg = load_ok("");
	/* Typed fields carry the defaults of keys.def. */
	assert_string_equal(cfg->daraja.environment, "sandbox");
	assert_string_equal(cfg->daraja.base_url, "");
	assert_string_equal(cfg->daraja.business_shortcode, "174379");
	assert_string_equal(cfg->daraja.transaction_type, "CustomerPayBillOnline");
	assert_int_equal(cfg->daraja.timeout, 30);
	assert_int_equal(cfg->daraja.max_retries, 3);
	assert_int_equal(cfg->daraja.stk_prompt_seconds, 60);
	assert_int_equal(cfg->daraja.initiator_password_set_on, 0);
	assert_string_equal(cfg->till.id, "till-1");
	assert_string_equal(cfg->till.name, "Main till");
	assert_string_equal(cfg->listener.bind, "127.0.0.1:8090");
	assert_false(cfg->listener.tls);
	assert_int_equal(cfg->listener.max_body, 65536);
	assert_string_equal(cfg->bus.backends, "jsonl");
	assert_true(cfg->ui.bell);
	assert_int_equal(cfg->limits.payout_max, 250000);
	assert_string_equal(cfg->log.level, "info");
	assert_string_equal(cfg->store.path, "mpesa-pos.db");
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		assert_string_equal(config_source(cfg, k->name), "default");
		/* Every row is complete and findable. */
		assert_non_null(config_key_find(k->name));
		assert_true(k->help[0] != '\0');
		assert_true(strlen(k->help) < 200);
		/* Secrets never have a default. */
		if (k->flags & CONFIG_SECRET)
			assert_string_equal(k->def, "");
	}
	assert_null(config_key_at(CONFIG_KEY_COUNT));
	assert_null(config_key_find("daraja.nope"));
	assert_null(config_key_find(NULL));
	config_free(cfg);
}

/* ---- one value, every type ---------------------------------------------------- */

static const struct value_case {
	const char *name;
	const char *in;
	bool ok;
	const char *want; /* normalised value when ok; part of the message when not */
} value_cases[] = {
	/* INT */
	{"daraja.max_retries", "3", true, "3"},
	{"daraja.max_retries", "007", true, "7"},
	{"daraja.max_retries", "0", true, "0"},
	{"daraja.max_retries", "11", false, "\"11\" is out of range"},
	{"daraja.max_retries", "-1", false, "\"-1\" is out of range"},
	{"daraja.max_retries", "abc", false, "\"abc\" is not a whole number"},
	{"daraja.max_retries", "3.0", false, "is not a whole number"},
	{"daraja.max_retries", " 3", false, "is not a whole number"},
	{"daraja.max_retries", "+3", false, "is not a whole number"},
	{"daraja.max_retries", "99999999999999999999", false, "is out of range"},
	{"daraja.max_retries", "", false, "the value is empty"},
	{"daraja.max_retries", "\xd9\xa3", false, "is not a whole number"},
	{"daraja.max_retries", "3\x01", false, "\"3\\x01\" contains a control character"},
	{"daraja.max_retries", "\xff", false, "\"\\xff\" is not valid UTF-8"},
	{"listener.max_body", "1023", false, "out of range"},
	{"listener.max_body", "1048576", true, "1048576"},
	/* DURATION */
	{"daraja.timeout", "30", true, "30"},
	{"daraja.timeout", "30s", true, "30"},
	{"daraja.timeout", "2m", true, "120"},
	{"daraja.timeout", "2M", true, "120"},
	{"daraja.timeout", "1h", false, "\"1h\" is out of range"},
	{"daraja.breaker_open_seconds", "1h", true, "3600"},
	{"daraja.timeout", "0", false, "out of range"},
	{"daraja.timeout", "301", false, "out of range"},
	{"daraja.timeout", "abc", false, "\"abc\" is not a whole number"},
	{"daraja.timeout", "30 s", false, "is not a whole number"},
	{"daraja.timeout", "5ms", false, "is not a whole number"},
	{"daraja.timeout", "-5", false, "is not a whole number"},
	{"daraja.timeout", "m", false, "is not a whole number"},
	{"daraja.timeout", "99999999999999999999m", false, "out of range"},
	{"daraja.timeout", "2562047788015216h", false, "out of range"},
	/* MONEY */
	{"limits.payout_max", "250000", true, "250000"},
	{"limits.payout_max", "10.50", false, "\"10.50\" has a fraction: amounts are whole shillings"},
	{"limits.payout_max", "10.0", false, "has a fraction"},
	{"limits.payout_max", "10.", false, "is not a whole number of shillings"},
	{"limits.payout_max", ".5", false, "is not a whole number of shillings"},
	{"limits.payout_max", "0", false, "\"0\" is out of range"},
	{"limits.payout_max", "-5", false, "is not a whole number of shillings"},
	{"limits.payout_max", "1,000", false, "is not a whole number of shillings"},
	{"limits.payout_max", "1000001", false, "is out of range"},
	{"limits.payout_max", "1e3", false, "is not a whole number of shillings"},
	{"limits.payout_max", "KES 100", false, "is not a whole number of shillings"},
	{"limits.payout_max", "99999999999999999999999", false, "is out of range"},
	/* BOOL */
	{"ui.ascii", "true", true, "true"},
	{"ui.ascii", "YES", true, "true"},
	{"ui.ascii", "On", true, "true"},
	{"ui.ascii", "1", true, "true"},
	{"ui.ascii", "off", true, "false"},
	{"ui.ascii", "0", true, "false"},
	{"ui.ascii", "2", false, "\"2\" is not true or false"},
	{"ui.ascii", "truee", false, "is not true or false"},
	{"ui.ascii", "", false, "the value is empty"},
	/* ENUM */
	{"daraja.environment", "production", true, "production"},
	{"daraja.environment", "SANDBOX", true, "sandbox"},
	{"daraja.environment", "prod", false, "\"prod\" is not one of the choices"},
	{"daraja.environment", "sandbox ", false, "is not one of the choices"},
	{"daraja.environment", "sandbox|production", false, "is not one of the choices"},
	{"daraja.transaction_type", "customerbuygoodsonline", true, "CustomerBuyGoodsOnline"},
	{"listener.c2b_response_type", "cancelled", true, "Cancelled"},
	{"log.level", "warn", true, "warn"},
	/* LIST */
	{"bus.backends", "jsonl, redis", true, "jsonl,redis"},
	{"bus.backends", " JSONL ", true, "jsonl"},
	{"bus.backends", "none", true, "none"},
	{"bus.backends", "jsonl,,redis", false, "has an empty item"},
	{"bus.backends", ",", false, "has an empty item"},
	{"bus.backends", "kafka", false, "\"kafka\" is not one of the choices"},
	{"bus.backends", "none,jsonl", false, "combines none with other choices"},
	{"bus.backends", "redis, redis", false, "lists \"redis\" twice"},
	{"bus.backends", "jsonl|redis", false, "is not one of the choices"},
	/* URL */
	{"daraja.base_url", "http://127.0.0.1:8080", true, "http://127.0.0.1:8080"},
	{"daraja.base_url", "https://sandbox.safaricom.co.ke/", true, "https://sandbox.safaricom.co.ke/"},
	{"daraja.base_url", "HTTPS://X.EXAMPLE", true, "HTTPS://X.EXAMPLE"},
	{"daraja.base_url", "https://[::1]:8080", true, "https://[::1]:8080"},
	{"daraja.base_url", "", true, ""},
	{"daraja.base_url", "ftp://x", false, "\"ftp://x\" does not start with http:// or https://"},
	{"daraja.base_url", "sandbox.safaricom.co.ke", false, "does not start with http://"},
	{"daraja.base_url", "https://", false, "has no host"},
	{"daraja.base_url", "https://:80", false, "has no host"},
	{"daraja.base_url", "https://a b", false, "contains a space"},
	{"daraja.base_url", "https://h/a b", false, "contains a space"},
	{"daraja.base_url", "https://h:99999", false, "has a bad port"},
	{"daraja.base_url", "https://h:", false, "has a bad port"},
	{"daraja.base_url", "https://h:8a", false, "has a bad port"},
	{"daraja.base_url", "https://user:pw@h", false, "holds a user name or password"},
	{"daraja.base_url", "https://[zz]:1", false, "has a bad IPv6 address"},
	{"daraja.base_url", "https://[::1", false, "has a bad IPv6 address"},
	{"daraja.base_url", "https://ex\xc3\xa9.com", false, "has a bad host name"},
	/* ORIGIN */
	{"listener.public_url", "https://pos.example.co.ke", true, "https://pos.example.co.ke"},
	{"listener.public_url", "https://pos.example.co.ke/", true, "https://pos.example.co.ke"},
	{"listener.public_url", "HTTPS://pos.example.co.ke:8443", true, "https://pos.example.co.ke:8443"},
	{"listener.public_url", "http://[::1]:8090", true, "http://[::1]:8090"},
	{"listener.public_url", "https://pos.example.co.ke/cb", false, "has a path; write only scheme://host[:port]"},
	{"listener.public_url", "https://x?a=1", false, "has a path"},
	{"listener.public_url", "https://x#frag", false, "has a path"},
	/* HOSTPORT */
	{"listener.bind", "127.0.0.1:0", true, "127.0.0.1:0"},
	{"listener.bind", "[::1]:8090", true, "[::1]:8090"},
	{"listener.bind", "localhost:8090", true, "localhost:8090"},
	{"listener.bind", "0.0.0.0:65535", true, "0.0.0.0:65535"},
	{"listener.bind", "8090", false, "\"8090\" has no :port"},
	{"listener.bind", ":8090", false, "has no host"},
	{"listener.bind", "::1:8090", false, "needs brackets around an IPv6 address"},
	{"listener.bind", "h:65536", false, "has a bad port"},
	{"listener.bind", "h:-1", false, "has a bad port"},
	{"listener.bind", "h:80x", false, "has a bad port"},
	{"listener.bind", "h :80", false, "contains a space"},
	{"listener.bind", "[::1]8090", false, "has a bad port"},
	{"bus.redis_address", "h:0", false, "\"h:0\" has port 0"},
	/* CIDRS */
	{"listener.allow", "196.201.214.0/24, 10.0.0.5", true, "196.201.214.0/24, 10.0.0.5"},
	{"listener.allow", "196.201.214.200,196.201.214.206", true, "196.201.214.200, 196.201.214.206"},
	{"listener.allow", "::1/128, fe80::/10", true, "::1/128, fe80::/10"},
	{"listener.allow", "0.0.0.0/0", true, "0.0.0.0/0"},
	{"listener.allow", "10.0.0.0/33", false, "\"10.0.0.0/33\" has a prefix length above 32"},
	{"listener.allow", "fe80::/129", false, "has a prefix length above 128"},
	{"listener.allow", "10.0.0.0/", false, "has a bad prefix length"},
	{"listener.allow", "10.0.0.0/x", false, "has a bad prefix length"},
	{"listener.allow", "10.0.0.0/-1", false, "has a bad prefix length"},
	{"listener.allow", "300.1.1.1", false, "\"300.1.1.1\" is not an IP address"},
	{"listener.allow", "example.com", false, "is not an IP address"},
	{"listener.allow", "10.0.0.0/8,", false, "has an empty item"},
	{"listener.allow", "10.0.0.1 10.0.0.2", false, "is not an IP address"},
	/* DATE */
	{"daraja.initiator_password_set_on", "2025-03-14", true, "2025-03-14"},
	{"daraja.initiator_password_set_on", "2024-02-29", true, "2024-02-29"},
	{"daraja.initiator_password_set_on", "2025-02-29", false, "\"2025-02-29\" is not a date"},
	{"daraja.initiator_password_set_on", "2025-13-01", false, "is not a date"},
	{"daraja.initiator_password_set_on", "14/03/2025", false, "is not a date"},
	{"daraja.initiator_password_set_on", "2025-3-14", false, "is not a date"},
	/* REGEX */
	{"listener.c2b_account_pattern", "^[A-Z0-9]{1,12}$", true, "^[A-Z0-9]{1,12}$"},
	{"listener.c2b_account_pattern", "(abc", false, "is not a valid regular expression"},
	{"listener.c2b_account_pattern", "a{2,1}", false, "is not a valid regular expression"},
	{"listener.c2b_account_pattern", "((a{100}){100}){100}", false, "repeats too much"},
	{"listener.c2b_account_pattern", "a{99999999999999999999}", false, "repeats too much"},
	/* DIGITS */
	{"daraja.business_shortcode", "174379", true, "174379"},
	{"daraja.business_shortcode", "17437", true, "17437"},
	{"daraja.business_shortcode", "1743", false, "\"1743\" has 4 digits"},
	{"daraja.business_shortcode", "123456789", false, "has 9 digits"},
	{"daraja.business_shortcode", "17a379", false, "\"17a379\" is not all digits"},
	{"daraja.business_shortcode", "-174379", false, "is not all digits"},
	{"daraja.business_shortcode", "", false, "the value is empty (leave the key out to use the default, 174379)"},
	{"daraja.till_number", "", true, ""},
	/* IDENT */
	{"till.id", "till-1", true, "till-1"},
	{"till.id", "Till_2.b", true, "Till_2.b"},
	{"till.id", "till 1", false, "may hold only letters, digits, '-', '_' and '.'"},
	{"till.id", "t\xc3\xadll", false, "may hold only letters"},
	{"till.id", "t/1", false, "may hold only letters"},
	{"till.id", "abcdefghijklmnopqrstuvwxyz0123456", false, "is too long (33 characters)"},
	/* STRING */
	{"till.name", "Duka la Mama Njeri \xe2\x80\x94 Main", true, "Duka la Mama Njeri \xe2\x80\x94 Main"},
	{"till.name", "", false, "the value is empty"},
	{"till.name", "tab\there", false, "contains a control character"},
	{"till.name", "del\x7f", false, "contains a control character"},
	{"till.name", "\xc3\x28", false, "is not valid UTF-8"},
	{"till.name", "\xed\xa0\x80", false, "is not valid UTF-8"}, /* a UTF-16 surrogate */
	{"till.name", "\xc0\xaf", false, "is not valid UTF-8"},     /* overlong '/' */
	{"till.name", "12345678901234567890123456789012345678901", false, "is too long (41 characters)"},
	/* 40 two-byte characters are 40 characters, not 80. */
	{"till.name",
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
	 true, NULL},
	{"ui.printer_command", "lp -d receipts # not a comment", true, "lp -d receipts # not a comment"},
	/* PATH */
	{"store.path", "/var/lib/mpesa-pos/pos.db", true, "/var/lib/mpesa-pos/pos.db"},
	{"store.path", "", false, "the value is empty"},
	{"ui.receipt_dir", "", true, ""},
	{"store.path", "a\nb", false, "contains a control character"},
	/* SECRET and SENSITIVE values are never quoted back. */
	{"daraja.passkey", "bad\x01secret", false, "the value contains a control character"},
	{"daraja.consumer_key", "key\x02value", false, "the value contains a control character"},
	{"daraja.passkey", "\xfe\xff-passkey", false, "the value is not valid UTF-8"},
};

static void test_value_types(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(value_cases); i++) {
		const struct value_case *c = &value_cases[i];
		char norm[256] = "";
		struct pos_err err;
		pos_err_clear(&err);
		enum pos_status st = config_check_value(c->name, c->in, norm, sizeof norm, &err);
		if ((st == POS_OK) != c->ok)
			print_message("row %zu: %s = \"%s\": %s\n", i, c->name, c->in, err.msg);
		assert_int_equal(st == POS_OK, c->ok);
		if (c->ok) {
			if (c->want)
				assert_string_equal(norm, c->want);
			continue;
		}
		if (!strstr(err.msg, c->want))
			print_message("row %zu: want \"%s\" in \"%s\"\n", i, c->want, err.msg);
		assert_non_null(strstr(err.msg, c->want));
		assert_true(str_starts_with(err.hint, "allowed "));
		assert_int_equal(err.code, POS_E_CONFIG);
		if (str_starts_with(c->name, "daraja.passkey") ||
		    str_starts_with(c->name, "daraja.consumer_key")) {
			assert_null(strstr(err.msg, "secret"));
			assert_null(strstr(err.msg, "passkey"));
			assert_null(strstr(err.msg, "value\""));
		}
	}
	/* A value longer than any line; unknown names. */
	char big[5000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	struct pos_err err;
	assert_int_equal(config_check_value("ui.printer_command", big, NULL, 0, &err), POS_E_CONFIG);
	assert_non_null(strstr(err.msg, "longer than 4096 bytes"));
	big[1025] = '\0';
	assert_int_equal(config_check_value("ui.printer_command", big, NULL, 0, &err), POS_E_CONFIG);
	assert_non_null(strstr(err.msg, "is too long (1025 characters)"));
	/* A long quoted value is cut in the message, never overflowing it. */
	assert_non_null(strstr(err.msg, "...\""));
	assert_true(strlen(err.msg) < 200);
	assert_int_equal(config_check_value("daraja.nope", "1", NULL, 0, &err), POS_E_NOT_FOUND);
	assert_int_equal(config_check_value(NULL, "1", NULL, 0, &err), POS_E_NOT_FOUND);
	/* A normalised value that does not fit the caller's buffer. */
	char tiny[4];
	assert_int_equal(config_check_value("till.name", "Main till", tiny, sizeof tiny, &err),
	                 POS_E_TOO_LONG);
}

/* ---- the INI reader ------------------------------------------------------ */

static void test_file_syntax(void **state)
{
	(void)state;
	static const char text[] =
		"\xef\xbb\xbf# a BOM, then a comment\r\n"
		"; another comment\r\n"
		"\r\n"
		"   [daraja]   \r\n"
		"  timeout   =   45  \r\n"
		"passkey = \"  spaced secret  \"\r\n"
		"consumer_key = 'single=quoted'\r\n"
		"[TILL]\n"
		"Name = Duka \"la\" Mama # kept\n"
		"id=till-9\n"
		"[listener]\n"
		"public_url =\n"
		"allow = \"\"\n"
		"c2b_account_pattern = ^[0-9]+$\n"
		"\t[ui]\n"
		"printer_command = lp ; also kept\n";
	struct config *cfg = load_ok(text);
	assert_int_equal(cfg->daraja.timeout, 45);
	assert_true(strcmp(cfg->daraja.passkey, "  spaced secret  ") == 0);
	assert_true(strcmp(cfg->daraja.consumer_key, "single=quoted") == 0);
	assert_string_equal(cfg->till.name, "Duka \"la\" Mama # kept");
	assert_string_equal(cfg->till.id, "till-9");
	assert_string_equal(cfg->listener.public_url, "");
	assert_string_equal(cfg->listener.allow, "");
	assert_string_equal(cfg->listener.c2b_account_pattern, "^[0-9]+$");
	assert_string_equal(cfg->ui.printer_command, "lp ; also kept");
	assert_string_equal(config_source(cfg, "daraja.timeout"), "t.conf:5");
	assert_string_equal(config_source(cfg, "till.name"), "t.conf:9");
	assert_string_equal(config_source(cfg, "ui.printer_command"), "t.conf:16");
	assert_string_equal(config_source(cfg, "till.id"), "t.conf:10");
	config_free(cfg);

	/* Old Mac line ends: one long line with CRs in it. */
	struct config_diag d = {0};
	static const char cr_only[] = "[daraja]\rtimeout = 45\r";
	assert_int_equal(config_load_buffer("t.conf", cr_only, strlen(cr_only), NULL, &cfg, &d),
	                 POS_E_CONFIG);
	assert_null(cfg);
	config_diag_release(&d);

	/* No trailing newline; an empty file; only a BOM. */
	cfg = load_ok("[daraja]\ntimeout = 9");
	assert_int_equal(cfg->daraja.timeout, 9);
	config_free(cfg);
	cfg = load_ok("\xef\xbb\xbf");
	config_free(cfg);
	assert_int_equal(config_load_buffer("t.conf", NULL, 0, NULL, &cfg, NULL), POS_OK);
	config_free(cfg);
}

static const struct file_error_case {
	const char *text;
	const char *want; /* exact diagnostic */
} file_error_cases[] = {
	{"[daraja]\ntimeout = abc\n",
	 "t.conf:2: [daraja] timeout: \"abc\" is not a whole number; allowed 1..300 seconds"},
	{"[daraja]\ntimeout = 5\n\ntimeout = 6\n",
	 "t.conf:4: [daraja] timeout: set twice (first on line 2); keep one"},
	{"[daraja]\nconsumer_secet = x\n",
	 "t.conf:2: [daraja] \"consumer_secet\": unknown key; did you mean consumer_secret?"},
	{"[till]\ntimeout = 5\n",
	 "t.conf:2: [till] \"timeout\": unknown key here; it belongs under [daraja]"},
	{"[till]\nfrobnicate = 5\n",
	 "t.conf:2: [till] \"frobnicate\": unknown key; the keys are listed in mpesa-pos.conf.example"},
	{"timeout = 5\n",
	 "t.conf:1: \"timeout\": the key comes before any [section]; put it under [daraja]"},
	{"whatever = 5\n",
	 "t.conf:1: \"whatever\": the key comes before any [section]; put it under one, e.g. [daraja]"},
	{"[dajara]\ntimeout = 5\n",
	 "t.conf:1: [\"dajara\"]: unknown section; did you mean [daraja]?"},
	{"[payments]\n",
	 "t.conf:1: [\"payments\"]: unknown section; allowed [daraja], [till], [listener], "
	 "[store], [bus], [ui], [limits], [log], [api]"},
	{"[daraja]\njust some words\n",
	 "t.conf:2: the line has no \"=\"; write key = value, a [section] header, or a "
	 "comment starting with # or ;"},
	{"[daraja]\n= 5\n", "t.conf:2: the line has no key before \"=\""},
	{"[daraja\n", "t.conf:1: a section header must look like [name], alone on its line"},
	{"[daraja] timeout = 5\n",
	 "t.conf:1: a section header must look like [name], alone on its line"},
	{"[ ]\n", "t.conf:1: the section header [] has no name"},
	{"[till]\nname = \"Main till\n",
	 "t.conf:2: [till] name: the quote is not closed; end the value with \""},
	{"[till]\nname = 'x\n", "t.conf:2: [till] name: the quote is not closed; end the value with '"},
	{"[till]\nname = \"\n", "t.conf:2: [till] name: the quote is not closed; end the value with \""},
	{"[till]\nname =\n",
	 "t.conf:2: [till] name: the value is empty (leave the key out to use the default, Main till); "
	 "allowed 1..40 characters"},
	{"[listener]\ntls = true\n",
	 "t.conf:2: [listener] tls: true is refused: Debian's CivetWeb crashes on TLS. Set tls = false "
	 "and terminate TLS in front of mpesa-pos (a reverse proxy or tunnel); see docs/going-live.md"},
	{"[daraja]\ntransaction_type = CustomerBuyGoodsOnline\n",
	 "t.conf:2: [daraja] transaction_type: CustomerBuyGoodsOnline needs [daraja] till_number, "
	 "the till that is paid; set it"},
	{"[limits]\nstk_min_amount = 500\nstk_max_amount = 100\n",
	 "t.conf:2: [limits] stk_min_amount: 500 is above [limits] stk_max_amount (100); lower it or raise that"},
	{"[limits]\npayout_max = 600000\n",
	 "t.conf:2: [limits] payout_max: 600000 is above [limits] payout_daily_max (500000); lower it or raise that"},
	{"[listener]\nc2b_min_amount = 300000\n",
	 "t.conf:2: [listener] c2b_min_amount: 300000 is above [listener] c2b_max_amount (250000); "
	 "lower it or raise that"},
	{"[bus]\nbackends = jsonl, webhook\n",
	 "t.conf:2: [bus] backends: webhook is listed but [bus] webhook_url is not set; set it"},
	{"[bus]\nbackends = plugin\n",
	 "t.conf:2: [bus] backends: plugin is listed but [bus] plugin_path is not set; set it"},
	{"[daraja]\ncert = /nonexistent/mpesa.cer\n",
	 "t.conf:2: [daraja] cert: \"/nonexistent/mpesa.cer\" cannot be read (No such file or "
	 "directory); allowed the path of a readable file"},
	{"[daraja]\nca_bundle = /tmp\n",
	 "t.conf:2: [daraja] ca_bundle: \"/tmp\" is not a file; allowed the path of a readable file"},
	{"[daraja]\nenvironment = production\n",
	 "t.conf: [daraja] passkey: not set, and production needs it; set it in the file or in MPESA_PASSKEY"},
	{"[daraja]\nenvironment = production\n",
	 "t.conf: [daraja] consumer_key: not set, and production needs it; set it in the file or in "
	 "MPESA_CONSUMER_KEY"},
};

static void test_file_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ELEMS(file_error_cases); i++) {
		const struct file_error_case *c = &file_error_cases[i];
		struct config_diag d = {0};
		struct config *cfg = (struct config *)1;
		enum pos_status st = config_load_buffer("t.conf", c->text, strlen(c->text), NULL, &cfg, &d);
		if (st != POS_E_CONFIG || !diag_has(&d, CONFIG_ERROR, c->want)) {
			print_message("row %zu: want: %s\n", i, c->want);
			show_diag(&d);
		}
		assert_int_equal(st, POS_E_CONFIG);
		assert_null(cfg);
		assert_true(diag_has(&d, CONFIG_ERROR, c->want));
		config_diag_release(&d);
	}
}

/* Every error is reported, each with its own line, not only the first. */
static void test_many_errors_with_lines(void **state)
{
	(void)state;
	static const char text[] =
		"# line 1\n"
		"[daraja]\n"
		"timeout = abc\n"              /* 3 */
		"max_retries = 99\n"           /* 4 */
		"environment = sandbox\n"
		"environment = production\n"   /* 6 */
		"[till]\n"
		"id = till one\n"              /* 8 */
		"[nowhere]\n"                  /* 9 */
		"timeout = 5\n"                /* under an unknown section: not reported again */
		"[listener]\n"
		"bind = 8090\n"                /* 12 */
		"oops\n"                       /* 13 */
		"[limits]\n"
		"payout_max = 10.50\n";        /* 15 */
	struct config_diag d = {0};
	struct config *cfg;
	assert_int_equal(config_load_buffer("shop.conf", text, strlen(text), NULL, &cfg, &d), POS_E_CONFIG);
	static const char *const want[] = {
		"shop.conf:3: [daraja] timeout: \"abc\" is not a whole number; allowed 1..300 seconds",
		"shop.conf:4: [daraja] max_retries: \"99\" is out of range; allowed 0..10 retries",
		"shop.conf:6: [daraja] environment: set twice (first on line 5); keep one",
		"shop.conf:8: [till] id: \"till one\" may hold only letters, digits, '-', '_' and '.'; "
		"allowed 1..32 characters: letters, digits, '-', '_' and '.'",
		"shop.conf:9: [\"nowhere\"]: unknown section; allowed [daraja], [till], [listener], "
		"[store], [bus], [ui], [limits], [log], [api]",
		"shop.conf:12: [listener] bind: \"8090\" has no :port; allowed host:port with a port of 0..65535",
		"shop.conf:13: the line has no \"=\"; write key = value, a [section] header, or a "
		"comment starting with # or ;",
		"shop.conf:15: [limits] payout_max: \"10.50\" has a fraction: amounts are whole shillings; "
		"allowed 1..1000000 KES in whole shillings",
	};
	for (size_t i = 0; i < N_ELEMS(want); i++) {
		if (!diag_has(&d, CONFIG_ERROR, want[i])) {
			print_message("missing: %s\n", want[i]);
			show_diag(&d);
		}
		assert_true(diag_has(&d, CONFIG_ERROR, want[i]));
	}
	assert_int_equal(d.errors, N_ELEMS(want));
	/* In file order. */
	assert_true(strstr(d.items[0].text, "shop.conf:3:") == d.items[0].text);
	config_diag_release(&d);
}

static void test_line_caps_nul_and_utf8(void **state)
{
	(void)state;
	struct config_diag d = {0};
	struct config *cfg;
	/* A comment of exactly 4096 bytes is fine; 4097 is refused; the lines
	 * after it are still read (and counted). */
	struct buf b;
	buf_init(&b, 64 * 1024);
	char line[4200];
	memset(line, 'x', sizeof line);
	line[0] = '#';
	assert_int_equal(buf_append(&b, line, 4096), POS_OK);
	assert_int_equal(buf_puts(&b, "\r\n"), POS_OK); /* CR not counted */
	assert_int_equal(buf_append(&b, line, 4097), POS_OK);
	assert_int_equal(buf_puts(&b, "\n[daraja]\ntimeout = nope\n"), POS_OK);
	assert_int_equal(config_load_buffer("t.conf", b.data, b.len, NULL, &cfg, &d), POS_E_CONFIG);
	assert_int_equal(d.errors, 2);
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "t.conf:2: the line is longer than 4096 bytes; shorten it (is this the right file?)"));
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "t.conf:4: [daraja] timeout: \"nope\" is not a whole number; allowed 1..300 seconds"));
	config_diag_release(&d);
	buf_release(&b);

	/* A value line at the cap: read, then refused by the key's own bound. */
	buf_init(&b, 64 * 1024);
	assert_int_equal(buf_puts(&b, "[ui]\nprinter_command = "), POS_OK);
	assert_int_equal(buf_append(&b, line + 1, 4096 - strlen("printer_command = ")), POS_OK);
	assert_int_equal(config_load_buffer("t.conf", b.data, b.len, NULL, &cfg, &d), POS_E_CONFIG);
	assert_true(diag_contains(&d, "t.conf:2: [ui] printer_command: \"xxxx"));
	assert_true(diag_contains(&d, "is too long (4078 characters); allowed up to 1024 characters"));
	config_diag_release(&d);
	buf_release(&b);

	/* An embedded NUL; a non-UTF-8 byte in a value and in a key. */
	static const char nul[] = "[daraja]\ntimeout = 3\0 0\n[till]\nname = caf\xe9\n\xff = 1\nid = ok\n";
	assert_int_equal(config_load_buffer("t.conf", nul, sizeof nul - 1, NULL, &cfg, &d), POS_E_CONFIG);
	assert_int_equal(d.errors, 3);
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "t.conf:2: the line holds a NUL byte; save the file as plain text"));
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "t.conf:4: the line is not valid UTF-8; save the file as UTF-8 text"));
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "t.conf:5: the line is not valid UTF-8; save the file as UTF-8 text"));
	config_diag_release(&d);

	/* A buffer over 1 MiB is refused whole. */
	size_t big = 1024 * 1024 + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '\n', big);
	assert_int_equal(config_load_buffer("big.conf", huge, big, NULL, &cfg, &d), POS_E_CONFIG);
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "big.conf: is larger than 1048576 bytes; is it the right file?"));
	config_diag_release(&d);
	/* Exactly 1 MiB of blank lines is fine. */
	assert_int_equal(config_load_buffer("big.conf", huge, big - 1, NULL, &cfg, &d), POS_OK);
	config_free(cfg);
	config_diag_release(&d);
	free(huge);
}

/* More than CONFIG_DIAG_MAX problems: counted, not all kept. */
static void test_diag_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 64 * 1024);
	assert_int_equal(buf_puts(&b, "[daraja]\n"), POS_OK);
	for (int i = 0; i < 250; i++)
		assert_int_equal(buf_puts(&b, "bad line\n"), POS_OK);
	struct config_diag d = {0};
	struct config *cfg;
	assert_int_equal(config_load_buffer("t.conf", b.data, b.len, NULL, &cfg, &d), POS_E_CONFIG);
	assert_int_equal(d.errors, 250);
	assert_int_equal(d.count, CONFIG_DIAG_MAX);
	assert_true(d.dropped >= 150);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	assert_non_null(f);
	config_diag_print(&d, f);
	fclose(f);
	assert_non_null(strstr(out, "t.conf:101: the line has no"));
	assert_non_null(strstr(out, "more not shown"));
	free(out);
	config_diag_release(&d);
	buf_release(&b);
	/* A NULL diag is allowed. */
	assert_int_equal(config_load_buffer("t.conf", "x\n", 2, NULL, &cfg, NULL), POS_E_CONFIG);
}

/* ---- precedence ------------------------------------------------------------- */

struct layer_case {
	const char *what;
	const char *file;    /* file text, or NULL for no file */
	const char *dotenv;  /* .env text, or NULL */
	const char *env[6];  /* NAME=value */
	const char *flag;    /* "section.key=value" override, or NULL */
	const char *key;
	const char *want;
	const char *source;  /* exact; "@FILE" and "@ENV" stand for the temp paths */
};

static const struct layer_case layer_cases[] = {
	{"default only", NULL, NULL, {NULL}, NULL, "daraja.timeout", "30", "default"},
	{"file over default", "[daraja]\ntimeout = 40\n", NULL, {NULL}, NULL,
	 "daraja.timeout", "40", "@FILE:2"},
	{".env over file", "[daraja]\ntimeout = 40\n", "MPESA_TIMEOUT=50\n", {NULL}, NULL,
	 "daraja.timeout", "50", "@ENV:1"},
	{"environment over .env", "[daraja]\ntimeout = 40\n", "MPESA_TIMEOUT=50\n",
	 {"MPESA_TIMEOUT=60", NULL}, NULL, "daraja.timeout", "60", "environment MPESA_TIMEOUT"},
	{"flag over environment", "[daraja]\ntimeout = 40\n", "MPESA_TIMEOUT=50\n",
	 {"MPESA_TIMEOUT=60", NULL}, "daraja.timeout=70", "daraja.timeout", "70", "flag --timeout"},
	{"MMO_ spelling", NULL, NULL, {"MMO_MPESA_TIMEOUT=61", NULL}, NULL,
	 "daraja.timeout", "61", "environment MMO_MPESA_TIMEOUT"},
	{"MPESA_ spelling wins over MMO_", NULL, NULL,
	 {"MMO_MPESA_TIMEOUT=61", "MPESA_TIMEOUT=62", NULL}, NULL,
	 "daraja.timeout", "62", "environment MPESA_TIMEOUT"},
	{"empty variable counts as unset", "[daraja]\ntimeout = 40\n", NULL,
	 {"MPESA_TIMEOUT=", NULL}, NULL, "daraja.timeout", "40", "@FILE:2"},
	{"value trimmed", NULL, NULL, {"MPESA_TIMEOUT= 33 ", NULL}, NULL,
	 "daraja.timeout", "33", "environment MPESA_TIMEOUT"},
	{"shortcode alias", "[daraja]\nbusiness_shortcode = 600111\n", NULL,
	 {"MPESA_SHORTCODE=600222", NULL}, NULL,
	 "daraja.business_shortcode", "600222", "environment MPESA_SHORTCODE"},
	{"shortcode MMO alias", NULL, NULL, {"MMO_MPESA_BUSINESS_SHORT_CODE=600333", NULL}, NULL,
	 "daraja.business_shortcode", "600333", "environment MMO_MPESA_BUSINESS_SHORT_CODE"},
	{"shortcode preferred name", NULL, NULL,
	 {"MPESA_SHORTCODE=600222", "MPESA_BUSINESS_SHORTCODE=600444", NULL}, NULL,
	 "daraja.business_shortcode", "600444", "environment MPESA_BUSINESS_SHORTCODE"},
	{"shortcode alias in .env", NULL, "export MPESA_SHORTCODE=600555\n", {NULL}, NULL,
	 "daraja.business_shortcode", "600555", "@ENV:1"},
	{"ENVIRONMENT alias", NULL, NULL, {"ENVIRONMENT=production", "MPESA_PASSKEY=pk-123456",
	 "MPESA_CONSUMER_KEY=ck-123456", "MPESA_CONSUMER_SECRET=cs-123456", NULL}, NULL,
	 "daraja.environment", "production", "environment ENVIRONMENT"},
	{"MPESA_ENVIRONMENT beats ENVIRONMENT", NULL, NULL,
	 {"ENVIRONMENT=development", "MPESA_ENVIRONMENT=sandbox", NULL}, NULL,
	 "daraja.environment", "sandbox", "environment MPESA_ENVIRONMENT"},
	{"environment word from .env, case folded", NULL, "MPESA_ENVIRONMENT='Sandbox'\n", {NULL},
	 NULL, "daraja.environment", "sandbox", "@ENV:1"},
	{"consumer key from environment", "[daraja]\nconsumer_key = from-file-1\n", NULL,
	 {"MPESA_CONSUMER_KEY=from-env-1", NULL}, NULL,
	 "daraja.consumer_key", "from-env-1", "environment MPESA_CONSUMER_KEY"},
	{"callback URL path dropped", NULL, NULL,
	 {"MPESA_CALLBACK_URL=https://shop.example.co.ke/mpesa/callback?x=1", NULL}, NULL,
	 "listener.public_url", "https://shop.example.co.ke", "environment MPESA_CALLBACK_URL"},
	{"CALLBACK_URL alias", NULL, NULL, {"CALLBACK_URL=https://a.example.co.ke:8443/cb", NULL},
	 NULL, "listener.public_url", "https://a.example.co.ke:8443", "environment CALLBACK_URL"},
	{"callback URL in .env", NULL, "MPESA_CALLBACK_URL=\"https://b.example.co.ke/x\" # mine\n",
	 {NULL}, NULL, "listener.public_url", "https://b.example.co.ke", "@ENV:1"},
	{"flag on a key with no variable", "[till]\nname = Front\n", NULL, {NULL},
	 "till.name=Back counter", "till.name", "Back counter", "flag --timeout"},
	{"key with no variable ignores look-alikes", "[till]\nname = Front\n", "TILL_NAME=x\n",
	 {"MPESA_TILL_NAME=y", NULL}, NULL, "till.name", "Front", "@FILE:2"},
	{"cert from environment", NULL, NULL, {"MPESA_CERT=/etc/passwd", NULL}, NULL,
	 "daraja.cert", "/etc/passwd", "environment MPESA_CERT"},
	{"max retries from .env", "[daraja]\nmax_retries = 1\n", "MMO_MPESA_MAX_RETRIES=2\n", {NULL},
	 NULL, "daraja.max_retries", "2", "@ENV:1"},
};

static void fill_source(char *out, size_t outsz, const char *pattern)
{
	char file[256], env[256];
	tpath(file, sizeof file, "layer.conf");
	tpath(env, sizeof env, "layer.env");
	if (str_starts_with(pattern, "@FILE"))
		str_fmt(out, outsz, "%s%s", file, pattern + 5);
	else if (str_starts_with(pattern, "@ENV"))
		str_fmt(out, outsz, "%s%s", env, pattern + 4);
	else
		str_copy(out, outsz, pattern);
}

static void test_precedence(void **state)
{
	(void)state;
	char file[256], env[256];
	tpath(file, sizeof file, "layer.conf");
	tpath(env, sizeof env, "layer.env");
	for (size_t i = 0; i < N_ELEMS(layer_cases); i++) {
		const struct layer_case *c = &layer_cases[i];
		unlink(file);
		unlink(env);
		if (c->file)
			write_text("layer.conf", c->file, 0600);
		if (c->dotenv)
			write_text("layer.env", c->dotenv, 0600);
		struct config_load_opts opts = {
			.explicit_path = c->file ? file : NULL,
			.envp = c->env,
			.dotenv_path = env,
			.no_search = true,
		};
		struct config_diag d = {0};
		struct config *cfg;
		enum pos_status st = config_load_with(&opts, &cfg, &d);
		if (st != POS_OK) {
			print_message("row %zu (%s)\n", i, c->what);
			show_diag(&d);
		}
		assert_int_equal(st, POS_OK);
		if (c->flag) {
			char name[64];
			const char *eq = strchr(c->flag, '=');
			assert_true(str_copyn(name, sizeof name, c->flag, (size_t)(eq - c->flag)));
			struct pos_err err;
			assert_int_equal(config_set_override(cfg, name, eq + 1, "flag --timeout", &err), POS_OK);
		}
		char want_source[300];
		fill_source(want_source, sizeof want_source, c->source);
		if (!str_eq(config_get_string(cfg, c->key), c->want) ||
		    !str_eq(config_source(cfg, c->key), want_source))
			print_message("row %zu (%s): got %s from %s\n", i, c->what,
			              config_get_string(cfg, c->key), config_source(cfg, c->key));
		assert_string_equal(config_get_string(cfg, c->key), c->want);
		assert_string_equal(config_source(cfg, c->key), want_source);
		config_free(cfg);
		config_diag_release(&d);
	}
}

static void test_env_warnings_and_errors(void **state)
{
	(void)state;
	char env[256];
	tpath(env, sizeof env, "warn.env");
	write_text("warn.env",
	           "# comment\n"
	           "OTHER_APP=whatever\n"
	           "not a line\n"                 /* 3: ignored with a warning */
	           "MPESA_TIMEOUT=\"12\n"         /* 4: unclosed quote */
	           "MPESA_MAX_RETRIES=abc\n",     /* 5: our variable, bad value */
	           0600);
	const char *const envp[] = {
		"MPESA_CALLBACK_URL=https://shop.example.co.ke/mpesa/cb",
		"MPESA_BUSINESS_SHORTCODE=600100",
		"MPESA_SHORTCODE=600200",
		"ENVIRONMENT=development",
		NULL,
	};
	struct config_load_opts opts = {.envp = envp, .dotenv_path = env, .no_search = true};
	struct config_diag d = {0};
	struct config *cfg;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	char w3[400], w4[400], e5[400];
	str_fmt(w3, sizeof w3, "%s:3: cannot read this line; write NAME=value (line ignored)", env);
	str_fmt(w4, sizeof w4, "%s:4: the quote is not closed (a value on several lines is not "
	        "supported) (line ignored)", env);
	str_fmt(e5, sizeof e5, "%s:5 (MPESA_MAX_RETRIES): [daraja] max_retries: \"abc\" is not a "
	        "whole number; allowed 0..10 retries", env);
	static const char *const want_warn[] = {
		"environment MPESA_CALLBACK_URL: [listener] public_url: the path \"/mpesa/cb\" is "
		"ignored because mpesa-pos adds its own callback paths; using https://shop.example.co.ke",
		"environment: both MPESA_BUSINESS_SHORTCODE and MPESA_SHORTCODE are set and differ; "
		"using MPESA_BUSINESS_SHORTCODE for [daraja] business_shortcode",
	};
	for (size_t i = 0; i < N_ELEMS(want_warn); i++)
		assert_true(diag_has(&d, CONFIG_WARNING, want_warn[i]));
	if (!diag_has(&d, CONFIG_WARNING, w3) || !diag_has(&d, CONFIG_WARNING, w4) ||
	    !diag_has(&d, CONFIG_ERROR, e5))
		show_diag(&d);
	assert_true(diag_has(&d, CONFIG_WARNING, w3));
	assert_true(diag_has(&d, CONFIG_WARNING, w4));
	assert_true(diag_has(&d, CONFIG_ERROR, e5));
	assert_true(diag_has(&d, CONFIG_ERROR,
	                     "environment ENVIRONMENT: [daraja] environment: \"development\" is not one "
	                     "of the choices; allowed sandbox or production (if ENVIRONMENT belongs to "
	                     "another program, set MPESA_ENVIRONMENT, which comes first)"));
	assert_int_equal(d.errors, 2);
	config_diag_release(&d);

	/* A path in MPESA_CALLBACK_URL is dropped; in the file it is refused. */
	const char *const cb[] = {"MPESA_CALLBACK_URL=https://x.example.co.ke/", NULL};
	opts = (struct config_load_opts){.envp = cb, .dotenv_path = "", .no_search = true};
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_string_equal(cfg->listener.public_url, "https://x.example.co.ke");
	assert_false(diag_contains(&d, "is ignored")); /* a bare "/" is no path */
	config_free(cfg);
	config_diag_release(&d);
}

/* The .env reader, row by row (text given in memory). */
static const struct dotenv_case {
	const char *text;
	size_t len;          /* 0: strlen(text) */
	const char *key;
	const char *want;    /* effective value */
	int level;           /* -1: no diagnostic; else CONFIG_WARNING / CONFIG_ERROR */
	const char *diag;    /* part of the diagnostic */
} dotenv_cases[] = {
	{"MPESA_TIMEOUT=5", 0, "daraja.timeout", "5", -1, NULL},
	{"export MPESA_TIMEOUT=5\n", 0, "daraja.timeout", "5", -1, NULL},
	{"export\tMPESA_TIMEOUT = 5 \n", 0, "daraja.timeout", "5", -1, NULL},
	{"MPESA_TIMEOUT='5'\n", 0, "daraja.timeout", "5", -1, NULL},
	{"MPESA_TIMEOUT=\"5\"   # seconds\n", 0, "daraja.timeout", "5", -1, NULL},
	{"MPESA_TIMEOUT=5 # seconds\n", 0, "daraja.timeout", "5", -1, NULL},
	{"\xef\xbb\xbfMPESA_TIMEOUT=5\r\n", 0, "daraja.timeout", "5", -1, NULL},
	{"# MPESA_TIMEOUT=5\n", 0, "daraja.timeout", "30", -1, NULL},
	{"MPESA_TIMEOUT=5\nMPESA_TIMEOUT=6\n", 0, "daraja.timeout", "6", -1, NULL},
	{"MPESA_TIMEOUT=5\nMPESA_TIMEOUT=\n", 0, "daraja.timeout", "30", -1, NULL},
	{"exportMPESA_TIMEOUT=5\n", 0, "daraja.timeout", "30", -1, NULL},
	{"MPESA_TIMEOUT=5#c\n", 0, "daraja.timeout", "30", CONFIG_ERROR,
	 ".env:1 (MPESA_TIMEOUT): [daraja] timeout: \"5#c\" is not a whole number"},
	{"MPESA_TIMEOUT=5\0\n", 16, "daraja.timeout", "30", CONFIG_WARNING,
	 ".env:1: the line holds a NUL byte; save the file as plain text (line ignored)"},
	{"MPESA_TIMEOUT=\xff\n", 0, "daraja.timeout", "30", CONFIG_WARNING,
	 ".env:1: the line is not valid UTF-8"},
	{"MPESA_TIMEOUT\n", 0, "daraja.timeout", "30", CONFIG_WARNING,
	 ".env:1: cannot read this line; write NAME=value (line ignored)"},
	{"\n=5\n", 0, "daraja.timeout", "30", CONFIG_WARNING, ".env:2: cannot read this line"},
	{"9X=1\n", 0, "daraja.timeout", "30", CONFIG_WARNING, ".env:1: cannot read this line"},
	{"MPESA_TIMEOUT='5\n", 0, "daraja.timeout", "30", CONFIG_WARNING,
	 ".env:1: the quote is not closed"},
	{"MPESA_TIMEOUT='5' x\n", 0, "daraja.timeout", "30", CONFIG_WARNING,
	 ".env:1: text after the closing quote; remove it (line ignored)"},
	{"MPESA_TIMEOUT=\"5\\\"\n", 0, "daraja.timeout", "30", CONFIG_WARNING,
	 ".env:1: the quote is not closed"},
	{"MPESA_INITIATOR_NAME=\"a\\\"b\\\\c\"\n", 0, "daraja.initiator_name", "a\"b\\c", -1, NULL},
	{"MPESA_INITIATOR_NAME='a\\nb'\n", 0, "daraja.initiator_name", "a\\nb", -1, NULL},
	{"MPESA_INITIATOR_NAME=\"\xe2\x80\x94 dash\"\n", 0, "daraja.initiator_name",
	 "\xe2\x80\x94 dash", -1, NULL},
	{"MPESA_ENVIRONMENT=live\n", 0, "daraja.environment", "sandbox", CONFIG_ERROR,
	 ".env:1 (MPESA_ENVIRONMENT): [daraja] environment: \"live\" is not one of the choices; "
	 "allowed sandbox or production"},
};

static void test_dotenv_rows(void **state)
{
	(void)state;
	char longline[5100];
	memset(longline, 'x', sizeof longline);
	memcpy(longline, "MPESA_TIMEOUT=", 14);
	for (size_t i = 0; i <= N_ELEMS(dotenv_cases); i++) {
		struct dotenv_case c;
		if (i < N_ELEMS(dotenv_cases))
			c = dotenv_cases[i];
		else /* an overlong line */
			c = (struct dotenv_case){longline, sizeof longline, "daraja.timeout", "30",
			                         CONFIG_WARNING, ".env:1: the line is longer than 4096 bytes"};
		struct config_load_opts opts = {.envp = no_env, .dotenv_text = c.text,
		                                .dotenv_len = c.len ? c.len : strlen(c.text)};
		struct config_diag d = {0};
		struct config *cfg = NULL;
		enum pos_status st = config_load_buffer("t.conf", "", 0, &opts, &cfg, &d);
		bool want_ok = c.level != CONFIG_ERROR;
		if ((st == POS_OK) != want_ok || (c.diag && !diag_contains(&d, c.diag))) {
			print_message("row %zu\n", i);
			show_diag(&d);
		}
		assert_int_equal(st == POS_OK, want_ok);
		if (c.diag) {
			assert_true(diag_contains(&d, c.diag));
			for (size_t j = 0; j < d.count; j++)
				if (strstr(d.items[j].text, c.diag))
					assert_int_equal(d.items[j].level, c.level);
		} else {
			assert_false(diag_contains(&d, ".env"));
		}
		if (cfg)
			assert_string_equal(config_get_string(cfg, c.key), c.want);
		config_free(cfg);
		config_diag_release(&d);
	}
}

/* A missing .env is fine; a .env that is a folder is not. */
static void test_dotenv_files(void **state)
{
	(void)state;
	char missing[256];
	tpath(missing, sizeof missing, "no-such.env");
	struct config_load_opts opts = {.envp = no_env, .dotenv_path = missing, .no_search = true};
	struct config_diag d = {0};
	struct config *cfg;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	config_free(cfg);
	config_diag_release(&d);
	opts.dotenv_path = tmpdir;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	assert_true(diag_contains(&d, "is a folder, not a file"));
	config_diag_release(&d);

	/* python-dotenv forms. */
	char env[256];
	tpath(env, sizeof env, "forms.env");
	write_text("forms.env",
	           "export MPESA_PASSKEY = 'pk # not a comment'\n"
	           "MPESA_CONSUMER_KEY=\"ck \\\"quoted\\\" \\\\ key\"\n"
	           "MPESA_CONSUMER_SECRET=plain-secret # a comment\n"
	           "MPESA_INITIATOR_NAME=#notcomment\n"
	           "MPESA_TIMEOUT=1\n"
	           "MPESA_TIMEOUT=2\n",            /* the last one wins */
	           0600);
	opts.dotenv_path = env;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_true(strcmp(cfg->daraja.passkey, "pk # not a comment") == 0);
	assert_true(strcmp(cfg->daraja.consumer_key, "ck \"quoted\" \\ key") == 0);
	assert_true(strcmp(cfg->daraja.consumer_secret, "plain-secret") == 0);
	assert_string_equal(cfg->daraja.initiator_name, "#notcomment");
	assert_int_equal(cfg->daraja.timeout, 2);
	config_free(cfg);
	config_diag_release(&d);
}

/* ---- secrets and permissions ------------------------------------------------- */

static void test_secrets_registered_and_masked(void **state)
{
	(void)state;
	static const char passkey[] = "pk-file-5e1f0a77";
	static const char initiator[] = "init-env-9c2d4b11";
	static const char webhook[] = "wh-secret-7a7a7a7a";
	static const char ckey[] = "ck-sensitive-0123456789";
	char conf[256], logpath[256];
	tpath(conf, sizeof conf, "secret.conf");
	tpath(logpath, sizeof logpath, "secret.log");
	char text[512];
	str_fmt(text, sizeof text,
	        "[daraja]\npasskey = %s\nconsumer_key = %s\n[bus]\nwebhook_secret = \"%s\"\n",
	        passkey, ckey, webhook);
	write_text("secret.conf", text, 0600);
	char envvar[128];
	str_fmt(envvar, sizeof envvar, "MPESA_INITIATOR_PASSWORD=%s", initiator);
	const char *const envp[] = {envvar, NULL};
	struct config_load_opts opts = {.explicit_path = conf, .envp = envp, .dotenv_path = "",
	                                .no_search = true};
	struct config *cfg;
	log_secrets_clear();
	assert_int_equal(config_load_with(&opts, &cfg, NULL), POS_OK);

	/* The logger masks every secret the loader read. */
	struct pos_err err;
	assert_int_equal(log_open(logpath, LOG_DEBUG, &err), POS_OK);
	log_info("test", "passkey=%s initiator=%s hook=%s key=%s", cfg->daraja.passkey,
	         cfg->daraja.initiator_password, cfg->bus.webhook_secret, cfg->daraja.consumer_key);
	log_close();
	char *logged = read_all(logpath, NULL);
	assert_non_null(logged);
	assert_null(strstr(logged, passkey));
	assert_null(strstr(logged, initiator));
	assert_null(strstr(logged, webhook));
	assert_null(strstr(logged, ckey));
	assert_non_null(strstr(logged, "[secret]"));
	free(logged);

	/* config check's listing masks them; unmasked shows them. */
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	config_print(cfg, f, true);
	fclose(f);
	assert_null(strstr(out, passkey));
	assert_null(strstr(out, initiator));
	assert_null(strstr(out, webhook));
	assert_null(strstr(out, ckey));
	char want[512];
	str_fmt(want, sizeof want, "[daraja] passkey = ********  (%s:2)\n", conf);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "[daraja] initiator_password = ********  "
	                            "(environment MPESA_INITIATOR_PASSWORD)\n"));
	str_fmt(want, sizeof want, "[daraja] consumer_key = ck-s********  (%s:3)\n", conf);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "[daraja] consumer_secret = (not set)  (default)\n"));
	assert_non_null(strstr(out, "[daraja] timeout = 30  (default)\n"));
	free(out);
	out = NULL;
	f = open_memstream(&out, &outlen);
	config_print(cfg, f, false);
	fclose(f);
	assert_non_null(strstr(out, passkey));
	free(out);
	config_free(cfg);

	/* A secret in a value that is refused is still masked. */
	log_secrets_clear();
	static const char bad[] = "[daraja]\npasskey = \"pk-unclosed-31415\n";
	assert_int_equal(config_load_buffer("t.conf", bad, strlen(bad), NULL, &cfg, NULL), POS_E_CONFIG);
	char masked[128];
	log_mask("x \"pk-unclosed-31415 y", masked, sizeof masked);
	assert_null(strstr(masked, "pk-unclosed-31415"));
	log_secrets_clear();
}

static void test_permissions(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		mode_t mode;
		bool ok;
		const char *why; /* after "FILE: " */
	} cases[] = {
		{"[daraja]\npasskey = pk-0123456789\n", 0600, true, NULL},
		{"[daraja]\npasskey = pk-0123456789\n", 0400, true, NULL},
		{"[daraja]\npasskey = pk-0123456789\n", 0644, false,
		 "holds secrets (passkey) but other users can read it (mode 0644); run: chmod 600 "},
		{"[daraja]\npasskey = pk-0123456789\nconsumer_secret = cs-0123456789\n", 0640, false,
		 "holds secrets (passkey, consumer_secret) but other users can read it (mode 0640); "
		 "run: chmod 600 "},
		{"[bus]\nwebhook_secret = wh-0123456789\n", 0620, false,
		 "holds secrets (webhook_secret) but other users can change it (mode 0620); run: chmod 600 "},
		{"[daraja]\npasskey = pk-0123456789\n", 0701, false,
		 "holds secrets (passkey) but it is open to other users (mode 0701); run: chmod 600 "},
		/* No secret: any mode will do (the key is sensitive, not secret). */
		{"[daraja]\ntimeout = 20\nconsumer_key = ck-0123456789\n", 0644, true, NULL},
		/* An empty secret is no secret. */
		{"[daraja]\npasskey =\n", 0644, true, NULL},
	};
	char conf[256];
	tpath(conf, sizeof conf, "perm.conf");
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		write_text("perm.conf", cases[i].text, cases[i].mode);
		struct config_load_opts opts = {.explicit_path = conf, .envp = no_env,
		                                .dotenv_path = "", .no_search = true};
		struct config_diag d = {0};
		struct config *cfg;
		enum pos_status st = config_load_with(&opts, &cfg, &d);
		if ((st == POS_OK) != cases[i].ok) {
			print_message("row %zu\n", i);
			show_diag(&d);
		}
		assert_int_equal(st == POS_OK, cases[i].ok);
		if (!cases[i].ok) {
			char want[600];
			str_fmt(want, sizeof want, "%s: %s%s", conf, cases[i].why, conf);
			assert_true(diag_has(&d, CONFIG_ERROR, want));
			assert_int_equal(d.errors, 1);
		}
		config_free(cfg);
		config_diag_release(&d);
	}
	/* The same rule for .env. */
	char env[256];
	tpath(env, sizeof env, "perm.env");
	write_text("perm.env", "MPESA_PASSKEY=pk-0123456789\nOTHER=1\n", 0644);
	struct config_load_opts opts = {.envp = no_env, .dotenv_path = env, .no_search = true};
	struct config_diag d = {0};
	struct config *cfg;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	char want[600];
	str_fmt(want, sizeof want, "%s: holds secrets (MPESA_PASSKEY) but other users can read it "
	        "(mode 0644); run: chmod 600 %s", env, env);
	assert_true(diag_has(&d, CONFIG_ERROR, want));
	config_diag_release(&d);
	write_text("perm.env", "MPESA_TIMEOUT=20\n", 0644);
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	config_free(cfg);
	config_diag_release(&d);
}

/* ---- finding the file --------------------------------------------------------- */

static void test_search_path(void **state)
{
	(void)state;
	char cwd[1024], home[256], xdg[256], sub[256], path[300];
	assert_non_null(getcwd(cwd, sizeof cwd));
	tpath(home, sizeof home, "home");
	tpath(xdg, sizeof xdg, "xdg");
	tpath(sub, sizeof sub, "work");
	assert_int_equal(mkdir(home, 0700), 0);
	assert_int_equal(mkdir(xdg, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	char homecfg[300];
	str_fmt(homecfg, sizeof homecfg, "%s/.config", home);
	assert_int_equal(mkdir(homecfg, 0700), 0);
	str_fmt(homecfg, sizeof homecfg, "%s/.config/mpesa-pos", home);
	assert_int_equal(mkdir(homecfg, 0700), 0);
	str_fmt(path, sizeof path, "%s/xdg/mpesa-pos", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	write_text("home/.config/mpesa-pos/mpesa-pos.conf", "[till]\nid = from-home\n", 0600);
	write_text("xdg/mpesa-pos/mpesa-pos.conf", "[till]\nid = from-xdg\n", 0600);

	char envhome[300], envxdg[300];
	str_fmt(envhome, sizeof envhome, "HOME=%s", home);
	str_fmt(envxdg, sizeof envxdg, "XDG_CONFIG_HOME=%s", xdg);
	const char *const only_home[] = {envhome, NULL};
	const char *const with_xdg[] = {envhome, envxdg, NULL};
	const char *const relative_xdg[] = {envhome, "XDG_CONFIG_HOME=relative/dir", NULL};
	assert_int_equal(chdir(sub), 0);

	struct config_load_opts opts = {.envp = only_home, .dotenv_path = ""};
	struct config *cfg;
	struct config_diag d = {0};
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_string_equal(cfg->till.id, "from-home");
	/* Relative path defaults follow the file's directory. */
	str_fmt(path, sizeof path, "%s/.config/mpesa-pos/mpesa-pos.db", home);
	assert_string_equal(cfg->store.path, path);
	config_free(cfg);

	opts.envp = with_xdg;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_string_equal(cfg->till.id, "from-xdg");
	config_free(cfg);

	opts.envp = relative_xdg; /* not absolute: ignored, as the XDG spec says */
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_string_equal(cfg->till.id, "from-home");
	config_free(cfg);

	/* ./mpesa-pos.conf comes first. */
	write_text("work/mpesa-pos.conf",
	           "[till]\nid = from-cwd\n[store]\npath = data/pos.db\n[log]\npath = ~/pos.log\n"
	           "[ui]\nreceipt_dir = /srv/receipts\n", 0600);
	opts.envp = with_xdg;
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_string_equal(cfg->till.id, "from-cwd");
	assert_string_equal(config_file_path(cfg), "mpesa-pos.conf");
	assert_string_equal(cfg->store.path, "data/pos.db");
	str_fmt(path, sizeof path, "%s/pos.log", home);
	assert_string_equal(cfg->log.path, path);
	assert_string_equal(cfg->ui.receipt_dir, "/srv/receipts");
	config_free(cfg);

	/* --config in another folder: its relative paths follow it; paths from
	 * the environment stay relative to the working directory. */
	write_text("other.conf", "[store]\npath = pos.db\n", 0600);
	str_fmt(path, sizeof path, "%s/other.conf", tmpdir);
	const char *const env_paths[] = {envhome, "MPESA_CERT=../other.conf", NULL};
	opts = (struct config_load_opts){.explicit_path = path, .envp = env_paths, .dotenv_path = ""};
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	char want[400];
	str_fmt(want, sizeof want, "%s/pos.db", tmpdir);
	assert_string_equal(cfg->store.path, want);
	str_fmt(want, sizeof want, "%s/mpesa-pos.log", tmpdir);
	assert_string_equal(cfg->log.path, want);
	assert_string_equal(cfg->daraja.cert, "../other.conf");
	config_free(cfg);

	/* --config naming a missing file is an error; so is an empty name and a
	 * folder; no file at all is fine. */
	opts = (struct config_load_opts){.explicit_path = "missing.conf", .envp = no_env,
	                                 .dotenv_path = ""};
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	assert_null(cfg);
	assert_true(diag_has(&d, CONFIG_ERROR, "missing.conf: no such file (named by --config); "
	                     "check the path, or leave --config out to use ./mpesa-pos.conf"));
	config_diag_release(&d);
	opts.explicit_path = "";
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	config_diag_release(&d);
	opts.explicit_path = ".";
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	assert_true(diag_has(&d, CONFIG_ERROR, ".: is a folder, not a file"));
	config_diag_release(&d);
	unlink("mpesa-pos.conf");
	opts = (struct config_load_opts){.envp = no_env, .dotenv_path = ""};
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_OK);
	assert_null(config_file_path(cfg));
	assert_string_equal(cfg->store.path, "mpesa-pos.db");
	config_free(cfg);
	/* ./mpesa-pos.conf that is a folder is an error, not skipped. */
	assert_int_equal(mkdir("mpesa-pos.conf", 0700), 0);
	assert_int_equal(config_load_with(&opts, &cfg, &d), POS_E_CONFIG);
	assert_true(diag_has(&d, CONFIG_ERROR, "mpesa-pos.conf: is a folder, not a file"));
	config_diag_release(&d);
	assert_int_equal(rmdir("mpesa-pos.conf"), 0);
	/* config_load() reads the process environment and ./.env. */
	write_text("work/.env", "MPESA_TIMEOUT=77\nMPESA_MAX_RETRIES=4\n", 0600);
	char *old_xdg = getenv("XDG_CONFIG_HOME") ? strdup(getenv("XDG_CONFIG_HOME")) : NULL;
	char *old_timeout = getenv("MPESA_TIMEOUT") ? strdup(getenv("MPESA_TIMEOUT")) : NULL;
	assert_int_equal(setenv("XDG_CONFIG_HOME", sub, 1), 0); /* holds no mpesa-pos/ */
	assert_int_equal(setenv("MPESA_TIMEOUT", "88", 1), 0);
	unsetenv("MPESA_MAX_RETRIES");
	unsetenv("MMO_MPESA_MAX_RETRIES");
	assert_int_equal(config_load(NULL, &cfg, &d), POS_OK);
	assert_int_equal(cfg->daraja.timeout, 88);
	assert_int_equal(cfg->daraja.max_retries, 4);
	assert_string_equal(config_source(cfg, "daraja.max_retries"), ".env:2");
	config_free(cfg);
	config_diag_release(&d);
	if (old_xdg)
		setenv("XDG_CONFIG_HOME", old_xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (old_timeout)
		setenv("MPESA_TIMEOUT", old_timeout, 1);
	else
		unsetenv("MPESA_TIMEOUT");
	free(old_xdg);
	free(old_timeout);
	assert_int_equal(chdir(cwd), 0);
}

/* ---- overrides, labels, rules ---------------------------------------------------- */

static void test_override(void **state)
{
	(void)state;
	struct config *cfg = load_ok("[daraja]\ntimeout = 40\n");
	struct pos_err err;
	assert_int_equal(config_set_override(cfg, "daraja.timeout", "2m", "flag --timeout", &err), POS_OK);
	assert_int_equal(cfg->daraja.timeout, 120);
	assert_string_equal(config_source(cfg, "daraja.timeout"), "flag --timeout");
	assert_int_equal(config_set_override(cfg, "listener.bind", "127.0.0.1:0", NULL, &err), POS_OK);
	assert_string_equal(config_source(cfg, "listener.bind"), "flag");
	assert_string_equal(cfg->listener.bind, "127.0.0.1:0");

	assert_int_equal(config_set_override(cfg, "daraja.timeout", "abc", "flag --timeout", &err),
	                 POS_E_CONFIG);
	assert_string_equal(err.field, "[daraja] timeout");
	assert_string_equal(err.msg, "flag --timeout: [daraja] timeout: \"abc\" is not a whole number");
	assert_string_equal(err.hint, "allowed 1..300 seconds");
	assert_int_equal(cfg->daraja.timeout, 120); /* unchanged */

	assert_int_equal(config_set_override(cfg, "daraja.nope", "1", "flag", &err), POS_E_NOT_FOUND);
	assert_int_equal(config_set_override(cfg, NULL, "1", "flag", &err), POS_E_NOT_FOUND);
	assert_int_equal(config_set_override(cfg, "daraja.timeout", NULL, "flag", &err), POS_E_NOT_FOUND);

	/* The rules across keys are checked again. */
	assert_int_equal(config_set_override(cfg, "listener.tls", "on", "flag --tls", &err), POS_E_CONFIG);
	assert_non_null(strstr(err.msg, "flag --tls: [listener] tls: true is refused"));
	config_free(cfg);

	cfg = load_ok("");
	assert_int_equal(config_set_override(cfg, "daraja.environment", "production", "flag --live", &err),
	                 POS_E_CONFIG);
	assert_non_null(strstr(err.msg, "not set, and production needs it"));
	config_free(cfg);

	/* A secret given as a flag is masked in logs too. */
	log_secrets_clear();
	cfg = load_ok("");
	assert_int_equal(config_set_override(cfg, "daraja.passkey", "flag-pk-271828", "flag --passkey", &err),
	                 POS_OK);
	char masked[64];
	log_mask("flag-pk-271828", masked, sizeof masked);
	assert_string_equal(masked, "[secret]");
	config_free(cfg);
	log_secrets_clear();
}

static void test_backend_label(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *label;
		const char *url;
	} cases[] = {
		{"", "SANDBOX", "https://sandbox.safaricom.co.ke"},
		{"[daraja]\nbase_url = http://127.0.0.1:8080\n", "SIMULATOR", "http://127.0.0.1:8080"},
		{"[daraja]\nbase_url = http://127.9.9.9:1/\n", "SIMULATOR", "http://127.9.9.9:1"},
		{"[daraja]\nbase_url = http://localhost:8080/api//\n", "SIMULATOR", "http://localhost:8080/api"},
		{"[daraja]\nbase_url = http://LOCALHOST\n", "SIMULATOR", "http://LOCALHOST"},
		{"[daraja]\nbase_url = http://[::1]:9000\n", "SIMULATOR", "http://[::1]:9000"},
		{"[daraja]\nbase_url = http://[::ffff:127.0.0.1]:9000\n", "SIMULATOR",
		 "http://[::ffff:127.0.0.1]:9000"},
		{"[daraja]\nbase_url = http://128.0.0.1:8080\n", "SANDBOX", "http://128.0.0.1:8080"},
		{"[daraja]\nbase_url = http://localhost.example.com\n", "SANDBOX",
		 "http://localhost.example.com"},
		{"[daraja]\nbase_url = http://10.0.0.1:8080\n", "SANDBOX", "http://10.0.0.1:8080"},
		{"[daraja]\nenvironment = production\nconsumer_key = ck-123456\nconsumer_secret = cs-123456\n"
		 "passkey = pk-123456\nbusiness_shortcode = 555555\n",
		 "PRODUCTION", "https://api.safaricom.co.ke"},
		{"[daraja]\nenvironment = production\nbase_url = http://127.0.0.1:8080\n", "SIMULATOR",
		 "http://127.0.0.1:8080"},
		{"[daraja]\nenvironment = production\nbase_url = https://proxy.example.co.ke/\n"
		 "consumer_key = ck-123456\nconsumer_secret = cs-123456\npasskey = pk-123456\n",
		 "PRODUCTION", "https://proxy.example.co.ke"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		struct config_diag d = {0};
		struct config *cfg;
		enum pos_status st = config_load_buffer("t.conf", cases[i].text, strlen(cases[i].text),
		                                        NULL, &cfg, &d);
		if (st != POS_OK)
			show_diag(&d);
		assert_int_equal(st, POS_OK);
		assert_string_equal(config_backend_label(cfg), cases[i].label);
		assert_string_equal(config_daraja_base_url(cfg), cases[i].url);
		/* Against the simulator, missing credentials are not even a warning. */
		if (strcmp(cases[i].label, "SIMULATOR") == 0)
			assert_false(diag_contains(&d, "not set"));
		config_free(cfg);
		config_diag_release(&d);
	}
}

static void test_rule_warnings(void **state)
{
	(void)state;
	struct config_diag d = {0};
	struct config *cfg;
	static const char prod[] =
		"[daraja]\nenvironment = production\nconsumer_key = ck-123456\nconsumer_secret = cs-123456\n"
		"passkey = pk-123456\nbase_url = https://sandbox.safaricom.co.ke\n"
		"[listener]\npublic_url = http://pos.example.co.ke\n";
	assert_int_equal(config_load_buffer("t.conf", prod, strlen(prod), NULL, &cfg, &d), POS_OK);
	assert_true(diag_has(&d, CONFIG_WARNING,
	                     "t.conf: [daraja] business_shortcode: 174379 is the sandbox test shortcode, "
	                     "but environment is production; set your own paybill or head-office number"));
	assert_true(diag_has(&d, CONFIG_WARNING, "t.conf:8: [listener] public_url: Safaricom expects "
	                     "https:// callback URLs in production"));
	assert_true(diag_has(&d, CONFIG_WARNING, "t.conf:6: [daraja] base_url: points at the sandbox, "
	                     "but environment is production"));
	assert_int_equal(d.errors, 0);
	config_free(cfg);
	config_diag_release(&d);

	/* Sandbox with no credentials: warnings, not errors. */
	assert_int_equal(config_load_buffer("t.conf", "", 0, NULL, &cfg, &d), POS_OK);
	assert_true(diag_has(&d, CONFIG_WARNING, "t.conf: [daraja] passkey: not set: calls to the Daraja "
	                     "sandbox will fail until it is set (in the file or in MPESA_PASSKEY)"));
	assert_int_equal(d.warnings, 3);
	config_free(cfg);
	config_diag_release(&d);

	/* Initiator password expiry, against the pinned clock (2025-03-14). */
	static const struct {
		const char *text;
		const char *want; /* NULL: no warning */
	} cases[] = {
		{"[daraja]\ninitiator_password_set_on = 2025-01-01\n", NULL},
		{"[daraja]\ninitiator_password_set_on = 2024-12-20\n",
		 "t.conf:2: [daraja] initiator_password_set_on: the initiator password expires on "
		 "2025-03-20 (in 6 days); change it on the M-Pesa portal before then"},
		{"[daraja]\ninitiator_password_set_on = 2024-12-01\n",
		 "t.conf:2: [daraja] initiator_password_set_on: the initiator password expired on "
		 "2025-03-01; change it on the M-Pesa portal, then update initiator_password and "
		 "initiator_password_set_on"},
		{"[daraja]\ninitiator_password_set_on = 2025-03-01\ninitiator_password_days = 10\n",
		 "t.conf:2: [daraja] initiator_password_set_on: the initiator password expired on 2025-03-11"},
	};
	for (size_t i = 0; i < N_ELEMS(cases); i++) {
		assert_int_equal(config_load_buffer("t.conf", cases[i].text, strlen(cases[i].text), NULL, &cfg, &d),
		                 POS_OK);
		if (cases[i].want) {
			if (!diag_contains(&d, cases[i].want))
				show_diag(&d);
			assert_true(diag_contains(&d, cases[i].want));
		} else {
			assert_false(diag_contains(&d, "initiator password"));
		}
		config_free(cfg);
		config_diag_release(&d);
	}
	/* Dates become typed fields. */
	cfg = load_ok("[daraja]\ninitiator_password_set_on = 2025-03-14\n");
	assert_int_equal(cfg->daraja.initiator_password_set_on, 1741899600); /* 00:00 EAT */
	int64_t v;
	assert_true(config_get_int(cfg, "daraja.initiator_password_set_on", &v));
	assert_int_equal(v, 1741899600);
	config_free(cfg);
}

static void test_typed_fields_and_getters(void **state)
{
	(void)state;
	char cert[256];
	tpath(cert, sizeof cert, "prod.cer");
	write_text("prod.cer", "-----BEGIN CERTIFICATE-----\n", 0644);
	char text[1024];
	str_fmt(text, sizeof text,
	        "[daraja]\ncert = %s\ntimeout = 1m\n"
	        "[listener]\nallow = 196.201.214.0/24, ::1\nbind = [::1]:0\ntls = no\n"
	        "c2b_max_amount = 70000\n"
	        "[bus]\nbackends = jsonl, redis\nredis_address = redis.local:6380\n"
	        "[ui]\nascii = yes\nbell = off\n",
	        cert);
	struct config *cfg = load_ok(text);
	assert_string_equal(cfg->daraja.cert, cert);
	assert_int_equal(cfg->daraja.timeout, 60);
	assert_int_equal(cfg->listener.c2b_max_amount, 70000);
	assert_true(cfg->ui.ascii);
	assert_false(cfg->ui.bell);
	assert_false(cfg->listener.tls);
	assert_true(config_list_has(cfg->bus.backends, "redis"));
	assert_true(config_list_has(cfg->bus.backends, "jsonl"));
	assert_false(config_list_has(cfg->bus.backends, "json"));
	assert_false(config_list_has(cfg->bus.backends, "webhook"));
	assert_false(config_list_has(NULL, "jsonl"));

	int64_t v;
	bool b;
	assert_true(config_get_int(cfg, "daraja.timeout", &v));
	assert_int_equal(v, 60);
	assert_true(config_get_int(cfg, "ui.ascii", &v));
	assert_int_equal(v, 1);
	assert_false(config_get_int(cfg, "till.name", &v));
	assert_false(config_get_int(cfg, "no.such", &v));
	assert_true(config_get_bool(cfg, "ui.bell", &b));
	assert_false(b);
	assert_false(config_get_bool(cfg, "daraja.timeout", &b));
	assert_string_equal(config_get_string(cfg, "ui.ascii"), "true");
	assert_string_equal(config_get_string(cfg, "daraja.timeout"), "60");
	assert_null(config_get_string(cfg, "no.such"));
	assert_null(config_source(cfg, "no.such"));
	assert_null(config_get_string(NULL, "daraja.timeout"));

	char host[64];
	unsigned port;
	assert_true(config_hostport_split(cfg->listener.bind, host, sizeof host, &port));
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_true(config_hostport_split(cfg->bus.redis_address, host, sizeof host, &port));
	assert_string_equal(host, "redis.local");
	assert_int_equal(port, 6380);
	assert_false(config_hostport_split("nonsense", host, sizeof host, &port));
	assert_false(config_hostport_split("averyveryverylonghostname.example:1", host, 8, &port));

	struct config_cidr set[CONFIG_CIDR_MAX];
	int n = config_cidr_parse(cfg->listener.allow, set, CONFIG_CIDR_MAX);
	assert_int_equal(n, 2);
	static const struct {
		const char *ip;
		bool in;
	} ips[] = {
		{"196.201.214.200", true}, {"196.201.214.0", true}, {"196.201.215.1", false},
		{"::1", true}, {"::2", false}, {"::ffff:196.201.214.7", true},
		{"not an ip", false}, {"", false}, {"196.201.214.200 ", false},
	};
	for (size_t i = 0; i < N_ELEMS(ips); i++)
		assert_int_equal(config_cidr_match(set, (size_t)n, ips[i].ip), ips[i].in);
	assert_false(config_cidr_match(set, (size_t)n, NULL));
	assert_int_equal(config_cidr_parse("10.0.0.0/8, 10.0.0.1", set, 1), -1); /* too many */
	assert_int_equal(config_cidr_parse("nope", set, 4), -1);
	n = config_cidr_parse("10.1.2.3/12, fe80::/10, 0.0.0.0/0", set, 4);
	assert_int_equal(n, 3);
	assert_true(config_cidr_match(set, 1, "10.15.255.255"));
	assert_false(config_cidr_match(set, 1, "10.16.0.0"));
	assert_true(config_cidr_match(set + 1, 1, "fe80::1"));
	assert_true(config_cidr_match(set + 2, 1, "8.8.8.8"));
	assert_false(config_cidr_match(set + 2, 1, "2001:db8::1"));
	assert_int_equal(config_cidr_parse("", set, 4), 0);

	static const struct {
		const char *host;
		bool loop;
	} hosts[] = {
		{"localhost", true}, {"LocalHost", true}, {"127.0.0.1", true}, {"127.255.0.9", true},
		{"::1", true}, {"[::1]", true}, {"::ffff:127.0.0.2", true}, {"128.0.0.1", false},
		{"0.0.0.0", false}, {"::", false}, {"localhost.evil.com", false}, {"", false},
		{"[", false}, {NULL, false},
	};
	for (size_t i = 0; i < N_ELEMS(hosts); i++)
		assert_int_equal(config_host_is_loopback(hosts[i].host), hosts[i].loop);
	config_free(cfg);

	/* Sections, in file order. */
	const char *help;
	assert_string_equal(config_section_at(0, &help), "daraja");
	assert_non_null(help);
	assert_string_equal(config_section_at(7, NULL), "log");
	assert_string_equal(config_section_at(8, NULL), "api");
	assert_null(config_section_at(9, NULL));
}

/* ---- the generated files ------------------------------------------------------ */

/* Compare what the program generates with the committed file. */
static void check_generated(const char *rel, void (*gen)(FILE *), const char *command)
{
	char *want = NULL;
	size_t wantlen = 0;
	FILE *f = open_memstream(&want, &wantlen);
	assert_non_null(f);
	gen(f);
	assert_int_equal(fclose(f), 0);
	size_t havelen = 0;
	char *have = read_all(rel, &havelen);
	if (!have) {
		print_message("%s is missing (tests run from the top of the tree); create it with:\n"
		              "  %s > %s\n", rel, command, rel);
		fail();
	}
	if (havelen != wantlen || memcmp(have, want, wantlen) != 0) {
		size_t i = 0;
		while (i < havelen && i < wantlen && have[i] == want[i])
			i++;
		unsigned line = 1;
		for (size_t j = 0; j < i; j++)
			line += want[j] == '\n';
		print_message("%s differs from what src/config/keys.def generates (first at line %u);\n"
		              "regenerate it with:\n  %s > %s\n", rel, line, command, rel);
		fail();
	}
	free(have);
	free(want);
}

static void test_example_does_not_drift(void **state)
{
	(void)state;
	check_generated("mpesa-pos.conf.example", config_write_example,
	                "make && build/mpesa-pos config example");
}

static void test_reference_does_not_drift(void **state)
{
	(void)state;
	check_generated("docs/configuration.md", config_write_reference,
	                "make && build/mpesa-pos config reference");
}

/* The example loads as it is, and with every key uncommented it gives the
 * defaults, each from its own line. */
static void test_example_loads(void **state)
{
	(void)state;
	char *ex = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&ex, &n);
	config_write_example(f);
	fclose(f);
	struct config *cfg = load_ok(ex);
	config_free(cfg);

	struct buf b;
	buf_init(&b, 1024 * 1024);
	size_t keys = 0;
	for (char *line = ex; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool key_line = line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
		                memchr(line, '=', len) != NULL;
		if (key_line)
			keys++;
		assert_int_equal(buf_append(&b, line + key_line, len - key_line), POS_OK);
		assert_int_equal(buf_puts(&b, "\n"), POS_OK);
		/* Lines stay readable in an 80-column editor. */
		if (len > 78 && line[0] == '#')
			assert_null(memchr(line + 2, ' ', len - 2)); /* only an unbreakable word */
		line += len + (nl != NULL);
	}
	assert_int_equal(keys, CONFIG_KEY_COUNT);
	cfg = load_ok(b.data);
	struct config *defaults = load_ok("");
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		assert_string_equal(config_get_string(cfg, k->name), config_get_string(defaults, k->name));
		assert_true(str_starts_with(config_source(cfg, k->name), "t.conf:"));
	}
	config_free(cfg);
	config_free(defaults);
	buf_release(&b);
	free(ex);

	/* The reference names every key and every variable. */
	char *ref = NULL;
	f = open_memstream(&ref, &n);
	config_write_reference(f);
	fclose(f);
	for (size_t i = 0; i < CONFIG_KEY_COUNT; i++) {
		const struct config_key_info *k = config_key_at(i);
		char row[96];
		str_fmt(row, sizeof row, "| `%s` |", k->key);
		assert_non_null(strstr(ref, row));
		char name[64];
		const char *p = k->env;
		while (*p) {
			size_t len = strcspn(p, " ");
			str_fmt(name, sizeof name, "`%.*s`", (int)len, p);
			assert_non_null(strstr(ref, name));
			p += len;
			while (*p == ' ')
				p++;
		}
	}
	free(ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_defaults_are_valid),
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_file_syntax),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_many_errors_with_lines),
		cmocka_unit_test(test_line_caps_nul_and_utf8),
		cmocka_unit_test(test_diag_cap),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_env_warnings_and_errors),
		cmocka_unit_test(test_dotenv_rows),
		cmocka_unit_test(test_dotenv_files),
		cmocka_unit_test(test_secrets_registered_and_masked),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_search_path),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_backend_label),
		cmocka_unit_test(test_rule_warnings),
		cmocka_unit_test(test_typed_fields_and_getters),
		cmocka_unit_test(test_example_does_not_drift),
		cmocka_unit_test(test_reference_does_not_drift),
		cmocka_unit_test(test_example_loads),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
