#!/usr/bin/env bash
# kill -9 of `mpesa-pos payout-batch` in the middle of a bulk payout against
# daraja-sim (slowed with its latency fault so the kill lands mid-batch, with
# requests in flight), then --resume and reconcile: the simulator's request
# log shows every recipient paid exactly once and none skipped; rows that
# may have reached M-Pesa were settled by Transaction Status, never resent.
. "$(dirname "$0")/../integration/flows_lib.sh"
N=${BULK_KILL_ROWS:-20}   # tests/soak runs 1000
FL_EXTRA=$'[limits]\nb2c_per_minute = 10000'
FL_DAILY_MAX=100000000
fl_setup --fault b2c.latency_ms="${BULK_KILL_LATENCY_MS:-300}"
# A short client timeout: a row caught in `sent` is taken as unknown (and
# queried) timeout + 30 s after it was recorded.
sed -i 's/^timeout = 10$/timeout = 2/' "$CONF"
B2C=/mpesa/b2c/v3/paymentrequest
accepted() { sim_get "/__sim/requests?path=$B2C&limit=100000" | jq '[.requests[] | select(.accepted)] | length'; }

for i in $(seq 1 "$N"); do printf '07%08d,%d,Recipient %d,Bulk\n' $((20000000 + i)) $((100 + i)) "$i"; done >"$T/rows.csv"

t_spawn "$T/run1.out" bash -c "exec '$POS' payout-batch '$T/rows.csv' --config '$CONF' --operator 1001 --pin-fd 3 --report-dir '$T' 3<<<1111"
RUN=$T_PID
kill_at=$((N / 4 > 3 ? N / 4 : 3))
for _ in $(seq 1 600); do
  [[ $(accepted) -ge $kill_at ]] && break
  sleep 0.05
done
kill -9 "$RUN"; wait "$RUN" 2>/dev/null
before=$(accepted)
BATCH=$(sql "select max(id) from batch")
states=$(sql "select group_concat(state || ':' || n, ' ') from (select state, count(*) n from txn where batch_id=$BATCH group by state)")
echo "# killed after $before accepted payouts; rows: $states"
check "the kill landed mid-batch ($before of $N accepted)" test "$before" -ge 1 -a "$before" -lt "$N"
is "$(sql "select status from batch where id=$BATCH")" running "the batch is left running"
is "$(sql "select count(*) from txn where batch_id=$BATCH")" "$N" "every row was recorded before the kill"

sim_reset_faults
as 1001 1111 payout-batch --resume "$BATCH" --report-dir "$T" --timeout 150
open=$(j .unresolved)
is "$(j .batch)/$(j .status)/$((RC == 0 ? 0 : RC == 21 && open > 0 ? 0 : RC))" "$BATCH/done/0" \
  "--resume finishes the batch (exit 0, or 21 with rows listed as unresolved)"
pos reconcile
log=$(sim_get "/__sim/requests?path=$B2C&limit=100000")
is "$(jq '[.requests[] | select(.accepted) | .fields.PartyB] | group_by(.) | map(select(length > 1)) | length' <<<"$log")" 0 \
  "the simulator's request log: no recipient paid twice"
is "$(jq '[.requests[] | select(.accepted) | .fields.OriginatorConversationID] | group_by(.) | map(select(length > 1)) | length' <<<"$log")" 0 \
  "... no OriginatorConversationID sent twice"
paid_sim=$(jq -r '[.requests[] | select(.accepted) | .fields.PartyB | tostring] | sort | join(" ")' <<<"$log")
paid_ledger=$(sql "select group_concat(msisdn, ' ') from (select msisdn from txn where batch_id=$BATCH and state='completed' order by msisdn)")
is "$paid_sim" "$paid_ledger" "... every recipient it paid is a completed row of the ledger, and the reverse"
REPORT=$(cat "$T/batch-$BATCH-report.txt")
listed=0; missing=
for id in $(sql "select public_id from txn where batch_id=$BATCH and state <> 'completed'"); do
  if [[ $REPORT == *" $id "* ]]; then listed=$((listed + 1)); else missing+=" $id"; fi
done
done_n=$(sql "select count(*) from txn where batch_id=$BATCH and state='completed'")
echo "# after resume and reconcile: $done_n paid, $listed unresolved (their requests never reached the simulator)"
is "$missing" "" "none silently skipped: every row not paid is listed in the report as unresolved"
is "$((done_n + listed))" "$N" "... paid + listed = $N rows"
is "$(sql "select count(*) from txn where batch_id=$BATCH and state not in ('completed','unknown','unresolved')")" 0 \
  "... and no row was failed or left unsent"
check "at least the rows accepted before the kill are paid ($done_n >= $before)" test "$done_n" -ge "$before"
t_done
