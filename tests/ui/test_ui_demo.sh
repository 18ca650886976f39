#!/usr/bin/env bash
# `make run` on a fresh clone (scripts/run-demo.sh): it shows the demo PIN,
# signs in, charges 0708374149 and shows PAID with a receipt within a few
# seconds, and the charge appears in History. A second run never shows the
# PIN again. The simulator stops with the console.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

export MPESA_POS_DEMO_DIR=$T/demo
run_demo() {
  local cmd
  printf -v cmd 'cd %q && BUILD=%q scripts/run-demo.sh' "$ROOT" "${BUILD:-build}"
  tx new-session -d -s "$UI_SESSION" -x 80 -y 24 \
    "$cmd; echo \"[run-demo exited with status \$?]\"; sleep 600"
}

run_demo
ui_wait "Press Enter to open the console" 30
pin=$(ui_screen | sed -n 's/^Demo operator: 1001  PIN: \([0-9]*\)$/\1/p')
like "$pin" '^[0-9]{4}$' "make run shows the demo operator and its PIN before the console starts"
ui_keys Enter
ui_sign_in 1001 "$pin" || { t_done; exit 1; }
ok "the demo operator signs in"
t0=$(date +%s)
ui_charge 0708374149 100
if ui_wait "M-Pesa receipt" 15; then
  ok "a charge to 0708374149 shows PAID with a receipt ($(($(date +%s) - t0)) s)"
else
  not_ok "a charge to 0708374149 shows PAID with a receipt"
fi
ui_keys F3
ui_see "0708 374 149" "the charge appears in History"
ui_keys F10
ui_see "[run-demo exited with status 0]" "quitting the console ends make run cleanly"
sim_pid=$(cat "$T/demo/sim.pid")
for _ in $(seq 1 40); do kill -0 "$sim_pid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$sim_pid" 2>/dev/null; then
  not_ok "the simulator stops with the console"
  kill "$sim_pid"
else
  ok "the simulator stops with the console"
fi
tx kill-session -t "$UI_SESSION"

run_demo
ui_wait "Operator id" 30
like "$(ui_screen)" "Sign in" "a second make run goes straight to sign-in"
screen=$(tx capture-pane -p -S -50 -t "$UI_SESSION")
if [[ $screen == *"PIN: "* ]]; then not_ok "the PIN is never shown again"; else ok "the PIN is never shown again"; fi
ui_keys F10
ui_see "[run-demo exited with status 0]" "and quits cleanly"
t_done
