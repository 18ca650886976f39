/*
 * core/role.h: operator roles and what each may do.
 *
 * Roles are ordered: cashier < supervisor < admin; each role may do what the
 * roles below it may. Each action has a minimum role in one table, which the
 * UI (function-key bar, help), the CLI and the flows all consult, so a
 * cashier's help never shows a key the cashier cannot use.
 *
 * Unknown roles and actions are refused (fail closed).
 *
 * Ownership: names and labels are static strings.
 * Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_ROLE_H
#define POS_CORE_ROLE_H

#include <stdbool.h>

#include "base/status.h"

/* X(enum, name, label); order is rank, lowest first. */
#define ROLES(X)                                                               \
	X(ROLE_CASHIER, "cashier", "Cashier")                                      \
	X(ROLE_SUPERVISOR, "supervisor", "Supervisor")                             \
	X(ROLE_ADMIN, "admin", "Administrator")

enum role {
#define ROLE_ENUM(e, name, label) e,
	ROLES(ROLE_ENUM)
#undef ROLE_ENUM
	ROLE_COUNT
};

/* X(enum, name, minimum role, label) */
#define ROLE_ACTIONS(X)                                                        \
	X(ROLE_ACT_CHARGE, "charge", ROLE_CASHIER, "take an M-Pesa payment")       \
	X(ROLE_ACT_OWN_HISTORY, "own_history", ROLE_CASHIER,                       \
	  "see your own transactions")                                             \
	X(ROLE_ACT_C2B_FEED, "c2b_feed", ROLE_CASHIER,                             \
	  "see paybill and till payments as they arrive")                          \
	X(ROLE_ACT_CLAIM_C2B, "claim_c2b", ROLE_CASHIER,                           \
	  "attach a paybill or till payment to a sale")                            \
	X(ROLE_ACT_PAYOUT, "payout", ROLE_SUPERVISOR, "pay money out (B2C)")      \
	X(ROLE_ACT_BALANCE, "balance", ROLE_SUPERVISOR,                            \
	  "check the M-Pesa account balance")                                      \
	X(ROLE_ACT_REVERSAL, "reversal", ROLE_SUPERVISOR, "reverse a payment")     \
	X(ROLE_ACT_ALL_HISTORY, "all_history", ROLE_SUPERVISOR,                    \
	  "see every operator's transactions")                                     \
	X(ROLE_ACT_DAY_END_REPORT, "day_end_report", ROLE_SUPERVISOR,              \
	  "print the day-end report")                                              \
	X(ROLE_ACT_RESOLVE_UNRESOLVED, "resolve_unresolved", ROLE_SUPERVISOR,      \
	  "close unresolved or held transactions")                                 \
	X(ROLE_ACT_C2B_REGISTER, "c2b_register", ROLE_SUPERVISOR,                  \
	  "register the paybill/till payment (C2B) URLs with M-Pesa")              \
	X(ROLE_ACT_OPERATORS, "operators", ROLE_ADMIN, "manage operators")         \
	X(ROLE_ACT_SETTINGS, "settings", ROLE_ADMIN, "change the settings")

enum role_action {
#define ROLE_ACTION_ENUM(e, name, min, label) e,
	ROLE_ACTIONS(ROLE_ACTION_ENUM)
#undef ROLE_ACTION_ENUM
	ROLE_ACTION_COUNT
};

const char *role_name(enum role r);  /* "supervisor"; "?" out of range */
const char *role_label(enum role r); /* "Supervisor" */
/* Any case; false for anything else (including NULL). */
bool role_parse(const char *name, enum role *out);

const char *role_action_name(enum role_action a);  /* "payout" */
const char *role_action_label(enum role_action a); /* "pay money out (B2C)" */
bool role_action_parse(const char *name, enum role_action *out);
enum role role_action_min(enum role_action a);

/* True when role r may do action a (false for out-of-range values). */
bool role_allows(enum role r, enum role_action a);

/* POS_OK, or POS_E_DENIED with a sentence: "a cashier cannot pay money out
 * (B2C): it needs a supervisor". */
enum pos_status role_check(enum role r, enum role_action a, struct pos_err *err);

#endif
