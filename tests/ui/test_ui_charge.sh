#!/usr/bin/env bash
# Charge in the console against daraja-sim: fields checked as typed, the
# confirmation in large type, and the live panel to each outcome: paid (the
# receipt on screen), cancelled on the phone, no answer (the simulator's
# short prompt TTL), and a callback the simulator drops, resolved by query.
# Then History finds the paid charge and its detail shows the timeline and
# the raw callback.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim --prompt-ttl-ms 1500 || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_check charge-form "the Charge form"

# ---- checked as typed ------------------------------------------------------
ui_type 0812
ui_see "cannot be a Kenyan mobile number" "a phone number that cannot become a mobile number is refused as it is typed"
ui_keys Tab
ui_type 10.5
ui_wait "has cents"
ui_check charge-form-errors "a bad phone and a fractional amount, each with its error under it"
ui_keys Enter
ui_wait "has cents"
check "Enter with a wrong field sends nothing" test "$(ui_screen | grep -c 'Send an M-Pesa prompt')" -eq 0

# ---- paid ------------------------------------------------------------------
ui_keys Escape
ui_gone "has cents"
ui_type 0708374149
ui_keys Enter
ui_type 1,500
ui_keys Enter
ui_wait "Send an M-Pesa prompt for"
ui_check charge-confirm "the confirmation shows the amount and the number in large type"
ui_keys Enter
ui_wait "M-Pesa receipt" 15
ui_check charge-paid "a paid charge: PAID in large type with the receipt"
receipt=$(ui_screen | grep -o 'M-Pesa receipt [A-Z0-9]*' | awk '{print $3}')
like "$receipt" '^[A-Z0-9]{10}$' "the receipt number is on screen ($receipt)"
ui_keys F7
ui_wait "Receipt saved to"
check "the receipt was printed to a text file" grep -q "$receipt" "$T"/receipts/receipt-*.txt

# ---- History finds it; the detail shows its timeline ---------------------------
ui_keys F3
ui_wait "Newest first"
ui_keys F4
ui_type "$receipt"
ui_keys Enter
ui_wait "receipt \"$receipt\""
ui_check history-search "History: a search by receipt finds the paid charge"
ui_keys Enter
ui_wait "Timeline"
ui_check detail-timeline "the detail: Daraja's ids and the timeline of request, answer and callback"
ui_keys r
ui_wait "Callback 1 of 1"
ui_check detail-raw "the raw callback, as Daraja sent it"
ui_keys Escape
ui_wait "Timeline"
ui_keys Escape
ui_wait "Newest first"
ui_keys Escape          # clears the search
ui_gone "receipt \""
ui_keys Escape          # back to Charge, which still shows the sale
ui_see "M-Pesa receipt $receipt" "Esc from History goes back to the Charge screen as it was"
ui_keys Enter

# ---- cancelled on the phone ------------------------------------------------------
ui_charge 0700001032 250
ui_wait "NOT PAID" 15
ui_check charge-cancelled "a charge the customer cancelled: NOT PAID and the reason"

# ---- no answer ------------------------------------------------------------------------
ui_keys Enter
ui_charge 0700001037 250
ui_wait "NOT PAID" 15
ui_check charge-timeout "a prompt nobody answered: NO ANSWER"

# ---- the callback is dropped: resolved by query --------------------------------------
curl -s -X POST "$SIM_URL/__sim/faults" -H 'Content-Type: application/json' \
  -d '{"stk":{"callback_drop":1}}' >/dev/null
ui_keys Enter
ui_charge 0711223344 700
ui_wait "Waiting for the customer"
ui_keys F10
ui_see "Quit anyway?" "quitting while a charge is in flight asks first"
ui_keys n
ui_gone "Quit anyway?"
# The charge's own STK queries settle it (about 6 s: the first query, then
# a short wait for the receipt that only the callback carries).
ui_wait "M-Pesa confirmed the payment" 20
ui_check charge-dropped "a charge whose callback never came, settled by an STK query"
ui_keys F3
ui_wait "Newest first"
ui_check history-list "History lists all four charges, newest first"

# ---- filter and export ------------------------------------------------------------
ui_keys F5
ui_wait "Filter the list"
ui_keys Tab Tab Tab
ui_type cancelled
ui_keys Enter
ui_wait "CANCELLED"
ui_check history-filter "History filtered by state shows only the cancelled charge"
ui_keys F7
ui_see "Saved 1 transaction to" "F7 writes what the filter shows to a CSV file"
csv=$(ls "$T"/receipts/history-*.csv 2>/dev/null | head -1)
rows=$(tail -n +2 "$csv" 2>/dev/null)
like "$rows" '^T000002W,2025-03-14T10:15:00\+03:00,stk,cancelled,250,KES,254700001032,' \
  "the CSV holds the cancelled charge"
is "$(printf '%s\n' "$rows" | wc -l)" 1 "and only it"
ui_keys Escape
ui_wait "Showing yours · all dates"

# ---- the fixed clock: the charge's own queries go on, and F5 asks at once ----------
# Every STK query fails (503) and the callback is dropped: the charge stays
# open, asking again on its own schedule (3 s, then 4.5 s, 6.75 s ...).
curl -s -X POST "$SIM_URL/__sim/faults" -H 'Content-Type: application/json' \
  -d '{"stkquery":{"http_503":1}}' >/dev/null
ui_keys Escape
ui_wait "M-Pesa confirmed the payment"
ui_keys Enter
ui_charge 0722000111 50
ui_wait "Waiting for the customer"
asked() { sqlite3 "$T/pos.db" "select attempts from txn where msisdn = '254722000111'" 2>/dev/null; }
for ((i = 0; i < 200; i++)); do (($(asked) >= 2)) && break; sleep 0.1; done
check "under the fixed test clock the charge asks M-Pesa again by itself" test "$(asked)" -ge 2
sleep 3.2 # the least spacing of queries has passed; its own next is ~3.5 s away
n=$(asked)
ui_keys F5
ui_see "Asking M-Pesa about" "F5 on the live panel asks M-Pesa now"
for ((i = 0; i < 20; i++)); do (($(asked) > n)) && break; sleep 0.1; done
check "and the query goes at once (within 2 s), not on the charge's schedule" test "$(asked)" -gt "$n"

ui_keys F10
ui_wait "Quit anyway?"
ui_keys y
ui_see "console exited with status 0" "the console quits cleanly"
t_done
