#!/usr/bin/env bash
# serve's local API (docs/api.md) against daraja-sim: tokens, a charge that
# ends PAID, roles and limits, errors that name the field, paging, /metrics,
# and SIGHUP reloading the configuration (a good one taken, a bad one
# refused with the old one kept).
. "$(dirname "$0")/flows_lib.sh"
FL_EXTRA=$'[api]\nenabled = true\nport = 0'
fl_setup

# ---- tokens
pos token add --operator 1001 --name "web shop"
is "$RC" 77 "token add needs an admin once one exists"
OUT=$("$POS" token add --config "$CONF" --operator 1001 --name "web shop" --admin 1004 --admin-pin-fd 3 3<<<4444 2>/dev/null)
SUP=$(j .token)
like "$SUP" '^mpos_[A-Za-z0-9_-]{43}$' "token add prints a 256-bit base64url token once"
OUT=$("$POS" token add --config "$CONF" --operator 1002 --name till --admin 1004 --admin-pin-fd 3 3<<<4444 2>/dev/null)
CASH=$(j .token); CASH_ID=$(j .id)
pos token list
is "$(j '[.tokens[] | select(.active)] | length')" 2 "token list shows both tokens"
[[ $OUT != *"$SUP"* && $OUT != *"$CASH"* ]] && ok "token list shows no secret" || not_ok "token list shows no secret"
is "$(sql "select count(*) from api_token where hash = '$(printf %s "$SUP" | sha256sum | cut -c1-64)'")" 1 \
  "only the token's SHA-256 is stored"
grep -qF "$SUP" "$T/pos.db" && not_ok "the token itself is not in the database" || ok "the token itself is not in the database"

fl_serve
API=""
for _ in $(seq 1 100); do
  API=$(grep -m1 -o 'api on http://[0-9.:]*' "$T/serve.out" | sed 's/api on //'); [[ -n $API ]] && break; sleep 0.05
done
like "$API" '^http://127\.0\.0\.1:[0-9]+$' "serve prints where the API listens"

# call METHOD PATH [TOKEN] [BODY]: $CODE and $OUT.
call() {
  local args=(-s -o "$T/api.out" -w '%{http_code}' -X "$1")
  [[ -n ${3:-} ]] && args+=(-H "Authorization: Bearer $3")
  [[ -n ${4:-} ]] && args+=(-H 'Content-Type: application/json' --data "$4")
  CODE=$(curl "${args[@]}" "$API$2"); OUT=$(cat "$T/api.out")
}

# ---- authentication
call GET /api/v1/transactions
is "$CODE/$(j .error.field)" "401/token" "no token: 401 naming the token"
call GET /api/v1/transactions "mpos_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
is "$CODE/$(j .exit)" "401/77" "an unknown token: 401, exit 77"
call GET /api/v1/transactions "not-a-token"
is "$CODE" 401 "a malformed token: 401"
call GET /api/v1/transactions "$(printf 'A%.0s' $(seq 600))"
is "$CODE/$(j .error.field)" "401/Authorization" "an Authorization header too long: 401 naming it"
like "$(j .error.message)" "longer than 511 characters" "... saying so (not 'no API token was given')"

# ---- a charge ends PAID
call POST /api/v1/charges "$SUP" '{"phone":"0708374149","amount":10,"account_reference":"API1"}'
TXN=$(j .txn)
is "$CODE/$(j .state)" "202/awaiting" "POST /charges: 202 once M-Pesa accepted the prompt"
for _ in $(seq 1 100); do
  call GET "/api/v1/charges/$TXN" "$SUP"; [[ $(j .state) == completed ]] && break; sleep 0.1
done
is "$CODE/$(j .state)/$(j .label)" "200/completed/PAID" "GET /charges/{id} shows it PAID"
like "$(j .receipt)" '^[A-Z0-9]{10}$' "... with its receipt"
is "$(j .operator)" 1001 "... taken as the token's operator"
is "$(pushes_for API1)" 1 "one push was sent"

# ---- roles, limits and fields
call POST /api/v1/payouts "$CASH" '{"phone":"0708374149","amount":100,"command":"BusinessPayment"}'
is "$CODE/$(j .exit)" "403/77" "a cashier's token is refused a payout: 403"
call POST /api/v1/payouts "$SUP" '{"phone":"0708374149","amount":60000,"command":"BusinessPayment"}'
is "$CODE/$(j .error.field)" "403/approver" "a payout above approval_above is refused over the API"
like "$(j .error.hint)" "API cannot take" "... saying why"
call POST /api/v1/charges "$SUP" '{"phone":"0708374149",'
is "$CODE/$(j .error.field)/$(j .exit)" "400/body/64" "bad JSON: 400 naming the body"
call POST /api/v1/charges "$SUP" '{"phone":"0708374149","amout":10}'
is "$CODE/$(j .error.field)" "400/amout" "an unknown field is named"
call POST /api/v1/charges "$SUP" '{"phone":"0812","amount":10}'
is "$CODE/$(j .error.field)" "400/phone" "a bad phone is named"
call POST /api/v1/charges "$SUP" '{"phone":"0708374149","amount":10.5}'
is "$CODE/$(j .error.field)" "400/amount" "cents are refused, naming the amount"
for big in 1e20 -1e20 9223372036854775808 1e400; do
  call POST /api/v1/charges "$SUP" "{\"phone\":\"0708374149\",\"amount\":$big}"
  [[ $CODE == 400 && $(j .error.field) == amount && $(j .error.message) == "amount: too "* ]] &&
    ok "a numeric amount of $big is refused before any conversion, naming the amount" ||
    not_ok "a numeric amount of $big is refused before any conversion, naming the amount" "$CODE $OUT"
done
CODE=$(curl -s -o "$T/api.out" -w '%{http_code}' -H "Authorization: Bearer $SUP" --data '{}' "$API/api/v1/charges"); OUT=$(cat "$T/api.out")
is "$CODE/$(j .error.field)" "400/Content-Type" "a body that is not application/json is refused"
call GET "/api/v1/charges/T0000000" "$SUP"
is "$CODE" 404 "an unknown charge: 404"
call DELETE /api/v1/charges "$SUP"
is "$CODE" 405 "another method: 405"

# ---- paging
for p in 0708200011 0708200012 0708200013; do
  call POST /api/v1/charges "$SUP" "{\"phone\":\"$p\",\"amount\":5}"
done
call GET "/api/v1/transactions?limit=2" "$SUP"
P1=$(j '[.transactions[].txn] | join(",")'); CUR=$(j .next_cursor)
is "$(j '.transactions | length')" 2 "transactions: a page of limit rows"
call GET "/api/v1/transactions?limit=2&cursor=$CUR" "$SUP"
P2=$(j '[.transactions[].txn] | join(",")')
ALL=$(sql "select count(*) from txn where kind='stk'")
call GET "/api/v1/transactions?limit=500&kind=stk" "$SUP"
is "$(j '.transactions | length')" "$ALL" "... all of them with a large limit"
[[ -n $P2 && ",$P1," != *",${P2%%,*},"* ]] && ok "the next page continues where the first stopped" || not_ok "the next page continues where the first stopped" "$P1 / $P2"
call GET "/api/v1/transactions?cursor=zzz" "$SUP"
is "$CODE/$(j .error.field)" "400/cursor" "a bad cursor is named"
call GET "/api/v1/transactions?since=$(TZ=Africa/Nairobi date +%F)" "$CASH"
is "$(j '.transactions | length')" 0 "a cashier sees only their own transactions"

# ---- /metrics
call GET /metrics
is "$CODE/$(j .error.field)" "401/token" "/metrics needs a token, from loopback too ([api] metrics_open is false)"
M1=$(curl -s -H "Authorization: Bearer $SUP" "$API/metrics")
like "$M1" 'mpesa_pos_transactions\{kind="stk",state="completed"\} [1-9]' "/metrics with a token: PAID charges counted"
like "$M1" 'mpesa_pos_daraja_request_duration_seconds_count\{api="stk_push"\} [1-9]' "... Daraja latency measured"
like "$M1" 'mpesa_pos_breaker_state\{state="closed"\} 1' "... the breaker state"
like "$M1" 'mpesa_pos_outbox_pending\{backend="jsonl"\}' "... the outbox lag"
REJ1=$(grep -o '^mpesa_pos_callbacks_rejected [0-9]*' <<<"$M1" | cut -d' ' -f2)
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' --data '{}' "http://127.0.0.1:$PORT/00000000000000000000000000000000/stk/T1"
call POST /api/v1/charges "$SUP" '{"phone":"0708200014","amount":7}'
T2=$(j .txn)
for _ in $(seq 1 100); do call GET "/api/v1/charges/$T2" "$SUP"; [[ $(j .state) == completed ]] && break; sleep 0.1; done
# the ledger's figures are read at most every 5 s: look until they move
rejected() { grep -o '^mpesa_pos_callbacks_rejected [0-9]*' <<<"$1" | cut -d' ' -f2; }
completed() { grep -o '^mpesa_pos_transactions{kind="stk",state="completed"} [0-9]*' <<<"$1" | cut -d' ' -f2; }
C1=$(completed "$M1")
for _ in $(seq 1 80); do
  M2=$(curl -s -H "Authorization: Bearer $SUP" "$API/metrics")
  [[ $(rejected "$M2") == $((REJ1 + 1)) && $(completed "$M2") -gt $C1 ]] && break; sleep 0.1
done
is "$(rejected "$M2")" "$((REJ1 + 1))" "a rejected callback moves the counter"
C2=$(completed "$M2")
check "a charge moves the completed counter ($C1 -> $C2)" test "$C2" -gt "$C1"
sql "insert into callback (received_at, route, body, outcome) values (1, 'test', x'00', 'rejected')"
for _ in $(seq 1 80); do
  MA=$(curl -s -H "Authorization: Bearer $SUP" "$API/metrics")
  [[ $(rejected "$MA") == $((REJ1 + 2)) ]] && break; sleep 0.1
done
is "$(rejected "$MA")" "$((REJ1 + 2))" "a callback added to the ledger is counted within 5 s"
sql "insert into callback (received_at, route, body, outcome) values (2, 'test', x'00', 'rejected')"
MB=$(curl -s -H "Authorization: Bearer $SUP" "$API/metrics")
is "$(rejected "$MB")" "$((REJ1 + 2))" "... a scrape right after the ledger was read reuses its figures (no scan)"

# ---- Idempotency-Key: a retried POST pays once
# post_key TOKEN KEY PATH BODY: a POST with an Idempotency-Key ($CODE, $OUT).
post_key() {
  local h="Idempotency-Key: $2"; [[ -z $2 ]] && h="Idempotency-Key;"
  CODE=$(curl -s -o "$T/api.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" -H "$h" \
    -H 'Content-Type: application/json' --data "$4" "$API$3"); OUT=$(cat "$T/api.out")
}
BODY='{"phone":"0708200021","amount":11,"account_reference":"IDEM1"}'
post_key "$SUP" order-1001 /api/v1/charges "$BODY"
I1=$(j .txn)
is "$CODE/$(j .state)" "202/awaiting" "Idempotency-Key: the first request makes a charge"
post_key "$SUP" order-1001 /api/v1/charges "$BODY"
is "$CODE/$(j .txn)" "200/$I1" "... the same request again answers the first transaction (200)"
is "$(pushes_for IDEM1)" 1 "... and sends no second push"
post_key "$SUP" order-1001 /api/v1/charges '{"phone":"0708200021","amount":12,"account_reference":"IDEM1"}'
is "$CODE/$(j .error.field)/$(j .exit)" "409/Idempotency-Key/30" "... the key with another body: 409 naming the key"
like "$(j .error.message)" 'order-1001' "... and quoting it"
post_key "$SUP" both /api/v1/charges '{"phone":"0708200025","amount":13}'
post_key "$SUP" both /api/v1/payouts '{"phone":"0708200025","amount":13}'
is "$CODE/$(j .error.field)" "409/Idempotency-Key" "... the key with the same body on another path: 409"
for _ in $(seq 1 100); do call GET "/api/v1/charges/$I1" "$SUP"; [[ $(j .state) == completed ]] && break; sleep 0.1; done
GOT=$OUT
post_key "$SUP" order-1001 /api/v1/charges "$BODY"
is "$CODE/$OUT" "200/$GOT" "... a repeat after the end is the same JSON as GET"
PBODY='{"phone":"0708374149","amount":77,"command":"BusinessPayment"}'
post_key "$SUP" pay-77 /api/v1/payouts "$PBODY"
P1=$(j .txn)
is "$CODE/$(j .kind)" "202/b2c" "a payout with a key"
post_key "$SUP" pay-77 /api/v1/payouts "$PBODY"
is "$CODE/$(j .txn)" "200/$P1" "... repeated: the first payout (200)"
is "$(accepted_for /mpesa/b2c/v3/paymentrequest Amount 77)" 1 "... M-Pesa was asked once"
post_key "$CASH" order-1001 /api/v1/charges '{"phone":"0708200023","amount":11}'
[[ $CODE == 202 && $(j .txn) != "$I1" ]] && ok "another operator's token has its own keys" || not_ok "another operator's token has its own keys" "$CODE $OUT"
is "$(sql "select count(*) from api_idempotency where key = 'order-1001'")" 2 "... kept per operator in the ledger"
post_key "$SUP" "" /api/v1/charges '{"phone":"0708200024","amount":10}'
is "$CODE/$(j .error.field)" "400/Idempotency-Key" "an empty Idempotency-Key is refused, naming the header"
post_key "$SUP" "$(printf 'k%.0s' $(seq 65))" /api/v1/charges '{"phone":"0708200024","amount":10}'
is "$CODE/$(j .error.field)" "400/Idempotency-Key" "... one of 65 characters"
post_key "$SUP" "$(printf 'k%.0s' $(seq 300))" /api/v1/charges '{"phone":"0708200024","amount":10}'
is "$CODE/$(j .error.field)" "400/Idempotency-Key" "... one of 300"
post_key "$SUP" $'caf\xc3\xa9' /api/v1/charges '{"phone":"0708200024","amount":10}'
is "$CODE/$(j .error.field)" "400/Idempotency-Key" "... one that is not ASCII"
post_key "$SUP" order-2 /api/v1/charges '{"phone":"0812","amount":10}'
is "$CODE/$(j .error.field)" "400/phone" "a request refused with a key records nothing"
post_key "$SUP" order-2 /api/v1/charges '{"phone":"0708200024","amount":10}'
is "$CODE/$(j .state)" "202/awaiting" "... so the key may be used for the corrected request"

# ---- revoking
pos token revoke "$CASH_ID" --admin 1004 --admin-pin-fd 3 3<<<4444
OUT=$("$POS" token revoke "$CASH_ID" --config "$CONF" --admin 1004 --admin-pin-fd 3 3<<<4444 2>/dev/null); RC=$?
call GET /api/v1/transactions "$CASH"
is "$CODE" 401 "a revoked token is refused"

# ---- SIGHUP
cp "$CONF" "$T/good.conf"
printf '[limits]\nstk_max_amount = 50\n' >>"$CONF"
kill -HUP "$SERVE_PID"
for _ in $(seq 1 100); do grep -q 'configuration reloaded' "$T/pos.log" && break; sleep 0.05; done
call POST /api/v1/charges "$SUP" '{"phone":"0708200015","amount":100}'
is "$CODE/$(j .error.field)" "400/amount" "SIGHUP with a good configuration: the new limit applies without a restart"
cp "$T/good.conf" "$CONF"; printf '[daraja]\ntimeout = soon\n' >>"$CONF"
kill -HUP "$SERVE_PID"
for _ in $(seq 1 100); do grep -q 'configuration is refused' "$T/pos.log" && break; sleep 0.05; done
grep 'configuration is refused' "$T/pos.log" | grep -q 'timeout' && ok "a bad configuration is refused, the log says why" || not_ok "a bad configuration is refused, the log says why"
call POST /api/v1/charges "$SUP" '{"phone":"0708200016","amount":100}'
is "$CODE/$(j .error.field)" "400/amount" "... and the running one is kept"
# credentials: a wrong consumer secret takes effect at once, the right one again
cp "$T/good.conf" "$CONF"; printf '[daraja]\nconsumer_secret = not-the-secret\n' >>"$CONF"
kill -HUP "$SERVE_PID"
for _ in $(seq 1 100); do [[ $(grep -c 'configuration reloaded' "$T/pos.log") -ge 2 ]] && break; sleep 0.05; done
call POST /api/v1/charges "$SUP" '{"phone":"0708200017","amount":10}'
is "$CODE/$(j .state)" "409/failed" "SIGHUP: new Daraja credentials are used without a restart (a wrong secret is refused)"
cp "$T/good.conf" "$CONF"
kill -HUP "$SERVE_PID"
for _ in $(seq 1 100); do [[ $(grep -c 'configuration reloaded' "$T/pos.log") -ge 3 ]] && break; sleep 0.05; done
call POST /api/v1/charges "$SUP" '{"phone":"0708200018","amount":10}'
is "$CODE/$(j .state)" "202/awaiting" "... and the right one again"
# a certificate that is not one is refused before it is used
echo "not a certificate" >"$T/bad-cert.pem"
cp "$T/good.conf" "$CONF"; printf '[daraja]\ncert = %s\n' "$T/bad-cert.pem" >>"$CONF"
kill -HUP "$SERVE_PID"
for _ in $(seq 1 100); do [[ $(grep -c 'configuration is refused' "$T/pos.log") -ge 2 ]] && break; sleep 0.05; done
grep 'configuration is refused' "$T/pos.log" | tail -1 | grep -qi 'cert' &&
  ok "SIGHUP: a bad certificate is refused, naming it" || not_ok "SIGHUP: a bad certificate is refused, naming it" "$(tail -3 "$T/pos.log")"
cp "$T/good.conf" "$CONF"
M3=$(curl -s -H "Authorization: Bearer $SUP" "$API/metrics")
like "$M3" 'mpesa_pos_config_reloads_total\{result="refused"\} 2' "/metrics counts the refused reloads"
# [api] metrics_open: a Prometheus on this host scrapes without a token
sed -i 's/^\[api\]$/[api]\nmetrics_open = true/' "$CONF"
kill -HUP "$SERVE_PID"
for _ in $(seq 1 100); do [[ $(grep -c 'configuration reloaded' "$T/pos.log") -ge 4 ]] && break; sleep 0.05; done
CODE=$(curl -s -o "$T/api.out" -w '%{http_code}' "$API/metrics")
is "$CODE" 200 "[api] metrics_open = true: /metrics from loopback without a token"
cp "$T/good.conf" "$CONF"
grep -qF "$SUP" "$T/pos.log" "$T/serve.out" && not_ok "no token in the log" || ok "no token in the log"

# ---- a payout in flight when serve stops: M-Pesa took it, so the answer
# names the transaction (202, exit 20), never 503 ("nothing moved")
sim_faults '{"b2c":{"timeout":1,"timeout_ms":6000}}'
curl -s -o "$T/stop.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $SUP" \
  -H 'Content-Type: application/json' \
  --data '{"phone":"0708374149","amount":137,"command":"BusinessPayment"}' \
  "$API/api/v1/payouts" >"$T/stop.code" &
STOP_CURL=$!
for _ in $(seq 1 100); do
  [[ $(accepted_for /mpesa/b2c/v3/paymentrequest Amount 137) -ge 1 ]] && break; sleep 0.05
done
fl_stop_serve
wait "$STOP_CURL"
OUT=$(cat "$T/stop.out")
is "$(cat "$T/stop.code")/$(j .exit)/$(j .kind)" "202/20/b2c" \
  "a payout in flight when serve stops: 202, exit 20, not 503"
STOP_TXN=$(j .txn)
is "$(j .state)/$(sql "select kind from txn where public_id = '$STOP_TXN'")" "sent/b2c" \
  "... naming its transaction ($STOP_TXN), sent, as the ledger has it"
like "$(j .hint)" "do not send it again; GET /api/v1/transactions" "... with a hint not to send it again"
is "$(accepted_for /mpesa/b2c/v3/paymentrequest Amount 137)" 1 "... which M-Pesa took once"
sim_reset_faults
is "$SERVE_RC" 0 "serve stops cleanly with the API running"
t_done
