// Shared by the COMMAND DOCS and COMMAND INFO tests, which compare embedis-server's replies with a
// real redis-server 7.0's.
#ifndef EMBEDIS_TESTS_SERVER_COMMAND_TEST_UTIL_H_
#define EMBEDIS_TESTS_SERVER_COMMAND_TEST_UTIL_H_

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"

namespace embedis::testing {

// Registered and documented here but unknown to redis-server 7.0 (added in 7.2).
inline const std::set<std::string> kNewerThan70 = {"client|no-touch", "client|setinfo"};

// The one reply in `raw` (a test failure if there is none).
inline resp::Value ParseReply(const std::string& raw) {
  resp::ReplyParser parser;
  parser.Feed(raw);
  resp::Value v;
  EXPECT_TRUE(parser.Next(&v)) << raw.substr(0, 200);
  return v;
}

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_SERVER_COMMAND_TEST_UTIL_H_
