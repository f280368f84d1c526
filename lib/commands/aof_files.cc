// The file primitives of the AOF's parts (aof.cc, aof_load.cc, aof_rewrite.cc, aof_cron.cc):
// errno texts and statuses, a file's size, fsync of a folder, a whole file read. Internal to
// lib/commands:aof.
#include "lib/commands/aof_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "lib/util/strings.h"

namespace embedis::aof_internal {

std::string Errno(int err) { return std::strerror(err); }

absl::Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  return absl::InternalError(absl::StrCat(ToAbsl(what), " ", path, ": ", Errno(err)));
}

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

absl::Status FsyncDir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoStatus("cannot open directory", dir, errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  return rc == 0 ? absl::OkStatus() : ErrnoStatus("cannot fsync directory", dir, err);
}

absl::StatusOr<std::string> ReadWhole(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("no file ", path));
    return ErrnoStatus("cannot open", path, errno);
  }
  std::string data;
  data.resize(static_cast<size_t>(std::max<int64_t>(FileSize(path), 0)));
  size_t got = 0;
  while (true) {
    if (got == data.size()) data.resize(data.size() * 2 + 4096);
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("cannot read", path, err);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

}  // namespace embedis::aof_internal
