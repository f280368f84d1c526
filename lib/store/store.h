// Store: one key-value interface, two backends.
//
// An application keeps its sessions, caches and counters behind a Store and
// picks the backend with a URL, so switching is configuration, not code:
//
//   memory://                       in-process keyspace (MemoryStore); no server
//   memory://?shards=64&db=0        options as query parameters
//   redis://[user:pass@]host[:port][/db][?timeout_ms=..&pool=..]   a real Redis (RedisStore)
//   unix:///path/to/redis.sock[?db=..]
//
//   absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(getenv("EMBEDIS_URL"));
//   (*store)->Set("greeting", "hello", {.ttl = absl::Seconds(30)});
//   absl::StatusOr<std::optional<std::string>> v = (*store)->Get("greeting");
//
// Behaviour is Redis's on both backends (tests/conformance runs one suite on
// both): the same values, the same TTL rules, the same errors. A Redis error
// reply becomes a status whose message is Redis's text (WRONGTYPE ... is
// kFailedPrecondition, other errors kInvalidArgument or as documented per
// method); an unreachable or lost server is kUnavailable; a timeout is
// kDeadlineExceeded. Absence is a value (std::optional), never an error.
//
// Thread safety: every method may be called from any thread at any time.
#ifndef EMBEDIS_LIB_STORE_STORE_H_
#define EMBEDIS_LIB_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "lib/resp/value.h"
#include "lib/util/clock.h"

namespace embedis {

struct StoreSetOptions {
  enum class Condition : uint8_t { kAlways, kIfMissing /* NX */, kIfExists /* XX */ };
  Condition condition = Condition::kAlways;
  // Relative TTL (sent as PX; must be > 0), or an absolute deadline (PXAT).
  // At most one of ttl, expire_at and keep_ttl. Neither: no expiry.
  std::optional<absl::Duration> ttl;
  std::optional<absl::Time> expire_at;
  bool keep_ttl = false;
};

struct StoreScanOptions {
  std::string match;   // empty: all
  int64_t count = 10;  // a hint
  std::string type;    // empty: any ("string", "hash", ...)
};

struct StoreScanPage {
  uint64_t cursor = 0;  // 0: complete
  std::vector<std::string> keys;
};

struct HashScanPage {
  uint64_t cursor = 0;
  std::vector<std::pair<std::string, std::string>> fields;
};

// EXPIRE's conditions (combinable as in Redis: XX with GT or LT).
struct StoreExpireOptions {
  bool nx = false, xx = false, gt = false, lt = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // The clock TTL arithmetic uses (sessions compute cookie expiry with it).
  // MemoryStore: its keyspace's clock; RedisStore: the real clock.
  virtual Clock* clock() const = 0;

  // ---- Strings ----
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;
  // SET. Returns false when NX/XX prevented the write. InvalidArgument for a
  // non-positive ttl ("ERR invalid expire time in 'set' command").
  virtual absl::StatusOr<bool> Set(std::string_view key, std::string_view value,
                                   const StoreSetOptions& options = {}) = 0;
  // SET ... GET: the old value (nullopt if none); WRONGTYPE if not a string.
  virtual absl::StatusOr<std::optional<std::string>> SetGet(
      std::string_view key, std::string_view value, const StoreSetOptions& options = {}) = 0;
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      absl::Span<const std::string_view> keys) = 0;
  virtual absl::Status MSet(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs) = 0;
  virtual absl::StatusOr<int64_t> IncrBy(std::string_view key, int64_t by) = 0;
  absl::StatusOr<int64_t> Incr(std::string_view key) { return IncrBy(key, 1); }
  absl::StatusOr<int64_t> Decr(std::string_view key) { return IncrBy(key, -1); }
  virtual absl::StatusOr<double> IncrByFloat(std::string_view key, double by) = 0;

  // ---- Keys ----
  virtual absl::StatusOr<int64_t> Del(absl::Span<const std::string_view> keys) = 0;
  virtual absl::StatusOr<int64_t> Exists(absl::Span<const std::string_view> keys) = 0;
  // EXPIRE with millisecond precision (PEXPIRE). A ttl <= 0 deletes the key.
  // True when the timeout was set.
  virtual absl::StatusOr<bool> Expire(std::string_view key, absl::Duration ttl,
                                      const StoreExpireOptions& options = {}) = 0;
  virtual absl::StatusOr<bool> ExpireAt(std::string_view key, absl::Time at,
                                        const StoreExpireOptions& options = {}) = 0;
  // PTTL: -2 ms when missing, -1 ms without expiry, else the remaining time.
  virtual absl::StatusOr<absl::Duration> PTtl(std::string_view key) = 0;
  // TTL in whole seconds as Redis rounds it (-2 missing, -1 no expiry).
  virtual absl::StatusOr<int64_t> Ttl(std::string_view key) = 0;
  virtual absl::StatusOr<bool> Persist(std::string_view key) = 0;
  virtual absl::StatusOr<StoreScanPage> Scan(uint64_t cursor,
                                             const StoreScanOptions& options = {}) = 0;
  virtual absl::StatusOr<int64_t> DbSize() = 0;
  // FLUSHDB: removes every key of this store's database.
  virtual absl::Status FlushDb() = 0;

  // ---- Hashes ----
  virtual absl::StatusOr<int64_t> HSet(
      std::string_view key,
      absl::Span<const std::pair<std::string_view, std::string_view>> fields) = 0;
  virtual absl::StatusOr<std::optional<std::string>> HGet(std::string_view key,
                                                          std::string_view field) = 0;
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> HMGet(
      std::string_view key, absl::Span<const std::string_view> fields) = 0;
  // In Redis's order (insertion order for small hashes).
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> HGetAll(
      std::string_view key) = 0;
  virtual absl::StatusOr<int64_t> HDel(std::string_view key,
                                       absl::Span<const std::string_view> fields) = 0;
  virtual absl::StatusOr<bool> HExists(std::string_view key, std::string_view field) = 0;
  virtual absl::StatusOr<int64_t> HLen(std::string_view key) = 0;
  virtual absl::StatusOr<int64_t> HIncrBy(std::string_view key, std::string_view field,
                                          int64_t by) = 0;
  virtual absl::StatusOr<HashScanPage> HScan(std::string_view key, uint64_t cursor,
                                             const StoreScanOptions& options = {}) = 0;

  // ---- Anything else ----
  // Runs any Redis command and returns its reply as a value. A Redis error
  // reply is returned as a Value of type kError (not a failed status); a
  // failed status means the command could not be run (connection, timeout).
  // MemoryStore replies in RESP3 form when opened with ?protocol=3, else RESP2.
  virtual absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv) = 0;
  absl::StatusOr<resp::Value> Command(std::initializer_list<std::string_view> argv) {
    return Command(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }
};

// Opens a store from a URL (see the top of this file). InvalidArgument names
// what is wrong with a malformed URL; "rediss://" is Unimplemented ("TLS not
// supported yet"); an unreachable Redis is Unavailable.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url);

// OpenStore(getenv("EMBEDIS_URL")), or memory:// when it is unset or empty.
absl::StatusOr<std::unique_ptr<Store>> OpenStoreFromEnv();

// Converts a Redis error reply's text to a status with Redis's text as the
// message (errors::FromRedisError): "WRONGTYPE ..." -> kFailedPrecondition,
// "ERR no such key" -> kNotFound, NOAUTH/WRONGPASS/NOPERM -> kPermissionDenied,
// LOADING/BUSY/MASTERDOWN/TRYAGAIN -> kUnavailable, others -> kInvalidArgument.
absl::Status StatusFromRedisError(std::string_view message);

}  // namespace embedis

#endif  // EMBEDIS_LIB_STORE_STORE_H_
