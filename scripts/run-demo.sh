#!/usr/bin/env bash
# `make run`: start daraja-sim on loopback, write a demo configuration that
# points the console at it (and the simulator's callbacks at the console's
# own listener), create the demo operator on first run, and open the
# console. Everything the demo keeps (configuration, database, logs,
# receipts) lives in .demo/ (git ignores it); delete that folder to start
# afresh. The simulator is stopped when the console exits.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
demo=${MPESA_POS_DEMO_DIR:-.demo}   # tests use a scratch folder
mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
chmod 700 "$demo"

"$B/daraja-sim" --listen 127.0.0.1:0 --callback-delay-ms 2000 >"$demo/sim.out" 2>"$demo/sim.log" &
sim_pid=$!
echo "$sim_pid" >"$demo/sim.pid"
trap 'kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null || true' EXIT

sim_url=
for _ in $(seq 1 100); do
  sim_url=$(grep -m1 -o 'http://[0-9.:]*' "$demo/sim.out" 2>/dev/null || true)
  [[ -n $sim_url ]] && break
  kill -0 "$sim_pid" 2>/dev/null || break
  sleep 0.05
done
if [[ -z $sim_url ]]; then
  echo "make run: daraja-sim did not start; its log says:" >&2
  cat "$demo/sim.log" >&2
  exit 1
fi

# A free loopback port for the console's callback listener: nothing answers
# a connection to it.
port=
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 12000)) # below the ephemeral range
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    port=$p
    break
  fi
done
if [[ -z $port ]]; then
  echo "make run: no free loopback port was found for the callback listener" >&2
  exit 1
fi

conf=$demo/mpesa-pos.conf
cat >"$conf" <<CONF
# Written by \`make run\` for the demo against daraja-sim. Not for production.
[daraja]
base_url = $sim_url

[till]
name = Demo till

[listener]
bind = 127.0.0.1:$port
public_url = http://127.0.0.1:$port

[store]
path = $demo/mpesa-pos.db

[ui]
receipt_dir = $demo/receipts

[bus]
jsonl_path = $demo/events.jsonl

[log]
path = $demo/mpesa-pos.log
CONF
chmod 600 "$conf"

echo "daraja-sim is running at $sim_url (log: ${demo#$PWD/}/sim.log)"
"$B/mpesa-pos" --config "$conf" console --demo
