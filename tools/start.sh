#!/usr/bin/env bash
# Installs what is missing, builds embedis and starts it on the in-process store.
# Until embedis-server lands (see `issues`), this runs the keyspace demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
exec bazel run -c opt //examples:keyspace_demo -- "$@"
