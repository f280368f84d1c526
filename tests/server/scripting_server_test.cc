// Scripts over the network against an in-process Server: a script is one atomic unit for clients
// on other I/O threads (the same Exclusive as EXEC), concurrent read-modify-write scripts lose no
// update, the script cache is shared by every connection, COMMAND GETKEYS finds EVAL's keys by
// numkeys (texts as redis-server 7.0), and INFO reports the cached scripts.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"

namespace embedis::testing {
namespace {

// The two bulk strings of an MGET reply.
std::pair<std::string, std::string> TwoBulks(const std::string& reply) {
  std::vector<std::string> lines = absl::StrSplit(reply, "\r\n");
  std::vector<std::string> values;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i] == "$-1") {
      values.emplace_back();
    } else if (!lines[i].empty() && lines[i][0] == '$') {
      values.push_back(lines[++i]);
    }
  }
  if (values.size() != 2) return {"bad reply", reply};
  return {values[0], values[1]};
}

TEST_F(ServerTest, ScriptIsAtomicForClientsOnOtherThreads) {
  ServerOptions options;
  options.io_threads = 2;
  StartServer(options);
  auto writer = Connect();
  auto reader = Connect();  // the other loop
  constexpr char kScript[] =
      "redis.call('incr', 'a') for i = 1, 20 do redis.call('set', 'pad', i) end "
      "return redis.call('incr', 'b')";
  std::atomic<bool> done{false};
  std::thread write_thread([&] {
    std::string batch;
    for (int t = 0; t < 20; ++t) resp::AppendCommand(&batch, {"EVAL", kScript, "0"});
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(writer->SendRaw(batch).ok());
      for (int t = 0; t < 20; ++t) ASSERT_EQ(writer->ReadReply()[0], ':');
    }
    done = true;
  });
  int reads = 0, torn = 0;
  std::string example, mgets;
  for (int i = 0; i < 50; ++i) resp::AppendCommand(&mgets, {"MGET", "a", "b"});
  while (!done) {
    ASSERT_TRUE(reader->SendRaw(mgets).ok());
    for (int i = 0; i < 50; ++i) {
      auto [a, b] = TwoBulks(reader->ReadReply());
      ++reads;
      if (a != b) {
        ++torn;
        example = absl::StrCat("a=", a, " b=", b);
      }
    }
  }
  write_thread.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(torn, 0) << "a reader saw a script half done: " << example;
  EXPECT_EQ(reader->Call({"MGET", "a", "b"}), "*2\r\n$4\r\n2000\r\n$4\r\n2000\r\n");
}

TEST_F(ServerTest, ConcurrentReadModifyWriteScriptsLoseNoUpdate) {
  ServerOptions options;
  options.io_threads = 3;
  StartServer(options);
  constexpr char kScript[] =
      "local v = tonumber(redis.call('get', KEYS[1]) or '0') "
      "return redis.call('set', KEYS[1], v + 1)";
  auto loader = Connect();
  const std::string sha_reply = loader->Call({"SCRIPT", "LOAD", kScript});
  ASSERT_EQ(sha_reply.size(), 47u) << sha_reply;
  const std::string sha = sha_reply.substr(5, 40);
  constexpr int kClients = 4, kEach = 300;
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto conn = Connect();
      std::string batch;
      for (int i = 0; i < kEach; ++i) {
        // Half by EVALSHA (the cache is shared by every connection), half by EVAL.
        if (c % 2 == 0) {
          resp::AppendCommand(&batch, {"EVALSHA", sha, "1", "counter"});
        } else {
          resp::AppendCommand(&batch, {"EVAL", kScript, "1", "counter"});
        }
      }
      ASSERT_TRUE(conn->SendRaw(batch).ok());
      for (int i = 0; i < kEach; ++i) ASSERT_EQ(conn->ReadReply(), "+OK\r\n");
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(loader->Call({"GET", "counter"}), absl::StrCat("$4\r\n", kClients * kEach, "\r\n"));
}

TEST_F(ServerTest, ScriptInsideMultiExecRunsWithTheTransaction) {
  StartServer();
  auto c = Connect();
  EXPECT_EQ(c->Call({"MULTI"}), "+OK\r\n");
  EXPECT_EQ(c->Call({"INCR", "n"}), "+QUEUED\r\n");
  EXPECT_EQ(c->Call({"EVAL", "return redis.call('incr', 'n')", "0"}), "+QUEUED\r\n");
  EXPECT_EQ(c->Call({"EXEC"}), "*2\r\n:1\r\n:2\r\n");
}

TEST_F(ServerTest, CommandGetKeysForEval) {
  StartServer();
  auto c = Connect();
  // The replies of redis-server 7.0.15.
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYS", "EVAL", "return 1", "0"}), "*0\r\n");
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYS", "EVAL", "return 1", "5", "a"}), "*0\r\n");
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYSANDFLAGS", "EVAL", "return 1", "1", "a"}),
            "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n");
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYSANDFLAGS", "EVAL_RO", "x", "1", "a"}),
            "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n");
  EXPECT_EQ(c->Call({"COMMAND", "GETKEYS", "EVALSHA", "x", "1", "a"}), "*1\r\n$1\r\na\r\n");
}

TEST_F(ServerTest, ClientPauseWriteHoldsEvalButNotEvalRo) {
  StartServer();
  auto pauser = Connect();
  auto c = Connect();
  // As redis-server 7.0.15: EVAL may write, so a WRITE pause holds it; EVAL_RO runs.
  ASSERT_EQ(pauser->Call({"CLIENT", "PAUSE", "400", "WRITE"}), "+OK\r\n");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(c->Call({"EVAL_RO", "return 1", "0"}), ":1\r\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(c->Call({"EVAL", "return 2", "0"}), ":2\r\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(350));
}

TEST_F(ServerTest, InfoReportsCachedScripts) {
  StartServer();
  auto c = Connect();
  EXPECT_NE(c->Call({"INFO", "memory"}).find("number_of_cached_scripts:0\r\n"), std::string::npos);
  c->Call({"SCRIPT", "LOAD", "return 1"});
  c->Call({"EVAL", "return 2", "0"});
  const std::string info = c->Call({"INFO", "memory"});
  EXPECT_NE(info.find("number_of_cached_scripts:2\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("used_memory_scripts_eval:16\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("used_memory_lua:"), std::string::npos) << info;
  // INFO from inside a script must not deadlock on the engine.
  EXPECT_EQ(c->Call({"EVAL", "return type(redis.call('info', 'memory'))", "0"}),
            "$6\r\nstring\r\n");
  EXPECT_EQ(c->Call({"SCRIPT", "FLUSH"}), "+OK\r\n");
  EXPECT_NE(c->Call({"INFO", "memory"}).find("number_of_cached_scripts:0\r\n"), std::string::npos);
}

TEST_F(ServerTest, InfoReportsFunctions) {
  StartServer();
  auto c = Connect();
  std::string info = c->Call({"INFO", "memory"});
  EXPECT_NE(info.find("number_of_functions:0\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("number_of_libraries:0\r\n"), std::string::npos) << info;
  const std::string code =
      "#!lua name=lib\nredis.register_function('f1', function() return redis.call('info', "
      "'memory') end)\nredis.register_function('f2', function() return 2 end)";
  EXPECT_EQ(c->Call({"FUNCTION", "LOAD", code}), "$3\r\nlib\r\n");
  info = c->Call({"INFO", "memory"});
  EXPECT_NE(info.find("number_of_functions:2\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("number_of_libraries:1\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find(absl::StrCat("used_memory_functions:", code.size(), "\r\n")),
            std::string::npos)
      << info;
  EXPECT_EQ(info.find("used_memory_vm_functions:0\r\n"), std::string::npos) << info;
  // INFO from inside a function must not deadlock on the engine.
  EXPECT_NE(c->Call({"FCALL", "f1", "0"}).find("number_of_functions:2"), std::string::npos);
  EXPECT_EQ(c->Call({"FUNCTION", "FLUSH"}), "+OK\r\n");
  info = c->Call({"INFO", "memory"});
  EXPECT_NE(info.find("number_of_functions:0\r\n"), std::string::npos) << info;
  EXPECT_NE(info.find("used_memory_functions:0\r\n"), std::string::npos) << info;
}

}  // namespace
}  // namespace embedis::testing
