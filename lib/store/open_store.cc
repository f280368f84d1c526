// OpenStore: URL -> Store.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/store/memory_store.h"
#include "lib/store/redis_store.h"
#include "lib/store/store.h"
#include "lib/util/memory_size.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

absl::Status BadUrl(std::string_view url, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid store URL '", ToAbsl(url), "': ", ToAbsl(problem)));
}

absl::StatusOr<std::unique_ptr<Store>> OpenMemory(std::string_view url) {
  std::string_view rest = url.substr(std::string_view("memory://").size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (!rest.empty() && rest != "/") {
    return BadUrl(url, "memory:// takes no host or path; put options after '?'");
  }
  MemoryStoreOptions options;
  if (query.empty()) return NewMemoryStore(options);
  for (absl::string_view param : absl::StrSplit(ToAbsl(query), '&')) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(param, '=');
    // The append-only file (lib/commands/aof.h), named as redis-server's parameters.
    if (kv.first == "appendonly") {
      if (kv.second != "yes" && kv.second != "no")
        return BadUrl(url, "appendonly must be yes or no");
      options.aof.appendonly = kv.second == "yes";
      continue;
    }
    if (kv.first == "appendfsync") {
      if (kv.second != "always" && kv.second != "everysec" && kv.second != "no") {
        return BadUrl(url, "appendfsync must be always, everysec or no");
      }
      options.aof.appendfsync = std::string(kv.second);
      continue;
    }
    if (kv.first == "dir" || kv.first == "appendfilename" || kv.first == "appenddirname") {
      if (kv.second.empty()) return BadUrl(url, absl::StrCat(kv.first, " must not be empty"));
      std::string& field = kv.first == "dir"              ? options.aof.dir
                           : kv.first == "appendfilename" ? options.aof.appendfilename
                                                          : options.aof.appenddirname;
      field = std::string(kv.second);
      continue;
    }
    // maxmemory and its policy (KeyspaceOptions::eviction), with Redis's names and units.
    EvictionOptions& ev = options.keyspace.eviction;
    if (kv.first == "maxmemory") {
      std::optional<int64_t> bytes = ParseMemorySize(FromAbsl(kv.second));
      if (!bytes) return BadUrl(url, "maxmemory must be a memory size (100mb, 1gb, 4096)");
      ev.maxmemory = static_cast<uint64_t>(*bytes);
      continue;
    }
    if (kv.first == "maxmemory-policy") {
      std::optional<EvictionPolicy> policy = EvictionPolicyFromName(FromAbsl(kv.second));
      if (!policy) {
        return BadUrl(url,
                      "maxmemory-policy must be one of volatile-lru, volatile-lfu, "
                      "volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, "
                      "noeviction");
      }
      ev.policy = *policy;
      continue;
    }
    int64_t n;
    if (!absl::SimpleAtoi(kv.second, &n)) {
      return BadUrl(url, absl::StrCat("parameter '", kv.first, "' needs an integer value"));
    }
    if (kv.first == "shards") {
      if (n < 1 || n > 4096 || (n & (n - 1)) != 0) {
        return BadUrl(url, "shards must be a power of two from 1 to 4096");
      }
      options.keyspace.shards = static_cast<int>(n);
    } else if (kv.first == "databases") {
      if (n < 1 || n > 1024) return BadUrl(url, "databases must be from 1 to 1024");
      options.keyspace.databases = static_cast<int>(n);
    } else if (kv.first == "db") {
      if (n < 0) return BadUrl(url, "db must not be negative");
      options.db = static_cast<int>(n);
    } else if (kv.first == "tick_ms") {
      if (n < 1 || n > 60'000) return BadUrl(url, "tick_ms must be from 1 to 60000");
      options.keyspace.tick = absl::Milliseconds(n);
    } else if (kv.first == "protocol") {
      if (n != 2 && n != 3) return BadUrl(url, "protocol must be 2 or 3");
      options.protocol = n == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2;
    } else if (kv.first == "maxmemory-samples") {
      if (n < 1 || n > 1024) return BadUrl(url, "maxmemory-samples must be from 1 to 1024");
      ev.samples = static_cast<int>(n);
    } else if (kv.first == "lfu-log-factor") {
      if (n < 0 || n > INT32_MAX) return BadUrl(url, "lfu-log-factor must not be negative");
      ev.lfu_log_factor = static_cast<int>(n);
    } else if (kv.first == "lfu-decay-time") {
      if (n < 0 || n > INT32_MAX) return BadUrl(url, "lfu-decay-time must not be negative");
      ev.lfu_decay_time = static_cast<int>(n);
    } else if (kv.first == "maxmemory-eviction-tenacity") {
      if (n < 0 || n > 100) return BadUrl(url, "maxmemory-eviction-tenacity must be from 0 to 100");
      ev.tenacity = static_cast<int>(n);
    } else {
      return BadUrl(url, absl::StrCat("unknown parameter '", kv.first,
                                      "' (known: shards, databases, db, tick_ms, protocol, "
                                      "appendonly, appendfsync, dir, appendfilename, "
                                      "appenddirname, maxmemory, maxmemory-policy, "
                                      "maxmemory-samples, lfu-log-factor, lfu-decay-time, "
                                      "maxmemory-eviction-tenacity)"));
    }
  }
  if (options.db >= options.keyspace.databases) {
    return BadUrl(url, "db must be less than databases");
  }
  return NewMemoryStore(options);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.substr(0, 9) == "memory://") return OpenMemory(url);
  if (url.substr(0, 16) == "redis+cluster://" || url.substr(0, 17) == "rediss+cluster://") {
    absl::StatusOr<ClusterOptions> options = ParseRedisClusterUrl(url);
    if (!options.ok()) return options.status();
    return NewRedisClusterStore(*options);
  }
  if (url.substr(0, 17) == "redis+sentinel://" || url.substr(0, 18) == "rediss+sentinel://") {
    absl::StatusOr<SentinelOptions> options = ParseRedisSentinelUrl(url);
    if (!options.ok()) return options.status();
    return NewRedisSentinelStore(*options);
  }
  if (url.substr(0, 8) == "redis://" || url.substr(0, 9) == "rediss://" ||
      url.substr(0, 7) == "unix://") {
    absl::StatusOr<ClientOptions> options = ParseRedisUrl(url);
    if (!options.ok()) return options.status();
    return NewRedisStore(*options);
  }
  return BadUrl(
      url,
      "expected memory://, redis://, rediss://, unix://, redis+cluster://, rediss+cluster://, "
      "redis+sentinel:// or rediss+sentinel://");
}

absl::StatusOr<std::unique_ptr<Store>> OpenStoreFromEnv() {
  const char* url = std::getenv("EMBEDIS_URL");
  if (url == nullptr || *url == '\0') return OpenStore("memory://");
  return OpenStore(url);
}

}  // namespace embedis
