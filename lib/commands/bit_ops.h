// The bit operations: Redis 7.0's bitmap semantics on string values, with typed results.
//
// Each function is one bit command's work, as string_ops.h is for the string commands: it runs on
// its key(s) through Keyspace::Update, applies Redis 7.0's rules and returns a typed result. It
// knows no protocol: bit_family.cc parses the arguments (ParseBitOffset, ParseBitValue, ...), calls
// these and writes replies.
//
//   absl::StatusOr<int64_t> old = bit_ops::SetBit(ks, 0, "flags", 7, true);   // 0
//   absl::StatusOr<int64_t> n = bit_ops::Count(ks, 0, "flags", std::nullopt);  // 1
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h): WRONGTYPE
// (kFailedPrecondition) wherever a key holds another type, the other texts kInvalidArgument. A
// range Redis reads only after looking at the key (BITCOUNT's and BITPOS's) is taken as an
// absl::StatusOr, its parse error reported only where Redis would (a missing key answers first).
//
// Thread safety: every function may be called from any thread; each one-key function is atomic.
// Op (BITOP) reads its sources and then writes the destination, as set_ops::Store does.
#ifndef EMBEDIS_LIB_COMMANDS_BIT_OPS_H_
#define EMBEDIS_LIB_COMMANDS_BIT_OPS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::bit_ops {

// A bit offset as Redis's getBitOffsetFromArgument: an integer 0 <= offset with offset / 8 below
// proto-max-bulk-len (so 0..2^32-1); errors::kBitOffsetOutOfRange otherwise.
absl::StatusOr<uint64_t> ParseBitOffset(std::string_view s);
// SETBIT's value: 0 or 1, errors::kBitValueOutOfRange otherwise (non-integers included).
absl::StatusOr<bool> ParseBitValue(std::string_view s);
// BITPOS's bit: errors::kNotInteger for a non-integer, errors::kBitArgument for one not 0 or 1.
absl::StatusOr<bool> ParseBitArgument(std::string_view s);

// SETBIT: sets or clears the bit at `offset` (bit 0 is the most significant bit of byte 0),
// growing the string with zero bytes (creating the key when missing) and keeping the TTL; returns
// the bit's previous value. REQUIRES: offset from ParseBitOffset.
absl::StatusOr<int64_t> SetBit(Keyspace& ks, int db, std::string_view key, uint64_t offset,
                               bool on);

// GETBIT: the bit at `offset`; 0 past the end or for a missing key.
absl::StatusOr<int64_t> GetBit(Keyspace& ks, int db, std::string_view key, uint64_t offset);

// A start..end range (inclusive, negative from the end) in bytes or, with `bit`, in bits.
struct Range {
  int64_t start = 0;
  std::optional<int64_t> end;  // BITPOS only: nullopt when not given (BITCOUNT always has one)
  bool bit = false;            // BIT (else BYTE)
};

// BITCOUNT: the number of set bits in the range (nullopt: the whole string); 0 for a missing key.
// Checks in Redis 7.0's order: the key (missing: 0; WRONGTYPE), then the range's own error.
absl::StatusOr<int64_t> Count(Keyspace& ks, int db, std::string_view key,
                              const absl::StatusOr<std::optional<Range>>& range);

// BITPOS: the position of the first bit equal to `bit` in the range (nullopt: the whole string),
// or -1. A missing key answers -1 for a set bit and 0 for a clear one; for a clear bit not found
// the position just past the range is the answer unless the range has an end (then -1).
absl::StatusOr<int64_t> Pos(Keyspace& ks, int db, std::string_view key, bool bit,
                            const absl::StatusOr<std::optional<Range>>& range);

// BITOP: combines `keys` (missing ones are empty strings, zero-padded to the longest) into
// `destination`, replacing it whatever its type and removing its TTL; an empty result deletes it.
// Returns the result's length. WRONGTYPE (nothing written) if a source is not a string.
enum class BitOperation { kAnd, kOr, kXor, kNot };
absl::StatusOr<int64_t> Op(Keyspace& ks, int db, BitOperation op, std::string_view destination,
                           absl::Span<const std::string_view> keys);

}  // namespace embedis::bit_ops

#endif  // EMBEDIS_LIB_COMMANDS_BIT_OPS_H_
