// GoogleTest matchers for absl::Status and absl::StatusOr<T> (test only).
//
//   EXPECT_THAT(store->Get("k"), IsOkAndHolds(Optional(std::string("v"))));
//   EXPECT_THAT(ParsePort("x"), StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(Run(...), StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("WRONGTYPE")));
//   EXPECT_OK(status);  ASSERT_OK(statusor);
#ifndef EMBEDIS_LIB_UTIL_STATUS_MATCHERS_H_
#define EMBEDIS_LIB_UTIL_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace embedis::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// IsOk(): matches an OK Status or StatusOr.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& s = ::embedis::testing::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

// IsOkAndHolds(m): matches an OK StatusOr whose value matches m.
MATCHER_P(IsOkAndHolds, inner, "is OK and holds a value that " + ::testing::PrintToString(inner)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

// StatusIs(code) / StatusIs(code, message_matcher).
MATCHER_P(StatusIs, code, "has status code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& s = ::embedis::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message,
           "has status code " + std::string(absl::StatusCodeToString(code)) +
               " and a message that " + ::testing::PrintToString(message)) {
  const absl::Status& s = ::embedis::testing::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message, std::string(s.message()), result_listener);
}

}  // namespace embedis::testing

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::embedis::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::embedis::testing::IsOk())

#endif  // EMBEDIS_LIB_UTIL_STATUS_MATCHERS_H_
