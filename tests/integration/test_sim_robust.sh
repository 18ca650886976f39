#!/usr/bin/env bash
# daraja-sim, black box: hostile requests get proper Daraja error bodies and
# the simulator stays up (checked with a follow-up request after each).
. "$(dirname "$0")/sim_lib.sh"

PUSH=/mpesa/stkpush/v1/processrequest
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }

# hostile DESC: $RESP is a 4xx Daraja error envelope and the sim is still up
hostile() {
  if [[ $CODE == 4* ]] && is_envelope; then ok "$1: HTTP $CODE with an error envelope"
  else not_ok "$1: 4xx error envelope" "HTTP $CODE (curl $CURL_RC): ${RESP:0:300}"; fi
  check "$1: the simulator is still up" sim_alive
}

# 64 KB+ bodies
jq -nc --arg pad "$(head -c 70000 /dev/zero | tr '\0' 'A')" "$(stk_body 254712000201)"' + {Padding: $pad}' >"$T/big.json"
check "the big body is over 64 KB ($(stat -c %s "$T/big.json") bytes)" test "$(stat -c %s "$T/big.json")" -gt 65536
post_file $PUSH "$T/big.json"
hostile "70 KB JSON body"
head -c 1048576 /dev/urandom >"$T/random.bin"
post_file $PUSH "$T/random.bin"
hostile "1 MB of random bytes"
{ printf '{"BusinessShortCode":"174379","X":"'; head -c 200000 /dev/zero | tr '\0' 'x'; } >"$T/unterminated.json"
post_file $PUSH "$T/unterminated.json"
hostile "200 KB unterminated string"

# deeply nested [[[[ 40 KB
head -c 40000 /dev/zero | tr '\0' '[' >"$T/nested.json"
post_file $PUSH "$T/nested.json"
hostile "40 KB of [[[["
{ head -c 20000 /dev/zero | tr '\0' '['; head -c 20000 /dev/zero | tr '\0' ']'; } >"$T/nested2.json"
post_file $PUSH "$T/nested2.json"
hostile "balanced [[[…]]] nested 20000 deep"
{ for ((i = 0; i < 5000; i++)); do printf '{"a":'; done; printf 1; for ((i = 0; i < 5000; i++)); do printf '}'; done; } >"$T/nested3.json"
post_file $PUSH "$T/nested3.json"
hostile "objects nested 5000 deep"
post_file /mpesa/b2c/v1/paymentrequest "$T/nested.json"
hostile "40 KB of [[[[ on B2C"
post_file /mpesa/c2b/v1/registerurl "$T/nested.json"
hostile "40 KB of [[[[ on C2B register"

# invalid UTF-8 and embedded NUL
stk_body 254712000202 | jq -c '.AccountReference="XXXX"' | sed 's/XXXX/\xff\xfe\xc3/' >"$T/badutf8.json"
post_file $PUSH "$T/badutf8.json"
hostile "invalid UTF-8 in AccountReference"
printf '{"BusinessShortCode":\xc0\xaf174379}' >"$T/badutf8b.json"
post_file $PUSH "$T/badutf8b.json"
hostile "overlong UTF-8 outside strings"
stk_body 254712000203 | jq -c '.AccountReference="A\u0000B"' >"$T/nul.json"
post_file $PUSH "$T/nul.json"
if [[ ($CODE == 200 && $(jv .ResponseCode) == 0) || ($CODE == 400 && $(jv .errorCode) == 400.002.02) ]]; then
  ok "escaped NUL in AccountReference: HTTP 200 or 400.002.02 ($CODE)"
else not_ok "escaped NUL in AccountReference: HTTP 200 or 400.002.02" "HTTP $CODE $RESP"; fi
check "escaped NUL: the simulator is still up" sim_alive
{ printf '{"BusinessShortCode":"174'; printf '\0'; printf '379"}'; } >"$T/rawnul.json"
post_file $PUSH "$T/rawnul.json"
hostile "raw NUL byte inside the body"

# hostile text must never reach a callback as broken JSON
post /mpesa/c2b/v1/registerurl "{\"ShortCode\":\"$SIM_C2B_SHORTCODE\",\"ResponseType\":\"Completed\",\"ConfirmationURL\":\"$RCV_URL/c2b/confirm\",\"ValidationURL\":\"$RCV_URL/c2b/validate\"}"
status_is 200 "register C2B URLs"
printf '{"ShortCode":%s,"CommandID":"CustomerPayBillOnline","Amount":100,"Msisdn":254708374149,"BillRefNumber":"A\xffB"}' \
  "$SIM_C2B_SHORTCODE" >"$T/c2b-badutf8.json"
post_file /mpesa/c2b/v1/simulate "$T/c2b-badutf8.json"
hostile "invalid UTF-8 in a C2B BillRefNumber"
for esc in '\ud800' '\udc00x' '\u0000' '\u001f\"\\'; do
  post /mpesa/c2b/v1/simulate "{\"ShortCode\":$SIM_C2B_SHORTCODE,\"CommandID\":\"CustomerPayBillOnline\",\"Amount\":100,\"Msisdn\":254708374149,\"BillRefNumber\":\"E$esc\"}"
  if [[ $CODE == 200 || ($CODE == 400 && $(jv .errorCode) == 400.002.0[25]) ]]; then
    ok "escape $esc in a BillRefNumber: HTTP 200 or 400 ($CODE)"
  else not_ok "escape $esc in a BillRefNumber: HTTP 200 or 400" "HTTP $CODE $RESP"; fi
done

# empty body, wrong method, unknown path
post $PUSH ""
expect_err 400 400.002.05 "Invalid Request Payload" "empty body: 400.002.05 Invalid Request Payload"
check "empty body: the simulator is still up" sim_alive
get $PUSH -H "Authorization: Bearer $TOKEN"
hostile "GET on the STK push API"
_curl $PUSH -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "$(stk_body 254712000204)"
hostile "PUT on the STK push API"
post /mpesa/nothing/v1/here "$(stk_body 254712000205)"
expect_err 404 404.001.01 "Resource not found" "unknown path: 404 404.001.01 Resource not found"
get /
expect_err 404 404.001.01 "Resource not found" "GET /: 404.001.01"
post "/mpesa/stkpush/v1/processrequest/extra" "$(stk_body 254712000206)"
expect_err 404 404.001.01 "Resource not found" "path with an extra segment: 404.001.01"
get "/__sim/ledger"
expect_err 404 404.001.01 "" "without --admin, /__sim/ is 404"
check "unknown paths: the simulator is still up" sim_alive

# header abuse and broken connections
_curl $PUSH -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H "X-Big: $(head -c 60000 /dev/zero | tr '\0' 'h')" --data-binary "$(stk_body 254712000208)"
check "a 60 KB header is refused without crashing (HTTP $CODE)" test "$CODE" != 200
check "big header: the simulator is still up" sim_alive
port=${SIM_URL##*:}
if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
  printf 'POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"Busi' "$PUSH" >&3
  exec 3>&-
  ok "sent a body shorter than its Content-Length and hung up"
else not_ok "connect to the simulator"; fi
check "short body: the simulator is still up" sim_alive
if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
  head -c 4096 /dev/urandom >&3 2>/dev/null
  exec 3>&-
fi
check "random bytes instead of HTTP: the simulator is still up" sim_alive
_curl $PUSH -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -H 'Transfer-Encoding: chunked' --data-binary "$(stk_body 254712000209)"
check "chunked request body: answered (HTTP $CODE) without hanging" test "$CURL_RC" = 0
check "chunked: the simulator is still up" sim_alive

# many at once
for ((i = 0; i < 40; i++)); do
  curl -s -o /dev/null -w '%{http_code}\n' --max-time 10 -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary "$(stk_body "2547130000$((10 + i))")" "$SIM_URL$PUSH" &
done >"$T/burst.txt"
wait_for_burst() { local i; for ((i = 0; i < 200; i++)); do [[ $(wc -l <"$T/burst.txt") -ge 40 ]] && return; nap 0.05; done; }
wait_for_burst
is "$(sort "$T/burst.txt" | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" "200:40 " "40 concurrent pushes to different phones: all HTTP 200"

# the sim still does real work after all that
post $PUSH "$(stk_body $PAYER 10)"
status_is 200 "a valid push still works at the end"
co=$(jv .CheckoutRequestID)
if cb_wait "$(stk_cb_filter "$co")" 5; then ok "and its callback still arrives"; else not_ok "and its callback still arrives"; fi
nap 0.3
is "$(cb_count '.method=="POST" and .json==null')" 0 "every callback the simulator sent was valid JSON (UTF-8)"
t_done
