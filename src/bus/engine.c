/*
 * bus/engine.c: delivery rounds, shared by the dispatcher thread and
 * bus_deliver_pending().
 *
 * Per backend, one round reads up to a batch of events after its cursor,
 * emits them in id order until the first failure, flushes, and only then
 * moves the cursor past the events delivered (so an event is acknowledged
 * only once it is durable at the backend). A failure closes the backend
 * (the next attempt opens it afresh) and schedules the next attempt after an
 * exponential backoff; success resets it. Each backend's last outcome is
 * recorded in the ledger (setting bus.state.<name>) for `bus status` in
 * other processes.
 */
#include "bus/bus_int.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/str.h"

enum { BATCH_HARD_MAX = 1024, ACK_EVERY_MS = 250 };

static size_t batch_size(const struct bus_opts *o)
{
	size_t n = o->batch ? o->batch : BUS_BATCH;
	return n > BATCH_HARD_MAX ? BATCH_HARD_MAX : n;
}

static int64_t backoff_min(const struct bus_opts *o)
{
	return o->backoff_min_ms > 0 ? o->backoff_min_ms : BUS_BACKOFF_MIN_MS;
}

static int64_t backoff_max(const struct bus_opts *o)
{
	int64_t max = o->backoff_max_ms > 0 ? o->backoff_max_ms : BUS_BACKOFF_MAX_MS;
	return max < backoff_min(o) ? backoff_min(o) : max;
}

enum pos_status bus_engine_init(struct bus_engine *e, const struct bus_opts *o,
                                struct pos_err *err)
{
	char names[BUS_BACKENDS_MAX][BUS_NAME_MAX];
	size_t n = 0;
	enum pos_status rc;

	memset(e, 0, sizeof *e);
	e->o = *o;
	e->lock_fd = -1;
	if ((rc = bus_opts_check(o, err)) != POS_OK)
		return rc;
	if (o->custom) {
		for (size_t i = 0; i < o->n_custom; i++) {
			if (!o->custom[i] || !o->custom[i]->name ||
			    strlen(o->custom[i]->name) >= BUS_NAME_MAX)
				return pos_err_set(err, POS_E_CONFIG, "backends",
				                   "custom backend %zu has no usable name", i);
			e->slot[e->n++].ops = o->custom[i];
		}
	} else {
		if ((rc = bus_backend_names(o->backends, names, BUS_BACKENDS_MAX, &n, err)) !=
		    POS_OK)
			return rc;
		for (size_t i = 0; i < n; i++)
			e->slot[e->n++].ops = bus_backend_find(names[i]);
	}
	for (size_t i = 0; i < e->n; i++) {
		str_copy(e->slot[i].st.name, sizeof e->slot[i].st.name, e->slot[i].ops->name);
		/* A deliverer before us may have recorded a failure: the first
		 * success records that it is over. */
		e->slot[i].saved_failure = true;
	}
	if (!bus_lock_path(o, e->lock_path, sizeof e->lock_path))
		return pos_err_set(err, POS_E_TOO_LONG, "[store] path",
		                   "is too long to name the lock file beside it");
	if (e->n == 0)
		return POS_OK; /* nothing to deliver: no ledger needed */
	if (!o->db_path || !o->db_path[0])
		return pos_err_set(err, POS_E_CONFIG, "[store] path", "is empty");
	struct store_opts so = {.busy_timeout_ms = o->busy_timeout_ms};
	return store_open(o->db_path, &so, &e->st, err);
}

bool bus_engine_lock(struct bus_engine *e, struct pos_err *err)
{
	if (e->lock_fd >= 0)
		return true;
	int fd = open(e->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		pos_err_set(err, POS_E_IO, "[store] path", "cannot create the lock file %s: %s",
		            e->lock_path, strerror(errno));
		pos_err_hint(err, "let this user write in the database's folder");
		return false;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int en = errno;
		close(fd);
		if (en == EWOULDBLOCK)
			pos_err_set(err, POS_E_BUSY, "", "another process delivers this ledger's events");
		else
			pos_err_set(err, POS_E_IO, "[store] path", "cannot lock %s: %s", e->lock_path,
			            strerror(en));
		return false;
	}
	e->lock_fd = fd;
	return true;
}

/* ---- one backend ------------------------------------------------------------- */

static void save_state(struct bus_engine *e, const struct bus_slot *s)
{
	char key[STORE_KEY_MAX];
	if (!bus_state_key(s->st.name, key, sizeof key))
		return;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddBoolToObject(o, "ok", !s->st.failing);
	cJSON_AddNumberToObject(o, "at", (double)clock_now_ms());
	if (s->st.failing) {
		cJSON_AddStringToObject(o, "error", s->st.last_error);
		cJSON_AddNumberToObject(o, "failures", (double)s->st.failures);
		cJSON_AddNumberToObject(o, "next_try_at", (double)s->st.next_try_at);
	}
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text && strlen(text) < STORE_SETTING_MAX)
		store_setting_set(e->st, key, text, NULL);
	cJSON_free(text);
}

static void slot_close(struct bus_slot *s)
{
	if (s->open)
		s->ops->close(s->state);
	s->open = false;
	s->state = NULL;
}

/* A failed attempt: backoff, record, and (unless the ledger failed, not the
 * backend) close the backend so that the next attempt starts afresh. */
static int64_t slot_failed(struct bus_engine *e, struct bus_slot *s,
                           const struct pos_err *err, bool close_backend)
{
	char msg[POS_ERR_MSG_MAX];
	int64_t now = clock_mono_ms();
	if (err->field[0])
		str_fmt(msg, sizeof msg, "%s: %s", err->field, err->msg);
	else
		str_copy(msg, sizeof msg, err->msg[0] ? err->msg : pos_status_sentence(err->code));
	bool same = s->st.failing && str_eq(msg, s->st.last_error);
	if (close_backend)
		slot_close(s);
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : backoff_min(&e->o);
	if (s->backoff_ms > backoff_max(&e->o))
		s->backoff_ms = backoff_max(&e->o);
	s->next_try_mono = now + s->backoff_ms;
	s->st.failing = true;
	s->st.failures++;
	s->st.last_error_at = clock_now_ms();
	s->st.next_try_at = s->st.last_error_at + s->backoff_ms;
	str_copy(s->st.last_error, sizeof s->st.last_error, msg);
	if (same)
		log_debug("bus", "%s: attempt %lld failed again: %s; next in %lld ms", s->st.name,
		          (long long)s->st.failures, msg, (long long)s->backoff_ms);
	else
		log_warn("bus", "%s: delivery failed: %s%s%s; %lld event(s) wait; trying again in "
		         "%lld ms", s->st.name, msg, err->hint[0] ? "; " : "", err->hint,
		         (long long)s->st.pending, (long long)s->backoff_ms);
	save_state(e, s);
	s->saved_failure = true;
	return s->backoff_ms;
}

static void slot_ok(struct bus_engine *e, struct bus_slot *s)
{
	if (s->st.failing)
		log_info("bus", "%s: delivering again after %lld failed attempt(s)", s->st.name,
		         (long long)s->st.failures);
	s->backoff_ms = 0;
	s->next_try_mono = 0;
	s->st.failing = false;
	s->st.failures = 0;
	s->st.next_try_at = 0;
	if (s->saved_failure) {
		save_state(e, s);
		s->saved_failure = false;
	}
}

static bool first_cb(const struct store_outbox_row *row, void *ctx)
{
	*(int64_t *)ctx = row->created_at;
	return false;
}

static void refresh(struct bus_engine *e, struct bus_slot *s)
{
	int64_t n = 0, at = 0;
	if (store_outbox_pending(e->st, s->st.name, &n, NULL) != POS_OK)
		return;
	if (n > 0 && store_outbox_read(e->st, s->st.name, 1, first_cb, &at, NULL) != POS_OK)
		return;
	s->st.pending = n;
	s->st.oldest_at = n > 0 ? at : 0;
}

struct item {
	int64_t id, txn_id;
	char *json;
	size_t len;
	char ev_id[BUS_ID_MAX];
	char name[STORE_EVENT_MAX];
};

struct batch {
	const struct bus_opts *o;
	struct item *items;
	size_t n, cap;
	enum pos_status rc;
	struct pos_err err;
};

static bool collect(const struct store_outbox_row *row, void *ctx)
{
	struct batch *b = ctx;
	if (b->n >= b->cap)
		return false;
	struct item *it = &b->items[b->n];
	memset(it, 0, sizeof *it);
	b->rc = bus_event_json(row, b->o, &it->json, &it->len, it->ev_id, &b->err);
	if (b->rc != POS_OK)
		return false;
	it->id = row->id;
	it->txn_id = row->txn_id;
	str_copy(it->name, sizeof it->name, row->event ? row->event : "");
	b->n++;
	return true;
}

static int call_timeout(const struct bus_engine *e, int64_t deadline)
{
	int64_t t = bus_call_timeout(&e->o);
	if (deadline) {
		int64_t left = deadline - clock_mono_ms();
		if (left < t)
			t = left < 1 ? 1 : left;
	}
	return (int)t;
}

/* Flush the backend, then move its cursor past items [from, to). False (err
 * filled) when the flush failed: nothing of those is acknowledged. */
static bool commit(struct bus_engine *e, struct bus_slot *s, const struct batch *b,
                   size_t from, size_t to, struct pos_err *err)
{
	struct pos_err aerr;
	enum pos_status rc = s->ops->flush(s->state, err);
	if (rc != POS_OK) {
		if (err->code == POS_OK)
			pos_err_set(err, rc, "", NULL);
		return false;
	}
	if (store_outbox_ack(e->st, s->st.name, b->items[to - 1].id, &aerr) == POS_OK)
		s->st.delivered += (int64_t)(to - from);
	else
		/* Delivered but not marked: they will be delivered again (same ids). */
		log_warn("bus", "%s: %zu event(s) delivered but not marked so in the ledger: %s; "
		         "they will be sent again", s->st.name, to - from, aerr.msg);
	return true;
}

static int64_t slot_round(struct bus_engine *e, struct bus_slot *s, int64_t deadline)
{
	struct pos_err err;
	int64_t now = clock_mono_ms();
	enum pos_status rc;
	size_t cap = batch_size(&e->o), ok = 0;
	bool failed = false, cut = false;

	pos_err_clear(&err);
	if (s->next_try_mono && now < s->next_try_mono)
		return s->next_try_mono - now;
	if (deadline && now >= deadline)
		return 1;
	if (!s->open) {
		struct bus_opts o = e->o;
		o.call_timeout_ms = call_timeout(e, deadline);
		if ((rc = s->ops->open(&o, e->o.custom_ctx, &s->state, &err)) != POS_OK) {
			if (err.code == POS_OK)
				pos_err_set(&err, rc, "", NULL);
			refresh(e, s);
			return slot_failed(e, s, &err, true);
		}
		s->open = true;
	}

	struct batch b = {.o = &e->o, .cap = cap, .rc = POS_OK};
	b.items = calloc(cap, sizeof *b.items);
	if (!b.items) {
		pos_err_set(&err, POS_E_NOMEM, "", NULL);
		return slot_failed(e, s, &err, false);
	}
	rc = store_outbox_read(e->st, s->st.name, cap, collect, &b, &err);
	if (rc == POS_OK && b.rc != POS_OK) {
		rc = b.rc;
		err = b.err;
	}
	if (rc != POS_OK && b.n == 0) {
		free(b.items);
		return slot_failed(e, s, &err, false); /* the ledger, not the backend */
	}
	/* Emit in order until the first failure, making progress durable and
	 * acknowledged at least every ACK_EVERY_MS, so that a crash in a slow
	 * batch repeats only the events since then. */
	size_t acked = 0;
	int64_t last_ack = clock_mono_ms();
	for (size_t i = 0; i < b.n && !failed; i++) {
		if (deadline && clock_mono_ms() >= deadline)
			break;
		struct bus_event_meta m = {.outbox_id = b.items[i].id,
		                           .id = b.items[i].ev_id,
		                           .name = b.items[i].name,
		                           .txn_id = b.items[i].txn_id,
		                           .timeout_ms = call_timeout(e, deadline)};
		pos_err_clear(&err);
		if ((rc = s->ops->emit(s->state, b.items[i].json, b.items[i].len, &m, &err)) !=
		    POS_OK) {
			if (err.code == POS_OK)
				pos_err_set(&err, rc, "", NULL);
			failed = true;
			/* Timed out only because the caller's deadline shortened the
			 * call: not the backend's failure. */
			cut = rc == POS_E_TIMEOUT && m.timeout_ms < bus_call_timeout(&e->o);
		} else {
			ok++;
		}
		if (!failed && ok < b.n && clock_mono_ms() - last_ack >= ACK_EVERY_MS) {
			if (!commit(e, s, &b, acked, ok, &err)) {
				failed = true;
				break;
			}
			acked = ok;
			last_ack = clock_mono_ms();
		}
	}
	if (ok > acked) {
		struct pos_err ferr;
		pos_err_clear(&ferr);
		if (commit(e, s, &b, acked, ok, &ferr))
			acked = ok;
		else {
			err = ferr; /* nothing after `acked` is known to be durable */
			failed = true;
		}
	}
	size_t n = b.n;
	for (size_t i = 0; i < b.n; i++)
		free(b.items[i].json);
	free(b.items);
	refresh(e, s);
	if (failed && cut && acked == ok) {
		/* The connection is mid-request: start afresh next time, with the
		 * backend's record (failing or not, its last error) unchanged. */
		slot_close(s);
		return 1;
	}
	if (failed)
		return slot_failed(e, s, &err, true);
	slot_ok(e, s);
	return n == cap && acked == n ? 0 : -1;
}

int64_t bus_engine_round(struct bus_engine *e, int64_t deadline_mono)
{
	int64_t next = -1;
	for (size_t i = 0; i < e->n; i++) {
		int64_t d = slot_round(e, &e->slot[i], deadline_mono);
		if (d >= 0 && (next < 0 || d < next))
			next = d;
	}
	return next;
}

void bus_engine_retry_now(struct bus_engine *e)
{
	for (size_t i = 0; i < e->n; i++)
		e->slot[i].next_try_mono = 0;
}

void bus_engine_refresh(struct bus_engine *e)
{
	for (size_t i = 0; i < e->n; i++)
		refresh(e, &e->slot[i]);
}

int64_t bus_engine_pending(const struct bus_engine *e)
{
	int64_t most = 0;
	for (size_t i = 0; i < e->n; i++)
		if (e->slot[i].st.pending > most)
			most = e->slot[i].st.pending;
	return most;
}

void bus_engine_status(const struct bus_engine *e, struct bus_status *out)
{
	memset(out, 0, sizeof *out);
	out->at = clock_now_ms();
	out->n = e->n;
	for (size_t i = 0; i < e->n; i++) {
		const struct bus_backend_status *b = &e->slot[i].st;
		out->backend[i] = *b;
		if (b->pending > out->pending)
			out->pending = b->pending;
		if (b->oldest_at && (!out->oldest_at || b->oldest_at < out->oldest_at))
			out->oldest_at = b->oldest_at;
	}
	out->dispatcher_running = e->lock_fd >= 0;
}

void bus_engine_release(struct bus_engine *e)
{
	for (size_t i = 0; i < e->n; i++)
		slot_close(&e->slot[i]);
	if (e->lock_fd >= 0) {
		flock(e->lock_fd, LOCK_UN);
		close(e->lock_fd);
		e->lock_fd = -1;
	}
	store_close(e->st);
	e->st = NULL;
}
