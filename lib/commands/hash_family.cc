// The hash commands: HSET, HSETNX, HGET, HMGET, HMSET, HGETALL, HDEL, HEXISTS, HLEN, HKEYS,
// HVALS, HSTRLEN, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN.
//
// Replies, error texts and the order in which arguments are checked follow redis-server 7.0.15
// (tests/commands/hash_family_test.cc compares byte for byte with a real server). The order of
// checks is observable and matters: e.g. HINCRBY parses its increment before it looks at the key
// (so "HINCRBY stringkey f x" is "not an integer", not WRONGTYPE), HRANDFIELD parses its count and
// options before the key, and HSCAN parses its cursor before the key but its options after (a
// missing key answers an empty page even with bad options).
//
// The handlers parse arguments (args.h) and write replies; the work on the key is Keyspace::HSet
// and HGet, or a hash operation (hash_ops.h), which MemoryStore's typed hash methods call too.
// Each operation is atomic (one Keyspace::Update); fields' order and encodings come from
// HashValue (lib/keyspace/hash_value.h).
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/hash_ops.h"
#include "lib/commands/propagation.h"
#include "lib/commands/typed_access.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

// Replies r's value with reply(value), or its error.
template <typename T, typename Reply>
void ReplyOr(CommandContext& ctx, const absl::StatusOr<T>& r, Reply&& reply) {
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  reply(*r);
}

void ReplyInteger(CommandContext& ctx, const absl::StatusOr<int64_t>& r) {
  ReplyOr(ctx, r, [&](int64_t n) { ctx.reply->Integer(n); });
}

void ReplyBool(CommandContext& ctx, const absl::StatusOr<bool>& r) {
  ReplyOr(ctx, r, [&](bool b) { ctx.reply->Integer(b ? 1 : 0); });
}

void ReplyOptional(CommandContext& ctx, const std::optional<std::string>& value) {
  if (value.has_value()) return ctx.reply->BulkString(*value);
  ctx.reply->Null();
}

void ReplyStrings(CommandContext& ctx, const absl::StatusOr<std::vector<std::string>>& r) {
  ReplyOr(ctx, r, [&](const std::vector<std::string>& strings) {
    ctx.reply->ArrayHeader(strings.size());
    for (const std::string& s : strings) ctx.reply->BulkString(s);
  });
}

// ---- Writes ----

// HSET key field value [field value ...] (replies the number of new fields) and HMSET (+OK).
void HSetGeneric(CommandContext& ctx, Args argv, bool hmset) {
  if (argv.size() % 2 != 0) return ReplyWrongArity(ctx, hmset ? "hmset" : "hset");
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.reserve(argv.size() / 2 - 1);
  for (size_t i = 2; i < argv.size(); i += 2) fields.emplace_back(argv[i], argv[i + 1]);
  ReplyOr(ctx, ctx.keyspace->HSet(ctx.client->db, argv[1], fields), [&](int64_t added) {
    if (hmset) return ctx.reply->Ok();
    ctx.reply->Integer(added);
  });
}

void CmdHSet(CommandContext& ctx, Args argv) { HSetGeneric(ctx, argv, /*hmset=*/false); }
void CmdHMSet(CommandContext& ctx, Args argv) { HSetGeneric(ctx, argv, /*hmset=*/true); }

void CmdHSetNx(CommandContext& ctx, Args argv) {
  ReplyBool(ctx, hash_ops::SetNx(*ctx.keyspace, ctx.client->db, argv[1], argv[2], argv[3]));
}

void CmdHDel(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, hash_ops::Del(*ctx.keyspace, ctx.client->db, argv[1], argv.subspan(2)));
}

// HINCRBY parses its increment before it looks at the key.
void CmdHIncrBy(CommandContext& ctx, Args argv) {
  absl::StatusOr<int64_t> by = ParseInteger(argv[3]);
  if (!by.ok()) return ReplyStatus(ctx, by.status());
  ReplyInteger(ctx, hash_ops::IncrBy(*ctx.keyspace, ctx.client->db, argv[1], argv[2], *by));
}

void CmdHIncrByFloat(CommandContext& ctx, Args argv) {
  absl::StatusOr<long double> by = ParseFloatArg(argv[3]);
  if (!by.ok()) return ReplyStatus(ctx, by.status());
  if (std::isnan(*by) || std::isinf(*by)) return ReplyError(ctx, errors::kValueNanOrInfinity);
  ReplyOr(ctx, hash_ops::IncrByFloat(*ctx.keyspace, ctx.client->db, argv[1], argv[2], *by),
          [&](const std::string& formatted) { ctx.reply->BulkString(formatted); });
}

// ---- Reads ----

void CmdHGet(CommandContext& ctx, Args argv) {
  // Replied from the hash under its lock, as GET does: no copy of the value per call.
  absl::StatusOr<bool> found = typed_access::For<HashValue>::Read<bool>(
      *ctx.keyspace, ctx.client->db, argv[1], [&](const HashValue* h) {
        const std::string* v = h == nullptr ? nullptr : h->Find(argv[2]);
        if (v == nullptr) return false;
        ctx.reply->BulkString(*v);
        return true;
      });
  if (!found.ok()) return ReplyStatus(ctx, found.status());
  if (!*found) ctx.reply->Null();
}

void CmdHMGet(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, hash_ops::MGet(*ctx.keyspace, ctx.client->db, argv[1], argv.subspan(2)),
          [&](const std::vector<std::optional<std::string>>& values) {
            ctx.reply->ArrayHeader(values.size());
            for (const auto& v : values) ReplyOptional(ctx, v);
          });
}

void CmdHGetAll(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, hash_ops::GetAll(*ctx.keyspace, ctx.client->db, argv[1]),
          [&](const hash_ops::FieldValues& all) {
            ctx.reply->MapHeader(all.size());
            for (const auto& [f, v] : all) {
              ctx.reply->BulkString(f);
              ctx.reply->BulkString(v);
            }
          });
}

void CmdHKeys(CommandContext& ctx, Args argv) {
  ReplyStrings(ctx, hash_ops::Keys(*ctx.keyspace, ctx.client->db, argv[1]));
}
void CmdHVals(CommandContext& ctx, Args argv) {
  ReplyStrings(ctx, hash_ops::Vals(*ctx.keyspace, ctx.client->db, argv[1]));
}

void CmdHLen(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, hash_ops::Len(*ctx.keyspace, ctx.client->db, argv[1]));
}

void CmdHExists(CommandContext& ctx, Args argv) {
  ReplyBool(ctx, hash_ops::Exists(*ctx.keyspace, ctx.client->db, argv[1], argv[2]));
}

void CmdHStrLen(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, hash_ops::StrLen(*ctx.keyspace, ctx.client->db, argv[1], argv[2]));
}

// HRANDFIELD key [count [WITHVALUES]].
//
// Without a count: one field as a bulk string, or null. With a count: an array (empty for a
// missing key or count 0). A positive count returns distinct fields, at most the hash's size; a
// negative count returns exactly -count fields, repeats allowed. WITHVALUES interleaves values in
// RESP2 and nests [field, value] pairs in RESP3, as Redis 7.0. The count and options are parsed
// before the key is looked at.
//
// Counts Redis refuses are refused with its texts. Beyond Redis: a negative count is served only
// while its reply stays within kMaxRandomReplyBytes (512 MB, proto-max-bulk-len's default).
// Redis builds whatever is asked (HRANDFIELD h -1000000000 grows for seconds and can exhaust
// memory); embedis refuses at once a count whose reply cannot fit even with the shortest fields
// (1-byte fields and values: 7 bytes per bulk string), and stops building a reply that passes the
// limit, dropping what it wrote; both reply errors::kRandomReplyTooLarge. This is why
// hash_ops::RandomFields streams the sample into the reply instead of returning it.
constexpr uint64_t kMaxRandomReplyBytes = 512ull << 20;
void CmdHRandField(CommandContext& ctx, Args argv) {
  if (argv.size() == 2) {
    return ReplyOr(ctx, hash_ops::RandomField(*ctx.keyspace, ctx.client->db, argv[1]),
                   [&](const std::optional<std::string>& f) { ReplyOptional(ctx, f); });
  }
  absl::StatusOr<int64_t> parsed = ParseIntegerInRange(
      argv[2], -std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max());
  if (!parsed.ok()) return ReplyStatus(ctx, parsed.status());
  const int64_t l = *parsed;
  if (argv.size() > 4 || (argv.size() == 4 && !EqualsIgnoreCase(argv[3], "withvalues"))) {
    return ReplyError(ctx, errors::kSyntax);
  }
  const bool with_values = argv.size() == 4;
  constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
  // Redis's guard against count * 2 overflowing in the RESP2 reply length.
  if (with_values && (l < -kHalf || l > kHalf)) return ReplyError(ctx, errors::kValueOutOfRange);
  const bool unique = l >= 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  const bool nested = with_values && ctx.reply->protocol() == resp::Protocol::kResp3;
  std::string* out = ctx.reply->out();
  const size_t mark = out->size();
  bool too_large = false;
  absl::StatusOr<bool> existed = hash_ops::RandomFields(
      *ctx.keyspace, ctx.client->db, argv[1], count, unique,
      [&](uint64_t n) {
        if (!unique && count > kMaxRandomReplyBytes / (with_values ? 14 : 7)) {
          too_large = true;
          return false;
        }
        ctx.reply->ArrayHeader(with_values && !nested ? 2 * n : n);
        return true;
      },
      [&](std::string_view f, std::string_view v) {
        if (nested) ctx.reply->ArrayHeader(2);
        ctx.reply->BulkString(f);
        if (with_values) ctx.reply->BulkString(v);
        if (!unique && out->size() - mark > kMaxRandomReplyBytes) {
          too_large = true;
          return false;
        }
        return true;
      });
  if (!existed.ok()) return ReplyStatus(ctx, existed.status());
  if (too_large) {
    out->resize(mark);
    return ReplyError(ctx, errors::kRandomReplyTooLarge);
  }
  if (!*existed) ctx.reply->ArrayHeader(0);
}

// HSCAN key cursor [MATCH pattern] [COUNT count]: the cursor is parsed before the key, the options
// only for an existing hash (a missing key answers an empty page even with bad options).
void CmdHScan(CommandContext& ctx, Args argv) {
  absl::StatusOr<uint64_t> cursor = ParseScanCursor(argv[2]);
  if (!cursor.ok()) return ReplyStatus(ctx, cursor.status());
  ReplyOr(ctx,
          hash_ops::Scan(*ctx.keyspace, ctx.client->db, argv[1], *cursor,
                         ParseScanArgs(argv.subspan(3), /*allow_type=*/false)),
          [&](const hash_ops::ScanPage& page) {
            ctx.reply->ArrayHeader(2);
            ctx.reply->BulkString(absl::StrCat(page.cursor));
            ctx.reply->ArrayHeader(2 * page.fields.size());
            for (const auto& [f, v] : page.fields) {
              ctx.reply->BulkString(f);
              ctx.reply->BulkString(v);
            }
          });
}

}  // namespace

void RegisterHashFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  // field_arg: the commands whose argv[2] is a field of the hash (not a count or a cursor).
  table->Register({.name = "hset",
                   .arity = -4,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Set the string value of a hash field",
                   .since = "2.0.0",
                   .complexity =
                       "O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                       "when the command is called with multiple field/value pairs.",
                   .history = {{"4.0.0", "Accepts multiple `field` and `value` arguments."}},
                   .args = {Key("key"), Block("field_value", {Str("field"), Str("value")}).Multi()},
                   .handler = CmdHSet});
  table->Register({.name = "hsetnx",
                   .arity = 4,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RW | INSERT)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Set the value of a hash field, only if the field does not exist",
                   .since = "2.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("field"), Str("value")},
                   .handler = CmdHSetNx});
  table->Register({.name = "hget",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Get the value of a hash field",
                   .since = "2.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("field")},
                   .handler = CmdHGet});
  table->Register({.name = "hmget",
                   .arity = -3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Get the values of all the given hash fields",
                   .since = "2.0.0",
                   .complexity = "O(N) where N is the number of fields being requested.",
                   .args = {Key("key"), Str("field").Multi()},
                   .handler = CmdHMGet});
  table->Register({.name = "hmset",
                   .arity = -4,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Set multiple hash fields to multiple values",
                   .since = "2.0.0",
                   .complexity = "O(N) where N is the number of fields being set.",
                   .deprecated_since = "4.0.0",
                   .replaced_by = "`HSET` with multiple field-value pairs",
                   .args = {Key("key"), Block("field_value", {Str("field"), Str("value")}).Multi()},
                   .handler = CmdHMSet});
  table->Register({.name = "hgetall",
                   .arity = 2,
                   .flags = kReadOnly,
                   .acl = kAclHash,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "hash",
                   .summary = "Get all the fields and values in a hash",
                   .since = "2.0.0",
                   .complexity = "O(N) where N is the size of the hash.",
                   .args = {Key("key")},
                   .handler = CmdHGetAll});
  table->Register({.name = "hdel",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RW | DELETE)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Delete one or more hash fields",
                   .since = "2.0.0",
                   .complexity = "O(N) where N is the number of fields to be removed.",
                   .history = {{"2.4.0", "Accepts multiple `field` arguments."}},
                   .args = {Key("key"), Str("field").Multi()},
                   .handler = CmdHDel});
  table->Register({.name = "hexists",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RO)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Determine if a hash field exists",
                   .since = "2.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("field")},
                   .handler = CmdHExists});
  table->Register({.name = "hlen",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RO)},
                   .group = "hash",
                   .summary = "Get the number of fields in a hash",
                   .since = "2.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdHLen});
  table->Register({.name = "hkeys",
                   .arity = 2,
                   .flags = kReadOnly,
                   .acl = kAclHash,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "hash",
                   .summary = "Get all the fields in a hash",
                   .since = "2.0.0",
                   .complexity = "O(N) where N is the size of the hash.",
                   .args = {Key("key")},
                   .handler = CmdHKeys});
  table->Register({.name = "hvals",
                   .arity = 2,
                   .flags = kReadOnly,
                   .acl = kAclHash,
                   .tips = {"nondeterministic_output_order"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "hash",
                   .summary = "Get all the values in a hash",
                   .since = "2.0.0",
                   .complexity = "O(N) where N is the size of the hash.",
                   .args = {Key("key")},
                   .handler = CmdHVals});
  table->Register({.name = "hstrlen",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RO)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Get the length of the value of a hash field",
                   .since = "3.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("field")},
                   .handler = CmdHStrLen});
  table->Register({.name = "hincrby",
                   .arity = 4,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Increment the integer value of a hash field by the given number",
                   .since = "2.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("field"), Int("increment")},
                   .handler = CmdHIncrBy});
  table->Register({.name = "hincrbyfloat",
                   .arity = 4,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclHash,
                   .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
                   .field_arg = 2,
                   .group = "hash",
                   .summary = "Increment the float value of a hash field by the given amount",
                   .since = "2.6.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("field"), Dbl("increment")},
                   .handler = CmdHIncrByFloat,
                   .propagate = PropagateHIncrByFloat});
  table->Register(
      {.name = "hrandfield",
       .arity = -2,
       .flags = kReadOnly,
       .acl = kAclHash,
       .tips = {"nondeterministic_output"},
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "hash",
       .summary = "Get one or multiple random fields from a hash",
       .since = "6.2.0",
       .complexity = "O(N) where N is the number of fields returned",
       .args = {Key("key"),
                Block("options", {Int("count"), Tok("withvalues", "WITHVALUES").Opt()}).Opt()},
       .handler = CmdHRandField});
  table->Register({.name = "hscan",
                   .arity = -3,
                   .flags = kReadOnly,
                   .acl = kAclHash,
                   .tips = {"nondeterministic_output"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "hash",
                   .summary = "Incrementally iterate hash fields and associated values",
                   .since = "2.8.0",
                   .complexity =
                       "O(1) for every call. O(N) for a complete iteration, including enough "
                       "command calls for the cursor to return back to 0. N is the number of "
                       "elements inside the collection..",
                   .args = {Key("key"), Int("cursor"), Pattern("pattern").Token("MATCH").Opt(),
                            Int("count").Token("COUNT").Opt()},
                   .handler = CmdHScan});
}

}  // namespace embedis::commands
