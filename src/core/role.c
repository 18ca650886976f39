/* core/role.c: roles and the minimum role of each action. */
#include "core/role.h"

#include "base/str.h"

static const struct {
	const char *name, *label;
} roles[] = {
#define ROLE_ROW(e, name, label) {name, label},
	ROLES(ROLE_ROW)
#undef ROLE_ROW
};

static const struct {
	const char *name;
	enum role min;
	const char *label;
} actions[] = {
#define ROLE_ACTION_ROW(e, name, min, label) {name, min, label},
	ROLE_ACTIONS(ROLE_ACTION_ROW)
#undef ROLE_ACTION_ROW
};

static bool valid_role(enum role r)
{
	return (unsigned)r < ROLE_COUNT;
}

static bool valid_action(enum role_action a)
{
	return (unsigned)a < ROLE_ACTION_COUNT;
}

const char *role_name(enum role r)
{
	return valid_role(r) ? roles[r].name : "?";
}

const char *role_label(enum role r)
{
	return valid_role(r) ? roles[r].label : "?";
}

bool role_parse(const char *name, enum role *out)
{
	for (int i = 0; name && i < ROLE_COUNT; i++) {
		if (str_eq_nocase(name, roles[i].name)) {
			*out = (enum role)i;
			return true;
		}
	}
	return false;
}

const char *role_action_name(enum role_action a)
{
	return valid_action(a) ? actions[a].name : "?";
}

const char *role_action_label(enum role_action a)
{
	return valid_action(a) ? actions[a].label : "?";
}

bool role_action_parse(const char *name, enum role_action *out)
{
	for (int i = 0; name && i < ROLE_ACTION_COUNT; i++) {
		if (str_eq_nocase(name, actions[i].name)) {
			*out = (enum role_action)i;
			return true;
		}
	}
	return false;
}

enum role role_action_min(enum role_action a)
{
	return valid_action(a) ? actions[a].min : ROLE_ADMIN;
}

bool role_allows(enum role r, enum role_action a)
{
	return valid_role(r) && valid_action(a) && r >= actions[a].min;
}

static const char *article(enum role r)
{
	return r == ROLE_ADMIN ? "an" : "a";
}

enum pos_status role_check(enum role r, enum role_action a, struct pos_err *err)
{
	if (role_allows(r, a)) {
		pos_err_clear(err);
		return POS_OK;
	}
	if (!valid_role(r) || !valid_action(a))
		return pos_err_set(err, POS_E_DENIED, "role", "unknown role or action");
	enum role need = actions[a].min;
	pos_err_set(err, POS_E_DENIED, "role", "%s %s cannot %s: it needs %s %s",
	            article(r), roles[r].name, actions[a].label, article(need),
	            roles[need].name);
	pos_err_hint(err, "ask %s %s to sign in", article(need), roles[need].name);
	return POS_E_DENIED;
}
