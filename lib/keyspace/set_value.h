// SetValue: a Redis set (unordered, distinct byte strings) that behaves, observably, as Redis
// 7.0's does.
//
// Redis 7.0 stores a set in one of two encodings, and OBJECT ENCODING, SMEMBERS's order and SSCAN's
// paging show which (observed on redis-server 7.0.15; Redis 7.2's "listpack" encoding for small
// non-integer sets does not exist in 7.0):
//   - "intset": every member reads as a signed 64-bit integer (Redis's string2ll: no '+', no
//     leading zero, no "-0", no space) and there are at most `set-max-intset-entries` (default
//     512) of them. The members are kept sorted, so SMEMBERS replies in ascending numeric order,
//     and SSCAN returns everything in one call with cursor 0.
//   - "hashtable": anything else. Adding a non-integer member, or growing past the limit,
//     converts the set, and it never converts back (as Redis, even when it shrinks again).
//
// Representation. The intset is a sorted std::vector<int64_t> (binary search: O(log n) lookups
// on at most 512 members, 8 bytes each). The hash table is the set's own: a power-of-two array of
// chains whose nodes are one allocation each, a next pointer then the member's length (a varint)
// and bytes, nothing else: a 14-byte member costs a 32-byte malloc chunk plus about one 8-byte
// bucket, where Redis 7.0's dict spends a dictEntry and an sds (tests/keyspace/set_value_test.cc,
// benchmarks/RESULTS.md). No hash is stored; growing rehashes each member (seeded XXH3, the same
// as HashValue::FieldHash). The table doubles past one member per bucket and halves below one per
// eight, so a random bucket is non-empty often enough for RandomMember. SSCAN walks buckets in
// reverse-binary order (HashValue::NextScanCursor, Redis's dictScan), so its guarantee is HSCAN's:
// a full iteration (cursor 0 until 0 comes back) returns every member present from its start to
// its end at least once; a member may be returned twice; members added or removed meanwhile may
// or may not be returned; an iteration always ends.
//
//   SetValue s;
//   s.Add("1"); s.Add("2");   // true, true
//   s.encoding();             // "intset"
//   s.Add("x");               // converts: "hashtable"
//   s.Contains("2");          // true
//
// Thread safety: none. In the keyspace, a SetValue is only touched under its shard's lock.
#ifndef EMBEDIS_LIB_KEYSPACE_SET_VALUE_H_
#define EMBEDIS_LIB_KEYSPACE_SET_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/random/bit_gen_ref.h"
#include "lib/keyspace/small_allocator.h"

namespace embedis {

class SetValue {
 public:
  // Redis's set-max-intset-entries.
  struct Limits {
    size_t max_intset_entries = 512;
  };
  using MemberFn = absl::FunctionRef<void(std::string_view member)>;

  SetValue() : SetValue(Limits{}) {}
  explicit SetValue(Limits limits);
  // Copies keep the encoding.
  SetValue(const SetValue& other);
  SetValue& operator=(const SetValue& other);
  SetValue(SetValue&&) noexcept;
  SetValue& operator=(SetValue&&) noexcept;
  ~SetValue();

  // The object comes from SmallAllocator (small_allocator.h): no allocator header, 8-byte rounding
  // (48 bytes; glibc: a 64-byte chunk).
  static void* operator new(size_t n) { return keyspace_internal::SmallAllocator::Allocate(n); }
  static void operator delete(void* p, size_t n) { keyspace_internal::SmallAllocator::Free(p, n); }

  size_t size() const;
  bool empty() const { return size() == 0; }
  bool is_intset() const { return table_ == nullptr; }
  // OBJECT ENCODING's answer: "intset" or "hashtable".
  std::string_view encoding() const { return is_intset() ? "intset" : "hashtable"; }
  const Limits& limits() const { return limits_; }
  // The intset's limit from now on (CONFIG SET set-max-intset-entries): applied at the next Add.
  void set_max_intset_entries(size_t n) { limits_.max_intset_entries = n; }
  // Counts the writes that changed the set (an Add of a new member, a Remove of a present one,
  // Clear of a non-empty set); wraps around. The keyspace compares it before and after a command
  // to tell whether the command modified the set (WATCH: SADD of present members is not one).
  uint32_t mutations() const { return mutations_; }
  // MEMORY USAGE: sizeof(SetValue) plus an intset's 8 bytes per member, or the hash table's
  // buckets and the nodes of `samples` members extrapolated to all (0: every member, exact).
  size_t FootprintBytes(size_t samples = 0) const;

  // Whether `member` reads as an intset member (Redis's string2ll), and its value.
  static bool ParseInteger(std::string_view member, int64_t* value);

  bool Contains(std::string_view member) const;
  // Adds `member`; returns whether it was new. Converts to a hash table first when `member` is not
  // an integer, and after adding when the intset exceeds Limits::max_intset_entries.
  bool Add(std::string_view member);
  // Removes `member`; returns whether it was there.
  bool Remove(std::string_view member);
  void Clear();
  // Converts an intset to a hash table now (ordinarily conversion is automatic).
  void ConvertToHashtable();

  // Calls fn for every member: ascending numeric order for an intset, the table's bucket order
  // otherwise. `fn` must not mutate the set. The view dies after the call.
  void ForEach(MemberFn fn) const;
  // A random member (uniform for an intset; for a hash table a random non-empty bucket's random
  // member, as Redis's dict). REQUIRES: !empty().
  std::string RandomMember(absl::BitGenRef rng) const;
  // SRANDMEMBER with a count. With `unique` false: exactly `count` independent random members.
  // With `unique` true: min(count, size()) distinct members in an unspecified order.
  // REQUIRES: !empty() unless count == 0.
  void RandomMembers(uint64_t count, bool unique, absl::BitGenRef rng, MemberFn fn) const;
  // Removes and returns a random member (SPOP). REQUIRES: !empty().
  std::string PopRandom(absl::BitGenRef rng);

  // SSCAN: calls fn for the members of one page and returns the next cursor (0: done). An intset
  // returns every member with cursor 0, as Redis. REQUIRES: count >= 1.
  uint64_t Scan(uint64_t cursor, size_t count, MemberFn fn) const;

  // For tests: "" or a description of the first broken invariant (intset sorted and distinct,
  // within its limit; a hash table never an intset-sized all-integer one is not checked: Redis
  // does not convert back either).
  std::string CheckInvariants() const;

 private:
  Limits limits_;
  uint32_t mutations_ = 0;
  std::vector<int64_t> ints_;     // intset: sorted ascending, distinct
  struct Table;                   // set_value.cc
  std::unique_ptr<Table> table_;  // hashtable; nullptr: an intset
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_SET_VALUE_H_
