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

  // For tests that compare replies with a real redis-server: starts one beside this server and
  // connects one client to each (ours_ to embedis, theirs_ to redis-server).
  void StartRedisBeside() {
    redis_ = std::make_unique<RedisServerProcess>();
    absl::Status s = redis_->Start();
    ASSERT_TRUE(s.ok()) << s;
    ours_ = std::make_unique<RawRespConnection>();
    ASSERT_TRUE(ours_->Connect(port_).ok());
    theirs_ = std::make_unique<RawRespConnection>();
    ASSERT_TRUE(theirs_->Connect(redis_->port()).ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  Keyspace keyspace_;  // declared first: outlives the server
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::unique_ptr<RedisServerProcess> redis_;  // StartRedisBeside
  std::unique_ptr<RawRespConnection> ours_, theirs_;
};

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_SERVER_SERVER_FIXTURE_H_
