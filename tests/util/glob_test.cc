#include "lib/util/glob.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace embedis {
namespace {

using namespace std::string_view_literals;

struct Case {
  std::string_view pattern;
  std::string_view str;
  bool match;
};

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// Every row was checked against redis-server 7.0.15 with KEYS (a database
// holding just `str`; match == KEYS pattern returned it).
constexpr Case kRedisCases[] = {
    // Plain bytes, `?`, `*`.
    {"hello", "hello", true},
    {"hello", "hell", false},
    {"h?llo", "hallo", true},
    {"h*llo", "heeeello", true},
    {"h*llo", "hllo", true},
    {"a*", "a", true},
    {"*", "", true},  // KEYS's short cut for "*"
    {"**", "", false},
    {"?", "", false},
    {"", "", true},
    {"", "a", false},
    {"*[", "a", false},
    // NUL and high bytes are ordinary bytes.
    {"a\0*"sv, "a\0b"sv, true},
    {"*\0"sv, "ab\0"sv, true},
    {"[^a]", "\0"sv, true},
    {"[\xff]", "\xff", true},
    // Classes, negation, ranges.
    {"h[ae]llo", "hallo", true},
    {"h[ae]llo", "hillo", false},
    {"h[^e]llo", "hello", false},
    {"h[^e]llo", "hallo", true},
    {"h[a-b]llo", "hbllo", true},
    {"[z-a]", "m", true},  // reversed ranges are swapped
    {"[--a]", "0", true},
    {"[-a]", "-", true},  // leading `-` is literal
    {"[-a]", "b", false},
    {"[a-c-e]", "d", false},  // after a range, `-` is a member
    {"[a-c-e]", "-", true},
    // Ranges compare signed chars.
    {"[a-\xff]", "0", true},
    {"[a-\xff]", "b", false},
    {"[a-\xff]", "\x80", false},
    {"[\x80-\xff]", "\x90", true},
    {"[\0-a]"sv, "\x90", false},
    // A range is read even when its end is `]`.
    {"[a-]", "^", true},
    {"[a-]", "]", true},
    {"[a-]", "-", false},
    {"[a-]", "b", false},
    {"[a-", "a", true},  // too short for a range: 'a' or '-'
    {"[a-", "-", true},
    // Empty classes.
    {"[]", "a", false},
    {"[]", "]", false},
    {"[]a]", "]", false},
    {"[]a]", "a]", false},
    {"[^]", "a", true},
    {"[^]", "]", true},
    {"[^]a]", "ba]", true},
    {"[^]a]", "b", false},
    // Unterminated classes.
    {"[", "[", false},
    {"[", "a", false},
    {"[^", "a", true},
    {"[^", "^", true},
    {"[ab", "b", true},
    {"a[", "a", false},
    {"a[^", "a", false},
    {"a[^", "ab", true},
    // Backslash inside classes.
    {"[\\]", "]", true},
    {"[\\]", "\\", false},
    {"[\\", "\\", true},
    {"[\\a-z]", "-", true},  // an escaped byte never starts a range
    {"[\\a-z]", "b", false},
    {"[a-\\]]", "_]", true},  // but `\` can end one: '\'..'a', then `]`
    {"[a-\\]]", "_", false},
    {"[a-\\z]", "z", true},
    {"[a-\\z]", "^", true},
    // Backslash outside classes.
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"a\\", "a\\", true},
    {"\\", "\\", true},
    {"x\\", "x", false},
};

TEST(GlobMatch, AgreesWithRedisOnEdgeCases) {
  for (const Case& c : kRedisCases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.str), c.match)
        << "pattern \"" << Printable(c.pattern) << "\" string \"" << Printable(c.str) << "\"";
  }
}

// Checked against redis-server 7.0.15 with CONFIG GET, which matches
// parameter names with nocase.
constexpr Case kRedisNocaseCases[] = {
    {"MAXMEMORY", "maxmemory", true},
    {"[L-M]axmemory", "maxmemory", true},
    {"[M-L]axmemory", "maxmemory", true},
    {"[Z-a]axmemory", "maxmemory", false},  // folds to z..a: empty
    {"[a-Z]axmemory", "maxmemory", false},  // swapped to Z..a, folds to z..a
    {"[\\M]axmemory", "maxmemory", false},  // escapes compare exactly
    {"[\\m]axmemory", "maxmemory", true},
    {"[^M]axmemory", "maxmemory", false},
    {"[M]axmemory", "maxmemory", true},
    {"maxmemor?", "maxmemory", true},
};

TEST(GlobMatch, NocaseAgreesWithRedisConfigGet) {
  for (const Case& c : kRedisNocaseCases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.str, /*nocase=*/true), c.match)
        << "pattern \"" << Printable(c.pattern) << "\" string \"" << Printable(c.str) << "\"";
  }
  EXPECT_FALSE(GlobMatch("MAXMEMORY", "maxmemory"));
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Redis 7.0 stops recursing 1000 levels into `*`; observed with KEYS.
TEST(GlobMatch, ReproducesRedisStarDepthLimit) {
  for (int n : {999, 1000}) {
    EXPECT_TRUE(GlobMatch(Repeat("*a", n), std::string(n, 'a'))) << n;
    EXPECT_TRUE(GlobMatch(Repeat("*a", n) + "*", std::string(n + 5, 'a'))) << n;
  }
  EXPECT_FALSE(GlobMatch(Repeat("*a", 1001), std::string(1001, 'a')));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 1001) + "*", std::string(1006, 'a')));
  // A trailing `*` does not recurse, so 1001 runs with the last one trailing
  // still match.
  EXPECT_TRUE(GlobMatch(Repeat("a*", 1001), std::string(1001, 'a')));
  EXPECT_TRUE(GlobMatch(Repeat("a*", 1001), std::string(1004, 'a')));
  EXPECT_FALSE(GlobMatch(Repeat("a*", 1002), std::string(1002, 'a')));
  // `*` inside a class or escaped is not a run.
  EXPECT_TRUE(GlobMatch(Repeat("[*]", 2000), std::string(2000, '*')));
  EXPECT_TRUE(GlobMatch(Repeat("\\*", 2000), std::string(2000, '*')));
}

TEST(GlobMatch, PathologicalPatternsAreFast) {
  const std::string as(100'000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*a*a*a*b", as));
  EXPECT_FALSE(GlobMatch(Repeat("*a", 30) + "*b", as));
  EXPECT_TRUE(GlobMatch(Repeat("*a", 30) + "*", as));
  EXPECT_FALSE(GlobMatch(Repeat("*?", 500) + "b", std::string(5000, 'a')));
  EXPECT_FALSE(GlobMatch(Repeat("*[a-z]", 900) + "b", std::string(2000, 'a'), true));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(GlobMatch, NeverReadsPastEitherView) {
  // Patterns cut out of a bigger buffer: bytes after the view must not count.
  const std::string buffer = "[a-z]*\\x[^b]?";
  for (size_t len = 0; len <= buffer.size(); ++len) {
    std::string_view p(buffer.data(), len);
    std::string copy(p);  // same bytes, own allocation (ASan checks bounds)
    for (std::string_view s : {""sv, "a"sv, "ax"sv, "zzz\\xc!"sv, "[a-z]*\\x[^b]?"sv}) {
      EXPECT_EQ(GlobMatch(p, s), GlobMatch(copy, s)) << len;
    }
  }
}

TEST(GlobLiteralPrefix, ReturnsPrefixOnlyForLiteralStar) {
  EXPECT_EQ(GlobLiteralPrefix("user:*"), "user:");
  EXPECT_EQ(GlobLiteralPrefix("user:***"), "user:");
  EXPECT_EQ(GlobLiteralPrefix("*"), "");
  EXPECT_EQ(GlobLiteralPrefix("a\\*b*"), "a*b");
  EXPECT_EQ(GlobLiteralPrefix("a\\**"), "a*");
  EXPECT_EQ(GlobLiteralPrefix("a\\\\*"), "a\\");
  EXPECT_EQ(GlobLiteralPrefix("a]^-*"), "a]^-");
  EXPECT_EQ(GlobLiteralPrefix("a\0b*"sv), "a\0b"sv);
  EXPECT_EQ(GlobLiteralPrefix("**"), std::nullopt);    // "**" does not match ""
  EXPECT_EQ(GlobLiteralPrefix("a\\*"), std::nullopt);  // a plain literal
  EXPECT_EQ(GlobLiteralPrefix("abc"), std::nullopt);
  EXPECT_EQ(GlobLiteralPrefix(""), std::nullopt);
  EXPECT_EQ(GlobLiteralPrefix("*a*"), std::nullopt);
  EXPECT_EQ(GlobLiteralPrefix("a?*"), std::nullopt);
  EXPECT_EQ(GlobLiteralPrefix("a[b]*"), std::nullopt);
  EXPECT_EQ(GlobLiteralPrefix("a*b"), std::nullopt);
}

TEST(GlobLiteral, ReturnsLiteralOnlyWithoutSpecials) {
  EXPECT_EQ(GlobLiteral("user:42"), "user:42");
  EXPECT_EQ(GlobLiteral(""), "");
  EXPECT_EQ(GlobLiteral("a\\*\\?\\[\\\\"), "a*?[\\");
  EXPECT_EQ(GlobLiteral("a\\"), "a\\");  // a trailing backslash is itself
  EXPECT_EQ(GlobLiteral("a]-^"), "a]-^");
  EXPECT_EQ(GlobLiteral("a\0"sv), "a\0"sv);
  EXPECT_EQ(GlobLiteral("a*"), std::nullopt);
  EXPECT_EQ(GlobLiteral("a?"), std::nullopt);
  EXPECT_EQ(GlobLiteral("[a]"), std::nullopt);
}

constexpr std::string_view kAlphabet = "ab-[]\\^*?\0\xff"sv;

std::string RandomString(std::mt19937& rng, int max_len, std::string_view alphabet) {
  int len = std::uniform_int_distribution<int>(0, max_len)(rng);
  std::string out;
  for (int i = 0; i < len; ++i) {
    out.push_back(alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)]);
  }
  return out;
}

TEST(GlobLiteral, HelpersAgreeWithGlobMatch) {
  std::mt19937 rng(1234);
  std::vector<std::string> strings;
  for (int i = 0; i < 300; ++i) strings.push_back(RandomString(rng, 5, kAlphabet));
  int prefixes = 0;
  int literals = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string pattern = RandomString(rng, 6, kAlphabet);
    std::optional<std::string> prefix = GlobLiteralPrefix(pattern);
    std::optional<std::string> literal = GlobLiteral(pattern);
    ASSERT_FALSE(prefix && literal) << Printable(pattern);
    prefixes += prefix.has_value();
    literals += literal.has_value();
    for (const std::string& s : strings) {
      if (prefix) {
        ASSERT_EQ(GlobMatch(pattern, s), s.starts_with(*prefix))
            << Printable(pattern) << " vs " << Printable(s);
      }
      if (literal) {
        ASSERT_EQ(GlobMatch(pattern, s), s == *literal)
            << Printable(pattern) << " vs " << Printable(s);
      }
    }
  }
  EXPECT_GT(prefixes, 100);
  EXPECT_GT(literals, 100);
}

// ---------------------------------------------------------------------------
// Differential test against a real redis-server.

// Just enough RESP to send commands and read the replies KEYS, PING, SET and
// FLUSHALL give.
class RespConnection {
 public:
  ~RespConnection() {
    if (fd_ >= 0) close(fd_);
  }

  bool Connect(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd_);
      fd_ = -1;
      return false;
    }
    return true;
  }

  void Send(const std::vector<std::string>& argv) {
    std::string out = "*" + std::to_string(argv.size()) + "\r\n";
    for (const std::string& arg : argv) {
      out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
    }
    size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        ok_ = false;
        return;
      }
      sent += n;
    }
  }

  // A reply, flattened: simple strings, errors ("-ERR ..."), integers and
  // bulk strings become one element; arrays become their elements.
  std::vector<std::string> Read() {
    std::vector<std::string> out;
    ReadInto(&out);
    return out;
  }

  std::vector<std::string> Command(const std::vector<std::string>& argv) {
    Send(argv);
    return Read();
  }

  bool ok() const { return ok_; }

 private:
  bool Fill() {
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      ok_ = false;
      return false;
    }
    in_.append(buf, n);
    return true;
  }

  std::string ReadLine() {
    size_t eol;
    while ((eol = in_.find("\r\n", pos_)) == std::string::npos) {
      if (!Fill()) return "";
    }
    std::string line = in_.substr(pos_, eol - pos_);
    pos_ = eol + 2;
    Compact();
    return line;
  }

  std::string ReadBytes(size_t n) {
    while (in_.size() - pos_ < n + 2) {
      if (!Fill()) return "";
    }
    std::string data = in_.substr(pos_, n);
    pos_ += n + 2;
    Compact();
    return data;
  }

  void Compact() {
    if (pos_ > 65536) {
      in_.erase(0, pos_);
      pos_ = 0;
    }
  }

  void ReadInto(std::vector<std::string>* out) {
    std::string line = ReadLine();
    if (!ok_ || line.empty()) {
      ok_ = false;
      return;
    }
    char type = line[0];
    std::string rest = line.substr(1);
    switch (type) {
      case '+':
      case ':':
        out->push_back(rest);
        return;
      case '-':
        out->push_back(line);
        return;
      case '$': {
        long n = std::strtol(rest.c_str(), nullptr, 10);
        if (n >= 0) out->push_back(ReadBytes(n));
        return;
      }
      case '*': {
        long n = std::strtol(rest.c_str(), nullptr, 10);
        for (long i = 0; i < n && ok_; ++i) ReadInto(out);
        return;
      }
      default:
        ok_ = false;
    }
  }

  int fd_ = -1;
  bool ok_ = true;
  std::string in_;
  size_t pos_ = 0;
};

std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// A redis-server child process on 127.0.0.1; killed by the destructor.
class RedisServer {
 public:
  ~RedisServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the server and waits until it answers PING. On failure returns an
  // explanation.
  std::optional<std::string> Start(RespConnection* conn) {
    std::optional<std::string> binary = FindOnPath("redis-server");
    if (!binary) {
      return "redis-server not found on PATH (" +
             std::string(std::getenv("PATH") ? std::getenv("PATH") : "") +
             "); install it with: apt-get install redis-server";
    }
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string dir = tmp != nullptr ? tmp : "/tmp";
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreeLoopbackPort();
      if (port_ <= 0) return "could not find a free loopback port";
      std::string port = std::to_string(port_);
      pid_ = fork();
      if (pid_ < 0) return "fork failed";
      if (pid_ == 0) {
        // Redis logs its start-up banner to stdout; keep the test log clean.
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
        execl(binary->c_str(), binary->c_str(), "--port", port.c_str(), "--bind", "127.0.0.1",
              "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir.c_str(),
              "--loglevel", "warning", static_cast<char*>(nullptr));
        _exit(127);
      }
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (std::chrono::steady_clock::now() < deadline) {
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;  // exited (port taken?): try another port
          break;
        }
        if (conn->Connect(port_)) {
          std::vector<std::string> reply = conn->Command({"PING"});
          if (conn->ok() && reply == std::vector<std::string>{"PONG"}) return std::nullopt;
          return "redis-server did not answer PING";
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (pid_ > 0) return "redis-server did not start listening within 10s";
    }
    return "redis-server kept exiting at startup";
  }

 private:
  pid_t pid_ = -1;
  int port_ = -1;
};

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(GlobMatch, AgreesWithRealRedisServerOnRandomPatterns) {
  RedisServer server;
  RespConnection conn;
  std::optional<std::string> error = server.Start(&conn);
  ASSERT_FALSE(error.has_value()) << *error;
  ASSERT_EQ(conn.Command({"FLUSHALL"}), std::vector<std::string>{"OK"});

  std::mt19937 rng(20240607);
  std::set<std::string> key_set;
  key_set.insert("");  // the empty key exercises KEYS's "*" short cut
  while (key_set.size() < 400) key_set.insert(RandomString(rng, 5, kAlphabet));
  std::vector<std::string> keys(key_set.begin(), key_set.end());
  for (const std::string& key : keys) conn.Send({"SET", key, "1"});
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_EQ(conn.Read(), std::vector<std::string>{"OK"});
  }

  int nonempty = 0;  // patterns that matched some key: the test is not vacuous
  auto check = [&](const std::string& pattern) {
    std::vector<std::string> expected = Sorted(conn.Command({"KEYS", pattern}));
    ASSERT_TRUE(conn.ok()) << "lost the connection to redis-server";
    nonempty += !expected.empty();
    std::vector<std::string> actual;
    for (const std::string& key : keys) {
      if (GlobMatch(pattern, key)) actual.push_back(key);
    }
    ASSERT_EQ(actual, expected) << "pattern \"" << Printable(pattern) << "\"";
  };

  // Patterns lean towards `*` and `?` so that they match something.
  constexpr std::string_view kPatternAlphabet = "ab-[]\\^*?\0\xff**??"sv;
  for (int i = 0; i < 4000; ++i) {
    ASSERT_NO_FATAL_FAILURE(check(RandomString(rng, 8, kPatternAlphabet)));
  }
  EXPECT_GT(nonempty, 1000);
  // Longer patterns against the same keys, and the star-depth limit.
  for (int i = 0; i < 500; ++i) {
    ASSERT_NO_FATAL_FAILURE(check(RandomString(rng, 20, kPatternAlphabet)));
  }
  ASSERT_EQ(conn.Command({"SET", std::string(1001, 'a'), "1"}), std::vector<std::string>{"OK"});
  ASSERT_EQ(conn.Command({"SET", std::string(1006, 'a'), "1"}), std::vector<std::string>{"OK"});
  keys.push_back(std::string(1001, 'a'));
  keys.push_back(std::string(1006, 'a'));
  for (std::string pattern : {Repeat("*a", 1000), Repeat("*a", 1001), Repeat("*a", 1001) + "*",
                              Repeat("a*", 1001), Repeat("a*", 1002), Repeat("a*", 1000) + "b"}) {
    ASSERT_NO_FATAL_FAILURE(check(pattern));
  }
}

}  // namespace
}  // namespace embedis
