// The set operations: Redis's set semantics on locked keys, with typed results.
//
// Each function is one set command's work (an Op function, as list_ops.h): it applies Redis 7.0's
// rules (deleting an emptied set, replacing a STORE destination whatever its type and TTL, which
// writes count as modifications for WATCH) and returns a typed result. It knows no protocol: the
// handlers (set_family.cc) parse arguments, call these and write replies; MemoryStore's typed
// set methods can call them directly.
//
//   absl::StatusOr<int64_t> added = set_ops::Add(ks, 0, "tags", {"a", "b"});
//   absl::StatusOr<std::vector<std::string>> both =
//       set_ops::Combine(ks, 0, {"tags:1", "tags:2"}, set_ops::SetOp::kInter);
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h): WRONGTYPE wherever a
// key holds another type. A missing key is an empty set, never an error.
//
// Atomicity. A one-key operation runs under its key's lock (Keyspace::Update); SMOVE locks both
// keys together (Update2). The multi-key reads (SINTER, SUNION, SDIFF, SINTERCARD and the STORE
// forms) look at one key at a time, each under its own lock, and the STORE forms then write the
// destination under its lock: each key is read consistently, but a writer running concurrently on
// another thread may be seen between two keys (Redis, single-threaded, never shows that). Inside
// one client's MULTI/EXEC, or with no concurrent writer to those keys, the result is Redis's.
//
// Thread safety: every function may be called from any thread.
#ifndef EMBEDIS_LIB_COMMANDS_SET_OPS_H_
#define EMBEDIS_LIB_COMMANDS_SET_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::set_ops {

// SADD: the number of members that were new. Creates the set.
absl::StatusOr<int64_t> Add(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> members);
// SREM: the number of members removed; a set left empty is deleted.
absl::StatusOr<int64_t> Rem(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> members);
// SCARD.
absl::StatusOr<int64_t> Card(Keyspace& ks, int db, std::string_view key);
// SISMEMBER.
absl::StatusOr<bool> IsMember(Keyspace& ks, int db, std::string_view key, std::string_view member);
// SMISMEMBER: one answer per member, in order.
absl::StatusOr<std::vector<bool>> MIsMember(Keyspace& ks, int db, std::string_view key,
                                            absl::Span<const std::string_view> members);
// SMEMBERS: every member (ascending numeric order for an intset, else unspecified).
absl::StatusOr<std::vector<std::string>> Members(Keyspace& ks, int db, std::string_view key);

// SRANDMEMBER key: nullopt when the key is missing.
absl::StatusOr<std::optional<std::string>> RandMember(Keyspace& ks, int db, std::string_view key);
// SRANDMEMBER key count: count > 0, min(count, size) distinct members; count < 0, exactly -count
// members with repeats; empty for 0 or a missing key. Beyond Redis (which builds such a reply
// until memory runs out): a negative count whose members would pass kMaxRandomReplyBytes is
// errors::kRandomReplyTooLarge. REQUIRES: count > INT64_MIN (the handler refuses it first).
inline constexpr uint64_t kMaxRandomReplyBytes = 512ull << 20;
absl::StatusOr<std::vector<std::string>> RandMembers(Keyspace& ks, int db, std::string_view key,
                                                     int64_t count);
// SPOP key: a removed random member, nullopt when missing; a set left empty is deleted.
absl::StatusOr<std::optional<std::string>> Pop(Keyspace& ks, int db, std::string_view key);
// SPOP key count: min(count, size) removed random members (the whole set, deleted, when count >=
// size); empty for a missing key or count 0.
absl::StatusOr<std::vector<std::string>> PopCount(Keyspace& ks, int db, std::string_view key,
                                                  uint64_t count);
// SMOVE: whether `member` moved. A missing source is false before any type check, then both
// types are checked (WRONGTYPE), then source == destination answers membership unchanged.
absl::StatusOr<bool> Move(Keyspace& ks, int db, std::string_view source,
                          std::string_view destination, std::string_view member);

enum class SetOp : uint8_t { kInter, kUnion, kDiff };
// SINTER / SUNION / SDIFF: every key's type is checked (WRONGTYPE even after a missing key),
// then the result is computed (a missing key is an empty set). Order unspecified.
absl::StatusOr<std::vector<std::string>> Combine(Keyspace& ks, int db,
                                                 absl::Span<const std::string_view> keys, SetOp op);
// SINTERSTORE / SUNIONSTORE / SDIFFSTORE: stores Combine's result in `destination` (replacing
// whatever it held, without TTL), or deletes it when the result is empty; returns the size.
absl::StatusOr<int64_t> Store(Keyspace& ks, int db, std::string_view destination,
                              absl::Span<const std::string_view> keys, SetOp op);
// SINTERCARD: the intersection's size, counting stops at `limit` (0: no limit).
absl::StatusOr<int64_t> InterCard(Keyspace& ks, int db, absl::Span<const std::string_view> keys,
                                  uint64_t limit);

// SSCAN: one page. A missing key is cursor 0 and no members. `match` empty (or "*"): all.
struct ScanPage {
  uint64_t cursor = 0;
  std::vector<std::string> members;
};
absl::StatusOr<ScanPage> Scan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                              size_t count, std::string_view match);

}  // namespace embedis::set_ops

#endif  // EMBEDIS_LIB_COMMANDS_SET_OPS_H_
