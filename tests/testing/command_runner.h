// CommandRunner: runs commands through the command table in-process and
// returns each reply's raw RESP bytes, so command tests read like a redis-cli
// session and compare byte for byte with a real redis-server.
//
//   CommandRunner r;                                   // ManualClock, 16 databases
//   EXPECT_EQ(r.Run({"SET", "k", "v", "PX", "100"}), "+OK\r\n");
//   r.clock().Advance(absl::Milliseconds(100));
//   EXPECT_EQ(r.Run({"GET", "k"}), "$-1\r\n");
#ifndef EMBEDIS_TESTS_TESTING_COMMAND_RUNNER_H_
#define EMBEDIS_TESTS_TESTING_COMMAND_RUNNER_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/writer.h"
#include "lib/util/clock.h"

namespace embedis::testing {

class CommandRunner {
 public:
  // With a ManualClock (default) or the given clock (e.g. Clock::Real() for
  // differential tests against a real server).
  explicit CommandRunner(Clock* clock = nullptr)
      : clock_(clock == nullptr ? &manual_ : clock),
        keyspace_({.shards = 4, .clock = clock_}),
        table_(commands::CommandTable::WithDataCommands()) {}

  std::string Run(std::initializer_list<std::string_view> argv) {
    return Run(std::vector<std::string_view>(argv));
  }
  std::string Run(const std::vector<std::string>& argv) {
    return Run(std::vector<std::string_view>(argv.begin(), argv.end()));
  }
  std::string Run(const std::vector<std::string_view>& argv) {
    std::string out;
    resp::Writer writer(&out, client_.protocol);
    commands::CommandContext ctx{.keyspace = &keyspace_, .client = &client_, .reply = &writer};
    table_.Execute(ctx, commands::Args(argv.data(), argv.size()));
    return out;
  }

  ManualClock& clock() { return manual_; }
  Keyspace& keyspace() { return keyspace_; }
  commands::ClientState& client() { return client_; }
  commands::CommandTable& table() { return table_; }

 private:
  ManualClock manual_;
  Clock* clock_;
  Keyspace keyspace_;
  commands::CommandTable table_;
  commands::ClientState client_;
};

}  // namespace embedis::testing

#endif  // EMBEDIS_TESTS_TESTING_COMMAND_RUNNER_H_
