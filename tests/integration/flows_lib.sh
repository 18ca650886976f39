# tests/integration/flows_lib.sh: set-up shared by the test_flows_*.sh suites.
#
# The suites drive the real `mpesa-pos` commands (charge, payout, status,
# balance, reverse, reconcile, resolve, operator, serve) against daraja-sim on
# loopback, and prove with the simulator's request log (GET /__sim/requests)
# what was sent. Source it first thing:  . "$(dirname "$0")/flows_lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

for _tool in curl jq python3 sqlite3; do
  command -v "$_tool" >/dev/null || { echo "Bail out! $_tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

POS="$B/mpesa-pos"
export MPESA_POS_TESTING=1

# A free loopback port (closed again at once).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# fl_conf FILE PORT [PUBLIC]: a configuration pointing at $SIM_URL, the ledger
# at $T/pos.db, the listener on 127.0.0.1:PORT; PUBLIC "none" leaves
# [listener] public_url empty (poll mode), else it is http://127.0.0.1:PORT.
fl_conf() {
  local file=$1 port=$2 public=${3:-local}
  {
    echo "[daraja]"
    echo "base_url = $SIM_URL"
    echo "stk_prompt_seconds = ${FL_PROMPT_S:-10}"
    echo "timeout = 10"
    echo "[listener]"
    echo "bind = 127.0.0.1:$port"
    [[ $public == none ]] || echo "public_url = http://127.0.0.1:$port"
    echo "threads = 4"
    echo "[limits]"
    echo "stk_per_minute = ${FL_STK_PER_MINUTE:-1000}"
    echo "approval_above = 50000"
    echo "payout_max = ${FL_PAYOUT_MAX:-100000}"
    echo "payout_daily_max = ${FL_DAILY_MAX:-200000}"
    echo "[store]"
    echo "path = ${FL_DB:-$T/pos.db}"
    echo "[log]"
    echo "path = $T/pos.log"
    echo "level = debug"
    [[ -n ${FL_EXTRA:-} ]] && printf '%s\n' "$FL_EXTRA"
  } >"$file"
  chmod 600 "$file"
}

# fl_setup [SIM FLAGS...]: the simulator (admin API on, 200 ms callbacks,
# 1.5 s prompts), $CONF, and four operators:
#   1001 supervisor PIN 1111, 1002 cashier 2222, 1003 supervisor 3333,
#   1004 admin 4444 (added last: until an admin exists the shell may add).
fl_setup() {
  t_start_sim --admin --seed 11 --callback-delay-ms 200 --prompt-ttl-ms 1500 \
    --log-level warn "$@" || { echo "Bail out! daraja-sim did not start"; exit 1; }
  PORT=$(free_port)
  CONF=$T/pos.conf
  fl_conf "$CONF" "$PORT" "${FL_PUBLIC:-local}"
  "$POS" operator add --config "$CONF" --id 1001 --name "Sam Supervisor" --role supervisor --pin-fd 3 3<<<1111 >/dev/null 2>&1 &&
    "$POS" operator add --config "$CONF" --id 1002 --name "Cate Cashier" --role cashier --pin-fd 3 3<<<2222 >/dev/null 2>&1 &&
    "$POS" operator add --config "$CONF" --id 1003 --name "Ann Approver" --role supervisor --pin-fd 3 3<<<3333 >/dev/null 2>&1 &&
    "$POS" operator add --config "$CONF" --id 1004 --name "Ada Admin" --role admin --pin-fd 3 3<<<4444 >/dev/null 2>&1 ||
    { echo "Bail out! could not add the test operators"; exit 1; }
}

# pos CMD ARGS...: run mpesa-pos with $CONF; stdout in $OUT, stderr in $ERR,
# exit status in $RC.
# FL_TIMING=1 prints how long each command took (TAP comments).
pos() {
  local t0=${EPOCHREALTIME/./}
  OUT=$("$POS" "$@" --config "$CONF" 2>"$T/stderr")
  RC=$?
  ERR=$(cat "$T/stderr")
  [[ -z ${FL_TIMING:-} ]] || echo "# $(((${EPOCHREALTIME/./} - t0) / 1000)) ms: $*"
}
# as ID PIN CMD ARGS...: the same, signed in as operator ID.
as() {
  local id=$1 pin=$2 t0=${EPOCHREALTIME/./}; shift 2
  OUT=$("$POS" "$@" --config "$CONF" --operator "$id" --pin-fd 3 3<<<"$pin" 2>"$T/stderr")
  RC=$?
  ERR=$(cat "$T/stderr")
  [[ -z ${FL_TIMING:-} ]] || echo "# $(((${EPOCHREALTIME/./} - t0) / 1000)) ms: $*"
}
# j FILTER: jq -r FILTER on $OUT.
j() { jq -r "$1" <<<"$OUT" 2>/dev/null; }

# sim GET path: the simulator's admin API.
sim_get() { curl -s "$SIM_URL$1"; }
sim_faults() { curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$1" "$SIM_URL/__sim/faults"; }
sim_reset_faults() {
  sim_faults '{"all":{"error_500":0,"reset":0,"timeout":0,"spike_arrest":0,"http_503":0,"http_429":0,"callback_drop":0,"callback_dup":0,"callback_late":0,"queue_timeout":0,"latency_ms":0}}'
}
# pushes_for REF: STK pushes the simulator received with AccountReference REF
# ("accepted" ones: processed, whatever the answer said).
pushes_for() {
  sim_get "/__sim/requests?path=/mpesa/stkpush/v1/processrequest&limit=10000" |
    jq --arg r "$1" '[.requests[] | select(.fields.AccountReference == $r and .accepted)] | length'
}
# sent_for PATH KEY VALUE: requests on PATH whose field KEY is VALUE
# (numbers compared as text), whatever the answer.
sent_for() {
  sim_get "/__sim/requests?path=$1&limit=10000" |
    jq --arg k "$2" --arg v "$3" '[.requests[] | select((.fields[$k] | tostring) == $v)] | length'
}
# accepted_for PATH KEY VALUE: the same, only those the simulator processed
# (money moved, whatever the answer said).
accepted_for() {
  sim_get "/__sim/requests?path=$1&limit=10000" |
    jq --arg k "$2" --arg v "$3" '[.requests[] | select((.fields[$k] | tostring) == $v and .accepted)] | length'
}
# sql QUERY: on the ledger.
sql() { sqlite3 "${FL_DB:-$T/pos.db}" "$1"; }

# fl_serve: `mpesa-pos serve` on $CONF's listener (it records the callbacks;
# commands then find the port taken and watch the ledger). Sets SERVE_PID.
fl_serve() {
  t_spawn "$T/serve.out" "$POS" serve --config "$CONF"
  SERVE_PID=$T_PID
  t_wait_listening "$T/serve.out" >/dev/null || { echo "Bail out! serve did not start"; exit 1; }
}
# fl_stop_serve: SIGTERM serve and wait up to 5 s; sets SERVE_RC.
fl_stop_serve() {
  kill -TERM "$SERVE_PID" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$SERVE_PID" 2>/dev/null; then SERVE_RC=running; else wait "$SERVE_PID"; SERVE_RC=$?; fi
}
