/* store/db.c: opening the database, prepared statements, transactions, and
 * turning SQLite's results into sentences for the person at the till. */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/str.h"

enum { DEFAULT_BUSY_MS = 5000 };

static const char *const sql_text[SQL_COUNT] = {
#define STORE_SQL_TEXT(id, sql) [id] = sql,
	STORE_SQL(STORE_SQL_TEXT)
#undef STORE_SQL_TEXT
};

const char *store_path(const struct store *st)
{
	return st ? st->path : "";
}

bool store_is_set(const char *s)
{
	return s && *s;
}

/* ---- errors ------------------------------------------------------------- */

/* "UNIQUE constraint failed: txn.checkout_request_id" -> "checkout_request_id" */
static void constraint_field(const char *msg, char *out, size_t outsz)
{
	const char *p = msg ? strrchr(msg, '.') : NULL;
	const char *colon = msg ? strrchr(msg, ':') : NULL;
	if (p)
		p++;
	else if (colon)
		p = colon + 1;
	else
		p = "";
	while (*p == ' ')
		p++;
	str_copy(out, outsz, p);
	char *comma = strchr(out, ',');
	if (comma)
		*comma = '\0';
}

enum pos_status store_db_error(struct store *st, int rc, const char *doing,
                               struct pos_err *err)
{
	const char *msg = st && st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc);
	const char *path = st && st->path ? st->path : "";
	char field[POS_ERR_FIELD_MAX];
	enum pos_status s;

	switch (rc & 0xff) {
	case SQLITE_FULL:
		s = pos_err_set(err, POS_E_STORE, "database",
		                "the database is full: %s was not saved (%s)", doing, msg);
		pos_err_hint(err, "free space on the disk that holds %s, then try again", path);
		break;
	case SQLITE_READONLY:
		s = pos_err_set(err, POS_E_STORE, "database",
		                "the database %s is read-only: %s was not saved", path, doing);
		pos_err_hint(err, "open it for writing, and check the permissions of the file and its folder");
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		s = pos_err_set(err, POS_E_BUSY, "database",
		                "the database is busy (another program is writing to it): %s did not happen",
		                doing);
		pos_err_hint(err, "try again in a moment");
		break;
	case SQLITE_CONSTRAINT:
		switch (rc) {
		case SQLITE_CONSTRAINT_UNIQUE:
		case SQLITE_CONSTRAINT_PRIMARYKEY:
			constraint_field(msg, field, sizeof field);
			s = pos_err_set(err, POS_E_DUPLICATE, field,
			                "the same value is already recorded, so %s did not happen",
			                doing);
			break;
		case SQLITE_CONSTRAINT_FOREIGNKEY:
			s = pos_err_set(err, POS_E_NOT_FOUND, "",
			                "%s did not happen: it refers to an operator, batch or transaction that does not exist",
			                doing);
			break;
		case SQLITE_CONSTRAINT_TRIGGER:
			s = pos_err_set(err, POS_E_DENIED, "", "%s was refused: %s", doing, msg);
			break;
		default:
			s = pos_err_set(err, POS_E_INVALID, "",
			                "%s was refused: a value breaks a rule of the ledger (%s)", doing, msg);
			break;
		}
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		s = pos_err_set(err, POS_E_STORE, "database",
		                "the database file %s is damaged or is not an mpesa-pos database (%s)",
		                path, msg);
		pos_err_hint(err, "restore the latest backup (see docs/storage.md)");
		break;
	case SQLITE_IOERR:
		s = pos_err_set(err, POS_E_STORE, "database",
		                "the disk failed while %s (%s)", doing, msg);
		pos_err_hint(err, "check the disk holding %s; restore a backup if it keeps failing", path);
		break;
	case SQLITE_CANTOPEN:
		s = pos_err_set(err, POS_E_STORE, "database",
		                "the database %s cannot be opened (%s)", path, msg);
		pos_err_hint(err, "check that its folder exists and is writable");
		break;
	case SQLITE_NOMEM:
		s = pos_err_set(err, POS_E_NOMEM, "", "out of memory while %s", doing);
		break;
	default:
		s = pos_err_set(err, POS_E_STORE, "database",
		                "the local database failed while %s: %s", doing, msg);
		break;
	}
	return s;
}

/* ---- statements ------------------------------------------------------------ */

sqlite3_stmt *store_stmt(struct store *st, enum store_sql id, struct pos_err *err)
{
	if (!st->stmt[id]) {
		int rc = sqlite3_prepare_v3(st->db, sql_text[id], -1,
		                            SQLITE_PREPARE_PERSISTENT, &st->stmt[id], NULL);
		if (rc != SQLITE_OK) {
			store_db_error(st, rc, "preparing a query", err);
			st->stmt[id] = NULL;
			return NULL;
		}
	}
	return st->stmt[id];
}

void store_done(sqlite3_stmt *s)
{
	if (s) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	}
}

enum pos_status store_step_done(struct store *st, sqlite3_stmt *s,
                                const char *doing, struct pos_err *err)
{
	int rc = sqlite3_step(s);
	store_done(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_db_error(st, rc, doing, err);
	return POS_OK;
}

enum pos_status store_exec_id(struct store *st, enum store_sql id,
                              struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, id, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	return store_step_done(st, s, sql_text[id], err);
}

enum pos_status store_begin(struct store *st, struct pos_err *err)
{
	st->n_changed = 0;
	sqlite3_stmt *s = store_stmt(st, SQL_BEGIN, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	return store_step_done(st, s, "starting a change", err);
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)store_exec_id(st, SQL_ROLLBACK, NULL);
}

enum pos_status store_commit(struct store *st, const char *doing,
                             struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_COMMIT, err);
	if (!s) {
		store_rollback(st);
		return err ? err->code : POS_E_STORE;
	}
	enum pos_status rc = store_step_done(st, s, doing, err);
	if (rc != POS_OK)
		store_rollback(st);
	return rc;
}

/* ---- binding and reading --------------------------------------------------- */

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
	if (!store_is_set(v))
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, v, -1, SQLITE_STATIC);
}

int store_bind_id(sqlite3_stmt *s, int idx, int64_t v)
{
	if (v == 0)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_int64(s, idx, v);
}

const char *store_col_str(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	return t ? (const char *)t : "";
}

void store_col_text(sqlite3_stmt *s, int col, char *out, size_t outsz)
{
	const char *t = store_col_str(s, col);
	if (!str_copy(out, outsz, t))
		log_warn("store", "column %d longer than %zu bytes: truncated", col, outsz - 1);
}

int64_t store_col_i64(sqlite3_stmt *s, int col)
{
	return sqlite3_column_int64(s, col);
}

enum pos_status store_check_text(const char *field, const char *v, size_t max,
                                 struct pos_err *err)
{
	if (!v)
		return POS_OK;
	size_t len = strlen(v);
	if (len >= max)
		return pos_err_set(err, POS_E_TOO_LONG, field,
		                   "%zu bytes is longer than the %zu allowed",
		                   len, max - 1);
	if (str_utf8_len(v) < 0)
		return pos_err_set(err, POS_E_INVALID, field,
		                   "the text is not valid UTF-8");
	return POS_OK;
}

enum pos_status store_note_changed(struct store *st, int64_t txn_id)
{
	for (size_t i = 0; i < st->n_changed; i++)
		if (st->changed[i] == txn_id)
			return POS_OK;
	if (st->n_changed == st->cap_changed) {
		size_t cap = st->cap_changed ? st->cap_changed * 2 : 64;
		int64_t *p = realloc(st->changed, cap * sizeof *p);
		if (!p)
			return POS_E_NOMEM;
		st->changed = p;
		st->cap_changed = cap;
	}
	st->changed[st->n_changed++] = txn_id;
	return POS_OK;
}

/* ---- open and close --------------------------------------------------------- */

/* "file:" URI for a read-only open, percent-encoding what a URI reserves. */
static char *ro_uri(const char *path)
{
	size_t n = strlen(path);
	char *u = malloc(5 + 3 * n + sizeof "?mode=ro");
	if (!u)
		return NULL;
	char *w = u;
	memcpy(w, "file:", 5);
	w += 5;
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#') {
			static const char hex[] = "0123456789ABCDEF";
			*w++ = '%';
			*w++ = hex[(unsigned char)*p >> 4];
			*w++ = hex[(unsigned char)*p & 15];
		} else {
			*w++ = *p;
		}
	}
	memcpy(w, "?mode=ro", sizeof "?mode=ro");
	return u;
}

/* Create the file with mode 0600 before SQLite does (it would use 0644):
 * the ledger holds phone numbers and the listener's secret. */
static enum pos_status create_private(const char *path, struct pos_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return POS_OK;
	}
	if (errno == EEXIST)
		return POS_OK;
	return pos_err_set(err, POS_E_STORE, "database",
	                   "the database %s cannot be created: %s", path,
	                   strerror(errno));
}

static enum pos_status pragma(struct store *st, const char *sql,
                              struct pos_err *err)
{
	char *emsg = NULL;
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, &emsg);
	sqlite3_free(emsg);
	if (rc != SQLITE_OK)
		return store_db_error(st, rc, "setting up the database", err);
	return POS_OK;
}

static enum pos_status set_wal(struct store *st, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_db_error(st, rc, "switching the database to WAL", err);
	}
	bool wal = str_eq_nocase(store_col_str(s, 0), "wal");
	sqlite3_finalize(s);
	if (!wal)
		return pos_err_set(err, POS_E_STORE, "database",
		                   "the database %s cannot use write-ahead logging (is it on a network drive?)",
		                   st->path);
	return POS_OK;
}

static enum pos_status configure(struct store *st, struct pos_err *err)
{
	enum pos_status rc;
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, st->opts.busy_timeout_ms > 0
	                                 ? st->opts.busy_timeout_ms
	                                 : DEFAULT_BUSY_MS);
	if (!st->opts.read_only && sqlite3_db_readonly(st->db, "main") == 1) {
		pos_err_set(err, POS_E_STORE, "database",
		            "the database %s is read-only: nothing could be saved", st->path);
		pos_err_hint(err, "check the permissions of the file and its folder");
		return POS_E_STORE;
	}
	/* temp_store = MEMORY: the writer runs every callback in its own
	 * savepoints, and SQLite journals each page a savepoint first touches;
	 * in a temporary file that was ~40 page writes per callback.
	 * cache_size 512 KiB (SQLite's default is 2 MiB) per connection: serve
	 * holds several (writer, flows, event dispatcher), and the pages a miss
	 * costs are in the operating system's cache anyway; it kept serve under
	 * 20 MB under callback load. */
	if ((rc = pragma(st, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"
	                     " PRAGMA trusted_schema = OFF; PRAGMA temp_store = MEMORY;"
	                     " PRAGMA cache_size = -512;",
	                 err)) != POS_OK)
		return rc;
	if (!st->opts.read_only && (rc = set_wal(st, err)) != POS_OK)
		return rc;
	if (st->opts.unsafe_no_sync &&
	    (rc = pragma(st, "PRAGMA synchronous = OFF;", err)) != POS_OK)
		return rc;
	if (st->opts.test_max_pages) {
		char sql[64];
		str_fmt(sql, sizeof sql, "PRAGMA max_page_count = %u",
		        (unsigned)st->opts.test_max_pages);
		if ((rc = pragma(st, sql, err)) != POS_OK)
			return rc;
	}
	return POS_OK;
}

/*
 * Failures a test needs and, as root, cannot make with file permissions:
 * MPESA_POS_TEST_STORE=max_pages=N (a disk that fills after N pages) or
 * =read-only-file (the file opens for reading only, as a read-only file or
 * mount would). Honoured only with MPESA_POS_TESTING=1, like the test clock.
 */
static void test_overrides(struct store_opts *o, bool *force_ro)
{
	const char *testing = getenv("MPESA_POS_TESTING");
	const char *v = getenv("MPESA_POS_TEST_STORE");
	uint64_t n;
	if (!testing || strcmp(testing, "1") != 0 || !v)
		return;
	if (strcmp(v, "read-only-file") == 0)
		*force_ro = true;
	else if (str_starts_with(v, "max_pages=") &&
	         parse_u64_str(v + 10, UINT32_MAX, &n) == POS_OK)
		o->test_max_pages = (uint32_t)n;
}

/* Before the first connection: SQLite's memory statistics (which nothing
 * reads) take a process-wide mutex around every allocation and free of
 * every connection; serve runs several connections on several threads. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

enum pos_status store_open(const char *path, const struct store_opts *opts,
                           struct store **out, struct pos_err *err)
{
	struct store *st = NULL;
	char *uri = NULL;
	enum pos_status rc;

	*out = NULL;
	pthread_once(&sqlite_once, sqlite_setup);
	if (!store_is_set(path))
		return pos_err_set(err, POS_E_EMPTY, "database",
		                   "no file name given");
	st = calloc(1, sizeof *st);
	if (!st || !(st->path = strdup(path))) {
		rc = pos_err_set(err, POS_E_NOMEM, "", NULL);
		goto out;
	}
	if (opts)
		st->opts = *opts;
	bool force_ro = false;
	test_overrides(&st->opts, &force_ro);

	int flags = SQLITE_OPEN_NOMUTEX;
	const char *name = path;
	if (st->opts.read_only || force_ro) {
		if (!(uri = ro_uri(path))) {
			rc = pos_err_set(err, POS_E_NOMEM, "", NULL);
			goto out;
		}
		name = uri;
		flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
	} else {
		if ((rc = create_private(path, err)) != POS_OK)
			goto out;
		flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	}
	int src = sqlite3_open_v2(name, &st->db, flags, NULL);
	if (src != SQLITE_OK) {
		rc = store_db_error(st, src, "opening the database", err);
		goto out;
	}
	if ((rc = configure(st, err)) != POS_OK)
		goto out;
	if ((rc = store_migrate(st, NULL, err)) != POS_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	free(uri);
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < SQL_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	for (size_t i = 0; i < sizeof st->upd / sizeof st->upd[0]; i++)
		sqlite3_finalize(st->upd[i].s);
	if (st->db)
		sqlite3_close(st->db);
	free(st->changed);
	free(st->path);
	free(st);
}
