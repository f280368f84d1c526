// COMMAND INFO: what redis-server 7.0 reports about a command — its name, arity, flags as Redis
// lists them, legacy key positions, ACL categories, command tips (nondeterministic_output,
// request_policy:..., response_policy:...) and key specifications — and the key extraction
// COMMAND GETKEYS and GETKEYSANDFLAGS do with the specs.
//
// Every fact comes from the command's one entry, its CommandSpec, declared beside its handler in
// its family file (command_table.h, command_describe.h); the key positions are derived from its
// key specs when it is registered. There is no second table to keep in step. A test compares
// every registered command with a real redis-server 7.0 (tests/server/command_info_test.cc).
//
//   std::string out;
//   resp::Writer w(&out, resp::Protocol::kResp2);
//   WriteCommandInfo(w, *table.Find("get"));
//   // *10 "get" 2 [readonly fast] 1 1 1 [@read @string @fast] [] [%3 {flags [RO access],
//   //   begin_search {type index, spec {index 1}}, find_keys {type range, spec {lastkey 0,
//   //   keystep 1, limit 0}}}] []
//
// Key specs are described in command_spec.h.
//
// Thread safety: reads the (immutable) specs only.
#ifndef EMBEDIS_LIB_COMMANDS_COMMAND_INFO_H_
#define EMBEDIS_LIB_COMMANDS_COMMAND_INFO_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/commands/command_table.h"
#include "lib/resp/writer.h"

namespace embedis::commands {

// The names of KeySpecFlag bits, in Redis's order ("RW", "access", ...).
std::vector<std::string_view> KeySpecFlagNames(uint16_t flags);

// What COMMAND INFO reports for `spec`: its flags, and its ACL categories with the '@' ("@read"),
// in Redis's order.
std::vector<std::string_view> CommandFlagNames(const CommandSpec& spec);
std::vector<std::string_view> AclCategoryNames(const CommandSpec& spec);

// Writes one COMMAND INFO entry as redis-server 7.0 does: [name, arity, flags, first key, last
// key, step, ACL categories, tips, key specs, subcommands], with "parent|sub" names for the
// subcommands of a container (nested in its entry).
void WriteCommandInfo(resp::Writer& w, const CommandSpec& spec,
                      const CommandSpec* parent = nullptr);

// Writes one key spec (a map: [notes], flags, begin_search, find_keys).
void WriteKeySpec(resp::Writer& w, const KeySpec& spec);

// A key that COMMAND GETKEYS[ANDFLAGS] found, with its spec's flags for this call.
struct KeyRef {
  std::string_view key;
  uint16_t flags = 0;  // KeySpecFlag bits, kKeyVariableFlags resolved
};

// Appends the keys that one spec finds in `argv` (a whole command, argv[0] its name) to `out`:
// none if its begin_search or find_keys is unknown or its keyword is absent. An error ("ERR Invalid
// arguments specified for command") if it points past the arguments or has a bad key count.
absl::Status AppendKeysBySpec(const KeySpec& spec, Args argv, std::vector<KeyRef>* out);

// COMMAND GETKEYS: the keys that `argv` (a whole command, argv[0] its name; a container's
// subcommand in argv[1]) names, found by its key specs, in spec order. Errors carry Redis's text:
// "ERR Invalid command specified" (unknown command or subcommand), "ERR The command has no key
// arguments", "ERR Invalid number of arguments specified for command" (arity), "ERR Invalid
// arguments specified for command" (a spec points past the arguments, or finds no key).
absl::StatusOr<std::vector<KeyRef>> GetCommandKeys(const CommandTable& table, Args argv);

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_COMMAND_INFO_H_
