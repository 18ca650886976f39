#!/usr/bin/env bash
# Charges when things go wrong, with no `serve` running (each command runs
# a listener of its own): a lost synchronous answer (500 or reset AFTER the
# simulator processed the push) ends in the right state through the callback
# without a second push; a push whose answer and callback are both lost
# becomes unresolved once its prompt has certainly expired, and a supervisor
# closes it with a receipt that Transaction Status confirms, or as not paid.
. "$(dirname "$0")/flows_lib.sh"
fl_setup

as 1001 1111 charge --phone 0708374149 --amount 10 --wait
is "$RC/$(j .state)" "0/completed" "the command's own listener receives the callback: PAID"
like "$(j .receipt)" '^[A-Z0-9]{10}$' "... with the receipt"
FIRST=$(j .txn)
is "$(jq -r --arg t "$FIRST" 'select(.txn_id == $t and .name == "mpesa.stk_push.success") | .receipt' "$T/events.jsonl")" \
  "$(j .receipt)" "... and the command delivered its events itself (no serve): stk_push.success with the receipt"
is "$(jq -r 'select(.name == "mpesa.operator.signed_in") | .operator' "$T/events.jsonl" | sort -u)" 1001 \
  "... and the sign-in"

# ---- lost answers: unknown, then the callback, never a second push ------------------------
n=10
for fault in error_500 reset; do
  n=$((n + 1))
  sim_faults "{\"stk\":{\"$fault\":1}}"
  as 1001 1111 charge --phone "07080000$n" --amount 10 --wait
  TX=$(j .txn)
  is "$RC/$(j .state)" "0/completed" "stkpush answered by $fault after processing: completed through the callback"
  like "$(j .receipt)" '^[A-Z0-9]{10}$' "... with the callback's receipt"
  is "$(sql "select count(*) from timeline where txn_id=(select id from txn where public_id='$TX') and to_state='unknown'")" 1 \
    "... after being recorded as unknown"
  is "$(pushes_for "$TX")" 1 "... and the push was sent once"
done
sim_reset_faults

# ---- answer and callback lost: unresolved once the prompt has certainly expired ---------------
sim_faults '{"stk":{"error_500":1,"callback_drop":1}}'
t0=$(date +%s)
as 1001 1111 charge --phone 0708000009 --amount 77 --wait
UNR=$(j .txn)
is "$RC/$(j .state)" "21/unresolved" "nothing came back: exit 21, unresolved (never guessed)"
(( $(date +%s) - t0 >= 14 )) && ok "... only after the prompt (10 s) and its margin (5 s)" \
  || not_ok "... only after the prompt and its margin" "took $(($(date +%s) - t0)) s"
like "$ERR" "supervisor" "... and the sentence says a supervisor closes it"
is "$(pushes_for "$UNR")" 1 "... with one push"
as 1001 1111 charge --phone 0708000008 --amount 88
UNR2=$(j .txn)
is "$RC/$(j .state)" "20/unknown" "another lost answer without --wait: exit 20, unknown"
sim_reset_faults
later=$(( $(date +%s) + 60 ))
OUT=$(MPESA_POS_TEST_CLOCK=$later "$POS" reconcile --config "$CONF" 2>"$T/stderr"); RC=$?
is "$RC/$(j '.transactions[] | select(.txn == "'"$UNR2"'") | .state')" "0/unresolved" \
  "reconcile, once its prompt has certainly expired: unresolved"

RECEIPT=$(sim_get "/__sim/ledger" | jq -r '[.transactions[] | select((.msisdn | tostring) == "254708000009")][0].receipt')
like "$RECEIPT" '^[A-Z0-9]{10}$' "the customer's M-Pesa message shows receipt $RECEIPT"
as 1002 2222 resolve "$UNR" --paid "$RECEIPT"
is "$RC" 77 "a cashier cannot close it"
as 1001 1111 resolve "$UNR" --paid QZZ0000000
is "$RC/$(j .error.field)" "64/receipt" "a receipt M-Pesa does not know is refused"
is "$(sql "select state from txn where public_id='$UNR'")" unresolved "... and nothing changed"
as 1001 1111 resolve "$UNR2" --paid "$RECEIPT"
is "$RC" 64 "the receipt of another phone and amount is refused"
as 1001 1111 resolve "$UNR" --paid "$RECEIPT"
is "$RC/$(j .state)/$(j .receipt)" "0/completed/$RECEIPT" "with the customer's receipt, checked by Transaction Status: PAID"
is "$(sql "select count(*) from audit where action='resolve.paid' and subject='$UNR' and operator_id=1001")" 1 \
  "... audited"
as 1001 1111 resolve "$UNR2" --not-paid
is "$RC/$(j .state)" "14/failed" "the other is closed as not paid"
is "$(sql "select count(*) from audit where action='resolve.not_paid' and subject='$UNR2'")" 1 "... audited"
t_done
