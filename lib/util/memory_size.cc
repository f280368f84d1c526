#include "lib/util/memory_size.h"

#include <cctype>
#include <limits>
#include <string>

namespace embedis {

std::optional<int64_t> ParseMemorySize(std::string_view text) {
  size_t i = 0;
  int64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    int digit = text[i] - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return std::nullopt;
  std::string unit;
  for (; i < text.size(); ++i) {
    unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  }
  int64_t multiplier = 1;
  if (unit.empty() || unit == "b") {
    multiplier = 1;
  } else if (unit == "k") {
    multiplier = 1000;
  } else if (unit == "kb") {
    multiplier = 1024;
  } else if (unit == "m") {
    multiplier = 1000 * 1000;
  } else if (unit == "mb") {
    multiplier = 1024 * 1024;
  } else if (unit == "g") {
    multiplier = 1000LL * 1000 * 1000;
  } else if (unit == "gb") {
    multiplier = 1024LL * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  if (value > std::numeric_limits<int64_t>::max() / multiplier) return std::nullopt;
  return value * multiplier;
}

}  // namespace embedis
