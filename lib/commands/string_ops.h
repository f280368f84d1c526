// The string operations: Redis's string semantics on a locked key, with typed results.
//
// Each function is one string command's work (what Dragonfly calls an Op function), as list_ops.h
// is for lists: it runs inside one Keyspace::Update on its key, applies Redis 7.0's rules and
// returns a typed result. It knows no protocol and parses no argument: the command handlers
// (string_family.cc) parse, call these and write replies; MemoryStore's typed methods call them
// directly, so both backends share one implementation of each semantic.
//
//   absl::StatusOr<int64_t> n = string_ops::IncrBy(ks, 0, "counter", 5);
//   absl::StatusOr<std::string> f = string_ops::IncrByFloat(ks, 0, "price", 1.5L);
//
// The commands that are one typed keyspace call have no function here: SET and its variants are
// Keyspace::Set, GET is Keyspace::Get (its handler answers from the locked value, to spare the
// hottest command a copy), MGET/MSET/MSETNX are Keyspace::MGet/MSet.
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h) with
// errors::FromRedisError's code: WRONGTYPE (kFailedPrecondition) wherever the key holds another
// type, the other texts kInvalidArgument. A missing key is a value (0, "", nullopt), never an
// error. An argument Redis reads only after looking at the key (INCRBYFLOAT's increment, GETEX's
// expire time) is taken as an absl::StatusOr: the handler passes its parse result, error
// included, and the function reports that error only where Redis would.
//
// Thread safety: every function may be called from any thread; each is atomic.
#ifndef EMBEDIS_LIB_COMMANDS_STRING_OPS_H_
#define EMBEDIS_LIB_COMMANDS_STRING_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::string_ops {

// The longest string a string command builds: proto-max-bulk-len's default. (The command layer
// does not see the server's configured value.)
inline constexpr int64_t kMaxStringLength = 512LL * 1024 * 1024;

// INCR, DECR, INCRBY, DECRBY: the value after adding `by` to the integer stored at `key` (0 when
// missing); the TTL is kept. errors::kNotInteger for a value that is not an integer,
// errors::kOverflow when the sum does not fit 64 bits (nothing written).
absl::StatusOr<int64_t> IncrBy(Keyspace& ks, int db, std::string_view key, int64_t by);

// INCRBYFLOAT: adds `by` to the number stored at `key` (0 when missing) and returns the result as
// Redis stores and replies it (FormatLongDoubleHuman: "10.5", "3", "5000"). Checks in Redis 7.0's
// order: WRONGTYPE, the stored value (errors::kNotFloat), then `by`'s own error, then
// errors::kIncrNanOrInfinity for a result that is not finite.
absl::StatusOr<std::string> IncrByFloat(Keyspace& ks, int db, std::string_view key,
                                        absl::StatusOr<long double> by);

// APPEND: the length after appending (creating the key when missing); errors::kStringTooLong
// when the result would pass kMaxStringLength.
absl::StatusOr<int64_t> Append(Keyspace& ks, int db, std::string_view key, std::string_view value);

// STRLEN: 0 when missing.
absl::StatusOr<int64_t> StrLen(Keyspace& ks, int db, std::string_view key);

// GETRANGE (SUBSTR): the bytes start..stop inclusive, negative from the end, clamped as Redis
// does ("" when missing or empty).
absl::StatusOr<std::string> GetRange(Keyspace& ks, int db, std::string_view key, int64_t start,
                                     int64_t stop);

// SETRANGE: writes `value` at `offset` (zero-padding), creating the key when missing, and returns
// the length after. An empty value writes nothing (no key is created) and returns the current
// length. errors::kStringTooLong past kMaxStringLength. REQUIRES: offset >= 0 (the handler
// replies errors::kOffsetOutOfRange first, as Redis).
absl::StatusOr<int64_t> SetRange(Keyspace& ks, int db, std::string_view key, int64_t offset,
                                 std::string_view value);

// GETDEL: the value, deleting the key; nullopt when missing.
absl::StatusOr<std::optional<std::string>> GetDel(Keyspace& ks, int db, std::string_view key);

// GETEX key [EX|PX|EXAT|PXAT t | PERSIST]: the value, nullopt when missing. Then, for an existing
// string, sets the deadline (or reports its parse error: "GETEX missing EX -1" is a null) or
// removes the TTL.
struct GetExOptions {
  // The new absolute deadline in ms (nullopt: unchanged), or the expire argument's error.
  absl::StatusOr<std::optional<int64_t>> expire_at_ms = std::nullopt;
  bool persist = false;  // PERSIST. REQUIRES: not with a deadline.
};
absl::StatusOr<std::optional<std::string>> GetEx(Keyspace& ks, int db, std::string_view key,
                                                 const GetExOptions& options);

}  // namespace embedis::string_ops

#endif  // EMBEDIS_LIB_COMMANDS_STRING_OPS_H_
