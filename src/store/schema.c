/*
 * store/schema.c: the schema, as an ordered list of migration steps.
 *
 * Each step runs in its own database transaction together with the
 * `PRAGMA user_version` bump that records it (store/migrate.c). A step, once
 * released, never changes: a later change is a new step. docs/storage.md
 * describes the tables.
 *
 * Times are Unix milliseconds, money is integer minor units. Rules that keep
 * the ledger honest live in the schema itself, so that no code path (nor a
 * hand edit with the sqlite3 shell) can break them:
 *   - Daraja's ids are unique; receipts are unique among money-moving kinds
 *     (balance and status results carry placeholder receipts);
 *   - a bulk-payout row is paid once; a C2B payment is claimed once;
 *   - a transaction's kind, amount, currency, creation time and public id
 *     never change, a finished transaction never changes state, and no
 *     transaction, timeline row, callback or operator is ever deleted;
 *   - the audit log and the timeline refuse UPDATE and DELETE;
 *   - PINs are stored only as Argon2id hashes;
 *   - a batch is approved by someone other than its creator.
 */
#include "store/store_int.h"

#define NO_DELETE(table, why)                                                 \
	"CREATE TRIGGER " table "_no_delete BEFORE DELETE ON " table " BEGIN "   \
	"SELECT RAISE(ABORT, '" why "'); END;\n"
#define NO_UPDATE(table, why)                                                 \
	"CREATE TRIGGER " table "_no_update BEFORE UPDATE ON " table " BEGIN "   \
	"SELECT RAISE(ABORT, '" why "'); END;\n"

static const char *const schema_v1[] = {
	"CREATE TABLE operator (\n"
	"  id INTEGER PRIMARY KEY CHECK (id > 0),\n"
	"  name TEXT NOT NULL CHECK (length(name) > 0),\n"
	"  role TEXT NOT NULL CHECK (length(role) > 0),\n"
	"  pin_hash TEXT NOT NULL CHECK (substr(pin_hash, 1, 10) = '$argon2id$'),\n"
	"  failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),\n"
	"  locked_until INTEGER,\n"
	"  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n"
	NO_DELETE("operator", "operators are never deleted: disable them"),
	"CREATE TABLE batch (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  file_name TEXT NOT NULL,\n"
	"  file_sha256 TEXT,\n"
	"  status TEXT NOT NULL CHECK (status IN\n"
	"    ('draft','approved','running','done','cancelled')),\n"
	"  row_count INTEGER NOT NULL CHECK (row_count >= 0),\n"
	"  total_minor INTEGER NOT NULL CHECK (total_minor >= 0),\n"
	"  created_by INTEGER NOT NULL REFERENCES operator(id),\n"
	"  approved_by INTEGER REFERENCES operator(id),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL,\n"
	"  CHECK (approved_by IS NULL OR approved_by <> created_by)\n"
	");\n"
	"CREATE INDEX batch_sha256 ON batch(file_sha256);\n",
	"CREATE TABLE txn (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  public_id TEXT UNIQUE,\n"
	"  kind TEXT NOT NULL CHECK (kind IN\n"
	"    ('stk','b2c','c2b','reversal','cash','status','balance')),\n"
	"  state TEXT NOT NULL CHECK (state IN ('created','sent','awaiting',\n"
	"    'completed','failed','cancelled','timed_out','unknown','unresolved',\n"
	"    'review')),\n"
	"  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),\n"
	"  currency TEXT NOT NULL,\n"
	"  msisdn TEXT,\n"
	"  account_reference TEXT,\n"
	"  description TEXT,\n"
	"  command_id TEXT,\n"
	"  merchant_request_id TEXT,\n"
	"  checkout_request_id TEXT,\n"
	"  conversation_id TEXT,\n"
	"  originator_conversation_id TEXT,\n"
	"  receipt TEXT,\n"
	"  result_code TEXT,\n"
	"  result_desc TEXT,\n"
	"  payer_name TEXT,\n"
	"  operator_id INTEGER REFERENCES operator(id),\n"
	"  approver_id INTEGER REFERENCES operator(id),\n"
	"  till_id TEXT,\n"
	"  shortcode TEXT,\n"
	"  original_txn_id INTEGER REFERENCES txn(id),\n"
	"  batch_id INTEGER REFERENCES batch(id),\n"
	"  batch_row INTEGER CHECK (batch_row IS NULL OR batch_row >= 1),\n"
	"  other_means TEXT,\n"
	"  created_at INTEGER NOT NULL,\n"
	"  updated_at INTEGER NOT NULL,\n"
	"  deadline_at INTEGER,\n"
	"  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),\n"
	"  next_query_at INTEGER,\n"
	"  CHECK ((batch_id IS NULL) = (batch_row IS NULL))\n"
	");\n",
	/* Duplicates made impossible. */
	"CREATE UNIQUE INDEX txn_checkout ON txn(checkout_request_id)\n"
	"  WHERE checkout_request_id IS NOT NULL;\n"
	"CREATE UNIQUE INDEX txn_conversation ON txn(conversation_id)\n"
	"  WHERE conversation_id IS NOT NULL;\n"
	"CREATE UNIQUE INDEX txn_originator ON txn(originator_conversation_id)\n"
	"  WHERE originator_conversation_id IS NOT NULL;\n"
	"CREATE UNIQUE INDEX txn_receipt_money ON txn(receipt)\n"
	"  WHERE kind IN " STORE_MONEY_KINDS " AND receipt IS NOT NULL;\n"
	"CREATE UNIQUE INDEX txn_batch_row ON txn(batch_id, batch_row)\n"
	"  WHERE batch_id IS NOT NULL;\n"
	/* History: newest first, one index per filter shape; the rowid (id)
	 * is the last column of every index, which completes the keyset. */
	"CREATE INDEX txn_created ON txn(created_at);\n"
	"CREATE INDEX txn_kind ON txn(kind, created_at);\n"
	"CREATE INDEX txn_state ON txn(state, created_at);\n"
	"CREATE INDEX txn_operator ON txn(operator_id, created_at);\n"
	"CREATE INDEX txn_till ON txn(till_id, created_at);\n"
	"CREATE INDEX txn_msisdn ON txn(msisdn, created_at);\n"
	"CREATE INDEX txn_receipt ON txn(receipt, created_at);\n"
	"CREATE INDEX txn_reference ON txn(account_reference, created_at);\n"
	/* Reconciliation: only the open transactions are in this index. */
	"CREATE INDEX txn_open ON txn(next_query_at)\n"
	"  WHERE state IN " STORE_OPEN_STATES ";\n",
	"CREATE TRIGGER txn_immutable BEFORE UPDATE ON txn\n"
	"  WHEN NEW.kind IS NOT OLD.kind OR NEW.amount_minor IS NOT OLD.amount_minor\n"
	"    OR NEW.currency IS NOT OLD.currency OR NEW.created_at IS NOT OLD.created_at\n"
	"    OR (OLD.public_id IS NOT NULL AND NEW.public_id IS NOT OLD.public_id)\n"
	"BEGIN SELECT RAISE(ABORT, 'a transaction''s kind, amount, currency, "
	"creation time and public id never change'); END;\n"
	"CREATE TRIGGER txn_final BEFORE UPDATE OF state ON txn\n"
	"  WHEN OLD.state IN ('completed','failed','cancelled','timed_out')\n"
	"    AND NEW.state IS NOT OLD.state\n"
	"BEGIN SELECT RAISE(ABORT, 'a finished transaction never changes state'); END;\n"
	NO_DELETE("txn", "transactions are never deleted"),
	"CREATE TABLE callback (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  received_at INTEGER NOT NULL,\n"
	"  route TEXT NOT NULL,\n"
	"  source TEXT,\n"
	"  body BLOB NOT NULL,\n"
	"  txn_public_id TEXT,\n"
	"  checkout_request_id TEXT,\n"
	"  conversation_id TEXT,\n"
	"  originator_conversation_id TEXT,\n"
	"  receipt TEXT,\n"
	"  merchant_request_id TEXT,\n"
	"  to_state TEXT,\n"
	"  result_code TEXT,\n"
	"  result_desc TEXT,\n"
	"  amount_minor INTEGER,\n"
	"  msisdn_shown TEXT,\n"
	"  payer_name TEXT,\n"
	"  creates_kind TEXT,\n"
	"  shortcode TEXT,\n"
	"  account_reference TEXT,\n"
	"  till_id TEXT,\n"
	"  outcome TEXT NOT NULL CHECK (outcome IN\n"
	"    ('applied','duplicate','orphan','conflict','rejected')),\n"
	"  reason TEXT,\n"
	"  txn_id INTEGER REFERENCES txn(id),\n"
	"  resolved_at INTEGER\n"
	");\n"
	"CREATE INDEX callback_received ON callback(received_at);\n"
	"CREATE INDEX callback_txn ON callback(txn_id) WHERE txn_id IS NOT NULL;\n"
	"CREATE INDEX callback_orphan ON callback(id) WHERE outcome = 'orphan';\n",
	/* What was received never changes; only an orphan's outcome may. */
	"CREATE TRIGGER callback_received_fixed BEFORE UPDATE OF received_at,\n"
	"  route, source, body, txn_public_id, checkout_request_id,\n"
	"  conversation_id, originator_conversation_id, receipt,\n"
	"  merchant_request_id, to_state, result_code, result_desc, amount_minor,\n"
	"  msisdn_shown, payer_name, creates_kind, shortcode, account_reference,\n"
	"  till_id ON callback\n"
	"BEGIN SELECT RAISE(ABORT, 'an archived callback never changes'); END;\n"
	"CREATE TRIGGER callback_outcome_once BEFORE UPDATE OF outcome ON callback\n"
	"  WHEN OLD.outcome <> 'orphan' AND NEW.outcome IS NOT OLD.outcome\n"
	"BEGIN SELECT RAISE(ABORT, 'only an orphan callback''s outcome may change'); END;\n"
	NO_DELETE("callback", "archived callbacks are never deleted"),
	"CREATE TABLE timeline (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  txn_id INTEGER NOT NULL REFERENCES txn(id),\n"
	"  at INTEGER NOT NULL,\n"
	"  what TEXT NOT NULL,\n"
	"  from_state TEXT,\n"
	"  to_state TEXT,\n"
	"  operator_id INTEGER REFERENCES operator(id),\n"
	"  callback_id INTEGER REFERENCES callback(id),\n"
	"  detail TEXT\n"
	");\n"
	"CREATE INDEX timeline_txn ON timeline(txn_id);\n"
	NO_UPDATE("timeline", "the timeline is append-only")
	NO_DELETE("timeline", "the timeline is append-only"),
	"CREATE TABLE outbox (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  event TEXT NOT NULL,\n"
	"  txn_id INTEGER REFERENCES txn(id),\n"
	"  payload TEXT NOT NULL,\n"
	"  created_at INTEGER NOT NULL\n"
	");\n",
	"CREATE TABLE outbox_cursor (\n"
	"  backend TEXT PRIMARY KEY,\n"
	"  last_id INTEGER NOT NULL CHECK (last_id >= 0),\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n",
	"CREATE TABLE audit (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  at INTEGER NOT NULL,\n"
	"  operator_id INTEGER REFERENCES operator(id),\n"
	"  action TEXT NOT NULL CHECK (length(action) > 0),\n"
	"  subject TEXT,\n"
	"  detail TEXT,\n"
	"  hash TEXT NOT NULL\n"
	");\n"
	NO_UPDATE("audit", "the audit log is append-only")
	NO_DELETE("audit", "the audit log is append-only"),
	"CREATE TABLE balance (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at INTEGER NOT NULL,\n"
	"  shortcode TEXT NOT NULL,\n"
	"  account TEXT NOT NULL,\n"
	"  currency TEXT NOT NULL,\n"
	"  current_minor INTEGER NOT NULL,\n"
	"  available_minor INTEGER NOT NULL,\n"
	"  reserved_minor INTEGER NOT NULL,\n"
	"  uncleared_minor INTEGER NOT NULL,\n"
	"  txn_id INTEGER REFERENCES txn(id)\n"
	");\n"
	"CREATE INDEX balance_account ON balance(shortcode, account, at);\n",
	"CREATE TABLE setting (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL,\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n",
	"CREATE TABLE bucket (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  tokens_milli INTEGER NOT NULL CHECK (tokens_milli >= 0),\n"
	"  updated_at INTEGER NOT NULL\n"
	");\n",
	"CREATE TABLE c2b_claim (\n"
	"  txn_id INTEGER PRIMARY KEY REFERENCES txn(id),\n"
	"  operator_id INTEGER REFERENCES operator(id),\n"
	"  claimed_at INTEGER NOT NULL,\n"
	"  note TEXT\n"
	");\n"
	NO_DELETE("c2b_claim", "a claim is never deleted"),
	NULL,
};

/* The local API's idempotency keys (docs/api.md): one per operator and key,
 * naming the transaction its first request made. A key, once bound to a
 * transaction, never changes and is never deleted; a reservation whose
 * request recorded nothing (refused before) may be released. */
static const char *const schema_v2[] = {
	"CREATE TABLE api_idempotency (\n"
	"  operator_id INTEGER NOT NULL REFERENCES operator(id),\n"
	"  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 64),\n"
	"  request_sha256 TEXT NOT NULL CHECK (length(request_sha256) = 64),\n"
	"  txn_id INTEGER REFERENCES txn(id),\n"
	"  created_at INTEGER NOT NULL,\n"
	"  PRIMARY KEY (operator_id, key)\n"
	");\n"
	"CREATE UNIQUE INDEX api_idempotency_txn ON api_idempotency(txn_id)\n"
	"  WHERE txn_id IS NOT NULL;\n"
	"CREATE TRIGGER api_idempotency_bound BEFORE UPDATE ON api_idempotency\n"
	"  WHEN OLD.txn_id IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'an idempotency key bound to a transaction never "
	"changes'); END;\n"
	"CREATE TRIGGER api_idempotency_kept BEFORE DELETE ON api_idempotency\n"
	"  WHEN OLD.txn_id IS NOT NULL\n"
	"BEGIN SELECT RAISE(ABORT, 'an idempotency key bound to a transaction is never "
	"deleted'); END;\n",
	NULL,
};

/* A bulk payout batch's pause, in the ledger: a batch paused stays paused
 * across processes and restarts, and goes on only when named (app/batch.c).
 * The status CHECK of v1 cannot change without rebuilding the table, which
 * txn references: the pause is beside the status of a running batch. */
static const char *const schema_v3[] = {
	"ALTER TABLE batch ADD COLUMN paused_at INTEGER;\n"
	"ALTER TABLE batch ADD COLUMN paused_by INTEGER REFERENCES operator(id);\n",
	NULL,
};

const struct store_migration store_migrations[] = {
	{1, "the ledger: transactions, timeline, callbacks, operators, audit, "
	    "outbox, balances, settings, rate limits, batches, C2B claims",
	 schema_v1},
	{2, "the local API's idempotency keys", schema_v2},
	{3, "a bulk payout batch's pause", schema_v3},
};
const size_t store_migrations_count =
	sizeof store_migrations / sizeof store_migrations[0];
