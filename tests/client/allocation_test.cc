// The client's hot path allocates nothing but the reply: counts operator new
// calls around warmed-up commands on a pooled connection.
#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>

#include "gtest/gtest.h"
#include "lib/client/client.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_server.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
}  // namespace

void* operator new(size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace embedis {
namespace {

using ::embedis::testing::RedisServerProcess;

long CountAllocations(const std::function<void()>& fn) {
  allocations = 0;
  counting = true;
  fn();
  counting = false;
  return allocations.load();
}

TEST(ClientAllocations, HotPathAllocatesOnlyTheReply) {
  RedisServerProcess redis;
  ASSERT_OK(redis.Start());
  ClientOptions options;
  options.port = redis.port();
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
  ASSERT_OK(client);
  Client& c = **client;
  const std::string value(200, 'v');
  const std::string key = "some:key:for:the:test";
  Pipeline p;
  std::vector<resp::Value> replies;
  auto warm = [&] {
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(c.Command({"SET", key, value}));
      ASSERT_OK(c.Command({"GET", key}));
      p.Clear();
      for (int j = 0; j < 16; ++j) p.Add({"SET", key, value});
      replies.clear();
      ASSERT_OK(c.Exec(p, &replies));
    }
  };
  warm();
  constexpr int kRounds = 100;
  // SET's reply "+OK" fits in the Value's inline string: nothing at all.
  EXPECT_EQ(CountAllocations([&] {
              for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(c.Command({"SET", key, value}).ok());
            }),
            0);
  // GET's 200-byte reply: one allocation (its string), per command.
  EXPECT_EQ(CountAllocations([&] {
              for (int i = 0; i < kRounds; ++i) ASSERT_TRUE(c.Command({"GET", key}).ok());
            }),
            kRounds);
  // A reused pipeline and reply vector: nothing for 16 SETs.
  EXPECT_EQ(CountAllocations([&] {
              for (int i = 0; i < kRounds; ++i) {
                p.Clear();
                for (int j = 0; j < 16; ++j) p.Add({"SET", key, value});
                replies.clear();
                ASSERT_TRUE(c.Exec(p, &replies).ok());
              }
            }),
            0);
}

}  // namespace
}  // namespace embedis
