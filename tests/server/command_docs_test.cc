// COMMAND DOCS against a real redis-server 7.0: the complexity, history, deprecation and argument
// specs (names, types, tokens, flags, key_spec_index, since, nesting) embedis returns must be the
// ones Redis returns, field for field and in Redis's order.
//
// Deliberate differences, not compared:
//   - "summary": embedis's CommandSpecs carry Redis 7.2's wording, 7.0 has older sentences.
//   - subcommands embedis does not implement (a container lists only its registered ones).
//   - CLIENT SETINFO and CLIENT NO-TOUCH, which 7.0 lacks, are checked against the 7.2 reference.
#include "lib/commands/command_docs.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
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

using commands::ArgType;
using resp::Value;

Value Parse(const std::string& raw) { return ParseReply(raw); }

// The value under `key` in a RESP3 map, or nullptr.
const Value* Get(const Value& map, std::string_view key) {
  if (map.type() != resp::Type::kMap) return nullptr;
  const std::vector<Value>& kv = map.elements();
  for (size_t i = 0; i + 1 < kv.size(); i += 2) {
    if (kv[i].str() == key) return &kv[i + 1];
  }
  return nullptr;
}

std::vector<std::string> Keys(const Value& map) {
  std::vector<std::string> keys;
  for (size_t i = 0; i + 1 < map.elements().size(); i += 2) keys.push_back(map.elements()[i].str());
  return keys;
}

std::string Show(const Value* v) { return v == nullptr ? "(absent)\n" : v->DebugString(); }

// What RESP2 makes of a RESP3 value: maps become flat arrays, sets arrays.
Value ToResp2(const Value& v) {
  if (!v.is_aggregate()) return v;
  std::vector<Value> out;
  for (const Value& e : v.elements()) out.push_back(ToResp2(e));
  return Value::Array(std::move(out));
}

// Expects embedis's docs map `ours` for `name` to match Redis's `theirs` in every field but the
// deliberate differences above; subcommands are compared one by one.
void ExpectSameDocs(const std::string& name, const Value& ours, const Value& theirs) {
  SCOPED_TRACE(name);
  ASSERT_EQ(ours.type(), resp::Type::kMap) << ours.DebugString();
  ASSERT_EQ(theirs.type(), resp::Type::kMap) << theirs.DebugString();
  auto fields = [](const Value& m) {
    std::vector<std::string> keys = Keys(m);
    std::erase_if(keys, [](const std::string& k) { return k == "summary" || k == "subcommands"; });
    return keys;
  };
  EXPECT_EQ(fields(ours), fields(theirs));
  for (const std::string& key : fields(theirs)) {
    const Value* a = Get(ours, key);
    const Value* b = Get(theirs, key);
    EXPECT_TRUE(a != nullptr && *a == *b) << key << "\nembedis:\n"
                                          << Show(a) << "redis:\n"
                                          << Show(b);
  }
  if (const Value* subs = Get(ours, "subcommands")) {
    const Value* their_subs = Get(theirs, "subcommands");
    ASSERT_NE(their_subs, nullptr);
    for (const std::string& sub : Keys(*subs)) {
      if (kNewerThan70.contains(sub)) continue;
      const Value* b = Get(*their_subs, sub);
      ASSERT_NE(b, nullptr) << sub << " is not a Redis subcommand";
      ExpectSameDocs(sub, *Get(*subs, sub), *b);
    }
  }
}

class CommandDocsTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    absl::Status s = redis_.Start();
    ASSERT_TRUE(s.ok()) << s;
    ours_ = Connect();
    ASSERT_TRUE(theirs_.Connect(redis_.port()).ok());
    ASSERT_TRUE(ours_->Call({"HELLO", "3"}).starts_with("%"));
    ASSERT_TRUE(theirs_.Call({"HELLO", "3"}).starts_with("%"));
  }

  // COMMAND DOCS <name>: the docs map, or a null if the server does not know `name`.
  static Value Docs(RawRespConnection& c, const std::string& name) {
    Value reply = Parse(c.Call({"COMMAND", "DOCS", name}));
    EXPECT_EQ(reply.type(), resp::Type::kMap) << reply.DebugString();
    if (reply.size() == 0) return Value::Null();
    EXPECT_EQ(reply.elements()[0].str(), name);
    return reply.elements()[1];
  }

  void ExpectMatchesRedis(const std::string& name) {
    Value ours = Docs(*ours_, name);
    Value theirs = Docs(theirs_, name);
    ASSERT_FALSE(ours.is_null()) << name << " is unknown to embedis";
    ASSERT_FALSE(theirs.is_null()) << name << " is unknown to redis-server";
    ExpectSameDocs(name, ours, theirs);
  }

  // Every command and subcommand the server registers ("client|kill").
  std::vector<std::string> RegisteredCommands() {
    Value list = Parse(ours_->Call({"COMMAND", "LIST"}));
    std::vector<std::string> names;
    for (const Value& v : list.elements()) names.push_back(v.str());
    std::sort(names.begin(), names.end());
    return names;
  }

  RedisServerProcess redis_;
  std::unique_ptr<RawRespConnection> ours_;
  RawRespConnection theirs_;
};

TEST_F(CommandDocsTest, RepresentativeCommandsMatchRedis) {
  for (const std::string name :
       {"set",    "get",         "expire",      "expireat",   "hset",       "scan",
        "hscan",  "client|kill", "client|list", "config|set", "config|get", "mset",
        "msetnx", "getex",       "hrandfield",  "copy",       "rename",     "getset",
        "hmset",  "del",         "shutdown",    "hello",      "auth",       "flushall",
        "info",   "incrbyfloat", "keys",        "client",     "config",     "object"}) {
    ExpectMatchesRedis(name);
  }
}

TEST_F(CommandDocsTest, EveryRegisteredCommandMatchesRedis) {
  std::vector<std::string> names = RegisteredCommands();
  ASSERT_GT(names.size(), 80u);
  for (const std::string& name : names) {
    if (kNewerThan70.contains(name)) continue;
    ExpectMatchesRedis(name);
  }
}

TEST_F(CommandDocsTest, EveryRegisteredCommandIsDocumented) {
  for (const std::string& name : RegisteredCommands()) {
    if (name == "monitor") continue;  // Redis documents no complexity for MONITOR alone
    EXPECT_NE(Get(Docs(*ours_, name), "complexity"), nullptr) << name;
  }
}

TEST_F(CommandDocsTest, TransactionCommands) {
  for (const char* name : {"multi", "exec", "discard", "unwatch"}) {
    const commands::CommandSpec* spec = server_->table().Find(name);
    ASSERT_NE(spec, nullptr) << name;
    EXPECT_TRUE(spec->args.empty()) << name;
  }
  const commands::CommandSpec* watch = server_->table().Find("WATCH");
  ASSERT_NE(watch, nullptr);
  ASSERT_EQ(watch->args.size(), 1u);
  EXPECT_EQ(watch->args[0].name, "key");
  EXPECT_EQ(watch->args[0].type, ArgType::kKey);
  EXPECT_EQ(watch->args[0].key_spec_index, 0);
  EXPECT_EQ(watch->args[0].flags, commands::kArgMultiple);
}

// 7.0 lacks them; these are the 7.2 reference's specs without display_text.
TEST_F(CommandDocsTest, Redis72Subcommands) {
  auto arg = [](std::vector<std::pair<std::string, Value>> fields) {
    std::vector<std::pair<Value, Value>> pairs;
    for (auto& [k, v] : fields) pairs.emplace_back(Value::BulkString(k), std::move(v));
    return Value::Map(std::move(pairs));
  };
  auto s = [](const char* text) { return Value::BulkString(text); };
  auto token = [&](const char* name, const char* tok) {
    return arg({{"name", s(name)}, {"type", s("pure-token")}, {"token", s(tok)}});
  };
  Value no_touch = Docs(*ours_, "client|no-touch");
  EXPECT_EQ(*Get(no_touch, "complexity"), s("O(1)"));
  EXPECT_EQ(
      *Get(no_touch, "arguments"),
      Value::Array({arg({{"name", s("enabled")},
                         {"type", s("oneof")},
                         {"arguments", Value::Array({token("on", "ON"), token("off", "OFF")})}})}))
      << Get(no_touch, "arguments")->DebugString();
  Value setinfo = Docs(*ours_, "client|setinfo");
  EXPECT_EQ(*Get(setinfo, "since"), s("7.2.0"));
  EXPECT_EQ(*Get(setinfo, "arguments"),
            Value::Array({arg({{"name", s("attr")},
                               {"type", s("oneof")},
                               {"arguments", Value::Array({arg({{"name", s("libname")},
                                                                {"type", s("string")},
                                                                {"token", s("lib-name")}}),
                                                           arg({{"name", s("libver")},
                                                                {"type", s("string")},
                                                                {"token", s("lib-ver")}})})}})}))
      << Get(setinfo, "arguments")->DebugString();
}

// RESP2 clients get the same tree with maps flattened and sets as arrays, as from Redis.
TEST_F(CommandDocsTest, Resp2IsFlattenedResp3) {
  auto ours2 = Connect();
  RawRespConnection theirs2;
  ASSERT_TRUE(theirs2.Connect(redis_.port()).ok());
  for (const std::string name : {"set", "getset", "client|kill", "config", "hello"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(Parse(ours2->Call({"COMMAND", "DOCS", name})),
              ToResp2(Parse(ours_->Call({"COMMAND", "DOCS", name}))));
    EXPECT_EQ(Parse(theirs2.Call({"COMMAND", "DOCS", name})),
              ToResp2(Parse(theirs_.Call({"COMMAND", "DOCS", name}))));
  }
}

TEST_F(CommandDocsTest, LookupByNameAndSubcommand) {
  // Unknown names are skipped; "parent|sub" documents one subcommand; names are case-insensitive.
  for (RawRespConnection* c : {ours_.get(), &theirs_}) {
    Value reply =
        Parse(c->Call({"COMMAND", "DOCS", "nosuch", "GET", "client|nosuch", "CLIENT|KILL"}));
    ASSERT_EQ(reply.type(), resp::Type::kMap);
    EXPECT_EQ(Keys(reply), (std::vector<std::string>{"get", "client|kill"}));
  }
}

}  // namespace
}  // namespace embedis::testing
