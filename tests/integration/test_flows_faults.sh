#!/usr/bin/env bash
# Retries only when safe: a push refused before processing (spike arrest) is
# resent and, refused every time, ends as refused (exit 30) with nothing
# moved; an unreachable Daraja is exit 31 with nothing sent; a push whose
# connection is held and dropped after processing is never resent and is
# settled by the callback that came while we waited.
. "$(dirname "$0")/flows_lib.sh"
fl_setup
PUSH=/mpesa/stkpush/v1/processrequest

sim_faults '{"stk":{"spike_arrest":1}}'
n0=$(sim_get "/__sim/requests?path=$PUSH" | jq .count)
as 1001 1111 charge --phone 0708300001 --amount 10 --wait
is "$RC/$(j .state)/$(j .result_code)" "30/failed/500.003.02" "spike arrest on every try: exit 30, refused"
like "$ERR" 'FAILED' "... with a sentence"
tries=$(($(sim_get "/__sim/requests?path=$PUSH" | jq .count) - n0))
[[ $tries -ge 2 ]] && ok "... after resending it ($tries tries: refused before processing is safe to resend)" \
  || not_ok "... after resending it" "tries: $tries"
is "$(accepted_for $PUSH PhoneNumber 254708300001)" 0 "... none of which moved money"
sim_reset_faults

sim_faults '{"stk":{"timeout":1,"timeout_ms":1500}}'
as 1001 1111 charge --phone 0708300002 --amount 10 --wait
TX=$(j .txn)
is "$RC/$(j .state)" "0/completed" "a push held and dropped after processing: PAID through the callback"
like "$(j .receipt)" '^[A-Z0-9]{10}$' "... with the receipt"
is "$(sent_for $PUSH PhoneNumber 254708300002)" 1 "... and it was sent once, never resent"
is "$(sql "select count(*) from timeline where txn_id=(select id from txn where public_id='$TX') and to_state='unknown'")" 1 \
  "... the outcome unknown until the callback"
sim_reset_faults

# Every STK query fails at once (HTTP 503, then the breaker): the charge
# waits out its prompt without hammering Daraja, and is unresolved.
sim_faults '{"stk":{"callback_drop":1},"stkquery":{"http_503":1}}'
q0=$(sim_get "/__sim/requests?path=/mpesa/stkpushquery/v1/query" | jq .count)
as 1001 1111 charge --phone 0708300004 --amount 10 --wait
is "$RC/$(j .state)" "21/unresolved" "no callback and every query failing: unresolved once the prompt has certainly expired"
queries=$(($(sim_get "/__sim/requests?path=/mpesa/stkpushquery/v1/query" | jq .count) - q0))
[[ $queries -ge 1 && $queries -le 12 ]] && ok "... after a bounded number of queries ($queries), never a storm" \
  || not_ok "... after a bounded number of queries" "queries: $queries"
[[ $(sql "select count(*) from timeline where txn_id=(select id from txn where public_id='$(j .txn)')") -le 30 ]] &&
  ok "... and a short timeline" || not_ok "... and a short timeline"
sim_reset_faults

before=$(sim_get "/__sim/requests?path=$PUSH" | jq .count)
OUT=$(MPESA_BASE_URL=http://127.0.0.1:1 "$POS" charge --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 \
      --phone 0708300003 --amount 10 --wait 2>"$T/stderr"); RC=$?
is "$RC/$(j .state)/$(j .result_code)" "31/failed/local:unreachable" "Daraja unreachable: exit 31"
like "$(cat "$T/stderr")" 'Not sent' "... saying nothing was sent"
is "$(sim_get "/__sim/requests?path=$PUSH" | jq .count)" "$before" "... and nothing was"
t_done
