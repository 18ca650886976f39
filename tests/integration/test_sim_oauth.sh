#!/usr/bin/env bash
# daraja-sim, black box: command line (--listen, --help, --seed, SIGTERM) and
# the OAuth token endpoint, including expired tokens (--token-ttl).
. "$(dirname "$0")/sim_lib.sh"

# ---- command line -----------------------------------------------------------
help=$("$B/daraja-sim" --help 2>&1); rc=$?
is "$rc" 0 "--help exits 0"
for flag in --listen --seed --token-ttl --callback-delay-ms --prompt-ttl-ms --callback-retries --admin --help; do
  like "$help" "(^|[^a-z-])$flag([^a-z-]|$)" "--help documents $flag"
done

timeout 5 "$B/daraja-sim" --no-such-flag >"$T/badflag.out" 2>&1 </dev/null; rc=$?
check "an unknown flag exits non-zero" test "$rc" -ne 0
like "$(cat "$T/badflag.out")" "no-such-flag" "the unknown-flag message quotes the flag"

timeout 5 "$B/daraja-sim" --listen nonsense >"$T/badlisten.out" 2>&1 </dev/null; rc=$?
check "--listen with a malformed address exits non-zero (not 124 = hung)" test "$rc" -ne 0 -a "$rc" -ne 124

start_sim || { not_ok "daraja-sim starts"; t_done; exit 1; }
like "$(cat "$T/sim.log")" "listening on http://127\.0\.0\.1:[1-9][0-9]*" "prints 'listening on http://HOST:PORT' with the port chosen for :0"
like "$SIM_URL" "^http://127\.0\.0\.1:[1-9][0-9]*$" "SIM_URL is a loopback URL"

# ---- token endpoint ---------------------------------------------------------
oauth
status_is 200 "valid Basic credentials: HTTP 200"
jt "access_token is a non-empty string" '.access_token|type=="string" and length>=20'
jt "expires_in is a STRING" '.expires_in|type=="string"'
jt "expires_in is \"3599\" by default (Daraja's lifetime)" '.expires_in=="3599"'
tok1=$(jv .access_token); sim_secret "$tok1"
like "$(curl -s -D - -o /dev/null -u "$SIM_KEY:$SIM_SECRET" "$SIM_URL/oauth/v1/generate?grant_type=client_credentials")" \
  "[Cc]ontent-[Tt]ype: application/json" "the token answer is Content-Type application/json"

oauth "$SIM_KEY" "$SIM_SECRET" "password"
expect_err 400 400.008.02 "grant type" "grant_type=password: 400.008.02 Invalid grant type"
_curl "/oauth/v1/generate" -u "$SIM_KEY:$SIM_SECRET"
expect_err 400 400.008.02 "grant type" "no grant_type: 400.008.02"
oauth "$SIM_KEY" "$SIM_SECRET" ""
expect_err 400 400.008.02 "grant type" "empty grant_type: 400.008.02"

_curl "/oauth/v1/generate?grant_type=client_credentials" -H "Authorization: Bearer $tok1"
expect_err 400 400.008.01 "[Aa]uthentication" "Bearer instead of Basic: 400.008.01"
_curl "/oauth/v1/generate?grant_type=client_credentials"
expect_err 400 400.008.01 "[Aa]uthentication" "no Authorization header: 400.008.01"
_curl "/oauth/v1/generate?grant_type=client_credentials" -H "Authorization: Basic"
check "Basic with no credentials is refused with HTTP 400" test "$CODE" = 400
_curl "/oauth/v1/generate?grant_type=client_credentials" -H "Authorization: Basic !!!not-base64!!!"
check "Basic with non-base64 credentials is refused with HTTP 400" test "$CODE" = 400
_curl "/oauth/v1/generate?grant_type=client_credentials" -H "Authorization: Basic $(printf %s "$SIM_KEY" | base64 -w0)"
check "Basic without a colon is refused with HTTP 400" test "$CODE" = 400

oauth "$SIM_KEY" "wrong-secret"
status_is 400 "wrong secret: HTTP 400"
is "$RESP" "" "wrong secret: empty body"
oauth "wrong-key" "$SIM_SECRET"
status_is 400 "wrong key: HTTP 400"
is "$RESP" "" "wrong key: empty body"
oauth "$SIM_KEY" "$SIM_SECRET$SIM_SECRET"
is "$CODE/$RESP" "400/" "secret with a valid prefix but extra characters: HTTP 400, empty body"

# tokens are usable on the APIs; bogus ones are refused with each family's code
TOKEN=$tok1
start_receiver || not_ok "receiver starts"
post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000001)"
status_is 200 "a fresh token is accepted by STK push"
oauth; tok2=$(jv .access_token); sim_secret "$tok2"
check "a second token request gives a token" test -n "$tok2"
TOKEN=$tok2
post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000002)"
status_is 200 "the second token works too"

TOKEN=not-a-token-at-all-0123456789
post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000003)"
expect_err 404 404.001.03 "Invalid Access Token" "STK push with an unknown token: 404.001.03"
post /mpesa/stkpushquery/v1/query "$(stk_query_body ws_CO_000)"
expect_err 404 404.001.03 "Invalid Access Token" "STK query with an unknown token: 404.001.03"
post /mpesa/b2c/v1/paymentrequest "$(b2c_body 254708374149 100)"
expect_err 401 401.002.01 "Invalid Access Token" "B2C with an unknown token: 401.002.01"
post /mpesa/accountbalance/v1/query "$(balance_body "$SIM_B2C_SHORTCODE")"
expect_err 401 401.002.01 "Invalid Access Token" "Account Balance with an unknown token: 401.002.01"
TOKEN=
post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000004)"
check "STK push without Authorization: refused (4xx) with an error envelope" \
  bash -c '[[ $1 == 4* ]] && jq -e ".errorCode|type==\"string\"" <<<"$2" >/dev/null' _ "$CODE" "$RESP"

# ---- SIGTERM ---------------------------------------------------------------
term_wait "$SIM_PID" 5000
is "$TERM_RC" 0 "SIGTERM: the simulator exits 0 within 5 s (took $TERM_MS ms)"
[[ $TERM_RC == running ]] && stop_sim
# ...also while a callback delivery is in flight to a receiver that never
# answers (a 20 s delivery timeout: waiting it out would show)
start_sim --callback-delay-ms 100 --callback-timeout-ms 20000 || not_ok "daraja-sim starts again"
sim_token && post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000020 10 "$RCV_URL/hang/stk")"
if cb_wait '.path=="/hang/stk"' 5; then
  term_wait "$SIM_PID" 5000
  if [[ $TERM_RC == running ]]; then
    not_ok "SIGTERM with a callback delivery hanging: exits 0 within 5 s" "still running after $TERM_MS ms"
    stop_sim
  else
    is "$TERM_RC" 0 "SIGTERM with a callback delivery hanging: exits 0 within 5 s (took $TERM_MS ms)"
  fi
else not_ok "the callback reached the hanging receiver"; stop_sim; fi

# ---- expired tokens (--token-ttl 1) -------------------------------------------
start_sim --token-ttl 1 || not_ok "daraja-sim --token-ttl 1 starts"
oauth
jt "--token-ttl 1: expires_in is the string \"1\" or \"0\"" '.expires_in=="1" or .expires_in=="0"'
TOKEN=$(jv .access_token); sim_secret "$TOKEN"
# poll (bounded, with a request that changes nothing) until the token is refused
expired=no t0=$(now_ms)
while (($(now_ms) - t0 < 5000)); do
  post /mpesa/stkpushquery/v1/query "$(stk_query_body ws_CO_000)"
  [[ $CODE == 404 ]] && { expired=yes; break; }
  nap 0.1
done
is "$expired" yes "--token-ttl 1: the token stops working within 5 s ($(($(now_ms) - t0)) ms)"
post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000005)"
expect_err 404 404.001.03 "^Invalid Access Token" "expired token on STK push: 404.001.03 Invalid Access Token"
post /mpesa/stkpushquery/v1/query "$(stk_query_body ws_CO_000)"
expect_err 404 404.001.03 "Invalid Access Token" "expired token on STK query: 404.001.03"
post /mpesa/b2c/v1/paymentrequest "$(b2c_body 254708374149 100)"
expect_err 401 401.002.01 "Invalid Access Token" "expired token on B2C: 401.002.01"
post /mpesa/accountbalance/v1/query "$(balance_body "$SIM_B2C_SHORTCODE")"
expect_err 401 401.002.01 "Invalid Access Token" "expired token on Account Balance: 401.002.01"
post /mpesa/transactionstatus/v1/query '{"Initiator":"testapi"}'
expect_err 401 401.002.01 "Invalid Access Token" "expired token on Transaction Status: 401.002.01"
# a new token works (it lives 1 s: on a loaded machine allow a few tries)
for ((i = 0; i < 5; i++)); do
  sim_token && post /mpesa/stkpush/v1/processrequest "$(stk_body 25471200001$i)"
  [[ $CODE == 200 ]] && break
done
status_is 200 "a new token after expiry works"
stop_sim

# ---- --seed N: the same seed gives the same identifiers -----------------------
seed_run() { # seed_run SEED: sets SEED_OUT="token merchantRequestID"
  SEED_OUT=
  start_sim --seed "$1" || return 1
  if sim_token; then
    post /mpesa/stkpush/v1/processrequest "$(stk_body 254712000007)"
    SEED_OUT="$TOKEN $(jv .MerchantRequestID)"
  fi
  stop_sim
}
seed_run 42; run_a=$SEED_OUT
seed_run 42; run_b=$SEED_OUT
seed_run 43; run_c=$SEED_OUT
like "$run_a" "^[^ ]+ [^ ]+$" "--seed 42: token and MerchantRequestID obtained"
is "$run_b" "$run_a" "--seed 42 twice: the same token and MerchantRequestID"
check "--seed 43 gives a different token" test "${run_c%% *}" != "${run_a%% *}"

t_done
