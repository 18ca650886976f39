# tests/lib.sh: TAP helpers and process hygiene for shell test suites.
# Source it first thing:  . "$(dirname "$0")/../lib.sh"
# Every process a suite starts with t_spawn is killed when the suite exits,
# and its scratch directory ($T) is removed.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The build folder under test (make check exports BUILD; default build/).
B="$ROOT/${BUILD:-build}"
T=$(mktemp -d "${TMPDIR:-/tmp}/mpesa-pos-test.XXXXXX")
_t_n=0
_t_failed=0
_t_pids=()

_t_cleanup() {
  local pid
  for pid in "${_t_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${_t_pids[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$T"
}
trap _t_cleanup EXIT

# ok DESCRIPTION  /  not_ok DESCRIPTION [DETAIL]
ok() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $1"; }
not_ok() {
  _t_n=$((_t_n + 1)); _t_failed=$((_t_failed + 1))
  echo "not ok $_t_n - $1"
  [[ $# -gt 1 ]] && printf '%s\n' "$2" | sed 's/^/# /'
  return 0
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# is ACTUAL EXPECTED DESCRIPTION
is() {
  if [[ $1 == "$2" ]]; then ok "$3"; else not_ok "$3" "expected: $2
got:      $1"; fi
}
# like ACTUAL REGEX DESCRIPTION
like() {
  if [[ $1 =~ $2 ]]; then ok "$3"; else not_ok "$3" "expected to match: $2
got: $1"; fi
}

# t_spawn LOGFILE COMMAND...: start in the background; sets T_PID.
t_spawn() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  T_PID=$!
  _t_pids+=("$T_PID")
}

# t_wait_listening LOGFILE [SECONDS]: wait for "listening on http://H:P";
# prints the URL.
t_wait_listening() {
  local log=$1 limit=${2:-10} i url
  for ((i = 0; i < limit * 20; i++)); do
    url=$(grep -m1 -o 'listening on http://[0-9.:]*' "$log" 2>/dev/null | sed 's/listening on //')
    [[ -n $url ]] && { echo "$url"; return 0; }
    sleep 0.05
  done
  echo "t_wait_listening: nothing listening after ${limit}s; log:" >&2
  cat "$log" >&2
  return 1
}

# t_start_sim [FLAGS...]: start build/daraja-sim on an ephemeral loopback
# port; sets SIM_URL and SIM_PID.
t_start_sim() {
  t_spawn "$T/sim.log" "$B/daraja-sim" --listen 127.0.0.1:0 "$@"
  SIM_PID=$T_PID
  SIM_URL=$(t_wait_listening "$T/sim.log") || return 1
}

t_done() {
  echo "1..$_t_n"
  [[ $_t_failed -eq 0 ]]
}
