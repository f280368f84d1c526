// Scripts (Store::Eval: EVALSHA with its EVAL fallback) and Redis 7 Functions (FCALL, FCALL_RO)
// on every backend of store_conformance.h.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/resp/value.h"
#include "lib/store/store.h"
#include "lib/util/status_matchers.h"
#include "tests/conformance/store_conformance.h"

namespace embedis::conformance {
namespace {

template <typename Backend>
class StoreEvalConformance : public StoreConformance<Backend> {};
TYPED_TEST_SUITE_P(StoreEvalConformance);

// A fixed-window rate limiter: counts hits, the first one starts the window.
const StoreScript& RateLimiter() {
  static const StoreScript* const script = new StoreScript(
      "local n = redis.call('INCR', KEYS[1])\n"
      "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
      "return n\n");
  return *script;
}

// Releases a lock only for the holder of its token.
const StoreScript& LockRelease() {
  static const StoreScript* const script = new StoreScript(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
      "  return redis.call('DEL', KEYS[1])\n"
      "end\n"
      "return 0\n");
  return *script;
}

TYPED_TEST_P(StoreEvalConformance, EvalRateLimiter) {
  Store& s = this->store();
  for (int64_t i = 1; i <= 3; ++i) {
    EXPECT_THAT(s.Eval(RateLimiter(), {"rl:user"}, {"300"}), IsOkAndHolds(resp::Value::Integer(i)));
  }
  absl::StatusOr<absl::Duration> ttl = s.PTtl("rl:user");
  ASSERT_OK(ttl.status());
  EXPECT_GT(*ttl, absl::ZeroDuration());
  EXPECT_LE(*ttl, absl::Milliseconds(300));
  this->backend_.Advance(absl::Milliseconds(400));
  EXPECT_THAT(s.Get("rl:user"), IsOkAndHolds(std::nullopt));
  EXPECT_THAT(s.Eval(RateLimiter(), {"rl:user"}, {"300"}), IsOkAndHolds(resp::Value::Integer(1)));
}

TYPED_TEST_P(StoreEvalConformance, EvalLockReleaseOnlyByItsHolder) {
  Store& s = this->store();
  using C = StoreSetOptions::Condition;
  ASSERT_THAT(s.Set("lock", "token-a", {.condition = C::kIfMissing, .ttl = absl::Seconds(30)}),
              IsOkAndHolds(true));
  EXPECT_THAT(s.Eval(LockRelease(), {"lock"}, {"token-b"}), IsOkAndHolds(resp::Value::Integer(0)));
  EXPECT_THAT(s.Get("lock"), IsOkAndHolds(Optional(std::string("token-a"))));
  EXPECT_THAT(s.Eval(LockRelease(), {"lock"}, {"token-a"}), IsOkAndHolds(resp::Value::Integer(1)));
  EXPECT_THAT(s.Exists(Keys{"lock"}), IsOkAndHolds(0));
  EXPECT_THAT(s.Eval(LockRelease(), {"lock"}, {"token-a"}), IsOkAndHolds(resp::Value::Integer(0)));
}

TYPED_TEST_P(StoreEvalConformance, EvalMultiKeyScriptRepliesAndErrors) {
  Store& s = this->store();
  // Moves ARGV[1] from one counter to another, refusing to go below zero. (The keys share a
  // {hash tag}: a script's keys must be on one slot of a Redis Cluster.)
  const StoreScript transfer(
      "local have = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
      "local amount = tonumber(ARGV[1])\n"
      "if have < amount then return redis.error_reply('INSUFFICIENT funds') end\n"
      "redis.call('DECRBY', KEYS[1], amount)\n"
      "redis.call('INCRBY', KEYS[2], amount)\n"
      "redis.call('RPUSH', KEYS[3], ARGV[2])\n"
      "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), "
      "redis.call('LLEN', KEYS[3]), false}\n");
  ASSERT_THAT(s.Set("{acct}:a", "10"), IsOkAndHolds(true));
  EXPECT_THAT(
      s.Eval(transfer, {"{acct}:a", "{acct}:b", "{acct}:log"}, {"4", "a->b 4"}),
      IsOkAndHolds(resp::Value::Array({resp::Value::BulkString("6"), resp::Value::BulkString("4"),
                                       resp::Value::Integer(1), resp::Value::NullBulk()})));
  EXPECT_THAT(s.Eval(transfer, {"{acct}:a", "{acct}:b", "{acct}:log"}, {"7", "a->b 7"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("INSUFFICIENT funds")));
  EXPECT_THAT(s.Get("{acct}:a"), IsOkAndHolds(Optional(std::string("6"))));
  EXPECT_THAT(s.LRange("{acct}:log", 0, -1), IsOkAndHolds(ElementsAre("a->b 4")));

  // A failing redis.call is the command's error, with Redis's script suffix.
  const StoreScript incr("return redis.call('INCR', KEYS[1])");
  EXPECT_THAT(s.Eval(incr, {"{acct}:log"}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       ::testing::StartsWith("WRONGTYPE Operation against a key holding the "
                                             "wrong kind of value script: " +
                                             incr.sha1())));
  // A script that does not compile.
  const StoreScript broken("return +");
  EXPECT_THAT(s.Eval(broken, {}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           ::testing::StartsWith("ERR Error compiling script")));
  // Nothing but ARGV.
  const StoreScript echo("return ARGV[1] .. ARGV[2]");
  EXPECT_THAT(s.Eval(echo, {}, {"ab", "cd"}), IsOkAndHolds(resp::Value::BulkString("abcd")));
}

TYPED_TEST_P(StoreEvalConformance, EvalFallsBackToEvalAfterScriptFlush) {
  Store& s = this->store();
  const StoreScript script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  EXPECT_EQ(script.sha1(), "8cd00688c05c46bde4a2e60658ef20a2e5c0b248") << "SHA1 of the body";
  ASSERT_THAT(s.Command({"SCRIPT", "FLUSH"}), IsOkAndHolds(resp::Value::SimpleString("OK")));
  const resp::Value missing = resp::Value::Array({resp::Value::Integer(0)});
  const resp::Value cached = resp::Value::Array({resp::Value::Integer(1)});
  EXPECT_THAT(s.Command({"SCRIPT", "EXISTS", script.sha1()}), IsOkAndHolds(missing));
  const bool has_info = std::string_view(TypeParam::kName) != "memory";  // INFO: a server's
  if (has_info) ASSERT_OK(s.Command({"CONFIG", "RESETSTAT"}).status());
  // NOSCRIPT, then EVAL, which caches it; then EVALSHA alone.
  EXPECT_THAT(s.Eval(script, {"n"}, {"2"}), IsOkAndHolds(resp::Value::Integer(2)));
  EXPECT_THAT(s.Command({"SCRIPT", "EXISTS", script.sha1()}), IsOkAndHolds(cached));
  EXPECT_THAT(s.Eval(script, {"n"}, {"3"}), IsOkAndHolds(resp::Value::Integer(5)));
  if (has_info) {
    absl::StatusOr<resp::Value> info = s.Command({"INFO", "commandstats"});
    ASSERT_OK(info.status());
    EXPECT_THAT(info->str(), HasSubstr("cmdstat_evalsha:calls=2,"));
    EXPECT_THAT(info->str(), HasSubstr("cmdstat_eval:calls=1,"));
  }
  ASSERT_THAT(s.Command({"SCRIPT", "FLUSH"}), IsOkAndHolds(resp::Value::SimpleString("OK")));
  EXPECT_THAT(s.Eval(script, {"n"}, {"1"}), IsOkAndHolds(resp::Value::Integer(6)));
  EXPECT_THAT(s.Command({"SCRIPT", "EXISTS", script.sha1()}), IsOkAndHolds(cached));
  // A script loaded by SCRIPT LOAD runs through EVALSHA at once.
  const StoreScript loaded("return 'loaded'");
  EXPECT_THAT(s.Command({"SCRIPT", "LOAD", loaded.body()}),
              IsOkAndHolds(resp::Value::BulkString(loaded.sha1())));
  EXPECT_THAT(s.Eval(loaded, {}), IsOkAndHolds(resp::Value::BulkString("loaded")));
}

// Redis 7 Functions: a library with a rate limiter and a read-only getter, FCALL and FCALL_RO,
// and the errors applications meet (unknown function, FCALL_RO of a writing function, a library
// that exists already).
TYPED_TEST_P(StoreEvalConformance, FunctionsLoadAndCall) {
  Store& s = this->store();
  const std::string library =
      "#!lua name=conformance\n"
      "redis.register_function('cf_hit', function(keys, args)\n"
      "  local n = redis.call('INCR', keys[1])\n"
      "  if n == 1 then redis.call('PEXPIRE', keys[1], args[1]) end\n"
      "  return n\n"
      "end)\n"
      "redis.register_function{function_name='cf_get', callback=function(keys) return "
      "redis.call('GET', keys[1]) end, flags={'no-writes'}}\n";
  EXPECT_THAT(s.FunctionLoad(library, /*replace=*/true), IsOkAndHolds(std::string("conformance")));
  EXPECT_THAT(s.FunctionLoad(library), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("Library 'conformance' already exists")));
  for (int64_t i = 1; i <= 3; ++i) {
    EXPECT_THAT(s.FCall("cf_hit", {"cf:rl"}, {"300"}), IsOkAndHolds(resp::Value::Integer(i)));
  }
  EXPECT_THAT(s.FCallRo("cf_get", {"cf:rl"}), IsOkAndHolds(resp::Value::BulkString("3")));
  EXPECT_THAT(s.FCall("CF_GET", {"cf:rl"}), IsOkAndHolds(resp::Value::BulkString("3")));
  this->backend_.Advance(absl::Milliseconds(400));
  EXPECT_THAT(s.FCallRo("cf_get", {"cf:rl"}), IsOkAndHolds(resp::Value::NullBulk()));
  EXPECT_THAT(s.FCallRo("cf_hit", {"cf:rl"}, {"300"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Can not execute a script with write flag using *_ro command.")));
  EXPECT_THAT(s.FCall("cf_nosuch", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Function not found")));
  ASSERT_THAT(s.Command({"FUNCTION", "DELETE", "conformance"}),
              IsOkAndHolds(resp::Value::SimpleString("OK")));
}

REGISTER_TYPED_TEST_SUITE_P(StoreEvalConformance, EvalRateLimiter, EvalLockReleaseOnlyByItsHolder,
                            EvalMultiKeyScriptRepliesAndErrors, EvalFallsBackToEvalAfterScriptFlush,
                            FunctionsLoadAndCall);
INSTANTIATE_TYPED_TEST_SUITE_P(Backends, StoreEvalConformance, Backends, BackendNames);

}  // namespace
}  // namespace embedis::conformance
