// INFO [section ...]: server, clients, memory, persistence, stats, replication, cpu, keyspace.
// The field names are redis-server 7's; values embedis has no equivalent for are fixed (0, "no").
#include <malloc.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "lib/commands/args.h"
#include "lib/commands/command_describe.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/pubsub.h"
#include "lib/keyspace/slab_allocator.h"
#include "lib/scripting/script_engine.h"
#include "lib/util/strings.h"
#include "server/command_util.h"
#include "server/server.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

using commands::Args;
using commands::CommandContext;

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
    AppendLine(&s, "config_file", state.options().config_file);
    AppendLine(&s, "io_threads_active", state.io_threads() > 1 ? 1 : 0);
  } else if (section == "clients") {
    s = "# Clients\r\n";
    AppendLine(&s, "connected_clients", static_cast<int64_t>(state.connected_clients()));
    AppendLine(&s, "cluster_connections", 0);
    AppendLine(&s, "maxclients", state.config().maxclients.load(std::memory_order_relaxed));
    AppendLine(&s, "client_recent_max_input_buffer", 0);
    AppendLine(&s, "client_recent_max_output_buffer", 0);
    AppendLine(&s, "blocked_clients",
               state.blocked_clients().load(std::memory_order_relaxed));  // keys and CLIENT PAUSE
    AppendLine(&s, "tracking_clients", 0);
    AppendLine(&s, "clients_in_timeout_table",
               state.clients_in_timeout_table().load(std::memory_order_relaxed));
  } else if (section == "memory") {
    s = "# Memory\r\n";
    struct mallinfo2 mi = mallinfo2();
    // used_memory is the data's accounted bytes (Keyspace::UsedMemory: entry blocks, value
    // objects, bucket arrays), what maxmemory is compared with; allocator_allocated is what the
    // process has allocated in all: malloc'ed bytes plus the keyspace's slab pages (mapped
    // directly), and used_memory_rss what the kernel says it holds.
    const uint64_t allocated =
        mi.uordblks + mi.hblkhd + keyspace_internal::SlabAllocator::TotalPageBytes();
    const uint64_t used = state.keyspace()->UsedMemory();
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
    AppendLine(&s, "used_memory_dataset", static_cast<int64_t>(used));
    AppendLine(&s, "allocator_allocated", static_cast<int64_t>(allocated));
    // Scripts: EVAL's Lua VM and cache, and the functions' VM and libraries.
    scripting::ScriptStats scripts;
    scripting::FunctionStats functions;
    if (state.table().scripts() != nullptr) {
      scripts = state.table().scripts()->Stats();
      functions = state.table().scripts()->GetFunctionStats();
    }
    const size_t vm_total = scripts.lua_bytes + functions.lua_bytes;
    const size_t scripts_total = scripts.script_bytes + functions.code_bytes;
    AppendLine(&s, "used_memory_lua", static_cast<int64_t>(scripts.lua_bytes));
    AppendLine(&s, "used_memory_vm_eval", static_cast<int64_t>(scripts.lua_bytes));
    AppendLine(&s, "used_memory_lua_human", BytesToHuman(scripts.lua_bytes));
    AppendLine(&s, "used_memory_scripts_eval", static_cast<int64_t>(scripts.script_bytes));
    AppendLine(&s, "number_of_cached_scripts", static_cast<int64_t>(scripts.scripts));
    AppendLine(&s, "number_of_functions", static_cast<int64_t>(functions.functions));
    AppendLine(&s, "number_of_libraries", static_cast<int64_t>(functions.libraries));
    AppendLine(&s, "used_memory_vm_functions", static_cast<int64_t>(functions.lua_bytes));
    AppendLine(&s, "used_memory_vm_total", static_cast<int64_t>(vm_total));
    AppendLine(&s, "used_memory_vm_total_human", BytesToHuman(vm_total));
    AppendLine(&s, "used_memory_functions", static_cast<int64_t>(functions.code_bytes));
    AppendLine(&s, "used_memory_scripts", static_cast<int64_t>(scripts_total));
    AppendLine(&s, "used_memory_scripts_human", BytesToHuman(scripts_total));
    const EvictionOptions eviction = state.keyspace()->eviction_options();
    AppendLine(&s, "maxmemory", static_cast<int64_t>(eviction.maxmemory));
    AppendLine(&s, "maxmemory_human", BytesToHuman(eviction.maxmemory));
    AppendLine(&s, "maxmemory_policy", std::string(EvictionPolicyName(eviction.policy)));
    AppendLine(&s, "mem_fragmentation_ratio",
               absl::StrFormat("%.2f", used == 0 ? 0.0 : static_cast<double>(rss) / used));
    AppendLine(&s, "mem_fragmentation_bytes",
               static_cast<int64_t>(rss) - static_cast<int64_t>(used));
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
    AppendLine(&s, "evicted_keys", static_cast<int64_t>(ks.evicted_keys));
    AppendLine(&s, "evicted_clients", static_cast<int64_t>(st.evicted_clients.load()));
    AppendLine(&s, "keyspace_hits", static_cast<int64_t>(ks.keyspace_hits));
    AppendLine(&s, "keyspace_misses", static_cast<int64_t>(ks.keyspace_misses));
    PubSub& hub = state.keyspace()->pubsub();
    AppendLine(&s, "pubsub_channels",
               static_cast<int64_t>(hub.Channels(PubSubKind::kChannel, std::nullopt).size()));
    AppendLine(&s, "pubsub_patterns", hub.NumPat());
    AppendLine(&s, "pubsubshard_channels",
               static_cast<int64_t>(hub.Channels(PubSubKind::kShardChannel, std::nullopt).size()));
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

}  // namespace

void RegisterInfoCommand(commands::CommandTable* table) {
  using namespace commands;            // NOLINT: flag names
  using namespace commands::describe;  // NOLINT: the entry helpers
  table->Register(
      {.name = "info",
       .arity = -1,
       .flags = kLoading | kStale,
       .acl = kAclDangerous,
       .tips = {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"},
       .group = "server",
       .summary = "Returns information and statistics about the server.",
       .since = "1.0.0",
       .complexity = "O(1)",
       .history = {{"7.0.0", "Added support for taking multiple section arguments."}},
       .args = {Str("section").Opt().Multi()},
       .handler = CmdInfo});
}

}  // namespace embedis::server_internal
