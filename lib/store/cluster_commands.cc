#include "lib/store/cluster_commands.h"

#include <string>
#include <vector>

#include "lib/resp/value.h"
#include "lib/util/errors.h"

namespace embedis::store_internal {

absl::Status MSetPerSlot(Runner run, absl::FunctionRef<int(std::string_view)> slot_of,
                         absl::Span<const std::pair<std::string_view, std::string_view>> pairs) {
  std::vector<std::pair<int, std::vector<std::string_view>>> groups;  // slot -> MSET argv
  for (const auto& [key, value] : pairs) {
    const int slot = slot_of(key);
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == slot; });
    if (it == groups.end()) {
      groups.emplace_back(slot, std::vector<std::string_view>{"MSET"});
      it = groups.end() - 1;
    }
    it->second.push_back(key);
    it->second.push_back(value);
  }
  for (const auto& [slot, argv] : groups) {
    absl::StatusOr<resp::Value> r = run(argv);
    if (!r.ok()) return r.status();
    if (r->is_error()) return StatusFromRedisError(r->str());
    if (r->type() != resp::Type::kSimpleString) return Unexpected("MSET", *r);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> LMoveAcrossSlots(Runner run, std::string_view source,
                                                            std::string_view destination,
                                                            ListEnd from, ListEnd to) {
  // LMOVE's order of checks: a missing source is nil whatever the destination; a source of the
  // wrong type, then a destination of the wrong type, is WRONGTYPE.
  auto type_of = [&](std::string_view key) -> absl::StatusOr<std::string> {
    absl::StatusOr<resp::Value> t = run(std::vector<std::string_view>{"TYPE", key});
    if (!t.ok()) return t.status();
    if (t->is_error()) return StatusFromRedisError(t->str());
    if (!IsText(*t)) return Unexpected("TYPE", *t);
    return t->str();
  };
  absl::StatusOr<std::string> dest_type = type_of(destination);
  if (!dest_type.ok()) return dest_type.status();
  if (*dest_type != "none" && *dest_type != "list") {
    absl::StatusOr<std::string> source_type = type_of(source);
    if (!source_type.ok()) return source_type.status();
    if (*source_type == "none") return std::optional<std::string>();
    return StatusFromRedisError(errors::kWrongType);
  }
  const bool from_left = from == ListEnd::kLeft;
  absl::StatusOr<std::optional<std::string>> element =
      PopOne(run, from_left ? "LPOP" : "RPOP", source);
  if (!element.ok() || !element->has_value()) return element;
  const std::string_view value = **element;
  absl::StatusOr<int64_t> pushed =
      Push(run, to == ListEnd::kLeft ? "LPUSH" : "RPUSH", destination, {&value, 1});
  if (!pushed.ok()) {
    // The destination changed type meanwhile: give the element back where it came from.
    Push(run, from_left ? "LPUSH" : "RPUSH", source, {&value, 1}).IgnoreError();
    return pushed.status();
  }
  return element;
}

}  // namespace embedis::store_internal
