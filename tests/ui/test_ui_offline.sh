#!/usr/bin/env bash
# When Daraja cannot be reached the Charge screen says so, the charge is
# NOT PAID with the reason, the form then says so before anything is typed
# and offers what the till can still do: a sale paid in cash, marked as
# such in History.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

# A loopback port where nothing listens stands for an unreachable Daraja.
SIM_URL="http://127.0.0.1:$(ui_free_port)"
UI_DARAJA_EXTRA="max_retries = 0"
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }

ui_charge 0708374149 300
ui_wait "NOT PAID" 20
ui_check charge-unreachable "a charge Daraja never received: NOT PAID, with the reason"

ui_keys Enter
ui_wait "New sale: the customer"
ui_check charge-offline-form "the form says Daraja is down before anything is typed, and offers cash"

ui_keys Tab
ui_type 300
ui_keys F6
ui_wait "PAID IN CASH"
ui_check charge-cash-confirm "recording a cash sale asks first"
ui_keys Enter
ui_wait "Recorded as paid by other means"
ui_check charge-cash-done "a cash sale, recorded as paid by other means"

ui_keys F3
ui_wait "Newest first"
like "$(ui_screen)" "Cash +KES 300 PAID +cash" "History marks the cash sale as Cash"
like "$(ui_screen)" "Charge +0708 374 149 +KES 300 FAILED" "and the charge that never reached Daraja as FAILED"

ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
