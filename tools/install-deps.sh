#!/usr/bin/env bash
# Installs what embedis needs to build, test and run on Debian 12, as root.
# Installs only what is missing; safe to run again.
set -euo pipefail

packages=(
  # Build: Debian's Bazel (4.2.3, runs offline) and the C++ toolchain.
  bazel-bootstrap g++ clang libclang-rt-14-dev
  # Libraries, wrapped as //third_party targets.
  libabsl-dev libxxhash-dev libcereal-dev nlohmann-json3-dev libssl-dev
  liblua5.1-0-dev lua-cjson-dev lua-bitop-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev libhiredis-dev libcpp-httplib-dev
  # Real peers for tests and benchmarks.
  redis-server redis-tools python3 python3-redis
  # Formatting.
  clang-format
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install packages (try: sudo $0)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js for the end-to-end tests with the npm redis, ioredis and connect-redis
# packages (npm installs them from the registry on first use): Debian's nodejs
# when none is installed. redis@6 and ioredis@6 need Node.js 20 or newer.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: installing nodejs npm" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "install-deps: warning: Node.js $(node --version 2>/dev/null) is older than 20;" \
    "the node end-to-end tests need Node.js 20+ (e.g. from NodeSource)" >&2
fi

# Debian's redis-server package may start a system redis on 6379; embedis
# tests use their own servers on free ports and never need it.
exit 0
