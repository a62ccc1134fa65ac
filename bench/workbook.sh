#!/bin/sh
# Parse time (criterion) and peak memory (/usr/bin/time -v) of a 50,000-row PDST workbook.
set -eu
cd "$(dirname "$0")/.."
cargo bench --bench workbook --no-run
exe=$(cargo bench --bench workbook --no-run --message-format=json 2>/dev/null \
    | sed -n 's/.*"executable":"\([^"]*workbook[^"]*\)".*/\1/p' | tail -n 1)
/usr/bin/time -v "$exe" --bench 2>&1 | grep -E 'one run|time:|parse_pdst|Maximum resident|Elapsed'
