#include "lib/commands/lcs_ops.h"

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "lib/util/errors.h"

namespace embedis::lcs_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

// Redis's limits, checked before anything is copied or allocated.
absl::Status CheckSizes(uint64_t alen, uint64_t blen, int64_t max_table_bytes) {
  if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) return Error(errors::kLcsStringTooLong);
  // Redis refuses when cells * 4 > max_table_bytes. For integers that is exactly
  // rows > floor(floor(max / 4) / cols), computed here without a product that could wrap.
  const uint64_t cells_limit = static_cast<uint64_t>(max_table_bytes) / sizeof(uint32_t);
  const uint64_t cols = blen + 1;
  if (alen + 1 > cells_limit / cols) return Error(errors::kLcsTableTooLarge);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LcsResult> LcsOfStrings(std::string_view a, std::string_view b,
                                       const LcsOptions& options, int64_t max_table_bytes) {
  if (absl::Status s = CheckSizes(a.size(), b.size(), max_table_bytes); !s.ok()) return s;
  const uint32_t alen = static_cast<uint32_t>(a.size());
  const uint32_t blen = static_cast<uint32_t>(b.size());
  const uint64_t cols = uint64_t{blen} + 1;
  const uint64_t cells = (uint64_t{alen} + 1) * cols;
  std::unique_ptr<uint32_t[]> table(new (std::nothrow) uint32_t[cells]);
  if (table == nullptr) return Error(errors::kLcsAllocationFailed);
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[uint64_t{i} * cols + j]; };
  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (a[i - 1] == b[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        const uint32_t up = at(i - 1, j);
        const uint32_t left = at(i, j - 1);
        at(i, j) = up > left ? up : left;
      }
    }
  }
  LcsResult r;
  uint32_t idx = at(alen, blen);
  r.length = idx;
  if (!options.idx && options.len) return r;
  r.lcs.assign(idx, '\0');
  // The walk back, as Redis's lcsCommand: a range is open while arange_start != alen.
  uint32_t arange_start = alen, arange_end = 0, brange_start = 0, brange_end = 0;
  uint32_t i = alen, j = blen;
  while (i > 0 && j > 0) {
    bool emit_range = false;
    if (a[i - 1] == b[j - 1]) {
      r.lcs[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = i - 1;
        arange_end = i - 1;
        brange_start = j - 1;
        brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        // Contiguous with the open range: extend it backwards.
        --arange_start;
        --brange_start;
      } else {
        emit_range = true;
      }
      // A range that reached the first byte of either string is complete.
      if (arange_start == 0 || brange_start == 0) emit_range = true;
      --idx;
      --i;
      --j;
    } else {
      const uint32_t up = at(i - 1, j);
      const uint32_t left = at(i, j - 1);
      if (up > left) {
        --i;
      } else {
        --j;
      }
      if (arange_start != alen) emit_range = true;
    }
    if (emit_range) {
      const uint32_t match_len = arange_end - arange_start + 1;
      if (options.idx &&
          (options.min_match_len == 0 || int64_t{match_len} >= options.min_match_len)) {
        r.matches.push_back({arange_start, arange_end, brange_start, brange_end, match_len});
      }
      arange_start = alen;  // the next match opens a new range
    }
  }
  return r;
}

absl::StatusOr<LcsResult> Lcs(Keyspace& ks, int db, std::string_view key1, std::string_view key2,
                              const absl::StatusOr<LcsOptions>& options, int64_t max_table_bytes) {
  absl::Status status;
  std::string a;
  std::string b;
  ks.Update2(
      db, key1, key2,
      [&](KeyHandle& k1, KeyHandle& k2) {
        if ((k1.exists() && k1.type() != ValueType::kString) ||
            (k2.exists() && k2.type() != ValueType::kString)) {
          status = Error(errors::kLcsNotStrings);
          return;
        }
        if (!options.ok()) {
          status = options.status();
          return;
        }
        const std::string_view va = k1.exists() ? k1.string_value() : std::string_view();
        const std::string_view vb = k2.exists() ? k2.string_value() : std::string_view();
        // Refused inputs are not copied.
        status = CheckSizes(va.size(), vb.size(), max_table_bytes);
        if (!status.ok()) return;
        a.assign(va);
        b.assign(vb);
      },
      Keyspace::Lookup::kRead);
  if (!status.ok()) return status;
  return LcsOfStrings(a, b, *options, max_table_bytes);
}

}  // namespace embedis::lcs_ops
