// embedis-server: the embedis keyspace behind the Redis protocol.
//
//   embedis-server --port 6380 --requirepass s3cret --io-threads 2
//
// Options are named as redis-server's (--port, --bind, --unixsocket, --requirepass, --databases,
// --maxclients, --timeout, --proto-max-bulk-len, --client-query-buffer-limit, --io-threads,
// --loglevel, --hz, --dir, --dbfilename, --save) plus --shards and --on-corrupt-snapshot; dashes
// and underscores are interchangeable, sizes take Redis's units (1gb, 512mb), booleans take
// yes/no, and `--flag value` works as well as `--flag=value`.
// SIGTERM and SIGINT shut the server down cleanly, as does the SHUTDOWN command; both save a
// final snapshot when save rules are set (server/persistence.h). The snapshot in --dir is loaded
// at start; a damaged one stops the start unless --on-corrupt-snapshot start-empty.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/options.h"
#include "server/server.h"

ABSL_FLAG(int, port, 6379, "TCP port; 0 picks a free one, -1 disables TCP");
ABSL_FLAG(std::string, bind, "127.0.0.1",
          "addresses to listen on, separated by spaces or commas (IPv4 or IPv6, * for all, "
          "a leading - makes one optional)");
ABSL_FLAG(std::string, unixsocket, "", "unix socket path");
ABSL_FLAG(std::string, unixsocketperm, "0", "unix socket permissions, octal (e.g. 700)");
ABSL_FLAG(std::string, requirepass, "", "password for the default user");
ABSL_FLAG(std::string, protected_mode, "yes",
          "yes/no: refuse non-loopback clients while no password is set");
ABSL_FLAG(int, databases, 16, "number of databases");
ABSL_FLAG(int, shards, 16, "keyspace shards (a power of two)");
ABSL_FLAG(int, maxclients, 10000, "maximum connected clients");
ABSL_FLAG(int, timeout, 0, "close clients idle for this many seconds (0: never)");
ABSL_FLAG(std::string, proto_max_bulk_len, "512mb", "longest bulk argument");
ABSL_FLAG(std::string, client_query_buffer_limit, "1gb", "most buffered input per client");
ABSL_FLAG(std::string, client_output_buffer_limit, "0",
          "most queued output per client before it is disconnected (0: no limit)");
ABSL_FLAG(int, io_threads, 0, "I/O threads (0: one per two CPUs, 1 to 4)");
ABSL_FLAG(std::string, loglevel, "notice", "debug, verbose, notice or warning");
ABSL_FLAG(int, hz, 10, "housekeeping frequency");
ABSL_FLAG(std::string, dir, "", "directory of the snapshot file (default: the current directory)");
ABSL_FLAG(std::string, dbfilename, "dump.embedis",
          "snapshot file name (embedis's own format, not Redis RDB)");
ABSL_FLAG(std::string, save, "3600 1 300 100 60 10000",
          "save rules \"SECONDS CHANGES ...\": snapshot after CHANGES writes and SECONDS seconds; "
          "\"\" disables automatic saves and the save at shutdown");
ABSL_FLAG(std::string, on_corrupt_snapshot, "refuse",
          "refuse: a corrupt or truncated snapshot stops the start; start-empty: rename it to "
          "<file>.corrupt-<time> and start empty");

namespace {

const char* const kBoolFlags[] = {"protected_mode"};

// Accepts redis-server's spellings: --client-query-buffer-limit, `--flag value` for booleans
// given as yes/no.
std::vector<std::string> NormalizeArgs(int argc, char** argv) {
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && arg.rfind("--", 0) == 0 && arg.size() > 2) {
      size_t eq = arg.find('=');
      size_t end = eq == std::string::npos ? arg.size() : eq;
      for (size_t j = 2; j < end; ++j) {
        if (arg[j] == '-') arg[j] = '_';
      }
      std::string name = arg.substr(2, end - 2);
      // absl wants --name=value for strings that could look like flags (e.g. an empty value).
      if (eq == std::string::npos && i + 1 < argc) {
        bool is_bool = false;
        for (const char* b : kBoolFlags) is_bool = is_bool || name == b;
        std::string next = argv[i + 1];
        if (is_bool || next.empty() || next.rfind("--", 0) != 0) {
          if (name != "help" && name != "helpfull" && name != "version") {
            arg = absl::StrCat(arg, "=", next);
            ++i;
          }
        }
      }
    }
    out.push_back(arg);
  }
  return out;
}

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
  absl::SetProgramUsageMessage("embedis-server [--port 6379] [--bind 127.0.0.1] [...]");
  std::vector<std::string> normalized = NormalizeArgs(argc, argv);
  std::vector<char*> cargs;
  for (std::string& a : normalized) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(normalized.size()), cargs.data());
  if (rest.size() > 1) return Fail(absl::StrCat("unexpected argument '", rest[1], "'"));

  embedis::ServerOptions options;
  options.port = absl::GetFlag(FLAGS_port);
  options.bind.clear();
  for (absl::string_view a :
       absl::StrSplit(absl::GetFlag(FLAGS_bind), absl::ByAnyChar(" ,"), absl::SkipEmpty())) {
    options.bind.emplace_back(a);
  }
  options.unixsocket = absl::GetFlag(FLAGS_unixsocket);
  options.unixsocketperm =
      static_cast<int>(std::strtol(absl::GetFlag(FLAGS_unixsocketperm).c_str(), nullptr, 8));
  options.requirepass = absl::GetFlag(FLAGS_requirepass);
  const std::string protected_mode = absl::GetFlag(FLAGS_protected_mode);
  if (protected_mode != "yes" && protected_mode != "no") {
    return Fail("--protected-mode must be yes or no");
  }
  options.protected_mode = protected_mode == "yes";
  options.databases = absl::GetFlag(FLAGS_databases);
  options.shards = absl::GetFlag(FLAGS_shards);
  if (options.databases < 1) return Fail("--databases must be at least 1");
  if (options.shards < 1 || (options.shards & (options.shards - 1)) != 0 || options.shards > 4096) {
    return Fail("--shards must be a power of two from 1 to 4096");
  }
  options.maxclients = absl::GetFlag(FLAGS_maxclients);
  if (options.maxclients < 1) return Fail("--maxclients must be at least 1");
  options.timeout_seconds = absl::GetFlag(FLAGS_timeout);
  struct SizeFlag {
    const char* name;
    std::string text;
    int64_t* target;
  };
  for (const SizeFlag& f :
       {SizeFlag{"proto-max-bulk-len", absl::GetFlag(FLAGS_proto_max_bulk_len),
                 &options.proto_max_bulk_len},
        SizeFlag{"client-query-buffer-limit", absl::GetFlag(FLAGS_client_query_buffer_limit),
                 &options.client_query_buffer_limit},
        SizeFlag{"client-output-buffer-limit", absl::GetFlag(FLAGS_client_output_buffer_limit),
                 &options.client_output_buffer_limit}}) {
    std::optional<int64_t> v = embedis::ParseMemorySize(f.text);
    if (!v) return Fail(absl::StrCat("--", f.name, ": not a memory size: '", f.text, "'"));
    *f.target = *v;
  }
  if (options.proto_max_bulk_len > embedis::kMaxProtoMaxBulkLen) {
    return Fail(absl::StrCat("--proto-max-bulk-len: at most ", embedis::kMaxProtoMaxBulkLen,
                             " bytes (embedis keeps keys under 1 GiB)"));
  }
  options.io_threads = absl::GetFlag(FLAGS_io_threads);
  options.loglevel = absl::GetFlag(FLAGS_loglevel);
  if (options.loglevel != "debug" && options.loglevel != "verbose" &&
      options.loglevel != "notice" && options.loglevel != "warning") {
    return Fail("--loglevel must be debug, verbose, notice or warning");
  }
  options.hz = absl::GetFlag(FLAGS_hz);
  if (options.hz < 1 || options.hz > 500) return Fail("--hz must be from 1 to 500");
  options.persistence.enabled = true;
  options.persistence.dir = absl::GetFlag(FLAGS_dir);
  options.persistence.dir = ResolveFromStartDir(options.persistence.dir);
  options.persistence.dbfilename = absl::GetFlag(FLAGS_dbfilename);
  options.persistence.save = absl::GetFlag(FLAGS_save);
  const std::string on_corrupt = absl::GetFlag(FLAGS_on_corrupt_snapshot);
  if (on_corrupt != "refuse" && on_corrupt != "start-empty" && on_corrupt != "start_empty") {
    return Fail("--on-corrupt-snapshot must be refuse or start-empty");
  }
  options.persistence.start_empty_on_corrupt = on_corrupt != "refuse";

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
               "io-threads=%d%s%s\n",
               static_cast<int>(getpid()), embedis::kEmbedisVersion, embedis::kRedisCompatVersion,
               server.port(), static_cast<int>(getpid()), server.io_threads(),
               options.unixsocket.empty() ? "" : " unixsocket=", options.unixsocket.c_str());
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
