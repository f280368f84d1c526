#include "server/config_table.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/commands/args.h"
#include "lib/keyspace/pubsub.h"
#include "lib/tls/tls.h"
#include "lib/util/strings.h"
#include "server/persistence.h"

namespace embedis {
namespace {

using commands::AsciiLower;
using commands::EqualsIgnoreCase;

using Error = std::optional<std::string>;
template <typename T>
using Field = T& (*)(ServerOptions&);

std::string Range(int64_t min, int64_t max) {
  return absl::StrCat("argument must be between ", min, " and ", max, " inclusive");
}

ConfigParam Base(std::string name, ConfigType type, bool modifiable, ConfigHook hook,
                 std::string help) {
  ConfigParam p;
  p.name = std::move(name);
  p.type = type;
  p.modifiable = modifiable;
  p.hook = hook;
  p.help = std::move(help);
  return p;
}

// Integers: redis-server's INTEGER_CONFIG (digits only) and MEMORY_CONFIG (with units).
template <typename T>
ConfigParam Number(std::string name, std::string alias, bool memory, int64_t min, int64_t max,
                   Field<T> field, bool modifiable, ConfigHook hook, std::string help) {
  ConfigParam p = Base(std::move(name), memory ? ConfigType::kMemory : ConfigType::kInt, modifiable,
                       hook, std::move(help));
  p.alias = std::move(alias);
  p.set = [=](ServerOptions& o, std::string_view text) -> Error {
    int64_t v;
    if (memory) {
      std::optional<int64_t> m = ParseMemorySize(text);
      if (!m) return "argument must be a memory value";
      v = *m;
    } else if (!commands::ParseInt64(text, &v)) {
      return "argument couldn't be parsed into an integer";
    }
    if (v < min || v > max) return Range(min, max);
    // Redis's unsigned int parameters (maxclients, timeout) stop at INT_MAX here.
    field(o) = static_cast<T>(std::min<int64_t>(v, std::numeric_limits<T>::max()));
    return std::nullopt;
  };
  p.get = [=](const ServerOptions& o) {
    return std::to_string(field(const_cast<ServerOptions&>(o)));
  };
  return p;
}

ConfigParam Int(std::string name, int64_t min, int64_t max, Field<int> field, bool modifiable,
                ConfigHook hook, std::string help) {
  return Number<int>(std::move(name), "", false, min, max, field, modifiable, hook,
                     std::move(help));
}

ConfigParam Memory(std::string name, int64_t min, int64_t max, Field<int64_t> field,
                   ConfigHook hook, std::string help) {
  return Number<int64_t>(std::move(name), "", true, min, max, field, true, hook, std::move(help));
}

ConfigParam Bool(std::string name, Field<bool> field, bool modifiable, ConfigHook hook,
                 std::string help) {
  ConfigParam p = Base(std::move(name), ConfigType::kBool, modifiable, hook, std::move(help));
  p.set = [=](ServerOptions& o, std::string_view text) -> Error {
    if (EqualsIgnoreCase(text, "yes")) {
      field(o) = true;
    } else if (EqualsIgnoreCase(text, "no")) {
      field(o) = false;
    } else {
      return "argument must be 'yes' or 'no'";
    }
    return std::nullopt;
  };
  p.get = [=](const ServerOptions& o) {
    return std::string(field(const_cast<ServerOptions&>(o)) ? "yes" : "no");
  };
  return p;
}

ConfigParam Enum(std::string name, std::vector<std::string> words, Field<std::string> field,
                 bool modifiable, ConfigHook hook, std::string help) {
  ConfigParam p = Base(std::move(name), ConfigType::kEnum, modifiable, hook,
                       absl::StrCat(help, " (", absl::StrJoin(words, ", "), ")"));
  p.set = [=](ServerOptions& o, std::string_view text) -> Error {
    for (const std::string& w : words) {
      if (EqualsIgnoreCase(text, w)) {
        field(o) = w;
        return std::nullopt;
      }
    }
    return absl::StrCat("argument(s) must be one of the following: ", absl::StrJoin(words, ", "));
  };
  p.get = [=](const ServerOptions& o) { return field(const_cast<ServerOptions&>(o)); };
  return p;
}

ConfigParam String(std::string name, Field<std::string> field, bool modifiable, ConfigHook hook,
                   std::string help) {
  ConfigParam p = Base(std::move(name), ConfigType::kString, modifiable, hook, std::move(help));
  p.set = [=](ServerOptions& o, std::string_view text) -> Error {
    field(o) = std::string(text);
    return std::nullopt;
  };
  p.get = [=](const ServerOptions& o) { return field(const_cast<ServerOptions&>(o)); };
  return p;
}

// A Redis parameter embedis reports but does not implement: only its reported value is accepted
// (in a config file or on the command line); CONFIG SET refuses it as immutable.
ConfigParam Fixed(std::string name, std::string value) {
  ConfigParam p;
  p.name = std::move(name);
  p.type = ConfigType::kString;
  p.help = "not implemented by embedis; only this value is accepted";
  p.set = [=](ServerOptions&, std::string_view text) -> Error {
    if (EqualsIgnoreCase(text, value)) return std::nullopt;
    return absl::StrCat("embedis does not implement this parameter; only '", value,
                        "' is accepted");
  };
  p.get = [=](const ServerOptions&) { return value; };
  return p;
}

ConfigParam Special(std::string name, bool modifiable, ConfigHook hook, std::string help,
                    std::function<Error(ServerOptions&, std::string_view)> set,
                    std::function<std::string(const ServerOptions&)> get) {
  ConfigParam p = Base(std::move(name), ConfigType::kSpecial, modifiable, hook, std::move(help));
  p.multi_word = true;
  p.set = std::move(set);
  p.get = std::move(get);
  return p;
}

std::vector<std::string> Words(std::string_view text) {
  return absl::StrSplit(ToAbsl(text), ' ', absl::SkipEmpty());
}

// client-output-buffer-limit: "<class> <hard> <soft> <soft seconds>"...; the classes named are
// changed, the others kept. Checked whole before anything changes, as redis-server.
Error SetOutputBufferLimits(ServerOptions& o, std::string_view text) {
  std::vector<std::string> w = Words(text);
  if (w.empty() || w.size() % 4 != 0) {
    return "Wrong number of arguments in buffer limit configuration.";
  }
  std::vector<std::pair<OutputBufferLimit*, OutputBufferLimit>> changes;
  OutputBufferLimit normal{o.client_output_buffer_limit, o.client_output_buffer_soft_limit,
                           o.client_output_buffer_soft_seconds};
  for (size_t i = 0; i < w.size(); i += 4) {
    const std::string cls = AsciiLower(w[i]);
    OutputBufferLimit* target = nullptr;
    if (cls == "normal") {
      target = &normal;
    } else if (cls == "replica" || cls == "slave") {
      target = &o.replica_output_buffer_limit;
    } else if (cls == "pubsub") {
      target = &o.pubsub_output_buffer_limit;
    } else {
      return "Invalid client class specified in buffer limit configuration.";
    }
    std::optional<int64_t> hard = ParseMemorySize(w[i + 1]);
    std::optional<int64_t> soft = ParseMemorySize(w[i + 2]);
    int64_t seconds;
    if (!hard || !soft || !commands::ParseInt64(w[i + 3], &seconds) || seconds < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
    changes.emplace_back(target, OutputBufferLimit{*hard, *soft, seconds});
  }
  for (const auto& [target, limit] : changes) *target = limit;
  o.client_output_buffer_limit = normal.hard;
  o.client_output_buffer_soft_limit = normal.soft;
  o.client_output_buffer_soft_seconds = normal.soft_seconds;
  return std::nullopt;
}

std::vector<ConfigParam> BuildTable() {
  using H = ConfigHook;
  std::vector<ConfigParam> t;
  // ---- Listening ----
  t.push_back(Special(
      "port", false, H::kNone, "TCP port; 0 picks a free one, -1 disables TCP",
      [](ServerOptions& o, std::string_view text) -> Error {
        int64_t v;
        if (!commands::ParseInt64(text, &v)) return "argument couldn't be parsed into an integer";
        if (v < -1 || v > 65535) return Range(-1, 65535);
        o.port = static_cast<int>(v);
        return std::nullopt;
      },
      // redis-server shows 0 for "no TCP"; a running server shows the port it bound.
      [](const ServerOptions& o) { return std::to_string(std::max(o.port, 0)); }));
  t.back().multi_word = false;
  t.push_back(Special(
      "bind", false, H::kNone,
      "addresses to listen on (IPv4 or IPv6, * for all, a leading - makes one optional)",
      [](ServerOptions& o, std::string_view text) -> Error {
        // Spaces, as redis.conf; commas too, as embedis-server's flag always took.
        std::vector<std::string> addresses =
            absl::StrSplit(ToAbsl(text), absl::ByAnyChar(" ,"), absl::SkipEmpty());
        if (addresses.empty()) return "Too few bind addresses specified.";
        o.bind = std::move(addresses);
        return std::nullopt;
      },
      [](const ServerOptions& o) { return absl::StrJoin(o.bind, " "); }));
  t.push_back(String(
      "unixsocket", [](ServerOptions& o) -> std::string& { return o.unixsocket; }, false, H::kNone,
      "unix socket path"));
  t.push_back(Special(
      "unixsocketperm", false, H::kNone, "unix socket permissions, octal (e.g. 700)",
      [](ServerOptions& o, std::string_view text) -> Error {
        int v = 0;
        if (text.empty() || text.size() > 4) return "argument must be an octal number";
        for (char ch : text) {
          if (ch < '0' || ch > '7') return "argument must be an octal number";
          v = v * 8 + (ch - '0');
        }
        if (v > 0777) return "argument must be between 0 and 777 inclusive";
        o.unixsocketperm = v;
        return std::nullopt;
      },
      [](const ServerOptions& o) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%o", o.unixsocketperm);
        return std::string(buf);
      }));
  t.back().multi_word = false;
  // ---- TLS (redis-server's tls-* names; CONFIG SET rebuilds the context, kTls; not the port) ----
  t.push_back(Int(
      "tls-port", 0, 65535, [](ServerOptions& o) -> int& { return o.tls.port; }, false, H::kNone,
      "TLS port (0: no TLS); plain and TLS ports serve at once"));
  t.push_back(String(
      "tls-cert-file", [](ServerOptions& o) -> std::string& { return o.tls.cert_file; }, true,
      H::kTls, "the server's TLS certificate (PEM)"));
  t.push_back(String(
      "tls-key-file", [](ServerOptions& o) -> std::string& { return o.tls.key_file; }, true,
      H::kTls, "the server's TLS private key (PEM)"));
  t.push_back(String(
      "tls-ca-cert-file", [](ServerOptions& o) -> std::string& { return o.tls.ca_cert_file; }, true,
      H::kTls, "CA certificates that client certificates must chain to (PEM)"));
  t.push_back(String(
      "tls-ca-cert-dir", [](ServerOptions& o) -> std::string& { return o.tls.ca_cert_dir; }, true,
      H::kTls, "a directory of CA certificates (c_rehash'ed)"));
  t.push_back(Enum(
      "tls-auth-clients", {"no", "yes", "optional"},
      [](ServerOptions& o) -> std::string& { return o.tls.auth_clients; }, true, H::kTls,
      "client certificates: required, not asked for, or verified when sent"));
  // Checked when the context is built (at start, or by CONFIG SET's hook), as redis-server does.
  t.push_back(String(
      "tls-protocols", [](ServerOptions& o) -> std::string& { return o.tls.protocols; }, true,
      H::kTls, "TLS versions to accept, e.g. \"TLSv1.2 TLSv1.3\" (the default when empty)"));
  t.push_back(String(
      "tls-ciphers", [](ServerOptions& o) -> std::string& { return o.tls.ciphers; }, true, H::kTls,
      "OpenSSL cipher list for TLSv1.2 and older (empty: OpenSSL's default)"));
  t.push_back(String(
      "tls-ciphersuites", [](ServerOptions& o) -> std::string& { return o.tls.ciphersuites; }, true,
      H::kTls, "TLSv1.3 cipher suites (empty: OpenSSL's default)"));
  t.push_back(Bool(
      "tls-prefer-server-ciphers",
      [](ServerOptions& o) -> bool& { return o.tls.prefer_server_ciphers; }, true, H::kTls,
      "the server's cipher order wins over the client's"));
  // ---- Security and clients ----
  t.push_back(String(
      "requirepass", [](ServerOptions& o) -> std::string& { return o.requirepass; }, true,
      H::kPassword, "password of the default user (empty: no AUTH needed)"));
  t.push_back(Bool(
      "protected-mode", [](ServerOptions& o) -> bool& { return o.protected_mode; }, true,
      H::kRuntime, "refuse non-loopback clients while no password is set"));
  t.push_back(Int(
      "databases", 1, INT_MAX, [](ServerOptions& o) -> int& { return o.databases; }, false,
      H::kNone, "number of databases"));
  t.push_back(Special(
      "shards", false, H::kNone, "keyspace shards (a power of two from 1 to 4096; embedis only)",
      [](ServerOptions& o, std::string_view text) -> Error {
        int64_t v;
        if (!commands::ParseInt64(text, &v)) return "argument couldn't be parsed into an integer";
        if (v < 1 || v > 4096 || (v & (v - 1)) != 0) {
          return "argument must be a power of two from 1 to 4096";
        }
        o.shards = static_cast<int>(v);
        return std::nullopt;
      },
      [](const ServerOptions& o) { return std::to_string(o.shards); }));
  t.back().multi_word = false;
  t.push_back(Int(
      "maxclients", 1, UINT_MAX, [](ServerOptions& o) -> int& { return o.maxclients; }, true,
      H::kMaxclients, "most connected clients"));
  t.push_back(Int(
      "timeout", 0, UINT_MAX, [](ServerOptions& o) -> int& { return o.timeout_seconds; }, true,
      H::kRuntime, "close clients idle for this many seconds (0: never)"));
  // Capped at kMaxProtoMaxBulkLen, the keyspace's key limit (Redis: LONG_MAX).
  t.push_back(Memory(
      "proto-max-bulk-len", 1024 * 1024, kMaxProtoMaxBulkLen,
      [](ServerOptions& o) -> int64_t& { return o.proto_max_bulk_len; }, H::kRuntime,
      "longest bulk argument"));
  t.push_back(Memory(
      "client-query-buffer-limit", 1024 * 1024, LLONG_MAX,
      [](ServerOptions& o) -> int64_t& { return o.client_query_buffer_limit; }, H::kRuntime,
      "most buffered input per client"));
  // ---- maxmemory (lib/keyspace/keyspace_eviction.cc) ----
  t.push_back(Memory(
      "maxmemory", 0, LLONG_MAX, [](ServerOptions& o) -> int64_t& { return o.maxmemory.maxmemory; },
      H::kEviction, "most bytes of data before maxmemory-policy applies (0: no limit)"));
  t.push_back(Special(
      "maxmemory-clients", true, H::kRuntime,
      "clients' memory (bytes, or N% of maxmemory) past which the clients using most are "
      "disconnected (0: never)",
      [](ServerOptions& o, std::string_view text) -> Error {
        if (!text.empty() && text.back() == '%') {
          int64_t pct;
          if (!commands::ParseInt64(text.substr(0, text.size() - 1), &pct) || pct < 0) {
            return "argument must be a memory or percent value";
          }
          if (pct > 100) return "percentage argument must be less or equal to 100";
          o.maxmemory_clients = -pct;
          return std::nullopt;
        }
        std::optional<int64_t> bytes = ParseMemorySize(text);
        if (!bytes || *bytes < 0) return "argument must be a memory or percent value";
        o.maxmemory_clients = *bytes;
        return std::nullopt;
      },
      [](const ServerOptions& o) {
        return o.maxmemory_clients < 0 ? absl::StrCat(-o.maxmemory_clients, "%")
                                       : std::to_string(o.maxmemory_clients);
      }));
  t.back().multi_word = false;
  t.push_back(Enum(
      "maxmemory-policy",
      {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
       "allkeys-lfu", "allkeys-random", "noeviction"},
      [](ServerOptions& o) -> std::string& { return o.maxmemory.policy; }, true, H::kEviction,
      "what to evict over maxmemory"));
  t.push_back(Int(
      "maxmemory-samples", 1, INT_MAX, [](ServerOptions& o) -> int& { return o.maxmemory.samples; },
      true, H::kEviction, "keys sampled per eviction"));
  t.push_back(Int(
      "maxmemory-eviction-tenacity", 0, 100,
      [](ServerOptions& o) -> int& { return o.maxmemory.tenacity; }, true, H::kEviction,
      "how long one command may spend evicting (0..100)"));
  t.push_back(Int(
      "lfu-log-factor", 0, INT_MAX,
      [](ServerOptions& o) -> int& { return o.maxmemory.lfu_log_factor; }, true, H::kEviction,
      "LFU counter growth: higher, slower"));
  t.push_back(Int(
      "lfu-decay-time", 0, INT_MAX,
      [](ServerOptions& o) -> int& { return o.maxmemory.lfu_decay_time; }, true, H::kEviction,
      "minutes per LFU counter decrement (0: never)"));
  t.push_back(Special(
      "notify-keyspace-events", true, H::kNotify,
      "keyspace notification classes (K E g $ l s h z x e t m d n A; \"\": none)",
      [](ServerOptions& o, std::string_view v) -> Error {
        std::optional<uint32_t> flags = ParseNotifyFlags(v);
        if (!flags) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        o.notify_keyspace_events = *flags;
        return std::nullopt;
      },
      [](const ServerOptions& o) { return NotifyFlagsString(o.notify_keyspace_events); }));
  t.push_back(Special("client-output-buffer-limit", true, H::kRuntime,
                      "\"<class> <hard> <soft> <seconds>\"...: queued replies past which a client "
                      "is disconnected (normal: no limit)",
                      SetOutputBufferLimits, FormatOutputBufferLimits));
  t.push_back(Int(
      "io-threads", 0, 128, [](ServerOptions& o) -> int& { return o.io_threads; }, false, H::kNone,
      "I/O threads (0: one per two CPUs, 1 to 4)"));
  t.push_back(Enum(
      "loglevel", {"debug", "verbose", "notice", "warning"},
      [](ServerOptions& o) -> std::string& { return o.loglevel; }, true, H::kRuntime,
      "log verbosity"));
  t.push_back(Special(
      "hz", true, H::kRuntime, "housekeeping frequency (clamped to 1..500, as redis-server)",
      [](ServerOptions& o, std::string_view text) -> Error {
        int64_t v;
        if (!commands::ParseInt64(text, &v)) return "argument couldn't be parsed into an integer";
        if (v < 0 || v > INT_MAX) return Range(0, INT_MAX);
        o.hz = static_cast<int>(std::clamp<int64_t>(v, 1, 500));
        return std::nullopt;
      },
      [](const ServerOptions& o) { return std::to_string(o.hz); }));
  t.back().multi_word = false;
  // ---- Snapshots ----
  t.push_back(Special(
      "save", true, H::kSaveRules,
      "save rules \"SECONDS CHANGES ...\": snapshot after CHANGES writes and SECONDS seconds; "
      "\"\" disables automatic saves and the save at shutdown",
      [](ServerOptions& o, std::string_view text) -> Error {
        absl::StatusOr<std::vector<SaveRule>> rules = ParseSaveRules(text);
        if (!rules.ok()) return std::string(rules.status().message());
        o.persistence.save = FormatSaveRules(*rules);
        return std::nullopt;
      },
      [](const ServerOptions& o) { return o.persistence.save; }));
  t.push_back(Bool(
      "stop-writes-on-bgsave-error",
      [](ServerOptions& o) -> bool& { return o.persistence.stop_writes_on_bgsave_error; }, true,
      H::kSaveRules, "refuse writes with MISCONF after a failed background save"));
  t.push_back(String(
      "dir", [](ServerOptions& o) -> std::string& { return o.persistence.dir; }, false, H::kNone,
      "directory of the snapshot file (default: where the server was started)"));
  t.push_back(Special(
      "dbfilename", false, H::kNone, "snapshot file name (embedis's own format, not Redis RDB)",
      [](ServerOptions& o, std::string_view text) -> Error {
        if (text.empty() || text.find('/') != std::string_view::npos) {
          return "dbfilename can't be a path, just a filename";
        }
        o.persistence.dbfilename = std::string(text);
        return std::nullopt;
      },
      [](const ServerOptions& o) { return o.persistence.dbfilename; }));
  t.back().multi_word = false;
  t.push_back(Special(
      "on-corrupt-snapshot", false, H::kNone,
      "refuse: a corrupt or truncated snapshot stops the start; start-empty: rename it to "
      "<file>.corrupt-<time> and start empty (embedis only)",
      [](ServerOptions& o, std::string_view text) -> Error {
        if (EqualsIgnoreCase(text, "refuse")) {
          o.persistence.start_empty_on_corrupt = false;
        } else if (EqualsIgnoreCase(text, "start-empty") || EqualsIgnoreCase(text, "start_empty")) {
          o.persistence.start_empty_on_corrupt = true;
        } else {
          return "argument(s) must be one of the following: refuse, start-empty";
        }
        return std::nullopt;
      },
      [](const ServerOptions& o) {
        return std::string(o.persistence.start_empty_on_corrupt ? "start-empty" : "refuse");
      }));
  t.back().multi_word = false;
  t.back().startup_only = true;
  // ---- Append-only file (server/aof.h) ----
  t.push_back(Bool(
      "appendonly", [](ServerOptions& o) -> bool& { return o.persistence.appendonly; }, true,
      H::kAof, "log every write to the append-only file (loaded at start instead of the dump)"));
  t.push_back(Enum(
      "appendfsync", {"everysec", "always", "no"},
      [](ServerOptions& o) -> std::string& { return o.persistence.appendfsync; }, true, H::kAof,
      "when the append-only file is fsynced"));
  auto plain_name = [&](std::string name, std::string what, Field<std::string> field,
                        std::string help) {
    t.push_back(Special(
        name, false, H::kNone, std::move(help),
        [=](ServerOptions& o, std::string_view text) -> Error {
          if (text.empty() || text.find('/') != std::string_view::npos || text == "." ||
              text == "..") {
            return absl::StrCat(name, " can't be a path, just a ", what);
          }
          field(o) = std::string(text);
          return std::nullopt;
        },
        [=](const ServerOptions& o) { return field(const_cast<ServerOptions&>(o)); }));
    t.back().multi_word = false;
  };
  plain_name(
      "appendfilename", "filename",
      [](ServerOptions& o) -> std::string& { return o.persistence.appendfilename; },
      "base name of the append-only files");
  plain_name(
      "appenddirname", "dirname",
      [](ServerOptions& o) -> std::string& { return o.persistence.appenddirname; },
      "folder of the append-only files, inside dir");
  t.push_back(Number<int64_t>(
      "auto-aof-rewrite-percentage", "", false, 0, INT_MAX,
      [](ServerOptions& o) -> int64_t& { return o.persistence.auto_aof_rewrite_percentage; }, true,
      H::kAof, "rewrite the append-only file when it grew by this percentage (0: never)"));
  t.push_back(Memory(
      "auto-aof-rewrite-min-size", 0, LLONG_MAX,
      [](ServerOptions& o) -> int64_t& { return o.persistence.auto_aof_rewrite_min_size; }, H::kAof,
      "no automatic rewrite below this size"));
  t.push_back(Bool(
      "aof-load-truncated",
      [](ServerOptions& o) -> bool& { return o.persistence.aof_load_truncated; }, true, H::kAof,
      "repair and load an append-only file cut short by a crash"));
  t.push_back(Bool(
      "aof-timestamp-enabled",
      [](ServerOptions& o) -> bool& { return o.persistence.aof_timestamp_enabled; }, true, H::kAof,
      "write #TS:<unix seconds> annotations into the append-only file"));
  t.push_back(Bool(
      "no-appendfsync-on-rewrite",
      [](ServerOptions& o) -> bool& { return o.persistence.no_appendfsync_on_rewrite; }, true,
      H::kAof, "no fsync of the append-only file while a rewrite or a background save runs"));
  t.push_back(Bool(
      "aof-rewrite-incremental-fsync",
      [](ServerOptions& o) -> bool& { return o.persistence.aof_rewrite_incremental_fsync; }, true,
      H::kAof, "fsync the rewritten append-only file every 4 MB"));
  // ---- Encodings (EncodingConfig): redis-server 7.0's names, aliases, ranges and defaults ----
  auto entries = [&](std::string name, std::string alias, Field<int64_t> field, H hook = H::kNone) {
    t.push_back(Number<int64_t>(std::move(name), std::move(alias), false, 0, LLONG_MAX, field, true,
                                hook, "encoding threshold (entries)"));
  };
  auto bytes = [&](std::string name, std::string alias, Field<int64_t> field, H hook = H::kNone) {
    t.push_back(Number<int64_t>(std::move(name), std::move(alias), true, 0, LLONG_MAX, field, true,
                                hook, "encoding threshold (bytes)"));
  };
  entries(
      "hash-max-listpack-entries", "hash-max-ziplist-entries",
      [](ServerOptions& o) -> int64_t& { return o.encoding.hash_max_listpack_entries; },
      H::kEncoding);
  bytes(
      "hash-max-listpack-value", "hash-max-ziplist-value",
      [](ServerOptions& o) -> int64_t& { return o.encoding.hash_max_listpack_value; },
      H::kEncoding);
  t.push_back(Number<int64_t>(
      "list-max-listpack-size", "list-max-ziplist-size", false, INT_MIN, INT_MAX,
      [](ServerOptions& o) -> int64_t& { return o.encoding.list_max_listpack_size; }, true,
      H::kNone, "list node size: entries if positive, -1..-5 for 4..64 KB"));
  t.push_back(Number<int64_t>(
      "list-compress-depth", "", false, 0, INT_MAX,
      [](ServerOptions& o) -> int64_t& { return o.encoding.list_compress_depth; }, true, H::kNone,
      "list nodes left uncompressed at each end (0: none compressed)"));
  entries(
      "set-max-intset-entries", "",
      [](ServerOptions& o) -> int64_t& { return o.encoding.set_max_intset_entries; }, H::kEncoding);
  entries("set-max-listpack-entries", "",
          [](ServerOptions& o) -> int64_t& { return o.encoding.set_max_listpack_entries; });
  bytes("set-max-listpack-value", "",
        [](ServerOptions& o) -> int64_t& { return o.encoding.set_max_listpack_value; });
  entries(
      "zset-max-listpack-entries", "zset-max-ziplist-entries",
      [](ServerOptions& o) -> int64_t& { return o.encoding.zset_max_listpack_entries; },
      H::kEncoding);
  bytes(
      "zset-max-listpack-value", "zset-max-ziplist-value",
      [](ServerOptions& o) -> int64_t& { return o.encoding.zset_max_listpack_value; },
      H::kEncoding);
  // ---- Scripts ----
  t.push_back(Number<int64_t>(
      "busy-reply-threshold", "lua-time-limit", false, 0, LLONG_MAX,
      [](ServerOptions& o) -> int64_t& { return o.busy_reply_threshold_ms; }, true, H::kScripts,
      "milliseconds a script runs before other clients get -BUSY and SCRIPT KILL can stop it (0: "
      "no limit)"));
  // ---- Reported for clients that ask; not implemented ----
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"aof-use-rdb-preamble", "yes"},
           {"tcp-keepalive", "300"},
           {"tcp-backlog", "511"},
           {"daemonize", "no"},
           {"supervised", "no"},
           {"logfile", ""},
           {"cluster-enabled", "no"},
           {"slowlog-log-slower-than", "10000"},
           {"slowlog-max-len", "128"},
           {"replica-read-only", "yes"},
           {"lazyfree-lazy-user-flush", "no"},
       }) {
    t.push_back(Fixed(name, value));
  }
  return t;
}

}  // namespace

std::string FormatOutputBufferLimits(const ServerOptions& o) {
  auto cls = [](std::string_view name, const OutputBufferLimit& l) {
    return absl::StrCat(ToAbsl(name), " ", l.hard, " ", l.soft, " ", l.soft_seconds);
  };
  return absl::StrCat(
      cls("normal", {o.client_output_buffer_limit, o.client_output_buffer_soft_limit,
                     o.client_output_buffer_soft_seconds}),
      " ", cls("slave", o.replica_output_buffer_limit), " ",
      cls("pubsub", o.pubsub_output_buffer_limit));
}

const std::vector<ConfigParam>& ConfigTable() {
  static const std::vector<ConfigParam>* table = new std::vector<ConfigParam>(BuildTable());
  return *table;
}

const ConfigParam* FindConfigParam(std::string_view name) {
  for (const ConfigParam& p : ConfigTable()) {
    if (EqualsIgnoreCase(name, p.name) || (!p.alias.empty() && EqualsIgnoreCase(name, p.alias))) {
      return &p;
    }
  }
  return nullptr;
}

std::optional<std::vector<std::string>> SplitConfigArgs(std::string_view line) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  auto blank = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; };
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i >= line.size()) return out;
    std::string word;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= line.size()) return std::nullopt;  // unterminated quotes
        if (line[i] == '\\' && i + 3 < line.size() && line[i + 1] == 'x' && hex(line[i + 2]) >= 0 &&
            hex(line[i + 3]) >= 0) {
          word.push_back(static_cast<char>(hex(line[i + 2]) * 16 + hex(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          switch (line[i]) {
            case 'n':
              word.push_back('\n');
              break;
            case 'r':
              word.push_back('\r');
              break;
            case 't':
              word.push_back('\t');
              break;
            case 'b':
              word.push_back('\b');
              break;
            case 'a':
              word.push_back('\a');
              break;
            default:
              word.push_back(line[i]);
              break;
          }
        } else if (line[i] == '"') {
          // The closing quote must be followed by a blank or the end.
          if (i + 1 < line.size() && !blank(line[i + 1])) return std::nullopt;
          done = true;
        } else {
          word.push_back(line[i]);
        }
      } else if (in_single) {
        if (i >= line.size()) return std::nullopt;
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          ++i;
          word.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < line.size() && !blank(line[i + 1])) return std::nullopt;
          done = true;
        } else {
          word.push_back(line[i]);
        }
      } else if (i >= line.size() || blank(line[i])) {
        done = true;
      } else if (line[i] == '"') {
        in_double = true;
      } else if (line[i] == '\'') {
        in_single = true;
      } else {
        word.push_back(line[i]);
      }
      if (i < line.size()) ++i;
    }
    out.push_back(std::move(word));
  }
}

absl::Status ApplyConfigDirective(const std::vector<std::string>& words, ServerOptions* options,
                                  std::vector<std::string>* seen) {
  if (words.empty()) return absl::OkStatus();
  const ConfigParam* p = FindConfigParam(words[0]);
  if (p == nullptr) {
    return absl::InvalidArgumentError("Bad directive or wrong number of arguments");
  }
  std::string value;
  if (p->multi_word) {
    // "save 3600 1" as "save" "3600 1"; a second save line adds its rules (redis.conf).
    value = absl::StrJoin(words.begin() + 1, words.end(), " ");
    const bool again = std::find(seen->begin(), seen->end(), p->name) != seen->end();
    if (again && p->name == "save" && !value.empty() && !options->persistence.save.empty()) {
      value = absl::StrCat(options->persistence.save, " ", value);
    }
    seen->push_back(p->name);
  } else if (words.size() == 2) {
    value = words[1];
  } else if (words.size() == 1 && p->type == ConfigType::kBool) {
    value = "yes";  // "--protected-mode" alone
  } else {
    return absl::InvalidArgumentError("wrong number of arguments");
  }
  if (Error e = p->set(*options, value)) return absl::InvalidArgumentError(*e);
  return absl::OkStatus();
}

namespace {

std::string FatalConfigError(std::string_view where, std::string_view line,
                             std::string_view message) {
  return absl::StrCat("\n*** FATAL CONFIG FILE ERROR (embedis-server) ***\n", ToAbsl(where),
                      "\n>>> '", ToAbsl(line), "'\n", ToAbsl(message));
}

absl::Status LoadConfigFileAt(const std::string& path, ServerOptions* options,
                              std::vector<std::string>* seen, int depth) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("Fatal error, can't open config file '", path, "': ", std::strerror(errno)));
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where =
        absl::StrCat("Reading the configuration file ", path, ", at line ", number);
    std::string_view trimmed = line;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) {
      trimmed.remove_prefix(1);
    }
    while (!trimmed.empty() &&
           (trimmed.back() == ' ' || trimmed.back() == '\t' || trimmed.back() == '\r')) {
      trimmed.remove_suffix(1);
    }
    if (trimmed.empty() || trimmed.front() == '#') continue;
    std::optional<std::vector<std::string>> words = SplitConfigArgs(trimmed);
    if (!words) {
      return absl::InvalidArgumentError(
          FatalConfigError(where, trimmed, "Unbalanced quotes in configuration line"));
    }
    if (words->empty()) continue;
    if (EqualsIgnoreCase((*words)[0], "include")) {
      if (words->size() != 2) {
        return absl::InvalidArgumentError(
            FatalConfigError(where, trimmed, "wrong number of arguments"));
      }
      std::string included = (*words)[1];
      if (!included.starts_with("/")) {
        const size_t slash = path.rfind('/');
        if (slash != std::string::npos)
          included = absl::StrCat(path.substr(0, slash + 1), included);
      }
      if (depth >= 16) {
        return absl::InvalidArgumentError(
            FatalConfigError(where, trimmed, "include nested too deeply (a loop?)"));
      }
      if (absl::Status s = LoadConfigFileAt(included, options, seen, depth + 1); !s.ok()) {
        return s.code() == absl::StatusCode::kNotFound
                   ? absl::InvalidArgumentError(
                         FatalConfigError(where, trimmed, FromAbsl(s.message())))
                   : s;
      }
      continue;
    }
    if (absl::Status s = ApplyConfigDirective(*words, options, seen); !s.ok()) {
      return absl::InvalidArgumentError(FatalConfigError(where, trimmed, FromAbsl(s.message())));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LoadConfigFile(const std::string& path, ServerOptions* options) {
  std::vector<std::string> seen;
  return LoadConfigFileAt(path, options, &seen, 0);
}

absl::Status ParseCommandLine(const std::vector<std::string>& args, ServerOptions* options,
                              std::string* config_file, bool* help) {
  *help = false;
  config_file->clear();
  size_t i = 1;
  if (i < args.size() && !args[i].starts_with("--") && args[i] != "-h") {
    *config_file = args[i++];
  }
  for (size_t k = i; k < args.size(); ++k) {
    if (args[k] == "--help" || args[k] == "-h" || args[k] == "--helpfull") {
      *help = true;
      return absl::OkStatus();
    }
  }
  if (!config_file->empty()) {
    if (absl::Status s = LoadConfigFile(*config_file, options); !s.ok()) return s;
  }
  std::vector<std::string> seen;  // the flags start afresh: "--save 60 1" replaces the file's
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (!arg.starts_with("--") || arg.size() == 2) {
      return absl::InvalidArgumentError(
          FatalConfigError("Reading the command line", arg,
                           "Bad directive or wrong number of arguments (options start with --)"));
    }
    std::vector<std::string> words;
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    for (char& ch : name) {
      if (ch == '_') ch = '-';
    }
    words.push_back(name);
    ++i;
    if (inline_value) {
      const ConfigParam* p = FindConfigParam(name);
      if (p != nullptr && p->multi_word) {
        for (std::string& w : Words(*inline_value)) words.push_back(std::move(w));
      } else {
        words.push_back(*inline_value);
      }
    }
    while (i < args.size() && !args[i].starts_with("--")) words.push_back(args[i++]);
    if (words.size() == 1 && FindConfigParam(name) != nullptr &&
        FindConfigParam(name)->multi_word && !inline_value) {
      words.push_back("");  // "--save" alone: as --save ""
    }
    if (absl::Status s = ApplyConfigDirective(words, options, &seen); !s.ok()) {
      std::vector<std::string> quoted;
      for (size_t w = 1; w < words.size(); ++w)
        quoted.push_back(absl::StrCat("\"", words[w], "\""));
      return absl::InvalidArgumentError(FatalConfigError(
          "Reading the command line",
          absl::StrCat("--", name, quoted.empty() ? "" : " ", absl::StrJoin(quoted, " ")),
          FromAbsl(s.message())));
    }
  }
  return absl::OkStatus();
}

std::string ConfigUsage() {
  std::string out =
      "Usage: embedis-server [/path/to/embedis.conf] [--name value ...]\n"
      "The config file has redis.conf's syntax (`name value...` lines, # comments, quotes,\n"
      "include); options on the command line override it. Sizes take Redis's units (1gb, "
      "512mb).\n\n";
  const ServerOptions defaults;
  for (const ConfigParam& p : ConfigTable()) {
    if (p.help.starts_with("not implemented")) continue;
    absl::StrAppend(&out, "  --", p.name, p.alias.empty() ? "" : absl::StrCat(" (--", p.alias, ")"),
                    "\n      ", p.help, ". Default: \"", p.get(defaults), "\"",
                    p.modifiable ? "; CONFIG SET may change it" : "", "\n");
  }
  return out;
}

}  // namespace embedis
