#!/usr/bin/env bash
# bench/memory.sh [quick|full]: peak resident memory of `mpesa-pos serve`
# on the big ledger (100,000 rows in quick mode, 1,000,000 in full mode):
# after start-up (which lists the open transactions for reconciliation) and
# then under callback load. The console's memory is in bench/console.sh.
# Writes $RES/4-memory.md.
. "$(dirname "$0")/lib.sh"
need "$B/mpesa-pos" "$B/tools/ledgergen"

if [[ $MODE == full ]]; then N=1000000 SECS=5; else N=100000 SECS=3; fi
N=${BENCH_MEMORY_ROWS:-$N}
KEY=$(cache_key)
EXTRA=20000 # awaiting charges appended for the callback load

gen_ledger() { "${SEED_ENV[@]}" "$B/tools/ledgergen" gen "$1" "$N"; }
with_pool() {
  copy_db "$LEDGER" "$1"
  "${SEED_ENV[@]}" "$B/tools/ledgergen" awaiting "$1" "$EXTRA"
}
say "memory: serve on the $(fmt_int "$N")-row ledger"
LEDGER=$(template "ledger-$N-$KEY" gen_ledger)
TPL=$(template "ledgermem-$N-$KEY" with_pool)
FIRST=$(json "$CACHE/ledgermem-$N-$KEY.json" first)
LAST=$(json "$CACHE/ledgermem-$N-$KEY.json" last)
[[ -n ${BENCH_PREPARE:-} ]] && exit 0

DB=$RUN/mem.db
copy_db "$TPL" "$DB"
delivered "$DB"
cat >"$RUN/pos.conf" <<CONF
[listener]
bind = 127.0.0.1:0
public_url = https://pos.example.co.ke
threads = 96
rate_per_minute = 100000
trusted_proxy = 127.0.0.1/32
[daraja]
business_shortcode = 174379
[store]
path = $DB
[log]
path = $RUN/pos.log
CONF
chmod 600 "$RUN/pos.conf"
spawn "$RUN/serve.out" "$B/mpesa-pos" serve --config "$RUN/pos.conf"
SERVE=$SPAWNED
URL=$(wait_listening "$RUN/serve.out" "$SERVE" 120)
sleep 2
IDLE=$(peak_rss_kb "$SERVE")
SECRET=$(sqlite3 "$DB" "select value from setting where key like '%secret%'")
WRK_OUT=$RUN/load.json timeout $((SECS + 60)) wrk -t2 -c64 -d"${SECS}s" --timeout 10s \
  -s "$ROOT/bench/callback.lua" "$URL" -- "$SECRET" "$FIRST" "$FIRST" "$LAST" 2 >/dev/null
LOAD=$(peak_rss_kb "$SERVE")
stop "$SERVE"
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
RPS=$(json "$RUN/load.json" rps)

{
  echo "## 4. Memory"
  echo
  echo "Peak resident set (VmHWM) of \`mpesa-pos serve\` (96 listener threads) on the"
  echo "$(fmt_int "$N")-row ledger plus $(fmt_int "$EXTRA") charges awaiting their customer."
  echo
  echo "| process | when | peak RSS |"
  echo "|---|---|---:|"
  echo "| mpesa-pos serve | 2 s after start-up | $(mb "$IDLE") MB |"
  echo "| mpesa-pos serve | after ${SECS} s of callbacks (64 connections, $(fmt_int "$RPS")/s) | $(mb "$LOAD") MB |"
  echo "| mpesa-pos console | | see section 6 |"
  echo
} >"$RES/4-memory.md"
scale="with $(fmt_int "$N") rows"
[[ $N -lt 1000000 ]] && scale="with $(fmt_int "$N") rows (1,000,000 in full mode)"
target "serve peak RSS" "< 20 MB" "$(mb "$LOAD") MB under load $scale" \
  "$(awk -v k="$LOAD" 'BEGIN { print (k < 20 * 1024) ? "met" : "MISSED" }')"

printf '\n4. Memory (serve, %s rows)\n  idle %s MB, under callback load %s MB (peak RSS)\n' \
  "$(fmt_int "$N")" "$(mb "$IDLE")" "$(mb "$LOAD")"
