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
// Every command runs inside Keyspace::Update, so it is atomic, and writes its reply there (the
// reply goes to a buffer; no I/O happens under the shard lock). Fields' order and encodings come
// from HashValue (lib/keyspace/hash_value.h).
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"

namespace embedis::commands {
namespace {

absl::InsecureBitGen& Rng() {
  thread_local absl::InsecureBitGen gen;
  return gen;
}

// Runs fn(const HashValue* h) for a read, h == nullptr when the key is missing; replies
// WRONGTYPE itself for a key of another type. Counts a keyspace hit or miss.
template <typename Fn>
void ReadHash(CommandContext& ctx, std::string_view key, Fn&& fn) {
  ctx.keyspace->Update(
      ctx.client->db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) return fn(static_cast<const HashValue*>(nullptr));
        if (k.type() != ValueType::kHash) return ReplyError(ctx, errors::kWrongType);
        fn(&k.hash_view());
      },
      /*is_read=*/true);
}

// Runs fn(HashValue& h) for a write, creating the hash when the key is missing (the keyspace
// deletes it again if fn leaves it empty); replies WRONGTYPE itself for another type.
template <typename Fn>
void WriteHash(CommandContext& ctx, std::string_view key, Fn&& fn) {
  ctx.keyspace->Update(ctx.client->db, key, [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kHash) return ReplyError(ctx, errors::kWrongType);
    fn(k.exists() ? k.hash() : k.CreateHash());
  });
}

// ---- Writes ----

// HSET key field value [field value ...] (replies the number of new fields) and HMSET (+OK).
void HSetGeneric(CommandContext& ctx, Args argv, bool hmset) {
  if (argv.size() % 2 != 0) return ReplyWrongArity(ctx, hmset ? "hmset" : "hset");
  WriteHash(ctx, argv[1], [&](HashValue& h) {
    int64_t added = 0;
    for (size_t i = 2; i < argv.size(); i += 2) {
      if (h.Set(argv[i], argv[i + 1])) ++added;
    }
    if (hmset) {
      ctx.reply->Ok();
    } else {
      ctx.reply->Integer(added);
    }
  });
}

void CmdHSet(CommandContext& ctx, Args argv) { HSetGeneric(ctx, argv, /*hmset=*/false); }
void CmdHMSet(CommandContext& ctx, Args argv) { HSetGeneric(ctx, argv, /*hmset=*/true); }

void CmdHSetNx(CommandContext& ctx, Args argv) {
  WriteHash(ctx, argv[1],
            [&](HashValue& h) { ctx.reply->Integer(h.SetIfAbsent(argv[2], argv[3]) ? 1 : 0); });
}

void CmdHDel(CommandContext& ctx, Args argv) {
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    if (!k.exists()) return ctx.reply->Integer(0);
    if (k.type() != ValueType::kHash) return ReplyError(ctx, errors::kWrongType);
    int64_t removed = 0;
    HashValue& h = k.hash();
    for (size_t i = 2; i < argv.size() && !h.empty(); ++i) {
      if (h.Erase(argv[i])) ++removed;
    }
    ctx.reply->Integer(removed);  // an emptied hash is deleted by the keyspace
  });
}

void CmdHIncrBy(CommandContext& ctx, Args argv) {
  int64_t incr;
  if (!ParseInt64(argv[3], &incr)) return ReplyError(ctx, errors::kNotInteger);
  WriteHash(ctx, argv[1], [&](HashValue& h) {
    int64_t value = 0;
    if (const std::string* current = h.Find(argv[2])) {
      if (!ParseInt64(*current, &value)) return ReplyError(ctx, errors::kHashNotInteger);
    }
    if ((incr < 0 && value < 0 && incr < std::numeric_limits<int64_t>::min() - value) ||
        (incr > 0 && value > 0 && incr > std::numeric_limits<int64_t>::max() - value)) {
      return ReplyError(ctx, errors::kOverflow);
    }
    value += incr;
    h.Set(argv[2], absl::StrCat(value));
    ctx.reply->Integer(value);
  });
}

void CmdHIncrByFloat(CommandContext& ctx, Args argv) {
  long double incr;
  if (!ParseLongDouble(argv[3], &incr)) return ReplyError(ctx, errors::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ReplyError(ctx, errors::kValueNanOrInfinity);
  WriteHash(ctx, argv[1], [&](HashValue& h) {
    long double value = 0;
    if (const std::string* current = h.Find(argv[2])) {
      if (!ParseLongDouble(*current, &value)) return ReplyError(ctx, errors::kHashNotFloat);
    }
    value += incr;
    if (std::isnan(value) || std::isinf(value)) return ReplyError(ctx, errors::kIncrNanOrInfinity);
    // Redis stores exactly the text it replies.
    std::string formatted = FormatLongDoubleHuman(value);
    h.Set(argv[2], formatted);
    ctx.reply->BulkString(formatted);
  });
}

// ---- Reads ----

void CmdHGet(CommandContext& ctx, Args argv) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    const std::string* v = h == nullptr ? nullptr : h->Find(argv[2]);
    if (v == nullptr) return ctx.reply->Null();
    ctx.reply->BulkString(*v);
  });
}

void CmdHMGet(CommandContext& ctx, Args argv) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    ctx.reply->ArrayHeader(argv.size() - 2);
    for (size_t i = 2; i < argv.size(); ++i) {
      const std::string* v = h == nullptr ? nullptr : h->Find(argv[i]);
      if (v == nullptr) {
        ctx.reply->Null();
      } else {
        ctx.reply->BulkString(*v);
      }
    }
  });
}

void CmdHGetAll(CommandContext& ctx, Args argv) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    ctx.reply->MapHeader(h == nullptr ? 0 : h->size());
    if (h == nullptr) return;
    h->ForEach([&](std::string_view f, std::string_view v) {
      ctx.reply->BulkString(f);
      ctx.reply->BulkString(v);
    });
  });
}

// HKEYS (keys = true) and HVALS.
void HKeysOrVals(CommandContext& ctx, Args argv, bool keys) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    ctx.reply->ArrayHeader(h == nullptr ? 0 : h->size());
    if (h == nullptr) return;
    h->ForEach(
        [&](std::string_view f, std::string_view v) { ctx.reply->BulkString(keys ? f : v); });
  });
}

void CmdHKeys(CommandContext& ctx, Args argv) { HKeysOrVals(ctx, argv, /*keys=*/true); }
void CmdHVals(CommandContext& ctx, Args argv) { HKeysOrVals(ctx, argv, /*keys=*/false); }

void CmdHLen(CommandContext& ctx, Args argv) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    ctx.reply->Integer(h == nullptr ? 0 : static_cast<int64_t>(h->size()));
  });
}

void CmdHExists(CommandContext& ctx, Args argv) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    ctx.reply->Integer(h != nullptr && h->Contains(argv[2]) ? 1 : 0);
  });
}

void CmdHStrLen(CommandContext& ctx, Args argv) {
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    const std::string* v = h == nullptr ? nullptr : h->Find(argv[2]);
    ctx.reply->Integer(v == nullptr ? 0 : static_cast<int64_t>(v->size()));
  });
}

// HRANDFIELD key [count [WITHVALUES]].
//
// Without a count: one field as a bulk string, or null. With a count: an array (empty for a
// missing key or count 0). A positive count returns distinct fields, at most the hash's size; a
// negative count returns exactly -count fields, repeats allowed. WITHVALUES interleaves values in
// RESP2 and nests [field, value] pairs in RESP3, as Redis 7.0.
//
// Counts Redis refuses are refused with its texts. Beyond Redis: a negative count is served only
// while its reply stays within kMaxRandomReplyBytes (512 MB, proto-max-bulk-len's default).
// Redis builds whatever is asked (HRANDFIELD h -1000000000 grows for seconds and can exhaust
// memory); embedis refuses at once a count whose reply cannot fit even with the shortest fields
// (1-byte fields and values: 7 bytes per bulk string), and stops building a reply that passes the
// limit, dropping what it wrote; both reply errors::kRandomReplyTooLarge.
constexpr uint64_t kMaxRandomReplyBytes = 512ull << 20;
void CmdHRandField(CommandContext& ctx, Args argv) {
  if (argv.size() == 2) {
    return ReadHash(ctx, argv[1], [&](const HashValue* h) {
      if (h == nullptr) return ctx.reply->Null();
      ctx.reply->BulkString(h->RandomField(Rng()).first);
    });
  }
  int64_t l;
  if (!ParseInt64(argv[2], &l)) return ReplyError(ctx, errors::kNotInteger);
  if (l == std::numeric_limits<int64_t>::min())
    return ReplyError(ctx, errors::kCountOutOfLongRange);
  if (argv.size() > 4 || (argv.size() == 4 && !EqualsIgnoreCase(argv[3], "withvalues"))) {
    return ReplyError(ctx, errors::kSyntax);
  }
  const bool with_values = argv.size() == 4;
  constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
  // Redis's guard against count * 2 overflowing in the RESP2 reply length.
  if (with_values && (l < -kHalf || l > kHalf)) return ReplyError(ctx, errors::kValueOutOfRange);
  const bool unique = l >= 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    if (h == nullptr || count == 0) return ctx.reply->ArrayHeader(0);
    const uint64_t n = unique ? std::min<uint64_t>(count, h->size()) : count;
    const bool nested = with_values && ctx.reply->protocol() == resp::Protocol::kResp3;
    if (!unique && count > kMaxRandomReplyBytes / (with_values ? 14 : 7)) {
      return ReplyError(ctx, errors::kRandomReplyTooLarge);
    }
    std::string* out = ctx.reply->out();
    const size_t mark = out->size();
    ctx.reply->ArrayHeader(with_values && !nested ? 2 * n : n);
    auto write = [&](std::string_view f, std::string_view v) {
      if (nested) ctx.reply->ArrayHeader(2);
      ctx.reply->BulkString(f);
      if (with_values) ctx.reply->BulkString(v);
    };
    if (unique) return h->RandomFields(count, unique, Rng(), write);  // at most the hash's size
    for (uint64_t i = 0; i < count; ++i) {
      auto [f, v] = h->RandomField(Rng());
      write(f, v);
      if (out->size() - mark > kMaxRandomReplyBytes) {
        out->resize(mark);
        return ReplyError(ctx, errors::kRandomReplyTooLarge);
      }
    }
  });
}

// HSCAN key cursor [MATCH pattern] [COUNT count]. A listpack hash answers everything with cursor
// 0; a hash table pages with the cursor described in lib/keyspace/hash_value.h.
void CmdHScan(CommandContext& ctx, Args argv) {
  uint64_t cursor;
  if (!ParseScanCursor(argv[2], &cursor)) return ReplyError(ctx, errors::kInvalidCursor);
  ReadHash(ctx, argv[1], [&](const HashValue* h) {
    if (h == nullptr) {
      ctx.reply->ArrayHeader(2);
      ctx.reply->BulkString("0");
      return ctx.reply->ArrayHeader(0);
    }
    int64_t count = 10;
    std::string_view pattern;
    bool use_pattern = false;
    for (size_t i = 3; i < argv.size(); i += 2) {
      const bool has_value = i + 1 < argv.size();
      if (has_value && EqualsIgnoreCase(argv[i], "count")) {
        if (!ParseInt64(argv[i + 1], &count)) return ReplyError(ctx, errors::kNotInteger);
        if (count < 1) return ReplyError(ctx, errors::kSyntax);
      } else if (has_value && EqualsIgnoreCase(argv[i], "match")) {
        pattern = argv[i + 1];
        use_pattern = pattern != "*";
      } else {
        return ReplyError(ctx, errors::kSyntax);
      }
    }
    std::vector<std::pair<std::string_view, std::string_view>> page;
    const uint64_t next =
        h->Scan(cursor, static_cast<size_t>(count), [&](std::string_view f, std::string_view v) {
          if (!use_pattern || GlobMatch(pattern, f)) page.emplace_back(f, v);
        });
    ctx.reply->ArrayHeader(2);
    ctx.reply->BulkString(absl::StrCat(next));
    ctx.reply->ArrayHeader(2 * page.size());
    for (const auto& [f, v] : page) {
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
                   .handler = CmdHIncrByFloat});
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
