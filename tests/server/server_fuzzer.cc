// libFuzzer entry point for the server's request path: arbitrary bytes, as a client would send
// them, go through
//
//  A. the execution loop in-process: RequestParser -> CommandTable (the data commands) over a
//     Keyspace with a ManualClock, fed in pseudo-random chunks with the clock advancing between
//     commands; and
//  B. a real embedis Server (all its commands, I/O threads, small fairness and backpressure
//     budgets) over a loopback TCP connection: the bytes are written in chunks, the write side
//     is shut down, and everything the server answers is read until it closes the connection.
//
// Checks, besides "no crash, no sanitizer report, no hang":
//  - A: every executed command writes exactly one complete, well-formed reply; the database
//    index stays valid; afterwards, in every database, a full SCAN returns exactly DBSIZE
//    distinct keys, each of which exists;
//  - B: the answer is a sequence of well-formed RESP2/RESP3 replies with nothing left over; when
//    the input has no command that closes connections or changes the server (QUIT, SHUTDOWN,
//    CLIENT KILL, CONFIG SET), there is exactly one reply per command, plus one error if the
//    input ends in a protocol error; the server answers within 10 s.
//
// Inputs that would make the server legitimately allocate gigabytes (SETRANGE at a huge offset,
// HRANDFIELD with a huge count) are skipped: Redis allows them too, and they only measure memory.
//
// Build and run: tests/server/server_fuzz_run.sh [seconds]. The same entry point runs in the normal
// test suite through server_fuzz_test.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/keyspace.h"
#include "lib/resp/reply_parser.h"
#include "lib/resp/request_parser.h"
#include "lib/resp/value.h"
#include "lib/resp/writer.h"
#include "lib/util/clock.h"
#include "server/options.h"
#include "server/server.h"

namespace embedis {
namespace {

std::string_view current_input;
const char* current_phase = "";

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const std::string& detail = "") {
  std::fprintf(stderr, "%s:%d: check failed (%s): %s %s\ninput (%zu bytes): \"", file, line,
               current_phase, condition, detail.c_str(), current_input.size());
  for (unsigned char c : current_input.substr(0, 4096)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fprintf(stderr, "\"\n");
  std::abort();
}

#define FUZZ_CHECK(cond, ...)                                                      \
  do {                                                                             \
    if (!(cond)) CheckFailed(__FILE__, __LINE__, #cond, std::string(__VA_ARGS__)); \
  } while (0)

// splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t Uniform(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

std::vector<size_t> Chunks(size_t size, Rng& rng) {
  std::vector<size_t> chunks;
  const size_t mode = rng.Uniform(3);
  for (size_t done = 0; done < size;) {
    size_t n = mode == 0 ? size : mode == 1 ? 1 + rng.Uniform(8) : 1 + rng.Uniform(size);
    if (n > size - done) n = size - done;
    chunks.push_back(n);
    done += n;
  }
  return chunks;
}

bool Is(std::string_view a, std::string_view b) { return commands::EqualsIgnoreCase(a, b); }

std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  int64_t v = 0;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (v > (INT64_MAX - 9) / 10) return INT64_MAX;  // saturate: "huge" is all that matters
    v = v * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -v : v;
}

// Commands whose legitimate cost is gigabytes (see the header comment).
bool TooExpensive(const std::vector<std::string_view>& argv) {
  constexpr int64_t kMaxOffset = 1 << 20;
  if (Is(argv[0], "setrange") && argv.size() == 4) {
    std::optional<int64_t> offset = ParseInt(argv[2]);
    return offset && *offset > kMaxOffset;
  }
  if (Is(argv[0], "hrandfield") && argv.size() >= 3) {
    std::optional<int64_t> count = ParseInt(argv[2]);
    return count && (*count > kMaxOffset || *count < -kMaxOffset);
  }
  return false;
}

// Commands after which the reply count is no longer "one per command", or that change the
// server for the next input.
bool ChangesConnectionOrServer(const std::vector<std::string_view>& argv) {
  if (Is(argv[0], "quit") || Is(argv[0], "shutdown")) return true;
  if (argv.size() >= 2 && Is(argv[0], "client") && Is(argv[1], "kill")) return true;
  if (argv.size() >= 2 && Is(argv[0], "config") && Is(argv[1], "set")) return true;
  return false;
}

// BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP (and the later types' blocking commands).
bool MayBlock(const std::vector<std::string_view>& argv) {
  for (std::string_view name :
       {"blpop", "brpop", "blmove", "brpoplpush", "blmpop", "bzpopmin", "bzpopmax", "bzmpop"}) {
    if (Is(argv[0], name)) return true;
  }
  return false;
}

// Feeds `bytes` to a ReplyParser and returns the complete values; fails on a malformed reply.
std::vector<resp::Value> ParseReplies(std::string_view bytes, size_t* leftover) {
  resp::ReplyParserOptions options;
  options.max_bulk_length = int64_t{1} << 40;
  options.max_aggregate_length = int64_t{1} << 40;
  resp::ReplyParser parser(options);
  parser.Feed(bytes);
  std::vector<resp::Value> values;
  resp::Value v;
  while (parser.Next(&v)) values.push_back(std::move(v));
  FUZZ_CHECK(parser.status().ok(), std::string(parser.status().message()));
  *leftover = parser.pending_bytes();
  return values;
}

// ---------------------------------------------------------------------------------------------
// A. In-process: the parser and command table as the server's loop drives them.

struct InProcess {
  ManualClock clock;
  Keyspace keyspace{{.shards = 4, .databases = 16, .clock = &clock}};
  commands::CommandTable table = commands::CommandTable::WithDataCommands();
};

void RunInProcess(std::string_view input, Rng& rng) {
  current_phase = "in-process";
  static InProcess* const h = new InProcess();
  h->keyspace.FlushAll();

  commands::ClientState client;
  resp::RequestParser parser;
  std::string out;
  resp::Writer writer(&out, client.protocol);
  std::vector<std::string_view> argv;
  size_t offset = 0;
  for (size_t n : Chunks(input.size(), rng)) {
    parser.Feed(input.substr(offset, n));
    offset += n;
    while (parser.Next(&argv)) {
      FUZZ_CHECK(!argv.empty());
      if (TooExpensive(argv)) continue;
      if (rng.Uniform(4) == 0) h->clock.Advance(absl::Milliseconds(rng.Uniform(3000)));
      const size_t before = out.size();
      commands::CommandContext ctx{.keyspace = &h->keyspace, .client = &client, .reply = &writer};
      h->table.Execute(ctx, commands::Args(argv.data(), argv.size()));
      if (writer.protocol() != client.protocol) writer.set_protocol(client.protocol);
      FUZZ_CHECK(client.db >= 0 && client.db < h->keyspace.databases());
      size_t leftover = 0;
      std::vector<resp::Value> replies =
          ParseReplies(std::string_view(out).substr(before), &leftover);
      FUZZ_CHECK(replies.size() == 1,
                 std::string(argv[0]) + " wrote " + std::to_string(replies.size()) + " replies");
      FUZZ_CHECK(leftover == 0);
      if (out.size() > (1 << 20)) out.clear();
    }
  }

  // The keyspace's own consistency: SCAN sees exactly DBSIZE keys.
  for (int db = 0; db < h->keyspace.databases(); ++db) {
    const int64_t size = h->keyspace.Size(db);
    absl::flat_hash_set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      ScanResult page = h->keyspace.Scan(db, cursor, {}, 64);
      for (std::string& k : page.keys) {
        FUZZ_CHECK(h->keyspace.KeyExists(db, k));
        seen.insert(std::move(k));
      }
      cursor = page.cursor;
      FUZZ_CHECK(++calls < 100000, "SCAN does not terminate");
    } while (cursor != 0);
    FUZZ_CHECK(static_cast<int64_t>(seen.size()) == size,
               "db " + std::to_string(db) + ": SCAN saw " + std::to_string(seen.size()) +
                   " keys, DBSIZE " + std::to_string(size));
  }
  // Nothing may stay alive between inputs: the keyspace's entries live in mmap'ed slab pages,
  // which LeakSanitizer does not scan, so a live hash would be reported as leaked.
  h->keyspace.FlushAll();
}

// ---------------------------------------------------------------------------------------------
// B. A real Server over loopback TCP.

ServerOptions FuzzServerOptions() {
  ServerOptions options;
  options.port = 0;
  options.loglevel = "warning";
  options.io_threads = 2;
  options.max_commands_per_turn = 3;   // exercise the backlog
  options.client_output_pause = 4096;  // exercise backpressure
  options.client_output_buffer_limit = 64 << 20;
  options.proto_max_bulk_len = 1 << 20;  // exercise the bulk limit
  options.on_shutdown = [] {};           // SHUTDOWN closes the connection, keeps the server
  return options;
}

struct RealServer {
  Keyspace keyspace{{.shards = 4}};
  std::unique_ptr<Server> server;

  void Start() {
    server = std::make_unique<Server>(&keyspace, FuzzServerOptions());
    absl::Status s = server->Start();
    if (!s.ok()) {
      std::fprintf(stderr, "cannot start the server: %s\n", std::string(s.message()).c_str());
      std::abort();
    }
  }
  void Restart() {
    server->Stop();
    server.reset();
    Start();
  }
};

int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0,
             std::string(strerror(errno)));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

struct Answer {
  std::string bytes;
  // The server reset the connection (it closed with our bytes unread, after a protocol error or
  // QUIT): the kernel may have dropped replies that had arrived, so they cannot be counted.
  bool reset = false;
};

// Writes `input` in `chunks` while reading; then half-closes and reads until the server closes.
Answer Exchange(int fd, std::string_view input, const std::vector<size_t>& chunks) {
  Answer answer;
  size_t chunk = 0, chunk_left = chunks.empty() ? 0 : chunks[0], sent = 0;
  bool write_shut = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[65536];
  while (true) {
    if (!write_shut && sent == input.size()) {
      ::shutdown(fd, SHUT_WR);
      write_shut = true;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write_shut ? 0 : POLLOUT)), 0};
    int remaining_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - std::chrono::steady_clock::now())
                                            .count());
    FUZZ_CHECK(remaining_ms > 0, "the server did not answer and close within 10 s");
    int r = ::poll(&p, 1, remaining_ms);
    if (r < 0 && errno == EINTR) continue;
    FUZZ_CHECK(r >= 0);
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n > 0) {
        answer.bytes.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        break;
      } else if (errno != EAGAIN && errno != EINTR) {
        answer.reset = true;
        break;
      }
    }
    if (!write_shut && (p.revents & POLLOUT)) {
      ssize_t n = ::send(fd, input.data() + sent, chunk_left, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        chunk_left -= static_cast<size_t>(n);
        if (chunk_left == 0 && ++chunk < chunks.size()) chunk_left = chunks[chunk];
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        // The server closed on us (a protocol error) and answered our later bytes with a reset,
        // which may have discarded replies it had written; the error is consumed here, so a
        // later recv() sees a plain end of stream.
        sent = input.size();
        answer.reset = true;
      }
    }
  }
  return answer;
}

void RunServer(std::string_view input, Rng& rng) {
  current_phase = "server";
  static RealServer* const h = [] {
    auto* s = new RealServer();
    s->Start();
    return s;
  }();
  h->keyspace.FlushAll();

  // What the server should parse: the same parser with the same limits.
  bool count_replies = input.size() <= 16 * 1024;
  bool restart = false;
  size_t expected = 0;
  {
    resp::RequestParser reference(resp::RequestParserOptions{.max_bulk_length = 1 << 20});
    reference.Feed(input);
    std::vector<std::string_view> argv;
    while (reference.Next(&argv)) {
      if (TooExpensive(argv)) return;
      if (ChangesConnectionOrServer(argv)) {
        count_replies = false;
        restart = true;
      }
      // A blocking pop that blocks is still waiting when the server reads our end of stream, and
      // the server then closes the connection as redis-server does, dropping the commands after
      // it: how many replies arrive depends on the timing.
      if (MayBlock(argv)) count_replies = false;
      ++expected;
    }
    if (!reference.status().ok()) ++expected;  // -ERR Protocol error, then the server closes
  }

  int fd = ConnectLoopback(h->server->port());
  Answer answer = Exchange(fd, input, Chunks(input.size(), rng));
  ::close(fd);
  size_t leftover = 0;
  std::vector<resp::Value> replies = ParseReplies(answer.bytes, &leftover);
  FUZZ_CHECK(leftover == 0 || answer.reset, "an incomplete reply at the end");
  if (count_replies && !answer.reset) {
    if (replies.size() != expected) {
      std::string shown;
      for (const resp::Value& v : replies) shown += v.DebugString().substr(0, 200) + "\n";
      FUZZ_CHECK(replies.size() == expected, std::to_string(replies.size()) + " replies for " +
                                                 std::to_string(expected) + " commands:\n" + shown);
    }
  }
  h->keyspace.FlushAll();  // see the end of RunInProcess
  if (restart) h->Restart();
}

}  // namespace
}  // namespace embedis

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  embedis::current_input = input;
  embedis::Rng rng(embedis::Fnv1a(input));
  embedis::RunInProcess(input, rng);
  embedis::RunServer(input, rng);
  return 0;
}
