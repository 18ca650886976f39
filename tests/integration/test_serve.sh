#!/usr/bin/env bash
# mpesa-pos serve end to end over loopback: every route, the HTTP defences,
# exactly-once under 64 concurrent keep-alive connections with duplicates,
# orphans, and a clean stop on SIGTERM.
. "$(dirname "$0")/../lib.sh"

cat >"$T/pos.conf" <<CONF
[listener]
bind = 127.0.0.1:0
public_url = https://pos.example.co.ke
threads = 96
rate_per_minute = 100000
[daraja]
business_shortcode = 600984
[store]
path = $T/pos.db
[log]
path = $T/pos.log
CONF
chmod 600 "$T/pos.conf"

"$B/tools/cbload" seed "$T/pos.db" 1000 >/dev/null || not_ok "seed 1000 charges"
t_spawn "$T/serve.out" "$B/mpesa-pos" serve --config "$T/pos.conf"
SERVE_PID=$T_PID
URL=$(t_wait_listening "$T/serve.out") || { not_ok "serve starts"; t_done; exit; }
ok "serve prints listening on $URL"
SECRET=$(sqlite3 "$T/pos.db" "select value from setting where key like '%secret%'")
like "$SECRET" '^[0-9a-f]{32}$' "the secret path segment is 128 bits of lower-case hex"

urls=$("$B/mpesa-pos" listener urls --config "$T/pos.conf")
like "$urls" "c2b/confirmation +https://pos.example.co.ke/$SECRET/c2b/confirmation" \
  "listener urls prints the C2B confirmation URL"
masked=$("$B/mpesa-pos" listener urls --masked --config "$T/pos.conf")
[[ $masked != *"$SECRET"* && $masked == *"<secret>"* ]] && ok "listener urls --masked hides the secret" \
  || not_ok "listener urls --masked hides the secret"

is "$(curl -s "$URL/healthz")" '{"status":"ok"}' "healthz answers"

# 1,000 callbacks, each sent twice, over 64 keep-alive connections.
out=$("$B/tools/cbload" fire "$URL" "$SECRET" 1 1000 64 --dup --log "$T/answered")
is "$out" '{"sent":2000,"answered":2000,"failed":0}' "2,000 callbacks over 64 connections all answered"
v=$("$B/tools/cbload" verify "$T/pos.db" "$T/answered" 1000)
is "$v" '{"answered_checked":1000,"missing":0,"applied_twice":0,"inconsistent":0}' \
  "every answered callback is committed exactly once"
is "$(sqlite3 "$T/pos.db" "select count(*) from txn where state='completed'")" 1000 "1,000 charges completed"
is "$(sqlite3 "$T/pos.db" "select outcome, count(*) from callback group by outcome order by 1" | tr '\n' ' ')" \
  "applied|1000 duplicate|1000 " "the second copies are archived as duplicates, with no effect"
is "$(sqlite3 "$T/pos.db" "select count(*) from outbox where txn_id between 1 and 1000 and (event like '%completed%' or event like '%success%')")" \
  1000 "one completion event per charge, none for duplicates"

post() { curl -s -o "$T/body" -w '%{http_code}' -H "Content-Type: ${3:-application/json}" --data-binary "$2" "$URL$1"; }
F=$ROOT/tests/fixtures/callbacks
before=$(sqlite3 "$T/pos.db" "select count(*) from callback")
is "$(post "/$SECRET/stk/T000001" '{"Body":')" 400 "a truncated body is refused with 400"
is "$(post "/$SECRET/stk/T000001" @"$F/stk_success.json" text/plain)" 415 "a wrong Content-Type is refused with 415"
is "$(post "/ffffffffffffffffffffffffffffffff/stk/T000001" @"$F/stk_success.json")" 404 "a wrong secret is refused with 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$URL/$SECRET/stk/T000001")" 405 "GET is refused with 405"
head -c 70000 /dev/zero | tr '\0' '[' >"$T/big"
is "$(post "/$SECRET/stk/T000001" @"$T/big")" 413 "a body over max_body is refused with 413"
head -c 40000 /dev/zero | tr '\0' '[' >"$T/deep"
is "$(post "/$SECRET/stk/T000001" @"$T/deep")" 400 "a 40 KB nest of [[[[ is refused without a crash"
is "$(post "/$SECRET/b2c/result/T000001" @"$F/stk_success.json")" 400 "an STK body on the B2C route is refused"
after=$(sqlite3 "$T/pos.db" "select count(*) from callback")
is "$((after - before))" 7 "every refused request is archived"
is "$(sqlite3 "$T/pos.db" "select count(*) from callback where id > $before and outcome != 'rejected'")" 0 \
  "... as rejected, with nothing applied"
is "$(sqlite3 "$T/pos.db" "select count(*) from callback where id > $before and reason = ''")" 0 "... each with its reason"

# Every route takes its real Daraja body (the transactions are unknown
# here, so each is kept as an orphan, to be applied when its transaction
# appears), and refuses another route's body.
for pair in stk:stk_success b2c/result:b2c_success b2c/timeout:b2c_queue_timeout \
            status/result:status_completed status/timeout:b2c_queue_timeout \
            balance/result:balance_success balance/timeout:balance_queue_timeout \
            reversal/result:reversal_success reversal/timeout:b2c_queue_timeout; do
  route=${pair%%:*} fixture=${pair#*:}
  code=$(post "/$SECRET/$route/T0000ZZ9" @"$F/$fixture.json")
  got=$(sqlite3 "$T/pos.db" "select route || ' ' || outcome from callback order by id desc limit 1")
  if [[ $code == 200 && $got == "$route orphan" ]]; then ok "$route takes $fixture.json (kept as an orphan)"
  else not_ok "$route takes $fixture.json" "HTTP $code, archived as: $got"; fi
done
is "$(post "/$SECRET/balance/result/T0000ZZ9" @"$F/b2c_success.json")" 400 "a B2C body on the balance route is refused"

# A callback for a transaction we do not know (yet) is kept as an orphan.
is "$(post "/$SECRET/stk/T0000ZZ9" @"$F/stk_cancelled_1032.json")" 200 "an unknown transaction's callback is answered"
is "$(sqlite3 "$T/pos.db" "select outcome from callback order by id desc limit 1")" orphan "... and kept as an orphan"

# C2B: validation by rules, then confirmation creates the payment.
is "$(post "/$SECRET/c2b/validation" @"$F/c2b_validation.json"; cat "$T/body")" \
  '200{"ResultCode":"0","ResultDesc":"Accepted"}' "a valid C2B payment is accepted at validation"
is "$(post "/$SECRET/c2b/confirmation" @"$F/c2b_confirmation_masked.json"; cat "$T/body")" \
  '200{"ResultCode":0,"ResultDesc":"Success"}' "a C2B confirmation is acknowledged as Daraja expects"
is "$(sqlite3 "$T/pos.db" "select kind, state from txn where receipt = 'TCE7NP03RC'")" "c2b|completed" \
  "the confirmed C2B payment is in the ledger"
sed 's/600984/123456/' "$F/c2b_validation.json" >"$T/other"
is "$(post "/$SECRET/c2b/validation" @"$T/other"; cat "$T/body")" \
  '200{"ResultCode":"C2B00015","ResultDesc":"Rejected"}' "a payment to another shortcode is rejected with C2B00015"

kill -TERM "$SERVE_PID"
for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$SERVE_PID" 2>/dev/null; then not_ok "serve stops on SIGTERM"; else
  wait "$SERVE_PID"; is "$?" 0 "serve stops on SIGTERM with status 0"; fi
grep -q "$SECRET" "$T/pos.log" && not_ok "the log never shows the secret" || ok "the log never shows the secret"
t_done
