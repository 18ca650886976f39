#!/usr/bin/env bash
# daraja-sim, black box: the admin API under /__sim/ (only with --admin):
# customer C2B payments, ledger, request and callback logs, reset, token
# expiry, and faults per API: latency, throttling (refused before processing:
# not in the ledger), 429/503, HTTP 500 and connection reset after processing
# (in the ledger exactly once), dropped, duplicated and late callbacks, and
# --callback-retries redelivery.
. "$(dirname "$0")/sim_lib.sh"

PUSH=/mpesa/stkpush/v1/processrequest
B2C=/mpesa/b2c/v3/paymentrequest
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }

# admin METHOD PATH [JSON]: call the admin API; sets CODE/RESP.
admin() {
  if [[ $1 == POST ]]; then
    local body=${3:-'{}'}
    printf '%s' "$body" >"$T/admin.req"
    _curl "$2" -X POST -H 'Content-Type: application/json' --data-binary @"$T/admin.req"
  else
    _curl "$2"
  fi
}
# faults JSON: set faults (and check the admin API took them).
faults() {
  admin POST /__sim/faults "$1"
  [[ $CODE == 200 ]] || not_ok "set faults $1" "HTTP $CODE $RESP"
}
# ledger_count JQ_SELECT: transactions in the ledger matching a filter.
ledger_count() {
  admin GET /__sim/ledger
  jq --arg x "${2:-}" "[.transactions[]|select($1)]|length" <<<"$RESP" 2>/dev/null || echo -1
}
b2c_v3() { # b2c_v3 ORIGINATOR_ID AMOUNT
  b2c_body $PAYER "$2" | jq -c --arg o "$1" '.OriginatorConversationID=$o'
}

# ---- without --admin there is no /__sim/ -----------------------------------------
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim starts"; t_done; exit 1; }
for p in /__sim/health /__sim/ledger /__sim/faults; do
  admin GET $p
  expect_err 404 404.001.01 "Resource not found" "without --admin GET $p is 404.001.01"
done
admin POST /__sim/reset
expect_err 404 404.001.01 "Resource not found" "without --admin POST /__sim/reset is 404.001.01"
stop_sim

# ---- --admin --------------------------------------------------------------------------
start_sim --admin --callback-delay-ms 100 || { not_ok "daraja-sim --admin starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }
SIM_CRED=$(sec_cred)
admin GET /__sim/health
status_is 200 "GET /__sim/health: 200"
jt "health says ok" '.ok==true'
admin GET /__sim/cert
is "${RESP%$'\n'}" "$(<"$SIM_CERT")" "GET /__sim/cert serves the certificate clients encrypt with"
admin GET /__sim/nothing
check "unknown admin endpoint: 404" test "$CODE" = 404

# a customer pays by C2B (admin) to registered URLs
SC=$SIM_C2B_SHORTCODE
post /mpesa/c2b/v1/registerurl "$(jq -nc --arg sc "$SC" --arg c "$RCV_URL/c2b/confirm" --arg v "$RCV_URL/c2b/validate" \
  '{ShortCode: $sc, ResponseType: "Completed", ConfirmationURL: $c, ValidationURL: $v}')"
status_is 200 "register C2B URLs"
admin POST /__sim/c2b/pay "{\"msisdn\":\"254712000301\",\"amount\":640,\"bill_ref\":\"ADMIN-1\",\"shortcode\":\"$SC\"}"
status_is 200 "POST /__sim/c2b/pay: 200"
jt "c2b/pay answers ok and a TransID" '.ok==true and (.TransID|test("^[A-Z0-9]{10}$"))'
tid=$(jv .TransID)
if cb_wait '.path=="/c2b/confirm" and .json.BillRefNumber=="ADMIN-1"' 5; then
  cbt "the customer's payment is confirmed to the ConfirmationURL with its TransID" '.TransID==$t and (.TransAmount|test("^640(\\.00)?$"))' --arg t "$tid"
else not_ok "confirmation of the admin C2B payment arrives"; fi
check "validation preceded it" cb_wait '.path=="/c2b/validate" and .json.BillRefNumber=="ADMIN-1"' 1
admin POST /__sim/c2b/pay "{\"msisdn\":\"254712000301\",\"amount\":1.5,\"bill_ref\":\"ADMIN-2\",\"shortcode\":\"$SC\"}"
status_is 400 "c2b/pay with a fractional amount: 400"
jt "the refusal explains itself" '.ok==false and (.error|test("amount"))'

# the ledger
admin GET /__sim/ledger
status_is 200 "GET /__sim/ledger: 200"
jt "ledger lists the C2B payment (receipt, amount, bill_ref, msisdn)" \
  '[.transactions[]|select(.receipt==$t and .amount==640 and .bill_ref=="ADMIN-1" and .msisdn=="254712000301")]|length==1' --arg t "$tid"
jt "ledger lists accounts per shortcode with an AccountBalance string" \
  '[.accounts[]|select(.shortcode==$sc)|.AccountBalance|test("^Working Account\\|KES\\|")]|length==1' --arg sc "$SC"

# the request log
post $PUSH "$(stk_body 254712000302 15)"
co=$(jv .CheckoutRequestID)
admin GET "/__sim/requests?path=$PUSH"
status_is 200 "GET /__sim/requests?path=…: 200"
jt "request log has the push with status 200" \
  '.count>=1 and ([.requests[]|select(.path==$p and .status==200 and .method=="POST")]|length>=1)' --arg p "$PUSH"
admin GET "/__sim/requests?contains=$co"
jt "request log: contains= finds the push by its CheckoutRequestID" '.count==1' 
cb_wait "$(stk_cb_filter "$co")" 5
admin GET "/__sim/callbacks?contains=$co"
status_is 200 "GET /__sim/callbacks: 200"
jt "callback log records the STK callback delivered with HTTP 200, attempt 1" \
  '.count==1 and .callbacks[0].status==200 and .callbacks[0].attempt==1 and .callbacks[0].url==$u' --arg u "$RCV_URL/stk"

# ---- faults -----------------------------------------------------------------------------
# spike arrest: refused before processing
faults '{"stk":{"spike_arrest":1}}'
admin GET /__sim/faults
jt "GET /__sim/faults shows stk.spike_arrest 1" '.stk.spike_arrest==1'
post $PUSH "$(stk_body 254712000303 20 "" '.AccountReference="SPIKE"')"
expect_err 500 500.003.02 "Spike Arrest|busy" "stk spike_arrest: HTTP 500 500.003.02"
post /mpesa/b2c/v1/paymentrequest "$(b2c_body $PAYER 10)"
status_is 200 "a fault on stk leaves b2c alone"
faults '{"stk":{"spike_arrest":0}}'
post $PUSH "$(stk_body 254712000304 20)"
status_is 200 "spike_arrest 0: pushes pass again"
co_after=$(jv .CheckoutRequestID)
cb_wait "$(stk_cb_filter "$co_after")" 5
is "$(ledger_count '.msisdn=="254712000303"')" 0 "throttled push never reached the ledger"
is "$(cb_count '.body|contains("712000303")')" 0 "throttled push: no callback"
admin GET "/__sim/requests?path=$PUSH"
jt "request log shows the throttled request with its fault" '[.requests[]|select(.fault=="spike_arrest" and .status==500)]|length==1'

# 429 / 503 before processing
faults '{"b2c":{"http_429":1}}'
oid429=$(uuid)
post $B2C "$(b2c_v3 "$oid429" 11)"
expect_err 429 429 "" "b2c http_429: HTTP 429 with an error envelope"
faults '{"b2c":{"http_429":0,"http_503":1}}'
post $B2C "$(b2c_v3 "$oid429" 11)"
expect_err 503 503 "" "b2c http_503: HTTP 503 with an error envelope"
faults '{"b2c":{"http_503":0}}'
is "$(ledger_count '.originator_id==$x' "$oid429")" 0 "429/503: nothing reached the ledger"
post $B2C "$(b2c_v3 "$oid429" 11)"
status_is 200 "the same OriginatorConversationID is then accepted (the refused tries were never processed)"

# HTTP 500 after processing: in the ledger exactly once
faults '{"b2c":{"error_500":1}}'
oid500=$(uuid)
post $B2C "$(b2c_v3 "$oid500" 12)"
expect_err 500 500.003.1001 "" "b2c error_500: the client sees HTTP 500 500.003.1001"
faults '{"b2c":{"error_500":0}}'
if cb_wait "$(printf '.json.Result.OriginatorConversationID=="%s"' "$oid500")" 5; then
  cbt "…yet the payment was processed: its Result arrives with ResultCode 0" '.Result.ResultCode==0'
else not_ok "Result of the error_500 payment arrives"; fi
is "$(ledger_count '.originator_id==$x' "$oid500")" 1 "error_500: the payment is in the ledger exactly once"
post $B2C "$(b2c_v3 "$oid500" 12)"
expect_err 500 500.002.1001 "Duplicate" "the client's retry with the same OriginatorConversationID: 500.002.1001 Duplicate"
is "$(ledger_count '.originator_id==$x' "$oid500")" 1 "after the retry: still exactly once"

# connection reset after processing
faults '{"b2c":{"reset":1}}'
oidrst=$(uuid)
post $B2C "$(b2c_v3 "$oidrst" 13)"
check "b2c reset: the client gets no HTTP answer (curl $CURL_RC, HTTP $CODE)" test "$CURL_RC" -ne 0 -a "$CODE" = 000
faults '{"b2c":{"reset":0}}'
check "…and the simulator is still up" sim_alive
cb_wait "$(printf '.json.Result.OriginatorConversationID=="%s"' "$oidrst")" 5
is "$(ledger_count '.originator_id==$x' "$oidrst")" 1 "reset: the payment is in the ledger exactly once"
is "$(cb_count "$(printf '.json.Result.OriginatorConversationID=="%s"' "$oidrst")")" 1 "reset: exactly one Result"

# answer held back (timeout fault), short hold
faults '{"stk":{"timeout":1,"timeout_ms":400}}'
SIM_CURL_TIMEOUT=5 post $PUSH "$(stk_body 254712000305 16 "" '.AccountReference="HELD"')"
check "stk timeout: no HTTP answer (curl $CURL_RC)" test "$CURL_RC" -ne 0
faults '{"stk":{"timeout":0}}'
if cb_wait '.path=="/stk" and (.body|contains("712000305"))' 5; then
  ok "stk timeout: the push was processed and its callback still comes"
else not_ok "stk timeout: the push was processed and its callback still comes"; fi

# latency
faults '{"qr":{"latency_ms":700}}'
t0=$(now_ms_b)
post /mpesa/qrcode/v1/generate '{"MerchantName":"Acme","RefNo":"L1","Amount":5,"TrxCode":"BG","CPI":"373132","Size":"200"}'
took=$(( $(now_ms_b) - t0 ))
status_is 200 "qr latency_ms 700: still answered 200"
check "qr latency_ms 700: the answer took at least 700 ms (took $took ms)" test "$took" -ge 700
faults '{"qr":{"latency_ms":0}}'

# Callback faults are drawn when the outcome is decided (after
# --callback-delay-ms), so each fault stays on until the STK query shows the
# outcome exists.
# stk_final CHECKOUT_ID: poll the query (bounded) until it answers 200.
stk_final() {
  local end=$(($(now_ms) + 5000))
  while (($(now_ms) < end)); do
    post /mpesa/stkpushquery/v1/query "$(stk_query_body "$1")"
    [[ $CODE == 200 ]] && return 0
    nap 0.05
  done
  return 1
}

# dropped callback
faults '{"stk":{"callback_drop":1}}'
post $PUSH "$(stk_body 254712000306 17)"; co_drop=$(jv .CheckoutRequestID)
check "callback_drop: the outcome exists (query answers 200)" stk_final "$co_drop"
jt "callback_drop: the query shows it paid (ResultCode \"0\")" '.ResultCode=="0"'
faults '{"stk":{"callback_drop":0}}'
post $PUSH "$(stk_body 254712000307 17)"; co_next=$(jv .CheckoutRequestID)
cb_wait "$(stk_cb_filter "$co_next")" 5
nap 0.3
is "$(cb_count "$(stk_cb_filter "$co_drop")")" 0 "callback_drop: no callback arrives (a later push's did)"
admin GET "/__sim/callbacks?contains=$co_drop"
jt "callback log marks the dropped callback" '.count>=1 and ([.callbacks[]|select(.fault!="")]|length>=1)'

# duplicated callback
faults '{"stk":{"callback_dup":1}}'
post $PUSH "$(stk_body 254712000308 18)"; co_dup=$(jv .CheckoutRequestID)
if cb_wait "$(stk_cb_filter "$co_dup")" 5 2; then
  ok "callback_dup: two callbacks arrive"
  is "$(jq -r "select($(stk_cb_filter "$co_dup"))|.body" "$RCV_OUT" | sort -u | wc -l)" 1 "callback_dup: the two bodies are identical"
else not_ok "callback_dup: two callbacks arrive" "got $(cb_count "$(stk_cb_filter "$co_dup")")"; fi
faults '{"stk":{"callback_dup":0}}'

# late callback: a later request's callback overtakes it (out of order). The
# later request is a B2C (not faulted), sent right after the push.
faults '{"stk":{"callback_late":1,"callback_late_ms":2500}}'
oid_early=$(uuid); b2c_early=$(b2c_v3 "$oid_early" 15)
t_late=$(now_ms)
post $PUSH "$(stk_body 254712000309 19)"; co_late=$(jv .CheckoutRequestID)
post $B2C "$b2c_early"
stk_final "$co_late"
faults '{"stk":{"callback_late":0}}'
if cb_wait "$(stk_cb_filter "$co_late")" 8; then
  late_seq=$(jq .seq <<<"$CB"); late_t=$(jq .t_ms <<<"$CB")
  cb_wait "$(printf '.json.Result.OriginatorConversationID=="%s"' "$oid_early")" 1
  check "callback_late: the later request's callback came first (out of order)" test "${CB:+$(jq .seq <<<"$CB")}" -lt "$late_seq"
  check "callback_late: it came at least 2500 ms after the push ($((late_t - t_late)) ms)" test $((late_t - t_late)) -ge 2500
else not_ok "callback_late: the late callback arrives"; fi

# queue timeout (initiator products): the QueueTimeOutURL hears, nothing is processed
faults '{"b2c":{"queue_timeout":1}}'
oidq=$(uuid)
post $B2C "$(b2c_v3 "$oidq" 14)"
status_is 200 "b2c queue_timeout: the request is accepted"
faults '{"b2c":{"queue_timeout":0}}'
if cb_wait "$(printf '.path=="/b2c/timeout" and .json.Result.OriginatorConversationID=="%s"' "$oidq")" 5; then
  cbt "queue_timeout: a non-zero Result arrives at the QueueTimeOutURL" '(.Result.ResultCode|tostring)!="0"'
else not_ok "queue_timeout: the QueueTimeOutURL receives a Result"; fi
is "$(ledger_count '.originator_id==$x' "$oidq")" 0 "queue_timeout: nothing in the ledger"
is "$(cb_count "$(printf '.path=="/b2c/result" and .json.Result.OriginatorConversationID=="%s"' "$oidq")")" 0 "queue_timeout: no Result at the ResultURL"

# bad fault settings are refused and change nothing
admin POST /__sim/faults '{"stk":{"no_such_fault":1}}'
status_is 400 "unknown fault key: 400"
admin POST /__sim/faults '{"stk":{"spike_arrest":2}}'
status_is 400 "rate above 1: 400"
admin POST /__sim/faults '{"nosuchapi":{"spike_arrest":1}}'
status_is 400 "unknown API: 400"
admin POST /__sim/faults '{"all":{"spike_arrest":1},"stk":{"bogus":1}}'
status_is 400 "one bad key refuses the whole update"
post $PUSH "$(stk_body 254712000311 21)"
status_is 200 "…and nothing changed (pushes still pass)"

# token expiry on demand
admin POST /__sim/tokens/expire
status_is 200 "POST /__sim/tokens/expire: 200"
post $PUSH "$(stk_body 254712000312 22)"
expect_err 404 404.001.03 "Invalid Access Token" "after tokens/expire: 404.001.03"
sim_token

# reset
admin POST /__sim/reset
status_is 200 "POST /__sim/reset: 200"
admin GET /__sim/ledger
jt "after reset the ledger has no transactions" '.transactions|length==0'
admin GET /__sim/requests
jt "after reset the request log holds at most the reset itself" '.count<=1'
post $PUSH "$(stk_body 254712000313 23)"
status_is 200 "tokens survive a reset"
post /mpesa/c2b/v1/registerurl "$(jq -nc --arg sc "$SC" --arg c "$RCV_URL/c2b/confirm" --arg v "$RCV_URL/c2b/validate" \
  '{ShortCode: $sc, ResponseType: "Completed", ConfirmationURL: $c, ValidationURL: $v}')"
status_is 200 "after reset the C2B URLs can be registered again"
stop_sim

# ---- --fault at start, --callback-retries, --allow-reregister ---------------------------
start_sim --admin --callback-delay-ms 100 --callback-retries 2 --fault stk.spike_arrest=1 --allow-reregister \
  || { not_ok "daraja-sim with --fault/--callback-retries starts"; t_done; exit 1; }
sim_token
post $PUSH "$(stk_body 254712000314 24)"
expect_err 500 500.003.02 "" "--fault stk.spike_arrest=1 is in force from the start"
faults '{"stk":{"spike_arrest":0}}'
post $PUSH "$(stk_body 254712000315 24 "$RCV_URL/fail/stk")"; co_retry=$(jv .CheckoutRequestID)
status_is 200 "push whose CallBackURL answers 500"
post $PUSH "$(stk_body 254712000316 24)"; co_ok=$(jv .CheckoutRequestID)
if cb_wait "$(stk_cb_filter "$co_retry")" 8 3; then
  ok "--callback-retries 2: the callback is delivered 3 times to a receiver answering 500"
  is "$(jq -r "select($(stk_cb_filter "$co_retry"))|.body" "$RCV_OUT" | sort -u | wc -l)" 1 "the redeliveries carry the same body"
else not_ok "--callback-retries 2: 3 deliveries" "got $(cb_count "$(stk_cb_filter "$co_retry")")"; fi
t_third=$(now_ms)
admin GET "/__sim/callbacks?contains=$co_retry"
jt "callback log: attempts 1, 2, 3 with HTTP 500" '[.callbacks[]|select(.status==500)|.attempt]|sort==[1,2,3]'
is "$(cb_count "$(stk_cb_filter "$co_ok")")" 1 "a callback answered 200 is not redelivered (checked 2+ s later)"
reg='{"ShortCode":"'$SC'","ResponseType":"Completed","ConfirmationURL":"'$RCV_URL'/c2b/confirm","ValidationURL":"'$RCV_URL'/c2b/validate"}'
post /mpesa/c2b/v1/registerurl "$reg"
status_is 200 "--allow-reregister: first registration"
post /mpesa/c2b/v1/registerurl "${reg//c2b\/confirm/c2b\/confirm2}"
status_is 200 "--allow-reregister: registering again is accepted"
admin POST /__sim/c2b/pay "{\"msisdn\":\"254712000317\",\"amount\":50,\"bill_ref\":\"REREG\",\"shortcode\":\"$SC\"}"
if cb_wait '.json.BillRefNumber=="REREG" and .path=="/c2b/confirm2"' 5; then
  ok "--allow-reregister: the new ConfirmationURL receives payments"
else not_ok "--allow-reregister: the new ConfirmationURL receives payments"; fi
RETRY_PID=$SIM_PID   # kept running: a fourth delivery is looked for at the end

# without --callback-retries a failed delivery is not repeated (Daraja documents none)
start_sim --callback-delay-ms 100 || not_ok "daraja-sim starts again"
sim_token
post $PUSH "$(stk_body 254712000318 25 "$RCV_URL/fail/stk2")"; co_once=$(jv .CheckoutRequestID)
cb_wait "$(stk_cb_filter "$co_once")" 5
nap 1.3
is "$(cb_count "$(stk_cb_filter "$co_once")")" 1 "default: a callback answered 500 is delivered once"
while (($(now_ms) - t_third < 3500)); do nap 0.1; done
is "$(cb_count "$(stk_cb_filter "$co_retry")")" 3 "--callback-retries 2: no fourth delivery ($(( $(now_ms) - t_third )) ms after the third)"
term_wait "$RETRY_PID" 5000
t_done
