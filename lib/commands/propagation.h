// Propagation: what the command layer logs for each write command (Redis's command propagation),
// feeding the keyspace's Propagator (lib/keyspace/propagator.h; the append-only file).
//
// The default is done here, not by each handler: a command flagged kWrite whose run moved the
// keyspace's change counter (Keyspace::ThreadChanges) is logged as its argv as received, in the
// database the client had selected when it started. Only the commands whose replay would not be
// deterministic say otherwise:
//   - a CommandSpec::propagate function, called after the command changed data, rewrites it from
//     the keyspace's new state (SET ... EX -> SET ... PXAT, EXPIRE -> PEXPIREAT or DEL,
//     INCRBYFLOAT -> SET ... KEEPTTL) by calling Propagate();
//   - a handler may call Propagate() itself while it runs (SPOP -> SREM of the members it popped);
//     what it propagates replaces the default.
// Commands that run commands (EXEC, scripts) log what those commands logged, not themselves:
// their handlers run the commands inside RunPropagatedExclusive, and several commands are wrapped
// in MULTI ... EXEC so that replay applies them all or none. A SELECT is inserted by the sink where
// the database changes.
//
// Ordering: a root command (not run by another) holds Propagator::write_order() from before it
// runs until its commands are appended; EXEC and scripts take it inside CommandContext::exclusive
// (the server's lock order is: the I/O loops' locks, then write_order, then shard locks).
//
// With no Propagator set (Keyspace::SetPropagator), none of this runs: Execute pays one load.
//
// Thread safety: the frames are per thread; any number of threads may run commands.
#ifndef EMBEDIS_LIB_COMMANDS_PROPAGATION_H_
#define EMBEDIS_LIB_COMMANDS_PROPAGATION_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "lib/keyspace/propagator.h"

namespace embedis::commands {

struct CommandContext;

// Logs `argv` for the command running on this thread in ctx.client->db, replacing its default.
// A no-op when nothing is logged (Propagating() is false).
void Propagate(CommandContext& ctx, std::vector<std::string> argv);
// Whether a command running on this thread is being logged (handlers may skip building argv).
bool Propagating();

// Runs `fn` (EXEC's queue, a script) inside ctx.exclusive when there is one (every other network
// client held off), inside a Keyspace::ExclusiveSection (every other thread's keyspace
// operation held off: the embedding application, MemoryStore, expiry, eviction), as one
// propagation unit: what the commands it runs change is appended together (MULTI/EXEC-wrapped
// when more than one command). `script`: keys expire as of the script's start for its own
// commands (Redis 7's frozen time for scripts and functions; not for EXEC).
// The section begins inside the propagation frame, whose root holds the propagator's write
// order: a writer that takes the write order (MemoryStore's logged typed writes) and then waits
// for the section never holds what the section's owner waits for.
void RunPropagatedExclusive(CommandContext& ctx, absl::FunctionRef<void()> fn, bool script = false);

// CommandSpec::propagate rewrites (argv is the command as received; they read the key's new state):
// SET, SETEX, PSETEX: `SET key value [PXAT deadline]`, or `DEL key` when the key is gone.
void PropagateSetAbsolute(CommandContext& ctx, absl::Span<const std::string_view> argv);
// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, GETEX: `PEXPIREAT key deadline`, `PERSIST key` when it has
// none, or `DEL key` when it is gone.
void PropagateExpireAbsolute(CommandContext& ctx, absl::Span<const std::string_view> argv);
// INCRBYFLOAT: `SET key value KEEPTTL` with the new value.
void PropagateIncrByFloat(CommandContext& ctx, absl::Span<const std::string_view> argv);
// HINCRBYFLOAT: `HSET key field value` with the new value.
void PropagateHIncrByFloat(CommandContext& ctx, absl::Span<const std::string_view> argv);

// One command's propagation frame; CommandTable::Execute and RunPropagatedExclusive make them.
// Not for handlers.
class PropagationFrame {
 public:
  // `root_capable`: may become the root (taking write_order) when no frame runs on this thread.
  // `prop` null: a frame that records nothing.
  PropagationFrame(Propagator* prop, bool root_capable);
  ~PropagationFrame();  // root: appends and releases write_order; nested: hands its commands up
  PropagationFrame(const PropagationFrame&) = delete;
  PropagationFrame& operator=(const PropagationFrame&) = delete;

  bool active() const { return active_; }
  // What the command ran logs when nothing else was said: argv in `db`, if `changed`.
  void SetDefault(int db, std::vector<std::string> argv);
  bool has_commands() const { return !commands_.empty(); }
  bool explicit_commands() const { return explicit_; }

 private:
  friend void Propagate(CommandContext& ctx, std::vector<std::string> argv);
  Propagator* prop_ = nullptr;
  PropagationFrame* parent_ = nullptr;
  bool active_ = false;
  bool root_ = false;
  bool explicit_ = false;
  std::vector<PropagatedCommand> commands_;
};

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_PROPAGATION_H_
