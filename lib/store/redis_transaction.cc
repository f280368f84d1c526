#include "lib/store/redis_transaction.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "lib/util/strings.h"

namespace embedis::store_internal {
namespace {

using resp::Type;
using resp::Value;

constexpr std::string_view kCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot";
constexpr std::string_view kExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(absl::ascii_tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsQueued(const Value& v) { return v.type() == Type::kSimpleString && v.str() == "QUEUED"; }

// The first word of a cluster error reply that a replay can cure ("MOVED", "ASK", "TRYAGAIN",
// "CLUSTERDOWN"), or "".
std::string_view RedirectWord(const Value& v) {
  if (!v.is_error()) return "";
  const std::string_view text = v.str();
  for (std::string_view word : {"MOVED ", "ASK ", "TRYAGAIN", "CLUSTERDOWN"}) {
    if (text.substr(0, word.size()) == word) return word;
  }
  return "";
}

// "MOVED 3999 127.0.0.1:6381" -> "127.0.0.1:6381".
std::string RedirectTarget(const Value& v) {
  const std::string_view text = v.str();
  const size_t space = text.rfind(' ');
  return space == std::string_view::npos ? "" : std::string(text.substr(space + 1));
}

}  // namespace

struct Transactions::Pin {
  std::shared_ptr<Client> client;      // keeps the pool alive while the lease is out
  std::optional<Client::Lease> lease;  // the pinned connection (destroyed before `client`)
  bool in_multi = false;               // MULTI accepted
  bool watched = false;                // WATCH sent: a redirection is not replayed
  bool done = false;                   // the transaction is over: unpin
  // Cluster only.
  int slot = -1;        // the slot of the transaction's keys; -1: none yet
  std::string address;  // the node pinned to ("host:port"); empty: the slot's primary
  bool asking = false;  // the node is an ASK target: ASKING before MULTI
  bool dirty = false;   // a command was refused while queuing: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> queued;  // accepted since MULTI, for a replay
};

Transactions::Transactions(std::shared_ptr<Client> client, std::shared_ptr<ClusterClient> cluster,
                           std::shared_ptr<SentinelClient> sentinel)
    : client_(std::move(client)), cluster_(std::move(cluster)), sentinel_(std::move(sentinel)) {}

Transactions::~Transactions() = default;

std::optional<absl::StatusOr<Value>> Transactions::Handle(absl::Span<const std::string_view> argv) {
  if (argv.empty()) return std::nullopt;
  const std::thread::id me = std::this_thread::get_id();
  Pin* pin;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pins_.find(me);
    if (it == pins_.end()) {
      const std::string name = Lower(argv[0]);
      if (name != "multi" && name != "watch") return std::nullopt;
      it = pins_.emplace(me, std::make_unique<Pin>()).first;
    }
    pin = it->second.get();  // only this thread uses it
  }
  std::optional<absl::StatusOr<Value>> out;
  if (cluster_ != nullptr) {
    // Between WATCH and MULTI, a command on another slot runs as usual (nullopt).
    const bool watching_only = !pin->in_multi && pin->watched;
    const std::string name = Lower(argv[0]);
    if (watching_only && name != "multi" && name != "watch" && name != "unwatch" &&
        name != "exec" && name != "discard" && name != "reset") {
      const int slot = cluster_->SlotOf(argv);
      if (slot != -1 && slot != pin->slot) return std::nullopt;
    }
    out = RunOnCluster(*pin, argv);
  } else {
    out = RunPinned(*pin, argv);
  }
  if (pin->done) {
    std::lock_guard<std::mutex> lock(mu_);
    pins_.erase(me);
  }
  return out;
}

absl::StatusOr<Value> Transactions::RunPinned(Pin& pin, absl::Span<const std::string_view> argv) {
  if (!pin.lease) {
    pin.client = client_ != nullptr ? client_ : sentinel_->primary_client();
    absl::StatusOr<Client::Lease> lease = pin.client->Acquire();
    if (!lease.ok()) {
      pin.done = true;
      return lease.status();
    }
    pin.lease.emplace(std::move(*lease));
  }
  absl::StatusOr<Value> r = (*pin.lease)->Command(argv);
  if (!r.ok()) {
    pin.done = true;  // the connection is gone, and the transaction with it
    return r;
  }
  const std::string name = Lower(argv[0]);
  if (name == "multi" && !r->is_error()) pin.in_multi = true;
  if (name == "watch" && !r->is_error() && !pin.in_multi) pin.watched = true;
  // EXEC and DISCARD end it (and its watches); without MULTI they leave the watches be.
  if ((name == "exec" || name == "discard") && (pin.in_multi || !pin.watched)) pin.done = true;
  if ((name == "unwatch" && !pin.in_multi) || name == "reset") pin.done = true;
  return r;
}

absl::StatusOr<Value> Transactions::SendOnCluster(Pin& pin,
                                                  absl::Span<const std::string_view> argv) {
  const ClusterOptions& options = cluster_->options();
  const bool exec = Lower(argv[0]) == "exec";
  int redirects = 0, retries = 0;
  absl::Duration backoff = absl::Milliseconds(10);
  for (;;) {
    Value reply;
    if (!pin.lease) {
      if (pin.address.empty()) pin.address = cluster_->PrimaryAddress(std::max(pin.slot, 0));
      if (!pin.address.empty()) pin.client = cluster_->PrimaryClient(pin.address);
      absl::StatusOr<Client::Lease> lease =
          pin.client != nullptr
              ? pin.client->Acquire()
              : absl::StatusOr<Client::Lease>(absl::UnavailableError("no node serves the slot"));
      if (!lease.ok()) {  // nothing sent: another try after a map refresh
        if (++retries > options.max_retries) return lease.status();
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, absl::Milliseconds(500));
        cluster_->Refresh().IgnoreError();
        pin.address.clear();
        pin.client.reset();
        pin.asking = false;
        continue;
      }
      pin.lease.emplace(std::move(*lease));
      // A new connection: [ASKING] MULTI, the commands queued so far, then this one.
      Pipeline p;
      if (pin.asking) p.Add({"ASKING"});
      if (pin.in_multi) {
        p.Add({"MULTI"});
        for (const std::vector<std::string>& q : pin.queued) {
          std::vector<std::string_view> views(q.begin(), q.end());
          p.Add(views);
        }
      }
      p.Add(argv);
      std::vector<Value> replies;
      if (absl::Status s = (*pin.lease)->Exec(p, &replies); !s.ok()) return s;
      reply = replies.back();
      for (size_t i = 0; i + 1 < replies.size(); ++i) {
        if (!RedirectWord(replies[i]).empty()) {
          reply = replies[i];  // a replayed command met the redirection first
          break;
        }
        // A held keyless command the node refused (answered QUEUED here): EXEC must abort.
        if (replies[i].is_error()) pin.dirty = true;
      }
    } else {
      absl::StatusOr<Value> r = (*pin.lease)->Command(argv);
      if (!r.ok()) return r;
      reply = *std::move(r);
    }
    const std::string_view word = RedirectWord(reply);
    if (word.empty() || pin.watched) return reply;
    if (word == "MOVED " || word == "ASK ") {
      if (++redirects > options.max_redirects) return reply;
    } else {
      if (++retries > options.max_retries) return reply;
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Milliseconds(500));
    }
    // Nothing ran (a redirected EXEC discards the transaction; a redirected queued command flags
    // it): leave this node clean, and replay elsewhere.
    if (!exec && pin.in_multi) (*pin.lease)->Command({"DISCARD"}).IgnoreError();
    pin.lease.reset();
    pin.client.reset();
    if (word == "MOVED ") {
      cluster_->Refresh().IgnoreError();
      pin.address = RedirectTarget(reply);
      pin.asking = false;
    } else if (word == "ASK ") {
      pin.address = RedirectTarget(reply);
      pin.asking = true;
    }
  }
}

absl::StatusOr<Value> Transactions::RunOnCluster(Pin& pin,
                                                 absl::Span<const std::string_view> argv) {
  const std::string name = Lower(argv[0]);
  auto finish = [&](absl::StatusOr<Value> r) {
    if (!r.ok()) pin.done = true;
    return r;
  };
  if (name == "multi") {
    if (pin.in_multi) return Value::Error("ERR MULTI calls can not be nested");
    if (!pin.lease) {  // the node is chosen by the first key
      pin.in_multi = true;
      return Value::SimpleString("OK");
    }
    absl::StatusOr<Value> r = finish((*pin.lease)->Command(argv));
    if (r.ok() && !r->is_error()) pin.in_multi = true;
    return r;
  }
  if (name == "exec" || name == "discard") {
    if (!pin.in_multi) {
      if (!pin.watched) pin.done = true;
      return Value::Error(
          absl::StrCat("ERR ", name == "exec" ? "EXEC" : "DISCARD", " without MULTI"));
    }
    pin.done = true;
    if (name == "discard") {
      if (!pin.lease) return Value::SimpleString("OK");
      return (*pin.lease)->Command(argv);
    }
    if (pin.dirty) {
      if (pin.lease) (*pin.lease)->Command({"DISCARD"}).IgnoreError();
      return Value::Error(std::string(kExecAbort));
    }
    return SendOnCluster(pin, argv);
  }
  if (name == "reset") {
    pin.done = true;
    if (!pin.lease) return Value::SimpleString("RESET");
    return (*pin.lease)->Command(argv);
  }
  if (name == "unwatch" && !pin.in_multi) {
    pin.done = true;
    if (!pin.lease) return Value::SimpleString("OK");
    return (*pin.lease)->Command(argv);
  }
  const int slot = cluster_->SlotOf(argv);
  if (slot == -2 || (slot >= 0 && pin.slot >= 0 && slot != pin.slot)) {
    if (pin.in_multi) pin.dirty = true;  // as a node flags the transaction
    return Value::Error(std::string(kCrossSlot));
  }
  if (slot >= 0 && pin.slot < 0) pin.slot = slot;
  if (!pin.in_multi) {  // WATCH, or a command between WATCH and MULTI on the watched slot
    if (name == "watch" && pin.slot < 0) {
      pin.done = !pin.watched;
      return Value::Error("ERR wrong number of arguments for 'watch' command");
    }
    absl::StatusOr<Value> r = finish(SendOnCluster(pin, argv));
    if (r.ok() && name == "watch" && !r->is_error()) pin.watched = true;
    if (!pin.watched) pin.done = true;  // a first WATCH that failed pins nothing
    return r;
  }
  if (!pin.lease && pin.slot < 0) {  // keyless so far: held until the node is known
    pin.queued.emplace_back(argv.begin(), argv.end());
    return Value::SimpleString("QUEUED");
  }
  absl::StatusOr<Value> r = finish(SendOnCluster(pin, argv));
  if (!r.ok()) return r;
  if (IsQueued(*r)) {
    pin.queued.emplace_back(argv.begin(), argv.end());
  } else if (r->is_error()) {
    pin.dirty = true;  // the node flagged the transaction; a replay elsewhere must not forget it
  }
  return r;
}

}  // namespace embedis::store_internal
