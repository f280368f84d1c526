#include "lib/resp/input_buffer.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>

namespace embedis::resp::internal {

namespace {
constexpr size_t kMinCapacity = 1024;
}  // namespace

InputBuffer::~InputBuffer() { std::free(data_); }

void InputBuffer::Realloc(size_t capacity) {
  void* p = std::realloc(data_, capacity);
  if (p == nullptr) throw std::bad_alloc();  // as operator new would
  data_ = static_cast<char*>(p);
  capacity_ = capacity;
}

void InputBuffer::Reserve(size_t capacity) {
  if (capacity > capacity_) Realloc(capacity);
}

char* InputBuffer::PrepareAppend(size_t n, size_t soft_limit) {
  size_t needed = size_ + n;
  if (needed > capacity_) {
    size_t grown = capacity_ < kMinCapacity ? kMinCapacity : capacity_ * 2;
    if (soft_limit != 0 && grown > soft_limit) grown = soft_limit;
    Realloc(grown > needed ? grown : needed);
  }
  return data_ + size_;
}

void InputBuffer::DiscardPrefix(size_t n) {
  if (n == 0) return;
  if (n >= size_) {
    size_ = 0;
    return;
  }
  std::memmove(data_, data_ + n, size_ - n);
  size_ -= n;
}

void InputBuffer::Clear(size_t keep_capacity) {
  size_ = 0;
  if (capacity_ > keep_capacity) {
    std::free(data_);
    data_ = nullptr;
    capacity_ = 0;
  }
}

bool ParseRedisInt(std::string_view s, int64_t* out) {
  // Same acceptance as redis-server's string2ll, including its 20-character cap.
  if (s.empty() || s.size() >= 21) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == s.size()) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (v > kMax + 1) return false;
    *out = v == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  } else {
    if (v > kMax) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseRespInt(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (kMax + 1 - d) / 10) return false;  // keeps v <= 2^63, so it never wraps
    v = v * 10 + d;
  }
  if (negative) {
    *out = v == kMax + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
  } else {
    if (v > kMax) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool ParseRespDouble(std::string_view s, double* out) {
  std::string_view body = s;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "inf") {
    *out = negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
    return true;
  }
  if (body == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // [digits][.digits][(e|E)[sign]digits], with at least one mantissa digit.
  size_t i = 0;
  size_t mantissa_digits = 0;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  if (i != body.size()) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Too large or too small for a double: take strtod's answer (inf, or a tiny value or 0).
    std::string copy(body);
    v = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc() || ptr != body.data() + body.size()) {
    return false;
  }
  *out = negative ? -v : v;
  return true;
}

}  // namespace embedis::resp::internal
