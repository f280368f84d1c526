// Keyspace, part 6 of 6: images and exclusive sections. An Image is a point-in-time copy of
// the whole keyspace taken shard by shard (BGSAVE, BGREWRITEAOF, snapshots; see the comment of
// Keyspace::Image in keyspace.h), with ExportShard and Import, the plain export and import of
// records. An ExclusiveSection holds off every other thread's operations while EXEC or a script
// runs (see "Exclusive sections" in keyspace.h); the two meet because an image begun during
// another thread's section takes its instant when the section ends. The rest of the keyspace is
// in keyspace.cc and its other parts.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/keyspace_internal.h"
#include "lib/keyspace/pubsub.h"
#include "lib/keyspace/value_types.h"
#include "lib/util/mutex.h"

namespace embedis {

using keyspace_internal::Db;
using keyspace_internal::Entry;
using keyspace_internal::LazyNow;
using keyspace_internal::Shard;

namespace keyspace_internal {

namespace {

// Appends a copy of `shard`'s keys live at `now_ms`. The caller holds shard.mu.
void ExportLocked(const Shard& shard, int64_t now_ms,
                  std::vector<KeyRecord>* out) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (size_t d = 0; d < shard.dbs.size(); ++d) {
    const Db* db = shard.dbs[d].get();
    for (size_t i = 0; db != nullptr && db->buckets != nullptr && i <= db->mask; ++i) {
      for (const Entry* e = db->buckets[i]; e != nullptr; e = e->next) {
        if (e->has_ttl() && e->timer.deadline_ms <= now_ms) continue;
        KeyRecord& r = out->emplace_back();
        r.db = static_cast<int>(d);
        r.key.assign(e->key());
        r.type = e->type();
        if (e->is_string()) {
          r.str.assign(e->str());
        } else {
          ExportObject(r.type, e->object(), &r);
        }
        r.expire_at_ms = e->has_ttl() ? e->timer.deadline_ms : -1;
      }
    }
  }
}

}  // namespace

void CaptureForImage(Shard& shard) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  ImageCapture* image = shard.image;
  ExportLocked(shard, image->at_ms, &image->slots[shard.index]);
  shard.image = nullptr;
}

}  // namespace keyspace_internal

void Keyspace::ExportShard(int shard_index, std::vector<KeyRecord>* out) {
  Shard& shard = shards_[shard_index];
  ShardLock lock(*this, shard);
  LazyNow now(clock_);
  keyspace_internal::ExportLocked(shard, now.get(), out);
}

Keyspace::Image::Image(Keyspace* ks) : ks_(ks) {
  capture_ = std::make_unique<keyspace_internal::ImageCapture>();
}

Keyspace::Image::~Image() {
  {
    MutexLock l(&ks_->exclusive_mu_);
    if (ks_->pending_image_ == capture_.get()) ks_->pending_image_ = nullptr;
  }
  for (int i = 0; i < ks_->num_shards_; ++i) {
    Shard& shard = ks_->shards_[i];
    MutexLock lock(&shard.mu);  // (not gated: touches no key)
    if (shard.image == capture_.get()) shard.image = nullptr;
  }
  {
    std::lock_guard<std::mutex> l(ks_->image_mu_);
    ks_->image_live_ = false;
  }
  ks_->image_cv_.notify_all();
}

int64_t Keyspace::Image::at_ms() const { return capture_->at_ms; }

void Keyspace::Image::TakeShard(int shard_index, std::vector<KeyRecord>* out) {
  {
    // An image begun during another thread's exclusive section has its instant when the section
    // ends (BeginImage): wait for that.
    std::unique_lock<Mutex> l(ks_->exclusive_mu_);
    ks_->exclusive_cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return ks_->pending_image_ != capture_.get();
    });
  }
  Shard& shard = ks_->shards_[shard_index];
  // Not gated otherwise: the image's instant is before any exclusive section under way (whose
  // first write to a shard copies the shard for the image first), so the reader sees none of it.
  MutexLock lock(&shard.mu);
  if (shard.image == capture_.get()) {
    // Unchanged since the image's instant: read it in place.
    keyspace_internal::ExportLocked(shard, capture_->at_ms, out);
    shard.image = nullptr;
    return;
  }
  std::vector<KeyRecord>& slot = capture_->slots[shard_index];
  if (out->empty()) {
    out->swap(slot);
  } else {
    out->insert(out->end(), std::make_move_iterator(slot.begin()),
                std::make_move_iterator(slot.end()));
  }
  slot = {};
}

std::unique_ptr<Keyspace::Image> Keyspace::BeginImage() {
  {
    std::unique_lock<std::mutex> l(image_mu_);
    image_cv_.wait(l, [this] { return !image_live_; });
    image_live_ = true;
  }
  return CaptureImage();
}

std::unique_ptr<Keyspace::Image> Keyspace::TryBeginImage() {
  {
    std::lock_guard<std::mutex> l(image_mu_);
    if (image_live_) return nullptr;
    image_live_ = true;
  }
  return CaptureImage();
}

std::unique_ptr<Keyspace::Image> Keyspace::CaptureImage() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  std::unique_ptr<Image> image(new Image(this));
  image->capture_->slots.resize(num_shards_);
  // Every shard at once, so that the instant is one for the whole keyspace. Not gated, because
  // callers hold their own locks (a save's, the append-only file's) that a section's owner may
  // need (INFO persistence in a script): during another thread's exclusive section the image's
  // instant is the section's end instead (the owner marks the shards as it ends, and TakeShard
  // waits for that), so an image never holds a section half done, and this never waits.
  for (int i = 0; i < num_shards_; ++i) shards_[i].mu.Lock();
  {
    MutexLock l(&exclusive_mu_);
    if (ForeignSection()) {
      pending_image_ = image->capture_.get();
    } else {
      MarkImage(image->capture_.get());
    }
  }
  UnlockAllShards();
  return image;
}

void Keyspace::MarkImage(keyspace_internal::ImageCapture* capture) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  capture->at_ms = clock_->NowMs();
  for (int i = 0; i < num_shards_; ++i) shards_[i].image = capture;
}

// ---- Exclusive sections ----

void Keyspace::LockAllShards() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (int i = 0; i < num_shards_; ++i) shards_[i].mu.Lock();
  if (exclusive_owner_.load(std::memory_order_relaxed) != nullptr) [[unlikely]] {
    PassGate([this]() { UnlockAllShards(); },
             [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
               for (int i = 0; i < num_shards_; ++i) shards_[i].mu.Lock();
             });
  }
}

void Keyspace::UnlockAllShards() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  for (int i = num_shards_ - 1; i >= 0; --i) shards_[i].mu.Unlock();
}

bool Keyspace::ForeignSection() const {
  const void* owner = exclusive_owner_.load(std::memory_order_relaxed);
  return owner != nullptr && owner != keyspace_internal::ThreadToken();
}

bool Keyspace::InExclusiveSection() const {
  return exclusive_owner_.load(std::memory_order_relaxed) == keyspace_internal::ThreadToken();
}

void Keyspace::PassGate(absl::FunctionRef<void()> unlock, absl::FunctionRef<void()> lock) const {
  while (ForeignSection()) {
    unlock();
    {
      std::unique_lock<Mutex> l(exclusive_mu_);
      exclusive_cv_.wait(l, [this] { return !ForeignSection(); });
    }
    lock();
  }
}

Keyspace::ExclusiveSection::ExclusiveSection(Keyspace* ks, bool freeze_time)
    : ks_(ks), saved_time_(keyspace_internal::tl_frozen_time) {
  const void* me = keyspace_internal::ThreadToken();
  outer_ = ks->exclusive_owner_.load(std::memory_order_relaxed) != me;
  if (outer_) {
    {
      std::unique_lock<Mutex> l(ks->exclusive_mu_);
      ks->exclusive_cv_.wait(
          l, [ks] { return ks->exclusive_owner_.load(std::memory_order_relaxed) == nullptr; });
      ks->exclusive_owner_.store(me, std::memory_order_relaxed);
    }
    // The barrier: an operation that holds a shard lock now finishes before we go on; one that
    // takes a lock after we released it sees the owner (the mutex orders the store before its
    // load) and waits.
    for (int i = 0; i < ks->num_shards_; ++i) {
      MutexLock lock(&ks->shards_[i].mu);
    }
    PubSub::HoldDeliveries();
  }
  if (freeze_time && saved_time_.clock != ks->clock_) {
    keyspace_internal::tl_frozen_time = {.clock = ks->clock_, .ms = ks->clock_->NowMs()};
  }
}

Keyspace::ExclusiveSection::~ExclusiveSection() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  keyspace_internal::tl_frozen_time = saved_time_;
  if (!outer_) return;
  {
    std::unique_lock<Mutex> l(ks_->exclusive_mu_);
    if (ks_->pending_image_ != nullptr) {
      // An image began during the section: its instant is now, every shard at once (shard locks
      // before exclusive_mu_, as BeginImage takes them).
      l.unlock();
      for (int i = 0; i < ks_->num_shards_; ++i) ks_->shards_[i].mu.Lock();
      l.lock();
      if (ks_->pending_image_ != nullptr) ks_->MarkImage(ks_->pending_image_);
      ks_->pending_image_ = nullptr;
      ks_->exclusive_owner_.store(nullptr, std::memory_order_relaxed);
      l.unlock();
      ks_->UnlockAllShards();
    } else {
      ks_->exclusive_owner_.store(nullptr, std::memory_order_relaxed);
    }
  }
  ks_->exclusive_cv_.notify_all();
  // What the section published reaches its subscribers now, in order, with nothing held (a
  // subscriber's callback may call the keyspace, or wait for a thread that waited for us).
  PubSub::ReleaseDeliveries();
}

bool Keyspace::Import(const KeyRecord& record) {
  bool stored = false;
  Update(record.db, record.key, [&](KeyHandle& k) {
    if (record.expire_at_ms != -1 && record.expire_at_ms <= k.now_ms()) {
      k.Delete();
      return;
    }
    k.Delete();
    if (record.type == ValueType::kString) {
      // As Redis loading an RDB file: the string's origin is not restored, so OBJECT ENCODING
      // re-derives "int", "embstr" or "raw" from the bytes as SET would.
      k.SetString(record.str, /*keep_ttl=*/false, StringOrigin::kSet);
    } else {
      k.CreateObject(record.type, keyspace_internal::ImportObject(record));
    }
    if (record.expire_at_ms != -1) k.SetExpireAt(record.expire_at_ms);
    stored = true;
  });
  return stored;
}

}  // namespace embedis
