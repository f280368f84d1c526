// Propagator: where the writes that changed a Keyspace go to be logged (the append-only file),
// as Redis's command propagation.
//
// Every write that changed data reaches the propagator as the deterministic commands that redo it
// (SET ... PXAT instead of SET ... EX, SREM instead of SPOP, ...), in the order the changes were
// made:
//   - the command layer (lib/commands/propagation.h) appends what each command it runs changed;
//   - the keyspace itself appends `DEL key` for a key it deletes on its own: an expired key
//     reclaimed by a reader, a writer or the timer wheel (and, later, an evicted key), under the
//     key's shard lock, so the deletion is logged before any later write of that key.
//
//   class MyLog : public Propagator {
//     void Append(absl::Span<const PropagatedCommand> commands) override { ... }
//   };
//   MyLog log;
//   keyspace.SetPropagator(&log);   // from now on every change is appended
//
// Ordering. Append is called with a shard lock held (the keyspace's deletions) or with
// write_order() held (the command layer holds it from before a write command runs until its
// commands are appended, so two write commands are logged in the order they were applied), so an
// implementation must be quick, must not call into the keyspace, and must take only locks of its
// own that it never holds while calling out. A writer that holds write_order() while it starts a
// Keyspace::Image (the AOF rewrite) knows that every change before the image's instant has been
// appended and none after it.
//
// Thread safety: Append may be called from any thread, concurrently.
#ifndef EMBEDIS_LIB_KEYSPACE_PROPAGATOR_H_
#define EMBEDIS_LIB_KEYSPACE_PROPAGATOR_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "lib/util/mutex.h"

namespace embedis {

// One command to log: the database it runs in and its arguments (the name first).
struct PropagatedCommand {
  int db = 0;
  std::vector<std::string> argv;
  bool operator==(const PropagatedCommand&) const = default;
};

class Propagator {
 public:
  virtual ~Propagator() = default;
  // Appends `commands` as one unit: nothing else is appended between them. Several commands that
  // must be replayed all or nothing arrive wrapped in MULTI ... EXEC by the caller. The sink
  // inserts SELECT where the database changes.
  virtual void Append(absl::Span<const PropagatedCommand> commands) = 0;

  // Held by whoever applies a write and then appends it (see "Ordering").
  Mutex& write_order() { return write_order_; }

 private:
  Mutex write_order_;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_PROPAGATOR_H_
