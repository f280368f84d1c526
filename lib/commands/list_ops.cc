#include "lib/commands/list_ops.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "lib/commands/typed_access.h"
#include "lib/keyspace/list_value.h"
#include "lib/util/errors.h"
#include "lib/util/status_macros.h"

namespace embedis::list_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

std::string PopAt(ListValue& l, End end) { return end == End::kHead ? l.PopFront() : l.PopBack(); }

void PushAt(ListValue& l, End end, std::string_view element) {
  if (end == End::kHead) {
    l.PushFront(element);
  } else {
    l.PushBack(element);
  }
}

// Pops min(count, size) elements from `end`, in popping order.
std::vector<std::string> PopUpTo(ListValue& l, End end, uint64_t count) {
  const uint64_t n = std::min<uint64_t>(count, l.size());
  std::vector<std::string> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) out.push_back(PopAt(l, end));
  return out;
}

// A Redis list index (negative: from the tail) as a position, nullopt when outside the list.
std::optional<size_t> Position(int64_t index, size_t size) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<size_t>(index);
}

// LRANGE's and LTRIM's range [start, stop] clamped to the list as Redis does: (first, count),
// nullopt when empty.
std::optional<std::pair<size_t, size_t>> Clamp(int64_t start, int64_t stop, size_t size) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return std::nullopt;
  if (stop >= n) stop = n - 1;
  return std::make_pair(static_cast<size_t>(start), static_cast<size_t>(stop - start + 1));
}

using Access = typed_access::For<ListValue>;

}  // namespace

absl::StatusOr<int64_t> Push(Keyspace& ks, int db, std::string_view key,
                             absl::Span<const std::string_view> elements, End end, bool create) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    if (!k.exists() && !create) return 0;
    ListValue& l = k.exists() ? k.list() : k.CreateList();
    if (end == End::kHead) {
      l.PushFront(elements);
    } else {
      l.PushBack(elements);
    }
    k.Notify(kNotifyList, end == End::kHead ? "lpush" : "rpush");
    return static_cast<int64_t>(l.size());
  });
}

absl::StatusOr<std::optional<std::string>> PopOne(Keyspace& ks, int db, std::string_view key,
                                                  End end) {
  using Result = std::optional<std::string>;
  return Access::Write<Result>(ks, db, key, [&](KeyHandle& k) -> Result {
    if (!k.exists()) return std::nullopt;
    k.Notify(kNotifyList, end == End::kHead ? "lpop" : "rpop");
    return PopAt(k.list(), end);
  });
}

absl::StatusOr<std::optional<std::vector<std::string>>> Pop(Keyspace& ks, int db,
                                                            std::string_view key, End end,
                                                            uint64_t count) {
  using Result = std::optional<std::vector<std::string>>;
  return Access::Write<Result>(ks, db, key, [&](KeyHandle& k) -> Result {
    if (!k.exists()) return std::nullopt;
    k.Notify(kNotifyList, end == End::kHead ? "lpop" : "rpop");
    return PopUpTo(k.list(), end, count);
  });
}

absl::StatusOr<int64_t> Len(Keyspace& ks, int db, std::string_view key) {
  return Access::Read<int64_t>(ks, db, key, [](const ListValue* l) -> int64_t {
    return l == nullptr ? 0 : static_cast<int64_t>(l->size());
  });
}

absl::StatusOr<std::optional<std::string>> Index(Keyspace& ks, int db, std::string_view key,
                                                 absl::StatusOr<int64_t> index) {
  using Result = std::optional<std::string>;
  absl::Status bad_index;  // reported only for an existing list
  absl::StatusOr<Result> out = Access::Read<Result>(ks, db, key, [&](const ListValue* l) -> Result {
    if (l == nullptr) return std::nullopt;
    if (!index.ok()) {
      bad_index = index.status();
      return std::nullopt;
    }
    std::optional<size_t> pos = Position(*index, l->size());
    if (!pos.has_value()) return std::nullopt;
    return std::string(l->At(*pos));
  });
  if (!bad_index.ok()) return bad_index;
  return out;
}

absl::Status VisitRange(Keyspace& ks, int db, std::string_view key, int64_t start, int64_t stop,
                        absl::FunctionRef<void(size_t)> count,
                        absl::FunctionRef<void(std::string_view)> element) {
  return Access::Read<bool>(ks, db, key,
                            [&](const ListValue* l) {
                              auto range =
                                  l == nullptr ? std::nullopt : Clamp(start, stop, l->size());
                              if (!range.has_value()) {
                                count(0);
                                return true;
                              }
                              count(range->second);
                              l->ForRange(range->first, range->second, element);
                              return true;
                            })
      .status();
}

absl::StatusOr<std::vector<std::string>> Range(Keyspace& ks, int db, std::string_view key,
                                               int64_t start, int64_t stop) {
  std::vector<std::string> out;
  EMBEDIS_RETURN_IF_ERROR(VisitRange(
      ks, db, key, start, stop, [&](size_t n) { out.reserve(n); },
      [&](std::string_view element) { out.emplace_back(element); }));
  return out;
}

absl::StatusOr<std::vector<int64_t>> Pos(Keyspace& ks, int db, std::string_view key,
                                         std::string_view element, const PosOptions& options) {
  const int64_t rank = options.rank, count = options.count, maxlen = options.maxlen;
  const bool reverse = rank < 0;
  const bool rank_overflow = rank == std::numeric_limits<int64_t>::min();
  // The number of matches to skip before the first one reported.
  const uint64_t skip = rank_overflow ? 0 : static_cast<uint64_t>(reverse ? -rank : rank) - 1;
  using Result = std::vector<int64_t>;
  return Access::Read<Result>(ks, db, key, [&](const ListValue* l) {
    Result found;
    if (l == nullptr) return found;
    uint64_t matches = 0, scanned = 0;
    l->Walk(reverse, [&](size_t index, std::string_view e) {
      if (maxlen != 0 && scanned >= static_cast<uint64_t>(maxlen)) return false;
      ++scanned;
      if (e != element) return true;
      if (++matches <= skip) return true;
      found.push_back(static_cast<int64_t>(index));
      if (count == -1) return false;  // the first match is the answer
      return rank_overflow || count == 0 || found.size() < static_cast<uint64_t>(count);
    });
    return found;
  });
}

absl::Status Set(Keyspace& ks, int db, std::string_view key, absl::StatusOr<int64_t> index,
                 std::string_view element) {
  absl::Status result;
  absl::StatusOr<bool> type_ok = Access::Write<bool>(ks, db, key, [&](KeyHandle& k) {
    if (!k.exists()) {
      result = Error(errors::kNoSuchKey);
    } else if (!index.ok()) {
      result = index.status();
    } else if (std::optional<size_t> pos = Position(*index, k.list_view().size()); !pos) {
      result = Error(errors::kIndexOutOfRange);
    } else {
      k.list().Set(*pos, element);
      k.Notify(kNotifyList, "lset");
    }
    return true;
  });
  return type_ok.ok() ? result : type_ok.status();
}

absl::Status Trim(Keyspace& ks, int db, std::string_view key, int64_t start, int64_t stop) {
  return Access::Write<bool>(
             ks, db, key,
             [&](KeyHandle& k) {
               if (!k.exists()) return true;
               k.Touch();  // Redis signals LTRIM as a modification whatever it removed
               k.Notify(kNotifyList, "ltrim");
               ListValue& l = k.list();
               const size_t size = l.size();
               auto range = Clamp(start, stop, size);
               if (!range.has_value()) {
                 l.Clear();  // the keyspace deletes the emptied key
               } else {
                 const size_t keep_end = range->first + range->second;
                 l.Erase(keep_end, size - keep_end);
                 l.Erase(0, range->first);
               }
               return true;
             })
      .status();
}

absl::StatusOr<int64_t> Rem(Keyspace& ks, int db, std::string_view key, int64_t count,
                            std::string_view element) {
  const bool from_tail = count < 0;
  const uint64_t limit = count == std::numeric_limits<int64_t>::min() ? 0
                         : from_tail                                  ? -count
                                                                      : count;
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    if (!k.exists()) return 0;
    const size_t removed = k.list().Remove(element, limit, from_tail);
    if (removed > 0) k.Notify(kNotifyList, "lrem");
    return static_cast<int64_t>(removed);
  });
}

absl::StatusOr<int64_t> Insert(Keyspace& ks, int db, std::string_view key, bool after,
                               std::string_view pivot, std::string_view element) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    if (!k.exists()) return 0;
    std::optional<size_t> at;
    k.list_view().Walk(/*reverse=*/false, [&](size_t index, std::string_view e) {
      if (e != pivot) return true;
      at = index;
      return false;
    });
    if (!at.has_value()) return -1;
    ListValue& l = k.list();
    l.Insert(*at + (after ? 1 : 0), element);
    k.Notify(kNotifyList, "linsert");
    return static_cast<int64_t>(l.size());
  });
}

absl::StatusOr<std::optional<std::string>> Move(Keyspace& ks, int db, std::string_view source,
                                                std::string_view destination, End from, End to) {
  absl::StatusOr<std::optional<std::string>> out = std::nullopt;
  ks.Update2(db, source, destination, [&](KeyHandle& src, KeyHandle& dst) {
    if (!src.exists()) return;
    if (src.type() != ValueType::kList || (dst.exists() && dst.type() != ValueType::kList)) {
      out = Error(errors::kWrongType);
      return;
    }
    // Pop first: with the same key twice (one handle) a one-element list rotates onto itself,
    // and the keyspace deletes an emptied list only after the callback.
    std::string element = PopAt(src.list(), from);
    src.Notify(kNotifyList, from == End::kHead ? "lpop" : "rpop");
    PushAt(dst.exists() ? dst.list() : dst.CreateList(), to, element);
    dst.Notify(kNotifyList, to == End::kHead ? "lpush" : "rpush");
    out = std::optional<std::string>(std::move(element));
  });
  return out;
}

absl::StatusOr<std::optional<KeyElements>> PopFirst(Keyspace& ks, int db,
                                                    absl::Span<const std::string_view> keys,
                                                    End end, uint64_t count) {
  for (std::string_view key : keys) {
    std::optional<absl::StatusOr<KeyElements>> got;
    ks.Update(db, key, [&](KeyHandle& k) {
      if (!k.exists()) return;
      if (k.type() != ValueType::kList) {
        got = Error(errors::kWrongType);
        return;
      }
      got = KeyElements{std::string(key), PopUpTo(k.list(), end, count)};
      k.Notify(kNotifyList, end == End::kHead ? "lpop" : "rpop");
    });
    if (!got.has_value()) continue;
    if (!got->ok()) return got->status();
    return std::optional<KeyElements>(*std::move(*got));
  }
  return std::nullopt;
}

}  // namespace embedis::list_ops
