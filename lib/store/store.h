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
#include <functional>
#include <initializer_list>
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

// Which end of a list (LMOVE's LEFT and RIGHT): kLeft is the head.
enum class ListEnd : uint8_t { kLeft, kRight };

// EXPIRE's conditions (combinable as in Redis: XX with GT or LT).
// ZADD's options (Store::ZAdd).
struct StoreZAddOptions {
  enum class Condition : uint8_t { kAlways, kIfMissing /* NX */, kIfExists /* XX */ };
  enum class Comparison : uint8_t { kAny, kGreater /* GT */, kLess /* LT */ };
  Condition condition = Condition::kAlways;
  Comparison comparison = Comparison::kAny;
  bool count_changed = false;  // CH: the result counts updated members too
};

// What ZRANGE's min and max are (Store::ZRange): ranks ("0", "-1"), scores ("1.5", "(2",
// "-inf", "+inf") or members ("[a", "(b", "-", "+"), as Redis writes them.
enum class ZRangeBy : uint8_t { kRank, kScore, kLex };
struct StoreZRangeOptions {
  ZRangeBy by = ZRangeBy::kRank;
  // From the highest down (REV). min and max are still given as (min, max): the Store sends
  // them in the order Redis wants.
  bool reverse = false;
  // LIMIT offset count (scores and members only; a negative count: all from the offset).
  std::optional<std::pair<int64_t, int64_t>> limit;
};

struct StoreScoredMember {
  std::string member;
  double score = 0;
  bool operator==(const StoreScoredMember& o) const {
    return member == o.member && score == o.score;
  }
};
struct StoreKeyScoredMember {
  std::string key;
  std::string member;
  double score = 0;
  bool operator==(const StoreKeyScoredMember& o) const {
    return key == o.key && member == o.member && score == o.score;
  }
};

struct StoreExpireOptions {
  bool nx = false, xx = false, gt = false, lt = false;
};

// A Lua script for Store::Eval: its body and its SHA1 (lowercase hex), computed once here, so
// that Eval sends EVALSHA without hashing the body on every call. Keep one per script (a
// static, a member) and reuse it.
//
//   static const StoreScript kRelease(
//       "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
//       "return 0");
//   absl::StatusOr<resp::Value> r = store->Eval(kRelease, {"lock"}, {token});
class StoreScript {
 public:
  explicit StoreScript(std::string body);
  const std::string& body() const { return body_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string body_;
  std::string sha1_;
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

  // ---- Lists ----
  // Every method is its Redis command (LPush is LPUSH, ...), by default run through Command();
  // a backend overrides a method where it must or can do better (RedisStore's BLPop/BRPop;
  // MemoryStore calls the list operations, lib/commands/list_ops.h, that its commands run). A key
  // holding another type is WRONGTYPE (kFailedPrecondition); a list whose last element goes is
  // deleted, as Redis never keeps an empty list. Indexes count from 0 at the head; negative ones
  // from -1 at the tail, as Redis's.
  //
  // LPUSH / RPUSH: pushes every element in order (LPush of a, b leaves b first) and returns the
  // length afterwards. No elements: Redis's arity error (kInvalidArgument).
  virtual absl::StatusOr<int64_t> LPush(std::string_view key,
                                        absl::Span<const std::string_view> elements);
  virtual absl::StatusOr<int64_t> RPush(std::string_view key,
                                        absl::Span<const std::string_view> elements);
  // LPUSHX / RPUSHX: as LPush/RPush, but only onto an existing list; 0 when the key is missing.
  virtual absl::StatusOr<int64_t> LPushX(std::string_view key,
                                         absl::Span<const std::string_view> elements);
  virtual absl::StatusOr<int64_t> RPushX(std::string_view key,
                                         absl::Span<const std::string_view> elements);
  // LPOP / RPOP key: the element removed, nullopt when the key is missing.
  virtual absl::StatusOr<std::optional<std::string>> LPop(std::string_view key);
  virtual absl::StatusOr<std::optional<std::string>> RPop(std::string_view key);
  // LPOP / RPOP key count: up to `count` elements in the order popped; empty when the key is
  // missing (Redis's null) or count is 0. A negative count is Redis's "ERR value is out of
  // range, must be positive" (kInvalidArgument).
  virtual absl::StatusOr<std::vector<std::string>> LPop(std::string_view key, int64_t count);
  virtual absl::StatusOr<std::vector<std::string>> RPop(std::string_view key, int64_t count);
  // LRANGE: the elements from start to stop, both inclusive (0 -1: all); empty when missing.
  virtual absl::StatusOr<std::vector<std::string>> LRange(std::string_view key, int64_t start,
                                                          int64_t stop);
  // LLEN: 0 when missing.
  virtual absl::StatusOr<int64_t> LLen(std::string_view key);
  // LINDEX: nullopt when the key is missing or the index out of range.
  virtual absl::StatusOr<std::optional<std::string>> LIndex(std::string_view key, int64_t index);
  // LSET: kNotFound "ERR no such key" when missing; kInvalidArgument "ERR index out of range".
  virtual absl::Status LSet(std::string_view key, int64_t index, std::string_view element);
  // LREM: removes elements equal to `element`: the first `count` from the head (count > 0), the
  // last -count from the tail (count < 0), or all (0). Returns how many it removed.
  virtual absl::StatusOr<int64_t> LRem(std::string_view key, int64_t count,
                                       std::string_view element);
  // LTRIM: keeps only the elements from start to stop (an empty range deletes the key).
  virtual absl::Status LTrim(std::string_view key, int64_t start, int64_t stop);
  // LMOVE: pops from `from` of `source`, pushes onto `to` of `destination`, returns the element;
  // nullopt (and nothing changes) when the source is missing. Source and destination may be the
  // same list (a rotation).
  virtual absl::StatusOr<std::optional<std::string>> LMove(std::string_view source,
                                                           std::string_view destination,
                                                           ListEnd from, ListEnd to);
  // BLPOP / BRPOP: pops from the first non-empty list of `keys` (in order) and returns
  // (key, element); when all are empty, waits until an element arrives on one of them (pushed by
  // anyone: this process, another Store, a network client) or `timeout` passes, then returns
  // nullopt. A timeout of zero (or absl::InfiniteDuration()) waits forever, as Redis's 0; it is
  // rounded up to whole milliseconds; a negative one is Redis's "ERR timeout is negative". No
  // keys: Redis's arity error. Waiters on the same key are served first come, first served.
  //   RedisStore: the wait is not bounded by the client's command timeout: a timeout longer
  //   than it (or 0) is waited out as successive BLPOPs each shorter than the command timeout,
  //   so a dead server is still noticed (kDeadlineExceeded / kUnavailable); between two of them
  //   another client blocked on the same key may be served first.
  //   MemoryStore: the timeout runs on the real time and on the store's clock, whichever passes
  //   it first: on a ManualClock, Advance() past it ends the wait at once, and without one the
  //   call still returns after `timeout` of real time.
  virtual absl::StatusOr<std::optional<std::pair<std::string, std::string>>> BLPop(
      absl::Span<const std::string_view> keys, absl::Duration timeout);
  virtual absl::StatusOr<std::optional<std::pair<std::string, std::string>>> BRPop(
      absl::Span<const std::string_view> keys, absl::Duration timeout);

  // ---- Sets ----
  // Each is its Redis command run through Command() on both backends (MemoryStore runs it on its
  // command table, set_family.cc). A key holding another type is WRONGTYPE (kFailedPrecondition);
  // a missing key is an empty set; a set whose last member goes is deleted.
  //
  // SADD: the number of members that were new. No members: Redis's arity error.
  virtual absl::StatusOr<int64_t> SAdd(std::string_view key,
                                       absl::Span<const std::string_view> members);
  // SREM: the number of members removed.
  virtual absl::StatusOr<int64_t> SRem(std::string_view key,
                                       absl::Span<const std::string_view> members);
  // SMEMBERS: every member, in an unspecified order (ascending for a small all-integer set).
  virtual absl::StatusOr<std::vector<std::string>> SMembers(std::string_view key);
  // SISMEMBER.
  virtual absl::StatusOr<bool> SIsMember(std::string_view key, std::string_view member);
  // SCARD: 0 when missing.
  virtual absl::StatusOr<int64_t> SCard(std::string_view key);

  // ---- Sorted sets ----
  // Each is its Redis command. MemoryStore calls the sorted-set operations
  // (lib/commands/zset_ops.h) for ZAdd, ZIncrBy, ZRem, ZScore, ZCard, ZRank, ZPopMin and ZPopMax,
  // and runs the rest (whose arguments its command table parses) through Command(), as RedisStore
  // runs all of them. A key holding another type is WRONGTYPE (kFailedPrecondition); a missing key
  // is an empty sorted set; a sorted set whose last member goes is deleted. Scores are doubles
  // (inf and -inf included; NaN is refused with Redis's errors).
  //
  // ZADD key [NX|XX] [GT|LT] [CH] score member...: the number of members added (with
  // count_changed, added or updated). No members: Redis's arity error; NX with GT or LT: Redis's
  // error (kInvalidArgument).
  virtual absl::StatusOr<int64_t> ZAdd(
      std::string_view key, absl::Span<const std::pair<double, std::string_view>> members,
      const StoreZAddOptions& options = {});
  // ZINCRBY: the new score. "ERR resulting score is not a number (NaN)" for inf + -inf.
  virtual absl::StatusOr<double> ZIncrBy(std::string_view key, double increment,
                                         std::string_view member);
  // ZREM: the number of members removed.
  virtual absl::StatusOr<int64_t> ZRem(std::string_view key,
                                       absl::Span<const std::string_view> members);
  // ZSCORE: nullopt when the key or the member is missing.
  virtual absl::StatusOr<std::optional<double>> ZScore(std::string_view key,
                                                       std::string_view member);
  // ZCARD: 0 when missing.
  virtual absl::StatusOr<int64_t> ZCard(std::string_view key);
  // ZRANK (ZREVRANK with `reverse`): the 0-based rank, nullopt when missing.
  virtual absl::StatusOr<std::optional<int64_t>> ZRank(std::string_view key,
                                                       std::string_view member,
                                                       bool reverse = false);
  // ZRANGE key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]: the members in order.
  // Malformed bounds are Redis's errors ("ERR min or max is not a float", ...).
  virtual absl::StatusOr<std::vector<std::string>> ZRange(std::string_view key,
                                                          std::string_view min,
                                                          std::string_view max,
                                                          const StoreZRangeOptions& options = {});
  // The same WITHSCORES (not with ZRangeBy::kLex: Redis's syntax error).
  virtual absl::StatusOr<std::vector<StoreScoredMember>> ZRangeWithScores(
      std::string_view key, std::string_view min, std::string_view max,
      const StoreZRangeOptions& options = {});
  // ZPOPMIN / ZPOPMAX key count: up to `count` members, lowest (highest) first; empty when
  // missing. A negative count is Redis's "ERR value is out of range, must be positive".
  virtual absl::StatusOr<std::vector<StoreScoredMember>> ZPopMin(std::string_view key,
                                                                 int64_t count = 1);
  virtual absl::StatusOr<std::vector<StoreScoredMember>> ZPopMax(std::string_view key,
                                                                 int64_t count = 1);
  // BZPOPMIN / BZPOPMAX: as BLPop, for sorted sets: (key, member, score) from the first
  // non-empty sorted set of `keys`, or nullopt when `timeout` passes first (0: forever).
  // RedisStore waits past its command timeout as BLPop does.
  virtual absl::StatusOr<std::optional<StoreKeyScoredMember>> BZPopMin(
      absl::Span<const std::string_view> keys, absl::Duration timeout);
  virtual absl::StatusOr<std::optional<StoreKeyScoredMember>> BZPopMax(
      absl::Span<const std::string_view> keys, absl::Duration timeout);

  // ---- Pub/Sub and keyspace notifications ----
  // PUBLISH: the number of receivers, counted as Redis counts them: each subscriber (a
  // connection, or a Store: all subscriptions of one Store count as one subscriber, on both
  // backends) of the channel, plus one per matching pattern. Default: the PUBLISH command.
  virtual absl::StatusOr<int64_t> Publish(std::string_view channel, std::string_view message);
  // SPUBLISH: publishes to the shard channel `channel` (a namespace apart from PUBLISH's: only
  // its shard subscribers, SubscribeOptions::shard_channels, receive it, and no pattern
  // matches it); the number of receivers, as Redis counts them. On a Redis Cluster the channel
  // is a key: the message goes to the primary of its slot (hash tags as for keys, MOVED
  // followed) and reaches that shard's subscribers only. Default: the SPUBLISH command.
  virtual absl::StatusOr<int64_t> SPublish(std::string_view channel, std::string_view message);

  // A message: its channel, its payload, and the pattern it matched (empty for a channel or a
  // shard channel subscription).
  using MessageCallback = std::function<void(std::string_view channel, std::string_view message,
                                             std::string_view pattern)>;
  // A change in delivery: kUnavailable when a redis:// store lost its subscription connection
  // (messages published until it is back are lost: a gap), OkStatus once it reconnected and
  // re-subscribed.
  using SubscriptionStatusCallback = std::function<void(const absl::Status&)>;
  struct SubscribeOptions {
    std::vector<std::string> channels;        // SUBSCRIBE
    std::vector<std::string> patterns;        // PSUBSCRIBE (Redis's glob)
    std::vector<std::string> shard_channels;  // SSUBSCRIBE (Store::SPublish's messages)
    MessageCallback on_message;               // required
    SubscriptionStatusCallback on_status;     // optional
  };
  // A subscription; destroying it unsubscribes. After the destructor returns no callback of it
  // runs any more (unless it is destroyed inside its own callback). Callbacks of one
  // subscription never run concurrently.
  class Subscription {
   public:
    virtual ~Subscription() = default;
    // OK while delivering; the loss's status while a redis:// store is reconnecting.
    virtual absl::Status status() const = 0;
    // How many times delivery was interrupted (each a gap in the messages).
    virtual int64_t gaps() const = 0;
  };
  // Subscribes to `channels`, `patterns` and `shard_channels` (at least one name). When it
  // returns, messages published from then on are delivered.
  //   memory://: through the keyspace's hub (Keyspace::pubsub()); callbacks run on the
  //   publishing thread, with no lock of the keyspace held: they must be quick.
  //   redis://: on one dedicated connection per store, opened by the first Subscribe, read by a
  //   thread of its own on which the callbacks run (a callback must not wait for another
  //   Subscribe of the same store). When the server goes away, that thread reconnects (backoff
  //   10 ms doubling to 1 s), re-subscribes every live subscription and reports the gap
  //   (on_status, status(), gaps()). kUnavailable when the first connection cannot be opened.
  //   redis+cluster://: one such connection per primary that has something to subscribe
  //   (lib/store/cluster_subscriber.h): ordinary channels on the owner of slot 0 (PUBLISH is
  //   broadcast to every node, and ClusterClient publishes there, so counts agree); each shard
  //   channel on the primary of its slot, moved when the slot moves (Redis's `sunsubscribe`,
  //   a refused SSUBSCRIBE, a lost node: the slot map is refreshed and the channel subscribed on
  //   its new owner); keyspace notification channels (`__keyspace@...`, `__keyevent@...`) and
  //   patterns on every primary, since a node publishes its own keys' events to its own
  //   subscribers only. New primaries (a failover, a node added) are followed within a second.
  //   A pattern's messages from an ordinary PUBLISH (broadcast to all nodes) are taken from one
  //   node only; a PUBLISH by hand to a keyspace notification channel arrives once per primary.
  //   Messages keep their order per node, not across nodes (each node's connection has its own
  //   thread; callbacks of one subscription still never run concurrently).
  // InvalidArgument without names or without on_message.
  virtual absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions options);

  // Adds the classes `letters` (notify-keyspace-events syntax: "Exg") to the notifications this
  // store's server or keyspace raises, keeping those already enabled. memory://: on the
  // keyspace (Keyspace::SetNotifyFlags); redis://: CONFIG GET, then CONFIG SET of the union;
  // a server that refuses CONFIG (disabled, renamed, ACL) is kFailedPrecondition naming the
  // classes to enable in its configuration; redis+cluster://: the same on every node reachable,
  // replicas included, and later on nodes that appear while the store subscribes (each node
  // publishes its own keys' events). InvalidArgument for an unknown letter.
  virtual absl::Status EnableKeyspaceEvents(std::string_view letters);
  // The database this store works on (keyspace notifications' channels name it).
  virtual int db() const { return 0; }

  // ---- Scripts ----
  // Runs a Lua script as EVAL does (KEYS and ARGV from `keys` and `args`), by its SHA1: sends
  // EVALSHA and, when the server answers NOSCRIPT (it has not seen the script, or SCRIPT FLUSH
  // forgot it), sends EVAL with the body, which caches it again. Returns the script's reply as
  // Redis converts it (a Lua number is an integer, a string a bulk string, a table an array,
  // false/nil a null; after redis.setresp(3), RESP3 types when the store speaks RESP3). An error
  // reply (a failing redis.call, redis.error_reply, a compile error) is a status with Redis's
  // text ("WRONGTYPE ... script: <sha1>, on @user_script:1."), mapped as StatusFromRedisError
  // maps it; an error nested inside a returned table stays a value.
  //   MemoryStore: runs on the store's command table and script engine, as embedis-server runs
  //   EVAL (the engine and its script cache are the store's own, not shared with an embedded
  //   server's). A script runs as one unit (Keyspace::ExclusiveSection): the store's other
  //   methods called meanwhile from other threads, other stores and direct calls on the same
  //   keyspace, an embedded server's clients on it, expiry and eviction wait until it ends; its
  //   messages (PUBLISH, keyspace notifications) reach subscribers when it ends. An embedded
  //   server's I/O threads wait too (they answer no -BUSY for a memory:// script): keep scripts
  //   short. A subscriber callback or another thread may call the store meanwhile, but a
  //   script must not wait for another thread that calls the keyspace.
  absl::StatusOr<resp::Value> Eval(const StoreScript& script,
                                   absl::Span<const std::string_view> keys,
                                   absl::Span<const std::string_view> args = {});
  absl::StatusOr<resp::Value> Eval(const StoreScript& script,
                                   std::initializer_list<std::string_view> keys,
                                   std::initializer_list<std::string_view> args = {}) {
    return Eval(script, absl::Span<const std::string_view>(keys.begin(), keys.size()),
                absl::Span<const std::string_view>(args.begin(), args.size()));
  }

  // Redis 7 Functions. FunctionLoad loads a library ("#!lua name=<lib>" then code calling
  // redis.register_function), as FUNCTION LOAD [REPLACE]; returns the library's name. FCall and
  // FCallRo run a function as FCALL / FCALL_RO (the function gets `keys` and `args` as its two
  // arguments); replies and errors as Eval's ("ERR Function not found", or "ERR Can not execute a
  // script with write flag using *_ro command." for FCallRo of a function without no-writes).
  //   MemoryStore: the store's own engine, as for Eval; with snapshot_path its libraries are
  //   saved with the keys and loaded again at open (not in the append-only file yet).
  absl::StatusOr<std::string> FunctionLoad(std::string_view code, bool replace = false);
  absl::StatusOr<resp::Value> FCall(std::string_view function,
                                    absl::Span<const std::string_view> keys,
                                    absl::Span<const std::string_view> args = {});
  absl::StatusOr<resp::Value> FCallRo(std::string_view function,
                                      absl::Span<const std::string_view> keys,
                                      absl::Span<const std::string_view> args = {});
  absl::StatusOr<resp::Value> FCall(std::string_view function,
                                    std::initializer_list<std::string_view> keys,
                                    std::initializer_list<std::string_view> args = {}) {
    return FCall(function, absl::Span<const std::string_view>(keys.begin(), keys.size()),
                 absl::Span<const std::string_view>(args.begin(), args.size()));
  }
  absl::StatusOr<resp::Value> FCallRo(std::string_view function,
                                      std::initializer_list<std::string_view> keys,
                                      std::initializer_list<std::string_view> args = {}) {
    return FCallRo(function, absl::Span<const std::string_view>(keys.begin(), keys.size()),
                   absl::Span<const std::string_view>(args.begin(), args.size()));
  }

  // ---- Anything else ----
  // Runs any Redis command and returns its reply as a value. A Redis error
  // reply is returned as a Value of type kError (not a failed status); a
  // failed status means the command could not be run (connection, timeout).
  // MemoryStore replies in RESP3 form when opened with ?protocol=3, else RESP2.
  // Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP)
  // block on both backends, as
  // the typed BLPop does (on RedisStore within the client's command timeout).
  // RedisStore (every redis*:// URL): MULTI or WATCH pins the calling thread's Command() calls to
  // one connection until EXEC, DISCARD or RESET (on a cluster: the node of the first key's slot;
  // lib/store/redis_transaction.h). MemoryStore: not yet (each call is a client of its own).
  virtual absl::StatusOr<resp::Value> Command(absl::Span<const std::string_view> argv) = 0;
  absl::StatusOr<resp::Value> Command(std::initializer_list<std::string_view> argv) {
    return Command(absl::Span<const std::string_view>(argv.begin(), argv.size()));
  }
};

// Opens a store from a URL (see the top of this file). InvalidArgument names
// what is wrong with a malformed URL (or an unreadable TLS file); an
// unreachable Redis, or a failed TLS handshake, is Unavailable.
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
