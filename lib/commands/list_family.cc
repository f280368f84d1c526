// The list commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LINDEX, LSET, LRANGE, LTRIM,
// LREM, LINSERT, LPOS, LMOVE, RPOPLPUSH, LMPOP, and the blocking BLPOP, BRPOP, BLMOVE,
// BRPOPLPUSH, BLMPOP.
//
// Replies, error texts and the order in which arguments are checked follow redis-server 7.0.15
// (tests/commands/list_differential_test.cc compares byte for byte with a real server). The order
// is observable: LRANGE, LTRIM and LREM parse their integers before they look at the key, LINDEX
// and LSET after it (so "LINDEX missing x" is a null, "LSET missing x v" is "no such key"),
// LINSERT checks BEFORE|AFTER first, LPOS parses all its options first, LPOP's count is parsed
// before the key.
//
// The handlers only parse arguments and write replies: the work on the keys is done by the list
// operations (list_ops.h), which MemoryStore's typed list methods call too. Two-key moves (LMOVE,
// RPOPLPUSH, and BLMOVE/BRPOPLPUSH when the source has elements) are atomic there.
//
// Blocking commands (the contract is BlockRequest in command_table.h): the handler validates its
// arguments, serves from the first non-empty key in argument order, and when every key is empty
// either leaves a BlockRequest and writes no reply (CommandContext::may_block) or replies the
// timeout reply at once, as Redis does inside MULTI.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/list_ops.h"
#include "lib/commands/propagation.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

using list_ops::End;

bool ParseEnd(std::string_view s, End* end) {
  if (EqualsIgnoreCase(s, "left")) {
    *end = End::kHead;
  } else if (EqualsIgnoreCase(s, "right")) {
    *end = End::kTail;
  } else {
    return false;
  }
  return true;
}

void ReplyStrings(CommandContext& ctx, const std::vector<std::string>& elements) {
  ctx.reply->ArrayHeader(elements.size());
  for (const std::string& e : elements) ctx.reply->BulkString(e);
}

void ReplyOptional(CommandContext& ctx, const std::optional<std::string>& element) {
  if (element.has_value()) return ctx.reply->BulkString(*element);
  ctx.reply->Null();
}

// Replies r's value with reply(value), or its error.
template <typename T, typename Reply>
void ReplyOr(CommandContext& ctx, const absl::StatusOr<T>& r, Reply&& reply) {
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  reply(*r);
}

void ReplyInteger(CommandContext& ctx, const absl::StatusOr<int64_t>& r) {
  ReplyOr(ctx, r, [&](int64_t n) { ctx.reply->Integer(n); });
}

void ReplyOkOr(CommandContext& ctx, const absl::Status& s) {
  if (!s.ok()) return ReplyStatus(ctx, s);
  ctx.reply->Ok();
}

// ---- Pushes and pops ----

// LPUSH / RPUSH (create = true) and LPUSHX / RPUSHX: replies the length after the pushes.
void PushGeneric(CommandContext& ctx, Args argv, End end, bool create) {
  ReplyInteger(
      ctx, list_ops::Push(*ctx.keyspace, ctx.client->db, argv[1], argv.subspan(2), end, create));
}

void CmdLPush(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kHead, true); }
void CmdRPush(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kTail, true); }
void CmdLPushX(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kHead, false); }
void CmdRPushX(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kTail, false); }

// LPOP / RPOP key [count]. Without a count: one element or null. With one: an array (empty for
// count 0 on an existing list), a null array for a missing key.
void PopGeneric(CommandContext& ctx, Args argv, End end) {
  if (argv.size() > 3) return ReplyWrongArity(ctx, end == End::kHead ? "lpop" : "rpop");
  Keyspace& ks = *ctx.keyspace;
  if (argv.size() == 2) {
    return ReplyOr(ctx, list_ops::PopOne(ks, ctx.client->db, argv[1], end),
                   [&](const std::optional<std::string>& e) { ReplyOptional(ctx, e); });
  }
  absl::StatusOr<int64_t> count = ParseNonNegative(argv[2], errors::kMustBePositive);
  if (!count.ok()) return ReplyStatus(ctx, count.status());
  ReplyOr(ctx, list_ops::Pop(ks, ctx.client->db, argv[1], end, static_cast<uint64_t>(*count)),
          [&](const std::optional<std::vector<std::string>>& elements) {
            if (!elements.has_value()) return ctx.reply->NullArray();
            ReplyStrings(ctx, *elements);
          });
}

void CmdLPop(CommandContext& ctx, Args argv) { PopGeneric(ctx, argv, End::kHead); }
void CmdRPop(CommandContext& ctx, Args argv) { PopGeneric(ctx, argv, End::kTail); }

// ---- Reads ----

void CmdLLen(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, list_ops::Len(*ctx.keyspace, ctx.client->db, argv[1]));
}

void CmdLIndex(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, list_ops::Index(*ctx.keyspace, ctx.client->db, argv[1], ParseInteger(argv[2])),
          [&](const std::optional<std::string>& e) { ReplyOptional(ctx, e); });
}

void CmdLRange(CommandContext& ctx, Args argv) {
  absl::StatusOr<IndexRange> range = ParseIndexRange(argv[2], argv[3]);
  if (!range.ok()) return ReplyStatus(ctx, range.status());
  // Written straight from the list (no copies of the elements), as Redis does.
  absl::Status s = list_ops::VisitRange(
      *ctx.keyspace, ctx.client->db, argv[1], range->start, range->stop,
      [&](size_t n) { ctx.reply->ArrayHeader(n); },
      [&](std::string_view element) { ctx.reply->BulkString(element); });
  if (!s.ok()) ReplyStatus(ctx, s);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]: every option is parsed (and
// checked) before the key is looked at.
void CmdLPos(CommandContext& ctx, Args argv) {
  list_ops::PosOptions options;
  for (size_t i = 3; i < argv.size(); ++i) {
    const bool more = i + 1 < argv.size();
    absl::StatusOr<int64_t> v;
    if (more && EqualsIgnoreCase(argv[i], "rank")) {
      v = ParseInteger(argv[++i]);
      if (v.ok() && *v == 0) return ReplyError(ctx, errors::kRankZero);
      if (v.ok()) options.rank = *v;
    } else if (more && EqualsIgnoreCase(argv[i], "count")) {
      v = ParseNonNegative(argv[++i], errors::kCountNegative);
      if (v.ok()) options.count = *v;
    } else if (more && EqualsIgnoreCase(argv[i], "maxlen")) {
      v = ParseNonNegative(argv[++i], errors::kMaxLenNegative);
      if (v.ok()) options.maxlen = *v;
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
    if (!v.ok()) return ReplyStatus(ctx, v.status());
  }
  ReplyOr(ctx, list_ops::Pos(*ctx.keyspace, ctx.client->db, argv[1], argv[2], options),
          [&](const std::vector<int64_t>& found) {
            if (options.count == -1) {  // no COUNT: the first match, or null
              return found.empty() ? ctx.reply->Null() : ctx.reply->Integer(found[0]);
            }
            ctx.reply->ArrayHeader(found.size());
            for (int64_t index : found) ctx.reply->Integer(index);
          });
}

// ---- Edits ----

void CmdLSet(CommandContext& ctx, Args argv) {
  ReplyOkOr(ctx,
            list_ops::Set(*ctx.keyspace, ctx.client->db, argv[1], ParseInteger(argv[2]), argv[3]));
}

void CmdLTrim(CommandContext& ctx, Args argv) {
  absl::StatusOr<IndexRange> range = ParseIndexRange(argv[2], argv[3]);
  if (!range.ok()) return ReplyStatus(ctx, range.status());
  ReplyOkOr(ctx, list_ops::Trim(*ctx.keyspace, ctx.client->db, argv[1], range->start, range->stop));
}

void CmdLRem(CommandContext& ctx, Args argv) {
  absl::StatusOr<int64_t> count = ParseInteger(argv[2]);
  if (!count.ok()) return ReplyStatus(ctx, count.status());
  ReplyInteger(ctx, list_ops::Rem(*ctx.keyspace, ctx.client->db, argv[1], *count, argv[3]));
}

// LINSERT key BEFORE|AFTER pivot element: BEFORE|AFTER is checked before the key.
void CmdLInsert(CommandContext& ctx, Args argv) {
  bool after;
  if (EqualsIgnoreCase(argv[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(argv[2], "before")) {
    after = false;
  } else {
    return ReplyError(ctx, errors::kSyntax);
  }
  ReplyInteger(ctx,
               list_ops::Insert(*ctx.keyspace, ctx.client->db, argv[1], after, argv[3], argv[4]));
}

// ---- Moves ----

enum class MoveOutcome : uint8_t { kReplied, kSourceMissing };

// Moves one element (list_ops::Move) and replies it or the error; writes nothing and returns
// kSourceMissing when the source is missing (the caller replies null, or blocks).
MoveOutcome MoveElement(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                        End to) {
  absl::StatusOr<std::optional<std::string>> moved =
      list_ops::Move(*ctx.keyspace, ctx.client->db, src, dst, from, to);
  if (!moved.ok()) {
    ReplyStatus(ctx, moved.status());
  } else if (!moved->has_value()) {
    return MoveOutcome::kSourceMissing;
  } else {
    ctx.reply->BulkString(**moved);
  }
  return MoveOutcome::kReplied;
}

void MoveOrNull(CommandContext& ctx, Args argv, End from, End to) {
  if (MoveElement(ctx, argv[1], argv[2], from, to) == MoveOutcome::kSourceMissing) {
    ctx.reply->Null();
  }
}

void CmdLMove(CommandContext& ctx, Args argv) {
  End from, to;
  if (!ParseEnd(argv[3], &from) || !ParseEnd(argv[4], &to)) {
    return ReplyError(ctx, errors::kSyntax);
  }
  MoveOrNull(ctx, argv, from, to);
}

void CmdRPopLPush(CommandContext& ctx, Args argv) { MoveOrNull(ctx, argv, End::kTail, End::kHead); }

// ---- Multi-key pops ----

enum class PopOutcome : uint8_t { kReplied, kAllEmpty };

// Pops from the first non-empty key of `keys` (list_ops::PopFirst), replying [key, element]
// (count < 0: BLPOP's form) or [key, [elements...]] (LMPOP's, up to `count`), or the error.
PopOutcome PopFirst(CommandContext& ctx, Args keys, End end, int64_t count) {
  absl::StatusOr<std::optional<list_ops::KeyElements>> popped = list_ops::PopFirst(
      *ctx.keyspace, ctx.client->db, keys, end, count < 0 ? 1 : static_cast<uint64_t>(count));
  if (!popped.ok()) {
    ReplyStatus(ctx, popped.status());
    return PopOutcome::kReplied;
  }
  if (!popped->has_value()) return PopOutcome::kAllEmpty;
  const list_ops::KeyElements& got = **popped;
  if (Propagating()) {  // the non-blocking form of the pop that happened (propagation.h)
    std::vector<std::string> pop = {end == End::kHead ? "LPOP" : "RPOP", std::string(got.key)};
    if (count >= 0) pop.push_back(std::to_string(got.elements.size()));
    Propagate(ctx, std::move(pop));
  }
  ctx.reply->ArrayHeader(2);
  ctx.reply->BulkString(got.key);
  if (count < 0) {
    ctx.reply->BulkString(got.elements.front());
  } else {
    ReplyStrings(ctx, got.elements);
  }
  return PopOutcome::kReplied;
}

// LMPOP's and BLMPOP's arguments from `numkeys_index` on: numkeys key... LEFT|RIGHT [COUNT n].
struct MPopArgs {
  Args keys;
  End end = End::kHead;
  int64_t count = 1;
};

bool ParseMPop(CommandContext& ctx, Args argv, size_t numkeys_index, MPopArgs* out) {
  absl::StatusOr<int64_t> parsed = ParsePositive(argv[numkeys_index], errors::kNumKeysNotPositive);
  if (!parsed.ok()) {
    ReplyStatus(ctx, parsed.status());
    return false;
  }
  const int64_t numkeys = *parsed;
  // The direction must follow the keys.
  if (static_cast<uint64_t>(numkeys) >= argv.size() - numkeys_index - 1) {
    ReplyError(ctx, errors::kSyntax);
    return false;
  }
  const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (!ParseEnd(argv[where], &out->end)) {
    ReplyError(ctx, errors::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t i = where + 1; i < argv.size(); ++i) {
    if (!has_count && i + 1 < argv.size() && EqualsIgnoreCase(argv[i], "count")) {
      absl::StatusOr<int64_t> count = ParsePositive(argv[++i], errors::kCountNotPositive);
      if (!count.ok()) {
        ReplyStatus(ctx, count.status());
        return false;
      }
      out->count = *count;
      has_count = true;
    } else {
      ReplyError(ctx, errors::kSyntax);
      return false;
    }
  }
  out->keys = argv.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  return true;
}

void CmdLMPop(CommandContext& ctx, Args argv) {
  MPopArgs args;
  if (!ParseMPop(ctx, argv, 1, &args)) return;
  if (PopFirst(ctx, args.keys, args.end, args.count) == PopOutcome::kAllEmpty) {
    ctx.reply->NullArray();
  }
}

// ---- Blocking ----

// BLPOP / BRPOP key [key ...] timeout.
void BlockingPop(CommandContext& ctx, Args argv, End end) {
  int64_t timeout_ms;
  if (!ParseTimeoutOrReply(ctx, argv.back(), &timeout_ms)) return;
  Args keys = argv.subspan(1, argv.size() - 2);
  if (PopFirst(ctx, keys, end, /*count=*/-1) == PopOutcome::kReplied) return;
  BlockOrReply(ctx, keys, timeout_ms, BlockRequest::TimeoutReply::kNullArray);
}

void CmdBLPop(CommandContext& ctx, Args argv) { BlockingPop(ctx, argv, End::kHead); }
void CmdBRPop(CommandContext& ctx, Args argv) { BlockingPop(ctx, argv, End::kTail); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout and BRPOPLPUSH source destination
// timeout. A missing source blocks without looking at the destination, as in Redis.
void BlockingMove(CommandContext& ctx, Args argv, End from, End to, std::string_view timeout_arg) {
  int64_t timeout_ms;
  if (!ParseTimeoutOrReply(ctx, timeout_arg, &timeout_ms)) return;
  const uint64_t before = Keyspace::ThreadChanges();
  if (MoveElement(ctx, argv[1], argv[2], from, to) == MoveOutcome::kReplied) {
    if (Propagating() && Keyspace::ThreadChanges() != before) {  // LMOVE: the non-blocking form
      auto side = [](End e) { return std::string(e == End::kHead ? "LEFT" : "RIGHT"); };
      Propagate(ctx, {"LMOVE", std::string(argv[1]), std::string(argv[2]), side(from), side(to)});
    }
    return;
  }
  BlockOrReply(ctx, argv.subspan(1, 1), timeout_ms, BlockRequest::TimeoutReply::kNullBulk);
}

void CmdBLMove(CommandContext& ctx, Args argv) {
  End from, to;
  if (!ParseEnd(argv[3], &from) || !ParseEnd(argv[4], &to)) {
    return ReplyError(ctx, errors::kSyntax);
  }
  BlockingMove(ctx, argv, from, to, argv[5]);
}

void CmdBRPopLPush(CommandContext& ctx, Args argv) {
  BlockingMove(ctx, argv, End::kTail, End::kHead, argv[3]);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the timeout is parsed after the
// other arguments, as in Redis.
void CmdBLMPop(CommandContext& ctx, Args argv) {
  MPopArgs args;
  if (!ParseMPop(ctx, argv, 2, &args)) return;
  int64_t timeout_ms;
  if (!ParseTimeoutOrReply(ctx, argv[1], &timeout_ms)) return;
  if (PopFirst(ctx, args.keys, args.end, args.count) == PopOutcome::kReplied) return;
  BlockOrReply(ctx, args.keys, timeout_ms, BlockRequest::TimeoutReply::kNullArray);
}

}  // namespace

namespace {

// LEFT | RIGHT (the list commands' ends).
ArgDoc ListEnd(std::string_view name) {
  using namespace describe;  // NOLINT: the entry helpers
  return OneOf(name, {Tok("left", "LEFT"), Tok("right", "RIGHT")});
}
constexpr std::string_view kPushComplexity =
    "O(1) for each element added, so O(N) to add N elements when the command is called with "
    "multiple arguments.";
constexpr std::string_view kMPopComplexity =
    "O(N+M) where N is the number of provided keys and M is the number of elements returned.";

}  // namespace

void RegisterListFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register({.name = "lpush",
                   .arity = -3,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .group = "list",
                   .summary = "Prepend one or multiple elements to a list",
                   .since = "1.0.0",
                   .complexity = kPushComplexity,
                   .history = {{"2.4.0", "Accepts multiple `element` arguments."}},
                   .args = {Key("key"), Str("element").Multi()},
                   .handler = CmdLPush});
  table->Register({.name = "rpush",
                   .arity = -3,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .group = "list",
                   .summary = "Append one or multiple elements to a list",
                   .since = "1.0.0",
                   .complexity = kPushComplexity,
                   .history = {{"2.4.0", "Accepts multiple `element` arguments."}},
                   .args = {Key("key"), Str("element").Multi()},
                   .handler = CmdRPush});
  table->Register({.name = "lpushx",
                   .arity = -3,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .group = "list",
                   .summary = "Prepend an element to a list, only if the list exists",
                   .since = "2.2.0",
                   .complexity = kPushComplexity,
                   .history = {{"4.0.0", "Accepts multiple `element` arguments."}},
                   .args = {Key("key"), Str("element").Multi()},
                   .handler = CmdLPushX});
  table->Register({.name = "rpushx",
                   .arity = -3,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .group = "list",
                   .summary = "Append an element to a list, only if the list exists",
                   .since = "2.2.0",
                   .complexity = kPushComplexity,
                   .history = {{"4.0.0", "Accepts multiple `element` arguments."}},
                   .args = {Key("key"), Str("element").Multi()},
                   .handler = CmdRPushX});
  table->Register({.name = "lpop",
                   .arity = -2,
                   .flags = kWrite | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE)},
                   .group = "list",
                   .summary = "Remove and get the first elements in a list",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of elements returned",
                   .history = {{"6.2.0", "Added the `count` argument."}},
                   .args = {Key("key"), Int("count").Since("6.2.0").Opt()},
                   .handler = CmdLPop});
  table->Register({.name = "rpop",
                   .arity = -2,
                   .flags = kWrite | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE)},
                   .group = "list",
                   .summary = "Remove and get the last elements in a list",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of elements returned",
                   .history = {{"6.2.0", "Added the `count` argument."}},
                   .args = {Key("key"), Int("count").Since("6.2.0").Opt()},
                   .handler = CmdRPop});
  table->Register({.name = "llen",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RO)},
                   .group = "list",
                   .summary = "Get the length of a list",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdLLen});
  table->Register({.name = "lindex",
                   .arity = 3,
                   .flags = kReadOnly,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "list",
                   .summary = "Get an element from a list by its index",
                   .since = "1.0.0",
                   .complexity =
                       "O(N) where N is the number of elements to traverse to get to the element "
                       "at index. This makes asking for the first or the last element of the list "
                       "O(1).",
                   .args = {Key("key"), Int("index")},
                   .handler = CmdLIndex});
  table->Register({.name = "lset",
                   .arity = 4,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .group = "list",
                   .summary = "Set the value of an element in a list by its index",
                   .since = "1.0.0",
                   .complexity =
                       "O(N) where N is the length of the list. Setting either the first or the "
                       "last element of the list is O(1).",
                   .args = {Key("key"), Int("index"), Str("element")},
                   .handler = CmdLSet});
  table->Register({.name = "lrange",
                   .arity = 4,
                   .flags = kReadOnly,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "list",
                   .summary = "Get a range of elements from a list",
                   .since = "1.0.0",
                   .complexity =
                       "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                       "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                       "elements in the specified range.",
                   .args = {Key("key"), Int("start"), Int("stop")},
                   .handler = CmdLRange});
  table->Register(
      {.name = "ltrim",
       .arity = 4,
       .flags = kWrite,
       .acl = kAclList,
       .key_specs = {Keys(1, RW | DELETE)},
       .group = "list",
       .summary = "Trim a list to the specified range",
       .since = "1.0.0",
       .complexity = "O(N) where N is the number of elements to be removed by the operation.",
       .args = {Key("key"), Int("start"), Int("stop")},
       .handler = CmdLTrim});
  table->Register({.name = "lrem",
                   .arity = 4,
                   .flags = kWrite,
                   .acl = kAclList,
                   .key_specs = {Keys(1, RW | DELETE)},
                   .group = "list",
                   .summary = "Remove elements from a list",
                   .since = "1.0.0",
                   .complexity =
                       "O(N+M) where N is the length of the list and M is the number of elements "
                       "removed.",
                   .args = {Key("key"), Int("count"), Str("element")},
                   .handler = CmdLRem});
  table->Register(
      {.name = "linsert",
       .arity = 5,
       .flags = kWrite | kDenyOom,
       .acl = kAclList,
       .key_specs = {Keys(1, RW | INSERT)},
       .group = "list",
       .summary = "Insert an element before or after another element in a list",
       .since = "2.2.0",
       .complexity = "O(N) where N is the number of elements to traverse before seeing the value "
                     "pivot. This means that inserting somewhere on the left end on the list "
                     "(head) can be considered O(1) and inserting somewhere on the right end "
                     "(tail) is O(N).",
       .args = {Key("key"), OneOf("where", {Tok("before", "BEFORE"), Tok("after", "AFTER")}),
                Str("pivot"), Str("element")},
       .handler = CmdLInsert});
  table->Register(
      {.name = "lpos",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclList,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "list",
       .summary = "Return the index of matching elements on a list",
       .since = "6.0.6",
       .complexity = "O(N) where N is the number of elements in the list, for the average case. "
                     "When searching for elements near the head or the tail of the list, or when "
                     "the MAXLEN option is provided, the command may run in constant time.",
       .args = {Key("key"), Str("element"), Int("rank").Token("RANK").Opt(),
                Int("num-matches").Token("COUNT").Opt(), Int("len").Token("MAXLEN").Opt()},
       .handler = CmdLPos});
  table->Register(
      {.name = "lmove",
       .arity = 5,
       .flags = kWrite | kDenyOom,
       .acl = kAclList,
       .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, RW | INSERT)},
       .group = "list",
       .summary = "Pop an element from a list, push it to another list and return it",
       .since = "6.2.0",
       .complexity = "O(1)",
       .args = {Key("source"), Key("destination", 1), ListEnd("wherefrom"), ListEnd("whereto")},
       .handler = CmdLMove});
  table->Register(
      {.name = "rpoplpush",
       .arity = 3,
       .flags = kWrite | kDenyOom,
       .acl = kAclList,
       .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, RW | INSERT)},
       .group = "list",
       .summary = "Remove the last element in a list, prepend it to another list and return it",
       .since = "1.2.0",
       .complexity = "O(1)",
       .deprecated_since = "6.2.0",
       .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
       .args = {Key("source"), Key("destination", 1)},
       .handler = CmdRPopLPush});
  table->Register({.name = "lmpop",
                   .arity = -4,
                   .flags = kWrite,
                   .acl = kAclList,
                   .key_specs = {KeyNum(1, RW | ACCESS | DELETE)},
                   .group = "list",
                   .summary = "Pop elements from a list",
                   .since = "7.0.0",
                   .complexity = kMPopComplexity,
                   .args = {Int("numkeys"), Key("key").Multi(), ListEnd("where"),
                            Int("count").Token("COUNT").Opt()},
                   .handler = CmdLMPop});
  table->Register(
      {.name = "blpop",
       .arity = -3,
       .flags = kWrite | kNoScript | kBlocking,
       .acl = kAclList | kAclBlocking,
       .key_specs = {Keys(1, RW | ACCESS | DELETE, -2)},
       .group = "list",
       .summary = "Remove and get the first element in a list, or block until one is available",
       .since = "2.0.0",
       .complexity = "O(N) where N is the number of provided keys.",
       .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
       .args = {Key("key").Multi(), Dbl("timeout")},
       .handler = CmdBLPop});
  table->Register(
      {.name = "brpop",
       .arity = -3,
       .flags = kWrite | kNoScript | kBlocking,
       .acl = kAclList | kAclBlocking,
       .key_specs = {Keys(1, RW | ACCESS | DELETE, -2)},
       .group = "list",
       .summary = "Remove and get the last element in a list, or block until one is available",
       .since = "2.0.0",
       .complexity = "O(N) where N is the number of provided keys.",
       .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
       .args = {Key("key").Multi(), Dbl("timeout")},
       .handler = CmdBRPop});
  table->Register(
      {.name = "blmove",
       .arity = 6,
       .flags = kWrite | kDenyOom | kNoScript | kBlocking,
       .acl = kAclList | kAclBlocking,
       .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, RW | INSERT)},
       .group = "list",
       .summary =
           "Pop an element from a list, push it to another list and return it; or block until one "
           "is available",
       .since = "6.2.0",
       .complexity = "O(1)",
       .args = {Key("source"), Key("destination", 1), ListEnd("wherefrom"), ListEnd("whereto"),
                Dbl("timeout")},
       .handler = CmdBLMove});
  table->Register(
      {.name = "brpoplpush",
       .arity = 4,
       .flags = kWrite | kDenyOom | kNoScript | kBlocking,
       .acl = kAclList | kAclBlocking,
       .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, RW | INSERT)},
       .group = "list",
       .summary =
           "Pop an element from a list, push it to another list and return it; or block until one "
           "is available",
       .since = "2.2.0",
       .complexity = "O(1)",
       .deprecated_since = "6.2.0",
       .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
       .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
       .args = {Key("source"), Key("destination", 1), Dbl("timeout")},
       .handler = CmdBRPopLPush});
  table->Register({.name = "blmpop",
                   .arity = -5,
                   .flags = kWrite | kBlocking,
                   .acl = kAclList | kAclBlocking,
                   .key_specs = {KeyNum(2, RW | ACCESS | DELETE)},
                   .group = "list",
                   .summary = "Pop elements from a list, or block until one is available",
                   .since = "7.0.0",
                   .complexity = kMPopComplexity,
                   .args = {Dbl("timeout"), Int("numkeys"), Key("key").Multi(), ListEnd("where"),
                            Int("count").Token("COUNT").Opt()},
                   .handler = CmdBLMPop});
}

}  // namespace embedis::commands
