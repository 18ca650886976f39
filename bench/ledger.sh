#!/usr/bin/env bash
# bench/ledger.sh [quick|full]: the ledger at scale. Generates realistic
# ledgers through the store API (tests/tools/ledgergen.c; kept in the cache)
# of 100,000 rows (quick) and also 1,000,000 rows (full), then times the
# History queries and the day-end report on each. Writes $RES/2-ledger.md.
. "$(dirname "$0")/lib.sh"
need "$B/tools/ledgergen"

if [[ $MODE == full ]]; then SIZES=(100000 1000000); else SIZES=(100000); fi
[[ -n ${BENCH_LEDGER_SIZES:-} ]] && read -r -a SIZES <<<"$BENCH_LEDGER_SIZES"
KEY=$(cache_key)
REPEAT=15 PAGE=50

# Generation time is part of the result: ledgergen's own report, kept with
# the cached database.
gen_ledger() { "${SEED_ENV[@]}" "$B/tools/ledgergen" gen "$1" "$N"; }

declare -A T
for N in "${SIZES[@]}"; do
  say "ledger: $(fmt_int "$N") transactions (generated once through the store API, then cached)"
  DB=$(template "ledger-$N-$KEY" gen_ledger)
  [[ -n ${BENCH_PREPARE:-} ]] && continue
  timeout 600 "$B/tools/ledgergen" query "$DB" --repeat $REPEAT --page $PAGE >"$RUN/q-$N.txt"
  while read -r name cold median rows; do
    case $name in
      rows | sample_receipt | sample_phone | report_date | db_bytes) T[$N,$name]=$cold ;;
      *) T[$N,$name]="$cold $median $rows" ;;
    esac
  done <"$RUN/q-$N.txt"
  T[$N,gen_s]=$(json "$CACHE/ledger-$N-$KEY.json" seconds)
  T[$N,gen_rate]=$(json "$CACHE/ledger-$N-$KEY.json" per_second)
  T[$N,made]=$(stat -c %y "$DB" | cut -d. -f1)
done

[[ -n ${BENCH_PREPARE:-} ]] && exit 0

label() {
  case $1 in
    first_page) echo "first History page ($PAGE rows, newest first)" ;;
    next_page) echo "next page (keyset cursor)" ;;
    receipt) echo "search by receipt" ;;
    phone) echo "search by phone (a regular customer; first page)" ;;
    filtered) echo "filtered page: M-Pesa charges, cancelled, till-2" ;;
    day_report) echo "day-end report (the last whole day, every till; rows: its transactions)" ;;
  esac
}
ms() { awk -v x="$1" 'BEGIN { if (x < 10) printf "%.2f", x; else printf "%.1f", x }'; }

{
  echo "## 2. Ledger at scale"
  echo
  echo "Realistic ledgers made by \`tests/tools/ledgergen\` through the store API (every row"
  echo "passes the state machine, with its timeline rows and outbox events): ~90 days of a"
  echo "shop with 3 tills, 8 cashiers and 2 supervisors; 72 % M-Pesa charges (80 % paid, the"
  echo "rest cancelled, declined, unanswered, a few held for review), 14 % paybill/till"
  echo "payments, 9 % cash and card, payouts, reversals and queries; lunch and evening peaks,"
  echo "busier Saturdays and month ends; regular customers come back. Times in ms: \"cold\" is"
  echo "the median of the first call on 5 fresh read-only connections (the OS file cache is"
  echo "warm), \"median\" the median of $REPEAT more on one connection."
  echo
  printf '| query |'
  for N in "${SIZES[@]}"; do printf ' %s rows: cold | median | rows |' "$(fmt_int "$N")"; done
  echo
  printf '|---|'
  for N in "${SIZES[@]}"; do printf -- '---:|---:|---:|'; done
  echo
  for q in first_page next_page receipt phone filtered day_report; do
    printf '| %s |' "$(label $q)"
    for N in "${SIZES[@]}"; do
      read -r c m r <<<"${T[$N,$q]}"
      printf ' %s | %s | %s |' "$(ms "$c")" "$(ms "$m")" "$(fmt_int "$r")"
    done
    echo
  done
  printf '| database on disk |'
  for N in "${SIZES[@]}"; do
    printf ' %s MB | | |' "$(awk -v b="${T[$N,db_bytes]}" 'BEGIN { printf "%.0f", b / 1048576 }')"
  done
  echo
  printf '| generation through the store API |'
  for N in "${SIZES[@]}"; do
    printf ' %s s | %s/s | |' "$(fmt_int "${T[$N,gen_s]}")" "$(fmt_int "${T[$N,gen_rate]}")"
  done
  echo
  echo
  for N in "${SIZES[@]}"; do
    echo "- $(fmt_int "$N") rows: receipt ${T[$N,sample_receipt]}, phone ${T[$N,sample_phone]}, report day ${T[$N,report_date]}; generated ${T[$N,made]}."
  done
  echo
  echo "Generation is one SQL transaction per store call (create, then each state change:"
  echo "3 to 5 commits a transaction) with synchronous=OFF; the store API has no bulk path."
  echo
} >"$RES/2-ledger.md"

BIG=${SIZES[${#SIZES[@]}-1]}
verdict() { awk -v x="$1" -v lim="$2" 'BEGIN { print (x < lim) ? "met" : "MISSED" }'; }
scale="at $(fmt_int "$BIG") rows"
[[ $BIG -lt 1000000 ]] && scale="at $(fmt_int "$BIG") rows (1,000,000 in full mode)"
worst=0
for q in first_page receipt phone; do
  read -r c _ _ <<<"${T[$BIG,$q]}"
  worst=$(awk -v a="$worst" -v b="$c" 'BEGIN { print (b > a) ? b : a }')
done
read -r c _ _ <<<"${T[$BIG,first_page]}"
target "first History page, cold" "< 20 ms at 1M" "$(ms "$c") ms $scale" "$(verdict "$c" 20)"
target "each search (receipt, phone), cold" "< 20 ms at 1M" "worst $(ms "$worst") ms $scale" "$(verdict "$worst" 20)"
read -r c _ _ <<<"${T[$BIG,day_report]}"
target "day-end report, cold" "< 1 s at 1M" "$(ms "$c") ms $scale" "$(verdict "$c" 1000)"

printf '\n2. Ledger at scale (ms: cold / median)\n'
printf '  %-12s' query
for N in "${SIZES[@]}"; do printf ' %18s' "$(fmt_int "$N") rows"; done
echo
for q in first_page next_page receipt phone filtered day_report; do
  printf '  %-12s' "$q"
  for N in "${SIZES[@]}"; do
    read -r c m _ <<<"${T[$N,$q]}"
    printf ' %18s' "$(ms "$c") / $(ms "$m")"
  done
  echo
done
printf '  %-12s' db_size
for N in "${SIZES[@]}"; do printf ' %18s' "$(awk -v b="${T[$N,db_bytes]}" 'BEGIN { printf "%.0f MB", b / 1048576 }')"; done
echo
