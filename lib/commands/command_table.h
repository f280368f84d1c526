// CommandTable: Redis command name -> handler over a Keyspace.
//
// This is the one place where Redis command semantics live. embedis-server
// executes it for network clients; MemoryStore executes it in-process. A
// handler parses its arguments, calls the keyspace, and writes exactly one
// reply (or error) with the context's resp::Writer, so the same bytes reach a
// socket or an in-process caller.
//
//   CommandTable table = CommandTable::WithDataCommands();
//   Keyspace ks;
//   ClientState client;
//   std::string out;
//   resp::Writer writer(&out, client.protocol);
//   CommandContext ctx{.keyspace = &ks, .client = &client, .reply = &writer};
//   table.Execute(ctx, {"SET", "k", "v", "EX", "10"});   // out == "+OK\r\n"
//
// Each command is one entry, a CommandSpec declared beside its handler in its
// family file: what runs it (arity, flags, behaviour, handler) and everything
// Redis reports about it (ACL categories, key specs, tips, summary, since,
// group, complexity, history, arguments), written with the helpers of
// command_describe.h. COMMAND INFO, DOCS, GETKEYS and LIST (command_info.h,
// command_docs.h) are generated from it; the legacy first/last/step key
// positions and kMovableKeys are derived from its key specs by Register. There
// is no second table to keep in step. Arity is Redis-style: N means exactly N
// arguments including the name; -N means at least N. Commands with
// subcommands (CLIENT, CONFIG, OBJECT, MEMORY, COMMAND) declare them as nested
// entries; their arity errors name "parent|sub" as Redis 7 does.
//
// Families register themselves explicitly (RegisterStringFamily, ...) from
// CommandTable::WithDataCommands(); the server adds its connection and server
// commands (HELLO, AUTH, CLIENT, INFO, CONFIG, SHUTDOWN) to its own copy.
//
// maxmemory (Keyspace::EnsureMemory, lib/keyspace/keyspace_eviction.cc): when a limit is set,
// Execute first evicts as the policy says (before every command, as Redis's processCommand), and
// if the keyspace stays over the limit it refuses, with Redis's "-OOM command not allowed when
// used memory > 'maxmemory'.", a command flagged kDenyOom, any command queued inside MULTI except
// EXEC, DISCARD, QUIT and RESET (the transaction then fails with EXECABORT), and an EXEC whose
// queue holds a kDenyOom command (the transaction is discarded: "EXECABORT Transaction discarded
// because of: OOM ..."). Reads and deletes keep working. As Redis's processCommand, a command
// refused inside MULTI (kNoMulti) gets that error first, and the maxmemory check comes before
// embedis-server's MISCONF check (the server calls RefuseForMaxmemory itself before it while a
// disk error is active).
//
// Transactions (MULTI/EXEC/DISCARD/WATCH/UNWATCH; transaction_family.cc has
// the whole design): queuing lives here, not in the network layer. While a
// client is in MULTI, Execute checks each command as usual (unknown command,
// subcommand, arity: the error is replied and dooms the transaction, so EXEC
// answers EXECABORT), then copies its argv into ClientState::tx and replies
// +QUEUED; only EXEC, DISCARD, MULTI, WATCH, QUIT and RESET run at once. EXEC
// runs the queue through CommandContext::exclusive (the server holds every
// other client off meanwhile; null: no isolation needed). WATCH registers a
// Watcher with the keyspace, which marks it on any modification of the key.
//
// Thread safety: a CommandTable is immutable after registration; Execute may
// run concurrently from many threads, each with its own CommandContext.
#ifndef EMBEDIS_LIB_COMMANDS_COMMAND_TABLE_H_
#define EMBEDIS_LIB_COMMANDS_COMMAND_TABLE_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "lib/commands/command_spec.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/writer.h"
#include "lib/util/strings.h"

namespace embedis::scripting {
class ScriptEngine;
}  // namespace embedis::scripting

namespace embedis::commands {

class CommandTable;

// One client's MULTI/EXEC/WATCH state (transaction_family.cc). Not
// thread-safe: owned by the client's thread, like the rest of ClientState.
struct Transaction {
  Transaction() = default;
  ~Transaction() { UnwatchAll(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  bool in_multi = false;  // between MULTI and EXEC/DISCARD
  bool failed = false;    // a command was rejected while queuing: EXEC replies EXECABORT
  std::vector<std::vector<std::string>> queue;  // copies of the queued commands' argv

  // WATCH: the keys, registered with `keyspace` for `watcher`.
  Keyspace* keyspace = nullptr;
  absl::flat_hash_set<std::pair<int, std::string>> watched;
  Watcher watcher;

  // Leaves MULTI, dropping the queue (the watched keys stay).
  void Discard();
  // Watches (db, key) in `ks`; a key watched twice is registered once.
  void Watch(Keyspace* ks, int db, std::string_view key);
  // Unregisters every watched key and clears the dirty flag.
  void UnwatchAll();
};

// What a blocking command (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, ...) leaves in
// ClientState::block_request when it found nothing to serve and its context allows blocking
// (CommandContext::may_block): it wrote no reply, and the caller must park the client until one
// of `keys` (in ClientState::db) is ready, then run the same command again (which serves it or
// asks to block again), or until the deadline, then write the timeout reply.
struct BlockRequest {
  std::vector<std::string> keys;
  int64_t deadline_ms = 0;  // absolute, on the keyspace's clock; 0: wait forever
  enum class TimeoutReply : uint8_t { kNullArray, kNullBulk };
  TimeoutReply timeout_reply = TimeoutReply::kNullArray;  // BLMOVE/BRPOPLPUSH: kNullBulk
};

// Per-connection state that commands read and change. Destroying it
// unregisters its watched keys (the keyspace must outlive it).
struct ClientState {
  int db = 0;                                        // SELECT
  resp::Protocol protocol = resp::Protocol::kResp2;  // HELLO
  bool authenticated = true;       // AUTH (the server sets false with requirepass)
  int64_t id = 0;                  // CLIENT ID
  std::string name;                // CLIENT SETNAME
  std::string lib_name, lib_ver;   // CLIENT SETINFO
  bool close_after_reply = false;  // QUIT, CLIENT KILL of self
  // Pub/Sub (pubsub_family.cc): who receives this client's messages. embedis-server gives each
  // connection one; null for callers that cannot receive (SUBSCRIBE is then refused).
  std::shared_ptr<Subscriber> subscriber;
  // In RESP2 with a subscription, only (P|S)(UN)SUBSCRIBE, PING, QUIT and RESET may run.
  bool in_pubsub_context() const {
    return subscriber != nullptr && protocol == resp::Protocol::kResp2 &&
           (subscriber->subscription_count() > 0 || subscriber->shard_channel_count() > 0);
  }
  Transaction tx;  // MULTI, WATCH
  // Set by a blocking command that asks to block (BlockRequest); the caller clears it.
  std::optional<BlockRequest> block_request;

  // Drops the transaction state: leaves MULTI, discards the queue, unwatches
  // every key. For RESET and for a connection that closes.
  void ResetTransaction() {
    tx.Discard();
    tx.UnwatchAll();
  }
};

// Runs a function with every other client of the server held off: how EXEC
// makes a transaction atomic. embedis-server implements it (server/server.cc);
// in-process callers that run one client at a time pass none.
class Exclusive {
 public:
  virtual ~Exclusive() = default;
  // Runs `fn` while no other client's command runs; blocks until then.
  virtual void Run(absl::FunctionRef<void()> fn) = 0;
  // Called, inside Run, by a script that has run past busy-reply-threshold (on its own thread,
  // from the Lua hook, again and again until it ends): let other clients in, to be answered
  // -BUSY or to run the commands allowed while a script is busy (SCRIPT KILL, ...).
  virtual void WhileBusy() {}
};

struct CommandContext;
struct Resolved;

// Sees every command a caller's table runs, as MONITOR does (server/monitor.cc): after it ran (the
// database is the one it left selected), or before for a command flagged kSkipMonitor (EVAL and its
// kin, whose own commands come after them). Not told of rejected commands (unknown, wrong arity)
// or of kAdmin ones; told of each command EXEC runs, and of a script's redis.call commands
// (CommandContext::from_script).
class CommandObserver {
 public:
  virtual ~CommandObserver() = default;
  // Cheap: false while nobody watches.
  virtual bool active() const = 0;
  virtual void Executed(const CommandContext& ctx, Args argv) = 0;
};

struct CommandContext {
  Keyspace* keyspace = nullptr;
  ClientState* client = nullptr;
  resp::Writer* reply = nullptr;  // its protocol follows client->protocol
  // Opaque pointer for server-level handlers (the server's own state).
  void* server = nullptr;
  // EXEC's isolation from other clients; nullptr: none (one client at a time).
  Exclusive* exclusive = nullptr;
  // The table running the command; set by CommandTable::Execute (EXEC runs
  // its queue through it).
  const CommandTable* table = nullptr;
  // Whether the caller can park the client when a blocking command finds nothing (see
  // BlockRequest). False inside MULTI/EXEC and for callers that cannot wait: then a blocking
  // command that finds nothing replies at once as if its timeout had passed, as Redis does
  // inside MULTI.
  bool may_block = false;
  // MONITOR's feed; nullptr: none.
  CommandObserver* observer = nullptr;
  // A command a script runs (redis.call): MONITOR shows it as from "lua". Such a command skips
  // the maxmemory check (the script's runner applies Redis's rule for scripts instead).
  bool from_script = false;
  // Set by Execute: the keyspace was over maxmemory with nothing left to evict when the command
  // started (Redis's pre_command_oom_state), for EVAL's rules.
  bool over_maxmemory = false;
  // EXEC is running its queue: the commands were checked for maxmemory when EXEC was.
  bool in_exec = false;
  // The caller knows a script is busy (embedis-server serving its clients while one runs):
  // Execute refuses every command not flagged allow-busy with -BUSY, as it does whenever the
  // table's script engine reports a busy script.
  bool script_busy = false;
  // The caller already ran the maxmemory check (CommandTable::RefuseForMaxmemory): Execute does
  // not run it again.
  bool oom_checked = false;
};

// Flags, as in COMMAND INFO.
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kFast = 1u << 2,
  kAdmin = 1u << 3,
  kNoAuth = 1u << 4,  // allowed before AUTH (AUTH, HELLO, QUIT)
  kLoading = 1u << 5,
  kStale = 1u << 6,
  kNoScript = 1u << 7,
  kDenyOom = 1u << 8,
  kNoMulti = 1u << 9,  // refused inside MULTI (SHUTDOWN, SAVE)
  // Runs while a script is busy (past busy-reply-threshold); every other command is answered
  // -BUSY then (CommandTable::Execute).
  kAllowBusy = 1u << 10,
  // Reported by COMMAND INFO only (command_info.h); embedis has no async loading or slow log to
  // apply them to.
  kNoAsyncLoading = 1u << 11,
  kSkipSlowlog = 1u << 12,
  // A command that may block the client (BLPOP, ...; see BlockRequest).
  kBlocking = 1u << 13,
  // Its keys cannot be found from first/last/step alone (LMPOP's numkeys): COMMAND INFO only.
  // Derived from the key specs by CommandTable::Register; never declared.
  kMovableKeys = 1u << 14,
  // Reported by COMMAND INFO only (EVAL and its kin).
  kSkipMonitor = 1u << 15,
  kNoMandatoryKeys = 1u << 16,
  kPubSub = 1u << 17,  // Pub/Sub commands (COMMAND INFO "pubsub")
};

// How the command table itself treats a command: behaviour, not something Redis reports (those
// are CommandFlag). Checked as bits, never by comparing names.
enum CommandBehavior : uint32_t {
  // Runs at once inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET;
  // Redis's processCommand list).
  kRunsInMulti = 1u << 0,
  // EXEC: a wrong number of arguments also discards the transaction, with EXECABORT's text.
  kEndsTransaction = 1u << 1,
  // Not a write command, but may write (EVAL, EVALSHA: their scripts may): CLIENT PAUSE WRITE
  // holds it as redis-server 7.0 does.
  kMayWrite = 1u << 2,
};
// (That a command may block is Redis's own "blocking" flag, kBlocking.)

using Handler = std::function<void(CommandContext&, Args)>;

// One command's (or subcommand's) entry: everything embedis runs it by and everything Redis
// reports about it (COMMAND INFO, DOCS, GETKEYS, LIST are written from it), declared once beside
// its handler in its family file with the helpers of command_describe.h. Field order is the
// order of designated initializers.
struct CommandSpec {
  std::string name{};  // lowercase, e.g. "get"; for a subcommand just "setname"
  int arity = 0;       // N exactly, -N at least (counting the name, and for subcommands the parent)
  // CommandFlag bits, as COMMAND INFO reports them; kMovableKeys is derived from key_specs.
  uint32_t flags = 0;
  uint32_t behavior = 0;  // CommandBehavior bits
  // AclCategory bits beyond those the flags imply, as Redis does: write -> @write, readonly ->
  // @read, admin -> @admin and @dangerous, fast -> @fast, otherwise @slow.
  uint32_t acl = 0;
  std::vector<std::string_view> tips{};  // nondeterministic_output, request_policy:..., ...
  std::vector<KeySpec> key_specs{};      // one per kind of key (command_spec.h)
  // The keys of one call when the key specs cannot find them all (Redis's getkeys_proc: SORT);
  // nullptr: the key specs find them.
  std::vector<KeyPosition> (*get_keys)(Args argv) = nullptr;
  int field_arg = 0;    // argv index of a field of the hash at first_key (0: none), for prefetching
  std::string group{};  // "string", "generic", "hash", "server", ...; subcommands: the parent's
  std::string summary{};  // COMMAND DOCS
  std::string since{};    // Redis version that added it
  // COMMAND DOCS beyond summary, since and group; empty fields are left out of the reply.
  std::string_view complexity{};
  std::string_view deprecated_since{};  // set: doc_flags ["deprecated"]
  std::string_view replaced_by{};
  std::vector<std::pair<std::string_view, std::string_view>> history{};  // (version, change)
  std::vector<ArgDoc> args{};
  Handler handler{};  // a parent of subcommands: runs it alone (COMMAND), or unset
  // What the append-only file logs when the command changed data, if not its argv as received
  // (propagation.h): called after the handler, it calls Propagate() with the deterministic
  // commands that redo the change (SET ... EX -> SET ... PXAT); calling none logs nothing.
  void (*propagate)(CommandContext& ctx, Args argv) = nullptr;
  std::vector<CommandSpec> subcommands{};

  // Derived by CommandTable::Register from key_specs, as Redis derives its legacy range: the key
  // positions COMMAND INFO reports (last_key -1: the last argument, -2 the one before, ...), and
  // what PrefetchKeys uses. Not to be declared.
  int first_key = 0, last_key = 0, key_step = 0;
};

// A command line resolved against the table, once per command: the spec that runs it (a
// container's subcommand, or the command itself) or why none does. The server uses it for its own
// checks (AUTH, CLIENT PAUSE) and hands it to Execute, so lookup and arity checks run once.
struct Resolved {
  enum class Error : uint8_t {
    kNone,
    kUnknownCommand,     // argv[0] is no command
    kWrongArity,         // the command's arity
    kUnknownSubcommand,  // a container's argv[1] is none of its subcommands
    kSubcommandArity,    // the subcommand's arity
  };
  const CommandSpec* top = nullptr;  // argv[0]'s spec; nullptr when unknown
  const CommandSpec* sub = nullptr;  // the subcommand that runs, if any
  Error error = Error::kNone;

  bool ok() const { return error == Error::kNone; }
  // What runs: the subcommand, else the command. REQUIRES: ok().
  const CommandSpec* spec() const { return sub != nullptr ? sub : top; }
  // The command's and its subcommand's flags together (CommandFlag bits); 0 when unknown.
  uint32_t flags() const {
    return (top != nullptr ? top->flags : 0) | (sub != nullptr ? sub->flags : 0);
  }
  bool has(CommandBehavior b) const {
    return ((top != nullptr ? top->behavior : 0) | (sub != nullptr ? sub->behavior : 0)) & b;
  }
  // The command name and its arity were fine (a subcommand may still be wrong).
  bool command_ok() const { return top != nullptr && error != Error::kWrongArity; }
};

class CommandTable {
 public:
  CommandTable() = default;

  // The data commands: strings, keys, hashes, and the server commands that
  // need nothing but a keyspace (PING, ECHO, SELECT, DBSIZE, FLUSHDB,
  // FLUSHALL, SWAPDB, TIME, ...).
  static CommandTable WithDataCommands();

  // Adds or replaces a command. Derives its (and its subcommands') first_key, last_key, key_step
  // and kMovableKeys from the key specs (DeriveKeyPositions).
  void Register(CommandSpec spec);

  // Case-insensitive lookup; nullptr if unknown.
  const CommandSpec* Find(std::string_view name) const;

  // Runs argv[0] with its arguments. Writes exactly one reply: the command's,
  // or Redis's error for an unknown command, an unknown subcommand or a wrong
  // number of arguments; inside MULTI, +QUEUED for a command it queues (see
  // the header comment). A handler that throws does not end the process: what
  // it wrote is dropped, the client gets `-ERR internal error: <what>` and a
  // line goes to stderr. REQUIRES: !argv.empty().
  void Execute(CommandContext& ctx, Args argv) const;
  void Execute(CommandContext& ctx, std::initializer_list<std::string_view> argv) const {
    Execute(ctx, Args(argv.begin(), argv.size()));
  }
  // The same, for a caller that has already looked argv[0] up: `found` must be Find(argv[0])
  // (nullptr for an unknown command).
  void Execute(CommandContext& ctx, Args argv, const CommandSpec* found) const;
  // The same, for a caller that has resolved argv already (Resolve(argv, Find(argv[0]))).
  void Execute(CommandContext& ctx, Args argv, const Resolved& resolved) const;

  // The maxmemory check Execute runs first (see the header comment), for a caller that must run
  // it before checks of its own (embedis-server's MISCONF): evicts as the policy says, replies
  // OOM and returns true when the command must not run. Sets ctx.oom_checked when it ran, so
  // that Execute does not run it again. Does nothing (false) for a resolution that failed or a
  // kNoMulti command inside MULTI: Execute replies their errors first.
  bool RefuseForMaxmemory(CommandContext& ctx, const Resolved& resolved) const;

  // Resolves argv: `found` must be Find(argv[0]). Replies nothing. REQUIRES: !argv.empty().
  Resolved Resolve(Args argv, const CommandSpec* found) const;

  // Before executing a batch of commands (one pipelined read): asks the keyspace to prefetch the
  // keys they will touch in database `db` (by each spec's key positions), so that the batch
  // overlaps its cache misses. found[i] is Find(batch[i][0]). Only a hint: a command that changes
  // the database (SELECT) or has no keys is fine.
  void PrefetchKeys(Keyspace& keyspace, int db,
                    absl::Span<const std::vector<std::string_view>> batch,
                    const CommandSpec* const* found) const;

  // Every top-level command, in no particular order (for COMMAND).
  std::vector<const CommandSpec*> All() const;
  size_t size() const { return commands_.size(); }

  // The Lua engine of EVAL and SCRIPT (scripting_family.cc): one per table and its copies, so one
  // per server. nullptr before RegisterScriptingFamily.
  scripting::ScriptEngine* scripts() const { return scripts_.get(); }
  void set_scripts(std::shared_ptr<scripting::ScriptEngine> engine) {
    scripts_ = std::move(engine);
  }

 private:
  // Runs the resolved command with MONITOR's observer, if any.
  void RunObserved(CommandContext& ctx, Args argv, const Resolved& r) const;
  // Execute with a Propagator on the keyspace (propagation.h).
  void ExecutePropagated(CommandContext& ctx, Args argv, const Resolved& r) const;
  // Replies Redis's error for a resolution that failed.
  static void ReplyResolveError(CommandContext& ctx, Args argv, const Resolved& r);
  // maxmemory (see the header comment): evicts, then replies OOM and returns true when the
  // command must not run.
  bool RefuseForOom(CommandContext& ctx, const Resolved& r) const;

  StringMap<std::shared_ptr<const CommandSpec>> commands_;
  std::shared_ptr<scripting::ScriptEngine> scripts_;
};

// Reply helpers used by every family; each writes one reply.
void ReplyError(CommandContext& ctx, std::string_view message);
void ReplyWrongArity(CommandContext& ctx, std::string_view full_name);

// For the blocking commands (list_family.cc, zset_family.cc). A timeout argument
// (ParseBlockingTimeoutMs, args.h): replies the error and returns false otherwise.
bool ParseTimeoutOrReply(CommandContext& ctx, std::string_view s, int64_t* ms);
// Every key was empty: leaves a BlockRequest for `keys` with a deadline `timeout_ms` from now (0:
// none; the timeout reply a null array, as Redis 7.0 writes for every list and sorted-set
// command) and writes no reply, or, when the client may not block (inside MULTI), replies
// `now_reply` at once.
void BlockOrReply(CommandContext& ctx, Args keys, int64_t timeout_ms,
                  BlockRequest::TimeoutReply now_reply);
void ReplyStatus(CommandContext& ctx, const absl::Status& status);  // message is Redis's text
// `-ERR unknown command 'x', with args beginning with: 'a' 'b' ` exactly as Redis 7.
void ReplyUnknownCommand(CommandContext& ctx, Args argv);

// Sets spec->first_key, last_key and key_step from spec->key_specs as Redis 7 derives its legacy
// key range (populateCommandLegacyRangeSpec): one index+range spec gives its range as it is;
// several give one range if they follow each other with step 1; a spec that is not index+range
// (keynum, keyword, unknown), a range with another step or out of line, or an INCOMPLETE spec
// makes the command kMovableKeys (its keys cannot all be found from first/last/step). No key
// specs: 0 0 0. Register calls it; exposed for tests.
void DeriveKeyPositions(CommandSpec* spec);

// Family registration, one function per file (explicit: no static registrars).
void RegisterServerBasics(CommandTable* table);       // server_family.cc
void RegisterStringFamily(CommandTable* table);       // string_family.cc
void RegisterKeyFamily(CommandTable* table);          // key_family.cc
void RegisterHashFamily(CommandTable* table);         // hash_family.cc
void RegisterTransactionFamily(CommandTable* table);  // transaction_family.cc
void RegisterMemoryFamily(CommandTable* table);       // memory_family.cc
void RegisterListFamily(CommandTable* table);         // list_family.cc
void RegisterSetFamily(CommandTable* table);          // set_family.cc
void RegisterZSetFamily(CommandTable* table);         // zset_family.cc
void RegisterBitFamily(CommandTable* table);          // bit_family.cc
void RegisterSortFamily(CommandTable* table);         // sort_family.cc
void RegisterHllFamily(CommandTable* table);          // hll_family.cc
void RegisterScriptingFamily(CommandTable* table);    // scripting_family.cc
void RegisterPubSubFamily(CommandTable* table);       // pubsub_family.cc

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_COMMAND_TABLE_H_
