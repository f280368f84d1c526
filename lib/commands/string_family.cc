// String commands: GET, SET and its variants, MGET/MSET, APPEND, STRLEN, the
// INCR family, GETRANGE, SETRANGE, GETDEL, GETEX. One generic SET routine serves SET, SETNX,
// SETEX, PSETEX and GETSET, as in Redis.
//
// The handlers parse arguments (args.h) and write replies; the work on the key is Keyspace::Set,
// Get, MGet, MSet, or a string operation (string_ops.h), which MemoryStore's typed methods call
// too. Replies, error texts and the order of checks follow redis-server 7.0.
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
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
      /*is_read=*/true);
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

}  // namespace

void RegisterStringFamily(CommandTable* table) {
  auto add = [&](CommandSpec s) {
    s.group = "string";
    table->Register(std::move(s));
  };
  const uint32_t w = kWrite | kDenyOom;
  add(MakeSpec("get", 2, kReadOnly | kFast, CmdGet, "Returns the string value of a key.", "1.0.0",
               1, 1, 1));
  add(MakeSpec("set", -3, w, CmdSet, "Sets the string value of a key.", "1.0.0", 1, 1, 1));
  add(MakeSpec("setnx", 3, w | kFast, CmdSetNx,
               "Set the string value of a key only when the key "
               "doesn't exist.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("setex", 4, w, CmdSetEx, "Sets the string value and expiration time of a key.",
               "2.0.0", 1, 1, 1));
  add(MakeSpec("psetex", 4, w, CmdPSetEx,
               "Sets both string value and expiration time in milliseconds of a key.", "2.6.0", 1,
               1, 1));
  add(MakeSpec("getset", 3, w | kFast, CmdGetSet,
               "Returns the previous string value of a key after setting it to a new value.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("getdel", 2, kWrite | kFast, CmdGetDel,
               "Returns the string value of a key after deleting the key.", "6.2.0", 1, 1, 1));
  add(MakeSpec("getex", -2, kWrite | kFast, CmdGetEx,
               "Returns the string value of a key after setting its expiration time.", "6.2.0", 1,
               1, 1));
  add(MakeSpec("mget", -2, kReadOnly | kFast, CmdMGet,
               "Atomically returns the string values of one or more keys.", "1.0.0", 1, -1, 1));
  add(MakeSpec("mset", -3, w, CmdMSet,
               "Atomically creates or modifies the string values of one or more keys.", "1.0.1", 1,
               -1, 2));
  add(MakeSpec("msetnx", -3, w, CmdMSetNx,
               "Atomically modifies the string values of one or more keys only when all keys "
               "don't exist.",
               "1.0.1", 1, -1, 2));
  add(MakeSpec("append", 3, w | kFast, CmdAppend,
               "Appends a string to the value of a key. Creates the key if it doesn't exist.",
               "2.0.0", 1, 1, 1));
  add(MakeSpec("strlen", 2, kReadOnly | kFast, CmdStrLen, "Returns the length of a string value.",
               "2.2.0", 1, 1, 1));
  add(MakeSpec("incr", 2, w | kFast, CmdIncr,
               "Increments the integer value of a key by one. Uses 0 as initial value if the key "
               "doesn't exist.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("decr", 2, w | kFast, CmdDecr,
               "Decrements the integer value of a key by one. Uses 0 as initial value if the key "
               "doesn't exist.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("incrby", 3, w | kFast, CmdIncrBy,
               "Increments the integer value of a key by a number. Uses 0 as initial value if the "
               "key doesn't exist.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("decrby", 3, w | kFast, CmdDecrBy,
               "Decrements a number from the integer value of a key. Uses 0 as initial value if "
               "the key doesn't exist.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("incrbyfloat", 3, w | kFast, CmdIncrByFloat,
               "Increment the floating point value of a key by a number. Uses 0 as initial value "
               "if the key doesn't exist.",
               "2.6.0", 1, 1, 1));
  add(MakeSpec("getrange", 4, kReadOnly, CmdGetRange,
               "Returns a substring of the string stored "
               "at a key.",
               "2.4.0", 1, 1, 1));
  add(MakeSpec("substr", 4, kReadOnly, CmdGetRange, "Returns a substring from a string value.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("setrange", 4, w, CmdSetRange,
               "Overwrites a part of a string value with another by an offset. Creates the key if "
               "it doesn't exist.",
               "2.2.0", 1, 1, 1));
}

}  // namespace embedis::commands
