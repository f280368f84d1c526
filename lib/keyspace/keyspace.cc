// Keyspace, part 1 of 6: construction, KeyHandle and Update, the string, hash
// and generic key operations, SCAN, databases and statistics. Expiry is in
// keyspace_expiry.cc; RENAME, COPY and MOVE in keyspace_copy.cc; who waits on
// keys (WATCH, blocked clients) in keyspace_waiters.cc; images and exclusive
// sections in keyspace_sections.cc.
#include "lib/keyspace/keyspace.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "lib/keyspace/keyspace_internal.h"
#include "lib/keyspace/slab_allocator.h"
#include "lib/keyspace/timer_wheel.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"

namespace embedis {

using keyspace_internal::Db;
using keyspace_internal::Entry;
using keyspace_internal::HashKey;
using keyspace_internal::kMaxStringTag;
using keyspace_internal::LazyNow;
using keyspace_internal::LookupLive;
using keyspace_internal::Shard;

namespace {

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

std::mt19937_64& ThreadRng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

}  // namespace

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kHash:
      return "hash";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
  }
  return "none";
}

std::optional<ValueType> ValueTypeFromName(std::string_view name) {
  for (ValueType t : {ValueType::kString, ValueType::kHash, ValueType::kList, ValueType::kSet,
                      ValueType::kZSet}) {
    std::string_view n = ValueTypeName(t);
    if (name.size() == n.size() && strncasecmp(name.data(), n.data(), n.size()) == 0) return t;
  }
  return std::nullopt;
}

// ---- KeyHandle ----

ValueType KeyHandle::type() const { return entry()->type(); }
std::string_view KeyHandle::string_value() const { return entry()->str(); }
StringOrigin KeyHandle::string_origin() const { return entry()->origin(); }
void KeyHandle::TrackMutations(void* object, ValueType type) {
  if (mutable_object_ != object) {  // the first mutable access (or a value created since)
    mutable_object_ = object;
    mutable_type_ = type;
    object_mutations_ = keyspace_internal::ObjectMutations(type, object);
  }
}
HashValue& KeyHandle::hash() {
  HashValue* h = entry()->hash();
  h->set_limits(db_->encoding->hash());
  TrackMutations(h, ValueType::kHash);
  return *h;
}
const HashValue& KeyHandle::hash_view() const { return *entry()->hash(); }
ListValue& KeyHandle::list() {
  ListValue* l = entry()->list();
  TrackMutations(l, ValueType::kList);
  return *l;
}
const ListValue& KeyHandle::list_view() const { return *entry()->list(); }
SetValue& KeyHandle::set() {
  SetValue* s = entry()->set();
  s->set_max_intset_entries(db_->encoding->set_max_intset_entries.load(std::memory_order_relaxed));
  TrackMutations(s, ValueType::kSet);
  return *s;
}
const SetValue& KeyHandle::set_view() const { return *entry()->set(); }
ZSetValue& KeyHandle::zset() {
  ZSetValue* z = entry()->zset();
  z->SetLimits(db_->encoding->zset());
  TrackMutations(z, ValueType::kZSet);
  return *z;
}
const ZSetValue& KeyHandle::zset_view() const { return *entry()->zset(); }
std::string_view KeyHandle::object_encoding() const {
  return keyspace_internal::ObjectEncoding(entry()->type(), entry()->object());
}
int64_t KeyHandle::expire_at_ms() const {
  return entry()->has_ttl() ? entry()->timer.deadline_ms : -1;
}

void KeyHandle::ChainChanged() {
  if (other_ == nullptr || other_->db_ != db_ || other_->link_ == nullptr) return;
  other_->link_ = db_->Find(other_->key_, other_->hash_);
}

void KeyHandle::SetString(std::string_view value, bool keep_ttl, StringOrigin origin) {
  changed_ = true;
  if (link_ == nullptr) {
    Entry* e = keyspace_internal::NewStringEntry(*db_->alloc, key_, value);
    e->set_origin(origin);
    link_ = db_->Insert(e, hash_);
    ChainChanged();
    return;
  }
  db_->Assign(link_, value, origin);
  ChainChanged();
  if (!keep_ttl) db_->wheel.Cancel(&entry()->timer);
}

void KeyHandle::AppendString(std::string_view suffix) {
  changed_ = true;
  if (link_ == nullptr) {
    SetString(suffix, false);
    return;
  }
  size_t old_len = entry()->tag;
  Entry* e = db_->Retag(link_, static_cast<uint32_t>(old_len + suffix.size()));
  e->set_origin(StringOrigin::kRaw);
  std::memcpy(e->data() + e->key_len() + old_len, suffix.data(), suffix.size());
  ChainChanged();
}

absl::Span<char> KeyHandle::MutableString(size_t min_size) {
  if (link_ == nullptr) {
    Entry* e = keyspace_internal::NewEntry(*db_->alloc, key_, static_cast<uint32_t>(min_size));
    std::memset(e->data() + e->key_len(), 0, min_size);
    e->set_origin(StringOrigin::kRaw);
    link_ = db_->Insert(e, hash_);
    ChainChanged();
    return {e->data() + e->key_len(), min_size};
  }
  Entry* e = entry();
  const size_t old_len = e->tag;
  if (old_len < min_size) {
    e = db_->Retag(link_, static_cast<uint32_t>(min_size));
    std::memset(e->data() + e->key_len() + old_len, 0, min_size - old_len);
    ChainChanged();
  }
  e->set_origin(StringOrigin::kRaw);
  return {e->data() + e->key_len(), e->tag};
}

HashValue& KeyHandle::CreateHash() {
  changed_ = true;
  auto* h = new HashValue(db_->encoding->hash());
  link_ = db_->Insert(
      keyspace_internal::NewObjectEntry(*db_->alloc, key_, keyspace_internal::kTagHash, h), hash_);
  ChainChanged();
  return *h;
}

ListValue& KeyHandle::CreateList() {
  changed_ = true;
  auto* l = new ListValue();
  link_ = db_->Insert(
      keyspace_internal::NewObjectEntry(*db_->alloc, key_, keyspace_internal::kTagList, l), hash_);
  ChainChanged();
  return *l;
}

SetValue& KeyHandle::CreateSet() {
  changed_ = true;
  auto* s = new SetValue({.max_intset_entries = db_->encoding->set_max_intset_entries.load(
                              std::memory_order_relaxed)});
  link_ = db_->Insert(
      keyspace_internal::NewObjectEntry(*db_->alloc, key_, keyspace_internal::kTagSet, s), hash_);
  ChainChanged();
  return *s;
}

ZSetValue& KeyHandle::CreateZSet() {
  changed_ = true;
  auto* z = new ZSetValue(db_->encoding->zset());
  link_ = db_->Insert(
      keyspace_internal::NewObjectEntry(*db_->alloc, key_, keyspace_internal::kTagZSet, z), hash_);
  ChainChanged();
  return *z;
}

void KeyHandle::SetExpireAt(int64_t at_ms) {
  changed_ = true;
  if (at_ms <= now_->get()) {
    Delete();
    return;
  }
  db_->wheel.Schedule(&entry()->timer, at_ms);
}

void KeyHandle::Persist() {
  if (!entry()->has_ttl()) return;
  changed_ = true;
  db_->wheel.Cancel(&entry()->timer);
}

void KeyHandle::Delete() {
  if (link_ == nullptr) return;
  changed_ = true;
  db_->Remove(link_);
  link_ = nullptr;
  ChainChanged();
}

void KeyHandle::CreateObject(ValueType type, void* object) {
  changed_ = true;
  link_ = db_->Insert(keyspace_internal::NewObjectEntry(*db_->alloc, key_,
                                                        keyspace_internal::ObjectTag(type), object),
                      hash_);
  ChainChanged();
}

// ---- Keyspace ----

namespace {
int CheckedShardBits(int shards) {
  if (shards < 1 || shards > 4096 || (shards & (shards - 1)) != 0) {
    std::fprintf(stderr, "embedis: KeyspaceOptions::shards must be a power of two in [1, 4096]\n");
    std::abort();
  }
  return __builtin_ctz(static_cast<unsigned>(shards));
}
}  // namespace

Keyspace::Keyspace(KeyspaceOptions options)
    : num_shards_(options.shards),
      shard_bits_(CheckedShardBits(options.shards)),
      databases_(std::max(1, options.databases)),
      tick_ms_(std::max<int64_t>(1, absl::ToInt64Milliseconds(options.tick))),
      clock_(options.clock != nullptr ? options.clock : Clock::Real()),
      shards_(new Shard[options.shards]),
      encoding_(std::make_unique<keyspace_internal::EncodingThresholds>()),
      eviction_(std::make_unique<keyspace_internal::EvictionState>()),
      pubsub_(std::make_unique<PubSub>()),
      notifier_(std::make_unique<keyspace_internal::Notifier>()) {
  notifier_->pubsub = pubsub_.get();
  SetEncodingLimits(options.encoding);
  SetEvictionOptions(options.eviction);
  eviction_->now_ms.store(clock_->NowMs(), std::memory_order_relaxed);
  for (int i = 0; i < num_shards_; ++i) {
    MutexLock lock(&shards_[i].mu);
    shards_[i].index = i;
    shards_[i].dbs.resize(databases_);
  }
  if (clock_->IsManual()) {
    listener_id_ = clock_->AddListener([this](int64_t now_ms) {
      eviction_->now_ms.store(now_ms, std::memory_order_relaxed);
      ReclaimExpired();
    });
  } else {
    expiry_thread_ = std::thread([this] { RunExpiryThread(); });
  }
}

Keyspace::~Keyspace() {
  StopEvictionTimer();
  if (listener_id_ != 0) clock_->RemoveListener(listener_id_);
  if (expiry_thread_.joinable()) {
    {
      MutexLock lock(&stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    expiry_thread_.join();
  }
}

namespace keyspace_internal {

constinit thread_local std::vector<PendingEvent>* tl_events = nullptr;
constinit thread_local uint64_t tl_changes = 0;
constinit thread_local char tl_thread_token = 0;
constinit thread_local FrozenTime tl_frozen_time = {};

void PropagateDelSlow(Propagator* p, int db, std::string_view key) {
  const PropagatedCommand del{.db = db, .argv = {"DEL", std::string(key)}};
  p->Append(absl::Span<const PropagatedCommand>(&del, 1));
}

void QueueEventSlow(const Notifier* n, uint32_t type, const char* event, int db,
                    std::string_view key, size_t at) {
  if (tl_events == nullptr) {
    // One per thread, freed when the thread exits (the fast path reads only the pointer).
    struct Storage {
      std::vector<PendingEvent> events;
      ~Storage() { tl_events = nullptr; }
    };
    static thread_local Storage storage;
    tl_events = &storage.events;
  }
  PendingEvent e{n, type, event, db, std::string(key)};
  if (at >= tl_events->size()) {
    tl_events->push_back(std::move(e));
  } else {
    tl_events->insert(tl_events->begin() + static_cast<ptrdiff_t>(at), std::move(e));
  }
}

void PublishEvent(const Notifier& n, uint32_t type, std::string_view event, int db,
                  std::string_view key) {
  const uint32_t flags = n.flags.load(std::memory_order_relaxed);
  if ((flags & type) == 0) return;
  std::string channel;
  if (flags & kNotifyKeyspace) {
    channel = "__keyspace@" + std::to_string(db) + "__:";
    channel.append(key);
    n.pubsub->Publish(channel, event);
  }
  if (flags & kNotifyKeyevent) {
    channel = "__keyevent@" + std::to_string(db) + "__:";
    channel.append(event);
    n.pubsub->Publish(channel, key);
  }
}

void PublishPendingEvents() {
  // A subscriber's Deliver may run keyspace operations that queue (and publish) events of their
  // own: take the queue first.
  std::vector<PendingEvent> events;
  events.swap(*tl_events);
  for (const PendingEvent& e : events) PublishEvent(*e.notifier, e.type, e.event, e.db, e.key);
  if (tl_events->empty() && tl_events->capacity() < events.capacity()) {
    events.clear();
    tl_events->swap(events);  // keep the bigger buffer
  }
}

}  // namespace keyspace_internal

void Keyspace::SetEncodingLimits(const EncodingLimits& limits) {
  encoding_->set_max_intset_entries.store(limits.set_max_intset_entries, std::memory_order_relaxed);
  encoding_->hash_max_listpack_entries.store(limits.hash_max_listpack_entries,
                                             std::memory_order_relaxed);
  encoding_->hash_max_listpack_value.store(limits.hash_max_listpack_value,
                                           std::memory_order_relaxed);
  encoding_->zset_max_listpack_entries.store(limits.zset_max_listpack_entries,
                                             std::memory_order_relaxed);
  encoding_->zset_max_listpack_value.store(limits.zset_max_listpack_value,
                                           std::memory_order_relaxed);
}

Shard& Keyspace::ShardFor(uint64_t hash) const {
  return shards_[shard_bits_ == 0 ? 0 : hash >> (64 - shard_bits_)];
}

void Keyspace::CheckDb(int db) const {
  if (db < 0 || db >= databases_) {
    std::fprintf(stderr, "embedis: database index %d out of range [0, %d)\n", db, databases_);
    std::abort();
  }
}

Db* Keyspace::DbIfPresent(Shard& shard, int db) const ABSL_NO_THREAD_SAFETY_ANALYSIS {
  return shard.dbs[db].get();
}

Db& Keyspace::DbFor(Shard& shard, int db, LazyNow& now) const ABSL_NO_THREAD_SAFETY_ANALYSIS {
  auto& slot = shard.dbs[db];
  if (slot == nullptr) {
    slot = std::make_unique<Db>(&shard.alloc, encoding_.get(), notifier_.get(), eviction_.get(), db,
                                tick_ms_, now.get());
  }
  return *slot;
}

void Keyspace::Update(int db, std::string_view key, absl::FunctionRef<void(KeyHandle&)> fn,
                      Lookup lookup) {
  CheckDb(db);
  ReadyNotifier notify(this);  // declared before the lock: runs after it is released
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  if (lookup != Lookup::kRead && lookup != Lookup::kReadQuiet) shard.BeforeWrite();
  Db& d = DbFor(shard, db, now);
  KeyHandle handle(&d, key, hash, &now);
  handle.link_ = LookupLive(shard, db, &d, key, hash, now);
  handle.events_mark_ = keyspace_internal::PendingEventCount();
  const bool existed = handle.link_ != nullptr;
  if (lookup == Lookup::kReadQuiet) {
    ++(existed ? shard.hits : shard.misses);
  } else if (lookup != Lookup::kWrite) {
    CountRead(shard, db, key, existed);
  }
  fn(handle);
  if (FinishUpdate(shard, db, d, handle, existed)) {
    ++shard.changes;
    ++keyspace_internal::tl_changes;
  }
  d.MaybeResize();
}

void Keyspace::Missed(Shard& shard, int db, std::string_view key) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ++shard.misses;  // the caller holds shard.mu
  keyspace_internal::QueueEvent(notifier_.get(), kNotifyKeyMiss, "keymiss", db, key);
}

void Keyspace::CountRead(Shard& shard, int db, std::string_view key,
                         bool found) ABSL_NO_THREAD_SAFETY_ANALYSIS {  // the caller holds shard.mu
  if (found) {
    ++shard.hits;
  } else {
    Missed(shard, db, key);
  }
}

bool Keyspace::FinishUpdate(Shard& shard, int db, Db& d, KeyHandle& handle, bool existed)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // the caller holds shard.mu
  const std::string_view key = handle.key_;
  // Without a mutator call, the object handed out by hash() or list() is still the key's
  // value (Delete and SetString set changed_), so it may be read here.
  if (!handle.changed_ && handle.mutable_object_ != nullptr &&
      keyspace_internal::ObjectMutations(handle.mutable_type_, handle.mutable_object_) !=
          handle.object_mutations_) {
    handle.changed_ = true;
  }
  if (handle.changed_) shard.Touch(db, key);
  if (handle.link_ != nullptr) {
    Entry* e = *handle.link_;
    // A value object that changed is measured again for used memory.
    if (handle.changed_ && !e->is_string()) keyspace_internal::RemeasureObject(shard.alloc, e);
    if (!e->is_string() && keyspace_internal::ObjectEmpty(e->type(), e->object())) {
      d.Remove(handle.link_);  // Redis never keeps an empty hash or list
      handle.link_ = nullptr;
      handle.ChainChanged();
      if (existed) keyspace_internal::QueueEvent(notifier_.get(), kNotifyGeneric, "del", db, key);
    }
  }
  if (!existed && handle.link_ != nullptr) {
    Created(shard, db, key);
    keyspace_internal::QueueEvent(notifier_.get(), kNotifyNew, "new", db, key, handle.events_mark_);
  }
  return handle.changed_;
}

void Keyspace::Update2(int db, std::string_view key1, std::string_view key2,
                       absl::FunctionRef<void(KeyHandle&, KeyHandle&)> fn, Lookup lookup) {
  if (key1 == key2) {
    Update(
        db, key1, [&](KeyHandle& k) { fn(k, k); }, lookup);
    return;
  }
  CheckDb(db);
  ReadyNotifier notify(this);  // declared before the locks: runs after they are released
  LazyNow now(clock_);
  MultiLock locks(*this, {key1, key2});
  Shard& s1 = locks.shard(0);
  Shard& s2 = locks.shard(1);
  Db& d1 = DbFor(s1, db, now);
  Db& d2 = DbFor(s2, db, now);
  KeyHandle h1(&d1, key1, locks.hash(0), &now);
  KeyHandle h2(&d2, key2, locks.hash(1), &now);
  h1.other_ = &h2;
  h2.other_ = &h1;
  h1.link_ = LookupLive(s1, db, &d1, key1, locks.hash(0), now);
  h2.link_ = LookupLive(s2, db, &d2, key2, locks.hash(1), now);
  h1.events_mark_ = h2.events_mark_ = keyspace_internal::PendingEventCount();
  if (h2.link_ == nullptr) h2.ChainChanged();  // reclaiming key2 may have moved key1's slot
  if (lookup != Lookup::kWrite) {
    // In argument order, as Redis looks them up.
    CountRead(s1, db, key1, h1.link_ != nullptr);
    CountRead(s2, db, key2, h2.link_ != nullptr);
  }
  const bool existed1 = h1.link_ != nullptr;
  const bool existed2 = h2.link_ != nullptr;
  fn(h1, h2);
  const bool changed1 = FinishUpdate(s1, db, d1, h1, existed1);
  const bool changed2 = FinishUpdate(s2, db, d2, h2, existed2);
  if (changed1 || changed2) {
    ++s1.changes;
    ++keyspace_internal::tl_changes;
  }
  d1.MaybeResize();
  d2.MaybeResize();
}

void Keyspace::UpdateMany(
    int db, absl::Span<const std::string_view> sources, std::optional<std::string_view> dest,
    absl::FunctionRef<void(absl::Span<KeyHandle* const> sources, KeyHandle* dest)> fn,
    bool count_reads) {
  CheckDb(db);
  ReadyNotifier notify(this);  // declared before the locks: runs after they are released
  LazyNow now(clock_);
  std::vector<std::string_view> keys(sources.begin(), sources.end());
  if (dest.has_value()) keys.push_back(*dest);
  MultiLock locks(*this, keys);
  std::vector<KeyHandle> handles;
  handles.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    Shard& shard = locks.shard(i);
    handles.push_back(KeyHandle(&DbFor(shard, db, now), keys[i], locks.hash(i), &now));
    // Reclaims an expired key first; that may move other keys' slots, found again below.
    LookupLive(shard, db, handles.back().db_, keys[i], locks.hash(i), now);
  }
  std::vector<KeyHandle*> views;
  views.reserve(sources.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    KeyHandle& h = handles[i];
    h.link_ = h.db_->Find(keys[i], locks.hash(i));
    if (i < sources.size()) {
      Shard& shard = locks.shard(i);
      if (count_reads) CountRead(shard, db, keys[i], h.link_ != nullptr);
      views.push_back(&h);
    }
  }
  KeyHandle* out = dest.has_value() ? &handles.back() : nullptr;
  const bool existed = out != nullptr && out->link_ != nullptr;
  if (out != nullptr) out->events_mark_ = keyspace_internal::PendingEventCount();
  fn(absl::MakeConstSpan(views), out);
  if (out == nullptr) return;
  Shard& shard = locks.shard(keys.size() - 1);
  if (FinishUpdate(shard, db, *out->db_, *out, existed)) {
    ++shard.changes;
    ++keyspace_internal::tl_changes;
  }
  out->db_->MaybeResize();
}

void Keyspace::Prefetch(int db, absl::Span<const PrefetchItem> items) const {
  if (db < 0 || db >= databases_) return;
  constexpr size_t kMaxItems = 64;
  const size_t n = std::min(items.size(), kMaxItems);
  uint64_t hashes[kMaxItems];
  for (size_t i = 0; i < n; ++i) hashes[i] = HashKey(items[i].key);
  // Rounds of independent loads instead of one chain of dependent ones per item: every bucket
  // slot, then the entry each slot points at, then (for items naming a hash field) the field's
  // bucket in a hash-table hash, then the field's node. Pointers are followed under the shard
  // lock (a concurrent resize frees bucket arrays); a prefetch itself never faults. Consecutive
  // items of one shard share one lock hold.
  auto each = [&](auto&& fn) ABSL_NO_THREAD_SAFETY_ANALYSIS {
    Shard* held = nullptr;
    for (size_t i = 0; i < n; ++i) {
      Shard* shard = &ShardFor(hashes[i]);
      if (shard != held) {
        if (held != nullptr) held->mu.Unlock();
        shard->mu.Lock();
        held = shard;
      }
      if (const Db* d = DbIfPresent(*shard, db); d != nullptr && d->buckets != nullptr) fn(i, *d);
    }
    if (held != nullptr) held->mu.Unlock();
  };
  each([&](size_t i, const Db& d) { __builtin_prefetch(&d.buckets[hashes[i] & d.mask]); });
  bool fields = false;
  each([&](size_t i, const Db& d) {
    if (const Entry* e = d.buckets[hashes[i] & d.mask]; e != nullptr) {
      __builtin_prefetch(e);                                      // header and key
      __builtin_prefetch(reinterpret_cast<const char*>(e) + 64);  // the value's start
    }
    fields |= !items[i].field.empty();
  });
  if (!fields) return;
  uint64_t field_hashes[kMaxItems];
  for (size_t i = 0; i < n; ++i) {
    if (!items[i].field.empty()) field_hashes[i] = HashValue::FieldHash(items[i].field);
  }
  // The entries are in cache now: finding them again is cheap.
  auto each_hash = [&](auto&& fn) {
    each([&](size_t i, const Db& d) {
      if (items[i].field.empty()) return;
      Entry** link = const_cast<Db&>(d).Find(items[i].key, hashes[i]);
      if (link != nullptr && (*link)->type() == ValueType::kHash) fn(i, *(*link)->hash());
    });
  };
  each_hash([&](size_t i, const HashValue& h) { h.PrefetchBucket(field_hashes[i]); });
  each_hash([&](size_t i, const HashValue& h) { h.PrefetchNode(field_hashes[i]); });
}

absl::StatusOr<std::optional<std::string>> Keyspace::Get(int db, std::string_view key) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  Entry** link = LookupLive(shard, db, DbIfPresent(shard, db), key, hash, now);
  if (link == nullptr) {
    Missed(shard, db, key);
    return std::optional<std::string>();
  }
  ++shard.hits;
  if (!(*link)->is_string()) return errors::WrongTypeError();
  return std::optional<std::string>((*link)->str());
}

absl::StatusOr<SetResult> Keyspace::Set(int db, std::string_view key, std::string_view value,
                                        const SetOptions& options) {
  CheckDb(db);
  if (value.size() > kMaxStringTag) {
    return absl::InvalidArgumentError(errors::kStringTooLong);
  }
  ReadyNotifier notify(this);
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  shard.BeforeWrite();
  Db& d = DbFor(shard, db, now);
  Entry** link = LookupLive(shard, db, &d, key, hash, now);
  SetResult result;
  if (options.get && link != nullptr) {
    if (!(*link)->is_string()) return errors::WrongTypeError();
    result.old_value.emplace((*link)->str());
  }
  using Condition = SetOptions::Condition;
  if ((options.condition == Condition::kIfMissing && link != nullptr) ||
      (options.condition == Condition::kIfExists && link == nullptr)) {
    return result;
  }
  result.written = true;
  {
    ++shard.changes;
    ++keyspace_internal::tl_changes;
  }
  shard.Touch(db, key);
  const keyspace_internal::Notifier* n = notifier_.get();
  if (options.ttl == SetOptions::Ttl::kAt && options.expire_at_ms <= now.get()) {
    // Redis stores and immediately expires: the old value is gone.
    if (link != nullptr) {
      d.Remove(link);
      ++shard.expired;
    }
    keyspace_internal::QueueEvent(n, kNotifyString, "set", db, key);
    keyspace_internal::QueueEvent(n, kNotifyGeneric, "del", db, key);
    d.MaybeResize();
    return result;
  }
  if (link == nullptr) {
    link = d.Insert(keyspace_internal::NewStringEntry(*d.alloc, key, value), hash);
    Created(shard, db, key);
    keyspace_internal::QueueEvent(n, kNotifyNew, "new", db, key);
  } else {
    d.Assign(link, value);
    if (options.ttl != SetOptions::Ttl::kKeep) d.wheel.Cancel(&(*link)->timer);
  }
  keyspace_internal::QueueEvent(n, kNotifyString, "set", db, key);
  if (options.ttl == SetOptions::Ttl::kAt) {
    d.wheel.Schedule(&(*link)->timer, options.expire_at_ms);
    keyspace_internal::QueueEvent(n, kNotifyGeneric, "expire", db, key);
  }
  d.MaybeResize();
  return result;
}

std::vector<std::optional<std::string>> Keyspace::MGet(int db,
                                                       const std::vector<std::string_view>& keys) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the locks
  LazyNow now(clock_);
  MultiLock locks(*this, keys);
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    Shard& shard = locks.shard(i);
    Entry** link = LookupLive(shard, db, DbIfPresent(shard, db), keys[i], locks.hash(i), now);
    if (link == nullptr) {
      Missed(shard, db, keys[i]);
      continue;
    }
    ++shard.hits;
    if ((*link)->is_string()) out[i].emplace((*link)->str());
  }
  return out;
}

bool Keyspace::MSet(int db, const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
                    bool if_none_exist) {
  CheckDb(db);
  ReadyNotifier notify(this);
  LazyNow now(clock_);
  std::vector<uint64_t> hashes;
  hashes.reserve(pairs.size());
  for (const auto& [k, v] : pairs) hashes.push_back(HashKey(k));
  MultiLock locks(*this, std::move(hashes));
  if (if_none_exist) {
    for (size_t i = 0; i < pairs.size(); ++i) {
      Shard& shard = locks.shard(i);
      if (LookupLive(shard, db, DbIfPresent(shard, db), pairs[i].first, locks.hash(i), now)) {
        return false;
      }
    }
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    Shard& shard = locks.shard(i);
    Db& d = DbFor(shard, db, now);
    Entry** link = LookupLive(shard, db, &d, pairs[i].first, locks.hash(i), now);
    shard.Touch(db, pairs[i].first);
    if (link == nullptr) {
      d.Insert(keyspace_internal::NewStringEntry(*d.alloc, pairs[i].first, pairs[i].second),
               locks.hash(i));
      Created(shard, db, pairs[i].first);
      keyspace_internal::QueueEvent(notifier_.get(), kNotifyNew, "new", db, pairs[i].first);
    } else {
      d.Assign(link, pairs[i].second);
      d.wheel.Cancel(&(*link)->timer);
    }
    keyspace_internal::QueueEvent(notifier_.get(), kNotifyString, "set", db, pairs[i].first);
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    {
      ++locks.shard(i).changes;
      ++keyspace_internal::tl_changes;
    }
    DbFor(locks.shard(i), db, now).MaybeResize();
  }
  return true;
}

int64_t Keyspace::Delete(int db, const std::vector<std::string_view>& keys) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  LazyNow now(clock_);
  MultiLock locks(*this, keys);
  int64_t removed = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    Shard& shard = locks.shard(i);
    Db* d = DbIfPresent(shard, db);
    Entry** link = LookupLive(shard, db, d, keys[i], locks.hash(i), now);
    if (link == nullptr) continue;
    shard.Touch(db, keys[i]);
    d->Remove(link);
    {
      ++shard.changes;
      ++keyspace_internal::tl_changes;
    }
    ++removed;
    keyspace_internal::QueueEvent(notifier_.get(), kNotifyGeneric, "del", db, keys[i]);
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (Db* d = DbIfPresent(locks.shard(i), db)) d->MaybeResize();
  }
  return removed;
}

int64_t Keyspace::Exists(int db, const std::vector<std::string_view>& keys, bool touch) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  LazyNow now(clock_);
  MultiLock locks(*this, keys);
  int64_t found = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    Shard& shard = locks.shard(i);
    // EXISTS does not touch the keys (Redis's LOOKUP_NOTOUCH); TOUCH does.
    const bool live =
        LookupLive(shard, db, DbIfPresent(shard, db), keys[i], locks.hash(i), now, touch);
    CountRead(shard, db, keys[i], live);
    if (live) ++found;
  }
  return found;
}

bool Keyspace::KeyExists(int db, std::string_view key) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  return LookupLive(shard, db, DbIfPresent(shard, db), key, hash, now, /*touch=*/false) != nullptr;
}

std::optional<ValueType> Keyspace::Type(int db, std::string_view key) {
  NoTouchScope no_touch;  // TYPE does not count as an access (Redis's LOOKUP_NOTOUCH)
  std::optional<ValueType> type;
  Update(
      db, key,
      [&](KeyHandle& k) {
        if (k.exists()) type = k.type();
      },
      Lookup::kRead);
  return type;
}

std::optional<size_t> Keyspace::MemoryUsage(int db, std::string_view key, size_t samples) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  LazyNow now(clock_);
  const uint64_t hash = HashKey(key);
  Shard& shard = ShardFor(hash);
  ShardLock lock(*this, shard);
  Entry** link = LookupLive(shard, db, DbIfPresent(shard, db), key, hash, now, /*touch=*/false);
  if (link == nullptr) return std::nullopt;
  const Entry* e = *link;
  size_t bytes = keyspace_internal::SlabAllocator::RoundUp(keyspace_internal::EntryBytes(e)) +
                 sizeof(Entry*);  // the key's share of the bucket array at load factor 1
  if (!e->is_string()) bytes += keyspace_internal::ObjectFootprint(e->type(), e->object(), samples);
  return bytes;
}

std::optional<std::string> Keyspace::RandomKey(int db) {
  CheckDb(db);
  ReadyNotifier notify(this);  // publishes "expired" events after the lock
  auto& rng = ThreadRng();
  LazyNow now(clock_);
  const int start = static_cast<int>(rng() % num_shards_);
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[(start + i) % num_shards_];
    ShardLock lock(*this, shard);
    Db* d = DbIfPresent(shard, db);
    while (d != nullptr && d->size > 0) {
      // The load factor is at least 1/8, so a non-empty bucket is found in
      // a few tries on average.
      Entry** link = &d->buckets[rng() & d->mask];
      if (*link == nullptr) continue;
      size_t len = 0;
      for (Entry* e = *link; e != nullptr; e = e->next) ++len;
      for (size_t skip = rng() % len; skip > 0; --skip) link = &(*link)->next;
      if ((*link)->expired(now.get())) {
        shard.Touch(db, (*link)->key());
        keyspace_internal::QueueEvent(notifier_.get(), kNotifyExpired, "expired", db,
                                      (*link)->key());
        keyspace_internal::PropagateDel(notifier_.get(), db, (*link)->key());
        d->Remove(link);
        ++shard.expired;
        continue;
      }
      return std::string((*link)->key());
    }
  }
  return std::nullopt;
}

void Keyspace::Flush(int db) {
  CheckDb(db);
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    // Freed under the lock: entries return to the shard's allocator.
    ShardLock lock(*this, shard);
    shard.BeforeWrite();
    Db* d = shard.dbs[db].get();
    if (d == nullptr) continue;
    if (shard.watches != nullptr) {
      // As Redis 7: only the watched keys that exist in the emptied database
      // are modified (an expired one still here expired after its WATCH,
      // which reclaims expired keys, so it counts).
      for (const auto& [wk, watchers] : *shard.watches) {
        if (wk.db == db && d->Find(wk.key, HashKey(wk.key)) != nullptr) Shard::TouchAll(watchers);
      }
    }
    shard.changes += d->size;
    keyspace_internal::tl_changes += d->size;
    shard.dbs[db].reset();
  }
}

void Keyspace::FlushAll() {
  for (int d = 0; d < databases_; ++d) Flush(d);
}

void Keyspace::SwapDb(int a, int b) {
  CheckDb(a);
  CheckDb(b);
  ReadyNotifier notify(this);
  LockAllShards();
  LazyNow now(clock_);
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    shard.BeforeWrite();
    if (a != b && shard.watches != nullptr) TouchSwappedWatches(shard, a, b, now);
    std::swap(shard.dbs[a], shard.dbs[b]);
    if (shard.dbs[a] != nullptr) shard.dbs[a]->index = a;
    if (shard.dbs[b] != nullptr) shard.dbs[b]->index = b;
    {
      ++shard.changes;
      ++keyspace_internal::tl_changes;
    }
    if (a != b && shard.blocked != nullptr) {
      // A key blocked on in either database that exists after the swap is ready (Redis's
      // scanDatabaseForReadyKeys), unless only an expired copy is there.
      std::vector<std::pair<int, std::string>> now_present;
      for (const auto& [bk, count] : *shard.blocked) {
        if (bk.db != a && bk.db != b) continue;
        if (LookupLive(shard, bk.db, DbIfPresent(shard, bk.db), bk.key, HashKey(bk.key), now,
                       /*touch=*/false)) {
          now_present.emplace_back(bk.db, bk.key);
        }
      }
      for (const auto& [d, k] : now_present) Created(shard, d, k);
    }
    shard.mu.Unlock();
  }
}

// As Redis 7's touchAllWatchedKeysInDb for both databases: a key watched in
// `a` is modified if it exists in `a` (and goes) or in `b` (and comes), and
// the same for `b`. Expired copies of watched keys are reclaimed first, as a
// reader would: that modifies the key for its own database's watchers only,
// so a watched key that was missing and is replaced by an already expired
// one is not modified (Redis: "Non-existing key is replaced with an expired
// key").
void Keyspace::TouchSwappedWatches(Shard& shard, int a, int b, LazyNow& now)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // the caller holds every shard's lock
  for (const auto& [wk, watchers] : *shard.watches) {
    if (wk.db != a && wk.db != b) continue;
    const uint64_t hash = HashKey(wk.key);
    for (int d : {a, b}) LookupLive(shard, d, DbIfPresent(shard, d), wk.key, hash, now, false);
  }
  for (const auto& [wk, watchers] : *shard.watches) {
    if (wk.db != a && wk.db != b) continue;
    const uint64_t hash = HashKey(wk.key);
    Db* self = DbIfPresent(shard, wk.db);
    Db* other = DbIfPresent(shard, wk.db == a ? b : a);
    if ((self != nullptr && self->Find(wk.key, hash) != nullptr) ||
        (other != nullptr && other->Find(wk.key, hash) != nullptr)) {
      Shard::TouchAll(watchers);
    }
  }
  for (int d : {a, b}) {
    if (Db* db = DbIfPresent(shard, d)) db->MaybeResize();
  }
}

int64_t Keyspace::Size(int db) { return static_cast<int64_t>(GetDbStats(db).keys); }

DbStats Keyspace::GetDbStats(int db) {
  CheckDb(db);
  DbStats stats;
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    ReclaimShard(shard, clock_->NowMs(), 1 << 20);
    ShardLock lock(*this, shard);
    if (Db* d = DbIfPresent(shard, db)) {
      stats.keys += d->size;
      stats.expires += d->wheel.size();
    }
  }
  return stats;
}

KeyspaceStats Keyspace::GetStats() {
  KeyspaceStats stats;
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    MutexLock lock(&shard.mu);  // counters: not held off by an exclusive section
    for (const auto& d : shard.dbs) {
      if (d == nullptr) continue;
      stats.keys += d->size;
      stats.expires += d->wheel.size();
    }
    stats.expired_keys += shard.expired;
    stats.evicted_keys += shard.evicted;
    stats.keyspace_hits += shard.hits;
    stats.keyspace_misses += shard.misses;
    stats.changes += shard.changes;
  }
  return stats;
}

void Keyspace::ResetStats() {
  for (int i = 0; i < num_shards_; ++i) {
    Shard& shard = shards_[i];
    MutexLock lock(&shard.mu);  // counters: not held off by an exclusive section
    shard.expired = 0;
    shard.hits = 0;
    shard.misses = 0;
  }
}

ScanResult Keyspace::Scan(int db, uint64_t cursor, std::string_view match, size_t count,
                          std::optional<ValueType> type) {
  CheckDb(db);
  LazyNow now(clock_);
  count = std::max<size_t>(count, 1);
  const bool match_all = match.empty() || match == "*";
  ScanResult result;
  size_t collected = 0;  // before filtering, as Redis counts
  size_t budget = count * 10;
  size_t shard_index = cursor & (num_shards_ - 1);
  uint64_t v = cursor >> shard_bits_;
  while (true) {
    Shard& shard = shards_[shard_index];
    {
      ShardLock lock(*this, shard);
      Db* d = DbIfPresent(shard, db);
      if (d == nullptr || d->buckets == nullptr || d->size == 0) {
        v = 0;
      } else {
        const uint64_t mask = d->mask;
        do {
          for (Entry* e = d->buckets[v & mask]; e != nullptr; e = e->next) {
            ++collected;
            if (e->has_ttl() && e->expired(now.get())) continue;  // never returned
            if (type.has_value() && e->type() != *type) continue;
            if (!match_all && !GlobMatch(match, e->key())) continue;
            result.keys.emplace_back(e->key());
          }
          // Reverse-binary increment of the bucket cursor (see the header).
          v |= ~mask;
          v = ReverseBits(v);
          ++v;
          v = ReverseBits(v);
          if (budget > 0) --budget;
        } while (v != 0 && collected < count && budget > 0);
      }
    }
    if (v == 0) {
      if (++shard_index == static_cast<size_t>(num_shards_)) return result;  // cursor 0: done
    }
    if (collected >= count || budget == 0) break;
  }
  result.cursor = (v << shard_bits_) | shard_index;
  return result;
}

void Keyspace::SetNotifyFlags(uint32_t flags) {
  notifier_->flags.store(flags, std::memory_order_relaxed);
}

uint32_t Keyspace::notify_flags() const { return notifier_->flags.load(std::memory_order_relaxed); }

void Keyspace::Notify(uint32_t type, std::string_view event, int db, std::string_view key) {
  if (notifier_->Wants(type)) keyspace_internal::PublishEvent(*notifier_, type, event, db, key);
}

void KeyHandle::Notify(uint32_t type, const char* event) {
  keyspace_internal::QueueEvent(db_->notifier, type, event, db_->index, key_);
}

absl::StatusOr<int64_t> Keyspace::HSet(
    int db, std::string_view key,
    const std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  absl::Status status;
  int64_t added = 0;
  Update(db, key, [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kHash) {
      status = errors::WrongTypeError();
      return;
    }
    HashValue& h = k.exists() ? k.hash() : k.CreateHash();
    for (const auto& [f, v] : fields) {
      if (h.Set(f, v)) ++added;
    }
    k.Notify(kNotifyHash, "hset");
  });
  if (!status.ok()) return status;
  return added;
}

absl::StatusOr<std::optional<std::string>> Keyspace::HGet(int db, std::string_view key,
                                                          std::string_view field) {
  absl::Status status;
  std::optional<std::string> out;
  Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) return;
        if (k.type() != ValueType::kHash) {
          status = errors::WrongTypeError();
          return;
        }
        if (const std::string* v = k.hash().Find(field)) out = *v;
      },
      Lookup::kRead);
  if (!status.ok()) return status;
  return out;
}

void Keyspace::SetPropagator(Propagator* p) {
  notifier_->propagator.store(p, std::memory_order_release);
}

Propagator* Keyspace::propagator() const {
  return notifier_->propagator.load(std::memory_order_acquire);
}

uint64_t Keyspace::ThreadChanges() { return keyspace_internal::tl_changes; }

}  // namespace embedis
