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

// SINTER / SUNION / SDIFF over the keys' handles (Keyspace::UpdateMany), after checking every
// key's type as Redis does before it computes anything (WRONGTYPE even after a missing key).
absl::StatusOr<std::vector<std::string>> CombineSets(absl::Span<KeyHandle* const> keys, SetOp op) {
  std::vector<const SetValue*> sets;  // nullptr: missing (empty)
  sets.reserve(keys.size());
  for (const KeyHandle* k : keys) {
    if (k->exists() && k->type() != ValueType::kSet) return Error(errors::kWrongType);
    sets.push_back(k->exists() ? &k->set_view() : nullptr);
  }
  auto size = [](const SetValue* s) { return s == nullptr ? size_t{0} : s->size(); };
  auto in = [](const SetValue* s, std::string_view m) { return s != nullptr && s->Contains(m); };
  std::vector<std::string> members;
  switch (op) {
    case SetOp::kInter: {
      // Start from the smallest set and test its members against each other set, as Redis.
      size_t smallest = 0;
      for (size_t i = 1; i < sets.size(); ++i) {
        if (size(sets[i]) < size(sets[smallest])) smallest = i;
      }
      if (size(sets[smallest]) == 0) return members;
      sets[smallest]->ForEach([&](std::string_view m) {
        for (size_t i = 0; i < sets.size(); ++i) {
          if (i != smallest && !in(sets[i], m)) return;
        }
        members.emplace_back(m);
      });
      return members;
    }
    case SetOp::kDiff:
      if (sets[0] == nullptr) return members;
      sets[0]->ForEach([&](std::string_view m) {
        for (size_t i = 1; i < sets.size(); ++i) {
          if (in(sets[i], m)) return;
        }
        members.emplace_back(m);
      });
      return members;
    case SetOp::kUnion: {
      absl::flat_hash_set<std::string> all;
      for (const SetValue* s : sets) {
        if (s != nullptr) s->ForEach([&](std::string_view m) { all.emplace(m); });
      }
      return std::vector<std::string>(all.begin(), all.end());
    }
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
    if (added > 0) k.Notify(kNotifySet, "sadd");
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
    if (removed > 0) k.Notify(kNotifySet, "srem");
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
    k.Notify(kNotifySet, "spop");
    return k.set().PopRandom(Rng());
  });
}

absl::StatusOr<std::vector<std::string>> PopCount(Keyspace& ks, int db, std::string_view key,
                                                  uint64_t count) {
  return Access::Write<std::vector<std::string>>(ks, db, key, [&](KeyHandle& k) {
    std::vector<std::string> out;
    if (!k.exists() || count == 0) return out;
    SetValue& s = k.set();
    k.Notify(kNotifySet, "spop");
    if (count >= s.size()) {
      out = AllMembers(s);
      k.Delete();
      k.Notify(kNotifyGeneric, "del");
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
    src.Notify(kNotifySet, "srem");
    (dst.exists() ? dst.set() : dst.CreateSet()).Add(member);
    dst.Notify(kNotifySet, "sadd");
    out = true;
  });
  return out;
}

absl::StatusOr<std::vector<std::string>> Combine(Keyspace& ks, int db,
                                                 absl::Span<const std::string_view> keys,
                                                 SetOp op) {
  absl::StatusOr<std::vector<std::string>> out;
  ks.UpdateMany(db, keys, std::nullopt, [&](absl::Span<KeyHandle* const> views, KeyHandle*) {
    out = CombineSets(views, op);
  });
  return out;
}

absl::StatusOr<int64_t> Store(Keyspace& ks, int db, std::string_view destination,
                              absl::Span<const std::string_view> keys, SetOp op) {
  absl::StatusOr<int64_t> out = 0;
  ks.UpdateMany(db, keys, destination, [&](absl::Span<KeyHandle* const> views, KeyHandle* dest) {
    absl::StatusOr<std::vector<std::string>> members = CombineSets(views, op);
    if (!members.ok()) {
      out = members.status();
      return;
    }
    // The sources are not read past this point (the destination may be one of them).
    const bool existed = dest->exists();
    if (existed) dest->Delete();
    if (members->empty()) {
      if (existed) dest->Notify(kNotifyGeneric, "del");
      return;
    }
    SetValue& s = dest->CreateSet();
    for (const std::string& m : *members) s.Add(m);
    out = static_cast<int64_t>(s.size());
    dest->Notify(kNotifySet, op == SetOp::kInter   ? "sinterstore"
                             : op == SetOp::kUnion ? "sunionstore"
                                                   : "sdiffstore");
  });
  return out;
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
