#!/usr/bin/env bash
# [limits] stk_per_minute holds across processes: twenty charges from
# separate command runs within a minute go out, the 21st is refused before
# anything is sent (exit 30) with a sentence saying when to try again.
. "$(dirname "$0")/flows_lib.sh"
FL_STK_PER_MINUTE=20 fl_setup

codes=
for i in $(seq 10 29); do
  as 1002 2222 charge --phone "07081000$i" --amount 1
  codes+="$RC "
done
is "$codes" "$(printf '20 %.0s' $(seq 1 20))" "20 charges from 20 separate runs go out (each exit 20: awaiting)"
as 1002 2222 charge --phone 0708100030 --amount 1
is "$RC/$(j .state)" "30/failed" "the 21st within the minute is refused: exit 30"
like "$ERR" 'try again in [0-9]+ s' "... with a sentence saying when to try again"
like "$ERR" 'nothing was sent' "... and that nothing was sent"
is "$(sent_for /mpesa/stkpush/v1/processrequest PhoneNumber 254708100030)" 0 "... and it was not sent"
is "$(sim_get "/__sim/requests?path=/mpesa/stkpush/v1/processrequest" | jq .count)" 20 "20 prompts in all"
as 1001 1111 charge --phone 0708100031 --amount 1
is "$RC" 30 "the limit is the till's, whoever the operator"
t_done
