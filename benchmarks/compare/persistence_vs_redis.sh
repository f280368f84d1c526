#!/usr/bin/env bash
# Persistence: embedis-server vs redis-server on the same data, in the same run.
#
#   benchmarks/compare/persistence_vs_redis.sh [KEYS] [ROUNDS] [BENCH_REQUESTS]
#       defaults: 1000000 keys, 3 rounds, 300000 requests per redis-benchmark test
#
# Data: KEYS session-shaped keys, "sess:" + 32 base64url chars, a 200-byte value, EX 86400,
# generated once (//benchmarks:session_resp_gen, fixed seed) and loaded into both servers with
# redis-cli --pipe. Both run with `--save ''` (no automatic saves) and default settings otherwise
# (redis-server: rdbcompression and rdbchecksum on, jemalloc; embedis: io-threads 2).
#
# Part 1, rounds alternating which server goes first; medians of ROUNDS:
#   save     wall time of `redis-cli SAVE` (both fsync the file and rename it into place)
#   restart  SHUTDOWN NOSAVE, then from starting the process until DBSIZE answers KEYS
#            (redis-server listens and answers -LOADING meanwhile; embedis listens after loading)
#   size     bytes of the dump file
# Part 2: redis-benchmark GET and SET throughput (50 clients, 200-byte values, random keys among
# 1M) against each server idle, and while a loop runs BGSAVE back to back.
#
# Prints a markdown table for benchmarks/RESULTS.md.
set -euo pipefail

KEYS="${1:-1000000}"
ROUNDS="${2:-3}"
BENCH_N="${3:-300000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
REDIS_SERVER=/usr/bin/redis-server
CLI=/usr/bin/redis-cli
BENCH=/usr/bin/redis-benchmark
PY=/usr/bin/python3

cd "$ROOT"
bazel build -c opt --config=opt //server:embedis-server //benchmarks:session_resp_gen >&2
W="$(mktemp -d)"
# Copies: bazel-bin follows whichever configuration was built last.
cp bazel-bin/server/embedis-server "$W/embedis-server"
cp bazel-bin/benchmarks/session_resp_gen "$W/session_resp_gen"
mkdir -p "$W/redis" "$W/embedis"

RPID=""
EPID=""
LOOP_PID=""
cleanup() {
  [[ -n "$LOOP_PID" ]] && kill "$LOOP_PID" 2>/dev/null || true
  [[ -n "$RPID" ]] && kill -9 "$RPID" 2>/dev/null || true
  [[ -n "$EPID" ]] && kill -9 "$EPID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$W"
}
trap cleanup EXIT

free_port() {
  $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }

RP="$(free_port)"
EP="$(free_port)"

start_redis() {
  "$REDIS_SERVER" --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$W/redis" \
    --logfile "$W/redis.log" --daemonize no &
  RPID=$!
}
start_embedis() {
  "$W/embedis-server" --port "$EP" --save '' --dir "$W/embedis" >>"$W/embedis.log" 2>&1 &
  EPID=$!
}
# Waits until DBSIZE on port $1 answers $2 (polling every 5 ms).
wait_keys() {
  local port=$1 want=$2 got
  for _ in $(seq 1 40000); do
    got="$("$CLI" -p "$port" DBSIZE 2>/dev/null || true)"
    [[ "$got" == "$want" ]] && return 0
    sleep 0.005
  done
  echo "timed out waiting for $want keys on port $port (last: $got)" >&2
  return 1
}
stop_server() {  # port pid
  "$CLI" -p "$1" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  wait "$2" 2>/dev/null || true
}

echo "generating $KEYS session keys..." >&2
"$W/session_resp_gen" "$KEYS" >"$W/data.resp"

start_redis
start_embedis
wait_keys "$RP" 0
wait_keys "$EP" 0
echo "loading both servers..." >&2
"$CLI" -p "$RP" --pipe <"$W/data.resp" >/dev/null
"$CLI" -p "$EP" --pipe <"$W/data.resp" >/dev/null
wait_keys "$RP" "$KEYS"
wait_keys "$EP" "$KEYS"

RESULTS="$W/results.txt"
: >"$RESULTS"
measure() {  # name port pid-var dumpfile start-fn
  local name=$1 port=$2 pidvar=$3 file=$4 startfn=$5 t0 t1 t2
  t0=$(now_ms)
  [[ "$("$CLI" -p "$port" SAVE)" == "OK" ]] || { echo "$name SAVE failed" >&2; exit 1; }
  t1=$(now_ms)
  echo "$name save_ms $((t1 - t0))" >>"$RESULTS"
  echo "$name size $(stat -c %s "$file")" >>"$RESULTS"
  stop_server "$port" "${!pidvar}"
  t1=$(now_ms)
  $startfn
  wait_keys "$port" "$KEYS"
  t2=$(now_ms)
  echo "$name restart_ms $((t2 - t1))" >>"$RESULTS"
}
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  if ((round % 2 == 1)); then
    measure embedis "$EP" EPID "$W/embedis/dump.embedis" start_embedis
    measure redis "$RP" RPID "$W/redis/dump.rdb" start_redis
  else
    measure redis "$RP" RPID "$W/redis/dump.rdb" start_redis
    measure embedis "$EP" EPID "$W/embedis/dump.embedis" start_embedis
  fi
done
LOADED_LINE="$(grep 'DB loaded from disk' "$W/embedis.log" | tail -1 || true)"
REDIS_LOADED_LINE="$(grep 'DB loaded from disk' "$W/redis.log" | tail -1 || true)"

# Part 2: throughput, idle vs during back-to-back BGSAVEs.
bench() {  # port label
  "$BENCH" -p "$1" -t set,get -n "$BENCH_N" -c 50 -r 1000000 -d 200 --csv 2>/dev/null |
    sed -n 's/^"\(SET\|GET\)","\([0-9.]*\)","\([0-9.]*\)","[0-9.]*","[0-9.]*","[0-9.]*","\([0-9.]*\)","\([0-9.]*\)"/\1 \2 \4 \5/p' |
    while read -r test rps p99 max; do echo "$2 $test rps $rps p99 $p99 max $max" >>"$RESULTS"; done
}
bgsave_loop() {  # port
  while true; do
    "$CLI" -p "$1" BGSAVE >/dev/null 2>&1 || true
    sleep 0.05
    while "$CLI" -p "$1" INFO persistence 2>/dev/null | grep -q 'rdb_bgsave_in_progress:1'; do
      sleep 0.02
    done
  done
}
for port_name in "$EP embedis" "$RP redis"; do
  read -r port name <<<"$port_name"
  echo "throughput: $name idle" >&2
  bench "$port" "$name-idle"
  echo "throughput: $name during BGSAVE" >&2
  saves_before="$("$CLI" -p "$port" INFO persistence | sed -n 's/^rdb_saves:\([0-9]*\).*/\1/p')"
  [[ -z "$saves_before" ]] && saves_before=0
  bgsave_loop "$port" &
  LOOP_PID=$!
  bench "$port" "$name-bgsave"
  kill "$LOOP_PID" 2>/dev/null || true
  wait "$LOOP_PID" 2>/dev/null || true
  LOOP_PID=""
  saves_after="$("$CLI" -p "$port" INFO persistence | sed -n 's/^rdb_saves:\([0-9]*\).*/\1/p')"
  echo "$name bgsaves_during_bench $((${saves_after:-0} - saves_before))" >>"$RESULTS"
done

echo "# raw" >&2
cat "$RESULTS" >&2
echo "# embedis: $LOADED_LINE" >&2
echo "# redis:   $REDIS_LOADED_LINE" >&2

$PY - "$RESULTS" "$KEYS" "$ROUNDS" <<'PYEOF'
import collections, statistics, sys
path, keys, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vals = collections.defaultdict(list)
bench = {}
for line in open(path):
    w = line.split()
    if len(w) == 3:
        vals[(w[0], w[1])].append(float(w[2]))
    elif len(w) == 8:
        bench[(w[0], w[1])] = (float(w[3]), float(w[5]), float(w[7]))
def med(server, what):
    return statistics.median(vals[(server, what)])
print(f"| {keys:,} session keys, medians of {rounds} | embedis-server | redis-server 7 | embedis / redis |")
print("| --- | --- | --- | --- |")
for what, label, unit in (("save_ms", "SAVE", "s"), ("restart_ms", "restart until all keys are served", "s"),
                          ("size", "dump file size", "MB")):
    e, r = med("embedis", what), med("redis", what)
    if unit == "s":
        print(f"| {label} | {e/1000:.2f} s | {r/1000:.2f} s | {e/r:.2f} |")
    else:
        print(f"| {label} | {e/1e6:.1f} MB | {r/1e6:.1f} MB | {e/r:.2f} |")
print()
print("| redis-benchmark, 50 clients, -d 200 | SET rps | SET p99 ms | GET rps | GET p99 ms |")
print("| --- | --- | --- | --- | --- |")
for server in ("embedis", "redis"):
    for mode, label in (("idle", "idle"), ("bgsave", "BGSAVE in a loop")):
        s, g = bench.get((f"{server}-{mode}", "SET")), bench.get((f"{server}-{mode}", "GET"))
        if s and g:
            print(f"| {server} {label} | {s[0]:,.0f} | {s[1]:.2f} | {g[0]:,.0f} | {g[1]:.2f} |")
for server in ("embedis", "redis"):
    n = vals.get((server, "bgsaves_during_bench"))
    if n:
        print(f"\n{server}: {int(n[0])} background saves completed during its BGSAVE-loop runs.")
PYEOF
