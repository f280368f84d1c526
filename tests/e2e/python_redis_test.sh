#!/usr/bin/env bash
# Runs python_redis_test.py (redis-py) against a fresh embedis-server. Uses /usr/bin/python3, the
# Debian interpreter that has python3-redis (a `python3` earlier on PATH may be a pyenv without it).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/e2e_lib.sh"
e2e_init python_redis_test
python=/usr/bin/python3
[[ -x "${python}" ]] || fail "${python} is missing: apt-get install python3 python3-redis"
"${python}" -c 'import redis' 2>/dev/null || fail "redis-py is missing: apt-get install python3-redis"
start_embedis
"${python}" "$(e2e_root)/tests/e2e/python_redis_test.py" "${EMBEDIS_PORT}" ||
  check_failed "redis-py tests failed"
