// Stream buffers over memory, for binary formats written and read with cereal archives (the
// snapshot file, the binary session serializer): cereal archives take a std::ostream or
// std::istream, and these let them write into a std::string and read a byte range in place,
// without the copies of std::stringstream.
//
//   std::string out;
//   StringSink sink(&out);
//   std::ostream os(&sink);
//   cereal::BinaryOutputArchive(os)(uint32_t{7});     // out now holds the 4 bytes
//
//   MemorySource src(out);                              // reads `out` in place
//   std::istream is(&src);
//   cereal::BinaryInputArchive ar(is);
//   uint32_t v;
//   if (src.remaining() >= sizeof v) ar(v);             // check lengths before allocating
//
// A short read makes cereal throw cereal::Exception (the stream reports fewer bytes than asked).
//
// Thread safety: none; one buffer per stream, as for any std::streambuf.
#ifndef EMBEDIS_LIB_UTIL_MEMORY_STREAMBUF_H_
#define EMBEDIS_LIB_UTIL_MEMORY_STREAMBUF_H_

#include <cstddef>
#include <streambuf>
#include <string>
#include <string_view>

namespace embedis {

// An output stream buffer that appends everything written to a std::string.
// REQUIRES: `out` outlives the buffer. Does not own `out`.
class StringSink : public std::streambuf {
 public:
  explicit StringSink(std::string* out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out_->push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }

 private:
  std::string* out_;
};

// An input stream buffer over a read-only byte range, read in place (never written: no put area,
// and putback fails). REQUIRES: the bytes outlive the buffer.
class MemorySource : public std::streambuf {
 public:
  explicit MemorySource(std::string_view data) {
    char* p = const_cast<char*>(data.data());  // never written through
    setg(p, p, p + data.size());
  }
  // The bytes not read yet.
  size_t remaining() const { return static_cast<size_t>(egptr() - gptr()); }

 protected:
  int_type pbackfail(int_type) override { return traits_type::eof(); }
};

}  // namespace embedis

#endif  // EMBEDIS_LIB_UTIL_MEMORY_STREAMBUF_H_
