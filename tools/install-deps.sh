#!/usr/bin/env bash
# Installs what embedis needs to build, test and run on Debian 12, as root.
# Installs only what is missing; safe to run again.
set -euo pipefail

packages=(
  # Build: Debian's Bazel (4.2.3, runs offline) and the C++ toolchain.
  bazel-bootstrap g++ clang libclang-rt-14-dev
  # Libraries, wrapped as //third_party targets.
  libabsl-dev libxxhash-dev libcereal-dev nlohmann-json3-dev libssl-dev
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

# Debian's redis-server package may start a system redis on 6379; embedis
# tests use their own servers on free ports and never need it.
exit 0
