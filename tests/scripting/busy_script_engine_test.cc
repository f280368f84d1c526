// The script engine's busy-script rules without a server (what MemoryStore and any in-process
// caller of the command table get): another caller's EVAL or FCALL is answered -BUSY instead of
// waiting for a script past busy-reply-threshold, SCRIPT KILL's decisions (kill, UNKILLABLE after a
// write, the other kind, NOTBUSY), the killed script's error (pcall cannot swallow it), a kill that
// comes first stops the script before its next write, and the running script for FUNCTION STATS.
// Threshold 100 ms; waits up to seconds.
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "lib/scripting/script_engine.h"

namespace embedis::scripting {
namespace {

// redis.call: "SET" counts as a write (asks BusyScript::BeginWrite first, as the command table's
// runner does); everything else answers +OK.
class FakeRunner : public CommandRunner {
 public:
  explicit FakeRunner(ScriptEngine* engine) : engine_(engine) {}
  void Call(absl::Span<const std::string_view> argv, resp::Protocol protocol, bool,
            std::string* out) override {
    resp::Writer w(out, protocol);
    if (argv[0] == "SET") {
      if (!engine_->busy().BeginWrite()) return w.Error(kScriptKilledError);
      writes.fetch_add(1);
    }
    w.SimpleString("OK");
  }
  bool IsCommand(absl::Span<const std::string_view>) override { return true; }
  void WhileBusy() override { busy_calls.fetch_add(1); }

  std::atomic<int> writes{0};
  std::atomic<int> busy_calls{0};

 private:
  ScriptEngine* const engine_;
};

bool WaitUntilBusy(ScriptEngine& engine) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (engine.busy().busy()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::string Eval(ScriptEngine& engine, CommandRunner* runner, std::string_view script) {
  std::string out;
  resp::Writer w(&out);
  engine.Eval({.script = script}, runner, &w);
  return out;
}

TEST(BusyScriptEngine, OtherCallersGetBusyAndScriptKillStopsAReadOnlyScript) {
  ScriptEngine engine;
  engine.busy().set_threshold_ms(100);
  FakeRunner runner(&engine), other(&engine);
  EXPECT_EQ(engine.busy().Kill(true), BusyScript::KillResult::kNotBusy);
  std::string reply;
  // pcall inside the loop: the kill must not be swallowed.
  std::thread script([&] {
    reply = Eval(engine, &runner,
                 "local n = 0 while true do pcall(function() for i = 1, 1000 do n = n + 1 end end) "
                 "end");
  });
  ASSERT_TRUE(WaitUntilBusy(engine));
  EXPECT_EQ(Eval(engine, &other, "return 1"), "-" + std::string(kBusyEvalError) + "\r\n");
  std::optional<RunningScript> running = engine.busy().Running();
  ASSERT_TRUE(running.has_value());
  EXPECT_TRUE(running->is_eval);
  EXPECT_GE(running->duration_ms, 100);
  EXPECT_EQ(engine.busy().Kill(false), BusyScript::KillResult::kRunningEval);
  EXPECT_EQ(engine.busy().Kill(true), BusyScript::KillResult::kKilled);
  script.join();
  EXPECT_EQ(reply.rfind("-ERR Script killed by user with SCRIPT KILL... script: ", 0), 0u) << reply;
  EXPECT_GT(runner.busy_calls.load(), 0);
  EXPECT_FALSE(engine.busy().busy());
  EXPECT_EQ(engine.busy().Kill(true), BusyScript::KillResult::kNotBusy);
  EXPECT_EQ(Eval(engine, &other, "return 1"), ":1\r\n");  // the engine works on
}

TEST(BusyScriptEngine, AScriptThatWroteIsUnkillable) {
  ScriptEngine engine;
  engine.busy().set_threshold_ms(100);
  FakeRunner runner(&engine);
  std::string reply;
  std::thread script(
      [&] { reply = Eval(engine, &runner, "redis.call('SET', 'k', 'v') while true do end"); });
  ASSERT_TRUE(WaitUntilBusy(engine));
  EXPECT_EQ(engine.busy().Kill(true), BusyScript::KillResult::kUnkillable);
  EXPECT_EQ(engine.busy().Kill(false), BusyScript::KillResult::kUnkillable);
  engine.busy().Abort();  // SHUTDOWN NOSAVE
  script.join();
  EXPECT_EQ(runner.writes.load(), 1);
  EXPECT_EQ(reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u) << reply;
}

TEST(BusyScriptEngine, AKillStopsTheScriptBeforeItsNextWrite) {
  ScriptEngine engine;
  engine.busy().set_threshold_ms(100);
  FakeRunner runner(&engine);
  std::string reply;
  std::thread script([&] {
    reply = Eval(engine, &runner,
                 "local n = 0 while true do n = n + 1 if n == 50000000 then "
                 "redis.call('SET', 'k', 'v') end end");
  });
  ASSERT_TRUE(WaitUntilBusy(engine));
  EXPECT_EQ(engine.busy().Kill(true), BusyScript::KillResult::kKilled);
  script.join();
  EXPECT_EQ(runner.writes.load(), 0);
  EXPECT_EQ(reply.rfind("-ERR Script killed by user with SCRIPT KILL...", 0), 0u) << reply;
}

TEST(BusyScriptEngine, FunctionsAreKilledByFunctionKill) {
  ScriptEngine engine;
  engine.busy().set_threshold_ms(100);
  ASSERT_TRUE(engine
                  .FunctionLoad("#!lua name=lib\nredis.register_function('spin', function(k, a) "
                                "while true do end end)",
                                false)
                  .ok());
  FakeRunner runner(&engine), other(&engine);
  std::string reply;
  const std::string_view command[] = {"FCALL", "spin", "0"};
  std::thread script([&] {
    resp::Writer w(&reply);
    engine.FCall({.name = "spin", .command = command}, &runner, &w);
  });
  ASSERT_TRUE(WaitUntilBusy(engine));
  std::string busy;
  resp::Writer w(&busy);
  engine.FCall({.name = "spin"}, &other, &w);
  EXPECT_EQ(busy, "-" + std::string(kBusyFunctionError) + "\r\n");
  std::optional<RunningScript> running = engine.busy().Running();
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->name, "spin");
  EXPECT_EQ(running->command, (std::vector<std::string>{"FCALL", "spin", "0"}));
  EXPECT_EQ(engine.busy().Kill(true), BusyScript::KillResult::kRunningFunction);
  EXPECT_EQ(engine.busy().Kill(false), BusyScript::KillResult::kKilled);
  script.join();
  EXPECT_EQ(reply,
            "-ERR Script killed by user with SCRIPT KILL... script: spin, on "
            "@user_function:2.\r\n");
}

TEST(BusyScriptEngine, ThresholdZeroMeansNeverBusy) {
  ScriptEngine engine;
  engine.busy().set_threshold_ms(0);
  FakeRunner runner(&engine);
  EXPECT_EQ(Eval(engine, &runner, "local n = 0 for i = 1, 3000000 do n = n + 1 end return n"),
            ":3000000\r\n");
  EXPECT_EQ(runner.busy_calls.load(), 0);
}

}  // namespace
}  // namespace embedis::scripting
