// embedis-server's TLS parameters at run time, as redis-server 7.0: CONFIG SET tls-cert-file /
// tls-key-file / tls-ca-cert-file / tls-auth-clients / tls-protocols / tls-ciphers /
// tls-ciphersuites / tls-prefer-server-ciphers rebuild the TLS context (new connections use it,
// open ones keep theirs); a bad value is refused with redis-server's text and the old context
// stays. Replies are compared byte for byte with a redis-server started with TLS, and the
// ciphers are checked from the outside with `openssl s_client` and `redis-cli --tls`.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/connection.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/status_matchers.h"
#include "server/options.h"
#include "server/server.h"
#include "tests/server/net_test_util.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/tls_certs.h"

namespace embedis {
namespace {

using ::embedis::testing::FindExecutable;
using ::embedis::testing::FreeLoopbackPort;
using ::embedis::testing::RawRespConnection;
using ::embedis::testing::RedisServerProcess;
using ::embedis::testing::RunShell;
using ::embedis::testing::ShellQuote;
using ::embedis::testing::StatusIs;
using ::embedis::testing::TestPki;
using ::testing::HasSubstr;

const TestPki& Pki() { return testing::SharedTestPki(); }

// embedis-server with a plain port (for CONFIG) and a TLS port (server certificate of the CA,
// client certificates not asked for).
struct EmbedisTls {
  Keyspace keyspace;
  std::unique_ptr<Server> server;
  absl::Status Start() {
    ServerOptions o;
    o.port = 0;
    o.loglevel = "warning";
    o.io_threads = 2;
    o.tls.cert_file = Pki().server_crt;
    o.tls.key_file = Pki().server_key;
    o.tls.ca_cert_file = Pki().ca_crt;
    o.tls.auth_clients = "no";
    absl::Status s;
    for (int attempt = 0; attempt < 5; ++attempt) {
      o.tls.port = FreeLoopbackPort();
      server = std::make_unique<Server>(&keyspace, o);
      s = server->Start();
      if (s.ok() || !absl::IsUnavailable(s)) return s;
    }
    return s;
  }
};

ClientOptions TlsClient(int port, const std::string& ca) {
  ClientOptions o;
  o.port = port;
  o.connect_timeout = absl::Seconds(3);
  o.tls.enabled = true;
  o.tls.ca_file = ca;
  return o;
}

std::string Call(int port, std::initializer_list<std::string_view> argv) {
  RawRespConnection c;
  if (!c.Connect(port).ok()) return "(no connection)";
  return c.Call(argv);
}

// `openssl s_client` against 127.0.0.1:`port` with extra arguments; its output (stdout and
// stderr) and whether the handshake completed.
std::string SClient(int port, const std::string& args, bool* connected) {
  int code = 0;
  std::string out =
      RunShell(absl::StrCat("echo Q | timeout 10 openssl s_client -connect 127.0.0.1:", port,
                            " -CAfile ", ShellQuote(Pki().ca_crt), " ", args, " 2>&1"),
               &code);
  // "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256", or "New, (NONE), Cipher is (NONE)".
  *connected = out.find(", Cipher is ") != std::string::npos &&
               out.find("Cipher is (NONE)") == std::string::npos;
  return out;
}

TEST(ServerTlsReload, NewCertificateForNewConnectionsOldOnesKeepTheirs) {
  EmbedisTls e;
  ASSERT_OK(e.Start());
  const int tls_port = e.server->tls_port();
  absl::StatusOr<std::unique_ptr<Connection>> before =
      Connection::Open(TlsClient(tls_port, Pki().ca_crt));
  ASSERT_OK(before);
  ASSERT_OK((*before)->Command({"SET", "k", "v"}));

  // A certificate of another CA.
  EXPECT_EQ(Call(e.server->port(), {"CONFIG", "SET", "tls-cert-file", Pki().other_server_crt,
                                    "tls-key-file", Pki().other_server_key}),
            "+OK\r\n");
  EXPECT_THAT(Connection::Open(TlsClient(tls_port, Pki().ca_crt)).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate verify failed")));
  absl::StatusOr<std::unique_ptr<Connection>> after =
      Connection::Open(TlsClient(tls_port, Pki().other_ca_crt));
  ASSERT_OK(after);
  EXPECT_EQ((*after)->Command({"GET", "k"})->str(), "v");
  // The connection made before the change goes on.
  EXPECT_EQ((*before)->Command({"GET", "k"})->str(), "v");

  // redis-cli --tls sees the new certificate too.
  if (!FindExecutable("redis-cli").empty()) {
    int code = 0;
    std::string out =
        RunShell(absl::StrCat("timeout 10 redis-cli --tls --cacert ",
                              ShellQuote(Pki().other_ca_crt), " -p ", tls_port, " PING 2>&1"),
                 &code);
    EXPECT_EQ(out, "PONG\n");
  } else {
    ADD_FAILURE() << "redis-cli not found; install redis-tools";
  }

  // A bad file is refused with redis-server's text; the context in use stays.
  EXPECT_EQ(Call(e.server->port(), {"CONFIG", "SET", "tls-cert-file", "/nonexistent.crt"}),
            "-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to "
            "update TLS configuration. Check server logs.\r\n");
  EXPECT_THAT(Call(e.server->port(), {"CONFIG", "GET", "tls-cert-file"}),
              HasSubstr(Pki().other_server_crt));
  EXPECT_OK(Connection::Open(TlsClient(tls_port, Pki().other_ca_crt)));
  // A key that does not match the certificate: refused as a whole (both parameters unchanged).
  EXPECT_THAT(Call(e.server->port(), {"CONFIG", "SET", "tls-cert-file", Pki().server_crt,
                                      "tls-key-file", Pki().client_key}),
              HasSubstr("Unable to update TLS configuration"));
  EXPECT_OK(Connection::Open(TlsClient(tls_port, Pki().other_ca_crt)));

  // Client certificates become required for new connections.
  EXPECT_EQ(Call(e.server->port(), {"CONFIG", "SET", "tls-auth-clients", "yes"}), "+OK\r\n");
  absl::StatusOr<std::unique_ptr<Connection>> no_cert =
      Connection::Open(TlsClient(tls_port, Pki().other_ca_crt));
  absl::Status refused = no_cert.status();
  if (no_cert.ok()) refused = (*no_cert)->Command({"PING"}).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable));
  ClientOptions with_cert = TlsClient(tls_port, Pki().other_ca_crt);
  with_cert.tls.cert_file = Pki().client_crt;
  with_cert.tls.key_file = Pki().client_key;
  absl::StatusOr<std::unique_ptr<Connection>> mutual = Connection::Open(with_cert);
  ASSERT_OK(mutual);
  EXPECT_OK((*mutual)->Command({"PING"}));
  e.server->Stop();
}

TEST(ServerTlsReload, CiphersAreAppliedToOpenSsl) {
  if (FindExecutable("openssl").empty()) GTEST_FAIL() << "openssl not found; install openssl";
  EmbedisTls e;
  ASSERT_OK(e.Start());
  const int port = e.server->port();
  const int tls_port = e.server->tls_port();
  bool connected = false;
  // TLSv1.3: only the suite the server allows.
  ASSERT_EQ(Call(port, {"CONFIG", "SET", "tls-ciphersuites", "TLS_AES_128_GCM_SHA256"}), "+OK\r\n");
  std::string out = SClient(tls_port, "-tls1_3", &connected);
  EXPECT_TRUE(connected) << out;
  EXPECT_THAT(out, HasSubstr("TLS_AES_128_GCM_SHA256"));
  out = SClient(tls_port, "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256", &connected);
  EXPECT_FALSE(connected) << out;
  // TLSv1.2: the cipher list, and the server's order with tls-prefer-server-ciphers.
  ASSERT_EQ(Call(port, {"CONFIG", "SET", "tls-ciphers",
                        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256",
                        "tls-prefer-server-ciphers", "yes"}),
            "+OK\r\n");
  out = SClient(tls_port,
                "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
                &connected);
  EXPECT_TRUE(connected) << out;
  EXPECT_THAT(out, HasSubstr("ECDHE-ECDSA-AES256-GCM-SHA384"));  // the server's first choice
  ASSERT_EQ(Call(port, {"CONFIG", "SET", "tls-prefer-server-ciphers", "no"}), "+OK\r\n");
  out = SClient(tls_port,
                "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
                &connected);
  EXPECT_TRUE(connected) << out;
  EXPECT_THAT(out, HasSubstr("ECDHE-ECDSA-AES128-GCM-SHA256"));  // the client's first choice
  out = SClient(tls_port, "-tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305", &connected);
  EXPECT_FALSE(connected) << out;
  // A bad list changes nothing.
  EXPECT_THAT(Call(port, {"CONFIG", "SET", "tls-ciphers", "BOGUS"}),
              HasSubstr("Unable to update TLS configuration"));
  out = SClient(tls_port, "-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256", &connected);
  EXPECT_TRUE(connected) << out;
  e.server->Stop();
}

// The same CONFIG SET / GET on redis-server 7 (plain and TLS ports) and on embedis-server.
TEST(ServerTlsReload, RepliesMatchRedisServer) {
  EmbedisTls e;
  ASSERT_OK(e.Start());
  RedisServerProcess redis;
  const int redis_tls_port = FreeLoopbackPort();
  ASSERT_OK(redis.Start({"--tls-port", std::to_string(redis_tls_port), "--tls-cert-file",
                         Pki().server_crt, "--tls-key-file", Pki().server_key, "--tls-ca-cert-file",
                         Pki().ca_crt, "--tls-auth-clients", "no"}));
  const std::vector<std::vector<std::string>> commands = {
      {"CONFIG", "GET", "tls-ciphers"},
      {"CONFIG", "GET", "tls-ciphersuites"},
      {"CONFIG", "GET", "tls-prefer-server-ciphers"},
      {"CONFIG", "GET", "tls-protocols"},
      {"CONFIG", "GET", "tls-auth-clients"},
      {"CONFIG", "SET", "tls-cert-file", "/nonexistent.crt"},
      {"CONFIG", "SET", "tls-key-file", Pki().client_key},
      {"CONFIG", "SET", "tls-ca-cert-file", "/nonexistent-ca.crt"},
      {"CONFIG", "SET", "tls-ciphers", "BOGUS"},
      {"CONFIG", "SET", "tls-ciphersuites", "BOGUS"},
      {"CONFIG", "SET", "tls-protocols", "SSLv3"},
      {"CONFIG", "SET", "tls-prefer-server-ciphers", "maybe"},
      {"CONFIG", "SET", "tls-auth-clients", "maybe"},
      {"CONFIG", "SET", "tls-ciphers", "HIGH:!aNULL", "tls-ciphersuites", "TLS_AES_256_GCM_SHA384",
       "tls-prefer-server-ciphers", "yes"},
      {"CONFIG", "GET", "tls-ciphers"},
      {"CONFIG", "GET", "tls-ciphersuites"},
      {"CONFIG", "GET", "tls-prefer-server-ciphers"},
      {"CONFIG", "SET", "tls-protocols", "TLSv1.2"},
      {"CONFIG", "GET", "tls-protocols"},
      {"CONFIG", "SET", "tls-cert-file", Pki().other_server_crt, "tls-key-file",
       Pki().other_server_key},
      {"CONFIG", "GET", "tls-cert-file"},
      {"CONFIG", "SET", "tls-ca-cert-file", Pki().other_ca_crt},
      {"CONFIG", "SET", "tls-ciphers", ""},
      {"CONFIG", "GET", "tls-ciphers"},
  };
  RawRespConnection r, m;
  ASSERT_OK(r.Connect(redis.port()));
  ASSERT_OK(m.Connect(e.server->port()));
  for (const auto& argv : commands) {
    EXPECT_EQ(m.Call(argv), r.Call(argv)) << absl::StrJoin(argv, " ");
  }
  // Both now serve the other CA's certificate over TLSv1.2.
  for (int port : {redis_tls_port, e.server->tls_port()}) {
    absl::StatusOr<std::unique_ptr<Connection>> c =
        Connection::Open(TlsClient(port, Pki().other_ca_crt));
    ASSERT_OK(c) << port;
    EXPECT_EQ((*c)->tls_protocol(), "TLSv1.2");
  }
  e.server->Stop();
}

}  // namespace
}  // namespace embedis
