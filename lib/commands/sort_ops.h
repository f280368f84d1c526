// SORT and SORT_RO: Redis 7.0's sort of a list's, a set's or a sorted set's elements, with typed
// results. As list_ops.h is for the list commands: sort_family.cc parses the arguments into
// SortOptions, calls Sort and writes the reply; the work (reading the elements, the BY and GET
// lookups, the order, LIMIT, STORE) is here.
//
//   SortOptions o;
//   o.by = "weight_*";            // sort by the strings weight_<element>
//   o.get = {"#", "name_*->first"};  // each element, then field "first" of hash name_<element>
//   o.limit_start = 0; o.limit_count = 10;
//   absl::StatusOr<SortResult> r = sort_ops::Sort(ks, 0, "ids", o);
//
// Redis's rules, as redis-server 7.0.15 applies them:
// - Order: numeric by default (each element, or its BY value, read as a double by strtod; a value
//   that is not wholly a number, NaN or out of range fails the whole command with
//   errors::kSortNotDouble; a missing BY value counts as 0); ties in numeric order are broken by
//   comparing the elements' bytes. ALPHA compares bytes as strcmp does (up to a NUL byte; Redis
//   uses strcoll, which the C locale makes strcmp), but binary-safe with STORE; with BY, a missing
//   value sorts first. DESC reverses.
// - BY with a pattern without `*` (conventionally "nosort") sorts nothing: a list or sorted set
//   keeps its order (DESC reading it from the end), a set its iteration order, except that a set
//   with STORE is sorted ALPHA (so that replicas agree).
// - Patterns: "#" is the element itself; otherwise the first `*` is replaced by the element and the
//   key read as a string, or with `->field` after the `*` as that field of a hash; a missing key,
//   field, or a key of another type reads as nothing (nil in GET's reply, "" in STORE).
// - LIMIT offset count, both clamped to the size (a negative count: to the end).
// - STORE destination: the reply's strings as a list (replacing any value, TTL cleared; an empty
//   result deletes the destination); the reply is then the number of strings.
// - The key must be a list, set or sorted set (errors::kWrongType otherwise); a missing key sorts
//   as an empty list.
//
// Thread safety: may be called from any thread. The sorted key is read in one keyspace callback;
// the BY/GET lookups and STORE are separate callbacks (not one atomic step, as in Redis).
#ifndef EMBEDIS_LIB_COMMANDS_SORT_OPS_H_
#define EMBEDIS_LIB_COMMANDS_SORT_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::sort_ops {

struct SortOptions {
  std::optional<std::string_view> by;  // BY pattern
  int64_t limit_start = 0;             // LIMIT offset
  int64_t limit_count = -1;            // LIMIT count; negative: all
  std::vector<std::string_view> get;   // GET patterns, in order
  bool desc = false;
  bool alpha = false;
  std::optional<std::string_view> store;  // STORE destination
};

// SORT without STORE: the reply's entries in order (nullopt: a nil), one per element when there
// are no GET patterns, else one per GET pattern per element.
absl::StatusOr<std::vector<std::optional<std::string>>> Sort(Keyspace& ks, int db,
                                                             std::string_view key,
                                                             const SortOptions& options);

// SORT with STORE (options.store set): stores the result and returns its length.
absl::StatusOr<int64_t> SortStore(Keyspace& ks, int db, std::string_view key,
                                  const SortOptions& options);

// What a pattern reads for `element` (the rules above); nullopt when nothing.
std::optional<std::string> LookupByPattern(Keyspace& ks, int db, std::string_view pattern,
                                           std::string_view element);

}  // namespace embedis::sort_ops

#endif  // EMBEDIS_LIB_COMMANDS_SORT_OPS_H_
