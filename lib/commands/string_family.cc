// String commands: GET, SET and its variants, MGET/MSET, APPEND, STRLEN, the
// INCR family, GETRANGE, SETRANGE, GETDEL, GETEX, LCS (lcs_ops.h). One generic SET routine serves
// SET, SETNX, SETEX, PSETEX and GETSET, as in Redis.
//
// The handlers parse arguments (args.h) and write replies; the work on the key is Keyspace::Set,
// Get, MGet, MSet, or a string operation (string_ops.h), which MemoryStore's typed methods call
// too. Replies, error texts and the order of checks follow redis-server 7.0.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/lcs_ops.h"
#include "lib/commands/propagation.h"
#include "lib/commands/string_ops.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

// EX/PX/EXAT/PXAT's argument as an absolute deadline in ms, with SET's and GETEX's rules.
absl::StatusOr<int64_t> ExpireDeadline(CommandContext& ctx, std::string_view command,
                                       ExpireUnit unit, std::string_view arg) {
  const ExpireArg kind{.seconds = unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt,
                       .relative = unit == ExpireUnit::kEx || unit == ExpireUnit::kPx,
                       .positive = true};
  return ParseExpireTimeMs(arg, kind, ctx.keyspace->clock()->NowMs(), command);
}

ExpireUnit ExpireUnitOf(std::string_view a) {
  if (EqualsIgnoreCase(a, "ex")) return ExpireUnit::kEx;
  if (EqualsIgnoreCase(a, "px")) return ExpireUnit::kPx;
  if (EqualsIgnoreCase(a, "exat")) return ExpireUnit::kExAt;
  if (EqualsIgnoreCase(a, "pxat")) return ExpireUnit::kPxAt;
  return ExpireUnit::kNone;
}

// Options shared by SET and GETEX.
struct ExtendedOptions {
  SetOptions::Condition condition = SetOptions::Condition::kAlways;
  bool get = false;
  bool keep_ttl = false;
  bool persist = false;
  ExpireUnit unit = ExpireUnit::kNone;
  std::string_view expire_arg;
};

// Parses argv[first..] as SET's (is_set) or GETEX's options, as Redis's
// parseExtendedStringArgumentsOrReply. Replies "ERR syntax error" and returns
// false on any conflict.
bool ParseExtended(CommandContext& ctx, Args argv, size_t first, bool is_set, ExtendedOptions* o) {
  using C = SetOptions::Condition;
  for (size_t j = first; j < argv.size(); ++j) {
    std::string_view a = argv[j];
    const bool has_next = j + 1 < argv.size();
    const bool has_expire = o->unit != ExpireUnit::kNone;
    if (is_set && EqualsIgnoreCase(a, "nx") && o->condition != C::kIfExists) {
      o->condition = C::kIfMissing;
    } else if (is_set && EqualsIgnoreCase(a, "xx") && o->condition != C::kIfMissing) {
      o->condition = C::kIfExists;
    } else if (is_set && EqualsIgnoreCase(a, "get")) {
      o->get = true;
    } else if (is_set && EqualsIgnoreCase(a, "keepttl") && !has_expire) {
      o->keep_ttl = true;
    } else if (!is_set && EqualsIgnoreCase(a, "persist") && !has_expire) {
      o->persist = true;
    } else if (const ExpireUnit unit = ExpireUnitOf(a); unit != ExpireUnit::kNone && has_next &&
                                                        !o->keep_ttl && !o->persist &&
                                                        (!has_expire || o->unit == unit)) {
      // As Redis: the same unit may repeat (the last argument wins), two units conflict.
      o->unit = unit;
      o->expire_arg = argv[++j];
    } else {
      ReplyError(ctx, errors::kSyntax);
      return false;
    }
  }
  return true;
}

void ReplyOptional(CommandContext& ctx, const std::optional<std::string>& value) {
  if (value.has_value()) return ctx.reply->BulkString(*value);
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

void ReplyOptionalOr(CommandContext& ctx, const absl::StatusOr<std::optional<std::string>>& r) {
  ReplyOr(ctx, r, [&](const std::optional<std::string>& v) { ReplyOptional(ctx, v); });
}

// The generic SET. `reply_old` replies the old value (SET ... GET, GETSET);
// otherwise +OK, or a null when NX/XX prevented the write.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                SetOptions options, bool reply_old) {
  options.get = reply_old;
  auto result = ctx.keyspace->Set(ctx.client->db, key, value, options);
  if (!result.ok()) return ReplyStatus(ctx, result.status());
  if (reply_old) return ReplyOptional(ctx, result->old_value);
  if (!result->written) return ctx.reply->Null();
  ctx.reply->Ok();
}

void CmdSet(CommandContext& ctx, Args argv) {
  ExtendedOptions o;
  if (!ParseExtended(ctx, argv, 3, /*is_set=*/true, &o)) return;
  SetOptions options;
  options.condition = o.condition;
  if (o.keep_ttl) options.ttl = SetOptions::Ttl::kKeep;
  if (o.unit != ExpireUnit::kNone) {
    absl::StatusOr<int64_t> at = ExpireDeadline(ctx, "set", o.unit, o.expire_arg);
    if (!at.ok()) return ReplyStatus(ctx, at.status());
    options.ttl = SetOptions::Ttl::kAt;
    options.expire_at_ms = *at;
  }
  SetGeneric(ctx, argv[1], argv[2], options, o.get);
}

void CmdSetNx(CommandContext& ctx, Args argv) {
  auto r = ctx.keyspace->Set(ctx.client->db, argv[1], argv[2],
                             {.condition = SetOptions::Condition::kIfMissing});
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  ctx.reply->Integer(r->written ? 1 : 0);
}

void SetExGeneric(CommandContext& ctx, Args argv, ExpireUnit unit, std::string_view name) {
  absl::StatusOr<int64_t> at = ExpireDeadline(ctx, name, unit, argv[2]);
  if (!at.ok()) return ReplyStatus(ctx, at.status());
  SetGeneric(ctx, argv[1], argv[3], {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = *at}, false);
}

void CmdSetEx(CommandContext& ctx, Args argv) { SetExGeneric(ctx, argv, ExpireUnit::kEx, "setex"); }
void CmdPSetEx(CommandContext& ctx, Args argv) {
  SetExGeneric(ctx, argv, ExpireUnit::kPx, "psetex");
}
void CmdGetSet(CommandContext& ctx, Args argv) { SetGeneric(ctx, argv[1], argv[2], {}, true); }

// GET is Keyspace::Get's semantic; it is answered from the locked value, without the copy
// Keyspace::Get makes, because it is the hottest command.
void CmdGet(CommandContext& ctx, Args argv) {
  bool wrong_type = false;
  ctx.keyspace->Update(
      ctx.client->db, argv[1],
      [&](KeyHandle& k) {
        if (!k.exists()) return ctx.reply->Null();
        if (k.type() != ValueType::kString) {
          wrong_type = true;
          return;
        }
        ctx.reply->BulkString(k.string_value());
      },
      Keyspace::Lookup::kRead);
  if (wrong_type) ReplyError(ctx, errors::kWrongType);
}

void CmdGetDel(CommandContext& ctx, Args argv) {
  ReplyOptionalOr(ctx, string_ops::GetDel(*ctx.keyspace, ctx.client->db, argv[1]));
}

// GETEX, in Redis 7's order: the options' syntax, then the key (null if missing, WRONGTYPE), and
// only then the expire argument ("GETEX missing EX -1" is null).
void CmdGetEx(CommandContext& ctx, Args argv) {
  ExtendedOptions o;
  if (!ParseExtended(ctx, argv, 2, /*is_set=*/false, &o)) return;
  string_ops::GetExOptions options;
  options.persist = o.persist;
  if (o.unit != ExpireUnit::kNone) {
    absl::StatusOr<int64_t> at = ExpireDeadline(ctx, "getex", o.unit, o.expire_arg);
    if (at.ok()) {
      options.expire_at_ms = std::optional<int64_t>(*at);
    } else {
      options.expire_at_ms = at.status();
    }
  }
  ReplyOptionalOr(ctx, string_ops::GetEx(*ctx.keyspace, ctx.client->db, argv[1], options));
}

void CmdMGet(CommandContext& ctx, Args argv) {
  std::vector<std::string_view> keys(argv.begin() + 1, argv.end());
  auto values = ctx.keyspace->MGet(ctx.client->db, keys);
  ctx.reply->ArrayHeader(values.size());
  for (const auto& v : values) ReplyOptional(ctx, v);
}

void MSetGeneric(CommandContext& ctx, Args argv, bool nx) {
  if (argv.size() % 2 == 0) return ReplyWrongArity(ctx, nx ? "msetnx" : "mset");
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(argv.size() / 2);
  for (size_t i = 1; i + 1 < argv.size(); i += 2) pairs.emplace_back(argv[i], argv[i + 1]);
  bool ok = ctx.keyspace->MSet(ctx.client->db, pairs, nx);
  if (nx) return ctx.reply->Integer(ok ? 1 : 0);
  ctx.reply->Ok();
}

void CmdMSet(CommandContext& ctx, Args argv) { MSetGeneric(ctx, argv, false); }
void CmdMSetNx(CommandContext& ctx, Args argv) { MSetGeneric(ctx, argv, true); }

void CmdAppend(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, string_ops::Append(*ctx.keyspace, ctx.client->db, argv[1], argv[2]));
}

void CmdStrLen(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, string_ops::StrLen(*ctx.keyspace, ctx.client->db, argv[1]));
}

void IncrGeneric(CommandContext& ctx, std::string_view key, int64_t by) {
  ReplyInteger(ctx, string_ops::IncrBy(*ctx.keyspace, ctx.client->db, key, by));
}

void CmdIncr(CommandContext& ctx, Args argv) { IncrGeneric(ctx, argv[1], 1); }
void CmdDecr(CommandContext& ctx, Args argv) { IncrGeneric(ctx, argv[1], -1); }
void CmdIncrBy(CommandContext& ctx, Args argv) {
  absl::StatusOr<int64_t> by = ParseInteger(argv[2]);
  if (!by.ok()) return ReplyStatus(ctx, by.status());
  IncrGeneric(ctx, argv[1], *by);
}
void CmdDecrBy(CommandContext& ctx, Args argv) {
  absl::StatusOr<int64_t> by = ParseInteger(argv[2]);
  if (!by.ok()) return ReplyStatus(ctx, by.status());
  if (*by == std::numeric_limits<int64_t>::min()) {
    return ReplyError(ctx, errors::kDecrementOverflow);
  }
  IncrGeneric(ctx, argv[1], -*by);
}

// INCRBYFLOAT, in Redis 7's order: WRONGTYPE, then the stored value, then the increment.
void CmdIncrByFloat(CommandContext& ctx, Args argv) {
  ReplyOr(ctx,
          string_ops::IncrByFloat(*ctx.keyspace, ctx.client->db, argv[1], ParseFloatArg(argv[2])),
          [&](const std::string& formatted) { ctx.reply->BulkString(formatted); });
}

void CmdGetRange(CommandContext& ctx, Args argv) {
  absl::StatusOr<IndexRange> range = ParseIndexRange(argv[2], argv[3]);
  if (!range.ok()) return ReplyStatus(ctx, range.status());
  ReplyOr(ctx,
          string_ops::GetRange(*ctx.keyspace, ctx.client->db, argv[1], range->start, range->stop),
          [&](const std::string& s) { ctx.reply->BulkString(s); });
}

void CmdSetRange(CommandContext& ctx, Args argv) {
  absl::StatusOr<int64_t> offset = ParseInteger(argv[2]);
  if (!offset.ok()) return ReplyStatus(ctx, offset.status());
  if (*offset < 0) return ReplyError(ctx, errors::kOffsetOutOfRange);
  ReplyInteger(ctx, string_ops::SetRange(*ctx.keyspace, ctx.client->db, argv[1], *offset, argv[3]));
}

// LCS's options as Redis 7.0 reads them, after looking at the keys: LEN, IDX, WITHMATCHLEN and
// MINMATCHLEN n in any order (the first bad one answers), then LEN with IDX is refused.
absl::StatusOr<lcs_ops::LcsOptions> ParseLcsOptions(Args argv) {
  lcs_ops::LcsOptions o;
  for (size_t j = 3; j < argv.size(); ++j) {
    const bool more = j + 1 < argv.size();
    if (EqualsIgnoreCase(argv[j], "idx")) {
      o.idx = true;
    } else if (EqualsIgnoreCase(argv[j], "len")) {
      o.len = true;
    } else if (EqualsIgnoreCase(argv[j], "withmatchlen")) {
      o.with_match_len = true;
    } else if (EqualsIgnoreCase(argv[j], "minmatchlen") && more) {
      absl::StatusOr<int64_t> n = ParseInteger(argv[++j]);
      if (!n.ok()) return n.status();
      o.min_match_len = *n < 0 ? 0 : *n;
    } else {
      return errors::FromRedisError(errors::kSyntax);
    }
  }
  if (o.idx && o.len) return errors::FromRedisError(errors::kLcsLenAndIdx);
  return o;
}

void CmdLcs(CommandContext& ctx, Args argv) {
  const absl::StatusOr<lcs_ops::LcsOptions> options = ParseLcsOptions(argv);
  absl::StatusOr<lcs_ops::LcsResult> r = lcs_ops::Lcs(
      *ctx.keyspace, ctx.client->db, argv[1], argv[2], options, string_ops::kMaxStringLength);
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  if (options->idx) {
    // A map in RESP3, a flat array in RESP2, as Redis.
    ctx.reply->MapHeader(2);
    ctx.reply->BulkString("matches");
    ctx.reply->ArrayHeader(r->matches.size());
    for (const lcs_ops::LcsMatch& m : r->matches) {
      ctx.reply->ArrayHeader(options->with_match_len ? 3 : 2);
      ctx.reply->ArrayHeader(2);
      ctx.reply->Integer(m.a_start);
      ctx.reply->Integer(m.a_end);
      ctx.reply->ArrayHeader(2);
      ctx.reply->Integer(m.b_start);
      ctx.reply->Integer(m.b_end);
      if (options->with_match_len) ctx.reply->Integer(m.len);
    }
    ctx.reply->BulkString("len");
    ctx.reply->Integer(r->length);
  } else if (options->len) {
    ctx.reply->Integer(r->length);
  } else {
    ctx.reply->BulkString(r->lcs);
  }
}

}  // namespace

namespace {

// SET's key: read too (RW ACCESS UPDATE) if GET follows the value, else overwritten (OW UPDATE).
uint16_t SetKeyFlags(Args argv) {
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "get")) return kKeyRW | kKeyAccess | kKeyUpdate;
  }
  return kKeyOW | kKeyUpdate;
}
KeySpec SetKey() {
  using namespace describe;  // NOLINT: the entry helpers
  KeySpec ks = Keys(1, RW | ACCESS | UPDATE | kKeyVariableFlags)
                   .Notes("RW and ACCESS due to the optional `GET` argument");
  ks.flags_for = SetKeyFlags;
  return ks;
}

}  // namespace

void RegisterStringFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register({.name = "get",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclString,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "string",
                   .summary = "Returns the string value of a key.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdGet});
  table->Register(
      {.name = "set",
       .arity = -3,
       .flags = kWrite | kDenyOom,
       .acl = kAclString,
       .key_specs = {SetKey()},
       .group = "string",
       .summary = "Sets the string value of a key.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .history = {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
                   {"6.0.0", "Added the `KEEPTTL` option."},
                   {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
                   {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}},
       .args = {Key("key"), Str("value"),
                OneOf("condition", {Tok("nx", "NX"), Tok("xx", "XX")}).Since("2.6.12").Opt(),
                Tok("get", "GET").Since("6.2.0").Opt(),
                OneOf("expiration",
                      {Int("seconds").Token("EX").Since("2.6.12"),
                       Int("milliseconds").Token("PX").Since("2.6.12"),
                       UnixTime("unix-time-seconds").Token("EXAT").Since("6.2.0"),
                       UnixTime("unix-time-milliseconds").Token("PXAT").Since("6.2.0"),
                       Tok("keepttl", "KEEPTTL").Since("6.0.0")})
                    .Opt()},
       .handler = CmdSet,
       .propagate = PropagateSetAbsolute});
  table->Register({.name = "setnx",
                   .arity = 3,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclString,
                   .key_specs = {Keys(1, OW | INSERT)},
                   .group = "string",
                   .summary = "Set the string value of a key only when the key "
                              "doesn't exist.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("value")},
                   .handler = CmdSetNx});
  table->Register({.name = "setex",
                   .arity = 4,
                   .flags = kWrite | kDenyOom,
                   .acl = kAclString,
                   .key_specs = {Keys(1, OW | UPDATE)},
                   .group = "string",
                   .summary = "Sets the string value and expiration time of a key.",
                   .since = "2.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Int("seconds"), Str("value")},
                   .handler = CmdSetEx,
                   .propagate = PropagateSetAbsolute});
  table->Register(
      {.name = "psetex",
       .arity = 4,
       .flags = kWrite | kDenyOom,
       .acl = kAclString,
       .key_specs = {Keys(1, OW | UPDATE)},
       .group = "string",
       .summary = "Sets both string value and expiration time in milliseconds of a key.",
       .since = "2.6.0",
       .complexity = "O(1)",
       .args = {Key("key"), Int("milliseconds"), Str("value")},
       .handler = CmdPSetEx,
       .propagate = PropagateSetAbsolute});
  table->Register(
      {.name = "getset",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
       .group = "string",
       .summary = "Returns the previous string value of a key after setting it to a new value.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .deprecated_since = "6.2.0",
       .replaced_by = "`SET` with the `!GET` argument",
       .args = {Key("key"), Str("value")},
       .handler = CmdGetSet});
  table->Register({.name = "getdel",
                   .arity = 2,
                   .flags = kWrite | kFast,
                   .acl = kAclString,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE)},
                   .group = "string",
                   .summary = "Returns the string value of a key after deleting the key.",
                   .since = "6.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdGetDel});
  table->Register(
      {.name = "getex",
       .arity = -2,
       .flags = kWrite | kFast,
       .acl = kAclString,
       .key_specs =
           {Keys(1, RW | ACCESS | UPDATE).Notes("RW and UPDATE because it changes the TTL")},
       .group = "string",
       .summary = "Returns the string value of a key after setting its expiration time.",
       .since = "6.2.0",
       .complexity = "O(1)",
       .args = {Key("key"),
                OneOf("expiration",
                      {Int("seconds").Token("EX"), Int("milliseconds").Token("PX"),
                       UnixTime("unix-time-seconds").Token("EXAT"),
                       UnixTime("unix-time-milliseconds").Token("PXAT"), Tok("persist", "PERSIST")})
                    .Opt()},
       .handler = CmdGetEx,
       .propagate = PropagateExpireAbsolute});
  table->Register({.name = "mget",
                   .arity = -2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclString,
                   .tips = {"request_policy:multi_shard"},
                   .key_specs = {Keys(1, RO | ACCESS, -1)},
                   .group = "string",
                   .summary = "Atomically returns the string values of one or more keys.",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of keys to retrieve.",
                   .args = {Key("key").Multi()},
                   .handler = CmdMGet});
  table->Register(
      {.name = "mset",
       .arity = -3,
       .flags = kWrite | kDenyOom,
       .acl = kAclString,
       .tips = {"request_policy:multi_shard", "response_policy:all_succeeded"},
       .key_specs = {Keys(1, OW | UPDATE, -1, 2)},
       .group = "string",
       .summary = "Atomically creates or modifies the string values of one or more keys.",
       .since = "1.0.1",
       .complexity = "O(N) where N is the number of keys to set.",
       .args = {Block("key_value", {Key("key"), Str("value")}).Multi()},
       .handler = CmdMSet});
  table->Register(
      {.name = "msetnx",
       .arity = -3,
       .flags = kWrite | kDenyOom,
       .acl = kAclString,
       .tips = {"request_policy:multi_shard", "response_policy:agg_min"},
       .key_specs = {Keys(1, OW | INSERT, -1, 2)},
       .group = "string",
       .summary = "Atomically modifies the string values of one or more keys only when all keys "
                  "don't exist.",
       .since = "1.0.1",
       .complexity = "O(N) where N is the number of keys to set.",
       .args = {Block("key_value", {Key("key"), Str("value")}).Multi()},
       .handler = CmdMSetNx});
  table->Register(
      {.name = "append",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | INSERT)},
       .group = "string",
       .summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
       .since = "2.0.0",
       .complexity =
           "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
           "the already present value is of any size, since the dynamic string library used by "
           "Redis will double the free space available on every reallocation.",
       .args = {Key("key"), Str("value")},
       .handler = CmdAppend});
  table->Register({.name = "strlen",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclString,
                   .key_specs = {Keys(1, RO)},
                   .group = "string",
                   .summary = "Returns the length of a string value.",
                   .since = "2.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdStrLen});
  table->Register(
      {.name = "incr",
       .arity = 2,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
       .group = "string",
       .summary =
           "Increments the integer value of a key by one. Uses 0 as initial value if the key "
           "doesn't exist.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .args = {Key("key")},
       .handler = CmdIncr});
  table->Register(
      {.name = "decr",
       .arity = 2,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
       .group = "string",
       .summary =
           "Decrements the integer value of a key by one. Uses 0 as initial value if the key "
           "doesn't exist.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .args = {Key("key")},
       .handler = CmdDecr});
  table->Register(
      {.name = "incrby",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
       .group = "string",
       .summary =
           "Increments the integer value of a key by a number. Uses 0 as initial value if the "
           "key doesn't exist.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .args = {Key("key"), Int("increment")},
       .handler = CmdIncrBy});
  table->Register(
      {.name = "decrby",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
       .group = "string",
       .summary = "Decrements a number from the integer value of a key. Uses 0 as initial value if "
                  "the key doesn't exist.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .args = {Key("key"), Int("decrement")},
       .handler = CmdDecrBy});
  table->Register(
      {.name = "incrbyfloat",
       .arity = 3,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
       .group = "string",
       .summary =
           "Increment the floating point value of a key by a number. Uses 0 as initial value "
           "if the key doesn't exist.",
       .since = "2.6.0",
       .complexity = "O(1)",
       .args = {Key("key"), Dbl("increment")},
       .handler = CmdIncrByFloat,
       .propagate = PropagateIncrByFloat});
  table->Register(
      {.name = "getrange",
       .arity = 4,
       .flags = kReadOnly,
       .acl = kAclString,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "string",
       .summary = "Returns a substring of the string stored "
                  "at a key.",
       .since = "2.4.0",
       .complexity =
           "O(N) where N is the length of the returned string. The complexity is ultimately "
           "determined by the returned length, but because creating a substring from an existing "
           "string is very cheap, it can be considered O(1) for small strings.",
       .args = {Key("key"), Int("start"), Int("end")},
       .handler = CmdGetRange});
  table->Register(
      {.name = "substr",
       .arity = 4,
       .flags = kReadOnly,
       .acl = kAclString,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "string",
       .summary = "Returns a substring from a string value.",
       .since = "1.0.0",
       .complexity =
           "O(N) where N is the length of the returned string. The complexity is ultimately "
           "determined by the returned length, but because creating a substring from an existing "
           "string is very cheap, it can be considered O(1) for small strings.",
       .deprecated_since = "2.0.0",
       .replaced_by = "`GETRANGE`",
       .args = {Key("key"), Int("start"), Int("end")},
       .handler = CmdGetRange});
  table->Register(
      {.name = "setrange",
       .arity = 4,
       .flags = kWrite | kDenyOom,
       .acl = kAclString,
       .key_specs = {Keys(1, RW | UPDATE)},
       .group = "string",
       .summary =
           "Overwrites a part of a string value with another by an offset. Creates the key if "
           "it doesn't exist.",
       .since = "2.2.0",
       .complexity = "O(1), not counting the time taken to copy the new string in place. Usually, "
                     "this string is very small so the amortized complexity is O(1). Otherwise, "
                     "complexity is O(M) with M being the length of the value argument.",
       .args = {Key("key"), Int("offset"), Str("value")},
       .handler = CmdSetRange});
  table->Register(
      {.name = "lcs",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclString,
       .key_specs = {Keys(1, RO | ACCESS, 1)},
       .group = "string",
       .summary = "Find longest common substring",
       .since = "7.0.0",
       .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
       .args = {Key("key1"), Key("key2"), Tok("len", "LEN").Opt(), Tok("idx", "IDX").Opt(),
                Int("len").Token("MINMATCHLEN").Opt(), Tok("withmatchlen", "WITHMATCHLEN").Opt()},
       .handler = CmdLcs});
}

}  // namespace embedis::commands
