// ZSetValue: a Redis sorted set (distinct byte-string members, each with a double score, ordered
// by (score, member bytes)) that behaves, observably, as Redis 7.0's does.
//
// Redis 7.0 stores a sorted set in one of two encodings, and OBJECT ENCODING and ZSCAN's paging
// show which (observed on redis-server 7.0.15):
//   - "listpack": at most `zset-max-listpack-entries` (default 128) members, none longer than
//     `zset-max-listpack-value` (default 64) bytes. ZSCAN returns everything in one call with
//     cursor 0.
//   - "skiplist": anything else. Adding a member that would make the set too long, or a member too
//     long, converts it first; it never converts back on its own (as Redis). Only the store
//     commands (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE) convert a result that fits back, which
//     ConvertToListpackIfFits() is for.
//
// Representation.
//   - listpack: one exactly-sized buffer (from SmallAllocator, small_allocator.h: a slot of its
//     8-byte class with no allocator header, or malloc past 2 KiB) of entries in (score, member)
//     order, each `varint (len << 1 | int_score)`, the member's bytes, then the score: a zigzag
//     varint when it is an integer within +-LLONG_MAX/2 (Redis's double2ll, which is when Redis's
//     listpack keeps it as an integer: so -0 reads back as 0 there, as here), else the 8 bytes of
//     the double. Lookups are linear, as Redis's (at most 128 entries).
//   - skiplist (Redis's name, kept for OBJECT ENCODING): an order-statistic B+tree of
//     (score, member) pairs with one record per member {score, hash link, length, bytes inline}
//     owned by a chained hash table keyed by member (zset_btree.h). Score and membership are
//     O(1); rank, the rank of a score or lex bound, and the member at a rank are O(log n); a
//     range of m members is O(log n + m).
//     Why not Redis's skiplist, which this encoding was until issue #12: on a large set each
//     skiplist node a descent visits is a cache miss (~20-30 of them at 1M members), while the
//     B+tree's descent reads ~5 nodes of ~500 bytes whose top levels stay cached. Measured on 1M
//     members (benchmarks/RESULTS.md, "Sorted sets: a B+tree instead of the skiplist", CPU time,
//     medians of 3 on a loaded machine): Rank 4.1 -> 1.7 us, At 3.1 -> 0.55 us, ScoreRank
//     2.9 -> 0.54 us, a range of 10 3.0 -> 0.76 us, ZINCRBY-like update 4.5 -> 2.0 us, a new
//     member 7.1 -> 2.4 us, remove 4.2 -> 1.6 us; 81 -> 69 accounted bytes per member (95 -> 83
//     from malloc's view). At -P 16 against redis-server: see the same section.
//
// Ranks are 0-based positions in ascending order. ZSCAN on a skiplist walks the hash table in
// reverse-binary bucket order (hash_value.h explains it), which gives SCAN's guarantee: a full
// iteration returns every member present from its start to its end at least once.
//
//   ZSetValue z;
//   z.Insert("a", 1.5);          // true: new
//   z.Insert("a", 2);            // false: score updated
//   z.Score("a");                // 2
//   z.Rank("a");                 // 0
//   z.encoding();                // "listpack"
//
// Thread safety: none. In the keyspace, a ZSetValue is only touched under its shard's lock.
#ifndef EMBEDIS_LIB_KEYSPACE_ZSET_VALUE_H_
#define EMBEDIS_LIB_KEYSPACE_ZSET_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "lib/keyspace/small_allocator.h"

namespace embedis {

class ZSetBTree;

class ZSetValue {
 public:
  // Redis's zset-max-listpack-entries / zset-max-listpack-value.
  struct Limits {
    size_t max_listpack_entries = 128;
    size_t max_listpack_value = 64;
  };
  using EntryFn = absl::FunctionRef<void(std::string_view member, double score)>;

  ZSetValue() : ZSetValue(Limits{}) {}
  // Limits past 65535 are taken as 65535 (the object keeps them in 16 bits each).
  explicit ZSetValue(Limits limits) { SetLimits(limits); }
  // Copies keep the encoding.
  ZSetValue(const ZSetValue& other);
  ZSetValue& operator=(const ZSetValue& other);
  ZSetValue(ZSetValue&& other) noexcept;
  ZSetValue& operator=(ZSetValue&& other) noexcept;
  ~ZSetValue();

  // The object (24 bytes) and its listpack come from SmallAllocator: no per-block header, 8-byte
  // rounding, so a small sorted set takes 24 + its listpack rounded to 8 (glibc: 32 + 16-rounded).
  static void* operator new(size_t n) { return keyspace_internal::SmallAllocator::Allocate(n); }
  static void operator delete(void* p, size_t n) { keyspace_internal::SmallAllocator::Free(p, n); }

  size_t size() const;
  bool empty() const { return size() == 0; }
  bool is_listpack() const { return lp_bytes_ != kSkiplistMark; }
  // OBJECT ENCODING's answer: "listpack" or "skiplist".
  std::string_view encoding() const { return is_listpack() ? "listpack" : "skiplist"; }
  Limits limits() const { return {max_entries_, max_value_}; }
  // Applies new thresholds from the next write on (CONFIG SET); converts nothing now.
  void SetLimits(Limits limits);
  // Counts the writes that changed the set; wraps around (see SetValue::mutations()).
  uint32_t mutations() const { return mutations_; }
  // MEMORY USAGE: the object, its listpack buffer (both at their allocator class) or its nodes and
  // bucket array.
  size_t FootprintBytes() const;

  std::optional<double> Score(std::string_view member) const;
  // Sets `member`'s score, adding it when missing; returns whether it was new. A new member
  // converts a listpack first when it would exceed a limit. REQUIRES: score is not NaN.
  bool Insert(std::string_view member, double score);
  // Removes `member`; returns whether it was there.
  bool Remove(std::string_view member);
  void Clear();
  void ConvertToSkiplist();
  // Converts a skiplist back to a listpack when it fits both limits (the store commands).
  void ConvertToListpackIfFits();

  // The 0-based ascending rank of `member`.
  std::optional<size_t> Rank(std::string_view member) const;
  // How many members have a score below `score` (past_equal: at most `score`): the rank of the
  // first member past the bound.
  size_t ScoreRank(double score, bool past_equal) const;
  // How many members sort below `member` by their bytes alone (past_equal: at most equal). Meant
  // for sets whose scores are all equal (ZRANGEBYLEX's precondition); otherwise a descent (or a
  // scan) as Redis's, which is unspecified but safe.
  size_t LexRank(std::string_view member, bool past_equal) const;
  // The member at `rank` and its score; the view dies with the next write. REQUIRES: rank < size().
  std::pair<std::string_view, double> At(size_t rank) const;
  // Calls fn for ranks [start, stop) ascending, or descending from stop - 1 when `reverse`. fn
  // must not mutate the set. REQUIRES: start <= stop <= size().
  void ForRange(size_t start, size_t stop, bool reverse, EntryFn fn) const;
  void ForEach(EntryFn fn) const { ForRange(0, size(), false, fn); }
  // Removes ranks [start, stop). REQUIRES: start <= stop <= size().
  void RemoveRange(size_t start, size_t stop);

  // ZSCAN: calls fn for one page and returns the next cursor (0: done). A listpack returns
  // everything with cursor 0. REQUIRES: count >= 1.
  uint64_t Scan(uint64_t cursor, size_t count, EntryFn fn) const;

  // For tests: "" or a description of the first broken invariant (a listpack's order and limits;
  // the tree's node fill, counts, keys, order, leaf links and hash table contents).
  std::string CheckInvariants() const;

 private:
  // Listpack helpers.
  struct LpEntry {
    std::string_view member;
    double score;
    size_t begin;
    size_t end;
  };
  static LpEntry LpDecodeAt(const char* lp, size_t offset);
  LpEntry LpDecode(size_t offset) const { return LpDecodeAt(lp_, offset); }
  void LpErase(size_t begin, size_t end);
  void LpInsert(std::string_view member, double score);

  void CopyFrom(const ZSetValue& other);
  void FreeAll();

  // The large encoding's tree, or nullptr for a listpack.
  ZSetBTree* tree() const { return is_listpack() ? nullptr : tree_; }
  void SetTree(ZSetBTree* tree) {
    tree_ = tree;
    lp_bytes_ = kSkiplistMark;
    lp_count_ = 0;
  }

  // 24 bytes, so that a small sorted set costs two small allocations (this object and its
  // listpack), as Redis's (robj and listpack): lp_bytes_ == kSkiplistMark tells the large
  // encoding (Redis's name for it).
  static constexpr uint32_t kSkiplistMark = 0xFFFFFFFFu;
  union {
    char* lp_ = nullptr;  // listpack: the buffer (SmallAllocator, lp_bytes_ long), or nullptr
    ZSetBTree* tree_;     // the large encoding ("skiplist")
  };
  uint32_t mutations_ = 0;
  uint32_t lp_count_ = 0;  // listpack: entries
  uint32_t lp_bytes_ = 0;  // listpack: the buffer's bytes; kSkiplistMark for a skiplist
  uint16_t max_entries_ = 128;
  uint16_t max_value_ = 64;
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_ZSET_VALUE_H_
