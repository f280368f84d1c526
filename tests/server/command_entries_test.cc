// One entry per command: every command and subcommand embedis-server registers carries all of its
// facts in its CommandSpec (command_table.h), and the legacy key positions COMMAND INFO reports
// are derived from its key specs (DeriveKeyPositions), as Redis derives them. The facts are
// checked against a real redis-server 7.0 where Redis has them (which commands document
// arguments; first/last/step and movablekeys of every command); command_info_test.cc and
// command_docs_test.cc compare the whole COMMAND INFO and COMMAND DOCS replies.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/resp/value.h"
#include "tests/server/command_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

using commands::ArgDoc;
using commands::ArgType;
using commands::CommandSpec;
using commands::KeySpec;
using resp::Value;

// A registered command or subcommand with its full name ("client|kill").
struct Entry {
  std::string name;
  const CommandSpec* spec;
  const CommandSpec* parent;  // nullptr for a command
};

std::vector<Entry> AllEntries(const commands::CommandTable& table) {
  std::vector<Entry> out;
  for (const CommandSpec* spec : table.All()) {
    out.push_back({spec->name, spec, nullptr});
    for (const CommandSpec& sub : spec->subcommands) {
      out.push_back({absl::StrCat(spec->name, "|", sub.name), &sub, spec});
    }
  }
  return out;
}

// An argument list's keys, nested ones too.
void CollectKeyArgs(const std::vector<ArgDoc>& args, std::vector<const ArgDoc*>* out) {
  for (const ArgDoc& a : args) {
    if (a.key_spec_index >= 0) out->push_back(&a);
    CollectKeyArgs(a.args, out);
  }
}

void ExpectWellFormedArg(const std::string& cmd, const ArgDoc& a) {
  EXPECT_FALSE(a.name.empty()) << cmd;
  // Keys name their key spec; so may patterns of key names (SORT's BY and GET), nothing else.
  if (a.type != ArgType::kPattern) {
    EXPECT_EQ(a.type == ArgType::kKey, a.key_spec_index >= 0) << cmd << " " << a.name;
  }
  const bool nested = a.type == ArgType::kOneOf || a.type == ArgType::kBlock;
  EXPECT_EQ(nested, !a.args.empty()) << cmd << " " << a.name;
  if (a.type == ArgType::kPureToken) {
    EXPECT_FALSE(a.token.empty()) << cmd << " " << a.name;
  }
  for (const ArgDoc& sub : a.args) ExpectWellFormedArg(cmd, sub);
}

class CommandEntries : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    absl::Status s = redis_.Start();
    ASSERT_TRUE(s.ok()) << s;
    ASSERT_TRUE(theirs_.Connect(redis_.port()).ok());
  }

  RedisServerProcess redis_;
  RawRespConnection theirs_;
};

// Every command and subcommand has its summary, since, group (its own or its container's) and
// complexity; arguments wherever Redis documents arguments; key specs with one of RW/RO/OW/RM, a
// key argument for each key spec and a key spec for each key argument; key positions exactly when
// it has key specs.
TEST_F(CommandEntries, EveryCommandHasItsFacts) {
  const std::vector<Entry> entries = AllEntries(server_->table());
  ASSERT_GE(entries.size(), 140u);
  for (const Entry& e : entries) {
    SCOPED_TRACE(e.name);
    const CommandSpec& s = *e.spec;
    EXPECT_EQ(s.name, commands::AsciiLower(s.name));
    EXPECT_FALSE(s.summary.empty());
    EXPECT_FALSE(s.since.empty());
    EXPECT_FALSE(s.group.empty() && (e.parent == nullptr || e.parent->group.empty()));
    // Redis documents no complexity for MONITOR alone.
    EXPECT_EQ(s.complexity.empty(), s.name == "monitor");
    EXPECT_EQ(s.deprecated_since.empty(), s.replaced_by.empty());
    // A container has no handler of its own but COMMAND's; every other entry has one.
    EXPECT_TRUE(s.handler || !s.subcommands.empty());
    for (const ArgDoc& a : s.args) ExpectWellFormedArg(e.name, a);

    for (const KeySpec& ks : s.key_specs) {
      const int access =
          ((ks.flags & commands::kKeyRW) ? 1 : 0) + ((ks.flags & commands::kKeyRO) ? 1 : 0) +
          ((ks.flags & commands::kKeyOW) ? 1 : 0) + ((ks.flags & commands::kKeyRM) ? 1 : 0);
      // Redis's NOT_KEY specs (SSUBSCRIBE's shard channels) have no access flag.
      if ((ks.flags & commands::kKeyNotKey) == 0) {
        EXPECT_EQ(access, 1);
      }
      EXPECT_EQ((ks.flags & commands::kKeyVariableFlags) != 0, ks.flags_for != nullptr);
    }
    std::vector<const ArgDoc*> key_args;
    CollectKeyArgs(s.args, &key_args);
    std::vector<bool> spec_used(s.key_specs.size(), false);
    for (const ArgDoc* a : key_args) {
      ASSERT_LT(a->key_spec_index, static_cast<int>(s.key_specs.size())) << a->name;
      spec_used[a->key_spec_index] = true;
    }
    for (size_t i = 0; i < spec_used.size(); ++i) {
      // A NOT_KEY spec's argument is documented as a string, not a key (Redis's SPUBLISH).
      if ((s.key_specs[i].flags & commands::kKeyNotKey) != 0) continue;
      EXPECT_TRUE(spec_used[i]) << "key spec " << i;
    }
    // Key positions (or movablekeys) exactly when there are key specs.
    EXPECT_EQ(s.first_key > 0 || (s.flags & commands::kMovableKeys) != 0, !s.key_specs.empty());

    // Redis documents arguments for it: so does its entry (and the other way round).
    if (kNewerThan70.contains(e.name)) continue;
    Value theirs = ParseReply(theirs_.Call({"COMMAND", "DOCS", e.name}));
    ASSERT_EQ(theirs.size(), 2u) << "unknown to redis-server";
    const std::vector<Value>& doc = theirs.elements()[1].elements();
    bool redis_has_args = false;
    for (size_t i = 0; i + 1 < doc.size(); i += 2) {
      if (doc[i].str() == "arguments") redis_has_args = true;
    }
    EXPECT_EQ(!s.args.empty(), redis_has_args);
  }
}

// first/last/step come from the key specs, never from the entry: one range as it is, two ranges
// that follow each other as one, a key count (LMPOP) none at all and movablekeys. Every command's
// derived positions and movablekeys are redis-server's.
TEST_F(CommandEntries, KeyPositionsAreDerivedFromKeySpecs) {
  struct Want {
    const char* name;
    int first, last, step;
    bool movable;
  };
  for (const Want& w : {
           Want{"get", 1, 1, 1, false},
           Want{"mset", 1, -1, 2, false},
           Want{"blpop", 1, -2, 1, false},
           Want{"lmpop", 0, 0, 0, true},
           Want{"blmpop", 0, 0, 0, true},
           Want{"rename", 1, 2, 1, false},
           Want{"copy", 1, 2, 1, false},
           Want{"blmove", 1, 2, 1, false},
           Want{"del", 1, -1, 1, false},
           Want{"ping", 0, 0, 0, false},
       }) {
    SCOPED_TRACE(w.name);
    const CommandSpec* s = server_->table().Find(w.name);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->first_key, w.first);
    EXPECT_EQ(s->last_key, w.last);
    EXPECT_EQ(s->key_step, w.step);
    EXPECT_EQ((s->flags & commands::kMovableKeys) != 0, w.movable);
  }
  const CommandSpec* memory = server_->table().Find("memory");
  ASSERT_NE(memory, nullptr);
  for (const CommandSpec& sub : memory->subcommands) {
    if (sub.name == "usage") {
      EXPECT_EQ(sub.first_key, 2);
    }
  }

  // Against redis-server: COMMAND INFO's fields 3-5 and whether "movablekeys" is among its flags.
  for (const Entry& e : AllEntries(server_->table())) {
    if (kNewerThan70.contains(e.name)) continue;
    SCOPED_TRACE(e.name);
    Value theirs = ParseReply(theirs_.Call({"COMMAND", "INFO", e.name}));
    ASSERT_EQ(theirs.size(), 1u);
    const Value& info = theirs.elements()[0];
    ASSERT_FALSE(info.is_null()) << "unknown to redis-server";
    bool movable = false;
    for (const Value& f : info.elements()[2].elements()) movable |= f.str() == "movablekeys";
    EXPECT_EQ(e.spec->first_key, info.elements()[3].integer());
    EXPECT_EQ(e.spec->last_key, info.elements()[4].integer());
    EXPECT_EQ(e.spec->key_step, info.elements()[5].integer());
    EXPECT_EQ((e.spec->flags & commands::kMovableKeys) != 0, movable);
  }
}

// DeriveKeyPositions on its own, for key spec shapes no registered command has yet: Redis's
// rules (populateCommandLegacyRangeSpec).
TEST(DeriveKeyPositions, FollowsRedis) {
  using namespace commands::describe;  // NOLINT: the entry helpers
  auto derive = [](std::vector<KeySpec> specs, uint32_t flags = 0) {
    CommandSpec s{.name = "x", .arity = -2, .flags = flags | commands::kMovableKeys};
    s.key_specs = std::move(specs);
    commands::DeriveKeyPositions(&s);
    return std::vector<int>{s.first_key, s.last_key, s.key_step,
                            (s.flags & commands::kMovableKeys) ? 1 : 0};
  };
  using V = std::vector<int>;
  EXPECT_EQ(derive({}), (V{0, 0, 0, 0}));  // no keys: not movable, whatever was declared
  EXPECT_EQ(derive({Keys(1, RO)}), (V{1, 1, 1, 0}));
  EXPECT_EQ(derive({Keys(1, OW, -1, 2)}), (V{1, -1, 2, 0}));
  EXPECT_EQ(derive({Keys(1, RW, 1), Keys(3, RW)}), (V{1, 3, 1, 0}));  // adjacent ranges merge
  // Not adjacent (SMOVE-like gap): the first range only, and movablekeys.
  EXPECT_EQ(derive({Keys(1, RW), Keys(3, RW)}), (V{1, 1, 1, 1}));
  // A range then a key count (ZUNIONSTORE): the range, and movablekeys.
  EXPECT_EQ(derive({Keys(1, OW), KeyNum(2, RO)}), (V{1, 1, 1, 1}));
  // A keyword (XREAD's STREAMS): nothing but movablekeys.
  EXPECT_EQ(derive({KeywordKeys("STREAMS", 1, RO, -1, 2)}), (V{0, 0, 0, 1}));
  KeySpec incomplete = Keys(1, RO);
  incomplete.flags |= commands::kKeyIncomplete;
  EXPECT_EQ(derive({incomplete}), (V{1, 1, 1, 1}));
  // A range to the end as the first of two: the end wins (Redis compares unsigned).
  EXPECT_EQ(derive({Keys(1, RW, -1), Keys(2, RW)}), (V{1, -1, 1, 1}));
}

}  // namespace
}  // namespace embedis::testing
