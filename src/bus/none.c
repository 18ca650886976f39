/*
 * bus/none.c: the none backend. It accepts every event and sends it
 * nowhere. `[bus] backends = none` never builds it (no backend at all, no
 * cursor moves); it exists for an explicit name in tests and for embedders
 * who want a backend that always succeeds.
 */
#include "bus/bus_int.h"

static enum pos_status none_open(const struct bus_opts *o, void *ctx, void **state,
                                 struct pos_err *err)
{
	(void)o;
	(void)ctx;
	(void)err;
	*state = NULL;
	return POS_OK;
}

static enum pos_status none_emit(void *state, const char *json, size_t len,
                                 const struct bus_event_meta *meta, struct pos_err *err)
{
	(void)state;
	(void)json;
	(void)len;
	(void)meta;
	(void)err;
	return POS_OK;
}

static enum pos_status none_flush(void *state, struct pos_err *err)
{
	(void)state;
	(void)err;
	return POS_OK;
}

static void none_close(void *state)
{
	(void)state;
}

const struct bus_backend_ops bus_none_ops = {
	.name = "none",
	.open = none_open,
	.emit = none_emit,
	.flush = none_flush,
	.close = none_close,
};
