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
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/snapshot.h"
#include "lib/resp/writer.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

constexpr auto kCronPeriod = std::chrono::milliseconds(100);
constexpr int64_t kRetryRewriteMs = 5000;
constexpr char kSnapshotMagic[8] = {'\x89', 'E', 'M', 'B', 'E', 'D', 'I', 'S'};

void AppendBulk(std::string* out, std::string_view s) {
  absl::StrAppend(out, "$", s.size(), "\r\n");
  out->append(s.data(), s.size());
  out->append("\r\n");
}

void AppendCommand(std::string* out, const std::vector<std::string>& argv) {
  absl::StrAppend(out, "*", argv.size(), "\r\n");
  for (const std::string& a : argv) AppendBulk(out, a);
}

std::string Errno(int err) { return std::strerror(err); }

absl::Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(ToAbsl(what), " ", path, ": ", Errno(err)));
}

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

absl::Status FsyncDir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoStatus("cannot open directory", dir, errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  return rc == 0 ? absl::OkStatus() : ErrnoStatus("cannot fsync directory", dir, err);
}

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path));
    return ErrnoStatus("cannot open", path, errno);
  }
  std::string data;
  data.resize(static_cast<size_t>(std::max<int64_t>(FileSize(path), 0)));
  size_t got = 0;
  while (true) {
    if (got == data.size()) data.resize(data.size() * 2 + 4096);
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot read", path, err);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
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

bool Aof::FsyncAllowed() const {
  if (!no_fsync_on_rewrite_.load(std::memory_order_relaxed)) [[likely]] {
    return true;
  }
  return !rewriting_now_.load(std::memory_order_acquire) && !(bgsave_running_ && bgsave_running_());
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

// ---- Loading ----

absl::Status Aof::Load() {
  absl::StatusOr<Manifest> m = ReadManifest();
  if (!m.ok()) return m.status();
  const auto start = std::chrono::steady_clock::now();
  if (!m->base.empty()) {
    if (absl::Status s = LoadBase(m->base, m->incrs.empty()); !s.ok()) return s;
  }
  for (size_t i = 0; i < m->incrs.size(); ++i) {
    if (absl::Status s = ReplayFile(m->incrs[i].first, i + 1 == m->incrs.size()); !s.ok()) {
      return s;
    }
  }
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  Log(false, absl::StrCat("DB loaded from append only file: ", seconds, " seconds"));
  MutexLock l(&mu_);
  manifest_ = *std::move(m);
  return absl::OkStatus();
}

absl::Status Aof::LoadBase(const std::string& name, bool last) {
  const std::string path = absl::StrCat(folder(), "/", name);
  char head[8] = {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open the AOF base file", path, errno);
  ssize_t n = ::read(fd, head, sizeof(head));
  ::close(fd);
  if (n == sizeof(head) && std::memcmp(head, kSnapshotMagic, sizeof(head)) == 0) {
    absl::StatusOr<SnapshotLoadStats> loaded = LoadSnapshot(path, keyspace_);
    if (!loaded.ok()) return loaded.status();
    Log(false, absl::StrCat("Loading the AOF base ", name, ": ", loaded->loaded, " keys loaded, ",
                            loaded->expired, " expired"));
    return absl::OkStatus();
  }
  if (n >= 5 && std::memcmp(head, "REDIS", 5) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("The AOF base ", path, " is a Redis RDB file, which embedis cannot read"));
  }
  return ReplayFile(name, last);
}

absl::Status Aof::ReplayFile(const std::string& name, bool last) {
  const std::string path = absl::StrCat(folder(), "/", name);
  absl::StatusOr<std::string> read = ReadWhole(path);
  if (absl::IsNotFound(read.status()) && last) {
    return absl::OkStatus();  // created by a rewrite that died before its first write
  }
  if (!read.ok()) return read.status();
  const std::string& data = *read;
  const commands::CommandTable table = commands::CommandTable::WithDataCommands();
  commands::ClientState client;
  std::string out;
  resp::Writer writer(&out, client.protocol);
  commands::CommandContext ctx{.keyspace = keyspace_, .client = &client, .reply = &writer};
  size_t pos = 0;
  size_t multi_start = std::string::npos;
  const size_t n = data.size();
  enum class Outcome { kOk, kTruncated, kCorrupt };
  // Reads "<prefix><integer>\r\n" at pos.
  auto read_number = [&](char prefix, int64_t* v) -> Outcome {
    if (pos >= n) return Outcome::kTruncated;
    if (data[pos] != prefix) return Outcome::kCorrupt;
    size_t eol = data.find("\r\n", pos);
    if (eol == std::string::npos) {
      // A line cut short, unless what is there cannot be a number at all.
      for (size_t i = pos + 1; i < n; ++i) {
        if ((data[i] < '0' || data[i] > '9') && data[i] != '\r') return Outcome::kCorrupt;
      }
      return Outcome::kTruncated;
    }
    if (!commands::ParseInt64(std::string_view(data).substr(pos + 1, eol - pos - 1), v) || *v < 0) {
      return Outcome::kCorrupt;
    }
    pos = eol + 2;
    return Outcome::kOk;
  };
  std::vector<std::string_view> argv;
  uint64_t commands_run = 0;
  while (pos < n) {
    const size_t start = pos;
    Outcome o = Outcome::kOk;
    if (data[pos] == '#') {  // an annotation (#TS:<unix seconds>), skipped as Redis does
      const size_t eol = data.find('\n', pos);
      if (eol != std::string::npos) {
        pos = eol + 1;
        continue;
      }
      o = Outcome::kTruncated;
    }
    int64_t argc = 0;
    if (o == Outcome::kOk) o = read_number('*', &argc);
    if (o == Outcome::kOk && argc < 1) o = Outcome::kCorrupt;
    argv.clear();
    for (int64_t i = 0; o == Outcome::kOk && i < argc; ++i) {
      int64_t len = 0;
      o = read_number('$', &len);
      if (o != Outcome::kOk) break;
      if (static_cast<uint64_t>(len) + 2 > n - pos) {
        o = Outcome::kTruncated;
        break;
      }
      if (data[pos + static_cast<size_t>(len)] != '\r' ||
          data[pos + static_cast<size_t>(len) + 1] != '\n') {
        o = Outcome::kCorrupt;
        break;
      }
      argv.push_back(std::string_view(data).substr(pos, static_cast<size_t>(len)));
      pos += static_cast<size_t>(len) + 2;
    }
    if (o == Outcome::kCorrupt) {
      return absl::DataLossError(absl::StrCat("Bad file format reading the append only file ", path,
                                              " at byte offset ", start, " (command ",
                                              commands_run + 1,
                                              "): make a backup of your AOF file, then repair or "
                                              "remove the damaged part"));
    }
    if (o == Outcome::kTruncated) {
      const size_t cut = multi_start != std::string::npos ? multi_start : start;
      if (!last || !load_truncated_.load()) {
        return absl::DataLossError(absl::StrCat(
            "Unexpected end of file reading the append only file ", path, " at byte offset ", start,
            !last ? " (not the last file of the manifest)"
                  : "; set aof-load-truncated yes to load it cut at its last complete "
                    "command"));
      }
      Log(true, absl::StrCat("!!! Warning: short read while loading the AOF file ", name, "!!!"));
      Log(true, absl::StrCat("!!! Truncating the AOF ", name, " at offset ", cut, " !!!"));
      if (::truncate(path.c_str(), static_cast<off_t>(cut)) != 0) {
        return ErrnoStatus("cannot truncate the AOF file", path, errno);
      }
      Log(true, absl::StrCat("AOF ", name, " loaded anyway because aof-load-truncated is enabled"));
      return absl::OkStatus();
    }
    const commands::CommandSpec* spec = table.Find(argv[0]);
    if (spec == nullptr) {
      return absl::DataLossError(absl::StrCat("Unknown command '", ToAbsl(argv[0].substr(0, 128)),
                                              "' reading the append only file ", path,
                                              " at byte offset ", start));
    }
    if (commands::EqualsIgnoreCase(argv[0], "multi")) multi_start = start;
    if (commands::EqualsIgnoreCase(argv[0], "exec")) multi_start = std::string::npos;
    table.Execute(ctx, commands::Args(argv.data(), argv.size()), spec);
    out.clear();
    ++commands_run;
  }
  if (multi_start != std::string::npos) {  // a MULTI without its EXEC: a crash in between
    if (!last || !load_truncated_.load()) {
      return absl::DataLossError(
          absl::StrCat("Unexpected end of file reading the append only file ", path,
                       ": a MULTI at byte offset ", multi_start, " has no EXEC"));
    }
    client.ResetTransaction();
    Log(true, absl::StrCat("Revert incomplete MULTI/EXEC transaction in AOF file ", name,
                           " at offset ", multi_start));
    if (::truncate(path.c_str(), static_cast<off_t>(multi_start)) != 0) {
      return ErrnoStatus("cannot truncate the AOF file", path, errno);
    }
  }
  return absl::OkStatus();
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
