#!/usr/bin/env bash
# Install the Debian packages mpesa-pos needs to build, run and test.
# Idempotent and quiet when nothing is missing: it asks dpkg what is there,
# runs `apt-get update` once only when something must be installed, and uses
# sudo when not root. `make run`, `make check` and `make deps` call it.
set -euo pipefail

packages=(
  # toolchain
  gcc make pkg-config clang libclang-rt-14-dev
  # libraries (see docs/architecture.md for which layer uses which)
  libncurses-dev libcurl4-openssl-dev libcjson-dev libsqlite3-dev libssl-dev
  libcivetweb-dev libcmocka-dev libargon2-dev libqrencode-dev libpng-dev
  libhiredis-dev
  # tools the tests and `make run` use
  sqlite3 openssl curl tmux ca-certificates bc wrk zbar-tools redis-server jq python3 tzdata valgrind
  # make install's test: systemd-analyze verify, man -l (tests/integration/test_install.sh)
  systemd man-db groff-base
  # bench/: the Python reference peer (Flask under gunicorn)
  python3-flask gunicorn
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: not root and no sudo: install as root: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done" >&2
