// The set commands: SADD, SREM, SCARD, SISMEMBER, SMISMEMBER, SMEMBERS, SRANDMEMBER, SPOP, SMOVE,
// SINTER, SINTERSTORE, SINTERCARD, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN.
//
// Replies, error texts and the order of checks follow redis-server 7.0.15
// (tests/commands/set_differential_test.cc compares byte for byte, RESP2 and RESP3). Observable
// details: SRANDMEMBER and SPOP refuse extra arguments with a syntax error before parsing the
// count, and parse the count before looking at the key; SRANDMEMBER with a count always replies an
// array, SPOP with a count always a set (RESP3 `~`), as do SMEMBERS, SINTER, SUNION and SDIFF;
// SINTER/SUNION/SDIFF check every key's type before computing (WRONGTYPE even after a missing
// key); SSCAN reads its cursor before the key and its options after it (a missing key with bad
// options is an empty page).
//
// The handlers only parse arguments and write replies; the work is in set_ops.h.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/propagation.h"
#include "lib/commands/set_ops.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

using set_ops::SetOp;

// Replies r's value with reply(value), or its error.
template <typename T, typename Reply>
void ReplyOr(CommandContext& ctx, const absl::StatusOr<T>& r, Reply&& reply) {
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  reply(*r);
}

void ReplyInteger(CommandContext& ctx, const absl::StatusOr<int64_t>& r) {
  ReplyOr(ctx, r, [&](int64_t n) { ctx.reply->Integer(n); });
}

// A set reply (RESP3 `~`, RESP2 an array).
void ReplySet(CommandContext& ctx, const absl::StatusOr<std::vector<std::string>>& r) {
  ReplyOr(ctx, r, [&](const std::vector<std::string>& members) {
    ctx.reply->SetHeader(members.size());
    for (const std::string& m : members) ctx.reply->BulkString(m);
  });
}

int db(const CommandContext& ctx) { return ctx.client->db; }

void CmdSAdd(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, set_ops::Add(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2)));
}

void CmdSRem(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, set_ops::Rem(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2)));
}

void CmdSCard(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, set_ops::Card(*ctx.keyspace, db(ctx), argv[1]));
}

void CmdSIsMember(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, set_ops::IsMember(*ctx.keyspace, db(ctx), argv[1], argv[2]),
          [&](bool present) { ctx.reply->Integer(present ? 1 : 0); });
}

void CmdSMIsMember(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, set_ops::MIsMember(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2)),
          [&](const std::vector<bool>& present) {
            ctx.reply->ArrayHeader(present.size());
            for (bool p : present) ctx.reply->Integer(p ? 1 : 0);
          });
}

void CmdSMembers(CommandContext& ctx, Args argv) {
  ReplySet(ctx, set_ops::Members(*ctx.keyspace, db(ctx), argv[1]));
}

// SRANDMEMBER key [count].
void CmdSRandMember(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return ReplyError(ctx, errors::kSyntax);
  if (argv.size() == 2) {
    return ReplyOr(ctx, set_ops::RandMember(*ctx.keyspace, db(ctx), argv[1]),
                   [&](const std::optional<std::string>& m) {
                     if (!m.has_value()) return ctx.reply->Null();
                     ctx.reply->BulkString(*m);
                   });
  }
  int64_t count;
  if (!ParseInt64(argv[2], &count)) return ReplyError(ctx, errors::kNotInteger);
  if (count == std::numeric_limits<int64_t>::min()) {
    return ReplyError(ctx, errors::kCountOutOfLongRange);
  }
  ReplyOr(ctx, set_ops::RandMembers(*ctx.keyspace, db(ctx), argv[1], count),
          [&](const std::vector<std::string>& members) {
            ctx.reply->ArrayHeader(members.size());
            for (const std::string& m : members) ctx.reply->BulkString(m);
          });
}

// SPOP key [count].
void CmdSPop(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return ReplyError(ctx, errors::kSyntax);
  if (argv.size() == 2) {
    return ReplyOr(ctx, set_ops::Pop(*ctx.keyspace, db(ctx), argv[1]),
                   [&](const std::optional<std::string>& m) {
                     if (!m.has_value()) return ctx.reply->Null();
                     if (Propagating()) Propagate(ctx, {"SREM", std::string(argv[1]), *m});
                     ctx.reply->BulkString(*m);
                   });
  }
  int64_t count;
  if (!ParseInt64(argv[2], &count) || count < 0) return ReplyError(ctx, errors::kMustBePositive);
  auto popped = set_ops::PopCount(*ctx.keyspace, db(ctx), argv[1], static_cast<uint64_t>(count));
  if (Propagating() && popped.ok() && !popped->empty()) {
    std::vector<std::string> srem = {"SREM", std::string(argv[1])};
    srem.insert(srem.end(), popped->begin(), popped->end());
    Propagate(ctx, std::move(srem));
  }
  ReplySet(ctx, std::move(popped));
}

void CmdSMove(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, set_ops::Move(*ctx.keyspace, db(ctx), argv[1], argv[2], argv[3]),
          [&](bool moved) { ctx.reply->Integer(moved ? 1 : 0); });
}

void Combine(CommandContext& ctx, Args argv, SetOp op) {
  ReplySet(ctx, set_ops::Combine(*ctx.keyspace, db(ctx), argv.subspan(1), op));
}
void Store(CommandContext& ctx, Args argv, SetOp op) {
  ReplyInteger(ctx, set_ops::Store(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2), op));
}

void CmdSInter(CommandContext& ctx, Args argv) { Combine(ctx, argv, SetOp::kInter); }
void CmdSUnion(CommandContext& ctx, Args argv) { Combine(ctx, argv, SetOp::kUnion); }
void CmdSDiff(CommandContext& ctx, Args argv) { Combine(ctx, argv, SetOp::kDiff); }
void CmdSInterStore(CommandContext& ctx, Args argv) { Store(ctx, argv, SetOp::kInter); }
void CmdSUnionStore(CommandContext& ctx, Args argv) { Store(ctx, argv, SetOp::kUnion); }
void CmdSDiffStore(CommandContext& ctx, Args argv) { Store(ctx, argv, SetOp::kDiff); }

// SINTERCARD numkeys key [key ...] [LIMIT limit].
void CmdSInterCard(CommandContext& ctx, Args argv) {
  int64_t numkeys;
  if (!ParseInt64(argv[1], &numkeys) || numkeys < 1) {
    return ReplyError(ctx, errors::kNumKeysNotPositive);
  }
  if (numkeys > static_cast<int64_t>(argv.size()) - 2) {
    return ReplyError(ctx, errors::kNumKeysOverArgs);
  }
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "limit") && i + 1 < argv.size()) {
      if (!ParseInt64(argv[++i], &limit) || limit < 0) {
        return ReplyError(ctx, errors::kLimitNegative);
      }
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  ReplyInteger(
      ctx, set_ops::InterCard(*ctx.keyspace, db(ctx), argv.subspan(2, static_cast<size_t>(numkeys)),
                              static_cast<uint64_t>(limit)));
}

// SSCAN key cursor [MATCH pattern] [COUNT count].
void CmdSScan(CommandContext& ctx, Args argv) {
  absl::StatusOr<uint64_t> cursor = ParseScanCursor(argv[2]);
  if (!cursor.ok()) return ReplyStatus(ctx, cursor.status());
  absl::StatusOr<ScanArgs> options = ParseScanArgs(argv.subspan(3), /*allow_type=*/false);
  auto reply_page = [&](const set_ops::ScanPage& page) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->BulkString(absl::StrCat(page.cursor));
    ctx.reply->ArrayHeader(page.members.size());
    for (const std::string& m : page.members) ctx.reply->BulkString(m);
  };
  if (!options.ok()) {
    // Redis reads the options only for an existing set: a missing key is an empty page, another
    // type WRONGTYPE.
    return ReplyOr(ctx, set_ops::Card(*ctx.keyspace, db(ctx), argv[1]), [&](int64_t n) {
      if (n == 0) return reply_page({});
      ReplyStatus(ctx, options.status());
    });
  }
  ReplyOr(ctx,
          set_ops::Scan(*ctx.keyspace, db(ctx), argv[1], *cursor,
                        static_cast<size_t>(options->count), options->match.value_or("")),
          reply_page);
}

constexpr std::string_view kInterComplexity =
    "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
    "sets.";
constexpr std::string_view kUnionComplexity =
    "O(N) where N is the total number of elements in all given sets.";

}  // namespace

void RegisterSetFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register({.name = "sadd",
                   .arity = -3,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .group = "set",
                   .summary = "Add one or more members to a set",
                   .since = "1.0.0",
                   .complexity =
                       "O(1) for each element added, so O(N) to add N elements when the command "
                       "is called with multiple arguments.",
                   .history = {{"2.4.0", "Accepts multiple `member` arguments."}},
                   .args = {Key("key"), Str("member").Multi()},
                   .handler = CmdSAdd});
  table->Register({.name = "srem",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, RW | DELETE)},
                   .group = "set",
                   .summary = "Remove one or more members from a set",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of members to be removed.",
                   .history = {{"2.4.0", "Accepts multiple `member` arguments."}},
                   .args = {Key("key"), Str("member").Multi()},
                   .handler = CmdSRem});
  table->Register({.name = "scard",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, RO)},
                   .group = "set",
                   .summary = "Get the number of members in a set",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdSCard});
  table->Register({.name = "sismember",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, RO)},
                   .group = "set",
                   .summary = "Determine if a given value is a member of a set",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("member")},
                   .handler = CmdSIsMember});
  table->Register(
      {.name = "smismember",
       .arity = -3,
       .flags = kReadOnly | kFast,
       .acl = kAclSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "set",
       .summary = "Returns the membership associated with the given elements for a set",
       .since = "6.2.0",
       .complexity = "O(N) where N is the number of elements being checked for membership",
       .args = {Key("key"), Str("member").Multi()},
       .handler = CmdSMIsMember});
  table->Register({.name = "smembers",
                   .arity = 2,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "set",
                   .summary = "Get all the members in a set",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the set cardinality.",
                   .args = {Key("key")},
                   .handler = CmdSMembers});
  table->Register({.name = "srandmember",
                   .arity = -2,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "set",
                   .summary = "Get one or multiple random members from a set",
                   .since = "1.0.0",
                   .complexity = "Without the count argument O(1), otherwise O(N) where N is the "
                                 "absolute value of the passed count.",
                   .history = {{"2.6.0", "Added the optional `count` argument."}},
                   .args = {Key("key"), Int("count").Since("2.6.0").Opt()},
                   .handler = CmdSRandMember});
  table->Register({.name = "spop",
                   .arity = -2,
                   .flags = kWrite | kFast,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output"},
                   .key_specs = {Keys(1, RW | ACCESS | DELETE)},
                   .group = "set",
                   .summary = "Remove and return one or multiple random members from a set",
                   .since = "1.0.0",
                   .complexity = "Without the count argument O(1), otherwise O(N) where N is the "
                                 "value of the passed count.",
                   .history = {{"3.2.0", "Added the `count` argument."}},
                   .args = {Key("key"), Int("count").Since("3.2.0").Opt()},
                   .handler = CmdSPop});
  table->Register({.name = "smove",
                   .arity = 4,
                   .flags = kWrite | kFast,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, RW | INSERT)},
                   .group = "set",
                   .summary = "Move a member from one set to another",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("source"), Key("destination", 1), Str("member")},
                   .handler = CmdSMove});
  table->Register({.name = "sinter",
                   .arity = -2,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS, -1)},
                   .group = "set",
                   .summary = "Intersect multiple sets",
                   .since = "1.0.0",
                   .complexity = kInterComplexity,
                   .args = {Key("key").Multi()},
                   .handler = CmdSInter});
  table->Register({.name = "sinterstore",
                   .arity = -3,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, RW | UPDATE), Keys(2, RO | ACCESS, -1)},
                   .group = "set",
                   .summary = "Intersect multiple sets and store the resulting set in a key",
                   .since = "1.0.0",
                   .complexity = kInterComplexity,
                   .args = {Key("destination"), Key("key", 1).Multi()},
                   .handler = CmdSInterStore});
  table->Register({.name = "sintercard",
                   .arity = -3,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .key_specs = {KeyNum(1, RO | ACCESS)},
                   .group = "set",
                   .summary = "Intersect multiple sets and return the cardinality of the result",
                   .since = "7.0.0",
                   .complexity = kInterComplexity,
                   .args = {Int("numkeys"), Key("key").Multi(), Int("limit").Token("LIMIT").Opt()},
                   .handler = CmdSInterCard});
  table->Register({.name = "sunion",
                   .arity = -2,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS, -1)},
                   .group = "set",
                   .summary = "Add multiple sets",
                   .since = "1.0.0",
                   .complexity = kUnionComplexity,
                   .args = {Key("key").Multi()},
                   .handler = CmdSUnion});
  table->Register({.name = "sunionstore",
                   .arity = -3,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, OW | UPDATE), Keys(2, RO | ACCESS, -1)},
                   .group = "set",
                   .summary = "Add multiple sets and store the resulting set in a key",
                   .since = "1.0.0",
                   .complexity = kUnionComplexity,
                   .args = {Key("destination"), Key("key", 1).Multi()},
                   .handler = CmdSUnionStore});
  table->Register({.name = "sdiff",
                   .arity = -2,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS, -1)},
                   .group = "set",
                   .summary = "Subtract multiple sets",
                   .since = "1.0.0",
                   .complexity = kUnionComplexity,
                   .args = {Key("key").Multi()},
                   .handler = CmdSDiff});
  table->Register({.name = "sdiffstore",
                   .arity = -3,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclSet,
                   .key_specs = {Keys(1, OW | UPDATE), Keys(2, RO | ACCESS, -1)},
                   .group = "set",
                   .summary = "Subtract multiple sets and store the resulting set in a key",
                   .since = "1.0.0",
                   .complexity = kUnionComplexity,
                   .args = {Key("destination"), Key("key", 1).Multi()},
                   .handler = CmdSDiffStore});
  table->Register({.name = "sscan",
                   .arity = -3,
                   .flags = kReadOnly,
                   .acl = kAclSet,
                   .tips = {"nondeterministic_output"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "set",
                   .summary = "Incrementally iterate Set elements",
                   .since = "2.8.0",
                   .complexity =
                       "O(1) for every call. O(N) for a complete iteration, including enough "
                       "command calls for the cursor to return back to 0. N is the number of "
                       "elements inside the collection..",
                   .args = {Key("key"), Int("cursor"), Pattern("pattern").Token("MATCH").Opt(),
                            Int("count").Token("COUNT").Opt()},
                   .handler = CmdSScan});
}

}  // namespace embedis::commands
