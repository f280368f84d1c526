// Internal to //server: helpers shared by the server-level command files, and their registration
// functions.
//
//   server_commands.cc   AUTH, HELLO, RESET, SHUTDOWN; RegisterServerCommands (server_state.h)
//                        calls the Register* functions below
//   client_command.cc    CLIENT and its subcommands
//   info_command.cc      INFO
//   config_command.cc    CONFIG and its subcommands
//   command_command.cc   COMMAND (COUNT, INFO, DOCS, LIST, GETKEYS, HELP)
//
// Every handler runs on the calling connection's loop thread; CurrentConnection(ctx) is that
// connection (see server_state.h for what other threads may touch).
#ifndef EMBEDIS_SERVER_COMMAND_UTIL_H_
#define EMBEDIS_SERVER_COMMAND_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/commands/command_table.h"
#include "server/server_state.h"

namespace embedis::server_internal {

inline Connection& Conn(commands::CommandContext& ctx) { return *CurrentConnection(ctx); }
inline ServerState& State(commands::CommandContext& ctx) {
  return *CurrentConnection(ctx)->state();
}

// Shared by HELLO SETNAME and CLIENT SETNAME.
inline constexpr char kBadClientName[] =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// ASCII upper case.
std::string Upper(std::string_view s);

// Whether `argc` arguments (the name included) satisfy a CommandSpec's `arity`.
inline bool ArityOk(int arity, size_t argc) {
  return arity >= 0 ? argc == static_cast<size_t>(arity) : argc >= static_cast<size_t>(-arity);
}

// Redis's rule for client names and library attributes: printable ASCII without spaces.
bool ValidClientName(std::string_view name);

// "ERR wrong number of arguments for 'parent|sub' command".
void ReplyWrongSubArity(commands::CommandContext& ctx, std::string_view parent,
                        std::string_view sub);

// "ERR unknown subcommand 'sub'. Try PARENT HELP."
void ReplyUnknownSubcommand(commands::CommandContext& ctx, std::string_view parent,
                            std::string_view sub);

// The reply of `<command> HELP`: a title, `lines`, then HELP and its description.
void ReplyHelp(commands::CommandContext& ctx, std::string_view command,
               const std::vector<std::string_view>& lines);

// One per file; RegisterServerCommands calls them all.
void RegisterClientCommand(commands::CommandTable* table);   // client_command.cc
void RegisterInfoCommand(commands::CommandTable* table);     // info_command.cc
void RegisterConfigCommand(commands::CommandTable* table);   // config_command.cc
void RegisterMonitorCommand(commands::CommandTable* table);  // monitor.cc
void RegisterCommandCommand(commands::CommandTable* table);  // command_command.cc

}  // namespace embedis::server_internal

#endif  // EMBEDIS_SERVER_COMMAND_UTIL_H_
