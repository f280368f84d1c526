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
