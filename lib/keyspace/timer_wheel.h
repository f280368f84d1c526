// TimerWheel: a hierarchical hashed timer wheel over intrusive timer nodes.
//
// Thread safety: NOT thread-safe. The owner (a keyspace shard) serializes every
// call, including Advance() and the fire callback it runs, under its own lock.
//
// A TimerWheel keeps millions of deadlines (key expiries) with O(1) Schedule,
// Cancel and reschedule, and never allocates: each timer is a TimerNode
// embedded in the object it belongs to, so moving a deadline a million times
// costs no memory. Advance(now) fires every node whose deadline has passed.
//
// Example:
//
//   struct Entry {
//     std::string key;
//     TimerNode expiry;  // the entry's TTL
//   };
//
//   TimerWheel wheel(/*tick_ms=*/100, clock->NowMs());
//   wheel.Schedule(&entry->expiry, clock->NowMs() + 30'000);  // EXPIRE key 30
//   wheel.Schedule(&entry->expiry, clock->NowMs() + 60'000);  // moved: O(1)
//   ...
//   // Every tick (or whenever the clock moves):
//   wheel.Advance(clock->NowMs(), [&](TimerNode* node) {
//     Entry* e = ContainerOf(node);  // already unlinked from the wheel
//     map.erase(e->key);             // may free `e`, or Schedule() it again
//   });
//
// How it works
// ------------
//
// Time is cut into ticks of `tick_ms` milliseconds; a deadline D belongs to tick
// d = floor(D / tick_ms). The wheel has kLevels = 6 levels of kSlots = 64 slots;
// each slot is a circular doubly linked list with a sentinel head, threaded
// through the nodes themselves (TimerNode::prev/next). A slot at level L spans
// 64^L ticks, so level 0 covers 64 ticks, level 1 4,096, ..., level 5 64^6 =
// 2^36 ticks (218 years at 100 ms, 2.2 years at 1 ms).
//
// The wheel's cursor c is the tick of the latest Advance(). Tick numbers are
// read as base-64 digits, digit L being level L's slot index.
//
// Slot choice. A node with tick d is placed by where d first differs from c:
//   - d <= c (due now or in the past): the current level-0 slot, c % 64.
//   - otherwise at level L = (index of the highest bit where d and c differ) / 6,
//     i.e. the lowest level at which d and c are in the same 64^(L+1)-tick block;
//     slot (d >> 6L) % 64. That digit is greater than c's digit at level L, so
//     the slot lies ahead of the cursor and is reached before it wraps.
//   - d and c differ above level 5 (a "far" deadline, > 2^36 ticks away, up to
//     INT64_MAX): clamped to top-level slot 0, which is cascaded when the
//     cursor next crosses a multiple of 64^6 ticks; the node is then simply
//     placed again from its real deadline. Far nodes thus cost one O(1)
//     re-placement per 2^36 ticks, and never fire early.
// Placement is O(1) (one XOR and a bit_width), and so are Cancel (unlink) and
// reschedule (unlink + place).
//
// Cascading. When the cursor steps onto tick c and c is a multiple of 64^L
// (L >= 1), level L's slot for c holds exactly the nodes whose tick lies in the
// block [c, c + 64^L); they are re-placed, landing at lower levels. Levels are
// cascaded highest first. Over its life a node is re-placed at most kLevels - 1
// times (plus once per 2^36 ticks if far), so cascading is O(1) amortized.
//
// Firing. Level-0 slot c % 64 holds only nodes with tick <= c. Processing a
// slot splices its list onto a local list, then pops one node at a time: due
// nodes (deadline_ms <= now, always compared exactly) are unlinked and passed
// to the callback; others go back. Because no iterator survives a callback,
// the callback may Cancel or Schedule any node (those still on the local list
// included, since Cancel just unlinks) and may free the fired node. A node the
// callback schedules at or before the current tick lands in the live slot, not
// the local list, so it fires on a later step of this Advance() or on the next
// call, and a callback that keeps re-arming itself cannot loop forever. Each
// level-0 slot also keeps a lower bound of its deadlines, so repeated calls
// within one tick skip the scan when nothing can be due.
//
// What Advance(now) costs, with n = size(), S = 6 * 64 = 384 slots, and
// k = ticks between the cursor and now:
//   - Small steps (k <= n + S; the common case: a background thread calling
//     every tick, k = 1): the wheel steps tick by tick, firing each level-0
//     slot and cascading at block boundaries. O(k + fired + re-placed).
//   - Huge jumps (k > n + S; e.g. a test's ManualClock advancing a year): the
//     cursor jumps straight to now, every slot is spliced (O(1) each) onto one
//     list, and each node is fired or re-placed from its deadline. O(n + S),
//     independent of k. So a call is O(min(k, n + S) + work), never
//     O(empty ticks) for large k.
//
// Guarantees:
//   - Never early: a node fires only in an Advance(now) with deadline_ms <= now.
//   - Never late: a node fires in the first Advance(now) with now >= deadline_ms
//     (the slot of the current tick is compared with `now` on every call), unless
//     `max_fire` cut that call short; then it fires in a following call.
//   - Exactly once per Schedule: a fired or cancelled node is unlinked.
//   - No allocation, ever; memory is sizeof(TimerWheel) (about 9 KiB) plus the
//     nodes the caller owns.
//
// Limits:
//   - Fire order is unspecified (not sorted by deadline, even within a call).
//   - Time must not go backwards: an Advance(now) earlier than a previous one
//     fires only nodes due by that `now` and does not move the cursor back.
//   - The callback must not call Advance() or destroy the wheel.
//   - A node belongs to at most one wheel, and must be Cancel()led (or fired)
//     before its memory is freed or reused.
#ifndef EMBEDIS_LIB_KEYSPACE_TIMER_WHEEL_H_
#define EMBEDIS_LIB_KEYSPACE_TIMER_WHEEL_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "absl/functional/function_ref.h"

namespace embedis {

// Embedded in the object that owns the timer (a keyspace entry). A node is
// "linked" while it is scheduled in a wheel. The wheel never allocates: the
// memory for a timer is this node, so moving a deadline costs no memory.
//
// Owner bits. User-space pointers on the 64-bit platforms embedis runs on (x86-64, AArch64) use
// the low 48 bits; the top 16 bits of `prev` and of `next` hold 32 bits that belong to the owner
// (a keyspace entry keeps its LRU/LFU access information there, keyspace_eviction.cc), so that
// they cost no header space. The wheel keeps them intact: it reads and writes the links only
// through the accessors below, and Schedule/Cancel/firing never change the owner bits.
struct TimerNode {
  static constexpr int kPtrBits = 48;
  static constexpr uintptr_t kPtrMask = (uintptr_t{1} << kPtrBits) - 1;

  int64_t deadline_ms = 0;  // absolute, milliseconds since the Unix epoch

  bool linked() const { return (prev_ & kPtrMask) != 0; }
  TimerNode* prev() const { return reinterpret_cast<TimerNode*>(prev_ & kPtrMask); }
  TimerNode* next() const { return reinterpret_cast<TimerNode*>(next_ & kPtrMask); }
  void set_prev(TimerNode* p) { prev_ = (prev_ & ~kPtrMask) | reinterpret_cast<uintptr_t>(p); }
  void set_next(TimerNode* n) { next_ = (next_ & ~kPtrMask) | reinterpret_cast<uintptr_t>(n); }
  // The owner's 32 bits.
  uint32_t owner_bits() const {
    return static_cast<uint32_t>(((prev_ >> kPtrBits) << 16) | (next_ >> kPtrBits));
  }
  void set_owner_bits(uint32_t bits) {
    prev_ = (prev_ & kPtrMask) | (uintptr_t{bits >> 16} << kPtrBits);
    next_ = (next_ & kPtrMask) | (uintptr_t{bits & 0xFFFF} << kPtrBits);
  }

  // The links with the owner bits on top. Public only so that the type stays standard-layout
  // (entries find themselves from their node with offsetof); use the accessors.
  uintptr_t prev_ = 0;
  uintptr_t next_ = 0;
};
static_assert(sizeof(void*) == 8, "TimerNode keeps owner bits in the top of 48-bit pointers");

class TimerWheel {
 public:
  // `tick_ms` > 0: the wheel's resolution. `now_ms`: the current time.
  TimerWheel(int64_t tick_ms, int64_t now_ms);
  ~TimerWheel();  // unlinks every node (does not free them)
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Schedules `node` to fire at `deadline_ms`; if it is already linked in this
  // wheel it is moved (O(1), no allocation). A deadline in the past fires on
  // the next Advance(). REQUIRES: `node` is not linked in another wheel.
  void Schedule(TimerNode* node, int64_t deadline_ms);
  // Unlinks `node` if linked; no-op otherwise. O(1).
  void Cancel(TimerNode* node);

  // Moves the wheel to `now_ms` and fires, in no particular order, every node
  // whose deadline_ms <= now_ms: each is unlinked, then passed to
  // fire(TimerNode*), which may free it or Schedule/Cancel any node. Returns
  // the number fired. `max_fire` bounds the work of one call (the rest fire on
  // the next call); 0 = no bound. See the essay above for the cost.
  size_t Advance(int64_t now_ms, absl::FunctionRef<void(TimerNode*)> fire, size_t max_fire = 0);

  size_t size() const { return size_; }  // linked nodes
  int64_t tick_ms() const { return tick_ms_; }

 private:
  static constexpr int kLevelBits = 6;
  static constexpr int kSlots = 1 << kLevelBits;  // per level
  static constexpr int kLevels = 6;
  static constexpr int kTotalSlots = kSlots * kLevels;

  // The sentinel of level `level`, slot `slot`.
  TimerNode* Slot(int level, int slot) { return &slots_[level * kSlots + slot]; }
  // Links `node` into the slot its deadline_ms selects relative to cursor_.
  void Place(TimerNode* node);
  // Re-places every node of level `level`, slot `slot` (level >= 1).
  void Cascade(int level, int slot);
  // Fires the due nodes of level-0 slot `slot` while the budget lasts.
  // Returns false if the budget ran out.
  bool FireSlot(int slot, int64_t now_ms, absl::FunctionRef<void(TimerNode*)> fire, size_t max_fire,
                size_t* fired);
  // Jumps the cursor to `now_tick`, then fires or re-places every node.
  void Jump(int64_t now_tick, int64_t now_ms, absl::FunctionRef<void(TimerNode*)> fire,
            size_t max_fire, size_t* fired);

  const int64_t tick_ms_;
  int64_t cursor_;   // tick of the latest Advance(): all earlier ticks are done
  size_t size_ = 0;  // linked nodes, including those on a local list in Advance
  bool in_advance_ = false;
  std::array<TimerNode, kTotalSlots> slots_;   // sentinels, level-major
  std::array<int64_t, kSlots> level0_min_ms_;  // lower bound of deadlines per level-0 slot
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_KEYSPACE_TIMER_WHEEL_H_
