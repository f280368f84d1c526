// Connection and server commands that need nothing but a keyspace: PING,
// ECHO, SELECT, QUIT, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME (and, from
// memory_family.cc, MEMORY).
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

void CmdPing(CommandContext& ctx, Args argv) {
  if (argv.size() > 2) return ReplyWrongArity(ctx, "ping");
  if (ctx.client->in_pubsub_context()) {  // RESP2 subscribed: ["pong", message or ""]
    ctx.reply->ArrayHeader(2);
    ctx.reply->BulkString("pong");
    return ctx.reply->BulkString(argv.size() == 2 ? argv[1] : "");
  }
  if (argv.size() == 1) return ctx.reply->SimpleString("PONG");
  ctx.reply->BulkString(argv[1]);
}

void CmdEcho(CommandContext& ctx, Args argv) { ctx.reply->BulkString(argv[1]); }

void CmdQuit(CommandContext& ctx, Args) {
  ctx.client->close_after_reply = true;
  ctx.reply->Ok();
}

void CmdSelect(CommandContext& ctx, Args argv) {
  absl::StatusOr<int> db = ParseDbIndex(argv[1], ctx.keyspace->databases());
  if (!db.ok()) return ReplyStatus(ctx, db.status());
  ctx.client->db = *db;
  ctx.reply->Ok();
}

void CmdDbSize(CommandContext& ctx, Args) {
  ctx.reply->Integer(ctx.keyspace->Size(ctx.client->db));
}

// FLUSHDB/FLUSHALL [ASYNC|SYNC]
bool ParseFlushMode(CommandContext& ctx, Args argv) {
  if (argv.size() > 2) {
    ReplyError(ctx, errors::kSyntax);
    return false;
  }
  if (argv.size() == 2 && !EqualsIgnoreCase(argv[1], "async") &&
      !EqualsIgnoreCase(argv[1], "sync")) {
    ReplyError(ctx, errors::kSyntax);
    return false;
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx, Args argv) {
  if (!ParseFlushMode(ctx, argv)) return;
  ctx.keyspace->Flush(ctx.client->db);
  ctx.reply->Ok();
}

void CmdFlushAll(CommandContext& ctx, Args argv) {
  if (!ParseFlushMode(ctx, argv)) return;
  ctx.keyspace->FlushAll();
  ctx.reply->Ok();
}

void CmdSwapDb(CommandContext& ctx, Args argv) {
  // Redis replies its own texts for any argument that is not an int (SWAPDB 99999999999 1 too).
  constexpr int64_t kIntMin = std::numeric_limits<int>::min();
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  absl::StatusOr<int64_t> a =
      ParseIntegerInRange(argv[1], kIntMin, kIntMax, errors::kInvalidFirstDb);
  if (!a.ok()) return ReplyStatus(ctx, a.status());
  absl::StatusOr<int64_t> b =
      ParseIntegerInRange(argv[2], kIntMin, kIntMax, errors::kInvalidSecondDb);
  if (!b.ok()) return ReplyStatus(ctx, b.status());
  const int n = ctx.keyspace->databases();
  if (*a < 0 || *a >= n || *b < 0 || *b >= n) return ReplyError(ctx, errors::kDbIndexOutOfRange);
  ctx.keyspace->SwapDb(static_cast<int>(*a), static_cast<int>(*b));
  ctx.reply->Ok();
}

void CmdTime(CommandContext& ctx, Args) {
  int64_t us = ctx.keyspace->clock()->NowMicros();
  ctx.reply->ArrayHeader(2);
  ctx.reply->BulkString(std::to_string(us / 1'000'000));
  ctx.reply->BulkString(std::to_string(us % 1'000'000));
}

}  // namespace

void RegisterServerBasics(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register({.name = "ping",
                   .arity = -1,
                   .flags = kFast,
                   .acl = kAclConnection,
                   .tips = {"request_policy:all_shards", "response_policy:all_succeeded"},
                   .group = "connection",
                   .summary = "Returns the server's liveliness response.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Str("message").Opt()},
                   .handler = CmdPing});
  table->Register({.name = "echo",
                   .arity = 2,
                   .flags = kLoading | kStale | kFast,
                   .acl = kAclConnection,
                   .group = "connection",
                   .summary = "Returns the given string.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Str("message")},
                   .handler = CmdEcho});
  table->Register({.name = "quit",
                   .arity = -1,
                   .flags = kNoScript | kLoading | kStale | kFast | kNoAuth | kAllowBusy,
                   // QUIT inside MULTI closes the connection, as in Redis.
                   .behavior = kRunsInMulti,
                   .acl = kAclConnection,
                   .group = "connection",
                   .summary = "Closes the connection.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .handler = CmdQuit});
  table->Register({.name = "select",
                   .arity = 2,
                   .flags = kLoading | kStale | kFast,
                   .acl = kAclConnection,
                   .group = "connection",
                   .summary = "Changes the selected database.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .args = {Int("index")},
                   .handler = CmdSelect});
  table->Register({.name = "dbsize",
                   .arity = 1,
                   .flags = kReadOnly | kFast,
                   .acl = kAclKeyspace,
                   .tips = {"request_policy:all_shards", "response_policy:agg_sum"},
                   .group = "server",
                   .summary = "Returns the number of keys in the database.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .handler = CmdDbSize});
  table->Register({.name = "flushdb",
                   .arity = -1,
                   .flags = kWrite,
                   .acl = kAclKeyspace | kAclDangerous,
                   .tips = {"request_policy:all_shards", "response_policy:all_succeeded"},
                   .group = "server",
                   .summary = "Removes all keys from the current database.",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the number of keys in the selected database",
                   .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                               {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
                   .args = {FlushMode()},
                   .handler = CmdFlushDb});
  table->Register({.name = "flushall",
                   .arity = -1,
                   .flags = kWrite,
                   .acl = kAclKeyspace | kAclDangerous,
                   .tips = {"request_policy:all_shards", "response_policy:all_succeeded"},
                   .group = "server",
                   .summary = "Removes all keys from all databases.",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the total number of keys in all databases",
                   .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                               {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
                   .args = {FlushMode()},
                   .handler = CmdFlushAll});
  table->Register(
      {.name = "swapdb",
       .arity = 3,
       .flags = kWrite | kFast,
       .acl = kAclKeyspace | kAclDangerous,
       .group = "server",
       .summary = "Swaps two Redis databases.",
       .since = "4.0.0",
       .complexity = "O(N) where N is the count of clients watching or blocking on keys from both "
                     "databases.",
       .args = {Int("index1"), Int("index2")},
       .handler = CmdSwapDb});
  table->Register({.name = "time",
                   .arity = 1,
                   .flags = kLoading | kStale | kFast,
                   .tips = {"nondeterministic_output"},
                   .group = "server",
                   .summary = "Returns the server time.",
                   .since = "2.6.0",
                   .complexity = "O(1)",
                   .handler = CmdTime});
}

}  // namespace embedis::commands
