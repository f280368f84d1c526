#include "lib/keyspace/timer_wheel.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <limits>

namespace embedis {
namespace {

constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

// floor(a / b) for b > 0, also for negative a.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// Circular doubly linked lists with a sentinel head (links through the accessors, which keep
// the nodes' owner bits).
void InitList(TimerNode* head) {
  head->set_prev(head);
  head->set_next(head);
}

bool ListEmpty(const TimerNode* head) { return head->next() == head; }

void PushBack(TimerNode* head, TimerNode* node) {
  node->set_prev(head->prev());
  node->set_next(head);
  head->prev()->set_next(node);
  head->set_prev(node);
}

void Unlink(TimerNode* node) {
  node->prev()->set_next(node->next());
  node->next()->set_prev(node->prev());
  node->set_prev(nullptr);
  node->set_next(nullptr);
}

// Moves every node of `from` to the tail of `to`; `from` becomes empty.
void SpliceAll(TimerNode* from, TimerNode* to) {
  if (ListEmpty(from)) return;
  TimerNode* first = from->next();
  TimerNode* last = from->prev();
  first->set_prev(to->prev());
  to->prev()->set_next(first);
  last->set_next(to);
  to->set_prev(last);
  InitList(from);
}

}  // namespace

TimerWheel::TimerWheel(int64_t tick_ms, int64_t now_ms)
    : tick_ms_(tick_ms), cursor_(FloorDiv(now_ms, tick_ms)) {
  assert(tick_ms > 0);
  for (TimerNode& head : slots_) InitList(&head);
  level0_min_ms_.fill(kNoDeadline);
}

TimerWheel::~TimerWheel() {
  for (TimerNode& head : slots_) {
    while (!ListEmpty(&head)) Unlink(head.next());
  }
}

void TimerWheel::Schedule(TimerNode* node, int64_t deadline_ms) {
  if (node->linked()) {
    Unlink(node);
  } else {
    ++size_;
  }
  node->deadline_ms = deadline_ms;
  Place(node);
}

void TimerWheel::Cancel(TimerNode* node) {
  if (!node->linked()) return;
  Unlink(node);
  --size_;
  // level0_min_ms_ stays a valid (if loose) lower bound.
}

void TimerWheel::Place(TimerNode* node) {
  constexpr uint64_t kMask = kSlots - 1;
  const int64_t tick = FloorDiv(node->deadline_ms, tick_ms_);
  int level = 0;
  int slot;
  if (tick <= cursor_) {
    slot = static_cast<int>(static_cast<uint64_t>(cursor_) & kMask);  // due: current slot
  } else {
    // The highest base-64 digit where tick and cursor differ picks the level.
    const uint64_t diff = static_cast<uint64_t>(tick) ^ static_cast<uint64_t>(cursor_);
    level = (std::bit_width(diff) - 1) / kLevelBits;
    if (level >= kLevels) {
      // Far: park in the top level's slot 0, re-placed at the next top wrap.
      PushBack(Slot(kLevels - 1, 0), node);
      return;
    }
    slot = static_cast<int>((static_cast<uint64_t>(tick) >> (level * kLevelBits)) & kMask);
  }
  PushBack(Slot(level, slot), node);
  if (level == 0) {
    level0_min_ms_[slot] = std::min(level0_min_ms_[slot], node->deadline_ms);
  }
}

void TimerWheel::Cascade(int level, int slot) {
  TimerNode local;
  InitList(&local);
  SpliceAll(Slot(level, slot), &local);
  while (!ListEmpty(&local)) {
    TimerNode* node = local.next();
    Unlink(node);
    Place(node);
  }
}

bool TimerWheel::FireSlot(int slot, int64_t now_ms, absl::FunctionRef<void(TimerNode*)> fire,
                          size_t max_fire, size_t* fired) {
  TimerNode* head = Slot(0, slot);
  if (level0_min_ms_[slot] > now_ms) return true;  // nothing here can be due
  // Work on a local list, so that the callback can Schedule/Cancel any node:
  // nodes it re-arms into this slot land on `head`, not on `local`.
  TimerNode local;
  InitList(&local);
  SpliceAll(head, &local);
  const int64_t old_min = level0_min_ms_[slot];
  level0_min_ms_[slot] = kNoDeadline;
  while (!ListEmpty(&local)) {
    TimerNode* node = local.next();
    if (node->deadline_ms > now_ms) {  // same tick, not yet due
      Unlink(node);
      PushBack(head, node);
      level0_min_ms_[slot] = std::min(level0_min_ms_[slot], node->deadline_ms);
      continue;
    }
    if (max_fire != 0 && *fired >= max_fire) {
      SpliceAll(&local, head);
      level0_min_ms_[slot] = std::min(level0_min_ms_[slot], old_min);
      return false;
    }
    Unlink(node);
    --size_;
    ++*fired;
    fire(node);
  }
  return true;
}

void TimerWheel::Jump(int64_t now_tick, int64_t now_ms, absl::FunctionRef<void(TimerNode*)> fire,
                      size_t max_fire, size_t* fired) {
  TimerNode all;
  InitList(&all);
  for (TimerNode& head : slots_) SpliceAll(&head, &all);
  level0_min_ms_.fill(kNoDeadline);
  cursor_ = now_tick;
  while (!ListEmpty(&all)) {
    TimerNode* node = all.next();
    Unlink(node);
    if (node->deadline_ms <= now_ms && (max_fire == 0 || *fired < max_fire)) {
      --size_;
      ++*fired;
      fire(node);
    } else {
      Place(node);  // a due node left over by max_fire lands in the current slot
    }
  }
}

size_t TimerWheel::Advance(int64_t now_ms, absl::FunctionRef<void(TimerNode*)> fire,
                           size_t max_fire) {
  assert(!in_advance_ && "the fire callback must not call Advance()");
  in_advance_ = true;
  constexpr uint64_t kMask = kSlots - 1;
  const int64_t now_tick = FloorDiv(now_ms, tick_ms_);
  size_t fired = 0;
  if (now_tick > cursor_) {
    const uint64_t steps = static_cast<uint64_t>(now_tick) - static_cast<uint64_t>(cursor_);
    if (steps > static_cast<uint64_t>(size_) + kTotalSlots) {
      Jump(now_tick, now_ms, fire, max_fire, &fired);
      in_advance_ = false;
      return fired;
    }
    while (cursor_ < now_tick) {
      const int slot = static_cast<int>(static_cast<uint64_t>(cursor_) & kMask);
      // Every node here has a tick <= cursor_ < now_tick, hence is due.
      if (!FireSlot(slot, now_ms, fire, max_fire, &fired)) {
        in_advance_ = false;
        return fired;  // budget spent; the cursor stays on this tick
      }
      // What the callbacks scheduled at or before this tick is still here:
      // carry it to the next tick's slot, where it fires on the next step.
      const int next = static_cast<int>((static_cast<uint64_t>(slot) + 1) & kMask);
      if (!ListEmpty(Slot(0, slot))) {
        SpliceAll(Slot(0, slot), Slot(0, next));
        level0_min_ms_[next] = std::min(level0_min_ms_[next], level0_min_ms_[slot]);
      }
      level0_min_ms_[slot] = kNoDeadline;
      ++cursor_;
      const uint64_t c = static_cast<uint64_t>(cursor_);
      for (int level = kLevels - 1; level >= 1; --level) {
        const int shift = level * kLevelBits;
        if ((c & ((uint64_t{1} << shift) - 1)) == 0) {
          Cascade(level, static_cast<int>((c >> shift) & kMask));
        }
      }
    }
  }
  FireSlot(static_cast<int>(static_cast<uint64_t>(cursor_) & kMask), now_ms, fire, max_fire,
           &fired);
  in_advance_ = false;
  return fired;
}

}  // namespace embedis
