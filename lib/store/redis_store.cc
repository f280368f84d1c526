// RedisStore (redis_store.h): each Store method as Redis commands on a Client, a ClusterClient or a
// SentinelClient, and the replies converted to typed results. Its parts in files of their own:
// Pub/Sub (redis_pubsub.h), MULTI/EXEC through Command() (redis_transaction.h), methods over keys
// of several cluster slots (cluster_commands.h), and the URL parsing (redis_url.cc).
#include "lib/store/redis_store.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/client/cluster.h"
#include "lib/client/connection.h"
#include "lib/client/sentinel.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/store/cluster_commands.h"
#include "lib/store/list_commands.h"
#include "lib/store/redis_pubsub.h"
#include "lib/store/redis_transaction.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis {

namespace {

using resp::Type;
using resp::Value;

// ---------------------------------------------------------------------------
// Building a command's arguments without allocating (for up to 12 arguments).

class Args {
 public:
  Args(std::initializer_list<std::string_view> init) : argv_(init.begin(), init.end()) {}
  Args(const Args&) = delete;
  Args& operator=(const Args&) = delete;

  Args& Add(std::string_view s) {
    argv_.push_back(s);
    return *this;
  }
  // REQUIRES: at most kNumbers numbers per command.
  Args& AddInt(int64_t v) {
    char* buf = numbers_[used_++];
    argv_.emplace_back(buf, resp::FormatInt64(v, buf));
    return *this;
  }
  Args& AddUint(uint64_t v) {
    char* buf = numbers_[used_++];
    auto r = std::to_chars(buf, buf + kNumberSize, v);
    argv_.emplace_back(buf, static_cast<size_t>(r.ptr - buf));
    return *this;
  }
  Args& AddDouble(double v) {
    char* buf = numbers_[used_++];
    argv_.emplace_back(buf, resp::FormatDouble(v, buf));
    return *this;
  }
  absl::Span<const std::string_view> span() const {
    return absl::Span<const std::string_view>(argv_.data(), argv_.size());
  }

 private:
  static constexpr int kNumbers = 3;
  static constexpr size_t kNumberSize = 40;
  absl::InlinedVector<std::string_view, 12> argv_;
  char numbers_[kNumbers][kNumberSize];
  int used_ = 0;
};

// PX / PEXPIRE milliseconds: whole milliseconds, but a positive duration never
// becomes 0 (which Redis would reject or treat as "delete now").
int64_t Millis(absl::Duration d) {
  int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms == 0 && d > absl::ZeroDuration()) return 1;
  return ms;
}

// ---------------------------------------------------------------------------
// Reply conversions.

using store_internal::IsText;
using store_internal::Unexpected;

absl::StatusOr<std::optional<std::string>> ToOptString(std::string_view command, Value v) {
  if (v.is_error()) return StatusFromRedisError(v.str());
  if (v.is_null()) return std::optional<std::string>();
  if (IsText(v)) return std::optional<std::string>(std::move(v.mutable_str()));
  return Unexpected(command, v);
}

absl::StatusOr<std::vector<std::optional<std::string>>> ToOptStrings(std::string_view command,
                                                                     Value v) {
  if (v.is_error()) return StatusFromRedisError(v.str());
  if (v.type() != Type::kArray) return Unexpected(command, v);
  std::vector<std::optional<std::string>> out;
  out.reserve(v.elements().size());
  for (Value& e : v.mutable_elements()) {
    if (e.is_null()) {
      out.emplace_back();
    } else if (IsText(e)) {
      out.emplace_back(std::move(e.mutable_str()));
    } else {
      return Unexpected(command, e);
    }
  }
  return out;
}

absl::StatusOr<int64_t> ToInt(std::string_view command, const Value& v) {
  if (v.is_error()) return StatusFromRedisError(v.str());
  if (v.type() == Type::kInteger || v.type() == Type::kBoolean) return v.integer();
  return Unexpected(command, v);
}

absl::StatusOr<bool> ToBool(std::string_view command, const Value& v) {
  EMBEDIS_ASSIGN_OR_RETURN(int64_t n, ToInt(command, v));
  return n != 0;
}

absl::Status ToOk(std::string_view command, const Value& v) {
  if (v.is_error()) return StatusFromRedisError(v.str());
  if (v.type() == Type::kSimpleString) return absl::OkStatus();
  return Unexpected(command, v);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ToPairs(std::string_view command,
                                                                         Value v) {
  if (v.is_error()) return StatusFromRedisError(v.str());
  // RESP2: a flat array f1 v1 f2 v2...; RESP3: a map (also stored flat).
  if ((v.type() != Type::kArray && v.type() != Type::kMap) || v.elements().size() % 2 != 0) {
    return Unexpected(command, v);
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<Value>& e = v.mutable_elements();
  out.reserve(e.size() / 2);
  for (size_t i = 0; i < e.size(); i += 2) {
    if (!IsText(e[i]) || !IsText(e[i + 1])) return Unexpected(command, v);
    out.emplace_back(std::move(e[i].mutable_str()), std::move(e[i + 1].mutable_str()));
  }
  return out;
}

// SCAN-family replies: [cursor, [elements...]].
absl::Status ToScanPage(std::string_view command, Value v, uint64_t* cursor,
                        std::vector<Value>* elements) {
  if (v.is_error()) return StatusFromRedisError(v.str());
  if (v.type() != Type::kArray || v.elements().size() != 2 || !IsText(v.elements()[0]) ||
      (v.elements()[1].type() != Type::kArray && v.elements()[1].type() != Type::kMap)) {
    return Unexpected(command, v);
  }
  const std::string& c = v.elements()[0].str();
  auto r = std::from_chars(c.data(), c.data() + c.size(), *cursor);
  if (r.ec != std::errc() || r.ptr != c.data() + c.size()) {
    return absl::InternalError(absl::StrCat("bad cursor in reply to ", ToAbsl(command), ": ", c));
  }
  *elements = std::move(v.mutable_elements()[1].mutable_elements());
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------

class RedisStore final : public Store {
 public:
  explicit RedisStore(std::shared_ptr<Client> client) : client_(std::move(client)) {}
  explicit RedisStore(std::shared_ptr<ClusterClient> cluster) : cluster_(std::move(cluster)) {}
  explicit RedisStore(std::shared_ptr<SentinelClient> sentinel) : sentinel_(std::move(sentinel)) {}

  Clock* clock() const override { return Clock::Real(); }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"GET", key}));
    return ToOptString("GET", std::move(v));
  }

  absl::StatusOr<bool> Set(std::string_view key, std::string_view value,
                           const StoreSetOptions& options) override {
    Args args{"SET", key, value};
    AddSetOptions(options, &args);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    if (v.is_error()) return StatusFromRedisError(v.str());
    if (v.is_null()) return false;  // NX / XX
    if (v.type() == Type::kSimpleString) return true;
    return Unexpected("SET", v);
  }

  absl::StatusOr<std::optional<std::string>> SetGet(std::string_view key, std::string_view value,
                                                    const StoreSetOptions& options) override {
    Args args{"SET", key, value};
    AddSetOptions(options, &args);
    args.Add("GET");
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    return ToOptString("SET", std::move(v));
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      absl::Span<const std::string_view> keys) override {
    absl::InlinedVector<std::string_view, 16> argv = {"MGET"};
    argv.insert(argv.end(), keys.begin(), keys.end());
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(argv));
    return ToOptStrings("MGET", std::move(v));
  }

  absl::Status MSet(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs) override {
    if (cluster_ != nullptr && pairs.size() > 1) {
      const int slot = KeySlot(pairs[0].first);
      for (const auto& [k, v] : pairs) {
        if (KeySlot(k) != slot) return store_internal::MSetPerSlot(Runner(), KeySlot, pairs);
      }
    }
    absl::InlinedVector<std::string_view, 16> argv = {"MSET"};
    for (const auto& [k, v] : pairs) {
      argv.push_back(k);
      argv.push_back(v);
    }
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(argv));
    return ToOk("MSET", v);
  }

  absl::StatusOr<int64_t> IncrBy(std::string_view key, int64_t by) override {
    Args args{"INCRBY", key};
    args.AddInt(by);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    return ToInt("INCRBY", v);
  }

  absl::StatusOr<double> IncrByFloat(std::string_view key, double by) override {
    Args args{"INCRBYFLOAT", key};
    args.AddDouble(by);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    if (v.is_error()) return StatusFromRedisError(v.str());
    if (v.type() == Type::kDouble) return v.dbl();
    double d = 0;
    if (IsText(v) && absl::SimpleAtod(ToAbsl(v.str()), &d)) return d;
    return Unexpected("INCRBYFLOAT", v);
  }

  absl::StatusOr<int64_t> Del(absl::Span<const std::string_view> keys) override {
    return KeysCommand("DEL", keys);
  }

  absl::StatusOr<int64_t> Exists(absl::Span<const std::string_view> keys) override {
    return KeysCommand("EXISTS", keys);
  }

  absl::StatusOr<bool> Expire(std::string_view key, absl::Duration ttl,
                              const StoreExpireOptions& options) override {
    Args args{"PEXPIRE", key};
    args.AddInt(Millis(ttl));
    AddExpireOptions(options, &args);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    return ToBool("PEXPIRE", v);
  }

  absl::StatusOr<bool> ExpireAt(std::string_view key, absl::Time at,
                                const StoreExpireOptions& options) override {
    Args args{"PEXPIREAT", key};
    args.AddInt(absl::ToUnixMillis(at));
    AddExpireOptions(options, &args);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    return ToBool("PEXPIREAT", v);
  }

  absl::StatusOr<absl::Duration> PTtl(std::string_view key) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"PTTL", key}));
    EMBEDIS_ASSIGN_OR_RETURN(int64_t ms, ToInt("PTTL", v));
    return absl::Milliseconds(ms);
  }

  absl::StatusOr<int64_t> Ttl(std::string_view key) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"TTL", key}));
    return ToInt("TTL", v);
  }

  absl::StatusOr<bool> Persist(std::string_view key) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"PERSIST", key}));
    return ToBool("PERSIST", v);
  }

  absl::StatusOr<StoreScanPage> Scan(uint64_t cursor, const StoreScanOptions& options) override {
    Args args{"SCAN"};
    args.AddUint(cursor);
    AddScanOptions(options, /*with_type=*/true, &args);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    StoreScanPage page;
    std::vector<Value> keys;
    EMBEDIS_RETURN_IF_ERROR(ToScanPage("SCAN", std::move(v), &page.cursor, &keys));
    page.keys.reserve(keys.size());
    for (Value& k : keys) {
      if (!IsText(k)) return Unexpected("SCAN", k);
      page.keys.push_back(std::move(k.mutable_str()));
    }
    return page;
  }

  absl::StatusOr<int64_t> DbSize() override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"DBSIZE"}));
    return ToInt("DBSIZE", v);
  }

  absl::Status FlushDb() override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"FLUSHDB"}));
    return ToOk("FLUSHDB", v);
  }

  absl::StatusOr<int64_t> HSet(
      std::string_view key,
      absl::Span<const std::pair<std::string_view, std::string_view>> fields) override {
    absl::InlinedVector<std::string_view, 16> argv = {"HSET", key};
    for (const auto& [f, v] : fields) {
      argv.push_back(f);
      argv.push_back(v);
    }
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(argv));
    return ToInt("HSET", v);
  }

  absl::StatusOr<std::optional<std::string>> HGet(std::string_view key,
                                                  std::string_view field) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"HGET", key, field}));
    return ToOptString("HGET", std::move(v));
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> HMGet(
      std::string_view key, absl::Span<const std::string_view> fields) override {
    absl::InlinedVector<std::string_view, 16> argv = {"HMGET", key};
    argv.insert(argv.end(), fields.begin(), fields.end());
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(argv));
    return ToOptStrings("HMGET", std::move(v));
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> HGetAll(
      std::string_view key) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"HGETALL", key}));
    return ToPairs("HGETALL", std::move(v));
  }

  absl::StatusOr<int64_t> HDel(std::string_view key,
                               absl::Span<const std::string_view> fields) override {
    absl::InlinedVector<std::string_view, 16> argv = {"HDEL", key};
    argv.insert(argv.end(), fields.begin(), fields.end());
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(argv));
    return ToInt("HDEL", v);
  }

  absl::StatusOr<bool> HExists(std::string_view key, std::string_view field) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"HEXISTS", key, field}));
    return ToBool("HEXISTS", v);
  }

  absl::StatusOr<int64_t> HLen(std::string_view key) override {
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run({"HLEN", key}));
    return ToInt("HLEN", v);
  }

  absl::StatusOr<int64_t> HIncrBy(std::string_view key, std::string_view field,
                                  int64_t by) override {
    Args args{"HINCRBY", key, field};
    args.AddInt(by);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    return ToInt("HINCRBY", v);
  }

  absl::StatusOr<HashScanPage> HScan(std::string_view key, uint64_t cursor,
                                     const StoreScanOptions& options) override {
    Args args{"HSCAN", key};
    args.AddUint(cursor);
    AddScanOptions(options, /*with_type=*/false, &args);
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(args.span()));
    HashScanPage page;
    std::vector<Value> flat;
    EMBEDIS_RETURN_IF_ERROR(ToScanPage("HSCAN", std::move(v), &page.cursor, &flat));
    if (flat.size() % 2 != 0) return absl::InternalError("odd HSCAN reply");
    page.fields.reserve(flat.size() / 2);
    for (size_t i = 0; i < flat.size(); i += 2) {
      if (!IsText(flat[i]) || !IsText(flat[i + 1])) return Unexpected("HSCAN", flat[i]);
      page.fields.emplace_back(std::move(flat[i].mutable_str()),
                               std::move(flat[i + 1].mutable_str()));
    }
    return page;
  }

  absl::StatusOr<std::optional<store_internal::KeyElement>> BLPop(
      absl::Span<const std::string_view> keys, absl::Duration timeout) override {
    return BlockingPop("BLPOP", keys, timeout);
  }
  absl::StatusOr<std::optional<store_internal::KeyElement>> BRPop(
      absl::Span<const std::string_view> keys, absl::Duration timeout) override {
    return BlockingPop("BRPOP", keys, timeout);
  }

  absl::StatusOr<std::optional<StoreKeyScoredMember>> BZPopMin(
      absl::Span<const std::string_view> keys, absl::Duration timeout) override {
    return BlockingZPop("BZPOPMIN", keys, timeout);
  }
  absl::StatusOr<std::optional<StoreKeyScoredMember>> BZPopMax(
      absl::Span<const std::string_view> keys, absl::Duration timeout) override {
    return BlockingZPop("BZPOPMAX", keys, timeout);
  }

  absl::StatusOr<std::optional<std::string>> LMove(std::string_view source,
                                                   std::string_view destination, ListEnd from,
                                                   ListEnd to) override {
    const std::string_view keys[] = {source, destination};
    if (CrossSlot(keys)) {
      return store_internal::LMoveAcrossSlots(Runner(), source, destination, from, to);
    }
    return Store::LMove(source, destination, from, to);
  }

  absl::StatusOr<Value> Command(absl::Span<const std::string_view> argv) override {
    if (argv.empty()) return absl::InvalidArgumentError("empty command");
    // MULTI/EXEC and WATCH: the calling thread's pinned connection (redis_transaction.h).
    if (std::optional<absl::StatusOr<Value>> r = transactions_.Handle(argv)) return *std::move(r);
    return Run(argv);
  }

  // ---- Pub/Sub (redis_pubsub.h) ----
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions options) override {
    return pubsub_.Subscribe(std::move(options), client_options());
  }

  absl::Status EnableKeyspaceEvents(std::string_view letters) override {
    return pubsub_.EnableKeyspaceEvents(
        letters, [&](std::initializer_list<std::string_view> argv) { return Run(argv); });
  }

  int db() const override { return client_options().db; }

 private:
  static void AddSetOptions(const StoreSetOptions& o, Args* args) {
    if (o.condition == StoreSetOptions::Condition::kIfMissing) args->Add("NX");
    if (o.condition == StoreSetOptions::Condition::kIfExists) args->Add("XX");
    // Conflicting options are all sent: Redis rejects them with its own
    // "ERR syntax error", as it should.
    if (o.ttl.has_value()) args->Add("PX").AddInt(Millis(*o.ttl));
    if (o.expire_at.has_value()) args->Add("PXAT").AddInt(absl::ToUnixMillis(*o.expire_at));
    if (o.keep_ttl) args->Add("KEEPTTL");
  }

  static void AddExpireOptions(const StoreExpireOptions& o, Args* args) {
    if (o.nx) args->Add("NX");
    if (o.xx) args->Add("XX");
    if (o.gt) args->Add("GT");
    if (o.lt) args->Add("LT");
  }

  static void AddScanOptions(const StoreScanOptions& o, bool with_type, Args* args) {
    if (!o.match.empty()) args->Add("MATCH").Add(o.match);
    args->Add("COUNT").AddInt(o.count);
    if (with_type && !o.type.empty()) args->Add("TYPE").Add(o.type);
  }

  absl::StatusOr<int64_t> KeysCommand(std::string_view command,
                                      absl::Span<const std::string_view> keys) {
    absl::InlinedVector<std::string_view, 16> argv = {command};
    argv.insert(argv.end(), keys.begin(), keys.end());
    EMBEDIS_ASSIGN_OR_RETURN(Value v, Run(argv));
    return ToInt(command, v);
  }

  // BLPOP/BRPOP without tripping the client's command timeout, which bounds every call: a wait
  // that fits in one slice (the command timeout less a margin for the server's timeout
  // handling and the network) is one command; a longer one (or 0, forever) is a series of
  // commands of at most one slice each, until one serves an element or the time is up. Each is
  // still bounded by the command timeout, so a dead server is noticed within one slice.
  // (BZPOPMIN/BZPOPMAX likewise.)
  absl::StatusOr<std::optional<store_internal::KeyElement>> BlockingPop(
      std::string_view command, absl::Span<const std::string_view> keys, absl::Duration timeout) {
    if (CrossSlot(keys)) {
      if (timeout < absl::ZeroDuration()) {  // the server's own error
        return store_internal::BlockingPop(Runner(), command, keys.subspan(0, 1), timeout);
      }
      const std::string_view pop = command == "BLPOP" ? "LPOP" : "RPOP";
      return store_internal::PollKeys<store_internal::KeyElement>(
          keys, timeout,
          [&](std::string_view key) -> absl::StatusOr<std::optional<store_internal::KeyElement>> {
            EMBEDIS_ASSIGN_OR_RETURN(std::optional<std::string> v,
                                     store_internal::PopOne(Runner(), pop, key));
            if (!v.has_value()) return std::nullopt;
            return store_internal::KeyElement(std::string(key), *std::move(v));
          });
    }
    return Sliced<store_internal::KeyElement>(keys, timeout, [&](absl::Duration t) {
      return store_internal::BlockingPop(Runner(), command, keys, t);
    });
  }

  // BZPOPMIN / BZPOPMAX as BlockingPop does BLPOP / BRPOP.
  absl::StatusOr<std::optional<StoreKeyScoredMember>> BlockingZPop(
      std::string_view command, absl::Span<const std::string_view> keys, absl::Duration timeout) {
    if (CrossSlot(keys)) {
      if (timeout < absl::ZeroDuration()) {
        return store_internal::BlockingZPop(Runner(), command, keys.subspan(0, 1), timeout);
      }
      const bool min = command == "BZPOPMIN";
      return store_internal::PollKeys<StoreKeyScoredMember>(
          keys, timeout,
          [&](std::string_view key) -> absl::StatusOr<std::optional<StoreKeyScoredMember>> {
            EMBEDIS_ASSIGN_OR_RETURN(std::vector<StoreScoredMember> got,
                                     min ? ZPopMin(key, 1) : ZPopMax(key, 1));
            if (got.empty()) return std::nullopt;
            return StoreKeyScoredMember{std::string(key), std::move(got[0].member), got[0].score};
          });
    }
    return Sliced<StoreKeyScoredMember>(keys, timeout, [&](absl::Duration t) {
      return store_internal::BlockingZPop(Runner(), command, keys, t);
    });
  }

  // Runs `once(t)` (one blocking command with timeout t) in slices, as described above.
  template <typename T, typename Once>
  absl::StatusOr<std::optional<T>> Sliced(absl::Span<const std::string_view> keys,
                                          absl::Duration timeout, Once&& once) {
    const absl::Duration command_timeout = client_options().command_timeout;
    const absl::Duration slice = command_timeout - std::min(command_timeout / 2, absl::Seconds(1));
    const bool forever = timeout == absl::ZeroDuration() || timeout == absl::InfiniteDuration();
    if (timeout < absl::ZeroDuration() || keys.empty() || (!forever && timeout <= slice)) {
      return once(timeout);  // errors come from the server
    }
    const absl::Time deadline = forever ? absl::InfiniteFuture() : absl::Now() + timeout;
    for (;;) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return std::optional<T>();
      EMBEDIS_ASSIGN_OR_RETURN(std::optional<T> got, once(std::min(left, slice)));
      if (got.has_value()) return got;
    }
  }

  // One command on the server, or on the right node of a cluster.
  absl::StatusOr<Value> Run(absl::Span<const std::string_view> argv) {
    if (cluster_ != nullptr) return cluster_->Command(argv);
    if (sentinel_ != nullptr) return sentinel_->Command(argv);
    return client_->Command(argv);
  }
  absl::StatusOr<Value> Run(std::initializer_list<std::string_view> argv) {
    return Run(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }
  const ClientOptions& client_options() const {
    if (cluster_ != nullptr) return cluster_->node_options();
    if (sentinel_ != nullptr) return sentinel_->node_options();
    return client_->options();
  }
  // True when `keys` are on several slots of a cluster (a command on them all would be refused
  // with CROSSSLOT).
  bool CrossSlot(absl::Span<const std::string_view> keys) const {
    if (cluster_ == nullptr || keys.empty()) return false;
    const int slot = KeySlot(keys[0]);
    for (std::string_view k : keys) {
      if (KeySlot(k) != slot) return true;
    }
    return false;
  }

  // The store as a store_internal::Runner.
  struct ClientRunner {
    absl::StatusOr<Value> operator()(absl::Span<const std::string_view> argv) const {
      return store->Run(argv);
    }
    RedisStore* store;
  };
  ClientRunner Runner() { return ClientRunner{this}; }

  std::shared_ptr<Client> client_;            // a single server, or
  std::shared_ptr<ClusterClient> cluster_;    // a Redis Cluster, or
  std::shared_ptr<SentinelClient> sentinel_;  // a primary named by Redis Sentinel
  // Transactions sent through Command(), one per thread (after the clients: destroyed first).
  store_internal::Transactions transactions_{client_, cluster_, sentinel_};
  // Subscribe and EnableKeyspaceEvents (its subscriber threads are joined first).
  store_internal::RedisPubSub pubsub_{cluster_, sentinel_};
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> NewRedisClusterStore(const ClusterOptions& options) {
  EMBEDIS_ASSIGN_OR_RETURN(std::unique_ptr<ClusterClient> cluster, ClusterClient::Connect(options));
  return std::unique_ptr<Store>(new RedisStore(std::shared_ptr<ClusterClient>(std::move(cluster))));
}

absl::StatusOr<std::unique_ptr<Store>> NewRedisSentinelStore(const SentinelOptions& options) {
  EMBEDIS_ASSIGN_OR_RETURN(std::unique_ptr<SentinelClient> sentinel,
                           SentinelClient::Connect(options));
  return std::unique_ptr<Store>(
      new RedisStore(std::shared_ptr<SentinelClient>(std::move(sentinel))));
}

absl::StatusOr<std::unique_ptr<Store>> NewRedisStore(const ClientOptions& options) {
  EMBEDIS_ASSIGN_OR_RETURN(std::unique_ptr<Client> client, Client::Connect(options));
  return std::unique_ptr<Store>(new RedisStore(std::shared_ptr<Client>(std::move(client))));
}

std::unique_ptr<Store> NewRedisStore(std::shared_ptr<Client> client) {
  return std::make_unique<RedisStore>(std::move(client));
}

}  // namespace embedis
