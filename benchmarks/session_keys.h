// Session-shaped test data shared by the keyspace benchmarks: keys
// "sess:" + base64url(24 random bytes) (37 bytes, like connect-redis's
// "sess:" prefix plus a 32-character session id) and 200-byte values.
#ifndef EMBEDIS_BENCHMARKS_SESSION_KEYS_H_
#define EMBEDIS_BENCHMARKS_SESSION_KEYS_H_

#include <malloc.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>

namespace embedis::bench {

inline constexpr size_t kKeyLength = 37;     // "sess:" + 32
inline constexpr size_t kValueLength = 200;
inline constexpr int64_t kDayMs = 86'400'000;

// Writes a fresh session key into `*out`: "sess:" + base64url (no padding)
// of 24 random bytes. No allocation once `out` has the capacity, so callers
// can reuse one string.
inline void MakeSessionKey(std::mt19937_64& rng, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char bytes[24];
  for (int i = 0; i < 24; i += 8) {
    uint64_t r = rng();
    for (int j = 0; j < 8; ++j) bytes[i + j] = static_cast<unsigned char>(r >> (8 * j));
  }
  out->assign("sess:");
  for (int i = 0; i < 24; i += 3) {  // 3 bytes -> 4 digits
    uint32_t group = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out->push_back(kAlphabet[(group >> shift) & 63]);
  }
}

inline std::string MakeSessionValue(std::mt19937_64& rng) {
  static constexpr char kPrintable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789{}:,\"";
  std::string v;
  v.reserve(kValueLength);
  while (v.size() < kValueLength) v.push_back(kPrintable[rng() % (sizeof(kPrintable) - 1)]);
  return v;
}

// Bytes handed out by glibc malloc, chunk headers included: in-use arena
// chunks (uordblks) plus mmap'ed chunks (hblkhd). Large blocks such as the
// keyspace's bucket arrays (512 KiB per shard at 1M keys) are mmap'ed and
// appear only in hblkhd, so uordblks alone would miss them.
inline size_t MallocInUse() {
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// Resident set size of this process, in bytes.
inline size_t ResidentBytes() {
  long pages_total = 0, pages_resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
    std::fclose(f);
  }
  return static_cast<size_t>(pages_resident) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace embedis::bench

#endif  // EMBEDIS_BENCHMARKS_SESSION_KEYS_H_
