// Session: what express-session keeps per visitor — a cookie and arbitrary JSON.
//
// A Session is the C++ twin of express-session's `req.session`: a `cookie`
// (the attributes of the session cookie, with its expiry) plus the
// application's own data, any JSON object. The data is an
// nlohmann::ordered_json, so key order survives a round trip through Redis
// and a Node.js service sharing it sees exactly the object it wrote.
//
//   Session s = Session::New({.max_age = absl::Hours(24)}, clock->Now());
//   s.data["user"] = "ada";
//   s.data["views"] = s.data.value("views", 0) + 1;
//   s.cookie.ResetMaxAge(clock->Now());    // express-session's session.touch()
//
// The cookie's fields mirror express-session's Cookie#data, in the order
// express-session writes them to JSON: originalMaxAge, partitioned, priority,
// expires, secure, httpOnly, domain, path, sameSite. An unset std::optional is
// JavaScript's `undefined` (omitted from JSON); originalMaxAge and expires are
// written as `null` when unset, as express-session does.
//
// Thread safety: a Session is a plain value; none.
#ifndef EMBEDIS_LIB_SESSION_SESSION_H_
#define EMBEDIS_LIB_SESSION_SESSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace embedis {

// How a new session's cookie is configured (express-session's `cookie` option).
struct SessionCookieOptions {
  // Lifetime of the cookie (express-session `maxAge`, in ms there). Unset: a
  // browser-session cookie with no Expires, stored with the store's default TTL.
  std::optional<absl::Duration> max_age;
  // An absolute expiry instead of max_age (express-session `expires`). As in
  // express-session it is turned into a relative lifetime when the session is
  // created (originalMaxAge = expires - now), which touches then renew.
  std::optional<absl::Time> expires;
  std::string path = "/";
  std::optional<std::string> domain;
  bool http_only = true;
  // Secure attribute. kAuto: secure exactly when the request is (TLS or a
  // trusted proxy), as express-session's `secure: 'auto'`.
  enum class Secure : uint8_t { kUnset, kOff, kOn, kAuto };
  Secure secure = Secure::kUnset;
  // "lax", "strict", "none", "true" (= Strict) or "auto" (None on secure
  // requests, Lax otherwise). Unset: no SameSite attribute.
  std::optional<std::string> same_site;
  std::optional<bool> partitioned;
  // "low", "medium" or "high".
  std::optional<std::string> priority;
};

struct SessionCookie {
  // Milliseconds; the lifetime every touch renews. Unset (JSON null): a
  // browser-session cookie.
  std::optional<int64_t> original_max_age;
  std::optional<bool> partitioned;
  std::optional<std::string> priority;
  // When the cookie (and the stored session) expires, at millisecond
  // precision. Unset (JSON null): no expiry date.
  std::optional<absl::Time> expires;
  std::optional<bool> secure;
  std::optional<bool> http_only = true;
  std::optional<std::string> domain;
  std::optional<std::string> path = "/";
  // As written in JSON: "lax"/"strict"/"none" in any case, or "true"/"false"
  // for the JSON booleans express-session also accepts (true means Strict).
  std::optional<std::string> same_site;

  // express-session's `cookie.maxAge = ms`: expires = now + ms (at ms
  // precision), originalMaxAge = ms.
  void SetMaxAge(absl::Duration max_age, absl::Time now);
  // express-session's `cookie.expires = date`: originalMaxAge becomes the time
  // left (nullopt clears both).
  void SetExpires(std::optional<absl::Time> expires, absl::Time now);
  // The time left until `expires` (express-session's `cookie.maxAge` getter);
  // nullopt without an expiry date. Negative once expired.
  std::optional<absl::Duration> MaxAge(absl::Time now) const;
  // express-session's session.touch() / resetMaxAge(): expires = now +
  // originalMaxAge, or no expiry when originalMaxAge is unset.
  void ResetMaxAge(absl::Time now);

  friend bool operator==(const SessionCookie&, const SessionCookie&) = default;
};

struct Session {
  SessionCookie cookie;
  // The application's data: always a JSON object; never holds a "cookie" key
  // (the cookie lives above).
  nlohmann::ordered_json data = nlohmann::ordered_json::object();
  // Where "cookie" sits among the top-level keys when serialized (0: first, as
  // express-session writes a new session). Parsing records it, so a session
  // written by Node.js keeps its exact key order.
  size_t cookie_position = 0;

  // A new session whose cookie follows `options` (SameSite/Secure "auto"
  // resolved with `secure_request`), created at `now`.
  static Session New(const SessionCookieOptions& options, absl::Time now,
                     bool secure_request = false);

  friend bool operator==(const Session&, const Session&) = default;
};

// ---- Dates as JavaScript writes them ----

// Date.prototype.toISOString(): "2026-01-01T00:00:00.000Z" (UTC, milliseconds).
std::string FormatIsoTime(absl::Time t);
// Parses what toISOString() writes (also without milliseconds, with any
// number of fraction digits, and with a numeric offset instead of Z).
// InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseIsoTime(std::string_view text);
// Date.prototype.toUTCString(): "Thu, 01 Jan 2026 00:00:00 GMT" (an HTTP date).
std::string FormatHttpDate(absl::Time t);

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_SESSION_H_
