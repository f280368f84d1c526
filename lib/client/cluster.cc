#include "lib/client/cluster.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "lib/util/strings.h"

namespace embedis {

namespace {

using resp::Type;
using resp::Value;

constexpr std::string_view kCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot";
constexpr int kCursorShift = 56;
constexpr uint64_t kNodeCursorMask = (uint64_t{1} << kCursorShift) - 1;

const std::array<uint16_t, 256>& Crc16Table() {
  static const std::array<uint16_t, 256> table = [] {
    std::array<uint16_t, 256> t{};
    for (int i = 0; i < 256; ++i) {
      uint16_t crc = static_cast<uint16_t>(i << 8);
      for (int b = 0; b < 8; ++b) {
        crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                  : static_cast<uint16_t>(crc << 1);
      }
      t[i] = crc;
    }
    return t;
  }();
  return table;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  absl::AsciiStrToLower(&out);
  return out;
}

bool IsText(const Value& v) {
  return v.type() == Type::kBulkString || v.type() == Type::kSimpleString ||
         v.type() == Type::kVerbatim;
}

// "host:port" -> (host, port); false if malformed.
bool SplitAddress(std::string_view address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = std::string(address.substr(0, colon));
  return absl::SimpleAtoi(ToAbsl(address.substr(colon + 1)), port) && *port > 0 && *port < 65536;
}

std::string JoinAddress(std::string_view host, int port) {
  return absl::StrCat(ToAbsl(host), ":", port);
}

// The value of `name` in a RESP3 map or a RESP2 flat array of name/value pairs.
const Value* Field(const Value& v, std::string_view name) {
  if (v.type() != Type::kMap && v.type() != Type::kArray) return nullptr;
  const std::vector<Value>& e = v.elements();
  for (size_t i = 0; i + 1 < e.size(); i += 2) {
    if (IsText(e[i]) && e[i].str() == name) return &e[i + 1];
  }
  return nullptr;
}

std::string FieldText(const Value& v, std::string_view name) {
  const Value* f = Field(v, name);
  return f != nullptr && IsText(*f) ? f->str() : std::string();
}

int64_t FieldInt(const Value& v, std::string_view name) {
  const Value* f = Field(v, name);
  if (f == nullptr) return 0;
  if (f->type() == Type::kInteger) return f->integer();
  int64_t n = 0;
  if (IsText(*f) && absl::SimpleAtoi(ToAbsl(f->str()), &n)) return n;
  return 0;
}

// A redirection or retryable error reply: its first word.
std::string_view ErrorWord(const Value& v) {
  if (!v.is_error()) return {};
  std::string_view s = v.str();
  return s.substr(0, s.find(' '));
}

bool IsRetryable(std::string_view word) {
  return word == "TRYAGAIN" || word == "CLUSTERDOWN" || word == "READONLY";
}

// Decodes a pipeline's bytes (RESP arrays of bulk strings, as Pipeline::Add writes them).
bool DecodeCommands(std::string_view bytes, std::vector<std::vector<std::string_view>>* out) {
  size_t pos = 0;
  auto read_len = [&](char type, int64_t* n) {
    if (pos >= bytes.size() || bytes[pos] != type) return false;
    size_t eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos) return false;
    auto r = std::from_chars(bytes.data() + pos + 1, bytes.data() + eol, *n);
    pos = eol + 2;
    return r.ec == std::errc() && *n >= 0;
  };
  while (pos < bytes.size()) {
    int64_t n;
    if (!read_len('*', &n)) return false;
    std::vector<std::string_view> argv;
    argv.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      int64_t len;
      if (!read_len('$', &len) || pos + static_cast<size_t>(len) + 2 > bytes.size()) return false;
      argv.push_back(bytes.substr(pos, static_cast<size_t>(len)));
      pos += static_cast<size_t>(len) + 2;
    }
    out->push_back(std::move(argv));
  }
  return true;
}

}  // namespace

uint16_t Crc16(std::string_view data) {
  const std::array<uint16_t, 256>& table = Crc16Table();
  uint16_t crc = 0;
  for (char c : data) {
    crc = static_cast<uint16_t>((crc << 8) ^ table[((crc >> 8) ^ static_cast<uint8_t>(c)) & 0xff]);
  }
  return crc;
}

int KeySlot(std::string_view key) {
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) & (kClusterSlots - 1);
}

// ---------------------------------------------------------------------------

ClusterClient::ClusterClient(const ClusterOptions& options) : options_(options) {}

ClusterClient::~ClusterClient() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  refresh_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

absl::StatusOr<std::unique_ptr<ClusterClient>> ClusterClient::Connect(
    const ClusterOptions& options) {
  if (options.seeds.empty()) return absl::InvalidArgumentError("no cluster seed nodes");
  if (options.node.db != 0) {
    return absl::InvalidArgumentError("a Redis Cluster has only database 0");
  }
  if (options.max_redirects < 0 || options.max_retries < 0 || options.wait_replicas < 0) {
    return absl::InvalidArgumentError("negative cluster limits");
  }
  std::unique_ptr<ClusterClient> c(new ClusterClient(options));
  c->known_ = options.seeds;
  absl::Status s = c->Refresh();
  if (!s.ok()) return s;
  s = c->LoadCommands();
  if (!s.ok()) return s;
  c->refresher_ = std::thread([p = c.get()] { p->RefreshLoop(); });
  return c;
}

std::shared_ptr<const ClusterClient::Topology> ClusterClient::topology() const {
  std::lock_guard<std::mutex> lock(mu_);
  return topology_;
}

std::shared_ptr<Client> ClusterClient::ClientFor(const std::string& address, bool readonly) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string key = readonly ? absl::StrCat("r:", address) : address;
  auto it = clients_.find(key);
  if (it != clients_.end()) return it->second;
  ClientOptions o = options_.node;
  o.unix_socket.clear();
  if (!SplitAddress(address, &o.host, &o.port)) {
    o.host = address;
    o.port = 6379;
  }
  o.readonly = readonly;
  auto client = std::make_shared<Client>(o);
  clients_.emplace(std::move(key), client);
  return client;
}

std::string ClusterClient::PrimaryAddress(int slot) const {
  std::shared_ptr<const Topology> t = topology();
  if (slot < 0 || slot >= kClusterSlots || t->slot_node[slot] < 0) return "";
  return t->primaries[t->slot_node[slot]].address;
}

ClientOptions ClusterClient::NodeOptions(int slot) const {
  ClientOptions o = options_.node;
  std::string address = PrimaryAddress(slot);
  if (address.empty() || !SplitAddress(address, &o.host, &o.port)) {
    o.host = options_.seeds.front().first;
    o.port = options_.seeds.front().second;
  }
  return o;
}

// ---- The slot map ----

absl::StatusOr<std::shared_ptr<const ClusterClient::Topology>> ClusterClient::LoadTopology() {
  std::vector<std::string> candidates;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (topology_ != nullptr) {
      for (const Node& n : topology_->primaries) candidates.push_back(n.address);
    }
    for (const auto& [host, port] : known_) candidates.push_back(JoinAddress(host, port));
  }
  absl::Status last = absl::UnavailableError("no cluster node known");
  std::vector<std::string> tried;
  for (const std::string& address : candidates) {
    if (std::find(tried.begin(), tried.end(), address) != tried.end()) continue;
    tried.push_back(address);
    std::string asked_host;
    int asked_port = 0;
    SplitAddress(address, &asked_host, &asked_port);
    std::shared_ptr<Client> client = ClientFor(address, false);
    absl::StatusOr<Value> shards = client->Command({"CLUSTER", "SHARDS"});
    if (!shards.ok()) {
      last = shards.status();
      continue;
    }
    auto topo = std::make_shared<Topology>();
    topo->slot_node.fill(-1);
    // (primary address, replicas, slot ranges)
    struct Shard {
      std::string primary;
      std::vector<std::string> replicas;
      std::vector<std::pair<int64_t, int64_t>> ranges;
    };
    std::vector<Shard> parsed;
    auto host_of = [&](std::string h) { return h.empty() || h == "?" ? asked_host : h; };
    if (!shards->is_error() && shards->type() == Type::kArray) {
      for (const Value& shard : shards->elements()) {
        Shard s;
        const Value* slots = Field(shard, "slots");
        const Value* nodes = Field(shard, "nodes");
        if (slots == nullptr || nodes == nullptr) continue;
        for (size_t i = 0; i + 1 < slots->elements().size(); i += 2) {
          const Value& lo = slots->elements()[i];
          const Value& hi = slots->elements()[i + 1];
          if (lo.type() != Type::kInteger || hi.type() != Type::kInteger) continue;
          s.ranges.emplace_back(lo.integer(), hi.integer());
        }
        for (const Value& node : nodes->elements()) {
          std::string host = FieldText(node, "endpoint");
          if (host.empty() || host == "?") host = FieldText(node, "ip");
          int64_t port = options_.node.tls.enabled && Field(node, "tls-port") != nullptr
                             ? FieldInt(node, "tls-port")
                             : FieldInt(node, "port");
          if (port <= 0) continue;
          std::string a = JoinAddress(host_of(host), static_cast<int>(port));
          if (FieldText(node, "role") == "master") {
            s.primary = a;
          } else if (FieldText(node, "health") != "failed") {
            // (Not only "online": Redis 7.0 reports "loading" for a synced replica whose
            // replication offset it has not heard of by gossip yet.)
            s.replicas.push_back(a);
          }
        }
        if (!s.primary.empty() && !s.ranges.empty()) parsed.push_back(std::move(s));
      }
    } else {
      // CLUSTER SLOTS: [[start, end, [host, port, id...], [replica...]...]...]
      absl::StatusOr<Value> slots = client->Command({"CLUSTER", "SLOTS"});
      if (!slots.ok()) {
        last = slots.status();
        continue;
      }
      if (slots->is_error() || slots->type() != Type::kArray) {
        last = absl::UnavailableError(absl::StrCat(
            address, " gave no slot map: ", slots->is_error() ? slots->str() : "bad reply"));
        continue;
      }
      for (const Value& range : slots->elements()) {
        const std::vector<Value>& e = range.elements();
        if (e.size() < 3 || e[0].type() != Type::kInteger || e[1].type() != Type::kInteger) {
          continue;
        }
        Shard s;
        s.ranges.emplace_back(e[0].integer(), e[1].integer());
        for (size_t i = 2; i < e.size(); ++i) {
          const std::vector<Value>& n = e[i].elements();
          if (n.size() < 2 || !IsText(n[0]) || n[1].type() != Type::kInteger) continue;
          std::string a = JoinAddress(host_of(n[0].str()), static_cast<int>(n[1].integer()));
          if (i == 2) {
            s.primary = a;
          } else {
            s.replicas.push_back(a);
          }
        }
        if (!s.primary.empty()) parsed.push_back(std::move(s));
      }
    }
    for (const Shard& s : parsed) {
      auto it = std::find_if(topo->primaries.begin(), topo->primaries.end(),
                             [&](const Node& n) { return n.address == s.primary; });
      if (it == topo->primaries.end()) {
        Node n;
        n.address = s.primary;
        SplitAddress(s.primary, &n.host, &n.port);
        topo->primaries.push_back(std::move(n));
        it = topo->primaries.end() - 1;
      }
      for (const std::string& r : s.replicas) {
        if (std::find(it->replicas.begin(), it->replicas.end(), r) == it->replicas.end()) {
          it->replicas.push_back(r);
        }
      }
    }
    std::sort(topo->primaries.begin(), topo->primaries.end(),
              [](const Node& a, const Node& b) { return a.address < b.address; });
    int covered = 0;
    for (const Shard& s : parsed) {
      int16_t index = 0;
      while (topo->primaries[index].address != s.primary) ++index;
      for (auto [lo, hi] : s.ranges) {
        for (int64_t slot = std::max<int64_t>(lo, 0); slot <= hi && slot < kClusterSlots; ++slot) {
          if (topo->slot_node[slot] < 0) ++covered;
          topo->slot_node[slot] = index;
        }
      }
    }
    if (covered == 0) {
      last = absl::UnavailableError(absl::StrCat(address, " serves no slots yet"));
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const Node& n : topo->primaries) {
        std::pair<std::string, int> hp(n.host, n.port);
        if (std::find(known_.begin(), known_.end(), hp) == known_.end()) known_.push_back(hp);
      }
    }
    return std::shared_ptr<const Topology>(std::move(topo));
  }
  return absl::UnavailableError(
      absl::StrCat("no Redis Cluster node gave a slot map: ", last.message()));
}

absl::Status ClusterClient::Refresh() {
  std::lock_guard<std::mutex> refresh_lock(refresh_mu_);
  absl::StatusOr<std::shared_ptr<const Topology>> t = LoadTopology();
  if (!t.ok()) return t.status();
  ++refreshes_;
  std::lock_guard<std::mutex> lock(mu_);
  topology_ = *std::move(t);
  return absl::OkStatus();
}

void ClusterClient::RequestRefresh() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    refresh_wanted_ = true;
  }
  refresh_cv_.notify_all();
}

void ClusterClient::RefreshLoop() {
  const bool periodic = options_.refresh_interval > absl::ZeroDuration();
  const auto interval = periodic ? absl::ToChronoMilliseconds(options_.refresh_interval)
                                 : std::chrono::milliseconds(0);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto wake = [&] { return stop_ || refresh_wanted_; };
    if (periodic) {
      refresh_cv_.wait_for(lock, interval, wake);
    } else {
      refresh_cv_.wait(lock, wake);
    }
    if (stop_) break;
    refresh_wanted_ = false;
    lock.unlock();
    Refresh().IgnoreError();  // the next command's own retries report a lasting failure
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // at most ~50 refreshes a second
    lock.lock();
  }
}

// ---- Commands and keys ----

absl::Status ClusterClient::LoadCommands() {
  absl::StatusOr<Value> reply = CommandOnSlot(0, std::vector<std::string_view>{"COMMAND"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() || reply->type() != Type::kArray) {
    return absl::OkStatus();  // unknown to this server (or refused): keys default to argv[1]
  }
  auto add = [&](const Value& e, auto& self) -> void {
    const std::vector<Value>& f = e.elements();
    if (f.size() < 6 || !IsText(f[0]) || f[1].type() != Type::kInteger) return;
    CommandKeys k;
    k.arity = static_cast<int>(f[1].integer());
    for (const Value& flag : f[2].elements()) {
      if (!IsText(flag)) continue;
      if (flag.str() == "movablekeys") k.movable = true;
      if (flag.str() == "write") k.write = true;
      if (flag.str() == "readonly") k.readonly = true;
    }
    k.first = static_cast<int>(f[3].integer());
    k.last = static_cast<int>(f[4].integer());
    k.step = static_cast<int>(f[5].integer());
    if (f.size() > 9 && f[9].type() == Type::kArray && !f[9].elements().empty()) {
      k.has_subcommands = true;
      for (const Value& sub : f[9].elements()) self(sub, self);
    }
    commands_[Lower(f[0].str())] = k;
  };
  for (const Value& e : reply->elements()) add(e, add);
  have_commands_ = true;
  return absl::OkStatus();
}

const ClusterClient::CommandKeys* ClusterClient::FindCommand(
    absl::Span<const std::string_view> argv) const {
  const std::string name = Lower(argv[0]);
  auto it = commands_.find(name);
  if (it == commands_.end()) return nullptr;
  if (it->second.has_subcommands && argv.size() > 1) {
    auto sub = commands_.find(absl::StrCat(name, "|", Lower(argv[1])));
    if (sub != commands_.end()) return &sub->second;
  }
  return &it->second;
}

absl::Status ClusterClient::KeysOf(absl::Span<const std::string_view> argv,
                                   std::vector<size_t>* keys) {
  return KeysOf(argv, have_commands_ ? FindCommand(argv) : nullptr, keys);
}

absl::Status ClusterClient::KeysOf(absl::Span<const std::string_view> argv, const CommandKeys* k,
                                   std::vector<size_t>* keys) {
  keys->clear();
  const int argc = static_cast<int>(argv.size());
  if (!have_commands_) {
    if (argc > 1) keys->push_back(1);
    return absl::OkStatus();
  }
  if (k == nullptr) return absl::OkStatus();  // unknown: any node says so
  if ((k->arity > 0 && argc != k->arity) || (k->arity < 0 && argc < -k->arity)) {
    return absl::OkStatus();  // any node gives the arity error
  }
  if (k->movable) {
    const std::string name = Lower(argv[0]);
    if (name == "eval" || name == "evalsha" || name == "eval_ro" || name == "evalsha_ro" ||
        name == "fcall" || name == "fcall_ro") {
      int64_t n = 0;
      if (argc < 3 || !absl::SimpleAtoi(ToAbsl(argv[2]), &n) || n < 0 || n > argc - 3) {
        return absl::OkStatus();  // the server rejects numkeys
      }
      for (int64_t i = 0; i < n; ++i) keys->push_back(static_cast<size_t>(3 + i));
      return absl::OkStatus();
    }
    std::vector<std::string_view> getkeys = {"COMMAND", "GETKEYS"};
    getkeys.insert(getkeys.end(), argv.begin(), argv.end());
    absl::StatusOr<Value> r = CommandOnSlot(0, getkeys);
    if (!r.ok()) return r.status();
    if (r->is_error() || r->type() != Type::kArray) return absl::OkStatus();
    // Map each returned key back to its position (the first unused equal argument).
    std::vector<bool> used(argv.size(), false);
    for (const Value& key : r->elements()) {
      if (!IsText(key)) continue;
      for (size_t i = 1; i < argv.size(); ++i) {
        if (!used[i] && argv[i] == key.str()) {
          used[i] = true;
          keys->push_back(i);
          break;
        }
      }
    }
    std::sort(keys->begin(), keys->end());
    return absl::OkStatus();
  }
  if (k->first <= 0 || k->step <= 0) return absl::OkStatus();
  int last = k->last < 0 ? argc + k->last : k->last;
  last = std::min(last, argc - 1);
  for (int i = k->first; i <= last; i += k->step) keys->push_back(static_cast<size_t>(i));
  return absl::OkStatus();
}

int ClusterClient::SlotOf(absl::Span<const std::string_view> argv) {
  std::vector<size_t> keys;
  if (argv.empty() || !KeysOf(argv, &keys).ok() || keys.empty()) return -1;
  int slot = KeySlot(argv[keys[0]]);
  for (size_t i : keys) {
    if (KeySlot(argv[i]) != slot) return -2;
  }
  return slot;
}

// ---- Running ----

absl::StatusOr<Value> ClusterClient::CommandOnSlot(int slot,
                                                   absl::Span<const std::string_view> argv) {
  return Run(slot, argv, /*write=*/false, /*readonly=*/false);
}

absl::StatusOr<Value> ClusterClient::RunOnce(const std::string& address, bool replica, bool asking,
                                             absl::Span<const std::string_view> argv, bool write) {
  std::shared_ptr<Client> client = ClientFor(address, replica);
  absl::StatusOr<Client::Lease> lease = client->Acquire();
  if (!lease.ok()) {
    // Nothing was sent: the caller may retry elsewhere.
    return absl::Status(lease.status().code(),
                        absl::StrCat("[not sent] ", lease.status().message()));
  }
  const bool wait = write && options_.wait_replicas > 0;
  if (!asking && !wait) return (*lease)->Command(argv);
  Pipeline p;
  if (asking) p.Add({"ASKING"});
  p.Add(argv);
  std::string n, ms;
  if (wait) {
    n = std::to_string(options_.wait_replicas);
    ms = std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.wait_timeout)));
    p.Add({"WAIT", n, ms});
  }
  std::vector<Value> replies;
  absl::Status s = (*lease)->Exec(p, &replies);
  if (!s.ok()) return s;
  Value v = std::move(replies[asking ? 1 : 0]);
  if (wait && !v.is_error()) {
    const Value& acked = replies.back();
    if (acked.type() != Type::kInteger) {
      return absl::UnavailableError(absl::StrCat("WAIT failed on ", address, ": ",
                                                 acked.is_error() ? acked.str() : "bad reply"));
    }
    if (acked.integer() < options_.wait_replicas) {
      return absl::UnavailableError(absl::StrCat("write on ", address, " acknowledged by ",
                                                 acked.integer(), " of ", options_.wait_replicas,
                                                 " replicas within ", ms, " ms"));
    }
  }
  return v;
}

absl::StatusOr<Value> ClusterClient::Run(int slot, absl::Span<const std::string_view> argv,
                                         bool write, bool readonly) {
  if (slot < 0) slot = 0;       // keyless: the owner of slot 0
  bool replica_failed = false;  // a replica could not be reached: the primary serves the retries
  auto pick = [&](bool* replica) -> std::string {
    std::shared_ptr<const Topology> t = topology();
    *replica = false;
    int16_t index = t->slot_node[slot];
    if (index < 0) return "";
    const Node& n = t->primaries[index];
    if (readonly && options_.read_from_replica && !replica_failed && !n.replicas.empty()) {
      *replica = true;
      static std::atomic<uint32_t> next{0};
      return n.replicas[next.fetch_add(1, std::memory_order_relaxed) % n.replicas.size()];
    }
    return n.address;
  };
  bool replica = false;
  std::string address = pick(&replica);
  bool asking = false;
  int redirects = 0;
  int retries = 0;
  absl::Duration backoff = absl::Milliseconds(10);
  std::string last_error;
  for (;;) {
    auto retry = [&](bool refresh) {
      if (retries >= options_.max_retries) return false;
      ++retries;
      ++retries_;
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Milliseconds(500));
      if (refresh) Refresh().IgnoreError();
      asking = false;
      address = pick(&replica);
      return true;
    };
    if (address.empty()) {  // the slot is not served by anyone we know of
      last_error = absl::StrCat("slot ", slot, " is not served by any node");
      if (retry(true)) continue;
      return absl::UnavailableError(absl::StrCat("Redis Cluster: ", last_error));
    }
    absl::StatusOr<Value> r = RunOnce(address, replica, asking, argv, write);
    if (!r.ok()) {
      if (absl::StartsWith(r.status().message(), "[not sent] ")) {
        replica_failed |= replica;
        last_error = std::string(r.status().message().substr(11));
        if (retry(true)) continue;
        return absl::UnavailableError(
            absl::StrCat("Redis Cluster: ", last_error, " (after ", retries, " retries)"));
      }
      RequestRefresh();  // the node may have gone away
      return r.status();
    }
    std::string_view word = ErrorWord(*r);
    if (word == "MOVED" || word == "ASK") {
      last_error = r->str();
      if (redirects >= options_.max_redirects) {
        return absl::UnavailableError(absl::StrCat("Redis Cluster: too many redirections (",
                                                   redirects, "), last: ", last_error));
      }
      ++redirects;
      // "MOVED <slot> <host>:<port>"; an empty host is the node we asked.
      std::string_view target = r->str();
      target = target.substr(target.rfind(' ') + 1);
      std::string host;
      int port = 0;
      std::string asked_host;
      int asked_port = 0;
      SplitAddress(address, &asked_host, &asked_port);
      if (!SplitAddress(target, &host, &port)) {
        return absl::InternalError(absl::StrCat("bad redirection from ", address, ": ", r->str()));
      }
      address = JoinAddress(host.empty() ? asked_host : host, port);
      replica = false;
      if (word == "MOVED") {
        ++moved_;
        asking = false;
        RequestRefresh();
      } else {
        ++ask_;
        asking = true;
      }
      continue;
    }
    if (IsRetryable(word)) {
      last_error = r->str();
      if (retry(word != "TRYAGAIN")) continue;
      return *std::move(r);  // Redis's own error, after the retries
    }
    return r;
  }
}

absl::StatusOr<Value> ClusterClient::SplitKeys(absl::Span<const std::string_view> argv,
                                               const std::vector<size_t>& keys, bool mget) {
  // One sub-command per slot, in order of first appearance.
  std::vector<std::pair<int, std::vector<size_t>>> groups;
  for (size_t k : keys) {
    int slot = KeySlot(argv[k]);
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == slot; });
    if (it == groups.end()) {
      groups.emplace_back(slot, std::vector<size_t>{});
      it = groups.end() - 1;
    }
    it->second.push_back(k);
  }
  Pipeline p;
  std::vector<std::string_view> sub;
  for (const auto& [slot, positions] : groups) {
    sub.assign({argv[0]});
    for (size_t k : positions) sub.push_back(argv[k]);
    p.Add(sub);
  }
  std::vector<Value> replies;
  absl::Status s = Exec(p, &replies);
  if (!s.ok()) return s;
  if (mget) {
    std::vector<Value> out(argv.size() - 1);
    for (size_t g = 0; g < groups.size(); ++g) {
      Value& r = replies[g];
      if (r.is_error()) return std::move(r);
      if (r.type() != Type::kArray || r.elements().size() != groups[g].second.size()) {
        return absl::InternalError("unexpected reply to a split MGET");
      }
      for (size_t i = 0; i < groups[g].second.size(); ++i) {
        out[groups[g].second[i] - 1] = std::move(r.mutable_elements()[i]);
      }
    }
    return Value::Array(std::move(out));
  }
  int64_t total = 0;
  for (Value& r : replies) {
    if (r.is_error()) return std::move(r);
    if (r.type() != Type::kInteger) return absl::InternalError("unexpected reply to a split count");
    total += r.integer();
  }
  return Value::Integer(total);
}

absl::StatusOr<Value> ClusterClient::Scan(absl::Span<const std::string_view> argv) {
  uint64_t cursor = 0;
  if (argv.size() < 2 || !absl::SimpleAtoi(ToAbsl(argv[1]), &cursor)) {
    return CommandOnSlot(0, argv);  // Redis's own error
  }
  std::shared_ptr<const Topology> t = topology();
  const size_t index = static_cast<size_t>(cursor >> kCursorShift);
  if (index >= t->primaries.size()) {
    return Value::Array({Value::BulkString("0"), Value::Array({})});
  }
  std::vector<std::string_view> sub(argv.begin(), argv.end());
  const std::string node_cursor = std::to_string(cursor & kNodeCursorMask);
  sub[1] = node_cursor;
  absl::StatusOr<Value> r = RunOnce(t->primaries[index].address, false, false, sub, false);
  if (!r.ok()) return r.status();
  if (r->is_error()) return r;
  if (r->type() != Type::kArray || r->elements().size() != 2 || !IsText(r->elements()[0])) {
    return absl::InternalError("unexpected reply to SCAN");
  }
  uint64_t next = 0;
  if (!absl::SimpleAtoi(ToAbsl(r->elements()[0].str()), &next) || next > kNodeCursorMask) {
    return absl::InternalError(
        absl::StrCat("SCAN cursor from ", t->primaries[index].address, " too large to encode"));
  }
  uint64_t out = 0;
  if (next != 0) {
    out = (static_cast<uint64_t>(index) << kCursorShift) | next;
  } else if (index + 1 < t->primaries.size()) {
    out = static_cast<uint64_t>(index + 1) << kCursorShift;
  }
  r->mutable_elements()[0] = Value::BulkString(std::to_string(out));
  return r;
}

absl::StatusOr<Value> ClusterClient::AllPrimaries(absl::Span<const std::string_view> argv) {
  const std::string name = Lower(argv[0]);
  std::shared_ptr<const Topology> t = topology();
  std::optional<Value> first;
  int64_t sum = 0;
  std::vector<Value> all;
  for (const Node& n : t->primaries) {
    absl::StatusOr<Value> r = RunOnce(n.address, false, false, argv, false);
    if (!r.ok()) return r.status();
    if (r->is_error()) return r;
    if (name == "dbsize") {
      if (r->type() != Type::kInteger) return absl::InternalError("unexpected reply to DBSIZE");
      sum += r->integer();
    } else if (name == "keys") {
      for (Value& e : r->mutable_elements()) all.push_back(std::move(e));
    }
    if (!first.has_value()) first = *std::move(r);
  }
  if (name == "dbsize") return Value::Integer(sum);
  if (name == "keys") return Value::Array(std::move(all));
  if (!first.has_value()) return absl::UnavailableError("Redis Cluster: no primaries");
  return *std::move(first);
}

absl::StatusOr<Value> ClusterClient::Command(absl::Span<const std::string_view> argv) {
  if (argv.empty()) return absl::InvalidArgumentError("empty command");
  const std::string name = Lower(argv[0]);
  if (name == "scan") return Scan(argv);
  if (name == "dbsize" || name == "flushdb" || name == "flushall" || name == "keys" ||
      (name == "script" && argv.size() > 1 &&
       (Lower(argv[1]) == "load" || Lower(argv[1]) == "flush"))) {
    return AllPrimaries(argv);
  }
  const CommandKeys* k = have_commands_ ? FindCommand(argv) : nullptr;
  std::vector<size_t> keys;
  absl::Status s = KeysOf(argv, k, &keys);
  if (!s.ok()) return s;
  int slot = -1;
  for (size_t k : keys) {
    int ks = KeySlot(argv[k]);
    if (slot == -1) {
      slot = ks;
    } else if (ks != slot) {
      slot = -2;
      break;
    }
  }
  if (slot == -2) {
    if (name == "mget") return SplitKeys(argv, keys, /*mget=*/true);
    if (name == "del" || name == "exists" || name == "unlink" || name == "touch") {
      return SplitKeys(argv, keys, /*mget=*/false);
    }
    return Value::Error(std::string(kCrossSlot));
  }
  return Run(slot, argv, k != nullptr && k->write, k != nullptr && k->readonly);
}

absl::Status ClusterClient::Exec(const Pipeline& pipeline, std::vector<Value>* replies) {
  std::vector<std::vector<std::string_view>> commands;
  if (!DecodeCommands(pipeline.bytes(), &commands)) {
    return absl::InternalError("undecodable pipeline");
  }
  const size_t base = replies->size();
  replies->resize(base + commands.size());
  std::shared_ptr<const Topology> t = topology();
  // Per node: the indices of its commands. Commands that need more than one node run alone.
  struct Part {
    std::string address;
    std::vector<size_t> indices;
  };
  std::vector<Part> parts;
  std::vector<size_t> alone;
  std::vector<size_t> keys;
  for (size_t i = 0; i < commands.size(); ++i) {
    const std::vector<std::string_view>& argv = commands[i];
    if (argv.empty()) return absl::InternalError("empty command in a pipeline");
    const std::string name = Lower(argv[0]);
    const CommandKeys* k = have_commands_ ? FindCommand(argv) : nullptr;
    if (name == "scan" || name == "dbsize" || name == "flushdb" || name == "flushall" ||
        name == "keys" || name == "script" ||
        (options_.wait_replicas > 0 && k != nullptr && k->write) || options_.read_from_replica) {
      alone.push_back(i);
      continue;
    }
    absl::Status s = KeysOf(argv, k, &keys);
    if (!s.ok()) return s;
    int slot = keys.empty() ? 0 : KeySlot(argv[keys[0]]);
    bool cross = false;
    for (size_t k : keys) cross |= KeySlot(argv[k]) != slot;
    int16_t index = t->slot_node[slot];
    if (cross || index < 0) {
      alone.push_back(i);
      continue;
    }
    const std::string& address = t->primaries[index].address;
    auto it = std::find_if(parts.begin(), parts.end(),
                           [&](const Part& p) { return p.address == address; });
    if (it == parts.end()) {
      parts.push_back(Part{address, {}});
      it = parts.end() - 1;
    }
    it->indices.push_back(i);
  }
  // Every node's part is sent before any reply is read, so the nodes work at once.
  std::vector<std::optional<Client::Lease>> leases(parts.size());
  std::vector<Pipeline> pipelines(parts.size());
  absl::Status failed;
  for (size_t n = 0; n < parts.size(); ++n) {
    absl::StatusOr<Client::Lease> lease = ClientFor(parts[n].address, false)->Acquire();
    if (!lease.ok()) {  // nothing sent: each command retries on its own
      alone.insert(alone.end(), parts[n].indices.begin(), parts[n].indices.end());
      continue;
    }
    for (size_t i : parts[n].indices) pipelines[n].Add(commands[i]);
    absl::Status s = (*lease)->SendPipeline(pipelines[n]);
    leases[n].emplace(*std::move(lease));
    if (!s.ok()) {
      failed = s;
      break;
    }
  }
  std::vector<Value> got;
  for (size_t n = 0; n < parts.size() && failed.ok(); ++n) {
    if (!leases[n].has_value()) continue;
    const Part& part = parts[n];
    got.clear();
    absl::Status s = (*leases[n])->ReceivePipeline(part.indices.size(), &got);
    if (!s.ok()) {
      failed = s;
      break;
    }
    for (size_t j = 0; j < part.indices.size(); ++j) {
      const size_t i = part.indices[j];
      std::string_view word = ErrorWord(got[j]);
      if (word == "MOVED" || word == "ASK" || IsRetryable(word)) {
        alone.push_back(i);  // redirected: run again alone
        continue;
      }
      (*replies)[base + i] = std::move(got[j]);
    }
  }
  if (!failed.ok()) {
    // Connections with unread replies are out of step: break them before they go back.
    for (auto& lease : leases) {
      if (lease.has_value() && (*lease)->ok()) (*lease)->Abandon();
    }
    RequestRefresh();
    return failed;
  }
  leases.clear();
  std::sort(alone.begin(), alone.end());
  for (size_t i : alone) {
    absl::StatusOr<Value> r = Command(commands[i]);
    if (!r.ok()) return r.status();
    (*replies)[base + i] = *std::move(r);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Value>> ClusterClient::Exec(const Pipeline& pipeline) {
  std::vector<Value> replies;
  absl::Status s = Exec(pipeline, &replies);
  if (!s.ok()) return s;
  return replies;
}

}  // namespace embedis
