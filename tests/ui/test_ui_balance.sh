#!/usr/bin/env bash
# The Balance screen: a supervisor opens it from the menu (F8), the console
# asks M-Pesa (daraja-sim) and shows each account once the result callback
# has arrived, with its time; asking again shows the reading before it. A
# cashier is not offered the screen. Without a callback URL (poll mode) the
# screen says the balance needs one, and never shows a figure.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
ui_operator 2002 supervisor 2468 "Sam Supervisor"

# menu_open LABEL: the menu's number for a screen, whatever rows come first.
menu_open() {
  ui_keys F8
  ui_wait "$1" || return 1
  local n
  n=$(ui_screen | grep -oE "[0-9]+  $1" | head -1 | cut -d' ' -f1)
  ui_keys "$n"
}

ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_keys F8
ui_wait "History"
if ui_screen | grep -q "Balance"; then not_ok "a cashier's menu has no Balance"; else ok "a cashier's menu has no Balance"; fi
ui_keys F9
ui_sign_in 2002 2468 || { t_done; exit 1; }

menu_open "Balance"
ui_see "Working Account" "the balance arrives by callback and is shown" 15
ui_check balance-first "each account with its time; the first reading has no previous one"
n=$(sqlite3 "$T/pos.db" "select count(*) from balance" 2>/dev/null)
check "the reading is in the ledger ($n lines)" test "${n:-0}" -ge 4
ui_keys F5
ui_see "Previous reading" "F5 asks again" 15
ui_check balance-again "the second reading beside the one before it"
ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
tx kill-server 2>/dev/null

# ---- poll mode: no public callback URL -------------------------------------
# The listener's port is taken (by the simulator): the console runs without.
sed -i "/^public_url/d; s|^bind = .*|bind = ${SIM_URL#http://}|" "$UI_CONF"
ui_start 80 24
ui_sign_in 2002 2468 || { t_done; exit 1; }
menu_open "Balance"
ui_see "poll mode" "in poll mode the screen says the balance needs the callback URL" 15
if ui_screen | grep -q "KES"; then not_ok "no figure is shown while there is none"; else ok "no figure is shown while there is none"; fi
ui_check balance-poll "poll mode: what is happening and what to do, never a guessed figure"
ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"
t_done
