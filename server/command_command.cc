// COMMAND: the command table as redis-server 7.0 describes it. COMMAND alone, and its subcommands
// COUNT, DOCS, GETKEYS, GETKEYSANDFLAGS, HELP, INFO and LIST, declared in the table like CLIENT's
// (so their arity errors, COMMAND INFO and COMMAND DOCS name them "command|info" as Redis does).
// What each entry says comes from each command's own CommandSpec, written out by lib/commands:
// command_info.h (flags, ACL categories, tips, key specs, key extraction) and command_docs.h.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_docs.h"
#include "lib/commands/command_info.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;
using commands::CommandSpec;
using commands::EqualsIgnoreCase;
using commands::ReplyError;

std::vector<const CommandSpec*> SortedCommands(const commands::CommandTable& table) {
  std::vector<const CommandSpec*> all = table.All();
  std::sort(all.begin(), all.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  return all;
}

// "get" or "client|kill": the spec and its parent (nullptr for a top-level command).
std::optional<std::pair<const CommandSpec*, const CommandSpec*>> FindCommandOrSub(
    const commands::CommandTable& table, std::string_view name) {
  const size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec == nullptr) return std::nullopt;
  if (bar == std::string_view::npos)
    return std::make_pair(spec, static_cast<const CommandSpec*>(nullptr));
  for (const CommandSpec& sub : spec->subcommands) {
    if (EqualsIgnoreCase(sub.name, name.substr(bar + 1))) {
      return std::make_pair(&sub, spec);
    }
  }
  return std::nullopt;
}

// Every command, each with its subcommands nested (Redis lists them in hash order; embedis by
// name).
void ReplyAllInfo(CommandContext& ctx) {
  std::vector<const CommandSpec*> all = SortedCommands(State(ctx).table());
  ctx.reply->ArrayHeader(all.size());
  for (const CommandSpec* spec : all) commands::WriteCommandInfo(*ctx.reply, *spec);
}

void CmdCommand(CommandContext& ctx, Args) { ReplyAllInfo(ctx); }

void CmdCount(CommandContext& ctx, Args) {
  ctx.reply->Integer(static_cast<int64_t>(State(ctx).table().size()));
}

void CmdInfo(CommandContext& ctx, Args argv) {
  if (argv.size() == 2) return ReplyAllInfo(ctx);
  const commands::CommandTable& table = State(ctx).table();
  resp::Writer& w = *ctx.reply;
  w.ArrayHeader(argv.size() - 2);
  for (size_t i = 2; i < argv.size(); ++i) {
    // "client|kill" describes one subcommand; an unknown name is a null bulk, as in Redis 7.
    if (const auto found = FindCommandOrSub(table, argv[i])) {
      commands::WriteCommandInfo(w, *found->first, found->second);
    } else {
      w.Null();
    }
  }
}

void CmdDocs(CommandContext& ctx, Args argv) {
  const commands::CommandTable& table = State(ctx).table();
  // (spec, parent): "client|kill" documents one subcommand, as in Redis 7.
  std::vector<std::pair<const CommandSpec*, const CommandSpec*>> specs;
  if (argv.size() == 2) {
    for (const CommandSpec* spec : SortedCommands(table)) specs.emplace_back(spec, nullptr);
  } else {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (const auto found = FindCommandOrSub(table, argv[i])) specs.push_back(*found);
    }
  }
  ctx.reply->MapHeader(specs.size());
  for (const auto& [spec, parent] : specs) commands::WriteCommandDocs(*ctx.reply, *spec, parent);
}

void CmdList(CommandContext& ctx, Args argv) {
  std::optional<std::string_view> pattern, category;
  if (argv.size() == 5 && EqualsIgnoreCase(argv[2], "filterby")) {
    if (EqualsIgnoreCase(argv[3], "pattern")) {
      pattern = argv[4];
    } else if (EqualsIgnoreCase(argv[3], "aclcat")) {
      category = argv[4];
    } else if (EqualsIgnoreCase(argv[3], "module")) {
      return ctx.reply->ArrayHeader(0);
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  } else if (argv.size() != 2) {
    return ReplyError(ctx, errors::kSyntax);
  }
  const std::string want =
      category ? absl::StrCat("@", commands::AsciiLower(*category)) : std::string();
  std::vector<std::string> names;
  for (const CommandSpec* spec : SortedCommands(State(ctx).table())) {
    auto consider = [&](const CommandSpec& s, const std::string& name) {
      if (pattern && !GlobMatch(*pattern, name, true)) return;
      if (category) {
        std::vector<std::string_view> cats = commands::AclCategoryNames(s);
        if (std::find(cats.begin(), cats.end(), want) == cats.end()) return;
      }
      names.push_back(name);
    };
    consider(*spec, spec->name);
    for (const CommandSpec& s : spec->subcommands) {
      consider(s, absl::StrCat(spec->name, "|", s.name));
    }
  }
  ctx.reply->ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply->BulkString(n);
}

// GETKEYS and GETKEYSANDFLAGS: the keys of argv[2...] by its command's key specs.
void GetKeys(CommandContext& ctx, Args argv, bool with_flags) {
  absl::StatusOr<std::vector<commands::KeyRef>> keys =
      commands::GetCommandKeys(State(ctx).table(), argv.subspan(2));
  if (!keys.ok()) return commands::ReplyStatus(ctx, keys.status());
  resp::Writer& w = *ctx.reply;
  w.ArrayHeader(keys->size());
  for (const commands::KeyRef& k : *keys) {
    if (!with_flags) {
      w.BulkString(k.key);
      continue;
    }
    w.ArrayHeader(2);
    w.BulkString(k.key);
    std::vector<std::string_view> flags = commands::KeySpecFlagNames(k.flags);
    w.SetHeader(flags.size());
    for (std::string_view f : flags) w.SimpleString(f);
  }
}

void CmdGetKeys(CommandContext& ctx, Args argv) { GetKeys(ctx, argv, false); }
void CmdGetKeysAndFlags(CommandContext& ctx, Args argv) { GetKeys(ctx, argv, true); }

// Redis 7.0's own text: it ends "Prints this help." rather than the usual "Print this help."
void CmdHelp(CommandContext& ctx, Args) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply->SimpleString(line);
}

}  // namespace

void RegisterCommandCommand(commands::CommandTable* table) {
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  // Redis 7.0's arities: GETKEYS and GETKEYSANDFLAGS need a command and one argument. Subcommands
  // take their group from the container.
  table->Register(
      {.name = "command",
       .arity = -1,
       .flags = kLoading | kStale,
       .acl = kAclConnection,
       .tips = {"nondeterministic_output_order"},
       .group = "server",
       .summary = "Returns detailed information about all commands.",
       .since = "2.8.13",
       .complexity = "O(N) where N is the total number of Redis commands",
       .handler = CmdCommand,
       .subcommands = {
           {.name = "count",
            .arity = 2,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Returns a count of commands.",
            .since = "2.8.13",
            .complexity = "O(1)",
            .handler = CmdCount},
           {.name = "docs",
            .arity = -2,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .tips = {"nondeterministic_output_order"},
            .summary = "Returns documentary information about one, multiple or all commands.",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of commands to look up",
            .args = {Str("command-name").Opt().Multi()},
            .handler = CmdDocs},
           {.name = "getkeys",
            .arity = -4,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Extracts the key names from an arbitrary command.",
            .since = "2.8.13",
            .complexity = "O(N) where N is the number of arguments to the command",
            .handler = CmdGetKeys},
           {.name = "getkeysandflags",
            .arity = -4,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Extracts the key names and access flags for an arbitrary command.",
            .since = "7.0.0",
            .complexity = "O(N) where N is the number of arguments to the command",
            .handler = CmdGetKeysAndFlags},
           {.name = "help",
            .arity = 2,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .summary = "Returns helpful text about the different subcommands.",
            .since = "5.0.0",
            .complexity = "O(1)",
            .handler = CmdHelp},
           {.name = "info",
            .arity = -2,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .tips = {"nondeterministic_output_order"},
            .summary = "Returns information about one, multiple or all commands.",
            .since = "2.8.13",
            .complexity = "O(N) where N is the number of commands to look up",
            .history = {{"7.0.0",
                         "Allowed to be called with no argument to get info on all commands."}},
            .args = {Str("command-name").Opt().Multi()},
            .handler = CmdInfo},
           {.name = "list",
            .arity = -2,
            .flags = kLoading | kStale,
            .acl = kAclConnection,
            .tips = {"nondeterministic_output_order"},
            .summary = "Returns a list of command names.",
            .since = "7.0.0",
            .complexity = "O(N) where N is the total number of Redis commands",
            .args = {OneOf("filterby",
                           {Str("module-name").Token("MODULE"), Str("category").Token("ACLCAT"),
                            Pattern("pattern").Token("PATTERN")})
                         .Token("FILTERBY")
                         .Opt()},
            .handler = CmdList}}});
}

}  // namespace embedis::server_internal
