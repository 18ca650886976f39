/*
 * sim/api.h: the Daraja products daraja-sim serves, as one X-macro table.
 *
 * The short name is what flags and the admin API use to aim a fault at one
 * product ("stk", "b2c", ...); "all" means every row. Pull Transactions and
 * C2B share "c2b".
 *
 * Thread-safety: constant data only.
 */
#ifndef SIM_API_H
#define SIM_API_H

#include <stdbool.h>

/* X(enum, short name) */
#define SIM_APIS(X)                                                            \
	X(SIM_API_OAUTH, "oauth")                                              \
	X(SIM_API_STK, "stk")                                                  \
	X(SIM_API_STKQUERY, "stkquery")                                        \
	X(SIM_API_B2C, "b2c")                                                  \
	X(SIM_API_STATUS, "status")                                            \
	X(SIM_API_BALANCE, "balance")                                          \
	X(SIM_API_REVERSAL, "reversal")                                        \
	X(SIM_API_C2B, "c2b")                                                  \
	X(SIM_API_QR, "qr")

enum sim_api {
#define SIM_API_ENUM(e, name) e,
	SIM_APIS(SIM_API_ENUM)
#undef SIM_API_ENUM
	SIM_API_COUNT,
	SIM_API_NONE = SIM_API_COUNT /* admin and unknown paths */
};

/* "stk"; "admin" for SIM_API_NONE. */
const char *sim_api_name(enum sim_api api);
/* "stk" -> SIM_API_STK; false if unknown ("all" is not an API). */
bool sim_api_parse(const char *name, enum sim_api *out);

#endif
