#!/usr/bin/env bash
# Payout (B2C) in the console against daraja-sim: a cashier is not offered
# the screen (not in the menu, no key); a supervisor's payout is checked as
# typed, confirmed with the PIN again, and ends with the recipient's
# registered name and M-Pesa's receipt; above the approval limit a second
# supervisor signs in on the same screen (never the one paying); the audit
# log has it all.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
printf '[limits]\napproval_above = 1000\n' >>"$UI_CONF"
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 supervisor 2468 "Sam Supervisor"
ui_operator 2003 supervisor 1357 "Ann Approver"
ui_start 80 24

# menu_open LABEL: open the menu (F8) and the screen of that label.
menu_open() {
  ui_keys F8
  ui_wait "Press a number" || return 1
  local n
  n=$(ui_screen | grep -E "^ *[0-9]+ +$1( |$)" | head -1 | sed -E 's/^ *([0-9]+).*/\1/')
  [[ -n $n ]] || return 1
  ui_type "$n"
}

# ---- a cashier ----------------------------------------------------------------------
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_keys F8
ui_wait "Press a number"
screen=$(ui_screen)
if [[ $screen == *Payout* ]]; then not_ok "a cashier's menu has no Payout" "$screen"; else ok "a cashier's menu has no Payout"; fi
ui_keys Escape
ui_keys F1
ui_wait "Help"
screen=$(ui_screen)
if [[ $screen == *"ayout"* ]]; then not_ok "... and no key of the cashier's help leads to it" "$screen"; else ok "... and no key of the cashier's help leads to it"; fi
ui_keys Escape
ui_keys F9

# ---- a supervisor's payout -----------------------------------------------------------
ui_sign_in 2002 2468 || { t_done; exit 1; }
menu_open Payout || not_ok "the supervisor's menu offers Payout"
ui_see "Pay money out" "the supervisor's menu offers Payout"
ui_check payout-form "the Payout form"
ui_type 0812
ui_see "a Kenyan mobile number has 10 digits" "a phone number that cannot become a mobile number is refused as it is typed"
ui_keys C-u
ui_type 0708374149
ui_keys Enter
ui_type 10.50
ui_see "has cents" "an amount with cents is refused as it is typed"
ui_keys C-u
ui_type 500
ui_keys Tab
ui_type "June stipend"
ui_keys Enter
ui_wait "Pay out? Check everything"
ui_check payout-confirm "the confirmation shows everything and asks the PIN again"
ui_type 1111
ui_keys Enter
ui_see "wrong" "a wrong PIN is refused under the field"
ui_type 2468
ui_keys Enter
ui_see "Receipt" "the payout is paid" 20
ui_check payout-paid "PAID OUT with the recipient's registered name and the receipt"
n=$(sqlite3 "$T/pos.db" "select count(*) from txn where kind='b2c' and state='completed' and operator_id=2002 and payer_name <> ''")
is "$n" 1 "the ledger has it, with the recipient's name"

# ---- above the approval limit ---------------------------------------------------------
ui_keys Enter
ui_wait "Pay money out"
ui_type 0708374149
ui_keys Enter
ui_type 1500
ui_keys Enter
ui_wait "a second supervisor signs in"
ui_type 2468
ui_keys Enter
ui_type 2002
ui_keys Enter
ui_type 2468
ui_check payout-approver "above the approval limit a second supervisor signs in on the same screen"
ui_keys Enter
ui_see "cannot approve their own payout" "the one paying cannot approve it"
ui_keys Enter
ui_type 2468
ui_keys Enter
ui_type 2003
ui_keys Enter
ui_type 1357
ui_keys Enter
ui_see "Approved by Ann Approver" "a second supervisor approves it" 20
ui_see "Receipt" "... and it is paid" 20
is "$(sqlite3 "$T/pos.db" "select approver_id from txn where kind='b2c' and amount_minor=150000")" 2003 \
  "the approver is recorded on the payout"
is "$(sqlite3 "$T/pos.db" "select count(*) from audit where action='payout.approve' and operator_id=2003")" 1 \
  "... and the approval is in the audit log"
is "$(sqlite3 "$T/pos.db" "select count(*) from audit where action='payout' and operator_id=2002")" 2 \
  "both payouts are in the audit log"
ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
