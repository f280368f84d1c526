// Internal to //server: the state behind Server, its event loops and its connections.
//
// Threads and ownership
// ---------------------
// ServerState owns N EventLoops, one thread each. A Connection belongs to exactly one loop for
// its whole life: only that loop's thread reads its socket, parses, runs its commands and writes
// its replies, so the hot path takes no lock. Other threads (CLIENT LIST, CLIENT KILL and INFO
// running on another loop) only read a connection's atomics and, under `info_mu`, its name, and
// ask the owning loop to close it by posting to the loop's inbox.
//
// The registry (id -> Connection) lives in ServerState under `clients_mu_`; entries are
// shared_ptrs, so a connection looked up by another thread stays valid while it is used even if
// its loop closes it meanwhile.
//
// Transactions (EXEC isolation)
// -----------------------------
// Each loop holds its `exec_mu_` while it executes a connection's batch of commands (Process).
// EXEC (lib/commands/transaction_family.cc) runs its queue through the loop's Exclusive, which
// releases the loop's own exec_mu_, locks every loop's exec_mu_ in index order, runs, unlocks them
// and relocks its own: while it runs no other client executes anything, and since nobody waits
// for a loop mutex while holding another out of order, there is no deadlock. The hot path pays
// one uncontended lock per batch. A closed connection drops its MULTI state and WATCH
// registrations (ClientState::ResetTransaction).
// Inside the loop mutexes (and the propagation frame), EXEC and scripts also hold a
// Keyspace::ExclusiveSection (RunPropagatedExclusive, lib/commands/propagation.h): every other
// thread's keyspace operation waits until it ends, so the embedding application's direct
// Keyspace calls, a MemoryStore on the same keyspace, the expiry thread and the background
// eviction never observe an EXEC or a script half done either. A loop waiting at that gate holds
// its exec_mu_ (only when the section's owner is not a network client: an application thread's
// memory:// script), which no section owner needs.
//
// Busy scripts (busy-reply-threshold)
// -----------------------------------
// A script runs inside an Exclusive, holding every loop's exec_mu_, for as long as it runs. So
// that no loop ever sleeps on a mutex a long script holds, nobody waits for a loop mutex held by
// another thread in a plain lock() but through the ExclusiveGate: a token that exclusive
// sections take one at a time (whoever holds it may then lock every loop in plain order: only
// short batches hold them), and a condition variable notified when a section ends and while a
// script is busy. A waiter (a loop about to run a batch, an Exclusive waiting for the token or
// relocking its loop afterwards) wakes up either with the lock or finding the script busy
// (BusyScript::busy(), lib/scripting/busy_script.h). Then:
//   - a loop about to run a batch runs it without the lock, in busy mode: one command at a time,
//     each answered -BUSY unless it is flagged allow-busy (SCRIPT KILL, FUNCTION KILL/STATS,
//     SHUTDOWN, AUTH, HELLO, MULTI, DISCARD, WATCH, UNWATCH, RESET, QUIT: none needs the lock);
//     the batch stops when the script ends, and the rest runs locked;
//   - the script's own loop is served from the script: the Lua hook calls Exclusive::WhileBusy,
//     which polls this loop's epoll once (ServeWhileBusy) and runs what arrived in busy mode,
//     leaving the script's own client alone (its next commands wait, as in Redis);
//   - an Exclusive (EXEC, EVAL...) of another loop that was already waiting for the token serves
//     its own loop the same way (ServeWhileBusy) until the script ends, then runs;
//   - ready keys and CLIENT UNBLOCKs wait until the script ends (Redis serves blocked clients
//     after the script, too).
// Nothing on that busy path waits for the keyspace's exclusive section the script holds: -BUSY
// replies touch no key, and the allow-busy commands that do touch the keyspace (WATCH, UNWATCH,
// DISCARD, RESET, a closing connection's Unwatch and RemoveBlockedKey) use its ungated paths;
// statistics (GetStats) are ungated too.
// SCRIPT KILL sets the script's kill flag (atomically with its "wrote" mark), which the hook
// raises; SHUTDOWN NOSAVE aborts the script the same way and stops the server.
//
// One loop turn
// -------------
//   epoll_wait (timeout: 0 if some connection has a backlog, else 1000/hz ms)
//   for each event: accept | drain the inbox | read+execute | write
//     (execute: take up to 16 complete commands, prefetch their keys, run them; repeat)
//   for each connection with a backlog: execute up to max_commands_per_turn more
//   write the replies of every connection that ran commands
//   every 1000/hz ms: idle timeouts, statistics
//
// A connection is in one of these states as far as reading goes:
//   - reading: EPOLLIN registered; each readiness reads once (16 KB, or more for a big bulk) and
//     executes up to max_commands_per_turn commands.
//   - backlog: complete commands are still buffered (the turn's budget ran out); EPOLLIN is off
//     and the loop runs the next batch next turn, so a pipelining client cannot starve others.
//   - paused: unsent replies exceed client_output_pause; nothing more runs until the output
//     drains, but the socket is still read into the query buffer (bounded by
//     client-query-buffer-limit), so a client that writes its whole pipeline before reading
//     (redis-py's pipeline().execute()) is never stuck in its write.
//   - held: CLIENT PAUSE holds its next command (below); it is still read from, to see a hang-up.
//   - closing: after a protocol error or QUIT; the pending output is flushed, then closed.
//
// CLIENT REPLY
// ------------
// A connection's reply mode (ON, OFF, SKIP) is part of its Connection, changed by the CLIENT
// REPLY and RESET handlers. The loop writes every reply as usual and, after each command
// (EndCommandOutput), cuts from `out` what the command wrote while replies were off or skipped.
// A switch in the middle of a command (CLIENT REPLY queued in MULTI runs inside EXEC's reply)
// takes effect at that point of the output, as in redis-server, which checks the mode at every
// write: MULTI, CLIENT REPLY OFF, SET, EXEC answers just `*2\r\n`.
//
// CLIENT PAUSE
// ------------
// The pause (mode and end) is ServerState's, set by CLIENT PAUSE on any loop. Before running a
// command the loop asks HeldByPause (client_command.cc: which commands a pause holds is command
// logic); a held command and the rest of its batch are copied into Connection::held, the
// connection goes on its loop's held list, and nothing more of it runs until the pause ends. A
// loop with held connections sleeps in epoll_wait at most until the pause's end; CLIENT UNPAUSE
// wakes every loop. Each loop then resumes its held connections in the order they were held, so
// the clients of one loop resume in order (across loops, concurrently). The embedding
// application's own Keyspace calls are never paused: only network clients are.
#ifndef EMBEDIS_SERVER_SERVER_STATE_H_
#define EMBEDIS_SERVER_SERVER_STATE_H_

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "lib/commands/aof.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/request_parser.h"
#include "lib/resp/writer.h"
#include "lib/tls/tls.h"
#include "lib/util/mutex.h"
#include "server/blocking.h"
#include "server/options.h"
#include "server/persistence.h"

namespace embedis::server_internal {

class EventLoop;
class ServerState;

// Wall-clock milliseconds since the epoch.
int64_t NowMs();
// Milliseconds on the monotonic clock (CLIENT PAUSE's deadlines).
int64_t MonotonicMs();

// What CLIENT PAUSE holds: nothing, write commands, or every command. Ordered: a stricter mode
// is greater.
enum class PauseMode : int { kNone = 0, kWrite = 1, kAll = 2 };

// The keyspace's encoding thresholds from the server's configuration.
inline EncodingLimits EncodingLimitsOf(const ServerOptions& o) {
  const EncodingConfig& e = o.encoding;
  return {.set_max_intset_entries = static_cast<size_t>(e.set_max_intset_entries),
          .hash_max_listpack_entries = static_cast<size_t>(e.hash_max_listpack_entries),
          .hash_max_listpack_value = static_cast<size_t>(e.hash_max_listpack_value),
          .zset_max_listpack_entries = static_cast<size_t>(e.zset_max_listpack_entries),
          .zset_max_listpack_value = static_cast<size_t>(e.zset_max_listpack_value)};
}

// The keyspace's maxmemory settings from the server's configuration.
inline EvictionOptions EvictionOptionsOf(const ServerOptions& o) {
  const MaxmemoryConfig& m = o.maxmemory;
  return {.maxmemory = static_cast<uint64_t>(m.maxmemory),
          .policy = EvictionPolicyFromName(m.policy).value_or(EvictionPolicy::kNoEviction),
          .samples = m.samples,
          .lfu_log_factor = m.lfu_log_factor,
          .lfu_decay_time = m.lfu_decay_time,
          .tenacity = m.tenacity};
}

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };
std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);

// Bytes read from a socket at a time (CLIENT LIST reports it as rbs).
inline constexpr size_t kReadSize = 16 * 1024;

class Connection {
 public:
  Connection(ServerState* state, EventLoop* loop, int fd, int64_t id, std::string addr,
             std::string laddr, bool local, bool unix_socket);
  ~Connection();

  ServerState* state() const { return state_; }
  EventLoop* loop() const { return loop_; }
  int fd() const { return fd_; }
  int64_t id() const { return id_; }
  const std::string& addr() const { return addr_; }
  const std::string& laddr() const { return laddr_; }

  // ---- Owned by the loop thread ----
  // The transport: the plain socket, or TLS over it (a connection from the tls-port). Like
  // read(2) and send(2): > 0 bytes, 0 at EOF (Read), -1 with errno (EAGAIN: retry when the
  // socket is ready; EPROTO: a TLS error, whose text is tls_error). The plain path is one
  // predictable branch away from the system call.
  ssize_t Read(char* buf, size_t n) {
    if (tls == nullptr) [[likely]]
      return ::read(fd_, buf, n);
    return TlsRead(buf, n);
  }
  ssize_t Write(const char* buf, size_t n) {
    if (tls == nullptr) [[likely]]
      return ::send(fd_, buf, n, MSG_NOSIGNAL);
    return TlsWrite(buf, n);
  }
  std::unique_ptr<tls::Session> tls;  // null for plain connections
  // TLS reads may need to write (the handshake) and writes to read: the loop then waits for the
  // other readiness and retries the operation (EventLoop::Run).
  bool tls_read_wants_write = false;
  bool tls_write_wants_read = false;
  std::string tls_error;  // after EPROTO

  resp::RequestParser parser;
  std::string out;  // replies not yet written, from out_sent on
  size_t out_sent = 0;
  // When `out` last drained a reply bigger than the loop keeps for every connection: the big
  // buffer stays for the next big reply (no reallocation, no fresh pages) until the loop's cron
  // finds it unused for a while.
  int64_t big_output_ms = 0;
  // Since when the queued replies have been past the soft output limit; 0: they are not.
  int64_t soft_limit_since_ms = 0;
  resp::Writer writer{&out};
  commands::ClientState client;
  uint32_t registered_events = 0;     // what epoll watches now
  bool closing = false;               // flush, then close
  bool backlog = false;               // complete commands wait in the parser
  bool paused = false;                // output over client_output_pause
  std::atomic<bool> no_evict{false};  // CLIENT NO-EVICT (read by loop 0's client eviction)
  bool no_touch = false;
  std::atomic<bool> evicted{false};  // chosen by the client eviction: its loop closes it
  // CLIENT LIST's tot-mem: what the client eviction counts. Any thread.
  uint64_t TotalMemory() const;
  bool closed = false;         // the socket is closed and the loop has forgotten it
  bool flush_pending = false;  // in the loop's list of replies to write at the end of the turn

  size_t pending_output() const { return out.size() - out_sent; }

  // CLIENT PAUSE: commands taken from the parser that wait for the pause to end, oldest first
  // (copies: the parser's views end at the next read). Empty unless the connection is held, or
  // blocked on keys (then the commands pipelined after the blocking one wait here).
  std::deque<std::vector<std::string>> held;
  bool held_listed = false;  // in its loop's list of held connections

  // Blocked on keys (server/blocking.h): the command to run again; null when not blocked.
  std::unique_ptr<BlockedCommand> block;

  // Pub/Sub messages from other threads, waiting for the loop (pubsub_delivery.cc).
  Mutex mail_mu;
  std::string mail ABSL_GUARDED_BY(mail_mu);
  bool mail_posted ABSL_GUARDED_BY(mail_mu) = false;  // in the loop's inbox already
  // Past the pubsub output limit: messages are dropped and the loop closes the connection.
  std::atomic<bool> pubsub_dead{false};

  // CLIENT REPLY (see the header comment). The commands call these:
  void RepliesOn();      // ON: replies resume, a SKIP of the running command ends too
  void RepliesOff();     // OFF
  void SkipNextReply();  // SKIP: the next command's reply is dropped; ignored while OFF
  void ResetReplies();   // RESET: OFF ends (a SKIP of the RESET itself still applies)
  // The loop runs each command between these two: `mark` is out.size() and `dropping`
  // replies_dropped() before it ran. EndCommandOutput removes from `out` what the command wrote
  // while its replies were dropped, and moves a SKIP on to the next command.
  bool replies_dropped() const { return reply_off_ || reply_skip_; }
  void EndCommandOutput(size_t mark, bool dropping);

  // ---- Read by other threads ----
  const int64_t created_ms;
  std::atomic<int64_t> last_interaction_ms;
  std::atomic<int> db{0};
  std::atomic<int> resp{2};
  std::atomic<const commands::CommandSpec*> last_cmd{nullptr};
  std::atomic<const commands::CommandSpec*> last_subcmd{nullptr};
  std::atomic<uint64_t> qbuf{0};
  std::atomic<uint64_t> omem{0};
  std::atomic<uint64_t> out_capacity{0};  // `out`'s capacity (CLIENT LIST tot-mem)
  std::atomic<int> multi{-1};        // commands queued since MULTI; -1 outside MULTI (CLIENT LIST)
  std::atomic<bool> blocked{false};  // held by CLIENT PAUSE or blocked on keys (CLIENT LIST "b")
  // Blocked on keys (set and cleared by the owning loop under its exec_mu_), and CLIENT
  // UNBLOCK's claim on it (an UnblockReason; set under every loop's exec_mu_).
  std::atomic<bool> waiting_on_keys{false};
  std::atomic<int> unblock_reason{0};

  // Name and library, changed by CLIENT SETNAME / SETINFO / HELLO / RESET on the loop thread.
  void SetName(std::string name);
  void SetLibName(std::string name);
  void SetLibVer(std::string ver);
  std::string Name() const;
  // One CLIENT LIST line, without the trailing newline.
  std::string InfoLine(int64_t now_ms) const;

 private:
  ssize_t TlsRead(char* buf, size_t n);
  ssize_t TlsWrite(const char* buf, size_t n);

  ServerState* const state_;
  EventLoop* const loop_;
  const int fd_;
  const int64_t id_;
  const std::string addr_, laddr_;
  // CLIENT REPLY; owned by the loop thread.
  void SetReplyMode(bool off, bool skip);
  bool reply_off_ = false;        // OFF, until ON or RESET
  bool reply_skip_ = false;       // the running command's reply is dropped (SKIP came before it)
  bool reply_skip_next_ = false;  // SKIP ran: drop the next command's reply
  // Where, in `out`, the running command switched dropping on (true) or off (false).
  std::vector<std::pair<size_t, bool>> reply_switches_;

  mutable Mutex info_mu_;
  std::string name_ ABSL_GUARDED_BY(info_mu_);
  std::string lib_name_ ABSL_GUARDED_BY(info_mu_);
  std::string lib_ver_ ABSL_GUARDED_BY(info_mu_);

 public:
  const bool local;  // loopback or unix socket
  const bool unix_socket;
};

// What a server-level handler finds in CommandContext::server.
inline Connection* CurrentConnection(commands::CommandContext& ctx) {
  return static_cast<Connection*>(ctx.server);
}

struct Listener {
  int fd = -1;
  std::string address;  // "127.0.0.1:6379", "[::1]:6379" or the unix path
  bool unix_socket = false;
  bool tls = false;  // the tls-port: connections speak TLS
};

// Server statistics (INFO stats); relaxed atomics, summed from all loops.
struct Stats {
  std::atomic<uint64_t> connections_received{0};
  std::atomic<uint64_t> commands_processed{0};
  std::atomic<uint64_t> rejected_connections{0};
  std::atomic<uint64_t> net_input_bytes{0};
  std::atomic<uint64_t> net_output_bytes{0};
  std::atomic<uint64_t> output_limit_disconnections{0};
  std::atomic<uint64_t> query_limit_disconnections{0};
  std::atomic<uint64_t> evicted_clients{0};  // maxmemory-clients
  std::atomic<uint64_t> ops_per_sec{0};      // computed by loop 0's cron
};

// See "Busy scripts" above. Thread-safe.
class ExclusiveGate {
 public:
  // Takes the token unless `busy()` while waiting for it: false then.
  template <typename Busy>
  bool Take(Busy busy) {
    std::unique_lock<std::mutex> l(mu_);
    while (taken_) {
      if (busy()) return false;
      cv_.wait_for(l, std::chrono::milliseconds(kPollMs));
    }
    taken_ = true;
    return true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> l(mu_);
      taken_ = false;
    }
    cv_.notify_all();
  }
  // Waits until `try_lock()` (true) or `busy()` (false).
  template <typename TryLock, typename Busy>
  bool Wait(TryLock try_lock, Busy busy) {
    std::unique_lock<std::mutex> l(mu_);
    while (true) {
      if (try_lock()) return true;
      if (busy()) return false;
      cv_.wait_for(l, std::chrono::milliseconds(kPollMs));
    }
  }
  // A script has turned busy (or is still): waiters look again.
  void Notify() {
    { std::lock_guard<std::mutex> l(mu_); }
    cv_.notify_all();
  }

 private:
  static constexpr int kPollMs = 5;  // a fallback: ends and busy scripts notify
  std::mutex mu_;
  std::condition_variable cv_;
  bool taken_ = false;
};

class EventLoop {
 public:
  // EXEC's isolation for the connections of this loop (see the header comment).
  class Exclusive : public commands::Exclusive {
   public:
    explicit Exclusive(EventLoop* loop) : loop_(loop) {}
    void Run(absl::FunctionRef<void()> fn) override;
    void WhileBusy() override;

   private:
    EventLoop* const loop_;
    bool running_ = false;  // inside Run (CLIENT UNBLOCK inside EXEC runs `fn` directly)
  };

  EventLoop(ServerState* state, int index);
  ~EventLoop();

  absl::Status Init(const std::vector<Listener>& listeners);
  void Start();
  void Join();

  // Thread-safe: hands a new connection to this loop, asks it to close one, or wakes it.
  void Adopt(std::shared_ptr<Connection> conn);
  void Kill(int64_t id);
  // Thread-safe: closes connection `id` at once, its replies unsent (client eviction).
  void Evict(int64_t id);
  void Wake();
  // Thread-safe (server/blocking.h): (db, key) became ready for this loop's first waiter; a
  // CLIENT UNBLOCK claimed connection `id` of this loop.
  void PostReady(int db, std::string_view key);
  void PostUnblock(int64_t id);
  // Thread-safe (pubsub_delivery.cc): connection c of this loop has Pub/Sub mail.
  void PostMail(std::shared_ptr<Connection> c);
  // On this loop's thread: c has new output to write at the end of the turn.
  void QueueFlush(const std::shared_ptr<Connection>& c);

  int index() const { return index_; }
  size_t connection_count() const { return count_.load(std::memory_order_relaxed); }

 private:
  void Run();
  void Accept(const Listener& listener);
  // accept4 failed with EMFILE/ENFILE: refuse one pending connection, log (rate-limited).
  void OnAcceptOutOfFds(const Listener& listener);
  void DrainInbox();
  void Register(std::shared_ptr<Connection> conn);
  void OnReadable(const std::shared_ptr<Connection>& c);
  void OnWritable(const std::shared_ptr<Connection>& c);
  // Runs up to one turn's budget of commands (first any that CLIENT PAUSE held) and queues the
  // connection for FlushPending; returns false if the connection was closed.
  bool Process(const std::shared_ptr<Connection>& c);
  // Whether c's queued replies are past the hard output limit, or past the soft one for longer
  // than its seconds (and records when they passed it).
  bool OverOutputLimit(Connection& c, int64_t hard);
  void CloseForOutputLimit(const std::shared_ptr<Connection>& c);
  // MISCONF after a failed background save; true when the command was refused (server.cc).
  bool RefuseForDiskError(Connection& c, const commands::Resolved& resolved,
                          std::string_view misconf);
  // A RESP2 client with subscriptions: whether `resolved` may run; if not, writes the error.
  bool AllowedInPubSubContext(Connection& c, const commands::Resolved& resolved);
  // Busy scripts (see the header comment). ScriptBusy: a script runs past busy-reply-threshold.
  // LockExec: takes exec_mu_ into `lock`, or returns false (not locked) while a script is busy.
  // ServeWhileBusy: on this loop's thread, nested inside the command of executing_, polls epoll
  // once (waiting up to timeout_ms) and serves what arrived in busy mode.
  bool ScriptBusy() const;
  bool LockExec(std::unique_lock<Mutex>& lock);
  void ServeWhileBusy(int timeout_ms);
  // Runs one command; returns false, having run nothing, if a client pause holds it.
  bool ExecuteOne(Connection& c, const std::vector<std::string_view>& argv,
                  const commands::CommandSpec* spec);
  // Runs the held connections again once the pause has ended or changed (Process holds each
  // again if it must still wait).
  void ResumeHeld();
  // Writes the replies of every connection Process ran this turn.
  void FlushPending();
  // Writes what it can; returns false if the connection was closed.
  bool Flush(const std::shared_ptr<Connection>& c);
  void UpdateInterest(Connection& c);
  void Close(const std::shared_ptr<Connection>& c, std::string_view reason);
  void Cron();
  // Moves the connections' Pub/Sub mail into their output and writes it (pubsub_delivery.cc).
  void DeliverMail(const std::vector<std::shared_ptr<Connection>>& conns);

  // Blocking on keys (blocking.cc; see server/blocking.h). Park turns the connection's
  // block_request into a BlockedCommand and registers it; ServeReady serves the waiters of ready
  // keys (in order); FinishBlock writes the timeout or UNBLOCKED reply of a parked connection;
  // Unblock unregisters it; ExpireBlocked times out the waiters past their deadline; and
  // BlockedSleepMs bounds epoll_wait's sleep for them.
  void Park(Connection& c, commands::Args argv);  // REQUIRES: exec_mu_ held
  void ServeReady(std::vector<std::pair<int, std::string>> keys);
  bool ServeOne(const std::shared_ptr<Connection>& c, std::string_view key);
  void FinishBlock(Connection& c, UnblockReason reason);  // REQUIRES: exec_mu_ held
  void Unblock(Connection& c);
  void ExpireBlocked();
  void FinishUnblocks(const std::vector<int64_t>& ids);
  int BlockedSleepMs(int timeout);
  // After Unblock: runs what the connection pipelined meanwhile, and sends its replies.
  void Resume(const std::shared_ptr<Connection>& c);

  ServerState* const state_;
  const int index_;
  // Held while this loop executes commands; EXEC of any loop takes all of them.
  Mutex exec_mu_;
  // Busy scripts: Process runs its batch without exec_mu_ (commands get -BUSY unless allowed);
  // the connection whose command runs now (left alone by ServeWhileBusy); inside ServeWhileBusy;
  // ready keys or unblocks left in the inbox until the script ends.
  bool busy_mode_ = false;
  Connection* executing_ = nullptr;
  bool serving_busy_ = false;
  bool inbox_deferred_ = false;
  bool busy_deferred_serve_ = false;  // ServeOne found a busy script
  Exclusive exclusive_{this};
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int spare_fd_ = -1;  // /dev/null, closed to accept and refuse a client when out of fds
  int64_t last_accept_error_log_ms_ = 0;
  int64_t last_client_eviction_log_ms_ = 0;
  // maxmemory-clients (loop 0's cron): disconnects the clients using most memory while the
  // clients' total is at or over the limit.
  void EvictClients();
  uint64_t accept_errors_unlogged_ = 0;
  std::vector<Listener> listeners_;
  std::thread thread_;
  absl::flat_hash_map<int64_t, std::shared_ptr<Connection>> conns_;
  std::atomic<size_t> count_{0};
  std::vector<int64_t> backlog_;
  std::vector<int64_t> held_;      // connections held by CLIENT PAUSE, in the order they were held
  uint64_t held_pause_epoch_ = 0;  // ServerState::pause_epoch() when ResumeHeld last ran
  std::vector<std::shared_ptr<Connection>> to_flush_;  // see FlushPending
  // Process's batch: up to kBatch commands taken from one connection's parser, and their specs.
  static constexpr size_t kBatch = 16;
  std::vector<std::vector<std::string_view>> batch_ =
      std::vector<std::vector<std::string_view>>(kBatch);
  std::vector<const commands::CommandSpec*> found_ =
      std::vector<const commands::CommandSpec*>(kBatch);
  // Process's batch inside ServeWhileBusy (one command at a time).
  std::vector<std::vector<std::string_view>> busy_batch_ =
      std::vector<std::vector<std::string_view>>(kBatch);
  std::vector<const commands::CommandSpec*> busy_found_ =
      std::vector<const commands::CommandSpec*>(kBatch);
  // Deadlines of this loop's blocked connections (keyspace clock), earliest first.
  std::set<std::pair<int64_t, int64_t>> deadlines_;  // (deadline_ms, connection id)
  // Ready keys that a client pause keeps from being served until it ends.
  std::vector<std::pair<int, std::string>> paused_ready_;
  int64_t last_cron_ms_ = 0;
  int64_t turn_ms_ = NowMs();  // NowMs() when this loop's last epoll_wait returned
  uint64_t last_ops_ = 0;
  int64_t last_ops_ms_ = 0;
  int64_t last_buffer_check_ms_ = 0;  // Cron: when big output buffers were last looked at

  Mutex inbox_mu_;
  std::vector<std::shared_ptr<Connection>> inbox_conns_ ABSL_GUARDED_BY(inbox_mu_);
  std::vector<int64_t> inbox_kills_ ABSL_GUARDED_BY(inbox_mu_);
  std::vector<int64_t> inbox_evictions_ ABSL_GUARDED_BY(inbox_mu_);
  std::vector<std::pair<int, std::string>> inbox_ready_ ABSL_GUARDED_BY(inbox_mu_);
  std::vector<int64_t> inbox_unblocks_ ABSL_GUARDED_BY(inbox_mu_);
  std::vector<std::shared_ptr<Connection>> inbox_mail_ ABSL_GUARDED_BY(inbox_mu_);
};

// The configuration of a running server. `values` holds every parameter's current value
// (server/config_table.h: CONFIG GET formats it, CONFIG SET changes it and runs the parameter's
// hook); the atomics are the copies the hot paths read without a lock (PublishRuntimeConfig).
struct RuntimeConfig {
  mutable Mutex values_mu;
  ServerOptions values ABSL_GUARDED_BY(values_mu);
  // The encoding parameters now (for the command layer).
  EncodingConfig Encoding() const {
    MutexLock l(&values_mu);
    return values.encoding;
  }

  std::atomic<int> maxclients;
  std::atomic<int> timeout_seconds;
  std::atomic<int64_t> proto_max_bulk_len;
  std::atomic<int64_t> client_query_buffer_limit;
  std::atomic<int64_t> maxmemory_clients;  // ServerOptions::maxmemory_clients
  std::atomic<int64_t> client_output_buffer_limit;
  std::atomic<int64_t> client_output_soft_limit;    // bytes; 0: none
  std::atomic<int64_t> client_output_soft_seconds;  // how long past it before the disconnect
  std::atomic<int64_t> client_output_pause;
  // client-output-buffer-limit pubsub (pubsub_delivery.cc); 0: no limit.
  std::atomic<int64_t> pubsub_output_hard;
  std::atomic<int64_t> pubsub_output_soft;
  std::atomic<int64_t> pubsub_output_soft_seconds;
  std::atomic<bool> protected_mode;
  std::atomic<bool> has_password;
  std::atomic<int> loglevel;
  std::atomic<int> hz;
};

// MONITOR (monitor.cc): the connections that asked for it, and the feed every command goes to.
class MonitorFeed : public commands::CommandObserver {
 public:
  bool active() const override { return count_.load(std::memory_order_relaxed) > 0; }
  void Executed(const commands::CommandContext& ctx, commands::Args argv) override;
  // MONITOR; idempotent. `subscriber`: the connection's (ClientState::subscriber).
  void Add(const Connection* c, std::shared_ptr<Subscriber> subscriber);
  // RESET and a closing connection; nothing when `c` is not a monitor.
  void Remove(const Connection* c);
  // Redis's line, without the leading '+' and the CRLF:
  // `<sec>.<usec> [<db> <addr or lua>] "arg" "arg"...` (arguments quoted as sdscatrepr does,
  // AUTH's and HELLO AUTH's secrets shown as "(redacted)").
  static std::string Line(int64_t micros, int db, std::string_view from, commands::Args argv);

 private:
  Mutex mu_;
  std::vector<std::pair<const Connection*, std::shared_ptr<Subscriber>>> monitors_
      ABSL_GUARDED_BY(mu_);
  std::atomic<int> count_{0};
};

class ServerState {
 public:
  ServerState(Keyspace* keyspace, ServerOptions options);
  ~ServerState();

  absl::Status Start();
  void RequestStop();
  void Wait();
  void Stop();

  Keyspace* keyspace() const { return keyspace_; }
  MonitorFeed& monitors() { return monitors_; }
  const commands::CommandTable& table() const { return table_; }
  commands::CommandTable& mutable_table() { return table_; }
  const ServerOptions& options() const { return options_; }
  RuntimeConfig& config() { return config_; }
  Stats& stats() { return stats_; }
  int port() const { return port_; }
  // The bound TLS port, or -1 without TLS.
  int tls_port() const { return tls_port_; }
  // The server's TLS context for a new connection (null without TLS). A session made from it
  // keeps it alive (OpenSSL counts references), so a CONFIG SET that replaces it leaves open
  // connections as they are.
  std::shared_ptr<ssl_ctx_st> tls_context() const {
    MutexLock l(&tls_mu_);
    return tls_context_;
  }
  // CONFIG SET tls-*: builds a context from `config` and, if that works, serves new connections
  // with it; an error (naming the file or the cipher list) leaves the old one in place. Without
  // a TLS port nothing is built (as redis-server, which checks the files only when TLS is on).
  absl::Status ReloadTls(const tls::ServerConfig& config);
  int io_threads() const { return static_cast<int>(loops_.size()); }
  bool stopping() const { return stop_requested_.load(std::memory_order_acquire); }
  int64_t start_ms() const { return start_ms_; }
  const std::string& run_id() const { return run_id_; }
  // Snapshots; nullptr unless options.persistence.enabled.
  Persistence* persistence() const { return persistence_.get(); }
  // The append-only file (server/aof.h); nullptr unless options.persistence.enabled.
  Aof* aof() const { return aof_.get(); }

  // requirepass, readable from any thread.
  std::string Password() const;
  void SetPassword(std::string password);
  // Constant-time comparison with requirepass.
  bool CheckPassword(std::string_view candidate) const;

  // Registry.
  int64_t NextClientId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }
  // Reserves a slot; false if maxclients is reached.
  bool TryReserveSlot();
  void ReleaseSlot();
  size_t connected_clients() const { return connected_.load(std::memory_order_relaxed); }
  void AddClient(const std::shared_ptr<Connection>& c);
  void RemoveClient(int64_t id);
  std::vector<std::shared_ptr<Connection>> Clients() const;
  // The connection with this id, or nullptr.
  std::shared_ptr<Connection> FindClient(int64_t id) const;
  // Picks the loop with the fewest connections.
  EventLoop* PickLoop();

  // CLIENT PAUSE and UNPAUSE; thread-safe. Pause(timeout_ms, mode) pauses network clients for
  // `timeout_ms` from now (>= 0); a pause already in force keeps the later end and the stricter
  // mode of the two, as redis-server's. Unpause ends it and wakes every loop.
  void Pause(int64_t timeout_ms, PauseMode mode);
  void Unpause();
  // The pause in force now (kNone: none). One atomic load when there is none.
  PauseMode ActivePause() const;
  // Milliseconds until the pause in force ends; 0 if none.
  int64_t PauseRemainingMs() const;
  // Changes with every Pause and Unpause.
  uint64_t pause_epoch() const { return pause_epoch_.load(std::memory_order_acquire); }
  // Connections held by a pause or blocked on keys now (INFO blocked_clients).
  std::atomic<int64_t>& blocked_clients() { return blocked_clients_; }
  // Connections blocked on keys with a timeout (INFO clients_in_timeout_table).
  std::atomic<int64_t>& clients_in_timeout_table() { return clients_in_timeout_table_; }
  // Who waits for which keys (server/blocking.h).
  BlockingRegistry& blocking() { return blocking_; }
  // Exclusive sections and busy scripts (see "Busy scripts" above).
  ExclusiveGate& gate() { return gate_; }
  // Loop `i`, 0 <= i < io_threads(), once started.
  EventLoop& loop(int i) const { return *loops_[i]; }
  void Log(LogLevel level, std::string_view message);

  void RunShutdownHook();

 private:
  absl::Status Listen();
  // Listens on `address` at `*bound` (when >= 0, a port an earlier address got) or `requested`,
  // and sets `*bound` to the port bound.
  absl::Status ListenTcp(const std::string& address, bool optional, int requested, int* bound,
                         bool tls);
  absl::Status ListenUnix();
  void CloseListeners();

  Keyspace* const keyspace_;
  MonitorFeed monitors_;
  const ServerOptions options_;
  commands::CommandTable table_;
  RuntimeConfig config_;
  Stats stats_;
  std::vector<Listener> listeners_;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  int port_ = -1;
  int tls_port_ = -1;
  mutable Mutex tls_mu_;
  std::shared_ptr<ssl_ctx_st> tls_context_ ABSL_GUARDED_BY(tls_mu_);
  int64_t start_ms_ = 0;
  std::string run_id_;
  bool started_ = false;
  bool stopped_ = false;

  std::atomic<int64_t> next_id_{1};
  std::atomic<size_t> connected_{0};
  mutable Mutex clients_mu_;
  absl::flat_hash_map<int64_t, std::shared_ptr<Connection>> clients_ ABSL_GUARDED_BY(clients_mu_);

  mutable Mutex password_mu_;
  std::string password_ ABSL_GUARDED_BY(password_mu_);

  // The pause: written under pause_mu_, read without it. Pause stores the end before the mode
  // and ActivePause loads the mode before the end, so a reader that sees a new mode sees its end.
  Mutex pause_mu_;
  std::atomic<int> pause_mode_{0};        // a PauseMode; the pause is over at pause_end_ms_ anyway
  std::atomic<int64_t> pause_end_ms_{0};  // MonotonicMs()
  std::atomic<uint64_t> pause_epoch_{0};
  std::atomic<int64_t> blocked_clients_{0};
  std::atomic<int64_t> clients_in_timeout_table_{0};
  BlockingRegistry blocking_;
  ExclusiveGate gate_;
  int ready_listener_ = 0;  // Keyspace::AddReadyListener's id while started

  std::atomic<bool> stop_requested_{false};
  Mutex stop_mu_;
  std::condition_variable_any stop_cv_;

  Mutex log_mu_;

  std::unique_ptr<Persistence> persistence_;
  std::unique_ptr<Aof> aof_;
};

// server_commands.cc: AUTH, HELLO, CLIENT, RESET, SHUTDOWN, INFO, CONFIG, COMMAND.
void RegisterServerCommands(commands::CommandTable* table);

// client_command.cc: whether a pause in `mode` (not kNone) holds `argv` from `client`, as
// redis-server decides: a command it rejects first (unknown command or subcommand, wrong number
// of arguments, NOAUTH, not allowed inside MULTI) is answered at once; otherwise kAll holds
// everything, kWrite holds write commands (queuing one in MULTI too) and an EXEC whose queue has
// one. `resolved` is the command line resolved by table.Resolve.
bool HeldByPause(PauseMode mode, const commands::CommandTable& table,
                 const commands::ClientState& client, const commands::Resolved& resolved);

// pubsub_delivery.cc: the Subscriber of a connection (set by its loop when it registers it), and
// the loop whose thread this is (set by EventLoop::Run; deliveries from it append directly).
std::shared_ptr<Subscriber> NewConnectionSubscriber(const std::shared_ptr<Connection>& c);
void SetCurrentLoop(EventLoop* loop);
// Sends whole replies to a connection from any thread, with Pub/Sub's limits and wake-up.
// REQUIRES: `connection_subscriber` came from NewConnectionSubscriber.
void DeliverBytes(Subscriber* connection_subscriber, std::string bytes);

// Copies the hot-path parameters of `values` into `config`'s atomics.
void PublishRuntimeConfig(const ServerOptions& values, RuntimeConfig* config);

// Descriptors kept beside the clients' (listeners, epoll, logs, snapshots), as redis-server's
// CONFIG_MIN_RESERVED_FDS.
inline constexpr int kReservedFds = 32;
// As redis-server's adjustOpenFilesLimit: makes room for `maxclients` + kReservedFds open files,
// raising the soft RLIMIT_NOFILE if needed and allowed; returns the maxclients that fits (lower
// than asked when the limit could not be raised enough, logged as redis-server does), or 0 when
// not even one client fits.
int AdjustOpenFilesLimit(int maxclients, const std::function<void(LogLevel, std::string)>& log);

// The number of I/O loops when ServerOptions::io_threads is 0, for a machine with `cpus` CPUs.
int DefaultIoThreads(unsigned cpus);

// The numeric address and port of a socket address (IPv4 or IPv6); false for another family.
bool SockaddrToIp(const sockaddr_storage& ss, std::string* ip, int* port);

// Text helpers shared with tests.
std::string FormatAddress(std::string_view ip, int port);

}  // namespace embedis::server_internal

#endif  // EMBEDIS_SERVER_SERVER_STATE_H_
