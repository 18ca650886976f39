/*
 * core/txn.h: transaction kinds, states and the state machine.
 *
 * The states and the legal moves between them are data: an X-macro table of
 * states (name, terminal?, cashier label) and a const matrix of legal
 * transitions per kind in core/txn.c. txn_transition() is the only function
 * that decides a new state; store/ persists it with its timeline row and its
 * outbox event in one SQL transaction.
 *
 * Legal moves (S = the system: flows, callbacks, reconciliation; V = a
 * supervisor closing by hand; nothing leaves completed, failed, cancelled or
 * timed_out):
 *
 *   STK (M-Pesa charge)
 *     created    -> sent, failed (never sent)                            S
 *     sent       -> awaiting (accepted), failed (refused), unknown       S
 *     awaiting   -> completed, failed, cancelled (1032), timed_out
 *                   (1037/1019), unknown, review (callback contradicts)  S
 *     unknown    -> awaiting (query: still pending), completed, failed,
 *                   cancelled, timed_out, unresolved, review             S
 *     unresolved -> review (late evidence arrived)                       S
 *     unresolved -> completed, failed                                    V
 *     review     -> completed, failed                                    V
 *   B2C (payout) and REVERSAL: as STK without cancelled and timed_out (a
 *     queue timeout is `unknown`, resolved by a status query), and
 *     sent -> completed | failed is legal too, because their result is
 *     matched by our OriginatorConversationID and may beat the response.
 *   C2B (paybill/till payment)
 *     created    -> completed (a confirmation, validation off),
 *                   awaiting (we accepted the validation),
 *                   failed (we rejected the validation)                  S
 *     awaiting   -> completed (confirmed), failed, unknown (no
 *                   confirmation in time), review (amount differs)       S
 *     unknown    -> completed, failed, unresolved, review                S
 *     unresolved -> review S; unresolved, review -> completed, failed    V
 *   CASH: created -> completed                                           S
 *   STATUS and BALANCE queries
 *     created -> sent, failed; sent -> awaiting, failed, unknown;
 *     awaiting -> completed, failed, unknown; unknown -> completed,
 *     failed                                                             S
 *
 * Ownership: names and labels are static strings.
 * Thread-safety: pure functions over const tables.
 */
#ifndef POS_CORE_TXN_H
#define POS_CORE_TXN_H

#include <stdbool.h>

#include "base/status.h"

/* X(enum, wire name, label) */
#define TXN_KINDS(X)                                                           \
	X(TXN_KIND_STK, "stk", "M-Pesa charge")                                    \
	X(TXN_KIND_B2C, "b2c", "Payout")                                           \
	X(TXN_KIND_C2B, "c2b", "Paybill/till payment")                             \
	X(TXN_KIND_REVERSAL, "reversal", "Reversal")                               \
	X(TXN_KIND_CASH, "cash", "Paid by other means")                            \
	X(TXN_KIND_STATUS, "status", "Status query")                               \
	X(TXN_KIND_BALANCE, "balance", "Balance query")

enum txn_kind {
#define TXN_KIND_ENUM(e, name, label) e,
	TXN_KINDS(TXN_KIND_ENUM)
#undef TXN_KIND_ENUM
	TXN_KIND_COUNT
};

/*
 * X(enum, wire name, terminal?, cashier label)
 *
 * created     intent recorded, nothing sent yet
 * sent        request on the wire; no answer yet
 * awaiting    Daraja accepted; waiting for the customer / the result
 * completed   money moved (paid, paid out, reversed) or query answered
 * failed      Daraja or the customer declined; the reason is recorded
 * cancelled   the customer cancelled on the phone (STK 1032)
 * timed_out   the customer never answered (STK 1037/1019)
 * unknown     the request may have reached Daraja; being resolved by query
 * unresolved  no query could establish the outcome: a supervisor closes it
 * review      a callback contradicted the record (amount, phone): held
 */
#define TXN_STATES(X)                                                          \
	X(TXN_CREATED, "created", false, "Not sent")                               \
	X(TXN_SENT, "sent", false, "Sending")                                      \
	X(TXN_AWAITING, "awaiting", false, "Waiting for customer")                 \
	X(TXN_COMPLETED, "completed", true, "PAID")                                \
	X(TXN_FAILED, "failed", true, "FAILED")                                    \
	X(TXN_CANCELLED, "cancelled", true, "CANCELLED")                           \
	X(TXN_TIMED_OUT, "timed_out", true, "NO ANSWER")                           \
	X(TXN_UNKNOWN, "unknown", false, "CHECKING")                               \
	X(TXN_UNRESOLVED, "unresolved", false, "UNRESOLVED")                       \
	X(TXN_REVIEW, "review", false, "HELD FOR REVIEW")

enum txn_state {
#define TXN_STATE_ENUM(e, name, terminal, label) e,
	TXN_STATES(TXN_STATE_ENUM)
#undef TXN_STATE_ENUM
	TXN_STATE_COUNT
};

/* Who asks for a move: some moves are reserved (closing an unresolved
 * transaction needs a supervisor). */
enum txn_actor {
	TXN_BY_SYSTEM,     /* the flows, callbacks, reconciliation */
	TXN_BY_SUPERVISOR, /* a supervisor or admin closing by hand */
};

const char *txn_kind_name(enum txn_kind k);   /* "stk" */
const char *txn_kind_label(enum txn_kind k);  /* "M-Pesa charge" */
bool txn_kind_parse(const char *name, enum txn_kind *out);
/* Kinds that move money (never resent blindly; receipts unique). */
bool txn_kind_moves_money(enum txn_kind k);

const char *txn_state_name(enum txn_state s); /* "awaiting" */
const char *txn_state_label(enum txn_state s); /* "Waiting for customer" */
bool txn_state_parse(const char *name, enum txn_state *out);
bool txn_state_is_terminal(enum txn_state s);

/* True when kind k may move from `from` to `to` for this actor. */
bool txn_transition_allowed(enum txn_kind k, enum txn_state from,
                            enum txn_state to, enum txn_actor by);

/*
 * The only way to decide a state change. Returns POS_OK and sets *out = to
 * when the move is legal; POS_E_STATE with a sentence naming both states (and
 * leaving *out untouched) when it is not. A move to the same state is not a
 * change and is refused as POS_E_DUPLICATE (the caller treats it as "already
 * applied").
 */
enum pos_status txn_transition(enum txn_kind k, enum txn_state *state,
                               enum txn_state to, enum txn_actor by,
                               struct pos_err *err);

#endif
