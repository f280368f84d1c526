#include "lib/store/redis_store.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "lib/client/cluster.h"
#include "lib/client/connection.h"
#include "lib/client/sentinel.h"
#include "lib/keyspace/pubsub.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/store/cluster_commands.h"
#include "lib/store/cluster_subscriber.h"
#include "lib/store/list_commands.h"
#include "lib/store/redis_subscriber.h"
#include "lib/store/redis_transaction.h"
#include "lib/store/subscription_state.h"
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

// A subscription on the store's Pub/Sub connection(s): a RedisSubscriber, or a
// ClusterSubscriber on a cluster.
template <typename Subscriber>
class RedisSubscription : public Store::Subscription {
 public:
  RedisSubscription(Subscriber* subscriber,
                    std::shared_ptr<store_internal::SubscriptionState> state)
      : subscriber_(subscriber), state_(std::move(state)) {}
  ~RedisSubscription() override { subscriber_->Remove(state_.get()); }
  absl::Status status() const override { return state_->status(); }
  int64_t gaps() const override { return state_->gaps(); }

 private:
  Subscriber* subscriber_;
  std::shared_ptr<store_internal::SubscriptionState> state_;
};

// Adds the notification classes `wanted` (from `letters`) to a server's notify-keyspace-events:
// CONFIG GET, then CONFIG SET of the union when it adds anything; `run` runs one command there.
// A refused CONFIG is kFailedPrecondition naming the classes to configure.
template <typename Run>
absl::Status AddNotifyClasses(const Run& run, std::string_view letters, uint32_t wanted) {
  auto refused = [&](std::string_view why) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the server refused CONFIG (", ToAbsl(why), "): enable the keyspace notification classes '",
        ToAbsl(letters), "' in its configuration (notify-keyspace-events)"));
  };
  EMBEDIS_ASSIGN_OR_RETURN(Value got, run({"CONFIG", "GET", "notify-keyspace-events"}));
  if (got.is_error()) return refused(got.str());
  if ((got.type() != Type::kArray && got.type() != Type::kMap) || got.elements().size() != 2) {
    return Unexpected("CONFIG GET", got);
  }
  const std::optional<uint32_t> current = ParseNotifyFlags(got.elements()[1].str());
  if (!current.has_value()) return Unexpected("CONFIG GET", got);
  if ((*current | wanted) == *current) return absl::OkStatus();
  const std::string value = NotifyFlagsString(*current | wanted);
  EMBEDIS_ASSIGN_OR_RETURN(Value set, run({"CONFIG", "SET", "notify-keyspace-events", value}));
  if (set.is_error()) return refused(set.str());
  return absl::OkStatus();
}

// AddNotifyClasses on the cluster node at `address`, over a connection of its own. With
// `replicas`, appends the replicas the node reports connected (ROLE: "ip:port"), which the slot
// map may not show yet (gossip lags behind replication).
absl::Status AddNotifyClassesOnNode(const ClusterClient& cluster, const std::string& address,
                                    std::string_view letters, uint32_t wanted,
                                    std::vector<std::string>* replicas = nullptr) {
  EMBEDIS_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                           Connection::Open(cluster.AddressOptions(address)));
  EMBEDIS_RETURN_IF_ERROR(AddNotifyClasses(
      [&](std::initializer_list<std::string_view> argv) { return conn->Command(argv); }, letters,
      wanted));
  if (replicas == nullptr) return absl::OkStatus();
  absl::StatusOr<Value> role = conn->Command({"ROLE"});
  if (!role.ok() || role->type() != Type::kArray || role->elements().size() < 3 ||
      role->elements()[2].type() != Type::kArray) {
    return absl::OkStatus();  // not a primary, or no ROLE: the slot map's replicas only
  }
  for (const Value& r : role->elements()[2].elements()) {
    if (r.type() != Type::kArray || r.elements().size() < 2 || !r.elements()[0].is_string_like() ||
        !r.elements()[1].is_string_like()) {
      continue;
    }
    replicas->push_back(absl::StrCat(r.elements()[0].str(), ":", r.elements()[1].str()));
  }
  return absl::OkStatus();
}

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

  // ---- Pub/Sub: one dedicated connection (redis_subscriber.h), or one per primary of a
  // cluster (cluster_subscriber.h) ----
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions options) override {
    EMBEDIS_RETURN_IF_ERROR(store_internal::CheckSubscribeOptions(options));
    auto state = std::make_shared<store_internal::SubscriptionState>(std::move(options));
    if (cluster_ != nullptr) {
      store_internal::ClusterSubscriber* subscriber;
      {
        std::lock_guard<std::mutex> lock(subscriber_mu_);
        if (cluster_subscriber_ == nullptr) {
          // Nodes that appear (a promoted replica, a node added) get the notification classes
          // EnableKeyspaceEvents added so far.
          cluster_subscriber_ = std::make_unique<store_internal::ClusterSubscriber>(
              cluster_, [this](const std::string& address) {
                const uint32_t flags = notify_flags_.load();
                if (flags == 0) return;
                AddNotifyClassesOnNode(*cluster_, address, NotifyFlagsString(flags), flags)
                    .IgnoreError();  // best effort: EnableKeyspaceEvents reported refusals
              });
        }
        subscriber = cluster_subscriber_.get();
      }
      EMBEDIS_RETURN_IF_ERROR(subscriber->Add(state));
      return std::unique_ptr<Subscription>(
          new RedisSubscription<store_internal::ClusterSubscriber>(subscriber, std::move(state)));
    }
    store_internal::RedisSubscriber* subscriber;
    {
      std::lock_guard<std::mutex> lock(subscriber_mu_);
      if (subscriber_ == nullptr) {
        if (sentinel_ != nullptr) {  // the primary of the moment
          subscriber_ = std::make_unique<store_internal::RedisSubscriber>(
              client_options(), [sentinel = sentinel_] { return sentinel->PrimaryOptions(); });
        } else {
          subscriber_ = std::make_unique<store_internal::RedisSubscriber>(client_options());
        }
      }
      subscriber = subscriber_.get();
    }
    EMBEDIS_RETURN_IF_ERROR(subscriber->Add(state));
    return std::unique_ptr<Subscription>(
        new RedisSubscription<store_internal::RedisSubscriber>(subscriber, std::move(state)));
  }

  absl::Status EnableKeyspaceEvents(std::string_view letters) override {
    const std::optional<uint32_t> wanted = ParseNotifyFlags(letters);
    if (!wanted.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad notify-keyspace-events classes '", ToAbsl(letters), "'"));
    }
    if (cluster_ != nullptr) return EnableClusterKeyspaceEvents(letters, *wanted);
    return AddNotifyClasses([&](std::initializer_list<std::string_view> argv) { return Run(argv); },
                            letters, *wanted);
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

  // A cluster's nodes each publish their own keys' events only: the classes are added on every
  // node, primaries and replicas (the map's and those each primary reports with ROLE: a replica
  // promoted later needs them too), and on nodes that
  // appear later (notify_flags_, applied by the cluster subscriber). Nodes that cannot be
  // reached are skipped; a refusal is reported.
  absl::Status EnableClusterKeyspaceEvents(std::string_view letters, uint32_t wanted) {
    notify_flags_.fetch_or(wanted);
    ClusterClient::SlotMap map = cluster_->CurrentSlotMap();
    int reached = 0;
    absl::Status unreachable = absl::UnavailableError("no cluster node is known");
    for (size_t i = 0; i < map.primaries.size(); ++i) {
      std::vector<std::string> replicas = map.replicas[i];
      std::vector<std::string> done;
      std::vector<std::string> nodes = {map.primaries[i]};
      for (size_t n = 0; n < nodes.size(); ++n) {
        const std::string address = nodes[n];
        if (std::find(done.begin(), done.end(), address) != done.end()) continue;
        done.push_back(address);
        absl::Status s = AddNotifyClassesOnNode(*cluster_, address, letters, wanted,
                                                n == 0 ? &replicas : nullptr);
        if (n == 0) nodes.insert(nodes.end(), replicas.begin(), replicas.end());
        if (absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s)) {
          unreachable = s;
          continue;
        }
        EMBEDIS_RETURN_IF_ERROR(s);
        ++reached;
      }
    }
    return reached > 0 ? absl::OkStatus() : unreachable;
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
  std::mutex subscriber_mu_;
  // Made by the first Subscribe; destroyed (its thread joined) with the store.
  std::unique_ptr<store_internal::RedisSubscriber> subscriber_;
  // The notification classes EnableKeyspaceEvents added on a cluster (NotifyClass bits).
  std::atomic<uint32_t> notify_flags_{0};
  // A cluster's, made by the first Subscribe; destroyed before notify_flags_ (its threads use it).
  std::unique_ptr<store_internal::ClusterSubscriber> cluster_subscriber_;
};

// ---------------------------------------------------------------------------
// URL parsing.

absl::Status UrlError(std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("invalid Redis URL: ", ToAbsl(problem)));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s`; `what` names it in errors (never its value: it may be
// a password).
absl::StatusOr<std::string> PercentDecode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    int hi = i + 2 < s.size() ? HexDigit(s[i + 1]) : -1;
    int lo = hi >= 0 ? HexDigit(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return UrlError(absl::StrCat("bad percent-encoding in the ", ToAbsl(what)));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// A non-negative decimal integer (digits only) no larger than `max`.
std::optional<int64_t> ParseNumber(std::string_view s, int64_t max) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

bool ConsumePrefixIgnoreCase(std::string_view* s, std::string_view prefix) {
  if (s->size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>((*s)[i])) != prefix[i]) return false;
  }
  s->remove_prefix(prefix.size());
  return true;
}

absl::Status ParseUserInfo(std::string_view userinfo, ClientOptions* o) {
  size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    EMBEDIS_ASSIGN_OR_RETURN(o->username, PercentDecode(userinfo, "user name"));
    return absl::OkStatus();
  }
  EMBEDIS_ASSIGN_OR_RETURN(o->username, PercentDecode(userinfo.substr(0, colon), "user name"));
  EMBEDIS_ASSIGN_OR_RETURN(o->password, PercentDecode(userinfo.substr(colon + 1), "password"));
  return absl::OkStatus();
}

absl::Status ParseDb(std::string_view text, ClientOptions* o) {
  std::optional<int64_t> db = ParseNumber(text, INT32_MAX);
  if (!db) return UrlError(absl::StrCat("bad db '", ToAbsl(text), "' (want a number >= 0)"));
  o->db = static_cast<int>(*db);
  return absl::OkStatus();
}

absl::Status ParseQuery(std::string_view query, ClientOptions* o) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    size_t eq = item.find('=');
    std::string_view name = item.substr(0, eq);
    if (eq == std::string_view::npos) {
      return UrlError(absl::StrCat("parameter '", ToAbsl(name), "' needs a value"));
    }
    EMBEDIS_ASSIGN_OR_RETURN(std::string value,
                             PercentDecode(item.substr(eq + 1), "parameter values"));
    auto millis = [&](absl::Duration* out, bool allow_zero) -> absl::Status {
      std::optional<int64_t> ms = ParseNumber(value, int64_t{1} << 40);
      if (!ms || (*ms == 0 && !allow_zero)) {
        return UrlError(absl::StrCat("bad ", ToAbsl(name), " '", value, "' (want milliseconds",
                                     allow_zero ? " >= 0)" : " > 0)"));
      }
      *out = absl::Milliseconds(*ms);
      return absl::OkStatus();
    };
    if (name == "db") {
      EMBEDIS_RETURN_IF_ERROR(ParseDb(value, o));
    } else if (name == "timeout_ms") {
      EMBEDIS_RETURN_IF_ERROR(millis(&o->command_timeout, false));
    } else if (name == "connect_timeout_ms") {
      EMBEDIS_RETURN_IF_ERROR(millis(&o->connect_timeout, false));
    } else if (name == "pool_timeout_ms") {
      EMBEDIS_RETURN_IF_ERROR(millis(&o->pool_wait_timeout, true));
    } else if (name == "pool") {
      std::optional<int64_t> n = ParseNumber(value, 1 << 20);
      if (!n || *n < 1) {
        return UrlError(absl::StrCat("bad pool '", value, "' (want a number >= 1)"));
      }
      o->pool_size = static_cast<int>(*n);
    } else if (name == "protocol") {
      if (value != "2" && value != "3") {
        return UrlError(absl::StrCat("bad protocol '", value, "' (want 2 or 3)"));
      }
      o->resp3 = value == "3";
    } else if (name == "name") {
      o->client_name = value;
    } else if (name == "ca_file" || name == "ca_dir" || name == "cert_file" || name == "key_file" ||
               name == "sni" || name == "verify") {
      if (!o->tls.enabled) {
        return UrlError(absl::StrCat("TLS parameter '", ToAbsl(name), "' needs a rediss:// URL"));
      }
      if (name == "ca_file") {
        o->tls.ca_file = value;
      } else if (name == "ca_dir") {
        o->tls.ca_dir = value;
      } else if (name == "cert_file") {
        o->tls.cert_file = value;
      } else if (name == "key_file") {
        o->tls.key_file = value;
      } else if (name == "sni") {
        o->tls.sni = value;
      } else if (value == "none") {
        o->tls.verify_peer = false;
      } else if (value == "full") {
        o->tls.verify_peer = true;
      } else {
        return UrlError(absl::StrCat("bad verify '", value, "' (want full or none)"));
      }
    } else {
      return UrlError(absl::StrCat("unknown parameter '", ToAbsl(name), "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ClientOptions> ParseRedisUrl(std::string_view url) {
  ClientOptions o;
  std::string_view rest = url;
  bool is_unix = false;
  if (ConsumePrefixIgnoreCase(&rest, "redis://")) {
  } else if (ConsumePrefixIgnoreCase(&rest, "unix://")) {
    is_unix = true;
  } else if (ConsumePrefixIgnoreCase(&rest, "rediss://")) {
    o.tls.enabled = true;
  } else {
    size_t colon = rest.find("://");
    return UrlError(colon == std::string_view::npos
                        ? std::string("missing scheme (want redis://, rediss:// or unix://)")
                        : absl::StrCat("unsupported scheme '", ToAbsl(rest.substr(0, colon)),
                                       "://' (want redis://, rediss:// or unix://)"));
  }
  if (rest.find('#') != std::string_view::npos) {
    return UrlError("a fragment ('#') is not allowed (percent-encode '#' as %23)");
  }
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  if (is_unix) {
    // unix://[userinfo@]/path
    if (!rest.empty() && rest[0] != '/') {
      size_t at = rest.find('@');
      if (at == std::string_view::npos) {
        return UrlError("the socket path of a unix:// URL must be absolute (unix:///path)");
      }
      EMBEDIS_RETURN_IF_ERROR(ParseUserInfo(rest.substr(0, at), &o));
      rest = rest.substr(at + 1);
    }
    if (rest.empty() || rest == "/") return UrlError("missing socket path in a unix:// URL");
    if (rest[0] != '/') {
      return UrlError("the socket path of a unix:// URL must be absolute (unix:///path)");
    }
    EMBEDIS_ASSIGN_OR_RETURN(o.unix_socket, PercentDecode(rest, "socket path"));
  } else {
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      EMBEDIS_RETURN_IF_ERROR(ParseUserInfo(authority.substr(0, at), &o));
      authority = authority.substr(at + 1);
    }
    std::string_view host = authority;
    std::string_view port;
    bool has_port = false;
    bool bracketed = false;
    if (!authority.empty() && authority[0] == '[') {
      bracketed = true;
      size_t close = authority.find(']');
      if (close == std::string_view::npos) return UrlError("unterminated '[' in an IPv6 host");
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') {
          return UrlError(absl::StrCat("unexpected '", ToAbsl(after), "' after the IPv6 host"));
        }
        port = after.substr(1);
        has_port = true;
      }
      if (host.empty()) return UrlError("empty IPv6 host '[]'");
    } else if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
      if (port.find(':') != std::string_view::npos) {
        return UrlError("an IPv6 host must be in brackets (redis://[::1]:6379)");
      }
    }
    for (char c : host) {
      if (c == ' ' || (c == '%' && !bracketed) || c == '[' || c == ']' || c == '@') {
        return UrlError(absl::StrCat("bad host '", ToAbsl(host), "'"));
      }
    }
    if (bracketed) {
      // An IPv6 zone (RFC 6874): [fe80::1%25eth0] is fe80::1%eth0.
      EMBEDIS_ASSIGN_OR_RETURN(o.host, PercentDecode(host, "IPv6 host"));
    } else if (!host.empty()) {
      o.host = std::string(host);
    }
    if (has_port) {
      std::optional<int64_t> p = ParseNumber(port, 65535);
      if (!p || *p == 0) {
        return UrlError(absl::StrCat("bad port '", ToAbsl(port), "' (want 1-65535)"));
      }
      o.port = static_cast<int>(*p);
    }
    if (path.size() > 1) EMBEDIS_RETURN_IF_ERROR(ParseDb(path.substr(1), &o));
  }
  EMBEDIS_RETURN_IF_ERROR(ParseQuery(query, &o));
  return o;
}

namespace {

// A URL of several hosts: scheme://[userinfo@]host[:port][,host[:port]...][/path][?query].
struct MultiHostUrl {
  std::string_view userinfo;  // with its '@', or empty
  std::string_view hosts;
  std::string_view path;  // from its '/', or empty
  std::string_view query;
};

absl::StatusOr<MultiHostUrl> SplitMultiHostUrl(std::string_view url, std::string_view scheme,
                                               std::string_view what) {
  std::string_view rest = url;
  if (!ConsumePrefixIgnoreCase(&rest, scheme)) {
    return UrlError(absl::StrCat("a ", ToAbsl(what), " URL starts with ", ToAbsl(scheme)));
  }
  MultiHostUrl u;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    u.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  size_t slash = rest.find('/');
  u.hosts = rest.substr(0, slash);
  u.path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (size_t at = u.hosts.rfind('@'); at != std::string_view::npos) {
    u.userinfo = u.hosts.substr(0, at + 1);
    u.hosts = u.hosts.substr(at + 1);
  }
  return u;
}

// The (host, port) pairs of a comma-separated host list; `default_port` when one has none.
absl::StatusOr<std::vector<std::pair<std::string, int>>> ParseHosts(std::string_view hosts,
                                                                    int default_port,
                                                                    std::string_view scheme) {
  if (hosts.empty()) return UrlError(absl::StrCat("no hosts in a ", ToAbsl(scheme), " URL"));
  std::vector<std::pair<std::string, int>> out;
  for (absl::string_view host : absl::StrSplit(ToAbsl(hosts), ',')) {
    if (host.empty()) return UrlError(absl::StrCat("empty host in a ", ToAbsl(scheme), " URL"));
    std::string with_port(host);
    if (with_port.find(':') == std::string::npos || with_port.back() == ']') {
      absl::StrAppend(&with_port, ":", default_port);
    }
    EMBEDIS_ASSIGN_OR_RETURN(ClientOptions o, ParseRedisUrl(absl::StrCat("redis://", with_port)));
    out.emplace_back(o.host, o.port);
  }
  return out;
}

// Calls `take(name, value)` for each parameter of `query`; those it does not know (false) are
// appended to `*rest`, for ParseRedisUrl.
absl::Status TakeParams(
    std::string_view query, std::string* rest,
    absl::FunctionRef<absl::StatusOr<bool>(std::string_view name, std::string_view value)> take) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = item.find('=');
    std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    EMBEDIS_ASSIGN_OR_RETURN(bool taken, take(item.substr(0, eq), value));
    if (taken) continue;
    absl::StrAppend(rest, rest->empty() ? "?" : "&", ToAbsl(item));
  }
  return absl::OkStatus();
}

// A number parameter from 0 to `max`.
absl::StatusOr<int64_t> NumberParam(std::string_view name, std::string_view value, int64_t max) {
  std::optional<int64_t> n = ParseNumber(value, max);
  if (!n) {
    return UrlError(absl::StrCat("bad ", ToAbsl(name), " '", ToAbsl(value),
                                 "' (want a number from 0 to ", max, ")"));
  }
  return *n;
}

}  // namespace

absl::StatusOr<ClusterOptions> ParseRedisClusterUrl(std::string_view url) {
  // rediss+cluster://: TLS to every node (the TLS parameters apply to each).
  std::string_view probe = url;
  const bool tls = ConsumePrefixIgnoreCase(&probe, "rediss+cluster://");
  EMBEDIS_ASSIGN_OR_RETURN(
      MultiHostUrl u,
      SplitMultiHostUrl(url, tls ? "rediss+cluster://" : "redis+cluster://", "Redis Cluster"));
  ClusterOptions cluster;
  std::string node_query;  // the parameters of every node's connections
  EMBEDIS_RETURN_IF_ERROR(TakeParams(
      u.query, &node_query,
      [&](std::string_view name, std::string_view value) -> absl::StatusOr<bool> {
        if (name == "read_from") {
          if (value != "primary" && value != "replica") {
            return UrlError(
                absl::StrCat("bad read_from '", ToAbsl(value), "' (want primary or replica)"));
          }
          cluster.read_from_replica = value == "replica";
        } else if (name == "wait_replicas") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, 100));
          cluster.wait_replicas = static_cast<int>(n);
        } else if (name == "wait_timeout_ms") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, int64_t{1} << 31));
          cluster.wait_timeout = absl::Milliseconds(n);
        } else if (name == "max_redirects") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, 100));
          cluster.max_redirects = static_cast<int>(n);
        } else if (name == "max_retries") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, 1000));
          cluster.max_retries = static_cast<int>(n);
        } else if (name == "refresh_ms") {
          EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(name, value, int64_t{1} << 31));
          cluster.refresh_interval = absl::Milliseconds(n);
        } else {
          return false;
        }
        return true;
      }));
  EMBEDIS_ASSIGN_OR_RETURN(cluster.seeds, ParseHosts(u.hosts, 6379, "redis+cluster://"));
  EMBEDIS_ASSIGN_OR_RETURN(
      cluster.node, ParseRedisUrl(absl::StrCat(tls ? "rediss://" : "redis://", ToAbsl(u.userinfo),
                                               "127.0.0.1", ToAbsl(u.path), node_query)));
  if (cluster.node.db != 0) return UrlError("a Redis Cluster has only db 0");
  return cluster;
}

absl::StatusOr<std::unique_ptr<Store>> NewRedisClusterStore(const ClusterOptions& options) {
  EMBEDIS_ASSIGN_OR_RETURN(std::unique_ptr<ClusterClient> cluster, ClusterClient::Connect(options));
  return std::unique_ptr<Store>(new RedisStore(std::shared_ptr<ClusterClient>(std::move(cluster))));
}

absl::StatusOr<SentinelOptions> ParseRedisSentinelUrl(std::string_view url) {
  // rediss+sentinel://: TLS to the sentinels and to the servers they name.
  std::string_view probe = url;
  const bool tls = ConsumePrefixIgnoreCase(&probe, "rediss+sentinel://");
  EMBEDIS_ASSIGN_OR_RETURN(
      MultiHostUrl u,
      SplitMultiHostUrl(url, tls ? "rediss+sentinel://" : "redis+sentinel://", "Redis Sentinel"));
  // path: /name[/db]
  std::string_view name = u.path.empty() ? "" : u.path.substr(1);
  std::string_view db;
  if (size_t s = name.find('/'); s != std::string_view::npos) {
    db = name.substr(s);
    name = name.substr(0, s);
  }
  if (name.empty()) {
    return UrlError("no master name in a redis+sentinel:// URL (redis+sentinel://host/mymaster)");
  }
  SentinelOptions sentinel;
  EMBEDIS_ASSIGN_OR_RETURN(sentinel.master_name, PercentDecode(name, "master name"));
  std::string node_query;  // the parameters of the primary's connections
  EMBEDIS_RETURN_IF_ERROR(
      TakeParams(u.query, &node_query,
                 [&](std::string_view param, std::string_view value) -> absl::StatusOr<bool> {
                   if (param == "sentinel_password") {
                     EMBEDIS_ASSIGN_OR_RETURN(sentinel.sentinel_password,
                                              PercentDecode(value, "sentinel password"));
                   } else if (param == "sentinel_username") {
                     EMBEDIS_ASSIGN_OR_RETURN(sentinel.sentinel_username,
                                              PercentDecode(value, "sentinel user name"));
                   } else if (param == "max_retries") {
                     EMBEDIS_ASSIGN_OR_RETURN(int64_t n, NumberParam(param, value, 1000));
                     sentinel.max_retries = static_cast<int>(n);
                   } else if (param == "read_from") {
                     if (value != "primary" && value != "replica") {
                       return UrlError(absl::StrCat("bad read_from '", ToAbsl(value),
                                                    "' (want primary or replica)"));
                     }
                     sentinel.read_from_replica = value == "replica";
                   } else {
                     return false;
                   }
                   return true;
                 }));
  EMBEDIS_ASSIGN_OR_RETURN(sentinel.sentinels, ParseHosts(u.hosts, 26379, "redis+sentinel://"));
  EMBEDIS_ASSIGN_OR_RETURN(
      sentinel.node, ParseRedisUrl(absl::StrCat(tls ? "rediss://" : "redis://", ToAbsl(u.userinfo),
                                                "127.0.0.1", ToAbsl(db), node_query)));
  return sentinel;
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
