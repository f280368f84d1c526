// Cookie headers as the npm `cookie` package (0.7, the version express-session
// uses) parses and writes them.
//
//   std::vector<std::pair<std::string, std::string>> all = ParseCookieHeader("a=1; b=%20x");
//   std::optional<std::string> sid = GetCookie(header, "connect.sid");
//   absl::StatusOr<std::string> line = SerializeCookie("connect.sid", "s:abc.def",
//       {.path = "/", .expires = t, .http_only = true});
//   // "connect.sid=s%3Aabc.def; Path=/; Expires=Thu, 01 Jan 2026 00:00:00 GMT; HttpOnly"
//
// Parsing never fails: a malformed pair is skipped, a value whose %-escapes
// do not decode (bad hex, invalid UTF-8) is kept as it is, and the first
// occurrence of a name wins — exactly as `cookie.parse`.
//
// Thread safety: all functions are pure.
#ifndef EMBEDIS_LIB_SESSION_COOKIE_H_
#define EMBEDIS_LIB_SESSION_COOKIE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace embedis {

// Every cookie in a Cookie header, in order, without repeated names.
std::vector<std::pair<std::string, std::string>> ParseCookieHeader(std::string_view header);
// The value of one cookie (as ParseCookieHeader would give it), or nullopt.
std::optional<std::string> GetCookie(std::string_view header, std::string_view name);

// The attributes of a Set-Cookie line; unset attributes are not written.
struct SetCookieAttributes {
  std::optional<int64_t> max_age_seconds;  // "Max-Age=N" (express-session never sets it)
  std::optional<std::string> domain;
  std::optional<std::string> path;
  std::optional<absl::Time> expires;  // an HTTP date
  bool http_only = false;
  bool secure = false;
  bool partitioned = false;
  std::optional<std::string> priority;   // low / medium / high, any case
  std::optional<std::string> same_site;  // lax / strict / none / "true" (Strict), any case;
                                         // "false" writes nothing
};

// `cookie.serialize(name, value, options)` with encodeURIComponent as the
// encoder: attributes in its order (Max-Age, Domain, Path, Expires, HttpOnly,
// Secure, Partitioned, Priority, SameSite). InvalidArgument, with the npm
// package's message, for an invalid name, domain, path, priority or sameSite.
absl::StatusOr<std::string> SerializeCookie(std::string_view name, std::string_view value,
                                            const SetCookieAttributes& attributes = {});

// JavaScript's encodeURIComponent over the UTF-8 bytes of `s`: everything
// but A-Z a-z 0-9 - _ . ! ~ * ' ( ) becomes %XX (upper-case hex).
std::string EncodeUriComponent(std::string_view s);
// JavaScript's decodeURIComponent: nullopt where it would throw (a '%' not
// followed by two hex digits, or escapes that are not valid UTF-8).
std::optional<std::string> DecodeUriComponent(std::string_view s);

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_COOKIE_H_
