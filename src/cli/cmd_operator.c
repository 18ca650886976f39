/* cli/cmd_operator.c: `mpesa-pos operator add|list|passwd|disable`. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/signin.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/cli.h"

enum { LIST_MAX = 1000 };

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos operator add --id N --name NAME --role cashier|supervisor|admin\n"
	      "                              [--pin-fd N]\n"
	      "       mpesa-pos operator list\n"
	      "       mpesa-pos operator passwd ID [--pin-fd N] [--current-pin-fd N]\n"
	      "       mpesa-pos operator disable ID\n"
	      "  and, once an admin exists: --admin ID [--admin-pin-fd N] to act as that admin\n"
	      "\n"
	      "PINs are 4 to 12 digits, read from the terminal without echo (twice, for a\n"
	      "new one) or from a file descriptor. Until the database has an admin, the\n"
	      "shell may add operators without signing in, so the first admin can be\n"
	      "made. An operator may change their own PIN with their current one. Every\n"
	      "change is in the audit log.\n",
	      out);
}

struct opts {
	const char *sub;
	const char *config_path;
	int64_t id;
	const char *name, *role;
	int pin_fd, current_pin_fd, admin_pin_fd;
	int64_t admin;
};

static int read_new_pin(int fd, long long id, char *pin, size_t sz)
{
	char again[APP_PIN_MAX + 2], prompt[64];
	str_fmt(prompt, sizeof prompt, "New PIN for operator %lld: ", id);
	int rc = cli_read_pin(fd, prompt, pin, sz);
	if (rc != CLI_OK || fd >= 0)
		return rc;
	if ((rc = cli_read_pin(-1, "Again: ", again, sizeof again)) != CLI_OK)
		return rc;
	bool same = strcmp(pin, again) == 0;
	crypto_wipe(again, sizeof again);
	if (!same) {
		crypto_wipe(pin, sz);
		fprintf(stderr, "mpesa-pos operator: the two PINs differ; nothing was changed\n");
		return CLI_USAGE;
	}
	return CLI_OK;
}

static int parse(struct opts *o, int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		if (strcmp(a, "--config") == 0 && v) {
			o->config_path = v;
		} else if (strcmp(a, "--name") == 0 && v) {
			o->name = v;
		} else if (strcmp(a, "--role") == 0 && v) {
			o->role = v;
		} else if ((strcmp(a, "--id") == 0 || strcmp(a, "--admin") == 0) && v) {
			if (parse_i64_str(v, 1, INT64_MAX, &n) != POS_OK) {
				fprintf(stderr, "mpesa-pos operator: %s \"%s\" is not an operator id "
				        "(a whole number)\n", a, v);
				return CLI_USAGE;
			}
			if (strcmp(a, "--id") == 0)
				o->id = n;
			else
				o->admin = n;
		} else if ((strcmp(a, "--pin-fd") == 0 || strcmp(a, "--current-pin-fd") == 0 ||
		            strcmp(a, "--admin-pin-fd") == 0) && v) {
			if (parse_i64_str(v, 0, 1024, &n) != POS_OK) {
				fprintf(stderr, "mpesa-pos operator: %s \"%s\" is not a file "
				        "descriptor number\n", a, v);
				return CLI_USAGE;
			}
			*(strcmp(a, "--pin-fd") == 0 ? &o->pin_fd
			  : strcmp(a, "--admin-pin-fd") == 0 ? &o->admin_pin_fd
			                                     : &o->current_pin_fd) = (int)n;
		} else if (a[0] != '-' && !o->id &&
		           parse_i64_str(a, 1, INT64_MAX, &n) == POS_OK) {
			o->id = n;
		} else {
			fprintf(stderr, "mpesa-pos operator: unknown argument \"%s\"; run "
			        "mpesa-pos operator --help\n", a);
			return CLI_USAGE;
		}
		if (strcmp(a, "--config") == 0 || strcmp(a, "--name") == 0 ||
		    strcmp(a, "--role") == 0 || strcmp(a, "--id") == 0 ||
		    strcmp(a, "--admin") == 0 || strstr(a, "-pin-fd"))
			i++;
	}
	return CLI_OK;
}

static int print_ok(cJSON *o, const char *sentence)
{
	char *s = cJSON_PrintUnformatted(o);
	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
	fprintf(stderr, "mpesa-pos operator: %s\n", sentence);
	return CLI_OK;
}

static int list(struct app *a)
{
	struct pos_err err;
	size_t n = 0;
	struct store_operator *ops = calloc(LIST_MAX, sizeof *ops);
	if (!ops) {
		pos_err_set(&err, POS_E_NOMEM, NULL, NULL);
		return cli_report_error("operator", &err);
	}
	if (store_operator_list(app_store(a), ops, LIST_MAX, &n, &err) != POS_OK) {
		free(ops);
		return cli_report_error("operator", &err);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(o, "operators");
	int64_t now = clock_now_ms();
	for (size_t i = 0; i < n; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "id", (double)ops[i].id);
		cJSON_AddStringToObject(x, "name", ops[i].name);
		cJSON_AddStringToObject(x, "role", ops[i].role);
		cJSON_AddBoolToObject(x, "disabled", ops[i].disabled);
		cJSON_AddBoolToObject(x, "locked", ops[i].locked_until > now);
		cJSON_AddItemToArray(arr, x);
	}
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON_AddNumberToObject(o, "exit", 0);
	crypto_wipe(ops, LIST_MAX * sizeof *ops);
	free(ops);
	char sentence[64];
	str_fmt(sentence, sizeof sentence, "%zu operator%s", n, n == 1 ? "" : "s");
	return print_ok(o, sentence);
}

static int sign_in(struct app *a, int64_t id, int fd, const char *who,
                   struct app_operator *out)
{
	char pin[APP_PIN_MAX + 2], prompt[80];
	struct pos_err err;
	str_fmt(prompt, sizeof prompt, "PIN for %s %lld: ", who, (long long)id);
	int rc = cli_read_pin(fd, prompt, pin, sizeof pin);
	if (rc != CLI_OK)
		return rc;
	enum pos_status st = app_signin(a, id, pin, out, &err);
	crypto_wipe(pin, sizeof pin);
	return st == POS_OK ? CLI_OK : cli_report_error("operator", &err);
}

static int run(struct app *a, struct opts *o)
{
	struct app_operator admin, self;
	const struct app_operator *by = NULL;
	struct pos_err err;
	char pin[APP_PIN_MAX + 2], sentence[200];
	int rc;
	if (strcmp(o->sub, "list") == 0)
		return list(a);
	if (o->admin) {
		if ((rc = sign_in(a, o->admin, o->admin_pin_fd, "admin", &admin)) != CLI_OK)
			return rc;
		by = &admin;
	}
	if (!o->id) {
		fprintf(stderr, "mpesa-pos operator %s: which operator? give its id\n", o->sub);
		return CLI_USAGE;
	}
	enum pos_status st;
	if (strcmp(o->sub, "add") == 0) {
		int64_t got = 0;
		if (!o->name || !o->role) {
			fprintf(stderr, "mpesa-pos operator add: --name and --role are required\n");
			return CLI_USAGE;
		}
		if ((rc = read_new_pin(o->pin_fd, o->id, pin, sizeof pin)) != CLI_OK)
			return rc;
		st = app_operator_add(a, by, o->id, o->name, o->role, pin, &got, &err);
		crypto_wipe(pin, sizeof pin);
		if (st != POS_OK)
			return cli_report_error("operator", &err);
		cJSON *j = cJSON_CreateObject(), *x = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", true);
		cJSON_AddNumberToObject(j, "exit", 0);
		cJSON_AddNumberToObject(x, "id", (double)got);
		cJSON_AddStringToObject(x, "name", o->name);
		cJSON_AddStringToObject(x, "role", o->role);
		cJSON_AddItemToObject(j, "operator", x);
		str_fmt(sentence, sizeof sentence, "operator %lld (%s) added as %s",
		        (long long)got, o->name, o->role);
		return print_ok(j, sentence);
	}
	if (strcmp(o->sub, "passwd") == 0) {
		bool admin_exists = false;
		if (!by && app_operator_admin_exists(a, &admin_exists, &err) != POS_OK)
			return cli_report_error("operator", &err);
		if (!by && admin_exists) {
			if ((rc = sign_in(a, o->id, o->current_pin_fd, "operator (current PIN)",
			                  &self)) != CLI_OK)
				return rc;
			by = &self;
		}
		if ((rc = read_new_pin(o->pin_fd, o->id, pin, sizeof pin)) != CLI_OK)
			return rc;
		st = app_operator_passwd(a, by, o->id, pin, &err);
		crypto_wipe(pin, sizeof pin);
		str_fmt(sentence, sizeof sentence, "operator %lld has a new PIN", (long long)o->id);
	} else if (strcmp(o->sub, "disable") == 0) {
		st = app_operator_disable(a, by, o->id, &err);
		str_fmt(sentence, sizeof sentence, "operator %lld is disabled", (long long)o->id);
	} else {
		fprintf(stderr, "mpesa-pos operator: unknown subcommand \"%s\"; run "
		        "mpesa-pos operator --help\n", o->sub);
		return CLI_USAGE;
	}
	if (st != POS_OK)
		return cli_report_error("operator", &err);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddBoolToObject(j, "ok", true);
	cJSON_AddNumberToObject(j, "exit", 0);
	cJSON_AddNumberToObject(j, "id", (double)o->id);
	return print_ok(j, sentence);
}

int cli_cmd_operator(const struct cli_globals *g, int argc, char **argv)
{
	struct opts o = {.config_path = g->config_path, .pin_fd = -1, .current_pin_fd = -1,
	                 .admin_pin_fd = -1};
	if (argc < 2 || cli_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	o.sub = argv[1];
	if (strcmp(o.sub, "add") != 0 && strcmp(o.sub, "list") != 0 &&
	    strcmp(o.sub, "passwd") != 0 && strcmp(o.sub, "disable") != 0) {
		fprintf(stderr, "mpesa-pos operator: unknown %s \"%s\"; use add, list, passwd "
		        "or disable\n", o.sub[0] == '-' ? "option" : "subcommand", o.sub);
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return CLI_OK;
		}
	}
	int rc = parse(&o, argc, argv);
	if (rc != CLI_OK)
		return rc;
	struct config *cfg = NULL;
	if ((rc = cli_load_config(o.config_path, &cfg)) != CLI_OK)
		return rc;
	if ((rc = cli_open_log(cfg, false)) != CLI_OK) {
		config_free(cfg);
		return rc;
	}
	struct app *a = NULL;
	struct pos_err err;
	if (app_open(cfg, NULL, &a, &err) != POS_OK) {
		rc = cli_report_error("operator", &err);
	} else {
		rc = run(a, &o);
		app_close(a);
		cli_deliver_events(cfg);
	}
	config_free(cfg);
	log_close();
	return rc;
}
