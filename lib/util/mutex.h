// Mutex: a std::mutex with Abseil's thread-safety annotations.
//
// Why not absl::Mutex? Debian's Abseil is a prebuilt shared library that is not
// compiled with ThreadSanitizer, so TSAN cannot see absl::Mutex's
// acquire/release and reports false races. std::mutex goes through pthread,
// which every sanitizer intercepts; wrapping it keeps `ABSL_GUARDED_BY`
// checking under clang's -Wthread-safety.
//
// Thread safety: as std::mutex.
//
//   Mutex mu_;
//   int n_ ABSL_GUARDED_BY(mu_);
//   void Inc() { MutexLock l(&mu_); ++n_; }
#ifndef EMBEDIS_LIB_UTIL_MUTEX_H_
#define EMBEDIS_LIB_UTIL_MUTEX_H_

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace embedis {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }

  // For std::condition_variable_any and std::unique_lock.
  void lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Scoped lock of a Mutex.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_UTIL_MUTEX_H_
