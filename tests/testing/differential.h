// DifferentialTest: a gtest fixture that sends the same commands to embedis's command table
// (in-process, on the real clock) and to a real redis-server, and compares the replies byte for
// byte. Redis is the specification.
//
//   class MoveDifferentialTest : public testing::DifferentialTest {};
//
//   TEST_F(MoveDifferentialTest, Basics) {
//     Lines({"set k v", "move k 1", "select 1", "get k"});   // every reply: the same bytes
//     Same({"set", "k", std::string("\0", 1)});               // arguments with spaces or NULs
//   }
//
// One redis-server runs per test suite, started by SetUpTestSuite(); a suite that needs server
// flags defines its own SetUpTestSuite() that calls StartRedis(flags). Each test starts on a
// fresh connection after FLUSHALL, in RESP2 and database 0. Without redis-server every test fails
// (it is never skipped: the comparison cannot vouch for anything without it).
//
// Thread safety: none; gtest runs the tests of a suite one after another.
#ifndef EMBEDIS_TESTS_TESTING_DIFFERENTIAL_H_
#define EMBEDIS_TESTS_TESTING_DIFFERENTIAL_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/command_runner.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {

// Shows RESP bytes readably in failure messages: "\r", "\n", and "\x.." for other control bytes.
std::string EscapeResp(std::string_view bytes);

// The values every numeric argument is tested with: 0, -1, 1, +-2^31, 2^32, +-2^63 and just past
// each limit, and strings Redis's string2ll refuses ("1.5", "", " 1", "+1", "01", "abc").
const std::vector<std::string>& ExtremeIntegerArguments();

class DifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartRedis({}); }
  static void TearDownTestSuite();
  // Starts this suite's redis-server with `flags` appended to its command line.
  static void StartRedis(std::vector<std::string> flags);

  void SetUp() override;

  // Switches both sides to RESP3 (HELLO 3).
  void Resp3();
  // Redis's reply and embedis's, for callers that compare them structurally.
  std::pair<std::string, std::string> Both(const std::vector<std::string>& argv);
  // The same bytes from both (see relative_ttl_tolerance_ for TTL and PTTL).
  void Same(const std::vector<std::string>& argv);
  // Same() for each line split on spaces (no quoting, so no empty or spaced arguments).
  void Lines(std::initializer_list<const char*> lines);
  // A command for failure messages (each argument escaped and cut to 40 bytes).
  static std::string Shown(const std::vector<std::string>& argv);

  RawRespConnection conn_;                // to redis-server
  CommandRunner embedis_{Clock::Real()};  // embedis, in-process
  int compared_ = 0;                      // replies compared so far in this test
  // TTL and PTTL answer relative to "now", which moves between the two calls. When set, Same()
  // accepts two non-negative TTL answers up to 1 apart and PTTL answers up to 200 ms apart
  // (generous, for sanitizer builds); negative answers (-1, -2) are still compared exactly.
  // Default: false, every reply byte for byte.
  bool relative_ttl_tolerance_ = false;

 private:
  static inline RedisServerProcess* redis_ = nullptr;
  static inline std::string start_error_;
};

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_DIFFERENTIAL_H_
