#include "tests/testing/redis_sentinel.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace embedis::testing {

RedisSentinelProcess::~RedisSentinelProcess() {
  for (pid_t pid : sentinel_pids_) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
}

absl::Status RedisSentinelProcess::ConnectSentinel(int i, RawRespConnection* conn) const {
  const int port = sentinel_ports_[i];
  absl::Status s = options_.tls ? conn->ConnectTls(port, *options_.tls) : conn->Connect(port);
  if (!s.ok() || options_.sentinel_password.empty()) return s;
  const std::string reply =
      options_.sentinel_username.empty()
          ? conn->Call({"AUTH", options_.sentinel_password})
          : conn->Call({"AUTH", options_.sentinel_username, options_.sentinel_password});
  if (reply != "+OK\r\n") {
    return absl::UnavailableError(absl::StrCat("AUTH refused by sentinel ", i));
  }
  return absl::OkStatus();
}

absl::Status RedisSentinelProcess::Start(RedisSentinelOptions options) {
  options_ = std::move(options);
  std::string sentinel_bin = FindExecutable("redis-sentinel");
  const bool via_server = sentinel_bin.empty();
  if (via_server) sentinel_bin = FindExecutable("redis-server");
  if (sentinel_bin.empty()) {
    return absl::FailedPreconditionError(
        "neither redis-sentinel nor redis-server found on PATH; install them with: apt-get "
        "install redis-server redis-sentinel");
  }
  primary_ = std::make_unique<RedisServerProcess>();
  if (options_.tls) primary_->set_tls(*options_.tls);
  absl::Status s = primary_->Start({"--repl-diskless-sync-delay", "0"});
  if (!s.ok()) return s;
  replica_ = std::make_unique<RedisServerProcess>();
  if (options_.tls) replica_->set_tls(*options_.tls);
  s = replica_->Start({"--replicaof", "127.0.0.1", std::to_string(primary_->port()),
                       "--repl-diskless-sync-delay", "0"});
  if (!s.ok()) return s;
  char tmpl[] = "/tmp/embedis-sentinel-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  dir_ = tmpl;
  for (int i = 0; i < 3; ++i) {
    const int port = FreeLoopbackPort();
    const std::string conf = absl::StrCat(dir_, "/sentinel", i, ".conf");
    {
      std::ofstream out(conf);
      if (options_.tls) {
        const RedisTlsFiles& t = *options_.tls;
        out << "port 0\ntls-port " << port << "\ntls-cert-file " << t.cert_file << "\ntls-key-file "
            << t.key_file << "\ntls-ca-cert-file " << t.ca_file << "\ntls-client-cert-file "
            << t.client_cert_file << "\ntls-client-key-file " << t.client_key_file
            << "\ntls-replication yes\n";
      } else {
        out << "port " << port << "\n";
      }
      if (!options_.sentinel_username.empty()) {
        out << "user default off\nuser " << options_.sentinel_username << " on >"
            << options_.sentinel_password << " +@all\nsentinel sentinel-user "
            << options_.sentinel_username << "\n"
            << "sentinel sentinel-pass \"" << options_.sentinel_password << "\"\n";
      } else if (!options_.sentinel_password.empty()) {
        out << "requirepass \"" << options_.sentinel_password << "\"\n"
            << "sentinel sentinel-pass \"" << options_.sentinel_password << "\"\n";
      }
      out << "bind 127.0.0.1\ndaemonize no\n"
          << "logfile " << dir_ << "/sentinel" << i << ".log\n"
          << "dir " << dir_ << "\n"
          << "sentinel monitor " << kMasterName << " 127.0.0.1 " << primary_->port() << " 2\n"
          << "sentinel down-after-milliseconds " << kMasterName << " 1000\n"
          << "sentinel failover-timeout " << kMasterName << " 5000\n"
          << "sentinel parallel-syncs " << kMasterName << " 1\n";
    }
    std::vector<std::string> args = {sentinel_bin, conf};
    if (via_server) args.push_back("--sentinel");
    pid_t pid = fork();
    if (pid == 0) {
      int devnull = open("/dev/null", O_RDWR);
      if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
      }
      std::vector<char*> cargs;
      for (auto& a : args) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      execv(sentinel_bin.c_str(), cargs.data());
      _exit(127);
    }
    sentinel_pids_.push_back(pid);
    sentinel_ports_.push_back(port);
  }
  // Ready: the replica synced, and every sentinel sees 1 replica and 2 other sentinels.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  std::string why;
  for (;;) {
    why.clear();
    {
      RawRespConnection conn;
      if (!replica_->Connect(&conn).ok() ||
          conn.Call({"INFO", "replication"}).find("master_link_status:up") == std::string::npos) {
        why = "the replica has not synced";
      }
    }
    for (size_t i = 0; i < sentinel_ports_.size() && why.empty(); ++i) {
      RawRespConnection conn;
      if (!ConnectSentinel(static_cast<int>(i), &conn).ok()) {
        why = absl::StrCat("sentinel ", i, " is not up");
        break;
      }
      std::string info = conn.Call({"INFO", "sentinel"});
      if (info.find("slaves=1,sentinels=3") == std::string::npos) {
        why = absl::StrCat("sentinel ", i, " does not see everyone yet");
      }
    }
    if (why.empty()) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("sentinel setup not ready: ", why, " (logs in ", dir_, ")"));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

std::string RedisSentinelProcess::Url(std::string_view suffix) const {
  std::vector<std::string> hosts;
  for (int p : sentinel_ports_) hosts.push_back(absl::StrCat("127.0.0.1:", p));
  return absl::StrCat(options_.tls ? "rediss+sentinel://" : "redis+sentinel://",
                      absl::StrJoin(hosts, ","), "/", kMasterName, std::string(suffix));
}

absl::Status RedisSentinelProcess::WaitFailover(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string want = absl::StrCat(replica_->port());
  for (;;) {
    int agree = 0;
    for (size_t i = 0; i < sentinel_ports_.size(); ++i) {
      RawRespConnection conn;
      if (!ConnectSentinel(static_cast<int>(i), &conn).ok()) continue;
      std::string r = conn.Call({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", kMasterName});
      if (r.find(absl::StrCat("\r\n", want, "\r\n")) != std::string::npos) ++agree;
    }
    if (agree == static_cast<int>(sentinel_ports_.size())) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError("the sentinels did not promote the replica");
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

namespace {
struct Shared {
  RedisSentinelProcess sentinel;
  absl::Status status;
};
Shared* shared_sentinel = nullptr;
Shared& GetShared() {
  static Shared* s = [] {
    shared_sentinel = new Shared();
    shared_sentinel->status = shared_sentinel->sentinel.Start();
    std::atexit([] { delete shared_sentinel; });
    return shared_sentinel;
  }();
  return *s;
}
}  // namespace

RedisSentinelProcess& SharedRedisSentinel() { return GetShared().sentinel; }
absl::Status SharedRedisSentinelStatus() { return GetShared().status; }

}  // namespace embedis::testing
