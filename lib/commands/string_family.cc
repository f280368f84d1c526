// String commands: GET, SET and its variants, MGET/MSET, APPEND, STRLEN, the
// INCR family, GETRANGE, SETRANGE. One generic SET routine serves SET, SETNX,
// SETEX, PSETEX and GETSET, as in Redis.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

// proto-max-bulk-len's default. The command layer has no access to the server's configured value
// (CommandContext carries none), so a string command never builds a string longer than this.
constexpr int64_t kMaxStringLength = 512LL * 1024 * 1024;

// Redis's checkStringLength: whether a string of `size` bytes with `append` more may be built.
// Both are non-negative; their sum is computed without overflow (SETRANGE's offset can be
// anything up to 2^63 - 1).
bool StringLengthOk(int64_t size, uint64_t append) {
  return append <= static_cast<uint64_t>(kMaxStringLength) &&
         size <= kMaxStringLength - static_cast<int64_t>(append);
}

void ReplyInvalidExpire(CommandContext& ctx, std::string_view command) {
  ReplyError(ctx, absl::StrCat("ERR invalid expire time in '", ToAbsl(command), "' command"));
}

enum class ExpireUnit { kNone, kEx, kPx, kExAt, kPxAt };

// Converts EX/PX/EXAT/PXAT's argument to an absolute deadline in ms, with
// Redis's checks. Writes the error reply and returns false on failure.
bool ExpireArgToDeadline(CommandContext& ctx, std::string_view command, ExpireUnit unit,
                         std::string_view arg, int64_t now_ms, int64_t* at_ms) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ReplyError(ctx, errors::kNotInteger);
    return false;
  }
  const bool seconds = unit == ExpireUnit::kEx || unit == ExpireUnit::kExAt;
  if (v <= 0 || (seconds && v > std::numeric_limits<int64_t>::max() / 1000)) {
    ReplyInvalidExpire(ctx, command);
    return false;
  }
  if (seconds) v *= 1000;
  if (unit == ExpireUnit::kEx || unit == ExpireUnit::kPx) {
    if (v > std::numeric_limits<int64_t>::max() - now_ms) {
      ReplyInvalidExpire(ctx, command);
      return false;
    }
    v += now_ms;
  }
  *at_ms = v;
  return true;
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

// The generic SET. `reply_old` replies the old value (SET ... GET, GETSET);
// otherwise +OK, or a null when NX/XX prevented the write.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                SetOptions options, bool reply_old) {
  options.get = reply_old;
  auto result = ctx.keyspace->Set(ctx.client->db, key, value, options);
  if (!result.ok()) return ReplyStatus(ctx, result.status());
  if (reply_old) {
    if (result->old_value.has_value()) return ctx.reply->BulkString(*result->old_value);
    return ctx.reply->Null();
  }
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
    int64_t at;
    if (!ExpireArgToDeadline(ctx, "set", o.unit, o.expire_arg, ctx.keyspace->clock()->NowMs(),
                             &at)) {
      return;
    }
    options.ttl = SetOptions::Ttl::kAt;
    options.expire_at_ms = at;
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
  int64_t at;
  if (!ExpireArgToDeadline(ctx, name, unit, argv[2], ctx.keyspace->clock()->NowMs(), &at)) return;
  SetGeneric(ctx, argv[1], argv[3], {.ttl = SetOptions::Ttl::kAt, .expire_at_ms = at}, false);
}

void CmdSetEx(CommandContext& ctx, Args argv) { SetExGeneric(ctx, argv, ExpireUnit::kEx, "setex"); }
void CmdPSetEx(CommandContext& ctx, Args argv) {
  SetExGeneric(ctx, argv, ExpireUnit::kPx, "psetex");
}
void CmdGetSet(CommandContext& ctx, Args argv) { SetGeneric(ctx, argv[1], argv[2], {}, true); }

void CmdGet(CommandContext& ctx, Args argv) {
  // Reply straight from the locked value: no copy of the value.
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
        k.Delete();
      },
      true);
  if (wrong_type) ReplyError(ctx, errors::kWrongType);
}

// GETEX, in Redis 7's order: the options' syntax, then the key (null if missing, WRONGTYPE), and
// only then the expire argument ("GETEX missing EX -1" is null).
void CmdGetEx(CommandContext& ctx, Args argv) {
  ExtendedOptions o;
  if (!ParseExtended(ctx, argv, 2, /*is_set=*/false, &o)) return;
  bool wrong_type = false;
  ctx.keyspace->Update(
      ctx.client->db, argv[1],
      [&](KeyHandle& k) {
        if (!k.exists()) return ctx.reply->Null();
        if (k.type() != ValueType::kString) {
          wrong_type = true;
          return;
        }
        int64_t at = 0;
        if (o.unit != ExpireUnit::kNone &&
            !ExpireArgToDeadline(ctx, "getex", o.unit, o.expire_arg, ctx.keyspace->clock()->NowMs(),
                                 &at)) {
          return;  // the error is replied
        }
        ctx.reply->BulkString(k.string_value());
        if (o.unit != ExpireUnit::kNone) {
          k.SetExpireAt(at);
        } else if (o.persist) {
          k.Persist();
        }
      },
      true);
  if (wrong_type) ReplyError(ctx, errors::kWrongType);
}

void CmdMGet(CommandContext& ctx, Args argv) {
  std::vector<std::string_view> keys(argv.begin() + 1, argv.end());
  auto values = ctx.keyspace->MGet(ctx.client->db, keys);
  ctx.reply->ArrayHeader(values.size());
  for (const auto& v : values) {
    if (v.has_value()) {
      ctx.reply->BulkString(*v);
    } else {
      ctx.reply->Null();
    }
  }
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
  std::string_view error;
  int64_t length = 0;
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kString) {
      error = errors::kWrongType;
      return;
    }
    size_t old = k.exists() ? k.string_value().size() : 0;
    if (!StringLengthOk(static_cast<int64_t>(old), argv[2].size())) {
      error = errors::kStringTooLong;
      return;
    }
    k.AppendString(argv[2]);
    length = static_cast<int64_t>(old + argv[2].size());
  });
  if (!error.empty()) return ReplyError(ctx, error);
  ctx.reply->Integer(length);
}

void CmdStrLen(CommandContext& ctx, Args argv) {
  std::string_view error;
  int64_t length = 0;
  ctx.keyspace->Update(
      ctx.client->db, argv[1],
      [&](KeyHandle& k) {
        if (!k.exists()) return;
        if (k.type() != ValueType::kString) {
          error = errors::kWrongType;
          return;
        }
        length = static_cast<int64_t>(k.string_value().size());
      },
      true);
  if (!error.empty()) return ReplyError(ctx, error);
  ctx.reply->Integer(length);
}

void IncrGeneric(CommandContext& ctx, std::string_view key, int64_t by) {
  std::string_view error;
  int64_t result = 0;
  ctx.keyspace->Update(ctx.client->db, key, [&](KeyHandle& k) {
    int64_t current = 0;
    if (k.exists()) {
      if (k.type() != ValueType::kString) {
        error = errors::kWrongType;
        return;
      }
      if (!ParseInt64(k.string_value(), &current)) {
        error = errors::kNotInteger;
        return;
      }
    }
    if ((by < 0 && current < 0 && by < std::numeric_limits<int64_t>::min() - current) ||
        (by > 0 && current > 0 && by > std::numeric_limits<int64_t>::max() - current)) {
      error = errors::kOverflow;
      return;
    }
    result = current + by;
    char buf[24];
    size_t n = resp::FormatInt64(result, buf);
    k.SetString(std::string_view(buf, n), /*keep_ttl=*/true);
  });
  if (!error.empty()) return ReplyError(ctx, error);
  ctx.reply->Integer(result);
}

void CmdIncr(CommandContext& ctx, Args argv) { IncrGeneric(ctx, argv[1], 1); }
void CmdDecr(CommandContext& ctx, Args argv) { IncrGeneric(ctx, argv[1], -1); }
void CmdIncrBy(CommandContext& ctx, Args argv) {
  int64_t by;
  if (!ParseInt64(argv[2], &by)) return ReplyError(ctx, errors::kNotInteger);
  IncrGeneric(ctx, argv[1], by);
}
void CmdDecrBy(CommandContext& ctx, Args argv) {
  int64_t by;
  if (!ParseInt64(argv[2], &by)) return ReplyError(ctx, errors::kNotInteger);
  if (by == std::numeric_limits<int64_t>::min()) {
    return ReplyError(ctx, "ERR decrement would overflow");
  }
  IncrGeneric(ctx, argv[1], -by);
}

// INCRBYFLOAT, in Redis 7's order: WRONGTYPE, then the stored value, then the increment.
void CmdIncrByFloat(CommandContext& ctx, Args argv) {
  std::string_view error;
  std::string formatted;
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    long double current = 0;
    if (k.exists()) {
      if (k.type() != ValueType::kString) {
        error = errors::kWrongType;
        return;
      }
      if (!ParseLongDouble(k.string_value(), &current)) {
        error = errors::kNotFloat;
        return;
      }
    }
    long double by;
    if (!ParseLongDouble(argv[2], &by)) {
      error = errors::kNotFloat;
      return;
    }
    long double result = current + by;
    if (std::isnan(result) || std::isinf(result)) {
      error = "ERR increment would produce NaN or Infinity";
      return;
    }
    formatted = FormatLongDoubleHuman(result);
    // Redis stores the result as a plain string: OBJECT ENCODING "embstr" (or "raw"), never "int".
    k.SetString(formatted, /*keep_ttl=*/true, StringOrigin::kFloat);
  });
  if (!error.empty()) return ReplyError(ctx, error);
  ctx.reply->BulkString(formatted);
}

void CmdGetRange(CommandContext& ctx, Args argv) {
  int64_t start, end;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &end)) {
    return ReplyError(ctx, errors::kNotInteger);
  }
  bool wrong_type = false;
  ctx.keyspace->Update(
      ctx.client->db, argv[1],
      [&](KeyHandle& k) {
        if (!k.exists()) return ctx.reply->BulkString("");
        if (k.type() != ValueType::kString) {
          wrong_type = true;
          return;
        }
        std::string_view s = k.string_value();
        const int64_t len = static_cast<int64_t>(s.size());
        // Redis: negative start and end both negative and start > end -> empty.
        if (start < 0 && end < 0 && start > end) return ctx.reply->BulkString("");
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= len) end = len - 1;
        if (len == 0 || start > end) return ctx.reply->BulkString("");
        ctx.reply->BulkString(s.substr(start, end - start + 1));
      },
      true);
  if (wrong_type) ReplyError(ctx, errors::kWrongType);
}

void CmdSetRange(CommandContext& ctx, Args argv) {
  int64_t offset;
  if (!ParseInt64(argv[2], &offset)) return ReplyError(ctx, errors::kNotInteger);
  if (offset < 0) return ReplyError(ctx, "ERR offset is out of range");
  std::string_view value = argv[3];
  std::string_view error;
  int64_t length = 0;
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kString) {
      error = errors::kWrongType;
      return;
    }
    std::string_view old = k.exists() ? k.string_value() : std::string_view();
    if (value.empty()) {  // nothing to write: no key is created, the length is reported
      length = static_cast<int64_t>(old.size());
      return;
    }
    if (!StringLengthOk(offset, value.size())) {
      error = errors::kStringTooLong;
      return;
    }
    std::string updated(old);
    if (updated.size() < offset + value.size()) updated.resize(offset + value.size(), '\0');
    std::memcpy(updated.data() + offset, value.data(), value.size());
    // A modified (or created) buffer: OBJECT ENCODING "raw", as in Redis.
    k.SetString(updated, /*keep_ttl=*/true, StringOrigin::kRaw);
    length = static_cast<int64_t>(updated.size());
  });
  if (!error.empty()) return ReplyError(ctx, error);
  ctx.reply->Integer(length);
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
       .handler = CmdSet});
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
                   .handler = CmdSetEx});
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
       .handler = CmdPSetEx});
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
       .handler = CmdGetEx});
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
       .handler = CmdIncrByFloat});
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
}

}  // namespace embedis::commands
