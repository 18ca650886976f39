#!/usr/bin/env bash
# The console's status line warns about the initiator password from two
# weeks before it expires ([daraja] initiator_password_days), and says so
# once it has expired (the fixed test clock: 2025-03-14 10:15 Nairobi).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim
UI_DARAJA_EXTRA='initiator_password_set_on = 2024-12-20'
ui_config
ui_start 80 24
ui_wait "initiator pw: 5d left" 10 &&
  ok "90 days from 2024-12-20 is 2025-03-20: the status line counts the days left" ||
  not_ok "the status line warns of the expiry" "$(ui_screen)"
is "$(ui_screen | sed -n 2p | grep -c "initiator pw")" 1 "... on the status line (the second row)"
tx kill-server 2>/dev/null

UI_DARAJA_EXTRA=$'initiator_password_set_on = 2024-12-20\ninitiator_password_days = 30'
ui_config
ui_start 80 24
ui_wait "INITIATOR PW EXPIRED" 10 &&
  ok "30 days from 2024-12-20 have passed: the status line says it has expired" ||
  not_ok "the status line says it has expired" "$(ui_screen)"
tx kill-server 2>/dev/null

UI_DARAJA_EXTRA='initiator_password_set_on = 2025-03-01'
ui_config
ui_start 80 24
ui_wait "no callback yet" 10
is "$(ui_screen | grep -c "initiator pw")" 0 "a password 13 days old: no warning"

t_done
