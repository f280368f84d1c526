#!/usr/bin/env bash
# Memory of lists: embedis-server vs redis-server, same run, the same data loaded into a fresh
# instance of each with `redis-cli --pipe`, alternating the servers (A B A B ...) for ROUNDS rounds.
#
#   benchmarks/compare/list_memory_vs_redis.sh            # 3 rounds
#   ROUNDS=1 EMBEDIS_SERVER=/path/to/embedis-server benchmarks/compare/list_memory_vs_redis.sh
#
# Scenarios (issue #11's): "big": one list of 1,000,000 elements of 20 bytes (RPUSH, 100 per
# command); "small": 100,000 lists of 10 elements of 20 bytes each. Printed per scenario and
# server: INFO memory used_memory delta and RSS delta (/proc/<pid>/status VmRSS), per element
# ("big") or per list ("small"), and the embedis/redis ratios (medians over the rounds). The two
# servers count used_memory differently (redis: jemalloc's allocated bytes; embedis: glibc
# malloc's in-use bytes plus its slab pages), so both numbers are shown. Target: <= 1.0x (goal
# 0.8x). Results also go to benchmarks/compare/out/list_memory_vs_redis-<time>.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
PY=/usr/bin/python3

for tool in redis-server redis-cli; do
  command -v "${tool}" >/dev/null || { echo "missing ${tool}: apt-get install redis-server redis-tools" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/list_memory_vs_redis.XXXXXX)"
mkdir -p "${ROOT}/benchmarks/compare/out"
OUT="${ROOT}/benchmarks/compare/out/list_memory_vs_redis-$(date +%Y%m%d-%H%M%S).txt"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "${pid}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "${WORK}"
}
trap cleanup EXIT
say() { echo "$*" | tee -a "${OUT}"; }

if [[ -z "${EMBEDIS_SERVER:-}" ]]; then
  (cd "${ROOT}" && bazel build -c opt --config=opt //server:embedis-server >&2)
  EMBEDIS_SERVER="$(cd "${ROOT}" && bazel info -c opt --config=opt bazel-bin 2>/dev/null)/server/embedis-server"
fi
cp "${EMBEDIS_SERVER}" "${WORK}/embedis-server"

free_port() {
  "${PY}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_ping() {
  for _ in $(seq 1 200); do
    [[ "$(redis-cli -p "$1" PING 2>/dev/null)" == PONG ]] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  exit 1
}
start_server() {  # embedis|redis; sets SERVER_PID, SERVER_PORT
  SERVER_PORT="$(free_port)"
  if [[ "$1" == embedis ]]; then
    mkdir -p "${WORK}/e-${SERVER_PORT}"
    (cd "${WORK}/e-${SERVER_PORT}" &&
      exec "${WORK}/embedis-server" --port "${SERVER_PORT}" --bind 127.0.0.1 --save "") \
      >"${WORK}/e-${SERVER_PORT}.log" 2>&1 &
  else
    redis-server --port "${SERVER_PORT}" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "${WORK}" --logfile "${WORK}/r-${SERVER_PORT}.log" --daemonize no &
  fi
  SERVER_PID=$!
  PIDS+=("${SERVER_PID}")
  wait_ping "${SERVER_PORT}"
}
stop_server() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
used_memory() { redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }'; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# The data, as RESP commands.
"${PY}" - "${WORK}" <<'PYEOF'
import random, sys
work = sys.argv[1]
rng = random.Random(20261205)
alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789"
def elem():
    return bytes(rng.choice(alphabet) for _ in range(20))
def rpush(key, elems):
    parts = [b"*%d\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n" % (len(elems) + 2, len(key), key)]
    parts += [b"$%d\r\n%s\r\n" % (len(e), e) for e in elems]
    return b"".join(parts)
pool = [elem() for _ in range(4096)]  # random-looking elements without a million rng calls each
with open(f"{work}/big.resp", "wb") as f:
    for i in range(10000):
        f.write(rpush(b"biglist", [pool[(i * 100 + j) * 7 % 4096] for j in range(100)]))
with open(f"{work}/small.resp", "wb") as f:
    for i in range(100000):
        f.write(rpush(b"list:%d" % i, [pool[(i * 10 + j) * 13 % 4096] for j in range(10)]))
PYEOF

say "# list memory: embedis-server vs redis-server — $(date -u '+%Y-%m-%d %H:%M UTC'), ${ROUNDS} rounds"
say "# $(redis-server --version | cut -d' ' -f1-3)  |  embedis-server ${EMBEDIS_SERVER}"
say "round	scenario	server	units	used_memory_B_per_unit	rss_B_per_unit"
RUNS="${WORK}/runs.tsv"
: >"${RUNS}"
for round in $(seq 1 "${ROUNDS}"); do
  for scenario in big small; do
    units=1000000
    [[ "${scenario}" == small ]] && units=100000
    for server in embedis redis; do
      start_server "${server}"
      u0="$(used_memory "${SERVER_PORT}")" r0="$(rss_kb "${SERVER_PID}")"
      redis-cli -p "${SERVER_PORT}" --pipe <"${WORK}/${scenario}.resp" >"${WORK}/pipe.log" 2>&1
      if [[ "${scenario}" == big ]]; then
        n="$(redis-cli -p "${SERVER_PORT}" LLEN biglist)"
      else
        n="$(redis-cli -p "${SERVER_PORT}" DBSIZE)"
      fi
      [[ "${n}" == "${units}" ]] || { echo "${server} ${scenario}: expected ${units}, got ${n}" >&2; exit 1; }
      u1="$(used_memory "${SERVER_PORT}")" r1="$(rss_kb "${SERVER_PID}")"
      line="$(awk -v rd="${round}" -v sc="${scenario}" -v s="${server}" -v n="${units}" \
        -v u0="${u0}" -v u1="${u1}" -v r0="${r0}" -v r1="${r1}" \
        'BEGIN { printf "%s\t%s\t%s\t%d\t%.1f\t%.1f", rd, sc, s, n, (u1 - u0) / n, (r1 - r0) * 1024 / n }')"
      echo "${line}" >>"${RUNS}"
      say "${line}"
      stop_server "${SERVER_PID}"
    done
  done
done
say ""
say "# Medians (ratio = embedis / redis; lower is better)"
"${PY}" - "${RUNS}" <<'PYEOF' | tee -a "${OUT}"
import statistics, sys
runs = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(sc, s, col):
    return statistics.median(float(r[col]) for r in runs if r[1] == sc and r[2] == s)
print(f"{'scenario':8} | {'used e':>8} {'used r':>8} {'ratio':>5} | {'rss e':>8} {'rss r':>8} {'ratio':>5}")
for sc, unit in (("big", "B/element"), ("small", "B/list")):
    ue, ur, re_, rr = med(sc, "embedis", 4), med(sc, "redis", 4), med(sc, "embedis", 5), med(sc, "redis", 5)
    print(f"{sc:8} | {ue:8.1f} {ur:8.1f} {ue / ur:5.2f} | {re_:8.1f} {rr:8.1f} {re_ / rr:5.2f}   ({unit})")
PYEOF
say "# written to ${OUT}"
