#!/usr/bin/env bash
# The listener under hostile traffic (issue 10, "Hostile input"): hundreds of
# malformed and mistyped callbacks, floods from a disallowed address and at a
# wrong secret, senders that stall half-way through a request. The listener
# stays up, answers each correctly, stores nothing it should not, and real
# callbacks afterwards are applied exactly once.
. "$(dirname "$0")/../lib.sh"
TORTURE=$ROOT/tests/integration/torture.py

cat >"$T/pos.conf" <<CONF
[listener]
bind = 127.0.0.1:0
public_url = https://pos.example.co.ke
threads = 16
rate_per_minute = 1000
trusted_proxy = 127.0.0.1/32
allow = 127.0.0.1/32, 196.201.214.0/24
[daraja]
business_shortcode = 600984
[store]
path = $T/pos.db
[log]
path = $T/pos.log
CONF
chmod 600 "$T/pos.conf"
q() { sqlite3 "$T/pos.db" "$1"; }

"$B/tools/cbload" seed "$T/pos.db" 100 >/dev/null || not_ok "seed 100 charges"
t_spawn "$T/serve.out" "$B/mpesa-pos" serve --config "$T/pos.conf"
SERVE_PID=$T_PID
URL=$(t_wait_listening "$T/serve.out") || { not_ok "serve starts"; t_done; exit; }
SECRET=$(q "select value from setting where key like '%secret%'")
alive() { [[ $(curl -s -m 2 "$URL/healthz") == '{"status":"ok"}' ]] && kill -0 "$SERVE_PID"; }

# 1. Malformed and mistyped callbacks on the routes of seeded charges 1..40.
out=$(python3 "$TORTURE" mutate "$URL" "$SECRET" "$ROOT/tests/fixtures/callbacks/stk_success.json" 1 600 11)
codes=$(jq -c '.codes | keys' <<<"$out")
like "$codes" '^\["200","400"\]$|^\["400"\]$' "600 hostile STK callbacks are answered 200 or 400, nothing else ($out)"
is "$(jq .errors <<<"$out")" 0 "... and no connection was dropped or left unanswered"
check "serve is still up after them" alive
is "$(q "select count(*) from txn")" 100 "no transaction was created by them"
is "$(q "select count(*) from (select txn_id from callback where outcome = 'applied' group by txn_id having count(*) > 1)")" 0 \
  "no transaction had two callbacks applied"
is "$(q "select count(*) from txn where id > 40 and state != 'awaiting'")" 0 \
  "the charges they did not name are untouched"
bad=$(q "select count(*) from txn where id <= 40 and state = 'completed' and (receipt is null or receipt = '' or amount_minor != 1000)")
is "$bad" 0 "a charge they completed has its receipt and its own amount (never one from a hostile body)"
is "$(q "select count(*) from callback where outcome = 'rejected' and reason = ''")" 0 \
  "every rejected body is archived with its reason"

# 2. A flood from an address the allow-list does not name (via the trusted
# proxy's X-Forwarded-For): refused, and archived only up to the rate limit.
before=$(q "select count(*) from callback")
out=$(python3 "$TORTURE" flood "$URL" "/$SECRET/stk/T000050" 1500 203.0.113.7)
# The bucket holds 1,000 and refills continuously (about 17 a second, so a
# slow run refuses a few more before the limit bites).
refused=$(jq '.codes["403"] // 0' <<<"$out") limited=$(jq '.codes["429"] // 0' <<<"$out")
check "1,500 posts from a disallowed address: about 1,000 refused (403), the rest rate-limited (429) ($out)" \
  test "$refused" -ge 1000 -a "$limited" -gt 0 -a $((refused + limited)) -eq 1500
after=$(q "select count(*) from callback")
is "$((after - before))" "$refused" "... only the refused ones (the per-minute limit) are archived: a flood is not disk writes"
is "$(q "select state from txn where id = 50")" awaiting "... and the charge they named is untouched"

# 3. A flood at a wrong secret from an allowed address.
out=$(python3 "$TORTURE" flood "$URL" "/0123456789abcdef0123456789abcdef/stk/T000051" 1200 196.201.214.20)
nf=$(jq '.codes["404"] // 0' <<<"$out") limited=$(jq '.codes["429"] // 0' <<<"$out")
check "1,200 posts at a wrong secret: about 1,000 answered 404, then rate-limited ($out)" \
  test "$nf" -ge 1000 -a "$limited" -gt 0 -a $((nf + limited)) -eq 1200
check "serve is still up after the floods" alive

# 4. Senders that stall half-way through a request.
out=$(python3 "$TORTURE" slow "$URL" 8 3)
is "$(jq .probe_errors <<<"$out")" 0 "with 8 senders stalled (of 16 threads), every health check is answered ($out)"
ms=$(jq .probe_max_ms <<<"$out")
check "... each within a second ($ms ms at worst)" test "$ms" -lt 1000
python3 "$TORTURE" slow "$URL" 24 2 >"$T/slow24" 2>&1
t0=$(date +%s%N)
check "with 24 stalled senders gone (more than the threads), serve answers again" alive
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "... at once ($ms ms)" test "$ms" -lt 2000

# 5. Real callbacks afterwards: every one applied exactly once.
out=$("$B/tools/cbload" fire "$URL" "$SECRET" 41 60 8 --dup --log "$T/answered")
is "$out" '{"sent":120,"answered":120,"failed":0}' "60 real callbacks, each sent twice, are all answered"
v=$("$B/tools/cbload" verify "$T/pos.db" "$T/answered" 100)
like "$v" '"missing":0,"applied_twice":0,"inconsistent":0' "... and committed exactly once ($v)"
is "$(q "select count(*) from txn where id between 41 and 100 and state = 'completed'")" 60 "the 60 charges are completed"

kill -TERM "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$SERVE_PID" 2>/dev/null; then not_ok "serve stops on SIGTERM"; else
  wait "$SERVE_PID"; is "$?" 0 "serve stops on SIGTERM with status 0"; fi
grep -q "$SECRET" "$T/pos.log" && not_ok "the log never shows the secret" || ok "the log never shows the secret"
t_done
