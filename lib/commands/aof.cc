// Aof (aof.h): options, the manifest, writing (Append, Flush, BeforeReply), start, stop, enable,
// INFO and BGREWRITEAOF's registration. The other parts, each in a file of its own: loading
// (aof_load.cc), the rewrite (aof_rewrite.cc), the cron thread and the fsync policy
// (aof_cron.cc); the file primitives they share are declared in aof_files.h.
#include "lib/commands/aof.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/commands/aof_files.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/snapshot.h"
#include "lib/resp/writer.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

using aof_internal::Errno;
using aof_internal::ErrnoStatus;
using aof_internal::FileSize;
using aof_internal::FsyncDir;
using aof_internal::ReadWhole;

void AppendBulk(std::string* out, std::string_view s) {
  absl::StrAppend(out, "$", s.size(), "\r\n");
  out->append(s.data(), s.size());
  out->append("\r\n");
}

void AppendCommand(std::string* out, const std::vector<std::string>& argv) {
  absl::StrAppend(out, "*", argv.size(), "\r\n");
  for (const std::string& a : argv) AppendBulk(out, a);
}

}  // namespace

Aof::Aof(Keyspace* keyspace, const AofOptions& options, LogFn log)
    : keyspace_(keyspace),
      dir_(options.dir),
      filename_(options.appendfilename),
      dirname_(options.appenddirname),
      log_(std::move(log)) {
  SetOptions(options);
  enabled_requested_ = options.appendonly;
}

Aof::~Aof() { Stop(); }

void Aof::SetOptions(const AofOptions& o) {
  Fsync f = Fsync::kEverysec;
  if (o.appendfsync == "always") f = Fsync::kAlways;
  if (o.appendfsync == "no") f = Fsync::kNo;
  fsync_.store(static_cast<int>(f), std::memory_order_relaxed);
  auto_percentage_.store(o.auto_aof_rewrite_percentage, std::memory_order_relaxed);
  auto_min_size_.store(o.auto_aof_rewrite_min_size, std::memory_order_relaxed);
  load_truncated_.store(o.aof_load_truncated, std::memory_order_relaxed);
  timestamps_.store(o.aof_timestamp_enabled, std::memory_order_relaxed);
  no_fsync_on_rewrite_.store(o.no_appendfsync_on_rewrite, std::memory_order_relaxed);
  incremental_fsync_.store(o.aof_rewrite_incremental_fsync, std::memory_order_relaxed);
}

void Aof::set_bgsave_running(std::function<bool()> f) { bgsave_running_ = std::move(f); }

int64_t Aof::NowMs() const { return keyspace_->clock()->NowMs(); }

void Aof::Log(bool warning, std::string_view message) const {
  if (log_) log_(warning, message);
}

std::string Aof::folder() const { return absl::StrCat(dir_, "/", dirname_); }
std::string Aof::manifest_path() const {
  return absl::StrCat(folder(), "/", filename_, ".manifest");
}

bool Aof::Exists() const {
  struct stat st {};
  return stat(manifest_path().c_str(), &st) == 0;
}

// ---- Manifest ----

absl::StatusOr<Aof::Manifest> Aof::ReadManifest() const {
  const std::string path = manifest_path();
  absl::StatusOr<std::string> text = ReadWhole(path);
  if (!text.ok()) return text.status();
  Manifest m;
  int line_no = 0;
  for (absl::string_view line_view : absl::StrSplit(*text, '\n')) {
    std::string_view line = FromAbsl(line_view);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> words = absl::StrSplit(ToAbsl(line), ' ', absl::SkipEmpty());
    std::string name, type;
    int64_t seq = -1;
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
      if (words[i] == "file") name = std::string(words[i + 1]);
      if (words[i] == "type") type = std::string(words[i + 1]);
      if (words[i] == "seq" && !commands::ParseInt64(FromAbsl(words[i + 1]), &seq)) seq = -1;
    }
    if (words.size() % 2 != 0 || name.empty() || seq < 0 || type.size() != 1 ||
        name.find('/') != std::string::npos) {
      return absl::DataLossError(absl::StrCat("Invalid AOF manifest file format in ", path,
                                              " at line ", line_no, ": '", ToAbsl(line), "'"));
    }
    if (type == "b") {
      m.base = name;
      m.base_seq = seq;
    } else if (type == "i") {
      m.incrs.emplace_back(name, seq);
    } else if (type != "h") {
      return absl::DataLossError(
          absl::StrCat("Unknown AOF file type '", type, "' in ", path, " at line ", line_no));
    }
  }
  if (m.base.empty() && m.incrs.empty()) {
    return absl::DataLossError(absl::StrCat("Found an empty AOF manifest ", path));
  }
  return m;
}

absl::Status Aof::WriteManifest(const Manifest& m) {
  std::string text;
  if (!m.base.empty()) absl::StrAppend(&text, "file ", m.base, " seq ", m.base_seq, " type b\n");
  for (const auto& [name, seq] : m.incrs)
    absl::StrAppend(&text, "file ", name, " seq ", seq, " type i\n");
  const std::string path = manifest_path();
  const std::string temp = absl::StrCat(folder(), "/temp-", filename_, ".manifest");
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("cannot create", temp, errno);
  size_t done = 0;
  int err = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp.c_str());
    return ErrnoStatus("cannot write the AOF manifest", path, err);
  }
  return FsyncDir(folder());
}

// ---- Writing ----

void Aof::Append(absl::Span<const PropagatedCommand> commands) {
  MutexLock l(&buf_mu_);
  const size_t before = buf_.size();
  if (timestamps_.load(std::memory_order_relaxed)) [[unlikely]] {
    // As Redis 7's aof-timestamp-enabled: before the first write of each new second.
    const int64_t now = NowMs() / 1000;
    if (now > last_timestamp_) {
      absl::StrAppend(&buf_, "#TS:", now, "\r\n");
      last_timestamp_ = now;
    }
  }
  for (const PropagatedCommand& c : commands) {
    if (c.db != selected_db_) {
      AppendCommand(&buf_, {"SELECT", std::to_string(c.db)});
      selected_db_ = c.db;
    }
    AppendCommand(&buf_, c.argv);
  }
  appended_.fetch_add(buf_.size() - before, std::memory_order_release);
}

bool Aof::Flush(bool sync) {
  MutexLock io(&io_mu_);
  if (fd_ < 0) return true;
  uint64_t target;
  {
    MutexLock l(&buf_mu_);
    if (failed_.empty()) {
      failed_.swap(buf_);
    } else {
      failed_.append(buf_);
      buf_.clear();
    }
    target = appended_.load(std::memory_order_acquire);
  }
  size_t total = 0;
  int err = 0;
  while (total < failed_.size()) {
    ssize_t n = ::write(fd_, failed_.data() + total, failed_.size() - total);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : ENOSPC;
      break;
    }
    total += static_cast<size_t>(n);
  }
  if (err != 0) {
    // No half command may stay in the file: cut it back, and keep everything for the retry.
    if (total > 0) {
      if (::ftruncate(fd_, static_cast<off_t>(file_size_)) == 0) {
        total = 0;
      } else {
        file_size_ += static_cast<int64_t>(total);
        failed_.erase(0, total);
      }
    }
    fd_size_.store(file_size_, std::memory_order_relaxed);
    const bool was_ok = write_ok_.exchange(false);
    last_errno_.store(err, std::memory_order_relaxed);
    if (was_ok) {
      Log(true, absl::StrCat("Error writing to the AOF file: ", Errno(err)));
    }
    return false;
  }
  file_size_ += static_cast<int64_t>(total);
  fd_size_.store(file_size_, std::memory_order_relaxed);
  if (failed_.capacity() > (size_t{4} << 20)) {
    std::string().swap(failed_);
  } else {
    failed_.clear();
  }
  written_.store(target, std::memory_order_release);
  if (sync && synced_.load(std::memory_order_relaxed) < target && FsyncAllowed()) {
    if (::fdatasync(fd_) != 0) {
      const int e = errno;
      const bool was_ok = write_ok_.exchange(false);
      last_errno_.store(e, std::memory_order_relaxed);
      if (was_ok) Log(true, absl::StrCat("Can't fsync the AOF file: ", Errno(e)));
      return false;
    }
    synced_.store(target, std::memory_order_release);
    synced_size_ = file_size_;
  }
  if (!write_ok_.load(std::memory_order_relaxed)) {
    write_ok_.store(true);
    Log(false, "AOF write error looks solved. Writes are accepted again.");
  }
  return true;
}

void Aof::BeforeReply() {
  const uint64_t appended = appended_.load(std::memory_order_acquire);
  const bool always = fsync_policy() == Fsync::kAlways;
  if (appended == (always ? synced_ : written_).load(std::memory_order_acquire)) [[likely]] {
    return;
  }
  if (!Flush(always) && always) {
    Log(true,
        "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
    std::fflush(stderr);
    std::fflush(stdout);
    ::_exit(1);
  }
}

std::string Aof::misconf_error() const {
  return absl::StrCat("MISCONF Errors writing to the AOF file: ",
                      Errno(last_errno_.load(std::memory_order_relaxed)));
}

// ---- Start, stop, enable ----

// Removes what a process killed during a rewrite left in the folder: temporary base files, and
// bases or incr files that the manifest does not name.
void Aof::RemoveLeftovers() {
  DIR* d = ::opendir(folder().c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  int removed = 0;
  for (const std::string& name : names) {
    if (name.rfind(filename_ + ".", 0) != 0) continue;
    if (size_t tmp = name.find(".base.embedis.tmp-"); tmp != std::string::npos) {
      removed += RemoveStaleSnapshotTemps(
          absl::StrCat(folder(), "/", name.substr(0, tmp + std::strlen(".base.embedis"))));
      continue;
    }
    const bool file = name.ends_with(".base.embedis") || name.ends_with(".incr.aof") ||
                      name.ends_with(".base.aof");
    bool named = name == manifest_.base;
    for (const auto& [incr, seq] : manifest_.incrs) named |= name == incr;
    if (file && !named && ::unlink(absl::StrCat(folder(), "/", name).c_str()) == 0) ++removed;
  }
  if (removed > 0) {
    Log(false, absl::StrCat("Removed ", removed, " file(s) a killed AOF rewrite left behind"));
  }
}

absl::Status Aof::Start() {
  MutexLock l(&mu_);
  if (started_) return absl::OkStatus();
  started_ = true;
  if (enabled_requested_) {
    if (::mkdir(folder().c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create the append only folder", folder(), errno);
    }
    if (!manifest_.base.empty() || !manifest_.incrs.empty()) {
      RemoveLeftovers();
      // Continue the loaded log: append to its last incr file (a new one if it has none).
      for (const auto& [name, seq] : manifest_.incrs) next_seq_ = std::max(next_seq_, seq + 1);
      next_seq_ = std::max(next_seq_, manifest_.base_seq + 1);
      if (manifest_.incrs.empty()) {
        const int64_t seq = next_seq_++;
        manifest_.incrs.emplace_back(absl::StrCat(filename_, ".", seq, ".incr.aof"), seq);
        if (absl::Status s = WriteManifest(manifest_); !s.ok()) return s;
      }
      const std::string incr = absl::StrCat(folder(), "/", manifest_.incrs.back().first);
      int fd = ::open(incr.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) return ErrnoStatus("cannot open the AOF file", incr, errno);
      int64_t closed =
          manifest_.base.empty() ? 0 : FileSize(absl::StrCat(folder(), "/", manifest_.base));
      for (size_t i = 0; i + 1 < manifest_.incrs.size(); ++i) {
        closed += FileSize(absl::StrCat(folder(), "/", manifest_.incrs[i].first));
      }
      {
        MutexLock io(&io_mu_);
        fd_ = fd;
        file_size_ = FileSize(incr);
        fd_size_ = file_size_;
        synced_size_ = file_size_;  // found on disk at start
        incr_path_ = incr;
      }
      closed_size_ = closed;
      base_size_ = closed + fd_size_.load();
      keyspace_->SetPropagator(this);
      enabled_ = true;
    } else {
      Log(false, "Creating the AOF base file on server start");
      if (absl::Status s = StartRewriteLocked(/*enabling=*/true, /*background=*/false); !s.ok()) {
        return s;
      }
    }
  }
  cron_thread_ = std::thread([this] { CronLoop(); });
  return absl::OkStatus();
}

void Aof::Stop() {
  {
    std::unique_lock<Mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
    cv_.notify_all();
    cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return !rewriting_; });
    if (rewrite_thread_.joinable()) rewrite_thread_.join();
  }
  if (cron_thread_.joinable()) cron_thread_.join();
  if (enabled_.load()) {
    keyspace_->SetPropagator(nullptr);
    Flush(/*sync=*/true);
  }
  MutexLock io(&io_mu_);
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

absl::Status Aof::SetEnabled(bool on) {
  std::unique_lock<Mutex> l(mu_);
  enabled_requested_ = on;
  if (on) {
    if (enabled_.load()) return absl::OkStatus();
    if (::mkdir(folder().c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("cannot create the append only folder", folder(), errno);
    }
    cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return !rewriting_; });
    // Files of an earlier run with logging on are stale now: the new base replaces them.
    ::unlink(manifest_path().c_str());
    manifest_ = Manifest{};
    return StartRewriteLocked(/*enabling=*/true, /*background=*/true);
  }
  if (!enabled_.load()) return absl::OkStatus();
  {
    MutexLock w(&write_order());
    keyspace_->SetPropagator(nullptr);
    enabled_ = false;
  }
  Flush(/*sync=*/true);
  cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return !rewriting_; });
  enable_pending_ = false;
  MutexLock s(&sync_mu_);
  MutexLock io(&io_mu_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  incr_path_.clear();
  synced_size_ = 0;
  return absl::OkStatus();
}

Aof::SyncedPoint Aof::synced_point() const {
  MutexLock io(&io_mu_);
  return SyncedPoint{.incr_path = fd_ >= 0 ? incr_path_ : std::string(),
                     .synced_bytes = synced_size_,
                     .written_bytes = file_size_};
}

uint64_t Aof::last_rewrite_incremental_fsyncs() const {
  MutexLock l(&mu_);
  return last_rewrite_incremental_fsyncs_;
}

std::string Aof::InfoFields() const {
  MutexLock l(&mu_);
  const bool on = enabled_.load();
  std::string s;
  auto line = [&s](std::string_view name, const auto& value) {
    absl::StrAppend(&s, ToAbsl(name), ":", value, "\r\n");
  };
  line("aof_enabled", on ? 1 : 0);
  line("aof_rewrite_in_progress", rewriting_ ? 1 : 0);
  line("aof_rewrite_scheduled", rewrite_scheduled_ || exec_scheduled_.load() ? 1 : 0);
  line("aof_last_rewrite_time_sec", last_rewrite_seconds_);
  line("aof_current_rewrite_time_sec", rewriting_ ? (NowMs() - rewrite_started_ms_) / 1000 : -1);
  line("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  line("aof_rewrites", rewrites_);
  line("aof_rewrites_consecutive_failures", rewrite_failures_);
  line("aof_last_write_status", write_ok_.load() ? "ok" : "err");
  line("aof_last_cow_size", 0);
  line("module_fork_in_progress", 0);
  line("module_fork_last_cow_size", 0);
  if (on) {
    const uint64_t appended = appended_.load();
    line("aof_current_size", closed_size_.load() + fd_size_.load());
    line("aof_base_size", base_size_.load());
    line("aof_pending_rewrite", rewrite_scheduled_ || exec_scheduled_.load() ? 1 : 0);
    line("aof_buffer_length", appended - written_.load());
    line("aof_pending_bio_fsync", 0);
    line("aof_delayed_fsync", 0);
  }
  return s;
}

// ---- Commands ----

void RegisterAofCommands(commands::CommandTable* table,
                         std::function<Aof*(commands::CommandContext&)> get) {
  using namespace commands;  // NOLINT: flag names
  table->Register({.name = "bgrewriteaof",
                   .arity = 1,
                   .flags = kAdmin | kNoScript | kNoAsyncLoading,
                   .group = "server",
                   .summary = "Asynchronously rewrites the append-only file to disk.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .handler = [get](CommandContext& ctx, Args) {
                     Aof* aof = get(ctx);
                     if (aof == nullptr) return ReplyError(ctx, errors::kPersistenceDisabled);
                     absl::StatusOr<bool> started = aof->BackgroundRewrite(ctx.in_exec);
                     if (!started.ok()) return ReplyStatus(ctx, started.status());
                     ctx.reply->SimpleString(*started
                                                 ? "Background append only file rewriting started"
                                                 : "Background append only file rewriting "
                                                   "scheduled");
                   }});
}

}  // namespace embedis
