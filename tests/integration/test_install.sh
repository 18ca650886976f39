#!/usr/bin/env bash
# make install / make uninstall: into an empty folder, the installed programs
# run, the man page renders, systemd accepts the unit (systemd-analyze verify,
# with the installed man page findable, and no warning at all), the unit is
# hardened, a DESTDIR stage works, and uninstall removes exactly what install
# put there (the folder is left empty; a file of someone else's stays).
. "$(dirname "$0")/../lib.sh"
BUILD_DIR=${BUILD:-build}
for t in man systemd-analyze; do
  command -v "$t" >/dev/null || { echo "Bail out! $t is missing (scripts/deps.sh installs it)"; exit 1; }
done
mk() { make -C "$ROOT" --no-print-directory -s BUILD="$BUILD_DIR" "$@" >"$T/make.log" 2>&1; }

D=$T/inst
mkdir -p "$D"
check "make install PREFIX=DIR into an empty folder" mk install PREFIX="$D"
[[ -s $T/make.log ]] && grep -v '^installed' "$T/make.log" | sed 's/^/# /'

files=(bin/mpesa-pos bin/daraja-sim share/man/man1/mpesa-pos.1
  share/doc/mpesa-pos/mpesa-pos.conf.example share/mpesa-pos/sim-cert.pem
  share/mpesa-pos/sim-key.pem lib/systemd/system/mpesa-pos.service
  lib/sysusers.d/mpesa-pos.conf)
absent=()
for f in "${files[@]}"; do [[ -f $D/$f ]] || absent+=("$f"); done
is "${absent[*]}" "" "every file is installed"
is "$(cd "$D" && find . -type f | sort | tr '\n' ' ')" \
   "$(printf './%s\n' "${files[@]}" | sort | tr '\n' ' ')" "nothing else is installed"
is "$(stat -c %a "$D/bin/mpesa-pos") $(stat -c %a "$D/share/man/man1/mpesa-pos.1")" "755 644" \
   "programs are 755, data 644"

ver=$("$D/bin/mpesa-pos" --version 2>&1); rc=$?
is "$rc" 0 "DIR/bin/mpesa-pos --version exits 0"
like "$ver" "^mpesa-pos $(cat "$ROOT/VERSION") " "it prints the version"
cmp -s "$D/share/doc/mpesa-pos/mpesa-pos.conf.example" <("$D/bin/mpesa-pos" config example) &&
  ok "the installed example configuration is the installed program's" ||
  not_ok "the installed example configuration is the installed program's"

# The installed simulator runs with the installed test key pair (the paths
# docs/operations.md gives), from a folder that is not the source tree.
(cd "$T" && exec "$D/bin/daraja-sim" --listen 127.0.0.1:0 --log-level warn \
  --private-key "$D/share/mpesa-pos/sim-key.pem" --cert "$D/share/mpesa-pos/sim-cert.pem") \
  >"$T/sim.log" 2>&1 &
_t_pids+=("$!")
url=$(t_wait_listening "$T/sim.log" 10) && ok "the installed daraja-sim starts with the installed key pair" ||
  not_ok "the installed daraja-sim starts with the installed key pair" "$(cat "$T/sim.log")"
if [[ -n ${url:-} ]]; then
  tok=$(curl -s -u sim-consumer-key:sim-consumer-secret \
    "$url/oauth/v1/generate?grant_type=client_credentials" | grep -c access_token)
  is "$tok" 1 "it issues a token"
fi

# The man page: installed copy renders through man's own search path.
out=$(MANPATH=$D/share/man MANWIDTH=80 man --warnings mpesa-pos 2>"$T/man.err")
like "$out" "NAME.*mpesa-pos" "man mpesa-pos finds and renders the installed page"
is "$(cat "$T/man.err")" "" "without a warning"

# The unit.
U=$D/lib/systemd/system/mpesa-pos.service
is "$(grep -c '@[A-Z]*@' "$U")" 0 "no template placeholder is left in the unit"
is "$(grep '^ExecStart=' "$U")" "ExecStart=$D/bin/mpesa-pos serve --config /etc/mpesa-pos/mpesa-pos.conf" \
   "ExecStart runs the installed program"
want=(User=mpesa-pos NoNewPrivileges=yes PrivateTmp=yes ProtectSystem=strict ProtectHome=yes
  StateDirectory=mpesa-pos Restart=on-failure PrivateDevices=yes CapabilityBoundingSet=
  RestrictAddressFamilies= SystemCallFilter=@system-service)
lacking=()
for w in "${want[@]}"; do grep -q "^$w" "$U" || lacking+=("$w"); done
is "${lacking[*]}" "" "the unit has its hardening directives"
is "$(grep -cE '^(ReadWritePaths|ReadWriteDirectories)=' "$U")" 0 \
   "the state directory is the only writable place (no ReadWritePaths)"
# verify: the installed man page must be findable (Documentation=man:...),
# ExecStart must exist and be executable; systemd only warns about a bad
# value, so any output at all fails the test.
vout=$(MANPATH=$D/share/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$U" 2>&1); rc=$?
is "$rc:$vout" "0:" "systemd-analyze verify accepts the unit, without a warning"
# ... and it does look: a unit whose program is missing is refused.
sed "s|^ExecStart=$D|ExecStart=$T/nowhere|" "$U" >"$T/mpesa-pos.service"
MANPATH=$D/share/man systemd-analyze verify "$T/mpesa-pos.service" >/dev/null 2>&1
isnt_rc=$?
[[ $isnt_rc -ne 0 ]] && ok "verify refuses the unit when ExecStart is missing (it checks)" ||
  not_ok "verify refuses the unit when ExecStart is missing (it checks)"
exposure=$(systemd-analyze security --offline=yes "$U" 2>/dev/null |
  grep -oE 'Overall exposure level for mpesa-pos.service: [0-9.]+' | awk '{ print $NF }')
if [[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
  ok "systemd-analyze security: exposure $exposure (at most 2.0)"
else
  not_ok "systemd-analyze security: exposure at most 2.0" "got: ${exposure:-nothing}"
fi

# Uninstall: exactly what install put there.
check "make uninstall PREFIX=DIR" mk uninstall PREFIX="$D"
is "$(find "$D" -mindepth 1 | wc -l)" 0 "uninstall leaves the folder empty"

# DESTDIR: staged under DESTDIR, paths inside the files without it; and
# uninstall removes only what install put there (a file of someone else's in
# one of the folders stays, and so do the folders that hold it).
S=$T/stage
check "make install DESTDIR=STAGE PREFIX=/usr/local" mk install DESTDIR="$S" PREFIX=/usr/local
is "$(grep '^ExecStart=' "$S/usr/local/lib/systemd/system/mpesa-pos.service" 2>/dev/null)" \
   "ExecStart=/usr/local/bin/mpesa-pos serve --config /etc/mpesa-pos/mpesa-pos.conf" \
   "a staged unit names the final path"
echo keep >"$S/usr/local/bin/someone-elses"
check "make uninstall DESTDIR=STAGE PREFIX=/usr/local" mk uninstall DESTDIR="$S" PREFIX=/usr/local
is "$(cd "$S" && find . -mindepth 1 | sort | tr '\n' ' ')" \
   "./usr ./usr/local ./usr/local/bin ./usr/local/bin/someone-elses " \
   "uninstall removes what install put there, and nothing else"
t_done
