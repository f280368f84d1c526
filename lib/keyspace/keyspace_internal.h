// Keyspace internals: the entry layout, one database's hash table and timer
// wheel within a shard, and the shard itself. Private to lib/keyspace; see
// keyspace.h for the design.
#ifndef EMBEDIS_LIB_KEYSPACE_KEYSPACE_INTERNAL_H_
#define EMBEDIS_LIB_KEYSPACE_KEYSPACE_INTERNAL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "lib/keyspace/eviction.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/propagator.h"
#include "lib/keyspace/pubsub.h"
#include "lib/keyspace/slab_allocator.h"
#include "lib/keyspace/timer_wheel.h"
#include "lib/keyspace/value_types.h"
#include "lib/keyspace/zset_value.h"
#include "lib/util/mutex.h"
#include "xxhash.h"

namespace embedis {
namespace keyspace_internal {

// Entry::key_bits holds the key length in its low kKeyLenBits bits and, in the
// two bits above, the StringOrigin of a string value (0, kSet, for other types).
// Keys are therefore limited to kMaxKeyLen bytes (1 GiB - 1; Redis's default
// proto-max-bulk-len is 512 MB). The flag costs no header space, and the hot
// paths pay one AND for the key length.
constexpr uint32_t kKeyLenBits = 30;
constexpr uint32_t kMaxKeyLen = (uint32_t{1} << kKeyLenBits) - 1;
static_assert(static_cast<uint32_t>(StringOrigin::kRaw) < 4, "the origin fits two bits");
static_assert(kMaxKeyLen == Keyspace::kMaxKeyBytes, "the documented key limit");

// One key: a single block from its shard's SlabAllocator holding this
// header, the key bytes and the value (string bytes, or a pointer to the value
// object followed by the bytes that object was last accounted at: see
// ObjectAccountedBytes). Its size is always EntryBytes(), so it is never stored.
// The key's access information (LRU/LFU, eviction.h) lives in the timer node's owner bits.
struct Entry {
  Entry* next;        // hash chain
  TimerNode timer;    // linked iff the key has an expiry
  uint32_t key_bits;  // key length | string origin << kKeyLenBits; use the accessors
  uint32_t tag;

  uint32_t key_len() const { return key_bits & kMaxKeyLen; }
  // How the string value was stored (OBJECT ENCODING). Meaningless for other types.
  StringOrigin origin() const { return static_cast<StringOrigin>(key_bits >> kKeyLenBits); }
  void set_origin(StringOrigin origin) {
    key_bits = key_len() | (static_cast<uint32_t>(origin) << kKeyLenBits);
  }

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view key() const { return {data(), key_len()}; }
  bool is_string() const { return tag <= kMaxStringTag; }
  ValueType type() const { return TypeOfTag(tag); }
  std::string_view str() const { return {data() + key_len(), tag}; }
  // The value object of a non-string entry (value_types.h).
  void* object() const {
    void* p;
    std::memcpy(&p, data() + key_len(), sizeof(p));
    return p;
  }
  // REQUIRES: type() == kHash / kList / kSet / kZSet.
  HashValue* hash() const { return static_cast<HashValue*>(object()); }
  ListValue* list() const { return static_cast<ListValue*>(object()); }
  SetValue* set() const { return static_cast<SetValue*>(object()); }
  ZSetValue* zset() const { return static_cast<ZSetValue*>(object()); }
  // The bytes a non-string value was last measured at, counted in its shard's used memory.
  uint64_t object_bytes() const {
    uint64_t b;
    std::memcpy(&b, data() + key_len() + sizeof(void*), sizeof(b));
    return b;
  }
  void set_object_bytes(uint64_t b) {
    std::memcpy(data() + key_len() + sizeof(void*), &b, sizeof(b));
  }
  // The access information (eviction.h).
  uint32_t access() const { return timer.owner_bits(); }
  void set_access(uint32_t bits) { timer.set_owner_bits(bits); }
  bool has_ttl() const { return timer.linked(); }
  bool expired(int64_t now_ms) const { return timer.linked() && timer.deadline_ms <= now_ms; }
};
static_assert(sizeof(Entry) == 40, "entry header should stay 40 bytes");

inline size_t PayloadBytes(uint32_t tag) {
  return tag <= kMaxStringTag ? tag : sizeof(void*) + sizeof(uint64_t);
}
inline size_t EntryBytes(size_t key_len, uint32_t tag) {
  return sizeof(Entry) + key_len + PayloadBytes(tag);
}
inline size_t EntryBytes(const Entry* e) { return EntryBytes(e->key_len(), e->tag); }

inline Entry* FromTimer(TimerNode* node) {
  return reinterpret_cast<Entry*>(reinterpret_cast<char*>(node) - offsetof(Entry, timer));
}

// A new entry for `key` (a string entry's origin is StringOrigin::kSet). A key
// longer than kMaxKeyLen aborts the process with a message (Keyspace's REQUIRES).
inline Entry* NewEntry(SlabAllocator& alloc, std::string_view key, uint32_t tag) {
  if (key.size() > kMaxKeyLen) [[unlikely]] {
    std::fprintf(stderr, "embedis: a key of %zu bytes exceeds the keyspace's limit of %u bytes\n",
                 key.size(), kMaxKeyLen);
    std::abort();
  }
  auto* e = static_cast<Entry*>(alloc.Allocate(EntryBytes(key.size(), tag)));
  e->next = nullptr;
  new (&e->timer) TimerNode();
  e->key_bits = static_cast<uint32_t>(key.size());
  e->tag = tag;
  std::memcpy(e->data(), key.data(), key.size());
  return e;
}

inline Entry* NewStringEntry(SlabAllocator& alloc, std::string_view key, std::string_view value) {
  Entry* e = NewEntry(alloc, key, static_cast<uint32_t>(value.size()));
  std::memcpy(e->data() + key.size(), value.data(), value.size());
  return e;
}

// The bytes a value object is accounted at: its footprint with a hash or set table measured on
// kAccountingSamples fields and extrapolated, so that re-measuring after each write is
// O(kAccountingSamples) for a table, O(entries) for a listpack (bounded by its limits), O(1) for a
// list or a sorted set.
constexpr size_t kAccountingSamples = 16;
inline uint64_t MeasureObject(ValueType type, const void* object) {
  return ObjectFootprint(type, object, kAccountingSamples);
}

// Measures the object of `e` again and moves the difference into `alloc`'s used bytes.
inline void RemeasureObject(SlabAllocator& alloc, Entry* e) {
  const uint64_t now = MeasureObject(e->type(), e->object());
  alloc.AddExternal(static_cast<int64_t>(now) - static_cast<int64_t>(e->object_bytes()));
  e->set_object_bytes(now);
}

inline Entry* NewObjectEntry(SlabAllocator& alloc, std::string_view key, uint32_t tag,
                             void* object) {
  Entry* e = NewEntry(alloc, key, tag);
  std::memcpy(e->data() + key.size(), &object, sizeof(void*));
  e->set_object_bytes(0);
  RemeasureObject(alloc, e);
  return e;
}

// Frees the entry's block; with `free_value`, also its value object. Either way the object's
// bytes leave `alloc`'s used bytes (without free_value the object moves to another entry, which
// counts it again).
inline void FreeEntry(SlabAllocator& alloc, Entry* e, bool free_value = true) {
  if (!e->is_string()) {
    alloc.AddExternal(-static_cast<int64_t>(e->object_bytes()));
    if (free_value) DeleteObject(e->type(), e->object());
  }
  alloc.Free(e, EntryBytes(e));
}

// One database's share of one shard: a chained hash table with power-of-two
// buckets, and the timer wheel of its keys' deadlines. Its entries come from
// the shard's allocator.
struct Notifier;

struct Db {
  Db(SlabAllocator* a, const EncodingThresholds* e, const Notifier* n, const EvictionState* ev,
     int index_in_keyspace, int64_t tick_ms, int64_t now_ms)
      : alloc(a),
        encoding(e),
        notifier(n),
        eviction(ev),
        index(index_in_keyspace),
        wheel(tick_ms, now_ms) {}
  ~Db() {
    for (size_t i = 0; buckets != nullptr && i <= mask; ++i) {
      for (Entry* e = buckets[i]; e != nullptr;) {
        Entry* next = e->next;
        wheel.Cancel(&e->timer);
        FreeEntry(*alloc, e);
        e = next;
      }
    }
    if (buckets != nullptr) alloc->AddExternal(-static_cast<int64_t>((mask + 1) * sizeof(Entry*)));
    std::free(buckets);
  }

  // Returns the slot pointing at `key`'s entry, or nullptr when absent.
  Entry** Find(std::string_view key, uint64_t hash) {
    if (buckets == nullptr) return nullptr;
    for (Entry** link = &buckets[hash & mask]; *link != nullptr; link = &(*link)->next) {
      Entry* e = *link;
      // (An empty key may come with a null data(): memcmp must not see it.)
      if (e->key_len() == key.size() &&
          (key.empty() || std::memcmp(e->data(), key.data(), key.size()) == 0)) {
        return link;
      }
    }
    return nullptr;
  }

  // Inserts a new entry (the key must be absent) at the head of its bucket and
  // returns the slot pointing at it.
  Entry** Insert(Entry* e, uint64_t hash) {
    if (buckets == nullptr) Rehash(kMinBuckets);
    e->set_access(eviction->NewBits());
    Entry** head = &buckets[hash & mask];
    e->next = *head;
    *head = e;
    ++size;
    return head;
  }

  // Unlinks and frees the entry at `link` (with its value object unless
  // !free_value: the object has been handed to another entry).
  void Remove(Entry** link, bool free_value = true) { FreeEntry(*alloc, Unlink(link), free_value); }

  // Unlinks the entry at `link` from the chain and cancels its timer, without
  // freeing it, and returns it: MOVE relinks it into another database of the
  // same shard (same allocator). The deadline must be read before.
  Entry* Unlink(Entry** link) {
    Entry* e = *link;
    *link = e->next;
    e->next = nullptr;
    wheel.Cancel(&e->timer);
    --size;
    return e;
  }

  // Grows or shrinks the bucket array after an operation (never during one,
  // so slots held by an operation stay valid).
  void MaybeResize() {
    if (buckets == nullptr) return;
    size_t n = mask + 1;
    if (size > n) {
      Rehash(n * 2);
    } else if (n > kMinBuckets && size < n / 8) {
      size_t target = n;
      while (target > kMinBuckets && size < target / 8) target /= 2;
      Rehash(target);
    }
  }

  void Rehash(size_t n) {
    auto* fresh = static_cast<Entry**>(std::calloc(n, sizeof(Entry*)));
    if (fresh == nullptr) {
      std::fprintf(stderr, "embedis: out of memory growing a hash table to %zu buckets\n", n);
      std::abort();
    }
    for (size_t i = 0; buckets != nullptr && i <= mask; ++i) {
      for (Entry* e = buckets[i]; e != nullptr;) {
        Entry* next = e->next;
        Entry** head = &fresh[XXH3_64bits(e->data(), e->key_len()) & (n - 1)];
        e->next = *head;
        *head = e;
        e = next;
      }
    }
    const size_t old_n = buckets == nullptr ? 0 : mask + 1;
    alloc->AddExternal((static_cast<int64_t>(n) - static_cast<int64_t>(old_n)) *
                       static_cast<int64_t>(sizeof(Entry*)));
    std::free(buckets);
    buckets = fresh;
    mask = n - 1;
  }

  // Gives the entry at `link` the value tag `new_tag` (a string length, or an
  // object tag), moving it to a block of the right size class if needed; the
  // key, the chain position and the timer follow. The old value object, if
  // any, is NOT freed, and the new payload bytes are uninitialized (a string
  // keeps min(old, new) bytes of its old value). Returns the entry.
  Entry* Retag(Entry** link, uint32_t new_tag) {
    Entry* e = *link;
    const size_t old_bytes = EntryBytes(e);
    const size_t new_bytes = EntryBytes(e->key_len(), new_tag);
    if (SlabAllocator::FitsInPlace(e, old_bytes, new_bytes)) {
      e->tag = new_tag;
      return e;
    }
    // The timer node's neighbours point into the old block: unlink first.
    const bool timed = e->timer.linked();
    const int64_t deadline = e->timer.deadline_ms;
    const uint32_t access = e->access();
    wheel.Cancel(&e->timer);
    Entry* moved = static_cast<Entry*>(alloc->Reallocate(e, old_bytes, new_bytes));
    new (&moved->timer) TimerNode();
    moved->set_access(access);
    if (timed) wheel.Schedule(&moved->timer, deadline);
    moved->tag = new_tag;
    *link = moved;
    return moved;
  }

  // Stores a string value in the existing entry at `link`, stored as `origin`.
  void Assign(Entry** link, std::string_view value, StringOrigin origin = StringOrigin::kSet) {
    Entry* e = *link;
    if (!e->is_string()) {
      alloc->AddExternal(-static_cast<int64_t>(e->object_bytes()));
      DeleteObject(e->type(), e->object());
    }
    e = Retag(link, static_cast<uint32_t>(value.size()));
    e->set_origin(origin);
    std::memcpy(e->data() + e->key_len(), value.data(), value.size());
  }

  static constexpr size_t kMinBuckets = 4;
  SlabAllocator* const alloc;
  const EncodingThresholds* const encoding;  // the keyspace's, read when a value grows
  const Notifier* const notifier;            // the keyspace's (notifications)
  const EvictionState* const eviction;       // the keyspace's (access information)
  int index;                                 // which database this is (SWAPDB updates it)
  Entry** buckets = nullptr;
  size_t mask = 0;
  size_t size = 0;
  TimerWheel wheel;
};

// A shard's WATCH registry: (db, key) -> the watchers of that key. Looked up
// with a WatchKeyView, without building a std::string.
struct WatchKey {
  int db;
  std::string key;
};
struct WatchKeyView {
  int db;
  std::string_view key;
};
struct WatchKeyHash {
  using is_transparent = void;
  size_t operator()(const WatchKey& k) const { return (*this)(WatchKeyView{k.db, k.key}); }
  size_t operator()(const WatchKeyView& k) const {
    return absl::Hash<std::pair<int, std::string_view>>{}({k.db, k.key});
  }
};
struct WatchKeyEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return a.db == b.db && std::string_view(a.key) == std::string_view(b.key);
  }
};
using WatcherList = absl::InlinedVector<Watcher*, 2>;
using WatchMap = absl::flat_hash_map<WatchKey, WatcherList, WatchKeyHash, WatchKeyEq>;
using BlockedMap = absl::flat_hash_map<WatchKey, int, WatchKeyHash, WatchKeyEq>;

// ---- Notifications (see "Notifications" in keyspace.h) ----
// The keyspace's notify-keyspace-events flags and its hub.
struct Notifier {
  std::atomic<uint32_t> flags{0};
  PubSub* pubsub = nullptr;
  // Keyspace::SetPropagator's; null (one relaxed load per deletion) when nothing logs.
  std::atomic<Propagator*> propagator{nullptr};
  // Whether an event of class `type` reaches anyone now: its class is on, K or E is on, and
  // somebody subscribes to something. One relaxed load when notifications are off.
  bool Wants(uint32_t type) const {
    const uint32_t f = flags.load(std::memory_order_relaxed);
    if ((f & type) == 0 || (f & (kNotifyKeyspace | kNotifyKeyevent)) == 0) [[likely]] {
      return false;
    }
    return !pubsub->empty();
  }
};
// An event noted under a shard lock, published when the operation has released its locks.
struct PendingEvent {
  const Notifier* notifier;
  uint32_t type;
  const char* event;  // a string literal
  int db;
  std::string key;
};
// Logs `DEL key` for a key the keyspace deleted on its own (expiry; eviction), under its shard
// lock (propagator.h).
void PropagateDelSlow(Propagator* p, int db, std::string_view key);
inline void PropagateDel(const Notifier* n, int db, std::string_view key) {
  if (Propagator* p = n->propagator.load(std::memory_order_acquire); p != nullptr) [[unlikely]] {
    PropagateDelSlow(p, db, key);
  }
}
// This thread's changes (every shard's `changes` increments made by this thread), for the command
// layer's "did this command change data" test (Keyspace::ThreadChanges).
extern constinit thread_local uint64_t tl_changes;
// This thread's events not yet published; null until the thread's first event.
extern constinit thread_local std::vector<PendingEvent>* tl_events;
inline size_t PendingEventCount() { return tl_events == nullptr ? 0 : tl_events->size(); }
// Notes an event (if anyone can receive it) at the end of the queue, or at position `at` (an
// earlier PendingEventCount(): "new" goes before the events of the command that created the key).
void QueueEventSlow(const Notifier* n, uint32_t type, const char* event, int db,
                    std::string_view key, size_t at);
inline void QueueEvent(const Notifier* n, uint32_t type, const char* event, int db,
                       std::string_view key, size_t at = SIZE_MAX) {
  if (n->Wants(type)) [[unlikely]] {
    QueueEventSlow(n, type, event, db, key, at);
  }
}
// Publishes this thread's pending events, oldest first. REQUIRES: no shard lock held.
void PublishPendingEvents();
// Publishes one event now. REQUIRES: no shard lock held.
void PublishEvent(const Notifier& n, uint32_t type, std::string_view event, int db,
                  std::string_view key);

// The keyspace's encoding thresholds (Keyspace::SetEncodingLimits), read by every value's growth.
struct EncodingThresholds {
  std::atomic<size_t> set_max_intset_entries{512};
  std::atomic<size_t> hash_max_listpack_entries{512};
  std::atomic<size_t> hash_max_listpack_value{64};
  std::atomic<size_t> zset_max_listpack_entries{128};
  std::atomic<size_t> zset_max_listpack_value{64};

  HashValue::Limits hash() const {
    return {.max_listpack_entries = hash_max_listpack_entries.load(std::memory_order_relaxed),
            .max_listpack_value = hash_max_listpack_value.load(std::memory_order_relaxed)};
  }
  ZSetValue::Limits zset() const {
    return {.max_listpack_entries = zset_max_listpack_entries.load(std::memory_order_relaxed),
            .max_listpack_value = zset_max_listpack_value.load(std::memory_order_relaxed)};
  }
};

// A point-in-time image in progress (Keyspace::BeginImage): its instant, and each shard's records
// once copied by an operation that was about to change the shard before the image's reader got
// to it.
struct ImageCapture {
  int64_t at_ms = 0;
  std::vector<std::vector<KeyRecord>> slots;  // one per shard
};

struct Shard;
// Copies `shard`'s live keys as of capture->at_ms into its slot and detaches the image from it.
void CaptureForImage(Shard& shard);

// Cache-line aligned so that two threads working on neighbouring shards do
// not share the lines of their mutexes and counters.
struct alignas(64) Shard {
  // Declared first so that it is destroyed after `dbs`, whose entries it holds.
  SlabAllocator alloc;
  // Every operation writes the mutex, and reads write the hit counters: they
  // share one cache line, so an operation moves one line between cores, not two.
  alignas(64) Mutex mu;
  uint64_t hits ABSL_GUARDED_BY(mu) = 0;
  uint64_t misses ABSL_GUARDED_BY(mu) = 0;
  uint64_t changes ABSL_GUARDED_BY(mu) = 0;
  // Read-mostly from here on.
  alignas(64) std::vector<std::unique_ptr<Db>> dbs ABSL_GUARDED_BY(mu);
  // WATCH registry; null whenever no key of the shard is watched, so that a
  // write pays one pointer test (on the line it reads `dbs` from) for WATCH.
  std::unique_ptr<WatchMap> watches ABSL_GUARDED_BY(mu);
  uint64_t expired ABSL_GUARDED_BY(mu) = 0;
  uint64_t evicted ABSL_GUARDED_BY(mu) = 0;
  // maxmemory's candidates in this shard (keyspace_eviction.cc); empty until the first eviction.
  std::unique_ptr<EvictionPool> pool ABSL_GUARDED_BY(mu);
  int index = 0;
  // Blocking (keyspace.h): the keys clients wait for, counted; null when none. A key of it that
  // an operation creates goes to `ready`, which the operation hands to the ready listeners after
  // it unlocks (Keyspace::NotifyReady).
  std::unique_ptr<BlockedMap> blocked ABSL_GUARDED_BY(mu);
  std::vector<WatchKey> ready ABSL_GUARDED_BY(mu);
  // The image in progress that has not copied this shard yet; null otherwise (one pointer test
  // per write). Every operation that may change the shard's keys calls BeforeWrite() once it
  // holds `mu`, so the image sees the shard as it was at the image's instant.
  ImageCapture* image ABSL_GUARDED_BY(mu) = nullptr;
  void BeforeWrite() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (image != nullptr) [[unlikely]] {
      CaptureForImage(*this);
    }
  }

  // Notes that (db, key) now exists (an entry was inserted for it): a key someone blocks on
  // becomes ready. Returns whether it did (the caller then raises Keyspace::ready_pending_).
  bool Created(int db, std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (blocked == nullptr) [[likely]] {
      return false;
    }
    if (!blocked->contains(WatchKeyView{db, key})) return false;
    ready.push_back(WatchKey{db, std::string(key)});
    return true;
  }

  // Marks the watchers of (db, key) dirty: the key was just modified.
  void Touch(int db, std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (watches != nullptr) [[unlikely]] {
      TouchWatched(db, key);
    }
  }
  void TouchWatched(int db, std::string_view key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = watches->find(WatchKeyView{db, key});
    if (it == watches->end()) return;
    for (Watcher* w : it->second) w->MarkDirty();
  }
  static void TouchAll(const WatcherList& watchers) {
    for (Watcher* w : watchers) w->MarkDirty();
  }
};
static_assert(sizeof(Mutex) + 3 * sizeof(uint64_t) <= 64, "hot fields fit one cache line");

// Helpers shared by the files of the Keyspace implementation (keyspace.cc, keyspace_expiry.cc,
// keyspace_copy.cc).

// A token for the calling thread, unique among live threads (exclusive sections' owner).
extern constinit thread_local char tl_thread_token;
inline const void* ThreadToken() { return &tl_thread_token; }

inline uint64_t HashKey(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

// Records an access to `e` in its access information (LRU clock or LFU counter), unless this
// thread is in a Keyspace::NoTouchScope.
inline void TouchAccess(const EvictionState* ev, Entry* e) {
  if (tl_no_touch) [[unlikely]] {
    return;
  }
  e->set_access(ev->TouchedBits(e->access()));
}

// Finds `key` in `db`, deleting it first if it has expired. Returns the slot
// pointing at the live entry, or nullptr. A live key's access information is
// updated unless !touch (Redis's LOOKUP_NOTOUCH: TYPE, TTL, OBJECT, EXISTS, ...).
// Reclaiming an expired key is a modification for its watchers.
inline Entry** LookupLive(Shard& shard, int db_index, Db* db, std::string_view key, uint64_t hash,
                          LazyNow& now, bool touch = true) ABSL_EXCLUSIVE_LOCKS_REQUIRED(shard.mu) {
  if (db == nullptr) return nullptr;
  Entry** link = db->Find(key, hash);
  if (link == nullptr) return nullptr;
  if ((*link)->has_ttl() && (*link)->timer.deadline_ms <= now.get()) {
    shard.Touch(db_index, key);
    db->Remove(link);
    ++shard.expired;
    QueueEvent(db->notifier, kNotifyExpired, "expired", db_index, key);
    PropagateDel(db->notifier, db_index, key);
    return nullptr;
  }
  if (touch) TouchAccess(db->eviction, *link);
  return link;
}

}  // namespace keyspace_internal

// Hands the keys an operation made ready to the listeners once the operation's locks are
// released: declared before the locks, so that it is destroyed after them.
class Keyspace::ReadyNotifier {
 public:
  explicit ReadyNotifier(Keyspace* ks) : ks_(ks) {}
  ~ReadyNotifier() {
    if (ks_->ready_pending_.load(std::memory_order_acquire) != 0) [[unlikely]] {
      ks_->NotifyReadySlow();
    }
    if (keyspace_internal::tl_events != nullptr && !keyspace_internal::tl_events->empty())
        [[unlikely]] {
      keyspace_internal::PublishPendingEvents();
    }
  }
  ReadyNotifier(const ReadyNotifier&) = delete;
  ReadyNotifier& operator=(const ReadyNotifier&) = delete;

 private:
  Keyspace* ks_;
};

// Locks one shard for an operation: MutexLock plus the exclusive-section gate. With no section
// active the gate costs one relaxed load of a line every operation reads anyway (ShardFor); while
// another thread holds a section the operation waits, holding no lock, until it ends
// (Keyspace::PassGate). Operations that read no key data and must go on while a script is busy
// (statistics, Unwatch, RemoveBlockedKey, an Image's reader, Prefetch) lock shards without it.
class ABSL_SCOPED_LOCKABLE Keyspace::ShardLock {
 public:
  ShardLock(const Keyspace& ks, Shard& shard) ABSL_EXCLUSIVE_LOCK_FUNCTION(shard.mu)
      : shard_(shard) {
    shard.mu.Lock();
    if (ks.exclusive_owner_.load(std::memory_order_relaxed) != nullptr) [[unlikely]] {
      ks.PassGate([this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { shard_.mu.Unlock(); },
                  [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { shard_.mu.Lock(); });
    }
  }
  ~ShardLock() ABSL_UNLOCK_FUNCTION() { shard_.mu.Unlock(); }
  ShardLock(const ShardLock&) = delete;
  ShardLock& operator=(const ShardLock&) = delete;

 private:
  Shard& shard_;
};

// Locks the shards of a set of keys in ascending shard order (the order every
// multi-key operation takes them in, so that two never deadlock), gated as ShardLock.
class Keyspace::MultiLock {
 public:
  MultiLock(const Keyspace& ks, const std::vector<std::string_view>& keys) : ks_(ks) {
    hashes_.reserve(keys.size());
    for (std::string_view k : keys) hashes_.push_back(keyspace_internal::HashKey(k));
    LockAll();
  }
  MultiLock(const Keyspace& ks, std::vector<uint64_t> hashes)
      : ks_(ks), hashes_(std::move(hashes)) {
    LockAll();
  }
  ~MultiLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (Shard* s : locked_) s->mu.Unlock();
  }
  uint64_t hash(size_t i) const { return hashes_[i]; }
  Shard& shard(size_t i) const { return ks_.ShardFor(hashes_[i]); }

 private:
  void LockAll() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    for (uint64_t h : hashes_) locked_.push_back(&ks_.ShardFor(h));
    std::sort(locked_.begin(), locked_.end(),
              [](Shard* a, Shard* b) { return a->index < b->index; });
    locked_.erase(std::unique(locked_.begin(), locked_.end()), locked_.end());
    for (Shard* s : locked_) s->mu.Lock();
    if (ks_.exclusive_owner_.load(std::memory_order_relaxed) != nullptr) [[unlikely]] {
      ks_.PassGate(
          [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
            for (size_t i = locked_.size(); i-- > 0;) locked_[i]->mu.Unlock();
          },
          [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
            for (Shard* s : locked_) s->mu.Lock();
          });
    }
    // Readers (MGET, EXISTS) too: harmless, and only while an image runs.
    for (Shard* s : locked_) s->BeforeWrite();
  }
  const Keyspace& ks_;
  std::vector<uint64_t> hashes_;
  absl::InlinedVector<Shard*, 8> locked_;
};
}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_KEYSPACE_INTERNAL_H_
