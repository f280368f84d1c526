// DumpKeyspace: every key of every database of a Keyspace, with type, value and deadline, one
// sorted line per key, so that tests compare whole keyspaces (before/after a snapshot round trip).
//
//   EXPECT_EQ(DumpKeyspace(loaded), DumpKeyspace(expected));
#ifndef EMBEDIS_TESTS_TESTING_KEYSPACE_DUMP_H_
#define EMBEDIS_TESTS_TESTING_KEYSPACE_DUMP_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/keyspace/keyspace.h"

namespace embedis::testing {

inline std::vector<std::string> DumpKeyspace(Keyspace& ks) {
  std::vector<std::string> out;
  for (int shard = 0; shard < ks.shards(); ++shard) {
    std::vector<KeyRecord> records;
    ks.ExportShard(shard, &records);
    for (const KeyRecord& r : records) {
      std::string line = absl::StrCat(r.db, "|", r.key, "|", static_cast<int>(r.type), "|",
                                      r.expire_at_ms, "|", r.str);
      // A hash table's order (past 512 fields) and a set's are not kept by a reload, as in Redis.
      std::vector<std::pair<std::string, std::string>> fields = r.fields;
      if (fields.size() > 512) std::sort(fields.begin(), fields.end());
      for (const auto& [f, v] : fields) absl::StrAppend(&line, "|", f, "=", v);
      std::vector<std::string> elements = r.elements;
      if (r.type == ValueType::kSet) std::sort(elements.begin(), elements.end());
      for (const auto& e : elements) absl::StrAppend(&line, "|", e);
      for (const auto& [m, s] : r.scored) absl::StrAppend(&line, "|", m, ":", s);
      out.push_back(line);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_KEYSPACE_DUMP_H_
