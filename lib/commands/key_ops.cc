#include "lib/commands/key_ops.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "lib/util/errors.h"

namespace embedis::key_ops {

ScanResult Scan(Keyspace& ks, int db, uint64_t cursor, const commands::ScanArgs& args) {
  // Keyspace::Scan visits up to count * 10 buckets: keep that product in range (any count this
  // large already means "the whole database").
  const int64_t count = std::min<int64_t>(args.count, std::numeric_limits<int64_t>::max() / 16);
  const std::string_view match = args.match.value_or("");
  ScanResult r;
  std::optional<ValueType> type;
  if (args.type.has_value()) type = ValueTypeFromName(*args.type);
  if (args.type.has_value() && !type.has_value()) {
    // Redis 7.0 filters by the type name: an unknown name matches no key, but the cursor still
    // advances.
    r = ks.Scan(db, cursor, match, count);
    r.keys.clear();
  } else {
    r = ks.Scan(db, cursor, match, count, type);
  }
  // Keyspace::Scan reads an empty pattern as "no pattern"; for Redis, MATCH "" matches only the
  // empty key name.
  if (args.match.has_value() && args.match->empty()) {
    std::erase_if(r.keys, [](const std::string& k) { return !k.empty(); });
  }
  return r;
}

std::vector<std::string> Keys(Keyspace& ks, int db, std::string_view pattern) {
  std::vector<std::string> keys;
  // Keyspace::Scan would read an empty pattern as "no pattern": no need to walk the keyspace.
  if (pattern.empty()) {
    if (ks.KeyExists(db, std::string_view())) keys.emplace_back();
    return keys;
  }
  uint64_t cursor = 0;
  do {
    ScanResult r = ks.Scan(db, cursor, pattern, 1000);
    for (auto& k : r.keys) keys.push_back(std::move(k));
    cursor = r.cursor;
  } while (cursor != 0);
  return keys;
}

namespace {
// OBJECT ENCODING of a string, as Redis 7.0 reports it for a value stored the way `origin` says
// (see StringOrigin in lib/keyspace/keyspace.h): Redis keeps an integer-looking value of at most
// 20 bytes as a number ("int"; SET and friends, INCR), a value of at most 44 bytes in the same
// allocation as its object header ("embstr"), anything else, and any string that APPEND or
// SETRANGE modified, as a separate buffer ("raw").
std::string_view StringEncoding(StringOrigin origin, std::string_view s) {
  constexpr size_t kMaxIntBytes = 20;     // "-9223372036854775808"
  constexpr size_t kMaxEmbstrBytes = 44;  // the longest string Redis 7.0 keeps as embstr
  if (origin == StringOrigin::kRaw) return "raw";
  int64_t unused;
  if (origin == StringOrigin::kSet && s.size() <= kMaxIntBytes &&
      commands::ParseInt64(s, &unused)) {
    return "int";
  }
  return s.size() <= kMaxEmbstrBytes ? "embstr" : "raw";
}
}  // namespace

std::optional<std::string> ObjectEncoding(Keyspace& ks, int db, std::string_view key) {
  std::optional<std::string> encoding;
  ks.Update(
      db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) return;
        encoding = std::string(k.type() == ValueType::kString
                                   ? StringEncoding(k.string_origin(), k.string_value())
                                   : k.object_encoding());
      },
      Keyspace::Lookup::kReadQuiet);  // counted, but no "keymiss", as Redis's OBJECT
  return encoding;
}

int64_t Ttl(Keyspace& ks, int db, std::string_view key, bool millis, bool absolute) {
  const int64_t at = ks.ExpireTimeMs(db, key);
  if (at < 0) return at;
  int64_t v = absolute ? at : at - ks.clock()->NowMs();
  if (v < 0) v = 0;
  // Rounded to the nearest second without overflowing near INT64_MAX (Redis answers
  // 9223372036854776 for PEXPIREAT k 9223372036854775807, the exact rounding).
  return millis ? v : v / 1000 + (v % 1000 + 500) / 1000;
}

absl::Status CheckExpireCondition(const ExpireCondition& c) {
  if (c.nx && (c.xx || c.gt || c.lt)) return errors::FromRedisError(errors::kExpireNxConflict);
  if (c.gt && c.lt) return errors::FromRedisError(errors::kExpireGtLtConflict);
  return absl::OkStatus();
}

}  // namespace embedis::key_ops
