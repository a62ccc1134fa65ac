#!/usr/bin/env bash
# Foundation benchmark: start-up time, memory, throughput and latency of the first endpoints.
#
#   bench/foundation.sh [seconds per run, default 20]
#
# Builds the release binary, starts it on the embedded defaults (SQLite) in an empty folder,
# then loads it from a second process with wrk (16 connections, 2 threads). Results go to
# stdout and to bench-results/foundation-<date>.txt. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
DURATION=${1:-20}

bench_start foundation
port=$(free_port)

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# Start-up: first run creates and seeds the database, later runs open it.
startup() {
    python3 - "$BIN" "$work" "$port" <<'PY'
import subprocess, sys, time, urllib.request, os
binary, work, port = sys.argv[1], sys.argv[2], sys.argv[3]
env = {"TBSEQ_PORT": port, "PATH": os.environ["PATH"]}
t0 = time.perf_counter()
p = subprocess.Popen([binary], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as r:
            if r.status == 200:
                break
    except Exception:
        time.sleep(0.001)
elapsed = (time.perf_counter() - t0) * 1000
print(f"{elapsed:.0f}")
with open(os.path.join(work, "pid"), "w") as f:
    f.write(str(p.pid))
PY
}

# Everything printed also goes to $OUT (no pipeline subshell, so the cleanup sees the server).
exec > >(tee "$OUT")
{
    echo "# tbseq foundation benchmark, $(date -u +%FT%TZ)"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "binary: $(stat -c %s "$BIN") bytes ($(du -h "$BIN" | cut -f1)), stripped"
    first=$(startup); pid=$(cat "$work/pid")
    echo "start to first 200 on /ping, empty folder (create + migrate + seed): ${first} ms"
    kill "$pid"; wait "$pid" 2>/dev/null || true; sleep 0.5
    second=$(startup); pid=$(cat "$work/pid")
    _tbseq_cleanup+=("kill $pid")
    echo "start to first 200 on /ping, existing database: ${second} ms"
    echo "resident memory after start: $(rss_kb "$pid") kB"
    for path in /api/v1/genphen/drugs/ /api/v1/genphen/countries/; do
        peak=0
        wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$port$path" >"$work/wrk.txt" &
        wrk_pid=$!
        while kill -0 "$wrk_pid" 2>/dev/null; do
            r=$(rss_kb "$pid"); [ "$r" -gt "$peak" ] && peak=$r
            sleep 0.5
        done
        wait "$wrk_pid"
        echo
        echo "## GET $path (wrk -t2 -c16 -d${DURATION}s)"
        grep -E "Requests/sec|Transfer/sec|Latency  |50%|90%|99%|requests in|Non-2xx" "$work/wrk.txt"
        echo "peak resident memory under load: ${peak} kB"
    done
}
