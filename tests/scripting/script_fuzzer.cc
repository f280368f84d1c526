// libFuzzer target for EVAL and its kin: the input is split on '\n' into a script, numkeys and
// arguments, and run with EVAL, EVAL_RO and (after SCRIPT LOAD) EVALSHA through the command table
// in RESP2 and RESP3; then the script becomes the body of a function (FUNCTION LOAD, FCALL,
// FCALL_RO with the same arguments), the whole input is loaded as a library, and the functions are
// dumped and restored (and the input restored as a payload). Invariants: no crash, and every
// command writes exactly one well-formed reply. Scripts that could loop or allocate without bound
// are skipped (embedis has no script time limit yet).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/value.h"
#include "tests/testing/command_runner.h"

namespace {

void ExpectOneReply(const std::string& out, std::string_view input) {
  embedis::resp::ReplyParser parser;
  parser.Feed(out);
  embedis::resp::Value v;
  if (!parser.Next(&v) || parser.Next(&v) || parser.in_value() || !parser.status().ok()) {
    std::fprintf(stderr, "script fuzzer: not exactly one reply for input:\n%.*s\nout: %s\n",
                 static_cast<int>(input.size()), input.data(), out.c_str());
    std::abort();
  }
}

bool MayRunAway(std::string_view script) {
  for (std::string_view w : {"while", "repeat", "for", "goto", "function", "rep", "loadstring",
                             "load", "pcall", "..", "format", "concat", "unpack", "cjson"}) {
    if (script.find(w) != std::string_view::npos) return true;
  }
  return script.size() > 2000;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(input.data(), input.size()), '\n');
  if (parts.empty() || MayRunAway(parts[0]) || parts.size() > 64) return 0;
  static embedis::testing::CommandRunner* runner = new embedis::testing::CommandRunner();
  for (const char* cmd : {"EVAL", "EVAL_RO"}) {
    std::vector<std::string> argv = {cmd};
    argv.insert(argv.end(), parts.begin(), parts.end());
    if (argv.size() < 3) argv.push_back("0");
    ExpectOneReply(runner->Run(argv), input);
  }
  ExpectOneReply(runner->Run({"HELLO", "3"}), input);
  std::vector<std::string> argv = {"EVAL"};
  argv.insert(argv.end(), parts.begin(), parts.end());
  if (argv.size() < 3) argv.push_back("0");
  ExpectOneReply(runner->Run(argv), input);
  ExpectOneReply(runner->Run({"HELLO", "2"}), input);
  const std::string loaded = runner->Run({"SCRIPT", "LOAD", parts[0]});
  ExpectOneReply(loaded, input);
  if (loaded.size() == 47) {
    argv[0] = "EVALSHA";
    argv[1] = loaded.substr(5, 40);
    ExpectOneReply(runner->Run(argv), input);
  }
  // Functions: the script as a function body (its parameters named KEYS and ARGV, so that EVAL's
  // scripts run unchanged).
  ExpectOneReply(runner->Run({"FUNCTION", "LOAD", "REPLACE",
                              "#!lua name=fuzz\nredis.register_function('fuzz', function(KEYS, "
                              "ARGV) " +
                                  parts[0] + "\nend)"}),
                 input);
  for (const char* cmd : {"FCALL", "FCALL_RO"}) {
    argv[0] = cmd;
    argv[1] = "fuzz";
    ExpectOneReply(runner->Run(argv), input);
  }
  if (!MayRunAway(input)) {
    ExpectOneReply(runner->Run({"FUNCTION", "LOAD", std::string(input)}), input);
  }
  const std::string dump = runner->Run({"FUNCTION", "DUMP"});
  ExpectOneReply(dump, input);
  const size_t body = dump.find("\r\n") + 2;
  ExpectOneReply(
      runner->Run({"FUNCTION", "RESTORE", dump.substr(body, dump.size() - body - 2), "REPLACE"}),
      input);
  ExpectOneReply(runner->Run({"FUNCTION", "RESTORE", std::string(input), "FLUSH"}), input);
  ExpectOneReply(runner->Run({"FUNCTION", "LIST", "WITHCODE"}), input);
  runner->Run({"FUNCTION", "FLUSH"});
  runner->Run({"FLUSHALL"});
  return 0;
}
