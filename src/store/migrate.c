/* store/migrate.c: bring the schema up to date, one step per transaction. */
#include "store/store_int.h"

#include "base/log.h"
#include "base/str.h"

int store_schema_version(void)
{
	return store_migrations[store_migrations_count - 1].version;
}

static enum pos_status read_version(struct store *st, int *v, struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return store_db_error(st, rc, "reading the schema version", err);
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return POS_OK;
}

/* One step: BEGIN IMMEDIATE, re-read the version (another process may have
 * migrated meanwhile), run the step, record its version, COMMIT. */
static enum pos_status apply_step(struct store *st,
                                  const struct store_migration *m, bool *applied,
                                  struct pos_err *err)
{
	char doing[96], sql[48];
	enum pos_status rc;
	int v;
	char *emsg = NULL;

	*applied = false;
	str_fmt(doing, sizeof doing, "upgrading the database to schema %d", m->version);
	if ((rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = read_version(st, &v, err)) != POS_OK)
		goto fail;
	if (v >= m->version) {
		store_rollback(st);
		return POS_OK;
	}
	int src = SQLITE_OK;
	for (const char *const *part = m->sql; *part && src == SQLITE_OK; part++)
		src = sqlite3_exec(st->db, *part, NULL, NULL, &emsg);
	if (src != SQLITE_OK) {
		rc = store_db_error(st, src, doing, err);
		log_error("store", "migration %d failed: %s", m->version,
		          emsg ? emsg : sqlite3_errstr(src));
		sqlite3_free(emsg);
		goto fail;
	}
	str_fmt(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
	src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		rc = store_db_error(st, src, doing, err);
		goto fail;
	}
	if ((rc = store_commit(st, doing, err)) != POS_OK)
		return rc;
	*applied = true;
	log_info("store", "%s: schema %d (%s)", st->path, m->version, m->what);
	return POS_OK;
fail:
	store_rollback(st);
	return rc;
}

enum pos_status store_migrate(struct store *st, struct store_migration_report *rep,
                              struct pos_err *err)
{
	struct store_migration_report r = {0, 0, 0};
	enum pos_status rc;
	int latest = store_schema_version();

	if ((rc = read_version(st, &r.from_version, err)) != POS_OK)
		return rc;
	r.to_version = r.from_version;
	if (r.from_version > latest) {
		pos_err_set(err, POS_E_STORE, "database",
		            "the database %s has schema %d, newer than the %d this program knows",
		            st->path, r.from_version, latest);
		pos_err_hint(err, "upgrade mpesa-pos before using this database");
		return POS_E_STORE;
	}
	if (r.from_version < latest && st->opts.read_only) {
		pos_err_set(err, POS_E_STORE, "database",
		            "the database %s is read-only and has schema %d: it needs an upgrade to %d",
		            st->path, r.from_version, latest);
		pos_err_hint(err, "open it once for writing so it can be upgraded");
		return POS_E_STORE;
	}
	for (size_t i = 0; i < store_migrations_count; i++) {
		const struct store_migration *m = &store_migrations[i];
		bool applied;
		if (m->version <= r.to_version)
			continue;
		if ((rc = apply_step(st, m, &applied, err)) != POS_OK)
			break;
		r.to_version = m->version;
		r.steps += applied;
	}
	if (rep)
		*rep = r;
	return rc;
}
