#include "lib/store/store.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "lib/scripting/script_engine.h"
#include "lib/store/list_commands.h"
#include "lib/util/errors.h"
#include "lib/util/status_macros.h"

namespace embedis {

absl::Status StatusFromRedisError(std::string_view message) {
  return errors::FromRedisError(message);
}

// ---- Scripts ----

StoreScript::StoreScript(std::string body)
    : body_(std::move(body)), sha1_(scripting::ScriptEngine::Sha1Hex(body_)) {}

namespace {

// EVAL's and FCALL's argv: command, script or function, numkeys, keys, args. `numkeys` must
// outlive the result.
std::vector<std::string_view> ScriptArgv(std::string_view command, std::string_view target,
                                         const std::string& numkeys,
                                         absl::Span<const std::string_view> keys,
                                         absl::Span<const std::string_view> args) {
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.insert(argv.end(), {command, target, numkeys});
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// A reply, or its error as a status.
absl::StatusOr<resp::Value> ReplyOrStatus(absl::StatusOr<resp::Value> reply) {
  if (reply.ok() && reply->is_error()) return StatusFromRedisError(reply->str());
  return reply;
}

}  // namespace

absl::StatusOr<resp::Value> Store::Eval(const StoreScript& script,
                                        absl::Span<const std::string_view> keys,
                                        absl::Span<const std::string_view> args) {
  const std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv = ScriptArgv("EVALSHA", script.sha1(), numkeys, keys, args);
  EMBEDIS_ASSIGN_OR_RETURN(resp::Value reply, Command(argv));
  if (reply.is_error() && absl::StartsWith(reply.str(), "NOSCRIPT ")) {
    argv[0] = "EVAL";
    argv[1] = script.body();
    EMBEDIS_ASSIGN_OR_RETURN(reply, Command(argv));
  }
  return ReplyOrStatus(std::move(reply));
}

absl::StatusOr<std::string> Store::FunctionLoad(std::string_view code, bool replace) {
  absl::StatusOr<resp::Value> reply =
      ReplyOrStatus(replace ? Command({"FUNCTION", "LOAD", "REPLACE", code})
                            : Command({"FUNCTION", "LOAD", code}));
  if (!reply.ok()) return reply.status();
  return std::string(reply->str());
}

absl::StatusOr<resp::Value> Store::FCall(std::string_view function,
                                         absl::Span<const std::string_view> keys,
                                         absl::Span<const std::string_view> args) {
  const std::string numkeys = std::to_string(keys.size());
  return ReplyOrStatus(Command(ScriptArgv("FCALL", function, numkeys, keys, args)));
}

absl::StatusOr<resp::Value> Store::FCallRo(std::string_view function,
                                           absl::Span<const std::string_view> keys,
                                           absl::Span<const std::string_view> args) {
  const std::string numkeys = std::to_string(keys.size());
  return ReplyOrStatus(Command(ScriptArgv("FCALL_RO", function, numkeys, keys, args)));
}

// ---- Lists: each method's command, through Command() ----

namespace {
// Store::Command as a store_internal::Runner.
struct RunCommand {
  absl::StatusOr<resp::Value> operator()(absl::Span<const std::string_view> argv) const {
    return store->Command(argv);
  }
  Store* store;
};
}  // namespace

absl::StatusOr<int64_t> Store::LPush(std::string_view key,
                                     absl::Span<const std::string_view> elements) {
  return store_internal::Push(RunCommand{this}, "LPUSH", key, elements);
}
absl::StatusOr<int64_t> Store::RPush(std::string_view key,
                                     absl::Span<const std::string_view> elements) {
  return store_internal::Push(RunCommand{this}, "RPUSH", key, elements);
}
absl::StatusOr<int64_t> Store::LPushX(std::string_view key,
                                      absl::Span<const std::string_view> elements) {
  return store_internal::Push(RunCommand{this}, "LPUSHX", key, elements);
}
absl::StatusOr<int64_t> Store::RPushX(std::string_view key,
                                      absl::Span<const std::string_view> elements) {
  return store_internal::Push(RunCommand{this}, "RPUSHX", key, elements);
}
absl::StatusOr<std::optional<std::string>> Store::LPop(std::string_view key) {
  return store_internal::PopOne(RunCommand{this}, "LPOP", key);
}
absl::StatusOr<std::optional<std::string>> Store::RPop(std::string_view key) {
  return store_internal::PopOne(RunCommand{this}, "RPOP", key);
}
absl::StatusOr<std::vector<std::string>> Store::LPop(std::string_view key, int64_t count) {
  return store_internal::PopCount(RunCommand{this}, "LPOP", key, count);
}
absl::StatusOr<std::vector<std::string>> Store::RPop(std::string_view key, int64_t count) {
  return store_internal::PopCount(RunCommand{this}, "RPOP", key, count);
}
absl::StatusOr<std::vector<std::string>> Store::LRange(std::string_view key, int64_t start,
                                                       int64_t stop) {
  return store_internal::LRange(RunCommand{this}, key, start, stop);
}
absl::StatusOr<int64_t> Store::LLen(std::string_view key) {
  return store_internal::LLen(RunCommand{this}, key);
}
absl::StatusOr<std::optional<std::string>> Store::LIndex(std::string_view key, int64_t index) {
  return store_internal::LIndex(RunCommand{this}, key, index);
}
absl::Status Store::LSet(std::string_view key, int64_t index, std::string_view element) {
  return store_internal::LSet(RunCommand{this}, key, index, element);
}
absl::StatusOr<int64_t> Store::LRem(std::string_view key, int64_t count, std::string_view element) {
  return store_internal::LRem(RunCommand{this}, key, count, element);
}
absl::Status Store::LTrim(std::string_view key, int64_t start, int64_t stop) {
  return store_internal::LTrim(RunCommand{this}, key, start, stop);
}
absl::StatusOr<std::optional<std::string>> Store::LMove(std::string_view source,
                                                        std::string_view destination, ListEnd from,
                                                        ListEnd to) {
  return store_internal::LMove(RunCommand{this}, source, destination, from, to);
}

absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Store::BLPop(
    absl::Span<const std::string_view> keys, absl::Duration timeout) {
  return store_internal::BlockingPop(RunCommand{this}, "BLPOP", keys, timeout);
}
absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Store::BRPop(
    absl::Span<const std::string_view> keys, absl::Duration timeout) {
  return store_internal::BlockingPop(RunCommand{this}, "BRPOP", keys, timeout);
}

}  // namespace embedis
