#include "lib/client/sentinel.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/util/strings.h"

namespace embedis {

namespace {

using resp::Type;
using resp::Value;

bool IsText(const Value& v) {
  return v.type() == Type::kBulkString || v.type() == Type::kSimpleString ||
         v.type() == Type::kVerbatim;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SentinelClient>> SentinelClient::Connect(
    const SentinelOptions& options) {
  if (options.sentinels.empty()) return absl::InvalidArgumentError("no sentinels");
  if (options.master_name.empty()) return absl::InvalidArgumentError("no master name");
  if (options.max_retries < 0) return absl::InvalidArgumentError("negative max_retries");
  std::unique_ptr<SentinelClient> c(new SentinelClient(options));
  absl::Status s = c->Resolve();
  if (!s.ok()) return s;
  c->watcher_ = std::thread([p = c.get()] { p->Watch(); });
  return c;
}

SentinelClient::~SentinelClient() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

ClientOptions SentinelClient::SentinelConnectionOptions(
    const std::pair<std::string, int>& sentinel) const {
  ClientOptions o;
  o.host = sentinel.first;
  o.port = sentinel.second;
  o.username = options_.sentinel_username;
  o.password = options_.sentinel_password;
  o.tls = options_.node.tls;
  o.connect_timeout = options_.node.connect_timeout;
  o.command_timeout = options_.node.command_timeout;
  return o;
}

ClientOptions SentinelClient::PrimaryOptions() const {
  ClientOptions o = options_.node;
  std::lock_guard<std::mutex> lock(mu_);
  o.host = host_;
  o.port = port_;
  o.unix_socket.clear();
  return o;
}

std::string SentinelClient::primary_address() const {
  std::lock_guard<std::mutex> lock(mu_);
  return absl::StrCat(host_, ":", port_);
}

std::shared_ptr<Client> SentinelClient::client() const {
  std::lock_guard<std::mutex> lock(mu_);
  return client_;
}

absl::Status SentinelClient::Resolve() {
  std::lock_guard<std::mutex> resolve_lock(resolve_mu_);
  absl::Status last = absl::UnavailableError("no sentinel answered");
  for (const auto& sentinel : options_.sentinels) {
    absl::StatusOr<std::unique_ptr<Connection>> conn =
        Connection::Open(SentinelConnectionOptions(sentinel));
    if (!conn.ok()) {
      last = conn.status();
      continue;
    }
    absl::StatusOr<Value> addr =
        (*conn)->Command({"SENTINEL", "GET-MASTER-ADDR-BY-NAME", options_.master_name});
    if (!addr.ok()) {
      last = addr.status();
      continue;
    }
    if (addr->is_error()) {
      last = absl::UnavailableError(
          absl::StrCat("sentinel ", sentinel.first, ":", sentinel.second, ": ", addr->str()));
      continue;
    }
    int port = 0;
    if (addr->type() != Type::kArray || addr->elements().size() != 2 ||
        !IsText(addr->elements()[0]) || !IsText(addr->elements()[1]) ||
        !absl::SimpleAtoi(ToAbsl(addr->elements()[1].str()), &port)) {
      last = absl::UnavailableError(absl::StrCat("sentinel ", sentinel.first, ":", sentinel.second,
                                                 " does not know master '", options_.master_name,
                                                 "'"));
      continue;
    }
    const std::string host = addr->elements()[0].str();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (client_ != nullptr && host == host_ && port == port_) return absl::OkStatus();
    }
    // ROLE must say "master" (a sentinel may name a primary that is still being promoted).
    ClientOptions o = options_.node;
    o.host = host;
    o.port = port;
    o.unix_socket.clear();
    auto client = std::make_shared<Client>(o);
    absl::StatusOr<Value> role = client->Command({"ROLE"});
    if (!role.ok()) {
      last = role.status();
      continue;
    }
    if (role->type() != Type::kArray || role->elements().empty() || !IsText(role->elements()[0]) ||
        role->elements()[0].str() != "master") {
      last = absl::UnavailableError(absl::StrCat(host, ":", port, ", named by the sentinels as '",
                                                 options_.master_name, "', is not a primary yet"));
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (client_ != nullptr) ++switches_;
    client_ = std::move(client);
    host_ = host;
    port_ = port;
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("Redis Sentinel: no primary for '",
                                             options_.master_name, "': ", last.message()));
}

absl::StatusOr<Value> SentinelClient::Command(absl::Span<const std::string_view> argv) {
  absl::Duration backoff = absl::Milliseconds(10);
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<Client> c = client();
    absl::StatusOr<Client::Lease> lease = c->Acquire();
    absl::Status why;
    if (lease.ok()) {
      absl::StatusOr<Value> r = (*lease)->Command(argv);
      if (!r.ok()) return r;  // may have run: not re-sent
      if (!r->is_error() || r->str().rfind("READONLY", 0) != 0) return r;
      why = absl::UnavailableError(r->str());  // a demoted primary: not run
    } else {
      why = lease.status();  // nothing sent
    }
    if (attempt >= options_.max_retries) {
      return absl::UnavailableError(absl::StrCat("Redis Sentinel: primary of '",
                                                 options_.master_name, "' unavailable after ",
                                                 attempt, " retries: ", why.message()));
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(500));
    Resolve().IgnoreError();
  }
}

absl::Status SentinelClient::Exec(const Pipeline& pipeline, std::vector<Value>* replies) {
  absl::Duration backoff = absl::Milliseconds(10);
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Client::Lease> lease = client()->Acquire();
    if (lease.ok()) return (*lease)->Exec(pipeline, replies);
    if (attempt >= options_.max_retries) return lease.status();
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(500));
    Resolve().IgnoreError();
  }
}

void SentinelClient::Watch() {
  size_t next = 0;
  auto stopped = [&](std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    return stop_cv_.wait_for(lock, wait, [&] { return stop_; });
  };
  while (!stopped(std::chrono::milliseconds(0))) {
    const auto& sentinel = options_.sentinels[next++ % options_.sentinels.size()];
    ClientOptions o = SentinelConnectionOptions(sentinel);
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(o);
    if (!conn.ok() || !(*conn)->SendCommand({"SUBSCRIBE", "+switch-master"}).ok()) {
      if (stopped(std::chrono::milliseconds(100))) return;
      continue;
    }
    // A failover may have happened while we were not subscribed.
    Resolve().IgnoreError();
    for (;;) {
      if (stopped(std::chrono::milliseconds(0))) return;
      absl::StatusOr<std::optional<Value>> m = (*conn)->ReadMessage(absl::Milliseconds(100));
      if (!m.ok()) break;  // next sentinel
      if (!m->has_value()) continue;
      const Value& v = **m;
      // ["message", "+switch-master", "<name> <old-ip> <old-port> <new-ip> <new-port>"]
      if ((v.type() != Type::kArray && v.type() != Type::kPush) || v.elements().size() != 3 ||
          !IsText(v.elements()[0]) || v.elements()[0].str() != "message" ||
          !IsText(v.elements()[2])) {
        continue;
      }
      std::vector<std::string> f = absl::StrSplit(v.elements()[2].str(), ' ');
      if (f.empty() || f[0] != options_.master_name) continue;
      Resolve().IgnoreError();
    }
  }
}

}  // namespace embedis
