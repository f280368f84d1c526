#include "lib/client/sentinel.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "lib/util/strings.h"

namespace embedis {

namespace {

using resp::Type;
using resp::Value;

std::string AsciiLowerCopy(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(c)));
  return out;
}

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
  if (options.read_from_replica) {
    if (s = c->LoadReadOnlyCommands(); !s.ok()) return s;
    c->RefreshReplicas();
  }
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
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (client_ != nullptr) ++switches_;
      client_ = std::move(client);
      host_ = host;
      port_ = port;
    }
    if (options_.read_from_replica && !readonly_.empty()) RefreshReplicas();
    return absl::OkStatus();
  }
  return absl::UnavailableError(absl::StrCat("Redis Sentinel: no primary for '",
                                             options_.master_name, "': ", last.message()));
}

absl::StatusOr<Value> SentinelClient::Command(absl::Span<const std::string_view> argv) {
  if (options_.read_from_replica && !argv.empty() && IsReadOnly(argv)) {
    if (std::shared_ptr<Client> replica = NextReplica()) {
      absl::StatusOr<Value> r = replica->Command(argv);
      const bool unusable = !r.ok() || (r->is_error() && (r->str().rfind("LOADING", 0) == 0 ||
                                                          r->str().rfind("MASTERDOWN", 0) == 0));
      if (!unusable) return r;
      // A read can run again: on the primary, while the watcher asks for the replicas anew.
      ++replica_fallbacks_;
      replicas_stale_ = true;
    }
  }
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
    // The replicas' health changes too, with read_from_replica.
    const absl::Status subscribed =
        !conn.ok() ? conn.status()
        : options_.read_from_replica
            ? (*conn)->SendCommand({"SUBSCRIBE", "+switch-master", "+sdown", "-sdown", "+slave",
                                    "+reboot", "+role-change"})
            : (*conn)->SendCommand({"SUBSCRIBE", "+switch-master"});
    if (!subscribed.ok()) {
      if (stopped(std::chrono::milliseconds(100))) return;
      continue;
    }
    // A failover may have happened while we were not subscribed.
    Resolve().IgnoreError();
    absl::Time next_replica_refresh = absl::Now() + absl::Seconds(5);
    for (;;) {
      if (stopped(std::chrono::milliseconds(0))) return;
      if (options_.read_from_replica &&
          (replicas_stale_.exchange(false) || absl::Now() >= next_replica_refresh)) {
        RefreshReplicas();
        next_replica_refresh = absl::Now() + absl::Seconds(5);
      }
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
      if (!IsText(v.elements()[1]) || v.elements()[1].str() != "+switch-master") {
        replicas_stale_ = true;  // +sdown, -sdown, +slave, ...: asked at the next turn
        continue;
      }
      std::vector<std::string> f = absl::StrSplit(v.elements()[2].str(), ' ');
      if (f.empty() || f[0] != options_.master_name) continue;
      Resolve().IgnoreError();
    }
  }
}

absl::Status SentinelClient::LoadReadOnlyCommands() {
  absl::StatusOr<Value> reply = client()->Command({"COMMAND"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() || reply->type() != Type::kArray) {
    return absl::UnavailableError(
        absl::StrCat("read_from=replica: the primary did not list its commands (COMMAND): ",
                     reply->is_error() ? reply->str() : "not an array"));
  }
  // [name, arity, [flags...], first, last, step, acl, tips, key specs, [subcommands...]]
  auto add = [&](const Value& entry, auto& self) -> void {
    if (entry.type() != Type::kArray || entry.elements().size() < 3) return;
    const std::vector<Value>& f = entry.elements();
    if (!IsText(f[0]) || f[2].type() != Type::kArray) return;
    for (const Value& flag : f[2].elements()) {
      if (IsText(flag) && flag.str() == "readonly") readonly_.insert(AsciiLowerCopy(f[0].str()));
    }
    if (f.size() > 9 && f[9].type() == Type::kArray) {
      for (const Value& sub : f[9].elements()) self(sub, self);
    }
  };
  for (const Value& e : reply->elements()) add(e, add);
  return absl::OkStatus();
}

bool SentinelClient::IsReadOnly(absl::Span<const std::string_view> argv) const {
  std::string name = AsciiLowerCopy(argv[0]);
  if (argv.size() > 1) {
    std::string sub = absl::StrCat(name, "|", AsciiLowerCopy(argv[1]));
    if (readonly_.contains(sub)) return true;
  }
  return readonly_.contains(name);
}

std::vector<std::string> SentinelClient::replica_addresses() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [address, c] : replicas_) out.push_back(address);
  return out;
}

std::shared_ptr<Client> SentinelClient::NextReplica() {
  std::lock_guard<std::mutex> lock(mu_);
  if (replicas_.empty()) return nullptr;
  return replicas_[next_replica_++ % replicas_.size()].second;
}

void SentinelClient::RefreshReplicas() {
  for (const auto& sentinel : options_.sentinels) {
    absl::StatusOr<std::unique_ptr<Connection>> conn =
        Connection::Open(SentinelConnectionOptions(sentinel));
    if (!conn.ok()) continue;
    absl::StatusOr<Value> r = (*conn)->Command({"SENTINEL", "REPLICAS", options_.master_name});
    if (!r.ok() || r->type() != Type::kArray) continue;
    // Each replica: a flat list of field names and values (ip, port, flags,
    // master-link-status, ...).
    std::vector<std::string> healthy;
    for (const Value& entry : r->elements()) {
      if (entry.type() != Type::kArray) continue;
      std::string ip, port, flags, link;
      const std::vector<Value>& f = entry.elements();
      for (size_t i = 0; i + 1 < f.size(); i += 2) {
        if (!IsText(f[i]) || !IsText(f[i + 1])) continue;
        const std::string_view field = f[i].str();
        if (field == "ip") ip = f[i + 1].str();
        if (field == "port") port = f[i + 1].str();
        if (field == "flags") flags = f[i + 1].str();
        if (field == "master-link-status") link = f[i + 1].str();
      }
      bool down = link != "ok" || ip.empty() || port.empty();
      for (absl::string_view flag : absl::StrSplit(flags, ',')) {
        if (flag == "s_down" || flag == "o_down" || flag == "disconnected") down = true;
      }
      if (!down) healthy.push_back(absl::StrCat(ip, ":", port));
    }
    std::sort(healthy.begin(), healthy.end());
    std::vector<std::pair<std::string, std::shared_ptr<Client>>> next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const std::string& address : healthy) {
        std::shared_ptr<Client> c;
        for (const auto& [a, existing] : replicas_) {
          if (a == address) c = existing;
        }
        next.emplace_back(address, std::move(c));
      }
    }
    for (auto& [address, c] : next) {
      if (c != nullptr) continue;
      ClientOptions o = options_.node;
      const size_t colon = address.rfind(':');
      o.host = address.substr(0, colon);
      absl::SimpleAtoi(address.substr(colon + 1), &o.port);
      o.unix_socket.clear();
      o.readonly = false;
      c = std::make_shared<Client>(o);
    }
    std::lock_guard<std::mutex> lock(mu_);
    replicas_ = std::move(next);
    return;
  }
  // No sentinel answered: keep the list (a replica that fails sends its reads to the primary).
}

}  // namespace embedis
