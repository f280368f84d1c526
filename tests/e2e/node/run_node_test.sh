#!/usr/bin/env bash
# Runs one Node.js test script (node:test) against a fresh embedis-server:
#
#   run_node_test.sh node_redis_test.mjs
#
# The npm packages (pinned in package.json and package-lock.json) are installed with `npm ci` into
# tests/e2e/node/node_modules in the source tree when it is missing or older than the lock file
# (the first run needs the npm registry; later runs are offline). Installs are serialized with
# flock, so that the node tests can run in parallel. Needs node >= 20 and npm.
set -uo pipefail
# The runfiles hold symlinks into the source tree; the real folder is where node_modules goes.
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
source "${here}/../e2e_lib.sh"
script="${1:?usage: run_node_test.sh <script.mjs>}"
e2e_init "$(basename "${script}" .mjs)"

require_tool node "install Node.js >= 20 (e.g. apt-get install nodejs npm, or NodeSource)"
require_tool npm "install npm (apt-get install npm)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || fail "node $(node --version) is too old: redis@6 and ioredis@6 need >= 20"

install_packages() {
  local stamp="${here}/node_modules/.embedis-lock-sha256"
  local want
  want="$(sha256sum "${here}/package-lock.json" | cut -d' ' -f1)"
  [[ -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]] && return 0
  log "installing npm packages into ${here}/node_modules (npm ci)"
  local attempt
  for attempt in 1 2; do
    if (cd "${here}" && npm ci --no-audit --no-fund --loglevel=error); then
      echo "${want}" >"${stamp}"
      return 0
    fi
    log "npm ci failed (attempt ${attempt})"
    sleep 5
  done
  rm -rf "${here}/node_modules"
  fail "npm ci failed twice in ${here}: is the npm registry reachable? (npm config get registry:" \
    "$(npm config get registry))"
}
exec 9>"/tmp/embedis-e2e-npm-install.lock"
flock 9 || fail "cannot lock /tmp/embedis-e2e-npm-install.lock"
install_packages
flock -u 9

start_embedis
export EMBEDIS_PORT
(cd "${here}" && node --test-reporter=spec "${here}/${script}") ||
  check_failed "${script} failed"
