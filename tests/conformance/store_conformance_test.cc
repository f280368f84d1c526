// Strings, keys, TTLs, counters, SCAN and the generic Command(), on every backend of
// store_conformance.h (the suite keeps the name StoreConformance). The other capabilities each
// have a file of their own beside this one: hashes, lists, sets and sorted sets, Pub/Sub, scripts.
#include "tests/conformance/store_conformance.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"

namespace embedis::conformance {
namespace {

TYPED_TEST_SUITE_P(StoreConformance);

TYPED_TEST_P(StoreConformance, GetSetBasics) {
  Store& s = this->store();
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Set("k", "v"), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.Set("k", ""), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string(""))));
}

TYPED_TEST_P(StoreConformance, SetConditions) {
  Store& s = this->store();
  using C = StoreSetOptions::Condition;
  EXPECT_THAT(s.Set("k", "1", {.condition = C::kIfExists}), IsOkAndHolds(false));
  EXPECT_THAT(s.Set("k", "1", {.condition = C::kIfMissing}), IsOkAndHolds(true));
  EXPECT_THAT(s.Set("k", "2", {.condition = C::kIfMissing}), IsOkAndHolds(false));
  EXPECT_THAT(s.Set("k", "3", {.condition = C::kIfExists}), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.SetGet("k", "4"), IsOkAndHolds(Optional(std::string("3"))));
  EXPECT_THAT(s.SetGet("new", "x"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.SetGet("k", "5", {.condition = C::kIfMissing}),
              IsOkAndHolds(Optional(std::string("4"))));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(Optional(std::string("4"))));
}

TYPED_TEST_P(StoreConformance, TtlRules) {
  Store& s = this->store();
  EXPECT_THAT(s.Ttl("missing"), IsOkAndHolds(-2));
  EXPECT_THAT(s.PTtl("missing"), IsOkAndHolds(absl::Milliseconds(-2)));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(-1));
  EXPECT_THAT(s.PTtl("k"), IsOkAndHolds(absl::Milliseconds(-1)));
  ASSERT_OK(s.Set("k", "v", {.ttl = absl::Seconds(100)}));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(100));
  auto pttl = s.PTtl("k");
  ASSERT_OK(pttl);
  EXPECT_GT(*pttl, absl::Seconds(99));
  EXPECT_LE(*pttl, absl::Seconds(100));
  // KEEPTTL keeps it, a plain SET clears it.
  ASSERT_OK(s.Set("k", "v2", {.keep_ttl = true}));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(100));
  ASSERT_OK(s.Set("k", "v3"));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(-1));
  // Zero and negative TTLs are Redis's error; nothing is written.
  EXPECT_THAT(
      s.Set("z", "v", {.ttl = absl::ZeroDuration()}),
      StatusIs(absl::StatusCode::kInvalidArgument, "ERR invalid expire time in 'set' command"));
  EXPECT_THAT(s.Set("z", "v", {.ttl = absl::Seconds(-5)}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.Get("z"), IsOkAndHolds(std::nullopt));
  // A positive TTL under a millisecond is one millisecond on both.
  EXPECT_THAT(s.Set("tiny", "v", {.ttl = absl::Microseconds(10)}), IsOkAndHolds(true));
  // Conflicting options are Redis's syntax error.
  EXPECT_THAT(s.Set("z", "v", {.ttl = absl::Seconds(1), .keep_ttl = true}),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR syntax error"));
  // Empty key lists are Redis's arity errors.
  EXPECT_THAT(s.Del(Keys{}), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "ERR wrong number of arguments for 'del' command"));
  EXPECT_THAT(s.MGet(Keys{}), StatusIs(absl::StatusCode::kInvalidArgument));
  // An absolute deadline in the past stores nothing and removes the old value.
  ASSERT_OK(s.Set("p", "old"));
  EXPECT_THAT(s.Set("p", "new", {.expire_at = absl::FromUnixSeconds(1)}), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("p"), IsOkAndHolds(std::nullopt));
}

TYPED_TEST_P(StoreConformance, ExpireFamilyWithConditions) {
  Store& s = this->store();
  EXPECT_THAT(s.Expire("missing", absl::Seconds(10)), IsOkAndHolds(false));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.Expire("k", absl::Seconds(100), {.xx = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(100), {.gt = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(100), {.lt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Expire("k", absl::Seconds(200), {.nx = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(200), {.xx = true, .gt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(200));
  EXPECT_THAT(s.Expire("k", absl::Seconds(300), {.lt = true}), IsOkAndHolds(false));
  EXPECT_THAT(s.Expire("k", absl::Seconds(50), {.xx = true, .lt = true}), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(50));
  EXPECT_THAT(s.Expire("k", absl::Seconds(1), {.nx = true, .xx = true}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR NX and XX, GT or LT options at the same time are not compatible"));
  EXPECT_THAT(s.Expire("k", absl::Seconds(1), {.gt = true, .lt = true}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "ERR GT and LT options at the same time are not compatible"));
  EXPECT_THAT(s.Persist("k"), IsOkAndHolds(true));
  EXPECT_THAT(s.Persist("k"), IsOkAndHolds(false));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(-1));
  // Zero, negative and past deadlines delete the key.
  EXPECT_THAT(s.Expire("k", absl::ZeroDuration()), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("k"), IsOkAndHolds(std::nullopt));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.Expire("k", absl::Seconds(-1)), IsOkAndHolds(true));
  EXPECT_THAT(s.Exists(Keys{"k"}), IsOkAndHolds(0));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.ExpireAt("k", absl::FromUnixSeconds(1000)), IsOkAndHolds(true));
  EXPECT_THAT(s.Exists(Keys{"k"}), IsOkAndHolds(0));
  ASSERT_OK(s.Set("k", "v"));
  EXPECT_THAT(s.ExpireAt("k", this->backend_.Now() + absl::Hours(1)), IsOkAndHolds(true));
  EXPECT_THAT(s.Ttl("k"), IsOkAndHolds(3600));
}

TYPED_TEST_P(StoreConformance, KeysExpireAfterTheirTtl) {
  Store& s = this->store();
  ASSERT_OK(s.Set("short", "v", {.ttl = absl::Milliseconds(200)}));
  ASSERT_OK(s.Set("long", "v", {.ttl = absl::Seconds(100)}));
  ASSERT_OK(s.HSet("h", Fields{{"f", "v"}}));
  ASSERT_THAT(s.Expire("h", absl::Milliseconds(200)), IsOkAndHolds(true));
  this->backend_.Advance(absl::Milliseconds(700));  // generous margin for the real server
  EXPECT_THAT(s.Get("short"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HGet("h", "f"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Get("long"), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(1));
}

TYPED_TEST_P(StoreConformance, MultiKey) {
  Store& s = this->store();
  ASSERT_OK(s.MSet(Fields{{"a", "1"}, {"b", "2"}}));
  ASSERT_OK(s.HSet("h", Fields{{"f", "v"}}));
  EXPECT_THAT(s.MGet(Keys{"a", "missing", "b", "h"}),
              IsOkAndHolds(ElementsAre(Optional(std::string("1")), std::nullopt,
                                       Optional(std::string("2")), std::nullopt)));
  EXPECT_THAT(s.Exists(Keys{"a", "a", "b", "zz"}), IsOkAndHolds(3));
  EXPECT_THAT(s.Del(Keys{"a", "a", "zz"}), IsOkAndHolds(1));
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(2));
  ASSERT_OK(s.FlushDb());
  EXPECT_THAT(s.DbSize(), IsOkAndHolds(0));
}

TYPED_TEST_P(StoreConformance, Counters) {
  Store& s = this->store();
  EXPECT_THAT(s.Incr("n"), IsOkAndHolds(1));
  EXPECT_THAT(s.IncrBy("n", 41), IsOkAndHolds(42));
  EXPECT_THAT(s.Decr("n"), IsOkAndHolds(41));
  EXPECT_THAT(s.IncrBy("n", -50), IsOkAndHolds(-9));
  ASSERT_OK(s.Set("max", "9223372036854775807"));
  EXPECT_THAT(s.Incr("max"), StatusIs(absl::StatusCode::kInvalidArgument,
                                      "ERR increment or decrement would overflow"));
  ASSERT_OK(s.Set("text", "abc"));
  EXPECT_THAT(s.Incr("text"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       "ERR value is not an integer or out of range"));
  EXPECT_THAT(s.IncrByFloat("f", 1.5), IsOkAndHolds(1.5));
  EXPECT_THAT(s.IncrByFloat("f", 0.25), IsOkAndHolds(1.75));
  EXPECT_THAT(s.Get("f"), IsOkAndHolds(Optional(std::string("1.75"))));
  EXPECT_THAT(s.IncrByFloat("text", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, "ERR value is not a valid float"));
  // The TTL survives INCR.
  ASSERT_OK(s.Set("c", "1", {.ttl = absl::Seconds(100)}));
  EXPECT_THAT(s.Incr("c"), IsOkAndHolds(2));
  EXPECT_THAT(s.Ttl("c"), IsOkAndHolds(100));
}

TYPED_TEST_P(StoreConformance, WrongType) {
  Store& s = this->store();
  ASSERT_OK(s.HSet("h", Fields{{"f", "v"}}));
  ASSERT_OK(s.Set("str", "v"));
  const std::string kText = "WRONGTYPE Operation against a key holding the wrong kind of value";
  const auto kCode = absl::StatusCode::kFailedPrecondition;
  EXPECT_THAT(s.Get("h"), StatusIs(kCode, kText));
  EXPECT_THAT(s.SetGet("h", "x"), StatusIs(kCode, kText));
  EXPECT_THAT(s.Incr("h"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HGet("str", "f"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HSet("str", Fields{{"f", "v"}}), StatusIs(kCode, kText));
  EXPECT_THAT(s.HGetAll("str"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HLen("str"), StatusIs(kCode, kText));
  EXPECT_THAT(s.HIncrBy("str", "f", 1), StatusIs(kCode, kText));
  // A plain SET replaces any type.
  EXPECT_THAT(s.Set("h", "now a string"), IsOkAndHolds(true));
  EXPECT_THAT(s.Get("h"), IsOkAndHolds(Optional(std::string("now a string"))));
}

TYPED_TEST_P(StoreConformance, ScanWithMatchCountType) {
  Store& s = this->store();
  std::set<std::string> sessions;
  for (int i = 0; i < 300; ++i) {
    std::string k = "sess:" + std::to_string(i);
    ASSERT_OK(s.Set(k, "v"));
    sessions.insert(k);
  }
  for (int i = 0; i < 50; ++i) ASSERT_OK(s.Set("other:" + std::to_string(i), "v"));
  ASSERT_OK(s.HSet("sess:hash", Fields{{"f", "v"}}));
  for (int64_t count : {1, 10, 1000}) {
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      auto page = s.Scan(cursor, {.match = "sess:*", .count = count, .type = "string"});
      ASSERT_OK(page);
      seen.insert(page->keys.begin(), page->keys.end());
      cursor = page->cursor;
      ASSERT_LT(++calls, 100000);
    } while (cursor != 0);
    EXPECT_EQ(seen, sessions) << "count " << count;
  }
  auto hashes = s.Scan(0, {.count = 1000, .type = "hash"});
  ASSERT_OK(hashes);
  std::vector<std::string> all_hashes = hashes->keys;
  for (uint64_t c = hashes->cursor; c != 0;) {
    auto p = s.Scan(c, {.count = 1000, .type = "hash"});
    ASSERT_OK(p);
    all_hashes.insert(all_hashes.end(), p->keys.begin(), p->keys.end());
    c = p->cursor;
  }
  EXPECT_THAT(all_hashes, ElementsAre("sess:hash"));
}

TYPED_TEST_P(StoreConformance, BigAndBinaryValues) {
  Store& s = this->store();
  std::string big(3 * 1024 * 1024 + 7, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + 7);
  ASSERT_OK(s.Set("big", big));
  EXPECT_THAT(s.Get("big"), IsOkAndHolds(Optional(big)));
  std::string key("k\0e\r\ny", 6), value("\0\r\n\xff", 4);
  ASSERT_OK(s.Set(key, value));
  EXPECT_THAT(s.Get(key), IsOkAndHolds(Optional(value)));
  EXPECT_THAT(s.Get(std::string_view("k", 1)), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.HSet(key, Fields{{std::string_view("f\0", 2), value}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(s.HSet("bh", Fields{{std::string_view("f\0", 2), value}}));
  EXPECT_THAT(s.HGet("bh", std::string_view("f\0", 2)), IsOkAndHolds(Optional(value)));
  EXPECT_THAT(s.HGet("bh", "f"), IsOkAndHolds(std::nullopt));
}

TYPED_TEST_P(StoreConformance, GenericCommandMatchesAcrossBackends) {
  Store& s = this->store();
  EXPECT_THAT(s.Command({"SET", "k", "v"}), IsOkAndHolds(resp::Value::SimpleString("OK")));
  EXPECT_THAT(s.Command({"GET", "k"}), IsOkAndHolds(resp::Value::BulkString("v")));
  EXPECT_THAT(s.Command({"GET", "missing"}), IsOkAndHolds(resp::Value::NullBulk()));
  EXPECT_THAT(s.Command({"APPEND", "k", "w"}), IsOkAndHolds(resp::Value::Integer(2)));
  EXPECT_THAT(
      s.Command({"MGET", "k", "missing"}),
      IsOkAndHolds(resp::Value::Array({resp::Value::BulkString("vw"), resp::Value::NullBulk()})));
  EXPECT_THAT(s.Command({"TYPE", "k"}), IsOkAndHolds(resp::Value::SimpleString("string")));
  EXPECT_THAT(s.Command({"GETRANGE", "k", "0", "0"}), IsOkAndHolds(resp::Value::BulkString("v")));
  EXPECT_THAT(s.Command({"NOSUCHCOMMAND", "a", "b"}),
              IsOkAndHolds(resp::Value::Error(
                  "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' 'b' ")));
  EXPECT_THAT(s.Command({"GET"}),
              IsOkAndHolds(resp::Value::Error("ERR wrong number of arguments for 'get' command")));
  EXPECT_THAT(s.Command({"SET", "k", "v", "EX", "0"}),
              IsOkAndHolds(resp::Value::Error("ERR invalid expire time in 'set' command")));
  EXPECT_THAT(s.Command({"HSET", "h", "f", "v"}), IsOkAndHolds(resp::Value::Integer(1)));
  EXPECT_THAT(s.Command({"HGETALL", "h"}),
              IsOkAndHolds(resp::Value::Array(
                  {resp::Value::BulkString("f"), resp::Value::BulkString("v")})));
  EXPECT_THAT(s.Command({"GET", "h"}),
              IsOkAndHolds(resp::Value::Error(
                  "WRONGTYPE Operation against a key holding the wrong kind of value")));
}

REGISTER_TYPED_TEST_SUITE_P(StoreConformance, GetSetBasics, SetConditions, TtlRules,
                            ExpireFamilyWithConditions, KeysExpireAfterTheirTtl, MultiKey, Counters,
                            WrongType, ScanWithMatchCountType, BigAndBinaryValues,
                            GenericCommandMatchesAcrossBackends);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis::conformance
