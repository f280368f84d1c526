// COMMAND: the command table as redis-server 7 describes it. COMMAND [INFO], COUNT, DOCS, LIST
// [FILTERBY ...], GETKEYS and HELP; subcommands are parsed here rather than declared in the
// table, as COMMAND must answer for any name.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_docs.h"
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
using commands::MakeSpec;
using commands::ReplyError;

std::vector<std::string_view> FlagNames(uint32_t flags) {
  std::vector<std::string_view> out;
  if (flags & commands::kWrite) out.push_back("write");
  if (flags & commands::kReadOnly) out.push_back("readonly");
  if (flags & commands::kDenyOom) out.push_back("denyoom");
  if (flags & commands::kAdmin) out.push_back("admin");
  if (flags & commands::kNoScript) out.push_back("noscript");
  if (flags & commands::kLoading) out.push_back("loading");
  if (flags & commands::kStale) out.push_back("stale");
  if (flags & commands::kFast) out.push_back("fast");
  if (flags & commands::kNoAuth) out.push_back("no_auth");
  if (flags & commands::kNoMulti) out.push_back("no_multi");
  return out;
}

// ACL categories in the order Redis 7 lists them (its category table's order). A subcommand
// without a group of its own takes its parent's.
std::vector<std::string> AclCategories(const CommandSpec& spec, const CommandSpec* parent) {
  const std::string& group = spec.group.empty() && parent != nullptr ? parent->group : spec.group;
  const bool admin = (spec.flags & commands::kAdmin) != 0;
  const bool fast = (spec.flags & commands::kFast) != 0;
  const std::pair<std::string_view, bool> kOrdered[] = {
      {"@keyspace", group == "keyspace" || group == "generic"},
      {"@read", (spec.flags & commands::kReadOnly) != 0},
      {"@write", (spec.flags & commands::kWrite) != 0},
      {"@set", group == "set"},
      {"@sortedset", group == "sortedset" || group == "sorted-set"},
      {"@list", group == "list"},
      {"@hash", group == "hash"},
      {"@string", group == "string"},
      {"@pubsub", group == "pubsub"},
      {"@admin", admin},
      {"@fast", fast},
      {"@slow", !fast},
      {"@dangerous", admin},
      {"@connection", group == "connection"},
      {"@transaction", group == "transactions" || group == "transaction"},
  };
  std::vector<std::string> out;
  for (const auto& [name, on] : kOrdered) {
    if (on) out.emplace_back(name);
  }
  return out;
}

void WriteCommandInfo(resp::Writer& w, const CommandSpec& spec, const CommandSpec* parent) {
  w.ArrayHeader(10);
  w.BulkString(parent == nullptr ? spec.name : absl::StrCat(parent->name, "|", spec.name));
  w.Integer(spec.arity);
  std::vector<std::string_view> flags = FlagNames(spec.flags);
  w.SetHeader(flags.size());
  for (std::string_view f : flags) w.SimpleString(f);
  w.Integer(spec.first_key);
  w.Integer(spec.last_key);
  w.Integer(spec.key_step);
  std::vector<std::string> cats = AclCategories(spec, parent);
  w.SetHeader(cats.size());
  for (const std::string& c : cats) w.SimpleString(c);
  w.ArrayHeader(0);  // tips
  w.ArrayHeader(0);  // key specifications
  w.ArrayHeader(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(w, sub, &spec);
}

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

void CmdCommand(CommandContext& ctx, Args argv) {
  const commands::CommandTable& table = State(ctx).table();
  resp::Writer& w = *ctx.reply;
  if (argv.size() == 1) {
    std::vector<const CommandSpec*> all = SortedCommands(table);
    w.ArrayHeader(all.size());
    for (const CommandSpec* spec : all) WriteCommandInfo(w, *spec, nullptr);
    return;
  }
  std::string_view sub = argv[1];
  if (EqualsIgnoreCase(sub, "count")) {
    if (argv.size() != 2) return ReplyWrongSubArity(ctx, "command", sub);
    return w.Integer(static_cast<int64_t>(table.size()));
  }
  if (EqualsIgnoreCase(sub, "info")) {
    if (argv.size() == 2) {
      std::vector<const CommandSpec*> all = SortedCommands(table);
      w.ArrayHeader(all.size());
      for (const CommandSpec* spec : all) WriteCommandInfo(w, *spec, nullptr);
      return;
    }
    w.ArrayHeader(argv.size() - 2);
    for (size_t i = 2; i < argv.size(); ++i) {
      // "client|kill" describes one subcommand, as in Redis 7.
      const auto found = FindCommandOrSub(table, argv[i]);
      if (!found) {
        w.NullArray();
      } else {
        WriteCommandInfo(w, *found->first, found->second);
      }
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "docs")) {
    // (spec, parent name): "client|kill" documents one subcommand, as in Redis 7.
    std::vector<std::pair<const CommandSpec*, const CommandSpec*>> specs;
    if (argv.size() == 2) {
      for (const CommandSpec* spec : SortedCommands(table)) specs.emplace_back(spec, nullptr);
    } else {
      for (size_t i = 2; i < argv.size(); ++i) {
        if (const auto found = FindCommandOrSub(table, argv[i])) specs.push_back(*found);
      }
    }
    w.MapHeader(specs.size());
    for (const auto& [spec, parent] : specs) commands::WriteCommandDocs(w, *spec, parent);
    return;
  }
  if (EqualsIgnoreCase(sub, "list")) {
    std::optional<std::string_view> pattern, category;
    if (argv.size() == 5 && EqualsIgnoreCase(argv[2], "filterby")) {
      if (EqualsIgnoreCase(argv[3], "pattern")) {
        pattern = argv[4];
      } else if (EqualsIgnoreCase(argv[3], "aclcat")) {
        category = argv[4];
      } else if (EqualsIgnoreCase(argv[3], "module")) {
        return w.ArrayHeader(0);
      } else {
        return ReplyError(ctx, errors::kSyntax);
      }
    } else if (argv.size() != 2) {
      return ReplyError(ctx, errors::kSyntax);
    }
    std::vector<std::string> names;
    for (const CommandSpec* spec : SortedCommands(table)) {
      auto consider = [&](const CommandSpec& s, const CommandSpec* parent,
                          const std::string& name) {
        if (pattern && !GlobMatch(*pattern, name, true)) return;
        if (category) {
          std::vector<std::string> cats = AclCategories(s, parent);
          std::string want = absl::StrCat("@", commands::AsciiLower(*category));
          if (std::find(cats.begin(), cats.end(), want) == cats.end()) return;
        }
        names.push_back(name);
      };
      consider(*spec, nullptr, spec->name);
      for (const CommandSpec& s : spec->subcommands) {
        consider(s, spec, absl::StrCat(spec->name, "|", s.name));
      }
    }
    w.ArrayHeader(names.size());
    for (const std::string& n : names) w.BulkString(n);
    return;
  }
  if (EqualsIgnoreCase(sub, "getkeys")) {
    if (argv.size() < 3) return ReplyWrongSubArity(ctx, "command", sub);
    const CommandSpec* spec = table.Find(argv[2]);
    if (spec == nullptr) return ReplyError(ctx, "ERR Invalid command specified");
    const size_t argc = argv.size() - 2;
    const bool arity_ok = spec->arity >= 0 ? argc == static_cast<size_t>(spec->arity)
                                           : argc >= static_cast<size_t>(-spec->arity);
    if (!arity_ok) return ReplyError(ctx, "ERR Invalid number of arguments specified for command");
    if (spec->first_key <= 0) return ReplyError(ctx, "ERR The command has no key arguments");
    std::vector<std::string_view> keys;
    const int64_t last =
        spec->last_key < 0 ? static_cast<int64_t>(argc) + spec->last_key : spec->last_key;
    const int step = std::max(spec->key_step, 1);
    for (int64_t i = spec->first_key; i <= last && i < static_cast<int64_t>(argc); i += step) {
      keys.push_back(argv[2 + i]);
    }
    w.ArrayHeader(keys.size());
    for (std::string_view k : keys) w.BulkString(k);
    return;
  }
  if (EqualsIgnoreCase(sub, "help")) {
    if (argv.size() != 2) return ReplyWrongSubArity(ctx, "command", sub);
    return ReplyHelp(
        ctx, "command",
        {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
         "    Return the total number of commands in this Redis server.", "LIST",
         "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
         "    Return details about multiple Redis commands.",
         "    If no command names are given, documentation details for all",
         "    commands are returned.", "DOCS [<command-name> ...]",
         "    Return documentation details about multiple Redis commands.",
         "    If no command names are given, documentation details for all",
         "    commands are returned.", "GETKEYS <full-command>",
         "    Return the keys from a full Redis command."});
  }
  ReplyUnknownSubcommand(ctx, "command", sub);
}

}  // namespace

void RegisterCommandCommand(commands::CommandTable* table) {
  using namespace commands;  // NOLINT: flag names
  CommandSpec command = MakeSpec("command", -1, kLoading | kStale, CmdCommand,
                                 "Returns detailed information about all commands.", "2.8.13");
  command.group = "server";
  table->Register(std::move(command));
}

}  // namespace embedis::server_internal
