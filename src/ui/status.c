/* ui/status.c: the facts of the status line, gathered once a second. */
#include <stdio.h>
#include <string.h>

#include "app/doctor.h"
#include "base/clock.h"
#include "base/str.h"
#include "config/config.h"
#include "daraja/client.h"
#include "ui/ui_int.h"

/* Undelivered events of the most lagging configured backend; false when
 * no backend is configured. */
static bool outbox_lag(struct ui *ui, int64_t *lag)
{
	const char *list = ui_config(ui)->bus.backends;
	char copy[256];
	str_copy(copy, sizeof copy, list);
	*lag = 0;
	bool any = false;
	char *p = copy;
	while (p && *p) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		char *name = str_trim(p);
		if (*name && !str_eq(name, "none")) {
			int64_t n = 0;
			if (store_outbox_pending(ui_store(ui), name, &n, NULL) == POS_OK) {
				any = true;
				if (n > *lag)
					*lag = n;
			}
		}
		p = comma ? comma + 1 : NULL;
	}
	return any;
}

/* The initiator password's expiry (app/doctor.h), looked at once a minute
 * (the ledger is asked once: app_password_age remembers): from two weeks
 * before it, then once it has expired. */
static void password_notice(struct app *a, struct ui_status *s)
{
	static int64_t next_ms;
	static char notice[sizeof s->notice];
	static bool alarm;
	int64_t now = clock_mono_ms();
	if (!next_ms) /* first look 2 s in: the first screen is not held up */
		next_ms = now + 2000;
	if (now >= next_ms) {
		struct app_password_age p;
		next_ms = now + 60000;
		notice[0] = '\0';
		alarm = false;
		if (app_password_age(a, &p, NULL) == POS_OK && p.known &&
		    p.verdict != APP_VERDICT_OK) {
			alarm = p.verdict == APP_VERDICT_FAILED;
			if (alarm)
				str_copy(notice, sizeof notice, "INITIATOR PW EXPIRED");
			else
				snprintf(notice, sizeof notice, "initiator pw: %lldd left",
				         (long long)p.days_left);
		}
	}
	str_copy(s->notice, sizeof s->notice, notice);
	s->notice_alarm = alarm;
}

void ui_status_refresh(struct ui *ui, struct ui_status *s)
{
	struct app *a = ui_app(ui);
	struct app_reach_info r;
	app_daraja_reachable(a, &r);
	s->daraja_known = r.state != APP_REACH_UNTRIED;
	s->daraja_ok = r.state == APP_REACH_UP;
	switch (r.breaker) {
	case DARAJA_CIRCUIT_OPEN:
		str_copy(s->breaker, sizeof s->breaker, "OPEN");
		break;
	case DARAJA_CIRCUIT_HALF_OPEN:
		str_copy(s->breaker, sizeof s->breaker, "half-open");
		break;
	default:
		str_copy(s->breaker, sizeof s->breaker, "closed");
		break;
	}
	const char *url = app_listener_url(a);
	s->listening = url != NULL;
	str_copy(s->listener, sizeof s->listener, url ? url : "poll mode");
	s->outbox_known = outbox_lag(ui, &s->outbox_lag);
	password_notice(a, s);
}

/* A transaction's answer reached the flows, and so app_daraja_reachable():
 * show it now rather than at the next refresh. */
void ui_status_daraja_seen(struct ui *ui, const struct store_txn *t)
{
	(void)t;
	ui_status_refresh(ui, ui_status_mut(ui));
	ui_dirty(ui);
}
