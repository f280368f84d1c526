// Keyspace, part 4 of 6: who waits on keys. The registries of WATCHed keys
// and of keys blocked clients wait for, and the ready listeners told when such
// a key is created (see "Blocking" and "WATCH" in keyspace.h). The rest of the
// keyspace is in keyspace.cc, keyspace_expiry.cc and keyspace_copy.cc.
#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/keyspace_internal.h"
#include "lib/util/mutex.h"

namespace embedis {

using keyspace_internal::Db;
using keyspace_internal::HashKey;
using keyspace_internal::LazyNow;
using keyspace_internal::LookupLive;
using keyspace_internal::Shard;

void Keyspace::Created(Shard& shard, int db, std::string_view key)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // the caller holds shard.mu
  if (shard.Created(db, key)) ready_pending_.fetch_add(1, std::memory_order_release);
}

void Keyspace::NotifyReadySlow() {
  ready_pending_.store(0, std::memory_order_relaxed);
  std::vector<keyspace_internal::WatchKey> ready;
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    MutexLock lock(&shard.mu);  // not gated: hands over registrations, reads no key
    if (shard.ready.empty()) continue;
    for (auto& k : shard.ready) ready.push_back(std::move(k));
    shard.ready.clear();
  }
  if (ready.empty()) return;
  std::shared_lock lock(listeners_mu_);
  for (const auto& k : ready) {
    for (const auto& [id, listener] : listeners_) listener(k.db, k.key);
  }
}

int Keyspace::AddReadyListener(ReadyListener listener) {
  std::unique_lock lock(listeners_mu_);
  const int id = next_listener_id_++;
  listeners_.emplace_back(id, std::move(listener));
  return id;
}

void Keyspace::RemoveReadyListener(int id) {
  std::unique_lock lock(listeners_mu_);  // waits for running calls (they hold it shared)
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
}

bool Keyspace::AddBlockedKey(int db, std::string_view key) {
  CheckDb(db);
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  if (shard.blocked == nullptr) shard.blocked = std::make_unique<keyspace_internal::BlockedMap>();
  ++(*shard.blocked)[keyspace_internal::WatchKey{db, std::string(key)}];
  Db* d = DbIfPresent(shard, db);
  const bool exists = LookupLive(shard, db, d, key, hash, now, /*touch=*/false) != nullptr;
  if (d != nullptr) d->MaybeResize();
  return exists;
}

void Keyspace::RemoveBlockedKey(int db, std::string_view key) {
  CheckDb(db);
  Shard& shard = ShardFor(HashKey(key));
  // Not gated (nor is Unwatch): a connection closing while a script is busy must not wait.
  MutexLock lock(&shard.mu);
  if (shard.blocked == nullptr) return;
  auto it = shard.blocked->find(keyspace_internal::WatchKeyView{db, key});
  if (it == shard.blocked->end()) return;
  if (--it->second <= 0) shard.blocked->erase(it);
  if (shard.blocked->empty()) shard.blocked.reset();  // back to the one-test insert path
}

bool Keyspace::Watch(int db, std::string_view key, Watcher* watcher) {
  CheckDb(db);
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  // Not gated: WATCH is served while a script is busy (allow-busy). During another thread's
  // exclusive section it only registers: it reclaims nothing (that would change a key under the
  // section), so an already expired key reclaimed later marks the watcher (EXEC aborts: the
  // cautious side).
  MutexLock lock(&shard.mu);
  // An expired key is reclaimed before it is watched: its expiry happened
  // before the WATCH, so it must not count as a modification later.
  Db* d = DbIfPresent(shard, db);
  bool exists;
  if (ForeignSection()) [[unlikely]] {
    keyspace_internal::Entry** link = d == nullptr ? nullptr : d->Find(key, hash);
    exists = link != nullptr && !(*link)->expired(now.get());
  } else {
    exists = LookupLive(shard, db, d, key, hash, now, /*touch=*/false) != nullptr;
    if (d != nullptr) d->MaybeResize();
  }
  if (shard.watches == nullptr) shard.watches = std::make_unique<keyspace_internal::WatchMap>();
  keyspace_internal::WatcherList& list =
      shard.watches->try_emplace(keyspace_internal::WatchKey{db, std::string(key)}).first->second;
  if (std::find(list.begin(), list.end(), watcher) == list.end()) list.push_back(watcher);
  return exists;
}

void Keyspace::Unwatch(int db, std::string_view key, Watcher* watcher) {
  CheckDb(db);
  Shard& shard = ShardFor(HashKey(key));
  MutexLock lock(&shard.mu);  // not gated: see RemoveBlockedKey
  if (shard.watches == nullptr) return;
  auto it = shard.watches->find(keyspace_internal::WatchKeyView{db, key});
  if (it == shard.watches->end()) return;
  keyspace_internal::WatcherList& list = it->second;
  list.erase(std::remove(list.begin(), list.end(), watcher), list.end());
  if (list.empty()) shard.watches->erase(it);
  if (shard.watches->empty()) shard.watches.reset();  // back to the one-test write path
}

size_t Keyspace::WatchCount() {
  size_t n = 0;
  for (int i = 0; i < num_shards_; ++i) {
    MutexLock lock(&shards_[i].mu);  // a counter: not gated
    if (shards_[i].watches == nullptr) continue;
    for (const auto& [wk, watchers] : *shards_[i].watches) n += watchers.size();
  }
  return n;
}

}  // namespace embedis
