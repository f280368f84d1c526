// session_app: a small web app with express-session-compatible sessions.
//
//   bazel run //examples:session_app
//   curl -i -c jar -b jar -X POST 'http://127.0.0.1:3000/login?user=ada'
//   curl -b jar http://127.0.0.1:3000/me        # {"user":"ada","views":1}
//   curl -b jar -X POST http://127.0.0.1:3000/logout
//
// Routes:
//   POST /login?user=NAME  regenerates the session (new id: no session fixation), sets `user`
//   GET  /me               {"user":...,"views":N}, incrementing `views`
//   POST /logout           destroys the session
//
// Each session that ends (expires, or is destroyed by this app or another client of the store) is
// logged on stderr: "session_app: session <sid> expired|destroyed" (SessionStore::OnExpired and
// OnDestroyed).
//
// Environment:
//   PORT            default 3000
//   HOST            default 127.0.0.1
//   SESSION_SECRET  comma-separated secrets; the first signs, all verify. Default: a fixed
//                   development secret (with a warning).
//   EMBEDIS_URL     memory:// (default) or redis://host:port/db
//   SESSION_PREFIX  default "sess:"
//
// The cookie (connect.sid, maxAge one day, resave false, saveUninitialized false) and the stored
// JSON are those of an express-session + connect-redis app configured the same way, so both can
// serve the same users from one Redis (tests/e2e/session_interop proves it).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "httplib.h"
#include "lib/session/serializer.h"
#include "lib/session/session_manager.h"
#include "lib/session/session_store.h"
#include "lib/store/store.h"
#include "lib/util/strings.h"
#include "nlohmann/json.hpp"

namespace {

using embedis::RequestSession;
using embedis::SessionManager;

std::string Env(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

void ReplyJson(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
  res.status = status;
  std::string text;
  embedis::AppendJsJson(body, &text);
  res.set_content(text, "application/json; charset=utf-8");
}

// Runs `handler` inside a session: load before, commit (save/touch/Set-Cookie) after.
void WithSession(const SessionManager& manager, const httplib::Request& req, httplib::Response& res,
                 const std::function<absl::Status(RequestSession&, httplib::Response&)>& handler) {
  std::string cookies;
  for (size_t i = 0; i < req.get_header_value_count("Cookie"); ++i) {
    if (!cookies.empty()) cookies += "; ";
    cookies += req.get_header_value("Cookie", i);
  }
  absl::StatusOr<RequestSession> session =
      manager.Load({.cookie_header = cookies, .path = req.path, .secure = false});
  absl::Status status = session.ok() ? handler(*session, res) : session.status();
  if (status.ok()) {
    absl::StatusOr<embedis::SessionResponse> out = manager.Commit(*session);
    if (out.ok() && out->set_cookie) res.set_header("Set-Cookie", *out->set_cookie);
    status = out.status();
  }
  if (!status.ok()) {
    std::fprintf(stderr, "session_app: %s %s: %s\n", req.method.c_str(), req.path.c_str(),
                 status.ToString().c_str());
    res.headers.erase("Set-Cookie");
    ReplyJson(res, 500, {{"error", std::string(status.message())}});
  }
}

}  // namespace

int main() {
  const int port = std::atoi(Env("PORT", "3000").c_str());
  const std::string host = Env("HOST", "127.0.0.1");
  const std::string url = Env("EMBEDIS_URL", "memory://");
  std::vector<std::string> secrets;
  for (absl::string_view s : absl::StrSplit(Env("SESSION_SECRET", ""), ',', absl::SkipEmpty())) {
    secrets.emplace_back(s);
  }
  if (secrets.empty()) {
    std::fprintf(stderr, "session_app: SESSION_SECRET is not set; using a development secret\n");
    secrets.push_back("embedis development secret");
  }

  absl::StatusOr<std::unique_ptr<embedis::Store>> store = embedis::OpenStore(url);
  if (!store.ok()) {
    std::fprintf(stderr, "session_app: cannot open %s: %s\n", url.c_str(),
                 store.status().ToString().c_str());
    return 1;
  }
  embedis::SessionStore sessions(store->get(), {.prefix = Env("SESSION_PREFIX", "sess:")});

  // Logs each session that ends: expired (its TTL ran out) or destroyed (logout here, or any
  // client's DEL, e.g. a Node.js app sharing the store). On redis:// this turns on the needed
  // notify-keyspace-events classes; a server that refuses CONFIG only costs the log lines.
  std::vector<std::unique_ptr<embedis::Store::Subscription>> session_events;
  auto log_ended = [&](const char* how) {
    return [how](std::string_view sid) {
      std::fprintf(stderr, "session_app: session %.*s %s\n", static_cast<int>(sid.size()),
                   sid.data(), how);
    };
  };
  auto keep = [&](absl::StatusOr<std::unique_ptr<embedis::Store::Subscription>> sub) {
    if (sub.ok()) {
      session_events.push_back(*std::move(sub));
    } else {
      std::fprintf(stderr, "session_app: not logging ended sessions: %s\n",
                   sub.status().ToString().c_str());
    }
  };
  keep(sessions.OnExpired(log_ended("expired")));
  keep(sessions.OnDestroyed(log_ended("destroyed")));
  absl::StatusOr<std::unique_ptr<SessionManager>> manager =
      SessionManager::Create(&sessions, {.secrets = secrets,
                                         .cookie = {.max_age = absl::Hours(24)},
                                         .resave = false,
                                         .save_uninitialized = false});
  if (!manager.ok()) {
    std::fprintf(stderr, "session_app: %s\n", manager.status().ToString().c_str());
    return 1;
  }
  const SessionManager& m = **manager;

  httplib::Server server;
  server.Post("/login", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string user = req.get_param_value("user");
    if (user.empty()) {
      ReplyJson(res, 400, {{"error", "missing ?user="}});
      return;
    }
    WithSession(m, req, res, [&](RequestSession& s, httplib::Response& r) {
      absl::Status regenerated = s.Regenerate();
      if (!regenerated.ok()) return regenerated;
      s->data["user"] = user;
      ReplyJson(r, 200, {{"user", user}});
      return absl::OkStatus();
    });
  });
  server.Get("/me", [&](const httplib::Request& req, httplib::Response& res) {
    WithSession(m, req, res, [&](RequestSession& s, httplib::Response& r) {
      nlohmann::ordered_json& data = s->data;
      const auto views = data.contains("views") && data["views"].is_number()
                             ? data["views"].get<double>() + 1
                             : 1.0;
      data["views"] = static_cast<int64_t>(views);
      ReplyJson(r, 200,
                {{"user", data.contains("user") ? data["user"] : nlohmann::ordered_json()},
                 {"views", data["views"]}});
      return absl::OkStatus();
    });
  });
  server.Post("/logout", [&](const httplib::Request& req, httplib::Response& res) {
    WithSession(m, req, res, [&](RequestSession& s, httplib::Response& r) {
      absl::Status destroyed = s.Destroy();
      if (destroyed.ok()) ReplyJson(r, 200, {{"ok", true}});
      return destroyed;
    });
  });

  if (!server.bind_to_port(host, port)) {
    std::fprintf(stderr, "session_app: cannot listen on %s:%d\n", host.c_str(), port);
    return 1;
  }
  std::printf("session_app listening on http://%s:%d (store %s)\n", host.c_str(), port,
              url.c_str());
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}
