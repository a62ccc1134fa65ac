#!/usr/bin/env bash
# Data-submission benchmark.
#
#   bench/submission.sh [rows, default 50000] [seconds per wrk run, default 15]
#
# Against the release binary on SQLite (and on PostgreSQL when TBSEQ_BENCH_POSTGRES_URL names
# a database tbseq may use; it is emptied first):
# 1. POST a generated PDST workbook of N rows (examples/pdst_workbook.rs) to /api/v1/submission/packages/{id}/pds-tests/: wall time of the request and the
#    server's peak resident memory (VmHWM) before and after.
#    After it: two hostile workbooks (200,000 rows; a zip bomb inflating to 1 GiB), each must
#    be a 400, and the peak memory since start.
# 2. wrk: GET /api/v1/submission/packages/{id}/ with a valid personal API token.
# Results go to stdout and bench-results/submission-<date>.txt. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
ROWS=${1:-50000}
DURATION=${2:-15}
bench_start submission
cargo build --release --locked --example pdst_workbook >&2
EXAMPLES=$(dirname "$BIN")/examples
"$EXAMPLES/pdst_workbook" "$ROWS" "$work/pdst.xlsx"
"$EXAMPLES/pdst_workbook" 200000 "$work/rows-200000.xlsx"
python3 - "$work/zip-bomb.xlsx" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        chunk = b" " * (1 << 20)
        for _ in range(1024):
            sheet.write(chunk)
PY

exec > >(tee "$OUT")

run() {
    local label=$1 url=$2
    local port pid token pk status
    port=$(free_port)
    (cd "$work" && TBSEQ_PORT=$port TBSEQ_DATABASE_URL=$url TBSEQ_DATA_DIR=$work/data-$label \
        exec "$BIN" >/dev/null 2>"$work/stderr-$label") &
    pid=$!
    _tbseq_cleanup+=("kill $pid")
    wait_http "http://127.0.0.1:$port/ping" || { cat "$work/stderr-$label" >&2; exit 1; }
    local config=(env TBSEQ_DATABASE_URL=$url TBSEQ_DATA_DIR=$work/data-$label)
    echo "correct horse battery staple" | "${config[@]}" "$BIN" user create bench --email bench@example.org --password-stdin >/dev/null 2>&1 || true
    token=$("${config[@]}" "$BIN" token create bench 2>/dev/null)
    pk=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"name": "bench"}' "http://127.0.0.1:$port/api/v1/submission/packages/" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["pk"])')
    echo
    echo "## $label"
    echo "resident memory after start: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status)"
    status=$(curl -s -o "$work/import.json" -w '%{http_code} %{time_total}' \
        -H "Authorization: Bearer $token" -F "file=@$work/pdst.xlsx" \
        "http://127.0.0.1:$port/api/v1/submission/packages/$pk/pds-tests/")
    echo "POST pds-tests ($ROWS rows, $(du -k "$work/pdst.xlsx" | cut -f1) KiB workbook): HTTP ${status% *}, ${status#* } s"
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  tests:", d.get("pdsTestsCount"), " aliases:", d.get("sampleAliasesCount"))' "$work/import.json" || cat "$work/import.json"
    echo "peak resident memory of the server (VmHWM): $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$pid/status)"
    local hostile
    for hostile in rows-200000 zip-bomb; do
        status=$(curl -s -o "$work/hostile.json" -w '%{http_code} %{time_total}' \
            -H "Authorization: Bearer $token" -F "file=@$work/$hostile.xlsx" \
            "http://127.0.0.1:$port/api/v1/submission/packages/$pk/pds-tests/")
        echo "POST $hostile.xlsx ($(du -k "$work/$hostile.xlsx" | cut -f1) KiB): HTTP ${status% *} in ${status#* } s: $(head -c 200 "$work/hostile.json")"
    done
    echo "peak resident memory after them (VmHWM): $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$pid/status)"
    # The same workbook into a second package: repeated uploads must not pile up memory.
    local second
    second=$(curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"name": "bench 2"}' "http://127.0.0.1:$port/api/v1/submission/packages/" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["pk"])')
    status=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
        -H "Authorization: Bearer $token" -F "file=@$work/pdst.xlsx" \
        "http://127.0.0.1:$port/api/v1/submission/packages/$second/pds-tests/")
    echo "POST pds-tests again, to a second package: HTTP ${status% *}, ${status#* } s"
    echo "peak resident memory since start (VmHWM): $(awk '/VmHWM/ {print $2/1024 " MB"}' /proc/$pid/status), resident now: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status)"
    wrk -t2 -c16 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/api/v1/submission/packages/$pk/" >"$work/wrk.txt"
    echo "GET /api/v1/submission/packages/$pk/ with a token (wrk -t2 -c16 -d${DURATION}s):"
    grep -E "Requests/sec|Latency  |50%|99%|Non-2xx" "$work/wrk.txt"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "# tbseq submission benchmark, $(date -u +%FT%TZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
run sqlite "sqlite://$work/bench.sqlite3"
if [ -n "$bench_postgres" ]; then
    psql -q "$bench_postgres" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;'
    run postgres "$bench_postgres"
fi
