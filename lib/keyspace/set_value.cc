#include "lib/keyspace/set_value.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "lib/keyspace/hash_value.h"

namespace embedis {

// ---- The hash table (set_value.h, "Representation") ----

struct SetValue::Table {
  // One allocation: the chain link, then the member's length as a varint, then its bytes.
  struct Node {
    Node* next;
    std::string_view member() const {
      const auto* p = reinterpret_cast<const unsigned char*>(this + 1);
      size_t len = 0;
      int shift = 0;
      while (*p & 0x80) {
        len |= static_cast<size_t>(*p++ & 0x7F) << shift;
        shift += 7;
      }
      len |= static_cast<size_t>(*p++) << shift;
      return {reinterpret_cast<const char*>(p), len};
    }
    // The bytes malloc was asked for (MEMORY USAGE).
    size_t bytes() const {
      const std::string_view m = member();
      return static_cast<size_t>(m.data() + m.size() - reinterpret_cast<const char*>(this));
    }
  };
  static constexpr size_t kMinBuckets = 4;

  std::vector<Node*> buckets;
  size_t size = 0;

  Table() = default;
  Table(const Table& other) : buckets(other.buckets.size(), nullptr), size(other.size) {
    // Same bucket count and chain order, so the copy iterates in the same order.
    for (size_t b = 0; b < other.buckets.size(); ++b) {
      Node** tail = &buckets[b];
      for (const Node* n = other.buckets[b]; n != nullptr; n = n->next) {
        *tail = NewNode(n->member());
        tail = &(*tail)->next;
      }
    }
  }
  Table& operator=(const Table&) = delete;
  ~Table() {
    for (Node* head : buckets) {
      while (head != nullptr) {
        Node* next = head->next;
        std::free(head);
        head = next;
      }
    }
  }

  static Node* NewNode(std::string_view member) {
    unsigned char len[10];
    size_t n = 0;
    for (uint64_t v = member.size(); v >= 0x80; v >>= 7)
      len[n++] = static_cast<unsigned char>(v | 0x80);
    len[n] = static_cast<unsigned char>(member.size() >> (7 * n));
    ++n;
    void* raw = std::malloc(sizeof(Node) + n + member.size());
    if (raw == nullptr) throw std::bad_alloc();
    auto* node = static_cast<Node*>(raw);
    node->next = nullptr;
    auto* p = reinterpret_cast<unsigned char*>(node + 1);
    std::memcpy(p, len, n);
    if (!member.empty()) std::memcpy(p + n, member.data(), member.size());
    return node;
  }

  static uint64_t Hash(std::string_view member) { return HashValue::FieldHash(member); }
  size_t Index(std::string_view member) const { return Hash(member) & (buckets.size() - 1); }

  bool Contains(std::string_view member) const {
    if (buckets.empty()) return false;
    for (const Node* n = buckets[Index(member)]; n != nullptr; n = n->next) {
      if (n->member() == member) return true;
    }
    return false;
  }

  bool Add(std::string_view member) {
    if (buckets.empty()) buckets.assign(kMinBuckets, nullptr);
    Node*& head = buckets[Index(member)];
    for (const Node* n = head; n != nullptr; n = n->next) {
      if (n->member() == member) return false;
    }
    Node* node = NewNode(member);
    node->next = head;
    head = node;
    ++size;
    if (size > buckets.size()) Rehash(buckets.size() * 2);
    return true;
  }

  bool Remove(std::string_view member) {
    if (buckets.empty()) return false;
    for (Node** link = &buckets[Index(member)]; *link != nullptr; link = &(*link)->next) {
      Node* n = *link;
      if (n->member() == member) {
        *link = n->next;
        std::free(n);
        --size;
        if (buckets.size() > kMinBuckets && size < buckets.size() / 8) {
          size_t b = kMinBuckets;
          while (b < size) b *= 2;
          Rehash(b);
        }
        return true;
      }
    }
    return false;
  }

  void Rehash(size_t count) {
    std::vector<Node*> fresh(count, nullptr);
    for (Node* head : buckets) {
      while (head != nullptr) {
        Node* next = head->next;
        Node*& slot = fresh[Hash(head->member()) & (count - 1)];
        head->next = slot;
        slot = head;
        head = next;
      }
    }
    buckets.swap(fresh);
  }

  void ForEach(MemberFn fn) const {
    for (const Node* head : buckets) {
      for (const Node* n = head; n != nullptr; n = n->next) fn(n->member());
    }
  }

  // A random non-empty bucket's random member, as Redis's dictGetFairRandomKey approximates.
  std::string_view Random(absl::BitGenRef rng) const {
    for (;;) {
      const Node* head = buckets[absl::Uniform<size_t>(rng, 0, buckets.size())];
      if (head == nullptr) continue;
      size_t len = 0;
      for (const Node* n = head; n != nullptr; n = n->next) ++len;
      for (size_t i = absl::Uniform<size_t>(rng, 0, len); i > 0; --i) head = head->next;
      return head->member();
    }
  }

  void RandomMembers(uint64_t count, bool unique, absl::BitGenRef rng, MemberFn fn) const {
    if (!unique) {
      for (uint64_t i = 0; i < count; ++i) fn(Random(rng));
      return;
    }
    if (count >= size) return ForEach(fn);
    if (count * 3 <= size) {
      // Few of many: random picks until `count` distinct ones.
      absl::flat_hash_set<const char*> seen;
      while (seen.size() < count) {
        const std::string_view m = Random(rng);
        if (seen.insert(m.data()).second) fn(m);
      }
      return;
    }
    // Many of few: a partial Fisher-Yates shuffle of all members.
    std::vector<std::string_view> all;
    all.reserve(size);
    ForEach([&](std::string_view m) { all.push_back(m); });
    for (size_t i = 0; i < count; ++i) {
      std::swap(all[i], all[absl::Uniform<size_t>(rng, i, all.size())]);
      fn(all[i]);
    }
  }

  uint64_t Scan(uint64_t cursor, size_t count, MemberFn fn) const {
    if (buckets.empty()) return 0;
    const uint64_t mask = buckets.size() - 1;
    size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    size_t collected = 0;
    uint64_t v = cursor;
    do {
      for (const Node* n = buckets[v & mask]; n != nullptr; n = n->next) {
        fn(n->member());
        ++collected;
      }
      v = HashValue::NextScanCursor(v, mask);
    } while (v != 0 && collected < count && --budget > 0);
    return v;
  }

  size_t FootprintBytes(size_t samples) const {
    size_t bytes = sizeof(Table) + buckets.capacity() * sizeof(Node*);
    if (samples == 0 || samples > size) samples = size;
    size_t measured = 0;
    uint64_t node_bytes = 0;
    for (size_t b = 0; b < buckets.size() && measured < samples; ++b) {
      for (const Node* n = buckets[b]; n != nullptr && measured < samples; n = n->next) {
        node_bytes += n->bytes();
        ++measured;
      }
    }
    if (measured == size) return bytes + node_bytes;
    const unsigned __int128 total =
        static_cast<unsigned __int128>(node_bytes) * size / std::max<size_t>(measured, 1);
    return bytes + static_cast<size_t>(total);
  }
};

SetValue::SetValue(Limits limits) : limits_(limits) {}

SetValue::SetValue(const SetValue& other)
    : limits_(other.limits_),
      mutations_(other.mutations_),
      ints_(other.ints_),
      table_(other.table_ != nullptr ? std::make_unique<Table>(*other.table_) : nullptr) {}

SetValue& SetValue::operator=(const SetValue& other) {
  if (this != &other) {
    SetValue copy(other);
    *this = std::move(copy);
    ++mutations_;
  }
  return *this;
}

SetValue::SetValue(SetValue&&) noexcept = default;
SetValue& SetValue::operator=(SetValue&&) noexcept = default;
SetValue::~SetValue() = default;

size_t SetValue::size() const { return table_ != nullptr ? table_->size : ints_.size(); }

bool SetValue::ParseInteger(std::string_view s, int64_t* value) {
  // Redis's string2ll: "0", or an optional '-' then a non-zero digit then digits, no overflow.
  if (s.empty() || s.size() > 20) return false;
  if (s == "0") {
    *value = 0;
    return true;
  }
  size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size() || s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (s[0] == '-') {
    if (v > uint64_t{1} << 63) return false;
    *value = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *value = static_cast<int64_t>(v);
  }
  return true;
}

size_t SetValue::FootprintBytes(size_t samples) const {
  const size_t object = keyspace_internal::SmallAllocator::SmallBytes(sizeof(SetValue));
  if (table_ != nullptr) return object + table_->FootprintBytes(samples);
  return object + ints_.size() * sizeof(int64_t);
}

bool SetValue::Contains(std::string_view member) const {
  if (table_ != nullptr) return table_->Contains(member);
  int64_t v;
  return ParseInteger(member, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
}

bool SetValue::Add(std::string_view member) {
  if (table_ == nullptr) {
    int64_t v;
    if (ParseInteger(member, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      ints_.insert(it, v);
      ++mutations_;
      if (ints_.size() > limits_.max_intset_entries) ConvertToHashtable();
      return true;
    }
    ConvertToHashtable();
  }
  if (!table_->Add(member)) return false;
  ++mutations_;
  return true;
}

bool SetValue::Remove(std::string_view member) {
  if (table_ != nullptr) {
    if (!table_->Remove(member)) return false;
  } else {
    int64_t v;
    if (!ParseInteger(member, &v)) return false;
    auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
    if (it == ints_.end() || *it != v) return false;
    ints_.erase(it);
  }
  ++mutations_;
  return true;
}

void SetValue::Clear() {
  if (empty()) return;
  ints_.clear();
  ints_.shrink_to_fit();
  table_.reset();
  ++mutations_;
}

void SetValue::ConvertToHashtable() {
  if (table_ != nullptr) return;
  auto table = std::make_unique<Table>();
  for (int64_t v : ints_) table->Add(std::to_string(v));
  table_ = std::move(table);
  ints_.clear();
  ints_.shrink_to_fit();
}

void SetValue::ForEach(MemberFn fn) const {
  if (table_ != nullptr) {
    table_->ForEach(fn);
    return;
  }
  char buf[24];
  for (int64_t v : ints_) {
    char* end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
    fn(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
}

std::string SetValue::RandomMember(absl::BitGenRef rng) const {
  if (table_ != nullptr) return std::string(table_->Random(rng));
  return std::to_string(ints_[absl::Uniform<size_t>(rng, 0, ints_.size())]);
}

void SetValue::RandomMembers(uint64_t count, bool unique, absl::BitGenRef rng, MemberFn fn) const {
  if (count == 0) return;
  if (table_ != nullptr) {
    table_->RandomMembers(count, unique, rng, fn);
    return;
  }
  if (!unique) {
    for (uint64_t i = 0; i < count; ++i) {
      fn(std::to_string(ints_[absl::Uniform<size_t>(rng, 0, ints_.size())]));
    }
    return;
  }
  if (count >= ints_.size()) return ForEach(fn);
  // A partial Fisher-Yates shuffle of the indexes (an intset has at most a few hundred members).
  std::vector<size_t> idx(ints_.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  for (size_t i = 0; i < count; ++i) {
    std::swap(idx[i], idx[absl::Uniform<size_t>(rng, i, idx.size())]);
    fn(std::to_string(ints_[idx[i]]));
  }
}

std::string SetValue::PopRandom(absl::BitGenRef rng) {
  std::string member = RandomMember(rng);
  Remove(member);
  return member;
}

uint64_t SetValue::Scan(uint64_t cursor, size_t count, MemberFn fn) const {
  if (table_ != nullptr) {
    return table_->Scan(cursor, count, fn);
  }
  ForEach(fn);
  return 0;
}

std::string SetValue::CheckInvariants() const {
  if (table_ != nullptr) {
    if (!ints_.empty()) return "a hash-table set also holds intset members";
    size_t counted = 0;
    for (size_t b = 0; b < table_->buckets.size(); ++b) {
      for (const Table::Node* n = table_->buckets[b]; n != nullptr; n = n->next) {
        if (table_->Index(n->member()) != b) return absl::StrCat("member in the wrong bucket ", b);
        ++counted;
      }
    }
    if (counted != table_->size) return "the table's size is not its member count";
    if (table_->size > table_->buckets.size()) return "the table is over one member per bucket";
    return "";
  }
  for (size_t i = 1; i < ints_.size(); ++i) {
    if (ints_[i - 1] >= ints_[i]) return absl::StrCat("intset not sorted at ", i);
  }
  if (ints_.size() > limits_.max_intset_entries) return "intset over its limit";
  return "";
}

}  // namespace embedis
