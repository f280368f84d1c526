// The "hashes" family of random_differential_test.cc's command stream (random_commands.h): HSET,
// HGET, HMGET, HDEL, HINCRBY*, HGETALL, HKEYS, HVALS, ....
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

Family HashCommands() {
  constexpr Compare kUnordered = Compare::kUnordered;
  return {"hashes",
          {
              {"HSET {key} {field} {value}", 4},
              {"HSET {key} {field} {value} {field} {value}", 2},
              {"HSET {key} {field}"},
              {"HSETNX {key} {field} {value}"},
              {"HMSET {key} {field} {value}"},
              {"HGET {key} {field}", 3},
              {"HMGET {key} {field} {field}"},
              {"HGETALL {key}", 2, Compare::kUnorderedPairs},
              {"HKEYS {key}", 1, kUnordered},
              {"HVALS {key}", 1, kUnordered},
              {"HDEL {key} {field} {field}", 2},
              {"HEXISTS {key} {field}"},
              {"HLEN {key}"},
              {"HSTRLEN {key} {field}"},
              {"HINCRBY {key} {field} {int}", 2},
              {"HINCRBYFLOAT {key} {field} {float}", 2},
          }};
}

}  // namespace embedis::testing::random_diff
