// The sorted-set operations: Redis 7.0's sorted-set semantics on locked keys, with typed results.
//
// Each function is one sorted-set command's work (an Op function, as set_ops.h): it applies
// Redis's rules (deleting an emptied sorted set, replacing a STORE destination whatever its type
// and TTL, which writes count as modifications for WATCH) and returns a typed result. It knows no
// protocol: the handlers (zset_family.cc) parse arguments, call these and write replies;
// MemoryStore's typed sorted-set methods call them directly.
//
//   absl::StatusOr<zset_ops::AddResult> r =
//       zset_ops::Add(ks, 0, "board", {}, {{10, "ada"}, {7, "grace"}});
//   absl::StatusOr<std::vector<zset_ops::ScoredMember>> top =
//       zset_ops::Range(ks, 0, "board", zset_ops::RangeSpec::Rank(0, 9, /*reverse=*/true));
//
// Errors are statuses whose message is Redis's reply text (lib/util/errors.h): WRONGTYPE wherever
// a key holds another type (the combining operations also accept sets, as members with score 1).
// A missing key is an empty sorted set, never an error.
//
// Atomicity: as set_ops.h. One-key operations run under the key's lock; the combining ones read
// one key at a time and then write the destination.
//
// Thread safety: every function may be called from any thread.
#ifndef EMBEDIS_LIB_COMMANDS_ZSET_OPS_H_
#define EMBEDIS_LIB_COMMANDS_ZSET_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::zset_ops {

struct ScoredMember {
  std::string member;
  double score = 0;
  bool operator==(const ScoredMember& o) const { return member == o.member && score == o.score; }
};

// A score as Redis 7.0 replies it (addReplyDouble): "%.17g", "inf", "-inf".
std::string FormatScore(double score);
// A score as Redis 7.0's listpack keeps it (d2string): an integer within +-LLONG_MAX/2 in
// decimal ("100000000000000000", "0" for -0), else FormatScore. ZSCAN of a listpack shows it.
std::string FormatListpackScore(double score);

// ---- Writes ----

// ZADD's options. REQUIRES (the handler checks): not NX with XX, GT or LT; not GT with LT; INCR
// with one pair.
struct AddOptions {
  enum class Condition : uint8_t { kNone, kNx, kXx };
  enum class Comparison : uint8_t { kNone, kGt, kLt };
  Condition condition = Condition::kNone;
  Comparison comparison = Comparison::kNone;
  bool incr = false;
};
struct AddResult {
  int64_t added = 0;
  int64_t updated = 0;  // scores changed (CH counts added + updated)
  // INCR: whether the member was written (false: NX/XX/GT/LT refused it; ZADD replies null), and
  // its new score.
  bool processed = false;
  double score = 0;
};
// ZADD / ZINCRBY. An INCR whose result is NaN is errors::kScoreNaN (earlier pairs stay written,
// as in Redis). XX on a missing key creates nothing.
absl::StatusOr<AddResult> Add(Keyspace& ks, int db, std::string_view key, AddOptions options,
                              absl::Span<const std::pair<double, std::string_view>> pairs);
// ZREM: members removed; an emptied sorted set is deleted.
absl::StatusOr<int64_t> Rem(Keyspace& ks, int db, std::string_view key,
                            absl::Span<const std::string_view> members);

// ---- Reads ----

absl::StatusOr<int64_t> Card(Keyspace& ks, int db, std::string_view key);
absl::StatusOr<std::optional<double>> Score(Keyspace& ks, int db, std::string_view key,
                                            std::string_view member);
absl::StatusOr<std::vector<std::optional<double>>> MScore(
    Keyspace& ks, int db, std::string_view key, absl::Span<const std::string_view> members);
// ZRANK / ZREVRANK.
absl::StatusOr<std::optional<int64_t>> Rank(Keyspace& ks, int db, std::string_view key,
                                            std::string_view member, bool reverse);

// A score bound: `value`, exclusive when written "(value".
struct ScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};
// Redis's zslParseRange: strtod over the whole argument after an optional '(' ("" is 0, "inf"
// and leading spaces are fine), not NaN; errors::kMinMaxNotFloat otherwise.
absl::StatusOr<ScoreRange> ParseScoreRange(std::string_view min, std::string_view max);
// A lex bound: "-" (below everything), "+" (above everything), "[value" or "(value".
struct LexBound {
  enum class Kind : uint8_t { kMinusInf, kPlusInf, kValue };
  Kind kind = Kind::kMinusInf;
  std::string value;
  bool exclusive = false;
};
struct LexRange {
  LexBound min, max;
};
// Redis's zslParseLexRange; errors::kMinMaxNotLex otherwise.
absl::StatusOr<LexRange> ParseLexRange(std::string_view min, std::string_view max);

absl::StatusOr<int64_t> Count(Keyspace& ks, int db, std::string_view key, const ScoreRange& range);
absl::StatusOr<int64_t> LexCount(Keyspace& ks, int db, std::string_view key, const LexRange& range);

// A ZRANGE: by rank (start/stop as Redis clamps them), score or lex, ascending or reversed (for
// score and lex, `score.max`/`lex.max` is then where it starts), with LIMIT offset count (score
// and lex only; count < 0: all).
struct RangeSpec {
  enum class Kind : uint8_t { kRank, kScore, kLex };
  Kind kind = Kind::kRank;
  int64_t start = 0, stop = -1;
  ScoreRange score;
  LexRange lex;
  bool reverse = false;
  int64_t offset = 0, limit = -1;

  static RangeSpec Rank(int64_t start, int64_t stop, bool reverse = false) {
    RangeSpec r;
    r.start = start;
    r.stop = stop;
    r.reverse = reverse;
    return r;
  }
  static RangeSpec Score(ScoreRange range, bool reverse = false) {
    RangeSpec r;
    r.kind = Kind::kScore;
    r.score = range;
    r.reverse = reverse;
    return r;
  }
  static RangeSpec Lex(LexRange range, bool reverse = false) {
    RangeSpec r;
    r.kind = Kind::kLex;
    r.lex = std::move(range);
    r.reverse = reverse;
    return r;
  }
};
absl::StatusOr<std::vector<ScoredMember>> Range(Keyspace& ks, int db, std::string_view key,
                                                const RangeSpec& spec);
// ZRANGESTORE: stores Range's result in `destination` (replacing it, no TTL), or deletes the
// destination when it is empty; returns the count.
absl::StatusOr<int64_t> RangeStore(Keyspace& ks, int db, std::string_view destination,
                                   std::string_view source, const RangeSpec& spec);
// ZREMRANGEBYRANK / BYSCORE / BYLEX (the spec's offset and limit are ignored): the count removed.
absl::StatusOr<int64_t> RemRange(Keyspace& ks, int db, std::string_view key, const RangeSpec& spec);

// ---- Pops ----

// ZPOPMIN / ZPOPMAX: up to `count` members from the low (or high, `max`) end, in pop order.
absl::StatusOr<std::vector<ScoredMember>> Pop(Keyspace& ks, int db, std::string_view key, bool max,
                                              uint64_t count);
// ZMPOP / BZPOPMIN...: pops from the first non-empty key of `keys` (each key's type is checked in
// order until then); nullopt when every key is missing.
struct KeyMembers {
  std::string key;
  std::vector<ScoredMember> members;
};
absl::StatusOr<std::optional<KeyMembers>> PopFirst(Keyspace& ks, int db,
                                                   absl::Span<const std::string_view> keys,
                                                   bool max, uint64_t count);

// ---- Combining (ZUNION, ZINTER, ZDIFF and their STORE forms, ZINTERCARD) ----

enum class SetOp : uint8_t { kUnion, kInter, kDiff };
enum class Aggregate : uint8_t { kSum, kMin, kMax };
struct CombineSpec {
  SetOp op = SetOp::kUnion;
  std::vector<double> weights;  // empty: 1 for every key
  Aggregate aggregate = Aggregate::kSum;
};
// Every key's type is checked first (a sorted set or a set; WRONGTYPE otherwise). The result is
// in ascending (score, member) order.
absl::StatusOr<std::vector<ScoredMember>> Combine(Keyspace& ks, int db,
                                                  absl::Span<const std::string_view> keys,
                                                  const CombineSpec& spec);
// Checks the keys' types only (the handlers check types before parsing options, as Redis).
absl::Status CheckCombineTypes(Keyspace& ks, int db, absl::Span<const std::string_view> keys);
absl::StatusOr<int64_t> CombineStore(Keyspace& ks, int db, std::string_view destination,
                                     absl::Span<const std::string_view> keys,
                                     const CombineSpec& spec);
// ZINTERCARD: the intersection's size, counting stops at `limit` (0: no limit).
absl::StatusOr<int64_t> InterCard(Keyspace& ks, int db, absl::Span<const std::string_view> keys,
                                  uint64_t limit);

// ---- Random and scan ----

// ZRANDMEMBER key: nullopt when missing.
absl::StatusOr<std::optional<std::string>> RandMember(Keyspace& ks, int db, std::string_view key);
// ZRANDMEMBER key count: count > 0, min(count, size) distinct members (the whole set, when
// count >= size, in descending order, as redis-server 7.0 replies it); count < 0, exactly -count
// members with repeats. A reply that would pass kMaxRandomReplyBytes is
// errors::kRandomReplyTooLarge (Redis builds it until memory runs out).
// REQUIRES: count > INT64_MIN.
inline constexpr uint64_t kMaxRandomReplyBytes = 512ull << 20;
absl::StatusOr<std::vector<ScoredMember>> RandMembers(Keyspace& ks, int db, std::string_view key,
                                                      int64_t count);

// ZSCAN: one page; scores formatted as Redis shows them there (FormatListpackScore for a
// listpack, FormatScore for a skiplist). `match` filters members.
struct ScanPage {
  uint64_t cursor = 0;
  std::vector<std::pair<std::string, std::string>> entries;  // member, score text
};
absl::StatusOr<ScanPage> Scan(Keyspace& ks, int db, std::string_view key, uint64_t cursor,
                              size_t count, std::string_view match);

}  // namespace embedis::zset_ops

#endif  // EMBEDIS_LIB_COMMANDS_ZSET_OPS_H_
