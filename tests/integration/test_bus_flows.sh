#!/usr/bin/env bash
# IF.bus end to end: the events of a charge, a payout, a reversal and a
# paybill payment made against daraja-sim reach both the jsonl file and a real Redis stream, in
# catalogue order, identical on both, with no secret anywhere.
. "$(dirname "$0")/flows_lib.sh"

start_redis() {
  local try i
  for try in 1 2 3 4 5; do
    REDIS_PORT=$(free_port)
    t_spawn "$T/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
      --save '' --appendonly no --dir "$T"
    for i in $(seq 1 100); do
      [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && return 0
      kill -0 "$T_PID" 2>/dev/null || break
      sleep 0.05
    done
  done
  return 1
}
start_redis || { echo "Bail out! redis-server did not start"; exit 1; }
FL_EXTRA="[bus]
backends = jsonl,redis
jsonl_path = $T/events.jsonl
redis_address = 127.0.0.1:$REDIS_PORT
redis_stream = pos:events"
fl_setup
fl_serve

as 1001 1111 charge --phone 0708374149 --amount 10 --wait
is "$RC" 0 "the charge is paid"
CHARGE=$(j .txn)
as 1001 1111 payout --phone 0708374149 --amount 20 --command BusinessPayment --remarks "Refund" --wait
is "$RC" 0 "the payout is paid out"
PAYOUT=$(j .txn)
as 1001 1111 reverse "$CHARGE" --wait
is "$RC" 0 "the charge is reversed"
REVERSAL=$(j .txn)

# A customer pays the paybill from the phone: register our C2B URLs with the
# simulator as a merchant would (Daraja's own API), then pay.
CONFIRM=$("$POS" listener urls --config "$CONF" | awk '$1 == "c2b/confirmation" {print $2}')
TOKEN=$(curl -s -u sim-consumer-key:sim-consumer-secret \
  "$SIM_URL/oauth/v1/generate?grant_type=client_credentials" | jq -r .access_token)
reg=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"ShortCode\":\"174379\",\"ResponseType\":\"Completed\",\"ConfirmationURL\":\"$CONFIRM\"}" \
  "$SIM_URL/mpesa/c2b/v1/registerurl" | jq -r .ResponseCode)
is "$reg" 0 "the C2B confirmation URL is registered with the simulator"
paid=$(curl -s -X POST -d '{"msisdn":"254712345678","amount":500,"bill_ref":"INV-7","shortcode":"174379"}' \
  "$SIM_URL/__sim/c2b/pay" | jq -r .TransID)
like "$paid" '^[A-Z0-9]{10}$' "a customer pays the paybill ($paid)"

# serve's dispatcher delivers within a second or so; wait for the stream.
for _ in $(seq 1 100); do
  [[ $(jq -r 'select(.name | startswith("mpesa.reversal")) | .name' "$T/events.jsonl" 2>/dev/null | grep -c success) -ge 1 &&
     $(jq -r 'select(.name == "mpesa.c2b.confirmed") | .name' "$T/events.jsonl" 2>/dev/null | wc -l) -ge 1 ]] && break
  sleep 0.1
done
fl_stop_serve
is "$SERVE_RC" 0 "serve stops cleanly"

names_for() { jq -r --arg t "$1" 'select(.txn_id == $t) | .name' "$T/events.jsonl" | tr '\n' ' '; }
is "$(names_for "$CHARGE")" "mpesa.stk_push.initiated mpesa.stk_push.success " \
  "jsonl: the charge's events, in order"
is "$(names_for "$PAYOUT")" "mpesa.b2c.initiated mpesa.b2c.success " "jsonl: the payout's events, in order"
like "$(names_for "$REVERSAL")" "mpesa.reversal.success" "jsonl: the reversal's outcome"
is "$(jq -r --arg r "$paid" 'select(.name == "mpesa.c2b.confirmed" and .transaction_id == $r) | .amount' "$T/events.jsonl")" \
  500 "jsonl: the paybill payment as mpesa.c2b.confirmed, amount in whole shillings"

lines=$(wc -l <"$T/events.jsonl")
stream=$(redis-cli -p "$REDIS_PORT" xlen pos:events)
is "$stream" "$lines" "Redis holds as many events as the jsonl file ($lines)"
redis-cli -p "$REDIS_PORT" --raw xrange pos:events - + >"$T/stream.txt"
missing=0
while read -r id; do grep -qF "$id" "$T/stream.txt" || missing=$((missing + 1)); done \
  < <(jq -r .id "$T/events.jsonl")
is "$missing" 0 "every event id of the file is in the stream"
is "$(jq -r .id "$T/events.jsonl" | sort | uniq -d | wc -l)" 0 "event ids are unique"
bad=$(jq -c 'select((.occurred_at | test("\\+03:00$") | not) or .schema_version == null or .till_id == null)' "$T/events.jsonl" | wc -l)
is "$bad" 0 "every event has occurred_at (+03:00), schema_version and till_id"
is "$(jq -r 'select(.name == "mpesa.stk_push.success") | .result_code | type' "$T/events.jsonl" | sort -u)" \
  string "result_code is a string, as the Python adapter's consumers expect"

secrets=(1111 3333 sim-consumer-secret bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919 'Safaricom999!*!')
leak=0
for s in "${secrets[@]}"; do
  grep -qF -- "$s" "$T/events.jsonl" "$T/stream.txt" && { leak=1; echo "# leaked: a known secret"; }
done
is "$leak" 0 "no PIN, consumer secret, passkey or initiator password in any event"
t_done
