#include "lib/store/list_commands.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "lib/resp/writer.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis::store_internal {

absl::Status Unexpected(std::string_view command, const resp::Value& v) {
  return absl::InternalError(absl::StrCat("unexpected reply to ", ToAbsl(command), ": ",
                                          ToAbsl(resp::TypeName(v.type()))));
}

bool IsText(const resp::Value& v) {
  return v.type() == resp::Type::kBulkString || v.type() == resp::Type::kSimpleString ||
         v.type() == resp::Type::kVerbatim;
}

namespace {

using resp::Type;
using resp::Value;
using Argv = absl::InlinedVector<std::string_view, 8>;

absl::StatusOr<Value> Run(Runner run, std::string_view command, const Argv& argv) {
  EMBEDIS_ASSIGN_OR_RETURN(Value v, run(absl::Span<const std::string_view>(argv)));
  if (v.is_error()) return StatusFromRedisError(v.str());
  return v;
}

absl::StatusOr<int64_t> ToInt(std::string_view command, const Value& v) {
  if (v.type() == Type::kInteger) return v.integer();
  return Unexpected(command, v);
}

absl::StatusOr<std::optional<std::string>> ToOptString(std::string_view command, Value v) {
  if (v.is_null()) return std::optional<std::string>();
  if (IsText(v)) return std::optional<std::string>(std::move(v.mutable_str()));
  return Unexpected(command, v);
}

absl::Status ToOk(std::string_view command, const Value& v) {
  if (v.type() == Type::kSimpleString) return absl::OkStatus();
  return Unexpected(command, v);
}

// An array of strings; a null is empty (LPOP key count on a missing key).
absl::StatusOr<std::vector<std::string>> ToStrings(std::string_view command, Value v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (v.type() != Type::kArray) return Unexpected(command, v);
  out.reserve(v.elements().size());
  for (Value& e : v.mutable_elements()) {
    if (!IsText(e)) return Unexpected(command, e);
    out.push_back(std::move(e.mutable_str()));
  }
  return out;
}

struct Number {
  explicit Number(int64_t v) : size(resp::FormatInt64(v, buf)) {}
  std::string_view view() const { return std::string_view(buf, size); }
  char buf[24];
  size_t size;
};

std::string_view EndName(ListEnd end) { return end == ListEnd::kLeft ? "LEFT" : "RIGHT"; }

}  // namespace

absl::StatusOr<int64_t> Push(Runner run, std::string_view command, std::string_view key,
                             absl::Span<const std::string_view> elements) {
  Argv argv = {command, key};
  argv.insert(argv.end(), elements.begin(), elements.end());
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, command, argv));
  return ToInt(command, v);
}

absl::StatusOr<std::optional<std::string>> PopOne(Runner run, std::string_view command,
                                                  std::string_view key) {
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, command, {command, key}));
  return ToOptString(command, std::move(v));
}

absl::StatusOr<std::vector<std::string>> PopCount(Runner run, std::string_view command,
                                                  std::string_view key, int64_t count) {
  Number n(count);
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, command, {command, key, n.view()}));
  return ToStrings(command, std::move(v));
}

absl::StatusOr<std::vector<std::string>> LRange(Runner run, std::string_view key, int64_t start,
                                                int64_t stop) {
  Number a(start), b(stop);
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, "LRANGE", {"LRANGE", key, a.view(), b.view()}));
  return ToStrings("LRANGE", std::move(v));
}

absl::StatusOr<int64_t> LLen(Runner run, std::string_view key) {
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, "LLEN", {"LLEN", key}));
  return ToInt("LLEN", v);
}

absl::StatusOr<std::optional<std::string>> LIndex(Runner run, std::string_view key, int64_t index) {
  Number i(index);
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, "LINDEX", {"LINDEX", key, i.view()}));
  return ToOptString("LINDEX", std::move(v));
}

absl::Status LSet(Runner run, std::string_view key, int64_t index, std::string_view element) {
  Number i(index);
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, "LSET", {"LSET", key, i.view(), element}));
  return ToOk("LSET", v);
}

absl::StatusOr<int64_t> LRem(Runner run, std::string_view key, int64_t count,
                             std::string_view element) {
  Number n(count);
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, "LREM", {"LREM", key, n.view(), element}));
  return ToInt("LREM", v);
}

absl::Status LTrim(Runner run, std::string_view key, int64_t start, int64_t stop) {
  Number a(start), b(stop);
  EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(run, "LTRIM", {"LTRIM", key, a.view(), b.view()}));
  return ToOk("LTRIM", v);
}

absl::StatusOr<std::optional<std::string>> LMove(Runner run, std::string_view source,
                                                 std::string_view destination, ListEnd from,
                                                 ListEnd to) {
  EMBEDIS_ASSIGN_OR_RETURN(
      Value v, Run(run, "LMOVE", {"LMOVE", source, destination, EndName(from), EndName(to)}));
  return ToOptString("LMOVE", std::move(v));
}

absl::StatusOr<std::optional<KeyElement>> BlockingPop(Runner run, std::string_view command,
                                                      absl::Span<const std::string_view> keys,
                                                      absl::Duration timeout) {
  const std::string timeout_arg = TimeoutArg(timeout);
  Argv argv = {command};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.push_back(timeout_arg);
  EMBEDIS_ASSIGN_OR_RETURN(Value reply, Run(run, command, argv));
  if (reply.is_null()) return std::optional<KeyElement>();
  if (reply.type() != Type::kArray || reply.elements().size() != 2 ||
      !IsText(reply.elements()[0]) || !IsText(reply.elements()[1])) {
    return Unexpected(command, reply);
  }
  std::vector<Value>& e = reply.mutable_elements();
  return std::optional<KeyElement>(
      KeyElement(std::move(e[0].mutable_str()), std::move(e[1].mutable_str())));
}

std::string TimeoutArg(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return "0";
  // Any negative timeout is "-1": Redis reads a tiny negative one ("-0.001") as 0, forever.
  if (timeout < absl::ZeroDuration()) return "-1";
  // Whole milliseconds, rounded up.
  int64_t ms = absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1)));
  std::string out = absl::StrCat(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);  // 3 digits
    while (frac.back() == '0') frac.pop_back();
    absl::StrAppend(&out, ".", frac);
  }
  return out;
}

}  // namespace embedis::store_internal
