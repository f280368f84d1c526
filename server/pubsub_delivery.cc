// Pub/Sub delivery to network clients: the Subscriber each connection gets (ClientState::
// subscriber), which turns a published message into RESP bytes for its socket.
//
// Publishing crosses I/O threads: the publisher runs on whatever thread made the change (an I/O
// loop running PUBLISH or a write with keyspace notifications on, the expiry thread, the
// embedding application), the subscriber's connection belongs to one loop. A message for a
// connection of the publishing thread's own loop is appended to its output directly (the loop
// thread owns it), so a RESP3 client that publishes to itself gets the push before the PUBLISH
// reply, as from redis-server. A message for a connection of another loop goes to the
// connection's mailbox under its mail_mu; the first message of an empty mailbox posts the
// connection to its loop's inbox and wakes the loop, which moves the mailbox into the output
// between two commands (never inside a reply) and writes it.
//
// A subscriber that does not read is bounded by `client-output-buffer-limit pubsub` (default
// 32mb 8mb 60), checked at every delivery against its unsent output plus its mailbox: past the
// hard limit, or past the soft one for longer than its seconds, the connection is marked dead
// (later messages are dropped at once) and its loop closes it, counted in INFO's
// client_output_buffer_limit_disconnections. The publisher never waits for a subscriber's
// socket: a delivery costs one small lock and, at most, one eventfd write.
#include <string>

#include "absl/strings/str_cat.h"
#include "lib/resp/writer.h"
#include "server/server_state.h"

namespace embedis::server_internal {
namespace {

constinit thread_local EventLoop* tl_loop = nullptr;

class ConnectionSubscriber : public Subscriber {
 public:
  explicit ConnectionSubscriber(const std::shared_ptr<Connection>& c) : conn_(c) {}

  void Deliver(const PubSubMessage& m) override {
    std::shared_ptr<Connection> c = conn_.lock();
    if (c == nullptr || c->pubsub_dead.load(std::memory_order_relaxed)) return;
    const bool resp3 = c->resp.load(std::memory_order_relaxed) == 3;
    std::string& bytes = m.encoded[resp3 ? 1 : 0];  // formatted once per delivery round
    if (bytes.empty()) {
      resp::Writer w(&bytes, resp3 ? resp::Protocol::kResp3 : resp::Protocol::kResp2);
      switch (m.kind) {
        case PubSubKind::kChannel:
          w.PushHeader(3);
          w.BulkString("message");
          break;
        case PubSubKind::kPattern:
          w.PushHeader(4);
          w.BulkString("pmessage");
          w.BulkString(m.pattern);
          break;
        case PubSubKind::kShardChannel:
          w.PushHeader(3);
          w.BulkString("smessage");
          break;
      }
      w.BulkString(m.channel);
      w.BulkString(m.payload);
    }
    DeliverBytes(c, bytes);
  }

  // Sends `bytes` (whole replies) to the connection, from any thread (MONITOR's lines too).
  void DeliverBytes(std::string_view bytes) {
    std::shared_ptr<Connection> c = conn_.lock();
    if (c == nullptr || c->pubsub_dead.load(std::memory_order_relaxed)) return;
    DeliverBytes(c, bytes);
  }

 private:
  void DeliverBytes(const std::shared_ptr<Connection>& c, std::string_view bytes) {
    EventLoop* loop = c->loop();
    if (tl_loop == loop) {
      // The loop's own thread: the output is ours to append to.
      if (c->closed) return;
      if (OverLimit(*c, c->pending_output() + bytes.size())) return Overflow(c);
      c->out.append(bytes);
      loop->QueueFlush(c);
      return;
    }
    bool post = false;
    {
      MutexLock l(&c->mail_mu);
      const size_t pending = c->omem.load(std::memory_order_relaxed) + c->mail.size();
      if (OverLimit(*c, pending + bytes.size())) {
        c->pubsub_dead.store(true, std::memory_order_relaxed);
        post = !c->mail_posted;
        c->mail_posted = true;
      } else {
        c->mail.append(bytes);
        post = !c->mail_posted;
        c->mail_posted = true;
      }
    }
    if (post) loop->PostMail(c);
  }

  // Whether `pending` bytes of output pass the pubsub class's limits (see the header comment).
  bool OverLimit(Connection& c, size_t pending) {
    RuntimeConfig& config = c.state()->config();
    const int64_t hard = config.pubsub_output_hard.load(std::memory_order_relaxed);
    const int64_t soft = config.pubsub_output_soft.load(std::memory_order_relaxed);
    const int64_t n = static_cast<int64_t>(pending);
    if (hard > 0 && n > hard) return true;
    if (soft <= 0 || n <= soft) {
      soft_since_ms_.store(0, std::memory_order_relaxed);
      return false;
    }
    const int64_t now = NowMs();
    int64_t since = soft_since_ms_.load(std::memory_order_relaxed);
    if (since == 0) {
      soft_since_ms_.compare_exchange_strong(since, now, std::memory_order_relaxed);
      return false;
    }
    return now - since > config.pubsub_output_soft_seconds.load(std::memory_order_relaxed) * 1000;
  }

  void Overflow(const std::shared_ptr<Connection>& c) {
    if (c->pubsub_dead.exchange(true, std::memory_order_relaxed)) return;
    bool post;
    {
      MutexLock l(&c->mail_mu);
      post = !c->mail_posted;
      c->mail_posted = true;
    }
    if (post) c->loop()->PostMail(c);
  }

  std::weak_ptr<Connection> conn_;
  std::atomic<int64_t> soft_since_ms_{0};
};

}  // namespace

void SetCurrentLoop(EventLoop* loop) { tl_loop = loop; }

void DeliverBytes(Subscriber* connection_subscriber, std::string bytes) {
  static_cast<ConnectionSubscriber*>(connection_subscriber)->DeliverBytes(bytes);
}

std::shared_ptr<Subscriber> NewConnectionSubscriber(const std::shared_ptr<Connection>& c) {
  return std::make_shared<ConnectionSubscriber>(c);
}

void EventLoop::PostMail(std::shared_ptr<Connection> c) {
  {
    MutexLock l(&inbox_mu_);
    inbox_mail_.push_back(std::move(c));
  }
  Wake();
}

void EventLoop::QueueFlush(const std::shared_ptr<Connection>& c) {
  if (!c->flush_pending) {
    c->flush_pending = true;
    to_flush_.push_back(c);
  }
}

void EventLoop::DeliverMail(const std::vector<std::shared_ptr<Connection>>& conns) {
  for (const std::shared_ptr<Connection>& c : conns) {
    {
      MutexLock l(&c->mail_mu);
      c->mail_posted = false;
      if (!c->closed) {
        if (c->pending_output() == 0) {
          c->out.clear();
          c->out_sent = 0;
          c->out.swap(c->mail);
        } else {
          c->out.append(c->mail);
        }
      }
      c->mail.clear();
    }
    if (c->closed) continue;
    if (c->pubsub_dead.load(std::memory_order_relaxed)) {
      CloseForOutputLimit(c);
      continue;
    }
    Flush(c);
  }
}

}  // namespace embedis::server_internal
