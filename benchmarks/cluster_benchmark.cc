// ClusterClient against a local 3-primary + 3-replica Redis Cluster vs Client against one
// redis-server (the cost of routing): SET and GET of 200-byte values one at a time and in
// pipelines of 16, and MGET of 100 keys spread over the slots (split per slot, one pipeline per
// node on the cluster; one command on the single server).
//
//   bazel run -c opt --config=opt //benchmarks:cluster_benchmark
//
// The benchmark starts its own servers (tests/testing: RedisServerProcess, RedisClusterProcess);
// on this 2-vCPU machine the six cluster nodes and the client share the CPUs, so the figures
// compare client paths, not cluster capacity. Wall time (UseRealTime); items are commands (MGET:
// one item per MGET). Every reply is checked.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/client/client.h"
#include "lib/client/cluster.h"
#include "lib/client/connection.h"
#include "lib/resp/value.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

constexpr int kKeys = 1000;
constexpr size_t kValueSize = 200;

struct Fixture {
  testing::RedisServerProcess single;
  testing::RedisClusterProcess cluster;
  std::unique_ptr<Client> client;
  std::unique_ptr<ClusterClient> cluster_client;
  std::vector<std::string> keys;
  std::string value;
};

Fixture* fixture = nullptr;

void Die(const std::string& message) {
  std::fprintf(stderr, "cluster_benchmark: %s\n", message.c_str());
  delete fixture;
  std::exit(1);
}

void Setup() {
  fixture = new Fixture;
  absl::Status s = fixture->single.Start();
  if (!s.ok()) Die(s.ToString());
  s = fixture->cluster.Start();
  if (!s.ok()) Die(s.ToString());
  ClientOptions options;
  options.port = fixture->single.port();
  options.pool_size = 1;
  auto client = Client::Connect(options);
  if (!client.ok()) Die(client.status().ToString());
  fixture->client = *std::move(client);
  ClusterOptions cluster_options;
  for (int i = 0; i < fixture->cluster.size(); ++i) {
    cluster_options.seeds.emplace_back("127.0.0.1", fixture->cluster.port(i));
  }
  cluster_options.node.pool_size = 1;
  auto cluster_client = ClusterClient::Connect(cluster_options);
  if (!cluster_client.ok()) Die(cluster_client.status().ToString());
  fixture->cluster_client = *std::move(cluster_client);
  for (int i = 0; i < kKeys; ++i) fixture->keys.push_back(absl::StrCat("bench:key:", i));
  fixture->value.assign(kValueSize, 'v');
  for (const std::string& k : fixture->keys) {
    if (!fixture->client->Command({"SET", k, fixture->value}).ok() ||
        !fixture->cluster_client->Command({"SET", k, fixture->value}).ok()) {
      Die("preload failed");
    }
  }
}

template <typename C>
C* Target();
template <>
Client* Target<Client>() {
  return fixture->client.get();
}
template <>
ClusterClient* Target<ClusterClient>() {
  return fixture->cluster_client.get();
}

// SET (kSet) or GET of the keys in turn, `state.range(0)` commands per round trip (1: Command,
// more: Exec of a pipeline).
template <typename C, bool kSet>
void BM_Command(benchmark::State& state) {
  C* c = Target<C>();
  const int64_t depth = state.range(0);
  size_t i = 0;
  Pipeline p;
  std::vector<resp::Value> replies;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    p.Clear();
    replies.clear();
    for (int64_t j = 0; j < depth; ++j) {
      argv.assign({kSet ? "SET" : "GET", fixture->keys[i++ % kKeys]});
      if (kSet) argv.push_back(fixture->value);
      if (depth > 1) p.Add(argv);
    }
    absl::Status s;
    if (depth == 1) {
      absl::StatusOr<resp::Value> r = c->Command(argv);
      s = r.status();
      if (r.ok()) replies.push_back(*std::move(r));
    } else {
      s = c->Exec(p, &replies);
    }
    if (!s.ok() || replies.size() != static_cast<size_t>(depth) || replies[0].is_error()) {
      state.SkipWithError("command failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * depth);
}

template <typename C>
void BM_MGet100(benchmark::State& state) {
  C* c = Target<C>();
  std::vector<std::string_view> argv = {"MGET"};
  for (int i = 0; i < 100; ++i) argv.push_back(fixture->keys[i * 7]);
  for (auto _ : state) {
    absl::StatusOr<resp::Value> r = c->Command(argv);
    if (!r.ok() || r->elements().size() != 100) state.SkipWithError("MGET failed");
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_TEMPLATE(BM_Command, Client, true)
    ->Name("BM_Set<Client>")
    ->Arg(1)
    ->Arg(16)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Command, ClusterClient, true)
    ->Name("BM_Set<ClusterClient>")
    ->Arg(1)
    ->Arg(16)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Command, Client, false)
    ->Name("BM_Get<Client>")
    ->Arg(1)
    ->Arg(16)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_Command, ClusterClient, false)
    ->Name("BM_Get<ClusterClient>")
    ->Arg(1)
    ->Arg(16)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_MGet100, Client)->UseRealTime();
BENCHMARK_TEMPLATE(BM_MGet100, ClusterClient)->UseRealTime();

}  // namespace
}  // namespace embedis

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  embedis::Setup();
  benchmark::RunSpecifiedBenchmarks();
  delete embedis::fixture;
  return 0;
}
