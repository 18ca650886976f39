#!/usr/bin/env bash
# When Daraja cannot be reached the Charge screen says so before anything is
# typed (the console's start-up probe is a token fetch, never a payment),
# with the breaker's state, and offers what the till can still do: a sale
# paid in cash, marked as such in History. A charge tried anyway is NOT PAID
# with the reason. When the simulator comes up the notice clears by itself.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

# A loopback port where nothing listens (yet) stands for an unreachable Daraja.
port=$(ui_free_port)
SIM_URL="http://127.0.0.1:$port"
UI_DARAJA_EXTRA=$'max_retries = 0\nbreaker_open_seconds = 2'
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }

ui_see "M-Pesa cannot be reached" "before anything is typed, the Charge form says M-Pesa cannot be reached"
ui_check charge-offline-form "the form says why, with the breaker's state, and offers the paybill and cash"

ui_charge 0708374149 300
ui_wait "NOT PAID" 20
ui_check charge-unreachable "a charge Daraja never received: NOT PAID, with the reason"

ui_keys Enter
ui_wait "New sale: the customer"
ui_keys Tab
ui_type 300
ui_keys F6
ui_wait "PAID IN CASH"
ui_check charge-cash-confirm "recording a cash sale asks first"
ui_keys Enter
ui_wait "Recorded as paid by other means"
ui_check charge-cash-done "a cash sale, recorded as paid by other means"
cash=$(sqlite3 "$T/pos.db" "select public_id from txn where kind = 'cash'" 2>/dev/null)
like "$cash" '^T[0-9A-Z]+$' "the cash sale is in the ledger ($cash)"
n=$(sqlite3 "$T/pos.db" "select count(*) from audit where action = 'sale.cash' and subject = '$cash'" 2>/dev/null)
is "$n" 1 "the cash sale is in the audit log"
n=$(sqlite3 "$T/pos.db" "select count(*) from outbox where event = 'mpesa.sale.cash_recorded'" 2>/dev/null)
is "$n" 1 "and its event is on the outbox"

ui_keys F3
ui_wait "Newest first"
like "$(ui_screen)" "Cash +KES 300 PAID +cash" "History marks the cash sale as Cash"
like "$(ui_screen)" "Charge +0708 374 149 +KES 300 FAILED" "and the charge that never reached Daraja as FAILED"

# ---- Daraja comes back: the notice clears without a charge ------------------------
ui_keys Escape
ui_wait "Recorded as paid by other means"
ui_keys Enter
ui_wait "New sale: the customer"
ui_see "M-Pesa cannot be reached" "the notice is still there while Daraja is down"
t_spawn "$T/sim.log" "$B/daraja-sim" --listen "127.0.0.1:$port" --seed 7 --admin
t_wait_listening "$T/sim.log" >/dev/null
ui_see "Daraja up" "once the simulator is up the status line says Daraja is up" 20
if ui_gone "M-Pesa cannot be reached" 5; then
  ok "and the notice on the Charge form clears"
else
  not_ok "and the notice on the Charge form clears" "$(ui_screen)"
fi
apis=$(curl -s "$SIM_URL/__sim/requests" | jq -r '[.requests[].api] | unique | join(",")')
is "$apis" "oauth" "what found it was a token fetch: no payment was sent"

ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
