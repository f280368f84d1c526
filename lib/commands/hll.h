// HyperLogLog sketches in Redis's string format: pure functions over the bytes of a string value.
//
// What it is. A HyperLogLog estimates how many distinct elements were added to it, in at most
// 12 KB whatever the count, with a standard error of 0.81%. embedis stores one as a string value
// in exactly the layout redis-server 7 uses, so that GET of an HLL made by one and SET of those
// bytes into the other works both ways, and PFCOUNT answers the same number on both.
//
// How it works (the facts Redis documents in hyperloglog.c and that the differential test checks):
//   - 16384 registers (P = 14). An element is hashed with MurmurHash64A (seed 0xadc83b19) over its
//     bytes; the low 14 bits pick the register, and the register keeps the maximum over its
//     elements of "1 + the number of trailing zero bits of the other 50 bits" (bit 50 is forced to
//     1, so a register holds 1..51; 0 means no element yet).
//   - The estimate is Otmar Ertl's improved raw estimator ("New cardinality estimation algorithms
//     for HyperLogLog sketches", arXiv:1702.01284) over the histogram of register values, as Redis
//     >= 5 computes it: tau() corrects for saturated registers, sigma() for empty ones, and the
//     result is alpha_inf * m^2 / z rounded to the nearest integer.
//
// The format: a 16-byte header, then the registers.
//   bytes 0..3   "HYLL"
//   byte  4      encoding: 0 dense, 1 sparse (Redis uses 255 internally only, never stored)
//   bytes 5..7   unused (zero)
//   bytes 8..15  the cached cardinality, little-endian; the high bit of byte 15 set means "stale"
//   dense:  16384 6-bit registers packed little-endian, register i at bits 6i..6i+5 (12288 bytes)
//   sparse: run-length opcodes, together covering exactly 16384 registers:
//             00xxxxxx          ZERO:  xxxxxx + 1 (1..64) registers at zero
//             01xxxxxx yyyyyyyy XZERO: the 14-bit xxxxxxyyyyyyyy + 1 (1..16384) registers at zero
//             1vvvvvxx          VAL:   xx + 1 (1..4) registers at vvvvv + 1 (1..32)
// A new HLL is sparse (18 bytes). It becomes dense when a register needs a value above 32 or when
// an update would grow the sparse form past `sparse_max_bytes` (Redis's hll-sparse-max-bytes,
// default 3000). Updates edit the sparse opcodes exactly as Redis 7 does, so that the bytes (and
// STRLEN, GET) after the same PFADDs are the same as Redis's.
//
// Robustness: any byte string may reach these functions (SET can store anything, and a value that
// passes IsValid may still hold nonsense opcodes). Nothing here reads outside the string; a sparse
// body whose opcodes do not cover exactly 16384 registers is "corrupted" (Redis's INVALIDOBJ).
// Where Redis reads the byte just past a sparse body (an XZERO opcode cut in half at the end) it
// reads its string terminator, a zero; these functions read that zero too, and so agree with
// Redis on such strings.
//
//   std::string h = hll::NewSparse();
//   hll::Add(&h, "alice");                                  // 1: a register changed
//   std::optional<uint64_t> n = hll::Estimate(h);           // 1
//
// Thread safety: pure functions; the caller owns the strings.
#ifndef EMBEDIS_LIB_COMMANDS_HLL_H_
#define EMBEDIS_LIB_COMMANDS_HLL_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace embedis::hll {

inline constexpr int kPrecision = 14;
inline constexpr int kRegisters = 1 << kPrecision;  // 16384
inline constexpr int kMaxRegister = 63;             // 6 bits
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;  // 12304
// Redis's hll-sparse-max-bytes default.
inline constexpr size_t kDefaultSparseMaxBytes = 3000;
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;

// The registers as bytes, one per register (Redis's "raw" form): what unions are computed in.
using Registers = std::array<uint8_t, kRegisters>;

// Austin Appleby's MurmurHash64A, little-endian, as Redis computes it (the length enters the seed
// as a 64-bit value).
uint64_t MurmurHash64A(std::string_view data, uint64_t seed);

// The register an element goes to and the value it offers (1..51).
struct Pattern {
  int index = 0;
  int count = 0;
};
Pattern HashElement(std::string_view element);

// An empty sparse HLL: the header (cardinality 0, valid) and one XZERO opcode covering all.
std::string NewSparse();

// Redis's check before any HLL command touches a string: at least the header, "HYLL", encoding 0
// or 1, and a dense one exactly kDenseSize bytes. A sparse body is not looked at (a corrupted one
// is found, and reported as corrupted, when it is read).
bool IsValid(std::string_view bytes);
bool IsDense(std::string_view bytes);  // REQUIRES: IsValid

// The cached cardinality, or nullopt when the cache is marked stale. REQUIRES: IsValid.
std::optional<uint64_t> CachedCardinality(std::string_view bytes);
// Stores `card` (< 2^63) as the valid cached cardinality. REQUIRES: IsValid(*hll).
void SetCachedCardinality(std::string* hll, uint64_t card);
// Marks the cached cardinality stale. REQUIRES: IsValid(*hll).
void InvalidateCache(std::string* hll);

// Register `index` of a dense HLL. REQUIRES: IsValid(bytes), IsDense(bytes), 0 <= index <
// kRegisters.
int DenseRegister(std::string_view bytes, int index);

// Raises register `index` to `count` if it is lower, converting to dense as described above.
// Returns 1 if the register changed, 0 if not, -1 if the sparse body is corrupted (then `*hll` is
// unchanged). A sparse update marks the cache stale (a dense one leaves that to the caller, as
// Redis does). REQUIRES: IsValid(*hll), 0 <= index < kRegisters, 1 <= count <= kMaxRegister.
int SetRegister(std::string* hll, int index, int count,
                size_t sparse_max_bytes = kDefaultSparseMaxBytes);
// SetRegister(hll, i, max[i]) for every register i with max[i] > 0, in order (PFMERGE's write);
// the result of a corrupted sparse body is unspecified but valid per IsValid. REQUIRES:
// IsValid(*hll), every max[i] <= kMaxRegister.
void RaiseAll(std::string* hll, const Registers& max,
              size_t sparse_max_bytes = kDefaultSparseMaxBytes);
// SetRegister with the element's Pattern (PFADD's step per element).
int Add(std::string* hll, std::string_view element,
        size_t sparse_max_bytes = kDefaultSparseMaxBytes);

// Converts a sparse HLL to dense, keeping the header's cache bytes; a dense one is left alone.
// False (and `*hll` unchanged) if the sparse body is corrupted. REQUIRES: IsValid(*hll).
bool ToDense(std::string* hll);

// max[i] = max(max[i], register i) over the HLL's registers. False if the sparse body is
// corrupted (`*max` may then be partly updated). REQUIRES: IsValid(bytes).
bool MergeInto(std::string_view bytes, Registers* max);

// The cardinality estimate from the registers (the cache is ignored), or nullopt if the sparse
// body is corrupted. REQUIRES: IsValid(bytes).
std::optional<uint64_t> Estimate(std::string_view bytes);
// The estimate of registers given one per byte (the union PFCOUNT computes over several keys).
uint64_t Estimate(const Registers& registers);
// The estimate from a histogram: histogram[v] = how many registers hold v (0..51).
uint64_t EstimateFromHistogram(const std::array<int, 64>& histogram);

}  // namespace embedis::hll

#endif  // EMBEDIS_LIB_COMMANDS_HLL_H_
