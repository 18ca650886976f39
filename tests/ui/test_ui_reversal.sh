#!/usr/bin/env bash
# A supervisor reverses a paid charge from its detail view: the key is
# offered only for a completed customer payment; a reason and the PIN typed
# again (a wrong one is refused), a last look, then the reversal, its own
# transaction, settled by its result callback and linked to the original in
# both details and both timelines. A cashier is not offered the key.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 supervisor 2468 "Sam Supervisor"
ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_charge 0708374149 500
ui_see "M-Pesa receipt" "a charge is paid" 15
ui_keys Enter F3
ui_wait "PAID" || { t_done; exit 1; }
ui_keys Enter
ui_wait "Timeline" || { t_done; exit 1; }
if ui_screen | grep -q "Reverse"; then
  not_ok "a cashier is not offered the reversal"
else
  ok "a cashier is not offered the reversal"
fi
ui_keys x
ui_see "Esc Back" "and x does nothing for a cashier" 2
ui_keys F9

ui_sign_in 2002 2468 || { t_done; exit 1; }
ui_keys F3
ui_wait "PAID" || { t_done; exit 1; }
ui_keys Enter
ui_see "F11 Reverse" "a supervisor's detail of a paid charge offers F11 Reverse"
ui_keys F11
ui_see "Reverse T000001Y" "F11 opens the reversal"
ui_type "customer paid twice"
ui_keys Enter
ui_type 1111
ui_keys Enter
ui_see "wrong" "a wrong PIN is refused"
ui_type 2468
ui_check reverse-form "the reason and the PIN typed again"
ui_keys Enter
ui_see "This cannot be undone" "then a last look"
ui_check reverse-sure "the last look: amount, payer, reason"
ui_keys Enter
ui_see "T000001Y is reversed (T000002W)" "the reversal is sent and settled by its result" 15
ui_check reverse-done "the reversal's outcome"
ui_keys Escape
ui_see "Reversed by T000002W" "the original's detail names its reversal"
if ui_screen | grep -q "F11 Reverse"; then
  not_ok "a payment already reversed is not offered the key again"
else
  ok "a payment already reversed is not offered the key again"
fi
ui_check detail-reversed "the original's detail and timeline after the reversal"
tl=$(sqlite3 "$T/pos.db" "select detail from timeline where txn_id = 1 and what = 'reversal'")
is "$tl" "reversal T000002W started by Sam Supervisor (2002): customer paid twice" \
  "the original's timeline names the reversal and the reason"
tl=$(sqlite3 "$T/pos.db" "select detail from timeline where txn_id = 2 and what = 'reason'")
is "$tl" "reason: customer paid twice" "the reversal's timeline has the reason"
n=$(sqlite3 "$T/pos.db" "select count(*) from audit where action = 'reversal.reason' and subject = 'T000002W'")
is "$n" 1 "the reason is in the audit log"
# The reversal's own detail links back, and is not reversible itself.
ui_keys Escape
ui_wait "REVERSED" || true
ui_keys Home Enter
ui_see "Reverses T000001Y" "the reversal's detail names the payment it reverses"
if ui_screen | grep -q "F11 Reverse"; then
  not_ok "a reversal is not offered the key"
else
  ok "a reversal is not offered the key"
fi
ui_keys F10
ui_see "console exited with status 0" "the console quits"
t_done
