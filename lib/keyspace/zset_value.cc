#include "lib/keyspace/zset_value.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/keyspace/hash_value.h"
#include "lib/keyspace/small_allocator.h"

namespace embedis {
namespace {

using keyspace_internal::SmallAllocator;

// (score, member) order: Redis's zslValueLte / sdscmp (bytes as unsigned, then length).
bool Less(double a_score, std::string_view a, double b_score, std::string_view b) {
  if (a_score != b_score) return a_score < b_score;
  return a < b;
}

constexpr size_t kMinBuckets = 4;

size_t BucketsFor(size_t n) {
  size_t b = kMinBuckets;
  while (b < n) b *= 2;
  return b;
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

uint64_t RandomBits() {
  thread_local uint64_t state = [] {
    uint64_t seed = reinterpret_cast<uintptr_t>(&state) ^ 0x9E3779B97F4A7C15ull;
    return seed == 0 ? 1 : seed;
  }();
  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1Dull;
}

}  // namespace

// A skip-list node: the header fields, then `height` forward links, the `height` scores of the
// nodes they lead to, `height` spans, then the member's bytes, in one allocation.
//
// The forward scores (fscore()[i] == fwd()[i]->score whenever fwd()[i] is set) let a descent
// decide "go right or go down" without loading the next node: on a large set each node visited
// is a cache miss, and about a third of a descent's comparisons are the ones that fail and go
// down. Only equal scores need the next node's member. 8 more bytes per level (1.33 levels per
// node on average).
struct ZSetValue::Node {
  double score;
  Node* backward;
  Node* hnext;  // hash chain
  uint32_t len;
  uint8_t height;

  Node** fwd() { return reinterpret_cast<Node**>(this + 1); }
  Node* const* fwd() const { return reinterpret_cast<Node* const*>(this + 1); }
  double* fscore() { return reinterpret_cast<double*>(fwd() + height); }
  const double* fscore() const { return reinterpret_cast<const double*>(fwd() + height); }
  uint32_t* span() { return reinterpret_cast<uint32_t*>(fscore() + height); }
  const uint32_t* span() const { return reinterpret_cast<const uint32_t*>(fscore() + height); }
  std::string_view member() const { return {reinterpret_cast<const char*>(span() + height), len}; }
  static size_t BytesFor(int height, size_t len) {
    return sizeof(Node) +
           static_cast<size_t>(height) * (sizeof(Node*) + sizeof(double) + sizeof(uint32_t)) + len;
  }
  // Points level i at y (nullptr: the end), keeping the forward score.
  void SetFwd(int i, Node* y) {
    fwd()[i] = y;
    fscore()[i] = y != nullptr ? y->score : 0;
  }
  // Whether the node after this one at level i sorts before (score, member), or after it.
  // REQUIRES: fwd()[i].
  bool FwdLess(int i, double s, std::string_view m) const {
    const double f = fscore()[i];
    if (f != s) return f < s;
    return fwd()[i]->member() < m;
  }
  bool FwdGreater(int i, double s, std::string_view m) const {
    const double f = fscore()[i];
    if (f != s) return s < f;
    return m < fwd()[i]->member();
  }
};

struct ZSetValue::Skiplist {
  Node* header = nullptr;
  Node* tail = nullptr;
  int level = 1;
  size_t length = 0;
  size_t node_bytes = 0;
  std::vector<Node*> buckets;  // power of two >= kMinBuckets
};

ZSetValue::Node* ZSetValue::NewNode(int height, double score, std::string_view member) {
  void* raw = ::operator new(Node::BytesFor(height, member.size()));
  Node* n = new (raw) Node{score, nullptr, nullptr, static_cast<uint32_t>(member.size()),
                           static_cast<uint8_t>(height)};
  for (int i = 0; i < height; ++i) {
    n->SetFwd(i, nullptr);
    n->span()[i] = 0;
  }
  if (!member.empty()) {
    std::memcpy(const_cast<char*>(n->member().data()), member.data(), member.size());
  }
  return n;
}

void ZSetValue::FreeNode(Node* node) { ::operator delete(node); }

int ZSetValue::RandomLevel() {
  // p = 1/4 per level, as Redis's ZSKIPLIST_P.
  int level = 1;
  uint64_t bits = RandomBits();
  while ((bits & 3) == 0 && level < kMaxLevel) {
    ++level;
    bits >>= 2;
    if (bits == 0) bits = RandomBits();
  }
  return level;
}

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
  if (Skiplist* sl = this->sl(); sl != nullptr) {
    Node* x = sl->header;
    while (x != nullptr) {
      Node* next = x->fwd()[0];
      FreeNode(x);
      x = next;
    }
    delete sl;
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
  auto* sl = new Skiplist();
  sl->header = NewNode(kMaxLevel, 0, {});
  sl->buckets.assign(BucketsFor(other.sl()->length), nullptr);
  SetSkiplist(sl);
  // From the tail: each node lands at the front, so every descent is short. Heights are kept.
  for (const Node* x = other.sl()->tail; x != nullptr; x = x->backward) {
    Node* n = NewNode(x->height, x->score, x->member());
    SlLink(n);
    HashInsert(n);
  }
  sl->node_bytes = other.sl()->node_bytes;
}

size_t ZSetValue::size() const { return !is_listpack() ? sl()->length : lp_count_; }

size_t ZSetValue::FootprintBytes() const {
  size_t bytes = SmallAllocator::SmallBytes(sizeof(ZSetValue));
  if (is_listpack())
    return bytes + (lp_ == nullptr ? 0 : SmallAllocator::BlockBytes(lp_, lp_bytes_));
  return bytes + sizeof(Skiplist) + sl()->node_bytes + sl()->buckets.size() * sizeof(Node*);
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

// ---- skiplist ----

ZSetValue::Node* ZSetValue::FindNode(std::string_view member) const {
  const uint64_t h = HashValue::FieldHash(member);
  for (Node* n = sl()->buckets[h & (sl()->buckets.size() - 1)]; n != nullptr; n = n->hnext) {
    if (n->member() == member) return n;
  }
  return nullptr;
}

void ZSetValue::HashInsert(Node* node) {
  Node*& head = sl()->buckets[HashValue::FieldHash(node->member()) & (sl()->buckets.size() - 1)];
  node->hnext = head;
  head = node;
  if (sl()->length > sl()->buckets.size()) HashRehash(sl()->buckets.size() * 2);
}

void ZSetValue::HashErase(Node* node) {
  Node** link = &sl()->buckets[HashValue::FieldHash(node->member()) & (sl()->buckets.size() - 1)];
  while (*link != node) link = &(*link)->hnext;
  *link = node->hnext;
  if (sl()->buckets.size() > kMinBuckets && sl()->length < sl()->buckets.size() / 8) {
    HashRehash(BucketsFor(sl()->length));
  }
}

void ZSetValue::HashRehash(size_t buckets) {
  std::vector<Node*> fresh(buckets, nullptr);
  for (Node* head : sl()->buckets) {
    while (head != nullptr) {
      Node* next = head->hnext;
      Node*& slot = fresh[HashValue::FieldHash(head->member()) & (buckets - 1)];
      head->hnext = slot;
      slot = head;
      head = next;
    }
  }
  sl()->buckets.swap(fresh);
}

void ZSetValue::SlLink(Node* node) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    rank[i] = i == sl()->level - 1 ? 0 : rank[i + 1];
    while (x->fwd()[i] != nullptr && x->FwdLess(i, node->score, node->member())) {
      rank[i] += x->span()[i];
      x = x->fwd()[i];
    }
    update[i] = x;
  }
  const int height = node->height;
  if (height > sl()->level) {
    for (int i = sl()->level; i < height; ++i) {
      rank[i] = 0;
      update[i] = sl()->header;
      sl()->header->span()[i] = static_cast<uint32_t>(sl()->length);
    }
    sl()->level = height;
  }
  for (int i = 0; i < height; ++i) {
    node->SetFwd(i, update[i]->fwd()[i]);
    update[i]->SetFwd(i, node);
    node->span()[i] = static_cast<uint32_t>(update[i]->span()[i] - (rank[0] - rank[i]));
    update[i]->span()[i] = static_cast<uint32_t>(rank[0] - rank[i] + 1);
  }
  for (int i = height; i < sl()->level; ++i) ++update[i]->span()[i];
  node->backward = update[0] == sl()->header ? nullptr : update[0];
  if (node->fwd()[0] != nullptr) {
    node->fwd()[0]->backward = node;
  } else {
    sl()->tail = node;
  }
  ++sl()->length;
}

void ZSetValue::SlFindUpdate(double score, std::string_view member, Node** update) const {
  Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    while (x->fwd()[i] != nullptr && x->FwdLess(i, score, member)) x = x->fwd()[i];
    update[i] = x;
  }
}

void ZSetValue::SlUnlink(Node* node, Node** update) {
  for (int i = 0; i < sl()->level; ++i) {
    if (update[i]->fwd()[i] == node) {
      update[i]->span()[i] += node->span()[i] - 1;
      update[i]->SetFwd(i, node->fwd()[i]);
    } else {
      --update[i]->span()[i];
    }
  }
  if (node->fwd()[0] != nullptr) {
    node->fwd()[0]->backward = node->backward;
  } else {
    sl()->tail = node->backward;
  }
  while (sl()->level > 1 && sl()->header->fwd()[sl()->level - 1] == nullptr) --sl()->level;
  --sl()->length;
}

ZSetValue::Node* ZSetValue::SlAt(size_t rank) const {
  const size_t target = rank + 1;  // 1-based, as the spans count
  size_t traversed = 0;
  Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    while (x->fwd()[i] != nullptr && traversed + x->span()[i] <= target) {
      traversed += x->span()[i];
      x = x->fwd()[i];
    }
    if (traversed == target) return x;
  }
  return nullptr;
}

// ---- operations ----

std::optional<double> ZSetValue::Score(std::string_view member) const {
  if (!is_listpack()) {
    const Node* n = FindNode(member);
    if (n == nullptr) return std::nullopt;
    return n->score;
  }
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
  if (Node* n = FindNode(member); n != nullptr) {
    if (n->score == score) return false;
    Node* update[kMaxLevel];
    SlFindUpdate(n->score, n->member(), update);
    // Redis's zslUpdateScore: when the new score keeps the node between its neighbours, only the
    // score changes (ZINCRBY by a small step usually does), with no second descent.
    const Node* prev = n->backward;
    const Node* next = n->fwd()[0];
    if ((prev == nullptr || Less(prev->score, prev->member(), score, n->member())) &&
        (next == nullptr || Less(score, n->member(), next->score, next->member()))) {
      n->score = score;
      for (int i = 0; i < n->height; ++i) update[i]->fscore()[i] = score;
      ++mutations_;
      return false;
    }
    SlUnlink(n, update);
    n->score = score;
    SlLink(n);
    ++mutations_;
    return false;
  }
  const int height = RandomLevel();
  Node* n = NewNode(height, score, member);
  SlLink(n);
  HashInsert(n);
  sl()->node_bytes += Node::BytesFor(height, member.size());
  ++mutations_;
  return true;
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
  Node* n = FindNode(member);
  if (n == nullptr) return false;
  Node* update[kMaxLevel];
  SlFindUpdate(n->score, n->member(), update);
  SlUnlink(n, update);
  HashErase(n);
  sl()->node_bytes -= Node::BytesFor(n->height, n->len);
  FreeNode(n);
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
  auto* sl = new Skiplist();
  sl->header = NewNode(kMaxLevel, 0, {});
  sl->node_bytes = Node::BytesFor(kMaxLevel, 0);
  sl->buckets.assign(BucketsFor(lp_count_), nullptr);
  char* lp = lp_;
  const size_t lp_bytes = lp_bytes_;
  SetSkiplist(sl);
  for (size_t pos = 0; pos < lp_bytes;) {
    LpEntry e = LpDecodeAt(lp, pos);
    const int height = RandomLevel();
    Node* n = NewNode(height, e.score, e.member);
    SlLink(n);
    HashInsert(n);
    sl->node_bytes += Node::BytesFor(height, e.member.size());
    pos = e.end;
  }
  SmallAllocator::Free(lp, lp_bytes);
}

void ZSetValue::ConvertToListpackIfFits() {
  if (is_listpack() || sl()->length > max_entries_) return;
  for (const Node* x = sl()->header->fwd()[0]; x != nullptr; x = x->fwd()[0]) {
    if (x->len > max_value_) return;
  }
  ZSetValue lp(limits());
  for (const Node* x = sl()->tail; x != nullptr; x = x->backward) {
    lp.LpInsert(x->member(), x->score);  // descending: each insert lands at the front
  }
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
  const Node* n = FindNode(member);
  if (n == nullptr) return std::nullopt;
  size_t rank = 0;
  const Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    while (x->fwd()[i] != nullptr && !x->FwdGreater(i, n->score, n->member())) {
      rank += x->span()[i];
      x = x->fwd()[i];
    }
    if (x == n) return rank - 1;
  }
  return std::nullopt;  // unreachable: n is in the list
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
  size_t rank = 0;
  const Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    while (x->fwd()[i] != nullptr && below(x->fscore()[i])) {
      rank += x->span()[i];
      x = x->fwd()[i];
    }
  }
  return rank;
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
  size_t rank = 0;
  const Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    while (x->fwd()[i] != nullptr && below(x->fwd()[i]->member())) {
      rank += x->span()[i];
      x = x->fwd()[i];
    }
  }
  return rank;
}

std::pair<std::string_view, double> ZSetValue::At(size_t rank) const {
  if (!is_listpack()) {
    const Node* n = SlAt(rank);
    return {n->member(), n->score};
  }
  size_t pos = 0;
  for (size_t i = 0; i < rank; ++i) pos = LpDecode(pos).end;
  LpEntry e = LpDecode(pos);
  return {e.member, e.score};
}

void ZSetValue::ForRange(size_t start, size_t stop, bool reverse, EntryFn fn) const {
  if (start >= stop) return;
  if (!is_listpack()) {
    if (!reverse) {
      const Node* x = SlAt(start);
      for (size_t i = start; i < stop; ++i, x = x->fwd()[0]) fn(x->member(), x->score);
    } else {
      const Node* x = SlAt(stop - 1);
      for (size_t i = start; i < stop; ++i, x = x->backward) fn(x->member(), x->score);
    }
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
  // Redis's zslDeleteRangeByRank: one descent to the first victim, then the same update vector
  // serves every removal.
  Node* update[kMaxLevel];
  size_t traversed = 0;
  Node* x = sl()->header;
  for (int i = sl()->level - 1; i >= 0; --i) {
    while (x->fwd()[i] != nullptr && traversed + x->span()[i] <= start) {
      traversed += x->span()[i];
      x = x->fwd()[i];
    }
    update[i] = x;
  }
  for (int i = sl()->level; i < kMaxLevel; ++i) update[i] = sl()->header;
  x = x->fwd()[0];
  for (size_t i = start; i < stop && x != nullptr; ++i) {
    Node* next = x->fwd()[0];
    SlUnlink(x, update);
    HashErase(x);
    sl()->node_bytes -= Node::BytesFor(x->height, x->len);
    FreeNode(x);
    x = next;
  }
  ++mutations_;
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, EntryFn fn) const {
  if (is_listpack()) {
    ForEach(fn);
    return 0;
  }
  const uint64_t mask = sl()->buckets.size() - 1;
  size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  size_t collected = 0;
  uint64_t v = cursor;
  do {
    for (const Node* n = sl()->buckets[v & mask]; n != nullptr; n = n->hnext) {
      fn(n->member(), n->score);
      ++collected;
    }
    v = HashValue::NextScanCursor(v, mask);
  } while (v != 0 && collected < count && --budget > 0);
  return v;
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
  // Level 0 order, backward links, and every level's spans against level-0 positions.
  std::vector<const Node*> order;
  const Node* prev = nullptr;
  for (const Node* x = sl()->header->fwd()[0]; x != nullptr; x = x->fwd()[0]) {
    if (x->backward != prev) return absl::StrCat("backward link at ", order.size());
    if (prev != nullptr && !Less(prev->score, prev->member(), x->score, x->member())) {
      return absl::StrCat("skiplist order at ", order.size());
    }
    if (FindNode(x->member()) != x) return "a node missing from the hash table";
    order.push_back(x);
    prev = x;
  }
  if (sl()->tail != prev) return "tail";
  if (order.size() != sl()->length) return "length";
  size_t hashed = 0;
  for (const Node* head : sl()->buckets) {
    for (const Node* n = head; n != nullptr; n = n->hnext) ++hashed;
  }
  if (hashed != sl()->length) return "hash table count";
  std::vector<size_t> pos_of;  // position by walking
  for (int i = 0; i < sl()->level; ++i) {
    size_t pos = 0;  // header at 0, nodes at 1..n
    const Node* x = sl()->header;
    while (x->fwd()[i] != nullptr) {
      const Node* y = x->fwd()[i];
      size_t ypos = pos;
      while (ypos < order.size() && order[ypos] != y) ++ypos;
      if (ypos == order.size()) return absl::StrCat("level ", i, " links out of order");
      if (x->span()[i] != ypos + 1 - pos) return absl::StrCat("span at level ", i);
      if (x->fscore()[i] != y->score && !(std::isnan(x->fscore()[i]) && std::isnan(y->score))) {
        return absl::StrCat("forward score at level ", i);
      }
      pos = ypos + 1;
      x = y;
    }
  }
  return "";
}

}  // namespace embedis
