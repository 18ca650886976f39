#!/usr/bin/env bash
# docs/screens.md shows exactly the screens the UI tests compare.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT"
if out=$(scripts/screens.sh --check 2>&1); then
  ok "docs/screens.md matches tests/ui/expected/"
else
  not_ok "docs/screens.md matches tests/ui/expected/" "$out"
fi
t_done
