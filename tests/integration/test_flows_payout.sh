#!/usr/bin/env bash
# Payouts (B2C v3), reversals, balance and status against daraja-sim: roles
# and limits enforced in the flow, the second approver, our own
# OriginatorConversationID, a lost answer and a lost result resolved without
# a second payout, a queue timeout never taken for a failure, a payment
# reversed once, payouts not reversible.
. "$(dirname "$0")/flows_lib.sh"
fl_setup
B2C=/mpesa/b2c/v3/paymentrequest

as 1001 1111 payout --phone 0708374149 --amount 100 --command SalaryPayment --wait
is "$RC/$(j .state)" "0/completed" "a supervisor's payout --wait ends PAID OUT (exit 0)"
like "$(j .receipt)" '^[A-Z0-9]{10}$' "... with the receipt"
OCID=$(j .originator_conversation_id)
like "$OCID" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
  "... under our own OriginatorConversationID, a UUID"
is "$(accepted_for $B2C OriginatorConversationID "$OCID")" 1 "... sent once"
like "$ERR" 'PAID OUT: KES 100 to 0708 374 149' "... and says so on stderr"

# ---- roles, limits, the second approver --------------------------------------------------------
sent0=$(sim_get "/__sim/requests?path=$B2C" | jq .count)
as 1002 2222 payout --phone 0708374149 --amount 100 --command BusinessPayment
is "$RC" 77 "a cashier cannot pay out from the shell: exit 77"
like "$ERR" 'cashier cannot' "... with the reason"
is "$(sql "select count(*) from audit where action='denied' and operator_id=1002")" 1 "... and the attempt is audited"
as 1001 1111 payout --phone 0708374149 --amount 60000 --command BusinessPayment
is "$RC/$(j .error.field)" "77/approver" "above approval_above without an approver: exit 77 naming the approver"
OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --approver 1001 \
      --approver-pin-fd 4 4<<<1111 --phone 0708374149 --amount 60000 --command BusinessPayment 2>/dev/null); RC=$?
is "$RC" 77 "... nor approved by the same person"
OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --approver 1002 \
      --approver-pin-fd 4 4<<<2222 --phone 0708374149 --amount 60000 --command BusinessPayment 2>/dev/null); RC=$?
is "$RC" 77 "... nor by a cashier"
as 1001 1111 payout --phone 0708374149 --amount 150000 --command BusinessPayment
is "$RC/$(j .error.field)" "64/amount" "above payout_max: exit 64 (amount)"
as 1001 1111 payout --phone 0708374149 --amount 5 --command BusinessPayment
is "$RC/$(j .error.field)" "64/amount" "below the minimum of KES 10: exit 64"
as 1001 1111 payout --phone 0708374149 --amount 100 --command Bonus
is "$RC/$(j .error.field)" "64/command_id" "an unknown command: exit 64 (command_id)"
is "$(sim_get "/__sim/requests?path=$B2C" | jq .count)" "$sent0" "none of them was sent"
OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --approver 1003 \
      --approver-pin-fd 4 4<<<3333 --phone 0708374149 --amount 60000 --command BusinessPayment --wait 2>/dev/null); RC=$?
is "$RC/$(j .approver)" "0/1003" "with a second supervisor's approval it is paid, the approver recorded"
is "$(sql "select count(*) from audit where action='payout.approve' and operator_id=1003")" 1 "... and audited"
OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --approver 1003 \
      --approver-pin-fd 4 4<<<3333 --phone 0708374149 --amount 90000 --command BusinessPayment 2>/dev/null); RC=$?
is "$RC" 20 "a third payout is accepted (KES 150,100 today)"
OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --approver 1003 \
      --approver-pin-fd 4 4<<<3333 --phone 0708374149 --amount 60000 --command BusinessPayment 2>"$T/stderr"); RC=$?
is "$RC/$(j .error.field)" "64/amount" "one more would pass payout_daily_max: exit 64"
like "$(cat "$T/stderr")" 'daily limit' "... saying so"

# ---- lost answer, lost result, queue timeout ------------------------------------------------------
sim_faults '{"b2c":{"error_500":1}}'
as 1001 1111 payout --phone 0708000031 --amount 200 --command BusinessPayment --wait
OCID=$(j .originator_conversation_id)
is "$RC/$(j .state)" "0/completed" "a payout answered 500 after processing ends PAID OUT through its result"
is "$(accepted_for $B2C OriginatorConversationID "$OCID")" 1 "... and was sent once"
sim_faults '{"b2c":{"error_500":0,"callback_drop":1}}'
as 1001 1111 payout --phone 0708000032 --amount 300 --command BusinessPayment
DROP=$(j .txn); OCID=$(j .originator_conversation_id)
is "$RC/$(j .state)" "20/awaiting" "a payout whose result is lost stays awaiting (exit 20)"
sim_reset_faults
pos reconcile
is "$(j '.transactions[] | select(.txn == "'"$DROP"'") | .state')" completed \
  "reconcile asks Transaction Status and settles it"
like "$(sql "select receipt from txn where public_id='$DROP'")" '^[A-Z0-9]{10}$' "... with the receipt"
is "$(sent_for /mpesa/transactionstatus/v1/query OriginalConversationID "$OCID")" 1 \
  "... looked up by our OriginatorConversationID"
is "$(accepted_for $B2C OriginatorConversationID "$OCID")" 1 "... without a second payout"
sim_faults '{"b2c":{"queue_timeout":1}}'
as 1001 1111 payout --phone 0708000033 --amount 400 --command BusinessPayment --wait --timeout 3
QT=$(j .txn)
is "$RC/$(j .state)" "20/unknown" "a queue timeout is unknown (exit 20), never a failure"
sim_reset_faults
pos reconcile
is "$(sql "select state from txn where public_id='$QT'")" unknown \
  "Transaction Status that does not know it leaves it unknown (never guessed)"

# ---- reversal --------------------------------------------------------------------------------------
as 1001 1111 charge --phone 0708000040 --amount 50 --wait
PAID=$(j .txn)
as 1002 2222 reverse "$PAID"
is "$RC" 77 "a cashier cannot reverse"
as 1001 1111 reverse "$PAID" --wait
is "$RC/$(j .state)/$(j .account_reference)" "0/completed/$PAID" "a supervisor reverses the completed charge"
as 1001 1111 reverse "$PAID" --wait
is "$RC" 64 "... once: a second reversal is refused"
is "$(sim_get "/__sim/requests?path=/mpesa/reversal/v1/request" | jq '[.requests[] | select(.accepted)] | length')" 1 \
  "... and only one reversal was sent"
as 1001 1111 reverse "$DROP"
is "$RC" 64 "a payout cannot be reversed (Daraja offers no B2C reversal)"

# ---- balance and status ---------------------------------------------------------------------------
as 1002 2222 balance
is "$RC" 77 "a cashier cannot see the balance"
as 1001 1111 balance --wait
is "$RC/$(j .state)" "0/completed" "balance --wait gets the result"
like "$(j '.accounts[] | select(.name == "Utility Account") | .available')" '^[0-9]+' \
  "... with the Utility Account"
is "$(sql "select group_concat(distinct shortcode) from balance")" 600000 \
  "... recorded under the shortcode it was asked for (b2c_shortcode, not the paybill)"
pos status "$PAID"
is "$RC/$(j .state)" "0/completed" "status of a completed charge: exit 0"
pos status "$(sql "select receipt from txn where public_id='$PAID'")"
is "$(j .txn)" "$PAID" "status finds it by its receipt too"
C2B=$(curl -s -X POST -H 'Content-Type: application/json' \
  -d '{"msisdn":"254708000050","amount":70,"bill_ref":"X1","shortcode":"600000"}' "$SIM_URL/__sim/c2b/pay" | jq -r .TransID)
as 1001 1111 status "$C2B"
is "$RC/$(j .mpesa.transaction_status)/$(j .mpesa.amount)" "0/Completed/70" \
  "status of a receipt this till does not hold asks Transaction Status"
pos status T00-NOPE
is "$RC/$(j .error.field)" "64/id" "an id that is neither ours nor a receipt: exit 64"
pos status QZZ0000000
is "$RC" 77 "looking up a receipt we do not hold needs a supervisor"
t_done
