// ListValue: a Redis list (a sequence of byte strings), compact and O(1) at both ends.
//
// Redis 7.0 stores every list as a quicklist: a doubly linked list of nodes, each a listpack of
// packed elements bounded by `list-max-listpack-size` (default -2: 8 KB per node; a positive value
// bounds the element count instead). Pushing and popping at either end touch one node; indexing
// walks nodes from the nearer end (skipping whole nodes by their counts) and then inside one node.
// ListValue follows the same shape so that memory per element stays near the element's own bytes
// and LINDEX/LSET/LINSERT in the middle cost what they cost in Redis (O(n / elements-per-node +
// elements-per-node)).
//
//   ListValue l;
//   l.PushBack("a");  l.PushBack("b");  l.PushFront("z");   // z a b
//   l.At(1);                 // "a"
//   l.PopFront();            // "z"
//   l.ForRange(0, l.size(), [](std::string_view e) { ... });  // a b
//   l.encoding();            // "quicklist" (what redis-server 7.0's OBJECT ENCODING says)
//
// Every index below is a 0-based position from the head, already normalized by the caller
// (Redis's negative indexes are the command layer's business).
//
// Thread safety: none. In the keyspace, a ListValue is only touched under its shard's lock.
#ifndef EMBEDIS_LIB_KEYSPACE_LIST_VALUE_H_
#define EMBEDIS_LIB_KEYSPACE_LIST_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "lib/keyspace/small_allocator.h"

namespace embedis {

class ListValue {
 public:
  // Redis's list-max-listpack-size: a positive number bounds the elements per node; -1 to -5
  // bound a node's bytes to 4, 8, 16, 32 or 64 KB. Default -2 (8 KB), as Redis.
  struct Limits {
    int max_listpack_size = -2;
  };
  using ElementFn = absl::FunctionRef<void(std::string_view element)>;
  // Returns false to stop the walk.
  using IndexedFn = absl::FunctionRef<bool(size_t index, std::string_view element)>;

  ListValue() : ListValue(Limits{}) {}
  explicit ListValue(Limits limits);
  ~ListValue();
  ListValue(const ListValue& other);  // a deep copy (COPY)
  ListValue& operator=(const ListValue& other);
  ListValue(ListValue&& other) noexcept;
  ListValue& operator=(ListValue&& other) noexcept;

  // The object comes from SmallAllocator (small_allocator.h): no allocator header, 8-byte rounding
  // (48 bytes; glibc: a 64-byte chunk).
  static void* operator new(size_t n) { return keyspace_internal::SmallAllocator::Allocate(n); }
  static void operator delete(void* p, size_t n) { keyspace_internal::SmallAllocator::Free(p, n); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // OBJECT ENCODING's answer: "quicklist" (Redis 7.0 reports it for every list).
  std::string_view encoding() const { return "quicklist"; }
  const Limits& limits() const { return limits_; }
  // Counts the writes that changed the list; wraps around. The keyspace compares it before and
  // after a command to tell whether the command modified the list (WATCH: LREM that finds
  // nothing, or LINSERT whose pivot is missing, is not a modification).
  uint32_t mutations() const { return mutations_; }
  // The bytes this object and its own allocations take, for MEMORY USAGE: sizeof(ListValue) and
  // every node's allocated bytes. O(1) (a running total of the linked nodes' bytes).
  size_t FootprintBytes() const;
  // The number of nodes (chunks), for tests and MEMORY-style introspection.
  size_t nodes() const { return nodes_; }
  // For tests: checks the internal invariants (links, per-node counts and bytes, node bounds,
  // no empty node) and returns "" or a description of the first violation. O(size()).
  std::string CheckInvariants() const;

  void PushFront(std::string_view element);
  void PushBack(std::string_view element);
  // The same for each element in order (LPUSH a b c leaves c b a at the front), sizing each node
  // once for the elements it takes instead of growing it per element: a list made by one RPUSH
  // of small elements takes no more memory than its elements, their lengths and one node header.
  void PushFront(absl::Span<const std::string_view> elements);
  void PushBack(absl::Span<const std::string_view> elements);
  // Removes and returns the first / last element. REQUIRES: !empty().
  std::string PopFront();
  std::string PopBack();

  // The element at `index`. REQUIRES: index < size(). Valid until the next mutation.
  std::string_view At(size_t index) const;
  // Replaces the element at `index` (LSET). REQUIRES: index < size().
  void Set(size_t index, std::string_view element);
  // Inserts `element` before `index` (index == size() appends): LINSERT.
  // REQUIRES: index <= size().
  void Insert(size_t index, std::string_view element);
  // Removes `count` elements starting at `index` (LTRIM, LREM's work).
  // REQUIRES: index + count <= size().
  void Erase(size_t index, size_t count);
  void Clear();

  // Calls fn for the elements [first, first + count) in order (LRANGE). `fn` must not mutate
  // the list. REQUIRES: first + count <= size().
  void ForRange(size_t first, size_t count, ElementFn fn) const;
  // Calls fn(index, element) from the head (or, with `reverse`, from the tail towards the head)
  // until it returns false or the list ends (LPOS, finding LINSERT's pivot). `fn` must not mutate
  // the list.
  void Walk(bool reverse, IndexedFn fn) const;
  // LREM: removes the elements equal to `element`, at most `limit` of them (0: all), the first
  // ones from the head, or with `from_tail` the last ones. Returns how many it removed.
  size_t Remove(std::string_view element, size_t limit, bool from_tail);

 private:
  // A node: one malloc block, a 32-byte header followed by its buffer of packed elements (see
  // list_value.cc for the element encoding).
  struct Node;

  // How many elements and how many bytes (header included) one node may hold.
  size_t NodeCountBound() const;
  size_t NodeByteBound() const;
  bool Fits(const Node* n, size_t encoded) const;
  // The node holding `index` (< size()) and the element's position inside it.
  Node* Locate(size_t index, size_t* local) const;
  Node* NewNode(size_t capacity);
  size_t SpillCapacity(const Node* full, size_t encoded) const;
  static uint32_t UsableCapacity(void* block, size_t capacity);
  void LinkAfter(Node* pos, Node* n);  // pos == nullptr: at the head
  void Relink(Node* n);                // after n moved to a new block
  void Unlink(Node* n);                // and frees it
  Node* Relocate(Node* n, size_t capacity, size_t off, size_t old_len, size_t new_len,
                 bool gap_front);
  void Relayout(Node* n, size_t new_begin, size_t off, size_t old_len, size_t new_len);
  Node* Splice(Node* n, size_t off, size_t old_len, size_t new_len);
  Node* MaybeShrink(Node* n);
  Node* TryMerge(Node* a, Node* b);  // b == a->next; returns the survivor
  void PushFrontImpl(std::string_view element);
  void PushAll(bool front, absl::Span<const std::string_view> elements);
  void PushBackImpl(std::string_view element);
  void InsertImpl(size_t index, std::string_view element);
  std::string PopEnd(bool front);
  void FreeAll();

  Limits limits_;
  uint32_t mutations_ = 0;
  size_t size_ = 0;
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t nodes_ = 0;
  size_t node_bytes_ = 0;  // sizeof(Node) + cap of every linked node
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_LIST_VALUE_H_
