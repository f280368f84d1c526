#include "lib/store/memory_store.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/commands/aof.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/commands/hash_ops.h"
#include "lib/commands/key_ops.h"
#include "lib/commands/list_ops.h"
#include "lib/commands/propagation.h"
#include "lib/commands/set_ops.h"
#include "lib/commands/string_ops.h"
#include "lib/commands/zset_ops.h"
#include "lib/keyspace/snapshot.h"
#include "lib/resp/reply_parser.h"
#include "lib/scripting/script_engine.h"
#include "lib/store/blocked_callers.h"
#include "lib/store/subscription_state.h"
#include "lib/util/errors.h"
#include "lib/util/status_macros.h"
#include "lib/util/strings.h"

namespace embedis {
namespace {

using resp::Type;
using resp::Value;

absl::Status InvalidExpire() { return errors::FromRedisError(errors::InvalidExpireTime("set")); }

// The subscriptions of one MemoryStore: a single subscriber on the keyspace's hub serves them
// all, subscribed once to each name (SubscriptionRegistry), so that PUBLISH counts the store as
// Redis counts a RedisStore's one connection.
class HubSubscriptions {
 public:
  explicit HubSubscriptions(PubSub* hub) : hub_(hub), shared_(std::make_shared<Shared>()) {
    subscriber_ = std::make_shared<CallbackSubscriber>(
        [shared = shared_](const PubSubMessage& m) { Dispatch(*shared, m); });
  }
  ~HubSubscriptions() { hub_->UnsubscribeAll(subscriber_.get()); }

  void Add(const std::shared_ptr<store_internal::SubscriptionState>& s) {
    std::lock_guard<std::mutex> lock(shared_->mu);
    store_internal::SubscriptionRegistry::Names added;
    shared_->registry.Add(s, added);
    for (store_internal::SubscriptionKind kind : store_internal::kSubscriptionKinds) {
      for (const std::string& n : added[static_cast<int>(kind)]) {
        hub_->Subscribe(HubKind(kind), n, subscriber_);
      }
    }
  }

  void Remove(store_internal::SubscriptionState* s) {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      store_internal::SubscriptionRegistry::Names gone;
      shared_->registry.Remove(s, gone);
      for (store_internal::SubscriptionKind kind : store_internal::kSubscriptionKinds) {
        for (const std::string& n : gone[static_cast<int>(kind)]) {
          hub_->Unsubscribe(HubKind(kind), n, subscriber_.get());
        }
      }
    }
    s->Deactivate();
  }

 private:
  struct Shared {
    std::mutex mu;
    store_internal::SubscriptionRegistry registry;  // guarded by mu
  };
  static PubSubKind HubKind(store_internal::SubscriptionKind kind) {
    switch (kind) {
      case store_internal::SubscriptionKind::kChannel:
        return PubSubKind::kChannel;
      case store_internal::SubscriptionKind::kPattern:
        return PubSubKind::kPattern;
      case store_internal::SubscriptionKind::kShardChannel:
        return PubSubKind::kShardChannel;
    }
    return PubSubKind::kChannel;
  }
  static void Dispatch(Shared& shared, const PubSubMessage& m) {
    const bool pattern = m.kind == PubSubKind::kPattern;
    const store_internal::SubscriptionKind kind =
        pattern                               ? store_internal::SubscriptionKind::kPattern
        : m.kind == PubSubKind::kShardChannel ? store_internal::SubscriptionKind::kShardChannel
                                              : store_internal::SubscriptionKind::kChannel;
    std::vector<store_internal::SubscriptionRegistry::StatePtr> receivers;
    {
      std::lock_guard<std::mutex> lock(shared.mu);
      receivers = shared.registry.Receivers(kind, pattern ? m.pattern : m.channel);
    }
    for (const auto& r : receivers) {
      r->Deliver(m.channel, m.payload, pattern ? m.pattern : std::string_view());
    }
  }

  PubSub* hub_;
  std::shared_ptr<Shared> shared_;
  std::shared_ptr<CallbackSubscriber> subscriber_;
};

// A subscription of a MemoryStore: unsubscribes when destroyed.
class HubSubscription : public Store::Subscription {
 public:
  HubSubscription(HubSubscriptions* hub, std::shared_ptr<store_internal::SubscriptionState> state)
      : hub_(hub), state_(std::move(state)) {}
  ~HubSubscription() override { hub_->Remove(state_.get()); }
  absl::Status status() const override { return state_->status(); }
  int64_t gaps() const override { return state_->gaps(); }

 private:
  HubSubscriptions* hub_;
  std::shared_ptr<store_internal::SubscriptionState> state_;
};

class MemoryStore : public Store {
 public:
  // The engine behind Eval and FCall (the store's own).
  scripting::ScriptEngine* scripts() const { return table_.scripts(); }

  MemoryStore(std::unique_ptr<Keyspace> owned, Keyspace* keyspace, int db, resp::Protocol protocol)
      : owned_(std::move(owned)),
        ks_(keyspace),
        db_(db),
        protocol_(protocol),
        table_(commands::CommandTable::WithDataCommands()),
        blocked_(BlockedCallers::For(keyspace)),
        subscriptions_(&keyspace->pubsub()) {}

  Clock* clock() const override { return ks_->clock(); }

  // maxmemory, for the typed writes that may grow memory (Redis's denyoom commands; the
  // commands that Command() runs get the same from the command table): evicts as the policy says
  // and refuses with ResourceExhausted and Redis's OOM text when nothing more can go. Typed reads
  // and deletes evict too (Evict()), as every command does in Redis, but are never refused.
  absl::Status Room() {
    if (!ks_->maxmemory_enabled()) [[likely]] {
      return absl::OkStatus();
    }
    return ks_->EnsureMemory();
  }

  // Redis runs its eviction before every command, reads and deletes included (processCommand's
  // performEvictions): so does every typed method here, over the limit. A read or a delete never
  // fails for it; a write that may grow memory is refused by Room() when nothing can go.
  void Evict() {
    if (ks_->maxmemory_enabled()) [[unlikely]] {
      ks_->EnsureMemory().IgnoreError();
    }
  }

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    Evict();
    return ks_->Get(db_, key);
  }

  absl::StatusOr<bool> Set(std::string_view key, std::string_view value,
                           const StoreSetOptions& options) override {
    return Logged<absl::StatusOr<bool>>(Keys(key), [&]() -> absl::StatusOr<bool> {
      EMBEDIS_ASSIGN_OR_RETURN(SetOptions o, ToSetOptions(options));
      EMBEDIS_RETURN_IF_ERROR(Room());
      EMBEDIS_ASSIGN_OR_RETURN(SetResult r, ks_->Set(db_, key, value, o));
      return r.written;
    });
  }

  absl::StatusOr<std::optional<std::string>> SetGet(std::string_view key, std::string_view value,
                                                    const StoreSetOptions& options) override {
    return Logged<absl::StatusOr<std::optional<std::string>>>(
        Keys(key), [&]() -> absl::StatusOr<std::optional<std::string>> {
          EMBEDIS_ASSIGN_OR_RETURN(SetOptions o, ToSetOptions(options));
          o.get = true;
          EMBEDIS_RETURN_IF_ERROR(Room());
          EMBEDIS_ASSIGN_OR_RETURN(SetResult r, ks_->Set(db_, key, value, o));
          return std::move(r.old_value);
        });
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(
      absl::Span<const std::string_view> keys) override {
    Evict();
    if (keys.empty()) return WrongArity("mget");
    return ks_->MGet(db_, std::vector<std::string_view>(keys.begin(), keys.end()));
  }

  absl::Status MSet(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs) override {
    return Logged<absl::Status>(PairKeys(pairs), [&]() -> absl::Status {
      if (pairs.empty()) return WrongArity("mset");
      EMBEDIS_RETURN_IF_ERROR(Room());
      ks_->MSet(db_, std::vector<std::pair<std::string_view, std::string_view>>(pairs.begin(),
                                                                                pairs.end()));
      return absl::OkStatus();
    });
  }

  absl::StatusOr<int64_t> IncrBy(std::string_view key, int64_t by) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      EMBEDIS_RETURN_IF_ERROR(Room());
      return string_ops::IncrBy(*ks_, db_, key, by);
    });
  }

  // The increment goes through the text RedisStore would send (resp::FormatDouble), read back as
  // INCRBYFLOAT reads it (a long double), and the answer is Redis's reply text read as a double:
  // so both backends compute the same sum (0.1 as a long double is not the double 0.1).
  absl::StatusOr<double> IncrByFloat(std::string_view key, double by) override {
    return Logged<absl::StatusOr<double>>(Keys(key), [&]() -> absl::StatusOr<double> {
      EMBEDIS_RETURN_IF_ERROR(Room());
      char buf[64];
      const size_t len = resp::FormatDouble(by, buf);
      EMBEDIS_ASSIGN_OR_RETURN(
          std::string sum,
          string_ops::IncrByFloat(*ks_, db_, key,
                                  commands::ParseFloatArg(std::string_view(buf, len))));
      double out;
      if (!absl::SimpleAtod(sum, &out)) return absl::InternalError("INCRBYFLOAT made a non-number");
      return out;
    });
  }

  absl::StatusOr<int64_t> Del(absl::Span<const std::string_view> keys) override {
    return Logged<absl::StatusOr<int64_t>>(keys, [&]() -> absl::StatusOr<int64_t> {
      if (keys.empty()) return WrongArity("del");
      return ks_->Delete(db_, std::vector<std::string_view>(keys.begin(), keys.end()));
    });
  }

  absl::StatusOr<int64_t> Exists(absl::Span<const std::string_view> keys) override {
    Evict();
    if (keys.empty()) return WrongArity("exists");
    return ks_->Exists(db_, std::vector<std::string_view>(keys.begin(), keys.end()));
  }

  absl::StatusOr<bool> Expire(std::string_view key, absl::Duration ttl,
                              const StoreExpireOptions& options) override {
    return Logged<absl::StatusOr<bool>>(Keys(key), [&]() -> absl::StatusOr<bool> {
      return ExpireAtMs(key, clock()->NowMs() + absl::ToInt64Milliseconds(ttl), options);
    });
  }

  absl::StatusOr<bool> ExpireAt(std::string_view key, absl::Time at,
                                const StoreExpireOptions& options) override {
    return Logged<absl::StatusOr<bool>>(Keys(key), [&]() -> absl::StatusOr<bool> {
      return ExpireAtMs(key, absl::ToUnixMillis(at), options);
    });
  }

  absl::StatusOr<absl::Duration> PTtl(std::string_view key) override {
    Evict();
    return absl::Milliseconds(ks_->PTtl(db_, key));
  }

  absl::StatusOr<int64_t> Ttl(std::string_view key) override {
    Evict();
    return key_ops::Ttl(*ks_, db_, key, /*millis=*/false, /*absolute=*/false);
  }

  absl::StatusOr<bool> Persist(std::string_view key) override {
    return Logged<absl::StatusOr<bool>>(
        Keys(key), [&]() -> absl::StatusOr<bool> { return ks_->Persist(db_, key); });
  }

  absl::StatusOr<StoreScanPage> Scan(uint64_t cursor, const StoreScanOptions& options) override {
    Evict();
    EMBEDIS_ASSIGN_OR_RETURN(commands::ScanArgs args, ToScanArgs(options));
    if (!options.type.empty()) args.type = options.type;
    ScanResult r = key_ops::Scan(*ks_, db_, cursor, args);
    return StoreScanPage{.cursor = r.cursor, .keys = std::move(r.keys)};
  }

  absl::StatusOr<int64_t> DbSize() override {
    Evict();
    return ks_->Size(db_);
  }

  absl::Status FlushDb() override {
    Evict();
    if (aof_ != nullptr) {
      const std::string_view argv[] = {"FLUSHDB"};
      return Command(argv).status();
    }
    ks_->Flush(db_);
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> HSet(
      std::string_view key,
      absl::Span<const std::pair<std::string_view, std::string_view>> fields) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      if (fields.empty()) return WrongArity("hset");
      EMBEDIS_RETURN_IF_ERROR(Room());
      return ks_->HSet(
          db_, key,
          std::vector<std::pair<std::string_view, std::string_view>>(fields.begin(), fields.end()));
    });
  }

  absl::StatusOr<std::optional<std::string>> HGet(std::string_view key,
                                                  std::string_view field) override {
    Evict();
    return ks_->HGet(db_, key, field);
  }

  absl::StatusOr<std::vector<std::optional<std::string>>> HMGet(
      std::string_view key, absl::Span<const std::string_view> fields) override {
    Evict();
    if (fields.empty()) return WrongArity("hmget");
    return hash_ops::MGet(*ks_, db_, key, fields);
  }

  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> HGetAll(
      std::string_view key) override {
    Evict();
    return hash_ops::GetAll(*ks_, db_, key);
  }

  absl::StatusOr<int64_t> HDel(std::string_view key,
                               absl::Span<const std::string_view> fields) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      if (fields.empty()) return WrongArity("hdel");
      return hash_ops::Del(*ks_, db_, key, fields);
    });
  }

  absl::StatusOr<bool> HExists(std::string_view key, std::string_view field) override {
    Evict();
    return hash_ops::Exists(*ks_, db_, key, field);
  }

  absl::StatusOr<int64_t> HLen(std::string_view key) override {
    Evict();
    return hash_ops::Len(*ks_, db_, key);
  }

  absl::StatusOr<int64_t> HIncrBy(std::string_view key, std::string_view field,
                                  int64_t by) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      EMBEDIS_RETURN_IF_ERROR(Room());
      return hash_ops::IncrBy(*ks_, db_, key, field, by);
    });
  }

  absl::StatusOr<HashScanPage> HScan(std::string_view key, uint64_t cursor,
                                     const StoreScanOptions& options) override {
    Evict();
    EMBEDIS_ASSIGN_OR_RETURN(hash_ops::ScanPage page,
                             hash_ops::Scan(*ks_, db_, key, cursor, ToScanArgs(options)));
    return HashScanPage{.cursor = page.cursor, .fields = std::move(page.fields)};
  }

  // ---- Lists: the list operations (lib/commands/list_ops.h), as the commands run them ----
  // Arguments a command would reject (no elements, a negative count) get the command's error.

  absl::StatusOr<int64_t> LPush(std::string_view key,
                                absl::Span<const std::string_view> elements) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      return Push("lpush", key, elements, list_ops::End::kHead, /*create=*/true);
    });
  }
  absl::StatusOr<int64_t> RPush(std::string_view key,
                                absl::Span<const std::string_view> elements) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      return Push("rpush", key, elements, list_ops::End::kTail, /*create=*/true);
    });
  }
  absl::StatusOr<int64_t> LPushX(std::string_view key,
                                 absl::Span<const std::string_view> elements) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      return Push("lpushx", key, elements, list_ops::End::kHead, /*create=*/false);
    });
  }
  absl::StatusOr<int64_t> RPushX(std::string_view key,
                                 absl::Span<const std::string_view> elements) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      return Push("rpushx", key, elements, list_ops::End::kTail, /*create=*/false);
    });
  }
  absl::StatusOr<std::optional<std::string>> LPop(std::string_view key) override {
    return Logged<absl::StatusOr<std::optional<std::string>>>(
        Keys(key), [&]() -> absl::StatusOr<std::optional<std::string>> {
          return list_ops::PopOne(*ks_, db_, key, list_ops::End::kHead);
        });
  }
  absl::StatusOr<std::optional<std::string>> RPop(std::string_view key) override {
    return Logged<absl::StatusOr<std::optional<std::string>>>(
        Keys(key), [&]() -> absl::StatusOr<std::optional<std::string>> {
          return list_ops::PopOne(*ks_, db_, key, list_ops::End::kTail);
        });
  }
  absl::StatusOr<std::vector<std::string>> LPop(std::string_view key, int64_t count) override {
    return Logged<absl::StatusOr<std::vector<std::string>>>(
        Keys(key), [&]() -> absl::StatusOr<std::vector<std::string>> {
          return PopCount(key, list_ops::End::kHead, count);
        });
  }
  absl::StatusOr<std::vector<std::string>> RPop(std::string_view key, int64_t count) override {
    return Logged<absl::StatusOr<std::vector<std::string>>>(
        Keys(key), [&]() -> absl::StatusOr<std::vector<std::string>> {
          return PopCount(key, list_ops::End::kTail, count);
        });
  }
  absl::StatusOr<std::vector<std::string>> LRange(std::string_view key, int64_t start,
                                                  int64_t stop) override {
    Evict();
    return list_ops::Range(*ks_, db_, key, start, stop);
  }
  absl::StatusOr<int64_t> LLen(std::string_view key) override {
    Evict();
    return list_ops::Len(*ks_, db_, key);
  }
  absl::StatusOr<std::optional<std::string>> LIndex(std::string_view key, int64_t index) override {
    Evict();
    return list_ops::Index(*ks_, db_, key, index);
  }
  absl::Status LSet(std::string_view key, int64_t index, std::string_view element) override {
    return Logged<absl::Status>(Keys(key), [&]() -> absl::Status {
      EMBEDIS_RETURN_IF_ERROR(Room());
      return list_ops::Set(*ks_, db_, key, index, element);
    });
  }
  absl::StatusOr<int64_t> LRem(std::string_view key, int64_t count,
                               std::string_view element) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      return list_ops::Rem(*ks_, db_, key, count, element);
    });
  }
  absl::Status LTrim(std::string_view key, int64_t start, int64_t stop) override {
    return Logged<absl::Status>(
        Keys(key), [&]() -> absl::Status { return list_ops::Trim(*ks_, db_, key, start, stop); });
  }
  absl::StatusOr<std::optional<std::string>> LMove(std::string_view source,
                                                   std::string_view destination, ListEnd from,
                                                   ListEnd to) override {
    return Logged<absl::StatusOr<std::optional<std::string>>>(
        Keys(source, destination), [&]() -> absl::StatusOr<std::optional<std::string>> {
          EMBEDIS_RETURN_IF_ERROR(Room());
          return list_ops::Move(*ks_, db_, source, destination, ToEnd(from), ToEnd(to));
        });
  }

  // ---- Sets: the set operations (lib/commands/set_ops.h), as the commands run them ----
  absl::StatusOr<int64_t> SAdd(std::string_view key,
                               absl::Span<const std::string_view> members) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      if (members.empty()) return WrongArity("sadd");
      EMBEDIS_RETURN_IF_ERROR(Room());
      return set_ops::Add(*ks_, db_, key, members);
    });
  }
  absl::StatusOr<int64_t> SRem(std::string_view key,
                               absl::Span<const std::string_view> members) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      if (members.empty()) return WrongArity("srem");
      return set_ops::Rem(*ks_, db_, key, members);
    });
  }
  absl::StatusOr<std::vector<std::string>> SMembers(std::string_view key) override {
    Evict();
    return set_ops::Members(*ks_, db_, key);
  }
  absl::StatusOr<bool> SIsMember(std::string_view key, std::string_view member) override {
    Evict();
    return set_ops::IsMember(*ks_, db_, key, member);
  }
  absl::StatusOr<int64_t> SCard(std::string_view key) override {
    Evict();
    return set_ops::Card(*ks_, db_, key);
  }

  // ---- Sorted sets: the sorted-set operations (lib/commands/zset_ops.h), with the handler's
  // checks (zset_family.cc); ZRange, ZRangeWithScores and the blocking pops run their commands
  // (store.cc's defaults) ----
  absl::StatusOr<int64_t> ZAdd(std::string_view key,
                               absl::Span<const std::pair<double, std::string_view>> members,
                               const StoreZAddOptions& options) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      if (members.empty()) return WrongArity("zadd");
      EMBEDIS_RETURN_IF_ERROR(Room());
      using O = StoreZAddOptions;
      using Z = zset_ops::AddOptions;
      if (options.condition == O::Condition::kIfMissing &&
          options.comparison != O::Comparison::kAny) {
        return errors::FromRedisError(errors::kZAddGtLtNx);
      }
      for (const auto& [score, member] : members) {
        if (std::isnan(score)) return errors::FromRedisError(errors::kNotFloat);
      }
      Z z;
      z.condition = options.condition == O::Condition::kIfMissing  ? Z::Condition::kNx
                    : options.condition == O::Condition::kIfExists ? Z::Condition::kXx
                                                                   : Z::Condition::kNone;
      z.comparison = options.comparison == O::Comparison::kGreater ? Z::Comparison::kGt
                     : options.comparison == O::Comparison::kLess  ? Z::Comparison::kLt
                                                                   : Z::Comparison::kNone;
      EMBEDIS_ASSIGN_OR_RETURN(zset_ops::AddResult r, zset_ops::Add(*ks_, db_, key, z, members));
      return options.count_changed ? r.added + r.updated : r.added;
    });
  }
  absl::StatusOr<double> ZIncrBy(std::string_view key, double increment,
                                 std::string_view member) override {
    return Logged<absl::StatusOr<double>>(Keys(key), [&]() -> absl::StatusOr<double> {
      EMBEDIS_RETURN_IF_ERROR(Room());
      if (std::isnan(increment)) return errors::FromRedisError(errors::kNotFloat);
      const std::pair<double, std::string_view> pair[] = {{increment, member}};
      EMBEDIS_ASSIGN_OR_RETURN(zset_ops::AddResult r,
                               zset_ops::Add(*ks_, db_, key, {.incr = true}, pair));
      return r.score;
    });
  }
  absl::StatusOr<int64_t> ZRem(std::string_view key,
                               absl::Span<const std::string_view> members) override {
    return Logged<absl::StatusOr<int64_t>>(Keys(key), [&]() -> absl::StatusOr<int64_t> {
      if (members.empty()) return WrongArity("zrem");
      return zset_ops::Rem(*ks_, db_, key, members);
    });
  }
  absl::StatusOr<std::optional<double>> ZScore(std::string_view key,
                                               std::string_view member) override {
    Evict();
    return zset_ops::Score(*ks_, db_, key, member);
  }
  absl::StatusOr<int64_t> ZCard(std::string_view key) override {
    Evict();
    return zset_ops::Card(*ks_, db_, key);
  }
  absl::StatusOr<std::optional<int64_t>> ZRank(std::string_view key, std::string_view member,
                                               bool reverse) override {
    Evict();
    return zset_ops::Rank(*ks_, db_, key, member, reverse);
  }
  absl::StatusOr<std::vector<StoreScoredMember>> ZPopMin(std::string_view key,
                                                         int64_t count) override {
    return Logged<absl::StatusOr<std::vector<StoreScoredMember>>>(
        Keys(key), [&]() -> absl::StatusOr<std::vector<StoreScoredMember>> {
          return ZPop(key, /*max=*/false, count);
        });
  }
  absl::StatusOr<std::vector<StoreScoredMember>> ZPopMax(std::string_view key,
                                                         int64_t count) override {
    return Logged<absl::StatusOr<std::vector<StoreScoredMember>>>(
        Keys(key), [&]() -> absl::StatusOr<std::vector<StoreScoredMember>> {
          return ZPop(key, /*max=*/true, count);
        });
  }

  // A blocking command (BLPOP, BLMOVE, ...) really blocks, as it does on a server: the list
  // methods' defaults (store.cc) run their commands here, through the command table.
  // ---- Pub/Sub: the keyspace's hub ----
  absl::StatusOr<int64_t> Publish(std::string_view channel, std::string_view message) override {
    Evict();
    return ks_->pubsub().Publish(channel, message);
  }
  absl::StatusOr<int64_t> SPublish(std::string_view channel, std::string_view message) override {
    return ks_->pubsub().SPublish(channel, message);
  }

  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions options) override {
    EMBEDIS_RETURN_IF_ERROR(store_internal::CheckSubscribeOptions(options));
    auto state = std::make_shared<store_internal::SubscriptionState>(std::move(options));
    subscriptions_.Add(state);
    return std::unique_ptr<Subscription>(new HubSubscription(&subscriptions_, std::move(state)));
  }

  absl::Status EnableKeyspaceEvents(std::string_view letters) override {
    std::optional<uint32_t> flags = ParseNotifyFlags(letters);
    if (!flags.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad notify-keyspace-events classes '", ToAbsl(letters), "'"));
    }
    ks_->SetNotifyFlags(ks_->notify_flags() | *flags);
    return absl::OkStatus();
  }

  int db() const override { return db_; }

  absl::StatusOr<Value> Command(absl::Span<const std::string_view> argv) override {
    if (argv.empty()) return absl::InvalidArgumentError("empty command");
    absl::StatusOr<Value> reply = ExecMayBlock(argv, protocol_);
    if (aof_ != nullptr) aof_->BeforeReply();  // commands log themselves (propagation.h)
    return reply;
  }

 private:
  static std::vector<std::string_view> Keys(std::string_view a) { return {a}; }
  static std::vector<std::string_view> Keys(std::string_view a, std::string_view b) {
    return {a, b};
  }
  static std::vector<std::string_view> PairKeys(
      absl::Span<const std::pair<std::string_view, std::string_view>> pairs) {
    std::vector<std::string_view> keys;
    for (const auto& [k, v] : pairs) keys.push_back(k);
    return keys;
  }

  // A typed write (which calls the keyspace directly, not a command) with the append-only file
  // on: when it changed data, each of `keys` is logged as its whole new state (DEL and the
  // commands that rebuild it, with its deadline; propagation.h wraps them in MULTI/EXEC), and
  // with appendfsync always the record is on disk before the call returns. Without the file: fn().
  template <typename R, typename F>
  R Logged(absl::Span<const std::string_view> keys, F&& fn) {
    Evict();  // every typed write and delete, as Redis before any command
    if (aof_ == nullptr) [[likely]] {
      return fn();
    }
    std::optional<R> result;
    {
      commands::PropagationFrame frame(ks_->propagator(), /*root_capable=*/true);
      const uint64_t before = Keyspace::ThreadChanges();
      result.emplace(fn());
      if (frame.active() && Keyspace::ThreadChanges() != before) {
        for (std::string_view key : keys) LogKeyState(key);
      }
    }
    aof_->BeforeReply();
    return *std::move(result);
  }

  // Propagates the commands that rebuild `key` as it is now (see Logged).
  void LogKeyState(std::string_view key) {
    commands::ClientState client;
    client.db = db_;
    commands::CommandContext ctx{.keyspace = ks_, .client = &client};
    auto read = [&](std::initializer_list<std::string_view> argv) {
      absl::StatusOr<std::optional<Value>> v =
          Run(absl::Span<const std::string_view>(argv.begin(), argv.size()), resp::Protocol::kResp2,
              nullptr);
      return v.ok() && v->has_value() ? **std::move(v) : Value::Null();
    };
    const std::string k(key);
    const std::string type = read({"TYPE", key}).str();
    std::vector<std::string> rebuild;
    auto all = [&](std::string_view cmd, const Value& v, bool swap_pairs) {
      rebuild = {std::string(cmd), k};
      const std::vector<Value>& e = v.elements();
      for (size_t i = 0; i < e.size(); ++i) {
        if (swap_pairs && i + 1 < e.size()) {  // ZRANGE WITHSCORES: member score -> score member
          rebuild.push_back(e[i + 1].str());
          rebuild.push_back(e[i].str());
          ++i;
        } else {
          rebuild.push_back(e[i].str());
        }
      }
    };
    if (type == "none") return commands::Propagate(ctx, {"DEL", k});
    if (type == "string") {
      commands::Propagate(ctx, {"SET", k, read({"GET", key}).str()});
    } else {
      commands::Propagate(ctx, {"DEL", k});
      if (type == "hash") all("HSET", read({"HGETALL", key}), false);
      if (type == "list") all("RPUSH", read({"LRANGE", key, "0", "-1"}), false);
      if (type == "set") all("SADD", read({"SMEMBERS", key}), false);
      if (type == "zset") all("ZADD", read({"ZRANGE", key, "0", "-1", "WITHSCORES"}), true);
      if (rebuild.size() > 2) commands::Propagate(ctx, std::move(rebuild));
    }
    const int64_t at = ks_->ExpireTimeMs(db_, key);
    if (at >= 0) commands::Propagate(ctx, {"PEXPIREAT", k, std::to_string(at)});
  }

  absl::StatusOr<std::vector<StoreScoredMember>> ZPop(std::string_view key, bool max,
                                                      int64_t count) {
    if (count < 0) return errors::FromRedisError(errors::kMustBePositive);
    EMBEDIS_ASSIGN_OR_RETURN(std::vector<zset_ops::ScoredMember> popped,
                             zset_ops::Pop(*ks_, db_, key, max, static_cast<uint64_t>(count)));
    std::vector<StoreScoredMember> out;
    out.reserve(popped.size());
    for (zset_ops::ScoredMember& m : popped) out.push_back({std::move(m.member), m.score});
    return out;
  }

  // Runs a command that may block: when it asks to (every key it waits on is empty), waits in
  // BlockedCallers and runs it again at each turn until it replies, or returns its timeout reply.
  absl::StatusOr<Value> ExecMayBlock(absl::Span<const std::string_view> argv,
                                     resp::Protocol protocol) {
    commands::BlockRequest request;
    EMBEDIS_ASSIGN_OR_RETURN(std::optional<Value> reply, Run(argv, protocol, &request));
    if (reply.has_value()) return std::move(*reply);
    absl::Status failed;
    // A BLPOP/BRPOP given a turn for one key retries on that key alone (see BlockedCallers).
    const bool per_key = absl::EqualsIgnoreCase(ToAbsl(argv[0]), "blpop") ||
                         absl::EqualsIgnoreCase(ToAbsl(argv[0]), "brpop") ||
                         absl::EqualsIgnoreCase(ToAbsl(argv[0]), "bzpopmin") ||
                         absl::EqualsIgnoreCase(ToAbsl(argv[0]), "bzpopmax");
    const bool served =
        blocked_->Wait(db_, request.keys, request.deadline_ms, [&](std::string_view key) {
          const std::string_view one_key[] = {argv[0], key, argv.back()};
          commands::BlockRequest again;
          absl::StatusOr<std::optional<Value>> r =
              Run(per_key ? absl::Span<const std::string_view>(one_key) : argv, protocol, &again);
          if (!r.ok()) {
            failed = r.status();
            return true;
          }
          reply = std::move(*r);
          return reply.has_value();
        });
    EMBEDIS_RETURN_IF_ERROR(failed);
    if (served) return std::move(*reply);
    if (protocol == resp::Protocol::kResp3) return Value::Null();
    return request.timeout_reply == commands::BlockRequest::TimeoutReply::kNullArray
               ? Value::NullArray()
               : Value::NullBulk();
  }

  // Runs a command through the command table and parses its reply; nullopt (and *block set)
  // when a blocking command asks to block (with `block` null, it may not: it replies at once).
  absl::StatusOr<std::optional<Value>> Run(absl::Span<const std::string_view> argv,
                                           resp::Protocol protocol, commands::BlockRequest* block) {
    commands::ClientState client;
    client.db = db_;
    client.protocol = protocol;
    std::string out;
    resp::Writer writer(&out, protocol);
    commands::CommandContext ctx{
        .keyspace = ks_, .client = &client, .reply = &writer, .may_block = block != nullptr};
    table_.Execute(ctx, argv);
    if (client.block_request.has_value()) {
      *block = std::move(*client.block_request);
      return std::optional<Value>();
    }
    resp::ReplyParser parser;
    parser.Feed(out);
    Value v;
    if (!parser.Next(&v)) return absl::InternalError("command wrote no complete reply");
    return std::optional<Value>(std::move(v));
  }

  // SCAN's and HSCAN's options as the commands would read them (RedisStore sends MATCH only when
  // it is not empty): a count below 1 is Redis's syntax error.
  static absl::StatusOr<commands::ScanArgs> ToScanArgs(const StoreScanOptions& options) {
    if (options.count < 1) return errors::FromRedisError(errors::kSyntax);
    commands::ScanArgs args{.count = options.count};
    if (!options.match.empty()) args.match = options.match;
    return args;
  }

  static list_ops::End ToEnd(ListEnd end) {
    return end == ListEnd::kLeft ? list_ops::End::kHead : list_ops::End::kTail;
  }

  absl::StatusOr<int64_t> Push(std::string_view command, std::string_view key,
                               absl::Span<const std::string_view> elements, list_ops::End end,
                               bool create) {
    if (elements.empty()) return WrongArity(command);
    EMBEDIS_RETURN_IF_ERROR(Room());
    return list_ops::Push(*ks_, db_, key, elements, end, create);
  }

  // LPOP / RPOP key count: a missing key (Redis's null array) is empty.
  absl::StatusOr<std::vector<std::string>> PopCount(std::string_view key, list_ops::End end,
                                                    int64_t count) {
    if (count < 0) return absl::InvalidArgumentError(errors::kMustBePositive);
    EMBEDIS_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> popped,
                             list_ops::Pop(*ks_, db_, key, end, static_cast<uint64_t>(count)));
    return std::move(popped).value_or(std::vector<std::string>());
  }

  static absl::Status WrongArity(std::string_view command) {
    return errors::FromRedisError(errors::WrongArity(command));
  }

  absl::StatusOr<SetOptions> ToSetOptions(const StoreSetOptions& options) const {
    SetOptions o;
    o.condition = static_cast<SetOptions::Condition>(options.condition);
    int expiries = options.ttl.has_value() + options.expire_at.has_value() + options.keep_ttl;
    if (expiries > 1) return absl::InvalidArgumentError(errors::kSyntax);
    if (options.keep_ttl) o.ttl = SetOptions::Ttl::kKeep;
    if (options.ttl.has_value()) {
      if (*options.ttl <= absl::ZeroDuration()) return InvalidExpire();
      // Sent as PX: a positive TTL under a millisecond is 1 ms, as RedisStore sends it.
      int64_t ms = std::max<int64_t>(1, absl::ToInt64Milliseconds(*options.ttl));
      o.ttl = SetOptions::Ttl::kAt;
      o.expire_at_ms = clock()->NowMs() + ms;
    }
    if (options.expire_at.has_value()) {
      int64_t at = absl::ToUnixMillis(*options.expire_at);
      if (at <= 0) return InvalidExpire();
      o.ttl = SetOptions::Ttl::kAt;
      o.expire_at_ms = at;
    }
    return o;
  }

  absl::StatusOr<bool> ExpireAtMs(std::string_view key, int64_t at_ms,
                                  const StoreExpireOptions& options) {
    const ExpireCondition condition{
        .nx = options.nx, .xx = options.xx, .gt = options.gt, .lt = options.lt};
    EMBEDIS_RETURN_IF_ERROR(key_ops::CheckExpireCondition(condition));
    return ks_->Expire(db_, key, at_ms, condition);
  }

  std::unique_ptr<Keyspace> owned_;
  Keyspace* const ks_;
  const int db_;
  const resp::Protocol protocol_;
  const commands::CommandTable table_;
  const std::shared_ptr<BlockedCallers> blocked_;  // before owned_'s keyspace goes
  HubSubscriptions subscriptions_;                 // leaves the hub before owned_'s keyspace goes

 public:
  // The append-only file (MemoryStoreOptions::aof); null when off. Destroyed before the keyspace.
  std::unique_ptr<Aof> aof_;
  std::unique_ptr<SnapshotKeeper> snapshots_;  // destroyed first: saves before the keyspace goes
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> NewMemoryStore(MemoryStoreOptions options) {
  std::unique_ptr<Keyspace> owned;
  Keyspace* ks = options.shared_keyspace;
  if (ks == nullptr) {
    owned = std::make_unique<Keyspace>(options.keyspace);
    ks = owned.get();
  }
  if (options.db < 0 || options.db >= ks->databases()) {
    return absl::InvalidArgumentError(errors::kDbIndexOutOfRange);
  }
  std::unique_ptr<Aof> aof;
  if (options.aof.appendonly) {
    if (ks->propagator() != nullptr) {
      return absl::FailedPreconditionError("the keyspace already has an append-only file");
    }
    aof = std::make_unique<Aof>(ks, options.aof, [](bool, std::string_view message) {
      std::fprintf(stderr, "embedis aof: %.*s\n", static_cast<int>(message.size()), message.data());
    });
  }
  std::vector<std::string> libraries;     // FUNCTION libraries from the snapshot
  if (aof != nullptr && aof->Exists()) {  // as redis-server: the log wins over the snapshot
    EMBEDIS_RETURN_IF_ERROR(aof->Load());
  } else if (!options.snapshot_path.empty()) {
    absl::StatusOr<SnapshotLoadStats> loaded = LoadSnapshot(options.snapshot_path, ks);
    if (!loaded.ok() && !absl::IsNotFound(loaded.status())) return loaded.status();
    if (loaded.ok()) libraries = std::move(loaded->function_libraries);
  }
  if (aof != nullptr) EMBEDIS_RETURN_IF_ERROR(aof->Start());
  auto store = std::make_unique<MemoryStore>(std::move(owned), ks, options.db, options.protocol);
  store->aof_ = std::move(aof);
  scripting::ScriptEngine* scripts = store->scripts();
  for (const std::string& code : libraries) {
    // As embedis-server: a library that no longer loads is reported and skipped.
    absl::StatusOr<std::string> lib = scripts->FunctionLoad(code, /*replace=*/true);
    if (!lib.ok()) {
      std::fprintf(stderr, "embedis: a function library in %s does not load: %.*s\n",
                   options.snapshot_path.c_str(), static_cast<int>(lib.status().message().size()),
                   lib.status().message().data());
    }
  }
  if (!options.snapshot_path.empty() &&
      (options.snapshot_interval > absl::ZeroDuration() || options.snapshot_on_close)) {
    store->snapshots_ = std::make_unique<SnapshotKeeper>(
        ks, SnapshotKeeper::Options{.path = options.snapshot_path,
                                    .interval = options.snapshot_interval,
                                    .save_on_close = options.snapshot_on_close,
                                    .on_error = {},
                                    .function_libraries = [scripts] {
                                      std::vector<std::string> codes;
                                      for (scripting::LibraryInfo& lib : scripts->FunctionList()) {
                                        codes.push_back(std::move(lib.code));
                                      }
                                      return codes;
                                    }});
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace embedis
