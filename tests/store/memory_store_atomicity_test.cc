// A memory:// script or function runs as one unit for the application's other threads: its
// typed methods (Get, Set, IncrBy, MGet) never see it half done, on keys of several shards.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"

namespace embedis {
namespace {

std::vector<std::string> SpreadKeys(int n) {
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back("k:" + std::to_string(i));
  return keys;
}

// Counts MGET results whose values are not all equal, while `stop` is false.
void CheckAllEqual(Store& store, const std::vector<std::string>& keys, std::atomic<bool>& stop,
                   std::atomic<int>& mixed, std::atomic<int>& reads) {
  const std::vector<std::string_view> views(keys.begin(), keys.end());
  int i = 0;
  while (!stop.load()) {
    absl::StatusOr<std::vector<std::optional<std::string>>> v = store.MGet(views);
    ASSERT_TRUE(v.ok()) << v.status();
    for (const auto& x : *v) {
      if (x != (*v)[0]) {
        ++mixed;
        break;
      }
    }
    // Typed writes and reads of other keys in between, as an application does.
    ASSERT_TRUE(store.IncrBy("app:counter", 1).ok());
    ASSERT_TRUE(store.Set("app:key:" + std::to_string(i++ % 7), "x", {}).ok());
    ASSERT_TRUE(store.Get(keys[3]).ok());
    ++reads;
  }
}

TEST(MemoryStoreAtomicity, ScriptsAreOneUnitForTypedMethods) {
  std::unique_ptr<Store> store = *NewMemoryStore();
  const std::vector<std::string> keys = SpreadKeys(8);
  for (const std::string& k : keys) ASSERT_TRUE(store->Set(k, "0", {}).ok());
  static const StoreScript kIncrAll(
      "for _, k in ipairs(KEYS) do redis.call('INCR', k) end return 1");
  static const StoreScript kSetAll(
      "for _, k in ipairs(KEYS) do redis.call('SET', k, ARGV[1]) end return 1");
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0}, reads{0};
  std::thread app([&] { CheckAllEqual(*store, keys, stop, mixed, reads); });
  std::vector<std::string_view> views(keys.begin(), keys.end());
  for (int i = 0; i < 1500; ++i) {
    if (i % 2 == 0) {
      absl::StatusOr<resp::Value> r = store->Eval(kIncrAll, views);
      ASSERT_TRUE(r.ok()) << r.status();
    } else {
      const std::string v = std::to_string(i * 1000);
      const std::string_view args[] = {v};
      absl::StatusOr<resp::Value> r = store->Eval(kSetAll, views, args);
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }
  stop = true;
  app.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
}

TEST(MemoryStoreAtomicity, FunctionsAreOneUnitForTypedMethods) {
  std::unique_ptr<Store> store = *NewMemoryStore();
  const std::vector<std::string> keys = SpreadKeys(8);
  for (const std::string& k : keys) ASSERT_TRUE(store->Set(k, "0", {}).ok());
  ASSERT_TRUE(store
                  ->FunctionLoad("#!lua name=atomic\n"
                                 "redis.register_function('incr_all', function(keys, args)\n"
                                 "  for _, k in ipairs(keys) do redis.call('INCR', k) end\n"
                                 "  return 1\n"
                                 "end)")
                  .ok());
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0}, reads{0};
  std::thread app([&] { CheckAllEqual(*store, keys, stop, mixed, reads); });
  std::vector<std::string_view> views(keys.begin(), keys.end());
  for (int i = 0; i < 1500; ++i) ASSERT_TRUE(store->FCall("incr_all", views).ok());
  stop = true;
  app.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
  absl::StatusOr<std::optional<std::string>> v = store->Get(keys[0]);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "1500");
}

// Two stores on one keyspace (two parts of an application): one's scripts, the other's reads.
TEST(MemoryStoreAtomicity, ScriptsAreOneUnitForAnotherStoreOnTheKeyspace) {
  Keyspace keyspace;
  std::unique_ptr<Store> scripts = *NewMemoryStore({.shared_keyspace = &keyspace});
  std::unique_ptr<Store> app_store = *NewMemoryStore({.shared_keyspace = &keyspace});
  const std::vector<std::string> keys = SpreadKeys(8);
  for (const std::string& k : keys) ASSERT_TRUE(app_store->Set(k, "0", {}).ok());
  static const StoreScript kIncrAll(
      "for _, k in ipairs(KEYS) do redis.call('INCRBY', k, 2) end return 1");
  std::atomic<bool> stop{false};
  std::atomic<int> mixed{0}, reads{0};
  std::thread app([&] { CheckAllEqual(*app_store, keys, stop, mixed, reads); });
  std::vector<std::string_view> views(keys.begin(), keys.end());
  for (int i = 0; i < 1500; ++i) ASSERT_TRUE(scripts->Eval(kIncrAll, views).ok());
  stop = true;
  app.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(mixed.load(), 0);
}

}  // namespace
}  // namespace embedis
