#!/usr/bin/env bash
# Docs that cannot rot: every shell block marked runnable in README.md and
# docs/*.md is run, in order, against daraja-sim, and must exit 0.
#
# The convention (for writers of README.md and docs/*.md):
#
#   <!-- runnable -->
#   ```sh
#   mpesa-pos config check
#   ```
#
# The HTML comment (invisible on GitHub) on the line just before a ```sh
# fence marks the block. Each marked block runs as its own
# `bash -euo pipefail` script, so a failing command fails the block; the
# blocks of one file run in order in one scratch folder and see what the
# earlier ones left there (files, the database), not their shell variables.
# A block runs with a clean environment (env -i), and:
#   - its working directory holds ./mpesa-pos.conf (chmod 600) pointing at a
#     running daraja-sim ([daraja] base_url), a listener on a free loopback
#     port with public_url on it (so --wait gets callbacks), and the
#     defaults for the rest: a fresh ./mpesa-pos.db, ./mpesa-pos.log;
#   - PATH starts with the build folder (mpesa-pos, daraja-sim);
#   - SIM_URL is the simulator's address (its admin API, /__sim/, is on);
#   - HOME is an empty folder of its own.
# The simulator is the documented one (docs/daraja-sim.md): 0708374149 pays,
# 0700001032 cancels, ... Callbacks come 200 ms after a request.
# Blocks that need the internet, real credentials or a terminal are simply
# not marked. A block gets 60 s; whatever it started in the background is
# killed when it ends. A failure names FILE:LINE of the block's first line.
# Files run side by side, so a block must not use fixed ports or paths
# outside its folder.
. "$(dirname "$0")/../lib.sh"
cd "$ROOT" || exit 1
for t in curl jq sqlite3 python3; do
  command -v "$t" >/dev/null || { echo "Bail out! $t is missing (scripts/deps.sh installs it)"; exit 1; }
done
[[ -x $B/mpesa-pos && -x $B/daraja-sim ]] || { echo "Bail out! $B is not built"; exit 1; }

t_start_sim --admin --seed 5 --callback-delay-ms 200 --prompt-ttl-ms 2000 --log-level warn ||
  { echo "Bail out! daraja-sim did not start"; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# blocks FILE: "LINE<TAB>BLOCKFILE" for each marked block, the block's text
# written to $T/blocks/.
mkdir -p "$T/blocks"
blocks() {
  awk -v out="$T/blocks" -v base="$(basename "$1" .md)" '
    mark && /^```sh[[:space:]]*$/ { inb = 1; n++; start = NR + 1
      f = sprintf("%s/%s-%03d.sh", out, base, n); printf "" > f; mark = 0; next }
    inb && /^```[[:space:]]*$/ { inb = 0; close(f); printf "%d\t%s\n", start, f; next }
    inb { print >> f; next }
    { mark = ($0 ~ /^<!-- runnable -->[[:space:]]*$/) }
  ' "$1"
}

# run_doc DOC NAME: run DOC's blocks in order in their scratch folder; one
# line per block in $T/res/NAME: "RC<TAB>MS<TAB>LINE<TAB>BLOCKFILE", and the
# block's output in BLOCKFILE.out.
run_doc() {
  local doc=$1 name=$2 dir=$T/run/$2 port entry line file pid rc t0
  mkdir -p "$dir/home"
  port=$(free_port)
  printf '[daraja]\nbase_url = %s\n[listener]\nbind = 127.0.0.1:%s\npublic_url = http://127.0.0.1:%s\n' \
    "$SIM_URL" "$port" "$port" >"$dir/mpesa-pos.conf"
  chmod 600 "$dir/mpesa-pos.conf"
  while IFS= read -r entry; do
    line=${entry%%$'\t'*} file=${entry#*$'\t'}
    t0=${EPOCHREALTIME/./}
    (cd "$dir" && exec setsid -w env -i PATH="$B:/usr/local/bin:/usr/bin:/bin" HOME="$dir/home" \
      LANG=C.UTF-8 TERM=dumb SIM_URL="$SIM_URL" \
      timeout 60 bash -euo pipefail "$file") >"$file.out" 2>&1 </dev/null &
    pid=$!
    wait "$pid"
    rc=$?
    kill -- -"$pid" 2>/dev/null   # anything the block left running
    printf '%s\t%s\t%s\t%s\n' "$rc" "$(((${EPOCHREALTIME/./} - t0) / 1000))" "$line" "$file" \
      >>"$T/res/$name"
  done < <(blocks "$doc")
}

# The files run side by side (each with its own folder, database and
# listener port; the simulator is shared), the blocks of a file in order.
mkdir -p "$T/res"
docs=() runners=()
for doc in README.md docs/*.md; do
  grep -q '^<!-- runnable -->' "$doc" || continue
  docs+=("$doc")
  run_doc "$doc" "$(basename "$doc" .md)" &
  runners+=("$!")
done
wait "${runners[@]}"   # (not a bare wait: the simulator runs in the background too)

total=0
for doc in "${docs[@]}"; do
  name=$(basename "$doc" .md)
  [[ -f $T/res/$name ]] || { not_ok "$doc: its blocks ran"; continue; }
  while IFS=$'\t' read -r rc ms line file; do
    total=$((total + 1))
    first=$(grep -m1 -v '^[[:space:]]*\(#.*\)\?$' "$file")
    if [[ $rc -eq 0 ]]; then
      ok "$doc:$line: ${first:0:60}"; echo "# $ms ms"
    else
      not_ok "$doc:$line: ${first:0:60}" "exit $rc$([[ $rc -eq 124 ]] && echo ' (timed out after 60 s)'); output:
$(tail -20 "$file.out")"
    fi
  done <"$T/res/$name"
done

# The marker must not vanish unnoticed: the pages that promise runnable
# examples keep them.
for doc in README.md docs/getting-started.md docs/operations.md docs/troubleshooting.md docs/security.md; do
  n=$(grep -c '^<!-- runnable -->' "$doc" 2>/dev/null)
  ((${n:-0} > 0)) && ok "$doc has runnable blocks ($n)" || not_ok "$doc has runnable blocks"
done
# A marker not followed by a ```sh fence is a mistake (the block would be skipped).
stray=$(awk 'mark && !/^```sh[[:space:]]*$/ { print FILENAME ":" NR - 1 }
  { mark = ($0 ~ /^<!-- runnable -->[[:space:]]*$/) }' README.md docs/*.md)
is "$stray" "" "every <!-- runnable --> marker is followed by a \`\`\`sh fence"
echo "# $total runnable blocks"
t_done
