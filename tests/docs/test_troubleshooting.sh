#!/usr/bin/env bash
# docs/troubleshooting.md cannot rot: every entry's heading quotes words of
# a message the program prints ("### `words`"), and those words must still
# appear, as written, in the sources under src/. Rewording a message in the
# code fails this test until the page follows.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
DOC=docs/troubleshooting.md
mapfile -t msgs < <(sed -n 's/^### `\(.*\)`[[:space:]]*$/\1/p' "$DOC")
((${#msgs[@]} >= 15)) && ok "$DOC has ${#msgs[@]} quoted messages" ||
  not_ok "$DOC has at least 15 quoted messages" "found ${#msgs[@]}"
for m in "${msgs[@]}"; do
  if grep -rqF -- "$m" src/; then ok "still in src/: $m"
  else not_ok "still in src/: $m" "no file under src/ contains it: reword the entry in $DOC to what the program says now"; fi
done
# Every heading of an entry quotes a message (no unquoted, unchecked entry).
bare=$(grep -n '^### ' "$DOC" | grep -v '^[0-9]*:### `.*`[[:space:]]*$')
is "$bare" "" "every entry heading in $DOC is a quoted message"
t_done
