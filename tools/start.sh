#!/usr/bin/env bash
# Installs what is missing, builds embedis-server and starts it on the
# in-process store (port 6379 on 127.0.0.1 unless told otherwise):
#   bash tools/start.sh                 # then: redis-cli ping
#   bash tools/start.sh --port 6380 --requirepass secret
#   bash tools/start.sh embedis.conf --port 6380   # a redis.conf-style file first, flags override
# The snapshot (dump.embedis) goes to the directory start.sh was started from, not to Bazel's
# runfiles tree; relative paths (the config file, --dir) are relative to it too.
set -euo pipefail
export EMBEDIS_START_DIR="$PWD"
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
exec bazel run -c opt //server:embedis-server -- "$@"
