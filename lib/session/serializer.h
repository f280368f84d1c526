// Session serializers: how a Session becomes the string stored under its key.
//
// connect-redis's `serializer` option: an object with stringify() and parse().
// Two come with embedis:
//
//   JsonSessionSerializer()    the default. Writes byte for byte what
//                              express-session + connect-redis write
//                              (JSON.stringify of the session), so Node.js and
//                              C++ services share sessions:
//       {"cookie":{"originalMaxAge":86400000,"expires":"2026-01-02T00:00:00.000Z",
//                  "httpOnly":true,"path":"/"},"user":"ada","views":3}
//   BinarySessionSerializer()  a compact binary form (cereal archive with
//                              varints); smaller and faster, C++ only.
//
//   auto store = SessionStore(backend, {.serializer = BinarySessionSerializer()});
//
// A custom serializer implements SessionSerializer; Parse() reports bad input
// with a status (never throws).
//
// Thread safety: serializers are immutable; every method may be called from
// any thread.
#ifndef EMBEDIS_LIB_SESSION_SERIALIZER_H_
#define EMBEDIS_LIB_SESSION_SERIALIZER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/session/session.h"
#include "nlohmann/json.hpp"

namespace embedis {

class SessionSerializer {
 public:
  virtual ~SessionSerializer() = default;
  virtual std::string Stringify(const Session& session) const = 0;
  // InvalidArgument (or another code of the implementation's choosing) when
  // `data` is not a session.
  virtual absl::StatusOr<Session> Parse(std::string_view data) const = 0;
};

// The JSON serializer (see the top of this file). Parse() accepts any JSON
// object with a "cookie" object (as express-session requires): unknown cookie
// fields are dropped and cookie fields of the wrong type read as unset, as
// express-session does; an "expires" that is not an ISO 8601 date is an error.
// Nesting deeper than 512 levels is refused.
std::shared_ptr<const SessionSerializer> JsonSessionSerializer();

// The binary serializer. Parse() refuses anything it did not write (including
// JSON) with InvalidArgument, and never reads out of bounds on garbage.
std::shared_ptr<const SessionSerializer> BinarySessionSerializer();

// JSON.stringify(value) as V8 writes it: no spaces, numbers in JavaScript's
// shortest form (1, 1.5, 1e+21, 1e-7; NaN/Infinity as null), strings escaped
// as JSON.stringify does; invalid UTF-8 is written as U+FFFD. Appends to *out.
void AppendJsJson(const nlohmann::ordered_json& value, std::string* out);
// Number::prototype.toString() for a finite double.
void AppendJsNumber(double value, std::string* out);

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_SERIALIZER_H_
