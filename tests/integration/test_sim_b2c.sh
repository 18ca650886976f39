#!/usr/bin/env bash
# daraja-sim, black box: B2C v1 and v3 (sync answer, Result callback,
# duplicate OriginatorConversationID, bad SecurityCredential, insufficient
# utility balance).
. "$(dirname "$0")/sim_lib.sh"

V1=/mpesa/b2c/v1/paymentrequest
V3=/mpesa/b2c/v3/paymentrequest
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }
SIM_CRED=$(sec_cred)
check "the SecurityCredential certificate exists ($SIM_CERT)" test -s "$SIM_CERT"
cred=$SIM_CRED
is "${#cred}" 344 "SecurityCredential is 344 base64 characters (RSA-2048)"

# sync_ok DESC: the §7 synchronous acceptance
sync_ok() {
  status_is 200 "$1: HTTP 200"
  jt "$1: OriginatorConversationID, ConversationID (AG_…), ResponseCode \"0\", ResponseDescription" \
    '(.OriginatorConversationID|type=="string" and length>0)
     and (.ConversationID|test("^AG_[0-9]{8}_[0-9a-zA-Z]+$"))
     and .ResponseCode=="0" and (.ResponseDescription|type=="string" and length>0)'
}

# ---- v1 success --------------------------------------------------------------
post $V1 "$(b2c_body $PAYER 100)"
sync_ok "B2C v1"
conv1=$(jv .ConversationID); orig1=$(jv .OriginatorConversationID)
if cb_wait "$(result_cb_filter "$conv1")" 5; then ok "v1 Result callback arrives"; else not_ok "v1 Result callback arrives"; fi
jq_batch "${CB:-null}" \
  "the Result goes to ResultURL" '.path=="/b2c/result"' \
  "Result carries no Authorization header" '.headers|has("authorization")|not'
rp() { printf '.Result.ResultParameters.ResultParameter[]|select(.Key=="%s")|.Value' "$1"; }
cbtb "Result: ResultType 0, ResultCode NUMBER 0, ResultDesc string" \
  '.Result.ResultType==0 and (.Result.ResultCode|type=="number") and .Result.ResultCode==0 and (.Result.ResultDesc|type=="string")' \
  "Result echoes OriginatorConversationID and ConversationID" \
  ".Result.OriginatorConversationID==\"$orig1\" and .Result.ConversationID==\"$conv1\"" \
  "TransactionID: 10 upper-case alphanumerics" '.Result.TransactionID|test("^[A-Z0-9]{10}$")' \
  "ResultParameters.ResultParameter is an array with the 8 B2C keys" \
  '[.Result.ResultParameters.ResultParameter[].Key]|sort==["B2CChargesPaidAccountAvailableFunds","B2CRecipientIsRegisteredCustomer","B2CUtilityAccountAvailableFunds","B2CWorkingAccountAvailableFunds","ReceiverPartyPublicName","TransactionAmount","TransactionCompletedDateTime","TransactionReceipt"]' \
  "TransactionAmount is the number 100" "$(rp TransactionAmount)|type==\"number\" and .==100" \
  "TransactionReceipt equals TransactionID" "($(rp TransactionReceipt))==.Result.TransactionID" \
  "B2CRecipientIsRegisteredCustomer is Y or N" "$(rp B2CRecipientIsRegisteredCustomer)|.==\"Y\" or .==\"N\"" \
  "TransactionCompletedDateTime is DD.MM.YYYY HH:mm:ss" \
  "$(rp TransactionCompletedDateTime)|test(\"^[0-3][0-9]\\\\.[01][0-9]\\\\.20[0-9]{2} [0-2][0-9]:[0-5][0-9]:[0-5][0-9]\$\")" \
  "ReceiverPartyPublicName is 'MSISDN - Name' for $PAYER" "$(rp ReceiverPartyPublicName)|test(\"^2547[0-9*]*[0-9]{3} - .+\")" \
  "B2CUtilityAccountAvailableFunds is a number" "$(rp B2CUtilityAccountAvailableFunds)|type==\"number\"" \
  "B2CWorkingAccountAvailableFunds is a number" "$(rp B2CWorkingAccountAvailableFunds)|type==\"number\"" \
  "B2CChargesPaidAccountAvailableFunds is a number" "$(rp B2CChargesPaidAccountAvailableFunds)|type==\"number\"" \
  "ReferenceData.ReferenceItem is present (object or array)" \
  '.Result.ReferenceData.ReferenceItem|type=="object" or type=="array"'
dt=$(result_param TransactionCompletedDateTime)
nowdt=$(TZ=UTC0 printf '%(%d.%m.%Y %H)T' $((EPOCHSECONDS + 10800)))
like "$dt" "^${nowdt//./\\.}" "TransactionCompletedDateTime is Nairobi time (this hour)"
util1=$(result_param B2CUtilityAccountAvailableFunds)

# ---- v3 ------------------------------------------------------------------------
oid=$(uuid)
post $V3 "$(b2c_body $PAYER 250 | jq -c --arg o "$oid" '.OriginatorConversationID=$o | .CommandID="SalaryPayment"')"
sync_ok "B2C v3"
jt "v3 echoes our OriginatorConversationID" ".OriginatorConversationID==\"$oid\""
conv3=$(jv .ConversationID)
check "v3 ConversationID differs from v1's" test "$conv3" != "$conv1"
post $V3 "$(b2c_body $PAYER 250 | jq -c --arg o "$oid" '.OriginatorConversationID=$o')"
expect_err 500 500.002.1001 "Duplicate" "v3 duplicate OriginatorConversationID: HTTP 500 500.002.1001"
if cb_wait "$(result_cb_filter "$conv3")" 5; then
  cbt "v3 Result: ResultCode 0 and our OriginatorConversationID" \
    '.Result.ResultCode==0 and .Result.OriginatorConversationID==$o' --arg o "$oid"
  util2=$(result_param B2CUtilityAccountAvailableFunds)
  check "utility funds fall by exactly the amount paid ($util1 -> $util2, paid 250)" \
    awk -v a="$util1" -v b="$util2" 'BEGIN{exit !((a - b) == 250)}'
else
  not_ok "v3 Result callback arrives"
fi
nap 0.3
is "$(cb_count "$(result_cb_filter "$conv3")")" 1 "exactly one Result for the v3 payment (the duplicate was not processed)"
post $V3 "$(b2c_body $PAYER 250)"
check "v3 without OriginatorConversationID is refused (4xx)" test "${CODE:0:1}" = 4

# ---- failures in the Result --------------------------------------------------------
post $V1 "$(b2c_body $PAYER 100 "" "$(sec_cred 'WrongPassword1!')")"
sync_ok "B2C with a credential for the wrong password"
conv=$(jv .ConversationID)
if cb_wait "$(result_cb_filter "$conv")" 5; then
  cbt "wrong initiator password: Result ResultCode 2001" '(.Result.ResultCode|tostring)=="2001"'
else not_ok "Result for the wrong credential arrives"; fi

post $V1 "$(b2c_body $PAYER 100 "" "$(printf 'not encrypted at all' | base64 -w0)")"
if [[ $CODE == 200 ]]; then
  conv=$(jv .ConversationID)
  if cb_wait "$(result_cb_filter "$conv")" 5; then
    cbt "credential that does not decrypt: Result ResultCode 2001" '(.Result.ResultCode|tostring)=="2001"'
  else not_ok "Result for the undecryptable credential arrives"; fi
else
  expect_err 400 400.002.02 "SecurityCredential" "undecryptable credential: 2001 in the Result or 400.002.02 Invalid SecurityCredential"
fi

util=${util2:-$util1}
too_much=$(awk -v u="$util" 'BEGIN{printf "%d", u + 1}')
post $V1 "$(b2c_body $PAYER "$too_much")"
sync_ok "B2C above the utility balance ($too_much)"
conv=$(jv .ConversationID)
if cb_wait "$(result_cb_filter "$conv")" 5; then
  cbt "amount above the utility balance: Result ResultCode 1" '(.Result.ResultCode|tostring)=="1"'
else not_ok "Result for the oversized payment arrives"; fi

# after a failure, funds are unchanged: pay 1 and compare
post $V1 "$(b2c_body $PAYER 10)"
conv=$(jv .ConversationID)
if cb_wait "$(result_cb_filter "$conv")" 5; then
  util3=$(result_param B2CUtilityAccountAvailableFunds)
  check "failed payouts moved no money ($util -> $util3 after paying 10)" \
    awk -v a="$util" -v b="$util3" 'BEGIN{exit !((a - b) == 10)}'
else not_ok "Result for the 10 KES payment arrives"; fi

# ---- request validation ------------------------------------------------------------
b2c_err() { # DESC JQ_EDIT FIELD_REGEX
  post $V1 "$(b2c_body $PAYER 100 | jq -c "$2")"
  expect_err 400 400.002.02 "$3" "$1"
}
b2c_err "Remarks of 101 chars: 400.002.02 Invalid Remarks" ".Remarks=\"$(printf 'R%.0s' {1..101})\"" "Remarks"
b2c_err "fractional Amount: 400.002.02 Invalid Amount" '.Amount=10.5' "Amount"
b2c_err "PartyB not an MSISDN: 400.002.02" '.PartyB="0712"' "PartyB"
b2c_err "missing ResultURL: 400.002.02" 'del(.ResultURL)' "ResultURL"
post $V1 '{"InitiatorName":'
expect_err 400 400.002.05 "Invalid Request Payload" "truncated JSON: 400.002.05"
post $V1 "$(b2c_body $PAYER 100 | jq -c '.Remarks="'"$(printf 'R%.0s' {1..100})"'" | .Amount="100" | .PartyA="'"$SIM_B2C_SHORTCODE"'" | .PartyB="'"$PAYER"'"')"
status_is 200 "Remarks of 100 chars and numbers as strings are accepted"

check "the simulator is still up" sim_alive
t_done
