// Every write command of the command table, run while a snapshot is being written, leaves the
// file holding the keyspace exactly as it was when the save began (Keyspace::BeginImage): each
// command that changes a key must let the image copy the key's shard first. A command that
// writes through a read lookup (GETDEL, GETEX, PFCOUNT's cached cardinality) once slipped past.
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/snapshot.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/keyspace_dump.h"

namespace embedis::testing {
namespace {

// One write command per key; {} is the key's name.
const std::vector<std::vector<std::string>> kWrites = {
    {"GETDEL", "{}"},
    {"GETEX", "{}", "PX", "100000"},
    {"GETEX", "{}", "PERSIST"},
    {"SET", "{}", "x"},
    {"APPEND", "{}", "x"},
    {"SETRANGE", "{}", "1", "x"},
    {"INCR", "{}"},
    {"SETBIT", "{}", "3", "1"},
    {"BITFIELD", "{}", "SET", "u8", "0", "7"},
    {"PFADD", "{}", "a", "b"},
    {"PFCOUNT", "{}"},
    {"EXPIRE", "{}", "100"},
    {"PERSIST", "{}"},
    {"DEL", "{}"},
    {"UNLINK", "{}"},
    {"RENAME", "{}", "{}:renamed"},
    {"COPY", "{}", "{}:copy"},
    {"MOVE", "{}", "1"},
    {"HSET", "{}", "f", "v"},
    {"HDEL", "{}", "f0"},
    {"HINCRBY", "{}", "n", "1"},
    {"LPUSH", "{}", "x"},
    {"LPOP", "{}"},
    {"RPOPLPUSH", "{}", "{}:dst"},
    {"LSET", "{}", "0", "x"},
    {"LTRIM", "{}", "1", "-1"},
    {"SADD", "{}", "x"},
    {"SPOP", "{}"},
    {"SREM", "{}", "m0"},
    {"SMOVE", "{}", "{}:dst", "m1"},
    {"SINTERSTORE", "{}:dst", "{}"},
    {"ZADD", "{}", "5", "x"},
    {"ZINCRBY", "{}", "1", "a0"},
    {"ZPOPMIN", "{}"},
    {"ZREMRANGEBYRANK", "{}", "0", "0"},
    {"SORT", "{}", "STORE", "{}:sorted"},
};

TEST(SnapshotCommandsTest, WriteCommandsDuringASaveDoNotReachTheFile) {
  CommandRunner r;
  Keyspace& ks = r.keyspace();
  // Keys of every type in every shard, several per command, so that each command finds its key
  // in a shard the image has not read yet.
  std::vector<std::string> keys;
  for (size_t c = 0; c < kWrites.size(); ++c) {
    for (int i = 0; i < 8; ++i) {
      const std::string k = absl::StrCat("k", c, ":", i);
      keys.push_back(k);
      switch ((c + i) % 5) {
        case 0:
          r.Run({"SET", k, absl::StrCat("10", i), "PX", "500000"});
          break;
        case 1:
          r.Run({"HSET", k, "f0", "v", "n", "5"});
          break;
        case 2:
          r.Run({"RPUSH", k, "e0", "e1", "e2"});
          break;
        case 3:
          r.Run({"SADD", k, "m0", "m1", "m2"});
          break;
        case 4:
          r.Run({"ZADD", k, "1", "a0", "2", "a1"});
          break;
      }
      if (i == 0) r.Run({"PFADD", k + ":hll", "a"});
    }
  }
  const std::vector<std::string> before = DumpKeyspace(ks);
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/snapshot_commands_", getpid(), ".embedis");
  bool ran = false;
  auto write_everything = [&](int shard) {
    if (shard != 0) return;
    ran = true;
    for (size_t c = 0; c < kWrites.size(); ++c) {
      for (int i = 0; i < 8; ++i) {
        for (const std::string k :
             {absl::StrCat("k", c, ":", i), absl::StrCat("k", c, ":", i, ":hll")}) {
          std::vector<std::string> argv = kWrites[c];
          for (std::string& a : argv) {
            if (size_t p = a.find("{}"); p != std::string::npos) a.replace(p, 2, k);
          }
          r.Run(argv);
        }
      }
    }
  };
  ASSERT_TRUE(WriteSnapshot(ks, path, {.sync = false, .on_shard_written = write_everything}).ok());
  ASSERT_TRUE(ran);
  ASSERT_NE(DumpKeyspace(ks), before);  // the commands did change the keyspace
  Keyspace loaded({.shards = 4, .clock = &r.clock()});
  ASSERT_TRUE(LoadSnapshot(path, &loaded).ok());
  const std::vector<std::string> after = DumpKeyspace(loaded);
  EXPECT_EQ(after.size(), before.size());
  for (size_t i = 0; i < std::min(after.size(), before.size()); ++i) {
    if (after[i] != before[i]) {
      ADD_FAILURE() << "first difference at line " << i << ":\n  loaded:   " << after[i]
                    << "\n  at start: " << before[i];
      break;
    }
  }
  unlink(path.c_str());
}

}  // namespace
}  // namespace embedis::testing
