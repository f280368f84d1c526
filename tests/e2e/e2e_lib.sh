# Shared by the end-to-end tests (sourced, not run): finds the embedis-server binary, starts it on
# a free loopback port, and checks on exit that it is still alive and shuts down cleanly.
#
#   source "$(dirname "$0")/e2e_lib.sh"        # or from runfiles, see below
#   e2e_init my_test
#   start_embedis                              # sets EMBEDIS_PORT and EMBEDIS_PID
#   redis-cli -p "${EMBEDIS_PORT}" PING
#   ...                                        # on exit: the server must still run, and
#                                              # SIGTERM must stop it with status 0
#
# Under `bazel test` the binary comes from the runfiles (//server:embedis-server is a data
# dependency); run by hand, set EMBEDIS_SERVER or build it first (bazel-bin/server/embedis-server).
# The server picks its own port (--port 0) and reports it on stderr, so tests never race for one.

export PATH="${PATH}:/usr/local/bin:/usr/bin:/bin"

E2E_NAME=e2e
E2E_TMP=
E2E_PIDS=()
E2E_CLEANUP_DIRS=()  # removed on exit
EMBEDIS_PORT=
EMBEDIS_PID=
EMBEDIS_LOG=
E2E_FAILURES=0

fail() {
  echo "${E2E_NAME}: FAIL: $*" >&2
  exit 1
}

# Counts a failed check and goes on (the test fails at the end).
check_failed() {
  echo "${E2E_NAME}: FAIL: $*" >&2
  E2E_FAILURES=$((E2E_FAILURES + 1))
}

log() { echo "${E2E_NAME}: $*"; }

# The workspace root in the runfiles, or the source tree when run by hand.
e2e_root() {
  if [[ -n "${TEST_SRCDIR:-}" ]]; then
    echo "${TEST_SRCDIR}/${TEST_WORKSPACE:-embedis}"
  else
    (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  fi
}

e2e_server_binary() {
  if [[ -n "${EMBEDIS_SERVER:-}" ]]; then
    echo "${EMBEDIS_SERVER}"
  elif [[ -x "$(e2e_root)/server/embedis-server" ]]; then
    echo "$(e2e_root)/server/embedis-server"
  else
    echo "$(e2e_root)/bazel-bin/server/embedis-server"
  fi
}

# Stops what the test started; a server that died during the test, or that does not exit 0 on
# SIGTERM (a crash or, under ASan, a leak report), fails the test.
e2e_cleanup() {
  local status=$?
  if [[ -n "${EMBEDIS_PID}" ]]; then
    if ! kill -0 "${EMBEDIS_PID}" 2>/dev/null; then
      wait "${EMBEDIS_PID}" 2>/dev/null
      echo "${E2E_NAME}: FAIL: embedis-server (pid ${EMBEDIS_PID}) died during the test" \
        "(exit $?); its log:" >&2
      tail -50 "${EMBEDIS_LOG}" >&2
      status=1
    else
      kill -TERM "${EMBEDIS_PID}"
      local rc=0
      wait "${EMBEDIS_PID}" || rc=$?
      if [[ ${rc} -ne 0 ]]; then
        echo "${E2E_NAME}: FAIL: embedis-server exited with ${rc} on SIGTERM; its log:" >&2
        tail -50 "${EMBEDIS_LOG}" >&2
        status=1
      fi
    fi
  fi
  for pid in "${E2E_PIDS[@]}"; do kill "${pid}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for dir in "${E2E_CLEANUP_DIRS[@]}"; do rm -rf "${dir}"; done
  if [[ ${status} -eq 0 && ${E2E_FAILURES} -gt 0 ]]; then
    echo "${E2E_NAME}: ${E2E_FAILURES} check(s) failed" >&2
    status=1
  fi
  if [[ ${status} -eq 0 ]]; then
    echo "${E2E_NAME}: PASS"
  fi
  exit "${status}"
}

e2e_init() {
  E2E_NAME="$1"
  E2E_TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/${E2E_NAME}.XXXXXX")"
  trap e2e_cleanup EXIT
}

require_tool() {  # tool, how to install it
  command -v "$1" >/dev/null 2>&1 || fail "$1 is missing: $2"
}

# Starts embedis-server on a free loopback port with the given extra flags.
start_embedis() {
  local bin
  bin="$(e2e_server_binary)"
  [[ -x "${bin}" ]] || fail "embedis-server not found at ${bin} (bazel build //server:embedis-server)"
  EMBEDIS_LOG="${E2E_TMP}/embedis.log"
  # In a directory of its own: a server that saves snapshots on shutdown (as redis-server does by
  # default) writes them there, and never loads one left behind by an earlier run.
  mkdir -p "${E2E_TMP}/embedis-dir"
  (cd "${E2E_TMP}/embedis-dir" && exec "${bin}" --port 0 --bind 127.0.0.1 "$@") \
    >"${EMBEDIS_LOG}" 2>&1 &
  EMBEDIS_PID=$!
  local i
  for i in $(seq 1 200); do
    if grep -q "Ready to accept connections" "${EMBEDIS_LOG}" 2>/dev/null; then
      EMBEDIS_PORT="$(grep -o 'port=[0-9]*' "${EMBEDIS_LOG}" | head -1 | cut -d= -f2)"
      [[ -n "${EMBEDIS_PORT}" ]] || fail "no port in the embedis-server log"
      log "embedis-server pid ${EMBEDIS_PID} on port ${EMBEDIS_PORT}"
      return 0
    fi
    kill -0 "${EMBEDIS_PID}" 2>/dev/null || break
    sleep 0.05
  done
  cat "${EMBEDIS_LOG}" >&2
  fail "embedis-server did not start"
}

# Compares two strings; prints a diff and counts a failure when they differ.
expect_eq() {  # what, expected, actual
  if [[ "$2" != "$3" ]]; then
    check_failed "$1: expected [$2], got [$3]"
    diff <(echo "$2") <(echo "$3") >&2 || true
  fi
}

expect_contains() {  # what, needle, haystack
  if [[ "$3" != *"$2"* ]]; then
    check_failed "$1: [$2] not found in: $3"
  fi
}
