// The "keys" family of random_differential_test.cc's command stream (random_commands.h): DEL,
// EXISTS, TYPE, RENAME, the EXPIRE family and TTLs, COPY, MOVE, OBJECT, KEYS, DBSIZE.
#include "tests/server/random_commands.h"

namespace embedis::testing::random_diff {

Family KeyCommands() {
  constexpr Compare kTtl = Compare::kTtl;
  constexpr Compare kUnordered = Compare::kUnordered;
  return {"keys",
          {
              {"DEL {key} {key}", 2},
              {"UNLINK {key}"},
              {"EXISTS {key} {key}"},
              {"TYPE {key}"},
              {"RENAME {key} {key}"},
              {"RENAMENX {key} {key}"},
              {"EXPIRE {key} {ttl}", 2},
              {"EXPIRE {key} {ttl} NX"},
              {"EXPIRE {key} {ttl} GT"},
              {"EXPIRE {key} {ttl} LT XX"},
              {"EXPIRE {key} {ttl} NX XX"},
              {"PEXPIRE {key} {ms}"},
              {"EXPIREAT {key} {at}"},
              {"PEXPIREAT {key} {atms}"},
              {"PERSIST {key}"},
              {"TTL {key}", 2, kTtl},
              {"PTTL {key}", 1, kTtl},
              {"EXPIRETIME {key}", 1, kTtl},
              {"PEXPIRETIME {key}", 1, kTtl},
              {"COPY {key} {key}"},
              {"COPY {key} {key} REPLACE"},
              {"COPY {key} {key} DB {db}"},
              {"MOVE {key} {db}"},
              {"KEYS {pattern}", 1, kUnordered},
              {"DBSIZE", 1, Compare::kLiveKeyCount},
              {"OBJECT ENCODING {key}"},
          }};
}

}  // namespace embedis::testing::random_diff
