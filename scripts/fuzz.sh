#!/usr/bin/env bash
# Run libFuzzer targets on a scratch copy of their committed seed corpus.
#   scripts/fuzz.sh SECONDS            every target for SECONDS each (make fuzz)
#   scripts/fuzz.sh --short TARGET     one target for 10 s (make check)
#   scripts/fuzz.sh --long TARGET      one target for 600 s (make soak)
# A crash leaves its input in build/fuzz/crashes/TARGET/: turn it into a
# fixture under tests/fuzz/corpus/TARGET and a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}

run_one() {
  local target=$1 secs=$2
  local bin=$B/fuzz/$target corpus=tests/fuzz/corpus/$target
  local scratch crashes=$B/fuzz/crashes/$target
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  mkdir -p "$crashes"
  [[ -d $corpus ]] && cp -r "$corpus/." "$scratch/"
  echo "# fuzzing $target for ${secs}s"
  if "$bin" "$scratch" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$crashes/" -print_final_stats=1 >"$crashes/last.log" 2>&1; then
    echo "ok 1 - $target: no crash in ${secs}s ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$crashes/last.log" | awk '{print $2}') runs)"
  else
    echo "not ok 1 - $target: crash, see $crashes/"
    tail -30 "$crashes/last.log"
    return 1
  fi
}

case "${1:-60}" in
  --short) run_one "$2" 10 ;;
  --long) run_one "$2" 600 ;;
  *)
    rc=0
    for bin in $B/fuzz/fuzz_*; do
      [[ -x $bin ]] || continue
      run_one "${bin##*/}" "$1" || rc=1
    done
    exit $rc ;;
esac
