// embedis's Redis client vs hiredis (libhiredis 0.14, blocking API), side by
// side against one redis-server: SET and GET of 200-byte values, one command
// at a time and pipelined in batches of 16 and 128.
//
//   bazel run -c opt --config=opt //benchmarks:client_benchmark -- FLAGS
//   (FLAGS: --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true)
//
// The server: EMBEDIS_BENCH_REDIS_PORT=<port> uses a running redis-server on
// 127.0.0.1 (start it pinned, e.g. `taskset -c 0 redis-server --port 6390
// --save ''`); otherwise the benchmark starts its own.
//
// Both clients are measured the same way: wall time (UseRealTime), since a
// round trip is mostly waiting; items_per_second counts commands. embedis
// runs on a pooled connection (Client::Command / Client::Exec with a reused
// Pipeline); hiredis with redisCommandArgv, or redisAppendCommandArgv then
// redisGetReply per reply. Every reply is checked.
#include <hiredis/hiredis.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "lib/client/client.h"
#include "lib/client/connection.h"
#include "lib/resp/value.h"
#include "tests/testing/redis_server.h"

namespace embedis {
namespace {

constexpr int kKeys = 1000;
constexpr size_t kValueSize = 200;

struct Fixture {
  int port = 0;
  std::unique_ptr<testing::RedisServerProcess> server;  // when we started it
  std::unique_ptr<Client> client;
  redisContext* hiredis = nullptr;
  std::vector<std::string> keys;
  std::string value;
};

Fixture* fixture = nullptr;

void Die(const std::string& message) {
  std::fprintf(stderr, "client_benchmark: %s\n", message.c_str());
  if (fixture != nullptr && fixture->server != nullptr) fixture->server->Kill();
  std::exit(1);
}

void Setup() {
  fixture = new Fixture;
  if (const char* port = std::getenv("EMBEDIS_BENCH_REDIS_PORT"); port && *port) {
    fixture->port = std::atoi(port);
  } else {
    fixture->server = std::make_unique<testing::RedisServerProcess>();
    absl::Status s = fixture->server->Start();
    if (!s.ok()) Die(s.ToString());
    fixture->port = fixture->server->port();
  }
  ClientOptions options;
  options.port = fixture->port;
  options.pool_size = 1;
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
  if (!client.ok()) Die(client.status().ToString());
  fixture->client = *std::move(client);

  timeval connect_timeout{1, 0};
  fixture->hiredis = redisConnectWithTimeout("127.0.0.1", fixture->port, connect_timeout);
  if (fixture->hiredis == nullptr || fixture->hiredis->err) Die("hiredis could not connect");
  timeval command_timeout{5, 0};  // as embedis's default command_timeout
  redisSetTimeout(fixture->hiredis, command_timeout);

  for (int i = 0; i < kKeys; ++i) fixture->keys.push_back(absl::StrCat("bench:key:", i));
  fixture->value.assign(kValueSize, 'v');
  for (size_t i = 0; i < kValueSize; ++i) fixture->value[i] = static_cast<char>('a' + i % 26);
  // GET finds every key.
  Pipeline p;
  for (const std::string& k : fixture->keys) p.Add({"SET", k, fixture->value});
  absl::StatusOr<std::vector<resp::Value>> r = fixture->client->Exec(p);
  if (!r.ok()) Die(r.status().ToString());
}

// ---- embedis ----

void CheckEmbedis(const resp::Value& v, bool get) {
  bool ok = get ? v.type() == resp::Type::kBulkString && v.str().size() == kValueSize
                : v.type() == resp::Type::kSimpleString;
  if (!ok) Die("embedis: unexpected reply " + v.DebugString());
}

void RunEmbedis(benchmark::State& state, bool get) {
  const int batch = static_cast<int>(state.range(0));
  Client& client = *fixture->client;
  const std::string_view value = fixture->value;
  Pipeline pipeline;
  std::vector<resp::Value> replies;
  size_t next = 0;
  for (auto _ : state) {
    if (batch == 1) {
      std::string_view key = fixture->keys[next++ % kKeys];
      absl::StatusOr<resp::Value> r =
          get ? client.Command({"GET", key}) : client.Command({"SET", key, value});
      if (!r.ok()) Die(r.status().ToString());
      CheckEmbedis(*r, get);
    } else {
      pipeline.Clear();
      for (int i = 0; i < batch; ++i) {
        std::string_view key = fixture->keys[next++ % kKeys];
        if (get) {
          pipeline.Add({"GET", key});
        } else {
          pipeline.Add({"SET", key, value});
        }
      }
      replies.clear();
      absl::Status s = client.Exec(pipeline, &replies);
      if (!s.ok()) Die(s.ToString());
      for (const resp::Value& v : replies) CheckEmbedis(v, get);
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_EmbedisSet(benchmark::State& state) { RunEmbedis(state, /*get=*/false); }
void BM_EmbedisGet(benchmark::State& state) { RunEmbedis(state, /*get=*/true); }

// ---- hiredis ----

void CheckHiredis(redisReply* r, bool get) {
  if (r == nullptr) Die(absl::StrCat("hiredis: ", fixture->hiredis->errstr));
  bool ok =
      get ? r->type == REDIS_REPLY_STRING && r->len == kValueSize : r->type == REDIS_REPLY_STATUS;
  if (!ok) Die(absl::StrCat("hiredis: unexpected reply type ", r->type));
  freeReplyObject(r);
}

void RunHiredis(benchmark::State& state, bool get) {
  const int batch = static_cast<int>(state.range(0));
  redisContext* c = fixture->hiredis;
  const char* argv[3];
  size_t argvlen[3];
  argv[0] = get ? "GET" : "SET";
  argvlen[0] = 3;
  argv[2] = fixture->value.data();
  argvlen[2] = fixture->value.size();
  const int argc = get ? 2 : 3;
  size_t next = 0;
  for (auto _ : state) {
    if (batch == 1) {
      const std::string& key = fixture->keys[next++ % kKeys];
      argv[1] = key.data();
      argvlen[1] = key.size();
      CheckHiredis(static_cast<redisReply*>(redisCommandArgv(c, argc, argv, argvlen)), get);
    } else {
      for (int i = 0; i < batch; ++i) {
        const std::string& key = fixture->keys[next++ % kKeys];
        argv[1] = key.data();
        argvlen[1] = key.size();
        if (redisAppendCommandArgv(c, argc, argv, argvlen) != REDIS_OK) Die("hiredis: append");
      }
      for (int i = 0; i < batch; ++i) {
        void* reply = nullptr;
        if (redisGetReply(c, &reply) != REDIS_OK) Die(absl::StrCat("hiredis: ", c->errstr));
        CheckHiredis(static_cast<redisReply*>(reply), get);
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_HiredisSet(benchmark::State& state) { RunHiredis(state, /*get=*/false); }
void BM_HiredisGet(benchmark::State& state) { RunHiredis(state, /*get=*/true); }

void RegisterAll() {
  // Registered alternately (embedis, hiredis, embedis, ...) so that drifts in
  // the machine's speed hit both; --benchmark_enable_random_interleaving
  // mixes the repetitions too.
  for (int batch : {1, 16, 128}) {
    using Fn = void (*)(benchmark::State&);
    const std::pair<const char*, Fn> runs[] = {{"BM_EmbedisSet", BM_EmbedisSet},
                                               {"BM_HiredisSet", BM_HiredisSet},
                                               {"BM_EmbedisGet", BM_EmbedisGet},
                                               {"BM_HiredisGet", BM_HiredisGet}};
    for (auto [name, fn] : runs) {
      benchmark::RegisterBenchmark(name, fn)->Arg(batch)->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace embedis

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  embedis::Setup();
  embedis::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  redisFree(embedis::fixture->hiredis);
  delete embedis::fixture;  // stops the redis-server it started, if any
  return 0;
}
