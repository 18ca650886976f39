#!/usr/bin/env bash
# Run every test suite, print each suite's time and counts, and end with one
# plain line "N passed, N failed". Exit non-zero if anything failed.
#
# Every suite speaks TAP ("ok N - what" / "not ok N - what"): cmocka binaries
# through CMOCKA_MESSAGE_OUTPUT=TAP, shell suites through tests/lib.sh.
# A suite that exits non-zero without reporting a failure counts as one
# failure, so a crash is never silent. Full output: build/test-logs/.
#
#   scripts/run-tests.sh            the `make check` set
#   scripts/run-tests.sh --soak     the long runs (`make soak`)
#   scripts/run-tests.sh PATTERN    only suites whose name contains PATTERN
set -uo pipefail
cd "$(dirname "$0")/.."

mode=check
filter=
case "${1:-}" in
  --soak) mode=soak ;;
  "") ;;
  *) filter=$1 ;;
esac

B=${BUILD:-build}
logs=$B/test-logs
mkdir -p "$logs"
export MPESA_POS_TESTING=1
export CMOCKA_MESSAGE_OUTPUT=TAP
export LANG=C.UTF-8
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Shell suites that make check runs a second time against build/asan/.
# (Each takes 1-2 minutes under ASan on 2 cores: the rest run in make soak.)
ASAN_SH_CHECK="tests/integration/test_serve_torture.sh tests/integration/test_bus_flows.sh"

total_pass=0
total_fail=0
start_all=$(date +%s.%N)

# run_suite NAME TIMEOUT_SECONDS COMMAND...
run_suite() {
  local name=$1 limit=$2; shift 2
  [[ -n $filter && $name != *"$filter"* ]] && return 0
  local log="$logs/${name//\//_}.log" t0 t1 rc pass fail
  t0=$(date +%s.%N)
  timeout --kill-after=10 "$limit" "$@" >"$log" 2>&1 </dev/null
  rc=$?
  t1=$(date +%s.%N)
  pass=$(grep -c '^ok ' "$log")
  fail=$(grep -c '^not ok ' "$log")
  if [[ $rc -ne 0 && $fail -eq 0 ]]; then
    fail=1
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
      echo "not ok - $name: timed out after ${limit}s" >>"$log"
    else
      echo "not ok - $name: exited with status $rc" >>"$log"
    fi
  fi
  if [[ $pass -eq 0 && $fail -eq 0 ]]; then
    fail=1
    echo "not ok - $name: ran no test" >>"$log"
  fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  printf '%-44s %4d ok %3d failed %7.1fs\n' "$name" "$pass" "$fail" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')"
  if [[ $fail -ne 0 ]]; then
    grep -E '^not ok|^# (ERROR|FAIL|error|fail)|ERROR:|runtime error|Sanitizer' "$log" \
      | head -20 | sed 's/^/    /'
    echo "    (full output: $log)"
  fi
}

if [[ $mode == check ]]; then
  run_suite checks/layers 60 scripts/check-layers.sh
  run_suite checks/banned 60 scripts/check-banned.sh
  # Run the binaries of the sources that exist (a renamed test's old binary
  # may linger in the build folder).
  for src in tests/unit/test_*.c; do
    t=$B/tests/$(basename "$src" .c)
    [[ -x $t ]] && run_suite "unit/${t##*/}" 300 "$t"
  done
  for src in tests/unit/test_*.c; do
    t=$B/asan/tests/$(basename "$src" .c)
    [[ -x $t ]] && run_suite "asan/${t##*/}" 600 "$t"
  done
  for src in tests/integration/test_*.c; do
    t=$B/itests/$(basename "$src" .c)
    [[ -x $t ]] && run_suite "integration/${t##*/}" 600 "$t"
  done
  for dir in integration ui crash docs; do
    for t in tests/$dir/test_*.sh; do
      [[ -f $t ]] && run_suite "$dir/$(basename "$t" .sh)" 900 bash "$t"
    done
  done
  # The suites that drive serve, the listener and the flows hardest, again
  # against the ASan + UBSan programs (every shell suite: make soak).
  for t in $ASAN_SH_CHECK; do
    [[ -f $t && -x $B/asan/mpesa-pos ]] &&
      run_suite "asan-sh/$(basename "$t" .sh)" 900 env BUILD="$B/asan" bash "$t"
  done
  for src in tests/fuzz/fuzz_*.c; do
    f=$B/fuzz/$(basename "$src" .c)
    [[ -x $f ]] && run_suite "fuzz/${f##*/}" 120 scripts/fuzz.sh --short "${f##*/}"
  done
else
  for t in tests/integration/test_*.sh tests/crash/test_*.sh; do
    [[ -f $t && -x $B/asan/mpesa-pos ]] &&
      run_suite "asan-sh/$(basename "$t" .sh)" 1800 env BUILD="$B/asan" bash "$t"
  done
  for t in tests/soak/test_*.sh; do
    [[ -f $t ]] && run_suite "soak/$(basename "$t" .sh)" 3600 bash "$t"
  done
  for f in $B/fuzz/fuzz_*; do
    [[ -x $f ]] && run_suite "fuzz/${f##*/}" 900 scripts/fuzz.sh --long "${f##*/}"
  done
fi

end_all=$(date +%s.%N)
printf 'total time %.0fs\n' "$(awk -v a="$start_all" -v b="$end_all" 'BEGIN{printf "%.0f", b-a}')"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
