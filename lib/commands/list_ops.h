// The list operations: Redis's list semantics on a locked key, with typed results.
//
// Each function is one list command's work (what Dragonfly calls an Op function): it runs under
// the keyspace's lock for its key (Keyspace::Update, or Update2 for the two keys of a move),
// applies Redis 7.0's rules (index clamping, deleting an emptied list, which writes count as
// modifications for WATCH) and returns a typed result. It knows no protocol and parses nothing:
// the command handlers (list_family.cc) parse arguments, call these and write replies;
// MemoryStore's typed list methods call them directly. So both share one implementation of each
// semantic, and a test can check an operation without RESP.
//
//   absl::StatusOr<int64_t> n = list_ops::Push(ks, 0, "queue", {"a", "b"}, list_ops::End::kTail);
//   absl::StatusOr<std::optional<std::string>> e = list_ops::PopOne(ks, 0, "queue", End::kHead);
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h) and whose code is
// errors::FromRedisError's for that text: WRONGTYPE (kFailedPrecondition) wherever the key holds
// another type, "ERR no such key" (kNotFound), "ERR index out of range" (kInvalidArgument). A
// missing key is a value (0, empty, nullopt), never an error, except for LSET.
//
// Order of checks. Redis looks at the key before it parses some arguments (LINDEX and LSET read
// their index only for an existing list, so "LINDEX missing x" is a null). Those functions take
// the argument as absl::StatusOr<int64_t>: the handler passes its parse result, error included,
// and the function reports that error only where Redis would. Typed callers pass a plain int64_t.
//
// Where this lives: in lib/commands, beside the handlers, because these are command semantics
// (DESIGN.md: the command layer is the one place where they live); the keyspace below offers only
// the mechanisms (typed values, Update, Update2, KeyHandle::Touch) and knows no Redis command.
//
// Thread safety: every function may be called from any thread; each is atomic (one keyspace
// callback, over both keys for Move).
#ifndef EMBEDIS_LIB_COMMANDS_LIST_OPS_H_
#define EMBEDIS_LIB_COMMANDS_LIST_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::list_ops {

// Which end of a list: LEFT is the head, RIGHT the tail.
enum class End : uint8_t { kHead, kTail };

// LPUSH / RPUSH (create) and LPUSHX / RPUSHX (!create): pushes every element in order and returns
// the length after the pushes; 0 (and nothing written) for a missing key when !create.
absl::StatusOr<int64_t> Push(Keyspace& ks, int db, std::string_view key,
                             absl::Span<const std::string_view> elements, End end,
                             bool create = true);

// LPOP / RPOP key: the element, nullopt when the key is missing.
absl::StatusOr<std::optional<std::string>> PopOne(Keyspace& ks, int db, std::string_view key,
                                                  End end);
// LPOP / RPOP key count: up to `count` elements in popping order (none for count 0 on an existing
// list); nullopt when the key is missing (Redis's null array).
absl::StatusOr<std::optional<std::vector<std::string>>> Pop(Keyspace& ks, int db,
                                                            std::string_view key, End end,
                                                            uint64_t count);

// LLEN: 0 when missing. Counts a keyspace hit or miss, as do Index, Range and Pos.
absl::StatusOr<int64_t> Len(Keyspace& ks, int db, std::string_view key);
// LINDEX: the element at `index` (negative: from the tail), nullopt when missing or outside.
// `index`'s error is returned only for an existing list.
absl::StatusOr<std::optional<std::string>> Index(Keyspace& ks, int db, std::string_view key,
                                                 absl::StatusOr<int64_t> index);
// LRANGE: elements start..stop (inclusive, negative from the tail, clamped as Redis does).
absl::StatusOr<std::vector<std::string>> Range(Keyspace& ks, int db, std::string_view key,
                                               int64_t start, int64_t stop);
// LRANGE without copying the elements (what the command does): calls `count(n)` once with the
// number of elements, then `element` for each, in order, all while the key is locked (the views
// die with the call; neither callback may use the keyspace). Nothing is called on an error.
absl::Status VisitRange(Keyspace& ks, int db, std::string_view key, int64_t start, int64_t stop,
                        absl::FunctionRef<void(size_t)> count,
                        absl::FunctionRef<void(std::string_view)> element);
// LPOS key element [RANK rank] [COUNT count] [MAXLEN maxlen]. REQUIRES: rank != 0, count >= -1,
// maxlen >= 0 (the handler checks them with Redis's errors).
struct PosOptions {
  int64_t rank = 1;    // > 0: skip rank - 1 matches from the head; < 0: search from the tail
  int64_t count = -1;  // -1: no COUNT (the first match only); 0: every match
  int64_t maxlen = 0;  // 0: compare every element
};
// The matching indexes, in the order found (empty when the key is missing). Redis negates a
// negative rank in a long, so RANK -9223372036854775808 stays negative there: every match then
// counts from the first (from the tail), and its COUNT test overflows and never stops the
// search. This reproduces that answer.
absl::StatusOr<std::vector<int64_t>> Pos(Keyspace& ks, int db, std::string_view key,
                                         std::string_view element, const PosOptions& options);

// LSET: kNotFound "ERR no such key" when missing; `index`'s error, then "ERR index out of range".
absl::Status Set(Keyspace& ks, int db, std::string_view key, absl::StatusOr<int64_t> index,
                 std::string_view element);
// LTRIM: keeps elements start..stop (clamped as Range); a list left empty is deleted. An existing
// list always counts as modified (WATCH), even when every element stays, as in Redis.
absl::Status Trim(Keyspace& ks, int db, std::string_view key, int64_t start, int64_t stop);
// LREM: removes the first `count` matches from the head (count > 0), the last -count from the
// tail (< 0) or all (0); returns how many. (Redis's -LONG_MIN stays negative: all, from the tail.)
absl::StatusOr<int64_t> Rem(Keyspace& ks, int db, std::string_view key, int64_t count,
                            std::string_view element);
// LINSERT: inserts before (after) the first `pivot`; the new length, -1 when the pivot is
// missing (nothing written), 0 when the key is.
absl::StatusOr<int64_t> Insert(Keyspace& ks, int db, std::string_view key, bool after,
                               std::string_view pivot, std::string_view element);

// LMOVE / RPOPLPUSH: pops from `from` of `source` and pushes onto `to` of `destination`,
// atomically (Keyspace::Update2): no other thread sees the element in neither list. Checks in
// Redis's order: a missing source is nullopt (nothing looked at further), then the source's type,
// then the destination's, so WRONGTYPE wins before anything is popped. The same key is a rotation.
absl::StatusOr<std::optional<std::string>> Move(Keyspace& ks, int db, std::string_view source,
                                                std::string_view destination, End from, End to);

// LMPOP's and BLPOP's work: pops up to `count` elements from `end` of the first of `keys`, in
// order, that exists; nullopt when none does; WRONGTYPE when the first existing key is not a
// list. Each key is looked at under its own lock, one after another, as Redis (single-threaded)
// cannot tell apart. REQUIRES: count >= 1.
struct KeyElements {
  std::string key;
  std::vector<std::string> elements;
};
absl::StatusOr<std::optional<KeyElements>> PopFirst(Keyspace& ks, int db,
                                                    absl::Span<const std::string_view> keys,
                                                    End end, uint64_t count);

}  // namespace embedis::list_ops

#endif  // EMBEDIS_LIB_COMMANDS_LIST_OPS_H_
