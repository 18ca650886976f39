/*
 * sim/config.h: daraja-sim's settings: one table gives the command-line
 * flags, the keys of the --config file and the --help text.
 *
 * The config file holds KEY=VALUE lines; a key is a flag's name without the
 * dashes, in either spelling (consumer-key=... or CONSUMER_KEY=...). '#'
 * starts a comment. Flags given on the command line win over the file,
 * wherever --config appears.
 *
 * Ownership: struct sim_config is a plain value.
 * Thread-safety: parse once in main(); read-only afterwards.
 */
#ifndef SIM_CONFIG_H
#define SIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/status.h"

enum {
	SIM_CONFIG_FAULTS_MAX = 64,
	SIM_CONFIG_FAULT_LEN = 128,
	SIM_CONFIG_PATH_MAX = 1024
};

struct sim_config {
	char listen[128];
	bool has_seed;
	uint64_t seed;
	char consumer_key[128];
	char consumer_secret[128];
	char shortcode[16];          /* Lipa Na M-Pesa (STK) shortcode */
	char passkey[128];
	char b2c_shortcode[16];
	char initiator_name[64];
	char initiator_password[128];
	char private_key[SIM_CONFIG_PATH_MAX];
	char cert[SIM_CONFIG_PATH_MAX];
	char org_name[64];
	uint64_t token_ttl_s;
	uint64_t callback_delay_ms;
	uint64_t prompt_ttl_ms;
	uint64_t callback_retries;
	uint64_t callback_timeout_ms;
	int64_t working_balance;     /* cents */
	int64_t utility_balance;     /* cents */
	bool allow_reregister;
	bool admin;
	uint64_t num_threads;
	uint64_t delivery_threads;
	uint64_t pull_page_size;
	uint64_t max_sessions;
	uint64_t max_transactions;
	uint64_t max_requests;
	uint64_t max_callbacks;
	char log_level[8];
	char log_file[SIM_CONFIG_PATH_MAX];
	char faults[SIM_CONFIG_FAULTS_MAX][SIM_CONFIG_FAULT_LEN];
	unsigned nfaults;
};

/* The documented defaults (the public sandbox's test values). */
void sim_config_defaults(struct sim_config *cfg);

/* Apply argv (argv[0] is skipped) over cfg, reading any --config file first.
 * Sets *help when --help was given (nothing else is checked then). */
enum pos_status sim_config_parse(struct sim_config *cfg, int argc,
                                 char *const argv[], bool *help,
                                 struct pos_err *err);

/* Read KEY=VALUE lines from path into cfg. */
enum pos_status sim_config_load_file(struct sim_config *cfg, const char *path,
                                     struct pos_err *err);

/* Set one setting by name ("callback-delay-ms", "CALLBACK_DELAY_MS"). */
enum pos_status sim_config_set(struct sim_config *cfg, const char *name,
                               const char *value, struct pos_err *err);

void sim_config_print_help(FILE *out);

/* "127.0.0.1:8089" -> host and port; false if malformed. */
bool sim_config_split_listen(const char *listen, char *host, size_t hostsz,
                             unsigned *port);

/* Whole shillings with up to two decimals ("250000", "1500.50") -> cents. */
bool sim_parse_money(const char *s, int64_t *cents);

#endif
