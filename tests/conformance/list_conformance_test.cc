// Lists, blocking pops included, on every backend of store_conformance.h.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/conformance/store_conformance.h"

namespace embedis::conformance {
namespace {

template <typename Backend>
class StoreListConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE_P(StoreListConformance);

TYPED_TEST_P(StoreListConformance, ListPushPopAndRange) {
  Store& s = this->store();
  EXPECT_THAT(s.RPush("l", Keys{"a", "b"}), IsOkAndHolds(2));
  EXPECT_THAT(s.LPush("l", Keys{"y", "z"}), IsOkAndHolds(4));  // z pushed last: first
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("z", "y", "a", "b")));
  EXPECT_THAT(s.LRange("l", -3, -2), IsOkAndHolds(ElementsAre("y", "a")));
  EXPECT_THAT(s.LRange("l", 1, 100), IsOkAndHolds(ElementsAre("y", "a", "b")));
  EXPECT_THAT(s.LRange("l", -100, 0), IsOkAndHolds(ElementsAre("z")));
  EXPECT_THAT(s.LRange("l", 3, 1), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.LRange("missing", 0, -1), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.LLen("l"), IsOkAndHolds(4));
  EXPECT_THAT(s.LLen("missing"), IsOkAndHolds(0));
  EXPECT_THAT(s.LIndex("l", 0), IsOkAndHolds(Optional(std::string("z"))));
  EXPECT_THAT(s.LIndex("l", -1), IsOkAndHolds(Optional(std::string("b"))));
  EXPECT_THAT(s.LIndex("l", -4), IsOkAndHolds(Optional(std::string("z"))));
  EXPECT_THAT(s.LIndex("l", 4), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.LIndex("l", -5), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.LIndex("missing", 0), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.LPop("l"), IsOkAndHolds(Optional(std::string("z"))));
  EXPECT_THAT(s.RPop("l"), IsOkAndHolds(Optional(std::string("b"))));
  EXPECT_THAT(s.LPop("missing"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.RPop("missing"), IsOkAndHolds(std::nullopt));
  // Popping the last element deletes the key.
  EXPECT_THAT(s.LPop("l"), IsOkAndHolds(Optional(std::string("y"))));
  EXPECT_THAT(s.RPop("l"), IsOkAndHolds(Optional(std::string("a"))));
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  EXPECT_THAT(s.Command({"TYPE", "l"}), IsOkAndHolds(resp::Value::SimpleString("none")));
  // Binary elements survive.
  std::string binary("a\0\r\n\xff", 5);
  EXPECT_THAT(s.RPush("bin", Keys{binary, ""}), IsOkAndHolds(2));
  EXPECT_THAT(s.LRange("bin", 0, -1), IsOkAndHolds(ElementsAre(binary, "")));
  EXPECT_THAT(s.Command({"TYPE", "bin"}), IsOkAndHolds(resp::Value::SimpleString("list")));
}

TYPED_TEST_P(StoreListConformance, ListPopWithCount) {
  Store& s = this->store();
  ASSERT_OK(s.RPush("l", Keys{"1", "2", "3", "4", "5"}));
  EXPECT_THAT(s.LPop("l", 2), IsOkAndHolds(ElementsAre("1", "2")));
  EXPECT_THAT(s.RPop("l", 2), IsOkAndHolds(ElementsAre("5", "4")));  // in the order popped
  EXPECT_THAT(s.LPop("l", 0), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(s.LLen("l"), IsOkAndHolds(1));
  EXPECT_THAT(s.LPop("l", -1), StatusIs(absl::StatusCode::kInvalidArgument,
                                        "ERR value is out of range, must be positive"));
  EXPECT_THAT(s.RPop("l", 10), IsOkAndHolds(ElementsAre("3")));  // more than there are: all
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  EXPECT_THAT(s.LPop("l", 3), IsOkAndHolds(::testing::IsEmpty()));  // missing
  EXPECT_THAT(s.RPop("missing", 0), IsOkAndHolds(::testing::IsEmpty()));
}

TYPED_TEST_P(StoreListConformance, ListPushXOnlyOntoExistingLists) {
  Store& s = this->store();
  EXPECT_THAT(s.LPushX("l", Keys{"a"}), IsOkAndHolds(0));
  EXPECT_THAT(s.RPushX("l", Keys{"a", "b"}), IsOkAndHolds(0));
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  ASSERT_OK(s.RPush("l", Keys{"m"}));
  EXPECT_THAT(s.LPushX("l", Keys{"b", "a"}), IsOkAndHolds(3));
  EXPECT_THAT(s.RPushX("l", Keys{"y", "z"}), IsOkAndHolds(5));
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("a", "b", "m", "y", "z")));
  EXPECT_THAT(s.LPush("l", Keys{}), StatusIs(absl::StatusCode::kInvalidArgument,
                                             "ERR wrong number of arguments for 'lpush' command"));
  EXPECT_THAT(s.RPushX("l", Keys{}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST_P(StoreListConformance, ListSetRemTrim) {
  Store& s = this->store();
  EXPECT_THAT(s.LSet("missing", 0, "x"), StatusIs(absl::StatusCode::kNotFound, "ERR no such key"));
  ASSERT_OK(s.RPush("l", Keys{"a", "x", "b", "x", "c", "x"}));
  EXPECT_OK(s.LSet("l", 0, "A"));
  EXPECT_OK(s.LSet("l", -1, "X"));
  EXPECT_THAT(s.LSet("l", 6, "?"),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR index out of range"));
  EXPECT_THAT(s.LSet("l", -7, "?"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("A", "x", "b", "x", "c", "X")));
  ASSERT_OK(s.RPush("l", Keys{"x", "x"}));             // A x b x c X x x
  EXPECT_THAT(s.LRem("l", 1, "x"), IsOkAndHolds(1));   // the first from the head
  EXPECT_THAT(s.LRem("l", -2, "x"), IsOkAndHolds(2));  // the last two
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("A", "b", "x", "c", "X")));
  EXPECT_THAT(s.LRem("l", 0, "x"), IsOkAndHolds(1));  // all
  EXPECT_THAT(s.LRem("l", 0, "nope"), IsOkAndHolds(0));
  EXPECT_THAT(s.LRem("missing", 0, "x"), IsOkAndHolds(0));
  EXPECT_OK(s.LTrim("l", 1, -2));  // A b c X -> b c
  EXPECT_THAT(s.LRange("l", 0, -1), IsOkAndHolds(ElementsAre("b", "c")));
  EXPECT_OK(s.LTrim("l", -100, 100));  // keeps all
  EXPECT_THAT(s.LLen("l"), IsOkAndHolds(2));
  EXPECT_OK(s.LTrim("missing", 0, 1));
  // An empty range deletes the key; so does LRem of every element.
  EXPECT_OK(s.LTrim("l", 5, 10));
  EXPECT_THAT(s.Exists(Keys{"l"}), IsOkAndHolds(0));
  ASSERT_OK(s.RPush("r", Keys{"x", "x"}));
  EXPECT_THAT(s.LRem("r", -5, "x"), IsOkAndHolds(2));
  EXPECT_THAT(s.Exists(Keys{"r"}), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreListConformance, ListMove) {
  Store& s = this->store();
  using E = ListEnd;
  EXPECT_THAT(s.LMove("missing", "d", E::kLeft, E::kRight), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Exists(Keys{"d"}), IsOkAndHolds(0));
  ASSERT_OK(s.RPush("src", Keys{"1", "2", "3"}));
  EXPECT_THAT(s.LMove("src", "d", E::kLeft, E::kRight), IsOkAndHolds(Optional(std::string("1"))));
  EXPECT_THAT(s.LMove("src", "d", E::kRight, E::kLeft), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.LRange("d", 0, -1), IsOkAndHolds(ElementsAre("3", "1")));
  // The same list: a rotation.
  EXPECT_THAT(s.LMove("d", "d", E::kLeft, E::kRight), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.LRange("d", 0, -1), IsOkAndHolds(ElementsAre("1", "3")));
  // A destination of another type: WRONGTYPE, and the source keeps its element.
  ASSERT_OK(s.Set("str", "v"));
  EXPECT_THAT(s.LMove("src", "str", E::kLeft, E::kLeft),
              StatusIs(absl::StatusCode::kFailedPrecondition, kWrongType));
  EXPECT_THAT(s.LRange("src", 0, -1), IsOkAndHolds(ElementsAre("2")));
  // Moving the last element deletes the source.
  EXPECT_THAT(s.LMove("src", "d", E::kLeft, E::kLeft), IsOkAndHolds(Optional(std::string("2"))));
  EXPECT_THAT(s.Exists(Keys{"src"}), IsOkAndHolds(0));
  EXPECT_THAT(s.LRange("d", 0, -1), IsOkAndHolds(ElementsAre("2", "1", "3")));
}

TYPED_TEST_P(StoreListConformance, ListWrongType) {
  Store& s = this->store();
  ASSERT_OK(s.Set("str", "v"));
  ASSERT_OK(s.RPush("l", Keys{"a"}));
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.LPush("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPush("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LPushX("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPushX("str", Keys{"a"}), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LPop("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPop("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LPop("str", 2), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.RPop("str", 2), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LRange("str", 0, -1), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LLen("str"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LIndex("str", 0), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LSet("str", 0, "x"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LRem("str", 0, "x"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LTrim("str", 0, 1), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.LMove("str", "l", ListEnd::kLeft, ListEnd::kLeft), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.BLPop(Keys{"str"}, absl::Milliseconds(100)), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.BRPop(Keys{"missing", "str"}, absl::Milliseconds(100)),
              StatusIs(kCode, kWrongType));
  // The other way round: string and hash commands on a list.
  EXPECT_THAT(s.Get("l"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.HGet("l", "f"), StatusIs(kCode, kWrongType));
  EXPECT_THAT(s.Incr("l"), StatusIs(kCode, kWrongType));
  // The string is untouched; a plain SET replaces the list.
  EXPECT_THAT(s.Get("str"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.Set("l", "now a string"), IsOkAndHolds(true));
  EXPECT_THAT(s.LLen("l"), StatusIs(kCode, kWrongType));
}

TYPED_TEST_P(StoreListConformance, BlockingPopServesAtOnceWhenAnElementIsThere) {
  Store& s = this->store();
  ASSERT_OK(s.RPush("b", Keys{"1", "2"}));
  ASSERT_OK(s.RPush("c", Keys{"x"}));
  // The first non-empty key in argument order.
  EXPECT_THAT(s.BLPop(Keys{"a", "b", "c"}, absl::Seconds(1)),
              IsOkAndHolds(Optional(Pair("b", "1"))));
  EXPECT_THAT(s.BRPop(Keys{"c", "b"}, absl::ZeroDuration()),
              IsOkAndHolds(Optional(Pair("c", "x"))));
  EXPECT_THAT(s.Exists(Keys{"c"}), IsOkAndHolds(0));  // emptied: deleted
  EXPECT_THAT(s.BRPop(Keys{"c", "b"}, absl::InfiniteDuration()),
              IsOkAndHolds(Optional(Pair("b", "2"))));
  EXPECT_THAT(s.BLPop(Keys{"b"}, absl::Seconds(-1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR timeout is negative"));
  EXPECT_THAT(s.BLPop(Keys{"b"}, absl::Microseconds(-10)),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR timeout is negative"));
  EXPECT_THAT(s.BLPop(Keys{}, absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR wrong number of arguments for 'blpop' command"));
}

TYPED_TEST_P(StoreListConformance, BlockingPopTimesOut) {
  Store& s = this->store();
  for (auto timeout : {absl::Milliseconds(200), absl::Microseconds(150'500)}) {
    const absl::Time start = absl::Now();
    EXPECT_THAT(s.BLPop(Keys{"q1", "q2"}, timeout), IsOkAndHolds(std::nullopt));
    const absl::Duration took = absl::Now() - start;
    EXPECT_GE(took, timeout - absl::Milliseconds(20));
    EXPECT_LT(took, timeout + absl::Seconds(2));
  }
  const absl::Time start = absl::Now();
  EXPECT_THAT(s.BRPop(Keys{"q1"}, absl::Milliseconds(100)), IsOkAndHolds(std::nullopt));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(80));
  EXPECT_THAT(s.Exists(Keys{"q1", "q2"}), IsOkAndHolds(0));
  // The generic Command() blocks too, and times out with Redis's reply (a RESP2 null array).
  EXPECT_THAT(s.Command({"BLPOP", "q1", "0.1"}), IsOkAndHolds(resp::Value::NullArray()));
}

TYPED_TEST_P(StoreListConformance, BlockingPopServedByAPushFromAnotherThread) {
  Store& s = this->store();
  const absl::Time start = absl::Now();
  std::thread pusher([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.RPush("q2", Keys{"first", "second"}), IsOkAndHolds(2));
  });
  EXPECT_THAT(s.BLPop(Keys{"q1", "q2"}, absl::Seconds(10)),
              IsOkAndHolds(Optional(Pair("q2", "first"))));
  const absl::Duration took = absl::Now() - start;
  pusher.join();
  EXPECT_GE(took, absl::Milliseconds(100));
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_THAT(s.LRange("q2", 0, -1), IsOkAndHolds(ElementsAre("second")));
  // BRPOP takes from the tail; LMOVE onto a waited key wakes the waiter too.
  ASSERT_OK(s.RPush("src", Keys{"moved"}));
  std::thread mover([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.LMove("src", "q3", ListEnd::kLeft, ListEnd::kLeft),
                IsOkAndHolds(Optional(std::string("moved"))));
  });
  EXPECT_THAT(s.BRPop(Keys{"q3"}, absl::Seconds(10)), IsOkAndHolds(Optional(Pair("q3", "moved"))));
  mover.join();
  // The generic Command() is served the same way.
  std::thread pusher2([&] {
    absl::SleepFor(absl::Milliseconds(150));
    EXPECT_THAT(s.LPush("q4", Keys{"v"}), IsOkAndHolds(1));
  });
  EXPECT_THAT(s.Command({"BRPOP", "q4", "10"}),
              IsOkAndHolds(resp::Value::Array(
                  {resp::Value::BulkString("q4"), resp::Value::BulkString("v")})));
  pusher2.join();
}

TYPED_TEST_P(StoreListConformance, BlockingPopWithTimeoutZeroWaitsForAPush) {
  Store& s = this->store();
  const absl::Time start = absl::Now();
  std::thread pusher([&] {
    absl::SleepFor(absl::Milliseconds(300));
    EXPECT_THAT(s.LPush("q", Keys{"late"}), IsOkAndHolds(1));
  });
  EXPECT_THAT(s.BRPop(Keys{"q"}, absl::ZeroDuration()), IsOkAndHolds(Optional(Pair("q", "late"))));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  pusher.join();
  EXPECT_THAT(s.Exists(Keys{"q"}), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreListConformance, BlockedCallersAreServedFirstComeFirstServed) {
  Store& s = this->store();
  std::optional<std::pair<std::string, std::string>> first, second;
  std::thread a([&] {
    auto r = s.BLPop(Keys{"fifo"}, absl::Seconds(10));
    ASSERT_OK(r);
    first = *r;
  });
  absl::SleepFor(absl::Milliseconds(150));  // a blocks first
  std::thread b([&] {
    auto r = s.BLPop(Keys{"other", "fifo"}, absl::Seconds(10));
    ASSERT_OK(r);
    second = *r;
  });
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_THAT(s.RPush("fifo", Keys{"1", "2"}), IsOkAndHolds(2));
  a.join();
  b.join();
  EXPECT_THAT(first, Optional(Pair("fifo", "1")));
  EXPECT_THAT(second, Optional(Pair("fifo", "2")));
  EXPECT_THAT(s.Exists(Keys{"fifo"}), IsOkAndHolds(0));
}

REGISTER_TYPED_TEST_SUITE_P(StoreListConformance, ListPushPopAndRange, ListPopWithCount,
                            ListPushXOnlyOntoExistingLists, ListSetRemTrim, ListMove, ListWrongType,
                            BlockingPopServesAtOnceWhenAnElementIsThere, BlockingPopTimesOut,
                            BlockingPopServedByAPushFromAnotherThread,
                            BlockingPopWithTimeoutZeroWaitsForAPush,
                            BlockedCallersAreServedFirstComeFirstServed);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreListConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis::conformance
