#!/usr/bin/env bash
# The banned-function check (as git does): functions that overflow, are not
# reentrant, or hide parse errors. Use the bounded forms in base/str.h, and
# gmtime_r (Nairobi time is UTC+3 from gmtime_r, see base/clock.h). TAP output.
set -uo pipefail
cd "$(dirname "$0")/.."
banned='strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|atoll|gets|localtime|gmtime|asctime|ctime|tmpnam|rand'
hits=$(grep -nE "(^|[^A-Za-z0-9_.>])($banned)[[:space:]]*\(" \
         $(find src tests -name '*.[ch]' | sort) 2>/dev/null | grep -vE '^\S+:[0-9]+:\s*(//|\*|/\*)')
if [[ -z $hits ]]; then
  echo "ok 1 - no banned function in src/ or tests/"
else
  echo "not ok 1 - banned functions used:"
  echo "$hits" | sed 's/^/# /'
fi
