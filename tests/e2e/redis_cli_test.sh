#!/usr/bin/env bash
# redis-cli against embedis-server:
#  - differential: testdata/redis_cli_commands.txt through redis-cli (RESP2 and -3, formatted and
#    raw) against embedis-server and against a real redis-server; the outputs must be identical;
#  - SUBSCRIBE and PSUBSCRIBE (with keyspace events) printed as against redis-server;
#  - --scan with --pattern (and -3, and while the table grows), --pipe, -x, -r, -n, -s (unix
#    socket), -a / --user --pass with requirepass, --bigkeys, --memkeys, big values, SHUTDOWN.
#
# Needs redis-cli and redis-server (Debian: redis-tools, redis-server).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/e2e_lib.sh"
e2e_init redis_cli_test
require_tool redis-cli "apt-get install redis-tools"
require_tool redis-server "apt-get install redis-server"

data="$(e2e_root)/tests/e2e/testdata"
# Unix socket paths must fit in 108 bytes; Bazel's TEST_TMPDIR is longer than that.
sock_dir="$(mktemp -d /tmp/e2e_cli.XXXXXX)"
E2E_CLEANUP_DIRS+=("${sock_dir}")
sock="${sock_dir}/embedis.sock"
start_embedis --unixsocket "${sock}"
cli=(redis-cli -h 127.0.0.1 -p "${EMBEDIS_PORT}")

# A real redis-server on a unix socket only (no port to collide on).
redis_sock="${sock_dir}/redis.sock"
redis-server --port 0 --unixsocket "${redis_sock}" --save '' --appendonly no \
  --dir "${E2E_TMP}" >"${E2E_TMP}/redis.log" 2>&1 &
E2E_PIDS+=($!)
for _ in $(seq 1 100); do
  [[ -S "${redis_sock}" ]] && redis-cli -s "${redis_sock}" PING >/dev/null 2>&1 && break
  sleep 0.05
done
redis-cli -s "${redis_sock}" PING >/dev/null 2>&1 || fail "redis-server did not start"

# ---- Differential: the same redis-cli session against both servers ----
for mode in "-2 --no-raw" "-3 --no-raw" "-2 --raw" "-3 --raw"; do
  # shellcheck disable=SC2086
  redis-cli ${mode} -s "${redis_sock}" <"${data}/redis_cli_commands.txt" >"${E2E_TMP}/redis.out" 2>&1
  # shellcheck disable=SC2086
  "${cli[@]}" ${mode} <"${data}/redis_cli_commands.txt" >"${E2E_TMP}/embedis.out" 2>&1
  if ! diff -u "${E2E_TMP}/redis.out" "${E2E_TMP}/embedis.out" >"${E2E_TMP}/diff.out"; then
    check_failed "redis-cli ${mode}: embedis-server and redis-server differ:"
    cat "${E2E_TMP}/diff.out" >&2
  fi
  lines="$(wc -l <"${E2E_TMP}/embedis.out")"
  ((lines > 100)) || check_failed "redis-cli ${mode}: only ${lines} lines of output"
  redis-cli -s "${redis_sock}" FLUSHALL >/dev/null
  "${cli[@]}" FLUSHALL >/dev/null
done
log "differential vs redis-server: identical in RESP2/RESP3, raw and formatted"

# ---- SUBSCRIBE / PSUBSCRIBE: redis-cli's subscriber output, the same as against redis-server ----
# redis-cli in subscribe mode prints each message as it arrives (formatted and -3); it is stopped
# once the publisher's messages and a final marker have been published.
subscriber_transcript() {  # out-file, redis-cli connection args...
  local out="$1"
  shift
  local mode
  : >"${out}"
  for mode in "--no-raw" "-3 --no-raw" "--raw"; do
    # shellcheck disable=SC2086
    redis-cli ${mode} "$@" PSUBSCRIBE 'user:*' '__keyevent@0__:*' >"${E2E_TMP}/sub.out" 2>&1 &
    local sub_pid=$!
    local _
    for _ in $(seq 1 200); do
      [[ "$(redis-cli "$@" PUBSUB NUMPAT)" == "2" ]] && break
      sleep 0.02
    done
    redis-cli "$@" CONFIG SET notify-keyspace-events Eg$ >/dev/null
    redis-cli "$@" PUBLISH user:42 logout >/dev/null
    redis-cli "$@" SET sess:1 v >/dev/null
    redis-cli "$@" DEL sess:1 >/dev/null
    redis-cli "$@" PUBLISH user:marker done >/dev/null
    for _ in $(seq 1 200); do
      grep -q "done" "${E2E_TMP}/sub.out" && break
      sleep 0.02
    done
    kill "${sub_pid}" 2>/dev/null
    wait "${sub_pid}" 2>/dev/null
    redis-cli "$@" CONFIG SET notify-keyspace-events "" >/dev/null
    { echo "== ${mode}"; cat "${E2E_TMP}/sub.out"; } >>"${out}"
  done
}
subscriber_transcript "${E2E_TMP}/sub.redis" -s "${redis_sock}"
subscriber_transcript "${E2E_TMP}/sub.embedis" -h 127.0.0.1 -p "${EMBEDIS_PORT}"
if ! diff -u "${E2E_TMP}/sub.redis" "${E2E_TMP}/sub.embedis" >"${E2E_TMP}/sub.diff"; then
  check_failed "redis-cli PSUBSCRIBE: embedis-server and redis-server differ:"
  cat "${E2E_TMP}/sub.diff" >&2
fi
expect_contains "PSUBSCRIBE output" "logout" "$(cat "${E2E_TMP}/sub.embedis")"
expect_contains "keyspace event" "__keyevent@0__:del" "$(cat "${E2E_TMP}/sub.embedis")"
# SUBSCRIBE to a channel, then a message, as redis-cli prints it.
redis-cli -h 127.0.0.1 -p "${EMBEDIS_PORT}" SUBSCRIBE news >"${E2E_TMP}/news.out" 2>&1 &
news_pid=$!
for _ in $(seq 1 200); do
  [[ "$("${cli[@]}" PUBSUB NUMSUB news | tail -1)" == "1" ]] && break
  sleep 0.02
done
expect_eq "PUBLISH to one subscriber" "1" "$("${cli[@]}" PUBLISH news hello)"
for _ in $(seq 1 200); do grep -q hello "${E2E_TMP}/news.out" && break; sleep 0.02; done
kill "${news_pid}" 2>/dev/null
wait "${news_pid}" 2>/dev/null
expect_eq "SUBSCRIBE output" "$(printf 'subscribe\nnews\n1\nmessage\nnews\nhello')" \
  "$(cat "${E2E_TMP}/news.out")"
log "SUBSCRIBE/PSUBSCRIBE through redis-cli: as against redis-server"

# ---- --pipe: load 1000 sessions, 500 users, 500 cache keys and a hash ----
# RESP, not inline commands: session JSON has quotes, which inline commands treat as quoting.
to_resp() {  # one command per line, arguments separated by tabs
  awk -F'\t' '{ printf "*%d\r\n", NF; for (i = 1; i <= NF; i++) printf "$%d\r\n%s\r\n", length($i), $i }'
}
{
  for i in $(seq 1 1000); do
    printf 'SET\tsess:%04d\t{"cookie":{"path":"/"},"user":%d}\tEX\t3600\n' "${i}" "${i}"
  done
  for i in $(seq 1 500); do printf 'SET\tuser:%d\tu%d\nSET\tcache:%d\tc%d\n' "${i}" "${i}" "${i}" "${i}"; done
  printf 'HSET\tprofile\tname\talice\temail\talice@example.com\n'
} | LC_ALL=C to_resp >"${E2E_TMP}/load.txt"
out="$("${cli[@]}" --pipe <"${E2E_TMP}/load.txt" 2>&1)"
expect_contains "--pipe" "errors: 0, replies: 2001" "${out}"
expect_eq "DBSIZE after --pipe" "2001" "$("${cli[@]}" DBSIZE)"
expect_eq "TTL of a piped session" "3600" "$("${cli[@]}" TTL sess:0001)"

# ---- --scan --pattern ----
seq -f 'sess:%04g' 1 1000 | sort >"${E2E_TMP}/want_sess.txt"
for proto in -2 -3; do
  "${cli[@]}" "${proto}" --scan --pattern 'sess:*' >"${E2E_TMP}/got.txt"
  got_lines="$(wc -l <"${E2E_TMP}/got.txt")"
  sort -u "${E2E_TMP}/got.txt" >"${E2E_TMP}/got_sess.txt"
  if ! cmp -s "${E2E_TMP}/want_sess.txt" "${E2E_TMP}/got_sess.txt"; then
    check_failed "--scan --pattern 'sess:*' ${proto}: wrong keys"
    diff "${E2E_TMP}/want_sess.txt" "${E2E_TMP}/got_sess.txt" | head -10 >&2
  fi
  ((got_lines >= 1000 && got_lines <= 1100)) ||
    check_failed "--scan ${proto}: ${got_lines} lines for 1000 keys"
done
expect_eq "--scan --pattern 'user:1?'" "$(seq -f 'user:%g' 10 19)" \
  "$("${cli[@]}" --scan --pattern 'user:1?' | sort -V)"
expect_eq "--scan --pattern 'cache:[45]00'" "cache:400
cache:500" "$("${cli[@]}" --scan --pattern 'cache:[45]00' | sort)"
expect_eq "--scan without a pattern" "2001" "$("${cli[@]}" --scan | sort -u | wc -l)"
expect_eq "--scan -n 1 (empty db)" "" "$("${cli[@]}" -n 1 --scan)"
expect_eq "--scan --pattern no match" "" "$("${cli[@]}" --scan --pattern 'nothing:*')"

# SCAN's guarantee while the table grows: every key present for the whole scan is returned.
seq 1 40000 | awk '{printf "SET\tgrow:%d\tx\n", $1}' | LC_ALL=C to_resp >"${E2E_TMP}/grow.txt"
"${cli[@]}" --pipe <"${E2E_TMP}/grow.txt" >"${E2E_TMP}/grow.log" 2>&1 &
grow_pid=$!
"${cli[@]}" --scan --pattern 'sess:*' | sort -u >"${E2E_TMP}/got_sess.txt"
wait "${grow_pid}" || check_failed "--pipe of 40000 keys failed: $(cat "${E2E_TMP}/grow.log")"
cmp -s "${E2E_TMP}/want_sess.txt" "${E2E_TMP}/got_sess.txt" ||
  check_failed "--scan while 40000 keys were added missed sessions:" \
    "$(comm -23 "${E2E_TMP}/want_sess.txt" "${E2E_TMP}/got_sess.txt" | head -5)"
expect_eq "keys after growth" "42001" "$("${cli[@]}" DBSIZE)"
expect_eq "INFO keyspace" "db0:keys=42001,expires=1000,avg_ttl=" \
  "$("${cli[@]}" INFO keyspace | tr -d '\r' | grep '^db0:' | sed 's/avg_ttl=.*/avg_ttl=/')"
"${cli[@]}" --scan --pattern 'grow:*' | sed 's/^/UNLINK /' | "${cli[@]}" >/dev/null
expect_eq "DBSIZE after unlinking grow:*" "2001" "$("${cli[@]}" DBSIZE)"

# ---- -x, -r, -n, -3, big values ----
expect_eq "-x" "OK" "$(printf 'from stdin' | "${cli[@]}" -x SET stdin_key)"
expect_eq "GET of -x value" "from stdin" "$("${cli[@]}" GET stdin_key)"
expect_eq "-r 3 INCR" "1
2
3" "$("${cli[@]}" -r 3 INCR counter)"
expect_eq "-n 2 SET" "OK" "$("${cli[@]}" -n 2 SET in_db2 x)"
expect_eq "-n 2 DBSIZE" "1" "$("${cli[@]}" -n 2 DBSIZE)"
expect_eq "-n 0 GET in_db2" "" "$("${cli[@]}" GET in_db2)"
expect_eq "-3 HELLO proto" "3" "$("${cli[@]}" -3 --no-raw HELLO 3 | grep '"proto"' |
  sed 's/.*(integer) //')"
expect_eq "-3 HGETALL (a map)" '1# "name" => "alice"
2# "email" => "alice@example.com"' "$("${cli[@]}" -3 --no-raw HGETALL profile)"
head -c 3000000 /dev/urandom | base64 -w0 >"${E2E_TMP}/big.txt"
expect_eq "-x SET of 4 MB" "OK" "$("${cli[@]}" -x SET big <"${E2E_TMP}/big.txt")"
expect_eq "GET of 4 MB" "$(sha256sum <"${E2E_TMP}/big.txt")" \
  "$("${cli[@]}" --raw GET big | head -c "$(stat -c %s "${E2E_TMP}/big.txt")" | sha256sum)"
expect_eq "STRLEN of 4 MB" "$(stat -c %s "${E2E_TMP}/big.txt")" "$("${cli[@]}" STRLEN big)"

# ---- Errors surface as redis-cli shows Redis's ----
expect_eq "WRONGTYPE" "(error) WRONGTYPE Operation against a key holding the wrong kind of value" \
  "$("${cli[@]}" --no-raw GET profile)"
expect_eq "unknown command" \
  "(error) ERR unknown command 'XADD', with args beginning with: 'x' '*' 'f' 'v' " \
  "$("${cli[@]}" --no-raw XADD x '*' f v)"

# ---- Sorted sets, as redis-cli formats them (scores as Redis 7.0 writes them) ----
expect_eq "ZADD" "(integer) 3" "$("${cli[@]}" --no-raw ZADD board 1.5 ada 1.1 bob 3 cy)"
expect_eq "ZRANGE WITHSCORES" '1) "bob"
2) "1.1000000000000001"
3) "ada"
4) "1.5"
5) "cy"
6) "3"' "$("${cli[@]}" --no-raw ZRANGE board 0 -1 WITHSCORES)"
expect_eq "-3 ZSCORE (a double)" '(double) 1.5' "$("${cli[@]}" -3 --no-raw ZSCORE board ada)"

# ---- Sets, as redis-cli formats them ----
expect_eq "SADD" "(integer) 3" "$("${cli[@]}" --no-raw SADD s 3 1 2)"
expect_eq "SMEMBERS of an intset (ascending)" '1) "1"
2) "2"
3) "3"' "$("${cli[@]}" --no-raw SMEMBERS s)"
expect_eq "-3 SMEMBERS (a set)" '1~ "1"
2~ "2"
3~ "3"' "$("${cli[@]}" -3 --no-raw SMEMBERS s)"
expect_eq "SISMEMBER" "(integer) 1" "$("${cli[@]}" --no-raw SISMEMBER s 2)"
expect_eq "OBJECT ENCODING" "intset" "$("${cli[@]}" OBJECT ENCODING s)"

# ---- Lists, as redis-cli formats them ----
expect_eq "RPUSH" "(integer) 3" "$("${cli[@]}" --no-raw RPUSH queue a b c)"
expect_eq "LRANGE" '1) "a"
2) "b"
3) "c"' "$("${cli[@]}" --no-raw LRANGE queue 0 -1)"
expect_eq "BLPOP" '1) "queue"
2) "a"' "$("${cli[@]}" --no-raw BLPOP queue 1)"
expect_eq "BLPOP timeout" "(nil)" "$("${cli[@]}" --no-raw BLPOP missing 0.1)"
expect_eq "OBJECT ENCODING of a list (Redis 7.0 names every list quicklist)" "quicklist" "$("${cli[@]}" OBJECT ENCODING queue)"

# ---- --bigkeys ----
out="$("${cli[@]}" --bigkeys 2>&1)"
expect_contains "--bigkeys" "Biggest   list found '\"queue\"' has 2 items" "${out}"
expect_contains "--bigkeys" "Biggest   hash found '\"profile\"' has 2 fields" "${out}"
expect_contains "--bigkeys" "Biggest string found '\"big\"' has 4000000 bytes" "${out}"

# ---- --memkeys: MEMORY USAGE <key> SAMPLES <n> on every key, with no warning ----
out="$("${cli[@]}" --memkeys 2>&1)"
expect_contains "--memkeys" "Biggest string found '\"big\"' has " "${out}"
expect_contains "--memkeys" "Biggest   hash found '\"profile\"' has " "${out}"
if grep -qiE 'warning|error' <<<"${out}"; then
  check_failed "--memkeys warned: $(grep -iE 'warning|error' <<<"${out}" | head -3)"
fi

# ---- Unix socket ----
expect_eq "-s PING" "PONG" "$(redis-cli -s "${sock}" PING)"
expect_eq "-s GET" "alice" "$(redis-cli -s "${sock}" HGET profile name)"

# ---- requirepass, AUTH with -a and --user/--pass, HELLO 3 AUTH; SHUTDOWN ----
auth_log="${E2E_TMP}/auth.log"
mkdir -p "${E2E_TMP}/auth-dir"
(cd "${E2E_TMP}/auth-dir" && exec "$(e2e_server_binary)" --port 0 --requirepass 's3cret pass') \
  >"${auth_log}" 2>&1 &
auth_pid=$!
E2E_PIDS+=("${auth_pid}")
for _ in $(seq 1 200); do grep -q "Ready to accept" "${auth_log}" && break; sleep 0.05; done
auth_port="$(grep -o 'port=[0-9]*' "${auth_log}" | head -1 | cut -d= -f2)"
[[ -n "${auth_port}" ]] || fail "the requirepass server did not start: $(cat "${auth_log}")"
acli=(redis-cli -p "${auth_port}" --no-auth-warning)
expect_eq "no AUTH" "(error) NOAUTH Authentication required." "$("${acli[@]}" --no-raw GET x)"
expect_eq "-a" "PONG" "$("${acli[@]}" -a 's3cret pass' PING)"
expect_eq "--user --pass" "OK" "$("${acli[@]}" --user default --pass 's3cret pass' SET x 1)"
expect_eq "-3 -a (HELLO 3 AUTH)" "1" "$("${acli[@]}" -3 -a 's3cret pass' GET x)"
expect_eq "wrong password" \
  "AUTH failed: WRONGPASS invalid username-password pair or user is disabled." \
  "$("${acli[@]}" -a wrong PING 2>&1 | head -1)"
"${acli[@]}" -a 's3cret pass' SHUTDOWN >/dev/null 2>&1
rc=0
for _ in $(seq 1 100); do kill -0 "${auth_pid}" 2>/dev/null || break; sleep 0.05; done
if kill -0 "${auth_pid}" 2>/dev/null; then
  check_failed "SHUTDOWN did not stop the server"
else
  wait "${auth_pid}" || rc=$?
  expect_eq "exit status after SHUTDOWN" "0" "${rc}"
fi

# The main server is still healthy after all of that.
expect_eq "final PING" "PONG" "$("${cli[@]}" PING)"
