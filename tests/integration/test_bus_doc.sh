#!/usr/bin/env bash
# mpesa-pos bus: docs/events.md is exactly what `bus doc` generates from the
# catalogue (it fails when either drifts), and the command line says what is
# wrong: usage, bad timeouts, a backend without what it needs, none.
. "$(dirname "$0")/../lib.sh"

if "$B/mpesa-pos" bus doc >"$T/events.md" && diff -u "$ROOT/docs/events.md" "$T/events.md" >"$T/diff"; then
  ok "docs/events.md is what mpesa-pos bus doc prints"
else
  not_ok "docs/events.md is what mpesa-pos bus doc prints" \
    "$(head -40 "$T/diff")
regenerate: $B/mpesa-pos bus doc > docs/events.md"
fi
like "$(grep -c '^### mpesa\.' "$ROOT/docs/events.md")" '^2[0-9]$' "docs/events.md documents every event"

"$B/mpesa-pos" bus >/dev/null 2>"$T/err"
is "$?" 64 "bus with no subcommand: usage, exit 64"
"$B/mpesa-pos" bus --help >"$T/out" 2>&1
is "$?" 0 "bus --help exits 0"
like "$(cat "$T/out")" "status.*deliver.*doc" "... and lists status, deliver and doc"
"$B/mpesa-pos" bus frob 2>"$T/err"
is "$?" 64 "an unknown subcommand exits 64"
like "$(cat "$T/err")" 'unknown subcommand "frob"; use status, deliver or doc' "... naming it and the choices"
for bad in 0 abc -5 99999; do
  "$B/mpesa-pos" bus deliver --timeout "$bad" 2>"$T/err"
  is "$?" 64 "bus deliver --timeout $bad is refused"
done
like "$(cat "$T/err")" 'timeout "99999" is not a number of seconds from 1 to 3600' "... saying what is allowed"

cat >"$T/none.conf" <<CONF
[store]
path = $T/none.db
[log]
path = $T/pos.log
[bus]
backends = none
CONF
"$B/mpesa-pos" db migrate --config "$T/none.conf" >/dev/null 2>&1
out=$("$B/mpesa-pos" bus status --config "$T/none.conf" 2>"$T/err")
is "$?" 0 "bus status with backends = none exits 0"
like "$out" '"pending":0.*"backends":\[\]' "... with no backend in the JSON"
like "$(cat "$T/err")" "no backend: \[bus\] backends is none" "... and says events stay in the ledger"
is "$("$B/mpesa-pos" bus deliver --config "$T/none.conf" 2>/dev/null)" \
  '{"delivered":0,"pending":0,"delegated":false}' "bus deliver with none delivers nothing"

cat >"$T/hook.conf" <<CONF
[store]
path = $T/none.db
[log]
path = $T/pos.log
[bus]
backends = webhook
webhook_url = http://127.0.0.1:9/hook
CONF
"$B/mpesa-pos" bus deliver --config "$T/hook.conf" >/dev/null 2>"$T/err"
rc=$?
[[ $rc -eq 78 ]] && ok "a webhook without its secret is a configuration error (78)" \
  || not_ok "a webhook without its secret is a configuration error (78)" "exit $rc: $(cat "$T/err")"
like "$(cat "$T/err")" "webhook_secret" "... naming [bus] webhook_secret"

t_done
