#!/usr/bin/env bash
# Bulk payout in the console against daraja-sim: a CSV with bad rows is
# checked and every bad row is listed by its line before anything is
# recorded; a good file is approved with the PIN again and paid, with the
# progress and the report at the end; every row paid once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
printf '[limits]\npayout_max = 100000\n' >>"$UI_CONF"
ui_operator 2002 supervisor 2468 "Sam Supervisor"
mkdir -p "$T/receipts"
cat >"$T/receipts/june.csv" <<'CSV'
phone,amount,name,remarks
0708000101,100,Amina Otieno,June stipend
0712,100,Short Number,
0708000103,10.50,Cents Row,
0708000104,150000,Too Much,
0708000101,100,Amina Again,
CSV
cat >"$T/receipts/july.csv" <<'CSV'
0708000201,100,Baraka Mwangi,Stipend
0708000202,200,Chebet Kiprop,
0708000203,300,Dalia Hassan,
CSV
ui_start 80 24
ui_sign_in 2002 2468 || { t_done; exit 1; }
ui_keys F8
ui_wait "Press a number"
n=$(ui_screen | grep -E "[0-9]+ +Bulk payout" | head -1 | sed -E 's/^[^0-9]*([0-9]+).*/\1/')
ui_type "$n"
ui_see "Bulk payout: a CSV of phone" "the supervisor's menu offers Bulk payout"
ui_see "june.csv" "the CSV files of the receipts folder are listed"

ui_type "$T/receipts/june.csv"
ui_keys Enter
ui_wait "Bad rows"
ui_check bulk-bad-rows "the check lists every bad row by its line, before anything is recorded"
is "$(sqlite3 "$T/pos.db" "select count(*) from batch")" 0 "nothing is recorded"
ui_keys Enter
ui_see "Correct the bad rows in the file" "Enter on a file with bad rows refuses to go on"

ui_keys Escape
ui_wait "Files found"
ui_keys C-u
ui_type "$T/receipts/july.csv"
ui_keys Enter
ui_see "Every row is good" "a good file: every row good"
ui_see "3 good rows, KES 600 in all" "... with the totals"
ui_keys Enter
ui_wait "Your PIN"
ui_type 2468
ui_keys Enter
ui_see "Done: every row has its outcome" "the batch is paid, with its progress to the end" 30
ui_see "Paid 3 (KES 600)" "... 3 rows paid"
ui_see "batch-1-report.txt" "... and the report is named"
check "the report files are written" test -s "$T/receipts/batch-1-report.txt" -a -s "$T/receipts/batch-1-report.csv"
n=$(curl -s "$SIM_URL/__sim/requests?path=/mpesa/b2c/v3/paymentrequest&limit=100" |
  jq '[.requests[] | select(.accepted) | .fields.PartyB] | unique | length')
is "$n" 3 "the simulator paid each of the 3 recipients once"
is "$(sqlite3 "$T/pos.db" "select status from batch where id=1")" done "the batch is done in the ledger"

ui_keys Enter
ui_wait "Files found"
ui_keys C-u
ui_type "$T/receipts/july.csv"
ui_keys Enter
ui_see "july.csv was already recorded as batch 1 on" "the same file again: the check names the batch"
ui_see "payout-batch FILE.csv --again" "... and how to pay it again on purpose"
ui_keys Enter
ui_see "Refused: july.csv was already recorded" "Enter is refused"
is "$(sqlite3 "$T/pos.db" "select count(*) from batch")" 1 "... nothing recorded again"
ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
