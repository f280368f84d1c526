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
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/key_ops.h"
#include "lib/commands/propagation.h"
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

void CmdTouch(CommandContext& ctx, Args argv) {
  ctx.reply->Integer(ctx.keyspace->Exists(ctx.client->db, KeysFrom(argv), /*touch=*/true));
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
// OBJECT does not touch the key (Redis's LOOKUP_NOTOUCH). IDLETIME and FREQ read the access
// information maxmemory's policies use (keyspace_eviction.cc), and each refuses under the other
// kind of policy, as Redis.
void ObjectGeneric(CommandContext& ctx, Args argv, std::string_view what) {
  Keyspace::NoTouchScope no_touch;
  const std::optional<std::string> encoding =
      key_ops::ObjectEncoding(*ctx.keyspace, ctx.client->db, argv[2]);
  if (!encoding.has_value()) return ctx.reply->Null();
  if (what == "encoding") return ctx.reply->BulkString(*encoding);
  if (what == "refcount") return ctx.reply->Integer(1);
  const EvictionPolicy policy = ctx.keyspace->eviction_options().policy;
  const bool lfu = policy == EvictionPolicy::kAllKeysLfu || policy == EvictionPolicy::kVolatileLfu;
  const std::optional<AccessInfo> access = ctx.keyspace->ObjectAccess(ctx.client->db, argv[2]);
  if (!access.has_value()) return ctx.reply->Null();  // expired in between
  if (what == "idletime") {
    if (lfu) return ReplyError(ctx, errors::kLfuPolicySelected);
    return ctx.reply->Integer(access->idle_seconds);
  }
  if (!lfu) return ReplyError(ctx, errors::kNoLfuPolicy);
  ctx.reply->Integer(access->frequency);
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
  using namespace describe;  // NOLINT: the entry helpers
  table->Register(
      {.name = "del",
       .arity = -2,
       .flags = kWrite,
       .acl = kAclKeyspace,
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"},
       .key_specs = {Keys(1, RM | DELETE, -1)},
       .group = "generic",
       .summary = "Deletes one or more keys.",
       .since = "1.0.0",
       .complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                     "remove holds a value other than a string, the individual complexity for "
                     "this key is O(M) where M is the number of elements in the list, set, sorted "
                     "set or hash. Removing a single key that holds a string value is O(1).",
       .args = {Key("key").Multi()},
       .handler = CmdDel});
  table->Register({.name = "unlink",
                   .arity = -2,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .tips = {"request_policy:multi_shard", "response_policy:agg_sum"},
                   .key_specs = {Keys(1, RM | DELETE, -1)},
                   .group = "generic",
                   .summary = "Asynchronously deletes one or more keys.",
                   .since = "4.0.0",
                   .complexity =
                       "O(1) for each key removed regardless of its size. Then the command does "
                       "O(N) work in a different thread in order to reclaim memory, where N is the "
                       "number of allocations the deleted objects where composed of.",
                   .args = {Key("key").Multi()},
                   .handler = CmdDel});
  table->Register({.name = "exists",
                   .arity = -2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclKeyspace,
                   .tips = {"request_policy:multi_shard", "response_policy:agg_sum"},
                   .key_specs = {Keys(1, RO, -1)},
                   .group = "generic",
                   .summary = "Determines whether one or more keys "
                              "exist.",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of keys to check.",
                   .history = {{"3.0.3", "Accepts multiple `key` arguments."}},
                   .args = {Key("key").Multi()},
                   .handler = CmdExists});
  table->Register(
      {.name = "touch",
       .arity = -2,
       .flags = kReadOnly | kFast,
       .acl = kAclKeyspace,
       .tips = {"request_policy:multi_shard", "response_policy:agg_sum"},
       .key_specs = {Keys(1, RO, -1)},
       .group = "generic",
       .summary =
           "Returns the number of existing keys out of those specified after updating the time "
           "they were last accessed.",
       .since = "3.2.1",
       .complexity = "O(N) where N is the number of keys that will be touched.",
       .args = {Key("key").Multi()},
       .handler = CmdTouch});
  table->Register({.name = "type",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RO)},
                   .group = "generic",
                   .summary = "Determines the type of value stored at a "
                              "key.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdType});
  table->Register(
      {.name = "keys",
       .arity = 2,
       .flags = kReadOnly,
       .acl = kAclKeyspace | kAclDangerous,
       .tips = {"request_policy:all_shards", "nondeterministic_output_order"},
       .group = "generic",
       .summary = "Returns all key names that match a pattern.",
       .since = "1.0.0",
       .complexity =
           "O(N) with N being the number of keys in the database, under the assumption that the "
           "key names in the database and the given pattern have limited length.",
       .args = {Pattern("pattern")},
       .handler = CmdKeys});
  table->Register(
      {.name = "scan",
       .arity = -2,
       .flags = kReadOnly,
       .acl = kAclKeyspace,
       .tips = {"nondeterministic_output", "request_policy:special"},
       .group = "generic",
       .summary = "Iterates over the key names in the database.",
       .since = "2.8.0",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                     "command calls for the cursor to return back to 0. N is the number of "
                     "elements inside the collection.",
       .history = {{"6.0.0", "Added the `TYPE` subcommand."}},
       .args = {Int("cursor"), Pattern("pattern").Token("MATCH").Opt(),
                Int("count").Token("COUNT").Opt(), Str("type").Token("TYPE").Since("6.0.0").Opt()},
       .handler = CmdScan});
  table->Register({.name = "rename",
                   .arity = 3,
                   .flags = kWrite,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, OW | UPDATE)},
                   .group = "generic",
                   .summary = "Renames a key and overwrites the destination.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Key("newkey", 1)},
                   .handler = CmdRename});
  table->Register(
      {.name = "renamenx",
       .arity = 3,
       .flags = kWrite | kFast,
       .acl = kAclKeyspace,
       .key_specs = {Keys(1, RW | ACCESS | DELETE), Keys(2, OW | INSERT)},
       .group = "generic",
       .summary = "Renames a key only when the target key name doesn't exist.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .history = {{"3.2.0",
                    "The command no longer returns an error when source and destination names are "
                    "the same."}},
       .args = {Key("key"), Key("newkey", 1)},
       .handler = CmdRenameNx});
  table->Register({.name = "randomkey",
                   .arity = 1,
                   .flags = kReadOnly,
                   .acl = kAclKeyspace,
                   .tips = {"request_policy:all_shards", "nondeterministic_output"},
                   .group = "generic",
                   .summary = "Returns a random key name from the database.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .handler = CmdRandomKey});
  table->Register(
      {.name = "copy",
       .arity = -3,
       .flags = kWrite | kDenyOom,
       .acl = kAclKeyspace,
       .key_specs = {Keys(1, RO | ACCESS), Keys(2, OW | UPDATE)},
       .group = "generic",
       .summary = "Copies the value of a key to a new key.",
       .since = "6.2.0",
       .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                     "O(1) for string values.",
       .args = {Key("source"), Key("destination", 1), Int("destination-db").Token("DB").Opt(),
                Tok("replace", "REPLACE").Opt()},
       .handler = CmdCopy});
  table->Register({.name = "move",
                   .arity = 3,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
                   .group = "generic",
                   .summary = "Moves a key to another database.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Int("db")},
                   .handler = CmdMove});
  table->Register({.name = "expire",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .group = "generic",
                   .summary = "Sets the expiration time of a key in seconds.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
                   .args = {Key("key"), Int("seconds"), ExpireCondition()},
                   .handler = CmdExpire,
                   .propagate = PropagateExpireAbsolute});
  table->Register({.name = "pexpire",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .group = "generic",
                   .summary = "Sets the expiration time of a key in milliseconds.",
                   .since = "2.6.0",
                   .complexity = "O(1)",
                   .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
                   .args = {Key("key"), Int("milliseconds"), ExpireCondition()},
                   .handler = CmdPExpire,
                   .propagate = PropagateExpireAbsolute});
  table->Register({.name = "expireat",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .group = "generic",
                   .summary = "Sets the expiration time of a key to a Unix timestamp.",
                   .since = "1.2.0",
                   .complexity = "O(1)",
                   .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
                   .args = {Key("key"), UnixTime("unix-time-seconds"), ExpireCondition()},
                   .handler = CmdExpireAt,
                   .propagate = PropagateExpireAbsolute});
  table->Register({.name = "pexpireat",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .group = "generic",
                   .summary = "Sets the expiration time of a key to a Unix milliseconds timestamp.",
                   .since = "2.6.0",
                   .complexity = "O(1)",
                   .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
                   .args = {Key("key"), UnixTime("unix-time-milliseconds"), ExpireCondition()},
                   .handler = CmdPExpireAt,
                   .propagate = PropagateExpireAbsolute});
  table->Register({.name = "ttl",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclKeyspace,
                   .tips = {"nondeterministic_output"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "generic",
                   .summary = "Returns the expiration time in seconds of a "
                              "key.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .history = {{"2.8.0", "Added the -2 reply."}},
                   .args = {Key("key")},
                   .handler = CmdTtl});
  table->Register({.name = "pttl",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclKeyspace,
                   .tips = {"nondeterministic_output"},
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "generic",
                   .summary = "Returns the expiration time in milliseconds of a key.",
                   .since = "2.6.0",
                   .complexity = "O(1)",
                   .history = {{"2.8.0", "Added the -2 reply."}},
                   .args = {Key("key")},
                   .handler = CmdPTtl});
  table->Register({.name = "expiretime",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "generic",
                   .summary = "Returns the expiration time of a key as a Unix timestamp.",
                   .since = "7.0.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdExpireTime});
  table->Register(
      {.name = "pexpiretime",
       .arity = 2,
       .flags = kReadOnly | kFast,
       .acl = kAclKeyspace,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "generic",
       .summary = "Returns the expiration time of a key as a Unix milliseconds timestamp.",
       .since = "7.0.0",
       .complexity = "O(1)",
       .args = {Key("key")},
       .handler = CmdPExpireTime});
  table->Register({.name = "persist",
                   .arity = 2,
                   .flags = kWrite | kFast,
                   .acl = kAclKeyspace,
                   .key_specs = {Keys(1, RW | UPDATE)},
                   .group = "generic",
                   .summary = "Removes the expiration time of a key.",
                   .since = "2.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdPersist});
  // Subcommands take their group from the container.
  table->Register(
      {.name = "object",
       .arity = -2,
       .group = "generic",
       .summary = "A container for object introspection commands.",
       .since = "2.2.3",
       .complexity = "Depends on subcommand.",
       .subcommands = {
           {.name = "encoding",
            .arity = 3,
            .flags = kReadOnly,
            .acl = kAclKeyspace,
            .tips = {"nondeterministic_output"},
            .key_specs = {Keys(2, RO)},
            .summary = "Returns the internal encoding of a Redis object.",
            .since = "2.2.3",
            .complexity = "O(1)",
            .args = {Key("key")},
            .handler = [](CommandContext& ctx,
                          Args argv) { ObjectGeneric(ctx, argv, "encoding"); }},
           {.name = "freq",
            .arity = 3,
            .flags = kReadOnly,
            .acl = kAclKeyspace,
            .tips = {"nondeterministic_output"},
            .key_specs = {Keys(2, RO)},
            .summary = "Returns the internal freq of a Redis object.",
            .since = "4.0.0",
            .complexity = "O(1)",
            .args = {Key("key")},
            .handler = [](CommandContext& ctx, Args argv) { ObjectGeneric(ctx, argv, "freq"); }},
           {.name = "idletime",
            .arity = 3,
            .flags = kReadOnly,
            .acl = kAclKeyspace,
            .tips = {"nondeterministic_output"},
            .key_specs = {Keys(2, RO)},
            .summary = "Returns the internal idletime of a Redis object.",
            .since = "2.2.3",
            .complexity = "O(1)",
            .args = {Key("key")},
            .handler = [](CommandContext& ctx,
                          Args argv) { ObjectGeneric(ctx, argv, "idletime"); }},
           {.name = "refcount",
            .arity = 3,
            .flags = kReadOnly,
            .acl = kAclKeyspace,
            .tips = {"nondeterministic_output"},
            .key_specs = {Keys(2, RO)},
            .summary = "Returns the internal refcount of a Redis object.",
            .since = "2.2.3",
            .complexity = "O(1)",
            .args = {Key("key")},
            .handler = [](CommandContext& ctx,
                          Args argv) { ObjectGeneric(ctx, argv, "refcount"); }},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .acl = kAclKeyspace,
            .summary = "Returns helpful text about the different subcommands.",
            .since = "6.2.0",
            .complexity = "O(1)",
            .handler = CmdObjectHelp}}});
}

}  // namespace embedis::commands
