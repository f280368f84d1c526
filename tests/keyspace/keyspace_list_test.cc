// Lists in the keyspace (one more value type through value_types.h): creation and automatic
// deletion when emptied, TYPE and SCAN TYPE, WATCH seeing only real modifications, COPY (deep),
// RENAME, MOVE, MEMORY USAGE, export/import and snapshots (format version 2, and version 1 files
// still loading); and the blocking hooks: ready listeners called for registered keys whatever
// creates them, after the locks are released.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/list_value.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/clock.h"
#include "xxhash.h"

namespace embedis {
namespace {

class KeyspaceListTest : public ::testing::Test {
 protected:
  KeyspaceListTest() : ks_({.shards = 4, .databases = 4, .clock = &clock_}) {}

  // RPUSH, through Update as the command layer does it.
  void Push(std::string_view key, std::vector<std::string> elements, int db = 0) {
    ks_.Update(db, key, [&](KeyHandle& k) {
      ASSERT_TRUE(!k.exists() || k.type() == ValueType::kList);
      ListValue& l = k.exists() ? k.list() : k.CreateList();
      for (const std::string& e : elements) l.PushBack(e);
    });
  }
  // The whole list, or nullopt when the key is missing.
  std::optional<std::vector<std::string>> Range(std::string_view key, int db = 0) {
    std::optional<std::vector<std::string>> out;
    ks_.Update(db, key, [&](KeyHandle& k) {
      if (!k.exists()) return;
      EXPECT_EQ(k.type(), ValueType::kList);
      out.emplace();
      const ListValue& l = k.list_view();
      l.ForRange(0, l.size(), [&](std::string_view e) { out->emplace_back(e); });
    });
    return out;
  }

  ManualClock clock_;
  Keyspace ks_;
};

using Elements = std::vector<std::string>;

TEST_F(KeyspaceListTest, ListIsAValueTypeWithItsName) {
  Push("l", {"a", "b"});
  EXPECT_EQ(ks_.Type(0, "l"), ValueType::kList);
  EXPECT_EQ(ValueTypeName(ValueType::kList), "list");
  EXPECT_EQ(ValueTypeFromName("LIST"), ValueType::kList);
  EXPECT_EQ(Range("l"), Elements({"a", "b"}));
  ks_.Update(0, "l", [](KeyHandle& k) { EXPECT_EQ(k.object_encoding(), "quicklist"); });
}

TEST_F(KeyspaceListTest, AnEmptiedListIsDeleted) {
  Push("l", {"a"});
  ks_.Update(0, "l", [](KeyHandle& k) { k.list().PopFront(); });
  EXPECT_FALSE(ks_.KeyExists(0, "l"));
  // A list created and left empty by one callback never appears.
  ks_.Update(0, "e", [](KeyHandle& k) { k.CreateList(); });
  EXPECT_FALSE(ks_.KeyExists(0, "e"));
  EXPECT_EQ(ks_.Size(0), 0);
}

TEST_F(KeyspaceListTest, WatchSeesOnlyRealModifications) {
  Push("l", {"a", "b"});
  Watcher w;
  ks_.Watch(0, "l", &w);
  ks_.Update(0, "l", [](KeyHandle& k) { EXPECT_EQ(k.list().Remove("zz", 0, false), 0u); });
  EXPECT_FALSE(w.dirty()) << "LREM that removes nothing is not a modification";
  ks_.Update(0, "l", [](KeyHandle& k) { (void)k.list_view().At(0); });
  EXPECT_FALSE(w.dirty());
  ks_.Update(0, "l", [](KeyHandle& k) { k.list().Set(0, "x"); });
  EXPECT_TRUE(w.dirty());
  ks_.Unwatch(0, "l", &w);
}

TEST_F(KeyspaceListTest, CopyIsDeepRenameAndMoveCarryTheList) {
  Push("l", {"a", "b", "c"});
  ASSERT_TRUE(ks_.Copy(0, "l", 0, "c", /*replace=*/false));
  Push("c", {"d"});
  EXPECT_EQ(Range("l"), Elements({"a", "b", "c"}));
  EXPECT_EQ(Range("c"), Elements({"a", "b", "c", "d"}));
  ASSERT_TRUE(*ks_.Rename(0, "c", "r"));
  EXPECT_EQ(Range("r"), Elements({"a", "b", "c", "d"}));
  EXPECT_FALSE(ks_.KeyExists(0, "c"));
  ASSERT_TRUE(ks_.Move(0, 2, "r"));
  EXPECT_EQ(Range("r", 2), Elements({"a", "b", "c", "d"}));
  ASSERT_TRUE(ks_.Copy(2, "r", 3, "x", false));
  EXPECT_EQ(Range("x", 3), Elements({"a", "b", "c", "d"}));
}

TEST_F(KeyspaceListTest, MemoryUsageGrowsWithTheList) {
  Push("l", {"a"});
  const size_t one = *ks_.MemoryUsage(0, "l");
  Elements many(1000, std::string(100, 'x'));
  Push("l", many);
  const size_t more = *ks_.MemoryUsage(0, "l");
  EXPECT_GT(more, one + 1000 * 100);
  EXPECT_LT(more, one + 1000 * 200) << "about the elements' bytes, not much more";
}

TEST_F(KeyspaceListTest, ScanTypeFindsLists) {
  Push("l1", {"a"});
  Push("l2", {"b"});
  ASSERT_TRUE(ks_.Set(0, "s", "v").ok());
  std::vector<std::string> found;
  uint64_t cursor = 0;
  do {
    ScanResult r = ks_.Scan(0, cursor, {}, 10, ValueType::kList);
    found.insert(found.end(), r.keys.begin(), r.keys.end());
    cursor = r.cursor;
  } while (cursor != 0);
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, Elements({"l1", "l2"}));
}

TEST_F(KeyspaceListTest, ExportImportRoundTripWithTtl) {
  Push("l", {"", "a", std::string(70000, 'z')});
  ASSERT_TRUE(ks_.Expire(0, "l", clock_.NowMs() + 5000));
  std::vector<KeyRecord> records;
  for (int s = 0; s < ks_.shards(); ++s) ks_.ExportShard(s, &records);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].type, ValueType::kList);
  EXPECT_EQ(records[0].elements.size(), 3u);
  Keyspace copy({.shards = 2, .databases = 4, .clock = &clock_});
  ASSERT_TRUE(copy.Import(records[0]));
  std::optional<std::vector<std::string>> got;
  copy.Update(0, "l", [&](KeyHandle& k) {
    ASSERT_TRUE(k.exists());
    got.emplace();
    k.list_view().ForRange(0, k.list_view().size(),
                           [&](std::string_view e) { got->emplace_back(e); });
    EXPECT_EQ(k.expire_at_ms(), clock_.NowMs() + 5000);
  });
  EXPECT_EQ(got, Elements({"", "a", std::string(70000, 'z')}));
}

// ---- Snapshots ----

class ListSnapshotTest : public KeyspaceListTest {
 protected:
  void SetUp() override {
    path_ = absl::StrCat(::testing::TempDir(), "/list_snapshot_", getpid(), ".embedis");
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void WriteFile(const std::string& data) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << data;
  }
  // Rewrites the file's format version (u32 LE at offset 9) and its checksum (XXH3-64 of all
  // bytes before the last 8, stored little-endian).
  void PatchVersion(uint32_t version) const {
    std::string data = ReadFile();
    for (int i = 0; i < 4; ++i) data[9 + i] = static_cast<char>(version >> (8 * i));
    const uint64_t h = XXH3_64bits(data.data(), data.size() - 8);
    for (int i = 0; i < 8; ++i) data[data.size() - 8 + i] = static_cast<char>(h >> (8 * i));
    WriteFile(data);
  }
  std::string path_;
};

TEST_F(ListSnapshotTest, ListsSurviveASnapshot) {
  Elements big;
  for (int i = 0; i < 5000; ++i) big.push_back(absl::StrCat("element-", i));
  Push("big", big);
  Push("small", {"x", "", "y"}, 3);
  ASSERT_TRUE(ks_.HSet(0, "h", {{"f", "v"}}).ok());
  ASSERT_TRUE(WriteSnapshot(ks_, path_).ok());
  Keyspace loaded({.shards = 8, .databases = 4, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 3u);
  EXPECT_EQ(stats->format_version, kSnapshotFormatVersion);
  std::optional<std::vector<std::string>> got;
  loaded.Update(0, "big", [&](KeyHandle& k) {
    ASSERT_TRUE(k.exists());
    ASSERT_EQ(k.type(), ValueType::kList);
    got.emplace();
    k.list_view().ForRange(0, k.list_view().size(),
                           [&](std::string_view e) { got->emplace_back(e); });
  });
  EXPECT_EQ(got, big);
  loaded.Update(3, "small", [&](KeyHandle& k) {
    ASSERT_TRUE(k.exists());
    EXPECT_EQ(k.list_view().size(), 3u);
    EXPECT_EQ(k.list_view().At(1), "");
  });
}

TEST_F(ListSnapshotTest, AVersionOneFileStillLoads) {
  // Version 1 (the previous release) wrote strings and hashes exactly as version 2 does.
  ASSERT_TRUE(ks_.Set(0, "s", "v").ok());
  ASSERT_TRUE(ks_.HSet(1, "h", {{"f", "v"}, {"g", "w"}}).ok());
  ASSERT_TRUE(WriteSnapshot(ks_, path_).ok());
  PatchVersion(1);
  Keyspace loaded({.shards = 4, .databases = 4, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->format_version, 1u);
  EXPECT_EQ(*loaded.Get(0, "s"), "v");
  EXPECT_EQ(*loaded.HGet(1, "h", "g"), "w");
}

TEST_F(ListSnapshotTest, AVersionOneFileWithAListRecordIsCorrupt) {
  Push("l", {"a"});
  ASSERT_TRUE(WriteSnapshot(ks_, path_).ok());
  PatchVersion(1);
  Keyspace loaded({.shards = 4, .databases = 4, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("unknown value type 2 for format version 1"),
            std::string::npos)
      << stats.status();
  EXPECT_EQ(loaded.Size(0), 0);
}

// ---- Blocking hooks ----

class ReadyListenerTest : public KeyspaceListTest {
 protected:
  ReadyListenerTest() {
    id_ = ks_.AddReadyListener([this](int db, std::string_view key) {
      // Listeners run with no shard lock held: calling back into the keyspace must not deadlock
      // (the key may already be gone again when a later operation handed it over).
      (void)ks_.KeyExists(db, key);
      std::lock_guard<std::mutex> l(mu_);
      calls_.push_back(absl::StrCat(db, ":", std::string(key)));
    });
  }
  ~ReadyListenerTest() override { ks_.RemoveReadyListener(id_); }
  std::vector<std::string> TakeCalls() {
    std::lock_guard<std::mutex> l(mu_);
    return std::exchange(calls_, {});
  }

  int id_;
  std::mutex mu_;
  std::vector<std::string> calls_;
};

TEST_F(ReadyListenerTest, ARegisteredKeyCreatedByAPushIsReady) {
  EXPECT_FALSE(ks_.AddBlockedKey(0, "q"));
  Push("other", {"x"});
  EXPECT_TRUE(TakeCalls().empty()) << "only registered keys";
  Push("q", {"a"});
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  Push("q", {"b"});
  EXPECT_TRUE(TakeCalls().empty()) << "a push to an existing list creates nothing";
  Push("q", {"a"}, 1);
  EXPECT_TRUE(TakeCalls().empty()) << "another database";
  ks_.RemoveBlockedKey(0, "q");
}

TEST_F(ReadyListenerTest, AddBlockedKeyReportsAnExistingKey) {
  Push("q", {"a"});
  EXPECT_TRUE(ks_.AddBlockedKey(0, "q"));
  ks_.RemoveBlockedKey(0, "q");
}

TEST_F(ReadyListenerTest, EveryWayOfCreatingTheKeyCounts) {
  ks_.AddBlockedKey(0, "q");
  ASSERT_TRUE(ks_.Set(0, "q", "v").ok());
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.DeleteKey(0, "q");
  ks_.MSet(0, {{"q", "v"}, {"z", "w"}});
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.DeleteKey(0, "q");
  Push("src", {"a"});
  ASSERT_TRUE(*ks_.Rename(0, "src", "q"));
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.DeleteKey(0, "q");
  Push("src", {"a"});
  ASSERT_TRUE(ks_.Copy(0, "src", 0, "q", false));
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.DeleteKey(0, "q");
  Push("q", {"a"}, 2);
  ASSERT_TRUE(ks_.Move(2, 0, "q"));
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.DeleteKey(0, "q");
  Push("q", {"a"}, 1);
  ks_.SwapDb(0, 1);
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.RemoveBlockedKey(0, "q");
  ks_.SwapDb(0, 1);
  EXPECT_TRUE(TakeCalls().empty()) << "unregistered";
}

TEST_F(ReadyListenerTest, RegistrationsAreCounted) {
  ks_.AddBlockedKey(0, "q");
  ks_.AddBlockedKey(0, "q");
  ks_.RemoveBlockedKey(0, "q");
  Push("q", {"a"});
  EXPECT_EQ(TakeCalls(), Elements({"0:q"}));
  ks_.DeleteKey(0, "q");
  ks_.RemoveBlockedKey(0, "q");
  Push("q", {"a"});
  EXPECT_TRUE(TakeCalls().empty());
}

TEST_F(ReadyListenerTest, AListenerMayPopWhatWasPushed) {
  // What the server does: serve the blocked client from inside the notification.
  std::atomic<int> popped{0};
  int id = ks_.AddReadyListener([&](int db, std::string_view key) {
    ks_.Update(db, key, [&](KeyHandle& k) {
      if (k.exists() && k.type() == ValueType::kList) {
        k.list().PopFront();
        ++popped;
      }
    });
  });
  ks_.AddBlockedKey(0, "q");
  Push("q", {"a"});
  EXPECT_EQ(popped.load(), 1);
  EXPECT_FALSE(ks_.KeyExists(0, "q"));
  ks_.RemoveBlockedKey(0, "q");
  ks_.RemoveReadyListener(id);
}

TEST_F(ReadyListenerTest, PushesFromManyThreadsAllNotify) {
  constexpr int kThreads = 4, kKeys = 200;
  for (int i = 0; i < kKeys; ++i) ks_.AddBlockedKey(0, absl::StrCat("k", i));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += kThreads) Push(absl::StrCat("k", i), {"x"});
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> calls = TakeCalls();
  std::sort(calls.begin(), calls.end());
  ASSERT_EQ(calls.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(std::unique(calls.begin(), calls.end()), calls.end());
  for (int i = 0; i < kKeys; ++i) ks_.RemoveBlockedKey(0, absl::StrCat("k", i));
}

}  // namespace
}  // namespace embedis
