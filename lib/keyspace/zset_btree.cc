#include "lib/keyspace/zset_btree.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <new>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "lib/keyspace/hash_value.h"

namespace embedis {
namespace {

// Fanout, chosen by measurement on 1M members (benchmarks/RESULTS.md): a leaf of 30 pairs is
// 504 bytes, an inner node of 16 children 456 bytes.
constexpr uint32_t kLeafCap = 30;
constexpr uint32_t kInnerCap = 16;
// Below a quarter full a node borrows from or merges with a sibling (the root excepted). At least
// 2, so that removing a leaf's first member leaves a successor to replace its key.
constexpr uint32_t kLeafMin = std::max<uint32_t>(2, kLeafCap / 4);
constexpr uint32_t kInnerMin = std::max<uint32_t>(2, kInnerCap / 4);

constexpr size_t kMinBuckets = 4;

size_t BucketsFor(size_t n) {
  size_t b = kMinBuckets;
  while (b < n) b *= 2;
  return b;
}

}  // namespace

// A member: its score (for Score without a descent), the hash chain, then its bytes inline.
struct ZSetBTree::Record {
  double score;
  Record* hnext;
  uint32_t len;

  const char* data() const { return reinterpret_cast<const char*>(&len + 1); }
  char* data() { return reinterpret_cast<char*>(&len + 1); }
  std::string_view member() const { return {data(), len}; }
};

struct ZSetBTree::Leaf {
  Leaf* prev;
  Leaf* next;
  uint32_t count;
  double score[kLeafCap];
  Record* rec[kLeafCap];
};

struct ZSetBTree::Inner {
  uint32_t count;
  uint32_t sizes[kInnerCap];    // members under each child
  double key_score[kInnerCap];  // each child's smallest key
  Record* key_rec[kInnerCap];
  void* child[kInnerCap];
};

namespace {

// (score, member) order: Redis's zslValueLte / sdscmp (bytes as unsigned, then length). -0 and +0
// are equal scores, so their members' bytes order them.
template <typename R>
bool KeyLess(double as, const R* a, double bs, std::string_view b) {
  if (as != bs) return as < bs;
  return a->member() < b;
}

}  // namespace

size_t ZSetBTree::RecordBytes(size_t len) { return offsetof(Record, len) + sizeof(uint32_t) + len; }

ZSetBTree::Record* ZSetBTree::NewRecord(double score, std::string_view member) {
  void* raw = ::operator new(RecordBytes(member.size()));
  auto* r = new (raw) Record{score, nullptr, static_cast<uint32_t>(member.size())};
  if (!member.empty()) std::memcpy(r->data(), member.data(), member.size());
  return r;
}

ZSetBTree::Leaf* ZSetBTree::NewLeaf() {
  auto* leaf = static_cast<Leaf*>(::operator new(sizeof(Leaf)));
  leaf->prev = leaf->next = nullptr;
  leaf->count = 0;
  ++leaves_;
  return leaf;
}

ZSetBTree::Inner* ZSetBTree::NewInner() {
  auto* inner = static_cast<Inner*>(::operator new(sizeof(Inner)));
  inner->count = 0;
  ++inners_;
  return inner;
}

void ZSetBTree::FreeLeaf(Leaf* leaf) {
  ::operator delete(leaf);
  --leaves_;
}

void ZSetBTree::FreeInner(Inner* inner) {
  ::operator delete(inner);
  --inners_;
}

ZSetBTree::ZSetBTree() : root_(NewLeaf()), buckets_(kMinBuckets, nullptr) {}

ZSetBTree::ZSetBTree(const ZSetBTree& other) : root_(NewLeaf()) {
  buckets_.assign(BucketsFor(other.size_), nullptr);
  // In order: each insert lands at the end, where a split leaves the left node 3/4 full.
  other.ForRange(0, other.size_, false, [&](std::string_view m, double s) {
    Record* r = NewRecord(s, m);
    record_bytes_ += RecordBytes(m.size());
    Link(r);
    HashInsert(r);
  });
}

ZSetBTree::~ZSetBTree() {
  for (Record* head : buckets_) {
    while (head != nullptr) {
      Record* next = head->hnext;
      ::operator delete(head);
      head = next;
    }
  }
  FreeTree(root_, height_);
}

void ZSetBTree::FreeTree(void* node, int level) {
  if (level == 0) {
    FreeLeaf(static_cast<Leaf*>(node));
    return;
  }
  auto* inner = static_cast<Inner*>(node);
  for (uint32_t i = 0; i < inner->count; ++i) FreeTree(inner->child[i], level - 1);
  FreeInner(inner);
}

void ZSetBTree::Clear() {
  for (Record*& head : buckets_) {
    while (head != nullptr) {
      Record* next = head->hnext;
      ::operator delete(head);
      head = next;
    }
  }
  buckets_.assign(kMinBuckets, nullptr);
  buckets_.shrink_to_fit();
  FreeTree(root_, height_);
  root_ = NewLeaf();
  height_ = 0;
  size_ = 0;
  record_bytes_ = 0;
}

size_t ZSetBTree::FootprintBytes() const {
  return sizeof(ZSetBTree) + record_bytes_ + leaves_ * sizeof(Leaf) + inners_ * sizeof(Inner) +
         buckets_.size() * sizeof(Record*);
}

// ---- hash table ----

ZSetBTree::Record* ZSetBTree::Find(std::string_view member) const {
  const uint64_t h = HashValue::FieldHash(member);
  for (Record* r = buckets_[h & (buckets_.size() - 1)]; r != nullptr; r = r->hnext) {
    if (r->member() == member) return r;
  }
  return nullptr;
}

void ZSetBTree::HashInsert(Record* r) {
  Record*& head = buckets_[HashValue::FieldHash(r->member()) & (buckets_.size() - 1)];
  r->hnext = head;
  head = r;
  if (size_ > buckets_.size()) HashRehash(buckets_.size() * 2);
}

void ZSetBTree::HashErase(Record* r) {
  Record** link = &buckets_[HashValue::FieldHash(r->member()) & (buckets_.size() - 1)];
  while (*link != r) link = &(*link)->hnext;
  *link = r->hnext;
  if (buckets_.size() > kMinBuckets && size_ < buckets_.size() / 8) HashRehash(BucketsFor(size_));
}

void ZSetBTree::HashRehash(size_t buckets) {
  std::vector<Record*> fresh(buckets, nullptr);
  for (Record* head : buckets_) {
    while (head != nullptr) {
      Record* next = head->hnext;
      Record*& slot = fresh[HashValue::FieldHash(head->member()) & (buckets - 1)];
      head->hnext = slot;
      slot = head;
      head = next;
    }
  }
  buckets_.swap(fresh);
}

// ---- descents ----

// `goes_right(score, record)` is true for a prefix of the order (the keys before the target, or
// at most the target): the descent enters the last child whose smallest key satisfies it (or the
// first child), adding the members of the children it passes to *before. At the leaf, *before
// gets the number of the leaf's entries that satisfy it too, which is also *pos.
template <typename Right>
ZSetBTree::Leaf* ZSetBTree::Descend(Right goes_right, Step* path, size_t* pos,
                                    size_t* before) const {
  void* node = root_;
  size_t passed = 0;
  for (int d = 0; d < height_; ++d) {
    auto* inner = static_cast<Inner*>(node);
    uint32_t lo = 1, hi = inner->count;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (goes_right(inner->key_score[mid], inner->key_rec[mid])) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    const uint32_t idx = lo - 1;
    for (uint32_t i = 0; i < idx; ++i) passed += inner->sizes[i];
    path[d] = {inner, idx};
    node = inner->child[idx];
  }
  auto* leaf = static_cast<Leaf*>(node);
  uint32_t lo = 0, hi = leaf->count;
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    if (goes_right(leaf->score[mid], leaf->rec[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  *before = passed + lo;
  return leaf;
}

// The leaf and position of `r`, which is in the tree; *before: its rank.
ZSetBTree::Leaf* ZSetBTree::DescendTo(const Record* r, Step* path, size_t* pos,
                                      size_t* before) const {
  const double s = r->score;
  const std::string_view m = r->member();
  Leaf* leaf = Descend(
      [&](double ks, const Record* kr) {
        if (ks != s) return ks < s;
        return kr == r || kr->member() < m;
      },
      path, pos, before);
  // The target is the last entry at most itself.
  --*pos;
  --*before;
  return leaf;
}

ZSetBTree::Leaf* ZSetBTree::DescendRank(size_t rank, Step* path, size_t* pos) const {
  void* node = root_;
  for (int d = 0; d < height_; ++d) {
    auto* inner = static_cast<Inner*>(node);
    uint32_t i = 0;
    while (i + 1 < inner->count && rank >= inner->sizes[i]) rank -= inner->sizes[i++];
    path[d] = {inner, i};
    node = inner->child[i];
  }
  *pos = rank;
  return static_cast<Leaf*>(node);
}

// ---- edits ----

// Sets the key of the subtree whose smallest member just became (score, r): the leaf's parent's
// key for it, and upwards while the subtree is its parent's first child.
void ZSetBTree::FixMin(Step* path, int depth, double score, Record* r) {
  for (int d = depth; d >= 0; --d) {
    path[d].node->key_score[path[d].idx] = score;
    path[d].node->key_rec[path[d].idx] = r;
    if (path[d].idx != 0) break;
  }
}

void ZSetBTree::Link(Record* r) {
  Step path[kMaxHeight];
  const double s = r->score;
  const std::string_view m = r->member();
  size_t pos = 0, below = 0;
  Leaf* leaf = Descend([&](double ks, const Record* kr) { return KeyLess(ks, kr, s, m); }, path,
                       &pos, &below);
  AddAt(path, leaf, pos, r);
}

void ZSetBTree::AddAt(Step* path, Leaf* leaf, size_t pos, Record* r) {
  for (int d = 0; d < height_; ++d) ++path[d].node->sizes[path[d].idx];
  ++size_;
  LeafInsert(path, leaf, pos, r->score, r);
}

void ZSetBTree::LeafInsert(Step* path, Leaf* leaf, size_t pos, double score, Record* r) {
  auto put = [](Leaf* l, size_t p, double s, Record* rec) {
    std::memmove(l->score + p + 1, l->score + p, (l->count - p) * sizeof(double));
    std::memmove(l->rec + p + 1, l->rec + p, (l->count - p) * sizeof(Record*));
    l->score[p] = s;
    l->rec[p] = rec;
    ++l->count;
  };
  if (leaf->count < kLeafCap) {
    put(leaf, pos, score, r);
    if (pos == 0 && height_ > 0) FixMin(path, height_ - 1, score, r);
    return;
  }
  // Split. Appending past the last leaf leaves it 3/4 full (in-order loads), else halves.
  const uint32_t sp =
      (pos == kLeafCap && leaf->next == nullptr) ? kLeafCap + 1 - kLeafMin : kLeafCap / 2;
  Leaf* right = NewLeaf();
  right->count = kLeafCap - sp;
  std::memcpy(right->score, leaf->score + sp, right->count * sizeof(double));
  std::memcpy(right->rec, leaf->rec + sp, right->count * sizeof(Record*));
  leaf->count = sp;
  right->prev = leaf;
  right->next = leaf->next;
  if (leaf->next != nullptr) leaf->next->prev = right;
  leaf->next = right;
  if (pos < sp) {
    put(leaf, pos, score, r);
    if (pos == 0 && height_ > 0) FixMin(path, height_ - 1, score, r);
  } else {
    put(right, pos - sp, score, r);
  }
  InsertChild(path, height_ - 1, leaf, right);
}

// `right` was split off `left`, which is path[depth]'s child path[depth].idx (or the root when
// depth < 0); the sizes on the path already count the member being added.
void ZSetBTree::InsertChild(Step* path, int depth, void* left, void* right) {
  const bool leaves = depth == height_ - 1;
  auto size_of = [&](void* node) -> uint32_t {
    if (leaves) return static_cast<Leaf*>(node)->count;
    auto* inner = static_cast<Inner*>(node);
    uint32_t n = 0;
    for (uint32_t i = 0; i < inner->count; ++i) n += inner->sizes[i];
    return n;
  };
  auto min_of = [&](void* node) -> std::pair<double, Record*> {
    if (leaves) return {static_cast<Leaf*>(node)->score[0], static_cast<Leaf*>(node)->rec[0]};
    return {static_cast<Inner*>(node)->key_score[0], static_cast<Inner*>(node)->key_rec[0]};
  };
  if (depth < 0) {
    Inner* root = NewInner();
    root->count = 2;
    root->child[0] = left;
    root->child[1] = right;
    root->sizes[0] = size_of(left);
    root->sizes[1] = size_of(right);
    std::tie(root->key_score[0], root->key_rec[0]) = min_of(left);
    std::tie(root->key_score[1], root->key_rec[1]) = min_of(right);
    root_ = root;
    ++height_;
    return;
  }
  Inner* p = path[depth].node;
  const uint32_t j = path[depth].idx + 1;
  auto put = [&](Inner* n, uint32_t at) {
    const uint32_t tail = n->count - at;
    std::memmove(n->sizes + at + 1, n->sizes + at, tail * sizeof(uint32_t));
    std::memmove(n->key_score + at + 1, n->key_score + at, tail * sizeof(double));
    std::memmove(n->key_rec + at + 1, n->key_rec + at, tail * sizeof(Record*));
    std::memmove(n->child + at + 1, n->child + at, tail * sizeof(void*));
    n->child[at] = right;
    n->sizes[at] = size_of(right);
    std::tie(n->key_score[at], n->key_rec[at]) = min_of(right);
    ++n->count;
  };
  p->sizes[j - 1] = size_of(left);
  if (p->count < kInnerCap) {
    put(p, j);
    return;
  }
  bool rightmost = true;
  for (int d = 0; d < depth && rightmost; ++d) {
    rightmost = path[d].idx + 1 == path[d].node->count;
  }
  const uint32_t sp = (j == kInnerCap && rightmost) ? kInnerCap + 1 - kInnerMin : kInnerCap / 2;
  Inner* q = NewInner();
  q->count = kInnerCap - sp;
  std::memcpy(q->sizes, p->sizes + sp, q->count * sizeof(uint32_t));
  std::memcpy(q->key_score, p->key_score + sp, q->count * sizeof(double));
  std::memcpy(q->key_rec, p->key_rec + sp, q->count * sizeof(Record*));
  std::memcpy(q->child, p->child + sp, q->count * sizeof(void*));
  p->count = sp;
  if (j < sp) {
    put(p, j);
  } else {
    put(q, j - sp);
  }
  InsertChild(path, depth - 1, p, q);
}

void ZSetBTree::EraseAt(Step* path, Leaf* leaf, size_t pos, uint32_t n) {
  for (int d = 0; d < height_; ++d) path[d].node->sizes[path[d].idx] -= n;
  size_ -= n;
  // A non-root leaf keeps an entry (n == 1 from at least kLeafMin >= 2, or n leaves kLeafMin):
  // the next one becomes its key.
  if (pos == 0 && height_ > 0) FixMin(path, height_ - 1, leaf->score[n], leaf->rec[n]);
  const size_t tail = leaf->count - pos - n;
  std::memmove(leaf->score + pos, leaf->score + pos + n, tail * sizeof(double));
  std::memmove(leaf->rec + pos, leaf->rec + pos + n, tail * sizeof(Record*));
  leaf->count -= n;
  if (height_ > 0 && leaf->count < kLeafMin) RebalanceLeaf(path, leaf);
}

void ZSetBTree::RebalanceLeaf(Step* path, Leaf* leaf) {
  Inner* p = path[height_ - 1].node;
  const uint32_t i = path[height_ - 1].idx;
  const uint32_t li = i > 0 ? i - 1 : 0;  // the pair (li, li + 1)
  auto* l = static_cast<Leaf*>(p->child[li]);
  auto* r = static_cast<Leaf*>(p->child[li + 1]);
  (void)leaf;
  if (l->count + r->count <= kLeafCap) {
    std::memcpy(l->score + l->count, r->score, r->count * sizeof(double));
    std::memcpy(l->rec + l->count, r->rec, r->count * sizeof(Record*));
    l->count += r->count;
    l->next = r->next;
    if (r->next != nullptr) r->next->prev = l;
    p->sizes[li] += p->sizes[li + 1];
    const uint32_t tail = p->count - li - 2;
    std::memmove(p->sizes + li + 1, p->sizes + li + 2, tail * sizeof(uint32_t));
    std::memmove(p->key_score + li + 1, p->key_score + li + 2, tail * sizeof(double));
    std::memmove(p->key_rec + li + 1, p->key_rec + li + 2, tail * sizeof(Record*));
    std::memmove(p->child + li + 1, p->child + li + 2, tail * sizeof(void*));
    --p->count;
    FreeLeaf(r);
    if (height_ == 1) {
      if (p->count == 1) CollapseRoot();
    } else if (p->count < kInnerMin) {
      RebalanceInner(path, height_ - 1);
    }
    return;
  }
  // Share evenly: each ends at least half full.
  const uint32_t want_left = (l->count + r->count) / 2;
  if (l->count < want_left) {
    const uint32_t n = want_left - l->count;
    std::memcpy(l->score + l->count, r->score, n * sizeof(double));
    std::memcpy(l->rec + l->count, r->rec, n * sizeof(Record*));
    std::memmove(r->score, r->score + n, (r->count - n) * sizeof(double));
    std::memmove(r->rec, r->rec + n, (r->count - n) * sizeof(Record*));
    l->count += n;
    r->count -= n;
  } else {
    const uint32_t n = l->count - want_left;
    std::memmove(r->score + n, r->score, r->count * sizeof(double));
    std::memmove(r->rec + n, r->rec, r->count * sizeof(Record*));
    std::memcpy(r->score, l->score + want_left, n * sizeof(double));
    std::memcpy(r->rec, l->rec + want_left, n * sizeof(Record*));
    l->count -= n;
    r->count += n;
  }
  p->sizes[li] = l->count;
  p->sizes[li + 1] = r->count;
  p->key_score[li + 1] = r->score[0];
  p->key_rec[li + 1] = r->rec[0];
}

// path[depth].node fell below kInnerMin children; depth >= 1.
void ZSetBTree::RebalanceInner(Step* path, int depth) {
  Inner* p = path[depth - 1].node;
  const uint32_t i = path[depth - 1].idx;
  const uint32_t li = i > 0 ? i - 1 : 0;
  auto* l = static_cast<Inner*>(p->child[li]);
  auto* r = static_cast<Inner*>(p->child[li + 1]);
  auto move = [](Inner* to, uint32_t to_at, const Inner* from, uint32_t from_at, uint32_t n) {
    std::memmove(to->sizes + to_at, from->sizes + from_at, n * sizeof(uint32_t));
    std::memmove(to->key_score + to_at, from->key_score + from_at, n * sizeof(double));
    std::memmove(to->key_rec + to_at, from->key_rec + from_at, n * sizeof(Record*));
    std::memmove(to->child + to_at, from->child + from_at, n * sizeof(void*));
  };
  if (l->count + r->count <= kInnerCap) {
    move(l, l->count, r, 0, r->count);
    l->count += r->count;
    p->sizes[li] += p->sizes[li + 1];
    move(p, li + 1, p, li + 2, p->count - li - 2);
    --p->count;
    FreeInner(r);
    if (depth == 1) {
      if (p->count == 1) CollapseRoot();
    } else if (p->count < kInnerMin) {
      RebalanceInner(path, depth - 1);
    }
    return;
  }
  const uint32_t want_left = (l->count + r->count) / 2;
  if (l->count < want_left) {
    const uint32_t n = want_left - l->count;
    move(l, l->count, r, 0, n);
    move(r, 0, r, n, r->count - n);
    l->count += n;
    r->count -= n;
  } else {
    const uint32_t n = l->count - want_left;
    move(r, n, r, 0, r->count);
    move(r, 0, l, want_left, n);
    l->count -= n;
    r->count += n;
  }
  uint32_t lsize = 0, rsize = 0;
  for (uint32_t k = 0; k < l->count; ++k) lsize += l->sizes[k];
  for (uint32_t k = 0; k < r->count; ++k) rsize += r->sizes[k];
  p->sizes[li] = lsize;
  p->sizes[li + 1] = rsize;
  p->key_score[li + 1] = r->key_score[0];
  p->key_rec[li + 1] = r->key_rec[0];
}

void ZSetBTree::CollapseRoot() {
  auto* root = static_cast<Inner*>(root_);
  root_ = root->child[0];
  --height_;
  FreeInner(root);
}

// ---- operations ----

std::optional<double> ZSetBTree::Score(std::string_view member) const {
  const Record* r = Find(member);
  if (r == nullptr) return std::nullopt;
  return r->score;
}

ZSetBTree::InsertResult ZSetBTree::Insert(std::string_view member, double score) {
  Record* r = Find(member);
  if (r == nullptr) {
    r = NewRecord(score, member);
    record_bytes_ += RecordBytes(member.size());
    Link(r);
    HashInsert(r);
    return InsertResult::kAdded;
  }
  if (r->score == score) return InsertResult::kUnchanged;
  Step path[kMaxHeight];
  size_t pos = 0, rank = 0;
  Leaf* leaf = DescendTo(r, path, &pos, &rank);
  // As Redis's zslUpdateScore: when the new score keeps the member between its neighbours (a
  // ZINCRBY by a small step usually does), only the score changes.
  const std::string_view m = r->member();
  const bool after_prev = pos > 0 ? KeyLess(leaf->score[pos - 1], leaf->rec[pos - 1], score, m)
                          : leaf->prev != nullptr
                              ? KeyLess(leaf->prev->score[leaf->prev->count - 1],
                                        leaf->prev->rec[leaf->prev->count - 1], score, m)
                              : true;
  const bool before_next =
      pos + 1 < leaf->count ? KeyLess(score, r, leaf->score[pos + 1], leaf->rec[pos + 1]->member())
      : leaf->next != nullptr
          ? KeyLess(score, r, leaf->next->score[0], leaf->next->rec[0]->member())
          : true;
  if (after_prev && before_next) {
    r->score = score;
    leaf->score[pos] = score;
    if (pos == 0 && height_ > 0) FixMin(path, height_ - 1, score, r);
    return InsertResult::kUpdated;
  }
  EraseAt(path, leaf, pos);
  r->score = score;
  Link(r);
  return InsertResult::kUpdated;
}

bool ZSetBTree::Remove(std::string_view member) {
  Record* r = Find(member);
  if (r == nullptr) return false;
  Step path[kMaxHeight];
  size_t pos = 0, rank = 0;
  Leaf* leaf = DescendTo(r, path, &pos, &rank);
  EraseAt(path, leaf, pos);
  HashErase(r);
  record_bytes_ -= RecordBytes(r->len);
  ::operator delete(r);
  return true;
}

std::optional<size_t> ZSetBTree::Rank(std::string_view member) const {
  const Record* r = Find(member);
  if (r == nullptr) return std::nullopt;
  Step path[kMaxHeight];
  size_t pos = 0, rank = 0;
  DescendTo(r, path, &pos, &rank);
  return rank;
}

size_t ZSetBTree::ScoreRank(double score, bool past_equal) const {
  Step path[kMaxHeight];
  size_t pos = 0, rank = 0;
  if (past_equal) {
    Descend([&](double ks, const Record*) { return ks <= score; }, path, &pos, &rank);
  } else {
    Descend([&](double ks, const Record*) { return ks < score; }, path, &pos, &rank);
  }
  return rank;
}

size_t ZSetBTree::LexRank(std::string_view member, bool past_equal) const {
  Step path[kMaxHeight];
  size_t pos = 0, rank = 0;
  Descend(
      [&](double, const Record* kr) {
        const std::string_view m = kr->member();
        return m < member || (past_equal && m == member);
      },
      path, &pos, &rank);
  return rank;
}

std::pair<std::string_view, double> ZSetBTree::At(size_t rank) const {
  Step path[kMaxHeight];
  size_t pos = 0;
  const Leaf* leaf = DescendRank(rank, path, &pos);
  return {leaf->rec[pos]->member(), leaf->score[pos]};
}

void ZSetBTree::ForRange(size_t start, size_t stop, bool reverse, EntryFn fn) const {
  if (start >= stop) return;
  Step path[kMaxHeight];
  size_t pos = 0;
  size_t n = stop - start;
  if (!reverse) {
    const Leaf* leaf = DescendRank(start, path, &pos);
    for (;;) {
      for (; pos < leaf->count; ++pos) {
        fn(leaf->rec[pos]->member(), leaf->score[pos]);
        if (--n == 0) return;
      }
      leaf = leaf->next;
      pos = 0;
    }
  }
  const Leaf* leaf = DescendRank(stop - 1, path, &pos);
  for (;;) {
    for (size_t i = pos + 1; i-- > 0;) {
      fn(leaf->rec[i]->member(), leaf->score[i]);
      if (--n == 0) return;
    }
    leaf = leaf->prev;
    pos = leaf->count - 1;
  }
}

// As many members of the range as a leaf can lose without falling under kLeafMin go at once
// (else one, and the leaf borrows or merges), so a range of m costs O(m + m / kLeafCap log n).
void ZSetBTree::RemoveRange(size_t start, size_t stop) {
  Step path[kMaxHeight];
  Record* victims[kLeafCap];
  for (size_t left = stop - start; left > 0;) {
    size_t pos = 0;
    Leaf* leaf = DescendRank(start, path, &pos);
    auto n = static_cast<uint32_t>(std::min<size_t>(left, leaf->count - pos));
    if (height_ > 0 && leaf->count - n < kLeafMin) {
      n = leaf->count > kLeafMin ? std::min(n, leaf->count - kLeafMin) : 1;
    }
    std::memcpy(victims, leaf->rec + pos, n * sizeof(Record*));
    EraseAt(path, leaf, pos, n);
    for (uint32_t i = 0; i < n; ++i) {
      HashErase(victims[i]);
      record_bytes_ -= RecordBytes(victims[i]->len);
      ::operator delete(victims[i]);
    }
    left -= n;
  }
}

bool ZSetBTree::AllMembersAtMost(size_t max_len) const {
  for (const Record* head : buckets_) {
    for (const Record* r = head; r != nullptr; r = r->hnext) {
      if (r->len > max_len) return false;
    }
  }
  return true;
}

uint64_t ZSetBTree::Scan(uint64_t cursor, size_t count, EntryFn fn) const {
  const uint64_t mask = buckets_.size() - 1;
  size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  size_t collected = 0;
  uint64_t v = cursor;
  do {
    for (const Record* r = buckets_[v & mask]; r != nullptr; r = r->hnext) {
      fn(r->member(), r->score);
      ++collected;
    }
    v = HashValue::NextScanCursor(v, mask);
  } while (v != 0 && collected < count && --budget > 0);
  return v;
}

// ---- invariants ----

std::string ZSetBTree::CheckNode(const void* node, int level, bool is_root, size_t* count,
                                 std::vector<const Leaf*>* leaves) const {
  if (level == 0) {
    const auto* leaf = static_cast<const Leaf*>(node);
    if (leaf->count > kLeafCap) return "leaf over capacity";
    if (!is_root && leaf->count < kLeafMin) return "leaf under a quarter full";
    for (uint32_t i = 0; i < leaf->count; ++i) {
      if (leaf->rec[i]->score != leaf->score[i]) return "leaf score differs from its record's";
      if (std::isnan(leaf->score[i])) return "NaN score";
    }
    *count = leaf->count;
    leaves->push_back(leaf);
    return "";
  }
  const auto* inner = static_cast<const Inner*>(node);
  if (inner->count > kInnerCap) return "inner node over capacity";
  if (is_root ? inner->count < 2 : inner->count < kInnerMin) return "inner node underfull";
  size_t total = 0;
  for (uint32_t i = 0; i < inner->count; ++i) {
    size_t n = 0;
    const size_t first_leaf = leaves->size();
    if (std::string e = CheckNode(inner->child[i], level - 1, false, &n, leaves); !e.empty()) {
      return e;
    }
    if (n != inner->sizes[i]) return absl::StrCat("count of a child at level ", level);
    const Leaf* min_leaf = (*leaves)[first_leaf];
    if (min_leaf->count == 0) return "empty leaf";
    if (inner->key_rec[i] != min_leaf->rec[0] || inner->key_score[i] != min_leaf->score[0]) {
      return absl::StrCat("key is not its child's smallest at level ", level);
    }
    total += n;
  }
  *count = total;
  return "";
}

std::string ZSetBTree::CheckInvariants() const {
  if (height_ < 0 || height_ >= kMaxHeight) return "height";
  std::vector<const Leaf*> leaves;
  size_t n = 0;
  if (std::string e = CheckNode(root_, height_, true, &n, &leaves); !e.empty()) return e;
  if (n != size_) return "size";
  if (leaves.size() != leaves_) return "leaf count";
  const Record* prev = nullptr;
  size_t seen = 0;
  for (size_t i = 0; i < leaves.size(); ++i) {
    const Leaf* leaf = leaves[i];
    if (leaf->prev != (i == 0 ? nullptr : leaves[i - 1])) return absl::StrCat("prev link ", i);
    if (leaf->next != (i + 1 == leaves.size() ? nullptr : leaves[i + 1])) {
      return absl::StrCat("next link ", i);
    }
    for (uint32_t k = 0; k < leaf->count; ++k) {
      const Record* r = leaf->rec[k];
      if (prev != nullptr && !KeyLess(prev->score, prev, r->score, r->member())) {
        return absl::StrCat("order at ", seen);
      }
      if (Find(r->member()) != r) return "a member missing from the hash table";
      prev = r;
      ++seen;
    }
  }
  size_t hashed = 0, bytes = 0;
  for (const Record* head : buckets_) {
    for (const Record* r = head; r != nullptr; r = r->hnext) {
      ++hashed;
      bytes += RecordBytes(r->len);
    }
  }
  if (hashed != size_) return "hash table count";
  if (bytes != record_bytes_) return "record bytes";
  if ((buckets_.size() & (buckets_.size() - 1)) != 0 || buckets_.size() < kMinBuckets) {
    return "bucket count";
  }
  return "";
}

}  // namespace embedis
