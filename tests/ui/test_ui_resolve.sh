#!/usr/bin/env bash
# A charge nobody can settle: the push was accepted, the callback never
# comes and every STK query fails, so once the prompt has certainly expired
# the charge is UNRESOLVED. The cashier is told what to do; a supervisor
# closes it from its detail view. (Real clock here: expiry needs time to
# pass. The prompt lasts the shortest [daraja] stk_prompt_seconds, 10 s.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"
unset MPESA_POS_TEST_CLOCK

ui_sim --fault stk.callback_drop=1 --fault stkquery.http_503=1 || exit 1
UI_DARAJA_EXTRA=$'stk_prompt_seconds = 10\nmax_retries = 0'
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 supervisor 2468 "Sam Supervisor"
ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_charge 0708374149 500
ui_see "Waiting for the customer" "the prompt is sent"
ui_see "NOT CONFIRMED:" "once the prompt has certainly expired the charge says it is not confirmed" 40
screen=$(ui_screen)
like "$screen" "ask for the customer's M-Pesa SMS" "and tells the cashier what to do"
if [[ $screen == *"NOT PAID"* || $screen == *"M-Pesa receipt"* ]]; then
  not_ok "an unresolved charge is never shown as paid or failed"
else
  ok "an unresolved charge is never shown as paid or failed"
fi
[[ $screen != *"Try again"* ]] && ok "Try again is not offered while the charge is not final" ||
  not_ok "Try again is not offered while the charge is not final"
ui_keys r
sleep 0.5
[[ $(sqlite3 "$T/pos.db" "select count(*) from txn where kind='stk'") == 1 && $(ui_screen) == *"ask for the customer's M-Pesa SMS"* ]] &&
  ok "... and r sends no new prompt" || not_ok "... and r sends no new prompt"

ui_keys F9
ui_sign_in 2002 2468 || { t_done; exit 1; }
ui_keys F3
ui_wait "UNRESOLVED"
ui_keys Enter
ui_see "Nobody could confirm" "the detail says what is known and what to do"
ui_keys F6
ui_see "Close T000001Y" "a supervisor opens the closing form"
ui_keys F6
ui_see "T000001Y is closed" "and closes the charge as not paid" 15
ui_see "FAILED" "the detail shows it FAILED"
n=$(sqlite3 "$T/pos.db" "select count(*) from audit where subject = 'T000001Y'" 2>/dev/null || echo 0)
check "the closing is in the audit log" test "$n" -ge 1

ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
