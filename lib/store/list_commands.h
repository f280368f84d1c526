// The Store's typed list methods as Redis commands, shared by both backends.
//
// The Store's default list methods (store.cc) send the commands through Store::Command(), which
// is how RedisStore runs them on a server (MemoryStore overrides them to call the list
// operations, lib/commands/list_ops.h, directly; its blocking pops still run the command through
// its table, since they wait in BlockedCallers). Each method builds the argv and reads the
// reply, which is what this file does once: each
// function takes a `Runner` that runs one command and returns its reply (a Redis error reply as
// a Value of type kError) and converts the reply to the typed result (an error reply through
// StatusFromRedisError; an unexpected reply type is kInternal). RESP2 and RESP3 replies alike.
//
//   absl::StatusOr<int64_t> n = store_internal::Push(run, "RPUSH", "queue", {"a", "b"});
//
// Internal to lib/store. Thread safety: stateless; as thread-safe as the runner.
#ifndef EMBEDIS_LIB_STORE_LIST_COMMANDS_H_
#define EMBEDIS_LIB_STORE_LIST_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/resp/value.h"
#include "lib/store/store.h"

namespace embedis::store_internal {

using Runner =
    absl::FunctionRef<absl::StatusOr<resp::Value>(absl::Span<const std::string_view> argv)>;
using KeyElement = std::pair<std::string, std::string>;

// kInternal "unexpected reply to <command>: <type>".
absl::Status Unexpected(std::string_view command, const resp::Value& v);
// A reply that carries text: a bulk, simple or verbatim string.
bool IsText(const resp::Value& v);

// LPUSH, RPUSH, LPUSHX or RPUSHX (`command`) key element...
absl::StatusOr<int64_t> Push(Runner run, std::string_view command, std::string_view key,
                             absl::Span<const std::string_view> elements);
// LPOP or RPOP key.
absl::StatusOr<std::optional<std::string>> PopOne(Runner run, std::string_view command,
                                                  std::string_view key);
// LPOP or RPOP key count.
absl::StatusOr<std::vector<std::string>> PopCount(Runner run, std::string_view command,
                                                  std::string_view key, int64_t count);
absl::StatusOr<std::vector<std::string>> LRange(Runner run, std::string_view key, int64_t start,
                                                int64_t stop);
absl::StatusOr<int64_t> LLen(Runner run, std::string_view key);
absl::StatusOr<std::optional<std::string>> LIndex(Runner run, std::string_view key, int64_t index);
absl::Status LSet(Runner run, std::string_view key, int64_t index, std::string_view element);
absl::StatusOr<int64_t> LRem(Runner run, std::string_view key, int64_t count,
                             std::string_view element);
absl::Status LTrim(Runner run, std::string_view key, int64_t start, int64_t stop);
absl::StatusOr<std::optional<std::string>> LMove(Runner run, std::string_view source,
                                                 std::string_view destination, ListEnd from,
                                                 ListEnd to);

// BLPOP or BRPOP (`command`) key... timeout: (key, element), nullopt when it timed out.
absl::StatusOr<std::optional<KeyElement>> BlockingPop(Runner run, std::string_view command,
                                                      absl::Span<const std::string_view> keys,
                                                      absl::Duration timeout);

// Sorted sets (set_commands.cc). BZPOPMIN or BZPOPMAX (`command`) key... timeout: (key, member,
// score), nullopt when it timed out.
absl::StatusOr<std::optional<StoreKeyScoredMember>> BlockingZPop(
    Runner run, std::string_view command, absl::Span<const std::string_view> keys,
    absl::Duration timeout);
// A score in a reply: a RESP3 double, or RESP2's bulk string ("1.5", "inf", "-inf").
absl::StatusOr<double> ScoreOf(std::string_view command, const resp::Value& v);

// A blocking command's timeout argument in seconds, as both backends send it: the duration
// rounded up to whole milliseconds ("0.25", "3"); "0" (forever) for zero and for
// absl::InfiniteDuration(); "-1" for any negative duration, so that the command itself rejects
// it with Redis's error.
std::string TimeoutArg(absl::Duration timeout);

}  // namespace embedis::store_internal

#endif  // EMBEDIS_LIB_STORE_LIST_COMMANDS_H_
