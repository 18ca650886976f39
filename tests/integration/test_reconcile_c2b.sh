#!/usr/bin/env bash
# Missed C2B payments: `mpesa-pos reconcile --c2b` backfills through Pull
# Transactions (every page, de-duplicated by receipt, recorded like a
# confirmation from source "pull"; "no records" told apart from "not
# provisioned"), and `reconcile --receipt` records one payment found by
# Transaction Status. The payments are made through the simulator's admin
# API with their confirmations dropped.
. "$(dirname "$0")/flows_lib.sh"
fl_setup --pull-page-size 2
sim_faults '{"c2b":{"callback_drop":1}}'

# pay AMOUNT REF: a customer pays the till's paybill; prints the receipt.
pay() {
  curl -s -X POST "$SIM_URL/__sim/c2b/pay" -H 'Content-Type: application/json' \
    -d "{\"msisdn\":\"254712345678\",\"amount\":$1,\"bill_ref\":\"$2\",\"shortcode\":\"174379\",\"type\":\"paybill\"}" |
    jq -r .TransID
}
c2b_rows() { sql "select count(*) from txn where kind = 'c2b'"; }

# ---- before the shortcode is registered for Pull ---------------------------------------------------
P0=$(pay 100 INV-0)
pos reconcile --c2b
is "$RC/$(j .answer)" "0/no_records" "not registered, nothing in the ledger: Daraja's 1001 read as no records, exit 0"
like "$ERR" "no C2B payments in this window.*registered for Pull" "... the message says so, and what else it can mean"
as 1001 1111 charge --phone 0708374149 --amount 10 --wait
is "$RC" 0 "a charge paid (in the ledger with its receipt)"
STK_RECEIPT=$(j .receipt)
pos reconcile --c2b
is "$RC/$(j .answer)" "78/not_provisioned" "1001 although the ledger holds a payment in the window: not provisioned, exit 78"
like "$ERR" "not provisioned or not registered for Pull Transactions" "... told apart in the message"
is "$(c2b_rows)" 0 "... and nothing recorded"

# ---- registered: every page, de-duplicated ----------------------------------------------------------
TOKEN=$(curl -s -u sim-consumer-key:sim-consumer-secret "$SIM_URL/oauth/v1/generate?grant_type=client_credentials" | jq -r .access_token)
curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  "$SIM_URL/pulltransactions/v1/register" \
  -d '{"ShortCode":"174379","RequestType":"Pull","NominatedNumber":"254708374149","CallBackURL":"http://127.0.0.1:1/pull"}'
for i in 1 2 3 4; do pay $((100 + i)) "INV-$i" >/dev/null; done
is "$(sim_get '/__sim/callbacks?limit=1000' | jq '[.callbacks[] | select(.kind == "confirmation" and .fault != "dropped")] | length')" 0 \
  "the simulator dropped every C2B confirmation"
pos reconcile --c2b
is "$RC/$(j .answer)" "0/records" "registered: Pull lists the payments, exit 0"
is "$(j .listed)/$(j .recorded)/$(j .known)" "6/5/1" "... 6 listed: the 5 missed payments recorded, the paid charge known"
[[ $(j .pages) -ge 3 ]] && ok "... over $(j .pages) pages of 2" || not_ok "... over every page" "pages: $(j .pages)"
is "$(c2b_rows)" 5 "... 5 C2B payments in the ledger"
is "$(sql "select state || ' ' || amount_minor from txn where receipt = '$P0'")" "completed 10000" \
  "... each completed with its amount (the first: KES 100)"
is "$(sql "select count(*) from callback where source = 'pull' and route = 'c2b/confirmation'")" 5 \
  "... each archived as a confirmation from source pull"
is "$(sql "select count(*) from outbox where event like '%c2b%'")" 5 "... each with its event, as a confirmation has"
is "$(sql "select count(*) from txn where receipt = '$STK_RECEIPT'")" 1 "... and the charge's payment not recorded twice"
pos reconcile --c2b
is "$RC/$(j .recorded)/$(j .known)" "0/0/6" "run again: nothing new recorded, all 6 known"
is "$(c2b_rows)" 5 "... the ledger unchanged"
pos reconcile --c2b --since 2001-13-01
is "$RC" 64 "--since that is not a date: exit 64"

sim_faults '{"c2b":{"no_product":1}}'
pos reconcile --c2b
is "$RC/$(j .answer)" "78/not_subscribed" "an app without Pull Transactions: exit 78, not_subscribed"
sim_faults '{"c2b":{"no_product":0}}'

# ---- one receipt, through Transaction Status ---------------------------------------------------------
P9=$(pay 250 INV-9)
as 1001 1111 reconcile --receipt "$P9"
is "$RC/$(j .kind)/$(j .state)/$(j .receipt)" "0/c2b/completed/$P9" \
  "reconcile --receipt: a payment the customer shows, found by Transaction Status and recorded"
like "$ERR" "found by Transaction Status and recorded" "... says so"
is "$(sql "select amount_minor from txn where receipt = '$P9' and kind = 'c2b'")" 25000 "... with its amount"
is "$(sql "select count(*) from callback where source = 'status' and route = 'c2b/confirmation'")" 1 \
  "... archived from source status"
as 1001 1111 reconcile --receipt "$P9"
is "$RC/$(sql "select count(*) from txn where receipt = '$P9'")" "0/1" "again: already in the ledger, not recorded twice"
as 1001 1111 reconcile --receipt UKA0000000
is "$RC" 64 "a receipt M-Pesa does not know: exit 64"

# ---- reversing a payment claimed for a sale --------------------------------------------------------
P9TXN=$(sql "select public_id from txn where receipt = '$P9'")
sql "insert into c2b_claim (txn_id, operator_id, claimed_at, note) select id, 1002, $(date +%s)000, 'a KES 250 sale' from txn where receipt = '$P9'"
as 1001 1111 reverse "$P9TXN" --wait
is "$RC" 30 "reverse a payment claimed for a sale: refused without --yes-claimed, exit 30"
like "$ERR" "claimed by Cate Cashier \(1002\) at .* for a sale \(a KES 250 sale\)" "... naming who claimed it for which sale"
like "$ERR" "--yes-claimed" "... and how to confirm"
is "$(sql "select count(*) from txn where kind = 'reversal' and account_reference = '$P9TXN'")" 0 "... nothing sent"
as 1001 1111 reverse "$P9TXN" --yes-claimed --wait
is "$RC/$(j .state)/$(j .account_reference)" "0/completed/$P9TXN" "--yes-claimed: reversed"
like "$(sql "select detail from audit where action = 'reversal' and subject = '$(j .txn)'")" "confirmed although claimed by Cate Cashier" \
  "... the audit row says it was claimed"
as 1002 2222 reconcile --receipt "$(pay 30 INV-10)"
is "$RC" 77 "a cashier may not look receipts up: exit 77"

# ---- a receipt that is one of our own charges paid without its receipt -----------------------------
# The charge's callback is lost: the STK query settles it paid, without a
# receipt. The customer's receipt then belongs to that charge, never to a new
# paybill payment (which a cashier could claim for a second sale).
sim_faults '{"stk":{"callback_drop":1}}'
stk_receipt() { # PHONE (254...): the newest STK receipt the simulator holds for it
  sim_get /__sim/ledger | jq -r --arg m "$1" '[.transactions[] | select(.kind == "stk" and .msisdn == $m)] | last | .receipt'
}
as 1001 1111 charge --phone 0708374150 --amount 10 --wait
CH1=$(j .txn)
is "$RC/$(j .state)/$(j '.receipt // ""')" "0/completed/" "a charge whose callback was lost: paid by STK query, without its receipt"
R1=$(stk_receipt 254708374150)
as 1001 1111 reconcile --receipt "$R1"
is "$RC/$(j .kind)/$(j .txn)/$(j .receipt)" "0/stk/$CH1/$R1" \
  "reconcile --receipt of that charge's receipt gives the charge its receipt"
like "$ERR" "given to charge $CH1" "... and says so"
is "$(sql "select count(*) from txn where kind = 'c2b' and receipt = '$R1'")" 0 "... no paybill payment recorded for the same money"
is "$(sql "select count(*) from timeline t join txn x on x.id = t.txn_id where x.public_id = '$CH1' and t.what = 'receipt'")" 1 \
  "... a timeline row on the charge"
is "$(sql "select count(*) from audit where action = 'reconcile.receipt' and subject = '$CH1' and operator_id = 1001")" 1 \
  "... and an audit row by the supervisor"
as 1001 1111 reconcile --receipt "$R1"
is "$RC/$(j .txn)/$(sql "select count(*) from txn where receipt = '$R1'")" "0/$CH1/1" "again: already the charge's, nothing recorded"

# Two charges of the same amount to the same phone, both paid without a receipt: which one the
# receipt belongs to is not guessed.
as 1001 1111 charge --phone 0708374151 --amount 20 --wait
CH2=$(j .txn)
as 1001 1111 charge --phone 0708374151 --amount 20 --wait
CH3=$(j .txn)
R3=$(stk_receipt 254708374151)
c2b_before=$(c2b_rows)
as 1001 1111 reconcile --receipt "$R3"
is "$RC" 30 "a receipt that matches two charges paid without a receipt: nothing recorded, exit 30"
like "$ERR" "matches 2 charges.*$CH2.*$CH3|matches 2 charges.*$CH3.*$CH2" "... naming both charges"
like "$ERR" "--ref" "... and how a supervisor picks one"
is "$(c2b_rows)/$(sql "select count(*) from txn where receipt = '$R3'")" "$c2b_before/0" \
  "... no paybill payment, no receipt given"
as 1001 1111 reconcile --receipt "$R3" --ref "$CH3"
is "$RC/$(j .txn)/$(j .receipt)" "0/$CH3/$R3" "--ref CHARGE: the supervisor's choice gets the receipt"
as 1001 1111 reconcile --receipt "$(pay 40 INV-12)" --ref "$CH2"
is "$RC" 30 "--ref naming a charge the receipt does not match: refused, exit 30"
is "$(sql "select count(*) from txn where receipt is not null and receipt <> '' and public_id = '$CH2'")" 0 \
  "... and that charge keeps no receipt"
sim_reset_faults
sim_faults '{"c2b":{"callback_drop":1}}'

# ---- serve backfills on its own -------------------------------------------------------------------
P11=$(pay 77 INV-11)
export MPESA_POS_TEST_BACKFILL_MS=300
fl_serve
unset MPESA_POS_TEST_BACKFILL_MS
for _ in $(seq 1 60); do
  [[ $(sql "select count(*) from txn where receipt = '$P11'") == 1 ]] && break
  sleep 0.1
done
is "$(sql "select kind || ' ' || state from txn where receipt = '$P11'")" "c2b completed" \
  "serve backfills a missed payment periodically (its own Pull Transactions pass)"
fl_stop_serve
is "$SERVE_RC" 0 "... and stops cleanly"

t_done
