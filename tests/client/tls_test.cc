// The client over TLS against a real redis-server started with TLS, using certificates this test
// makes with the openssl command line: verification (CA file, host names, SNI), its failures
// (wrong CA, self-signed, expired, hostname mismatch) with statuses that name the reason, mutual
// TLS, verify=none, and that pipelining, big values, timeouts and reconnection work over TLS.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/client.h"
#include "lib/client/connection.h"
#include "lib/client/options.h"
#include "lib/resp/value.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/tls_certs.h"

namespace embedis {
namespace {

using ::embedis::testing::FreeLoopbackPort;
using ::embedis::testing::RedisServerProcess;
using ::embedis::testing::StatusIs;
using ::embedis::testing::TestPki;
using ::testing::AnyOf;
using ::testing::HasSubstr;

const TestPki& Pki() { return testing::SharedTestPki(); }

// A redis-server with a TLS port (and its plain port, which the helper uses to see it is up).
struct TlsRedis {
  RedisServerProcess process;
  int tls_port = 0;

  absl::Status Start(const std::string& cert, const std::string& key, std::string auth_clients) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      tls_port = FreeLoopbackPort();
      absl::Status s = process.Start({"--tls-port", std::to_string(tls_port), "--tls-cert-file",
                                      cert, "--tls-key-file", key, "--tls-ca-cert-file",
                                      Pki().ca_crt, "--tls-auth-clients", auth_clients});
      if (s.ok()) return s;
    }
    return absl::UnavailableError("redis-server with TLS did not start");
  }
};

ClientOptions TlsOptions(int port) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.connect_timeout = absl::Seconds(3);
  o.command_timeout = absl::Seconds(5);
  o.tls.enabled = true;
  o.tls.ca_file = Pki().ca_crt;
  return o;
}

TEST(ClientTls, VerifiesTheServerAndRunsCommands) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "no"));
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(TlsOptions(redis.tls_port));
  ASSERT_OK(conn);
  EXPECT_EQ((*conn)->tls_protocol(), "TLSv1.3");
  absl::StatusOr<resp::Value> v = (*conn)->Command({"SET", "k", "v"});
  ASSERT_OK(v);
  EXPECT_EQ(v->str(), "OK");
  v = (*conn)->Command({"GET", "k"});
  ASSERT_OK(v);
  EXPECT_EQ(v->str(), "v");
}

TEST(ClientTls, HostNamesAndSni) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "no"));
  ClientOptions o = TlsOptions(redis.tls_port);
  o.host = "localhost";  // checked against DNS:localhost (and sent as SNI)
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(o);
  if (!conn.ok() && absl::IsUnavailable(conn.status()) &&
      conn.status().message().find("refused") != std::string_view::npos) {
    o.host = "127.0.0.1";  // localhost resolved to ::1 first and nothing listens there
    o.tls.sni = "localhost";
    conn = Connection::Open(o);
  }
  EXPECT_OK(conn);
  o = TlsOptions(redis.tls_port);
  o.tls.sni = "wrong.example";
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("certificate verify failed: hostname mismatch")));
}

TEST(ClientTls, CertificateErrorsNameTheReason) {
  struct Case {
    std::string name, cert, key, want;
  };
  const std::vector<Case> cases = {
      {"self-signed", Pki().self_signed_crt, Pki().self_signed_key,
       "certificate verify failed: self-signed certificate"},
      {"expired", Pki().expired_crt, Pki().expired_key,
       "certificate verify failed: certificate has expired"},
      {"another CA", Pki().other_server_crt, Pki().other_server_key,
       "certificate verify failed: unable to get local issuer certificate"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TlsRedis redis;
    ASSERT_OK(redis.Start(c.cert, c.key, "no"));
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(TlsOptions(redis.tls_port));
    EXPECT_THAT(conn.status(),
                StatusIs(absl::StatusCode::kUnavailable,
                         AllOf(HasSubstr("TLS handshake with 127.0.0.1:"), HasSubstr(c.want))));
    // verify=none accepts it.
    ClientOptions o = TlsOptions(redis.tls_port);
    o.tls.verify_peer = false;
    o.tls.ca_file.clear();
    conn = Connection::Open(o);
    ASSERT_OK(conn);
    EXPECT_OK((*conn)->Command({"PING"}));
  }
}

TEST(ClientTls, WrongCaAndSystemStoreRejectTheTestCa) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "no"));
  ClientOptions o = TlsOptions(redis.tls_port);
  o.tls.ca_file = Pki().other_ca_crt;
  // (redis-server sends its CA with its certificate: OpenSSL then finds a self-signed root.)
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       AnyOf(HasSubstr("certificate verify failed: unable to get local issuer "
                                       "certificate"),
                             HasSubstr("certificate verify failed: self-signed certificate in "
                                       "certificate chain"))));
  o.tls.ca_file.clear();  // the system's CAs do not know the test CA
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate verify failed")));
  o.tls.ca_dir = Pki().dir;  // a directory that is not c_rehash'ed: no CA found either
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate verify failed")));
}

TEST(ClientTls, BadFilesAreInvalidArguments) {
  ClientOptions o = TlsOptions(1);
  o.tls.ca_file = "/nonexistent/ca.crt";
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("cannot read CA certificate file '/nonexistent/ca.crt'")));
  o = TlsOptions(1);
  o.tls.cert_file = Pki().client_crt;
  EXPECT_THAT(Connection::Open(o).status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                                     HasSubstr("both cert_file and key_file")));
  o.tls.key_file = Pki().server_key;  // not the certificate's key
  EXPECT_THAT(Client::Connect(o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key values mismatch")));
  o.tls.ca_file = Pki().client_key;  // not a certificate
  o.tls.cert_file.clear();
  o.tls.key_file.clear();
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot load CA")));
  o = TlsOptions(1);
  o.unix_socket = "/tmp/x.sock";
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unix socket")));
}

TEST(ClientTls, MutualTls) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "yes"));
  ClientOptions o = TlsOptions(redis.tls_port);
  o.tls.cert_file = Pki().client_crt;
  o.tls.key_file = Pki().client_key;
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(o);
  ASSERT_OK(conn);
  EXPECT_OK((*conn)->Command({"PING"}));

  // Without a certificate: with TLS 1.3 the server's refusal arrives after the handshake, so
  // the first command fails (or the handshake itself, with TLS 1.2); the status says why.
  auto refused = [&](const ClientOptions& options, const std::string& why) {
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    absl::Status s = c.status();
    if (c.ok()) s = (*c)->Command({"PING"}).status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, HasSubstr(why)));
  };
  o.tls.cert_file.clear();
  o.tls.key_file.clear();
  refused(o, "certificate required");
  // A certificate from a CA the server does not trust.
  o.tls.cert_file = Pki().other_client_crt;
  o.tls.key_file = Pki().other_client_key;
  refused(o, "unknown ca");
}

TEST(ClientTls, PipelinesBigValuesAndTimeouts) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "no"));
  ClientOptions o = TlsOptions(redis.tls_port);
  absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(o);
  ASSERT_OK(conn);
  Pipeline p;
  for (int i = 0; i < 5000; ++i) p.Add({"INCR", "n"});
  absl::StatusOr<std::vector<resp::Value>> replies = (*conn)->Exec(p);
  ASSERT_OK(replies);
  ASSERT_EQ(replies->size(), 5000u);
  EXPECT_EQ((*replies)[4999].integer(), 5000);
  // 2 MB each way: many TLS records, partial writes, replies read while writing.
  const std::string big(2 << 20, 'x');
  Pipeline b;
  b.Add({"SET", "big", big}).Add({"GET", "big"}).Add({"SET", "big2", big}).Add({"GET", "big2"});
  replies = (*conn)->Exec(b);
  ASSERT_OK(replies);
  EXPECT_EQ((*replies)[1].str(), big);
  EXPECT_EQ((*replies)[3].str(), big);
  // A command that takes longer than the timeout.
  o.command_timeout = absl::Milliseconds(300);
  conn = Connection::Open(o);
  ASSERT_OK(conn);
  redis.process.Pause();  // SIGSTOP: no reply
  const absl::Time start = absl::Now();
  EXPECT_THAT((*conn)->Command({"PING"}).status(), StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  redis.process.Resume();
  EXPECT_FALSE((*conn)->ok());
}

TEST(ClientTls, HandshakeTimesOutAgainstASilentServer) {
  // A listening socket that accepts (in the kernel) but never answers the ClientHello.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ClientOptions o = TlsOptions(ntohs(addr.sin_port));
  o.connect_timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  EXPECT_THAT(Connection::Open(o).status(),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("TLS handshake")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  close(fd);
}

TEST(ClientTls, PlainServerOnTheOtherEnd) {
  RedisServerProcess plain;
  ASSERT_OK(plain.Start());
  ClientOptions o = TlsOptions(plain.port());
  o.connect_timeout = absl::Milliseconds(500);
  absl::Status s = Connection::Open(o).status();
  EXPECT_TRUE(absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("TLS handshake"));
}

TEST(ClientTls, PoolReconnectsAfterTheServerClosedItsConnections) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "no"));
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(TlsOptions(redis.tls_port));
  ASSERT_OK(client);
  ASSERT_OK((*client)->Command({"SET", "a", "1"}));
  // Close every normal client connection but the killer's own.
  absl::StatusOr<std::unique_ptr<Connection>> killer = Connection::Open(TlsOptions(redis.tls_port));
  ASSERT_OK(killer);
  absl::StatusOr<resp::Value> killed =
      (*killer)->Command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
  ASSERT_OK(killed);
  EXPECT_GE(killed->integer(), 1);
  absl::SleepFor(absl::Milliseconds(20));
  absl::StatusOr<resp::Value> v = (*client)->Command({"GET", "a"});
  ASSERT_OK(v);
  EXPECT_EQ(v->str(), "1");
}

TEST(ClientTls, StoreOverRedissUrl) {
  TlsRedis redis;
  ASSERT_OK(redis.Start(Pki().server_crt, Pki().server_key, "yes"));
  // The server listens on 127.0.0.1 only (localhost may resolve to ::1 first): the address, and
  // sni for the name.
  const std::string url_ip = absl::StrCat(
      "rediss://127.0.0.1:", redis.tls_port, "/3?ca_file=", Pki().ca_crt,
      "&cert_file=", Pki().client_crt, "&key_file=", Pki().client_key, "&sni=localhost");
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(url_ip);
  ASSERT_OK(store);
  EXPECT_OK((*store)->Set("k", "v"));
  absl::StatusOr<std::optional<std::string>> got = (*store)->Get("k");
  ASSERT_OK(got);
  EXPECT_EQ(got->value_or(""), "v");
  EXPECT_THAT(OpenStore(absl::StrCat("rediss://127.0.0.1:", redis.tls_port,
                                     "?sni=wrong.example&ca_file=", Pki().ca_crt))
                  .status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("hostname mismatch")));
}

}  // namespace
}  // namespace embedis
