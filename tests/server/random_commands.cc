// Families(): the command families of random_differential_test.cc in the stream's order
// (random_commands.h).
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

std::vector<Family> Families() {
  return {StringCommands(), KeyCommands(),         HashCommands(),  ListCommands(),
          ZsetCommands(),   HyperLogLogCommands(), ServerCommands()};
}

}  // namespace embedis::testing::random_diff
