// COMMAND DOCS: what Redis documents about each command beyond its CommandSpec — the complexity,
// the history, deprecation, and the argument specs that clients (redis-cli hints, client
// generators) read.
//
// The docs live in one table keyed by the command's full lowercase name ("set", "client|kill"),
// apart from the family files, so adding a command's docs touches one file
// (command_docs_table.cc). A command without an entry still gets summary, since and group from
// its CommandSpec.
//
//   std::string out;
//   resp::Writer w(&out, resp::Protocol::kResp3);
//   w.MapHeader(1);
//   WriteCommandDocs(w, *table.Find("set"));
//   // %1 "set" => %6 summary, since, group, complexity, history, arguments => [ %3 {name "key",
//   //   type "key", key_spec_index 0}, ... ]
//
// The data and the reply's shape follow redis-server 7.0 (tests compare them with the real
// server): per argument name, type, key_spec_index, token, since, deprecated_since, flags and
// nested arguments. 7.2's display_text is left out. Commands that 7.0 lacks (CLIENT SETINFO,
// CLIENT NO-TOUCH) follow the 7.2 reference.
//
// Thread safety: the table is built once, on first use (thread-safe static), and is read-only.
#ifndef EMBEDIS_LIB_COMMANDS_COMMAND_DOCS_H_
#define EMBEDIS_LIB_COMMANDS_COMMAND_DOCS_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/command_table.h"
#include "lib/resp/writer.h"

namespace embedis::commands {

// An argument's type, as COMMAND DOCS names it (ArgTypeName).
enum class ArgType : uint8_t {
  kString,     // "string"
  kInteger,    // "integer"
  kDouble,     // "double"
  kKey,        // "key": has a key_spec_index
  kPattern,    // "pattern"
  kUnixTime,   // "unix-time"
  kPureToken,  // "pure-token": the token alone, no value
  kOneOf,      // "oneof": exactly one of `args`
  kBlock,      // "block": all of `args`, in order
};
std::string_view ArgTypeName(ArgType type);

enum ArgFlag : uint8_t {
  kArgOptional = 1u << 0,       // "optional"
  kArgMultiple = 1u << 1,       // "multiple": may repeat
  kArgMultipleToken = 1u << 2,  // "multiple_token": the token repeats with each value
};

// One argument of a command. The table builds them with the helpers in command_docs_table.cc
// and the modifiers below: Int("seconds").Token("EX").Since("2.6.12").
struct ArgDoc {
  std::string_view name;
  ArgType type = ArgType::kString;
  int key_spec_index = -1;  // kKey only: index into the command's key specs
  std::string_view token;   // the literal that precedes the value ("EX"); empty if none
  std::string_view since;   // set when the argument came after the command
  std::string_view deprecated_since;
  uint8_t flags = 0;         // ArgFlag bits
  std::vector<ArgDoc> args;  // kOneOf and kBlock

  ArgDoc&& Token(std::string_view t) && {
    token = t;
    return std::move(*this);
  }
  ArgDoc&& Since(std::string_view v) && {
    since = v;
    return std::move(*this);
  }
  ArgDoc&& Deprecated(std::string_view v) && {
    deprecated_since = v;
    return std::move(*this);
  }
  ArgDoc&& Opt() && {
    flags |= kArgOptional;
    return std::move(*this);
  }
  ArgDoc&& Multi() && {
    flags |= kArgMultiple;
    return std::move(*this);
  }
  ArgDoc&& MultiToken() && {
    flags |= kArgMultipleToken;
    return std::move(*this);
  }
};

// A command's (or subcommand's) docs beyond its CommandSpec. Empty fields are left out of the
// reply; a deprecated command (deprecated_since set) also gets doc_flags ["deprecated"].
struct CommandDoc {
  std::string_view complexity;
  std::string_view deprecated_since;
  std::string_view replaced_by;
  std::vector<std::pair<std::string_view, std::string_view>> history;  // (version, change)
  std::vector<ArgDoc> args;
};

// Every entry, keyed by full lowercase name ("client|kill"); command_docs_table.cc.
const std::vector<std::pair<std::string_view, CommandDoc>>& AllCommandDocs();

// The docs of `full_name` ("SET", "client|kill"; case-insensitive), or nullptr.
const CommandDoc* FindCommandDoc(std::string_view full_name);

// Writes one COMMAND DOCS entry: the name ("set", or "parent|sub" for a subcommand of `parent`),
// then its map: summary, since, group, [complexity], [doc_flags, deprecated_since, replaced_by],
// [history], [arguments], [subcommands]. A subcommand without a group takes its parent's. The
// caller writes the enclosing map header.
void WriteCommandDocs(resp::Writer& w, const CommandSpec& spec,
                      const CommandSpec* parent = nullptr);

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_COMMAND_DOCS_H_
