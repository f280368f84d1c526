// ServerOptions: how an embedis Server listens and what limits it enforces.
//
// The field names follow redis-server's configuration options (`port`, `bind`, `requirepass`,
// `maxclients`, `timeout`, `proto-max-bulk-len`, `client-query-buffer-limit`, ...), so the
// embedis-server flags, CONFIG GET and this struct say the same thing.
//
//   ServerOptions options;
//   options.port = 0;                      // any free port; Server::port() tells which
//   options.requirepass = "s3cret";
//   Server server(&app_keyspace, options);
//
// Also here: Redis's memory-size syntax ("1gb", "512mb", "64k") and the protected-mode decision,
// both pure functions so that they are unit-tested on their own.
//
// Thread safety: plain data and pure functions.
#ifndef EMBEDIS_SERVER_OPTIONS_H_
#define EMBEDIS_SERVER_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/tls/tls.h"
#include "lib/util/memory_size.h"

namespace embedis {

// Snapshots (server/persistence.h): the dump file, when it is written, and what happens to a
// damaged one at start. Named as redis-server's `dir`, `dbfilename` and `save`.
struct PersistenceOptions {
  // Off for an embedded Server unless set (nothing is loaded or written, SAVE/BGSAVE reply an
  // error); embedis-server turns it on. Default: false.
  bool enabled = false;
  // Directory of the dump file; "" is the current directory. Default: "".
  std::string dir;
  // The dump file's name (not a path). Default: "dump.embedis": the format is embedis's own, not
  // Redis's RDB, so it does not take redis-server's "dump.rdb".
  std::string dbfilename = "dump.embedis";
  // Save rules "SECONDS CHANGES [SECONDS CHANGES ...]": save in the background when at least
  // CHANGES writes happened and SECONDS passed since the last save. "" disables automatic saves
  // (and the save at shutdown). Default: Redis's "3600 1 300 100 60 10000".
  std::string save = "3600 1 300 100 60 10000";
  // A corrupt or truncated dump file at start: false refuses to start (Server::Start() fails
  // naming the file and the problem); true renames it to "<file>.corrupt-<unix seconds>" and
  // starts empty. A file of a newer format version is refused either way. Default: false.
  bool start_empty_on_corrupt = false;
  // After a failed background save, refuse write commands (and PING) with MISCONF until a save
  // succeeds, when save rules are set (Redis's stop-writes-on-bgsave-error). Default: true.
  bool stop_writes_on_bgsave_error = true;

  // The append-only file (server/aof.h), named as redis-server 7.0's parameters.
  // appendonly: log every write; at start the log, when it exists, is loaded instead of the dump
  // file. Default: false.
  bool appendonly = false;
  // appendfsync: "always" (fsync before the replies leave), "everysec", "no". Default: everysec.
  std::string appendfsync = "everysec";
  // appendfilename: the files' base name (a plain name). Default: "appendonly.aof".
  std::string appendfilename = "appendonly.aof";
  // appenddirname: the folder of the files, inside `dir`. Default: "appendonlydir".
  std::string appenddirname = "appendonlydir";
  // auto-aof-rewrite-percentage / -min-size: rewrite when the log grew by this percentage over
  // its size after the last rewrite and is at least this big. 0: never. Default: 100, 64 MB.
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64 << 20;
  // aof-load-truncated: a log cut short (crash mid-write) is repaired (truncated to its last
  // complete command) and loaded; false refuses to start. Default: true.
  bool aof_load_truncated = true;
  // aof-timestamp-enabled: "#TS:<unix seconds>" annotations in the log. Default: false.
  bool aof_timestamp_enabled = false;
  // no-appendfsync-on-rewrite: no fsync of the log while a rewrite or a BGSAVE runs. Default:
  // false.
  bool no_appendfsync_on_rewrite = false;
  // aof-rewrite-incremental-fsync: fsync the new base every 4 MB while a rewrite writes it.
  // Default: true.
  bool aof_rewrite_incremental_fsync = true;
};

// Redis's encoding-tuning parameters, with redis-server 7.0's defaults (7.2's for the
// set-max-listpack pair, which 7.0 does not have). Accepted, reported and settable so that tools
// and redis.conf files that set them keep working; how the keyspace uses them is its own
// business (OBJECT ENCODING may consult them). Sizes are in entries or bytes, as in Redis.
struct EncodingConfig {
  int64_t hash_max_listpack_entries = 512;  // alias hash-max-ziplist-entries
  int64_t hash_max_listpack_value = 64;     // alias hash-max-ziplist-value
  int64_t list_max_listpack_size = -2;      // alias list-max-ziplist-size; < 0: -1..-5 = 4..64 KB
  int64_t list_compress_depth = 0;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;  // alias zset-max-ziplist-entries
  int64_t zset_max_listpack_value = 64;     // alias zset-max-ziplist-value
  bool operator==(const EncodingConfig&) const = default;
};

// maxmemory and its policy (lib/keyspace/keyspace_eviction.cc), as redis-server's parameters with
// their defaults and ranges.
struct MaxmemoryConfig {
  int64_t maxmemory = 0;  // bytes; 0: no limit
  std::string policy = "noeviction";
  int samples = 5;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes
  int tenacity = 10;       // maxmemory-eviction-tenacity
  bool operator==(const MaxmemoryConfig&) const = default;
};

// One client class's output buffer limits (redis-server's client-output-buffer-limit): in Redis,
// past `hard` bytes of queued replies, or past `soft` bytes for `soft_seconds` in a row, the
// client is disconnected. 0 disables a limit. embedis enforces the normal class's limits; the
// other classes are kept and reported (CONFIG GET) as set.
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
  bool operator==(const OutputBufferLimit&) const = default;
};

// The largest proto-max-bulk-len embedis accepts: the keyspace's key limit (1 GiB - 1), so no
// key, hash field or value from a client can exceed what an entry can hold. Redis accepts any
// size; its default, 512 MB, is below this.
inline constexpr int64_t kMaxProtoMaxBulkLen = (int64_t{1} << 30) - 1;  // = Keyspace::kMaxKeyBytes

// TLS, as redis-server's tls-* parameters (the same names on the command line, in a config file
// and in CONFIG GET): tls-cert-file, tls-key-file, tls-ca-cert-file, tls-ca-cert-dir,
// tls-auth-clients and tls-protocols are tls::ServerConfig's fields (lib/tls/tls.h, with
// redis-server's defaults). Off unless `port` is set; then plain and TLS ports serve at once (set
// ServerOptions::port to -1 for TLS only).
struct TlsServerOptions : tls::ServerConfig {
  // tls-port: the TLS port; 0 (the default): no TLS, as in redis-server.
  int port = 0;
};

struct ServerOptions {
  // The config file the server started from (absolute; "" for none): INFO's config_file, and what
  // CONFIG REWRITE writes. Not a parameter itself. Default: "".
  std::string config_file;
  // TCP port. 0 picks a free port (see Server::port()); -1 listens on no TCP port at all (unix
  // socket only). Note: redis-server's `port 0` means "no TCP"; here that is -1. Default: 6379.
  int port = 6379;
  // Addresses to listen on (IPv4 or IPv6). "*" is every IPv4 address, "::*" every IPv6 address;
  // a leading '-' makes an address optional (a failure to bind it is not an error), as in Redis.
  // Default: 127.0.0.1.
  std::vector<std::string> bind = {"127.0.0.1"};
  // Unix socket path (empty: none) and its permission bits (0: leave the umask's).
  std::string unixsocket;
  int unixsocketperm = 0;
  // TLS (tls-port, tls-cert-file, ...); off by default.
  TlsServerOptions tls;
  // Password of the default user; empty: no AUTH needed.
  std::string requirepass;
  // Refuse clients that do not connect from loopback or the unix socket while no password is set.
  bool protected_mode = true;
  // Only used when the Server owns its keyspace: databases and shards. Defaults: 16, 16.
  int databases = 16;
  int shards = 16;
  // Most connected clients; one more is told `-ERR max number of clients reached`.
  int maxclients = 10000;
  // Close a client idle for this many seconds; 0: never. Default: 0.
  int timeout_seconds = 0;
  // Longest bulk argument a client may send. Default: 512 MB. At most kMaxProtoMaxBulkLen
  // (larger values are lowered to it).
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  // Most unparsed bytes buffered for one client before it is disconnected. Default: 1 GB.
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  // maxmemory-clients (Redis 7's client eviction): when the clients' memory together (CLIENT
  // LIST tot-mem) reaches this many bytes, or, negative, this percentage of maxmemory, the
  // clients using most are disconnected. 0: never. At least 128 KB when set, as Redis.
  int64_t maxmemory_clients = 0;
  // Hard limit on the replies queued for one normal client (one that does not read them): past
  // it the client is disconnected. 0: no limit. Default: 0, as redis-server's
  // `client-output-buffer-limit normal 0 0 0` (a 300 MB value can be read back).
  int64_t client_output_buffer_limit = 0;
  // The normal class's soft limit and its seconds (see OutputBufferLimit): a client whose queued
  // replies stay past `soft` for more than `soft_seconds` is disconnected. Default: 0, 0.
  int64_t client_output_buffer_soft_limit = 0;
  int64_t client_output_buffer_soft_seconds = 0;
  // The replica and pubsub classes: kept and reported (embedis has neither kind of client yet).
  // Defaults: redis-server's.
  OutputBufferLimit replica_output_buffer_limit{256LL << 20, 64LL << 20, 60};
  OutputBufferLimit pubsub_output_buffer_limit{32LL << 20, 8LL << 20, 60};
  // A client whose queued replies exceed this runs no more commands until they drain
  // (backpressure; it is still read, so a client that writes a whole pipeline before reading
  // finishes its write): this bounds the replies queued for a pipelining client that reads
  // slowly; the commands wait in its query buffer instead. Default: 1 MB.
  int64_t client_output_pause = 1024 * 1024;
  // I/O threads, each running an epoll loop over its share of the connections. 0: automatic,
  // one per two hardware threads, from 1 to 4 (the clients, or the embedding application, need
  // CPUs too).
  int io_threads = 0;
  // Fairness: commands run for one connection before the loop turns to the others. Default: 512.
  int max_commands_per_turn = 512;
  // Housekeeping frequency (idle timeouts, statistics) per second. Default: 10.
  int hz = 10;
  // busy-reply-threshold (alias lua-time-limit): after a script has run this long, other clients
  // get -BUSY and SCRIPT KILL / FUNCTION KILL can stop it. 0: no limit. Default: 5000 ms.
  int64_t busy_reply_threshold_ms = 5000;
  // "debug", "verbose", "notice" or "warning". Logs go to stderr. Default: "notice".
  std::string loglevel = "notice";
  // Called (on an I/O thread) when a client sends SHUTDOWN. Default (unset): Server::RequestStop().
  // The connection that sent SHUTDOWN is closed without a reply, as redis-server does.
  std::function<void()> on_shutdown;
  // Snapshots; off unless persistence.enabled.
  PersistenceOptions persistence;
  // notify-keyspace-events as NotifyClass bits (lib/keyspace/pubsub.h). Default: 0 (none).
  uint32_t notify_keyspace_events = 0;
  // Encoding-tuning parameters (CONFIG GET/SET hash-max-listpack-entries, ...).
  EncodingConfig encoding;
  // maxmemory, maxmemory-policy, maxmemory-samples, lfu-log-factor, lfu-decay-time,
  // maxmemory-eviction-tenacity. Default: no limit.
  MaxmemoryConfig maxmemory;
};

// ParseMemorySize (Redis's "100mb") is in lib/util/memory_size.h.

// Protected mode, as redis-server 7: with protected mode on and no password for the default
// user, a client that does not come from a loopback address or the unix socket is refused with
// ProtectedModeError(). (When the server is bound only to loopback no such client can connect.)
bool ProtectedModeRefuses(bool protected_mode, bool has_password, bool client_is_local);
// `-DENIED Redis is running in protected mode ...` without the leading '-' and the CRLF.
std::string_view ProtectedModeError();

// True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses given as text.
bool IsLoopbackAddress(std::string_view ip);

}  // namespace embedis

#endif  // EMBEDIS_SERVER_OPTIONS_H_
