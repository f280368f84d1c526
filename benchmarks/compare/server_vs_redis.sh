#!/usr/bin/env bash
# embedis-server vs redis-server, same machine, same run: redis-benchmark against each ALTERNATELY
# (A B A B ...), and memory per session-shaped key through each server.
#
#   benchmarks/compare/server_vs_redis.sh                 # 3 rounds
#   ROUNDS=5 benchmarks/compare/server_vs_redis.sh
#   EMBEDIS_SERVER=/path/to/embedis-server EMBEDIS_FLAGS="--io-threads 1" ... # another build/config
#   EMBEDIS_FLAGS="--appendonly yes" REDIS_FLAGS="--appendonly yes" ...  # flags for each server
#   SKIP_MEMORY=1 ...  # throughput only
#   MODES="1:2" TESTS=set,get PIN=1 ...  # some client setups / tests; pinned to CPUs
#   EMBEDIS_FLAGS="--maxmemory 64mb --maxmemory-policy allkeys-lru" \
#     REDIS_FLAGS="--maxmemory 64mb --maxmemory-policy allkeys-lru" PREFILL=1 TESTS=set MODES=16 \
#     SKIP_MEMORY=1 ...  # SET under a full maxmemory: both filled past the limit before measuring
#
# Throughput: redis-benchmark -n N -c 50 -d 200 -r 1000000 -P <pipeline> --csv for SET, GET, INCR,
# HSET, MSET (10 keys per MSET) and MGET (10 keys; MGET is not a built-in redis-benchmark test, so
# it runs as the custom command `MGET key:__rand_int__ x10`, after SET and MSET filled the keys).
# Custom tests on preloaded data (issue #12): zrangebyscore (ZRANGEBYSCORE bigz __rand_int__ +inf
# LIMIT 0 10), zrank (ZRANK bigz m:__rand_int__), zincrby (ZINCRBY bigz 1 m:__rand_int__) on a
# 1M-member sorted set, and sinter (SINTER of two 10k sets, 5k in common); see preload().
# Scripts (issue #14): evalsha_get (EVALSHA of `return redis.call('GET', KEYS[1])` on
# key:__rand_int__) and evalsha_write3 (EVALSHA of a script that SETs, INCRs and HSETs three
# random keys), both loaded with SCRIPT LOAD first; see load_scripts().
# MODES lists the client setups: "1" and "16" are -P 1 and -P 16 with redis-benchmark's default
# single thread; "1:2" is -P 1 with `--threads 2`. At -P 1 one redis-benchmark thread spends more
# CPU per request than either server (its CPU per request is printed), so with one thread the
# client, not the server, bounds the rate; with two threads the server's cost shows. In threaded
# mode redis-benchmark only notices the end of a run at its 250 ms timer, so threaded runs use
# REQUESTS_THREADED requests to keep that rounding small.
# Each (round, mode, test) runs embedis then redis; each run is a separate redis-benchmark
# process, and the server's CPU time (utime+stime of all its threads, /proc/<pid>/stat, read
# before and after the run) is divided by the requests it served; the client's CPU time (bash's
# `times` for the redis-benchmark child) likewise. PIN=1 runs both servers on the last CPU and a
# single-threaded redis-benchmark on the others (taskset). Printed: every run's throughput, p50,
# p99 latency and CPU per request; then per test the medians and the embedis/redis ratios.
#
# Memory: 1M keys shaped like sessions (as memory_vs_redis.sh: "sess:" + base64url(24 random
# bytes), a 200-byte value, EX 86400), generated once and loaded with `redis-cli --pipe` into a
# fresh instance of each server; bytes per key = INFO memory used_memory delta / keys, and the RSS
# delta / keys (/proc/<pid>/status VmRSS), since the two servers count used_memory differently
# (redis: jemalloc's allocated bytes; embedis: the keyspace's accounted bytes, Keyspace::UsedMemory).
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
TESTS="${TESTS:-set,get,incr,hset,mset,mget}"
MODES="${MODES:-${PIPELINES:-1 1:2 16}}"  # PIPELINES: the older name (no threaded modes)
# Requests per run: enough for ~2 s at the expected rates (~10 s when threaded, see above).
REQUESTS_P1="${REQUESTS_P1:-100000}"
REQUESTS_P16="${REQUESTS_P16:-500000}"
REQUESTS_THREADED="${REQUESTS_THREADED:-500000}"
PIN="${PIN:-}"
MEMORY_KEYS="${MEMORY_KEYS:-1000000}"
EMBEDIS_FLAGS="${EMBEDIS_FLAGS:-}"
REDIS_FLAGS="${REDIS_FLAGS:-}"
PREFILL="${PREFILL:-}"
PY=/usr/bin/python3
CLK_TCK="$(getconf CLK_TCK)"

for tool in redis-server redis-benchmark redis-cli taskset; do
  command -v "${tool}" >/dev/null || { echo "missing ${tool}: apt-get install redis-server redis-tools util-linux" >&2; exit 1; }
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

SERVER_PIN=() CLIENT_PIN=()
if [[ -n "${PIN}" ]]; then
  last_cpu=$(($(nproc) - 1))
  SERVER_PIN=(taskset -c "${last_cpu}")
  CLIENT_PIN=(taskset -c "0-$((last_cpu > 0 ? last_cpu - 1 : 0))")
fi

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
      exec "${SERVER_PIN[@]}" "${WORK}/embedis-server" --port "${SERVER_PORT}" --bind 127.0.0.1 --save "" ${EMBEDIS_FLAGS}) \
      >"${WORK}/embedis-${SERVER_PORT}.log" 2>&1 &
  else
    # Its own empty directory too: an append-only file (REDIS_FLAGS) is not loaded again.
    mkdir -p "${WORK}/redis-${SERVER_PORT}"
    # shellcheck disable=SC2086
    "${SERVER_PIN[@]}" redis-server --port "${SERVER_PORT}" --bind 127.0.0.1 --save '' --appendonly no \
      --dir "${WORK}/redis-${SERVER_PORT}" --logfile "${WORK}/redis-${SERVER_PORT}.log" --daemonize no ${REDIS_FLAGS} &
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
say "# embedis-server ${EMBEDIS_SERVER} ${EMBEDIS_FLAGS}${REDIS_FLAGS:+  |  redis-server ${REDIS_FLAGS}}"
say "# $(nproc) vCPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), kernel $(uname -r)"
say "# rounds=${ROUNDS} clients=${CLIENTS} -d ${DATA_SIZE} -r 1000000 tests=${TESTS} modes=${MODES} (P or P:threads)${PIN:+ pinned}"
say "# requests per run: ${REQUESTS_P1} at -P 1, ${REQUESTS_P16} at -P 16, ${REQUESTS_THREADED} with --threads"
say ""

# Runs one redis-benchmark; prints its CSV line, then `times`: the shell's and (third line) the
# children's user and system time ("0m1.234s 0m0.567s").
run_benchmark() {  # port test pipeline threads requests
  local port=$1 test=$2 pipeline=$3 threads=$4 requests=$5 args=()
  case "${test}" in
    mget)
      args=(MGET)
      for _ in $(seq 1 10); do args+=("key:__rand_int__"); done
      ;;
    # Custom commands on the preloaded data (see preload): a 1M-member sorted set, two 10k sets.
    zrangebyscore) args=(ZRANGEBYSCORE bigz __rand_int__ +inf LIMIT 0 10) ;;
    zrank) args=(ZRANK bigz m:__rand_int__) ;;
    zincrby) args=(ZINCRBY bigz 1 m:__rand_int__) ;;
    sinter) args=(SINTER set10k:a set10k:b) ;;
    # Scripts (see load_scripts).
    evalsha_get) args=(EVALSHA "${READ_SHA}" 1 key:__rand_int__) ;;
    evalsha_write3) args=(EVALSHA "${WRITE3_SHA}" 3 evs:__rand_int__ evc:__rand_int__ evh:__rand_int__ v) ;;
    *) args=(-t "${test}") ;;
  esac
  local pin=("${CLIENT_PIN[@]}")
  if [[ "${threads}" -gt 1 ]]; then
    args+=(--threads "${threads}")
    pin=()
  fi
  {
    "${pin[@]}" redis-benchmark -h 127.0.0.1 -p "${port}" -n "${requests}" -c "${CLIENTS}" \
      -d "${DATA_SIZE}" -r 1000000 -P "${pipeline}" --csv "${args[@]}" 2>/dev/null | tail -1
    times  # not in a pipeline: that would be a subshell without children
  }
}

# The data the custom tests read: "bigz", 1,000,000 members "m:%012d" (redis-benchmark's
# __rand_int__ with -r 1000000) with score i; "set10k:a" and "set10k:b", 10,000 members each,
# 5,000 in common. Loaded with redis-cli --pipe.
preload() {  # port
  "${PY}" - <<'PY' | redis-cli -p "$1" --pipe >/dev/null
import sys
out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for start in range(0, 1000000, 1000):
    args = ["ZADD", "bigz"]
    for i in range(start, start + 1000):
        args += [i, "m:%012d" % i]
    cmd(*args)
cmd("SADD", "set10k:a", *["e:%d" % i for i in range(10000)])
cmd("SADD", "set10k:b", *["e:%d" % i for i in range(5000, 15000)])
PY
}
NEEDS_PRELOAD="" NEEDS_SCRIPTS=""
for t in ${TESTS//,/ }; do
  case "${t}" in
    zrangebyscore | zrank | zincrby | sinter) NEEDS_PRELOAD=1 ;;
    evalsha_*) NEEDS_SCRIPTS=1 ;;
  esac
done

# The scripts of the evalsha_* tests, cached with SCRIPT LOAD (which must answer their SHA1).
READ_SCRIPT="return redis.call('GET', KEYS[1])"
WRITE3_SCRIPT="redis.call('SET', KEYS[1], ARGV[1]) redis.call('INCR', KEYS[2]) redis.call('HSET', KEYS[3], 'f', ARGV[1]) return 1"
READ_SHA="$(printf '%s' "${READ_SCRIPT}" | sha1sum | cut -d' ' -f1)"
WRITE3_SHA="$(printf '%s' "${WRITE3_SCRIPT}" | sha1sum | cut -d' ' -f1)"
load_scripts() {  # port
  [[ "$(redis-cli -p "$1" SCRIPT LOAD "${READ_SCRIPT}")" == "${READ_SHA}" ]] &&
    [[ "$(redis-cli -p "$1" SCRIPT LOAD "${WRITE3_SCRIPT}")" == "${WRITE3_SHA}" ]] ||
    { echo "SCRIPT LOAD failed on port $1" >&2; exit 1; }
}

# ---- Throughput, latency and CPU per request ----
start_server embedis
EMBEDIS_PID="${SERVER_PID}" EMBEDIS_PORT="${SERVER_PORT}"
start_server redis
REDIS_PID="${SERVER_PID}" REDIS_PORT="${SERVER_PORT}"
if [[ -n "${NEEDS_PRELOAD}" ]]; then
  preload "${EMBEDIS_PORT}"
  preload "${REDIS_PORT}"
fi
if [[ -n "${NEEDS_SCRIPTS}" ]]; then
  load_scripts "${EMBEDIS_PORT}"
  load_scripts "${REDIS_PORT}"
fi
# PREFILL: SETs of the benchmark's shape (-d DATA_SIZE, 1M random keys) until each server holds
# more than its maxmemory, so that every measured SET runs against a full memory (evicting).
if [[ -n "${PREFILL}" ]]; then
  for port in "${EMBEDIS_PORT}" "${REDIS_PORT}"; do
    redis-benchmark -p "${port}" -n 2000000 -c "${CLIENTS}" -d "${DATA_SIZE}" -r 1000000 -P 16 -t set -q >/dev/null
    say "# prefilled port ${port}: $(redis-cli -p "${port}" INFO stats | tr -d '\r' | grep evicted_keys), $(redis-cli -p "${port}" INFO memory | tr -d '\r' | grep -E '^(used_memory|maxmemory):' | tr '\n' ' ')"
  done
fi

RUNS="${WORK}/runs.tsv"
: >"${RUNS}"
say "round	server	test	mode	rps	p50_ms	p99_ms	server_cpu_us_per_req	client_cpu_us_per_req"
for round in $(seq 1 "${ROUNDS}"); do
  for mode in ${MODES}; do
    pipeline="${mode%%:*}" threads=1
    [[ "${mode}" == *:* ]] && threads="${mode##*:}"
    requests="${REQUESTS_P1}"
    [[ "${pipeline}" -gt 1 ]] && requests="${REQUESTS_P16}"
    [[ "${threads}" -gt 1 ]] && requests="${REQUESTS_THREADED}"
    for test in ${TESTS//,/ }; do
      for server in embedis redis; do
        if [[ "${server}" == embedis ]]; then pid="${EMBEDIS_PID}" port="${EMBEDIS_PORT}"; else pid="${REDIS_PID}" port="${REDIS_PORT}"; fi
        before="$(cpu_ticks "${pid}")"
        out="$(run_benchmark "${port}" "${test}" "${pipeline}" "${threads}" "${requests}")"
        after="$(cpu_ticks "${pid}")"
        csv="$(head -1 <<<"${out}")" client_s="$(sed -n 3p <<<"${out}" |
          awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); print u[1] * 60 + u[2] + s[1] * 60 + s[2] }')"
        # "MSET (10 keys)","rps","avg","min","p50","p95","p99","max"
        IFS=, read -r name rps avg min p50 p95 p99 max <<<"${csv//\"/}"
        [[ -n "${rps:-}" && -n "${p99:-}" ]] || { echo "redis-benchmark failed on ${server} ${test}: ${csv}" >&2; exit 1; }
        cpu_us="$(awk -v t=$((after - before)) -v hz="${CLK_TCK}" -v n="${requests}" \
          'BEGIN { printf "%.2f", t * 1e6 / hz / n }')"
        client_us="$(awk -v s="${client_s}" -v n="${requests}" 'BEGIN { printf "%.2f", s * 1e6 / n }')"
        line="${round}	${server}	${test}	${mode}	${rps}	${p50}	${p99}	${cpu_us}	${client_us}"
        echo "${line}" >>"${RUNS}"
        say "${line}"
      done
    done
  done
done
stop_server "${EMBEDIS_PID}"
stop_server "${REDIS_PID}"

say ""
say "# Medians over ${ROUNDS} rounds (ratio = embedis / redis; for p99 and CPU lower is better;"
say "# client cores = rps x client CPU per request: near 1.0 with one client thread = client-bound)"
"${PY}" - "${RUNS}" <<'PYEOF' | tee -a "${OUT}"
import statistics, sys
runs = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
keys = []
for r in runs:
    k = (r[2], r[3])
    if k not in keys:
        keys.append(k)
def med(server, test, mode, col):
    return statistics.median(float(r[col]) for r in runs if r[1] == server and (r[2], r[3]) == (test, mode))
def per_round_ratios(test, mode):
    e = {r[0]: float(r[4]) for r in runs if r[1] == "embedis" and (r[2], r[3]) == (test, mode)}
    d = {r[0]: float(r[4]) for r in runs if r[1] == "redis" and (r[2], r[3]) == (test, mode)}
    return [e[k] / d[k] for k in e if k in d]
def mode_key(m):
    p, _, t = m.partition(":")
    return (int(p), int(t or 1))
print(f"{'test':5} {'mode':>4} | {'embedis rps':>11} {'redis rps':>10} {'ratio':>5} {'rounds':>11} | "
      f"{'p99 e/r ms':>13} | {'srv CPU us e/r':>14} | {'client cores e/r':>16}")
tests = list(dict.fromkeys(k[0] for k in keys))
for test, mode in sorted(keys, key=lambda k: (mode_key(k[1]), tests.index(k[0]))):
    e, r = med("embedis", test, mode, 4), med("redis", test, mode, 4)
    e99, r99 = med("embedis", test, mode, 6), med("redis", test, mode, 6)
    ec, rc = med("embedis", test, mode, 7), med("redis", test, mode, 7)
    ecl, rcl = med("embedis", test, mode, 8), med("redis", test, mode, 8)
    rr = per_round_ratios(test, mode)
    print(f"{test:5} {mode:>4} | {e:11.0f} {r:10.0f} {e / r:5.2f} {min(rr):5.2f}-{max(rr):<5.2f} | "
          f"{e99:6.3f}/{r99:<6.3f} | {ec:6.2f}/{rc:<6.2f} | {e * ecl / 1e6:7.2f}/{r * rcl / 1e6:<7.2f}")
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
