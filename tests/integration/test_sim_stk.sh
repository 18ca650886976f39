#!/usr/bin/env bash
# daraja-sim, black box: M-Pesa Express (STK push, query, callback) and the
# scenario phone numbers.
. "$(dirname "$0")/sim_lib.sh"

PUSH=/mpesa/stkpush/v1/processrequest
QUERY=/mpesa/stkpushquery/v1/query
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }
# A second simulator with the default timings (--callback-delay-ms 3000,
# --prompt-ttl-ms 60000), checked while the main one works.
start_sim || { not_ok "daraja-sim (defaults) starts"; t_done; exit 1; }
DEF_URL=$SIM_URL DEF_PID=$SIM_PID
sim_token || { t_done; exit 1; }
DEF_TOKEN=$TOKEN
def_t0=$(now_ms)
post $PUSH "$(stk_body 254712000900 10 "$RCV_URL/default/stk")"; def_co=$(jv .CheckoutRequestID)
status_is 200 "default sim: push accepted"
post $PUSH "$(stk_body 254700001037 10 "$RCV_URL/default/stk")"; def_co_to=$(jv .CheckoutRequestID)
status_is 200 "default sim: push to the timeout number accepted"

TTL=5000
start_sim --callback-delay-ms 100 --prompt-ttl-ms $TTL || { not_ok "daraja-sim starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }

# ---- a paying customer ------------------------------------------------------
post $PUSH "$(stk_body $PAYER 150)"
status_is 200 "push to $PAYER: HTTP 200"
jtb "response has exactly the five Daraja keys" \
  '(keys|sort)==["CheckoutRequestID","CustomerMessage","MerchantRequestID","ResponseCode","ResponseDescription"]' \
  "ResponseCode is the STRING \"0\"" '.ResponseCode=="0"' \
  "CheckoutRequestID starts with ws_CO_" '.CheckoutRequestID|test("^ws_CO_[0-9A-Za-z_]+$")' \
  "MerchantRequestID is a non-empty string" '.MerchantRequestID|type=="string" and length>0' \
  "ResponseDescription and CustomerMessage are non-empty strings" \
  '(.ResponseDescription|type=="string" and length>0) and (.CustomerMessage|type=="string" and length>0)'
co=$(jv .CheckoutRequestID); mr=$(jv .MerchantRequestID)

if cb_wait "$(stk_cb_filter "$co")" 5; then ok "the success callback arrives"; else not_ok "the success callback arrives"; fi
jq_batch "${CB:-null}" \
  "it is a POST to the CallBackURL's path" '.method=="POST" and .path=="/stk"' \
  "callback Content-Type is application/json" '.headers["content-type"]|startswith("application/json")' \
  "callback carries no Authorization header" '.headers|has("authorization")|not'
item() { printf '.Body.stkCallback.CallbackMetadata.Item[]|select(.Name=="%s")' "$1"; }
cbtb "callback top level is exactly {Body:{stkCallback}}" '(keys==["Body"]) and (.Body|keys==["stkCallback"])' \
  "stkCallback has exactly the five keys of a success" \
  '.Body.stkCallback|keys|sort==["CallbackMetadata","CheckoutRequestID","MerchantRequestID","ResultCode","ResultDesc"]' \
  "MerchantRequestID and CheckoutRequestID match the push" \
  ".Body.stkCallback.MerchantRequestID==\"$mr\" and .Body.stkCallback.CheckoutRequestID==\"$co\"" \
  "ResultCode is the NUMBER 0" '.Body.stkCallback.ResultCode|type=="number" and .==0' \
  "ResultDesc is a non-empty string" '.Body.stkCallback.ResultDesc|type=="string" and length>0' \
  "CallbackMetadata.Item is an array of 5 named items" \
  '.Body.stkCallback.CallbackMetadata.Item|type=="array" and ([.[].Name]|sort)==["Amount","Balance","MpesaReceiptNumber","PhoneNumber","TransactionDate"]' \
  "Amount item: the number 150" "$(item Amount)|.Value|type==\"number\" and .==150" \
  "MpesaReceiptNumber: 10 upper-case alphanumerics" "$(item MpesaReceiptNumber)|.Value|type==\"string\" and test(\"^[A-Z0-9]{10}\$\")" \
  "Balance item has no Value key" "$(item Balance)|has(\"Value\")|not" \
  "TransactionDate: a 14-digit NUMBER" "$(item TransactionDate)|.Value|type==\"number\" and (tostring|test(\"^20[0-9]{12}\$\"))" \
  "PhoneNumber: the NUMBER $PAYER" "$(item PhoneNumber)|.Value|type==\"number\" and .==$PAYER"
# TransactionDate is Nairobi time: compare with our own EAT clock (both read as UTC)
tdate=$(jq -r "$(item TransactionDate)|.Value" <<<"$CB_JSON")
skew=$(jq -n --arg a "$(nbo_ts)" --arg b "$tdate" \
  '($a|strptime("%Y%m%d%H%M%S")|mktime) - ($b|strptime("%Y%m%d%H%M%S")|mktime) | fabs' 2>/dev/null)
check "TransactionDate is Nairobi time now (off by ${skew:-?} s)" test "${skew:-999}" -lt 300

post $QUERY "$(stk_query_body "$co")"
status_is 200 "query after the callback: HTTP 200"
jtb "query: ResultCode is the STRING \"0\"" '.ResultCode=="0"' \
  "query: ResponseCode \"0\", ResultDesc string, ids echo" \
  ".ResponseCode==\"0\" and (.ResultDesc|type==\"string\") and .CheckoutRequestID==\"$co\" and .MerchantRequestID==\"$mr\""

# ---- the open prompt: lock and pending query (first, while surely open) -----
t_push=$(now_ms_b)
post $PUSH "$(stk_body 254700001037 10)"; co_to=$(jv .CheckoutRequestID)
status_is 200 "push to the timeout number 254700001037 accepted"
post $PUSH "$(stk_body 254700001037 10)"
expect_err 500 500.001.1001 "^Unable to lock subscriber" "second push to a phone with an open prompt: 500.001.1001 Unable to lock subscriber"
post $QUERY "$(stk_query_body "$co_to")"
expect_err 500 500.001.1001 "^The transaction is being processed$" "query while the prompt is open: HTTP 500 500.001.1001 The transaction is being processed"
post $PUSH "$(stk_body 254222222222 10)"; co_to2=$(jv .CheckoutRequestID)
status_is 200 "push to the timeout alias 254222222222 accepted"
waited=$(( $(now_ms_b) - t_push ))
((waited < TTL - 500)) || echo "# warning: the machine is slow: ${waited} ms used of the ${TTL} ms prompt"

# ---- scenario numbers ---------------------------------------------------------
declare -A want=([254700000001]=1 [254700001032]=1032 [254700002001]=2001 [254111111111]=1
  [254333333333]=1032 [254712345678]=0 [254110000001]=0
  [254700001019]=1019 [254700000003]='"SFC_IC0003"')   # the last two: docs/daraja-sim.md extras
declare -A coid=()
for ph in "${!want[@]}"; do
  post $PUSH "$(stk_body "$ph" 10)"
  coid[$ph]=$(jv .CheckoutRequestID)
  [[ $CODE == 200 ]] || not_ok "push to $ph accepted" "HTTP $CODE $RESP"
done

for ph in "${!want[@]}"; do
  if cb_wait "$(stk_cb_filter "${coid[$ph]}")" 5; then
    if [[ ${want[$ph]} == 0 ]]; then
      cbtb "$ph ends with ResultCode 0 (a number)" '.Body.stkCallback.ResultCode==0' \
        "$ph (any other valid number) pays: CallbackMetadata present" '.Body.stkCallback|has("CallbackMetadata")'
    else
      cbtb "$ph ends with ResultCode ${want[$ph]} ($([[ ${want[$ph]} == '"'* ]] && echo a string || echo a number))" ".Body.stkCallback.ResultCode==${want[$ph]}" \
        "$ph failure callback has no CallbackMetadata" \
        '.Body.stkCallback|(has("CallbackMetadata")|not) and (keys|sort)==["CheckoutRequestID","MerchantRequestID","ResultCode","ResultDesc"]'
    fi
  else
    not_ok "callback for $ph arrives"
  fi
done

if cb_wait "$(stk_cb_filter "$co_to")" $((TTL / 1000 + 4)); then
  cbtb "254700001037 ends with ResultCode 1037" '.Body.stkCallback.ResultCode==1037' \
    "1037 callback has no CallbackMetadata" '.Body.stkCallback|has("CallbackMetadata")|not'
  elapsed=$(( $(jq -r .t_ms <<<"$CB") - t_push ))
  check "1037 arrives no earlier than the ${TTL} ms prompt TTL (took ${elapsed} ms)" test "$elapsed" -ge $((TTL - 100))
else
  not_ok "254700001037 callback arrives after the prompt TTL"
fi
if cb_wait "$(stk_cb_filter "$co_to2")" 3; then
  cbt "alias 254222222222 times out: ResultCode 1037" '.Body.stkCallback.ResultCode==1037'
else
  not_ok "254222222222 callback arrives after the prompt TTL"
fi

# the default-timing simulator: the callback after about 3 s, the prompt still open
if cb_wait "$(stk_cb_filter "$def_co")" 6; then
  took=$(($(jq .t_ms <<<"$CB") - def_t0))
  check "default --callback-delay-ms: the callback came after 3000 ms, not before (took $took ms)" test "$took" -ge 2900
else not_ok "default sim: the callback arrives"; fi
main_url=$SIM_URL main_token=$TOKEN; SIM_URL=$DEF_URL TOKEN=$DEF_TOKEN
post $QUERY "$(stk_query_body "$def_co_to")"
expect_err 500 500.001.1001 "^The transaction is being processed$" "default --prompt-ttl-ms: the prompt is still open after $(( ($(now_ms) - def_t0) / 1000 )) s"
SIM_URL=$main_url TOKEN=$main_token

post $QUERY "$(stk_query_body "$co_to")"
status_is 200 "query after the timeout: HTTP 200"
jt "query after the timeout: ResultCode is the STRING \"1037\"" '.ResultCode=="1037"'
post $QUERY "$(stk_query_body "${coid[254700001032]}")"
jt "query of a cancelled push: ResultCode \"1032\" (string)" '.ResultCode=="1032" and (.ResultDesc|type=="string")'
post $PUSH "$(stk_body 254700001037 10)"
status_is 200 "once the prompt has ended, the phone can be pushed again"

post $QUERY "$(stk_query_body ws_CO_00000000000000000000000000)"
expect_err 400 400.002.02 "" "query of an unknown CheckoutRequestID: 400.002.02"

# ---- request validation --------------------------------------------------------
# push_err DESC JQ_EDIT HTTP CODE MESSAGE_REGEX
push_err() {
  post $PUSH "$(stk_body 254712000100 10 "" "$2")"
  expect_err "$3" "$4" "$5" "$1"
}
push_err "wrong Password: HTTP 500 500.001.1001 Wrong credentials" \
  '.Password="'"$(stk_password 20160216165627)"'"' 500 500.001.1001 "^Wrong credentials"
push_err "Password for another passkey: Wrong credentials" \
  ".Password=\"$(stk_password "$(nbo_ts)" 174379 0000)\"" 500 500.001.1001 "^Wrong credentials"
for bad in 2025031410150 20250314101502Z 2025-03-14T10:15 abcdefghijklmn ""; do
  push_err "malformed Timestamp '$bad': 400.002.02 Invalid Timestamp" \
    ".Timestamp=\"$bad\" | .Password=\"$(stk_password "$bad")\"" 400 400.002.02 "^Bad Request - Invalid Timestamp$"
done
push_err "Timestamp as a number: 400.002.02 Invalid Timestamp" \
  ".Timestamp=12345 | .Password=\"$(stk_password 12345)\"" 400 400.002.02 "Invalid Timestamp"
utc=$(date -u +%Y%m%d%H%M%S)
post $PUSH "$(stk_body 254712000101 10 | jq -c --arg t "$utc" --arg p "$(stk_password "$utc")" '.Timestamp=$t|.Password=$p')"
status_is 200 "a UTC (non-Nairobi) timestamp with its matching Password is accepted"
post $PUSH "$(stk_body 254712000102 10 | jq -c --arg p "$(stk_password 20160216165627)" '.Timestamp="20160216165627"|.Password=$p')"
status_is 200 "the 2016 documentation timestamp with its Password is accepted"

for bad in 0708374149 25470837414 2547083741490 +254708374149 254-708374149 abc; do
  push_err "malformed PhoneNumber '$bad': 400.002.02 Invalid PhoneNumber" \
    ".PhoneNumber=\"$bad\"" 400 400.002.02 "^Bad Request - Invalid PhoneNumber$"
done
push_err "malformed PartyA: 400.002.02 Invalid PartyA" '.PartyA="07123"' 400 400.002.02 "^Bad Request - Invalid PartyA$"
for bad in 1.5 0 -10 '"1.5"' '"ten"' '""' null; do
  push_err "Amount $bad: 400.002.02 Invalid Amount" ".Amount=$bad" 400 400.002.02 "^Bad Request - Invalid Amount$"
done
push_err "AccountReference of 13 chars: 400.002.02" '.AccountReference="ABCDEFGHIJKLM"' 400 400.002.02 "AccountReference"
post $PUSH "$(stk_body 254712000103 10 "" '.AccountReference="ABCDEFGHIJKL"')"
status_is 200 "AccountReference of 12 chars is accepted"
push_err "missing CallBackURL: 400.002.02 Invalid CallBackURL" 'del(.CallBackURL)' 400 400.002.02 "^Bad Request - Invalid CallBackURL$"
push_err "CallBackURL not a URL: 400.002.02 Invalid CallBackURL" '.CallBackURL="not a url"' 400 400.002.02 "Invalid CallBackURL"
push_err "missing BusinessShortCode: 400.002.02" 'del(.BusinessShortCode)' 400 400.002.02 "BusinessShortCode"

post $PUSH "$(stk_body 254712000109 10 "" '.BusinessShortCode=999999 | .PartyB=999999')"
expect_err 500 500.001.1001 "^Merchant does not exist" "unknown BusinessShortCode: HTTP 500 500.001.1001 Merchant does not exist"
# Daraja reads no fields without Content-Type: application/json (API facts §1)
printf '%s' "$(stk_body 254712000110 10)" >"$T/noct.json"
_curl $PUSH -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type:' --data-binary @"$T/noct.json"
expect_err 400 400.002.02 "^Bad Request - Invalid " "no Content-Type: the misleading 400.002.02 Bad Request - Invalid <Field>"
_curl $PUSH -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/plain' --data-binary @"$T/noct.json"
expect_err 400 400.002.02 "^Bad Request - Invalid " "Content-Type text/plain: 400.002.02 as well"
_curl $PUSH -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json; charset=utf-8' --data-binary @"$T/noct.json"
status_is 200 "Content-Type application/json; charset=utf-8 is JSON"

for body in 'hello' '{"BusinessShortCode":174379,' '[1,2,3]' '"just a string"'; do
  post $PUSH "$body"
  expect_err 400 400.002.05 "^Invalid Request Payload$" "body '$body': 400.002.05 Invalid Request Payload"
done

post $PUSH "$(stk_body 254712000104 10 "" '.BusinessShortCode|=tostring | .Amount|=tostring | .PartyA|=tostring | .PartyB|=tostring | .PhoneNumber|=tostring')"
status_is 200 "every number sent as a string is accepted"
post $PUSH "$(stk_body 254712000105 10 "" '.TransactionDesc="Payment of X for 20"')"
status_is 200 "a 20-character TransactionDesc is accepted"
post $PUSH "$(stk_body 254712000106 10 "" '.TransactionType="CustomerPayBillOnline   "')"
status_is 200 "trailing spaces in TransactionType are accepted"
post $PUSH "$(stk_body 254712000107 10 "" '.TransactionType="CustomerBuyGoodsOnline"')"
status_is 200 "CustomerBuyGoodsOnline is accepted"
post $PUSH "$(stk_body 254712000108 10 "" '.AccountReference="Café №1"')"
status_is 200 "a non-ASCII AccountReference of 7 characters is accepted (characters, not bytes)"

check "the simulator is still up" sim_alive
t_done
