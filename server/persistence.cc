#include "server/persistence.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/keyspace/snapshot.h"
#include "lib/util/errors.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

constexpr char kInvalidSave[] = "Invalid save parameters";
constexpr int64_t kBgsaveRetryDelayMs = 5000;  // Redis's CONFIG_BGSAVE_RETRY_DELAY
constexpr auto kCronPeriod = std::chrono::milliseconds(100);

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<SaveRule>> ParseSaveRules(std::string_view text) {
  std::vector<std::string_view> words = Words(text);
  if (words.size() % 2 != 0) return absl::InvalidArgumentError(kInvalidSave);
  std::vector<SaveRule> rules;
  for (size_t i = 0; i < words.size(); i += 2) {
    SaveRule r;
    if (!commands::ParseInt64(words[i], &r.seconds) ||
        !commands::ParseInt64(words[i + 1], &r.changes) || r.seconds < 0 || r.changes < 0) {
      return absl::InvalidArgumentError(kInvalidSave);
    }
    rules.push_back(r);
  }
  return rules;
}

std::string FormatSaveRules(const std::vector<SaveRule>& rules) {
  std::string out;
  for (const SaveRule& r : rules) {
    if (!out.empty()) out += ' ';
    absl::StrAppend(&out, r.seconds, " ", r.changes);
  }
  return out;
}

Persistence::Persistence(Keyspace* keyspace, PersistenceOptions options, LogFn log)
    : keyspace_(keyspace), options_(std::move(options)), log_(std::move(log)) {
  if (absl::StatusOr<std::vector<SaveRule>> rules = ParseSaveRules(options_.save); rules.ok()) {
    rules_ = *std::move(rules);
  }
  stop_writes_on_error_ = options_.stop_writes_on_bgsave_error;
  last_save_ms_ = NowMs();
}

void Persistence::UpdateWritesDeniedLocked() {
  writes_denied_.store(stop_writes_on_error_ && !rules_.empty() && !last_bgsave_ok_,
                       std::memory_order_relaxed);
}

void Persistence::SetStopWritesOnError(bool on) {
  MutexLock l(&mu_);
  stop_writes_on_error_ = on;
  UpdateWritesDeniedLocked();
}

Persistence::~Persistence() { Stop(ShutdownMode::kNoSave).IgnoreError(); }

int64_t Persistence::NowMs() const { return keyspace_->clock()->NowMs(); }

void Persistence::Log(bool warning, std::string_view message) const {
  if (log_) log_(warning, message);
}

std::string Persistence::dir() const {
  if (!dir_.empty()) return dir_;
  char buf[4096];
  std::string cwd = getcwd(buf, sizeof(buf)) ? buf : ".";
  if (options_.dir.empty()) return cwd;
  if (options_.dir[0] == '/') return options_.dir;
  return absl::StrCat(cwd, "/", options_.dir);
}

std::string Persistence::path() const { return absl::StrCat(dir(), "/", options_.dbfilename); }

void Persistence::SetAofInfo(std::function<std::string()> aof_info) {
  aof_info_ = std::move(aof_info);
}

absl::Status Persistence::Load(bool load_file) {
  if (!ParseSaveRules(options_.save).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("save: ", kInvalidSave, " '", options_.save, "'"));
  }
  if (options_.dbfilename.empty() || options_.dbfilename.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("dbfilename can't be a path, just a filename: '", options_.dbfilename, "'"));
  }
  dir_ = dir();
  struct stat st {};
  if (stat(dir_.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("Can't chdir to '", dir_, "': No such file or directory"));
  }
  const std::string file = path();
  if (int removed = RemoveStaleSnapshotTemps(file); removed > 0) {
    Log(false, absl::StrCat("Removed ", removed, " temporary snapshot file(s) of a killed save"));
  }
  if (!load_file) {
    MutexLock l(&mu_);
    last_save_ms_ = NowMs();
    changes_at_last_save_ = keyspace_->GetStats().changes;
    return absl::OkStatus();
  }
  absl::StatusOr<SnapshotLoadStats> loaded = LoadSnapshot(file, keyspace_);
  MutexLock l(&mu_);
  last_save_ms_ = NowMs();
  if (loaded.ok()) {
    last_load_loaded_ = loaded->loaded;
    last_load_expired_ = loaded->expired;
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.3f", loaded->seconds);
    Log(false, absl::StrCat("Loading snapshot ", file, " (format ", loaded->format_version,
                            ", created at ", loaded->created_ms / 1000, ")"));
    if (scripts_ != nullptr) {
      for (const std::string& code : loaded->function_libraries) {
        absl::StatusOr<std::string> lib = scripts_->FunctionLoad(code, /*replace=*/true);
        if (!lib.ok()) {
          Log(true, absl::StrCat("Failed loading a function library from the snapshot: ",
                                 lib.status().message()));
        }
      }
    }
    Log(false, absl::StrCat("Done loading snapshot, keys loaded: ", loaded->loaded,
                            ", keys expired: ", loaded->expired, "."));
    Log(false, absl::StrCat("DB loaded from disk: ", seconds, " seconds"));
  } else if (absl::IsNotFound(loaded.status())) {
    Log(false, absl::StrCat("No snapshot at ", file, ": starting with an empty dataset"));
  } else if (absl::IsDataLoss(loaded.status()) && options_.start_empty_on_corrupt) {
    const std::string aside = absl::StrCat(file, ".corrupt-", NowMs() / 1000);
    if (::rename(file.c_str(), aside.c_str()) != 0) {
      return absl::InternalError(absl::StrCat(loaded.status().message(),
                                              "; and it cannot be moved to ", aside, ": ",
                                              std::strerror(errno)));
    }
    Log(true, absl::StrCat(loaded.status().message()));
    Log(true, absl::StrCat("Moved the damaged snapshot to ", aside,
                           " and starting with an empty dataset (start-empty on a corrupt "
                           "snapshot is set)"));
  } else if (absl::IsDataLoss(loaded.status())) {
    return absl::DataLossError(
        absl::StrCat("refusing to start: ", loaded.status().message(),
                     ". To start with an empty dataset instead (the file is kept, renamed to "
                     "<file>.corrupt-<time>), use --on-corrupt-snapshot start-empty"));
  } else {
    return absl::Status(loaded.status().code(),
                        absl::StrCat("refusing to start: ", loaded.status().message()));
  }
  changes_at_last_save_ = keyspace_->GetStats().changes;  // the load itself is not a change
  return absl::OkStatus();
}

void Persistence::Start() {
  MutexLock l(&mu_);
  if (cron_thread_.joinable() || stopped_) return;
  cron_thread_ = std::thread([this] { CronLoop(); });
}

void Persistence::CronLoop() {
  std::unique_lock<Mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, kCronPeriod);
    if (stop_) break;
    if (saving_ != Saving::kNone || RewriteRunning()) continue;  // one at a time, as Redis
    if (bgsave_scheduled_) {
      bgsave_scheduled_ = !StartBackgroundLocked();  // another image: try again next time
      continue;
    }
    const int64_t now = NowMs();
    const uint64_t changes = keyspace_->GetStats().changes - changes_at_last_save_;
    const bool may_try = last_bgsave_ok_ || now - last_bgsave_try_ms_ > kBgsaveRetryDelayMs;
    for (const SaveRule& r : rules_) {
      if (changes >= static_cast<uint64_t>(r.changes) && now - last_save_ms_ > r.seconds * 1000 &&
          may_try) {
        Log(false, absl::StrCat(r.changes, " changes in ", r.seconds, " seconds. Saving..."));
        StartBackgroundLocked();  // when another image is live, the rule fires again next time
        break;
      }
    }
  }
}

std::vector<std::string> Persistence::FunctionLibraries() const {
  std::vector<std::string> libraries;
  if (scripts_ != nullptr) {
    for (scripting::LibraryInfo& lib : scripts_->FunctionList()) {
      libraries.push_back(std::move(lib.code));
    }
  }
  return libraries;
}

absl::Status Persistence::DoSave(bool background, Keyspace::Image* image,
                                 std::vector<std::string> libraries) {
  const uint64_t changes_before = keyspace_->GetStats().changes;
  const std::string file = path();
  SnapshotWriteOptions write_options;
  write_options.cancel = background ? &cancel_ : nullptr;
  write_options.image = image;  // nullptr: WriteSnapshot begins one now
  write_options.function_libraries = image != nullptr ? std::move(libraries) : FunctionLibraries();
  absl::StatusOr<SnapshotStats> saved = WriteSnapshot(*keyspace_, file, write_options);
  MutexLock l(&mu_);
  if (background) {
    last_bgsave_ok_ = saved.ok();
    last_bgsave_try_ms_ = NowMs();
    last_bgsave_seconds_ = (NowMs() - bgsave_started_ms_) / 1000;
  } else if (saved.ok()) {
    last_bgsave_ok_ = true;  // as redis-server: a successful SAVE clears a failed BGSAVE's error
  }
  UpdateWritesDeniedLocked();
  if (!saved.ok()) {
    Log(true, absl::StrCat(background ? "Background saving error: " : "Error saving DB on disk: ",
                           saved.status().message()));
    return saved.status();
  }
  changes_at_last_save_ = changes_before;
  last_save_ms_ = NowMs();
  ++saves_;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f", saved->seconds);
  Log(false,
      absl::StrCat(background ? "Background saving terminated with success" : "DB saved on disk",
                   " (", saved->keys, " keys, ", saved->bytes, " bytes, ", seconds, " s)"));
  return absl::OkStatus();
}

bool Persistence::StartBackgroundLocked() {
  // The instant of the snapshot is now, before BGSAVE answers (Redis's fork()): a write that
  // follows the reply must not be in it. The callers saw no rewrite running, but one may have
  // begun its image since on its own thread: then this one does not wait for it under mu_ (it
  // reports "another child", as Redis would have seen the rewrite's child).
  std::unique_ptr<Keyspace::Image> image = keyspace_->TryBeginImage();
  if (image == nullptr) return false;
  if (bgsave_thread_.joinable()) bgsave_thread_.join();  // finished: saving_ was kNone
  saving_ = Saving::kBackground;
  bgsave_active_.store(true, std::memory_order_release);
  bgsave_started_ms_ = NowMs();
  Log(false, "Background saving started");
  std::vector<std::string> libraries = FunctionLibraries();
  bgsave_thread_ =
      std::thread([this, image = std::move(image), libraries = std::move(libraries)]() mutable {
        DoSave(/*background=*/true, image.get(), std::move(libraries)).IgnoreError();
        image.reset();
        MutexLock l(&mu_);
        saving_ = Saving::kNone;
        bgsave_active_.store(false, std::memory_order_release);
        bgsave_started_ms_ = -1;
        cv_.notify_all();
      });
  return true;
}

absl::Status Persistence::Save() {
  {
    std::unique_lock<Mutex> l(mu_);
    if (saving_ == Saving::kBackground)
      return absl::FailedPreconditionError(errors::kBgsaveInProgress);
    cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return saving_ == Saving::kNone; });
    saving_ = Saving::kForeground;
  }
  absl::Status s = DoSave(/*background=*/false, /*image=*/nullptr, {});
  MutexLock l(&mu_);
  saving_ = Saving::kNone;
  cv_.notify_all();
  return s;
}

absl::StatusOr<bool> Persistence::BackgroundSave(bool schedule, bool in_exec) {
  MutexLock l(&mu_);
  if (stopped_ || stop_) return absl::FailedPreconditionError(errors::kShuttingDown);
  // As redis-server's bgsaveCommand: a running BGSAVE first, then another "child" (a rewrite,
  // or here a SAVE of another client), then EXEC, which always schedules.
  if (saving_ == Saving::kBackground)
    return absl::FailedPreconditionError(errors::kBgsaveInProgress);
  const bool rewriting = RewriteRunning();
  if (saving_ != Saving::kNone || rewriting || in_exec) {
    if (!schedule && !in_exec) {
      return absl::FailedPreconditionError(rewriting ? errors::kBgsaveOtherChild
                                                     : errors::kBgsaveInProgress);
    }
    bgsave_scheduled_ = true;
    return false;
  }
  if (!StartBackgroundLocked()) {  // a rewrite began its image meanwhile: as `rewriting` above
    if (!schedule) return absl::FailedPreconditionError(errors::kBgsaveOtherChild);
    bgsave_scheduled_ = true;
    return false;
  }
  return true;
}

void Persistence::WaitForBackgroundSave() {
  std::unique_lock<Mutex> l(mu_);
  cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return saving_ != Saving::kBackground && !bgsave_scheduled_;
  });
}

void Persistence::CancelBackgroundAndWait() {
  std::unique_lock<Mutex> l(mu_);
  bgsave_scheduled_ = false;
  if (saving_ == Saving::kBackground) {
    Log(false, "Cancelling the background save");
    cancel_ = true;
    cv_.wait(l, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return saving_ != Saving::kBackground; });
    cancel_ = false;
  }
  if (bgsave_thread_.joinable()) bgsave_thread_.join();
}

absl::Status Persistence::PrepareShutdown(ShutdownMode mode, bool force) {
  bool save;
  {
    MutexLock l(&mu_);
    save = mode == ShutdownMode::kSave || (mode == ShutdownMode::kDefault && !rules_.empty());
  }
  if (save) {
    CancelBackgroundAndWait();
    Log(false, "Saving the final snapshot before exiting.");
    absl::Status s = Save();
    if (!s.ok() && !force) {
      Log(true, "Error trying to save the DB, can't exit.");
      return s;
    }
  }
  MutexLock l(&mu_);
  shutdown_mode_ = mode;
  saved_for_shutdown_ = save;
  return absl::OkStatus();
}

absl::Status Persistence::Stop() {
  ShutdownMode mode;
  {
    MutexLock l(&mu_);
    mode = shutdown_mode_;
  }
  return Stop(mode);
}

absl::Status Persistence::Stop(ShutdownMode mode) {
  {
    MutexLock l(&mu_);
    if (stopped_) return absl::OkStatus();
    stopped_ = true;
    stop_ = true;
    cv_.notify_all();
  }
  if (cron_thread_.joinable()) cron_thread_.join();
  CancelBackgroundAndWait();
  bool save;
  {
    MutexLock l(&mu_);
    save = mode == ShutdownMode::kSave || (mode == ShutdownMode::kDefault && !rules_.empty());
    if (save && saved_for_shutdown_ && keyspace_->GetStats().changes == changes_at_last_save_) {
      save = false;  // SHUTDOWN saved and nothing changed since
    }
  }
  if (!save) return absl::OkStatus();
  Log(false, "Saving the final snapshot before exiting.");
  absl::Status s = Save();
  if (!s.ok())
    Log(true, "Error trying to save the DB before exiting: data since the last save is lost.");
  return s;
}

int64_t Persistence::last_save_seconds() const {
  MutexLock l(&mu_);
  return last_save_ms_ / 1000;
}

int64_t Persistence::changes_since_last_save() const {
  MutexLock l(&mu_);
  return static_cast<int64_t>(keyspace_->GetStats().changes - changes_at_last_save_);
}

std::string Persistence::save_rules() const {
  MutexLock l(&mu_);
  return FormatSaveRules(rules_);
}

absl::Status Persistence::SetSaveRules(std::string_view text) {
  absl::StatusOr<std::vector<SaveRule>> rules = ParseSaveRules(text);
  if (!rules.ok()) return rules.status();
  MutexLock l(&mu_);
  rules_ = *std::move(rules);
  UpdateWritesDeniedLocked();
  return absl::OkStatus();
}

std::string Persistence::InfoSection() const {
  const uint64_t changes_now = keyspace_->GetStats().changes;
  const std::string aof = aof_info_ ? aof_info_() : std::string();
  MutexLock l(&mu_);
  const int64_t now = NowMs();
  std::string s = "# Persistence\r\n";
  auto line = [&s](std::string_view name, const auto& value) {
    absl::StrAppend(&s, ToAbsl(name), ":", value, "\r\n");
  };
  line("loading", 0);
  line("async_loading", 0);
  line("current_cow_peak", 0);
  line("current_cow_size", 0);
  line("current_cow_size_age", 0);
  line("current_fork_perc", "0.00");
  line("current_save_keys_processed", 0);
  line("current_save_keys_total", 0);
  line("rdb_changes_since_last_save", changes_now - changes_at_last_save_);
  line("rdb_bgsave_in_progress", saving_ == Saving::kBackground ? 1 : 0);
  line("rdb_last_save_time", last_save_ms_ / 1000);
  line("rdb_last_bgsave_status", last_bgsave_ok_ ? "ok" : "err");
  line("rdb_last_bgsave_time_sec", last_bgsave_seconds_);
  line("rdb_current_bgsave_time_sec",
       saving_ == Saving::kBackground ? (now - bgsave_started_ms_) / 1000 : -1);
  line("rdb_saves", saves_);
  line("rdb_last_cow_size", 0);
  line("rdb_last_load_keys_expired", last_load_expired_);
  line("rdb_last_load_keys_loaded", last_load_loaded_);
  if (aof_info_) {
    s += aof;
    return s;
  }
  line("aof_enabled", 0);
  line("aof_rewrite_in_progress", 0);
  line("aof_rewrite_scheduled", 0);
  line("aof_last_rewrite_time_sec", -1);
  line("aof_current_rewrite_time_sec", -1);
  line("aof_last_bgrewrite_status", "ok");
  line("aof_rewrites", 0);
  line("aof_rewrites_consecutive_failures", 0);
  line("aof_last_write_status", "ok");
  line("aof_last_cow_size", 0);
  line("module_fork_in_progress", 0);
  line("module_fork_last_cow_size", 0);
  return s;
}

AofOptions AofOptionsOf(const PersistenceOptions& o, std::string dir) {
  return AofOptions{.dir = std::move(dir),
                    .appendonly = o.appendonly,
                    .appendfsync = o.appendfsync,
                    .appendfilename = o.appendfilename,
                    .appenddirname = o.appenddirname,
                    .auto_aof_rewrite_percentage = o.auto_aof_rewrite_percentage,
                    .auto_aof_rewrite_min_size = o.auto_aof_rewrite_min_size,
                    .aof_load_truncated = o.aof_load_truncated,
                    .aof_timestamp_enabled = o.aof_timestamp_enabled,
                    .no_appendfsync_on_rewrite = o.no_appendfsync_on_rewrite,
                    .aof_rewrite_incremental_fsync = o.aof_rewrite_incremental_fsync};
}

// ---- Commands ----

void RegisterPersistenceCommands(commands::CommandTable* table,
                                 std::function<Persistence*(commands::CommandContext&)> get) {
  using commands::Args;
  using commands::CommandContext;
  using commands::ReplyError;
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  table->Register({.name = "save",
                   .arity = 1,
                   .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
                   .group = "server",
                   .summary = "Synchronously saves the database(s) to disk.",
                   .since = "1.0.0",
                   .complexity = "O(N) where N is the total number of keys in all databases",
                   .handler = [get](CommandContext& ctx, Args) {
                     Persistence* p = get(ctx);
                     if (p == nullptr) return ReplyError(ctx, errors::kPersistenceDisabled);
                     absl::Status s = p->Save();
                     if (absl::IsFailedPrecondition(s))
                       return ReplyError(ctx, FromAbsl(s.message()));
                     if (!s.ok())
                       return ReplyError(ctx, "ERR");  // redis-server's reply; the log says why
                     ctx.reply->Ok();
                   }});
  table->Register({.name = "bgsave",
                   .arity = -1,
                   .flags = kAdmin | kNoScript | kNoAsyncLoading,
                   .group = "server",
                   .summary = "Asynchronously saves the database(s) to disk.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .history = {{"3.2.2", "Added the `SCHEDULE` option."}},
                   .args = {Tok("schedule", "SCHEDULE").Since("3.2.2").Opt()},
                   .handler = [get](CommandContext& ctx, Args argv) {
                     Persistence* p = get(ctx);
                     if (p == nullptr) return ReplyError(ctx, errors::kPersistenceDisabled);
                     bool schedule = false;
                     if (argv.size() > 2) return ReplyError(ctx, errors::kSyntax);
                     if (argv.size() == 2) {
                       if (!commands::EqualsIgnoreCase(argv[1], "schedule")) {
                         return ReplyError(ctx, errors::kSyntax);
                       }
                       schedule = true;
                     }
                     absl::StatusOr<bool> started = p->BackgroundSave(schedule, ctx.in_exec);
                     if (!started.ok())
                       return ReplyError(ctx, FromAbsl(started.status().message()));
                     ctx.reply->SimpleString(*started ? "Background saving started"
                                                      : "Background saving scheduled");
                   }});
  table->Register({.name = "lastsave",
                   .arity = 1,
                   .flags = kLoading | kStale | kFast,
                   .acl = kAclAdmin | kAclDangerous,
                   .tips = {"nondeterministic_output"},
                   .group = "server",
                   .summary = "Returns the Unix timestamp of the last successful save to disk.",
                   .since = "1.0.0",
                   .complexity = "O(1)",
                   .handler = [get](CommandContext& ctx, Args) {
                     Persistence* p = get(ctx);
                     if (p == nullptr) return ReplyError(ctx, errors::kPersistenceDisabled);
                     ctx.reply->Integer(p->last_save_seconds());
                   }});
}

}  // namespace embedis
