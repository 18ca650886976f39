#!/usr/bin/env bash
# Charges resolved by asking Daraja (no `serve` running; callbacks dropped by
# the simulator): STK queries that respect "still processing" and back off,
# `status` checking an open charge once, one open charge per phone, and an
# access token that expires mid-flow refreshed exactly once.
. "$(dirname "$0")/flows_lib.sh"
fl_setup
sim_faults '{"stk":{"callback_drop":1}}'

# ---- an expired token is refreshed once ----------------------------------------------------------
oauth0=$(sim_get "/__sim/requests?path=/oauth/v1/generate" | jq .count)
"$POS" charge --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --phone 0708000020 \
  --amount 10 --wait >"$T/tok.out" 2>&1 &
TOK_PID=$!
sleep 1
curl -s -o /dev/null -X POST "$SIM_URL/__sim/tokens/expire"
wait "$TOK_PID"
is "$?" 0 "a charge whose token expired before its STK query still ends PAID"
is "$(($(sim_get "/__sim/requests?path=/oauth/v1/generate" | jq .count) - oauth0))" 2 \
  "... with one token at the start and exactly one refresh"
is "$(sim_get "/__sim/requests?path=/mpesa/stkpushquery/v1/query&limit=10000" | jq '[.requests[] | select(.error_code == "404.001.03")] | length')" 1 \
  "... after one query refused for the expired token"

# ---- one open charge per phone; lost callbacks made up for by queries --------------------------
as 1002 2222 charge --phone 0708000001 --amount 25 --ref INV-2041
is "$RC/$(j .state)" "20/awaiting" "without --wait a cashier's charge returns once accepted: exit 20, awaiting"
OPEN=$(j .txn)
is "$(sim_get "/__sim/requests?path=/mpesa/stkpush/v1/processrequest&limit=1" | jq -r '.requests[0].fields.AccountReference')" \
  INV-2041 "--ref is the prompt's account reference"
as 1001 1111 charge --phone 0708000001 --amount 30
is "$RC" 30 "a second charge to the same phone while one is open: exit 30"
like "$ERR" "$OPEN" "... naming the open charge"
is "$(sent_for /mpesa/stkpush/v1/processrequest PhoneNumber 254708000001)" 1 "... and no second prompt"
pos status "$OPEN"
is "$RC/$(j .state)" "0/completed" "status checks the open charge with an STK query: completed"
like "$ERR" "receipt number was not received" "... and says the receipt comes only by callback"
[[ $(sent_for /mpesa/stkpushquery/v1/query CheckoutRequestID "$(j .checkout_request_id)") -ge 1 ]] &&
  ok "... through the STK query API" || not_ok "... through the STK query API"
as 1001 1111 charge --phone 0708000001 --amount 30 --wait
is "$RC/$(j .state)" "0/completed" "once final, the phone takes a new charge; with no callback it ends by query"
sim_reset_faults

t_done
