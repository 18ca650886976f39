/* core/txn.c: transaction kinds, states and the legal moves between them. */
#include "core/txn.h"

#include "base/str.h"

#define M(s) (1u << (s))
#define CLOSE (M(TXN_COMPLETED) | M(TXN_FAILED))

/* Legal moves per kind: for each `from`, the mask of `to` states, once for
 * the system (flows, callbacks, reconciliation) and once for a supervisor
 * closing by hand. The table in core/txn.h says the same in words. */
struct moves {
	unsigned sys[TXN_STATE_COUNT];
	unsigned sup[TXN_STATE_COUNT];
};

static const struct moves matrix[TXN_KIND_COUNT] = {
	[TXN_KIND_STK] = {
		.sys = {
			[TXN_CREATED] = M(TXN_SENT) | M(TXN_FAILED),
			[TXN_SENT] = M(TXN_AWAITING) | M(TXN_FAILED) | M(TXN_UNKNOWN),
			[TXN_AWAITING] = CLOSE | M(TXN_CANCELLED) | M(TXN_TIMED_OUT) |
			                 M(TXN_UNKNOWN) | M(TXN_REVIEW),
			[TXN_UNKNOWN] = M(TXN_AWAITING) | CLOSE | M(TXN_CANCELLED) |
			                M(TXN_TIMED_OUT) | M(TXN_UNRESOLVED) | M(TXN_REVIEW),
			[TXN_UNRESOLVED] = M(TXN_REVIEW),
		},
		.sup = {[TXN_UNRESOLVED] = CLOSE, [TXN_REVIEW] = CLOSE},
	},
	[TXN_KIND_B2C] = {
		.sys = {
			[TXN_CREATED] = M(TXN_SENT) | M(TXN_FAILED),
			[TXN_SENT] = M(TXN_AWAITING) | CLOSE | M(TXN_UNKNOWN),
			[TXN_AWAITING] = CLOSE | M(TXN_UNKNOWN) | M(TXN_REVIEW),
			[TXN_UNKNOWN] = M(TXN_AWAITING) | CLOSE | M(TXN_UNRESOLVED) | M(TXN_REVIEW),
			[TXN_UNRESOLVED] = M(TXN_REVIEW),
		},
		.sup = {[TXN_UNRESOLVED] = CLOSE, [TXN_REVIEW] = CLOSE},
	},
	[TXN_KIND_REVERSAL] = {
		.sys = {
			[TXN_CREATED] = M(TXN_SENT) | M(TXN_FAILED),
			[TXN_SENT] = M(TXN_AWAITING) | CLOSE | M(TXN_UNKNOWN),
			[TXN_AWAITING] = CLOSE | M(TXN_UNKNOWN) | M(TXN_REVIEW),
			[TXN_UNKNOWN] = M(TXN_AWAITING) | CLOSE | M(TXN_UNRESOLVED) | M(TXN_REVIEW),
			[TXN_UNRESOLVED] = M(TXN_REVIEW),
		},
		.sup = {[TXN_UNRESOLVED] = CLOSE, [TXN_REVIEW] = CLOSE},
	},
	[TXN_KIND_C2B] = {
		.sys = {
			[TXN_CREATED] = M(TXN_AWAITING) | CLOSE,
			[TXN_AWAITING] = CLOSE | M(TXN_UNKNOWN) | M(TXN_REVIEW),
			[TXN_UNKNOWN] = CLOSE | M(TXN_UNRESOLVED) | M(TXN_REVIEW),
			[TXN_UNRESOLVED] = M(TXN_REVIEW),
		},
		.sup = {[TXN_UNRESOLVED] = CLOSE, [TXN_REVIEW] = CLOSE},
	},
	[TXN_KIND_CASH] = {
		.sys = {[TXN_CREATED] = M(TXN_COMPLETED)},
		.sup = {0},
	},
	[TXN_KIND_STATUS] = {
		.sys = {
			[TXN_CREATED] = M(TXN_SENT) | M(TXN_FAILED),
			[TXN_SENT] = M(TXN_AWAITING) | M(TXN_FAILED) | M(TXN_UNKNOWN),
			[TXN_AWAITING] = CLOSE | M(TXN_UNKNOWN),
			[TXN_UNKNOWN] = CLOSE,
		},
		.sup = {0},
	},
	[TXN_KIND_BALANCE] = {
		.sys = {
			[TXN_CREATED] = M(TXN_SENT) | M(TXN_FAILED),
			[TXN_SENT] = M(TXN_AWAITING) | M(TXN_FAILED) | M(TXN_UNKNOWN),
			[TXN_AWAITING] = CLOSE | M(TXN_UNKNOWN),
			[TXN_UNKNOWN] = CLOSE,
		},
		.sup = {0},
	},
};

static const struct {
	const char *name, *label;
} kinds[] = {
#define TXN_KIND_ROW(e, name, label) {name, label},
	TXN_KINDS(TXN_KIND_ROW)
#undef TXN_KIND_ROW
};

static const struct {
	const char *name;
	bool terminal;
	const char *label;
} states[] = {
#define TXN_STATE_ROW(e, name, terminal, label) {name, terminal, label},
	TXN_STATES(TXN_STATE_ROW)
#undef TXN_STATE_ROW
};

static bool valid_kind(enum txn_kind k)
{
	return (unsigned)k < TXN_KIND_COUNT;
}

static bool valid_state(enum txn_state s)
{
	return (unsigned)s < TXN_STATE_COUNT;
}

const char *txn_kind_name(enum txn_kind k)
{
	return valid_kind(k) ? kinds[k].name : "?";
}

const char *txn_kind_label(enum txn_kind k)
{
	return valid_kind(k) ? kinds[k].label : "Transaction";
}

bool txn_kind_parse(const char *name, enum txn_kind *out)
{
	for (int i = 0; name && i < TXN_KIND_COUNT; i++) {
		if (str_eq(name, kinds[i].name)) {
			*out = (enum txn_kind)i;
			return true;
		}
	}
	return false;
}

bool txn_kind_moves_money(enum txn_kind k)
{
	return k == TXN_KIND_STK || k == TXN_KIND_B2C || k == TXN_KIND_C2B ||
	       k == TXN_KIND_REVERSAL;
}

const char *txn_state_name(enum txn_state s)
{
	return valid_state(s) ? states[s].name : "?";
}

const char *txn_state_label(enum txn_state s)
{
	return valid_state(s) ? states[s].label : "?";
}

bool txn_state_parse(const char *name, enum txn_state *out)
{
	for (int i = 0; name && i < TXN_STATE_COUNT; i++) {
		if (str_eq(name, states[i].name)) {
			*out = (enum txn_state)i;
			return true;
		}
	}
	return false;
}

bool txn_state_is_terminal(enum txn_state s)
{
	return valid_state(s) && states[s].terminal;
}

static unsigned allowed_mask(enum txn_kind k, enum txn_state from, enum txn_actor by)
{
	if (!valid_kind(k) || !valid_state(from))
		return 0;
	switch (by) {
	case TXN_BY_SYSTEM:
		return matrix[k].sys[from];
	case TXN_BY_SUPERVISOR:
		return matrix[k].sup[from];
	}
	return 0;
}

bool txn_transition_allowed(enum txn_kind k, enum txn_state from, enum txn_state to,
                            enum txn_actor by)
{
	return valid_state(to) && (allowed_mask(k, from, by) & M(to)) != 0;
}

enum pos_status txn_transition(enum txn_kind k, enum txn_state *state,
                               enum txn_state to, enum txn_actor by,
                               struct pos_err *err)
{
	if (!state || !valid_kind(k) || !valid_state(*state) || !valid_state(to))
		return pos_err_set(err, POS_E_STATE, "state",
		                   "unknown kind or state (kind %d, from %d, to %d)", (int)k,
		                   state ? (int)*state : -1, (int)to);
	enum txn_state from = *state;
	const char *what = kinds[k].label;
	if (from == to) {
		pos_err_set(err, POS_E_DUPLICATE, "state", "%s is already %s (%s)", what,
		            states[to].name, states[to].label);
		return POS_E_DUPLICATE;
	}
	if (txn_transition_allowed(k, from, to, by)) {
		*state = to;
		pos_err_clear(err);
		return POS_OK;
	}
	enum txn_actor other = by == TXN_BY_SYSTEM ? TXN_BY_SUPERVISOR : TXN_BY_SYSTEM;
	if (txn_transition_allowed(k, from, to, other) && by == TXN_BY_SYSTEM) {
		pos_err_set(err, POS_E_STATE, "state",
		            "%s: only a supervisor can close it from %s (%s) as %s (%s)", what,
		            states[from].name, states[from].label, states[to].name,
		            states[to].label);
		pos_err_hint(err, "ask a supervisor to resolve it");
	} else if (txn_transition_allowed(k, from, to, other)) {
		pos_err_set(err, POS_E_STATE, "state",
		            "%s: the move from %s (%s) to %s (%s) is made by the till, not by "
		            "hand",
		            what, states[from].name, states[from].label, states[to].name,
		            states[to].label);
		pos_err_hint(err, "wait for the result or the reconciliation");
	} else {
		pos_err_set(err, POS_E_STATE, "state", "%s cannot go from %s (%s) to %s (%s)",
		            what, states[from].name, states[from].label, states[to].name,
		            states[to].label);
		if (states[from].terminal)
			pos_err_hint(err, "%s is final: record a new transaction instead",
			             states[from].name);
	}
	return POS_E_STATE;
}
