// Connection and server commands that need nothing but a keyspace: PING,
// ECHO, SELECT, QUIT, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME (and, from
// memory_family.cc, MEMORY).
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

void CmdPing(CommandContext& ctx, Args argv) {
  if (argv.size() > 2) return ReplyWrongArity(ctx, "ping");
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
      ParseIntegerInRange(argv[1], kIntMin, kIntMax, "ERR invalid first DB index");
  if (!a.ok()) return ReplyStatus(ctx, a.status());
  absl::StatusOr<int64_t> b =
      ParseIntegerInRange(argv[2], kIntMin, kIntMax, "ERR invalid second DB index");
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
  auto add = [&](CommandSpec s, const char* group) {
    s.group = group;
    table->Register(std::move(s));
  };
  add(MakeSpec("ping", -1, kFast, CmdPing, "Returns the server's liveliness response."),
      "connection");
  add(MakeSpec("echo", 2, kFast | kLoading | kStale, CmdEcho, "Returns the given string."),
      "connection");
  CommandSpec quit = MakeSpec("quit", -1, kNoAuth | kFast | kLoading | kStale | kNoScript, CmdQuit,
                              "Closes the connection.");
  quit.behavior = kRunsInMulti;  // QUIT inside MULTI closes the connection, as in Redis
  add(std::move(quit), "connection");
  add(MakeSpec("select", 2, kFast | kLoading | kStale, CmdSelect, "Changes the selected database.",
               "1.0.0"),
      "connection");
  add(MakeSpec("dbsize", 1, kReadOnly | kFast, CmdDbSize,
               "Returns the number of keys in the database."),
      "server");
  add(MakeSpec("flushdb", -1, kWrite, CmdFlushDb, "Removes all keys from the current database."),
      "server");
  add(MakeSpec("flushall", -1, kWrite, CmdFlushAll, "Removes all keys from all databases."),
      "server");
  add(MakeSpec("swapdb", 3, kWrite | kFast, CmdSwapDb, "Swaps two Redis databases.", "4.0.0"),
      "server");
  add(MakeSpec("time", 1, kLoading | kStale | kFast, CmdTime, "Returns the server time.", "2.6.0"),
      "server");
}

}  // namespace embedis::commands
