// The backends of the Store conformance suites (*_conformance_test.cc here, one per capability,
// all in the binary store_conformance_test) and their common fixture: every assertion of those
// suites must hold for MemoryStore, for RedisStore against a real redis-server (started on a free
// loopback port), for RedisStore over TLS (rediss://) against the same server's TLS port, and for
// RedisStore on a local Redis Cluster (redis+cluster://, 3 primaries + 3 replicas), and for
// RedisStore on a Sentinel-guarded primary (redis+sentinel://), and for both of those again serving
// TLS only (rediss+cluster://, rediss+sentinel:// with a sentinel password).
//
// A capability's file registers a typed suite of its own on the fixture, for all seven backends:
//
//   template <typename Backend>
//   class StoreListConformance : public StoreConformance<Backend> {};
//   TYPED_TEST_SUITE_P(StoreListConformance);
//   TYPED_TEST_P(StoreListConformance, ListMove) { Store& s = this->store(); ... }
//   REGISTER_TYPED_TEST_SUITE_P(StoreListConformance, ListMove, ...);
//   INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreListConformance, Backends, BackendNames);
//
// The servers are shared by every suite of the binary (started on first use): the setups below
// live in a named namespace, so their function-local statics are one per binary.
#ifndef EMBEDIS_TESTS_CONFORMANCE_STORE_CONFORMANCE_H_
#define EMBEDIS_TESTS_CONFORMANCE_STORE_CONFORMANCE_H_

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/store/memory_store.h"
#include "lib/store/store.h"
#include "lib/util/clock.h"
#include "lib/util/status_matchers.h"
#include "tests/testing/redis_cluster.h"
#include "tests/testing/redis_sentinel.h"
#include "tests/testing/redis_server.h"
#include "tests/testing/shared_topologies.h"
#include "tests/testing/tls_certs.h"

namespace embedis::conformance {

// The matchers of the suites.
using ::embedis::testing::IsOkAndHolds;
using ::embedis::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
using Keys = std::vector<std::string_view>;
inline constexpr char kWrongType[] =
    "WRONGTYPE Operation against a key holding the wrong kind of value";

// Backend: the in-process keyspace on a ManualClock.
struct MemoryBackend {
  static constexpr const char* kName = "memory";
  absl::Status Init() {
    auto s = NewMemoryStore({.keyspace = {.shards = 8, .clock = &clock}});
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return absl::OkStatus();
  }
  // Moves time forward: synchronous expiry on the manual clock.
  void Advance(absl::Duration d) { clock.Advance(d); }
  absl::Time Now() { return clock.Now(); }
  ManualClock clock;
  std::unique_ptr<Store> store;
};

// The suite's redis-server, with a TLS port beside its plain one (certificates made with the
// openssl command line), shared by the redis and rediss backends.
struct SharedRedis {
  testing::RedisServerProcess process;
  int tls_port = 0;
  absl::Status status;
  const testing::TestPki* pki = nullptr;

  static SharedRedis& Get() {
    static SharedRedis* shared = [] {
      auto* s = new SharedRedis();
      s->pki = &testing::SharedTestPki();
      s->status = absl::UnavailableError("redis-server with TLS did not start");
      for (int attempt = 0; attempt < 3 && !s->status.ok(); ++attempt) {
        s->tls_port = testing::FreeLoopbackPort();
        s->status =
            s->process.Start({"--tls-port", std::to_string(s->tls_port), "--tls-cert-file",
                              s->pki->server_crt, "--tls-key-file", s->pki->server_key,
                              "--tls-ca-cert-file", s->pki->ca_crt, "--tls-auth-clients", "no"});
      }
      return s;
    }();
    return *shared;
  }
};

// Backend: a real redis-server, shared by the suite, flushed before each test.
struct RedisBackend {
  static constexpr const char* kName = "redis";
  static std::string Url(SharedRedis& redis) {
    return "redis://127.0.0.1:" + std::to_string(redis.process.port()) + "/0";
  }
  absl::Status Init() { return InitWith(Url); }
  absl::Status InitWith(std::string (*url)(SharedRedis&)) {
    SharedRedis& redis = SharedRedis::Get();
    if (!redis.status.ok()) return redis.status;
    auto s = OpenStore(url(redis));
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return store->FlushDb();
  }
  // Real time: sleep, with the margin added by callers.
  void Advance(absl::Duration d) { absl::SleepFor(d); }
  absl::Time Now() { return absl::Now(); }
  std::unique_ptr<Store> store;
};

// Backend: the same redis-server over TLS (rediss://, verifying its certificate).
struct RedissBackend : RedisBackend {
  static constexpr const char* kName = "rediss";
  static std::string Url(SharedRedis& redis) {
    return "rediss://127.0.0.1:" + std::to_string(redis.tls_port) +
           "/0?ca_file=" + redis.pki->ca_crt;
  }
  absl::Status Init() { return InitWith(Url); }
};

// Backends on a setup shared by the test binary (started on first use), flushed before each
// test; time is real. `Setup` names the backend and gives the store's URL.
template <typename Setup>
struct SharedSetupBackend {
  static constexpr const char* kName = Setup::kName;
  absl::Status Init() {
    absl::StatusOr<std::string> url = Setup::Url();
    if (!url.ok()) return url.status();
    auto s = OpenStore(*url);
    if (!s.ok()) return s.status();
    store = std::move(*s);
    return store->FlushDb();
  }
  void Advance(absl::Duration d) { absl::SleepFor(d); }
  absl::Time Now() { return absl::Now(); }
  std::unique_ptr<Store> store;
};

using ClusterBackend = SharedSetupBackend<testing::SharedClusterSetup>;
using SentinelBackend = SharedSetupBackend<testing::SharedSentinelSetup>;

// The same over TLS only: a cluster with `--port 0 --tls-cluster yes --tls-replication yes`
// (rediss+cluster://), and a Sentinel setup whose servers and sentinels serve TLS only and whose
// sentinels want a password (rediss+sentinel://?sentinel_password=...). Certificates of the
// binary's test PKI; the client presents its client certificate.
inline testing::RedisTlsFiles SharedTlsFiles() {
  const testing::TestPki& pki = testing::SharedTestPki();
  return {.ca_file = pki.ca_crt,
          .cert_file = pki.server_crt,
          .key_file = pki.server_key,
          .client_cert_file = pki.client_crt,
          .client_key_file = pki.client_key};
}
inline std::string ClientTlsParams() {
  const testing::TestPki& pki = testing::SharedTestPki();
  return absl::StrCat("ca_file=", pki.ca_crt, "&cert_file=", pki.client_crt,
                      "&key_file=", pki.client_key);
}
struct TlsClusterSetup {
  static constexpr const char* kName = "tls_cluster";
  static absl::StatusOr<std::string> Url() {
    static auto* shared = new std::pair<testing::RedisClusterProcess, absl::Status>();
    static const bool started = [] {
      shared->second = shared->first.Start({.tls = SharedTlsFiles()});
      std::atexit([] { delete shared; });
      return true;
    }();
    (void)started;
    if (!shared->second.ok()) return shared->second;
    return shared->first.Url(absl::StrCat("/?timeout_ms=5000&", ClientTlsParams()));
  }
};
using TlsClusterBackend = SharedSetupBackend<TlsClusterSetup>;
struct TlsSentinelSetup {
  static constexpr const char* kName = "tls_sentinel";
  static absl::StatusOr<std::string> Url() {
    static auto* shared = new std::pair<testing::RedisSentinelProcess, absl::Status>();
    static const bool started = [] {
      shared->second =
          shared->first.Start({.tls = SharedTlsFiles(), .sentinel_password = "sentinel-secret"});
      std::atexit([] { delete shared; });
      return true;
    }();
    (void)started;
    if (!shared->second.ok()) return shared->second;
    return shared->first.Url(
        absl::StrCat("?timeout_ms=5000&sentinel_password=sentinel-secret&", ClientTlsParams()));
  }
};
using TlsSentinelBackend = SharedSetupBackend<TlsSentinelSetup>;

template <typename Backend>
class StoreConformance : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(backend_.Init()); }
  Store& store() { return *backend_.store; }
  Backend backend_;
};

struct BackendNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};
using Backends = ::testing::Types<MemoryBackend, RedisBackend, RedissBackend, ClusterBackend,
                                  SentinelBackend, TlsClusterBackend, TlsSentinelBackend>;

}  // namespace embedis::conformance

#endif  // EMBEDIS_TESTS_CONFORMANCE_STORE_CONFORMANCE_H_
