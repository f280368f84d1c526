// Snapshots: every database's keys, typed values and absolute expiry times in one file.
//
// WriteSnapshot() writes a point-in-time image of a Keyspace (Keyspace::BeginImage): every key
// as it was at one instant, although the keyspace keeps serving while the file is written (the
// image is read one shard at a time; a write to a shard not read yet first copies that shard). A
// RENAME, overwrite or delete during the save is therefore never half in the file. Memory
// overhead: the copies of the shards written to before the writer reached them (at most the
// dataset, as Redis's copy-on-write after fork()) plus a 1 MB encoding buffer. LoadSnapshot()
// reads it back.
//
//   Keyspace ks;
//   absl::StatusOr<SnapshotStats> saved = WriteSnapshot(ks, "/var/lib/embedis/dump.embedis");
//   Keyspace fresh;
//   absl::StatusOr<SnapshotLoadStats> loaded = LoadSnapshot("/var/lib/embedis/dump.embedis",
//   &fresh);
//
// Durability. The file is written to a temporary file in the same directory
// ("<name>.tmp-<pid>-<n>"), fsync'ed, renamed over the target, and the directory is fsync'ed.
// A crash (even SIGKILL or power loss) at any moment leaves either the previous file or the new
// one, complete, under the target name; never a mix. A failed or cancelled write removes its
// temporary file; RemoveStaleSnapshotTemps() removes those a killed process left behind.
//
// File format, version 5 (this is NOT Redis's RDB format; redis-server cannot read it):
//
//   magic      8 bytes, raw: 0x89 'E' 'M' 'B' 'E' 'D' 'I' 'S'
//   header     a cereal portable-binary archive (1 endianness byte, then little-endian fields):
//                u32 format_version, u32 flags (0), i64 created_ms (Unix ms), u32 databases
//   frames     each a frame header, itself a cereal portable-binary archive of
//                u8 kind, u64 payload_bytes, u64 records
//              followed by payload_bytes bytes of payload:
//                kind 1 (records): one cereal portable-binary archive holding `records` records
//                kind 2 (functions, version 5): one cereal portable-binary archive holding
//                                  `records` blobs, each a FUNCTION library's code
//                kind 0 (end):     no payload; `records` = the total number of key records
//   checksum   8 bytes, raw little-endian: XXH3-64 of every byte before it (magic to end frame)
//
//   record     u8 type (0 string, 1 hash, 2 list, 3 set, 4 zset), u32 db, i64 expire_at_ms
//              (-1: none), blob key,
//              then for a string: blob value; for a hash: len n, then n x (blob field, blob value);
//              for a list: len n, then n x blob element (head first); for a set: len n, then
//              n x blob member; for a sorted set: len n, then n x (blob member, f64 score) in
//              ascending order. Version 1 (the first release's) has types 0 and 1 only, version 2
//              types 0 to 2, version 3 types 0 to 3; all load as before.
//   blob/len   u32 length (0xFFFFFFFF: a u64 length follows), then the bytes
//
// The version sits at a fixed offset (9) so that any later version can be recognised and
// refused ("newer than this build supports"). Frames are ~1 MB, independent cereal archives, so
// that a loader can decode them in parallel.
//
// Expiry. Keys already expired are not written. At load, each key's absolute deadline is
// compared with the target keyspace's clock as it is imported: keys that expired since the save
// (or while the file loads) are dropped and counted in SnapshotLoadStats::expired.
//
// String encodings. A record keeps a string's bytes, not its StringOrigin (keyspace.h): the file
// format is unchanged by it, and a loaded string answers OBJECT ENCODING as if SET had stored it
// ("int", "embstr" up to 44 bytes, else "raw"), so a short string that APPEND made "raw", or an
// INCRBYFLOAT result that was "embstr", is re-derived on load. That is deliberate and what Redis
// does: its RDB file does not keep raw vs embstr either, and after a restart (or DEBUG RELOAD)
// redis-server 7.0 reports the same re-derived encodings.
//
// Validation before import. LoadSnapshot() first maps the file, checks the magic, the version,
// walks the frame headers (a frame running past the end of the file means a truncated file) and
// verifies the checksum; only then does it import anything. A damaged file therefore imports
// nothing and returns kDataLoss with a message naming the file and the problem.
//
// Thread safety: both functions may run concurrently with any use of the keyspace. Two
// concurrent writes to the same path are safe (each has its own temporary file; the last rename
// wins).
#ifndef EMBEDIS_LIB_KEYSPACE_SNAPSHOT_H_
#define EMBEDIS_LIB_KEYSPACE_SNAPSHOT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "lib/keyspace/keyspace.h"

namespace embedis {

// The format version this build writes, and the newest it reads.
// Version 2 added lists (record type 2), version 3 sets (type 3), version 4 sorted sets (type 4),
// version 5 FUNCTION libraries (frame kind 2); files of versions 1 (strings and hashes) to 4 still
// load.
inline constexpr uint32_t kSnapshotFormatVersion = 5;

struct SnapshotWriteOptions {
  // When set and it becomes true, the write stops at the next frame boundary, removes its
  // temporary file and returns kCancelled; the previous snapshot is untouched.
  const std::atomic<bool>* cancel = nullptr;
  // fsync the file before the rename and the directory after it. Default: true. Only tests and
  // throwaway files should turn it off.
  bool sync = true;
  // Called after each shard has been written, with the shard's index (tests, progress).
  std::function<void(int shard)> on_shard_written{};
  // The point-in-time image to write, begun by the caller (the AOF rewrite begins it at the
  // instant it starts a new log); null: WriteSnapshot begins one. Not taken over: the caller
  // destroys it after the call.
  Keyspace::Image* image = nullptr;
  // FUNCTION libraries (their code, shebang included) to keep with the keys.
  std::vector<std::string> function_libraries;
  // fdatasync the file each time this many more bytes have been written (Redis's
  // aof-rewrite-incremental-fsync / rdb-save-incremental-fsync, 4 MB), so that the final fsync
  // does not meet a whole file of dirty pages at once. 0: only the final fsync.
  uint64_t incremental_fsync_bytes = 0;
};

struct SnapshotStats {
  uint64_t keys = 0;       // records written
  uint64_t bytes = 0;      // file size
  int64_t created_ms = 0;  // the header's creation time (the keyspace clock when the save began)
  double seconds = 0;      // wall time of the whole write, sync included
  uint64_t incremental_fsyncs = 0;  // done during the write (incremental_fsync_bytes)
};

// Writes every live key of `keyspace` to `path` atomically (see the header comment). Errors:
// the errno text of the failing system call with the file name (kInternal / kPermissionDenied /
// kNotFound for a missing directory ...), kCancelled.
absl::StatusOr<SnapshotStats> WriteSnapshot(Keyspace& keyspace, const std::string& path,
                                            const SnapshotWriteOptions& options = {});

struct SnapshotLoadOptions {
  // Decoding threads; 0: min(4, hardware threads).
  int threads = 0;
};

struct SnapshotLoadStats {
  uint64_t loaded = 0;     // keys imported
  uint64_t expired = 0;    // keys dropped because their deadline had passed
  uint64_t bytes = 0;      // file size
  int64_t created_ms = 0;  // when the snapshot was started
  uint32_t format_version = 0;
  double seconds = 0;
  // The FUNCTION libraries the file holds (their code), for the caller to load.
  std::vector<std::string> function_libraries;
};

// Loads `path` into `keyspace` (keys already there with the same names are replaced). Errors:
//   kNotFound           the file does not exist (a caller typically starts empty then);
//   kDataLoss           not a snapshot (bad magic), truncated, corrupt, checksum mismatch;
//   kFailedPrecondition the file is of a newer format version, or holds a database number that
//                       `keyspace` does not have;
//   others              the file cannot be opened or read.
// Every message names the file. On kDataLoss and kFailedPrecondition nothing has been imported.
absl::StatusOr<SnapshotLoadStats> LoadSnapshot(const std::string& path, Keyspace* keyspace,
                                               const SnapshotLoadOptions& options = {});

// Removes "<path>.tmp-<pid>-<n>" files whose process <pid> no longer runs (left by a crash during
// a write). Returns how many were removed.
int RemoveStaleSnapshotTemps(const std::string& path);

// Keeps a keyspace saved to one file, for embedded use (MemoryStore's snapshot options): every
// `interval` of real time when the keyspace changed since the last save, and once more when it is
// destroyed (with `save_on_close`). Saves run on a thread of its own, one at a time.
//
//   SnapshotKeeper keeper(&keyspace, {.path = "sessions.embedis", .interval = absl::Minutes(1)});
//
// Thread safety: SaveNow() may be called from any thread. The keyspace must outlive the keeper.
class SnapshotKeeper {
 public:
  struct Options {
    std::string path;
    // Zero: no periodic saves.
    absl::Duration interval = absl::ZeroDuration();
    bool save_on_close = false;
    // Told about failed periodic and closing saves. Default: a line on stderr.
    std::function<void(const absl::Status&)> on_error;
    // The FUNCTION libraries (their code) to save with the keys, asked at each save; a change in
    // them is a reason to save too. Default: none.
    std::function<std::vector<std::string>()> function_libraries;
  };

  SnapshotKeeper(Keyspace* keyspace, Options options);
  ~SnapshotKeeper();  // stops the thread; the closing save if due
  SnapshotKeeper(const SnapshotKeeper&) = delete;
  SnapshotKeeper& operator=(const SnapshotKeeper&) = delete;

  // Saves now, whatever changed.
  absl::Status SaveNow();

 private:
  void Run();
  void Report(const absl::Status& status) const;

  Keyspace* const keyspace_;
  const Options options_;
  std::mutex save_mu_;          // one save at a time
  uint64_t saved_changes_ = 0;  // the change counter when the last save began; under save_mu_
  std::vector<std::string> saved_libraries_;  // what the last save wrote; under save_mu_
  // Whether the keys or the libraries changed since the last save. REQUIRES: save_mu_ held.
  bool ChangedLocked() const;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // under stop_mu_
  std::thread thread_;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_SNAPSHOT_H_
