#!/usr/bin/env bash
# bench/lib.sh: what every benchmark script shares. Sourced, never run.
#
#   $ROOT   the source tree          $B      the build folder ($BUILD, default build)
#   $W      $B/bench                 $CACHE  $W/cache: seeded databases kept between runs
#   $RUN    a scratch folder for this script, removed at exit
#   $RES    $W/results: one Markdown fragment per benchmark, gathered by run.sh
#   $MODE   quick or full
#
# Every process started with spawn is stopped at exit (TERM, then KILL);
# every command that could hang runs under `timeout`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
W=$B/bench
CACHE=$W/cache
RES=$W/results
MODE=${MODE:-${1:-quick}}
mkdir -p "$CACHE" "$RES"
RUN=$(mktemp -d "$W/run.XXXXXX")
export LC_ALL=C

BENCH_PIDS=()

# Stop one process: TERM, up to 10 s for it to finish, then KILL.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do stop_pid "$pid"; done
  BENCH_PIDS=()
  rm -rf "$RUN"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# spawn OUT CMD...: start CMD in the background, stdout to OUT, stderr to
# OUT.err; the pid is in $SPAWNED.
spawn() {
  local out=$1
  shift
  "$@" >"$out" 2>"$out.err" &
  SPAWNED=$!
  BENCH_PIDS+=("$SPAWNED")
}

# stop SPAWNED_PID: stop it now and forget it.
stop() {
  local pid=$1 keep=() p
  stop_pid "$pid"
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]+"${keep[@]}"}")
}

# wait_listening OUT PID [SECONDS]: print the URL once OUT says
# "listening on URL" (or gunicorn's "Listening at: URL").
wait_listening() {
  local out=$1 pid=$2 limit=${3:-20} url
  for _ in $(seq 1 $((limit * 10))); do
    url=$(sed -n -e 's/^listening on \(http[^ ]*\).*/\1/p' \
      -e 's/.*Listening at: \(http[^ ]*\).*/\1/p' "$out" "$out.err" 2>/dev/null | head -1)
    [[ -n $url ]] && { echo "$url"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: the server did not start listening; its output:" >&2
  cat "$out" "$out.err" >&2 2>/dev/null || true
  return 1
}

# json FILE KEY: a number or string field of a one-line JSON object.
json() { jq -r ".$2" <"$1"; }

# Peak and current resident set of a process, in kB.
peak_rss_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# fmt_int N: 1234567 -> 1,234,567
fmt_int() {
  local n=${1%.*} s=""
  while ((${#n} > 3)); do s=",${n: -3}$s"; n=${n:0:${#n}-3}; done
  echo "$n$s"
}

# ratio A B [DIGITS]: A / B
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else print "n/a" }'; }

# A key for cached databases: changes when what ledgergen writes
# (LEDGERGEN_FORMAT) or the schema does.
cache_key() {
  { grep -m1 'define LEDGERGEN_FORMAT' "$ROOT/tests/tools/ledgergen.c"
    cat "$ROOT"/src/store/schema.c "$ROOT"/src/store/migrate.c; } | sha256sum | cut -c1-12
}

# Seeding tools only: SQLite through store/ frees and re-grows a large
# block at every commit, and glibc hands it back to the kernel each time
# (brk up, brk down, a TLB flush on every core), which makes seeding several
# times slower on this machine. A high trim threshold keeps it. Never set
# for the programs measured.
# shellcheck disable=SC2034 # used by the scripts that source this one
SEED_ENV=(env GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456)

# A template database made once by CMD... and copied for each run.
# template NAME CMD...: prints the template path; CMD gets the path as $1
# and its JSON report goes to NAME.json beside it.
template() {
  local name=$1
  shift
  local db=$CACHE/$name.db
  if [[ ! -s $db || ! -s $CACHE/$name.json ]]; then
    rm -f "$db" "$db-wal" "$db-shm" "$CACHE/$name.json"
    echo "bench: seeding $name (kept in $CACHE for the next runs)" >&2
    if ! "$@" "$db" >"$CACHE/$name.json.tmp"; then
      rm -f "$db" "$db-wal" "$db-shm"
      echo "bench: seeding $name failed" >&2
      return 1
    fi
    mv "$CACHE/$name.json.tmp" "$CACHE/$name.json"
  fi
  echo "$db"
}

# delivered DB: count the seeded events as delivered to serve's default
# event backend (jsonl), as a till's would have been long ago; otherwise
# serve spends the measured run replaying the seeding's backlog to
# events.jsonl (and counting it every round).
delivered() {
  sqlite3 "$1" "insert into outbox_cursor (backend, last_id, updated_at)
    select 'jsonl', coalesce(max(id), 0), 0 from outbox where true
    on conflict (backend) do update set last_id = excluded.last_id"
}

# copy_db SRC DST: a consistent copy of a closed database.
copy_db() {
  rm -f "$2" "$2-wal" "$2-shm"
  cp "$1" "$2"
  [[ -f $1-wal ]] && cp "$1-wal" "$2-wal"
  return 0
}

# Targets: one line each, gathered into the summary by run.sh.
# target NAME GOAL MEASURED VERDICT
target() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RES/targets.tsv"; }

need() {
  local f
  for f in "$@"; do
    [[ -x $f ]] || { echo "bench: $f is missing: run make BUILD=$BUILD all" >&2; exit 1; }
  done
}

say() { printf '%s\n' "$*" >&2; }
