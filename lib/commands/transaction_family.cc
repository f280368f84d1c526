// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis 7's replies.
//
// Where each part lives
// ---------------------
// - Queuing is in the command layer, so that embedis-server and any other
//   caller of CommandTable::Execute behave alike. A client's state is
//   ClientState::tx (command_table.h): in MULTI or not, the copies of the
//   queued argv, a "failed while queuing" flag, and the watched keys.
//   CommandTable::Execute, for a client in MULTI, first does the usual checks
//   (unknown command, unknown subcommand, arity, and SHUTDOWN/SAVE's
//   "not allowed inside a transaction"); an error there is replied and flags
//   the transaction, and EXEC later answers -EXECABORT. Otherwise it queues
//   the command and replies +QUEUED. EXEC, DISCARD, MULTI, WATCH, QUIT and
//   RESET are never queued. Errors that a handler finds (WRONGTYPE, not an
//   integer, HSET's odd argument count) happen when EXEC runs the command and
//   land inside EXEC's array, as in Redis.
//
// - Isolation: EXEC runs the WATCH check and the queued commands inside
//   CommandContext::exclusive->Run(), during which no other client's command
//   runs. embedis-server implements it with one mutex per event loop: a loop
//   holds its own while it executes a connection's batch of commands, and EXEC
//   releases its own, locks every loop's in index order, runs, unlocks, and
//   relocks its own (nobody holds one loop mutex while waiting for another out
//   of order, so there is no deadlock; the cost for everyone else is one
//   uncontended lock per batch). Without an Exclusive (in-process use, one
//   client at a time) EXEC just runs the queue.
//   Inside it, EXEC holds a Keyspace::ExclusiveSection (RunPropagatedExclusive):
//   every other thread's keyspace operation waits until EXEC ends (the
//   embedding application's direct Keyspace calls, MemoryStore, the expiry
//   thread, the background eviction), so nothing interleaves between two
//   commands of an EXEC.
//
// - WATCH is in the keyspace (keyspace.h, "WATCH"), so that writes from
//   anywhere are seen: other clients, the embedding application, expiry,
//   FLUSHDB/FLUSHALL/SWAPDB. Each shard keeps a registry (db, key) -> watchers
//   under its mutex; every modification marks the key's watchers dirty (one
//   pointer test when the shard has no watched key). A client has one
//   Watcher; EXEC aborts with a nil reply (RESP2 *-1, RESP3 _) when it is
//   dirty. Before looking at the flag, EXEC looks up every watched key, which
//   reclaims one that has expired since WATCH and so marks it dirty: as in
//   Redis, a watched key that expires before EXEC aborts it. EXEC (whatever
//   its outcome), DISCARD, UNWATCH, RESET (ClientState::ResetTransaction) and
//   destroying the ClientState (a closed connection) unwatch everything.
//
// Replies and errors are Redis 7.0's, byte for byte (tests/commands/
// transaction_test.cc compares them with a real redis-server).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/propagation.h"
#include "lib/util/errors.h"

namespace embedis::commands {

// ---- Transaction (command_table.h) ----

void Transaction::Discard() {
  in_multi = false;
  failed = false;
  queue.clear();
}

void Transaction::Watch(Keyspace* ks, int db, std::string_view key) {
  if (keyspace != ks) UnwatchAll();  // registrations live in one keyspace
  keyspace = ks;
  auto [it, inserted] = watched.emplace(db, std::string(key));
  if (inserted) ks->Watch(db, key, &watcher);
}

void Transaction::UnwatchAll() {
  if (watched.empty()) return;
  for (const auto& [db, key] : watched) keyspace->Unwatch(db, key, &watcher);
  watched.clear();
  // Nobody can mark the watcher any more.
  watcher.Clear();
}

namespace {

void CmdMulti(CommandContext& ctx, Args) {
  Transaction& tx = ctx.client->tx;
  if (tx.in_multi) return ReplyError(ctx, errors::kMultiNested);
  tx.in_multi = true;
  ctx.reply->Ok();
}

// Runs the queue; false if a watched key was modified (nothing ran).
bool RunQueued(CommandContext& ctx, const std::vector<std::vector<std::string>>& queue) {
  Transaction& tx = ctx.client->tx;
  if (!tx.watched.empty()) {
    // A lookup reclaims a watched key that expired since WATCH, which marks
    // the watcher; then the flag says whether anything changed.
    for (const auto& [db, key] : tx.watched) tx.keyspace->KeyExists(db, key);
    const bool dirty = tx.watcher.dirty();
    tx.UnwatchAll();  // as Redis: before running, so that our own writes touch nobody
    if (dirty) return false;
  }
  ctx.reply->ArrayHeader(queue.size());
  // A blocking command inside the transaction answers at once, as if its timeout had passed.
  const bool may_block = ctx.may_block;
  ctx.may_block = false;
  ctx.in_exec = true;  // maxmemory was checked for EXEC as a whole
  std::vector<std::string_view> argv;
  for (const std::vector<std::string>& command : queue) {
    argv.assign(command.begin(), command.end());
    ctx.table->Execute(ctx, Args(argv.data(), argv.size()));
    // HELLO inside the transaction switches the protocol for what follows.
    if (ctx.reply->protocol() != ctx.client->protocol) {
      ctx.reply->set_protocol(ctx.client->protocol);
    }
  }
  ctx.may_block = may_block;
  ctx.in_exec = false;
  return true;
}

void CmdExec(CommandContext& ctx, Args) {
  ClientState& client = *ctx.client;
  Transaction& tx = client.tx;
  if (!tx.in_multi) return ReplyError(ctx, errors::kExecWithoutMulti);
  if (tx.failed) {
    client.ResetTransaction();
    return ReplyError(ctx, errors::kExecAbort);
  }
  // Leave MULTI first: the queued commands must run, not queue again.
  std::vector<std::vector<std::string>> queue = std::move(tx.queue);
  tx.Discard();
  bool ran = true;
  RunPropagatedExclusive(ctx, [&] { ran = RunQueued(ctx, queue); });
  if (!ran) ctx.reply->NullArray();
}

void CmdDiscard(CommandContext& ctx, Args) {
  if (!ctx.client->tx.in_multi) return ReplyError(ctx, errors::kDiscardWithoutMulti);
  ctx.client->ResetTransaction();
  ctx.reply->Ok();
}

void CmdWatch(CommandContext& ctx, Args argv) {
  Transaction& tx = ctx.client->tx;
  if (tx.in_multi) return ReplyError(ctx, errors::kWatchInsideMulti);
  for (size_t i = 1; i < argv.size(); ++i) tx.Watch(ctx.keyspace, ctx.client->db, argv[i]);
  ctx.reply->Ok();
}

void CmdUnwatch(CommandContext& ctx, Args) {
  ctx.client->tx.UnwatchAll();
  ctx.reply->Ok();
}

}  // namespace

void RegisterTransactionFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register({.name = "multi",
                   .arity = 1,
                   .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
                   .behavior = kRunsInMulti,
                   .acl = kAclTransaction,
                   .group = "transactions",
                   .summary = "Starts a transaction.",
                   .since = "1.2.0",
                   .complexity = "O(1)",
                   .handler = CmdMulti});
  table->Register({.name = "exec",
                   .arity = 1,
                   .flags = kNoScript | kLoading | kStale | kSkipSlowlog,
                   .behavior = kRunsInMulti | kEndsTransaction,
                   .acl = kAclTransaction,
                   .group = "transactions",
                   .summary = "Executes all commands in a transaction.",
                   .since = "1.2.0",
                   .complexity = "Depends on commands in the transaction",
                   .handler = CmdExec});
  table->Register({.name = "discard",
                   .arity = 1,
                   .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
                   .behavior = kRunsInMulti,
                   .acl = kAclTransaction,
                   .group = "transactions",
                   .summary = "Discards a transaction.",
                   .since = "2.0.0",
                   .complexity = "O(N), when N is the number of queued commands",
                   .handler = CmdDiscard});
  table->Register(
      {.name = "watch",
       .arity = -2,
       .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
       .behavior = kRunsInMulti,
       .acl = kAclTransaction,
       .key_specs = {Keys(1, RO, -1)},
       .group = "transactions",
       .summary = "Monitors changes to keys to determine the execution of a transaction.",
       .since = "2.2.0",
       .complexity = "O(1) for every key.",
       .args = {Key("key").Multi()},
       .handler = CmdWatch});
  table->Register({.name = "unwatch",
                   .arity = 1,
                   .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
                   .acl = kAclTransaction,
                   .group = "transactions",
                   .summary = "Forgets about watched keys of a transaction.",
                   .since = "2.2.0",
                   .complexity = "O(1)",
                   .handler = CmdUnwatch});
}

}  // namespace embedis::commands
