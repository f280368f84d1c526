// Keyspace: the in-process, sharded, thread-safe Redis keyspace.
//
// A Keyspace holds up to `databases` logical databases (Redis's SELECT) of
// typed values (string, hash) with exact TTLs. It knows no protocol: the
// command table (lib/commands) maps Redis commands onto it, and MemoryStore and
// embedis-server both run on it.
//
//   ManualClock clock;
//   Keyspace ks({.clock = &clock});
//   ks.Set(0, "sess:abc", "{...}", {.ttl = SetOptions::Ttl::kAt,
//                                   .expire_at_ms = clock.NowMs() + 86'400'000});
//   std::optional<std::string> v = *ks.Get(0, "sess:abc");     // the value
//   ks.Expire(0, "sess:abc", clock.NowMs() + 1000);             // a session touch
//   clock.Advance(absl::Seconds(2));   // expired *and* reclaimed, synchronously
//
// Thread safety: every method may be called from any thread at any time. Each
// of the `shards` shards has its own mutex, hash tables (one per database) and
// timer wheels; a key lives in the shard picked by the top bits of XXH3(key).
// A single-key operation locks one shard; a multi-key operation (MGET, MSET,
// DEL k1 k2, RENAME, ...) locks every shard it touches in ascending order, so
// it is atomic. No lock is held across a call out of the keyspace except the
// callbacks of Update() and Update2().
//
// Expiry. Each entry keeps its absolute deadline (ms since the Unix epoch) in
// a timer node embedded in the entry. Every operation reads the clock once and
// treats a key whose deadline <= now as absent (and deletes it), so a reader
// never sees an expired key. Independently, a per-shard hierarchical timer
// wheel (lib/keyspace/timer_wheel.h) reclaims expired keys that nobody reads,
// within one tick (KeyspaceOptions::tick, default 100 ms) after the deadline:
// a background thread drives it on the real clock; on a ManualClock the
// keyspace subscribes to Advance() instead and reclaims synchronously there.
// Setting, moving (a session touch) and clearing a deadline are O(1) and
// allocate nothing: the timer node moves between wheel slots.
//
// Memory. An entry is one allocation: a 40-byte header (hash chain link, timer
// node, key length with a string's StringOrigin in its two top bits, value
// tag), the key bytes and, for strings, the value bytes. The only other per-key cost is the hash
// table's bucket array (one pointer per bucket, load factor between 1/8 and 1). Non-string values
// are a pointer to their own object after the key, followed by the bytes the object is accounted
// at. The timer node's spare pointer bits hold the key's LRU/LFU access information.
//
// maxmemory (KeyspaceOptions::eviction, SetEvictionOptions, EnsureMemory; keyspace_eviction.cc has
// the design): UsedMemory() sums per-shard counters of entry blocks, value objects and bucket
// arrays; EnsureMemory(), which the command layer calls before each command, evicts keys as
// Redis's maxmemory-policy says until the keyspace is under the limit, or reports Redis's OOM.
//
// SCAN. Scan() walks one shard after another; inside a shard it walks the
// hash table's buckets in reverse-binary order (the method of Redis's
// dictScan): the cursor's bits are incremented from the most significant
// bucket-index bit down. Because tables are powers of two and a table of size
// 2^n splits bucket b into b and b + 2^n when it doubles (and merges them when
// it halves), every bucket index already visited stays "behind" the cursor
// after a resize: a bucket a smaller table called b maps onto buckets of a
// larger table that all share b's low bits, which the reversed increment
// visits as one contiguous run. The cursor is
//     (reverse-binary bucket cursor << shard_bits) | shard index,
// an opaque 64-bit number that stays valid across any number of resizes.
// Guarantees, as Redis's: a full iteration (from cursor 0 until 0 comes back)
// returns every key that was present from its start to its end at least once;
// a key may be returned more than once (after a shrink between calls, a bucket
// can be scanned twice); keys added or removed meanwhile may or may not be
// returned; a full iteration always ends. Resizes happen whole, under the
// shard lock, so a single call never observes a half-rehashed table. COUNT is
// a hint: a call returns after visiting buckets that held at least `count`
// keys (before MATCH and TYPE filtering, as Redis) or `10 * count` buckets,
// so a call may return no keys with a non-zero cursor. Limits: the cursor is
// only meaningful for the same Keyspace with the same shard count; a foreign
// or garbage cursor does not crash, it just continues from some position.
//
// WATCH. A command-layer client that WATCHes a key registers its Watcher for
// (db, key) with Watch(); each shard keeps, under its mutex, a registry
// (db, key) -> watchers for its keys. Every modification of a key, whoever
// makes it (a command of any client, the embedding application calling the
// keyspace directly, the expiry reclaim, Import), sets the dirty flag of the
// key's watchers, and EXEC then refuses to run. What counts as a modification
// is what Redis 7 signals (signalModifiedKey): a write that changed something.
// SET NX on an existing key, HSETNX on an existing field, HDEL of missing
// fields, PERSIST of a key without TTL, EXPIRE whose condition fails, or a
// command that fails (WRONGTYPE, not an integer) do not count; SET of the same
// value, EXPIRE to the same deadline and APPEND of "" do. FLUSHDB and FLUSHALL
// touch only watched keys that exist in the emptied database, SWAPDB only
// those that exist in either of the two (Redis's touchAllWatchedKeysInDb).
// Reclaiming an expired key (by a reader, the wheel, or Watch() itself) counts
// as a modification, so a watched key that expires before EXEC makes it fail,
// as in Redis; Watch() reclaims an already expired key first, so expiry that
// happened before WATCH does not. When no key of a shard is watched, a write
// pays one pointer test for all this.
//
// Blocking. A client blocked on keys (BLPOP and the other blocking commands) waits for one of
// them to exist. The server registers each such key with AddBlockedKey; each shard keeps, under
// its mutex, a count per (db, key) (null, one pointer test per insert, when nothing is blocked).
// Whenever an operation inserts an entry for a registered key, whatever the operation (a push,
// SET, RENAME/COPY/MOVE onto it, SWAPDB, Import) and whoever calls it (a network client, EXEC,
// the embedding application), the key goes to its shard's ready list; when the operation has
// released its locks it hands the ready keys to every ReadyListener (the server's wakes the
// clients blocked on them, which retry their command). A key that exists only with a deadline
// already passed is not ready. Listeners run on the writing thread, after the write is visible.
//
// Notifications. Redis's keyspace notifications (notify-keyspace-events; SetNotifyFlags) are
// raised where the change is made, so that every path that changes a key raises them: an
// embedis-server client, EXEC, MemoryStore's commands and typed fast paths, the embedding
// application calling the keyspace, and expiry. The keyspace raises the events of its own
// operations (SET/MSET "set", DEL "del", EXPIRE "expire", PERSIST "persist", RENAME
// "rename_from"/"rename_to", COPY "copy_to", MOVE "move_from"/"move_to", "new" whenever an entry
// is inserted, "expired" whenever an expired key is reclaimed: by a reader, a writer, the timer
// wheel or ManualClock::Advance); the typed operations of lib/commands (*_ops.cc), which work on
// a locked KeyHandle, raise their commands' events with KeyHandle::Notify ("hset", "lpush",
// "zincr", ...). An event noted under a shard lock goes to a per-thread queue and is published
// on the hub (pubsub()) by the operation once it has released every lock (the ReadyNotifier,
// which also wakes blocked clients), in the order the events were raised, on the operation's
// thread: a subscriber's callback never runs under a shard lock and may call the keyspace.
// With notifications off, or no subscriber at all, raising an event costs one relaxed load.
//
// Exclusive sections. EXEC, a script and a function run inside an ExclusiveSection: while one
// thread holds it, every operation of every other thread waits, whoever calls it (another
// client's command on embedis-server, the embedding application's direct calls and
// MemoryStore's typed methods, the expiry thread or ManualClock::Advance reclaiming keys, the
// background eviction), so nothing observes the section's work half done, on every shard. The
// gate sits where an operation takes its shard locks (ShardLock, MultiLock, LockAllShards):
// having taken them, it reads the section's owner (one relaxed load, nothing else on the hot
// path); when another thread owns a section, it releases its locks, waits on a condition
// variable until the section ends, and starts again. Beginning a section publishes the owner,
// then locks and unlocks every shard once: an operation under way finishes first, and any later
// one sees the owner. The owner's own operations pass. Not held off, because they read no key
// data and must answer while a script is busy: statistics (GetStats, WatchCount,
// UsedMemory), Watch (which then reclaims nothing), Unwatch, RemoveBlockedKey, Prefetch. Nor is
// BeginImage, whose callers hold locks of their own: during another thread's section the
// image's instant is the section's end (its reader waits for that). A thread that waits holds no
// shard lock; it must hold nothing the owner may need (see ExclusiveSection): the keyspace
// publishes a section's messages when it ends (pubsub.h), so a subscriber's lock is never
// needed by the owner; ready listeners only queue work. Redis scripts' frozen time: see
// ExclusiveSection's freeze_time.
#ifndef EMBEDIS_LIB_KEYSPACE_KEYSPACE_H_
#define EMBEDIS_LIB_KEYSPACE_KEYSPACE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/list_value.h"
#include "lib/keyspace/pubsub.h"
#include "lib/keyspace/set_value.h"
#include "lib/keyspace/zset_value.h"
#include "lib/util/clock.h"
#include "lib/util/mutex.h"
#include "lib/util/strings.h"

namespace embedis {

class Propagator;  // propagator.h

namespace keyspace_internal {
struct Entry;
struct Db;
struct Shard;
struct ImageCapture;
struct EncodingThresholds;
struct EvictionState;
struct Notifier;

// The time a script started, for this thread's operations on a keyspace running on `clock`
// (Keyspace::ExclusiveSection with freeze_time); clock null: none.
struct FrozenTime {
  const Clock* clock = nullptr;
  int64_t ms = 0;
};
extern constinit thread_local FrozenTime tl_frozen_time;

// The time of one operation, read from the clock at most once and only when
// needed (a key without a TTL needs no clock at all). Inside a script it is the
// script's start (see Keyspace::ExclusiveSection).
class LazyNow {
 public:
  explicit LazyNow(const Clock* clock) : clock_(clock) {}
  int64_t get() {
    if (now_ms_ < 0) {
      now_ms_ = tl_frozen_time.clock == clock_ ? tl_frozen_time.ms : clock_->NowMs();
    }
    return now_ms_;
  }

 private:
  const Clock* clock_;
  int64_t now_ms_ = -1;
};
}  // namespace keyspace_internal

// The value types. Every dispatch on a type in lib/keyspace is a `switch` without `default`
// (built with -Werror=switch), so a new enumerator is a compile error wherever it is not handled
// yet; value_types.h/.cc hold the per-type operations the keyspace needs.
enum class ValueType : uint8_t { kString = 0, kHash = 1, kList = 2, kSet = 3, kZSet = 4 };

// Redis's name for a type, as TYPE and SCAN ... TYPE use it ("string", "hash").
std::string_view ValueTypeName(ValueType type);
// The inverse; nullopt for a name no value has (SCAN TYPE then matches nothing).
std::optional<ValueType> ValueTypeFromName(std::string_view name);

// A hash value: field -> value (lib/keyspace/hash_value.h).

// How a string value was stored: what OBJECT ENCODING needs to answer as Redis 7.0 does, since
// Redis's choice between "int", "embstr" and "raw" depends on the command that stored the value,
// not only on its bytes (observed on redis-server 7.0.15):
//   kSet   SET, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX, APPEND to a missing key and the
//          INCR/DECR family: "int" when the value reads as a signed 64-bit integer (no sign '+',
//          no leading zero or space, at most 20 bytes), else "embstr" up to 44 bytes, else "raw".
//   kFloat INCRBYFLOAT: "embstr" up to 44 bytes, else "raw"; never "int", even for "3".
//   kRaw   APPEND to an existing key and SETRANGE that writes: always "raw", even for "12".
// Expiry changes (EXPIRE, PERSIST, GETEX), RENAME, COPY and MOVE keep it. The keyspace stores it
// in two spare bits of the entry header; snapshots do not keep it: like Redis after loading an
// RDB file, a loaded string is kSet (snapshot.h).
enum class StringOrigin : uint8_t { kSet = 0, kFloat = 1, kRaw = 2 };

// Redis's encoding thresholds that change a value's layout and what OBJECT ENCODING reports
// (CONFIG SET set-max-intset-entries, hash-max-listpack-*, zset-max-listpack-*). Applied when a
// value grows: an intset past the new limit becomes a hash table at its next SADD, a listpack
// hash or sorted set past it a hash table or skiplist at its next write, as in Redis. Values never
// convert back because a limit grew.
struct EncodingLimits {
  size_t set_max_intset_entries = 512;
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
};

// maxmemory-policy: which keys maxmemory evicts (see keyspace_eviction.cc). kNoEviction refuses
// writes over the limit instead; the volatile policies pick only among keys with an expiry.
enum class EvictionPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
};
// Redis's names ("allkeys-lru", ...), and back (case-insensitive; nullopt for an unknown name).
std::string_view EvictionPolicyName(EvictionPolicy policy);
std::optional<EvictionPolicy> EvictionPolicyFromName(std::string_view name);

// Redis's maxmemory parameters, with its defaults and meanings.
struct EvictionOptions {
  // The limit on Keyspace::UsedMemory() in bytes; 0: none (the default).
  uint64_t maxmemory = 0;
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  // Keys sampled per eviction (maxmemory-samples; the keyspace uses at most 1024).
  int samples = 5;
  // LFU counter growth (lfu-log-factor, >= 0) and decay period in minutes (lfu-decay-time, >= 0;
  // 0: never decays).
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;
  // maxmemory-eviction-tenacity (0..100): how long one command may spend evicting (as Redis: 50 us
  // times the value up to 10, growing 15% a step above, unlimited at 100).
  int tenacity = 10;
};

struct KeyspaceOptions {
  // Number of shards: a power of two from 1 to 4096. Default: 16.
  int shards = 16;
  // Number of logical databases (SELECT 0..databases-1). Default: 16.
  int databases = 16;
  // Timer wheel resolution: expired keys are reclaimed at most this long after
  // their deadline (readers never see them at all). Default: 100 ms.
  absl::Duration tick = absl::Milliseconds(100);
  // Where time comes from. Not owned; must outlive the keyspace.
  // Default: Clock::Real().
  Clock* clock = nullptr;
  // Encoding thresholds; Keyspace::SetEncodingLimits changes them later. Default: Redis's.
  EncodingLimits encoding = {};
  // maxmemory and its policy; Keyspace::SetEvictionOptions changes them later. Default: no limit.
  EvictionOptions eviction = {};
};

struct SetOptions {
  enum class Condition : uint8_t {
    kAlways,
    kIfMissing,  // NX
    kIfExists,   // XX
  };
  enum class Ttl : uint8_t {
    kClear,  // plain SET: the key has no expiry afterwards
    kKeep,   // KEEPTTL
    kAt,     // EX/PX/EXAT/PXAT, as an absolute deadline in expire_at_ms
  };
  Condition condition = Condition::kAlways;
  Ttl ttl = Ttl::kClear;
  int64_t expire_at_ms = 0;  // with Ttl::kAt; a deadline <= now stores nothing
  bool get = false;          // GET: also return the old value
};

struct SetResult {
  bool written = false;                  // false when NX/XX prevented the write
  std::optional<std::string> old_value;  // with SetOptions::get: the old string
};

// EXPIRE's NX/XX/GT/LT, combinable as in Redis (XX with GT or LT); every set
// flag must hold. A key without expiry counts as an infinite TTL for GT/LT.
struct ExpireCondition {
  bool nx = false;  // only if the key has no expiry
  bool xx = false;  // only if the key has an expiry
  bool gt = false;  // only if the new deadline is later than the current one
  bool lt = false;  // only if the new deadline is earlier than the current one
};

struct ScanResult {
  uint64_t cursor = 0;  // 0: the iteration is complete
  std::vector<std::string> keys;
};

struct KeyspaceStats {
  uint64_t keys = 0;          // live keys in all databases
  uint64_t expires = 0;       // of which with an expiry
  uint64_t expired_keys = 0;  // reclaimed by expiry since start (readers or wheel)
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t changes = 0;       // writes since start (Redis's "dirty" counter), for save rules
  uint64_t evicted_keys = 0;  // removed by maxmemory since start
};

// OBJECT IDLETIME / OBJECT FREQ of one key (Keyspace::ObjectAccess).
struct AccessInfo {
  int64_t idle_seconds = 0;  // seconds since the last access (LRU bits)
  int64_t frequency = 0;     // the decayed LFU counter (LFU bits)
};

// One key as a snapshot holds it.
struct KeyRecord {
  int db = 0;
  std::string key;
  ValueType type = ValueType::kString;
  std::string str;                                          // kString
  std::vector<std::pair<std::string, std::string>> fields;  // kHash, in Redis's order
  std::vector<std::string> elements;                        // kList, head first; kSet
  std::vector<std::pair<std::string, double>> scored;       // kZSet, ascending
  int64_t expire_at_ms = -1;                                // -1: no expiry
};

struct DbStats {
  uint64_t keys = 0;
  uint64_t expires = 0;
};

// One WATCHing client's flag (see "WATCH" in the header comment): registered
// with Keyspace::Watch() for each watched key, set by the keyspace when one of
// them is modified. Owned by the client (its transaction state), which must
// Unwatch() every key before destroying it.
//
// Thread safety: dirty() and Clear() may be called from any thread; the
// keyspace sets the flag under the key's shard lock.
class Watcher {
 public:
  Watcher() = default;
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Whether a watched key was modified since the last Clear().
  bool dirty() const { return dirty_.load(std::memory_order_acquire); }
  void Clear() { dirty_.store(false, std::memory_order_relaxed); }

 private:
  friend class Keyspace;
  friend struct keyspace_internal::Shard;
  void MarkDirty() { dirty_.store(true, std::memory_order_release); }

  std::atomic<bool> dirty_{false};
};

// A locked view of one key, passed to Update()'s callback. It is valid only
// during the callback, and the callback must not call back into the Keyspace.
class KeyHandle {
 public:
  bool exists() const { return link_ != nullptr; }
  // REQUIRES: exists().
  ValueType type() const;
  // REQUIRES: exists() && type() == kString. Valid until the next mutation.
  std::string_view string_value() const;
  // How the string was stored (StringOrigin). REQUIRES: exists() && type() == kString.
  StringOrigin string_origin() const;
  // REQUIRES: exists() && type() == kHash. The key counts as changed (for the
  // change counter and WATCH) only if the hash is actually modified through
  // it (HashValue::mutations()); use hash_view() to only read.
  HashValue& hash();
  const HashValue& hash_view() const;
  // REQUIRES: exists() && type() == kList. As hash(): the key counts as changed only if the list
  // is actually modified through it (ListValue::mutations()); use list_view() to only read.
  ListValue& list();
  const ListValue& list_view() const;
  // REQUIRES: exists() && type() == kSet. As hash(): the key counts as changed only if the set is
  // actually modified through it (SetValue::mutations()); use set_view() to only read.
  SetValue& set();
  const SetValue& set_view() const;
  // REQUIRES: exists() && type() == kZSet. As hash(): the key counts as changed only if the
  // sorted set is actually modified through it (ZSetValue::mutations()).
  ZSetValue& zset();
  const ZSetValue& zset_view() const;
  // OBJECT ENCODING of a non-string value ("listpack", "hashtable", "quicklist", "intset"). A
  // string's depends on string_origin() and its bytes (the command layer computes it). REQUIRES:
  // exists() && type() != kString.
  std::string_view object_encoding() const;
  // The deadline in ms since the epoch, or -1 when the key has no expiry.
  // REQUIRES: exists().
  int64_t expire_at_ms() const;
  // The time this operation runs at (read once per operation).
  int64_t now_ms() const { return now_->get(); }

  // Stores a string value, creating the key if needed; keep_ttl keeps an
  // existing deadline, otherwise the key ends up without expiry. `origin`:
  // how the command stored it (StringOrigin).
  void SetString(std::string_view value, bool keep_ttl, StringOrigin origin = StringOrigin::kSet);
  // APPEND: appends to the string value and keeps the TTL; the value becomes
  // StringOrigin::kRaw. A missing key is created with `suffix` as kSet, as
  // Redis stores APPEND's argument. REQUIRES: !exists() || type() == kString.
  void AppendString(std::string_view suffix);
  // The string's bytes for editing in place (SETBIT, BITFIELD, SETRANGE), grown with zero bytes
  // to at least `min_size` (a missing key is created with `min_size` zero bytes). The value
  // becomes StringOrigin::kRaw and the TTL is kept. Growing may move the entry; an edit that does
  // not grow copies nothing, so it costs O(1) whatever the length. Valid until the next mutation.
  // Writes through the span are not seen by the keyspace: call Touch() when the edit must count
  // as a modification (change counter, WATCH). Redis signals a SETRANGE always, a SETBIT or
  // BITFIELD only when it grew the string or changed a bit, so the caller decides. REQUIRES:
  // (!exists() || type() == kString) and min_size below 1 GiB (the entry's limit; the commands
  // stop at proto-max-bulk-len).
  absl::Span<char> MutableString(size_t min_size);
  // Creates an empty hash. REQUIRES: !exists(). The key is removed again when
  // the callback returns with the hash empty.
  HashValue& CreateHash();
  // Creates an empty list. REQUIRES: !exists(). The key is removed again when the callback
  // returns with the list empty.
  ListValue& CreateList();
  // Creates an empty set. REQUIRES: !exists(). The key is removed again when the callback returns
  // with the set empty.
  SetValue& CreateSet();
  // Creates an empty sorted set. REQUIRES: !exists(). The key is removed again when the callback
  // returns with the sorted set empty.
  ZSetValue& CreateZSet();
  // Sets the deadline; a deadline <= now_ms() deletes the key.
  // REQUIRES: exists().
  void SetExpireAt(int64_t at_ms);
  // Clears the deadline (a change of the key only if it had one).
  // REQUIRES: exists().
  void Persist();
  // Deletes the key (a change only if it exists).
  void Delete();
  // Marks the key modified (change counter, WATCH) whatever the callback does or changes: for a
  // command Redis counts as a write even when it changed nothing (LTRIM keeping every element).
  void Touch() { changed_ = true; }
  // Notes keyspace notification `event` (a string literal: Redis's event name, "hset") of class
  // `type` (NotifyClass, pubsub.h) for this key; it is published after the operation has released
  // its locks (see "Notifications" in the Keyspace header comment). Free when nobody listens.
  void Notify(uint32_t type, const char* event);

 private:
  friend class Keyspace;
  KeyHandle(keyspace_internal::Db* db, std::string_view key, uint64_t hash,
            keyspace_internal::LazyNow* now)
      : db_(db), key_(key), hash_(hash), now_(now) {}
  keyspace_internal::Entry* entry() const { return *link_; }

  keyspace_internal::Db* db_;
  std::string_view key_;
  uint64_t hash_;
  keyspace_internal::LazyNow* now_;
  bool changed_ = false;  // a mutator ran (hash edits are told by hash_mutations_)
  // The value object handed out by hash() or list(), and its mutation count at that moment.
  void* mutable_object_ = nullptr;
  ValueType mutable_type_ = ValueType::kString;
  uint32_t object_mutations_ = 0;
  size_t events_mark_ = 0;  // pending events before the callback ("new" goes there)
  void TrackMutations(void* object, ValueType type);
  // Stores a new object of `type` (value_types.h) for a missing key: Import.
  void CreateObject(ValueType type, void* object);
  // The chain slot that points at the key's entry; nullptr when it is missing.
  keyspace_internal::Entry** link_ = nullptr;
  // Update2: the other key's handle. A mutator that links, unlinks or reallocates an entry calls
  // ChainChanged(), which finds the other key's slot again (it may live in the same chain).
  KeyHandle* other_ = nullptr;
  void ChainChanged();
};

class Keyspace {
 public:
  explicit Keyspace(KeyspaceOptions options = {});
  ~Keyspace();
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;

  int databases() const { return databases_; }
  int shards() const { return num_shards_; }
  Clock* clock() const { return clock_; }

  // In every method below, REQUIRES: 0 <= db < databases(). Out-of-range
  // databases are a caller bug (the command layer checks SELECT's argument)
  // and abort the process with a message. So does storing a key longer than
  // kMaxKeyBytes (1 GiB - 1).
  static constexpr size_t kMaxKeyBytes = (size_t{1} << 30) - 1;

  // A hint that operations on these keys in database `db` come next: brings their hash-table
  // buckets and entries into the CPU cache, and for an item with a `field` whose key holds a
  // hash (in its hash-table encoding), that field's bucket and node too. A batch of commands (a
  // pipelined read) then overlaps its cache misses instead of taking them one after another.
  // Observably a no-op: nothing expires, no counter moves. Costs hashing and a few short
  // shard-lock holds per item; worth it only for batches of several. At most 64 items are used.
  struct PrefetchItem {
    std::string_view key;
    std::string_view field;  // empty: none
  };
  void Prefetch(int db, absl::Span<const PrefetchItem> items) const;

  // ---- Strings ----
  // The value, nullopt when missing; WRONGTYPE error (kFailedPrecondition)
  // when the key holds another type.
  absl::StatusOr<std::optional<std::string>> Get(int db, std::string_view key);
  // SET with every option. WRONGTYPE only with `get` and a non-string old value
  // (then nothing is written), as Redis 7.
  absl::StatusOr<SetResult> Set(int db, std::string_view key, std::string_view value,
                                const SetOptions& options = {});
  // MGET: nullopt for missing keys and for keys of another type.
  std::vector<std::optional<std::string>> MGet(int db, const std::vector<std::string_view>& keys);
  // MSET (if_none_exist = false) or MSETNX (true): atomic across shards.
  // Returns false (and writes nothing) only for MSETNX with an existing key.
  bool MSet(int db, const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
            bool if_none_exist = false);

  // ---- Generic keys ----
  // DEL: the number of keys removed (a key named twice counts once).
  int64_t Delete(int db, const std::vector<std::string_view>& keys);
  bool DeleteKey(int db, std::string_view key) { return Delete(db, std::vector{key}) == 1; }
  // EXISTS: counts every argument that exists (repeats count again). Read lookups (hits, misses,
  // "keymiss"). Without `touch` (EXISTS) the keys' access information is left alone; with it
  // (TOUCH) they count as accessed.
  int64_t Exists(int db, const std::vector<std::string_view>& keys, bool touch = false);
  // Whether the key exists, reclaiming it if it has expired; not counted as a read nor as an
  // access (WATCH, KEYS).
  bool KeyExists(int db, std::string_view key);
  std::optional<ValueType> Type(int db, std::string_view key);
  // EXPIRE family at an absolute deadline. True when the deadline was set (a
  // deadline <= now deletes the key and returns true); false when the key is
  // missing or the condition failed.
  bool Expire(int db, std::string_view key, int64_t at_ms, ExpireCondition condition = {});
  // PTTL: -2 when missing, -1 without expiry, else remaining milliseconds.
  int64_t PTtl(int db, std::string_view key);
  // PEXPIRETIME: -2 when missing, -1 without expiry, else the deadline in ms.
  int64_t ExpireTimeMs(int db, std::string_view key);
  // PERSIST: true when a deadline was removed.
  bool Persist(int db, std::string_view key);
  // RENAME: moves the value and its TTL, replacing `to`. kNotFound
  // ("ERR no such key") when `from` is missing. With `only_if_absent` (RENAMENX)
  // returns false and does nothing when `to` exists.
  absl::StatusOr<bool> Rename(int db, std::string_view from, std::string_view to,
                              bool only_if_absent = false);
  // COPY: copies the value and TTL of `from` in `from_db` to `to` in `to_db`.
  // False when `from` is missing, or `to` exists and !replace.
  // REQUIRES: (from_db, from) != (to_db, to).
  bool Copy(int from_db, std::string_view from, int to_db, std::string_view to, bool replace);
  // MOVE: moves `key` with its value and TTL from `from_db` to `to_db`, atomically (a key lives
  // in the same shard in every database, so one shard lock covers both: no reader ever sees it in
  // both databases or in neither). False, changing nothing, when `key` is missing in `from_db`
  // or exists in `to_db` (so always when from_db == to_db). A move modifies the key in both
  // databases (WATCH) and counts as one change, as RENAME.
  bool Move(int from_db, int to_db, std::string_view key);
  // MEMORY USAGE: the bytes `key` and its value occupy, nullopt when missing. Counts the
  // entry's slab block (header, key, string value or hash pointer, rounded to the slab's 8
  // bytes), one bucket pointer of the database's hash table (the key's share at the maximum
  // load factor) and, for a hash, HashValue::FootprintBytes(samples): exact for a listpack, and
  // for a hash table measured on `samples` fields (0: all) and extrapolated, as Redis's SAMPLES.
  // Allocator headers and slack, and the timer wheel (no per-key cost: the timer node is in the
  // entry) are not counted. With samples == 0 (or >= the hash's size) the answer is a function
  // of the key, the value and (for a hash) its encoding, not of the allocation history.
  // O(1) for a string, O(min(samples, fields)) for a hash table, O(fields) for a listpack
  // (at most hash-max-listpack-entries).
  std::optional<size_t> MemoryUsage(int db, std::string_view key, size_t samples = 0);
  // OBJECT IDLETIME and OBJECT FREQ: the key's access information, read without touching it;
  // nullopt when missing. Which field means something depends on the policy (see Eviction).
  std::optional<AccessInfo> ObjectAccess(int db, std::string_view key);
  // RANDOMKEY: nullopt when the database is empty.
  std::optional<std::string> RandomKey(int db);
  // FLUSHDB / FLUSHALL.
  void Flush(int db);
  void FlushAll();
  // SWAPDB: atomically swaps two databases' contents.
  void SwapDb(int a, int b);
  // DBSIZE: live keys in `db` (exact: expired keys are reclaimed first).
  int64_t Size(int db);
  // Exact counts for one database (expired keys are reclaimed first).
  DbStats GetDbStats(int db);
  // Counters for INFO. Cheap: `keys` and `expires` may still include keys that
  // expired within the last tick and have not been reclaimed yet.
  KeyspaceStats GetStats();
  // CONFIG RESETSTAT: zeroes expired_keys, keyspace_hits and keyspace_misses (not `changes`).
  void ResetStats();

  // SCAN; see the header comment for the guarantee. `match` empty = all keys.
  // `type`, when set, keeps only keys of that type.
  ScanResult Scan(int db, uint64_t cursor, std::string_view match = {}, size_t count = 10,
                  std::optional<ValueType> type = std::nullopt);

  // ---- Hashes (a few typed operations; the rest go through Update) ----
  // HSET: the number of fields added. WRONGTYPE for other types.
  absl::StatusOr<int64_t> HSet(
      int db, std::string_view key,
      const std::vector<std::pair<std::string_view, std::string_view>>& fields);
  absl::StatusOr<std::optional<std::string>> HGet(int db, std::string_view key,
                                                  std::string_view field);

  // ---- Pub/Sub and keyspace notifications (see "Notifications" above) ----
  // The hub every user of this keyspace publishes and subscribes on (pubsub.h).
  PubSub& pubsub() { return *pubsub_; }
  // notify-keyspace-events as NotifyClass bits (ParseNotifyFlags); 0 (the default): none.
  void SetNotifyFlags(uint32_t flags);
  uint32_t notify_flags() const;
  // Publishes a keyspace notification for `key` now, if its class is enabled: for an event the
  // command layer raises outside any keyspace operation. REQUIRES: not inside an Update callback
  // (use KeyHandle::Notify there).
  void Notify(uint32_t type, std::string_view event, int db, std::string_view key);

  // ---- Propagation (propagator.h): the append-only file's feed ----
  // From now on the keyspace appends `DEL key` to `p` for every key it deletes on its own (expiry,
  // eviction), and the command layer appends what each write command changed. nullptr: none (the
  // default). `p` must outlive its registration.
  void SetPropagator(Propagator* p);
  Propagator* propagator() const;
  // Changes (the change counter's increments) made by the calling thread since it started, on
  // any keyspace: the command layer's test of whether a command changed data.
  static uint64_t ThreadChanges();

  // ---- Blocking (BLPOP and the other blocking commands) ----
  // Listeners are called, with no shard lock held, after an operation made a key exist that is
  // registered with AddBlockedKey (see "Blocking" in the header comment): a push to a missing
  // list, RENAME/COPY/MOVE/SWAPDB/Import onto it, any write that creates it. They run on the
  // thread that made the write (an I/O thread, an EXEC, the embedding application) and may call
  // back into the keyspace. Returns an id for RemoveReadyListener, which waits for running calls
  // of that listener to finish.
  using ReadyListener = std::function<void(int db, std::string_view key)>;
  int AddReadyListener(ReadyListener listener);
  void RemoveReadyListener(int id);
  // Registers (unregisters) interest in `key` of `db` becoming present; counted, so two
  // registrations need two removals. AddBlockedKey returns whether the key exists at the moment
  // of registration (then no listener call may come for it: the caller serves it itself, which
  // closes the window between a command finding the key empty and its registration).
  bool AddBlockedKey(int db, std::string_view key);
  void RemoveBlockedKey(int db, std::string_view key);

  // How Update and Update2 look their keys up. A read lookup counts a keyspace hit or miss and
  // raises "keymiss" (class m) on a miss, as Redis's lookupKeyRead does; kRead also promises that
  // `fn` changes nothing (so a running image is not copied for it); kReadThenWrite is a read
  // lookup whose `fn` may write (GETDEL, GETEX, PFCOUNT's cached cardinality); kReadQuiet is
  // kRead without "keymiss" (Redis's LOOKUP_NONOTIFY: OBJECT).
  enum class Lookup : uint8_t { kWrite, kRead, kReadThenWrite, kReadQuiet };

  // Runs `fn` with the key locked: the way the command layer implements
  // read-modify-write commands (INCR, APPEND, HINCRBY, ...) atomically.
  // A hash left empty by `fn` is deleted, as Redis never keeps empty hashes.
  // The key counts as modified (change counter, WATCH) only if `fn` called a
  // KeyHandle mutator that changed it or modified the hash from hash().
  void Update(int db, std::string_view key, absl::FunctionRef<void(KeyHandle&)> fn,
              Lookup lookup = Lookup::kWrite);
  // Update over two keys of database `db` locked together (their shards in ascending order, one
  // lock when they share a shard): LMOVE and the other two-key moves, so that no other thread
  // sees the element in neither list (or in both). Everything Update does after its callback
  // (change counter, WATCH, deleting an emptied hash or list, readying blocked keys the callback
  // created) is done for each key. The same key twice passes the same handle twice (LMOVE k k is
  // a rotation). Either handle may be used and mutated in any order. `lookup` as Update's (LCS
  // reads both keys). The change counter counts one change when either key changed (Redis
  // counts one per LMOVE).
  void Update2(int db, std::string_view key1, std::string_view key2,
               absl::FunctionRef<void(KeyHandle&, KeyHandle&)> fn, Lookup lookup = Lookup::kWrite);

  // Reads every key of `sources`, then may write `dest`, as one atomic step: the shards of all the
  // keys stay locked for the whole call, so no other operation is seen between two keys (what
  // SINTERSTORE, BITOP, SUNION need). fn(sources, dest): sources[i] is the handle of sources[i]
  // (exists() false when missing; a key named twice has two handles on one entry), for reading
  // only (type(), string_value(), *_view()) and only until fn first changes dest, which may be one
  // of them; dest is nullptr when `dest` is nullopt. Source lookups count keyspace hits and misses
  // as a read lookup of Update does (`count_reads` false: not counted, no "keymiss", for a
  // command's second look at its keys); Update's after-callback work runs for dest.
  void UpdateMany(int db, absl::Span<const std::string_view> sources,
                  std::optional<std::string_view> dest,
                  absl::FunctionRef<void(absl::Span<KeyHandle* const> sources, KeyHandle* dest)> fn,
                  bool count_reads = true);

  // ---- WATCH (see the header comment) ----
  // Registers `watcher` for (db, key): from now on every modification of the
  // key marks it dirty. A key whose deadline has passed is reclaimed first
  // (which marks the key's other watchers). Returns whether the key exists.
  // Watching a key twice with the same watcher registers it once.
  // REQUIRES: `watcher` stays alive until Unwatch(db, key, watcher), and the
  // keyspace outlives the registration.
  bool Watch(int db, std::string_view key, Watcher* watcher);
  // Removes the registration (a no-op if there is none).
  void Unwatch(int db, std::string_view key, Watcher* watcher);
  // The number of (db, key, watcher) registrations, for tests and INFO.
  size_t WatchCount();

  // ---- Snapshots ----
  // Appends a copy of every live key of shard `shard` (0 <= shard < shards())
  // to `out`, taken under the shard's lock: a consistent image of each key
  // (the whole keyspace is copied one shard at a time, never stopped).
  void ExportShard(int shard, std::vector<KeyRecord>* out);

  // A point-in-time image of the whole keyspace, read one shard at a time while the keyspace
  // keeps serving (what a snapshot needs; Redis gets it from fork()). BeginImage() marks every
  // shard in one step (all shard locks held together for that moment only); from then on, the
  // first operation that is about to change a shard the image has not read yet copies that shard
  // first (a pause of one shard's copy for that operation, as ExportShard's), and TakeShard reads
  // a shard that nothing changed in place. Memory: at most the copies of the shards changed
  // before the reader got to them. One image at a time: BeginImage waits for the previous image to
  // be destroyed. Keys whose deadline passes while the image is read may be missing from it
  // (any load after that drops them anyway).
  class Image {
   public:
    ~Image();  // detaches from the shards not taken
    Image(const Image&) = delete;
    Image& operator=(const Image&) = delete;
    int64_t at_ms() const;  // the image's instant, on the keyspace's clock
    // Appends shard `shard`'s keys as of the image's instant. Each shard at most once.
    void TakeShard(int shard, std::vector<KeyRecord>* out);

   private:
    friend class Keyspace;
    explicit Image(Keyspace* ks);
    Keyspace* ks_;
    std::unique_ptr<keyspace_internal::ImageCapture> capture_;
  };
  std::unique_ptr<Image> BeginImage();
  // As BeginImage, but nullptr at once when another image is live (a caller that holds a lock the
  // other image's owner may need must not wait for it).
  std::unique_ptr<Image> TryBeginImage();

  // ---- maxmemory and eviction (keyspace_eviction.cc) ----
  // CONFIG SET maxmemory, maxmemory-policy, ...; any thread. Values out of range are clamped.
  void SetEvictionOptions(const EvictionOptions& options);
  EvictionOptions eviction_options() const;
  // The bytes the data takes: every shard's entry blocks, value objects and hash-table buckets
  // (see "Memory"). Sums one counter per shard; any thread.
  size_t UsedMemory() const;
  // Whether a limit is set (one relaxed load: what a command checks before anything else).
  bool maxmemory_enabled() const;
  // Redis's performEvictions, run before a command: while UsedMemory() exceeds maxmemory, evicts
  // keys as the policy says. OK when under the limit afterwards, or when the time budget of one
  // call (maxmemory-eviction-tenacity) ran out while keys were still being evicted: then a
  // background thread (Redis's eviction time event) goes on evicting, one budget at a time,
  // until the keyspace is under the limit or nothing more can go, without waiting for another
  // call. ResourceExhausted with kOomMessage when nothing more can be evicted (noeviction, or a
  // volatile policy with no key with an expiry left).
  absl::Status EnsureMemory();
  // Whether the background eviction (see EnsureMemory) is running (tests).
  bool eviction_continuing() const;
  static constexpr std::string_view kOomMessage =
      "OOM command not allowed when used memory > 'maxmemory'.";
  // While alive, this thread's operations do not update the access information of the keys
  // they read or write (CLIENT NO-TOUCH; OBJECT and the like never do).
  class NoTouchScope {
   public:
    explicit NoTouchScope(bool active = true);
    ~NoTouchScope();
    NoTouchScope(const NoTouchScope&) = delete;
    NoTouchScope& operator=(const NoTouchScope&) = delete;

   private:
    bool saved_;
  };

  // CONFIG SET of the encoding thresholds (EncodingLimits); any thread.
  void SetEncodingLimits(const EncodingLimits& limits);
  // Stores a record, replacing any existing key; a record whose deadline has
  // passed is dropped (returns false). REQUIRES: 0 <= record.db < databases().
  bool Import(const KeyRecord& record);

  // Reclaims every key whose deadline <= now in every shard (what the wheel
  // driver does each tick). Returns the number reclaimed.
  size_t ReclaimExpired();

  // ---- Exclusive sections (see "Exclusive sections" in the header comment) ----
  // While a thread holds an ExclusiveSection of this keyspace, the operations of every other
  // thread on it wait: EXEC, a script or a function runs inside one, so that nothing observes it
  // half done. The holder's own operations run as usual; sections nest on one thread. Beginning a
  // section waits for another thread's section to end and for the operations under way to
  // finish. With `freeze_time` (scripts and functions, as Redis 7 does for them), the holder's
  // operations see the time the outermost such section began: a key whose deadline passes
  // while the script runs stays alive for the script.
  // REQUIRES: the thread holds no lock that another thread may hold while it calls this keyspace
  // (see the header comment), and no KeyHandle (not inside an Update callback).
  class ExclusiveSection {
   public:
    explicit ExclusiveSection(Keyspace* ks, bool freeze_time = false);
    ~ExclusiveSection();
    ExclusiveSection(const ExclusiveSection&) = delete;
    ExclusiveSection& operator=(const ExclusiveSection&) = delete;

   private:
    Keyspace* ks_;
    bool outer_;  // this section began the thread's ownership
    keyspace_internal::FrozenTime saved_time_;
  };
  // Whether the calling thread holds an ExclusiveSection of this keyspace.
  bool InExclusiveSection() const;

 private:
  using Shard = keyspace_internal::Shard;
  using Db = keyspace_internal::Db;
  class MultiLock;
  class ShardLock;
  // The slow path of every gated lock (ShardLock, MultiLock, LockAllShards): another thread's
  // exclusive section is active, seen with the operation's shard locks held. Releases them
  // (`unlock`), waits for the section to end, takes them again (`lock`), and looks again.
  void PassGate(absl::FunctionRef<void()> unlock, absl::FunctionRef<void()> lock) const;
  // Whether another thread holds an exclusive section (read with a shard lock held).
  bool ForeignSection() const;
  // Every shard's lock, in index order, gated as ShardLock is.
  void LockAllShards();
  void UnlockAllShards();

  Shard& ShardFor(uint64_t hash) const;
  Db& DbFor(Shard& shard, int db, keyspace_internal::LazyNow& now) const;
  Db* DbIfPresent(Shard& shard, int db) const;
  void CheckDb(int db) const;
  void RunExpiryThread();
  size_t ReclaimShard(Shard& shard, int64_t now_ms, size_t max_per_round);
  void TouchSwappedWatches(Shard& shard, int a, int b, keyspace_internal::LazyNow& now);
  // Blocking: hands every shard's ready keys to the listeners. Called after an operation that
  // may have created keys has released its locks; cheap (one atomic load) when nothing is ready.
  void NotifyReadySlow();
  // Records that an operation inserted (db, key) into `shard` (locked).
  void Created(Shard& shard, int db, std::string_view key);
  // A read found no live (db, key) in `shard` (locked): counts the miss and raises "keymiss"
  // (class m), as redis-server's read lookups do.
  void Missed(Shard& shard, int db, std::string_view key);
  // A read lookup's hit, or Missed().
  void CountRead(Shard& shard, int db, std::string_view key, bool found);
  // What Update does for a key after its callback: returns whether the key changed.
  bool FinishUpdate(Shard& shard, int db, Db& d, KeyHandle& handle, bool existed);
  class ReadyNotifier;

  const int num_shards_;
  const int shard_bits_;
  const int databases_;
  const int64_t tick_ms_;
  Clock* const clock_;
  std::unique_ptr<Shard[]> shards_;
  // The thread (keyspace_internal::ThreadToken) holding the exclusive section, or null. Read with
  // a relaxed load by every operation once it holds its shard locks: beginning a section stores
  // it and then locks and unlocks every shard, so an operation that takes a shard lock after that
  // sees it, and one that took a lock before has finished when the section begins. Beside
  // shards_, on a line every operation reads anyway; written twice per section.
  std::atomic<const void*> exclusive_owner_{nullptr};
  mutable Mutex exclusive_mu_;
  mutable std::condition_variable_any exclusive_cv_;  // a section ended
  // An image begun during another thread's section, marked when the section ends (BeginImage).
  keyspace_internal::ImageCapture* pending_image_ ABSL_GUARDED_BY(exclusive_mu_) = nullptr;
  // Gives every shard `capture` with the instant now. REQUIRES: every shard lock held.
  void MarkImage(keyspace_internal::ImageCapture* capture);

  int listener_id_ = 0;

  // Raised when a shard's `ready` list gets a key (under that shard's lock).
  std::atomic<int> ready_pending_{0};
  std::shared_mutex listeners_mu_;
  std::vector<std::pair<int, ReadyListener>> listeners_;  // guarded by listeners_mu_
  int next_listener_id_ = 1;                              // guarded by listeners_mu_
  // One Image at a time: BeginImage waits while image_live_. (A flag, not a mutex held by the
  // Image: an Image may be destroyed on another thread than the one that began it, and a mutex
  // must be unlocked by the thread that locked it.)
  std::mutex image_mu_;
  std::condition_variable image_cv_;
  bool image_live_ = false;  // guarded by image_mu_
  // Captures the instant of a new Image. REQUIRES: image_live_ was set by the caller.
  std::unique_ptr<Image> CaptureImage();
  std::unique_ptr<keyspace_internal::EncodingThresholds> encoding_;
  std::unique_ptr<keyspace_internal::EvictionState> eviction_;
  // Evicts one key from shard `shard` as the policy says; returns the bytes freed, or -1 when
  // the shard has no candidate.
  int64_t EvictFromShard(Shard& shard, EvictionPolicy policy);
  // One call of Redis's performEvictions: kRunning when its time budget ran out while over the
  // limit (the background eviction has been asked to go on).
  enum class EvictResult { kOk, kRunning, kFail };
  EvictResult PerformEvictions(bool from_timer);
  // The background eviction (Redis's evictionTimeProc): a thread started on first need.
  void StartEvictionTimer();
  void RunEvictionTimer();
  void StopEvictionTimer();
  Mutex evict_mu_;
  std::condition_variable_any evict_cv_;
  bool evict_requested_ ABSL_GUARDED_BY(evict_mu_) = false;
  bool evict_stop_ ABSL_GUARDED_BY(evict_mu_) = false;
  std::thread evict_thread_ ABSL_GUARDED_BY(evict_mu_);
  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<keyspace_internal::Notifier> notifier_;
  Mutex stop_mu_;
  bool stop_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::condition_variable_any stop_cv_;
  std::thread expiry_thread_;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_KEYSPACE_H_
