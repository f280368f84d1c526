// Session data, dates and the two serializers, checked against what
// express-session + connect-redis write (vectors generated with Node.js).
#include "lib/session/serializer.h"

#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/session.h"
#include "lib/util/status_matchers.h"
#include "tests/session/node_vectors.h"

namespace embedis {
namespace {

using ::embedis::session_testing::NodeVectors;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using Json = nlohmann::ordered_json;

const absl::Time kNow = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

TEST(JsDates, IsoAndUtcStringsMatchNode) {
  for (const auto& v : NodeVectors()["dates"]) {
    const absl::Time t = absl::FromUnixMillis(v["ms"].get<int64_t>());
    EXPECT_EQ(FormatIsoTime(t), v["iso"].get<std::string>()) << v.dump();
    EXPECT_EQ(FormatHttpDate(t), v["utc"].get<std::string>()) << v.dump();
    EXPECT_THAT(ParseIsoTime(v["iso"].get<std::string>()), IsOkAndHolds(t)) << v.dump();
  }
}

TEST(JsDates, ParseIsoAcceptsVariantsAndRejectsGarbage) {
  EXPECT_THAT(ParseIsoTime("2026-01-01T00:00:00Z"), IsOkAndHolds(kNow));
  EXPECT_THAT(ParseIsoTime("2026-01-01T01:30:00.000+01:30"), IsOkAndHolds(kNow));
  EXPECT_THAT(ParseIsoTime("2026-01-01T00:00:00.5Z"), IsOkAndHolds(kNow + absl::Milliseconds(500)));
  EXPECT_THAT(ParseIsoTime("2026-01-01T00:00Z"), IsOkAndHolds(kNow));
  for (const char* bad : {"", "2026", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zx",
                          "garbage", "2026-01-01T25:00:00Z", "Thu, 01 Jan 2026 00:00:00 GMT"}) {
    EXPECT_THAT(ParseIsoTime(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(SessionCookie, MaxAgeExpiresAndTouchFollowExpressSession) {
  Session s = Session::New({.max_age = absl::Minutes(1)}, kNow + absl::Microseconds(1500));
  EXPECT_EQ(s.cookie.original_max_age, 60000);
  EXPECT_EQ(s.cookie.expires, kNow + absl::Milliseconds(60001));  // ms precision
  EXPECT_EQ(s.cookie.MaxAge(kNow + absl::Seconds(1)), absl::Milliseconds(59001));
  s.cookie.ResetMaxAge(kNow + absl::Seconds(30));
  EXPECT_EQ(s.cookie.expires, kNow + absl::Seconds(90));
  EXPECT_EQ(s.cookie.original_max_age, 60000);

  Session browser = Session::New({}, kNow);
  EXPECT_EQ(browser.cookie.original_max_age, std::nullopt);
  EXPECT_EQ(browser.cookie.expires, std::nullopt);
  browser.cookie.ResetMaxAge(kNow);
  EXPECT_EQ(browser.cookie.expires, std::nullopt);
  EXPECT_EQ(browser.cookie.MaxAge(kNow), std::nullopt);

  // An absolute `expires` option becomes a relative lifetime.
  Session abs = Session::New({.expires = kNow + absl::Hours(1)}, kNow);
  EXPECT_EQ(abs.cookie.original_max_age, 3600000);
  abs.cookie.ResetMaxAge(kNow + absl::Hours(1));
  EXPECT_EQ(abs.cookie.expires, kNow + absl::Hours(2));
}

TEST(SessionCookie, AutoSecureAndSameSiteFollowTheRequest) {
  SessionCookieOptions o{.secure = SessionCookieOptions::Secure::kAuto, .same_site = "auto"};
  Session plain = Session::New(o, kNow, /*secure_request=*/false);
  EXPECT_EQ(plain.cookie.secure, false);
  EXPECT_EQ(plain.cookie.same_site, "lax");
  Session tls = Session::New(o, kNow, /*secure_request=*/true);
  EXPECT_EQ(tls.cookie.secure, true);
  EXPECT_EQ(tls.cookie.same_site, "none");
}

TEST(JsonSerializer, DefaultSessionIsExactlyWhatExpressSessionWrites) {
  Session s = Session::New({.max_age = absl::Hours(24)}, kNow);
  s.data["user"] = "ada";
  s.data["views"] = 3;
  EXPECT_EQ(JsonSessionSerializer()->Stringify(s),
            R"({"cookie":{"originalMaxAge":86400000,"expires":"2026-01-02T00:00:00.000Z",)"
            R"("httpOnly":true,"path":"/"},"user":"ada","views":3})");
  Session browser = Session::New({}, kNow);
  EXPECT_EQ(JsonSessionSerializer()->Stringify(browser),
            R"({"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"}})");
}

TEST(JsonSerializer, EveryNodeSessionRoundTripsByteForByte) {
  const auto& json = *JsonSessionSerializer();
  for (const auto& v : NodeVectors()["sessions"]) {
    const std::string node = v.get<std::string>();
    auto s = json.Parse(node);
    ASSERT_OK(s) << node;
    EXPECT_EQ(json.Stringify(*s), node);
    EXPECT_EQ(s->data["user"], "bob");
    EXPECT_EQ(s->data["list"][2]["three"], 3);
    // Through the binary serializer and back: still the same JSON.
    auto b = BinarySessionSerializer()->Parse(BinarySessionSerializer()->Stringify(*s));
    ASSERT_OK(b);
    EXPECT_EQ(*b, *s);
    EXPECT_EQ(json.Stringify(*b), node);
  }
}

TEST(JsonSerializer, ReadsEveryCookieField) {
  auto s = JsonSessionSerializer()->Parse(
      R"({"a":1,"cookie":{"originalMaxAge":1000,"partitioned":true,"priority":"high",)"
      R"("expires":"2026-01-01T00:00:01.000Z","secure":true,"httpOnly":false,)"
      R"("domain":"example.com","path":"/app","sameSite":true,"unknown":1},"b":2})");
  ASSERT_OK(s);
  const SessionCookie& c = s->cookie;
  EXPECT_EQ(c.original_max_age, 1000);
  EXPECT_EQ(c.partitioned, true);
  EXPECT_EQ(c.priority, "high");
  EXPECT_EQ(c.expires, kNow + absl::Seconds(1));
  EXPECT_EQ(c.secure, true);
  EXPECT_EQ(c.http_only, false);
  EXPECT_EQ(c.domain, "example.com");
  EXPECT_EQ(c.path, "/app");
  EXPECT_EQ(c.same_site, "true");
  EXPECT_EQ(s->cookie_position, 1u);
  EXPECT_EQ(s->data, Json::parse(R"({"a":1,"b":2})"));
  // Cookie stays where it was; the unknown cookie field is dropped (as express-session does).
  EXPECT_EQ(JsonSessionSerializer()->Stringify(*s),
            R"({"a":1,"cookie":{"originalMaxAge":1000,"partitioned":true,"priority":"high",)"
            R"("expires":"2026-01-01T00:00:01.000Z","secure":true,"httpOnly":false,)"
            R"("domain":"example.com","path":"/app","sameSite":true},"b":2})");
}

TEST(JsonSerializer, KeyOrderSurvivesEdits) {
  auto s = JsonSessionSerializer()->Parse(
      R"({"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},)"
      R"("zebra":1,"apple":2,"mango":{"y":1,"b":2}})");
  ASSERT_OK(s);
  s->data["apple"] = 3;
  s->data["kiwi"] = 4;
  EXPECT_EQ(JsonSessionSerializer()->Stringify(*s),
            R"({"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},)"
            R"("zebra":1,"apple":3,"mango":{"y":1,"b":2},"kiwi":4})");
}

TEST(JsonSerializer, RejectsWhatExpressSessionCannotLoad) {
  const auto& json = *JsonSessionSerializer();
  for (const char* bad :
       {"", "null", "[]", "\"s\"", "{", "{}", R"({"cookie":1})", R"({"cookie":null})",
        R"({"cookie":{"expires":"tomorrow"}})", R"({"cookie":{}} trailing)", "\xff\xfe"}) {
    EXPECT_THAT(json.Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  std::string deep =
      R"({"cookie":{},"x":)" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_THAT(json.Parse(deep), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JsonSerializer, ParsesAsJsonParseDoes) {
  const auto& json = *JsonSessionSerializer();
  const std::string in =
      R"({"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},)"
      R"("lone":"\ud800x\udfff","pair":"\ud83d\ude00","dup":{"a":1,"b":2,"a":3},)"
      R"("big":1e400,"tiny":1e-400,"neg":-9223372036854775808,"u":18446744073709551615,)"
      R"("esc":"\"\\\/\b\f\n\r\t\u0001\u00e9","ws" : [ 1 , 2 ] })";
  auto s = json.Parse(in);
  ASSERT_OK(s);
  EXPECT_EQ(s->data["pair"], "\xF0\x9F\x98\x80");
  EXPECT_EQ(s->data["dup"], Json::parse(R"({"a":3,"b":2})"));
  EXPECT_EQ(s->data["neg"].get<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(s->data["u"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(json.Stringify(*s),
            R"({"cookie":{"originalMaxAge":null,"expires":null,"httpOnly":true,"path":"/"},)"
            R"("lone":"\ud800x\udfff","pair":"😀","dup":{"a":3,"b":2},"big":null,"tiny":0,)"
            R"("neg":-9223372036854775808,"u":18446744073709551615,)"
            R"("esc":"\"\\/\b\f\n\r\t\u0001é","ws":[1,2]})");
  for (const char* bad :
       {"{\"cookie\":{},\"a\":\"\x01\"}", R"({"cookie":{},"a":01})", R"({"cookie":{},"a":1.})",
        R"({"cookie":{},"a":.5})", R"({"cookie":{},"a":+1})", R"({"cookie":{},"a":"\x"})",
        R"({"cookie":{},"a":"\u12"})", R"({"cookie":{},"a":tru})", R"({"cookie":{},"a":[1,]})",
        R"({"cookie":{},})", R"({'cookie':{}})", "\xEF\xBB\xBF{\"cookie\":{}}",
        R"({"cookie":{},"a":NaN})"}) {
    EXPECT_THAT(json.Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  // Big objects (the duplicate check switches to a hash index) keep order and dedupe.
  std::string big = R"({"cookie":{})";
  for (int i = 0; i < 100; ++i) big += ",\"k" + std::to_string(i) + "\":" + std::to_string(i);
  big += R"(,"k5":"again","k77":"again"})";
  auto b = json.Parse(big);
  ASSERT_OK(b);
  EXPECT_EQ(b->data.size(), 100u);
  EXPECT_EQ(b->data["k5"], "again");
  EXPECT_EQ(b->data.begin().key(), "k0");
}

TEST(JsJson, NumbersAreFormattedAsJavaScriptDoes) {
  for (const auto& v : NodeVectors()["numbers"]) {
    std::string out;
    AppendJsNumber(v["n"].get<double>(), &out);
    EXPECT_EQ(out, v["js"].get<std::string>()) << v.dump();
  }
  std::string out;
  AppendJsNumber(std::numeric_limits<double>::quiet_NaN(), &out);
  EXPECT_EQ(out, "null");
  out.clear();
  AppendJsJson(Json(2.0), &out);  // a C++ double that is integral: "2" as in JavaScript
  EXPECT_EQ(out, "2");
}

TEST(JsJson, StringsAreEscapedAsJsonStringifyDoes) {
  for (const auto& v : NodeVectors()["strings"]) {
    std::string out;
    AppendJsJson(v["s"], &out);
    EXPECT_EQ(out, v["json"].get<std::string>()) << v.dump();
  }
  std::string out;
  AppendJsJson(Json(std::string("a\xff"
                                "b\xc3")),
               &out);  // invalid UTF-8 becomes U+FFFD
  EXPECT_EQ(out,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\"");
}

TEST(BinarySerializer, RoundTripsEverythingAndIsSmaller) {
  Session s = Session::New({.max_age = absl::Hours(24),
                            .domain = "example.com",
                            .secure = SessionCookieOptions::Secure::kOn,
                            .same_site = "lax",
                            .partitioned = false,
                            .priority = "low"},
                           kNow);
  s.data = Json::parse(R"({"user":"ada","n":-5,"u":18446744073709551615,"f":0.25,)"
                       R"("list":[null,true,false,"x",{"k":[]}],"empty":{}})");
  s.cookie_position = 3;
  const std::string bin = BinarySessionSerializer()->Stringify(s);
  EXPECT_THAT(BinarySessionSerializer()->Parse(bin), IsOkAndHolds(s));
  EXPECT_LT(bin.size(), JsonSessionSerializer()->Stringify(s).size());
}

TEST(BinarySerializer, EveryTruncationAndBitFlipFailsCleanly) {
  Session s = Session::New({.max_age = absl::Hours(1)}, kNow);
  s.data = Json::parse(R"({"user":"ada","list":[1,2,{"x":"y"}],"f":1.5})");
  const std::string bin = BinarySessionSerializer()->Stringify(s);
  for (size_t n = 0; n < bin.size(); ++n) {
    EXPECT_FALSE(BinarySessionSerializer()->Parse(bin.substr(0, n)).ok()) << n;
  }
  for (size_t i = 0; i < bin.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bin;
      flipped[i] ^= static_cast<char>(1 << bit);
      (void)BinarySessionSerializer()->Parse(flipped);  // any answer, but no crash
    }
  }
  // Huge declared lengths never allocate.
  EXPECT_FALSE(
      BinarySessionSerializer()
          ->Parse(std::string("\xE5\x01\x00\x00\x00\x08\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 15))
          .ok());
}

}  // namespace
}  // namespace embedis
