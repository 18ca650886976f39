/*
 * bus/jsonl.c: the jsonl backend. Each event is one line (the JSON, then
 * '\n') appended to [bus] jsonl_path with a single write(2) on a file opened
 * O_APPEND (mode 0600: events name customers' phone numbers).
 *
 * Durability by [bus] jsonl_fsync: always (fdatasync after each line),
 * batch (once per batch, before the batch is acknowledged: the default),
 * never (the kernel decides; a power cut may lose acknowledged lines).
 *
 * A crash in the middle of a line leaves a partial line; on open, a file that
 * does not end with '\n' gets one, so the repeated event starts a line of its
 * own and readers can skip the broken one. A file renamed away (log rotation)
 * is noticed after each batch and the path is opened anew.
 */
#include "bus/bus_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/str.h"

struct jsonl {
	int fd;
	enum bus_fsync fsync;
	bool dirty;           /* written since the last fdatasync */
	bool check_rotation;  /* compare the path with fd before the next write */
	dev_t dev;
	ino_t ino;
	char path[BUS_PATH_MAX];
};

static enum pos_status io_error(struct jsonl *j, const char *what, struct pos_err *err)
{
	int e = errno;
	pos_err_set(err, POS_E_IO, "[bus] jsonl_path", "%s %s: %s", what, j->path, strerror(e));
	if (e == ENOENT)
		pos_err_hint(err, "create the folder, or set [bus] jsonl_path to a file in one "
		             "that exists");
	else if (e == EACCES || e == EROFS || e == EPERM)
		pos_err_hint(err, "let this user write there, or set [bus] jsonl_path elsewhere");
	else if (e == ENOSPC || e == EDQUOT)
		pos_err_hint(err, "free disk space; the events wait in the ledger meanwhile");
	return POS_E_IO;
}

static enum pos_status write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return POS_E_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return POS_OK;
}

static enum pos_status reopen(struct jsonl *j, struct pos_err *err)
{
	struct stat sb;
	char last;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = open(j->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (j->fd < 0)
		return io_error(j, "cannot open", err);
	if (fstat(j->fd, &sb) != 0)
		return io_error(j, "cannot inspect", err);
	if (!S_ISREG(sb.st_mode)) {
		errno = EISDIR;
		return io_error(j, "is not a regular file:", err);
	}
	j->dev = sb.st_dev;
	j->ino = sb.st_ino;
	/* Finish a line a crash cut short. */
	if (sb.st_size > 0) {
		int rfd = open(j->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		ssize_t r = -1;
		if (rfd >= 0) {
			r = pread(rfd, &last, 1, sb.st_size - 1);
			close(rfd);
		}
		if (r == 1 && last != '\n' && write_all(j->fd, "\n", 1) != POS_OK)
			return io_error(j, "cannot write to", err);
	}
	j->check_rotation = false;
	return POS_OK;
}

static void jsonl_close(void *state)
{
	struct jsonl *j = state;
	if (!j)
		return;
	if (j->fd >= 0) {
		if (j->dirty && j->fsync != BUS_FSYNC_NEVER)
			fdatasync(j->fd);
		close(j->fd);
	}
	free(j);
}

static enum pos_status jsonl_open(const struct bus_opts *o, void *ctx, void **state,
                                  struct pos_err *err)
{
	(void)ctx;
	*state = NULL;
	if (!o->jsonl_path || !o->jsonl_path[0])
		return pos_err_set(err, POS_E_CONFIG, "[bus] jsonl_path",
		                   "is empty; name the file events are appended to");
	struct jsonl *j = calloc(1, sizeof *j);
	if (!j)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	j->fd = -1;
	j->fsync = o->jsonl_fsync;
	if (!str_copy(j->path, sizeof j->path, o->jsonl_path)) {
		free(j);
		return pos_err_set(err, POS_E_TOO_LONG, "[bus] jsonl_path",
		                   "is longer than %d bytes", BUS_PATH_MAX - 1);
	}
	enum pos_status rc = reopen(j, err);
	if (rc != POS_OK) {
		jsonl_close(j);
		return rc;
	}
	*state = j;
	return POS_OK;
}

static enum pos_status sync_now(struct jsonl *j, struct pos_err *err)
{
	if (fdatasync(j->fd) != 0)
		return io_error(j, "cannot flush to disk", err);
	j->dirty = false;
	return POS_OK;
}

static enum pos_status jsonl_emit(void *state, const char *json, size_t len,
                                  const struct bus_event_meta *meta, struct pos_err *err)
{
	struct jsonl *j = state;
	struct stat sb;
	enum pos_status rc;
	(void)meta;
	if (j->check_rotation &&
	    (stat(j->path, &sb) != 0 || sb.st_dev != j->dev || sb.st_ino != j->ino)) {
		if (j->dirty && j->fsync != BUS_FSYNC_NEVER && (rc = sync_now(j, err)) != POS_OK)
			return rc;
		if ((rc = reopen(j, err)) != POS_OK)
			return rc;
	}
	j->check_rotation = false;
	/* One write per line, so concurrent readers never see half a line from
	 * us unless the disk fills. */
	char *line = malloc(len + 1);
	if (!line)
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	memcpy(line, json, len);
	line[len] = '\n';
	rc = write_all(j->fd, line, len + 1);
	free(line);
	if (rc != POS_OK)
		return io_error(j, "cannot write to", err);
	j->dirty = true;
	if (j->fsync == BUS_FSYNC_ALWAYS)
		return sync_now(j, err);
	return POS_OK;
}

static enum pos_status jsonl_flush(void *state, struct pos_err *err)
{
	struct jsonl *j = state;
	j->check_rotation = true;
	if (j->dirty && j->fsync == BUS_FSYNC_BATCH)
		return sync_now(j, err);
	return POS_OK;
}

const struct bus_backend_ops bus_jsonl_ops = {
	.name = "jsonl",
	.open = jsonl_open,
	.emit = jsonl_emit,
	.flush = jsonl_flush,
	.close = jsonl_close,
};
