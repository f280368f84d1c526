// Randomized model test: random operations and clock advances applied to the
// Keyspace and to a plain std::map reference with deadlines, compared after
// every step (leveldb's model-test pattern). Covers SET, GET, DEL, EXPIRE, PERSIST, PTTL,
// RENAME, MSET, HSET, EXISTS, TYPE, HGET, SCAN, DBSIZE, SWAPDB, FLUSHDB, MOVE, COPY and list
// edits through Update (pushes, pops, LSET, LINSERT, LTRIM-like erases, LREM) against a deque.
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/keyspace/keyspace.h"
#include "lib/util/clock.h"
#include "lib/util/glob.h"

namespace embedis {
namespace {

struct ModelValue {
  bool is_hash = false;
  bool is_list = false;
  std::string str;
  std::map<std::string, std::string> hash;
  std::deque<std::string> list;
  int64_t deadline = -1;  // -1: none
};

ValueType TypeOf(const ModelValue& m) {
  return m.is_list ? ValueType::kList : m.is_hash ? ValueType::kHash : ValueType::kString;
}

class Model {
 public:
  explicit Model(ManualClock* clock) : clock_(clock) {}

  // Returns the live entry or nullptr, removing an expired one.
  ModelValue* Find(int db, const std::string& key) {
    auto it = dbs_[db].find(key);
    if (it == dbs_[db].end()) return nullptr;
    if (it->second.deadline != -1 && it->second.deadline <= clock_->NowMs()) {
      dbs_[db].erase(it);
      return nullptr;
    }
    return &it->second;
  }
  std::map<std::string, ModelValue>& db(int d) { return dbs_[d]; }
  std::set<std::string> LiveKeys(int d) {
    std::set<std::string> out;
    for (auto& [k, v] : dbs_[d]) {
      if (v.deadline == -1 || v.deadline > clock_->NowMs()) out.insert(k);
    }
    return out;
  }

 private:
  ManualClock* clock_;
  std::map<std::string, ModelValue> dbs_[3];
};

class KeyspaceModelTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(KeyspaceModelTest, RandomOperationsMatchReference) {
  ManualClock clock;
  Keyspace ks({.shards = 4, .databases = 3, .tick = absl::Milliseconds(100), .clock = &clock});
  Model model(&clock);
  std::mt19937 rng(GetParam());
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  // Lists live mostly under l0..l7 (case 15 edits those); the generic operations reach them too.
  auto list_key = [&] { return "l" + std::to_string(pick(8)); };
  auto key = [&] { return pick(8) == 0 ? list_key() : "k" + std::to_string(pick(60)); };
  auto value = [&] { return std::string(pick(40), static_cast<char>('a' + pick(26))); };
  auto deadline = [&]() -> int64_t {
    // Mostly near future, sometimes past, sometimes far future (days, years).
    switch (pick(6)) {
      case 0:
        return clock.NowMs() - pick(1000);
      case 1:
        return clock.NowMs() + int64_t{86'400'000} * (1 + pick(400));
      default:
        return clock.NowMs() + 1 + pick(3000);
    }
  };

  // The whole of (d, x) agrees with the model: existence, type, value, deadline.
  auto check_key = [&](int d, const std::string& x) {
    ModelValue* m = model.Find(d, x);
    ASSERT_EQ(ks.ExpireTimeMs(d, x), m == nullptr ? -2 : m->deadline) << "db " << d << " " << x;
    if (m == nullptr) return;
    ASSERT_EQ(ks.Type(d, x), TypeOf(*m));
    if (m->is_list) {
      std::deque<std::string> got;
      ks.Update(d, x, [&](KeyHandle& h) {
        const ListValue& l = h.list_view();
        l.ForRange(0, l.size(), [&](std::string_view e) { got.emplace_back(e); });
      });
      ASSERT_EQ(got, m->list);
      return;
    }
    if (!m->is_hash) {
      ASSERT_EQ(ks.Get(d, x).value(), std::optional<std::string>(m->str));
      return;
    }
    for (int f = 0; f < 4; ++f) {
      const std::string field = "f" + std::to_string(f);
      auto it = m->hash.find(field);
      ASSERT_EQ(ks.HGet(d, x, field).value(),
                it == m->hash.end() ? std::nullopt : std::optional<std::string>(it->second));
    }
  };

  // How often MOVE met each situation, so that the test can tell that it covered them all.
  int moved = 0, moved_with_ttl = 0, refused_target_exists = 0, refused_same_db = 0;
  int list_edits = 0, lists_emptied = 0;

  for (int step = 0; step < 6000; ++step) {
    SCOPED_TRACE("step " + std::to_string(step) + " seed " + std::to_string(GetParam()));
    const int db = pick(3);
    const std::string k = key();
    const int64_t now = clock.NowMs();
    const int op = pick(20);
    switch (op >= 17 ? 15 : op) {  // list edits are 4 in 20
      case 0: {  // SET with random options
        SetOptions o;
        o.condition = static_cast<SetOptions::Condition>(pick(3));
        o.ttl = static_cast<SetOptions::Ttl>(pick(3));
        o.expire_at_ms = deadline();
        o.get = pick(2) == 0;
        std::string v = value();
        ModelValue* m = model.Find(db, k);
        auto r = ks.Set(db, k, v, o);
        if (o.get && m != nullptr && TypeOf(*m) != ValueType::kString) {
          ASSERT_FALSE(r.ok());
          break;
        }
        ASSERT_TRUE(r.ok()) << r.status();
        if (o.get) {
          ASSERT_EQ(r->old_value, m ? std::optional<std::string>(m->str) : std::nullopt);
        }
        bool write = o.condition == SetOptions::Condition::kAlways ||
                     (o.condition == SetOptions::Condition::kIfMissing) == (m == nullptr);
        ASSERT_EQ(r->written, write);
        if (!write) break;
        int64_t keep = m ? m->deadline : -1;
        ModelValue nv{.str = v};
        nv.deadline = o.ttl == SetOptions::Ttl::kKeep ? keep
                      : o.ttl == SetOptions::Ttl::kAt ? o.expire_at_ms
                                                      : -1;
        if (o.ttl == SetOptions::Ttl::kAt && o.expire_at_ms <= now) {
          model.db(db).erase(k);
        } else {
          model.db(db)[k] = nv;
        }
        break;
      }
      case 1: {  // GET
        ModelValue* m = model.Find(db, k);
        auto r = ks.Get(db, k);
        if (m != nullptr && TypeOf(*m) != ValueType::kString) {
          ASSERT_FALSE(r.ok());
        } else {
          ASSERT_TRUE(r.ok());
          ASSERT_EQ(*r, m ? std::optional<std::string>(m->str) : std::nullopt);
        }
        break;
      }
      case 2: {  // DEL of 1-3 keys
        std::vector<std::string> keys = {k, key(), key()};
        keys.resize(1 + pick(3));
        std::set<std::string> uniq(keys.begin(), keys.end());
        int64_t expect = 0;
        for (const auto& x : uniq) expect += model.Find(db, x) != nullptr;
        for (const auto& x : uniq) model.db(db).erase(x);
        ASSERT_EQ(ks.Delete(db, std::vector<std::string_view>(keys.begin(), keys.end())), expect);
        break;
      }
      case 3: {  // EXPIRE with condition
        // Any combination Redis accepts: none, NX, XX, GT, LT, XX+GT, XX+LT.
        static const ExpireCondition kConds[] = {{},
                                                 {.nx = true},
                                                 {.xx = true},
                                                 {.gt = true},
                                                 {.lt = true},
                                                 {.xx = true, .gt = true},
                                                 {.xx = true, .lt = true}};
        const ExpireCondition cond = kConds[pick(7)];
        ModelValue* m = model.Find(db, k);
        // Sometimes exactly the current deadline, to test GT/LT's strictness.
        int64_t at = (m != nullptr && m->deadline != -1 && pick(4) == 0) ? m->deadline : deadline();
        bool expect = false;
        if (m != nullptr) {
          const int64_t cur = m->deadline;
          expect = !(cond.nx && cur != -1) && !(cond.xx && cur == -1) &&
                   !(cond.gt && (cur == -1 || at <= cur)) && !(cond.lt && cur != -1 && at >= cur);
          if (expect) {
            if (at <= now) {
              model.db(db).erase(k);
            } else {
              m->deadline = at;
            }
          }
        }
        ASSERT_EQ(ks.Expire(db, k, at, cond), expect);
        break;
      }
      case 4: {  // PERSIST
        ModelValue* m = model.Find(db, k);
        bool expect = m != nullptr && m->deadline != -1;
        if (expect) m->deadline = -1;
        ASSERT_EQ(ks.Persist(db, k), expect);
        break;
      }
      case 5: {  // PTTL and EXPIRETIME
        ModelValue* m = model.Find(db, k);
        int64_t expect = m == nullptr ? -2 : m->deadline == -1 ? -1 : m->deadline - now;
        ASSERT_EQ(ks.PTtl(db, k), expect);
        ASSERT_EQ(ks.ExpireTimeMs(db, k), m == nullptr ? -2 : m->deadline);
        break;
      }
      case 6: {  // RENAME / RENAMENX
        std::string to = key();
        bool nx = pick(2) == 0;
        ModelValue* src = model.Find(db, k);
        ModelValue* dst = model.Find(db, to);
        auto r = ks.Rename(db, k, to, nx);
        if (src == nullptr) {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kNotFound);
          break;
        }
        ASSERT_TRUE(r.ok());
        bool expect = k == to ? !nx : !(nx && dst != nullptr);
        ASSERT_EQ(*r, expect);
        if (expect && k != to) {
          ModelValue moved = *src;
          model.db(db).erase(k);
          model.db(db)[to] = moved;
        }
        break;
      }
      case 7: {  // MSET / MSETNX
        std::vector<std::pair<std::string, std::string>> pairs;
        for (int i = 0, n = 1 + pick(3); i < n; ++i) pairs.push_back({key(), value()});
        bool nx = pick(2) == 0;
        bool any = false;
        for (auto& [pk, pv] : pairs) any |= model.Find(db, pk) != nullptr;
        std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(),
                                                                         pairs.end());
        bool expect = !(nx && any);
        ASSERT_EQ(ks.MSet(db, views, nx), expect);
        if (expect) {
          for (auto& [pk, pv] : pairs) model.db(db)[pk] = ModelValue{.str = pv};
        }
        break;
      }
      case 8: {  // HSET
        ModelValue* m = model.Find(db, k);
        std::string f = "f" + std::to_string(pick(4)), v = value();
        auto r = ks.HSet(db, k, {{f, v}});
        if (m != nullptr && !m->is_hash) {
          ASSERT_FALSE(r.ok());
          break;
        }
        ASSERT_TRUE(r.ok());
        if (m == nullptr) m = &(model.db(db)[k] = ModelValue{.is_hash = true});
        ASSERT_EQ(*r, m->hash.count(f) ? 0 : 1);
        m->hash[f] = v;
        break;
      }
      case 9: {  // EXISTS, TYPE, HGET
        ModelValue* m = model.Find(db, k);
        ASSERT_EQ(ks.KeyExists(db, k), m != nullptr);
        auto t = ks.Type(db, k);
        ASSERT_EQ(t.has_value(), m != nullptr);
        if (m) {
          ASSERT_EQ(*t, TypeOf(*m));
        }
        if (m && m->is_hash) {
          auto it = m->hash.find("f0");
          auto r = ks.HGet(db, k, "f0");
          ASSERT_TRUE(r.ok());
          ASSERT_EQ(*r,
                    it == m->hash.end() ? std::nullopt : std::optional<std::string>(it->second));
        }
        break;
      }
      case 10:
      case 11: {  // advance the clock: small steps mostly, sometimes days
        int64_t ms = pick(10) == 0 ? int64_t{86'400'000} * pick(30) : pick(700);
        clock.Advance(absl::Milliseconds(ms));
        break;
      }
      case 12: {  // full SCAN equals the live key set (optionally matched)
        const std::string match = pick(2) ? "k1*" : "";
        std::set<std::string> got;
        uint64_t cursor = 0;
        do {
          ScanResult r = ks.Scan(db, cursor, match, 1 + pick(20));
          got.insert(r.keys.begin(), r.keys.end());
          cursor = r.cursor;
        } while (cursor != 0);
        std::set<std::string> expect;
        for (const auto& x : model.LiveKeys(db)) {
          if (match.empty() || GlobMatch(match, x)) expect.insert(x);
        }
        ASSERT_EQ(got, expect);
        break;
      }
      case 13: {  // DBSIZE and SWAPDB / FLUSHDB now and then
        ASSERT_EQ(ks.Size(db), static_cast<int64_t>(model.LiveKeys(db).size()));
        if (pick(20) == 0) {
          int other = pick(3);
          ks.SwapDb(db, other);
          std::swap(model.db(db), model.db(other));
        } else if (pick(40) == 0) {
          ks.Flush(db);
          model.db(db).clear();
        }
        break;
      }
      case 14: {  // MOVE to another database, or the same one (always refused)
        const int to = pick(3);
        ModelValue* src = model.Find(db, k);
        if (src != nullptr && src->deadline == -1 && pick(2) == 0) {
          // Most keys have no TTL (or lose it soon): give half of those one first.
          const int64_t at = now + 1 + (pick(4) == 0 ? int64_t{86'400'000} : pick(3000));
          ASSERT_TRUE(ks.Expire(db, k, at));
          src->deadline = at;
        }
        const bool target_exists = model.Find(to, k) != nullptr;  // to == db: the source itself
        const bool expect = src != nullptr && !target_exists;
        if (expect) {
          ++moved;
          moved_with_ttl += src->deadline != -1;
          model.db(to)[k] = *src;  // value and deadline
          model.db(db).erase(k);
        } else if (src != nullptr) {
          ++(to == db ? refused_same_db : refused_target_exists);
        }
        ASSERT_EQ(ks.Move(db, to, k), expect) << "from " << db << " to " << to;
        check_key(db, k);
        check_key(to, k);
        break;
      }
      case 15: {  // a list edit through Update, as the list commands make them
        const std::string k = list_key();  // the check after the step looks at the step's key
        ModelValue* m = model.Find(db, k);
        if (m != nullptr && !m->is_list) break;  // WRONGTYPE is the command layer's
        const int op = pick(8);
        const std::string v = value();
        ks.Update(db, k, [&](KeyHandle& h) {
          ASSERT_EQ(h.exists(), m != nullptr);
          if (!h.exists()) {
            if (op > 1) return;  // only pushes create a list
            h.CreateList();
          }
          ListValue& l = h.list();
          if (m == nullptr) m = &(model.db(db)[k] = ModelValue{.is_list = true});
          std::deque<std::string>& d = m->list;
          ASSERT_EQ(l.size(), d.size());
          const size_t i = d.empty() ? 0 : pick(static_cast<int>(d.size()));
          switch (op) {
            case 0:
              for (int n = 1 + pick(20); n > 0; --n) {
                l.PushFront(v);
                d.push_front(v);
              }
              break;
            case 1:
              for (int n = 1 + pick(20); n > 0; --n) {
                l.PushBack(v + std::to_string(n));
                d.push_back(v + std::to_string(n));
              }
              break;
            case 2:
              if (pick(2) == 0) {
                ASSERT_EQ(l.PopFront(), d.front());
                d.pop_front();
              } else {
                ASSERT_EQ(l.PopBack(), d.back());
                d.pop_back();
              }
              break;
            case 3:
              ASSERT_EQ(l.At(i), d[i]);
              l.Set(i, v);
              d[i] = v;
              break;
            case 4: {
              const size_t at = pick(static_cast<int>(d.size()) + 1);
              l.Insert(at, v);
              d.insert(d.begin() + at, v);
              break;
            }
            case 5: {
              const size_t count = pick(static_cast<int>(d.size() - i) + 1);
              l.Erase(i, count);
              d.erase(d.begin() + i, d.begin() + i + count);
              break;
            }
            case 6: {
              const std::string target = d[i];
              const size_t limit = pick(3);
              const bool from_tail = pick(2) == 0;
              size_t expect = 0;
              if (from_tail) {
                for (size_t j = d.size(); j-- > 0 && (limit == 0 || expect < limit);) {
                  if (d[j] == target) {
                    d.erase(d.begin() + j);
                    ++expect;
                  }
                }
              } else {
                for (size_t j = 0; j < d.size() && (limit == 0 || expect < limit);) {
                  if (d[j] == target) {
                    d.erase(d.begin() + j);
                    ++expect;
                  } else {
                    ++j;
                  }
                }
              }
              ASSERT_EQ(l.Remove(target, limit, from_tail), expect);
              break;
            }
            case 7: {
              std::vector<std::string> got;
              const size_t count = pick(static_cast<int>(d.size() - i) + 1);
              l.ForRange(i, count, [&](std::string_view e) { got.emplace_back(e); });
              ASSERT_EQ(got, std::vector<std::string>(d.begin() + i, d.begin() + i + count));
              break;
            }
          }
          ASSERT_EQ(l.size(), d.size());
        });
        if (m != nullptr) ++list_edits;
        if (m != nullptr && m->list.empty()) {
          model.db(db).erase(k);  // emptied: deleted
          ++lists_emptied;
        }
        check_key(db, k);
        break;
      }
      case 16: {  // COPY to another key (deep: later edits of one do not show in the other)
        const int to_db = pick(3);
        const std::string to = key();
        ModelValue* src = model.Find(db, k);
        if (to_db == db && to == k) break;
        const bool replace = pick(2) == 0;
        const bool target_exists = model.Find(to_db, to) != nullptr;
        const bool expect = src != nullptr && (replace || !target_exists);
        ASSERT_EQ(ks.Copy(db, k, to_db, to, replace), expect);
        if (expect) model.db(to_db)[to] = *src;
        check_key(db, k);
        check_key(to_db, to);
        break;
      }
    }
    // After every step: the touched key agrees.
    ModelValue* m = model.Find(db, k);
    ASSERT_EQ(ks.KeyExists(db, k), m != nullptr);
  }
  EXPECT_GT(moved, 20);
  EXPECT_GT(moved_with_ttl, 5);
  EXPECT_GT(refused_target_exists, 5);
  EXPECT_GT(refused_same_db, 5);
  EXPECT_GT(list_edits, 100);
  EXPECT_GE(lists_emptied, 3);
  // After a day everything with a TTL is gone from memory, not just hidden.
  clock.Advance(absl::Hours(24 * 500));
  uint64_t live = 0, with_ttl = 0;
  for (int d = 0; d < 3; ++d) {
    for (const auto& x : model.LiveKeys(d)) {
      ++live;
      with_ttl += model.db(d)[x].deadline != -1;
    }
  }
  EXPECT_EQ(ks.GetStats().keys, live);
  EXPECT_EQ(ks.GetStats().expires, with_ttl);
}

INSTANTIATE_TEST_SUITE_P(Seeds, KeyspaceModelTest, ::testing::Values(1u, 2u, 3u, 42u, 2026u));

}  // namespace
}  // namespace embedis
