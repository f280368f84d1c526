// Snapshot files: round trips of every value type, TTLs (on a ManualClock), many databases, binary
// and large values; atomic replacement; and every kind of damage refused with a clear message.
#include "lib/keyspace/snapshot.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "tests/testing/keyspace_dump.h"
#include "xxhash.h"

namespace embedis {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(::testing::TempDir(), "/snapshot_test_", getpid(), "_", counter_++);
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "' && mkdir -p '", dir_, "'").c_str()), 0);
    path_ = dir_ + "/dump.embedis";
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
  }
  std::vector<std::string> DirEntries() const {
    std::vector<std::string> out;
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
    return out;
  }

  static std::vector<std::string> Dump(Keyspace& ks) { return embedis::testing::DumpKeyspace(ks); }

  // Compares two keyspaces' contents; reports the first difference, shortened.
  static void ExpectSameData(Keyspace& actual, Keyspace& expected) {
    std::vector<std::string> a = Dump(actual), e = Dump(expected);
    EXPECT_EQ(a.size(), e.size());
    for (size_t i = 0; i < std::min(a.size(), e.size()); ++i) {
      if (a[i] != e[i]) {
        ADD_FAILURE() << "first difference at line " << i
                      << ":\n  actual:   " << a[i].substr(0, 200)
                      << "\n  expected: " << e[i].substr(0, 200);
        return;
      }
    }
  }

  ManualClock clock_;
  std::string dir_, path_;
  static inline int counter_ = 0;
};

TEST_F(SnapshotTest, RoundTripsStringsHashesTtlsAndDatabases) {
  Keyspace ks({.shards = 4, .databases = 16, .clock = &clock_});
  const int64_t now = clock_.NowMs();
  for (int db = 0; db < 16; ++db) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(ks.Set(db, absl::StrCat("s", i), absl::StrCat("v", db, "-", i)).ok());
      SetOptions ttl{.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + 1000 * (i + 1)};
      ASSERT_TRUE(ks.Set(db, absl::StrCat("t", i), "x", ttl).ok());
    }
    ASSERT_TRUE(ks.HSet(db, "h", {{"b", "2"}, {"a", "1"}, {"c", ""}}).ok());
  }
  ASSERT_TRUE(ks.Expire(3, "h", now + 5000));
  absl::StatusOr<SnapshotStats> saved = WriteSnapshot(ks, path_);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->keys, 16u * 101);
  EXPECT_EQ(saved->created_ms, now);
  EXPECT_EQ(saved->bytes, ReadFile(path_).size());

  Keyspace loaded({.shards = 8, .databases = 16, .clock = &clock_});  // other shard count
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 16u * 101);
  EXPECT_EQ(stats->expired, 0u);
  EXPECT_EQ(stats->created_ms, now);
  EXPECT_EQ(stats->format_version, kSnapshotFormatVersion);
  ExpectSameData(loaded, ks);
  // The hash keeps its field order (Redis's listpack order).
  std::vector<std::string> fields;
  loaded.Update(0, "h", [&](KeyHandle& k) {
    k.hash_view().ForEach([&](std::string_view f, std::string_view) { fields.emplace_back(f); });
  });
  EXPECT_EQ(fields, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(loaded.PTtl(5, "t9"), 10000);
  EXPECT_EQ(loaded.ExpireTimeMs(3, "h"), now + 5000);
  EXPECT_EQ(loaded.PTtl(3, "s1"), -1);
}

// Format version 5 keeps FUNCTION libraries (a frame of their own, not counted as keys).
TEST_F(SnapshotTest, FunctionLibrariesRoundTrip) {
  Keyspace ks({.shards = 4, .databases = 16, .clock = &clock_});
  ASSERT_TRUE(ks.Set(0, "k", "v").ok());
  const std::vector<std::string> libraries = {
      "#!lua name=a\nredis.register_function('f', function() return 1 end)",
      std::string("#!lua name=b\n-- binary \0\xff\n", 26), std::string(100000, 'x')};
  absl::StatusOr<SnapshotStats> saved =
      WriteSnapshot(ks, path_, {.sync = false, .function_libraries = libraries});
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->keys, 1u);
  Keyspace loaded({.shards = 4, .databases = 16, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 1u);
  EXPECT_EQ(stats->format_version, 5u);
  EXPECT_EQ(stats->function_libraries, libraries);
  EXPECT_EQ(*loaded.Get(0, "k"), "v");

  // Without libraries there is no functions frame, and none comes back.
  ASSERT_TRUE(WriteSnapshot(ks, path_, {.sync = false}).ok());
  stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_TRUE(stats->function_libraries.empty());

  // A functions frame in a file that says version 4 is corrupt (version 4 had none); a damaged
  // one is refused before anything is imported.
  ASSERT_TRUE(WriteSnapshot(ks, path_, {.sync = false, .function_libraries = libraries}).ok());
  std::string data = ReadFile(path_);
  std::string v4 = data;
  v4[9] = 4;
  const uint64_t h = XXH3_64bits(v4.data(), v4.size() - 8);
  for (int i = 0; i < 8; ++i) v4[v4.size() - 8 + i] = static_cast<char>(h >> (8 * i));
  WriteFile(path_, v4);
  Keyspace empty({.shards = 4, .databases = 16, .clock = &clock_});
  stats = LoadSnapshot(path_, &empty);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("(kind 2)"), std::string::npos) << stats.status();
  std::string damaged = data;
  damaged[data.size() / 2] ^= 1;
  WriteFile(path_, damaged);
  stats = LoadSnapshot(path_, &empty);
  EXPECT_TRUE(absl::IsDataLoss(stats.status())) << stats.status();
  EXPECT_EQ(empty.Size(0), 0);
}

TEST_F(SnapshotTest, ExpiredKeysAreNotWrittenAndKeysExpiredByLoadTimeAreDropped) {
  Keyspace ks({.shards = 2, .clock = &clock_});
  const int64_t now = clock_.NowMs();
  ASSERT_TRUE(
      ks.Set(0, "short", "1", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + 100}).ok());
  ASSERT_TRUE(
      ks.Set(0, "mid", "2", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + 2000}).ok());
  ASSERT_TRUE(
      ks.Set(0, "long", "3", {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = now + 60000}).ok());
  ASSERT_TRUE(ks.Set(0, "forever", "4").ok());
  clock_.Advance(absl::Milliseconds(500));  // "short" expires before the save
  absl::StatusOr<SnapshotStats> saved = WriteSnapshot(ks, path_);
  ASSERT_TRUE(saved.ok()) << saved.status();
  EXPECT_EQ(saved->keys, 3u);

  clock_.Advance(absl::Seconds(5));  // "mid" expires between the save and the load
  Keyspace loaded({.shards = 2, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 2u);
  EXPECT_EQ(stats->expired, 1u);
  EXPECT_FALSE(loaded.KeyExists(0, "mid"));
  // Absolute deadlines: the TTL kept counting down while the server was "off".
  EXPECT_EQ(loaded.PTtl(0, "long"), 60000 - 5500);
  EXPECT_EQ(loaded.PTtl(0, "forever"), -1);
  clock_.Advance(absl::Seconds(60));
  EXPECT_FALSE(loaded.KeyExists(0, "long"));
}

TEST_F(SnapshotTest, BinaryKeysAndValuesAndLargeValues) {
  Keyspace ks({.shards = 4, .clock = &clock_});
  std::string binary_key("k\0\r\n\xff\x80", 6);
  std::string binary_value;
  for (int i = 0; i < 256; ++i) binary_value.push_back(static_cast<char>(i));
  std::string large(20 * 1024 * 1024 + 7, 'x');  // larger than a frame
  std::mt19937_64 rng(7);
  for (char& c : large) c = static_cast<char>(rng());
  ASSERT_TRUE(ks.Set(0, binary_key, binary_value).ok());
  ASSERT_TRUE(ks.Set(0, "", "empty key").ok());
  ASSERT_TRUE(ks.Set(0, "empty value", "").ok());
  ASSERT_TRUE(ks.Set(1, "large", large).ok());
  ASSERT_TRUE(ks.HSet(2, std::string("h\0", 2), {{std::string("f\0", 2), binary_value}}).ok());
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 5000; ++i)
    many.emplace_back(absl::StrCat("field", i), std::string(i % 97, 'v'));
  std::vector<std::pair<std::string_view, std::string_view>> views(many.begin(), many.end());
  ASSERT_TRUE(ks.HSet(2, "big hash", views).ok());
  ASSERT_TRUE(WriteSnapshot(ks, path_).ok());

  Keyspace loaded({.shards = 4, .clock = &clock_});
  ASSERT_TRUE(LoadSnapshot(path_, &loaded).ok());
  ExpectSameData(loaded, ks);
  EXPECT_EQ(**loaded.Get(0, binary_key), binary_value);
  EXPECT_EQ(**loaded.Get(1, "large"), large);
}

TEST_F(SnapshotTest, ManyKeysLoadInParallelFrames) {
  Keyspace ks({.shards = 16, .clock = &clock_});
  for (int i = 0; i < 60000; ++i) {
    ASSERT_TRUE(ks.Set(i % 3, absl::StrCat("sess:", i), std::string(100, 'a' + i % 26)).ok());
  }
  ASSERT_TRUE(WriteSnapshot(ks, path_).ok());
  for (int threads : {1, 3}) {
    Keyspace loaded({.shards = 16, .clock = &clock_});
    absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded, {.threads = threads});
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_EQ(stats->loaded, 60000u);
    ExpectSameData(loaded, ks);
  }
}

TEST_F(SnapshotTest, EmptyKeyspaceRoundTrips) {
  Keyspace ks({.shards = 2, .clock = &clock_});
  ASSERT_TRUE(WriteSnapshot(ks, path_).ok());
  Keyspace loaded({.shards = 2, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> stats = LoadSnapshot(path_, &loaded);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->loaded, 0u);
}

TEST_F(SnapshotTest, ReplacesAtomicallyAndLeavesNoTemporaryFile) {
  Keyspace ks({.shards = 2, .clock = &clock_});
  ASSERT_TRUE(ks.Set(0, "a", "1").ok());
  ASSERT_TRUE(WriteSnapshot(ks, path_).ok());
  ASSERT_TRUE(ks.Set(0, "b", "2").ok());
  ASSERT_TRUE(WriteSnapshot(ks, path_).ok());
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"dump.embedis"});
  Keyspace loaded({.shards = 2, .clock = &clock_});
  ASSERT_TRUE(LoadSnapshot(path_, &loaded).ok());
  EXPECT_EQ(loaded.Size(0), 2);
}

TEST_F(SnapshotTest, CancelledWriteKeepsThePreviousFile) {
  Keyspace ks({.shards = 4, .clock = &clock_});
  ASSERT_TRUE(ks.Set(0, "old", "1").ok());
  ASSERT_TRUE(WriteSnapshot(ks, path_).ok());
  const std::string before = ReadFile(path_);
  ASSERT_TRUE(ks.Set(0, "new", "2").ok());
  std::atomic<bool> cancel{false};
  absl::StatusOr<SnapshotStats> s = WriteSnapshot(
      ks, path_, {.cancel = &cancel, .on_shard_written = [&](int) { cancel = true; }});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(ReadFile(path_), before);
  EXPECT_EQ(DirEntries(), std::vector<std::string>{"dump.embedis"});
}

TEST_F(SnapshotTest, MissingDirectoryAndMissingFile) {
  Keyspace ks({.shards = 2, .clock = &clock_});
  absl::StatusOr<SnapshotStats> s = WriteSnapshot(ks, dir_ + "/no/such/dir/dump.embedis");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.status().message().find("no/such/dir"), std::string::npos) << s.status();
  absl::StatusOr<SnapshotLoadStats> l = LoadSnapshot(path_, &ks);
  EXPECT_EQ(l.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SnapshotTest, RemovesTemporaryFilesOfDeadProcessesOnly) {
  // pid 1 is alive (and not ours); a huge pid is not running.
  WriteFile(path_ + ".tmp-1-1", "x");
  WriteFile(path_ + ".tmp-4194000-3", "x");
  WriteFile(path_ + ".tmp-" + std::to_string(getpid()) + "-9", "x");
  WriteFile(dir_ + "/other.tmp-4194000-3", "x");
  EXPECT_EQ(RemoveStaleSnapshotTemps(path_), 1);
  std::vector<std::string> left = DirEntries();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"dump.embedis.tmp-1-1",
                                            "dump.embedis.tmp-" + std::to_string(getpid()) + "-9",
                                            "other.tmp-4194000-3"}));
}

// ---- Damage ----

class SnapshotCorruptionTest : public SnapshotTest {
 protected:
  void SetUp() override {
    SnapshotTest::SetUp();
    Keyspace ks({.shards = 4, .clock = &clock_});
    for (int i = 0; i < 30000; ++i) {
      ASSERT_TRUE(ks.Set(i % 2, absl::StrCat("key:", i), std::string(100, 'v')).ok());
    }
    ASSERT_TRUE(ks.HSet(0, "h", {{"f", "v"}}).ok());
    ASSERT_TRUE(WriteSnapshot(ks, path_).ok());
    good_ = ReadFile(path_);
    ASSERT_GT(good_.size(), 2u << 20);  // several frames
  }

  // Loads `bytes` as the file into a fresh keyspace; returns the status and checks that nothing
  // was imported when it failed.
  absl::Status Load(const std::string& bytes) {
    WriteFile(path_, bytes);
    Keyspace ks({.shards = 4, .clock = &clock_});
    absl::StatusOr<SnapshotLoadStats> s = LoadSnapshot(path_, &ks);
    if (!s.ok()) {
      EXPECT_EQ(ks.Size(0) + ks.Size(1), 0);
      EXPECT_NE(s.status().message().find(path_), std::string::npos) << s.status();
    }
    return s.status();
  }

  std::string good_;
};

TEST_F(SnapshotCorruptionTest, TruncatedAtAnyLengthIsRefused) {
  std::vector<size_t> lengths = {0,
                                 3,
                                 8,
                                 20,
                                 29,
                                 30,
                                 47,
                                 good_.size() / 2,
                                 good_.size() - 9,
                                 good_.size() - 8,
                                 good_.size() - 1};
  std::mt19937_64 rng(1);
  for (int i = 0; i < 30; ++i) lengths.push_back(rng() % good_.size());
  for (size_t n : lengths) {
    absl::Status s = Load(good_.substr(0, n));
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << n << ": " << s;
    EXPECT_NE(s.message().find("truncated"), std::string::npos) << n << ": " << s;
  }
}

TEST_F(SnapshotCorruptionTest, FlippedBytesAreRefused) {
  std::mt19937_64 rng(2);
  std::vector<size_t> positions = {12, 40, good_.size() / 3, good_.size() - 20, good_.size() - 3};
  // (Bytes 9..12 are the format version: a flip there reads as a newer version, tested below.)
  for (int i = 0; i < 40; ++i) positions.push_back(13 + rng() % (good_.size() - 13));
  for (size_t pos : positions) {
    std::string bad = good_;
    bad[pos] = static_cast<char>(bad[pos] ^ (1 << (rng() % 8)));
    absl::Status s = Load(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << pos << ": " << s;
  }
  // A flip in the payload is caught by the checksum and says so.
  std::string bad = good_;
  bad[good_.size() / 2] ^= 0x10;
  absl::Status s = Load(bad);
  EXPECT_NE(s.message().find("checksum mismatch"), std::string::npos) << s;
  // And so is a byte appended.
  s = Load(good_ + "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
}

TEST_F(SnapshotCorruptionTest, WrongMagicIsRefused) {
  std::string bad = good_;
  bad[1] = 'X';
  absl::Status s = Load(bad);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("not an embedis snapshot (wrong magic)"), std::string::npos) << s;
  s = Load("REDIS0010\xfa\tredis-ver");
  EXPECT_NE(s.message().find("Redis RDB file"), std::string::npos) << s;
  s = Load("hello world, this is a text file that is long enough to have a header");
  EXPECT_NE(s.message().find("wrong magic"), std::string::npos) << s;
}

TEST_F(SnapshotCorruptionTest, NewerFormatVersionIsRefusedClearly) {
  std::string future = good_;
  future[9] = static_cast<char>(kSnapshotFormatVersion + 1);  // u32 LE version after magic+endian
  absl::Status s = Load(future);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find(absl::StrCat("format version ", kSnapshotFormatVersion + 1,
                                          " is newer than this embedis supports (",
                                          kSnapshotFormatVersion, ")")),
            std::string::npos)
      << s;
}

TEST_F(SnapshotCorruptionTest, TooFewDatabasesIsRefused) {
  WriteFile(path_, good_);
  Keyspace ks({.shards = 4, .databases = 1, .clock = &clock_});
  absl::StatusOr<SnapshotLoadStats> s = LoadSnapshot(path_, &ks);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_NE(s.status().message().find("database 1"), std::string::npos) << s.status();
  EXPECT_EQ(ks.Size(0), 0);
}

// Writers run while other threads write and delete: each key appears whole or not at all.
TEST_F(SnapshotTest, SnapshotWhileWritingIsConsistentPerKey) {
  Keyspace ks({.shards = 8});
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(ks.Set(0, absl::StrCat("k", i), "init").ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937_64 rng(3);
    while (!stop) {
      int i = static_cast<int>(rng() % 2000);
      std::string v(static_cast<size_t>(rng() % 300), static_cast<char>('a' + rng() % 26));
      if (rng() % 5 == 0) {
        ks.DeleteKey(0, absl::StrCat("k", i));
      } else if (rng() % 3 == 0) {
        ks.HSet(1, absl::StrCat("h", i % 50), {{absl::StrCat("f", i), v}}).IgnoreError();
      } else {
        ks.Set(0, absl::StrCat("k", i), v).IgnoreError();
      }
    }
  });
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(WriteSnapshot(ks, path_, {.sync = false, .on_shard_written = {}}).ok());
    Keyspace loaded({.shards = 8});
    ASSERT_TRUE(LoadSnapshot(path_, &loaded).ok());
    for (int i = 0; i < 2000; ++i) {
      absl::StatusOr<std::optional<std::string>> v = loaded.Get(0, absl::StrCat("k", i));
      ASSERT_TRUE(v.ok());
      if (!v->has_value() || **v == "init") continue;
      const std::string& s = **v;
      EXPECT_EQ(s, std::string(s.size(), s.empty() ? 'a' : s[0]));  // never half-written
    }
  }
  stop = true;
  writer.join();
}

// The case, made deterministic: once the writer has written shard 0 (and read nothing
// else), every key is renamed, a third overwritten, a fifth deleted, and new keys created. The
// file must hold the keyspace exactly as it was when the save began (before point-in-time
// images, keys renamed from a later shard appeared under both names or neither).
TEST_F(SnapshotTest, SaveIsAPointInTimeImageDespiteRenamesOverwritesAndDeletes) {
  Keyspace ks({.shards = 16, .clock = &clock_});
  Keyspace expected({.shards = 16, .clock = &clock_});
  for (int i = 0; i < 20000; ++i) {
    const std::string k = absl::StrCat("sess:", i), v = absl::StrCat("v", i);
    ASSERT_TRUE(ks.Set(i % 2, k, v).ok());
    ASSERT_TRUE(expected.Set(i % 2, k, v).ok());
  }
  ASSERT_TRUE(ks.HSet(0, "h", {{"f", "1"}}).ok());
  ASSERT_TRUE(expected.HSet(0, "h", {{"f", "1"}}).ok());
  bool changed = false;
  auto change_everything = [&](int shard) {
    if (shard != 0) return;
    changed = true;
    for (int i = 0; i < 20000; ++i) {
      const int db = i % 2;
      const std::string k = absl::StrCat("sess:", i);
      ASSERT_TRUE(ks.Rename(db, k, absl::StrCat("renamed:", i)).ok());
      if (i % 3 == 0) ASSERT_TRUE(ks.Set(db, absl::StrCat("renamed:", i), "overwritten").ok());
      if (i % 5 == 0) ks.DeleteKey(db, absl::StrCat("renamed:", i));
      ASSERT_TRUE(ks.Set(db, absl::StrCat("new:", i), "new").ok());
    }
    ASSERT_TRUE(ks.HSet(0, "h", {{"f", "2"}, {"g", "3"}}).ok());
    ks.FlushAll();  // and then everything is gone
    ks.SwapDb(0, 1);
  };
  ASSERT_TRUE(
      WriteSnapshot(ks, path_, {.sync = false, .on_shard_written = change_everything}).ok());
  ASSERT_TRUE(changed);
  EXPECT_EQ(ks.Size(0) + ks.Size(1), 0);
  Keyspace loaded({.shards = 16, .clock = &clock_});
  ASSERT_TRUE(LoadSnapshot(path_, &loaded).ok());
  ExpectSameData(loaded, expected);
}

// The same under a concurrent writer that moves values between keys (RENAME pairs): every saved
// file holds each value exactly once.
TEST_F(SnapshotTest, ConcurrentRenamesNeverDuplicateOrLoseAKeyInTheFile) {
  Keyspace ks({.shards = 8});
  constexpr int kKeys = 4000;
  for (int i = 0; i < kKeys; ++i)
    ASSERT_TRUE(ks.Set(0, absl::StrCat("a", i), absl::StrCat(i)).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937_64 rng(7);
    while (!stop) {
      const int i = static_cast<int>(rng() % kKeys);
      // Whichever name the value has now, move it to the other.
      const std::string a = absl::StrCat("a", i), b = absl::StrCat("b", i);
      if (!ks.Rename(0, a, b).value_or(false)) ks.Rename(0, b, a).IgnoreError();
    }
  });
  // A pause after each shard, so that the renames run while the file is being written.
  auto pause = [](int) { std::this_thread::sleep_for(std::chrono::milliseconds(2)); };
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(WriteSnapshot(ks, path_, {.sync = false, .on_shard_written = pause}).ok());
    Keyspace loaded({.shards = 8});
    ASSERT_TRUE(LoadSnapshot(path_, &loaded).ok());
    ASSERT_EQ(loaded.Size(0), kKeys);
    for (int i = 0; i < kKeys; ++i) {
      const std::string want = absl::StrCat(i);
      absl::StatusOr<std::optional<std::string>> a = loaded.Get(0, absl::StrCat("a", i));
      absl::StatusOr<std::optional<std::string>> b = loaded.Get(0, absl::StrCat("b", i));
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_NE(a->has_value(), b->has_value()) << i;
      EXPECT_EQ(a->has_value() ? **a : b->value_or(""), want);
    }
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace embedis
