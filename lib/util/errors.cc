#include "lib/util/errors.h"

#include "lib/util/strings.h"

namespace embedis::errors {
namespace {
// True when `message` starts with `word` followed by a space or the end.
bool StartsWithWord(std::string_view message, std::string_view word) {
  return message.substr(0, word.size()) == word &&
         (message.size() == word.size() || message[word.size()] == ' ');
}
}  // namespace

std::string InvalidExpireTime(std::string_view command) {
  std::string out = "ERR invalid expire time in '";
  out.append(command);
  out += "' command";
  return out;
}

std::string ZSetNeedsInputKey(std::string_view command) {
  std::string out = "ERR at least 1 input key is needed for '";
  out.append(command);
  out += "' command";
  return out;
}

std::string WrongArity(std::string_view command) {
  std::string out = "ERR wrong number of arguments for '";
  out.append(command);
  out += "' command";
  return out;
}

absl::Status FromRedisError(std::string_view message) {
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
  if (StartsWithWord(message, "WRONGTYPE")) {
    code = absl::StatusCode::kFailedPrecondition;
  } else if (message == kNoSuchKey) {
    code = absl::StatusCode::kNotFound;
  } else if (StartsWithWord(message, "NOAUTH") || StartsWithWord(message, "WRONGPASS") ||
             StartsWithWord(message, "NOPERM")) {
    code = absl::StatusCode::kPermissionDenied;
  } else if (StartsWithWord(message, "LOADING") || StartsWithWord(message, "BUSY") ||
             StartsWithWord(message, "MASTERDOWN") || StartsWithWord(message, "TRYAGAIN")) {
    code = absl::StatusCode::kUnavailable;
  } else if (StartsWithWord(message, "OOM")) {
    code = absl::StatusCode::kResourceExhausted;
  }
  return absl::Status(code, ToAbsl(message));
}

}  // namespace embedis::errors
