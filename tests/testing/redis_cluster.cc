#include "tests/testing/redis_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "lib/util/strings.h"

namespace embedis::testing {
namespace {

// The text of a bulk-string reply ("$n\r\n<text>\r\n"), or "".
std::string BulkText(const std::string& raw) {
  if (raw.empty() || raw[0] != '$') return "";
  size_t eol = raw.find("\r\n");
  if (eol == std::string::npos || raw.size() < eol + 4) return "";
  return raw.substr(eol + 2, raw.size() - eol - 4);
}

// One line of CLUSTER NODES.
struct NodeLine {
  int port = 0;
  bool primary = false;
  bool failed = false;
  bool myself = false;
  std::vector<std::pair<int, int>> slots;
};

std::vector<NodeLine> ParseNodes(const std::string& text) {
  std::vector<NodeLine> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() < 8) continue;
    NodeLine n;
    absl::string_view addr = f[1].substr(0, f[1].find('@'));
    size_t colon = addr.rfind(':');
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(addr.substr(colon + 1), &n.port)) {
      continue;
    }
    for (absl::string_view flag : absl::StrSplit(f[2], ',')) {
      if (flag == "master") n.primary = true;
      if (flag == "fail" || flag == "fail?") n.failed = true;
      if (flag == "myself") n.myself = true;
    }
    for (size_t i = 8; i < f.size(); ++i) {
      if (f[i].empty() || f[i][0] == '[') continue;  // a migration marker
      std::pair<absl::string_view, absl::string_view> r = absl::StrSplit(f[i], '-');
      int lo, hi;
      if (!absl::SimpleAtoi(r.first, &lo)) continue;
      if (r.second.empty()) {
        hi = lo;
      } else if (!absl::SimpleAtoi(r.second, &hi)) {
        continue;
      }
      n.slots.emplace_back(lo, hi);
    }
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace

RedisClusterProcess::~RedisClusterProcess() {
  for (auto& n : nodes_) n->Kill();
}

absl::Status RedisClusterProcess::Start(RedisClusterOptions options) {
  const std::string cli = FindExecutable("redis-cli");
  if (cli.empty()) {
    return absl::FailedPreconditionError(
        "redis-cli not found on PATH; install it with: apt-get install redis-tools");
  }
  if (FindExecutable("redis-server").empty()) {
    return absl::FailedPreconditionError(
        "redis-server not found on PATH; install it with: apt-get install redis-server");
  }
  const int count = options.primaries * (1 + options.replicas_per_primary);
  if (options.primaries < 3) {
    return absl::InvalidArgumentError("redis-cli --cluster create needs at least 3 primaries");
  }
  tls_ = options.tls.has_value();
  for (int i = 0; i < count; ++i) {
    auto node = std::make_unique<RedisServerProcess>();
    if (tls_) node->set_tls(*options.tls);
    absl::Status started;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::vector<std::string> args = {
          "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port",
          std::to_string(FreeLoopbackPort()), "--cluster-node-timeout",
          std::to_string(options.node_timeout_ms),
          // Replicas sync at once (the default waits 5 s for more replicas to share the RDB).
          "--repl-diskless-sync-delay", "0"};
      if (tls_) args.insert(args.end(), {"--tls-cluster", "yes"});
      args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
      started = node->Start(args);
      if (started.ok()) break;
    }
    if (!started.ok()) return started;
    nodes_.push_back(std::move(node));
  }
  // redis-cli --cluster create, bounded to 60 s, its output in a temporary file.
  char tmpl[] = "/tmp/embedis-cluster-create-XXXXXX";
  int log_fd = mkstemp(tmpl);
  if (log_fd < 0) return absl::InternalError("mkstemp failed");
  std::vector<std::string> args = {cli};
  if (tls_) {
    args.insert(args.end(), {"--tls", "--cacert", options.tls->ca_file, "--cert",
                             options.tls->client_cert_file, "--key", options.tls->client_key_file});
  }
  args.insert(args.end(), {"--cluster", "create"});
  for (const auto& n : nodes_) args.push_back(absl::StrCat("127.0.0.1:", n->port()));
  args.insert(args.end(), {"--cluster-replicas", std::to_string(options.replicas_per_primary),
                           "--cluster-yes"});
  pid_t pid = fork();
  if (pid == 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    execv(cli.c_str(), cargs.data());
    _exit(127);
  }
  close(log_fd);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return absl::DeadlineExceededError(
          absl::StrCat("redis-cli --cluster create did not finish in 60 s; see ", tmpl));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("redis-cli --cluster create failed (",
                                            absl::StrJoin(args, " "), "); see ", tmpl));
  }
  unlink(tmpl);
  absl::Status healthy = WaitHealthy(absl::Seconds(30));
  if (!healthy.ok()) return healthy;
  // Every replica synced with its primary (a replica that never synced refuses to fail over).
  const absl::Time sync_deadline = absl::Now() + absl::Seconds(30);
  for (int i = 0; i < size(); ++i) {
    for (;;) {
      std::string info = Call(i, {"INFO", "replication"});
      if (info.find("role:master") != std::string::npos ||
          info.find("master_link_status:up") != std::string::npos) {
        break;
      }
      if (absl::Now() > sync_deadline) {
        return absl::DeadlineExceededError(absl::StrCat("replica ", i, " did not sync"));
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  return absl::OkStatus();
}

std::string RedisClusterProcess::Url(std::string_view suffix) const {
  std::vector<std::string> hosts;
  for (const auto& n : nodes_) hosts.push_back(absl::StrCat("127.0.0.1:", n->port()));
  return absl::StrCat(tls_ ? "rediss+cluster://" : "redis+cluster://", absl::StrJoin(hosts, ","),
                      ToAbsl(suffix));
}

std::string RedisClusterProcess::Call(int node,
                                      std::initializer_list<std::string_view> argv) const {
  if (nodes_[node]->pid() <= 0) return "";
  RawRespConnection conn;
  if (!nodes_[node]->Connect(&conn).ok()) return "";
  return conn.Call(argv);
}

std::string RedisClusterProcess::Call(int node, const std::vector<std::string>& argv) const {
  if (nodes_[node]->pid() <= 0) return "";
  RawRespConnection conn;
  if (!nodes_[node]->Connect(&conn).ok()) return "";
  return conn.Call(argv);
}

std::string RedisClusterProcess::NodeId(int node) const {
  return BulkText(Call(node, {"CLUSTER", "MYID"}));
}

std::vector<int> RedisClusterProcess::Primaries() const {
  std::vector<int> out;
  for (int i = 0; i < size(); ++i) {
    if (Call(i, {"ROLE"}).find("master") != std::string::npos) out.push_back(i);
  }
  return out;
}

int RedisClusterProcess::PrimaryOf(int slot) const {
  for (int i = 0; i < size(); ++i) {
    if (!alive(i)) continue;
    std::string text = BulkText(Call(i, {"CLUSTER", "NODES"}));
    if (text.empty()) continue;
    for (const NodeLine& n : ParseNodes(text)) {
      if (!n.primary) continue;
      for (auto [lo, hi] : n.slots) {
        if (slot < lo || slot > hi) continue;
        for (int j = 0; j < size(); ++j) {
          if (nodes_[j]->port() == n.port) return j;
        }
      }
    }
    return -1;
  }
  return -1;
}

void RedisClusterProcess::Kill(int node) { nodes_[node]->Kill(); }

absl::Status RedisClusterProcess::WaitHealthy(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string why;
  for (;;) {
    why.clear();
    for (int i = 0; i < size() && why.empty(); ++i) {
      if (!alive(i)) continue;
      std::string info = BulkText(Call(i, {"CLUSTER", "INFO"}));
      if (info.find("cluster_state:ok") == std::string::npos) {
        why = absl::StrCat("node ", i, " is not cluster_state:ok");
        break;
      }
      std::vector<NodeLine> view = ParseNodes(BulkText(Call(i, {"CLUSTER", "NODES"})));
      if (static_cast<int>(view.size()) != size()) {
        why = absl::StrCat("node ", i, " knows ", view.size(), " of ", size(), " nodes");
        break;
      }
      int covered = 0;
      for (const NodeLine& n : view) {
        if (!n.primary || n.slots.empty()) continue;
        bool live = !n.failed;
        for (int j = 0; j < size(); ++j) {
          if (nodes_[j]->port() == n.port && !alive(j)) live = false;
        }
        if (!live) {
          why = absl::StrCat("node ", i, " sees slots on a dead primary (port ", n.port, ")");
          break;
        }
        for (auto [lo, hi] : n.slots) covered += hi - lo + 1;
      }
      if (why.empty() && covered != 16384) {
        why = absl::StrCat("node ", i, " sees ", covered, " of 16384 slots covered");
      }
    }
    if (why.empty()) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("cluster not healthy: ", why));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

namespace {
struct Shared {
  RedisClusterProcess cluster;
  absl::Status status;
};
Shared* shared_cluster = nullptr;
Shared& GetShared() {
  static Shared* s = [] {
    shared_cluster = new Shared();
    shared_cluster->status = shared_cluster->cluster.Start();
    std::atexit([] { delete shared_cluster; });
    return shared_cluster;
  }();
  return *s;
}
}  // namespace

RedisClusterProcess& SharedRedisCluster() { return GetShared().cluster; }
absl::Status SharedRedisClusterStatus() { return GetShared().status; }

}  // namespace embedis::testing
