/* tests/fuzz/fuzz_config.c: the configuration file and .env readers.
 *
 * The input is a configuration file; if it holds a line "--- .env ---", what
 * follows is read as .env text. Every load must end in a config or a list of
 * diagnostics, and a loaded config must print. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const no_env[] = {NULL};
	static const char sep[] = "\n--- .env ---\n";
	const char *text = (const char *)data;
	size_t conf_len = size;
	struct config_load_opts opts = {.envp = no_env, .dotenv_path = ""};
	for (size_t i = 0; i + sizeof sep - 1 <= size; i++) {
		if (memcmp(text + i, sep, sizeof sep - 1) == 0) {
			conf_len = i;
			opts.dotenv_text = text + i + sizeof sep - 1;
			opts.dotenv_len = size - i - (sizeof sep - 1);
			break;
		}
	}
	struct config_diag diag = {0};
	struct config *cfg = NULL;
	if (config_load_buffer("fuzz.conf", data, conf_len, &opts, &cfg, &diag) == POS_OK) {
		static FILE *devnull;
		if (!devnull)
			devnull = fopen("/dev/null", "w");
		if (devnull)
			config_print(cfg, devnull, true);
		config_free(cfg);
	} else if (cfg || diag.errors == 0) {
		__builtin_trap(); /* a refusal always says why */
	}
	config_diag_release(&diag);
	return 0;
}
