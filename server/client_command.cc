// CLIENT and its subcommands: ID, INFO, LIST, SETNAME, GETNAME, SETINFO, KILL, NO-EVICT, NO-TOUCH,
// HELP. CLIENT LIST and CLIENT KILL see every connection through the server's registry; a kill is
// posted to the target's own loop (server_state.h).
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/util/errors.h"
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

void CmdClientId(CommandContext& ctx, Args) { ctx.reply->Integer(ctx.client->id); }

void CmdClientInfo(CommandContext& ctx, Args) {
  ctx.reply->Verbatim("txt", absl::StrCat(Conn(ctx).InfoLine(NowMs()), "\n"));
}

void CmdClientList(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  bool none = false;
  std::vector<int64_t> ids;
  for (size_t i = 2; i < argv.size(); ++i) {
    if (EqualsIgnoreCase(argv[i], "type") && i + 1 < argv.size()) {
      std::string_view type = argv[++i];
      if (EqualsIgnoreCase(type, "normal")) continue;
      if (EqualsIgnoreCase(type, "master") || EqualsIgnoreCase(type, "replica") ||
          EqualsIgnoreCase(type, "slave") || EqualsIgnoreCase(type, "pubsub")) {
        none = true;
        continue;
      }
      return ReplyError(ctx, absl::StrCat("ERR Unknown client type '", ToAbsl(type), "'"));
    } else if (EqualsIgnoreCase(argv[i], "id") && i + 1 < argv.size()) {
      for (++i; i < argv.size(); ++i) {
        int64_t id;
        if (!commands::ParseInt64(argv[i], &id) || id <= 0) {
          return ReplyError(ctx, "ERR Invalid client ID");
        }
        ids.push_back(id);
      }
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  std::string text;
  const int64_t now = NowMs();
  if (!none) {
    for (const auto& c : state.Clients()) {
      if (!ids.empty() && std::find(ids.begin(), ids.end(), c->id()) == ids.end()) continue;
      absl::StrAppend(&text, c->InfoLine(now), "\n");
    }
  }
  ctx.reply->Verbatim("txt", text);
}

void CmdClientSetName(CommandContext& ctx, Args argv) {
  if (!ValidClientName(argv[2])) return ReplyError(ctx, kBadClientName);
  Conn(ctx).SetName(std::string(argv[2]));
  ctx.reply->Ok();
}

void CmdClientGetName(CommandContext& ctx, Args) {
  if (ctx.client->name.empty()) return ctx.reply->Null();
  ctx.reply->BulkString(ctx.client->name);
}

void CmdClientSetInfo(CommandContext& ctx, Args argv) {
  std::string_view attr = argv[2], value = argv[3];
  const bool is_name = EqualsIgnoreCase(attr, "lib-name");
  const bool is_ver = EqualsIgnoreCase(attr, "lib-ver");
  if (!is_name && !is_ver) {
    return ReplyError(ctx, absl::StrCat("ERR Unrecognized option '", ToAbsl(attr), "'"));
  }
  if (!ValidClientName(value)) {
    return ReplyError(ctx, absl::StrCat("ERR ", is_name ? "lib-name" : "lib-ver",
                                        " cannot contain spaces, newlines or special characters."));
  }
  if (is_name) {
    Conn(ctx).SetLibName(std::string(value));
  } else {
    Conn(ctx).SetLibVer(std::string(value));
  }
  ctx.reply->Ok();
}

// Asks the owner of `target` to close it; a client killing itself gets its reply first.
void KillClient(CommandContext& ctx, const std::shared_ptr<Connection>& target) {
  if (target.get() == &Conn(ctx)) {
    ctx.client->close_after_reply = true;
  } else {
    target->loop()->Kill(target->id());
  }
}

void CmdClientKill(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  if (argv.size() == 3) {  // CLIENT KILL addr:port (the old form)
    for (const auto& c : state.Clients()) {
      if (c->addr() == argv[2]) {
        KillClient(ctx, c);
        return ctx.reply->Ok();
      }
    }
    return ReplyError(ctx, "ERR No such client");
  }
  if ((argv.size() - 2) % 2 != 0) return ReplyError(ctx, errors::kSyntax);
  std::optional<int64_t> id;
  std::optional<std::string_view> addr, laddr, user;
  bool skipme = true, type_none = false;
  for (size_t i = 2; i < argv.size(); i += 2) {
    std::string_view opt = argv[i], value = argv[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      int64_t v;
      if (!commands::ParseInt64(value, &v) || v <= 0) {
        return ReplyError(ctx, "ERR client-id should be greater than 0");
      }
      id = v;
    } else if (EqualsIgnoreCase(opt, "addr")) {
      addr = value;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      laddr = value;
    } else if (EqualsIgnoreCase(opt, "user")) {
      user = value;
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (EqualsIgnoreCase(value, "normal")) continue;
      if (EqualsIgnoreCase(value, "master") || EqualsIgnoreCase(value, "replica") ||
          EqualsIgnoreCase(value, "slave") || EqualsIgnoreCase(value, "pubsub")) {
        type_none = true;
        continue;
      }
      return ReplyError(ctx, absl::StrCat("ERR Unknown client type '", ToAbsl(value), "'"));
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(value, "yes")) {
        skipme = true;
      } else if (EqualsIgnoreCase(value, "no")) {
        skipme = false;
      } else {
        return ReplyError(ctx, errors::kSyntax);
      }
    } else {
      return ReplyError(ctx, errors::kSyntax);
    }
  }
  int64_t killed = 0;
  if (!type_none) {
    for (const auto& c : state.Clients()) {
      if (id && c->id() != *id) continue;
      if (addr && c->addr() != *addr) continue;
      if (laddr && c->laddr() != *laddr) continue;
      if (user && *user != "default") continue;
      if (skipme && c.get() == &Conn(ctx)) continue;
      KillClient(ctx, c);
      ++killed;
    }
  }
  ctx.reply->Integer(killed);
}

void CmdClientOnOff(CommandContext& ctx, Args argv, bool Connection::*flag) {
  if (EqualsIgnoreCase(argv[2], "on")) {
    Conn(ctx).*flag = true;
  } else if (EqualsIgnoreCase(argv[2], "off")) {
    Conn(ctx).*flag = false;
  } else {
    return ReplyError(ctx, errors::kSyntax);
  }
  ctx.reply->Ok();
}

void CmdClientHelp(CommandContext& ctx, Args) {
  ReplyHelp(ctx, "client",
            {"GETNAME",
             "    Return the name of the current connection.",
             "ID",
             "    Return the ID of the current connection.",
             "INFO",
             "    Return information about the current client connection.",
             "KILL <ip:port>",
             "    Kill connection made from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Kill connections. Options are:",
             "    * ADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made from the specified address",
             "    * LADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made to specified local address",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Kill connections by type.",
             "    * USER <username>",
             "      Kill connections authenticated by <username>.",
             "    * SKIPME (YES|NO)",
             "      Skip killing current connection (default: yes).",
             "LIST [options ...]",
             "    Return information about client connections. Options:",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Return clients of specified type.",
             "    * ID <client-id> [<client-id> ...]",
             "      Return clients of specified IDs.",
             "SETNAME <name>",
             "    Assign the name <name> to the current connection.",
             "SETINFO <option> <value>",
             "    Set client meta attr. Options are:",
             "    * LIB-NAME: the client lib name.",
             "    * LIB-VER: the client lib version.",
             "NO-EVICT (ON|OFF)",
             "    Protect current client connection from eviction.",
             "NO-TOUCH (ON|OFF)",
             "    Will not touch LRU/LFU stats when this mode is on."});
}

CommandSpec Sub(std::string name, int arity, uint32_t flags, commands::Handler h,
                std::string summary, std::string since) {
  CommandSpec s =
      MakeSpec(std::move(name), arity, flags, std::move(h), std::move(summary), std::move(since));
  s.group = "connection";
  return s;
}

}  // namespace

void RegisterClientCommand(commands::CommandTable* table) {
  using namespace commands;  // NOLINT: flag names
  CommandSpec client;
  client.name = "client";
  client.arity = -2;
  client.group = "connection";
  client.summary = "A container for client connection commands.";
  client.since = "2.4.0";
  const uint32_t conn_flags = kNoScript | kLoading | kStale;
  client.subcommands = {
      Sub("id", 2, conn_flags, CmdClientId, "Returns the unique client ID of the connection.",
          "5.0.0"),
      Sub("info", 2, conn_flags, CmdClientInfo, "Returns information about the connection.",
          "6.2.0"),
      Sub("list", -2, kAdmin | conn_flags, CmdClientList, "Lists open connections.", "2.4.0"),
      Sub("setname", 3, conn_flags, CmdClientSetName, "Sets the connection name.", "2.6.9"),
      Sub("getname", 2, conn_flags, CmdClientGetName, "Returns the name of the connection.",
          "2.6.9"),
      Sub("setinfo", 4, conn_flags, CmdClientSetInfo,
          "Sets information specific to the client or connection.", "7.2.0"),
      Sub("kill", -3, kAdmin | conn_flags, CmdClientKill, "Terminates open connections.", "2.4.0"),
      Sub(
          "no-evict", 3, kAdmin | conn_flags,
          [](CommandContext& ctx, Args argv) { CmdClientOnOff(ctx, argv, &Connection::no_evict); },
          "Sets the client eviction mode of the connection.", "7.0.0"),
      Sub(
          "no-touch", 3, conn_flags,
          [](CommandContext& ctx, Args argv) { CmdClientOnOff(ctx, argv, &Connection::no_touch); },
          "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
          "7.2.0"),
      Sub("help", 2, kLoading | kStale, CmdClientHelp,
          "Returns helpful text about the different subcommands.", "5.0.0"),
  };
  table->Register(std::move(client));
}

}  // namespace embedis::server_internal
