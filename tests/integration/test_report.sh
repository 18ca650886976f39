#!/usr/bin/env bash
# mpesa-pos report day-end and mpesa-pos history against daraja-sim: charges
# (paid and cancelled) and a payout made through the CLI, a balance read
# before and after; then the report's totals equal history's rows summed, the
# balance variance is 0 (the simulator's books match the ledger's), a cashier
# gets their own shift summary, history streams pages and filters, and bad
# input is refused with exit 64.
. "$(dirname "$0")/flows_lib.sh"
# One shortcode takes the charges and pays out, so its balance sees both.
FL_EXTRA=$'[daraja]\nb2c_shortcode = 174379'
fl_setup
fl_serve

# Nairobi's today, as the commands compute it.
TODAY=$(TZ=Africa/Nairobi date +%Y-%m-%d)

as 1001 1111 balance --wait --timeout 20
is "$RC" 0 "a balance before the day's business (opening reading)"
as 1001 1111 charge --phone 0708374149 --amount 150 --wait
is "$RC" 0 "a supervisor's charge of KES 150 is paid"
as 1002 2222 charge --phone 0708374149 --amount 40 --wait
is "$RC" 0 "a cashier's charge of KES 40 is paid"
as 1002 2222 charge --phone 254700001032 --amount 25 --wait
is "$RC" 10 "a cashier's charge of KES 25 is cancelled on the phone"
as 1001 1111 payout --phone 0708374149 --amount 100 --command BusinessPayment --wait
is "$RC" 0 "a payout of KES 100 is paid"
as 1001 1111 balance --wait --timeout 20
is "$RC" 0 "a balance after (closing reading)"

# ---- history -------------------------------------------------------------------------
as 1001 1111 history --json
is "$RC" 0 "history --json exits 0"
HIST=$OUT
is "$(jq -s 'length' <<<"$HIST")" 6 "one JSON object a line, one per transaction (2 balance queries, 3 charges, 1 payout)"
is "$(jq -rs '[.[].created_at] | . == (sort | reverse)' <<<"$HIST")" true "newest first"
as 1001 1111 history --json --kind stk --state completed
is "$(jq -s 'map(.amount|tonumber) | add' <<<"$OUT")" 190 "--kind stk --state completed: KES 150 + 40"
as 1001 1111 history --csv --phone "0708 374 149"
is "$(head -1 <<<"$OUT" | cut -d, -f1-5)" "id,created_at,kind,state,amount" "--csv starts with its header"
is "$(($(wc -l <<<"$OUT") - 1))" 3 "--phone as typed finds the three transactions to 0708 374 149"
as 1002 2222 history --json
is "$(jq -rs 'map(.operator) | unique | map(tostring) | join(",")' <<<"$OUT")" 1002 "a cashier's history is their own"
as 1002 2222 history --json --by 1001
is "$RC" 77 "a cashier asking for someone else's history: exit 77"
as 1001 1111 history --since "$TODAY" --until "$TODAY" --limit 5
is "$RC" 0 "the text table for today"
is "$(($(wc -l <<<"$OUT") - 1))" 5 "... with --limit 5: five rows under the heading"
as 1001 1111 history --since 2025-13-01
is "$RC" 64 "a month 13 is refused: exit 64"
as 1001 1111 history --kind teleport
is "$RC" 64 "an unknown kind is refused: exit 64"

# ---- the day-end report ------------------------------------------------------------
as 1001 1111 report day-end --json
is "$RC" 0 "report day-end --json exits 0"
REP=$OUT
is "$(jq -r .report <<<"$REP")/$(jq -r .date <<<"$REP")" "day-end/$TODAY" "the full day-end report of today (Nairobi)"
for k in stk b2c balance; do
  want=$(jq -rs --arg k "$k" '[.[] | select(.kind == $k)] | "\(length)/\(map(.amount|tonumber) | add)"' <<<"$HIST")
  got=$(jq -r --arg k "$k" '.by_kind[$k] | "\(.count)/\(.amount|tonumber)"' <<<"$REP")
  is "$got" "$want" "by kind $k: count/amount equal history's rows summed ($want)"
done
for s in completed cancelled; do
  want=$(jq -rs --arg s "$s" '[.[] | select(.state == $s)] | "\(length)/\(map(.amount|tonumber) | add)"' <<<"$HIST")
  got=$(jq -r --arg s "$s" '.by_state[$s] | "\(.count)/\(.amount|tonumber)"' <<<"$REP")
  is "$got" "$want" "by state $s: equal history's rows summed ($want)"
done
is "$(jq -r '.mpesa_in | "\(.count)/\(.amount)"' <<<"$REP")" "2/190" "M-Pesa in: the two paid charges"
is "$(jq -r '.mpesa_out | "\(.count)/\(.amount)"' <<<"$REP")" "1/100" "M-Pesa out: the payout"
is "$(jq -r '[.rows[] | select(.operator == 1002 and .state == "cancelled")][0].amount' <<<"$REP")" 25 \
  "by operator: the cashier's cancelled charge"
is "$(jq -r '.balance.accounts | length' <<<"$REP")" 4 "the opening and closing balance of each of the 4 accounts"
is "$(jq -r .balance.expected <<<"$REP")" 90 "the ledger expects the balance to move by 190 - 100"
is "$(jq -r .balance.variance <<<"$REP")" 0 "the simulator's books moved by just that: variance 0"
is "$(jq -r .pull.checked <<<"$REP")" false "no Pull Transactions result in the ledger: the check is said not run"

as 1001 1111 report day-end
is "$RC" 0 "the text report"
like "$OUT" "DAY-END REPORT $TODAY" "... headed with the date"
like "$OUT" 'VARIANCE +KES 0' "... with the variance"
like "$OUT" 'Not checked: Pull Transactions' "... and the Pull check said not run"

as 1001 1111 report day-end --csv --out "$T/out"
is "$RC" 0 "--csv --out DIR"
is "$(head -1 <<<"$OUT")" "section,key,detail,count,amount" "CSV on stdout with its header"
is "$(ls "$T/out" | grep -c '^day-end-.*\.txt$')/$(ls "$T/out" | grep -c '^day-end-.*\.csv$')" 1/1 \
  "the text and CSV files saved in DIR"
like "$ERR" 'saved .*day-end-.*\.txt and .*\.csv' "... and named on stderr"

as 1002 2222 report day-end --json
is "$RC" 0 "a cashier's report: exit 0"
is "$(jq -r .report <<<"$OUT")" shift "... is their shift summary"
is "$(jq -r '[.rows[].operator] | unique | map(tostring) | join(",")' <<<"$OUT")" 1002 "... of their own transactions only"
is "$(jq -r '.by_state.completed.amount + "/" + .by_state.cancelled.amount' <<<"$OUT")" 40/25 "... paid 40, cancelled 25"
is "$(jq -r 'has("balance")' <<<"$OUT")" false "... without the balance"
like "$ERR" 'own shift summary' "... and says so on stderr"

as 1001 1111 report day-end --date 2024-02-30
is "$RC" 64 "an impossible date: exit 64"
pos report day-end
is "$RC" 77 "without --operator: exit 77"
pos report
is "$RC" 64 "without the report's name: exit 64"

fl_stop_serve
t_done
