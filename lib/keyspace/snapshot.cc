#include "lib/keyspace/snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <istream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cereal/archives/portable_binary.hpp"
#include "lib/util/memory_streambuf.h"
#include "lib/util/strings.h"
#include "xxhash.h"

namespace embedis {
namespace {

using Out = cereal::PortableBinaryOutputArchive;
using In = cereal::PortableBinaryInputArchive;

constexpr char kMagic[8] = {'\x89', 'E', 'M', 'B', 'E', 'D', 'I', 'S'};
constexpr size_t kHeaderBytes = 1 + 4 + 4 + 8 + 4;   // endianness, version, flags, created, dbs
constexpr size_t kFrameHeaderBytes = 1 + 1 + 8 + 8;  // endianness, kind, payload, records
constexpr size_t kChecksumBytes = 8;
constexpr uint8_t kFrameEnd = 0;
constexpr uint8_t kFrameRecords = 1;
constexpr uint8_t kFrameFunctions = 2;    // format version 5
constexpr size_t kFrameTarget = 1 << 20;  // payload bytes per frame
constexpr uint32_t kLongLength = 0xFFFFFFFFu;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

absl::Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  std::string message = absl::StrCat(ToAbsl(what), " ", ToAbsl(path), ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void PutLength(Out& ar, uint64_t n) {
  if (n < kLongLength) {
    ar(static_cast<uint32_t>(n));
  } else {
    ar(kLongLength, n);
  }
}

void PutBlob(Out& ar, std::string_view s) {
  PutLength(ar, s.size());
  if (!s.empty()) ar(cereal::binary_data(s.data(), s.size()));
}

// A record's type tag: its ValueType's number. Format version 1 knew string (0) and hash (1);
// version 2 adds list (2), version 3 set (3), version 4 sorted set (4).
uint8_t RecordTag(ValueType type) { return static_cast<uint8_t>(type); }
uint8_t MaxRecordTag(uint32_t format_version) {
  switch (format_version) {
    case 1:
      return RecordTag(ValueType::kHash);
    case 2:
      return RecordTag(ValueType::kList);
    case 3:
      return RecordTag(ValueType::kSet);
    default:
      return RecordTag(ValueType::kZSet);
  }
}

void PutRecord(Out& ar, const KeyRecord& r) {
  ar(RecordTag(r.type), static_cast<uint32_t>(r.db), static_cast<int64_t>(r.expire_at_ms));
  PutBlob(ar, r.key);
  switch (r.type) {
    case ValueType::kString:
      PutBlob(ar, r.str);
      return;
    case ValueType::kHash:
      PutLength(ar, r.fields.size());
      for (const auto& [f, v] : r.fields) {
        PutBlob(ar, f);
        PutBlob(ar, v);
      }
      return;
    case ValueType::kList:
    case ValueType::kSet:
      PutLength(ar, r.elements.size());
      for (const std::string& e : r.elements) PutBlob(ar, e);
      return;
    case ValueType::kZSet:
      PutLength(ar, r.scored.size());
      for (const auto& [m, score] : r.scored) {
        PutBlob(ar, m);
        ar(score);
      }
      return;
  }
}

// A decoding error inside a frame whose checksum matched: a bug or a forged file.
struct DecodeError {
  std::string what;
};

uint64_t GetLength(In& ar) {
  uint32_t n;
  ar(n);
  if (n != kLongLength) return n;
  uint64_t big;
  ar(big);
  return big;
}

void GetBlob(In& ar, const MemorySource& src, std::string* out) {
  uint64_t n = GetLength(ar);
  if (n > src.remaining())
    throw DecodeError{absl::StrCat("a length of ", n, " runs past its frame")};
  out->resize(n);
  if (n > 0) ar(cereal::binary_data(out->data(), n));
}

void GetRecord(In& ar, const MemorySource& src, uint32_t format_version, KeyRecord* r) {
  uint8_t type;
  uint32_t db;
  int64_t expire_at_ms;
  ar(type, db, expire_at_ms);
  if (type > MaxRecordTag(format_version)) {
    throw DecodeError{absl::StrCat("unknown value type ", static_cast<int>(type),
                                   " for format version ", format_version)};
  }
  r->type = static_cast<ValueType>(type);
  r->db = static_cast<int>(db);
  r->expire_at_ms = expire_at_ms;
  GetBlob(ar, src, &r->key);
  r->str.clear();
  r->fields.clear();
  r->elements.clear();
  r->scored.clear();
  switch (r->type) {
    case ValueType::kString:
      GetBlob(ar, src, &r->str);
      return;
    case ValueType::kHash: {
      uint64_t n = GetLength(ar);
      if (n > src.remaining() / 8)
        throw DecodeError{absl::StrCat("a hash of ", n, " fields runs past its frame")};
      r->fields.resize(n);
      for (auto& [f, v] : r->fields) {
        GetBlob(ar, src, &f);
        GetBlob(ar, src, &v);
      }
      return;
    }
    case ValueType::kList:
    case ValueType::kSet: {
      uint64_t n = GetLength(ar);
      if (n > src.remaining() / 4)
        throw DecodeError{absl::StrCat("a ", std::string(ValueTypeName(r->type)), " of ", n,
                                       " elements runs past its frame")};
      r->elements.resize(n);
      for (std::string& e : r->elements) GetBlob(ar, src, &e);
      return;
    }
    case ValueType::kZSet: {
      uint64_t n = GetLength(ar);
      if (n > src.remaining() / 12)
        throw DecodeError{absl::StrCat("a zset of ", n, " members runs past its frame")};
      r->scored.resize(n);
      for (auto& [m, score] : r->scored) {
        GetBlob(ar, src, &m);
        ar(score);
        if (std::isnan(score)) throw DecodeError{"a zset member with a NaN score"};
      }
      return;
    }
  }
}

// Writes to a file descriptor and hashes everything written.
class HashingFile {
 public:
  HashingFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    XXH3_64bits_reset(&state_);
  }

  absl::Status Write(std::string_view data) {
    XXH3_64bits_update(&state_, data.data(), data.size());
    return WriteUnhashed(data);
  }

  // Writes the checksum of everything so far (not itself hashed).
  absl::Status WriteChecksum() {
    uint64_t h = XXH3_64bits_digest(&state_);
    char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<char>(h >> (8 * i));
    return WriteUnhashed(std::string_view(le, 8));
  }

  uint64_t bytes() const { return bytes_; }
  // fdatasync every `bytes` written (0: never).
  void set_sync_every(uint64_t bytes) { sync_every_ = bytes; }
  uint64_t syncs() const { return syncs_; }

 private:
  absl::Status WriteUnhashed(std::string_view data) {
    while (!data.empty()) {
      size_t chunk = data.size();
      if (sync_every_ > 0) chunk = std::min<uint64_t>(chunk, sync_every_ - since_sync_);
      ssize_t n = ::write(fd_, data.data(), chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "cannot write", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
      bytes_ += static_cast<uint64_t>(n);
      since_sync_ += static_cast<uint64_t>(n);
      if (sync_every_ > 0 && since_sync_ >= sync_every_) {
        if (::fdatasync(fd_) != 0) return ErrnoStatus(errno, "cannot fsync", path_);
        ++syncs_;
        since_sync_ = 0;
      }
    }
    return absl::OkStatus();
  }

  int fd_;
  std::string path_;
  XXH3_state_t state_;
  uint64_t bytes_ = 0;
  uint64_t sync_every_ = 0;
  uint64_t since_sync_ = 0;
  uint64_t syncs_ = 0;
};

std::string FrameHeader(uint8_t kind, uint64_t payload_bytes, uint64_t records) {
  std::string out;
  StringSink sink(&out);
  std::ostream os(&sink);
  Out ar(os, Out::Options::LittleEndian());
  ar(kind, payload_bytes, records);
  return out;
}

absl::Status WriteBody(Keyspace& keyspace, HashingFile& file, int64_t created_ms,
                       const SnapshotWriteOptions& options, uint64_t* total_keys) {
  {
    std::string header(kMagic, sizeof(kMagic));
    StringSink sink(&header);
    std::ostream os(&sink);
    Out ar(os, Out::Options::LittleEndian());
    ar(kSnapshotFormatVersion, uint32_t{0}, created_ms,
       static_cast<uint32_t>(keyspace.databases()));
    if (absl::Status s = file.Write(header); !s.ok()) return s;
  }
  std::string payload;
  payload.reserve(kFrameTarget + 64 * 1024);
  StringSink sink(&payload);
  std::ostream os(&sink);
  std::optional<Out> ar;
  uint64_t frame_records = 0;
  uint32_t databases_used = 0;

  auto flush = [&]() -> absl::Status {
    if (frame_records == 0) return absl::OkStatus();
    if (absl::Status s = file.Write(FrameHeader(kFrameRecords, payload.size(), frame_records));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = file.Write(payload); !s.ok()) return s;
    *total_keys += frame_records;
    frame_records = 0;
    ar.reset();
    payload.clear();
    return absl::OkStatus();
  };

  std::vector<KeyRecord> records;
  std::unique_ptr<Keyspace::Image> own_image;
  Keyspace::Image* image = options.image;
  if (image == nullptr) {
    own_image = keyspace.BeginImage();
    image = own_image.get();
  }
  for (int shard = 0; shard < keyspace.shards(); ++shard) {
    if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
      return absl::CancelledError("snapshot write cancelled");
    }
    records.clear();
    image->TakeShard(shard, &records);
    for (const KeyRecord& r : records) {
      if (!ar) ar.emplace(os, Out::Options::LittleEndian());
      PutRecord(*ar, r);
      ++frame_records;
      databases_used = std::max(databases_used, static_cast<uint32_t>(r.db) + 1);
      if (payload.size() >= kFrameTarget) {
        if (absl::Status s = flush(); !s.ok()) return s;
        if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
          return absl::CancelledError("snapshot write cancelled");
        }
      }
    }
    if (absl::Status s = flush(); !s.ok()) return s;
    if (options.on_shard_written) options.on_shard_written(shard);
  }
  records = {};
  if (!options.function_libraries.empty()) {
    std::string functions;
    {
      StringSink fn_sink(&functions);
      std::ostream fn_os(&fn_sink);
      Out fn_ar(fn_os, Out::Options::LittleEndian());
      for (const std::string& code : options.function_libraries) PutBlob(fn_ar, code);
    }
    if (absl::Status s = file.Write(
            FrameHeader(kFrameFunctions, functions.size(), options.function_libraries.size()));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = file.Write(functions); !s.ok()) return s;
  }
  // The end frame: the total count, and the number of databases the keys need.
  std::string end_payload;
  {
    StringSink end_sink(&end_payload);
    std::ostream end_os(&end_sink);
    Out end_ar(end_os, Out::Options::LittleEndian());
    end_ar(databases_used);
  }
  if (absl::Status s = file.Write(FrameHeader(kFrameEnd, end_payload.size(), *total_keys));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = file.Write(end_payload); !s.ok()) return s;
  return file.WriteChecksum();
}

std::atomic<uint64_t> g_temp_counter{0};

// ---- Loading ----

class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
  }
  absl::Status Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(errno, "cannot open snapshot", path);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "cannot stat snapshot", path);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        return ErrnoStatus(err, "cannot map snapshot", path);
      }
      data_ = static_cast<const char*>(p);
      madvise(p, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
    return absl::OkStatus();
  }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
};

struct Frame {
  size_t offset;  // of the payload
  uint64_t bytes;
  uint64_t records;
};

template <typename... T>
void ReadFixed(const char* data, size_t size, T&... fields) {
  MemorySource src(std::string_view(data, size));
  std::istream is(&src);
  In ar(is);
  ar(fields...);
}

}  // namespace

absl::StatusOr<SnapshotStats> WriteSnapshot(Keyspace& keyspace, const std::string& path,
                                            const SnapshotWriteOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string temp = absl::StrCat(path, ".tmp-", getpid(), "-", ++g_temp_counter);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "cannot create temporary snapshot file", temp);
  SnapshotStats stats;
  stats.created_ms = keyspace.clock()->NowMs();
  HashingFile file(fd, temp);
  file.set_sync_every(options.incremental_fsync_bytes);
  absl::Status s;
  try {
    s = WriteBody(keyspace, file, stats.created_ms, options, &stats.keys);
  } catch (const std::exception& e) {  // cereal reports a short write by throwing
    s = absl::InternalError(absl::StrCat("cannot write ", temp, ": ", e.what()));
  }
  if (s.ok() && options.sync && ::fdatasync(fd) != 0) s = ErrnoStatus(errno, "cannot fsync", temp);
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus(errno, "cannot close", temp);
  if (s.ok() && ::rename(temp.c_str(), path.c_str()) != 0) {
    s = ErrnoStatus(errno, absl::StrCat("cannot rename ", temp, " to"), path);
  }
  if (!s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  if (options.sync) {
    const std::string dir = DirName(path);
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return ErrnoStatus(errno, "cannot open directory", dir);
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    if (rc != 0) return ErrnoStatus(err, "cannot fsync directory", dir);
  }
  stats.bytes = file.bytes();
  stats.incremental_fsyncs = file.syncs();
  stats.seconds = SecondsSince(start);
  return stats;
}

absl::StatusOr<SnapshotLoadStats> LoadSnapshot(const std::string& path, Keyspace* keyspace,
                                               const SnapshotLoadOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  MappedFile file;
  if (absl::Status s = file.Open(path); !s.ok()) return s;
  const char* data = file.data();
  const size_t size = file.size();
  auto corrupt = [&](std::string_view problem) {
    return absl::DataLossError(absl::StrCat("snapshot ", path, ": ", ToAbsl(problem)));
  };
  auto truncated = [&](std::string_view where) {
    return corrupt(absl::StrCat("truncated: the file ends (at ", size, " bytes) ", ToAbsl(where)));
  };

  // Magic.
  const size_t magic_have = std::min(size, sizeof(kMagic));
  if (size == 0 || std::memcmp(data, kMagic, magic_have) != 0) {
    if (size >= 5 && std::memcmp(data, "REDIS", 5) == 0) {
      return corrupt("this is a Redis RDB file, not an embedis snapshot (wrong magic)");
    }
    if (size == 0) return truncated("before the magic (empty file)");
    return corrupt("not an embedis snapshot (wrong magic)");
  }
  if (size < sizeof(kMagic) + kHeaderBytes) return truncated("inside the header");

  // Header.
  uint32_t version = 0, flags = 0, writer_dbs = 0;
  int64_t created_ms = 0;
  try {
    ReadFixed(data + sizeof(kMagic), kHeaderBytes, version, flags, created_ms, writer_dbs);
  } catch (const std::exception& e) {
    return corrupt(absl::StrCat("unreadable header: ", e.what()));
  }
  if (data[sizeof(kMagic)] != 1) return corrupt("corrupt header (endianness byte)");
  if (version > kSnapshotFormatVersion + 1000) {
    return corrupt(absl::StrCat("corrupt header (format version ", version, ")"));
  }
  if (version > kSnapshotFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot ", path, ": format version ", version, " is newer than this embedis supports (",
        kSnapshotFormatVersion, "); load it with a newer embedis"));
  }
  if (version == 0) return corrupt("corrupt header (format version 0)");

  // Frames: sizes only, so that truncation is found before the checksum.
  std::vector<Frame> frames;
  std::vector<Frame> function_frames;
  size_t offset = sizeof(kMagic) + kHeaderBytes;
  uint64_t records_in_frames = 0;
  uint64_t end_records = 0;
  uint32_t databases_used = 0;
  try {
    while (true) {
      if (size - offset < kFrameHeaderBytes) {
        return truncated(absl::StrCat("inside the frame header at offset ", offset));
      }
      uint8_t kind;
      uint64_t bytes, records;
      ReadFixed(data + offset, kFrameHeaderBytes, kind, bytes, records);
      const size_t frame_at = offset;
      offset += kFrameHeaderBytes;
      if (kind != kFrameRecords && kind != kFrameEnd && (kind != kFrameFunctions || version < 5)) {
        return corrupt(absl::StrCat("corrupt frame header at offset ", frame_at, " (kind ",
                                    static_cast<int>(kind), ")"));
      }
      if (bytes > size - offset) {
        return truncated(absl::StrCat("inside the frame at offset ", frame_at, ", which needs ",
                                      bytes, " payload bytes (or its header is corrupt)"));
      }
      if (kind == kFrameEnd) {
        end_records = records;
        if (bytes < 5) return corrupt(absl::StrCat("corrupt end frame at offset ", frame_at));
        ReadFixed(data + offset, bytes, databases_used);
        offset += bytes;
        break;
      }
      if (kind == kFrameFunctions) {
        function_frames.push_back(Frame{offset, bytes, records});
        offset += bytes;
        continue;
      }
      frames.push_back(Frame{offset, bytes, records});
      records_in_frames += records;
      offset += bytes;
    }
  } catch (const std::exception& e) {
    return corrupt(absl::StrCat("unreadable frame header: ", e.what()));
  }
  if (size - offset < kChecksumBytes) return truncated("inside the checksum");
  if (size - offset > kChecksumBytes) {
    return corrupt(
        absl::StrCat(size - offset - kChecksumBytes, " unexpected bytes after the checksum"));
  }
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | static_cast<uint8_t>(data[offset + i]);
  const uint64_t computed = XXH3_64bits(data, offset);
  if (stored != computed) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "checksum mismatch (stored %016llx, computed %016llx)",
                  static_cast<unsigned long long>(stored),
                  static_cast<unsigned long long>(computed));
    return corrupt(absl::StrCat(buf, ": the file is corrupt"));
  }
  if (records_in_frames != end_records) {
    return corrupt(absl::StrCat("the frames hold ", records_in_frames,
                                " records but the end frame says ", end_records));
  }
  if (static_cast<int64_t>(databases_used) > keyspace->databases()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot ", path, " holds keys in database ", databases_used - 1, " but only ",
        keyspace->databases(), " databases are configured (--databases)"));
  }

  // FUNCTION libraries (small): decoded before any key is imported.
  std::vector<std::string> function_libraries;
  for (const Frame& f : function_frames) {
    MemorySource src(std::string_view(data + f.offset, f.bytes));
    std::istream is(&src);
    try {
      In ar(is);
      for (uint64_t r = 0; r < f.records; ++r) GetBlob(ar, src, &function_libraries.emplace_back());
      if (src.remaining() != 0) throw DecodeError{"unused bytes at the end of a frame"};
    } catch (const DecodeError& e) {
      return corrupt(absl::StrCat("frame at offset ", f.offset, ": ", e.what));
    } catch (const std::exception& e) {
      return corrupt(absl::StrCat("frame at offset ", f.offset, ": ", e.what()));
    }
  }

  // Decode and import, frames in parallel.
  int threads =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::min(4u, std::max(1u, std::thread::hardware_concurrency())));
  threads = std::max(1, std::min<int>(threads, static_cast<int>(frames.size())));
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> loaded{0}, expired{0};
  std::mutex error_mu;
  std::optional<absl::Status> error;
  auto worker = [&] {
    KeyRecord record;
    uint64_t my_loaded = 0, my_expired = 0;
    for (size_t i = next++; i < frames.size(); i = next++) {
      const Frame& f = frames[i];
      MemorySource src(std::string_view(data + f.offset, f.bytes));
      std::istream is(&src);
      try {
        In ar(is);
        for (uint64_t r = 0; r < f.records; ++r) {
          GetRecord(ar, src, version, &record);
          if (record.db < 0 || record.db >= keyspace->databases()) {
            throw DecodeError{absl::StrCat("database ", record.db, " out of range")};
          }
          if (keyspace->Import(record)) {
            ++my_loaded;
          } else {
            ++my_expired;
          }
        }
        if (src.remaining() != 0) throw DecodeError{"unused bytes at the end of a frame"};
      } catch (const DecodeError& e) {
        std::lock_guard<std::mutex> l(error_mu);
        if (!error) error = corrupt(absl::StrCat("frame at offset ", f.offset, ": ", e.what));
        next = frames.size();
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> l(error_mu);
        if (!error) error = corrupt(absl::StrCat("frame at offset ", f.offset, ": ", e.what()));
        next = frames.size();
      }
    }
    loaded += my_loaded;
    expired += my_expired;
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (error) return *error;

  SnapshotLoadStats stats;
  stats.loaded = loaded;
  stats.expired = expired;
  stats.bytes = size;
  stats.created_ms = created_ms;
  stats.format_version = version;
  stats.seconds = SecondsSince(start);
  stats.function_libraries = std::move(function_libraries);
  return stats;
}

int RemoveStaleSnapshotTemps(const std::string& path) {
  const std::string dir = DirName(path);
  const std::string prefix = BaseName(path) + ".tmp-";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  while (dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (!name.starts_with(prefix)) continue;
    std::string_view rest = name.substr(prefix.size());
    size_t dash = rest.find('-');
    if (dash == std::string_view::npos || dash == 0) continue;
    pid_t pid = 0;
    bool digits = true;
    for (char c : rest.substr(0, dash)) {
      if (c < '0' || c > '9') digits = false;
      pid = pid * 10 + (c - '0');
    }
    if (!digits || pid == getpid()) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;  // still running (or not ours to judge)
    if (::unlink(absl::StrCat(dir, "/", ToAbsl(name)).c_str()) == 0) ++removed;
  }
  closedir(d);
  return removed;
}

SnapshotKeeper::SnapshotKeeper(Keyspace* keyspace, Options options)
    : keyspace_(keyspace), options_(std::move(options)) {
  saved_changes_ = keyspace_->GetStats().changes;
  if (options_.function_libraries) saved_libraries_ = options_.function_libraries();
  if (options_.interval > absl::ZeroDuration()) thread_ = std::thread([this] { Run(); });
}

SnapshotKeeper::~SnapshotKeeper() {
  {
    std::lock_guard<std::mutex> l(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (options_.save_on_close) {
    bool changed;
    {
      std::lock_guard<std::mutex> l(save_mu_);
      changed = ChangedLocked() || access(options_.path.c_str(), F_OK) != 0;
    }
    if (changed) {
      if (absl::Status s = SaveNow(); !s.ok()) Report(s);
    }
  }
}

absl::Status SnapshotKeeper::SaveNow() {
  std::lock_guard<std::mutex> l(save_mu_);
  const uint64_t changes = keyspace_->GetStats().changes;
  SnapshotWriteOptions write_options;
  if (options_.function_libraries) write_options.function_libraries = options_.function_libraries();
  absl::StatusOr<SnapshotStats> saved = WriteSnapshot(*keyspace_, options_.path, write_options);
  if (!saved.ok()) return saved.status();
  saved_changes_ = changes;
  saved_libraries_ = std::move(write_options.function_libraries);
  return absl::OkStatus();
}

bool SnapshotKeeper::ChangedLocked() const {
  if (keyspace_->GetStats().changes != saved_changes_) return true;
  return options_.function_libraries && options_.function_libraries() != saved_libraries_;
}

void SnapshotKeeper::Run() {
  const auto period = absl::ToChronoMilliseconds(options_.interval);
  std::unique_lock<std::mutex> l(stop_mu_);
  while (!stop_cv_.wait_for(l, period, [this] { return stop_; })) {
    l.unlock();
    bool changed;
    {
      std::lock_guard<std::mutex> s(save_mu_);
      changed = ChangedLocked();
    }
    if (changed) {
      if (absl::Status s = SaveNow(); !s.ok()) Report(s);
    }
    l.lock();
  }
}

void SnapshotKeeper::Report(const absl::Status& status) const {
  if (options_.on_error) {
    options_.on_error(status);
  } else {
    std::fprintf(stderr, "embedis: snapshot save failed: %s\n",
                 std::string(status.message()).c_str());
  }
}

}  // namespace embedis
