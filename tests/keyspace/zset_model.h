// The model of a sorted set for the randomized tests of ZSetValue and ZSetBTree: member -> score,
// and the (score, member) order (std::pair's: scores, then the members' bytes, -0 equal to +0).
#ifndef EMBEDIS_TESTS_KEYSPACE_ZSET_MODEL_H_
#define EMBEDIS_TESTS_KEYSPACE_ZSET_MODEL_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace embedis {

using ZSetEntries = std::vector<std::pair<std::string, double>>;

struct ZSetModel {
  std::map<std::string, double> scores;
  std::set<std::pair<double, std::string>> order;

  // Returns whether `m` is new.
  bool Insert(const std::string& m, double s) {
    auto it = scores.find(m);
    if (it != scores.end()) {
      order.erase({it->second, m});
      it->second = s;
      order.emplace(s, m);
      return false;
    }
    scores.emplace(m, s);
    order.emplace(s, m);
    return true;
  }
  bool Remove(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return false;
    order.erase({it->second, m});
    scores.erase(it);
    return true;
  }
  ZSetEntries All() const {
    ZSetEntries out;
    for (const auto& [s, m] : order) out.emplace_back(m, s);
    return out;
  }
};

}  // namespace embedis

#endif  // EMBEDIS_TESTS_KEYSPACE_ZSET_MODEL_H_
