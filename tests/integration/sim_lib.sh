# tests/integration/sim_lib.sh: helpers for the daraja-sim black-box suites.
#
# The suites drive the simulator over HTTP with curl, exactly as a third-party
# integrator would, and receive its callbacks with cb_receiver.py. They use
# none of our own C client code. Source after nothing else:
#   . "$(dirname "$0")/sim_lib.sh"
# (it sources tests/lib.sh itself).
#
# Conventions: `post`/`get` leave the HTTP status in $CODE, the body in $RESP
# (file $T/resp) and curl's exit status in $CURL_RC. `jt DESC FILTER` asserts
# a jq filter on $RESP; `cb_wait` finds a recorded callback.

. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# The simulator finds its default key files relative to the tree's root.
cd "$ROOT" || exit 1

for _tool in curl jq openssl python3; do
  command -v "$_tool" >/dev/null || { echo "Bail out! $_tool is missing (scripts/deps.sh installs it)"; exit 1; }
done

# Sandbox values the simulator ships with (docs/daraja-sim.md).
SIM_KEY=${SIM_KEY:-sim-consumer-key}
SIM_SECRET=${SIM_SECRET:-sim-consumer-secret}
SIM_SHORTCODE=${SIM_SHORTCODE:-174379}
SIM_PASSKEY=${SIM_PASSKEY:-bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919}
SIM_B2C_SHORTCODE=${SIM_B2C_SHORTCODE:-600000}
SIM_C2B_SHORTCODE=${SIM_C2B_SHORTCODE:-600000}
SIM_INITIATOR=${SIM_INITIATOR:-testapi}
SIM_INITIATOR_PW=${SIM_INITIATOR_PW:-'Safaricom999!*!'}
SIM_CERT=${SIM_CERT:-$ROOT/assets/sim-cert.pem}
PAYER=254708374149

CODE=000
RESP=
CURL_RC=0
TOKEN=

# ---------------------------------------------------------------- no secrets in output
# Failure details quote response bodies; mask every secret and token first.
SIM_SECRETS=("$SIM_SECRET" "$SIM_PASSKEY" "$SIM_INITIATOR_PW")
# sim_secret VALUE: remember a value that must never be printed (tokens).
sim_secret() { [[ -n ${1:-} ]] && SIM_SECRETS+=("$1"); return 0; }
sim_mask() {
  local t=$1 x
  for x in "${SIM_SECRETS[@]}" "$TOKEN"; do [[ -n $x ]] && t=${t//"$x"/***}; done
  shopt -s extglob
  t=${t//\"access_token\":\"+([^\"])\"/\"access_token\":\"***\"}
  t=${t//\"Password\":\"+([^\"])\"/\"Password\":\"***\"}
  t=${t//Invalid Access Token - +([A-Za-z0-9])/Invalid Access Token - ***}
  printf '%s' "$t"
}
eval "_lib_not_ok() $(declare -f not_ok | tail -n +2)"
not_ok() {
  if (($# > 1)); then _lib_not_ok "$1" "$(sim_mask "$2")"; else _lib_not_ok "$1"; fi
}

# start_sim [FLAGS...]: t_start_sim, safe to call again in the same suite (the
# old log is removed first, so t_wait_listening cannot read a stale port).
start_sim() { rm -f "$T/sim.log"; t_start_sim "$@"; }
# nap SECONDS: sleep without spawning a process.
_nap_fd=
nap() {
  [[ -n $_nap_fd ]] || exec {_nap_fd}<> <(:)
  read -r -t "$1" -u "$_nap_fd" _
  return 0
}
# term_wait PID MAX_MS: SIGTERM PID and wait up to MAX_MS for it to exit;
# sets TERM_MS (time taken) and TERM_RC (its exit status, or "running").
term_wait() {
  local pid=$1 max=$2 t0
  t0=$(now_ms)
  kill -TERM "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null && (($(now_ms) - t0 < max)); do nap 0.02; done
  TERM_MS=$(($(now_ms) - t0))
  if kill -0 "$pid" 2>/dev/null; then TERM_RC=running
  else wait "$pid"; TERM_RC=$?; fi
}
# stop_sim: SIGTERM the current simulator and reap it (kill -9 after 5 s).
stop_sim() {
  term_wait "$SIM_PID" 5000
  [[ $TERM_RC == running ]] && { kill -9 "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; }
  return 0
}
# At exit, give every process we started a graceful SIGTERM (up to 5 s in
# all) before tests/lib.sh's own cleanup, which kills after 1 s.
_sim_cleanup() {
  local pid t0
  t0=$(now_ms)
  for pid in "${_t_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${_t_pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && (($(now_ms) - t0 < 5000)); do nap 0.02; done
  done
  _t_cleanup
}
trap _sim_cleanup EXIT

# ---------------------------------------------------------------- time, crypto

# Nairobi (EAT, UTC+3) timestamp YYYYMMDDHHmmss, whatever the machine's zone
# (bash's own strftime: no process spawned).
# nbo_ts [OFFSET_SECONDS]
nbo_ts() { local TZ=UTC0; printf '%(%Y%m%d%H%M%S)T\n' $((EPOCHSECONDS + 10800 + ${1:-0})); }
# nbo_datetime [OFFSET_SECONDS]: "YYYY-MM-DD HH:mm:ss" in EAT.
nbo_datetime() { local TZ=UTC0; printf '%(%Y-%m-%d %H:%M:%S)T\n' $((EPOCHSECONDS + 10800 + ${1:-0})); }
# now_ms: wall clock in milliseconds (the receiver records t_ms the same way).
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# stk_password TIMESTAMP [SHORTCODE] [PASSKEY]
stk_password() {
  printf '%s%s%s' "${2:-$SIM_SHORTCODE}" "${3:-$SIM_PASSKEY}" "$1" | base64 -w0
}

# SIM_CRED: set it once to $(sec_cred) to reuse one valid credential (the
# simulator decrypts each; PKCS#1 v1.5 output differs every time anyway).
# sec_cred [PASSWORD]: SecurityCredential = base64(RSA-PKCS#1v1.5(password)).
sec_cred() {
  printf %s "${1-$SIM_INITIATOR_PW}" |
    openssl pkeyutl -encrypt -certin -inkey "$SIM_CERT" -pkeyopt rsa_padding_mode:pkcs1 |
    base64 -w0
}

# ---------------------------------------------------------------- HTTP

# _curl PATH_OR_URL CURL_ARGS...: one request; sets CODE, RESP, CURL_RC.
_curl() {
  local url=$1; shift
  [[ $url == http* ]] || url=$SIM_URL$url
  CODE=$(curl -sS -o "$T/resp" -w '%{http_code}' --max-time "${SIM_CURL_TIMEOUT:-10}" "$@" "$url" 2>"$T/curl.err")
  CURL_RC=$?
  RESP=
  [[ $CURL_RC -eq 0 && -f $T/resp ]] && IFS= read -r -d '' RESP <"$T/resp"
  return 0
}

# post PATH JSON [CURL_ARGS...]: POST with the current $TOKEN.
post() {
  local path=$1 body=$2; shift 2
  printf '%s' "$body" >"$T/req"
  _curl "$path" -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary @"$T/req" "$@"
}
# post_file PATH FILE [CURL_ARGS...]: POST a file's bytes as the body.
post_file() {
  local path=$1 file=$2; shift 2
  _curl "$path" -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary @"$file" "$@"
}
# get PATH [CURL_ARGS...]
get() { local path=$1; shift; _curl "$path" "$@"; }

# oauth [KEY] [SECRET] [GRANT]: GET the token endpoint; sets CODE/RESP.
oauth() {
  _curl "/oauth/v1/generate?grant_type=${3-client_credentials}" -u "${1-$SIM_KEY}:${2-$SIM_SECRET}"
}
# sim_token: fetch a token into $TOKEN (fails the caller on error).
sim_token() {
  oauth
  TOKEN=$(jq -r '.access_token // empty' <<<"$RESP" 2>/dev/null)
  sim_secret "$TOKEN"
  [[ $CODE == 200 && -n $TOKEN ]] || { not_ok "get an access token" "HTTP $CODE: $RESP"; return 1; }
}

# sim_alive: the simulator still answers (an OAuth round trip).
sim_alive() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -u "$SIM_KEY:$SIM_SECRET" \
    "$SIM_URL/oauth/v1/generate?grant_type=client_credentials")
  [[ $code == 200 ]]
}

# ---------------------------------------------------------------- assertions

# jt DESC FILTER [JQ_ARGS...]: ok when `jq -e FILTER` holds on $RESP.
jt() {
  local d=$1 f=$2; shift 2
  if jq -e "$@" "$f" <<<"$RESP" >/dev/null 2>&1; then ok "$d"
  else not_ok "$d" "filter: $f
HTTP $CODE body: ${RESP:0:600}"; fi
}
# jq_batch JSON DESC FILTER [DESC FILTER...]: several assertions, one jq
# process. Each FILTER holds when its last output is neither false nor null
# (as with jq -e) and it does not fail.
jq_batch() {
  local json=$1; shift
  local prog= i descs=() filters=() res
  while (($# >= 2)); do
    descs+=("$1") filters+=("$2")
    prog+="${prog:+, }(try ([($2)] | length > 0 and (last | . != false and . != null)) catch false)"
    shift 2
  done
  mapfile -t res < <(jq "$prog" <<<"$json" 2>/dev/null)
  for i in "${!descs[@]}"; do
    if [[ ${res[i]:-} == true ]]; then ok "${descs[i]}"
    else not_ok "${descs[i]}" "filter: ${filters[i]}
JSON: ${json:0:600}"; fi
  done
}
# jtb DESC FILTER [DESC FILTER...]: jq_batch on $RESP.
jtb() { jq_batch "$RESP" "$@"; }

# jv FILTER [JQ_ARGS...]: print a value from $RESP (raw).
jv() { local f=$1; shift; jq -r "$@" "$f" <<<"$RESP" 2>/dev/null; }

# status_is EXPECTED DESC
status_is() {
  if [[ $CODE == "$1" ]]; then ok "$2"
  else not_ok "$2" "expected HTTP $1, got HTTP $CODE (curl $CURL_RC) body: ${RESP:0:600}"; fi
}

# expect_err HTTP ERRORCODE MESSAGE_REGEX DESC: the Daraja error envelope
# {requestId, errorCode, errorMessage}, all strings, and nothing else.
expect_err() {
  local http=$1 ec=$2 re=$3 d=$4 msg
  msg=$(jq -r --arg ec "$ec" 'if (keys|sort)==["errorCode","errorMessage","requestId"]
        and (.requestId|type=="string" and length>0)
        and .errorCode==$ec and (.errorMessage|type=="string")
      then "OK " + .errorMessage else "BAD" end' <<<"$RESP" 2>/dev/null)
  if [[ $CODE == "$http" && $msg == "OK "* && ${msg#OK } =~ $re ]]; then
    ok "$d"
  else
    not_ok "$d" "expected HTTP $http $ec /$re/
got HTTP $CODE (curl $CURL_RC): ${RESP:0:600}"
  fi
}

# is_envelope: $RESP is a Daraja error envelope (any code).
is_envelope() {
  jq -e '(.requestId|type=="string") and (.errorCode|type=="string") and (.errorMessage|type=="string")' \
    <<<"$RESP" >/dev/null 2>&1
}

# ---------------------------------------------------------------- request bodies

# stk_body PHONE [AMOUNT] [CALLBACK_URL] [JQ_EDIT]: a valid STK push request
# (numbers as JSON numbers), then JQ_EDIT applied, e.g. '.Amount=1.5'.
stk_body() {
  local cb=${3:-}
  jq -nc --arg sc "$SIM_SHORTCODE" --arg pk "$SIM_PASSKEY" --arg ts "$(nbo_ts)" \
    --arg ph "$1" --arg amt "${2:-10}" --arg cb "${cb:-$RCV_URL/stk}" '{
      BusinessShortCode: ($sc|tonumber), Password: ($sc + $pk + $ts | @base64), Timestamp: $ts,
      TransactionType: "CustomerPayBillOnline", Amount: ($amt|tonumber),
      PartyA: ($ph|tonumber), PartyB: ($sc|tonumber), PhoneNumber: ($ph|tonumber),
      CallBackURL: $cb, AccountReference: "INV-2041", TransactionDesc: "Payment"}'" | ${4:-.}"
}
# stk_query_body CHECKOUT_ID
stk_query_body() {
  jq -nc --arg sc "$SIM_SHORTCODE" --arg pk "$SIM_PASSKEY" --arg ts "$(nbo_ts)" --arg id "$1" \
    '{BusinessShortCode: $sc, Password: ($sc + $pk + $ts | @base64), Timestamp: $ts, CheckoutRequestID: $id}'
}
# b2c_body PHONE AMOUNT [RESULT_URL] [CREDENTIAL]: a valid B2C request
# (v1 shape; add OriginatorConversationID for v3).
b2c_body() {
  jq -nc --arg ini "$SIM_INITIATOR" --arg cred "${4:-${SIM_CRED:-$(sec_cred)}}" --arg pa "$SIM_B2C_SHORTCODE" \
    --arg pb "$1" --arg amt "$2" --arg url "${3:-$RCV_URL/b2c/result}" --arg qurl "$RCV_URL/b2c/timeout" '{
      InitiatorName: $ini, SecurityCredential: $cred, CommandID: "BusinessPayment",
      Amount: ($amt|tonumber), PartyA: ($pa|tonumber), PartyB: ($pb|tonumber),
      Remarks: "Refund for order 2041", QueueTimeOutURL: $qurl, ResultURL: $url, Occasion: "refund"}'
}
# balance_body PARTY_A: an Account Balance query.
balance_body() {
  jq -nc --arg ini "$SIM_INITIATOR" --arg cred "${SIM_CRED:-$(sec_cred)}" --arg pa "$1" \
    --arg url "$RCV_URL/balance/result" --arg qurl "$RCV_URL/balance/timeout" '{
      Initiator: $ini, SecurityCredential: $cred, CommandID: "AccountBalance",
      PartyA: ($pa|tonumber), IdentifierType: "4", Remarks: "balance",
      QueueTimeOutURL: $qurl, ResultURL: $url}'
}
# uuid: a random v4-looking id (for B2C v3 OriginatorConversationID).
uuid() { cat /proc/sys/kernel/random/uuid; }

# ---------------------------------------------------------------- receiver

# start_receiver [EXTRA_ARGS...]: start cb_receiver.py; sets RCV_URL, RCV_OUT,
# RCV_REJECT (the file that switches C2B validation rejection on).
start_receiver() {
  RCV_OUT=$T/callbacks.jsonl
  RCV_REJECT=$T/reject-validation
  : >"$RCV_OUT"
  local py=python3
  [[ -x /usr/bin/python3 ]] && py=/usr/bin/python3   # not a version-manager shim
  t_spawn "$T/receiver.log" "$py" "$ROOT/tests/integration/cb_receiver.py" \
    --out "$RCV_OUT" --reject-file "$RCV_REJECT" "$@"
  RCV_PID=$T_PID
  RCV_URL=$(t_wait_listening "$T/receiver.log") || return 1
}

now_ms_b() { now_ms; }

# cb_find FILTER: print the first recorded request (one JSON line) for which
# FILTER holds (the line has .path .headers .body .json .t_ms .seq).
cb_find() { jq -nc "first(inputs|select($1))" "$RCV_OUT" 2>/dev/null; }
# cb_count FILTER
cb_count() { jq -n "[inputs|select($1)]|length" "$RCV_OUT" 2>/dev/null || echo 0; }

# _cb_grew: true when the receiver's file grew since the last call (reads the
# new bytes with the read builtin: polling spawns no process while idle).
_cb_fd=
_cb_grew() {
  local line grew=1
  while IFS= read -r -u "$_cb_fd" line; do grew=0; done
  [[ -n $line ]] && grew=0
  return $grew
}

# cb_wait FILTER [SECONDS] [COUNT]: wait until COUNT (default 1) recorded
# requests match FILTER; sets CB to the first one's JSON line and CB_JSON to
# its parsed body. Returns 1 on timeout.
cb_wait() {
  local f=$1 limit=${2:-5} want=${3:-1} end out
  CB= CB_JSON=
  [[ -n $_cb_fd ]] || exec {_cb_fd}<"$RCV_OUT"
  end=$(($(now_ms_b) + limit * 1000))
  while :; do
    mapfile -t out < <(jq -nc "[inputs|select($f)] | length, (.[0] // null), (.[0].json // null)" "$RCV_OUT" 2>/dev/null)
    if [[ ${out[0]:-0} -ge $want ]]; then
      CB=${out[1]} CB_JSON=${out[2]}
      return 0
    fi
    until _cb_grew; do
      (($(now_ms_b) >= end)) && return 1
      nap 0.05
    done
  done
}

# cbt DESC FILTER [JQ_ARGS...]: assert a jq filter on $CB_JSON (the callback body).
cbt() {
  local d=$1 f=$2; shift 2
  if jq -e "$@" "$f" <<<"$CB_JSON" >/dev/null 2>&1; then ok "$d"
  else not_ok "$d" "filter: $f
callback: ${CB_JSON:0:800}"; fi
}

# cbtb DESC FILTER [DESC FILTER...]: jq_batch on $CB_JSON.
cbtb() { jq_batch "${CB_JSON:-null}" "$@"; }

# stk_cb_filter CHECKOUT_ID: the cb_wait filter for an STK callback.
stk_cb_filter() { printf '.json.Body.stkCallback.CheckoutRequestID == "%s"' "$1"; }
# result_cb_filter CONVERSATION_ID: the filter for an async Result callback.
result_cb_filter() { printf '.json.Result.ConversationID == "%s"' "$1"; }

# result_param KEY: a ResultParameter's Value from $CB_JSON (array or object).
result_param() {
  jq -r --arg k "$1" '.Result.ResultParameters.ResultParameter
    | (if type=="array" then .[] else . end) | select(.Key==$k) | .Value' <<<"$CB_JSON"
}
