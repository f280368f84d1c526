// MemoryStore's snapshot options: load at open, save at close and on an interval.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/snapshot.h"
#include "lib/store/memory_store.h"
#include "lib/util/clock.h"

namespace embedis {
namespace {

class MemoryStoreSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(::testing::TempDir(), "/memory_store_snapshot_", getpid(), "_", counter_++,
                         ".embedis");
    ::unlink(path_.c_str());
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  std::unique_ptr<Store> Open(MemoryStoreOptions options) {
    options.keyspace.clock = &clock_;
    absl::StatusOr<std::unique_ptr<Store>> store = NewMemoryStore(std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  ManualClock clock_;
  std::string path_;
  static inline int counter_ = 0;
};

TEST_F(MemoryStoreSnapshotTest, OffByDefault) {
  MemoryStoreOptions o;
  EXPECT_TRUE(o.snapshot_path.empty());
  EXPECT_EQ(o.snapshot_interval, absl::ZeroDuration());
  EXPECT_FALSE(o.snapshot_on_close);
}

TEST_F(MemoryStoreSnapshotTest, SavesAtCloseAndLoadsAtOpen) {
  {
    auto store = Open({.snapshot_path = path_, .snapshot_on_close = true});
    ASSERT_TRUE(store->Set("sess:a", "alice", {.ttl = absl::Seconds(100)}).ok());
    ASSERT_TRUE(store->Set("plain", "v", {}).ok());
  }
  clock_.Advance(absl::Seconds(40));
  auto store = Open({.snapshot_path = path_});
  EXPECT_EQ(**store->Get("sess:a"), "alice");
  EXPECT_EQ(*store->PTtl("sess:a"), absl::Seconds(60));
  EXPECT_EQ(**store->Get("plain"), "v");
  clock_.Advance(absl::Seconds(61));
  EXPECT_FALSE(store->Get("sess:a")->has_value());
}

TEST_F(MemoryStoreSnapshotTest, WithoutOnCloseNothingIsWritten) {
  {
    auto store = Open({.snapshot_path = path_});
    ASSERT_TRUE(store->Set("k", "v", {}).ok());
  }
  EXPECT_NE(access(path_.c_str(), F_OK), 0);
}

TEST_F(MemoryStoreSnapshotTest, SavesOnAnInterval) {
  auto store = Open({.snapshot_path = path_, .snapshot_interval = absl::Milliseconds(50)});
  ASSERT_TRUE(store->Set("k", "v", {}).ok());
  for (int i = 0; i < 400 && access(path_.c_str(), F_OK) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(access(path_.c_str(), F_OK), 0);
  Keyspace loaded({.clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 1u);
}

TEST_F(MemoryStoreSnapshotTest, DamagedSnapshotFailsTheOpen) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << "garbage";
  }
  MemoryStoreOptions o{.snapshot_path = path_};
  o.keyspace.clock = &clock_;
  absl::StatusOr<std::unique_ptr<Store>> store = NewMemoryStore(o);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_NE(store.status().message().find(path_), std::string::npos);
}

// FUNCTION libraries go into the snapshot with the keys (format 5, as embedis-server's) and come
// back at open; loading or deleting one is a change that the closing save writes.
constexpr char kLibrary[] =
    "#!lua name=counters\n"
    "redis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)";

TEST_F(MemoryStoreSnapshotTest, FunctionLibrariesSurviveCloseAndReopen) {
  {
    auto store = Open({.snapshot_path = path_, .snapshot_on_close = true});
    ASSERT_EQ(*store->FunctionLoad(kLibrary), "counters");  // the only change: no key written
  }
  {
    auto store = Open({.snapshot_path = path_, .snapshot_on_close = true});
    absl::StatusOr<resp::Value> r = store->FCall("bump", {"n"});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->integer(), 1);
    absl::StatusOr<resp::Value> list = store->Command({"FUNCTION", "LIST"});
    ASSERT_TRUE(list.ok());
    EXPECT_NE(list->DebugString().find("counters"), std::string::npos) << list->DebugString();
    ASSERT_TRUE(store->Command({"FUNCTION", "DELETE", "counters"}).ok());
  }
  auto store = Open({.snapshot_path = path_});
  EXPECT_EQ(**store->Get("n"), "1");
  absl::StatusOr<resp::Value> r = store->FCall("bump", {"n"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "ERR Function not found");
}

TEST_F(MemoryStoreSnapshotTest, IntervalSavesTakeNewLibraries) {
  auto store = Open({.snapshot_path = path_, .snapshot_interval = absl::Milliseconds(50)});
  ASSERT_TRUE(store->FunctionLoad(kLibrary).ok());
  size_t libraries = 0;
  for (int i = 0; i < 400 && libraries == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (access(path_.c_str(), F_OK) != 0) continue;
    Keyspace loaded({.clock = &clock_});
    absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
    if (stats.ok()) libraries = stats->function_libraries.size();
  }
  EXPECT_EQ(libraries, 1u);
}

}  // namespace
}  // namespace embedis
