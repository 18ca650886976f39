#!/usr/bin/env bash
# daraja-sim, black box: C2B register URL (v1, v2), simulate, validation and
# confirmation callbacks, validation rejection, MSISDN privacy per version.
. "$(dirname "$0")/sim_lib.sh"

SC=$SIM_C2B_SHORTCODE
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }

# reg_body [JQ_ARGS...]: a valid register-URL request, optionally edited.
reg_body() {
  local edit=. extra=()
  if (($#)); then edit=${*: -1}; extra=("${@:1:$#-1}"); fi
  jq -nc --arg sc "$SC" --arg c "$RCV_URL/c2b/confirm" --arg v "$RCV_URL/c2b/validate" "${extra[@]}" \
    '{ShortCode: $sc, ResponseType: "Completed", ConfirmationURL: $c, ValidationURL: $v} | '"$edit"
}
# sim_body AMOUNT BILLREF [COMMAND]: a C2B simulate request.
sim_body() {
  jq -nc --arg sc "$SC" --arg a "$1" --arg r "$2" --arg c "${3:-CustomerPayBillOnline}" --arg m "$PAYER" \
    '{ShortCode: ($sc|tonumber), CommandID: $c, Amount: ($a|tonumber), Msisdn: ($m|tonumber), BillRefNumber: $r}'
}
# c2b_pay VERSION AMOUNT BILLREF [COMMAND]: simulate and check the sync answer.
c2b_pay() {
  post "/mpesa/c2b/$1/simulate" "$(sim_body "$2" "$3" "${4:-}")"
  if [[ $CODE == 200 ]] && jq -e 'has("OriginatorCoversationID") and .ResponseCode=="0"
      and (.ResponseDescription|type=="string")' <<<"$RESP" >/dev/null 2>&1; then
    ok "$1 simulate $3: HTTP 200, OriginatorCoversationID (sic), ResponseCode \"0\""
  else
    not_ok "$1 simulate $3: accepted" "HTTP $CODE $RESP"
  fi
}
VFIELDS='["BillRefNumber","BusinessShortCode","FirstName","InvoiceNumber","LastName","MSISDN","MiddleName","OrgAccountBalance","ThirdPartyTransID","TransAmount","TransID","TransTime","TransactionType"]'
# check_notification KIND BILLREF AMOUNT TYPE: assertions on $CB_JSON
check_notification() {
  local k=$1
  cbtb "$k: exactly the 13 C2B fields" "keys|sort==$VFIELDS" \
    "$k: every value is a string" '[.[]|type=="string"]|all' \
    "$k: TransactionType \"$4\"" ".TransactionType==\"$4\"" \
    "$k: TransID is 10 upper-case alphanumerics" '.TransID|test("^[A-Z0-9]{10}$")' \
    "$k: TransTime is 14 digits" '.TransTime|test("^20[0-9]{12}$")' \
    "$k: TransAmount is $3" ".TransAmount|test(\"^$3(\\\\.00)?\$\")" \
    "$k: BusinessShortCode is $SC" ".BusinessShortCode==\"$SC\"" \
    "$k: BillRefNumber is '$2'" ".BillRefNumber==\"$2\""
}
conf_of() { printf '.path=="/c2b/confirm" and .json.BillRefNumber=="%s"' "$1"; }
val_of() { printf '.path=="/c2b/validate" and .json.BillRefNumber=="%s"' "$1"; }

# ============================== v1 ==============================
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }
REG=/mpesa/c2b/v1/registerurl

for rt in completed COMPLETED Canceled Foo ""; do
  post $REG "$(reg_body --arg rt "$rt" '.ResponseType=$rt')"
  expect_err 400 400.002.02 "ResponseType" "ResponseType '$rt' refused: 400.002.02 naming ResponseType"
done
for word in mpesa M-PESA Safaricom exe exec cmd SQL query; do
  post $REG "$(reg_body --arg u "$RCV_URL/pay/${word}/confirm" '.ConfirmationURL=$u')"
  expect_err 400 400.002.02 "" "ConfirmationURL containing '$word' refused: 400.002.02"
done
post $REG "$(reg_body --arg u "$RCV_URL/MPesaValidate" '.ValidationURL=$u')"
expect_err 400 400.002.02 "" "ValidationURL containing 'MPesa' refused: 400.002.02"
post $REG "$(reg_body 'del(.ConfirmationURL)')"
expect_err 400 400.002.02 "ConfirmationURL" "missing ConfirmationURL: 400.002.02"
post $REG '{"ShortCode":'
expect_err 400 400.002.05 "Invalid Request Payload" "truncated register body: 400.002.05"

post $REG "$(reg_body)"
status_is 200 "v1 register: HTTP 200"
jt "v1 register: OriginatorCoversationID (sic) string, ResponseCode \"0\", ResponseDescription" \
  '(.OriginatorCoversationID|type=="string" and length>0) and .ResponseCode=="0" and (.ResponseDescription|type=="string")'
jt "v1 register: no correctly spelled OriginatorConversationID key" 'has("OriginatorConversationID")|not'
post $REG "$(reg_body)"
expect_err 500 500.003.1001 "Urls are already registered" "re-registering: HTTP 500 500.003.1001 Urls are already registered"
post $REG "$(reg_body --arg u "$RCV_URL/other/confirm" '.ConfirmationURL=$u')"
expect_err 500 500.003.1001 "already registered" "re-registering other URLs: 500.003.1001 as well"

# pay bill through v1
c2b_pay v1 100 INV-2041
cb_wait "$(conf_of INV-2041)" 5 || not_ok "v1 confirmation for INV-2041 arrives"
conf=$CB; conf_json=$CB_JSON
if cb_wait "$(val_of INV-2041)" 1; then ok "v1 validation for INV-2041 arrived"; else not_ok "v1 validation for INV-2041 arrived"; fi
val=$CB
check_notification "v1 validation" INV-2041 100 "Pay Bill"
check "validation came before confirmation" test "$(jq .seq <<<"$val")" -lt "$(jq .seq <<<"$conf")"
is "$(jq -r '.headers.authorization // "none"' <<<"$val")" none "validation carries no Authorization header"
like "$(jq -r '.headers["content-type"]' <<<"$val")" "^application/json" "validation Content-Type is application/json"
cbt "v1 validation: MSISDN is the SHA-256 hex of $PAYER" '.MSISDN==$h' \
  --arg h "$(printf %s $PAYER | sha256sum | cut -d' ' -f1)"
CB_JSON=$conf_json
check_notification "v1 confirmation" INV-2041 100 "Pay Bill"
cbt "confirmation has the validation's TransID" '.TransID==$t' --arg t "$(jq -r .json.TransID <<<"$val")"
cbt "confirmation: OrgAccountBalance is an amount string" '.OrgAccountBalance|test("^-?[0-9]+(\\.[0-9]{2})?$")'
cbt "v1 confirmation: MSISDN is the SHA-256 hex of $PAYER" '.MSISDN|test("^[0-9a-f]{64}$")'
bal1=$(jq -r .OrgAccountBalance <<<"$conf_json")

c2b_pay v1 250 INV-2042
if cb_wait "$(conf_of INV-2042)" 5; then
  bal2=$(jq -r .OrgAccountBalance <<<"$CB_JSON")
  check "OrgAccountBalance grows by the amount paid ($bal1 -> $bal2, paid 250)" \
    awk -v a="$bal1" -v b="$bal2" 'BEGIN{exit !((b - a) == 250)}'
else not_ok "confirmation for INV-2042 arrives"; fi

c2b_pay v1 75 "" CustomerBuyGoodsOnline
if cb_wait "$(conf_of "")" 5; then
  cbt "buy goods: TransactionType \"Buy Goods\"" '.TransactionType=="Buy Goods"'
  cbt "buy goods: TransAmount 75" '.TransAmount|test("^75(\\.00)?$")'
else not_ok "buy-goods confirmation arrives"; fi

# validation rejection stops the payment
echo C2B00012 >"$RCV_REJECT"
c2b_pay v1 100 REJECT-ME
if cb_wait "$(val_of REJECT-ME)" 5; then ok "validation for REJECT-ME arrives (and is rejected)"; else not_ok "validation for REJECT-ME arrives"; fi
rm -f "$RCV_REJECT"
c2b_pay v1 100 AFTER-REJECT
if cb_wait "$(conf_of AFTER-REJECT)" 5; then ok "the next (accepted) payment is confirmed"; else not_ok "confirmation for AFTER-REJECT arrives"; fi
nap 0.3
is "$(cb_count "$(conf_of REJECT-ME)")" 0 "a rejected validation means no confirmation"

post /mpesa/c2b/v1/simulate "$(sim_body 10.5 FRAC)"
expect_err 400 400.002.02 "Amount" "simulate with a fractional Amount: 400.002.02"
post /mpesa/c2b/v1/simulate "$(sim_body 10 BADMSISDN | jq -c '.Msisdn="0708374149"')"
expect_err 400 400.002.02 "Msisdn|MSISDN" "simulate with a national-format Msisdn: 400.002.02"
post /mpesa/c2b/v1/simulate "$(sim_body 10 X 'Pay')"
expect_err 400 400.002.02 "CommandID" "simulate with an unknown CommandID: 400.002.02"
stop_sim

# ============================== v2 ==============================
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim (v2) starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }
post /mpesa/c2b/v2/registerurl "$(reg_body '.ResponseType="Cancelled"')"
status_is 200 "v2 register with ResponseType Cancelled: HTTP 200"
jt "v2 register: OriginatorCoversationID (sic), ResponseCode \"0\"" 'has("OriginatorCoversationID") and .ResponseCode=="0"'
post /mpesa/c2b/v2/registerurl "$(reg_body '.ResponseType="Cancelled"')"
expect_err 500 500.003.1001 "Urls are already registered" "v2 re-registering: 500.003.1001"
post /mpesa/c2b/v2/registerurl "$(reg_body --arg u "$RCV_URL/sql/c" '.ConfirmationURL=$u')"
expect_err 400 400.002.02 "" "v2 forbidden word 'sql' in a URL: 400.002.02"

c2b_pay v2 300 INV-V2
if cb_wait "$(conf_of INV-V2)" 5; then
  check_notification "v2 confirmation" INV-V2 300 "Pay Bill"
  cbt "v2: MSISDN is masked (2547 … ***** … last 3 digits), not the full number" \
    '.MSISDN|test("^2547[0-9]? ?\\*+ ?[0-9]{0,2}149$") and (contains("254708374149")|not)'
else not_ok "v2 confirmation arrives"; fi
if cb_wait "$(val_of INV-V2)" 1; then
  cbt "v2 validation: MSISDN masked too" '.MSISDN|contains("*")'
else not_ok "v2 validation arrives"; fi
stop_sim

check "C2B suite ends with the receiver alive" kill -0 "$RCV_PID"
t_done
