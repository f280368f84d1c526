// embedis-server's TLS port (the tls-* parameters) with the embedis client: plain and TLS ports
// at once, client certificates (tls-auth-clients yes / optional / no), tls-protocols, pipelines
// and big values through the non-blocking handshake and writes, bad configurations, and the
// parameters in CONFIG GET.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/client/client.h"
#include "lib/client/connection.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/status_matchers.h"
#include "server/config_table.h"
#include "server/options.h"
#include "server/server.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/tls_certs.h"

namespace embedis {
namespace {

using ::embedis::testing::FreeLoopbackPort;
using ::embedis::testing::StatusIs;
using ::embedis::testing::TestPki;
using ::testing::HasSubstr;

const TestPki& Pki() { return testing::SharedTestPki(); }

ServerOptions TlsServerOptions(std::string auth_clients) {
  ServerOptions o;
  o.port = 0;
  o.loglevel = "warning";
  o.io_threads = 2;
  o.tls.cert_file = Pki().server_crt;
  o.tls.key_file = Pki().server_key;
  o.tls.ca_cert_file = Pki().ca_crt;
  o.tls.auth_clients = std::move(auth_clients);
  return o;
}

// Starts `server` on a free TLS port (retrying if another process took it meanwhile).
absl::Status StartWithTls(Keyspace* keyspace, ServerOptions options,
                          std::unique_ptr<Server>* server) {
  absl::Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    options.tls.port = FreeLoopbackPort();
    *server = std::make_unique<Server>(keyspace, options);
    s = (*server)->Start();
    if (s.ok() || !absl::IsUnavailable(s)) return s;
  }
  return s;
}

ClientOptions TlsClient(int port) {
  ClientOptions o;
  o.port = port;
  o.connect_timeout = absl::Seconds(3);
  o.tls.enabled = true;
  o.tls.ca_file = Pki().ca_crt;
  return o;
}

TEST(ServerTls, PlainAndTlsPortsAtOnce) {
  Keyspace keyspace;
  std::unique_ptr<Server> server;
  ASSERT_OK(StartWithTls(&keyspace, TlsServerOptions("no"), &server));
  EXPECT_GT(server->tls_port(), 0);
  EXPECT_NE(server->tls_port(), server->port());
  absl::StatusOr<std::unique_ptr<Connection>> tls = Connection::Open(TlsClient(server->tls_port()));
  ASSERT_OK(tls);
  EXPECT_EQ((*tls)->tls_protocol(), "TLSv1.3");
  ClientOptions plain_options;
  plain_options.port = server->port();
  absl::StatusOr<std::unique_ptr<Connection>> plain = Connection::Open(plain_options);
  ASSERT_OK(plain);
  ASSERT_OK((*tls)->Command({"SET", "k", "over tls"}));
  absl::StatusOr<resp::Value> v = (*plain)->Command({"GET", "k"});
  ASSERT_OK(v);
  EXPECT_EQ(v->str(), "over tls");
  // The parameters as CONFIG GET shows them (the bound port).
  v = (*tls)->Command({"CONFIG", "GET", "tls-*"});
  ASSERT_OK(v);
  std::vector<std::string> flat;
  for (const resp::Value& e : v->elements()) flat.push_back(std::string(e.str()));
  EXPECT_THAT(flat,
              ::testing::IsSupersetOf({std::string("tls-port"), std::to_string(server->tls_port()),
                                       std::string("tls-auth-clients"), std::string("no"),
                                       std::string("tls-cert-file"), Pki().server_crt}));
  EXPECT_THAT((*tls)->Command({"CONFIG", "SET", "tls-port", "1234"})->str(),
              HasSubstr("can't set immutable config"));
  // Certificate errors as the client reports them.
  ClientOptions bad = TlsClient(server->tls_port());
  bad.tls.ca_file = Pki().other_ca_crt;
  EXPECT_THAT(Connection::Open(bad).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate verify failed")));
  bad = TlsClient(server->tls_port());
  bad.tls.sni = "wrong.example";
  EXPECT_THAT(Connection::Open(bad).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("hostname mismatch")));
  // The server goes on serving after failed handshakes.
  EXPECT_OK((*tls)->Command({"PING"}));
  server->Stop();
}

TEST(ServerTls, ClientCertificates) {
  Keyspace keyspace;
  auto refused = [](const ClientOptions& options, const std::string& why) {
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(options);
    absl::Status s = c.status();
    if (c.ok()) s = (*c)->Command({"PING"}).status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, HasSubstr(why)));
  };
  ClientOptions with_cert;
  {
    std::unique_ptr<Server> server;
    ASSERT_OK(StartWithTls(&keyspace, TlsServerOptions("yes"), &server));
    with_cert = TlsClient(server->tls_port());
    with_cert.tls.cert_file = Pki().client_crt;
    with_cert.tls.key_file = Pki().client_key;
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(with_cert);
    ASSERT_OK(c);
    EXPECT_OK((*c)->Command({"PING"}));
    refused(TlsClient(server->tls_port()), "certificate required");
    ClientOptions other = with_cert;
    other.tls.cert_file = Pki().other_client_crt;
    other.tls.key_file = Pki().other_client_key;
    refused(other, "unknown ca");
    server->Stop();
  }
  {
    std::unique_ptr<Server> server;
    ASSERT_OK(StartWithTls(&keyspace, TlsServerOptions("optional"), &server));
    absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(TlsClient(server->tls_port()));
    ASSERT_OK(c);
    EXPECT_OK((*c)->Command({"PING"}));  // no certificate: fine
    ClientOptions o = with_cert;
    o.port = server->tls_port();
    c = Connection::Open(o);
    ASSERT_OK(c);
    EXPECT_OK((*c)->Command({"PING"}));
    o.tls.cert_file = Pki().other_client_crt;
    o.tls.key_file = Pki().other_client_key;
    refused(o, "unknown ca");  // a certificate that is sent must be valid
    server->Stop();
  }
}

TEST(ServerTls, ProtocolsAndBadConfigurations) {
  Keyspace keyspace;
  ServerOptions o = TlsServerOptions("no");
  o.tls.protocols = "TLSv1.2";
  std::unique_ptr<Server> server;
  ASSERT_OK(StartWithTls(&keyspace, o, &server));
  absl::StatusOr<std::unique_ptr<Connection>> c = Connection::Open(TlsClient(server->tls_port()));
  ASSERT_OK(c);
  EXPECT_EQ((*c)->tls_protocol(), "TLSv1.2");
  EXPECT_OK((*c)->Command({"PING"}));
  server->Stop();

  struct Case {
    std::function<void(ServerOptions&)> change;
    std::string want;
  };
  const std::vector<Case> cases = {
      {[](ServerOptions& s) { s.tls.cert_file = "/nonexistent.crt"; },
       "cannot read certificate file '/nonexistent.crt'"},
      {[](ServerOptions& s) { s.tls.key_file = ""; }, "tls-cert-file and tls-key-file"},
      {[](ServerOptions& s) { s.tls.key_file = Pki().client_key; }, "key values mismatch"},
      {[](ServerOptions& s) { s.tls.auth_clients = "yes", s.tls.ca_cert_file = ""; },
       "Either tls-ca-cert-file or tls-ca-cert-dir must be specified"},
      {[](ServerOptions& s) { s.tls.protocols = "SSLv3"; }, "Invalid tls-protocols specified"},
  };
  for (const Case& bad : cases) {
    ServerOptions b = TlsServerOptions("no");
    bad.change(b);
    b.tls.port = FreeLoopbackPort();
    Server s(&keyspace, b);
    EXPECT_THAT(s.Start(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("Failed to configure TLS"), HasSubstr(bad.want))));
  }
}

TEST(ServerTls, PipelinesBigValuesAndManyClients) {
  Keyspace keyspace;
  std::unique_ptr<Server> server;
  ASSERT_OK(StartWithTls(&keyspace, TlsServerOptions("no"), &server));
  ClientOptions o = TlsClient(server->tls_port());
  o.pool_size = 8;
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(o);
  ASSERT_OK(client);
  // Replies bigger than the socket buffers: the server's TLS writes wait for writability.
  const std::string big(3 << 20, 'b');
  ASSERT_OK((*client)->Command({"SET", "big", big}));
  Pipeline p;
  for (int i = 0; i < 4; ++i) p.Add({"GET", "big"});
  for (int i = 0; i < 2000; ++i) p.Add({"INCR", "n"});
  absl::StatusOr<std::vector<resp::Value>> replies = (*client)->Exec(p);
  ASSERT_OK(replies);
  ASSERT_EQ(replies->size(), 2004u);
  EXPECT_EQ((*replies)[3].str(), big);
  EXPECT_EQ(replies->back().integer(), 2000);
  // Threads on their own connections (handshakes on every I/O loop).
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        absl::StatusOr<resp::Value> v = (*client)->Command({"INCR", absl::StrCat("t", t)});
        EXPECT_OK(v);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 8; ++t) {
    absl::StatusOr<resp::Value> v = (*client)->Command({"GET", absl::StrCat("t", t)});
    ASSERT_OK(v);
    EXPECT_EQ(v->str(), "200");
  }
  client->reset();
  server->Stop();
}

TEST(ServerTls, ConfigTableParameters) {
  ServerOptions o;
  std::vector<std::string> seen;
  ASSERT_OK(ApplyConfigDirective({"tls-port", "6380"}, &o, &seen));
  ASSERT_OK(ApplyConfigDirective({"tls-cert-file", "/c.crt"}, &o, &seen));
  ASSERT_OK(ApplyConfigDirective({"tls-key-file", "/c.key"}, &o, &seen));
  ASSERT_OK(ApplyConfigDirective({"tls-ca-cert-file", "/ca.crt"}, &o, &seen));
  ASSERT_OK(ApplyConfigDirective({"tls-ca-cert-dir", "/cas"}, &o, &seen));
  ASSERT_OK(ApplyConfigDirective({"tls-auth-clients", "optional"}, &o, &seen));
  ASSERT_OK(ApplyConfigDirective({"tls-protocols", "TLSv1.2 TLSv1.3"}, &o, &seen));
  EXPECT_EQ(o.tls.port, 6380);
  EXPECT_EQ(o.tls.cert_file, "/c.crt");
  EXPECT_EQ(o.tls.key_file, "/c.key");
  EXPECT_EQ(o.tls.ca_cert_file, "/ca.crt");
  EXPECT_EQ(o.tls.ca_cert_dir, "/cas");
  EXPECT_EQ(o.tls.auth_clients, "optional");
  EXPECT_EQ(o.tls.protocols, "TLSv1.2 TLSv1.3");
  EXPECT_THAT(ApplyConfigDirective({"tls-auth-clients", "maybe"}, &o, &seen),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no, yes, optional")));
  // As redis-server: tls-protocols is checked when the TLS context is built (Start, CONFIG SET).
  EXPECT_OK(ApplyConfigDirective({"tls-protocols", "TLSv1.4"}, &o, &seen));
  EXPECT_THAT(ApplyConfigDirective({"tls-port", "70000"}, &o, &seen),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("between 0 and 65535")));
  // Defaults, as redis-server's CONFIG GET shows them.
  const ServerOptions d;
  EXPECT_EQ(FindConfigParam("tls-port")->get(d), "0");
  EXPECT_EQ(FindConfigParam("tls-auth-clients")->get(d), "yes");
  EXPECT_EQ(FindConfigParam("tls-protocols")->get(d), "");
}

}  // namespace
}  // namespace embedis
