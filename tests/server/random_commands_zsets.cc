// The "zsets" family of random_differential_test.cc's command stream (random_commands.h): ZADD and
// its flags, ranges by rank, score and lex, set operations, ZMPOP and the blocking pops.
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

Family ZsetCommands() {
  return {"zsets",
          {
              {"ZADD {key} {score} {member}", 4},
              {"ZADD {key} {score} {member} {score} {member} {score} {member}", 2},
              {"ZADD {key} {zaddopt} {score} {member}", 2},
              {"ZADD {key} {zaddopt} {zaddopt} {score} {member} {score} {member}", 2},
              {"ZADD {key} INCR {score} {member}"},
              {"ZADD {key} {score}"},
              {"ZADD {key} {members}"},
              {"ZINCRBY {key} {score} {member}", 2},
              {"ZREM {key} {member} {member}", 2},
              {"ZCARD {key}"},
              {"ZSCORE {key} {member}", 2},
              {"ZMSCORE {key} {member} {member}"},
              {"ZRANK {key} {member}"},
              {"ZREVRANK {key} {member}"},
              {"ZCOUNT {key} {sbound} {sbound}", 2},
              {"ZRANGE {key} {index} {index}", 2},
              {"ZRANGE {key} {index} {index} WITHSCORES", 2},
              {"ZRANGE {key} {index} {index} REV WITHSCORES"},
              {"ZRANGE {key} {index} {index} LIMIT {count} {count}"},
              {"ZRANGE {key} {sbound} {sbound} BYSCORE LIMIT {int} {int} WITHSCORES"},
              {"ZRANGE {key} {sbound} {sbound} BYSCORE REV WITHSCORES"},
              {"ZRANGEBYSCORE {key} {sbound} {sbound} WITHSCORES", 2},
              {"ZRANGEBYSCORE {key} {sbound} {sbound} LIMIT {index} {index}"},
              {"ZREVRANGEBYSCORE {key} {sbound} {sbound} LIMIT {int} {int}"},
              {"ZREVRANGE {key} {index} {index} WITHSCORES"},
              {"ZRANGESTORE {key} {key} {index} {index}"},
              {"ZRANGESTORE {key} {key} {sbound} {sbound} BYSCORE REV LIMIT {count} {count}"},
              {"ZREMRANGEBYRANK {key} {index} {index}"},
              {"ZREMRANGEBYSCORE {key} {sbound} {sbound}"},
              {"ZPOPMIN {key}"},
              {"ZPOPMAX {key} {count}", 2},
              {"ZMPOP 1 {key} {minmax}"},
              {"ZMPOP 2 {key} {key} {minmax} COUNT {count}"},
              {"ZMPOP {numkeys} {key} {key} {minmax}"},
              {"ZUNION 2 {key} {key} WITHSCORES"},
              {"ZUNIONSTORE {key} 2 {key} {key} WEIGHTS {float} {float} AGGREGATE {aggregate}"},
              {"ZINTER 2 {key} {key} AGGREGATE {aggregate} WITHSCORES"},
              {"ZINTERSTORE {key} {numkeys} {key} {key}"},
              {"ZDIFF 2 {key} {key} WITHSCORES"},
              {"ZDIFFSTORE {key} 2 {key} {key}"},
              {"ZINTERCARD 2 {key} {key} LIMIT {count}"},
              // Lex ranges on one key whose members all have score 0 (with mixed scores their
              // answer is unspecified: it depends on Redis's skip list's random levels).
              {"ZADD zlex 0 {member} 0 {member}", 2},
              {"ZREM zlex {member}"},
              {"ZLEXCOUNT zlex {lbound} {lbound}"},
              {"ZRANGEBYLEX zlex {lbound} {lbound}"},
              {"ZREVRANGEBYLEX zlex {lbound} {lbound} LIMIT {index} {index}"},
              {"ZRANGE zlex {lbound} {lbound} BYLEX LIMIT {count} {count}"},
              {"ZREMRANGEBYLEX zlex {lbound} {lbound}"},
              // Blocking: outside MULTI, see RunBlocking().
              {"BZPOPMIN {key} {timeout}", 2},
              {"BZPOPMAX {key} {key} {timeout}"},
              {"BZMPOP {timeout} 1 {key} {minmax}"},
              {"BZMPOP {timeout} 2 {key} {key} {minmax} COUNT {count}"},
          }};
}

}  // namespace embedis::testing::random_diff
