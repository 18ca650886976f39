#!/usr/bin/env bash
# tests/integration/test_config_cli.sh: `mpesa-pos config check|example|reference`
# on good and bad files, with the environment and .env, checking output lines
# and exit codes.
. "$(dirname "$0")/../lib.sh"

W=$T/work
mkdir -p "$W" "$T/home"
P=$B/mpesa-pos

# pos ARGS...: run mpesa-pos in $W with a clean environment plus $EXTRA_ENV;
# sets rc, out, err.
EXTRA_ENV=()
pos() {
  (cd "$W" && env -i PATH="$PATH" HOME="$T/home" LANG=C.UTF-8 "${EXTRA_ENV[@]}" "$P" "$@") \
    >"$T/out" 2>"$T/err"
  rc=$?
  out=$(cat "$T/out")
  err=$(cat "$T/err")
}

# has_line TEXT EXACT-LINE DESCRIPTION
has_line() {
  if grep -qxF -- "$2" <<<"$1"; then ok "$3"; else not_ok "$3" "missing line: $2
in:
$1"; fi
}

# --- no file at all -------------------------------------------------------------
pos config check
is "$rc" 0 "no file: valid"
has_line "$out" "# file: none (defaults and environment)" "no file: says so"
has_line "$out" "# Daraja: SANDBOX at https://sandbox.safaricom.co.ke" "no file: sandbox"
has_line "$out" "[daraja] timeout = 30  (default)" "no file: default timeout"
has_line "$out" "[daraja] passkey = (not set)  (default)" "no file: empty secret shows (not set)"
has_line "$out" "[listener] tls = false  (default)" "no file: tls off"
is "$(grep -c '^\[' <<<"$out")" "$(grep -c '^#[a-z0-9_]* =' "$ROOT/mpesa-pos.conf.example")" \
  "one line per key, as many as the example has"
has_line "$err" "warning: configuration: [daraja] passkey: not set: calls to the Daraja sandbox will fail until it is set (in the file or in MPESA_PASSKEY)" \
  "no file: missing credentials are a warning in sandbox"
has_line "$err" "mpesa-pos: the configuration is valid, with 3 warnings" "no file: summary"

# --- a good file, with a secret ---------------------------------------------------
cat >"$W/good.conf" <<'EOF'
# the shop's settings
[daraja]
passkey = pk-integration-8f3a2b
consumer_key = ck-integration-0011223344
consumer_secret = cs-integration-5566
timeout = 2m

[till]
name = Duka la Mama — Front
EOF
chmod 600 "$W/good.conf"
pos config check --config good.conf
is "$rc" 0 "good file: valid"
has_line "$out" "# file: good.conf" "good file: named"
has_line "$out" "[daraja] passkey = ********  (good.conf:3)" "good file: secret masked, with its line"
has_line "$out" "[daraja] consumer_key = ck-i********  (good.conf:4)" "good file: key shown in part"
has_line "$out" "[daraja] timeout = 120  (good.conf:6)" "good file: 2m is 120 seconds"
has_line "$out" "[till] name = Duka la Mama — Front  (good.conf:9)" "good file: UTF-8 kept"
has_line "$err" "mpesa-pos: the configuration is valid" "good file: no warnings"
for s in pk-integration-8f3a2b ck-integration-0011223344 cs-integration-5566; do
  if grep -qF "$s" "$T/out" "$T/err"; then not_ok "secret $s never printed"; else ok "secret never printed"; fi
done
pos --config good.conf config check
is "$rc" 0 "--config before the command works too"
has_line "$out" "# file: good.conf" "global --config is used"
pos config check --config=good.conf
has_line "$out" "# file: good.conf" "--config=FILE works"

# --- the same file readable by others is refused ---------------------------------
chmod 644 "$W/good.conf"
pos config check --config good.conf
is "$rc" 78 "secrets in a 0644 file: exit 78"
has_line "$err" "good.conf: holds secrets (passkey, consumer_secret) but other users can read it (mode 0644); run: chmod 600 good.conf" \
  "secrets in a 0644 file: says how to fix it"
is "$out" "" "refused: nothing on stdout"
chmod 600 "$W/good.conf"

# --- a bad file: every problem, with its line ----------------------------------
cat >"$W/bad.conf" <<'EOF'
[daraja]
environment = prod
timeout = abc
timeout = 5
consumer_secet = x
[till]
name =
[listener]
tls = true
bind = 8090
allow = 10.0.0.0/33
public_url = https://shop.example.co.ke/mpesa/callback
[limits]
payout_max = 10.50
just words
[nowhere]
EOF
pos config check --config bad.conf
is "$rc" 78 "bad file: exit 78 (CLI_CONFIG)"
is "$out" "" "bad file: nothing on stdout"
while IFS= read -r want; do
  has_line "$err" "$want" "bad file: ${want%%:*}:$(cut -d: -f2 <<<"$want")"
done <<'EOF'
bad.conf:2: [daraja] environment: "prod" is not one of the choices; allowed sandbox or production
bad.conf:3: [daraja] timeout: "abc" is not a whole number; allowed 1..300 seconds
bad.conf:4: [daraja] timeout: set twice (first on line 3); keep one
bad.conf:5: [daraja] "consumer_secet": unknown key; did you mean consumer_secret?
bad.conf:7: [till] name: the value is empty (leave the key out to use the default, Main till); allowed 1..40 characters
bad.conf:9: [listener] tls: true is refused: Debian's CivetWeb crashes on TLS. Set tls = false and terminate TLS in front of mpesa-pos (a reverse proxy or tunnel); see docs/going-live.md
bad.conf:10: [listener] bind: "8090" has no :port; allowed host:port with a port of 0..65535
bad.conf:11: [listener] allow: "10.0.0.0/33" has a prefix length above 32; allowed IP addresses or CIDR blocks separated by commas, e.g. 196.201.214.0/24, 10.0.0.5, or empty
bad.conf:12: [listener] public_url: "https://shop.example.co.ke/mpesa/callback" has a path; write only scheme://host[:port]: mpesa-pos adds its own callback paths; allowed scheme://host[:port] with no path, e.g. https://pos.example.co.ke, or empty
bad.conf:14: [limits] payout_max: "10.50" has a fraction: amounts are whole shillings; allowed 1..1000000 KES in whole shillings
bad.conf:15: the line has no "="; write key = value, a [section] header, or a comment starting with # or ;
bad.conf:16: ["nowhere"]: unknown section; allowed [daraja], [till], [listener], [store], [bus], [ui], [limits], [log], [api]
EOF
has_line "$err" "mpesa-pos: the configuration has 12 problems; fix them and run mpesa-pos config check again" \
  "bad file: counts its problems"
first_warning=$(grep -n '^warning:' <<<"$err" | head -1 | cut -d: -f1)
last_error=$(grep -vn '^warning:' <<<"$err" | tail -2 | head -1 | cut -d: -f1)
check "errors come before warnings" test "${first_warning:-999}" -gt "${last_error:-0}"

# --- a missing --config file; folders --------------------------------------------
pos config check --config nope.conf
is "$rc" 78 "missing --config file: exit 78"
has_line "$err" "nope.conf: no such file (named by --config); check the path, or leave --config out to use ./mpesa-pos.conf" \
  "missing --config file: says so"

# --- the environment and .env ----------------------------------------------------
EXTRA_ENV=(MPESA_TIMEOUT=45 MPESA_SHORTCODE=600111 MMO_MPESA_MAX_RETRIES=5
           MPESA_CALLBACK_URL=https://shop.example.co.ke/mpesa/callback
           MPESA_CONSUMER_SECRET=cs-env-secret-9988)
printf 'MPESA_TIMEOUT=50\nexport MPESA_STK=1\nMPESA_INITIATOR_NAME="apiop"  # ours\n' >"$W/.env"
pos config check --config good.conf
is "$rc" 0 "environment: valid"
has_line "$out" "[daraja] timeout = 45  (environment MPESA_TIMEOUT)" "environment beats .env and file"
has_line "$out" "[daraja] business_shortcode = 600111  (environment MPESA_SHORTCODE)" "alias MPESA_SHORTCODE"
has_line "$out" "[daraja] max_retries = 5  (environment MMO_MPESA_MAX_RETRIES)" "MMO_MPESA_ spelling"
has_line "$out" "[daraja] initiator_name = apiop  (.env:3)" ".env below the environment, quotes and comment"
has_line "$out" "[listener] public_url = https://shop.example.co.ke  (environment MPESA_CALLBACK_URL)" \
  "MPESA_CALLBACK_URL keeps scheme://host only"
has_line "$out" "[daraja] consumer_secret = ********  (environment MPESA_CONSUMER_SECRET)" "secret from the environment masked"
has_line "$err" 'warning: environment MPESA_CALLBACK_URL: [listener] public_url: the path "/mpesa/callback" is ignored because mpesa-pos adds its own callback paths; using https://shop.example.co.ke' \
  "MPESA_CALLBACK_URL path: warning"
if grep -qF cs-env-secret-9988 "$T/out" "$T/err"; then not_ok "secret from the environment never printed"; else ok "secret from the environment never printed"; fi
EXTRA_ENV=(MPESA_TIMEOUT=soon)
pos config check
is "$rc" 78 "bad environment value: exit 78"
has_line "$err" 'environment MPESA_TIMEOUT: [daraja] timeout: "soon" is not a whole number; allowed 1..300 seconds' \
  "bad environment value: names the variable"
EXTRA_ENV=()
pos config check
has_line "$out" "[daraja] timeout = 50  (.env:1)" ".env beats the default"
rm "$W/.env"

# --- ./mpesa-pos.conf, then XDG --------------------------------------------------
mkdir -p "$T/xdg/mpesa-pos"
printf '[till]\nid = from-xdg\n' >"$T/xdg/mpesa-pos/mpesa-pos.conf"
EXTRA_ENV=(XDG_CONFIG_HOME="$T/xdg")
pos config check
has_line "$out" "# file: $T/xdg/mpesa-pos/mpesa-pos.conf" "XDG file found"
has_line "$out" "[till] id = from-xdg  ($T/xdg/mpesa-pos/mpesa-pos.conf:2)" "XDG file used"
has_line "$out" "[store] path = $T/xdg/mpesa-pos/mpesa-pos.db  (default)" "default paths follow the file"
printf '[till]\nid = from-cwd\n[daraja]\nbase_url = http://127.0.0.1:9/\n' >"$W/mpesa-pos.conf"
pos config check
has_line "$out" "# file: mpesa-pos.conf" "./mpesa-pos.conf comes first"
has_line "$out" "[till] id = from-cwd  (mpesa-pos.conf:2)" "./mpesa-pos.conf used"
has_line "$out" "# Daraja: SIMULATOR at http://127.0.0.1:9" "loopback base_url: SIMULATOR"
check "simulator: no credential warnings" bash -c "! grep -q 'not set' '$T/err'"
EXTRA_ENV=()
rm "$W/mpesa-pos.conf"

# --- production -------------------------------------------------------------------
printf '[daraja]\nenvironment = production\n' >"$W/prod.conf"
pos config check --config prod.conf
is "$rc" 78 "production without credentials: exit 78"
has_line "$err" "prod.conf: [daraja] passkey: not set, and production needs it; set it in the file or in MPESA_PASSKEY" \
  "production without credentials: says which"
EXTRA_ENV=(MPESA_CONSUMER_KEY=ck-prod-123456 MPESA_CONSUMER_SECRET=cs-prod-123456
           MPESA_PASSKEY=pk-prod-123456 MPESA_BUSINESS_SHORTCODE=555555)
pos config check --config prod.conf
is "$rc" 0 "production with credentials: valid"
has_line "$out" "# Daraja: PRODUCTION at https://api.safaricom.co.ke" "production label and URL"
EXTRA_ENV=()

# --- example and reference are what the program generates -------------------------
pos config example
is "$rc" 0 "config example: exit 0"
check "config example matches mpesa-pos.conf.example" cmp -s "$T/out" "$ROOT/mpesa-pos.conf.example"
pos config reference
is "$rc" 0 "config reference: exit 0"
check "config reference matches docs/configuration.md" cmp -s "$T/out" "$ROOT/docs/configuration.md"
cp "$ROOT/mpesa-pos.conf.example" "$W/mpesa-pos.conf"
pos config check
is "$rc" 0 "the example itself is a valid configuration"

# --- usage -------------------------------------------------------------------------
pos config check --help
is "$rc" 0 "config check --help: exit 0"
like "$out" "usage: mpesa-pos" "config check --help: usage on stdout"
pos config --help
is "$rc" 0 "config --help: exit 0"
pos config
is "$rc" 64 "config alone: usage error"
pos config frobnicate
is "$rc" 64 "unknown config subcommand: exit 64"
has_line "$err" 'mpesa-pos config: unknown subcommand "frobnicate"; use check, example or reference' \
  "unknown config subcommand: says what exists"
pos config check --verbose
is "$rc" 64 "unknown argument: exit 64"
pos config example extra
is "$rc" 64 "config example takes no argument"

t_done
