#include "lib/session/session_manager.h"

#include <string>
#include <utility>

#include "lib/session/cookie.h"
#include "lib/session/serializer.h"
#include "lib/session/session_id.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

// express-session's hash(sess): JSON.stringify of the session without its
// cookie. Kept as the string itself (exact, no collisions).
std::string Fingerprint(const Session& s) {
  std::string out;
  AppendJsJson(s.data, &out);
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SessionManager>> SessionManager::Create(
    SessionStore* store, SessionManagerOptions options) {
  if (options.secrets.empty()) {
    return absl::InvalidArgumentError("secret option required for sessions");
  }
  if (!SerializeCookie(options.name, "").ok()) {
    return absl::InvalidArgumentError("cookie name is invalid");
  }
  return std::unique_ptr<SessionManager>(new SessionManager(store, std::move(options)));
}

SessionManager::SessionManager(SessionStore* store, SessionManagerOptions options)
    : store_(store), options_(std::move(options)), signer_(options_.secrets) {
  if (!options_.genid) options_.genid = GenerateSessionId;
}

void RequestSession::Generate() {
  const SessionManagerOptions& o = manager_->options_;
  id_ = o.genid();
  session_ = Session::New(o.cookie, manager_->Now(), secure_request_);
}

absl::StatusOr<RequestSession> SessionManager::Load(const SessionRequest& request) const {
  RequestSession rs(this);
  rs.secure_request_ = request.secure;
  // Pathname mismatch: no session at all for this request.
  std::string_view cookie_path = options_.cookie.path;
  if (cookie_path.empty()) cookie_path = "/";
  if (request.path.substr(0, cookie_path.size()) != cookie_path) {
    return rs;
  }
  if (std::optional<std::string> raw = GetCookie(request.cookie_header, options_.name);
      raw && raw->size() >= 2 && raw->compare(0, 2, "s:") == 0) {
    if (std::optional<std::string> id = signer_.Unsign(std::string_view(*raw).substr(2));
        id && !id->empty()) {
      rs.cookie_id_ = std::move(*id);
    }
  }
  if (!rs.cookie_id_) {
    rs.Generate();
  } else {
    EMBEDIS_ASSIGN_OR_RETURN(std::optional<Session> stored, store_->Get(*rs.cookie_id_));
    if (!stored) {
      rs.Generate();
    } else {
      rs.id_ = *rs.cookie_id_;
      rs.session_ = std::move(*stored);
      rs.original_id_ = rs.id_;
      rs.original_hash_ = Fingerprint(*rs.session_);
      if (!options_.resave) rs.saved_hash_ = rs.original_hash_;
      return rs;
    }
  }
  rs.original_id_ = rs.id_;
  rs.original_hash_ = Fingerprint(*rs.session_);
  return rs;
}

absl::Status RequestSession::Regenerate() {
  absl::Status destroyed = manager_->store_->Destroy(id_);
  Generate();  // original_id_/original_hash_ stay: the new session counts as modified
  return destroyed;
}

absl::Status RequestSession::Destroy() {
  session_.reset();
  return manager_->store_->Destroy(id_);
}

absl::Status RequestSession::Save() {
  if (!session_) return absl::FailedPreconditionError("no session to save");
  saved_hash_ = Fingerprint(*session_);
  return manager_->store_->Set(id_, *session_);
}

absl::Status RequestSession::Reload() {
  if (!session_) return absl::FailedPreconditionError("no session to reload");
  EMBEDIS_ASSIGN_OR_RETURN(std::optional<Session> stored, manager_->store_->Get(id_));
  if (!stored) return absl::NotFoundError("failed to load session");
  session_ = std::move(*stored);
  return absl::OkStatus();
}

absl::StatusOr<std::string> SessionManager::SetCookieValue(std::string_view id,
                                                           const SessionCookie& c) const {
  SetCookieAttributes a;
  a.domain = c.domain;
  a.path = c.path;
  a.expires = c.expires;
  a.http_only = c.http_only.value_or(false);
  a.secure = c.secure.value_or(false);
  a.partitioned = c.partitioned.value_or(false);
  a.priority = c.priority;
  a.same_site = c.same_site;
  return SerializeCookie(options_.name, "s:" + signer_.Sign(id), a);
}

absl::StatusOr<SessionResponse> SessionManager::Commit(RequestSession& rs) const {
  if (rs.committed_) return absl::FailedPreconditionError("session already committed");
  rs.committed_ = true;
  SessionResponse out;
  if (rs.id_.empty()) return out;  // path mismatch: the middleware never ran

  // shouldDestroy: the application unset the session and asked for destroy.
  if (!rs.session_) {
    if (options_.unset == SessionManagerOptions::Unset::kDestroy) {
      EMBEDIS_RETURN_IF_ERROR(store_->Destroy(rs.id_));
      out.store_action = SessionResponse::StoreAction::kDestroyed;
    }
    return out;
  }
  Session& s = *rs.session_;
  if (!rs.touched_) {
    s.cookie.ResetMaxAge(Now());
    rs.touched_ = true;
  }
  const std::string hash = Fingerprint(s);
  const bool cookie_matches = rs.cookie_id_ && *rs.cookie_id_ == rs.id_;
  const bool modified = rs.original_id_ != rs.id_ || rs.original_hash_ != hash;
  const bool saved = rs.original_id_ == rs.id_ && rs.saved_hash_ && *rs.saved_hash_ == hash;
  const bool should_save =
      !options_.save_uninitialized && !rs.saved_hash_ && !cookie_matches ? modified : !saved;
  const bool should_touch = cookie_matches && !should_save;
  const bool should_set_cookie =
      !cookie_matches ? options_.save_uninitialized || modified
                      : options_.rolling || (s.cookie.expires.has_value() && modified);

  if (should_save) {
    rs.saved_hash_ = hash;
    EMBEDIS_RETURN_IF_ERROR(store_->Set(rs.id_, s));
    out.store_action = SessionResponse::StoreAction::kSaved;
  } else if (should_touch) {
    EMBEDIS_RETURN_IF_ERROR(store_->Touch(rs.id_, s));
    out.store_action = SessionResponse::StoreAction::kTouched;
  }
  // Only send secure cookies on secure requests.
  if (should_set_cookie && !(s.cookie.secure.value_or(false) && !rs.secure_request_)) {
    EMBEDIS_ASSIGN_OR_RETURN(std::string line, SetCookieValue(rs.id_, s.cookie));
    out.set_cookie = std::move(line);
  }
  return out;
}

}  // namespace embedis
