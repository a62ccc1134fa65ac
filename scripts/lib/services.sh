# Helpers that start throwaway services for tests and benchmarks, and stop them on exit.
# Source it; each start_* function exports the address it chose.

_tbseq_cleanup=()
_tbseq_on_exit() {
    local i
    for ((i = ${#_tbseq_cleanup[@]} - 1; i >= 0; i--)); do
        eval "${_tbseq_cleanup[$i]}" >/dev/null 2>&1 || true
    done
}
trap _tbseq_on_exit EXIT

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return
    local port
    for port in $(seq 20000 20999); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    return 1
}

# Waits until URL answers 2xx (polls every 0.05 s, at most 30 s); fails when it never does.
wait_http() {
    local url=$1
    for _ in $(seq 1 600); do
        curl -sf -o /dev/null "$url" && return 0
        sleep 0.05
    done
    echo "scripts: $url did not answer" >&2
    return 1
}

_pg_bindir() {
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return
    fi
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Starts a PostgreSQL cluster (trust auth, loopback only, no fsync) and exports
# TBSEQ_TEST_POSTGRES_URL.
start_postgres() {
    local bindir
    bindir=$(_pg_bindir)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
        echo "scripts: installing PostgreSQL (Debian package postgresql)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2
        bindir=$(_pg_bindir)
    fi
    # initdb refuses to run as root: run the cluster as the postgres user.
    local run=()
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        run=(runuser -u postgres --)
    fi
    local dir port
    dir=$(mktemp -d /tmp/tbseq-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(free_port)
    "${run[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    "${run[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
    _tbseq_cleanup+=("${run[*]} $bindir/pg_ctl -D $dir/data -m immediate stop; rm -rf $dir")
    export TBSEQ_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Starts the real OpenID Connect provider of the tests (panva oidc-provider, tests/oidc/op.mjs)
# on a free loopback port, installing its pinned npm packages first if needed, and exports
# TBSEQ_TEST_OIDC_ISSUER.
start_oidc() {
    local dir port log pid
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/oidc" && pwd)"
    if ! command -v node >/dev/null 2>&1; then
        echo "scripts: installing Node.js (Debian packages nodejs, npm)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq nodejs npm >&2
    fi
    if [ ! -d "$dir/node_modules/oidc-provider" ]; then
        echo "scripts: installing the test OpenID provider (npm ci in tests/oidc)" >&2
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
    port=$(free_port)
    log=$(mktemp /tmp/tbseq-oidc.XXXXXX.log)
    node "$dir/op.mjs" "$port" >"$log" 2>&1 &
    pid=$!
    _tbseq_cleanup+=("kill $pid; rm -f $log")
    local issuer="http://127.0.0.1:$port" i
    for i in $(seq 1 100); do
        if curl -sf -o /dev/null "$issuer/.well-known/openid-configuration"; then
            export TBSEQ_TEST_OIDC_ISSUER="$issuer"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "scripts: the test OpenID provider did not start:" >&2
    cat "$log" >&2
    return 1
}

# Makes Python's aiosmtpd (the SMTP server tests/it/notifications.rs talks to) available and
# exports TBSEQ_TEST_SMTP_PYTHON, the interpreter that can import it. Uses python3 when it
# already can; otherwise installs aiosmtpd from PyPI into a virtual environment under the
# cache folder (kept between runs), or, failing that, Debian's python3-aiosmtpd.
ensure_aiosmtpd() {
    local py venv
    for py in "${TBSEQ_TEST_SMTP_PYTHON:-}" "$(command -v python3 || true)"; do
        if [ -n "$py" ] && "$py" -c 'import aiosmtpd' 2>/dev/null; then
            export TBSEQ_TEST_SMTP_PYTHON="$py"
            return 0
        fi
    done
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/tbseq/aiosmtpd-venv"
    if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
        echo "scripts: installing aiosmtpd (PyPI) into $venv" >&2
        rm -rf "$venv"
        if ! { python3 -m venv "$venv" && "$venv/bin/python" -m pip install --quiet aiosmtpd >&2; }; then
            echo "scripts: installing aiosmtpd (Debian package python3-aiosmtpd)" >&2
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq >&2
            apt-get install -y -qq python3-aiosmtpd >&2
            export TBSEQ_TEST_SMTP_PYTHON=/usr/bin/python3
            return 0
        fi
    fi
    export TBSEQ_TEST_SMTP_PYTHON="$venv/bin/python"
}

# Makes the headless-browser checks runnable: Debian's chromium at /usr/bin/chromium
# (installed when missing), Node.js, and the pinned playwright-core of tests/browser
# (`npm ci` on first use). Exports TBSEQ_TEST_CHROMIUM=1, which turns those tests on.
setup_chromium() {
    local dir
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../tests/browser" && pwd)"
    if [ ! -x /usr/bin/chromium ] || ! command -v node >/dev/null 2>&1; then
        echo "scripts: installing Chromium and Node.js (Debian packages chromium, nodejs, npm)" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq chromium >&2
        command -v node >/dev/null 2>&1 || apt-get install -y -qq nodejs npm >&2
    fi
    if [ ! -d "$dir/node_modules/playwright-core" ]; then
        echo "scripts: installing playwright-core (npm ci in tests/browser)" >&2
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    fi
    export TBSEQ_TEST_CHROMIUM=1
}

# The S3 server of the tests: s3s-fs, which checks SigV4 signatures (presigned URLs and their
# expiry included). Installed once with cargo into $TBSEQ_TOOLS_DIR (default
# ~/.cache/tbseq/tools; a ~4 minute build) when not on PATH there. Serves a throwaway folder on
# a free loopback port and exports TBSEQ_TEST_S3_ENDPOINT, TBSEQ_TEST_S3_ACCESS_KEY,
# TBSEQ_TEST_S3_SECRET_KEY and TBSEQ_TEST_S3_DIR (the folder: a bucket is a sub-folder).
S3S_FS_VERSION=0.14.1
ensure_s3s_fs() {
    local tools="${TBSEQ_TOOLS_DIR:-$HOME/.cache/tbseq/tools}"
    S3S_FS_BIN="$tools/bin/s3s-fs"
    if [ ! -x "$S3S_FS_BIN" ]; then
        echo "scripts: installing s3s-fs $S3S_FS_VERSION into $tools (one time, ~4 minutes)" >&2
        mkdir -p "$tools"
        cargo install "s3s-fs@$S3S_FS_VERSION" --features binary --locked --root "$tools" >&2
    fi
}

start_s3() {
    ensure_s3s_fs
    local dir port log pid i
    dir=$(mktemp -d /tmp/tbseq-s3.XXXXXX)
    port=$(free_port)
    log=$(mktemp /tmp/tbseq-s3.XXXXXX.log)
    "$S3S_FS_BIN" --host 127.0.0.1 --port "$port" --access-key tbseq-test-key \
        --secret-key tbseq-test-secret "$dir" >"$log" 2>&1 &
    pid=$!
    _tbseq_cleanup+=("kill $pid; rm -rf $dir $log")
    for i in $(seq 1 100); do
        # Answers 403 "Signature is required" once it listens.
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
            export TBSEQ_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
            export TBSEQ_TEST_S3_ACCESS_KEY=tbseq-test-key
            export TBSEQ_TEST_S3_SECRET_KEY=tbseq-test-secret
            export TBSEQ_TEST_S3_DIR="$dir"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "scripts: s3s-fs did not start:" >&2
    cat "$log" >&2
    return 1
}

# The start every benchmark shares: wrk installed, the release binary built ($BIN), a results
# file $OUT (bench-results/<name>-<date>.txt), a scratch folder $work removed at exit, and
# TBSEQ_BENCH_POSTGRES_URL moved to $bench_postgres — tbseq refuses unknown TBSEQ_* settings,
# so the benchmark's own must not reach the server.
bench_start() {
    local name=$1
    bench_postgres=${TBSEQ_BENCH_POSTGRES_URL:-}
    unset TBSEQ_BENCH_POSTGRES_URL
    command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
    cargo build --release --locked >&2
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/tbseq
    mkdir -p bench-results
    OUT=bench-results/$name-$(date -u +%Y%m%dT%H%M%SZ).txt
    work=$(mktemp -d)
    _tbseq_cleanup+=("rm -rf $work")
}
