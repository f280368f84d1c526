// SessionManager: express-session's middleware, framework-agnostic.
//
// At the start of a request it reads the signed session cookie from the
// Cookie header and loads the session from a SessionStore (or starts a new
// one); at the end it decides — exactly as express-session does for `resave`,
// `saveUninitialized`, `rolling` and the cookie's maxAge/expires — whether to
// save the session, touch it, or do nothing, and whether to send a Set-Cookie.
//
//   auto manager = SessionManager::Create(&sessions, {.secrets = {"s3cret"},
//                                                     .cookie = {.max_age = absl::Hours(24)},
//                                                     .resave = false,
//                                                     .save_uninitialized = false});
//   // per request:
//   absl::StatusOr<RequestSession> rs = (*manager)->Load({.cookie_header = req.cookie,
//                                                         .path = req.path});
//   if (!rs.ok()) return Respond(500);                    // the store failed
//   (*rs)->data["views"] = (*rs)->data.value("views", 0) + 1;
//   absl::StatusOr<SessionResponse> out = (*manager)->Commit(*rs);
//   if (!out.ok()) return Respond(500);
//   if (out->set_cookie) res.AddHeader("Set-Cookie", *out->set_cookie);
//
// The cookie is "s:" + id + "." + HMAC-SHA256 signature (cookie-signature),
// URL-encoded, named "connect.sid" by default, with the attributes of
// `SessionCookie` written as the npm `cookie` package writes them (Expires,
// not Max-Age). A missing, unsigned, forged, truncated or garbled cookie is
// simply no cookie: a fresh session starts. A store error is returned, never
// swallowed.
//
// Thread safety: SessionManager's methods may be called from any thread. A
// RequestSession belongs to one request: use it from one thread at a time.
#ifndef EMBEDIS_LIB_SESSION_SESSION_MANAGER_H_
#define EMBEDIS_LIB_SESSION_SESSION_MANAGER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/session/session.h"
#include "lib/session/session_store.h"
#include "lib/session/signature.h"

namespace embedis {

struct SessionManagerOptions {
  // The cookie's name. Default "connect.sid", as express-session.
  std::string name = "connect.sid";
  // REQUIRED, non-empty: the first signs, every one verifies (rotation).
  std::vector<std::string> secrets;
  // Attributes of new sessions' cookies. Default: Path=/, HttpOnly, no expiry.
  SessionCookieOptions cookie;
  // Save the session at the end of every request even when unmodified.
  // Default true, express-session's default (which it deprecates: say it).
  bool resave = true;
  // Save new sessions even when nothing was put in them. Default true, as
  // express-session (which deprecates relying on it).
  bool save_uninitialized = true;
  // Send the cookie on every response, renewing its expiry. Default false.
  bool rolling = false;
  // What happens when the application Unset()s the session: keep it in the
  // store (default) or destroy it.
  enum class Unset : uint8_t { kKeep, kDestroy };
  Unset unset = Unset::kKeep;
  // Makes new session ids. Default: GenerateSessionId() (uid-safe, 24 bytes).
  std::function<std::string()> genid;
};

// What the manager needs from the HTTP request.
struct SessionRequest {
  // The Cookie header (several Cookie headers joined with "; "). May be empty.
  std::string_view cookie_header;
  // The URL path without the query. Sessions only exist under the cookie's
  // path (express-session's "pathname mismatch" rule).
  std::string_view path = "/";
  // The request came over TLS (or from a trusted proxy that says so). A
  // Secure cookie is only sent on secure requests.
  bool secure = false;
};

// What to do to the HTTP response.
struct SessionResponse {
  // The value of a Set-Cookie header to add, when one is due.
  std::optional<std::string> set_cookie;
  enum class StoreAction : uint8_t { kNone, kSaved, kTouched, kDestroyed };
  StoreAction store_action = StoreAction::kNone;
};

class SessionManager;

// One request's session (express-session's req.session and req.sessionID).
class RequestSession {
 public:
  // The session, or null when there is none (after Destroy()/Unset(), or when
  // the path is outside the cookie's path).
  Session* get() { return session_ ? &*session_ : nullptr; }
  const Session* get() const { return session_ ? &*session_ : nullptr; }
  Session* operator->() { return get(); }
  Session& operator*() { return *session_; }
  explicit operator bool() const { return session_.has_value(); }

  // req.sessionID: the session's id ("" when the path does not match).
  const std::string& id() const { return id_; }
  // The id the request's cookie carried (valid signature), if any.
  const std::optional<std::string>& cookie_id() const { return cookie_id_; }
  // True when the session was created during this request.
  bool is_new() const { return !cookie_id_ || *cookie_id_ != id_; }

  // req.session.regenerate(): destroys the stored session and starts a new
  // one with a new id (always saved and sent at the end of the request). The
  // new session exists even when the store's DEL failed; the error is returned.
  absl::Status Regenerate();
  // req.session.destroy(): deletes the stored session; the request then has
  // none (no save, no cookie).
  absl::Status Destroy();
  // req.session.save(): writes the session now.
  absl::Status Save();
  // req.session.reload(): reads the session again from the store. NotFound
  // ("failed to load session") when it is gone.
  absl::Status Reload();
  // `req.session = null`: the request ends without a session; the stored one
  // is kept or destroyed according to SessionManagerOptions::unset.
  void Unset() { session_.reset(); }

 private:
  friend class SessionManager;
  explicit RequestSession(const SessionManager* manager) : manager_(manager) {}
  void Generate();

  const SessionManager* manager_;
  bool secure_request_ = false;
  bool committed_ = false;
  bool touched_ = false;
  std::optional<std::string> cookie_id_;
  std::string id_;
  std::optional<Session> session_;
  std::string original_id_;
  std::string original_hash_;
  std::optional<std::string> saved_hash_;
};

class SessionManager {
 public:
  // InvalidArgument when there are no secrets or the cookie name is not a
  // token. `store` is not owned and must outlive the manager.
  static absl::StatusOr<std::unique_ptr<SessionManager>> Create(SessionStore* store,
                                                                SessionManagerOptions options);

  // Loads (or starts) the request's session. Only a store error fails.
  absl::StatusOr<RequestSession> Load(const SessionRequest& request) const;
  // Ends the request: saves, touches or destroys in the store as express-session
  // would, and says whether to send a Set-Cookie. Call once per request.
  absl::StatusOr<SessionResponse> Commit(RequestSession& session) const;

  // The Set-Cookie value for `id` with `cookie`'s attributes (signed, encoded).
  absl::StatusOr<std::string> SetCookieValue(std::string_view id,
                                             const SessionCookie& cookie) const;

  const SessionManagerOptions& options() const { return options_; }
  SessionStore* store() const { return store_; }
  const CookieSigner& signer() const { return signer_; }

 private:
  friend class RequestSession;
  SessionManager(SessionStore* store, SessionManagerOptions options);
  absl::Time Now() const { return store_->clock()->Now(); }

  SessionStore* const store_;
  SessionManagerOptions options_;
  CookieSigner signer_;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_SESSION_MANAGER_H_
