#!/usr/bin/env bash
# Installs what is missing, builds embedis-server and starts it on the
# in-process store (port 6379 on 127.0.0.1 unless told otherwise):
#   bash tools/start.sh                 # then: redis-cli ping
#   bash tools/start.sh --port 6380 --requirepass secret
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
exec bazel run -c opt //server:embedis-server -- "$@"
