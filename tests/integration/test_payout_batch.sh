#!/usr/bin/env bash
# Bulk payouts from the shell (`mpesa-pos payout-batch`) against daraja-sim:
# a file with bad rows is refused line by line with nothing recorded; a dry
# run checks only; a good batch is recorded whole before anything is sent,
# every row paid once under its own OriginatorConversationID, at most
# [limits] b2c_per_minute, the report written; the approval limit needs a
# second supervisor; a cashier is refused; --resume of a finished batch sends
# nothing more.
. "$(dirname "$0")/flows_lib.sh"
FL_EXTRA=$'[limits]\nb2c_per_minute = 3'
fl_setup
B2C=/mpesa/b2c/v3/paymentrequest
b2c_count() { sim_get "/__sim/requests?path=$B2C&limit=10000" | jq '[.requests[] | select(.accepted)] | length'; }

# ---- a file with bad rows --------------------------------------------------------------------
cat >"$T/bad.csv" <<'CSV'
phone,amount,name,remarks
0708000101,100,Amina Otieno,June stipend
0712,100,Short Number,
0708000103,10.50,Cents Row,
0708000104,150000,Too Much,
0708000101,100,Amina Again,
CSV
as 1001 1111 payout-batch "$T/bad.csv"
is "$RC" 64 "a file with bad rows: exit 64"
is "$(j '.problems | map(.line) | join(",")')" "3,4,5,6" "every bad row is listed by its line"
like "$(j '.problems[0].reason')" '^line 3: phone' "... a bad phone"
like "$(j '.problems[1].reason')" '^line 4: amount: .*(cents|whole)' "... a fraction"
like "$(j '.problems[2].reason')" '^line 5: amount' "... over the limit"
like "$(j '.problems[3].reason')" '^line 6: .*line 2' "... a duplicate of line 2"
like "$ERR" 'line 5: amount' "... and on stderr"
is "$(sql 'select count(*) from batch')/$(sql "select count(*) from txn where kind='b2c'")/$(b2c_count)" "0/0/0" \
  "nothing recorded, nothing sent"

# ---- a dry run -----------------------------------------------------------------------------------
cat >"$T/good.csv" <<'CSV'
0708000201,100,Baraka Mwangi,Stipend
0708000202,200,Chebet Kiprop,
0708000203,300,,Refund
0708000204,400,Dalia Hassan,
0708000205,500,Esther Njeri,
0708000206,600,Faith Wanjiru,
0708000207,700,Gitau Kamau,
0708000208,800,Halima Ali,
CSV
pos payout-batch "$T/good.csv" --dry-run
is "$RC/$(j .rows)/$(j .total)/$(j .bad_rows)" "0/8/3600/0" "--dry-run: 8 good rows, KES 3,600, exit 0"
is "$(sql 'select count(*) from batch')" 0 "... nothing recorded"

# ---- a cashier ------------------------------------------------------------------------------------
as 1002 2222 payout-batch "$T/good.csv"
is "$RC" 77 "a cashier cannot run a bulk payout: exit 77"
is "$(sql "select count(*) from audit where action='denied' and subject='payout.batch'")" 1 "... audited"

# ---- a good batch, at 3 a minute, stopped, then resumed ------------------------------------------
as 1001 1111 payout-batch "$T/good.csv" --command SalaryPayment --report-dir "$T" --timeout 5
BATCH=$(j .batch)
is "$RC/$(j .status)/$(j .not_sent)" "20/running/5" \
  "b2c_per_minute = 3: after 5 s, 3 rows sent, 5 waiting, the batch still running (exit 20)"
is "$(b2c_count)" 3 "... the simulator received exactly 3"
is "$(sql "select count(*) from txn where batch_id=$BATCH")" 8 "... every row was recorded before any was sent"
is "$(sql "select count(*) from txn t join timeline l on l.txn_id = t.id where t.batch_id=$BATCH and l.what='request' and l.at < (select max(created_at) from txn where batch_id=$BATCH)")" 0 \
  "... no request before the last row was recorded"
is "$(sql "select status from batch where id=$BATCH")" running "... the ledger says running"
is "$(sql "select count(*) from txn where batch_id=$BATCH and state='created'")" 5 "... 5 rows still created (never sent)"

sed 's/^b2c_per_minute = 3$/b2c_per_minute = 1000/' "$CONF" >"$T/fast.conf"; chmod 600 "$T/fast.conf"
CONF0=$CONF; CONF=$T/fast.conf
as 1002 2222 payout-batch --pause "$BATCH"
is "$RC" 77 "a cashier cannot pause a batch"
as 1001 1111 payout-batch --pause "$BATCH"
is "$RC/$(j .status)" "0/paused" "--pause: the batch is paused"
is "$(sql "select status, paused_by from batch where id=$BATCH")" "running|1001" "... in the ledger, with who paused it"
as 1001 1111 payout-batch --resume --report-dir "$T" --timeout 60
is "$RC/$(j '.batches | map("\(.batch):\(.status)") | join(",")')" "0/$BATCH:paused" \
  "--resume alone lists the batches running or paused"
is "$(b2c_count)/$(sql "select count(*) from txn where batch_id=$BATCH and state='created'")" "3/5" "... and resumes none"
as 1001 1111 payout-batch --resume "$BATCH" --report-dir "$T" --timeout 60
CONF=$CONF0
is "$RC/$(j .status)/$(j .paid)/$(j .batch)" "0/done/8/$BATCH" "--resume BATCH_ID goes on with the paused batch: 8 paid, exit 0"
is "$(sql "select count(*) from audit where action in ('payout.batch.pause','payout.batch.continue') and subject='batch $BATCH'")/$(sql "select coalesce(paused_at, 'none') from batch where id=$BATCH")" \
  "2/none" "... the pause and its end audited, the pause cleared"
is "$(sql "select status from batch where id=$BATCH")" done "... the batch is done in the ledger"
is "$(sql "select count(*) from txn where batch_id=$BATCH and state='completed' and receipt is not null")" 8 \
  "... each row a completed payout with its receipt"
dups=$(sim_get "/__sim/requests?path=$B2C&limit=10000" |
  jq '[.requests[] | select(.accepted) | .fields.OriginatorConversationID] | group_by(.) | map(select(length>1)) | length')
is "$(b2c_count)/$dups" "8/0" "the simulator received 8 payouts, none twice"
paid=$(sim_get "/__sim/requests?path=$B2C&limit=10000" | jq -r '[.requests[] | select(.accepted) | .fields.PartyB] | sort | join(" ")')
is "$paid" "254708000201 254708000202 254708000203 254708000204 254708000205 254708000206 254708000207 254708000208" \
  "... one to each recipient"
is "$(sim_get "/__sim/requests?path=$B2C&limit=1" | jq -r '.requests[0].fields.CommandID')" SalaryPayment "... as SalaryPayment"
REP=$T/batch-$BATCH-report.csv
is "$(j .report_csv)" "$REP" "the report's CSV is named"
is "$(tail -n +2 "$REP" | cut -d, -f5 | sort | uniq -c | tr -s ' ')" " 8 paid" "... every row in it, paid"
like "$(cat "$T/batch-$BATCH-report.txt")" 'No row is unresolved' "... and the text report says none is unresolved"
is "$(sql "select count(*) from audit where action in ('payout.batch','payout.batch.run','payout.batch.resume','payout.batch.done') and subject='batch $BATCH'")" 4 \
  "recorded, run, resumed and done are audited"
as 1001 1111 payout-batch --resume "$BATCH"
is "$(j .error.field)/$(b2c_count)" "batch/8" "--resume of a finished batch is refused and sends nothing more"

# ---- above the approval limit (at 1000 a minute: 3 a minute would wait out the last minute) -------
CONF=$T/fast.conf
cat >"$T/big.csv" <<'CSV'
0708000301,30000,Big One,
0708000302,30000,Big Two,
CSV
as 1001 1111 payout-batch "$T/big.csv"
is "$RC/$(j .error.field)" "77/approver" "a batch above approval_above without an approver: exit 77"
is "$(sql "select count(*) from batch")" 1 "... nothing recorded"
OUT=$("$POS" payout-batch "$T/big.csv" --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 \
      --approver 1003 --approver-pin-fd 4 4<<<3333 --report-dir "$T" 2>/dev/null); RC=$?
B2=$(j .batch)
is "$RC/$(j .paid)" "0/2" "with a second supervisor it is paid"
is "$(sql "select approved_by from batch where id=$B2")" 1003 "... the approver recorded on the batch"
is "$(b2c_count)" 10 "... two more payouts"

# ---- the same file again: refused, naming the batch; --again pays it, with the same rules ----------
as 1001 1111 payout-batch "$T/good.csv"
is "$RC/$(j .error.field)" "64/file" "the same file again: refused (exit 64)"
like "$ERR" "good.csv was already recorded as batch $BATCH on [0-9]+ [A-Z][a-z]+ \\(8 rows, KES 3,600(\\.00)?\\).*--again" \
  "... naming the batch, its date, rows and total, and --again"
OUT=$("$POS" payout-batch "$T/big.csv" --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 \
      --approver 1003 --approver-pin-fd 4 4<<<3333 2>&1 >/dev/null); RC=$?
is "$RC" 64 "... a file whose batch is done is refused too, approver or not"
like "$OUT" "batch $B2 .*is done.*--again" "... saying it is done and naming --again"
is "$(sql 'select count(*) from batch')/$(b2c_count)" "2/10" "... nothing recorded, nothing sent"
as 1001 1111 payout-batch "$T/big.csv" --again
is "$RC/$(j .error.field)" "77/approver" "--again keeps the approval limit: exit 77 without an approver"
OUT=$("$POS" payout-batch "$T/big.csv" --again --config "$CONF" --operator 1001 --pin-fd 3 3<<<1111 \
      --approver 1003 --approver-pin-fd 4 4<<<3333 --report-dir "$T" 2>/dev/null); RC=$?
B3=$(j .batch)
is "$RC/$(j .paid)/$(b2c_count)" "0/2/12" "--again with a second supervisor pays the same file a second time"
like "$(sql "select detail from audit where action='payout.batch.again' and subject='batch $B3'")" "as batch $B2" \
  "... audited, naming the earlier batch"

# ---- the shared per-minute limit already used: the batch waits, it does not say "nothing was sent" --
CONF=$CONF0
printf '0708000401,100,Late One,\n' >"$T/late.csv"
as 1001 1111 payout-batch "$T/late.csv" --timeout 2
is "$RC/$(j .not_sent)" "20/1" "b2c_per_minute = 3 used by the batches before: the row waits (exit 20)"
like "$ERR" 'waiting for \[limits\] b2c_per_minute: the next payout in [0-9]+ s \(the batch goes on by itself\)' \
  "... the progress says it is waiting and goes on by itself"
is "$(grep -c 'nothing was sent' <<<"$ERR")" 0 "... not that nothing was sent"
B4=$(j .batch)

# ---- cancel: the rows not sent fail (nothing moved); a cashier cannot; a done batch cannot be --------
as 1002 2222 payout-batch --cancel "$B4"
is "$RC/$(sql "select status from batch where id=$B4")" "77/running" "a cashier cannot cancel a batch"
as 1001 1111 payout-batch --cancel "$B4"
is "$RC/$(j .status)/$(j .not_sent)/$(j .open)" "0/cancelled/1/0" "--cancel: the row not sent is cancelled"
is "$(sql "select status from batch where id=$B4")/$(sql "select state || ' ' || result_code from txn where batch_id=$B4")" \
  "cancelled/failed local:cancelled" "... the batch cancelled, its row failed as local:cancelled"
is "$(b2c_count)/$(sql "select count(*) from audit where action='payout.batch.cancel' and subject='batch $B4'")" "12/1" \
  "... nothing sent, and audited"
as 1001 1111 payout-batch --resume "$B4"
is "$RC/$(j .error.field)/$(b2c_count)" "64/batch/12" "a cancelled batch cannot be resumed"
as 1001 1111 payout-batch --cancel "$BATCH"
is "$RC/$(sql "select status from batch where id=$BATCH")" "64/done" "a batch that is done cannot be cancelled"

# ---- a row is judged from when its request left, not from when its batch was recorded ------------
# Recorded an hour ago (at 1 a minute: one row at most is sent then), resumed now with the
# simulator answering the payout 3 s late: a reconcile in another process meanwhile must
# leave the row in flight alone (it moved it to unknown and asked Transaction Status).
printf '0708000501,100,Old One,\n0708000502,100,Old Two,\n' >"$T/old.csv"
sed 's/^b2c_per_minute = 3$/b2c_per_minute = 1/' "$CONF0" >"$T/slow.conf"; chmod 600 "$T/slow.conf"
CONF=$T/slow.conf
MPESA_POS_TEST_CLOCK=$(($(date +%s) - 3600)) as 1001 1111 payout-batch "$T/old.csv" --timeout 2
B5=$(j .batch)
ROW=$(sql "select id from txn where batch_id=$B5 and state='created' order by batch_row desc limit 1")
check "an hour-old batch with a row not sent yet" test -n "$ROW"
sim_faults '{"b2c":{"latency_ms":3000}}'
"$POS" payout-batch --resume "$B5" --config "$T/fast.conf" --operator 1001 --pin-fd 3 3<<<1111 \
  --report-dir "$T" --timeout 30 >"$T/resume5.out" 2>&1 &
RESUME=$!
for _ in $(seq 100); do [[ $(sql "select state from txn where id=$ROW") == sent ]] && break; sleep 0.1; done
CONF=$T/fast.conf
pos reconcile
is "$(sql "select state from txn where id=$ROW")/$(sql "select count(*) from txn where kind='status' and original_txn_id=$ROW")" \
  "sent/0" "a reconcile elsewhere leaves the row just sent alone (not unknown, no Transaction Status)"
wait "$RESUME"
sim_reset_faults
is "$(sql "select state from txn where id=$ROW")/$(sql "select count(*) from timeline where txn_id=$ROW and to_state='unknown'")" \
  "completed/0" "... and it completes by its own answer and result"

# ---- resuming many open rows follows a few at a time -------------------------------------------------
# 20 rows sent an hour ago whose results never came; resumed now, each is due for Transaction
# Status: the batch follows 8 at a time (it started a flow, and a query, for every row at once).
for k in $(seq 10 29); do printf '07080006%02d,100,,\n' "$k"; done >"$T/many.csv"
sim_faults '{"b2c":{"callback_drop":1}}'
MPESA_POS_TEST_CLOCK=$(($(date +%s) - 3600)) as 1001 1111 payout-batch "$T/many.csv" --timeout 3
B6=$(j .batch)
is "$(sql "select count(*) from txn where batch_id=$B6 and state='awaiting'")" 20 "20 rows sent an hour ago, their results lost"
sim_reset_faults
sim_faults '{"status":{"latency_ms":1000}}'
as 1001 1111 payout-batch --resume "$B6" --report-dir "$T" --timeout 60
sim_reset_faults
is "$RC/$(j .paid)" "0/20" "resumed: every row settled by Transaction Status"
first=$(sim_get "/__sim/requests?path=/mpesa/transactionstatus/v1/query&limit=10000" | jq '[.requests[].ms] | min')
is "$(sim_get "/__sim/requests?path=/mpesa/transactionstatus/v1/query&limit=10000" | jq "[.requests[] | select(.ms < $first + 500)] | length")" 8 \
  "... 8 asked at once, the others as those settle"
t_done
