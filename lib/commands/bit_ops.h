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
#include <vector>

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

// ---- BITFIELD, BITFIELD_RO ----

// A bitfield's type: i1..i64 (signed) or u1..u63, as Redis's getBitfieldTypeFromArgument (the
// letter is case-sensitive; the width is read up to the first NUL byte, as Redis's strlen does).
struct FieldType {
  bool is_signed = false;
  int bits = 0;  // 1..64 signed, 1..63 unsigned
};
// errors::kBitfieldType for anything else.
absl::StatusOr<FieldType> ParseFieldType(std::string_view s);
// A bitfield offset: a bit offset as ParseBitOffset, or "#N": N * bits (the N-th field of this
// width). The product wraps at 64 bits as in redis-server 7.0 (so "#288230376151711745" of an i64
// is bit 64), then the same range check applies. errors::kBitOffsetOutOfRange otherwise.
absl::StatusOr<uint64_t> ParseFieldOffset(std::string_view s, int bits);

// What a SET or INCRBY does when the result does not fit its type: wrap around (the default),
// saturate at the type's minimum or maximum, or fail (write nothing, answer nil).
enum class Overflow { kWrap, kSat, kFail };

// One GET, SET or INCRBY of a BITFIELD, parsed.
struct FieldOp {
  enum class Kind { kGet, kSet, kIncrBy };
  Kind kind = Kind::kGet;
  FieldType type;
  uint64_t offset = 0;                  // in bits
  int64_t value = 0;                    // SET's value, INCRBY's increment
  Overflow overflow = Overflow::kWrap;  // the latest OVERFLOW before it
};

// BITFIELD's arguments after the key, parsed whole as Redis 7.0 does before it touches the key:
// subcommands (case-insensitive) GET type offset, SET type offset value, INCRBY type offset
// increment and OVERFLOW WRAP|SAT|FAIL. Errors in Redis's order, the first one wins: a subcommand
// that is unknown or lacks arguments is errors::kSyntax, then per subcommand its type, its offset,
// its value (errors::kNotInteger); an unknown OVERFLOW mode errors::kBitfieldOverflowType.
absl::StatusOr<std::vector<FieldOp>> ParseFieldOps(absl::Span<const std::string_view> args);

// The key flags Redis 7.0 reports for a BITFIELD call (COMMAND GETKEYSANDFLAGS): read-only when
// every subcommand is a well-formed GET or OVERFLOW, read-write otherwise (a syntax error too).
bool FieldArgsAreReadOnly(absl::Span<const std::string_view> args);

// BITFIELD (read_only false) and BITFIELD_RO (true): runs `ops` in order on the string at `key`
// and returns one entry per GET, SET and INCRBY: the value read, SET's previous value, INCRBY's
// new value, or nullopt for a SET or INCRBY that overflowed under Overflow::kFail. Unsigned
// fields are replied as int64 (u63 fits). Only GETs: the key is only read (a missing key reads as
// zeros and is not created). With a SET or INCRBY: BITFIELD_RO answers
// errors::kBitfieldRoGetOnly before looking at the key; BITFIELD grows the string (creating the
// key) with zero bytes up to the farthest bit any SET or INCRBY touches, before the first op, and
// keeps the TTL. As in Redis 7.0 the key counts as modified (WATCH, the change counter) only when
// a write that did not fail grew the string or changed its field: a failed SET can create the key
// without modifying it.
absl::StatusOr<std::vector<std::optional<int64_t>>> Field(Keyspace& ks, int db,
                                                          std::string_view key,
                                                          absl::Span<const FieldOp> ops,
                                                          bool read_only);

// The arithmetic of one SET or INCRBY on a field, exposed for tests: `old` is the field's value
// (sign-extended for a signed type; for SET it is unused), the result is what Redis 7.0 writes
// and whether it overflowed. For SET the value is checked as it is: an unsigned field given a
// negative value overflows upwards (SAT stores the maximum), as Redis's check does.
struct FieldResult {
  int64_t stored = 0;     // the bits to write (two's complement, wrapped or saturated)
  bool overflow = false;  // with Overflow::kFail: nothing is written
};
FieldResult FieldArithmetic(FieldType type, FieldOp::Kind kind, int64_t old, int64_t value,
                            Overflow overflow);

}  // namespace embedis::bit_ops

#endif  // EMBEDIS_LIB_COMMANDS_BIT_OPS_H_
