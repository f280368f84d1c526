// Persistence: the server's snapshots. Loads the dump file at start, saves on Redis-style save
// rules in the background, and serves SAVE, BGSAVE, LASTSAVE, the INFO persistence section,
// CONFIG save/dir/dbfilename and SHUTDOWN's SAVE/NOSAVE.
//
//   Persistence p(&keyspace, {.enabled = true, .dir = "/var/lib/embedis"}, log);
//   absl::Status loaded = p.Load();     // before serving: missing file = empty; damage = error
//   p.Start();                          // the save-rules thread
//   ...                                 // SAVE / BGSAVE / INFO via RegisterPersistenceCommands
//   p.Stop();                           // after serving: cancels a BGSAVE, final save if due
//
// Design. A save is lib/keyspace/snapshot.h's WriteSnapshot(): a point-in-time image
// (Keyspace::BeginImage) read one shard at a time, so the server keeps answering while it runs
// (no fork, no stopped world; the cost is a pause of one shard's copy for the first write to
// each shard the save has not read yet). BGSAVE runs it on a thread of its
// own; SAVE on the calling (I/O) thread, which blocks only that thread's clients. At most one
// save runs at a time: SAVE or BGSAVE during a BGSAVE is "ERR Background save already in
// progress" (BGSAVE SCHEDULE queues one instead); two SAVEs run one after the other.
//
// Save rules, as redis-server: with rules "S1 C1 S2 C2 ...", a background save starts when for
// some rule at least Ci writes (Keyspace changes) happened and more than Si seconds passed since
// the last successful save; after a failed background save the next try waits 5 seconds. Time
// is the keyspace's Clock, so tests may drive it with a ManualClock.
//
// Shutdown. Stop() (called by the Server after its I/O threads have stopped, so no write can be
// lost after the final save) cancels a running BGSAVE and then saves when SHUTDOWN SAVE was
// asked, or when save rules are set and neither SHUTDOWN NOSAVE was asked nor did SHUTDOWN
// already save with nothing changed since. SIGTERM in embedis-server therefore saves exactly
// when save rules are set, as redis-server. SHUTDOWN's own save (PrepareShutdown) runs before the
// server stops so that a failure can be answered ("ERR Errors trying to SHUTDOWN. Check logs.")
// and the server keeps running, as redis-server; SHUTDOWN NOSAVE loses every write since the last
// save.
//
// Failed saves. As redis-server with stop-writes-on-bgsave-error yes (the default): once a
// background save fails while save rules are set, writes_denied() is true until a save (SAVE,
// BGSAVE or an automatic one) succeeds, and the server refuses write commands and PING with
// MISCONF (server.cc); reads keep working.
//
// The append-only file is lib/commands/aof.h (owned by the ServerState beside this object): with
// appendonly yes and an existing log, Load(/*load_file=*/false) skips the dump file and the log is
// loaded instead, as redis-server; INFO persistence's aof_* lines come from it (SetAofInfo).
//
// Not implemented (deliberately): rdbcompression, the loading state (the file is loaded before the
// server listens, so clients see connection refused rather than -LOADING while it loads).
//
// Thread safety: every method may be called from any thread; Load/Start/Stop in that order, once.
#ifndef EMBEDIS_SERVER_PERSISTENCE_H_
#define EMBEDIS_SERVER_PERSISTENCE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/commands/aof.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/mutex.h"
#include "server/options.h"

namespace embedis {

struct SaveRule {
  int64_t seconds = 0;
  int64_t changes = 0;
  bool operator==(const SaveRule&) const = default;
};

// "3600 1 300 100" -> {{3600, 1}, {300, 100}}; "" -> {}. InvalidArgument("Invalid save
// parameters") for an odd number of words or a word that is not a non-negative integer.
absl::StatusOr<std::vector<SaveRule>> ParseSaveRules(std::string_view text);
// The inverse, as CONFIG GET save shows it: "3600 1 300 100".
std::string FormatSaveRules(const std::vector<SaveRule>& rules);

class Persistence {
 public:
  // `warning` false: notice level.
  using LogFn = std::function<void(bool warning, std::string_view message)>;

  enum class ShutdownMode { kDefault, kSave, kNoSave };

  // `keyspace` must outlive this object. `log` may be empty (no logging).
  Persistence(Keyspace* keyspace, PersistenceOptions options, LogFn log);
  ~Persistence();  // Stop(ShutdownMode::kNoSave) if Stop() was not called
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // Checks the options (save rules, dbfilename is a plain name, dir exists), removes temporary
  // files left by a killed save, and loads the dump file: a missing file starts empty; a corrupt
  // or truncated one is an error naming the file and the problem (or, with
  // start_empty_on_corrupt, is renamed to "<file>.corrupt-<unix seconds>" and the server starts
  // empty); a newer format version is always an error.
  // `load_file` false: everything but the loading (the append-only file is loaded instead).
  absl::Status Load(bool load_file = true);
  // INFO persistence's aof_* lines (Aof::InfoFields); unset: AOF off. Called without mu_ held.
  // REQUIRES: before Start().
  void SetAofInfo(std::function<std::string()> aof_info);
  // The FUNCTION libraries saved with the keys and restored by Load(). Call before Load().
  // Default: none (functions are not saved).
  void set_scripts(scripting::ScriptEngine* scripts) { scripts_ = scripts; }
  // Starts the thread that applies the save rules.
  void Start();
  // Cancels a background save, saves if due (see the header comment) and stops the thread.
  // Returns the final save's error, if any. Idempotent; later calls return OK.
  absl::Status Stop();
  // Stops with an explicit mode, overriding what SHUTDOWN asked.
  absl::Status Stop(ShutdownMode mode);

  // SAVE. FailedPrecondition("ERR Background save already in progress") during a BGSAVE. During
  // an append-only file rewrite it runs (after the rewrite's point-in-time image has been
  // read: one image at a time), as redis-server's SAVE runs beside a rewrite child.
  absl::Status Save();
  // BGSAVE [SCHEDULE], as redis-server 7.0: true when started, false when scheduled (it starts
  // when no save and no rewrite runs). During a BGSAVE, with or without SCHEDULE:
  // FailedPrecondition("ERR Background save already in progress"). During an append-only file
  // rewrite (set_rewrite_running): scheduled with `schedule`, else FailedPrecondition(
  // errors::kBgsaveOtherChild). Inside EXEC (`in_exec`): always scheduled.
  absl::StatusOr<bool> BackgroundSave(bool schedule = false, bool in_exec = false);
  // Whether an append-only file rewrite runs: BGSAVE, the scheduled save and the save rules wait
  // for it, as redis-server's one child at a time. Must not take a lock that is held while
  // bgsave_in_progress() is called. REQUIRES: before Start().
  void set_rewrite_running(std::function<bool()> f) { rewrite_running_ = std::move(f); }
  // Blocks until no background save runs (tests, benchmarks).
  void WaitForBackgroundSave();
  // SHUTDOWN [SAVE|NOSAVE] [FORCE], before the server stops: records the mode and, when it
  // saves, saves now. An error (the save failed and !force) means the server must keep running.
  absl::Status PrepareShutdown(ShutdownMode mode, bool force);

  // LASTSAVE: Unix seconds of the last successful save (the start time before any).
  int64_t last_save_seconds() const;
  // Writes since the last successful save.
  int64_t changes_since_last_save() const;
  // Lock-free (an atomic): the append-only file asks it under its own lock.
  bool bgsave_in_progress() const { return bgsave_active_.load(std::memory_order_acquire); }
  // "# Persistence\r\n" and Redis 7's fields.
  std::string InfoSection() const;

  // Whether write commands are refused with MISCONF (see "Failed saves"). Cheap: one atomic load.
  bool writes_denied() const { return writes_denied_.load(std::memory_order_relaxed); }
  // CONFIG SET stop-writes-on-bgsave-error.
  void SetStopWritesOnError(bool on);

  std::string save_rules() const;
  // CONFIG SET save. InvalidArgument("Invalid save parameters").
  absl::Status SetSaveRules(std::string_view text);
  std::string dir() const;  // absolute
  std::string dbfilename() const { return options_.dbfilename; }
  std::string path() const;

 private:
  enum class Saving { kNone, kForeground, kBackground };

  void Log(bool warning, std::string_view message) const;
  // Writes the snapshot; updates the counters. REQUIRES: saving_ was set by the caller.
  // Writes the snapshot of `image` (begun by the caller; nullptr: one begun now) with the given
  // FUNCTION libraries (ignored without an image: the current ones are taken).
  absl::Status DoSave(bool background, Keyspace::Image* image, std::vector<std::string> libraries);
  std::vector<std::string> FunctionLibraries() const;
  // Begins the image and the save thread; false (nothing started) when another image is live.
  bool StartBackgroundLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CancelBackgroundAndWait() ABSL_LOCKS_EXCLUDED(mu_);
  void CronLoop();
  void UpdateWritesDeniedLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool RewriteRunning() const { return rewrite_running_ && rewrite_running_(); }
  int64_t NowMs() const;

  Keyspace* const keyspace_;
  scripting::ScriptEngine* scripts_ = nullptr;
  const PersistenceOptions options_;
  const LogFn log_;
  std::string dir_;  // absolute, set by Load()

  mutable Mutex mu_;
  std::condition_variable_any cv_;  // saving_ changes, stop_
  std::vector<SaveRule> rules_ ABSL_GUARDED_BY(mu_);
  Saving saving_ ABSL_GUARDED_BY(mu_) = Saving::kNone;
  bool bgsave_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  std::thread bgsave_thread_ ABSL_GUARDED_BY(mu_);
  int64_t bgsave_started_ms_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t last_bgsave_seconds_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t last_bgsave_try_ms_ ABSL_GUARDED_BY(mu_) = 0;
  bool last_bgsave_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool stop_writes_on_error_ ABSL_GUARDED_BY(mu_) = true;
  std::atomic<bool> writes_denied_{false};
  std::atomic<bool> bgsave_active_{false};  // saving_ == kBackground
  std::function<bool()> rewrite_running_;   // set before Start(), then read-only
  int64_t last_save_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t changes_at_last_save_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t saves_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_load_loaded_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_load_expired_ ABSL_GUARDED_BY(mu_) = 0;
  ShutdownMode shutdown_mode_ ABSL_GUARDED_BY(mu_) = ShutdownMode::kDefault;
  bool saved_for_shutdown_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread cron_thread_;
  std::atomic<bool> cancel_{false};
  std::function<std::string()> aof_info_;  // set before Start(), then read-only
};

// The append-only file's options (lib/commands/aof.h) from the server's, with `dir` the folder of
// the files.
AofOptions AofOptionsOf(const PersistenceOptions& options, std::string dir);

// Registers SAVE, BGSAVE and LASTSAVE. `get` finds the Persistence of the server running a
// command; it may return nullptr (persistence disabled: the commands reply an error).
void RegisterPersistenceCommands(commands::CommandTable* table,
                                 std::function<Persistence*(commands::CommandContext&)> get);

}  // namespace embedis

#endif  // EMBEDIS_SERVER_PERSISTENCE_H_
