# tests/ui/ui_lib.sh: drive the real console inside tmux and compare its
# screens with tests/ui/expected/. Source it after tests/lib.sh.
#
#   ui_sim [FLAGS]         start daraja-sim (seeded, admin API on) -> $SIM_URL
#   ui_config              write $T/pos.conf ([daraja] lines in
#                          $UI_DARAJA_EXTRA are added): the simulator, a free loopback
#                          port for the listener (public_url the same), a
#                          fresh database, receipts in $T/receipts
#   ui_operator ID ROLE PIN [NAME]   add an operator with mpesa-pos operator add
#   ui_start [COLS ROWS] [ARGS...]   the console in a detached tmux session
#                          (under $UI_WRAP, e.g. valgrind, when set)
#   ui_keys KEYS...        tmux send-keys (Enter, Escape, F3, BSpace, text...)
#   ui_type TEXT           type literal text
#   ui_wait TEXT [SECONDS] wait (bounded polling) until TEXT is on screen
#   ui_gone TEXT [SECONDS] wait until TEXT is no longer on screen
#   ui_screen              the screen now, trailing blanks removed
#   ui_check NAME WHAT     the settled screen against expected/NAME.txt (with
#                          UPDATE_SCREENS=1: write that file instead)
#   ui_resize COLS ROWS
#
# Each suite has its own tmux server (-L with a unique name), killed at
# exit, so suites never touch each other's or a person's tmux.
UI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UI_EXPECTED=$UI_DIR/expected
export LANG=C.UTF-8 LC_ALL=C.UTF-8
export MPESA_POS_TESTING=1
# 2025-03-14 10:15:00 in Nairobi: every screen shows the same clock.
export MPESA_POS_TEST_CLOCK=${MPESA_POS_TEST_CLOCK:-1741936500}
export NO_COLOR=1
UI_SOCK="mpesa-pos-ui-$$-$RANDOM"
UI_SESSION=pos

tx() { tmux -L "$UI_SOCK" -f /dev/null "$@"; }

_ui_cleanup() {
  tx kill-server 2>/dev/null
  _t_cleanup
}
trap _ui_cleanup EXIT

ui_sim() {
  t_start_sim --seed 7 --admin --callback-delay-ms 300 "$@"
}

ui_free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 12000)) # below the ephemeral range
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

ui_config() {
  local port
  port=$(ui_free_port) || return 1
  UI_CONF=$T/pos.conf
  cat >"$UI_CONF" <<CONF
[daraja]
base_url = $SIM_URL
${UI_DARAJA_EXTRA:-}

[till]
name = Test till

[listener]
bind = 127.0.0.1:$port
public_url = http://127.0.0.1:$port

[store]
path = $T/pos.db

[ui]
receipt_dir = $T/receipts

[bus]
backends = none

[log]
path = $T/pos.log
level = debug
CONF
}

ui_operator() {
  local id=$1 role=$2 pin=$3 name=${4:-"Test $2"}
  "$B/mpesa-pos" --config "$UI_CONF" operator add --id "$id" --name "$name" \
    --role "$role" --pin-fd 3 3<<<"$pin" >"$T/operator.out" 2>&1 ||
    { cat "$T/operator.out" >&2; return 1; }
}

ui_start() {
  local cols=${1:-80} rows=${2:-24}
  shift 2 2>/dev/null || shift $#
  local cmd
  # UI_WRAP: a command the console runs under (valgrind in test_ui_valgrind).
  # shellcheck disable=SC2086
  printf -v cmd '%q ' ${UI_WRAP:-} "$B/mpesa-pos" --config "$UI_CONF" console "$@"
  tx new-session -d -s "$UI_SESSION" -x "$cols" -y "$rows" \
    "$cmd; echo \"[console exited with status \$?]\"; sleep 600"
}

ui_keys() { tx send-keys -t "$UI_SESSION" "$@"; }
ui_type() { tx send-keys -t "$UI_SESSION" -l "$1"; }
ui_screen() { tx capture-pane -p -t "$UI_SESSION" | sed 's/[[:space:]]*$//'; }
ui_resize() { tx resize-window -t "$UI_SESSION" -x "$1" -y "$2"; }

# ui_wait TEXT [SECONDS]: true once TEXT is on the screen (ui_wait_re: an
# extended regular expression).
ui_wait() { _ui_wait -F "$@"; }
ui_wait_re() { _ui_wait -E "$@"; }
_ui_wait() {
  local how=$1 text=$2 limit=${3:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    ui_screen | grep -q "$how" -- "$text" && return 0
    sleep 0.05
  done
  echo "# ui_wait: \"$text\" not on screen after ${limit}s; the screen:" >&2
  ui_screen | sed 's/^/#   /' >&2
  return 1
}

ui_gone() {
  local text=$1 limit=${2:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    ui_screen | grep -qF -- "$text" || return 0
    sleep 0.05
  done
  return 1
}

# The screen once two captures 100 ms apart agree (at most 3 s).
ui_settled() {
  local a b i
  a=$(ui_screen)
  for ((i = 0; i < 30; i++)); do
    sleep 0.1
    b=$(ui_screen)
    [[ $a == "$b" ]] && break
    a=$b
  done
  printf '%s\n' "$b"
}

# Parts of a screen that change from run to run.
ui_normalise() {
  sed -E 's/[0-9]+:[0-9]{2} left/M:SS left/'
}

# ui_check NAME WHAT: compare the settled screen with expected/NAME.txt.
ui_check() {
  local name=$1 what=$2 got want
  got=$(ui_settled | ui_normalise)
  if [[ ${UPDATE_SCREENS:-0} == 1 ]]; then
    mkdir -p "$UI_EXPECTED"
    printf '%s\n' "$got" >"$UI_EXPECTED/$name.txt"
    ok "$what (expected/$name.txt written)"
    return 0
  fi
  if [[ ! -f $UI_EXPECTED/$name.txt ]]; then
    not_ok "$what" "expected/$name.txt is missing; run with UPDATE_SCREENS=1 to create it. The screen:
$got"
    return 0
  fi
  want=$(cat "$UI_EXPECTED/$name.txt")
  if [[ $got == "$want" ]]; then
    ok "$what"
  else
    not_ok "$what" "the screen differs from expected/$name.txt:
$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -40)"
  fi
}

# ui_sign_in ID PIN: from the sign-in screen to the Charge screen.
ui_sign_in() {
  ui_wait "Operator id" || return 1
  ui_type "$1"
  ui_keys Enter
  ui_type "$2"
  ui_keys Enter
  ui_wait "New sale: the customer" 15
}

# ui_see TEXT WHAT [SECONDS]: a test that TEXT comes on screen.
ui_see() {
  if ui_wait "$1" "${3:-10}" 2>"$T/ui_see.err"; then
    ok "$2"
  else
    not_ok "$2" "$(cat "$T/ui_see.err")"
  fi
}

# ui_charge PHONE AMOUNT: fill the form and send the prompt.
ui_charge() {
  ui_wait "New sale: the customer" || return 1
  ui_type "$1"
  ui_keys Enter
  ui_type "$2"
  ui_keys Enter
  ui_wait "Send an M-Pesa prompt for" || return 1
  ui_keys Enter
}
