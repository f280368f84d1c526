// LCS: the longest common subsequence of two strings, as Redis 7.0's LCS command computes it.
//
// Redis fills the classic dynamic-programming table of LCS lengths, (len1 + 1) x (len2 + 1)
// 32-bit cells, then walks it back from the bottom-right corner: on equal bytes it takes the byte
// and moves diagonally, otherwise it moves up when the cell above is strictly larger, else left.
// The walk yields the subsequence backwards and, for IDX, the runs of consecutive matches
// ("ranges") from the last to the first. Ties make the answer one particular LCS among several;
// embedis walks the same way, so the bytes and the ranges are Redis's.
//
// Memory: the table is transient and Redis refuses to build one larger than proto-max-bulk-len
// (errors::kLcsTableTooLarge: two strings of 11585 bytes are already refused with the default of
// 512 MB), and reports errors::kLcsAllocationFailed when the allocation itself fails; embedis
// does the same with `max_table_bytes` (the command passes string_ops::kMaxStringLength, the
// default, as the command layer does not see the configured value), so no input makes it
// allocate more than that plus the two strings, or throw.
//
//   absl::StatusOr<lcs_ops::LcsResult> r = lcs_ops::Lcs(ks, 0, "a", "b", lcs_ops::LcsOptions{});
//   r->lcs;  // "mytext"
//
// Thread safety: any thread. The two keys are read together (Keyspace::Update2) and the table is
// computed after their locks are released.
#ifndef EMBEDIS_LIB_COMMANDS_LCS_OPS_H_
#define EMBEDIS_LIB_COMMANDS_LCS_OPS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::lcs_ops {

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN].
struct LcsOptions {
  bool len = false;             // LEN: the length only
  bool idx = false;             // IDX: the ranges and the length
  int64_t min_match_len = 0;    // MINMATCHLEN (a negative value is 0): shorter ranges are left out
  bool with_match_len = false;  // WITHMATCHLEN: each range with its length (the reply's concern)
};

// One range of consecutive matching bytes: a[a_start..a_end] equals b[b_start..b_end].
struct LcsMatch {
  int64_t a_start = 0;
  int64_t a_end = 0;
  int64_t b_start = 0;
  int64_t b_end = 0;
  int64_t len = 0;
};

struct LcsResult {
  std::string lcs;                // the subsequence (unless LEN without IDX)
  int64_t length = 0;             // its length
  std::vector<LcsMatch> matches;  // IDX only: from the last range to the first, as Redis
};

// The LCS of a and b. Errors: errors::kLcsStringTooLong (a string of 2^32 - 2 bytes or more),
// errors::kLcsTableTooLarge, errors::kLcsAllocationFailed.
absl::StatusOr<LcsResult> LcsOfStrings(std::string_view a, std::string_view b,
                                       const LcsOptions& options, int64_t max_table_bytes);

// LCS on two keys (a missing key is an empty string). Checks in Redis 7.0's order: the keys'
// types (errors::kLcsNotStrings, not WRONGTYPE), then the options' own error (parsed by the
// handler: a syntax error, a bad MINMATCHLEN, errors::kLcsLenAndIdx), then LcsOfStrings's.
absl::StatusOr<LcsResult> Lcs(Keyspace& ks, int db, std::string_view key1, std::string_view key2,
                              const absl::StatusOr<LcsOptions>& options, int64_t max_table_bytes);

}  // namespace embedis::lcs_ops

#endif  // EMBEDIS_LIB_COMMANDS_LCS_OPS_H_
