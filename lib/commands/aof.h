// Aof: the append-only file, as redis-server 7.0's (appendonly, appendfsync, appendfilename,
// appenddirname, BGREWRITEAOF, auto-aof-rewrite-*, aof-load-truncated).
//
//   Aof aof(&keyspace, {.dir = "/var/lib/embedis", .appendonly = true}, log);
//   if (aof.Exists()) aof.Load();      // before serving; else the dump file is loaded
//   aof.Start();                       // appendonly yes: logging from here on
//   ...                                // every loop turn: aof.BeforeReply() before replies leave
//   aof.Stop();                        // after serving: the last records are written and synced
//
// Layout (Redis 7's multi-part AOF): in <dir>/<appenddirname>/
//   <appendfilename>.manifest              which files make the log, in order, as Redis 7 writes
//   it:
//                                            file appendonly.aof.3.base.embedis seq 3 type b
//                                            file appendonly.aof.3.incr.aof seq 3 type i
//   <appendfilename>.<seq>.base.embedis    the base: an embedis snapshot (lib/keyspace/snapshot.h),
//                                          where Redis writes an RDB preamble. A base in RESP
//                                          (Redis's aof-use-rdb-preamble no, ".base.aof") loads
//                                          too.
//   <appendfilename>.<seq>.incr.aof        the writes since the base, as RESP commands (the
//                                          Propagator's feed: lib/keyspace/propagator.h), with a
//                                          SELECT wherever the database changes.
// The manifest is replaced atomically (temporary file, fsync, rename, fsync of the folder), so a
// crash at any moment leaves a manifest naming complete files (the last incr file may end in a
// partial command: see Loading).
//
// Writing. Append() (under the writer's locks) encodes into a buffer. Before the replies of an
// event-loop turn leave, BeforeReply() write()s the buffer (as Redis's beforeSleep) and, with
// appendfsync always, fdatasync()s it: a write is on disk before its reply is sent, and the
// turns of all loops share one fsync (group commit). With everysec a thread fsyncs once a second;
// with no, the kernel decides. A failed write (a full disk) keeps the data buffered, retries once
// a second, and until it succeeds writes_denied() makes the server refuse writes with
// "-MISCONF Errors writing to the AOF file: <error>" (reads keep working); a partial write is cut
// back (ftruncate) so no half command stays in the file. With appendfsync always a failed write
// or fsync ends the process, as redis-server does ("Can't recover from AOF write error when the
// AOF fsync policy is 'always'. Exiting..."): a reply already built must not claim a write that
// is not on disk.
//
// Rewrite (BGREWRITEAOF, auto-aof-rewrite-percentage/-min-size, CONFIG SET appendonly yes).
// Without fork(): holding the Propagator's write_order (so no write is between being applied and
// being appended), the buffer is flushed, a new incr file is started and a point-in-time image
// of the keyspace is begun (Keyspace::BeginImage), all at the same instant; the manifest then
// lists the old base, the old incr files and the new incr file, so a crash during the rewrite
// loses nothing. A thread writes the image as the new base while clients keep writing to the new
// incr file; when it is complete the manifest is switched to (new base, new incr file) and the
// old files are deleted. A failed rewrite leaves the previous files in force and is retried by
// the automatic rule. Turning appendonly on at run time is such a rewrite (the base is the
// dataset at that instant), as in Redis; turning it off stops logging and keeps the files.
//
// Loading. The manifest's files in order: the base (a snapshot, or RESP), then each incr file,
// replayed through the command table (keys whose deadline has passed are dropped: the log holds
// absolute deadlines). The last file may end in a command cut short by a crash (or a MULTI
// without its EXEC): with aof-load-truncated yes (the default) it is truncated to its last
// complete command, with a log line naming the file and offset, and loaded; otherwise, and
// anywhere else, damage refuses the start with an error naming the file and the byte offset.
//
// Options, as Redis 7.0's: aof-timestamp-enabled writes "#TS:<unix seconds>" (the keyspace's
// clock) before the first write of each new second, and each new incr file starts with one;
// loading skips any line that starts with '#'. no-appendfsync-on-rewrite skips every fsync of the
// log (always and everysec) while a rewrite or a BGSAVE runs. aof-rewrite-incremental-fsync
// (default yes) fsyncs the new base every 4 MB while the rewrite writes it.
//
// One background job at a time, with Redis's replies: BGREWRITEAOF during a BGSAVE, or inside
// EXEC, is scheduled (it starts when no save runs); during a rewrite BGSAVE is refused with
// "Another child process is active (AOF?) ..." and BGSAVE SCHEDULE is scheduled
// (server/persistence.h); SAVE during a rewrite runs once the rewrite's image has been read (one
// point-in-time image at a time).
//
// Durability tests: synced_point() tells how many bytes of the incr file an fsync has made
// durable, so a test can simulate a power cut (tests/commands/aof_test.cc).
//
// Not implemented: redis-check-aof.
//
// Thread safety: every method may be called from any thread; Load before Start, Stop last.
#ifndef EMBEDIS_LIB_COMMANDS_AOF_H_
#define EMBEDIS_LIB_COMMANDS_AOF_H_

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
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/propagator.h"
#include "lib/util/mutex.h"

namespace embedis {

// redis-server 7.0's parameters of the same names (embedis-server maps its configuration here;
// MemoryStore takes them as options and memory:// URL parameters).
struct AofOptions {
  std::string dir = ".";  // the folder that holds `appenddirname`
  bool appendonly = false;
  std::string appendfsync = "everysec";  // always, everysec, no
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  int64_t auto_aof_rewrite_percentage = 100;  // 0: no automatic rewrite
  int64_t auto_aof_rewrite_min_size = 64 << 20;
  bool aof_load_truncated = true;
  // "#TS:<unix seconds>" annotations before the writes of each new second, as Redis 7 writes
  // them (skipped when loading).
  bool aof_timestamp_enabled = false;
  // No fsync of the log while a rewrite or a background save runs (appendfsync always and
  // everysec alike): what is written meanwhile may be lost by a power cut, as in Redis.
  bool no_appendfsync_on_rewrite = false;
  // fsync the new base every 4 MB while a rewrite writes it.
  bool aof_rewrite_incremental_fsync = true;
};

class Aof : public Propagator {
 public:
  // `warning` false: notice level.
  using LogFn = std::function<void(bool warning, std::string_view message)>;
  enum class Fsync { kAlways, kEverysec, kNo };

  // `keyspace` must outlive this object. `log` may be empty.
  Aof(Keyspace* keyspace, const AofOptions& options, LogFn log);
  ~Aof() override;  // Stop()
  Aof(const Aof&) = delete;
  Aof& operator=(const Aof&) = delete;

  // Whether a manifest exists (then Load() loads it instead of the dump file).
  bool Exists() const;
  // Loads the log into the keyspace (see Loading). REQUIRES: before Start().
  absl::Status Load();
  // Starts the fsync/rewrite thread, and logging when appendonly is on: the existing log is
  // continued, or, when there is none, one is created with the keyspace's content as its base.
  absl::Status Start();
  // Writes and fsyncs what is buffered, waits for a running rewrite and stops. Idempotent.
  void Stop();

  // CONFIG SET appendonly: on starts logging with a rewrite (the base is the dataset now); off
  // stops logging (the files stay).
  absl::Status SetEnabled(bool on);
  void SetOptions(const AofOptions& options);  // appendfsync, auto-aof-*, load-truncated
  bool enabled() const { return enabled_.load(std::memory_order_acquire); }

  // BGREWRITEAOF, as redis-server 7.0: true when started, false when scheduled (a BGSAVE runs,
  // or `in_exec`, inside EXEC: the rewrite starts when no save runs). FailedPrecondition("ERR
  // Background append only file rewriting already in progress") during a rewrite.
  absl::StatusOr<bool> BackgroundRewrite(bool in_exec = false);
  // Tells the rewrite whether the server's snapshot (BGSAVE) runs: a rewrite waits for it, as
  // redis-server schedules one; no-appendfsync-on-rewrite counts it as a running "child".
  // REQUIRES: before Start() (then read without a lock).
  void set_bgsave_running(std::function<bool()> f);
  // Lock-free (an atomic): the snapshot side asks it under its own lock.
  bool rewrite_in_progress() const { return rewriting_now_.load(std::memory_order_acquire); }
  // Blocks until no rewrite runs or is scheduled (tests).
  void WaitForRewrite();

  // Before the replies of an event-loop turn leave: writes the buffer, and with appendfsync
  // always fsyncs it. Cheap (two loads) when nothing was appended.
  void BeforeReply();

  // Writes are refused with MISCONF (server.cc) while the log cannot be written.
  bool writes_denied() const { return !write_ok_.load(std::memory_order_relaxed); }
  // "-MISCONF Errors writing to the AOF file: <strerror>" without the dash.
  std::string misconf_error() const;

  // INFO persistence's aof_* fields, from aof_enabled on, as redis-server 7.0 lists them.
  std::string InfoFields() const;

  // What a power cut would keep (tests of the fsync policies): the incr file being written, how
  // many of its bytes an fsync has made durable, and how many were written to it (in the page
  // cache). A simulated power cut cuts a copy of the file at `synced_bytes`.
  struct SyncedPoint {
    std::string incr_path;  // "" when not logging
    int64_t synced_bytes = 0;
    int64_t written_bytes = 0;
  };
  SyncedPoint synced_point() const;
  // How many incremental fsyncs the last successful rewrite made (aof-rewrite-incremental-fsync).
  uint64_t last_rewrite_incremental_fsyncs() const;

  // Propagator: encodes `commands` into the buffer.
  void Append(absl::Span<const PropagatedCommand> commands) override;

 private:
  struct Manifest {
    std::string base;  // file name, "" when none
    int64_t base_seq = 0;
    std::vector<std::pair<std::string, int64_t>> incrs;  // (file name, seq)
  };

  std::string folder() const;
  std::string manifest_path() const;
  void Log(bool warning, std::string_view message) const;
  absl::StatusOr<Manifest> ReadManifest() const;
  absl::Status WriteManifest(const Manifest& m);
  absl::Status ReplayFile(const std::string& name, bool last);
  absl::Status LoadBase(const std::string& name, bool last);
  void RemoveLeftovers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the buffer (and what failed before) to the incr file; fsyncs when `sync`. Returns
  // false on an error (recorded in write_ok_ / last_errno_).
  bool Flush(bool sync);
  // Starts a rewrite (see Rewrite): `enabling` also starts logging. REQUIRES: mu_ held, no
  // rewrite running.
  absl::Status StartRewriteLocked(bool enabling, bool background)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishRewrite(std::unique_ptr<Keyspace::Image> image, Manifest next, bool background,
                     bool enabling);
  void CronLoop();
  int64_t NowMs() const;
  // no-appendfsync-on-rewrite: false while a rewrite or a background save runs.
  bool FsyncAllowed() const;
  Fsync fsync_policy() const { return static_cast<Fsync>(fsync_.load(std::memory_order_relaxed)); }

  Keyspace* const keyspace_;
  const std::string dir_;
  const std::string filename_;
  const std::string dirname_;
  const LogFn log_;
  std::atomic<int> fsync_;
  std::atomic<int64_t> auto_percentage_;
  std::atomic<int64_t> auto_min_size_;
  std::atomic<bool> load_truncated_;
  std::atomic<bool> timestamps_{false};
  std::atomic<bool> no_fsync_on_rewrite_{false};
  std::atomic<bool> incremental_fsync_{true};
  std::atomic<bool> enabled_{false};
  std::atomic<bool> write_ok_{true};
  std::atomic<int> last_errno_{0};

  // Lock order: write_order() -> mu_ -> sync_mu_ -> io_mu_ -> buf_mu_; a shard lock -> buf_mu_.
  mutable Mutex mu_;  // the files, the rewrite state
  std::condition_variable_any cv_;
  Manifest manifest_ ABSL_GUARDED_BY(mu_);
  bool rewriting_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> rewriting_now_{false};  // rewriting_, for rewrite_in_progress()
  bool rewrite_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  // BGREWRITEAOF inside EXEC: scheduled without mu_ (see BackgroundRewrite); the cron moves it
  // into rewrite_scheduled_.
  std::atomic<bool> exec_scheduled_{false};
  bool enabled_requested_ ABSL_GUARDED_BY(mu_) = false;  // appendonly as configured
  bool enable_pending_ ABSL_GUARDED_BY(mu_) = false;     // appendonly on, its first base not done
  std::thread rewrite_thread_ ABSL_GUARDED_BY(mu_);
  int64_t rewrite_started_ms_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t last_rewrite_seconds_ ABSL_GUARDED_BY(mu_) = -1;
  bool last_rewrite_ok_ ABSL_GUARDED_BY(mu_) = true;
  int64_t last_rewrite_try_ms_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rewrites_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rewrite_failures_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  std::function<bool()> bgsave_running_;  // set before Start(), then read-only
  uint64_t last_rewrite_incremental_fsyncs_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread cron_thread_;

  mutable Mutex io_mu_;  // the open incr file
  int fd_ ABSL_GUARDED_BY(io_mu_) = -1;
  std::string failed_ ABSL_GUARDED_BY(io_mu_);       // written by nobody yet: retried first
  int64_t file_size_ ABSL_GUARDED_BY(io_mu_) = 0;    // of the open incr file
  int64_t synced_size_ ABSL_GUARDED_BY(io_mu_) = 0;  // of it, made durable by an fsync
  std::string incr_path_ ABSL_GUARDED_BY(io_mu_);    // the open incr file
  std::atomic<int64_t> closed_size_{0};  // the base and the incr files no longer written
  std::atomic<int64_t> base_size_{0};    // the whole log's size after the last rewrite
  std::atomic<int64_t> fd_size_{0};      // file_size_, for INFO without io_mu_
  Mutex sync_mu_;  // held by an fsync outside io_mu_ and by the close of a file (taken first)

  Mutex buf_mu_;
  std::string buf_ ABSL_GUARDED_BY(buf_mu_);
  int selected_db_ ABSL_GUARDED_BY(buf_mu_) = -1;
  int64_t last_timestamp_ ABSL_GUARDED_BY(buf_mu_) = 0;  // of the last #TS annotation
  std::atomic<uint64_t> appended_{0};  // bytes ever appended (changed under buf_mu_)
  std::atomic<uint64_t> written_{0};   // bytes written to the file
  std::atomic<uint64_t> synced_{0};    // bytes fsynced
};

// Registers BGREWRITEAOF. `get` finds the Aof of the server running a command; nullptr (persistence
// disabled): the command replies an error.
void RegisterAofCommands(commands::CommandTable* table,
                         std::function<Aof*(commands::CommandContext&)> get);

}  // namespace embedis

#endif  // EMBEDIS_LIB_COMMANDS_AOF_H_
