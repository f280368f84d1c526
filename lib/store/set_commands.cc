// Store's typed set and sorted-set methods (store.h), run through Command(): RedisStore's.
// MemoryStore overrides them with the set and sorted-set operations (lib/commands/set_ops.h,
// zset_ops.h), except the sorted-set methods whose arguments its command table parses (ZRange,
// ZRangeWithScores) and the blocking ones.
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/store/list_commands.h"
#include "lib/store/store.h"

namespace embedis {
namespace {

using resp::Type;
using resp::Value;

// Runs argv; a Redis error reply becomes its status.
absl::StatusOr<Value> Run(Store& store, absl::Span<const std::string_view> argv) {
  absl::StatusOr<Value> v = store.Command(argv);
  if (v.ok() && v->is_error()) return StatusFromRedisError(v->str());
  return v;
}

absl::StatusOr<int64_t> Integer(Store& store, absl::Span<const std::string_view> argv) {
  absl::StatusOr<Value> v = Run(store, argv);
  if (!v.ok()) return v.status();
  if (v->type() != Type::kInteger) return store_internal::Unexpected(argv[0], *v);
  return v->integer();
}

// SADD / SREM key member...
absl::StatusOr<int64_t> KeyMembers(Store& store, std::string_view command, std::string_view key,
                                   absl::Span<const std::string_view> members) {
  absl::InlinedVector<std::string_view, 8> argv = {command, key};
  argv.insert(argv.end(), members.begin(), members.end());
  return Integer(store, argv);
}

// A double argument: the shortest text that reads back as the same double ("inf", "-inf").
std::string ScoreArg(double d) {
  char buf[40];
  return std::string(buf, resp::FormatDouble(d, buf));
}

absl::StatusOr<std::vector<StoreScoredMember>> ScoredMembers(std::string_view command, Value v) {
  if (v.is_null()) return std::vector<StoreScoredMember>{};
  if (v.type() != Type::kArray) return store_internal::Unexpected(command, v);
  std::vector<StoreScoredMember> out;
  std::vector<Value>& e = v.mutable_elements();
  // RESP2: member, score, member, score...; RESP3: [member, score] pairs.
  const bool nested = !e.empty() && e[0].type() == Type::kArray;
  const size_t n = nested ? e.size() : e.size() / 2;
  if (!nested && e.size() % 2 != 0) return store_internal::Unexpected(command, v);
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Value* m = nested ? nullptr : &e[2 * i];
    Value* s = nested ? nullptr : &e[2 * i + 1];
    if (nested) {
      if (e[i].type() != Type::kArray || e[i].elements().size() != 2) {
        return store_internal::Unexpected(command, e[i]);
      }
      m = &e[i].mutable_elements()[0];
      s = &e[i].mutable_elements()[1];
    }
    if (!store_internal::IsText(*m)) return store_internal::Unexpected(command, *m);
    absl::StatusOr<double> score = store_internal::ScoreOf(command, *s);
    if (!score.ok()) return score.status();
    out.push_back({std::move(m->mutable_str()), *score});
  }
  return out;
}

absl::StatusOr<std::optional<double>> OptionalScore(std::string_view command, const Value& v) {
  if (v.is_null()) return std::optional<double>();
  absl::StatusOr<double> score = store_internal::ScoreOf(command, v);
  if (!score.ok()) return score.status();
  return std::optional<double>(*score);
}

// ZRANGE's argv: min and max swapped for a reversed score or lex range, as Redis wants them.
absl::InlinedVector<std::string, 12> ZRangeArgv(std::string_view key, std::string_view min,
                                                std::string_view max, const StoreZRangeOptions& o,
                                                bool withscores) {
  const bool swap = o.reverse && o.by != ZRangeBy::kRank;
  absl::InlinedVector<std::string, 12> argv = {
      "ZRANGE", std::string(key), std::string(swap ? max : min), std::string(swap ? min : max)};
  if (o.by == ZRangeBy::kScore) argv.push_back("BYSCORE");
  if (o.by == ZRangeBy::kLex) argv.push_back("BYLEX");
  if (o.reverse) argv.push_back("REV");
  if (o.limit.has_value()) {
    argv.push_back("LIMIT");
    argv.push_back(absl::StrCat(o.limit->first));
    argv.push_back(absl::StrCat(o.limit->second));
  }
  if (withscores) argv.push_back("WITHSCORES");
  return argv;
}

absl::StatusOr<Value> RunStrings(Store& store, const absl::InlinedVector<std::string, 12>& args) {
  absl::InlinedVector<std::string_view, 12> argv(args.begin(), args.end());
  return Run(store, argv);
}

// Runs through a Runner; a Redis error reply becomes its status.
absl::StatusOr<Value> RunWith(store_internal::Runner run, absl::Span<const std::string_view> argv) {
  absl::StatusOr<Value> v = run(argv);
  if (v.ok() && v->is_error()) return StatusFromRedisError(v->str());
  return v;
}

}  // namespace

namespace store_internal {

absl::StatusOr<double> ScoreOf(std::string_view command, const Value& v) {
  if (v.type() == Type::kDouble) return v.dbl();
  if (!IsText(v)) return Unexpected(command, v);
  const std::string& s = v.str();
  if (s == "inf" || s == "+inf") return HUGE_VAL;
  if (s == "-inf") return -HUGE_VAL;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0') return Unexpected(command, v);
  return d;
}

absl::StatusOr<std::optional<StoreKeyScoredMember>> BlockingZPop(
    Runner run, std::string_view command, absl::Span<const std::string_view> keys,
    absl::Duration timeout) {
  const std::string timeout_arg = TimeoutArg(timeout);
  absl::InlinedVector<std::string_view, 8> argv = {command};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.push_back(timeout_arg);
  absl::StatusOr<Value> reply = RunWith(run, argv);
  if (!reply.ok()) return reply.status();
  if (reply->is_null()) return std::optional<StoreKeyScoredMember>();
  if (reply->type() != Type::kArray || reply->elements().size() != 3 ||
      !IsText(reply->elements()[0]) || !IsText(reply->elements()[1])) {
    return Unexpected(command, *reply);
  }
  absl::StatusOr<double> score = ScoreOf(command, reply->elements()[2]);
  if (!score.ok()) return score.status();
  std::vector<Value>& e = reply->mutable_elements();
  return std::optional<StoreKeyScoredMember>(
      StoreKeyScoredMember{std::move(e[0].mutable_str()), std::move(e[1].mutable_str()), *score});
}

}  // namespace store_internal

absl::StatusOr<int64_t> Store::ZAdd(std::string_view key,
                                    absl::Span<const std::pair<double, std::string_view>> members,
                                    const StoreZAddOptions& options) {
  std::vector<std::string> scores;
  scores.reserve(members.size());
  for (const auto& [score, member] : members) scores.push_back(ScoreArg(score));
  std::vector<std::string_view> argv = {"ZADD", key};
  using O = StoreZAddOptions;
  if (options.condition == O::Condition::kIfMissing) argv.push_back("NX");
  if (options.condition == O::Condition::kIfExists) argv.push_back("XX");
  if (options.comparison == O::Comparison::kGreater) argv.push_back("GT");
  if (options.comparison == O::Comparison::kLess) argv.push_back("LT");
  if (options.count_changed) argv.push_back("CH");
  for (size_t i = 0; i < members.size(); ++i) {
    argv.push_back(scores[i]);
    argv.push_back(members[i].second);
  }
  return Integer(*this, argv);
}

absl::StatusOr<double> Store::ZIncrBy(std::string_view key, double increment,
                                      std::string_view member) {
  const std::string by = ScoreArg(increment);
  const std::string_view argv[] = {"ZINCRBY", key, by, member};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  return store_internal::ScoreOf("ZINCRBY", *v);
}

absl::StatusOr<int64_t> Store::ZRem(std::string_view key,
                                    absl::Span<const std::string_view> members) {
  return KeyMembers(*this, "ZREM", key, members);
}

absl::StatusOr<std::optional<double>> Store::ZScore(std::string_view key, std::string_view member) {
  const std::string_view argv[] = {"ZSCORE", key, member};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  return OptionalScore("ZSCORE", *v);
}

absl::StatusOr<int64_t> Store::ZCard(std::string_view key) {
  const std::string_view argv[] = {"ZCARD", key};
  return Integer(*this, argv);
}

absl::StatusOr<std::optional<int64_t>> Store::ZRank(std::string_view key, std::string_view member,
                                                    bool reverse) {
  const std::string_view argv[] = {reverse ? "ZREVRANK" : "ZRANK", key, member};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  if (v->is_null()) return std::optional<int64_t>();
  if (v->type() != Type::kInteger) return store_internal::Unexpected(argv[0], *v);
  return std::optional<int64_t>(v->integer());
}

absl::StatusOr<std::vector<std::string>> Store::ZRange(std::string_view key, std::string_view min,
                                                       std::string_view max,
                                                       const StoreZRangeOptions& options) {
  absl::StatusOr<Value> v = RunStrings(*this, ZRangeArgv(key, min, max, options, false));
  if (!v.ok()) return v.status();
  if (v->type() != Type::kArray) return store_internal::Unexpected("ZRANGE", *v);
  std::vector<std::string> out;
  out.reserve(v->elements().size());
  for (Value& e : v->mutable_elements()) {
    if (!store_internal::IsText(e)) return store_internal::Unexpected("ZRANGE", e);
    out.push_back(std::move(e.mutable_str()));
  }
  return out;
}

absl::StatusOr<std::vector<StoreScoredMember>> Store::ZRangeWithScores(
    std::string_view key, std::string_view min, std::string_view max,
    const StoreZRangeOptions& options) {
  absl::StatusOr<Value> v = RunStrings(*this, ZRangeArgv(key, min, max, options, true));
  if (!v.ok()) return v.status();
  return ScoredMembers("ZRANGE", std::move(*v));
}

absl::StatusOr<std::vector<StoreScoredMember>> Store::ZPopMin(std::string_view key, int64_t count) {
  const std::string n = absl::StrCat(count);
  const std::string_view argv[] = {"ZPOPMIN", key, n};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  return ScoredMembers("ZPOPMIN", std::move(*v));
}

absl::StatusOr<std::vector<StoreScoredMember>> Store::ZPopMax(std::string_view key, int64_t count) {
  const std::string n = absl::StrCat(count);
  const std::string_view argv[] = {"ZPOPMAX", key, n};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  return ScoredMembers("ZPOPMAX", std::move(*v));
}

absl::StatusOr<std::optional<StoreKeyScoredMember>> Store::BZPopMin(
    absl::Span<const std::string_view> keys, absl::Duration timeout) {
  return store_internal::BlockingZPop(
      [this](absl::Span<const std::string_view> argv) { return Command(argv); }, "BZPOPMIN", keys,
      timeout);
}

absl::StatusOr<std::optional<StoreKeyScoredMember>> Store::BZPopMax(
    absl::Span<const std::string_view> keys, absl::Duration timeout) {
  return store_internal::BlockingZPop(
      [this](absl::Span<const std::string_view> argv) { return Command(argv); }, "BZPOPMAX", keys,
      timeout);
}

absl::StatusOr<int64_t> Store::SAdd(std::string_view key,
                                    absl::Span<const std::string_view> members) {
  return KeyMembers(*this, "SADD", key, members);
}

absl::StatusOr<int64_t> Store::SRem(std::string_view key,
                                    absl::Span<const std::string_view> members) {
  return KeyMembers(*this, "SREM", key, members);
}

absl::StatusOr<std::vector<std::string>> Store::SMembers(std::string_view key) {
  const std::string_view argv[] = {"SMEMBERS", key};
  absl::StatusOr<Value> v = Run(*this, argv);
  if (!v.ok()) return v.status();
  // RESP2 answers an array, RESP3 a set.
  if (v->type() != Type::kArray && v->type() != Type::kSet) {
    return store_internal::Unexpected("SMEMBERS", *v);
  }
  std::vector<std::string> out;
  out.reserve(v->elements().size());
  for (Value& e : v->mutable_elements()) {
    if (!store_internal::IsText(e)) return store_internal::Unexpected("SMEMBERS", e);
    out.push_back(std::move(e.mutable_str()));
  }
  return out;
}

absl::StatusOr<bool> Store::SIsMember(std::string_view key, std::string_view member) {
  const std::string_view argv[] = {"SISMEMBER", key, member};
  absl::StatusOr<int64_t> n = Integer(*this, argv);
  if (!n.ok()) return n.status();
  return *n == 1;
}

absl::StatusOr<int64_t> Store::SCard(std::string_view key) {
  const std::string_view argv[] = {"SCARD", key};
  return Integer(*this, argv);
}

}  // namespace embedis
