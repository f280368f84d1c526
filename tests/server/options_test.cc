// Pure functions behind the server's configuration: sizes, protected mode, addresses.
#include "server/options.h"

#include "gtest/gtest.h"
#include "server/server_state.h"

namespace embedis {
namespace {

TEST(ParseMemorySize, RedisUnits) {
  EXPECT_EQ(ParseMemorySize("0"), 0);
  EXPECT_EQ(ParseMemorySize("4096"), 4096);
  EXPECT_EQ(ParseMemorySize("1k"), 1000);
  EXPECT_EQ(ParseMemorySize("1kb"), 1024);
  EXPECT_EQ(ParseMemorySize("1m"), 1000000);
  EXPECT_EQ(ParseMemorySize("512mb"), 512LL * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("1gb"), 1024LL * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("1GB"), 1024LL * 1024 * 1024);
  EXPECT_EQ(ParseMemorySize("2g"), 2000000000LL);
}

TEST(ParseMemorySize, RejectsGarbage) {
  EXPECT_EQ(ParseMemorySize(""), std::nullopt);
  EXPECT_EQ(ParseMemorySize("mb"), std::nullopt);
  EXPECT_EQ(ParseMemorySize("-1"), std::nullopt);
  EXPECT_EQ(ParseMemorySize("1 gb"), std::nullopt);
  EXPECT_EQ(ParseMemorySize("1tb"), std::nullopt);
  EXPECT_EQ(ParseMemorySize("99999999999999999999"), std::nullopt);
  EXPECT_EQ(ParseMemorySize("9999999999999gb"), std::nullopt);
}

TEST(ProtectedMode, RefusesOnlyRemoteClientsWithoutPassword) {
  EXPECT_TRUE(ProtectedModeRefuses(/*protected_mode=*/true, /*has_password=*/false,
                                   /*client_is_local=*/false));
  EXPECT_FALSE(ProtectedModeRefuses(true, false, true));
  EXPECT_FALSE(ProtectedModeRefuses(true, true, false));
  EXPECT_FALSE(ProtectedModeRefuses(false, false, false));
}

TEST(ProtectedMode, MessageIsRedisText) {
  std::string_view m = ProtectedModeError();
  EXPECT_TRUE(
      m.starts_with("DENIED Redis is running in protected mode because protected mode is "
                    "enabled and no password is set for the default user."));
  EXPECT_TRUE(
      m.ends_with("in order for the server to start accepting connections from the "
                  "outside."));
  EXPECT_EQ(m.find('\r'), std::string_view::npos);
}

TEST(Addresses, Loopback) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_TRUE(IsLoopbackAddress("::ffff:127.0.0.1"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackAddress("::ffff:10.0.0.1"));
  EXPECT_FALSE(IsLoopbackAddress("fe80::1"));
}

TEST(Addresses, FormatLikeRedis) {
  EXPECT_EQ(server_internal::FormatAddress("127.0.0.1", 6379), "127.0.0.1:6379");
  EXPECT_EQ(server_internal::FormatAddress("::1", 6379), "[::1]:6379");
}

TEST(IoThreads, OnePerTwoCpusFromOneToFour) {
  EXPECT_EQ(server_internal::DefaultIoThreads(0), 1);  // hardware_concurrency() may say 0
  EXPECT_EQ(server_internal::DefaultIoThreads(1), 1);
  EXPECT_EQ(server_internal::DefaultIoThreads(2), 1);
  EXPECT_EQ(server_internal::DefaultIoThreads(4), 2);
  EXPECT_EQ(server_internal::DefaultIoThreads(7), 3);
  EXPECT_EQ(server_internal::DefaultIoThreads(64), 4);
}

}  // namespace
}  // namespace embedis
