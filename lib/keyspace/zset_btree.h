// ZSetBTree: the large encoding of a sorted set (zset_value.h): an order-statistic B+tree of the
// members in (score, member bytes) order, plus a chained hash table of the same members.
//
// Why a B+tree and not Redis's skiplist: on a large set every node a skiplist descent visits is a
// cache miss (about 2 per level, ~log4(n) levels: 20-30 misses at a million members), while a
// B+tree descent visits ~log_16(n) nodes whose top levels stay in the cache, and a node's few
// cache lines are read together. The figures that decided it are in benchmarks/RESULTS.md
// ("Sorted sets: a B+tree instead of the skiplist").
//
// Representation.
//   - One record per member, allocated once: {score, hash-chain link, length, the bytes inline}.
//     The hash table (a power-of-two bucket array of record chains, at most one bucket per
//     member, shrunk below 1/8 full) owns the records, so Score and membership are O(1).
//   - Leaves hold up to kLeafCap (score, record*) pairs in order, the scores inline so that a
//     search touches a record only between equal scores; leaves are linked both ways, so that a
//     range of m members after the descent is O(m).
//   - Inner nodes hold, per child, the child, the number of members under it, and its smallest
//     key (score and record*). Every key is exactly the minimum of its child's subtree (the
//     invariant CheckInvariants checks), so a key never points at a freed record: removing a
//     leaf's first member first replaces it in the ancestors that name it.
//   - Rank(member) is a descent by key adding the counts of the children passed; At(rank) a
//     descent by counts; both O(log n). Inserting splits a full node in halves (at the end of the
//     rightmost node, 3/4 + 1/4, so that loading in order leaves nodes mostly full); removing
//     borrows from or merges with a sibling when a node falls below a quarter full, so every
//     operation stays O(log n).
//
// ZSCAN walks the hash table in reverse-binary bucket order, exactly as the skiplist encoding did
// (HashValue::NextScanCursor), which gives SCAN's guarantee across resizes.
//
// Thread safety: none (the keyspace locks the shard).
#ifndef EMBEDIS_LIB_KEYSPACE_ZSET_BTREE_H_
#define EMBEDIS_LIB_KEYSPACE_ZSET_BTREE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"

namespace embedis {

class ZSetBTree {
 public:
  using EntryFn = absl::FunctionRef<void(std::string_view member, double score)>;
  enum class InsertResult { kAdded, kUpdated, kUnchanged };

  ZSetBTree();
  ZSetBTree(const ZSetBTree& other);
  ZSetBTree& operator=(const ZSetBTree&) = delete;
  ~ZSetBTree();

  size_t size() const { return size_; }
  // The bytes allocated for this object, its nodes, records and bucket array.
  size_t FootprintBytes() const;

  std::optional<double> Score(std::string_view member) const;
  // Sets `member`'s score, adding it when missing. REQUIRES: score is not NaN.
  InsertResult Insert(std::string_view member, double score);
  bool Remove(std::string_view member);
  void Clear();

  // As ZSetValue's (zset_value.h).
  std::optional<size_t> Rank(std::string_view member) const;
  size_t ScoreRank(double score, bool past_equal) const;
  size_t LexRank(std::string_view member, bool past_equal) const;
  std::pair<std::string_view, double> At(size_t rank) const;
  void ForRange(size_t start, size_t stop, bool reverse, EntryFn fn) const;
  void RemoveRange(size_t start, size_t stop);
  uint64_t Scan(uint64_t cursor, size_t count, EntryFn fn) const;
  // Whether every member is at most `max_len` bytes long (ConvertToListpackIfFits).
  bool AllMembersAtMost(size_t max_len) const;

  // "" or the first broken invariant: node fill, counts, keys, order, leaf links, hash contents.
  std::string CheckInvariants() const;

 private:
  struct Record;
  struct Leaf;
  struct Inner;
  struct Step {
    Inner* node;
    uint32_t idx;
  };
  static constexpr int kMaxHeight = 24;

  static Record* NewRecord(double score, std::string_view member);
  static size_t RecordBytes(size_t len);
  Leaf* NewLeaf();
  Inner* NewInner();
  void FreeLeaf(Leaf* leaf);
  void FreeInner(Inner* inner);
  void FreeTree(void* node, int level);

  // Hash table.
  Record* Find(std::string_view member) const;
  void HashInsert(Record* r);
  void HashErase(Record* r);
  void HashRehash(size_t buckets);

  // Descents: each fills path[0, height_) and returns the leaf.
  template <typename Right>
  Leaf* Descend(Right goes_right, Step* path, size_t* pos, size_t* before) const;
  Leaf* DescendTo(const Record* r, Step* path, size_t* pos, size_t* before) const;
  Leaf* DescendRank(size_t rank, Step* path, size_t* pos) const;

  // Tree edits; path from a descent to `leaf`.
  void AddAt(Step* path, Leaf* leaf, size_t pos, Record* r);
  void LeafInsert(Step* path, Leaf* leaf, size_t pos, double score, Record* r);
  void InsertChild(Step* path, int depth, void* left, void* right);
  // Removes n entries from pos on. REQUIRES: the root leaf, n == 1, or kLeafMin stay.
  void EraseAt(Step* path, Leaf* leaf, size_t pos, uint32_t n = 1);
  void RebalanceLeaf(Step* path, Leaf* leaf);
  void RebalanceInner(Step* path, int depth);
  void CollapseRoot();
  void FixMin(Step* path, int depth, double score, Record* r);
  void Link(Record* r);  // a record not in the tree: adds it at its place

  std::string CheckNode(const void* node, int level, bool is_root, size_t* count,
                        std::vector<const Leaf*>* leaves) const;

  size_t leaves_ = 0;  // (declared before root_, which the constructors allocate)
  size_t inners_ = 0;
  void* root_;      // a Leaf when height_ == 0, else an Inner
  int height_ = 0;  // inner levels above the leaves
  size_t size_ = 0;
  size_t record_bytes_ = 0;
  std::vector<Record*> buckets_;  // power of two >= kMinBuckets
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_ZSET_BTREE_H_
