#!/usr/bin/env bash
# The layer check: no #include in src/ points up a rank, across to a sibling
# folder, or into another folder's private *_int.h; each foreign library
# enters through its own folders only. See docs/architecture.md. TAP output.
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A rank=([base]=0 [core]=1 [config]=2 [store]=3 [daraja]=3 [bus]=4
                 [listener]=4 [app]=5 [ui]=6 [cli]=6)
# Allowed sideways/upward edges (from:to).
declare -A extra=([cli:ui]=1)
# The simulator may use base/ and core's parsers, never core's policy.
sim_allowed='^(base/.*|core/money\.h|core/digits\.h)$'
# Third-party headers and the folders they may enter through.
declare -A lib_re=(
  [sqlite3]='^sqlite3\.h$'            [curl]='^curl/'
  [civetweb]='^civetweb\.h$'          [ncurses]='^(n?curses|ncursesw/.*|term)\.h$'
  [cjson]='^cjson/'                   [openssl]='^openssl/'
  [argon2]='^argon2\.h$'              [hiredis]='^hiredis/'
  [qr]='^(qrencode|png|zbar)\.h$'     [cmocka]='^cmocka\.h$'
)
declare -A lib_dirs=(
  [sqlite3]='store' [curl]='daraja bus' [civetweb]='listener sim'
  [ncurses]='ui' [cjson]='store daraja bus listener app ui cli sim'
  [openssl]='base daraja sim' [argon2]='base' [hiredis]='bus' [qr]='ui sim'
  [cmocka]=''
)

n=0 bad=0
while IFS= read -r file; do
  layer=${file#src/}; layer=${layer%%/*}
  while IFS= read -r line; do
    lineno=${line%%:*}; rest=${line#*:}
    if [[ $rest =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[1]}
      target=${inc%%/*}
      msg=
      if [[ $inc == */*_int.h && $target != "$layer" ]]; then
        msg="includes another folder's private header $inc"
      elif [[ $layer == sim ]]; then
        [[ $target == sim || $inc =~ $sim_allowed ]] || msg="daraja-sim may use base/ and core's parsers only, not $inc"
      elif [[ $target == sim ]]; then
        msg="only the simulator may include $inc"
      elif [[ -z ${rank[$target]+x} ]]; then
        [[ $inc != */* ]] || msg="unknown folder in $inc"
      elif [[ $target != "$layer" && -z ${extra[$layer:$target]+x} ]] &&
           (( ${rank[$target]} >= ${rank[$layer]} )); then
        msg="$layer (rank ${rank[$layer]}) may not include $inc (rank ${rank[$target]})"
      fi
    elif [[ $rest =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      inc=${BASH_REMATCH[1]}
      for lib in "${!lib_re[@]}"; do
        if [[ $inc =~ ${lib_re[$lib]} ]]; then
          [[ " ${lib_dirs[$lib]} " == *" $layer "* ]] ||
            msg="<$inc> may enter only through: ${lib_dirs[$lib]:-tests}"
        fi
      done
    else
      continue
    fi
    if [[ -n ${msg:-} ]]; then
      n=$((n + 1)); bad=$((bad + 1))
      echo "not ok $n - $file:$lineno: $msg"
    fi
    msg=
  done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$file")
done < <(find src -name '*.[ch]' -not -path 'src/bus/plugins/*' | sort)

n=$((n + 1))
if [[ $bad -eq 0 ]]; then
  echo "ok $n - every #include in src/ respects the layer map"
else
  echo "not ok $n - $bad include(s) break the layer map"
fi
