/* sim/api.c: names of the simulated products. */
#include "sim/api.h"

#include <string.h>

static const char *const names[] = {
#define SIM_API_NAME(e, name) name,
	SIM_APIS(SIM_API_NAME)
#undef SIM_API_NAME
};

const char *sim_api_name(enum sim_api api)
{
	return (unsigned)api < SIM_API_COUNT ? names[api] : "admin";
}

bool sim_api_parse(const char *name, enum sim_api *out)
{
	for (unsigned i = 0; i < SIM_API_COUNT; i++) {
		if (strcmp(names[i], name) == 0) {
			*out = (enum sim_api)i;
			return true;
		}
	}
	return false;
}
