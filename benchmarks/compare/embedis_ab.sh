#!/usr/bin/env bash
# Two embedis-server builds side by side (A B A B ...): redis-benchmark throughput, latency and
# server CPU per request, to measure one change.
#
#   benchmarks/compare/embedis_ab.sh OLD_BINARY NEW_BINARY [TESTS] [PIPELINE] [ROUNDS]
#   e.g. benchmarks/compare/embedis_ab.sh /tmp/embedis-old bazel-bin/server/embedis-server hset 16 3
#
# Each binary is copied first (a rebuild cannot change it mid-run) and started with --save "" in
# an empty directory. EMBEDIS_FLAGS adds flags to both; N sets requests per run (default 500000).
# Printed per run: round, A|B, test, rps, p50/p99 ms, server CPU µs per request.
set -euo pipefail
A="$1"; B="$2"; TESTS="${3:-set,get,incr,hset}"; P="${4:-16}"; ROUNDS="${5:-3}"
N="${N:-500000}"; FLAGS="${EMBEDIS_FLAGS:-}"
WORK="$(mktemp -d /tmp/embedis_ab.XXXXXX)"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "${WORK}"' EXIT
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
start() {  # binary name -> sets PORT, PID
  mkdir -p "${WORK}/$2" && cp "$1" "${WORK}/$2/embedis-server"
  PORT="$(free_port)"
  # shellcheck disable=SC2086
  (cd "${WORK}/$2" && exec ./embedis-server --port "${PORT}" --save "" ${FLAGS}) >/dev/null 2>&1 &
  PID=$!
  PIDS+=("${PID}")
  for _ in $(seq 1 100); do redis-cli -p "${PORT}" PING >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "embedis-server $1 did not start" >&2
  exit 1
}
start "${A}" a; PORT_A="${PORT}"; PID_A="${PID}"
start "${B}" b; PORT_B="${PORT}"; PID_B="${PID}"
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TCK="$(getconf CLK_TCK)"
printf 'round\tside\ttest\trps\tp50_ms\tp99_ms\tcpu_us_per_req\n'
for r in $(seq 1 "${ROUNDS}"); do
  for t in ${TESTS//,/ }; do
    for side in A B; do
      if [[ "${side}" == A ]]; then port="${PORT_A}"; pid="${PID_A}"; else port="${PORT_B}"; pid="${PID_B}"; fi
      c0="$(cpu "${pid}")"
      line="$(redis-benchmark -p "${port}" -t "${t}" -n "${N}" -c 50 -d 200 -r 1000000 -P "${P}" --csv | tail -1)"
      c1="$(cpu "${pid}")"
      IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"${line//\"/}"
      cpu_us="$(awk -v d="$((c1 - c0))" -v n="${N}" -v t="${TCK}" 'BEGIN { printf "%.2f", d * 1e6 / t / n }')"
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${r}" "${side}" "${t}" "${rps}" "${p50}" "${p99}" "${cpu_us}"
    done
  done
done
