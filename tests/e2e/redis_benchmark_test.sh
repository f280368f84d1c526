#!/usr/bin/env bash
# redis-benchmark against embedis-server:
#  - every default test completes (PING_INLINE, PING_MBULK, SET, GET, INCR, HSET, MSET, LPUSH,
#    RPUSH, LPOP, RPOP, SADD, SPOP, ZADD, ZPOPMIN, LRANGE_100..600), unpipelined and with -P 16,
#    with random keys (-r), 200-byte values, several threads (--threads), and a custom command
#    line;
#  - the full default run (no -t) completes every test.
#
# Needs redis-benchmark and redis-cli (Debian: redis-tools).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/e2e_lib.sh"
e2e_init redis_benchmark_test
require_tool redis-benchmark "apt-get install redis-tools"
require_tool redis-cli "apt-get install redis-tools"

start_embedis
bench=(redis-benchmark -h 127.0.0.1 -p "${EMBEDIS_PORT}")
cli=(redis-cli -h 127.0.0.1 -p "${EMBEDIS_PORT}")

# Runs redis-benchmark with a time limit; its output, \r progress lines removed, in ${out}.
run_bench() {
  local rc=0
  out="$(timeout 120 "${bench[@]}" "$@" 2>&1)" || rc=$?
  out="$(printf '%s' "${out}" | tr '\r' '\n' | grep -v 'rps=' | grep -v '^ *$')"
  return "${rc}"
}

supported=(PING_INLINE PING_MBULK SET GET INCR HSET "MSET (10 keys)" LPUSH RPUSH LPOP RPOP SADD
  SPOP ZADD ZPOPMIN "LRANGE_100 (first 100 elements)" "LRANGE_600 (first 600 elements)")
for pipeline in 1 16; do
  if ! run_bench -t ping,set,get,incr,hset,mset,lpush,rpush,lpop,rpop,sadd,spop,zadd,zpopmin,lrange_100,lrange_600 \
    -n 10000 -c 50 -P "${pipeline}" -d 200 \
    -r 100000 -q; then
    check_failed "redis-benchmark -P ${pipeline} failed: ${out}"
    continue
  fi
  for t in "${supported[@]}"; do
    line="$(printf '%s\n' "${out}" | grep "^${t}: ")"
    [[ "${line}" == *"requests per second"* ]] ||
      check_failed "-P ${pipeline}: no result for ${t} in: ${out}"
  done
  log "-P ${pipeline}: $(printf '%s' "${out}" | tr '\n' ';')"
done

# The same with the CSV output, two benchmark threads and keep-alive off (a connection per
# request exercises accept and close).
if run_bench -t set,get -n 10000 -c 20 --threads 2 --csv; then
  expect_contains "--csv" '"SET","' "${out}"
  expect_contains "--csv" '"GET","' "${out}"
else
  check_failed "redis-benchmark --threads 2 --csv failed: ${out}"
fi
run_bench -t ping -n 2000 -c 10 -k 0 -q || check_failed "redis-benchmark -k 0 failed: ${out}"
expect_contains "-k 0" "PING_MBULK: " "${out}"

# A custom command line: session-shaped SET with a TTL and random keys, then GET of the same keys.
run_bench -n 10000 -r 1000 -c 20 -q SET 'sess:__rand_int__' '{"cookie":{}}' EX 3600 ||
  check_failed "custom SET command failed: ${out}"
expect_contains "custom SET" "requests per second" "${out}"
ttl="$("${cli[@]}" TTL sess:000000000042)"
[[ "${ttl}" == "-2" || ("${ttl}" -gt 3500 && "${ttl}" -le 3600) ]] ||
  check_failed "TTL of a benchmark session: ${ttl}"
run_bench -n 10000 -r 1000 -c 20 -q HSET 'h:__rand_int__' f 1 ||
  check_failed "custom HSET failed: ${out}"

# The list tests leave redis-benchmark's list at the size LRANGE_600 needs: check it is a list.
expect_eq "TYPE mylist" "list" "$("${cli[@]}" TYPE mylist)"
len="$("${cli[@]}" LLEN mylist)"
((len >= 600)) || check_failed "LLEN mylist after LRANGE_600: ${len}"

# The full default run (no -t) completes every test, the sorted sets' ZADD and ZPOPMIN included.
if run_bench -n 2000 -c 10 -q; then
  for t in PING_INLINE PING_MBULK SET GET INCR LPUSH RPUSH LPOP RPOP SADD HSET SPOP ZADD ZPOPMIN \
    "LRANGE_600 (first 600 elements)" "MSET (10 keys)"; do
    expect_contains "default run" "${t}: " "${out}"
  done
else
  check_failed "the default run failed: ${out}"
fi

# No connection leaked: only this redis-cli is left (closes are processed asynchronously).
clients=""
for _ in $(seq 1 50); do
  clients="$("${cli[@]}" INFO clients | tr -d '\r' | grep '^connected_clients:' | cut -d: -f2)"
  [[ "${clients}" == 1 ]] && break
  sleep 0.1
done
expect_eq "connected_clients after all benchmarks" "1" "${clients}"
