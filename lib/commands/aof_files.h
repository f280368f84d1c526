// The file primitives shared by the parts of Aof (aof.h): aof.cc, aof_load.cc, aof_rewrite.cc
// and aof_cron.cc. Internal to lib/commands:aof.
#ifndef EMBEDIS_LIB_COMMANDS_AOF_FILES_H_
#define EMBEDIS_LIB_COMMANDS_AOF_FILES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace embedis::aof_internal {

// strerror(err).
std::string Errno(int err);
// kInternal: "<what> <path>: <strerror(err)>".
absl::Status ErrnoStatus(std::string_view what, const std::string& path, int err);
// The size of the file at `path`; 0 when it cannot be stat()ed.
int64_t FileSize(const std::string& path);
// fsync() of the folder `dir` (a rename in it is durable after this).
absl::Status FsyncDir(const std::string& dir);
// The whole file; kNotFound when there is none.
absl::StatusOr<std::string> ReadWhole(const std::string& path);

}  // namespace embedis::aof_internal

#endif  // EMBEDIS_LIB_COMMANDS_AOF_FILES_H_
