// ClientOptions: where and how the Redis client connects.
//
// A plain struct with defaults; every field may be left alone. ParseRedisUrl
// (lib/store/redis_store.h) fills one from a redis:// or unix:// URL.
//
//   ClientOptions options;
//   options.host = "::1";
//   options.port = 6380;
//   options.password = "secret";
//   options.command_timeout = absl::Milliseconds(200);
//   absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(options);
//
// TLS (rediss://): set tls.enabled; the server's certificate is verified against the system's CAs
// (or tls.ca_file / tls.ca_dir) and must name `host`:
//
//   options.tls.enabled = true;
//   options.tls.ca_file = "/etc/redis/ca.crt";
//   options.tls.cert_file = "client.crt";      // mutual TLS, when the server wants it
//   options.tls.key_file = "client.key";
//
// Thread safety: a plain value type.
#ifndef EMBEDIS_LIB_CLIENT_OPTIONS_H_
#define EMBEDIS_LIB_CLIENT_OPTIONS_H_

#include <string>

#include "absl/time/time.h"

namespace embedis {

// TLS settings of a client connection (redis-cli's --tls, --cacert, --cacertdir, --cert, --key,
// --sni, --insecure).
struct TlsClientOptions {
  // Speak TLS (rediss://). Not over a unix socket. Default: false.
  bool enabled = false;
  // Verify the server: its certificate chain against the trusted CAs, and that it names the host
  // (`host`, or `sni` when set; an IP literal must be one of the certificate's IP addresses).
  // False (verify=none) accepts any server: only for tests and trusted networks. Default: true.
  bool verify_peer = true;
  // Trusted CAs: a PEM file and/or a c_rehash'ed directory. Both empty: the system's store.
  std::string ca_file;
  std::string ca_dir;
  // A client certificate and its key (PEM), for servers that require one. Both or none.
  std::string cert_file;
  std::string key_file;
  // The server name sent in the handshake (SNI) and verified in the certificate. Empty: `host`
  // when it is a name; none for an IP literal.
  std::string sni;
};

struct ClientOptions {
  // TCP: a host name or an IPv4/IPv6 literal (without brackets), resolved with
  // getaddrinfo; every address is tried in order ("localhost" may give ::1
  // and 127.0.0.1). Name resolution itself is not bounded by connect_timeout.
  std::string host = "127.0.0.1";
  int port = 6379;
  // When not empty, connect to this Unix domain socket instead of host:port.
  std::string unix_socket;

  // AUTH: sent when `password` is not empty; with `username` too (an ACL
  // user) when that is not empty, else as the "default" user.
  std::string username;
  std::string password;
  // SELECT db after connecting (when not 0).
  int db = 0;
  // CLIENT SETNAME (or HELLO ... SETNAME) when not empty.
  std::string client_name;
  // Speak RESP3 (HELLO 3). Replies then carry RESP3 types (maps, doubles,
  // booleans, nulls); RESP3 push messages are discarded (see connection.h).
  bool resp3 = false;

  // Send READONLY after connecting (reads from a Redis Cluster replica). Default: false.
  bool readonly = false;

  // TLS; off unless tls.enabled.
  TlsClientOptions tls;

  // Bounds establishing one connection: the TCP (or Unix) connect and the TLS handshake. The
  // handshake commands (HELLO, AUTH, SELECT, ...) are bounded by
  // command_timeout.
  absl::Duration connect_timeout = absl::Seconds(1);
  // Bounds one command or one pipeline: from the first byte written to the
  // last byte of the last reply read. On expiry the call fails with
  // kDeadlineExceeded and the connection is closed.
  absl::Duration command_timeout = absl::Seconds(5);

  // Client only: the most connections open at once.
  int pool_size = 8;
  // Client only: how long a call waits for a connection when all pool_size
  // are busy, before failing with kDeadlineExceeded ("pool exhausted").
  absl::Duration pool_wait_timeout = absl::Seconds(1);
  // Client only: after a failed connection attempt, new attempts are not made
  // (calls that need a new connection fail fast with kUnavailable) for
  // reconnect_backoff_initial, doubling after each further failure up to
  // reconnect_backoff_max. A successful connection resets it.
  absl::Duration reconnect_backoff_initial = absl::Milliseconds(10);
  absl::Duration reconnect_backoff_max = absl::Seconds(1);
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_CLIENT_OPTIONS_H_
