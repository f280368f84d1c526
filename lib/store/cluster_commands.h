// The Store's typed methods whose keys a Redis Cluster may spread over several slots, where one
// command would be refused with CROSSSLOT: RedisStore on redis+cluster:// runs these instead
// (internal to lib/store).
//
// They keep each method's results and error texts, but not its atomicity across slots:
//   - MSet: one MSET per slot (each atomic; another client may see some slots written first).
//   - LMove: TYPE of the destination, then LPOP/RPOP on the source and LPUSH/RPUSH on the
//     destination; an element popped but refused by the destination is pushed back. Another
//     client may observe the element in neither list for a moment.
//   - Blocking pops (BLPop, BRPop, BZPopMin, BZPopMax): the keys are tried in order with the
//     non-blocking pop, then again after a pause (1 ms doubling to 50 ms) until the timeout.
//     The first key with an element wins, as with the blocking command, but waiting clients are
//     not served first-come first-served as Redis serves blocked clients.
//
// Thread safety: stateless; as thread-safe as the runner.
#ifndef EMBEDIS_LIB_STORE_CLUSTER_COMMANDS_H_
#define EMBEDIS_LIB_STORE_CLUSTER_COMMANDS_H_

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/store/list_commands.h"
#include "lib/store/store.h"

namespace embedis::store_internal {

// MSET per slot (`slot_of` gives a key's slot).
absl::Status MSetPerSlot(Runner run, absl::FunctionRef<int(std::string_view)> slot_of,
                         absl::Span<const std::pair<std::string_view, std::string_view>> pairs);

// LMOVE as separate commands (see above).
absl::StatusOr<std::optional<std::string>> LMoveAcrossSlots(Runner run, std::string_view source,
                                                            std::string_view destination,
                                                            ListEnd from, ListEnd to);

// Polls `try_pop(key)` over `keys` in order until one gives a value or `timeout` passes (zero or
// infinite: forever). REQUIRES: timeout >= 0 (callers send a negative one to the server).
template <typename T>
absl::StatusOr<std::optional<T>> PollKeys(
    absl::Span<const std::string_view> keys, absl::Duration timeout,
    absl::FunctionRef<absl::StatusOr<std::optional<T>>(std::string_view key)> try_pop) {
  const bool forever = timeout == absl::ZeroDuration() || timeout == absl::InfiniteDuration();
  const absl::Time deadline = forever ? absl::InfiniteFuture() : absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(1);
  for (;;) {
    for (std::string_view key : keys) {
      absl::StatusOr<std::optional<T>> got = try_pop(key);
      if (!got.ok() || got->has_value()) return got;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return std::optional<T>();
    absl::SleepFor(std::min(pause, left));
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_CLUSTER_COMMANDS_H_
