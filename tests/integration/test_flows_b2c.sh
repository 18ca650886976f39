#!/usr/bin/env bash
# Payout results from M-Pesa, each with its exit code and sentence: paid,
# not enough money in the Utility Account (1), an unknown initiator (20) and
# a wrong initiator password (2001, which on a payout is not a customer's
# PIN); and M-Pesa's ceiling (KES 250,000) applied before anything is
# recorded, whatever [limits] payout_max says.
#
# Each failure runs on a ledger of its own: failed results carry a
# placeholder TransactionID ("UKQ0000000", the same all day) that is at
# present recorded as the payout's receipt, so a second failed payout on one
# ledger collides with the first (reported; daraja/callback.c falls back to
# it whatever the outcome).
. "$(dirname "$0")/flows_lib.sh"
FL_PAYOUT_MAX=300000 FL_DAILY_MAX=10000000 fl_setup --utility-balance 500

fresh() {
  FL_DB=$T/$1.db
  FL_PAYOUT_MAX=300000 FL_DAILY_MAX=10000000 fl_conf "$CONF" "$PORT"
  "$POS" operator add --config "$CONF" --id 1001 --name "Sam Supervisor" --role supervisor --pin-fd 3 3<<<1111 >/dev/null 2>&1
  "$POS" operator add --config "$CONF" --id 1003 --name "Ann Approver" --role supervisor --pin-fd 3 3<<<3333 >/dev/null 2>&1
}
payout() {
  OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 \
        --command BusinessPayment --wait "$@" 2>"$T/stderr"); RC=$?
  ERR=$(cat "$T/stderr")
}
payout --phone 0708400001 --amount 100
is "$RC/$(j .state)" "0/completed" "KES 100 from a KES 500 Utility Account: paid out (exit 0)"
payout --phone 0708400002 --amount 1000
is "$RC/$(j .result_code)" "11/1" "KES 1,000 from what is left: result 1, exit 11"
like "$ERR" 'result 1' "... with its sentence"

fresh initiator
MPESA_INITIATOR_NAME=nobody payout --phone 0708400004 --amount 100
is "$RC/$(j .result_code)" "14/20" "an initiator M-Pesa does not know: result 20, exit 14"
fresh credential
MPESA_INITIATOR_PASSWORD=wrong payout --phone 0708400005 --amount 100
is "$RC/$(j .result_code)" "14/2001" "a wrong initiator password: result 2001, exit 14 (not 13: no customer PIN here)"
like "$ERR" 'initiator' "... and the sentence speaks of the initiator"

fresh ceiling
before=$(sim_get "/__sim/requests?path=/mpesa/b2c/v3/paymentrequest" | jq .count)
OUT=$("$POS" payout --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 --command BusinessPayment \
      --approver 1003 --approver-pin-fd 4 4<<<3333 --phone 0708400003 --amount 260000 2>"$T/stderr"); RC=$?
is "$RC/$(j .error.field)" "64/amount" "above KES 250,000, though payout_max allows it: exit 64 (amount)"
is "$(sim_get "/__sim/requests?path=/mpesa/b2c/v3/paymentrequest" | jq .count)" "$before" "... and nothing was sent"
is "$(sql "select count(*) from txn")" 0 "... nor recorded"
t_done
