#!/usr/bin/env bash
# The day-end report screen: a cashier's charge and cash sale and a
# supervisor's charge; the cashier's screen is their own shift summary, the
# supervisor's the full day-end report, whose totals equal the ledger's own
# sums (sqlite3 on the database); F7 saves it as text and CSV.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 supervisor 2468 "Sam Supervisor"

menu_open() {
  ui_keys F8
  ui_wait "$1" || return 1
  local n
  n=$(ui_screen | grep -oE "[0-9]+  $1" | head -1 | cut -d' ' -f1)
  ui_keys "$n"
}
q() { sqlite3 "$T/pos.db" "$1" 2>/dev/null; }

ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_charge 0708374149 500
ui_wait "M-Pesa receipt" 20
ui_keys Enter
ui_wait "New sale: the customer"
ui_keys Tab
ui_type 300
ui_keys F6
ui_wait "PAID IN CASH"
ui_keys Enter
ui_wait "Recorded as paid by other means"
menu_open "Day-end report"
ui_see "SHIFT SUMMARY 2025-03-14" "a cashier's report is their own shift summary, for today in Nairobi"
ui_check report-shift "the cashier's shift: their charge and their cash sale apart, by state"

ui_keys F9
ui_sign_in 2002 2468 || { t_done; exit 1; }
ui_charge 0708374149 1200
ui_wait "M-Pesa receipt" 20
ui_keys Enter
menu_open "Day-end report"
ui_see "DAY-END REPORT 2025-03-14" "a supervisor gets the full day-end report"
ui_check report-day-end "the day-end report: totals by kind and state, money in and out, cash apart"
screen=$(ui_screen | tr -d ,)
stk=$(q "select count(*) || ' ' || (sum(amount_minor)/100) from txn where kind='stk'")
like "$screen" "M-Pesa charge +${stk% *} +KES ${stk#* }" "the charges' count and value equal the ledger's ($stk)"
cash=$(q "select count(*) || ' ' || (sum(amount_minor)/100) from txn where kind='cash' and state='completed'")
like "$screen" "Cash and other means \(not M-Pesa\) +${cash% *} +KES ${cash#* }" "cash apart, equal to the ledger's ($cash)"
ui_keys PPage NPage
ui_see "Operator" "PgDn scrolls to the totals by operator"
ui_check report-day-end-more "further down: operators, the balance (none read today) and the Pull check"
ui_keys F7
ui_see "Saved day-end-2025-03-14" "F7 saves the report"
check "as text" test "$(ls "$T/receipts" | grep -c '^day-end-2025-03-14-.*\.txt$')" -eq 1
check "and as CSV" test "$(ls "$T/receipts" | grep -c '^day-end-2025-03-14-.*\.csv$')" -eq 1
ui_keys F4
ui_wait "The report of which day?"
ui_keys C-u
ui_type 2025-03-13
ui_keys Enter
ui_see "No transactions that day." "F4 picks another day"
ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
