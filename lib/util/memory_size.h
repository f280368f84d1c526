// Redis's memory sizes ("100mb", "1gb", "4096"), as redis.conf, CONFIG SET and memory:// URLs
// write them.
#ifndef EMBEDIS_LIB_UTIL_MEMORY_SIZE_H_
#define EMBEDIS_LIB_UTIL_MEMORY_SIZE_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace embedis {

// Parses Redis's memory sizes: a non-negative integer with an optional case-insensitive unit,
// b=1, k=1000, kb=1024, m=1000^2, mb=1024^2, g=1000^3, gb=1024^3 ("1gb", "512mb", "4096").
// nullopt on anything else or on overflow.
std::optional<int64_t> ParseMemorySize(std::string_view text);

}  // namespace embedis

#endif  // EMBEDIS_LIB_UTIL_MEMORY_SIZE_H_
