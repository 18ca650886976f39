/*
 * bus/redis.c: the redis backend. Each event is one entry added to the
 * stream [bus] redis_stream at [bus] redis_address:
 *
 *   XADD <stream> * event <name> id <the event's id> data <the JSON>
 *
 * with hiredis 0.14 (redisConnectWithTimeout, redisSetTimeout: the newer
 * redisConnectWithOptions does not exist there), on the dispatcher's thread,
 * a timeout on the connection and on every command. Redis picks the entry
 * ids, so several tills can share one stream; consumers de-duplicate on the
 * `id` field. A broken connection is dropped; the next attempt reconnects.
 */
#include "bus/bus_int.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "base/str.h"

struct redis {
	redisContext *c;
	char host[256];
	unsigned port;
	char stream[256];
	int timeout_ms;
	int timeout_set_ms;  /* what redisSetTimeout was last given */
};

static struct timeval tv_ms(int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	return tv;
}

static void drop(struct redis *r)
{
	if (r->c)
		redisFree(r->c);
	r->c = NULL;
}

static enum pos_status connect_now(struct redis *r, int ms, struct pos_err *err)
{
	if (r->c)
		return POS_OK;
	r->c = redisConnectWithTimeout(r->host, (int)r->port, tv_ms(ms));
	if (!r->c)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	if (r->c->err) {
		pos_err_set(err, POS_E_NET, "[bus] redis_address",
		            "cannot connect to Redis at %s:%u: %s", r->host, r->port, r->c->errstr);
		pos_err_hint(err, "check that redis-server is running there; events wait in the "
		             "ledger and are sent when it is back");
		drop(r);
		return POS_E_NET;
	}
	r->timeout_set_ms = 0;
	return POS_OK;
}

static void redis_close(void *state)
{
	struct redis *r = state;
	if (!r)
		return;
	drop(r);
	free(r);
}

static enum pos_status redis_open(const struct bus_opts *o, void *ctx, void **state,
                                  struct pos_err *err)
{
	(void)ctx;
	*state = NULL;
	struct redis *r = calloc(1, sizeof *r);
	if (!r)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	if (!o->redis_address ||
	    !config_hostport_split(o->redis_address, r->host, sizeof r->host, &r->port) ||
	    r->port == 0) {
		pos_err_set(err, POS_E_CONFIG, "[bus] redis_address",
		            "\"%.100s\" is not host:port", o->redis_address ? o->redis_address : "");
		pos_err_hint(err, "e.g. 127.0.0.1:6379");
		free(r);
		return POS_E_CONFIG;
	}
	if (!o->redis_stream || !o->redis_stream[0] ||
	    !str_copy(r->stream, sizeof r->stream, o->redis_stream)) {
		free(r);
		return pos_err_set(err, POS_E_CONFIG, "[bus] redis_stream",
		                   "must be a stream name of 1 to %zu characters",
		                   sizeof r->stream - 1);
	}
	r->timeout_ms = bus_call_timeout(o);
	*state = r;
	return POS_OK;
}

static enum pos_status redis_emit(void *state, const char *json, size_t len,
                                  const struct bus_event_meta *meta, struct pos_err *err)
{
	struct redis *r = state;
	int ms = meta->timeout_ms > 0 ? meta->timeout_ms : r->timeout_ms;
	enum pos_status rc = connect_now(r, ms, err);
	if (rc != POS_OK)
		return rc;
	if (r->timeout_set_ms != ms) {
		if (redisSetTimeout(r->c, tv_ms(ms)) != REDIS_OK) {
			drop(r);
			return pos_err_set(err, POS_E_NET, "[bus] redis_address",
			                   "cannot set a timeout on the Redis connection");
		}
		r->timeout_set_ms = ms;
	}
	const char *argv[] = {"XADD", r->stream, "*", "event", meta->name ? meta->name : "",
	                      "id", meta->id ? meta->id : "", "data", json};
	size_t lens[sizeof argv / sizeof argv[0]];
	for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++)
		lens[i] = strlen(argv[i]);
	lens[8] = len;
	redisReply *reply = redisCommandArgv(r->c, (int)(sizeof argv / sizeof argv[0]), argv,
	                                     lens);
	if (!reply) {
		enum pos_status code =
		    r->c->err == REDIS_ERR_IO && strstr(r->c->errstr, "temporarily") ? POS_E_TIMEOUT
		                                                                       : POS_E_NET;
		pos_err_set(err, code, "[bus] redis_address", "XADD to %s at %s:%u failed: %s", r->stream,
		            r->host, r->port, r->c->errstr[0] ? r->c->errstr : "no answer");
		drop(r);
		return code;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		pos_err_set(err, POS_E_NET, "[bus] redis_stream", "Redis refused XADD to %s: %.120s",
		            r->stream, reply->str ? reply->str : "");
		pos_err_hint(err, "check that %s is a stream (or unused) and that this Redis "
		             "accepts writes", r->stream);
		rc = POS_E_NET;
	} else if (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS) {
		rc = pos_err_set(err, POS_E_NET, "[bus] redis_address",
		                 "Redis gave an unexpected answer (type %d) to XADD", reply->type);
	}
	freeReplyObject(reply);
	return rc;
}

static enum pos_status redis_flush(void *state, struct pos_err *err)
{
	(void)state;
	(void)err;
	return POS_OK; /* each XADD is answered once Redis has it */
}

const struct bus_backend_ops bus_redis_ops = {
	.name = "redis",
	.open = redis_open,
	.emit = redis_emit,
	.flush = redis_flush,
	.close = redis_close,
};
