#include "lib/keyspace/zset_value.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/keyspace/small_allocator.h"
#include "lib/keyspace/zset_btree.h"

namespace embedis {
namespace {

using keyspace_internal::SmallAllocator;

// (score, member) order: Redis's zslValueLte / sdscmp (bytes as unsigned, then length).
bool Less(double a_score, std::string_view a, double b_score, std::string_view b) {
  if (a_score != b_score) return a_score < b_score;
  return a < b;
}

// Listpack entry coding.
size_t PutVarint(char* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<char>(v);
  return n;
}
size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
uint64_t GetVarint(const char* p, size_t* off) {
  uint64_t v = 0;
  int shift = 0;
  for (;;) {
    const auto b = static_cast<unsigned char>(p[(*off)++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return v;
    shift += 7;
  }
}
// Whether `score` is stored as a zigzag varint: Redis's double2ll (an integer within
// +-LLONG_MAX/2), which is how Redis's listpack keeps such a score, as an integer (so -0 reads
// back as 0, as on redis-server 7.0).
bool IntScore(double score, int64_t* v) {
  constexpr double kHalf = static_cast<double>(INT64_MAX / 2);
  if (!(score >= -kHalf && score <= kHalf)) return false;
  const auto ll = static_cast<int64_t>(score);
  if (static_cast<double>(ll) != score) return false;
  *v = ll;
  return true;
}
uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

}  // namespace

static_assert(sizeof(ZSetValue) == 24, "a small sorted set's object stays 24 bytes");

void ZSetValue::SetLimits(Limits limits) {
  max_entries_ = static_cast<uint16_t>(std::min<size_t>(limits.max_listpack_entries, 65535));
  max_value_ = static_cast<uint16_t>(std::min<size_t>(limits.max_listpack_value, 65535));
}

ZSetValue::ZSetValue(const ZSetValue& other)
    : max_entries_(other.max_entries_), max_value_(other.max_value_) {
  CopyFrom(other);
}

ZSetValue& ZSetValue::operator=(const ZSetValue& other) {
  if (this != &other) {
    FreeAll();
    max_entries_ = other.max_entries_;
    max_value_ = other.max_value_;
    CopyFrom(other);
    ++mutations_;
  }
  return *this;
}

ZSetValue::ZSetValue(ZSetValue&& other) noexcept
    : lp_(other.lp_),
      mutations_(other.mutations_),
      lp_count_(other.lp_count_),
      lp_bytes_(other.lp_bytes_),
      max_entries_(other.max_entries_),
      max_value_(other.max_value_) {
  other.lp_ = nullptr;
  other.lp_bytes_ = 0;
  other.lp_count_ = 0;
}

ZSetValue& ZSetValue::operator=(ZSetValue&& other) noexcept {
  if (this != &other) {
    FreeAll();
    lp_ = other.lp_;
    lp_count_ = other.lp_count_;
    lp_bytes_ = other.lp_bytes_;
    max_entries_ = other.max_entries_;
    max_value_ = other.max_value_;
    other.lp_ = nullptr;
    other.lp_bytes_ = 0;
    other.lp_count_ = 0;
    ++mutations_;
  }
  return *this;
}

ZSetValue::~ZSetValue() { FreeAll(); }

void ZSetValue::FreeAll() {
  if (ZSetBTree* tree = this->tree(); tree != nullptr) {
    delete tree;
  } else {
    SmallAllocator::Free(lp_, lp_bytes_);
  }
  lp_ = nullptr;
  lp_bytes_ = 0;
  lp_count_ = 0;
}

void ZSetValue::CopyFrom(const ZSetValue& other) {
  if (other.is_listpack()) {
    lp_ = nullptr;
    if (other.lp_bytes_ > 0) {
      lp_ = static_cast<char*>(SmallAllocator::Allocate(other.lp_bytes_));
      std::memcpy(lp_, other.lp_, other.lp_bytes_);
    }
    lp_bytes_ = other.lp_bytes_;
    lp_count_ = other.lp_count_;
    return;
  }
  SetTree(new ZSetBTree(*other.tree()));
}

size_t ZSetValue::size() const { return !is_listpack() ? tree()->size() : lp_count_; }

size_t ZSetValue::FootprintBytes() const {
  size_t bytes = SmallAllocator::SmallBytes(sizeof(ZSetValue));
  if (is_listpack())
    return bytes + (lp_ == nullptr ? 0 : SmallAllocator::BlockBytes(lp_, lp_bytes_));
  return bytes + tree()->FootprintBytes();
}

// ---- listpack ----

ZSetValue::LpEntry ZSetValue::LpDecodeAt(const char* lp, size_t offset) {
  LpEntry e;
  e.begin = offset;
  size_t off = offset;
  const uint64_t head = GetVarint(lp, &off);
  const size_t len = head >> 1;
  e.member = std::string_view(lp + off, len);
  off += len;
  if ((head & 1) != 0) {
    e.score = static_cast<double>(UnZigZag(GetVarint(lp, &off)));
  } else {
    std::memcpy(&e.score, lp + off, sizeof(double));
    off += sizeof(double);
  }
  e.end = off;
  return e;
}

void ZSetValue::LpErase(size_t begin, size_t end) {
  std::memmove(lp_ + begin, lp_ + end, lp_bytes_ - end);
  const size_t old_bytes = lp_bytes_;
  lp_bytes_ -= end - begin;
  --lp_count_;
  lp_ = static_cast<char*>(SmallAllocator::Reallocate(lp_, old_bytes, lp_bytes_));  // 0: freed
}

void ZSetValue::LpInsert(std::string_view member, double score) {
  int64_t iv = 0;
  const bool is_int = IntScore(score, &iv);
  const uint64_t head = (static_cast<uint64_t>(member.size()) << 1) | (is_int ? 1 : 0);
  const size_t need =
      VarintLen(head) + member.size() + (is_int ? VarintLen(ZigZag(iv)) : sizeof(double));
  size_t pos = 0;
  while (pos < lp_bytes_) {
    LpEntry e = LpDecode(pos);
    if (Less(score, member, e.score, e.member)) break;
    pos = e.end;
  }
  lp_ = static_cast<char*>(SmallAllocator::Reallocate(lp_, lp_bytes_, lp_bytes_ + need));
  std::memmove(lp_ + pos + need, lp_ + pos, lp_bytes_ - pos);
  size_t w = pos + PutVarint(lp_ + pos, head);
  if (!member.empty()) std::memcpy(lp_ + w, member.data(), member.size());
  w += member.size();
  if (is_int) {
    PutVarint(lp_ + w, ZigZag(iv));
  } else {
    std::memcpy(lp_ + w, &score, sizeof(double));
  }
  lp_bytes_ += need;
  ++lp_count_;
}

// ---- operations ----

std::optional<double> ZSetValue::Score(std::string_view member) const {
  if (!is_listpack()) return tree()->Score(member);
  for (size_t pos = 0; pos < lp_bytes_;) {
    LpEntry e = LpDecode(pos);
    if (e.member == member) return e.score;
    pos = e.end;
  }
  return std::nullopt;
}

bool ZSetValue::Insert(std::string_view member, double score) {
  if (is_listpack()) {
    for (size_t pos = 0; pos < lp_bytes_;) {
      LpEntry e = LpDecode(pos);
      if (e.member == member) {
        // Redis's zsetAdd: a changed score is a delete and a re-insert; the same score is no write.
        if (e.score == score) return false;
        LpErase(e.begin, e.end);
        LpInsert(member, score);
        ++mutations_;
        return false;
      }
      pos = e.end;
    }
    if (lp_count_ + 1 > max_entries_ || member.size() > max_value_) {
      ConvertToSkiplist();
    } else {
      LpInsert(member, score);
      ++mutations_;
      return true;
    }
  }
  switch (tree()->Insert(member, score)) {
    case ZSetBTree::InsertResult::kAdded:
      ++mutations_;
      return true;
    case ZSetBTree::InsertResult::kUpdated:
      ++mutations_;
      return false;
    case ZSetBTree::InsertResult::kUnchanged:
      return false;
  }
  return false;  // unreachable
}

bool ZSetValue::Remove(std::string_view member) {
  if (is_listpack()) {
    for (size_t pos = 0; pos < lp_bytes_;) {
      LpEntry e = LpDecode(pos);
      if (e.member == member) {
        LpErase(e.begin, e.end);
        ++mutations_;
        return true;
      }
      pos = e.end;
    }
    return false;
  }
  if (!tree()->Remove(member)) return false;
  ++mutations_;
  return true;
}

void ZSetValue::Clear() {
  if (empty()) return;
  const bool listpack = is_listpack();
  FreeAll();
  if (!listpack) ConvertToSkiplist();  // Redis keeps the encoding; so do we
  ++mutations_;
}

void ZSetValue::ConvertToSkiplist() {
  if (!is_listpack()) return;
  auto* tree = new ZSetBTree();
  char* lp = lp_;
  const size_t lp_bytes = lp_bytes_;
  SetTree(tree);
  for (size_t pos = 0; pos < lp_bytes;) {
    LpEntry e = LpDecodeAt(lp, pos);
    tree->Insert(e.member, e.score);  // in order: each lands at the end
    pos = e.end;
  }
  SmallAllocator::Free(lp, lp_bytes);
}

void ZSetValue::ConvertToListpackIfFits() {
  if (is_listpack() || tree()->size() > max_entries_) return;
  if (!tree()->AllMembersAtMost(max_value_)) return;
  ZSetValue lp(limits());
  // Descending: each insert lands at the front.
  tree()->ForRange(0, tree()->size(), true,
                   [&](std::string_view m, double s) { lp.LpInsert(m, s); });
  FreeAll();
  lp_ = lp.lp_;
  lp_bytes_ = lp.lp_bytes_;
  lp_count_ = lp.lp_count_;
  lp.lp_ = nullptr;
  lp.lp_bytes_ = 0;
  lp.lp_count_ = 0;
  ++mutations_;
}

std::optional<size_t> ZSetValue::Rank(std::string_view member) const {
  if (is_listpack()) {
    size_t rank = 0;
    for (size_t pos = 0; pos < lp_bytes_; ++rank) {
      LpEntry e = LpDecode(pos);
      if (e.member == member) return rank;
      pos = e.end;
    }
    return std::nullopt;
  }
  return tree()->Rank(member);
}

size_t ZSetValue::ScoreRank(double score, bool past_equal) const {
  auto below = [&](double s) { return s < score || (past_equal && s == score); };
  if (is_listpack()) {
    size_t rank = 0;
    for (size_t pos = 0; pos < lp_bytes_; ++rank) {
      LpEntry e = LpDecode(pos);
      if (!below(e.score)) break;
      pos = e.end;
    }
    return rank;
  }
  return tree()->ScoreRank(score, past_equal);
}

size_t ZSetValue::LexRank(std::string_view member, bool past_equal) const {
  auto below = [&](std::string_view m) { return m < member || (past_equal && m == member); };
  if (is_listpack()) {
    size_t rank = 0;
    for (size_t pos = 0; pos < lp_bytes_; ++rank) {
      LpEntry e = LpDecode(pos);
      if (!below(e.member)) break;
      pos = e.end;
    }
    return rank;
  }
  return tree()->LexRank(member, past_equal);
}

std::pair<std::string_view, double> ZSetValue::At(size_t rank) const {
  if (!is_listpack()) return tree()->At(rank);
  size_t pos = 0;
  for (size_t i = 0; i < rank; ++i) pos = LpDecode(pos).end;
  LpEntry e = LpDecode(pos);
  return {e.member, e.score};
}

void ZSetValue::ForRange(size_t start, size_t stop, bool reverse, EntryFn fn) const {
  if (start >= stop) return;
  if (!is_listpack()) {
    tree()->ForRange(start, stop, reverse, fn);
    return;
  }
  if (!reverse) {
    size_t pos = 0;
    for (size_t i = 0; i < stop; ++i) {
      LpEntry e = LpDecode(pos);
      if (i >= start) fn(e.member, e.score);
      pos = e.end;
    }
    return;
  }
  // A listpack is read forwards; collect the range's offsets, then call back in reverse.
  std::vector<size_t> offsets;
  offsets.reserve(stop - start);
  size_t pos = 0;
  for (size_t i = 0; i < stop; ++i) {
    if (i >= start) offsets.push_back(pos);
    pos = LpDecode(pos).end;
  }
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    LpEntry e = LpDecode(*it);
    fn(e.member, e.score);
  }
}

void ZSetValue::RemoveRange(size_t start, size_t stop) {
  if (start >= stop) return;
  if (is_listpack()) {
    size_t pos = 0;
    for (size_t i = 0; i < start; ++i) pos = LpDecode(pos).end;
    size_t end = pos;
    for (size_t i = start; i < stop; ++i) end = LpDecode(end).end;
    std::memmove(lp_ + pos, lp_ + end, lp_bytes_ - end);
    const size_t old_bytes = lp_bytes_;
    lp_bytes_ -= end - pos;
    lp_count_ -= static_cast<uint32_t>(stop - start);
    lp_ = static_cast<char*>(SmallAllocator::Reallocate(lp_, old_bytes, lp_bytes_));  // 0: freed
    ++mutations_;
    return;
  }
  tree()->RemoveRange(start, stop);
  ++mutations_;
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, EntryFn fn) const {
  if (is_listpack()) {
    ForEach(fn);
    return 0;
  }
  return tree()->Scan(cursor, count, fn);
}

std::string ZSetValue::CheckInvariants() const {
  if (is_listpack()) {
    size_t n = 0;
    bool first = true;
    double ps = 0;
    std::string pm;
    for (size_t pos = 0; pos < lp_bytes_; ++n) {
      LpEntry e = LpDecode(pos);
      if (e.end > lp_bytes_) return "listpack entry runs past the buffer";
      if (std::isnan(e.score)) return "NaN score";
      if (!first && !Less(ps, pm, e.score, e.member)) return absl::StrCat("listpack order at ", n);
      if (e.member.size() > max_value_) return "listpack member over its limit";
      first = false;
      ps = e.score;
      pm = std::string(e.member);
      pos = e.end;
    }
    if (n != lp_count_) return "listpack count";
    if (n > max_entries_) return "listpack over its limit";
    return "";
  }
  return tree()->CheckInvariants();
}

}  // namespace embedis
