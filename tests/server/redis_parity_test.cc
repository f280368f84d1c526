// Divergences from redis-server 7.0 found in use (issue #16), each checked against a real
// redis-server where it can be: CLIENT LIST ID, proto-max-bulk-len on live connections, a client
// that writes a whole pipeline before reading, running out of file descriptors.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "lib/resp/writer.h"
#include "tests/server/embedis_process.h"
#include "tests/server/net_test_util.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/redis_server.h"

namespace embedis::testing {
namespace {

TEST_F(ServerTest, ClientListIdAnswersAsRedis) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  RawRespConnection& ours = *ours_;
  RawRespConnection& theirs = *theirs_;
  // Ids no client can have (or that are gone) add nothing; only a non-integer is an error.
  for (const std::vector<std::string>& cmd : std::vector<std::vector<std::string>>{
           {"CLIENT", "LIST", "ID", "-1"},
           {"CLIENT", "LIST", "ID", "0"},
           {"CLIENT", "LIST", "ID", "99999999"},
           {"CLIENT", "LIST", "ID", "-9223372036854775808"},
           {"CLIENT", "LIST", "ID", "9223372036854775808"},
           {"CLIENT", "LIST", "ID", "abc"},
           {"CLIENT", "LIST", "ID", "+5"},
           {"CLIENT", "LIST", "ID", "1.0"},
           {"CLIENT", "LIST", "ID", "-1", "abc"},
           {"CLIENT", "LIST", "ID"},
           {"CLIENT", "LIST", "TYPE", "normal", "ID", "1"},
           {"CLIENT", "LIST", "TYPE", "normal", "TYPE", "normal"},
           {"CLIENT", "LIST", "TYPE", "nosuch"},
           {"CLIENT", "LIST", "TYPE", "pubsub"},
           {"CLIENT", "LIST", "x"},
       }) {
    EXPECT_EQ(ours.Call(cmd), theirs.Call(cmd)) << absl::StrJoin(cmd, " ");
  }
  // Each id is answered where it is named, a repeated one twice, an unknown one not at all.
  std::string id = ours.Call({"CLIENT", "ID"});
  id = id.substr(1, id.size() - 3);
  const std::string twice = ours.Call({"CLIENT", "LIST", "ID", id, "-1", id});
  // $<n>\r\n<line>\n<line>\n\r\n, both lines this client's (tot-mem may differ between them).
  const size_t body = twice.find("\r\n") + 2;
  std::vector<std::string> lines =
      absl::StrSplit(twice.substr(body, twice.size() - body - 2), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << twice;
  for (const std::string& l : lines) EXPECT_TRUE(l.starts_with(absl::StrCat("id=", id, " "))) << l;
}

TEST_F(ServerTest, ProtoMaxBulkLenReachesExistingAndNewConnections) {
  StartServer();
  auto before = Connect();  // connected before the change
  auto admin = Connect();
  ASSERT_EQ(admin->Call({"CONFIG", "SET", "proto-max-bulk-len", "1mb"}), "+OK\r\n");
  // Only the bulk's header: the server answers it and closes the connection.
  const std::string header = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n";
  ASSERT_TRUE(before->SendRaw(header).ok());
  EXPECT_EQ(before->ReadReply(), "-ERR Protocol error: invalid bulk length\r\n");
  auto after = Connect();
  ASSERT_TRUE(after->SendRaw(header).ok());
  EXPECT_EQ(after->ReadReply(), "-ERR Protocol error: invalid bulk length\r\n");
  const std::string big(1024 * 1024 + 1, 'x');
  // In one pipeline: the SET after the CONFIG SET is parsed under the new limit, as in Redis.
  ASSERT_EQ(admin->Call({"CONFIG", "SET", "proto-max-bulk-len", "2mb"}), "+OK\r\n");
  std::string pipeline;
  resp::AppendCommand(&pipeline, {"CONFIG", "SET", "proto-max-bulk-len", "1mb"});
  ASSERT_TRUE(admin->SendRaw(absl::StrCat(pipeline, header)).ok());
  EXPECT_EQ(admin->ReadReply(), "+OK\r\n");
  EXPECT_EQ(admin->ReadReply(), "-ERR Protocol error: invalid bulk length\r\n");
  auto again = Connect();
  ASSERT_EQ(again->Call({"CONFIG", "SET", "proto-max-bulk-len", "2mb"}), "+OK\r\n");
  EXPECT_EQ(again->Call({"SET", "k", big}), "+OK\r\n");
}

// redis-py's pipeline().execute() writes every command before it reads a reply. The server must
// keep reading while the replies pile up, or both sides wait for each other forever.
TEST_F(ServerTest, ClientWritingAWholePipelineBeforeReadingGetsEveryReply) {
  StartServer();
  auto setup = Connect();
  // A long key: 50 MB of commands, more than the kernel's socket buffers hold.
  const std::string key(256, 'k');
  const std::string value(100, 'v');
  ASSERT_EQ(setup->Call({"SET", key, value}), "+OK\r\n");
  constexpr int kCommands = 200000;
  std::string batch;
  for (int i = 0; i < kCommands; ++i) resp::AppendCommand(&batch, {"GET", key});
  int fd = ConnectTcp(port_);
  ASSERT_GE(fd, 0);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  // Write everything first (as the client does), reading nothing; give up after 20 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  size_t sent = 0;
  while (sent < batch.size() && std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::send(fd, batch.data() + sent, batch.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    ASSERT_TRUE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << strerror(errno);
    pollfd p{fd, POLLOUT, 0};
    poll(&p, 1, 100);
  }
  ASSERT_EQ(sent, batch.size()) << "the server stopped reading the pipeline";
  const std::string reply = absl::StrCat("$", value.size(), "\r\n", value, "\r\n");
  const size_t want = reply.size() * kCommands;
  std::string got;
  char buf[65536];
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      got.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) break;
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 100);
  }
  close(fd);
  ASSERT_EQ(got.size(), want);
  for (int i = 0; i < kCommands; i += 9973) {
    ASSERT_EQ(got.substr(i * reply.size(), reply.size()), reply) << i;
  }
}

TEST_F(ServerTest, NormalClientsHaveNoOutputLimitByDefault) {
  StartServer();
  ASSERT_NO_FATAL_FAILURE(StartRedisBeside());
  RawRespConnection& ours = *ours_;
  RawRespConnection& theirs = *theirs_;
  const std::vector<std::string> get = {"CONFIG", "GET", "client-output-buffer-limit"};
  EXPECT_EQ(ours.Call(get), theirs.Call(get));
  EXPECT_EQ(ServerOptions().client_output_buffer_limit, 0);
}

// CPU time (user + system) of process `pid` in clock ticks, from /proc.
int64_t CpuTicks(pid_t pid) {
  int code = 0;
  std::string stat = RunShell(absl::StrCat("cat /proc/", pid, "/stat"), &code);
  // Fields after the command name (which is in parentheses): state is field 3; utime 14, stime 15.
  size_t close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::vector<std::string> fields;
  std::string cur;
  for (char ch : stat.substr(close_paren + 2)) {
    if (ch == ' ') {
      fields.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  if (fields.size() < 13) return -1;
  return std::stoll(fields[11]) + std::stoll(fields[12]);
}

// `ulimit -n 64` and more clients than that: maxclients is lowered at start (logged), the
// extra clients are told so, and the server neither spins nor floods its log.
TEST(EmbedisServerBinary, LowFileLimitLowersMaxclients) {
  EmbedisProcess p;
  EmbedisProcess::Options options;
  options.max_open_files = 64;
  options.attempts = 3;
  ASSERT_TRUE(p.Start({"--save", ""}, options)) << p.Log();
  EXPECT_NE(p.Log().find("maxclients has been reduced to 32 to compensate for low ulimit"),
            std::string::npos)
      << p.Log();
  RawRespConnection admin;
  ASSERT_TRUE(admin.Connect(p.port()).ok());
  EXPECT_EQ(admin.Call({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$2\r\n32\r\n");
  // More than the limit allows: refused as redis-server does, and the whole CONFIG SET with it
  // (timeout, applied first, is restored).
  EXPECT_EQ(admin.Call({"CONFIG", "SET", "timeout", "5", "maxclients", "1000"}),
            "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
            "system is not able to handle the specified number of clients, try with 32\r\n");
  EXPECT_EQ(admin.Call({"CONFIG", "GET", "timeout"}), "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
  EXPECT_EQ(admin.Call({"CONFIG", "GET", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$2\r\n32\r\n");
  std::vector<int> fds;
  int refused = 0, served = 0;
  for (int i = 0; i < 100; ++i) {
    int fd = ConnectTcp(p.port());
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
    ASSERT_TRUE(SendAll(fd, "PING\r\n"));
    Exchange e = Collect(fd, 100);
    if (e.bytes == "-ERR max number of clients reached\r\n") {
      ++refused;
    } else if (e.bytes == "+PONG\r\n") {
      ++served;
    } else {
      ADD_FAILURE() << "client " << i << ": " << e.bytes;
    }
  }
  EXPECT_EQ(served, 31);  // the admin connection is the 32nd
  EXPECT_EQ(refused, 69);
  // Idle with every slot taken: no busy loop.
  const int64_t before = CpuTicks(p.pid());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int64_t after = CpuTicks(p.pid());
  ASSERT_GE(before, 0);
  EXPECT_LT(after - before, 30) << "ticks used in one idle second";  // 100 ticks = one core
  EXPECT_EQ(admin.Call({"PING"}), "+PONG\r\n");
  EXPECT_EQ(p.Log().find("Too many open files"), std::string::npos) << p.Log();
  for (int fd : fds) close(fd);
}

// Under `bazel run` (or tools/start.sh) the working directory is Bazel's runfiles tree: the
// snapshot goes where the user started the server instead.
TEST(EmbedisServerBinary, DirDefaultsToTheStartDirectory) {
  const std::string start_dir = ::testing::TempDir();
  setenv("EMBEDIS_START_DIR", start_dir.c_str(), 1);
  EmbedisProcess p;
  EmbedisProcess::Options options;
  options.attempts = 3;
  const bool started = p.Start({"--save", ""}, options);
  unsetenv("EMBEDIS_START_DIR");
  ASSERT_TRUE(started) << p.Log();
  RawRespConnection c;
  ASSERT_TRUE(c.Connect(p.port()).ok());
  const std::string& dir = start_dir;
  EXPECT_EQ(c.Call({"CONFIG", "GET", "dir"}),
            absl::StrCat("*2\r\n$3\r\ndir\r\n$", dir.size(), "\r\n", dir, "\r\n"));
  EXPECT_EQ(c.Call({"SAVE"}), "+OK\r\n");
  EXPECT_EQ(access(absl::StrCat(dir, "/dump.embedis").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace embedis::testing
