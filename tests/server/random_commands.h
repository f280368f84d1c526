// The command templates of random_differential_test.cc, one family per file
// (random_commands_<family>.cc): command lines whose arguments are literals or placeholders
// ({key}, {field}, {value}, {int}, ...; the test's Generator expands them), each with a weight and
// the way its reply is compared (see the test's header for the normalizations).
//
// Families() lists every family in a fixed order: the order, the templates and their weights make
// the command stream of each seed, so a change here changes every seed's stream.
#ifndef EMBEDIS_TESTS_SERVER_RANDOM_COMMANDS_H_
#define EMBEDIS_TESTS_SERVER_RANDOM_COMMANDS_H_

#include <vector>

namespace embedis::testing::random_diff {

enum class Compare {
  kExact,
  kTtl,
  kUnordered,
  kUnorderedPairs,
  kLiveKeyCount,  // DBSIZE: redis reclaims its expired keys first (see the header)
};

struct Template {
  const char* line;  // space-separated arguments: literals and {placeholders}
  int weight = 1;
  Compare compare = Compare::kExact;
};

struct Family {
  const char* name;
  std::vector<Template> templates;
};

Family StringCommands();       // "strings"
Family KeyCommands();          // "keys"
Family HashCommands();         // "hashes"
Family ListCommands();         // "lists"
Family ZsetCommands();         // "zsets"
Family HyperLogLogCommands();  // "hyperloglog"
Family ServerCommands();       // "server"

// Every family, in the stream's order.
std::vector<Family> Families();

}  // namespace embedis::testing::random_diff

#endif  // EMBEDIS_TESTS_SERVER_RANDOM_COMMANDS_H_
