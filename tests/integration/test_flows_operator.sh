#!/usr/bin/env bash
# mpesa-pos operator add|list|passwd|disable, and sign-in: PIN rules,
# the first admin made from the shell, lock-out after repeated wrong PINs,
# disabled operators, every sign-in and change in the audit log.
. "$(dirname "$0")/flows_lib.sh"
t_start_sim --admin --log-level warn || exit 1
CONF=$T/pos.conf
fl_conf "$CONF" "$(free_port)"

op() { OUT=$("$POS" operator "$@" --config "$CONF" 2>"$T/stderr"); RC=$?; ERR=$(cat "$T/stderr"); }

op add --id 7 --name "Short Pin" --role cashier --pin-fd 3 3<<<123
is "$RC/$(j .error.field)" "64/pin" "a 3-digit PIN is refused (exit 64, field pin)"
op add --id 7 --name "Letters" --role cashier --pin-fd 3 3<<<12ab
is "$RC/$(j .error.field)" "64/pin" "a PIN with letters is refused"
op add --id 7 --name "Boss" --role chief --pin-fd 3 3<<<1234
is "$RC/$(j .error.field)" "64/role" "an unknown role is refused"
op add --id 1 --name "Ada Admin" --role admin --pin-fd 3 3<<<4444
is "$RC/$(j .operator.role)" "0/admin" "the first admin is added from the shell"
op add --id 2 --name "Cate Cashier" --role cashier --pin-fd 3 3<<<2222
is "$RC" 77 "once an admin exists, adding needs one to sign in (exit 77)"
op add --id 2 --name "Cate Cashier" --role cashier --pin-fd 3 3<<<2222 --admin 1 --admin-pin-fd 4 4<<<4444
is "$RC" 0 "... and works with --admin"
op add --id 3 --name "Sam Supervisor" --role supervisor --pin-fd 3 3<<<3333 --admin 2 --admin-pin-fd 4 4<<<2222
is "$RC" 77 "a cashier cannot add operators"
op add --id 2 --name "Again" --role cashier --pin-fd 3 3<<<2222 --admin 1 --admin-pin-fd 4 4<<<4444
is "$RC" 64 "an id already taken is refused"
op list
is "$(j '[.operators[] | "\(.id):\(.role)"] | join(",")')" "1:admin,2:cashier" "operator list shows ids and roles"
[[ $OUT != *argon2* && $OUT != *pin* ]] && ok "... and never a PIN or its hash" || not_ok "... and never a PIN or its hash"
is "$(sqlite3 "$T/pos.db" "select count(*) from operator where pin_hash like '\$argon2id\$%'")" 2 "PINs are stored as Argon2id hashes"

# ---- lock-out ---------------------------------------------------------------------------------
for i in 1 2 3 4; do
  "$POS" charge --config "$CONF" --operator 2 --pin-fd 3 3<<<9999 --phone 0708374149 --amount 1 >/dev/null 2>&1
done
OUT=$("$POS" charge --config "$CONF" --operator 2 --pin-fd 3 3<<<9999 --phone 0708374149 --amount 1 2>"$T/stderr"); RC=$?
is "$RC" 77 "five wrong PINs in a row"
OUT=$("$POS" charge --config "$CONF" --operator 2 --pin-fd 3 3<<<2222 --phone 0708374149 --amount 1 2>"$T/stderr"); RC=$?
is "$RC/$(j .error.code)" "77/POS_E_LOCKED" "... lock the operator, even with the right PIN next"
like "$(cat "$T/stderr")" 'locked .* until [0-9]{2}:[0-9]{2}' "... until a time the sentence gives"
is "$(sqlite3 "$T/pos.db" "select count(*) from audit where action in ('signin.failed','signin.locked') and operator_id=2")" 6 \
  "every failed sign-in is audited"
op passwd 2 --pin-fd 3 3<<<5555 --admin 1 --admin-pin-fd 4 4<<<4444
is "$RC" 0 "an admin sets a new PIN"
OUT=$("$POS" charge --config "$CONF" --operator 2 --pin-fd 3 3<<<5555 --phone 0708374149 --amount 1 2>/dev/null); RC=$?
is "$RC" 20 "... which clears the lock: the cashier charges again"
op passwd 2 --pin-fd 3 3<<<6666 --current-pin-fd 4 4<<<5555
is "$RC" 0 "an operator changes their own PIN with the current one"
op passwd 2 --pin-fd 3 3<<<7777 --current-pin-fd 4 4<<<5555
is "$RC" 77 "... not with a wrong one"
op disable 2
is "$RC" 77 "disabling needs an admin"
op disable 2 --admin 1 --admin-pin-fd 4 4<<<4444
is "$RC" 0 "an admin disables the cashier"
OUT=$("$POS" charge --config "$CONF" --operator 2 --pin-fd 3 3<<<6666 --phone 0708374149 --amount 1 2>"$T/stderr"); RC=$?
is "$RC" 77 "a disabled operator cannot sign in"
like "$(cat "$T/stderr")" 'disabled' "... and is told so"
is "$(sqlite3 "$T/pos.db" "select group_concat(action) from (select action from audit where action like 'operator.%' order by id)")" \
  "operator.add,operator.add,operator.passwd,operator.passwd,operator.disable" "every change to operators is audited"
is "$(sqlite3 "$T/pos.db" "select count(*) from audit where action='signin'")" \
  "$(sqlite3 "$T/pos.db" "select count(*) from audit where action='signin' and operator_id in (1,2)")" \
  "every successful sign-in is audited under its operator"
grep -q '4444\|2222\|5555\|6666' "$T/pos.log" && not_ok "no PIN in the log" || ok "no PIN in the log"
t_done
