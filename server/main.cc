// embedis-server: the embedis keyspace behind the Redis protocol.
//
//   embedis-server [/path/to/embedis.conf] [--port 6380 --requirepass s3cret --io-threads 2 ...]
//
// Every option is a row of the configuration table (server/config_table.h), named as
// redis-server's (--port, --bind, --unixsocket, --tls-port, --tls-cert-file, --tls-key-file,
// --tls-ca-cert-file, --tls-ca-cert-dir, --tls-auth-clients, --tls-protocols, --requirepass,
// --databases, --maxclients,
// --timeout, --proto-max-bulk-len, --client-query-buffer-limit, --client-output-buffer-limit,
// --io-threads, --loglevel, --hz, --dir, --dbfilename, --save, the encoding parameters ...) plus
// --shards and --on-corrupt-snapshot; `--help` lists them with their defaults. A config file in
// redis.conf syntax may come first; the flags override it. Dashes and underscores are
// interchangeable, sizes take Redis's units (1gb, 512mb), booleans take yes/no, and
// `--flag value` works as well as `--flag=value`.
// SIGTERM and SIGINT shut the server down cleanly, as does the SHUTDOWN command; both save a
// final snapshot when save rules are set (server/persistence.h), and when that save fails the
// server keeps running, as redis-server. The snapshot in --dir is loaded
// at start; a damaged one stops the start unless --on-corrupt-snapshot start-empty. --dir
// defaults to the directory the server was started from (see StartDir()).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/config_table.h"
#include "server/options.h"
#include "server/server.h"

namespace {

// Where the user started the server: $EMBEDIS_START_DIR (tools/start.sh), else Bazel's
// BUILD_WORKING_DIRECTORY under `bazel run` (whose own working directory is the runfiles tree),
// else "" (the working directory).
std::string StartDir() {
  for (const char* name : {"EMBEDIS_START_DIR", "BUILD_WORKING_DIRECTORY"}) {
    const char* dir = std::getenv(name);
    if (dir != nullptr && *dir != '\0') return dir;
  }
  return "";
}

// A relative path (or "", the directory itself) taken relative to StartDir().
std::string ResolveFromStartDir(const std::string& path) {
  const std::string start = StartDir();
  if (start.empty() || path.starts_with("/")) return path;
  return path.empty() ? start : absl::StrCat(start, "/", path);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "embedis-server: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  // A config file named by a relative path is relative to where the user started the server.
  if (args.size() > 1 && !args[1].starts_with("-")) args[1] = ResolveFromStartDir(args[1]);
  embedis::ServerOptions options;
  options.persistence.enabled = true;
  std::string config_file;
  bool help = false;
  if (absl::Status s = embedis::ParseCommandLine(args, &options, &config_file, &help); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  if (help) {
    std::fputs(embedis::ConfigUsage().c_str(), stdout);
    return 0;
  }
  options.persistence.dir = ResolveFromStartDir(options.persistence.dir);
  options.config_file = config_file;  // already absolute (see above)

  // Signals are handled synchronously by this thread; block them everywhere (the I/O threads
  // inherit the mask) before starting anything.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  embedis::Server server(options);
  absl::Status started = server.Start();
  if (!started.ok()) return Fail(std::string(started.message()));
  std::fprintf(stderr,
               "%d:M embedis-server %s (Redis %s compatible) started: port=%d pid=%d "
               "io-threads=%d%s%s%s\n",
               static_cast<int>(getpid()), embedis::kEmbedisVersion, embedis::kRedisCompatVersion,
               server.port(), static_cast<int>(getpid()), server.io_threads(),
               options.unixsocket.empty() ? "" : " unixsocket=", options.unixsocket.c_str(),
               server.tls_port() < 0 ? "" : absl::StrCat(" tls-port=", server.tls_port()).c_str());
  std::fprintf(stderr, "%d:M Ready to accept connections\n", static_cast<int>(getpid()));
  std::fflush(stderr);

  // Wait for a signal or for SHUTDOWN (which makes Wait() return).
  std::atomic<bool> stop_requested{false};
  std::thread waiter([&] {
    server.Wait();
    stop_requested = true;
  });
  const timespec tick{0, 100 * 1000 * 1000};
  while (!stop_requested) {
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      std::fprintf(stderr, "%d:M Received %s scheduling shutdown...\n", static_cast<int>(getpid()),
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
      // As redis-server: when the final save fails, say so and keep serving (exiting would lose
      // every write since the last good save); SHUTDOWN NOSAVE or SIGKILL still end it.
      if (!server.PrepareShutdown().ok()) {
        std::fprintf(stderr,
                     "%d:M Errors trying to shut down the server. Check the logs for more "
                     "information.\n",
                     static_cast<int>(getpid()));
        std::fflush(stderr);
        continue;
      }
      server.RequestStop();
      break;
    }
  }
  waiter.join();
  server.Stop();
  std::fprintf(stderr, "%d:M embedis-server is now ready to exit, bye bye...\n",
               static_cast<int>(getpid()));
  return 0;
}
