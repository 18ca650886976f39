#!/usr/bin/env bash
# bench/run.sh quick|full: every benchmark, then bench/RESULTS.md rewritten.
# `make bench` builds first and calls this; see bench/README.md.
#
#   quick  under 3 minutes once the seeded databases are in the cache
#          (5 s ingest runs, the 100,000-row ledger)
#   full   10 s ingest runs, the 100,000- and 1,000,000-row ledgers
#
# Seeded databases are made once (through the store API, which is slow) and
# kept in $BUILD/bench/cache/; the first run of a mode spends most of its
# time there, and says so.
set -euo pipefail
MODE=${1:-quick}
case $MODE in quick | full) ;; *) echo "usage: bench/run.sh quick|full" >&2; exit 64 ;; esac
export MODE
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
W=$B/bench RES=$B/bench/results
cd "$ROOT"

for f in "$B/mpesa-pos" "$B/daraja-sim" "$B/tools/ledgergen" "$B/tools/clientbench"; do
  [[ -x $f ]] || { echo "bench: $f is missing: run make bench (or make BUILD=$BUILD all)" >&2; exit 1; }
done
for c in wrk gunicorn python3 sqlite3 jq cc; do
  command -v "$c" >/dev/null || { echo "bench: $c is missing: run scripts/deps.sh" >&2; exit 1; }
done
mkdir -p "$W/cache"
# Seeded databases of an older schema or generator are of no more use.
KEY=$( { grep -m1 'define LEDGERGEN_FORMAT' tests/tools/ledgergen.c; cat src/store/schema.c src/store/migrate.c; } |
  sha256sum | cut -c1-12)
find "$W/cache" -maxdepth 1 -type f ! -name "*-$KEY.*" ! -name pool-need -delete
rm -rf "$RES"
mkdir -p "$RES"

# The ceiling server is not part of the product: built here, not by make.
# CivetWeb ships no pkg-config file on Debian; use one if there is.
CIVET=$(pkg-config --cflags --libs civetweb 2>/dev/null || echo -lcivetweb)
# shellcheck disable=SC2086
cc -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
  -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla -D_DEFAULT_SOURCE \
  -D_XOPEN_SOURCE=600 bench/ceiling/ceiling.c -o "$W/ceiling" $CIVET -lpthread

T0=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log=$W/run.log
: >"$log"

# 1. Seeded databases, made once: the pool and the ledgers in parallel (two
# cores), then the memory template that builds on the ledger.
echo "bench: $MODE mode; preparing the seeded databases (cached in $BUILD/bench/cache)" >&2
PREP0=$(date +%s)
BENCH_PREPARE=1 bench/ingest.sh "$MODE" 2>>"$log" &
p1=$!
BENCH_PREPARE=1 bench/ledger.sh "$MODE" 2>>"$log" &
p2=$!
trap 'kill $p1 $p2 2>/dev/null || true' EXIT
wait $p1 && wait $p2 || { echo "bench: seeding failed; see $log" >&2; tail -20 "$log" >&2; exit 1; }
BENCH_PREPARE=1 bench/memory.sh "$MODE" 2>>"$log" || { echo "bench: seeding failed; see $log" >&2; exit 1; }
trap - EXIT
PREP=$(($(date +%s) - PREP0))
echo "bench: seeded databases ready (${PREP} s)" >&2

# 2. The benchmarks, the most sensitive first.
failed=()
BENCHES="ingest ledger client memory console"
# bulk.sh takes about 22 s: full runs only (alone: bench/bulk.sh quick).
[[ $MODE == full ]] && BENCHES="$BENCHES bulk"
for b in $BENCHES; do
  if ! bench/$b.sh "$MODE" 2> >(tee -a "$log" >&2); then
    failed+=("$b")
    echo "bench: $b failed; see $log" >&2
  fi
done
T1=$(date +%s)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# 3. RESULTS.md
ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }
CPU=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$ROOT" status --porcelain -- src bench tests/tools ':!bench/RESULTS.md' 2>/dev/null | head -1)
[[ -n $DIRTY ]] && COMMIT="$COMMIT (with uncommitted changes)"
OVERRIDES=$(env | grep -E '^BENCH_(POOL|INGEST_SECONDS|LEDGER_SIZES|MEMORY_ROWS)=' | tr '\n' ' ' || true)
section() {
  if [[ -s $RES/$1 ]]; then cat "$RES/$1"; else printf '## %s\n\nNot measured: the benchmark failed in this run (see `%s/bench/run.log`).\n\n' "$2" "$BUILD"; fi
}
{
  echo "# mpesa-pos benchmarks"
  echo
  echo "Written by \`make bench\` (\`bench/run.sh $MODE\`); do not edit by hand."
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
  echo "| commit | $COMMIT |"
  echo "| mode | $MODE${OVERRIDES:+ ($OVERRIDES)} |"
  echo "| machine | $CPU, $(nproc) cores, $MEM, $(uname -sr) |"
  echo "| load average | $LOAD0 at the start, $LOAD1 at the end |"
  echo "| duration | $((T1 - T0)) s, of which ${PREP} s making or finding the seeded databases |"
  echo "| versions | SQLite $(ver libsqlite3-0), CivetWeb $(ver libcivetweb1), libcurl $(ver libcurl4), wrk $(ver wrk), Python $(ver python3), Flask $(ver python3-flask), gunicorn $(ver gunicorn) |"
  echo
  echo "The machine is shared (2 cores, other builds running): absolute figures are"
  echo "noise, ratios measured back to back in the same run are not. Compare runs by"
  echo "their ratios."
  echo
  if [[ $MODE == quick && -s $ROOT/bench/RESULTS-full.md ]]; then
    echo "Quick mode times the 100,000-row ledger; the million-row figures are in"
    echo "[RESULTS-full.md](RESULTS-full.md), the last full run ($(sed -n 's/^| date | \(.*\) |$/\1/p' "$ROOT/bench/RESULTS-full.md"))."
    echo
  fi
  echo "## Targets"
  echo
  echo "| target | goal | measured | verdict |"
  echo "|---|---|---|---|"
  if [[ -s $RES/targets.tsv ]]; then
    while IFS=$'\t' read -r name goal measured verdict; do
      [[ $verdict == met ]] || verdict="**$verdict**"
      echo "| $name | $goal | $measured | $verdict |"
    done <"$RES/targets.tsv"
  fi
  for b in "${failed[@]+"${failed[@]}"}"; do echo "| $b benchmark | runs | failed | **FAILED** |"; done
  echo
  section 1-ingest.md "1. Callback ingest"
  section 2-ledger.md "2. Ledger at scale"
  section 3-client.md "3. Client overhead"
  section 4-memory.md "4. Memory"
  if [[ $MODE == full ]]; then
    section 5-bulk.md "5. Bulk payout"
  else
    printf '## 5. Bulk payout\n\nNot in quick runs (about 22 s): see a full run, or `BUILD=build bench/bulk.sh quick`.\n\n'
  fi
  section 6-console.md "6. The console: start-up and memory; \`status\`"
  echo "## How to reproduce"
  echo
  echo '```sh'
  echo "make bench                 # quick: 5 s ingest runs, 100,000-row ledger (< 3 min once seeded)"
  echo "make bench BENCH=full      # 10 s ingest runs, 100,000- and 1,000,000-row ledgers"
  echo "BUILD=build bench/ingest.sh quick   # one benchmark on its own (ledger, client, memory)"
  echo '```'
  echo
  echo "Seeded databases are made through the store API once and kept in"
  echo "\`\$BUILD/bench/cache/\` (keyed on the schema and ledgergen's format); delete it to"
  echo "time the seeding again. Knobs: \`BENCH_POOL\` (awaiting charges for ingest),"
  echo "\`BENCH_INGEST_SECONDS\`, \`BENCH_LEDGER_SIZES\` (\"100000 1000000\"),"
  echo "\`BENCH_MEMORY_ROWS\`. bench/README.md says what each benchmark does and why."
} >"$ROOT/bench/RESULTS.md"
# The last full run is kept beside it: quick runs cannot show a million rows.
if [[ $MODE == full ]]; then cp "$ROOT/bench/RESULTS.md" "$ROOT/bench/RESULTS-full.md"; fi

printf '\nbench: %s mode done in %s s; bench/RESULTS.md rewritten.\n' "$MODE" "$((T1 - T0))"
if [[ -s $RES/targets.tsv ]]; then
  printf '\nTargets\n'
  while IFS=$'\t' read -r name goal measured verdict; do
    printf '  %-7s %-38s %-14s %s\n' "$verdict" "$name" "$goal" "$measured"
  done <"$RES/targets.tsv"
fi
((${#failed[@]} == 0)) || { echo "bench: failed: ${failed[*]}" >&2; exit 1; }
