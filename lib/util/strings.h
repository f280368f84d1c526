// Small string helpers that bridge Debian's Abseil and the standard library.
//
// Debian 12 builds Abseil with ABSL_OPTION_USE_STD_STRING_VIEW=0, so
// absl::string_view is a type of its own, not std::string_view. embedis uses
// std::string_view everywhere and converts at the few Abseil call sites that
// take absl::string_view (absl::Status messages, absl::SimpleAtoi, ...).
//
//   return absl::InvalidArgumentError(ToAbsl(message));
//   StringMap<int> counts;  counts.find(std::string_view("k"));  // no copy
#ifndef EMBEDIS_LIB_UTIL_STRINGS_H_
#define EMBEDIS_LIB_UTIL_STRINGS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "xxhash.h"

namespace embedis {

inline absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}
inline std::string_view FromAbsl(absl::string_view s) {
  return std::string_view(s.data(), s.size());
}

// Transparent hash and equality over std::string_view, so that maps keyed by
// std::string can be searched with a std::string_view without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
};
struct StringEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

template <typename V>
using StringMap = absl::flat_hash_map<std::string, V, StringHash, StringEq>;
using StringSet = absl::flat_hash_set<std::string, StringHash, StringEq>;

}  // namespace embedis

#endif  // EMBEDIS_LIB_UTIL_STRINGS_H_
