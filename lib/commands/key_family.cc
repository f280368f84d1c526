// Generic key commands: DEL, UNLINK, EXISTS, TYPE, KEYS, SCAN, RENAME,
// RENAMENX, RANDOMKEY, TOUCH, COPY, MOVE, the EXPIRE and TTL families, PERSIST, OBJECT.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/commands/key_ops.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

std::vector<std::string_view> KeysFrom(Args argv, size_t first = 1) {
  return std::vector<std::string_view>(argv.begin() + first, argv.end());
}

void CmdDel(CommandContext& ctx, Args argv) {
  ctx.reply->Integer(ctx.keyspace->Delete(ctx.client->db, KeysFrom(argv)));
}

void CmdExists(CommandContext& ctx, Args argv) {
  ctx.reply->Integer(ctx.keyspace->Exists(ctx.client->db, KeysFrom(argv)));
}

void CmdType(CommandContext& ctx, Args argv) {
  auto type = ctx.keyspace->Type(ctx.client->db, argv[1]);
  ctx.reply->SimpleString(type.has_value() ? ValueTypeName(*type) : "none");
}

void CmdKeys(CommandContext& ctx, Args argv) {
  const std::vector<std::string> keys = key_ops::Keys(*ctx.keyspace, ctx.client->db, argv[1]);
  ctx.reply->ArrayHeader(keys.size());
  for (const auto& k : keys) ctx.reply->BulkString(k);
}

void CmdScan(CommandContext& ctx, Args argv) {
  absl::StatusOr<uint64_t> cursor = ParseScanCursor(argv[1]);
  if (!cursor.ok()) return ReplyStatus(ctx, cursor.status());
  absl::StatusOr<ScanArgs> args = ParseScanArgs(argv.subspan(2), /*allow_type=*/true);
  if (!args.ok()) return ReplyStatus(ctx, args.status());
  ScanResult r = key_ops::Scan(*ctx.keyspace, ctx.client->db, *cursor, *args);
  ctx.reply->ArrayHeader(2);
  ctx.reply->BulkString(std::to_string(r.cursor));
  ctx.reply->ArrayHeader(r.keys.size());
  for (const auto& k : r.keys) ctx.reply->BulkString(k);
}

void RenameGeneric(CommandContext& ctx, Args argv, bool nx) {
  auto r = ctx.keyspace->Rename(ctx.client->db, argv[1], argv[2], nx);
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  if (nx) return ctx.reply->Integer(*r ? 1 : 0);
  ctx.reply->Ok();
}
void CmdRename(CommandContext& ctx, Args argv) { RenameGeneric(ctx, argv, false); }
void CmdRenameNx(CommandContext& ctx, Args argv) { RenameGeneric(ctx, argv, true); }

void CmdRandomKey(CommandContext& ctx, Args) {
  auto k = ctx.keyspace->RandomKey(ctx.client->db);
  if (!k.has_value()) return ctx.reply->Null();
  ctx.reply->BulkString(*k);
}

// A database index argument (ParseDbIndex); replies the error and returns false otherwise.
bool ParseDbIndexOrReply(CommandContext& ctx, std::string_view arg, int* db) {
  absl::StatusOr<int> v = ParseDbIndex(arg, ctx.keyspace->databases());
  if (!v.ok()) {
    ReplyStatus(ctx, v.status());
    return false;
  }
  *db = *v;
  return true;
}

void CmdCopy(CommandContext& ctx, Args argv) {
  int dst_db = ctx.client->db;
  bool replace = false;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(argv[i], "db") && i + 1 < argv.size()) {
      if (!ParseDbIndexOrReply(ctx, argv[++i], &dst_db)) return;
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  if (dst_db == ctx.client->db && argv[1] == argv[2]) {
    return ReplyError(ctx, errors::kSameObject);
  }
  auto r = ctx.keyspace->Copy(ctx.client->db, argv[1], dst_db, argv[2], replace);
  ctx.reply->Integer(r ? 1 : 0);
}

// MOVE key db, as Redis 7's moveCommand: the database argument is checked first (even for a
// missing key), then 1 when the key moved with its TTL, 0 when it is missing here or exists in
// `db` (nothing changes). Atomic: Keyspace::Move does both sides under the key's shard lock.
void CmdMove(CommandContext& ctx, Args argv) {
  int dst_db;
  if (!ParseDbIndexOrReply(ctx, argv[2], &dst_db)) return;
  const int src_db = ctx.client->db;
  if (dst_db == src_db) return ReplyError(ctx, errors::kSameObject);
  ctx.reply->Integer(ctx.keyspace->Move(src_db, dst_db, argv[1]) ? 1 : 0);
}

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT, as Redis 7's
// expireGenericCommand.
void ExpireGeneric(CommandContext& ctx, Args argv, bool absolute, bool millis,
                   std::string_view name) {
  ExpireCondition condition;
  for (size_t i = 3; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "nx")) {
      condition.nx = true;
    } else if (EqualsIgnoreCase(argv[i], "xx")) {
      condition.xx = true;
    } else if (EqualsIgnoreCase(argv[i], "gt")) {
      condition.gt = true;
    } else if (EqualsIgnoreCase(argv[i], "lt")) {
      condition.lt = true;
    } else {
      return ReplyError(ctx, absl::StrCat("ERR Unsupported option ", ToAbsl(argv[i])));
    }
  }
  // As Redis 7: the options (and their conflicts) before the time argument.
  if (absl::Status s = key_ops::CheckExpireCondition(condition); !s.ok()) {
    return ReplyStatus(ctx, s);
  }
  absl::StatusOr<int64_t> at =
      ParseExpireTimeMs(argv[2], {.seconds = !millis, .relative = !absolute, .positive = false},
                        ctx.keyspace->clock()->NowMs(), name);
  if (!at.ok()) return ReplyStatus(ctx, at.status());
  ctx.reply->Integer(ctx.keyspace->Expire(ctx.client->db, argv[1], *at, condition) ? 1 : 0);
}

void CmdExpire(CommandContext& ctx, Args argv) { ExpireGeneric(ctx, argv, false, false, "expire"); }
void CmdPExpire(CommandContext& ctx, Args argv) {
  ExpireGeneric(ctx, argv, false, true, "pexpire");
}
void CmdExpireAt(CommandContext& ctx, Args argv) {
  ExpireGeneric(ctx, argv, true, false, "expireat");
}
void CmdPExpireAt(CommandContext& ctx, Args argv) {
  ExpireGeneric(ctx, argv, true, true, "pexpireat");
}

// TTL, PTTL, EXPIRETIME, PEXPIRETIME.
void TtlGeneric(CommandContext& ctx, Args argv, bool millis, bool absolute) {
  ctx.reply->Integer(key_ops::Ttl(*ctx.keyspace, ctx.client->db, argv[1], millis, absolute));
}
void CmdTtl(CommandContext& ctx, Args argv) { TtlGeneric(ctx, argv, false, false); }
void CmdPTtl(CommandContext& ctx, Args argv) { TtlGeneric(ctx, argv, true, false); }
void CmdExpireTime(CommandContext& ctx, Args argv) { TtlGeneric(ctx, argv, false, true); }
void CmdPExpireTime(CommandContext& ctx, Args argv) { TtlGeneric(ctx, argv, true, true); }

void CmdPersist(CommandContext& ctx, Args argv) {
  ctx.reply->Integer(ctx.keyspace->Persist(ctx.client->db, argv[1]) ? 1 : 0);
}

// OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT key, OBJECT HELP.
void ObjectGeneric(CommandContext& ctx, Args argv, std::string_view what) {
  const std::optional<std::string> encoding =
      key_ops::ObjectEncoding(*ctx.keyspace, ctx.client->db, argv[2]);
  if (!encoding.has_value()) return ctx.reply->Null();
  if (what == "encoding") return ctx.reply->BulkString(*encoding);
  if (what == "refcount") return ctx.reply->Integer(1);
  if (what == "idletime") return ctx.reply->Integer(0);
  ReplyError(ctx,
             "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
             "note that when switching between policies at runtime LRU and LFU data will take "
             "some time to adjust.");
}

void CmdObjectHelp(CommandContext& ctx, Args) {
  static const char* const kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (const char* line : kLines) ctx.reply->SimpleString(line);
}

}  // namespace

void RegisterKeyFamily(CommandTable* table) {
  auto add = [&](CommandSpec s) {
    s.group = "generic";
    table->Register(std::move(s));
  };
  add(MakeSpec("del", -2, kWrite, CmdDel, "Deletes one or more keys.", "1.0.0", 1, -1, 1));
  add(MakeSpec("unlink", -2, kWrite | kFast, CmdDel, "Asynchronously deletes one or more keys.",
               "4.0.0", 1, -1, 1));
  add(MakeSpec("exists", -2, kReadOnly | kFast, CmdExists,
               "Determines whether one or more keys "
               "exist.",
               "1.0.0", 1, -1, 1));
  add(MakeSpec("touch", -2, kReadOnly | kFast, CmdExists,
               "Returns the number of existing keys out of those specified after updating the time "
               "they were last accessed.",
               "3.2.1", 1, -1, 1));
  add(MakeSpec("type", 2, kReadOnly | kFast, CmdType,
               "Determines the type of value stored at a "
               "key.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("keys", 2, kReadOnly, CmdKeys, "Returns all key names that match a pattern.",
               "1.0.0"));
  add(MakeSpec("scan", -2, kReadOnly, CmdScan, "Iterates over the key names in the database.",
               "2.8.0"));
  add(MakeSpec("rename", 3, kWrite, CmdRename, "Renames a key and overwrites the destination.",
               "1.0.0", 1, 2, 1));
  add(MakeSpec("renamenx", 3, kWrite | kFast, CmdRenameNx,
               "Renames a key only when the target key name doesn't exist.", "1.0.0", 1, 2, 1));
  add(MakeSpec("randomkey", 1, kReadOnly, CmdRandomKey,
               "Returns a random key name from the database.", "1.0.0"));
  add(MakeSpec("copy", -3, kWrite | kDenyOom, CmdCopy, "Copies the value of a key to a new key.",
               "6.2.0", 1, 2, 1));
  add(MakeSpec("move", 3, kWrite | kFast, CmdMove, "Moves a key to another database.", "1.0.0", 1,
               1, 1));
  add(MakeSpec("expire", -3, kWrite | kFast, CmdExpire,
               "Sets the expiration time of a key in seconds.", "1.0.0", 1, 1, 1));
  add(MakeSpec("pexpire", -3, kWrite | kFast, CmdPExpire,
               "Sets the expiration time of a key in milliseconds.", "2.6.0", 1, 1, 1));
  add(MakeSpec("expireat", -3, kWrite | kFast, CmdExpireAt,
               "Sets the expiration time of a key to a Unix timestamp.", "1.2.0", 1, 1, 1));
  add(MakeSpec("pexpireat", -3, kWrite | kFast, CmdPExpireAt,
               "Sets the expiration time of a key to a Unix milliseconds timestamp.", "2.6.0", 1, 1,
               1));
  add(MakeSpec("ttl", 2, kReadOnly | kFast, CmdTtl,
               "Returns the expiration time in seconds of a "
               "key.",
               "1.0.0", 1, 1, 1));
  add(MakeSpec("pttl", 2, kReadOnly | kFast, CmdPTtl,
               "Returns the expiration time in milliseconds of a key.", "2.6.0", 1, 1, 1));
  add(MakeSpec("expiretime", 2, kReadOnly | kFast, CmdExpireTime,
               "Returns the expiration time of a key as a Unix timestamp.", "7.0.0", 1, 1, 1));
  add(MakeSpec("pexpiretime", 2, kReadOnly | kFast, CmdPExpireTime,
               "Returns the expiration time of a key as a Unix milliseconds timestamp.", "7.0.0", 1,
               1, 1));
  add(MakeSpec("persist", 2, kWrite | kFast, CmdPersist, "Removes the expiration time of a key.",
               "2.2.0", 1, 1, 1));

  CommandSpec object =
      MakeSpec("object", -2, 0, nullptr, "A container for object introspection commands.", "2.2.3");
  for (const char* sub : {"encoding", "freq", "idletime", "refcount"}) {
    std::string what = sub;
    object.subcommands.push_back(MakeSpec(
        what, 3, kReadOnly,
        [what](CommandContext& ctx, Args argv) { ObjectGeneric(ctx, argv, what); },
        "Returns the internal " + what + " of a Redis object.", what == "freq" ? "4.0.0" : "2.2.3",
        2, 2, 1));
  }
  object.subcommands.push_back(MakeSpec("help", 2, kLoading | kStale, CmdObjectHelp,
                                        "Returns helpful text about the "
                                        "different subcommands.",
                                        "6.2.0"));
  add(std::move(object));
}

}  // namespace embedis::commands
