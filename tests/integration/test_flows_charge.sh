#!/usr/bin/env bash
# mpesa-pos charge against daraja-sim, with `serve` receiving the callbacks
# (each command finds the listener's port taken and watches the ledger): paid
# with a receipt, every scenario number with its exit code and sentence, bad
# input named by field and never sent, the Nairobi timestamp whatever TZ says.
. "$(dirname "$0")/flows_lib.sh"
fl_setup
fl_serve

# ---- paid, with a receipt ---------------------------------------------------------
as 1001 1111 charge --phone 0708374149 --amount 10 --wait
is "$RC" 0 "charge --wait to 0708374149 ends with exit 0"
is "$(j .state)/$(j .label)" "completed/PAID" "... PAID"
like "$(j .receipt)" '^[A-Z0-9]{10}$' "... with the M-Pesa receipt"
TX=$(j .txn)
like "$TX" '^T[0-9A-Z]{7,11}$' "... and our transaction id ($TX)"
like "$ERR" "^mpesa-pos charge: PAID: KES 10 from 0708 374 149, M-Pesa receipt $(j .receipt)" \
  "one sentence on stderr says PAID, the amount, the phone and the receipt"
is "$(wc -l <<<"$OUT")" 1 "one JSON object on stdout"
is "$(pushes_for "$TX")" 1 "the prompt carried the transaction id as its account reference, once"
is "$(sql "select count(*) from audit where action='charge' and subject='$TX' and operator_id=1001")" 1 \
  "the charge is in the audit log under its operator"
is "$(sql "select count(*) from callback where txn_id=(select id from txn where public_id='$TX')")" 1 \
  "serve received the callback; the command read the outcome from the ledger"

# ---- every scenario number ------------------------------------------------------------
while read -r phone code exit what; do
  as 1001 1111 charge --phone "$phone" --amount 10 --wait
  is "$RC/$(j .result_code)" "$exit/$code" "$phone: result $code ends with exit $exit ($what)"
  [[ -n $(j .message) && $ERR == *"result $code"* ]] && ok "... with its sentence: ${ERR#mpesa-pos charge: }" \
    || not_ok "... with its sentence" "$ERR"
done <<'ROWS'
0700000001 1 11 insufficient funds
0700001032 1032 10 customer cancelled
0700001037 1037 12 no answer, after the prompt's life
0700002001 2001 13 wrong PIN
0700001019 1019 12 expired
0700000003 SFC_IC0003 14 declined for another reason
ROWS

# ---- bad input: named, refused, nothing recorded or sent ----------------------------
before=$(sim_get "/__sim/requests?path=/mpesa/stkpush/v1/processrequest" | jq .count)
txns=$(sql "select count(*) from txn")
as 1001 1111 charge --phone "0812 345 67" --amount 10
is "$RC/$(j .error.field)" "64/phone" "a bad phone is exit 64 naming the field phone"
like "$ERR" '0812 345 67' "... and the sentence quotes it"
as 1001 1111 charge --phone 0708374149 --amount 10.50
is "$RC/$(j .error.field)" "64/amount" "cents are refused (exit 64, field amount), never rounded"
as 1001 1111 charge --phone 0708374149 --amount 10 --ref ABCDEFGHIJKLM
is "$RC/$(j .error.field)" "64/account_reference" "a 13-character reference is refused (exit 64)"
as 1001 1111 charge --phone 0708374149 --amount 300000
is "$RC/$(j .error.field)" "64/amount" "above [limits] stk_max_amount is refused"
pos charge --phone 0708374149 --amount 10
is "$RC" 77 "without --operator: exit 77"
as 1001 9999 charge --phone 0708374149 --amount 10
is "$RC" 77 "a wrong PIN: exit 77"
like "$ERR" 'PIN is wrong' "... saying the id or PIN is wrong"
is "$(sim_get "/__sim/requests?path=/mpesa/stkpush/v1/processrequest" | jq .count)" "$before" \
  "none of these sent anything"
is "$(sql "select count(*) from txn")" "$txns" "... nor recorded a transaction"

# ---- the timestamp is Nairobi time whatever TZ says ---------------------------------------
for tz in UTC America/New_York; do
  lo=$(TZ=Africa/Nairobi date +%Y%m%d%H%M%S)
  OUT=$(TZ=$tz "$POS" charge --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 \
        --phone 0708000003 --amount 5 --wait 2>"$T/stderr"); RC=$?
  hi=$(TZ=Africa/Nairobi date +%Y%m%d%H%M%S)
  ts=$(sim_get "/__sim/requests?path=/mpesa/stkpush/v1/processrequest&limit=1" | jq -r '.requests[0].fields.Timestamp')
  is "$RC" 0 "TZ=$tz: the simulator accepted the password made with the timestamp"
  [[ $ts -ge $lo && $ts -le $hi ]] && ok "TZ=$tz: Timestamp $ts is Nairobi time" \
    || not_ok "TZ=$tz: Timestamp is Nairobi time" "sent $ts, Nairobi between $lo and $hi"
done

fl_stop_serve
is "$SERVE_RC" 0 "serve stops cleanly on SIGTERM"
is "$(jq -r --arg t "$TX" 'select(.txn_id == $t) | .name' "$T/events.jsonl" | tr '\n' ' ')" \
  "mpesa.stk_push.initiated mpesa.stk_push.success " "serve delivered the charge's events, in order"
grep -q '1111\|2222' "$T/pos.log" && not_ok "no PIN in the log" || ok "no PIN in the log"
t_done
