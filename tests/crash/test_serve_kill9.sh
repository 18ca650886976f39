#!/usr/bin/env bash
# kill -9 of `mpesa-pos serve` while callbacks stream in: every callback that
# was answered is in the ledger exactly once; after a restart, the senders'
# retries complete the rest, still exactly once.
. "$(dirname "$0")/../lib.sh"
N=${CRASH_CALLBACKS:-2000}  # make soak runs 5000

cat >"$T/pos.conf" <<CONF
[listener]
bind = 127.0.0.1:0
public_url = https://pos.example.co.ke
threads = 64
rate_per_minute = 100000
[store]
path = $T/pos.db
[log]
path = $T/pos.log
CONF
chmod 600 "$T/pos.conf"
"$B/tools/cbload" seed "$T/pos.db" "$N" >/dev/null || not_ok "seed $N charges"

start_serve() {
  t_spawn "$T/serve$1.out" "$B/mpesa-pos" serve --config "$T/pos.conf"
  SERVE_PID=$T_PID
  URL=$(t_wait_listening "$T/serve$1.out")
}
start_serve 1 || { not_ok "serve starts"; t_done; exit; }
SECRET=$(sqlite3 "$T/pos.db" "select value from setting where key like '%secret%'")

"$B/tools/cbload" fire "$URL" "$SECRET" 1 "$N" 32 --log "$T/answered" >"$T/fire1.json" &
FIRE=$!
# Kill once a good part of the stream is in, well before its end.
for _ in $(seq 1 400); do
  [[ -f $T/answered && $(wc -l <"$T/answered") -ge $((N / 5)) ]] && break
  sleep 0.01
done
kill -9 "$SERVE_PID"
wait "$FIRE"
answered=$(wc -l <"$T/answered")
if [[ $answered -gt 0 && $answered -lt $N ]]; then
  ok "serve killed with -9 mid-stream ($answered of $N callbacks answered)"
else
  not_ok "serve killed with -9 mid-stream" "answered $answered of $N"
fi

v=$("$B/tools/cbload" verify "$T/pos.db" "$T/answered" "$N")
is "$v" "{\"answered_checked\":$answered,\"missing\":0,\"applied_twice\":0,\"inconsistent\":0}" \
  "every callback answered before the kill is in the ledger exactly once"

start_serve 2 || { not_ok "serve restarts"; t_done; exit; }
ok "serve restarts on the same database"
: >"$T/answered2"
"$B/tools/cbload" fire "$URL" "$SECRET" 1 "$N" 32 --log "$T/answered2" >"$T/fire2.json"
is "$(cat "$T/fire2.json")" "{\"sent\":$N,\"answered\":$N,\"failed\":0}" "every callback is answered after the restart"
v=$("$B/tools/cbload" verify "$T/pos.db" "$T/answered2" "$N")
is "$v" "{\"answered_checked\":$N,\"missing\":0,\"applied_twice\":0,\"inconsistent\":0}" \
  "all $N charges completed exactly once; the resent ones are duplicates"
is "$(sqlite3 "$T/pos.db" "pragma integrity_check")" ok "the database is intact"
t_done
