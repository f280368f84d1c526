// Clients blocked on keys: the registry and the event loop's side (design in server/blocking.h).
#include "server/blocking.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "lib/commands/args.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

// How a blocking command names its keys, for serving it from one ready key.
enum class KeyForm { kOther, kKeysThenTimeout, kNumKeys };

struct BlockingCommand {
  KeyForm form;
  // The type it waits for (a ready key of another type is ignored); nullopt: any.
  std::optional<ValueType> type;
};

BlockingCommand Classify(std::string_view name) {
  const std::string lower = commands::AsciiLower(name);
  if (lower == "blpop" || lower == "brpop") return {KeyForm::kKeysThenTimeout, ValueType::kList};
  if (lower == "blmpop") return {KeyForm::kNumKeys, ValueType::kList};
  if (lower == "blmove" || lower == "brpoplpush") return {KeyForm::kOther, ValueType::kList};
  if (lower == "bzpopmin" || lower == "bzpopmax") {
    return {KeyForm::kKeysThenTimeout, ValueType::kZSet};
  }
  if (lower == "bzmpop") return {KeyForm::kNumKeys, ValueType::kZSet};
  return {KeyForm::kOther, std::nullopt};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BlockingRegistry

void BlockingRegistry::Add(int db, const std::vector<std::string>& keys, Waiter waiter) {
  MutexLock l(&mu_);
  for (const std::string& key : keys) fifo_[{db, key}].push_back(waiter);
}

void BlockingRegistry::Remove(int db, const std::vector<std::string>& keys, int64_t id) {
  MutexLock l(&mu_);
  for (const std::string& key : keys) {
    auto it = fifo_.find(std::make_pair(db, key));
    if (it == fifo_.end()) continue;
    std::deque<Waiter>& waiters = it->second;
    waiters.erase(std::remove_if(waiters.begin(), waiters.end(),
                                 [id](const Waiter& w) { return w.id == id; }),
                  waiters.end());
    if (waiters.empty()) fifo_.erase(it);
  }
}

std::optional<BlockingRegistry::Waiter> BlockingRegistry::Front(int db, std::string_view key) {
  MutexLock l(&mu_);
  auto it = fifo_.find(std::make_pair(db, std::string(key)));
  if (it == fifo_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

size_t BlockingRegistry::size() {
  MutexLock l(&mu_);
  size_t n = 0;
  for (const auto& [key, waiters] : fifo_) n += waiters.size();
  return n;
}

std::vector<std::string_view> ArgvForReadyKey(const std::vector<std::string>& argv,
                                              std::string_view key) {
  static constexpr std::string_view kOne = "1";
  std::vector<std::string_view> out(argv.begin(), argv.end());
  if (argv.empty()) return out;
  switch (Classify(argv[0]).form) {
    case KeyForm::kKeysThenTimeout:  // BLPOP/BZPOPMIN key [key ...] timeout
      if (argv.size() >= 3) return {argv[0], key, argv.back()};
      return out;
    case KeyForm::kNumKeys: {  // BLMPOP/BZMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT n]
      int64_t numkeys = 0;
      if (argv.size() < 4 || !commands::ParseInt64(argv[2], &numkeys) || numkeys < 1 ||
          static_cast<uint64_t>(numkeys) > argv.size() - 3) {
        return out;
      }
      std::vector<std::string_view> one = {argv[0], argv[1], kOne, key};
      one.insert(one.end(), argv.begin() + 3 + numkeys, argv.end());
      return one;
    }
    case KeyForm::kOther:
      return out;
  }
  return out;
}

std::vector<std::string> DistinctKeys(const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  absl::flat_hash_set<std::string_view> seen;
  for (const std::string& key : keys) {
    if (seen.insert(key).second) out.push_back(key);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// EventLoop: the blocking side

void EventLoop::PostReady(int db, std::string_view key) {
  {
    MutexLock l(&inbox_mu_);
    inbox_ready_.emplace_back(db, std::string(key));
  }
  Wake();
}

void EventLoop::PostUnblock(int64_t id) {
  {
    MutexLock l(&inbox_mu_);
    inbox_unblocks_.push_back(id);
  }
  Wake();
}

void EventLoop::Park(Connection& c, commands::Args argv) {
  commands::BlockRequest request = std::move(*c.client.block_request);
  c.client.block_request.reset();
  auto block = std::make_unique<BlockedCommand>();
  block->argv.assign(argv.begin(), argv.end());
  block->db = c.client.db;
  block->keys = DistinctKeys(request.keys);
  block->deadline_ms = request.deadline_ms;
  block->timeout_reply = request.timeout_reply;
  if (block->deadline_ms != 0) {
    deadlines_.emplace(block->deadline_ms, c.id());
    state_->clients_in_timeout_table().fetch_add(1, std::memory_order_relaxed);
  }
  state_->blocking().Add(block->db, block->keys, {.id = c.id(), .loop = this});
  const int db = block->db;
  const std::vector<std::string>& keys = block->keys;
  c.block = std::move(block);
  c.waiting_on_keys.store(true, std::memory_order_relaxed);
  // A key created since the command looked (before AddBlockedKey could see it) is served now.
  for (const std::string& key : keys) {
    if (state_->keyspace()->AddBlockedKey(db, key)) PostReady(db, key);
  }
}

void EventLoop::Unblock(Connection& c) {
  std::unique_ptr<BlockedCommand> block = std::move(c.block);
  if (block == nullptr) return;
  state_->blocking().Remove(block->db, block->keys, c.id());
  for (const std::string& key : block->keys) state_->keyspace()->RemoveBlockedKey(block->db, key);
  if (block->deadline_ms != 0) {
    deadlines_.erase({block->deadline_ms, c.id()});
    state_->clients_in_timeout_table().fetch_sub(1, std::memory_order_relaxed);
  }
  c.unblock_reason.store(static_cast<int>(UnblockReason::kNone), std::memory_order_relaxed);
  c.waiting_on_keys.store(false, std::memory_order_relaxed);
  c.client.block_request.reset();
}

void EventLoop::FinishBlock(Connection& c, UnblockReason reason) {
  const size_t mark = c.out.size();
  const bool dropping = c.replies_dropped();
  if (reason == UnblockReason::kError) {
    c.writer.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else if (c.block->timeout_reply == commands::BlockRequest::TimeoutReply::kNullBulk) {
    c.writer.Null();
  } else {
    c.writer.NullArray();
  }
  c.EndCommandOutput(mark, dropping);
  Unblock(c);
}

void EventLoop::Resume(const std::shared_ptr<Connection>& c) {
  if (c->closed) return;
  Process(c);  // runs what was pipelined behind the blocking command, queues the replies
}

bool EventLoop::ServeOne(const std::shared_ptr<Connection>& c, std::string_view key) {
  std::unique_lock<Mutex> lock(exec_mu_, std::defer_lock);
  if (!LockExec(lock)) {  // a busy script: served once it ends
    busy_deferred_serve_ = true;
    return false;
  }
  if (c->block == nullptr) return false;
  if (const int reason = c->unblock_reason.load(std::memory_order_relaxed); reason != 0) {
    FinishBlock(*c, static_cast<UnblockReason>(reason));  // CLIENT UNBLOCK came first
    return true;
  }
  const BlockedCommand& block = *c->block;
  const std::optional<ValueType> type = state_->keyspace()->Type(block.db, key);
  if (!type.has_value()) return false;  // taken by someone else meanwhile
  // As Redis 7.0: a waiter for a list (a sorted set) ignores a key of another type.
  if (const std::optional<ValueType> wanted = Classify(block.argv[0]).type;
      wanted.has_value() && *type != *wanted) {
    return false;
  }
  const std::vector<std::string_view> argv = ArgvForReadyKey(block.argv, key);
  if (!ExecuteOne(*c, argv, state_->table().Find(argv[0]))) return false;  // held by a pause
  if (c->client.block_request.has_value()) {  // emptied meanwhile: keeps its place
    c->client.block_request.reset();
    return false;
  }
  state_->stats().commands_processed.fetch_add(1, std::memory_order_relaxed);
  Unblock(*c);
  return true;
}

void EventLoop::ServeReady(std::vector<std::pair<int, std::string>> keys) {
  for (auto& [db, key] : keys) {
    while (true) {
      if (state_->ActivePause() != PauseMode::kNone) {
        const std::pair<int, std::string> ready(db, key);
        if (std::find(paused_ready_.begin(), paused_ready_.end(), ready) == paused_ready_.end()) {
          paused_ready_.push_back(ready);
        }
        break;
      }
      const std::optional<BlockingRegistry::Waiter> front = state_->blocking().Front(db, key);
      if (!front.has_value()) break;
      if (front->loop != this) {
        front->loop->PostReady(db, key);
        break;
      }
      auto it = conns_.find(front->id);
      if (it == conns_.end()) break;  // not reached: a connection is unregistered when it closes
      const std::shared_ptr<Connection> c = it->second;
      if (!ServeOne(c, key)) {
        if (std::exchange(busy_deferred_serve_, false)) {  // again when the script has ended
          paused_ready_.emplace_back(db, key);
        }
        break;
      }
      Resume(c);
    }
  }
}

void EventLoop::ExpireBlocked() {
  const int64_t now = state_->keyspace()->clock()->NowMs();
  std::vector<std::shared_ptr<Connection>> due;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= now; ++it) {
    auto c = conns_.find(it->second);
    if (c != conns_.end()) due.push_back(c->second);
  }
  for (const std::shared_ptr<Connection>& c : due) {
    {
      std::unique_lock<Mutex> lock(exec_mu_, std::defer_lock);
      if (!LockExec(lock)) return;  // a busy script: the next turn after it ends
      if (c->block == nullptr) continue;
      const int reason = c->unblock_reason.load(std::memory_order_relaxed);
      FinishBlock(*c, reason != 0 ? static_cast<UnblockReason>(reason) : UnblockReason::kTimeout);
    }
    Resume(c);
  }
}

void EventLoop::FinishUnblocks(const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    const std::shared_ptr<Connection> c = it->second;
    {
      std::unique_lock<Mutex> lock(exec_mu_, std::defer_lock);
      if (!LockExec(lock)) {  // a busy script: again once it ends
        MutexLock l(&inbox_mu_);
        inbox_unblocks_.push_back(id);
        inbox_deferred_ = true;
        continue;
      }
      const int reason = c->unblock_reason.load(std::memory_order_relaxed);
      if (c->block == nullptr || reason == 0) continue;  // served or timed out first
      FinishBlock(*c, static_cast<UnblockReason>(reason));
    }
    Resume(c);
  }
}

int EventLoop::BlockedSleepMs(int timeout) {
  if (!paused_ready_.empty()) {
    timeout = static_cast<int>(std::min<int64_t>(timeout, state_->PauseRemainingMs()));
  }
  if (!deadlines_.empty()) {
    const int64_t left = deadlines_.begin()->first - state_->keyspace()->clock()->NowMs();
    timeout = static_cast<int>(std::clamp<int64_t>(left, 0, timeout));
  }
  return timeout;
}

}  // namespace embedis::server_internal
