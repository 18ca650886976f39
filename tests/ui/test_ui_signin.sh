#!/usr/bin/env bash
# The console's sign-in: the screen, a wrong PIN, the lock-out after five,
# a good sign-in, and help that shows a cashier only a cashier's keys.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 cashier 5678 "Ben Cashier"
ui_start 80 24

ui_wait "Operator id"
ui_check signin "the sign-in screen"

ui_type 2001; ui_keys Enter; ui_type 9999; ui_keys Enter
ui_wait "wrong"
ui_check signin-wrong-pin "a wrong PIN says so and clears the PIN"

# Four more wrong PINs lock operator 2002 (never 2001: a lock is per operator).
ui_keys Escape
for _ in 1 2 3 4 5; do
  ui_type 2002; ui_keys Enter; ui_type 0000; ui_keys Enter
  ui_wait_re "wrong|locked"
  ui_keys Escape
  ui_gone "Checking"
done
ui_type 2002; ui_keys Enter; ui_type 5678; ui_keys Enter
ui_wait "locked"
ui_check signin-locked "after five wrong PINs the right one is refused until the lock ends"

ui_keys Escape
ui_type 2001; ui_keys Enter; ui_type 4321; ui_keys Enter
ui_wait "New sale"
like "$(ui_screen)" "2001 Ann Cashier" "the header names the operator who signed in"

ui_keys F3
ui_wait_re "Newest first|No transactions yet"
ui_keys F1
ui_wait "Help: History"
ui_check help-history-cashier "a cashier's help lists no supervisor key"
screen=$(ui_screen)
if [[ $screen == *"every operator"* ]]; then
  not_ok "the supervisor's key (All operators) is not in a cashier's help"
else
  ok "the supervisor's key (All operators) is not in a cashier's help"
fi
ui_keys Escape
ui_gone "Help: History"
ui_keys F6
ui_see "needs a supervisor" "F6 (all operators) is refused to a cashier with a sentence"

# The audit log has every sign-in, failed or not.
n=$(sqlite3 "$T/pos.db" "select count(*) from audit where action like 'signin%'" 2>/dev/null || echo 0)
check "every sign-in attempt is in the audit log ($n rows)" test "$n" -ge 8

ui_keys C-c
ui_see "console exited with status 0" "Ctrl-C (like F10) quits at once when no charge is in progress"
t_done
