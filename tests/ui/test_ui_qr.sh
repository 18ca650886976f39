#!/usr/bin/env bash
# Pay by QR: the console asks the simulator's Dynamic QR for an amount and a
# reference, reads the PNG back into modules and draws them; the drawn code,
# captured from tmux and turned into an image (qr_text_to_pgm.py), decodes
# with zbarimg to the very payload the simulator put in its PNG, in Unicode
# half blocks and in ASCII. Too small a terminal is told so; the customer's
# payment then arrives in the C2B feed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ui_lib.sh"

if ! command -v zbarimg >/dev/null; then
  echo "1..0 # SKIP zbarimg is missing (scripts/deps.sh installs zbar-tools)"
  exit 0
fi
ui_sim || exit 1
ui_config
ui_operator 2001 cashier 4321 "Ann Cashier"
PAYLOAD="DARAJA-SIM-QR|TrxCode=PB|CPI=174379|Amount=500|RefNo=A1|MerchantName=Test till"

decode() { # STYLE WHAT
  ui_screen >"$T/screen.txt"
  if python3 "$UI_DIR/qr_text_to_pgm.py" "$1" "$T/screen.txt" "$T/qr.pgm" 2>"$T/py.err"; then
    is "$(zbarimg -q --raw "$T/qr.pgm" 2>/dev/null)" "$PAYLOAD" "$2"
  else
    not_ok "$2" "$(cat "$T/py.err")"
  fi
}

ui_start 80 24
ui_sign_in 2001 4321 || { t_done; exit 1; }
ui_keys F8
ui_wait "Pay by QR" || { t_done; exit 1; }
ui_keys "$(ui_screen | awk 'index($0, "Pay by QR") {print $1; exit}')"
ui_wait "Reference" || { t_done; exit 1; }
ui_type 500
ui_keys Enter
ui_type A1
ui_check qr-form "the QR form: amount and reference"
ui_keys Enter
ui_see "does not fit" "at 80x24 the code does not fit, and the screen says so"
ui_check qr-too-small "what it needs and what there is"
got=$(curl -s "$SIM_URL/__sim/requests?path=/mpesa/qrcode/v1/generate" | jq -r '.requests[-1].status')
is "$got" 200 "the simulator made the code"

ui_resize 100 40
ui_see "▀▀▀▀▀▀▀" "in a bigger terminal the code is drawn with half blocks"
decode half "zbar reads the half-block code: the simulator's payload"
ui_check qr-code "pay by QR: the code, two module rows per text row"
ui_keys F4
ui_resize 100 50
ui_see "##############" "F4 draws it in ASCII"
decode ascii "zbar reads the ASCII code too"
ui_resize 80 24

# The customer pays; the payment arrives in the feed.
ui_operator 2002 supervisor 2468 "Sam Supervisor"
"$B/mpesa-pos" --config "$UI_CONF" c2b register --operator 2002 --pin-fd 3 3<<<2468 >/dev/null 2>&1
curl -s -X POST "$SIM_URL/__sim/c2b/pay" \
  -d '{"msisdn":"254712345678","amount":500,"bill_ref":"A1","shortcode":"174379"}' >/dev/null
ui_keys Escape F8
ui_wait "C2B feed" || { t_done; exit 1; }
ui_keys "$(ui_screen | awk 'index($0, "C2B feed") {print $1; exit}')"
ui_see "today: 1 payment, KES 500" "the customer's payment arrives in the C2B feed"
ui_keys F10
ui_see "console exited with status 0" "the console quits"
t_done
