// A fixture that runs an in-process embedis Server on a free port over a keyspace the test owns.
#ifndef EMBEDIS_TESTS_SERVER_SERVER_FIXTURE_H_
#define EMBEDIS_TESTS_SERVER_SERVER_FIXTURE_H_

#include <functional>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "server/options.h"
#include "server/server.h"
#include "tests/server/net_test_util.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {

class ServerTest : public ::testing::Test {
 protected:
  // Starts the server; options.port is forced to 0 (a free port).
  // `configure` runs before Start() (e.g. to register extra commands).
  void StartServer(ServerOptions options = {},
                   const std::function<void(Server&)>& configure = nullptr) {
    options.port = 0;
    if (options.loglevel == "notice") options.loglevel = "warning";
    server_ = std::make_unique<Server>(&keyspace_, options);
    if (configure) configure(*server_);
    absl::Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s;
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  // A connected RawRespConnection.
  std::unique_ptr<RawRespConnection> Connect() {
    auto c = std::make_unique<RawRespConnection>();
    absl::Status s = c->Connect(port_);
    EXPECT_TRUE(s.ok()) << s;
    return c;
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  Keyspace keyspace_;  // declared first: outlives the server
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_SERVER_SERVER_FIXTURE_H_
