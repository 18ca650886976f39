#!/usr/bin/env bash
# The console and serve under valgrind for a scripted session (issue 10,
# "Sanitizers and leaks"): no invalid read or write, no use of uninitialised
# memory, no leak that valgrind calls definite. (Memory still reachable at
# exit inside ncurses, libcurl and OpenSSL is theirs and is not counted.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

VG=(valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --num-callers=30)
vg_clean() { # LOGFILE WHAT
  if grep -q 'ERROR SUMMARY: 0 errors' "$1" && ! grep -q 'definitely lost: [1-9]' "$1"; then
    ok "$2"
  else
    not_ok "$2" "$(grep -E 'Invalid|uninitialised|definitely lost|ERROR SUMMARY' "$1" | head -20)"
  fi
}

ui_sim
ui_config
ui_operator 1001 supervisor 1111

# 1. The console: sign in, a paid charge, History, the detail, the menu, quit.
printf -v UI_WRAP '%q ' "${VG[@]}" "--log-file=$T/vg-console.log"
ui_start 80 24
ui_wait "Operator id" 60 || { not_ok "the console starts under valgrind"; t_done; exit; }
ui_type 1001; ui_keys Enter; ui_type 1111; ui_keys Enter
ui_see "New sale: the customer" "signed in under valgrind" 60
ui_charge 0708374149 10
ui_see "M-Pesa receipt" "a charge ends PAID under valgrind" 60
ui_keys F3
ui_see "0708 374 149" "History shows it" 30
ui_keys Enter
ui_see "Timeline" "the detail view opens" 30
ui_keys Escape F8
ui_see "Press a number" "the menu opens" 30
ui_keys F10
ui_see "[console exited with status 0]" "the console quits with status 0 (99 would be a valgrind error)" 60
vg_clean "$T/vg-console.log" "the console session is clean under valgrind"
tx kill-server 2>/dev/null

# 2. serve: 200 callbacks over 4 connections, each sent twice, then SIGTERM.
cat >"$T/serve.conf" <<CONF
[listener]
bind = 127.0.0.1:0
public_url = https://pos.example.co.ke
rate_per_minute = 100000
[daraja]
business_shortcode = 600984
[store]
path = $T/serve.db
[log]
path = $T/serve.log
CONF
chmod 600 "$T/serve.conf"
"$B/tools/cbload" seed "$T/serve.db" 200 >/dev/null
t_spawn "$T/serve.out" "${VG[@]}" "--log-file=$T/vg-serve.log" "$B/mpesa-pos" serve --config "$T/serve.conf"
SERVE_PID=$T_PID
URL=$(t_wait_listening "$T/serve.out" 60) || { not_ok "serve starts under valgrind"; t_done; exit; }
SECRET=$(sqlite3 "$T/serve.db" "select value from setting where key like '%secret%'")
out=$("$B/tools/cbload" fire "$URL" "$SECRET" 1 200 4 --dup --log "$T/answered")
is "$out" '{"sent":400,"answered":400,"failed":0}' "serve answers 400 callbacks under valgrind"
kill -TERM "$SERVE_PID"
for _ in $(seq 1 300); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
wait "$SERVE_PID"
is "$?" 0 "serve stops on SIGTERM with status 0 (99 would be a valgrind error)"
vg_clean "$T/vg-serve.log" "the serve session is clean under valgrind"
t_done
