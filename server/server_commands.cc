// The server-level commands: AUTH, HELLO, CLIENT, RESET, SHUTDOWN, INFO, CONFIG, COMMAND.
//
// They need the server's state and the calling connection, which the event loop passes in
// CommandContext::server (a server_internal::Connection). The replies and error texts are
// redis-server 7's, checked against the real one.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/slab_allocator.h"
#include "lib/util/errors.h"
#include "lib/util/glob.h"
#include "lib/util/strings.h"
#include "server/server.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;
using commands::CommandSpec;
using commands::EqualsIgnoreCase;
using commands::MakeSpec;
using commands::ReplyError;

constexpr char kWrongPass[] = "WRONGPASS invalid username-password pair or user is disabled.";
constexpr char kNoPasswordConfigured[] =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
constexpr char kHelloNoAuth[] =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH "
    "<user> <pass> option can be used to authenticate the client and select the RESP protocol "
    "version at the same time";
constexpr char kBadClientName[] =
    "ERR Client names cannot contain spaces, newlines or special characters.";

Connection& Conn(CommandContext& ctx) { return *CurrentConnection(ctx); }
ServerState& State(CommandContext& ctx) { return *CurrentConnection(ctx)->state(); }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

void ReplyWrongSubArity(CommandContext& ctx, std::string_view parent, std::string_view sub) {
  commands::ReplyWrongArity(ctx, absl::StrCat(ToAbsl(parent), "|", commands::AsciiLower(sub)));
}

void ReplyUnknownSubcommand(CommandContext& ctx, std::string_view parent, std::string_view sub) {
  ReplyError(ctx, absl::StrCat("ERR unknown subcommand '", ToAbsl(sub.substr(0, 128)), "'. Try ",
                               Upper(parent), " HELP."));
}

// Redis's rule for client names and library attributes: printable ASCII without spaces.
bool ValidClientName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

void ReplyHelp(CommandContext& ctx, std::string_view command,
               const std::vector<std::string_view>& lines) {
  // The title, the lines, then HELP and its description.
  ctx.reply->ArrayHeader(lines.size() + 3);
  ctx.reply->SimpleString(
      absl::StrCat(Upper(command), " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
  for (std::string_view line : lines) ctx.reply->SimpleString(line);
  ctx.reply->SimpleString("HELP");
  ctx.reply->SimpleString("    Print this help.");
}

// Checks user/password as the default user. True on success.
bool Authenticate(ServerState& state, std::string_view user, std::string_view password) {
  if (user != "default") return false;
  if (!state.config().has_password.load(std::memory_order_relaxed)) return true;  // nopass
  return state.CheckPassword(password);
}

// ---- AUTH ----
void CmdAuth(CommandContext& ctx, Args argv) {
  if (argv.size() > 3) return ReplyError(ctx, errors::kSyntax);
  ServerState& state = State(ctx);
  if (argv.size() == 2 && !state.config().has_password.load(std::memory_order_relaxed)) {
    return ReplyError(ctx, kNoPasswordConfigured);
  }
  std::string_view user = argv.size() == 3 ? argv[1] : "default";
  if (!Authenticate(state, user, argv.back())) {
    state.Log(LogLevel::kVerbose, absl::StrCat("AUTH failed from ", Conn(ctx).addr()));
    return ReplyError(ctx, kWrongPass);
  }
  ctx.client->authenticated = true;
  ctx.reply->Ok();
}

// ---- HELLO ----
void CmdHello(CommandContext& ctx, Args argv) {
  Connection& conn = Conn(ctx);
  ServerState& state = State(ctx);
  int64_t version = 0;
  if (argv.size() >= 2) {
    if (!commands::ParseInt64(argv[1], &version)) {
      return ReplyError(ctx, "ERR Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return ReplyError(ctx, "NOPROTO unsupported protocol version");
  }
  std::optional<std::pair<std::string_view, std::string_view>> auth;
  std::optional<std::string_view> setname;
  for (size_t i = 2; i < argv.size(); ++i) {
    const bool more = i + 1 < argv.size();
    if (EqualsIgnoreCase(argv[i], "auth") && i + 2 < argv.size()) {
      auth.emplace(argv[i + 1], argv[i + 2]);
      i += 2;
    } else if (EqualsIgnoreCase(argv[i], "setname") && more) {
      setname = argv[i + 1];
      i += 1;
    } else {
      return ReplyError(ctx, absl::StrCat("ERR Syntax error in HELLO option '",
                                          ToAbsl(argv[i].substr(0, 128)), "'"));
    }
  }
  if (auth.has_value()) {
    if (!Authenticate(state, auth->first, auth->second)) return ReplyError(ctx, kWrongPass);
    ctx.client->authenticated = true;
  }
  if (!ctx.client->authenticated) return ReplyError(ctx, kHelloNoAuth);
  if (setname.has_value()) {
    if (!ValidClientName(*setname)) return ReplyError(ctx, kBadClientName);
    conn.SetName(std::string(*setname));
  }
  if (version != 0) {
    ctx.client->protocol = version == 3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2;
    ctx.reply->set_protocol(ctx.client->protocol);
  }
  resp::Writer& w = *ctx.reply;
  w.MapHeader(7);
  w.BulkString("server");
  w.BulkString("redis");
  w.BulkString("version");
  w.BulkString(kRedisCompatVersion);
  w.BulkString("proto");
  w.Integer(static_cast<int>(ctx.client->protocol));
  w.BulkString("id");
  w.Integer(ctx.client->id);
  w.BulkString("mode");
  w.BulkString("standalone");
  w.BulkString("role");
  w.BulkString("master");
  w.BulkString("modules");
  w.ArrayHeader(0);
}

// ---- CLIENT ----
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

// ---- RESET ----
void CmdReset(CommandContext& ctx, Args) {
  Connection& conn = Conn(ctx);
  ctx.client->db = 0;
  ctx.client->protocol = resp::Protocol::kResp2;
  ctx.reply->set_protocol(resp::Protocol::kResp2);
  conn.SetName("");
  conn.no_evict = false;
  conn.no_touch = false;
  ctx.client->authenticated = !State(ctx).config().has_password.load(std::memory_order_relaxed);
  ctx.reply->SimpleString("RESET");
}

// ---- SHUTDOWN ----
void CmdShutdown(CommandContext& ctx, Args argv) {
  bool save = false, nosave = false, force = false;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string_view a = argv[i];
    if (EqualsIgnoreCase(a, "abort")) return ReplyError(ctx, "ERR No shutdown in progress.");
    if (!EqualsIgnoreCase(a, "nosave") && !EqualsIgnoreCase(a, "save") &&
        !EqualsIgnoreCase(a, "now") && !EqualsIgnoreCase(a, "force")) {
      return ReplyError(ctx, errors::kSyntax);
    }
    save = save || EqualsIgnoreCase(a, "save");
    nosave = nosave || EqualsIgnoreCase(a, "nosave");
    force = force || EqualsIgnoreCase(a, "force");
  }
  if (save && nosave) return ReplyError(ctx, errors::kSyntax);
  ServerState& state = State(ctx);
  state.Log(LogLevel::kWarning, "User requested shutdown...");
  if (Persistence* p = state.persistence()) {  // SAVE / NOSAVE / save rules (persistence.h)
    using Mode = Persistence::ShutdownMode;
    const Mode mode = save ? Mode::kSave : (nosave ? Mode::kNoSave : Mode::kDefault);
    if (!p->PrepareShutdown(mode, force).ok()) {
      return ReplyError(ctx, "ERR Errors trying to SHUTDOWN. Check logs.");
    }
  }
  // redis-server sends no reply: the client sees the connection close.
  Conn(ctx).closing = true;
  state.RunShutdownHook();
}

// ---- INFO ----
std::string BytesToHuman(uint64_t n) {
  char buf[64];
  const double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 "B", n);
  } else if (n < 1024ULL * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < 1024ULL * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (1024.0 * 1024));
  } else if (n < 1024ULL * 1024 * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
  }
  return buf;
}

uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string ExecutablePath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::atomic<uint64_t> g_peak_memory{0};

void AppendLine(std::string* out, std::string_view key, std::string_view value) {
  absl::StrAppend(out, ToAbsl(key), ":", ToAbsl(value), "\r\n");
}
void AppendLine(std::string* out, std::string_view key, int64_t value) {
  absl::StrAppend(out, ToAbsl(key), ":", value, "\r\n");
}

std::string InfoSection(ServerState& state, std::string_view section) {
  std::string s;
  const int64_t now = NowMs();
  if (section == "server") {
    s = "# Server\r\n";
    utsname u{};
    uname(&u);
    AppendLine(&s, "redis_version", kRedisCompatVersion);
    AppendLine(&s, "embedis_version", kEmbedisVersion);
    AppendLine(&s, "redis_git_sha1", "00000000");
    AppendLine(&s, "redis_git_dirty", 0);
    AppendLine(&s, "redis_mode", "standalone");
    AppendLine(&s, "os", absl::StrCat(u.sysname, " ", u.release, " ", u.machine));
    AppendLine(&s, "arch_bits", static_cast<int64_t>(sizeof(void*) * 8));
    AppendLine(&s, "multiplexing_api", "epoll");
    AppendLine(&s, "process_id", static_cast<int64_t>(getpid()));
    AppendLine(&s, "process_supervised", "no");
    AppendLine(&s, "run_id", state.run_id());
    AppendLine(&s, "tcp_port", std::max(state.port(), 0));
    AppendLine(&s, "server_time_usec", now * 1000);
    AppendLine(&s, "uptime_in_seconds", (now - state.start_ms()) / 1000);
    AppendLine(&s, "uptime_in_days", (now - state.start_ms()) / 86'400'000);
    AppendLine(&s, "hz", state.config().hz.load(std::memory_order_relaxed));
    AppendLine(&s, "configured_hz", state.config().hz.load(std::memory_order_relaxed));
    AppendLine(&s, "executable", ExecutablePath());
    AppendLine(&s, "config_file", "");
    AppendLine(&s, "io_threads_active", state.io_threads() > 1 ? 1 : 0);
  } else if (section == "clients") {
    s = "# Clients\r\n";
    AppendLine(&s, "connected_clients", static_cast<int64_t>(state.connected_clients()));
    AppendLine(&s, "cluster_connections", 0);
    AppendLine(&s, "maxclients", state.config().maxclients.load(std::memory_order_relaxed));
    AppendLine(&s, "client_recent_max_input_buffer", 0);
    AppendLine(&s, "client_recent_max_output_buffer", 0);
    AppendLine(&s, "blocked_clients", 0);
    AppendLine(&s, "tracking_clients", 0);
    AppendLine(&s, "clients_in_timeout_table", 0);
  } else if (section == "memory") {
    s = "# Memory\r\n";
    struct mallinfo2 mi = mallinfo2();
    // malloc'ed bytes plus the keyspace's slab pages (mapped directly).
    const uint64_t used =
        mi.uordblks + mi.hblkhd + keyspace_internal::SlabAllocator::TotalPageBytes();
    uint64_t peak = g_peak_memory.load();
    while (used > peak && !g_peak_memory.compare_exchange_weak(peak, used)) {
    }
    peak = std::max(peak, used);
    const uint64_t rss = RssBytes();
    AppendLine(&s, "used_memory", static_cast<int64_t>(used));
    AppendLine(&s, "used_memory_human", BytesToHuman(used));
    AppendLine(&s, "used_memory_rss", static_cast<int64_t>(rss));
    AppendLine(&s, "used_memory_rss_human", BytesToHuman(rss));
    AppendLine(&s, "used_memory_peak", static_cast<int64_t>(peak));
    AppendLine(&s, "used_memory_peak_human", BytesToHuman(peak));
    AppendLine(&s, "maxmemory", 0);
    AppendLine(&s, "maxmemory_human", "0B");
    AppendLine(&s, "maxmemory_policy", "noeviction");
    AppendLine(&s, "mem_allocator", "libc");
  } else if (section == "persistence" && state.persistence() != nullptr) {
    s = state.persistence()->InfoSection();
  } else if (section == "persistence") {
    s = "# Persistence\r\n";
    AppendLine(&s, "loading", 0);
    AppendLine(&s, "async_loading", 0);
    AppendLine(&s, "rdb_changes_since_last_save", 0);
    AppendLine(&s, "rdb_bgsave_in_progress", 0);
    AppendLine(&s, "rdb_last_bgsave_status", "ok");
    AppendLine(&s, "aof_enabled", 0);
    AppendLine(&s, "aof_rewrite_in_progress", 0);
  } else if (section == "stats") {
    s = "# Stats\r\n";
    Stats& st = state.stats();
    KeyspaceStats ks = state.keyspace()->GetStats();
    AppendLine(&s, "total_connections_received",
               static_cast<int64_t>(st.connections_received.load()));
    AppendLine(&s, "total_commands_processed", static_cast<int64_t>(st.commands_processed.load()));
    AppendLine(&s, "instantaneous_ops_per_sec", static_cast<int64_t>(st.ops_per_sec.load()));
    AppendLine(&s, "total_net_input_bytes", static_cast<int64_t>(st.net_input_bytes.load()));
    AppendLine(&s, "total_net_output_bytes", static_cast<int64_t>(st.net_output_bytes.load()));
    AppendLine(&s, "rejected_connections", static_cast<int64_t>(st.rejected_connections.load()));
    AppendLine(&s, "expired_keys", static_cast<int64_t>(ks.expired_keys));
    AppendLine(&s, "evicted_keys", 0);
    AppendLine(&s, "keyspace_hits", static_cast<int64_t>(ks.keyspace_hits));
    AppendLine(&s, "keyspace_misses", static_cast<int64_t>(ks.keyspace_misses));
    AppendLine(&s, "client_query_buffer_limit_disconnections",
               static_cast<int64_t>(st.query_limit_disconnections.load()));
    AppendLine(&s, "client_output_buffer_limit_disconnections",
               static_cast<int64_t>(st.output_limit_disconnections.load()));
  } else if (section == "replication") {
    s = "# Replication\r\n";
    AppendLine(&s, "role", "master");
    AppendLine(&s, "connected_slaves", 0);
  } else if (section == "cpu") {
    s = "# CPU\r\n";
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(self.ru_stime.tv_sec),
                  static_cast<long>(self.ru_stime.tv_usec));
    AppendLine(&s, "used_cpu_sys", buf);
    std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(self.ru_utime.tv_sec),
                  static_cast<long>(self.ru_utime.tv_usec));
    AppendLine(&s, "used_cpu_user", buf);
  } else if (section == "keyspace") {
    s = "# Keyspace\r\n";
    Keyspace* ks = state.keyspace();
    for (int db = 0; db < ks->databases(); ++db) {
      DbStats st = ks->GetDbStats(db);
      if (st.keys == 0) continue;
      absl::StrAppend(&s, "db", db, ":keys=", st.keys, ",expires=", st.expires, ",avg_ttl=0\r\n");
    }
  }
  return s;
}

void CmdInfo(CommandContext& ctx, Args argv) {
  static const std::vector<std::string_view> kDefault = {
      "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace"};
  std::vector<std::string> wanted;
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string name = commands::AsciiLower(argv[i]);
    if (name == "default" || name == "all" || name == "everything") {
      for (std::string_view d : kDefault) wanted.emplace_back(d);
    } else {
      wanted.push_back(name);
    }
  }
  if (argv.size() == 1) {
    for (std::string_view d : kDefault) wanted.emplace_back(d);
  }
  std::string text;
  std::vector<std::string> done;
  for (const std::string& name : wanted) {
    if (std::find(done.begin(), done.end(), name) != done.end()) continue;
    done.push_back(name);
    std::string section = InfoSection(State(ctx), name);
    if (section.empty()) continue;
    if (!text.empty()) text += "\r\n";
    text += section;
  }
  ctx.reply->Verbatim("txt", text);
}

// ---- CONFIG ----
struct ConfigEntry {
  std::string name;
  std::function<std::string(ServerState&)> get;
  // Returns an error detail ("argument must be ...") or nullopt on success. Unset: immutable.
  std::function<std::optional<std::string>(ServerState&, std::string_view)> set;
};

std::optional<std::string> SetInt(std::string_view value, int64_t min, int64_t max,
                                  const std::function<void(int64_t)>& apply) {
  int64_t v;
  if (!commands::ParseInt64(value, &v)) return "argument couldn't be parsed into an integer";
  if (v < min || v > max) {
    return absl::StrCat("argument must be between ", min, " and ", max, " inclusive");
  }
  apply(v);
  return std::nullopt;
}

std::optional<std::string> SetMemory(std::string_view value, int64_t min,
                                     const std::function<void(int64_t)>& apply) {
  std::optional<int64_t> v = ParseMemorySize(value);
  if (!v) return "argument must be a memory value";
  if (*v < min)
    return absl::StrCat("argument must be between ", min, " and ", INT64_MAX, " inclusive");
  apply(*v);
  return std::nullopt;
}

std::optional<std::string> SetBool(std::string_view value, const std::function<void(bool)>& apply) {
  if (EqualsIgnoreCase(value, "yes")) {
    apply(true);
  } else if (EqualsIgnoreCase(value, "no")) {
    apply(false);
  } else {
    return "argument must be 'yes' or 'no'";
  }
  return std::nullopt;
}

ConfigEntry Fixed(std::string name, std::string value) {
  return ConfigEntry{std::move(name), [value](ServerState&) { return value; }, nullptr};
}

const std::vector<ConfigEntry>& ConfigEntries() {
  static const std::vector<ConfigEntry>* entries = [] {
    auto* e = new std::vector<ConfigEntry>;
    e->push_back(
        {"port", [](ServerState& s) { return std::to_string(std::max(s.port(), 0)); }, nullptr});
    e->push_back(
        {"bind", [](ServerState& s) { return absl::StrJoin(s.options().bind, " "); }, nullptr});
    e->push_back({"unixsocket", [](ServerState& s) { return s.options().unixsocket; }, nullptr});
    e->push_back({"unixsocketperm",
                  [](ServerState& s) {
                    char buf[16];
                    std::snprintf(buf, sizeof(buf), "%o", s.options().unixsocketperm);
                    return std::string(buf);
                  },
                  nullptr});
    e->push_back({"requirepass", [](ServerState& s) { return s.Password(); },
                  [](ServerState& s, std::string_view v) -> std::optional<std::string> {
                    s.SetPassword(std::string(v));
                    return std::nullopt;
                  }});
    e->push_back(
        {"protected-mode",
         [](ServerState& s) { return std::string(s.config().protected_mode ? "yes" : "no"); },
         [](ServerState& s, std::string_view v) {
           return SetBool(v, [&](bool b) { s.config().protected_mode = b; });
         }});
    e->push_back({"databases",
                  [](ServerState& s) { return std::to_string(s.keyspace()->databases()); },
                  nullptr});
    e->push_back({"maxclients",
                  [](ServerState& s) { return std::to_string(s.config().maxclients.load()); },
                  [](ServerState& s, std::string_view v) {
                    return SetInt(v, 1, INT32_MAX,
                                  [&](int64_t n) { s.config().maxclients = static_cast<int>(n); });
                  }});
    e->push_back({"timeout",
                  [](ServerState& s) { return std::to_string(s.config().timeout_seconds.load()); },
                  [](ServerState& s, std::string_view v) {
                    return SetInt(v, 0, INT32_MAX, [&](int64_t n) {
                      s.config().timeout_seconds = static_cast<int>(n);
                    });
                  }});
    e->push_back(
        {"proto-max-bulk-len",
         [](ServerState& s) { return std::to_string(s.config().proto_max_bulk_len.load()); },
         [](ServerState& s, std::string_view v) {
           // Applies to connections accepted afterwards.
           return SetMemory(v, 1024 * 1024, [&](int64_t n) { s.config().proto_max_bulk_len = n; });
         }});
    e->push_back(
        {"client-query-buffer-limit",
         [](ServerState& s) { return std::to_string(s.config().client_query_buffer_limit.load()); },
         [](ServerState& s, std::string_view v) {
           return SetMemory(v, 1024 * 1024,
                            [&](int64_t n) { s.config().client_query_buffer_limit = n; });
         }});
    e->push_back(
        {"client-output-buffer-limit",
         [](ServerState& s) {
           return absl::StrCat("normal ", s.config().client_output_buffer_limit.load(),
                               " 0 0 replica 268435456 67108864 60 pubsub 33554432 8388608 60");
         },
         [](ServerState& s, std::string_view v) -> std::optional<std::string> {
           // "<class> <hard> <soft> <seconds>"...; only the normal class's hard limit applies.
           std::vector<std::string> words;
           std::string cur;
           for (char ch : v) {
             if (ch == ' ') {
               if (!cur.empty()) words.push_back(cur);
               cur.clear();
             } else {
               cur.push_back(ch);
             }
           }
           if (!cur.empty()) words.push_back(cur);
           if (words.empty() || words.size() % 4 != 0)
             return "Wrong number of arguments in buffer limit configuration.";
           for (size_t i = 0; i < words.size(); i += 4) {
             std::string cls = commands::AsciiLower(words[i]);
             if (cls != "normal" && cls != "replica" && cls != "slave" && cls != "pubsub") {
               return "Invalid client class specified in buffer limit configuration.";
             }
             if (!ParseMemorySize(words[i + 1]) || !ParseMemorySize(words[i + 2]) ||
                 !ParseMemorySize(words[i + 3])) {
               return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
             }
           }
           for (size_t i = 0; i < words.size(); i += 4) {
             if (commands::AsciiLower(words[i]) == "normal") {
               s.config().client_output_buffer_limit = *ParseMemorySize(words[i + 1]);
             }
           }
           return std::nullopt;
         }});
    e->push_back(
        {"io-threads", [](ServerState& s) { return std::to_string(s.io_threads()); }, nullptr});
    e->push_back({"loglevel",
                  [](ServerState& s) {
                    return std::string(
                        LogLevelName(static_cast<LogLevel>(s.config().loglevel.load())));
                  },
                  [](ServerState& s, std::string_view v) -> std::optional<std::string> {
                    std::optional<LogLevel> level = ParseLogLevel(v);
                    if (!level) {
                      return "argument(s) must be one of the following: debug, verbose, notice, "
                             "warning";
                    }
                    s.config().loglevel = static_cast<int>(*level);
                    return std::nullopt;
                  }});
    e->push_back({"hz", [](ServerState& s) { return std::to_string(s.config().hz.load()); },
                  [](ServerState& s, std::string_view v) {
                    return SetInt(v, 1, 500,
                                  [&](int64_t n) { s.config().hz = static_cast<int>(n); });
                  }});
    e->push_back(
        {"shards", [](ServerState& s) { return std::to_string(s.keyspace()->shards()); }, nullptr});
    // Common options clients ask for; embedis has no persistence, eviction or cluster.
    // Snapshots (server/persistence.h); without persistence, what they were before it.
    e->push_back({"save",
                  [](ServerState& s) {
                    return s.persistence() ? s.persistence()->save_rules() : std::string();
                  },
                  [](ServerState& s, std::string_view v) -> std::optional<std::string> {
                    if (!s.persistence()) return "persistence is disabled on this server";
                    absl::Status st = s.persistence()->SetSaveRules(v);
                    if (!st.ok()) return std::string(st.message());
                    return std::nullopt;
                  }});
    e->push_back(Fixed("appendonly", "no"));
    e->push_back(Fixed("appendfsync", "everysec"));
    e->push_back(Fixed("maxmemory", "0"));
    e->push_back(Fixed("maxmemory-policy", "noeviction"));
    e->push_back(Fixed("maxmemory-samples", "5"));
    e->push_back(Fixed("tcp-keepalive", "300"));
    e->push_back(Fixed("tcp-backlog", "511"));
    e->push_back(Fixed("daemonize", "no"));
    e->push_back(Fixed("supervised", "no"));
    e->push_back(Fixed("logfile", ""));
    e->push_back({"dir",
                  [](ServerState& s) {
                    if (s.persistence()) return s.persistence()->dir();
                    char buf[4096];
                    return std::string(getcwd(buf, sizeof(buf)) ? buf : "");
                  },
                  nullptr});
    e->push_back({"dbfilename",
                  [](ServerState& s) {
                    return s.persistence() ? s.persistence()->dbfilename()
                                           : std::string("dump.rdb");
                  },
                  nullptr});
    e->push_back(Fixed("cluster-enabled", "no"));
    e->push_back(Fixed("notify-keyspace-events", ""));
    e->push_back(Fixed("slowlog-log-slower-than", "10000"));
    e->push_back(Fixed("slowlog-max-len", "128"));
    e->push_back(Fixed("lua-time-limit", "5000"));
    e->push_back(Fixed("busy-reply-threshold", "5000"));
    e->push_back(Fixed("replica-read-only", "yes"));
    e->push_back(Fixed("lazyfree-lazy-user-flush", "no"));
    return e;
  }();
  return *entries;
}

void CmdConfigGet(CommandContext& ctx, Args argv) {
  ServerState& state = State(ctx);
  std::vector<std::pair<std::string, std::string>> found;
  for (const ConfigEntry& e : ConfigEntries()) {
    for (size_t i = 2; i < argv.size(); ++i) {
      if (GlobMatch(argv[i], e.name, /*nocase=*/true)) {
        found.emplace_back(e.name, e.get(state));
        break;
      }
    }
  }
  ctx.reply->MapHeader(found.size());
  for (const auto& [k, v] : found) {
    ctx.reply->BulkString(k);
    ctx.reply->BulkString(v);
  }
}

void CmdConfigSet(CommandContext& ctx, Args argv) {
  if ((argv.size() - 2) % 2 != 0) return commands::ReplyWrongArity(ctx, "config|set");
  ServerState& state = State(ctx);
  std::vector<std::pair<const ConfigEntry*, std::string_view>> changes;
  for (size_t i = 2; i < argv.size(); i += 2) {
    const ConfigEntry* entry = nullptr;
    for (const ConfigEntry& e : ConfigEntries()) {
      if (EqualsIgnoreCase(argv[i], e.name)) entry = &e;
    }
    if (entry == nullptr) {
      return ReplyError(ctx, absl::StrCat("ERR Unknown option or number of arguments for CONFIG "
                                          "SET - '",
                                          ToAbsl(argv[i]), "'"));
    }
    if (!entry->set) {
      return ReplyError(ctx, absl::StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                          ToAbsl(argv[i]), "') - can't set immutable config"));
    }
    changes.emplace_back(entry, argv[i + 1]);
  }
  for (const auto& [entry, value] : changes) {
    if (std::optional<std::string> err = entry->set(state, value)) {
      return ReplyError(ctx, absl::StrCat("ERR CONFIG SET failed (possibly related to argument '",
                                          entry->name, "') - ", *err));
    }
  }
  ctx.reply->Ok();
}

void CmdConfigResetStat(CommandContext& ctx, Args) {
  Stats& st = State(ctx).stats();
  st.connections_received = 0;
  st.commands_processed = 0;
  st.rejected_connections = 0;
  st.net_input_bytes = 0;
  st.net_output_bytes = 0;
  st.output_limit_disconnections = 0;
  st.query_limit_disconnections = 0;
  ctx.reply->Ok();
}

void CmdConfigRewrite(CommandContext& ctx, Args) {
  ReplyError(ctx, "ERR The server is running without a config file");
}

void CmdConfigHelp(CommandContext& ctx, Args) {
  ReplyHelp(ctx, "config",
            {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their",
             "    values.", "SET <directive> <value>",
             "    Set the configuration <directive> to <value>.", "RESETSTAT",
             "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file."});
}

// ---- COMMAND ----
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
  return out;
}

std::vector<std::string> AclCategories(const CommandSpec& spec) {
  std::vector<std::string> out;
  if (spec.flags & commands::kWrite) out.push_back("@write");
  if (spec.flags & commands::kReadOnly) out.push_back("@read");
  if (spec.flags & commands::kAdmin) {
    out.push_back("@admin");
    out.push_back("@dangerous");
  }
  out.push_back((spec.flags & commands::kFast) ? "@fast" : "@slow");
  static const std::vector<std::string_view> kGroups = {"string", "hash", "keyspace",  "connection",
                                                        "list",   "set",  "sortedset", "pubsub"};
  for (std::string_view g : kGroups) {
    if (spec.group == g) out.push_back(absl::StrCat("@", ToAbsl(g)));
  }
  return out;
}

void WriteCommandInfo(resp::Writer& w, const CommandSpec& spec, std::string_view parent) {
  w.ArrayHeader(10);
  w.BulkString(parent.empty() ? spec.name : absl::StrCat(ToAbsl(parent), "|", spec.name));
  w.Integer(spec.arity);
  std::vector<std::string_view> flags = FlagNames(spec.flags);
  w.SetHeader(flags.size());
  for (std::string_view f : flags) w.SimpleString(f);
  w.Integer(spec.first_key);
  w.Integer(spec.last_key);
  w.Integer(spec.key_step);
  std::vector<std::string> cats = AclCategories(spec);
  w.SetHeader(cats.size());
  for (const std::string& c : cats) w.SimpleString(c);
  w.ArrayHeader(0);  // tips
  w.ArrayHeader(0);  // key specifications
  w.ArrayHeader(spec.subcommands.size());
  for (const CommandSpec& sub : spec.subcommands) WriteCommandInfo(w, sub, spec.name);
}

void WriteCommandDocs(resp::Writer& w, const CommandSpec& spec, std::string_view parent) {
  w.BulkString(parent.empty() ? spec.name : absl::StrCat(ToAbsl(parent), "|", spec.name));
  const bool subs = !spec.subcommands.empty();
  w.MapHeader(subs ? 4 : 3);
  w.BulkString("summary");
  w.BulkString(spec.summary);
  w.BulkString("since");
  w.BulkString(spec.since.empty() ? "1.0.0" : spec.since);
  w.BulkString("group");
  w.BulkString(spec.group.empty() ? "server" : spec.group);
  if (subs) {
    w.BulkString("subcommands");
    w.MapHeader(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) WriteCommandDocs(w, sub, spec.name);
  }
}

std::vector<const CommandSpec*> SortedCommands(const commands::CommandTable& table) {
  std::vector<const CommandSpec*> all = table.All();
  std::sort(all.begin(), all.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  return all;
}

void CmdCommand(CommandContext& ctx, Args argv) {
  const commands::CommandTable& table = State(ctx).table();
  resp::Writer& w = *ctx.reply;
  if (argv.size() == 1) {
    std::vector<const CommandSpec*> all = SortedCommands(table);
    w.ArrayHeader(all.size());
    for (const CommandSpec* spec : all) WriteCommandInfo(w, *spec, "");
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
      for (const CommandSpec* spec : all) WriteCommandInfo(w, *spec, "");
      return;
    }
    w.ArrayHeader(argv.size() - 2);
    for (size_t i = 2; i < argv.size(); ++i) {
      const CommandSpec* spec = table.Find(argv[i]);
      if (spec == nullptr) {
        w.NullArray();
      } else {
        WriteCommandInfo(w, *spec, "");
      }
    }
    return;
  }
  if (EqualsIgnoreCase(sub, "docs")) {
    std::vector<const CommandSpec*> specs;
    if (argv.size() == 2) {
      specs = SortedCommands(table);
    } else {
      for (size_t i = 2; i < argv.size(); ++i) {
        if (const CommandSpec* spec = table.Find(argv[i])) specs.push_back(spec);
      }
    }
    w.MapHeader(specs.size());
    for (const CommandSpec* spec : specs) WriteCommandDocs(w, *spec, "");
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
      auto consider = [&](const CommandSpec& s, const std::string& name) {
        if (pattern && !GlobMatch(*pattern, name, true)) return;
        if (category) {
          std::vector<std::string> cats = AclCategories(s);
          std::string want = absl::StrCat("@", commands::AsciiLower(*category));
          if (std::find(cats.begin(), cats.end(), want) == cats.end()) return;
        }
        names.push_back(name);
      };
      consider(*spec, spec->name);
      for (const CommandSpec& s : spec->subcommands) {
        consider(s, absl::StrCat(spec->name, "|", s.name));
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

CommandSpec Sub(std::string name, int arity, uint32_t flags, commands::Handler h,
                std::string summary, std::string since) {
  CommandSpec s =
      MakeSpec(std::move(name), arity, flags, std::move(h), std::move(summary), std::move(since));
  s.group = "connection";
  return s;
}

}  // namespace

void RegisterServerCommands(commands::CommandTable* table) {
  RegisterPersistenceCommands(table, [](CommandContext& ctx) { return State(ctx).persistence(); });
  using namespace commands;  // NOLINT: flag names
  auto add = [&](CommandSpec s, const char* group) {
    s.group = group;
    table->Register(std::move(s));
  };
  add(MakeSpec("auth", -2, kNoAuth | kNoScript | kLoading | kStale | kFast, CmdAuth,
               "Authenticates the connection."),
      "connection");
  add(MakeSpec("hello", -1, kNoAuth | kNoScript | kLoading | kStale | kFast, CmdHello,
               "Handshakes with the Redis server.", "6.0.0"),
      "connection");
  add(MakeSpec("reset", 1, kNoAuth | kNoScript | kLoading | kStale | kFast, CmdReset,
               "Resets the connection.", "6.2.0"),
      "connection");
  add(MakeSpec("shutdown", -1, kAdmin | kNoScript | kLoading | kStale, CmdShutdown,
               "Synchronously saves the database(s) to disk and shuts down the Redis server."),
      "server");
  add(MakeSpec("info", -1, kLoading | kStale, CmdInfo,
               "Returns information and statistics about the server."),
      "server");
  add(MakeSpec("command", -1, kLoading | kStale, CmdCommand,
               "Returns detailed information about all commands.", "2.8.13"),
      "server");

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

  CommandSpec config;
  config.name = "config";
  config.arity = -2;
  config.group = "server";
  config.summary = "A container for server configuration commands.";
  config.since = "2.0.0";
  auto config_sub = [](std::string name, int arity, uint32_t flags, Handler h, std::string summary,
                       std::string since) {
    CommandSpec s =
        MakeSpec(std::move(name), arity, flags, std::move(h), std::move(summary), std::move(since));
    s.group = "server";
    return s;
  };
  config.subcommands = {
      config_sub("get", -3, kAdmin | kNoScript | kLoading | kStale, CmdConfigGet,
                 "Returns the effective values of configuration parameters.", "2.0.0"),
      config_sub("set", -4, kAdmin | kNoScript | kLoading | kStale, CmdConfigSet,
                 "Sets configuration parameters in-flight.", "2.0.0"),
      config_sub("resetstat", 2, kAdmin | kNoScript | kLoading | kStale, CmdConfigResetStat,
                 "Resets the server's statistics.", "2.0.0"),
      config_sub("rewrite", 2, kAdmin | kNoScript | kLoading | kStale, CmdConfigRewrite,
                 "Persists the effective configuration to file.", "2.8.0"),
      config_sub("help", 2, kLoading | kStale, CmdConfigHelp,
                 "Returns helpful text about the different subcommands.", "5.0.0"),
  };
  table->Register(std::move(config));
}

}  // namespace embedis::server_internal
