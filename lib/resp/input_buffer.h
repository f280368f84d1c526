// Internal to lib/resp: the byte buffer behind both parsers, and number parsing helpers.
//
// InputBuffer is a malloc'ed, growable byte array. It grows with realloc, which on glibc moves
// large blocks with mremap instead of copying them, and it can expose its free tail so that a
// socket read lands directly in it (PrepareWrite/CommitWrite).
//
// Thread safety: not thread-safe.
#ifndef EMBEDIS_LIB_RESP_INPUT_BUFFER_H_
#define EMBEDIS_LIB_RESP_INPUT_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace embedis::resp::internal {

class InputBuffer {
 public:
  InputBuffer() = default;
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;
  ~InputBuffer();

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // Makes room for at least `n` more bytes and returns where they go. Growth doubles the capacity
  // but never beyond `soft_limit` when that still fits `n` (0 = no limit).
  char* PrepareAppend(size_t n, size_t soft_limit = 0);
  // Marks `n` bytes written at the pointer PrepareAppend returned as data.
  void CommitAppend(size_t n) { size_ += n; }

  // Grows the capacity to at least `capacity` bytes.
  void Reserve(size_t capacity);
  // Removes the first `n` bytes, moving the rest to the front.
  void DiscardPrefix(size_t n);
  // Empties the buffer; frees the memory when it is larger than `keep_capacity`.
  void Clear(size_t keep_capacity);

 private:
  void Realloc(size_t capacity);

  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Parses a decimal integer exactly as redis-server's string2ll does (used for the `*<n>` and
// `$<n>` counts of requests): no sign other than a leading '-', no leading zeros ("0" alone is
// fine, "-0" is not), no spaces, at most 20 characters, no overflow.
bool ParseRedisInt(std::string_view s, int64_t* out);

// Parses a RESP `:` integer: an optional '+' or '-', then one or more digits, no overflow.
bool ParseRespInt(std::string_view s, int64_t* out);

// Parses a RESP3 `,` double: "inf", "-inf", "nan" (optionally signed), or a decimal number with an
// optional sign, fraction and exponent. Rejects anything else, and out-of-range numbers.
bool ParseRespDouble(std::string_view s, double* out);

}  // namespace embedis::resp::internal

#endif  // EMBEDIS_LIB_RESP_INPUT_BUFFER_H_
