// Cookie signing (cookie-signature), Cookie/Set-Cookie headers (cookie) and
// session ids (uid-safe), against vectors generated with the npm packages.
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/cookie.h"
#include "lib/session/session_id.h"
#include "lib/session/signature.h"
#include "lib/util/status_matchers.h"
#include "tests/session/node_vectors.h"

namespace embedis {
namespace {

using ::embedis::session_testing::NodeVectors;
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Pair;

TEST(CookieSignature, SignMatchesNodeCookieSignature) {
  ASSERT_FALSE(NodeVectors()["sign"].empty());
  for (const auto& v : NodeVectors()["sign"]) {
    const std::string value = v["value"], secret = v["secret"], signed_value = v["signed"];
    EXPECT_EQ(SignCookieValue(value, secret), signed_value) << v.dump();
    EXPECT_EQ(UnsignCookieValue(signed_value, secret), value) << v.dump();
  }
}

TEST(CookieSignature, UnsignMatchesNodeCookieSignature) {
  for (const auto& v : NodeVectors()["unsign"]) {
    std::optional<std::string> expected;
    if (!v["result"].is_null()) expected = v["result"].get<std::string>();
    EXPECT_EQ(UnsignCookieValue(v["input"].get<std::string>(), v["secret"].get<std::string>()),
              expected)
        << v.dump();
  }
}

TEST(CookieSignature, KnownExpressSessionValue) {
  // The signature express-session 1.19 put on this id with secret "keyboard cat".
  EXPECT_EQ(SignCookieValue("Yd8fTs0BzXKj1yQn3vC9mW2pL5rH7gE4", "keyboard cat"),
            NodeVectors()["sign"][2]["signed"].get<std::string>());
}

TEST(CookieSigner, FirstSecretSignsEverySecretVerifies) {
  CookieSigner old_only({"old"});
  CookieSigner rotated({"new", "old"});
  const std::string by_old = old_only.Sign("sid");
  const std::string by_new = rotated.Sign("sid");
  EXPECT_EQ(by_new, SignCookieValue("sid", "new"));
  EXPECT_EQ(rotated.Unsign(by_old), "sid");
  EXPECT_EQ(rotated.Unsign(by_new), "sid");
  EXPECT_EQ(old_only.Unsign(by_new), std::nullopt);
  EXPECT_EQ(CookieSigner({"other"}).Unsign(by_old), std::nullopt);
}

TEST(CookieHeader, ParseMatchesNodeCookie) {
  for (const auto& v : NodeVectors()["parse"]) {
    std::vector<std::pair<std::string, std::string>> expected;
    for (const auto& kv : v["result"]) expected.emplace_back(kv[0], kv[1]);
    EXPECT_EQ(ParseCookieHeader(v["header"].get<std::string>()), expected) << v.dump();
    for (const auto& [name, value] : expected) {
      EXPECT_EQ(GetCookie(v["header"].get<std::string>(), name), value) << v.dump();
    }
  }
  EXPECT_EQ(GetCookie("a=1", "b"), std::nullopt);
}

TEST(CookieHeader, SerializeMatchesNodeCookie) {
  for (const auto& v : NodeVectors()["serialize"]) {
    const auto& o = v["options"];
    SetCookieAttributes a;
    if (o.contains("maxAge")) a.max_age_seconds = static_cast<int64_t>(o["maxAge"].get<double>());
    if (o.contains("domain")) a.domain = o["domain"].get<std::string>();
    if (o.contains("path")) a.path = o["path"].get<std::string>();
    if (o.contains("expires")) a.expires = absl::FromUnixMillis(o["expires"].get<int64_t>());
    a.http_only = o.value("httpOnly", false);
    a.secure = o.value("secure", false);
    a.partitioned = o.value("partitioned", false);
    if (o.contains("priority")) a.priority = o["priority"].get<std::string>();
    if (o.contains("sameSite")) {
      a.same_site = o["sameSite"].is_boolean() ? (o["sameSite"].get<bool>() ? "true" : "false")
                                               : o["sameSite"].get<std::string>();
    }
    auto got = SerializeCookie(v["name"].get<std::string>(), v["value"].get<std::string>(), a);
    if (v["error"].is_null()) {
      EXPECT_THAT(got, IsOkAndHolds(v["result"].get<std::string>())) << v.dump();
    } else {
      EXPECT_THAT(got, StatusIs(absl::StatusCode::kInvalidArgument, v["error"].get<std::string>()))
          << v.dump();
    }
  }
}

TEST(CookieHeader, DecodeUriComponentMatchesJavaScript) {
  for (const auto& v : NodeVectors()["decode"]) {
    std::optional<std::string> expected;
    if (!v["out"].is_null()) expected = v["out"].get<std::string>();
    EXPECT_EQ(DecodeUriComponent(v["in"].get<std::string>()), expected) << v.dump();
  }
  EXPECT_EQ(EncodeUriComponent("s:a+b/c=d é"), "s%3Aa%2Bb%2Fc%3Dd%20%C3%A9");
}

TEST(SessionId, ThirtyTwoBase64UrlCharactersAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = GenerateSessionId();
    ASSERT_EQ(id.size(), 32u) << id;
    for (char c : id) {
      ASSERT_TRUE(absl::ascii_isalnum(c) || c == '-' || c == '_') << id;
    }
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace embedis
