// The HyperLogLog operations: Redis 7.0's PFADD, PFCOUNT and PFMERGE on string values holding
// HLLs (hll.h has the sketch and its byte format), with typed results.
//
// Each function is one command's work, as bit_ops.h is for the bit commands: it runs on its
// key(s) through Keyspace::Update, applies Redis 7.0's rules and returns a typed result. It knows
// no protocol: hll_family.cc calls these and writes replies.
//
//   absl::StatusOr<bool> changed = hll_ops::Add(ks, 0, "visitors", {"alice", "bob"});  // true
//   absl::StatusOr<int64_t> n = hll_ops::Count(ks, 0, {"visitors"});                  // 2
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h): the usual
// WRONGTYPE (kFailedPrecondition) for a key of another type, errors::kNotHyperLogLog (also
// kFailedPrecondition) for a string that is not an HLL, errors::kCorruptedHyperLogLog
// (kInvalidArgument) for an HLL whose sparse registers do not add up.
//
// Thread safety: every function may be called from any thread; Add and a one-key Count are
// atomic. A several-key Count reads its keys one after another; Merge reads its sources and then
// writes the destination, as set_ops::Store does.
#ifndef EMBEDIS_LIB_COMMANDS_HLL_OPS_H_
#define EMBEDIS_LIB_COMMANDS_HLL_OPS_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::hll_ops {

// PFADD: adds `elements` to the HLL at `key`, creating an empty one when the key is missing.
// True when the key was created or a register changed (then the cached cardinality is marked
// stale); the TTL is kept. Corrupted: the elements added before the corrupted read stay added,
// as in Redis.
absl::StatusOr<bool> Add(Keyspace& ks, int db, std::string_view key,
                         absl::Span<const std::string_view> elements);

// PFCOUNT: with one key, its estimate (0 for a missing key), from the cached cardinality when
// valid; otherwise computed and stored back as the cache (a write to the string, as in Redis:
// WATCH sees it). With several keys, the estimate of their union, modifying none (missing keys
// are empty HLLs). REQUIRES: !keys.empty().
absl::StatusOr<int64_t> Count(Keyspace& ks, int db, absl::Span<const std::string_view> keys);

// PFMERGE: merges `destination` (if it exists) and `sources` into `destination`, creating it
// (sparse) when missing, dense if any input was dense; keeps its TTL and marks its cache stale.
// Checks every input, the destination first, before writing.
absl::Status Merge(Keyspace& ks, int db, std::string_view destination,
                   absl::Span<const std::string_view> sources);

}  // namespace embedis::hll_ops

#endif  // EMBEDIS_LIB_COMMANDS_HLL_OPS_H_
