// The list commands: LPUSH, RPUSH, LPUSHX, RPUSHX, LPOP, RPOP, LLEN, LINDEX, LSET, LRANGE, LTRIM,
// LREM, LINSERT, LPOS, LMOVE, RPOPLPUSH, LMPOP, and the blocking BLPOP, BRPOP, BLMOVE,
// BRPOPLPUSH, BLMPOP.
//
// Replies, error texts and the order in which arguments are checked follow redis-server 7.0.15
// (tests/commands/list_differential_test.cc compares byte for byte with a real server). The order
// is observable: LRANGE, LTRIM and LREM parse their integers before they look at the key, LINDEX
// and LSET after it (so "LINDEX missing x" is a null, "LSET missing x v" is "no such key"),
// LINSERT checks BEFORE|AFTER first, LPOS parses all its options first, LPOP's count is parsed
// before the key. Every command runs inside Keyspace::Update for its key; a list left empty is
// deleted by the keyspace when the callback returns, as Redis never keeps empty lists.
//
// Two-key moves (LMOVE, RPOPLPUSH, and BLMOVE/BRPOPLPUSH when the source has elements) check in
// Redis's order: the source (missing: null; WRONGTYPE), then the destination's type, then pop and
// push. The keyspace offers no callback over two locked keys yet, so the move runs as a pop under
// one Update and a push under another; see MoveElement for the window this leaves.
//
// Blocking commands (the contract is BlockRequest in command_table.h): the handler validates its
// arguments, serves from the first non-empty key in argument order, and when every key is empty
// either leaves a BlockRequest and writes no reply (CommandContext::may_block) or replies the
// timeout reply at once, as Redis does inside MULTI.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/keyspace/list_value.h"
#include "lib/util/errors.h"

namespace embedis::commands {
namespace {

// Redis 7.0's texts for the list family's own errors.
constexpr char kIndexOutOfRange[] = "ERR index out of range";
constexpr char kMustBePositive[] = "ERR value is out of range, must be positive";
constexpr char kRankZero[] =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
constexpr char kCountNegative[] = "ERR COUNT can't be negative";
constexpr char kMaxLenNegative[] = "ERR MAXLEN can't be negative";
constexpr char kNumKeysNotPositive[] = "ERR numkeys should be greater than 0";
constexpr char kCountNotPositive[] = "ERR count should be greater than 0";
constexpr char kTimeoutNotFloat[] = "ERR timeout is not a float or out of range";
constexpr char kTimeoutNegative[] = "ERR timeout is negative";

// Which end of a list: LEFT is the head, RIGHT the tail.
enum class End : uint8_t { kHead, kTail };

bool ParseEnd(std::string_view s, End* end) {
  if (EqualsIgnoreCase(s, "left")) {
    *end = End::kHead;
  } else if (EqualsIgnoreCase(s, "right")) {
    *end = End::kTail;
  } else {
    return false;
  }
  return true;
}

std::string Pop(ListValue& l, End end) { return end == End::kHead ? l.PopFront() : l.PopBack(); }

void Push(ListValue& l, End end, std::string_view element) {
  if (end == End::kHead) {
    l.PushFront(element);
  } else {
    l.PushBack(element);
  }
}

// Pops min(count, size) elements from `end` and replies them as an array, in popping order.
void PopAndReply(CommandContext& ctx, ListValue& l, End end, uint64_t count) {
  const uint64_t n = std::min<uint64_t>(count, l.size());
  ctx.reply->ArrayHeader(n);
  for (uint64_t i = 0; i < n; ++i) ctx.reply->BulkString(Pop(l, end));
}

// A Redis list index (negative: from the tail) as a position, nullopt when outside the list.
std::optional<size_t> Position(int64_t index, size_t size) {
  const int64_t n = static_cast<int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<size_t>(index);
}

// LRANGE's and LTRIM's range [start, end] clamped to the list as Redis does; nullopt when empty.
std::optional<std::pair<size_t, size_t>> Range(int64_t start, int64_t end, size_t size) {
  const int64_t n = static_cast<int64_t>(size);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return std::nullopt;
  if (end >= n) end = n - 1;
  return std::make_pair(static_cast<size_t>(start), static_cast<size_t>(end - start + 1));
}

// Runs fn(const ListValue* l) for a read, l == nullptr when the key is missing; replies WRONGTYPE
// itself for a key of another type. Counts a keyspace hit or miss.
template <typename Fn>
void ReadList(CommandContext& ctx, std::string_view key, Fn&& fn) {
  ctx.keyspace->Update(
      ctx.client->db, key,
      [&](KeyHandle& k) {
        if (!k.exists()) return fn(static_cast<const ListValue*>(nullptr));
        if (k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
        fn(&k.list_view());
      },
      /*is_read=*/true);
}

// Runs fn(ListValue* l) for a write on an existing list, l == nullptr when the key is missing;
// replies WRONGTYPE itself for another type.
template <typename Fn>
void WriteExistingList(CommandContext& ctx, std::string_view key, Fn&& fn) {
  ctx.keyspace->Update(ctx.client->db, key, [&](KeyHandle& k) {
    if (!k.exists()) return fn(static_cast<ListValue*>(nullptr));
    if (k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
    fn(&k.list());
  });
}

// ---- Pushes and pops ----

// LPUSH / RPUSH (create = true) and LPUSHX / RPUSHX: replies the length after the pushes.
void PushGeneric(CommandContext& ctx, Args argv, End end, bool create) {
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
    if (!k.exists() && !create) return ctx.reply->Integer(0);
    ListValue& l = k.exists() ? k.list() : k.CreateList();
    for (size_t i = 2; i < argv.size(); ++i) Push(l, end, argv[i]);
    ctx.reply->Integer(static_cast<int64_t>(l.size()));
  });
}

void CmdLPush(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kHead, true); }
void CmdRPush(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kTail, true); }
void CmdLPushX(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kHead, false); }
void CmdRPushX(CommandContext& ctx, Args argv) { PushGeneric(ctx, argv, End::kTail, false); }

// LPOP / RPOP key [count]. Without a count: one element or null. With one: an array (empty for
// count 0 on an existing list), a null array for a missing key.
void PopGeneric(CommandContext& ctx, Args argv, End end) {
  if (argv.size() > 3) return ReplyWrongArity(ctx, end == End::kHead ? "lpop" : "rpop");
  const bool has_count = argv.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64(argv[2], &count) || count < 0)) {
    return ReplyError(ctx, kMustBePositive);
  }
  WriteExistingList(ctx, argv[1], [&](ListValue* l) {
    if (l == nullptr) return has_count ? ctx.reply->NullArray() : ctx.reply->Null();
    if (!has_count) return ctx.reply->BulkString(Pop(*l, end));
    PopAndReply(ctx, *l, end, static_cast<uint64_t>(count));
  });
}

void CmdLPop(CommandContext& ctx, Args argv) { PopGeneric(ctx, argv, End::kHead); }
void CmdRPop(CommandContext& ctx, Args argv) { PopGeneric(ctx, argv, End::kTail); }

// ---- Reads ----

void CmdLLen(CommandContext& ctx, Args argv) {
  ReadList(ctx, argv[1], [&](const ListValue* l) {
    ctx.reply->Integer(l == nullptr ? 0 : static_cast<int64_t>(l->size()));
  });
}

void CmdLIndex(CommandContext& ctx, Args argv) {
  ReadList(ctx, argv[1], [&](const ListValue* l) {
    if (l == nullptr) return ctx.reply->Null();
    int64_t index;
    if (!ParseInt64(argv[2], &index)) return ReplyError(ctx, errors::kNotInteger);
    std::optional<size_t> pos = Position(index, l->size());
    if (!pos.has_value()) return ctx.reply->Null();
    ctx.reply->BulkString(l->At(*pos));
  });
}

void CmdLRange(CommandContext& ctx, Args argv) {
  int64_t start, end;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &end)) {
    return ReplyError(ctx, errors::kNotInteger);
  }
  ReadList(ctx, argv[1], [&](const ListValue* l) {
    auto range = l == nullptr ? std::nullopt : Range(start, end, l->size());
    if (!range.has_value()) return ctx.reply->ArrayHeader(0);
    ctx.reply->ArrayHeader(range->second);
    l->ForRange(range->first, range->second,
                [&](std::string_view element) { ctx.reply->BulkString(element); });
  });
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
//
// RANK r > 0 skips the first r - 1 matches from the head; r < 0 searches from the tail. COUNT
// returns up to that many matches as an array (0: all); MAXLEN compares at most that many
// elements. Redis negates a negative rank in a long, so RANK -9223372036854775808 stays negative
// there: every match then counts from the first (from the tail), and its COUNT test overflows and
// never stops the search. embedis reproduces that answer (the list differential test checks it).
void CmdLPos(CommandContext& ctx, Args argv) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t i = 3; i < argv.size(); ++i) {
    const bool more = i + 1 < argv.size();
    if (more && EqualsIgnoreCase(argv[i], "rank")) {
      if (!ParseInt64(argv[++i], &rank)) return ReplyError(ctx, errors::kNotInteger);
      if (rank == 0) return ReplyError(ctx, kRankZero);
    } else if (more && EqualsIgnoreCase(argv[i], "count")) {
      if (!ParseInt64(argv[++i], &count) || count < 0) return ReplyError(ctx, kCountNegative);
    } else if (more && EqualsIgnoreCase(argv[i], "maxlen")) {
      if (!ParseInt64(argv[++i], &maxlen) || maxlen < 0) return ReplyError(ctx, kMaxLenNegative);
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  const bool reverse = rank < 0;
  const bool rank_overflow = rank == std::numeric_limits<int64_t>::min();
  // The number of matches to skip before the first one reported.
  const uint64_t skip = rank_overflow ? 0 : static_cast<uint64_t>(reverse ? -rank : rank) - 1;
  const std::string_view element = argv[2];
  ReadList(ctx, argv[1], [&](const ListValue* l) {
    if (l == nullptr) return count != -1 ? ctx.reply->ArrayHeader(0) : ctx.reply->Null();
    std::vector<int64_t> found;
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
    if (count == -1) {
      if (found.empty()) return ctx.reply->Null();
      return ctx.reply->Integer(found[0]);
    }
    ctx.reply->ArrayHeader(found.size());
    for (int64_t index : found) ctx.reply->Integer(index);
  });
}

// ---- Edits ----

void CmdLSet(CommandContext& ctx, Args argv) {
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    if (!k.exists()) return ReplyError(ctx, errors::kNoSuchKey);
    if (k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
    int64_t index;
    if (!ParseInt64(argv[2], &index)) return ReplyError(ctx, errors::kNotInteger);
    std::optional<size_t> pos = Position(index, k.list_view().size());
    if (!pos.has_value()) return ReplyError(ctx, kIndexOutOfRange);
    k.list().Set(*pos, argv[3]);
    ctx.reply->Ok();
  });
}

// LTRIM key start stop. Like Redis, a trim that removes nothing still counts as a modification
// of the key (WATCH), so it rewrites the head element in place to tell the keyspace.
void CmdLTrim(CommandContext& ctx, Args argv) {
  int64_t start, end;
  if (!ParseInt64(argv[2], &start) || !ParseInt64(argv[3], &end)) {
    return ReplyError(ctx, errors::kNotInteger);
  }
  WriteExistingList(ctx, argv[1], [&](ListValue* l) {
    if (l == nullptr) return ctx.reply->Ok();
    const size_t size = l->size();
    auto range = Range(start, end, size);
    if (!range.has_value()) {
      l->Clear();  // the keyspace deletes the emptied key
    } else if (range->second == size) {
      // TODO(lists): a KeyHandle::Touch() would say "modified" without rewriting an element.
      l->Set(0, std::string(l->At(0)));
    } else {
      const size_t keep_end = range->first + range->second;
      l->Erase(keep_end, size - keep_end);
      l->Erase(0, range->first);
    }
    ctx.reply->Ok();
  });
}

// LREM key count element: count > 0 removes the first `count` matches from the head, count < 0
// the last -count from the tail, 0 all of them. (Redis's -LONG_MIN stays negative: all, from the
// tail, which is what the limit 0 below does too.)
void CmdLRem(CommandContext& ctx, Args argv) {
  int64_t count;
  if (!ParseInt64(argv[2], &count)) return ReplyError(ctx, errors::kNotInteger);
  WriteExistingList(ctx, argv[1], [&](ListValue* l) {
    if (l == nullptr) return ctx.reply->Integer(0);
    const bool from_tail = count < 0;
    const uint64_t limit = count == std::numeric_limits<int64_t>::min() ? 0
                           : from_tail                                  ? -count
                                                                        : count;
    ctx.reply->Integer(static_cast<int64_t>(l->Remove(argv[3], limit, from_tail)));
  });
}

// LINSERT key BEFORE|AFTER pivot element: the new length, -1 when the pivot is missing (the list
// is not modified), 0 when the key is.
void CmdLInsert(CommandContext& ctx, Args argv) {
  bool after;
  if (EqualsIgnoreCase(argv[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(argv[2], "before")) {
    after = false;
  } else {
    return ReplyError(ctx, errors::kSyntax);
  }
  ctx.keyspace->Update(ctx.client->db, argv[1], [&](KeyHandle& k) {
    if (!k.exists()) return ctx.reply->Integer(0);
    if (k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
    std::optional<size_t> pivot;
    k.list_view().Walk(/*reverse=*/false, [&](size_t index, std::string_view e) {
      if (e != argv[3]) return true;
      pivot = index;
      return false;
    });
    if (!pivot.has_value()) return ctx.reply->Integer(-1);
    ListValue& l = k.list();
    l.Insert(*pivot + (after ? 1 : 0), argv[4]);
    ctx.reply->Integer(static_cast<int64_t>(l.size()));
  });
}

// ---- Moves ----

enum class MoveOutcome : uint8_t { kReplied, kSourceMissing };

// Pops from `from` of `src` and pushes to `to` of `dst`, replying the element or WRONGTYPE;
// writes nothing and returns kSourceMissing when `src` is missing (the caller replies null, or
// blocks). The same key is a rotation, under one lock.
//
// TODO(lists): two different keys are not updated atomically. The checks run in Redis's order
// (source missing or WRONGTYPE, then the destination's type, so that WRONGTYPE wins before
// anything is popped), then the pop and the push are two Updates: between them another client can
// see the element in neither list, and a concurrent write that makes `dst` a non-list is answered
// by pushing the element back where it came from. Needs a keyspace callback over two locked keys
// (Keyspace::Update2; see the list family's report to the lead). EXEC is unaffected (it runs with
// every other client held off).
MoveOutcome MoveElement(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                        End to) {
  Keyspace& ks = *ctx.keyspace;
  const int db = ctx.client->db;
  bool missing = false, done = false;
  if (src == dst) {
    ks.Update(db, src, [&](KeyHandle& k) {
      if (!k.exists()) return void(missing = true);
      if (k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
      ListValue& l = k.list();
      std::string element = Pop(l, from);
      Push(l, to, element);
      ctx.reply->BulkString(element);
    });
    return missing ? MoveOutcome::kSourceMissing : MoveOutcome::kReplied;
  }
  auto check_source = [&](KeyHandle& k) {
    if (!k.exists()) {
      missing = true;
    } else if (k.type() != ValueType::kList) {
      ReplyError(ctx, errors::kWrongType);
      done = true;
    }
  };
  ks.Update(db, src, check_source);
  if (missing) return MoveOutcome::kSourceMissing;
  if (done) return MoveOutcome::kReplied;
  ks.Update(db, dst, [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kList) {
      ReplyError(ctx, errors::kWrongType);
      done = true;
    }
  });
  if (done) return MoveOutcome::kReplied;
  std::optional<std::string> element;
  ks.Update(db, src, [&](KeyHandle& k) {
    check_source(k);
    if (!missing && !done) element = Pop(k.list(), from);
  });
  if (!element.has_value()) return missing ? MoveOutcome::kSourceMissing : MoveOutcome::kReplied;
  bool pushed = false;
  ks.Update(db, dst, [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kList) return;
    Push(k.exists() ? k.list() : k.CreateList(), to, *element);
    pushed = true;
  });
  if (pushed) {
    ctx.reply->BulkString(*element);
    return MoveOutcome::kReplied;
  }
  // The destination changed type in the window: undo the pop (unless the source did too).
  ks.Update(db, src, [&](KeyHandle& k) {
    if (k.exists() && k.type() != ValueType::kList) return;
    Push(k.exists() ? k.list() : k.CreateList(), from, *element);
  });
  ReplyError(ctx, errors::kWrongType);
  return MoveOutcome::kReplied;
}

void MoveOrNull(CommandContext& ctx, Args argv, End from, End to) {
  if (MoveElement(ctx, argv[1], argv[2], from, to) == MoveOutcome::kSourceMissing) {
    ctx.reply->Null();
  }
}

void CmdLMove(CommandContext& ctx, Args argv) {
  End from, to;
  if (!ParseEnd(argv[3], &from) || !ParseEnd(argv[4], &to)) {
    return ReplyError(ctx, errors::kSyntax);
  }
  MoveOrNull(ctx, argv, from, to);
}

void CmdRPopLPush(CommandContext& ctx, Args argv) { MoveOrNull(ctx, argv, End::kTail, End::kHead); }

// ---- Multi-key pops ----

enum class PopOutcome : uint8_t { kReplied, kAllEmpty };

// Pops from the first non-empty key of `keys`, in order, replying [key, element] (count < 0:
// BLPOP's form) or [key, [elements...]] (LMPOP's, up to `count`); WRONGTYPE for the first key of
// another type met before. Each key is looked at under its own lock, one after another.
PopOutcome PopFirst(CommandContext& ctx, Args keys, End end, int64_t count) {
  for (std::string_view key : keys) {
    bool replied = false;
    ctx.keyspace->Update(ctx.client->db, key, [&](KeyHandle& k) {
      if (!k.exists()) return;
      replied = true;
      if (k.type() != ValueType::kList) return ReplyError(ctx, errors::kWrongType);
      ListValue& l = k.list();
      ctx.reply->ArrayHeader(2);
      ctx.reply->BulkString(key);
      if (count < 0) return ctx.reply->BulkString(Pop(l, end));
      PopAndReply(ctx, l, end, static_cast<uint64_t>(count));
    });
    if (replied) return PopOutcome::kReplied;
  }
  return PopOutcome::kAllEmpty;
}

// LMPOP's and BLMPOP's arguments from `numkeys_index` on: numkeys key... LEFT|RIGHT [COUNT n].
struct MPopArgs {
  Args keys;
  End end = End::kHead;
  int64_t count = 1;
};

bool ParseMPop(CommandContext& ctx, Args argv, size_t numkeys_index, MPopArgs* out) {
  int64_t numkeys;
  if (!ParseInt64(argv[numkeys_index], &numkeys) || numkeys < 1) {
    ReplyError(ctx, kNumKeysNotPositive);
    return false;
  }
  // The direction must follow the keys.
  if (static_cast<uint64_t>(numkeys) >= argv.size() - numkeys_index - 1) {
    ReplyError(ctx, errors::kSyntax);
    return false;
  }
  const size_t where = numkeys_index + 1 + static_cast<size_t>(numkeys);
  if (!ParseEnd(argv[where], &out->end)) {
    ReplyError(ctx, errors::kSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t i = where + 1; i < argv.size(); ++i) {
    if (!has_count && i + 1 < argv.size() && EqualsIgnoreCase(argv[i], "count")) {
      if (!ParseInt64(argv[++i], &out->count) || out->count < 1) {
        ReplyError(ctx, kCountNotPositive);
        return false;
      }
      has_count = true;
    } else {
      ReplyError(ctx, errors::kSyntax);
      return false;
    }
  }
  out->keys = argv.subspan(numkeys_index + 1, static_cast<size_t>(numkeys));
  return true;
}

void CmdLMPop(CommandContext& ctx, Args argv) {
  MPopArgs args;
  if (!ParseMPop(ctx, argv, 1, &args)) return;
  if (PopFirst(ctx, args.keys, args.end, args.count) == PopOutcome::kAllEmpty) {
    ctx.reply->NullArray();
  }
}

// ---- Blocking ----

// A blocking command's timeout in seconds as Redis 7.0 reads it (getTimeoutFromObjectOrReply): a
// long double (string2ld: "1.5", "1e3", "0x10"), times 1000, rounded up to whole milliseconds,
// converted to a 64-bit integer; 0 waits forever. As on redis-server (x86-64), a value whose
// milliseconds do not fit (inf, 1e30) converts to the most negative integer and is "negative",
// and a tiny negative one rounds up to 0 ("-0.0001" waits forever).
bool ParseTimeoutMs(CommandContext& ctx, std::string_view s, int64_t* ms) {
  long double seconds;
  if (!ParseLongDouble(s, &seconds)) {
    ReplyError(ctx, kTimeoutNotFloat);
    return false;
  }
  const long double t = std::ceil(seconds * 1000.0L);
  constexpr long double kLimit = 9223372036854775808.0L;  // 2^63
  if (!(t >= -kLimit && t < kLimit) || t < 0) {
    ReplyError(ctx, kTimeoutNegative);
    return false;
  }
  *ms = static_cast<int64_t>(t);
  return true;
}

// Every key was empty: asks the caller to block (no reply), or replies the timeout reply now.
// `now_reply` is what Redis replies when it may not block (inside MULTI); `timeout_reply` what it
// replies when a blocked client times out (a null array for every list command in Redis 7.0, even
// BLMOVE and BRPOPLPUSH, whose immediate answer is a null bulk string).
void BlockOrReply(CommandContext& ctx, Args keys, int64_t timeout_ms,
                  BlockRequest::TimeoutReply now_reply) {
  if (!ctx.may_block) {
    return now_reply == BlockRequest::TimeoutReply::kNullArray ? ctx.reply->NullArray()
                                                               : ctx.reply->Null();
  }
  BlockRequest request;
  request.keys.assign(keys.begin(), keys.end());
  if (timeout_ms > 0) {
    const int64_t now = ctx.keyspace->clock()->NowMs();
    request.deadline_ms = timeout_ms > std::numeric_limits<int64_t>::max() - now
                              ? std::numeric_limits<int64_t>::max()
                              : now + timeout_ms;
  }
  request.timeout_reply = BlockRequest::TimeoutReply::kNullArray;
  ctx.client->block_request = std::move(request);
}

// BLPOP / BRPOP key [key ...] timeout.
void BlockingPop(CommandContext& ctx, Args argv, End end) {
  int64_t timeout_ms;
  if (!ParseTimeoutMs(ctx, argv.back(), &timeout_ms)) return;
  Args keys = argv.subspan(1, argv.size() - 2);
  if (PopFirst(ctx, keys, end, /*count=*/-1) == PopOutcome::kReplied) return;
  BlockOrReply(ctx, keys, timeout_ms, BlockRequest::TimeoutReply::kNullArray);
}

void CmdBLPop(CommandContext& ctx, Args argv) { BlockingPop(ctx, argv, End::kHead); }
void CmdBRPop(CommandContext& ctx, Args argv) { BlockingPop(ctx, argv, End::kTail); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout and BRPOPLPUSH source destination
// timeout. A missing source blocks without looking at the destination, as in Redis.
void BlockingMove(CommandContext& ctx, Args argv, End from, End to, std::string_view timeout_arg) {
  int64_t timeout_ms;
  if (!ParseTimeoutMs(ctx, timeout_arg, &timeout_ms)) return;
  if (MoveElement(ctx, argv[1], argv[2], from, to) == MoveOutcome::kReplied) return;
  BlockOrReply(ctx, argv.subspan(1, 1), timeout_ms, BlockRequest::TimeoutReply::kNullBulk);
}

void CmdBLMove(CommandContext& ctx, Args argv) {
  End from, to;
  if (!ParseEnd(argv[3], &from) || !ParseEnd(argv[4], &to)) {
    return ReplyError(ctx, errors::kSyntax);
  }
  BlockingMove(ctx, argv, from, to, argv[5]);
}

void CmdBRPopLPush(CommandContext& ctx, Args argv) {
  BlockingMove(ctx, argv, End::kTail, End::kHead, argv[3]);
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the timeout is parsed after the
// other arguments, as in Redis.
void CmdBLMPop(CommandContext& ctx, Args argv) {
  MPopArgs args;
  if (!ParseMPop(ctx, argv, 2, &args)) return;
  int64_t timeout_ms;
  if (!ParseTimeoutMs(ctx, argv[1], &timeout_ms)) return;
  if (PopFirst(ctx, args.keys, args.end, args.count) == PopOutcome::kReplied) return;
  BlockOrReply(ctx, args.keys, timeout_ms, BlockRequest::TimeoutReply::kNullArray);
}

}  // namespace

void RegisterListFamily(CommandTable* table) {
  // Arity, flags and legacy key positions as redis-server 7.0's COMMAND INFO (the rest of what it
  // reports is in command_info_table.cc).
  constexpr uint32_t kWriteFast = kWrite | kDenyOom | kFast;
  struct Row {
    const char* name;
    int arity;
    uint32_t flags;
    int first_key, last_key, key_step;
    const char* since;
    const char* summary;
    Handler handler;
  };
  const Row rows[] = {
      {"lpush", -3, kWriteFast, 1, 1, 1, "1.0.0", "Prepend one or multiple elements to a list",
       CmdLPush},
      {"rpush", -3, kWriteFast, 1, 1, 1, "1.0.0", "Append one or multiple elements to a list",
       CmdRPush},
      {"lpushx", -3, kWriteFast, 1, 1, 1, "2.2.0",
       "Prepend an element to a list, only if the list exists", CmdLPushX},
      {"rpushx", -3, kWriteFast, 1, 1, 1, "2.2.0",
       "Append an element to a list, only if the list exists", CmdRPushX},
      {"lpop", -2, kWrite | kFast, 1, 1, 1, "1.0.0", "Remove and get the first elements in a list",
       CmdLPop},
      {"rpop", -2, kWrite | kFast, 1, 1, 1, "1.0.0", "Remove and get the last elements in a list",
       CmdRPop},
      {"llen", 2, kReadOnly | kFast, 1, 1, 1, "1.0.0", "Get the length of a list", CmdLLen},
      {"lindex", 3, kReadOnly, 1, 1, 1, "1.0.0", "Get an element from a list by its index",
       CmdLIndex},
      {"lset", 4, kWrite | kDenyOom, 1, 1, 1, "1.0.0",
       "Set the value of an element in a list by its index", CmdLSet},
      {"lrange", 4, kReadOnly, 1, 1, 1, "1.0.0", "Get a range of elements from a list", CmdLRange},
      {"ltrim", 4, kWrite, 1, 1, 1, "1.0.0", "Trim a list to the specified range", CmdLTrim},
      {"lrem", 4, kWrite, 1, 1, 1, "1.0.0", "Remove elements from a list", CmdLRem},
      {"linsert", 5, kWrite | kDenyOom, 1, 1, 1, "2.2.0",
       "Insert an element before or after another element in a list", CmdLInsert},
      {"lpos", -3, kReadOnly, 1, 1, 1, "6.0.6", "Return the index of matching elements on a list",
       CmdLPos},
      {"lmove", 5, kWrite | kDenyOom, 1, 2, 1, "6.2.0",
       "Pop an element from a list, push it to another list and return it", CmdLMove},
      {"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, "1.2.0",
       "Remove the last element in a list, prepend it to another list and return it", CmdRPopLPush},
      {"lmpop", -4, kWrite | kMovableKeys, 0, 0, 0, "7.0.0", "Pop elements from a list", CmdLMPop},
      {"blpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, "2.0.0",
       "Remove and get the first element in a list, or block until one is available", CmdBLPop},
      {"brpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, "2.0.0",
       "Remove and get the last element in a list, or block until one is available", CmdBRPop},
      {"blmove", 6, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, "6.2.0",
       "Pop an element from a list, push it to another list and return it; or block until one "
       "is available",
       CmdBLMove},
      {"brpoplpush", 4, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, "2.2.0",
       "Pop an element from a list, push it to another list and return it; or block until one "
       "is available",
       CmdBRPopLPush},
      {"blmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, "7.0.0",
       "Pop elements from a list, or block until one is available", CmdBLMPop},
  };
  for (const Row& row : rows) {
    table->Register(CommandSpec{.name = row.name,
                                .arity = row.arity,
                                .flags = row.flags,
                                .first_key = row.first_key,
                                .last_key = row.last_key,
                                .key_step = row.key_step,
                                .field_arg = 0,
                                .group = "list",
                                .summary = row.summary,
                                .since = row.since,
                                .handler = row.handler,
                                .subcommands = {}});
  }
}

}  // namespace embedis::commands
