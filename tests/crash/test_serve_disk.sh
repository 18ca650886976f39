#!/usr/bin/env bash
# serve when the database cannot take more (issue 10, "Crash safety"): a disk
# that fills up mid-stream, and a database that opens read-only. Tests run as
# root, so file permissions prove nothing: the store's test hook
# MPESA_POS_TEST_STORE (honoured only with MPESA_POS_TESTING=1) makes SQLite
# stop at a page count, or open the file read-only.
# Promise: a clear error, and no callback acknowledged that was not stored.
. "$(dirname "$0")/../lib.sh"

cat >"$T/pos.conf" <<CONF
[listener]
bind = 127.0.0.1:0
public_url = https://pos.example.co.ke
rate_per_minute = 100000
[daraja]
business_shortcode = 600984
[store]
path = $T/pos.db
[log]
path = $T/pos.log
CONF
chmod 600 "$T/pos.conf"
q() { sqlite3 "$T/pos.db" "$1"; }
export MPESA_POS_TESTING=1

"$B/tools/cbload" seed "$T/pos.db" 1000 >/dev/null || not_ok "seed 1000 charges"
SECRET=
pages=$(q "pragma page_count")

# 1. The disk fills up after about 40 more pages (a few hundred callbacks).
MPESA_POS_TEST_STORE=max_pages=$((pages + 40)) \
  t_spawn "$T/serve.out" "$B/mpesa-pos" serve --config "$T/pos.conf"
SERVE_PID=$T_PID
URL=$(t_wait_listening "$T/serve.out") || { not_ok "serve starts on a nearly full disk"; t_done; exit; }
SECRET=$(q "select value from setting where key like '%secret%'")
out=$("$B/tools/cbload" fire "$URL" "$SECRET" 1 1000 8 --log "$T/answered")
answered=$(jq .answered <<<"$out") failed=$(jq .failed <<<"$out")
check "the disk fills mid-stream: some callbacks answered, the rest refused ($out)" \
  test "$answered" -gt 0 -a "$failed" -gt 0 -a $((answered + failed)) -eq 1000
v=$("$B/tools/cbload" verify "$T/pos.db" "$T/answered" 1000)
like "$v" '"missing":0,"applied_twice":0,"inconsistent":0' \
  "every callback answered 200 is in the ledger exactly once; none answered that was not stored ($v)"
is "$(q "select count(*) from txn where state = 'completed'")" "$answered" \
  "exactly the answered callbacks completed their charges"
grep -qi 'database.*full' "$T/pos.log" && ok "the log says the database is full" \
  || not_ok "the log says the database is full" "$(tail -5 "$T/pos.log")"
is "$(curl -s -m 2 "$URL/healthz")" '{"status":"ok"}' "serve stays up on a full disk"
kill -TERM "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
check "serve stops on SIGTERM" bash -c "! kill -0 $SERVE_PID 2>/dev/null"

# 2. Room again: Daraja's resends complete every charge, each exactly once.
t_spawn "$T/serve2.out" "$B/mpesa-pos" serve --config "$T/pos.conf"
SERVE_PID=$T_PID
URL=$(t_wait_listening "$T/serve2.out") || { not_ok "serve restarts"; t_done; exit; }
out=$("$B/tools/cbload" fire "$URL" "$SECRET" 1 1000 8 --log "$T/answered2")
is "$out" '{"sent":1000,"answered":1000,"failed":0}' "with room again, every resend is answered"
v=$("$B/tools/cbload" verify "$T/pos.db" "$T/answered2" 1000)
like "$v" '"missing":0,"applied_twice":0,"inconsistent":0' "... and all 1,000 are in the ledger exactly once ($v)"
is "$(q "select count(*) from txn where state = 'completed'")" 1000 "all 1,000 charges completed"
kill -TERM "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done

# 3. A database that opens read-only: serve refuses to start, and says why.
MPESA_POS_TEST_STORE=read-only-file timeout 10 "$B/mpesa-pos" serve --config "$T/pos.conf" \
  >"$T/ro.out" 2>&1
rc=$?
check "serve refuses a read-only database (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
grep -q 'read-only' "$T/ro.out" && ok "... saying the database is read-only" \
  || not_ok "... saying the database is read-only" "$(cat "$T/ro.out")"
grep -q "$T/pos.db" "$T/ro.out" && ok "... and naming the file" || not_ok "... and naming the file" "$(cat "$T/ro.out")"
grep -q 'listening on' "$T/ro.out" && not_ok "... without listening first" || ok "... without listening first"
t_done
