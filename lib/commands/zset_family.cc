// The sorted-set commands: ZADD, ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZMSCORE, ZRANK,
// ZREVRANK, ZRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE,
// ZRANGESTORE, ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX, ZPOPMIN, ZPOPMAX, ZMPOP, ZUNION,
// ZINTER, ZDIFF, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZINTERCARD, ZRANDMEMBER, ZSCAN, and the
// blocking BZPOPMIN, BZPOPMAX, BZMPOP.
//
// Replies, error texts and the order of checks follow redis-server 7.0.15
// (tests/commands/zset_differential_test.cc compares byte for byte, RESP2 and RESP3). Observable
// details: scores are replied as Redis 7.0's addReplyDouble writes them ("%.17g": 1.1 is
// "1.1000000000000001"; RESP3 a double); ZSCAN shows a listpack's scores as Redis keeps them there
// (integers in decimal, "100000000000000000" where ZSCORE says "1e+17"); ranges, counts and LIMIT
// are parsed before the key is looked at; ZADD's options are read until the first other argument
// (ZINCRBY's too: "ZINCRBY k nx m" is a syntax error); the combining commands check every key's
// type before they parse WEIGHTS and AGGREGATE; ZRANDMEMBER with a count at least the size replies
// the whole set in descending order; ZPOPMIN/ZPOPMAX with a count reply pairs nested in RESP3.
//
// The handlers only parse arguments and write replies; the work is in zset_ops.h. The blocking
// commands follow list_family.cc's contract (BlockRequest in command_table.h).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/commands/propagation.h"
#include "lib/commands/zset_ops.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

using zset_ops::ScoredMember;

template <typename T, typename Reply>
void ReplyOr(CommandContext& ctx, const absl::StatusOr<T>& r, Reply&& reply) {
  if (!r.ok()) return ReplyStatus(ctx, r.status());
  reply(*r);
}

void ReplyInteger(CommandContext& ctx, const absl::StatusOr<int64_t>& r) {
  ReplyOr(ctx, r, [&](int64_t n) { ctx.reply->Integer(n); });
}

int db(const CommandContext& ctx) { return ctx.client->db; }
bool Resp3(const CommandContext& ctx) { return ctx.reply->protocol() == resp::Protocol::kResp3; }

void ReplyScore(CommandContext& ctx, double score) {
  ctx.reply->DoubleText(zset_ops::FormatScore(score));
}

void ReplyOptionalScore(CommandContext& ctx, const std::optional<double>& score) {
  if (!score.has_value()) return ctx.reply->Null();
  ReplyScore(ctx, *score);
}

// Members, with their scores when `withscores`: flat (member, score, ...) or, when `nested`,
// one [member, score] array each.
void ReplyMembers(CommandContext& ctx, const std::vector<ScoredMember>& members, bool withscores,
                  bool nested) {
  ctx.reply->ArrayHeader(withscores && !nested ? members.size() * 2 : members.size());
  for (const ScoredMember& m : members) {
    if (withscores && nested) ctx.reply->ArrayHeader(2);
    ctx.reply->BulkString(m.member);
    if (withscores) ReplyScore(ctx, m.score);
  }
}

// A double argument as Redis's getDoubleFromObjectOrReply: `error` otherwise.
bool ParseDoubleArg(CommandContext& ctx, std::string_view s, const char* error, double* out) {
  if (ParseDouble(s, out)) return true;
  ReplyError(ctx, error);
  return false;
}

// ---- ZADD, ZINCRBY ----

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]; ZINCRBY key increment
// member is ZADD with INCR (and, as in Redis, the same option loop).
void AddGeneric(CommandContext& ctx, Args argv, bool incr_command) {
  zset_ops::AddOptions options;
  options.incr = incr_command;
  bool nx = false, xx = false, gt = false, lt = false, ch = false;
  size_t i = 2;
  for (; i < argv.size(); ++i) {
    const std::string_view o = argv[i];
    if (EqualsIgnoreCase(o, "nx")) {
      nx = true;
    } else if (EqualsIgnoreCase(o, "xx")) {
      xx = true;
    } else if (EqualsIgnoreCase(o, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(o, "incr")) {
      options.incr = true;
    } else if (EqualsIgnoreCase(o, "gt")) {
      gt = true;
    } else if (EqualsIgnoreCase(o, "lt")) {
      lt = true;
    } else {
      break;
    }
  }
  const size_t elements = argv.size() - i;
  if (elements % 2 != 0 || elements == 0) return ReplyError(ctx, errors::kSyntax);
  if (nx && xx) return ReplyError(ctx, errors::kZAddNxXx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return ReplyError(ctx, errors::kZAddGtLtNx);
  if (options.incr && elements > 2) return ReplyError(ctx, errors::kZAddIncrPairs);
  std::vector<std::pair<double, std::string_view>> pairs(elements / 2);
  for (size_t j = 0; j < pairs.size(); ++j) {
    if (!ParseDoubleArg(ctx, argv[i + 2 * j], errors::kNotFloat, &pairs[j].first)) return;
    pairs[j].second = argv[i + 2 * j + 1];
  }
  using Opt = zset_ops::AddOptions;
  options.condition = nx ? Opt::Condition::kNx : xx ? Opt::Condition::kXx : Opt::Condition::kNone;
  options.comparison = gt   ? Opt::Comparison::kGt
                       : lt ? Opt::Comparison::kLt
                            : Opt::Comparison::kNone;
  ReplyOr(ctx, zset_ops::Add(*ctx.keyspace, db(ctx), argv[1], options, pairs),
          [&](const zset_ops::AddResult& r) {
            if (options.incr) {
              if (!r.processed) return ctx.reply->Null();
              return ReplyScore(ctx, r.score);
            }
            ctx.reply->Integer(ch ? r.added + r.updated : r.added);
          });
}

void CmdZAdd(CommandContext& ctx, Args argv) { AddGeneric(ctx, argv, false); }
void CmdZIncrBy(CommandContext& ctx, Args argv) { AddGeneric(ctx, argv, true); }

void CmdZRem(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, zset_ops::Rem(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2)));
}

void CmdZCard(CommandContext& ctx, Args argv) {
  ReplyInteger(ctx, zset_ops::Card(*ctx.keyspace, db(ctx), argv[1]));
}

void CmdZScore(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, zset_ops::Score(*ctx.keyspace, db(ctx), argv[1], argv[2]),
          [&](const std::optional<double>& s) { ReplyOptionalScore(ctx, s); });
}

void CmdZMScore(CommandContext& ctx, Args argv) {
  ReplyOr(ctx, zset_ops::MScore(*ctx.keyspace, db(ctx), argv[1], argv.subspan(2)),
          [&](const std::vector<std::optional<double>>& scores) {
            ctx.reply->ArrayHeader(scores.size());
            for (const auto& s : scores) ReplyOptionalScore(ctx, s);
          });
}

void RankGeneric(CommandContext& ctx, Args argv, bool reverse) {
  ReplyOr(ctx, zset_ops::Rank(*ctx.keyspace, db(ctx), argv[1], argv[2], reverse),
          [&](const std::optional<int64_t>& r) {
            if (!r.has_value()) return ctx.reply->Null();
            ctx.reply->Integer(*r);
          });
}
void CmdZRank(CommandContext& ctx, Args argv) { RankGeneric(ctx, argv, false); }
void CmdZRevRank(CommandContext& ctx, Args argv) { RankGeneric(ctx, argv, true); }

void CmdZCount(CommandContext& ctx, Args argv) {
  absl::StatusOr<zset_ops::ScoreRange> range = zset_ops::ParseScoreRange(argv[2], argv[3]);
  if (!range.ok()) return ReplyStatus(ctx, range.status());
  ReplyInteger(ctx, zset_ops::Count(*ctx.keyspace, db(ctx), argv[1], *range));
}

void CmdZLexCount(CommandContext& ctx, Args argv) {
  absl::StatusOr<zset_ops::LexRange> range = zset_ops::ParseLexRange(argv[2], argv[3]);
  if (!range.ok()) return ReplyStatus(ctx, range.status());
  ReplyInteger(ctx, zset_ops::LexCount(*ctx.keyspace, db(ctx), argv[1], *range));
}

// ---- The ZRANGE family ----

using Kind = zset_ops::RangeSpec::Kind;
enum class Direction : uint8_t { kAuto, kForward, kReverse };

// Parses a range of `kind` from min/max into `spec`; replies the error and returns false.
bool ParseRange(CommandContext& ctx, Kind kind, std::string_view min, std::string_view max,
                zset_ops::RangeSpec* spec) {
  switch (kind) {
    case Kind::kRank: {
      absl::StatusOr<int64_t> start = ParseInteger(min);
      if (!start.ok()) return ReplyStatus(ctx, start.status()), false;
      absl::StatusOr<int64_t> stop = ParseInteger(max);
      if (!stop.ok()) return ReplyStatus(ctx, stop.status()), false;
      spec->start = *start;
      spec->stop = *stop;
      return true;
    }
    case Kind::kScore: {
      absl::StatusOr<zset_ops::ScoreRange> r = zset_ops::ParseScoreRange(min, max);
      if (!r.ok()) return ReplyStatus(ctx, r.status()), false;
      spec->score = *r;
      return true;
    }
    case Kind::kLex: {
      absl::StatusOr<zset_ops::LexRange> r = zset_ops::ParseLexRange(min, max);
      if (!r.ok()) return ReplyStatus(ctx, r.status()), false;
      spec->lex = std::move(*r);
      return true;
    }
  }
  return false;
}

// Redis's zrangeGenericCommand: the source key at argv[first], min and max after it, then the
// options; `store` (ZRANGESTORE) takes no WITHSCORES. `kind`/`direction` preset by the command
// (ZRANGEBYSCORE, ZREVRANGE, ...) cannot be changed by BYSCORE/BYLEX/REV.
void RangeGeneric(CommandContext& ctx, Args argv, size_t first, bool store,
                  std::optional<Kind> kind, Direction direction) {
  bool withscores = false;
  bool has_limit = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = first + 3; j < argv.size(); ++j) {
    const size_t left = argv.size() - j - 1;
    if (!store && EqualsIgnoreCase(argv[j], "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(argv[j], "limit") && left >= 2) {
      absl::StatusOr<int64_t> o = ParseInteger(argv[j + 1]);
      if (!o.ok()) return ReplyStatus(ctx, o.status());
      absl::StatusOr<int64_t> l = ParseInteger(argv[j + 2]);
      if (!l.ok()) return ReplyStatus(ctx, l.status());
      offset = *o;
      limit = *l;
      has_limit = true;
      j += 2;
    } else if (direction == Direction::kAuto && EqualsIgnoreCase(argv[j], "rev")) {
      direction = Direction::kReverse;
    } else if (!kind.has_value() && EqualsIgnoreCase(argv[j], "bylex")) {
      kind = Kind::kLex;
    } else if (!kind.has_value() && EqualsIgnoreCase(argv[j], "byscore")) {
      kind = Kind::kScore;
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  const Kind k = kind.value_or(Kind::kRank);
  const bool reverse = direction == Direction::kReverse;
  // Redis checks "limit != -1": LIMIT 0 -1 with a rank range passes.
  if (has_limit && limit != -1 && k == Kind::kRank) {
    return ReplyError(ctx, errors::kLimitNeedsByScoreOrLex);
  }
  if (withscores && k == Kind::kLex) return ReplyError(ctx, errors::kWithScoresByLex);
  zset_ops::RangeSpec spec;
  spec.kind = k;
  spec.reverse = reverse;
  spec.offset = offset;
  spec.limit = limit;
  std::string_view min = argv[first + 1], max = argv[first + 2];
  if (reverse && k != Kind::kRank) std::swap(min, max);  // given as max min
  if (!ParseRange(ctx, k, min, max, &spec)) return;
  if (store) {
    return ReplyInteger(ctx,
                        zset_ops::RangeStore(*ctx.keyspace, db(ctx), argv[1], argv[first], spec));
  }
  ReplyOr(ctx, zset_ops::Range(*ctx.keyspace, db(ctx), argv[first], spec),
          [&](const std::vector<ScoredMember>& members) {
            ReplyMembers(ctx, members, withscores, Resp3(ctx));
          });
}

void CmdZRange(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 1, false, std::nullopt, Direction::kAuto);
}
void CmdZRangeStore(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 2, true, std::nullopt, Direction::kAuto);
}
void CmdZRangeByScore(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 1, false, Kind::kScore, Direction::kForward);
}
void CmdZRevRangeByScore(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 1, false, Kind::kScore, Direction::kReverse);
}
void CmdZRangeByLex(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 1, false, Kind::kLex, Direction::kForward);
}
void CmdZRevRangeByLex(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 1, false, Kind::kLex, Direction::kReverse);
}
void CmdZRevRange(CommandContext& ctx, Args argv) {
  RangeGeneric(ctx, argv, 1, false, Kind::kRank, Direction::kReverse);
}

void RemRangeGeneric(CommandContext& ctx, Args argv, Kind kind) {
  zset_ops::RangeSpec spec;
  spec.kind = kind;
  if (!ParseRange(ctx, kind, argv[2], argv[3], &spec)) return;
  ReplyInteger(ctx, zset_ops::RemRange(*ctx.keyspace, db(ctx), argv[1], spec));
}
void CmdZRemRangeByRank(CommandContext& ctx, Args argv) { RemRangeGeneric(ctx, argv, Kind::kRank); }
void CmdZRemRangeByScore(CommandContext& ctx, Args argv) {
  RemRangeGeneric(ctx, argv, Kind::kScore);
}
void CmdZRemRangeByLex(CommandContext& ctx, Args argv) { RemRangeGeneric(ctx, argv, Kind::kLex); }

// ---- Pops ----

// ZPOPMIN / ZPOPMAX key [count].
void PopGeneric(CommandContext& ctx, Args argv, bool max) {
  if (argv.size() > 3) return ReplyError(ctx, errors::kSyntax);
  uint64_t count = 1;
  if (argv.size() == 3) {
    absl::StatusOr<int64_t> n = ParseNonNegative(argv[2], errors::kMustBePositive);
    if (!n.ok()) return ReplyStatus(ctx, n.status());
    count = static_cast<uint64_t>(*n);
  }
  ReplyOr(ctx, zset_ops::Pop(*ctx.keyspace, db(ctx), argv[1], max, count),
          [&](const std::vector<ScoredMember>& members) {
            ReplyMembers(ctx, members, true, Resp3(ctx) && argv.size() == 3);
          });
}
void CmdZPopMin(CommandContext& ctx, Args argv) { PopGeneric(ctx, argv, false); }
void CmdZPopMax(CommandContext& ctx, Args argv) { PopGeneric(ctx, argv, true); }

enum class PopOutcome : uint8_t { kReplied, kAllEmpty };

// Pops from the first non-empty key: replies [key, member, score] (`mpop` false: BZPOPMIN's
// form) or [key, [[member, score], ...]] (ZMPOP's), or the error.
PopOutcome PopFirst(CommandContext& ctx, Args keys, bool max, uint64_t count, bool mpop) {
  absl::StatusOr<std::optional<zset_ops::KeyMembers>> popped =
      zset_ops::PopFirst(*ctx.keyspace, db(ctx), keys, max, count);
  if (!popped.ok()) {
    ReplyStatus(ctx, popped.status());
    return PopOutcome::kReplied;
  }
  if (!popped->has_value()) return PopOutcome::kAllEmpty;
  const zset_ops::KeyMembers& got = **popped;
  if (Propagating()) {  // the non-blocking form of the pop that happened (propagation.h)
    std::vector<std::string> pop = {max ? "ZPOPMAX" : "ZPOPMIN", std::string(got.key)};
    if (mpop) pop.push_back(std::to_string(got.members.size()));
    Propagate(ctx, std::move(pop));
  }
  if (mpop) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->BulkString(got.key);
    ReplyMembers(ctx, got.members, true, true);
  } else {
    ctx.reply->ArrayHeader(3);
    ctx.reply->BulkString(got.key);
    ctx.reply->BulkString(got.members.front().member);
    ReplyScore(ctx, got.members.front().score);
  }
  return PopOutcome::kReplied;
}

// ZMPOP's and BZMPOP's arguments from `numkeys_index` on: numkeys key... MIN|MAX [COUNT n].
struct MPopArgs {
  Args keys;
  bool max = false;
  int64_t count = 1;
};

bool ParseMPop(CommandContext& ctx, Args argv, size_t numkeys_index, MPopArgs* out) {
  absl::StatusOr<int64_t> parsed = ParsePositive(argv[numkeys_index], errors::kNumKeysNotPositive);
  if (!parsed.ok()) return ReplyStatus(ctx, parsed.status()), false;
  const int64_t numkeys = *parsed;
  if (static_cast<uint64_t>(numkeys) >= argv.size() - numkeys_index - 1) {
    return ReplyError(ctx, errors::kSyntax), false;
  }
  const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (EqualsIgnoreCase(argv[where], "min")) {
    out->max = false;
  } else if (EqualsIgnoreCase(argv[where], "max")) {
    out->max = true;
  } else {
    return ReplyError(ctx, errors::kSyntax), false;
  }
  bool has_count = false;
  for (size_t i = where + 1; i < argv.size(); ++i) {
    if (!has_count && i + 1 < argv.size() && EqualsIgnoreCase(argv[i], "count")) {
      absl::StatusOr<int64_t> count = ParsePositive(argv[++i], errors::kCountNotPositive);
      if (!count.ok()) return ReplyStatus(ctx, count.status()), false;
      out->count = *count;
      has_count = true;
    } else {
      return ReplyError(ctx, errors::kSyntax), false;
    }
  }
  out->keys = argv.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  return true;
}

void CmdZMPop(CommandContext& ctx, Args argv) {
  MPopArgs args;
  if (!ParseMPop(ctx, argv, 1, &args)) return;
  if (PopFirst(ctx, args.keys, args.max, static_cast<uint64_t>(args.count), true) ==
      PopOutcome::kAllEmpty) {
    ctx.reply->NullArray();
  }
}

// ---- Blocking ----

// BZPOPMIN / BZPOPMAX key [key ...] timeout.
void BlockingPop(CommandContext& ctx, Args argv, bool max) {
  int64_t timeout_ms;
  if (!ParseTimeoutOrReply(ctx, argv.back(), &timeout_ms)) return;
  Args keys = argv.subspan(1, argv.size() - 2);
  if (PopFirst(ctx, keys, max, 1, false) == PopOutcome::kReplied) return;
  BlockOrReply(ctx, keys, timeout_ms, BlockRequest::TimeoutReply::kNullArray);
}
void CmdBZPopMin(CommandContext& ctx, Args argv) { BlockingPop(ctx, argv, false); }
void CmdBZPopMax(CommandContext& ctx, Args argv) { BlockingPop(ctx, argv, true); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: the timeout is parsed after the
// other arguments, as in Redis.
void CmdBZMPop(CommandContext& ctx, Args argv) {
  MPopArgs args;
  if (!ParseMPop(ctx, argv, 2, &args)) return;
  int64_t timeout_ms;
  if (!ParseTimeoutOrReply(ctx, argv[1], &timeout_ms)) return;
  if (PopFirst(ctx, args.keys, args.max, static_cast<uint64_t>(args.count), true) ==
      PopOutcome::kReplied) {
    return;
  }
  BlockOrReply(ctx, args.keys, timeout_ms, BlockRequest::TimeoutReply::kNullArray);
}

// ---- Combining ----

enum class Output : uint8_t { kReply, kStore, kCard };

// ZUNION/ZINTER/ZDIFF numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES], the
// STORE forms (destination first, no WITHSCORES) and ZINTERCARD numkeys key... [LIMIT n], as
// Redis's zunionInterDiffGenericCommand: every key's type is checked before the options.
void CombineGeneric(CommandContext& ctx, Args argv, zset_ops::SetOp op, Output output) {
  const size_t numkeys_index = output == Output::kStore ? 2 : 1;
  absl::StatusOr<int64_t> numkeys = ParseInteger(argv[numkeys_index]);
  if (!numkeys.ok()) return ReplyStatus(ctx, numkeys.status());
  if (*numkeys < 1) return ReplyError(ctx, errors::ZSetNeedsInputKey(AsciiLower(argv[0])));
  if (*numkeys > static_cast<int64_t>(argv.size() - numkeys_index - 1)) {
    return ReplyError(ctx, errors::kSyntax);
  }
  const auto n = static_cast<size_t>(*numkeys);
  Args keys = argv.subspan(numkeys_index + 1, n);
  if (absl::Status s = zset_ops::CheckCombineTypes(*ctx.keyspace, db(ctx), keys); !s.ok()) {
    return ReplyStatus(ctx, s);
  }
  zset_ops::CombineSpec spec;
  spec.op = op;
  bool withscores = false;
  int64_t limit = 0;
  const bool weighted = op != zset_ops::SetOp::kDiff && output != Output::kCard;
  size_t j = numkeys_index + 1 + n;
  while (j < argv.size()) {
    const size_t remaining = argv.size() - j;
    if (weighted && remaining >= n + 1 && EqualsIgnoreCase(argv[j], "weights")) {
      ++j;
      spec.weights.assign(n, 1.0);
      for (size_t i = 0; i < n; ++i, ++j) {
        if (!ParseDoubleArg(ctx, argv[j], errors::kWeightNotFloat, &spec.weights[i])) return;
      }
    } else if (weighted && remaining >= 2 && EqualsIgnoreCase(argv[j], "aggregate")) {
      const std::string_view a = argv[j + 1];
      if (EqualsIgnoreCase(a, "sum")) {
        spec.aggregate = zset_ops::Aggregate::kSum;
      } else if (EqualsIgnoreCase(a, "min")) {
        spec.aggregate = zset_ops::Aggregate::kMin;
      } else if (EqualsIgnoreCase(a, "max")) {
        spec.aggregate = zset_ops::Aggregate::kMax;
      } else {
        return ReplyError(ctx, errors::kSyntax);
      }
      j += 2;
    } else if (output == Output::kCard && remaining >= 2 && EqualsIgnoreCase(argv[j], "limit")) {
      absl::StatusOr<int64_t> l = ParseNonNegative(argv[j + 1], errors::kLimitNegative);
      if (!l.ok()) return ReplyStatus(ctx, l.status());
      limit = *l;
      j += 2;
    } else if (output == Output::kReply && EqualsIgnoreCase(argv[j], "withscores")) {
      withscores = true;
      ++j;
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  switch (output) {
    case Output::kStore:
      return ReplyInteger(ctx, zset_ops::CombineStore(*ctx.keyspace, db(ctx), argv[1], keys, spec));
    case Output::kCard:
      return ReplyInteger(
          ctx, zset_ops::InterCard(*ctx.keyspace, db(ctx), keys, static_cast<uint64_t>(limit)));
    case Output::kReply:
      return ReplyOr(ctx, zset_ops::Combine(*ctx.keyspace, db(ctx), keys, spec),
                     [&](const std::vector<ScoredMember>& members) {
                       ReplyMembers(ctx, members, withscores, Resp3(ctx));
                     });
  }
}

using zset_ops::SetOp;
void CmdZUnion(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kUnion, Output::kReply);
}
void CmdZInter(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kInter, Output::kReply);
}
void CmdZDiff(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kDiff, Output::kReply);
}
void CmdZUnionStore(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kUnion, Output::kStore);
}
void CmdZInterStore(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kInter, Output::kStore);
}
void CmdZDiffStore(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kDiff, Output::kStore);
}
void CmdZInterCard(CommandContext& ctx, Args argv) {
  CombineGeneric(ctx, argv, SetOp::kInter, Output::kCard);
}

// ---- Random, scan ----

// ZRANDMEMBER key [count [WITHSCORES]].
void CmdZRandMember(CommandContext& ctx, Args argv) {
  if (argv.size() == 2) {
    return ReplyOr(ctx, zset_ops::RandMember(*ctx.keyspace, db(ctx), argv[1]),
                   [&](const std::optional<std::string>& m) {
                     if (!m.has_value()) return ctx.reply->Null();
                     ctx.reply->BulkString(*m);
                   });
  }
  absl::StatusOr<int64_t> parsed = ParseIntegerInRange(
      argv[2], -std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max());
  if (!parsed.ok()) return ReplyStatus(ctx, parsed.status());
  if (argv.size() > 4 || (argv.size() == 4 && !EqualsIgnoreCase(argv[3], "withscores"))) {
    return ReplyError(ctx, errors::kSyntax);
  }
  const bool withscores = argv.size() == 4;
  constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
  if (withscores && (*parsed < -kHalf || *parsed > kHalf)) {
    return ReplyError(ctx, errors::kValueOutOfRange);
  }
  ReplyOr(ctx, zset_ops::RandMembers(*ctx.keyspace, db(ctx), argv[1], *parsed),
          [&](const std::vector<ScoredMember>& members) {
            ReplyMembers(ctx, members, withscores, Resp3(ctx));
          });
}

// ZSCAN key cursor [MATCH pattern] [COUNT count].
void CmdZScan(CommandContext& ctx, Args argv) {
  absl::StatusOr<uint64_t> cursor = ParseScanCursor(argv[2]);
  if (!cursor.ok()) return ReplyStatus(ctx, cursor.status());
  absl::StatusOr<ScanArgs> options = ParseScanArgs(argv.subspan(3), /*allow_type=*/false);
  auto reply_page = [&](const zset_ops::ScanPage& page) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->BulkString(absl::StrCat(page.cursor));
    ctx.reply->ArrayHeader(page.entries.size() * 2);
    for (const auto& [m, s] : page.entries) {
      ctx.reply->BulkString(m);
      ctx.reply->BulkString(s);
    }
  };
  if (!options.ok()) {
    // As SSCAN: a missing key is an empty page, another type WRONGTYPE.
    return ReplyOr(ctx, zset_ops::Card(*ctx.keyspace, db(ctx), argv[1]), [&](int64_t n) {
      if (n == 0) return reply_page({});
      ReplyStatus(ctx, options.status());
    });
  }
  ReplyOr(ctx,
          zset_ops::Scan(*ctx.keyspace, db(ctx), argv[1], *cursor,
                         static_cast<size_t>(options->count), options->match.value_or("")),
          reply_page);
}

}  // namespace

void RegisterZSetFamily(CommandTable* table) {
  using namespace describe;  // NOLINT: the entry helpers
  table->Register(
      {.name = "zadd",
       .arity = -4,
       .flags = kWrite | kDenyOom | kFast,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RW | UPDATE)},
       .group = "sorted-set",
       .summary =
           "Add one or more members to a sorted set, or update its score if it already exists",
       .since = "1.2.0",
       .complexity =
           "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
       .history = {{"2.4.0", "Accepts multiple elements."},
                   {"3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."},
                   {"6.2.0", "Added the `GT` and `LT` options."}},
       .args = {Key("key"),
                OneOf("condition", {Tok("nx", "NX"), Tok("xx", "XX")}).Since("3.0.2").Opt(),
                OneOf("comparison", {Tok("gt", "GT"), Tok("lt", "LT")}).Since("6.2.0").Opt(),
                Tok("change", "CH").Since("3.0.2").Opt(),
                Tok("increment", "INCR").Since("3.0.2").Opt(),
                Block("score_member", {Dbl("score"), Str("member")}).Multi()},
       .handler = CmdZAdd});
  table->Register({.name = "zincrby",
                   .arity = 4,
                   .flags = kWrite | kDenyOom | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RW | ACCESS | UPDATE)},
                   .group = "sorted-set",
                   .summary = "Increment the score of a member in a sorted set",
                   .since = "1.2.0",
                   .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
                   .args = {Key("key"), Int("increment"), Str("member")},
                   .handler = CmdZIncrBy});
  table->Register({.name = "zrem",
                   .arity = -3,
                   .flags = kWrite | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RW | DELETE)},
                   .group = "sorted-set",
                   .summary = "Remove one or more members from a sorted set",
                   .since = "1.2.0",
                   .complexity = "O(M*log(N)) with N being the number of elements in the sorted "
                                 "set and M the number of elements to be removed.",
                   .history = {{"2.4.0", "Accepts multiple elements."}},
                   .args = {Key("key"), Str("member").Multi()},
                   .handler = CmdZRem});
  table->Register({.name = "zcard",
                   .arity = 2,
                   .flags = kReadOnly | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RO)},
                   .group = "sorted-set",
                   .summary = "Get the number of members in a sorted set",
                   .since = "1.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key")},
                   .handler = CmdZCard});
  table->Register(
      {.name = "zcount",
       .arity = 4,
       .flags = kReadOnly | kFast,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Count the members in a sorted set with scores within the given values",
       .since = "2.0.0",
       .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
       .args = {Key("key"), Dbl("min"), Dbl("max")},
       .handler = CmdZCount});
  table->Register(
      {.name = "zlexcount",
       .arity = 4,
       .flags = kReadOnly | kFast,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary =
           "Count the number of members in a sorted set between a given lexicographical range",
       .since = "2.8.9",
       .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
       .args = {Key("key"), Str("min"), Str("max")},
       .handler = CmdZLexCount});
  table->Register({.name = "zscore",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "sorted-set",
                   .summary = "Get the score associated with the given member in a sorted set",
                   .since = "1.2.0",
                   .complexity = "O(1)",
                   .args = {Key("key"), Str("member")},
                   .handler = CmdZScore});
  table->Register({.name = "zmscore",
                   .arity = -3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "sorted-set",
                   .summary = "Get the score associated with the given members in a sorted set",
                   .since = "6.2.0",
                   .complexity = "O(N) where N is the number of members being requested.",
                   .args = {Key("key"), Str("member").Multi()},
                   .handler = CmdZMScore});
  table->Register({.name = "zrank",
                   .arity = 3,
                   .flags = kReadOnly | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RO | ACCESS)},
                   .group = "sorted-set",
                   .summary = "Determine the index of a member in a sorted set",
                   .since = "2.0.0",
                   .complexity = "O(log(N))",
                   .args = {Key("key"), Str("member")},
                   .handler = CmdZRank});
  table->Register(
      {.name = "zrevrank",
       .arity = 3,
       .flags = kReadOnly | kFast,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary =
           "Determine the index of a member in a sorted set, with scores ordered from high to low",
       .since = "2.0.0",
       .complexity = "O(log(N))",
       .args = {Key("key"), Str("member")},
       .handler = CmdZRevRank});
  table->Register(
      {.name = "zrange",
       .arity = -4,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Return a range of members in a sorted set",
       .since = "1.2.0",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements returned.",
       .history = {{"6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options."}},
       .args = {Key("key"), Str("start"), Str("stop"),
                OneOf("sortby", {Tok("byscore", "BYSCORE"), Tok("bylex", "BYLEX")})
                    .Since("6.2.0")
                    .Opt(),
                Tok("rev", "REV").Since("6.2.0").Opt(),
                Block("offset_count", {Int("offset"), Int("count")})
                    .Token("LIMIT")
                    .Since("6.2.0")
                    .Opt(),
                Tok("withscores", "WITHSCORES").Opt()},
       .handler = CmdZRange});
  table->Register(
      {.name = "zrangebyscore",
       .arity = -4,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Return a range of members in a sorted set, by score",
       .since = "1.0.5",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements being returned. If M is constant (e.g. always asking for "
                     "the first 10 elements with LIMIT), you can consider it O(log(N)).",
       .deprecated_since = "6.2.0",
       .replaced_by = "`ZRANGE` with the `BYSCORE` argument",
       .history = {{"2.0.0", "Added the `WITHSCORES` modifier."}},
       .args = {Key("key"), Dbl("min"), Dbl("max"),
                Tok("withscores", "WITHSCORES").Since("2.0.0").Opt(),
                Block("offset_count", {Int("offset"), Int("count")}).Token("LIMIT").Opt()},
       .handler = CmdZRangeByScore});
  table->Register(
      {.name = "zrevrangebyscore",
       .arity = -4,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Return a range of members in a sorted set, by score, with scores ordered from "
                  "high to low",
       .since = "2.2.0",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements being returned. If M is constant (e.g. always asking for "
                     "the first 10 elements with LIMIT), you can consider it O(log(N)).",
       .deprecated_since = "6.2.0",
       .replaced_by = "`ZRANGE` with the `REV` and `BYSCORE` arguments",
       .history = {{"2.1.6", "`min` and `max` can be exclusive."}},
       .args = {Key("key"), Dbl("max"), Dbl("min"), Tok("withscores", "WITHSCORES").Opt(),
                Block("offset_count", {Int("offset"), Int("count")}).Token("LIMIT").Opt()},
       .handler = CmdZRevRangeByScore});
  table->Register(
      {.name = "zrangebylex",
       .arity = -4,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Return a range of members in a sorted set, by lexicographical range",
       .since = "2.8.9",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements being returned. If M is constant (e.g. always asking for "
                     "the first 10 elements with LIMIT), you can consider it O(log(N)).",
       .deprecated_since = "6.2.0",
       .replaced_by = "`ZRANGE` with the `BYLEX` argument",
       .args = {Key("key"), Str("min"), Str("max"),
                Block("offset_count", {Int("offset"), Int("count")}).Token("LIMIT").Opt()},
       .handler = CmdZRangeByLex});
  table->Register(
      {.name = "zrevrangebylex",
       .arity = -4,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Return a range of members in a sorted set, by lexicographical range, ordered "
                  "from higher to lower strings.",
       .since = "2.8.9",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements being returned. If M is constant (e.g. always asking for "
                     "the first 10 elements with LIMIT), you can consider it O(log(N)).",
       .deprecated_since = "6.2.0",
       .replaced_by = "`ZRANGE` with the `REV` and `BYLEX` arguments",
       .args = {Key("key"), Str("max"), Str("min"),
                Block("offset_count", {Int("offset"), Int("count")}).Token("LIMIT").Opt()},
       .handler = CmdZRevRangeByLex});
  table->Register(
      {.name = "zrevrange",
       .arity = -4,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Return a range of members in a sorted set, by index, with scores ordered from "
                  "high to low",
       .since = "1.2.0",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements returned.",
       .deprecated_since = "6.2.0",
       .replaced_by = "`ZRANGE` with the `REV` argument",
       .args = {Key("key"), Int("start"), Int("stop"), Tok("withscores", "WITHSCORES").Opt()},
       .handler = CmdZRevRange});
  table->Register(
      {.name = "zrangestore",
       .arity = -5,
       .flags = kWrite | kDenyOom,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, OW | UPDATE), Keys(2, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Store a range of members from sorted set into another key",
       .since = "6.2.0",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements stored into the destination key.",
       .args = {Key("dst"), Key("src", 1), Str("min"), Str("max"),
                OneOf("sortby", {Tok("byscore", "BYSCORE"), Tok("bylex", "BYLEX")}).Opt(),
                Tok("rev", "REV").Opt(),
                Block("offset_count", {Int("offset"), Int("count")}).Token("LIMIT").Opt()},
       .handler = CmdZRangeStore});
  table->Register({.name = "zremrangebyrank",
                   .arity = 4,
                   .flags = kWrite,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RW | DELETE)},
                   .group = "sorted-set",
                   .summary = "Remove all members in a sorted set within the given indexes",
                   .since = "2.0.0",
                   .complexity = "O(log(N)+M) with N being the number of elements in the sorted "
                                 "set and M the number of elements removed by the operation.",
                   .args = {Key("key"), Int("start"), Int("stop")},
                   .handler = CmdZRemRangeByRank});
  table->Register({.name = "zremrangebyscore",
                   .arity = 4,
                   .flags = kWrite,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RW | DELETE)},
                   .group = "sorted-set",
                   .summary = "Remove all members in a sorted set within the given scores",
                   .since = "1.2.0",
                   .complexity = "O(log(N)+M) with N being the number of elements in the sorted "
                                 "set and M the number of elements removed by the operation.",
                   .args = {Key("key"), Dbl("min"), Dbl("max")},
                   .handler = CmdZRemRangeByScore});
  table->Register(
      {.name = "zremrangebylex",
       .arity = 4,
       .flags = kWrite,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, RW | DELETE)},
       .group = "sorted-set",
       .summary = "Remove all members in a sorted set between the given lexicographical range",
       .since = "2.8.9",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                     "number of elements removed by the operation.",
       .args = {Key("key"), Str("min"), Str("max")},
       .handler = CmdZRemRangeByLex});
  table->Register({.name = "zpopmin",
                   .arity = -2,
                   .flags = kWrite | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE)},
                   .group = "sorted-set",
                   .summary = "Remove and return members with the lowest scores in a sorted set",
                   .since = "5.0.0",
                   .complexity = "O(log(N)*M) with N being the number of elements in the sorted "
                                 "set, and M being the number of elements popped.",
                   .args = {Key("key"), Int("count").Opt()},
                   .handler = CmdZPopMin});
  table->Register({.name = "zpopmax",
                   .arity = -2,
                   .flags = kWrite | kFast,
                   .acl = kAclSortedSet,
                   .key_specs = {Keys(1, RW | ACCESS | DELETE)},
                   .group = "sorted-set",
                   .summary = "Remove and return members with the highest scores in a sorted set",
                   .since = "5.0.0",
                   .complexity = "O(log(N)*M) with N being the number of elements in the sorted "
                                 "set, and M being the number of elements popped.",
                   .args = {Key("key"), Int("count").Opt()},
                   .handler = CmdZPopMax});
  table->Register(
      {.name = "zmpop",
       .arity = -4,
       .flags = kWrite,
       .acl = kAclSortedSet,
       .key_specs = {KeyNum(1, RW | ACCESS | DELETE)},
       .group = "sorted-set",
       .summary = "Remove and return members with scores in a sorted set",
       .since = "7.0.0",
       .complexity =
           "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
           "elements in the sorted set, and M being the number of elements popped.",
       .args = {Int("numkeys"), Key("key").Multi(),
                OneOf("where", {Tok("min", "MIN"), Tok("max", "MAX")}),
                Int("count").Token("COUNT").Opt()},
       .handler = CmdZMPop});
  table->Register(
      {.name = "zunion",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {KeyNum(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Add multiple sorted sets",
       .since = "6.2.0",
       .complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, "
                     "and M being the number of elements in the resulting sorted set.",
       .args = {Int("numkeys"), Key("key").Multi(), Int("weight").Token("WEIGHTS").Opt().Multi(),
                OneOf("aggregate", {Tok("sum", "SUM"), Tok("min", "MIN"), Tok("max", "MAX")})
                    .Token("AGGREGATE")
                    .Opt(),
                Tok("withscores", "WITHSCORES").Opt()},
       .handler = CmdZUnion});
  table->Register(
      {.name = "zinter",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {KeyNum(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Intersect multiple sorted sets",
       .since = "6.2.0",
       .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                     "being the number of input sorted sets and M being the number of elements in "
                     "the resulting sorted set.",
       .args = {Int("numkeys"), Key("key").Multi(), Int("weight").Token("WEIGHTS").Opt().Multi(),
                OneOf("aggregate", {Tok("sum", "SUM"), Tok("min", "MIN"), Tok("max", "MAX")})
                    .Token("AGGREGATE")
                    .Opt(),
                Tok("withscores", "WITHSCORES").Opt()},
       .handler = CmdZInter});
  table->Register(
      {.name = "zdiff",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {KeyNum(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Subtract multiple sorted sets",
       .since = "6.2.0",
       .complexity =
           "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
           "N is the size of the first set, and K is the size of the result set.",
       .args = {Int("numkeys"), Key("key").Multi(), Tok("withscores", "WITHSCORES").Opt()},
       .handler = CmdZDiff});
  table->Register(
      {.name = "zunionstore",
       .arity = -4,
       .flags = kWrite | kDenyOom,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, OW | UPDATE), KeyNum(2, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Add multiple sorted sets and store the resulting sorted set in a new key",
       .since = "2.0.0",
       .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, "
                     "and M being the number of elements in the resulting sorted set.",
       .args = {Key("destination"), Int("numkeys"), Key("key", 1).Multi(),
                Int("weight").Token("WEIGHTS").Opt().Multi(),
                OneOf("aggregate", {Tok("sum", "SUM"), Tok("min", "MIN"), Tok("max", "MAX")})
                    .Token("AGGREGATE")
                    .Opt()},
       .handler = CmdZUnionStore});
  table->Register(
      {.name = "zinterstore",
       .arity = -4,
       .flags = kWrite | kDenyOom,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, OW | UPDATE), KeyNum(2, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key",
       .since = "2.0.0",
       .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K "
                     "being the number of input sorted sets and M being the number of elements in "
                     "the resulting sorted set.",
       .args = {Key("destination"), Int("numkeys"), Key("key", 1).Multi(),
                Int("weight").Token("WEIGHTS").Opt().Multi(),
                OneOf("aggregate", {Tok("sum", "SUM"), Tok("min", "MIN"), Tok("max", "MAX")})
                    .Token("AGGREGATE")
                    .Opt()},
       .handler = CmdZInterStore});
  table->Register(
      {.name = "zdiffstore",
       .arity = -4,
       .flags = kWrite | kDenyOom,
       .acl = kAclSortedSet,
       .key_specs = {Keys(1, OW | UPDATE), KeyNum(2, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key",
       .since = "6.2.0",
       .complexity =
           "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
           "N is the size of the first set, and K is the size of the result set.",
       .args = {Key("destination"), Int("numkeys"), Key("key", 1).Multi()},
       .handler = CmdZDiffStore});
  table->Register(
      {.name = "zintercard",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .key_specs = {KeyNum(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Intersect multiple sorted sets and return the cardinality of the result",
       .since = "7.0.0",
       .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the "
                     "number of input sorted sets.",
       .args = {Int("numkeys"), Key("key").Multi(), Int("limit").Token("LIMIT").Opt()},
       .handler = CmdZInterCard});
  table->Register(
      {.name = "zrandmember",
       .arity = -2,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .tips = {"nondeterministic_output"},
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Get one or multiple random elements from a sorted set",
       .since = "6.2.0",
       .complexity = "O(N) where N is the number of elements returned",
       .args = {Key("key"),
                Block("options", {Int("count"), Tok("withscores", "WITHSCORES").Opt()}).Opt()},
       .handler = CmdZRandMember});
  table->Register(
      {.name = "zscan",
       .arity = -3,
       .flags = kReadOnly,
       .acl = kAclSortedSet,
       .tips = {"nondeterministic_output"},
       .key_specs = {Keys(1, RO | ACCESS)},
       .group = "sorted-set",
       .summary = "Incrementally iterate sorted sets elements and associated scores",
       .since = "2.8.0",
       .complexity =
           "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
           "the cursor to return back to 0. N is the number of elements inside the collection..",
       .args = {Key("key"), Int("cursor"), Pattern("pattern").Token("MATCH").Opt(),
                Int("count").Token("COUNT").Opt()},
       .handler = CmdZScan});
  table->Register(
      {.name = "bzpopmin",
       .arity = -3,
       .flags = kWrite | kNoScript | kBlocking | kFast,
       .acl = kAclSortedSet | kAclBlocking,
       .key_specs = {Keys(1, RW | ACCESS | DELETE, -2)},
       .group = "sorted-set",
       .summary = "Remove and return the member with the lowest score from one or more sorted "
                  "sets, or block until one is available",
       .since = "5.0.0",
       .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
       .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
       .args = {Key("key").Multi(), Dbl("timeout")},
       .handler = CmdBZPopMin});
  table->Register(
      {.name = "bzpopmax",
       .arity = -3,
       .flags = kWrite | kNoScript | kBlocking | kFast,
       .acl = kAclSortedSet | kAclBlocking,
       .key_specs = {Keys(1, RW | ACCESS | DELETE, -2)},
       .group = "sorted-set",
       .summary = "Remove and return the member with the highest score from one or more sorted "
                  "sets, or block until one is available",
       .since = "5.0.0",
       .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
       .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
       .args = {Key("key").Multi(), Dbl("timeout")},
       .handler = CmdBZPopMax});
  table->Register(
      {.name = "bzmpop",
       .arity = -5,
       .flags = kWrite | kBlocking,
       .acl = kAclSortedSet | kAclBlocking,
       .key_specs = {KeyNum(2, RW | ACCESS | DELETE)},
       .group = "sorted-set",
       .summary =
           "Remove and return members with scores in a sorted set or block until one is available",
       .since = "7.0.0",
       .complexity =
           "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
           "elements in the sorted set, and M being the number of elements popped.",
       .args = {Dbl("timeout"), Int("numkeys"), Key("key").Multi(),
                OneOf("where", {Tok("min", "MIN"), Tok("max", "MAX")}),
                Int("count").Token("COUNT").Opt()},
       .handler = CmdBZMPop});
}

}  // namespace embedis::commands
