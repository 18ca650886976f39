#!/usr/bin/env bash
# The command line's self-description stays complete and honest:
#  - every command of the table in src/cli/main.c (as `mpesa-pos --help`
#    lists it) has a section in the man page (.SS NAME in docs/mpesa-pos.1)
#    and in docs/cli.md (### NAME);
#  - every command, and every subcommand its usage names, answers --help with
#    exit 0 and its usage on stdout, and an unknown option with exit 64 and a
#    message naming the option, creating no file on the way;
#  - every exit code of enum cli_exit (src/cli/cli.h) is in both exit-code
#    tables; the man page renders without a warning.
. "$(dirname "$0")/../lib.sh"
POS=$B/mpesa-pos
MAN=$ROOT/docs/mpesa-pos.1
CLIMD=$ROOT/docs/cli.md
[[ -x $POS ]] || { echo "Bail out! $POS is not built"; exit 1; }

# Each invocation runs in a scratch folder and home of its own (nothing real
# is read or written, and what it leaves behind is visible), all of a phase
# at once: the program takes ~0.2 s to start on a loaded machine.
n_inv=0
# start ARGS...: run mpesa-pos ARGS in the background; its id is $n_inv.
start() {
  n_inv=$((n_inv + 1))
  local d=$T/inv/$n_inv
  mkdir -p "$d/w/home"
  (cd "$d/w" && HOME=$d/w/home XDG_CONFIG_HOME=$d/w/home/.config timeout 20 "$POS" "$@" \
    </dev/null >"$d/out" 2>"$d/err"; echo $? >"$d/rc") &
}
# result N: RC, OUT, ERR and MADE (files it left in its folder) of invocation N.
result() {
  local d=$T/inv/$1 f
  RC=$(<"$d/rc") OUT=$(<"$d/out") ERR=$(<"$d/err") MADE=
  for f in "$d"/w/* "$d"/w/.[!.]*; do
    [[ -e $f && $f != "$d/w/home" ]] && MADE+="${f##*/} "
  done
}

start --help
wait
result 1
is "$RC" 0 "mpesa-pos --help exits 0"
mapfile -t cmds < <(sed -n '/^commands:/,/^$/p' <<<"$OUT" | awk 'NR > 1 && NF { print $1 }')
mapfile -t table < <(sed -n '/^static const struct cli_command commands\[\]/,/^};/p' \
  "$ROOT/src/cli/main.c" | grep -o '^[[:space:]]*{"[a-z0-9-]*"' | grep -o '[a-z0-9-]*')
is "${cmds[*]}" "${table[*]}" "mpesa-pos --help lists the command table of src/cli/main.c"
((${#cmds[@]} >= 10)) || not_ok "the command table was parsed" "got: ${cmds[*]}"

missing_man=() missing_md=()
for c in "${cmds[@]}"; do
  grep -qx "\.SS $c" "$MAN" || missing_man+=("$c")
  grep -qE "^### $c( |$)" "$CLIMD" || missing_md+=("$c")
done
is "${missing_man[*]}" "" "every command has a section (.SS NAME) in docs/mpesa-pos.1"
is "${missing_md[*]}" "" "every command has a section (### NAME) in docs/cli.md"

# Phase 1: every command's --help (its subcommands are read from it).
declare -A help_of
for c in "${cmds[@]}"; do start "$c" --help; help_of[$c]=$n_inv; done
wait
# Phase 2: the subcommands' --help, and an unknown option everywhere.
lines=()   # "WORDS<TAB>HELP-ID<TAB>BOGUS-ID"
for c in "${cmds[@]}"; do
  start "$c" --no-such-option
  lines+=("$c"$'\t'"${help_of[$c]}"$'\t'"$n_inv")
  result "${help_of[$c]}"
  # "usage: mpesa-pos [--config FILE] CMD SUB ..." and "       mpesa-pos CMD SUB ..."
  mapfile -t subs < <(grep -oE "^(usage:)? *mpesa-pos (\[--config FILE\] )?$c [a-z][a-z-]*" <<<"$OUT" |
    awk '{ print $NF }' | sort -u)
  for s in "${subs[@]}"; do
    start "$c" "$s" --help; h=$n_inv
    start "$c" "$s" --no-such-option
    lines+=("$c $s"$'\t'"$h"$'\t'"$n_inv")
  done
done
wait

for l in "${lines[@]}"; do
  IFS=$'\t' read -r words h bad <<<"$l"
  what="mpesa-pos $words"
  result "$h"
  if [[ $RC -eq 0 && $OUT == usage:* ]]; then ok "$what --help: exit 0, usage on stdout"
  else not_ok "$what --help: exit 0, usage on stdout" "exit $RC; stdout: ${OUT:0:200}
stderr: ${ERR:0:200}"; fi
  result "$bad"
  if [[ $RC -eq 64 && $ERR == *--no-such-option* && -z $MADE ]]; then
    ok "$what --no-such-option: exit 64, the option named, no file made"
  else
    not_ok "$what --no-such-option: exit 64, the option named, no file made" \
      "exit $RC; stderr: ${ERR:0:200}; files made: ${MADE:-none}"
  fi
done

# Exit codes: every value of enum cli_exit is in both tables.
mapfile -t codes < <(sed -n '/^enum cli_exit {/,/^};/p' "$ROOT/src/cli/cli.h" |
  grep -oE '= [0-9]+' | awk '{ print $2 }')
((${#codes[@]} >= 10)) || not_ok "enum cli_exit was parsed" "got: ${codes[*]}"
man_codes=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' "$MAN")
md_codes=$(sed -n '/^## Exit codes/,/^## /p' "$CLIMD")
miss_m=() miss_d=()
for code in "${codes[@]}"; do
  grep -q "^$code|" <<<"$man_codes" || miss_m+=("$code")
  grep -qE "^\| $code \|" <<<"$md_codes" || miss_d+=("$code")
done
is "${miss_m[*]}" "" "every exit code of src/cli/cli.h is in the man page's EXIT STATUS"
is "${miss_d[*]}" "" "every exit code of src/cli/cli.h is in docs/cli.md"

# The man page renders, without a warning.
if command -v man >/dev/null; then
  warn=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >"$T/man.txt")
  is "$warn" "" "man -l docs/mpesa-pos.1 renders without a warning"
  check "the rendered page has its sections" grep -q "EXIT STATUS" "$T/man.txt"
else
  not_ok "man is installed (scripts/deps.sh: man-db)"
fi
t_done
