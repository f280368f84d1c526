#include "lib/util/status_macros.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/util/status_matchers.h"

namespace embedis {
namespace {

using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  EMBEDIS_ASSIGN_OR_RETURN(int h, Half(x));
  EMBEDIS_ASSIGN_OR_RETURN(h, Half(h));
  return h;
}

absl::Status CheckEven(int x) {
  EMBEDIS_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(StatusMacros, AssignOrReturnPropagatesErrorsAndValues) {
  EXPECT_THAT(Quarter(8), IsOkAndHolds(2));
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
  EXPECT_THAT(Quarter(3), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StatusMacros, ReturnIfErrorPropagates) {
  EXPECT_OK(CheckEven(4));
  EXPECT_THAT(CheckEven(5), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(StatusMatchers, MatchersCanFail) {
  EXPECT_FALSE(::testing::Matches(IsOkAndHolds(3))(Quarter(8)));
  EXPECT_FALSE(::testing::Matches(StatusIs(absl::StatusCode::kNotFound))(Quarter(3)));
  EXPECT_FALSE(::testing::Matches(::embedis::testing::IsOk())(Quarter(3)));
}

}  // namespace
}  // namespace embedis
