// Randomized differential test: random command streams run in lockstep on embedis (the command
// table in-process, on the real clock) and on a real redis-server 7.0.15, every reply compared
// byte for byte, and the whole dataset compared every kDatasetEvery steps and at the end.
//
// The stream mixes strings, keys, hashes, lists and sorted sets (blocking pops included) and
// HyperLogLogs on one small key set (so every WRONGTYPE path is hit), valid and invalid arguments
// (arity errors, wrong types, 0, -1, ±2^31, ±2^63 and just past each limit, in every numeric
// argument: counts, indexes, ranks, numkeys, timeouts), MULTI/EXEC/DISCARD blocks, WATCH, and two
// clients on one dataset (each with its own database and transaction state; on odd seeds client 1
// speaks RESP3). Blocking commands outside MULTI never block redis: see BlockingRedisReply().
//
// Adding a family: a random_commands_<family>.cc with its command templates (random_commands.h),
// appended to Families().
// A template is a command line whose arguments are literals or placeholders ({key}, {field},
// {value}, {int}, {float}, {ttl}, {ms}, {at}, {atms}, {offset}, {db}, {pattern}; see Expand());
// give new placeholders a case in Expand(). Each template says how its reply is compared
// (Compare); templates that are not kExact never run inside MULTI (an EXEC reply is compared
// exactly).
//
// Documented normalizations (everything else is compared byte for byte):
//   - kTtl: TTL, EXPIRETIME accept two non-negative answers up to 1 apart; PTTL, PEXPIRETIME up
//     to 200 ms (the two servers read their clocks at different moments). Negative answers exact.
//   - kUnordered: KEYS, HKEYS, HVALS compare as multisets (hash table order is each server's own).
//   - kUnorderedPairs: HGETALL compares as a set of field/value pairs.
//   - kLiveKeyCount: Redis's DBSIZE counts keys whose expiry time has passed until its active
//     expiry cycle (on its own timer) or an access reclaims them, e.g. right after
//     `SET k v EXAT <past>` (7.0 stores the key with its past time); embedis's DBSIZE counts live
//     keys. That count depends on timing, so before each DBSIZE the test makes redis reclaim its
//     expired keys with a full SCAN (which expires what it visits) on the same connection; the
//     counts are then compared exactly. DBSIZE is not generated inside MULTI for that reason.
//   Expiry is kept out of timing races: positive relative TTLs are at least 1000 s, absolute
//   ones are far past (the key goes at once on both) or far future.
//   Commands whose output is random (RANDOMKEY, HRANDFIELD, SCAN pages) are not generated.
//
// Runs: CI runs kDefaultSeeds seeds of kDefaultSteps steps (a few seconds). By hand, for long runs:
//   EMBEDIS_RANDOM_DIFF_SEED=<first seed> EMBEDIS_RANDOM_DIFF_SEEDS=<how many>
//   EMBEDIS_RANDOM_DIFF_STEPS=<steps per seed>
//   EMBEDIS_RANDOM_DIFF_FAMILIES=<families, e.g. lists,keys> (default: all; the dataset checks and
//   the blocking-path counts stay)
//   bazel test //tests/server:random_differential_test --test_output=errors
//     --test_env=EMBEDIS_RANDOM_DIFF_SEEDS=200 --test_env=EMBEDIS_RANDOM_DIFF_STEPS=20000
// A failure prints the seed, the step and the last commands, so it can be replayed with
// EMBEDIS_RANDOM_DIFF_SEED=<seed> EMBEDIS_RANDOM_DIFF_SEEDS=1.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/util/clock.h"
#include "tests/server/random_commands.h"
#include "tests/testing/differential.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

constexpr uint64_t kDefaultFirstSeed = 1;
constexpr int kDefaultSeeds = 4;
constexpr int kDefaultSteps = 2000;
constexpr int kDatasetEvery = 250;
constexpr int kClients = 2;
constexpr size_t kHistory = 40;  // commands shown with a failure

using random_diff::Compare;
using random_diff::Families;
using random_diff::Family;
using random_diff::Template;

// A flattened, weighted view of every family's templates.
struct TemplateTable {
  std::vector<Template> all;
  std::vector<int> cumulative;  // prefix sums of the weights
  std::vector<size_t> exact;    // indexes of kExact templates (for MULTI blocks)

  // `only`: the families to draw from, comma-separated ("lists,keys"); empty: all of them.
  explicit TemplateTable(const std::string& only = "") {
    const std::vector<std::string> chosen = absl::StrSplit(only, ',', absl::SkipEmpty());
    int sum = 0;
    for (const Family& f : Families()) {
      if (!chosen.empty() && std::find(chosen.begin(), chosen.end(), f.name) == chosen.end()) {
        continue;
      }
      for (const Template& t : f.templates) {
        if (t.compare == Compare::kExact) exact.push_back(all.size());
        all.push_back(t);
        sum += t.weight;
        cumulative.push_back(sum);
      }
    }
  }
  const Template& Pick(std::mt19937_64& rng) const {
    const int r = std::uniform_int_distribution<int>(0, cumulative.back() - 1)(rng);
    return all[std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin()];
  }
  const Template& PickExact(std::mt19937_64& rng) const {
    return all[exact[std::uniform_int_distribution<size_t>(0, exact.size() - 1)(rng)]];
  }
};

// Blocking commands' timeouts, checked by hand on redis-server 7.0.15: those on which it blocks
// when no key is there (0, -0, -0.0001 and -0.001 for ever: their milliseconds round up to 0; the
// others for their time), and those it refuses at once ("timeout is not a float or out of range",
// "timeout is negative": the milliseconds do not fit a long long).
constexpr const char* kBlockingTimeouts[] = {"0",      "0.01",       "1.5",
                                             "0x10",   "2147483648", "9223372036854775",
                                             "1e15",   "-0",         "-0.0001",
                                             "+1",     "007",        "1e-5",
                                             "1e-400", "0.5e-3",     "-0e0",
                                             ".5",     "5.",         "0x1p3",
                                             "0X10",   "0.0015",     "9223372036854775.807",
                                             "1e+3",   "00.1",       "-0.000999",
                                             "-0.001"};
constexpr const char* kRefusedTimeouts[] = {"abc",
                                            "",
                                            "-1",
                                            "-0.01",
                                            "nan",
                                            "1e",
                                            "inf",
                                            "-inf",
                                            "9223372036854775807",
                                            "1e308",
                                            " 1",
                                            "1 ",
                                            "9223372036854776",
                                            "1e16",
                                            "-9223372036854775808",
                                            "1e4932",
                                            "1e5000",
                                            "1e400",
                                            "infinity",
                                            "-nan",
                                            "1_0",
                                            "0x",
                                            "9223372036854775.808",
                                            "9223372036854775.9",
                                            "\t1"};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}
  std::mt19937_64& rng() { return rng_; }
  bool Chance(int percent) { return Uniform(0, 99) < percent; }

  std::vector<std::string> Expand(const Template& t) {
    std::vector<std::string> argv;
    for (absl::string_view token : absl::StrSplit(t.line, ' ')) {
      if (token == "{members}") {  // many score/member pairs: a skiplist-encoded sorted set
        for (int64_t n = Uniform(100, 200); n > 0; --n) {
          argv.push_back(absl::StrCat(Uniform(-50, 50)));
          argv.push_back(absl::StrCat("m", Uniform(0, 300)));
        }
        continue;
      }
      if (token == "{elems}") {  // many list elements, some long: lists of several nodes
        for (int64_t n = Uniform(1, 400); n > 0; --n) {
          argv.push_back(Chance(10) ? std::string(Uniform(60, 300), 'x') : Value("{elem}"));
        }
        continue;
      }
      argv.push_back(Value(std::string_view(token.data(), token.size())));
    }
    return argv;
  }

 private:
  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  template <size_t N>
  std::string OneOf(const char* const (&choices)[N]) {
    return choices[Uniform(0, N - 1)];
  }

  std::string Value(std::string_view token) {
    static const char* const kInts[] = {"0",
                                        "1",
                                        "-1",
                                        "2147483647",
                                        "2147483648",
                                        "-2147483648",
                                        "-2147483649",
                                        "9223372036854775807",
                                        "-9223372036854775808",
                                        "9223372036854775808",
                                        "-9223372036854775809",
                                        "abc",
                                        "",
                                        "1.5",
                                        "007",
                                        "+1",
                                        " 1",
                                        "4611686018427387904"};
    static const char* const kFloats[] = {
        "1.5", "-0.25", "0",    "3", "1e308", "-1e308", "inf",   "-inf",
        "nan", "abc",   "1e-5", "",  "0x10",  "1e",     "5.0e3", "9223372036854775807"};
    static const char* const kDbs[] = {"0",  "1",          "1",           "15", "16",
                                       "-1", "2147483648", "99999999999", "x"};
    static const char* const kPatterns[] = {"*", "k*", "", "k?", "[a-k]*", "*1*", "k\\*"};
    if (token == "{key}") {
      if (Chance(3)) return "";
      return absl::StrCat("k", Uniform(0, 5));
    }
    if (token == "{field}") return absl::StrCat("f", Uniform(0, 5));
    if (token == "{int}") {
      if (Chance(40)) return absl::StrCat(Uniform(-20, 20));
      return OneOf(kInts);
    }
    if (token == "{float}") {
      if (Chance(30)) return absl::StrCat(Uniform(-20, 20));
      return OneOf(kFloats);
    }
    if (token == "{value}") {
      switch (Uniform(0, 9)) {
        case 0:
          return OneOf(kInts);
        case 1:
          return OneOf(kFloats);
        case 2:
          return std::string(Uniform(60, 80), 'x');  // past the listpack value limit (64)
        case 3:
          return std::string("a\0b", 3);
        case 4:
          return "";
        default:
          return absl::StrCat("v", Uniform(0, 30));
      }
    }
    if (token == "{ttl}" || token == "{ms}") {
      // Positive values far from expiring; the rest are invalid or expire the key at once.
      static const char* const kOdd[] = {"0",
                                         "-1",
                                         "-100",
                                         "abc",
                                         "",
                                         "9223372036854775807",
                                         "9223372036854775",
                                         "-9223372036854775808",
                                         "9223372036854775808",
                                         "1.5"};
      if (Chance(70)) return absl::StrCat(Uniform(1000, 100000) * (token == "{ms}" ? 1000 : 1));
      return OneOf(kOdd);
    }
    if (token == "{at}" || token == "{atms}") {
      const int64_t unit = token == "{atms}" ? 1000 : 1;
      switch (Uniform(0, 4)) {
        case 0:
          return absl::StrCat(Uniform(1, 1000000) * unit);  // long past
        case 1:
          return OneOf(kInts);
        default:
          return absl::StrCat((int64_t{4102444800} + Uniform(0, 1000000)) * unit);  // year 2100
      }
    }
    if (token == "{offset}") {
      static const char* const kOffsets[] = {
          "536870912", "536870911", "9223372036854775807", "-1", "abc", "9223372036854775800", ""};
      if (Chance(85)) return absl::StrCat(Uniform(0, 80));
      std::string o = OneOf(kOffsets);
      // 536870911 with a value would build a 512 MB string on both sides: keep the test light.
      return o == "536870911" ? "536870912" : o;
    }
    if (token == "{bitoffset}") {  // bits; "#N" fields for BITFIELD
      static const char* const kBitOffsets[] = {"#3", "#0", "-1", "4294967296", "abc", "#-1", ""};
      if (Chance(85)) return absl::StrCat(Uniform(0, 300));
      return OneOf(kBitOffsets);
    }
    if (token == "{bit}") {
      static const char* const kBits[] = {"0", "1", "1", "0", "2", "-1", "x"};
      return OneOf(kBits);
    }
    if (token == "{bftype}") {
      static const char* const kTypes[] = {"i1",  "i8",  "u8", "i16", "u31", "i63",
                                           "i64", "u63", "u1", "u64", "i0",  "I8"};
      return OneOf(kTypes);
    }
    if (token == "{overflow}") {
      static const char* const kModes[] = {"WRAP", "SAT", "FAIL", "fail", "sat", "nope"};
      return OneOf(kModes);
    }
    if (token == "{elem}") {  // few distinct list elements, so LREM, LPOS, LINSERT match some
      static const char* const kElems[] = {"a", "b", "c", "a", "b", "d"};
      return Chance(85) ? OneOf(kElems) : Value("{value}");
    }
    if (token == "{index}" || token == "{count}" || token == "{rank}") {
      const int64_t lo = token == "{index}" ? -8 : token == "{rank}" ? -4 : 0;
      if (Chance(60)) return absl::StrCat(Uniform(lo, token == "{index}" ? 8 : 4));
      return OneOf(kInts);
    }
    if (token == "{numkeys}") {
      static const char* const kNumKeys[] = {"0",          "-1", "3", "abc", "9223372036854775807",
                                             "2147483648", "1",  "2"};
      return OneOf(kNumKeys);
    }
    if (token == "{dir}") {
      static const char* const kDirs[] = {"LEFT", "RIGHT", "left", "Right", "LEFT", "RIGHT", "up"};
      return OneOf(kDirs);
    }
    if (token == "{where}") {
      static const char* const kWheres[] = {"BEFORE", "AFTER", "before", "After", "middle"};
      return OneOf(kWheres);
    }
    if (token == "{timeout}") {
      // Valid ones (Redis would block on missing keys: RunBlocking decides) and invalid ones,
      // which Redis refuses at once.
      return Chance(50) ? OneOf(kBlockingTimeouts) : OneOf(kRefusedTimeouts);
    }
    if (token == "{score}") {
      static const char* const kScores[] = {"1.5", "-0.25", "inf",   "-inf", "+inf", "nan", "abc",
                                            "",    "(1",    "1e308", "-0",   "0x10", " 1"};
      if (Chance(70)) return absl::StrCat(Uniform(-5, 5));
      return OneOf(kScores);
    }
    if (token == "{member}") {  // few distinct members; some long (past the listpack's 64)
      if (Chance(5)) return std::string(Uniform(60, 70), 'm');
      if (Chance(3)) return std::string("m\0b", 3);
      return absl::StrCat("m", Uniform(0, 9));
    }
    if (token == "{sbound}") {
      static const char* const kBounds[] = {"-inf", "+inf", "(-inf", "inf",   "x",
                                            "",     "(",    "nan",   "1e400", "(1.5"};
      if (Chance(75)) return absl::StrCat(Chance(30) ? "(" : "", Uniform(-5, 5));
      return OneOf(kBounds);
    }
    if (token == "{lbound}") {
      static const char* const kLex[] = {"-", "+", "[m3", "(m5", "[", "(", "m1", "", "+x", "[m"};
      if (Chance(60)) return absl::StrCat(Chance(50) ? "[" : "(", "m", Uniform(0, 9));
      return OneOf(kLex);
    }
    if (token == "{zaddopt}") {
      static const char* const kOpts[] = {"NX", "XX", "GT", "LT", "CH", "INCR", "nx", "ch"};
      return OneOf(kOpts);
    }
    if (token == "{minmax}") {
      static const char* const kEnds[] = {"MIN", "MAX", "min", "Max", "LEFT"};
      return OneOf(kEnds);
    }
    if (token == "{aggregate}") {
      static const char* const kAggregates[] = {"SUM", "MIN", "MAX", "max", "avg"};
      return OneOf(kAggregates);
    }
    if (token == "{db}") return OneOf(kDbs);
    if (token == "{pattern}") return OneOf(kPatterns);
    return std::string(token);  // a literal
  }

  std::mt19937_64 rng_;
};

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  int64_t n;
  return v != nullptr && absl::SimpleAtoi(v, &n) ? n : fallback;
}

// One RESP value from raw bytes (both sides send whole replies).
std::optional<resp::Value> Parse(std::string_view bytes) {
  resp::ReplyParser parser;
  parser.Feed(bytes);
  resp::Value v;
  if (!parser.Next(&v)) return std::nullopt;
  return v;
}

std::optional<int64_t> IntegerReply(std::string_view bytes) {
  auto v = Parse(bytes);
  if (!v.has_value() || v->type() != resp::Type::kInteger) return std::nullopt;
  return v->integer();
}

// The reply in the form that is compared (see the header's normalizations).
std::string Normalized(Compare compare, const std::string& bytes) {
  if (compare != Compare::kUnordered && compare != Compare::kUnorderedPairs) return bytes;
  auto v = Parse(bytes);
  if (!v.has_value() || !v->is_aggregate()) return bytes;
  const size_t group = compare == Compare::kUnorderedPairs ? 2 : 1;
  std::vector<std::string> items;
  const auto& e = v->elements();
  for (size_t i = 0; i + group <= e.size(); i += group) {
    std::string item;
    for (size_t j = 0; j < group; ++j) absl::StrAppend(&item, e[i + j].DebugString(), "|");
    items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end());
  return absl::StrCat("sorted ", e.size(), ": ", absl::StrJoin(items, ", "));
}

// Makes redis delete the keys of the connection's database whose expiry time has passed: SCAN
// expires every key it visits. Its replies are not compared (embedis has no such keys to show).
void ReclaimExpired(RawRespConnection& conn) {
  std::string cursor = "0";
  do {
    auto reply = Parse(conn.Call({"SCAN", cursor, "COUNT", "1000"}));
    if (!reply.has_value() || !reply->is_aggregate() || reply->elements().size() != 2) return;
    cursor = reply->elements()[0].str();
  } while (cursor != "0");
}

// ---- Blocking commands outside MULTI ----
//
// Redis blocks the connection when a blocking command finds nothing and its arguments are valid,
// which would hang the lockstep run. So embedis runs it with may_block (a BlockRequest shows as
// kBlocks), and redis runs it on the client's own connection only when it cannot block: its
// timeout is one Redis refuses (kRefusedTimeouts, checked by hand on redis-server 7.0.15), or one
// of its keys exists (a wrong type is an error, a list is served: lists are never empty). Else
// the probe connection runs it inside MULTI/EXEC in the client's database, where Redis answers at
// once: an error the same as outside, or a null where it would have blocked (shown as kBlocks).
// The probe writes nothing in that case, so WATCH state is the same as with the real command.
constexpr std::string_view kBlocks = "(blocks) ";

bool IsBlocking(std::string_view command) {
  for (std::string_view b :
       {"BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP"}) {
    if (command == b) return true;
  }
  return false;
}

// Timeouts that Redis 7.0 refuses before it looks at any key.
bool IsRefusedTimeout(std::string_view t) {
  for (std::string_view r : kRefusedTimeouts) {
    if (t == r) return true;
  }
  return false;
}

// The keys a blocking command would wait on (BLMPOP, BZMPOP: none when numkeys does not name
// them).
std::vector<std::string> BlockingKeys(const std::vector<std::string>& argv) {
  if (argv[0] == "BLMOVE" || argv[0] == "BRPOPLPUSH") return {argv[1]};
  if (argv[0] != "BLMPOP" && argv[0] != "BZMPOP") return {argv.begin() + 1, argv.end() - 1};
  int64_t numkeys;
  if (argv.size() < 3 || !absl::SimpleAtoi(argv[2], &numkeys) || numkeys < 1 ||
      static_cast<uint64_t>(numkeys) > argv.size() - 3) {
    return {};
  }
  return {argv.begin() + 3, argv.begin() + 3 + numkeys};
}

// How often each way of BlockingRedisReply was taken (a run checks that it reached them all).
struct BlockingPaths {
  int refused_timeout = 0;  // sent as it is: a timeout Redis refuses
  int key_exists = 0;       // sent as it is: Redis serves a key or answers WRONGTYPE
  int probe_error = 0;      // inside MULTI on the probe: an error
  int probe_blocks = 0;     // inside MULTI on the probe: a null, where Redis would block
};

std::string BlockingRedisReply(RawRespConnection& conn, RawRespConnection& probe, int db,
                               const std::vector<std::string>& argv, BlockingPaths* paths) {
  const bool mpop = argv[0] == "BLMPOP" || argv[0] == "BZMPOP";
  const std::string& timeout = mpop ? argv[1] : argv.back();
  if (IsRefusedTimeout(timeout)) {
    ++paths->refused_timeout;
    return conn.Call(absl::MakeConstSpan(argv));
  }
  probe.Call({"SELECT", absl::StrCat(db)});
  std::vector<std::string> exists = BlockingKeys(argv);
  if (!exists.empty()) {
    exists.insert(exists.begin(), "EXISTS");
    if (probe.Call(absl::MakeConstSpan(exists)) != ":0\r\n") {
      ++paths->key_exists;
      return conn.Call(absl::MakeConstSpan(argv));
    }
  }
  probe.Call({"MULTI"});
  const std::string queued = probe.Call(absl::MakeConstSpan(argv));
  if (queued != "+QUEUED\r\n") {
    probe.Call({"DISCARD"});
    return absl::StrCat("(refused in MULTI) ", queued);  // an arity error: not expected
  }
  std::string exec = probe.Call({"EXEC"});
  if (!absl::StartsWith(exec, "*1\r\n")) return absl::StrCat("(probe EXEC) ", exec);
  exec.erase(0, 4);
  if (exec == "*-1\r\n" || exec == "$-1\r\n") {
    ++paths->probe_blocks;
    return std::string(kBlocks);
  }
  ++paths->probe_error;
  return exec;
}

bool TtlClose(const std::string& command, const std::string& a, const std::string& b) {
  auto x = IntegerReply(a), y = IntegerReply(b);
  if (!x.has_value() || !y.has_value() || *x < 0 || *y < 0) return a == b;
  const bool millis = command.front() == 'P' || command.front() == 'p';
  return std::abs(*x - *y) <= (millis ? 200 : 1);
}

class RandomDifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = new RedisServerProcess();
    start_status_ = redis_->Start();
  }
  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(start_status_.ok())
        << start_status_ << " (the differential test needs it: apt-get install redis-server)";
  }

  // One seed's run. Returns false after the first divergence (reported with the history).
  bool RunSeed(uint64_t seed, int steps) {
    Keyspace keyspace({.shards = 4, .clock = Clock::Real()});
    const commands::CommandTable table = commands::CommandTable::WithDataCommands();
    std::vector<std::unique_ptr<commands::ClientState>> clients;
    std::vector<std::unique_ptr<RawRespConnection>> conns;
    for (int i = 0; i <= kClients; ++i) {  // the last one reads the dataset
      clients.push_back(std::make_unique<commands::ClientState>());
      conns.push_back(std::make_unique<RawRespConnection>());
      EXPECT_TRUE(conns.back()->Connect(redis_->port()).ok());
    }
    EXPECT_EQ(conns[0]->Call({"FLUSHALL"}), "+OK\r\n");
    if (seed % 2 == 1) {  // odd seeds: client 1 speaks RESP3
      EXPECT_EQ(conns[1]->Call({"HELLO", "3"}).substr(0, 1), "%");
      clients[1]->protocol = resp::Protocol::kResp3;
    }
    std::deque<std::string> history;
    Generator gen(seed);
    const char* only = std::getenv("EMBEDIS_RANDOM_DIFF_FAMILIES");
    const TemplateTable templates(only == nullptr ? "" : only);

    // A blocking command outside MULTI (see BlockingRedisReply) runs on embedis with may_block.
    auto run = [&](int c, const std::vector<std::string>& argv, Compare compare,
                   bool outside_multi = false) -> bool {
      const bool blocking = outside_multi && IsBlocking(argv[0]);
      std::vector<std::string_view> views(argv.begin(), argv.end());
      std::string got;
      resp::Writer writer(&got, clients[c]->protocol);
      commands::CommandContext ctx{.keyspace = &keyspace,
                                   .client = clients[c].get(),
                                   .reply = &writer,
                                   .may_block = blocking};
      table.Execute(ctx, commands::Args(views.data(), views.size()));
      if (clients[c]->block_request.has_value()) {
        clients[c]->block_request.reset();
        got.insert(0, kBlocks);  // nothing else is expected after it
      }
      if (compare == Compare::kLiveKeyCount) ReclaimExpired(*conns[c]);
      const std::string expected = blocking
                                       ? BlockingRedisReply(*conns[c], *conns[kClients],
                                                            clients[c]->db, argv, &blocking_paths_)
                                       : conns[c]->Call(absl::MakeConstSpan(argv));
      history.push_back(absl::StrCat("client ", c, ": ", DifferentialTestShown(argv)));
      if (history.size() > kHistory) history.pop_front();
      const bool same = compare == Compare::kTtl
                            ? TtlClose(argv[0], got, expected)
                            : Normalized(compare, got) == Normalized(compare, expected);
      if (!same) {
        ADD_FAILURE() << "seed " << seed
                      << ": divergence on the last command\n  embedis: " << EscapeResp(got)
                      << "\n  redis:   " << EscapeResp(expected) << "\nlast commands:\n  "
                      << absl::StrJoin(history, "\n  ");
      }
      return same;
    };

    for (int step = 0; step < steps; ++step) {
      const int c = gen.Chance(70) ? 0 : 1;
      if (gen.Chance(5)) {  // a transaction block
        if (!run(c, {"MULTI"}, Compare::kExact)) return false;
        const int n = static_cast<int>(gen.rng()() % 4) + 1;
        for (int i = 0; i < n; ++i) {
          if (!run(c, gen.Expand(templates.PickExact(gen.rng())), Compare::kExact)) return false;
        }
        if (!run(c, {gen.Chance(80) ? "EXEC" : "DISCARD"}, Compare::kExact)) return false;
      } else {
        const Template& t = templates.Pick(gen.rng());
        if (!run(c, gen.Expand(t), t.compare, /*outside_multi=*/true)) return false;
      }
      if ((step + 1) % kDatasetEvery == 0 || step + 1 == steps) {
        if (!SameDataset(seed, step, keyspace, table, *clients[kClients], *conns[kClients])) {
          return false;
        }
      }
    }
    return true;
  }

  static std::string DifferentialTestShown(const std::vector<std::string>& argv) {
    std::string shown;
    for (size_t i = 0; i < argv.size() && i < 12; ++i) {
      absl::StrAppend(&shown, "'", EscapeResp(argv[i].substr(0, 40)), "' ");
    }
    if (argv.size() > 12) absl::StrAppend(&shown, "... (", argv.size(), " arguments) ");
    return shown;
  }

  // Compares every database's keys, types, values and TTLs through a third client.
  bool SameDataset(uint64_t seed, int step, Keyspace& keyspace, const commands::CommandTable& table,
                   commands::ClientState& client, RawRespConnection& conn) {
    auto both = [&](const std::vector<std::string>& argv) {
      std::vector<std::string_view> views(argv.begin(), argv.end());
      std::string got;
      resp::Writer writer(&got, client.protocol);
      commands::CommandContext ctx{.keyspace = &keyspace, .client = &client, .reply = &writer};
      table.Execute(ctx, commands::Args(views.data(), views.size()));
      return std::make_pair(got, conn.Call(absl::MakeConstSpan(argv)));
    };
    for (int db = 0; db < 16; ++db) {
      both({"SELECT", absl::StrCat(db)});
      auto [got_keys, redis_keys] = both({"KEYS", "*"});
      if (Normalized(Compare::kUnordered, got_keys) !=
          Normalized(Compare::kUnordered, redis_keys)) {
        ADD_FAILURE() << "seed " << seed << " step " << step << ": keys of db " << db
                      << " differ\n  embedis: " << EscapeResp(got_keys)
                      << "\n  redis:   " << EscapeResp(redis_keys);
        return false;
      }
      auto keys = Parse(redis_keys);
      if (!keys.has_value()) return false;
      for (const resp::Value& k : keys->elements()) {
        const std::string& key = k.str();
        const std::string redis_type = both({"TYPE", key}).second;
        std::vector<std::pair<std::vector<std::string>, Compare>> reads = {
            {{"TYPE", key}, Compare::kExact}, {{"TTL", key}, Compare::kTtl}};
        if (redis_type == "+string\r\n") reads.push_back({{"GET", key}, Compare::kExact});
        if (redis_type == "+list\r\n") {
          reads.push_back({{"LRANGE", key, "0", "-1"}, Compare::kExact});
        }
        if (redis_type == "+zset\r\n") {
          reads.push_back({{"ZRANGE", key, "0", "-1", "WITHSCORES"}, Compare::kExact});
          reads.push_back({{"OBJECT", "ENCODING", key}, Compare::kExact});
        }
        if (redis_type == "+hash\r\n") {
          reads.push_back({{"HGETALL", key}, Compare::kUnorderedPairs});
        }
        for (const auto& [argv, compare] : reads) {
          auto [got, expected] = both(argv);
          const bool same = compare == Compare::kTtl
                                ? TtlClose(argv[0], got, expected)
                                : Normalized(compare, got) == Normalized(compare, expected);
          if (!same) {
            ADD_FAILURE() << "seed " << seed << " step " << step << ": db " << db << " "
                          << DifferentialTestShown(argv)
                          << "differs\n  embedis: " << EscapeResp(got)
                          << "\n  redis:   " << EscapeResp(expected);
            return false;
          }
        }
      }
    }
    return true;
  }

  static inline RedisServerProcess* redis_ = nullptr;
  static inline absl::Status start_status_;
  BlockingPaths blocking_paths_;
};

TEST_F(RandomDifferentialTest, CommandStreamsMatchRedis) {
  const uint64_t first = static_cast<uint64_t>(
      EnvInt("EMBEDIS_RANDOM_DIFF_SEED", static_cast<int64_t>(kDefaultFirstSeed)));
  const int64_t seeds = EnvInt("EMBEDIS_RANDOM_DIFF_SEEDS", kDefaultSeeds);
  const int steps = static_cast<int>(EnvInt("EMBEDIS_RANDOM_DIFF_STEPS", kDefaultSteps));
  int failed = 0;
  for (int64_t i = 0; i < seeds && failed < 3; ++i) {
    if (!RunSeed(first + static_cast<uint64_t>(i), steps)) ++failed;
  }
  // Every way a blocking command is compared outside MULTI was taken (the CI run's fixed seeds
  // reach them all; so does any run as long).
  const BlockingPaths& p = blocking_paths_;
  std::cout << "blocking commands outside MULTI: " << p.refused_timeout << " refused timeouts, "
            << p.key_exists << " on existing keys, " << p.probe_error << " errors and "
            << p.probe_blocks << " blocks (compared inside MULTI)\n";
  if (failed == 0 && seeds * steps >= int64_t{kDefaultSeeds} * kDefaultSteps) {
    EXPECT_GT(p.refused_timeout, 0);
    EXPECT_GT(p.key_exists, 0);
    EXPECT_GT(p.probe_error, 0);
    EXPECT_GT(p.probe_blocks, 0);
  }
}

// The generator reaches every template (a family added to Families() is exercised).
TEST(RandomDifferentialGenerator, EveryTemplateIsPicked) {
  const TemplateTable table;
  Generator gen(7);
  std::vector<bool> seen(table.all.size());
  for (int i = 0; i < 100000; ++i) {
    const Template& t = table.Pick(gen.rng());
    seen[&t - table.all.data()] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << table.all[i].line;
}

}  // namespace
}  // namespace embedis::testing
