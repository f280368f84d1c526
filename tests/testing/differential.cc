#include "tests/testing/differential.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/resp/writer.h"

namespace embedis::testing {

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
  EXPECT_EQ(EscapeResp(got), EscapeResp(expected)) << "command: " << Shown(argv);
  ++compared_;
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
