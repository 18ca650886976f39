/*
 * store/claim.c: reading a C2B claim back (who claimed a payment, and when).
 * The claim itself is written by store_c2b_claim() (store/misc.c).
 */
#include "store/store_int.h"

#include <string.h>

#include "base/str.h"

static const char sql_claim_get[] =
	"SELECT coalesce(operator_id, 0), claimed_at, coalesce(note, '') "
	"FROM c2b_claim WHERE txn_id = ?1";

enum pos_status store_c2b_claim_get(struct store *st, int64_t txn_id,
                                    struct store_c2b_claim_row *out,
                                    struct pos_err *err)
{
	sqlite3_stmt *s = NULL;
	memset(out, 0, sizeof *out);
	int rc = sqlite3_prepare_v2(st->db, sql_claim_get, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_db_error(st, rc, "reading a claim", err);
	sqlite3_bind_int64(s, 1, txn_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->txn_id = txn_id;
		out->operator_id = sqlite3_column_int64(s, 0);
		out->claimed_at = sqlite3_column_int64(s, 1);
		store_col_text(s, 2, out->note, sizeof out->note);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return pos_err_set(err, POS_E_NOT_FOUND, "transaction",
		                   "the payment is not claimed");
	return rc == SQLITE_ROW ? POS_OK : store_db_error(st, rc, "reading a claim", err);
}
