// MemoryStore with the append-only file (MemoryStoreOptions::aof, memory://?appendonly=yes&dir=):
// an application that reopens its store finds every write, typed or by Command(), with its TTL,
// and a key that expired is gone.
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"

namespace embedis {
namespace {

class MemoryStoreAofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/memory_store_aof_", getpid(), "_", counter_++);
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()), 0);
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }
  std::string Url(std::string fsync = "always") const {
    return absl::StrCat("memory://?appendonly=yes&appendfsync=", fsync, "&dir=", dir_);
  }
  std::string dir_;
  static inline int counter_ = 0;
};

TEST_F(MemoryStoreAofTest, ReopenedStoreHasEveryWrite) {
  {
    absl::StatusOr<std::unique_ptr<Store>> s = OpenStore(Url());
    ASSERT_TRUE(s.ok()) << s.status();
    Store& store = **s;
    ASSERT_TRUE(store.Set("sess:1", "{\"user\":1}", {.ttl = absl::Hours(1)}).ok());
    ASSERT_TRUE(store.Set("sess:2", "{\"user\":2}", {.ttl = absl::Hours(1)}).ok());
    ASSERT_TRUE(store.Set("short", "x", {.ttl = absl::Milliseconds(1)}).ok());
    ASSERT_TRUE(store.Expire("sess:2", absl::Minutes(5), {}).ok());
    ASSERT_EQ(*store.Del(std::vector<std::string_view>{"sess:1"}), 1);
    ASSERT_EQ(*store.IncrBy("counter", 5), 5);
    const std::pair<std::string_view, std::string_view> fields[] = {{"a", "1"}, {"b", "2"}};
    ASSERT_EQ(*store.HSet("h", fields), 2);
    ASSERT_EQ(*store.RPush("l", std::vector<std::string_view>{"x", "y", "z"}), 3);
    ASSERT_TRUE(store.LPop("l").ok());
    ASSERT_EQ(*store.SAdd("s", std::vector<std::string_view>{"m", "n"}), 2);
    const std::pair<double, std::string_view> scored[] = {{1.5, "p"}, {2.25, "q"}};
    ASSERT_EQ(*store.ZAdd("z", scored, {}), 2);
    const std::string_view cmd[] = {"SET", "viacommand", "v", "EX", "100"};
    ASSERT_TRUE(store.Command(cmd).ok());
  }
  absl::StatusOr<std::unique_ptr<Store>> s = OpenStore(Url());
  ASSERT_TRUE(s.ok()) << s.status();
  Store& store = **s;
  EXPECT_FALSE(store.Get("sess:1")->has_value());
  EXPECT_EQ(store.Get("sess:2")->value_or(""), "{\"user\":2}");
  const absl::Duration ttl = *store.PTtl("sess:2");
  EXPECT_GT(ttl, absl::Minutes(4));
  EXPECT_LE(ttl, absl::Minutes(5));
  EXPECT_GT(*store.PTtl("sess:2"), absl::ZeroDuration());
  EXPECT_FALSE(store.Get("short")->has_value());
  EXPECT_EQ(store.Get("counter")->value_or(""), "5");
  EXPECT_EQ(store.HGet("h", "b")->value_or(""), "2");
  EXPECT_EQ(*store.LRange("l", 0, -1), (std::vector<std::string>{"y", "z"}));
  EXPECT_EQ(*store.SCard("s"), 2);
  EXPECT_EQ(store.ZScore("z", "q")->value_or(0), 2.25);
  EXPECT_EQ(store.Get("viacommand")->value_or(""), "v");
  EXPECT_GT(*store.PTtl("viacommand"), absl::Seconds(90));
}

TEST_F(MemoryStoreAofTest, EverysecAndDefaultsWork) {
  {
    absl::StatusOr<std::unique_ptr<Store>> s = OpenStore(Url("everysec"));
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE((*s)->Set("k", "v", {}).ok());
  }  // closing writes and syncs the rest
  absl::StatusOr<std::unique_ptr<Store>> s = OpenStore(Url("everysec"));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->Get("k")->value_or(""), "v");
}

TEST_F(MemoryStoreAofTest, BadUrlParametersAreRefused) {
  EXPECT_FALSE(OpenStore("memory://?appendonly=maybe").ok());
  EXPECT_FALSE(OpenStore("memory://?appendonly=yes&appendfsync=sometimes").ok());
  EXPECT_FALSE(OpenStore("memory://?appendonly=yes&dir=").ok());
}

}  // namespace
}  // namespace embedis
