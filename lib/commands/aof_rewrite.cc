// Aof's rewrite (aof.h, "Rewrite"): BGREWRITEAOF, automatic rewrites and turning appendonly on.
// The image of the keyspace and the new incr file begin at one instant (under the Propagator's
// write_order); a thread writes the image as the new base, then the manifest is switched and the
// old files are deleted.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/commands/aof.h"
#include "lib/commands/aof_files.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/strings.h"

namespace embedis {

using aof_internal::ErrnoStatus;

// ---- Rewrite ----

absl::Status Aof::StartRewriteLocked(bool enabling, bool background)
    ABSL_NO_THREAD_SAFETY_ANALYSIS {  // unlocks mu_ for a foreground rewrite
  const int64_t seq = next_seq_++;
  const bool logging = enabling || enabled_.load();
  if (::mkdir(folder().c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("cannot create the append only folder", folder(), errno);
  }
  const std::string incr = absl::StrCat(filename_, ".", seq, ".incr.aof");
  std::unique_ptr<Keyspace::Image> image;
  Manifest during = manifest_;
  {
    // No write is between being applied and being appended while this is held: the image and
    // the new incr file start at the same instant.
    MutexLock w(&write_order());
    if (logging) {
      Flush(fsync_policy() != Fsync::kNo);  // the old incr file complete
      const std::string path = absl::StrCat(folder(), "/", incr);
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) return ErrnoStatus("cannot create the AOF file", path, errno);
      {
        MutexLock s(&sync_mu_);
        MutexLock io(&io_mu_);
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
        closed_size_.fetch_add(file_size_);
        file_size_ = 0;
        fd_size_ = 0;
        synced_size_ = 0;
        incr_path_ = path;
      }
      {
        MutexLock b(&buf_mu_);
        selected_db_ = -1;
        last_timestamp_ = 0;  // each incr file starts with a #TS annotation
      }
      if (enabling) {
        keyspace_->SetPropagator(this);
        enabled_ = true;
      }
      during.incrs.emplace_back(incr, seq);
    }
    image = keyspace_->BeginImage();
  }
  if (logging && !enabling) {
    // A crash during the rewrite loads the old files and the new incr file.
    if (absl::Status s = WriteManifest(during); !s.ok()) Log(true, FromAbsl(s.message()));
  }
  if (logging) manifest_ = during;
  rewriting_ = true;
  rewriting_now_.store(true, std::memory_order_release);
  rewrite_started_ms_ = NowMs();
  last_rewrite_try_ms_ = rewrite_started_ms_;
  Log(false, "Background append only file rewriting started");
  Manifest next;
  next.base = absl::StrCat(filename_, ".", seq, ".base.embedis");
  next.base_seq = seq;
  if (logging) next.incrs.emplace_back(incr, seq);
  if (!background) {
    mu_.Unlock();
    FinishRewrite(std::move(image), std::move(next), /*background=*/false, enabling);
    mu_.Lock();
    return last_rewrite_ok_ ? absl::OkStatus()
                            : absl::InternalError("Can't create the AOF base file (see the log)");
  }
  if (rewrite_thread_.joinable()) rewrite_thread_.join();
  rewrite_thread_ =
      std::thread([this, image = std::move(image), next = std::move(next), enabling]() mutable {
        FinishRewrite(std::move(image), std::move(next), /*background=*/true, enabling);
      });
  return absl::OkStatus();
}

void Aof::FinishRewrite(std::unique_ptr<Keyspace::Image> image, Manifest next, bool background,
                        bool enabling) {
  const std::string base_path = absl::StrCat(folder(), "/", next.base);
  SnapshotWriteOptions write_options;
  write_options.image = image.get();
  // aof-rewrite-incremental-fsync: Redis's REDIS_AUTOSYNC_BYTES.
  if (incremental_fsync_.load(std::memory_order_relaxed)) {
    write_options.incremental_fsync_bytes = 4 << 20;
  }
  absl::StatusOr<SnapshotStats> saved = WriteSnapshot(*keyspace_, base_path, write_options);
  image.reset();
  absl::Status s = saved.status();
  MutexLock l(&mu_);
  if (s.ok()) s = WriteManifest(next);
  const int64_t now = NowMs();
  last_rewrite_seconds_ = (now - rewrite_started_ms_) / 1000;
  if (s.ok()) {
    // The files the new base replaces.
    if (!manifest_.base.empty() && manifest_.base != next.base) {
      ::unlink(absl::StrCat(folder(), "/", manifest_.base).c_str());
    }
    for (const auto& [name, seq] : manifest_.incrs) {
      if (next.incrs.empty() || name != next.incrs.back().first) {
        ::unlink(absl::StrCat(folder(), "/", name).c_str());
      }
    }
    manifest_ = std::move(next);
    closed_size_ = saved->bytes;
    base_size_ = static_cast<int64_t>(saved->bytes) + fd_size_.load();
    last_rewrite_ok_ = true;
    last_rewrite_incremental_fsyncs_ = saved->incremental_fsyncs;
    rewrite_failures_ = 0;
    if (background) ++rewrites_;  // as redis-server: the base made at start is not counted
    if (enabling) enable_pending_ = false;
    Log(false, "Background AOF rewrite terminated with success");
    Log(false, "Background AOF rewrite finished successfully");
  } else {
    ::unlink(base_path.c_str());
    last_rewrite_ok_ = false;
    ++rewrite_failures_;
    if (enabling) enable_pending_ = true;
    Log(true, absl::StrCat("Background AOF rewrite terminated with error: ", s.message()));
  }
  rewriting_ = false;
  rewriting_now_.store(false, std::memory_order_release);
  rewrite_started_ms_ = -1;
  cv_.notify_all();
}

absl::StatusOr<bool> Aof::BackgroundRewrite(bool in_exec) {
  if (in_exec) {
    // Inside EXEC, as Redis: scheduled (or refused when one runs). Without taking mu_: EXEC holds
    // the propagation lock, which StartRewriteLocked takes under mu_ (the cron's order), so
    // taking mu_ here could deadlock with a rewrite starting on the cron thread.
    if (rewriting_now_.load(std::memory_order_acquire)) {
      return absl::FailedPreconditionError(
          "ERR Background append only file rewriting already in progress");
    }
    exec_scheduled_.store(true, std::memory_order_release);
    return false;
  }
  MutexLock l(&mu_);
  if (stop_) return absl::FailedPreconditionError("ERR Errors trying to SHUTDOWN. Check logs.");
  if (rewriting_) {
    return absl::FailedPreconditionError(
        "ERR Background append only file rewriting already in progress");
  }
  if (bgsave_running_ && bgsave_running_()) {
    rewrite_scheduled_ = true;
    return false;
  }
  if (absl::Status s = StartRewriteLocked(/*enabling=*/false, /*background=*/true); !s.ok()) {
    Log(true, FromAbsl(s.message()));
    return absl::InternalError(
        "ERR Can't execute an AOF background rewriting. Please check the "
        "server logs for more information.");
  }
  return true;
}

void Aof::WaitForRewrite() {
  std::unique_lock<Mutex> l(mu_);
  cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return stop_ || (!rewriting_ && !rewrite_scheduled_ && !exec_scheduled_.load());
  });
}

}  // namespace embedis
