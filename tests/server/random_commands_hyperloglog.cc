// The "hyperloglog" family of random_differential_test.cc's command stream (random_commands.h):
// PFADD, PFCOUNT, PFMERGE.
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

Family HyperLogLogCommands() {
  return {"hyperloglog",
          {
              {"PFADD {key} {elem}", 3},
              {"PFADD {key} {elem} {elem} {elem}", 2},
              {"PFADD {key} {value} {value}"},
              {"PFADD {key}"},
              {"PFCOUNT {key}", 3},
              {"PFCOUNT {key} {key}", 2},
              {"PFCOUNT {key} {key} {key}"},
              {"PFMERGE {key} {key}", 2},
              {"PFMERGE {key} {key} {key}"},
              {"PFMERGE {key}"},
          }};
}

}  // namespace embedis::testing::random_diff
