// The embedis client over TLS vs plain TCP against one redis-server that serves both (a TLS port
// beside its plain one; certificates made with the openssl command line at start): GET of a
// 200-byte value one at a time, pipelined by 16 and 128, 64 KB values, and opening a connection
// (TCP connect vs TCP connect + TLS 1.3 handshake with certificate verification).
//
//   bazel run -c opt --config=opt //benchmarks:tls_client_benchmark -- \
//     --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
//
// Wall time (UseRealTime): a round trip is mostly waiting; items_per_second counts commands.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/client/client.h"
#include "lib/client/connection.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/tls_certs.h"

namespace embedis {
namespace {

struct Fixture {
  testing::RedisServerProcess server;
  testing::TestPki pki;
  int tls_port = 0;
  ClientOptions plain, tls;
  std::unique_ptr<Client> plain_client, tls_client;
};

Fixture* fixture = nullptr;

void Die(const std::string& message) {
  std::fprintf(stderr, "tls_client_benchmark: %s\n", message.c_str());
  std::exit(1);
}

void Setup() {
  fixture = new Fixture;
  absl::StatusOr<testing::TestPki> pki = testing::MakeTestPki();
  if (!pki.ok()) Die(pki.status().ToString());
  fixture->pki = *pki;
  fixture->tls_port = testing::FreeLoopbackPort();
  absl::Status s =
      fixture->server.Start({"--tls-port", std::to_string(fixture->tls_port), "--tls-cert-file",
                             pki->server_crt, "--tls-key-file", pki->server_key,
                             "--tls-ca-cert-file", pki->ca_crt, "--tls-auth-clients", "no"});
  if (!s.ok()) Die(s.ToString());
  fixture->plain.port = fixture->server.port();
  fixture->plain.pool_size = 1;
  fixture->tls = fixture->plain;
  fixture->tls.port = fixture->tls_port;
  fixture->tls.tls.enabled = true;
  fixture->tls.tls.ca_file = pki->ca_crt;
  for (auto [options, client] : {std::pair{&fixture->plain, &fixture->plain_client},
                                 std::pair{&fixture->tls, &fixture->tls_client}}) {
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(*options);
    if (!c.ok()) Die(c.status().ToString());
    *client = *std::move(c);
  }
  if (!fixture->plain_client->Command({"SET", "small", std::string(200, 's')}).ok() ||
      !fixture->plain_client->Command({"SET", "big", std::string(64 << 10, 'b')}).ok()) {
    Die("SET failed");
  }
}

Client& ClientFor(const benchmark::State& state) {
  return state.range(0) == 1 ? *fixture->tls_client : *fixture->plain_client;
}

void BM_Get(benchmark::State& state, const char* key) {
  Client& client = ClientFor(state);
  const int batch = static_cast<int>(state.range(1));
  Pipeline p;
  for (int i = 0; i < batch; ++i) p.Add({"GET", key});
  std::vector<resp::Value> replies;
  for (auto _ : state) {
    replies.clear();
    if (batch == 1) {
      absl::StatusOr<resp::Value> v = client.Command({"GET", key});
      if (!v.ok() || v->is_error()) state.SkipWithError("GET failed");
    } else if (!client.Exec(p, &replies).ok()) {
      state.SkipWithError("pipeline failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.SetLabel(state.range(0) == 1 ? "tls" : "plain");
}

void BM_GetSmall(benchmark::State& state) { BM_Get(state, "small"); }
void BM_Get64K(benchmark::State& state) { BM_Get(state, "big"); }

void BM_Connect(benchmark::State& state) {
  const ClientOptions& options = state.range(0) == 1 ? fixture->tls : fixture->plain;
  std::shared_ptr<ssl_ctx_st> ctx;
  if (options.tls.enabled) ctx = *NewTlsContext(options);  // as a Client shares one
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options, ctx);
    if (!c.ok()) state.SkipWithError("connect failed");
  }
  state.SetLabel(state.range(0) == 1 ? "tls" : "plain");
}

BENCHMARK(BM_GetSmall)->ArgsProduct({{0, 1}, {1, 16, 128}})->UseRealTime();
BENCHMARK(BM_Get64K)->ArgsProduct({{0, 1}, {1, 16}})->UseRealTime();
BENCHMARK(BM_Connect)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
}  // namespace embedis

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  embedis::Setup();
  benchmark::RunSpecifiedBenchmarks();
  embedis::fixture->server.Kill();
  return 0;
}
