#!/usr/bin/env bash
# Catalogue benchmark on the full WHO catalogue 2023 input data (52,567 samples, ~668k
# phenotype rows, ~790k genotype rows), on SQLite and on PostgreSQL:
#   import time, refresh time, database size, and requests/s with p50/p99 latency at
#   16 connections for the public catalogue endpoints.
#
#   bench/catalogue.sh [seconds per endpoint, default 20] [sqlite|postgres|both, default both]
#
# Needs ../shared/reference/catalogue-2023 beside the repository. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
DURATION=${1:-20}
WHICH=${2:-both}
DATA=${CATALOGUE_DATA:-../shared/reference/catalogue-2023}

bench_start catalogue

seconds() { python3 -c 'import time; print(f"{time.time():.3f}")'; }

run_backend() {
    local kind=$1 url=$2 dir=$work/$1
    mkdir -p "$dir"
    export TBSEQ_DATABASE_URL=$url TBSEQ_DATA_DIR=$dir/data TBSEQ_LOG_REQUESTS=false
    echo "## $kind"
    local t0 t1 t2 t3
    t0=$(seconds)
    "$BIN" import phenotypes "$DATA"/phenotypes/*.csv.gz >"$dir/import.log"
    t1=$(seconds)
    "$BIN" import genotypes "$DATA"/genotypes/*.csv.gz >>"$dir/import.log"
    t2=$(seconds)
    echo "import phenotypes: $(python3 -c "print(f'{$t1-$t0:.1f}')") s; genotypes: $(python3 -c "print(f'{$t2-$t1:.1f}')") s; total $(python3 -c "print(f'{$t2-$t0:.1f}')") s"
    if "$BIN" refresh --help >/dev/null 2>&1; then
        "$BIN" refresh >"$dir/refresh.log"
        t3=$(seconds)
        echo "refresh: $(python3 -c "print(f'{$t3-$t2:.1f}')") s"
    fi
    if [ "$kind" = sqlite ]; then
        echo "database size: $(du -ch "${url#sqlite://}"* | tail -n 1 | cut -f1) (SQLite file and WAL)"
    else
        echo "database size: $(psql "$url" -Atc 'SELECT pg_size_pretty(pg_database_size(current_database()))')"
    fi
    local port pid
    port=$(free_port)
    TBSEQ_PORT=$port "$BIN" >"$dir/server.log" 2>&1 &
    pid=$!
    _tbseq_cleanup+=("kill $pid")
    until curl -sf "http://127.0.0.1:$port/ping" >/dev/null; do sleep 0.05; done
    local inh katg
    inh=$(curl -s "http://127.0.0.1:$port/api/v1/genphen/drugs/" | python3 -c 'import json,sys; print([d["drugId"] for d in json.load(sys.stdin) if d["code"]=="INH"][0])')
    katg=$(curl -s "http://127.0.0.1:$port/api/v1/overview/genes/?search=katG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["geneDbCrossrefId"])')
    for path in \
        "/api/v1/overview/global-drugs/?resistanceType=Pheno" \
        "/api/v1/overview/global-drugs/map/" \
        "/api/v1/overview/drug-gene-infos/?drug=$inh&paginated=true&page=1&pageSize=12" \
        "/api/v1/overview/drug-gene-infos/?geneDbCrossrefId=$katg" \
        "/api/v1/overview/genes/?search=rpo"; do
        local status
        status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
        wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$port$path" >"$dir/wrk.txt"
        printf '%s (HTTP %s): %s req/s, p50 %s, p99 %s\n' "$path" "$status" \
            "$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.txt")" \
            "$(awk '$1=="50%" {print $2}' "$dir/wrk.txt")" \
            "$(awk '$1=="99%" {print $2}' "$dir/wrk.txt")"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

exec > >(tee "$OUT")
{
    echo "# tbseq catalogue benchmark, $(date -u +%FT%TZ), $(nproc) cores"
    if [ "$WHICH" != postgres ]; then
        run_backend sqlite "sqlite://$work/sqlite.sqlite3"
    fi
    if [ "$WHICH" != sqlite ]; then
        [ -n "${TBSEQ_TEST_POSTGRES_URL:-}" ] || start_postgres
        admin=$TBSEQ_TEST_POSTGRES_URL
        psql "$admin" -qc "DROP DATABASE IF EXISTS tbseq_bench" -c "CREATE DATABASE tbseq_bench"
        run_backend postgres "${admin%/*}/tbseq_bench"
    fi
}
