// SessionManager: express-session's save/touch/cookie decisions, regenerate,
// destroy, secret rotation, and robustness against hostile cookies.
#include "lib/session/session_manager.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/session/cookie.h"
#include "lib/session/signature.h"
#include "lib/store/memory_store.h"
#include "lib/util/status_matchers.h"
#include "tests/session/session_test_util.h"

namespace embedis {
namespace {

using ::embedis::session_testing::RecordingStore;
using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Action = SessionResponse::StoreAction;

class SessionManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = NewMemoryStore({.keyspace = {.clock = &clock_}});
    ASSERT_OK(s);
    backend_ = std::move(*s);
    recorder_ = std::make_unique<RecordingStore>(backend_.get());
    sessions_ = std::make_unique<SessionStore>(recorder_.get());
  }

  std::unique_ptr<SessionManager> Manager(SessionManagerOptions o) {
    if (o.secrets.empty()) o.secrets = {"keyboard cat"};
    auto m = SessionManager::Create(sessions_.get(), std::move(o));
    EXPECT_OK(m);
    return m.ok() ? std::move(*m) : nullptr;
  }

  // The Cookie header a browser sends back for a Set-Cookie line.
  static std::string CookieFrom(const std::string& set_cookie) {
    return set_cookie.substr(0, set_cookie.find(';'));
  }

  struct Exchange {
    std::string id;
    bool is_new;
    SessionResponse response;
  };
  // One request: load, let `handler` act on the session, commit.
  Exchange Request(SessionManager& m, std::string_view cookie,
                   const std::function<void(RequestSession&)>& handler = nullptr,
                   bool secure = false) {
    auto rs = m.Load({.cookie_header = cookie, .path = "/", .secure = secure});
    EXPECT_OK(rs);
    if (!rs.ok()) return {};
    if (handler) handler(*rs);
    auto out = m.Commit(*rs);
    EXPECT_OK(out);
    return {rs->id(), rs->is_new(), out.ok() ? *out : SessionResponse{}};
  }

  std::optional<std::string> Stored(std::string_view id) {
    auto v = backend_->Get("sess:" + std::string(id));
    EXPECT_OK(v);
    return v.ok() ? *v : std::nullopt;
  }

  ManualClock clock_;
  std::unique_ptr<Store> backend_;
  std::unique_ptr<RecordingStore> recorder_;
  std::unique_ptr<SessionStore> sessions_;
};

void SetUser(RequestSession& rs) { rs->data["user"] = "ada"; }

TEST_F(SessionManagerTest, CreateRequiresSecretsAndAValidName) {
  EXPECT_THAT(SessionManager::Create(sessions_.get(), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("secret")));
  EXPECT_THAT(SessionManager::Create(sessions_.get(), {.name = "bad name", .secrets = {"k"}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SessionManagerTest, NewSessionSavedAndCookieSetWithSaveUninitialized) {
  auto m = Manager({.cookie = {.max_age = absl::Hours(1)}});
  Exchange e = Request(*m, "");
  EXPECT_TRUE(e.is_new);
  EXPECT_EQ(e.id.size(), 32u);
  EXPECT_EQ(e.response.store_action, Action::kSaved);
  ASSERT_TRUE(e.response.set_cookie);
  EXPECT_EQ(*e.response.set_cookie,
            "connect.sid=" + EncodeUriComponent("s:" + SignCookieValue(e.id, "keyboard cat")) +
                "; Path=/; Expires=Thu, 01 Jan 2026 01:00:00 GMT; HttpOnly");
  EXPECT_EQ(Stored(e.id),
            R"({"cookie":{"originalMaxAge":3600000,"expires":"2026-01-01T01:00:00.000Z",)"
            R"("httpOnly":true,"path":"/"}})");
}

TEST_F(SessionManagerTest, UninitializedSessionIsNeitherSavedNorSentWithoutSaveUninitialized) {
  auto m = Manager({.resave = false, .save_uninitialized = false});
  Exchange e = Request(*m, "");
  EXPECT_EQ(e.response.store_action, Action::kNone);
  EXPECT_FALSE(e.response.set_cookie);
  EXPECT_EQ(Stored(e.id), std::nullopt);
  Exchange modified = Request(*m, "", SetUser);
  EXPECT_EQ(modified.response.store_action, Action::kSaved);
  EXPECT_TRUE(modified.response.set_cookie);
}

TEST_F(SessionManagerTest, ReturningVisitorIsTouchedNotRewrittenWhenUnmodified) {
  auto m = Manager(
      {.cookie = {.max_age = absl::Hours(1)}, .resave = false, .save_uninitialized = false});
  Exchange first = Request(*m, "", SetUser);
  const std::string cookie = CookieFrom(*first.response.set_cookie);
  clock_.Advance(absl::Minutes(30));
  recorder_->ClearCalls();
  Exchange second = Request(*m, cookie);
  EXPECT_FALSE(second.is_new);
  EXPECT_EQ(second.id, first.id);
  EXPECT_EQ(second.response.store_action, Action::kTouched);
  EXPECT_FALSE(second.response.set_cookie);  // not rolling, not modified
  EXPECT_THAT(recorder_->calls(), ElementsAre("GET", "EXPIRE"));
  EXPECT_THAT(backend_->PTtl("sess:" + first.id), ::embedis::testing::IsOkAndHolds(absl::Hours(1)));

  // Modified: saved, and (the cookie has an expiry) sent again.
  Exchange third = Request(*m, cookie, [](RequestSession& rs) { rs->data["views"] = 1; });
  EXPECT_EQ(third.response.store_action, Action::kSaved);
  EXPECT_TRUE(third.response.set_cookie);
}

TEST_F(SessionManagerTest, BrowserSessionCookieIsNotResentWhenModified) {
  auto m = Manager({.resave = false, .save_uninitialized = false});
  Exchange first = Request(*m, "", SetUser);
  Exchange second = Request(*m, CookieFrom(*first.response.set_cookie),
                            [](RequestSession& rs) { rs->data["views"] = 1; });
  EXPECT_EQ(second.response.store_action, Action::kSaved);
  EXPECT_FALSE(second.response.set_cookie);  // no expires: express-session does not resend
}

TEST_F(SessionManagerTest, ResaveSavesUnmodifiedSessions) {
  auto m = Manager({.resave = true, .save_uninitialized = false});
  Exchange first = Request(*m, "", SetUser);
  Exchange second = Request(*m, CookieFrom(*first.response.set_cookie));
  EXPECT_EQ(second.response.store_action, Action::kSaved);
}

TEST_F(SessionManagerTest, RollingSendsTheCookieEveryTime) {
  auto m = Manager({.cookie = {.max_age = absl::Hours(1)},
                    .resave = false,
                    .save_uninitialized = false,
                    .rolling = true});
  Exchange first = Request(*m, "", SetUser);
  clock_.Advance(absl::Minutes(10));
  Exchange second = Request(*m, CookieFrom(*first.response.set_cookie));
  EXPECT_EQ(second.response.store_action, Action::kTouched);
  ASSERT_TRUE(second.response.set_cookie);
  EXPECT_THAT(*second.response.set_cookie, HasSubstr("Expires=Thu, 01 Jan 2026 01:10:00 GMT"));
}

TEST_F(SessionManagerTest, ExpiredSessionStartsAfresh) {
  auto m = Manager({.cookie = {.max_age = absl::Seconds(10)}});
  Exchange first = Request(*m, "", SetUser);
  clock_.Advance(absl::Seconds(11));
  Exchange second = Request(*m, CookieFrom(*first.response.set_cookie));
  EXPECT_TRUE(second.is_new);
  EXPECT_NE(second.id, first.id);
}

TEST_F(SessionManagerTest, RegenerateDestroysOldIdAndSavesNewOne) {
  auto m = Manager({.resave = false, .save_uninitialized = false});
  Exchange first = Request(*m, "", SetUser);
  std::string new_id;
  Exchange second = Request(*m, CookieFrom(*first.response.set_cookie), [&](RequestSession& rs) {
    ASSERT_OK(rs.Regenerate());
    new_id = rs.id();
    rs->data["user"] = "bob";
  });
  EXPECT_NE(new_id, first.id);
  EXPECT_EQ(Stored(first.id), std::nullopt);
  EXPECT_EQ(second.response.store_action, Action::kSaved);
  ASSERT_TRUE(second.response.set_cookie);
  EXPECT_THAT(*second.response.set_cookie, HasSubstr(EncodeUriComponent("s:" + new_id + ".")));
  EXPECT_THAT(Stored(new_id), ::testing::Optional(HasSubstr("\"user\":\"bob\"")));
}

TEST_F(SessionManagerTest, DestroyDeletesAndSendsNothing) {
  auto m = Manager({.resave = false, .save_uninitialized = false});
  Exchange first = Request(*m, "", SetUser);
  Exchange second = Request(*m, CookieFrom(*first.response.set_cookie),
                            [](RequestSession& rs) { ASSERT_OK(rs.Destroy()); });
  EXPECT_EQ(Stored(first.id), std::nullopt);
  EXPECT_EQ(second.response.store_action, Action::kNone);
  EXPECT_FALSE(second.response.set_cookie);
}

TEST_F(SessionManagerTest, UnsetKeepsOrDestroysPerOption) {
  for (auto unset : {SessionManagerOptions::Unset::kKeep, SessionManagerOptions::Unset::kDestroy}) {
    auto m = Manager({.resave = false, .save_uninitialized = false, .unset = unset});
    Exchange first = Request(*m, "", SetUser);
    Exchange second =
        Request(*m, CookieFrom(*first.response.set_cookie), [](RequestSession& rs) { rs.Unset(); });
    EXPECT_FALSE(second.response.set_cookie);
    EXPECT_EQ(Stored(first.id).has_value(), unset == SessionManagerOptions::Unset::kKeep);
  }
}

TEST_F(SessionManagerTest, SaveAndReload) {
  auto m = Manager({.resave = false, .save_uninitialized = false});
  auto rs = m->Load({});
  ASSERT_OK(rs);
  (*rs)->data["a"] = 1;
  ASSERT_OK(rs->Save());
  (*rs)->data["a"] = 2;
  ASSERT_OK(rs->Reload());
  EXPECT_EQ((*rs)->data["a"], 1);
  auto out = m->Commit(*rs);
  ASSERT_OK(out);
  EXPECT_EQ(out->store_action, Action::kNone);  // saved already and unchanged since
  EXPECT_THAT(m->Commit(*rs), StatusIs(absl::StatusCode::kFailedPrecondition));
  auto gone = m->Load({});
  ASSERT_OK(gone);
  EXPECT_THAT(gone->Reload(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SessionManagerTest, SecretRotationAcceptsOldSignaturesAndSignsWithTheNewSecret) {
  auto old_manager = Manager({.secrets = {"old"}, .resave = false});
  Exchange first = Request(*old_manager, "", SetUser);
  auto rotated = Manager({.secrets = {"new", "old"}, .resave = false, .rolling = true});
  Exchange second = Request(*rotated, CookieFrom(*first.response.set_cookie));
  EXPECT_FALSE(second.is_new);
  EXPECT_EQ(second.id, first.id);
  EXPECT_THAT(
      *second.response.set_cookie,
      StartsWith("connect.sid=" + EncodeUriComponent("s:" + SignCookieValue(first.id, "new"))));
  auto other = Manager({.secrets = {"unrelated"}});
  EXPECT_TRUE(Request(*other, CookieFrom(*first.response.set_cookie)).is_new);
}

TEST_F(SessionManagerTest, SecureCookiesOnlyOnSecureRequests) {
  auto m = Manager({.cookie = {.secure = SessionCookieOptions::Secure::kOn}});
  Exchange plain = Request(*m, "");
  EXPECT_EQ(plain.response.store_action, Action::kSaved);
  EXPECT_FALSE(plain.response.set_cookie);
  Exchange tls = Request(*m, "", nullptr, /*secure=*/true);
  ASSERT_TRUE(tls.response.set_cookie);
  EXPECT_THAT(*tls.response.set_cookie, HasSubstr("; Secure"));
}

TEST_F(SessionManagerTest, NoSessionOutsideTheCookiePath) {
  auto m = Manager({.cookie = {.path = "/app"}});
  auto rs = m->Load({.path = "/other"});
  ASSERT_OK(rs);
  EXPECT_FALSE(*rs);
  auto out = m->Commit(*rs);
  ASSERT_OK(out);
  EXPECT_FALSE(out->set_cookie);
  EXPECT_THAT(recorder_->calls(), ElementsAre());
  auto inside = m->Load({.path = "/app/x"});
  ASSERT_OK(inside);
  EXPECT_TRUE(*inside);
}

TEST_F(SessionManagerTest, StoreErrorsAreReturnedNotSwallowed) {
  auto m = Manager({.resave = false});
  Exchange first = Request(*m, "", SetUser);
  const std::string cookie = CookieFrom(*first.response.set_cookie);
  recorder_->fail_with = absl::UnavailableError("connection lost");
  EXPECT_THAT(m->Load({.cookie_header = cookie}), StatusIs(absl::StatusCode::kUnavailable));
  auto fresh = m->Load({});  // no cookie: nothing to read, so no error yet
  ASSERT_OK(fresh);
  EXPECT_THAT(m->Commit(*fresh), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(fresh->Regenerate(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(*fresh);  // a new session exists all the same
}

TEST_F(SessionManagerTest, SessionWithAnUnknownIdGetsANewId) {
  auto m = Manager({});
  const std::string forged_but_signed =
      "connect.sid=" + EncodeUriComponent("s:" + SignCookieValue("not-in-store", "keyboard cat"));
  auto rs = m->Load({.cookie_header = forged_but_signed});
  ASSERT_OK(rs);
  EXPECT_EQ(rs->cookie_id(), "not-in-store");
  EXPECT_NE(rs->id(), "not-in-store");
  EXPECT_TRUE(rs->is_new());
}

TEST_F(SessionManagerTest, HostileCookiesStartFreshSessionsAndNeverCrash) {
  auto m = Manager({.resave = false});
  Exchange good = Request(*m, "", SetUser);
  const std::string cookie = CookieFrom(*good.response.set_cookie);
  std::vector<std::string> cases = {
      "connect.sid=",
      "connect.sid=s%3A",
      "connect.sid=s:",
      "connect.sid=s:.",
      "connect.sid=" + good.id,                    // unsigned
      cookie.substr(0, cookie.size() - 1),         // truncated signature
      cookie.substr(0, cookie.size() - 10),        // more truncated
      cookie + "A",                                // extended
      "connect.sid=s%3A" + good.id,                // no signature
      "connect.sid=%E0%A4%A",                      // bad escape
      "connect.sid=s%3A%FF%FE.%00",                // bad UTF-8
      std::string("connect.sid=s:\0abc.def", 23),  // NUL
      "connect.sid=\"s:" + good.id + ".x\"",       // quoted, bad signature
      "connect.sid;connect.sid=;=;;;==",
      std::string(100000, ';'),
      "connect.sid=" + std::string(100000, 'A'),
  };
  std::string tampered = cookie;
  tampered[tampered.find("%3A") + 5] ^= 1;  // flip a bit in the id
  cases.push_back(tampered);
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string s = i % 2 ? cookie : "connect.sid=";
    const int edits = 1 + rng() % 4;
    for (int k = 0; k < edits; ++k) {
      const size_t pos = s.empty() ? 0 : rng() % s.size();
      switch (rng() % 3) {
        case 0:
          if (!s.empty()) s[pos] = static_cast<char>(rng());
          break;
        case 1:
          s.insert(pos, 1, static_cast<char>(rng()));
          break;
        case 2:
          if (!s.empty()) s.erase(pos, 1 + rng() % 8);
          break;
      }
    }
    if (s != cookie) cases.push_back(s);
  }
  for (const std::string& header : cases) {
    auto rs = m->Load({.cookie_header = header});
    ASSERT_OK(rs) << header;
    if (rs->id() == good.id) {
      // A mutation may leave the signed value intact (e.g. it touched only
      // what follows it); then the real session is the right answer.
      continue;
    }
    EXPECT_TRUE(rs->is_new()) << header;
    EXPECT_TRUE(*rs);
    ASSERT_OK(m->Commit(*rs));
  }
}

}  // namespace
}  // namespace embedis
