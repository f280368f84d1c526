// COMMAND DOCS: what Redis documents about each command — summary, since, group, the
// complexity, the history, deprecation, and the argument specs that clients (redis-cli hints,
// client generators) read.
//
// Every fact comes from the command's one entry, its CommandSpec, declared beside its handler in
// its family file (command_table.h; the argument helpers are in command_describe.h). There is no
// second table to keep in step.
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
// Thread safety: reads the (immutable) specs only.
#ifndef EMBEDIS_LIB_COMMANDS_COMMAND_DOCS_H_
#define EMBEDIS_LIB_COMMANDS_COMMAND_DOCS_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/commands/command_table.h"
#include "lib/resp/writer.h"

namespace embedis::commands {

// The name COMMAND DOCS gives an argument type ("unix-time").
std::string_view ArgTypeName(ArgType type);

// Writes one COMMAND DOCS entry: the name ("set", or "parent|sub" for a subcommand of `parent`),
// then its map: summary, since, group, [complexity], [doc_flags, deprecated_since, replaced_by],
// [history], [arguments], [subcommands]. A subcommand without a group takes its parent's. The
// caller writes the enclosing map header.
void WriteCommandDocs(resp::Writer& w, const CommandSpec& spec,
                      const CommandSpec* parent = nullptr);

}  // namespace embedis::commands

#endif  // EMBEDIS_LIB_COMMANDS_COMMAND_DOCS_H_
