#!/usr/bin/env bash
# serve reconciles at start-up: a charge whose callback was lost is settled by
# an STK query, a payout whose answer and result were both lost by
# Transaction Status (its result comes back to serve's own listener), each
# without a second request; then serve stops cleanly.
. "$(dirname "$0")/flows_lib.sh"
fl_setup

sim_faults '{"stk":{"callback_drop":1},"b2c":{"error_500":1,"callback_drop":1}}'
as 1001 1111 charge --phone 0708200001 --amount 10
OPEN=$(j .txn)
is "$RC/$(j .state)" "20/awaiting" "a charge whose callback is lost stays awaiting"
as 1001 1111 payout --phone 0708200002 --amount 100 --command BusinessPayment
PUN=$(j .txn); OCID=$(j .originator_conversation_id)
is "$RC/$(j .state)" "20/unknown" "a payout whose answer is lost is unknown"
# The simulator decides to drop a result when it has one to send (the
# callback delay after the request): the faults stay until it has dropped it.
for _ in $(seq 1 50); do
  [[ $(sim_get "/__sim/callbacks?contains=$OCID" | jq '[.callbacks[] | select(.fault == "dropped")] | length') -ge 1 ]] && break
  sleep 0.1
done
sim_reset_faults

# A payout's first Transaction Status is due 30 s after it was sent (the
# result usually comes within seconds): serve starts with its clock 31 s on,
# so that the query is due at once instead of the test waiting for it.
MPESA_POS_TEST_CLOCK=$(($(date +%s) + 31)) fl_serve
for _ in $(seq 1 100); do
  [[ $(sql "select count(*) from txn where public_id in ('$OPEN','$PUN') and state='completed'") == 2 ]] && break
  sleep 0.2
done
is "$(sql "select state from txn where public_id='$OPEN'")" completed "serve's start-up reconciliation settles the charge by STK query"
is "$(sql "select state from txn where public_id='$PUN'")" completed "... and the payout by Transaction Status"
like "$(sql "select receipt from txn where public_id='$PUN'")" '^[A-Z0-9]{10}$' "... with its receipt"
is "$(sql "select count(*) from txn where kind='status' and account_reference='$PUN' and state='completed'")" 1 \
  "... from one status query, whose result serve's listener received"
is "$(pushes_for "$OPEN")" 1 "one push for the charge"
is "$(accepted_for /mpesa/b2c/v3/paymentrequest OriginatorConversationID "$OCID")" 1 "one payout"
grep -q 'reconciliation' "$T/pos.log" && ok "the log says what reconciliation did" || not_ok "the log says what reconciliation did"
SECRET=$(sql "select value from setting where key='listener.secret'")
grep -q 'ResultURL' "$T/pos.log" && ! grep -q "$SECRET" "$T/pos.log" &&
  ok "the debug log shows the payout's ResultURL without the callback path's secret" ||
  not_ok "the debug log shows the payout's ResultURL without the callback path's secret"
fl_stop_serve
is "$SERVE_RC" 0 "serve stops cleanly on SIGTERM"
t_done
