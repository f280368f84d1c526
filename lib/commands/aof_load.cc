// Aof::Load (aof.h, "Loading"): the manifest's files in order, the base (an embedis snapshot, or
// RESP) and then each incr file replayed through the command table; a last file cut short by a
// crash is truncated to its last complete command when aof-load-truncated allows it.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/commands/aof.h"
#include "lib/commands/aof_files.h"
#include "lib/commands/args.h"
#include "lib/commands/command_table.h"
#include "lib/keyspace/snapshot.h"
#include "lib/resp/writer.h"
#include "lib/util/strings.h"

namespace embedis {

using aof_internal::ErrnoStatus;
using aof_internal::ReadWhole;

namespace {

constexpr char kSnapshotMagic[8] = {'\x89', 'E', 'M', 'B', 'E', 'D', 'I', 'S'};

}  // namespace

// ---- Loading ----

absl::Status Aof::Load() {
  absl::StatusOr<Manifest> m = ReadManifest();
  if (!m.ok()) return m.status();
  const auto start = std::chrono::steady_clock::now();
  if (!m->base.empty()) {
    if (absl::Status s = LoadBase(m->base, m->incrs.empty()); !s.ok()) return s;
  }
  for (size_t i = 0; i < m->incrs.size(); ++i) {
    if (absl::Status s = ReplayFile(m->incrs[i].first, i + 1 == m->incrs.size()); !s.ok()) {
      return s;
    }
  }
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.3f",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  Log(false, absl::StrCat("DB loaded from append only file: ", seconds, " seconds"));
  MutexLock l(&mu_);
  manifest_ = *std::move(m);
  return absl::OkStatus();
}

absl::Status Aof::LoadBase(const std::string& name, bool last) {
  const std::string path = absl::StrCat(folder(), "/", name);
  char head[8] = {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open the AOF base file", path, errno);
  ssize_t n = ::read(fd, head, sizeof(head));
  ::close(fd);
  if (n == sizeof(head) && std::memcmp(head, kSnapshotMagic, sizeof(head)) == 0) {
    absl::StatusOr<SnapshotLoadStats> loaded = LoadSnapshot(path, keyspace_);
    if (!loaded.ok()) return loaded.status();
    Log(false, absl::StrCat("Loading the AOF base ", name, ": ", loaded->loaded, " keys loaded, ",
                            loaded->expired, " expired"));
    return absl::OkStatus();
  }
  if (n >= 5 && std::memcmp(head, "REDIS", 5) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("The AOF base ", path, " is a Redis RDB file, which embedis cannot read"));
  }
  return ReplayFile(name, last);
}

absl::Status Aof::ReplayFile(const std::string& name, bool last) {
  const std::string path = absl::StrCat(folder(), "/", name);
  absl::StatusOr<std::string> read = ReadWhole(path);
  if (absl::IsNotFound(read.status()) && last) {
    return absl::OkStatus();  // created by a rewrite that died before its first write
  }
  if (!read.ok()) return read.status();
  const std::string& data = *read;
  const commands::CommandTable table = commands::CommandTable::WithDataCommands();
  commands::ClientState client;
  std::string out;
  resp::Writer writer(&out, client.protocol);
  commands::CommandContext ctx{.keyspace = keyspace_, .client = &client, .reply = &writer};
  size_t pos = 0;
  size_t multi_start = std::string::npos;
  const size_t n = data.size();
  enum class Outcome { kOk, kTruncated, kCorrupt };
  // Reads "<prefix><integer>\r\n" at pos.
  auto read_number = [&](char prefix, int64_t* v) -> Outcome {
    if (pos >= n) return Outcome::kTruncated;
    if (data[pos] != prefix) return Outcome::kCorrupt;
    size_t eol = data.find("\r\n", pos);
    if (eol == std::string::npos) {
      // A line cut short, unless what is there cannot be a number at all.
      for (size_t i = pos + 1; i < n; ++i) {
        if ((data[i] < '0' || data[i] > '9') && data[i] != '\r') return Outcome::kCorrupt;
      }
      return Outcome::kTruncated;
    }
    if (!commands::ParseInt64(std::string_view(data).substr(pos + 1, eol - pos - 1), v) || *v < 0) {
      return Outcome::kCorrupt;
    }
    pos = eol + 2;
    return Outcome::kOk;
  };
  std::vector<std::string_view> argv;
  uint64_t commands_run = 0;
  while (pos < n) {
    const size_t start = pos;
    Outcome o = Outcome::kOk;
    if (data[pos] == '#') {  // an annotation (#TS:<unix seconds>), skipped as Redis does
      const size_t eol = data.find('\n', pos);
      if (eol != std::string::npos) {
        pos = eol + 1;
        continue;
      }
      o = Outcome::kTruncated;
    }
    int64_t argc = 0;
    if (o == Outcome::kOk) o = read_number('*', &argc);
    if (o == Outcome::kOk && argc < 1) o = Outcome::kCorrupt;
    argv.clear();
    for (int64_t i = 0; o == Outcome::kOk && i < argc; ++i) {
      int64_t len = 0;
      o = read_number('$', &len);
      if (o != Outcome::kOk) break;
      if (static_cast<uint64_t>(len) + 2 > n - pos) {
        o = Outcome::kTruncated;
        break;
      }
      if (data[pos + static_cast<size_t>(len)] != '\r' ||
          data[pos + static_cast<size_t>(len) + 1] != '\n') {
        o = Outcome::kCorrupt;
        break;
      }
      argv.push_back(std::string_view(data).substr(pos, static_cast<size_t>(len)));
      pos += static_cast<size_t>(len) + 2;
    }
    if (o == Outcome::kCorrupt) {
      return absl::DataLossError(absl::StrCat("Bad file format reading the append only file ", path,
                                              " at byte offset ", start, " (command ",
                                              commands_run + 1,
                                              "): make a backup of your AOF file, then repair or "
                                              "remove the damaged part"));
    }
    if (o == Outcome::kTruncated) {
      const size_t cut = multi_start != std::string::npos ? multi_start : start;
      if (!last || !load_truncated_.load()) {
        return absl::DataLossError(absl::StrCat(
            "Unexpected end of file reading the append only file ", path, " at byte offset ", start,
            !last ? " (not the last file of the manifest)"
                  : "; set aof-load-truncated yes to load it cut at its last complete "
                    "command"));
      }
      Log(true, absl::StrCat("!!! Warning: short read while loading the AOF file ", name, "!!!"));
      Log(true, absl::StrCat("!!! Truncating the AOF ", name, " at offset ", cut, " !!!"));
      if (::truncate(path.c_str(), static_cast<off_t>(cut)) != 0) {
        return ErrnoStatus("cannot truncate the AOF file", path, errno);
      }
      Log(true, absl::StrCat("AOF ", name, " loaded anyway because aof-load-truncated is enabled"));
      return absl::OkStatus();
    }
    const commands::CommandSpec* spec = table.Find(argv[0]);
    if (spec == nullptr) {
      return absl::DataLossError(absl::StrCat("Unknown command '", ToAbsl(argv[0].substr(0, 128)),
                                              "' reading the append only file ", path,
                                              " at byte offset ", start));
    }
    if (commands::EqualsIgnoreCase(argv[0], "multi")) multi_start = start;
    if (commands::EqualsIgnoreCase(argv[0], "exec")) multi_start = std::string::npos;
    table.Execute(ctx, commands::Args(argv.data(), argv.size()), spec);
    out.clear();
    ++commands_run;
  }
  if (multi_start != std::string::npos) {  // a MULTI without its EXEC: a crash in between
    if (!last || !load_truncated_.load()) {
      return absl::DataLossError(
          absl::StrCat("Unexpected end of file reading the append only file ", path,
                       ": a MULTI at byte offset ", multi_start, " has no EXEC"));
    }
    client.ResetTransaction();
    Log(true, absl::StrCat("Revert incomplete MULTI/EXEC transaction in AOF file ", name,
                           " at offset ", multi_start));
    if (::truncate(path.c_str(), static_cast<off_t>(multi_start)) != 0) {
      return ErrnoStatus("cannot truncate the AOF file", path, errno);
    }
  }
  return absl::OkStatus();
}

}  // namespace embedis
