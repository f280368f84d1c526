// COMMAND INFO, COMMAND and COMMAND GETKEYS[ANDFLAGS] against a real redis-server 7.0: for every
// command and subcommand embedis registers, the reply must be Redis's byte for byte, in RESP2 and
// RESP3 — name, arity, flags, key positions, ACL categories, tips and key specs
// (lib/commands/command_info.h).
//
// Deliberate differences, not compared:
//   - the order of a container's subcommands: Redis lists them in its hash table's order, which a
//     random seed changes with every process; embedis lists them as registered. Each
//     subcommand's entry is compared on its own.
//   - subcommands embedis does not implement (CLIENT TRACKING, MEMORY STATS, ...), and CLIENT
//     SETINFO and CLIENT NO-TOUCH, which 7.0 lacks (checked against the 7.2 reference instead).
//   - the order of COMMAND's (no arguments) entries: hash order in Redis, by name in embedis.
#include "lib/commands/command_info.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "tests/server/command_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using commands::KeySpec;
using resp::Protocol;
using resp::Value;

Value Parse(const std::string& raw) { return ParseReply(raw); }

// An entry with its subcommands reduced to `keep` (full names), in that order; a name missing
// from the entry is left out.
Value WithSubcommands(const Value& entry, const std::vector<std::string>& keep) {
  std::vector<Value> fields = entry.elements();
  std::vector<Value> subs;
  for (const std::string& name : keep) {
    for (const Value& sub : fields[9].elements()) {
      if (sub.elements()[0].str() == name) subs.push_back(sub);
    }
  }
  fields[9] = Value::Array(std::move(subs));
  return Value::Array(std::move(fields));
}

std::vector<std::string> SubcommandNames(const Value& entry) {
  std::vector<std::string> names;
  for (const Value& sub : entry.elements()[9].elements()) names.push_back(sub.elements()[0].str());
  return names;
}

class CommandInfoTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    absl::Status s = redis_.Start();
    ASSERT_TRUE(s.ok()) << s;
    for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
      ours_[Index(p)] = Connect();
      ASSERT_TRUE(theirs_[Index(p)].Connect(redis_.port()).ok());
      if (p == Protocol::kResp3) {
        ASSERT_TRUE(ours_[Index(p)]->Call({"HELLO", "3"}).starts_with("%"));
        ASSERT_TRUE(theirs_[Index(p)].Call({"HELLO", "3"}).starts_with("%"));
      }
    }
  }

  static int Index(Protocol p) { return p == Protocol::kResp2 ? 0 : 1; }
  RawRespConnection& Ours(Protocol p) { return *ours_[Index(p)]; }
  RawRespConnection& Theirs(Protocol p) { return theirs_[Index(p)]; }

  // Every command and subcommand the server registers ("client|kill"), sorted.
  std::vector<std::string> RegisteredCommands() {
    Value list = Parse(Ours(Protocol::kResp2).Call({"COMMAND", "LIST"}));
    std::vector<std::string> names;
    for (const Value& v : list.elements()) names.push_back(v.str());
    std::sort(names.begin(), names.end());
    return names;
  }

  // Expects embedis's COMMAND INFO entry `ours` (raw bytes of the one entry) to be Redis's entry
  // for the same name, byte for byte; for a container, with the subcommands both have, in
  // embedis's order.
  void ExpectSameEntry(Protocol p, const std::string& name, const std::string& ours) {
    SCOPED_TRACE(absl::StrCat(name, " RESP", static_cast<int>(p)));
    std::string theirs_reply = Theirs(p).Call({"COMMAND", "INFO", name});
    Value theirs_all = Parse(theirs_reply);
    ASSERT_EQ(theirs_all.size(), 1u);
    const Value& theirs = theirs_all.elements()[0];
    ASSERT_FALSE(theirs.is_null()) << name << " is unknown to redis-server";
    const std::string theirs_raw = theirs_reply.substr(theirs_reply.find("\r\n") + 2);
    Value mine = Parse(ours);
    ASSERT_EQ(mine.size(), 10u) << mine.DebugString();
    if (mine.elements()[9].size() == 0) {
      EXPECT_EQ(ours, theirs_raw);
      return;
    }
    std::vector<std::string> subs = SubcommandNames(mine);
    std::erase_if(subs, [](const std::string& s) { return kNewerThan70.contains(s); });
    const std::vector<std::string> their_subs = SubcommandNames(theirs);
    for (const std::string& s : subs) {
      EXPECT_NE(std::find(their_subs.begin(), their_subs.end(), s), their_subs.end())
          << s << " is not a Redis subcommand";
    }
    EXPECT_EQ(resp::ToResp(WithSubcommands(mine, subs), p),
              resp::ToResp(WithSubcommands(theirs, subs), p));
  }

  RedisServerProcess redis_;
  std::unique_ptr<RawRespConnection> ours_[2];
  RawRespConnection theirs_[2];
};

TEST_F(CommandInfoTest, EveryRegisteredCommandMatchesRedis) {
  std::vector<std::string> names = RegisteredCommands();
  ASSERT_GT(names.size(), 100u);
  for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
    for (const std::string& name : names) {
      if (kNewerThan70.contains(name)) continue;
      std::string reply = Ours(p).Call({"COMMAND", "INFO", name});
      ASSERT_TRUE(reply.starts_with("*1\r\n")) << reply;
      ExpectSameEntry(p, name, reply.substr(4));
    }
  }
}

// COMMAND and COMMAND INFO without names: every command once, each as COMMAND INFO <name> has it.
TEST_F(CommandInfoTest, AllCommandsMatchRedis) {
  for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
    std::string all = Ours(p).Call({"COMMAND"});
    EXPECT_EQ(Ours(p).Call({"COMMAND", "INFO"}), all);
    Value v = Parse(all);
    std::string count = Ours(p).Call({"COMMAND", "COUNT"});
    ASSERT_EQ(count, absl::StrCat(":", v.size(), "\r\n"));
    std::set<std::string> seen;
    for (const Value& entry : v.elements()) {
      const std::string name = entry.elements()[0].str();
      EXPECT_TRUE(seen.insert(name).second) << name;
      const std::string raw = resp::ToResp(entry, p);
      EXPECT_EQ(Ours(p).Call({"COMMAND", "INFO", name}), absl::StrCat("*1\r\n", raw));
      ExpectSameEntry(p, name, raw);
    }
  }
}

// 7.0 lacks them; the 7.2 reference gives NOSCRIPT LOADING STALE and @connection, no tips.
TEST_F(CommandInfoTest, Redis72Subcommands) {
  EXPECT_EQ(Ours(Protocol::kResp2).Call({"COMMAND", "INFO", "client|no-touch", "client|setinfo"}),
            "*2\r\n"
            "*10\r\n$15\r\nclient|no-touch\r\n:3\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n"
            ":0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"
            "*10\r\n$14\r\nclient|setinfo\r\n:4\r\n*3\r\n+noscript\r\n+loading\r\n+stale\r\n"
            ":0\r\n:0\r\n:0\r\n*2\r\n+@slow\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n");
}

// Unknown names are null bulks; names are case-insensitive; "parent|sub" is one subcommand.
TEST_F(CommandInfoTest, LookupByNameAndSubcommand) {
  for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
    const std::vector<std::string> argv = {"COMMAND", "INFO",      "nosuch",         "GET",
                                           "get|x",   "client|id", "client|nosuch",  "CLIENT|ID",
                                           "|",       "client|",   "command|getkeys"};
    EXPECT_EQ(Ours(p).Call(argv), Theirs(p).Call(argv));
  }
}

// The key spec shapes embedis's commands do not use yet (keyword, keynum, unknown), written as
// Redis writes XREAD's, EVAL's and SORT's.
TEST_F(CommandInfoTest, KeySpecShapesMatchRedis) {
  KeySpec xread;
  xread.flags = commands::kKeyRO | commands::kKeyAccess;
  xread.begin = KeySpec::Begin::kKeyword;
  xread.keyword = "STREAMS";
  xread.startfrom = 1;
  xread.lastkey = -1;
  xread.limit = 2;
  KeySpec eval;
  eval.notes = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
  eval.flags = commands::kKeyRW | commands::kKeyAccess | commands::kKeyUpdate;
  eval.index = 2;
  eval.find = KeySpec::Find::kKeyNum;
  eval.keynumidx = 0;
  eval.firstkey = 1;
  KeySpec sort_store;
  sort_store.notes =
      "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear "
      "anywhere in the argument array";
  sort_store.flags = commands::kKeyOW | commands::kKeyUpdate;
  sort_store.begin = KeySpec::Begin::kUnknown;
  sort_store.find = KeySpec::Find::kUnknown;
  struct Case {
    const char* command;
    size_t spec_index;
    const KeySpec* spec;
  };
  for (const Case& c :
       {Case{"xread", 0, &xread}, Case{"eval", 0, &eval}, Case{"sort", 2, &sort_store}}) {
    for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
      SCOPED_TRACE(absl::StrCat(c.command, " RESP", static_cast<int>(p)));
      Value theirs = Parse(Theirs(p).Call({"COMMAND", "INFO", c.command})).elements()[0];
      std::string ours;
      resp::Writer w(&ours, p);
      commands::WriteKeySpec(w, *c.spec);
      EXPECT_EQ(ours, resp::ToResp(theirs.elements()[8].elements()[c.spec_index], p));
    }
  }

  // And the keys they find, as Redis's GETKEYS finds them.
  auto keys = [](const KeySpec& spec, std::vector<std::string_view> argv) {
    std::vector<commands::KeyRef> out;
    absl::Status s = commands::AppendKeysBySpec(spec, argv, &out);
    if (!s.ok()) return std::string(s.message());
    std::vector<std::string> names;
    for (const commands::KeyRef& k : out) names.emplace_back(k.key);
    return absl::StrJoin(names, " ");
  };
  EXPECT_EQ(keys(xread, {"xread", "count", "2", "streams", "a", "b", "0", "0"}), "a b");
  EXPECT_EQ(keys(xread, {"xread", "count", "2", "a", "b"}), "");
  EXPECT_EQ(keys(eval, {"eval", "s", "2", "k1", "k2", "arg"}), "k1 k2");
  EXPECT_EQ(keys(eval, {"eval", "s", "0", "arg"}), "");
  EXPECT_EQ(keys(eval, {"eval", "s", "3", "k1"}), "ERR Invalid arguments specified for command");
  EXPECT_EQ(keys(eval, {"eval", "s", "x", "k1"}), "ERR Invalid arguments specified for command");
  EXPECT_EQ(keys(sort_store, {"sort", "k", "store", "d"}), "");
  auto& redis = Theirs(Protocol::kResp2);
  EXPECT_EQ(
      redis.Call({"COMMAND", "GETKEYS", "xread", "count", "2", "streams", "a", "b", "0", "0"}),
      "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  EXPECT_EQ(redis.Call({"COMMAND", "GETKEYS", "eval", "s", "2", "k1", "k2", "arg"}),
            "*2\r\n$2\r\nk1\r\n$2\r\nk2\r\n");
  // EVAL's NO_MANDATORY_KEYS turns a bad count into no keys; ZUNIONSTORE shows Redis's error.
  EXPECT_EQ(redis.Call({"COMMAND", "GETKEYS", "zunionstore", "d", "3", "k1"}),
            "-ERR Invalid arguments specified for command\r\n");
}

// GETKEYS and GETKEYSANDFLAGS, replies and errors, as redis-server gives them.
TEST_F(CommandInfoTest, GetKeysMatchesRedis) {
  const std::vector<std::vector<std::string>> cases = {
      {"GETKEYS"},
      {"GETKEYS", "get"},  // COMMAND GETKEYS needs a command and an argument (7.0: arity -4)
      {"GETKEYS", "nosuch", "a"},
      {"GETKEYS", "get", "a", "b"},
      {"GETKEYS", "ping", "x"},
      {"GETKEYS", "echo", "a", "b"},  // no keys comes before the arity check
      {"GETKEYS", "dbsize", "x"},
      {"GETKEYS", "set", "k", "v"},
      {"GETKEYS", "SET", "k", "v", "GET"},
      {"GETKEYS", "set", "", ""},
      {"GETKEYS", "mset", "a", "1", "b", "2"},
      {"GETKEYS", "mset", "a", "1", "b"},
      {"GETKEYS", "del", "a", "b", "c"},
      {"GETKEYS", "client", "list"},
      {"GETKEYS", "client", "nosuch"},
      {"GETKEYS", "client", "id", "x"},
      {"GETKEYS", "CLIENT"},
      {"GETKEYS", "object", "encoding", "k"},
      {"GETKEYS", "OBJECT", "ENCODING", "k"},
      {"GETKEYS", "object", "encoding"},
      {"GETKEYS", "object", "encoding", "k", "x"},
      {"GETKEYS", "object", "nosuch", "k"},
      {"GETKEYS", "object", "help", "x"},
      {"GETKEYS", "memory", "usage"},
      {"GETKEYS", "memory", "usage", "k", "samples", "5"},
      {"GETKEYS", "config", "get", "x"},
      {"GETKEYS", "command", "getkeys", "get", "k"},
      {"GETKEYS", "command", "x"},
      {"GETKEYS", "exec", "x"},
      {"GETKEYS", "get|x", "k"},
      {"GETKEYS", "swapdb", "0", "1"},
      {"GETKEYS", "watch", "a", "b"},
      {"GETKEYSANDFLAGS"},
      {"GETKEYSANDFLAGS", "get"},
      {"GETKEYSANDFLAGS", "nosuch", "a"},
      {"GETKEYSANDFLAGS", "get", "a", "b"},
      {"GETKEYSANDFLAGS", "ping", "x"},
      {"GETKEYSANDFLAGS", "get", "k"},
      {"GETKEYSANDFLAGS", "set", "k", "v"},
      {"GETKEYSANDFLAGS", "set", "k", "v", "get"},
      {"GETKEYSANDFLAGS", "SET", "k", "v", "GeT", "ex", "10"},
      {"GETKEYSANDFLAGS", "set", "k", "v", "EX", "get"},
      {"GETKEYSANDFLAGS", "set", "k", "get"},  // the value "get" is not the GET option
      {"GETKEYSANDFLAGS", "set", "k", "v", "xx"},
      {"GETKEYSANDFLAGS", "mset", "a", "1", "b", "2"},
      {"GETKEYSANDFLAGS", "msetnx", "a", "1", "b", "2"},
      {"GETKEYSANDFLAGS", "mget", "a", "b"},
      {"GETKEYSANDFLAGS", "rename", "a", "b"},
      {"GETKEYSANDFLAGS", "renamenx", "a", "b"},
      {"GETKEYSANDFLAGS", "copy", "a", "b", "db", "1", "replace"},
      {"GETKEYSANDFLAGS", "del", "a", "b"},
      {"GETKEYSANDFLAGS", "unlink", "a", "b"},
      {"GETKEYSANDFLAGS", "exists", "a", "b"},
      {"GETKEYSANDFLAGS", "getex", "k", "persist"},
      {"GETKEYSANDFLAGS", "getdel", "k"},
      {"GETKEYSANDFLAGS", "hset", "h", "f", "v"},
      {"GETKEYSANDFLAGS", "hsetnx", "h", "f", "v"},
      {"GETKEYSANDFLAGS", "hdel", "h", "f"},
      {"GETKEYSANDFLAGS", "append", "k", "v"},
      {"GETKEYSANDFLAGS", "memory", "usage", "k"},
      {"GETKEYSANDFLAGS", "object", "freq", "k"},
      {"GETKEYSANDFLAGS", "watch", "a", "b"},
      {"GETKEYSANDFLAGS", "client", "list"},
      // SORT's keys come from its own rule (Redis's sortGetKeys), not from its key specs.
      {"GETKEYS", "sort", "a"},
      {"GETKEYS", "sort", "a", "store", "b"},
      {"GETKEYS", "sort", "a", "store", "b", "by", "w_*", "get", "x", "limit", "0", "1"},
      {"GETKEYS", "sort", "a", "limit", "0", "store", "b"},
      {"GETKEYS", "sort", "a", "store", "b", "store", "c"},
      {"GETKEYS", "sort", "a", "store"},
      {"GETKEYS", "sort", "a", "get", "store", "b"},
      {"GETKEYS", "SORT", "a", "STORE", "b"},
      {"GETKEYS", "sort"},
      {"GETKEYS", "sort_ro", "a", "by", "x_*"},
      {"GETKEYSANDFLAGS", "sort", "a", "store", "b"},
      {"GETKEYSANDFLAGS", "sort_ro", "a", "get", "#"},
      // BITFIELD: RO for GETs and OVERFLOWs only, RW for a write or a syntax error.
      {"GETKEYSANDFLAGS", "bitfield", "k"},
      {"GETKEYSANDFLAGS", "bitfield", "k", "get", "u8", "0", "overflow", "sat"},
      {"GETKEYSANDFLAGS", "bitfield", "k", "GET", "u8", "0", "incrby", "u8", "0", "1"},
      {"GETKEYSANDFLAGS", "bitfield", "k", "set", "u8", "0", "1"},
      {"GETKEYSANDFLAGS", "bitfield", "k", "get"},
      {"GETKEYSANDFLAGS", "bitfield", "k", "overflow"},
      {"GETKEYSANDFLAGS", "bitfield", "k", "set", "u8", "0"},
      {"GETKEYSANDFLAGS", "bitfield_ro", "k", "get", "u8", "0"},
      {"GETKEYSANDFLAGS", "lcs", "a", "b"},
  };
  for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
    for (const std::vector<std::string>& c : cases) {
      std::vector<std::string> argv = {"COMMAND"};
      argv.insert(argv.end(), c.begin(), c.end());
      SCOPED_TRACE(absl::StrCat(absl::StrJoin(argv, " "), " RESP", static_cast<int>(p)));
      EXPECT_EQ(Ours(p).Call(argv), Theirs(p).Call(argv));
    }
  }
}

// Every key of every registered command with keys, as GETKEYSANDFLAGS finds it for a call of the
// command's minimum arity.
TEST_F(CommandInfoTest, GetKeysAndFlagsForEveryCommandMatchesRedis) {
  for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
    for (const std::string& name : RegisteredCommands()) {
      if (kNewerThan70.contains(name)) continue;
      Value info = Parse(Ours(Protocol::kResp2).Call({"COMMAND", "INFO", name})).elements()[0];
      const int64_t arity = info.elements()[1].integer();
      std::vector<std::string> argv = {"COMMAND", "GETKEYSANDFLAGS"};
      const size_t bar = name.find('|');
      argv.push_back(name.substr(0, bar));
      if (bar != std::string::npos) argv.push_back(name.substr(bar + 1));
      while (argv.size() - 2 <
             static_cast<size_t>(std::max<int64_t>(arity < 0 ? -arity : arity, 2)))
        argv.push_back(absl::StrCat("a", argv.size()));
      if (arity < 0) argv.push_back("extra");
      SCOPED_TRACE(absl::StrCat(absl::StrJoin(argv, " "), " RESP", static_cast<int>(p)));
      EXPECT_EQ(Ours(p).Call(argv), Theirs(p).Call(argv));
    }
  }
}

// COMMAND's own subcommands: HELP's text, and arity and unknown-subcommand errors.
TEST_F(CommandInfoTest, CommandSubcommandsMatchRedis) {
  for (Protocol p : {Protocol::kResp2, Protocol::kResp3}) {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"COMMAND", "HELP"},
             {"COMMAND", "help", "x"},
             {"COMMAND", "COUNT", "x"},
             {"COMMAND", "NOSUCH"},
             {"command", "nosuch", "x"},
             {"COMMAND", "LIST", "x"},
             {"COMMAND", "INFO", "command|info", "command|getkeys", "command|count"},
             {"COMMAND", "DOCS", "nosuch"},
         }) {
      SCOPED_TRACE(absl::StrCat(absl::StrJoin(argv, " "), " RESP", static_cast<int>(p)));
      EXPECT_EQ(Ours(p).Call(argv), Theirs(p).Call(argv));
    }
  }
}

}  // namespace
}  // namespace embedis::testing
