// SessionStore: connect-redis's RedisStore for C++, method for method.
//
// Keeps each session as one string key, prefix + session id, in any Store
// (memory:// or redis://), with the same options, the same TTL rules and the
// same data layout as connect-redis (tj/connect-redis 9), so a Node.js
// express-session app and a C++ app can share one Redis and one user's session.
//
//   absl::StatusOr<std::unique_ptr<Store>> backend = OpenStoreFromEnv();
//   SessionStore sessions(backend->get(), {.prefix = "myapp:"});
//   Session s = Session::New({.max_age = absl::Hours(1)}, sessions.clock()->Now());
//   s.data["user"] = "ada";
//   EMBEDIS_RETURN_IF_ERROR(sessions.Set(sid, s));          // SET myapp:<sid> <json> EX 3600
//   EMBEDIS_ASSIGN_OR_RETURN(std::optional<Session> again, sessions.Get(sid));
//
// The rules (each pinned by tests/session/session_store_test.cc on both
// backends):
//   Get      GET prefix+sid. A missing key (or an empty value) is "no session"
//            (nullopt), not an error; a value the serializer cannot parse is
//            an error status.
//   Set      TTL = options.ttl's function when it is one; otherwise
//            ceil((cookie.expires - now) / 1 s) when the cookie has an expires
//            date; otherwise options.ttl's seconds. TTL > 0: SET key value EX
//            ttl (plain SET, which clears an old TTL, with disable_ttl).
//            TTL <= 0: DEL key (with disable_ttl too).
//   Touch    EXPIRE key ttl with the TTL as for Set (EXPIRE with ttl <= 0
//            deletes the key, as Redis does); nothing at all with disable_touch
//            or disable_ttl. Never rewrites the value.
//   Destroy  DEL of one or many keys.
//   Clear, Length, Ids, All
//            SCAN MATCH <prefix, glob-escaped>* COUNT scan_count until the
//            cursor returns to 0, de-duplicating keys (SCAN may return a key
//            twice). Clear deletes them, Length counts them, Ids strips the
//            prefix, All MGETs them and returns (id, session) pairs, skipping
//            keys that vanished meanwhile.
//   OnExpired, OnDestroyed
//            call back with the session id when a session's key expires
//            (keyevent "expired") or is deleted (keyevent "del": Destroy,
//            Clear, or any client's DEL of a prefixed key), through keyspace
//            notifications on the Store (see the methods).
// All TTL arithmetic uses the Store's clock (Store::clock()), so tests expire
// sessions with a ManualClock.
//
// Differences from connect-redis, deliberate: glob-special characters in the
// prefix are escaped in MATCH (connect-redis sends the prefix raw, so a prefix
// like "app[1]:" matches other keys); All() returns (id, session) pairs
// instead of adding an `id` field to each session.
//
// Thread safety: every method may be called from any thread at any time.
#ifndef EMBEDIS_LIB_SESSION_SESSION_STORE_H_
#define EMBEDIS_LIB_SESSION_SESSION_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/session/serializer.h"
#include "lib/session/session.h"
#include "lib/store/store.h"
#include "lib/util/clock.h"

namespace embedis {

struct SessionStoreOptions {
  // Key prefix. Default "sess:"; may be empty.
  std::string prefix = "sess:";
  // Seconds, or a function of the session returning seconds. A function is
  // used as it is; seconds apply only to sessions whose cookie has no expires
  // date. Default 86400 (one day); 0 also means the default, as in
  // connect-redis (`opts.ttl || 86400`).
  std::variant<int64_t, std::function<int64_t(const Session&)>> ttl = int64_t{86400};
  // Touch() does nothing.
  bool disable_touch = false;
  // Keys never expire: Set() writes without EX, Touch() does nothing.
  bool disable_ttl = false;
  // Default: JsonSessionSerializer(), connect-redis's JSON layout.
  std::shared_ptr<const SessionSerializer> serializer;
  // SCAN's COUNT hint for Clear/Length/Ids/All. Default 100; values <= 0 mean
  // the default.
  int64_t scan_count = 100;
};

class SessionStore {
 public:
  // `store` is not owned and must outlive this SessionStore.
  explicit SessionStore(Store* store, SessionStoreOptions options = {});

  absl::StatusOr<std::optional<Session>> Get(std::string_view sid) const;
  absl::Status Set(std::string_view sid, const Session& session) const;
  absl::Status Touch(std::string_view sid, const Session& session) const;
  absl::Status Destroy(std::string_view sid) const;
  absl::Status Destroy(absl::Span<const std::string_view> sids) const;
  absl::Status Clear() const;
  absl::StatusOr<int64_t> Length() const;
  absl::StatusOr<std::vector<std::string>> Ids() const;
  absl::StatusOr<std::vector<std::pair<std::string, Session>>> All() const;

  // ---- Notifications ----
  // Calls `callback(sid)` for each session of this prefix that expires (OnExpired: the
  // `__keyevent@<db>__:expired` notification) or is deleted (OnDestroyed: `__keyevent@<db>__:del`,
  // raised by Destroy and Clear, and by any client's DEL of a key with the prefix), until the
  // returned subscription is destroyed. Enables the needed notification classes on the store
  // first ("Ex" or "Eg", keeping those already on: Store::EnableKeyspaceEvents; on redis:// a
  // server that refuses CONFIG is kFailedPrecondition; on a Redis Cluster every node gets them),
  // then subscribes (Store::Subscribe: the callback runs on the publishing thread on memory://,
  // on the store's Pub/Sub thread on redis://, on the thread of the node's connection on a
  // cluster, where the store listens to every primary since each publishes only its own keys'
  // events; it must be quick). When a session expires is the backend's business: memory://
  // reclaims it within one timer tick (at once on ManualClock::Advance); Redis when a reader
  // touches it or its active expiry finds it (typically within 100 ms).
  using SessionEventCallback = std::function<void(std::string_view sid)>;
  absl::StatusOr<std::unique_ptr<Store::Subscription>> OnExpired(
      SessionEventCallback callback) const;
  absl::StatusOr<std::unique_ptr<Store::Subscription>> OnDestroyed(
      SessionEventCallback callback) const;

  // The TTL Set() and Touch() would use for `session` now, in seconds.
  int64_t TtlSeconds(const Session& session) const;

  // The key a session id is stored under (prefix + sid).
  std::string Key(std::string_view sid) const;
  const SessionStoreOptions& options() const { return options_; }
  const SessionSerializer& serializer() const { return *options_.serializer; }
  Store* store() const { return store_; }
  // The Store's clock: the one clock of all TTL and cookie arithmetic.
  Clock* clock() const { return store_->clock(); }

 private:
  absl::StatusOr<std::vector<std::string>> AllKeys() const;
  // OnExpired / OnDestroyed: `event` with the notification `classes`.
  absl::StatusOr<std::unique_ptr<Store::Subscription>> OnKeyEvent(
      std::string_view classes, std::string_view event, SessionEventCallback callback) const;

  Store* const store_;
  SessionStoreOptions options_;
  std::string match_;  // the SCAN pattern: escaped prefix + "*"
};

// Escapes the bytes Redis's glob treats specially (* ? [ ] \) with a backslash.
std::string EscapeGlob(std::string_view literal);

}  // namespace embedis

#endif  // EMBEDIS_LIB_SESSION_SESSION_STORE_H_
