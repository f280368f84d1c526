// Writes N session-shaped SET commands in RESP to stdout, for `redis-cli --pipe`:
//   SET sess:<32 base64url chars> <200-byte value> EX 86400
// Deterministic (fixed seed), so that embedis-server and redis-server load the same data.
// Driven by benchmarks/compare/persistence_vs_redis.sh.
//
//   session_resp_gen 1000000 > data.resp
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "benchmarks/session_keys.h"

int main(int argc, char** argv) {
  const long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1000000;
  std::mt19937_64 rng(20261129);
  std::string key, out;
  out.reserve(1 << 20);
  for (long i = 0; i < n; ++i) {
    embedis::bench::MakeSessionKey(rng, &key);
    const std::string value = embedis::bench::MakeSessionValue(rng);
    out += "*5\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
           std::to_string(value.size()) + "\r\n" + value + "\r\n$2\r\nEX\r\n$5\r\n86400\r\n";
    if (out.size() > (1 << 20) - 512) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
