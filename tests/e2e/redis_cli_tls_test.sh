#!/usr/bin/env bash
# redis-cli --tls against embedis-server's TLS port (--tls-port, --tls-cert-file, ...), with
# certificates made here with the openssl command line: commands over TLS with a client
# certificate (tls-auth-clients yes), the plain port beside it, a client without a certificate
# and one that does not trust the server's CA refused, and redis-benchmark --tls.
#
# Needs redis-cli (Debian's redis-tools, built with TLS), redis-benchmark and openssl.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/e2e_lib.sh"
e2e_init redis_cli_tls_test
require_tool redis-cli "apt-get install redis-tools"
require_tool redis-benchmark "apt-get install redis-tools"
require_tool openssl "apt-get install openssl"
require_tool python3 "apt-get install python3"

pki="${E2E_TMP}/pki"
mkdir -p "${pki}"
(
  cd "${pki}" || exit 1
  key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >server.ext
  openssl req -x509 "${key[@]}" -keyout ca.key -out ca.crt -days 30 -subj "/CN=e2e CA"
  openssl req -x509 "${key[@]}" -keyout other-ca.key -out other-ca.crt -days 30 -subj "/CN=other"
  openssl req "${key[@]}" -keyout server.key -out server.csr -subj "/CN=localhost"
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt \
    -days 30 -extfile server.ext
  openssl req "${key[@]}" -keyout client.key -out client.csr -subj "/CN=e2e client"
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 30
) >"${E2E_TMP}/openssl.log" 2>&1 || { cat "${E2E_TMP}/openssl.log" >&2; fail "openssl failed"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
tls_port="$(free_port)"
start_embedis --tls-port "${tls_port}" --tls-cert-file "${pki}/server.crt" \
  --tls-key-file "${pki}/server.key" --tls-ca-cert-file "${pki}/ca.crt" --tls-auth-clients yes
grep -q "tls-port=${tls_port}" "${EMBEDIS_LOG}" || fail "no tls-port=${tls_port} in the log"

tls=(redis-cli --tls -h 127.0.0.1 -p "${tls_port}" --cacert "${pki}/ca.crt"
  --cert "${pki}/client.crt" --key "${pki}/client.key")
expect_eq "PING over TLS" "PONG" "$("${tls[@]}" PING 2>&1)"
expect_eq "SET over TLS" "OK" "$("${tls[@]}" SET greeting hello 2>&1)"
expect_eq "GET on the plain port" "hello" "$(redis-cli -p "${EMBEDIS_PORT}" GET greeting 2>&1)"
expect_eq "CONFIG GET tls-auth-clients" "tls-auth-clients
yes" "$("${tls[@]}" CONFIG GET tls-auth-clients 2>&1)"
expect_eq "CONFIG GET tls-port" "tls-port
${tls_port}" "$("${tls[@]}" CONFIG GET tls-port 2>&1)"
# A pipe of 2000 commands, and a 1 MB value, through the TLS port.
for i in $(seq 1 2000); do echo "INCR counter"; done | "${tls[@]}" >/dev/null 2>&1
expect_eq "2000 INCRs over TLS" "2000" "$("${tls[@]}" GET counter 2>&1)"
head -c 1048576 /dev/zero | tr '\0' 'x' | "${tls[@]}" -x SET big >/dev/null 2>&1
expect_eq "STRLEN of a 1 MB value" "1048576" "$("${tls[@]}" STRLEN big 2>&1)"

# Refusals: no client certificate; a CA that did not sign the server's certificate.
out="$(redis-cli --tls -h 127.0.0.1 -p "${tls_port}" --cacert "${pki}/ca.crt" PING 2>&1)"
[[ "${out}" != "PONG" ]] || check_failed "a client without a certificate was served"
out="$(redis-cli --tls -h 127.0.0.1 -p "${tls_port}" --cacert "${pki}/other-ca.crt" \
  --cert "${pki}/client.crt" --key "${pki}/client.key" PING 2>&1)"
[[ "${out}" == *"certificate verify failed"* ]] ||
  check_failed "wrong CA: expected a certificate verification error, got '${out}'"
# A plain client on the TLS port gets nothing it can take for a reply.
out="$(timeout 5 redis-cli -p "${tls_port}" PING 2>&1)"
[[ "${out}" != "PONG" ]] || check_failed "plain text answered on the TLS port"

# redis-benchmark over TLS.
bench="$(redis-benchmark --tls -h 127.0.0.1 -p "${tls_port}" --cacert "${pki}/ca.crt" \
  --cert "${pki}/client.crt" --key "${pki}/client.key" -t set,get -n 2000 -c 4 -q 2>&1)"
[[ "${bench}" == *"SET:"*"GET:"* ]] || check_failed "redis-benchmark --tls: ${bench}"

expect_eq "final PING over TLS" "PONG" "$("${tls[@]}" PING 2>&1)"
log "redis-cli --tls and redis-benchmark --tls against embedis-server: done"
