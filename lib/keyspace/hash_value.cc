#include "lib/keyspace/hash_value.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "xxhash.h"

namespace embedis {
namespace {

// One seed per process: field hashes are unpredictable to clients.
uint64_t HashSeed() {
  static const uint64_t seed = [] {
    absl::BitGen gen;
    return absl::Uniform<uint64_t>(gen);
  }();
  return seed;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
  v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
  return __builtin_bswap64(v);
}

size_t BucketsFor(size_t n, size_t min_buckets) {
  size_t b = min_buckets;
  while (b < n) b *= 2;
  return b;
}

}  // namespace

HashValue::HashValue(Limits limits) : limits_(limits) {}

HashValue::Node* HashValue::NewNode(uint64_t hash, std::string_view field, std::string_view value) {
  void* raw = ::operator new(sizeof(Node) + field.size());
  Node* node =
      new (raw) Node{nullptr, hash, std::string(value), static_cast<uint32_t>(field.size())};
  std::memcpy(reinterpret_cast<char*>(node + 1), field.data(), field.size());
  return node;
}

void HashValue::DeleteNode(Node* node) {
  node->~Node();
  ::operator delete(node);
}

HashValue::~HashValue() { FreeTable(); }

HashValue::HashValue(const HashValue& other) : limits_(other.limits_) { CopyFrom(other); }

HashValue& HashValue::operator=(const HashValue& other) {
  if (this != &other) {
    Clear();
    limits_ = other.limits_;
    CopyFrom(other);
  }
  return *this;
}

HashValue::HashValue(HashValue&& other) noexcept
    : limits_(other.limits_),
      encoding_(other.encoding_),
      pairs_(std::move(other.pairs_)),
      buckets_(std::move(other.buckets_)),
      size_(other.size_) {
  other.encoding_ = Encoding::kListpack;
  other.pairs_.clear();
  other.buckets_.clear();
  other.size_ = 0;
}

HashValue& HashValue::operator=(HashValue&& other) noexcept {
  if (this != &other) {
    FreeTable();
    ++mutations_;
    limits_ = other.limits_;
    encoding_ = other.encoding_;
    pairs_ = std::move(other.pairs_);
    buckets_ = std::move(other.buckets_);
    size_ = other.size_;
    other.encoding_ = Encoding::kListpack;
    other.pairs_.clear();
    other.buckets_.clear();
    other.size_ = 0;
  }
  return *this;
}

void HashValue::CopyFrom(const HashValue& other) {
  encoding_ = other.encoding_;
  pairs_ = other.pairs_;
  if (other.is_listpack()) return;
  // Same bucket count and chain order, so the copy iterates in the same order.
  buckets_.assign(other.buckets_.size(), nullptr);
  for (size_t b = 0; b < other.buckets_.size(); ++b) {
    Node** tail = &buckets_[b];
    for (const Node* n = other.buckets_[b]; n != nullptr; n = n->next) {
      *tail = NewNode(n->hash, n->field(), n->value);
      tail = &(*tail)->next;
    }
  }
  size_ = other.size_;
}

void HashValue::FreeTable() {
  for (Node* head : buckets_) {
    while (head != nullptr) {
      Node* next = head->next;
      DeleteNode(head);
      head = next;
    }
  }
  buckets_.clear();
  size_ = 0;
}

void HashValue::Clear() {
  ++mutations_;
  FreeTable();
  pairs_.clear();
  // An emptied hash table stays a hash table, as in Redis (where the key is deleted anyway).
}

size_t HashValue::FootprintBytes(size_t samples) const {
  // The longest string std::string keeps in its inline buffer (15 with libstdc++).
  static const size_t kInline = std::string().capacity();
  auto heap = [](const std::string& s) { return s.size() > kInline ? s.size() + 1 : 0; };
  size_t bytes = keyspace_internal::SmallAllocator::SmallBytes(sizeof(HashValue));
  if (is_listpack()) {
    bytes += pairs_.size() * sizeof(pairs_[0]);
    for (const auto& [f, v] : pairs_) bytes += heap(f) + heap(v);
    return bytes;
  }
  bytes += BucketsFor(size_, kMinBuckets) * sizeof(Node*);
  if (samples == 0 || samples > size_) samples = size_;
  // The per-field bytes of the first `samples` fields in bucket order.
  size_t measured = 0;
  uint64_t field_bytes = 0;
  for (size_t b = 0; b < buckets_.size() && measured < samples; ++b) {
    for (const Node* n = buckets_[b]; n != nullptr && measured < samples; n = n->next) {
      field_bytes += sizeof(Node) + n->field_len + heap(n->value);
      ++measured;
    }
  }
  if (measured == size_) return bytes + field_bytes;  // every field: exact
  // Extrapolated to every field (128-bit: the product may exceed 64 bits before the division).
  const unsigned __int128 total =
      static_cast<unsigned __int128>(field_bytes) * size_ / std::max<size_t>(measured, 1);
  return bytes + static_cast<size_t>(total);
}

std::string_view HashValue::encoding() const { return is_listpack() ? "listpack" : "hashtable"; }

uint64_t HashValue::HashOf(std::string_view field) const { return FieldHash(field); }

uint64_t HashValue::FieldHash(std::string_view field) {
  return XXH3_64bits_withSeed(field.data(), field.size(), HashSeed());
}

void HashValue::PrefetchBucket(uint64_t field_hash) const {
  if (is_listpack() || buckets_.empty()) return;
  __builtin_prefetch(&buckets_[field_hash & (buckets_.size() - 1)]);
}

void HashValue::PrefetchNode(uint64_t field_hash) const {
  if (is_listpack() || buckets_.empty()) return;
  if (const Node* n = buckets_[field_hash & (buckets_.size() - 1)]; n != nullptr) {
    __builtin_prefetch(n);                                      // next, hash, value header
    __builtin_prefetch(reinterpret_cast<const char*>(n) + 64);  // the field's bytes
  }
}

HashValue::Node* HashValue::FindNode(std::string_view field, uint64_t hash) const {
  if (buckets_.empty()) return nullptr;
  for (Node* n = buckets_[hash & (buckets_.size() - 1)]; n != nullptr; n = n->next) {
    if (n->hash == hash && n->field() == field) return n;
  }
  return nullptr;
}

const std::string* HashValue::Find(std::string_view field) const {
  if (is_listpack()) {
    for (const auto& [f, v] : pairs_) {
      if (f == field) return &v;
    }
    return nullptr;
  }
  Node* n = FindNode(field, HashOf(field));
  return n == nullptr ? nullptr : &n->value;
}

void HashValue::InsertNode(Node* node) {
  if (buckets_.empty()) buckets_.assign(kMinBuckets, nullptr);
  Node*& head = buckets_[node->hash & (buckets_.size() - 1)];
  node->next = head;
  head = node;
  ++size_;
  if (size_ > buckets_.size()) Rehash(buckets_.size() * 2);
}

void HashValue::Rehash(size_t buckets) {
  std::vector<Node*> fresh(buckets, nullptr);
  for (Node* head : buckets_) {
    while (head != nullptr) {
      Node* next = head->next;
      Node*& slot = fresh[head->hash & (buckets - 1)];
      head->next = slot;
      slot = head;
      head = next;
    }
  }
  buckets_.swap(fresh);
}

void HashValue::MaybeShrink() {
  if (buckets_.size() > kMinBuckets && size_ < buckets_.size() / 8) {
    Rehash(BucketsFor(size_, kMinBuckets));
  }
}

void HashValue::ConvertToHashtable() {
  if (!is_listpack()) return;
  encoding_ = Encoding::kHashtable;
  buckets_.assign(BucketsFor(pairs_.size(), kMinBuckets), nullptr);
  size_ = 0;
  for (auto& [f, v] : pairs_) {
    InsertNode(NewNode(HashOf(f), f, v));
  }
  std::vector<std::pair<std::string, std::string>>().swap(pairs_);
}

bool HashValue::Set(std::string_view field, std::string_view value) {
  ++mutations_;
  // Redis converts before writing a too-long field or value, whether or not the field exists.
  if (is_listpack() && ExceedsValueLimit(field, value)) ConvertToHashtable();
  if (is_listpack()) {
    for (auto& [f, v] : pairs_) {
      if (f == field) {
        v.assign(value);
        return false;
      }
    }
    pairs_.emplace_back(field, value);
    if (pairs_.size() > limits_.max_listpack_entries) ConvertToHashtable();
    return true;
  }
  const uint64_t hash = HashOf(field);
  if (Node* n = FindNode(field, hash)) {
    n->value.assign(value);
    return false;
  }
  InsertNode(NewNode(hash, field, value));
  return true;
}

bool HashValue::SetIfAbsent(std::string_view field, std::string_view value) {
  if (Contains(field)) return false;
  return Set(field, value);
}

bool HashValue::Erase(std::string_view field) {
  if (is_listpack()) {
    for (auto it = pairs_.begin(); it != pairs_.end(); ++it) {
      if (it->first == field) {
        pairs_.erase(it);
        ++mutations_;
        return true;
      }
    }
    return false;
  }
  if (buckets_.empty()) return false;
  const uint64_t hash = HashOf(field);
  for (Node** link = &buckets_[hash & (buckets_.size() - 1)]; *link != nullptr;
       link = &(*link)->next) {
    Node* n = *link;
    if (n->hash == hash && n->field() == field) {
      *link = n->next;
      DeleteNode(n);
      --size_;
      ++mutations_;
      MaybeShrink();
      return true;
    }
  }
  return false;
}

void HashValue::ForEach(FieldFn fn) const {
  if (is_listpack()) {
    for (const auto& [f, v] : pairs_) fn(f, v);
    return;
  }
  for (const Node* head : buckets_) {
    for (const Node* n = head; n != nullptr; n = n->next) fn(n->field(), n->value);
  }
}

std::pair<std::string_view, std::string_view> HashValue::RandomField(absl::BitGenRef rng) const {
  if (is_listpack()) {
    const auto& p = pairs_[absl::Uniform<size_t>(rng, 0, pairs_.size())];
    return {p.first, p.second};
  }
  // The load factor stays >= 1/8 (see MaybeShrink), so this takes a few tries on average.
  for (;;) {
    const Node* head = buckets_[absl::Uniform<size_t>(rng, 0, buckets_.size())];
    if (head == nullptr) continue;
    size_t len = 0;
    for (const Node* n = head; n != nullptr; n = n->next) ++len;
    for (size_t i = absl::Uniform<size_t>(rng, 0, len); i > 0; --i) head = head->next;
    return {head->field(), head->value};
  }
}

void HashValue::RandomFields(uint64_t count, bool unique, absl::BitGenRef rng, FieldFn fn) const {
  if (count == 0) return;
  if (!unique) {
    for (uint64_t i = 0; i < count; ++i) {
      auto [f, v] = RandomField(rng);
      fn(f, v);
    }
    return;
  }
  const size_t n = size();
  if (count >= n) {
    ForEach(fn);
    return;
  }
  if (is_listpack() && count * 3 <= n) {
    // Selection sampling (Knuth's algorithm S): each field is taken with probability
    // needed / remaining, which yields a uniform subset in insertion order.
    uint64_t needed = count;
    for (size_t i = 0; i < n && needed > 0; ++i) {
      if (absl::Uniform<size_t>(rng, 0, n - i) < needed) {
        fn(pairs_[i].first, pairs_[i].second);
        --needed;
      }
    }
    return;
  }
  if (!is_listpack() && count * 3 <= n) {
    // Few of many: random picks until `count` distinct ones.
    absl::flat_hash_set<const char*> seen;
    while (seen.size() < count) {
      auto [f, v] = RandomField(rng);
      if (seen.insert(f.data()).second) fn(f, v);
    }
    return;
  }
  // Many of few: a partial Fisher-Yates shuffle of all fields.
  std::vector<std::pair<std::string_view, std::string_view>> all;
  all.reserve(n);
  ForEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
  for (size_t i = 0; i < count; ++i) {
    std::swap(all[i], all[absl::Uniform<size_t>(rng, i, n)]);
    fn(all[i].first, all[i].second);
  }
}

uint64_t HashValue::NextScanCursor(uint64_t v, uint64_t mask) {
  // Increment the reversed bucket index: the next bucket in reverse-binary order.
  v |= ~mask;
  v = ReverseBits(v);
  ++v;
  return ReverseBits(v);
}

uint64_t HashValue::Scan(uint64_t cursor, size_t count, FieldFn fn) const {
  if (is_listpack() || buckets_.empty()) {
    ForEach(fn);
    return 0;
  }
  const uint64_t mask = buckets_.size() - 1;
  size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  size_t collected = 0;
  uint64_t v = cursor;
  do {
    for (const Node* n = buckets_[v & mask]; n != nullptr; n = n->next) {
      fn(n->field(), n->value);
      ++collected;
    }
    v = NextScanCursor(v, mask);
  } while (v != 0 && collected < count && --budget > 0);
  return v;
}

}  // namespace embedis
