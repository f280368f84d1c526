// The "lists" family of random_differential_test.cc's command stream (random_commands.h): pushes,
// pops, ranges, LPOS, LINSERT, LMOVE, LMPOP and the blocking pops.
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

Family ListCommands() {
  return {"lists",
          {
              {"LPUSH {key} {elem}", 3},
              {"LPUSH {key} {elem} {elem} {elem}", 2},
              {"RPUSH {key} {elem}", 3},
              {"RPUSH {key} {elem} {elem} {elem} {elem}", 2},
              {"RPUSH {key} {elems}"},
              {"LPUSH {key} {elems}"},
              {"LPUSH {key}"},
              {"LPUSHX {key} {elem}"},
              {"RPUSHX {key} {elem} {elem}"},
              {"LPOP {key}", 2},
              {"RPOP {key}", 2},
              {"LPOP {key} {count}", 2},
              {"RPOP {key} {count}", 2},
              {"LPOP {key} {count} {count}"},
              {"LLEN {key}", 2},
              {"LINDEX {key} {index}", 2},
              {"LSET {key} {index} {elem}", 2},
              {"LRANGE {key} {index} {index}", 3},
              {"LTRIM {key} {index} {index}", 2},
              {"LREM {key} {index} {elem}", 2},
              {"LINSERT {key} {where} {elem} {elem}", 2},
              {"LPOS {key} {elem}", 2},
              {"LPOS {key} {elem} RANK {rank}", 2},
              {"LPOS {key} {elem} COUNT {count}", 2},
              {"LPOS {key} {elem} MAXLEN {count}"},
              {"LPOS {key} {elem} RANK {rank} COUNT {count} MAXLEN {count}", 2},
              {"LPOS {key} {elem} COUNT {count} RANK {rank} RANK {rank}"},
              {"LPOS {key} {elem} RANK"},
              {"LMOVE {key} {key} {dir} {dir}", 3},
              {"RPOPLPUSH {key} {key}", 2},
              {"LMPOP 1 {key} {dir}", 2},
              {"LMPOP 2 {key} {key} {dir} COUNT {count}", 2},
              {"LMPOP {numkeys} {key} {key} {dir}"},
              {"LMPOP 2 {key} {key} {dir} COUNT {count} COUNT {count}"},
              // Blocking: outside MULTI, see RunBlocking().
              {"BLPOP {key} {timeout}", 2},
              {"BRPOP {key} {key} {timeout}", 2},
              {"BLPOP {key} {key} {key} {timeout}"},
              {"BLMOVE {key} {key} {dir} {dir} {timeout}", 2},
              {"BRPOPLPUSH {key} {key} {timeout}", 2},
              {"BLMPOP {timeout} 1 {key} {dir}", 2},
              {"BLMPOP {timeout} 2 {key} {key} {dir} COUNT {count}", 2},
              {"BLMPOP {timeout} {numkeys} {key} {key} {dir}"},
          }};
}

}  // namespace embedis::testing::random_diff
