/*
 * store/callback.c: archive a callback and apply its effect, in one database
 * transaction; keep orphans and apply them when their transaction appears.
 *
 * The decision, for a callback that asks for state `to`:
 *   1. find the transaction: our public id from the URL, then
 *      CheckoutRequestID, ConversationID, OriginatorConversationID, receipt;
 *   2. none: create it (unsolicited C2B payment) or keep it as an orphan;
 *   3. an id, the receipt, the amount or the phone contradicts the record:
 *      conflict (the transaction goes to review when core allows it);
 *   4. the same callback was applied before: duplicate, nothing changes;
 *      the transaction is already in `to` (an STK query got there first):
 *      the fields the record lacks (receipt, payer, ids) are filled in, with
 *      a timeline row and no second event (applied), or, with nothing new,
 *      duplicate; a differing result code or payer name is a conflict;
 *   5. core's txn_transition() accepts the move: applied; it refuses and the
 *      transaction is finished: conflict; it refuses and the transaction is
 *      still open (the callback overtook our own bookkeeping): orphan, kept
 *      until the transaction moves.
 * Every effect of one callback runs inside the savepoint "cb", so a
 * constraint that trips half-way (a receipt already recorded elsewhere)
 * undoes that callback's effect only and becomes a conflict.
 */
#include "store/store_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/str.h"
#include "core/event.h"
#include "core/money.h"
#include "core/phone.h"

/* A callback's fields, checked and copied into bounded buffers: the same
 * shape whether it comes from the listener or back from the archive. */
struct cb_copy {
	char route[STORE_ROUTE_MAX];
	char source[STORE_SOURCE_MAX];
	int64_t received_at;
	char public_id[STORE_DARAJA_ID_MAX];
	char checkout[STORE_DARAJA_ID_MAX];
	char conversation[STORE_DARAJA_ID_MAX];
	char originator[STORE_DARAJA_ID_MAX];
	char receipt[STORE_RECEIPT_MAX];
	char merchant[STORE_DARAJA_ID_MAX];
	enum txn_state to;
	char result_code[STORE_RESULT_CODE_MAX];
	char result_desc[STORE_RESULT_DESC_MAX];
	bool has_amount;
	int64_t amount_minor;
	char msisdn_shown[STORE_DARAJA_ID_MAX];
	char payer_name[STORE_NAME_MAX];
	bool creates_txn;
	enum txn_kind kind;
	char shortcode[STORE_SHORTCODE_MAX];
	char reference[STORE_REFERENCE_MAX];
	char till_id[STORE_TILL_MAX];
};

const char *store_cb_outcome_name(enum store_cb_outcome o)
{
	static const char *const names[] = {
#define STORE_CB_NAME(e, name) [e] = name,
		STORE_CB_OUTCOMES(STORE_CB_NAME)
#undef STORE_CB_NAME
	};
	return (unsigned)o < STORE_CB_OUTCOME_COUNT ? names[o] : "?";
}

/* ---- checking and copying ---------------------------------------------------- */

/* Copy descriptive text that must not stop a payment: cut on a UTF-8
 * boundary, bytes that are not UTF-8 become '?'. */
static void copy_lenient(char *dst, size_t dstsz, const char *src)
{
	size_t w = 0;
	dst[0] = '\0';
	if (!src)
		return;
	for (const unsigned char *p = (const unsigned char *)src; *p;) {
		size_t n = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
		         : (*p & 0xf8) == 0xf0 ? 4 : 0;
		char one[5] = {'?', 0, 0, 0, 0};
		size_t k = 1;
		if (n > 0) {
			size_t i = 1;
			while (i < n && (p[i] & 0xc0) == 0x80)
				i++;
			if (i == n) {
				memcpy(one, p, n);
				k = n;
			} else {
				n = 0;
			}
		}
		if (w + k >= dstsz)
			break;
		memcpy(dst + w, one, k);
		w += k;
		p += n ? n : 1;
	}
	dst[w] = '\0';
}

/* Copy an identifying field: too long or not UTF-8 rejects the callback. */
static bool copy_strict(char *dst, size_t dstsz, const char *field,
                        const char *src, char *reason, size_t reasonsz)
{
	struct pos_err e;
	dst[0] = '\0';
	if (!src)
		return true;
	if (store_check_text(field, src, dstsz, &e) != POS_OK) {
		if (!reason[0])
			pos_err_format(&e, reason, reasonsz);
		return false;
	}
	str_copy(dst, dstsz, src);
	return true;
}

/* Fill c from cb; reason gets why the callback must be rejected, if so. */
static void copy_in(const struct store_callback *cb, struct cb_copy *c,
                    char *reason, size_t reasonsz)
{
	memset(c, 0, sizeof *c);
	str_copy(c->route, sizeof c->route, cb->route);
	if (cb->source)
		str_copy(c->source, sizeof c->source, cb->source);
	c->received_at = cb->received_at ? cb->received_at : clock_now_ms();
	c->to = cb->to;
	c->has_amount = cb->has_amount;
	c->amount_minor = cb->amount_minor;
	c->creates_txn = cb->creates_txn;
	c->kind = cb->kind;
	copy_strict(c->public_id, sizeof c->public_id, "reference", cb->txn_public_id, reason, reasonsz);
	copy_strict(c->checkout, sizeof c->checkout, "CheckoutRequestID", cb->checkout_request_id, reason, reasonsz);
	copy_strict(c->conversation, sizeof c->conversation, "ConversationID", cb->conversation_id, reason, reasonsz);
	copy_strict(c->originator, sizeof c->originator, "OriginatorConversationID",
	            cb->originator_conversation_id, reason, reasonsz);
	copy_strict(c->receipt, sizeof c->receipt, "receipt", cb->receipt, reason, reasonsz);
	copy_strict(c->merchant, sizeof c->merchant, "MerchantRequestID", cb->merchant_request_id, reason, reasonsz);
	copy_strict(c->result_code, sizeof c->result_code, "ResultCode", cb->result_code, reason, reasonsz);
	copy_strict(c->msisdn_shown, sizeof c->msisdn_shown, "phone", cb->msisdn_shown, reason, reasonsz);
	copy_strict(c->shortcode, sizeof c->shortcode, "shortcode", cb->shortcode, reason, reasonsz);
	copy_strict(c->reference, sizeof c->reference, "account reference",
	            cb->account_reference, reason, reasonsz);
	copy_strict(c->till_id, sizeof c->till_id, "till", cb->till_id, reason, reasonsz);
	copy_lenient(c->result_desc, sizeof c->result_desc, cb->result_desc);
	copy_lenient(c->payer_name, sizeof c->payer_name, cb->payer_name);
	if (c->has_amount && c->amount_minor < 0 && !reason[0])
		str_fmt(reason, reasonsz, "amount: %lld is negative", (long long)c->amount_minor);
}

/* Load an archived callback's typed fields back into c. */
static enum pos_status copy_from_archive(struct store *st, int64_t id,
                                         struct cb_copy *c, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CB_TYPED, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	int rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		store_done(s);
		return rc == SQLITE_DONE
		               ? pos_err_set(err, POS_E_NOT_FOUND, "callback", "no callback %lld", (long long)id)
		               : store_db_error(st, rc, "reading an archived callback", err);
	}
	memset(c, 0, sizeof *c);
	store_col_text(s, 0, c->public_id, sizeof c->public_id);
	store_col_text(s, 1, c->checkout, sizeof c->checkout);
	store_col_text(s, 2, c->conversation, sizeof c->conversation);
	store_col_text(s, 3, c->originator, sizeof c->originator);
	store_col_text(s, 4, c->receipt, sizeof c->receipt);
	store_col_text(s, 5, c->merchant, sizeof c->merchant);
	bool state_ok = txn_state_parse(store_col_str(s, 6), &c->to);
	store_col_text(s, 7, c->result_code, sizeof c->result_code);
	store_col_text(s, 8, c->result_desc, sizeof c->result_desc);
	c->has_amount = sqlite3_column_type(s, 9) != SQLITE_NULL;
	c->amount_minor = store_col_i64(s, 9);
	store_col_text(s, 10, c->msisdn_shown, sizeof c->msisdn_shown);
	store_col_text(s, 11, c->payer_name, sizeof c->payer_name);
	c->creates_txn = txn_kind_parse(store_col_str(s, 12), &c->kind);
	store_col_text(s, 13, c->shortcode, sizeof c->shortcode);
	store_col_text(s, 14, c->reference, sizeof c->reference);
	store_col_text(s, 15, c->till_id, sizeof c->till_id);
	c->received_at = store_col_i64(s, 16);
	store_col_text(s, 17, c->route, sizeof c->route);
	store_col_text(s, 18, c->source, sizeof c->source);
	store_done(s);
	if (!state_ok)
		return pos_err_set(err, POS_E_STORE, "callback",
		                   "archived callback %lld asks for a state this program does not know",
		                   (long long)id);
	return POS_OK;
}

/* ---- the archive ------------------------------------------------------------ */

static enum pos_status archive(struct store *st, const struct store_callback *cb,
                               const struct cb_copy *c, bool rejected,
                               const char *reason, int64_t *id, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CB_INSERT, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, c->received_at);
	sqlite3_bind_text(s, 2, c->route, -1, SQLITE_STATIC);
	store_bind_text(s, 3, c->source);
	sqlite3_bind_blob(s, 4, cb->body_len ? cb->body : "", (int)cb->body_len, SQLITE_STATIC);
	if (!rejected) {
		store_bind_text(s, 5, c->public_id);
		store_bind_text(s, 6, c->checkout);
		store_bind_text(s, 7, c->conversation);
		store_bind_text(s, 8, c->originator);
		store_bind_text(s, 9, c->receipt);
		store_bind_text(s, 10, c->merchant);
		sqlite3_bind_text(s, 11, txn_state_name(c->to), -1, SQLITE_STATIC);
		store_bind_text(s, 12, c->result_code);
		store_bind_text(s, 13, c->result_desc);
		if (c->has_amount)
			sqlite3_bind_int64(s, 14, c->amount_minor);
		store_bind_text(s, 15, c->msisdn_shown);
		store_bind_text(s, 16, c->payer_name);
		if (c->creates_txn)
			sqlite3_bind_text(s, 17, txn_kind_name(c->kind), -1, SQLITE_STATIC);
		store_bind_text(s, 18, c->shortcode);
		store_bind_text(s, 19, c->reference);
		store_bind_text(s, 20, c->till_id);
	}
	sqlite3_bind_text(s, 21, rejected ? "rejected" : "orphan", -1, SQLITE_STATIC);
	store_bind_text(s, 22, reason);
	enum pos_status rc = store_step_done(st, s, "archiving the callback", err);
	if (rc == POS_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

static enum pos_status set_outcome(struct store *st, int64_t id,
                                   const struct store_cb_result *res,
                                   int64_t resolved_at, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CB_SET_OUTCOME, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, store_cb_outcome_name(res->outcome), -1, SQLITE_STATIC);
	store_bind_text(s, 3, res->reason);
	store_bind_id(s, 4, res->txn_id);
	store_bind_id(s, 5, resolved_at);
	return store_step_done(st, s, "recording the callback's outcome", err);
}

/* ---- finding the transaction ------------------------------------------------ */

/* POS_OK found, POS_E_NOT_FOUND none. */
static enum pos_status find_txn(struct store *st, const struct cb_copy *c,
                                struct store_txn *t, struct pos_err *err)
{
	static const struct {
		size_t off;
		enum store_sql q;
	} keys[] = {
		{offsetof(struct cb_copy, checkout), SQL_TXN_BY_CHECKOUT},
		{offsetof(struct cb_copy, conversation), SQL_TXN_BY_CONVERSATION},
		{offsetof(struct cb_copy, originator), SQL_TXN_BY_ORIGINATOR},
		{offsetof(struct cb_copy, receipt), SQL_TXN_BY_RECEIPT},
	};
	enum pos_status rc;
	int64_t id;

	if (c->public_id[0] && store_public_id_parse(c->public_id, &id, NULL) == POS_OK) {
		rc = store_txn_load(st, SQL_TXN_GET, NULL, id, t, err);
		if (rc != POS_E_NOT_FOUND)
			return rc;
	}
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *v = (const char *)c + keys[i].off;
		if (!v[0])
			continue;
		rc = store_txn_load(st, keys[i].q, v, 0, t, err);
		if (rc != POS_E_NOT_FOUND)
			return rc;
	}
	return POS_E_NOT_FOUND;
}

static void describe_keys(const struct cb_copy *c, char *out, size_t outsz)
{
	str_fmt(out, outsz, "no transaction matches%s%s%s%s%s%s%s%s%s%s%s",
	        c->public_id[0] ? " reference " : "", c->public_id,
	        c->checkout[0] ? " CheckoutRequestID " : "", c->checkout,
	        c->conversation[0] ? " ConversationID " : "", c->conversation,
	        c->originator[0] ? " OriginatorConversationID " : "", c->originator,
	        c->receipt[0] ? " receipt " : "", c->receipt,
	        c->public_id[0] || c->checkout[0] || c->conversation[0] ||
	                        c->originator[0] || c->receipt[0]
	                ? ""
	                : " (it names no transaction)");
}

/* ---- deciding --------------------------------------------------------------- */

static bool phone_matches(struct store *st, const char *recorded, const char *shown)
{
	if (!recorded[0] || !shown[0])
		return true;
	if (st->opts.phone_match)
		return st->opts.phone_match(recorded, shown, st->opts.phone_match_ctx);
	return phone_matches_shown(recorded, shown) != PHONE_SHOWN_MISMATCH;
}

static void money_text(int64_t minor, const char *code, char *out, size_t outsz)
{
	enum currency cur;
	if (currency_parse(code, &cur))
		money_format(minor, cur, out, outsz);
	else
		money_format_plain(minor, out, outsz);
}

/* Why the callback contradicts t, or false. */
static bool contradicts(struct store *st, const struct store_txn *t,
                        const struct cb_copy *c,
                        const struct store_txn_fields *f, char *why, size_t whysz)
{
	struct pos_err e;
	if (store_fields_check(t, f, &e) != POS_OK) {
		pos_err_format(&e, why, whysz);
		return true;
	}
	if (c->has_amount && txn_kind_moves_money(t->kind) &&
	    c->amount_minor != t->amount_minor) {
		char a[MONEY_FMT_MAX], b[MONEY_FMT_MAX];
		money_text(c->amount_minor, t->currency, a, sizeof a);
		money_text(t->amount_minor, t->currency, b, sizeof b);
		str_fmt(why, whysz, "amount: the callback says %s but %s was for %s", a,
		        t->public_id, b);
		return true;
	}
	if (!phone_matches(st, t->msisdn, c->msisdn_shown)) {
		str_fmt(why, whysz, "phone: the callback shows %s but %s was sent to %s",
		        c->msisdn_shown, t->public_id, t->msisdn);
		return true;
	}
	return false;
}

static enum pos_status same_applied_before(struct store *st, int64_t txn_id,
                                           const struct cb_copy *c, int64_t self,
                                           int64_t *prev, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CB_SAME, err);
	if (!s)
		return err ? err->code : POS_E_STORE;
	sqlite3_bind_int64(s, 1, txn_id);
	sqlite3_bind_text(s, 2, txn_state_name(c->to), -1, SQLITE_STATIC);
	store_bind_text(s, 3, c->result_code);
	store_bind_text(s, 4, c->receipt);
	if (c->has_amount)
		sqlite3_bind_int64(s, 5, c->amount_minor);
	sqlite3_bind_int64(s, 6, self);
	int rc = sqlite3_step(s);
	*prev = rc == SQLITE_ROW ? store_col_i64(s, 0) : 0;
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(st, rc, "looking for an earlier copy of the callback", err);
	return POS_OK;
}

static void detail_of(const struct cb_copy *c, int64_t cb_id, char *out, size_t outsz)
{
	str_fmt(out, outsz, "callback #%lld (%s): result %s%s%s%s%s", (long long)cb_id,
	        c->route, c->result_code[0] ? c->result_code : "-",
	        c->result_desc[0] ? " " : "", c->result_desc,
	        c->receipt[0] ? ", receipt " : "", c->receipt);
}

static void fields_of(const struct cb_copy *c, struct store_txn_fields *f)
{
	*f = (struct store_txn_fields){
		.merchant_request_id = c->merchant,
		.checkout_request_id = c->checkout,
		.conversation_id = c->conversation,
		.originator_conversation_id = c->originator,
		.receipt = c->receipt,
		.result_code = c->result_code,
		.result_desc = c->result_desc,
		.payer_name = c->payer_name,
	};
}

/* Savepoint "cb" around one callback's effect. */
static enum pos_status sp_begin(struct store *st, size_t *mark, struct pos_err *err)
{
	*mark = st->n_changed;
	return store_exec_id(st, SQL_SP_CB, err);
}

/* Refusals leave the database as it was (core said no, or a constraint of
 * the ledger tripped); anything else is a failure of the store. */
static bool is_refusal(enum pos_status rc)
{
	return rc == POS_E_STATE || rc == POS_E_DUPLICATE || rc == POS_E_CONFLICT ||
	       rc == POS_E_INVALID || rc == POS_E_DENIED || rc == POS_E_NOT_FOUND;
}

/* Close savepoint "cb" after an effect returned rc (details in e): keep it
 * on success, undo it on a refusal (*refused = rc). A store failure is
 * returned as such. */
static enum pos_status sp_finish(struct store *st, size_t mark, enum pos_status rc,
                                 const struct pos_err *e, enum pos_status *refused,
                                 struct pos_err *err)
{
	*refused = rc;
	if (rc == POS_OK)
		return store_exec_id(st, SQL_SP_CB_RELEASE, err);
	st->n_changed = mark;
	if (!is_refusal(rc)) {
		if (err)
			*err = *e;
		if (!sqlite3_get_autocommit(st->db)) {
			(void)store_exec_id(st, SQL_SP_CB_ROLLBACK, NULL);
			(void)store_exec_id(st, SQL_SP_CB_RELEASE, NULL);
		}
		return rc;
	}
	enum pos_status sp = store_exec_id(st, SQL_SP_CB_ROLLBACK, err);
	if (sp == POS_OK)
		sp = store_exec_id(st, SQL_SP_CB_RELEASE, err);
	return sp;
}

/* A contradiction: hold the transaction for review if core allows, and say
 * so on its timeline either way. */
static enum pos_status hold_for_review(struct store *st, struct store_txn *t,
                                       int64_t cb_id, struct store_cb_result *res,
                                       bool *moved, struct pos_err *err)
{
	const struct store_move mv = {
		.to = TXN_REVIEW, .actor = TXN_BY_SYSTEM, .what = "conflict",
		.detail = res->reason, .callback_id = cb_id,
	};
	struct store_txn before = *t;
	struct pos_err e;
	enum pos_status refused;
	size_t mark;

	res->outcome = STORE_CB_CONFLICT;
	enum pos_status rc = sp_begin(st, &mark, err);
	if (rc != POS_OK)
		return rc;
	rc = sp_finish(st, mark, store_txn_move_in(st, t, &mv, &e), &e, &refused, err);
	*moved = rc == POS_OK && refused == POS_OK; /* its event is written */
	if (rc != POS_OK || refused == POS_OK)
		return rc;
	*t = before;
	return store_timeline_add_in(st, t->id, "conflict", NULL, NULL, 0, cb_id,
	                             res->reason, err);
}

/* An unsolicited payment: create the transaction it describes. */
static enum pos_status create_from(struct store *st, const struct cb_copy *c,
                                   int64_t cb_id, struct store_txn *t,
                                   struct store_cb_result *res, struct pos_err *err)
{
	struct store_txn_fields f;
	const struct store_txn_new in = {
		.kind = c->kind,
		.amount_minor = c->has_amount ? c->amount_minor : 0,
		.account_reference = c->reference,
		.shortcode = c->shortcode,
		.till_id = c->till_id,
		.detail = "created by a callback",
	};
	struct pos_err e;
	enum pos_status refused;
	size_t mark;

	fields_of(c, &f);
	enum pos_status rc = sp_begin(st, &mark, err);
	if (rc != POS_OK)
		return rc;
	rc = sp_finish(st, mark, store_txn_insert_in(st, &in, c->to, &f, cb_id, t, &e),
	               &e, &refused, err);
	if (rc != POS_OK)
		return rc;
	if (refused == POS_OK) {
		res->outcome = STORE_CB_APPLIED;
	} else {
		res->outcome = STORE_CB_CONFLICT;
		char what[STORE_REASON_MAX];
		str_fmt(res->reason, sizeof res->reason, "the payment cannot be recorded: %s",
		        pos_err_format(&e, what, sizeof what));
	}
	return POS_OK;
}

static void result_from(struct store_cb_result *res, const struct store_txn *t)
{
	res->txn_id = t->id;
	str_copy(res->txn_public_id, sizeof res->txn_public_id, t->public_id);
	res->state = t->state;
}

/* The callback finds t already in the state it reports (an STK query
 * completed the charge before the callback came): fill in what the record
 * lacks (receipt, payer, ids, result), with a timeline row and no second
 * event. A result code or payer name that differs from a recorded one is a
 * contradiction (ids and the receipt were checked before). Nothing new: a
 * duplicate. */
static enum pos_status same_state(struct store *st, struct store_txn *t,
                                  const struct cb_copy *c, int64_t cb_id,
                                  struct store_cb_result *res, bool *evented,
                                  struct pos_err *err)
{
	static const struct {
		const char *name;
		size_t cb_off, txn_off, set_off;
		bool must_match;
	} fl[] = {
#define FILL(n, cbf, txf, must)                                               \
	{n, offsetof(struct cb_copy, cbf), offsetof(struct store_txn, txf),      \
	 offsetof(struct store_txn_fields, txf), must}
		FILL("receipt", receipt, receipt, false),
		FILL("payer", payer_name, payer_name, true),
		FILL("result code", result_code, result_code, true),
		FILL("result", result_desc, result_desc, false),
		FILL("MerchantRequestID", merchant, merchant_request_id, false),
		FILL("CheckoutRequestID", checkout, checkout_request_id, false),
		FILL("ConversationID", conversation, conversation_id, false),
		FILL("OriginatorConversationID", originator, originator_conversation_id, false),
#undef FILL
	};
	struct store_txn_fields fill;
	char filled[STORE_REASON_MAX] = "";
	size_t len = 0;

	memset(&fill, 0, sizeof fill);
	for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
		const char *v = (const char *)c + fl[i].cb_off;
		const char *have = (const char *)t + fl[i].txn_off;
		if (!v[0])
			continue;
		if (have[0]) {
			if (fl[i].must_match && !str_eq(v, have)) {
				str_fmt(res->reason, sizeof res->reason,
				        "%s: the callback says '%s' but %s has '%s'", fl[i].name, v,
				        t->public_id, have);
				enum pos_status rc = hold_for_review(st, t, cb_id, res, evented, err);
				result_from(res, t);
				return rc;
			}
			continue;
		}
		*(const char **)((char *)&fill + fl[i].set_off) = v;
		str_fmt(filled + len, sizeof filled - len, "%s%s", len ? ", " : "", fl[i].name);
		len = strlen(filled);
	}
	if (!len) {
		res->outcome = STORE_CB_DUPLICATE;
		str_fmt(res->reason, sizeof res->reason, "%s is already %s", t->public_id,
		        txn_state_name(t->state));
		return POS_OK;
	}
	char detail[STORE_REASON_MAX + 160];
	char cbtext[STORE_REASON_MAX + 128];
	detail_of(c, cb_id, cbtext, sizeof cbtext);
	str_fmt(detail, sizeof detail, "%s; filled in %s (already %s)", cbtext, filled,
	        txn_state_name(t->state));
	struct store_txn before = *t;
	struct pos_err e;
	enum pos_status refused;
	size_t mark;
	enum pos_status rc = sp_begin(st, &mark, err);
	if (rc != POS_OK)
		return rc;
	rc = sp_finish(st, mark, store_txn_fill_in(st, t, &fill, "callback", detail, cb_id, &e),
	               &e, &refused, err);
	if (rc != POS_OK)
		return rc;
	if (refused == POS_OK) {
		res->outcome = STORE_CB_APPLIED;
		str_fmt(res->reason, sizeof res->reason, "%s was already %s: filled in %s",
		        t->public_id, txn_state_name(t->state), filled);
		result_from(res, t);
		return POS_OK;
	}
	/* A receipt or id that belongs to another transaction. */
	*t = before;
	pos_err_format(&e, res->reason, sizeof res->reason);
	rc = hold_for_review(st, t, cb_id, res, evented, err);
	result_from(res, t);
	return rc;
}

/* Apply the callback in c (archived as cb_id) if it can be; fill res.
 * *evented says whether the outbox already has the event of this outcome.
 * Store failures are returned; everything else is an outcome. */
static enum pos_status decide(struct store *st, const struct cb_copy *c,
                              int64_t cb_id, struct store_cb_result *res,
                              bool *evented, struct pos_err *err)
{
	struct store_txn t;
	struct store_txn_fields f;
	struct pos_err e;
	enum pos_status rc, refused;
	size_t mark;
	int64_t prev;

	*evented = false;
	res->outcome = STORE_CB_ORPHAN;
	res->reason[0] = '\0';
	res->txn_id = 0;
	res->txn_public_id[0] = '\0';
	res->state = TXN_STATE_COUNT;
	fields_of(c, &f);

	rc = find_txn(st, c, &t, err);
	if (rc == POS_E_NOT_FOUND) {
		if (!c->creates_txn) {
			describe_keys(c, res->reason, sizeof res->reason);
			return POS_OK;
		}
		if ((rc = create_from(st, c, cb_id, &t, res, err)) == POS_OK &&
		    res->outcome == STORE_CB_APPLIED)
			result_from(res, &t);
		return rc;
	}
	if (rc != POS_OK)
		return rc;
	result_from(res, &t);

	/* 1. The same callback, applied (or held) before. */
	if ((rc = same_applied_before(st, t.id, c, cb_id, &prev, err)) != POS_OK)
		return rc;
	if (prev) {
		res->outcome = STORE_CB_DUPLICATE;
		str_fmt(res->reason, sizeof res->reason,
		        "the same callback was received before (#%lld)", (long long)prev);
		return POS_OK;
	}
	/* 2. It contradicts the record. */
	if (contradicts(st, &t, c, &f, res->reason, sizeof res->reason)) {
		rc = hold_for_review(st, &t, cb_id, res, evented, err);
		result_from(res, &t);
		return rc;
	}
	/* 3. Already there: fill in what the record lacks. */
	if (t.state == c->to)
		return same_state(st, &t, c, cb_id, res, evented, err);
	/* 4. Ask core. */
	char detail[STORE_REASON_MAX + 128];
	detail_of(c, cb_id, detail, sizeof detail);
	const struct store_move mv = {
		.to = c->to, .actor = TXN_BY_SYSTEM, .set = &f, .what = "callback",
		.detail = detail, .callback_id = cb_id,
	};
	struct store_txn before = t;
	if ((rc = sp_begin(st, &mark, err)) != POS_OK)
		return rc;
	rc = sp_finish(st, mark, store_txn_move_in(st, &t, &mv, &e), &e, &refused, err);
	if (rc != POS_OK)
		return rc;
	if (refused == POS_OK) {
		res->outcome = STORE_CB_APPLIED;
		result_from(res, &t);
		return POS_OK;
	}
	t = before;
	if (refused == POS_E_STATE && !txn_state_is_terminal(t.state)) {
		/* It overtook our own bookkeeping: keep it until t moves. */
		res->outcome = STORE_CB_ORPHAN;
		str_fmt(res->reason, sizeof res->reason,
		        "%s is %s and cannot become %s yet: kept until it moves on",
		        t.public_id, txn_state_name(t.state), txn_state_name(c->to));
		return POS_OK;
	}
	if (refused == POS_E_STATE)
		str_fmt(res->reason, sizeof res->reason, "the callback says %s but %s is already %s",
		        txn_state_name(c->to), t.public_id, txn_state_name(t.state));
	else
		pos_err_format(&e, res->reason, sizeof res->reason);
	rc = hold_for_review(st, &t, cb_id, res, evented, err);
	result_from(res, &t);
	return rc;
}

/* The event of a new orphan, or of a conflict that could not move its
 * transaction to review (a review move writes its own). */
static enum pos_status emit_outcome(struct store *st, const struct cb_copy *c,
                                    const struct store_cb_result *res, bool fresh,
                                    bool evented, struct pos_err *err)
{
	struct store_ev_values v;
	enum event_type ev;

	if (res->outcome == STORE_CB_ORPHAN && fresh)
		ev = EV_CALLBACK_ORPHAN;
	else if (res->outcome == STORE_CB_CONFLICT && !evented)
		ev = EV_CALLBACK_CONFLICT;
	else
		return POS_OK;
	memset(&v, 0, sizeof v);
	if (c->has_amount) {
		money_format_plain(c->amount_minor, v.amount, sizeof v.amount);
		v.v[EVF_AMOUNT] = v.amount;
	}
	v.v[EVF_PHONE_NUMBER] = c->msisdn_shown;
	v.v[EVF_MERCHANT_REQUEST_ID] = c->merchant;
	v.v[EVF_CHECKOUT_REQUEST_ID] = c->checkout;
	v.v[EVF_CONVERSATION_ID] = c->conversation;
	v.v[EVF_ORIGINATOR_CONVERSATION_ID] = c->originator;
	v.v[EVF_RESULT_CODE] = c->result_code;
	v.v[EVF_RESULT_DESCRIPTION] = c->result_desc;
	v.v[EVF_TRANSACTION_ID] = c->receipt;
	v.v[EVF_RECEIPT] = c->receipt;
	v.v[EVF_MESSAGE] = res->reason;
	v.v[EVF_TXN_ID] = res->txn_public_id;
	if ((unsigned)res->state < TXN_STATE_COUNT)
		v.v[EVF_STATE] = txn_state_name(res->state);
	v.till_id = c->till_id;
	v.shortcode = c->shortcode;
	return store_emit_in(st, event_name(ev), res->txn_id, &v, event_fields(ev), err);
}

/* ---- the public functions ---------------------------------------------------- */

static enum pos_status check_callback(const struct store_callback *cb,
                                      struct pos_err *err)
{
	if (!cb || !store_is_set(cb->route))
		return pos_err_set(err, POS_E_INVALID, "route", "a callback needs its route");
	if (strlen(cb->route) >= STORE_ROUTE_MAX)
		return pos_err_set(err, POS_E_TOO_LONG, "route", "longer than %d bytes",
		                   STORE_ROUTE_MAX - 1);
	if (cb->source && strlen(cb->source) >= STORE_SOURCE_MAX)
		return pos_err_set(err, POS_E_TOO_LONG, "source", "longer than %d bytes",
		                   STORE_SOURCE_MAX - 1);
	if (cb->body_len > STORE_BODY_MAX)
		return pos_err_set(err, POS_E_TOO_LONG, "body",
		                   "%zu bytes is more than the %zu archived", cb->body_len,
		                   STORE_BODY_MAX);
	if (cb->body_len && !cb->body)
		return pos_err_set(err, POS_E_INVALID, "body", "missing");
	if (!cb->reject_reason && (unsigned)cb->to >= TXN_STATE_COUNT)
		return pos_err_set(err, POS_E_INVALID, "to", "not a transaction state");
	if (!cb->reject_reason && cb->creates_txn && (unsigned)cb->kind >= TXN_KIND_COUNT)
		return pos_err_set(err, POS_E_INVALID, "kind", "not a transaction kind");
	if (cb->n_balances && !cb->balances)
		return pos_err_set(err, POS_E_INVALID, "balances", "missing");
	return POS_OK;
}

enum pos_status store_callback_apply_in(struct store *st,
                                        const struct store_callback *cb,
                                        struct store_cb_result *res,
                                        struct pos_err *err)
{
	struct cb_copy c;
	char reason[STORE_REASON_MAX] = "";
	int64_t id;
	enum pos_status rc = check_callback(cb, err);
	if (rc != POS_OK)
		return rc;

	memset(res, 0, sizeof *res);
	res->state = TXN_STATE_COUNT;
	copy_in(cb, &c, reason, sizeof reason);
	if (cb->reject_reason) {
		reason[0] = '\0';
		copy_lenient(reason, sizeof reason, cb->reject_reason);
		if (!reason[0])
			str_copy(reason, sizeof reason, "refused by the listener");
	}
	if (reason[0]) {
		if ((rc = archive(st, cb, &c, true, reason, &id, err)) != POS_OK)
			return rc;
		res->outcome = STORE_CB_REJECTED;
		res->callback_id = id;
		str_copy(res->reason, sizeof res->reason, reason);
		return POS_OK;
	}
	if ((rc = archive(st, cb, &c, false, NULL, &id, err)) != POS_OK)
		return rc;
	res->callback_id = id;
	bool evented;
	if ((rc = decide(st, &c, id, res, &evented, err)) != POS_OK ||
	    (rc = set_outcome(st, id, res, 0, err)) != POS_OK ||
	    (rc = emit_outcome(st, &c, res, true, evented, err)) != POS_OK)
		return rc;
	if (cb->n_balances)
		rc = store_balance_add_in(st, cb->balances, cb->n_balances, res->txn_id, err);
	return rc;
}

enum pos_status store_callback_apply(struct store *st,
                                     const struct store_callback *cb,
                                     struct store_cb_result *res,
                                     struct pos_err *err)
{
	struct store_cb_result local;
	enum pos_status rc = check_callback(cb, err);
	if (rc != POS_OK || (rc = store_begin(st, err)) != POS_OK)
		return rc;
	if ((rc = store_callback_apply_in(st, cb, res ? res : &local, err)) != POS_OK ||
	    (rc = store_commit(st, "the callback", err)) != POS_OK)
		store_rollback(st);
	return rc;
}

/* ---- orphans ----------------------------------------------------------------- */

static bool orphan_matches(sqlite3_stmt *s, const struct store_txn *t)
{
	int64_t id;
	const char *pub = store_col_str(s, 2);
	if (store_col_i64(s, 1) == t->id)
		return true;
	if (pub[0] && store_public_id_parse(pub, &id, NULL) == POS_OK && id == t->id)
		return true;
	return (t->checkout_request_id[0] && str_eq(store_col_str(s, 3), t->checkout_request_id)) ||
	       (t->conversation_id[0] && str_eq(store_col_str(s, 4), t->conversation_id)) ||
	       (t->originator_conversation_id[0] &&
	        str_eq(store_col_str(s, 5), t->originator_conversation_id)) ||
	       (t->receipt[0] && txn_kind_moves_money(t->kind) &&
	        str_eq(store_col_str(s, 6), t->receipt));
}

enum { ADOPT_BATCH = 64 };

/* The ids of up to ADOPT_BATCH orphans that match t. */
static enum pos_status matching_orphans(struct store *st, const struct store_txn *t,
                                        int64_t *ids, size_t *n, struct pos_err *err)
{
	sqlite3_stmt *s = store_stmt(st, SQL_CB_ORPHANS, err);
	int rc = SQLITE_DONE;
	*n = 0;
	if (!s)
		return err ? err->code : POS_E_STORE;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n < ADOPT_BATCH)
		if (orphan_matches(s, t))
			ids[(*n)++] = store_col_i64(s, 0);
	store_done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_error(st, rc, "looking for waiting callbacks", err);
	return POS_OK;
}

enum pos_status store_adopt_in(struct store *st, const struct store_txn *t,
                               size_t *n, struct pos_err *err)
{
	int64_t ids[ADOPT_BATCH];
	size_t adopted = 0;
	bool progress = true;

	while (progress) {
		size_t m;
		enum pos_status rc = matching_orphans(st, t, ids, &m, err);
		if (rc != POS_OK)
			return rc;
		progress = false;
		for (size_t i = 0; i < m; i++) {
			struct cb_copy c;
			struct store_cb_result res;
			bool evented;
			if ((rc = copy_from_archive(st, ids[i], &c, err)) != POS_OK ||
			    (rc = decide(st, &c, ids[i], &res, &evented, err)) != POS_OK)
				return rc;
			bool resolved = res.outcome != STORE_CB_ORPHAN;
			if ((rc = set_outcome(st, ids[i], &res, resolved ? clock_now_ms() : 0,
			                      err)) != POS_OK ||
			    (rc = emit_outcome(st, &c, &res, false, evented, err)) != POS_OK)
				return rc;
			if (resolved) {
				adopted++;
				progress = true;
			}
		}
	}
	if (n)
		*n = adopted;
	return POS_OK;
}

enum pos_status store_callback_adopt(struct store *st, int64_t txn_id, size_t *n,
                                     struct pos_err *err)
{
	struct store_txn t;
	enum pos_status rc = store_begin(st, err);
	if (rc != POS_OK)
		return rc;
	if ((rc = store_txn_load(st, SQL_TXN_GET, NULL, txn_id, &t, err)) != POS_OK ||
	    (rc = store_adopt_in(st, &t, n, err)) != POS_OK ||
	    (rc = store_commit(st, "the waiting callbacks", err)) != POS_OK)
		store_rollback(st);
	return rc;
}
