#!/usr/bin/env bash
# `mpesa-pos doctor` against daraja-sim: all ok; each failing check provoked
# by a configuration (bad secret, sandbox keys against production, a product
# the app lacks, a wrong passkey, the TransactionType of another shortcode
# type, a bad initiator password or certificate, callback URLs Daraja
# refuses); the initiator password's expiry with the fixed test clock; and
# no money moved by any of it.
. "$(dirname "$0")/flows_lib.sh"
fl_setup

# conf_with LINE...: $CONF with each "key = value" put under [daraja] or, for
# listener.KEY, under [listener]; into $T/c.conf.
conf_with() {
  cp "$CONF" "$T/c.conf"
  local l
  for l in "$@"; do
    if [[ $l == listener.* ]]; then
      sed -i "/^public_url/d; /^\[listener\]/a ${l#listener.}" "$T/c.conf"
    else
      sed -i "/^${l%% *} *=/d; /^\[daraja\]/a $l" "$T/c.conf"
    fi
  done
  chmod 600 "$T/c.conf"
}
# doc CONF [ARGS...]: doctor --json with CONF; $OUT, $ERR, $RC.
doc() {
  local conf=$1; shift
  OUT=$("$POS" doctor --json --config "$conf" "$@" 2>"$T/stderr")
  RC=$?
  ERR=$(cat "$T/stderr")
}
# v NAME: the verdict of check NAME in $OUT.
v() { j ".checks[] | select(.name == \"$1\") | .verdict"; }
w() { j ".checks[] | select(.name == \"$1\") | .what + \" / \" + (.fix // \"\")"; }

# ---- all ok -------------------------------------------------------------------------------------
doc "$CONF" --operator 1001 --pin-fd 3 3<<<1111
is "$RC/$(j .verdict)" "0/ok" "doctor against the simulator with a supervisor: every check ok, exit 0"
is "$(j '[.checks[].name] | join(",")')" \
  "daraja,token,stk,shortcode_type,credential,pull,callback_url,password_age" "... the checks, in order"
is "$(j '[.checks[] | select(.verdict != "ok")] | length')" 0 "... none warns"
like "$(w credential)" "Account Balance" "... the SecurityCredential was tested with an Account Balance query"
like "$(w callback_url)" "listener answers" "... and the listener answered on its health route"
is "$(sim_get '/__sim/requests?limit=10000' | jq '[.requests[] | select(.api == "stk" or .api == "b2c" or .api == "reversal")] | length')" 0 \
  "... without one STK push, payout or reversal"
OUT=$("$POS" doctor --config "$CONF" 2>/dev/null)
like "$OUT" $'ok +token' "without --json: one line per check"
like "$OUT" "fix: run .mpesa-pos doctor --operator ID" "... the untested credential says how to test it"

# ---- credentials and environments ---------------------------------------------------------------
conf_with "consumer_key = sim-consumer-key" "consumer_secret = not-the-secret"
doc "$T/c.conf"
is "$RC/$(v token)" "78/failed" "a wrong consumer secret: token failed, exit 78"
like "$(w token)" "refused the consumer key and secret.*developer portal" "... says so and how to fix it"
is "$(j '[.checks[].name] | index("stk")')" null "... and asks Daraja nothing more"
like "$ERR" "1 check failed" "... one sentence on stderr"
! grep -q "not-the-secret" <<<"$OUT$ERR" && ok "... the secret is not printed" || not_ok "... the secret is not printed"

SIM_A=$SIM_URL
t_spawn "$T/sim-b.log" "$B/daraja-sim" --listen 127.0.0.1:0 --consumer-key sbx-key --consumer-secret sbx-secret --log-level warn
SIM_B=$(t_wait_listening "$T/sim-b.log")
conf_with "environment = production" "consumer_key = sbx-key" "consumer_secret = sbx-secret"
MPESA_POS_TEST_OTHER_ENV_URL=$SIM_B doc "$T/c.conf"
is "$RC/$(v token)" "78/failed" "sandbox keys against production: token failed"
like "$(w token)" "these are SANDBOX keys: production refused them and the sandbox gave a token" "... named as such"
conf_with "environment = sandbox" "consumer_key = sbx-key" "consumer_secret = sbx-secret"
MPESA_POS_TEST_OTHER_ENV_URL=$SIM_B doc "$T/c.conf"
like "$(w token)" "these are PRODUCTION keys" "production keys against the sandbox: named as such"

# ---- products, shortcode, passkey -----------------------------------------------------------------
sim_faults '{"stk":{"no_product":1},"stkquery":{"no_product":1}}'
doc "$CONF"
is "$RC/$(v stk)" "78/failed" "an app without M-Pesa Express (401.003.01): stk failed"
like "$(w stk)" "not subscribed to M-Pesa Express.*add the M-Pesa Express" "... with the fix"
sim_faults '{"stk":{"no_product":0},"stkquery":{"no_product":0},"c2b":{"no_product":1}}'
doc "$CONF"
is "$RC/$(v pull)" "0/warning" "an app without Pull Transactions: a warning (C2B backfill is optional)"
sim_faults '{"c2b":{"no_product":0}}'
conf_with "passkey = 0000000000000000000000000000000000000000000000000000000000000000"
doc "$T/c.conf"
is "$RC/$(v stk)" "78/failed" "a wrong passkey: stk failed"
like "$(w stk)" "refused the passkey" "... naming the passkey"
conf_with "business_shortcode = 174380"
doc "$T/c.conf"
like "$(v stk) $(w stk)" "^failed .*does not know shortcode 174380" "an unknown shortcode: stk failed, naming it"

conf_with "till_number = 5123456" "transaction_type = CustomerPayBillOnline"
doc "$T/c.conf"
is "$RC/$(v shortcode_type)" "78/failed" "a till number with CustomerPayBillOnline: shortcode_type failed"
like "$(w shortcode_type)" "set \[daraja\] transaction_type = CustomerBuyGoodsOnline" "... with the fix"
conf_with "till_number = 5123456" "transaction_type = CustomerBuyGoodsOnline"
doc "$T/c.conf"
is "$(v shortcode_type)" ok "a till with CustomerBuyGoodsOnline: ok"

# ---- the SecurityCredential ---------------------------------------------------------------------
conf_with "initiator_password = NotThePassword1!"
doc "$T/c.conf" --operator 1001 --pin-fd 3 3<<<1111
is "$RC/$(v credential)" "78/failed" "a wrong initiator password: credential failed (2001 in the balance result)"
like "$(w credential)" "refused the SecurityCredential.*initiator_password" "... naming the password and the certificate"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other -days 2 -keyout "$T/k.pem" -out "$T/other.pem" >/dev/null 2>&1
conf_with "cert = $T/other.pem"
doc "$T/c.conf" --operator 1001 --pin-fd 3 3<<<1111
is "$RC/$(v credential)" "78/failed" "a certificate that is not Daraja's: credential failed"
conf_with "initiator_name = nobody"
doc "$T/c.conf" --operator 1001 --pin-fd 3 3<<<1111
like "$(v credential) $(w credential)" "^failed .*does not know initiator nobody" "an unknown initiator: credential failed (20)"
doc "$CONF" --operator 1002 --pin-fd 3 3<<<2222
like "$(v credential) $(w credential)" "^failed .*could not be sent" "a cashier cannot run the balance test: credential failed, not sent"

# ---- the callback URL ---------------------------------------------------------------------------
conf_with "listener.public_url = https://mpesa-pay.example.com"
doc "$T/c.conf"
is "$RC/$(v callback_url)" "78/failed" "a callback URL with \"mpesa\" in it: failed"
like "$(w callback_url)" 'contains "mpesa".*without words Daraja refuses' "... naming the word and the fix"
conf_with "listener.public_url = https://pay.example.com" "environment = production"
doc "$T/c.conf"
is "$(v callback_url)" ok "a public https URL: ok"
OTHER=$(free_port)
conf_with "listener.public_url = http://127.0.0.1:$OTHER"
doc "$T/c.conf"
is "$RC/$(v callback_url)" "0/warning" "a local callback URL nothing answers on: warning"
like "$(w callback_url)" "nothing answers at http://127.0.0.1:$OTHER/healthz.*mpesa-pos serve" "... says to start serve"

# ---- the initiator password's age (fixed clock) ---------------------------------------------------
export MPESA_POS_TEST_CLOCK=1767225600   # 2026-01-01 00:00 UTC
FL_DB=$T/age.db
conf_with "initiator_password_days = 90"
sed -i "s|^path = .*pos.db|path = $FL_DB|" "$T/c.conf"
doc "$T/c.conf"
is "$(v password_age)" ok "a password first seen now, 90 days to live: ok"
MPESA_POS_TEST_CLOCK=$((1767225600 + 80 * 86400)) doc "$T/c.conf"
is "$RC/$(v password_age)" "0/warning" "80 days later: a warning (exit 0)"
like "$(w password_age)" "expires on 2026-04-01 \(in 10 days\).*change it on the M-Pesa business portal" "... naming the day and the fix"
MPESA_POS_TEST_CLOCK=$((1767225600 + 91 * 86400)) doc "$T/c.conf"
is "$RC/$(v password_age)" "78/failed" "91 days later: expired, failed"
like "$(w password_age)" "expired on 2026-04-01" "... says it has expired"
is "$(sqlite3 "$FL_DB" "select count(*) from setting where value like '%Safaricom%'")" 0 "the ledger holds no password"
sed -i "/^initiator_password *=/d; /^\[daraja\]/a initiator_password = NewPassword2026!" "$T/c.conf"
MPESA_POS_TEST_CLOCK=$((1767225600 + 91 * 86400)) doc "$T/c.conf"
is "$(v password_age)" ok "a new password (new fingerprint) is dated now: ok again"
sed -i "/^\[daraja\]/a initiator_password_set_on = 2025-12-01" "$T/c.conf"
MPESA_POS_TEST_CLOCK=$((1767225600 + 80 * 86400)) doc "$T/c.conf"
like "$(v password_age) $(w password_age)" "^failed .*expired on 2026-03-01.*initiator_password_set_on" \
  "initiator_password_set_on, when given, is the date counted from"
unset MPESA_POS_TEST_CLOCK

t_done
