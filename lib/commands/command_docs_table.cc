// The COMMAND DOCS table (command_docs.h): one entry per command and subcommand embedis
// registers, keyed by full name. The facts are the Redis command reference's, checked against
// redis-server 7.0's COMMAND DOCS reply (tests/server/command_docs_test.cc); CLIENT SETINFO and
// CLIENT NO-TOUCH, which 7.0 lacks, follow the 7.2 reference.
//
// To document a new command, add its entry here in name order: the complexity, the history
// (version, change), deprecation if any, and its arguments built with the helpers below, e.g.
//   Int("seconds").Token("EX").Since("2.6.12")   // an integer that follows the token EX
//   OneOf("condition", {Tok("nx", "NX"), Tok("xx", "XX")}).Opt()
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/command_docs.h"

namespace embedis::commands {
namespace {

ArgDoc Arg(std::string_view name, ArgType type) {
  ArgDoc a;
  a.name = name;
  a.type = type;
  return a;
}
ArgDoc Str(std::string_view name) { return Arg(name, ArgType::kString); }
ArgDoc Int(std::string_view name) { return Arg(name, ArgType::kInteger); }
ArgDoc Dbl(std::string_view name) { return Arg(name, ArgType::kDouble); }
ArgDoc Pattern(std::string_view name) { return Arg(name, ArgType::kPattern); }
ArgDoc UnixTime(std::string_view name) { return Arg(name, ArgType::kUnixTime); }
// A key; `index` is its key spec's position among the command's key specs.
ArgDoc Key(std::string_view name, int index = 0) {
  ArgDoc a = Arg(name, ArgType::kKey);
  a.key_spec_index = index;
  return a;
}
// A token that stands alone (NX, GET, WITHVALUES).
ArgDoc Tok(std::string_view name, std::string_view token) {
  return Arg(name, ArgType::kPureToken).Token(token);
}
ArgDoc OneOf(std::string_view name, std::vector<ArgDoc> args) {
  ArgDoc a = Arg(name, ArgType::kOneOf);
  a.args = std::move(args);
  return a;
}
ArgDoc Block(std::string_view name, std::vector<ArgDoc> args) {
  ArgDoc a = Arg(name, ArgType::kBlock);
  a.args = std::move(args);
  return a;
}

// LEFT | RIGHT (the list commands' ends).
ArgDoc ListEnd(std::string_view name) {
  return OneOf(name, {Tok("left", "LEFT"), Tok("right", "RIGHT")});
}
constexpr std::string_view kPushComplexity =
    "O(1) for each element added, so O(N) to add N elements when the command is called with "
    "multiple arguments.";
constexpr std::string_view kMPopComplexity =
    "O(N+M) where N is the number of provided keys and M is the number of elements returned.";

// The entries name only the fields they set; GCC's -Wmissing-field-initializers would flag every
// designated initializer that leaves the rest at their defaults.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<std::pair<std::string_view, CommandDoc>>* BuildTable() {
  return new std::vector<std::pair<std::string_view, CommandDoc>>{
      {"append",
       {.complexity =
            "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
            "the already present value is of any size, since the dynamic string library used by "
            "Redis will double the free space available on every reallocation.",
        .args = {Key("key"), Str("value")}}},
      {"auth",
       {.complexity = "O(N) where N is the number of passwords defined for the user",
        .history = {{"6.0.0", "Added ACL style (username and password)."}},
        .args = {Str("username").Since("6.0.0").Opt(), Str("password")}}},
      {"bgsave",
       {.complexity = "O(1)",
        .history = {{"3.2.2", "Added the `SCHEDULE` option."}},
        .args = {Tok("schedule", "SCHEDULE").Since("3.2.2").Opt()}}},
      {"blmove",
       {.complexity = "O(1)",
        .args = {Key("source"), Key("destination", 1), ListEnd("wherefrom"), ListEnd("whereto"),
                 Dbl("timeout")}}},
      {"blmpop",
       {.complexity = kMPopComplexity,
        .args = {Dbl("timeout"), Int("numkeys"), Key("key").Multi(), ListEnd("where"),
                 Int("count").Token("COUNT").Opt()}}},
      {"blpop",
       {.complexity = "O(N) where N is the number of provided keys.",
        .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
        .args = {Key("key").Multi(), Dbl("timeout")}}},
      {"brpop",
       {.complexity = "O(N) where N is the number of provided keys.",
        .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
        .args = {Key("key").Multi(), Dbl("timeout")}}},
      {"brpoplpush",
       {.complexity = "O(1)",
        .deprecated_since = "6.2.0",
        .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
        .history = {{"6.0.0", "`timeout` is interpreted as a double instead of an integer."}},
        .args = {Key("source"), Key("destination", 1), Dbl("timeout")}}},
      {"client", {.complexity = "Depends on subcommand."}},
      {"client|caching",
       {.complexity = "O(1)", .args = {OneOf("mode", {Tok("yes", "YES"), Tok("no", "NO")})}}},
      {"client|getname", {.complexity = "O(1)"}},
      {"client|getredir", {.complexity = "O(1)"}},
      {"client|help", {.complexity = "O(1)"}},
      {"client|id", {.complexity = "O(1)"}},
      {"client|info", {.complexity = "O(1)"}},
      {"client|kill",
       {.complexity = "O(N) where N is the number of client connections",
        .history = {{"2.8.12", "Added new filter format."},
                    {"2.8.12", "`ID` option."},
                    {"3.2.0", "Added `master` type in for `TYPE` option."},
                    {"5.0.0",
                     "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward "
                     "compatibility."},
                    {"6.2.0", "`LADDR` option."}},
        .args = {OneOf(
            "filter",
            {Str("ip:port").Deprecated("2.8.12"),
             OneOf("new-format",
                   {Int("client-id").Token("ID").Since("2.8.12").Opt(),
                    OneOf("normal_master_slave_pubsub",
                          {Tok("normal", "NORMAL"), Tok("master", "MASTER").Since("3.2.0"),
                           Tok("slave", "SLAVE"), Tok("replica", "REPLICA").Since("5.0.0"),
                           Tok("pubsub", "PUBSUB")})
                        .Token("TYPE")
                        .Since("2.8.12")
                        .Opt(),
                    Str("username").Token("USER").Opt(), Str("ip:port").Token("ADDR").Opt(),
                    Str("ip:port").Token("LADDR").Since("6.2.0").Opt(),
                    Str("yes/no").Token("SKIPME").Opt()})
                 .Multi()})}}},
      {"client|list",
       {.complexity = "O(N) where N is the number of client connections",
        .history = {{"2.8.12", "Added unique client `id` field."},
                    {"5.0.0", "Added optional `TYPE` filter."},
                    {"6.0.0", "Added `user` field."},
                    {"6.2.0",
                     "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional "
                     "`ID` filter."},
                    {"7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."},
                    {"7.0.3", "Added `ssub` field."}},
        .args = {OneOf("normal_master_replica_pubsub",
                       {Tok("normal", "NORMAL"), Tok("master", "MASTER"), Tok("replica", "REPLICA"),
                        Tok("pubsub", "PUBSUB")})
                     .Token("TYPE")
                     .Since("5.0.0")
                     .Opt(),
                 Block("id", {Int("client-id").Multi()}).Token("ID").Since("6.2.0").Opt()}}},
      {"client|no-evict",
       {.complexity = "O(1)", .args = {OneOf("enabled", {Tok("on", "ON"), Tok("off", "OFF")})}}},
      {"client|no-touch",
       {.complexity = "O(1)", .args = {OneOf("enabled", {Tok("on", "ON"), Tok("off", "OFF")})}}},
      {"client|pause",
       {.complexity = "O(1)",
        .history = {{"6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option."}},
        .args = {Int("timeout"),
                 OneOf("mode", {Tok("write", "WRITE"), Tok("all", "ALL")}).Since("6.2.0").Opt()}}},
      {"client|reply",
       {.complexity = "O(1)",
        .args = {OneOf("on_off_skip", {Tok("on", "ON"), Tok("off", "OFF"), Tok("skip", "SKIP")})}}},
      {"client|setinfo",
       {.complexity = "O(1)",
        .args = {OneOf("attr",
                       {Str("libname").Token("lib-name"), Str("libver").Token("lib-ver")})}}},
      {"client|setname", {.complexity = "O(1)", .args = {Str("connection-name")}}},
      {"client|tracking",
       {.complexity = "O(1). Some options may introduce additional complexity.",
        .args = {OneOf("status", {Tok("on", "ON"), Tok("off", "OFF")}),
                 Int("client-id").Token("REDIRECT").Opt(),
                 Str("prefix").Token("PREFIX").Opt().Multi().MultiToken(),
                 Tok("bcast", "BCAST").Opt(), Tok("optin", "OPTIN").Opt(),
                 Tok("optout", "OPTOUT").Opt(), Tok("noloop", "NOLOOP").Opt()}}},
      {"client|trackinginfo", {.complexity = "O(1)"}},
      {"client|unblock",
       {.complexity = "O(log N) where N is the number of client connections",
        .args =
            {Int("client-id"),
             OneOf("timeout_error", {Tok("timeout", "TIMEOUT"), Tok("error", "ERROR")}).Opt()}}},
      {"client|unpause", {.complexity = "O(N) Where N is the number of paused clients"}},
      {"command", {.complexity = "O(N) where N is the total number of Redis commands"}},
      {"command|count", {.complexity = "O(1)"}},
      {"command|docs",
       {.complexity = "O(N) where N is the number of commands to look up",
        .args = {Str("command-name").Opt().Multi()}}},
      {"command|getkeys", {.complexity = "O(N) where N is the number of arguments to the command"}},
      {"command|getkeysandflags",
       {.complexity = "O(N) where N is the number of arguments to the command"}},
      {"command|help", {.complexity = "O(1)"}},
      {"command|info",
       {.complexity = "O(N) where N is the number of commands to look up",
        .history = {{"7.0.0",
                     "Allowed to be called with no argument to get info on all commands."}},
        .args = {Str("command-name").Opt().Multi()}}},
      {"command|list",
       {.complexity = "O(N) where N is the total number of Redis commands",
        .args = {OneOf("filterby",
                       {Str("module-name").Token("MODULE"), Str("category").Token("ACLCAT"),
                        Pattern("pattern").Token("PATTERN")})
                     .Token("FILTERBY")
                     .Opt()}}},
      {"config", {.complexity = "Depends on subcommand."}},
      {"config|get",
       {.complexity = "O(N) when N is the number of configuration parameters provided",
        .history = {{"7.0.0", "Added the ability to pass multiple pattern parameters in one call"}},
        .args = {Block("parameter", {Str("parameter")}).Multi()}}},
      {"config|help", {.complexity = "O(1)"}},
      {"config|resetstat", {.complexity = "O(1)"}},
      {"config|rewrite", {.complexity = "O(1)"}},
      {"config|set",
       {.complexity = "O(N) when N is the number of configuration parameters provided",
        .history = {{"7.0.0", "Added the ability to set multiple parameters in one call."}},
        .args = {Block("parameter_value", {Str("parameter"), Str("value")}).Multi()}}},
      {"copy",
       {.complexity = "O(N) worst case for collections, where N is the number of nested items. "
                      "O(1) for string values.",
        .args = {Key("source"), Key("destination", 1), Int("destination-db").Token("DB").Opt(),
                 Tok("replace", "REPLACE").Opt()}}},
      {"dbsize", {.complexity = "O(1)"}},
      {"decr", {.complexity = "O(1)", .args = {Key("key")}}},
      {"decrby", {.complexity = "O(1)", .args = {Key("key"), Int("decrement")}}},
      {"del",
       {.complexity = "O(N) where N is the number of keys that will be removed. When a key to "
                      "remove holds a value other than a string, the individual complexity for "
                      "this key is O(M) where M is the number of elements in the list, set, sorted "
                      "set or hash. Removing a single key that holds a string value is O(1).",
        .args = {Key("key").Multi()}}},
      {"discard", {.complexity = "O(N), when N is the number of queued commands"}},
      {"echo", {.complexity = "O(1)", .args = {Str("message")}}},
      {"exec", {.complexity = "Depends on commands in the transaction"}},
      {"exists",
       {.complexity = "O(N) where N is the number of keys to check.",
        .history = {{"3.0.3", "Accepts multiple `key` arguments."}},
        .args = {Key("key").Multi()}}},
      {"expire",
       {.complexity = "O(1)",
        .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
        .args = {Key("key"), Int("seconds"),
                 OneOf("condition",
                       {Tok("nx", "NX"), Tok("xx", "XX"), Tok("gt", "GT"), Tok("lt", "LT")})
                     .Since("7.0.0")
                     .Opt()}}},
      {"expireat",
       {.complexity = "O(1)",
        .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
        .args = {Key("key"), UnixTime("unix-time-seconds"),
                 OneOf("condition",
                       {Tok("nx", "NX"), Tok("xx", "XX"), Tok("gt", "GT"), Tok("lt", "LT")})
                     .Since("7.0.0")
                     .Opt()}}},
      {"expiretime", {.complexity = "O(1)", .args = {Key("key")}}},
      {"flushall",
       {.complexity = "O(N) where N is the total number of keys in all databases",
        .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                    {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
        .args = {OneOf("async",
                       {Tok("async", "ASYNC").Since("4.0.0"), Tok("sync", "SYNC").Since("6.2.0")})
                     .Opt()}}},
      {"flushdb",
       {.complexity = "O(N) where N is the number of keys in the selected database",
        .history = {{"4.0.0", "Added the `ASYNC` flushing mode modifier."},
                    {"6.2.0", "Added the `SYNC` flushing mode modifier."}},
        .args = {OneOf("async",
                       {Tok("async", "ASYNC").Since("4.0.0"), Tok("sync", "SYNC").Since("6.2.0")})
                     .Opt()}}},
      {"get", {.complexity = "O(1)", .args = {Key("key")}}},
      {"getdel", {.complexity = "O(1)", .args = {Key("key")}}},
      {"getex",
       {.complexity = "O(1)",
        .args = {Key("key"),
                 OneOf("expiration", {Int("seconds").Token("EX"), Int("milliseconds").Token("PX"),
                                      UnixTime("unix-time-seconds").Token("EXAT"),
                                      UnixTime("unix-time-milliseconds").Token("PXAT"),
                                      Tok("persist", "PERSIST")})
                     .Opt()}}},
      {"getrange",
       {.complexity =
            "O(N) where N is the length of the returned string. The complexity is ultimately "
            "determined by the returned length, but because creating a substring from an existing "
            "string is very cheap, it can be considered O(1) for small strings.",
        .args = {Key("key"), Int("start"), Int("end")}}},
      {"getset",
       {.complexity = "O(1)",
        .deprecated_since = "6.2.0",
        .replaced_by = "`SET` with the `!GET` argument",
        .args = {Key("key"), Str("value")}}},
      {"hdel",
       {.complexity = "O(N) where N is the number of fields to be removed.",
        .history = {{"2.4.0", "Accepts multiple `field` arguments."}},
        .args = {Key("key"), Str("field").Multi()}}},
      {"hello",
       {.complexity = "O(1)",
        .history = {{"6.2.0",
                     "`protover` made optional; when called without arguments the command reports "
                     "the current connection's context."}},
        .args = {Block("arguments", {Int("protover"),
                                     Block("username_password", {Str("username"), Str("password")})
                                         .Token("AUTH")
                                         .Opt(),
                                     Str("clientname").Token("SETNAME").Opt()})
                     .Opt()}}},
      {"hexists", {.complexity = "O(1)", .args = {Key("key"), Str("field")}}},
      {"hget", {.complexity = "O(1)", .args = {Key("key"), Str("field")}}},
      {"hgetall", {.complexity = "O(N) where N is the size of the hash.", .args = {Key("key")}}},
      {"hincrby", {.complexity = "O(1)", .args = {Key("key"), Str("field"), Int("increment")}}},
      {"hincrbyfloat",
       {.complexity = "O(1)", .args = {Key("key"), Str("field"), Dbl("increment")}}},
      {"hkeys", {.complexity = "O(N) where N is the size of the hash.", .args = {Key("key")}}},
      {"hlen", {.complexity = "O(1)", .args = {Key("key")}}},
      {"hmget",
       {.complexity = "O(N) where N is the number of fields being requested.",
        .args = {Key("key"), Str("field").Multi()}}},
      {"hmset",
       {.complexity = "O(N) where N is the number of fields being set.",
        .deprecated_since = "4.0.0",
        .replaced_by = "`HSET` with multiple field-value pairs",
        .args = {Key("key"), Block("field_value", {Str("field"), Str("value")}).Multi()}}},
      {"hrandfield",
       {.complexity = "O(N) where N is the number of fields returned",
        .args = {Key("key"),
                 Block("options", {Int("count"), Tok("withvalues", "WITHVALUES").Opt()}).Opt()}}},
      {"hscan",
       {.complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                      "command calls for the cursor to return back to 0. N is the number of "
                      "elements inside the collection..",
        .args = {Key("key"), Int("cursor"), Pattern("pattern").Token("MATCH").Opt(),
                 Int("count").Token("COUNT").Opt()}}},
      {"hset",
       {.complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                      "when the command is called with multiple field/value pairs.",
        .history = {{"4.0.0", "Accepts multiple `field` and `value` arguments."}},
        .args = {Key("key"), Block("field_value", {Str("field"), Str("value")}).Multi()}}},
      {"hsetnx", {.complexity = "O(1)", .args = {Key("key"), Str("field"), Str("value")}}},
      {"hstrlen", {.complexity = "O(1)", .args = {Key("key"), Str("field")}}},
      {"hvals", {.complexity = "O(N) where N is the size of the hash.", .args = {Key("key")}}},
      {"incr", {.complexity = "O(1)", .args = {Key("key")}}},
      {"incrby", {.complexity = "O(1)", .args = {Key("key"), Int("increment")}}},
      {"incrbyfloat", {.complexity = "O(1)", .args = {Key("key"), Dbl("increment")}}},
      {"info",
       {.complexity = "O(1)",
        .history = {{"7.0.0", "Added support for taking multiple section arguments."}},
        .args = {Str("section").Opt().Multi()}}},
      {"keys",
       {.complexity =
            "O(N) with N being the number of keys in the database, under the assumption that the "
            "key names in the database and the given pattern have limited length.",
        .args = {Pattern("pattern")}}},
      {"lastsave", {.complexity = "O(1)"}},
      {"lindex",
       {.complexity = "O(N) where N is the number of elements to traverse to get to the element "
                      "at index. This makes asking for the first or the last element of the list "
                      "O(1).",
        .args = {Key("key"), Int("index")}}},
      {"linsert",
       {.complexity = "O(N) where N is the number of elements to traverse before seeing the value "
                      "pivot. This means that inserting somewhere on the left end on the list "
                      "(head) can be considered O(1) and inserting somewhere on the right end "
                      "(tail) is O(N).",
        .args = {Key("key"), OneOf("where", {Tok("before", "BEFORE"), Tok("after", "AFTER")}),
                 Str("pivot"), Str("element")}}},
      {"llen", {.complexity = "O(1)", .args = {Key("key")}}},
      {"lmove",
       {.complexity = "O(1)",
        .args = {Key("source"), Key("destination", 1), ListEnd("wherefrom"), ListEnd("whereto")}}},
      {"lmpop",
       {.complexity = kMPopComplexity,
        .args = {Int("numkeys"), Key("key").Multi(), ListEnd("where"),
                 Int("count").Token("COUNT").Opt()}}},
      {"lpop",
       {.complexity = "O(N) where N is the number of elements returned",
        .history = {{"6.2.0", "Added the `count` argument."}},
        .args = {Key("key"), Int("count").Since("6.2.0").Opt()}}},
      {"lpos",
       {.complexity = "O(N) where N is the number of elements in the list, for the average case. "
                      "When searching for elements near the head or the tail of the list, or when "
                      "the MAXLEN option is provided, the command may run in constant time.",
        .args = {Key("key"), Str("element"), Int("rank").Token("RANK").Opt(),
                 Int("num-matches").Token("COUNT").Opt(), Int("len").Token("MAXLEN").Opt()}}},
      {"lpush",
       {.complexity = kPushComplexity,
        .history = {{"2.4.0", "Accepts multiple `element` arguments."}},
        .args = {Key("key"), Str("element").Multi()}}},
      {"lpushx",
       {.complexity = kPushComplexity,
        .history = {{"4.0.0", "Accepts multiple `element` arguments."}},
        .args = {Key("key"), Str("element").Multi()}}},
      {"lrange",
       {.complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                      "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                      "elements in the specified range.",
        .args = {Key("key"), Int("start"), Int("stop")}}},
      {"lrem",
       {.complexity = "O(N+M) where N is the length of the list and M is the number of elements "
                      "removed.",
        .args = {Key("key"), Int("count"), Str("element")}}},
      {"lset",
       {.complexity = "O(N) where N is the length of the list. Setting either the first or the "
                      "last element of the list is O(1).",
        .args = {Key("key"), Int("index"), Str("element")}}},
      {"ltrim",
       {.complexity = "O(N) where N is the number of elements to be removed by the operation.",
        .args = {Key("key"), Int("start"), Int("stop")}}},
      {"memory", {.complexity = "Depends on subcommand."}},
      {"memory|doctor", {.complexity = "O(1)"}},
      {"memory|help", {.complexity = "O(1)"}},
      {"memory|malloc-stats",
       {.complexity = "Depends on how much memory is allocated, could be slow"}},
      {"memory|purge", {.complexity = "Depends on how much memory is allocated, could be slow"}},
      {"memory|stats", {.complexity = "O(1)"}},
      {"memory|usage",
       {.complexity = "O(N) where N is the number of samples.",
        .args = {Key("key"), Int("count").Token("SAMPLES").Opt()}}},
      {"mget",
       {.complexity = "O(N) where N is the number of keys to retrieve.",
        .args = {Key("key").Multi()}}},
      {"move", {.complexity = "O(1)", .args = {Key("key"), Int("db")}}},
      {"mset",
       {.complexity = "O(N) where N is the number of keys to set.",
        .args = {Block("key_value", {Key("key"), Str("value")}).Multi()}}},
      {"msetnx",
       {.complexity = "O(N) where N is the number of keys to set.",
        .args = {Block("key_value", {Key("key"), Str("value")}).Multi()}}},
      {"multi", {.complexity = "O(1)"}},
      {"object", {.complexity = "Depends on subcommand."}},
      {"object|encoding", {.complexity = "O(1)", .args = {Key("key")}}},
      {"object|freq", {.complexity = "O(1)", .args = {Key("key")}}},
      {"object|help", {.complexity = "O(1)"}},
      {"object|idletime", {.complexity = "O(1)", .args = {Key("key")}}},
      {"object|refcount", {.complexity = "O(1)", .args = {Key("key")}}},
      {"persist", {.complexity = "O(1)", .args = {Key("key")}}},
      {"pexpire",
       {.complexity = "O(1)",
        .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
        .args = {Key("key"), Int("milliseconds"),
                 OneOf("condition",
                       {Tok("nx", "NX"), Tok("xx", "XX"), Tok("gt", "GT"), Tok("lt", "LT")})
                     .Since("7.0.0")
                     .Opt()}}},
      {"pexpireat",
       {.complexity = "O(1)",
        .history = {{"7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`."}},
        .args = {Key("key"), UnixTime("unix-time-milliseconds"),
                 OneOf("condition",
                       {Tok("nx", "NX"), Tok("xx", "XX"), Tok("gt", "GT"), Tok("lt", "LT")})
                     .Since("7.0.0")
                     .Opt()}}},
      {"pexpiretime", {.complexity = "O(1)", .args = {Key("key")}}},
      {"ping", {.complexity = "O(1)", .args = {Str("message").Opt()}}},
      {"psetex", {.complexity = "O(1)", .args = {Key("key"), Int("milliseconds"), Str("value")}}},
      {"pttl",
       {.complexity = "O(1)", .history = {{"2.8.0", "Added the -2 reply."}}, .args = {Key("key")}}},
      {"quit", {.complexity = "O(1)"}},
      {"randomkey", {.complexity = "O(1)"}},
      {"rename", {.complexity = "O(1)", .args = {Key("key"), Key("newkey", 1)}}},
      {"renamenx",
       {.complexity = "O(1)",
        .history = {{"3.2.0",
                     "The command no longer returns an error when source and destination names are "
                     "the same."}},
        .args = {Key("key"), Key("newkey", 1)}}},
      {"reset", {.complexity = "O(1)"}},
      {"rpop",
       {.complexity = "O(N) where N is the number of elements returned",
        .history = {{"6.2.0", "Added the `count` argument."}},
        .args = {Key("key"), Int("count").Since("6.2.0").Opt()}}},
      {"rpoplpush",
       {.complexity = "O(1)",
        .deprecated_since = "6.2.0",
        .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
        .args = {Key("source"), Key("destination", 1)}}},
      {"rpush",
       {.complexity = kPushComplexity,
        .history = {{"2.4.0", "Accepts multiple `element` arguments."}},
        .args = {Key("key"), Str("element").Multi()}}},
      {"rpushx",
       {.complexity = kPushComplexity,
        .history = {{"4.0.0", "Accepts multiple `element` arguments."}},
        .args = {Key("key"), Str("element").Multi()}}},
      {"save", {.complexity = "O(N) where N is the total number of keys in all databases"}},
      {"scan",
       {.complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                      "command calls for the cursor to return back to 0. N is the number of "
                      "elements inside the collection.",
        .history = {{"6.0.0", "Added the `TYPE` subcommand."}},
        .args = {Int("cursor"), Pattern("pattern").Token("MATCH").Opt(),
                 Int("count").Token("COUNT").Opt(),
                 Str("type").Token("TYPE").Since("6.0.0").Opt()}}},
      {"select", {.complexity = "O(1)", .args = {Int("index")}}},
      {"set",
       {.complexity = "O(1)",
        .history = {{"2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."},
                    {"6.0.0", "Added the `KEEPTTL` option."},
                    {"6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."},
                    {"7.0.0", "Allowed the `NX` and `GET` options to be used together."}},
        .args = {Key("key"), Str("value"),
                 OneOf("condition", {Tok("nx", "NX"), Tok("xx", "XX")}).Since("2.6.12").Opt(),
                 Tok("get", "GET").Since("6.2.0").Opt(),
                 OneOf("expiration",
                       {Int("seconds").Token("EX").Since("2.6.12"),
                        Int("milliseconds").Token("PX").Since("2.6.12"),
                        UnixTime("unix-time-seconds").Token("EXAT").Since("6.2.0"),
                        UnixTime("unix-time-milliseconds").Token("PXAT").Since("6.2.0"),
                        Tok("keepttl", "KEEPTTL").Since("6.0.0")})
                     .Opt()}}},
      {"setex", {.complexity = "O(1)", .args = {Key("key"), Int("seconds"), Str("value")}}},
      {"setnx", {.complexity = "O(1)", .args = {Key("key"), Str("value")}}},
      {"setrange",
       {.complexity = "O(1), not counting the time taken to copy the new string in place. Usually, "
                      "this string is very small so the amortized complexity is O(1). Otherwise, "
                      "complexity is O(M) with M being the length of the value argument.",
        .args = {Key("key"), Int("offset"), Str("value")}}},
      {"shutdown",
       {.complexity = "O(N) when saving, where N is the total number of keys in all databases when "
                      "saving data, otherwise O(1)",
        .history = {{"7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers."}},
        .args = {OneOf("nosave_save", {Tok("nosave", "NOSAVE"), Tok("save", "SAVE")}).Opt(),
                 Tok("now", "NOW").Since("7.0.0").Opt(), Tok("force", "FORCE").Since("7.0.0").Opt(),
                 Tok("abort", "ABORT").Since("7.0.0").Opt()}}},
      {"strlen", {.complexity = "O(1)", .args = {Key("key")}}},
      {"substr",
       {.complexity =
            "O(N) where N is the length of the returned string. The complexity is ultimately "
            "determined by the returned length, but because creating a substring from an existing "
            "string is very cheap, it can be considered O(1) for small strings.",
        .deprecated_since = "2.0.0",
        .replaced_by = "`GETRANGE`",
        .args = {Key("key"), Int("start"), Int("end")}}},
      {"swapdb",
       {.complexity = "O(N) where N is the count of clients watching or blocking on keys from both "
                      "databases.",
        .args = {Int("index1"), Int("index2")}}},
      {"time", {.complexity = "O(1)"}},
      {"touch",
       {.complexity = "O(N) where N is the number of keys that will be touched.",
        .args = {Key("key").Multi()}}},
      {"ttl",
       {.complexity = "O(1)", .history = {{"2.8.0", "Added the -2 reply."}}, .args = {Key("key")}}},
      {"type", {.complexity = "O(1)", .args = {Key("key")}}},
      {"unlink",
       {.complexity = "O(1) for each key removed regardless of its size. Then the command does "
                      "O(N) work in a different thread in order to reclaim memory, where N is the "
                      "number of allocations the deleted objects where composed of.",
        .args = {Key("key").Multi()}}},
      {"unwatch", {.complexity = "O(1)"}},
      {"watch", {.complexity = "O(1) for every key.", .args = {Key("key").Multi()}}},
  };
}
#pragma GCC diagnostic pop

}  // namespace

const std::vector<std::pair<std::string_view, CommandDoc>>& AllCommandDocs() {
  static const std::vector<std::pair<std::string_view, CommandDoc>>* table = BuildTable();
  return *table;
}

}  // namespace embedis::commands
