#include "tests/testing/differential.h"

#include <cstdint>
#include <cstdlib>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/resp/writer.h"
#include "lib/util/strings.h"

namespace embedis::testing {
namespace {

// How far apart two answers of `command` may be when relative_ttl_tolerance_ is set; nullopt for
// commands compared exactly.
std::optional<int64_t> TtlTolerance(std::string_view command) {
  if (absl::EqualsIgnoreCase(ToAbsl(command), "ttl")) return 1;
  if (absl::EqualsIgnoreCase(ToAbsl(command), "pttl")) return 200;
  return std::nullopt;
}

// The value of a ":<n>\r\n" reply with n >= 0; nullopt for anything else.
std::optional<int64_t> NonNegativeInteger(std::string_view reply) {
  int64_t v;
  if (reply.size() < 4 || reply[0] != ':' || !reply.ends_with("\r\n") ||
      !absl::SimpleAtoi(ToAbsl(reply.substr(1, reply.size() - 3)), &v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

const std::vector<std::string>& ExtremeIntegerArguments() {
  static const auto* v = new std::vector<std::string>{"0",
                                                      "-1",
                                                      "1",
                                                      "7",
                                                      "8",
                                                      "2147483647",
                                                      "2147483648",
                                                      "-2147483648",
                                                      "-2147483649",
                                                      "4294967295",
                                                      "4294967296",
                                                      "9223372036854775807",
                                                      "9223372036854775808",
                                                      "-9223372036854775808",
                                                      "-9223372036854775809",
                                                      "1.5",
                                                      "",
                                                      " 1",
                                                      "+1",
                                                      "01",
                                                      "abc"};
  return *v;
}

std::string EscapeResp(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 32) {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  return out;
}

void DifferentialTest::StartRedis(std::vector<std::string> flags) {
  redis_ = new RedisServerProcess();
  absl::Status s = redis_->Start(std::move(flags));
  start_error_ = s.ok() ? "" : std::string(s.message());
}

void DifferentialTest::TearDownTestSuite() {
  delete redis_;
  redis_ = nullptr;
}

void DifferentialTest::SetUp() {
  ASSERT_NE(redis_, nullptr) << "StartRedis() was not called";
  ASSERT_TRUE(start_error_.empty())
      << start_error_ << " (the differential test needs it: apt-get install redis-server)";
  ASSERT_TRUE(conn_.Connect(redis_->port()).ok());
  ASSERT_EQ(conn_.Call({"FLUSHALL"}), "+OK\r\n");
}

void DifferentialTest::Resp3() {
  ASSERT_EQ(conn_.Call({"HELLO", "3"}).substr(0, 1), "%");
  embedis_.client().protocol = resp::Protocol::kResp3;
}

std::pair<std::string, std::string> DifferentialTest::Both(const std::vector<std::string>& argv) {
  std::string expected = conn_.Call(absl::MakeConstSpan(argv));
  EXPECT_FALSE(expected.empty()) << conn_.last_error();
  return {expected, embedis_.Run(argv)};
}

void DifferentialTest::Same(const std::vector<std::string>& argv) {
  auto [expected, got] = Both(argv);
  ++compared_;
  const std::optional<int64_t> tolerance =
      relative_ttl_tolerance_ && !argv.empty() ? TtlTolerance(argv[0]) : std::nullopt;
  if (tolerance.has_value()) {
    std::optional<int64_t> a = NonNegativeInteger(got), b = NonNegativeInteger(expected);
    if (a.has_value() && b.has_value()) {
      EXPECT_LE(std::abs(*a - *b), *tolerance)
          << "command: " << Shown(argv) << " got " << EscapeResp(got) << " expected "
          << EscapeResp(expected);
      return;
    }
  }
  EXPECT_EQ(EscapeResp(got), EscapeResp(expected)) << "command: " << Shown(argv);
}

void DifferentialTest::Lines(std::initializer_list<const char*> lines) {
  for (const char* line : lines) Same(absl::StrSplit(line, ' ', absl::SkipEmpty()));
}

std::string DifferentialTest::Shown(const std::vector<std::string>& argv) {
  std::string shown;
  for (const auto& a : argv) absl::StrAppend(&shown, EscapeResp(a.substr(0, 40)), " ");
  return shown;
}

}  // namespace embedis::testing
