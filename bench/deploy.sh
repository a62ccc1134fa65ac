#!/usr/bin/env bash
# Deployment measurements:
#   (a) release binary size (stripped);
#   (b) `tbseq db copy` rate in rows/s on the full WHO catalogue 2023 data, SQLite → PostgreSQL
#       and PostgreSQL → SQLite (total rows copied / wall-clock seconds of the command, which
#       includes migrating the target and verifying row counts);
#   (c) the cost of /metrics collection: wrk requests/s on GET /api/v1/genphen/drugs/ with
#       metrics_enabled on and off (alternating runs, request log lines off in both).
#
#       Besides requests/s, the server's CPU time per request (from /proc/PID/stat), which
#       other load on the machine disturbs far less than throughput.
#
#   bench/deploy.sh [seconds per wrk run, default 20] [wrk runs per setting, default 3]
#
# BENCH_PARTS picks the parts (default abc); without b, (c) runs on a fresh seeded database.
#
# Needs ../shared/reference/catalogue-2023 beside the repository (CATALOGUE_DATA overrides).
# PostgreSQL: TBSEQ_BENCH_POSTGRES_URL (a user allowed to create databases), else a throwaway
# cluster as scripts/test starts (fsync off). TBSEQ_BIN names a release binary to measure
# instead of building one. Results go to stdout and bench-results/deploy-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
DURATION=${1:-20}
PARTS=${BENCH_PARTS:-abc}
RUNS=${2:-3}
DATA=${CATALOGUE_DATA:-../shared/reference/catalogue-2023}
# tbseq refuses unknown TBSEQ_* settings: take these two out of its environment.
bench_bin=${TBSEQ_BIN:-}
bench_postgres=${TBSEQ_BENCH_POSTGRES_URL:-}
unset TBSEQ_BIN TBSEQ_BENCH_POSTGRES_URL

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -n "$bench_bin" ]; then
    BIN=$(readlink -f "$bench_bin")
else
    cargo build --release --locked >&2
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/tbseq
fi
mkdir -p bench-results
OUT=bench-results/deploy-$(date -u +%Y%m%dT%H%M%SZ).txt
work=$(mktemp -d)
_tbseq_cleanup+=("rm -rf $work")

seconds() { python3 -c 'import time; print(f"{time.time():.3f}")'; }
minus() { python3 -c "print(f'{$1-$2:.1f}')"; }
# Runs `tbseq db copy`, prints rows, seconds and rows/s.
copy() {
    local from=$1 to=$2 t0 t1 rows
    t0=$(seconds)
    "$BIN" db copy --from "$from" --to "$to" >"$work/copy.txt"
    t1=$(seconds)
    rows=$(sed -n 's/^copied \([0-9]*\) rows.*/\1/p' "$work/copy.txt")
    python3 -c "print(f'{$rows} rows in {$t1-$t0:.1f} s: {$rows/($t1-$t0):,.0f} rows/s (tbseq reports: ' + open('$work/copy.txt').read().strip().splitlines()[-1] + ')')"
}

exec > >(tee "$OUT")
{
    echo "# tbseq deployment measurements, $(date -u +%FT%TZ), $(nproc) cores, $("$BIN" --version)"

    export TBSEQ_DATA_DIR=$work/data TBSEQ_LOG_REQUESTS=false
    sqlite_url="sqlite://$work/catalogue.sqlite3"
    if [[ $PARTS == *a* ]]; then
    echo
    echo "## (a) release binary"
    echo "$BIN: $(stat -c %s "$BIN") bytes ($(python3 -c "print(f'{$(stat -c %s "$BIN")/1048576:.1f}')") MiB); $(file -b "$BIN" | grep -o 'not stripped\|stripped' | head -n 1)"

    fi
    if [[ $PARTS == *b* ]]; then
    echo
    echo "## (b) tbseq db copy on the WHO catalogue 2023 data"
    t0=$(seconds)
    TBSEQ_DATABASE_URL=$sqlite_url "$BIN" import phenotypes "$DATA"/phenotypes/*.csv.gz >"$work/import.log"
    TBSEQ_DATABASE_URL=$sqlite_url "$BIN" import genotypes "$DATA"/genotypes/*.csv.gz >>"$work/import.log"
    t1=$(seconds)
    echo "import into SQLite (phenotypes, genotypes, refresh): $(minus "$t1" "$t0") s; $(du -ch "$work"/catalogue.sqlite3* | tail -n 1 | cut -f1) on disk"
    if [ -n "$bench_postgres" ]; then
        admin=$bench_postgres
        echo "PostgreSQL: $(psql "$admin" -Atc 'SHOW server_version') at TBSEQ_BENCH_POSTGRES_URL (fsync $(psql "$admin" -Atc 'SHOW fsync'))"
    else
        start_postgres
        admin=$TBSEQ_TEST_POSTGRES_URL
        echo "PostgreSQL: $(psql "$admin" -Atc 'SHOW server_version'), throwaway cluster (fsync off)"
    fi
    psql "$admin" -qc "DROP DATABASE IF EXISTS tbseq_bench_copy" -c "CREATE DATABASE tbseq_bench_copy"
    _tbseq_cleanup+=("psql '$admin' -qc 'DROP DATABASE IF EXISTS tbseq_bench_copy'")
    pg_url="${admin%/*}/tbseq_bench_copy"
    echo "SQLite → PostgreSQL: $(copy "$sqlite_url" "$pg_url")"
    echo "PostgreSQL → SQLite: $(copy "$pg_url" "sqlite://$work/back.sqlite3")"
    fi

    echo
    echo "## (c) /metrics overhead: GET /api/v1/genphen/drugs/, wrk -t2 -c16 -d${DURATION}s, $RUNS runs each"
    port=$(free_port)
    declare -A total=([true]=0 [false]=0) cpu=([true]=0 [false]=0)
    # CPU seconds (user + system) the process has used so far.
    cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
    for ((run = 1; run <= RUNS; run++)); do
        for enabled in true false; do
            TBSEQ_DATABASE_URL=$sqlite_url TBSEQ_PORT=$port TBSEQ_METRICS_ENABLED=$enabled \
                "$BIN" >"$work/server.log" 2>&1 &
            pid=$!
            until curl -sf "http://127.0.0.1:$port/ping" >/dev/null; do sleep 0.05; done
            metrics_status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
            c0=$(cpu_seconds "$pid")
            wrk -t2 -c16 -d"${DURATION}s" "http://127.0.0.1:$port/api/v1/genphen/drugs/" >"$work/wrk.txt"
            c1=$(cpu_seconds "$pid")
            rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
            requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
            us=$(python3 -c "print(f'{($c1 - $c0) / $requests * 1e6:.1f}')")
            echo "run $run, metrics_enabled=$enabled (/metrics: HTTP $metrics_status): $rps req/s, $us µs CPU per request"
            total[$enabled]=$(python3 -c "print(${total[$enabled]} + $rps)")
            cpu[$enabled]=$(python3 -c "print(${cpu[$enabled]} + $us)")
            kill "$pid"; wait "$pid" 2>/dev/null || true
        done
    done
    python3 -c "
on, off = ${total[true]} / $RUNS, ${total[false]} / $RUNS
print(f'mean: {on:,.0f} req/s with metrics, {off:,.0f} req/s without: overhead {(off - on) / off * 100:+.1f}% (goal < 5%)')
con, coff = ${cpu[true]} / $RUNS, ${cpu[false]} / $RUNS
print(f'mean CPU per request: {con:.1f} µs with metrics, {coff:.1f} µs without: overhead {(con - coff) / coff * 100:+.1f}%')"
}
