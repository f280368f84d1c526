// The hash operations: Redis's hash semantics on a locked key, with typed results.
//
// Each function is one hash command's work (what Dragonfly calls an Op function), as list_ops.h
// is for lists: it runs inside one Keyspace::Update on its key, applies Redis 7.0's rules (a hash
// left empty is deleted; a write to a missing key creates it) and returns a typed result. It
// knows no protocol and parses nothing: the command handlers (hash_family.cc) parse arguments,
// call these and write replies; MemoryStore's typed hash methods call them directly.
//
//   absl::StatusOr<int64_t> n = hash_ops::IncrBy(ks, 0, "user:1", "visits", 1);
//   absl::StatusOr<std::vector<std::pair<std::string, std::string>>> all =
//       hash_ops::GetAll(ks, 0, "user:1");
//
// HSET/HMSET and HGET are Keyspace::HSet and Keyspace::HGet, already typed: no function here.
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h), with
// errors::FromRedisError's code: WRONGTYPE (kFailedPrecondition) wherever the key holds another
// type, the other texts kInvalidArgument. A missing key is a value (0, empty, nullopt).
//
// Thread safety: every function may be called from any thread; each is atomic.
#ifndef EMBEDIS_LIB_COMMANDS_HASH_OPS_H_
#define EMBEDIS_LIB_COMMANDS_HASH_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/commands/args.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::hash_ops {

using FieldValues = std::vector<std::pair<std::string, std::string>>;

// HSETNX: whether `field` was set (false when it already existed).
absl::StatusOr<bool> SetNx(Keyspace& ks, int db, std::string_view key, std::string_view field,
                           std::string_view value);

// HDEL: how many of `fields` were removed (a field named twice counts once); an emptied hash is
// deleted.
absl::StatusOr<int64_t> Del(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> fields);

// HINCRBY: the field's value after adding `by` (a missing field counts as 0).
// errors::kHashNotInteger for a value that is not an integer, errors::kOverflow when the sum does
// not fit 64 bits (nothing written).
absl::StatusOr<int64_t> IncrBy(Keyspace& ks, int db, std::string_view key, std::string_view field,
                               int64_t by);

// HINCRBYFLOAT: the field's new value as Redis stores and replies it (FormatLongDoubleHuman).
// errors::kHashNotFloat for a value that is not a number, errors::kIncrNanOrInfinity for a
// result that is not finite. REQUIRES: `by` is finite (the handler replies
// errors::kValueNanOrInfinity before looking at the key, as Redis).
absl::StatusOr<std::string> IncrByFloat(Keyspace& ks, int db, std::string_view key,
                                        std::string_view field, long double by);

// HMGET: one value per field, nullopt for a missing field (every one when the key is missing).
absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
    Keyspace& ks, int db, std::string_view key, absl::Span<const std::string_view> fields);

// HGETALL: every field and value, in HashValue's order (insertion order for a listpack).
absl::StatusOr<FieldValues> GetAll(Keyspace& ks, int db, std::string_view key);
// HKEYS and HVALS, in the same order.
absl::StatusOr<std::vector<std::string>> Keys(Keyspace& ks, int db, std::string_view key);
absl::StatusOr<std::vector<std::string>> Vals(Keyspace& ks, int db, std::string_view key);

// HLEN, HEXISTS, HSTRLEN (0 for a missing field).
absl::StatusOr<int64_t> Len(Keyspace& ks, int db, std::string_view key);
absl::StatusOr<bool> Exists(Keyspace& ks, int db, std::string_view key, std::string_view field);
absl::StatusOr<int64_t> StrLen(Keyspace& ks, int db, std::string_view key, std::string_view field);

// HRANDFIELD key: a random field, nullopt when the key is missing.
absl::StatusOr<std::optional<std::string>> RandomField(Keyspace& ks, int db, std::string_view key);

// HRANDFIELD key count: the sample is streamed under the key's lock rather than returned, because
// a negative count may ask for far more fields than the hash holds (the handler bounds the
// reply's size as it writes). For an existing hash, calls begin(n) with the number of fields that
// follow (`count` when !unique, repeats allowed; min(count, size) distinct ones when unique),
// then, unless begin returned false, field(f, v) for each until it returns false. Returns false
// (calling neither) when the key is missing. The sample's order is HashValue::RandomFields'.
absl::StatusOr<bool> RandomFields(
    Keyspace& ks, int db, std::string_view key, uint64_t count, bool unique,
    absl::FunctionRef<bool(uint64_t n)> begin,
    absl::FunctionRef<bool(std::string_view, std::string_view)> field);

// HSCAN key cursor [MATCH pattern] [COUNT count]: one page. A missing key is an empty last page
// whatever `args` holds: Redis parses HSCAN's options only for an existing hash, so the handler
// passes its parse result, error included, and the error is reported only then. A listpack hash
// answers everything with cursor 0; a hash table pages with HashValue::Scan's cursor.
struct ScanPage {
  uint64_t cursor = 0;  // 0: the iteration is complete
  FieldValues fields;
};
absl::StatusOr<ScanPage> Scan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                              const absl::StatusOr<commands::ScanArgs>& args);

}  // namespace embedis::hash_ops

#endif  // EMBEDIS_LIB_COMMANDS_HASH_OPS_H_
