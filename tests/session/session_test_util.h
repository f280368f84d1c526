// Test helpers for the session layer: the two Store backends of the typed
// suites, and a Store decorator that records and perturbs calls.
#ifndef EMBEDIS_TESTS_SESSION_SESSION_TEST_UTIL_H_
#define EMBEDIS_TESTS_SESSION_SESSION_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "lib/util/clock.h"
#include "lib/util/mutex.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_sentinel.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/shared_topologies.h"

namespace embedis::session_testing {

// Backend: the in-process keyspace on a ManualClock.
struct MemoryBackend {
  static constexpr const char* kName = "memory";
  static constexpr bool kManualClock = true;
  absl::Status Init() {
    auto s = NewMemoryStore({.keyspace = {.shards = 4, .clock = &clock}});
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return absl::OkStatus();
  }
  void Advance(absl::Duration d) { clock.Advance(d); }
  ManualClock clock;
  std::unique_ptr<Store> store;
};

// Backend: a real redis-server (started once per test binary), flushed before
// each test. Time is real: Advance() sleeps.
struct RedisBackend {
  static constexpr const char* kName = "redis";
  static constexpr bool kManualClock = false;
  absl::Status Init() {
    static testing::RedisServerProcess* server = [] {
      auto* s = new testing::RedisServerProcess();
      start_status() = s->Start();
      return s;
    }();
    if (!start_status().ok()) return start_status();
    port = server->port();
    auto s = OpenStore("redis://127.0.0.1:" + std::to_string(server->port()) + "/0");
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return store->FlushDb();
  }
  static absl::Status& start_status() {
    static absl::Status status;
    return status;
  }
  void Advance(absl::Duration d) { absl::SleepFor(d); }
  int port = 0;
  std::unique_ptr<Store> store;
};

// Backends on a setup shared by the test binary (started on first use), flushed before each
// test; time is real. `Setup` names the backend and gives the store's URL.
template <typename Setup>
struct SharedSetupBackend {
  static constexpr const char* kName = Setup::kName;
  static constexpr bool kManualClock = false;
  absl::Status Init() {
    absl::StatusOr<std::string> url = Setup::Url();
    if (!url.ok()) return url.status();
    auto s = OpenStore(*url);
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return store->FlushDb();
  }
  void Advance(absl::Duration d) { absl::SleepFor(d); }
  std::unique_ptr<Store> store;
};

using ClusterBackend = SharedSetupBackend<testing::SharedClusterSetup>;
using SentinelBackend = SharedSetupBackend<testing::SharedSentinelSetup>;

// Forwards every call to `inner`, recording the command names, and lets a
// test rewrite SCAN pages (to return duplicates) or run code between SCAN and
// MGET (to make keys vanish).
class RecordingStore : public Store {
 public:
  explicit RecordingStore(Store* inner) : inner_(inner) {}

  std::vector<std::string> calls() {
    MutexLock l(&mu_);
    return calls_;
  }
  void ClearCalls() {
    MutexLock l(&mu_);
    calls_.clear();
  }
  std::vector<StoreScanOptions> scan_options;
  // When not OK, every recorded call fails with it instead of running.
  absl::Status fail_with;
  std::function<void(StoreScanPage&)> on_scan_page;
  std::function<void()> before_mget;

  Clock* clock() const override { return inner_->clock(); }
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    Record("GET");
    if (Failing()) return fail_with;
    return inner_->Get(key);
  }
  absl::StatusOr<bool> Set(std::string_view key, std::string_view value,
                           const StoreSetOptions& options) override {
    Record(options.ttl ? "SET EX" : "SET");
    if (Failing()) return fail_with;
    return inner_->Set(key, value, options);
  }
  absl::StatusOr<std::optional<std::string>> SetGet(std::string_view key, std::string_view value,
                                                    const StoreSetOptions& options) override {
    Record("SETGET");
    if (Failing()) return fail_with;
    return inner_->SetGet(key, value, options);
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      absl::Span<const std::string_view> keys) override {
    Record("MGET");
    if (Failing()) return fail_with;
    if (before_mget) before_mget();
    return inner_->MGet(keys);
  }
  absl::Status MSet(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs) override {
    Record("MSET");
    if (Failing()) return fail_with;
    return inner_->MSet(pairs);
  }
  absl::StatusOr<int64_t> IncrBy(std::string_view key, int64_t by) override {
    Record("INCRBY");
    if (Failing()) return fail_with;
    return inner_->IncrBy(key, by);
  }
  absl::StatusOr<double> IncrByFloat(std::string_view key, double by) override {
    Record("INCRBYFLOAT");
    if (Failing()) return fail_with;
    return inner_->IncrByFloat(key, by);
  }
  absl::StatusOr<int64_t> Del(absl::Span<const std::string_view> keys) override {
    Record("DEL");
    if (Failing()) return fail_with;
    return inner_->Del(keys);
  }
  absl::StatusOr<int64_t> Exists(absl::Span<const std::string_view> keys) override {
    Record("EXISTS");
    if (Failing()) return fail_with;
    return inner_->Exists(keys);
  }
  absl::StatusOr<bool> Expire(std::string_view key, absl::Duration ttl,
                              const StoreExpireOptions& options) override {
    Record("EXPIRE");
    if (Failing()) return fail_with;
    return inner_->Expire(key, ttl, options);
  }
  absl::StatusOr<bool> ExpireAt(std::string_view key, absl::Time at,
                                const StoreExpireOptions& options) override {
    Record("EXPIREAT");
    if (Failing()) return fail_with;
    return inner_->ExpireAt(key, at, options);
  }
  absl::StatusOr<absl::Duration> PTtl(std::string_view key) override { return inner_->PTtl(key); }
  absl::StatusOr<int64_t> Ttl(std::string_view key) override { return inner_->Ttl(key); }
  absl::StatusOr<bool> Persist(std::string_view key) override {
    Record("PERSIST");
    if (Failing()) return fail_with;
    return inner_->Persist(key);
  }
  absl::StatusOr<StoreScanPage> Scan(uint64_t cursor, const StoreScanOptions& options) override {
    Record("SCAN");
    if (Failing()) return fail_with;
    scan_options.push_back(options);
    auto page = inner_->Scan(cursor, options);
    if (page.ok() && on_scan_page) on_scan_page(*page);
    return page;
  }
  absl::StatusOr<int64_t> DbSize() override { return inner_->DbSize(); }
  absl::Status FlushDb() override { return inner_->FlushDb(); }
  absl::StatusOr<int64_t> HSet(
      std::string_view key,
      absl::Span<const std::pair<std::string_view, std::string_view>> fields) override {
    return inner_->HSet(key, fields);
  }
  absl::StatusOr<std::optional<std::string>> HGet(std::string_view key,
                                                  std::string_view field) override {
    return inner_->HGet(key, field);
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> HMGet(
      std::string_view key, absl::Span<const std::string_view> fields) override {
    return inner_->HMGet(key, fields);
  }
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> HGetAll(
      std::string_view key) override {
    return inner_->HGetAll(key);
  }
  absl::StatusOr<int64_t> HDel(std::string_view key,
                               absl::Span<const std::string_view> fields) override {
    return inner_->HDel(key, fields);
  }
  absl::StatusOr<bool> HExists(std::string_view key, std::string_view field) override {
    return inner_->HExists(key, field);
  }
  absl::StatusOr<int64_t> HLen(std::string_view key) override { return inner_->HLen(key); }
  absl::StatusOr<int64_t> HIncrBy(std::string_view key, std::string_view field,
                                  int64_t by) override {
    return inner_->HIncrBy(key, field, by);
  }
  absl::StatusOr<HashScanPage> HScan(std::string_view key, uint64_t cursor,
                                     const StoreScanOptions& options) override {
    return inner_->HScan(key, cursor, options);
  }
  using Store::Command;
  absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv) override {
    Record("COMMAND");
    if (Failing()) return fail_with;
    return inner_->Command(argv);
  }

 private:
  void Record(const char* name) {
    MutexLock l(&mu_);
    calls_.push_back(name);
  }
  bool Failing() const { return !fail_with.ok(); }
  Store* const inner_;
  Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace embedis::session_testing

#endif  // EMBEDIS_TESTS_SESSION_SESSION_TEST_UTIL_H_
