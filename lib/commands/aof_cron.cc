// Aof's cron thread and fsync policy: every 100 ms it starts a scheduled, retried or automatic
// (auto-aof-rewrite-percentage / -min-size) rewrite; once a second it writes what is buffered,
// retries a failed write and, with appendfsync everysec, fsyncs the file outside the writers'
// lock. FsyncAllowed is no-appendfsync-on-rewrite (no fsync while a rewrite or a BGSAVE runs).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "lib/commands/aof.h"
#include "lib/commands/aof_files.h"

namespace embedis {
namespace {

constexpr auto kCronPeriod = std::chrono::milliseconds(100);
constexpr int64_t kRetryRewriteMs = 5000;

}  // namespace

using aof_internal::Errno;

bool Aof::FsyncAllowed() const {
  if (!no_fsync_on_rewrite_.load(std::memory_order_relaxed)) [[likely]] {
    return true;
  }
  return !rewriting_now_.load(std::memory_order_acquire) && !(bgsave_running_ && bgsave_running_());
}

void Aof::CronLoop() {
  int64_t last_sync_ms = NowMs();
  std::unique_lock<Mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, kCronPeriod);
    if (stop_) break;
    const int64_t now = NowMs();
    const bool enabled = enabled_.load();
    if (enabled && now - last_sync_ms >= 1000) {
      last_sync_ms = now;
      // Once a second: what was appended outside a loop turn (expired keys), a failed write's
      // retry, and with everysec the fsync, outside io_mu_ so that the loops keep writing.
      l.unlock();
      const Fsync policy = fsync_policy();
      if (Flush(policy == Fsync::kAlways) && policy == Fsync::kEverysec && FsyncAllowed()) {
        const uint64_t target = written_.load(std::memory_order_acquire);
        // sync_mu_ keeps the file open (a close takes it first); what was written before the
        // size is read is covered by the fsync.
        MutexLock s(&sync_mu_);
        int fd;
        int64_t size;
        {
          MutexLock io(&io_mu_);
          fd = fd_;
          size = file_size_;
        }
        if (fd >= 0 && synced_.load() < target) {
          if (::fdatasync(fd) == 0) {
            synced_.store(target, std::memory_order_release);
            MutexLock io(&io_mu_);
            synced_size_ = std::max(synced_size_, size);
          } else {
            const int e = errno;
            last_errno_.store(e);
            if (write_ok_.exchange(false)) {
              Log(true, absl::StrCat("Can't fsync the AOF file: ", Errno(e)));
            }
          }
        }
      }
      l.lock();
      if (stop_) break;
    }
    if (exec_scheduled_.exchange(false)) rewrite_scheduled_ = true;
    if (rewriting_) continue;
    const bool bgsave = bgsave_running_ && bgsave_running_();
    if (rewrite_scheduled_ && !bgsave) {
      rewrite_scheduled_ = false;
      StartRewriteLocked(false, true).IgnoreError();
      continue;
    }
    if (enable_pending_ && enabled && now - last_rewrite_try_ms_ > kRetryRewriteMs && !bgsave) {
      StartRewriteLocked(false, true).IgnoreError();
      continue;
    }
    const int64_t pct = auto_percentage_.load();
    const int64_t size = closed_size_.load() + fd_size_.load();
    const int64_t base = std::max<int64_t>(base_size_.load(), 1);
    if (enabled && pct > 0 && !bgsave && size >= auto_min_size_.load() &&
        (size - base) * 100 / base >= pct &&
        (last_rewrite_ok_ || now - last_rewrite_try_ms_ > kRetryRewriteMs)) {
      Log(false, absl::StrCat("Starting automatic rewriting of AOF on ", (size - base) * 100 / base,
                              "% growth"));
      StartRewriteLocked(false, true).IgnoreError();
    }
  }
}

}  // namespace embedis
