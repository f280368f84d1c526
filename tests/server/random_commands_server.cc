// The "server" family of random_differential_test.cc's command stream (random_commands.h): SELECT,
// SWAPDB, PING, ECHO, WATCH, UNWATCH.
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

Family ServerCommands() {
  return {"server",
          {
              {"SELECT {db}"},
              {"SWAPDB {db} {db}"},
              {"PING"},
              {"ECHO {value}"},
              {"WATCH {key}"},
              {"UNWATCH"},
          }};
}

}  // namespace embedis::testing::random_diff
