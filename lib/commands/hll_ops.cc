#include "lib/commands/hll_ops.h"

#include <optional>
#include <string>
#include <vector>

#include "lib/commands/hll.h"
#include "lib/commands/typed_access.h"
#include "lib/util/errors.h"

namespace embedis::hll_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

using Access = typed_access::For<std::string_view>;

// Merges the HLL of `k` (if any) into `max`; notes whether it is dense.
absl::Status MergeKey(const KeyHandle& k, hll::Registers* max, bool* dense) {
  if (!k.exists()) return absl::OkStatus();
  if (k.type() != ValueType::kString) return errors::WrongTypeError();
  const std::string_view value = k.string_value();
  if (!hll::IsValid(value)) return Error(errors::kNotHyperLogLog);
  if (hll::IsDense(value)) *dense = true;
  if (!hll::MergeInto(value, max)) return Error(errors::kCorruptedHyperLogLog);
  return absl::OkStatus();
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
    k.Notify(kNotifyString, "pfadd");
    return true;
  });
}

absl::StatusOr<int64_t> Count(Keyspace& ks, int db, absl::Span<const std::string_view> keys) {
  if (keys.size() == 1) {
    return Access::Write<int64_t>(
        ks, db, keys[0],
        [&](KeyHandle& k) -> absl::StatusOr<int64_t> {
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
        },
        Keyspace::Lookup::kReadThenWrite);  // a read lookup in Redis
  }
  // Several keys: their union, read in one atomic step (Keyspace::UpdateMany).
  absl::StatusOr<int64_t> out = 0;
  ks.UpdateMany(db, keys, std::nullopt, [&](absl::Span<KeyHandle* const> views, KeyHandle*) {
    hll::Registers max{};
    bool dense = false;
    for (const KeyHandle* k : views) {
      if (absl::Status s = MergeKey(*k, &max, &dense); !s.ok()) {
        out = s;
        return;
      }
    }
    out = static_cast<int64_t>(hll::Estimate(max));
  });
  return out;
}

absl::Status Merge(Keyspace& ks, int db, std::string_view destination,
                   absl::Span<const std::string_view> sources) {
  // The destination is read first, as Redis does, then every source, then the destination is
  // written: one atomic step (Keyspace::UpdateMany).
  std::vector<std::string_view> keys = {destination};
  keys.insert(keys.end(), sources.begin(), sources.end());
  absl::Status out;
  ks.UpdateMany(db, keys, destination, [&](absl::Span<KeyHandle* const> views, KeyHandle* dest) {
    hll::Registers max{};
    bool dense = false;
    for (const KeyHandle* k : views) {
      if (absl::Status s = MergeKey(*k, &max, &dense); !s.ok()) {
        out = s;
        return;
      }
    }
    std::string h = dest->exists() ? std::string(dest->string_value()) : hll::NewSparse();
    if (dense && !hll::ToDense(&h)) {
      out = Error(errors::kCorruptedHyperLogLog);
      return;
    }
    hll::RaiseAll(&h, max);
    hll::InvalidateCache(&h);
    dest->SetString(h, /*keep_ttl=*/true, StringOrigin::kRaw);
    dest->Notify(kNotifyString, "pfadd");
  });
  return out;
}

}  // namespace embedis::hll_ops
