#!/usr/bin/env bash
# bench/ingest.sh [quick|full]: callback ingest, three ways, back to back on
# the same load (wrk, 2 threads, 64 keep-alive connections, bench/callback.lua):
#   ours     mpesa-pos serve: every callback archived, applied (state change,
#            timeline row, outbox event) and committed (synchronous=FULL)
#            before its answer; the rows are counted afterwards;
#   peer     bench/peer/app.py: Flask + SQLite (WAL, synchronous=FULL) under
#            gunicorn, two sync workers;
#   ceiling  bench/ceiling/ceiling.c: CivetWeb answering without storing.
# Writes $RES/1-ingest.md and prints the table.
. "$(dirname "$0")/lib.sh"
need "$B/mpesa-pos" "$B/tools/ledgergen" "$W/ceiling"
command -v wrk >/dev/null || { say "bench: wrk is missing: run scripts/deps.sh"; exit 1; }
command -v gunicorn >/dev/null || { say "bench: gunicorn is missing: run scripts/deps.sh"; exit 1; }

if [[ $MODE == full ]]; then SECS=10 WARM=2 DEFAULT_POOL=200000; else SECS=5 WARM=1 DEFAULT_POOL=60000; fi
SECS=${BENCH_INGEST_SECONDS:-$SECS}
THREADS=2 CONNS=64
POOL=${BENCH_POOL:-$(cat "$CACHE/pool-need" 2>/dev/null || echo "$DEFAULT_POOL")}
KEY=$(cache_key)
LUA=$ROOT/bench/callback.lua

# run_wrk OUT URL SECRET POOL_FIRST FROM LAST SECONDS: the JSON line in OUT.
run_wrk() {
  local out=$1 url=$2 secret=$3 first=$4 from=$5 last=$6 d=$7
  WRK_OUT=$out timeout $((d + 60)) wrk -t$THREADS -c$CONNS -d"${d}s" --timeout 10s \
    -s "$LUA" "$url" -- "$secret" "$first" "$from" "$last" $THREADS >/dev/null
  [[ -s $out ]] || { say "bench: wrk gave no result against $url"; return 1; }
}

answered() { jq -r '.requests - .non2xx' "$1"; }

# ---- ours -------------------------------------------------------------------
seed_pool() { "${SEED_ENV[@]}" "$B/tools/ledgergen" awaiting "$1" "$POOL"; }
# Only the pool of the current size is kept.
find "$CACHE" -maxdepth 1 -name 'pool-*.*' ! -name "pool-$POOL-$KEY.*" -delete
POOL_DB=$(template "pool-$POOL-$KEY" seed_pool)
POOL_FIRST=$(json "$CACHE/pool-$POOL-$KEY.json" first)
POOL_LAST=$(json "$CACHE/pool-$POOL-$KEY.json" last)
SEED_RATE=$(json "$CACHE/pool-$POOL-$KEY.json" per_second)
SEED_SECS=$(json "$CACHE/pool-$POOL-$KEY.json" seconds)
[[ -n ${BENCH_PREPARE:-} ]] && exit 0

DB=$RUN/ours.db
copy_db "$POOL_DB" "$DB"
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

say "ingest: ours (mpesa-pos serve), ${WARM} s warm-up + ${SECS} s"
spawn "$RUN/serve.out" "$B/mpesa-pos" serve --config "$RUN/pos.conf"
SERVE=$SPAWNED
URL=$(wait_listening "$RUN/serve.out" "$SERVE")
SECRET=$(sqlite3 "$DB" "select value from setting where key like '%secret%'")
run_wrk "$RUN/ours-warm.json" "$URL" "$SECRET" "$POOL_FIRST" "$POOL_FIRST" "$POOL_LAST" "$WARM"
FROM=$(($(json "$RUN/ours-warm.json" highest_id) + 1))
# serve's processor time (all its threads, user + system) over the measured run.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CPU0=$(cpu_ticks "$SERVE")
run_wrk "$RUN/ours.json" "$URL" "$SECRET" "$POOL_FIRST" "$FROM" "$POOL_LAST" "$SECS"
CPU1=$(cpu_ticks "$SERVE")
OURS_RSS=$(peak_rss_kb "$SERVE")
stop "$SERVE"
CPU_MS=$(awk -v a="$CPU0" -v b="$CPU1" -v t="$(getconf CLK_TCK)" -v n="$(json "$RUN/ours.json" requests)" \
  'BEGIN { if (n > 0) printf "%.3f", (b - a) * 1000 / t / n; else print "n/a" }')
# The ledger writer's groups over serve's whole life (warm-up included):
# one fsync of the log each. The line is written when serve stops.
read -r G_JOBS G_GROUPS G_MAX < <(sed -n 's/.*writer: \([0-9]*\) callbacks committed in \([0-9]*\) groups.*the largest \([0-9]*\)).*/\1 \2 \3/p' \
  "$RUN/pos.log" | tail -1) || true
G_JOBS=${G_JOBS:-0} G_GROUPS=${G_GROUPS:-0} G_MAX=${G_MAX:-0}

# The rows, counted after serve stopped: every answer is a committed row.
ANSWERED=$(($(answered "$RUN/ours-warm.json") + $(answered "$RUN/ours.json")))
EXHAUSTED=$(($(json "$RUN/ours-warm.json" exhausted) + $(json "$RUN/ours.json" exhausted)))
read -r ARCHIVED APPLIED OTHER COMPLETED TWICE EVENTS TIMELINE < <(sqlite3 -separator ' ' "$DB" "
  select (select count(*) from callback),
         (select count(*) from callback where outcome = 'applied'),
         (select count(*) from callback where outcome != 'applied'),
         (select count(*) from txn where state = 'completed'),
         (select count(*) from (select txn_id from callback where outcome = 'applied'
                                group by txn_id having count(*) > 1)),
         (select count(*) from outbox where event like '%success%' or event like '%completed%'),
         (select count(*) from timeline where callback_id is not null)")
INFLIGHT_MAX=$((2 * CONNS))
CHECK=ok
problems=()
((ARCHIVED >= ANSWERED)) || problems+=("$((ANSWERED - ARCHIVED)) answered callbacks are not in the archive")
((ARCHIVED - ANSWERED <= INFLIGHT_MAX)) ||
  problems+=("$((ARCHIVED - ANSWERED)) archived callbacks were never answered (at most $INFLIGHT_MAX can be in flight when wrk stops)")
((OTHER == 0)) || problems+=("$OTHER callbacks were not applied (duplicate, orphan, conflict or rejected)")
((COMPLETED == APPLIED)) || problems+=("$COMPLETED charges completed but $APPLIED callbacks applied")
((TWICE == 0)) || problems+=("$TWICE charges were applied twice")
((EVENTS == APPLIED)) || problems+=("$EVENTS completion events for $APPLIED applied callbacks")
((TIMELINE == APPLIED)) || problems+=("$TIMELINE callback timeline rows for $APPLIED applied callbacks")
((EXHAUSTED == 0)) || problems+=("the seeded pool ran out ($EXHAUSTED requests went to /healthz): the figure is too low; the next run seeds more")
if ((EXHAUSTED > 0)); then
  echo $((POOL * 2)) >"$CACHE/pool-need"
fi
((${#problems[@]} == 0)) || CHECK="FAILED: $(IFS=';'; echo "${problems[*]}")"

# ---- the peer ----------------------------------------------------------------
PEER_POOL=$((POOL > 100000 ? POOL : 100000))
say "ingest: peer (Flask + SQLite under gunicorn, 2 sync workers)"
python3 "$ROOT/bench/peer/app.py" seed "$RUN/peer.db" 1 "$PEER_POOL" >/dev/null
PEER_SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
spawn "$RUN/peer.out" env PEER_DB="$RUN/peer.db" PEER_SECRET="$PEER_SECRET" \
  gunicorn --chdir "$ROOT/bench/peer" -w 2 -k sync -b 127.0.0.1:0 app:app
PEER=$SPAWNED
PURL=$(wait_listening "$RUN/peer.out" "$PEER")
run_wrk "$RUN/peer-warm.json" "$PURL" "$PEER_SECRET" 1 1 "$PEER_POOL" "$WARM"
FROM=$(($(json "$RUN/peer-warm.json" highest_id) + 1))
run_wrk "$RUN/peer.json" "$PURL" "$PEER_SECRET" 1 "$FROM" "$PEER_POOL" "$SECS"
stop "$PEER"
P_ANSWERED=$(($(answered "$RUN/peer-warm.json") + $(answered "$RUN/peer.json")))
read -r P_STORED P_PAID < <(sqlite3 -separator ' ' "$RUN/peer.db" \
  "select (select count(*) from callbacks), (select count(*) from payments where status = 'paid')")
P_CHECK=ok
((P_STORED >= P_ANSWERED && P_PAID == P_STORED)) ||
  P_CHECK="FAILED: $P_ANSWERED answered, $P_STORED stored, $P_PAID paid"

# ---- the ceiling ---------------------------------------------------------------
say "ingest: ceiling (CivetWeb, nothing stored)"
spawn "$RUN/ceiling.out" "$W/ceiling" 96
CEIL=$SPAWNED
CURL_=$(wait_listening "$RUN/ceiling.out" "$CEIL")
run_wrk "$RUN/ceiling-warm.json" "$CURL_" x 1 1 1000000000 "$WARM"
run_wrk "$RUN/ceiling.json" "$CURL_" x 1 1 1000000000 "$SECS"
stop "$CEIL"

# ---- report ------------------------------------------------------------------------
O=$(json "$RUN/ours.json" rps) P=$(json "$RUN/peer.json" rps) C=$(json "$RUN/ceiling.json" rps)
X_PEER=$(ratio "$O" "$P" 1)
PCT_CEIL=$(awk -v a="$O" -v b="$C" 'BEGIN { printf "%.0f", 100 * a / b }')
row() { # name json check
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$(fmt_int "$(json "$2" rps)")" \
    "$(json "$2" p50_ms)" "$(json "$2" p99_ms)" "$(json "$2" non2xx)" "$3"
}
{
  echo "## 1. Callback ingest"
  echo
  echo "wrk, $THREADS threads, $CONNS keep-alive connections, ${SECS} s after a ${WARM} s warm-up, over"
  echo "loopback; every request is a Daraja STK callback for a different transaction"
  echo "seeded as awaiting its customer (bench/callback.lua). The three run back to back."
  echo
  echo "| server | callbacks/s | p50 ms | p99 ms | non-2xx | rows checked afterwards |"
  echo "|---|---:|---:|---:|---:|---|"
  row "**mpesa-pos serve** (archive + state change + timeline + outbox event, group commit, synchronous=FULL)" \
    "$RUN/ours.json" "$CHECK: $(fmt_int "$ANSWERED") answered 200, $(fmt_int "$ARCHIVED") archived, $(fmt_int "$APPLIED") applied once, 0 twice, $(fmt_int "$EVENTS") events"
  row "peer: Flask + SQLite (WAL, synchronous=FULL), gunicorn 2 sync workers" \
    "$RUN/peer.json" "$P_CHECK: $(fmt_int "$P_ANSWERED") answered, $(fmt_int "$P_STORED") stored, $(fmt_int "$P_PAID") paid"
  row "ceiling: CivetWeb, same options, nothing stored" "$RUN/ceiling.json" "-"
  echo
  echo "**mpesa-pos = ${X_PEER}× the peer and ${PCT_CEIL} % of the ceiling** (targets: ≥ 20× and ≥ 50 %)."
  echo "serve's peak RSS during the run: $(awk -v k="$OURS_RSS" 'BEGIN { printf "%.1f", k / 1024 }') MB;"
  echo "its processor time (every thread) ${CPU_MS} ms per callback; group commit: $(fmt_int "$G_JOBS")"
  echo "callbacks in $(fmt_int "$G_GROUPS") groups (one log fsync each: $(ratio "$G_JOBS" "$G_GROUPS" 1) a group, the largest $G_MAX)."
  echo
  echo "Seeding: $(fmt_int "$POOL") awaiting charges through the store API (create, sent,"
  echo "awaiting: three commits each, synchronous=OFF) took ${SEED_SECS} s ($(fmt_int "$SEED_RATE")/s),"
  echo "kept in \`$BUILD/bench/cache/\` for later runs. Load: X-Forwarded-For rotates over 256"
  echo "addresses (serve trusts 127.0.0.1 as a proxy) because [listener] rate_per_minute"
  echo "allows at most 100,000 a minute from one address."
  echo
} >"$RES/1-ingest.md"

v1=$(awk -v x="$X_PEER" 'BEGIN { print (x >= 20) ? "met" : "MISSED" }')
v2=$(awk -v x="$PCT_CEIL" 'BEGIN { print (x >= 50) ? "met" : "MISSED" }')
target "callback ingest vs the Python peer" "≥ 20×" "${X_PEER}× ($(fmt_int "$O")/s vs $(fmt_int "$P")/s)" "$v1"
target "callback ingest vs the ceiling" "≥ 50 %" "${PCT_CEIL} % ($(fmt_int "$O")/s vs $(fmt_int "$C")/s)" "$v2"
[[ $CHECK == ok ]] || target "ingest rows checked" "all" "$CHECK" "FAILED"

printf '\n1. Callback ingest (%s s, %s connections)\n' "$SECS" "$CONNS"
printf '  %-10s %12s %9s %9s\n' server callbacks/s p50_ms p99_ms
for v in ours peer ceiling; do
  printf '  %-10s %12s %9s %9s\n' "$v" "$(fmt_int "$(json "$RUN/$v.json" rps)")" \
    "$(json "$RUN/$v.json" p50_ms)" "$(json "$RUN/$v.json" p99_ms)"
done
printf '  ours = %s× peer, %s %% of ceiling; rows: %s\n' "$X_PEER" "$PCT_CEIL" "$CHECK"
printf '  serve: %s ms CPU per callback; %s callbacks a group commit (largest %s)\n' "$CPU_MS" \
  "$(ratio "$G_JOBS" "$G_GROUPS" 1)" "$G_MAX"
