#!/usr/bin/env bash
# Identity benchmark: the cost of checking a bearer token.
#
#   bench/identity.sh [seconds per wrk run, default 20]
#
# 1. criterion (benches/identity.rs): validating an RS256 access token with the provider's
#    keys cached, and the whole bearer check of a token seen before (token cache).
# 2. wrk against the release binary (SQLite, 16 connections, 2 threads):
#    GET /api/v1/identity/user/ with a valid provider token, next to
#    GET /api/v1/genphen/drugs/ without one.
# Uses the real test OpenID provider (tests/oidc, started here). Results go to stdout and to
# bench-results/identity-<date>.txt. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
DURATION=${1:-20}

bench_start identity
[ -n "${TBSEQ_TEST_OIDC_ISSUER:-}" ] || start_oidc
ISSUER=$TBSEQ_TEST_OIDC_ISSUER

# Everything printed also goes to $OUT (no pipeline subshell, so the cleanup sees the server).
exec > >(tee "$OUT")
{
    echo "# tbseq identity benchmark, $(date -u +%FT%TZ)"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo
    echo "## criterion (cargo bench --bench identity)"
    cargo bench --locked --bench identity 2>/dev/null | grep -E "^[a-z_]+ +time:|^[a-z_]+$|^ +time:" || true

    port=$(free_port)
    (cd "$work" && TBSEQ_PORT=$port TBSEQ_OIDC__ISSUER=$ISSUER TBSEQ_OIDC__CLIENT_ID=tbseq \
        TBSEQ_OIDC__AUDIENCE='["api://tbseq"]' exec "$BIN" >/dev/null 2>"$work/stderr") &
    pid=$!
    _tbseq_cleanup+=("kill $pid")
    wait_http "http://127.0.0.1:$port/ping"
    token=$(curl -s -u svc:svc-secret -d grant_type=client_credentials -d scope=api:read "$ISSUER/token" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$port/api/v1/identity/user/")
    [ "$status" = 200 ] || { echo "the token was refused ($status)"; cat "$work/stderr"; exit 1; }

    declare -A rps
    for run in drugs user; do
        if [ "$run" = drugs ]; then
            wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$port/api/v1/genphen/drugs/" >"$work/wrk.txt"
            echo; echo "## GET /api/v1/genphen/drugs/ anonymous (wrk -t2 -c16 -d${DURATION}s)"
        else
            wrk -t2 -c16 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" \
                "http://127.0.0.1:$port/api/v1/identity/user/" >"$work/wrk.txt"
            echo; echo "## GET /api/v1/identity/user/ with a provider token (wrk -t2 -c16 -d${DURATION}s)"
        fi
        grep -E "Requests/sec|Latency  |50%|99%|requests in|Non-2xx" "$work/wrk.txt"
        rps[$run]=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    done
    echo
    python3 -c "import sys; d, u = float(sys.argv[1]), float(sys.argv[2]); print(f'authenticated throughput is {100*u/d:.1f}% of anonymous ({100*(1-u/d):.1f}% cost)')" \
        "${rps[drugs]}" "${rps[user]}"
}
