/*
 * sim/ledger.h: the simulator's books.
 *
 * Every organisation shortcode has four accounts, kept in cents:
 * Working (where C2B and STK payments land), Utility (what B2C pays from),
 * Charges Paid (fees, negative and growing) and Organization Settlement.
 * A shortcode's accounts open, on first use, at the configured balances.
 *
 * Money moves only through the functions below, each of which also records
 * the completed transaction (receipt, parties, amount, times), so Account
 * Balance, Transaction Status, Reversal and Pull Transactions all read the
 * same books. The newest `max_transactions` are remembered.
 *
 * Fees (documented in docs/daraja-sim.md): C2B and STK 0.55% capped at
 * KES 200; B2C 0 up to KES 100, 15 up to 1,000, 22 up to 10,000, else 33.
 *
 * Ownership: struct sim_ledger is opaque (sim_ledger_new / sim_ledger_free);
 * struct sim_txn and struct sim_accounts are copies the caller owns.
 * Thread-safety: every function may be called from any thread (one mutex,
 * never held during I/O).
 */
#ifndef SIM_LEDGER_H
#define SIM_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/ids.h"

enum sim_txn_kind { SIM_TXN_STK, SIM_TXN_C2B, SIM_TXN_B2C, SIM_TXN_REVERSAL };

struct sim_txn {
	uint64_t seq;
	enum sim_txn_kind kind;
	char receipt[SIM_ID_MAX];
	char shortcode[16];      /* the organisation */
	char party_b[16];        /* till or paybill credited (STK, C2B) */
	char msisdn[16];         /* the customer */
	char command[32];        /* CustomerPayBillOnline, SalaryPayment, ... */
	char bill_ref[104];      /* AccountReference / BillRefNumber */
	char occasion[104];
	int64_t amount;          /* whole KES */
	int64_t fee_cents;
	int64_t initiated_ms;    /* Unix ms */
	int64_t completed_ms;
	char conversation_id[SIM_ID_MAX];
	char originator_id[132]; /* OriginatorConversationID / MerchantRequestID */
	char original_receipt[SIM_ID_MAX]; /* reversals: what was reversed */
	bool reversed;
	char reversed_by[SIM_ID_MAX];
};

struct sim_accounts {
	int64_t working, utility, charges, settlement; /* cents */
};

struct sim_ledger_opts {
	int64_t working_opening;  /* cents */
	int64_t utility_opening;  /* cents */
	size_t max_transactions;
	size_t max_shortcodes;
};

enum sim_move {
	SIM_MOVE_OK,
	SIM_MOVE_INSUFFICIENT, /* ResultCode 1 */
	SIM_MOVE_NOT_FOUND,    /* reversal: no such receipt (R000002) */
	SIM_MOVE_NOT_REVERSIBLE, /* reversal: a B2C or reversal receipt, or another shortcode's */
	SIM_MOVE_ALREADY,      /* reversal: already reversed (R000001) */
	SIM_MOVE_FULL          /* too many shortcodes */
};

struct sim_ledger *sim_ledger_new(const struct sim_ledger_opts *opts);
void sim_ledger_free(struct sim_ledger *l);
/* Forget every account and transaction. */
void sim_ledger_reset(struct sim_ledger *l);

/* The shortcode's balances (opening them if new). False when the table of
 * shortcodes is full. */
bool sim_ledger_accounts(struct sim_ledger *l, const char *shortcode,
                         struct sim_accounts *out);

/* A customer paid (STK or C2B): working += amount, charges -= fee; records
 * *t (seq and fee are filled in). *after gets the balances. */
enum sim_move sim_ledger_pay_in(struct sim_ledger *l, struct sim_txn *t,
                                struct sim_accounts *after);
/* B2C: utility -= amount (refused when short), charges -= fee; records *t. */
enum sim_move sim_ledger_pay_out(struct sim_ledger *l, struct sim_txn *t,
                                 struct sim_accounts *after);
/* Reverse receipt t->original_receipt for t->shortcode: working -= amount of
 * the original; records *t (its amount, msisdn and parties are filled from
 * the original, which is copied to *orig). */
enum sim_move sim_ledger_reverse(struct sim_ledger *l, struct sim_txn *t,
                                 struct sim_txn *orig, struct sim_accounts *after);

/* Look a transaction up by receipt, or else by originator id. */
bool sim_ledger_find(struct sim_ledger *l, const char *id, struct sim_txn *out);

/* Visit the remembered transactions oldest first; stop when fn returns false. */
void sim_ledger_each(struct sim_ledger *l,
                     bool (*fn)(const struct sim_txn *t, void *arg), void *arg);
/* Visit the shortcodes with their balances. */
void sim_ledger_each_account(struct sim_ledger *l,
                             void (*fn)(const char *shortcode,
                                        const struct sim_accounts *a, void *arg),
                             void *arg);

/* Pure helpers (unit-tested). */
int64_t sim_fee_pay_in(int64_t amount);   /* cents */
int64_t sim_fee_pay_out(int64_t amount);  /* cents */
/* "Working Account|KES|x|x|0.00|0.00&Utility Account|...&Charges Paid
 * Account|...&Organization Settlement Account|..." into out. False when it
 * does not fit. */
bool sim_balance_string(const struct sim_accounts *a, char *out, size_t outsz);
/* "Working Account|KES|x|x|0.00|0.00" for one account. */
bool sim_account_string(const char *name, int64_t cents, char *out, size_t outsz);
/* The customer's public name for msisdn, e.g. "John Doe" (deterministic). */
void sim_customer_name(const char *msisdn, char *first, size_t firstsz,
                       char *last, size_t lastsz);
const char *sim_txn_kind_name(enum sim_txn_kind k);

#endif
