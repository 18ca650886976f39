#!/usr/bin/env bash
# `mpesa-pos c2b register` against daraja-sim: a supervisor registers the
# till's C2B confirmation and validation URLs (with the secret path segment,
# which the output masks); a cashier is refused; a bad --response-type is a
# usage error; Daraja's "already registered" comes back as a refusal; poll
# mode (no public URL) is refused before anything is sent; and a payment
# made to the paybill afterwards lands in the ledger through our listener.
. "$(dirname "$0")/flows_lib.sh"
fl_setup

as 1002 2222 c2b register
is "$RC" 77 "a cashier may not register the C2B URLs (exit 77)"
like "$ERR" "needs a supervisor" "and is told who may"
is "$(sim_get '/__sim/requests?path=/mpesa/c2b/v2/registerurl' | jq .count)" 0 "nothing was sent for the cashier"

as 1001 1111 c2b register --response-type Sometimes
is "$RC" 64 "an unknown response type is a usage error (exit 64)"
like "$ERR" "Sometimes" "naming the value"

as 1001 1111 c2b register --response-type Cancelled
is "$RC" 0 "a supervisor registers the C2B URLs"
is "$(j .ok)" true "the answer is JSON with ok true"
is "$(j .response_type)" Cancelled "with the response type asked for"
like "$(j .confirmation_url)" '^http://127\.0\.0\.1:[0-9]+/<secret>/c2b/confirmation$' \
  "the URL is shown with its secret masked"
secret=$(sql "select value from setting where key like '%secret%'" | head -1)
if [[ -n $secret && ( $OUT == *"$secret"* || $ERR == *"$secret"* ) ]]; then
  not_ok "the listener's secret is not printed"
else
  ok "the listener's secret is not printed"
fi
req=$(sim_get '/__sim/requests?path=/mpesa/c2b/v2/registerurl')
is "$(jq -r '.requests[-1].status' <<<"$req")" 200 "the simulator accepted the registration"
is "$(sql "select count(*) from audit where action = 'c2b.register'")" 1 "the registration is in the audit log"

as 1001 1111 c2b register
is "$RC" 30 "a second registration is refused by Daraja (exit 30)"
like "$ERR" "already registered" "with Daraja's words"

# A customer pays the paybill: the confirmation reaches our listener (serve).
fl_serve
paid=$(curl -s -X POST "$SIM_URL/__sim/c2b/pay" \
  -d '{"msisdn":"254712345678","amount":300,"bill_ref":"INV-7","shortcode":"174379"}' | jq -r .TransID)
for _ in $(seq 1 100); do
  [[ $(sql "select count(*) from txn where kind = 'c2b' and receipt = '$paid'") == 1 ]] && break
  sleep 0.05
done
is "$(sql "select amount_minor || ' ' || account_reference from txn where kind = 'c2b' and receipt = '$paid'")" \
  "30000 INV-7" "a paybill payment reaches the ledger through the registered URL"
fl_stop_serve

# Poll mode: no public URL, nothing is sent.
before=$(sim_get '/__sim/requests?path=/mpesa/c2b/v2/registerurl' | jq .count)
fl_conf "$CONF" "$PORT" none
as 1001 1111 c2b register
is "$RC" 78 "in poll mode the registration is refused (exit 78)"
like "$ERR" "public_url" "naming [listener] public_url"
is "$(sim_get '/__sim/requests?path=/mpesa/c2b/v2/registerurl' | jq .count)" "$before" "and nothing is sent"
t_done
