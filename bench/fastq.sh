#!/usr/bin/env bash
# FASTQ benchmark: upload and check a ~1 GiB FASTQ.gz through the local-store flow
# (upload-link → PUT → fetch), next to `gzip -t` and `md5sum` on the same file.
#
#   bench/fastq.sh [size in MiB of the compressed file, default 1024]
#
# Builds the release binary, generates the file once (cached in bench-results/cache/), starts
# tbseq on SQLite with the local store in an empty folder, and reports the throughput of the
# PUT and of the fetch (MB/s of compressed input) and the server's peak resident memory
# (VmHWM). Results go to stdout and to bench-results/fastq-<date>.txt. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/services.sh
SIZE_MIB=${1:-1024}

cargo build --release --locked >&2
BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/tbseq
mkdir -p bench-results/cache
OUT=bench-results/fastq-$(date -u +%Y%m%dT%H%M%SZ).txt
FILE=bench-results/cache/bench-${SIZE_MIB}MiB.fastq.gz

# Reads of 150 bases with binned (NovaSeq-like) qualities: compresses about as real runs do.
# A block of distinct random records is repeated: deflate only looks back 32 KiB, so the
# repetition does not make the file compress better than the block does.
if [ ! -s "$FILE" ]; then
    echo "generating $FILE (once)" >&2
    python3 - "$FILE.partial" "$SIZE_MIB" <<'PY'
import gzip, random, subprocess, sys, zlib
path, mib = sys.argv[1], int(sys.argv[2])
random.seed(42)
records = []
for i in range(40000):
    seq = "".join(random.choice("ACGT") for _ in range(150))
    qual = "".join(random.choices("F:,#", weights=[85, 10, 4, 1], k=150))
    records.append(f"@BENCH.{i} {i}/1 length=150\n{seq}\n+\n{qual}\n")
block = "".join(records).encode()
ratio = len(zlib.compress(block, 1)) / len(block)
repeats = max(1, int(mib * 1048576 / (len(block) * ratio)))
gz = subprocess.Popen(["gzip", "-1", "-c"], stdin=subprocess.PIPE, stdout=open(path, "wb"))
for _ in range(repeats):
    gz.stdin.write(block)
gz.stdin.close()
gz.wait()
PY
    mv "$FILE.partial" "$FILE"
fi
BYTES=$(stat -c %s "$FILE")

work=$(mktemp -d)
_tbseq_cleanup+=("rm -rf $work")
port=$(free_port)
export TBSEQ_DATA_DIR="$work/data" TBSEQ_PORT=$port TBSEQ_LOG_LEVEL=off
export TBSEQ_STORAGE__INLINE_CHECK_MAX_BYTES=$((BYTES * 2)) TBSEQ_STORAGE__UPLOAD_MAX_BYTES=$((BYTES * 2))
(cd "$work" && exec "$BIN" >"$work/server.log" 2>&1) &
pid=$!
_tbseq_cleanup+=("kill $pid")
wait_http "http://127.0.0.1:$port/ping"
spid=$pid
(cd "$work" && printf 'Kq7-vortex-lamp-91\n' | "$BIN" user create bench --email bench@example.org --password-stdin >/dev/null)
TOKEN=$(cd "$work" && "$BIN" token create bench 2>/dev/null)
API="http://127.0.0.1:$port/api/v1/submission/packages/"
auth=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
PKG=$(curl -sf "${auth[@]}" -d '{"name":"bench","description":"bench"}' "$API" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pk"])')
hwm() { awk '/VmHWM/ {print $2}' "/proc/$spid/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$spid/status"; }
now() { date +%s.%N; }
mbps() { python3 -c "print(f'{$BYTES / 1e6 / ($2 - $1):.0f}')"; }

exec > >(tee "$OUT")
echo "# tbseq FASTQ benchmark, $(date -u +%FT%TZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $FILE, $BYTES bytes compressed"
echo "server resident memory after start: $(rss) kB (peak $(hwm) kB)"

sync; t0=$(now); gzip -t "$FILE"; t1=$(now)
echo "gzip -t FILE: $(mbps "$t0" "$t1") MB/s ($(python3 -c "print(f'{$t1 - $t0:.1f}')") s)"
t0=$(now); md5sum "$FILE" >/dev/null; t1=$(now)
echo "md5sum FILE: $(mbps "$t0" "$t1") MB/s ($(python3 -c "print(f'{$t1 - $t0:.1f}')") s)"

URL=$(curl -sf "${auth[@]}" -d '{"filename":"bench.fastq.gz"}' "${API}${PKG}/sequencing-data/upload-link/" | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
t0=$(now); curl -sf -o /dev/null -T "$FILE" "$URL"; t1=$(now)
echo "PUT (receive, MD5 + SHA-256, write): $(mbps "$t0" "$t1") MB/s ($(python3 -c "print(f'{$t1 - $t0:.1f}')") s); server peak RSS $(hwm) kB"
t0=$(now)
code=$(curl -s -o "$work/fetch.json" -w '%{http_code}' "${auth[@]}" -d '{"filename":"bench.fastq.gz"}' "${API}${PKG}/sequencing-data/fetch/")
t1=$(now)
echo "fetch (MD5 + SHA-256 + gunzip + FASTQ check, one pass): HTTP $code, $(mbps "$t0" "$t1") MB/s ($(python3 -c "print(f'{$t1 - $t0:.1f}')") s); server peak RSS $(hwm) kB"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d.get("sequencingData",{}); print("stored:", s.get("filePath"), s.get("fileSize"), "bytes")' "$work/fetch.json" || cat "$work/fetch.json"
echo "server peak resident memory over the whole run (VmHWM): $(hwm) kB"
