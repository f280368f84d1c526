// Keyspace, part 3 of 6: operations that give a value another key or another
// database: RENAME/RENAMENX, COPY and MOVE. The rest of the keyspace is in
// keyspace.cc, keyspace_expiry.cc and keyspace_waiters.cc.
#include <cstdint>
#include <string_view>

#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/keyspace_internal.h"
#include "lib/util/errors.h"
#include "lib/util/mutex.h"

namespace embedis {

using keyspace_internal::Db;
using keyspace_internal::Entry;
using keyspace_internal::HashKey;
using keyspace_internal::LazyNow;
using keyspace_internal::LookupLive;
using keyspace_internal::Shard;

absl::StatusOr<bool> Keyspace::Rename(int db, std::string_view from, std::string_view to,
                                      bool only_if_absent) {
  CheckDb(db);
  ReadyNotifier notify(this);
  LazyNow now(clock_);
  MultiLock locks(*this, {from, to});
  Shard& src_shard = locks.shard(0);
  Shard& dst_shard = locks.shard(1);
  Db* src_db = DbIfPresent(src_shard, db);
  Entry** src = LookupLive(src_shard, db, src_db, from, locks.hash(0), now);
  if (src == nullptr) return absl::NotFoundError(errors::kNoSuchKey);
  if (from == to) return !only_if_absent;
  Db& dst_db = DbFor(dst_shard, db, now);
  // Look the target up first: removing it may not invalidate `src`'s slot
  // because both are looked up again below.
  if (Entry** dst = LookupLive(dst_shard, db, &dst_db, to, locks.hash(1), now)) {
    if (only_if_absent) return false;
    dst_db.Remove(dst);
  }
  src = src_db->Find(from, locks.hash(0));
  Entry* old = *src;
  Entry* moved = old->is_string() ? keyspace_internal::NewStringEntry(*dst_db.alloc, to, old->str())
                                  : keyspace_internal::NewObjectEntry(*dst_db.alloc, to, old->tag,
                                                                      old->object());
  if (old->is_string()) moved->set_origin(old->origin());  // RENAME keeps OBJECT ENCODING
  int64_t deadline = old->has_ttl() ? old->timer.deadline_ms : -1;
  const uint32_t access = old->access();
  src_db->Remove(src, /*free_value=*/false);  // the object now belongs to `moved`
  Entry** link = dst_db.Insert(moved, locks.hash(1));
  (*link)->set_access(access);  // the value moved: it keeps its LRU/LFU information, as Redis's
  if (deadline != -1) dst_db.wheel.Schedule(&(*link)->timer, deadline);
  Created(dst_shard, db, to);
  using keyspace_internal::QueueEvent;
  QueueEvent(notifier_.get(), kNotifyGeneric, "rename_from", db, from);
  QueueEvent(notifier_.get(), kNotifyGeneric, "rename_to", db, to);
  ++dst_shard.changes;
  ++keyspace_internal::tl_changes;
  src_shard.Touch(db, from);
  dst_shard.Touch(db, to);
  src_db->MaybeResize();
  dst_db.MaybeResize();
  return true;
}

bool Keyspace::Copy(int from_db, std::string_view from, int to_db, std::string_view to,
                    bool replace) {
  CheckDb(from_db);
  CheckDb(to_db);
  ReadyNotifier notify(this);
  LazyNow now(clock_);
  MultiLock locks(*this, {from, to});
  Shard& src_shard = locks.shard(0);
  Shard& dst_shard = locks.shard(1);
  Entry** src =
      LookupLive(src_shard, from_db, DbIfPresent(src_shard, from_db), from, locks.hash(0), now);
  CountRead(src_shard, from_db, from, src != nullptr);  // COPY reads its source
  if (src == nullptr) return false;
  Db& dst_db = DbFor(dst_shard, to_db, now);
  if (Entry** dst = LookupLive(dst_shard, to_db, &dst_db, to, locks.hash(1), now)) {
    if (!replace) return false;
    dst_db.Remove(dst);
    // Removing from the same chain may have moved the source's slot.
    src = DbIfPresent(src_shard, from_db)->Find(from, locks.hash(0));
  }
  const Entry* old = *src;
  Entry* copy = old->is_string() ? keyspace_internal::NewStringEntry(*dst_db.alloc, to, old->str())
                                 : keyspace_internal::NewObjectEntry(
                                       *dst_db.alloc, to, old->tag,
                                       keyspace_internal::CopyObject(old->type(), old->object()));
  if (old->is_string()) copy->set_origin(old->origin());  // Redis's COPY keeps the encoding too
  Entry** link = dst_db.Insert(copy, locks.hash(1));
  if (old->has_ttl()) dst_db.wheel.Schedule(&(*link)->timer, old->timer.deadline_ms);
  Created(dst_shard, to_db, to);
  keyspace_internal::QueueEvent(notifier_.get(), kNotifyGeneric, "copy_to", to_db, to);
  ++dst_shard.changes;
  ++keyspace_internal::tl_changes;
  dst_shard.Touch(to_db, to);
  dst_db.MaybeResize();
  return true;
}

bool Keyspace::Move(int from_db, int to_db, std::string_view key) {
  CheckDb(from_db);
  CheckDb(to_db);
  ReadyNotifier notify(this);
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);  // the same shard in every database
  ShardLock lock(*this, shard);
  shard.BeforeWrite();
  Db* src_db = DbIfPresent(shard, from_db);
  Entry** src = LookupLive(shard, from_db, src_db, key, hash, now);
  if (src == nullptr) return false;
  Db& dst_db = DbFor(shard, to_db, now);
  // With from_db == to_db this finds the source itself. Otherwise the two are different tables,
  // so reclaiming an expired target here leaves `src` valid.
  if (LookupLive(shard, to_db, &dst_db, key, hash, now) != nullptr) return false;
  // Both databases take their entries from the shard's allocator: the entry itself moves, with
  // its value object, and only its timer changes wheels.
  const int64_t deadline = (*src)->has_ttl() ? (*src)->timer.deadline_ms : -1;
  Entry* e = src_db->Unlink(src);
  const uint32_t access = e->access();
  dst_db.Insert(e, hash);
  e->set_access(access);
  if (deadline != -1) dst_db.wheel.Schedule(&e->timer, deadline);
  Created(shard, to_db, key);
  keyspace_internal::QueueEvent(notifier_.get(), kNotifyGeneric, "move_from", from_db, key);
  keyspace_internal::QueueEvent(notifier_.get(), kNotifyGeneric, "move_to", to_db, key);
  ++shard.changes;
  ++keyspace_internal::tl_changes;
  shard.Touch(from_db, key);
  shard.Touch(to_db, key);
  src_db->MaybeResize();
  dst_db.MaybeResize();
  return true;
}

}  // namespace embedis
