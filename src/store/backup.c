/*
 * store/backup.c: a consistent copy of the live database (SQLite's online
 * backup API), written beside the destination, checked, and renamed into
 * place, so a half-written backup never replaces a good one.
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"

enum { BUSY_RETRIES = 100, BUSY_SLEEP_MS = 50 };

/* Make the rename durable: fsync the folder that holds path. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		str_copy(dir, sizeof dir, ".");
	else if (slash == path)
		str_copy(dir, sizeof dir, "/");
	else if (!str_copyn(dir, sizeof dir, path, (size_t)(slash - path)))
		return;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

static enum pos_status dest_error(sqlite3 *dst, const char *path, int rc,
                                  struct pos_err *err)
{
	const char *msg = dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_FULL)
		pos_err_set(err, POS_E_STORE, "backup",
		            "the backup %s could not be written: the disk is full (%s)", path, msg);
	else
		pos_err_set(err, POS_E_STORE, "backup",
		            "the backup %s could not be written: %s", path, msg);
	pos_err_hint(err, "check the folder exists, is writable and has free space");
	return POS_E_STORE;
}

/* Run the copy; rc of the last step. */
static int copy_all(sqlite3 *dst, sqlite3 *src)
{
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	int rc, tries = 0;
	if (!b)
		return sqlite3_errcode(dst);
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(BUSY_SLEEP_MS);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
	         ++tries < BUSY_RETRIES);
	int frc = sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? frc : rc;
}

/* The copy as a self-contained file (no -wal beside it), and sound. */
static int settle_and_check(sqlite3 *dst, bool *ok)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	*ok = false;
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &s, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		*ok = t && strcmp((const char *)t, "ok") == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

enum pos_status store_backup(struct store *st, const char *dest_path,
                             struct pos_err *err)
{
	sqlite3 *dst = NULL;
	char *tmp = NULL;
	enum pos_status prc = POS_OK;
	bool ok;
	int rc, fd;

	if (!store_is_set(dest_path))
		return pos_err_set(err, POS_E_EMPTY, "backup", "no file name given");
	if (str_eq(dest_path, st->path))
		return pos_err_set(err, POS_E_INVALID, "backup",
		                   "%s is the database itself; choose another file", dest_path);
	size_t n = strlen(dest_path) + sizeof ".tmp";
	if (!(tmp = malloc(n)))
		return pos_err_set(err, POS_E_NOMEM, "", NULL);
	str_fmt(tmp, n, "%s.tmp", dest_path);
	if (unlink(tmp) != 0 && errno != ENOENT) {
		prc = pos_err_set(err, POS_E_IO, "backup", "%s cannot be replaced: %s", tmp,
		                  strerror(errno));
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		prc = pos_err_set(err, POS_E_IO, "backup", "%s cannot be created: %s", tmp,
		                  strerror(errno));
		pos_err_hint(err, "check the folder exists and is writable");
		goto out;
	}
	close(fd);
	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK || (rc = copy_all(dst, st->db)) != SQLITE_OK ||
	    (rc = settle_and_check(dst, &ok)) != SQLITE_OK) {
		prc = dest_error(dst, dest_path, rc, err);
		goto out;
	}
	if (!ok) {
		prc = pos_err_set(err, POS_E_STORE, "backup",
		                  "the copy failed its integrity check; %s was left as it was",
		                  dest_path);
		goto out;
	}
	rc = sqlite3_close(dst);
	dst = NULL;
	if (rc != SQLITE_OK) {
		prc = dest_error(NULL, dest_path, rc, err);
		goto out;
	}
	if (rename(tmp, dest_path) != 0) {
		prc = pos_err_set(err, POS_E_IO, "backup", "%s cannot be replaced: %s",
		                  dest_path, strerror(errno));
		goto out;
	}
	sync_dir(dest_path);
out:
	if (dst)
		sqlite3_close(dst);
	if (prc != POS_OK && tmp)
		unlink(tmp);
	free(tmp);
	return prc;
}
