#!/usr/bin/env bash
# embedis-server vs redis-server, same machine, same run: redis-benchmark against each ALTERNATELY
# (A B A B ...), and memory per session-shaped key through each server.
#
#   benchmarks/compare/server_vs_redis.sh                 # 3 rounds
#   ROUNDS=5 benchmarks/compare/server_vs_redis.sh
#   EMBEDIS_SERVER=/path/to/embedis-server EMBEDIS_FLAGS="--io-threads 1" ... # another build/config
#   SKIP_MEMORY=1 ...  # throughput only
#
# Throughput: redis-benchmark -t <test> -n N -c 50 -d 200 -r 1000000 -P {1,16} --csv, for SET, GET,
# INCR, HSET and MSET (10 keys per MSET). MGET is not a redis-benchmark test, so it is not here.
# Each (round, pipeline, test) runs embedis then redis; each run is a separate redis-benchmark
# process, and the server's CPU time (utime+stime of all its threads, /proc/<pid>/stat, read
# before and after the run) is divided by the requests it served. Printed: every run's throughput,
# p99 latency and CPU per request; then per test the medians and the embedis/redis ratios.
#
# Memory: 1M keys shaped like sessions (as memory_vs_redis.sh: "sess:" + base64url(24 random
# bytes), a 200-byte value, EX 86400), generated once and loaded with `redis-cli --pipe` into a
# fresh instance of each server; bytes per key = INFO memory used_memory delta / keys, and the RSS
# delta / keys (/proc/<pid>/status VmRSS), since the two servers count used_memory differently
# (redis: jemalloc's allocated bytes; embedis: glibc malloc's in-use bytes plus its slab pages).
#
# redis-server is Debian's, started with --save '' --appendonly no; embedis-server with --save ""
# likewise (its default save rules are Redis's, and a background save in the middle of a run would
# be counted in its CPU and latency). embedis-server is built with
# `bazel build -c opt --config=opt //server:embedis-server` unless EMBEDIS_SERVER is given.
# Results also go to benchmarks/compare/out/server_vs_redis-<time>.txt.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
CLIENTS="${CLIENTS:-50}"
DATA_SIZE="${DATA_SIZE:-200}"
TESTS="${TESTS:-set,get,incr,hset,mset}"
PIPELINES="${PIPELINES:-1 16}"
# Requests per run: enough for ~2 s at the expected rates.
REQUESTS_P1="${REQUESTS_P1:-100000}"
REQUESTS_P16="${REQUESTS_P16:-500000}"
MEMORY_KEYS="${MEMORY_KEYS:-1000000}"
EMBEDIS_FLAGS="${EMBEDIS_FLAGS:-}"
PY=/usr/bin/python3
CLK_TCK="$(getconf CLK_TCK)"

for tool in redis-server redis-benchmark redis-cli; do
  command -v "${tool}" >/dev/null || { echo "missing ${tool}: apt-get install redis-server redis-tools" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/server_vs_redis.XXXXXX)"
mkdir -p "${ROOT}/benchmarks/compare/out"
OUT="${ROOT}/benchmarks/compare/out/server_vs_redis-$(date +%Y%m%d-%H%M%S).txt"
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
cp "${EMBEDIS_SERVER}" "${WORK}/embedis-server"  # a later rebuild cannot change it mid-run

free_port() {
  "${PY}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ping() {  # port
  for _ in $(seq 1 200); do
    [[ "$(redis-cli -p "$1" PING 2>/dev/null)" == PONG ]] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2
  exit 1
}

# Starts a server; sets SERVER_PID and SERVER_PORT.
start_server() {  # embedis|redis
  SERVER_PORT="$(free_port)"
  if [[ "$1" == embedis ]]; then
    # Its own empty directory: a snapshot saved on shutdown goes there, and none is loaded.
    mkdir -p "${WORK}/embedis-${SERVER_PORT}"
    # shellcheck disable=SC2086
    (cd "${WORK}/embedis-${SERVER_PORT}" &&
      exec "${WORK}/embedis-server" --port "${SERVER_PORT}" --bind 127.0.0.1 --save "" ${EMBEDIS_FLAGS}) \
      >"${WORK}/embedis-${SERVER_PORT}.log" 2>&1 &
  else
    redis-server --port "${SERVER_PORT}" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "${WORK}" --logfile "${WORK}/redis-${SERVER_PORT}.log" --daemonize no &
  fi
  SERVER_PID=$!
  PIDS+=("${SERVER_PID}")
  wait_ping "${SERVER_PORT}"
}

stop_server() {  # pid
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cpu_ticks() {  # pid -> utime+stime of the whole process (all threads), in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

rss_kb() {  # pid
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

say "# embedis-server vs redis-server — $(date -u '+%Y-%m-%d %H:%M UTC')"
say "# $(redis-server --version | cut -d' ' -f1-3,6)  |  redis-benchmark $(redis-benchmark --version 2>/dev/null | cut -d' ' -f2 || true)"
say "# embedis-server ${EMBEDIS_SERVER} ${EMBEDIS_FLAGS}"
say "# $(nproc) vCPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), kernel $(uname -r)"
say "# rounds=${ROUNDS} clients=${CLIENTS} -d ${DATA_SIZE} -r 1000000 tests=${TESTS} pipelines=${PIPELINES}"
say "# requests per run: ${REQUESTS_P1} at -P 1, ${REQUESTS_P16} at -P 16"
say ""

# ---- Throughput, latency and CPU per request ----
start_server embedis
EMBEDIS_PID="${SERVER_PID}" EMBEDIS_PORT="${SERVER_PORT}"
start_server redis
REDIS_PID="${SERVER_PID}" REDIS_PORT="${SERVER_PORT}"

RUNS="${WORK}/runs.tsv"
: >"${RUNS}"
say "round	server	test	pipeline	rps	p50_ms	p99_ms	cpu_us_per_req"
for round in $(seq 1 "${ROUNDS}"); do
  for pipeline in ${PIPELINES}; do
    requests="${REQUESTS_P1}"
    [[ "${pipeline}" -gt 1 ]] && requests="${REQUESTS_P16}"
    for test in ${TESTS//,/ }; do
      for server in embedis redis; do
        if [[ "${server}" == embedis ]]; then pid="${EMBEDIS_PID}" port="${EMBEDIS_PORT}"; else pid="${REDIS_PID}" port="${REDIS_PORT}"; fi
        before="$(cpu_ticks "${pid}")"
        csv="$(redis-benchmark -h 127.0.0.1 -p "${port}" -t "${test}" -n "${requests}" \
          -c "${CLIENTS}" -d "${DATA_SIZE}" -r 1000000 -P "${pipeline}" --csv 2>/dev/null | tail -1)"
        after="$(cpu_ticks "${pid}")"
        # "MSET (10 keys)","rps","avg","min","p50","p95","p99","max"
        IFS=, read -r name rps avg min p50 p95 p99 max <<<"${csv//\"/}"
        [[ -n "${rps:-}" ]] || { echo "redis-benchmark failed on ${server} ${test}: ${csv}" >&2; exit 1; }
        cpu_us="$(awk -v t=$((after - before)) -v hz="${CLK_TCK}" -v n="${requests}" \
          'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
        line="${round}	${server}	${test}	${pipeline}	${rps}	${p50}	${p99}	${cpu_us}"
        echo "${line}" >>"${RUNS}"
        say "${line}"
      done
    done
  done
done
stop_server "${EMBEDIS_PID}"
stop_server "${REDIS_PID}"

say ""
say "# Medians over ${ROUNDS} rounds (ratio = embedis / redis; for p99 and CPU lower is better)"
"${PY}" - "${RUNS}" <<'PYEOF' | tee -a "${OUT}"
import statistics, sys
runs = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
keys = []
for r in runs:
    k = (r[2], int(r[3]))
    if k not in keys:
        keys.append(k)
def med(server, test, p, col):
    return statistics.median(float(r[col]) for r in runs if r[1] == server and (r[2], int(r[3])) == (test, p))
print(f"{'test':6} {'-P':>3} | {'embedis rps':>12} {'redis rps':>12} {'ratio':>6} | {'p99 e/r ms':>13} | {'CPU us/req e/r':>15}")
for test, p in sorted(keys, key=lambda k: (k[1], k[0])):
    e, r = med("embedis", test, p, 4), med("redis", test, p, 4)
    e99, r99 = med("embedis", test, p, 6), med("redis", test, p, 6)
    ec, rc = med("embedis", test, p, 7), med("redis", test, p, 7)
    print(f"{test:6} {p:>3} | {e:12.0f} {r:12.0f} {e / r:6.2f} | {e99:6.3f}/{r99:<6.3f} | {ec:7.2f}/{rc:<7.2f}")
PYEOF

# ---- Memory per session-shaped key ----
if [[ -z "${SKIP_MEMORY:-}" ]]; then
  say ""
  say "# Memory: ${MEMORY_KEYS} session keys (37-byte key, ${DATA_SIZE}-byte value, EX 86400), redis-cli --pipe"
  "${PY}" - "${MEMORY_KEYS}" "${DATA_SIZE}" >"${WORK}/sessions.resp" <<'PYEOF'
import base64, random, sys
n, size = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(20240612)
alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789{}:,\""
out = sys.stdout.buffer
value = bytes(rng.choice(alphabet) for _ in range(size))
chunk = []
for i in range(n):
    key = b"sess:" + base64.urlsafe_b64encode(rng.randbytes(24))
    chunk.append(b"*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$5\r\n86400\r\n"
                 % (len(key), key, len(value), value))
    if len(chunk) == 10000:
        out.write(b"".join(chunk)); chunk = []
out.write(b"".join(chunk))
PYEOF
  say "server	keys	used_memory_delta_B_per_key	rss_delta_B_per_key"
  for server in embedis redis; do
    start_server "${server}"
    used_before="$(redis-cli -p "${SERVER_PORT}" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')"
    rss_before="$(rss_kb "${SERVER_PID}")"
    redis-cli -p "${SERVER_PORT}" --pipe <"${WORK}/sessions.resp" >"${WORK}/pipe.log" 2>&1
    keys="$(redis-cli -p "${SERVER_PORT}" DBSIZE)"
    used_after="$(redis-cli -p "${SERVER_PORT}" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')"
    rss_after="$(rss_kb "${SERVER_PID}")"
    say "$(awk -v s="${server}" -v k="${keys}" -v u0="${used_before}" -v u1="${used_after}" \
      -v r0="${rss_before}" -v r1="${rss_after}" \
      'BEGIN { printf "%s\t%d\t%.1f\t%.1f", s, k, (u1 - u0) / k, (r1 - r0) * 1024 / k }')"
    stop_server "${SERVER_PID}"
  done
fi
say ""
say "# written to ${OUT}"
