// MEMORY USAGE and MEMORY HELP: a redis-cli-style session in-process, then the replies that must
// be Redis's (nil, errors, arity, unknown subcommands) compared with a real redis-server 7.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/differential.h"

namespace embedis::testing {
namespace {

class MemoryTest : public ::testing::Test {
 protected:
  std::string Run(std::initializer_list<std::string_view> argv) { return r_.Run(argv); }
  // The value of an integer reply; fails the test for any other reply.
  int64_t Usage(std::initializer_list<std::string_view> argv) {
    std::string reply = r_.Run(argv);
    EXPECT_TRUE(reply.starts_with(":")) << reply;
    return reply.starts_with(":") ? std::strtoll(reply.c_str() + 1, nullptr, 10) : -1;
  }
  CommandRunner r_;
};

TEST_F(MemoryTest, NilForAMissingKeyInBothProtocols) {
  EXPECT_EQ(Run({"MEMORY", "USAGE", "missing"}), "$-1\r\n");
  r_.client().protocol = resp::Protocol::kResp3;
  EXPECT_EQ(Run({"MEMORY", "USAGE", "missing"}), "_\r\n");
}

TEST_F(MemoryTest, ExistingKeysOfEveryTypeHaveAPositiveSize) {
  EXPECT_EQ(Run({"SET", "k", "v"}), "+OK\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k"}), ":56\r\n");  // 48-byte slab block + bucket pointer
  EXPECT_EQ(Run({"HSET", "h", "f", "v"}), ":1\r\n");
  EXPECT_GT(Usage({"MEMORY", "USAGE", "h"}), Usage({"MEMORY", "USAGE", "k"}));
  EXPECT_EQ(Run({"SELECT", "1"}), "+OK\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "k"}), "$-1\r\n");  // per database
}

TEST_F(MemoryTest, GrowsWithTheValue) {
  int64_t last = 0;
  for (size_t n : {1, 10, 100, 1000, 10000, 100000}) {
    EXPECT_EQ(r_.Run({"SET", "k", std::string(n, 'x')}), "+OK\r\n");
    const int64_t bytes = Usage({"MEMORY", "USAGE", "k"});
    EXPECT_GT(bytes, last) << n;
    EXPECT_GE(bytes, static_cast<int64_t>(n)) << n;
    last = bytes;
  }
  last = 0;
  for (size_t n : {1, 100, 1000, 10000}) {  // up to 15 bytes sit in the string itself
    EXPECT_EQ(r_.Run({"HSET", "h", "f", std::string(n, 'x')}).substr(0, 1), ":");
    const int64_t bytes = Usage({"MEMORY", "USAGE", "h"});
    EXPECT_GT(bytes, last) << n;
    last = bytes;
  }
}

TEST_F(MemoryTest, SamplesIsValidatedAsRedisDoes) {
  EXPECT_EQ(Run({"HSET", "h", "a", "1", "b", "2", "c", "3"}), ":3\r\n");
  const int64_t all = Usage({"MEMORY", "USAGE", "h"});
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "h", "SAMPLES", "0"}), all);
  EXPECT_EQ(Usage({"memory", "usage", "h", "samples", "1"}), all);  // a listpack: exact
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "h", "SAMPLES", "1", "SAMPLES", "2"}), all);
  EXPECT_EQ(Run({"MEMORY", "USAGE", "h", "SAMPLES"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "h", "SAMPLES", "-1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "h", "SAMPLES", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "missing", "SAMPLES", "x"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Run({"MEMORY", "USAGE", "h", "FOO", "1"}), "-ERR syntax error\r\n");
}

// A hash table is measured on 5 fields by default, on `count` with SAMPLES count, on every field
// with SAMPLES 0 (or a count of at least its size), and the measure extrapolated to all fields.
TEST_F(MemoryTest, SamplesAHashTableByDefault) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(r_.Run({"HSET", "h", "f" + std::to_string(i), "v"}), ":1\r\n");
  }
  ASSERT_EQ(r_.Run({"HSET", "h", "f500", std::string(100'000, 'x')}), ":0\r\n");
  ASSERT_EQ(Run({"OBJECT", "ENCODING", "h"}), "$9\r\nhashtable\r\n");
  const int64_t all = Usage({"MEMORY", "USAGE", "h", "SAMPLES", "0"});
  EXPECT_GE(all, 100'000);
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "h", "SAMPLES", "1000"}), all);
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "h", "SAMPLES", "9223372036854775807"}), all);
  // Five fields cannot see the one big value and tell the exact size both.
  const int64_t sampled = Usage({"MEMORY", "USAGE", "h"});
  EXPECT_NE(sampled, all);
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "h", "SAMPLES", "5"}), sampled);
  EXPECT_GT(sampled, 0);
}

// The default costs a few fields, not the whole hash: a million-field hash answers 1000 default
// MEMORY USAGE calls sooner than 3 exact ones (a generous margin: the exact walk is ~200 000 times
// the work).
TEST_F(MemoryTest, AMillionFieldHashDoesNotStall) {
  r_.keyspace().Update(0, "big", [](KeyHandle& k) {
    HashValue& h = k.CreateHash();
    for (int i = 0; i < 1'000'000; ++i) h.Set(std::to_string(i), "v");
  });
  auto time = [&](int calls, std::initializer_list<std::string_view> argv) {
    const absl::Time start = absl::Now();
    for (int i = 0; i < calls; ++i) EXPECT_GT(Usage(argv), 0);
    return absl::Now() - start;
  };
  const absl::Duration exact = time(3, {"MEMORY", "USAGE", "big", "SAMPLES", "0"});
  const absl::Duration sampled = time(1000, {"MEMORY", "USAGE", "big"});
  EXPECT_LT(sampled, exact) << "sampled x1000: " << sampled << ", exact x3: " << exact;
}

TEST_F(MemoryTest, DeterministicForTheSameValue) {
  EXPECT_EQ(r_.Run({"SET", "a", std::string(3000, 'x')}), "+OK\r\n");
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(r_.Run({"APPEND", "b", std::string(100, 'x')}).substr(0, 1), ":");
  }
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "a"}), Usage({"MEMORY", "USAGE", "b"}));
  EXPECT_EQ(Usage({"MEMORY", "USAGE", "a"}), Usage({"MEMORY", "USAGE", "a"}));
}

TEST_F(MemoryTest, HelpListsTheSubcommandsWeHave) {
  EXPECT_EQ(Run({"MEMORY", "HELP"}),
            "*6\r\n"
            "+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
            "+USAGE <key> [SAMPLES <count>]\r\n"
            "+    Return memory in bytes used by <key> and its value. Nested values are\r\n"
            "+    sampled up to <count> times (default: 5, 0 means sample all).\r\n"
            "+HELP\r\n"
            "+    Prints this help.\r\n");
}

TEST_F(MemoryTest, CommandSpecMatchesCommandInfo) {
  const commands::CommandSpec* memory = r_.table().Find("MEMORY");
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->arity, -2);
  EXPECT_EQ(memory->group, "server");
  EXPECT_EQ(memory->since, "4.0.0");
  ASSERT_EQ(memory->subcommands.size(), 2u);
  const commands::CommandSpec& usage = memory->subcommands[0];
  EXPECT_EQ(usage.name, "usage");
  EXPECT_EQ(usage.arity, -3);
  EXPECT_EQ(usage.flags, commands::kReadOnly);
  EXPECT_EQ(usage.first_key, 2);
  EXPECT_EQ(usage.last_key, 2);
  EXPECT_EQ(usage.key_step, 1);
  const commands::CommandSpec& help = memory->subcommands[1];
  EXPECT_EQ(help.name, "help");
  EXPECT_EQ(help.arity, 2);
  EXPECT_EQ(help.flags, commands::kLoading | commands::kStale);
}

// ---- Differential: the same commands on a real redis-server ----

class MemoryDifferentialTest : public DifferentialTest {};

TEST_F(MemoryDifferentialTest, NilErrorsAndArity) {
  Lines({"memory",
         "memory usage",
         "memory foo",
         "memory foo bar",
         "MEMORY Usage nokey",
         "memory usage nokey samples 5",
         "memory usage nokey samples 0",
         "memory usage nokey samples",
         "memory usage nokey samples x",
         "memory usage nokey samples -1",
         "memory usage nokey samples -0",
         "memory usage nokey samples 1.5",
         "memory usage nokey samples 9223372036854775808",
         "memory usage nokey samples 1 samples 2",
         "memory usage nokey samples 1 foo",
         "memory usage nokey foo",
         "memory usage nokey foo 1",
         "memory help x",
         "set k v",
         "memory usage k samples",
         "memory usage k samples x",
         "memory usage k samples -1",
         "memory usage k foo"});
  Same({"memory", "usage", "nokey", "samples", ""});
  Same({"memory", "usage", "nokey", "samples", " 1"});
  Resp3();
  Lines({"memory usage nokey", "memory usage nokey samples x", "memory foo"});
}

// An existing key's size is ours, not Redis's; only the reply type must agree.
TEST_F(MemoryDifferentialTest, AnIntegerForEveryType) {
  Lines({"set s v", "hset h f v"});
  Same({"set", "big", std::string(5000, 'x')});
  for (int i = 0; i < 600; ++i) {  // a hash table
    Same({"hset", "table", "f" + std::to_string(i), std::string(i % 50, 'v')});
  }
  Lines({"object encoding table"});
  for (const char* key : {"s", "h", "big", "table"}) {
    for (std::vector<std::string> options : {std::vector<std::string>{},
                                             {"samples", "0"},
                                             {"samples", "1"},
                                             {"samples", "600"},
                                             {"samples", "9223372036854775807"},
                                             {"SAMPLES", "3", "samples", "0"}}) {
      std::vector<std::string> argv = {"memory", "usage", key};
      argv.insert(argv.end(), options.begin(), options.end());
      auto [theirs, ours] = Both(argv);
      EXPECT_EQ(theirs.substr(0, 1), ":") << Shown(argv) << ": " << theirs;
      EXPECT_EQ(ours.substr(0, 1), ":") << Shown(argv) << ": " << ours;
    }
  }
  // Errors on an existing key of each type, checked before anything is measured.
  for (const char* key : {"s", "h", "table"}) {
    for (std::vector<std::string> options : {std::vector<std::string>{"samples"},
                                             {"samples", "-1"},
                                             {"samples", "x"},
                                             {"samples", "1", "samples"},
                                             {"samples", "1", "samples", "x"},
                                             {"samples", "1", "x"},
                                             {"count", "1"},
                                             {"samples", "01"},
                                             {"samples", "+1"}}) {
      std::vector<std::string> argv = {"memory", "usage", key};
      argv.insert(argv.end(), options.begin(), options.end());
      Same(argv);
    }
  }
}

}  // namespace
}  // namespace embedis::testing
