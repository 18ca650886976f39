#!/usr/bin/env bash
# Make the key pair daraja-sim decrypts SecurityCredential with.
#
#   scripts/gen-sim-cert.sh [OUTDIR]      (default: assets/)
#
# Writes OUTDIR/sim-key.pem (RSA-2048 private key, PKCS#8, unencrypted) and
# OUTDIR/sim-cert.pem (self-signed X.509, CN=daraja-sim.local, valid 100
# years). Clients encrypt the initiator password with the certificate's public
# key (RSA PKCS#1 v1.5, then base64), exactly as they do with Safaricom's
# certificate; the simulator decrypts with the private key. Both files are
# test material only: they are committed so that every checkout agrees, and
# they protect nothing. Refuses to overwrite existing files unless --force.
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
if [[ ${1:-} == --force ]]; then force=1; shift; fi
out=${1:-assets}
key=$out/sim-key.pem
cert=$out/sim-cert.pem

if [[ $force -eq 0 && ( -e $key || -e $cert ) ]]; then
  echo "gen-sim-cert: $key or $cert already exists; pass --force to replace them" >&2
  exit 1
fi
mkdir -p "$out"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 36500 \
  -subj /CN=daraja-sim.local \
  -keyout "$key" -out "$cert" 2>/dev/null
chmod 0644 "$key" "$cert"
echo "gen-sim-cert: wrote $key and $cert"
openssl x509 -in "$cert" -noout -subject -enddate
