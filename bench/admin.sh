#!/usr/bin/env bash
# Admin UI benchmark.
#
#   bench/admin.sh [variants, default 100000] [seconds per wrk run, default 10]
#
# Against the release binary on SQLite (and on PostgreSQL when TBSEQ_BENCH_POSTGRES_URL names
# a database tbseq may use; it is emptied first):
# 1. loads N generated variants into genphen_variant with one INSERT … SELECT (sqlite3 / psql),
#    then ANALYZE, as autovacuum would soon after a bulk load (without it PostgreSQL sorts the
#    whole table on disk for a deep page: 115 ms median at page 500 instead of ~25);
# 2. signs in a local staff account through the admin's sign-in form (CSRF token, session
#    cookie);
# 3. wrk --latency, one connection (the time to render a page) and eight (throughput on these
#    cores): the variant list at page 1, page 500 and a search by position, each checked
#    first to answer 200 with the expected rows.
# Then the size of the admin's embedded templates and static files, raw and gzip -9.
# Results go to stdout and bench-results/admin-<date>.txt. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
VARIANTS=${1:-100000}
DURATION=${2:-10}
bench_start admin
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
PASSWORD="correct horse battery staple"

# N variants, one every 44 bases of H37Rv (4.4 Mb), SNPs cycling through the bases.
variants_sql() {
    cat <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $VARIANTS)
INSERT INTO genphen_variant (chromosome, position, reference_nucleotide, alternative_nucleotide)
SELECT 'NC_000962.3', i * 44, substr('ACGT', i % 4 + 1, 1), substr('ACGT', (i + 1) % 4 + 1, 1) FROM n;
ANALYZE genphen_variant;
SQL
}

measure() {
    local label=$1 url=$2 expect=$3
    local status
    status=$(curl -s -o "$work/page.html" -w '%{http_code} %{time_total}' -b "$work/cookies" "$url")
    if [ "${status% *}" != 200 ] || ! grep -q "$expect" "$work/page.html"; then
        echo "$label: HTTP ${status% *}, expected \"$expect\" in the page; not measured" >&2
        return 1
    fi
    echo "$label ($(wc -c <"$work/page.html") bytes, first request ${status#* } s):"
    local load
    for load in "-t1 -c1" "-t2 -c8"; do
        # shellcheck disable=SC2086
        wrk $load -d"${DURATION}s" --latency -H "Cookie: $session" "$url" >"$work/wrk.txt"
        echo "  wrk $load -d${DURATION}s:"
        grep -E "Requests/sec|Latency  |  (50|75|90|99)%|Non-2xx|Socket errors" "$work/wrk.txt" | sed 's/^ */    /'
    done
}

run() {
    local label=$1 url=$2
    local port pid base csrf t0 t1
    port=$(free_port)
    base=http://127.0.0.1:$port
    local config=(env TBSEQ_DATABASE_URL=$url TBSEQ_DATA_DIR=$work/data-$label TBSEQ_LOG_REQUESTS=false)
    (cd "$work" && TBSEQ_PORT=$port exec "${config[@]}" "$BIN" >/dev/null 2>"$work/stderr-$label") &
    pid=$!
    _tbseq_cleanup+=("kill $pid")
    wait_http "$base/ping"
    echo
    echo "## $label"
    t0=$(date +%s.%N)
    if [ "$label" = sqlite ]; then
        variants_sql | sqlite3 -cmd ".timeout 10000" "${url#sqlite://}"
    else
        variants_sql | psql -q "$url"
    fi
    t1=$(date +%s.%N)
    echo "loaded $VARIANTS variants in $(python3 -c "print(f'{$t1-$t0:.1f}')") s"
    echo "$PASSWORD" | "${config[@]}" "$BIN" user create bench --email bench@example.org --staff --password-stdin >/dev/null

    # Sign in as the form does: its CSRF token, then the session cookie.
    rm -f "$work/cookies"
    csrf=$(curl -s -c "$work/cookies" "$base/admin/login/" \
        | sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -s -o /dev/null -b "$work/cookies" -c "$work/cookies" \
        --data-urlencode "csrfmiddlewaretoken=$csrf" --data-urlencode username=bench \
        --data-urlencode "password=$PASSWORD" --data-urlencode next=/admin/ "$base/admin/login/"
    session=$(awk '$6 == "tbseq_session" {print "tbseq_session=" $7}' "$work/cookies")
    [ -n "$session" ] || { echo "sign-in failed: no session cookie" >&2; return 1; }

    local list=$base/admin/genphen/variant/
    measure "variant list, page 1" "$list" 'class="count">'"$VARIANTS results"
    measure "variant list, page 500" "$list?p=500" 'aria-current="page">500<'
    measure "variant list, search by position (?q=$((44 * 4321)))" "$list?q=$((44 * 4321))" 'class="count">1 result '
    echo "server resident memory: $(awk '/VmRSS/ {print $2/1024 " MB"}' /proc/$pid/status)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

# The admin's embedded files, one by one as served, raw and gzip -9 compressed.
asset_sizes() {
    local raw=0 gz=0 f r g
    echo
    echo "## embedded admin files (templates/admin, assets/admin)"
    for f in templates/admin/* assets/admin/*; do
        r=$(wc -c <"$f")
        g=$(gzip -9c "$f" | wc -c)
        raw=$((raw + r)); gz=$((gz + g))
        printf '    %-32s %7d bytes, gzip %6d\n' "$f" "$r" "$g"
    done
    echo "total: $raw bytes raw ($((raw / 1024)) KiB), $gz bytes gzip -9 ($((gz / 1024)) KiB; goal < 300 KB)"
}

exec > >(tee "$OUT")
echo "# tbseq admin benchmark, $(date -u +%FT%TZ), $("$BIN" --version)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
run sqlite "sqlite://$work/bench.sqlite3"
if [ -n "$bench_postgres" ]; then
    PGOPTIONS='--client-min-messages=warning' psql -q "$bench_postgres" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;'
    run postgres "$bench_postgres"
fi
asset_sizes
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
