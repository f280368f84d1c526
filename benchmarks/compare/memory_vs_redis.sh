#!/usr/bin/env bash
# Memory per session-shaped key: redis-server vs the embedis Keyspace, same run.
#
#   benchmarks/compare/memory_vs_redis.sh [KEYS]     (default 1000000)
#
# Shape: key "sess:" + base64url(24 random bytes) (37 bytes), a 200-byte value,
# a TTL of one day (SET key value EX 86400). redis-server (Debian's, jemalloc)
# is started on a free loopback port without persistence, loaded pipelined and
# measured by INFO memory used_memory delta / keys; embedis by
# //benchmarks:keyspace_memory (glibc malloc delta, and RSS delta). Target
# (issue "foundation"): embedis <= 0.8 x redis.
set -euo pipefail

KEYS="${1:-1000000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY=/usr/bin/python3            # Debian's python3 has the `redis` package
REDIS_SERVER=/usr/bin/redis-server

PORT="$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
WORKDIR="$(mktemp -d)"
"$REDIS_SERVER" --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORKDIR" --logfile "$WORKDIR/redis.log" --daemonize no &
REDIS_PID=$!
cleanup() { kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; rm -rf "$WORKDIR"; }
trap cleanup EXIT

REDIS_OUT="$($PY - "$PORT" "$KEYS" <<'PYEOF'
import base64, os, sys, time, redis
port, n = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(host="127.0.0.1", port=port)
for _ in range(100):
    try:
        r.ping(); break
    except redis.ConnectionError:
        time.sleep(0.05)
alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789{}:,\""
value = bytes(alphabet[b % len(alphabet)] for b in os.urandom(200))
before = r.info("memory")["used_memory"]
batch = 10000
for start in range(0, n, batch):
    p = r.pipeline(transaction=False)
    for _ in range(min(batch, n - start)):
        key = b"sess:" + base64.urlsafe_b64encode(os.urandom(24))
        p.set(key, value, ex=86400)
    p.execute()
info = r.info("memory")
after = info["used_memory"]
print(f"redis_version={r.info('server')['redis_version']}")
print(f"mem_allocator={info.get('mem_allocator')}")
print(f"keys={r.dbsize()} expires={r.info('keyspace')['db0']['expires']}")
print(f"redis_bytes_per_key={(after - before) / n:.1f}")
PYEOF
)"
echo "$REDIS_OUT"
cleanup
trap - EXIT

cd "$ROOT"
EMBEDIS_OUT="$(bazel run -c opt --config=opt //benchmarks:keyspace_memory -- "$KEYS" 2>/dev/null)"
echo "$EMBEDIS_OUT"

redis_bpk="$(sed -n 's/^redis_bytes_per_key=//p' <<<"$REDIS_OUT")"
malloc_bpk="$(sed -n 's/^allocated_bytes_per_key=//p' <<<"$EMBEDIS_OUT")"
rss_bpk="$(sed -n 's/^rss_bytes_per_key=//p' <<<"$EMBEDIS_OUT")"
$PY - "$redis_bpk" "$malloc_bpk" "$rss_bpk" <<'PYEOF'
import sys
redis_bpk, malloc_bpk, rss_bpk = map(float, sys.argv[1:])
ratio = malloc_bpk / redis_bpk
print(f"ratio_allocated={ratio:.3f} ratio_rss={rss_bpk / redis_bpk:.3f} "
      f"target<=0.800 {'PASS' if ratio <= 0.8 else 'MISS'}")
PYEOF
