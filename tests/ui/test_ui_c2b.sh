#!/usr/bin/env bash
# The C2B feed: a supervisor registers the C2B URLs from the console (asked
# first); a paybill payment made through the simulator's admin API appears
# in the feed at once with the day's total; a cashier claims it for a sale
# from the Charge form (F5: the exact amount first), the feed marks it
# claimed, and a payment another till claimed meanwhile is refused with who
# and when. In poll mode the feed says it needs a public callback URL.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 supervisor 2468 "Sam Supervisor"
SHORTCODE=174379

pay() { # AMOUNT BILL_REF
  curl -s -X POST "$SIM_URL/__sim/c2b/pay" \
    -d "{\"msisdn\":\"254712345678\",\"amount\":$1,\"bill_ref\":\"$2\",\"shortcode\":\"$SHORTCODE\"}" |
    jq -r .TransID
}
# The menu's number for a screen (F8), whatever rows come before it.
menu_open() {
  ui_keys F8
  ui_wait "$1" || return 1
  local n
  n=$(ui_screen | awk -v s="$1" 'index($0, s) {print $1; exit}')
  ui_keys "$n"
}

ui_start 80 24
ui_sign_in 2002 2468 || { t_done; exit 1; }
menu_open "C2B feed"
ui_see "today: 0 payments" "the feed opens from the menu, empty"
ui_keys F6
ui_check c2b-register-ask "F6 asks before registering the C2B URLs"
ui_keys Enter
ui_see "M-Pesa registered the C2B URLs" "a supervisor registers them from the console"
reg=$(curl -s "$SIM_URL/__sim/requests?path=/mpesa/c2b/v2/registerurl" | jq -r '[.requests[] | .status] | join(",")')
is "$reg" 200 "the simulator took one registration"

receipt=$(pay 500 INV-2041)
ui_see "$receipt" "a payment made through the simulator appears in the feed"
ui_see "today: 1 payment, KES 500" "with the day's running total"
other=$(pay 700 OTHER)
ui_see "today: 2 payments, KES 1,200" "the total runs with each payment"
ui_keys F4
ui_see "The bell rings when a payment arrives" "F4 turns the bell on"
ui_keys F9

# ---- a cashier claims the payment for a sale of KES 500 ----------------------
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_keys Tab
ui_type 500
ui_keys F5
ui_wait "that amount first" || { t_done; exit 1; }
ui_check claim-list "F5 on the form lists today's unclaimed payments, the sale's amount first"
# The cursor on the KES 700 payment; a new KES 500 payment arrives and goes
# to the top: the cursor stays on the payment chosen, not on its row.
ui_keys Down
third=$(pay 500 INV-2042)
ui_see "$third" "a payment arriving while the list is open is listed"
ui_keys Enter
ui_see "KES 700 for a KES 500 sale: claim anyway" \
  "the cursor stayed on the payment chosen; a claim of another amount asks first"
ui_check claim-sure "the question: the payment's amount against the sale's"
ui_keys n
ui_see "Not claimed" "n: not claimed"
n=$(sqlite3 "$T/pos.db" "select count(*) from c2b_claim")
is "$n" 0 "... and nothing was claimed"
ui_keys Up
ui_keys Enter
ui_see "Claimed T000001Y" "Enter claims a payment of the sale's amount at once"
n=$(sqlite3 "$T/pos.db" "select count(*) from audit where action = 'c2b.claim' and subject = 'T000001Y' and detail like '%for a KES 500 sale%'")
is "$n" 1 "the claim is in the audit log, with the sale's amount"
# Another till claims the other payment while this list is on screen.
sqlite3 "$T/pos.db" "insert into c2b_claim (txn_id, operator_id, claimed_at) values (2, 2002, 1741936500000)"
ui_keys Enter
ui_see "KES 700 for a KES 500 sale: claim anyway" "the next payment, of another amount: asked first"
ui_keys y
ui_see "already claimed by Sam Supervisor" "a payment is claimed once: a second claim is refused"
ui_see "(2002) at 10:15:00 on 14 Mar: a payment is claimed once" "and says who claimed it and when"
ui_check claim-refused "the refusal, on the claim screen"
n=$(sqlite3 "$T/pos.db" "select count(*) from audit where action = 'c2b.claim.refused'")
is "$n" 1 "the refused claim is in the audit log too"
ui_keys Escape
menu_open "C2B feed"
ui_wait "$other" || true
ui_check c2b-feed "the feed: payer, amount, reference, receipt, who claimed each"
ui_keys F6
ui_see "Esc Back" "a cashier is not offered the registration" 2
if ui_screen | grep -q "F6 Register\|Register this till"; then
  not_ok "F6 does nothing for a cashier"
else
  ok "F6 does nothing for a cashier"
fi
ui_keys F10
ui_see "console exited with status 0" "the console quits"

# ---- poll mode ------------------------------------------------------------------
tx kill-session -t "$UI_SESSION" 2>/dev/null
sed -i '/^public_url/d' "$UI_CONF"
ui_start 80 24
ui_sign_in 2002 2468 || { t_done; exit 1; }
menu_open "C2B feed"
ui_see "needs a public callback URL" "in poll mode the feed says it needs a public URL"
ui_check c2b-poll-mode "and where to read how to get one"
ui_keys F6 Enter
ui_see "poll mode" "registering is refused with the reason"

# ---- reversing a payment claimed for a sale: the last look shows the claim -----------------
ui_keys Down Down Enter
ui_see "F11 Reverse" "the claimed payment's detail offers a supervisor the reversal"
ui_keys F11
ui_see "Reverse T000001Y" "F11 opens its reversal"
ui_type "customer paid twice"
ui_keys Enter
ui_type 2468
ui_keys Enter
ui_see "This cannot be undone" "the last look"
ui_see "This payment was claimed by Ann Cashier (2001) at 10:15:00 on 14 Mar" \
  "... says who claimed the payment, and when"
ui_see "sale (KES 500 for a KES 500 sale): reversing it takes back" "... for which sale"
ui_check reverse-claimed "the last look of a claimed payment's reversal"
ui_keys n
ui_see "Nothing was sent" "n: nothing sent"
n=$(sqlite3 "$T/pos.db" "select count(*) from txn where kind = 'reversal'")
is "$n" 0 "... no reversal recorded"
t_done
