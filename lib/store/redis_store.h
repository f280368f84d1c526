// RedisStore: the Store interface over a real Redis (or any server speaking
// RESP: Valkey, KeyDB, Dragonfly, embedis-server).
//
// Each Store method is one Redis command on a pooled connection of a Client
// (lib/client/client.h): Get is GET, Set is SET with PX / PXAT / KEEPTTL /
// NX / XX (and GET for SetGet), Expire is PEXPIRE with NX / XX / GT / LT,
// Scan is SCAN with MATCH / COUNT / TYPE, and so on. Replies are converted to
// the typed results; a Redis error reply becomes StatusFromRedisError's
// status; a reply of an unexpected type is kInternal. Works over RESP2 and
// RESP3 (HGetAll reads a flat array or a map alike).
//
//   absl::StatusOr<ClientOptions> options = ParseRedisUrl("redis://:pw@127.0.0.1:6379/2");
//   absl::StatusOr<std::unique_ptr<Store>> store = NewRedisStore(*options);
//
// The same store runs over a Redis Cluster (NewRedisClusterStore: each command goes through
// ClusterClient, lib/client/cluster.h, and the few typed methods whose keys may span slots use
// lib/store/cluster_commands.h) or over the primary Redis Sentinel names (NewRedisSentinelStore:
// SentinelClient, lib/client/sentinel.h).
//
// Most applications call OpenStore(url) (lib/store/store.h) instead.
//
// Failures: as Client's: server unreachable or lost kUnavailable, timeout
// kDeadlineExceeded (nothing is retried, since a command may have run).
//
// Thread safety: every method may be called from any thread.
#ifndef EMBEDIS_LIB_STORE_REDIS_STORE_H_
#define EMBEDIS_LIB_STORE_REDIS_STORE_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/client/client.h"
#include "lib/client/cluster.h"
#include "lib/client/options.h"
#include "lib/client/sentinel.h"
#include "lib/store/store.h"

namespace embedis {

// Connects (one connection, to report an unreachable server or a wrong
// password now) and returns the store.
absl::StatusOr<std::unique_ptr<Store>> NewRedisStore(const ClientOptions& options);

// A store over an existing client (shared with other users of it).
// REQUIRES: client != nullptr.
std::unique_ptr<Store> NewRedisStore(std::shared_ptr<Client> client);

// Parses a Redis URL into client options:
//
//   redis://[[user]:password@]host[:port][/db][?param=value&...]
//   rediss://...                            the same over TLS
//   redis://[::1]:6380/0                    IPv6 literal in brackets
//   unix://[[user]:password@]/path/to/redis.sock[?db=N&...]
//
// Defaults: host 127.0.0.1, port 6379, db 0. The user, password, socket path
// and parameter values are percent-decoded ("p%40ss" is "p@ss"). Parameters:
//   db=N                  (also the /db path)
//   timeout_ms=N          command_timeout
//   connect_timeout_ms=N  connect_timeout
//   pool=N                pool_size (>= 1)
//   pool_timeout_ms=N     pool_wait_timeout
//   protocol=2|3          RESP3 with HELLO 3 when 3
//   name=S                client_name (CLIENT SETNAME)
// and, with rediss:// only (ClientOptions::tls; the server is verified unless verify=none):
//   ca_file=PATH ca_dir=PATH   trusted CAs (default: the system's)
//   cert_file=PATH key_file=PATH   a client certificate (mutual TLS)
//   sni=NAME                   server name sent and verified (default: the host, if a name)
//   verify=full|none           none accepts any server certificate (tests only)
// Anything malformed is
// kInvalidArgument with a message naming the problem (bad port, bad db,
// unknown parameter, bad percent-encoding, ...).
absl::StatusOr<ClientOptions> ParseRedisUrl(std::string_view url);

// Redis Cluster (lib/client/cluster.h):
//
//   redis+cluster://[[user]:password@]host1[:port][,host2[:port]...][/0][?param=value&...]
//   rediss+cluster://...   TLS to every node (rediss://'s TLS parameters)
//
// Every host is a seed (IPv6 literals in brackets). The parameters of redis:// apply to every
// node connection (db must be 0), and:
//   read_from=primary|replica  read-only commands from replicas (READONLY)
//   wait_replicas=N            WAIT for N replicas after each write (0: never)
//   wait_timeout_ms=N          WAIT's timeout (default 1000)
//   max_redirects=N            MOVED/ASK followed per command (default 5)
//   max_retries=N              TRYAGAIN/CLUSTERDOWN/unreachable retries (default 10)
//   refresh_ms=N               periodic slot map refresh (default 10000; 0: off)
absl::StatusOr<ClusterOptions> ParseRedisClusterUrl(std::string_view url);

// Connects to the cluster (learns its slot map) and returns the store. The store's methods
// work as on one server, but methods over keys of several slots are not atomic across them
// (lib/store/cluster_commands.h); SCAN, DbSize and FlushDb cover every primary;
// EnableKeyspaceEvents adds the classes on every node (each publishes only its own keys'
// events), and Subscribe follows shard channels and keyspace events to the nodes that publish
// them (lib/store/cluster_subscriber.h).
absl::StatusOr<std::unique_ptr<Store>> NewRedisClusterStore(const ClusterOptions& options);

// Redis Sentinel (lib/client/sentinel.h):
//
//   redis+sentinel://[[user]:password@]s1[:port][,s2[:port]...]/master-name[/db][?param=value&...]
//   rediss+sentinel://...                     TLS to the sentinels and the servers (rediss://'s
//                                             TLS parameters apply to both)
//
// The hosts are sentinels (default port 26379); user and password are the primary's. The
// parameters of redis:// apply to the primary's connections, and:
//   sentinel_password=S sentinel_username=S   AUTH for the sentinels
//   max_retries=N                             retries while the primary is away (default 10)
//   read_from=primary|replica                 read-only commands from healthy replicas
absl::StatusOr<SentinelOptions> ParseRedisSentinelUrl(std::string_view url);

// Finds the primary through the sentinels and returns a store that follows its failovers.
absl::StatusOr<std::unique_ptr<Store>> NewRedisSentinelStore(const SentinelOptions& options);

}  // namespace embedis

#endif  // EMBEDIS_LIB_STORE_REDIS_STORE_H_
