#include "lib/commands/set_ops.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "lib/commands/typed_access.h"
#include "lib/keyspace/set_value.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"

namespace embedis::set_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

absl::InsecureBitGen& Rng() {
  thread_local absl::InsecureBitGen gen;
  return gen;
}

using Access = typed_access::For<SetValue>;

std::vector<std::string> AllMembers(const SetValue& s) {
  std::vector<std::string> out;
  out.reserve(s.size());
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

// The sizes of `keys` (0 for a missing key), after checking every key's type as Redis does
// before it computes anything.
absl::StatusOr<std::vector<size_t>> Sizes(Keyspace& ks, int db,
                                          absl::Span<const std::string_view> keys) {
  std::vector<size_t> sizes;
  sizes.reserve(keys.size());
  for (std::string_view key : keys) {
    absl::StatusOr<size_t> n = Access::Read<size_t>(
        ks, db, key, [](const SetValue* s) { return s == nullptr ? 0 : s->size(); });
    if (!n.ok()) return n.status();
    sizes.push_back(*n);
  }
  return sizes;
}

// Keeps in `members` only those that are (keep_present) or are not (!keep_present) in `key`'s
// set (a missing key is empty).
absl::Status Filter(Keyspace& ks, int db, std::string_view key, bool keep_present,
                    std::vector<std::string>* members) {
  absl::StatusOr<bool> done = Access::Read<bool>(ks, db, key, [&](const SetValue* s) {
    auto drop = [&](const std::string& m) {
      const bool present = s != nullptr && s->Contains(m);
      return present != keep_present;
    };
    members->erase(std::remove_if(members->begin(), members->end(), drop), members->end());
    return true;
  });
  return done.status();
}

absl::StatusOr<std::vector<std::string>> Intersect(Keyspace& ks, int db,
                                                   absl::Span<const std::string_view> keys,
                                                   const std::vector<size_t>& sizes) {
  // Start from the smallest set and test its members against each other set, as Redis.
  size_t smallest = 0;
  for (size_t i = 1; i < keys.size(); ++i) {
    if (sizes[i] < sizes[smallest]) smallest = i;
  }
  if (sizes[smallest] == 0) return std::vector<std::string>{};
  absl::StatusOr<std::vector<std::string>> members = Members(ks, db, keys[smallest]);
  if (!members.ok()) return members.status();
  for (size_t i = 0; i < keys.size() && !members->empty(); ++i) {
    if (i == smallest) continue;
    if (absl::Status s = Filter(ks, db, keys[i], true, &*members); !s.ok()) return s;
  }
  return members;
}

}  // namespace

absl::StatusOr<int64_t> Add(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> members) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    SetValue& s = k.exists() ? k.set() : k.CreateSet();
    int64_t added = 0;
    for (std::string_view m : members) added += s.Add(m) ? 1 : 0;
    return added;
  });
}

absl::StatusOr<int64_t> Rem(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> members) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    if (!k.exists()) return 0;
    SetValue& s = k.set();
    int64_t removed = 0;
    for (std::string_view m : members) {
      removed += s.Remove(m) ? 1 : 0;
      if (s.empty()) break;
    }
    return removed;
  });
}

absl::StatusOr<int64_t> Card(Keyspace& ks, int db, std::string_view key) {
  return Access::Read<int64_t>(ks, db, key, [](const SetValue* s) -> int64_t {
    return s == nullptr ? 0 : static_cast<int64_t>(s->size());
  });
}

absl::StatusOr<bool> IsMember(Keyspace& ks, int db, std::string_view key, std::string_view member) {
  return Access::Read<bool>(ks, db, key,
                            [&](const SetValue* s) { return s != nullptr && s->Contains(member); });
}

absl::StatusOr<std::vector<bool>> MIsMember(Keyspace& ks, int db, std::string_view key,
                                            absl::Span<const std::string_view> members) {
  return Access::Read<std::vector<bool>>(ks, db, key, [&](const SetValue* s) {
    std::vector<bool> out;
    out.reserve(members.size());
    for (std::string_view m : members) out.push_back(s != nullptr && s->Contains(m));
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> Members(Keyspace& ks, int db, std::string_view key) {
  return Access::Read<std::vector<std::string>>(ks, db, key, [](const SetValue* s) {
    return s == nullptr ? std::vector<std::string>{} : AllMembers(*s);
  });
}

absl::StatusOr<std::optional<std::string>> RandMember(Keyspace& ks, int db, std::string_view key) {
  using Result = std::optional<std::string>;
  return Access::Read<Result>(ks, db, key, [](const SetValue* s) -> Result {
    if (s == nullptr) return std::nullopt;
    return s->RandomMember(Rng());
  });
}

absl::StatusOr<std::vector<std::string>> RandMembers(Keyspace& ks, int db, std::string_view key,
                                                     int64_t count) {
  bool too_large = false;
  absl::StatusOr<std::vector<std::string>> out =
      Access::Read<std::vector<std::string>>(ks, db, key, [&](const SetValue* s) {
        std::vector<std::string> members;
        if (s == nullptr || count == 0) return members;
        const bool unique = count > 0;
        const uint64_t n = unique ? static_cast<uint64_t>(count) : -static_cast<uint64_t>(count);
        // Each member costs at least 7 reply bytes ("$1\r\nx\r\n").
        if (!unique && n > kMaxRandomReplyBytes / 7) {
          too_large = true;
          return members;
        }
        uint64_t bytes = 0;
        members.reserve(unique ? std::min<uint64_t>(n, s->size()) : n);
        s->RandomMembers(n, unique, Rng(), [&](std::string_view m) {
          if (too_large) return;
          bytes += m.size() + 7;
          if (bytes > kMaxRandomReplyBytes) {
            too_large = true;
            return;
          }
          members.emplace_back(m);
        });
        if (too_large) members.clear();
        return members;
      });
  if (too_large) return Error(errors::kRandomReplyTooLarge);
  return out;
}

absl::StatusOr<std::optional<std::string>> Pop(Keyspace& ks, int db, std::string_view key) {
  using Result = std::optional<std::string>;
  return Access::Write<Result>(ks, db, key, [](KeyHandle& k) -> Result {
    if (!k.exists()) return std::nullopt;
    return k.set().PopRandom(Rng());
  });
}

absl::StatusOr<std::vector<std::string>> PopCount(Keyspace& ks, int db, std::string_view key,
                                                  uint64_t count) {
  return Access::Write<std::vector<std::string>>(ks, db, key, [&](KeyHandle& k) {
    std::vector<std::string> out;
    if (!k.exists() || count == 0) return out;
    SetValue& s = k.set();
    if (count >= s.size()) {
      out = AllMembers(s);
      k.Delete();
      return out;
    }
    out.reserve(count);
    for (uint64_t i = 0; i < count; ++i) out.push_back(s.PopRandom(Rng()));
    return out;
  });
}

absl::StatusOr<bool> Move(Keyspace& ks, int db, std::string_view source,
                          std::string_view destination, std::string_view member) {
  absl::StatusOr<bool> out = false;
  ks.Update2(db, source, destination, [&](KeyHandle& src, KeyHandle& dst) {
    if (!src.exists()) return;
    if (src.type() != ValueType::kSet || (dst.exists() && dst.type() != ValueType::kSet)) {
      out = Error(errors::kWrongType);
      return;
    }
    if (source == destination) {
      out = src.set_view().Contains(member);
      return;
    }
    if (!src.set().Remove(member)) return;
    (dst.exists() ? dst.set() : dst.CreateSet()).Add(member);
    out = true;
  });
  return out;
}

absl::StatusOr<std::vector<std::string>> Combine(Keyspace& ks, int db,
                                                 absl::Span<const std::string_view> keys,
                                                 SetOp op) {
  absl::StatusOr<std::vector<size_t>> sizes = Sizes(ks, db, keys);
  if (!sizes.ok()) return sizes.status();
  switch (op) {
    case SetOp::kInter:
      return Intersect(ks, db, keys, *sizes);
    case SetOp::kDiff: {
      absl::StatusOr<std::vector<std::string>> members = Members(ks, db, keys[0]);
      if (!members.ok()) return members.status();
      for (size_t i = 1; i < keys.size() && !members->empty(); ++i) {
        if ((*sizes)[i] == 0) continue;
        if (absl::Status s = Filter(ks, db, keys[i], false, &*members); !s.ok()) return s;
      }
      return members;
    }
    case SetOp::kUnion: {
      absl::flat_hash_set<std::string> all;
      for (size_t i = 0; i < keys.size(); ++i) {
        if ((*sizes)[i] == 0) continue;
        absl::StatusOr<bool> done = Access::Read<bool>(ks, db, keys[i], [&](const SetValue* s) {
          if (s != nullptr) s->ForEach([&](std::string_view m) { all.emplace(m); });
          return true;
        });
        if (!done.ok()) return done.status();
      }
      return std::vector<std::string>(all.begin(), all.end());
    }
  }
  return std::vector<std::string>{};
}

absl::StatusOr<int64_t> Store(Keyspace& ks, int db, std::string_view destination,
                              absl::Span<const std::string_view> keys, SetOp op) {
  absl::StatusOr<std::vector<std::string>> members = Combine(ks, db, keys, op);
  if (!members.ok()) return members.status();
  int64_t size = 0;
  ks.Update(db, destination, [&](KeyHandle& k) {
    if (k.exists()) k.Delete();
    if (members->empty()) return;
    SetValue& s = k.CreateSet();
    for (const std::string& m : *members) s.Add(m);
    size = static_cast<int64_t>(s.size());
  });
  return size;
}

absl::StatusOr<int64_t> InterCard(Keyspace& ks, int db, absl::Span<const std::string_view> keys,
                                  uint64_t limit) {
  absl::StatusOr<std::vector<std::string>> members = Combine(ks, db, keys, SetOp::kInter);
  if (!members.ok()) return members.status();
  uint64_t n = members->size();
  if (limit != 0) n = std::min(n, limit);
  return static_cast<int64_t>(n);
}

absl::StatusOr<ScanPage> Scan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                              size_t count, std::string_view match) {
  const bool all = match.empty() || match == "*";
  return Access::Read<ScanPage>(ks, db, key, [&](const SetValue* s) {
    ScanPage page;
    if (s == nullptr) return page;
    page.cursor = s->Scan(cursor, count, [&](std::string_view m) {
      if (all || GlobMatch(match, m)) page.members.emplace_back(m);
    });
    return page;
  });
}

}  // namespace embedis::set_ops
