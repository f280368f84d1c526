#include "lib/keyspace/list_value.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <utility>

// Layout.
//
// A node is one malloc block: the header below, then `cap` buffer bytes. The node's elements sit
// packed in [begin, begin + used) of the buffer; the free bytes are split between a gap in front
// (left by pops and kept for pushes at the front) and room at the back, so pushing and popping at
// either end of a node moves no other element (Redis's listpack moves the whole listpack on a
// push to its head).
//
// An element is encoded as  varint(len) bytes reverse-varint(len):  the same length written
// forwards before the bytes (LEB128: 7 bits a byte, the high bit set when more bytes follow) and
// backwards after them (the last byte holds the low 7 bits, its high bit set when more bytes
// precede), so an element is parsed from either end, as in a listpack. An element shorter than
// 128 bytes costs 2 bytes more than its own bytes; shorter than 16384, 4 bytes.
//
// Nodes are bounded as Redis bounds listpacks (list-max-listpack-size): -1..-5 bound the node's
// bytes (header + used) to 4..64 KB; a positive number bounds its elements, with an 8 KB safety
// bound on its bytes. An element that does not fit in an empty node gets a node of its own.
namespace embedis {

struct ListValue::Node {
  Node* prev;
  Node* next;
  uint32_t count;  // elements
  uint32_t begin;  // buffer offset of the first element
  uint32_t used;   // bytes of the elements
  uint32_t cap;    // buffer bytes

  char* buf() { return reinterpret_cast<char*>(this + 1); }
  const char* buf() const { return reinterpret_cast<const char*>(this + 1); }
  char* first() { return buf() + begin; }
  const char* first() const { return buf() + begin; }
  const char* end() const { return buf() + begin + used; }
};

namespace {

constexpr size_t kSafetyBytes = 8192;  // Redis's SIZE_SAFETY_LIMIT for positive sizes
constexpr size_t kMaxCount = 1 << 15;  // Redis's FILL_MAX
// A node whose buffer is at least this large and at most a quarter full is trimmed.
constexpr size_t kShrinkMinCap = 128;

size_t VarintSize(size_t v) {
  size_t n = 1;
  while (v >= 128) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t EncodedSize(size_t len) { return len + 2 * VarintSize(len); }

void Encode(char* out, std::string_view e) {
  auto* p = reinterpret_cast<uint8_t*>(out);
  const size_t n = VarintSize(e.size());
  size_t v = e.size();
  for (size_t i = 0; i < n; ++i, v >>= 7) {
    p[i] = static_cast<uint8_t>((v & 0x7f) | (i + 1 < n ? 0x80 : 0));
  }
  if (!e.empty()) std::memcpy(p + n, e.data(), e.size());
  uint8_t* s = p + n + e.size();
  v = e.size();
  for (size_t i = 0; i < n; ++i, v >>= 7) {
    s[n - 1 - i] = static_cast<uint8_t>((v & 0x7f) | (i + 1 < n ? 0x80 : 0));
  }
}

struct Elem {
  const char* data;
  size_t len;
  size_t encoded;  // bytes of the whole encoded element
  std::string_view view() const { return std::string_view(data, len); }
};

// The element starting at p.
Elem DecodeAt(const char* p) {
  const auto* q = reinterpret_cast<const uint8_t*>(p);
  size_t len = 0, n = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = q[n++];
    len |= static_cast<size_t>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return Elem{p + n, len, len + 2 * n};
}

// The element ending at end.
Elem DecodeBefore(const char* end) {
  const auto* q = reinterpret_cast<const uint8_t*>(end);
  size_t len = 0, n = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = *(q - 1 - n);
    ++n;
    len |= static_cast<size_t>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  return Elem{end - n - len, len, len + 2 * n};
}

// Buffer offset (from begin) of element i of n.
template <typename NodeT>
size_t OffsetOf(const NodeT* n, size_t i) {
  if (i == 0) return 0;
  if (i == n->count) return n->used;
  if (i <= n->count / 2) {
    const char* p = n->first();
    for (size_t k = 0; k < i; ++k) p += DecodeAt(p).encoded;
    return p - n->first();
  }
  const char* p = n->end();
  for (size_t k = n->count; k > i; --k) p -= DecodeBefore(p).encoded;
  return p - n->first();
}

// Offset of the element `k` elements after the one at offset `off`.
size_t Advance(const char* first, size_t off, size_t k) {
  const char* p = first + off;
  for (size_t i = 0; i < k; ++i) p += DecodeAt(p).encoded;
  return p - first;
}

bool Equal(const Elem& e, std::string_view v) {
  return e.len == v.size() && (e.len == 0 || std::memcmp(e.data, v.data(), e.len) == 0);
}

}  // namespace

ListValue::ListValue(Limits limits) : limits_(limits) {}

ListValue::~ListValue() { FreeAll(); }

ListValue::ListValue(const ListValue& other) : limits_(other.limits_) {
  for (const Node* o = other.head_; o != nullptr; o = o->next) {
    Node* n = NewNode(o->used);
    std::memcpy(n->buf(), o->first(), o->used);
    n->used = o->used;
    n->count = o->count;
    LinkAfter(tail_, n);
  }
  size_ = other.size_;
}

ListValue& ListValue::operator=(const ListValue& other) {
  if (this == &other) return *this;
  ListValue copy(other);
  const uint32_t mutations = mutations_ + 1;
  *this = std::move(copy);
  mutations_ = mutations;
  return *this;
}

ListValue::ListValue(ListValue&& other) noexcept
    : limits_(other.limits_),
      mutations_(other.mutations_),
      size_(other.size_),
      head_(other.head_),
      tail_(other.tail_),
      nodes_(other.nodes_),
      node_bytes_(other.node_bytes_) {
  if (other.size_ > 0) ++other.mutations_;
  other.size_ = 0;
  other.head_ = other.tail_ = nullptr;
  other.nodes_ = 0;
  other.node_bytes_ = 0;
}

ListValue& ListValue::operator=(ListValue&& other) noexcept {
  if (this == &other) return *this;
  FreeAll();
  limits_ = other.limits_;
  ++mutations_;
  size_ = other.size_;
  head_ = other.head_;
  tail_ = other.tail_;
  nodes_ = other.nodes_;
  node_bytes_ = other.node_bytes_;
  if (other.size_ > 0) ++other.mutations_;
  other.size_ = 0;
  other.head_ = other.tail_ = nullptr;
  other.nodes_ = 0;
  other.node_bytes_ = 0;
  return *this;
}

void ListValue::FreeAll() {
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next;
    std::free(n);
    n = next;
  }
  head_ = tail_ = nullptr;
  nodes_ = 0;
  node_bytes_ = 0;
  size_ = 0;
}

void ListValue::Clear() {
  if (size_ == 0) return;
  FreeAll();
  ++mutations_;
}

size_t ListValue::FootprintBytes() const {
  return keyspace_internal::SmallAllocator::SmallBytes(sizeof(ListValue)) + node_bytes_;
}

// ---- node bounds and plumbing ----

size_t ListValue::NodeCountBound() const {
  const int fill = limits_.max_listpack_size;
  if (fill < 0) return SIZE_MAX;
  return std::clamp<size_t>(static_cast<size_t>(fill), 1, kMaxCount);
}

size_t ListValue::NodeByteBound() const {
  const int fill = limits_.max_listpack_size;
  if (fill >= 0) return kSafetyBytes;
  const int level = std::min(-fill, 5) - 1;  // -1 -> 0 (4 KB) ... -5 -> 4 (64 KB)
  return size_t{4096} << level;
}

bool ListValue::Fits(const Node* n, size_t encoded) const {
  return n->count < NodeCountBound() && sizeof(Node) + n->used + encoded <= NodeByteBound();
}

ListValue::Node* ListValue::Locate(size_t index, size_t* local) const {
  if (index < size_ / 2) {
    Node* n = head_;
    while (index >= n->count) {
      index -= n->count;
      n = n->next;
    }
    *local = index;
    return n;
  }
  size_t from_end = size_ - index;  // >= 1
  Node* n = tail_;
  while (from_end > n->count) {
    from_end -= n->count;
    n = n->prev;
  }
  *local = n->count - from_end;
  return n;
}

// The buffer bytes of the node block p, asked for `capacity`: what the allocator really gave.
uint32_t ListValue::UsableCapacity(void* p, size_t capacity) {
  const size_t usable = malloc_usable_size(p);
  return static_cast<uint32_t>(
      std::min<size_t>(std::max(usable, sizeof(Node) + capacity) - sizeof(Node), UINT32_MAX - 64));
}

// A push found the end node `full` (nullptr: the list is empty) without room for `encoded` more
// bytes. A list that has filled one node is likely to fill the next one too, so the new node
// starts with the full node's bytes (within the node bound) instead of growing by reallocation
// one push at a time: a long run of LPUSH/RPUSH then allocates each node once and never copies
// its elements. The first node of a list starts exact, so small lists stay small.
size_t ListValue::SpillCapacity(const Node* full, size_t encoded) const {
  if (full == nullptr) return encoded;
  const size_t room = NodeByteBound() - sizeof(Node);
  return std::max(encoded, std::min<size_t>(full->used, room));
}

ListValue::Node* ListValue::NewNode(size_t capacity) {
  if (capacity > UINT32_MAX - 64) throw std::length_error("ListValue: element too large");
  void* p = std::malloc(sizeof(Node) + capacity);
  if (p == nullptr) throw std::bad_alloc();
  Node* n = static_cast<Node*>(p);
  n->prev = n->next = nullptr;
  n->count = n->begin = n->used = 0;
  n->cap = UsableCapacity(p, capacity);
  return n;
}

void ListValue::LinkAfter(Node* pos, Node* n) {
  n->prev = pos;
  n->next = pos != nullptr ? pos->next : head_;
  if (n->next != nullptr) {
    n->next->prev = n;
  } else {
    tail_ = n;
  }
  if (pos != nullptr) {
    pos->next = n;
  } else {
    head_ = n;
  }
  ++nodes_;
  node_bytes_ += sizeof(Node) + n->cap;
}

void ListValue::Relink(Node* n) {
  if (n->prev != nullptr) {
    n->prev->next = n;
  } else {
    head_ = n;
  }
  if (n->next != nullptr) {
    n->next->prev = n;
  } else {
    tail_ = n;
  }
}

void ListValue::Unlink(Node* n) {
  if (n->prev != nullptr) {
    n->prev->next = n->next;
  } else {
    head_ = n->next;
  }
  if (n->next != nullptr) {
    n->next->prev = n->prev;
  } else {
    tail_ = n->prev;
  }
  --nodes_;
  node_bytes_ -= sizeof(Node) + n->cap;
  std::free(n);
}

// Moves n to a new block of `capacity` buffer bytes, resizing [off, off + old_len) to new_len on
// the way; the free bytes go in front (gap_front) or at the back.
ListValue::Node* ListValue::Relocate(Node* n, size_t capacity, size_t off, size_t old_len,
                                     size_t new_len, bool gap_front) {
  const size_t new_used = n->used - old_len + new_len;
  capacity = std::max(capacity, new_used);
  if (capacity > UINT32_MAX - 64) throw std::length_error("ListValue: element too large");
  // realloc often grows or shrinks the block in place; the bytes move inside it before a shrink
  // or after a growth.
  const bool shrink = capacity < n->cap;
  node_bytes_ -= n->cap;
  if (shrink) Relayout(n, 0, off, old_len, new_len);
  void* p = std::realloc(n, sizeof(Node) + capacity);
  if (p == nullptr) throw std::bad_alloc();
  Node* m = static_cast<Node*>(p);
  m->cap = UsableCapacity(p, capacity);
  node_bytes_ += m->cap;
  if (!shrink) Relayout(m, gap_front ? m->cap - new_used : 0, off, old_len, new_len);
  Relink(m);
  return m;
}

// Moves n's elements to start at buffer offset nb, resizing [off, off + old_len) to new_len bytes
// on the way. REQUIRES: the result fits in n's buffer.
void ListValue::Relayout(Node* n, size_t nb, size_t off, size_t old_len, size_t new_len) {
  char* buf = n->buf();
  const size_t ob = n->begin;
  const size_t suffix = n->used - off - old_len;
  // Move first the side that moves away from the other, so neither overwrites the other.
  if (nb <= ob) {
    if (nb != ob) std::memmove(buf + nb, buf + ob, off);
    if (nb + new_len != ob + old_len) {
      std::memmove(buf + nb + off + new_len, buf + ob + off + old_len, suffix);
    }
  } else {
    std::memmove(buf + nb + off + new_len, buf + ob + off + old_len, suffix);
    std::memmove(buf + nb, buf + ob, off);
  }
  n->begin = static_cast<uint32_t>(nb);
  n->used = static_cast<uint32_t>(n->used - old_len + new_len);
}

// Resizes the bytes [off, off + old_len) of n's elements (offsets from begin) to new_len bytes,
// moving whichever side is cheaper and growing the node when it must. Returns n, or where it
// moved. The resized range's contents are left for the caller to write.
ListValue::Node* ListValue::Splice(Node* n, size_t off, size_t old_len, size_t new_len) {
  const size_t prefix = off;
  const size_t suffix = n->used - off - old_len;
  if (new_len <= old_len) {
    const size_t d = old_len - new_len;
    if (prefix < suffix) {
      std::memmove(n->first() + d, n->first(), prefix);
      n->begin += d;
    } else {
      std::memmove(n->first() + off + new_len, n->first() + off + old_len, suffix);
    }
    n->used -= d;
    return n;
  }
  const size_t d = new_len - old_len;
  const size_t front = n->begin;
  const size_t back = n->cap - n->begin - n->used;
  if (front >= d && (prefix <= suffix || back < d)) {
    std::memmove(n->first() - d, n->first(), prefix);
    n->begin -= d;
    n->used += d;
    return n;
  }
  if (back >= d) {
    std::memmove(n->first() + off + new_len, n->first() + off + old_len, suffix);
    n->used += d;
    return n;
  }
  const size_t new_used = n->used + d;
  // Pushing at the front of a non-empty node: keep the free bytes in front for the next pushes.
  const bool gap_front = off == 0 && suffix > 0;
  if (front + back >= d) {  // room enough: lay the node out again in place
    Relayout(n, gap_front ? n->cap - new_used : 0, off, old_len, new_len);
    return n;
  }
  // Grow geometrically, up to the node bound (unless this one element is larger).
  size_t capacity = std::max<size_t>(n->cap + n->cap / 2, 16);
  const size_t bound = NodeByteBound() - sizeof(Node);
  if (capacity > bound) capacity = bound;
  capacity = std::max(capacity, new_used);
  return Relocate(n, capacity, off, old_len, new_len, gap_front);
}

ListValue::Node* ListValue::MaybeShrink(Node* n) {
  if (n->cap < kShrinkMinCap || size_t{n->used} * 4 > n->cap) return n;
  return Relocate(n, n->used + n->used / 4, n->used, 0, 0, false);
}

ListValue::Node* ListValue::TryMerge(Node* a, Node* b) {
  if (a == nullptr || b == nullptr) return a != nullptr ? a : b;
  if (a->count + b->count > NodeCountBound() ||
      sizeof(Node) + a->used + b->used > NodeByteBound()) {
    return b;
  }
  if (a->used >= b->used) {
    const size_t off = a->used;
    a = Splice(a, off, 0, b->used);
    std::memcpy(a->first() + off, b->first(), b->used);
    a->count += b->count;
    Unlink(b);
    return a;
  }
  b = Splice(b, 0, 0, a->used);
  std::memcpy(b->first(), a->first(), a->used);
  b->count += a->count;
  Unlink(a);
  return b;
}

// ---- pushes and pops ----

void ListValue::PushFrontImpl(std::string_view element) {
  const size_t enc = EncodedSize(element.size());
  Node* n = head_;
  if (n != nullptr && Fits(n, enc)) {
    n = Splice(n, 0, 0, enc);
  } else {
    n = NewNode(SpillCapacity(n, enc));
    LinkAfter(nullptr, n);
    n->used = static_cast<uint32_t>(enc);
    n->begin = n->cap - n->used;  // the next pushes fill it from the back
  }
  Encode(n->first(), element);
  ++n->count;
  ++size_;
}

void ListValue::PushBackImpl(std::string_view element) {
  const size_t enc = EncodedSize(element.size());
  Node* n = tail_;
  size_t off = 0;
  if (n != nullptr && Fits(n, enc)) {
    off = n->used;
    n = Splice(n, off, 0, enc);
  } else {
    n = NewNode(SpillCapacity(n, enc));
    LinkAfter(tail_, n);
    n->used = static_cast<uint32_t>(enc);
  }
  Encode(n->first() + off, element);
  ++n->count;
  ++size_;
}

void ListValue::PushFront(std::string_view element) {
  PushFrontImpl(element);
  ++mutations_;
}

void ListValue::PushBack(std::string_view element) {
  PushBackImpl(element);
  ++mutations_;
}

void ListValue::PushFront(absl::Span<const std::string_view> elements) { PushAll(true, elements); }

void ListValue::PushBack(absl::Span<const std::string_view> elements) { PushAll(false, elements); }

void ListValue::PushAll(bool front, absl::Span<const std::string_view> elements) {
  size_t i = 0;
  while (i < elements.size()) {
    const size_t first = EncodedSize(elements[i].size());
    Node* n = front ? head_ : tail_;
    const bool fresh = n == nullptr || !Fits(n, first);
    if (fresh && sizeof(Node) + first > NodeByteBound()) {  // too big for any node: its own
      front ? PushFrontImpl(elements[i]) : PushBackImpl(elements[i]);
      ++i;
      continue;
    }
    // How many of the next elements the end node (or a new one) takes, and their bytes.
    size_t count = fresh ? 0 : n->count, used = fresh ? 0 : n->used, want = 0, k = i;
    while (k < elements.size()) {
      const size_t enc = EncodedSize(elements[k].size());
      if (count >= NodeCountBound() || sizeof(Node) + used + want + enc > NodeByteBound()) break;
      want += enc;
      ++count;
      ++k;
    }
    if (fresh) {
      Node* m = NewNode(SpillCapacity(n, want));
      LinkAfter(front ? nullptr : tail_, m);
      if (front) m->begin = m->cap;  // the pushes fill it from the back
    } else if ((front ? n->begin : n->cap - n->begin - n->used) < want) {
      if (n->cap - n->used >= want) {
        Relayout(n, front ? n->cap - n->used : 0, n->used, 0, 0);
      } else {
        Relocate(n, n->used + want, n->used, 0, 0, front);
      }
    }
    for (; i < k; ++i) front ? PushFrontImpl(elements[i]) : PushBackImpl(elements[i]);
  }
  ++mutations_;
}

std::string ListValue::PopEnd(bool front) {
  Node* n = front ? head_ : tail_;
  const Elem e = front ? DecodeAt(n->first()) : DecodeBefore(n->end());
  std::string out(e.data, e.len);
  if (n->count == 1) {
    Unlink(n);
  } else {
    n = Splice(n, front ? 0 : n->used - e.encoded, e.encoded, 0);
    --n->count;
    MaybeShrink(n);
  }
  --size_;
  ++mutations_;
  return out;
}

std::string ListValue::PopFront() { return PopEnd(true); }

std::string ListValue::PopBack() { return PopEnd(false); }

// ---- the middle ----

std::string_view ListValue::At(size_t index) const {
  size_t i;
  const Node* n = Locate(index, &i);
  return DecodeAt(n->first() + OffsetOf(n, i)).view();
}

void ListValue::InsertImpl(size_t index, std::string_view element) {
  if (index == size_) return PushBackImpl(element);
  if (index == 0) return PushFrontImpl(element);
  const size_t enc = EncodedSize(element.size());
  size_t i;
  Node* n = Locate(index, &i);
  if (Fits(n, enc)) {
    const size_t off = OffsetOf(n, i);
    n = Splice(n, off, 0, enc);
    Encode(n->first() + off, element);
    ++n->count;
  } else if (i == 0 && n->prev != nullptr && Fits(n->prev, enc)) {
    Node* p = n->prev;
    const size_t off = p->used;
    p = Splice(p, off, 0, enc);
    Encode(p->first() + off, element);
    ++p->count;
  } else {
    Node* left = i == 0 ? n->prev : n;
    if (i > 0) {  // split n: elements [i, count) move to a new node after it
      const size_t off = OffsetOf(n, i);
      Node* right = NewNode(n->used - off);
      std::memcpy(right->buf(), n->first() + off, n->used - off);
      right->used = n->used - off;
      right->count = n->count - static_cast<uint32_t>(i);
      LinkAfter(n, right);
      n->used = static_cast<uint32_t>(off);
      n->count = static_cast<uint32_t>(i);
      left = n = MaybeShrink(n);
      if (Fits(n, enc)) {
        n = Splice(n, off, 0, enc);
        Encode(n->first() + off, element);
        ++n->count;
        ++size_;
        return;
      }
      if (Fits(right, enc)) {
        right = Splice(right, 0, 0, enc);
        Encode(right->first(), element);
        ++right->count;
        ++size_;
        return;
      }
    }
    Node* m = NewNode(enc);
    LinkAfter(left, m);
    m->used = static_cast<uint32_t>(enc);
    Encode(m->first(), element);
    m->count = 1;
  }
  ++size_;
}

void ListValue::Insert(size_t index, std::string_view element) {
  InsertImpl(index, element);
  ++mutations_;
}

void ListValue::Set(size_t index, std::string_view element) {
  size_t i;
  Node* n = Locate(index, &i);
  const size_t off = OffsetOf(n, i);
  const size_t old = DecodeAt(n->first() + off).encoded;
  const size_t enc = EncodedSize(element.size());
  if (enc <= old || n->count == 1 || sizeof(Node) + n->used - old + enc <= NodeByteBound()) {
    n = Splice(n, off, old, enc);
    Encode(n->first() + off, element);
  } else {  // does not fit here: take it out, insert it again (splitting n)
    Splice(n, off, old, 0);
    --n->count;
    --size_;
    InsertImpl(index, element);
  }
  ++mutations_;
}

void ListValue::Erase(size_t index, size_t count) {
  if (count == 0) return;
  size_t i;
  Node* n = Locate(index, &i);
  size_t left = count;
  while (left > 0) {
    const size_t k = std::min<size_t>(left, n->count - i);
    Node* next = n->next;
    if (k == n->count) {
      Unlink(n);
    } else {
      const size_t from = OffsetOf(n, i);
      const size_t to = i + k == n->count ? n->used : Advance(n->first(), from, k);
      n = Splice(n, from, to - from, 0);
      n->count -= static_cast<uint32_t>(k);
      MaybeShrink(n);
    }
    size_ -= k;
    left -= k;
    i = 0;
    n = next;
  }
  ++mutations_;
  // Merge the nodes on both sides of the hole where they fit together.
  if (size_ == 0) return;
  Node* at = Locate(std::min(index, size_ - 1), &i);
  at = TryMerge(at->prev, at);
  TryMerge(at, at->next);
}

size_t ListValue::Remove(std::string_view element, size_t limit, bool from_tail) {
  const size_t want = limit == 0 ? SIZE_MAX : limit;
  size_t removed = 0;
  Node* n = from_tail ? tail_ : head_;
  while (n != nullptr && removed < want) {
    const size_t before = removed;
    char* base = n->first();
    if (!from_tail) {
      size_t r = 0, w = 0;
      while (r < n->used) {
        if (removed == want) {  // the rest stays: move it in one go
          std::memmove(base + w, base + r, n->used - r);
          w += n->used - r;
          break;
        }
        const Elem e = DecodeAt(base + r);
        if (Equal(e, element)) {
          ++removed;
        } else {
          if (w != r) std::memmove(base + w, base + r, e.encoded);
          w += e.encoded;
        }
        r += e.encoded;
      }
      n->used = static_cast<uint32_t>(w);
      n->count -= static_cast<uint32_t>(removed - before);
      Node* next = n->next;
      if (n->count == 0) {
        Unlink(n);
      } else if (removed > before) {
        n = MaybeShrink(n);
        TryMerge(n->prev, n);
      }
      n = next;
    } else {
      size_t r = n->used, w = n->used;
      while (r > 0) {
        if (removed == want) {
          std::memmove(base + w - r, base, r);
          w -= r;
          break;
        }
        const Elem e = DecodeBefore(base + r);
        r -= e.encoded;
        if (Equal(e, element)) {
          ++removed;
        } else {
          w -= e.encoded;
          if (w != r) std::memmove(base + w, base + r, e.encoded);
        }
      }
      n->begin += static_cast<uint32_t>(w);
      n->used -= static_cast<uint32_t>(w);
      n->count -= static_cast<uint32_t>(removed - before);
      Node* prev = n->prev;
      if (n->count == 0) {
        Unlink(n);
      } else if (removed > before) {
        n = MaybeShrink(n);
        TryMerge(n, n->next);
      }
      n = prev;
    }
  }
  if (removed > 0) {
    size_ -= removed;
    ++mutations_;
  }
  return removed;
}

// ---- reads ----

void ListValue::ForRange(size_t first, size_t count, ElementFn fn) const {
  if (count == 0) return;
  size_t i;
  const Node* n = Locate(first, &i);
  const char* p = n->first() + OffsetOf(n, i);
  while (count > 0) {
    if (p == n->end()) {
      n = n->next;
      p = n->first();
    }
    const Elem e = DecodeAt(p);
    fn(e.view());
    p += e.encoded;
    --count;
  }
}

void ListValue::Walk(bool reverse, IndexedFn fn) const {
  if (!reverse) {
    size_t index = 0;
    for (const Node* n = head_; n != nullptr; n = n->next) {
      for (const char* p = n->first(); p != n->end();) {
        const Elem e = DecodeAt(p);
        if (!fn(index++, e.view())) return;
        p += e.encoded;
      }
    }
    return;
  }
  size_t index = size_;
  for (const Node* n = tail_; n != nullptr; n = n->prev) {
    for (const char* p = n->end(); p != n->first();) {
      const Elem e = DecodeBefore(p);
      if (!fn(--index, e.view())) return;
      p -= e.encoded;
    }
  }
}

std::string ListValue::CheckInvariants() const {
  size_t total = 0, nodes = 0, bytes = 0;
  const Node* prev = nullptr;
  for (const Node* n = head_; n != nullptr; prev = n, n = n->next) {
    ++nodes;
    bytes += sizeof(Node) + n->cap;
    if (n->prev != prev) return "broken prev link";
    if (n->count == 0) return "empty node";
    if (size_t{n->begin} + n->used > n->cap) return "node bytes past its capacity";
    size_t count = 0;
    const char* p = n->first();
    while (p < n->end()) {
      const Elem e = DecodeAt(p);
      if (DecodeBefore(p + e.encoded).encoded != e.encoded) return "bad back length";
      p += e.encoded;
      ++count;
    }
    if (p != n->end()) return "element runs past the node";
    if (count != n->count) return "node count mismatch";
    if (count > 1 && (count > NodeCountBound() || sizeof(Node) + n->used > NodeByteBound())) {
      return "node over its bound";
    }
    total += count;
  }
  if (prev != tail_) return "tail mismatch";
  if (nodes != nodes_) return "node count field mismatch";
  if (bytes != node_bytes_) return "node bytes field mismatch";
  if (total != size_) return "size mismatch";
  return "";
}

}  // namespace embedis
