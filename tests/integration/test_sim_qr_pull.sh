#!/usr/bin/env bash
# daraja-sim, black box: Dynamic QR (a real PNG whose payload zbarimg reads)
# and Pull Transactions (register, query: nested list, lower-case keys,
# "1000" / "1001").
. "$(dirname "$0")/sim_lib.sh"

QR=/mpesa/qrcode/v1/generate
start_receiver || { not_ok "receiver starts"; t_done; exit 1; }
start_sim --callback-delay-ms 100 || { not_ok "daraja-sim starts"; t_done; exit 1; }
sim_token || { t_done; exit 1; }

qr_body() {
  jq -nc '{MerchantName: "Acme Ltd", RefNo: "INV-2041", Amount: 500, TrxCode: "BG", CPI: "373132", Size: "300"}' |
    jq -c "${@:-.}"
}

# ---- Dynamic QR ----------------------------------------------------------------
post $QR "$(qr_body)"
status_is 200 "QR generate: HTTP 200"
jt "QR: ResponseCode \"00\" or \"0\" (a string), ResponseDescription string" \
  '(.ResponseCode=="00" or .ResponseCode=="0") and (.ResponseDescription|type=="string")'
jt "QR: QRCode is a base64 string" '.QRCode|type=="string" and test("^[A-Za-z0-9+/]+={0,2}$")'
jv .QRCode | base64 -d >"$T/qr.png" 2>/dev/null
is "$(head -c 8 "$T/qr.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "QRCode decodes to a PNG (signature)"
# IHDR: width and height, big-endian, bytes 16..23
w=$(od -An -tu1 -j16 -N4 "$T/qr.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
h=$(od -An -tu1 -j20 -N4 "$T/qr.png" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
check "PNG is square (${w}x${h})" test -n "$w" -a "$w" = "$h"
check "PNG side is about Size=300 px (got $w)" test "${w:-0}" -ge 240 -a "${w:-0}" -le 360
if command -v zbarimg >/dev/null; then
  payload=$(zbarimg --raw -q "$T/qr.png" 2>/dev/null)
  check "zbarimg decodes a QR payload" test -n "$payload"
  like "$payload" "INV-2041" "the payload contains the RefNo INV-2041"
  like "$payload" "500" "the payload contains the Amount 500"
  like "$payload" "373132" "the payload contains the CPI 373132"
else
  not_ok "zbarimg is installed (package zbar-tools)"
fi

post $QR "$(qr_body '.RefNo="REF-77" | .Amount="1234" | .Size="200"')"
status_is 200 "QR with Amount as a string: HTTP 200"
jv .QRCode | base64 -d >"$T/qr2.png" 2>/dev/null
payload=$(zbarimg --raw -q "$T/qr2.png" 2>/dev/null)
like "$payload" "REF-77" "second QR payload contains REF-77"
like "$payload" "1234" "second QR payload contains 1234"

for code in BG WA PB SM SB; do
  cpi=373132; [[ $code == SM || $code == SB ]] && cpi=$PAYER
  post $QR "$(qr_body --arg c "$code" --arg p "$cpi" '.TrxCode=$c | .CPI=$p')"
  status_is 200 "TrxCode $code accepted"
done
for code in XX bg "" 12; do
  post $QR "$(qr_body --arg c "$code" '.TrxCode=$c')"
  status_is 400 "TrxCode '$code': HTTP 400"
  jt "TrxCode '$code': error names TrxCode" '.errorMessage|test("TrxCode")'
done
post $QR "$(qr_body '.Amount=10.5')"
status_is 400 "QR with a fractional Amount: HTTP 400"
post $QR '{"MerchantName":"Acme'
status_is 400 "QR with truncated JSON: HTTP 400"

# ---- Pull Transactions -----------------------------------------------------------
SC=$SIM_C2B_SHORTCODE
post /pulltransactions/v1/register "$(jq -nc --arg sc "$SC" --arg cb "$RCV_URL/pull/cb" \
  '{ShortCode: $sc, RequestType: "Pull", NominatedNumber: "254708374149", CallBackURL: $cb}')"
status_is 200 "pull register: HTTP 200"
jt "pull register: ResponseStatus \"1000\" (string), ShortCode, ResponseDescription" \
  '.ResponseStatus=="1000" and .ShortCode==$sc and (.ResponseDescription|type=="string")' --arg sc "$SC"

pull_query() { # START END [OFFSET]
  post /pulltransactions/v1/query "$(jq -nc --arg sc "$SC" --arg s "$1" --arg e "$2" --arg o "${3:-0}" \
    '{ShortCode: $sc, StartDate: $s, EndDate: $e, OffSetValue: $o}')"
}
pull_query "2019-01-01 00:00:00" "2019-01-02 00:00:00"
status_is 200 "pull query of an empty window: HTTP 200"
jt "empty window: ResponseCode \"1001\" and a message" '.ResponseCode=="1001" and (.ResponseMessage|type=="string" and length>0)'

# a C2B payment to pull
post /mpesa/c2b/v1/registerurl "$(jq -nc --arg sc "$SC" --arg c "$RCV_URL/c2b/confirm" --arg v "$RCV_URL/c2b/validate" \
  '{ShortCode: $sc, ResponseType: "Completed", ConfirmationURL: $c, ValidationURL: $v}')"
status_is 200 "register C2B URLs for $SC"
post /mpesa/c2b/v1/simulate "$(jq -nc --arg sc "$SC" \
  '{ShortCode: ($sc|tonumber), CommandID: "CustomerPayBillOnline", Amount: 420, Msisdn: 254708374149, BillRefNumber: "PULL-1"}')"
status_is 200 "C2B payment of 420 for PULL-1"
if cb_wait '.path=="/c2b/confirm" and .json.BillRefNumber=="PULL-1"' 5; then
  tid=$(jq -r .TransID <<<"$CB_JSON"); ok "PULL-1 confirmed ($tid)"
else tid=none; not_ok "PULL-1 confirmed"; fi

pull_query "$(nbo_datetime -3600)" "$(nbo_datetime 3600)"
status_is 200 "pull query of the last hour: HTTP 200"
jt "pull query: ResponseCode \"1000\"" '.ResponseCode=="1000"'
jt "pull query: Response is a list nested in a list" '.Response|type=="array" and (.[0]|type=="array")'
jt "pull query: the PULL-1 payment is listed by transactionId" \
  '[.Response[][]|select(.transactionId==$t)]|length==1' --arg t "$tid"
row='.Response[][]|select(.transactionId==$t)'
jt "pull row: lower-case keys transactionId trxDate msisdn transactiontype billreference amount" \
  "$row|has(\"trxDate\") and has(\"msisdn\") and has(\"transactiontype\") and has(\"billreference\") and has(\"amount\")" --arg t "$tid"
jt "pull row: billreference PULL-1, amount 420" \
  "$row|.billreference==\"PULL-1\" and (.amount|tostring|test(\"^420(\\\\.00)?\$\"))" --arg t "$tid"
jt "pull row: msisdn is the FULL number" "$row|(.msisdn|tostring)==\"$PAYER\"" --arg t "$tid"
jt "pull row: trxDate is in the window (YYYY-MM-DD HH:mm:ss)" \
  "$row|.trxDate|tostring|test(\"^20[0-9]{2}-[01][0-9]-[0-3][0-9][ T][0-2][0-9]:[0-5][0-9]:[0-5][0-9]\")" --arg t "$tid"

pull_query "$(nbo_datetime -3600)" "$(nbo_datetime 3600)" 1000
jt "pull query far past the last page: ResponseCode \"1001\" or an empty list" \
  '.ResponseCode=="1001" or ([.Response[]?[]?]|length==0)'

check "the simulator is still up" sim_alive
t_done
