/* cli/cmd_token.c: `mpesa-pos token add|list|revoke`: the local API's
 * tokens (docs/api.md). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/api.h"
#include "app/app.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "cli/cli.h"

enum { LIST_MAX = 1000 };

static void usage(FILE *out)
{
	fputs("usage: mpesa-pos token add --operator ID [--name NAME]\n"
	      "       mpesa-pos token list\n"
	      "       mpesa-pos token revoke ID\n"
	      "  and, once an admin exists: --admin ID [--admin-pin-fd N] to act as that admin\n"
	      "\n"
	      "A token lets the shop's other software use serve's local API (docs/api.md)\n"
	      "as operator ID, with that operator's role. add prints the token once, in\n"
	      "the JSON's \"token\"; only its SHA-256 is kept. list shows no secrets.\n"
	      "Every change is in the audit log.\n",
	      out);
}

struct opts {
	const char *sub, *config_path, *name;
	int64_t operator_id, id, admin;
	int admin_pin_fd;
};

static int parse(struct opts *o, int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int64_t n;
		if (cli_is_help(a)) {
			usage(stdout);
			return -1;
		} else if (strcmp(a, "--config") == 0 && v) {
			o->config_path = v;
			i++;
		} else if (strcmp(a, "--name") == 0 && v) {
			o->name = v;
			i++;
		} else if ((strcmp(a, "--operator") == 0 || strcmp(a, "--admin") == 0) && v) {
			if (parse_i64_str(v, 1, INT64_MAX, &n) != POS_OK) {
				fprintf(stderr, "mpesa-pos token: %s \"%s\" is not an operator id (a whole "
				        "number)\n", a, v);
				return CLI_USAGE;
			}
			*(strcmp(a, "--operator") == 0 ? &o->operator_id : &o->admin) = n;
			i++;
		} else if (strcmp(a, "--admin-pin-fd") == 0 && v) {
			if (parse_i64_str(v, 0, 1024, &n) != POS_OK) {
				fprintf(stderr, "mpesa-pos token: --admin-pin-fd \"%s\" is not a file "
				        "descriptor number\n", v);
				return CLI_USAGE;
			}
			o->admin_pin_fd = (int)n;
			i++;
		} else if (a[0] != '-' && !o->id && parse_i64_str(a, 1, INT64_MAX, &n) == POS_OK) {
			o->id = n;
		} else {
			fprintf(stderr, "mpesa-pos token: unknown argument \"%s\"; run mpesa-pos token "
			        "--help\n", a);
			return CLI_USAGE;
		}
	}
	return CLI_OK;
}

static void print_obj(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	if (s)
		printf("%s\n", s);
	free(s);
	cJSON_Delete(o);
}

static int list(struct app *a)
{
	struct pos_err err;
	size_t n = 0;
	struct store_api_token *t = calloc(LIST_MAX, sizeof *t);
	if (!t) {
		pos_err_set(&err, POS_E_NOMEM, NULL, NULL);
		return cli_report_error("token", &err);
	}
	if (store_token_list(app_store(a), t, LIST_MAX, &n, &err) != POS_OK) {
		free(t);
		return cli_report_error("token", &err);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", true);
	cJSON *arr = cJSON_AddArrayToObject(o, "tokens");
	size_t active = 0;
	for (size_t i = 0; i < n; i++) {
		char at[26];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddNumberToObject(x, "id", (double)t[i].id);
		cJSON_AddNumberToObject(x, "operator", (double)t[i].operator_id);
		cJSON_AddStringToObject(x, "name", t[i].name);
		clock_iso8601_eat((time_t)(t[i].created_at / 1000), at);
		cJSON_AddStringToObject(x, "created_at", at);
		if (t[i].revoked_at) {
			clock_iso8601_eat((time_t)(t[i].revoked_at / 1000), at);
			cJSON_AddStringToObject(x, "revoked_at", at);
		} else {
			active++;
		}
		cJSON_AddBoolToObject(x, "active", t[i].revoked_at == 0);
		cJSON_AddItemToArray(arr, x);
	}
	free(t);
	print_obj(o);
	fprintf(stderr, "mpesa-pos token: %zu token(s), %zu active\n", n, active);
	return CLI_OK;
}

int cli_cmd_token(const struct cli_globals *g, int argc, char **argv)
{
	struct opts o = {.config_path = g->config_path, .admin_pin_fd = -1};
	if (argc < 2 || cli_is_help(argv[1])) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	o.sub = argv[1];
	if (strcmp(o.sub, "add") && strcmp(o.sub, "list") && strcmp(o.sub, "revoke")) {
		fprintf(stderr, "mpesa-pos token: unknown subcommand \"%s\"; run mpesa-pos token "
		        "--help\n", o.sub);
		return CLI_USAGE;
	}
	int rc = parse(&o, argc, argv);
	if (rc < 0)
		return CLI_OK;
	if (rc != CLI_OK)
		return rc;
	if (strcmp(o.sub, "add") == 0 && !o.operator_id) {
		fprintf(stderr, "mpesa-pos token: add needs --operator ID (the operator the token "
		        "acts as)\n");
		return CLI_USAGE;
	}
	if (strcmp(o.sub, "revoke") == 0 && !o.id) {
		fprintf(stderr, "mpesa-pos token: revoke needs the token's id (mpesa-pos token list)\n");
		return CLI_USAGE;
	}

	struct config *cfg = NULL;
	struct app *a = NULL;
	struct pos_err err;
	if ((rc = cli_load_config(o.config_path, &cfg)) != CLI_OK)
		return rc;
	if ((rc = cli_open_log(cfg, false)) != CLI_OK)
		goto out;
	if (app_open(cfg, NULL, &a, &err) != POS_OK) {
		rc = cli_report_error("token", &err);
		goto out;
	}
	if (strcmp(o.sub, "list") == 0) {
		rc = list(a);
		goto out;
	}
	struct app_operator admin, *by = NULL;
	if (o.admin) {
		char pin[APP_PIN_MAX + 2], prompt[64];
		str_fmt(prompt, sizeof prompt, "PIN for admin %lld: ", (long long)o.admin);
		if ((rc = cli_read_pin(o.admin_pin_fd, prompt, pin, sizeof pin)) != CLI_OK)
			goto out;
		enum pos_status st = app_signin(a, o.admin, pin, &admin, &err);
		crypto_wipe(pin, sizeof pin);
		if (st != POS_OK) {
			rc = cli_report_error("token", &err);
			goto out;
		}
		by = &admin;
	}
	if (strcmp(o.sub, "add") == 0) {
		char token[APP_API_TOKEN_MAX];
		int64_t id = 0;
		if (app_api_token_add(a, by, o.operator_id, o.name ? o.name : "", token, &id, &err) !=
		    POS_OK) {
			rc = cli_report_error("token", &err);
			goto out;
		}
		/* Printed here, unmasked, once: the one place the token appears. */
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", true);
		cJSON_AddNumberToObject(j, "id", (double)id);
		cJSON_AddNumberToObject(j, "operator", (double)o.operator_id);
		cJSON_AddStringToObject(j, "name", o.name ? o.name : "");
		cJSON_AddStringToObject(j, "token", token);
		crypto_wipe(token, sizeof token);
		print_obj(j);
		fprintf(stderr, "mpesa-pos token: token %lld acts as operator %lld; it is shown only "
		        "now: keep it secret\n", (long long)id, (long long)o.operator_id);
		rc = CLI_OK;
	} else {
		if (app_api_token_revoke(a, by, o.id, &err) != POS_OK) {
			rc = cli_report_error("token", &err);
			goto out;
		}
		cJSON *j = cJSON_CreateObject();
		cJSON_AddBoolToObject(j, "ok", true);
		cJSON_AddNumberToObject(j, "id", (double)o.id);
		cJSON_AddBoolToObject(j, "revoked", true);
		print_obj(j);
		fprintf(stderr, "mpesa-pos token: token %lld is revoked\n", (long long)o.id);
		rc = CLI_OK;
	}
out:
	app_close(a);
	config_free(cfg);
	log_close();
	return rc;
}
