// EXEC and scripts of embedis-server run as one unit for the embedding application too: its
// direct Keyspace calls and a MemoryStore on the server's keyspace never see them half done.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/store/memory_store.h"
#include "tests/server/server_fixture.h"

namespace embedis::testing {
namespace {

constexpr int kKeys = 32;

std::vector<std::string> SpreadKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("k:" + std::to_string(i));
  return keys;
}

class ExclusiveKeyspaceTest : public ServerTest {
 protected:
  // The application's view while `clients` run: direct MGET on the keyspace and MemoryStore's
  // typed methods on it; counts views where the keys differ.
  void RunAgainstApplication(const std::function<void(RawRespConnection&)>& one_round) {
    const std::vector<std::string> keys = SpreadKeys(kKeys);
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    std::unique_ptr<Store> store = *NewMemoryStore({.shared_keyspace = &keyspace_});
    for (const std::string& k : keys) ASSERT_TRUE(keyspace_.Set(0, k, "0").ok());
    std::atomic<bool> stop{false};
    std::atomic<int> mixed{0}, reads{0};
    std::thread app([&] {
      int i = 0;
      while (!stop.load()) {
        std::vector<std::optional<std::string>> v =
            (i % 2 == 0) ? keyspace_.MGet(0, {views.begin(), views.end()}) : *store->MGet(views);
        for (const auto& x : v) {
          if (x != v[0]) {
            ++mixed;
            break;
          }
        }
        store->IncrBy("app:counter", 1).IgnoreError();
        keyspace_.Set(0, "app:other", std::to_string(i++)).IgnoreError();
        ++reads;
      }
    });
    auto c = Connect();
    for (int i = 0; i < 400; ++i) one_round(*c);
    stop = true;
    app.join();
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(mixed.load(), 0);
  }
};

TEST_F(ExclusiveKeyspaceTest, ExecIsOneUnitForTheApplication) {
  StartServer();
  const std::vector<std::string> keys = SpreadKeys(kKeys);
  RunAgainstApplication([&](RawRespConnection& c) {
    ASSERT_EQ(c.Call({"MULTI"}), "+OK\r\n");
    for (const std::string& k : keys) ASSERT_EQ(c.Call({"INCR", k}), "+QUEUED\r\n");
    ASSERT_EQ(c.Call({"EXEC"}).substr(0, 4), "*32\r");
  });
}

TEST_F(ExclusiveKeyspaceTest, ScriptIsOneUnitForTheApplication) {
  StartServer();
  const std::vector<std::string> keys = SpreadKeys(kKeys);
  std::vector<std::string> argv = {"EVAL",
                                   "for _, k in ipairs(KEYS) do redis.call('INCR', k) end return 1",
                                   std::to_string(kKeys)};
  argv.insert(argv.end(), keys.begin(), keys.end());
  RunAgainstApplication([&](RawRespConnection& c) { ASSERT_EQ(c.Call(argv), ":1\r\n"); });
}

}  // namespace
}  // namespace embedis::testing
