#!/usr/bin/env bash
# Session interoperability: examples/session_app (C++) and app.js (express-session +
# connect-redis) share one redis-server and one secret; driver.js walks a user through both.
#
# Needs node, npm and redis-server on PATH (or in /usr/bin). The npm packages (pinned in
# package.json / package-lock.json) are installed with `npm ci` from the npm registry into a
# cache directory keyed by the lock file's hash (EMBEDIS_INTEROP_CACHE, default
# ${XDG_CACHE_HOME:-$HOME/.cache}/embedis/session_interop or /tmp when HOME is unset), once;
# later runs reuse it offline. Run it with:
#   bazel test //tests/e2e/session_interop:session_interop_test
# or directly: tests/e2e/session_interop/interop_test.sh <path to session_app>
set -euo pipefail
export PATH="${PATH}:/usr/local/bin:/usr/bin:/bin"

fail() { echo "session_interop_test: $*" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${TEST_SRCDIR:-}" ]]; then
  root="${TEST_SRCDIR}/${TEST_WORKSPACE:-embedis}"
  app_bin="${root}/examples/session_app"
  here="${root}/tests/e2e/session_interop"
else
  app_bin="${1:-$(cd "${here}/../../.." && pwd)/bazel-bin/examples/session_app}"
fi

command -v node >/dev/null || fail "node is missing: apt-get install nodejs npm (Node.js >= 18)"
command -v npm >/dev/null || fail "npm is missing: apt-get install npm"
command -v redis-server >/dev/null || fail "redis-server is missing: apt-get install redis-server"
[[ -x "${app_bin}" ]] || fail "C++ app not found at ${app_bin} (bazel build //examples:session_app)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
(( node_major >= 18 )) || fail "node ${node_major} is too old: need >= 18 (global fetch)"

# Install the pinned npm packages once, into a cache keyed by the lock file.
lock_hash="$(sha256sum "${here}/package-lock.json" | cut -c1-16)"
cache_root="${EMBEDIS_INTEROP_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/embedis/session_interop}"
work="${cache_root}/${lock_hash}"
if [[ ! -d "${work}/node_modules" ]]; then
  echo "installing npm packages into ${work} (npm ci)"
  mkdir -p "${work}"
  cp "${here}/package.json" "${here}/package-lock.json" "${work}/"
  (cd "${work}" && npm ci --no-audit --no-fund --loglevel=error) ||
    { rm -rf "${work}/node_modules"; fail "npm ci failed (is the npm registry reachable?)"; }
fi
cp "${here}/app.js" "${here}/driver.js" "${work}/"

tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/session_interop.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "${pid}" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

wait_for() {  # log file, text, what
  for _ in $(seq 1 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$1" >&2
  fail "$3 did not start"
}

redis_port="$(free_port)"
redis-server --port "${redis_port}" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "${tmp}" >"${tmp}/redis.log" 2>&1 &
pids+=($!)
wait_for "${tmp}/redis.log" "Ready to accept connections" "redis-server"

export SESSION_SECRET="interop secret,older secret"
export SESSION_PREFIX="sess:"
export REDIS_URL="redis://127.0.0.1:${redis_port}/0"

cpp_port="$(free_port)"
PORT="${cpp_port}" EMBEDIS_URL="${REDIS_URL}" "${app_bin}" >"${tmp}/cpp.log" 2>&1 &
pids+=($!)
wait_for "${tmp}/cpp.log" "listening" "the C++ app"

node_port="$(free_port)"
(cd "${work}" && PORT="${node_port}" exec node app.js) >"${tmp}/node.log" 2>&1 &
pids+=($!)
wait_for "${tmp}/node.log" "listening" "the Node.js app"

if ! (cd "${work}" && CPP="http://127.0.0.1:${cpp_port}" NODE="http://127.0.0.1:${node_port}" \
      node driver.js); then
  echo "--- C++ app log" >&2; cat "${tmp}/cpp.log" >&2
  echo "--- Node app log" >&2; cat "${tmp}/node.log" >&2
  fail "interop checks failed"
fi
# The C++ app logs the sessions that end, whichever app destroyed them (SessionStore::OnDestroyed
# through Redis's keyspace notifications).
for _ in $(seq 1 100); do grep -q "session .* destroyed" "${tmp}/cpp.log" && break; sleep 0.05; done
grep -q "session .* destroyed" "${tmp}/cpp.log" ||
  fail "the C++ app logged no ended session: $(cat "${tmp}/cpp.log")"

