#!/usr/bin/env bash
# daraja-sim, black box: Account Balance (grammar and money movement),
# Transaction Status (both spellings of the conversation-id key), Reversal
# (RecieverIdentifierType sic, R000001, R000002).
. "$(dirname "$0")/sim_lib.sh"

BAL=/mpesa/accountbalance/v1/query
STATUS=/mpesa/transactionstatus/v1/query
REV=/mpesa/reversal/v1/request
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }
SIM_CRED=$(sec_cred)

# sync_async DESC: the §7 synchronous acceptance; sets CONV.
sync_async() {
  CONV=$(jq -r 'if .ResponseCode=="0" and (.ConversationID|startswith("AG_"))
      and (.OriginatorConversationID|type=="string" and length>0) then .ConversationID else "" end' <<<"$RESP" 2>/dev/null)
  if [[ $CODE == 200 && -n $CONV ]]; then ok "$1: accepted (ResponseCode \"0\", AG_ ConversationID)"
  else not_ok "$1: accepted" "HTTP $CODE $RESP"; fi
}
# result DESC: wait for the Result of $CONV into CB_JSON.
result() {
  if cb_wait "$(result_cb_filter "$CONV")" 5; then ok "$1: Result arrives"
  else not_ok "$1: Result arrives"; CB_JSON='{}'; fi
}

# cents AMOUNT: "-1234.50" -> -123450 (pure bash)
cents() {
  local v=$1 sign=1 w f
  [[ $v == -* ]] && { sign=-1; v=${v#-}; }
  w=${v%%.*}; f=00
  [[ $v == *.* ]] && { f=${v#*.}00; f=${f:0:2}; }
  echo $((sign * (10#${w:-0} * 100 + 10#$f)))
}
# fmt2 CENTS: -123450 -> "-1234.50"
fmt2() { local c=$1 s=; ((c < 0)) && { s=-; c=$((-c)); }; printf '%s%d.%02d' "$s" $((c / 100)) $((c % 100)); }
# diff2 A B: B - A with two decimals
diff2() { fmt2 $(($(cents "$2") - $(cents "$1"))); }
# acct NAME [FIELD 3=current 4=available]: one amount from $BALSTR.
acct() {
  local a f
  IFS='&' read -ra _accts <<<"$BALSTR"
  for a in "${_accts[@]}"; do
    IFS='|' read -ra f <<<"$a"
    [[ ${f[0]} == "$1" ]] && { echo "${f[${2:-4} - 1]}"; return; }
  done
}

# balance PARTY DESC: query, wait, check the grammar; sets BALSTR.
BALRE='^[A-Za-z][A-Za-z ]*\|KES\|-?[0-9]+\.[0-9]{2}\|-?[0-9]+\.[0-9]{2}\|-?[0-9]+\.[0-9]{2}\|-?[0-9]+\.[0-9]{2}$'
balance() {
  BALSTR=
  post $BAL "$(balance_body "$1")"
  sync_async "$2"
  result "$2"
  local bo='.Result.ResultParameters.ResultParameter|(if type=="array" then .[] else . end)|select(.Key=="BOCompletedTime")|.Value'
  cbtb "$2: ResultCode 0" '.Result.ResultCode==0' \
    "$2: BOCompletedTime is a 14-digit number" "$bo|type==\"number\" and (tostring|test(\"^20[0-9]{12}\$\"))"
  BALSTR=$(result_param AccountBalance)
  local a bad= unsum= f
  IFS='&' read -ra _accts <<<"$BALSTR"
  for a in "${_accts[@]}"; do
    if [[ $a =~ $BALRE ]]; then
      IFS='|' read -ra f <<<"$a"
      (($(cents "${f[2]}") == $(cents "${f[3]}") + $(cents "${f[4]}"))) || unsum+="[$a] "
    else
      bad+="[$a] "
    fi
  done
  if [[ -n $BALSTR && -z $bad ]]; then ok "$2: AccountBalance follows Name|KES|cur|avail|reserved|uncleared&…"
  else not_ok "$2: AccountBalance grammar" "AccountBalance: $BALSTR
bad accounts: $bad"; fi
  is "$unsum" "" "$2: Current = Available + Reserved for every account"
}

# ---- balance before/after an STK payment --------------------------------------
balance "$SIM_SHORTCODE" "balance of $SIM_SHORTCODE"
for name in "Working Account" "Utility Account"; do
  check "$SIM_SHORTCODE has a '$name'" test -n "$(acct "$name")"
done
u0=$(acct "Utility Account"); w0=$(acct "Working Account")

post /mpesa/stkpush/v1/processrequest "$(stk_body $PAYER 250)"
co=$(jv .CheckoutRequestID)
if cb_wait "$(stk_cb_filter "$co")" 5; then ok "STK payment of 250 completes"; else not_ok "STK payment of 250 completes"; fi
rcpt=$(jq -r '.Body.stkCallback.CallbackMetadata.Item[]|select(.Name=="MpesaReceiptNumber")|.Value' <<<"$CB_JSON")
like "$rcpt" '^[A-Z0-9]{10}$' "STK receipt $rcpt"

balance "$SIM_SHORTCODE" "balance after the STK payment"
u1=$(acct "Utility Account"); w1=$(acct "Working Account")
# Where collections land (Working or Utility) is not settled in the API facts;
# the money must land in exactly one of them, whole.
moved="$(diff2 "$u0" "$u1") $(diff2 "$w0" "$w1")"
check "STK payment of 250 credits Working or Utility by exactly 250.00 (utility,working moved: $moved)" \
  test "$moved" = "250.00 0.00" -o "$moved" = "0.00 250.00"

# ---- balance before/after a B2C payout ------------------------------------------
balance "$SIM_B2C_SHORTCODE" "balance of $SIM_B2C_SHORTCODE"
bu0=$(acct "Utility Account"); bw0=$(acct "Working Account")
oid=$(uuid)
post /mpesa/b2c/v3/paymentrequest "$(b2c_body $PAYER 100 | jq -c --arg o "$oid" '.OriginatorConversationID=$o')"
sync_async "B2C payout of 100"
b2c_conv=$CONV
result "B2C payout of 100"
cbt "B2C payout succeeded" '.Result.ResultCode==0'
b2c_rcpt=$(jq -r .Result.TransactionID <<<"$CB_JSON")
b2c_util=$(result_param B2CUtilityAccountAvailableFunds)
balance "$SIM_B2C_SHORTCODE" "balance after the B2C payout"
bu1=$(acct "Utility Account"); bw1=$(acct "Working Account")
is "$(diff2 "$bu0" "$bu1")" -100.00 "B2C payout of 100: Utility Account available -100.00"
is "$(diff2 "$bw0" "$bw1")" 0.00 "B2C payout: Working Account unchanged"
is "$(diff2 "$b2c_util" "$bu1")" 0.00 "the B2C Result's B2CUtilityAccountAvailableFunds equals the balance's Utility available"

post $BAL "$(balance_body "$SIM_B2C_SHORTCODE" | jq -c '.SecurityCredential="'"$(sec_cred 'nope')"'"')"
CONV=$(jv .ConversationID); result "balance with a wrong credential"
cbt "balance with a wrong credential: ResultCode 2001" '(.Result.ResultCode|tostring)=="2001"'

# ---- Transaction Status -------------------------------------------------------------
status_body() { # status_body JQ_EDIT
  jq -nc --arg ini "$SIM_INITIATOR" --arg cred "$SIM_CRED" --arg pa "$SIM_SHORTCODE" \
    --arg url "$RCV_URL/status/result" --arg qurl "$RCV_URL/status/timeout" '{
      Initiator: $ini, SecurityCredential: $cred, CommandID: "TransactionStatusQuery",
      PartyA: $pa, IdentifierType: "4", ResultURL: $url, QueueTimeOutURL: $qurl,
      Remarks: "status", Occasion: ""}' | jq -c "$@"
}
# sparam KEY...: the first of these ResultParameter keys that exists
sparam() { local k v; for k in "$@"; do v=$(result_param "$k"); [[ -n $v ]] && { echo "$v"; return; }; done; }

post $STATUS "$(status_body --arg r "$rcpt" '.TransactionID=$r')"
sync_async "status of STK receipt $rcpt"
result "status of STK receipt"
cbt "status by receipt: ResultCode 0" '.Result.ResultCode==0'
is "$(sparam ReceiptNo)" "$rcpt" "status by receipt: ReceiptNo is the receipt"
is "$(sparam TransactionStatus)" Completed "status by receipt: TransactionStatus Completed"
like "$(sparam Amount)" '^250(\.0+)?$' "status by receipt: Amount 250"
for k in DebitPartyName CreditPartyName ReasonType; do
  check "status by receipt: $k present" test -n "$(sparam "$k")"
done
like "$(sparam InitiatedTime)" '^20[0-9]{12}$' "status by receipt: InitiatedTime 14 digits"
like "$(sparam FinalisedTime FinalizedTime)" '^20[0-9]{12}$' "status by receipt: FinalisedTime 14 digits"

for key in OriginalConcersationID OriginalConversationID; do
  post $STATUS "$(status_body --arg o "$oid" ".$key=\$o | .PartyA=\"$SIM_B2C_SHORTCODE\"")"
  sync_async "status by $key"
  result "status by $key"
  cbt "status by $key: ResultCode 0" '.Result.ResultCode==0'
  is "$(sparam ReceiptNo)" "$b2c_rcpt" "status by $key finds the B2C receipt"
  like "$(sparam ConversationID "Conversation ID")" "^$b2c_conv$" "status by $key: ConversationID of the payout"
done

post $STATUS "$(status_body '.TransactionID="QQQ0000000"')"
sync_async "status of an unknown receipt"
result "status of an unknown receipt"
cbt "status of an unknown receipt: ResultCode is not 0" '(.Result.ResultCode|tostring)!="0"'

# ---- Reversal ---------------------------------------------------------------------
rev_body() { # rev_body RECEIPT AMOUNT
  jq -nc --arg ini "$SIM_INITIATOR" --arg cred "$SIM_CRED" --arg r "$1" --arg a "$2" \
    --arg sc "$SIM_SHORTCODE" --arg url "$RCV_URL/reversal/result" --arg qurl "$RCV_URL/reversal/timeout" '{
      Initiator: $ini, SecurityCredential: $cred, CommandID: "TransactionReversal",
      TransactionID: $r, Amount: ($a|tonumber), ReceiverParty: ($sc|tonumber),
      RecieverIdentifierType: "11", ResultURL: $url, QueueTimeOutURL: $qurl,
      Remarks: "wrong amount", Occasion: ""}'
}
balance "$SIM_SHORTCODE" "balance before the reversal"
u2=$(acct "Utility Account"); w2=$(acct "Working Account")
post $REV "$(rev_body "$rcpt" 250)"
sync_async "reversal of $rcpt"
result "reversal of $rcpt"
cbt "reversal: ResultCode 0" '.Result.ResultCode==0'
is "$(sparam OriginalTransactionID)" "$rcpt" "reversal: OriginalTransactionID is the receipt"
cbt "reversal: TransactionID is a new receipt" '.Result.TransactionID|test("^[A-Z0-9]{10}$") and .!=$r' --arg r "$rcpt"
for k in DebitAccountBalance Amount TransCompletedTime CreditPartyPublicName DebitPartyPublicName; do
  check "reversal: $k present" test -n "$(sparam "$k")"
done
balance "$SIM_SHORTCODE" "balance after the reversal"
moved="$(diff2 "$u2" "$(acct "Utility Account")") $(diff2 "$w2" "$(acct "Working Account")")"
if [[ $moved == "$(diff2 "$u1" "$u0") $(diff2 "$w1" "$w0")" ]]; then
  ok "reversal of 250 takes 250.00 back from the account the payment credited ($moved)"
else
  not_ok "reversal of 250 takes 250.00 back from the account the payment credited" "utility,working moved: $moved"
fi

post $REV "$(rev_body "$rcpt" 250)"
sync_async "second reversal of $rcpt"
result "second reversal of $rcpt"
cbt "reversing an already-reversed receipt: ResultCode R000001" '(.Result.ResultCode|tostring)=="R000001"'
post $REV "$(rev_body QQQ0000000 250)"
sync_async "reversal of an unknown receipt"
result "reversal of an unknown receipt"
cbt "reversing an unknown receipt: ResultCode R000002" '(.Result.ResultCode|tostring)=="R000002"'

check "the simulator is still up" sim_alive
t_done
