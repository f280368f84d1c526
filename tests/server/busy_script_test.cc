// Busy scripts (busy-reply-threshold / lua-time-limit), checked against a real redis-server 7.0:
// the same steps run on both servers and every reply is compared byte for byte (FUNCTION STATS'
// duration_ms aside). Covered: -BUSY for EVAL and for functions, the commands allowed while a
// script is busy (SCRIPT KILL, FUNCTION KILL/STATS, MULTI, DISCARD, WATCH, UNWATCH, AUTH, RESET,
// SHUTDOWN) and the refused ones (EXEC, EVAL, INFO, ...), SCRIPT KILL of a read-only script and the
// killed client's error, UNKILLABLE after a write, NOTBUSY, FUNCTION KILL, SCRIPT KILL and FUNCTION
// KILL refusing each other's kind, a transaction doomed by a command refused with -BUSY, a script
// that ends by itself, SHUTDOWN NOSAVE stopping the server, and CONFIG GET/SET of the parameter
// under both names.
//
// embedis runs with one I/O loop (every client on the script's loop) and with two (clients on
// the script's loop and on the other one). Threshold 100 ms; waits up to seconds.
#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "tests/server/server_fixture.h"

namespace embedis::testing {
namespace {

constexpr char kBusyEval[] =
    "-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n";
constexpr char kBusyFunction[] =
    "-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
    "NOSAVE.\r\n";
constexpr char kSpin[] = "local i = 0 while true do i = i + 1 end";
constexpr char kWriteThenSpin[] =
    "redis.call('SET', 'x', '1') local i = 0 while true do i = i + 1 end";
constexpr char kLibrary[] =
    "#!lua name=busylib\n"
    "redis.register_function{function_name='spin', callback=function(keys, args)\n"
    "  local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}\n"
    "redis.register_function('wspin', function(keys, args)\n"
    "  redis.call('SET', 'y', '1') local i = 0 while true do i = i + 1 end end)\n";

// One server's side of a scenario: the script's client first, then the others (made one after
// the other, each answering a PING first, so that with two I/O loops the first other client is
// on the other loop and the second on the script's).
struct Side {
  int port = 0;
  std::unique_ptr<RawRespConnection> script;
  std::vector<std::unique_ptr<RawRespConnection>> others;
  std::vector<std::string> transcript;

  void Connect(int p, int n_others) {
    port = p;
    auto make = [&] {
      auto c = std::make_unique<RawRespConnection>();
      EXPECT_TRUE(c->Connect(port).ok());
      EXPECT_EQ(c->Call({"PING"}), "+PONG\r\n");
      return c;
    };
    script = make();
    for (int i = 0; i < n_others; ++i) others.push_back(make());
  }
  void Note(const std::string& label, const std::string& reply) {
    transcript.push_back(absl::StrCat(label, " -> ", reply));
  }
  // Sends the script's command (and more, pipelined) without waiting for a reply.
  void Start(std::initializer_list<std::initializer_list<std::string_view>> commands) {
    std::string bytes;
    for (const auto& argv : commands) resp::AppendCommand(&bytes, argv);
    EXPECT_TRUE(script->SendRaw(bytes).ok());
  }
};

// PINGs `c` until it answers -BUSY (the script may not have started yet at first); the reply.
std::string WaitBusy(RawRespConnection& c) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string reply;
  while (std::chrono::steady_clock::now() < deadline) {
    reply = c.Call({"PING"});
    if (reply.rfind("-BUSY", 0) == 0) return reply;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return "never busy: " + reply;
}

// A script that runs `first`, then loops for `micros` by the server's clock, then returns `result`.
std::string TimedScript(const std::string& first, int micros, const std::string& result) {
  return absl::StrCat(first,
                      " local t = redis.call('TIME') local start = t[1] * 1000000 + t[2] "
                      "while true do t = redis.call('TIME') if t[1] * 1000000 + t[2] - start > ",
                      micros, " then break end end return '", result, "'");
}

// FUNCTION STATS with its duration_ms blanked.
std::string Stats(RawRespConnection& c) {
  static const std::regex kDuration("duration_ms\r\n:[0-9]+\r\n");
  return std::regex_replace(c.Call({"FUNCTION", "STATS"}), kDuration, "duration_ms\r\n:N\r\n");
}

class BusyScriptTest : public ServerTest, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.io_threads = GetParam();
    options.on_shutdown = [this] { server_->RequestStop(); };
    StartServer(options);
    redis_ = std::make_unique<RedisServerProcess>();
    absl::Status s = redis_->Start();
    ASSERT_TRUE(s.ok()) << s;
    ours.Connect(port_, 2);
    theirs.Connect(redis_->port(), 2);
    for (Side* side : {&ours, &theirs}) {
      ASSERT_EQ(side->others[0]->Call({"CONFIG", "SET", "lua-time-limit", "100"}), "+OK\r\n");
    }
  }

  void ExpectSameTranscripts() {
    if (getenv("BUSY_TEST_VERBOSE") != nullptr) {
      for (const std::string& line : theirs.transcript)
        std::fprintf(stderr, "redis: %s\n", line.c_str());
      for (const std::string& line : ours.transcript)
        std::fprintf(stderr, "embedis: %s\n", line.c_str());
    }
    ASSERT_EQ(ours.transcript.size(), theirs.transcript.size());
    for (size_t i = 0; i < ours.transcript.size(); ++i) {
      EXPECT_EQ(ours.transcript[i], theirs.transcript[i]) << "step " << i;
    }
  }

  // Whether the in-process server stops within `seconds` (SHUTDOWN NOSAVE).
  bool ServerStops(int seconds) {
    auto done = std::async(std::launch::async, [this] { server_->Wait(); });
    return done.wait_for(std::chrono::seconds(seconds)) == std::future_status::ready;
  }

  Side ours, theirs;
};

INSTANTIATE_TEST_SUITE_P(IoThreads, BusyScriptTest, ::testing::Values(1, 2),
                         [](const auto& info) { return absl::StrCat(info.param, "loops"); });

TEST_P(BusyScriptTest, ReadOnlyScriptIsBusyForEveryOtherClientUntilScriptKill) {
  for (Side* side : {&ours, &theirs}) {
    Side& s = *side;
    s.Start({{"EVAL", kSpin, "0"}, {"PING"}});  // the PING waits behind the script
    for (size_t i = 0; i < s.others.size(); ++i) {
      RawRespConnection& o = *s.others[i];
      const std::string who = absl::StrCat("client ", i, ": ");
      s.Note(who + "PING", WaitBusy(o));
      for (auto argv : std::vector<std::vector<std::string>>{
               {"SET", "a", "b"},
               {"GET", "a"},
               {"EVAL", "return 1", "0"},
               {"SCRIPT", "LOAD", "return 1"},
               {"CONFIG", "GET", "maxmemory"},
               {"CLIENT", "ID"},
               {"INFO", "server"},
               {"FUNCTION", "STATS"},  // during an EVAL: -BUSY, as Redis
               {"FUNCTION", "KILL"},   // an EVAL runs: FUNCTION KILL refuses with -BUSY
               {"MULTI"},
               {"SET", "a", "b"},
               {"EXEC"},
               {"DISCARD"},
               {"WATCH", "a"},
               {"UNWATCH"},
               {"AUTH", "secret"},
               {"RESET"},
               {"SHUTDOWN"},
               {"SHUTDOWN", "SAVE"},
               {"SHUTDOWN", "ABORT"},
               {"NOSUCHCOMMAND"},
               {"GET"},
           }) {
        s.Note(who + absl::StrJoin(argv, " "), o.Call(absl::MakeConstSpan(argv)));
      }
    }
    s.Note("SCRIPT KILL", s.others[0]->Call({"SCRIPT", "KILL"}));
    s.Note("the script's reply", s.script->ReadReply());
    s.Note("its pipelined PING", s.script->ReadReply());
    s.Note("SCRIPT KILL again", s.others[1]->Call({"SCRIPT", "KILL"}));
    s.Note("FUNCTION KILL", s.others[1]->Call({"FUNCTION", "KILL"}));
    s.Note("PING after", s.others[1]->Call({"PING"}));
    s.Note("GET after", s.others[0]->Call({"GET", "a"}));
  }
  ExpectSameTranscripts();
  // The texts, spelled out (the comparison above is the real check).
  EXPECT_EQ(ours.transcript[0], absl::StrCat("client 0: PING -> ", kBusyEval));
  const std::regex killed(
      "the script's reply -> -ERR Script killed by user with SCRIPT KILL\\.\\.\\. script: "
      "[0-9a-f]{40}, on @user_script:1\\.\r\n");
  EXPECT_TRUE(std::any_of(ours.transcript.begin(), ours.transcript.end(),
                          [&](const std::string& line) { return std::regex_match(line, killed); }));
}

TEST_P(BusyScriptTest, ScriptThatWroteIsUnkillableAndShutdownNosaveStopsTheServer) {
  for (Side* side : {&ours, &theirs}) {
    Side& s = *side;
    s.Start({{"EVAL", kWriteThenSpin, "0"}});
    s.Note("PING", WaitBusy(*s.others[0]));
    s.Note("SCRIPT KILL", s.others[0]->Call({"SCRIPT", "KILL"}));
    s.Note("FUNCTION KILL", s.others[1]->Call({"FUNCTION", "KILL"}));
    s.Note("SHUTDOWN", s.others[1]->Call({"SHUTDOWN"}));
    s.Note("SHUTDOWN NOSAVE", s.others[1]->Call({"SHUTDOWN", "NOSAVE"}));  // closes: ""
    // The script's own client gets no reply: its connection just closes (redis-server 7.0.15).
    s.Note("the script's client", s.script->ReadReply());
  }
  ExpectSameTranscripts();
  EXPECT_EQ(ours.transcript[1],
            "SCRIPT KILL -> -UNKILLABLE Sorry the script already executed write commands against "
            "the dataset. You can either wait the script termination or kill the server in a hard "
            "way using the SHUTDOWN NOSAVE command.\r\n");
  EXPECT_TRUE(ServerStops(20)) << "SHUTDOWN NOSAVE did not stop embedis-server";
}

TEST_P(BusyScriptTest, FunctionIsBusyUntilFunctionKill) {
  for (Side* side : {&ours, &theirs}) {
    Side& s = *side;
    s.Note("FUNCTION LOAD", s.others[0]->Call({"FUNCTION", "LOAD", kLibrary}));
    s.Start({{"FCALL", "spin", "1", "kk", "aa"}});
    for (size_t i = 0; i < s.others.size(); ++i) {
      RawRespConnection& o = *s.others[i];
      const std::string who = absl::StrCat("client ", i, ": ");
      s.Note(who + "PING", WaitBusy(o));
      s.Note(who + "FCALL", o.Call({"FCALL", "spin", "0"}));
      s.Note(who + "FUNCTION STATS", Stats(o));
      s.Note(who + "SCRIPT KILL", o.Call({"SCRIPT", "KILL"}));
    }
    s.Note("FUNCTION KILL", s.others[1]->Call({"FUNCTION", "KILL"}));
    s.Note("the function's reply", s.script->ReadReply());
    s.Note("FUNCTION STATS after", Stats(*s.others[0]));
    s.Note("FUNCTION KILL again", s.others[0]->Call({"FUNCTION", "KILL"}));
    // FCALL_RO, killed from the first client.
    s.Start({{"FCALL_RO", "spin", "0"}});
    s.Note("PING", WaitBusy(*s.others[0]));
    s.Note("FUNCTION KILL (RO)", s.others[0]->Call({"FUNCTION", "KILL"}));
    s.Note("the FCALL_RO's reply", s.script->ReadReply());
    // A function that wrote cannot be killed.
    s.Start({{"FCALL", "wspin", "0"}});
    s.Note("PING", WaitBusy(*s.others[1]));
    s.Note("FUNCTION KILL (wrote)", s.others[1]->Call({"FUNCTION", "KILL"}));
    s.Note("SCRIPT KILL (wrote)", s.others[0]->Call({"SCRIPT", "KILL"}));
    s.Note("SHUTDOWN NOSAVE", s.others[0]->Call({"SHUTDOWN", "NOSAVE"}));
  }
  ExpectSameTranscripts();
  EXPECT_EQ(ours.transcript[1], absl::StrCat("client 0: PING -> ", kBusyFunction));
  EXPECT_TRUE(ServerStops(20));
}

TEST_P(BusyScriptTest, ScriptThatEndsByItselfAndATransactionDoomedMeanwhile) {
  const std::string kTimed = TimedScript("", 1500000, "done");
  for (Side* side : {&ours, &theirs}) {
    Side& s = *side;
    s.Start({{"EVAL", kTimed, "0"}, {"PING"}});
    RawRespConnection& o = *s.others[GetParam() == 2 ? 0 : 1];
    s.Note("PING", WaitBusy(o));
    s.Note("MULTI", o.Call({"MULTI"}));
    s.Note("SET in MULTI", o.Call({"SET", "k", "v"}));
    s.Note("the script's reply", s.script->ReadReply());
    s.Note("its PING", s.script->ReadReply());
    s.Note("EXEC", o.Call({"EXEC"}));
    s.Note("SCRIPT KILL", o.Call({"SCRIPT", "KILL"}));
    s.Note("GET", o.Call({"GET", "k"}));
  }
  ExpectSameTranscripts();
}

TEST_P(BusyScriptTest, ClientBlockedOnAKeyTheScriptPushedIsServedAfterTheScript) {
  const std::string kPushThenWait = TimedScript("redis.call('LPUSH', 'l', 'x')", 1000000, "pushed");
  for (Side* side : {&ours, &theirs}) {
    Side& s = *side;
    RawRespConnection& blocked = *s.others[0];
    RawRespConnection& other = *s.others[1];
    std::string bytes;
    resp::AppendCommand(&bytes, {"BLPOP", "l", "30"});
    ASSERT_TRUE(blocked.SendRaw(bytes).ok());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (other.Call({"INFO", "clients"}).find("blocked_clients:1") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    s.Start({{"EVAL", kPushThenWait, "0"}});
    s.Note("PING", WaitBusy(other));
    s.Note("LLEN", other.Call({"LLEN", "l"}));
    s.Note("the script's reply", s.script->ReadReply());
    s.Note("BLPOP", blocked.ReadReply());
    s.Note("LLEN after", other.Call({"LLEN", "l"}));
  }
  ExpectSameTranscripts();
}

TEST_P(BusyScriptTest, BusyScriptInsideExec) {
  for (Side* side : {&ours, &theirs}) {
    Side& s = *side;
    // (The script's client gets no reply before EXEC's, MULTI's and QUEUED included, on both.)
    s.Start({{"MULTI"}, {"EVAL", kSpin, "0"}, {"EXEC"}});
    for (size_t i = 0; i < s.others.size(); ++i) s.Note("PING", WaitBusy(*s.others[i]));
    s.Note("SCRIPT KILL", s.others[1]->Call({"SCRIPT", "KILL"}));
    s.Note("MULTI", s.script->ReadReply());
    s.Note("EVAL", s.script->ReadReply());
    s.Note("EXEC", s.script->ReadReply());
    s.Note("PING after", s.others[0]->Call({"PING"}));
  }
  ExpectSameTranscripts();
}

TEST_P(BusyScriptTest, ConfigUnderBothNames) {
  for (Side* side : {&ours, &theirs}) {
    RawRespConnection& c = *side->others[0];
    for (auto argv : std::vector<std::vector<std::string>>{
             {"CONFIG", "GET", "lua-time-limit"},
             {"CONFIG", "GET", "busy-reply-threshold"},
             {"CONFIG", "GET", "busy*"},
             {"CONFIG", "SET", "busy-reply-threshold", "250"},
             {"CONFIG", "GET", "lua-time-limit"},
             {"CONFIG", "SET", "lua-time-limit", "-1"},
             {"CONFIG", "SET", "busy-reply-threshold", "abc"},
             {"CONFIG", "SET", "busy-reply-threshold", "0"},
             {"CONFIG", "GET", "busy-reply-threshold"},
             {"CONFIG", "SET", "lua-time-limit", "5000"},
             {"CONFIG", "GET", "lua*"},
         }) {
      side->Note(absl::StrJoin(argv, " "), c.Call(absl::MakeConstSpan(argv)));
    }
  }
  ExpectSameTranscripts();
}

}  // namespace
}  // namespace embedis::testing
