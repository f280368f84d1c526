#include "lib/commands/zset_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "lib/commands/typed_access.h"
#include "lib/keyspace/set_value.h"
#include "lib/keyspace/zset_value.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"
#include "lib/util/strings.h"

namespace embedis::zset_ops {
namespace {

absl::Status Error(const char* text) { return errors::FromRedisError(text); }

absl::InsecureBitGen& Rng() {
  thread_local absl::InsecureBitGen gen;
  return gen;
}

using Access = typed_access::For<ZSetValue>;

// The rank interval [begin, end) a spec selects before LIMIT, and the first rank to emit.
struct Ranks {
  size_t begin = 0, end = 0;
};

Ranks ScoreRanks(const ZSetValue& z, const ScoreRange& r) {
  Ranks s;
  s.begin = z.ScoreRank(r.min, /*past_equal=*/r.min_exclusive);
  s.end = z.ScoreRank(r.max, /*past_equal=*/!r.max_exclusive);
  if (s.end < s.begin) s.end = s.begin;
  return s;
}

size_t LexRankOf(const ZSetValue& z, const LexBound& b, bool is_max) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInf:
      return 0;
    case LexBound::Kind::kPlusInf:
      return z.size();
    case LexBound::Kind::kValue:
      return z.LexRank(b.value, /*past_equal=*/is_max ? !b.exclusive : b.exclusive);
  }
  return 0;
}

// Whether `m` is at or past `b` as a minimum (Redis's zslLexValueGteMin) or at or before it as a
// maximum (zslLexValueLteMax).
bool LexGteMin(std::string_view m, const LexBound& b) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInf:
      return true;
    case LexBound::Kind::kPlusInf:
      return false;
    case LexBound::Kind::kValue:
      return b.exclusive ? m > b.value : m >= b.value;
  }
  return false;
}
bool LexLteMax(std::string_view m, const LexBound& b) {
  switch (b.kind) {
    case LexBound::Kind::kMinusInf:
      return false;
    case LexBound::Kind::kPlusInf:
      return true;
    case LexBound::Kind::kValue:
      return b.exclusive ? m < b.value : m <= b.value;
  }
  return false;
}

// The ranks a lex range matches, found as Redis 7.0 finds them, so that a set whose scores differ
// (where lex order is unspecified) answers as Redis's does for a listpack: nothing unless the
// first member is at most the maximum and the last at least the minimum (zslIsInLexRange); then
// forward (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX) from the first member at or past the minimum
// while members are at most the maximum, or in reverse (ZREVRANGEBYLEX) from the last member at
// most the maximum (searched from the tail in a listpack) while they are at least the minimum.
// With equal scores every way agrees with plain rank arithmetic, which a skiplist uses (its
// answers on mixed scores depend on its random levels, in Redis as here).
Ranks LexRanks(const ZSetValue& z, const LexRange& r, bool reverse = false) {
  Ranks s;
  const size_t n = z.size();
  if (n == 0 || !LexLteMax(z.At(0).first, r.max) || !LexGteMin(z.At(n - 1).first, r.min)) {
    return s;
  }
  if (!z.is_listpack()) {  // both ends by descent: O(log n), as Redis's ZLEXCOUNT
    s.begin = LexRankOf(z, r.min, false);
    s.end = std::max(s.begin, LexRankOf(z, r.max, true));
    return s;
  }
  if (!reverse) {
    const size_t first = LexRankOf(z, r.min, false);
    size_t end = first;
    while (end < n && LexLteMax(z.At(end).first, r.max)) ++end;
    return {first, end};
  }
  size_t last = n;  // one past the last member in range
  while (last > 0 && !LexLteMax(z.At(last - 1).first, r.max)) --last;
  size_t begin = last;
  while (begin > 0 && LexGteMin(z.At(begin - 1).first, r.min)) --begin;
  return {begin, last};
}

// Redis's rank clamping (genericZrangebyrankCommand): an empty span when the range is empty.
Ranks ClampRanks(size_t size, int64_t start, int64_t stop) {
  const auto n = static_cast<int64_t>(size);
  if (start < 0) start = n + start;
  if (stop < 0) stop = n + stop;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return {};
  if (stop >= n) stop = n - 1;
  return {static_cast<size_t>(start), static_cast<size_t>(stop) + 1};
}

// The ranks a spec's range matches, before LIMIT and direction (a rank range as given).
Ranks MatchedRanks(const ZSetValue& z, const RangeSpec& spec) {
  switch (spec.kind) {
    case RangeSpec::Kind::kRank:
      return ClampRanks(z.size(), spec.start, spec.stop);
    case RangeSpec::Kind::kScore:
      return ScoreRanks(z, spec.score);
    case RangeSpec::Kind::kLex:
      return LexRanks(z, spec.lex, spec.reverse);
  }
  return {};
}

// The ranks a spec emits, [begin, end), walked from end - 1 down when spec.reverse: the matched
// ranks with ZREVRANGE's indexes counted from the top, and LIMIT applied.
Ranks SelectedRanks(const ZSetValue& z, const RangeSpec& spec) {
  Ranks s = MatchedRanks(z, spec);
  if (spec.kind == RangeSpec::Kind::kRank) {
    if (spec.reverse && s.end > s.begin) s = {z.size() - s.end, z.size() - s.begin};
    return s;
  }
  // LIMIT: an offset past the set's size, or negative, selects nothing (Redis skips offset
  // elements from the first in range, in the walking direction, then emits up to limit).
  if (spec.offset < 0 || (spec.offset > 0 && static_cast<uint64_t>(spec.offset) >= z.size())) {
    return {};
  }
  const auto offset = static_cast<size_t>(spec.offset);
  const size_t len = s.end - s.begin;
  if (offset >= len) return {};
  size_t take = len - offset;
  if (spec.limit >= 0) take = std::min<size_t>(take, static_cast<uint64_t>(spec.limit));
  if (spec.reverse) return {s.end - offset - take, s.end - offset};
  return {s.begin + offset, s.begin + offset + take};
}

std::vector<ScoredMember> Collect(const ZSetValue& z, Ranks s, bool reverse) {
  std::vector<ScoredMember> out;
  out.reserve(s.end - s.begin);
  z.ForRange(s.begin, s.end, reverse, [&](std::string_view m, double score) {
    out.push_back({std::string(m), score});
  });
  return out;
}

// How a STORE command builds its result, as Redis does (observable through a -0 score, which a
// listpack keeps as 0): kInserts adds the members one by one to a new listpack, converting when it
// grows too long (ZRANGESTORE by score or lex); kSkiplistIfLong starts as a skiplist when there
// are more members than a listpack holds (ZRANGESTORE by rank); kSkiplistThenCompact builds a
// skiplist and converts the result back to a listpack when it fits (ZUNIONSTORE, ZINTERSTORE,
// ZDIFFSTORE: zsetConvertToListpackIfNeeded).
enum class Build : uint8_t { kInserts, kSkiplistIfLong, kSkiplistThenCompact };

// Writes `members` (ascending, distinct) as `destination`'s new sorted set, replacing whatever
// it held, or deletes it when empty.
int64_t StoreMembersAt(KeyHandle& k, const std::vector<ScoredMember>& members, Build build,
                       const char* event) {
  const bool existed = k.exists();
  if (existed) k.Delete();
  if (members.empty()) {
    if (existed) k.Notify(kNotifyGeneric, "del");
    return 0;
  }
  k.Notify(kNotifyZSet, event);
  ZSetValue& z = k.CreateZSet();
  if (build == Build::kSkiplistThenCompact ||
      (build == Build::kSkiplistIfLong && members.size() > z.limits().max_listpack_entries)) {
    z.ConvertToSkiplist();
  }
  for (const ScoredMember& m : members) z.Insert(m.member, m.score);
  if (build == Build::kSkiplistThenCompact) z.ConvertToListpackIfFits();
  return static_cast<int64_t>(z.size());
}

int64_t StoreMembers(Keyspace& ks, int db, std::string_view destination,
                     const std::vector<ScoredMember>& members, Build build, const char* event) {
  int64_t size = 0;
  ks.Update(db, destination,
            [&](KeyHandle& k) { size = StoreMembersAt(k, members, build, event); });
  return size;
}

// One input of a combining command: a sorted set, a set (scores 1), or missing.
struct Source {
  const KeyHandle* key = nullptr;  // read through Keyspace::UpdateMany
  size_t size = 0;
  double weight = 1;
};

// Calls fn(member, score) for each member of a sorted set or a set (scores 1); nothing when
// missing. REQUIRES: Sources() checked the type.
void ForEachInput(const KeyHandle& k, absl::FunctionRef<void(std::string_view, double)> fn) {
  if (!k.exists()) return;
  if (k.type() == ValueType::kZSet) {
    k.zset_view().ForEach(fn);
  } else {
    k.set_view().ForEach([&](std::string_view m) { fn(m, 1.0); });
  }
}

// The inputs and their sizes, checking each key's type (a sorted set or a set) in order.
absl::StatusOr<std::vector<Source>> Sources(absl::Span<KeyHandle* const> keys,
                                            const std::vector<double>& weights) {
  std::vector<Source> out;
  out.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyHandle& k = *keys[i];
    Source src;
    src.key = &k;
    src.weight = i < weights.size() ? weights[i] : 1.0;
    if (k.exists()) {
      switch (k.type()) {
        case ValueType::kZSet:
          src.size = k.zset_view().size();
          break;
        case ValueType::kSet:
          src.size = k.set_view().size();
          break;
        case ValueType::kString:
        case ValueType::kHash:
        case ValueType::kList:
          return Error(errors::kWrongType);
      }
    }
    out.push_back(src);
  }
  return out;
}

// Redis's zunionInterAggregate.
void AggregateInto(double* target, double value, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::kSum:
      *target = *target + value;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      return;
    case Aggregate::kMin:
      *target = value < *target ? value : *target;
      return;
    case Aggregate::kMax:
      *target = value > *target ? value : *target;
      return;
  }
}

double Weighted(double weight, double score) {
  const double v = weight * score;
  return std::isnan(v) ? 0 : v;  // inf * 0
}

using MemberScores = StringMap<double>;

MemberScores ReadInput(const KeyHandle& k) {
  MemberScores out;
  ForEachInput(k, [&](std::string_view m, double score) { out.emplace(m, score); });
  return out;
}

std::vector<ScoredMember> Sorted(MemberScores&& scores) {
  std::vector<ScoredMember> out;
  out.reserve(scores.size());
  for (auto& [m, s] : scores) out.push_back({m, s});
  std::sort(out.begin(), out.end(), [](const ScoredMember& a, const ScoredMember& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.member < b.member;
  });
  return out;
}

}  // namespace

std::string FormatScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", score);
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatListpackScore(double score) {
  constexpr double kHalf = static_cast<double>(std::numeric_limits<int64_t>::max() / 2);
  if (score >= -kHalf && score <= kHalf) {
    const auto ll = static_cast<int64_t>(score);
    if (static_cast<double>(ll) == score) return absl::StrCat(ll);
  }
  return FormatScore(score);
}

// ---- Writes ----

absl::StatusOr<AddResult> Add(Keyspace& ks, int db, std::string_view key, AddOptions options,
                              absl::Span<const std::pair<double, std::string_view>> pairs) {
  const bool nx = options.condition == AddOptions::Condition::kNx;
  const bool xx = options.condition == AddOptions::Condition::kXx;
  const bool gt = options.comparison == AddOptions::Comparison::kGt;
  const bool lt = options.comparison == AddOptions::Comparison::kLt;
  bool nan = false;
  absl::StatusOr<AddResult> out = Access::Write<AddResult>(ks, db, key, [&](KeyHandle& k) {
    AddResult r;
    if (!k.exists() && xx) return r;
    ZSetValue& z = k.exists() ? k.zset() : k.CreateZSet();
    for (const auto& [given, member] : pairs) {
      double score = given;
      const std::optional<double> current = z.Score(member);
      if (current.has_value()) {
        if (nx) continue;
        if (options.incr) {
          score += *current;
          if (std::isnan(score)) {
            nan = true;
            return r;
          }
        }
        if ((lt && score >= *current) || (gt && score <= *current)) continue;
        r.processed = true;
        r.score = score;
        if (score != *current) {
          z.Insert(member, score);
          ++r.updated;
        }
      } else {
        if (xx) continue;
        z.Insert(member, score);
        ++r.added;
        r.processed = true;
        r.score = score;
      }
    }
    // Redis: "zincr" for INCR, else "zadd" when something was added or updated.
    if (options.incr ? r.processed : (r.added + r.updated) > 0) {
      k.Notify(kNotifyZSet, options.incr ? "zincr" : "zadd");
    }
    return r;
  });
  if (nan) return Error(errors::kScoreNaN);
  return out;
}

absl::StatusOr<int64_t> Rem(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> members) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    if (!k.exists()) return 0;
    ZSetValue& z = k.zset();
    int64_t removed = 0;
    for (std::string_view m : members) {
      removed += z.Remove(m) ? 1 : 0;
      if (z.empty()) break;
    }
    if (removed > 0) k.Notify(kNotifyZSet, "zrem");
    return removed;
  });
}

// ---- Reads ----

absl::StatusOr<int64_t> Card(Keyspace& ks, int db, std::string_view key) {
  return Access::Read<int64_t>(ks, db, key, [](const ZSetValue* z) -> int64_t {
    return z == nullptr ? 0 : static_cast<int64_t>(z->size());
  });
}

absl::StatusOr<std::optional<double>> Score(Keyspace& ks, int db, std::string_view key,
                                            std::string_view member) {
  using Result = std::optional<double>;
  return Access::Read<Result>(ks, db, key, [&](const ZSetValue* z) -> Result {
    return z == nullptr ? std::nullopt : z->Score(member);
  });
}

absl::StatusOr<std::vector<std::optional<double>>> MScore(
    Keyspace& ks, int db, std::string_view key, absl::Span<const std::string_view> members) {
  using Result = std::vector<std::optional<double>>;
  return Access::Read<Result>(ks, db, key, [&](const ZSetValue* z) {
    Result out;
    out.reserve(members.size());
    for (std::string_view m : members) {
      out.push_back(z == nullptr ? std::nullopt : z->Score(m));
    }
    return out;
  });
}

absl::StatusOr<std::optional<int64_t>> Rank(Keyspace& ks, int db, std::string_view key,
                                            std::string_view member, bool reverse) {
  using Result = std::optional<int64_t>;
  return Access::Read<Result>(ks, db, key, [&](const ZSetValue* z) -> Result {
    if (z == nullptr) return std::nullopt;
    const std::optional<size_t> r = z->Rank(member);
    if (!r.has_value()) return std::nullopt;
    return static_cast<int64_t>(reverse ? z->size() - 1 - *r : *r);
  });
}

absl::StatusOr<ScoreRange> ParseScoreRange(std::string_view min, std::string_view max) {
  auto parse = [](std::string_view s, double* v, bool* exclusive) {
    *exclusive = !s.empty() && s[0] == '(';
    if (*exclusive) s.remove_prefix(1);
    // strtod reads up to a NUL byte, as Redis's C string does.
    const std::string text(s.substr(0, s.find('\0')));
    char* end = nullptr;
    *v = std::strtod(text.c_str(), &end);
    return *end == '\0' && !std::isnan(*v);
  };
  ScoreRange r;
  if (!parse(min, &r.min, &r.min_exclusive) || !parse(max, &r.max, &r.max_exclusive)) {
    return Error(errors::kMinMaxNotFloat);
  }
  return r;
}

absl::StatusOr<LexRange> ParseLexRange(std::string_view min, std::string_view max) {
  auto parse = [](std::string_view s, LexBound* b) {
    if (s.empty()) return false;
    switch (s[0]) {
      case '+':
      case '-':
        // Redis checks c[1] of a C string: a NUL right after the sign also ends it.
        if (s.size() > 1 && s[1] != '\0') return false;
        b->kind = s[0] == '+' ? LexBound::Kind::kPlusInf : LexBound::Kind::kMinusInf;
        b->exclusive = true;
        return true;
      case '(':
      case '[':
        b->kind = LexBound::Kind::kValue;
        b->exclusive = s[0] == '(';
        b->value = std::string(s.substr(1));
        return true;
      default:
        return false;
    }
  };
  LexRange r;
  if (!parse(min, &r.min) || !parse(max, &r.max)) return Error(errors::kMinMaxNotLex);
  return r;
}

absl::StatusOr<int64_t> Count(Keyspace& ks, int db, std::string_view key, const ScoreRange& range) {
  return Access::Read<int64_t>(ks, db, key, [&](const ZSetValue* z) -> int64_t {
    if (z == nullptr) return 0;
    const Ranks s = ScoreRanks(*z, range);
    return static_cast<int64_t>(s.end - s.begin);
  });
}

absl::StatusOr<int64_t> LexCount(Keyspace& ks, int db, std::string_view key,
                                 const LexRange& range) {
  return Access::Read<int64_t>(ks, db, key, [&](const ZSetValue* z) -> int64_t {
    if (z == nullptr) return 0;
    const Ranks s = LexRanks(*z, range);
    return static_cast<int64_t>(s.end - s.begin);
  });
}

absl::StatusOr<std::vector<ScoredMember>> Range(Keyspace& ks, int db, std::string_view key,
                                                const RangeSpec& spec) {
  using Result = std::vector<ScoredMember>;
  return Access::Read<Result>(ks, db, key, [&](const ZSetValue* z) -> Result {
    if (z == nullptr) return {};
    return Collect(*z, SelectedRanks(*z, spec), spec.reverse);
  });
}

absl::StatusOr<int64_t> RangeStore(Keyspace& ks, int db, std::string_view destination,
                                   std::string_view source, const RangeSpec& spec) {
  absl::StatusOr<std::vector<ScoredMember>> members = Range(ks, db, source, spec);
  if (!members.ok()) return members.status();
  return StoreMembers(
      ks, db, destination, *members,
      spec.kind == RangeSpec::Kind::kRank ? Build::kSkiplistIfLong : Build::kInserts,
      "zrangestore");
}

absl::StatusOr<int64_t> RemRange(Keyspace& ks, int db, std::string_view key,
                                 const RangeSpec& spec) {
  return Access::Write<int64_t>(ks, db, key, [&](KeyHandle& k) -> int64_t {
    if (!k.exists()) return 0;
    const Ranks s = MatchedRanks(k.zset_view(), spec);
    if (s.end == s.begin) return 0;
    k.zset().RemoveRange(s.begin, s.end);
    k.Notify(kNotifyZSet, spec.kind == RangeSpec::Kind::kRank    ? "zremrangebyrank"
                          : spec.kind == RangeSpec::Kind::kScore ? "zremrangebyscore"
                                                                 : "zremrangebylex");
    return static_cast<int64_t>(s.end - s.begin);
  });
}

// ---- Pops ----

namespace {

std::vector<ScoredMember> PopFrom(KeyHandle& k, bool max, uint64_t count) {
  ZSetValue& z = k.zset();
  const size_t n = static_cast<size_t>(std::min<uint64_t>(count, z.size()));
  const Ranks s = max ? Ranks{z.size() - n, z.size()} : Ranks{0, n};
  std::vector<ScoredMember> out = Collect(z, s, /*reverse=*/max);
  z.RemoveRange(s.begin, s.end);
  if (n > 0) k.Notify(kNotifyZSet, max ? "zpopmax" : "zpopmin");
  return out;
}

}  // namespace

absl::StatusOr<std::vector<ScoredMember>> Pop(Keyspace& ks, int db, std::string_view key, bool max,
                                              uint64_t count) {
  using Result = std::vector<ScoredMember>;
  return Access::Write<Result>(ks, db, key, [&](KeyHandle& k) -> Result {
    if (!k.exists() || count == 0) return {};
    return PopFrom(k, max, count);
  });
}

absl::StatusOr<std::optional<KeyMembers>> PopFirst(Keyspace& ks, int db,
                                                   absl::Span<const std::string_view> keys,
                                                   bool max, uint64_t count) {
  using Result = std::optional<KeyMembers>;
  for (std::string_view key : keys) {
    absl::StatusOr<Result> got = Access::Write<Result>(ks, db, key, [&](KeyHandle& k) -> Result {
      if (!k.exists()) return std::nullopt;
      return KeyMembers{std::string(key), PopFrom(k, max, count)};
    });
    if (!got.ok()) return got.status();
    if (got->has_value()) return got;
  }
  return Result{};
}

// ---- Combining ----

namespace {

// ZUNION / ZINTER / ZDIFF over the keys' handles (Keyspace::UpdateMany).
absl::StatusOr<std::vector<ScoredMember>> CombineInputs(absl::Span<KeyHandle* const> keys,
                                                        const CombineSpec& spec) {
  absl::StatusOr<std::vector<Source>> sources = Sources(keys, spec.weights);
  if (!sources.ok()) return sources.status();
  std::vector<Source>& src = *sources;
  MemberScores result;
  switch (spec.op) {
    case SetOp::kUnion: {
      // Smallest first, as Redis orders the inputs (the order the aggregate sees them in).
      std::stable_sort(src.begin(), src.end(),
                       [](const Source& a, const Source& b) { return a.size < b.size; });
      for (const Source& s : src) {
        if (s.size == 0) continue;
        ForEachInput(*s.key, [&](std::string_view m, double score) {
          const double v = Weighted(s.weight, score);
          auto [it, inserted] = result.try_emplace(m, v);
          if (!inserted) AggregateInto(&it->second, v, spec.aggregate);
        });
      }
      break;
    }
    case SetOp::kInter: {
      std::stable_sort(src.begin(), src.end(),
                       [](const Source& a, const Source& b) { return a.size < b.size; });
      if (src.empty() || src[0].size == 0) break;
      std::vector<MemberScores> others;
      for (size_t i = 1; i < src.size(); ++i) others.push_back(ReadInput(*src[i].key));
      ForEachInput(*src[0].key, [&](std::string_view m, double score) {
        double total = Weighted(src[0].weight, score);
        for (size_t i = 0; i < others.size(); ++i) {
          auto it = others[i].find(m);
          if (it == others[i].end()) return;
          AggregateInto(&total, it->second * src[i + 1].weight, spec.aggregate);
        }
        result.emplace(m, total);
      });
      break;
    }
    case SetOp::kDiff: {
      if (src.empty() || src[0].size == 0) break;
      result = ReadInput(*src[0].key);
      for (size_t i = 1; i < src.size() && !result.empty(); ++i) {
        if (src[i].size == 0) continue;
        ForEachInput(*src[i].key, [&](std::string_view m, double) { result.erase(m); });
      }
      break;
    }
  }
  return Sorted(std::move(result));
}

}  // namespace

absl::Status CheckCombineTypes(Keyspace& ks, int db, absl::Span<const std::string_view> keys) {
  absl::Status out;
  // Not counted as reads: the command's computation looks the keys up again, once, as Redis.
  ks.UpdateMany(
      db, keys, std::nullopt,
      [&](absl::Span<KeyHandle* const> views, KeyHandle*) { out = Sources(views, {}).status(); },
      /*count_reads=*/false);
  return out;
}

absl::StatusOr<std::vector<ScoredMember>> Combine(Keyspace& ks, int db,
                                                  absl::Span<const std::string_view> keys,
                                                  const CombineSpec& spec) {
  absl::StatusOr<std::vector<ScoredMember>> out;
  ks.UpdateMany(db, keys, std::nullopt, [&](absl::Span<KeyHandle* const> views, KeyHandle*) {
    out = CombineInputs(views, spec);
  });
  return out;
}

absl::StatusOr<int64_t> CombineStore(Keyspace& ks, int db, std::string_view destination,
                                     absl::Span<const std::string_view> keys,
                                     const CombineSpec& spec) {
  // One atomic step over the inputs and the destination (which may be one of them: the inputs
  // are read completely before it is written).
  absl::StatusOr<int64_t> out = 0;
  ks.UpdateMany(db, keys, destination, [&](absl::Span<KeyHandle* const> views, KeyHandle* dest) {
    absl::StatusOr<std::vector<ScoredMember>> members = CombineInputs(views, spec);
    if (!members.ok()) {
      out = members.status();
      return;
    }
    out = StoreMembersAt(*dest, *members, Build::kSkiplistThenCompact,
                         spec.op == SetOp::kUnion   ? "zunionstore"
                         : spec.op == SetOp::kInter ? "zinterstore"
                                                    : "zdiffstore");
  });
  return out;
}

absl::StatusOr<int64_t> InterCard(Keyspace& ks, int db, absl::Span<const std::string_view> keys,
                                  uint64_t limit) {
  CombineSpec spec;
  spec.op = SetOp::kInter;
  absl::StatusOr<std::vector<ScoredMember>> members = Combine(ks, db, keys, spec);
  if (!members.ok()) return members.status();
  uint64_t n = members->size();
  if (limit != 0) n = std::min(n, limit);
  return static_cast<int64_t>(n);
}

// ---- Random and scan ----

absl::StatusOr<std::optional<std::string>> RandMember(Keyspace& ks, int db, std::string_view key) {
  using Result = std::optional<std::string>;
  return Access::Read<Result>(ks, db, key, [](const ZSetValue* z) -> Result {
    if (z == nullptr) return std::nullopt;
    return std::string(z->At(absl::Uniform<size_t>(Rng(), 0, z->size())).first);
  });
}

absl::StatusOr<std::vector<ScoredMember>> RandMembers(Keyspace& ks, int db, std::string_view key,
                                                      int64_t count) {
  using Result = std::vector<ScoredMember>;
  bool too_large = false;
  absl::StatusOr<Result> out = Access::Read<Result>(ks, db, key, [&](const ZSetValue* z) {
    Result members;
    if (z == nullptr || count == 0) return members;
    const size_t size = z->size();
    if (count < 0) {
      const uint64_t n = -static_cast<uint64_t>(count);
      // Each member costs at least 7 reply bytes ("$1\r\nx\r\n").
      if (n > kMaxRandomReplyBytes / 7) {
        too_large = true;
        return members;
      }
      uint64_t bytes = 0;
      members.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        auto [m, s] = z->At(absl::Uniform<size_t>(Rng(), 0, size));
        bytes += m.size() + 7;
        if (bytes > kMaxRandomReplyBytes) {
          too_large = true;
          return Result{};
        }
        members.push_back({std::string(m), s});
      }
      return members;
    }
    const auto n = static_cast<uint64_t>(count);
    if (n >= size) return Collect(*z, {0, size}, /*reverse=*/true);  // as redis-server 7.0
    // A partial Fisher-Yates shuffle of the ranks.
    std::vector<size_t> idx(size);
    for (size_t i = 0; i < size; ++i) idx[i] = i;
    members.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      std::swap(idx[i], idx[absl::Uniform<size_t>(Rng(), i, size)]);
      auto [m, s] = z->At(idx[i]);
      members.push_back({std::string(m), s});
    }
    return members;
  });
  if (too_large) return Error(errors::kRandomReplyTooLarge);
  return out;
}

absl::StatusOr<ScanPage> Scan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                              size_t count, std::string_view match) {
  const bool all = match.empty() || match == "*";
  return Access::Read<ScanPage>(ks, db, key, [&](const ZSetValue* z) {
    ScanPage page;
    if (z == nullptr) return page;
    const bool listpack = z->is_listpack();
    page.cursor = z->Scan(cursor, count, [&](std::string_view m, double score) {
      if (all || GlobMatch(match, m)) {
        page.entries.emplace_back(m, listpack ? FormatListpackScore(score) : FormatScore(score));
      }
    });
    return page;
  });
}

}  // namespace embedis::zset_ops
