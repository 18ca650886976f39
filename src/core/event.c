/* core/event.c: the IF.bus event catalogue. */
#include "core/event.h"

#include "base/str.h"

static const struct {
	const char *name;
	uint32_t fields;
} events[] = {
#define EVENT_TYPE_ROW(e, name, fields) {name, fields},
	EVENT_TYPES(EVENT_TYPE_ROW)
#undef EVENT_TYPE_ROW
};

static const char *const field_names[] = {
#define EVENT_FIELD_NAME(e, name) name,
	EVENT_FIELDS(EVENT_FIELD_NAME)
#undef EVENT_FIELD_NAME
};

static const char *const envelope_names[] = {
#define EVENT_ENVELOPE_NAME(e, name) name,
	EVENT_ENVELOPE(EVENT_ENVELOPE_NAME)
#undef EVENT_ENVELOPE_NAME
};

_Static_assert(EVENT_FIELD_COUNT <= 32, "event fields must fit a uint32_t mask");

static bool valid_event(enum event_type ev)
{
	return (unsigned)ev < EVENT_TYPE_COUNT;
}

const char *event_name(enum event_type ev)
{
	return valid_event(ev) ? events[ev].name : "?";
}

bool event_parse(const char *name, enum event_type *out)
{
	for (int i = 0; name && i < EVENT_TYPE_COUNT; i++) {
		if (str_eq(name, events[i].name)) {
			*out = (enum event_type)i;
			return true;
		}
	}
	return false;
}

uint32_t event_fields(enum event_type ev)
{
	return valid_event(ev) ? events[ev].fields : 0;
}

bool event_has_field(enum event_type ev, enum event_field f)
{
	return (unsigned)f < EVENT_FIELD_COUNT && (event_fields(ev) & EVF(f)) != 0;
}

size_t event_field_count(enum event_type ev)
{
	size_t n = 0;
	for (uint32_t m = event_fields(ev); m; m &= m - 1)
		n++;
	return n;
}

bool event_field_at(enum event_type ev, size_t i, enum event_field *out)
{
	uint32_t m = event_fields(ev);
	for (int f = 0; f < EVENT_FIELD_COUNT; f++) {
		if (!(m & EVF(f)))
			continue;
		if (i == 0) {
			*out = (enum event_field)f;
			return true;
		}
		i--;
	}
	return false;
}

const char *event_field_name(enum event_field f)
{
	return (unsigned)f < EVENT_FIELD_COUNT ? field_names[f] : "?";
}

bool event_field_parse(const char *name, enum event_field *out)
{
	for (int i = 0; name && i < EVENT_FIELD_COUNT; i++) {
		if (str_eq(name, field_names[i])) {
			*out = (enum event_field)i;
			return true;
		}
	}
	return false;
}

const char *event_envelope_name(enum event_envelope e)
{
	return (unsigned)e < EVENT_ENVELOPE_COUNT ? envelope_names[e] : "?";
}

/* Product events per kind: initiated (sent -> awaiting), success, failure. */
static const struct {
	int initiated, success, failure;
} product[TXN_KIND_COUNT] = {
	[TXN_KIND_STK] = {EV_STK_PUSH_INITIATED, EV_STK_PUSH_SUCCESS, EV_STK_PUSH_FAILED},
	[TXN_KIND_B2C] = {EV_B2C_INITIATED, EV_B2C_SUCCESS, EV_B2C_FAILED},
	[TXN_KIND_REVERSAL] = {EV_REVERSAL_INITIATED, EV_REVERSAL_SUCCESS,
	                       EV_REVERSAL_FAILED},
	[TXN_KIND_C2B] = {EV_C2B_VALIDATION, EV_C2B_CONFIRMED, EV_ERROR_OCCURRED},
	[TXN_KIND_CASH] = {-1, EV_SALE_CASH_RECORDED, -1},
	[TXN_KIND_STATUS] = {EV_TRANSACTION_STATUS_QUERY, -1, EV_ERROR_OCCURRED},
	[TXN_KIND_BALANCE] = {EV_BALANCE_QUERY, EV_BALANCE_RESULT, EV_ERROR_OCCURRED},
};

static bool emit(int ev, enum event_type *out)
{
	if (ev < 0)
		return false;
	if (out)
		*out = (enum event_type)ev;
	return true;
}

bool event_for_transition(enum txn_kind k, enum txn_state from, enum txn_state to,
                          enum event_type *out)
{
	if ((unsigned)k >= TXN_KIND_COUNT || (unsigned)from >= TXN_STATE_COUNT ||
	    (unsigned)to >= TXN_STATE_COUNT || from == to)
		return false;
	switch (to) {
	case TXN_REVIEW:
		return emit(EV_CALLBACK_CONFLICT, out);
	case TXN_UNRESOLVED:
		return emit(EV_RECONCILE_UNRESOLVED, out);
	case TXN_COMPLETED:
	case TXN_FAILED:
		if (from == TXN_REVIEW || from == TXN_UNRESOLVED)
			return emit(EV_RECONCILE_RESOLVED, out);
		if (k == TXN_KIND_C2B && to == TXN_FAILED && from == TXN_CREATED)
			return emit(EV_C2B_VALIDATION, out); /* we refused it */
		return emit(to == TXN_COMPLETED ? product[k].success : product[k].failure, out);
	case TXN_CANCELLED:
	case TXN_TIMED_OUT:
		return emit(product[k].failure, out);
	case TXN_AWAITING:
		if (k == TXN_KIND_C2B)
			return from == TXN_CREATED && emit(EV_C2B_VALIDATION, out);
		return from == TXN_SENT && emit(product[k].initiated, out);
	case TXN_CREATED:
	case TXN_SENT:
	case TXN_UNKNOWN:
	case TXN_STATE_COUNT:
		break;
	}
	return false;
}
