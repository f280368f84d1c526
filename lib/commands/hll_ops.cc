#include "lib/commands/hll_ops.h"

#include <string>

#include "lib/commands/hll.h"
#include "lib/commands/typed_access.h"
#include "lib/util/errors.h"

namespace embedis::hll_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

using Access = typed_access::For<std::string_view>;

// Merges the HLL at `key` (if any) into `max`; notes whether it is dense.
absl::Status MergeKey(Keyspace& ks, int db, std::string_view key, hll::Registers* max,
                      bool* dense) {
  absl::StatusOr<bool> read =
      Access::Read<bool>(ks, db, key, [&](const std::string_view* value) -> absl::StatusOr<bool> {
        if (value == nullptr) return true;
        if (!hll::IsValid(*value)) return Error(errors::kNotHyperLogLog);
        if (hll::IsDense(*value)) *dense = true;
        if (!hll::MergeInto(*value, max)) return Error(errors::kCorruptedHyperLogLog);
        return true;
      });
  return read.status();
}

}  // namespace

absl::StatusOr<bool> Add(Keyspace& ks, int db, std::string_view key,
                         absl::Span<const std::string_view> elements) {
  return Access::Write<bool>(ks, db, key, [&](KeyHandle& k) -> absl::StatusOr<bool> {
    const bool created = !k.exists();
    std::string h;
    size_t first = 0;  // the first element that may change a register
    if (created) {
      h = hll::NewSparse();
    } else {
      const std::string_view value = k.string_value();
      if (!hll::IsValid(value)) return Error(errors::kNotHyperLogLog);
      if (hll::IsDense(value)) {
        // Most adds to a large HLL change nothing: look before copying 12 KB.
        for (; first < elements.size(); ++first) {
          const hll::Pattern pat = hll::HashElement(elements[first]);
          if (hll::DenseRegister(value, pat.index) < pat.count) break;
        }
        if (first == elements.size()) return false;
      }
      h = std::string(value);
    }
    bool updated = false;
    for (std::string_view e : elements.subspan(first)) {
      const int r = hll::Add(&h, e);
      if (r < 0) {
        // Redis edits in place: what changed before the corrupted read stays.
        if (updated) k.SetString(h, /*keep_ttl=*/true, StringOrigin::kRaw);
        return Error(errors::kCorruptedHyperLogLog);
      }
      if (r == 1) updated = true;
    }
    if (!created && !updated) return false;
    hll::InvalidateCache(&h);
    k.SetString(h, /*keep_ttl=*/true, StringOrigin::kRaw);
    return true;
  });
}

absl::StatusOr<int64_t> Count(Keyspace& ks, int db, absl::Span<const std::string_view> keys) {
  if (keys.size() == 1) {
    return Access::Write<int64_t>(ks, db, keys[0], [&](KeyHandle& k) -> absl::StatusOr<int64_t> {
      if (!k.exists()) return 0;
      const std::string_view value = k.string_value();
      if (!hll::IsValid(value)) return Error(errors::kNotHyperLogLog);
      if (std::optional<uint64_t> cached = hll::CachedCardinality(value)) {
        return static_cast<int64_t>(*cached);
      }
      std::optional<uint64_t> card = hll::Estimate(value);
      if (!card.has_value()) return Error(errors::kCorruptedHyperLogLog);
      std::string h(value);
      hll::SetCachedCardinality(&h, *card);
      k.SetString(h, /*keep_ttl=*/true, StringOrigin::kRaw);
      return static_cast<int64_t>(*card);
    });
  }
  hll::Registers max{};
  bool dense = false;
  for (std::string_view key : keys) {
    absl::Status s = MergeKey(ks, db, key, &max, &dense);
    if (!s.ok()) return s;
  }
  return static_cast<int64_t>(hll::Estimate(max));
}

absl::Status Merge(Keyspace& ks, int db, std::string_view destination,
                   absl::Span<const std::string_view> sources) {
  hll::Registers max{};
  bool dense = false;
  absl::Status s = MergeKey(ks, db, destination, &max, &dense);
  for (size_t i = 0; s.ok() && i < sources.size(); ++i) {
    s = MergeKey(ks, db, sources[i], &max, &dense);
  }
  if (!s.ok()) return s;
  absl::StatusOr<bool> written =
      Access::Write<bool>(ks, db, destination, [&](KeyHandle& k) -> absl::StatusOr<bool> {
        std::string h;
        if (!k.exists()) {
          h = hll::NewSparse();
        } else {
          // Checked above, but another client may have replaced it since.
          if (!hll::IsValid(k.string_value())) return Error(errors::kNotHyperLogLog);
          h = std::string(k.string_value());
        }
        if (dense && !hll::ToDense(&h)) return Error(errors::kCorruptedHyperLogLog);
        hll::RaiseAll(&h, max);
        hll::InvalidateCache(&h);
        k.SetString(h, /*keep_ttl=*/true, StringOrigin::kRaw);
        return true;
      });
  return written.status();
}

}  // namespace embedis::hll_ops
