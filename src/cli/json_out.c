/* cli/json_out.c: one JSON object on stdout, one sentence on stderr. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/flow.h"
#include "base/clock.h"
#include "base/log.h"
#include "cli/cli.h"
#include "core/money.h"

int cli_exit_for(const struct pos_err *err)
{
	switch (err->code) {
	case POS_OK:
		return CLI_OK;
	case POS_E_DENIED:
	case POS_E_AUTH:
	case POS_E_LOCKED:
		return CLI_DENIED;
	case POS_E_CONFIG:
		return CLI_CONFIG;
	case POS_E_THROTTLED:
	case POS_E_CONFLICT:
	case POS_E_DARAJA:
		return CLI_REFUSED;
	case POS_E_NET:
	case POS_E_BREAKER:
		return CLI_UNREACHABLE;
	case POS_E_TIMEOUT:
	case POS_E_UNKNOWN:
		return CLI_PENDING;
	case POS_E_STORE:
	case POS_E_BUSY:
	case POS_E_NOMEM:
	case POS_E_IO:
	case POS_E_CRYPTO:
	case POS_E_INTERNAL:
		return CLI_INTERNAL;
	default:
		return CLI_USAGE; /* the value given is wrong: the field is named */
	}
}

static void print_json(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;
	if (s) {
		char masked[16384];
		/* Nothing secret is ever put in; mask anyway, as every sink does. */
		fputs(strlen(s) < sizeof masked ? log_mask(s, masked, sizeof masked) : s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	cJSON_Delete(o);
}

int cli_report_error(const char *cmd, const struct pos_err *err)
{
	int code = cli_exit_for(err);
	cJSON *o = cJSON_CreateObject(), *e = cJSON_CreateObject();
	if (o && e) {
		cJSON_AddBoolToObject(o, "ok", false);
		cJSON_AddNumberToObject(o, "exit", code);
		cJSON_AddStringToObject(e, "code", pos_status_name(err->code));
		cJSON_AddStringToObject(e, "field", err->field);
		cJSON_AddStringToObject(e, "message", err->msg[0] ? err->msg
		                                                  : pos_status_sentence(err->code));
		cJSON_AddStringToObject(e, "hint", err->hint);
		cJSON_AddItemToObject(o, "error", e);
		e = NULL;
	}
	cJSON_Delete(e);
	print_json(o);
	cli_print_err(cmd, err);
	return code;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v && v[0])
		cJSON_AddStringToObject(o, k, v);
}

static void add_time(cJSON *o, const char *k, int64_t ms)
{
	char t[26];
	if (!ms)
		return;
	clock_iso8601_eat((time_t)(ms / 1000), t);
	cJSON_AddStringToObject(o, k, t);
}

int cli_report_txn(const char *cmd, const struct store_txn *t, const char *note,
                   void *extra)
{
	int code = app_txn_exit(t);
	char amt[MONEY_FMT_MAX], sentence[640];
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddBoolToObject(o, "ok", code == CLI_OK);
		cJSON_AddNumberToObject(o, "exit", code);
		add_str(o, "txn", t->public_id);
		add_str(o, "kind", txn_kind_name(t->kind));
		add_str(o, "state", txn_state_name(t->state));
		add_str(o, "label", txn_state_label(t->state));
		if (t->amount_minor || t->kind == TXN_KIND_STK || t->kind == TXN_KIND_B2C) {
			money_format_plain(t->amount_minor, amt, sizeof amt);
			add_str(o, "amount", amt);
			add_str(o, "currency", t->currency);
		}
		add_str(o, "phone", t->msisdn);
		add_str(o, "account_reference", t->account_reference);
		add_str(o, "description", t->description);
		add_str(o, "command_id", t->command_id);
		add_str(o, "receipt", t->receipt);
		add_str(o, "result_code", t->result_code);
		add_str(o, "result_desc", t->result_desc);
		add_str(o, "merchant_request_id", t->merchant_request_id);
		add_str(o, "checkout_request_id", t->checkout_request_id);
		add_str(o, "conversation_id", t->conversation_id);
		add_str(o, "originator_conversation_id", t->originator_conversation_id);
		add_str(o, "payer_name", t->payer_name);
		if (t->operator_id)
			cJSON_AddNumberToObject(o, "operator", (double)t->operator_id);
		if (t->approver_id)
			cJSON_AddNumberToObject(o, "approver", (double)t->approver_id);
		add_time(o, "created_at", t->created_at);
		add_time(o, "updated_at", t->updated_at);
		app_txn_sentence(t, sentence, sizeof sentence);
		cJSON_AddStringToObject(o, "message", sentence);
		if (note && note[0])
			cJSON_AddStringToObject(o, "note", note);
		cJSON *x = extra;
		if (x) {
			cJSON *it = x->child;
			while (it) {
				cJSON *next = it->next;
				cJSON_DetachItemViaPointer(x, it);
				cJSON_AddItemToObject(o, it->string, it);
				it = next;
			}
		}
	}
	cJSON_Delete(extra);
	print_json(o);
	if (note && note[0])
		fprintf(stderr, "mpesa-pos %s: %s\n", cmd, note);
	fprintf(stderr, "mpesa-pos %s: %s\n", cmd, app_txn_sentence(t, sentence, sizeof sentence));
	return code;
}
