#include "server/command_util.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/util/strings.h"

namespace embedis::server_internal {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool ValidClientName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

void ReplyWrongSubArity(commands::CommandContext& ctx, std::string_view parent,
                        std::string_view sub) {
  commands::ReplyWrongArity(ctx, absl::StrCat(ToAbsl(parent), "|", commands::AsciiLower(sub)));
}

void ReplyUnknownSubcommand(commands::CommandContext& ctx, std::string_view parent,
                            std::string_view sub) {
  commands::ReplyError(ctx, absl::StrCat("ERR unknown subcommand '", ToAbsl(sub.substr(0, 128)),
                                         "'. Try ", Upper(parent), " HELP."));
}

void ReplyHelp(commands::CommandContext& ctx, std::string_view command,
               const std::vector<std::string_view>& lines) {
  ctx.reply->ArrayHeader(lines.size() + 3);
  ctx.reply->SimpleString(
      absl::StrCat(Upper(command), " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
  for (std::string_view line : lines) ctx.reply->SimpleString(line);
  ctx.reply->SimpleString("HELP");
  ctx.reply->SimpleString("    Print this help.");
}

}  // namespace embedis::server_internal
