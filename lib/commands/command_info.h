// COMMAND INFO: what redis-server 7.0 reports about each command beyond its CommandSpec's name,
// arity and legacy key positions — its flags as Redis lists them, its ACL categories, its command
// tips (nondeterministic_output, request_policy:..., response_policy:...) and its key
// specifications — and the key extraction COMMAND GETKEYS and GETKEYSANDFLAGS do with the specs.
//
// As with the docs (command_docs.h), the facts live in one table keyed by the full lowercase name
// ("set", "client|kill"), command_info_table.cc, apart from the family files; a test compares
// every entry with a real redis-server 7.0 (tests/server/command_info_test.cc). A command without
// an entry is described from its CommandSpec alone: its flags, the categories they and its group
// imply, no tips and no key specs.
//
//   std::string out;
//   resp::Writer w(&out, resp::Protocol::kResp2);
//   WriteCommandInfo(w, *table.Find("get"));
//   // *10 "get" 2 [readonly fast] 1 1 1 [@read @string @fast] [] [%3 {flags [RO access],
//   //   begin_search {type index, spec {index 1}}, find_keys {type range, spec {lastkey 0,
//   //   keystep 1, limit 0}}}] []
//
// Key specifications (Redis's key-specs reference) say how to find one kind of key among a
// command's arguments, in two steps. begin_search finds where the keys start: at a fixed `index`,
// or just after a `keyword` searched for from `startfrom` (from the end, backwards, if negative).
// find_keys then takes them: a `range` up to `lastkey` (relative to the start; negative counts
// from the end of the arguments, and with -1 `limit` N > 1 keeps only the first 1/N of them),
// every `keystep` arguments; or `keynum` keys, where the argument at `keynumidx` (relative to the
// start) says how many, the first at `firstkey`. "unknown" on either side means the spec alone
// cannot find the keys. The flags say what the command does with the key (exactly one of RW, RO,
// OW, RM) and with the user data in it (ACCESS, UPDATE, INSERT, DELETE); VARIABLE_FLAGS marks a
// spec whose flags depend on the arguments (SET ... GET reads the old value).
//
// Thread safety: the table is built once, on first use (thread-safe static), and is read-only.
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

// ACL categories, in the order COMMAND INFO lists them.
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubSub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};

// Key spec flags, in the order COMMAND INFO lists them.
enum KeySpecFlag : uint16_t {
  kKeyRW = 1u << 0,  // "RW": reads and writes (anything not purely RO, OW or RM)
  kKeyRO = 1u << 1,
  kKeyOW = 1u << 2,  // overwrites: the old value is neither read nor kept
  kKeyRM = 1u << 3,  // removes the key
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
  kKeyNotKey = 1u << 8,
  kKeyIncomplete = 1u << 9,
  kKeyVariableFlags = 1u << 10,
};
std::vector<std::string_view> KeySpecFlagNames(uint16_t flags);

struct KeySpec {
  enum class Begin : uint8_t { kIndex, kKeyword, kUnknown };
  enum class Find : uint8_t { kRange, kKeyNum, kUnknown };

  std::string_view notes;  // empty: none
  uint16_t flags = 0;      // KeySpecFlag bits
  Begin begin = Begin::kIndex;
  int index = 0;             // kIndex
  std::string_view keyword;  // kKeyword
  int startfrom = 0;         // kKeyword
  Find find = Find::kRange;
  int lastkey = 0;    // kRange
  int keystep = 1;    // kRange and kKeyNum
  int limit = 0;      // kRange
  int keynumidx = 0;  // kKeyNum
  int firstkey = 0;   // kKeyNum
  // With kKeyVariableFlags: the flags one call's arguments (argv[0] the command) give its keys,
  // for GETKEYSANDFLAGS; nullptr: `flags` as declared.
  uint16_t (*flags_for)(Args argv) = nullptr;

  KeySpec&& Notes(std::string_view n) && {
    notes = n;
    return std::move(*this);
  }
};

// One command's (or subcommand's) COMMAND INFO facts beyond its CommandSpec.
struct CommandInfo {
  uint32_t flags = 0;  // CommandFlag bits, as Redis reports them
  // AclCategory bits beyond those the flags imply, as Redis does: write -> @write, readonly ->
  // @read, admin -> @admin and @dangerous, fast -> @fast, otherwise @slow.
  uint32_t acl = 0;
  std::vector<std::string_view> tips;
  std::vector<KeySpec> key_specs;
};

// Every entry, keyed by full lowercase name ("client|kill"), in name order;
// command_info_table.cc.
const std::vector<std::pair<std::string_view, CommandInfo>>& AllCommandInfo();

// The entry for `full_name` ("SET", "client|kill"; case-insensitive), or nullptr.
const CommandInfo* FindCommandInfo(std::string_view full_name);

// What COMMAND INFO reports for `spec` (a subcommand of `parent`, if set): its flags, and its ACL
// categories with the '@' ("@read"), in Redis's order.
std::vector<std::string_view> CommandFlagNames(const CommandSpec& spec,
                                               const CommandSpec* parent = nullptr);
std::vector<std::string_view> AclCategoryNames(const CommandSpec& spec,
                                               const CommandSpec* parent = nullptr);

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
