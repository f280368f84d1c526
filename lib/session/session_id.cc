#include "lib/session/session_id.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"

namespace embedis {

std::string GenerateSessionId() {
  unsigned char bytes[kSessionIdBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::fprintf(stderr, "embedis: RAND_bytes failed; refusing to make a guessable session id\n");
    std::abort();
  }
  std::string id;
  // Base64url without padding (absl's web-safe alphabet is '-' and '_').
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes),
                            &id);
  return id;
}

}  // namespace embedis
