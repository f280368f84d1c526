// HashValue: a Redis hash (field -> value) that behaves, observably, as Redis's does.
//
// Redis stores a small hash as a listpack: its fields in insertion order, searched linearly.
// HGETALL, HKEYS, HVALS and HSCAN on such a hash return fields in insertion order; overwriting a
// field keeps its position; deleting a field closes the gap; HSCAN returns everything in one call
// with cursor 0. Once the hash grows beyond `hash-max-listpack-entries` fields, or a field or value
// longer than `hash-max-listpack-value` bytes is written, Redis converts it to a hash table (and
// never back, even if it shrinks). Clients and tests observe the difference (order, OBJECT
// ENCODING, HSCAN paging), so HashValue emulates both encodings:
//
//   - listpack: a vector of (field, value) pairs in insertion order, linear search;
//   - hashtable: a chained hash table of power-of-two size with a Redis-style SCAN cursor.
//
//   HashValue h;
//   h.Set("name", "ada");          // true: a new field
//   h.Set("name", "grace");        // false: overwritten in place, same position
//   const std::string* v = h.Find("name");   // "grace"; nullptr when missing
//   h.ForEach([](std::string_view f, std::string_view v) { ... });   // Redis's order
//   h.encoding();                  // "listpack"
//
// Conversion rules (as Redis 7.0, observed on redis-server 7.0.15):
//   - Set()/SetIfAbsent() that writes a field or value longer than
//     Limits::max_listpack_value (default 64) bytes converts first; 64 bytes stay a listpack.
//   - A write that leaves more than Limits::max_listpack_entries (default 512, Redis's built-in
//     default and the value in redis.conf) fields converts afterwards.
//   - SetIfAbsent() on an existing field writes nothing and converts nothing (HSETNX).
//   - Erase() never converts back.
//
// The hash table is our own, not StringMap (absl::flat_hash_map), for the same reason the
// keyspace's is (see lib/keyspace/keyspace.h): HSCAN needs a cursor that survives growth and
// shrinkage, which needs control of the bucket layout. Buckets are power-of-two chains walked in
// reverse-binary order (the method of Redis's dictScan): Scan() increments the cursor's bits from
// the most significant bucket-index bit down, so when the table doubles (bucket b splits into b and
// b + size) or halves (they merge back), every bucket already visited stays behind the cursor.
// Guarantees, as Redis's HSCAN: a full iteration (cursor 0 until 0 comes back) returns every field
// present from its start to its end at least once; a field may be returned twice (after a shrink
// between calls); fields added or removed meanwhile may or may not be returned; an iteration always
// ends. A resize happens whole inside the mutating call (not incrementally as Redis rehashes), so a
// single Scan() never sees a half-moved table. The table grows when it holds more fields than
// buckets and shrinks when it holds fewer than 1/8 as many, so one resize costs O(size), amortized
// O(1) per write. COUNT is a hint: a call stops after visiting buckets that held at least `count`
// fields (before MATCH filtering, as Redis) or 10 * `count` buckets, so a call may return nothing
// with a non-zero cursor. A cursor from another hash, or garbage, does not crash: it continues from
// some bucket. A listpack hash ignores the cursor and returns everything with cursor 0, as Redis.
//
// Field hashes use XXH3 with a per-process random seed, so clients cannot choose fields that all
// collide (Redis uses a seeded SipHash for the same reason).
//
// Thread safety: none. In the keyspace, a HashValue is only touched under its shard's lock.
#ifndef EMBEDIS_LIB_KEYSPACE_HASH_VALUE_H_
#define EMBEDIS_LIB_KEYSPACE_HASH_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/random/bit_gen_ref.h"
#include "lib/keyspace/small_allocator.h"

namespace embedis {

class HashValue {
 public:
  // Redis's hash-max-listpack-entries / hash-max-listpack-value.
  struct Limits {
    size_t max_listpack_entries = 512;
    size_t max_listpack_value = 64;
  };
  using FieldFn = absl::FunctionRef<void(std::string_view field, std::string_view value)>;

  HashValue() : HashValue(Limits{}) {}
  explicit HashValue(Limits limits);
  ~HashValue();
  // Copies keep the encoding and, for listpacks, the order.
  HashValue(const HashValue& other);
  HashValue& operator=(const HashValue& other);
  HashValue(HashValue&& other) noexcept;
  HashValue& operator=(HashValue&& other) noexcept;

  // The object comes from SmallAllocator (small_allocator.h): no allocator header, 8-byte rounding
  // (80 bytes; glibc: a 96-byte chunk).
  static void* operator new(size_t n) { return keyspace_internal::SmallAllocator::Allocate(n); }
  static void operator delete(void* p, size_t n) { keyspace_internal::SmallAllocator::Free(p, n); }

  size_t size() const { return is_listpack() ? pairs_.size() : size_; }
  bool empty() const { return size() == 0; }
  // OBJECT ENCODING's answer: "listpack" or "hashtable".
  std::string_view encoding() const;
  bool is_listpack() const { return encoding_ == Encoding::kListpack; }
  const Limits& limits() const { return limits_; }
  // Applies new thresholds from the next write on (CONFIG SET); converts nothing now.
  void set_limits(const Limits& limits) { limits_ = limits; }
  // Counts the writes that changed the hash (Set, a successful SetIfAbsent or Erase, Clear,
  // assignment); wraps around. The keyspace compares it before and after a command to tell
  // whether the command modified the hash (WATCH: HSETNX on an existing field, or HDEL of a
  // missing one, is not a modification).
  uint32_t mutations() const { return mutations_; }
  // The bytes this object and its own allocations take, for MEMORY USAGE: sizeof(HashValue); a
  // listpack's pairs (size(), not the vector's capacity); a hash table's nodes and its bucket
  // array at the size that inserting the fields would have grown it to (after deletions it can
  // be up to 8 times larger); and the heap buffer of every field or value too long for the
  // string's inline buffer (size + 1, not capacity). Allocator headers and rounding are not
  // counted.
  //
  // `samples` bounds the work on a hash table, as Redis's MEMORY USAGE ... SAMPLES: the per-field
  // bytes (node, field, value buffer) of the first `samples` fields in bucket order are measured
  // and their average is multiplied by size(); 0, or a count >= size(), measures every field.
  // Such a number is an estimate that depends on which fields come first (the bucket layout,
  // hence the per-process hash seed and the table's history). A listpack is always measured
  // whole, as Redis's listpack size is exact whatever SAMPLES says; it has at most
  // max_listpack_entries fields. Measured whole, the number is a function of the fields, values
  // and encoding only: the same hash always gives the same number, whatever its history.
  // O(size()) for a listpack; O(min(samples, size())) fields for a hash table (with the buckets
  // between them: a table holds at least one field per 8 buckets).
  size_t FootprintBytes(size_t samples = 0) const;

  // The value of `field`, or nullptr. Valid until the next mutation.
  const std::string* Find(std::string_view field) const;
  bool Contains(std::string_view field) const { return Find(field) != nullptr; }

  // Sets `field` to `value`, converting to a hash table as Redis would. Returns true when the
  // field is new (appended at the end of a listpack), false when it was overwritten in place.
  bool Set(std::string_view field, std::string_view value);
  // HSETNX: sets only when `field` is missing; returns whether it did.
  bool SetIfAbsent(std::string_view field, std::string_view value);
  // Removes `field`; returns whether it was there.
  bool Erase(std::string_view field);
  void Clear();

  // Calls fn(field, value) for every field, in Redis's order (insertion order for a listpack).
  // `fn` must not mutate the hash.
  void ForEach(FieldFn fn) const;

  // A uniformly random field of a listpack; of a hash table, a random non-empty bucket's random
  // field (so fields in long chains are slightly less likely, as with Redis's dict).
  // REQUIRES: !empty().
  std::pair<std::string_view, std::string_view> RandomField(absl::BitGenRef rng) const;
  // HRANDFIELD with a count. With `unique` false: exactly `count` independent random fields
  // (repeats allowed). With `unique` true: min(count, size()) distinct fields: the whole hash in
  // ForEach order when count >= size(); for a listpack with 3 * count <= size(), a random subset
  // in insertion order (as Redis 7.0's listpack sampling); otherwise in random order.
  // REQUIRES: !empty() unless count == 0.
  void RandomFields(uint64_t count, bool unique, absl::BitGenRef rng, FieldFn fn) const;

  // HSCAN: calls fn for the fields of one page and returns the next cursor (0: done). See the
  // header comment for the guarantee. REQUIRES: count >= 1.
  uint64_t Scan(uint64_t cursor, size_t count, FieldFn fn) const;

  // Prefetch support (Keyspace::Prefetch): the hash of a field, then two rounds of cache hints
  // for it in a hash-table hash: its bucket slot, then the node that slot points at (a no-op for
  // a listpack, whose few pairs a lookup scans anyway).
  static uint64_t FieldHash(std::string_view field);
  // The SCAN cursor after bucket `cursor & mask` in reverse-binary order (0: the walk is done);
  // `mask` is the bucket count minus one. Shared with the sorted set's table (zset_value.h).
  static uint64_t NextScanCursor(uint64_t cursor, uint64_t mask);
  void PrefetchBucket(uint64_t field_hash) const;
  void PrefetchNode(uint64_t field_hash) const;

  // Converts a listpack to a hash table now (ordinarily conversion is automatic).
  void ConvertToHashtable();

 private:
  // A hash-table field: one allocation holds the node and the field's bytes (fields never
  // change), so a lookup reads the field from the node's own cache lines and an insert
  // allocates twice (node, and the value when longer than std::string's inline buffer), not
  // three times.
  struct Node {
    Node* next;
    uint64_t hash;
    std::string value;
    uint32_t field_len;
    std::string_view field() const { return {reinterpret_cast<const char*>(this + 1), field_len}; }
  };
  static Node* NewNode(uint64_t hash, std::string_view field, std::string_view value);
  static void DeleteNode(Node* node);
  enum class Encoding : uint8_t { kListpack, kHashtable };
  static constexpr size_t kMinBuckets = 4;

  uint64_t HashOf(std::string_view field) const;
  Node* FindNode(std::string_view field, uint64_t hash) const;
  void InsertNode(Node* node);  // no duplicate check, may grow
  void Rehash(size_t buckets);
  void MaybeShrink();
  void FreeTable();
  void CopyFrom(const HashValue& other);
  bool ExceedsValueLimit(std::string_view field, std::string_view value) const {
    return field.size() > limits_.max_listpack_value || value.size() > limits_.max_listpack_value;
  }

  Limits limits_;
  Encoding encoding_ = Encoding::kListpack;
  uint32_t mutations_ = 0;  // fits in the padding after encoding_
  // Listpack encoding.
  std::vector<std::pair<std::string, std::string>> pairs_;
  // Hashtable encoding: buckets_.size() is a power of two >= kMinBuckets.
  std::vector<Node*> buckets_;
  size_t size_ = 0;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_HASH_VALUE_H_
