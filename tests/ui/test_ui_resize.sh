#!/usr/bin/env bash
# The console adapts to the terminal: 100x30 uses the room, 80x24 again is
# the same screen as before, and below 80x24 it says so instead of drawing.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

ui_sim || exit 1
ui_config
ui_operator 2002 supervisor 2468 "Sam Supervisor"
ui_start 80 24
ui_sign_in 2002 2468 || { t_done; exit 1; }
ui_charge 0708374149 120
ui_wait "M-Pesa receipt" 15
ui_keys F3
ui_wait "Newest first"
ui_check resize-80x24 "History at 80x24"

ui_resize 100 30
ui_wait "Reference"
ui_check resize-100x30 "resized to 100x30: more columns and rows"

ui_resize 80 24
ui_gone "Reference"
ui_check resize-80x24 "back at 80x24: the same screen as before"

ui_resize 60 20
ui_wait "too small"
ui_check resize-60x20 "at 60x20 the console says it is too small instead of drawing"
ui_type "jjj"
ui_keys Enter
ui_resize 80 24
ui_wait "Newest first"
ui_check resize-80x24 "keys typed while too small did nothing"

ui_keys F10
ui_see "console exited with status 0" "the console quits cleanly"

# A terminal without UTF-8: the same screens in plain ASCII.
tx kill-session -t "$UI_SESSION"
printf -v cmd '%q ' env LANG=C LC_ALL=C "$B/mpesa-pos" --config "$UI_CONF" console
tx new-session -d -s "$UI_SESSION" -x 80 -y 24 "$cmd; sleep 600"
ui_wait "Operator id"
screen=$(ui_screen)
if LC_ALL=C grep -q '[^ -~]' <<<"$screen"; then
  not_ok "without UTF-8 the console draws in ASCII only" "$screen"
else
  ok "without UTF-8 the console draws in ASCII only"
fi
like "$screen" "Test till - till-1 - shortcode 174379" "with ASCII separators"
t_done
